//! Per-user history that makes reconnects lossless, and the seam a Redis-backed one plugs into.
//!
//! The memory history keeps a bounded ring per user (length, age) and a bounded number of
//! users and bytes overall, evicting the least recently used user. Whatever it can no longer
//! prove complete it answers with [`Replay::Resync`], never with a silent hole.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use futures::future::{self, BoxFuture};
use lru::LruCache;
use parking_lot::{Mutex, MutexGuard};

use crate::clock;
use crate::error::Cause;
use crate::notification::{Draft, Frame, NotificationId, UserId};

/// Where a reconnecting client says it left off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    /// The last notification id the client processed.
    pub since: NotificationId,
    /// The epoch that id belongs to; ids from another epoch mean nothing here. `None` (a
    /// session catching up before it saw any frame) accepts the current epoch.
    pub epoch: Option<String>,
}

/// What a resuming client gets before live frames.
#[derive(Debug, Clone)]
pub enum Replay {
    /// Every retained notification after the resume point, oldest first; no gap.
    Frames(Vec<Frame>),
    /// History cannot cover the gap (other epoch, trimmed or evicted): reload state.
    Resync {
        /// The current epoch, for the client's next resume.
        epoch: String,
    },
}

impl Replay {
    /// The replay as the socket gets it: each notification marked as sent again (see
    /// [`Frame::replayed`]), so live frames held meanwhile stay unmarked.
    pub(crate) fn marked(self) -> Replay {
        match self {
            Replay::Frames(frames) => Replay::Frames(frames.iter().map(Frame::replayed).collect()),
            resync @ Replay::Resync { .. } => resync,
        }
    }
}

/// Why history could not answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HistoryError {
    /// The store behind the history could not be reached or did not answer.
    #[error("the history store is unavailable")]
    Unavailable(#[source] Cause),
    /// The store answered something the history does not understand.
    #[error("the history store answered something unexpected")]
    BadReply(#[source] Cause),
}

impl HistoryError {
    /// A stable label for metrics and logs.
    pub fn reason(&self) -> &'static str {
        match self {
            HistoryError::Unavailable(_) => "unavailable",
            HistoryError::BadReply(_) => "bad_reply",
        }
    }
}

/// Reads a user's history for a resuming connection.
pub trait History: Send + Sync + 'static {
    /// Everything after `from` for `user`, or a resync.
    fn replay(&self, user: &UserId, from: &ResumePoint) -> BoxFuture<'static, Result<Replay, HistoryError>>;
}

/// Limits of the memory history.
#[derive(Debug, Clone)]
pub struct HistorySettings {
    /// Notifications kept per user.
    pub max_len: usize,
    /// Notifications older than this are dropped.
    pub max_age: Duration,
    /// Users kept; the least recently used is evicted beyond it.
    pub max_users: usize,
    /// Bytes of frames kept across all users; least recently used users are evicted beyond it.
    pub max_bytes: usize,
}

/// In-process history for the embedded mode. Its epoch is new on every start, so a client
/// resuming across a restart is told to resync.
pub struct MemoryHistory {
    epoch: String,
    settings: HistorySettings,
    inner: Mutex<Inner>,
}

struct Inner {
    users: LruCache<UserId, Ring>,
    /// The highest id ever assigned: ids increase across all users, hence per user.
    last_id: NotificationId,
    /// The highest id that belonged to an evicted user: a resume from before it for a user we
    /// no longer know may have a gap.
    evicted_through: NotificationId,
    bytes: usize,
}

#[derive(Default)]
struct Ring {
    frames: VecDeque<Frame>,
    /// The highest id dropped from this ring (by length or age).
    trimmed_through: Option<NotificationId>,
    bytes: usize,
}

impl Ring {
    fn pop_front(&mut self) -> Option<Frame> {
        let frame = self.frames.pop_front()?;
        self.bytes -= frame.len();
        self.trimmed_through = frame.id.max(self.trimmed_through);
        Some(frame)
    }

    fn trim_older_than(&mut self, oldest_kept: Instant) -> usize {
        let before = self.bytes;
        while self.frames.front().is_some_and(|f| f.accepted_at < oldest_kept) {
            self.pop_front();
        }
        before - self.bytes
    }
}

