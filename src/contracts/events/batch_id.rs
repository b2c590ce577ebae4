//! Finding the batch id in events that carry it as a generic entity id.

use crate::contracts::error::DecodeError;
use crate::contracts::user::require_id;

/// The first non-blank candidate, else `invalid_data` on `field` (the
/// preferred location), since without a batch there is no one to notify.
pub(crate) fn batch_id_from(
    field: &str,
    candidates: impl IntoIterator<Item = Option<String>>,
) -> Result<String, DecodeError> {
    let found = candidates.into_iter().flatten().find(|id| !id.trim().is_empty()).unwrap_or_default();
    require_id(field, found)
}
