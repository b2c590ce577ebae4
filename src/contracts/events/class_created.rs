//! `ClassCreatedV1`: a teacher created a class. Becomes `class_created`,
//! the notification class_management_service sends.

use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_user;
use crate::contracts::uuid::Uuid;
use crate::contracts::vocabulary::CourseCode;

#[derive(Deserialize)]
pub(crate) struct ClassCreatedV1 {
    /// The new class.
    class_id: String,
    /// Its name, e.g. `NA23b Engelska 5`.
    class_designation: String,
    /// Courses taught in it.
    course_codes: Vec<CourseCode>,
    /// The teacher who created it: owner and recipient.
    user_id: String,
    /// The request chain.
    #[serde(default)]
    correlation_id: Option<Uuid>,
    /// When it was created.
    #[serde(default)]
    timestamp: Option<Timestamp>,
}

impl DomainEvent for ClassCreatedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let user_id = require_user("data.user_id", self.user_id)?;
        let message = format!("Class '{}' created successfully", self.class_designation);
        let course_codes: Vec<&str> = self.course_codes.iter().map(|code| code.as_str()).collect();
        let payload = payload! {
            "class_id" => self.class_id.clone(),
            "class_designation" => self.class_designation,
            "course_codes" => course_codes,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::User(user_id.clone()), payload)
            .class(Some(self.class_id.clone()))
            .correlation(self.correlation_id.map(Uuid::into_string))
            .at(self.timestamp.map(|timestamp| timestamp.0))
            .learns(OwnerKey::Class(self.class_id), &user_id))
    }
}
