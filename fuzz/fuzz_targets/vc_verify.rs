//! Any input through the credential and presentation pipelines (vc+jwt, SD-JWT,
//! Data Integrity) with offline DID resolution never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::__fuzz::verify(data));
