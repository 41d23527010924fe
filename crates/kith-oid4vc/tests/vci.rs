//! OpenID4VCI 1.0 end to end: a real issuer on loopback (axum routes calling
//! `CredentialIssuer`), the wallet through reqwest, for `dc+sd-jwt`, `jwt_vc_json` and
//! `ldp_vc`; and each refusal with its error code.

mod support;

use std::sync::Arc;

use kith_crypto::{Header, KeyType, LocalSigner, PrivateKey, Signer};
use kith_oid4vc::vci::offer::OFFER_SCHEME;
use kith_oid4vc::vci::proof::{TYP_PROOF_JWT, create_proof_jwt};
use kith_oid4vc::vci::{
    CredentialFormat, CredentialOffer, CredentialTemplate, Error, Holder, HolderBinding, InputMode,
    OfferLink, OfferRequest, TxCode, TxCodeRequest, store_in_wallet,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{EXAMPLES_CONTEXT, PID_VCT, Server, start};
use time::Duration;
use url::Url;

fn signer(key_type: KeyType) -> Arc<dyn Signer> {
    Arc::new(LocalSigner::new(PrivateKey::generate(key_type).unwrap()).unwrap())
}

fn pid() -> CredentialTemplate {
    CredentialTemplate::new(
        "pid",
        json!({"given_name": "Erika", "family_name": "Mustermann", "birthdate": "1963-08-12"}),
    )
}

fn degree(configuration_id: &str) -> CredentialTemplate {
    CredentialTemplate::new(
        configuration_id,
        json!({"degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"}}),
    )
}

fn offer_of(credentials: Vec<CredentialTemplate>) -> OfferRequest {
    OfferRequest {
        credentials,
        tx_code: None,
        by_reference: false,
    }
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

/// Redeems `created`'s code at the token endpoint over HTTP.
async fn token_for(server: &Server, code: &str, tx_code: Option<&str>) -> Result<String, Error> {
    server
        .wallet
        .redeem_pre_authorized_code(&url(&format!("{}/token", server.base)), code, tx_code)
        .await
        .map(|t| t.access_token)
}

fn code_of(offer: &CredentialOffer) -> String {
    offer
        .pre_authorized_grant()
        .unwrap()
        .pre_authorized_code
        .clone()
}

async fn nonce(server: &Server) -> String {
    server
        .wallet
        .fetch_nonce(&url(&format!("{}/nonce", server.base)))
        .await
        .unwrap()
}

async fn request(
    server: &Server,
    token: &str,
    configuration_id: &str,
    proofs: &[String],
) -> Result<Value, Error> {
    server
        .wallet
        .request_credential(
            &url(&format!("{}/credential", server.base)),
            token,
            configuration_id,
            proofs,
        )
        .await
        .map(|response| response.credentials[0].credential.clone())
}

/// A plain reqwest client, for requests the wallet would never send.
fn raw_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn body_of(response: reqwest::Response) -> Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

fn now(server: &Server) -> time::OffsetDateTime {
    kith_vc::datetime::Clock::now(server.clock.as_ref())
}

// ---------------------------------------------------------------- full flows ----------

#[tokio::test]
async fn sd_jwt_vc_by_value_bound_to_a_jwk_and_stored_in_the_wallet() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap();
    assert!(
        created
            .link
            .starts_with(&format!("{OFFER_SCHEME}://?credential_offer="))
    );
    let holder = Holder::jwk(signer(KeyType::P256));
    let received = server
        .wallet
        .accept_offer(&created.link, &holder, None)
        .await
        .unwrap();
    assert_eq!(received.len(), 1);
    let credential = &received[0];
    assert_eq!(credential.format, CredentialFormat::SdJwtVc);
    assert!(credential.report.verified, "{:?}", credential.report);
    assert_eq!(
        credential.report.issuer.as_deref(),
        Some(server.issuer_did.as_str())
    );
    let claims = credential.report.credential.as_ref().unwrap();
    assert_eq!(claims["vct"], PID_VCT);
    assert_eq!(claims["given_name"], "Erika");
    assert_eq!(claims["cnf"]["jwk"]["crv"], "P-256");
    // The claims are selectively disclosable.
    let inspected = kith_vc::sd_jwt::inspect(&credential.credential).unwrap();
    assert!(inspected.disclosable.len() >= 3, "{inspected:?}");
    assert_eq!(credential.display_name.as_deref(), Some("Personal ID"));

    let dir = tempfile::tempdir().unwrap();
    let mut wallet =
        kith_wallet::Wallet::create(&dir.path().join("w"), "correct horse battery").unwrap();
    let id = store_in_wallet(&mut wallet, credential).unwrap();
    let stored = wallet.credential(&id).unwrap();
    assert_eq!(stored.format, "dc+sd-jwt");
    assert_eq!(stored.raw, credential.credential);
    assert_eq!(stored.metadata["configuration_id"], "pid");
}

