//! The registry: which users have a session on this instance, and the router to them.
//!
//! It alone starts and stops `UserSession` actors and counts each user's sockets, so a socket
//! joining while the user's last one leaves can never land on a session that is stopping.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::close::CloseReason;
use crate::handle::ConnectionHandle;
use crate::history::{History, ResumePoint};
use crate::notification::{Frame, UserId};
use crate::presence::Presence;
use crate::session::{Attach, CatchUp, CloseAll, Detach, Fanout, Interrupt, Stop, UserSession};
use crate::stats::EngineStats;

/// How often a drain looks whether the connections it closed have ended.
const CONNECTIONS_POLL: Duration = Duration::from_millis(20);

/// Routes frames to the sessions of users with sockets on this instance.
pub struct Registry {
    sessions: HashMap<UserId, SessionEntry>,
    history: Arc<dyn History>,
    presence: Arc<dyn Presence>,
    stats: Arc<EngineStats>,
    /// Sockets one user may hold on this instance; the next is closed with 4000.
    max_sockets_per_user: usize,
    /// From a [`LiveInterrupted`] to the next [`CatchUpAll`]: sessions started meanwhile start
    /// interrupted too.
    interrupted: bool,
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
        Registry { sessions: HashMap::new(), history, presence, stats, max_sockets_per_user, interrupted: false }
    }

    fn route(&self, route: Route) {
        match self.sessions.get(&route.user_id) {
            Some(entry) => entry.session.do_send(Fanout { frame: route.frame }),
            None => self.stats.add_dropped_offline(1),
        }
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
pub(crate) struct Join {
    /// The socket's user.
    pub user_id: UserId,
    /// How the session reaches the socket.
    pub connection: ConnectionHandle,
    /// Where a resuming client left off, if it did.
    pub resume: Option<ResumePoint>,
}

/// Why a socket may not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JoinError {
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
            let session = session.start();
            if self.interrupted {
                session.do_send(Interrupt);
            }
            SessionEntry { session, sockets: 0 }
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
pub(crate) struct Leave {
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
            entry.session.do_send(Stop);
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
        self.route(route);
    }
}

/// Frames for several users, in order: a batch accepted together.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct RouteAll {
    /// The frames, each for one user.
    pub routes: Vec<Route>,
}

impl Handler<RouteAll> for Registry {
    type Result = ();

    fn handle(&mut self, all: RouteAll, _: &mut Context<Self>) {
        for route in all.routes {
            self.route(route);
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
        entry.session.do_send(CloseAll { reason: msg.reason });
        MessageResult(entry.sockets)
    }
}

/// The graceful shutdown: close every socket here with 1001, in paced batches so clients do not
/// all reconnect in the same instant, then wait for the connections to end. Stops at `deadline`
/// whatever is left. Resolves to the number of sockets told to close.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct Drain {
    /// Sockets told to close before each pause.
    pub batch_size: usize,
    /// The pause after each batch.
    pub batch_interval: Duration,
    /// When closing and waiting give up.
    pub deadline: Instant,
}

impl Handler<Drain> for Registry {
    type Result = ResponseFuture<usize>;

    fn handle(&mut self, drain: Drain, _: &mut Context<Self>) -> Self::Result {
        // The users here now: the service refuses new sockets while it drains. The batches run
        // outside the registry, whose mailbox keeps taking the departures they cause.
        let sessions: Vec<Addr<UserSession>> = self.sessions.values().map(|entry| entry.session.clone()).collect();
        let stats = self.stats.clone();
        Box::pin(async move {
            let (mut closed, mut in_batch) = (0, 0);
            for session in sessions {
                if Instant::now() >= drain.deadline {
                    break;
                }
                let sockets = session.send(CloseAll { reason: CloseReason::ShuttingDown }).await.unwrap_or(0);
                closed += sockets;
                in_batch += sockets;
                if in_batch >= drain.batch_size {
                    in_batch = 0;
                    tokio::time::sleep(drain.batch_interval).await;
                }
            }
            while stats.connections() > 0 && Instant::now() < drain.deadline {
                tokio::time::sleep(CONNECTIONS_POLL).await;
            }
            closed
        })
    }
}

/// Live frames may be missed from now on (the clustered bridge's subscription dropped), until
/// [`CatchUpAll`]: every session, and every one started meanwhile, remembers where its sockets
/// were and holds live frames until its catch-up has read what they missed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LiveInterrupted;

impl Handler<LiveInterrupted> for Registry {
    type Result = ();

    fn handle(&mut self, _: LiveInterrupted, _: &mut Context<Self>) {
        self.interrupted = true;
        for entry in self.sessions.values() {
            entry.session.do_send(Interrupt);
        }
    }
}

/// Live frames may have been missed (the clustered bridge's subscription was down) and flow
/// again: every session reads what it missed from history.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUpAll;

impl Handler<CatchUpAll> for Registry {
    type Result = ();

