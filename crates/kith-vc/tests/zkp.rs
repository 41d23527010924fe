//! Soundness and privacy of `kith-zkp-2026` (docs/zk-predicates.md).
#![cfg(feature = "zkp")]

use std::sync::Arc;

use kith_crypto::{KeyType, PublicKey};
use kith_did::MethodResolver;
use kith_did::method::key::KeyMethod;
use kith_vc::zkp::{self, IssuerSecretKey, Predicate, PresentOptions};
use kith_vc::{Challenge, Verifier};
use serde_json::{Value, json};

struct Issuer {
    key: IssuerSecretKey,
    did: String,
    kid: String,
}

fn issuer() -> Issuer {
    let key = IssuerSecretKey::generate().unwrap();
    let public = PublicKey::from_bytes(KeyType::Bls12381G2, &key.public_key().to_bytes()).unwrap();
    Issuer {
        did: kith_did::method::key::did_for(&public).to_string(),
        kid: kith_vc::did_key_method_id(&public),
        key,
    }
}

fn credential(issuer: &Issuer, birth_date: &str) -> Value {
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "AgeCredential"],
        "issuer": issuer.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "name": "Alice",
            "birthDate": birth_date,
            "score": 12.5,
            "address": {"city": "Utrecht", "country": "NL"}
        }
    });
    zkp::issue(&unsigned, &issuer.key, &issuer.kid).unwrap()
}

fn verifier() -> Verifier {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    Verifier::new(Arc::new(resolver))
}

fn challenge(nonce: &str) -> Challenge {
    Challenge {
        nonce: nonce.into(),
        audience: "verifier.example".into(),
    }
}

fn options(nonce: &str, predicate: &str, reveal: &[&str]) -> PresentOptions {
    PresentOptions {
        reveal: reveal.iter().map(|s| (*s).to_owned()).collect(),
        predicates: Predicate::parse(predicate).unwrap(),
        challenge: nonce.into(),
        domain: "verifier.example".into(),
    }
}

const AGE: &str = "/credentialSubject/birthDate <= 2008-11-28";
const NAME: &str = "/credentialSubject/name";

fn verify(presentation: &Value, nonce: &str, required: &str) -> zkp::ZkpReport {
    let required = if required.is_empty() {
        Vec::new()
    } else {
        Predicate::parse(required).unwrap()
    };
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(zkp::verify_presentation(
            &verifier(),
            &presentation.to_string(),
            &challenge(nonce),
            &required,
        ))
}

fn code(report: &zkp::ZkpReport) -> Option<&'static str> {
    report.report.first_failure()
}

fn proof_value(presentation: &Value) -> &str {
    presentation["verifiableCredential"][0]["proof"]["proofValue"]
        .as_str()
        .unwrap()
}

fn proof_bytes(presentation: &Value) -> Vec<u8> {
    kith_crypto::multibase::base64url_decode(&proof_value(presentation)[1..]).unwrap()
}

fn with_proof_bytes(presentation: &Value, bytes: &[u8]) -> Value {
    let mut changed = presentation.clone();
    changed["verifiableCredential"][0]["proof"]["proofValue"] =
        format!("u{}", kith_crypto::multibase::base64url_encode(bytes)).into();
    changed
}

#[test]
fn an_adult_proves_the_age_predicate_and_discloses_only_the_name() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    assert_eq!(
        zkp::verify_issued(&issued, issuer.key.public_key()).unwrap(),
        issuer.did
    );
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n-1", AGE, &[NAME]),
    )
    .unwrap();
    let report = verify(&presentation, "n-1", AGE);
    assert!(report.report.verified, "{:#?}", report.report.checks);
    assert_eq!(report.report.issuer.as_deref(), Some(issuer.did.as_str()));
    // The report lists the disclosed claim and the proven predicate, nothing else.
    assert_eq!(
        report.disclosed.keys().collect::<Vec<_>>(),
        [&NAME.to_owned()]
    );
    assert_eq!(report.predicates.len(), 1);
    assert_eq!(report.predicates[0].statement, AGE);
    let text = serde_json::to_string(&report).unwrap();
    for hidden in ["2001-05-17", "Utrecht", "12.5", "score\":"] {
        assert!(!text.contains(hidden), "the report shows {hidden}: {text}");
    }
    assert_eq!(
        report.report.credential.as_ref().unwrap()["credentialSubject"],
        json!({"name": "Alice"})
    );
}

