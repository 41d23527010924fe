//! The holder agent: the wallet sides of OpenID4VCI and OpenID4VP on top of the
//! holder's encrypted kith-wallet. Accepting an offer stores the verified credential;
//! answering a request first shows exactly what would leave the wallet (the
//! [`Review`]), and only on consent presents it and records it in the history (what
//! was shared, with whom, when — claim paths, never values).
//!
//! Every credential is bound to the wallet's holder key: one Ed25519 key, named by its
//! did:key, generated on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kith_crypto::{KeyType, LocalSigner, Signer};
use kith_wallet::{StoredCredential, Wallet};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::vci::{self, Holder, WalletClient};
use crate::vp::wallet::{self as vpw, Consent, VerifiedRequest, VpWallet};
use crate::vp::{self, http as vph};

/// What can go wrong on the holder's side.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Issuance failed.
    #[error(transparent)]
    Issuance(#[from] vci::Error),
    /// Presentation failed.
    #[error(transparent)]
    Presentation(#[from] vp::Error),
    /// The wallet failed.
    #[error(transparent)]
    Wallet(#[from] kith_wallet::Error),
    /// The holder key is unusable.
    #[error("the holder key is unusable: {0}")]
    HolderKey(String),
}

impl Error {
    /// A stable code: the underlying error's code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Issuance(e) => e.code(),
            Self::Presentation(e) => e.code(),
            Self::Wallet(e) => e.code(),
            Self::HolderKey(_) => "holder_key_unusable",
        }
    }
}

/// The wallet's holder key, in the shapes both protocols want.
#[derive(Clone)]
pub struct HolderIdentity {
    /// The holder's did:key.
    pub did: String,
    /// For OpenID4VCI key proofs.
    pub issuance: Holder,
    /// For OpenID4VP presentations.
    pub presentation: vpw::HolderKey,
}

/// Loads the wallet's holder key, generating it on first use.
pub fn holder_identity(wallet: &mut Wallet) -> Result<HolderIdentity, Error> {
    let keys = wallet.keys()?;
    let id = match keys.iter().find(|k| k.key_type == KeyType::Ed25519) {
        Some(key) => key.id.clone(),
        None => wallet.generate_key(KeyType::Ed25519)?,
    };
    let private = wallet.private_key(&id)?;
    let public = private.public_key();
    let did = kith_did::method::key::did_for(&public);
    let fragment = did
        .as_str()
        .strip_prefix("did:key:")
        .unwrap_or_default()
        .to_owned();
    let method = format!("{did}#{fragment}");
    let signer: Arc<dyn Signer> = Arc::new(
        LocalSigner::new(private)
            .map_err(|e| Error::HolderKey(e.to_string()))?
            .with_key_id(method.clone()),
    );
    Ok(HolderIdentity {
        did: did.to_string(),
        issuance: Holder::did_key(Arc::clone(&signer)),
        presentation: vpw::HolderKey {
            did: did.to_string(),
            verification_method: method,
            signer,
        },
    })
}

/// A credential accepted into the wallet.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    /// The wallet record id.
    pub id: String,
    /// The credential configuration it was issued under.
    pub configuration_id: String,
    /// The format.
    pub format: String,
    /// The issuer's DID.
    pub issuer: Option<String>,
    /// The credential's display name from the issuer's metadata.
    pub display_name: Option<String>,
}

/// A request, checked, and what answering it would share.
#[derive(Debug, Clone)]
pub struct Review {
    /// The verified request.
    pub request: VerifiedRequest,
    /// What would leave the wallet.
    pub consent: Consent,
}

/// The holder's side of both protocols.
#[derive(Clone)]
pub struct HolderAgent {
    issuance: WalletClient,
    presentation: VpWallet,
    /// Offers fetched by reference (served once), kept by their link as by-value links
    /// until accepted, so a mistyped transaction code can be retried.
    fetched_offers: Arc<Mutex<HashMap<String, String>>>,
}

/// Most fetched offers kept for a retry.
const MAX_FETCHED_OFFERS: usize = 64;

