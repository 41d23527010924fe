//! kith-zkp-2026 proof decoding: arbitrary bytes as a derived proof (for several
//! statement shapes), as a proofValue and as a presentation never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::zkp::__fuzz_proof(data));
