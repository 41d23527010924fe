//! BLS12-381 G2 keys and BBS signatures (draft-irtf-cfrg-bbs-signatures, ciphersuite
//! `BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_`), on the `zkryptium` implementation.
//!
//! <https://datatracker.ietf.org/doc/draft-irtf-cfrg-bbs-signatures/>
//!
//! Every octet string that comes from outside is checked here before it reaches the
//! library, with a named error for each way it can be wrong: a wrong length is
//! `malformed_signature` / `malformed_proof`, a point that is not on the curve
//! `point_not_on_curve`, one outside the prime-order subgroup `point_not_in_subgroup`,
//! the identity `identity_point`, a scalar that is zero or not below the group order
//! `invalid_scalar`, and disclosed messages that do not match their indexes
//! `message_count_mismatch`. So the library never sees input it could panic on.
//!
//! Signing is deterministic (draft §3.5.1 Sign); proofs draw their blinding scalars
//! from a CSPRNG (draft §3.5.3 ProofGen, §4.2.1 random scalars), so two proofs of one
//! signature share nothing.

use std::fmt;

use bls12_381_plus::{G1Affine, G2Affine};
use zeroize::Zeroizing;
use zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
use zkryptium::keys::pair::KeyPair;
use zkryptium::schemes::algorithms::BbsBls12381Sha256;
use zkryptium::schemes::generics::{PoKSignature, Signature};

use crate::Error;

/// Length of a compressed G2 public key (draft §4.2.4.5 point_to_octets_E2).
pub const PUBLIC_KEY_LEN: usize = 96;
/// Length of a secret key: one scalar, big-endian (draft §4.2.4.2 I2OSP of `SK`).
pub const SECRET_KEY_LEN: usize = 32;
/// Length of a signature: a compressed G1 point `A` and the scalar `e` (draft §4.2.4.4).
pub const SIGNATURE_LEN: usize = 80;
/// Length of a proof with no undisclosed message: `Abar`, `Bbar`, `D` (48 bytes each)
/// and `e^`, `r1^`, `r3^`, `challenge` (32 bytes each) (draft §4.2.4.7 proof_to_octets).
pub const MIN_PROOF_LEN: usize = 3 * G1_LEN + 4 * SCALAR_LEN;
/// Most messages one signature or proof may carry: bounds the generators computed for
/// untrusted input (each costs a hash to the curve).
pub const MAX_MESSAGES: usize = 4096;

const G1_LEN: usize = 48;
const SCALAR_LEN: usize = 32;
/// The group order `r` of BLS12-381, big-endian.
const ORDER: [u8; 32] = [
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
];

/// A BLS12-381 G2 public key: a point of the prime-order subgroup other than the
/// identity (draft §4.2.2 KeyValidate), kept with its compressed encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct G2PublicKey {
    bytes: [u8; PUBLIC_KEY_LEN],
    key: BBSplusPublicKey,
}