impl HolderAgent {
    /// An agent fetching through `issuance_http` / `presentation_http`, verifying
    /// received credentials and verifier DIDs with `verifier`'s resolver and status
    /// lists.
    pub fn new(
        issuance_http: Arc<dyn vci::HttpClient>,
        presentation_http: Arc<dyn vph::HttpClient>,
        verifier: kith_vc::Verifier,
    ) -> Self {
        let resolver = Arc::clone(&verifier.resolver);
        Self {
            issuance: WalletClient::new(issuance_http, verifier),
            presentation: VpWallet::new(presentation_http, resolver),
            fetched_offers: Arc::default(),
        }
    }

    /// The OpenID4VCI client.
    pub fn issuance(&self) -> &WalletClient {
        &self.issuance
    }

    /// The OpenID4VP client.
    pub fn presentation(&self) -> &VpWallet {
        &self.presentation
    }

    /// Runs the offer's pre-authorized code flow, verifies each credential and stores it.
    pub async fn accept_offer(
        &self,
        wallet: &mut Wallet,
        link: &str,
        tx_code: Option<&str>,
    ) -> Result<Vec<Accepted>, Error> {
        let holder = holder_identity(wallet)?;
        let cached = self
            .fetched_offers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(link)
            .cloned();
        let by_value = match cached {
            Some(by_value) => by_value,
            None => match vci::OfferLink::parse(link)? {
                vci::OfferLink::ByValue(_) => link.to_owned(),
                vci::OfferLink::ByReference(_) => {
                    let offer = self.issuance.resolve_offer(link).await?;
                    let by_value = offer.to_link();
                    let mut fetched = self
                        .fetched_offers
                        .lock()
                        .unwrap_or_else(|p| p.into_inner());
                    if fetched.len() >= MAX_FETCHED_OFFERS {
                        fetched.clear();
                    }
                    fetched.insert(link.to_owned(), by_value.clone());
                    by_value
                }
            },
        };
        let received = self
            .issuance
            .accept_offer(&by_value, &holder.issuance, tx_code)
            .await?;
        self.fetched_offers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(link);
        let mut accepted = Vec::with_capacity(received.len());
        for credential in &received {
            let id = vci::store_in_wallet(wallet, credential)?;
            accepted.push(Accepted {
                id,
                configuration_id: credential.configuration_id.clone(),
                format: credential.format.identifier().to_owned(),
                issuer: credential.report.issuer.clone(),
                display_name: credential.display_name.clone(),
            });
        }
        Ok(accepted)
    }

    /// Fetches and checks a request, and works out what answering it would share. A
    /// request the wallet cannot satisfy fails with `cannot_satisfy` here: nothing is
    /// sent.
    pub async fn review_request(&self, wallet: &mut Wallet, link: &str) -> Result<Review, Error> {
        let parsed = vpw::parse_link(link)?;
        let request = self.presentation.resolve_request(&parsed).await?;
        let credentials = wallet_credentials(wallet)?;
        let consent = self.presentation.prepare(&request, &credentials)?;
        Ok(Review { request, consent })
    }

    /// Presents what the review showed and records it in the history.
    pub async fn share(
        &self,
        wallet: &mut Wallet,
        review: &Review,
    ) -> Result<vpw::Submitted, Error> {
        let credentials = wallet_credentials(wallet)?;
        let outcome = self
            .presentation
            .submit(&review.request, &review.consent, &credentials)
            .await;
        // The history records what left the wallet: a presentation the verifier
        // received and refused (or that may have arrived before the connection
        // failed) was shared all the same.
        let outcome = match outcome {
            Ok(submitted) => Ok(submitted),
            Err(e @ (vp::Error::VerifierRejected { .. } | vp::Error::Http(_))) => Err(e),
            Err(e) => return Err(e.into()),
        };
        let mut claims = Vec::new();
        let mut ids = Vec::new();
        for item in &review.consent.items {
            claims.extend(item.shared.iter().map(|c| c.path.clone()));
            // A predicate names its claim and the verifier's bound, not the value.
            claims.extend(item.proven.iter().map(|p| format!("proven: {p}")));
            if !ids.contains(&item.credential_id) {
                ids.push(item.credential_id.clone());
            }
        }
        wallet.record_presentation(
            &review.consent.verifier,
            claims,
            ids,
            OffsetDateTime::now_utc(),
        )?;
        Ok(outcome?)
    }

