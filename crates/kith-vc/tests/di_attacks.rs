//! Attacks on Data Integrity proofs. Each test first checks that the untouched document
//! verifies, then that the attack fails with its exact error code.

mod di_support;

use di_support::{KeyIdentity, StaticResolver, block_on, credential};
use kith_crypto::KeyType;
use kith_did::method::key::KeyMethod;
use kith_did::{MethodResolver, Relationship, Resolver};
use kith_vc::Challenge;
use kith_vc::di::{self, ControllerBinding, DiVerifyOptions, PreviousProof, ProofOptions};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-06-01 12:00 UTC);

fn at_now() -> DiVerifyOptions {
    DiVerifyOptions {
        now: Some(NOW),
        ..DiVerifyOptions::default()
    }
}

fn subject() -> Value {
    json!({"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"})
}

fn options(issuer: &KeyIdentity) -> ProofOptions {
    ProofOptions {
        created: Some(datetime!(2025-05-01 00:00 UTC)),
        ..ProofOptions::new(&issuer.method)
    }
}

fn secure(issuer: &KeyIdentity, suite: &str, options: ProofOptions) -> Value {
    block_on(di::add_proof(
        &credential(&issuer.did, subject()),
        suite,
        &issuer.signer,
        options,
    ))
    .unwrap()
}

fn verify_with(
    document: &Value,
    resolver: &dyn Resolver,
    opts: &DiVerifyOptions,
) -> Result<(), String> {
    block_on(di::verify(document, resolver, opts))
        .map(|_| ())
        .map_err(|e| e.code().to_owned())
}

fn verify(document: &Value) -> Result<(), String> {
    verify_with(document, &KeyMethod, &at_now())
}

fn ed25519() -> KeyIdentity {
    KeyIdentity::from_seed(KeyType::Ed25519, 1)
}

#[test]
fn a_proof_copied_from_another_document_is_an_invalid_signature() {
    let issuer = ed25519();
    let genuine = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    let mut other = block_on(di::add_proof(
        &credential(
            &issuer.did,
            json!({"id": "did:example:mallory", "alumniOf": "Nowhere"}),
        ),
        "eddsa-jcs-2022",
        &issuer.signer,
        options(&issuer),
    ))
    .unwrap();
    assert_eq!(verify(&other), Ok(()));
    other["proof"] = genuine["proof"].clone();
    assert_eq!(verify(&other), Err("invalid_signature".into()));
}

#[test]
fn changed_proof_options_are_an_invalid_signature() {
    let issuer = ed25519();
    let genuine = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    assert_eq!(verify(&genuine), Ok(()));
    for (member, value) in [
        ("created", json!("2025-05-01T00:00:01Z")),
        ("nonce", json!("added after signing")),
        ("id", json!("urn:uuid:added")),
    ] {
        let mut forged = genuine.clone();
        forged["proof"][member] = value;
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{member}");
    }
    // Removing the proof's @context changes the proof configuration too.
    let mut forged = genuine.clone();
    forged["proof"].as_object_mut().unwrap().remove("@context");
    assert_eq!(verify(&forged), Err("invalid_signature".into()));
}

#[test]
fn a_payload_changed_after_signing_is_an_invalid_signature() {
    for (key_type, suite) in [
        (KeyType::Ed25519, "eddsa-jcs-2022"),
        (KeyType::P256, "ecdsa-jcs-2019"),
        (KeyType::P384, "ecdsa-jcs-2019"),
    ] {
        let issuer = KeyIdentity::from_seed(key_type, 2);
        let genuine = secure(&issuer, suite, options(&issuer));
        assert_eq!(verify(&genuine), Ok(()), "{suite}");
        let mut forged = genuine.clone();
        forged["credentialSubject"]["alumniOf"] = json!("The School of Forgeries");
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{suite}");
        let mut forged = genuine.clone();
        forged["validUntil"] = json!("2099-01-01T00:00:00Z");
        assert_eq!(verify(&forged), Err("invalid_signature".into()), "{suite}");
    }
}

