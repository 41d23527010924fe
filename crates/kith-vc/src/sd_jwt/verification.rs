//! Verifying an SD-JWT or SD-JWT+KB (RFC 9901 §7.1 and §7.3).
//!
//! [`verify_with_issuer_key`] is the core: parse with bounds, check the algorithm and
//! the `typ`, verify the issuer's signature, process the disclosures, verify the
//! KB-JWT. [`verify`] first finds the issuer's key: the `kid` header must be a DID URL
//! of the `iss` DID whose method is authorized for `assertionMethod`.
//!
//! Validity windows (`nbf`, `exp`) are parsed into the [`VerifiedProof`] but not judged
//! here: the verification pipeline judges them with its clock, for every format alike.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-7>

use kith_crypto::{Jwk, PublicKey};
use kith_did::{Relationship, Resolver};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::{Challenge, Error, VerifiedProof, resolve_authorized_key_at};

use super::disclosure::{Disclosure, digest};
use super::jwt::{Jwt, numeric_date};
use super::key_binding;
use super::processing::process;
use super::serialization::Compact;
use super::vc::Profile;

/// What the verifier expects of a presentation.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The verifier's nonce and audience. When set, the presentation must carry a
    /// KB-JWT with exactly these `nonce` and `aud`.
    pub challenge: Option<Challenge>,
    /// The verifier's current time, against which the KB-JWT's `iat` is judged.
    pub now: OffsetDateTime,
    /// How long before `now` a KB-JWT may have been made. Default 5 minutes.
    pub max_kb_age: Duration,
    /// How far after `now` a KB-JWT's `iat` may be, for clock differences. Default 60 s.
    pub max_clock_skew: Duration,
    /// Require a KB-JWT even when no challenge is given. A challenge always requires one.
    ///
    /// RFC 9901 §7.3 step 1: this is the verifier's policy, never inferred from whether
    /// the holder sent a KB-JWT.
    pub require_key_binding: bool,
    /// Also accept `typ: example+sd-jwt`, the type of the RFC 9901 examples and the
    /// sd-jwt-python test cases, with plain RFC 9901 rules (no `vct`). For tests only.
    pub allow_example_typ: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            challenge: None,
            now: OffsetDateTime::now_utc(),
            max_kb_age: Duration::minutes(5),
            max_clock_skew: Duration::seconds(60),
            require_key_binding: false,
            allow_example_typ: false,
        }
    }
}

/// Verifies an SD-JWT VC presentation, finding the issuer's key through its DID.
///
/// The Issuer-signed JWT's `kid` must be a DID URL (absolute, or relative to `iss`) of
/// the DID in `iss`, naming a method listed under `assertionMethod` in its DID
/// document (RFC 9901 §7.1 step 2.3: the signing key belongs to this issuer).
///
/// The error codes say what failed:
///
/// | code | what |
/// |---|---|
/// | `too_large`, `too_deep`, `malformed`, `malformed_json`, `malformed_jws`, `duplicate_member` | size, nesting or syntax |
/// | `alg_none`, `hmac_with_public_key`, `unsupported_algorithm`, `alg_key_mismatch` | the issuer JWT's `alg`, or an `_sd_alg` other than `sha-256` |
/// | `invalid_proof` | a `typ` other than `dc+sd-jwt` / `vc+sd-jwt` |
/// | `unknown_issuer`, `unknown_key`, `key_controller_mismatch`, `key_not_authorized` | finding the issuer's key |
/// | `invalid_signature` | the issuer's signature |
/// | `disclosure_mismatch` | a disclosure that is malformed, presented twice, unreferenced, misplaced, or names a claim that exists; a digest that appears twice; a disclosed `iss`, `exp`, `cnf`, ... |
/// | `holder_binding` | a KB-JWT missing (when required), unsigned by the `cnf` key, mistyped, stale, from the future, or with a wrong `sd_hash` |
/// | `nonce_mismatch`, `audience_mismatch` | a KB-JWT made for another transaction or verifier |
pub async fn verify(
    presentation: &str,
    resolver: &dyn Resolver,
    options: &VerifyOptions,
) -> Result<VerifiedProof, Error> {
    let parsed = Parsed::parse(presentation, options)?;
    let issuer = parsed.issuer()?.ok_or_else(|| {
        Error::malformed(
            "SD-JWT",
            "iss is missing: Kith finds an issuer's key through its DID in iss",
        )
    })?;
    let kid = parsed
        .jwt
        .header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::UnknownKey("the issuer-signed JWT has no kid naming the issuer's key".into())
        })?;
    let authorized = resolve_authorized_key_at(
        resolver,
        kid,
        Some(issuer),
        Relationship::AssertionMethod,
        crate::jose::numeric_date(&parsed.jwt.payload, "iat")?,
    )
    .await?;
    parsed.finish(
        &authorized.key,
        authorized.method_id.as_str().to_owned(),
        options,
    )
}

