//! JOSE securing of credentials and presentations: `vc+jwt` and `vp+jwt`
//! ([VC-JOSE-COSE], "Securing JSON-LD Verifiable Credentials with JOSE"), and reading
//! the VCDM 1.1 JWT encoding ([VCDM 1.1] §6.3.1, "JWT Decoding").
//!
//! In VC-JOSE-COSE the JWS payload *is* the credential or presentation: no `vc` or
//! `vp` wrapper, no mapping of properties to claims. [`issue_vc_jwt`] signs a VCDM 2.0
//! credential with the header `{alg, kid, typ: "vc+jwt", cty: "vc"}`;
//! [`verify_vc_jwt`] parses with Kith's bounds, finds the issuer's key through the
//! `kid` DID URL, checks that the key is the issuer's and is authorized for
//! `assertionMethod`, verifies the signature against an explicit algorithm
//! allow-list and only then reads the payload as a credential. A JWT with no `typ`
//! (or `typ: JWT`) and a `vc` claim is read as a VCDM 1.1 JWT-VC: its registered
//! claims are folded back into the credential and checked against it.
//!
//! [`create_vp_jwt`] wraps already-secured credentials as
//! `EnvelopedVerifiableCredential` entries (`data:` URLs, [VCDM 2.0] §4.13.1) in a
//! presentation signed by the holder, with the verifier's [`Challenge`] as the
//! `nonce` and `aud` claims; [`verify_vp_jwt`] checks the holder's
//! `authentication` key, the nonce and the audience, and hands back the enveloped
//! credentials *unverified*: the pipeline verifies each one.
//!
//! Where Kith reads more than VC-JOSE-COSE writes, it is on purpose: a relative `kid`
//! (`#key-1`) is resolved against the issuer (Kith itself only writes absolute ones,
//! as #using-controlled-identifier-documents requires when `iss` is absent); and the
//! verification method may be a `Multikey` (did:key) or `JsonWebKey2020` (did:jwk) as
//! well as the `JsonWebKey` that section names, since the key is what is checked.
//! `iss` must match the issuer (#iss); `jti` and `sub` are not compared with `id` and
//! `credentialSubject.id` in a `vc+jwt`, where the specification only asks issuers
//! not to make them conflict.
//!
//! ```
//! use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
//! use kith_did::method::key::KeyMethod;
//! use kith_vc::{did_key_method_id, jose};
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let signer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519)?)?;
//! let kid = did_key_method_id(&signer.public_key());
//! let issuer = kid.split('#').next().unwrap();
//! let credential = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": issuer,
//!     "credentialSubject": {"id": "did:example:alice", "name": "Alice"}
//! });
//! let jwt = jose::issue_vc_jwt(&credential, &signer, &kid).await?;
//! let verified = jose::verify_vc_jwt(&jwt, &KeyMethod).await?;
//! assert_eq!(verified.credential, credential);
//! assert_eq!(verified.method_id, kid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! [VC-JOSE-COSE]: https://www.w3.org/TR/vc-jose-cose/
//! [VCDM 1.1]: https://www.w3.org/TR/vc-data-model-1.1/#json-web-token
//! [VCDM 2.0]: https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials
//! [`Challenge`]: crate::Challenge

mod credential;
mod envelope;
mod presentation;

use kith_crypto::multibase::base64url_decode;
use kith_crypto::{Algorithm, CompactJws};
use kith_did::DidUrl;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::Error;

pub use credential::{issue_vc_jwt, verify_vc_jwt};
pub use envelope::EnvelopedCredential;
pub use presentation::{VerifiedPresentation, create_vp_jwt, verify_vp_jwt};

/// The only signature algorithms a `vc+jwt` or `vp+jwt` may use. `none`, the HMAC
/// algorithms and anything else are refused before a key is looked up (DESIGN.md,
/// "Security defaults"; VC-JOSE-COSE, "JWT Format and Requirements": JWT Claims Sets
/// without integrity protection MUST be ignored).
pub const ALLOWED_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::EdDsa,
    Algorithm::Es256,
    Algorithm::Es384,
    Algorithm::Es256K,
];

