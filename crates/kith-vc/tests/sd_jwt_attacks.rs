//! Attacks on SD-JWT presentations, each refused with its own stable code.
//!
//! The issuer is a did:key resolved by `KeyMethod`, so every case goes through the
//! full `verify` (kid → DID document → assertionMethod → signature → disclosures →
//! KB-JWT). Cases that Kith's issuer cannot produce (a digest twice, a disclosure
//! named `_sd`, `_sd_alg: sha-512`) are signed by hand with the issuer's real key, so
//! only the property under test is wrong.

mod sd_jwt_support;

use kith_crypto::multibase::base64url_decode;
use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::method::key::KeyMethod;
use kith_vc::sd_jwt::{self, IssueOptions, VerifyOptions};
use kith_vc::{Challenge, Error, VerifiedProof};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use sd_jwt_support::*;

fn claims() -> Value {
    json!({
        "vct": VCT,
        "given_name": "Erika-Q7",
        "family_name": "Mustermann-X3",
        "email": "erika.mustermann@example.com",
        "birthdate": "1964-08-12",
        "address": {"street_address": "Heidestrasse 17", "locality": "Koeln-Lindenthal"},
        "nationalities": ["Deutschland-DE", "Oesterreich-AT"]
    })
}

const DISCLOSABLE: [&str; 9] = [
    "/given_name",
    "/family_name",
    "/email",
    "/birthdate",
    "/address",
    "/address/street_address",
    "/address/locality",
    "/nationalities/0",
    "/nationalities/1",
];

fn challenge() -> Challenge {
    Challenge {
        nonce: NONCE.into(),
        audience: AUDIENCE.into(),
    }
}

fn options() -> VerifyOptions {
    VerifyOptions {
        challenge: Some(challenge()),
        ..VerifyOptions::default()
    }
}

async fn issue(parties: &Parties) -> String {
    let options = IssueOptions {
        disclosable: DISCLOSABLE.map(String::from).to_vec(),
        decoys: 3,
        holder_key: Some(parties.holder.public_key()),
        iat: Some(OffsetDateTime::now_utc()),
        ..IssueOptions::default()
    };
    sd_jwt::issue(&claims(), &parties.issuer, &options)
        .await
        .unwrap()
}

async fn present(parties: &Parties, issued: &str, disclose: &[&str]) -> String {
    let disclose: Vec<String> = disclose.iter().map(|p| p.to_string()).collect();
    sd_jwt::present(
        issued,
        &disclose,
        Some((&parties.holder, &challenge(), now())),
    )
    .await
    .unwrap()
}

async fn verify(presentation: &str, options: &VerifyOptions) -> Result<VerifiedProof, Error> {
    sd_jwt::verify(presentation, &KeyMethod, options).await
}

async fn refused(presentation: &str, options: &VerifyOptions) -> Error {
    verify(presentation, options)
        .await
        .expect_err("the attack must be refused")
}

/// Splits a presentation into its issuer JWT, its disclosures and its KB-JWT.
fn parts(presentation: &str) -> (String, Vec<String>, String) {
    let mut parts: Vec<String> = presentation.split('~').map(str::to_owned).collect();
    let kb = parts.pop().unwrap();
    let jwt = parts.remove(0);
    (jwt, parts, kb)
}

/// `<jwt>~<d>~...~`, with a fresh KB-JWT over exactly that.
async fn rebind(parties: &Parties, jwt: &str, disclosures: &[String]) -> String {
    let mut sd_jwt = format!("{jwt}~");
    for d in disclosures {
        sd_jwt.push_str(d);
        sd_jwt.push('~');
    }
    let kb = parties.kb_jwt(&sd_jwt, NONCE, AUDIENCE, now()).await;
    sd_jwt + &kb
}

#[tokio::test]
async fn the_honest_presentation_verifies() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name", "/address/locality"]).await;
    let proof = verify(&presentation, &options()).await.unwrap();
    assert_eq!(
        proof.credential,
        json!({
            "vct": VCT, "iss": parties.issuer_did, "given_name": "Erika-Q7",
            "address": {"locality": "Koeln-Lindenthal"}, "nationalities": [],
            "cnf": {"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()},
            "iat": proof.signed_at.unwrap().unix_timestamp()
        })
    );
    assert!(proof.holder_bound);
    assert_eq!(proof.method_id, parties.kid());
    assert_eq!(proof.issuer, parties.issuer_did);
}