    /// Tells the verifier the holder declined (an `access_denied` error response).
    pub async fn decline(&self, review: &Review) -> Result<(), Error> {
        Ok(self.presentation.decline(&review.request).await?)
    }
}

fn wallet_credentials(wallet: &mut Wallet) -> Result<Vec<vpw::WalletCredential>, Error> {
    let holder = holder_identity(wallet)?;
    Ok(wallet
        .credentials()?
        .into_iter()
        .map(|c| vpw::WalletCredential {
            id: c.id,
            raw: c.raw,
            holder: Some(holder.presentation.clone()),
        })
        .collect())
}

/// A stored credential as a person reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    /// The wallet record id.
    pub id: String,
    /// A title: the issuer's display name, or the credential's type.
    pub title: String,
    /// The issuer's DID.
    pub issuer: Option<String>,
    /// The format.
    pub format: String,
    /// The claims, as (RFC 6901 pointer, value) leaves; for SD-JWT every disclosable
    /// claim (the holder sees all of them).
    pub claims: Vec<(String, Value)>,
    /// When it was added.
    pub added_at: String,
}

/// Registered JWT and SD-JWT claims that are not about the subject.
const ENVELOPE_CLAIMS: [&str; 10] = [
    "iss", "iat", "nbf", "exp", "cnf", "vct", "status", "jti", "_sd_alg", "sub",
];

/// Reads a stored credential into a [`Card`] (nothing is verified here: the wallet
/// verified it when it was accepted).
pub fn card(stored: &StoredCredential) -> Card {
    let raw = stored.raw.trim();
    let mut claims = Vec::new();
    let mut kind = None;
    match kith_vc::detect(raw) {
        Ok(kith_vc::Format::SdJwt) => {
            if let Ok(inspected) = kith_vc::sd_jwt::inspect(raw) {
                kind = inspected
                    .claims
                    .get("vct")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if let Value::Object(map) = &inspected.claims {
                    for (name, value) in map {
                        if !ENVELOPE_CLAIMS.contains(&name.as_str()) {
                            leaves(&format!("/{}", escape(name)), value, &mut claims);
                        }
                    }
                }
            }
        }
        Ok(kith_vc::Format::VcJwt) => {
            if let Ok(decoded) = kith_vc::jose::decode_unverified(raw) {
                let payload = decoded.get("payload").cloned().unwrap_or(Value::Null);
                let vc = payload.get("vc").cloned().unwrap_or(payload);
                kind = last_type(&vc);
                if let Some(subject) = vc.get("credentialSubject") {
                    leaves("/credentialSubject", subject, &mut claims);
                }
            }
        }
        Ok(kith_vc::Format::DataIntegrity(_)) => {
            if let Ok(document) = kith_vc::json::parse_str(raw) {
                kind = last_type(&document);
                if let Some(subject) = document.get("credentialSubject") {
                    leaves("/credentialSubject", subject, &mut claims);
                }
            }
        }
        _ => {}
    }
    let meta = |name: &str| {
        stored
            .metadata
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Card {
        id: stored.id.clone(),
        title: meta("display_name")
            .or(kind)
            .unwrap_or_else(|| "Credential".into()),
        issuer: meta("issuer"),
        format: stored.format.clone(),
        claims,
        added_at: stored
            .added_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}

fn last_type(document: &Value) -> Option<String> {
    match document.get("type") {
        Some(Value::Array(types)) => types.last().and_then(Value::as_str).map(str::to_owned),
        Some(Value::String(t)) => Some(t.clone()),
        _ => None,
    }
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn leaves(pointer: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (name, inner) in map {
                if name == "id" && pointer == "/credentialSubject" {
                    continue;
                }
                leaves(&format!("{pointer}/{}", escape(name)), inner, out);
            }
        }
        other => out.push((pointer.to_owned(), other.clone())),
    }
}
