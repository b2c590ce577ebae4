//! The fan-out map: user -> that user's open sockets. One mutex, held only to copy session
//! handles in or out, never across a write.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_ws::Session;
use bytestring::ByteString;

/// Every open socket, by user.
#[derive(Default)]
pub struct Sockets {
    by_user: Mutex<HashMap<String, Vec<Socket>>>,
    /// Tells a user's sockets apart, so a closing socket removes only itself.
    next_id: AtomicU64,
}

struct Socket {
    id: u64,
    session: Session,
}

impl Sockets {
    /// Adds a socket of `user`; returns its id for [`Sockets::remove`].
    pub fn add(&self, user: &str, session: Session) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut by_user = self.by_user.lock().expect("never poisoned");
        by_user.entry(user.to_owned()).or_default().push(Socket { id, session });
        id
    }

    /// Removes a socket once it has ended.
    pub fn remove(&self, user: &str, id: u64) {
        let mut by_user = self.by_user.lock().expect("never poisoned");
        if let Some(sockets) = by_user.get_mut(user) {
            sockets.retain(|socket| socket.id != id);
            if sockets.is_empty() {
                by_user.remove(user);
            }
        }
    }

    /// Writes `frame` to every socket of `user`, one after the other; a socket that has closed
    /// is skipped (it removes itself).
    pub async fn deliver(&self, user: &str, frame: ByteString) {
        let sessions: Vec<Session> = {
            let by_user = self.by_user.lock().expect("never poisoned");
            let Some(sockets) = by_user.get(user) else { return };
            sockets.iter().map(|socket| socket.session.clone()).collect()
        };
        for mut session in sessions {
            let _ = session.text(frame.clone()).await;
        }
    }
}