#[tokio::test]
async fn a_modified_disclosure_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name"]).await;
    let (jwt, mut disclosures, _) = parts(&presentation);
    let mut array = decode_disclosure(&disclosures[0]);
    array[2] = json!("Mallory");
    disclosures[0] = b64_json(&array);
    // Rebound by the holder, so only the disclosure is wrong.
    let forged = rebind(&parties, &jwt, &disclosures).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "disclosure_mismatch"
    );
}

#[tokio::test]
async fn a_duplicated_disclosure_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name"]).await;
    let (jwt, disclosures, _) = parts(&presentation);
    let doubled = [disclosures.clone(), disclosures].concat();
    let forged = rebind(&parties, &jwt, &doubled).await;
    let err = refused(&forged, &options()).await;
    assert_eq!(err.code(), "disclosure_mismatch", "{err}");
    assert!(err.to_string().contains("more than once"), "{err}");
}

#[tokio::test]
async fn an_unreferenced_disclosure_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name"]).await;
    let (jwt, mut disclosures, _) = parts(&presentation);
    disclosures.push(disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "age_over_21", true])).0);
    let forged = rebind(&parties, &jwt, &disclosures).await;
    let err = refused(&forged, &options()).await;
    assert_eq!(err.code(), "disclosure_mismatch", "{err}");
    assert!(err.to_string().contains("not referenced"), "{err}");
}

/// RFC 9901 §4.2.6: an inner disclosure without the outer one does not connect.
#[tokio::test]
async fn a_nested_disclosure_without_its_parent_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/address/locality"]).await;
    let (jwt, disclosures, _) = parts(&presentation);
    assert_eq!(disclosures.len(), 2, "address and locality");
    let orphan: Vec<String> = disclosures
        .into_iter()
        .filter(|d| decode_disclosure(d)[1] != "address")
        .collect();
    let forged = rebind(&parties, &jwt, &orphan).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "disclosure_mismatch"
    );
}

#[tokio::test]
async fn one_digest_used_twice_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let (given, given_digest) =
        disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "given_name", "Erika"]));
    let cnf = json!({"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()});
    // The same digest in the top-level _sd and again in a nested object.
    let payload = json!({
        "iss": parties.issuer_did, "vct": VCT, "_sd_alg": "sha-256", "cnf": cnf,
        "_sd": [given_digest], "address": {"_sd": [given_digest]}
    });
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[given]).await;
    let err = refused(&forged, &options()).await;
    assert_eq!(err.code(), "disclosure_mismatch", "{err}");
    // The same digest twice in one array, even one no disclosure answers (a decoy).
    let payload = json!({
        "iss": parties.issuer_did, "vct": VCT, "cnf": cnf,
        "nationalities": [{"...": "decoydecoy"}, {"...": "decoydecoy"}]
    });
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[]).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "disclosure_mismatch"
    );
}

#[tokio::test]
async fn a_disclosure_named_sd_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let (inner, inner_digest) =
        disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "given_name", "Erika"]));
    let (sd, sd_digest) = disclosure(json!(["b3RoZXJzYWx0b3RoZXJzYQ", "_sd", [inner_digest]]));
    let cnf = json!({"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()});
    let payload = json!({"iss": parties.issuer_did, "vct": VCT, "cnf": cnf, "_sd": [sd_digest]});
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[sd, inner]).await;
    let err = refused(&forged, &options()).await;
    assert_eq!(err.code(), "disclosure_mismatch", "{err}");
    assert!(err.to_string().contains("reserved"), "{err}");
}

#[tokio::test]
async fn a_disclosed_name_that_exists_already_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let (given, given_digest) =
        disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "given_name", "Mallory"]));
    let cnf = json!({"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()});
    let payload = json!({"iss": parties.issuer_did, "vct": VCT, "cnf": cnf, "given_name": "Erika", "_sd": [given_digest]});
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[given]).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "disclosure_mismatch"
    );
}

/// SD-JWT VC: `cnf`, `iss`, `exp`, ... may not be selectively disclosable.
#[tokio::test]
async fn a_selectively_disclosed_cnf_is_a_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let cnf = json!({"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()});
    let (cnf_disclosure, cnf_digest) = disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "cnf", cnf]));
    let payload = json!({"iss": parties.issuer_did, "vct": VCT, "_sd": [cnf_digest]});
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[cnf_disclosure]).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "disclosure_mismatch"
    );
}

