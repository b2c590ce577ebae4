//! Contract tests against the real fixtures in `shared/contracts`: the
//! platform's example envelopes, the legacy Redis messages, and the
//! malformed inputs.

mod dedupe;
pub mod domain_examples;
pub mod fixtures;
mod legacy_data;
mod malformed;
mod teacher_notifications;
mod timestamps;
mod topic_table;
mod vendored_copy;
