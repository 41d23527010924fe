//! BLS12-381 G2 keys and BBS signatures (draft-irtf-cfrg-bbs-signatures, ciphersuite
//! `BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_`): KeyGen, Sign and Verify from the `zkryptium`
//! implementation; ProofGen and ProofVerify here, on its curve (`bls12_381_plus`).
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
//!
//! ProofGen and ProofVerify are the draft's CoreProofGen and CoreProofVerify (§3.6.3,
//! §3.6.4) written out, because zkryptium's took several times what their arithmetic
//! needs, and most of a bbs-2023 derive and verify (`breakdown/bbs/*` in
//! `kith-vc/benches/bbs.rs`): they hash every generator to the curve again on each
//! call (constants, which the draft lets implementations cache, §4.1.1) and compute
//! each multi-scalar multiplication as separate double-and-add multiplications. Here
//! the generators and their small multiples are computed once, each multi-scalar
//! multiplication shares one doubling chain ([`multi_mul`], constant time, since
//! ProofGen's scalars are secret; [`multi_mul_public`] for ProofVerify's public ones),
//! and `-BP2` and each key are prepared for the pairing once. The IETF fixtures pin
//! both: ProofGen with a fixture's random scalars gives its proof byte for byte, and
//! zkryptium's ProofVerify accepts ours (and ours its own).

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use bls12_381_plus::group::Group as _;
use bls12_381_plus::{
    G1Affine, G1Projective, G2Affine, G2Prepared, G2Projective, Scalar, multi_miller_loop,
};
use subtle::{ConditionallySelectable as _, ConstantTimeEq as _};
use zeroize::Zeroizing;
use zkryptium::bbsplus::ciphersuites::{BbsCiphersuite as _, Bls12381Sha256};
use zkryptium::bbsplus::generators::Generators;
use zkryptium::bbsplus::keys::{BBSplusPublicKey, BBSplusSecretKey};
use zkryptium::keys::pair::KeyPair;
use zkryptium::schemes::algorithms::BbsBls12381Sha256;
use zkryptium::schemes::generics::Signature;
use zkryptium::utils::util::bbsplus_utils::hash_to_scalar;

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
#[derive(Clone)]
pub struct G2PublicKey {
    bytes: [u8; PUBLIC_KEY_LEN],
    key: BBSplusPublicKey,
    point: G2Affine,
    /// `point` prepared for the Miller loop of ProofVerify, once for all clones.
    prepared: Arc<OnceLock<G2Prepared>>,
}

impl PartialEq for G2PublicKey {
    fn eq(&self, other: &Self) -> bool {
        // The compressed encoding of a point is unique.
        self.bytes == other.bytes
    }
}

impl Eq for G2PublicKey {}

/// Most keys [`G2PublicKey::from_bytes`] remembers; a new one past this empties it.
const MAX_CACHED_KEYS: usize = 64;

