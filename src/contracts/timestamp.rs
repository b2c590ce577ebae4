//! Date-times as the platform writes them, and as the hub writes them back.
//!
//! In: ISO 8601 with `Z`, with an offset, or naive (no offset, taken as
//! UTC, as some DB-sourced values are), with or without a fraction; also a
//! Unix epoch number, which Pydantic's lax mode accepts for every datetime
//! field (seconds, or milliseconds when its magnitude is over 2e10, Pydantic's
//! own cut-off).
//!
//! Out: the Python `isoformat()` form the legacy Redis messages use
//! (`+00:00`) and the platform's own Kafka form (`Z`). Both print the
//! fraction as exactly six digits, and only when the microseconds are not
//! zero.

use std::fmt::{self, Write};

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A UTC instant read from a datetime field of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timestamp(pub(crate) DateTime<Utc>);

/// Python `datetime.isoformat()` of a UTC datetime:
/// `2025-11-18T13:42:10.278204+00:00`, or `2025-11-18T13:42:10+00:00`.
pub(crate) fn python_isoformat(instant: &DateTime<Utc>) -> String {
    format_utc(instant, "+00:00")
}

/// RFC 3339 with `Z`, as the platform serializes UTC datetimes on Kafka:
/// `2025-11-18T13:42:10.278204Z`, or `2025-11-18T13:42:10Z`.
pub fn rfc3339_z(instant: &DateTime<Utc>) -> String {
    format_utc(instant, "Z")
}

fn format_utc(instant: &DateTime<Utc>, suffix: &str) -> String {
    // Python has no leap seconds: chrono's leap-second nanos fold into the
    // last microsecond.
    let micros = instant.timestamp_subsec_micros().min(999_999);
    // Every notification gets a timestamp, so this runs once per publish: the
    // fields are written directly rather than through a strftime pattern,
    // which chrono parses again on every call. Years outside 0..=9999, which
    // Python cannot hold either, keep chrono's signed form.
    let mut text = if (0..=9999).contains(&instant.year()) {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            instant.year(),
            instant.month(),
            instant.day(),
            instant.hour(),
            instant.minute(),
            instant.second()
        )
    } else {
        instant.format("%Y-%m-%dT%H:%M:%S").to_string()
    };
    if micros != 0 {
        write!(text, ".{micros:06}").expect("writing to a String cannot fail");
    }
    text.push_str(suffix);
    text
}

