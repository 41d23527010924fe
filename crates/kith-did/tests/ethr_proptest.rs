//! Property tests of the did:ethr DID parser and the log decoder's fuzz entry points.

use kith_crypto::{KeyType, PrivateKey};
use kith_did::Did;
use kith_did::method::ethr::{
    Address, NetworkRef, abi, address_of, did_for_address, did_for_public_key, fuzz, parse_did,
    parse_method_specific_id,
};
use proptest::prelude::*;
use serde_json::json;

fn network() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[a-z0-9-]{1,20}"
            .prop_filter("not a 0x chain id", |n| !n.starts_with("0x"))
            .prop_map(Some),
        any::<u64>().prop_map(|id| Some(format!("0x{id:x}"))),
    ]
}

proptest! {
    #[test]
    fn address_dids_round_trip(bytes in any::<[u8; 20]>(), net in network()) {
        let address = Address(bytes);
        let did = did_for_address(net.as_deref(), &address).unwrap();
        let parsed = parse_did(&did).unwrap();
        prop_assert_eq!(parsed.identity, address);
        prop_assert!(parsed.public_key.is_none());
        let expected = match &net {
            None => NetworkRef::Default,
            Some(n) if n.starts_with("0x") => {
                NetworkRef::ChainId(u64::from_str_radix(&n[2..], 16).unwrap())
            }
            Some(n) => NetworkRef::Name(n.clone()),
        };
        prop_assert_eq!(parsed.network, expected);
        // Case does not matter for the address (did:ethr spec: case-insensitive).
        let upper = did.as_str().replace(&address.to_lower_hex()[2..], &address.to_lower_hex()[2..].to_uppercase());
        let again = parse_did(&Did::parse(&upper).unwrap()).unwrap();
        prop_assert_eq!(again.identity, address);
        // The EIP-55 form parses back to the same address.
        prop_assert_eq!(Address::parse(&address.to_checksum()).unwrap(), address);
    }

    #[test]
    fn public_key_dids_map_to_the_key_address(seed in any::<[u8; 32]>(), net in network()) {
        let Ok(key) = PrivateKey::from_bytes(KeyType::Secp256k1, &seed) else {
            return Ok(());
        };
        let did = did_for_public_key(net.as_deref(), &key.public_key()).unwrap();
        let parsed = parse_did(&did).unwrap();
        prop_assert_eq!(parsed.identity, address_of(&key).unwrap());
        prop_assert!(parsed.public_key.is_some());
    }

    #[test]
    fn arbitrary_method_specific_ids_never_panic(id in "\\PC{0,120}") {
        let _ = parse_method_specific_id(&id);
        fuzz::did(format!("did:ethr:{id}").as_bytes());
    }

    #[test]
    fn hexish_ids_parse_only_in_the_abnf(
        net in proptest::option::of("[a-zA-Z0-9:-]{0,8}"),
        digits in "[0-9a-fA-FxX]{0,70}",
    ) {
        let id = match &net {
            Some(n) => format!("{n}:0x{digits}"),
            None => format!("0x{digits}"),
        };
        if let Ok(parsed) = parse_method_specific_id(&id) {
            prop_assert!(digits.len() == 40 || digits.len() == 66);
            prop_assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()));
            prop_assert_eq!(parsed.public_key.is_some(), digits.len() == 66);
        }
    }

    #[test]
    fn attribute_names_round_trip(name in "[a-zA-Z0-9/]{0,32}") {
        let word = abi::bytes32_from_str(&name).unwrap();
        prop_assert_eq!(abi::bytes32_to_str(&word), Some(name.as_str()));
    }

    #[test]
    fn log_decoder_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzz::raw_log(&data);
        fuzz::logs(&data);
    }

    #[test]
    fn decoded_logs_build_valid_documents(
        owner in any::<[u8; 20]>(),
        previous in 0u64..2,
        value in proptest::collection::vec(any::<u8>(), 0..80),
        name in "did/(pub|svc)/[A-Za-z0-9]{1,8}(/[a-zA-Z]{1,6}){0,2}",
    ) {
        let topics = abi::event_topics();
        let identity = format!("0x{}", "00".repeat(32));
        let word = |v: u64| format!("{v:064x}");
        let name_word = hex::encode(abi::bytes32_from_str(&name).unwrap());
        let padded = {
            let mut v = value.clone();
            v.resize(value.len().div_ceil(32) * 32, 0);
            hex::encode(v)
        };
        let logs = json!([
            {
                "address": format!("0x{}", "00".repeat(20)),
                "blockNumber": "0x1", "blockHash": format!("0x{}", "00".repeat(32)),
                "logIndex": "0x0", "removed": false,
                "topics": [format!("0x{}", hex::encode(topics[2])), identity],
                "data": format!("0x{name_word}{}{}{}{}{padded}", word(128), word(u64::MAX), word(previous), word(value.len() as u64)),
            },
            {
                "address": format!("0x{}", "00".repeat(20)),
                "blockNumber": "0x1", "blockHash": format!("0x{}", "00".repeat(32)),
                "logIndex": "0x1", "removed": false,
                "topics": [format!("0x{}", hex::encode(topics[0])), identity],
                "data": format!("0x{}{}{}", "00".repeat(12), hex::encode(owner), word(1)),
            }
        ]);
        // fuzz::logs asserts that whatever decodes builds a valid DID document.
        fuzz::logs(logs.to_string().as_bytes());
    }
}
