//! Bitstring Status List parsing: bytes as an `encodedList`, as the GZIP inside one,
//! as a `credentialStatus` entry and as a status list credential never panic, and
//! what decodes re-encodes to the same bits.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::__fuzz::status_list(data));
