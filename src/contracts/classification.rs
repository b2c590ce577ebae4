//! What a notification is, apart from whom it is for: its name, grouping, urgency and whether
//! the teacher must act. A topic's row fixes it, or the event names it itself.

use std::borrow::Cow;

use crate::contracts::category::Category;
use crate::contracts::priority::Priority;

/// What a notification is: its name, grouping, urgency and whether the
/// teacher must act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Notification name sent to the dashboard.
    pub event: Cow<'static, str>,
    /// UI grouping.
    pub category: Category,
    /// Delivery urgency (for table rows: the usual one; see
    /// [`crate::contracts::TopicSpec::priority_note`]).
    pub priority: Priority,
    /// Whether the teacher has to do something.
    pub action_required: bool,
}
