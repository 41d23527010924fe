//! DID parse → display → parse is the identity; did:key/did:jwk/did:web derivations never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_did::__fuzz::did(data));
