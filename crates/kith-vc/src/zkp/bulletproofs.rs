//! The Bulletproofs++ range proofs of `kith-zkp-2026`: one 64-bit value in base 16
//! (docs/zk-predicates.md §4), proven and verified by `bulletproofs_plus_plus` 0.9.
//!
//! What is Kith's here is the fixed setup (generators hashed from [`LABEL`]) and a
//! table of the multiples `2^(4w)·P` of each of its 25 generators, so that Pedersen
//! commitments and the Schnorr check over them are bucket sums with no doublings.
//! Like arkworks' multiplications, these sums are not constant time (they branch on
//! the scalars' digits).

use std::sync::OnceLock;

use ark_bls12_381::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, Group};
use ark_ff::{PrimeField, Zero};
use ark_serialize::CanonicalSerialize;
use ark_std::rand::RngCore;
use bulletproofs_plus_plus::prelude::{Prover, SetupParams};
use dock_crypto_utils::transcript::Transcript;

use super::ZkpError;

/// Label the generators are hashed from.
const LABEL: &[u8] = b"kith-zkp-2026/bulletproofs++";
/// Base of the digits.
pub(crate) const BASE: u16 = 16;
/// Bits of the value.
pub(crate) const BITS: u16 = 64;
/// Generators `G_i`: one per digit and at least one per digit value.
pub(crate) const G_VEC_LEN: usize = 16;
/// Generators `H_i`: always 8 in this Bulletproofs++ implementation.
pub(crate) const H_VEC_LEN: usize = 8;
/// Bits per window of the precomputed multiples.
const WINDOW: usize = 4;
/// Windows covering a scalar's 255 bits.
const WINDOWS: usize = 256 / WINDOW;

/// Index of a generator in [`Generators::table`]: `G`, then `G_i`, then `H_i`.
const fn g() -> usize {
    0
}
const fn h_i(i: usize) -> usize {
    1 + G_VEC_LEN + i
}
const GENERATOR_COUNT: usize = 1 + G_VEC_LEN + H_VEC_LEN;

/// The Bulletproofs++ setup and, for each of its generators `P`, the points
/// `2^(4w)·P` for every window `w`.
pub(crate) struct Generators {
    setup: SetupParams<G1Affine>,
    table: Vec<G1Affine>,
}

impl Generators {
    /// The generators hashed from `label`, with their multiples (computed once).
    fn new(label: &[u8]) -> Self {
        let setup = SetupParams::<G1Affine>::new_for_perfect_range_proof::<sha2_v010::Sha256>(
            label, BASE, BITS, 1,
        );
        assert_eq!(
            (setup.G_vec.len(), setup.H_vec.len()),
            (G_VEC_LEN, H_VEC_LEN),
            "the setup for one 64-bit value in base 16"
        );
        let points = std::iter::once(&setup.G)
            .chain(&setup.G_vec)
            .chain(&setup.H_vec);
        let mut table = Vec::with_capacity(GENERATOR_COUNT * WINDOWS);
        for point in points {
            let mut multiple = point.into_group();
            for _ in 0..WINDOWS {
                table.push(multiple);
                for _ in 0..WINDOW {
                    multiple.double_in_place();
                }
            }
        }
        Self {
            setup,
            table: G1Projective::normalize_batch(&table),
        }
    }

    /// The setup the library's verifier takes.
    pub(crate) fn setup(&self) -> &SetupParams<G1Affine> {
        &self.setup
    }

    /// `Σ scalar·generator` over `(generator index, scalar)` pairs: each nonzero 4-bit
    /// digit of a scalar adds its generator's multiple for that window to the bucket of
    /// the digit's value; the buckets are then summed with their weights.
    fn msm(&self, terms: impl IntoIterator<Item = (usize, Fr)>) -> G1Projective {
        let mut buckets = [G1Projective::zero(); (1 << WINDOW) - 1];
        for (generator, scalar) in terms {
            let row = &self.table[generator * WINDOWS..(generator + 1) * WINDOWS];
            let limbs = scalar.into_bigint();
            for (w, multiple) in row.iter().enumerate() {
                let bit = w * WINDOW;
                let digit = (limbs.as_ref()[bit / 64] >> (bit % 64)) & ((1 << WINDOW) - 1);
                if digit != 0 {
                    buckets[digit as usize - 1] += multiple;
                }
            }
        }
        let mut running = G1Projective::zero();
        let mut sum = G1Projective::zero();
        for bucket in buckets.iter().rev() {
            running += bucket;
            sum += running;
        }
        sum
    }

