//! JSON-LD: bytes as a JSON-LD document, expanded and deserialized to RDF with the
//! bundled contexts (safe mode), then canonicalized with RDFC-1.0, never panic, and
//! canonical N-Quads parse back to the same quads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_ld::__fuzz::jsonld(data));
