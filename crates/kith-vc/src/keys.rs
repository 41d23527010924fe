//! Finding the key that verifies a proof: resolve the controller's DID document,
//! find the verification method, and check it is authorized for the proof purpose
//! (VC Data Integrity §4.5 step "verification method retrieval"; VC-JOSE-COSE §3.3).

use kith_crypto::PublicKey;
use kith_did::{DidUrl, Relationship, ResolutionOptions, Resolver, VerificationMethod};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;

/// A public key found in a controller document and authorized for a purpose.
#[derive(Debug, Clone)]
pub struct AuthorizedKey {
    /// The key.
    pub key: PublicKey,
    /// The verification method it came from (absolute id).
    pub method: VerificationMethod,
    /// The absolute DID URL of the method.
    pub method_id: DidUrl,
}

/// Resolves `method_id` (absolute, or relative to `controller`) and checks that the
/// method is listed under `purpose` in its controller's document and, when
/// `controller` is given, that the method belongs to that DID. A proof with no time:
/// [`resolve_authorized_key_at`] with `None`.
pub async fn resolve_authorized_key(
    resolver: &dyn Resolver,
    method_id: &str,
    controller: Option<&str>,
    purpose: Relationship,
) -> Result<AuthorizedKey, Error> {
    resolve_authorized_key_at(resolver, method_id, controller, purpose, None).await
}

/// [`resolve_authorized_key`] for a proof made at `proof_time` (DI `created`, JWT
/// `iat`): the document is resolved as of that time (`versionTime`) where the method
/// keeps history, so a key rotated out later still verifies what it signed before.
///
/// A method with a `revoked` time (Controlled Identifiers 1.0, verification method
/// `revoked`: proofs at or after it are not to be verified) fails with `key_revoked`
/// for a proof made at or after that time, and for a proof with no time at all.
pub async fn resolve_authorized_key_at(
    resolver: &dyn Resolver,
    method_id: &str,
    controller: Option<&str>,
    purpose: Relationship,
    proof_time: Option<OffsetDateTime>,
) -> Result<AuthorizedKey, Error> {
    let url = if method_id.starts_with("did:") {
        DidUrl::parse(method_id)
    } else {
        let base = controller.ok_or_else(|| {
            Error::UnknownKey(format!(
                "{method_id:?} is relative and there is no controller DID"
            ))
        })?;
        let base = kith_did::Did::parse(base).map_err(|e| Error::UnknownIssuer {
            did: base.to_owned(),
            source: e,
        })?;
        DidUrl::resolve_relative(&base, method_id)
    }
    .map_err(|e| Error::UnknownKey(format!("{method_id:?} is not a DID URL: {e}")))?;
    if let Some(expected) = controller
        && url.did().as_str() != expected
    {
        return Err(Error::KeyControllerMismatch {
            key: url.to_string(),
            expected: expected.to_owned(),
        });
    }
    let options = ResolutionOptions {
        version_time: proof_time.and_then(|t| {
            t.to_offset(time::UtcOffset::UTC)
                .replace_nanosecond(0)
                .ok()?
                .format(&Rfc3339)
                .ok()
        }),
        ..ResolutionOptions::default()
    };
    let lookup = resolver
        .lookup_method_with(&url, purpose, &options)
        .await
        .map_err(|source| Error::UnknownIssuer {
            did: url.did().to_string(),
            source,
        })?
        .ok_or_else(|| {
            Error::UnknownKey(format!("{url} is not in the DID document of {}", url.did()))
        })?;
    if !lookup.authorized {
        return Err(Error::KeyNotAuthorized {
            key: url.to_string(),
            relationship: purpose.name(),
        });
    }
    // proof_time is the signer's claim: a compromised key can backdate, so also rotate it out.
    check_not_revoked(&lookup.method, &url, proof_time)?;
    let key = match lookup.key {
        Some(key) => key,
        None => lookup
            .method
            .public_key()
            .map_err(|e| Error::UnknownKey(format!("{url}: {e}")))?,
    };
    Ok(AuthorizedKey {
        key,
        method: lookup.method,
        method_id: url,
    })
}

/// Fails with `key_revoked` when `method` has a `revoked` time and the proof was made
/// at or after it, or has no time; a `revoked` that is not a date-time revokes too.
fn check_not_revoked(
    method: &VerificationMethod,
    url: &DidUrl,
    proof_time: Option<OffsetDateTime>,
) -> Result<(), Error> {
    let Some(revoked) = method.extra.get("revoked") else {
        return Ok(());
    };
    let at = revoked
        .as_str()
        .and_then(|r| crate::datetime::parse_date_time_stamp(r).ok());
    match (at, proof_time) {
        (Some(at), Some(made)) if made < at => Ok(()),
        (at, made) => Err(Error::KeyRevoked {
            key: url.to_string(),
            detail: match (at, made) {
                (Some(_), Some(_)) => format!("revoked at {revoked}, the proof is dated after"),
                (Some(_), None) => format!("revoked at {revoked}, the proof has no time"),
                (None, _) => format!("revoked is not a date-time: {revoked}"),
            },
        }),
    }
}

/// The verification method id that `key` has in its own did:key document, for signing
/// with a key whose DID is its did:key.
pub fn did_key_method_id(key: &PublicKey) -> String {
    let did = kith_did::method::key::did_for(key);
    format!("{did}#{}", did.method_specific_id())
}
