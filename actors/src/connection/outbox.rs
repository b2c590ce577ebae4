//! A socket's outbound queue, bounded in bytes, drained by a writer task of its own.
//!
//! The connection actor never awaits a socket write: it pushes here and goes on, so one client
//! that stops reading delays nobody else. When the queue would pass its byte limit the socket
//! is closed with 4002 and the client resumes from history.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::task::{Poll, Waker};
use std::time::Duration;

use actix_ws::Session;
use bytes::Bytes;
use bytestring::ByteString;
use tokio::task::JoinHandle;

use crate::notification::Frame;
use crate::stats::EngineStats;

/// The queue would pass its byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Overflow;

enum Outgoing {
    Notification(Frame),
    Control(ByteString),
    Ping,
    Pong(Bytes),
    Close(Option<actix_ws::CloseReason>),
}

/// Slots a drained queue keeps; a burst's larger buffer is given back once it drains.
const IDLE_SLOTS: usize = 4;

/// The queue between the connection actor and its writer task. Both run on the same arbiter
/// thread, so a `RefCell` and one waker do a channel's work. A tokio channel preallocates a
/// block of 32 slots, about 3 KiB per socket at the size of `Outgoing`: most of what an idle
/// socket cost beyond actix-http's own buffers (docs/benchmarks.md).
#[derive(Default)]
struct Queue {
    items: RefCell<VecDeque<Outgoing>>,
    writer: Cell<Option<Waker>>,
    /// The outbox is gone: the writer ends once the queue is empty.
    closed: Cell<bool>,
    /// The writer is gone (the socket failed or closed): pushes are dropped.
    writer_gone: Cell<bool>,
}

impl Queue {
    fn push(&self, item: Outgoing) {
        if self.writer_gone.get() {
            return;
        }
        self.items.borrow_mut().push_back(item);
        self.wake_writer();
    }

    fn close(&self) {
        self.closed.set(true);
        self.wake_writer();
    }

    fn wake_writer(&self) {
        if let Some(waker) = self.writer.take() {
            waker.wake();
        }
    }

