//! Events waiting for the owner of their batch or class, queued per key so that a later event
//! for the same key never overtakes an earlier one, each with a deadline, bounded in count and
//! in bytes.
//!
//! This is the other half of the ownership index ([`super::owners`]): an event that names only
//! a batch or class waits here until the index learns its owner. Nothing in it knows where the
//! events come from, so it lives with the index, not with Kafka.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use crate::contracts::OwnerKey;

/// What a held item weighs against the byte bound.
pub trait Weight {
    /// Its size in bytes, the same every time it is asked.
    fn bytes(&self) -> usize;
}

/// Held items of type `T`, bounded in count and in bytes.
#[derive(Debug)]
pub struct Holds<T> {
    queues: HashMap<OwnerKey, VecDeque<Held<T>>>,
    /// Keys whose items are being handed on: a new item for one of them queues behind, and no
    /// second release of it starts.
    releasing: HashSet<OwnerKey>,
    len: usize,
    capacity: usize,
    /// The items' [`Weight`] in all.
    bytes: usize,
    max_bytes: usize,
}

/// One waiting item.
#[derive(Debug)]
struct Held<T> {
    /// When it stops waiting and is dead-lettered.
    deadline: Instant,
    /// The waiting item.
    item: T,
}

impl<T: Weight> Holds<T> {
    /// Room for `capacity` items and `max_bytes` bytes in all.
    pub fn new(capacity: usize, max_bytes: usize) -> Holds<T> {
        Holds { queues: HashMap::new(), releasing: HashSet::new(), len: 0, capacity, bytes: 0, max_bytes }
    }

    /// Whether items for `key` wait (those a release under way has taken no longer do).
    pub fn is_waiting(&self, key: &OwnerKey) -> bool {
        self.queues.contains_key(key)
    }

    /// Whether a new item for `key` must queue behind others: some wait, or are being released.
    pub fn must_queue_behind(&self, key: &OwnerKey) -> bool {
        self.is_waiting(key) || self.releasing.contains(key)
    }

    /// Whether `item` fits, in count and in bytes.
    pub fn has_room_for(&self, item: &T) -> bool {
        self.len < self.capacity && self.bytes.saturating_add(item.bytes()) <= self.max_bytes
    }

    /// Queues `item` behind the others for `key`; the caller checks [`Self::has_room_for`] first.
    pub fn push(&mut self, key: OwnerKey, deadline: Instant, item: T) {
        self.bytes += item.bytes();
        self.queues.entry(key).or_default().push_back(Held { deadline, item });
        self.len += 1;
    }

    /// Marks a release of `key` under way; `false` when nothing waits for it or one is already
    /// under way. [`Self::end_release`] ends it.
    pub fn begin_release(&mut self, key: &OwnerKey) -> bool {
        self.is_waiting(key) && self.releasing.insert(key.clone())
    }

    /// The release of `key` is over: a new item for it waits again for the next one.
    pub fn end_release(&mut self, key: &OwnerKey) {
        self.releasing.remove(key);
    }

    /// Takes the items waiting for `key` from the oldest on, as long as `take` accepts them.
    pub fn release_while(&mut self, key: &OwnerKey, mut take: impl FnMut(&T) -> bool) -> Vec<T> {
        let Some(queue) = self.queues.get_mut(key) else { return Vec::new() };
        let mut released = Vec::new();
        while queue.front().is_some_and(|held| take(&held.item)) {
            released.push(queue.pop_front().expect("front exists").item);
        }
        if queue.is_empty() {
            self.queues.remove(key);
        }
        self.len -= released.len();
        self.bytes -= released.iter().map(Weight::bytes).sum::<usize>();
        released
    }

    /// Takes every item whose deadline has passed, with its key. Later items of the same key
    /// expire with it or after it, since they were queued later with the same timeout.
    pub fn expire(&mut self, now: Instant) -> Vec<(OwnerKey, T)> {
        let mut expired = Vec::new();
        self.queues.retain(|key, queue| {
            while queue.front().is_some_and(|h| h.deadline <= now) {
                let held = queue.pop_front().expect("front exists");
                expired.push((key.clone(), held.item));
            }
            !queue.is_empty()
        });
        self.len -= expired.len();
        self.bytes -= expired.iter().map(|(_, item)| item.bytes()).sum::<usize>();
        expired
    }

