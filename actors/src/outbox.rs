//! A socket's outbound queue, bounded in bytes, drained by the socket's HTTP response body.
//!
//! Nobody awaits a socket write. The user session pushes live frames straight in, from whichever
//! thread it runs on, and the connection actor pushes its protocol frames; actix-http's
//! dispatcher pulls from here ([`OutboxBody`]) whenever the socket can take more. What is queued
//! here is therefore what the client has not yet taken, and when a push would pass the byte
//! limit the socket is closed with 4002 and the client resumes from history. One slow client
//! delays nobody else.

use std::collections::VecDeque;
use std::mem;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use actix_codec::Encoder;
use actix_http::ws::{Codec, Message};
use actix_web::body::{BodySize, BoxBody, MessageBody};
use bytes::{Bytes, BytesMut};
use bytestring::ByteString;
use parking_lot::Mutex;

use crate::notification::{Frame, NotificationId};
use crate::stats::EngineStats;

/// The queue would pass its byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// Slots a drained queue keeps; a burst's larger buffer is given back once it drains.
const IDLE_SLOTS: usize = 4;

/// How much one poll of the body encodes: enough to fill a socket write, small enough that the
/// dispatcher's own buffer stays bounded and the byte limit keeps meaning what the client has
/// not taken.
const CHUNK_BYTES: usize = 16 * 1024;

/// RFC 6455: a control frame's payload is at most 125 bytes.
const MAX_CONTROL_PAYLOAD: usize = 125;

enum Outgoing {
    Notification(Frame),
    Control(ByteString),
    Ping,
    Pong(Bytes),
    Close(Option<actix_http::ws::CloseReason>),
}

/// When the response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Frames are accepted.
    Open,
    /// After what is queued (a close frame, or nothing more when the actor stopped).
    AfterQueue,
    /// At once: the peer is gone or silent, or the close frame waited too long.
    Now,
}

struct State {
    items: VecDeque<Outgoing>,
    /// Bytes of frames queued and not yet taken by the socket (pings are not counted).
    queued: usize,
    /// Extra room granted to a replay, which arrives as one burst; gone once the queue drains
    /// back under the limit.
    burst_allowance: usize,
    /// The newest notification id queued, so an id is never sent twice (replay and live overlap).
    last_sent: Option<NotificationId>,
    /// A push overflowed: nothing more is queued until the connection closes the socket.
    overflowed: bool,
    end: End,
    /// The response body, waiting for frames.
    body: Option<Waker>,
}

struct Shared {
    state: Mutex<State>,
    limit: usize,
}

/// The handle on a socket's queue: the connection actor and the user session each hold one.
#[derive(Clone)]
pub struct Outbox(Arc<Shared>);

impl Outbox {
    pub(crate) fn new(limit: usize) -> Outbox {
        let state = State {
            items: VecDeque::new(),
            queued: 0,
            burst_allowance: 0,
            last_sent: None,
            overflowed: false,
            end: End::Open,
            body: None,
        };
        Outbox(Arc::new(Shared { state: Mutex::new(state), limit }))
    }

    /// Queues one live frame. `Err` when it would pass the limit, and for every frame after that
    /// until the socket's close is queued: each is a frame the client lost. `Ok` also when there
    /// is nothing to queue: the frame was sent already (by id), or the socket is closing.
    pub fn push(&self, frame: Frame) -> Result<(), Overflow> {
        let limit = self.0.limit;
        self.update(|state| {
            if state.end != End::Open || !state.is_new(&frame) {
                return Ok(());
            }
            if state.overflowed {
                return Err(Overflow);
            }
            state.admit(limit, frame.len())?;
            state.last_sent = frame.id.or(state.last_sent);
            state.enqueue(frame.len(), Outgoing::Notification(frame));
            Ok(())
        })
    }

    /// Queues a replay as one burst: always admitted (history bounds its size), and the queue
    /// may hold it on top of the normal limit until it drains. Frames already sent are skipped.
    pub fn push_replay(&self, frames: Vec<Frame>) {
        self.update(|state| {
            if !state.accepting() {
                return;
            }
            let fresh: Vec<Frame> = frames.into_iter().filter(|f| state.is_new(f)).collect();
            // On top of any burst still draining: a catch-up can follow a resume's replay.
            state.burst_allowance += fresh.iter().map(Frame::len).sum::<usize>();
            for frame in fresh {
                state.last_sent = frame.id.or(state.last_sent);
                state.enqueue(frame.len(), Outgoing::Notification(frame));
            }
        });
    }