impl G2PublicKey {
    /// Decodes a compressed point (96 bytes) or an uncompressed one (192 bytes),
    /// refusing points off the curve, outside the subgroup, and the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        const WHAT: &str = "BLS12-381 G2 public key";
        let point = match bytes.len() {
            96 => {
                let arr: &[u8; 96] = bytes.try_into().map_err(|_| key_len(bytes.len()))?;
                if arr[0] & 0x80 == 0 {
                    return Err(invalid_key(
                        "a 96-byte point must have the compression flag",
                    ));
                }
                Option::<G2Affine>::from(G2Affine::from_compressed_unchecked(arr))
                    .ok_or(Error::PointNotOnCurve(WHAT))?
            }
            192 => {
                let arr: &[u8; 192] = bytes.try_into().map_err(|_| key_len(bytes.len()))?;
                if arr[0] & 0x80 != 0 {
                    return Err(invalid_key(
                        "a 192-byte point must not have the compression flag",
                    ));
                }
                let point = Option::<G2Affine>::from(G2Affine::from_uncompressed_unchecked(arr))
                    .ok_or(Error::PointNotOnCurve(WHAT))?;
                if !bool::from(point.is_on_curve()) {
                    return Err(Error::PointNotOnCurve(WHAT));
                }
                point
            }
            other => return Err(key_len(other)),
        };
        // > If W is identity_G2, return INVALID
        // > If subgroup_check(W) returns INVALID, return INVALID
        // <https://www.ietf.org/archive/id/draft-irtf-cfrg-bbs-signatures-07.html#name-keyvalidate>
        if bool::from(point.is_identity()) {
            return Err(Error::IdentityPoint(WHAT));
        }
        if !bool::from(point.is_torsion_free()) {
            return Err(Error::PointNotInSubgroup(WHAT));
        }
        let compressed = point.to_compressed();
        let key =
            BBSplusPublicKey::from_bytes(&compressed).map_err(|_| Error::PointNotOnCurve(WHAT))?;
        Ok(Self {
            bytes: compressed,
            key,
        })
    }

    /// The compressed encoding (96 bytes), as Multikey and BBS carry it.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.bytes
    }

    /// The affine coordinates `(x, y)` of the uncompressed encoding, 96 bytes each
    /// (`c1 ‖ c0` of each Fp2 coordinate), for JWK.
    pub fn coordinates(&self) -> (Vec<u8>, Vec<u8>) {
        let uncompressed = G2Affine::from(&self.key.0).to_uncompressed();
        let (x, y) = uncompressed.split_at(PUBLIC_KEY_LEN);
        (x.to_vec(), y.to_vec())
    }
}

impl fmt::Debug for G2PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "G2PublicKey({})", hex_prefix(&self.bytes))
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
}

fn key_len(len: usize) -> Error {
    invalid_key(&format!(
        "expected a 96-byte compressed or 192-byte uncompressed G2 point, got {len} bytes"
    ))
}

fn invalid_key(reason: &str) -> Error {
    Error::InvalidKey {
        key_type: "bls12381g2",
        reason: reason.to_owned(),
    }
}

/// A BBS secret key: a scalar in `[1, r)`. The bytes are wiped on drop; the library's
/// own scalar copies live only during one operation.
#[derive(Clone)]
pub struct G2SecretKey {
    bytes: Zeroizing<[u8; SECRET_KEY_LEN]>,
    public: G2PublicKey,
}

impl G2SecretKey {
    /// Builds a key from its big-endian scalar, which must be in `[1, r)`.
    pub fn from_bytes(secret: &[u8]) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidPrivateKey {
            key_type: "bls12381g2",
            reason,
        };
        let arr: [u8; SECRET_KEY_LEN] = secret.try_into().map_err(|_| {
            invalid(format!(
                "private key must be {SECRET_KEY_LEN} bytes, got {}",
                secret.len()
            ))
        })?;
        let bytes = Zeroizing::new(arr);
        if !scalar_in_range(&bytes) {
            return Err(invalid(
                "scalar is zero or not below the group order".into(),
            ));
        }
        let key = BBSplusSecretKey::from_bytes(&bytes[..])
            .map_err(|_| invalid("scalar is not below the group order".into()))?;
        let public = G2PublicKey::from_bytes(&key.public_key().to_bytes())?;
        Ok(Self { bytes, public })
    }

    /// KeyGen (draft §3.4.1): `SK = hash_to_scalar(key_material ‖ I2OSP(len(key_info), 2)
    /// ‖ key_info, key_dst)`. `key_material` must be at least 32 bytes of secret
    /// randomness; `key_dst` defaults to the ciphersuite's `KEYGEN_DST_`.
    pub fn key_gen(
        key_material: &[u8],
        key_info: Option<&[u8]>,
        key_dst: Option<&[u8]>,
    ) -> Result<Self, Error> {
        let pair = KeyPair::<BbsBls12381Sha256>::generate(key_material, key_info, key_dst)
            .map_err(|e| Error::InvalidPrivateKey {
                key_type: "bls12381g2",
                reason: format!("KeyGen: {e}"),
            })?;
        Self::from_bytes(&Zeroizing::new(pair.private_key().to_bytes())[..])
    }

    /// Generates a key with KeyGen from 32 bytes of the OS CSPRNG.
    pub fn generate() -> Result<Self, Error> {
        let mut material = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut material[..]).map_err(|e| Error::Rng(e.to_string()))?;
        Self::key_gen(&material[..], None, None)
    }

    /// The big-endian scalar.
    pub fn to_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LEN]> {
        self.bytes.clone()
    }

    /// The matching public key, `SK * BP2`.
    pub fn public_key(&self) -> &G2PublicKey {
        &self.public
    }

    fn library_key(&self) -> Result<BBSplusSecretKey, Error> {
        BBSplusSecretKey::from_bytes(&self.bytes[..]).map_err(|_| Error::InvalidPrivateKey {
            key_type: "bls12381g2",
            reason: "scalar is not below the group order".into(),
        })
    }
}

