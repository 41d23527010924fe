//! Signed requests: RFC 9421 HTTP message signatures by a key of a registered DID, as
//! an alternative to API keys.
//!
//! A request is accepted when its `Signature-Input` names a signature that covers at
//! least `@method`, `@target-uri` (or `@authority` and `@path`), and `content-digest`
//! when there is a body; has `created` within [`MAX_SKEW`] of now (and `expires`, if
//! present, in the future); names in `keyid` a DID URL whose method the DID document
//! authorizes for `authentication`; and whose signature verifies over the signature
//! base (RFC 9421 §2.5). The body must match `Content-Digest` (RFC 9530), which the
//! route's body extractor cannot skip because the digest is checked here, before it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kith_did::{DidUrl, Relationship};
use kith_store::Scope;
use sha2::{Digest, Sha256, Sha512};
use time::OffsetDateTime;

use crate::app::App;
use crate::auth::Principal;
use crate::problem::Problem;

/// Tolerated difference between a signature's `created` and the server clock.
pub const MAX_SKEW: Duration = Duration::from_secs(300);

/// Whether the request carries an RFC 9421 signature (and no API key).
pub fn is_signed(headers: &HeaderMap) -> bool {
    headers.contains_key("signature-input")
        && headers.contains_key("signature")
        && !headers.contains_key(axum::http::header::AUTHORIZATION)
}

fn unauthorized(code: &str, detail: impl Into<String>) -> Problem {
    Problem::unauthorized(code, detail)
}

/// One signature named in `Signature-Input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// The covered components, in order (`@method`, `content-digest`, ...).
    pub components: Vec<String>,
    /// `created` (Unix seconds).
    pub created: Option<i64>,
    /// `expires` (Unix seconds).
    pub expires: Option<i64>,
    /// `keyid`.
    pub keyid: Option<String>,
    /// `alg`.
    pub alg: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// The `@signature-params` line's value: the inner list re-serialized (§2.3).
    pub serialized: String,
}

/// Parses the first signature of `Signature-Input` and its value in `Signature`
/// (RFC 9421 §4.1, §4.2: Dictionary structured fields, RFC 9651).
pub fn parse(
    signature_input: &str,
    signature: &str,
) -> Result<(SignatureParams, Vec<u8>), Problem> {
    let bad = |detail: String| unauthorized("invalid_signature_header", detail);
    let inputs = sfv::Parser::new(signature_input)
        .parse::<sfv::Dictionary>()
        .map_err(|e| {
            bad(format!(
                "Signature-Input is not a structured field dictionary: {e}"
            ))
        })?;
    let signatures = sfv::Parser::new(signature)
        .parse::<sfv::Dictionary>()
        .map_err(|e| {
            bad(format!(
                "Signature is not a structured field dictionary: {e}"
            ))
        })?;
    let (label, entry) = inputs
        .iter()
        .next()
        .ok_or_else(|| bad("Signature-Input names no signature".into()))?;
    let sfv::ListEntry::InnerList(inner) = entry else {
        return Err(bad(format!("Signature-Input {label} is not an inner list")));
    };
    let mut components = Vec::new();
    for item in &inner.items {
        match &item.bare_item {
            sfv::BareItem::String(name) if item.params.is_empty() => {
                components.push(name.as_str().to_owned());
            }
            _ => {
                return Err(bad(
                    "covered components must be plain strings (component parameters are not supported)".into(),
                ));
            }
        }
    }
    let mut params = SignatureParams {
        components,
        created: None,
        expires: None,
        keyid: None,
        alg: None,
        nonce: None,
        serialized: String::new(),
    };
    for (key, value) in &inner.params {
        match (key.as_str(), value) {
            ("created", sfv::BareItem::Integer(n)) => params.created = Some(i64::from(*n)),
            ("expires", sfv::BareItem::Integer(n)) => params.expires = Some(i64::from(*n)),
            ("keyid", sfv::BareItem::String(s)) => params.keyid = Some(s.as_str().to_owned()),
            ("alg", sfv::BareItem::String(s)) => params.alg = Some(s.as_str().to_owned()),
            ("nonce", sfv::BareItem::String(s)) => params.nonce = Some(s.as_str().to_owned()),
            ("tag", sfv::BareItem::String(_)) => {}
            (other, _) => {
                return Err(bad(format!(
                    "signature parameter {other:?} is unknown or has the wrong type"
                )));
            }
        }
    }
    let list: sfv::List = vec![sfv::ListEntry::InnerList(inner.clone())];
    params.serialized = sfv::FieldType::serialize(&list)
        .ok_or_else(|| bad("Signature-Input does not re-serialize".into()))?;
    let value = match signatures.get(label) {
        Some(sfv::ListEntry::Item(sfv::Item {
            bare_item: sfv::BareItem::ByteSequence(bytes),
            ..
        })) => bytes.clone(),
        _ => {
            return Err(bad(format!(
                "Signature has no byte sequence labelled {label:?}"
            )));
        }
    };
    Ok((params, value))
}

