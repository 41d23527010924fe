//! Attacks on `vc+jwt` and `vp+jwt`: each forged or malformed token is refused with
//! its exact error code. Every token here is built so that it would get past a
//! verifier missing the check under test (a valid signature where one is possible).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use hmac::{KeyInit, Mac};
use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{Header, KeyType, LocalSigner, PrivateKey, Signer, sign_compact};
use kith_did::method::{jwk::JwkMethod, key::KeyMethod};
use kith_did::{
    Did, Document, DocumentMetadata, MethodResolver, Resolution, ResolutionOptions, Resolver,
};
use kith_vc::{Challenge, did_key_method_id, jose};
use serde_json::{Value, json};

/// Serves fixed documents for `did:example:*`.
struct Documents(HashMap<String, Document>);

#[async_trait]
impl Resolver for Documents {
    async fn resolve(
        &self,
        did: &Did,
        _: &ResolutionOptions,
    ) -> Result<Resolution, kith_did::Error> {
        let document = self
            .0
            .get(did.as_str())
            .cloned()
            .ok_or_else(|| kith_did::Error::NotFound(did.to_string()))?;
        Ok(Resolution {
            document,
            document_metadata: DocumentMetadata::default(),
        })
    }
}

const EXAMPLE_DID: &str = "did:example:issuer";

/// The world of these tests: did:key, did:jwk, and `did:example:issuer` whose
/// `#assert` key may issue and whose `#auth-only` key may only authenticate.
struct World {
    resolver: MethodResolver,
    assert_key: LocalSigner,
    auth_only_key: LocalSigner,
}

fn world() -> World {
    let assert_key = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
    let auth_only_key = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
    let document = json!({
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": EXAMPLE_DID,
        "verificationMethod": [
            {"id": "#assert", "type": "JsonWebKey", "controller": EXAMPLE_DID, "publicKeyJwk": assert_key.public_key().to_jwk()},
            {"id": "#auth-only", "type": "JsonWebKey", "controller": EXAMPLE_DID, "publicKeyJwk": auth_only_key.public_key().to_jwk()}
        ],
        "assertionMethod": ["#assert"],
        "authentication": ["#auth-only"]
    });
    let document = Document::from_json(document.to_string().as_bytes()).unwrap();
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    resolver.register("jwk", Arc::new(JwkMethod));
    resolver.register(
        "example",
        Arc::new(Documents(HashMap::from([(
            EXAMPLE_DID.to_owned(),
            document,
        )]))),
    );
    World {
        resolver,
        assert_key,
        auth_only_key,
    }
}

/// A did:key signer: (signer, kid, did).
fn did_key_signer(key_type: KeyType) -> (LocalSigner, String, String) {
    let signer = LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap();
    let kid = did_key_method_id(&signer.public_key());
    let did = kid.split('#').next().unwrap().to_owned();
    (signer, kid, did)
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:alice", "degree": "BSc"}
    })
}

fn challenge() -> Challenge {
    Challenge {
        nonce: "0f3c9a1e".into(),
        audience: "https://verifier.example".into(),
    }
}

fn header(typ: &str, kid: &str) -> Header {
    Header {
        kid: Some(kid.to_owned()),
        typ: Some(typ.to_owned()),
        ..Header::default()
    }
}

/// Signs `payload` bytes as is (so they can hold what `serde_json` would never write).
async fn sign_raw(header: Header, payload: &[u8], signer: &dyn Signer) -> String {
    sign_compact(header, payload, signer).await.unwrap()
}

async fn sign_json(header: Header, payload: &Value, signer: &dyn Signer) -> String {
    sign_raw(header, &serde_json::to_vec(payload).unwrap(), signer).await
}

/// The signing input of a token whose header is written by hand.
fn signing_input(header: &Value, payload: &Value) -> String {
    format!(
        "{}.{}",
        base64url_encode(header.to_string().as_bytes()),
        base64url_encode(payload.to_string().as_bytes())
    )
}

/// A token from a header written by hand and a signature computed by `sign` over the
/// signing input.
fn forge(header: &Value, payload: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = signing_input(header, payload);
    let signature = sign(input.as_bytes());
    format!("{input}.{}", base64url_encode(&signature))
}

/// A token from a header written by hand, signed by `signer` whatever the header says.
async fn forge_signed(header: &Value, payload: &Value, signer: &dyn Signer) -> String {
    let input = signing_input(header, payload);
    let signature = signer.sign(input.as_bytes()).await.unwrap();
    format!("{input}.{}", base64url_encode(&signature))
}

