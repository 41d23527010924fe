//! The rdfc test vectors of vc-di-eddsa (`eddsa-rdfc-2022`) and vc-di-ecdsa
//! (`ecdsa-rdfc-2019`, P-256 and P-384), step by step and byte for byte: canonical
//! document (RDFC-1.0 N-Quads), canonical proof configuration, both hashes, the hash
//! data, the signature and `proofValue`, and the secured document (created by
//! `add_proof`, verified by `verify`).
//!
//! The `employ/` cases use `https://w3id.org/citizenship/v4rc1`, which no bundled
//! context serves (`ssi-contexts` 0.1.10 has citizenship v1 only): their input must
//! fail with `unknown_context`, and their hashing and signing are checked from the
//! canonical N-Quads of the `.txt` files.

mod di_support;

use di_support::{block_on, json, now, text, vectors_dir};
use kith_crypto::multibase::{self, Base};
use kith_crypto::{LocalSigner, PrivateKey, Signer};
use kith_did::method::key::KeyMethod;
use kith_vc::di::{
    self, ControllerBinding, Cryptosuite, DiVerifyOptions, ECDSA_RDFC_2019_P256,
    ECDSA_RDFC_2019_P384, EDDSA_RDFC_2022, ProofOptions,
};

struct Case {
    dir: &'static str,
    suffix: &'static str,
    key_pair: &'static str,
    secret_member: &'static str,
    unsigned: &'static str,
    suite: &'static Cryptosuite,
    /// Whether the input's contexts are all bundled.
    bundled: bool,
}

const CASES: &[Case] = &[
    Case {
        dir: "di-eddsa/TestVectors/eddsa-rdfc-2022",
        suffix: "DataInt",
        key_pair: "di-eddsa/TestVectors/keyPair.json",
        secret_member: "privateKeyMultibase",
        unsigned: "di-eddsa/TestVectors/unsigned.json",
        suite: &EDDSA_RDFC_2022,
        bundled: true,
    },
    Case {
        dir: "di-eddsa/TestVectors/eddsa-rdfc-2022/employ",
        suffix: "DataInt",
        key_pair: "di-eddsa/TestVectors/keyPair.json",
        secret_member: "privateKeyMultibase",
        unsigned: "di-eddsa/TestVectors/employmentAuth.json",
        suite: &EDDSA_RDFC_2022,
        bundled: false,
    },
    Case {
        dir: "di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256",
        suffix: "ECDSAP256",
        key_pair: "di-ecdsa/TestVectors/p256KeyPair.json",
        secret_member: "secretKeyMultibase",
        unsigned: "di-ecdsa/TestVectors/unsigned.json",
        suite: &ECDSA_RDFC_2019_P256,
        bundled: true,
    },
    Case {
        dir: "di-ecdsa/TestVectors/ecdsa-rdfc-2019-p256/employ",
        suffix: "ECDSAP256",
        key_pair: "di-ecdsa/TestVectors/p256KeyPair.json",
        secret_member: "secretKeyMultibase",
        unsigned: "di-ecdsa/TestVectors/employmentAuth.json",
        suite: &ECDSA_RDFC_2019_P256,
        bundled: false,
    },
    Case {
        dir: "di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384",
        suffix: "ECDSAP384",
        key_pair: "di-ecdsa/TestVectors/p384KeyPair.json",
        secret_member: "secretKeyMultibase",
        unsigned: "di-ecdsa/TestVectors/unsigned.json",
        suite: &ECDSA_RDFC_2019_P384,
        bundled: true,
    },
    Case {
        dir: "di-ecdsa/TestVectors/ecdsa-rdfc-2019-p384/employ",
        suffix: "ECDSAP384",
        key_pair: "di-ecdsa/TestVectors/p384KeyPair.json",
        secret_member: "secretKeyMultibase",
        unsigned: "di-ecdsa/TestVectors/employmentAuth.json",
        suite: &ECDSA_RDFC_2019_P384,
        bundled: false,
    },
];

impl Case {
    fn file(&self, role: &str, ext: &str) -> String {
        format!("{}/{role}{}.{ext}", self.dir, self.suffix)
    }

    /// A `.txt` file exactly as it is (the N-Quads keep their final newline).
    fn raw(&self, role: &str) -> String {
        std::fs::read_to_string(vectors_dir().join(self.file(role, "txt"))).unwrap()
    }

