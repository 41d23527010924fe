//! One full OpenID4VP presentation on loopback: the verifier creates a signed request,
//! the wallet fetches and verifies it over HTTP, matches the DCQL query, presents an
//! SD-JWT VC with a KB-JWT and posts it; the verifier verifies it and completes the
//! request.
#![allow(missing_docs)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::{KeyType, LocalSigner, PrivateKey, Signer};
use kith_did::MethodResolver;
use kith_did::method::key::KeyMethod;
use kith_oid4vc::dcql::DcqlQuery;
use kith_oid4vc::vp::http::{HttpConfig, ReqwestClient};
use kith_oid4vc::vp::store::{MemoryStateStore, RequestStatus};
use kith_oid4vc::vp::verifier::{RequestOptions, VerifierConfig, VpVerifier};
use kith_oid4vc::vp::wallet::{self, HolderKey, VpWallet, WalletCredential};
use kith_oid4vc::vp::{self, Error};
use serde_json::json;
use url::Url;

fn signer() -> Arc<LocalSigner> {
    let key = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let kid = kith_vc::did_key_method_id(&key.public_key());
    Arc::new(LocalSigner::new(key).unwrap().with_key_id(kid))
}

fn resolver() -> Arc<MethodResolver> {
    let mut resolver = MethodResolver::new();
    resolver.register("key", Arc::new(KeyMethod));
    Arc::new(resolver)
}

fn error_response(e: &Error) -> Response {
    (
        StatusCode::from_u16(e.http_status()).unwrap(),
        axum::Json(e.to_oauth_json()),
    )
        .into_response()
}

async fn request_object(State(v): State<VpVerifier>, Path(state): Path<String>) -> Response {
    match v.request_object(&state).await {
        Ok(jws) => ([(header::CONTENT_TYPE, vp::MEDIA_TYPE_REQUEST_OBJECT)], jws).into_response(),
        Err(e) => error_response(&e),
    }
}

async fn response(State(v): State<VpVerifier>, body: Bytes) -> Response {
    match v.handle_response(&body).await {
        Ok(ack) => axum::Json(ack.to_json()).into_response(),
        Err(e) => error_response(&e),
    }
}

struct Setup {
    verifier: VpVerifier,
    wallet: VpWallet,
    credentials: Vec<WalletCredential>,
    query: DcqlQuery,
}

async fn setup() -> Setup {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let verifier_key = signer();
    let did = kith_did::method::key::did_for(&verifier_key.public_key());
    let config = VerifierConfig::did(
        did,
        verifier_key,
        base.join("/request").unwrap(),
        base.join("/response").unwrap(),
    );
    let verifier = VpVerifier::new(
        config,
        kith_vc::Verifier::new(resolver()),
        Arc::new(MemoryStateStore::default()),
    )
    .unwrap();
    let router = Router::new()
        .route("/request/{state}", get(request_object))
        .route("/response", post(response))
        .with_state(verifier.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let issuer = signer();
    let holder = signer();
    let claims = json!({"vct": "https://credentials.example.com/pid", "given_name": "Erika",
        "family_name": "Mustermann", "age_over_18": true});
    let options = kith_vc::sd_jwt::IssueOptions {
        disclosable: vec![
            "/given_name".into(),
            "/family_name".into(),
            "/age_over_18".into(),
        ],
        holder_key: Some(holder.public_key()),
        ..Default::default()
    };
    let sd_jwt = kith_vc::sd_jwt::issue(&claims, issuer.as_ref(), &options)
        .await
        .unwrap();
    let credentials = vec![WalletCredential {
        id: "pid".into(),
        raw: sd_jwt,
        holder: Some(HolderKey {
            did: kith_did::method::key::did_for(&holder.public_key()).to_string(),
            verification_method: holder.key_id().unwrap().to_owned(),
            signer: holder,
        }),
    }];
    let http = ReqwestClient::new(HttpConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..HttpConfig::default()
    })
    .unwrap();
    let query = DcqlQuery::from_json(&json!({"credentials": [{
        "id": "age", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["https://credentials.example.com/pid"]},
        "claims": [{"path": ["age_over_18"]}]
    }]}))
    .unwrap();
    Setup {
        verifier,
        wallet: VpWallet::new(Arc::new(http), resolver()),
        credentials,
        query,
    }
}

async fn one_presentation(s: &Setup) {
    let created = s
        .verifier
        .create_request(RequestOptions::new(s.query.clone()))
        .await
        .unwrap();
    let link = wallet::parse_link(&created.link).unwrap();
    let request = s.wallet.resolve_request(&link).await.unwrap();
    let consent = s.wallet.prepare(&request, &s.credentials).unwrap();
    s.wallet
        .submit(&request, &consent, &s.credentials)
        .await
        .unwrap();
    let status = s.verifier.status(&created.transaction_id).await.unwrap();
    assert!(matches!(status, Some(RequestStatus::Completed(_))));
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let setup = runtime.block_on(setup());
    c.bench_function("oid4vp sd-jwt presentation on loopback", |b| {
        b.iter(|| runtime.block_on(one_presentation(&setup)))
    });
    let query = setup.query.to_json().to_string();
    c.bench_function("dcql parse", |b| {
        b.iter(|| DcqlQuery::parse(std::hint::black_box(&query)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
