//! Multibase/Multikey decoding; Multikey → key → Multikey is stable; never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_crypto::__fuzz::multikey(data));