#[tokio::test]
async fn an_unsupported_sd_alg_is_refused() {
    let parties = Parties::new(KeyType::Ed25519);
    let cnf = json!({"jwk": serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()});
    let payload =
        json!({"iss": parties.issuer_did, "vct": VCT, "cnf": cnf, "_sd_alg": "sha-512", "_sd": []});
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = rebind(&parties, &jwt, &[]).await;
    let err = refused(&forged, &options()).await;
    assert_eq!(err.code(), "unsupported_algorithm", "{err}");
    assert!(err.to_string().contains("sha-512"), "{err}");
}

#[tokio::test]
async fn a_wrong_nonce_is_a_nonce_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let other = Challenge {
        nonce: "replayed-nonce".into(),
        audience: AUDIENCE.into(),
    };
    let presentation = sd_jwt::present(
        &issued,
        &["/email".into()],
        Some((&parties.holder, &other, now())),
    )
    .await
    .unwrap();
    assert_eq!(
        refused(&presentation, &options()).await.code(),
        "nonce_mismatch"
    );
}

#[tokio::test]
async fn a_wrong_audience_is_an_audience_mismatch() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let other = Challenge {
        nonce: NONCE.into(),
        audience: "https://evil.example".into(),
    };
    let presentation = sd_jwt::present(
        &issued,
        &["/email".into()],
        Some((&parties.holder, &other, now())),
    )
    .await
    .unwrap();
    assert_eq!(
        refused(&presentation, &options()).await.code(),
        "audience_mismatch"
    );
}

/// A KB-JWT lifted onto other disclosures: `sd_hash` no longer matches.
#[tokio::test]
async fn a_wrong_sd_hash_is_a_holder_binding_failure() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name", "/email"]).await;
    let (jwt, disclosures, kb) = parts(&presentation);
    // Drop a disclosure after the holder signed.
    let stripped = format!("{jwt}~{}~{kb}", disclosures[0]);
    let err = refused(&stripped, &options()).await;
    assert_eq!(err.code(), "holder_binding", "{err}");
    assert!(err.to_string().contains("sd_hash"), "{err}");
    // Or add one from the issuance.
    let all = parts(&issued).1;
    let extra = all
        .iter()
        .find(|d| !disclosures.contains(d) && decode_disclosure(d)[1] == "birthdate")
        .unwrap();
    let padded = format!("{jwt}~{}~{}~{extra}~{kb}", disclosures[0], disclosures[1]);
    assert_eq!(refused(&padded, &options()).await.code(), "holder_binding");
    // Or a KB-JWT whose sd_hash is simply wrong.
    let sd_jwt = format!("{jwt}~{}~", disclosures.join("~"));
    let payload =
        json!({"nonce": NONCE, "aud": AUDIENCE, "iat": now(), "sd_hash": digest("something else")});
    let wrong = sd_jwt.clone() + &kb_jwt_with(&parties.holder, &payload).await;
    assert_eq!(refused(&wrong, &options()).await.code(), "holder_binding");
}

#[tokio::test]
async fn a_stale_or_future_kb_jwt_is_a_holder_binding_failure() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let ten_minutes_ago = now() - 600;
    let presentation = sd_jwt::present(
        &issued,
        &["/email".into()],
        Some((&parties.holder, &challenge(), ten_minutes_ago)),
    )
    .await
    .unwrap();
    let err = refused(&presentation, &options()).await;
    assert_eq!(err.code(), "holder_binding", "{err}");
    assert!(err.to_string().contains("stale"), "{err}");
    // Within a larger window it is fine.
    let lenient = VerifyOptions {
        max_kb_age: Duration::minutes(15),
        ..options()
    };
    assert!(verify(&presentation, &lenient).await.unwrap().holder_bound);

    let in_two_minutes = now() + 120;
    let presentation = sd_jwt::present(
        &issued,
        &["/email".into()],
        Some((&parties.holder, &challenge(), in_two_minutes)),
    )
    .await
    .unwrap();
    let err = refused(&presentation, &options()).await;
    assert_eq!(err.code(), "holder_binding", "{err}");
    assert!(err.to_string().contains("future"), "{err}");
}

#[tokio::test]
async fn a_missing_kb_jwt_is_a_holder_binding_failure() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let bare = sd_jwt::present(&issued, &["/email".into()], None)
        .await
        .unwrap();
    assert!(bare.ends_with('~'));
    // A challenge requires key binding.
    let err = refused(&bare, &options()).await;
    assert_eq!(err.code(), "holder_binding", "{err}");
    // So does the policy flag, without a challenge.
    let required = VerifyOptions {
        require_key_binding: true,
        ..VerifyOptions::default()
    };
    assert_eq!(refused(&bare, &required).await.code(), "holder_binding");
    // Without either, the bare SD-JWT verifies, unbound.
    let proof = verify(&bare, &VerifyOptions::default()).await.unwrap();
    assert!(!proof.holder_bound);
    assert_eq!(proof.holder_key, Some(parties.holder.public_key()));
}

