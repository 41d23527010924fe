//! The verification report: one list of checks, each passed, failed or indeterminate,
//! with stable codes. The CLI, the HTTP API and the library return the same report.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::Error;

/// The step of the pipeline a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// Detecting and parsing the format (size, depth, syntax).
    Parse,
    /// The signature or proof over the credential or presentation.
    Proof,
    /// The VCDM rules.
    DataModel,
    /// The digests of `relatedResource` entries, when the verifier fetches them.
    RelatedResources,
    /// `validFrom`/`validUntil`, `nbf`/`exp`, proof `created`/`expires`.
    Validity,
    /// Revocation and suspension.
    Status,
    /// `credentialSchema` validation.
    Schema,
    /// The verifier's trust policy.
    Policy,
    /// Holder binding: nonce, audience, key binding.
    HolderBinding,
    /// The credentials inside a presentation.
    Credentials,
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Checked and fine.
    Pass,
    /// Checked and wrong.
    Fail {
        /// Stable code (`invalid_signature`, `expired`, ...).
        code: &'static str,
        /// A sentence naming the problem.
        detail: String,
    },
    /// Could not be decided (an issuer unreachable, a status list not configured).
    Indeterminate {
        /// Stable code.
        code: &'static str,
        /// A sentence naming the problem.
        detail: String,
    },
}

/// One check of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which step.
    pub check: CheckKind,
    /// How it ended.
    pub outcome: Outcome,
}

impl Check {
    /// A passed check.
    pub fn pass(check: CheckKind) -> Self {
        Self {
            check,
            outcome: Outcome::Pass,
        }
    }

    /// A failed check from an error.
    pub fn fail(check: CheckKind, err: &Error) -> Self {
        Self {
            check,
            outcome: Outcome::Fail {
                code: err.code(),
                detail: err.to_string(),
            },
        }
    }

    /// A failed check with an explicit code.
    pub fn fail_with(check: CheckKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            outcome: Outcome::Fail {
                code,
                detail: detail.into(),
            },
        }
    }

    /// An undecided check.
    pub fn indeterminate(check: CheckKind, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            outcome: Outcome::Indeterminate {
                code,
                detail: detail.into(),
            },
        }
    }

    /// Whether the check passed.
    pub fn ok(&self) -> bool {
        self.outcome == Outcome::Pass
    }

    /// The code, when the check did not pass.
    pub fn code(&self) -> Option<&'static str> {
        match &self.outcome {
            Outcome::Pass => None,
            Outcome::Fail { code, .. } | Outcome::Indeterminate { code, .. } => Some(code),
        }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("check", &self.check)?;
        map.serialize_entry("ok", &self.ok())?;
        match &self.outcome {
            Outcome::Pass => {}
            Outcome::Fail { code, detail } => {
                map.serialize_entry("code", code)?;
                map.serialize_entry("detail", detail)?;
            }
            Outcome::Indeterminate { code, detail } => {
                map.serialize_entry("code", code)?;
                map.serialize_entry("detail", detail)?;
                map.serialize_entry("indeterminate", &true)?;
            }
        }
        map.end()
    }
}

/// The verdict on one credential or presentation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// True only when every check passed.
    pub verified: bool,
    /// The securing format (`vc+jwt`, `dc+sd-jwt`, a cryptosuite name, ...), or
    /// `unknown` when detection failed.
    pub format: String,
    /// The checks, in pipeline order.
    pub checks: Vec<Check>,
    /// The issuer, once the proof established it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The holder, for presentations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The claims the verifier may rely on: for SD-JWT, only the disclosed ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<Value>,
    /// For presentations: one report per credential inside.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Report>,
}

impl Report {
    /// An empty report for `format`.
    pub fn new(format: impl Into<String>) -> Self {
        Self {
            verified: false,
            format: format.into(),
            checks: Vec::new(),
            issuer: None,
            holder: None,
            credential: None,
            credentials: Vec::new(),
        }
    }

    /// Adds a check.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Records `result` as a check: pass on `Ok`, fail on `Err`; returns the value.
    pub fn record<T>(&mut self, kind: CheckKind, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => {
                self.push(Check::pass(kind));
                Some(value)
            }
            Err(e) => {
                self.push(Check::fail(kind, &e));
                None
            }
        }
    }

    /// Sets `verified` from the checks: true only when there is at least one and all passed.
    pub fn finish(mut self) -> Self {
        self.verified = !self.checks.is_empty()
            && self.checks.iter().all(Check::ok)
            && self.credentials.iter().all(|r| r.verified);
        self
    }

    /// The code of the first check that did not pass.
    pub fn first_failure(&self) -> Option<&'static str> {
        self.checks.iter().find_map(Check::code)
    }
}
