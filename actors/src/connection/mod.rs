//! One actor per WebSocket: it joins its user's session, reads client frames, keeps the
//! heartbeat and the token's lifetime, and owns the socket's outbox, into which its session
//! queues live frames directly. Nobody awaits a socket write.

mod client_frame;
mod socket;

use std::rc::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason as WsCloseReason, ProtocolError};
use tokio::sync::oneshot;

use crate::clock;
use crate::close::CloseReason;
use crate::handle::{Close, ConnectionHandle};
use crate::history::ResumePoint;
use crate::identity::{Identity, TokenStage, TokenVerifier};
use crate::outbox::Outbox;
use crate::registry::{Join, JoinError, Leave, Registry};
use crate::stats::EngineStats;
use client_frame::ClientFrame;
pub use socket::Socket;

/// Limits and intervals of one socket, from the service's settings.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// How often the server pings.
    pub ping_interval: Duration,
    /// A client silent for this long is dropped.
    pub client_timeout: Duration,
    /// Largest inbound message (after reassembly); larger closes with 1009.
    pub max_frame_bytes: usize,
    /// Outbound queue limit in bytes; overflow closes with 4002.
    pub outbound_queue_bytes: usize,
    /// Consecutive invalid client frames tolerated before closing with 1008.
    pub max_invalid_frames: u32,
    /// How long before the token expires the server sends `token_expiring`.
    pub renew_notice: Duration,
    /// How long a close frame may wait behind queued frames before the socket is dropped.
    pub close_timeout: Duration,
}

/// What a connection needs from the engine around it.
#[derive(Clone)]
pub struct ConnectionDeps {
    /// The router the socket joins.
    pub registry: Addr<Registry>,
    /// Checks renewal tokens.
    pub verifier: Arc<dyn TokenVerifier>,
    /// Intervals and limits.
    pub settings: Arc<ConnectionSettings>,
    /// Live counts.
    pub stats: Arc<EngineStats>,
}

static NEXT_CONNECTION_ID: AtomicU64 = AtomicU64::new(1);

/// A WebSocket connection.
pub struct Connection {
    id: u64,
    identity: Identity,
    resume: Option<ResumePoint>,
    deps: ConnectionDeps,
    outbox: Outbox,
    /// The TCP socket, to drop a client that does not take its close frame.
    socket: Option<Weak<Socket>>,
    last_heard: Instant,
    invalid_frames: u32,
    /// Renewals refused since the last one accepted: valid frames, but never free, so that a
    /// client cannot try tokens on an open socket for as long as it likes.
    failed_renewals: u32,
    joined: bool,
    /// Told once the join has an answer, whatever it is: the handshake is answered only then.
    join_answered: Option<oneshot::Sender<()>>,
    closing: bool,
    expiry_timers: Vec<SpawnHandle>,
    span: tracing::Span,
}

