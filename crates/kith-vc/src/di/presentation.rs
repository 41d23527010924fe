//! A VCDM 2.0 verifiable presentation secured with a Data Integrity proof.
//!
//! <https://www.w3.org/TR/vc-data-model-2.0/#verifiable-presentations>

use kith_crypto::Signer;
use kith_did::Relationship;
use serde_json::{Map, Value};

use super::{ProofOptions, add_proof};
use crate::model::{CREDENTIALS_V2_CONTEXT, Presentation};
use crate::{Challenge, Error};

/// Builds a presentation of `credentials` by `holder` and signs it with an
/// `authentication` proof bound to the verifier's `challenge`: its nonce becomes the
/// proof's `challenge` and its audience the proof's `domain`.
///
/// > A string value that SHOULD be included in a proof if a domain is specified. The
/// > value is used once for a particular domain and window of time. This value is used
/// > to mitigate replay attacks.
///
/// <https://www.w3.org/TR/vc-data-integrity/#defn-challenge>
///
/// `verification_method` must be one of `holder`'s `authentication` methods for the
/// presentation to verify. The credentials are embedded as they are (secured
/// credentials, or `EnvelopedVerifiableCredential` objects).
pub async fn create_presentation(
    credentials: Vec<Value>,
    holder: &str,
    signer: &dyn Signer,
    verification_method: &str,
    challenge: &Challenge,
    suite: &str,
) -> Result<Value, Error> {
    let mut presentation = Map::new();
    presentation.insert(
        "@context".to_owned(),
        Value::Array(vec![CREDENTIALS_V2_CONTEXT.into()]),
    );
    presentation.insert(
        "type".to_owned(),
        Value::Array(vec!["VerifiablePresentation".into()]),
    );
    presentation.insert("holder".to_owned(), holder.into());
    if !credentials.is_empty() {
        presentation.insert("verifiableCredential".to_owned(), Value::Array(credentials));
    }
    let presentation = Value::Object(presentation);
    // The same MUSTs a verifier applies (a URL holder, object credentials).
    Presentation::from_json(presentation.clone())?;
    let options = ProofOptions {
        proof_purpose: Relationship::Authentication,
        challenge: Some(challenge.nonce.clone()),
        domain: Some(challenge.audience.clone()),
        ..ProofOptions::new(verification_method)
    };
    add_proof(&presentation, suite, signer, options).await
}
