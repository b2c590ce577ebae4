//! `BatchAuthorMatchesSuggestedV1`: NLP's guesses at which student wrote
//! each essay of a batch. The teacher has to review and confirm them, so
//! the notification asks for action. Names no user: the class owner is
//! notified.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::contracts::error::DecodeError;
use crate::contracts::events::counts::Counts;
use crate::contracts::events::{payload, DomainEvent, NotificationParts};
use crate::contracts::recipient::{OwnerKey, Recipient};
use crate::contracts::timestamp::Timestamp;
use crate::contracts::user::require_id;
use crate::contracts::vocabulary::CourseCode;

#[derive(Deserialize)]
pub(crate) struct BatchAuthorMatchesSuggestedV1 {
    /// When NLP finished.
    #[serde(default)]
    timestamp: Option<Timestamp>,
    /// The batch whose essays were matched.
    batch_id: String,
    /// The class whose roster was matched against; its owner is notified.
    class_id: String,
    /// Course of the batch.
    course_code: CourseCode,
    /// One result per essay; counted by whether it has suggestions.
    match_results: Vec<EssayMatchResult>,
    /// NLP's own totals, passed on.
    processing_summary: Counts,
}

#[derive(Deserialize)]
struct EssayMatchResult {
    /// Candidate students, best first; only their presence is used.
    #[serde(default)]
    suggestions: Vec<IgnoredAny>,
}

impl DomainEvent for BatchAuthorMatchesSuggestedV1 {
    fn into_parts(self) -> Result<NotificationParts, DecodeError> {
        let class_id = require_id("data.class_id", self.class_id)?;
        let essays = self.match_results.len();
        let suggested = self.match_results.iter().filter(|result| !result.suggestions.is_empty()).count();
        let message =
            format!("Student matches suggested for {suggested} of {essays} essays: please review and confirm them");
        let payload = payload! {
            "batch_id" => self.batch_id.clone(),
            "class_id" => class_id.clone(),
            "course_code" => self.course_code.as_str(),
            "essay_count" => essays,
            "suggested_count" => suggested,
            "unmatched_count" => essays - suggested,
            "processing_summary" => self.processing_summary.0,
            "message" => message,
        };
        Ok(NotificationParts::new(Recipient::OwnerOf(OwnerKey::Class(class_id.clone())), payload)
            .batch(Some(self.batch_id))
            .class(Some(class_id))
            .at(self.timestamp.map(|timestamp| timestamp.0)))
    }
}