#[test]
fn numbers_date_times_and_two_sided_ranges_are_provable() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let mut opts = options("n", "10 <= /credentialSubject/score < 12.6", &[]);
    opts.predicates
        .extend(Predicate::parse("/credentialSubject/birthDate > 1999-12-31").unwrap());
    let presentation = zkp::present(&issued, issuer.key.public_key(), &opts).unwrap();
    let report = verify(&presentation, "n", "");
    assert!(report.report.verified, "{:#?}", report.report.checks);
    assert_eq!(report.predicates.len(), 3);
    assert!(report.disclosed.is_empty());
}

#[test]
fn the_prover_refuses_a_false_predicate() {
    let issuer = issuer();
    let issued = credential(&issuer, "2009-01-01");
    let err = zkp::present(&issued, issuer.key.public_key(), &options("n", AGE, &[])).unwrap_err();
    assert_eq!(err.code(), "predicate_false");
    // and predicates on strings, disclosed claims, or unknown claims
    let err = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", "/credentialSubject/name <= 5", &[]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "unsupported_claim");
    let err = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", AGE, &["/credentialSubject/birthDate"]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_predicate");
    let err = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", "/credentialSubject/age >= 18", &[]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_claim");
    // a credential from another issuer key is refused before any proof is made
    let other = issuer_key_only();
    let err = zkp::present(
        &issued,
        other.public_key(),
        &options("n", "/credentialSubject/birthDate <= 2010-01-01", &[]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
}

fn issuer_key_only() -> IssuerSecretKey {
    IssuerSecretKey::generate().unwrap()
}

#[test]
fn a_proof_for_another_bound_relabelled_fails() {
    let issuer = issuer();
    // born 2009: "<= 2010-01-01" is true, "<= 2008-11-28" is false
    let issued = credential(&issuer, "2009-01-01");
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", "/credentialSubject/birthDate <= 2010-01-01", &[]),
    )
    .unwrap();
    assert!(verify(&presentation, "n", "").report.verified);
    // the verifier asks for the age predicate: the presentation proves another one
    assert_eq!(
        code(&verify(&presentation, "n", AGE)),
        Some("statement_mismatch")
    );
    // relabel the statement: the proof's statement tag no longer matches
    let mut relabelled = presentation.clone();
    relabelled["verifiableCredential"][0]["proof"]["predicates"][0]["value"] = "2008-11-28".into();
    let report = verify(&relabelled, "n", AGE);
    assert!(!report.report.verified);
    assert_eq!(code(&report), Some("statement_mismatch"));
    assert!(report.predicates.is_empty());
    // and with the tags forged too, the cryptography refuses it
    zkp::__retag_presentation(&mut relabelled).unwrap();
    let report = verify(&relabelled, "n", AGE);
    assert_eq!(code(&report), Some("invalid_signature"));
    assert!(report.predicates.is_empty());
}

#[test]
fn a_lower_bound_relabelled_past_the_value_fails() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let adult_since = "/credentialSubject/birthDate >= 2000-01-01";
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", adult_since, &[]),
    )
    .unwrap();
    let report = verify(&presentation, "n", adult_since);
    assert!(report.report.verified, "{:#?}", report.report.checks);
    // ">= 2002-01-01" is false for this holder: the prover refuses it ...
    let later = "/credentialSubject/birthDate >= 2002-01-01";
    let err =
        zkp::present(&issued, issuer.key.public_key(), &options("n", later, &[])).unwrap_err();
    assert_eq!(err.code(), "predicate_false");
    // ... and the true proof relabelled with that bound, tags forged, does not verify.
    let mut relabelled = presentation.clone();
    relabelled["verifiableCredential"][0]["proof"]["predicates"][0]["value"] = "2002-01-01".into();
    assert_eq!(
        code(&verify(&relabelled, "n", later)),
        Some("statement_mismatch")
    );
    zkp::__retag_presentation(&mut relabelled).unwrap();
    let report = verify(&relabelled, "n", later);
    assert_eq!(code(&report), Some("invalid_signature"));
    assert!(report.predicates.is_empty());
    // and so does the operator flipped from >= to <= on the same bound
    let mut flipped = presentation.clone();
    flipped["verifiableCredential"][0]["proof"]["predicates"][0]["op"] = "<=".into();
    zkp::__retag_presentation(&mut flipped).unwrap();
    assert_eq!(code(&verify(&flipped, "n", "")), Some("invalid_signature"));
}