async fn vc_code(jws: &str, resolver: &dyn Resolver) -> &'static str {
    match jose::verify_vc_jwt(jws, resolver).await {
        Ok(v) => panic!("accepted a forged vc+jwt: {:?}", v.credential),
        Err(e) => {
            eprintln!("refused: {e}");
            e.code()
        }
    }
}

async fn vp_code(jws: &str, resolver: &dyn Resolver, challenge: &Challenge) -> &'static str {
    match jose::verify_vp_jwt(jws, resolver, challenge).await {
        Ok(v) => panic!("accepted a forged vp+jwt: {:?}", v.presentation),
        Err(e) => {
            eprintln!("refused: {e}");
            e.code()
        }
    }
}

// --- algorithm attacks -------------------------------------------------------------

/// RFC 8725 §2.1: `alg: none` in any capitalization.
#[tokio::test]
async fn alg_none_is_refused() {
    let w = world();
    let (_, kid, did) = did_key_signer(KeyType::Ed25519);
    for alg in ["none", "None", "NONE"] {
        let token = forge(
            &json!({"alg": alg, "typ": "vc+jwt", "kid": kid}),
            &credential(&did),
            |_| Vec::new(),
        );
        assert_eq!(vc_code(&token, &w.resolver).await, "alg_none", "{alg}");
    }
}

/// RFC 8725 §2.1: HS256 keyed with the issuer's public key, which a naive verifier
/// would use as the HMAC secret.
#[tokio::test]
async fn hmac_keyed_with_the_public_key_is_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let public = signer.public_key().to_jwk().x.unwrap();
    let secret = base64url_decode(&public).unwrap();
    let mac = |input: &[u8]| {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret).unwrap();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    };
    let token = forge(
        &json!({"alg": "HS256", "typ": "vc+jwt", "kid": kid}),
        &credential(&did),
        mac,
    );
    // The forgery is real: HMAC-SHA256 under the public key bytes checks out.
    let (input, tag) = token.rsplit_once('.').unwrap();
    assert_eq!(mac(input.as_bytes()), base64url_decode(tag).unwrap());
    assert_eq!(vc_code(&token, &w.resolver).await, "hmac_with_public_key");
}

/// An ES256 header over an Ed25519 key (with a valid Ed25519 signature), and the reverse.
#[tokio::test]
async fn alg_that_does_not_fit_the_key_is_refused() {
    let w = world();
    let (ed, ed_kid, ed_did) = did_key_signer(KeyType::Ed25519);
    let token = forge_signed(
        &json!({"alg": "ES256", "typ": "vc+jwt", "kid": ed_kid}),
        &credential(&ed_did),
        &ed,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "alg_key_mismatch");
    let (p256, p_kid, p_did) = did_key_signer(KeyType::P256);
    let token = forge_signed(
        &json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": p_kid}),
        &credential(&p_did),
        &p256,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "alg_key_mismatch");
    // ES384 over a P-256 key: both ECDSA, still not the key's algorithm.
    let token = forge_signed(
        &json!({"alg": "ES384", "typ": "vc+jwt", "kid": p_kid}),
        &credential(&p_did),
        &p256,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "alg_key_mismatch");
}

#[tokio::test]
async fn algorithms_outside_the_allow_list_and_crit_are_refused() {
    let w = world();
    let (_, kid, did) = did_key_signer(KeyType::Ed25519);
    let token = forge(
        &json!({"alg": "ES512", "typ": "vc+jwt", "kid": kid}),
        &credential(&did),
        |_| vec![0; 132],
    );
    assert_eq!(vc_code(&token, &w.resolver).await, "unsupported_algorithm");
    let token = forge(
        &json!({"alg": "RS256", "typ": "vc+jwt", "kid": kid}),
        &credential(&did),
        |_| vec![0; 256],
    );
    assert_eq!(vc_code(&token, &w.resolver).await, "unsupported_algorithm");
    let token = forge(
        &json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid, "crit": ["exp"], "exp": 1}),
        &credential(&did),
        |_| vec![0; 64],
    );
    assert_eq!(vc_code(&token, &w.resolver).await, "unknown_crit");
}

// --- key attacks -------------------------------------------------------------------

