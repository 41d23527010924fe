//! Property tests of the DID and DID URL syntax (DID Core §3.1, §3.2), and of the
//! parsers and methods never panicking on arbitrary input.
//!
//! ```text
//! did                = "did:" method-name ":" method-specific-id
//! method-name        = 1*method-char
//! method-char        = %x61-7A / DIGIT
//! method-specific-id = *( *idchar ":" ) 1*idchar
//! idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
//! did-url            = did path-abempty [ "?" query ] [ "#" fragment ]
//! ```

use kith_crypto::multibase::{self, Base, base64url_encode};
use kith_did::method::{jwk, key, web};
use kith_did::{Did, DidUrl, Document};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

// ---------------------------------------------------------------- generators

fn method_name() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}"
}

fn pct_encoded() -> impl Strategy<Value = String> {
    "%[0-9A-Fa-f]{2}"
}

fn idchar() -> impl Strategy<Value = String> {
    prop_oneof![6 => "[A-Za-z0-9._-]", 1 => pct_encoded()]
}

fn idchars(min: usize) -> impl Strategy<Value = String> {
    vec(idchar(), min..8).prop_map(|v| v.concat())
}

/// `*( *idchar ":" ) 1*idchar`: segments (inner ones may be empty) joined by ':',
/// the last one non-empty.
fn method_specific_id() -> impl Strategy<Value = String> {
    (vec(idchars(0), 0..4), idchars(1)).prop_map(|(inner, last)| {
        let mut id = String::new();
        for segment in inner {
            id.push_str(&segment);
            id.push(':');
        }
        id.push_str(&last);
        id
    })
}

fn did_parts() -> impl Strategy<Value = (String, String)> {
    (method_name(), method_specific_id())
}

/// RFC 3986 `pchar`.
fn pchar() -> impl Strategy<Value = String> {
    prop_oneof![8 => "[A-Za-z0-9._~!$&'()*+,;=:@-]", 1 => pct_encoded()]
}

/// `path-abempty = *( "/" segment )`.
fn path_abempty() -> impl Strategy<Value = String> {
    vec(vec(pchar(), 0..6), 0..4).prop_map(|segments| {
        segments
            .into_iter()
            .map(|s| format!("/{}", s.concat()))
            .collect()
    })
}

/// `query` and `fragment`: `*( pchar / "/" / "?" )`.
fn query_or_fragment() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![8 => pchar(), 1 => Just("/".to_owned()), 1 => Just("?".to_owned())],
        0..12,
    )
    .prop_map(|v| v.concat())
}

/// A character no method-specific id may hold literally: not an idchar, not ':',
/// and not '%' (which starts an escape).
fn non_idchar() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("an idchar", |c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'))
    })
}

/// Strings over an alphabet that makes valid and almost-valid DIDs likely.
fn did_like() -> impl Strategy<Value = String> {
    let prefix = select(vec![
        "did:", "did:ab:", "did:a1:", "did:Ab:", "did::", "di:", "", "did:web:",
    ]);
    let token = select(vec![
        "a", "Z", "0", "9", ":", ":", "%", "%4", "%41", "%e9", "g", ".", "-", "_", "~", "/", "?",
        "#", "é", " ", "D", "+", "\u{0}",
    ]);
    (prefix, vec(token, 0..16)).prop_map(|(p, t)| format!("{p}{}", t.concat()))
}

/// Independent reading of the DID ABNF, for comparing with [`Did::parse`].
fn abnf_accepts_did(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("did:") else {
        return false;
    };
    let Some((method, id)) = rest.split_once(':') else {
        return false;
    };
    let method_ok = !method.is_empty()
        && method
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'));
    // `*( *idchar ":" ) 1*idchar` is: idchars and colons, ending in an idchar.
    let mut last_was_idchar = false;
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' => last_was_idchar = false,
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 2;
                last_was_idchar = true;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') => {
                last_was_idchar = true
            }
            _ => return false,
        }
        i += 1;
    }
    method_ok && last_was_idchar
}

