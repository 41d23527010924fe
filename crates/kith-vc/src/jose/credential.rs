//! `vc+jwt`: issuing and verifying credentials secured with JOSE, and reading the
//! VCDM 1.1 JWT-VC encoding.

use kith_crypto::{Header, PublicKey, Signer, sign_compact};
use kith_did::{Relationship, Resolver};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{ALLOWED_ALGORITHMS, CTY_VC, Encoding, JwtTimes, Opened, TYP_VC_JWT, VC};
use crate::datetime::{format_date_time, parse_date_time_stamp};
use crate::model::{Credential, Version};
use crate::{Error, VerifiedProof, resolve_authorized_key_at};

/// Secures a VCDM 2.0 credential as a `vc+jwt` signed by `signer`, naming the key `kid`
/// (an absolute DID URL of the issuer).
///
/// The payload is the credential's JSON, byte for byte as `serde_json` writes it, with
/// no JWT claims added:
/// > The unsecured verifiable credential is the unencoded JWS payload.
/// > The typ header parameter SHOULD be vc+jwt. When present, the cty header parameter
/// > SHOULD be vc.
///
/// <https://www.w3.org/TR/vc-jose-cose/#securing-with-jose>
///
/// Fails with the credential's model code if it is not a valid VCDM 2.0 credential or
/// carries a `vc` / `vp` member, and with `api_misuse` if `kid` is not a key of the issuer.
pub async fn issue_vc_jwt(
    credential: &Value,
    signer: &dyn Signer,
    kid: &str,
) -> Result<String, Error> {
    let parsed = Credential::from_json(credential.clone())?;
    if parsed.version() != Version::V2 {
        return Err(Error::model(
            "invalid_context",
            "vc+jwt secures VCDM 2.0 credentials; this one has the VCDM 1.1 context",
        ));
    }
    if let Some(name) = ["vc", "vp"]
        .into_iter()
        .find(|n| parsed.as_json().contains_key(*n))
    {
        // VC-JOSE-COSE #jose-header-parameters-jwt-claims: "The JWT Claim Names vc and
        // vp MUST NOT be present."
        return Err(Error::model(
            "invalid_credential",
            format!("a vc+jwt credential must not have a {name:?} member (it is a JWT claim name)"),
        ));
    }
    super::check_signing_kid(kid, parsed.issuer(), "issuer")?;
    let payload = serde_json::to_vec(credential)
        .map_err(|e| Error::ApiMisuse(format!("the credential does not serialize: {e}")))?;
    // Issue only what verification will read back: the same bounds (size, depth,
    // numbers with an exact JCS form) apply on both sides.
    crate::json::parse(&payload)?;
    let header = Header {
        kid: Some(kid.to_owned()),
        typ: Some(TYP_VC_JWT.to_owned()),
        cty: Some(CTY_VC.to_owned()),
        ..Header::default()
    };
    Ok(sign_compact(header, &payload, signer).await?)
}