    /// Drops the items `keep` refuses (e.g. those of a revoked partition).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let (mut dropped, mut dropped_bytes) = (0, 0);
        self.queues.retain(|_, queue| {
            queue.retain(|h| {
                let kept = keep(&h.item);
                if !kept {
                    dropped += 1;
                    dropped_bytes += h.item.bytes();
                }
                kept
            });
            !queue.is_empty()
        });
        self.len -= dropped;
        self.bytes -= dropped_bytes;
    }

    /// Keys with waiting items and no release under way.
    pub fn idle_keys(&self) -> impl Iterator<Item = &OwnerKey> {
        self.queues.keys().filter(|key| !self.releasing.contains(*key))
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn batch(id: &str) -> OwnerKey {
        OwnerKey::Batch(id.into())
    }

    /// A test item weighs its value.
    impl Weight for i32 {
        fn bytes(&self) -> usize {
            *self as usize
        }
    }

    #[test]
    fn items_for_a_key_are_released_in_the_order_they_were_held() {
        let mut holds = Holds::new(10, usize::MAX);
        let later = Instant::now() + Duration::from_secs(60);
        holds.push(batch("b"), later, 1);
        holds.push(batch("other"), later, 9);
        holds.push(batch("b"), later, 2);
        assert!(holds.is_waiting(&batch("b")));
        assert_eq!(holds.release_while(&batch("b"), |_| true), vec![1, 2]);
        assert!(!holds.is_waiting(&batch("b")));
        assert_eq!(holds.len(), 1);
    }

    #[test]
    fn a_partial_release_takes_only_the_accepted_items_at_the_front() {
        let mut holds = Holds::new(10, usize::MAX);
        let later = Instant::now() + Duration::from_secs(60);
        for item in [1, 2, 3] {
            holds.push(batch("b"), later, item);
        }
        assert_eq!(holds.release_while(&batch("b"), |item| *item == 2), Vec::<i32>::new());
        holds.expire(later);
        assert_eq!(holds.len(), 0);
        for item in [2, 4, 5] {
            holds.push(batch("b"), later, item);
        }
        assert_eq!(holds.release_while(&batch("b"), |item| item % 2 == 0), vec![2, 4]);
        assert_eq!(holds.len(), 1);
        assert_eq!(holds.release_while(&batch("b"), |_| true), vec![5]);
        assert!(!holds.is_waiting(&batch("b")));
    }

    #[test]
    fn expired_items_leave_and_fresh_ones_stay() {
        let mut holds = Holds::new(10, usize::MAX);
        let now = Instant::now();
        holds.push(batch("b"), now, 1);
        holds.push(batch("b"), now + Duration::from_secs(60), 2);
        assert_eq!(holds.expire(now), vec![(batch("b"), 1)]);
        assert_eq!(holds.len(), 1);
        assert!(holds.is_waiting(&batch("b")));
    }

    #[test]
    fn the_count_is_bounded_and_retain_frees_room() {
        let mut holds = Holds::new(2, usize::MAX);
        let later = Instant::now() + Duration::from_secs(60);
        holds.push(batch("a"), later, 1);
        holds.push(batch("b"), later, 2);
        assert!(!holds.has_room_for(&0));
        holds.retain(|item| *item != 1);
        assert!(holds.has_room_for(&0));
        assert!(!holds.is_waiting(&batch("a")));
    }

    #[test]
    fn the_bytes_are_bounded_and_every_way_out_frees_them() {
        let mut holds = Holds::new(10, 10);
        let now = Instant::now();
        holds.push(batch("a"), now, 4);
        holds.push(batch("b"), now + Duration::from_secs(60), 5);
        assert!(holds.has_room_for(&1));
        assert!(!holds.has_room_for(&2), "4 + 5 + 2 bytes are over 10");
        assert_eq!(holds.expire(now), vec![(batch("a"), 4)]);
        assert!(holds.has_room_for(&5) && !holds.has_room_for(&6), "5 bytes wait");
        holds.push(batch("c"), now, 3);
        holds.retain(|item| *item != 3);
        assert!(holds.has_room_for(&5) && !holds.has_room_for(&6), "5 bytes wait");
        assert_eq!(holds.release_while(&batch("b"), |_| true), vec![5]);
        assert!(holds.has_room_for(&10), "nothing waits");
    }

    #[test]
    fn items_queue_behind_a_release_under_way_and_a_second_release_waits_for_its_end() {
        let mut holds = Holds::new(10, usize::MAX);
        let later = Instant::now() + Duration::from_secs(60);
        assert!(!holds.begin_release(&batch("b")), "nothing waits: nothing to release");
        holds.push(batch("b"), later, 1);
        assert!(holds.begin_release(&batch("b")));
        assert_eq!(holds.release_while(&batch("b"), |_| true), vec![1]);
        assert!(holds.must_queue_behind(&batch("b")), "a new item must not overtake the released one");
        holds.push(batch("b"), later, 2);
        assert!(!holds.begin_release(&batch("b")), "one release at a time");
        assert_eq!(holds.idle_keys().count(), 0);
        holds.end_release(&batch("b"));
        assert_eq!(holds.idle_keys().collect::<Vec<_>>(), vec![&batch("b")]);
        assert!(holds.begin_release(&batch("b")));
    }
}
