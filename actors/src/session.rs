//! One actor per user with sockets on this instance: fans each frame out to every socket of
//! the user, and brings a socket up to date from history (its resume, or a catch-up after live
//! frames were missed) before it gets live frames.

use std::collections::HashMap;
use std::sync::Arc;

use actix::prelude::*;
use futures::future::{BoxFuture, FutureExt, Shared};

use crate::clock;
use crate::close::CloseReason;
use crate::error::ErrorChain;
use crate::handle::{Close, ConnectionHandle};
use crate::history::{History, Replay, ResumePoint};
use crate::notification::{Frame, NotificationId, UserId};
use crate::stats::EngineStats;

/// Live frames held for one socket while history is read for it: beyond this the socket could
/// not catch up anyway, so it is closed as too slow and resumes later.
const MAX_HELD_WHILE_REPLAYING: usize = 10_000;

/// The sockets of one user on this instance.
pub struct UserSession {
    user_id: UserId,
    members: HashMap<u64, Member>,
    history: Arc<dyn History>,
    /// Resolves once the user's live frames reach this instance; attaching waits for it.
    arrived: Shared<BoxFuture<'static, ()>>,
    /// The newest notification fanned out, and its epoch: where a catch-up starts.
    last: Option<(NotificationId, Option<Arc<str>>)>,
    /// `Some` from an [`Interrupt`] to the next [`CatchUp`]: where that catch-up starts, which is
    /// what every socket had when live frames stopped being certain. Live frames heard meanwhile
    /// move `last` past the gap and are held, so they can never hide what the catch-up finds.
    interrupted_at: Option<ResumePoint>,
    /// When the session started, in ms: a catch-up before any frame starts there.
    started_ms: u64,
    stats: Arc<EngineStats>,
}

struct Member {
    handle: ConnectionHandle,
    /// `Some` while the socket waits for history: live frames wait here, in order.
    waiting: Option<Waiting>,
}

impl Member {
    fn wait_for_read(&mut self) {
        self.waiting.get_or_insert_default().reads += 1;
    }
}

/// What a socket gets once the history reads it waits for are done.
#[derive(Default)]
struct Waiting {
    /// Reads still to come: its resume replay, catch-ups, and the catch-up that will end an
    /// interruption.
    reads: usize,
    /// What the reads done so far found, marked as sent again.
    found: Vec<Frame>,
    /// A read found a gap history cannot cover: the current epoch.
    resync: Option<String>,
    /// Live frames that arrived meanwhile, in order.
    held: Vec<Frame>,
}

impl Waiting {
    fn add(&mut self, replay: Replay) {
        match replay {
            Replay::Frames(frames) => self.found.extend(frames),
            Replay::Resync { epoch } => self.resync = Some(epoch),
        }
    }

    /// What was read followed by the live frames held meanwhile: in id order, each once, so a live
    /// frame that overtook an older one read from history cannot hide it.
    fn into_frames(self) -> Vec<Frame> {
        let Some(epoch) = self.resync else {
            let mut frames = self.found;
            frames.extend(self.held);
            // Unnumbered frames (legacy relays) keep their place after the numbered ones.
            frames.sort_by_key(|f| f.id.map_or((1, NotificationId::ZERO), |id| (0, id)));
            frames.dedup_by(|a, b| a.id.is_some() && a.id == b.id);
            return frames;
        };
        let resync = serde_json::json!({ "type": "resync", "epoch": epoch }).to_string();
        let mut frames = Vec::with_capacity(self.held.len() + 1);
        frames.push(Frame::unnumbered(resync));
        frames.extend(self.held);
        frames
    }
}

impl UserSession {
    pub(crate) fn new(
        user_id: UserId,
        history: Arc<dyn History>,
        arrived: BoxFuture<'static, ()>,
        stats: Arc<EngineStats>,
    ) -> UserSession {
        UserSession {
            user_id,
            members: HashMap::new(),
            history,
            arrived: arrived.shared(),
            last: None,
            interrupted_at: None,
            started_ms: clock::unix_millis(),
            stats,
        }
    }