/// Longest compact JWS accepted, checked before anything is decoded.
pub const MAX_JWT_LEN: usize = crate::json::MAX_JSON_LEN;

/// `typ` of a secured credential (VC-JOSE-COSE #securing-with-jose).
pub const TYP_VC_JWT: &str = "vc+jwt";
/// `typ` of a secured presentation (VC-JOSE-COSE #securing-vps-with-jose).
pub const TYP_VP_JWT: &str = "vp+jwt";
/// `cty` of a secured credential (VC-JOSE-COSE #securing-with-jose).
pub const CTY_VC: &str = "vc";
/// `cty` of a secured presentation (VC-JOSE-COSE #securing-vps-with-jose).
pub const CTY_VP: &str = "vp";
/// Media type of a `vc+jwt` (VC-JOSE-COSE #vc-json-jwt), as used in `data:` URLs.
pub const MEDIA_TYPE_VC_JWT: &str = "application/vc+jwt";
/// Media type of a `vp+jwt` (VC-JOSE-COSE #vp-json-jwt).
pub const MEDIA_TYPE_VP_JWT: &str = "application/vp+jwt";
/// Media type given to the JWT strings of a VCDM 1.1 presentation (RFC 7519 §10.3.1):
/// VCDM 1.1 lists them bare, without a media type. [`verify_vc_jwt`] reads them.
pub const MEDIA_TYPE_JWT: &str = "application/jwt";

/// Decodes a compact JWS without verifying anything, for inspection: returns
/// `{"header": …, "payload": …}`. Both parts go through Kith's bounded JSON parser.
///
/// Nothing in the result is authenticated.
pub fn decode_unverified(jws: &str) -> Result<Value, Error> {
    check_len(jws, "JWS")?;
    let mut parts = jws.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::malformed(
            "JWS",
            "expected three base64url parts separated by '.'",
        ));
    };
    Ok(json!({
        "header": decode_json_part("JWS", "header", header)?,
        "payload": decode_json_part("JWS", "payload", payload)?,
    }))
}

fn check_len(jws: &str, what: &'static str) -> Result<(), Error> {
    if jws.len() > MAX_JWT_LEN {
        return Err(Error::TooLarge {
            what,
            size: jws.len(),
            limit: MAX_JWT_LEN,
        });
    }
    Ok(())
}

fn decode_json_part(format: &'static str, part: &str, text: &str) -> Result<Value, Error> {
    let bytes = base64url_decode(text)
        .map_err(|e| Error::malformed(format, format!("{part} is not base64url: {e}")))?;
    crate::json::parse(&bytes)
}

/// What distinguishes a credential envelope from a presentation envelope.
struct Profile {
    /// The `typ` of the VC-JOSE-COSE form.
    typ: &'static str,
    /// The claim holding the document in the VCDM 1.1 form.
    legacy_claim: &'static str,
    /// The format named in errors.
    format: &'static str,
    /// The model code for a document that breaks the rules of the envelope.
    invalid: &'static str,
}

const VC: Profile = Profile {
    typ: TYP_VC_JWT,
    legacy_claim: "vc",
    format: "vc+jwt",
    invalid: "invalid_credential",
};

const VP: Profile = Profile {
    typ: TYP_VP_JWT,
    legacy_claim: "vp",
    format: "vp+jwt",
    invalid: "invalid_presentation",
};

/// Which encoding the payload uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// VC-JOSE-COSE: the payload is the document.
    Enveloped,
    /// VCDM 1.1 §6.3.1: the document is in the `vc` / `vp` claim.
    Legacy,
}

/// A JWS that passed every check that needs no key: size, structure, header,
/// algorithm, `typ`, `kid`, and a bounded parse of the payload. Not yet authenticated.
struct Opened {
    jws: CompactJws,
    kid: String,
    claims: Map<String, Value>,
    encoding: Encoding,
}

