//! Predicates: `POINTER OP BOUND` with `<`, `<=`, `>`, `>=`, and what each proves: a
//! one-sided bound (at most or at least an integer) on the claim's encoded `u64`, also
//! given as a range `[min, max)`.

use serde_json::{Value, json};

use super::ZkpError;
use super::encoding::{self, ClaimKind};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// The operator as written: `<`, `<=`, `>`, `>=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }

    /// The operator written `symbol`.
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        [Self::Lt, Self::Le, Self::Gt, Self::Ge]
            .into_iter()
            .find(|op| op.symbol() == symbol)
    }

    /// The operator with its sides swapped (`a <= x` is `x >= a`).
    fn mirrored(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
        }
    }
}

/// A statement about one hidden claim: `claim op bound`.
///
/// The bound is a JSON value in the claim's own terms: a `YYYY-MM-DD` string for dates,
/// a canonical UTC date-time string for date-times, a number for numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// The claim's JSON pointer, e.g. `/credentialSubject/birthDate`.
    pub claim: String,
    /// The comparison.
    pub op: Op,
    /// The bound.
    pub bound: Value,
}

impl Predicate {
    /// `claim op bound`.
    pub fn new(claim: impl Into<String>, op: Op, bound: Value) -> Self {
        Self {
            claim: claim.into(),
            op,
            bound,
        }
    }

    /// Parses `POINTER OP VALUE` (`/credentialSubject/birthDate <= 2008-11-28`) or
    /// `LOW OP POINTER OP HIGH` (`18 <= /credentialSubject/age < 65`, two predicates).
    /// A value that reads as a JSON number is a number; anything else is a string.
    pub fn parse(text: &str) -> Result<Vec<Self>, ZkpError> {
        let bad = |why: &str| ZkpError::InvalidPredicate(format!("{text:?}: {why}"));
        let parts: Vec<&str> = text.split_whitespace().collect();
        let op = |s: &str| Op::from_symbol(s).ok_or_else(|| bad("operators are <, <=, >, >="));
        let pointer = |s: &str| {
            if s.starts_with('/') && encoding::tokens(s).is_some() {
                Ok(s.to_owned())
            } else {
                Err(bad(
                    "the claim must be a JSON pointer such as /credentialSubject/birthDate",
                ))
            }
        };
        match parts.as_slice() {
            [claim, o, bound] => Ok(vec![Self::new(pointer(claim)?, op(o)?, literal(bound))]),
            [low, o1, claim, o2, high] => {
                let (o1, o2) = (op(o1)?, op(o2)?);
                let increasing = matches!(o1, Op::Lt | Op::Le) && matches!(o2, Op::Lt | Op::Le);
                let decreasing = matches!(o1, Op::Gt | Op::Ge) && matches!(o2, Op::Gt | Op::Ge);
                if !increasing && !decreasing {
                    return Err(bad("a range needs two < / <= or two > / >="));
                }
                let claim = pointer(claim)?;
                Ok(vec![
                    Self::new(claim.clone(), o1.mirrored(), literal(low)),
                    Self::new(claim, o2, literal(high)),
                ])
            }
            _ => Err(bad(
                "expected POINTER OP VALUE, e.g. /credentialSubject/birthDate <= 2008-11-28",
            )),
        }
    }

    /// The predicate as JSON: `{"claim": …, "op": …, "value": …}`.
    pub fn to_json(&self) -> Value {
        json!({"claim": self.claim, "op": self.op.symbol(), "value": self.bound})
    }

    /// Reads [`Predicate::to_json`]'s form.
    pub fn from_json(value: &Value) -> Result<Self, ZkpError> {
        let bad = || {
            ZkpError::InvalidPredicate(format!(
                "{value} is not {{\"claim\": POINTER, \"op\": OP, \"value\": BOUND}}"
            ))
        };
        let object = value.as_object().ok_or_else(bad)?;
        if object.len() != 3 {
            return Err(bad());
        }
        let claim = object
            .get("claim")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let op = object
            .get("op")
            .and_then(Value::as_str)
            .and_then(Op::from_symbol)
            .ok_or_else(bad)?;
        let bound = object.get("value").ok_or_else(bad)?.clone();
        Ok(Self::new(claim, op, bound))
    }

