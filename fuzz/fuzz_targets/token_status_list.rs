//! IETF Token Status List parsing (draft-ietf-oauth-status-list): bytes as an `lst`
//! of every `bits`, as the ZLIB inside one, as a `status` claim, as a `status_list`
//! object and as the payload of a Status List Token never panic, and what decodes
//! re-encodes to the same statuses.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kith_vc::status::token_status_list::fuzz(data));
