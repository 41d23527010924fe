//! `vp+jwt`: presentations secured with JOSE by their holder, carrying enveloped
//! credentials and the verifier's challenge; and reading the VCDM 1.1 JWT-VP encoding.

use kith_crypto::{CompactJws, Header, Signer, sign_compact};
use kith_did::{Did, Relationship, Resolver};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{
    ALLOWED_ALGORITHMS, CTY_VP, Encoding, EnvelopedCredential, JwtTimes, MEDIA_TYPE_JWT, Opened,
    TYP_VP_JWT, VP,
};
use crate::model::{CREDENTIALS_V2_CONTEXT, Presentation, Version};
use crate::{Challenge, Error, resolve_authorized_key};

/// A presentation whose holder signature, nonce and audience verified. The credentials
/// inside are **not** verified: verify each one (the pipeline does).
#[derive(Debug, Clone)]
pub struct VerifiedPresentation {
    /// The presentation as the JWT states it: the payload for `vp+jwt` (with its
    /// `nonce` and `aud` claims), or the VCDM 1.1 decoding of the `vp` claim.
    pub presentation: Value,
    /// The holder, whose key signed.
    pub holder: String,
    /// The absolute id of the holder's verification method that verified.
    pub method_id: String,
    /// The secured credentials inside, in order, still to be verified.
    pub credentials: Vec<EnvelopedCredential>,
    /// JWT `iat`: when the holder signed, if stated.
    pub signed_at: Option<OffsetDateTime>,
    /// JWT `nbf`, if stated.
    pub not_before: Option<OffsetDateTime>,
    /// JWT `exp`: when the presentation stops being acceptable, if stated.
    pub expires: Option<OffsetDateTime>,
}

