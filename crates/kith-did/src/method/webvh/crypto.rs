//! The hashes and signatures of did:webvh v1.0: SHA-256 multihashes in base58btc
//! (SCID, entry hash, pre-rotation key hashes) and `eddsa-jcs-2022` Data Integrity
//! proofs (log entries and witness approvals).
//!
//! did:webvh v1.0 permits exactly one hash (SHA-256, multihash code `0x12`) and one
//! cryptosuite (`eddsa-jcs-2022`):
//! <https://identity.foundation/didwebvh/v1.0/#didwebvh-did-method-parameters>.

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use kith_crypto::{Algorithm, KeyType, PrivateKey, PublicKey, multibase};

/// Multihash code of SHA-256, and its digest length.
const SHA2_256: [u8; 2] = [0x12, 0x20];

/// The only cryptosuite did:webvh v1.0 allows.
pub(crate) const CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// `base58btc(multihash(bytes, sha2-256))`, with no multibase prefix.
pub(crate) fn multihash_b58(bytes: &[u8]) -> String {
    let mut mh = Vec::with_capacity(34);
    mh.extend_from_slice(&SHA2_256);
    mh.extend_from_slice(&Sha256::digest(bytes));
    bs58::encode(mh).into_string()
}

/// Whether `s` is a base58btc SHA-256 multihash (the only hash v1.0 permits).
pub(crate) fn is_sha256_multihash(s: &str) -> bool {
    if s.len() > 64 {
        return false;
    }
    matches!(bs58::decode(s).into_vec(), Ok(bytes) if bytes.len() == 34 && bytes[..2] == SHA2_256)
}

/// `base58btc(multihash(JCS(value)))`: the SCID and entry hash function.
pub(crate) fn jcs_hash(value: &Value) -> String {
    multihash_b58(&kith_crypto::jcs::canonicalize(value))
}

/// The pre-rotation hash of a Multikey: `base58btc(multihash(multikey))`, hashing the
/// Multikey *string* (did:webvh v1.0 "Pre-Rotation Key Hash Generation").
pub fn next_key_hash(multikey: &str) -> String {
    multihash_b58(multikey.as_bytes())
}

/// The Ed25519 key of a `did:key:<mb>#<mb>` verification method whose body and fragment
/// are byte-equal (did:webvh v1.0 "Witness DIDs": a divergent fragment is rejected).
pub(crate) fn did_key_method(vm: &str) -> Result<(String, PublicKey), String> {
    let rest = vm
        .strip_prefix("did:key:")
        .ok_or_else(|| format!("verificationMethod {vm:?} is not a did:key DID URL"))?;
    let (body, fragment) = rest
        .split_once('#')
        .ok_or_else(|| format!("verificationMethod {vm:?} has no fragment"))?;
    if body != fragment {
        return Err(format!(
            "verificationMethod {vm:?}: the did:key body and fragment differ"
        ));
    }
    let key = ed25519_multikey(body)?;
    Ok((body.to_owned(), key))
}

/// Decodes an Ed25519 Multikey (the only key type `eddsa-jcs-2022` uses).
pub(crate) fn ed25519_multikey(multikey: &str) -> Result<PublicKey, String> {
    let key = PublicKey::from_multikey(multikey)
        .map_err(|e| format!("{multikey:?} is not a Multikey: {e}"))?;
    if key.key_type() != KeyType::Ed25519 {
        return Err(format!("{multikey:?} is not an Ed25519 key"));
    }
    Ok(key)
}

/// `hashData` of vc-di-eddsa §3.3.4 (eddsa-jcs-2022 Hashing): SHA-256 of the canonical
/// proof configuration followed by SHA-256 of the canonical unsecured document.
fn hash_data(proof_config: &Map<String, Value>, document: &Value) -> Vec<u8> {
    let mut config = proof_config.clone();
    // vc-di-eddsa §3.3.5: the proof configuration takes the document's @context.
    if let Some(context) = document.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&Sha256::digest(kith_crypto::jcs::canonicalize(
        &Value::Object(config),
    )));
    out.extend_from_slice(&Sha256::digest(kith_crypto::jcs::canonicalize(document)));
    out
}