impl fmt::Debug for G2SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "G2SecretKey(public {:?}, secret redacted)", self.public)
    }
}

/// Whether a big-endian 32-byte string is a scalar in `[1, r)`.
fn scalar_in_range(bytes: &[u8; 32]) -> bool {
    bytes.iter().any(|&b| b != 0) && bytes[..] < ORDER[..]
}

/// Checks a compressed G1 point of a signature or proof (draft §4.2.4.6
/// octets_to_point_E1 with the subgroup check, and not the identity).
fn check_g1(bytes: &[u8], what: &'static str) -> Result<(), Error> {
    let arr: &[u8; G1_LEN] = bytes
        .try_into()
        .map_err(|_| Error::MalformedProof(format!("{what} must be {G1_LEN} bytes")))?;
    if arr[0] & 0x80 == 0 {
        return Err(Error::MalformedProof(format!(
            "{what} is not a compressed point"
        )));
    }
    let point = Option::<G1Affine>::from(G1Affine::from_compressed_unchecked(arr))
        .ok_or(Error::PointNotOnCurve(what))?;
    if bool::from(point.is_identity()) {
        return Err(Error::IdentityPoint(what));
    }
    if !bool::from(point.is_torsion_free()) {
        return Err(Error::PointNotInSubgroup(what));
    }
    Ok(())
}

/// Checks a scalar of a signature or proof: `0 < s < r` (draft §4.2.4.5
/// octets_to_signature, §4.2.4.8 octets_to_proof).
fn check_scalar(bytes: &[u8], what: &'static str) -> Result<(), Error> {
    let arr: &[u8; SCALAR_LEN] = bytes
        .try_into()
        .map_err(|_| Error::MalformedProof(format!("{what} must be {SCALAR_LEN} bytes")))?;
    if scalar_in_range(arr) {
        Ok(())
    } else {
        Err(Error::InvalidScalar(what))
    }
}

/// Validates a signature's encoding: `A` a non-identity subgroup point, `e` in `[1, r)`.
pub fn check_signature(signature: &[u8]) -> Result<(), Error> {
    if signature.len() != SIGNATURE_LEN {
        return Err(Error::MalformedSignature {
            alg: "BBS",
            reason: "a BBS signature is 80 bytes",
        });
    }
    check_g1(&signature[..G1_LEN], "BBS signature A")?;
    check_scalar(&signature[G1_LEN..], "BBS signature e")
}

/// Validates a proof's encoding and returns the number of undisclosed messages it
/// covers (`U`, from its length: draft §4.2.4.8 octets_to_proof).
pub fn check_proof(proof: &[u8]) -> Result<usize, Error> {
    if proof.len() < MIN_PROOF_LEN || !(proof.len() - MIN_PROOF_LEN).is_multiple_of(SCALAR_LEN) {
        return Err(Error::MalformedProof(format!(
            "a BBS proof is {MIN_PROOF_LEN} + 32·U bytes, got {}",
            proof.len()
        )));
    }
    let undisclosed = (proof.len() - MIN_PROOF_LEN) / SCALAR_LEN;
    if undisclosed > MAX_MESSAGES {
        return Err(Error::MalformedProof(format!(
            "a BBS proof of {undisclosed} undisclosed messages is over the {MAX_MESSAGES} accepted"
        )));
    }
    for (i, what) in ["BBS proof Abar", "BBS proof Bbar", "BBS proof D"]
        .into_iter()
        .enumerate()
    {
        check_g1(&proof[i * G1_LEN..(i + 1) * G1_LEN], what)?;
    }
    for (i, chunk) in proof[3 * G1_LEN..].chunks_exact(SCALAR_LEN).enumerate() {
        let what = match i {
            0 => "BBS proof e^",
            1 => "BBS proof r1^",
            2 => "BBS proof r3^",
            _ if i == 3 + undisclosed => "BBS proof challenge",
            _ => "BBS proof m^",
        };
        check_scalar(chunk, what)?;
    }
    Ok(undisclosed)
}

