//! `kith vc`: issue and verify credentials.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kith_crypto::PublicKey;
use kith_did::{Relationship, ResolutionOptions, Resolver as _};
use kith_vc::datetime::{FixedClock, format_date_time, parse_date_time_stamp};
use kith_vc::policy::trust_list::TrustList;
use kith_vc::schema::LocalSchemas;
use kith_vc::{Report, Verifier};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::cli::{CredentialFormat, NetworkArgs, VcCommand, VerifierArgs};
use crate::cmd::Outcome;
use crate::cmd::did::{resolver, runtime};
use crate::cmd::sign::signing_identity;
use crate::output;

pub(crate) fn run(cmd: VcCommand, _json: bool) -> anyhow::Result<Outcome> {
    match cmd {
        VcCommand::Issue(args) if args.format == CredentialFormat::KithZkp2026 => {
            output::print_json(&issue_kith_zkp_2026(&args)?)?;
            Ok(Outcome::Ok)
        }
        VcCommand::Issue(args) if args.format == CredentialFormat::Bbs2023 => {
            let secured = issue_bbs_2023(&args)?;
            output::print_json(&secured)?;
            Ok(Outcome::Ok)
        }
        VcCommand::Derive(args) => {
            let input = read_input(args.input.as_deref())?;
            let secured = kith_vc::json::parse_str(&input)?;
            let derived = kith_vc::di::bbs_2023::derive_proof(
                &secured,
                &args.reveal,
                args.presentation_header.as_bytes(),
            )?;
            output::print_json(&derived)?;
            Ok(Outcome::Ok)
        }
        VcCommand::Issue(args) => {
            let identity = signing_identity(&args.signer, args.issuer.as_deref())?;
            let mut credential = read_json_file(&args.credential)?;
            complete_credential(&mut credential, &identity.did, args.holder.as_deref())?;
            let rt = runtime()?;
            let secured = rt.block_on(async {
                match args.format {
                    CredentialFormat::VcJwt => {
                        kith_vc::jose::issue_vc_jwt(&credential, &identity.signer, &identity.kid)
                            .await
                            .map(Value::String)
                    }
                    CredentialFormat::EddsaJcs2022 | CredentialFormat::EcdsaJcs2019 => {
                        let suite = match args.format {
                            CredentialFormat::EddsaJcs2022 => "eddsa-jcs-2022",
                            _ => "ecdsa-jcs-2019",
                        };
                        let options = kith_vc::di::ProofOptions::new(identity.kid.clone());
                        kith_vc::di::add_proof(&credential, suite, &identity.signer, options).await
                    }
                    CredentialFormat::Bbs2023 => Err(kith_vc::Error::ApiMisuse(
                        "bbs-2023 is issued by issue_bbs_2023".into(),
                    )),
                    CredentialFormat::KithZkp2026 => Err(kith_vc::Error::ApiMisuse(
                        "kith-zkp-2026 is issued by issue_kith_zkp_2026".into(),
                    )),
                    CredentialFormat::SdJwt => {
                        let holder_key = match &args.holder {
                            Some(holder) => Some(holder_key(holder, &args.network).await?),
                            None => None,
                        };
                        issue_sd_jwt(
                            &credential,
                            &identity,
                            &args.disclosable,
                            args.decoys,
                            holder_key,
                        )
                        .await
                        .map(Value::String)
                    }
                }
                .map_err(anyhow::Error::from)
            })?;
            match secured {
                Value::String(compact) => output::print_line(&compact)?,
                json => output::print_json(&json)?,
            }
            Ok(Outcome::Ok)
        }
        VcCommand::Verify(args) => {
            let input = read_input(args.input.as_deref())?;
            let verifier = build_verifier(&args.verifier)?;
            if kith_vc::zkp::is_zkp_credential(&input) {
                let report =
                    runtime()?.block_on(kith_vc::zkp::verify_credential(&verifier, &input));
                return print_report(&report);
            }
            let report = runtime()?.block_on(verifier.verify_credential(&input));
            print_report(&report)
        }
    }
}

/// Issues a credential with a bbs-2023 base proof (vc-di-bbs §3.4.2 Add Base Proof).
///
/// BBS keys sign message lists, not bytes, so they do not go through a JOSE
/// `Signer`: the key file is read here and the verification method is the did:key
/// one unless --kid names another.
fn issue_bbs_2023(args: &crate::cli::VcIssueArgs) -> anyhow::Result<Value> {
    let key = crate::cmd::key::read_private_key(&args.signer.key)?;
    anyhow::ensure!(
        key.key_type() == kith_crypto::KeyType::Bls12381G2,
        "bbs-2023 needs a bls12381g2 key (kith key generate --alg bls12381g2), {} holds a {} key",
        args.signer.key.display(),
        key.key_type()
    );
    let public = key.public_key();
    let own = kith_did::method::key::did_for(&public).to_string();
    let issuer = args.issuer.clone().unwrap_or_else(|| own.clone());
    let kid = match &args.signer.kid {
        Some(kid) if kid.starts_with('#') => format!("{issuer}{kid}"),
        Some(kid) => kid.clone(),
        None => {
            anyhow::ensure!(
                issuer == own,
                "{issuer} is not the did:key of {}; pass --kid",
                args.signer.key.display()
            );
            kith_vc::did_key_method_id(&public)
        }
    };
    let mut credential = read_json_file(&args.credential)?;
    complete_credential(&mut credential, &issuer, args.holder.as_deref())?;
    let options = kith_vc::di::ProofOptions::new(kid);
    Ok(kith_vc::di::bbs_2023::add_base_proof(
        &credential,
        &key,
        options,
        &args.mandatory_pointer,
    )?)
}

