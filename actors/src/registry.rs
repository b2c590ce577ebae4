//! The registry: which users have a session on this instance, and the router to them.
//!
//! It alone starts and stops [`UserSession`] actors and counts each user's sockets, so a socket
//! joining while the user's last one leaves can never land on a session that is stopping.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;

use crate::close::CloseReason;
use crate::connection::ConnectionHandle;
use crate::history::{History, ResumePoint};
use crate::notification::{Frame, UserId};
use crate::presence::Presence;
use crate::session::{Attach, CatchUp, Detach, Fanout, UserSession};
use crate::stats::EngineStats;

/// Routes frames to the sessions of users with sockets on this instance.
pub struct Registry {
    sessions: HashMap<UserId, SessionEntry>,
    history: Arc<dyn History>,
    presence: Arc<dyn Presence>,
    stats: Arc<EngineStats>,
    /// Sockets one user may hold on this instance; the next is closed with 4000.
    max_sockets_per_user: usize,
}

struct SessionEntry {
    session: Addr<UserSession>,
    sockets: usize,
}

impl Registry {
    /// A registry whose sessions replay from `history`, announcing users to `presence`.
    pub fn new(
        history: Arc<dyn History>,
        presence: Arc<dyn Presence>,
        stats: Arc<EngineStats>,
        max_sockets_per_user: usize,
    ) -> Registry {
        Registry { sessions: HashMap::new(), history, presence, stats, max_sockets_per_user }
    }
}

impl Actor for Registry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Producers burst (a batch finishing); the mailbox is a scheduling buffer, not a policy.
        ctx.set_mailbox_capacity(4096);
        self.stats.registry_started();
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.stats.registry_stopped();
    }
}

/// A socket asks to join its user's session.
#[derive(Message)]
#[rtype(result = "Result<(), JoinError>")]
pub struct Join {
    /// The socket's user.
    pub user_id: UserId,
    /// How the session reaches the socket.
    pub connection: ConnectionHandle,
    /// Where a resuming client left off, if it did.
    pub resume: Option<ResumePoint>,
}

/// Why a socket may not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    /// The user holds the maximum number of sockets here already.
    #[error("too many sockets for this user")]
    TooManySockets,
}

impl Handler<Join> for Registry {
    type Result = ResponseFuture<Result<(), JoinError>>;

    fn handle(&mut self, join: Join, _: &mut Context<Self>) -> Self::Result {
        let entry = self.sessions.entry(join.user_id.clone()).or_insert_with(|| {
            let arrived = self.presence.arrived(&join.user_id);
            let session = UserSession::new(join.user_id.clone(), self.history.clone(), arrived, self.stats.clone());
            SessionEntry { session: session.start(), sockets: 0 }
        });
        if entry.sockets >= self.max_sockets_per_user {
            return Box::pin(async { Err(JoinError::TooManySockets) });
        }
        entry.sockets += 1;
        // The socket has joined once the session has it: live frames flow from then on.
        let attached = entry.session.send(Attach { connection: join.connection, resume: join.resume });
        Box::pin(async move {
            let _ = attached.await;
            Ok(())
        })
    }
}

/// A socket that joined has gone.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    /// The socket's user.
    pub user_id: UserId,
    /// The socket's id, as it joined.
    pub connection_id: u64,
}

impl Handler<Leave> for Registry {
    type Result = ();

    fn handle(&mut self, leave: Leave, _: &mut Context<Self>) {
        let Some(entry) = self.sessions.get_mut(&leave.user_id) else { return };
        entry.session.do_send(Detach { connection_id: leave.connection_id });
        entry.sockets -= 1;
        if entry.sockets == 0 {
            // The session stops itself once it processes the last detach.
            self.sessions.remove(&leave.user_id);
            self.presence.left(&leave.user_id);
        }
    }
}

/// A frame for every socket of one user on this instance.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Route {
    /// The only user who may receive the frame.
    pub user_id: UserId,
    /// The encoded frame.
    pub frame: Frame,
}

impl Handler<Route> for Registry {
    type Result = ();

    fn handle(&mut self, route: Route, _: &mut Context<Self>) {
        match self.sessions.get(&route.user_id) {
            Some(entry) => entry.session.do_send(Fanout { frame: route.frame }),
            None => self.stats.add_dropped_offline(1),
        }
    }
}

/// Close every socket of one user here (operator disconnect).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct DisconnectUser {
    /// Whose sockets to close.
    pub user_id: UserId,
    /// The close code to send.
    pub reason: CloseReason,
}

impl Handler<DisconnectUser> for Registry {
    type Result = MessageResult<DisconnectUser>;

    fn handle(&mut self, msg: DisconnectUser, _: &mut Context<Self>) -> Self::Result {
        let Some(entry) = self.sessions.get(&msg.user_id) else { return MessageResult(0) };
        entry.session.do_send(crate::session::CloseAll { reason: msg.reason });
        MessageResult(entry.sockets)
    }
}

/// The sessions of every user here, for a paced shutdown.
#[derive(Message)]
#[rtype(result = "Vec<Addr<UserSession>>")]
pub struct ListSessions;

impl Handler<ListSessions> for Registry {
    type Result = MessageResult<ListSessions>;

    fn handle(&mut self, _: ListSessions, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.sessions.values().map(|e| e.session.clone()).collect())
    }
}

/// Live frames may have been missed (the clustered bridge's subscription was down): every
/// session reads what it missed from history.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUpAll;

impl Handler<CatchUpAll> for Registry {
    type Result = ();

    fn handle(&mut self, _: CatchUpAll, _: &mut Context<Self>) {
        for entry in self.sessions.values() {
            entry.session.do_send(CatchUp);
        }
    }
}

/// How many users have sockets here.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountUsers;

impl Handler<CountUsers> for Registry {
    type Result = usize;

    fn handle(&mut self, _: CountUsers, _: &mut Context<Self>) -> usize {
        self.sessions.len()
    }
}
