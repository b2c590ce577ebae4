//! `[log]`: what is logged and how it looks; nothing here can be invalid once parsed.

use serde::{Deserialize, Serialize};

/// Log output.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter, e.g. `info,hub=debug`; `RUST_LOG` wins when set.
    pub filter: String,
    /// `json` for one JSON object per line, `pretty` for people.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { filter: "info".into(), format: LogFormat::Pretty }
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}