    /// The next item, or `None` once the outbox is gone and the queue is empty.
    async fn next(&self) -> Option<Outgoing> {
        poll_fn(|cx| {
            let mut items = self.items.borrow_mut();
            if let Some(item) = items.pop_front() {
                if items.is_empty() && items.capacity() > IDLE_SLOTS {
                    items.shrink_to(IDLE_SLOTS);
                }
                return Poll::Ready(Some(item));
            }
            if self.closed.get() {
                return Poll::Ready(None);
            }
            self.writer.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await
    }
}

/// Marks the writer gone however its task ends (returned or aborted), and drops what it left.
struct WriterGone(Rc<Queue>);

impl Drop for WriterGone {
    fn drop(&mut self) {
        self.0.writer_gone.set(true);
        self.0.items.borrow_mut().clear();
    }
}

pub(crate) struct Outbox {
    queue: Rc<Queue>,
    /// Bytes of notification frames queued and not yet handed to the socket.
    queued: Rc<Cell<usize>>,
    limit: usize,
    /// Extra room granted to a replay, which arrives as one burst; gone once the queue drains
    /// back under the limit.
    burst_allowance: usize,
    writer: JoinHandle<()>,
    close_timeout: Duration,
}

impl Outbox {
    /// Starts the writer task on the current arbiter.
    pub(crate) fn spawn(session: Session, limit: usize, close_timeout: Duration, stats: Arc<EngineStats>) -> Outbox {
        let queue = Rc::new(Queue::default());
        let queued = Rc::new(Cell::new(0));
        let writer = tokio::task::spawn_local(write_loop(session, WriterGone(queue.clone()), queued.clone(), stats));
        Outbox { queue, queued, limit, burst_allowance: 0, writer, close_timeout }
    }

    /// Queues one live frame, or reports that it would overflow the queue.
    pub(crate) fn push(&mut self, frame: Frame) -> Result<(), Overflow> {
        self.admit(frame.len())?;
        self.enqueue(frame);
        Ok(())
    }

    /// Queues a protocol frame (pong, error, token_expiring) under the same byte limit.
    pub(crate) fn push_control(&mut self, text: ByteString) -> Result<(), Overflow> {
        self.admit(text.len())?;
        self.queued.set(self.queued.get() + text.len());
        self.queue.push(Outgoing::Control(text));
        Ok(())
    }

    fn admit(&mut self, len: usize) -> Result<(), Overflow> {
        let queued = self.queued.get();
        if queued <= self.limit {
            self.burst_allowance = 0;
        }
        if queued + len > self.limit + self.burst_allowance {
            return Err(Overflow);
        }
        Ok(())
    }

    /// Queues a replay as one burst: always admitted (history bounds its size), and the queue
    /// may hold it on top of the normal limit until it drains.
    pub(crate) fn push_replay(&mut self, frames: Vec<Frame>) {
        self.burst_allowance = frames.iter().map(Frame::len).sum();
        for frame in frames {
            self.enqueue(frame);
        }
    }

    fn enqueue(&mut self, frame: Frame) {
        self.queued.set(self.queued.get() + frame.len());
        self.queue.push(Outgoing::Notification(frame));
    }

    pub(crate) fn ping(&self) {
        self.queue.push(Outgoing::Ping);
    }

    /// Answers a WebSocket ping, under the byte limit: a client that floods pings and never
    /// reads cannot grow the queue.
    pub(crate) fn push_pong(&mut self, payload: Bytes) -> Result<(), Overflow> {
        self.admit(payload.len().max(1))?;
        self.queued.set(self.queued.get() + payload.len().max(1));
        self.queue.push(Outgoing::Pong(payload));
        Ok(())
    }

    /// Sends the close frame after what is queued, and gives the client `close_timeout` to take
    /// it before the socket is dropped without one.
    pub(crate) fn close(&self, reason: Option<actix_ws::CloseReason>) {
        self.queue.push(Outgoing::Close(reason));
        let writer = self.writer.abort_handle();
        let timeout = self.close_timeout;
        tokio::task::spawn_local(async move {
            tokio::time::sleep(timeout).await;
            writer.abort();
        });
    }

    /// Drops the socket at once: for a peer that is gone or silent.
    pub(crate) fn abort(&self) {
        self.writer.abort();
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.queue.close();
    }
}

async fn write_loop(mut session: Session, queue: WriterGone, queued: Rc<Cell<usize>>, stats: Arc<EngineStats>) {
    while let Some(outgoing) = queue.0.next().await {
        let written = match outgoing {
            Outgoing::Notification(frame) => {
                let len = frame.len();
                let accepted_at = frame.accepted_at;
                let written = session.text(frame.text).await;
                queued.set(queued.get() - len);
                if written.is_ok() {
                    stats.add_delivered(1);
                    latency_histogram().record(accepted_at.elapsed().as_secs_f64());
                }
                written
            }
            Outgoing::Control(text) => {
                let len = text.len();
                let written = session.text(text).await;
                queued.set(queued.get() - len);
                written
            }
            Outgoing::Ping => session.ping(b"").await,
            Outgoing::Pong(payload) => {
                let written = session.pong(&payload).await;
                queued.set(queued.get() - payload.len().max(1));
                written
            }
            Outgoing::Close(reason) => {
                let _ = session.close(reason).await;
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// Publish-to-socket latency: from the bridge accepting a notification to its frame being handed
/// to the socket's writer. The handle is looked up once, not per frame.
fn latency_histogram() -> &'static metrics::Histogram {
    static HISTOGRAM: OnceLock<metrics::Histogram> = OnceLock::new();
    HISTOGRAM.get_or_init(|| metrics::histogram!("hub_publish_to_socket_seconds"))
}