impl G2PublicKey {
    /// Decodes a compressed point (96 bytes) or an uncompressed one (192 bytes),
    /// refusing points off the curve, outside the subgroup, and the identity.
    ///
    /// A verifier meets the same issuer keys again and again, and decoding one costs a
    /// square root in Fp2 and a subgroup check (and its first ProofVerify the pairing
    /// preparation), so the keys decoded last are kept by their exact encoding, which
    /// alone determines the result.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        type Cache = Mutex<std::collections::HashMap<Vec<u8>, G2PublicKey>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        if let Some(key) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(bytes) {
            return Ok(key.clone());
        }
        let key = Self::decode(bytes)?;
        let mut keys = cache.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(bytes.to_vec(), key.clone());
        Ok(key)
    }

    /// [`Self::from_bytes`] without the cache.
    fn decode(bytes: &[u8]) -> Result<Self, Error> {
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
        // The point is checked above; decoding `compressed` again would repeat the
        // square root and the subgroup check.
        let key = BBSplusPublicKey(G2Projective::from(point));
        Ok(Self {
            bytes: compressed,
            key,
            point,
            prepared: Arc::default(),
        })
    }

    /// The point prepared for the Miller loop.
    fn prepared(&self) -> &G2Prepared {
        self.prepared.get_or_init(|| G2Prepared::from(self.point))
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
fn check_g1(bytes: &[u8], what: &'static str) -> Result<G1Affine, Error> {
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
    Ok(point)
}

/// Checks a scalar of a signature or proof: `0 < s < r` (draft §4.2.4.5
/// octets_to_signature, §4.2.4.8 octets_to_proof).
fn check_scalar(bytes: &[u8], what: &'static str) -> Result<Scalar, Error> {
    let arr: &[u8; SCALAR_LEN] = bytes
        .try_into()
        .map_err(|_| Error::MalformedProof(format!("{what} must be {SCALAR_LEN} bytes")))?;
    if !scalar_in_range(arr) {
        return Err(Error::InvalidScalar(what));
    }
    Option::from(Scalar::from_be_bytes(arr)).ok_or(Error::InvalidScalar(what))
}

/// Validates a signature's encoding: `A` a non-identity subgroup point, `e` in `[1, r)`.
pub fn check_signature(signature: &[u8]) -> Result<(), Error> {
    parse_signature(signature).map(|_| ())
}

/// octets_to_signature (draft §4.2.4.5): `(A, e)`, checked as [`check_signature`] says.
fn parse_signature(signature: &[u8]) -> Result<(G1Affine, Scalar), Error> {
    if signature.len() != SIGNATURE_LEN {
        return Err(Error::MalformedSignature {
            alg: "BBS",
            reason: "a BBS signature is 80 bytes",
        });
    }
    Ok((
        check_g1(&signature[..G1_LEN], "BBS signature A")?,
        check_scalar(&signature[G1_LEN..], "BBS signature e")?,
    ))
}

/// Validates a proof's encoding and returns the number of undisclosed messages it
/// covers (`U`, from its length: draft §4.2.4.8 octets_to_proof).
pub fn check_proof(proof: &[u8]) -> Result<usize, Error> {
    parse_proof(proof).map(|proof| proof.m_hat.len())
}

/// A proof's components (draft §4.2.4.8 octets_to_proof).
struct Proof {
    a_bar: G1Affine,
    b_bar: G1Affine,
    d: G1Affine,
    e_hat: Scalar,
    r1_hat: Scalar,
    r3_hat: Scalar,
    m_hat: Vec<Scalar>,
    challenge: Scalar,
}

/// octets_to_proof (draft §4.2.4.8), checked as [`check_proof`] says.
fn parse_proof(proof: &[u8]) -> Result<Proof, Error> {
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
    let [a_bar, b_bar, d] = [
        (0, "BBS proof Abar"),
        (1, "BBS proof Bbar"),
        (2, "BBS proof D"),
    ]
    .map(|(i, what)| check_g1(&proof[i * G1_LEN..(i + 1) * G1_LEN], what));
    let (a_bar, b_bar, d) = (a_bar?, b_bar?, d?);
    let mut scalars = Vec::with_capacity(undisclosed + 4);
    for (i, chunk) in proof[3 * G1_LEN..].chunks_exact(SCALAR_LEN).enumerate() {
        let what = match i {
            0 => "BBS proof e^",
            1 => "BBS proof r1^",
            2 => "BBS proof r3^",
            _ if i == 3 + undisclosed => "BBS proof challenge",
            _ => "BBS proof m^",
        };
        scalars.push(check_scalar(chunk, what)?);
    }
    let challenge = scalars
        .pop()
        .ok_or(Error::InvalidScalar("BBS proof challenge"))?;
    let m_hat = scalars.split_off(3);
    let [e_hat, r1_hat, r3_hat] = <[Scalar; 3]>::try_from(scalars)
        .map_err(|_| Error::MalformedProof("a BBS proof has e^, r1^ and r3^".into()))?;
    Ok(Proof {
        a_bar,
        b_bar,
        d,
        e_hat,
        r1_hat,
        r3_hat,
        m_hat,
        challenge,
    })
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
    let signature = parse_signature(signature)?;
    check_indexes(disclosed, messages.len())?;
    check_message_count(messages.len())?;
    // > random_scalars = calculate_random_scalars(5+U)
    let undisclosed = messages.len() - disclosed.len();
    let random = Zeroizing::new(random_scalars(5 + undisclosed)?);
    core_proof_gen(
        pk,
        signature,
        header,
        presentation_header,
        messages,
        disclosed,
        &random,
    )
}

/// `count` random scalars (draft §4.2.1 calculate_random_scalars): `OS2IP(48 random
/// bytes) mod r`, from the OS CSPRNG.
fn random_scalars(count: usize) -> Result<Vec<Scalar>, Error> {
    let mut bytes = Zeroizing::new([0u8; 48]);
    (0..count)
        .map(|_| {
            getrandom::fill(&mut bytes[..]).map_err(|e| Error::Rng(e.to_string()))?;
            Ok(Scalar::from_okm(&bytes))
        })
        .collect()
}

/// CoreProofGen (draft §3.6.3) with the random scalars given: `r1, r2, e~, r1~, r3~`
/// and one `m~` per undisclosed message.
fn core_proof_gen(
    pk: &G2PublicKey,
    (a, e): (G1Affine, Scalar),
    header: &[u8],
    presentation_header: &[u8],
    messages: &[&[u8]],
    disclosed: &[usize],
    random: &[Scalar],
) -> Result<Vec<u8>, Error> {
    let count = messages.len();
    let table = generators(count + 1);
    let h = &table.points[1..=count];
    let scalars = Zeroizing::new(
        messages
            .iter()
            .map(|m| map_to_scalar(m))
            .collect::<Result<Vec<Scalar>, Error>>()?,
    );
    let is_disclosed = disclosed_mask(disclosed, count);
    let Some((&[r1, r2, e_tilde, r1_tilde, r3_tilde], m_tilde)) = random.split_first_chunk::<5>()
    else {
        return Err(Error::SignerUnavailable(
            "BBS ProofGen: too few random scalars".into(),
        ));
    };
    let undisclosed: Vec<usize> = (0..count).filter(|i| !is_disclosed[*i]).collect();
    if m_tilde.len() != undisclosed.len() {
        return Err(Error::SignerUnavailable(
            "BBS ProofGen: one random scalar per undisclosed message".into(),
        ));
    }
    // ProofInit (draft §3.7.1).
    let domain = calculate_domain(pk, &table, count, header)?;
    // > B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L
    let mut terms = Vec::with_capacity(count + 1);
    terms.push((&table.points[0], domain));
    terms.extend(h.iter().zip(scalars.iter().copied()));
    let b = multi_mul(&terms).add_mixed(&table.p1[1]);
    drop(terms);
    // > D = B * r2, Abar = A * (r1 * r2), Bbar = D * r1 - Abar * e,
    // > T1 = Abar * e~ + D * r1~, T2 = D * r3~ + H_j1 * m~_j1 + ... + H_jU * m~_jU
    // with D and Abar written out, so that every term's base is B, A or a generator:
    // Bbar = B * (r1 * r2) - A * (r1 * r2 * e), T1 = A * (r1 * r2 * e~) + B * (r2 * r1~),
    // T2 = B * (r2 * r3~) + ...
    let [table_b, table_a] = <[Multiples; 2]>::try_from(multiples(&[b, G1Projective::from(a)]))
        .map_err(|_| Error::SignerUnavailable("BBS ProofGen: two tables".into()))?;
    let r1_r2 = Zeroizing::new(r1 * r2);
    let d = multi_mul(&[(&table_b, r2)]);
    let a_bar = multi_mul(&[(&table_a, *r1_r2)]);
    let b_bar = multi_mul(&[(&table_b, *r1_r2), (&table_a, -(*r1_r2 * e))]);
    let t1 = multi_mul(&[(&table_a, *r1_r2 * e_tilde), (&table_b, r2 * r1_tilde)]);
    let mut terms = Vec::with_capacity(undisclosed.len() + 1);
    terms.push((&table_b, r2 * r3_tilde));
    terms.extend(
        undisclosed
            .iter()
            .map(|j| &h[*j])
            .zip(m_tilde.iter().copied()),
    );
    let t2 = multi_mul(&terms);
    drop(terms);
    let mut affine = [G1Affine::identity(); 5];
    G1Projective::batch_normalize(&[a_bar, b_bar, d, t1, t2], &mut affine);
    let [a_bar, b_bar, d, t1, t2] = affine;
    let revealed: Vec<(usize, Scalar)> = disclosed.iter().map(|i| (*i, scalars[*i])).collect();
    let challenge = challenge(
        &revealed,
        [&a_bar, &b_bar, &d, &t1, &t2],
        domain,
        presentation_header,
    )?;
    // ProofFinalize (draft §3.7.2).
    let r3 = Option::<Scalar>::from(r2.invert())
        .ok_or_else(|| Error::SignerUnavailable("BBS ProofGen: r2 is zero".into()))?;
    // > e^ = e~ + e_value * challenge, r1^ = r1~ - r1 * challenge,
    // > r3^ = r3~ - r3 * challenge, m^_j = m~_j + undisclosed_j * challenge
    let mut proof = Vec::with_capacity(MIN_PROOF_LEN + SCALAR_LEN * undisclosed.len());
    for point in [&a_bar, &b_bar, &d] {
        proof.extend_from_slice(&point.to_compressed());
    }
    for scalar in [
        e_tilde + e * challenge,
        r1_tilde - r1 * challenge,
        r3_tilde - r3 * challenge,
    ] {
        proof.extend_from_slice(&scalar.to_be_bytes());
    }
    for (m_tilde, j) in m_tilde.iter().zip(&undisclosed) {
        proof.extend_from_slice(&(m_tilde + scalars[*j] * challenge).to_be_bytes());
    }
    proof.extend_from_slice(&challenge.to_be_bytes());
    Ok(proof)
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
    let proof = parse_proof(proof)?;
    if disclosed_messages.len() != disclosed_indexes.len() {
        return Err(Error::MessageCountMismatch {
            expected: disclosed_indexes.len(),
            actual: disclosed_messages.len(),
        });
    }
    let count = proof.m_hat.len() + disclosed_indexes.len();
    check_message_count(count)?;
    check_indexes(disclosed_indexes, count)?;
    // CoreProofVerify (draft §3.6.4), ProofVerifyInit (§3.7.3).
    let table = generators(count + 1);
    let h = &table.points[1..=count];
    let revealed: Vec<(usize, Scalar)> = disclosed_indexes
        .iter()
        .zip(disclosed_messages)
        .map(|(i, m)| Ok((*i, map_to_scalar(m)?)))
        .collect::<Result<_, Error>>()?;
    let is_disclosed = disclosed_mask(disclosed_indexes, count);
    let domain = calculate_domain(pk, &table, count, header)?;
    let [table_a_bar, table_b_bar, table_d] = <[Multiples; 3]>::try_from(multiples(&[
        G1Projective::from(proof.a_bar),
        G1Projective::from(proof.b_bar),
        G1Projective::from(proof.d),
    ]))
    .map_err(|_| Error::InvalidSignature)?;
    let c = proof.challenge;
    // > T1 = Bbar * challenge + Abar * e^ + D * r1^
    let t1 = multi_mul_public(&[
        (&table_b_bar, c),
        (&table_a_bar, proof.e_hat),
        (&table_d, proof.r1_hat),
    ]);
    // > Bv = P1 + Q_1 * domain + H_i1 * msg_i1 + ... + H_iR * msg_iR
    // > T2 = Bv * challenge + D * r3^ + H_j1 * m^_j1 + ... + H_jU * m^_jU
    // as one sum: Bv's terms each times the challenge.
    let mut terms = Vec::with_capacity(count + 3);
    terms.extend([
        (&table.p1, c),
        (&table.points[0], domain * c),
        (&table_d, proof.r3_hat),
    ]);
    for (i, message) in &revealed {
        terms.push((&h[*i], message * c));
    }
    let undisclosed = (0..count).filter(|i| !is_disclosed[*i]);
    for (j, m_hat) in undisclosed.zip(&proof.m_hat) {
        terms.push((&h[j], *m_hat));
    }
    let t2 = multi_mul_public(&terms);
    let mut affine = [G1Affine::identity(); 2];
    G1Projective::batch_normalize(&[t1, t2], &mut affine);
    let [t1, t2] = affine;
    // > cv = ProofChallengeCalculate(init_res, disclosed_indexes, messages, ph)
    // > if cv != challenge, return INVALID
    let expected = challenge(
        &revealed,
        [&proof.a_bar, &proof.b_bar, &proof.d, &t1, &t2],
        domain,
        presentation_header,
    )?;
    if expected != c {
        return Err(Error::InvalidSignature);
    }
    // > if e(Abar, W) * e(Bbar, -BP2) != Identity_GT, return INVALID
    let pairing =
        multi_miller_loop(&[(&proof.a_bar, pk.prepared()), (&proof.b_bar, negated_bp2())])
            .final_exponentiation();
    if bool::from(pairing.is_identity()) {
        Ok(())
    } else {
        Err(Error::InvalidSignature)
    }
}

fn check_message_count(count: usize) -> Result<(), Error> {
    if count > MAX_MESSAGES {
        return Err(Error::TooLarge {
            what: "BBS message list",
            size: count,
            limit: MAX_MESSAGES,
        });
    }
    Ok(())
}

/// Which of `count` messages `indexes` (checked) disclose.
fn disclosed_mask(indexes: &[usize], count: usize) -> Vec<bool> {
    let mut mask = vec![false; count];
    for i in indexes {
        mask[*i] = true;
    }
    mask
}

/// MapMessageToScalarAsHash (draft §4.1.2): `hash_to_scalar(msg, api_id ‖
/// "MAP_MSG_TO_SCALAR_AS_HASH_")`.
fn map_to_scalar(message: &[u8]) -> Result<Scalar, Error> {
    const DST: &[u8] = b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_MAP_MSG_TO_SCALAR_AS_HASH_";
    hash_to_scalar::<Bls12381Sha256>(message, DST)
        .map_err(|e| Error::SignerUnavailable(format!("BBS hash_to_scalar: {e}")))
}

/// The `H2S_` hash_to_scalar of the ciphersuite (domain and challenge, draft §4.2.3).
fn hash_to_scalar_h2s(input: &[u8]) -> Result<Scalar, Error> {
    const DST: &[u8] = b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_H2S_";
    hash_to_scalar::<Bls12381Sha256>(input, DST)
        .map_err(|e| Error::SignerUnavailable(format!("BBS hash_to_scalar: {e}")))
}

/// calculate_domain (draft §4.2.3) over the first `count` message generators.
///
/// > dom_octs = serialize((L, Q_1, H_1, ..., H_L)) || api_id
/// > dom_input = PK || dom_octs || I2OSP(length(header), 8) || header
/// > domain = hash_to_scalar(dom_input, api_id || "H2S_")
fn calculate_domain(
    pk: &G2PublicKey,
    table: &GeneratorTable,
    count: usize,
    header: &[u8],
) -> Result<Scalar, Error> {
    let mut input = Vec::with_capacity(PUBLIC_KEY_LEN + 8 + G1_LEN * (count + 1) + 64);
    input.extend_from_slice(&pk.bytes);
    input.extend_from_slice(&(count as u64).to_be_bytes());
    for point in &table.compressed[..=count] {
        input.extend_from_slice(point);
    }
    input.extend_from_slice(Bls12381Sha256::API_ID);
    input.extend_from_slice(&(header.len() as u64).to_be_bytes());
    input.extend_from_slice(header);
    hash_to_scalar_h2s(&input)
}

/// ProofChallengeCalculate (draft §3.7.4).
///
/// > c_arr = (R, i1, msg_i1, ..., iR, msg_iR, Abar, Bbar, D, T1, T2, domain)
/// > c_octs = serialize(c_arr) || I2OSP(length(ph), 8) || ph
/// > return hash_to_scalar(c_octs, api_id || "H2S_")
fn challenge(
    revealed: &[(usize, Scalar)],
    points: [&G1Affine; 5],
    domain: Scalar,
    presentation_header: &[u8],
) -> Result<Scalar, Error> {
    let mut input = Vec::with_capacity(
        8 + revealed.len() * 40 + 5 * G1_LEN + SCALAR_LEN + 8 + presentation_header.len(),
    );
    input.extend_from_slice(&(revealed.len() as u64).to_be_bytes());
    for (i, message) in revealed {
        input.extend_from_slice(&(*i as u64).to_be_bytes());
        input.extend_from_slice(&message.to_be_bytes());
    }
    for point in points {
        input.extend_from_slice(&point.to_compressed());
    }
    input.extend_from_slice(&domain.to_be_bytes());
    input.extend_from_slice(&(presentation_header.len() as u64).to_be_bytes());
    input.extend_from_slice(presentation_header);
    hash_to_scalar_h2s(&input)
}

/// `P1` and the generators `Q_1, H_1, H_2, ...` of the ciphersuite (draft §4.1.1
/// create_generators), each as its [`Multiples`], with their compressed encodings for
/// calculate_domain.
struct GeneratorTable {
    p1: Multiples,
    points: Vec<Multiples>,
    compressed: Vec<[u8; G1_LEN]>,
}

/// The first `count` (at most `MAX_MESSAGES + 1`) generators, from a process-wide table.
///
/// > Since create_generators generates constant points, as an optimization,
/// > implementations MAY cache its result for a specific count (which can be
/// > arbitrarily large, depending on the application).
///
/// <https://www.ietf.org/archive/id/draft-irtf-cfrg-bbs-signatures-07.html#name-generators-calculation>
///
/// Each generator is hashed from the one before, so a longer list starts with every
/// shorter one: the table only grows (doubling, up to `MAX_MESSAGES + 1` generators,
/// about 7 MB with their multiples) and a prefix of it is the list for any smaller
/// count.
fn generators(count: usize) -> Arc<GeneratorTable> {
    static TABLE: Mutex<Option<Arc<GeneratorTable>>> = Mutex::new(None);
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(current) = table.as_ref()
        && current.points.len() >= count
    {
        return current.clone();
    }
    let have = table.as_ref().map_or(0, |t| t.points.len());
    let size = count.max((2 * have).clamp(16, MAX_MESSAGES + 1));
    let created = Generators::create::<Bls12381Sha256>(size, Some(Bls12381Sha256::API_ID));
    let mut all = Vec::with_capacity(size + 1);
    all.push(created.g1_base_point);
    all.extend_from_slice(&created.values);
    let mut points = multiples(&all);
    let p1 = points.remove(0);
    let fresh = Arc::new(GeneratorTable {
        p1,
        compressed: points.iter().map(|m| m[1].to_compressed()).collect(),
        points,
    });
    *table = Some(fresh.clone());
    fresh
}

/// `-BP2`, prepared for the Miller loop once.
fn negated_bp2() -> &'static G2Prepared {
    static PREPARED: OnceLock<G2Prepared> = OnceLock::new();
    PREPARED.get_or_init(|| G2Prepared::from(G2Affine::from(-G2Projective::GENERATOR)))
}

