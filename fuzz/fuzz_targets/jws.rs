//! Compact JWS parsing and verification against a fixed Ed25519 key never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_crypto::__fuzz::jws(data));
