//! `[publish]`: the limits of the HTTP publish API.

use serde::{Deserialize, Serialize};

use super::{at_least_one, SettingsError};

/// The HTTP publish API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishSettings {
    /// Largest single publish body in bytes; larger gets 413.
    pub max_body_bytes: usize,
    /// Largest batch body in bytes; larger gets 413.
    pub max_batch_bytes: usize,
    /// Most items in one batch; more gets 413.
    pub max_batch_items: usize,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings { max_body_bytes: 256 * 1024, max_batch_bytes: 4 * 1024 * 1024, max_batch_items: 1000 }
    }
}

impl PublishSettings {
    /// Refuses limits of zero, which would refuse every publish.
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        at_least_one(&[
            ("publish.max_body_bytes", self.max_body_bytes),
            ("publish.max_batch_bytes", self.max_batch_bytes),
            ("publish.max_batch_items", self.max_batch_items),
        ])
    }
}
