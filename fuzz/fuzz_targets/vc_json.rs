//! Bounded JSON parsing never panics; what parses round-trips through JCS.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::__fuzz::json(data));
