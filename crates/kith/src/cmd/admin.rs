//! `kith admin`: API keys, request signers, issuer key rotation and the audit log,
//! directly on the store.

use std::collections::BTreeSet;

use anyhow::{Context as _, anyhow, bail};
use kith_crypto::KeyType;
use kith_server::duration::parse_duration;
use kith_store::Scope;
use serde_json::json;
use time::OffsetDateTime;

use crate::cli::{
    AdminCommand, AdminKeyCommand, ApiKeyCommand, AuditCommand, IssuerKeyType, SignerCommand,
};
use crate::cmd::Outcome;
use crate::cmd::did::runtime;
use crate::cmd::store;
use crate::output;

fn scopes(names: &[String]) -> anyhow::Result<BTreeSet<Scope>> {
    if names.is_empty() {
        bail!("give at least one scope: issue, verify, status, admin");
    }
    names
        .iter()
        .map(|n| {
            n.trim()
                .parse::<Scope>()
                .map_err(|_| anyhow!("scope {n:?} is not one of issue, verify, status, admin"))
        })
        .collect()
}

pub(crate) fn key_type(kind: IssuerKeyType) -> KeyType {
    match kind {
        IssuerKeyType::Ed25519 => KeyType::Ed25519,
        IssuerKeyType::P256 => KeyType::P256,
        IssuerKeyType::P384 => KeyType::P384,
    }
}

fn time_text(t: OffsetDateTime) -> String {
    kith_vc::datetime::format_date_time(t)
}

