//! The proof system of `kith-zkp-2026` (docs/zk-predicates.md §4, §5).
//!
//! - BBS signatures (Tessaro–Zhu 2023, "BBS" without the `s` blinding of BBS+) over
//!   BLS12-381 with the issuer's key in G2: `bbs_plus::signature_23`.
//! - A proof of knowledge of the signature that discloses some messages and hides the
//!   rest (`bbs_plus::proof_23_cdl`, the CDL16-style protocol whose Schnorr responses
//!   are for the messages themselves, so they can be shared with other protocols).
//! - For each predicate (`value <= b` or `value >= b`), a Pedersen commitment `V` to
//!   the distance `b - value` or `value - b`, a Bulletproofs++ range proof
//!   (`bulletproofs_plus_plus`, base 16) that it is below 2^64, and a Schnorr proof
//!   (`schnorr_pok`) that `g·b - V` or `V + g·b` commits to the hidden message: it uses
//!   the BBS protocol's blinding for that message, so its response must equal the BBS
//!   response, which the verifier checks.
//! - One Fiat–Shamir challenge over a Merlin transcript that starts with the issuer key,
//!   the message count, the verifier's nonce and domain, the statement and each
//!   predicate's bound, then takes every commitment and the range proofs.
//!
//! The range proofs are made by [`bulletproofs`] (the library's prover, ported to do
//! fewer group operations) and checked by the library's verifier.
//!
//! Every byte string from outside is decoded with arkworks' validating deserializer
//! (points on the curve, in the prime-order subgroup; scalars below the order), and
//! the range proofs' layout is checked before the library sees them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, SerializationError};
use ark_std::rand::SeedableRng;
use ark_std::rand::rngs::StdRng;
use bbs_plus::prelude::{
    PoKOfSignature23G1Proof, PoKOfSignature23G1Protocol, PreparedPublicKeyG2,
    PreparedSignatureParams23G1, SecretKey, Signature23G1, SignatureParams23G1,
};
use bulletproofs_plus_plus::prelude::Proof as Bulletproof;
use dock_crypto_utils::signature::MessageOrBlinding;
use dock_crypto_utils::transcript::{MerlinTranscript, Transcript};
use schnorr_pok::discrete_log::{PokPedersenCommitment, PokPedersenCommitmentProtocol};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::ZkpError;
use super::bulletproofs::{self, Generators};
use super::predicate::Bound;

/// The BBS parameters for one message count, as signing and proving use them and with
/// `g2` prepared for pairings, as verifying does.
struct Params {
    plain: SignatureParams23G1<Bls12_381>,
    prepared: PreparedSignatureParams23G1<Bls12_381>,
}

/// Label of the BBS message generators (`g1`, `h_i`); `g2` is the standard generator.
const PARAMS_LABEL: &[u8] = b"kith-zkp-2026/bbs";
/// Bits of each range proof: the distance to the bound is in `[0, 2^64)`.
const RANGE_BITS: u16 = bulletproofs::BITS;
/// Base of each range proof's digits: 64 bits are 16 hexadecimal digits.
const RANGE_BASE: u16 = bulletproofs::BASE;

/// The first byte of every proof value.
pub(crate) const VERSION: u8 = 1;
/// Second byte: the issuer's signature.
pub(crate) const KIND_SIGNATURE: u8 = 0;
/// Second byte: a holder's derived proof.
pub(crate) const KIND_DERIVED: u8 = 1;
/// Most messages one signature covers: the header and 256 claims.
pub(crate) const MAX_MESSAGES: usize = 1 + super::encoding::MAX_CLAIMS;
/// Most predicates one proof carries.
pub const MAX_PREDICATES: usize = 16;
/// Largest derived proof accepted, in bytes.
pub const MAX_PROOF_LEN: usize = 64 * 1024;
/// Length of the issuer's signature: `A` (48) and `e` (32).
pub(crate) const SIGNATURE_LEN: usize = 80;
/// Length of a compressed G2 public key.
pub(crate) const PUBLIC_KEY_LEN: usize = 96;

const G1_LEN: usize = 48;
const SCALAR_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// Version, kind, binding tag, statement tag.
const HEADER_LEN: usize = 2 + 2 * TAG_LEN;
/// Rounds of the weighted norm linear argument, halving 16 `G_i` and 8 `H_i` to one:
/// the length of its `X` and `R` vectors.
const BPP_ROUNDS: usize = bulletproofs::G_VEC_LEN.ilog2() as usize;
/// Lengths of its final `l` and `n` vectors.
const BPP_L_LEN: usize = 1;
const BPP_N_LEN: usize = 1;
/// One Bulletproofs++ `Proof`: base (u16), `D, M, R, S`, then the weighted norm linear
/// argument `X`, `R` (points), `l`, `n` (scalars), each vector with a u64 length.
const BPP_LEN: usize = 2
    + 4 * G1_LEN
    + 8
    + BPP_ROUNDS * G1_LEN
    + 8
    + BPP_ROUNDS * G1_LEN
    + 8
    + BPP_L_LEN * SCALAR_LEN
    + 8
    + BPP_N_LEN * SCALAR_LEN;
/// A Schnorr proof for a Pedersen commitment: `t` and two responses.
const PEDERSEN_LEN: usize = G1_LEN + 2 * SCALAR_LEN;
/// One predicate's share of a derived proof: the commitment `V`, the Bulletproofs++
/// proof, the Schnorr proof.
pub const RANGE_PROOF_LEN: usize = G1_LEN + BPP_LEN + PEDERSEN_LEN;

/// A fresh CSPRNG seeded from the operating system.
fn rng() -> Result<StdRng, ZkpError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| ZkpError::Rng(e.to_string()))?;
    Ok(StdRng::from_seed(*seed))
}

