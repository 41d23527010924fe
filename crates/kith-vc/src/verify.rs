//! The one verification pipeline, for every format (DESIGN.md "the hot path"):
//! detect → parse (bounded) → proof (with issuer key resolution and authorization)
//! → data model → validity window → status → schema → policy → one [`Report`].

use std::sync::Arc;
use std::time::Duration;

use kith_did::Resolver;
use kith_did::fetch::BoundedFetcher;
use serde_json::Value;
use time::OffsetDateTime;

use crate::datetime::{Clock, SystemClock, format_date_time};
use crate::model::Credential;
use crate::policy::Policy;
use crate::report::{Check, CheckKind, Report};
use crate::schema::{LocalSchemas, SchemaSource};
use crate::status::{StatusChecker, StatusResult};
use crate::{Challenge, Error, VerifiedProof};

/// Largest credential or presentation accepted, in any format.
pub const MAX_INPUT_LEN: usize = 1024 * 1024;

/// How a credential or presentation is secured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// VC-JOSE-COSE `vc+jwt` (and legacy JWT-VC 1.1).
    VcJwt,
    /// VC-JOSE-COSE `vp+jwt` (and legacy JWT-VP 1.1).
    VpJwt,
    /// SD-JWT VC, with or without a KB-JWT.
    SdJwt,
    /// A JSON document with a Data Integrity proof; the cryptosuite is named.
    DataIntegrity(String),
}

impl Format {
    /// The name used in reports and on the command line.
    pub fn name(&self) -> &str {
        match self {
            Self::VcJwt => "vc+jwt",
            Self::VpJwt => "vp+jwt",
            Self::SdJwt => "dc+sd-jwt",
            Self::DataIntegrity(suite) => suite,
        }
    }
}

/// Recognizes the securing format of `input` without verifying anything.
pub fn detect(input: &str) -> Result<Format, Error> {
    detect_and_parse(input).map(|(format, _)| format)
}

/// [`detect`], also returning the parsed document of a Data Integrity input so the
/// pipeline parses it once.
fn detect_and_parse(input: &str) -> Result<(Format, Option<Value>), Error> {
    let text = input.trim();
    if text.len() > MAX_INPUT_LEN {
        return Err(Error::TooLarge {
            what: "input",
            size: text.len(),
            limit: MAX_INPUT_LEN,
        });
    }
    if text.starts_with('{') {
        let json = crate::json::parse_str(text)?;
        let proof = match json.get("proof") {
            Some(Value::Array(proofs)) => proofs.first(),
            other => other,
        };
        let suite = proof
            .and_then(|p| p.get("cryptosuite"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::UnknownFormat("a JSON document without a Data Integrity proof".into())
            })?;
        let format = Format::DataIntegrity(suite.to_owned());
        return Ok((format, Some(json)));
    }
    if text.contains('~') {
        return Ok((Format::SdJwt, None));
    }
    if text.split('.').count() == 3 {
        let header = text.split('.').next().unwrap_or_default();
        let header = kith_crypto::multibase::base64url_decode(header)
            .map_err(|e| Error::malformed("JWT", format!("header is not base64url: {e}")))?;
        let header = crate::json::parse(&header)?;
        let typ = header.get("typ").and_then(Value::as_str).unwrap_or("JWT");
        return match typ {
            "vp+jwt" | "vp+ld+jwt" => Ok((Format::VpJwt, None)),
            "dc+sd-jwt" | "vc+sd-jwt" => Ok((Format::SdJwt, None)),
            // A VCDM 1.1 JWT carries its kind in the `vc` or `vp` claim (VCDM 1.1 §6.3.1).
            "JWT" | "jwt" if legacy_claim(text) == Some("vp") => Ok((Format::VpJwt, None)),
            _ => Ok((Format::VcJwt, None)),
        };
    }
    Err(Error::UnknownFormat(
        "neither JSON with a proof, an SD-JWT, nor a compact JWS".into(),
    ))
}

