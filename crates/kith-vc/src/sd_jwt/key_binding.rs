//! The Key Binding JWT (RFC 9901 §4.3): the holder's signature over the verifier's
//! nonce and audience and over the hash of exactly what is presented.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4.3>

use kith_crypto::multibase::base64url_encode;
use kith_crypto::{PublicKey, Signer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::{Challenge, Error};

use super::disclosure::digest;
use super::jwt::{Jwt, numeric_date, typ_is};
use super::verification::VerifyOptions;

/// The `typ` of a Key Binding JWT.
pub const TYP_KB_JWT: &str = "kb+jwt";

/// Signs a KB-JWT for `sd_jwt` (`<Issuer-signed JWT>~<Disclosure 1>~...~`).
///
/// The header is `{alg, typ: "kb+jwt"}` and nothing else: a `kid` would add nothing the
/// `cnf` claim does not already say.
pub(crate) async fn create(
    sd_jwt: &str,
    signer: &dyn Signer,
    challenge: &Challenge,
    iat: i64,
) -> Result<String, Error> {
    let header = json!({"alg": signer.algorithm().name(), "typ": TYP_KB_JWT});
    // > The `sd_hash` value MUST be taken over the US-ASCII bytes of the encoded SD-JWT
    // <https://www.rfc-editor.org/rfc/rfc9901#section-4.3.1>
    let payload = json!({
        "iat": iat,
        "aud": challenge.audience,
        "nonce": challenge.nonce,
        "sd_hash": digest(sd_jwt),
    });
    let signing_input = format!("{}.{}", encode(&header), encode(&payload));
    let signature = signer.sign(signing_input.as_bytes()).await?;
    Ok(format!("{signing_input}.{}", base64url_encode(&signature)))
}

fn encode(value: &Value) -> String {
    // A `Value` always serializes.
    base64url_encode(&serde_json::to_vec(value).unwrap_or_default())
}

/// Verifies a KB-JWT against the holder key from `cnf` (RFC 9901 §7.3 step 5).
///
/// Failures are `holder_binding`, except a nonce or audience that is not the
/// verifier's (`nonce_mismatch`, `audience_mismatch`). A wrong `sd_hash` is
/// `holder_binding` too: the holder signed a different presentation, so what fails
/// is the binding, not the disclosures (which were checked against the issuer's
/// digests already).
pub(crate) fn verify(
    kb_jwt: &str,
    sd_jwt: &str,
    holder_key: &PublicKey,
    options: &VerifyOptions,
) -> Result<(), Error> {
    let jwt =
        Jwt::parse(kb_jwt, "KB-JWT").map_err(|e| Error::HolderBinding(format!("KB-JWT: {e}")))?;
    // > Check that the `typ` of the Key Binding JWT is `kb+jwt`
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 5.4
    if !jwt.typ().is_some_and(|typ| typ_is(typ, TYP_KB_JWT)) {
        return Err(Error::HolderBinding(format!(
            "the KB-JWT typ is not {TYP_KB_JWT:?}"
        )));
    }
    // > Validate the signature over the Key Binding JWT
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 5.3
    jwt.verify(holder_key).map_err(|e| {
        Error::HolderBinding(format!("the KB-JWT does not verify with the cnf key: {e}"))
    })?;
    let claims = &jwt.payload;
    let string = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| Error::HolderBinding(format!("the KB-JWT has no {name} string")))
    };
    let (nonce, audience, sd_hash) = (string("nonce")?, string("aud")?, string("sd_hash")?);
    // > Determine that the Key Binding JWT is bound to the current transaction and was
    // > created for this Verifier (replay detection) by validating `nonce` and `aud`
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 5.6
    if let Some(challenge) = &options.challenge {
        if nonce != challenge.nonce {
            return Err(Error::NonceMismatch(
                "the KB-JWT nonce is not the verifier's".into(),
            ));
        }
        if audience != challenge.audience {
            return Err(Error::AudienceMismatch(
                "the KB-JWT aud is not the verifier".into(),
            ));
        }
    }
    // > Check that the creation time of the Key Binding JWT, as determined by the `iat`
    // > claim, is within an acceptable window.
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 5.5
    let iat = numeric_date(claims, "iat")
        .map_err(|e| Error::HolderBinding(format!("KB-JWT: {e}")))?
        .ok_or_else(|| Error::HolderBinding("the KB-JWT has no iat".into()))?;
    check_iat(iat, options)?;
    // > Calculate the digest over the Issuer-signed JWT and Disclosures ... and verify
    // > that it matches the value of the `sd_hash` claim in the Key Binding JWT.
    // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 5.7
    if sd_hash != digest(sd_jwt) {
        return Err(Error::HolderBinding(
            "the KB-JWT sd_hash does not match the presented SD-JWT and disclosures".into(),
        ));
    }
    Ok(())
}

fn check_iat(iat: OffsetDateTime, options: &VerifyOptions) -> Result<(), Error> {
    let now = options.now;
    if now
        .checked_add(options.max_clock_skew)
        .is_some_and(|latest| iat > latest)
    {
        return Err(Error::HolderBinding(format!(
            "the KB-JWT iat ({}) is in the future: more than {} after now ({})",
            iat.unix_timestamp(),
            options.max_clock_skew,
            now.unix_timestamp()
        )));
    }
    if now
        .checked_sub(options.max_kb_age)
        .is_some_and(|earliest| iat < earliest)
    {
        return Err(Error::HolderBinding(format!(
            "the KB-JWT is stale: its iat ({}) is more than {} before now ({})",
            iat.unix_timestamp(),
            options.max_kb_age,
            now.unix_timestamp()
        )));
    }
    Ok(())
}
