//! OpenID4VP requests: DCQL queries, `openid4vp://` links, Authorization Request
//! parameters and response forms. Never panics; parse → write → parse round trips.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kith_oid4vc::dcql::__fuzz(data);
    kith_oid4vc::vp::__fuzz(data);
});