fn owned(messages: &[&[u8]]) -> Result<Vec<Vec<u8>>, Error> {
    if messages.len() > MAX_MESSAGES {
        return Err(Error::TooLarge {
            what: "BBS message list",
            size: messages.len(),
            limit: MAX_MESSAGES,
        });
    }
    Ok(messages.iter().map(|m| m.to_vec()).collect())
}

/// Sign (draft §3.5.1): the deterministic signature over `header` and `messages`.
pub fn sign(sk: &G2SecretKey, header: &[u8], messages: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let messages = owned(messages)?;
    let signature = Signature::<BbsBls12381Sha256>::sign(
        Some(&messages),
        &sk.library_key()?,
        &sk.public.key,
        Some(header),
    )
    .map_err(|e| Error::SignerUnavailable(format!("BBS Sign: {e}")))?;
    Ok(signature.to_bytes().to_vec())
}

/// Verify (draft §3.5.2).
pub fn verify(
    pk: &G2PublicKey,
    signature: &[u8],
    header: &[u8],
    messages: &[&[u8]],
) -> Result<(), Error> {
    check_signature(signature)?;
    let messages = owned(messages)?;
    let arr: &[u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| Error::InvalidSignature)?;
    let signature =
        Signature::<BbsBls12381Sha256>::from_bytes(arr).map_err(|_| Error::InvalidSignature)?;
    signature
        .verify(&pk.key, Some(&messages), Some(header))
        .map_err(|_| Error::InvalidSignature)
}

/// Checks that `indexes` are strictly increasing and below `count`.
fn check_indexes(indexes: &[usize], count: usize) -> Result<(), Error> {
    for (i, &index) in indexes.iter().enumerate() {
        if index >= count {
            return Err(Error::MalformedProof(format!(
                "disclosed index {index} is not below the {count} messages"
            )));
        }
        if i > 0 && indexes[i - 1] >= index {
            return Err(Error::MalformedProof(
                "disclosed indexes must be strictly increasing".into(),
            ));
        }
    }
    Ok(())
}

/// ProofGen (draft §3.5.3): a zero-knowledge proof of `signature` that discloses the
/// messages at `disclosed` (strictly increasing) and is bound to `presentation_header`.
pub fn proof_gen(
    pk: &G2PublicKey,
    signature: &[u8],
    header: &[u8],
    presentation_header: &[u8],
    messages: &[&[u8]],
    disclosed: &[usize],
) -> Result<Vec<u8>, Error> {
    check_signature(signature)?;
    check_indexes(disclosed, messages.len())?;
    let messages = owned(messages)?;
    let proof = PoKSignature::<BbsBls12381Sha256>::proof_gen(
        &pk.key,
        signature,
        Some(header),
        Some(presentation_header),
        Some(&messages),
        Some(disclosed),
    )
    .map_err(|e| Error::SignerUnavailable(format!("BBS ProofGen: {e}")))?;
    Ok(proof.to_bytes())
}

