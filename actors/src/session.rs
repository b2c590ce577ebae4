//! One actor per user with sockets on this instance: fans each frame out to every socket of
//! the user, and brings a resuming socket up to date before it gets live frames.

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

/// Live frames held for one socket while its replay is being read: beyond this the socket could
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
    /// When the session started, in ms: a catch-up before any frame starts there.
    started_ms: u64,
    stats: Arc<EngineStats>,
}

struct Member {
    handle: ConnectionHandle,
    /// `Some` while the socket's replay is in flight: live frames wait here, in order.
    held: Option<Vec<Frame>>,
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
            started_ms: clock::unix_millis(),
            stats,
        }
    }

    fn attach(&mut self, attach: Attach, ctx: &mut Context<Self>) {
        let connection_id = attach.connection.id;
        let Some(resume) = attach.resume else {
            self.members.insert(connection_id, Member { handle: attach.connection, held: None });
            return;
        };
        self.members.insert(connection_id, Member { handle: attach.connection, held: Some(Vec::new()) });
        self.history
            .replay(&self.user_id, &resume)
            .into_actor(self)
            .map(move |result, session, _| match result {
                Ok(replay) => {
                    metrics::counter!("hub_replays_total", "outcome" => outcome(&replay)).increment(1);
                    session.finish_replay(connection_id, replay.marked());
                }
                Err(error) => {
                    tracing::warn!(
                        user_id = %session.user_id,
                        reason = error.reason(),
                        error = %ErrorChain(&error),
                        "replay failed; closing the socket so it resumes later"
                    );
                    metrics::counter!("hub_replays_total", "outcome" => "failed").increment(1);
                    if let Some(member) = session.members.get(&connection_id) {
                        member.handle.close.do_send(Close { reason: CloseReason::InternalError });
                    }
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
            match &mut member.held {
                None => {
                    if member.handle.outbox.push(frame.clone()).is_err() {
                        self.stats.add_dropped_slow_client(1);
                        // Until the close is queued every frame overflows; closing is idempotent.
                        member.handle.close.do_send(Close { reason: CloseReason::TooSlow });
                    }
                }
                Some(held) if held.len() < MAX_HELD_WHILE_REPLAYING => held.push(frame.clone()),
                Some(_) => member.handle.close.do_send(Close { reason: CloseReason::TooSlow }),
            }
        }
    }

    fn finish_replay(&mut self, connection_id: u64, replay: Replay) {
        let Some(member) = self.members.get_mut(&connection_id) else { return };
        deliver_replay(member, replay);
    }
}

/// The metric label of a replay's outcome.
fn outcome(replay: &Replay) -> &'static str {
    match replay {
        Replay::Frames(_) => "replayed",
        Replay::Resync { .. } => "resync",
    }
}

/// Sends `member` what was read from history followed by the live frames held meanwhile: in id
/// order, each once, so a live frame that overtook an older replayed one cannot hide it.
fn deliver_replay(member: &mut Member, replay: Replay) {
    let held = member.held.take().unwrap_or_default();
    let frames = match replay {
        Replay::Frames(mut frames) => {
            frames.extend(held);
            // Unnumbered frames (legacy relays) keep their place after the numbered ones.
            frames.sort_by_key(|f| f.id.map_or((1, NotificationId::ZERO), |id| (0, id)));
            frames.dedup_by(|a, b| a.id.is_some() && a.id == b.id);
            frames
        }
        Replay::Resync { epoch } => {
            let resync = serde_json::json!({ "type": "resync", "epoch": epoch }).to_string();
            let mut frames = Vec::with_capacity(held.len() + 1);
            frames.push(Frame::unnumbered(resync));
            frames.extend(held);
            frames
        }
    };
    member.handle.outbox.push_replay(frames);
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

/// Live frames may have been missed: read them from history and fan them out (sockets drop
/// what they already have, by id), or tell every socket to resync.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUp;

impl Handler<CatchUp> for UserSession {
    type Result = ();

    fn handle(&mut self, _: CatchUp, ctx: &mut Context<Self>) {
        let (since, epoch) = match &self.last {
            Some((id, epoch)) => (*id, epoch.as_deref().map(str::to_owned)),
            None => (NotificationId { ms: self.started_ms, seq: 0 }, None),
        };
        // Live frames arriving while history is read wait, as during an attach replay; members
        // already replaying keep waiting for their own.
        let catching_up: Vec<u64> = self
            .members
            .iter_mut()
            .filter(|(_, m)| m.held.is_none())
            .map(|(id, m)| {
                m.held = Some(Vec::new());
                *id
            })
            .collect();
        self.history
            .replay(&self.user_id, &ResumePoint { since, epoch })
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
                            "catch-up failed"
                        );
                        // The held live frames still go out; the next catch-up reads history again.
                        Replay::Frames(Vec::new())
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
                for id in catching_up {
                    if let Some(member) = session.members.get_mut(&id) {
                        deliver_replay(member, replay.clone());
                    }
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