/// Issues a kith-zkp-2026 credential (docs/zk-predicates.md): every credentialSubject
/// claim signed as one BBS message, with the issuer's bls12381g2 key file.
fn issue_kith_zkp_2026(args: &crate::cli::VcIssueArgs) -> anyhow::Result<Value> {
    let key = crate::cmd::key::read_private_key(&args.signer.key)?;
    anyhow::ensure!(
        key.key_type() == kith_crypto::KeyType::Bls12381G2,
        "kith-zkp-2026 needs a bls12381g2 key (kith key generate --alg bls12381g2), {} holds a {} key",
        args.signer.key.display(),
        key.key_type()
    );
    let public = key.public_key();
    let own = kith_did::method::key::did_for(&public).to_string();
    let issuer = args.issuer.clone().unwrap_or_else(|| own.clone());
    let kid = match &args.signer.kid {
        Some(kid) if kid.starts_with('#') => format!("{issuer}{kid}"),
        Some(kid) => kid.clone(),
        None => {
            anyhow::ensure!(
                issuer == own,
                "{issuer} is not the did:key of {}; pass --kid",
                args.signer.key.display()
            );
            kith_vc::did_key_method_id(&public)
        }
    };
    let secret =
        kith_vc::zkp::IssuerSecretKey::from_bytes(&key.to_bytes()).map_err(kith_vc::Error::from)?;
    let mut credential = read_json_file(&args.credential)?;
    complete_credential(&mut credential, &issuer, args.holder.as_deref())?;
    Ok(kith_vc::zkp::issue(&credential, &secret, &kid).map_err(kith_vc::Error::from)?)
}

/// Fills `issuer`, `validFrom` and the subject id when absent; refuses a different issuer.
fn complete_credential(
    credential: &mut Value,
    issuer: &str,
    holder: Option<&str>,
) -> anyhow::Result<()> {
    let object = credential
        .as_object_mut()
        .context("the credential must be a JSON object")?;
    if object.contains_key("vct") {
        // SD-JWT VC claims: `iss` is set at issuance.
        return Ok(());
    }
    match object.get("issuer") {
        None => {
            object.insert("issuer".into(), json!(issuer));
        }
        Some(Value::String(s)) if s == issuer => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str) == Some(issuer) => {}
        Some(other) => anyhow::bail!(
            "the credential names issuer {other}, but the key speaks for {issuer}; pass --issuer"
        ),
    }
    if !object.contains_key("validFrom") && !object.contains_key("issuanceDate") {
        object.insert(
            "validFrom".into(),
            json!(format_date_time(OffsetDateTime::now_utc())),
        );
    }
    if let (Some(holder), Some(Value::Object(subject))) =
        (holder, object.get_mut("credentialSubject"))
        && !subject.contains_key("id")
    {
        subject.insert("id".into(), json!(holder));
    }
    Ok(())
}

/// Maps a VCDM credential onto SD-JWT VC claims (unless it already is one) and issues it.
async fn issue_sd_jwt(
    credential: &Value,
    identity: &crate::cmd::sign::SigningIdentity,
    disclosable: &[String],
    decoys: usize,
    holder_key: Option<PublicKey>,
) -> Result<String, kith_vc::Error> {
    let mut options = kith_vc::sd_jwt::IssueOptions {
        decoys,
        holder_key,
        kid: Some(identity.kid.clone()),
        iss: Some(identity.did.clone()),
        iat: Some(
            OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or(OffsetDateTime::now_utc()),
        ),
        ..kith_vc::sd_jwt::IssueOptions::default()
    };
    if credential.get("vct").is_some() {
        options.disclosable = disclosable.to_vec();
        return kith_vc::sd_jwt::issue(credential, &identity.signer, &options).await;
    }
    let vcdm = kith_vc::model::Credential::from_json(credential.clone())?;
    let mut claims = Map::new();
    for subject in vcdm.subjects() {
        if let Some(subject) = subject.as_object() {
            for (name, value) in subject {
                let name = if name == "id" { "sub" } else { name.as_str() };
                claims.insert(name.to_owned(), value.clone());
            }
        }
    }
    options.vct = vcdm
        .types()
        .into_iter()
        .rfind(|t| *t != "VerifiableCredential")
        .map(str::to_owned)
        .or_else(|| Some("VerifiableCredential".to_owned()));
    options.nbf = vcdm.valid_from();
    options.exp = vcdm.valid_until();
    options.disclosable = disclosable
        .iter()
        .map(|p| subject_pointer(p))
        .collect::<Result<_, _>>()?;
    kith_vc::sd_jwt::issue(&Value::Object(claims), &identity.signer, &options).await
}