#[test]
fn strict_and_inclusive_bounds_hold_exactly_up_to_their_edges() {
    let issuer = issuer();
    // birthDate 2001-05-17, score 12.5
    let issued = credential(&issuer, "2001-05-17");
    let at_the_edge = [
        "/credentialSubject/birthDate <= 2001-05-17",
        "/credentialSubject/birthDate >= 2001-05-17",
        "/credentialSubject/birthDate < 2001-05-18",
        "/credentialSubject/birthDate > 2001-05-16",
        "/credentialSubject/score >= 12.5",
        "/credentialSubject/score <= 12.5",
        "/credentialSubject/score < 12.500001",
        "/credentialSubject/score > 12.499999",
    ];
    let mut opts = options("n", at_the_edge[0], &[]);
    for predicate in &at_the_edge[1..] {
        opts.predicates.extend(Predicate::parse(predicate).unwrap());
    }
    let presentation = zkp::present(&issued, issuer.key.public_key(), &opts).unwrap();
    let report = verify(&presentation, "n", "");
    assert!(report.report.verified, "{:#?}", report.report.checks);
    let proven: Vec<&str> = report
        .predicates
        .iter()
        .map(|p| p.statement.as_str())
        .collect();
    assert_eq!(proven, at_the_edge);
    // One step past the edge, each is false and the prover refuses it.
    for past_the_edge in [
        "/credentialSubject/birthDate < 2001-05-17",
        "/credentialSubject/birthDate > 2001-05-17",
        "/credentialSubject/birthDate <= 2001-05-16",
        "/credentialSubject/birthDate >= 2001-05-18",
        "/credentialSubject/score > 12.5",
        "/credentialSubject/score < 12.5",
        "/credentialSubject/score >= 12.500001",
        "/credentialSubject/score <= 12.499999",
    ] {
        let err = zkp::present(
            &issued,
            issuer.key.public_key(),
            &options("n", past_the_edge, &[]),
        )
        .unwrap_err();
        assert_eq!(err.code(), "predicate_false", "{past_the_edge}");
    }
    // A bound below every value is no predicate at all.
    let err = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", "/credentialSubject/birthDate < 0001-01-01", &[]),
    )
    .unwrap_err();
    assert_eq!(err.code(), "invalid_predicate");
    // The first day is provable from both sides.
    let first = credential(&issuer, "0001-01-01");
    let mut opts = options("n", "/credentialSubject/birthDate <= 0001-01-01", &[]);
    opts.predicates
        .extend(Predicate::parse("/credentialSubject/birthDate >= 0001-01-01").unwrap());
    let presentation = zkp::present(&first, issuer.key.public_key(), &opts).unwrap();
    assert!(verify(&presentation, "n", "").report.verified);
}

#[test]
fn every_changed_byte_fails() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", AGE, &[NAME]),
    )
    .unwrap();
    let bytes = proof_bytes(&presentation);
    // Every byte of the header and the BBS proof, and a spread of the range proof's
    // bytes (each failing verification costs a full check in a debug build).
    let range_start = bytes.len() - zkp::RANGE_PROOF_LEN;
    let positions: Vec<usize> = (0..range_start)
        .chain((range_start..bytes.len()).step_by(37))
        .chain([bytes.len() - 1])
        .collect();
    for i in positions {
        let mut changed = bytes.clone();
        changed[i] ^= 0x01;
        let report = verify(&with_proof_bytes(&presentation, &changed), "n", AGE);
        assert!(!report.report.verified, "flipping byte {i} still verifies");
        assert!(report.predicates.is_empty() && report.disclosed.is_empty());
    }
}

#[test]
fn malformed_proofs_have_specific_codes() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", AGE, &[NAME]),
    )
    .unwrap();
    let bytes = proof_bytes(&presentation);
    let case = |bytes: &[u8]| code(&verify(&with_proof_bytes(&presentation, bytes), "n", AGE));
    assert_eq!(case(&bytes[..bytes.len() - 10]), Some("truncated_proof"));
    assert_eq!(case(&bytes[..20]), Some("truncated_proof"));
    assert_eq!(case(&[]), Some("truncated_proof"));
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(case(&longer), Some("malformed_proof"));
    let mut version = bytes.clone();
    version[0] = 9;
    assert_eq!(case(&version), Some("unsupported_version"));
    // A_bar (the first point after the 34-byte header): not on the curve
    let mut point = bytes.clone();
    point[34..34 + 48].copy_from_slice(&[0x9a; 48]);
    assert_eq!(case(&point), Some("invalid_point"));
    // the identity (compressed infinity) is refused as well
    let mut identity = bytes.clone();
    identity[34] = 0xc0;
    identity[35..34 + 48].fill(0);
    assert_eq!(case(&identity), Some("invalid_point"));
    // a point on the curve outside the prime-order subgroup
    let mut torsion = bytes.clone();
    torsion[34..34 + 48].copy_from_slice(&non_subgroup_g1());
    assert_eq!(case(&torsion), Some("invalid_point"));
    // not base64url
    let mut garbled = presentation.clone();
    garbled["verifiableCredential"][0]["proof"]["proofValue"] = "u@@@".into();
    assert_eq!(code(&verify(&garbled, "n", AGE)), Some("malformed_proof"));
    // one more claim listed than the issuer signed: the proof hides another count
    let mut more = presentation.clone();
    more["verifiableCredential"][0]["proof"]["claims"]["/credentialSubject/extra"] =
        "opaque".into();
    assert_eq!(
        code(&verify(&more, "n", AGE)),
        Some("message_count_mismatch")
    );
    // a predicate dropped from the statement: the proof carries one range proof more
    let mut fewer = presentation.clone();
    fewer["verifiableCredential"][0]["proof"]["predicates"] = json!([]);
    assert_eq!(code(&verify(&fewer, "n", "")), Some("statement_mismatch"));
    // a disclosed value changed
    let mut name = presentation.clone();
    name["verifiableCredential"][0]["credentialSubject"]["name"] = "Mallory".into();
    assert_eq!(code(&verify(&name, "n", AGE)), Some("invalid_signature"));
}