/// Which of the VCDM 1.1 claims `vc` / `vp` an unverified JWT payload carries.
fn legacy_claim(jwt: &str) -> Option<&'static str> {
    let payload = jwt.split('.').nth(1)?;
    let payload = kith_crypto::multibase::base64url_decode(payload).ok()?;
    let payload = crate::json::parse(&payload).ok()?;
    if payload.get("vp").is_some() {
        Some("vp")
    } else if payload.get("vc").is_some() {
        Some("vc")
    } else {
        None
    }
}

/// Everything a verifier decides: how keys are found, what time it is, and what it trusts.
#[derive(Clone)]
pub struct Verifier {
    /// Resolves issuer and holder DIDs.
    pub resolver: Arc<dyn Resolver>,
    /// The current time (injectable for tests and "as of" verification).
    pub clock: Arc<dyn Clock>,
    /// Tolerated clock difference for validity windows.
    pub skew: Duration,
    /// Longest age of a presentation's key binding (KB-JWT `iat`, proof `created`).
    pub max_presentation_age: Duration,
    /// Status lists; `None` reports status entries as indeterminate.
    pub status: Option<Arc<dyn StatusChecker>>,
    /// Where `credentialSchema` schemas come from.
    pub schemas: Arc<dyn SchemaSource>,
    /// Trusted issuers and required claims.
    pub policy: Policy,
    /// When set, every `relatedResource` is fetched and its digest checked
    /// (VCDM 2.0 §5.3); when `None`, they are not fetched and no check is reported.
    pub related_resources: Option<BoundedFetcher>,
}

impl Verifier {
    /// A verifier with the system clock, 60 s skew, 5 min presentation age, no status
    /// lists, no schemas and no issuer restriction.
    pub fn new(resolver: Arc<dyn Resolver>) -> Self {
        Self {
            resolver,
            clock: Arc::new(SystemClock),
            skew: Duration::from_secs(60),
            max_presentation_age: Duration::from_secs(300),
            status: None,
            schemas: Arc::new(LocalSchemas::new()),
            policy: Policy::default(),
            related_resources: None,
        }
    }

    /// Verifies a credential in any format.
    pub async fn verify_credential(&self, input: &str) -> Report {
        let (format, json) = match detect_and_parse(input) {
            Ok(detected) => detected,
            Err(e) => return parse_failure(&e),
        };
        let mut report = Report::new(format.name());
        let now = self.clock.now();
        let proof = match &format {
            Format::VcJwt => crate::jose::verify_vc_jwt(input.trim(), self.resolver.as_ref()).await,
            Format::SdJwt => {
                let options = crate::sd_jwt::VerifyOptions {
                    challenge: None,
                    now,
                    max_kb_age: signed(self.max_presentation_age),
                    max_clock_skew: signed(self.skew),
                    require_key_binding: false,
                    ..crate::sd_jwt::VerifyOptions::default()
                };
                crate::sd_jwt::verify(input.trim(), self.resolver.as_ref(), &options).await
            }
            Format::DataIntegrity(_) => {
                let options = crate::di::DiVerifyOptions {
                    now: Some(now),
                    skew: self.skew,
                    ..crate::di::DiVerifyOptions::default()
                };
                let json = json.unwrap_or_default();
                crate::di::verify(&json, self.resolver.as_ref(), &options).await
            }
            Format::VpJwt => Err(Error::UnknownFormat(
                "this is a presentation (vp+jwt); verify it as a presentation".into(),
            )),
        };
        let Some(proof) = report.record(CheckKind::Proof, proof) else {
            return report.finish();
        };
        self.check_credential(&mut report, &format, proof, now)
            .await;
        report.finish()
    }

