//! `kith demo`: the whole trust triangle on loopback, with nothing to configure.
//!
//! Four real services (a government and a university issue, a bar and a bank verify),
//! each an [`App`] with its own SQLite store in a temporary directory and its own
//! did:web on `http://127.0.0.1:<port>`, and Alice's encrypted wallet. Every exchange
//! goes over HTTP with the real protocols: OpenID4VCI (pre-authorized code, key proof,
//! SD-JWT VC, vc+jwt and kith-zkp-2026) and OpenID4VP (DCQL, signed request objects by
//! reference, `direct_post.jwt` responses encrypted to the verifier). The bar's age
//! check is a zero-knowledge proof over the birth date (`kith_predicate`). The scenario checks what it
//! claims: a step whose outcome differs from the story fails the demo.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kith_did::fetch::FetchConfig;
use kith_oid4vc::holder::{HolderAgent, Review};
use kith_oid4vc::vci::CredentialTemplate;
use kith_store::{MasterKey, Store};
use kith_vc::status::StatusPurpose;
use kith_wallet::Wallet;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use url::Url;

use crate::app::{App, ServerConfig};
use crate::issuer::StatusChange;
use crate::routes::exchange::{
    CreateOfferBody, CreateRequestBody, create_offer_for, create_request_for, request_status_for,
};

/// Alice's wallet passphrase in the demo (the wallet lives in a temporary directory).
const PASSPHRASE: &str = "correct horse battery staple";

/// The status lists' `ttl` in the demo.
const STATUS_LIST_TTL: Duration = Duration::from_secs(1);

/// One step of the transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 1-based.
    pub number: usize,
    /// Who acts.
    pub actor: String,
    /// What happened, in one sentence.
    pub summary: String,
    /// The facts of the step (who sent what, what was verified, what stayed hidden).
    pub details: Vec<(String, String)>,
    /// Machine-readable facts.
    pub data: Value,
    /// Milliseconds the step took.
    pub millis: u128,
}

/// What went wrong: a step whose outcome differs from the story.
#[derive(Debug, thiserror::Error)]
#[error("demo step {step} ({what}) failed: {reason}")]
pub struct DemoError {
    /// The step number.
    pub step: usize,
    /// The step.
    pub what: String,
    /// Why.
    pub reason: String,
}

impl DemoError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        "demo_failed"
    }
}

/// Callbacks of a running demo: steps as they complete, and slow work starting.
pub trait Observer {
    /// A step completed.
    fn step(&mut self, step: &Step);
    /// Slow work starts (`None`: it finished).
    fn working(&mut self, what: Option<&str>);
}

struct Party {
    name: &'static str,
    app: App,
    url: Url,
    server: JoinHandle<()>,
}

impl Drop for Party {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn start_party(name: &'static str, dir: &Path) -> Result<Party, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("{name}: cannot listen on loopback: {e}"))?;
    let address = listener.local_addr().map_err(|e| format!("{name}: {e}"))?;
    // did:web names a domain, not an IP address: `localhost` is the loopback.
    let url = Url::parse(&format!("http://localhost:{}", address.port()))
        .map_err(|e| format!("{name}: {e}"))?;
    let store = Store::open_data_dir(&dir.join(name))
        .await
        .map_err(|e| format!("{name}: the store does not open: {e}"))?;
    let mut config = ServerConfig::new(url.clone());
    // Everything is on loopback over plain HTTP: the demo allows exactly that.
    config.fetch = FetchConfig {
        allow_http: true,
        allow_private_addresses: true,
        ..FetchConfig::default()
    };
    // Verifiers may cache a status list for its `ttl`: one second here, so the
    // revocation shows at once.
    config.issuer.status_list_ttl = STATUS_LIST_TTL;
    let (app, _) = App::open(store, MasterKey::generate(), config)
        .await
        .map_err(|p| format!("{name}: {}", p.detail))?;
    let router = app.router();
    let server = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    Ok(Party {
        name,
        app,
        url,
        server,
    })
}

struct Transcript<'a> {
    observer: &'a mut dyn Observer,
    steps: Vec<Step>,
    started: Instant,
}

