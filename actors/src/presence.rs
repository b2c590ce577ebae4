//! The seam through which an instance says which users it holds sockets for, so a clustered
//! bridge routes their notifications here (one subscription per user, not per socket).

use futures::future::{self, BoxFuture};

use crate::notification::UserId;

/// Told by the registry when a user's first socket arrives on this instance and when the last
/// one leaves. Calls come in the registry's order, so an arrival after a departure is seen after it.
pub trait Presence: Send + Sync + 'static {
    /// The user now has a session here. Resolves once the user's live frames reach this
    /// instance, so a replay read afterwards cannot miss one published in between.
    fn arrived(&self, user: &UserId) -> BoxFuture<'static, ()>;

    /// The user's last socket here is gone.
    fn left(&self, user: &UserId);
}

/// The embedded mode's presence: every notification is routed in-process anyway.
pub struct LocalPresence;

impl Presence for LocalPresence {
    fn arrived(&self, _: &UserId) -> BoxFuture<'static, ()> {
        Box::pin(future::ready(()))
    }

    fn left(&self, _: &UserId) {}
}
