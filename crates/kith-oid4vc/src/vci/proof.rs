//! The `jwt` key proof (OpenID4VCI 1.0 Appendix F.1, verified per Appendix F.4): the
//! wallet proves possession of the key the credential is to be bound to by signing
//! `{aud: <Credential Issuer Identifier>, iat, nonce: <c_nonce>}` with it, under the
//! header `{typ: "openid4vci-proof+jwt", alg, jwk | kid}`.
//!
//! Verification refuses, each as `invalid_proof`: a proof over [`MAX_PROOF_JWT_LEN`],
//! another `typ`, an `alg` outside the configuration's allow-list (so `none` and HMAC
//! never pass), duplicate header or claim members, not exactly one of `jwk` / `kid`
//! (`x5c` and `trust_chain` are not supported), a private `jwk`, a `kid` that is not a
//! DID URL of an allowed method or whose method is not an `authentication` key of its
//! DID, a signature that does not verify with that key, another `aud`, an `iat`
//! outside the window, and a missing `nonce`. Whether the nonce is live is the
//! issuer's next step (`invalid_nonce`).

use async_trait::async_trait;
use kith_crypto::{Algorithm, CompactJws, Header, Jwk, PublicKey, Signer};
use kith_did::{DidUrl, Relationship, Resolver};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::Error;

/// The `typ` of a key proof JWT (Appendix F.1).
pub const TYP_PROOF_JWT: &str = "openid4vci-proof+jwt";
/// Longest key proof JWT accepted.
pub const MAX_PROOF_JWT_LEN: usize = 8 * 1024;

/// How the wallet names the key a credential is to be bound to (Appendix F.1 header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderBinding {
    /// The public key itself, in the `jwk` header (binding method `jwk`).
    Jwk,
    /// A DID URL of the key, in the `kid` header (binding method `did:<method>`).
    Did {
        /// The verification method's DID URL.
        kid: String,
    },
}

impl HolderBinding {
    /// The key's did:key verification method (`did:key:z…#z…`).
    pub fn did_key(key: &PublicKey) -> Self {
        Self::Did {
            kid: kith_vc::did_key_method_id(key),
        }
    }

    /// The key's did:jwk verification method (`did:jwk:…#0`).
    pub fn did_jwk(key: &PublicKey) -> Self {
        Self::Did {
            kid: format!("{}#0", kith_did::method::jwk::did_for(key)),
        }
    }

    /// The `cryptographic_binding_methods_supported` value this binding needs.
    pub fn binding_method(&self) -> String {
        match self {
            Self::Jwk => "jwk".to_owned(),
            Self::Did { kid } => match DidUrl::parse(kid) {
                Ok(url) => format!("did:{}", url.did().method()),
                Err(_) => "did".to_owned(),
            },
        }
    }
}

/// A key the wallet proved possession of: what the credential is bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvenKey {
    /// The public key.
    pub key: PublicKey,
    /// The binding method it came through (`jwk`, `did:key`, `did:jwk`, ...).
    pub binding_method: String,
    /// The DID URL of the key (`kid`), if it was named by one.
    pub did_url: Option<String>,
}

impl ProvenKey {
    /// The holder's DID: the DID of `kid`, or the did:jwk of a bare `jwk`.
    pub fn holder_did(&self) -> String {
        match self.did_url.as_deref().and_then(|u| DidUrl::parse(u).ok()) {
            Some(url) => url.did().to_string(),
            None => kith_did::method::jwk::did_for(&self.key).to_string(),
        }
    }
}

