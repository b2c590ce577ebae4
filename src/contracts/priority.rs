//! `NotificationPriority`: how urgently a notification must reach the teacher.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Delivery urgency, from most to least urgent (EVENTS.md §5).
    pub enum Priority ("priority") {
        /// Action needed within 24 h; no platform emitter uses it yet.
        Critical = "critical",
        /// Errors, failures and denials that need prompt attention.
        Immediate = "immediate",
        /// Important but not urgent, e.g. processing complete.
        High = "high",
        /// Normal progress updates.
        Standard = "standard",
        /// Informational only.
        Low = "low",
    }
}

#[cfg(test)]
mod tests {
    use super::Priority;

    #[test]
    fn parses_and_prints_the_wire_value() {
        assert_eq!("immediate".parse::<Priority>(), Ok(Priority::Immediate));
        assert_eq!(Priority::Immediate.as_str(), "immediate");
        assert_eq!(serde_json::to_string(&Priority::Low).unwrap(), "\"low\"");
        assert_eq!(serde_json::from_str::<Priority>("\"high\"").unwrap(), Priority::High);
    }

    #[test]
    fn an_unknown_value_is_named_in_the_error() {
        let error = "urgent".parse::<Priority>().unwrap_err();
        assert_eq!(error.to_string(), "unknown priority `urgent`");
        assert!(serde_json::from_str::<Priority>("\"Immediate\"").is_err());
    }
}