/// The multiples `0·P, 1·P, ..., 15·P` of a point, affine: its table for
/// [`multi_mul`] and, through the odd entries, for [`multi_mul_public`].
type Multiples = [G1Affine; 16];

/// The [`Multiples`] of each of `points`, with one field inversion for all.
fn multiples(points: &[G1Projective]) -> Vec<Multiples> {
    let mut projective = Vec::with_capacity(16 * points.len());
    for point in points {
        let mut multiple = G1Projective::IDENTITY;
        for _ in 0..16 {
            projective.push(multiple);
            multiple += point;
        }
    }
    let mut affine = vec![G1Affine::identity(); projective.len()];
    G1Projective::batch_normalize(&projective, &mut affine);
    affine
        .chunks_exact(16)
        .map(|chunk| {
            let mut table = [G1Affine::identity(); 16];
            table.copy_from_slice(chunk);
            table
        })
        .collect()
}

/// `P_1 * s_1 + ... + P_n * s_n` over `(multiples of P_i, s_i)`, in constant time
/// (Straus' method with 4-bit windows).
///
/// ProofGen's scalars are secret (messages, blinding factors), so the running time
/// and memory accesses depend only on `n`: every window adds one table entry per
/// term, chosen by a constant-time scan of the whole table, and the additions are
/// complete. One doubling chain serves all terms, which is what makes this faster
/// than a separate multiplication per point.
fn multi_mul(terms: &[(&Multiples, Scalar)]) -> G1Projective {
    let digits: Vec<Zeroizing<[u8; 32]>> = terms
        .iter()
        .map(|(_, s)| Zeroizing::new(s.to_le_bytes()))
        .collect();
    let mut sum = G1Projective::IDENTITY;
    for window in (0..64).rev() {
        for _ in 0..4 {
            sum = sum.double();
        }
        for ((table, _), bytes) in terms.iter().zip(&digits) {
            let digit = (bytes[window / 2] >> (4 * (window % 2))) & 0x0f;
            let mut entry = G1Affine::identity();
            for (k, candidate) in table.iter().enumerate() {
                entry.conditional_assign(candidate, digit.ct_eq(&(k as u8)));
            }
            sum = sum.add_mixed(&entry);
        }
    }
    sum
}