/// JSON values shaped like DID documents, with the property names and values that
/// reach the parser's checks.
fn json_value() -> impl Strategy<Value = Value> {
    let key = select(vec![
        "id",
        "@context",
        "controller",
        "verificationMethod",
        "authentication",
        "assertionMethod",
        "keyAgreement",
        "capabilityInvocation",
        "capabilityDelegation",
        "service",
        "alsoKnownAs",
        "type",
        "publicKeyMultibase",
        "publicKeyJwk",
        "publicKeyBase58",
        "serviceEndpoint",
        "kty",
        "crv",
        "x",
        "y",
        "d",
        "other",
    ]);
    let string = prop_oneof![
        select(vec![
            "did:example:123",
            "did:example:456",
            "#key-1",
            "#key-2",
            "did:example:123#key-1",
            "Multikey",
            "JsonWebKey",
            "Ed25519VerificationKey2018",
            "OKP",
            "EC",
            "Ed25519",
            "P-256",
            "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
            "https://example.com",
            "not a did",
            "",
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        string.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((key.clone(), inner), 0..6).prop_map(|members| {
                Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// A JSON document whose top level is an object with a valid `id`, so that the
/// nested properties get parsed.
fn document_json() -> impl Strategy<Value = Vec<u8>> {
    (
        json_value(),
        select(vec![
            "did:example:123",
            "did:key:z6Mk",
            "did:example:123#frag",
        ]),
    )
        .prop_map(|(value, id)| {
            let mut object = match value {
                Value::Object(object) => object,
                other => Map::from_iter([("other".to_owned(), other)]),
            };
            object.insert("id".into(), Value::String(id.into()));
            serde_json::to_vec(&Value::Object(object)).unwrap()
        })
}

/// A JWK-like object: real and unreal kty/crv pairs, coordinates of plausible lengths.
fn jwk_like() -> impl Strategy<Value = Value> {
    let kty = select(vec!["OKP", "EC", "RSA", "oct", ""]);
    let crv = select(vec![
        "Ed25519",
        "X25519",
        "P-256",
        "P-384",
        "P-521",
        "secp256k1",
        "Ed448",
        "",
    ]);
    let coordinate = prop_oneof![
        vec(any::<u8>(), 32).prop_map(|b| base64url_encode(&b)),
        vec(any::<u8>(), 48).prop_map(|b| base64url_encode(&b)),
        vec(any::<u8>(), 0..64).prop_map(|b| base64url_encode(&b)),
        any::<String>(),
    ];
    let usage = select(vec!["sig", "enc", "other"]);
    (
        kty,
        crv,
        coordinate.clone(),
        proptest::option::of(coordinate.clone()),
        proptest::option::of(coordinate),
        proptest::option::of(usage),
    )
        .prop_map(|(kty, crv, x, y, d, usage)| {
            let mut jwk = Map::new();
            jwk.insert("kty".into(), kty.into());
            jwk.insert("crv".into(), crv.into());
            jwk.insert("x".into(), x.into());
            if let Some(y) = y {
                jwk.insert("y".into(), y.into());
            }
            if let Some(d) = d {
                jwk.insert("d".into(), d.into());
            }
            if let Some(usage) = usage {
                jwk.insert("use".into(), usage.into());
            }
            Value::Object(jwk)
        })
}

/// Multicodec codes: the supported key types, neighbours and unsupported key types.
fn multicodec_code() -> impl Strategy<Value = u64> {
    prop_oneof![
        select(vec![
            0xed_u64, 0xec, 0xe7, 0x1200, 0x1201, 0x1202, 0x1205, 0xeb, 0xea, 0x1300, 0x00
        ]),
        any::<u64>().prop_map(|c| c & ((1 << 63) - 1)),
    ]
}

fn key_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 32),
        (select(vec![2u8, 3, 4]), vec(any::<u8>(), 32))
            .prop_map(|(tag, x)| [vec![tag], x].concat()),
        (select(vec![2u8, 3]), vec(any::<u8>(), 48)).prop_map(|(tag, x)| [vec![tag], x].concat()),
        vec(any::<u8>(), 0..100),
    ]
}

/// Exercises every entry point on a string; none may panic.
fn poke(text: &str) {
    let did = Did::parse(text);
    let url = DidUrl::parse(text);
    if let Ok(did) = &did {
        // Every DID is a DID URL with no path, query or fragment.
        let as_url = DidUrl::parse(did.as_str()).expect("a DID is a DID URL");
        assert_eq!(as_url.did(), did);
        assert_eq!(
            (as_url.path(), as_url.query(), as_url.fragment()),
            ("", None, None)
        );
        let _ = key::document(did);
        let _ = jwk::document(did);
        let _ = web::document_url(did, "https");
        let _ = web::document_url(did, "http");
        let _ = did.with_fragment(text);
    }
    if let Ok(url) = &url {
        let _ = url.query_param("service");
        let _ = url.query_param("relativeRef");
        let _ = DidUrl::resolve_relative(url.did(), text);
    }
    let _ = Document::from_json(text.as_bytes());
    let _: Result<Did, _> = serde_json::from_value(Value::String(text.to_owned()));
    let _: Result<DidUrl, _> = serde_json::from_value(Value::String(text.to_owned()));
}

// ---------------------------------------------------------------- valid input

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_dids_parse_and_round_trip((method, id) in did_parts()) {
        let text = format!("did:{method}:{id}");
        let did = Did::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(did.as_str(), text.as_str());
        prop_assert_eq!(did.to_string(), text.clone());
        prop_assert_eq!(did.method(), method.as_str());
        prop_assert_eq!(did.method_specific_id(), id.as_str());
        prop_assert_eq!(&Did::parse(did.as_str()).unwrap(), &did);
        prop_assert_eq!(&text.parse::<Did>().unwrap(), &did);
        let json = serde_json::to_string(&did).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Did>(&json).unwrap(), &did);
        prop_assert!(abnf_accepts_did(&text));
    }

    #[test]
    fn generated_did_urls_round_trip_with_their_components(
        (method, id) in did_parts(),
        path in path_abempty(),
        query in proptest::option::of(query_or_fragment()),
        fragment in proptest::option::of(query_or_fragment()),
    ) {
        let did_text = format!("did:{method}:{id}");
        let mut text = format!("{did_text}{path}");
        if let Some(query) = &query {
            text.push('?');
            text.push_str(query);
        }
        if let Some(fragment) = &fragment {
            text.push('#');
            text.push_str(fragment);
        }
        let url = DidUrl::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(url.as_str(), text.as_str());
        prop_assert_eq!(url.did().as_str(), did_text.as_str());
        prop_assert_eq!(url.did(), &Did::parse(&did_text).unwrap());
        prop_assert_eq!(url.did().method(), method.as_str());
        prop_assert_eq!(url.path(), path.as_str());
        prop_assert_eq!(url.query(), query.as_deref());
        prop_assert_eq!(url.fragment(), fragment.as_deref());
        let again = DidUrl::parse(url.as_str()).unwrap();
        prop_assert_eq!(&again, &url);
        let json = serde_json::to_string(&url).unwrap();
        prop_assert_eq!(&serde_json::from_str::<DidUrl>(&json).unwrap(), &url);
        // The part after the DID resolves against the DID to the same URL.
        if text.len() > did_text.len() {
            let relative = &text[did_text.len()..];
            prop_assert_eq!(&DidUrl::resolve_relative(url.did(), relative).unwrap(), &url);
        }
        // A DID URL with a path, query or fragment is not a DID.
        prop_assert_eq!(Did::parse(&text).is_ok(), text == did_text);
    }

    #[test]
    fn query_params_are_percent_decoded(
        (method, id) in did_parts(),
        value in any::<String>(),
        other in "[a-z]{1,5}",
    ) {
        let encoded = utf8_percent_encode(&value, NON_ALPHANUMERIC).to_string();
        let text = format!("did:{method}:{id}?{other}x=1&service={encoded}&z");
        let url = DidUrl::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        prop_assert_eq!(url.query_param("service"), Some(value));
        prop_assert_eq!(url.query_param(&format!("{other}x")), Some("1".to_owned()));
        prop_assert_eq!(url.query_param("z"), Some(String::new()));
        prop_assert_eq!(url.query_param("absent"), None);
    }
}

// ---------------------------------------------------------------- invalid input

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_character_outside_the_abnf_is_rejected(
        (method, id) in did_parts(),
        position in any::<prop::sample::Index>(),
        bad in non_idchar(),
    ) {
        // The id is ASCII, so every byte offset is a character boundary.
        let at = position.index(id.len() + 1);
        let mut broken = id.clone();
        broken.insert(at, bad);
        let text = format!("did:{method}:{broken}");
        let err = Did::parse(&text).expect_err("a DID with a non-idchar");
        prop_assert_eq!(err.code(), "invalid_did", "{} gave {}", text, err);
        prop_assert_eq!(err.resolution_error(), "invalidDid");
        prop_assert!(!abnf_accepts_did(&text));
        // As a DID URL, '/', '?' and '#' start the path, query or fragment instead.
        if !matches!(bad, '/' | '?' | '#') {
            let err = DidUrl::parse(&text).expect_err("a DID URL with a non-idchar in its DID");
            prop_assert_eq!(err.code(), "invalid_did_url", "{} gave {}", text, err);
        }
    }

    #[test]
    fn a_percent_without_two_hex_digits_is_rejected(
        (method, id) in did_parts(),
        position in any::<prop::sample::Index>(),
        after in prop_oneof![Just(String::new()), "[0-9a-fA-F]?[g-zG-Z._:-]"],
    ) {
        let at = position.index(id.len() + 1);
        let mut broken = id.clone();
        // At the end, "%" or "%X" is a truncated escape; elsewhere a non-hex follows.
        let insert = if at == id.len() { "%".to_owned() } else { format!("%{after}") };
        broken.insert_str(at, &insert);
        if after.is_empty() && at < id.len() {
            // "%" followed by the rest of the id: valid only if that starts with two hex digits.
            let rest = &id.as_bytes()[at..];
            prop_assume!(!(rest.len() >= 2 && rest[0].is_ascii_hexdigit() && rest[1].is_ascii_hexdigit()));
        }
        let text = format!("did:{method}:{broken}");
        let err = Did::parse(&text).expect_err("a DID with a broken escape");
        prop_assert_eq!(err.code(), "invalid_did", "{} gave {}", text, err);
        let err = DidUrl::parse(&text).expect_err("a DID URL with a broken escape");
        prop_assert_eq!(err.code(), "invalid_did_url", "{} gave {}", text, err);
    }

    #[test]
    fn a_trailing_colon_or_bad_method_is_rejected(
        (method, id) in did_parts(),
        bad_method in "[a-z0-9]{0,4}[A-Z_.%-][a-z0-9]{0,4}",
    ) {
        let err = Did::parse(&format!("did:{method}:{id}:")).unwrap_err();
        prop_assert_eq!(err.code(), "invalid_did");
        let err = Did::parse(&format!("did:{method}:")).unwrap_err();
        prop_assert_eq!(err.code(), "invalid_did");
        let err = Did::parse(&format!("did:{bad_method}:{id}")).unwrap_err();
        prop_assert_eq!(err.code(), "invalid_did");
        let err = DidUrl::parse(&format!("did:{bad_method}:{id}#x")).unwrap_err();
        prop_assert_eq!(err.code(), "invalid_did_url");
    }

    #[test]
    fn did_parse_agrees_with_the_abnf(text in did_like()) {
        let parsed = Did::parse(&text);
        prop_assert_eq!(parsed.is_ok(), abnf_accepts_did(&text), "{:?}: {:?}", text, parsed.err());
        if let Err(e) = parsed {
            prop_assert_eq!(e.code(), "invalid_did");
        }
    }
}