/// Parses `jws` as far as possible without a key.
fn open(jws: &str, profile: &Profile) -> Result<Opened, Error> {
    check_len(jws, profile.format)?;
    let parsed = CompactJws::parse(jws)?;
    // > The Header Parameter names within the JOSE Header MUST be unique; JWS parsers
    // > MUST either reject JWSs with duplicate Header Parameter names or use a JSON
    // > parser that returns only the lexically last duplicate member name
    // <https://www.rfc-editor.org/rfc/rfc7515#section-4>
    // `CompactJws::parse` refuses repeated registered parameters and keeps the last of
    // any other; the bounded parser refuses every repetition (I-JSON, RFC 7493 §2.3).
    decode_json_part(
        profile.format,
        "header",
        jws.split('.').next().unwrap_or_default(),
    )?;
    let header = parsed.header();
    // Refuse `none`, HMAC and unknown algorithms before any resolution. The allow-list
    // holds today every `Algorithm`; it keeps holding only these if kith-crypto adds more.
    let alg: Algorithm = header.alg.parse()?;
    if !ALLOWED_ALGORITHMS.contains(&alg) {
        return Err(kith_crypto::Error::AlgorithmNotAllowed(alg.name()).into());
    }
    let typed = match header.typ.as_deref() {
        Some(typ) if media_type_is(typ, profile.typ) => true,
        // VCDM 1.1 §6.3.1, "JWT Encoding": "typ, if present, MUST be set to JWT".
        Some(typ) if media_type_is(typ, "jwt") => false,
        None => false,
        Some(typ) => {
            return Err(Error::malformed(
                profile.format,
                format!("typ {typ:?} is not {:?} (or JWT for VCDM 1.1)", profile.typ),
            ));
        }
    };
    // > kid MUST be present when the key of the issuer or subject is expressed as a DID URL.
    // <https://www.w3.org/TR/vc-jose-cose/#kid>
    let kid = header.kid.clone().ok_or_else(|| {
        Error::malformed(
            profile.format,
            "the header has no kid naming the signing key (a DID URL)",
        )
    })?;
    if !kid.starts_with("did:") && !kid.starts_with('#') {
        return Err(Error::UnknownKey(format!(
            "kid {kid:?} is neither a DID URL nor a fragment of the signer's DID"
        )));
    }
    let Value::Object(claims) = crate::json::parse(parsed.payload())? else {
        return Err(Error::malformed(
            profile.format,
            "the payload is not a JSON object",
        ));
    };
    let encoding = if !typed && claims.contains_key(profile.legacy_claim) {
        Encoding::Legacy
    } else {
        // > The JWT Claim Names vc and vp MUST NOT be present.
        // <https://www.w3.org/TR/vc-jose-cose/#jose-header-parameters-jwt-claims>
        if let Some(name) = ["vc", "vp"].into_iter().find(|n| claims.contains_key(*n)) {
            return Err(Error::model(
                profile.invalid,
                format!(
                    "a {} payload is the document itself; the JWT claim {name:?} must not be present",
                    profile.typ
                ),
            ));
        }
        Encoding::Enveloped
    };
    Ok(Opened {
        jws: parsed,
        kid,
        claims,
        encoding,
    })
}

/// RFC 7515 §4.1.9: a `typ` without '/' means `application/<typ>`, and media types
/// compare case-insensitively (RFC 2045 §5.1).
fn media_type_is(typ: &str, expected: &str) -> bool {
    let bare = match typ.split_once('/') {
        Some((top, sub)) if top.eq_ignore_ascii_case("application") => sub,
        Some(_) => return false,
        None => typ,
    };
    bare.eq_ignore_ascii_case(expected)
}

/// The id of an `issuer` or `holder` value: the string, or the object's `id`.
fn id_of(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(id) => Some(id),
        Value::Object(object) => object.get("id")?.as_str(),
        _ => None,
    }
}

/// The JWT's own times (RFC 7519 §4.1.4–4.1.6). In VC-JOSE-COSE they describe the
/// signature, not the credential (VC-JOSE-COSE #jose-header-parameters-jwt-claims);
/// in VCDM 1.1 they also fill its dates.
#[derive(Debug, Clone, Copy, Default)]
struct JwtTimes {
    issued_at: Option<OffsetDateTime>,
    not_before: Option<OffsetDateTime>,
    expires: Option<OffsetDateTime>,
}

impl JwtTimes {
    fn read(claims: &Map<String, Value>) -> Result<Self, Error> {
        Ok(Self {
            issued_at: numeric_date(claims, "iat")?,
            not_before: numeric_date(claims, "nbf")?,
            expires: numeric_date(claims, "exp")?,
        })
    }
}