/// The BBS parameters for `count` messages: generators hashed from [`PARAMS_LABEL`],
/// `g2` the standard generator (so keys are IETF BBS / bbs-2023 keys). Cached.
fn params(count: usize) -> Result<Arc<Params>, ZkpError> {
    if count == 0 || count > MAX_MESSAGES {
        return Err(ZkpError::MessageCountMismatch(format!(
            "{count} messages; a kith-zkp-2026 signature covers 1 to {MAX_MESSAGES}"
        )));
    }
    static CACHE: OnceLock<Mutex<BTreeMap<usize, Arc<Params>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&count).cloned()) {
        return Ok(found);
    }
    let count32 = u32::try_from(count)
        .map_err(|_| ZkpError::MessageCountMismatch(format!("{count} messages")))?;
    let mut plain = SignatureParams23G1::new::<sha2_v010::Sha256>(PARAMS_LABEL, count32);
    plain.g2 = G2Affine::generator();
    let params = Arc::new(Params {
        prepared: plain.clone().into(),
        plain,
    });
    if let Ok(mut c) = cache.lock() {
        c.insert(count, params.clone());
    }
    Ok(params)
}

/// The Bulletproofs++ generators for one 64-bit value in base 16: `G` and `H_0` are
/// the Pedersen commitment key `g`, `h`.
fn bpp() -> &'static Generators {
    bulletproofs::generators()
}

/// An issuer's public key: a point of G2's prime-order subgroup other than the identity.
#[derive(Clone)]
pub struct IssuerPublicKey {
    bytes: [u8; PUBLIC_KEY_LEN],
    /// The point prepared for pairings (the Miller loop's line coefficients, 20 KB).
    prepared: Arc<<Bls12_381 as Pairing>::G2Prepared>,
}

/// The compressed encoding is canonical: equal bytes, equal keys.
impl PartialEq for IssuerPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for IssuerPublicKey {}

impl std::fmt::Debug for IssuerPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex: String = self.bytes[..8].iter().map(|b| format!("{b:02x}")).collect();
        write!(f, "IssuerPublicKey({hex}…)")
    }
}

impl IssuerPublicKey {
    /// Decodes a compressed G2 point (96 bytes, the Multikey `bls12_381-g2-pub` form).
    ///
    /// Valid keys are remembered by their bytes (up to 32, then the memory starts
    /// over): a verifier sees few issuers, and decoding a key (a square root and a
    /// subgroup check in G2) and preparing it for pairings take about 0.4 ms.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkpError> {
        const KNOWN_KEYS: usize = 32;
        let array: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| {
            ZkpError::InvalidKey(format!(
                "a BLS12-381 G2 public key is {PUBLIC_KEY_LEN} bytes, got {}",
                bytes.len()
            ))
        })?;
        static KNOWN: OnceLock<Mutex<BTreeMap<[u8; PUBLIC_KEY_LEN], IssuerPublicKey>>> =
            OnceLock::new();
        let known = KNOWN.get_or_init(Mutex::default);
        if let Some(key) = known.lock().ok().and_then(|k| k.get(&array).cloned()) {
            return Ok(key);
        }
        let key = Self::decode(array)?;
        if let Ok(mut k) = known.lock() {
            if k.len() >= KNOWN_KEYS {
                k.clear();
            }
            k.insert(array, key.clone());
        }
        Ok(key)
    }

    fn decode(array: [u8; PUBLIC_KEY_LEN]) -> Result<Self, ZkpError> {
        let point = G2Affine::deserialize_compressed(&array[..]).map_err(|_| {
            ZkpError::InvalidPoint(
                "the public key is not a point of the G2 prime-order subgroup".into(),
            )
        })?;
        if point.is_zero() {
            return Err(ZkpError::InvalidPoint(
                "the public key is the identity".into(),
            ));
        }
        Ok(Self {
            bytes: array,
            prepared: Arc::new(point.into()),
        })
    }

    /// The key prepared for pairings, as BBS verification takes it.
    fn prepared(&self) -> PreparedPublicKeyG2<Bls12_381> {
        PreparedPublicKeyG2((*self.prepared).clone())
    }

    /// The compressed point.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.bytes
    }

    /// The key as a Multikey: base58btc of `0xeb 0x01` (bls12_381-g2-pub) and the point.
    pub fn to_multikey(&self) -> String {
        let mut bytes = vec![0xeb, 0x01];
        bytes.extend_from_slice(&self.bytes);
        kith_crypto::multibase::encode(kith_crypto::multibase::Base::Base58Btc, &bytes)
    }
}

/// An issuer's secret key: a scalar in `[1, r)`. Wiped on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct IssuerSecretKey {
    secret: SecretKey<Fr>,
    public: IssuerPublicKey,
}

impl std::fmt::Debug for IssuerSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "IssuerSecretKey(public {:?}, secret redacted)",
            self.public
        )
    }
}