/// The kid names a method of the issuer that is only authorized for `authentication`.
#[tokio::test]
async fn a_key_not_listed_under_assertion_method_is_refused() {
    let w = world();
    let kid = format!("{EXAMPLE_DID}#auth-only");
    let token = sign_json(
        header("vc+jwt", &kid),
        &credential(EXAMPLE_DID),
        &w.auth_only_key,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "key_not_authorized");
    // The same credential signed by #assert verifies: the refusal is about the purpose.
    let kid = format!("{EXAMPLE_DID}#assert");
    let token = sign_json(
        header("vc+jwt", &kid),
        &credential(EXAMPLE_DID),
        &w.assert_key,
    )
    .await;
    assert_eq!(
        jose::verify_vc_jwt(&token, &w.resolver)
            .await
            .unwrap()
            .method_id,
        kid
    );
}

/// A did:jwk whose JWK says `use: enc` authorizes no signing relationship.
#[tokio::test]
async fn a_did_jwk_for_encryption_cannot_issue() {
    let w = world();
    let signer = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
    let mut jwk = signer.public_key().to_jwk();
    jwk.use_ = Some("enc".into());
    let did = format!("did:jwk:{}", base64url_encode(jwk.to_json().as_bytes()));
    let token = sign_json(
        header("vc+jwt", &format!("{did}#0")),
        &credential(&did),
        &signer,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "key_not_authorized");
}

/// The kid names a did:key's derived X25519 keyAgreement method.
#[tokio::test]
async fn a_key_agreement_method_cannot_issue() {
    let w = world();
    let (signer, _, did) = did_key_signer(KeyType::Ed25519);
    let x25519 = signer.public_key().to_x25519().unwrap().to_multikey();
    let token = sign_json(
        header("vc+jwt", &format!("{did}#{x25519}")),
        &credential(&did),
        &signer,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "key_not_authorized");
}

/// The attacker signs, with their own key, a credential naming someone else as issuer.
#[tokio::test]
async fn a_key_of_another_did_than_the_issuer_is_refused() {
    let w = world();
    let (attacker, attacker_kid, _) = did_key_signer(KeyType::Ed25519);
    let (_, _, victim) = did_key_signer(KeyType::Ed25519);
    let token = sign_json(
        header("vc+jwt", &attacker_kid),
        &credential(&victim),
        &attacker,
    )
    .await;
    assert_eq!(
        vc_code(&token, &w.resolver).await,
        "key_controller_mismatch"
    );
    let token = sign_json(
        header("vc+jwt", &attacker_kid),
        &credential(EXAMPLE_DID),
        &attacker,
    )
    .await;
    assert_eq!(
        vc_code(&token, &w.resolver).await,
        "key_controller_mismatch"
    );
}

#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let w = world();
    let (signer, _, did) = did_key_signer(KeyType::Ed25519);
    for kid in [format!("{did}#nope"), "#nope".to_owned(), did.clone()] {
        let token = sign_json(header("vc+jwt", &kid), &credential(&did), &signer).await;
        assert_eq!(vc_code(&token, &w.resolver).await, "unknown_key", "{kid}");
    }
    // Not a DID URL at all.
    let token = sign_json(
        header("vc+jwt", "https://issuer.example/keys/1"),
        &credential(&did),
        &signer,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "unknown_key");
    // No kid.
    let token = sign_json(
        Header {
            typ: Some("vc+jwt".into()),
            ..Header::default()
        },
        &credential(&did),
        &signer,
    )
    .await;
    assert_eq!(vc_code(&token, &w.resolver).await, "malformed");
}

#[tokio::test]
async fn an_issuer_that_does_not_resolve_is_refused() {
    let w = world();
    let (signer, _, _) = did_key_signer(KeyType::Ed25519);
    for issuer in [
        "did:web:issuer.example",
        "did:example:nobody",
        "did:key:z6MkNotAKey",
    ] {
        let token = sign_json(
            header("vc+jwt", &format!("{issuer}#key-1")),
            &credential(issuer),
            &signer,
        )
        .await;
        assert_eq!(
            vc_code(&token, &w.resolver).await,
            "unknown_issuer",
            "{issuer}"
        );
    }
}

// --- payload attacks ---------------------------------------------------------------

