//! The hub engine: actors that route typed notifications to WebSocket connections.
//!
//! It knows nothing of the education platform. Producers hand a [`Draft`] to a
//! [`Bridge`]; the bridge assigns a [`NotificationId`], keeps it in per-user history and
//! routes it to the [`Registry`], which hands it to the [`UserSession`] of the target user,
//! which fans it out to every [`Connection`] of that user. The service crate supplies the
//! token verification ([`TokenVerifier`]) and the settings ([`ConnectionSettings`]).

pub mod bridge;
pub mod clock;
pub mod close;
pub mod connection;
pub mod error;
pub mod handle;
pub mod history;
pub mod identity;
pub mod notification;
pub mod outbox;
pub mod presence;
pub mod registry;
pub mod session;
pub mod stats;

pub use bridge::{Accepted, Bridge, BridgeError, LocalBridge};
pub use close::CloseReason;
pub use connection::{Connection, ConnectionSettings};
pub use error::{Cause, ErrorChain};
pub use history::{History, HistoryError, HistorySettings, MemoryHistory, Replay, ResumePoint};
pub use identity::{Identity, TokenVerifier};
pub use notification::{Draft, Frame, NotificationId, UserId};
pub use presence::{LocalPresence, Presence};
pub use registry::Registry;
pub use session::UserSession;
pub use stats::{EngineStats, StatsSnapshot};