/// The value of one covered component (RFC 9421 §2.1, §2.2).
fn component(name: &str, request: &Request, scheme: &str) -> Result<String, Problem> {
    let uri = request.uri();
    let authority = || {
        request
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase)
            .or_else(|| uri.authority().map(|a| a.as_str().to_ascii_lowercase()))
    };
    let missing = || {
        unauthorized(
            "invalid_signature_header",
            format!("covered component {name:?} is not in the request"),
        )
    };
    match name {
        "@method" => Ok(request.method().as_str().to_owned()),
        "@authority" => authority().ok_or_else(missing),
        "@path" => Ok(if uri.path().is_empty() {
            "/".into()
        } else {
            uri.path().into()
        }),
        "@query" => Ok(format!("?{}", uri.query().unwrap_or(""))),
        "@target-uri" => {
            let authority = authority().ok_or_else(missing)?;
            let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
            Ok(format!("{scheme}://{authority}{path_and_query}"))
        }
        derived if derived.starts_with('@') => Err(unauthorized(
            "invalid_signature_header",
            format!("derived component {derived:?} is not supported"),
        )),
        field => {
            if field.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(unauthorized(
                    "invalid_signature_header",
                    format!("component names are lower case; got {field:?}"),
                ));
            }
            let values: Vec<&str> = request
                .headers()
                .get_all(field)
                .iter()
                .map(|v| v.to_str().map(str::trim))
                .collect::<Result<_, _>>()
                .map_err(|_| missing())?;
            if values.is_empty() {
                return Err(missing());
            }
            Ok(values.join(", "))
        }
    }
}

/// The signature base (RFC 9421 §2.5). `scheme` is the one of the service's public URL
/// (what clients address, also behind a TLS-terminating proxy).
pub fn signature_base(
    params: &SignatureParams,
    request: &Request,
    scheme: &str,
) -> Result<String, Problem> {
    let mut base = String::new();
    let mut seen = BTreeSet::new();
    for name in &params.components {
        if !seen.insert(name.as_str()) {
            return Err(unauthorized(
                "invalid_signature_header",
                format!("component {name:?} is covered twice"),
            ));
        }
        let value = component(name, request, scheme)?;
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {}", params.serialized));
    Ok(base)
}

/// Checks `Content-Digest` (RFC 9530 §2) against the body: sha-256 or sha-512.
pub fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), Problem> {
    let header = headers
        .get("content-digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            unauthorized(
                "invalid_content_digest",
                "a signed request with a body needs Content-Digest",
            )
        })?;
    let digests = sfv::Parser::new(header)
        .parse::<sfv::Dictionary>()
        .map_err(|e| {
            unauthorized(
                "invalid_content_digest",
                format!("Content-Digest is malformed: {e}"),
            )
        })?;
    let mut checked = false;
    for (alg, entry) in &digests {
        let sfv::ListEntry::Item(sfv::Item {
            bare_item: sfv::BareItem::ByteSequence(expected),
            ..
        }) = entry
        else {
            continue;
        };
        let actual: Vec<u8> = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        if &actual != expected {
            return Err(unauthorized(
                "content_digest_mismatch",
                format!("the body does not match its Content-Digest {alg}"),
            ));
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(unauthorized(
            "invalid_content_digest",
            "Content-Digest has no sha-256 or sha-512 digest",
        ))
    }
}