pub(crate) fn run(cmd: AdminCommand, json_output: bool) -> anyhow::Result<Outcome> {
    let rt = runtime()?;
    rt.block_on(async move {
        let now = OffsetDateTime::now_utc();
        match cmd {
            AdminCommand::ApiKey(ApiKeyCommand::Create(args)) => {
                let scopes = scopes(&args.scope)?;
                let expires = args
                    .expires
                    .as_deref()
                    .map(parse_duration)
                    .transpose()
                    .map_err(|e| anyhow!(e))?
                    .map(|d| now + d);
                let (store, master) = store::open(&args.storage).await?;
                let created = store
                    .api_keys(&master.pepper())
                    .create(&args.name, &scopes, expires, now)
                    .await?;
                store
                    .audit()
                    .append(&audit_event("cli", "api_key.create", &created.key.id), now)
                    .await?;
                // The key alone on the first line, so scripts can take it with `head -1`.
                output::print_line(&created.token)?;
                eprintln!(
                    "kith: API key {} ({}) with scopes {}; it is shown once, store it now",
                    created.key.id,
                    created.key.name,
                    args.scope.join(",")
                );
                Ok(Outcome::Ok)
            }
            AdminCommand::ApiKey(ApiKeyCommand::List(args)) => {
                let (store, master) = store::open(&args.storage).await?;
                let keys = store.api_keys(&master.pepper()).list().await?;
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "name": k.name,
                            "scopes": k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                            "created": time_text(k.created),
                            "expires": k.expires.map(time_text),
                            "revoked": k.revoked.map(time_text),
                            "lastUsed": k.last_used.map(time_text),
                        })
                    })
                    .collect();
                if json_output {
                    output::print_json(&json!(list))?;
                } else {
                    for k in &keys {
                        let state = if k.revoked.is_some() {
                            "revoked".to_owned()
                        } else if k.expires.is_some_and(|e| e <= now) {
                            "expired".to_owned()
                        } else {
                            k.expires
                                .map_or("active".to_owned(), |e| format!("active until {}", time_text(e)))
                        };
                        let scopes: Vec<_> = k.scopes.iter().map(|s| s.as_str()).collect();
                        output::print_line(&format!(
                            "{}  {:<24} {:<28} {}",
                            k.id,
                            k.name,
                            scopes.join(","),
                            state
                        ))?;
                    }
                }
                Ok(Outcome::Ok)
            }
            AdminCommand::ApiKey(ApiKeyCommand::Revoke(args)) => {
                let (store, master) = store::open(&args.storage).await?;
                store
                    .api_keys(&master.pepper())
                    .revoke(&args.id, now)
                    .await
                    .with_context(|| format!("revoking API key {}", args.id))?;
                store
                    .audit()
                    .append(&audit_event("cli", "api_key.revoke", &args.id), now)
                    .await?;
                eprintln!("kith: API key {} revoked (running servers stop accepting it within 5 s)", args.id);
                Ok(Outcome::Ok)
            }
            AdminCommand::ApiKey(ApiKeyCommand::Rotate(args)) => {
                let overlap = parse_duration(&args.overlap).map_err(|e| anyhow!(e))?;
                let (store, master) = store::open(&args.storage).await?;
                let created = store
                    .api_keys(&master.pepper())
                    .rotate(&args.id, overlap, now)
                    .await
                    .with_context(|| format!("rotating API key {}", args.id))?;
                store
                    .audit()
                    .append(&audit_event("cli", "api_key.rotate", &args.id), now)
                    .await?;
                output::print_line(&created.token)?;
                eprintln!(
                    "kith: new API key {} replaces {}, which keeps working for {}",
                    created.key.id, args.id, args.overlap
                );
                Ok(Outcome::Ok)
            }
            AdminCommand::Signer(SignerCommand::Add(args)) => {
                let scopes = scopes(&args.scope)?;
                kith_did::Did::parse(&args.did).map_err(|e| anyhow!("{}: {e}", args.did))?;
                let (store, _) = store::open(&args.storage).await?;
                store.request_signers().add(&args.did, &scopes, now).await?;
                store
                    .audit()
                    .append(&audit_event("cli", "signer.add", &args.did), now)
                    .await?;
                eprintln!("kith: {} may sign requests with scopes {}", args.did, args.scope.join(","));
                Ok(Outcome::Ok)
            }
            AdminCommand::Signer(SignerCommand::Remove(args)) => {
                let (store, _) = store::open(&args.storage).await?;
                store.request_signers().remove(&args.did, now).await?;
                store
                    .audit()
                    .append(&audit_event("cli", "signer.remove", &args.did), now)
                    .await?;
                eprintln!("kith: {} may no longer sign requests", args.did);
                Ok(Outcome::Ok)
            }
            AdminCommand::Key(AdminKeyCommand::Rotate(args)) => {
                let public_url = url::Url::parse(&args.public_url)
                    .with_context(|| format!("--public-url {:?}", args.public_url))?;
                let (store, master) = store::open(&args.storage).await?;
                let stored = kith_server::issuer::rotate_key(&store, &master, &public_url, key_type(args.key_type))
                    .await
                    .map_err(|p| anyhow!("{} ({})", p.detail, p.code))?;
                store
                    .audit()
                    .append(&audit_event("cli", "issuer_key.rotate", &stored.id), now)
                    .await?;
                if json_output {
                    output::print_json(&json!({"verificationMethod": stored.id}))?;
                } else {
                    output::print_line(&stored.id)?;
                }
                eprintln!("kith: new signing key {}; running servers use it within 10 s", stored.id);
                Ok(Outcome::Ok)
            }
            AdminCommand::Key(AdminKeyCommand::List(args)) => {
                let public_url = url::Url::parse(&args.public_url)
                    .with_context(|| format!("--public-url {:?}", args.public_url))?;
                let (store, _) = store::open(&args.storage).await?;
                let did = kith_server::issuer::issuer_did(&store, &public_url)
                    .await
                    .map_err(|p| anyhow!("{} ({})", p.detail, p.code))?;
                let keys = store.keys().list(did.as_str()).await?;
                let list: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "type": k.key_type.name(),
                            "created": time_text(k.created),
                            "retired": k.retired.map(time_text),
                            "active": k.active,
                        })
                    })
                    .collect();
                if json_output {
                    output::print_json(&json!(list))?;
                } else {
                    for k in &keys {
                        let state = match (k.active, k.retired) {
                            (true, _) => "active (signs new credentials)".to_owned(),
                            (false, Some(at)) => format!("retired {}", time_text(at)),
                            (false, None) => "verifies older credentials".to_owned(),
                        };
                        output::print_line(&format!("{}  {}  {}", k.id, k.key_type.name(), state))?;
                    }
                }
                Ok(Outcome::Ok)
            }
            AdminCommand::Key(AdminKeyCommand::Retire(args)) => {
                let (store, _) = store::open(&args.storage).await?;
                let key = store
                    .keys()
                    .get(&args.id)
                    .await?
                    .ok_or_else(|| anyhow!("no issuer key {:?}", args.id))?;
                if key.active {
                    bail!("{} is the active signing key; rotate first (kith admin key rotate)", args.id);
                }
                store.keys().retire(&args.id, now).await?;
                store
                    .audit()
                    .append(&audit_event("cli", "issuer_key.retire", &args.id), now)
                    .await?;
                eprintln!(
                    "kith: {} retired; running servers drop it from the DID document within 10 s",
                    args.id
                );
                Ok(Outcome::Ok)
            }
            AdminCommand::Audit(AuditCommand::Verify(args)) => {
                let (store, _) = store::open(&args.storage).await?;
                match store.audit().verify().await? {
                    Ok(summary) => {
                        if json_output {
                            output::print_json(&json!({"intact": true, "entries": summary.entries, "head": summary.head}))?;
                        } else {
                            output::print_line(&format!(
                                "audit log intact: {} entries, head {}",
                                summary.entries, summary.head
                            ))?;
                        }
                        Ok(Outcome::Ok)
                    }
                    Err(violation) => {
                        if json_output {
                            output::print_json(&json!({"intact": false, "code": violation.code(), "detail": violation.to_string()}))?;
                        } else {
                            output::print_line(&format!("audit log NOT intact: {violation} ({})", violation.code()))?;
                        }
                        Ok(Outcome::Failed)
                    }
                }
            }
        }
    })
}

fn audit_event(actor: &str, action: &str, target: &str) -> kith_store::AuditEvent {
    kith_store::AuditEvent {
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        request_id: format!("cli-{}", std::process::id()),
        outcome: "ok".to_owned(),
    }
}
