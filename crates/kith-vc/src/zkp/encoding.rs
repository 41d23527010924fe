//! Claims to messages: which leaves of `credentialSubject` are claims, in which order,
//! and how each value becomes a field element (docs/zk-predicates.md §3).
//!
//! Dates, date-times and numbers map to `u64` in an order-preserving way, so a range
//! proof on the integer is a predicate on the claim; every other value is hashed to
//! the field and can only be disclosed.

use ark_bls12_381::Fr;
use ark_ff::PrimeField;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha512};

use super::ZkpError;

/// Most claims one credential may have (each is one BBS message).
pub const MAX_CLAIMS: usize = 256;

/// Days from 0001-01-01 to 1970-01-01: a date is `days since 1970-01-01 + DATE_OFFSET`,
/// so 0001-01-01 is 0.
pub const DATE_OFFSET: i64 = 719_162;
/// Seconds from 0001-01-01T00:00:00Z to 1970-01-01T00:00:00Z.
pub const DATE_TIME_OFFSET: i64 = DATE_OFFSET * 86_400;
/// Numbers are fixed-point with six decimal digits: `x * 10^6 + NUMBER_OFFSET`.
pub const NUMBER_SCALE: i128 = 1_000_000;
/// 2^63: the encoded zero of numbers.
pub const NUMBER_OFFSET: i128 = 1 << 63;
/// Largest `|x * 10^6|` a number claim may have to be range-provable (2^62 - 1); larger
/// ones are opaque. Keeps every encoding below `u64::MAX`.
pub const NUMBER_LIMIT: i128 = (1 << 62) - 1;

/// The Julian day number of 0001-01-01 (proleptic Gregorian).
const JULIAN_DAY_0001_01_01: i64 = 1_721_426;

/// How a claim's value is encoded, decided by the issuer from the value and signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimKind {
    /// `YYYY-MM-DD` (xsd:date without time zone): days since 0001-01-01.
    Date,
    /// `YYYY-MM-DDThh:mm:ssZ` (xsd:dateTimeStamp, UTC, whole seconds): seconds since
    /// 0001-01-01T00:00:00Z.
    DateTime,
    /// A JSON number with at most six decimals and `|x| < 2^62 / 10^6`: fixed point.
    Number,
    /// Anything else: a hash of its JCS form. Disclosable, never in a predicate.
    Opaque,
}

impl ClaimKind {
    /// The name used in proofs: `date`, `dateTime`, `number`, `opaque`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::DateTime => "dateTime",
            Self::Number => "number",
            Self::Opaque => "opaque",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Date, Self::DateTime, Self::Number, Self::Opaque]
            .into_iter()
            .find(|kind| kind.name() == name)
    }

    /// Whether claims of this kind can be range-proven.
    pub fn is_ordered(self) -> bool {
        self != Self::Opaque
    }

    /// The kind the issuer gives `value`.
    pub fn of(value: &Value) -> Self {
        match value {
            Value::String(text) if date(text).is_some() => Self::Date,
            Value::String(text) if date_time(text).is_some() => Self::DateTime,
            Value::Number(_) if number(value).is_some() => Self::Number,
            _ => Self::Opaque,
        }
    }
}

/// One claim: a leaf of `credentialSubject`, named by its JSON pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The RFC 6901 pointer from the credential's root, e.g. `/credentialSubject/birthDate`.
    pub pointer: String,
    /// How its value is encoded.
    pub kind: ClaimKind,
    /// The value.
    pub value: Value,
}

/// `YYYY-MM-DD` → days since 0001-01-01, for years 0001 to 9999 and real dates only.
pub fn date(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if year == 0 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    u64::try_from(i64::from(date.to_julian_day()) - JULIAN_DAY_0001_01_01).ok()
}

/// A canonical UTC date-time with whole seconds (`2008-11-28T13:45:00Z`) → seconds
/// since 0001-01-01T00:00:00Z. Other spellings of an instant are not date-times here,
/// so each encoded value has one string.
pub fn date_time(text: &str) -> Option<u64> {
    let instant = crate::datetime::parse_date_time_stamp(text).ok()?;
    if instant.nanosecond() != 0 || instant.year() < 1 {
        return None;
    }
    if crate::datetime::format_date_time(instant) != text {
        return None;
    }
    u64::try_from(instant.unix_timestamp().checked_add(DATE_TIME_OFFSET)?).ok()
}

/// A JSON number → `x * 10^6 + 2^63`, when that is exact and `|x * 10^6| < 2^62`.
///
/// Works on the number's RFC 8785 text, so it is exact for every double JSON holds.
pub fn number(value: &Value) -> Option<u64> {
    if !value.is_number() {
        return None;
    }
    let text = String::from_utf8(crate::jcs::canonicalize(value)).ok()?;
    let scaled = scaled_decimal(&text)?;
    if scaled.abs() > NUMBER_LIMIT {
        return None;
    }
    u64::try_from(scaled + NUMBER_OFFSET).ok()
}

