//! Timestamps: XML Schema `dateTimeStamp` (VCDM 2.0 §4.9) and the injectable clock.

use std::sync::Arc;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;

/// Parses an XML Schema 1.1 `dateTimeStamp`: a date and time with a mandatory
/// timezone, `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`, upper-case `T` and `Z`.
pub fn parse_date_time_stamp(text: &str) -> Result<OffsetDateTime, String> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && (text.ends_with('Z') || matches!(bytes[bytes.len() - 6], b'+' | b'-'));
    if !shape_ok {
        return Err(format!(
            "{text:?} is not an XML Schema dateTimeStamp (YYYY-MM-DDThh:mm:ssZ, with a timezone)"
        ));
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("{text:?} is not a valid date and time: {e}"))
}

/// Like [`parse_date_time_stamp`], naming the property in the error.
pub(crate) fn property_time(name: &str, text: &str) -> Result<OffsetDateTime, Error> {
    parse_date_time_stamp(text)
        .map_err(|reason| Error::model("invalid_date", format!("{name}: {reason}")))
}

/// Formats a time as `YYYY-MM-DDThh:mm:ssZ`.
pub fn format_date_time(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// A source of the current time, so verification can be run "as of" any instant
/// and tested without sleeping.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// The default clock, shared.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requires_a_timezone_and_upper_case() {
        assert!(parse_date_time_stamp("2024-01-01T00:00:00Z").is_ok());
        assert!(parse_date_time_stamp("2024-01-01T00:00:00.123+02:00").is_ok());
        assert!(parse_date_time_stamp("2024-01-01T00:00:00").is_err());
        assert!(parse_date_time_stamp("2024-01-01t00:00:00z").is_err());
        assert!(parse_date_time_stamp("2024-13-01T00:00:00Z").is_err());
        assert!(parse_date_time_stamp("2024-01-01").is_err());
    }
}