// ---------------------------------------------------------------- no panics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        poke(&text);
        poke(&format!("did:{text}"));
        poke(&format!("did:web:{text}"));
        poke(&format!("did:key:{text}"));
    }

    #[test]
    fn did_like_strings_never_panic(text in did_like()) {
        poke(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_document_parser(bytes in vec(any::<u8>(), 0..256)) {
        if let Ok(doc) = Document::from_json(&bytes) {
            let again = Document::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
            prop_assert_eq!(again, doc);
        }
    }

    #[test]
    fn document_like_json_never_panics(bytes in document_json()) {
        if let Ok(doc) = Document::from_json(&bytes) {
            // What parses serializes to something that parses to the same document.
            let again = Document::from_json(&serde_json::to_vec(&doc).unwrap()).unwrap();
            prop_assert_eq!(&again, &doc);
            for vm in &doc.verification_method {
                let _ = vm.public_key();
                if let Ok(url) = doc.absolute_url(&vm.id) {
                    prop_assert!(doc.find_method(&url).is_some());
                }
            }
            for service in &doc.service {
                let _ = doc.absolute_url(&service.id);
            }
        }
    }

    #[test]
    fn did_key_never_panics_and_round_trips(code in multicodec_code(), bytes in key_bytes()) {
        let encoded = multibase::encode(Base::Base58Btc, &multibase::multicodec_encode(code, &bytes));
        let did = Did::parse(&format!("did:key:{encoded}")).unwrap();
        match key::document(&did) {
            Ok(doc) => {
                let public = doc.verification_method[0].public_key().unwrap();
                // Only one encoding of a key is accepted, so the DID comes back.
                prop_assert_eq!(key::did_for(&public), did);
            }
            Err(e) => prop_assert!(
                matches!(
                    e.resolution_error(),
                    "invalidDid" | "invalidPublicKey" | "invalidPublicKeyType" | "invalidPublicKeyLength"
                ),
                "{}: {}", did, e
            ),
        }
    }

    #[test]
    fn did_jwk_never_panics(jwk in jwk_like(), raw in vec(any::<u8>(), 1..120)) {
        let json = serde_json::to_vec(&jwk).unwrap();
        let did = Did::parse(&format!("did:jwk:{}", base64url_encode(&json))).unwrap();
        match jwk::document(&did) {
            Ok(doc) => {
                prop_assert!(jwk.get("d").is_none(), "a private JWK resolved: {}", did);
                let public = doc.verification_method[0].public_key().unwrap();
                prop_assert_eq!(jwk::document(&jwk::did_for(&public)).unwrap().verification_method[0].public_key().unwrap(), public);
            }
            Err(e) => prop_assert!(
                matches!(
                    e.resolution_error(),
                    "invalidDid" | "invalidPublicKey" | "invalidPublicKeyType" | "invalidPublicKeyLength"
                ),
                "{}: {}", did, e
            ),
        }
        let did = Did::parse(&format!("did:jwk:{}", base64url_encode(&raw))).unwrap();
        let _ = jwk::document(&did);
    }

    #[test]
    fn did_web_urls_never_panic((_, id) in did_parts(), host in "[a-z0-9.-]{0,12}(%3[aA][0-9]{0,6})?") {
        for text in [format!("did:web:{id}"), format!("did:web:{host}"), format!("did:web:{host}:{id}")] {
            let Ok(did) = Did::parse(&text) else { continue };
            if let Ok(url) = web::document_url(&did, "https") {
                prop_assert_eq!(url.scheme(), "https");
                prop_assert!(url.path().ends_with("/did.json"), "{}", url);
                prop_assert!(url.query().is_none() && url.fragment().is_none(), "{}", url);
                prop_assert!(!url.path().split('/').any(|s| s == ".." || s == "."), "{}", url);
                prop_assert!(matches!(url.host(), Some(url::Host::Domain(_))), "{}", url);
                // One URL path segment per DID path segment, plus did.json.
                let segments = did.method_specific_id().split(':').count() - 1;
                let expected = if segments == 0 { 2 } else { segments + 1 };
                prop_assert_eq!(url.path_segments().unwrap().count(), expected, "{}", url);
            }
        }
    }
}