#[test]
fn an_unknown_cryptosuite_is_refused() {
    let issuer = ed25519();
    let mut document = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    assert_eq!(verify(&document), Ok(()));
    document["proof"]["cryptosuite"] = json!("eddsa-2099");
    assert_eq!(verify(&document), Err("unknown_cryptosuite".into()));
    document["proof"]["cryptosuite"] = json!("ecdsa-sd-2023");
    assert_eq!(verify(&document), Err("unknown_cryptosuite".into()));
    // bbs-2023 is known, but takes BLS12-381 G2 keys only.
    document["proof"]["cryptosuite"] = json!("bbs-2023");
    assert_eq!(verify(&document), Err("invalid_proof".into()));
    document["proof"]["type"] = json!("Ed25519Signature2020");
    assert_eq!(verify(&document), Err("unknown_cryptosuite".into()));
    // Signing with a suite Kith does not have fails the same way.
    let err = block_on(di::add_proof(
        &json!({}),
        "eddsa-2099",
        &issuer.signer,
        options(&issuer),
    ));
    assert_eq!(err.unwrap_err().code(), "unknown_cryptosuite");
}

#[test]
fn a_key_of_the_wrong_type_for_the_suite_is_an_invalid_proof() {
    let issuer = ed25519();
    let mut document = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    assert_eq!(verify(&document), Ok(()));
    // The Ed25519 key would now have to verify an ECDSA proof.
    document["proof"]["cryptosuite"] = json!("ecdsa-jcs-2019");
    assert_eq!(verify(&document), Err("invalid_proof".into()));
    // A P-256 signer cannot make an eddsa-jcs-2022 proof.
    let p256 = KeyIdentity::from_seed(KeyType::P256, 3);
    let err = block_on(di::add_proof(
        &json!({}),
        "eddsa-jcs-2022",
        &p256.signer,
        options(&p256),
    ));
    assert_eq!(err.unwrap_err().code(), "invalid_proof");
}

#[test]
fn a_proof_created_in_the_future_is_not_yet_valid() {
    let issuer = ed25519();
    let future = ProofOptions {
        created: Some(NOW + time::Duration::hours(1)),
        ..options(&issuer)
    };
    let document = secure(&issuer, "eddsa-jcs-2022", future);
    assert_eq!(verify(&document), Err("not_yet_valid".into()));
    // The same proof an hour later is fine.
    let later = DiVerifyOptions {
        now: Some(NOW + time::Duration::hours(1)),
        ..at_now()
    };
    assert_eq!(verify_with(&document, &KeyMethod, &later), Ok(()));
    // Within the skew is fine too.
    let near = ProofOptions {
        created: Some(NOW + time::Duration::seconds(30)),
        ..options(&issuer)
    };
    assert_eq!(verify(&secure(&issuer, "eddsa-jcs-2022", near)), Ok(()));
}

#[test]
fn an_expired_proof_is_expired() {
    let issuer = ed25519();
    let expiring = ProofOptions {
        expires: Some(NOW - time::Duration::hours(1)),
        ..options(&issuer)
    };
    let document = secure(&issuer, "eddsa-jcs-2022", expiring);
    assert_eq!(document["proof"]["expires"], "2025-06-01T11:00:00Z");
    assert_eq!(verify(&document), Err("expired".into()));
    let earlier = DiVerifyOptions {
        now: Some(NOW - time::Duration::hours(2)),
        ..at_now()
    };
    assert_eq!(verify_with(&document, &KeyMethod, &earlier), Ok(()));
    // A proof cannot be made to expire before it is created.
    let backwards = ProofOptions {
        expires: Some(datetime!(2025-04-01 00:00 UTC)),
        ..options(&issuer)
    };
    let err = block_on(di::add_proof(
        &json!({}),
        "eddsa-jcs-2022",
        &issuer.signer,
        backwards,
    ));
    assert_eq!(err.unwrap_err().code(), "api_misuse");
}