/// A NumericDate claim: seconds since the epoch, possibly fractional (RFC 7519 §2).
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<OffsetDateTime>, Error> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let invalid = || Error::malformed("JWT", format!("{name} is not a NumericDate: {value}"));
    let time = if let Some(seconds) = value.as_i64() {
        OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| invalid())?
    } else {
        let seconds = value
            .as_f64()
            .filter(|s| s.is_finite())
            .ok_or_else(invalid)?;
        let whole = seconds.floor();
        // Far outside the years `time` can represent (±9999); refuse before casting.
        if whole.abs() > 1e13 {
            return Err(invalid());
        }
        let nanos = ((seconds - whole) * 1e9).round() as i64;
        OffsetDateTime::from_unix_timestamp(whole as i64)
            .ok()
            .and_then(|t| t.checked_add(time::Duration::nanoseconds(nanos)))
            .ok_or_else(invalid)?
    };
    Ok(Some(time))
}

/// Checks the `kid` a caller wants to sign with: an absolute DID URL with a fragment,
/// on `signer_did` (the issuer or holder). Relative `kid`s are read but never written:
/// > When iss is absent, and the issuer is identified as a URL, the kid MUST be an
/// > absolute URL to a verification method listed in a controlled identifier document
///
/// <https://www.w3.org/TR/vc-jose-cose/#using-controlled-identifier-documents>
fn check_signing_kid(kid: &str, signer_did: &str, role: &str) -> Result<(), Error> {
    let url = DidUrl::parse(kid)
        .map_err(|e| Error::ApiMisuse(format!("kid {kid:?} is not a DID URL: {e}")))?;
    if url.fragment().is_none() {
        return Err(Error::ApiMisuse(format!(
            "kid {kid:?} names no verification method (no fragment)"
        )));
    }
    if url.did().as_str() != signer_did {
        return Err(Error::ApiMisuse(format!(
            "kid {kid:?} is not a key of the {role} {signer_did:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_is_a_media_type() {
        assert!(media_type_is("vc+jwt", "vc+jwt"));
        assert!(media_type_is("application/vc+jwt", "vc+jwt"));
        assert!(media_type_is("Application/VC+JWT", "vc+jwt"));
        assert!(!media_type_is("text/vc+jwt", "vc+jwt"));
        assert!(!media_type_is("vp+jwt", "vc+jwt"));
        assert!(!media_type_is("vc+ld+jwt", "vc+jwt"));
    }

    #[test]
    fn numeric_dates_allow_fractions_and_refuse_the_rest() {
        let claims: Map<String, Value> = serde_json::from_str(
            r#"{"a": 1700000000, "b": 1700000000.5, "c": "1700000000", "d": 1e300, "e": -1}"#,
        )
        .unwrap();
        assert_eq!(
            numeric_date(&claims, "a")
                .unwrap()
                .unwrap()
                .unix_timestamp(),
            1_700_000_000
        );
        let b = numeric_date(&claims, "b").unwrap().unwrap();
        assert_eq!((b.unix_timestamp(), b.millisecond()), (1_700_000_000, 500));
        assert_eq!(numeric_date(&claims, "c").unwrap_err().code(), "malformed");
        assert_eq!(numeric_date(&claims, "d").unwrap_err().code(), "malformed");
        assert!(numeric_date(&claims, "e").unwrap().is_some());
        assert!(numeric_date(&claims, "missing").unwrap().is_none());
    }

    #[test]
    fn decode_unverified_shows_header_and_payload() {
        let jws = "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.";
        let decoded = decode_unverified(jws).unwrap();
        assert_eq!(
            decoded,
            json!({"header": {"alg": "none"}, "payload": {"a": 1}})
        );
        assert_eq!(decode_unverified("a.b").unwrap_err().code(), "malformed");
        // {"a":1,"a":2}
        let dup = "eyJhbGciOiJub25lIn0.eyJhIjoxLCJhIjoyfQ.";
        assert_eq!(
            decode_unverified(dup).unwrap_err().code(),
            "duplicate_member"
        );
    }
}