impl MemoryHistory {
    /// A new, empty history with a fresh random epoch.
    pub fn new(settings: HistorySettings) -> MemoryHistory {
        let users = LruCache::new(NonZeroUsize::new(settings.max_users.max(1)).expect("at least one"));
        MemoryHistory {
            epoch: format!("{:016x}", rand::random::<u64>()),
            settings,
            inner: Mutex::new(Inner {
                users,
                last_id: NotificationId::ZERO,
                evicted_through: NotificationId::ZERO,
                bytes: 0,
            }),
        }
    }

    /// Holds the history for appending. Ids are assigned under its lock, so a caller that routes
    /// the frames before letting go has them reach the router in id order, whatever thread
    /// published them.
    pub(crate) fn appender(&self) -> Appender<'_> {
        Appender { history: self, inner: self.inner.lock() }
    }

    fn replay_now(&self, user: &UserId, from: &ResumePoint) -> Replay {
        let resync = || Replay::Resync { epoch: self.epoch.clone() };
        if from.epoch.as_deref().is_some_and(|epoch| epoch != self.epoch) {
            return resync();
        }
        let mut inner = self.inner.lock();
        let evicted_through = inner.evicted_through;
        let Some(ring) = inner.users.get_mut(user) else {
            return if from.since < evicted_through { resync() } else { Replay::Frames(Vec::new()) };
        };
        let freed = match Instant::now().checked_sub(self.settings.max_age) {
            Some(oldest_kept) => ring.trim_older_than(oldest_kept),
            None => 0,
        };
        let gap = ring.trimmed_through.is_some_and(|t| from.since < t);
        let frames =
            if gap { None } else { Some(ring.frames.iter().filter(|f| f.id > Some(from.since)).cloned().collect()) };
        inner.bytes -= freed;
        frames.map_or_else(resync, Replay::Frames)
    }
}

/// The history, locked for appending; see [`MemoryHistory::appender`].
pub(crate) struct Appender<'a> {
    history: &'a MemoryHistory,
    inner: MutexGuard<'a, Inner>,
}

impl Appender<'_> {
    /// Assigns the next id to `draft` and records its frame; returns the id and the frame to route.
    pub(crate) fn append(&mut self, draft: &Draft) -> (NotificationId, Frame) {
        let settings = &self.history.settings;
        let inner = &mut *self.inner;
        let id = inner.last_id.next_after(clock::unix_millis());
        inner.last_id = id;
        let frame = Frame::notification(draft, id, &self.history.epoch);
        let oldest_kept = frame.accepted_at.checked_sub(settings.max_age);
        inner.bytes += frame.len();

        let mut ring = inner.users.pop(&draft.user_id).unwrap_or_else(|| inner.new_ring());
        ring.bytes += frame.len();
        ring.frames.push_back(frame.clone());
        let mut freed = 0;
        while ring.frames.len() > settings.max_len {
            freed += ring.pop_front().map_or(0, |f| f.len());
        }
        if let Some(oldest_kept) = oldest_kept {
            freed += ring.trim_older_than(oldest_kept);
        }
        inner.bytes -= freed;
        if let Some((_, evicted)) = inner.users.push(draft.user_id.clone(), ring) {
            inner.forget(evicted);
        }
        while inner.bytes > settings.max_bytes && inner.users.len() > 1 {
            let (_, evicted) = inner.users.pop_lru().expect("more than one user");
            inner.forget(evicted);
        }
        (id, frame)
    }
}

impl Inner {
    /// A ring for a user the history does not hold. It cannot tell a new user from one whose
    /// ring was evicted, so it counts as trimmed through every evicted id, as a user it does not
    /// hold does in a replay: a resume from before what an eviction dropped is a resync, never
    /// only what came after.
    fn new_ring(&self) -> Ring {
        Ring { trimmed_through: Some(self.evicted_through), ..Ring::default() }
    }

    fn forget(&mut self, ring: Ring) {
        self.bytes -= ring.bytes;
        let last = ring.frames.back().and_then(|f| f.id).or(ring.trimmed_through);
        self.evicted_through = self.evicted_through.max(last.unwrap_or(NotificationId::ZERO));
    }
}