#[tokio::test]
async fn jwt_vc_json_by_reference_with_a_tx_code_bound_to_a_did_key() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(OfferRequest {
            credentials: vec![degree("degree_jwt")],
            tx_code: Some(TxCodeRequest {
                description: Some("Sent to you by text message".into()),
                ..TxCodeRequest::numeric(6)
            }),
            by_reference: true,
        })
        .await
        .unwrap();
    let offer_uri = created.offer_uri.clone().unwrap();
    assert!(
        offer_uri
            .as_str()
            .starts_with(&format!("{}/credential-offer/", server.base))
    );
    assert!(created.link.contains("credential_offer_uri="));
    let tx_code = created.tx_code.clone().unwrap();
    assert_eq!(tx_code.len(), 6);
    let holder = Holder::did_key(signer(KeyType::Ed25519));
    // The wallet resolves the offer (served once), sees it needs a code, asks for it.
    let offer = server.wallet.resolve_offer(&created.link).await.unwrap();
    let asked = offer
        .pre_authorized_grant()
        .unwrap()
        .tx_code
        .clone()
        .unwrap();
    assert_eq!(asked.length, Some(6));
    assert_eq!(
        asked.description.as_deref(),
        Some("Sent to you by text message")
    );
    assert_eq!(
        server
            .wallet
            .accept(&offer, &holder, None)
            .await
            .unwrap_err()
            .code(),
        "tx_code_required"
    );
    let received = server
        .wallet
        .accept(&offer, &holder, Some(&tx_code))
        .await
        .unwrap();
    let credential = &received[0];
    assert_eq!(credential.format, CredentialFormat::JwtVcJson);
    assert!(credential.report.verified, "{:?}", credential.report);
    assert_eq!(credential.report.format, "vc+jwt");
    let vc = credential.report.credential.as_ref().unwrap();
    let HolderBinding::Did { kid } = &holder.binding else {
        unreachable!()
    };
    assert_eq!(
        vc["credentialSubject"]["id"],
        kid.split('#').next().unwrap()
    );
    assert_eq!(
        vc["credentialSubject"]["degree"]["type"],
        "ExampleBachelorDegree"
    );
    assert_eq!(vc["issuer"], server.issuer_did);
}

#[tokio::test]
async fn ldp_vc_with_eddsa_jcs_2022_bound_to_a_did_jwk() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![degree("degree_ldp")]))
        .await
        .unwrap();
    let holder = Holder::did_jwk(signer(KeyType::P256));
    let received = server
        .wallet
        .accept_offer(&created.link, &holder, None)
        .await
        .unwrap();
    let credential = &received[0];
    assert_eq!(credential.format, CredentialFormat::LdpVc);
    assert!(credential.report.verified, "{:?}", credential.report);
    assert_eq!(credential.report.format, "eddsa-jcs-2022");
    let vc: Value = serde_json::from_str(&credential.credential).unwrap();
    assert_eq!(vc["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(vc["@context"][1], EXAMPLES_CONTEXT);
    assert!(
        vc["credentialSubject"]["id"]
            .as_str()
            .unwrap()
            .starts_with("did:jwk:")
    );
}

#[tokio::test]
async fn one_offer_for_all_three_formats() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![
            pid(),
            degree("degree_jwt"),
            degree("degree_ldp"),
        ]))
        .await
        .unwrap();
    let holder = Holder::did_key(signer(KeyType::Ed25519));
    let received = server
        .wallet
        .accept_offer(&created.link, &holder, None)
        .await
        .unwrap();
    let formats: Vec<_> = received.iter().map(|r| r.format).collect();
    assert_eq!(
        formats,
        [
            CredentialFormat::SdJwtVc,
            CredentialFormat::JwtVcJson,
            CredentialFormat::LdpVc
        ]
    );
    assert!(received.iter().all(|r| r.report.verified));
}