impl Connection {
    /// Upgrades the request to a WebSocket and starts its actor on the current arbiter (the one
    /// the socket's HTTP dispatcher runs on). Returns the handshake response, whose body is the
    /// socket's outbox, once the socket has joined its user's session: a client may take its
    /// socket for open at the 101, and whatever is published from then on must reach it.
    pub async fn start(
        req: &HttpRequest,
        payload: web::Payload,
        identity: Identity,
        resume: Option<ResumePoint>,
        deps: ConnectionDeps,
    ) -> Result<HttpResponse, actix_web::Error> {
        // actix-ws does the handshake and decodes what the client sends; its session, a channel
        // to its own response body, is not used: the outbox's body writes the frames instead.
        let (response, _session, stream) = actix_ws::handle(req, payload)?;
        let id = NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed);
        let settings = &deps.settings;
        let stream: AggregatedMessageStream = stream
            .max_frame_size(settings.max_frame_bytes)
            .aggregate_continuations()
            .max_continuation_size(settings.max_frame_bytes);
        let outbox = Outbox::new(settings.outbound_queue_bytes);
        let (response, actix_ws_body) = response.into_parts();
        let response = response.set_body(outbox.body(actix_ws_body, deps.stats.clone())).map_into_boxed_body();
        let span = tracing::info_span!("ws", user_id = %identity.user_id, conn_id = id);
        let (join_answered, answer) = oneshot::channel();
        Connection::create(|ctx| {
            ctx.add_stream(stream);
            Connection {
                id,
                identity,
                resume,
                deps,
                outbox,
                socket: Socket::of(req),
                last_heard: Instant::now(),
                invalid_frames: 0,
                failed_renewals: 0,
                joined: false,
                join_answered: Some(join_answered),
                closing: false,
                expiry_timers: Vec::new(),
                span,
            }
        });
        // A refused join still upgrades: the socket then closes with its code (4000, 1011). An
        // actor stopped before its join was answered drops the sender, which answers too.
        let _ = answer.await;
        Ok(response)
    }

    fn connection_handle(&self, ctx: &mut Context<Self>) -> ConnectionHandle {
        ConnectionHandle { id: self.id, outbox: self.outbox.clone(), close: ctx.address().recipient() }
    }

    fn close(&mut self, ctx: &mut Context<Self>, reason: CloseReason) {
        if self.closing {
            return;
        }
        self.closing = true;
        let _span = self.span.enter();
        tracing::info!(code = reason.code(), reason = reason.reason(), "closing socket");
        metrics::counter!("hub_ws_closes_total", "code" => reason.code().to_string()).increment(1);
        self.outbox.close(Some(reason.to_ws()));
        ctx.stop();
    }

    /// Drops the socket without a close frame: the peer is gone or not listening.
    fn drop_socket(&mut self, ctx: &mut Context<Self>, why: &'static str) {
        let _span = self.span.enter();
        tracing::info!(why, "dropping socket");
        metrics::counter!("hub_ws_drops_total", "why" => why).increment(1);
        self.closing = true;
        drop_now(&self.outbox, self.socket.as_ref());
        ctx.stop();
    }

    /// Gives what is queued (a close frame last, usually) `close_timeout` to leave, then drops the
    /// connection whatever the client has taken: one that stopped reading must not keep it.
    fn drop_later(&self) {
        let (outbox, socket) = (self.outbox.clone(), self.socket.clone());
        let timeout = self.deps.settings.close_timeout;
        actix::spawn(async move {
            tokio::time::sleep(timeout).await;
            drop_now(&outbox, socket.as_ref());
        });
    }

    /// Queues a protocol frame (pong, error, token_expiring). It counts against the byte limit
    /// like any frame, so a client that sends pings and never reads cannot grow the queue.
    fn control(&mut self, ctx: &mut Context<Self>, text: String) {
        if !self.closing && self.outbox.push_control(text.into()).is_err() {
            self.close(ctx, CloseReason::TooSlow);
        }
    }

    fn schedule_expiry(&mut self, ctx: &mut Context<Self>) {
        for timer in self.expiry_timers.drain(..) {
            ctx.cancel_future(timer);
        }
        let now = clock::unix_secs();
        let exp = self.identity.expires_at;
        let until_exp = Duration::from_secs(exp.saturating_sub(now));
        let notice = self.deps.settings.renew_notice;
        let warn_in = until_exp.saturating_sub(notice);
        self.expiry_timers.push(ctx.run_later(warn_in, move |act, ctx| {
            act.control(ctx, client_frame::token_expiring(exp));
        }));
        self.expiry_timers.push(ctx.run_later(until_exp, |act, ctx| act.close(ctx, CloseReason::TokenExpired)));
    }

    fn on_text(&mut self, ctx: &mut Context<Self>, text: &str) {
        match ClientFrame::parse(text) {
            Ok(frame) => {
                self.invalid_frames = 0;
                match frame {
                    ClientFrame::Ping {} => self.control(ctx, client_frame::pong()),
                    ClientFrame::Auth { token } => self.renew(ctx, &token),
                }
            }
            Err(reason) => self.on_invalid(ctx, &reason),
        }
    }

    fn on_invalid(&mut self, ctx: &mut Context<Self>, reason: &str) {
        self.invalid_frames += 1;
        metrics::counter!("hub_ws_invalid_frames_total").increment(1);
        if self.invalid_frames >= self.deps.settings.max_invalid_frames {
            self.close(ctx, CloseReason::ProtocolViolation);
        } else {
            self.control(ctx, client_frame::error("invalid_frame", reason));
        }
    }

    fn renew(&mut self, ctx: &mut Context<Self>, token: &str) {
        let span = self.span.clone();
        let _entered = span.enter();
        let (code, message) = match self.deps.verifier.verify(token) {
            Ok(identity) if identity.user_id == self.identity.user_id => {
                tracing::info!(exp = identity.expires_at, "token renewed in-band");
                self.identity = identity;
                self.failed_renewals = 0;
                self.schedule_expiry(ctx);
                return;
            }
            Ok(_) => {
                tracing::warn!("renewal token names another user; refused");
                // The one reason only renewal has: a socket's user never changes.
                TokenStage::Renewal.count_refusal("subject_mismatch");
                ("auth_subject_mismatch", "the new token is for another user".to_owned())
            }
            Err(rejected) => {
                tracing::info!(reason = rejected.reason(), error = %rejected, "renewal token refused");
                TokenStage::Renewal.count_refusal(rejected.reason());
                ("auth_failed", rejected.to_string())
            }
        };
        self.failed_renewals += 1;
        if self.failed_renewals >= self.deps.settings.max_invalid_frames {
            // 4001 sends the client for a fresh token, which is what it needs.
            self.close(ctx, CloseReason::TokenExpired);
        } else {
            self.control(ctx, client_frame::error(code, &message));
        }
    }
}