impl Transcript<'_> {
    fn begin(&mut self, what: &str) {
        self.started = Instant::now();
        self.observer.working(Some(what));
    }

    fn record(
        &mut self,
        actor: &str,
        summary: String,
        details: Vec<(String, String)>,
        data: Value,
    ) {
        self.observer.working(None);
        let step = Step {
            number: self.steps.len() + 1,
            actor: actor.to_owned(),
            summary,
            details,
            data,
            millis: self.started.elapsed().as_millis(),
        };
        self.observer.step(&step);
        self.steps.push(step);
    }

    fn fail(&self, what: &str, reason: impl Into<String>) -> DemoError {
        DemoError {
            step: self.steps.len() + 1,
            what: what.to_owned(),
            reason: reason.into(),
        }
    }
}

fn claim_list(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}: {}", compact(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => compact(other),
    }
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The subject claims a verifier received (registered JWT claims left out).
fn received_claims(status: &Value, query_id: &str) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(Value::Object(claims)) = status
        .pointer(&format!("/credentials/{query_id}/0/claims"))
        .cloned()
    {
        for (name, value) in claims {
            if ![
                "iss", "iat", "nbf", "exp", "cnf", "vct", "status", "jti", "_sd_alg",
            ]
            .contains(&name.as_str())
            {
                out.insert(name, value);
            }
        }
    }
    Value::Object(out)
}

async fn wait_for_result(app: &App, transaction_id: &str) -> Result<Value, String> {
    for _ in 0..100 {
        let status = request_status_for(app, transaction_id)
            .await
            .map_err(|p| p.detail)?;
        match status.get("status").and_then(Value::as_str) {
            Some("pending") | Some("processing") => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ => return Ok(status),
        }
    }
    Err("the verifier did not finish within 2 s".into())
}