#[tokio::test]
async fn a_payload_changed_after_signing_is_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let token = jose::issue_vc_jwt(&credential(&did), &signer, &kid)
        .await
        .unwrap();
    let mut changed = credential(&did);
    changed["credentialSubject"]["degree"] = json!("PhD");
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64url_encode(changed.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(vc_code(&forged, &w.resolver).await, "invalid_signature");
    // And the header: the same signature under a header with another typ.
    let header = json!({"alg": "EdDSA", "kid": kid, "typ": "application/vc+jwt", "cty": "vc"});
    let forged = format!(
        "{}.{}.{}",
        base64url_encode(header.to_string().as_bytes()),
        parts[1],
        parts[2]
    );
    assert_eq!(vc_code(&forged, &w.resolver).await, "invalid_signature");
}

/// Duplicate member names: the verifier must not pick one of two issuers (RFC 7493 §2.3).
#[tokio::test]
async fn duplicate_members_are_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let payload = format!(
        r#"{{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:bank","issuer":"{did}","credentialSubject":{{"id":"did:example:alice"}}}}"#
    );
    let token = sign_raw(header("vc+jwt", &kid), payload.as_bytes(), &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "duplicate_member");
    // In the protected header too (RFC 7515 §4).
    let header = format!(r#"{{"alg":"EdDSA","kid":"{kid}","kid":"{kid}","typ":"vc+jwt"}}"#);
    let input = format!(
        "{}.{}",
        base64url_encode(header.as_bytes()),
        base64url_encode(credential(&did).to_string().as_bytes())
    );
    let signature = signer.sign(input.as_bytes()).await.unwrap();
    let token = format!("{input}.{}", base64url_encode(&signature));
    let code = vc_code(&token, &w.resolver).await;
    assert!(
        code == "duplicate_member" || code == "malformed_jws",
        "{code}"
    );
}

#[tokio::test]
async fn nesting_deeper_than_64_is_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    // The credential object is level 1, credentialSubject 2, then `arrays` levels.
    let payload = |arrays: usize| {
        let deep = format!("{}1{}", "[".repeat(arrays), "]".repeat(arrays));
        format!(
            r#"{{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"{did}","credentialSubject":{{"x":{deep}}}}}"#
        )
    };
    let token = sign_raw(header("vc+jwt", &kid), payload(63).as_bytes(), &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "too_deep");
    // 64 levels are fine.
    let token = sign_raw(header("vc+jwt", &kid), payload(62).as_bytes(), &signer).await;
    assert!(jose::verify_vc_jwt(&token, &w.resolver).await.is_ok());
}

#[tokio::test]
async fn input_over_one_mebibyte_is_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let mut vc = credential(&did);
    vc["credentialSubject"]["blob"] = json!("a".repeat(800 * 1024));
    let token = sign_json(header("vc+jwt", &kid), &vc, &signer).await;
    assert!(token.len() > jose::MAX_JWT_LEN);
    assert_eq!(vc_code(&token, &w.resolver).await, "too_large");
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "too_large"
    );
    assert_eq!(
        jose::decode_unverified(&token).unwrap_err().code(),
        "too_large"
    );
}

/// VC-JOSE-COSE: "The JWT Claim Names vc and vp MUST NOT be present."
#[tokio::test]
async fn vc_claims_in_a_vc_jwt_are_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let mut vc = credential(&did);
    vc["vc"] = json!({"credentialSubject": {"degree": "PhD"}});
    let token = sign_json(header("vc+jwt", &kid), &vc, &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "invalid_credential");
}

/// VC-JOSE-COSE #iss: iss, if present, MUST match issuer.
#[tokio::test]
async fn iss_that_contradicts_the_issuer_is_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let mut vc = credential(&did);
    vc["iss"] = json!("did:example:bank");
    let token = sign_json(header("vc+jwt", &kid), &vc, &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "invalid_credential");
}

/// A token of another type signed by the same key is not a credential (RFC 8725 §3.11).
#[tokio::test]
async fn tokens_of_another_type_are_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    for typ in ["vp+jwt", "kb+jwt", "dc+sd-jwt", "at+jwt", "text/vc+jwt"] {
        let token = sign_json(header(typ, &kid), &credential(&did), &signer).await;
        assert_eq!(vc_code(&token, &w.resolver).await, "malformed", "{typ}");
    }
    // A vc+jwt is not a presentation.
    let token = jose::issue_vc_jwt(&credential(&did), &signer, &kid)
        .await
        .unwrap();
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "malformed"
    );
}

