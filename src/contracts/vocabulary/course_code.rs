//! `CourseCode`: the course a batch or class belongs to.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Course codes the platform knows.
    pub enum CourseCode ("course code") {
        /// English 5.
        Eng5 = "ENG5",
        /// English 6.
        Eng6 = "ENG6",
        /// English 7.
        Eng7 = "ENG7",
        /// Swedish 1.
        Sv1 = "SV1",
        /// Swedish 2.
        Sv2 = "SV2",
        /// Swedish 3.
        Sv3 = "SV3",
    }
}