/// A compressed G1 point on the curve but not in the prime-order subgroup: the
/// smallest x whose y exists and whose point fails the subgroup check.
fn non_subgroup_g1() -> [u8; 48] {
    use ark_bls12_381::{Fq, G1Affine};
    use ark_serialize::CanonicalSerialize;
    for x in 1u64.. {
        if let Some(p) = G1Affine::get_point_from_x_unchecked(Fq::from(x), false)
            && !p.is_in_correct_subgroup_assuming_on_curve()
        {
            let mut out = Vec::new();
            p.serialize_compressed(&mut out).unwrap();
            return out.try_into().unwrap();
        }
    }
    unreachable!()
}

#[test]
fn the_presentation_is_bound_to_the_nonce_and_domain() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let presentation =
        zkp::present(&issued, issuer.key.public_key(), &options("n-1", AGE, &[])).unwrap();
    assert_eq!(
        code(&verify(&presentation, "n-2", AGE)),
        Some("nonce_mismatch")
    );
    // replayed with the new nonce written in: the proof was made for the old one
    let mut replayed = presentation.clone();
    replayed["verifiableCredential"][0]["proof"]["challenge"] = "n-2".into();
    assert_eq!(code(&verify(&replayed, "n-2", AGE)), Some("nonce_mismatch"));
    zkp::__retag_presentation(&mut replayed).unwrap();
    assert_eq!(
        code(&verify(&replayed, "n-2", AGE)),
        Some("invalid_signature")
    );
    let mut other_domain = presentation.clone();
    other_domain["verifiableCredential"][0]["proof"]["domain"] = "evil.example".into();
    assert_eq!(
        code(&verify(&other_domain, "n-1", AGE)),
        Some("audience_mismatch")
    );
}

/// Longest run of bytes `a` and `b` share.
fn longest_common_substring(a: &[u8], b: &[u8]) -> usize {
    let mut best = 0;
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut previous = 0;
        for (j, y) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = if x == y { previous + 1 } else { 0 };
            best = best.max(row[j + 1]);
            previous = here;
        }
    }
    best
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn two_presentations_share_nothing_and_hide_the_birth_date() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let one = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n-1", AGE, &[NAME]),
    )
    .unwrap();
    let two = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n-2", AGE, &[NAME]),
    )
    .unwrap();
    let (a, b) = (proof_bytes(&one), proof_bytes(&two));
    let shared = longest_common_substring(&a, &b);
    assert!(shared < 16, "the two proofs share {shared} bytes");
    // Beyond the proof value and the nonce, the presentations are the same public
    // statement: the frame, the disclosed name, the claim pointers, the predicate.
    let strip = |p: &Value| {
        let mut p = p.clone();
        let proof = &mut p["verifiableCredential"][0]["proof"];
        proof.as_object_mut().unwrap().remove("proofValue");
        proof.as_object_mut().unwrap().remove("challenge");
        p
    };
    assert_eq!(strip(&one), strip(&two));
    let public = serde_json::to_string(&strip(&one)).unwrap();
    // The hidden birth date, in any obvious encoding, is in neither presentation.
    let days_since_epoch: i64 = 11_459; // 2001-05-17
    let encoded = zkp::encoding::date("2001-05-17").unwrap();
    assert_eq!(
        encoded as i64,
        days_since_epoch + zkp::encoding::DATE_OFFSET
    );
    let mut field_le = [0u8; 32];
    field_le[..8].copy_from_slice(&encoded.to_le_bytes());
    let mut field_be = [0u8; 32];
    field_be[24..].copy_from_slice(&encoded.to_be_bytes());
    for presentation in [&one, &two] {
        let text = presentation.to_string();
        for needle in [
            "2001-05-17".to_owned(),
            "20010517".to_owned(),
            days_since_epoch.to_string(),
            encoded.to_string(),
        ] {
            assert!(!text.contains(&needle), "the presentation holds {needle}");
        }
        let bytes = proof_bytes(presentation);
        for needle in [
            &encoded.to_le_bytes()[..],
            &encoded.to_be_bytes()[..],
            &field_le[..],
            &field_be[..],
            &(days_since_epoch as u32).to_le_bytes()[..],
        ] {
            assert!(
                !contains(&bytes, needle),
                "the proof holds the encoded date"
            );
        }
    }
    assert!(!public.contains("Utrecht") && !public.contains("12.5"));
}