/// Builds a VCDM 2.0 presentation of `credentials` by `holder` and secures it as a
/// `vp+jwt` signed by `signer` under `kid` (an absolute DID URL of the holder).
///
/// Each credential is either a `data:` URL, used as is, or a compact serialization
/// whose header `typ` gives its media type (`vc+jwt` → `data:application/vc+jwt,…`):
/// > Verifiable Credentials secured in verifiable presentations MUST use the Enveloped
/// > Verifiable Credential type defined by the [VC-DATA-MODEL-2.0].
///
/// <https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose>
///
/// The challenge travels as the registered JWT claims `nonce` (OpenID Connect Core
/// §2, in the IANA JWT Claims registry) and `aud` (RFC 7519 §4.1.3), members of the
/// payload and so of the presentation:
/// > When present in the JOSE Header or the JWT Claims Set, members registered in the
/// > IANA JSON Web Token Claims registry [...] are to be interpreted as defined by the
/// > specifications referenced in the registries. [...] Additional members may be
/// > present as header parameters and claims.
///
/// <https://www.w3.org/TR/vc-jose-cose/#jose-header-parameters-jwt-claims>
pub async fn create_vp_jwt(
    credentials: Vec<String>,
    holder: &str,
    signer: &dyn Signer,
    kid: &str,
    challenge: &Challenge,
) -> Result<String, Error> {
    Did::parse(holder)
        .map_err(|e| Error::ApiMisuse(format!("the holder {holder:?} is not a DID: {e}")))?;
    super::check_signing_kid(kid, holder, "holder")?;
    let entries = credentials
        .iter()
        .map(|c| envelope(c).map(|e| e.to_entry()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut presentation = Map::new();
    presentation.insert("@context".into(), json!([CREDENTIALS_V2_CONTEXT]));
    presentation.insert("type".into(), json!(["VerifiablePresentation"]));
    presentation.insert("holder".into(), json!(holder));
    if !entries.is_empty() {
        presentation.insert("verifiableCredential".into(), Value::Array(entries));
    }
    let presentation = Value::Object(presentation);
    Presentation::from_json(presentation.clone())?;
    let Value::Object(mut payload) = presentation else {
        unreachable!("built as an object above")
    };
    payload.insert("nonce".into(), json!(challenge.nonce));
    payload.insert("aud".into(), json!(challenge.audience));
    let payload = serde_json::to_vec(&payload)
        .map_err(|e| Error::ApiMisuse(format!("the presentation does not serialize: {e}")))?;
    let header = Header {
        kid: Some(kid.to_owned()),
        typ: Some(TYP_VP_JWT.to_owned()),
        cty: Some(CTY_VP.to_owned()),
        ..Header::default()
    };
    Ok(sign_compact(header, &payload, signer).await?)
}

/// A credential given to [`create_vp_jwt`]: a `data:` URL, or a compact serialization
/// (JWS or SD-JWT) whose `typ` names its media type. Either way the media type must be
/// a credential's: `application/vc+…` or `application/dc+…`.
fn envelope(credential: &str) -> Result<EnvelopedCredential, Error> {
    let misuse = |reason: String| Error::ApiMisuse(format!("credential to present: {reason}"));
    let enveloped = if credential
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("data:"))
    {
        EnvelopedCredential::from_data_url(credential).map_err(|e| misuse(e.to_string()))?
    } else {
        // An SD-JWT is `<issuer JWS>~<disclosure>~…`; its JWS carries the typ.
        let jws = credential.split('~').next().unwrap_or_default();
        let parsed = CompactJws::parse(jws).map_err(|e| misuse(e.to_string()))?;
        let typ = parsed.header().typ.as_deref().ok_or_else(|| {
            misuse("it has no typ to name its media type; pass a data: URL instead".into())
        })?;
        let typ = typ.to_ascii_lowercase();
        EnvelopedCredential {
            media_type: if typ.contains('/') {
                typ
            } else {
                format!("application/{typ}")
            },
            credential: credential.to_owned(),
        }
    };
    let is_credential = enveloped
        .media_type
        .strip_prefix("application/")
        .is_some_and(|sub| sub.starts_with("vc+") || sub.starts_with("dc+"));
    if !is_credential {
        return Err(misuse(format!(
            "{} is not a secured credential's media type (application/vc+… or application/dc+…); \
             a bare JWT-VC must be passed as a data: URL naming one",
            enveloped.media_type
        )));
    }
    Ok(enveloped)
}

/// Verifies a `vp+jwt` (or a VCDM 1.1 JWT-VP) against the verifier's `challenge`.
///
/// The holder is the presentation's `holder` (or `iss`, which must agree with it); the
/// `kid` must be a key of the holder authorized for `authentication`. After the
/// signature: `nonce` must equal the challenge's (`nonce_mismatch`), `aud` must name
/// its audience (`audience_mismatch`), and every credential must be enveloped.
pub async fn verify_vp_jwt(
    jws: &str,
    resolver: &dyn Resolver,
    challenge: &Challenge,
) -> Result<VerifiedPresentation, Error> {
    let Opened {
        jws,
        kid,
        claims,
        encoding,
    } = super::open(jws, &VP)?;
    let holder = match encoding {
        Encoding::Enveloped => super::id_of(claims.get("holder")),
        // VCDM 1.1 §6.3.1, "JWT Decoding": iss "MUST be used to set [...] the holder property".
        Encoding::Legacy => None,
    }
    .or_else(|| claims.get("iss").and_then(Value::as_str))
    .or_else(|| super::id_of(claims.get("vp").and_then(|vp| vp.get("holder"))))
    .ok_or_else(|| {
        Error::HolderBinding(
            "the presentation names no holder (holder or iss) to bind its key to".into(),
        )
    })?
    .to_owned();
    let key =
        resolve_authorized_key(resolver, &kid, Some(&holder), Relationship::Authentication).await?;
    jws.verify(&key.key, &ALLOWED_ALGORITHMS)?;

    // Authenticated from here on.
    check_challenge(&claims, challenge)?;
    let times = JwtTimes::read(&claims)?;
    let (presentation, credentials) = match encoding {
        Encoding::Enveloped => enveloped_presentation(claims, &holder)?,
        Encoding::Legacy => legacy_presentation(claims, &holder)?,
    };
    Ok(VerifiedPresentation {
        presentation,
        holder,
        method_id: key.method_id.to_string(),
        credentials,
        signed_at: times.issued_at,
        not_before: times.not_before,
        expires: times.expires,
    })
}

/// The verifier's nonce and audience must be the ones the holder signed. `aud` is a
/// string or an array of strings (RFC 7519 §4.1.3).
fn check_challenge(claims: &Map<String, Value>, challenge: &Challenge) -> Result<(), Error> {
    match claims.get("nonce") {
        Some(Value::String(nonce)) if *nonce == challenge.nonce => {}
        Some(other) => {
            return Err(Error::NonceMismatch(format!(
                "the presentation's nonce is {other}, the verifier's is {:?}",
                challenge.nonce
            )));
        }
        None => {
            return Err(Error::NonceMismatch(
                "the presentation has no nonce claim".into(),
            ));
        }
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => *aud == challenge.audience,
        Some(Value::Array(auds)) => auds
            .iter()
            .any(|a| a.as_str() == Some(challenge.audience.as_str())),
        _ => false,
    };
    if !audience_ok {
        return Err(Error::AudienceMismatch(format!(
            "the presentation is for {}, not for {:?}",
            claims
                .get("aud")
                .map_or_else(|| "no audience".to_owned(), Value::to_string),
            challenge.audience
        )));
    }
    Ok(())
}

/// The VC-JOSE-COSE form: the payload is the presentation.
fn enveloped_presentation(
    claims: Map<String, Value>,
    holder: &str,
) -> Result<(Value, Vec<EnvelopedCredential>), Error> {
    // VC-JOSE-COSE #iss, applied to the holder as VCDM 1.1 "JWT Decoding" does: iss, when
    // present, is the holder.
    if let Some(iss) = claims.get("iss")
        && iss.as_str() != Some(holder)
    {
        return Err(Error::model(
            "invalid_presentation",
            format!("the JWT claim iss {iss} does not match the holder {holder:?}"),
        ));
    }
    let presentation = Presentation::from_json(Value::Object(claims))?;
    if presentation.version() != Version::V2 {
        return Err(Error::model(
            "invalid_context",
            "a vp+jwt secures a VCDM 2.0 presentation; a VCDM 1.1 presentation in a JWT goes in the vp claim",
        ));
    }
    let credentials = presentation
        .credentials()
        .into_iter()
        .map(EnvelopedCredential::from_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((Value::Object(presentation.as_json().clone()), credentials))
}

/// The VCDM 1.1 form: the `vp` claim, with `iss` → `holder` and `jti` → `id`
/// (VCDM 1.1 §6.3.1, "JWT Decoding"). Its `verifiableCredential` lists JWT strings; enveloped
/// entries are read too, and embedded credentials are refused: a JWT presentation
/// carries only secured envelopes Kith can hand to its verifiers.
fn legacy_presentation(
    mut claims: Map<String, Value>,
    holder: &str,
) -> Result<(Value, Vec<EnvelopedCredential>), Error> {
    let invalid = |reason: String| Error::model("invalid_presentation", reason);
    let Some(Value::Object(mut vp)) = claims.remove("vp") else {
        return Err(invalid("the vp claim must be a JSON object".into()));
    };
    match vp.get("holder") {
        None => {
            vp.insert("holder".into(), json!(holder));
        }
        Some(stated) if super::id_of(Some(stated)) == Some(holder) => {}
        Some(stated) => {
            return Err(invalid(format!(
                "the JWT claim iss ({holder:?}) conflicts with holder ({stated})"
            )));
        }
    }
    if let Some(jti) = claims.get("jti") {
        match vp.get("id") {
            None => {
                vp.insert("id".into(), jti.clone());
            }
            Some(id) if id == jti => {}
            Some(id) => {
                return Err(invalid(format!(
                    "the JWT claim jti ({jti}) conflicts with id ({id})"
                )));
            }
        }
    }
    let items: Vec<&Value> = match vp.get("verifiableCredential") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
    };
    let mut credentials = Vec::with_capacity(items.len());
    let mut normalized = Vec::with_capacity(items.len());
    for item in items {
        let enveloped = match item {
            Value::String(jwt) => EnvelopedCredential {
                media_type: MEDIA_TYPE_JWT.to_owned(),
                credential: jwt.clone(),
            },
            other => EnvelopedCredential::from_entry(other)?,
        };
        normalized.push(enveloped.to_entry());
        credentials.push(enveloped);
    }
    // The model wants objects in verifiableCredential; validate a copy in which the
    // JWT strings stand as enveloped entries, and return the decoding as the JWT says.
    let mut check = vp.clone();
    if check.contains_key("verifiableCredential") {
        check.insert("verifiableCredential".into(), Value::Array(normalized));
    }
    let presentation = Presentation::from_json(Value::Object(check))?;
    if presentation.version() != Version::V1 {
        return Err(Error::model(
            "invalid_context",
            "the vp claim holds VCDM 1.1 presentations; a VCDM 2.0 presentation is the payload of a vp+jwt",
        ));
    }
    Ok((Value::Object(vp), credentials))
}