/// Creates an `eddsa-jcs-2022` proof over `document` (vc-di-eddsa §3.3.1 Create Proof)
/// with `proofPurpose: assertionMethod` and a `did:key` verification method, as
/// did:webvh log entries and witness approvals carry.
pub(crate) fn create_proof(
    document: &Value,
    signer: &PrivateKey,
    created: &str,
) -> Result<Value, String> {
    if signer.key_type() != KeyType::Ed25519 {
        return Err("did:webvh v1.0 signs with Ed25519 keys (eddsa-jcs-2022) only".into());
    }
    let multikey = signer.public_key().to_multikey();
    let Value::Object(mut config) = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": format!("did:key:{multikey}#{multikey}"),
        "created": created,
        "proofPurpose": "assertionMethod",
    }) else {
        unreachable!("a JSON object literal")
    };
    let signature = signer
        .sign(&hash_data(&config, document))
        .map_err(|e| format!("signing failed: {e}"))?;
    config.insert(
        "proofValue".into(),
        Value::String(multibase::encode(multibase::Base::Base58Btc, &signature)),
    );
    Ok(Value::Object(config))
}

/// Verifies one `eddsa-jcs-2022` proof over `document` (vc-di-eddsa §3.3.2 Verify
/// Proof), requiring `type`, `cryptosuite` and `proofPurpose` exactly, and returns the
/// Multikey of the `did:key` that made it.
pub(crate) fn verify_proof(document: &Value, proof: &Value) -> Result<String, String> {
    let Value::Object(proof) = proof else {
        return Err("a proof is not a JSON object".into());
    };
    let text = |name: &str| -> Result<&str, String> {
        proof
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the proof has no string {name}"))
    };
    if text("type")? != "DataIntegrityProof" {
        return Err("proof type is not DataIntegrityProof".into());
    }
    let suite = text("cryptosuite")?;
    if suite != CRYPTOSUITE {
        return Err(format!(
            "cryptosuite {suite:?} is not allowed; did:webvh:1.0 requires {CRYPTOSUITE}"
        ));
    }
    if text("proofPurpose")? != "assertionMethod" {
        return Err("proofPurpose is not assertionMethod".into());
    }
    let (multikey, key) = did_key_method(text("verificationMethod")?)?;
    let proof_value = text("proofValue")?;
    let signature = multibase::decode_base58btc(proof_value)
        .map_err(|e| format!("proofValue is not base58btc multibase: {e}"))?;
    let mut config = proof.clone();
    config.remove("proofValue");
    key.verify(Algorithm::EdDsa, &hash_data(&config, document), &signature)
        .map_err(|_| format!("the {CRYPTOSUITE} signature by {multikey} does not verify"))?;
    Ok(multikey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_entry_hash_example_shape() {
        // did:webvh v1.0 §"Generate Entry Hash": a multihash in base58btc starts "Qm".
        let h = jcs_hash(&json!({"a": 1}));
        assert!(h.starts_with("Qm") && h.len() == 46, "{h}");
        assert!(is_sha256_multihash(&h));
        assert!(!is_sha256_multihash(
            "Qm0000000000000000000000000000000000000000000000"
        ));
    }

    #[test]
    fn proofs_round_trip_and_bind_the_document() {
        let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let doc = json!({"versionId": "1-Qm"});
        let proof = create_proof(&doc, &key, "2000-01-01T00:00:00Z").unwrap();
        assert_eq!(
            verify_proof(&doc, &proof).unwrap(),
            key.public_key().to_multikey()
        );
        assert!(verify_proof(&json!({"versionId": "2-Qm"}), &proof).is_err());
        let mut wrong_suite = proof.clone();
        wrong_suite["cryptosuite"] = json!("ecdsa-jcs-2019");
        assert!(
            verify_proof(&doc, &wrong_suite)
                .unwrap_err()
                .contains("cryptosuite")
        );
    }
}