/// Signatures seen recently, refused a second time within [`MAX_SKEW`].
#[derive(Default)]
pub struct ReplayGuard {
    seen: Mutex<HashMap<[u8; 32], Instant>>,
}

impl ReplayGuard {
    fn first_use(&self, signature: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(signature).into();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, at| at.elapsed() < MAX_SKEW * 2);
        seen.insert(digest, Instant::now()).is_none()
    }
}

/// Authenticates a signed request: returns the DID principal, after checking the
/// body's digest (the body is buffered and put back).
pub async fn authenticate(app: &App, request: &mut Request) -> Result<Principal, Problem> {
    let (params, signature) = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .ok_or_else(|| {
                    unauthorized("invalid_signature_header", format!("{name} is not ASCII"))
                })
        };
        parse(&header("signature-input")?, &header("signature")?)?
    };
    let covers = |name: &str| params.components.iter().any(|c| c == name);
    if !covers("@method") || !(covers("@target-uri") || (covers("@authority") && covers("@path"))) {
        return Err(unauthorized(
            "signature_coverage",
            "the signature must cover @method and @target-uri (or @authority and @path)",
        ));
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let created = params.created.ok_or_else(|| {
        unauthorized(
            "signature_coverage",
            "the signature needs a created parameter",
        )
    })?;
    if (now - created).unsigned_abs() > MAX_SKEW.as_secs() {
        return Err(unauthorized(
            "signature_expired",
            "the signature's created time is more than 5 minutes from the server's clock",
        ));
    }
    if params.expires.is_some_and(|e| e < now) {
        return Err(unauthorized(
            "signature_expired",
            "the signature has expired",
        ));
    }
    // The body is read here (bounded) so its digest is checked before any handler.
    let body = std::mem::replace(request.body_mut(), Body::empty());
    let bytes = axum::body::to_bytes(body, crate::body::MAX_BODY)
        .await
        .map_err(|e| {
            Problem::bad_request("body_too_large", format!("the body could not be read: {e}"))
        })?;
    if !bytes.is_empty() {
        if !covers("content-digest") {
            return Err(unauthorized(
                "signature_coverage",
                "a signed request with a body must cover content-digest",
            ));
        }
        check_content_digest(request.headers(), &bytes)?;
    }
    *request.body_mut() = Body::from(bytes);
    let keyid = params.keyid.as_deref().ok_or_else(|| {
        unauthorized(
            "signature_coverage",
            "the signature needs a keyid (a DID URL)",
        )
    })?;
    let url = DidUrl::parse(keyid)
        .map_err(|e| unauthorized("unknown_signer", format!("keyid is not a DID URL: {e}")))?;
    let did = url.did().to_string();
    let scopes: BTreeSet<Scope> = app
        .store()
        .request_signers()
        .scopes(&did, OffsetDateTime::now_utc())
        .await
        .map_err(|e| Problem::from_store(&e))?
        .ok_or_else(|| {
            unauthorized(
                "unknown_signer",
                format!("{did} is not registered for signed requests"),
            )
        })?;
    let lookup = app
        .verifier()
        .lookup_method(&url, Relationship::Authentication)
        .await
        .map_err(|e| {
            unauthorized(
                "unknown_signer",
                format!("{keyid} could not be resolved: {e}"),
            )
        })?
        .ok_or_else(|| {
            unauthorized(
                "unknown_signer",
                format!("{keyid} is not in the DID document"),
            )
        })?;
    if !lookup.authorized {
        return Err(unauthorized(
            "key_not_authorized",
            format!("{keyid} is not an authentication method of {did}"),
        ));
    }
    let key = match lookup.key {
        Some(key) => key,
        None => lookup
            .method
            .public_key()
            .map_err(|e| unauthorized("unknown_signer", format!("{keyid}: {e}")))?,
    };
    let scheme = app.config().issuer.public_url.scheme().to_owned();
    let base = signature_base(&params, request, &scheme)?;
    let algorithm = kith_crypto::Algorithm::for_key_type(key.key_type()).ok_or_else(|| {
        unauthorized(
            "unsupported_algorithm",
            format!("{keyid} is not a signing key"),
        )
    })?;
    // RFC 9421 §3.3: when `alg` is given it must name the key's algorithm.
    if let Some(alg) = &params.alg {
        let expected = match key.key_type() {
            kith_crypto::KeyType::Ed25519 => "ed25519",
            kith_crypto::KeyType::P256 => "ecdsa-p256-sha256",
            kith_crypto::KeyType::P384 => "ecdsa-p384-sha384",
            _ => "",
        };
        if alg != expected {
            return Err(unauthorized(
                "unsupported_algorithm",
                format!("alg {alg:?} does not match the key of {keyid}"),
            ));
        }
    }
    key.verify(algorithm, base.as_bytes(), &signature)
        .map_err(|_| {
            unauthorized(
                "invalid_signature",
                "the HTTP message signature does not verify",
            )
        })?;
    if !app.replay_guard().first_use(&signature) {
        return Err(unauthorized(
            "signature_replayed",
            "this signature was already used; sign each request anew",
        ));
    }
    Ok(Principal { id: did, scopes })
}