#[tokio::test]
async fn metadata_documents() {
    let server = start(|s| s).await;
    let metadata = server.wallet.issuer_metadata(&server.base).await.unwrap();
    let json = serde_json::to_value(&metadata).unwrap();
    assert_eq!(json["credential_issuer"], server.base);
    assert_eq!(
        json["credential_endpoint"],
        format!("{}/credential", server.base)
    );
    assert_eq!(json["nonce_endpoint"], format!("{}/nonce", server.base));
    let configs = &json["credential_configurations_supported"];
    assert_eq!(configs["pid"]["format"], "dc+sd-jwt");
    assert_eq!(configs["pid"]["vct"], PID_VCT);
    assert_eq!(
        configs["pid"]["credential_metadata"]["claims"][0]["display"][0]["name"],
        "Given name"
    );
    assert_eq!(configs["degree_jwt"]["format"], "jwt_vc_json");
    assert_eq!(
        configs["degree_jwt"]["credential_definition"]["type"][1],
        "ExampleDegreeCredential"
    );
    assert_eq!(configs["degree_ldp"]["format"], "ldp_vc");
    assert_eq!(
        configs["degree_ldp"]["credential_definition"]["@context"][1],
        EXAMPLES_CONTEXT
    );
    assert_eq!(
        configs["degree_ldp"]["credential_signing_alg_values_supported"][0],
        "eddsa-jcs-2022"
    );
    assert_eq!(
        configs["degree_ldp"]["cryptographic_binding_methods_supported"],
        json!(["jwk", "did:key", "did:jwk"])
    );
    assert_eq!(
        configs["pid"]["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
        json!(["EdDSA", "ES256", "ES384", "ES256K"])
    );
    let offer = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap()
        .offer;
    let grant = offer.pre_authorized_grant().unwrap().clone();
    let authorization_server = server
        .wallet
        .authorization_server_metadata(&metadata, &grant)
        .await
        .unwrap();
    let json = serde_json::to_value(&authorization_server).unwrap();
    assert_eq!(json["issuer"], server.base);
    assert_eq!(json["token_endpoint"], format!("{}/token", server.base));
    assert_eq!(
        json["pre-authorized_grant_anonymous_access_supported"],
        true
    );
    assert_eq!(
        json["grant_types_supported"][0],
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    );
}

// ---------------------------------------------------------------- nonces and proofs ---

/// An access token for `pid`, and a key proof for it.
async fn token_and_holder(server: &Server) -> (String, Arc<dyn Signer>) {
    let created = server
        .issuer
        .create_offer(offer_of(vec![pid(), degree("degree_jwt")]))
        .await
        .unwrap();
    let token = token_for(server, &code_of(&created.offer), None)
        .await
        .unwrap();
    (token, signer(KeyType::Ed25519))
}

#[tokio::test]
async fn a_replayed_c_nonce_is_invalid_nonce() {
    let server = start(|s| s).await;
    let (token, holder) = token_and_holder(&server).await;
    let nonce = nonce(&server).await;
    let proof = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        Some(&nonce),
        now(&server),
    )
    .await
    .unwrap();
    request(&server, &token, "pid", std::slice::from_ref(&proof))
        .await
        .unwrap();
    // The same proof again, for another configuration the token covers.
    let err = request(&server, &token, "degree_jwt", &[proof])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_nonce", "{err}");
    assert_eq!(err.http_status(), 400);
}

#[tokio::test]
async fn an_expired_c_nonce_is_invalid_nonce() {
    let server = start(|mut s| {
        s.c_nonce_ttl = Duration::seconds(60);
        s
    })
    .await;
    let (token, holder) = token_and_holder(&server).await;
    let nonce = nonce(&server).await;
    server.clock.advance(Duration::seconds(90));
    let proof = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        Some(&nonce),
        now(&server),
    )
    .await
    .unwrap();
    let err = request(&server, &token, "pid", &[proof]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_nonce", "{err}");
}