/// Runs the scenario in `dir` (a fresh, empty directory), reporting to `observer`.
pub async fn run(dir: &Path, observer: &mut dyn Observer) -> Result<Vec<Step>, DemoError> {
    crate::serve::install_crypto_provider();
    let mut t = Transcript {
        observer,
        steps: Vec::new(),
        started: Instant::now(),
    };

    // 1. The services.
    t.begin("starting the government, university, bar and bank services");
    let mut parties = Vec::new();
    for name in ["government", "university", "bar", "bank"] {
        parties.push(
            start_party(name, dir)
                .await
                .map_err(|e| t.fail("start services", e))?,
        );
    }
    let [government, university, bar, bank] = <[Party; 4]>::try_from(parties)
        .map_err(|_| t.fail("start services", "four services were not started"))?;
    let details = [&government, &university, &bar, &bank]
        .iter()
        .map(|p| {
            (
                p.name.to_owned(),
                format!("{} ({})", p.app.issuer().did(), p.url),
            )
        })
        .collect::<Vec<_>>();
    let data = json!(
        details
            .iter()
            .map(|(n, d)| json!({"party": n, "did_and_url": d}))
            .collect::<Vec<_>>()
    );
    t.record(
        "system",
        "Four services started on loopback, each with its own store, keys and did:web".into(),
        details,
        data,
    );

    // 2. Alice's wallet.
    t.begin("creating Alice's encrypted wallet (Argon2id)");
    let wallet_dir = dir.join("alice-wallet");
    let unlock_started = Instant::now();
    let mut wallet = tokio::task::spawn_blocking(move || Wallet::create(&wallet_dir, PASSPHRASE))
        .await
        .map_err(|e| t.fail("create wallet", e.to_string()))?
        .map_err(|e| t.fail("create wallet", e.to_string()))?;
    let argon_ms = unlock_started.elapsed().as_millis();
    let holder = kith_oid4vc::holder::holder_identity(&mut wallet)
        .map_err(|e| t.fail("create wallet", e.to_string()))?;
    t.record(
        "Alice",
        "Alice creates her wallet: a random master key wrapped under her passphrase (Argon2id), every record sealed with XChaCha20-Poly1305".into(),
        vec![
            ("holder DID".into(), holder.did.clone()),
            ("key derivation".into(), format!("{argon_ms} ms (deliberately slow)")),
        ],
        json!({"holder": holder.did, "argon2id_ms": argon_ms}),
    );

    let agent = holder_agent(&bank).map_err(|e| t.fail("wallet agent", e))?;

    // 3. Government issues the PID over OpenID4VCI, with an identity credential
    // whose holder can prove statements about her birth date without showing it.
    t.begin("the government issues Alice's PID and identity credential");
    let pid_claims = json!({
        "given_name": "Alice",
        "family_name": "Example",
        "birthdate": "1990-04-12",
        "age_over_18": true,
        "nationality": "NL",
    });
    let identity_claims = json!({
        "givenName": "Alice",
        "familyName": "Example",
        "birthDate": "1990-04-12",
        "nationality": "NL",
    });
    let offer = create_offer_for(
        &government.app,
        CreateOfferBody {
            credentials: vec![
                CredentialTemplate::new("pid", pid_claims.clone()),
                CredentialTemplate::new("identity_zkp", identity_claims.clone()),
            ],
            tx_code_length: Some(6),
            by_reference: Some(true),
        },
    )
    .await
    .map_err(|p| t.fail("PID offer", p.detail))?;
    let tx_code = offer.tx_code.clone().unwrap_or_default();
    let accepted = agent
        .accept_offer(&mut wallet, &offer.link, Some(&tx_code))
        .await
        .map_err(|e| t.fail("accept PID", format!("{} ({})", e, e.code())))?;
    let pid = accepted
        .iter()
        .find(|c| c.format == "dc+sd-jwt")
        .ok_or_else(|| t.fail("accept PID", "no PID was issued"))?
        .clone();
    let identity = accepted
        .iter()
        .find(|c| c.format == "ldp_vc")
        .ok_or_else(|| t.fail("accept PID", "no identity credential was issued"))?
        .clone();
    t.record(
        "government → Alice",
        "The government offers a PID and an identity credential; Alice's wallet runs OpenID4VCI (pre-authorized code + transaction code) and stores an SD-JWT VC bound to her key and a kith-zkp-2026 credential (BBS signature over each claim)".into(),
        vec![
            ("offer".into(), offer.link.clone()),
            ("transaction code (sent separately)".into(), tx_code.clone()),
            ("PID claims, each selectively disclosable".into(), claim_list(&pid_claims)),
            ("identity claims, each provable in zero knowledge".into(), claim_list(&identity_claims)),
            ("verified by the wallet".into(), format!("issuer signatures of {}", pid.issuer.clone().unwrap_or_default())),
        ],
        json!({"offer": offer.link, "credential": pid, "identity": identity, "claims": pid_claims, "identity_claims": identity_claims}),
    );

    // 4. University issues a diploma.
    t.begin("the university issues Alice's diploma");
    let degree_claims = json!({
        "name": "Alice Example",
        "degree": {"type": "MasterDegree", "name": "Master of Science in Computer Science"},
        "graduationDate": "2025-06-30",
    });
    let offer = create_offer_for(
        &university.app,
        CreateOfferBody {
            credentials: vec![CredentialTemplate::new(
                "university_degree",
                degree_claims.clone(),
            )],
            tx_code_length: None,
            by_reference: Some(true),
        },
    )
    .await
    .map_err(|p| t.fail("diploma offer", p.detail))?;
    let accepted = agent
        .accept_offer(&mut wallet, &offer.link, None)
        .await
        .map_err(|e| t.fail("accept diploma", format!("{} ({})", e, e.code())))?;
    let diploma = accepted
        .first()
        .ok_or_else(|| t.fail("accept diploma", "no credential was issued"))?
        .clone();
    t.record(
        "university → Alice",
        "The university issues a diploma over OpenID4VCI as a vc+jwt bound to Alice's DID".into(),
        vec![
            (
                "credential".into(),
                format!(
                    "{} ({})",
                    diploma.display_name.clone().unwrap_or_default(),
                    diploma.format
                ),
            ),
            ("claims".into(), claim_list(&degree_claims)),
        ],
        json!({"credential": diploma, "claims": degree_claims}),
    );

    // 5. The bar asks "over 18?" and gets a zero-knowledge proof, not a birth date.
    t.begin("the bar asks whether Alice is over 18");
    let query = crate::exchange::age_over_18_zkp(time::OffsetDateTime::now_utc().date());
    let asked = query
        .pointer("/credentials/0/claims/0/kith_predicate/value")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let (status, review) = present(&bar.app, &agent, &mut wallet, query, None)
        .await
        .map_err(|e| t.fail("bar presentation", e))?;
    let disclosed = status
        .pointer("/credentials/identity/0/claims/credentialSubject")
        .cloned()
        .unwrap_or(Value::Null);
    let proven = status
        .pointer("/credentials/identity/0/predicates")
        .cloned()
        .unwrap_or(Value::Null);
    let expected = json!([format!("/credentialSubject/birthDate <= {asked}")]);
    if status.get("status").and_then(Value::as_str) != Some("completed")
        || disclosed != json!({})
        || proven != expected
    {
        return Err(t.fail(
            "bar presentation",
            format!("the bar expected a proof of {expected} and no claim, it got {status}"),
        ));
    }
    let hidden = hidden_claims(&identity_claims, &disclosed);
    t.record(
        "bar ⇄ Alice",
        "The bar asks \"born on or before the cutoff?\" (OpenID4VP, DCQL with kith_predicate); Alice's wallet proves it in zero knowledge (kith-zkp-2026); the bar learns that and no claim".into(),
        vec![
            ("wallet showed before sending".into(), consent_summary(&review)),
            ("the bar learned (personal claims)".into(), "none".into()),
            ("proven in zero knowledge".into(), format!("birthDate <= {asked}")),
            ("stayed hidden".into(), hidden.join(", ")),
            ("verified".into(), "issuer's BBS signature, Bulletproofs++ range proof, proof bound to the bar's nonce and client id; no proof bytes repeat across presentations".into()),
        ],
        json!({"learned": disclosed, "proven": proven, "hidden": hidden, "result": status}),
    );

    // 6. The bank reuses the PID for KYC, trusting only the government.
    t.begin("the bank asks for name and nationality");
    let government_did = government.app.issuer().did().to_string();
    let kyc_policy: kith_vc::policy::Policy =
        serde_json::from_value(json!({"trustedIssuers": [government_did]}))
            .map_err(|e| t.fail("bank policy", e.to_string()))?;
    let (status, review) = present(
        &bank.app,
        &agent,
        &mut wallet,
        crate::exchange::preset_queries()["name_nationality"]
            .1
            .clone(),
        Some(kyc_policy.clone()),
    )
    .await
    .map_err(|e| t.fail("bank presentation", e))?;
    let learned = received_claims(&status, "pid");
    let expected = json!({"given_name": "Alice", "family_name": "Example", "nationality": "NL"});
    if status.get("status").and_then(Value::as_str) != Some("completed") || learned != expected {
        return Err(t.fail(
            "bank presentation",
            format!("the bank expected name and nationality, it got {status}"),
        ));
    }
    let hidden = hidden_claims(&pid_claims, &learned);
    t.record(
        "bank ⇄ Alice",
        "The bank reuses the PID for KYC (trusting only the government as issuer) and learns only name and nationality".into(),
        vec![
            ("wallet showed before sending".into(), consent_summary(&review)),
            ("the bank learned (personal claims)".into(), claim_list(&learned)),
            ("stayed hidden".into(), hidden.join(", ")),
        ],
        json!({"learned": learned, "hidden": hidden, "result": status}),
    );

    // 7. The government revokes the PID.
    t.begin("the government revokes the PID");
    let credential_id = pid_credential_id(&mut wallet, &pid.id).map_err(|e| t.fail("revoke", e))?;
    government
        .app
        .issuer()
        .update_status(&StatusChange {
            credential_id: credential_id.clone(),
            purpose: StatusPurpose::Revocation,
            value: true,
        })
        .await
        .map_err(|p| t.fail("revoke", p.detail))?;
    // Verifiers that read the list before may use it for its ttl.
    tokio::time::sleep(STATUS_LIST_TTL + Duration::from_millis(100)).await;
    t.record(
        "government",
        "The government revokes the PID: one bit flips in its signed status list".into(),
        vec![
            ("credential".into(), credential_id.clone()),
            (
                "status list ttl".into(),
                format!("{} s", STATUS_LIST_TTL.as_secs()),
            ),
        ],
        json!({"credential_id": credential_id}),
    );

    // 8. The next presentation fails with `revoked`.
    t.begin("the bank asks again");
    let (status, _) = present(
        &bank.app,
        &agent,
        &mut wallet,
        crate::exchange::preset_queries()["name_nationality"]
            .1
            .clone(),
        Some(kyc_policy),
    )
    .await
    .map_err(|e| t.fail("presentation after revocation", e))?;
    let code = status
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if status.get("status").and_then(Value::as_str) != Some("failed") || code != "revoked" {
        return Err(t.fail(
            "presentation after revocation",
            format!("the bank should have refused the revoked PID with `revoked`, it got {status}"),
        ));
    }
    t.record(
        "bank ⇄ Alice",
        "Alice presents the PID again; the bank checks the government's status list and refuses it"
            .into(),
        vec![("result".into(), format!("failed: {code}"))],
        json!({"result": status}),
    );

    // 9. The history.
    let history = wallet
        .history()
        .map_err(|e| t.fail("history", e.to_string()))?;
    t.begin("reading Alice's history");
    t.record(
        "Alice",
        "Alice's wallet history: what she shared, with whom, when (claim names only)".into(),
        history
            .iter()
            .map(|h| (h.verifier.clone(), h.claims_shared.join(", ")))
            .collect(),
        json!(
            history
                .iter()
                .map(|h| json!({"verifier": h.verifier, "claims": h.claims_shared}))
                .collect::<Vec<_>>()
        ),
    );
    Ok(t.steps)
}