    fn signer(&self) -> LocalSigner {
        let pair = json(self.key_pair);
        let key = PrivateKey::from_multikey(pair[self.secret_member].as_str().unwrap()).unwrap();
        assert_eq!(key.public_key().to_multikey(), pair["publicKeyMultibase"]);
        LocalSigner::new(key).unwrap()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn rdfc_suites_match_every_intermediate_value_byte_for_byte() {
    let mut checked = 0;
    for case in CASES {
        let name = case.dir;
        let signer = case.signer();
        let unsigned = json(case.unsigned);
        let proof_config = json(&case.file("proofConfig", "json"));
        let expected_document = case.raw("canonDoc");
        let expected_config = case.raw("proofCanon");

        // Transformation and Proof Configuration.
        let transformed = di::transform(case.suite, &unsigned);
        let configured = di::proof_configuration(case.suite, proof_config.as_object().unwrap());
        let (canonical_document, canonical_config) = if case.bundled {
            let document = transformed.unwrap_or_else(|e| panic!("{name}: {e}"));
            let config = configured.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                String::from_utf8(document.clone()).unwrap(),
                expected_document,
                "{name}"
            );
            assert_eq!(
                String::from_utf8(config.clone()).unwrap(),
                expected_config,
                "{name}"
            );
            (document, config)
        } else {
            assert_eq!(transformed.unwrap_err().code(), "unknown_context", "{name}");
            assert_eq!(configured.unwrap_err().code(), "unknown_context", "{name}");
            (expected_document.into_bytes(), expected_config.into_bytes())
        };
        // Hashing.
        let hash_data = di::hash(case.suite, &canonical_config, &canonical_document);
        assert_eq!(
            hex(hash_data.document_hash()),
            text(&case.file("docHash", "txt")),
            "{name}"
        );
        assert_eq!(
            hex(hash_data.proof_config_hash()),
            text(&case.file("proofHash", "txt")),
            "{name}"
        );
        assert_eq!(
            hex(hash_data.as_bytes()),
            text(&case.file("combinedHash", "txt")),
            "{name}"
        );
        // Proof Serialization / Proof Verification.
        let vector_signature =
            multibase::decode_base58btc(&text(&case.file("sigBTC58", "txt"))).unwrap();
        assert_eq!(
            hex(&vector_signature),
            text(&case.file("sigHex", "txt")),
            "{name}"
        );
        di::proof_verification(
            case.suite,
            &hash_data,
            &vector_signature,
            &signer.public_key(),
        )
        .unwrap_or_else(|e| panic!("{name}: the vector's signature: {e}"));
        let ours = block_on(di::proof_serialization(case.suite, &hash_data, &signer)).unwrap();
        di::proof_verification(case.suite, &hash_data, &ours, &signer.public_key()).unwrap();
        // Ed25519 is deterministic, and kith-crypto's ECDSA uses RFC 6979 nonces as the
        // vectors' generator does, so the signatures match byte for byte.
        assert_eq!(hex(&ours), text(&case.file("sigHex", "txt")), "{name}");
        assert_eq!(
            multibase::encode(Base::Base58Btc, &ours),
            text(&case.file("sigBTC58", "txt")),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

fn vector_options() -> DiVerifyOptions {
    // The vectors' issuer is https://vc.example/issuers/5678 while their key is a
    // did:key, so only the key's own DID document can authorize it.
    DiVerifyOptions {
        controller: ControllerBinding::Any,
        now: Some(now()),
        ..DiVerifyOptions::default()
    }
}

#[test]
fn rdfc_add_proof_gives_the_secured_vector_and_it_verifies() {
    for case in CASES.iter().filter(|case| case.bundled) {
        let name = case.dir;
        let signer = case.signer();
        let config = json(&case.file("proofConfig", "json"));
        let expected = json(&case.file("signed", "json"));
        let created =
            kith_vc::datetime::parse_date_time_stamp(config["created"].as_str().unwrap()).unwrap();
        let options = ProofOptions {
            created: Some(created),
            ..ProofOptions::new(config["verificationMethod"].as_str().unwrap())
        };
        let ours = block_on(di::add_proof(
            &json(case.unsigned),
            case.suite.id,
            &signer,
            options,
        ))
        .unwrap();
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "{name}"
        );
        let verified = block_on(di::verify(&expected, &KeyMethod, &vector_options()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.credential, json(case.unsigned), "{name}");
    }
}

#[test]
fn the_employ_secured_vectors_need_an_unbundled_context() {
    for case in CASES.iter().filter(|case| !case.bundled) {
        let signed = json(&case.file("signed", "json"));
        let err = block_on(di::verify(&signed, &KeyMethod, &vector_options())).unwrap_err();
        assert_eq!(err.code(), "unknown_context", "{}", case.dir);
    }
}