    /// The range `[min, max)` of encoded values the predicate allows, for a claim of
    /// `kind`. The bound must be a value of that kind. Every encoding is below
    /// `u64::MAX`, so `u64::MAX` is an exclusive upper end above every value. One side
    /// is always open (`min` is 0 or `max` is `u64::MAX`): the proof is about the
    /// other one only.
    pub fn range(&self, kind: ClaimKind) -> Result<(u64, u64), ZkpError> {
        Ok(match self.bound(kind)? {
            Bound::AtMost(b) => (0, b.saturating_add(1)),
            Bound::AtLeast(b) => (b, u64::MAX),
        })
    }

    /// What the proof proves: the claim's encoded value is at most or at least an
    /// integer (`< b` is `<= b-1`, `> b` is `>= b+1`). A predicate no encoded value
    /// can satisfy (`< 0001-01-01`) is `invalid_predicate`.
    pub(crate) fn bound(&self, kind: ClaimKind) -> Result<Bound, ZkpError> {
        if !kind.is_ordered() {
            return Err(ZkpError::UnsupportedClaim(format!(
                "{} is {}: only dates, date-times and numbers can be compared",
                self.claim,
                kind.name()
            )));
        }
        let bound = encoding::ordered(kind, &self.bound).ok_or_else(|| {
            ZkpError::InvalidPredicate(format!(
                "the bound {} of {} is not a {}",
                self.bound,
                self.claim,
                kind.name()
            ))
        })?;
        // Every encoding is below u64::MAX: `b + 1` cannot overflow and `>= u64::MAX`
        // holds for no value.
        let bound = match self.op {
            Op::Lt => bound.checked_sub(1).map(Bound::AtMost),
            Op::Le => Some(Bound::AtMost(bound)),
            Op::Gt => bound.checked_add(1).map(Bound::AtLeast),
            Op::Ge => Some(Bound::AtLeast(bound)),
        };
        match bound {
            Some(Bound::AtLeast(u64::MAX)) | None => Err(ZkpError::InvalidPredicate(format!(
                "{self} holds for no value"
            ))),
            Some(bound) => Ok(bound),
        }
    }

    /// Whether the predicate holds for `value` (a claim of `kind`).
    pub fn holds(&self, kind: ClaimKind, value: &Value) -> Result<bool, ZkpError> {
        let bound = self.bound(kind)?;
        let encoded = encoding::ordered(kind, value).ok_or_else(|| {
            ZkpError::UnsupportedClaim(format!("{} is not a {}", self.claim, kind.name()))
        })?;
        Ok(bound.distance(encoded).is_some())
    }
}

/// A predicate as the proof sees it: the claim's encoded value `v` is at most or at
/// least an integer `b`. The proof shows that the distance `b - v` or `v - b`, taken
/// modulo the group order, is below 2^64 (docs/zk-predicates.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// `v <= b`
    AtMost(u64),
    /// `v >= b`
    AtLeast(u64),
}

impl Bound {
    /// The distance from `value` to the bound on the allowed side (`b - v` for
    /// [`Bound::AtMost`], `v - b` for [`Bound::AtLeast`]), or `None` when `value` is
    /// on the other side: the predicate is false.
    pub(crate) fn distance(self, value: u64) -> Option<u64> {
        match self {
            Self::AtMost(b) => b.checked_sub(value),
            Self::AtLeast(b) => value.checked_sub(b),
        }
    }

    /// The bound `b`.
    pub(crate) fn value(self) -> u64 {
        match self {
            Self::AtMost(b) | Self::AtLeast(b) => b,
        }
    }

    /// One byte naming the side, for the transcript and the statement tag: 0 for
    /// `<=`, 1 for `>=`.
    pub(crate) fn side(self) -> u8 {
        match self {
            Self::AtMost(_) => 0,
            Self::AtLeast(_) => 1,
        }
    }
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bound = match &self.bound {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        write!(f, "{} {} {}", self.claim, self.op.symbol(), bound)
    }
}

