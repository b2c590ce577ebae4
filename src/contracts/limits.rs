//! Size limits applied to every message before it is trusted.

/// Byte limits for one Kafka message value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message value accepted, checked before parsing so an
    /// oversized value costs nothing. Defaults to Kafka's default
    /// `message.max.bytes` (1,048,588): anything larger was produced against
    /// a non-default broker and is far too big to push to a browser.
    pub max_value_bytes: usize,
    /// Largest single JSON string (value or key), in UTF-8 bytes after
    /// unescaping. Keeps one runaway field (a pasted essay, a stack trace
    /// loop) out of every connected dashboard. Defaults to 64 KiB.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_value_bytes: 1_048_588, max_string_bytes: 64 * 1024 }
    }
}