impl History for MemoryHistory {
    fn replay(&self, user: &UserId, from: &ResumePoint) -> BoxFuture<'static, Result<Replay, HistoryError>> {
        Box::pin(future::ready(Ok(self.replay_now(user, from))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> HistorySettings {
        HistorySettings { max_len: 3, max_age: Duration::from_secs(3600), max_users: 2, max_bytes: usize::MAX }
    }

    fn draft(user: &str) -> Draft {
        Draft {
            user_id: user.into(),
            event: "e".into(),
            category: Some("c".into()),
            priority: "p".into(),
            timestamp: "t".into(),
            correlation_id: None,
            data: serde_json::value::RawValue::from_string("{}".into()).unwrap(),
            dedupe_key: None,
        }
    }

    fn append(h: &MemoryHistory, draft: &Draft) -> NotificationId {
        h.appender().append(draft).0
    }

    fn ids(replay: Replay) -> Vec<NotificationId> {
        match replay {
            Replay::Frames(frames) => frames.into_iter().map(|f| f.id.unwrap()).collect(),
            Replay::Resync { .. } => panic!("expected frames, got a resync"),
        }
    }

    #[test]
    fn replay_returns_only_what_came_after_the_resume_point() {
        let h = MemoryHistory::new(settings());
        let a = append(&h, &draft("u"));
        let b = append(&h, &draft("u"));
        let from = ResumePoint { since: a, epoch: Some(h.epoch.clone()) };
        assert_eq!(ids(h.replay_now(&"u".into(), &from)), vec![b]);
    }

    #[test]
    fn a_resume_point_before_trimmed_history_is_a_resync() {
        let h = MemoryHistory::new(settings());
        let first = append(&h, &draft("u"));
        let second = append(&h, &draft("u"));
        for _ in 0..3 {
            append(&h, &draft("u"));
        }
        // The ring holds the last three: a client that saw `first` missed `second`, trimmed.
        let from = ResumePoint { since: first, epoch: Some(h.epoch.clone()) };
        assert!(matches!(h.replay_now(&"u".into(), &from), Replay::Resync { .. }));
        // A client that saw `second` missed nothing that was trimmed.
        let from = ResumePoint { since: second, epoch: Some(h.epoch.clone()) };
        assert_eq!(ids(h.replay_now(&"u".into(), &from)).len(), 3);
        let after_trim = ResumePoint { since: append(&h, &draft("u")), epoch: Some(h.epoch.clone()) };
        assert!(ids(h.replay_now(&"u".into(), &after_trim)).is_empty());
    }

    #[test]
    fn another_epoch_is_a_resync() {
        let h = MemoryHistory::new(settings());
        let id = append(&h, &draft("u"));
        let from = ResumePoint { since: id, epoch: Some("other".into()) };
        assert!(matches!(h.replay_now(&"u".into(), &from), Replay::Resync { .. }));
    }

    #[test]
    fn an_evicted_user_resumes_with_a_resync_not_a_silent_gap() {
        let h = MemoryHistory::new(settings());
        let before = ResumePoint { since: NotificationId::ZERO, epoch: Some(h.epoch.clone()) };
        append(&h, &draft("a"));
        append(&h, &draft("b"));
        append(&h, &draft("c")); // evicts "a", the least recently used
        assert!(matches!(h.replay_now(&"a".into(), &before), Replay::Resync { .. }));
    }

    #[test]
    fn a_user_evicted_then_notified_again_resumes_with_a_resync_only_if_the_eviction_dropped_unseen_frames() {
        let h = MemoryHistory::new(HistorySettings { max_users: 1, ..settings() });
        let seen = append(&h, &draft("a"));
        let unseen = append(&h, &draft("a"));
        append(&h, &draft("b")); // evicts "a" with `unseen`
        let after = append(&h, &draft("a"));
        let from = |since| ResumePoint { since, epoch: Some(h.epoch.clone()) };
        assert!(matches!(h.replay_now(&"a".into(), &from(seen)), Replay::Resync { .. }));
        assert_eq!(ids(h.replay_now(&"a".into(), &from(unseen))), vec![after]);
    }

    #[test]
    fn the_byte_budget_evicts_least_recently_used_users() {
        let h = MemoryHistory::new(HistorySettings { max_bytes: 1, max_users: 10, ..settings() });
        append(&h, &draft("a"));
        append(&h, &draft("b"));
        let inner = h.inner.lock();
        assert_eq!(inner.users.len(), 1);
        assert!(inner.users.contains(&UserId::from("b")));
        assert_eq!(inner.bytes, inner.users.peek(&UserId::from("b")).unwrap().bytes);
    }
}
