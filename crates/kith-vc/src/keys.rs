//! Finding the key that verifies a proof: resolve the controller's DID document,
//! find the verification method, and check it is authorized for the proof purpose
//! (VC Data Integrity §4.5 step "verification method retrieval"; VC-JOSE-COSE §3.3).

use kith_crypto::PublicKey;
use kith_did::{DidUrl, Relationship, Resolver, VerificationMethod};

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
/// `controller` is given, that the method belongs to that DID.
pub async fn resolve_authorized_key(
    resolver: &dyn Resolver,
    method_id: &str,
    controller: Option<&str>,
    purpose: Relationship,
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
    let lookup = resolver
        .lookup_method(&url, purpose)
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

/// The verification method id that `key` has in its own did:key document, for signing
/// with a key whose DID is its did:key.
pub fn did_key_method_id(key: &PublicKey) -> String {
    let did = kith_did::method::key::did_for(key);
    format!("{did}#{}", did.method_specific_id())
}