#[tokio::test]
async fn a_kb_jwt_by_another_key_or_of_another_type_is_refused() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let sd_jwt = sd_jwt::present(&issued, &["/email".into()], None)
        .await
        .unwrap();
    let claims = json!({"nonce": NONCE, "aud": AUDIENCE, "iat": now(), "sd_hash": digest(&sd_jwt)});
    let thief = LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).unwrap()).unwrap();
    let stolen = sd_jwt.clone() + &kb_jwt_with(&thief, &claims).await;
    assert_eq!(refused(&stolen, &options()).await.code(), "holder_binding");
    // typ must be kb+jwt.
    let header = json!({"alg": "EdDSA", "typ": "JWT"});
    let untyped = sd_jwt.clone() + &sign(&header, &claims, &parties.holder).await;
    assert_eq!(refused(&untyped, &options()).await.code(), "holder_binding");
    // alg none.
    let none = format!(
        "{}.{}.",
        b64_json(&json!({"alg": "none", "typ": "kb+jwt"})),
        b64_json(&claims)
    );
    let unsigned = sd_jwt.clone() + &none;
    assert_eq!(
        refused(&unsigned, &options()).await.code(),
        "holder_binding"
    );
    // A KB-JWT on an SD-JWT with no cnf.
    let no_cnf = sd_jwt::issue(
        &claims_without_cnf(),
        &parties.issuer,
        &IssueOptions::default(),
    )
    .await
    .unwrap();
    let claims = json!({"nonce": NONCE, "aud": AUDIENCE, "iat": now(), "sd_hash": digest(&no_cnf)});
    let bound = no_cnf.clone() + &kb_jwt_with(&parties.holder, &claims).await;
    assert_eq!(refused(&bound, &options()).await.code(), "holder_binding");
}

fn claims_without_cnf() -> Value {
    json!({"vct": VCT, "given_name": "Erika"})
}

#[tokio::test]
async fn a_payload_changed_after_signing_is_an_invalid_signature() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name"]).await;
    let (jwt, disclosures, _) = parts(&presentation);
    let mut segments: Vec<&str> = jwt.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&base64url_decode(segments[1]).unwrap()).unwrap();
    payload["vct"] = json!("https://credentials.example.com/diploma");
    let changed = b64_json(&payload);
    segments[1] = &changed;
    let forged = rebind(&parties, &segments.join("."), &disclosures).await;
    assert_eq!(
        refused(&forged, &options()).await.code(),
        "invalid_signature"
    );
}

#[tokio::test]
async fn an_unsigned_issuer_jwt_is_alg_none() {
    let parties = Parties::new(KeyType::Ed25519);
    let header = json!({"alg": "none", "typ": "dc+sd-jwt", "kid": parties.kid()});
    let payload = json!({"iss": parties.issuer_did, "vct": VCT, "given_name": "Erika"});
    let unsigned = format!("{}.{}.~", b64_json(&header), b64_json(&payload));
    let err = refused(&unsigned, &VerifyOptions::default()).await;
    assert_eq!(err.code(), "alg_none", "{err}");
    // Also through the raw-key entry point.
    let err = sd_jwt::verify_with_issuer_key(
        &unsigned,
        &parties.issuer.public_key(),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "alg_none");
    // HMAC keyed with the public key.
    let header = json!({"alg": "HS256", "typ": "dc+sd-jwt", "kid": parties.kid()});
    let hmac = format!("{}.{}.AAAA~", b64_json(&header), b64_json(&payload));
    assert_eq!(
        refused(&hmac, &VerifyOptions::default()).await.code(),
        "hmac_with_public_key"
    );
}