/// Signs a key proof JWT with the holder's key.
///
/// `nonce` is the `c_nonce` from the issuer's Nonce Endpoint; `audience` the Credential
/// Issuer Identifier. No `iss`: Kith's wallet redeems pre-authorized codes anonymously
/// (Appendix F.1: `iss` "MUST be omitted" then).
pub async fn create_proof_jwt(
    signer: &dyn Signer,
    binding: &HolderBinding,
    audience: &str,
    nonce: Option<&str>,
    issued_at: OffsetDateTime,
) -> Result<String, Error> {
    let mut header = Header {
        typ: Some(TYP_PROOF_JWT.to_owned()),
        ..Header::default()
    };
    let mut claims = Map::new();
    claims.insert("aud".into(), Value::from(audience));
    claims.insert("iat".into(), Value::from(issued_at.unix_timestamp()));
    if let Some(nonce) = nonce {
        claims.insert("nonce".into(), Value::from(nonce));
    }
    // A map of strings and numbers always serializes.
    let payload = serde_json::to_vec(&claims).unwrap_or_default();
    let signed = match binding {
        HolderBinding::Jwk => {
            header.jwk = Some(signer.public_key().to_jwk());
            // `sign_compact` fills `kid` from the signer; a proof names its key once.
            kith_crypto::sign_compact(header, &payload, &WithoutKeyId(signer)).await
        }
        HolderBinding::Did { kid } => {
            header.kid = Some(kid.clone());
            kith_crypto::sign_compact(header, &payload, signer).await
        }
    };
    signed.map_err(|e| Error::Issuance(format!("signing the key proof: {e}")))
}

/// A signer seen without its key id.
struct WithoutKeyId<'a>(&'a dyn Signer);

#[async_trait]
impl Signer for WithoutKeyId<'_> {
    fn algorithm(&self) -> Algorithm {
        self.0.algorithm()
    }
    fn public_key(&self) -> PublicKey {
        self.0.public_key()
    }
    fn key_id(&self) -> Option<&str> {
        None
    }
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, kith_crypto::Error> {
        self.0.sign(message).await
    }
}

/// Where the proof's key comes from.
#[derive(Debug, Clone)]
enum KeyReference {
    Jwk(PublicKey),
    Kid(DidUrl),
}

/// A key proof that passed every check needing neither a key nor the issuer's state.
#[derive(Debug, Clone)]
pub struct UnverifiedProof {
    jws: CompactJws,
    algorithm: Algorithm,
    key: KeyReference,
    audience: String,
    issued_at: OffsetDateTime,
    nonce: Option<String>,
}

