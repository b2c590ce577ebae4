//! Platform enums that appear inside event data. They are validated on the
//! way in, as the platform's Pydantic models do, and copied into
//! notification payloads by their wire value.

mod association_validation_method;
mod batch_client_status;
mod batch_status;
mod course_code;
mod file_validation_error_code;
mod phase_name;

pub use association_validation_method::AssociationValidationMethod;
pub use batch_client_status::BatchClientStatus;
pub use batch_status::BatchStatus;
pub use course_code::CourseCode;
pub use file_validation_error_code::FileValidationErrorCode;
pub use phase_name::PhaseName;
