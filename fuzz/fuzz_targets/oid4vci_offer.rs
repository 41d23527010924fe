//! OpenID4VCI 1.0 untrusted input: credential offer links and objects (what parses by
//! value re-serializes to a link that parses to the same offer), key proof JWTs and
//! credential request bodies never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_oid4vc::vci::__fuzz::offer(data);
    kith_oid4vc::vci::__fuzz::proof(data);
});
