//! Which offset of a partition may be committed: the lowest one not yet resolved.
//!
//! Messages resolve out of order (a held event waits for its owner while later ones are
//! delivered), so the commit position is not "the last offset processed" but the first gap.

use std::collections::BTreeSet;

/// Offsets of one partition in flight.
#[derive(Debug, Default, Clone)]
pub(super) struct Watermark {
    /// Offsets seen and not yet resolved.
    pending: BTreeSet<i64>,
    /// The offset after the highest one seen: where consumption would go on.
    next: Option<i64>,
}

impl Watermark {
    /// Starts tracking `offset`; `false` when it was already tracked.
    pub(super) fn begin(&mut self, offset: i64) -> bool {
        self.next = Some(self.next.map_or(offset + 1, |n| n.max(offset + 1)));
        self.pending.insert(offset)
    }

    /// `offset` is done (delivered, deduplicated, dead-lettered or dropped as stale).
    pub(super) fn resolve(&mut self, offset: i64) {
        self.pending.remove(&offset);
    }

    /// The offset to commit (Kafka commits the next offset to read): the lowest unresolved one,
    /// or one past the highest seen when all are resolved; `None` before any message.
    pub(super) fn commit_position(&self) -> Option<i64> {
        self.pending.first().copied().or(self.next)
    }

    /// How many offsets are unresolved.
    pub(super) fn in_flight(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commit_position_never_passes_an_unresolved_offset() {
        let mut w = Watermark::default();
        assert_eq!(w.commit_position(), None);
        for offset in 10..15 {
            w.begin(offset);
        }
        w.resolve(10);
        w.resolve(12);
        w.resolve(13);
        assert_eq!(w.commit_position(), Some(11), "11 is held: nothing after it is committed");
        w.resolve(11);
        assert_eq!(w.commit_position(), Some(14));
        w.resolve(14);
        assert_eq!(w.commit_position(), Some(15));
    }

    #[test]
    fn offsets_may_skip_as_with_compaction_or_transaction_markers() {
        let mut w = Watermark::default();
        w.begin(3);
        w.begin(7);
        w.resolve(3);
        w.resolve(7);
        assert_eq!(w.commit_position(), Some(8));
    }
}
