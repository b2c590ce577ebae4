//! W3C trace context carried in `metadata.traceparent`, so the hub's spans
//! can join the producer's trace.

use std::fmt;

/// A well-formed version-00 `traceparent`: `00-<32 hex>-<16 hex>-<2 hex>`,
/// lowercase, with non-zero trace and parent ids (as the W3C spec requires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent(String);

impl TraceParent {
    /// Accepts `text` only if it is a well-formed version-00 header value;
    /// anything else is dropped rather than propagated into our traces.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let (Some(version), Some(trace_id), Some(parent_id), Some(flags), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let well_formed = version == "00"
            && is_lower_hex(trace_id, 32)
            && is_lower_hex(parent_id, 16)
            && is_lower_hex(flags, 2)
            && !is_all_zero(trace_id)
            && !is_all_zero(parent_id);
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The 32-hex-digit trace id the hub's spans continue.
    pub fn trace_id(&self) -> &str {
        &self.0[3..35]
    }

    /// The 16-hex-digit id of the producer's span, the parent of the hub's.
    pub fn parent_id(&self) -> &str {
        &self.0[36..52]
    }

    /// The header value, unchanged.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_all_zero(text: &str) -> bool {
    text.bytes().all(|byte| byte == b'0')
}

#[cfg(test)]
mod tests {
    use super::TraceParent;

    #[test]
    fn accepts_a_platform_traceparent() {
        let text = "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01";
        assert_eq!(TraceParent::parse(text).unwrap().as_str(), text);
    }

    #[test]
    fn rejects_malformed_values() {
        for text in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4737-00f067aa0ba902b8-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b8-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b8-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4737-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b8-01-extra",
        ] {
            assert!(TraceParent::parse(text).is_none(), "{text}");
        }
    }
}