/// Verifies an SD-JWT or SD-JWT+KB with an issuer key the caller already trusts.
///
/// The returned `method_id` is the key's JWK thumbprint URI (RFC 9278), and so is the
/// `issuer` when the SD-JWT has no `iss`. A holder can
/// check a freshly issued SD-JWT with this too: it is an SD-JWT with every disclosure
/// and no KB-JWT.
pub fn verify_with_issuer_key(
    presentation: &str,
    issuer_key: &PublicKey,
    options: &VerifyOptions,
) -> Result<VerifiedProof, Error> {
    let parsed = Parsed::parse(presentation, options)?;
    parsed.finish(issuer_key, thumbprint_uri(issuer_key), options)
}

/// The JWK thumbprint URI of a key (RFC 9278 over RFC 7638).
fn thumbprint_uri(key: &PublicKey) -> String {
    let jwk = key.to_jwk();
    // > the required members ... ordered lexicographically by the Unicode code points
    // > of the member names ... no whitespace or line breaks
    // <https://www.rfc-editor.org/rfc/rfc7638#section-3.2>
    // `to_jwk` writes exactly the required members of an OKP or EC key, all ASCII.
    let mut members = Map::new();
    for (name, value) in [
        ("crv", jwk.crv),
        ("kty", Some(jwk.kty)),
        ("x", jwk.x),
        ("y", jwk.y),
    ] {
        if let Some(value) = value {
            members.insert(name.to_owned(), Value::String(value));
        }
    }
    let canonical = Value::Object(members).to_string();
    format!(
        "urn:ietf:params:oauth:jwk-thumbprint:sha-256:{}",
        digest(&canonical)
    )
}

/// A presentation split and its Issuer-signed JWT parsed; nothing verified yet.
struct Parsed<'a> {
    compact: Compact<'a>,
    jwt: Jwt<'a>,
    profile: Profile,
}

impl<'a> Parsed<'a> {
    fn parse(presentation: &'a str, options: &VerifyOptions) -> Result<Self, Error> {
        // RFC 9901 §7.1 step 1: separate the parts (bounded before any decoding).
        let compact = Compact::split(presentation)?;
        // Step 2.1: the algorithm is checked here, before any key is looked up.
        let jwt = Jwt::parse(compact.jwt, "issuer-signed JWT")?;
        let profile = Profile::from_typ(jwt.typ(), options.allow_example_typ)?;
        Ok(Self {
            compact,
            jwt,
            profile,
        })
    }

    /// `iss`, read from the signed payload itself, never from a disclosure.
    fn issuer(&self) -> Result<Option<&str>, Error> {
        match self.jwt.payload.get("iss") {
            Some(Value::String(iss)) => Ok(Some(iss)),
            Some(_) => Err(Error::malformed("SD-JWT", "iss is not a string")),
            None => Ok(None),
        }
    }

