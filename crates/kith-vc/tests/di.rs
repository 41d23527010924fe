//! Data Integrity round trips: each suite and curve, proof sets, proof chains,
//! presentations, and what a verified proof reports.

mod di_support;

use di_support::{KeyIdentity, StaticResolver, block_on, credential};
use kith_crypto::KeyType;
use kith_did::Relationship;
use kith_did::method::key::KeyMethod;
use kith_vc::Challenge;
use kith_vc::di::{self, DiVerifyOptions, PreviousProof, ProofOptions};
use serde_json::{Value, json};
use time::macros::datetime;

fn subject() -> Value {
    json!({"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"})
}

#[test]
fn every_suite_and_curve_round_trips_through_did_key() {
    for (key_type, suite, proof_len) in [
        (KeyType::Ed25519, "eddsa-jcs-2022", 64),
        (KeyType::P256, "ecdsa-jcs-2019", 64),
        (KeyType::P384, "ecdsa-jcs-2019", 96),
    ] {
        let issuer = KeyIdentity::generate(key_type);
        let unsigned = credential(&issuer.did, subject());
        let options = ProofOptions {
            expires: Some(datetime!(2099-01-01 00:00 UTC)),
            ..ProofOptions::new(&issuer.method)
        };
        let secured = block_on(di::add_proof(&unsigned, suite, &issuer.signer, options)).unwrap();
        let proof = &secured["proof"];
        assert_eq!(proof["type"], "DataIntegrityProof");
        assert_eq!(proof["cryptosuite"], suite);
        assert_eq!(proof["proofPurpose"], "assertionMethod");
        assert_eq!(proof["@context"], unsigned["@context"]);
        let value = kith_crypto::multibase::decode_base58btc(proof["proofValue"].as_str().unwrap())
            .unwrap();
        assert_eq!(value.len(), proof_len, "{suite} {key_type}");
        // created: now, second precision, UTC.
        let created = proof["created"].as_str().unwrap();
        assert!(created.len() == 20 && created.ends_with('Z'), "{created}");

        let verified = block_on(di::verify(
            &secured,
            &KeyMethod,
            &DiVerifyOptions::default(),
        ))
        .unwrap();
        assert_eq!(verified.credential, unsigned);
        assert_eq!(verified.issuer, issuer.did);
        assert_eq!(verified.method_id, issuer.method);
        assert_eq!(
            verified.signed_at,
            Some(kith_vc::datetime::parse_date_time_stamp(created).unwrap())
        );
        assert_eq!(verified.expires, Some(datetime!(2099-01-01 00:00 UTC)));
        assert!(!verified.holder_bound);

        let checked = block_on(di::verify_proofs(
            &secured,
            &KeyMethod,
            &DiVerifyOptions::default(),
        ))
        .unwrap();
        assert_eq!(checked.len(), 1);
        assert_eq!(checked[0].cryptosuite, di::select(suite, key_type).unwrap());
        assert_eq!(checked[0].controller, issuer.did);
    }
}

#[test]
fn verify_proof_checks_one_proof_with_a_known_key() {
    let issuer = KeyIdentity::from_seed(KeyType::P256, 5);
    let secured = block_on(di::add_proof(
        &credential(&issuer.did, subject()),
        "ecdsa-jcs-2019",
        &issuer.signer,
        ProofOptions::new(&issuer.method),
    ))
    .unwrap();
    let input = di::input_document(&secured, &[]).unwrap();
    di::verify_proof(&input, &secured["proof"], &issuer.public_key()).unwrap();
    let other = KeyIdentity::from_seed(KeyType::P256, 6);
    let err = di::verify_proof(&input, &secured["proof"], &other.public_key()).unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
    let ed = KeyIdentity::from_seed(KeyType::Ed25519, 6);
    let err = di::verify_proof(&input, &secured["proof"], &ed.public_key()).unwrap_err();
    assert_eq!(err.code(), "invalid_proof");
}