/// ProofVerify (draft §3.5.4): `disclosed_messages[i]` is the message at
/// `disclosed_indexes[i]` (strictly increasing) among `U + R` signed messages, where
/// `U` comes from the proof's length and `R` is the number disclosed.
pub fn proof_verify(
    pk: &G2PublicKey,
    proof: &[u8],
    header: &[u8],
    presentation_header: &[u8],
    disclosed_messages: &[&[u8]],
    disclosed_indexes: &[usize],
) -> Result<(), Error> {
    let undisclosed = check_proof(proof)?;
    if disclosed_messages.len() != disclosed_indexes.len() {
        return Err(Error::MessageCountMismatch {
            expected: disclosed_indexes.len(),
            actual: disclosed_messages.len(),
        });
    }
    let total = undisclosed + disclosed_indexes.len();
    if total > MAX_MESSAGES {
        return Err(Error::TooLarge {
            what: "BBS message list",
            size: total,
            limit: MAX_MESSAGES,
        });
    }
    check_indexes(disclosed_indexes, total)?;
    let messages = owned(disclosed_messages)?;
    let proof = PoKSignature::<BbsBls12381Sha256>::from_bytes(proof)
        .map_err(|_| Error::InvalidSignature)?;
    proof
        .proof_verify(
            &pk.key,
            Some(&messages),
            Some(disclosed_indexes),
            Some(header),
            Some(presentation_header),
        )
        .map_err(|_| Error::InvalidSignature)
}

/// The ciphersuite's building blocks, for the IETF fixtures (generators, hash_to_scalar).
#[doc(hidden)]
pub mod fixtures {
    use zkryptium::bbsplus::ciphersuites::{BbsCiphersuite, Bls12381Sha256};
    use zkryptium::bbsplus::generators::Generators;
    use zkryptium::utils::util::bbsplus_utils::hash_to_scalar as h2s;

    /// create_generators (draft §4.1.1) with the ciphersuite's api_id: `P1`, then the
    /// `count` generators (`Q1`, `H_1`, ...), each compressed.
    pub fn generators(count: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
        let generators = Generators::create::<Bls12381Sha256>(count, Some(Bls12381Sha256::API_ID));
        let compress = |p: &bls12_381_plus::G1Projective| {
            bls12_381_plus::G1Affine::from(p).to_compressed().to_vec()
        };
        (
            compress(&generators.g1_base_point),
            generators.values.iter().map(compress).collect(),
        )
    }

    /// hash_to_scalar (draft §4.2.3), big-endian.
    pub fn hash_to_scalar(message: &[u8], dst: &[u8]) -> Option<Vec<u8>> {
        h2s::<Bls12381Sha256>(message, dst)
            .ok()
            .map(|s| s.to_be_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_bytes_are_r() {
        // r - 1 is the largest scalar; r itself is refused.
        let mut below = ORDER;
        below[31] -= 1;
        assert!(scalar_in_range(&below));
        assert!(!scalar_in_range(&ORDER));
        assert!(!scalar_in_range(&[0; 32]));
        assert!(G2SecretKey::from_bytes(&below).is_ok());
        assert_eq!(
            G2SecretKey::from_bytes(&ORDER).unwrap_err().code(),
            "invalid_private_key"
        );
    }

    #[test]
    fn sign_verify_prove_round_trip() {
        let sk = G2SecretKey::generate().unwrap();
        let pk = sk.public_key();
        let messages: [&[u8]; 3] = [b"a", b"b", b"c"];
        let sig = sign(&sk, b"header", &messages).unwrap();
        verify(pk, &sig, b"header", &messages).unwrap();
        assert_eq!(
            verify(pk, &sig, b"other", &messages).unwrap_err().code(),
            "invalid_signature"
        );
        let proof = proof_gen(pk, &sig, b"header", b"ph", &messages, &[0, 2]).unwrap();
        assert_eq!(check_proof(&proof).unwrap(), 1);
        proof_verify(pk, &proof, b"header", b"ph", &[b"a", b"c"], &[0, 2]).unwrap();
        assert_eq!(
            proof_verify(pk, &proof, b"header", b"ph", &[b"a"], &[0, 2])
                .unwrap_err()
                .code(),
            "message_count_mismatch"
        );
        assert_eq!(
            proof_verify(pk, &proof, b"header", b"ph", &[b"a", b"c"], &[2, 0])
                .unwrap_err()
                .code(),
            "malformed_proof"
        );
        assert_eq!(
            proof_verify(pk, &proof, b"header", b"ph", &[b"a", b"c"], &[0, 3])
                .unwrap_err()
                .code(),
            "malformed_proof"
        );
    }
}