/// A bound as written on a command line: a JSON number, or else a string.
fn literal(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(number @ Value::Number(_)) => number,
        _ => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let [p] = Predicate::parse("/credentialSubject/birthDate <= 2008-11-28")
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(p.op, Op::Le);
        assert_eq!(p.bound, json!("2008-11-28"));
        assert_eq!(p.to_string(), "/credentialSubject/birthDate <= 2008-11-28");
        assert_eq!(Predicate::from_json(&p.to_json()).unwrap(), p);
        let two = Predicate::parse("18 <= /credentialSubject/age < 65").unwrap();
        assert_eq!(
            two[0],
            Predicate::new("/credentialSubject/age", Op::Ge, json!(18))
        );
        assert_eq!(
            two[1],
            Predicate::new("/credentialSubject/age", Op::Lt, json!(65))
        );
        for bad in ["age <= 3", "/a == 3", "/a <=", "1 < /a > 3"] {
            assert_eq!(
                Predicate::parse(bad).unwrap_err().code(),
                "invalid_predicate",
                "{bad}"
            );
        }
    }

    #[test]
    fn strict_operators_become_inclusive_bounds_one_step_in() {
        let date = |op, b: &str| Predicate::new("/credentialSubject/d", op, json!(b));
        let cut = encoding::date("2008-11-28").unwrap();
        let bound = |op| date(op, "2008-11-28").bound(ClaimKind::Date).unwrap();
        assert_eq!(bound(Op::Le), Bound::AtMost(cut));
        assert_eq!(bound(Op::Lt), Bound::AtMost(cut - 1));
        assert_eq!(bound(Op::Ge), Bound::AtLeast(cut));
        assert_eq!(bound(Op::Gt), Bound::AtLeast(cut + 1));
        // the distance the range proof shows below 2^64, and none on the wrong side
        assert_eq!(Bound::AtMost(cut).distance(cut - 3), Some(3));
        assert_eq!(Bound::AtMost(cut).distance(cut + 1), None);
        assert_eq!(Bound::AtLeast(cut).distance(cut), Some(0));
        assert_eq!(Bound::AtLeast(cut).distance(cut - 1), None);
        assert_eq!(Bound::AtLeast(0).distance(u64::MAX), Some(u64::MAX));
        // `< 0001-01-01` (encoded 0) holds for no date
        assert_eq!(
            date(Op::Lt, "0001-01-01")
                .bound(ClaimKind::Date)
                .unwrap_err()
                .code(),
            "invalid_predicate"
        );
        assert_eq!(
            date(Op::Le, "0001-01-01").bound(ClaimKind::Date).unwrap(),
            Bound::AtMost(0)
        );
    }

    #[test]
    fn ranges_are_half_open() {
        let date = |op, b: &str| Predicate::new("/credentialSubject/d", op, json!(b));
        let cut = encoding::date("2008-11-28").unwrap();
        assert_eq!(
            date(Op::Le, "2008-11-28").range(ClaimKind::Date).unwrap(),
            (0, cut + 1)
        );
        assert_eq!(
            date(Op::Lt, "2008-11-28").range(ClaimKind::Date).unwrap(),
            (0, cut)
        );
        assert_eq!(
            date(Op::Gt, "2008-11-28").range(ClaimKind::Date).unwrap(),
            (cut + 1, u64::MAX)
        );
        assert!(
            date(Op::Le, "2008-11-28")
                .holds(ClaimKind::Date, &json!("2008-11-28"))
                .unwrap()
        );
        assert!(
            !date(Op::Le, "2008-11-28")
                .holds(ClaimKind::Date, &json!("2008-11-29"))
                .unwrap()
        );
        assert!(
            !date(Op::Lt, "2008-11-28")
                .holds(ClaimKind::Date, &json!("2008-11-28"))
                .unwrap()
        );
        assert_eq!(
            date(Op::Lt, "0001-01-01")
                .range(ClaimKind::Date)
                .unwrap_err()
                .code(),
            "invalid_predicate"
        );
        assert_eq!(
            date(Op::Le, "18")
                .range(ClaimKind::Date)
                .unwrap_err()
                .code(),
            "invalid_predicate"
        );
        assert_eq!(
            date(Op::Le, "x")
                .range(ClaimKind::Opaque)
                .unwrap_err()
                .code(),
            "unsupported_claim"
        );
    }
}
