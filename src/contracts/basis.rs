//! How much an event's ownership facts prove: that the user owns the batch or class, or only
//! that the user acted on it.

/// What an ownership fact rests on; one per topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The event states who owns the batch or class: its creation, or an event that names its
    /// owner as such. The fact replaces what was known (the latest wins).
    Owner,
    /// The event names only who acted on the batch or class (who uploaded a file, added a
    /// student, confirmed a link). The fact fills a gap; it never replaces a known owner, and
    /// one that names someone else is a conflict.
    Actor,
}

impl Basis {
    /// The words of the README's topic table.
    pub fn describe(self) -> &'static str {
        match self {
            Basis::Owner => "establishes the owner",
            Basis::Actor => "names who acted: only when no owner is known",
        }
    }
}