    fn attach(&mut self, attach: Attach, ctx: &mut Context<Self>) {
        let connection_id = attach.connection.id;
        let mut member = Member { handle: attach.connection, waiting: None };
        // A socket joining while live frames are uncertain waits for the catch-up as well: it
        // must not get a live frame ahead of one published since it joined and not yet read.
        if self.interrupted_at.is_some() {
            member.wait_for_read();
        }
        if attach.resume.is_some() {
            member.wait_for_read();
        }
        self.members.insert(connection_id, member);
        let Some(resume) = attach.resume else { return };
        self.history
            .replay(&self.user_id, &resume)
            .into_actor(self)
            .map(move |result, session, _| match result {
                Ok(replay) => {
                    metrics::counter!("hub_replays_total", "outcome" => outcome(&replay)).increment(1);
                    session.read_done(connection_id, replay.marked());
                }
                Err(error) => {
                    tracing::warn!(
                        user_id = %session.user_id,
                        reason = error.reason(),
                        error = %ErrorChain(&error),
                        "replay failed; closing the socket so it resumes later"
                    );
                    metrics::counter!("hub_replays_total", "outcome" => "failed").increment(1);
                    session.read_failed(connection_id);
                }
            })
            .spawn(ctx);
    }

    fn fan_out(&mut self, frame: Frame) {
        if let Some(id) = frame.id {
            if self.last.as_ref().is_none_or(|(last, _)| id > *last) {
                self.last = Some((id, frame.epoch.clone()));
            }
        }
        for member in self.members.values_mut() {
            match &mut member.waiting {
                None => {
                    if member.handle.outbox.push(frame.clone()).is_err() {
                        self.stats.add_dropped_slow_client(1);
                        // Until the close is queued every frame overflows; closing is idempotent.
                        member.handle.close.do_send(Close { reason: CloseReason::TooSlow });
                    }
                }
                Some(waiting) if waiting.held.len() < MAX_HELD_WHILE_REPLAYING => waiting.held.push(frame.clone()),
                Some(_) => member.handle.close.do_send(Close { reason: CloseReason::TooSlow }),
            }
        }
    }

    /// One history read for the socket is done: after the last one it waits for, the socket gets
    /// what they found and the live frames held meanwhile.
    fn read_done(&mut self, connection_id: u64, replay: Replay) {
        let Some(member) = self.members.get_mut(&connection_id) else { return };
        let Some(waiting) = &mut member.waiting else { return };
        waiting.add(replay);
        waiting.reads -= 1;
        if waiting.reads == 0 {
            let frames = member.waiting.take().map(Waiting::into_frames).unwrap_or_default();
            member.handle.outbox.push_replay(frames);
        }
    }

    /// A history read for the socket failed: what it missed cannot be sent in order, so the socket
    /// is closed and the client resumes from what it has.
    fn read_failed(&mut self, connection_id: u64) {
        let Some(member) = self.members.get_mut(&connection_id) else { return };
        member.waiting = None;
        member.handle.close.do_send(Close { reason: CloseReason::InternalError });
    }

    /// Where a catch-up starts: the newest notification fanned out, or the session's start.
    fn caught_up_to(&self) -> ResumePoint {
        match &self.last {
            Some((id, epoch)) => ResumePoint { since: *id, epoch: epoch.as_deref().map(str::to_owned) },
            None => ResumePoint { since: NotificationId { ms: self.started_ms, seq: 0 }, epoch: None },
        }
    }
}

/// The metric label of a replay's outcome.
fn outcome(replay: &Replay) -> &'static str {
    match replay {
        Replay::Frames(_) => "replayed",
        Replay::Resync { .. } => "resync",
    }
}

impl Actor for UserSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(1024);
        self.stats.session_started();
        tracing::debug!(user_id = %self.user_id, "user session started");
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.stats.session_stopped();
        tracing::debug!(user_id = %self.user_id, "user session stopped");
    }
}

/// A socket joins the session, possibly resuming from a point in history.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Attach {
    /// How to reach the socket.
    pub connection: ConnectionHandle,
    /// Where the client left off, if it is resuming.
    pub resume: Option<ResumePoint>,
}