impl IssuerSecretKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, ZkpError> {
        let mut rng = rng()?;
        loop {
            let scalar = Fr::rand(&mut rng);
            if !scalar.is_zero() {
                return Self::from_scalar(scalar);
            }
        }
    }

    /// The key whose scalar is `bytes` (32 bytes, big-endian, as BBS and kith-crypto's
    /// `bls12381g2` keys store it).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ZkpError> {
        if bytes.len() != SCALAR_LEN {
            return Err(ZkpError::InvalidKey(format!(
                "a BLS12-381 secret key is {SCALAR_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        let scalar = Fr::from_be_bytes_mod_order(bytes);
        let canonical = Zeroizing::new(scalar.into_bigint().to_bytes_be());
        if scalar.is_zero() || canonical.as_slice() != bytes {
            return Err(ZkpError::InvalidKey(
                "the secret scalar is zero or not below the group order".into(),
            ));
        }
        Self::from_scalar(scalar)
    }

    fn from_scalar(scalar: Fr) -> Result<Self, ZkpError> {
        let point = (G2Affine::generator() * scalar).into_affine();
        let mut bytes = Vec::with_capacity(PUBLIC_KEY_LEN);
        point
            .serialize_compressed(&mut bytes)
            .map_err(|e| ZkpError::InvalidKey(e.to_string()))?;
        Ok(Self {
            secret: SecretKey(scalar),
            public: IssuerPublicKey::from_bytes(&bytes)?,
        })
    }

    /// The scalar, big-endian.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.0.into_bigint().to_bytes_be())
    }

    /// The public key, `scalar * G2`.
    pub fn public_key(&self) -> &IssuerPublicKey {
        &self.public
    }
}

/// What an arkworks decoding error means for a proof.
fn element_error(what: &str, e: SerializationError) -> ZkpError {
    match e {
        SerializationError::IoError(_) => ZkpError::TruncatedProof(format!("{what} ends early")),
        SerializationError::InvalidData | SerializationError::UnexpectedFlags => {
            ZkpError::InvalidPoint(format!(
                "{what}: a point is not on the curve or not in the prime-order subgroup, \
                 or a scalar is not below the group order"
            ))
        }
        SerializationError::NotEnoughSpace => ZkpError::MalformedProof(format!("{what}: {e}")),
    }
}

fn serialize(item: &impl CanonicalSerialize, out: &mut Vec<u8>) -> Result<(), ZkpError> {
    item.serialize_compressed(out)
        .map_err(|e| ZkpError::MalformedProof(format!("serialization: {e}")))
}

/// Signs `messages` (the header and every claim): `A ‖ e`, 80 bytes.
pub(crate) fn sign(key: &IssuerSecretKey, messages: &[Fr]) -> Result<Vec<u8>, ZkpError> {
    let params = params(messages.len())?;
    let signature = Signature23G1::new(&mut rng()?, messages, &key.secret, &params.plain)
        .map_err(|e| ZkpError::InvalidCredential(format!("signing: {e:?}")))?;
    let mut out = Vec::with_capacity(SIGNATURE_LEN);
    serialize(&signature, &mut out)?;
    Ok(out)
}

fn decode_signature(bytes: &[u8]) -> Result<Signature23G1<Bls12_381>, ZkpError> {
    if bytes.len() < SIGNATURE_LEN {
        return Err(ZkpError::TruncatedProof(format!(
            "a signature is {SIGNATURE_LEN} bytes, got {}",
            bytes.len()
        )));
    }
    if bytes.len() > SIGNATURE_LEN {
        return Err(ZkpError::MalformedProof(format!(
            "a signature is {SIGNATURE_LEN} bytes, got {}",
            bytes.len()
        )));
    }
    let signature = Signature23G1::<Bls12_381>::deserialize_compressed(bytes)
        .map_err(|e| element_error("the signature", e))?;
    if signature.A.is_zero() {
        return Err(ZkpError::InvalidPoint(
            "the signature's A is the identity".into(),
        ));
    }
    Ok(signature)
}

/// Checks the issuer's signature over all `messages`.
pub(crate) fn verify_signature(
    key: &IssuerPublicKey,
    messages: &[Fr],
    signature: &[u8],
) -> Result<(), ZkpError> {
    let params = params(messages.len())?;
    let signature = decode_signature(signature)?;
    signature
        .verify(messages, key.prepared(), params.prepared.clone())
        .map_err(|e| ZkpError::InvalidProof(format!("the issuer's signature: {e:?}")))
}

/// A predicate as the proof sees it: message `index`, an integer below 2^64, is at
/// most or at least a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) index: usize,
    pub(crate) bound: Bound,
}

/// What a derived proof proves, shared by prover and verifier.
pub(crate) struct Statement<'a> {
    pub(crate) key: &'a IssuerPublicKey,
    pub(crate) message_count: usize,
    /// Disclosed messages by index (index 0, the header, always).
    pub(crate) revealed: &'a BTreeMap<usize, Fr>,
    pub(crate) ranges: &'a [Range],
    /// The verifier's nonce and domain, canonical JSON.
    pub(crate) binding: &'a [u8],
    /// The rest of the statement (claims, disclosed pointers, predicates), canonical JSON.
    pub(crate) statement: &'a [u8],
}

impl Statement<'_> {
    fn check(&self) -> Result<(), ZkpError> {
        if self.message_count == 0 || self.message_count > MAX_MESSAGES {
            return Err(ZkpError::MessageCountMismatch(format!(
                "{} messages",
                self.message_count
            )));
        }
        if let Some(index) = self.revealed.keys().find(|&&i| i >= self.message_count) {
            return Err(ZkpError::MessageCountMismatch(format!(
                "message {index} is disclosed, there are {}",
                self.message_count
            )));
        }
        if self.ranges.len() > MAX_PREDICATES {
            return Err(ZkpError::InvalidPredicate(format!(
                "{} predicates, at most {MAX_PREDICATES}",
                self.ranges.len()
            )));
        }
        for range in self.ranges {
            if range.index >= self.message_count || self.revealed.contains_key(&range.index) {
                return Err(ZkpError::InvalidPredicate(format!(
                    "a predicate on message {} which is disclosed or absent",
                    range.index
                )));
            }
        }
        Ok(())
    }

    fn binding_tag(&self) -> [u8; TAG_LEN] {
        tag(b"kith-zkp-2026/binding", &[self.binding])
    }

    fn statement_tag(&self) -> [u8; TAG_LEN] {
        let mut ranges = Vec::with_capacity(self.ranges.len() * 17);
        for range in self.ranges {
            ranges.extend_from_slice(&(range.index as u64).to_le_bytes());
            ranges.push(range.bound.side());
            ranges.extend_from_slice(&range.bound.value().to_le_bytes());
        }
        tag(
            b"kith-zkp-2026/statement",
            &[self.binding, self.statement, &ranges],
        )
    }

    /// The transcript up to the first commitment.
    fn transcript(&self) -> MerlinTranscript {
        let mut t = MerlinTranscript::new(b"kith-zkp-2026");
        t.append_message(b"public-key", &self.key.bytes);
        t.append_message(b"message-count", &(self.message_count as u64).to_le_bytes());
        t.append_message(b"binding", self.binding);
        t.append_message(b"statement", self.statement);
        for range in self.ranges {
            t.append_message(b"range-index", &(range.index as u64).to_le_bytes());
            t.append_message(b"range-side", &[range.bound.side()]);
            t.append_message(b"range-bound", &range.bound.value().to_le_bytes());
        }
        t
    }
}