impl UnverifiedProof {
    /// Parses a key proof JWT: size, structure, `typ`, `alg` in `allowed`, one key
    /// reference, and the claims.
    pub fn parse(jwt: &str, allowed: &[Algorithm]) -> Result<Self, Error> {
        if jwt.len() > MAX_PROOF_JWT_LEN {
            return Err(Error::InvalidProof(format!(
                "the key proof is {} bytes, over the {MAX_PROOF_JWT_LEN}-byte limit",
                jwt.len()
            )));
        }
        let invalid = |why: String| Error::InvalidProof(why);
        let jws = CompactJws::parse(jwt).map_err(|e| invalid(format!("not a compact JWS: {e}")))?;
        // The bounded parser refuses duplicate header members (RFC 7515 §4).
        let header_part = jwt.split('.').next().unwrap_or_default();
        let header_json = kith_crypto::multibase::base64url_decode(header_part)
            .map_err(|e| invalid(format!("header: {e}")))
            .and_then(|bytes| {
                kith_vc::json::parse(&bytes).map_err(|e| invalid(format!("header: {e}")))
            })?;
        let header = jws.header();
        match header.typ.as_deref() {
            Some(typ) if media_type_is(typ, TYP_PROOF_JWT) => {}
            other => {
                return Err(invalid(format!(
                    "typ is {other:?}; a key proof has typ {TYP_PROOF_JWT:?}"
                )));
            }
        }
        let algorithm: Algorithm = header
            .alg
            .parse()
            .map_err(|e| invalid(format!("alg {:?}: {e}", header.alg)))?;
        if !allowed.contains(&algorithm) {
            return Err(invalid(format!(
                "alg {algorithm} is not one this credential configuration accepts"
            )));
        }
        for unsupported in ["x5c", "trust_chain"] {
            if header_json.get(unsupported).is_some() {
                return Err(invalid(format!(
                    "the {unsupported} header is not supported; name the key with jwk or kid"
                )));
            }
        }
        let key = match (&header.jwk, &header.kid) {
            (Some(jwk), None) => KeyReference::Jwk(public_jwk(jwk)?),
            (None, Some(kid)) => KeyReference::Kid(
                DidUrl::parse(kid)
                    .ok()
                    .filter(|url| url.fragment().is_some())
                    .ok_or_else(|| {
                        invalid(format!(
                            "kid {kid:?} is not a DID URL naming a verification method"
                        ))
                    })?,
            ),
            (Some(_), Some(_)) => {
                return Err(invalid("jwk and kid must not both be present".into()));
            }
            (None, None) => {
                return Err(invalid("the header names no key (jwk or kid)".into()));
            }
        };
        let Value::Object(claims) =
            kith_vc::json::parse(jws.payload()).map_err(|e| invalid(format!("claims: {e}")))?
        else {
            return Err(invalid("the claims are not a JSON object".into()));
        };
        let audience = match claims.get("aud") {
            Some(Value::String(aud)) => aud.clone(),
            Some(_) => return Err(invalid("aud must be a string".into())),
            None => return Err(invalid("aud is missing".into())),
        };
        let issued_at = claims
            .get("iat")
            .and_then(|iat| {
                iat.as_i64().or_else(|| {
                    iat.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 1e13)
                        .map(|f| f as i64)
                })
            })
            .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
            .ok_or_else(|| invalid("iat is missing or not a NumericDate".into()))?;
        let nonce = match claims.get("nonce") {
            Some(Value::String(nonce)) => Some(nonce.clone()),
            Some(_) => return Err(invalid("nonce must be a string".into())),
            None => None,
        };
        Ok(Self {
            jws,
            algorithm,
            key,
            audience,
            issued_at,
            nonce,
        })
    }

    /// The `nonce` claim.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// The `aud` claim.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The `iat` claim.
    pub fn issued_at(&self) -> OffsetDateTime {
        self.issued_at
    }

    /// Finds the key, checks the binding method is allowed and the signature, the
    /// audience and the time. The nonce is left to the caller's state.
    pub async fn verify(
        &self,
        resolver: &dyn Resolver,
        expected: &ProofExpectations<'_>,
    ) -> Result<ProvenKey, Error> {
        let invalid = |why: String| Error::InvalidProof(why);
        let proven = match &self.key {
            KeyReference::Jwk(key) => ProvenKey {
                key: key.clone(),
                binding_method: "jwk".to_owned(),
                did_url: None,
            },
            KeyReference::Kid(url) => {
                let method = format!("did:{}", url.did().method());
                if !expected.binding_methods.contains(&method) {
                    return Err(invalid(format!(
                        "binding method {method} is not accepted for this credential"
                    )));
                }
                let authorized = kith_vc::resolve_authorized_key(
                    resolver,
                    url.as_str(),
                    None,
                    Relationship::Authentication,
                )
                .await
                .map_err(|e| invalid(format!("kid {url}: {e}")))?;
                ProvenKey {
                    key: authorized.key,
                    binding_method: method,
                    did_url: Some(url.to_string()),
                }
            }
        };
        if !expected.binding_methods.contains(&proven.binding_method) {
            return Err(invalid(format!(
                "binding method {} is not accepted for this credential",
                proven.binding_method
            )));
        }
        // Appendix F.1: "MUST validate that the JWT used as a proof is actually signed by
        // a key identified in the JOSE Header".
        self.jws
            .verify(&proven.key, &[self.algorithm])
            .map_err(|e| {
                invalid(format!(
                    "the signature does not verify with the key in the header: {e}"
                ))
            })?;
        if self.audience != expected.audience {
            return Err(invalid(format!(
                "aud {:?} is not this Credential Issuer ({:?})",
                self.audience, expected.audience
            )));
        }
        if self.issued_at > expected.now + expected.max_clock_skew {
            return Err(invalid("iat is in the future".into()));
        }
        if self.issued_at < expected.now - expected.max_age {
            return Err(invalid(format!(
                "iat is more than {} s ago",
                expected.max_age.whole_seconds()
            )));
        }
        Ok(proven)
    }
}

/// What the issuer expects of a key proof.
#[derive(Debug, Clone)]
pub struct ProofExpectations<'a> {
    /// The Credential Issuer Identifier (`aud`).
    pub audience: &'a str,
    /// The binding methods the credential configuration accepts.
    pub binding_methods: &'a [String],
    /// The issuer's current time.
    pub now: OffsetDateTime,
    /// How long before `now` a proof may have been made.
    pub max_age: Duration,
    /// How far after `now` a proof's `iat` may be.
    pub max_clock_skew: Duration,
}

