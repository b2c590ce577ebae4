//! Events waiting for the owner of their batch or class, queued per key so that a later event
//! for the same key never overtakes an earlier one, and each with a deadline.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::contracts::OwnerKey;

/// Held items of type `T`, bounded in count.
#[derive(Debug)]
pub struct Holds<T> {
    queues: HashMap<OwnerKey, VecDeque<Held<T>>>,
    len: usize,
    capacity: usize,
}

/// One waiting item.
#[derive(Debug)]
pub struct Held<T> {
    /// When it stops waiting and is dead-lettered.
    pub deadline: Instant,
    /// The waiting item.
    pub item: T,
}

impl<T> Holds<T> {
    /// Room for `capacity` items in all.
    pub fn new(capacity: usize) -> Holds<T> {
        Holds { queues: HashMap::new(), len: 0, capacity }
    }

    /// Whether events for `key` are already waiting (a new one must queue behind them).
    pub fn is_waiting(&self, key: &OwnerKey) -> bool {
        self.queues.contains_key(key)
    }

    /// Whether another item fits.
    pub fn has_room(&self) -> bool {
        self.len < self.capacity
    }

    /// Queues `item` behind the others for `key`; the caller checks [`Self::has_room`] first.
    pub fn push(&mut self, key: OwnerKey, deadline: Instant, item: T) {
        self.queues.entry(key).or_default().push_back(Held { deadline, item });
        self.len += 1;
    }

    /// Takes every item waiting for `key`, oldest first.
    pub fn release(&mut self, key: &OwnerKey) -> Vec<T> {
        let released: Vec<T> = self.queues.remove(key).into_iter().flatten().map(|h| h.item).collect();
        self.len -= released.len();
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
        expired
    }

    /// Drops the items `keep` refuses (e.g. those of a revoked partition).
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let mut dropped = 0;
        self.queues.retain(|_, queue| {
            let before = queue.len();
            queue.retain(|h| keep(&h.item));
            dropped += before - queue.len();
            !queue.is_empty()
        });
        self.len -= dropped;
    }

    /// Keys with waiting items.
    pub fn keys(&self) -> impl Iterator<Item = &OwnerKey> {
        self.queues.keys()
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

    #[test]
    fn items_for_a_key_are_released_in_the_order_they_were_held() {
        let mut holds = Holds::new(10);
        let later = Instant::now() + Duration::from_secs(60);
        holds.push(batch("b"), later, 1);
        holds.push(batch("other"), later, 9);
        holds.push(batch("b"), later, 2);
        assert!(holds.is_waiting(&batch("b")));
        assert_eq!(holds.release(&batch("b")), vec![1, 2]);
        assert!(!holds.is_waiting(&batch("b")));
        assert_eq!(holds.len(), 1);
    }

    #[test]
    fn expired_items_leave_and_fresh_ones_stay() {
        let mut holds = Holds::new(10);
        let now = Instant::now();
        holds.push(batch("b"), now, 1);
        holds.push(batch("b"), now + Duration::from_secs(60), 2);
        assert_eq!(holds.expire(now), vec![(batch("b"), 1)]);
        assert_eq!(holds.len(), 1);
        assert!(holds.is_waiting(&batch("b")));
    }

    #[test]
    fn the_count_is_bounded_and_retain_frees_room() {
        let mut holds = Holds::new(2);
        let later = Instant::now() + Duration::from_secs(60);
        holds.push(batch("a"), later, 1);
        holds.push(batch("b"), later, 2);
        assert!(!holds.has_room());
        holds.retain(|item| *item != 1);
        assert!(holds.has_room());
        assert!(!holds.is_waiting(&batch("a")));
    }
}