/// `-?digits(.digits)?(e[+-]?digits)?` times 10^6, when that is an integer that fits.
fn scaled_decimal(text: &str) -> Option<i128> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], rest[at + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    // Doubles have at most 17 significant digits; more than 30 cannot be exact here.
    if digits.len() > 30 {
        return None;
    }
    let mut value: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let shift = exponent
        .checked_sub(i32::try_from(fraction.len()).ok()?)?
        .checked_add(6)?;
    if shift >= 0 {
        if value != 0 {
            for _ in 0..shift {
                value = value.checked_mul(10)?;
                if value > NUMBER_LIMIT {
                    return None;
                }
            }
        }
    } else {
        let divisor = 10_i128.checked_pow(shift.unsigned_abs())?;
        if value % divisor != 0 {
            return None;
        }
        value /= divisor;
    }
    Some(if negative { -value } else { value })
}

/// The `u64` of a value of an ordered kind; `None` when the value is not of that kind.
pub fn ordered(kind: ClaimKind, value: &Value) -> Option<u64> {
    match (kind, value) {
        (ClaimKind::Date, Value::String(text)) => date(text),
        (ClaimKind::DateTime, Value::String(text)) => date_time(text),
        (ClaimKind::Number, Value::Number(_)) => number(value),
        _ => None,
    }
}

/// Hash to the field: SHA-512 of a domain tag and `bytes`, reduced mod r.
pub fn hash_to_field(tag: &[u8], bytes: &[u8]) -> Fr {
    let mut hasher = Sha512::new();
    hasher.update((tag.len() as u64).to_be_bytes());
    hasher.update(tag);
    hasher.update(bytes);
    Fr::from_le_bytes_mod_order(&hasher.finalize())
}

/// The message of a claim of `kind` with `value`.
pub fn message(kind: ClaimKind, value: &Value) -> Result<Fr, ZkpError> {
    if kind == ClaimKind::Opaque {
        return Ok(hash_to_field(
            b"kith-zkp-2026/opaque",
            &crate::jcs::canonicalize(value),
        ));
    }
    ordered(kind, value).map(Fr::from).ok_or_else(|| {
        ZkpError::InvalidProof(format!("the value {value} is not a {}", kind.name()))
    })
}

/// RFC 6901 escaping of one reference token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The reference tokens of a pointer, unescaped; `None` for a malformed pointer.
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                match c {
                    '~' => match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return None,
                    },
                    other => out.push(other),
                }
            }
            Some(out)
        })
        .collect()
}

/// The claims of a credential subject object, sorted by pointer (bytewise). Objects are
/// walked; every other value (arrays and empty objects too) is one claim.
pub fn claims(subject: &Map<String, Value>) -> Result<Vec<Claim>, ZkpError> {
    let mut out = Vec::new();
    walk(subject, "/credentialSubject", &mut out)?;
    out.sort_by(|a, b| a.pointer.as_bytes().cmp(b.pointer.as_bytes()));
    Ok(out)
}