#[test]
fn issuer_objects_and_relative_methods_bind_to_the_issuer() {
    let key = KeyIdentity::from_seed(KeyType::Ed25519, 7);
    let did = "did:example:university";
    let resolver = StaticResolver::default().with(
        did,
        &[("key-1", key.public_key())],
        &[Relationship::AssertionMethod],
    );
    let mut unsigned = credential(did, subject());
    unsigned["issuer"] = json!({"id": did, "name": "Example University"});
    // A relative method id resolves against the issuer's DID.
    let secured = block_on(di::add_proof(
        &unsigned,
        "eddsa-jcs-2022",
        &key.signer,
        ProofOptions::new("#key-1"),
    ))
    .unwrap();
    let verified = block_on(di::verify(&secured, &resolver, &DiVerifyOptions::default())).unwrap();
    assert_eq!(verified.issuer, did);
    assert_eq!(verified.method_id, format!("{did}#key-1"));
}

#[test]
fn adding_to_a_secured_document_makes_a_proof_set() {
    let did = "did:example:issuer";
    let ed = KeyIdentity::from_seed(KeyType::Ed25519, 1);
    let p384 = KeyIdentity::from_seed(KeyType::P384, 1);
    let resolver = StaticResolver::default().with(
        did,
        &[("ed", ed.public_key()), ("p384", p384.public_key())],
        &[Relationship::AssertionMethod],
    );
    let unsigned = credential(did, subject());
    let once = block_on(di::add_proof(
        &unsigned,
        "eddsa-jcs-2022",
        &ed.signer,
        ProofOptions::new(format!("{did}#ed")),
    ))
    .unwrap();
    assert!(once["proof"].is_object());
    let expires = datetime!(2098-01-01 00:00 UTC);
    let options = ProofOptions {
        expires: Some(expires),
        ..ProofOptions::new(format!("{did}#p384"))
    };
    let twice = block_on(di::add_proof(
        &once,
        "ecdsa-jcs-2019",
        &p384.signer,
        options,
    ))
    .unwrap();
    let proofs = twice["proof"].as_array().unwrap();
    assert_eq!(proofs.len(), 2);
    assert_eq!(
        proofs[0], once["proof"],
        "the first proof is kept as it was"
    );
    // Each proof of a set secures the unsecured document on its own.
    let input = di::input_document(&twice, &[]).unwrap();
    assert_eq!(input, unsigned);
    di::verify_proof(&input, &proofs[0], &ed.public_key()).unwrap();
    di::verify_proof(&input, &proofs[1], &p384.public_key()).unwrap();
    let verified = block_on(di::verify(&twice, &resolver, &DiVerifyOptions::default())).unwrap();
    assert_eq!(verified.credential, unsigned);
    assert_eq!(verified.method_id, format!("{did}#ed"));
    assert_eq!(
        verified.expires,
        Some(expires),
        "the earliest expiry of the set"
    );
    let checked = block_on(di::verify_proofs(
        &twice,
        &resolver,
        &DiVerifyOptions::default(),
    ))
    .unwrap();
    assert_eq!(
        checked.iter().map(|c| c.cryptosuite.id).collect::<Vec<_>>(),
        ["eddsa-jcs-2022", "ecdsa-jcs-2019"]
    );
}

