//! Presenting an SD-JWT (RFC 9901 §7.2): the holder picks the disclosures the
//! verifier needs and, when asked, binds them to the verifier with a KB-JWT.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-7.2>

use kith_crypto::Signer;
use serde_json::Value;

use crate::{Challenge, Error};

use super::inspect::{needed, open};
use super::key_binding;
use super::pointer::Pointer;
use super::verification::holder_key;

/// Builds a presentation of `sd_jwt` that discloses exactly the claims at `disclose`.
///
/// `disclose` holds RFC 6901 pointers into the claims as [`inspect`](super::inspect)
/// shows them (every disclosure in place, array indexes counted that way). A pointer
/// discloses the whole value it names, with every disclosable claim inside it, and the
/// disclosable claims it sits in (RFC 9901 §4.2.6: a disclosure must connect to the
/// payload); `""` discloses everything. A pointer to a claim that is always visible
/// needs no disclosure of its own. Every other disclosure is left out.
///
/// With `key_binding = Some((signer, challenge, iat))` a KB-JWT (RFC 9901 §4.3) with
/// the challenge's `nonce` and `aud`, `iat` (seconds since the epoch) and the `sd_hash`
/// of the presented SD-JWT is appended; the signer must hold the `cnf` key.
///
/// The issuer's signature is not checked here (see
/// [`verify_with_issuer_key`](super::verify_with_issuer_key)); the disclosures are
/// checked against the digests, as a verifier will.
pub async fn present(
    sd_jwt: &str,
    disclose: &[String],
    key_binding: Option<(&dyn Signer, &Challenge, i64)>,
) -> Result<String, Error> {
    let opened = open(sd_jwt, false)?;
    let claims = Value::Object(opened.claims);
    let mut requested = Vec::with_capacity(disclose.len());
    for text in disclose {
        let pointer = Pointer::parse(text)?;
        if pointer.get(&claims).is_none() {
            return Err(Error::ApiMisuse(format!(
                "the SD-JWT has no claim at {text:?}"
            )));
        }
        requested.push(pointer);
    }
    // > Decide which Disclosures to release to the Verifier ... Verify that each selected
    // > Disclosure satisfies one of the two following conditions: The hash of the
    // > Disclosure is contained in the Issuer-signed JWT claims [or] in the claim value of
    // > another selected Disclosure
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.2>
    // A disclosure is selected with all its ancestors, so both conditions hold.
    let mut presentation = String::with_capacity(sd_jwt.len());
    presentation.push_str(opened.compact.jwt);
    presentation.push('~');
    for (placement, disclosure) in opened.placements.iter().zip(&opened.compact.disclosures) {
        if requested
            .iter()
            .any(|pointer| needed(pointer, &placement.pointer))
        {
            presentation.push_str(disclosure);
            presentation.push('~');
        }
    }
    if let Some((signer, challenge, iat)) = key_binding {
        let Value::Object(claims) = &claims else {
            unreachable!("built from a map above")
        };
        let cnf = holder_key(claims)?.ok_or_else(|| {
            Error::ApiMisuse("the SD-JWT has no cnf.jwk holder key to bind to".into())
        })?;
        if signer.public_key() != cnf {
            return Err(Error::ApiMisuse(
                "the key binding signer does not hold the SD-JWT's cnf key".into(),
            ));
        }
        let kb_jwt = key_binding::create(&presentation, signer, challenge, iat).await?;
        presentation.push_str(&kb_jwt);
    }
    Ok(presentation)
}