    /// The checks after the proof, shared by every format.
    async fn check_credential(
        &self,
        report: &mut Report,
        format: &Format,
        proof: VerifiedProof,
        now: OffsetDateTime,
    ) {
        report.issuer = Some(proof.issuer.clone());
        let credential = proof.credential.clone();
        // Data model: VCDM for the JSON-LD formats; SD-JWT VC needs `vct` (SD-JWT VC §3.2.2.1.1).
        let model = match format {
            Format::SdJwt => match credential.get("vct").and_then(Value::as_str) {
                Some(_) => Ok(None),
                None => Err(Error::model(
                    "invalid_type",
                    "an SD-JWT VC needs a vct claim",
                )),
            },
            _ => Credential::from_json(credential.clone()).map(Some),
        };
        let model = report.record(CheckKind::DataModel, model).flatten();
        if let Some(fetcher) = &self.related_resources
            && let Some(related) = credential.get("relatedResource")
        {
            report.push(check_related_resources(fetcher, related).await);
        }
        report.record(
            CheckKind::Validity,
            self.check_validity(&proof, model.as_ref(), now),
        );
        self.check_status(report, &credential, &proof.issuer).await;
        match crate::schema::validate(&credential, self.schemas.as_ref()).await {
            Ok(_) => report.push(Check::pass(CheckKind::Schema)),
            Err(e) if e.code() == "schema_unavailable" => {
                report.push(Check::indeterminate(
                    CheckKind::Schema,
                    e.code(),
                    e.to_string(),
                ));
            }
            Err(e) => report.push(Check::fail(CheckKind::Schema, &e)),
        }
        report.record(
            CheckKind::Policy,
            self.policy.check(&proof.issuer, &credential),
        );
        report.credential = Some(credential);
    }

    fn check_validity(
        &self,
        proof: &VerifiedProof,
        model: Option<&Credential>,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        self.check_window(proof.not_before, proof.expires, now)?;
        self.check_window(
            model.and_then(Credential::valid_from),
            model.and_then(Credential::valid_until),
            now,
        )
    }

    /// `now` must fall in `[start, end)`, give or take the skew.
    fn check_window(
        &self,
        start: Option<OffsetDateTime>,
        end: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let skew = time::Duration::try_from(self.skew).unwrap_or(time::Duration::ZERO);
        if let Some(start) = start
            && now + skew < start
        {
            return Err(Error::NotYetValid(format!(
                "valid from {}, it is {}",
                format_date_time(start),
                format_date_time(now)
            )));
        }
        if let Some(end) = end
            && now - skew >= end
        {
            return Err(Error::Expired(format!(
                "valid until {}, it is {}",
                format_date_time(end),
                format_date_time(now)
            )));
        }
        Ok(())
    }

    async fn check_status(&self, report: &mut Report, credential: &Value, issuer: &str) {
        let entries: Vec<&Value> = match credential
            .get("credentialStatus")
            .or_else(|| credential.get("status"))
        {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
        };
        if entries.is_empty() {
            report.push(Check::pass(CheckKind::Status));
            return;
        }
        let Some(checker) = &self.status else {
            report.push(Check::indeterminate(
                CheckKind::Status,
                "status_not_checked",
                "the credential has a status entry and this verifier has no status list access",
            ));
            return;
        };
        for entry in entries {
            let check = match checker.check_issued_by(entry, issuer).await {
                StatusResult::Valid => continue,
                StatusResult::Revoked(detail) => {
                    Check::fail_with(CheckKind::Status, "revoked", detail)
                }
                StatusResult::Suspended(detail) => {
                    Check::fail_with(CheckKind::Status, "suspended", detail)
                }
                StatusResult::Unknown { code, detail } => {
                    Check::indeterminate(CheckKind::Status, code, detail)
                }
            };
            report.push(check);
            return;
        }
        report.push(Check::pass(CheckKind::Status));
    }