#[test]
fn a_proof_chain_signs_the_proofs_it_names() {
    let did_a = KeyIdentity::from_seed(KeyType::Ed25519, 1);
    let did_b = KeyIdentity::from_seed(KeyType::P256, 2);
    let did_c = KeyIdentity::from_seed(KeyType::Ed25519, 3);
    let unsigned = credential(&did_a.did, subject());
    let first = ProofOptions {
        id: Some("urn:uuid:1".into()),
        ..ProofOptions::new(&did_a.method)
    };
    let second = ProofOptions {
        id: Some("urn:uuid:2".into()),
        ..ProofOptions::new(&did_b.method)
    };
    let set = block_on(di::add_proof(
        &unsigned,
        "eddsa-jcs-2022",
        &did_a.signer,
        first,
    ))
    .unwrap();
    let set = block_on(di::add_proof(&set, "ecdsa-jcs-2019", &did_b.signer, second)).unwrap();
    // A notary chains to both proofs of the set, then another proof to the notary's.
    let notary = ProofOptions {
        id: Some("urn:uuid:3".into()),
        previous_proof: Some(PreviousProof::Many(vec![
            "urn:uuid:1".into(),
            "urn:uuid:2".into(),
        ])),
        ..ProofOptions::new(&did_c.method)
    };
    let chain = block_on(di::add_proof(&set, "eddsa-jcs-2022", &did_c.signer, notary)).unwrap();
    let last = ProofOptions {
        previous_proof: Some(PreviousProof::One("urn:uuid:3".into())),
        ..ProofOptions::new(&did_a.method)
    };
    let chain = block_on(di::add_proof(&chain, "eddsa-jcs-2022", &did_a.signer, last)).unwrap();
    let proofs = chain["proof"].as_array().unwrap();
    assert_eq!(proofs.len(), 4);
    assert_eq!(
        proofs[2]["previousProof"],
        json!(["urn:uuid:1", "urn:uuid:2"])
    );
    assert_eq!(proofs[3]["previousProof"], "urn:uuid:3");

    // The chained proof signs the document with the named proofs as its proof list.
    let input = di::input_document(&chain, &["urn:uuid:1", "urn:uuid:2"]).unwrap();
    assert_eq!(input["proof"], json!([proofs[0], proofs[1]]));
    di::verify_proof(&input, &proofs[2], &did_c.public_key()).unwrap();
    let unsecured = di::input_document(&chain, &[]).unwrap();
    assert_eq!(
        di::verify_proof(&unsecured, &proofs[2], &did_c.public_key())
            .unwrap_err()
            .code(),
        "invalid_signature"
    );

    // Several signers: bind to no one, each key authorized in its own DID document.
    let any = DiVerifyOptions {
        controller: di::ControllerBinding::Any,
        ..DiVerifyOptions::default()
    };
    let checked = block_on(di::verify_proofs(&chain, &KeyMethod, &any)).unwrap();
    assert_eq!(checked[2].previous_proof, ["urn:uuid:1", "urn:uuid:2"]);
    assert_eq!(checked[3].controller, did_a.did);
    // Bound to the issuer (the default), the notary's and did_b's proofs do not count.
    let err = block_on(di::verify(&chain, &KeyMethod, &DiVerifyOptions::default())).unwrap_err();
    assert_eq!(err.code(), "key_controller_mismatch");
    // Bound to exactly did_c, the first proof fails.
    let exactly = DiVerifyOptions {
        controller: di::ControllerBinding::Exactly(did_c.did.clone()),
        ..DiVerifyOptions::default()
    };
    assert_eq!(
        block_on(di::verify(&chain, &KeyMethod, &exactly))
            .unwrap_err()
            .code(),
        "key_controller_mismatch"
    );
}

