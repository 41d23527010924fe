//! bbs-2023 proof values: the strict CBOR decoders of base and derived proof values
//! (`0xd95d02` / `0xd95d03`), their re-encoding, and the BBS proof byte checks
//! (lengths, points on the curve and in the subgroup, scalars); never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::di::bbs_2023::__fuzz::proof_values(data));
