//! The SD-JWT API as a caller meets it: what `issue` writes and refuses, what
//! `present` selects, what `inspect` lists, and the `typ` and key types `verify` takes.

mod sd_jwt_support;

use kith_crypto::multibase::base64url_decode;
use kith_crypto::{KeyType, Signer};
use kith_did::method::key::KeyMethod;
use kith_vc::Challenge;
use kith_vc::sd_jwt::{self, IssueOptions, VerifyOptions};
use serde_json::{Value, json};
use time::OffsetDateTime;

use sd_jwt_support::*;

fn claims() -> Value {
    json!({
        "vct": VCT,
        "sub": "did:example:alice",
        "given_name": "Alice",
        "address": {"street_address": "1 Rabbit Hole", "locality": "Oxford", "country": "GB"},
        "nationalities": ["GB", "FR"],
        "degrees": [{"type": "BSc", "year": 2012}, {"type": "MSc", "year": 2014}]
    })
}

fn disclosable(pointers: &[&str]) -> IssueOptions {
    IssueOptions {
        disclosable: pointers.iter().map(|p| p.to_string()).collect(),
        ..IssueOptions::default()
    }
}

fn json_part(segment: &str) -> Value {
    serde_json::from_slice(&base64url_decode(segment).unwrap()).unwrap()
}

/// The issuer-signed payload and header of an SD-JWT.
fn jwt_parts(sd_jwt: &str) -> (Value, Value) {
    let jwt = sd_jwt.split('~').next().unwrap();
    let mut segments = jwt.split('.');
    let header = json_part(segments.next().unwrap());
    (header, json_part(segments.next().unwrap()))
}

fn disclosure_count(sd_jwt: &str) -> usize {
    sd_jwt.split('~').count() - 2
}

#[tokio::test]
async fn issue_writes_the_header_the_registered_claims_and_sorted_digests() {
    let parties = Parties::new(KeyType::Ed25519);
    let iat = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let options = IssueOptions {
        decoys: 4,
        holder_key: Some(parties.holder.public_key()),
        iat: Some(iat),
        exp: Some(iat + time::Duration::days(365)),
        status: Some(json!({"status_list": {"idx": 7, "uri": "https://issuer.example/status/1"}})),
        ..disclosable(&[
            "/given_name",
            "/address",
            "/address/locality",
            "/nationalities/1",
        ])
    };
    let issued = sd_jwt::issue(&claims(), &parties.issuer, &options)
        .await
        .unwrap();
    assert!(issued.ends_with('~'));
    assert_eq!(disclosure_count(&issued), 4);
    let (header, payload) = jwt_parts(&issued);
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": parties.kid()})
    );
    // iss defaults to the DID of the kid.
    assert_eq!(payload["iss"], json!(parties.issuer_did));
    assert_eq!(payload["iat"], json!(1_700_000_000));
    assert_eq!(payload["exp"], json!(1_700_000_000 + 365 * 86_400));
    assert_eq!(payload["_sd_alg"], "sha-256");
    assert_eq!(payload["status"]["status_list"]["idx"], 7);
    assert_eq!(
        payload["cnf"]["jwk"],
        serde_json::to_value(parties.holder.public_key().to_jwk()).unwrap()
    );
    // Top level: given_name and address, plus 4 decoys; sorted so order says nothing.
    let top: Vec<&str> = payload["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(top.len(), 6);
    assert!(top.windows(2).all(|w| w[0] <= w[1]), "sorted: {top:?}");
    assert!(payload.get("given_name").is_none() && payload.get("address").is_none());
    // The array element is a {"...": digest} in place, the other stays.
    assert_eq!(payload["nationalities"][0], "GB");
    assert_eq!(payload["nationalities"][1].as_object().unwrap().len(), 1);
    assert!(payload["nationalities"][1]["..."].is_string());
    // The nested locality digest is inside the address disclosure, with its own decoys.
    let inspected = sd_jwt::inspect(&issued).unwrap();
    let address = inspected
        .disclosable
        .iter()
        .find(|c| c.pointer == "/address")
        .unwrap();
    let disclosed_address = json_part(&address.disclosure);
    assert_eq!(disclosed_address[1], "address");
    assert_eq!(disclosed_address[2]["_sd"].as_array().unwrap().len(), 5);
    assert_eq!(disclosed_address[2]["street_address"], "1 Rabbit Hole");
    // 128-bit salts.
    assert_eq!(disclosed_address[0].as_str().unwrap().len(), 22);
    // And it verifies to the claims as given plus the registered ones.
    let proof = sd_jwt::verify(&issued, &KeyMethod, &VerifyOptions::default())
        .await
        .unwrap();
    let mut expected = claims();
    for name in ["iss", "iat", "exp", "status", "cnf"] {
        expected[name] = payload[name].clone();
    }
    assert_eq!(proof.credential, expected);
    assert_eq!(proof.signed_at, Some(iat));
    assert_eq!(proof.expires, Some(iat + time::Duration::days(365)));
    assert_eq!(proof.not_before, None);
}

