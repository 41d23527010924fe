//! JWK JSON → public key → JWK → public key is stable; never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_crypto::__fuzz::jwk(data));