/// Verifies a `vc+jwt` (or a VCDM 1.1 JWT-VC) and returns the credential it secures.
///
/// In order: size (≤ [`MAX_JWT_LEN`](super::MAX_JWT_LEN)) and structure; `alg` in
/// [`ALLOWED_ALGORITHMS`](super::ALLOWED_ALGORITHMS); `typ` `vc+jwt` (or absent /
/// `JWT` for VCDM 1.1); a `kid` that is a DID URL; a bounded parse of the payload; the
/// key, which must belong to the issuer and be authorized for `assertionMethod`; the
/// signature; and only then the credential: VCDM 2.0 for `vc+jwt`, VCDM 1.1 rebuilt
/// from the JWT claims for the legacy form. Validity dates are reported, not judged:
/// the pipeline compares them with its clock.
pub async fn verify_vc_jwt(jws: &str, resolver: &dyn Resolver) -> Result<VerifiedProof, Error> {
    let Opened {
        jws,
        kid,
        claims,
        encoding,
    } = super::open(jws, &VC)?;
    let issuer = match encoding {
        Encoding::Enveloped => super::id_of(claims.get("issuer")),
        // VCDM 1.1 §6.3.1, "JWT Decoding": "If iss is present, the value MUST be used
        // to set the issuer property"; a conflicting vc.issuer is refused after the
        // signature.
        Encoding::Legacy => claims
            .get("iss")
            .and_then(Value::as_str)
            .or_else(|| super::id_of(claims.get("vc").and_then(|vc| vc.get("issuer")))),
    }
    .ok_or_else(|| Error::model("invalid_issuer", "the credential names no issuer"))?
    .to_owned();
    let key = resolve_authorized_key_at(
        resolver,
        &kid,
        Some(&issuer),
        Relationship::AssertionMethod,
        super::numeric_date(&claims, "iat")?,
    )
    .await?;
    jws.verify(&key.key, &ALLOWED_ALGORITHMS)?;

    // Authenticated from here on.
    let times = JwtTimes::read(&claims)?;
    let holder_key = confirmation_key(&claims)?;
    let credential = match encoding {
        Encoding::Enveloped => enveloped_credential(claims)?,
        Encoding::Legacy => legacy_credential(claims)?,
    };
    if credential.issuer() != issuer {
        return Err(Error::model(
            "invalid_credential",
            format!(
                "the issuer is {:?}, the key was checked for {issuer:?}",
                credential.issuer()
            ),
        ));
    }
    Ok(VerifiedProof {
        credential: credential.into_json(),
        issuer,
        method_id: key.method_id.to_string(),
        signed_at: times.issued_at,
        not_before: times.not_before,
        expires: times.expires,
        holder_key,
        holder_bound: false,
    })
}

/// The VC-JOSE-COSE form: the payload is the credential.
fn enveloped_credential(claims: Map<String, Value>) -> Result<Credential, Error> {
    // > When issuer value is a string, iss value, if present, MUST match issuer value.
    // > When issuer value is an object with an id value, iss value, if present, MUST
    // > match issuer.id value.
    // <https://www.w3.org/TR/vc-jose-cose/#iss>
    if let Some(iss) = claims.get("iss") {
        let issuer = super::id_of(claims.get("issuer"));
        if iss.as_str() != issuer {
            return Err(Error::model(
                "invalid_credential",
                format!("the JWT claim iss {iss} does not match the issuer {issuer:?}"),
            ));
        }
    }
    let credential = Credential::from_json(Value::Object(claims))?;
    if credential.version() != Version::V2 {
        return Err(Error::model(
            "invalid_context",
            "a vc+jwt secures a VCDM 2.0 credential; a VCDM 1.1 credential in a JWT goes in the vc claim",
        ));
    }
    Ok(credential)
}