impl Actor for Connection {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Frames bypass the mailbox (sessions push them into the outbox), so it only holds
        // close commands and the join's answer.
        ctx.set_mailbox_capacity(16);
        self.deps.stats.connection_started();
        {
            let _span = self.span.enter();
            tracing::info!(resume = self.resume.is_some(), "socket open");
        }
        let join = Join {
            user_id: self.identity.user_id.clone(),
            connection: self.connection_handle(ctx),
            resume: self.resume.take(),
        };
        self.deps
            .registry
            .send(join)
            .into_actor(self)
            .map(|joined, act, ctx| {
                match joined {
                    Ok(Ok(())) => act.joined = true,
                    Ok(Err(JoinError::TooManySockets)) => act.close(ctx, CloseReason::TooManySockets),
                    Err(_) => act.close(ctx, CloseReason::InternalError),
                }
                if let Some(answered) = act.join_answered.take() {
                    let _ = answered.send(());
                }
            })
            .wait(ctx);
        ctx.run_interval(self.deps.settings.ping_interval, |act, ctx| {
            if act.last_heard.elapsed() > act.deps.settings.client_timeout {
                act.drop_socket(ctx, "heartbeat_timeout");
            } else {
                act.outbox.ping();
            }
        });
        self.schedule_expiry(ctx);
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        // Ends the response body once what is queued is written, if no close or abort did.
        self.outbox.finish();
        self.drop_later();
        if self.joined {
            self.deps.registry.do_send(Leave { user_id: self.identity.user_id.clone(), connection_id: self.id });
        }
        self.deps.stats.connection_stopped();
        let _span = self.span.enter();
        tracing::info!("socket closed");
    }
}

impl StreamHandler<Result<AggregatedMessage, ProtocolError>> for Connection {
    fn handle(&mut self, item: Result<AggregatedMessage, ProtocolError>, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        match item {
            Ok(AggregatedMessage::Text(text)) => self.on_text(ctx, &text),
            Ok(AggregatedMessage::Binary(_)) => self.on_invalid(ctx, "binary frames are not part of the protocol"),
            Ok(AggregatedMessage::Ping(payload)) => {
                if !self.closing && self.outbox.push_pong(payload).is_err() {
                    self.close(ctx, CloseReason::TooSlow);
                }
            }
            Ok(AggregatedMessage::Pong(_)) => {}
            Ok(AggregatedMessage::Close(reason)) => {
                // Echo the client's close, as RFC 6455 asks, then stop.
                self.closing = true;
                self.outbox.close(reason.map(|r| WsCloseReason { code: r.code, description: None }));
                ctx.stop();
            }
            Err(ProtocolError::Overflow) => self.close(ctx, CloseReason::FrameTooBig),
            // The connection ended mid-frame or failed (EOF, reset): nobody is left to tell.
            Err(ProtocolError::Io(_)) => self.drop_socket(ctx, "peer_gone"),
            Err(error) => {
                {
                    let _span = self.span.enter();
                    tracing::info!(%error, "websocket protocol error");
                }
                self.close(ctx, CloseReason::ProtocolViolation);
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        // The peer went away (closed, or the TCP connection dropped without a close frame).
        if !self.closing {
            self.drop_socket(ctx, "peer_gone");
        }
    }
}

impl Handler<Close> for Connection {
    type Result = ();

    fn handle(&mut self, close: Close, ctx: &mut Context<Self>) {
        self.close(ctx, close.reason);
    }
}

/// Ends the response body without sending more, and resets the TCP connection under it.
fn drop_now(outbox: &Outbox, socket: Option<&Weak<Socket>>) {
    outbox.abort();
    if let Some(socket) = socket {
        socket::reset(socket);
    }
}
