//! From decoded platform events to accepted notifications, independent of where the events
//! come from: ownership of batches and classes, and the commit watermark of a partition.

pub mod address;
pub mod owners;
pub mod watermark;