#[tokio::test]
async fn a_nonce_the_issuer_never_gave_and_no_nonce_at_all() {
    let server = start(|s| s).await;
    let (token, holder) = token_and_holder(&server).await;
    let made_up = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        Some("made-up"),
        now(&server),
    )
    .await
    .unwrap();
    assert_eq!(
        request(&server, &token, "pid", &[made_up])
            .await
            .unwrap_err()
            .code(),
        "invalid_nonce"
    );
    let none = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        None,
        now(&server),
    )
    .await
    .unwrap();
    assert_eq!(
        request(&server, &token, "pid", &[none])
            .await
            .unwrap_err()
            .code(),
        "invalid_proof"
    );
    assert_eq!(
        request(&server, &token, "pid", &[])
            .await
            .unwrap_err()
            .code(),
        "invalid_proof"
    );
}

#[tokio::test]
async fn a_proof_for_another_audience_is_invalid_proof() {
    let server = start(|s| s).await;
    let (token, holder) = token_and_holder(&server).await;
    let nonce = nonce(&server).await;
    let proof = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        "https://other-issuer.example.com",
        Some(&nonce),
        now(&server),
    )
    .await
    .unwrap();
    let err = request(&server, &token, "pid", &[proof]).await.unwrap_err();
    assert_eq!(err.code(), "invalid_proof");
    assert!(err.to_string().contains("aud"), "{err}");
}

#[tokio::test]
async fn a_stale_proof_is_invalid_proof() {
    let server = start(|s| s).await;
    let (token, holder) = token_and_holder(&server).await;
    let nonce = nonce(&server).await;
    let proof = create_proof_jwt(
        holder.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        Some(&nonce),
        now(&server) - Duration::minutes(10),
    )
    .await
    .unwrap();
    assert_eq!(
        request(&server, &token, "pid", &[proof])
            .await
            .unwrap_err()
            .code(),
        "invalid_proof"
    );
}

#[tokio::test]
async fn a_proof_signed_by_another_key_than_its_header_names_is_invalid_proof() {
    let server = start(|s| s).await;
    let (token, _) = token_and_holder(&server).await;
    let named = signer(KeyType::Ed25519);
    let actual = signer(KeyType::Ed25519);
    let nonce = nonce(&server).await;
    let claims = json!({"aud": server.base, "iat": now(&server).unix_timestamp(), "nonce": nonce});
    let claims = serde_json::to_vec(&claims).unwrap();
    for header in [
        Header {
            typ: Some(TYP_PROOF_JWT.into()),
            jwk: Some(named.public_key().to_jwk()),
            ..Header::default()
        },
        Header {
            typ: Some(TYP_PROOF_JWT.into()),
            kid: Some(kith_vc::did_key_method_id(&named.public_key())),
            ..Header::default()
        },
    ] {
        let forged = kith_crypto::sign_compact(header, &claims, actual.as_ref())
            .await
            .unwrap();
        let err = request(&server, &token, "pid", &[forged])
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_proof", "{err}");
        assert!(err.to_string().contains("signature"), "{err}");
    }
    // The nonce was not spent by the forgeries: an honest proof still gets the credential.
    let honest = create_proof_jwt(
        actual.as_ref(),
        &HolderBinding::Jwk,
        &server.base,
        Some(&nonce),
        now(&server),
    )
    .await
    .unwrap();
    request(&server, &token, "pid", &[honest]).await.unwrap();
}