#[test]
fn a_method_not_in_assertion_method_is_not_authorized() {
    let key = ed25519();
    let did = "did:example:issuer";
    let authentication_only = StaticResolver::default().with(
        did,
        &[("key-1", key.public_key())],
        &[Relationship::Authentication],
    );
    let assertion = StaticResolver::default().with(
        did,
        &[("key-1", key.public_key())],
        &[Relationship::AssertionMethod],
    );
    let document = block_on(di::add_proof(
        &credential(did, subject()),
        "eddsa-jcs-2022",
        &key.signer,
        ProofOptions {
            created: Some(datetime!(2025-05-01 00:00 UTC)),
            ..ProofOptions::new(format!("{did}#key-1"))
        },
    ))
    .unwrap();
    assert_eq!(verify_with(&document, &assertion, &at_now()), Ok(()));
    assert_eq!(
        verify_with(&document, &authentication_only, &at_now()),
        Err("key_not_authorized".into())
    );
}

#[test]
fn a_proof_purpose_other_than_the_expected_one_is_an_invalid_proof() {
    let issuer = ed25519();
    let document = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    // A credential's assertionMethod proof replayed as a login.
    let login = DiVerifyOptions {
        expected_purpose: Relationship::Authentication,
        ..at_now()
    };
    assert_eq!(
        verify_with(&document, &KeyMethod, &login),
        Err("invalid_proof".into())
    );
    // Editing the purpose breaks the signature instead.
    let mut forged = document.clone();
    forged["proof"]["proofPurpose"] = json!("authentication");
    assert_eq!(
        verify_with(&forged, &KeyMethod, &login),
        Err("invalid_signature".into())
    );
}

#[test]
fn a_method_controlled_by_another_did_is_a_controller_mismatch() {
    let issuer = ed25519();
    let mallory = KeyIdentity::from_seed(KeyType::Ed25519, 9);
    // Mallory signs a credential naming the issuer, with her own (valid) did:key.
    let forged = block_on(di::add_proof(
        &credential(&issuer.did, subject()),
        "eddsa-jcs-2022",
        &mallory.signer,
        options(&mallory),
    ))
    .unwrap();
    assert_eq!(verify(&forged), Err("key_controller_mismatch".into()));
    // Her own credential verifies, and so does hers when no binding is asked for.
    assert_eq!(
        verify(&secure(&mallory, "eddsa-jcs-2022", options(&mallory))),
        Ok(())
    );
    let any = DiVerifyOptions {
        controller: ControllerBinding::Any,
        ..at_now()
    };
    assert_eq!(verify_with(&forged, &KeyMethod, &any), Ok(()));
    // A DID document that lists a method whose controller is someone else.
    let did = "did:example:issuer";
    let mut document = kith_did::Document::new(kith_did::Did::parse(did).unwrap());
    let other = kith_did::Did::parse("did:example:other").unwrap();
    let id = format!("{did}#key-1");
    document
        .verification_method
        .push(kith_did::VerificationMethod::multikey(
            id.clone(),
            &other,
            &mallory.public_key(),
        ));
    document
        .assertion_method
        .push(kith_did::MethodRef::Reference(id.clone()));
    let resolver = StaticResolver::default().with_document(document);
    let secured = block_on(di::add_proof(
        &credential(did, subject()),
        "eddsa-jcs-2022",
        &mallory.signer,
        ProofOptions {
            created: Some(datetime!(2025-05-01 00:00 UTC)),
            ..ProofOptions::new(id)
        },
    ))
    .unwrap();
    assert_eq!(
        verify_with(&secured, &resolver, &at_now()),
        Err("key_controller_mismatch".into())
    );
}

#[test]
fn a_presentation_signed_by_someone_other_than_its_holder_is_a_controller_mismatch() {
    let holder = ed25519();
    let mallory = KeyIdentity::from_seed(KeyType::Ed25519, 9);
    let challenge = Challenge {
        nonce: "n-0S6_WzA2Mj".into(),
        audience: "https://verifier.example".into(),
    };
    let vp = block_on(di::create_presentation(
        vec![],
        &holder.did,
        &mallory.signer,
        &mallory.method,
        &challenge,
        "eddsa-jcs-2022",
    ))
    .unwrap();
    let opts = DiVerifyOptions {
        now: None,
        ..DiVerifyOptions::presentation(challenge.clone())
    };
    assert_eq!(
        verify_with(&vp, &KeyMethod, &opts),
        Err("key_controller_mismatch".into())
    );
    let honest = block_on(di::create_presentation(
        vec![],
        &holder.did,
        &holder.signer,
        &holder.method,
        &challenge,
        "eddsa-jcs-2022",
    ))
    .unwrap();
    assert_eq!(verify_with(&honest, &KeyMethod, &opts), Ok(()));
}

