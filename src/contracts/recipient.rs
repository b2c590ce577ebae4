//! Who a notification is for.

use std::fmt;

/// The resource whose owner should receive a notification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnerKey {
    /// A batch id (BOS batch).
    Batch(String),
    /// A class id.
    Class(String),
}

/// The teacher a notification goes to, or how to find them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// A known user id (the JWT `sub`); the hub publishes to it directly.
    User(String),
    /// The event names no user: the hub resolves the owner of this batch or
    /// class itself (from ownership facts it has learnt) before publishing.
    OwnerOf(OwnerKey),
}

impl fmt::Display for OwnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Batch(id) => write!(f, "batch:{id}"),
            Self::Class(id) => write!(f, "class:{id}"),
        }
    }
}

/// `user:<id>` or `owner-of:batch:<id>` / `owner-of:class:<id>`; used in
/// logs and in [`crate::contracts::Notification::dedupe_key`].
impl fmt::Display for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::OwnerOf(key) => write!(f, "owner-of:{key}"),
        }
    }
}