/// `Content-Digest` for a body: `sha-256=:<base64>:`.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_rfc_9421_example_shape() {
        // The shape of RFC 9421 §2.5's example (covered components and parameters).
        let (params, value) = parse(
            r#"sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss""#,
            "sig1=:aGVsbG8=:",
        )
        .expect("parses");
        assert_eq!(
            params.components,
            [
                "@method",
                "@authority",
                "@path",
                "content-digest",
                "content-length",
                "content-type"
            ]
        );
        assert_eq!(params.created, Some(1_618_884_473));
        assert_eq!(params.keyid.as_deref(), Some("test-key-rsa-pss"));
        assert_eq!(
            params.serialized,
            r#"("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss""#
        );
        assert_eq!(value, b"hello");
    }

    #[test]
    fn refuses_what_it_cannot_check() {
        let code = |input: &str, sig: &str| parse(input, sig).map(|_| ()).unwrap_err().code;
        assert_eq!(
            code("sig1=\"@method\"", "sig1=:AA==:"),
            "invalid_signature_header"
        );
        assert_eq!(
            code("sig1=(\"@method\");foo=1", "sig1=:AA==:"),
            "invalid_signature_header"
        );
        assert_eq!(
            code("sig1=(\"@method\")", "other=:AA==:"),
            "invalid_signature_header"
        );
        assert_eq!(
            code("sig1=(\"@method\";req)", "sig1=:AA==:"),
            "invalid_signature_header"
        );
        assert_eq!(code("", ""), "invalid_signature_header");
        assert_eq!(code("sig1=(", "sig1=:AA==:"), "invalid_signature_header");
    }

    #[test]
    fn content_digest_must_match_the_body() {
        let mut headers = HeaderMap::new();
        headers.insert("content-digest", content_digest(b"{}").parse().unwrap());
        assert!(check_content_digest(&headers, b"{}").is_ok());
        assert_eq!(
            check_content_digest(&headers, b"{ }").unwrap_err().code,
            "content_digest_mismatch"
        );
        headers.insert("content-digest", "md5=:AAAA:".parse().unwrap());
        assert_eq!(
            check_content_digest(&headers, b"{}").unwrap_err().code,
            "invalid_content_digest"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_headers_never_panic(input in ".{0,200}", sig in ".{0,200}") {
            let _ = parse(&input, &sig);
            crate::__fuzz::http_signature(format!("{input}\n{sig}").as_bytes());
        }

        #[test]
        fn generated_inputs_round_trip(
            components in proptest::collection::vec("@?[a-z][a-z0-9-]{0,12}", 1..6),
            created in 0i64..4_000_000_000,
            keyid in "[A-Za-z0-9:#%._-]{1,40}",
            sig in proptest::collection::vec(any::<u8>(), 1..80),
        ) {
            let list = components.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(" ");
            let input = format!("sig1=({list});created={created};keyid=\"{keyid}\"");
            let value = format!("sig1=:{}:", STANDARD.encode(&sig));
            let (params, parsed) = parse(&input, &value).expect("valid input parses");
            prop_assert_eq!(&params.components, &components);
            prop_assert_eq!(params.created, Some(created));
            prop_assert_eq!(params.keyid.as_deref(), Some(keyid.as_str()));
            prop_assert_eq!(parsed, sig);
            prop_assert_eq!(&params.serialized, &input["sig1=".len()..]);
        }
    }
}