#[test]
fn a_wrong_challenge_or_domain_is_a_mismatch() {
    let holder = ed25519();
    let challenge = Challenge {
        nonce: "n-0S6_WzA2Mj".into(),
        audience: "https://verifier.example".into(),
    };
    let vp = block_on(di::create_presentation(
        vec![],
        &holder.did,
        &holder.signer,
        &holder.method,
        &challenge,
        "eddsa-jcs-2022",
    ))
    .unwrap();
    let expecting = |nonce: &str, audience: &str| {
        DiVerifyOptions::presentation(Challenge {
            nonce: nonce.into(),
            audience: audience.into(),
        })
    };
    assert_eq!(
        verify_with(
            &vp,
            &KeyMethod,
            &expecting("n-0S6_WzA2Mj", "https://verifier.example")
        ),
        Ok(())
    );
    assert_eq!(
        verify_with(
            &vp,
            &KeyMethod,
            &expecting("another nonce", "https://verifier.example")
        ),
        Err("nonce_mismatch".into())
    );
    assert_eq!(
        verify_with(
            &vp,
            &KeyMethod,
            &expecting("n-0S6_WzA2Mj", "https://evil.example")
        ),
        Err("audience_mismatch".into())
    );
    // A presentation made without a challenge does not answer one.
    let unbound = block_on(di::add_proof(
        &json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "holder": holder.did}),
        "eddsa-jcs-2022",
        &holder.signer,
        ProofOptions { proof_purpose: Relationship::Authentication, domain: Some("https://verifier.example".into()), ..ProofOptions::new(&holder.method) },
    ))
    .unwrap();
    assert_eq!(
        verify_with(
            &unbound,
            &KeyMethod,
            &expecting("n-0S6_WzA2Mj", "https://verifier.example")
        ),
        Err("nonce_mismatch".into())
    );
    // Editing the challenge in the proof breaks the signature.
    let mut forged = vp.clone();
    forged["proof"]["challenge"] = json!("another nonce");
    assert_eq!(
        verify_with(
            &forged,
            &KeyMethod,
            &expecting("another nonce", "https://verifier.example")
        ),
        Err("invalid_signature".into())
    );
}

#[test]
fn a_proof_set_with_one_bad_proof_fails() {
    let did = "did:example:issuer";
    let ed = KeyIdentity::from_seed(KeyType::Ed25519, 4);
    let p256 = KeyIdentity::from_seed(KeyType::P256, 4);
    let resolver = StaticResolver::default().with(
        did,
        &[("ed", ed.public_key()), ("p256", p256.public_key())],
        &[Relationship::AssertionMethod],
    );
    let at = |fragment: &str| ProofOptions {
        created: Some(datetime!(2025-05-01 00:00 UTC)),
        ..ProofOptions::new(format!("{did}#{fragment}"))
    };
    let once = block_on(di::add_proof(
        &credential(did, subject()),
        "eddsa-jcs-2022",
        &ed.signer,
        at("ed"),
    ))
    .unwrap();
    let set = block_on(di::add_proof(
        &once,
        "ecdsa-jcs-2019",
        &p256.signer,
        at("p256"),
    ))
    .unwrap();
    assert_eq!(set["proof"].as_array().unwrap().len(), 2);
    assert_eq!(verify_with(&set, &resolver, &at_now()), Ok(()));
    // The second proof's signature is swapped for the first's: the first still
    // verifies, the set does not.
    let mut forged = set.clone();
    forged["proof"][1]["proofValue"] = set["proof"][0]["proofValue"].clone();
    assert_eq!(
        verify_with(&forged, &resolver, &at_now()),
        Err("invalid_signature".into())
    );
    // One proof dropped from the middle of the set is still a valid (smaller) set...
    let mut smaller = set.clone();
    smaller["proof"].as_array_mut().unwrap().remove(0);
    assert_eq!(verify_with(&smaller, &resolver, &at_now()), Ok(()));
    // ...but a proof from another document is not.
    let mut mixed = set.clone();
    let other = block_on(di::add_proof(
        &credential(did, json!({"name": "Mallory"})),
        "eddsa-jcs-2022",
        &ed.signer,
        at("ed"),
    ))
    .unwrap();
    mixed["proof"]
        .as_array_mut()
        .unwrap()
        .push(other["proof"].clone());
    assert_eq!(
        verify_with(&mixed, &resolver, &at_now()),
        Err("invalid_signature".into())
    );
}