/// The VCDM 1.1 form: rebuilds the credential from the `vc` claim and the registered
/// claims, refusing any claim that contradicts the property it stands for.
///
/// > To decode a JWT to a standard credential or presentation, the following
/// > transformation MUST be performed: Create a JSON object. Add the content from the
/// > vc or vp claim to the new JSON object. Transform the remaining JWT specific
/// > headers and claims, and add the results to the new credential
///
/// <https://www.w3.org/TR/vc-data-model-1.1/#jwt-decoding>
fn legacy_credential(mut claims: Map<String, Value>) -> Result<Credential, Error> {
    let Some(Value::Object(mut vc)) = claims.remove("vc") else {
        return Err(Error::model(
            "invalid_credential",
            "the vc claim must be a JSON object",
        ));
    };
    // iss → issuer (or issuer.id).
    if let Some(iss) = claims.get("iss") {
        let iss = claim_str(iss, "iss")?;
        match vc.get_mut("issuer") {
            None => {
                vc.insert("issuer".into(), Value::String(iss.to_owned()));
            }
            Some(Value::Object(issuer)) if !issuer.contains_key("id") => {
                issuer.insert("id".into(), Value::String(iss.to_owned()));
            }
            Some(issuer) => check_same("iss", iss, "issuer", super::id_of(Some(issuer)))?,
        }
    }
    // nbf → issuanceDate.
    if let Some(nbf) = super::numeric_date(&claims, "nbf")? {
        merge_time(&mut vc, "nbf", "issuanceDate", nbf)?;
    }
    // exp → expirationDate. The decoding text says "of credentialSubject", but
    // expirationDate is a property of the credential (VCDM 1.1 §4.8), where it goes.
    if let Some(exp) = super::numeric_date(&claims, "exp")? {
        merge_time(&mut vc, "exp", "expirationDate", exp)?;
    }
    // sub → credentialSubject.id. A JWT names one subject (VCDM 1.1 §6.3.1, "JWT Encoding").
    if let Some(sub) = claims.get("sub") {
        let sub = claim_str(sub, "sub")?;
        let subject = vc
            .entry("credentialSubject")
            .or_insert_with(|| Value::Object(Map::new()));
        let subject = match subject {
            Value::Array(items) if items.len() == 1 => &mut items[0],
            Value::Array(_) => {
                return Err(Error::model(
                    "invalid_credential",
                    "a JWT with sub secures exactly one credentialSubject",
                ));
            }
            one => one,
        };
        let Value::Object(subject) = subject else {
            return Err(Error::model(
                "missing_subject",
                "credentialSubject must be an object",
            ));
        };
        match subject.get("id") {
            None => {
                subject.insert("id".into(), Value::String(sub.to_owned()));
            }
            Some(id) => check_same("sub", sub, "credentialSubject.id", id.as_str())?,
        }
    }
    // jti → id.
    if let Some(jti) = claims.get("jti") {
        let jti = claim_str(jti, "jti")?;
        match vc.get("id") {
            None => {
                vc.insert("id".into(), Value::String(jti.to_owned()));
            }
            Some(id) => check_same("jti", jti, "id", id.as_str())?,
        }
    }
    let credential = Credential::from_json(Value::Object(vc))?;
    if credential.version() != Version::V1 {
        return Err(Error::model(
            "invalid_context",
            "the vc claim holds VCDM 1.1 credentials; a VCDM 2.0 credential is the payload of a vc+jwt",
        ));
    }
    Ok(credential)
}

fn claim_str<'a>(value: &'a Value, name: &str) -> Result<&'a str, Error> {
    value
        .as_str()
        .ok_or_else(|| Error::malformed("JWT", format!("the {name} claim must be a string")))
}

fn check_same(
    claim: &str,
    value: &str,
    property: &str,
    existing: Option<&str>,
) -> Result<(), Error> {
    if existing == Some(value) {
        return Ok(());
    }
    Err(Error::model(
        "invalid_credential",
        format!("the JWT claim {claim} ({value:?}) conflicts with {property} ({existing:?})"),
    ))
}

/// Sets a date property from a NumericDate claim, or checks that the property already
/// there is the same instant (to the second, the precision of the usual NumericDate).
fn merge_time(
    vc: &mut Map<String, Value>,
    claim: &str,
    property: &str,
    time: OffsetDateTime,
) -> Result<(), Error> {
    match vc.get(property) {
        None => {
            vc.insert(property.to_owned(), Value::String(format_date_time(time)));
            Ok(())
        }
        Some(existing) => {
            let same = existing
                .as_str()
                .and_then(|text| parse_date_time_stamp(text).ok())
                .is_some_and(|t| t.unix_timestamp() == time.unix_timestamp());
            if same {
                Ok(())
            } else {
                Err(Error::model(
                    "invalid_credential",
                    format!(
                        "the JWT claim {claim} ({}) conflicts with {property} ({existing})",
                        format_date_time(time)
                    ),
                ))
            }
        }
    }
}

/// The holder key of a `cnf` claim with an embedded `jwk` (RFC 7800 §3.2; VC-JOSE-COSE
/// #cnf). Other confirmation methods are not understood and so ignored.
fn confirmation_key(claims: &Map<String, Value>) -> Result<Option<PublicKey>, Error> {
    let Some(jwk) = claims.get("cnf").and_then(|cnf| cnf.get("jwk")) else {
        return Ok(None);
    };
    let jwk: kith_crypto::Jwk = serde_json::from_value(jwk.clone())
        .map_err(|e| Error::HolderBinding(format!("cnf.jwk is not a JWK: {e}")))?;
    if jwk.is_private() {
        return Err(Error::HolderBinding(
            "cnf.jwk holds private key material".into(),
        ));
    }
    PublicKey::from_jwk(&jwk)
        .map(Some)
        .map_err(|e| Error::HolderBinding(format!("cnf.jwk: {e}")))
}