fn legacy(did: &str) -> Value {
    json!({
        "iss": did,
        "sub": "did:example:alice",
        "jti": "urn:uuid:1",
        "nbf": 1_541_493_724,
        "exp": 1_573_029_723,
        "vc": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"degree": "BSc"}
        }
    })
}

/// A change to a token's claims.
type Mutation = fn(&mut Value);

/// VCDM 1.1 JWT claims that contradict the credential they stand for.
#[tokio::test]
async fn legacy_claims_that_contradict_the_credential_are_refused() {
    let w = world();
    let (signer, kid, did) = did_key_signer(KeyType::Ed25519);
    let cases: Vec<(&str, Mutation)> = vec![
        ("issuer", |v| v["vc"]["issuer"] = json!("did:example:bank")),
        ("issuer.id", |v| {
            v["vc"]["issuer"] = json!({"id": "did:example:bank"})
        }),
        ("id", |v| v["vc"]["id"] = json!("urn:uuid:2")),
        ("credentialSubject.id", |v| {
            v["vc"]["credentialSubject"]["id"] = json!("did:example:mallory")
        }),
        ("issuanceDate", |v| {
            v["vc"]["issuanceDate"] = json!("2018-11-06T08:42:05Z")
        }),
        ("expirationDate", |v| {
            v["vc"]["expirationDate"] = json!("2030-01-01T00:00:00Z")
        }),
        ("two subjects", |v| {
            v["vc"]["credentialSubject"] = json!([{"a": 1}, {"b": 2}])
        }),
    ];
    for (what, mutate) in cases {
        let mut claims = legacy(&did);
        mutate(&mut claims);
        let token = sign_json(header("JWT", &kid), &claims, &signer).await;
        assert_eq!(
            vc_code(&token, &w.resolver).await,
            "invalid_credential",
            "{what}"
        );
    }
    // A VCDM 2.0 credential in the vc claim is neither encoding.
    let mut claims = legacy(&did);
    claims["vc"]["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    let token = sign_json(header("JWT", &kid), &claims, &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "invalid_context");
    // And a VCDM 1.1 credential as the payload of a vc+jwt.
    let mut vc = legacy(&did)["vc"].clone();
    vc["issuer"] = json!(did);
    vc["issuanceDate"] = json!("2020-01-01T00:00:00Z");
    let token = sign_json(header("vc+jwt", &kid), &vc, &signer).await;
    assert_eq!(vc_code(&token, &w.resolver).await, "invalid_context");
}

// --- presentations -----------------------------------------------------------------

async fn presentation(
    holder: &LocalSigner,
    holder_kid: &str,
    holder_did: &str,
    challenge: &Challenge,
) -> String {
    jose::create_vp_jwt(vec![], holder_did, holder, holder_kid, challenge)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_presentation_for_another_nonce_or_audience_is_refused() {
    let w = world();
    let (holder, kid, did) = did_key_signer(KeyType::Ed25519);
    let vp = presentation(&holder, &kid, &did, &challenge()).await;
    assert!(
        jose::verify_vp_jwt(&vp, &w.resolver, &challenge())
            .await
            .is_ok()
    );
    let replay = Challenge {
        nonce: "fresh-nonce".into(),
        ..challenge()
    };
    assert_eq!(vp_code(&vp, &w.resolver, &replay).await, "nonce_mismatch");
    let elsewhere = Challenge {
        audience: "https://evil.example".into(),
        ..challenge()
    };
    assert_eq!(
        vp_code(&vp, &w.resolver, &elsewhere).await,
        "audience_mismatch"
    );
    // Missing claims are mismatches too.
    let bare = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation", "holder": did});
    let mut no_nonce = bare.clone();
    no_nonce["aud"] = json!(challenge().audience);
    let token = sign_json(header("vp+jwt", &kid), &no_nonce, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "nonce_mismatch"
    );
    let mut no_aud = bare.clone();
    no_aud["nonce"] = json!(challenge().nonce);
    let token = sign_json(header("vp+jwt", &kid), &no_aud, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "audience_mismatch"
    );
    let mut wrong_type = no_aud.clone();
    wrong_type["aud"] = json!([{"id": challenge().audience}]);
    let token = sign_json(header("vp+jwt", &kid), &wrong_type, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "audience_mismatch"
    );
}

#[tokio::test]
async fn a_presentation_signed_by_someone_else_than_the_holder_is_refused() {
    let w = world();
    let (attacker, attacker_kid, _) = did_key_signer(KeyType::Ed25519);
    let (_, _, victim) = did_key_signer(KeyType::Ed25519);
    let payload = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
        "holder": victim, "nonce": challenge().nonce, "aud": challenge().audience
    });
    let token = sign_json(header("vp+jwt", &attacker_kid), &payload, &attacker).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "key_controller_mismatch"
    );
    // A holder key authorized only for assertionMethod cannot authenticate.
    let mut payload = payload;
    payload["holder"] = json!(EXAMPLE_DID);
    let token = sign_json(
        header("vp+jwt", &format!("{EXAMPLE_DID}#assert")),
        &payload,
        &w.assert_key,
    )
    .await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "key_not_authorized"
    );
    let token = sign_json(
        header("vp+jwt", &format!("{EXAMPLE_DID}#auth-only")),
        &payload,
        &w.auth_only_key,
    )
    .await;
    assert_eq!(
        jose::verify_vp_jwt(&token, &w.resolver, &challenge())
            .await
            .unwrap()
            .holder,
        EXAMPLE_DID
    );
    // No holder at all: nothing to bind the key to.
    let mut anonymous = payload;
    anonymous.as_object_mut().unwrap().remove("holder");
    let token = sign_json(header("vp+jwt", &attacker_kid), &anonymous, &attacker).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "holder_binding"
    );
    // iss must be the holder when both are present.
    let mut two = anonymous;
    two["holder"] = json!(EXAMPLE_DID);
    two["iss"] = json!("did:example:other");
    let token = sign_json(
        header("vp+jwt", &format!("{EXAMPLE_DID}#auth-only")),
        &two,
        &w.auth_only_key,
    )
    .await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "invalid_presentation"
    );
}