/// Parses an ISO 8601 date-time; a value without an offset is UTC.
pub(crate) fn parse_iso8601(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(aware) = DateTime::parse_from_rfc3339(text) {
        return Some(aware.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Epoch values above this magnitude are milliseconds (Pydantic's rule).
const MILLISECONDS_ABOVE: i64 = 20_000_000_000;

/// An integer epoch, exactly.
fn from_epoch_integer(value: i64) -> Option<DateTime<Utc>> {
    if value.unsigned_abs() > MILLISECONDS_ABOVE.unsigned_abs() {
        DateTime::from_timestamp_millis(value)
    } else {
        DateTime::from_timestamp(value, 0)
    }
}

/// A fractional epoch, to the microsecond.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn from_epoch(value: f64) -> Option<DateTime<Utc>> {
    let seconds = if value.abs() > MILLISECONDS_ABOVE as f64 { value / 1000.0 } else { value };
    let micros = (seconds * 1e6).round();
    // NaN, infinite or this large is no date, and the cast would saturate.
    if !micros.is_finite() || micros.abs() >= 9.0e18 {
        return None;
    }
    DateTime::from_timestamp_micros(micros as i64)
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor).map(Timestamp)
    }
}

struct TimestampVisitor;

impl TimestampVisitor {
    /// The instant an epoch number gave, or `invalid_data` if it gave none.
    fn epoch<E: de::Error>(
        self,
        instant: Option<DateTime<Utc>>,
        unexpected: de::Unexpected<'_>,
    ) -> Result<DateTime<Utc>, E> {
        instant.ok_or_else(|| E::invalid_value(unexpected, &self))
    }
}

impl Visitor<'_> for TimestampVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO 8601 date-time or a Unix timestamp")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse_iso8601(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        self.epoch(from_epoch_integer(value), de::Unexpected::Signed(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        let instant = i64::try_from(value).ok().and_then(from_epoch_integer);
        self.epoch(instant, de::Unexpected::Unsigned(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        self.epoch(from_epoch(value), de::Unexpected::Float(value))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Timelike, Utc};

    use super::{from_epoch, from_epoch_integer, parse_iso8601, python_isoformat, rfc3339_z};

    #[test]
    fn a_leap_second_folds_into_the_last_microsecond_of_the_minute() {
        // chrono holds 23:59:60.5 as 23:59:59 with 1.5 s of nanoseconds; Python has no :60.
        let leap = Utc.with_ymd_and_hms(2016, 12, 31, 23, 59, 59).unwrap().with_nanosecond(1_500_000_000).unwrap();
        assert_eq!(rfc3339_z(&leap), "2016-12-31T23:59:59.999999Z");
    }

    /// What `format_utc` wrote when it went through chrono's strftime for every call.
    fn through_strftime(instant: &chrono::DateTime<Utc>) -> String {
        let micros = instant.timestamp_subsec_micros().min(999_999);
        let seconds = instant.format("%Y-%m-%dT%H:%M:%S");
        if micros == 0 {
            format!("{seconds}Z")
        } else {
            format!("{seconds}.{micros:06}Z")
        }
    }

    #[test]
    fn the_direct_format_writes_what_strftime_writes_from_year_1_to_beyond_9999_outside_leap_seconds() {
        let first = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap().timestamp();
        let last = Utc.with_ymd_and_hms(10_001, 12, 31, 23, 59, 59).unwrap().timestamp();
        // A prime step in seconds walks through every field's values; the micros vary too.
        let mut seconds = first;
        let mut micros = 0;
        while seconds <= last {
            let instant = Utc.timestamp_opt(seconds, micros * 1000).unwrap();
            assert_eq!(rfc3339_z(&instant), through_strftime(&instant));
            seconds += 86_400 * 37 + 3_607;
            micros = (micros + 99_991) % 1_000_000;
        }
    }

    #[test]
    fn isoformat_keeps_trailing_zeros_of_a_non_zero_fraction() {
        let instant = Utc.with_ymd_and_hms(2025, 11, 18, 13, 42, 10).unwrap().with_nanosecond(120_000_000).unwrap();
        assert_eq!(python_isoformat(&instant), "2025-11-18T13:42:10.120000+00:00");
        assert_eq!(rfc3339_z(&instant), "2025-11-18T13:42:10.120000Z");
    }

    #[test]
    fn isoformat_leaves_out_a_zero_fraction() {
        let instant = Utc.with_ymd_and_hms(2025, 11, 18, 13, 42, 10).unwrap();
        assert_eq!(python_isoformat(&instant), "2025-11-18T13:42:10+00:00");
        assert_eq!(rfc3339_z(&instant), "2025-11-18T13:42:10Z");
    }

    #[test]
    fn isoformat_truncates_below_a_microsecond() {
        let instant = parse_iso8601("2025-11-18T13:42:10.000000999Z").unwrap();
        assert_eq!(python_isoformat(&instant), "2025-11-18T13:42:10+00:00");
    }

    #[test]
    fn every_input_form_reads_as_the_same_instant() {
        let expected = parse_iso8601("2025-11-18T13:42:10.278204Z").unwrap();
        for text in [
            "2025-11-18T13:42:10.278204+00:00",
            "2025-11-18T14:42:10.278204+01:00",
            "2025-11-18T13:42:10.278204",
            "2025-11-18 13:42:10.278204",
        ] {
            assert_eq!(parse_iso8601(text), Some(expected), "{text}");
        }
        assert_eq!(parse_iso8601("2025-11-18T13:42:10"), Some(Utc.with_ymd_and_hms(2025, 11, 18, 13, 42, 10).unwrap()));
        assert_eq!(parse_iso8601("18/11/2025"), None);
    }

    #[test]
    fn epoch_numbers_are_seconds_or_milliseconds_like_pydantic() {
        let seconds = Utc.timestamp_opt(1_763_473_330, 0).unwrap();
        assert_eq!(from_epoch_integer(1_763_473_330), Some(seconds));
        assert_eq!(from_epoch_integer(1_763_473_330_000), Some(seconds));
        assert_eq!(from_epoch(1_763_473_330.0), Some(seconds));
        assert_eq!(from_epoch(1_763_473_330_000.0), Some(seconds));
        assert_eq!(from_epoch(1_763_473_330.25), Some(Utc.timestamp_opt(1_763_473_330, 250_000_000).unwrap()));
        assert_eq!(from_epoch(f64::NAN), None);
        assert_eq!(from_epoch(f64::INFINITY), None);
    }
}
