//! SD-JWT (RFC 9901) and SD-JWT VC (`dc+sd-jwt`, draft-ietf-oauth-sd-jwt-vc).
//!
//! An SD-JWT is an issuer-signed JWT whose payload holds digests in place of some of
//! its claims, followed by the *disclosures* that reveal them, each a salted
//! `[salt, name, value]` (or `[salt, value]` for an array element):
//! `<issuer-signed JWT>~<disclosure>~...~`. The holder presents a subset of the
//! disclosures and, for key binding, appends a KB-JWT signed with the key in the
//! credential's `cnf` claim over the verifier's nonce and audience and the hash of
//! what it presents.
//!
//! - [`issue`] makes the claims named by RFC 6901 JSON pointers disclosable
//!   ([`IssueOptions`]) and signs.
//! - [`present`] keeps the disclosures for the pointers asked for, with the disclosures
//!   they sit in, and adds a KB-JWT.
//! - [`verify`] checks a presentation: the issuer's key found through its DID, the
//!   disclosures against the digests, the KB-JWT against the [`Challenge`](crate::Challenge);
//!   [`verify_with_issuer_key`] does the same with a key the caller already trusts.
//! - [`inspect`] decodes an SD-JWT without verifying it and lists what can be
//!   disclosed, for a wallet to show.
//!
//! ```
//! use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
//! use kith_did::method::key::KeyMethod;
//! use kith_vc::{Challenge, did_key_method_id, sd_jwt};
//! use serde_json::json;
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let issuer_key = PrivateKey::generate(KeyType::Ed25519)?;
//! let kid = did_key_method_id(&issuer_key.public_key());
//! let issuer = LocalSigner::new(issuer_key)?.with_key_id(kid);
//! let holder = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519)?)?;
//!
//! let claims = json!({"vct": "https://example.com/pid", "given_name": "Erika", "family_name": "Mustermann"});
//! let options = sd_jwt::IssueOptions {
//!     disclosable: vec!["/given_name".into(), "/family_name".into()],
//!     holder_key: Some(holder.public_key()),
//!     ..Default::default()
//! };
//! let issued = sd_jwt::issue(&claims, &issuer, &options).await?;
//!
//! let challenge = Challenge { nonce: "n-0S6_WzA2Mj".into(), audience: "https://verifier.example".into() };
//! let now = time::OffsetDateTime::now_utc();
//! let presentation = sd_jwt::present(
//!     &issued,
//!     &["/given_name".into()],
//!     Some((&holder, &challenge, now.unix_timestamp())),
//! )
//! .await?;
//!
//! let options = sd_jwt::VerifyOptions { challenge: Some(challenge), now, ..Default::default() };
//! let verified = sd_jwt::verify(&presentation, &KeyMethod, &options).await?;
//! assert_eq!(verified.credential["given_name"], "Erika");
//! assert!(verified.credential.get("family_name").is_none());
//! assert!(verified.holder_bound);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod disclosure;
mod inspect;
mod issuance;
mod jwt;
mod key_binding;
mod pointer;
mod presentation;
mod processing;
mod serialization;
mod vc;
mod verification;

pub use inspect::{DisclosableClaim, Inspected, inspect};
pub use issuance::{IssueOptions, issue};
pub use key_binding::TYP_KB_JWT;
pub use pointer::Pointer;
pub use presentation::present;
pub use vc::{NON_DISCLOSABLE, TYP_DC_SD_JWT, TYP_EXAMPLE_SD_JWT, TYP_VC_SD_JWT};
pub use verification::{VerifyOptions, verify, verify_with_issuer_key};

/// Largest SD-JWT or presentation accepted, checked before anything is decoded.
pub const MAX_SD_JWT_LEN: usize = crate::json::MAX_JSON_LEN;

/// The member holding the digests of an object's disclosable members (RFC 9901 §4.2.4.1).
const SD: &str = "_sd";
/// The member of an array element's digest placeholder (RFC 9901 §4.2.4.2).
const ELLIPSIS: &str = "...";
/// The claim naming the digest algorithm (RFC 9901 §4.1.1).
const SD_ALG: &str = "_sd_alg";
/// The one digest algorithm Kith implements, and the default (RFC 9901 §4.1.1).
const SHA_256: &str = "sha-256";