impl Handler<Attach> for UserSession {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, attach: Attach, _: &mut Context<Self>) -> Self::Result {
        // Only once live frames reach this instance may a replay be read: then nothing
        // published in between is missed, and the overlap is deduplicated by id.
        Box::pin(self.arrived.clone().into_actor(self).map(move |(), session, ctx| session.attach(attach, ctx)))
    }
}

/// A socket left the session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Detach {
    /// The socket's id.
    pub connection_id: u64,
}

impl Handler<Detach> for UserSession {
    type Result = ();

    fn handle(&mut self, detach: Detach, _: &mut Context<Self>) {
        // The registry, which counts joins in order, stops the session when the last socket
        // leaves: an Attach still waiting here must not find the session stopped under it.
        self.members.remove(&detach.connection_id);
    }
}

/// The user's last socket here has left.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

impl Handler<Stop> for UserSession {
    type Result = ();

    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// A frame for every socket of the user.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Fanout {
    /// The encoded frame, shared by all sockets.
    pub frame: Frame,
}

impl Handler<Fanout> for UserSession {
    type Result = ();

    fn handle(&mut self, fanout: Fanout, _: &mut Context<Self>) {
        self.fan_out(fanout.frame);
    }
}

/// Live frames may be missed from now on (the clustered bridge lost its subscription), until
/// the next [`CatchUp`]. The session remembers what every socket has had so far, which is where
/// that catch-up starts, and holds live frames until it is done: frames heard before the catch-up
/// is read would otherwise move past the gap and hide it.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Interrupt;

impl Handler<Interrupt> for UserSession {
    type Result = ();

    fn handle(&mut self, _: Interrupt, _: &mut Context<Self>) {
        if self.interrupted_at.is_some() {
            return;
        }
        self.interrupted_at = Some(self.caught_up_to());
        for member in self.members.values_mut() {
            member.wait_for_read();
        }
    }
}

/// Live frames may have been missed: read them from history and send each socket what it lacks,
/// in order, or a resync. After an [`Interrupt`] the read starts where the interruption began.
/// Live frames arriving meanwhile wait, as during a resume.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUp;

impl Handler<CatchUp> for UserSession {
    type Result = ();

    fn handle(&mut self, _: CatchUp, ctx: &mut Context<Self>) {
        let from = match self.interrupted_at.take() {
            // Every member waits for this read since the interruption or since it joined.
            Some(from) => from,
            None => {
                self.members.values_mut().for_each(Member::wait_for_read);
                self.caught_up_to()
            }
        };
        let waiting: Vec<u64> = self.members.keys().copied().collect();
        self.history
            .replay(&self.user_id, &from)
            .into_actor(self)
            .map(move |result, session, _| {
                let replay = match result {
                    Ok(replay) => {
                        metrics::counter!("hub_catch_ups_total", "outcome" => outcome(&replay)).increment(1);
                        replay.marked()
                    }
                    Err(error) => {
                        metrics::counter!("hub_catch_ups_total", "outcome" => "failed").increment(1);
                        tracing::warn!(
                            user_id = %session.user_id,
                            reason = error.reason(),
                            error = %ErrorChain(&error),
                            "catch-up failed; closing the sockets so they resume"
                        );
                        waiting.into_iter().for_each(|id| session.read_failed(id));
                        return;
                    }
                };
                if let Replay::Frames(frames) = &replay {
                    if let Some(newest) =
                        frames.iter().filter_map(|f| f.id.map(|id| (id, f.epoch.clone()))).max_by_key(|(id, _)| *id)
                    {
                        if session.last.as_ref().is_none_or(|(last, _)| newest.0 > *last) {
                            session.last = Some(newest);
                        }
                    }
                }
                for id in waiting {
                    session.read_done(id, replay.clone());
                }
            })
            .spawn(ctx);
    }
}

/// Close every socket of the user.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CloseAll {
    /// The close code to send.
    pub reason: CloseReason,
}

impl Handler<CloseAll> for UserSession {
    type Result = usize;

    fn handle(&mut self, msg: CloseAll, _: &mut Context<Self>) -> usize {
        for member in self.members.values() {
            member.handle.close.do_send(Close { reason: msg.reason });
        }
        self.members.len()
    }
}