    fn handle(&mut self, _: CatchUpAll, _: &mut Context<Self>) {
        self.interrupted = false;
        for entry in self.sessions.values() {
            entry.session.do_send(CatchUp);
        }
    }
}

/// One user's sockets may have missed live frames (a subscription arrived late).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUpUser {
    /// The user.
    pub user_id: UserId,
}

impl Handler<CatchUpUser> for Registry {
    type Result = ();

    fn handle(&mut self, msg: CatchUpUser, _: &mut Context<Self>) {
        if let Some(entry) = self.sessions.get(&msg.user_id) {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures::future::BoxFuture;

    use super::*;
    use crate::handle::{Close, ConnectionHandle};
    use crate::history::{HistorySettings, MemoryHistory};
    use crate::outbox::Outbox;
    use crate::presence::Presence;

    /// Stands in for a connection's actor, which only takes close commands from a session.
    struct Closer;

    impl Actor for Closer {
        type Context = Context<Self>;
    }

    impl Handler<Close> for Closer {
        type Result = ();

        fn handle(&mut self, _: Close, _: &mut Context<Self>) {}
    }

    /// Live frames reach this instance a little after the user arrives, as with Redis.
    struct SlowPresence;

    impl Presence for SlowPresence {
        fn arrived(&self, _: &UserId) -> BoxFuture<'static, ()> {
            Box::pin(tokio::time::sleep(Duration::from_millis(50)))
        }

        fn left(&self, _: &UserId) {}
    }

    /// A socket's handle, and its outbox to read what the session queued.
    fn tab(id: u64) -> (ConnectionHandle, Outbox) {
        let outbox = Outbox::new(1 << 20);
        (ConnectionHandle { id, outbox: outbox.clone(), close: Closer.start().recipient() }, outbox)
    }

    #[actix_rt::test]
    async fn a_socket_joining_while_the_last_other_one_leaves_keeps_a_live_session() {
        let settings =
            HistorySettings { max_len: 10, max_age: Duration::from_secs(60), max_users: 10, max_bytes: 1 << 20 };
        let history = Arc::new(MemoryHistory::new(settings));
        let stats = Arc::new(EngineStats::default());
        let registry = Registry::new(history, Arc::new(SlowPresence), stats.clone(), 5).start();
        let user: UserId = "u".into();
        let (first, _) = tab(1);
        let (second, second_outbox) = tab(2);

        registry.send(Join { user_id: user.clone(), connection: first, resume: None }).await.unwrap().unwrap();
        // The second joins and the first leaves at once: the session must outlive the first's
        // departure, since the second is still attaching.
        let joining = registry.send(Join { user_id: user.clone(), connection: second, resume: None });
        registry.do_send(Leave { user_id: user.clone(), connection_id: 1 });
        joining.await.unwrap().unwrap();

        registry.do_send(Route { user_id: user, frame: Frame::unnumbered("hello") });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(second_outbox.queued_notifications(), vec!["hello".to_owned()]);
        assert_eq!(stats.snapshot().sessions, 1);
    }

    /// History whose read takes a while and finds two notifications.
    struct SlowHistory {
        frames: Vec<Frame>,
    }

    impl History for SlowHistory {
        fn replay(
            &self,
            _: &UserId,
            _: &ResumePoint,
        ) -> BoxFuture<'static, Result<crate::history::Replay, crate::history::HistoryError>> {
            let frames = self.frames.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(crate::history::Replay::Frames(frames))
            })
        }
    }

    fn numbered(ms: u64) -> Frame {
        let mut frame = Frame::unnumbered(format!(r#"{{"n":{ms}}}"#));
        frame.id = Some(crate::NotificationId { ms, seq: 0 });
        frame
    }

    #[actix_rt::test]
    async fn a_catch_up_delivers_a_missed_notification_even_when_a_newer_one_arrives_live_meanwhile() {
        let history = Arc::new(SlowHistory { frames: vec![numbered(1), numbered(2)] });
        let registry =
            Registry::new(history, Arc::new(crate::LocalPresence), Arc::new(EngineStats::default()), 5).start();
        let user: UserId = "u".into();
        let (socket, outbox) = tab(1);
        registry.send(Join { user_id: user.clone(), connection: socket, resume: None }).await.unwrap().unwrap();

        registry.do_send(CatchUpUser { user_id: user.clone() });
        // n2 arrives live while history is being read; n1 was missed.
        registry.do_send(Route { user_id: user, frame: numbered(2) });
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Both as read from history, so both marked as sent again.
        let expected = [r#"{"n":1,"replayed":true}"#, r#"{"n":2,"replayed":true}"#];
        assert_eq!(outbox.queued_notifications(), expected, "in id order, each once");
    }

    /// History that answers what it holds after the resume point, and remembers where it was asked.
    struct TailHistory {
        frames: Vec<Frame>,
        asked: Arc<parking_lot::Mutex<Vec<NotificationId>>>,
        fails: bool,
    }

    impl TailHistory {
        fn new(frames: Vec<Frame>) -> TailHistory {
            TailHistory { frames, asked: Arc::default(), fails: false }
        }
    }

    impl History for TailHistory {
        fn replay(
            &self,
            _: &UserId,
            from: &ResumePoint,
        ) -> BoxFuture<'static, Result<crate::history::Replay, crate::history::HistoryError>> {
            self.asked.lock().push(from.since);
            let result = if self.fails {
                Err(crate::history::HistoryError::Unavailable(crate::Cause::new("down")))
            } else {
                Ok(crate::history::Replay::Frames(
                    self.frames.iter().filter(|f| f.id > Some(from.since)).cloned().collect(),
                ))
            };
            Box::pin(async move { result })
        }
    }

    /// Waits until `outbox` has `count` notifications queued, then returns them.
    async fn queued(outbox: &Outbox, count: usize) -> Vec<String> {
        for _ in 0..200 {
            if outbox.queued_notifications().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        outbox.queued_notifications()
    }

    use crate::NotificationId;

    #[actix_rt::test]
    async fn live_frames_heard_after_an_interruption_wait_for_a_catch_up_from_before_it() {
        let history = Arc::new(TailHistory::new(vec![numbered(1), numbered(2), numbered(3)]));
        let asked = history.asked.clone();
        let registry =
            Registry::new(history, Arc::new(crate::LocalPresence), Arc::new(EngineStats::default()), 5).start();
        let user: UserId = "u".into();
        let (socket, outbox) = tab(1);
        registry.send(Join { user_id: user.clone(), connection: socket, resume: None }).await.unwrap().unwrap();
        registry.do_send(Route { user_id: user.clone(), frame: numbered(1) });

        registry.do_send(LiveInterrupted);
        // n2 was published while the subscription was down; n3 is heard before the catch-up.
        registry.do_send(Route { user_id: user, frame: numbered(3) });
        registry.send(CatchUpAll).await.unwrap();

        let expected = [r#"{"n":1}"#, r#"{"n":2,"replayed":true}"#, r#"{"n":3,"replayed":true}"#];
        assert_eq!(queued(&outbox, 3).await, expected, "in id order, each once");
        assert_eq!(*asked.lock(), [NotificationId { ms: 1, seq: 0 }], "from what the socket had before the gap");
    }

    #[actix_rt::test]
    async fn a_socket_joining_during_an_interruption_waits_for_the_catch_up_too() {
        let now = crate::clock::unix_millis() + 1000;
        let history = Arc::new(TailHistory::new(vec![numbered(now), numbered(now + 1)]));
        let registry =
            Registry::new(history, Arc::new(crate::LocalPresence), Arc::new(EngineStats::default()), 5).start();
        let user: UserId = "u".into();
        registry.do_send(LiveInterrupted);
        let (socket, outbox) = tab(1);
        registry.send(Join { user_id: user.clone(), connection: socket, resume: None }).await.unwrap().unwrap();
        // The first was published after the join, unheard; the second is heard.
        registry.do_send(Route { user_id: user, frame: numbered(now + 1) });
        registry.send(CatchUpAll).await.unwrap();

        let texts = queued(&outbox, 2).await;
        assert_eq!(
            texts,
            [format!(r#"{{"n":{now},"replayed":true}}"#), format!(r#"{{"n":{},"replayed":true}}"#, now + 1)]
        );
    }

    /// Stands in for a connection's actor and records the close commands it gets.
    struct RecordingCloser(Arc<parking_lot::Mutex<Vec<CloseReason>>>);

    impl Actor for RecordingCloser {
        type Context = Context<Self>;
    }

    impl Handler<Close> for RecordingCloser {
        type Result = ();

        fn handle(&mut self, close: Close, _: &mut Context<Self>) {
            self.0.lock().push(close.reason);
        }
    }

    #[actix_rt::test]
    async fn a_catch_up_that_cannot_read_history_closes_the_sockets_so_they_resume() {
        let history = Arc::new(TailHistory { fails: true, ..TailHistory::new(Vec::new()) });
        let registry =
            Registry::new(history, Arc::new(crate::LocalPresence), Arc::new(EngineStats::default()), 5).start();
        let user: UserId = "u".into();
        let closes = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let outbox = Outbox::new(1 << 20);
        let socket = ConnectionHandle {
            id: 1,
            outbox: outbox.clone(),
            close: RecordingCloser(closes.clone()).start().recipient(),
        };
        registry.send(Join { user_id: user.clone(), connection: socket, resume: None }).await.unwrap().unwrap();

        registry.do_send(LiveInterrupted);
        registry.do_send(Route { user_id: user, frame: numbered(2) });
        registry.send(CatchUpAll).await.unwrap();
        for _ in 0..200 {
            if !closes.lock().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(*closes.lock(), [CloseReason::InternalError]);
        assert!(outbox.queued_notifications().is_empty(), "nothing after a gap that was not read");
    }
}