/// First 16 bytes of SHA-256 over a label and length-prefixed parts.
fn tag(label: &[u8], parts: &[&[u8]]) -> [u8; TAG_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(label);
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&digest[..TAG_LEN]);
    out
}

/// The commitment to the message itself from the commitment `V = g·d + h·γ` to its
/// distance `d` from the bound `b`: `g·b - V = g·v + h·(-γ)` for `v <= b`,
/// `V + g·b = g·v + h·γ` for `v >= b`.
fn value_commitment(v: &G1Affine, bound: Bound) -> G1Affine {
    let gb = bpp().pedersen(Fr::from(bound.value()), Fr::zero());
    match bound {
        Bound::AtMost(_) => (gb - v).into_affine(),
        Bound::AtLeast(_) => (gb + v).into_affine(),
    }
}

/// The Schnorr proof's equation `g·s1 + h·s2 - c·challenge = t`, as
/// `PokPedersenCommitment::verify` checks it, with `g·s1 + h·s2` from the precomputed
/// multiples of the fixed generators.
fn schnorr_holds(proof: &PokPedersenCommitment<G1Affine>, c: &G1Affine, challenge: &Fr) -> bool {
    let lhs = bpp()
        .pedersen(proof.response1, proof.response2)
        .into_group()
        - *c * challenge;
    lhs.into_affine() == proof.t
}

/// What one predicate adds to the transcript before the range proofs: `V`, then the
/// Schnorr protocol's key, instance and commitment.
fn range_commitments_bytes(v: &G1Affine, c: &G1Affine, t: &G1Affine) -> Result<Vec<u8>, ZkpError> {
    let (g, h) = bpp().setup().get_pedersen_commitment_key();
    let mut bytes = Vec::with_capacity(5 * G1_LEN);
    serialize(v, &mut bytes)?;
    PokPedersenCommitmentProtocol::compute_challenge_contribution(&g, &h, c, t, &mut bytes)
        .map_err(|e| ZkpError::MalformedProof(format!("{e:?}")))?;
    Ok(bytes)
}

/// Makes a derived proof of `statement` from the issuer's `signature` over `messages`.
/// `values` are the `u64`s of the range messages, in `statement.ranges` order.
///
/// Refuses (`predicate_false`) when a value is on the wrong side of its bound: no proof
/// is made for a false statement.
pub(crate) fn prove(
    statement: &Statement<'_>,
    signature: &[u8],
    messages: &[Fr],
    values: &[u64],
) -> Result<Vec<u8>, ZkpError> {
    statement.check()?;
    if messages.len() != statement.message_count || values.len() != statement.ranges.len() {
        return Err(ZkpError::MessageCountMismatch(format!(
            "{} messages and {} values for a statement of {} messages and {} ranges",
            messages.len(),
            values.len(),
            statement.message_count,
            statement.ranges.len()
        )));
    }
    for (index, message) in statement.revealed {
        if messages[*index] != *message {
            return Err(ZkpError::InvalidProof(format!(
                "disclosed message {index} is not the signed one"
            )));
        }
    }
    let mut distances = Vec::with_capacity(values.len());
    for (range, value) in statement.ranges.iter().zip(values) {
        if messages[range.index] != Fr::from(*value) {
            return Err(ZkpError::InvalidPredicate(format!(
                "message {} is not the value given for its predicate",
                range.index
            )));
        }
        distances.push(range.bound.distance(*value).ok_or_else(|| {
            ZkpError::PredicateFalse(format!(
                "message {} is not {} {}",
                range.index,
                match range.bound {
                    Bound::AtMost(_) => "<=",
                    Bound::AtLeast(_) => ">=",
                },
                range.bound.value()
            ))
        })?);
    }
    let params = params(statement.message_count)?;
    let signature = decode_signature(signature)?;
    let mut rng = rng()?;
    let generators = bpp();
    let (g, h) = generators.setup().get_pedersen_commitment_key();

    // One blinding per hidden message under a predicate, shared by the BBS protocol
    // and the predicate's Schnorr proof: equal responses prove equal messages.
    let mut blindings: BTreeMap<usize, Fr> = BTreeMap::new();
    for range in statement.ranges {
        blindings
            .entry(range.index)
            .or_insert_with(|| Fr::rand(&mut rng));
    }
    let protocol = PoKOfSignature23G1Protocol::init(
        &mut rng,
        &signature,
        &params.plain,
        messages.iter().enumerate().map(|(i, message)| {
            if statement.revealed.contains_key(&i) {
                MessageOrBlinding::RevealMessage(message)
            } else if let Some(blinding) = blindings.get(&i) {
                MessageOrBlinding::BlindMessageWithConcreteBlinding {
                    message,
                    blinding: *blinding,
                }
            } else {
                MessageOrBlinding::BlindMessageRandomly(message)
            }
        }),
    )
    .map_err(|e| ZkpError::InvalidProof(format!("BBS proof: {e:?}")))?;
    // The randomized signature verifies, `e(Ā, X) = e(B̄, g2)`, exactly when the
    // signature is the issuer's over these messages: refuse a credential that does not
    // verify under `statement.key` before making a proof of it. (Cheaper than checking
    // the signature itself, which takes a G2 multiplication and a message sum more.)
    let pairs = Bls12_381::multi_pairing(
        [protocol.A_bar, -protocol.B_bar],
        [
            (*statement.key.prepared).clone(),
            params.prepared.g2.clone(),
        ],
    );
    if !pairs.is_zero() {
        return Err(ZkpError::InvalidProof(
            "the credential's signature does not verify under the issuer's key".into(),
        ));
    }

    let mut transcript = statement.transcript();
    let mut bytes = Vec::new();
    protocol
        .challenge_contribution(statement.revealed, &params.plain, &mut bytes)
        .map_err(|e| ZkpError::InvalidProof(format!("BBS proof: {e:?}")))?;
    transcript.append_message(b"bbs", &bytes);

    struct Pending {
        v: G1Affine,
        distance: u64,
        gamma: Fr,
        schnorr: PokPedersenCommitmentProtocol<G1Affine>,
    }
    let mut pending = Vec::with_capacity(statement.ranges.len());
    for (range, distance) in statement.ranges.iter().zip(distances) {
        let gamma = Fr::rand(&mut rng);
        let v = generators.pedersen(Fr::from(distance), gamma);
        let c = value_commitment(&v, range.bound);
        // `c` opens to the message with blinding -γ (at most) or γ (at least).
        let c_blinding = match range.bound {
            Bound::AtMost(_) => -gamma,
            Bound::AtLeast(_) => gamma,
        };
        let blinding = blindings
            .get(&range.index)
            .copied()
            .ok_or_else(|| ZkpError::InvalidPredicate("no blinding".into()))?;
        let schnorr = PokPedersenCommitmentProtocol::init(
            messages[range.index],
            blinding,
            &g,
            c_blinding,
            Fr::rand(&mut rng),
            &h,
        );
        transcript.append_message(
            b"range-commitments",
            &range_commitments_bytes(&v, &c, &schnorr.t)?,
        );
        pending.push(Pending {
            v,
            distance,
            gamma,
            schnorr,
        });
    }
    let mut range_proofs = Vec::with_capacity(pending.len());
    for p in &pending {
        range_proofs.push(bulletproofs::prove(
            generators,
            &mut rng,
            &p.v,
            p.distance,
            p.gamma,
            &mut transcript,
        )?);
    }
    let challenge: Fr = transcript.challenge_scalar(b"challenge");

    let bbs = protocol
        .gen_proof(&challenge)
        .map_err(|e| ZkpError::InvalidProof(format!("BBS proof: {e:?}")))?;
    let mut out = Vec::with_capacity(HEADER_LEN + 512 + pending.len() * RANGE_PROOF_LEN);
    out.extend_from_slice(&[VERSION, KIND_DERIVED]);
    out.extend_from_slice(&statement.binding_tag());
    out.extend_from_slice(&statement.statement_tag());
    serialize(&bbs, &mut out)?;
    for (p, range_proof) in pending.into_iter().zip(range_proofs) {
        serialize(&p.v, &mut out)?;
        out.extend_from_slice(&range_proof);
        serialize(&p.schnorr.gen_proof(&challenge), &mut out)?;
    }
    Ok(out)
}

