//! The whole OpenID4VCI 1.0 Pre-Authorized Code Flow on loopback, end to end, per
//! format: the issuer makes an offer, and the wallet (reqwest) resolves it, fetches
//! both metadata documents, redeems the code, gets a nonce, proves its key, requests
//! the credential and verifies it with kith-vc's pipeline.
//!
//! `cargo bench -p kith-oid4vc --bench vci`.

#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kith_crypto::{KeyType, LocalSigner, PrivateKey};
use kith_oid4vc::vci::{CredentialTemplate, Holder, OfferRequest};
use serde_json::json;

fn issuance(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(support::start(|s| s));
    let holder = Holder::did_key(Arc::new(
        LocalSigner::new(PrivateKey::generate(KeyType::Ed25519).expect("key")).expect("signer"),
    ));
    let mut group = c.benchmark_group("oid4vci_pre_authorized_flow");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (configuration_id, claims) in [
        (
            "pid",
            json!({"given_name": "Erika", "family_name": "Mustermann"}),
        ),
        (
            "degree_jwt",
            json!({"degree": {"type": "ExampleBachelorDegree"}}),
        ),
        (
            "degree_ldp",
            json!({"degree": {"type": "ExampleBachelorDegree"}}),
        ),
    ] {
        group.bench_function(configuration_id, |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let created = server
                        .issuer
                        .create_offer(OfferRequest {
                            credentials: vec![CredentialTemplate::new(
                                configuration_id,
                                claims.clone(),
                            )],
                            tx_code: None,
                            by_reference: true,
                        })
                        .await
                        .expect("offer");
                    let received = server
                        .wallet
                        .accept_offer(&created.link, &holder, None)
                        .await
                        .expect("issued and verified");
                    assert!(received[0].report.verified);
                })
            });
        });
    }
    group.finish();
}

criterion_group!(benches, issuance);
criterion_main!(benches);