#[tokio::test]
async fn the_issuer_jwt_must_be_typed_and_keyed_by_its_issuer() {
    let parties = Parties::new(KeyType::Ed25519);
    let payload = json!({"iss": parties.issuer_did, "vct": VCT, "given_name": "Erika"});
    // RFC 9901 §9.11: a JWT of another type is not an SD-JWT VC.
    for typ in [
        json!("JWT"),
        json!("kb+jwt"),
        json!("example+sd-jwt"),
        Value::Null,
    ] {
        let header = json!({"alg": "EdDSA", "typ": typ, "kid": parties.kid()});
        let jwt = sign(&header, &payload, &parties.issuer).await;
        assert_eq!(
            refused(&format!("{jwt}~"), &VerifyOptions::default())
                .await
                .code(),
            "invalid_proof",
            "{typ}"
        );
    }
    // The kid is another DID's key: that key does not speak for iss.
    let other = Parties::new(KeyType::Ed25519);
    let header = json!({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": other.kid()});
    let jwt = sign(&header, &payload, &other.issuer).await;
    let err = refused(&format!("{jwt}~"), &VerifyOptions::default()).await;
    assert_eq!(err.code(), "key_controller_mismatch", "{err}");
    // No kid at all.
    let header = json!({"alg": "EdDSA", "typ": "dc+sd-jwt"});
    let jwt = sign(&header, &payload, &parties.issuer).await;
    assert_eq!(
        refused(&format!("{jwt}~"), &VerifyOptions::default())
            .await
            .code(),
        "unknown_key"
    );
    // A relative kid resolves against iss.
    let fragment = parties.kid().split_once('#').unwrap().1;
    let header = json!({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": format!("#{fragment}")});
    let jwt = sign(&header, &payload, &parties.issuer).await;
    assert!(
        verify(&format!("{jwt}~"), &VerifyOptions::default())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn input_over_one_mebibyte_is_too_large() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let padding = "A".repeat(sd_jwt::MAX_SD_JWT_LEN);
    let huge = format!("{issued}{padding}~");
    let err = refused(&huge, &options()).await;
    assert_eq!(err.code(), "too_large", "{err}");
    assert_eq!(sd_jwt::inspect(&huge).unwrap_err().code(), "too_large");
}

#[tokio::test]
async fn deep_nesting_through_disclosures_is_too_deep() {
    let parties = Parties::new(KeyType::Ed25519);
    let mut value = json!("bottom");
    let mut disclosures = Vec::new();
    for i in 0..70 {
        let (encoded, digest) = disclosure(json!([format!("salt{i}"), "n", value]));
        disclosures.push(encoded);
        value = json!({"_sd": [digest]});
    }
    let mut payload = value;
    payload["iss"] = json!(parties.issuer_did);
    payload["vct"] = json!(VCT);
    let jwt = parties.issuer_jwt(&payload).await;
    let forged = format!("{jwt}~{}~", disclosures.join("~"));
    assert_eq!(
        refused(&forged, &VerifyOptions::default()).await.code(),
        "too_deep"
    );
}

/// A presentation that discloses one claim carries no other claim's value, in its raw
/// bytes or in any base64url-decoded part.
#[tokio::test]
async fn a_presentation_reveals_only_what_it_discloses() {
    let parties = Parties::new(KeyType::Ed25519);
    let issued = issue(&parties).await;
    let presentation = present(&parties, &issued, &["/given_name"]).await;
    let proof = verify(&presentation, &options()).await.unwrap();
    assert_eq!(proof.credential["given_name"], "Erika-Q7");

    let undisclosed = [
        "Mustermann-X3",
        "erika.mustermann@example.com",
        "1964-08-12",
        "Heidestrasse 17",
        "Koeln-Lindenthal",
        "Deutschland-DE",
        "Oesterreich-AT",
        "family_name",
        "birthdate",
        "street_address",
    ];
    let decoded = decoded_parts(&presentation);
    assert!(
        decoded.iter().any(|part| part.contains("Erika-Q7")),
        "the disclosed value is there"
    );
    for value in undisclosed {
        assert!(
            !presentation.contains(value),
            "{value} in the raw presentation"
        );
        for part in &decoded {
            assert!(!part.contains(value), "{value} in a decoded part: {part}");
        }
        // Only the issuance has it: the check can find what it looks for.
        assert!(
            decoded_parts(&issued)
                .iter()
                .any(|part| part.contains(value)),
            "{value} should be in the issuance"
        );
    }
    // And no salt of an undisclosed claim either.
    let issued_salts: Vec<String> = parts(&issued)
        .1
        .iter()
        .map(|d| decode_disclosure(d)[0].as_str().unwrap().to_owned())
        .collect();
    let presented_salts = parts(&presentation).1.len();
    let leaked = issued_salts
        .iter()
        .filter(|salt| presentation.contains(salt.as_str()))
        .count();
    assert_eq!(
        leaked, 0,
        "salts are inside base64url disclosures, never raw"
    );
    let leaked_decoded = issued_salts
        .iter()
        .filter(|salt| decoded.iter().any(|part| part.contains(salt.as_str())))
        .count();
    assert_eq!(
        leaked_decoded, presented_salts,
        "only the presented disclosures' salts"
    );
}