/// A derived proof, decoded and checked for shape.
pub(crate) struct DecodedProof {
    binding_tag: [u8; TAG_LEN],
    statement_tag: [u8; TAG_LEN],
    bbs: PoKOfSignature23G1Proof<Bls12_381>,
    ranges: Vec<RangeProof>,
}

struct RangeProof {
    /// The commitment to the distance from the bound.
    v: G1Affine,
    bulletproof: Bulletproof<G1Affine>,
    schnorr: PokPedersenCommitment<G1Affine>,
}

/// Checks the byte layout of one Bulletproofs++ proof: the library would trust the
/// base and the vector lengths it finds there (and index out of bounds on short ones).
/// Points stored as the identity (compressed flag `0x40`) are refused as well.
fn check_bulletproof_layout(bytes: &[u8]) -> Result<(), ZkpError> {
    let bad = |what: &str| ZkpError::MalformedProof(format!("range proof: {what}"));
    let u64_at = |at: usize| -> Option<u64> {
        bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    if bytes.len() != BPP_LEN {
        return Err(bad("wrong length"));
    }
    if bytes.get(..2) != Some(&RANGE_BASE.to_le_bytes()[..]) {
        return Err(bad("its base must be 16"));
    }
    let mut points = vec![2, 2 + G1_LEN, 2 + 2 * G1_LEN, 2 + 3 * G1_LEN];
    let mut at = 2 + 4 * G1_LEN;
    for (count, size) in [
        (BPP_ROUNDS, G1_LEN),
        (BPP_ROUNDS, G1_LEN),
        (BPP_L_LEN, SCALAR_LEN),
        (BPP_N_LEN, SCALAR_LEN),
    ] {
        if u64_at(at) != Some(count as u64) {
            return Err(bad("a vector has the wrong length"));
        }
        if size == G1_LEN {
            points.extend((0..count).map(|i| at + 8 + i * G1_LEN));
        }
        at += 8 + count * size;
    }
    if points.iter().any(|&p| bytes[p] & 0x40 != 0) {
        return Err(ZkpError::InvalidPoint(
            "a range proof has the identity".into(),
        ));
    }
    Ok(())
}

/// Decodes a derived proof for a statement hiding `hidden` messages with `ranges`
/// predicates. Never panics; every way to be wrong has its code.
pub(crate) fn decode(bytes: &[u8], hidden: usize, ranges: usize) -> Result<DecodedProof, ZkpError> {
    if bytes.len() > MAX_PROOF_LEN {
        return Err(ZkpError::MalformedProof(format!(
            "{} bytes, over the {MAX_PROOF_LEN}-byte limit",
            bytes.len()
        )));
    }
    match bytes {
        [] => return Err(ZkpError::TruncatedProof("no bytes".into())),
        [version, ..] if *version != VERSION => {
            return Err(ZkpError::UnsupportedVersion(*version));
        }
        [_, kind, ..] if *kind != KIND_DERIVED => {
            return Err(ZkpError::MalformedProof(format!(
                "kind byte {kind}: not a derived proof"
            )));
        }
        _ if bytes.len() < HEADER_LEN => {
            return Err(ZkpError::TruncatedProof("the header ends early".into()));
        }
        _ => {}
    }
    let mut binding_tag = [0u8; TAG_LEN];
    binding_tag.copy_from_slice(&bytes[2..2 + TAG_LEN]);
    let mut statement_tag = [0u8; TAG_LEN];
    statement_tag.copy_from_slice(&bytes[2 + TAG_LEN..HEADER_LEN]);
    let mut reader = &bytes[HEADER_LEN..];
    let bbs = PoKOfSignature23G1Proof::<Bls12_381>::deserialize_compressed(&mut reader)
        .map_err(|e| element_error("the BBS proof", e))?;
    let responses = match (&bbs.sc_resp_2, &bbs.sc_partial_resp_2) {
        (Some(full), None) => full.len(),
        _ => {
            return Err(ZkpError::MalformedProof(
                "the BBS proof must have full responses".into(),
            ));
        }
    };
    if responses != hidden + 1 {
        return Err(ZkpError::MessageCountMismatch(format!(
            "the proof hides {} messages, the statement {hidden}",
            responses.saturating_sub(1)
        )));
    }
    if bbs.A_bar.is_zero() || bbs.B_bar.is_zero() || bbs.d.is_zero() {
        return Err(ZkpError::InvalidPoint(
            "the randomized signature has the identity".into(),
        ));
    }
    let expected = ranges * RANGE_PROOF_LEN;
    if reader.len() != expected {
        return Err(if reader.len().is_multiple_of(RANGE_PROOF_LEN) {
            ZkpError::StatementMismatch(format!(
                "the proof has {} range proofs, the statement {ranges} predicates",
                reader.len() / RANGE_PROOF_LEN
            ))
        } else if reader.len() < expected {
            ZkpError::TruncatedProof("the range proofs end early".into())
        } else {
            ZkpError::MalformedProof("trailing bytes after the range proofs".into())
        });
    }
    let mut decoded = Vec::with_capacity(ranges);
    for chunk in reader.chunks_exact(RANGE_PROOF_LEN) {
        check_bulletproof_layout(&chunk[G1_LEN..G1_LEN + BPP_LEN])?;
        let mut r = chunk;
        let v = G1Affine::deserialize_compressed(&mut r)
            .map_err(|e| element_error("a range proof's commitment", e))?;
        let bulletproof = Bulletproof::<G1Affine>::deserialize_compressed(&mut r)
            .map_err(|e| element_error("a range proof", e))?;
        let schnorr = PokPedersenCommitment::<G1Affine>::deserialize_compressed(&mut r)
            .map_err(|e| element_error("a range proof's Schnorr proof", e))?;
        if !r.is_empty() {
            return Err(ZkpError::MalformedProof(
                "a range proof has trailing bytes".into(),
            ));
        }
        if v.is_zero() || schnorr.t.is_zero() {
            return Err(ZkpError::InvalidPoint(
                "a range proof has the identity".into(),
            ));
        }
        decoded.push(RangeProof {
            v,
            bulletproof,
            schnorr,
        });
    }
    Ok(DecodedProof {
        binding_tag,
        statement_tag,
        bbs,
        ranges: decoded,
    })
}

/// Verifies a derived proof of `statement`.
///
/// Order: shape (`malformed_proof`, `truncated_proof`, `unsupported_version`,
/// `invalid_point`, `message_count_mismatch`), then the tags (`nonce_mismatch` for a
/// proof made for another nonce or domain, `statement_mismatch` for another
/// statement), then the cryptography (`invalid_signature`).
pub(crate) fn verify(statement: &Statement<'_>, bytes: &[u8]) -> Result<(), ZkpError> {
    statement.check()?;
    if !statement.revealed.contains_key(&0) {
        return Err(ZkpError::InvalidPredicate(
            "the header must be disclosed".into(),
        ));
    }
    let hidden = statement.message_count - statement.revealed.len();
    let proof = decode(bytes, hidden, statement.ranges.len())?;
    if proof.binding_tag != statement.binding_tag() {
        return Err(ZkpError::NonceMismatch(
            "the proof was made for another nonce or domain".into(),
        ));
    }
    if proof.statement_tag != statement.statement_tag() {
        return Err(ZkpError::StatementMismatch(
            "the proof was made for other predicates or disclosures".into(),
        ));
    }
    let params = params(statement.message_count)?;
    let setup = bpp().setup();
    let invalid = |what: &str| ZkpError::InvalidProof(what.to_owned());

    let mut transcript = statement.transcript();
    let mut bytes = Vec::new();
    proof
        .bbs
        .challenge_contribution(statement.revealed, &params.plain, &mut bytes)
        .map_err(|e| ZkpError::MalformedProof(format!("BBS proof: {e:?}")))?;
    transcript.append_message(b"bbs", &bytes);
    let mut commitments = Vec::with_capacity(proof.ranges.len());
    for (range, p) in statement.ranges.iter().zip(&proof.ranges) {
        let c = value_commitment(&p.v, range.bound);
        transcript.append_message(
            b"range-commitments",
            &range_commitments_bytes(&p.v, &c, &p.schnorr.t)?,
        );
        commitments.push(c);
    }
    for p in &proof.ranges {
        p.bulletproof
            .verify(RANGE_BITS, &[p.v], setup, &mut transcript)
            .map_err(|_| invalid("a range proof does not verify"))?;
    }
    let challenge: Fr = transcript.challenge_scalar(b"challenge");
    proof
        .bbs
        .verify(
            statement.revealed,
            &challenge,
            statement.key.prepared(),
            params.prepared.clone(),
        )
        .map_err(|_| invalid("the proof of the issuer's signature does not verify"))?;
    let revealed: BTreeSet<usize> = statement.revealed.keys().copied().collect();
    for ((range, p), c) in statement.ranges.iter().zip(&proof.ranges).zip(&commitments) {
        let response = proof
            .bbs
            .get_resp_for_message(range.index, &revealed)
            .map_err(|_| invalid("no response for a predicate's message"))?;
        if p.schnorr.response1 != *response {
            return Err(invalid(
                "a range proof is about another value than the claim",
            ));
        }
        if !schnorr_holds(&p.schnorr, c, &challenge) {
            return Err(invalid("a range proof's commitment proof does not verify"));
        }
    }
    Ok(())
}

/// Replaces the two tags of a derived proof with those of `statement` (tests only: a
/// relabelled proof must then fail the cryptography, not just the tag check).
#[doc(hidden)]
pub(crate) fn retag(statement: &Statement<'_>, bytes: &mut [u8]) {
    if bytes.len() >= HEADER_LEN {
        bytes[2..2 + TAG_LEN].copy_from_slice(&statement.binding_tag());
        bytes[2 + TAG_LEN..HEADER_LEN].copy_from_slice(&statement.statement_tag());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulletproofs_plus_plus::prelude::Prover;

    fn setup(values: &[u64]) -> (IssuerSecretKey, Vec<Fr>, Vec<u8>) {
        let key = IssuerSecretKey::generate().unwrap();
        let mut messages = vec![Fr::from(7u64)];
        messages.extend(values.iter().map(|v| Fr::from(*v)));
        let signature = sign(&key, &messages).unwrap();
        (key, messages, signature)
    }

    #[test]
    fn keys_round_trip_and_are_g2_standard() {
        let key = IssuerSecretKey::generate().unwrap();
        let again = IssuerSecretKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(key.public_key().to_multikey().starts_with("zUC7"));
        // sk = 1: the public key is the standard G2 generator (zcash encoding).
        let mut one = [0u8; 32];
        one[31] = 1;
        let g2 = IssuerSecretKey::from_bytes(&one).unwrap();
        assert!(
            hex::encode(g2.public_key().to_bytes()).starts_with("93e02b6052719f607dacd3a088274f65")
        );
        assert_eq!(
            IssuerSecretKey::from_bytes(&[0u8; 32]).unwrap_err().code(),
            "invalid_key"
        );
        assert_eq!(
            IssuerSecretKey::from_bytes(&[0xff; 32]).unwrap_err().code(),
            "invalid_key"
        );
        assert_eq!(
            IssuerPublicKey::from_bytes(&[0u8; 96]).unwrap_err().code(),
            "invalid_point"
        );
    }

    fn statement<'a>(
        key: &'a IssuerSecretKey,
        revealed: &'a BTreeMap<usize, Fr>,
        ranges: &'a [Range],
    ) -> Statement<'a> {
        Statement {
            key: key.public_key(),
            message_count: 3,
            revealed,
            ranges,
            binding: b"nonce",
            statement: b"statement",
        }
    }

    #[test]
    fn a_range_proof_verifies_and_has_the_expected_layout() {
        let (key, messages, signature) = setup(&[100, 5]);
        let revealed = BTreeMap::from([(0, messages[0])]);
        let ranges = [Range {
            index: 1,
            bound: Bound::AtMost(100),
        }];
        let statement = statement(&key, &revealed, &ranges);
        let proof = prove(&statement, &signature, &messages, &[100]).unwrap();
        verify(&statement, &proof).unwrap();
        let rest = proof.len() - RANGE_PROOF_LEN;
        check_bulletproof_layout(&proof[rest + G1_LEN..rest + G1_LEN + BPP_LEN]).unwrap();
        assert_eq!(RANGE_PROOF_LEN, 834);
        for bound in [Bound::AtMost(99), Bound::AtLeast(101)] {
            let false_range = [Range { index: 1, bound }];
            let false_statement = statement_with(&statement, &false_range);
            assert_eq!(
                prove(&false_statement, &signature, &messages, &[100])
                    .unwrap_err()
                    .code(),
                "predicate_false"
            );
        }
    }

    fn statement_with<'a>(statement: &Statement<'a>, ranges: &'a [Range]) -> Statement<'a> {
        Statement {
            ranges,
            ..*statement
        }
    }

    /// Distances at both ends of `[0, 2^64)`: every hexadecimal digit from 0 to 15.
    #[test]
    fn the_extreme_distances_are_provable() {
        let top = u64::MAX - 1;
        let (key, messages, signature) = setup(&[0, top]);
        let revealed = BTreeMap::from([(0, messages[0])]);
        for ranges in [
            [
                Range {
                    index: 1,
                    bound: Bound::AtMost(0),
                },
                Range {
                    index: 2,
                    bound: Bound::AtLeast(top),
                },
            ],
            [
                Range {
                    index: 1,
                    bound: Bound::AtMost(top),
                },
                Range {
                    index: 2,
                    bound: Bound::AtLeast(0),
                },
            ],
        ] {
            let statement = statement(&key, &revealed, &ranges);
            let proof = prove(&statement, &signature, &messages, &[0, top]).unwrap();
            verify(&statement, &proof).unwrap();
        }
    }

    /// The Schnorr equation checked with precomputed multiples is the library's.
    #[test]
    fn the_schnorr_check_is_the_librarys() {
        let mut rng = rng().unwrap();
        let (g, h) = bpp().setup().get_pedersen_commitment_key();
        let (m, r) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let c = bpp().pedersen(m, r);
        let challenge = Fr::rand(&mut rng);
        let proof = PokPedersenCommitmentProtocol::init(
            m,
            Fr::rand(&mut rng),
            &g,
            r,
            Fr::rand(&mut rng),
            &h,
        )
        .gen_proof(&challenge);
        assert!(proof.verify(&c, &g, &h, &challenge));
        assert!(schnorr_holds(&proof, &c, &challenge));
        let other = bpp().pedersen(m + Fr::from(1u64), r);
        let mut tampered = proof.clone();
        tampered.response2 += Fr::from(1u64);
        for (proof, c, challenge) in [
            (&proof, &other, challenge),
            (&proof, &c, challenge + Fr::from(1u64)),
            (&tampered, &c, challenge),
        ] {
            assert!(!proof.verify(c, &g, &h, &challenge));
            assert!(!schnorr_holds(proof, c, &challenge));
        }
    }

    /// How a holder whose value is on the wrong side of the bound might try to cheat.
    #[derive(Debug, Clone, Copy)]
    enum Cheat {
        /// `V` commits to the true distance `b - v` mod r (close to r), the range proof
        /// to its low 64 bits.
        WrappedDistance,
        /// `V` commits to 0 with an honest range proof; the Schnorr proof claims the
        /// message with the shared blinding.
        ZeroDistance,
        /// `V` commits to 0; the Schnorr proof opens `g·b - V` honestly (to `b`), so its
        /// response is not the BBS response.
        OpenTheBound,
    }

    /// An adversarial prover: [`prove`] without its checks, for one `AtMost` range,
    /// following the same transcript.
    fn cheating_proof(
        statement: &Statement<'_>,
        signature: &[u8],
        messages: &[Fr],
        cheat: Cheat,
    ) -> Vec<u8> {
        let [range] = statement.ranges else {
            panic!("one range")
        };
        let Bound::AtMost(b) = range.bound else {
            panic!("an upper bound")
        };
        let params = params(statement.message_count).unwrap();
        let signature = decode_signature(signature).unwrap();
        let mut rng = rng().unwrap();
        let setup = bpp().setup();
        let (g, h) = setup.get_pedersen_commitment_key();
        let message = messages[range.index];
        let blinding = Fr::rand(&mut rng);
        let protocol = PoKOfSignature23G1Protocol::init(
            &mut rng,
            &signature,
            &params.plain,
            messages.iter().enumerate().map(|(i, m)| {
                if statement.revealed.contains_key(&i) {
                    MessageOrBlinding::RevealMessage(m)
                } else if i == range.index {
                    MessageOrBlinding::BlindMessageWithConcreteBlinding {
                        message: m,
                        blinding,
                    }
                } else {
                    MessageOrBlinding::BlindMessageRandomly(m)
                }
            }),
        )
        .unwrap();
        let mut transcript = statement.transcript();
        let mut bytes = Vec::new();
        protocol
            .challenge_contribution(statement.revealed, &params.plain, &mut bytes)
            .unwrap();
        transcript.append_message(b"bbs", &bytes);

        let gamma = Fr::rand(&mut rng);
        let wrapped = Fr::from(b) - message;
        let (committed, digits) = match cheat {
            Cheat::WrappedDistance => {
                let low = wrapped.into_bigint().as_ref()[0];
                (wrapped, low)
            }
            Cheat::ZeroDistance | Cheat::OpenTheBound => (Fr::zero(), 0),
        };
        let v = (g * committed + h * gamma).into_affine();
        let c = value_commitment(&v, range.bound);
        let (witness, witness_blinding) = match cheat {
            Cheat::OpenTheBound => (Fr::from(b) - committed, Fr::rand(&mut rng)),
            _ => (message, blinding),
        };
        let schnorr = PokPedersenCommitmentProtocol::init(
            witness,
            witness_blinding,
            &g,
            -gamma,
            Fr::rand(&mut rng),
            &h,
        );
        transcript.append_message(
            b"range-commitments",
            &range_commitments_bytes(&v, &c, &schnorr.t).unwrap(),
        );
        let bulletproof =
            Prover::new_with_given_base(RANGE_BASE, RANGE_BITS, vec![v], vec![digits], vec![gamma])
                .unwrap()
                .prove(&mut rng, setup.clone(), &mut transcript)
                .unwrap();
        let challenge: Fr = transcript.challenge_scalar(b"challenge");
        let mut out = vec![VERSION, KIND_DERIVED];
        out.extend_from_slice(&statement.binding_tag());
        out.extend_from_slice(&statement.statement_tag());
        serialize(&protocol.gen_proof(&challenge).unwrap(), &mut out).unwrap();
        serialize(&v, &mut out).unwrap();
        serialize(&bulletproof, &mut out).unwrap();
        serialize(&schnorr.gen_proof(&challenge), &mut out).unwrap();
        out
    }

    #[test]
    fn a_value_above_the_bound_cannot_be_proven_by_cheating() {
        // The signed value 2000 is above the bound 1999: `1999 - 2000` wraps to r - 1.
        let (key, messages, signature) = setup(&[2000, 5]);
        let revealed = BTreeMap::from([(0, messages[0])]);
        let ranges = [Range {
            index: 1,
            bound: Bound::AtMost(1999),
        }];
        let statement = statement(&key, &revealed, &ranges);
        for cheat in [
            Cheat::WrappedDistance,
            Cheat::ZeroDistance,
            Cheat::OpenTheBound,
        ] {
            let proof = cheating_proof(&statement, &signature, &messages, cheat);
            // well formed: the refusal is the cryptography's
            assert!(decode(&proof, 2, 1).is_ok(), "{cheat:?}");
            let err = verify(&statement, &proof).unwrap_err();
            assert_eq!(err.code(), "invalid_signature", "{cheat:?}: {err}");
        }
        // The same adversary with a true statement (2000 <= 2000) is accepted: the
        // failures above come from the false value, not from the adversary's code.
        let true_ranges = [Range {
            index: 1,
            bound: Bound::AtMost(2000),
        }];
        let true_statement = statement_with(&statement, &true_ranges);
        let proof = cheating_proof(
            &true_statement,
            &signature,
            &messages,
            Cheat::WrappedDistance,
        );
        verify(&true_statement, &proof).unwrap();
    }
}
