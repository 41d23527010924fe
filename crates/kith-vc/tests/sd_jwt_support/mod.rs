//! Shared by the SD-JWT integration tests: an issuer with a did:key, a holder, and
//! hand-made JWTs and disclosures for the attacks that Kith's own issuer refuses to
//! produce.
#![allow(dead_code, unreachable_pub)]

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_vc::did_key_method_id;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const AUDIENCE: &str = "https://verifier.example.org";
pub const VCT: &str = "https://credentials.example.com/identity_credential";

/// An issuer whose key is its did:key, and a holder.
pub struct Parties {
    pub issuer: LocalSigner,
    pub issuer_did: String,
    pub holder: LocalSigner,
}

impl Parties {
    pub fn new(key_type: KeyType) -> Self {
        let issuer_key = PrivateKey::generate(key_type).unwrap();
        let kid = did_key_method_id(&issuer_key.public_key());
        let issuer_did = kid.split('#').next().unwrap().to_owned();
        Self {
            issuer: LocalSigner::new(issuer_key).unwrap().with_key_id(kid),
            issuer_did,
            holder: LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap(),
        }
    }

    pub fn kid(&self) -> &str {
        self.issuer.key_id().unwrap()
    }

    /// The issuer signs exactly `payload` as an SD-JWT VC issuer-signed JWT.
    pub async fn issuer_jwt(&self, payload: &Value) -> String {
        let header =
            json!({"alg": self.issuer.algorithm().name(), "typ": "dc+sd-jwt", "kid": self.kid()});
        sign(&header, payload, &self.issuer).await
    }

    /// A KB-JWT by `signer` over `sd_jwt` (`<jwt>~<d>~...~`).
    pub async fn kb_jwt(&self, sd_jwt: &str, nonce: &str, audience: &str, iat: i64) -> String {
        let payload =
            json!({"nonce": nonce, "aud": audience, "iat": iat, "sd_hash": digest(sd_jwt)});
        kb_jwt_with(&self.holder, &payload).await
    }
}

pub async fn kb_jwt_with(signer: &dyn Signer, payload: &Value) -> String {
    let header = json!({"alg": signer.algorithm().name(), "typ": "kb+jwt"});
    sign(&header, payload, signer).await
}

/// A compact JWS over the exact JSON of `header` and `payload`.
pub async fn sign(header: &Value, payload: &Value, signer: &dyn Signer) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(payload));
    let signature = signer.sign(input.as_bytes()).await.unwrap();
    format!("{input}.{}", base64url_encode(&signature))
}

pub fn b64_json(value: &Value) -> String {
    base64url_encode(value.to_string().as_bytes())
}

/// base64url(SHA-256(text)): a disclosure digest or an `sd_hash`.
pub fn digest(text: &str) -> String {
    base64url_encode(&Sha256::digest(text.as_bytes()))
}

/// A disclosure of any JSON array, and its digest.
pub fn disclosure(array: Value) -> (String, String) {
    let encoded = b64_json(&array);
    let digest = digest(&encoded);
    (encoded, digest)
}

/// The decoded JSON of a disclosure.
pub fn decode_disclosure(encoded: &str) -> Value {
    serde_json::from_slice(&base64url_decode(encoded).unwrap()).unwrap()
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Every base64url-decodable segment of a presentation (split at `~` and `.`), decoded.
pub fn decoded_parts(presentation: &str) -> Vec<String> {
    presentation
        .split(['~', '.'])
        .filter_map(|part| base64url_decode(part).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}
