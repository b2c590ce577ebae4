//! A decoded platform notification, resolved to its teacher, as the engine's [`Draft`].

use hub_actors::Draft;

use crate::contracts::Notification;

/// The draft of `notification` for `user_id`, with the Python-compatible `data` object and the
/// content-derived dedupe key (see [`Notification::dedupe_key`]).
pub fn draft(notification: &Notification, user_id: &str) -> Draft {
    let data = serde_json::value::to_raw_value(&notification.legacy_data()).expect("a JSON map serialises");
    Draft {
        user_id: user_id.into(),
        event: notification.event.clone(),
        category: Some(notification.category.as_str().to_owned()),
        priority: notification.priority.as_str().to_owned(),
        timestamp: notification.frame_timestamp(),
        correlation_id: Some(notification.correlation_id.clone()),
        data,
        dedupe_key: Some(notification.dedupe_key()),
    }
}
