//! RFC 9421 Signature-Input / Signature parsing never panics and round-trips.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_server::__fuzz::http_signature(data));