fn holder_agent(party: &Party) -> Result<HolderAgent, String> {
    let issuance = kith_oid4vc::vci::ReqwestHttpClient::new().map_err(|e| e.to_string())?;
    let presentation =
        kith_oid4vc::vp::http::ReqwestClient::new(kith_oid4vc::vp::http::HttpConfig {
            allow_http: true,
            allow_private_addresses: true,
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
    // Alice's wallet resolves DIDs like any verifier on this loopback network.
    Ok(HolderAgent::new(
        Arc::new(issuance),
        Arc::new(presentation),
        party.app.verifier().pipeline(),
    ))
}

async fn present(
    verifier: &App,
    agent: &HolderAgent,
    wallet: &mut Wallet,
    dcql_query: Value,
    policy: Option<kith_vc::policy::Policy>,
) -> Result<(Value, Review), String> {
    let request = create_request_for(
        verifier,
        CreateRequestBody {
            dcql_query,
            response_mode: Some("direct_post.jwt".into()),
            policy,
        },
    )
    .await
    .map_err(|p| p.detail)?;
    let review = agent
        .review_request(wallet, &request.link)
        .await
        .map_err(|e| format!("{e} ({})", e.code()))?;
    // The wallet's error answer (e.g. the verifier refusing a revoked credential) is
    // the verifier's verdict, read below.
    let _ = agent.share(wallet, &review).await;
    let status = wait_for_result(verifier, &request.transaction_id).await?;
    Ok((status, review))
}

/// What the consent screen listed: the selectively disclosed claims with their values,
/// then the paths of what the issuer signed openly (which travels with every
/// presentation of an SD-JWT VC, and lets verifiers link presentations — bbs-2023 is
/// the unlinkable alternative).
fn consent_summary(review: &Review) -> String {
    let mut disclosed = Vec::new();
    let mut envelope = Vec::new();
    for item in &review.consent.items {
        for claim in &item.shared {
            let selective = item.format == "dc+sd-jwt" || !item.proven.is_empty();
            if claim.selectively_disclosed || !selective {
                disclosed.push(format!("{} = {}", claim.path, compact(&claim.value)));
            } else {
                envelope.push(claim.path.clone());
            }
        }
    }
    let proven: Vec<String> = review
        .consent
        .items
        .iter()
        .flat_map(|item| item.proven.iter().map(|p| format!("proves {p}")))
        .collect();
    disclosed.extend(proven);
    let mut summary = disclosed.join(", ");
    if !envelope.is_empty() {
        summary.push_str(&format!(
            "; always sent with it (issuer-signed, not selectively disclosable): {}",
            envelope.join(" ")
        ));
    }
    summary
}

fn hidden_claims(all: &Value, learned: &Value) -> Vec<String> {
    all.as_object()
        .map(|m| {
            m.keys()
                .filter(|k| learned.get(k.as_str()).is_none())
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The PID's credential id (`jti`), which the government revokes it by.
fn pid_credential_id(wallet: &mut Wallet, record: &str) -> Result<String, String> {
    let stored = wallet.credential(record).map_err(|e| e.to_string())?;
    let inspected = kith_vc::sd_jwt::inspect(stored.raw.trim()).map_err(|e| e.to_string())?;
    inspected
        .claims
        .get("jti")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "the PID has no jti".to_owned())
}