fn walk(object: &Map<String, Value>, prefix: &str, out: &mut Vec<Claim>) -> Result<(), ZkpError> {
    for (name, value) in object {
        let pointer = format!("{prefix}/{}", escape(name));
        match value {
            Value::Object(inner) if !inner.is_empty() => walk(inner, &pointer, out)?,
            leaf => {
                if out.len() == MAX_CLAIMS {
                    return Err(ZkpError::InvalidCredential(format!(
                        "more than {MAX_CLAIMS} claims"
                    )));
                }
                out.push(Claim {
                    kind: ClaimKind::of(leaf),
                    pointer,
                    value: leaf.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Puts `value` at `pointer` (below `/credentialSubject`) into `subject`, creating the
/// objects on the way.
pub fn insert(
    subject: &mut Map<String, Value>,
    pointer: &str,
    value: Value,
) -> Result<(), ZkpError> {
    let bad = || ZkpError::UnknownClaim(format!("{pointer:?} is not a claim pointer"));
    let tokens = tokens(pointer).ok_or_else(bad)?;
    let (first, path) = tokens.split_first().ok_or_else(bad)?;
    let (last, middle) = path.split_last().ok_or_else(bad)?;
    if first != "credentialSubject" {
        return Err(bad());
    }
    let mut object = subject;
    for token in middle {
        let entry = object
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        object = entry.as_object_mut().ok_or_else(bad)?;
    }
    object.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn dates_count_days_from_year_one() {
        assert_eq!(date("0001-01-01"), Some(0));
        assert_eq!(date("1970-01-01"), Some(719_162));
        assert_eq!(date("1970-01-02"), Some(719_163));
        assert_eq!(date("2008-11-28"), Some(719_162 + 14_211));
        for bad in [
            "2008-02-30",
            "0000-01-01",
            "2008-1-28",
            "2008-11-28Z",
            "+008-11-28",
            "２００８-11-28",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
        assert_eq!(ClaimKind::of(&json!("2008-11-28")), ClaimKind::Date);
        assert_eq!(ClaimKind::of(&json!("Alice")), ClaimKind::Opaque);
    }

    #[test]
    fn date_times_are_canonical_utc_seconds() {
        assert_eq!(date_time("1970-01-01T00:00:00Z"), Some(62_135_596_800));
        assert_eq!(date_time("1970-01-01T00:00:01Z"), Some(62_135_596_801));
        assert_eq!(date_time("1970-01-01T00:00:00+00:00"), None);
        assert_eq!(date_time("1970-01-01T00:00:00.5Z"), None);
        assert_eq!(date_time("1970-01-01"), None);
    }

    #[test]
    fn numbers_are_exact_fixed_point() {
        let off = NUMBER_OFFSET;
        let n = |v: Value| number(&v).map(|x| i128::from(x) - off);
        assert_eq!(n(json!(0)), Some(0));
        assert_eq!(n(json!(-0.0)), Some(0));
        assert_eq!(n(json!(18)), Some(18_000_000));
        assert_eq!(n(json!(-2.5)), Some(-2_500_000));
        assert_eq!(n(json!(0.000001)), Some(1));
        assert_eq!(n(json!(1e-7)), None);
        assert_eq!(n(json!(1e12)), Some(1_000_000_000_000_000_000));
        assert_eq!(n(json!(1e13)), None);
        assert_eq!(n(json!("18")), None);
        assert_eq!(ClaimKind::of(&json!(1e13)), ClaimKind::Opaque);
        assert_eq!(ClaimKind::of(&json!(true)), ClaimKind::Opaque);
    }

    #[test]
    fn claims_are_sorted_leaves() {
        let subject = json!({"name": "A", "b/c": {"d~": 1, "e": {}}, "list": [1, 2]});
        let claims = claims(subject.as_object().unwrap()).unwrap();
        let pointers: Vec<&str> = claims.iter().map(|c| c.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/credentialSubject/b~1c/d~0",
                "/credentialSubject/b~1c/e",
                "/credentialSubject/list",
                "/credentialSubject/name"
            ]
        );
        let mut rebuilt = Map::new();
        for claim in &claims {
            insert(&mut rebuilt, &claim.pointer, claim.value.clone()).unwrap();
        }
        assert_eq!(Value::Object(rebuilt), subject);
        assert_eq!(tokens("/a~2"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn date_encoding_preserves_order(a in 1i32..=3_652_058, b in 1i32..=3_652_058) {
            // Julian days of 0001-01-01 .. 9999-12-31
            let day = |n: i32| time::Date::from_julian_day(n + 1_721_425).unwrap();
            let (da, db) = (day(a), day(b));
            let text = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
            let (ea, eb) = (date(&text(da)).unwrap(), date(&text(db)).unwrap());
            prop_assert_eq!(da.cmp(&db), ea.cmp(&eb));
        }

        #[test]
        fn date_time_encoding_preserves_order(a in -62_135_596_800i64..253_402_300_799, b in -62_135_596_800i64..253_402_300_799) {
            let text = |s: i64| crate::datetime::format_date_time(time::OffsetDateTime::from_unix_timestamp(s).unwrap());
            let (ea, eb) = (date_time(&text(a)).unwrap(), date_time(&text(b)).unwrap());
            prop_assert_eq!(a.cmp(&b), ea.cmp(&eb));
        }

        #[test]
        fn integer_encoding_preserves_order(a in -4_611_686_018_427i64..4_611_686_018_427, b in -4_611_686_018_427i64..4_611_686_018_427) {
            let (ea, eb) = (number(&json!(a)).unwrap(), number(&json!(b)).unwrap());
            prop_assert_eq!(a.cmp(&b), ea.cmp(&eb));
        }

        #[test]
        fn decimal_encoding_preserves_order(a in -4_000_000_000_000_000i64..4_000_000_000_000_000, b in -4_000_000_000_000_000i64..4_000_000_000_000_000) {
            // a / 10^6 written with six decimals, parsed as a JSON number (a double)
            let text = |n: i64| {
                let sign = if n < 0 { "-" } else { "" };
                let m = n.unsigned_abs();
                format!("{sign}{}.{:06}", m / 1_000_000, m % 1_000_000)
            };
            let va: Value = serde_json::from_str(&text(a)).unwrap();
            let vb: Value = serde_json::from_str(&text(b)).unwrap();
            if let (Some(ea), Some(eb)) = (number(&va), number(&vb)) {
                let (fa, fb) = (va.as_f64().unwrap(), vb.as_f64().unwrap());
                prop_assert_eq!(fa.partial_cmp(&fb).unwrap(), ea.cmp(&eb));
            }
        }
    }
}