    /// Queues a protocol frame (pong, error, token_expiring) under the same byte limit, so a
    /// client that sends pings and never reads cannot grow the queue.
    pub(crate) fn push_control(&self, text: ByteString) -> Result<(), Overflow> {
        self.push_protocol(text.len(), Outgoing::Control(text))
    }

    /// Answers a WebSocket ping, under the byte limit.
    pub(crate) fn push_pong(&self, mut payload: Bytes) -> Result<(), Overflow> {
        payload.truncate(MAX_CONTROL_PAYLOAD);
        self.push_protocol(payload.len().max(1), Outgoing::Pong(payload))
    }

    /// Queues a frame of the protocol itself, counted as `len` bytes against the limit.
    fn push_protocol(&self, len: usize, item: Outgoing) -> Result<(), Overflow> {
        let limit = self.0.limit;
        self.update(|state| {
            if !state.accepting() {
                return Ok(());
            }
            state.admit(limit, len)?;
            state.enqueue(len, item);
            Ok(())
        })
    }

    /// The server's heartbeat ping.
    pub(crate) fn ping(&self) {
        self.update(|state| {
            if state.accepting() {
                state.enqueue(0, Outgoing::Ping);
            }
        });
    }

    /// Sends the close frame after what is queued; nothing is queued after it. The connection
    /// drops the socket if the client has not taken it within `close_timeout`.
    pub(crate) fn close(&self, reason: Option<actix_http::ws::CloseReason>) {
        self.update(|state| {
            if state.end == End::Open {
                state.end = End::AfterQueue;
                state.enqueue(0, Outgoing::Close(reason));
            }
        });
    }

    /// Ends the socket after what is queued, without a close frame (the actor stopped without
    /// closing, e.g. the system is stopping). Does nothing once a close or an abort is under way.
    pub(crate) fn finish(&self) {
        self.update(|state| {
            if state.end == End::Open {
                state.end = End::AfterQueue;
            }
        });
    }

    /// Drops the socket at once: for a peer that is gone or silent.
    pub(crate) fn abort(&self) {
        self.update(State::end_now);
    }

    /// Runs `change` under the lock, then wakes the body if it has something to do. The wake
    /// comes after the lock is released: the body runs on the socket's thread, and waking it
    /// while holding the lock would have it block on the lock as it starts.
    fn update<R>(&self, change: impl FnOnce(&mut State) -> R) -> R {
        let (result, body) = {
            let mut state = self.0.state.lock();
            let result = change(&mut state);
            let has_work = !state.items.is_empty() || state.end != End::Open;
            (result, if has_work { state.body.take() } else { None })
        };
        if let Some(body) = body {
            body.wake();
        }
        result
    }

    /// The response body that drains this queue into the socket. `inner` is actix-ws's own body:
    /// it is kept, unpolled, because dropping it tells actix-ws's message stream that the
    /// connection is gone.
    pub(crate) fn body(&self, inner: BoxBody, stats: Arc<EngineStats>) -> OutboxBody {
        OutboxBody { outbox: self.clone(), codec: Codec::new(), buf: BytesMut::new(), stats, _inner: inner }
    }
}

#[cfg(test)]
impl Outbox {
    /// The texts of the notification frames queued, in order.
    pub(crate) fn queued_notifications(&self) -> Vec<String> {
        let state = self.0.state.lock();
        let texts = state.items.iter().filter_map(|item| match item {
            Outgoing::Notification(frame) => Some(frame.text.to_string()),
            _ => None,
        });
        texts.collect()
    }
}

impl State {
    fn accepting(&self) -> bool {
        self.end == End::Open && !self.overflowed
    }

    fn is_new(&self, frame: &Frame) -> bool {
        match (frame.id, self.last_sent) {
            (Some(id), Some(last)) => id > last,
            _ => true,
        }
    }

    fn admit(&mut self, limit: usize, len: usize) -> Result<(), Overflow> {
        if self.queued <= limit {
            self.burst_allowance = 0;
        }
        if self.queued + len > limit + self.burst_allowance {
            self.overflowed = true;
            return Err(Overflow);
        }
        Ok(())
    }