/// A public JWK from the header; private key material is refused (Appendix F.4).
fn public_jwk(jwk: &Jwk) -> Result<PublicKey, Error> {
    if jwk.is_private() {
        return Err(Error::InvalidProof(
            "the jwk header carries private key material".into(),
        ));
    }
    PublicKey::from_jwk(jwk).map_err(|e| Error::InvalidProof(format!("jwk header: {e}")))
}

/// RFC 7515 §4.1.9: `typ` may omit `application/`; media types compare case-insensitively.
fn media_type_is(typ: &str, expected: &str) -> bool {
    let bare = match typ.split_once('/') {
        Some((top, sub)) if top.eq_ignore_ascii_case("application") => sub,
        Some(_) => return false,
        None => typ,
    };
    bare.eq_ignore_ascii_case(expected)
}

#[cfg(test)]
mod tests {
    use kith_crypto::{KeyType, LocalSigner, PrivateKey};
    use kith_did::MethodResolver;

    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn resolver() -> MethodResolver {
        let mut resolver = MethodResolver::new();
        resolver.register("key", std::sync::Arc::new(kith_did::method::key::KeyMethod));
        resolver.register("jwk", std::sync::Arc::new(kith_did::method::jwk::JwkMethod));
        resolver
    }

    fn methods() -> Vec<String> {
        vec!["jwk".into(), "did:key".into(), "did:jwk".into()]
    }

    #[test]
    fn proofs_verify_with_each_binding() {
        run(async {
            let now = OffsetDateTime::now_utc();
            let signer = LocalSigner::new(PrivateKey::generate(KeyType::P256).unwrap()).unwrap();
            let methods = methods();
            let expected = ProofExpectations {
                audience: "https://issuer.example",
                binding_methods: &methods,
                now,
                max_age: Duration::minutes(5),
                max_clock_skew: Duration::seconds(60),
            };
            for binding in [
                HolderBinding::Jwk,
                HolderBinding::did_key(&signer.public_key()),
                HolderBinding::did_jwk(&signer.public_key()),
            ] {
                let jwt =
                    create_proof_jwt(&signer, &binding, "https://issuer.example", Some("n"), now)
                        .await
                        .unwrap();
                let proof = UnverifiedProof::parse(&jwt, &Algorithm::ALL).unwrap();
                assert_eq!(proof.nonce(), Some("n"));
                let proven = proof.verify(&resolver(), &expected).await.unwrap();
                assert_eq!(proven.key, signer.public_key());
                assert_eq!(proven.binding_method, binding.binding_method());
            }
        });
    }

    #[test]
    fn wrong_typ_alg_and_both_key_references_are_refused() {
        run(async {
            let signer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
            let jwt = create_proof_jwt(
                &signer,
                &HolderBinding::Jwk,
                "a",
                Some("n"),
                OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
            assert_eq!(
                UnverifiedProof::parse(&jwt, &[Algorithm::Es256])
                    .unwrap_err()
                    .code(),
                "invalid_proof"
            );
            let header = Header {
                typ: Some("JWT".into()),
                jwk: Some(signer.public_key().to_jwk()),
                ..Header::default()
            };
            let wrong_typ = kith_crypto::sign_compact(header, br#"{"aud":"a","iat":1}"#, &signer)
                .await
                .unwrap();
            assert!(UnverifiedProof::parse(&wrong_typ, &Algorithm::ALL).is_err());
            let header = Header {
                typ: Some(TYP_PROOF_JWT.into()),
                jwk: Some(signer.public_key().to_jwk()),
                kid: Some(kith_vc::did_key_method_id(&signer.public_key())),
                ..Header::default()
            };
            let both = kith_crypto::sign_compact(header, br#"{"aud":"a","iat":1}"#, &signer)
                .await
                .unwrap();
            assert!(UnverifiedProof::parse(&both, &Algorithm::ALL).is_err());
            assert!(UnverifiedProof::parse("e30.e30.", &Algorithm::ALL).is_err());
        });
    }
}
