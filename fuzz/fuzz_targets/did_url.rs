//! DID URL parse → display → parse is the identity (fragment included).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_did::__fuzz::did_url(data));