#[tokio::test]
async fn a_credential_bound_to_another_key_is_refused_by_the_wallet() {
    let server = start(|s| s).await;
    let metadata = server.wallet.issuer_metadata(&server.base).await.unwrap();
    for configuration_id in ["pid", "degree_jwt", "degree_ldp"] {
        let (token, _) = {
            let created = server
                .issuer
                .create_offer(offer_of(vec![if configuration_id == "pid" {
                    pid()
                } else {
                    degree(configuration_id)
                }]))
                .await
                .unwrap();
            (
                token_for(&server, &code_of(&created.offer), None)
                    .await
                    .unwrap(),
                (),
            )
        };
        let someone_else = Holder::did_key(signer(KeyType::Ed25519));
        let me = Holder::did_key(signer(KeyType::Ed25519));
        let nonce = nonce(&server).await;
        let proof = create_proof_jwt(
            someone_else.signer.as_ref(),
            &someone_else.binding,
            &server.base,
            Some(&nonce),
            now(&server),
        )
        .await
        .unwrap();
        let credential = request(&server, &token, configuration_id, &[proof])
            .await
            .unwrap();
        let configuration = &metadata.credential_configurations_supported[configuration_id];
        let err = server
            .wallet
            .verify_received(
                &server.base,
                configuration_id,
                configuration,
                &credential,
                Some(&me),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            "holder_binding_mismatch",
            "{configuration_id}: {err}"
        );
        // The rightful holder accepts it.
        server
            .wallet
            .verify_received(
                &server.base,
                configuration_id,
                configuration,
                &credential,
                Some(&someone_else),
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_tampered_credential_is_rejected_by_the_wallet() {
    let server = start(|s| s).await;
    let metadata = server.wallet.issuer_metadata(&server.base).await.unwrap();
    let (token, holder) = token_and_holder(&server).await;
    let holder = Holder::jwk(holder);
    let nonce = nonce(&server).await;
    let proof = create_proof_jwt(
        holder.signer.as_ref(),
        &holder.binding,
        &server.base,
        Some(&nonce),
        now(&server),
    )
    .await
    .unwrap();
    let credential = request(&server, &token, "degree_jwt", &[proof])
        .await
        .unwrap();
    let text = credential.as_str().unwrap();
    // One character of the signature changed (not the last, which carries padding bits).
    let at = text.len() - 10;
    let swapped = if &text[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swapped}{}", &text[..at], &text[at + 1..]);
    let err = server
        .wallet
        .verify_received(
            &server.base,
            "degree_jwt",
            &metadata.credential_configurations_supported["degree_jwt"],
            &Value::String(tampered),
            Some(&holder),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "credential_rejected", "{err}");
}

// ---------------------------------------------------------------- one-time codes ------

#[tokio::test]
async fn an_offer_by_reference_is_served_once() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(OfferRequest {
            by_reference: true,
            ..offer_of(vec![pid()])
        })
        .await
        .unwrap();
    let offer = server.wallet.resolve_offer(&created.link).await.unwrap();
    assert_eq!(offer, created.offer);
    let err = server
        .wallet
        .resolve_offer(&created.link)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_credential_offer", "{err}");
    assert_eq!(err.http_status(), 404);
}

#[tokio::test]
async fn a_pre_authorized_code_is_redeemed_once() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap();
    let code = code_of(&created.offer);
    token_for(&server, &code, None).await.unwrap();
    let err = token_for(&server, &code, None).await.unwrap_err();
    assert_eq!(err.code(), "invalid_grant", "{err}");
    // The whole flow on a spent offer fails at the token endpoint too.
    let holder = Holder::jwk(signer(KeyType::Ed25519));
    let err = server
        .wallet
        .accept_offer(&created.link, &holder, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_redemptions_give_one_token() {
    let server = Arc::new(start(|s| s).await);
    let created = server
        .issuer
        .create_offer(OfferRequest {
            tx_code: Some(TxCodeRequest::numeric(4)),
            ..offer_of(vec![pid()])
        })
        .await
        .unwrap();
    let code = code_of(&created.offer);
    let tx_code = created.tx_code.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (server, code, tx_code, barrier) = (
                Arc::clone(&server),
                code.clone(),
                tx_code.clone(),
                Arc::clone(&barrier),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                token_for(&server, &code, Some(&tx_code)).await
            })
        })
        .collect();
    let mut tokens = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => tokens += 1,
            Err(e) => assert_eq!(e.code(), "invalid_grant", "{e}"),
        }
    }
    assert_eq!(tokens, 1);
}