#[tokio::test]
async fn issue_refuses_what_cannot_be_disclosable() {
    let parties = Parties::new(KeyType::Ed25519);
    let holder = IssueOptions {
        holder_key: Some(parties.holder.public_key()),
        ..IssueOptions::default()
    };
    let cases: Vec<(Value, IssueOptions, &str)> = vec![
        (claims(), disclosable(&["/iss"]), "iss"),
        (claims(), disclosable(&["/vct"]), "vct"),
        (
            claims(),
            IssueOptions {
                disclosable: vec!["/cnf/jwk".into()],
                ..holder.clone()
            },
            "cnf",
        ),
        (
            claims(),
            IssueOptions {
                disclosable: vec!["/exp".into()],
                exp: Some(OffsetDateTime::now_utc()),
                ..IssueOptions::default()
            },
            "exp",
        ),
        (claims(), disclosable(&["/status"]), "status"),
        (claims(), disclosable(&["/family_name"]), "names no claim"),
        (
            claims(),
            disclosable(&["/nationalities/2"]),
            "names no claim",
        ),
        (claims(), disclosable(&[""]), "whole claim set"),
        (
            json!({"vct": VCT, "a": {"_sd": []}}),
            IssueOptions::default(),
            "/a/_sd",
        ),
        (
            json!({"vct": VCT, "a": [{"...": "x"}]}),
            IssueOptions::default(),
            "/a/0/...",
        ),
        (
            json!({"vct": VCT, "_sd_alg": "sha-256"}),
            IssueOptions::default(),
            "/_sd_alg",
        ),
        (
            json!({"given_name": "Alice"}),
            IssueOptions::default(),
            "vct",
        ),
        (
            json!(["not", "an", "object"]),
            IssueOptions::default(),
            "JSON object",
        ),
        (
            claims(),
            IssueOptions {
                iss: Some("https://other.example".into()),
                ..IssueOptions::default()
            },
            "iss",
        ),
        (json!({"vct": VCT, "cnf": {}}), holder.clone(), "cnf"),
        (
            claims(),
            IssueOptions {
                status: Some(json!("revoked")),
                ..IssueOptions::default()
            },
            "status",
        ),
    ];
    for (claims, options, hint) in cases {
        let mut claims = claims;
        if hint == "iss" && options.iss.is_some() {
            claims["iss"] = json!("https://issuer.example");
        }
        let err = sd_jwt::issue(&claims, &parties.issuer, &options)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "api_misuse", "{hint}: {err}");
        assert!(err.to_string().contains(hint), "{hint}: {err}");
    }
    // A malformed pointer is named as such.
    let err = sd_jwt::issue(&claims(), &parties.issuer, &disclosable(&["given_name"]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed");
}

#[tokio::test]
async fn present_discloses_a_claim_with_what_it_sits_in_and_what_it_holds() {
    let parties = Parties::new(KeyType::Ed25519);
    let options = disclosable(&[
        "/given_name",
        "/address",
        "/address/locality",
        "/address/country",
        "/nationalities/0",
        "/nationalities/1",
        "/degrees/1",
        "/degrees/1/year",
    ]);
    let issued = sd_jwt::issue(&claims(), &parties.issuer, &options)
        .await
        .unwrap();
    let show = |disclose: &[&str]| {
        let issued = issued.clone();
        let disclose: Vec<String> = disclose.iter().map(|p| p.to_string()).collect();
        async move {
            let presentation = sd_jwt::present(&issued, &disclose, None).await.unwrap();
            let proof = sd_jwt::verify(&presentation, &KeyMethod, &VerifyOptions::default())
                .await
                .unwrap();
            (disclosure_count(&presentation), proof.credential)
        }
    };
    // Nothing: the always-visible claims only.
    let (count, seen) = show(&[]).await;
    assert_eq!(count, 0);
    assert_eq!(
        seen,
        json!({"vct": VCT, "iss": parties.issuer_did, "sub": "did:example:alice", "nationalities": [], "degrees": [{"type": "BSc", "year": 2012}]})
    );
    // A nested claim brings its parent; siblings stay hidden.
    let (count, seen) = show(&["/address/locality"]).await;
    assert_eq!(count, 2);
    assert_eq!(
        seen["address"],
        json!({"street_address": "1 Rabbit Hole", "locality": "Oxford"})
    );
    // The parent alone discloses everything inside it.
    let (count, seen) = show(&["/address"]).await;
    assert_eq!(count, 3);
    assert_eq!(seen["address"], claims()["address"]);
    // Array elements keep their holder-side index; the verifier sees the survivors.
    let (_, seen) = show(&["/nationalities/1", "/degrees/1/type"]).await;
    assert_eq!(seen["nationalities"], json!(["FR"]));
    assert_eq!(
        seen["degrees"],
        json!([{"type": "BSc", "year": 2012}, {"type": "MSc"}])
    );
    // A claim that is always visible needs nothing; "" is everything.
    assert_eq!(show(&["/sub"]).await.0, 0);
    let (count, seen) = show(&[""]).await;
    assert_eq!(count, 8);
    let mut everything = claims();
    everything["iss"] = json!(parties.issuer_did);
    assert_eq!(seen, everything);
    // A claim the SD-JWT does not have is the caller's mistake.
    let err = sd_jwt::present(&issued, &["/family_name".into()], None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "api_misuse");
    let err = sd_jwt::present(&issued, &["/nationalities/2".into()], None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "api_misuse");
}

#[tokio::test]
async fn present_binds_only_with_the_cnf_key_and_only_an_sd_jwt() {
    let parties = Parties::new(KeyType::Ed25519);
    let challenge = Challenge {
        nonce: NONCE.into(),
        audience: AUDIENCE.into(),
    };
    let unbound = sd_jwt::issue(&claims(), &parties.issuer, &disclosable(&["/given_name"]))
        .await
        .unwrap();
    let err = sd_jwt::present(&unbound, &[], Some((&parties.holder, &challenge, now())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "api_misuse", "{err}");

    let options = IssueOptions {
        holder_key: Some(parties.holder.public_key()),
        ..disclosable(&["/given_name"])
    };
    let bound = sd_jwt::issue(&claims(), &parties.issuer, &options)
        .await
        .unwrap();
    let stranger = Parties::new(KeyType::Ed25519).holder;
    let err = sd_jwt::present(&bound, &[], Some((&stranger, &challenge, now())))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "api_misuse", "{err}");

    let presentation = sd_jwt::present(&bound, &[], Some((&parties.holder, &challenge, now())))
        .await
        .unwrap();
    let kb = presentation.rsplit('~').next().unwrap();
    let kb_header = json_part(kb.split('.').next().unwrap());
    assert_eq!(
        kb_header,
        json!({"alg": "EdDSA", "typ": "kb+jwt"}),
        "no kid in the KB-JWT"
    );
    // RFC 9901 §7.2: a holder refuses an SD-JWT+KB.
    let err = sd_jwt::present(&presentation, &[], None).await.unwrap_err();
    assert_eq!(err.code(), "malformed");
    assert_eq!(
        sd_jwt::inspect(&presentation).unwrap_err().code(),
        "malformed"
    );
}

#[tokio::test]
async fn inspect_lists_every_disclosable_claim_with_its_parent() {
    let parties = Parties::new(KeyType::Ed25519);
    let options = disclosable(&["/address", "/address/locality", "/nationalities/1"]);
    let issued = sd_jwt::issue(&claims(), &parties.issuer, &options)
        .await
        .unwrap();
    let inspected = sd_jwt::inspect(&issued).unwrap();
    let mut listed: Vec<(String, Option<String>, Option<String>, Value)> = inspected
        .disclosable
        .iter()
        .map(|c| {
            (
                c.pointer.clone(),
                c.name.clone(),
                c.parent.clone(),
                c.value.clone(),
            )
        })
        .collect();
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        listed,
        vec![
            (
                "/address".into(),
                Some("address".into()),
                None,
                claims()["address"].clone()
            ),
            (
                "/address/locality".into(),
                Some("locality".into()),
                Some("/address".into()),
                json!("Oxford")
            ),
            ("/nationalities/1".into(), None, None, json!("FR")),
        ]
    );
    let mut everything = claims();
    everything["iss"] = json!(parties.issuer_did);
    assert_eq!(inspected.claims, everything);
    assert_eq!(inspected.header["typ"], "dc+sd-jwt");
    assert!(inspected.payload["_sd"].is_array());
}