#[test]
fn a_chain_whose_previous_proof_is_missing_fails() {
    let issuer = ed25519();
    let first = ProofOptions {
        id: Some("urn:uuid:first".into()),
        ..options(&issuer)
    };
    let once = secure(&issuer, "eddsa-jcs-2022", first);
    let chained = ProofOptions {
        previous_proof: Some(PreviousProof::One("urn:uuid:first".into())),
        ..options(&issuer)
    };
    let chain = block_on(di::add_proof(
        &once,
        "eddsa-jcs-2022",
        &issuer.signer,
        chained,
    ))
    .unwrap();
    assert_eq!(verify(&chain), Ok(()));
    // The proof the chain points to is removed.
    let mut cut = chain.clone();
    cut["proof"].as_array_mut().unwrap().remove(0);
    assert_eq!(verify(&cut), Err("invalid_proof".into()));
    // Or renamed, so that previousProof names nothing.
    let mut renamed = chain.clone();
    renamed["proof"][0]["id"] = json!("urn:uuid:renamed");
    assert_eq!(
        verify(&renamed),
        Err("invalid_signature".into()),
        "the renamed first proof no longer verifies"
    );
    let mut dangling = chain.clone();
    dangling["proof"][1]["previousProof"] = json!(["urn:uuid:first", "urn:uuid:ghost"]);
    assert_eq!(verify(&dangling), Err("invalid_proof".into()));
    // Adding a chained proof to a document without the named proof is refused.
    let unchained = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    let ghost = ProofOptions {
        previous_proof: Some(PreviousProof::One("urn:uuid:ghost".into())),
        ..options(&issuer)
    };
    let err = block_on(di::add_proof(
        &unchained,
        "eddsa-jcs-2022",
        &issuer.signer,
        ghost,
    ));
    assert_eq!(err.unwrap_err().code(), "invalid_proof");
}

#[test]
fn a_chained_proof_moved_onto_another_previous_proof_fails() {
    let issuer = ed25519();
    let a = ProofOptions {
        id: Some("urn:a".into()),
        ..options(&issuer)
    };
    let b = ProofOptions {
        id: Some("urn:b".into()),
        nonce: Some("b".into()),
        ..options(&issuer)
    };
    let set = block_on(di::add_proof(
        &secure(&issuer, "eddsa-jcs-2022", a),
        "eddsa-jcs-2022",
        &issuer.signer,
        b,
    ))
    .unwrap();
    let on_a = ProofOptions {
        previous_proof: Some(PreviousProof::One("urn:a".into())),
        ..options(&issuer)
    };
    let chain = block_on(di::add_proof(&set, "eddsa-jcs-2022", &issuer.signer, on_a)).unwrap();
    assert_eq!(verify(&chain), Ok(()));
    // The chained proof signed proof a; pointing it at b (by editing) breaks it.
    let mut moved = chain.clone();
    moved["proof"][2]["previousProof"] = json!("urn:b");
    assert_eq!(verify(&moved), Err("invalid_signature".into()));
    // Changing proof a (which the chained proof covers) breaks both.
    let mut edited = chain.clone();
    edited["proof"][0]["nonce"] = json!("edited");
    assert_eq!(verify(&edited), Err("invalid_signature".into()));
    // Two proofs with one id make previousProof ambiguous.
    let mut twins = chain.clone();
    twins["proof"][1]["id"] = json!("urn:a");
    assert_eq!(verify(&twins), Err("invalid_proof".into()));
    // A proof that names itself.
    let mut selfish = chain.clone();
    selfish["proof"][2]["id"] = json!("urn:c");
    selfish["proof"][2]["previousProof"] = json!("urn:c");
    assert_eq!(verify(&selfish), Err("invalid_proof".into()));
}

