//! `StudentCreatedV1`: a student was added to the roster of one or more
//! classes. Becomes `student_added_to_class`, the notification
//! class_management_service sends (to the owner of the first class; the
//! hub sends it to the teacher who added the student).

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{count, payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;
use crate::contracts::uuid::Uuid;

#[derive(Deserialize)]
pub(crate) struct StudentCreatedV1 {
    /// The new student.
    student_id: String,
    /// Shown to the teacher.
    first_name: String,
    /// Shown to the teacher.
    last_name: String,
    /// The classes the student joined; the first one is linked.
    class_ids: Vec<String>,
    /// The teacher who added the student: the recipient.
    created_by_user_id: String,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When the student was created.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for StudentCreatedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.created_by_user_id", self.created_by_user_id)?;
        let student_name = format!("{} {}", self.first_name, self.last_name);
        let message = match self.class_ids.len() {
            0 => format!("Student '{student_name}' created"),
            1 => format!("Student '{student_name}' added to class"),
            n => format!("Student '{student_name}' added to {}", count(n, "class", "classes")),
        };
        let first_class = self.class_ids.first().cloned();
        let payload = payload! {
            "student_id" => self.student_id,
            "student_name" => student_name,
            "class_id" => first_class.clone(),
            "class_ids" => self.class_ids.clone(),
            "message" => message,
        };
        // Adding a student to a class is done by that class's teacher.
        let parts = NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .class(first_class)
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0));
        Ok(self.class_ids.into_iter().fold(parts, |parts, class_id| parts.learns(OwnerKey::Class(class_id), &user_id)))
    }
}
