//! A decoded platform notification addressed to its teacher: the engine's [`Draft`], what the
//! bridge takes.

use hub_actors::Draft;

use crate::contracts::Notification;

/// `notification` addressed to `user_id`, with the Python-compatible `data` object and the
/// content-derived dedupe key (see [`Notification::dedupe_key`]).
pub fn address(notification: &Notification, user_id: &str) -> Draft {
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
