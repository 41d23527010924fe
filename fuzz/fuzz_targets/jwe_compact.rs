//! Compact JWE parsing and decryption with fixed P-256, P-384 and X25519 keys never
//! panic; what parses re-encodes exactly; the input survives encrypt → decrypt.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_crypto::jwe::__fuzz_compact(data));