#[test]
fn a_presentation_is_bound_to_its_holder_and_the_challenge() {
    let issuer = KeyIdentity::from_seed(KeyType::Ed25519, 1);
    let holder = KeyIdentity::from_seed(KeyType::P256, 2);
    let vc = block_on(di::add_proof(
        &credential(&issuer.did, json!({"id": holder.did, "degree": "BSc"})),
        "eddsa-jcs-2022",
        &issuer.signer,
        ProofOptions::new(&issuer.method),
    ))
    .unwrap();
    let challenge = Challenge {
        nonce: "c0ffee".into(),
        audience: "https://verifier.example".into(),
    };
    let vp = block_on(di::create_presentation(
        vec![vc.clone()],
        &holder.did,
        &holder.signer,
        &holder.method,
        &challenge,
        "ecdsa-jcs-2019",
    ))
    .unwrap();
    assert_eq!(vp["type"], json!(["VerifiablePresentation"]));
    assert_eq!(vp["holder"], holder.did);
    assert_eq!(vp["verifiableCredential"], json!([vc]));
    assert_eq!(vp["proof"]["proofPurpose"], "authentication");
    assert_eq!(vp["proof"]["challenge"], "c0ffee");
    assert_eq!(vp["proof"]["domain"], "https://verifier.example");
    kith_vc::model::Presentation::from_json(vp.clone()).unwrap();

    let verified = block_on(di::verify(
        &vp,
        &KeyMethod,
        &DiVerifyOptions::presentation(challenge),
    ))
    .unwrap();
    assert!(verified.holder_bound);
    assert_eq!(verified.issuer, holder.did);
    assert_eq!(verified.credential["verifiableCredential"][0], vc);
    assert!(verified.credential.get("proof").is_none());
    // The embedded credential verifies on its own.
    block_on(di::verify(
        &verified.credential["verifiableCredential"][0],
        &KeyMethod,
        &DiVerifyOptions::default(),
    ))
    .unwrap();
    // A presentation's authentication proof is not an assertion.
    let err = block_on(di::verify(&vp, &KeyMethod, &DiVerifyOptions::default())).unwrap_err();
    assert_eq!(err.code(), "invalid_proof");
}

#[test]
fn a_presentation_without_holder_is_verified_but_not_holder_bound() {
    let signer = KeyIdentity::from_seed(KeyType::Ed25519, 8);
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation"});
    let options = ProofOptions {
        proof_purpose: Relationship::Authentication,
        ..ProofOptions::new(&signer.method)
    };
    let secured = block_on(di::add_proof(
        &vp,
        "eddsa-jcs-2022",
        &signer.signer,
        options,
    ))
    .unwrap();
    let opts = DiVerifyOptions {
        expected_purpose: Relationship::Authentication,
        ..DiVerifyOptions::default()
    };
    let verified = block_on(di::verify(&secured, &KeyMethod, &opts)).unwrap();
    assert!(!verified.holder_bound);
    assert_eq!(verified.issuer, signer.did, "the key's controller");
    // An invalid holder is refused before signing.
    let challenge = Challenge {
        nonce: "n".into(),
        audience: "a".into(),
    };
    let err = block_on(di::create_presentation(
        vec![],
        "not a url",
        &signer.signer,
        &signer.method,
        &challenge,
        "eddsa-jcs-2022",
    ));
    assert_eq!(err.unwrap_err().code(), "invalid_id");
}

#[test]
fn any_json_document_can_be_secured() {
    // Data Integrity secures any JSON object, not only credentials (DI §2.1 example).
    let signer = KeyIdentity::from_seed(KeyType::Ed25519, 9);
    let document = json!({"myWebsite": "https://hello.world.example/"});
    let options = ProofOptions {
        nonce: Some("1234".into()),
        domain: Some("example.com".into()),
        ..ProofOptions::new(&signer.method)
    };
    let secured = block_on(di::add_proof(
        &document,
        "eddsa-jcs-2022",
        &signer.signer,
        options,
    ))
    .unwrap();
    assert!(
        secured["proof"].get("@context").is_none(),
        "no @context to copy"
    );
    let verified = block_on(di::verify(
        &secured,
        &KeyMethod,
        &DiVerifyOptions::default(),
    ))
    .unwrap();
    assert_eq!(verified.credential, document);
    assert_eq!(verified.issuer, signer.did);
    // The proof's members are in the spec's order.
    let members: Vec<&str> = secured["proof"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        [
            "type",
            "cryptosuite",
            "created",
            "verificationMethod",
            "proofPurpose",
            "domain",
            "nonce",
            "proofValue"
        ]
    );
}
