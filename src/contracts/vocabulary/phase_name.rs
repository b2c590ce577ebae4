//! `PhaseName`: one step of the processing pipeline.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Pipeline phases a batch goes through.
    pub enum PhaseName ("phase name") {
        /// Spelling correction.
        Spellcheck = "spellcheck",
        /// AI-written feedback.
        AiFeedback = "ai_feedback",
        /// Comparative-judgement ranking.
        CjAssessment = "cj_assessment",
        /// NLP analysis.
        Nlp = "nlp",
        /// Matching essays to their student authors.
        StudentMatching = "student_matching",
    }
}