    /// A Pedersen commitment `G·value + H_0·blinding`, as the library's
    /// `compute_pedersen_commitment`.
    pub(crate) fn pedersen(&self, value: Fr, blinding: Fr) -> G1Affine {
        self.msm([(g(), value), (h_i(0), blinding)]).into_affine()
    }
}

/// The generators hashed from [`LABEL`] (try-and-increment, SHA-256), with their
/// multiples: computed on first use, about 1,600 points (170 KB).
pub(crate) fn generators() -> &'static Generators {
    static GENERATORS: OnceLock<Generators> = OnceLock::new();
    GENERATORS.get_or_init(|| Generators::new(LABEL))
}

/// Proves that `commitment = G·value + H_0·gamma` holds a value below 2^64 with the
/// library's prover, continuing `transcript`. Returns the library's `Proof` serialized
/// (compressed): base, `D`, `M`, `R`, `S`, then the norm argument.
pub(crate) fn prove<R: RngCore>(
    generators: &Generators,
    rng: &mut R,
    commitment: &G1Affine,
    value: u64,
    gamma: Fr,
    transcript: &mut impl Transcript,
) -> Result<Vec<u8>, ZkpError> {
    let failed = |e| ZkpError::PredicateFalse(format!("range proof: {e:?}"));
    let proof =
        Prover::new_with_given_base(BASE, BITS, vec![*commitment], vec![value], vec![gamma])
            .map_err(failed)?
            .prove(rng, generators.setup().clone(), transcript)
            .map_err(failed)?;
    let mut out = Vec::new();
    proof
        .serialize_compressed(&mut out)
        .map_err(|e| ZkpError::MalformedProof(format!("range proof: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, UniformRand};
    use ark_std::rand::SeedableRng;
    use ark_std::rand::rngs::StdRng;
    use bulletproofs_plus_plus::prelude::Proof;
    use dock_crypto_utils::transcript::MerlinTranscript;

    /// Proofs of values that use every digit, the smallest and the largest verify with
    /// the library's verifier; against another commitment they do not.
    #[test]
    fn proofs_verify_and_bind_their_commitment() {
        let generators = generators();
        for (seed, value) in [
            (1u64, 0u64),
            (2, 1),
            (3, 0x0123_4567_89ab_cdef),
            (4, 719_162 + 11_459),
            (5, u64::MAX),
        ] {
            let mut rng = StdRng::seed_from_u64(seed);
            let gamma = Fr::rand(&mut rng);
            let commitment = generators.pedersen(Fr::from(value), gamma);
            assert_eq!(
                commitment,
                generators
                    .setup()
                    .compute_pedersen_commitment(value, &gamma)
            );
            let mut transcript = MerlinTranscript::new(b"test");
            let bytes = prove(
                generators,
                &mut rng,
                &commitment,
                value,
                gamma,
                &mut transcript,
            )
            .unwrap();
            let decoded =
                <Proof<G1Affine> as ark_serialize::CanonicalDeserialize>::deserialize_compressed(
                    &bytes[..],
                )
                .unwrap();
            let mut verifier = MerlinTranscript::new(b"test");
            decoded
                .verify(BITS, &[commitment], generators.setup(), &mut verifier)
                .unwrap();
            let other = generators.pedersen(Fr::from(value) + Fr::one(), gamma);
            let mut verifier = MerlinTranscript::new(b"test");
            assert!(
                decoded
                    .verify(BITS, &[other], generators.setup(), &mut verifier)
                    .is_err(),
                "value {value:#x}: a proof for another commitment"
            );
        }
    }

    #[test]
    fn the_fixed_base_sum_is_a_multi_scalar_multiplication() {
        use ark_ec::VariableBaseMSM;
        let generators = generators();
        let mut rng = StdRng::seed_from_u64(7);
        let scalars: Vec<Fr> = (0..GENERATOR_COUNT)
            .map(|i| match i % 3 {
                0 => Fr::rand(&mut rng),
                1 => Fr::from(i as u64),
                _ => -Fr::one(),
            })
            .collect();
        let setup = generators.setup();
        let bases: Vec<G1Affine> = std::iter::once(setup.G)
            .chain(setup.G_vec.iter().copied())
            .chain(setup.H_vec.iter().copied())
            .collect();
        assert_eq!(
            generators.msm(scalars.iter().copied().enumerate()),
            G1Projective::msm_unchecked(&bases, &scalars)
        );
        assert!(generators.msm([]).is_zero());
    }
}
