//! The hub engine: actors that route typed notifications to WebSocket connections.
//!
//! It knows nothing of the education platform. Producers hand a [`Draft`] to a [`Bridge`]; the
//! bridge assigns a [`NotificationId`], keeps it in per-user [`History`] and routes it to the
//! [`Registry`], which hands it to the session of the target user, which queues it in the outbox
//! of every [`Connection`] of that user. The service crate supplies the token verification
//! ([`TokenVerifier`]) and the settings ([`ConnectionSettings`]).
//!
//! The API is what is re-exported here, and three modules the service reaches by path:
//! [`connection`] (a socket's actor and what it needs), [`registry`] (the messages the service
//! sends the router) and [`clock`]. Every other module is the engine's own.

mod bridge;
pub mod clock;
mod close;
pub mod connection;
mod error;
mod handle;
mod history;
mod identity;
mod notification;
mod outbox;
mod presence;
pub mod registry;
mod session;
mod stats;

pub use bridge::{Accepted, Bridge, BridgeError, LocalBridge};
pub use close::CloseReason;
pub use connection::{Connection, ConnectionSettings};
pub use error::{without_position, Cause, ErrorChain};
pub use history::{History, HistoryError, HistorySettings, MemoryHistory, Replay, ResumePoint};
pub use identity::{Identity, TokenRejected, TokenStage, TokenVerifier};
pub use notification::{Draft, Frame, NotificationId, UserId};
pub use presence::{LocalPresence, Presence};
pub use registry::Registry;
pub use stats::{register_metrics, EngineStats, StatsSnapshot};