    fn enqueue(&mut self, len: usize, item: Outgoing) {
        self.queued += len;
        self.items.push_back(item);
    }

    /// Nothing more is sent: what is queued is dropped and the body ends at its next poll.
    fn end_now(&mut self) {
        self.end = End::Now;
        self.items.clear();
        self.queued = 0;
    }
}

/// The socket's response body: encodes queued frames as the dispatcher asks for bytes.
pub(crate) struct OutboxBody {
    outbox: Outbox,
    codec: Codec,
    buf: BytesMut,
    stats: Arc<EngineStats>,
    _inner: BoxBody,
}

/// Encodes queued frames into `buf`, up to about one chunk or through a close frame.
fn encode_queued(
    state: &mut State,
    codec: &mut Codec,
    buf: &mut BytesMut,
    stats: &EngineStats,
) -> Result<(), actix_http::ws::ProtocolError> {
    while buf.len() < CHUNK_BYTES {
        let Some(item) = state.items.pop_front() else { break };
        let (message, len) = match item {
            Outgoing::Notification(frame) => {
                stats.add_delivered(1);
                latency_histogram().record(frame.accepted_at.elapsed().as_secs_f64());
                let len = frame.len();
                (Message::Text(frame.text), len)
            }
            Outgoing::Control(text) => {
                let len = text.len();
                (Message::Text(text), len)
            }
            Outgoing::Ping => (Message::Ping(Bytes::new()), 0),
            Outgoing::Pong(payload) => {
                let len = payload.len().max(1);
                (Message::Pong(payload), len)
            }
            Outgoing::Close(reason) => {
                // Nothing follows a close frame.
                state.end_now();
                return codec.encode(Message::Close(reason), buf);
            }
        };
        state.queued -= len;
        codec.encode(message, buf)?;
    }
    if state.items.is_empty() && state.items.capacity() > IDLE_SLOTS {
        state.items.shrink_to(IDLE_SLOTS);
    }
    Ok(())
}

impl MessageBody for OutboxBody {
    type Error = actix_http::ws::ProtocolError;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let OutboxBody { outbox, codec, buf, stats, .. } = self.get_mut();
        let mut state = outbox.0.state.lock();
        if state.end == End::Now {
            return Poll::Ready(None);
        }
        if let Err(error) = encode_queued(&mut state, codec, buf, stats) {
            return Poll::Ready(Some(Err(error)));
        }
        if !buf.is_empty() {
            return Poll::Ready(Some(Ok(mem::take(buf).freeze())));
        }
        if state.end == End::AfterQueue {
            return Poll::Ready(None);
        }
        if !state.body.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            state.body = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for OutboxBody {
    /// The socket is gone: later pushes are dropped rather than queued for nobody.
    fn drop(&mut self) {
        let mut state = self.outbox.0.state.lock();
        state.end_now();
        state.body = None;
    }
}

/// Publish-to-socket latency: from the bridge accepting a notification to its frame being handed
/// to the socket. The handle is looked up once, not per frame.
fn latency_histogram() -> &'static metrics::Histogram {
    static HISTOGRAM: OnceLock<metrics::Histogram> = OnceLock::new();
    HISTOGRAM.get_or_init(|| metrics::histogram!("hub_publish_to_socket_seconds"))
}

#[cfg(test)]
mod tests {
    use std::task::Context;

    use actix_web::body::{BoxBody, MessageBody};
    use futures::task::noop_waker_ref;

    use super::*;

    fn frame(ms: u64, text: &str) -> Frame {
        let mut frame = Frame::unnumbered(text.to_owned());
        frame.id = Some(NotificationId { ms, seq: 0 });
        frame
    }

    fn outbox(limit: usize) -> (Outbox, Pin<Box<OutboxBody>>) {
        let outbox = Outbox::new(limit);
        let body = Box::pin(outbox.body(BoxBody::new(()), Arc::new(EngineStats::default())));
        (outbox, body)
    }

