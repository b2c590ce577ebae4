//! From decoded platform events to notifications the bridge takes, independent of where the
//! events come from: who owns a batch or class, the events waiting for an owner, and a
//! notification addressed to its teacher.

pub(crate) mod address;
pub(crate) mod holds;
pub(crate) mod owners;
