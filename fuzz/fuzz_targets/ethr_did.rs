//! did:ethr: the DID parser (what parses re-parses to the same value), and the
//! JSON-RPC log decoder and document builder (`eth_getLogs` answers, raw topics+data)
//! never panic; documents built from whatever decodes are valid DID documents.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kith_did::method::ethr::fuzz::did(data);
    kith_did::method::ethr::fuzz::logs(data);
    kith_did::method::ethr::fuzz::raw_log(data);
});