/// [`multi_mul`] in variable time, for ProofVerify, whose scalars are all public
/// (the proof's responses, the challenge, the domain and the disclosed messages):
/// interleaved width-5 NAFs, so a term costs about one addition per six bits.
fn multi_mul_public(terms: &[(&Multiples, Scalar)]) -> G1Projective {
    let digits: Vec<[i8; NAF_LEN]> = terms.iter().map(|(_, s)| naf5(s)).collect();
    let top = digits
        .iter()
        .filter_map(|d| d.iter().rposition(|digit| *digit != 0))
        .max();
    let mut sum = G1Projective::IDENTITY;
    for position in (0..=top.unwrap_or(0)).rev() {
        sum = sum.double();
        for ((table, _), digits) in terms.iter().zip(&digits) {
            let digit = digits[position];
            let entry = &table[usize::from(digit.unsigned_abs())];
            if digit > 0 {
                sum = sum.add_mixed(entry);
            } else if digit < 0 {
                sum = sum.add_mixed(&-entry);
            }
        }
    }
    sum
}

/// Digits of a width-5 NAF: a scalar below 2^255 has at most 256.
const NAF_LEN: usize = 257;

/// The width-5 non-adjacent form of `scalar`, least significant digit first: every
/// digit is zero or odd in `[-15, 15]`, and of any five consecutive digits at most
/// one is not zero.
fn naf5(scalar: &Scalar) -> [i8; NAF_LEN] {
    let bytes = scalar.to_le_bytes();
    // Five limbs: subtracting a negative digit may carry past bit 255.
    let mut k = [0u64; 5];
    for (limb, chunk) in k.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(word);
    }
    let mut digits = [0i8; NAF_LEN];
    for digit in digits.iter_mut() {
        if k == [0; 5] {
            break;
        }
        if k[0] & 1 == 1 {
            // k mod 32, as a signed residue in [-15, 15]
            let residue = (k[0] & 31) as i8;
            let signed = if residue >= 16 { residue - 32 } else { residue };
            *digit = signed;
            // k -= signed
            if signed > 0 {
                let (low, borrow) = k[0].overflowing_sub(signed as u64);
                k[0] = low;
                let mut borrow = borrow;
                for limb in &mut k[1..] {
                    let (value, b) = limb.overflowing_sub(u64::from(borrow));
                    *limb = value;
                    borrow = b;
                }
            } else {
                let (low, carry) = k[0].overflowing_add(u64::from(signed.unsigned_abs()));
                k[0] = low;
                let mut carry = carry;
                for limb in &mut k[1..] {
                    let (value, c) = limb.overflowing_add(u64::from(carry));
                    *limb = value;
                    carry = c;
                }
            }
        }
        // k >>= 1
        for i in 0..5 {
            let next = if i < 4 { k[i + 1] << 63 } else { 0 };
            k[i] = (k[i] >> 1) | next;
        }
    }
    debug_assert_eq!(k, [0; 5], "a scalar has at most {NAF_LEN} NAF digits");
    digits
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

    /// The IETF fixtures' directory (`$KITH_VECTORS`, else the shared checkout).
    fn fixtures_dir() -> std::path::PathBuf {
        let vectors = std::env::var_os("KITH_VECTORS").map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
            std::path::PathBuf::from,
        );
        let dir = vectors.join("bbs-signatures/tooling/fixtures/fixture_data/bls12-381-sha-256");
        assert!(
            dir.is_dir(),
            "{} not found (set KITH_VECTORS)",
            dir.display()
        );
        dir
    }

    fn fixture_hex(value: &serde_json::Value) -> Vec<u8> {
        hex::decode(value.as_str().expect("a hex string")).expect("hex")
    }

    fn fixture_scalar(value: &serde_json::Value) -> Scalar {
        let bytes: [u8; 32] = fixture_hex(value).try_into().expect("32 bytes");
        Option::from(Scalar::from_be_bytes(&bytes)).expect("a scalar")
    }

    /// ProofGen with each fixture's traced random scalars gives the fixture's proof
    /// byte for byte, and ProofVerify agrees with every fixture's verdict.
    #[test]
    fn ietf_proof_fixtures_are_reproduced_byte_for_byte() {
        let dir = fixtures_dir();
        let mut reproduced = 0;
        for i in 1..=15 {
            let path = dir.join(format!("proof/proof{i:03}.json"));
            let f: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture"))
                    .expect("JSON");
            let name = f["caseName"].as_str().unwrap_or_default();
            let pk = G2PublicKey::from_bytes(&fixture_hex(&f["signerPublicKey"])).unwrap();
            let header = fixture_hex(&f["header"]);
            let ph = fixture_hex(&f["presentationHeader"]);
            let messages: Vec<Vec<u8>> = f["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(fixture_hex)
                .collect();
            let indexes: Vec<usize> = f["disclosedIndexes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as usize)
                .collect();
            let proof = fixture_hex(&f["proof"]);
            let disclosed: Vec<&[u8]> = indexes
                .iter()
                .filter_map(|i| messages.get(*i).map(Vec::as_slice))
                .collect();
            let valid = f["result"]["valid"].as_bool().unwrap();
            let verified = proof_verify(&pk, &proof, &header, &ph, &disclosed, &indexes);
            assert_eq!(verified.is_ok(), valid, "{name}: {verified:?}");
            if !valid {
                continue;
            }
            let trace = &f["trace"]["random_scalars"];
            let mut random: Vec<Scalar> = ["r1", "r2", "e_tilde", "r1_tilde", "r3_tilde"]
                .iter()
                .map(|k| fixture_scalar(&trace[k]))
                .collect();
            random.extend(
                trace["m_tilde_scalars"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(fixture_scalar),
            );
            let signature = parse_signature(&fixture_hex(&f["signature"])).unwrap();
            let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            let generated =
                core_proof_gen(&pk, signature, &header, &ph, &refs, &indexes, &random).unwrap();
            assert_eq!(hex::encode(generated), hex::encode(&proof), "{name}");
            reproduced += 1;
        }
        assert_eq!(reproduced, 5, "every valid proof fixture");
    }

    /// Our proofs verify with zkryptium's ProofVerify and zkryptium's with ours, and
    /// neither accepts a changed disclosed message.
    #[test]
    fn proofs_agree_with_zkryptium() {
        use zkryptium::schemes::generics::PoKSignature;
        let sk = G2SecretKey::generate().unwrap();
        let pk = sk.public_key();
        let owned: Vec<Vec<u8>> = (0..12u8).map(|i| vec![i; 10 + usize::from(i)]).collect();
        let messages: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let signature = sign(&sk, b"header", &messages).unwrap();
        for disclosed in [
            vec![],
            vec![0],
            vec![1, 4, 7],
            (0..12).collect::<Vec<usize>>(),
        ] {
            let revealed: Vec<&[u8]> = disclosed.iter().map(|i| messages[*i]).collect();
            let revealed_owned: Vec<Vec<u8>> = revealed.iter().map(|m| m.to_vec()).collect();
            let ours = proof_gen(pk, &signature, b"header", b"ph", &messages, &disclosed).unwrap();
            PoKSignature::<BbsBls12381Sha256>::from_bytes(&ours)
                .unwrap()
                .proof_verify(
                    &pk.key,
                    Some(&revealed_owned),
                    Some(&disclosed),
                    Some(b"header"),
                    Some(b"ph"),
                )
                .unwrap();
            let theirs = PoKSignature::<BbsBls12381Sha256>::proof_gen(
                &pk.key,
                &signature,
                Some(b"header"),
                Some(b"ph"),
                Some(&owned),
                Some(&disclosed),
            )
            .unwrap()
            .to_bytes();
            proof_verify(pk, &theirs, b"header", b"ph", &revealed, &disclosed).unwrap();
            if let Some(first) = disclosed.first() {
                let mut changed = revealed.clone();
                changed[0] = b"changed";
                for proof in [&ours, &theirs] {
                    assert_eq!(
                        proof_verify(pk, proof, b"header", b"ph", &changed, &disclosed)
                            .unwrap_err()
                            .code(),
                        "invalid_signature",
                        "message {first} changed"
                    );
                }
            }
        }
    }

    #[test]
    fn domain_separation_tags_are_the_ciphersuites() {
        let api_id = Bls12381Sha256::API_ID;
        let map = [api_id, Bls12381Sha256::MAP_MSG_SCALAR].concat();
        let h2s = [api_id, Bls12381Sha256::H2S].concat();
        for (message, dst) in [(&b"m"[..], &map), (b"", &map), (b"c", &h2s)] {
            let expected = hash_to_scalar::<Bls12381Sha256>(message, dst).unwrap();
            let ours = if *dst == map {
                map_to_scalar(message)
            } else {
                hash_to_scalar_h2s(message)
            };
            assert_eq!(ours.unwrap(), expected);
        }
    }

    /// A key decoded again comes from the cache and equals the first, whatever its
    /// encoding; what does not decode is refused every time.
    #[test]
    fn decoded_keys_are_remembered_by_their_encoding() {
        let sk = G2SecretKey::generate().unwrap();
        let compressed = sk.public_key().to_bytes();
        let (x, y) = sk.public_key().coordinates();
        let uncompressed = [x, y].concat();
        let first = G2PublicKey::from_bytes(&compressed).unwrap();
        let again = G2PublicKey::from_bytes(&compressed).unwrap();
        let long = G2PublicKey::from_bytes(&uncompressed).unwrap();
        assert!(first == again && again == long && long == *sk.public_key());
        assert!(Arc::ptr_eq(&first.prepared, &again.prepared));
        let mut bad = compressed;
        bad[95] ^= 1;
        for _ in 0..2 {
            assert!(G2PublicKey::from_bytes(&bad).is_err());
        }
        for i in 0..=MAX_CACHED_KEYS {
            let other = G2SecretKey::generate().unwrap();
            let key = G2PublicKey::from_bytes(&other.public_key().to_bytes()).unwrap();
            assert_eq!(key.to_bytes(), other.public_key().to_bytes(), "key {i}");
        }
        assert!(G2PublicKey::from_bytes(&compressed).unwrap() == first);
    }

    /// A shorter generator list is a prefix of a longer one, so one growing table
    /// serves every count.
    #[test]
    fn cached_generators_are_create_generators() {
        let small = generators(3);
        let large = generators(small.points.len() + 5);
        let fresh =
            Generators::create::<Bls12381Sha256>(large.points.len(), Some(Bls12381Sha256::API_ID));
        let affine = |p: &G1Projective| G1Affine::from(p);
        assert_eq!(large.p1[1], affine(&fresh.g1_base_point));
        assert_eq!(small.points[..], large.points[..small.points.len()]);
        let tables = large.points.iter().zip(&fresh.values);
        for ((table, point), compressed) in tables.zip(&large.compressed) {
            assert_eq!(table[1], affine(point));
            assert_eq!(&affine(point).to_compressed(), compressed);
            assert_eq!(table[0], G1Affine::identity());
            assert_eq!(table[15], affine(&(point * Scalar::from(15u64))));
        }
    }

    #[test]
    fn multi_mul_is_the_sum_of_products() {
        let g = G1Projective::GENERATOR;
        let points: Vec<G1Projective> = (1..=5u64).map(|i| g * Scalar::from(i * 7919)).collect();
        let tables = multiples(&points);
        let mut scalars: Vec<Scalar> = (1..=5u64)
            .map(|i| -Scalar::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        scalars[2] = Scalar::ZERO;
        scalars[3] = Scalar::ONE;
        let expected = points
            .iter()
            .zip(&scalars)
            .fold(G1Projective::IDENTITY, |sum, (p, s)| sum + p * s);
        let terms: Vec<(&Multiples, Scalar)> = tables.iter().zip(scalars).collect();
        assert_eq!(multi_mul(&terms), expected);
        assert_eq!(multi_mul_public(&terms), expected);
        assert_eq!(multi_mul(&[]), G1Projective::IDENTITY);
        assert_eq!(multi_mul_public(&[]), G1Projective::IDENTITY);
        // The largest scalar, r - 1, and every digit pattern near it.
        let top = -Scalar::ONE;
        for offset in 0..40u64 {
            let s = top - Scalar::from(offset);
            assert_eq!(
                multi_mul_public(&[(&tables[0], s)]),
                points[0] * s,
                "r - 1 - {offset}"
            );
            assert_eq!(
                multi_mul(&[(&tables[0], s)]),
                points[0] * s,
                "r - 1 - {offset}"
            );
        }
    }

    #[test]
    fn naf5_digits_sum_to_the_scalar() {
        for s in [
            Scalar::ZERO,
            Scalar::ONE,
            Scalar::from(31u64),
            Scalar::from(0xffff_ffff_ffff_ffffu64),
            -Scalar::ONE,
            -Scalar::from(12345u64),
        ] {
            let digits = naf5(&s);
            let mut sum = Scalar::ZERO;
            let mut power = Scalar::ONE;
            for (i, digit) in digits.iter().enumerate() {
                assert!(*digit == 0 || digit % 2 != 0, "digit {i} is even");
                assert!((-15..=15).contains(digit));
                let magnitude = Scalar::from(u64::from(digit.unsigned_abs()));
                sum += if *digit < 0 { -magnitude } else { magnitude } * power;
                power = power.double();
            }
            assert_eq!(sum, s);
            for window in digits.windows(5) {
                assert!(window.iter().filter(|d| **d != 0).count() <= 1);
            }
        }
    }
}
