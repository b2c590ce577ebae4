//! HuleEdu event contracts: turns a Kafka message value into the typed
//! teacher notification the hub publishes.
//!
//! The path of one message is:
//!
//! 1. [`Envelope::from_slice`] checks the raw bytes (size, UTF-8, JSON, the
//!    envelope fields, the size of every string);
//! 2. [`decode`] picks the contract by Kafka topic (the envelope's
//!    `event_type` is only a cross-check), validates `data` against that
//!    contract's typed struct, and builds a [`Notification`];
//! 3. every failure is a [`DecodeError`] whose [`DecodeError::reason`] is a
//!    stable label for metrics and dead-letter headers.
//!
//! [`topics`] lists every topic the hub understands, with the notification it
//! becomes, so documentation can be generated from the same table the code
//! routes with.

mod basis;
mod category;
mod classification;
mod content_digest;
mod decode;
mod envelope;
mod error;
mod events;
mod json_path;
mod limits;
mod notification;
mod oversize;
mod path_deserializer;
mod priority;
mod recipient;
mod string_enum;
mod timestamp;
mod topic_spec;
mod topics;
mod traceparent;
mod user;
mod uuid;
pub mod vocabulary;

pub use basis::Basis;
pub use category::Category;
pub use classification::Classification;
pub use decode::{decode, Decoded};
pub use envelope::Envelope;
pub use error::DecodeError;
pub use limits::Limits;
pub use notification::{LegacyKeys, Notification};
pub use priority::Priority;
pub use recipient::{OwnerKey, Recipient};
pub use string_enum::UnknownValue;
pub use timestamp::rfc3339_z as frame_timestamp;
pub use topic_spec::TopicSpec;
pub use topics::topics;
pub use traceparent::TraceParent;