#[test]
fn an_issuer_did_that_does_not_resolve_is_an_unknown_issuer() {
    let key = ed25519();
    let did = "did:example:123";
    let document = block_on(di::add_proof(
        &credential(did, subject()),
        "eddsa-jcs-2022",
        &key.signer,
        ProofOptions {
            created: Some(datetime!(2025-05-01 00:00 UTC)),
            ..ProofOptions::new(format!("{did}#key-1"))
        },
    ))
    .unwrap();
    // did:example has no resolver: methodNotSupported.
    let mut resolver = MethodResolver::new();
    resolver.register("key", std::sync::Arc::new(KeyMethod));
    assert_eq!(
        verify_with(&document, &resolver, &at_now()),
        Err("unknown_issuer".into())
    );
    // A resolver that knows the method but not the DID: notFound.
    assert_eq!(
        verify_with(&document, &StaticResolver::default(), &at_now()),
        Err("unknown_issuer".into())
    );
    // Resolved, but without that method.
    let other = StaticResolver::default().with(
        did,
        &[("key-2", key.public_key())],
        &[Relationship::AssertionMethod],
    );
    assert_eq!(
        verify_with(&document, &other, &at_now()),
        Err("unknown_key".into())
    );
    let known = StaticResolver::default().with(
        did,
        &[("key-1", key.public_key())],
        &[Relationship::AssertionMethod],
    );
    assert_eq!(verify_with(&document, &known, &at_now()), Ok(()));
}

#[test]
fn a_prepended_context_is_an_invalid_proof_and_an_appended_one_is_not_signed() {
    let issuer = ed25519();
    let genuine = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    let mut prepended = genuine.clone();
    prepended["@context"]
        .as_array_mut()
        .unwrap()
        .insert(0, json!("https://evil.example/context"));
    assert_eq!(verify(&prepended), Err("invalid_proof".into()));
    // > Check that the securedDocument.@context starts with all values contained in
    // > the proofOptions.@context in the same order. [...] Set
    // > unsecuredDocument.@context equal to proofOptions.@context.
    // So a context appended later verifies, and the verified credential leaves it out.
    let mut appended = genuine.clone();
    appended["@context"]
        .as_array_mut()
        .unwrap()
        .push(json!("https://later.example/context"));
    let verified = block_on(di::verify(&appended, &KeyMethod, &at_now())).unwrap();
    assert_eq!(verified.credential["@context"], genuine["@context"]);
    // A proof without @context signs the document's @context as it is.
    let mut bare = genuine.clone();
    bare["proof"].as_object_mut().unwrap().remove("@context");
    assert_eq!(verify(&bare), Err("invalid_signature".into()));
}

#[test]
fn malformed_proofs_are_refused_with_their_codes() {
    let issuer = ed25519();
    let genuine = secure(&issuer, "eddsa-jcs-2022", options(&issuer));
    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 8] = [
        ("invalid_proof", |d| {
            d.as_object_mut().unwrap().remove("proof");
        }),
        ("invalid_proof", |d| d["proof"] = json!([])),
        ("malformed", |d| d["proof"] = json!("z3u2")),
        ("invalid_proof", |d| {
            d["proof"]
                .as_object_mut()
                .unwrap()
                .remove("verificationMethod");
        }),
        ("invalid_signature", |d| {
            d["proof"]["proofValue"] = json!("z0OIl")
        }),
        ("invalid_signature", |d| {
            d["proof"]["proofValue"] = json!("uAAAA")
        }),
        ("invalid_signature", |d| {
            d["proof"]["proofValue"] = json!("z2")
        }),
        ("malformed", |d| d["issuer"] = json!(42)),
    ];
    for (code, mutate) in cases {
        let mut document = genuine.clone();
        mutate(&mut document);
        assert_eq!(verify(&document), Err(code.into()), "{document}");
    }
    let many = json!({"proof": vec![genuine["proof"].clone(); di::MAX_PROOFS + 1]});
    assert_eq!(verify(&many), Err("invalid_proof".into()));
}