    /// One poll of the body: `Some(bytes)`, `None` once it ended, or "pending" as empty bytes.
    fn poll(body: &mut Pin<Box<OutboxBody>>) -> Option<Vec<u8>> {
        match body.as_mut().poll_next(&mut Context::from_waker(noop_waker_ref())) {
            Poll::Ready(Some(Ok(bytes))) => Some(bytes.to_vec()),
            Poll::Ready(Some(Err(error))) => panic!("body failed: {error}"),
            Poll::Ready(None) => None,
            Poll::Pending => Some(Vec::new()),
        }
    }

    /// The payloads of the unmasked server frames in `bytes` (all short: one length byte).
    fn payloads(bytes: &[u8]) -> Vec<(u8, String)> {
        let mut frames = Vec::new();
        let mut rest = bytes;
        while let [head, len, tail @ ..] = rest {
            let len = usize::from(*len);
            frames.push((head & 0x0f, String::from_utf8_lossy(&tail[..len]).into_owned()));
            rest = &tail[len..];
        }
        frames
    }

    #[test]
    fn a_frame_already_queued_by_id_is_not_queued_again() {
        let (outbox, mut body) = outbox(1 << 20);
        outbox.push_replay(vec![frame(1, "a"), frame(2, "b")]);
        outbox.push(frame(2, "b")).unwrap();
        outbox.push(frame(3, "c")).unwrap();
        let texts: Vec<String> = payloads(&poll(&mut body).unwrap()).into_iter().map(|(_, text)| text).collect();
        assert_eq!(texts, ["a", "b", "c"]);
        assert_eq!(poll(&mut body), Some(Vec::new()), "nothing more until something is pushed");
    }

    #[test]
    fn a_push_past_the_limit_overflows_and_nothing_is_queued_after_it() {
        let (outbox, mut body) = outbox(4);
        outbox.push(frame(1, "abc")).unwrap();
        assert_eq!(outbox.push(frame(2, "de")), Err(Overflow));
        assert_eq!(outbox.push(frame(3, "f")), Err(Overflow), "lost too, until the close is queued");
        outbox.close(None);
        assert_eq!(outbox.push(frame(4, "g")), Ok(()), "the socket is closing: nothing to report");
        let frames = payloads(&poll(&mut body).unwrap());
        assert_eq!(frames, [(0x1, "abc".to_owned()), (0x8, String::new())], "the queued frame, then the close");
        assert_eq!(poll(&mut body), None);
    }

    #[test]
    fn a_push_from_another_thread_wakes_the_waiting_body() {
        struct Flag(std::sync::atomic::AtomicBool);
        impl futures::task::ArcWake for Flag {
            fn wake_by_ref(flag: &Arc<Self>) {
                flag.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let (outbox, mut body) = outbox(1 << 20);
        let flag = Arc::new(Flag(false.into()));
        let waker = futures::task::waker(flag.clone());
        assert!(body.as_mut().poll_next(&mut Context::from_waker(&waker)).is_pending());

        let session = outbox.clone();
        std::thread::spawn(move || session.push(frame(1, "a")).unwrap()).join().unwrap();
        assert!(flag.0.load(std::sync::atomic::Ordering::SeqCst), "the body was woken");
        assert_eq!(payloads(&poll(&mut body).unwrap()), [(0x1, "a".to_owned())]);
    }

    #[test]
    fn draining_gives_the_room_back() {
        let (outbox, mut body) = outbox(4);
        outbox.push(frame(1, "abcd")).unwrap();
        poll(&mut body).unwrap();
        outbox.push(frame(2, "efgh")).expect("the first frame was taken by the socket");
    }

    #[test]
    fn an_aborted_socket_ends_at_once_and_drops_what_comes_later() {
        let (outbox, mut body) = outbox(1 << 20);
        outbox.push(frame(1, "a")).unwrap();
        outbox.abort();
        outbox.push(frame(2, "b")).unwrap();
        assert_eq!(poll(&mut body), None);
        assert!(outbox.queued_notifications().is_empty());
    }

    #[test]
    fn a_finished_socket_ends_after_what_is_queued() {
        let (outbox, mut body) = outbox(1 << 20);
        outbox.push(frame(1, "a")).unwrap();
        outbox.finish();
        assert_eq!(payloads(&poll(&mut body).unwrap()), [(0x1, "a".to_owned())]);
        assert_eq!(poll(&mut body), None);
    }
}