    /// Verifies a presentation in any format against the verifier's challenge:
    /// the holder's proof, then every credential inside.
    pub async fn verify_presentation(&self, input: &str, challenge: &Challenge) -> Report {
        let (format, json) = match detect_and_parse(input) {
            Ok(detected) => detected,
            Err(e) => return parse_failure(&e),
        };
        let now = self.clock.now();
        match format {
            Format::SdJwt => {
                let mut report = Report::new(format.name());
                let options = crate::sd_jwt::VerifyOptions {
                    challenge: Some(challenge.clone()),
                    now,
                    max_kb_age: signed(self.max_presentation_age),
                    max_clock_skew: signed(self.skew),
                    require_key_binding: true,
                    ..crate::sd_jwt::VerifyOptions::default()
                };
                let proof =
                    crate::sd_jwt::verify(input.trim(), self.resolver.as_ref(), &options).await;
                // The issuer signature and the holder's KB-JWT are checked together; a KB
                // failure is reported as holder binding, anything else as the proof.
                let Some(proof) = record_holder_proof(&mut report, proof) else {
                    return report.finish();
                };
                self.check_credential(&mut report, &format, proof, now)
                    .await;
                report.finish()
            }
            Format::VpJwt => {
                let mut report = Report::new(format.name());
                let verified =
                    crate::jose::verify_vp_jwt(input.trim(), self.resolver.as_ref(), challenge)
                        .await;
                let Some(vp) = record_holder_proof(&mut report, verified) else {
                    return report.finish();
                };
                report.holder = Some(vp.holder.clone());
                report.record(
                    CheckKind::Validity,
                    self.check_window(vp.not_before, vp.expires, now),
                );
                for credential in &vp.credentials {
                    report
                        .credentials
                        .push(Box::pin(self.verify_credential(&credential.credential)).await);
                }
                report.finish()
            }
            Format::DataIntegrity(_) => {
                let mut report = Report::new(format.name());
                let json = json.unwrap_or_default();
                let options = crate::di::DiVerifyOptions {
                    now: Some(now),
                    skew: self.skew,
                    expected_purpose: kith_did::Relationship::Authentication,
                    challenge: Some(challenge.clone()),
                    ..crate::di::DiVerifyOptions::default()
                };
                let verified = crate::di::verify(&json, self.resolver.as_ref(), &options).await;
                let Some(proof) = record_holder_proof(&mut report, verified) else {
                    return report.finish();
                };
                report.holder = Some(proof.issuer.clone());
                let credentials: Vec<Value> = match proof.credential.get("verifiableCredential") {
                    Some(Value::Array(items)) => items.clone(),
                    Some(one) => vec![one.clone()],
                    None => Vec::new(),
                };
                for credential in credentials {
                    report
                        .credentials
                        .push(Box::pin(self.verify_credential(&credential.to_string())).await);
                }
                report.finish()
            }
            Format::VcJwt => {
                let mut report = Report::new(format.name());
                report.push(Check::fail_with(
                    CheckKind::Parse,
                    "not_a_presentation",
                    "this is a credential (vc+jwt), not a presentation",
                ));
                report.finish()
            }
        }
    }
}

/// Fetches each related resource and compares its digest.
async fn check_related_resources(fetcher: &BoundedFetcher, related: &Value) -> Check {
    let entries: Vec<&Value> = match related {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    for entry in entries {
        let Some(id) = entry.get("id").and_then(Value::as_str) else {
            continue; // the data model check already refused it
        };
        let body = match url::Url::parse(id) {
            Ok(url) => fetcher.get(&url, "*/*").await,
            Err(e) => {
                return Check::fail_with(
                    CheckKind::RelatedResources,
                    "invalid_related_resource",
                    format!("{id}: {e}"),
                );
            }
        };
        match body {
            Ok(bytes) => {
                if let Err(e) = crate::model::check_related_resource_digest(entry, &bytes) {
                    return Check::fail(CheckKind::RelatedResources, &e);
                }
            }
            Err(e) => {
                return Check::indeterminate(
                    CheckKind::RelatedResources,
                    "related_resource_unavailable",
                    format!("{id}: {e}"),
                );
            }
        }
    }
    Check::pass(CheckKind::RelatedResources)
}

/// Records a presentation's own proof: nonce and audience failures are holder binding,
/// the rest are the proof.
fn record_holder_proof<T>(report: &mut Report, result: Result<T, Error>) -> Option<T> {
    match result {
        Ok(value) => {
            report.push(Check::pass(CheckKind::Proof));
            report.push(Check::pass(CheckKind::HolderBinding));
            Some(value)
        }
        Err(e) => {
            let kind = match e.code() {
                "nonce_mismatch" | "audience_mismatch" | "holder_binding" => {
                    CheckKind::HolderBinding
                }
                _ => CheckKind::Proof,
            };
            report.push(Check::fail(kind, &e));
            None
        }
    }
}

fn signed(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

fn parse_failure(e: &Error) -> Report {
    let mut report = Report::new("unknown");
    report.push(Check::fail(CheckKind::Parse, e));
    report.finish()
}