#[tokio::test]
async fn verify_takes_each_signing_key_type_and_the_older_typ() {
    for key_type in [
        KeyType::Ed25519,
        KeyType::P256,
        KeyType::P384,
        KeyType::Secp256k1,
    ] {
        let parties = Parties::new(key_type);
        let options = IssueOptions {
            holder_key: Some(parties.holder.public_key()),
            typ: "vc+sd-jwt".into(),
            ..disclosable(&["/given_name"])
        };
        let issued = sd_jwt::issue(&claims(), &parties.issuer, &options)
            .await
            .unwrap();
        let challenge = Challenge {
            nonce: NONCE.into(),
            audience: AUDIENCE.into(),
        };
        let presentation = sd_jwt::present(
            &issued,
            &["/given_name".into()],
            Some((&parties.holder, &challenge, now())),
        )
        .await
        .unwrap();
        let options = VerifyOptions {
            challenge: Some(challenge),
            ..VerifyOptions::default()
        };
        let proof = sd_jwt::verify(&presentation, &KeyMethod, &options)
            .await
            .unwrap_or_else(|e| panic!("{key_type}: {e}"));
        assert_eq!(proof.credential["given_name"], "Alice", "{key_type}");
        assert!(proof.holder_bound);
    }
}

#[tokio::test]
async fn the_example_typ_needs_the_option_and_a_vc_needs_vct() {
    let parties = Parties::new(KeyType::Ed25519);
    let options = IssueOptions {
        typ: "example+sd-jwt".into(),
        ..disclosable(&["/given_name"])
    };
    // Plain RFC 9901: no vct required.
    let claims = json!({"given_name": "Alice", "iss": parties.issuer_did});
    let issued = sd_jwt::issue(&claims, &parties.issuer, &options)
        .await
        .unwrap();
    let err = sd_jwt::verify(&issued, &KeyMethod, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_proof");
    let examples = VerifyOptions {
        allow_example_typ: true,
        ..VerifyOptions::default()
    };
    let proof = sd_jwt::verify(&issued, &KeyMethod, &examples)
        .await
        .unwrap();
    assert_eq!(proof.credential, claims);
    // A dc+sd-jwt without vct, signed by hand (Kith's issuer refuses to make one).
    let payload = json!({"iss": parties.issuer_did, "given_name": "Alice"});
    let jwt = parties.issuer_jwt(&payload).await;
    let err = sd_jwt::verify(&format!("{jwt}~"), &KeyMethod, &VerifyOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "malformed");
    assert!(err.to_string().contains("vct"), "{err}");
}

#[tokio::test]
async fn verify_with_issuer_key_names_the_key_by_thumbprint() {
    let parties = Parties::new(KeyType::P256);
    let issued = sd_jwt::issue(&claims(), &parties.issuer, &disclosable(&["/given_name"]))
        .await
        .unwrap();
    let key = parties.issuer.public_key();
    let proof = sd_jwt::verify_with_issuer_key(&issued, &key, &VerifyOptions::default()).unwrap();
    assert_eq!(
        proof.method_id,
        format!(
            "urn:ietf:params:oauth:jwk-thumbprint:sha-256:{}",
            key.to_jwk().thumbprint().unwrap()
        )
    );
    assert_eq!(proof.issuer, parties.issuer_did);
    let other = Parties::new(KeyType::P256).issuer.public_key();
    let err =
        sd_jwt::verify_with_issuer_key(&issued, &other, &VerifyOptions::default()).unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
    let wrong_type = Parties::new(KeyType::Ed25519).issuer.public_key();
    let err = sd_jwt::verify_with_issuer_key(&issued, &wrong_type, &VerifyOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "alg_key_mismatch");
}
