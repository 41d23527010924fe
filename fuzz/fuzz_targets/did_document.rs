//! DID document JSON → document → JSON → document is stable; key decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_did::__fuzz::document(data));