/// VC-JOSE-COSE: "Credentials in verifiable presentations MUST be secured", as
/// EnvelopedVerifiableCredentials. An embedded, unsecured credential must not ride
/// along under the holder's signature.
#[tokio::test]
async fn an_unsecured_credential_in_a_presentation_is_refused() {
    let w = world();
    let (holder, kid, did) = did_key_signer(KeyType::Ed25519);
    let payload = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
        "holder": did, "nonce": challenge().nonce, "aud": challenge().audience,
        "verifiableCredential": [credential("did:example:bank")]
    });
    let token = sign_json(header("vp+jwt", &kid), &payload, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "invalid_presentation"
    );
    // Legacy: the same, in the vp claim.
    let claims = json!({
        "iss": did, "nonce": challenge().nonce, "aud": challenge().audience,
        "vp": {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiablePresentation"],
               "verifiableCredential": [credential("did:example:bank")]}
    });
    let token = sign_json(header("JWT", &kid), &claims, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "invalid_presentation"
    );
}

#[tokio::test]
async fn a_legacy_presentation_whose_claims_contradict_it_is_refused() {
    let w = world();
    let (holder, kid, did) = did_key_signer(KeyType::Ed25519);
    let claims = json!({
        "iss": did, "jti": "urn:uuid:1", "nonce": challenge().nonce, "aud": challenge().audience,
        "vp": {"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiablePresentation"],
               "holder": "did:example:mallory"}
    });
    let token = sign_json(header("JWT", &kid), &claims, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "invalid_presentation"
    );
    let mut claims = claims;
    claims["vp"]["holder"] = json!(did);
    claims["vp"]["id"] = json!("urn:uuid:2");
    let token = sign_json(header("JWT", &kid), &claims, &holder).await;
    assert_eq!(
        vp_code(&token, &w.resolver, &challenge()).await,
        "invalid_presentation"
    );
}

/// A presentation key is checked before anything it signed is believed.
#[tokio::test]
async fn a_changed_presentation_is_refused() {
    let w = world();
    let (holder, kid, did) = did_key_signer(KeyType::Ed25519);
    let vp = presentation(&holder, &kid, &did, &challenge()).await;
    let parts: Vec<&str> = vp.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&base64url_decode(parts[1]).unwrap()).unwrap();
    payload["nonce"] = json!("another");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64url_encode(payload.to_string().as_bytes()),
        parts[2]
    );
    let other = Challenge {
        nonce: "another".into(),
        ..challenge()
    };
    assert_eq!(
        vp_code(&forged, &w.resolver, &other).await,
        "invalid_signature"
    );
}