    fn finish(
        self,
        issuer_key: &PublicKey,
        method_id: String,
        options: &VerifyOptions,
    ) -> Result<VerifiedProof, Error> {
        // > Validate the signature over the Issuer-signed JWT
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.1> step 2.2
        self.jwt.verify(issuer_key)?;
        // Without `iss` (RFC 9901 leaves it to the application) the key is the issuer.
        let issuer = self
            .issuer()?
            .map_or_else(|| method_id.clone(), str::to_owned);
        // > If Key Binding is required and the Holder has provided an SD-JWT (without
        // > Key Binding), the Verifier MUST reject the presentation.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-7.3> step 2
        if self.compact.kb_jwt.is_none()
            && (options.require_key_binding || options.challenge.is_some())
        {
            return Err(Error::HolderBinding(
                "key binding is required but the presentation has no KB-JWT".into(),
            ));
        }
        // Step 3.1: decode each disclosure and compute its digest.
        let disclosures = self
            .compact
            .disclosures
            .iter()
            .enumerate()
            .map(|(position, encoded)| Disclosure::parse(encoded, position))
            .collect::<Result<Vec<_>, _>>()?;
        // Steps 2.5 (`_sd_alg`), 3, 4 and 5.
        let claims = process(
            self.jwt.payload,
            disclosures,
            self.profile.non_disclosable(),
            false,
        )?
        .claims;
        self.profile.check_claims(&claims)?;
        // A `cnf` whose key Kith cannot use (an RSA JWK, a `kid` reference) matters only
        // when a KB-JWT has to be verified with it.
        let cnf_key = holder_key(&claims);
        let (holder_key, holder_bound) = match self.compact.kb_jwt {
            Some(kb_jwt) => {
                // > To verify the KB-JWT, the `cnf` claim of the SD-JWT MUST be used.
                // (draft-ietf-oauth-sd-jwt-vc, "Verification and Processing")
                let key = cnf_key?.ok_or_else(|| {
                    Error::HolderBinding(if claims.contains_key("cnf") {
                        "the SD-JWT's cnf has no jwk, the only confirmation method Kith verifies"
                            .into()
                    } else {
                        "a KB-JWT is present but the SD-JWT has no cnf holder key".into()
                    })
                })?;
                key_binding::verify(kb_jwt, self.compact.sd_jwt, &key, options)?;
                (Some(key), true)
            }
            None => (cnf_key.ok().flatten(), false),
        };
        Ok(VerifiedProof {
            signed_at: numeric_date(&claims, "iat")?,
            not_before: numeric_date(&claims, "nbf")?,
            expires: numeric_date(&claims, "exp")?,
            credential: Value::Object(claims),
            issuer,
            method_id,
            holder_key,
            holder_bound,
        })
    }
}

/// The holder key of `cnf.jwk` (RFC 7800 §3.2), if the claims carry one.
pub(crate) fn holder_key(claims: &Map<String, Value>) -> Result<Option<PublicKey>, Error> {
    let Some(jwk) = claims.get("cnf").and_then(|cnf| cnf.get("jwk")) else {
        return Ok(None);
    };
    let jwk = Jwk::deserialize(jwk)
        .map_err(|e| Error::HolderBinding(format!("cnf.jwk is not a JWK: {e}")))?;
    if jwk.is_private() {
        return Err(Error::HolderBinding(
            "cnf.jwk carries private key material".into(),
        ));
    }
    PublicKey::from_jwk(&jwk)
        .map(Some)
        .map_err(|e| Error::HolderBinding(format!("cnf.jwk: {e}")))
}

#[cfg(test)]
mod tests {
    use kith_crypto::multibase::base64url_decode;
    use kith_crypto::{KeyType, PrivateKey};

    use super::*;

    /// RFC 8037 Appendix A.3 (Ed25519) and agreement with kith-crypto's thumbprint (EC).
    #[test]
    fn thumbprint_uris() {
        let x = base64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
        let key = PublicKey::from_bytes(KeyType::Ed25519, &x).unwrap();
        assert_eq!(
            thumbprint_uri(&key),
            "urn:ietf:params:oauth:jwk-thumbprint:sha-256:kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        for key_type in [KeyType::P256, KeyType::P384, KeyType::Secp256k1] {
            let key = PrivateKey::generate(key_type).unwrap().public_key();
            let expected = key.to_jwk().thumbprint().unwrap();
            assert!(
                thumbprint_uri(&key).ends_with(&format!(":{expected}")),
                "{key_type}"
            );
        }
    }
}
