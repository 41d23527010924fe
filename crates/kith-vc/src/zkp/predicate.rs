//! Predicates: `POINTER OP BOUND` with `<`, `<=`, `>`, `>=`, and what each proves as a
//! range `[min, max)` of the claim's encoded `u64`.

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
    /// `kind`. The bound must be a value of that kind.
    pub fn range(&self, kind: ClaimKind) -> Result<(u64, u64), ZkpError> {
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
        // Every encoding is below u64::MAX, so bound + 1 cannot overflow and u64::MAX
        // is an exclusive upper end above every value.
        let range = match self.op {
            Op::Lt => (0, bound),
            Op::Le => (0, bound + 1),
            Op::Gt => (bound + 1, u64::MAX),
            Op::Ge => (bound, u64::MAX),
        };
        if range.0 >= range.1 {
            return Err(ZkpError::InvalidPredicate(format!(
                "{self} holds for no value"
            )));
        }
        Ok(range)
    }

    /// Whether the predicate holds for `value` (a claim of `kind`).
    pub fn holds(&self, kind: ClaimKind, value: &Value) -> Result<bool, ZkpError> {
        let (min, max) = self.range(kind)?;
        let encoded = encoding::ordered(kind, value).ok_or_else(|| {
            ZkpError::UnsupportedClaim(format!("{} is not a {}", self.claim, kind.name()))
        })?;
        Ok(min <= encoded && encoded < max)
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
