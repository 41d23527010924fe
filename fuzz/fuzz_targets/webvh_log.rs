//! did:webvh `did.jsonl` (and, after a NUL byte, `did-witness.json`): parse → serialize
//! → parse is stable, and verification and resolution never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_did::method::webvh::__fuzz_log(data));
