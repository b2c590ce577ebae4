//! `FileValidationErrorCode`: why file_service rejected an uploaded file.

use crate::contracts::string_enum::string_enum;

string_enum! {
    /// Reasons an uploaded file fails validation.
    pub enum FileValidationErrorCode ("file validation error code") {
        /// The extracted text is empty.
        EmptyContent = "EMPTY_CONTENT",
        /// The text is below the minimum length.
        ContentTooShort = "CONTENT_TOO_SHORT",
        /// The text is above the maximum length.
        ContentTooLong = "CONTENT_TOO_LONG",
        /// The raw upload could not be stored.
        RawStorageFailed = "RAW_STORAGE_FAILED",
        /// No text could be extracted.
        TextExtractionFailed = "TEXT_EXTRACTION_FAILED",
        /// The file is encrypted.
        EncryptedFileUnsupported = "ENCRYPTED_FILE_UNSUPPORTED",
        /// Anything else.
        UnknownValidationError = "UNKNOWN_VALIDATION_ERROR",
    }
}