#[tokio::test]
async fn wrong_tx_codes_use_up_the_attempts_then_even_the_right_one_fails() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(OfferRequest {
            tx_code: Some(TxCodeRequest {
                input_mode: InputMode::Text,
                length: 8,
                description: None,
                value: Some("PASSWORD".into()),
            }),
            ..offer_of(vec![pid()])
        })
        .await
        .unwrap();
    assert_eq!(
        created.offer.pre_authorized_grant().unwrap().tx_code,
        Some(TxCode {
            input_mode: Some(InputMode::Text),
            length: Some(8),
            description: None
        })
    );
    let code = code_of(&created.offer);
    // Missing and unexpected codes are invalid_request and do not count.
    assert_eq!(
        token_for(&server, &code, None).await.unwrap_err().code(),
        "invalid_request"
    );
    for attempt in 1..=5 {
        let err = token_for(&server, &code, Some("WRONG")).await.unwrap_err();
        assert_eq!(err.code(), "invalid_grant", "attempt {attempt}: {err}");
    }
    let err = token_for(&server, &code, Some("PASSWORD"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_grant", "{err}");

    let plain = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap();
    let err = token_for(&server, &code_of(&plain.offer), Some("123"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
}

#[tokio::test]
async fn an_expired_pre_authorized_code_is_invalid_grant() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap();
    server.clock.advance(Duration::minutes(11));
    assert_eq!(
        token_for(&server, &code_of(&created.offer), None)
            .await
            .unwrap_err()
            .code(),
        "invalid_grant"
    );
}

#[tokio::test]
async fn a_configuration_is_issued_once_per_token() {
    let server = start(|s| s).await;
    let (token, holder) = token_and_holder(&server).await;
    for expected in [None, Some("credential_request_denied")] {
        let nonce = nonce(&server).await;
        let proof = create_proof_jwt(
            holder.as_ref(),
            &HolderBinding::Jwk,
            &server.base,
            Some(&nonce),
            now(&server),
        )
        .await
        .unwrap();
        let result = request(&server, &token, "pid", &[proof]).await;
        assert_eq!(result.err().map(|e| e.code()), expected);
    }
}

// ---------------------------------------------------------------- bad requests --------

#[tokio::test]
async fn unknown_and_uncovered_configurations() {
    let server = start(|s| s).await;
    let created = server
        .issuer
        .create_offer(offer_of(vec![pid()]))
        .await
        .unwrap();
    let token = token_for(&server, &code_of(&created.offer), None)
        .await
        .unwrap();
    let err = request(&server, &token, "no_such_configuration", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_credential_configuration");
    let err = request(&server, &token, "degree_ldp", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "insufficient_scope");
    assert_eq!(err.http_status(), 403);
    // Offers are checked when made.
    let err = server
        .issuer
        .create_offer(offer_of(vec![CredentialTemplate::new("nope", json!({}))]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_credential_configuration");
}

#[tokio::test]
async fn bad_access_tokens_are_invalid_token_with_a_challenge() {
    let server = start(|s| s).await;
    let client = raw_client();
    let body = json!({"credential_configuration_id": "pid"}).to_string();
    for authorization in [None, Some("Bearer not-a-token"), Some("Basic dXNlcjpwYXNz")] {
        let mut request = client
            .post(format!("{}/credential", server.base))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{challenge}"
        );
        let json = body_of(response).await;
        assert_eq!(json["error"], "invalid_token");
    }
    // An expired token too.
    let (token, _) = token_and_holder(&server).await;
    server.clock.advance(Duration::minutes(6));
    assert_eq!(
        request(&server, &token, "pid", &[])
            .await
            .unwrap_err()
            .code(),
        "invalid_token"
    );
}

#[tokio::test]
async fn oversize_and_malformed_bodies() {
    let server = start(|s| s).await;
    let client = raw_client();
    let (token, _) = token_and_holder(&server).await;
    let huge = json!({"credential_configuration_id": "pid", "padding": "x".repeat(100 * 1024)})
        .to_string();
    let response = client
        .post(format!("{}/credential", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(body_of(response).await["error"], "invalid_request");

    let response = client
        .post(format!("{}/token", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=x&pad={}", "y".repeat(10 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(body_of(response).await["error"], "invalid_request");

    for (form, code) in [
        (
            "grant_type=authorization_code&code=abc",
            "unsupported_grant_type",
        ),
        ("pre-authorized_code=abc", "invalid_request"),
        (
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code",
            "invalid_request",
        ),
        (
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=a&pre-authorized_code=b",
            "invalid_request",
        ),
        (
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=nope",
            "invalid_grant",
        ),
    ] {
        let response = client
            .post(format!("{}/token", server.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{form}");
        assert_eq!(body_of(response).await["error"], code, "{form}");
    }

    for (body, code) in [
        ("not json", "invalid_credential_request"),
        (
            r#"{"credential_configuration_id": "pid", "credential_configuration_id": "pid"}"#,
            "invalid_credential_request",
        ),
        (
            r#"{"credential_configuration_id": "pid", "proofs": {"di_vp": [{}]}}"#,
            "invalid_proof",
        ),
        (
            r#"{"credential_configuration_id": "pid", "proofs": {"jwt": ["a.b.c"]}}"#,
            "invalid_proof",
        ),
    ] {
        let response = client
            .post(format!("{}/credential", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(body_of(response).await["error"], code, "{body}");
    }
}

#[tokio::test]
async fn batch_issuance_binds_one_credential_per_key() {
    let server = start(|mut s| {
        s.batch_size = 3;
        s
    })
    .await;
    let (token, _) = token_and_holder(&server).await;
    let keys: Vec<_> = (0..2).map(|_| signer(KeyType::Ed25519)).collect();
    let nonce = nonce(&server).await;
    let mut proofs = Vec::new();
    for key in &keys {
        proofs.push(
            create_proof_jwt(
                key.as_ref(),
                &HolderBinding::Jwk,
                &server.base,
                Some(&nonce),
                now(&server),
            )
            .await
            .unwrap(),
        );
    }
    let response = server
        .wallet
        .request_credential(
            &url(&format!("{}/credential", server.base)),
            &token,
            "pid",
            &proofs,
        )
        .await
        .unwrap();
    assert_eq!(response.credentials.len(), 2);
    let metadata = server.wallet.issuer_metadata(&server.base).await.unwrap();
    assert_eq!(metadata.batch_credential_issuance.unwrap().batch_size, 3);
    for (issued, key) in response.credentials.iter().zip(&keys) {
        server
            .wallet
            .verify_received(
                &server.base,
                "pid",
                &metadata.credential_configurations_supported["pid"],
                &issued.credential,
                Some(&Holder::jwk(Arc::clone(key))),
            )
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------- offer links ---------

fn offers() -> impl Strategy<Value = CredentialOffer> {
    let ids = proptest::collection::btree_set("[a-zA-Z0-9_.:-]{1,24}", 1..5);
    let tx_code = proptest::option::of((
        proptest::option::of(prop_oneof![Just(InputMode::Numeric), Just(InputMode::Text)]),
        proptest::option::of(1u32..=64),
        proptest::option::of("\\PC{0,120}"),
    ));
    (
        "[a-z]{1,12}",
        proptest::option::of("[a-z0-9/]{1,20}"),
        ids,
        "[ -~]{1,64}",
        tx_code,
    )
        .prop_map(|(host, path, ids, code, tx_code)| {
            let mut issuer = format!("https://{host}.example");
            if let Some(path) = path {
                issuer.push('/');
                issuer.push_str(&path);
            }
            CredentialOffer {
                credential_issuer: issuer,
                credential_configuration_ids: ids.into_iter().collect(),
                grants: kith_oid4vc::vci::offer::Grants {
                    pre_authorized_code: Some(kith_oid4vc::vci::offer::PreAuthorizedCodeGrant {
                        pre_authorized_code: code,
                        tx_code: tx_code.map(|(input_mode, length, description)| TxCode {
                            input_mode,
                            length,
                            description,
                        }),
                        authorization_server: None,
                    }),
                    authorization_code: None,
                },
            }
        })
}

proptest! {
    #[test]
    fn offer_links_round_trip(offer in offers()) {
        let link = offer.to_link();
        prop_assert_eq!(OfferLink::parse(&link).unwrap(), OfferLink::ByValue(offer.clone()));
        // Whatever follows a valid link's query, parsing never panics.
        let _ = OfferLink::parse(&format!("{link}&credential_offer_uri=x"));
    }

    #[test]
    fn offer_link_parsing_never_panics(text in "\\PC{0,400}") {
        let _ = OfferLink::parse(&text);
        let _ = OfferLink::parse(&format!("openid-credential-offer://?credential_offer={text}"));
        let _ = CredentialOffer::parse(text.as_bytes());
    }

    #[test]
    fn offers_by_reference_parse(path in "[a-zA-Z0-9_-]{1,43}") {
        let uri = Url::parse(&format!("https://issuer.example/credential-offer/{path}")).unwrap();
        let link = kith_oid4vc::vci::offer::offer_uri_link(&uri);
        prop_assert_eq!(OfferLink::parse(&link).unwrap(), OfferLink::ByReference(uri));
    }
}