/// `/credentialSubject/x` → `/x`, the same claim in SD-JWT VC form.
pub(crate) fn subject_pointer(pointer: &str) -> Result<String, kith_vc::Error> {
    match pointer.strip_prefix("/credentialSubject") {
        Some(rest) if rest.starts_with('/') => Ok(rest.to_owned()),
        _ if pointer.starts_with('/') && !pointer.starts_with("/credentialSubject") => {
            Ok(pointer.to_owned())
        }
        _ => Err(kith_vc::Error::ApiMisuse(format!(
            "{pointer:?} does not name a claim of the credential subject"
        ))),
    }
}

/// The key a holder DID authenticates with: its first `authentication` method.
async fn holder_key(holder: &str, network: &NetworkArgs) -> Result<PublicKey, kith_vc::Error> {
    let did = kith_did::Did::parse(holder)
        .map_err(|e| kith_vc::Error::ApiMisuse(format!("--holder: {e}")))?;
    let resolver = resolver(network).map_err(|e| kith_vc::Error::ApiMisuse(e.to_string()))?;
    let resolution = resolver
        .resolve(&did, &ResolutionOptions::default())
        .await
        .map_err(|source| kith_vc::Error::UnknownIssuer {
            did: holder.to_owned(),
            source,
        })?;
    let method = resolution
        .document
        .methods_for(Relationship::Authentication)
        .into_iter()
        .next()
        .ok_or_else(|| kith_vc::Error::UnknownKey(format!("{holder} has no authentication key")))?
        .clone();
    method
        .public_key()
        .map_err(|e| kith_vc::Error::UnknownKey(e.to_string()))
}

pub(crate) fn build_verifier(args: &VerifierArgs) -> anyhow::Result<Verifier> {
    let mut verifier = Verifier::new(Arc::new(resolver(&args.network)?));
    verifier.skew = Duration::from_secs(args.skew);
    verifier.policy.trusted_issuers = args.trust.iter().cloned().collect();
    if let Some(at) = &args.at {
        let instant = parse_date_time_stamp(at).map_err(|e| anyhow::anyhow!("--at: {e}"))?;
        verifier.clock = Arc::new(FixedClock(instant));
    }
    let mut schemas = LocalSchemas::new();
    for entry in &args.schema {
        let (id, file) = entry.split_once('=').context("--schema takes ID=FILE")?;
        schemas.insert(id, read_json_file(Path::new(file))?);
    }
    if args.fetch {
        let fetcher = kith_did::fetch::BoundedFetcher::new(kith_did::fetch::FetchConfig {
            allow_http: args.network.allow_http,
            allow_private_addresses: args.network.allow_private_addresses,
            timeout: Duration::from_secs(args.network.timeout),
            ..kith_did::fetch::FetchConfig::default()
        })?;
        verifier.related_resources = Some(fetcher.clone());
        verifier.schemas = Arc::new(kith_vc::schema::FetchedSchemas::new(fetcher, schemas));
    } else {
        verifier.schemas = Arc::new(schemas);
    }
    if let Some(path) = &args.trust_list {
        let anchor = args.trust_list_issuer.as_deref();
        let list = runtime()?.block_on(load_trust_list(path, anchor, &verifier))?;
        list.apply_to(&mut verifier.policy);
    }
    Ok(verifier)
}

/// Reads a trust list: a plain file, or a `TrustListCredential` signed by `anchor` and
/// verified with `verifier` (whose issuer policy does not apply to it).
pub(crate) async fn load_trust_list(
    path: &Path,
    anchor: Option<&str>,
    verifier: &Verifier,
) -> anyhow::Result<TrustList> {
    let text = read_input(Some(path))?;
    let list = match anchor {
        None => TrustList::parse(text.as_bytes()),
        Some(anchor) => TrustList::from_signed(&text, anchor, verifier).await,
    };
    list.with_context(|| format!("trust list {}", path.display()))
}

pub(crate) fn print_report(report: &Report) -> anyhow::Result<Outcome> {
    output::print_json(&serde_json::to_value(report)?)?;
    Ok(if report.verified {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

/// Reads a file (or stdin for `-` / none), refusing more than the pipeline accepts.
pub(crate) fn read_input(path: Option<&Path>) -> anyhow::Result<String> {
    let limit = kith_vc::MAX_INPUT_LEN as u64;
    let mut text = String::new();
    match path {
        None => std::io::stdin().take(limit + 1).read_to_string(&mut text)?,
        Some(p) if p == Path::new("-") => {
            std::io::stdin().take(limit + 1).read_to_string(&mut text)?
        }
        Some(p) => std::fs::File::open(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .take(limit + 1)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {}", p.display()))?,
    };
    Ok(text)
}

pub(crate) fn read_json_file(path: &Path) -> anyhow::Result<Value> {
    let text = read_input(Some(path))?;
    kith_vc::json::parse_str(&text)
        .with_context(|| format!("{} is not acceptable JSON", path.display()))
}