#[test]
fn the_issued_credential_verifies_through_the_pipeline_checks() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let report = rt.block_on(zkp::verify_credential(&verifier(), &issued.to_string()));
    assert!(report.verified, "{:#?}", report.checks);
    let mut tampered = issued.clone();
    tampered["credentialSubject"]["birthDate"] = "1990-01-01".into();
    let report = rt.block_on(zkp::verify_credential(&verifier(), &tampered.to_string()));
    assert_eq!(report.first_failure(), Some("invalid_signature"));
    assert!(zkp::is_zkp_credential(&issued.to_string()));
    let presentation =
        zkp::present(&issued, issuer.key.public_key(), &options("n", AGE, &[])).unwrap();
    assert!(zkp::is_zkp_presentation(&presentation.to_string()));
    assert!(!zkp::is_zkp_credential(&presentation.to_string()));
}

#[test]
fn the_fuzz_entry_point_survives_prefixes_and_noise() {
    let issuer = issuer();
    let issued = credential(&issuer, "2001-05-17");
    let presentation = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", AGE, &[NAME]),
    )
    .unwrap();
    let bytes = proof_bytes(&presentation);
    for end in (0..bytes.len()).step_by(7) {
        zkp::__fuzz_proof(&bytes[..end]);
    }
    let mut noise = bytes.clone();
    for (i, b) in noise.iter_mut().enumerate() {
        *b ^= (i as u8).wrapping_mul(151);
    }
    zkp::__fuzz_proof(&noise);
    zkp::__fuzz_proof(presentation.to_string().as_bytes());
    zkp::__fuzz_proof(proof_value(&presentation).as_bytes());
}

/// Seeds of the `zkp_proof` fuzz target: proofs for the statement shapes it tries (at
/// most two hidden claims, up to two predicates), so its inputs decode all the way.
/// Checked here; written to the directory named by `KITH_WRITE_FUZZ_SEEDS`:
/// `KITH_WRITE_FUZZ_SEEDS=$PWD/fuzz/seeds/zkp_proof cargo test -p kith-vc --test zkp fuzz_seeds`.
#[test]
fn fuzz_seeds_are_presentations_that_verify() {
    let issuer = issuer();
    let unsigned = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "AgeCredential"],
        "issuer": issuer.did,
        "credentialSubject": {"name": "Alice", "birthDate": "2001-05-17", "score": 12.5}
    });
    let issued = zkp::issue(&unsigned, &issuer.key, &issuer.kid).unwrap();
    let one = zkp::present(
        &issued,
        issuer.key.public_key(),
        &options("n", AGE, &[NAME]),
    )
    .unwrap();
    let mut both = options("n", AGE, &[NAME]);
    both.predicates
        .extend(Predicate::parse("/credentialSubject/score >= 10").unwrap());
    let two = zkp::present(&issued, issuer.key.public_key(), &both).unwrap();
    assert!(verify(&one, "n", AGE).report.verified);
    assert!(verify(&two, "n", AGE).report.verified);
    let seeds: [(&str, Vec<u8>); 4] = [
        ("derived.bin", proof_bytes(&one)),
        ("derived-two-predicates.bin", proof_bytes(&two)),
        ("derived.txt", proof_value(&one).as_bytes().to_vec()),
        (
            "presentation.json",
            serde_json::to_vec_pretty(&one).unwrap(),
        ),
    ];
    for (_, bytes) in &seeds {
        zkp::__fuzz_proof(bytes);
    }
    if let Some(dir) = std::env::var_os("KITH_WRITE_FUZZ_SEEDS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}
