//! `AssociationValidationMethod`: who settled an essay-to-student link.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// How an essay's author was confirmed.
    pub enum AssociationValidationMethod ("association validation method") {
        /// A teacher confirmed it.
        Human = "human",
        /// Auto-confirmed when the review window expired.
        Timeout = "timeout",
        /// Confirmed automatically.
        Auto = "auto",
    }
}
