//! `kith wallet`: the holder's encrypted wallet on the command line — credentials,
//! history, passphrase, encrypted backups and social recovery (Shamir shares to
//! guardians' did:key key agreement keys).
//!
//! Offers (`accept`) and requests (`present`) will join the same command group.

use std::fs;
use std::io::{BufRead as _, IsTerminal as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kith_crypto::{KeyType, PublicKey};
use kith_did::Did;
use kith_wallet::recovery::{self, Guardian, PlainShare, ShareFile};
use kith_wallet::{LockedWallet, Wallet};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::cli::{
    WalletArgs, WalletBackupCommand, WalletCommand, WalletRecoveryCommand, WalletRestoreArgs,
};
use crate::cmd::Outcome;
use crate::cmd::key::{Readers, read_private_key, read_public_key, write_file};
use crate::output;

/// The passphrase of an existing wallet, or of a new one.
const PASSPHRASE_ENV: &str = "KITH_WALLET_PASSPHRASE";
/// The new passphrase for `kith wallet passphrase`.
const NEW_PASSPHRASE_ENV: &str = "KITH_WALLET_NEW_PASSPHRASE";
/// Largest credential, backup and share file read (backups: kith_wallet's own cap).
const MAX_CREDENTIAL_FILE: u64 = 16 << 20;

pub(crate) fn run(args: WalletArgs, json: bool) -> anyhow::Result<Outcome> {
    run_inner(args, json)
}

fn run_inner(args: WalletArgs, json: bool) -> anyhow::Result<Outcome> {
    let dir = wallet_dir(args.wallet)?;
    match args.command {
        WalletCommand::Init => {
            let passphrase = new_passphrase(PASSPHRASE_ENV)?;
            Wallet::create(&dir, &passphrase)?;
            report(
                json,
                json!({"wallet": dir}),
                &format!("created {}", dir.display()),
            )
        }
        WalletCommand::Add(add) => {
            let raw = read_bounded(&add.file, MAX_CREDENTIAL_FILE)?;
            let raw = String::from_utf8(raw)
                .with_context(|| format!("{} is not UTF-8", add.file.display()))?;
            let mut wallet = unlock(&dir)?;
            let metadata = json!({"source": "file"});
            let id = wallet.add_credential(&add.format, raw.trim(), metadata)?;
            report(json, json!({"id": id}), &id)
        }
        WalletCommand::List => {
            let wallet = unlock(&dir)?;
            let credentials = wallet.credentials()?;
            if json {
                let list: Vec<Value> = credentials
                    .iter()
                    .map(|c| {
                        json!({"id": c.id, "format": c.format, "added_at": rfc3339(c.added_at),
                               "metadata": c.metadata})
                    })
                    .collect();
                output::print_json(&json!({ "credentials": list }))?;
            } else {
                for c in &credentials {
                    output::print_line(&format!(
                        "{}  {}  {}",
                        c.id,
                        c.format,
                        rfc3339(c.added_at)
                    ))?;
                }
            }
            Ok(Outcome::Ok)
        }
        WalletCommand::Show { id } => {
            let wallet = unlock(&dir)?;
            let c = wallet.credential(&id)?;
            if json {
                output::print_json(&json!({"id": c.id, "format": c.format, "raw": c.raw,
                    "metadata": c.metadata, "added_at": rfc3339(c.added_at)}))?;
            } else {
                output::print_line(&c.raw)?;
            }
            Ok(Outcome::Ok)
        }
        WalletCommand::Delete { id } => {
            let mut wallet = unlock(&dir)?;
            wallet.delete_credential(&id)?;
            report(json, json!({"deleted": id}), &format!("deleted {id}"))
        }
        WalletCommand::History => {
            let wallet = unlock(&dir)?;
            let entries: Vec<Value> = wallet
                .history()?
                .into_iter()
                .map(|h| {
                    json!({"id": h.id, "verifier": h.verifier, "claims_shared": h.claims_shared,
                           "credential_ids": h.credential_ids, "at": rfc3339(h.at)})
                })
                .collect();
            if json {
                output::print_json(&json!({ "history": entries }))?;
            } else {
                for e in &entries {
                    output::print_line(&format!(
                        "{}  {}  {}",
                        e["at"].as_str().unwrap_or_default(),
                        e["verifier"].as_str().unwrap_or_default(),
                        e["claims_shared"]
                    ))?;
                }
            }
            Ok(Outcome::Ok)
        }
        WalletCommand::Passphrase => {
            let locked = Wallet::open(&dir)?;
            let old = passphrase(PASSPHRASE_ENV, "Current passphrase: ")?;
            let mut wallet = locked.unlock(&old)?;
            let new = new_passphrase(NEW_PASSPHRASE_ENV)?;
            wallet.change_passphrase(&old, &new)?;
            report(json, json!({"wallet": dir}), "passphrase changed")
        }
        WalletCommand::Backup(WalletBackupCommand::Export(export)) => {
            let wallet = unlock(&dir)?;
            let (recipient, kid) = if export.to_recovery_key {
                let info = wallet
                    .recovery_info()
                    .ok_or(kith_wallet::Error::RecoveryNotConfigured)?;
                (info.public_key, None)
            } else {
                let to = export.to.as_deref().unwrap_or_default();
                recipient_key(to)?
            };
            let backup = wallet.export_backup(&recipient, kid.as_deref())?;
            write_file(&export.out, backup.as_bytes(), export.force, Readers::Owner)?;
            report(
                json,
                json!({"backup": export.out, "records": wallet.credentials()?.len()}),
                &format!("wrote {}", export.out.display()),
            )
        }
        WalletCommand::Backup(WalletBackupCommand::Import(import)) => {
            let key = read_private_key(&import.key)?;
            let backup = read_text(&import.backup, kith_wallet::backup::MAX_BACKUP_LEN as u64)?;
            let passphrase = new_passphrase(PASSPHRASE_ENV)?;
            let wallet = Wallet::import_backup(&dir, &backup, &key, &passphrase)?;
            let count = wallet.credentials()?.len();
            report(
                json,
                json!({"wallet": dir, "credentials": count}),
                &format!("restored {count} credentials into {}", dir.display()),
            )
        }
        WalletCommand::Recovery(WalletRecoveryCommand::Split(split)) => {
            let guardians = split
                .guardian
                .iter()
                .map(|did| guardian(did))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut wallet = unlock(&dir)?;
            let files = wallet.split_recovery(split.threshold, &guardians)?;
            fs::create_dir_all(&split.out)
                .with_context(|| format!("cannot create {}", split.out.display()))?;
            let mut written = Vec::new();
            for file in &files {
                let path = split.out.join(format!("share-{}.json", file.index));
                let mut text = file.to_json();
                text.push('\n');
                write_file(&path, text.as_bytes(), true, Readers::Everyone)?;
                written.push(json!({"index": file.index, "guardian": file.guardian, "file": path}));
            }
            let first = files
                .first()
                .map(|f| f.split_id.clone())
                .unwrap_or_default();
            if json {
                output::print_json(&json!({"split_id": first, "threshold": split.threshold,
                    "shares": written}))?;
            } else {
                for w in &written {
                    output::print_line(&format!(
                        "{}  {}",
                        w["file"].as_str().unwrap_or_default(),
                        w["guardian"].as_str().unwrap_or_default()
                    ))?;
                }
            }
            Ok(Outcome::Ok)
        }
        WalletCommand::Recovery(WalletRecoveryCommand::DecryptShare(args)) => {
            let key = read_private_key(&args.key)?;
            let share = ShareFile::from_json(&read_bounded(
                &args.share,
                recovery::MAX_SHARE_FILE_LEN as u64,
            )?)?;
            let plain = recovery::decrypt_share(&share, &key)?;
            let mut text = plain.to_json();
            text.push('\n');
            match &args.out {
                Some(out) => {
                    write_file(out, text.as_bytes(), false, Readers::Owner)?;
                    report(
                        json,
                        json!({"plain_share": out, "index": plain.index}),
                        &format!("wrote {}", out.display()),
                    )
                }
                None => {
                    output::print_line(text.trim_end())?;
                    Ok(Outcome::Ok)
                }
            }
        }
        WalletCommand::Recovery(WalletRecoveryCommand::Restore(args)) => restore(&dir, &args, json),
    }
}

fn restore(dir: &Path, args: &WalletRestoreArgs, json: bool) -> anyhow::Result<Outcome> {
    let shares = args
        .shares
        .iter()
        .map(|path| {
            let bytes = Zeroizing::new(read_bounded(path, recovery::MAX_SHARE_FILE_LEN as u64)?);
            PlainShare::from_json(&bytes).with_context(|| format!("{}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let backup = match &args.backup {
        Some(path) => Some(read_text(path, kith_wallet::backup::MAX_BACKUP_LEN as u64)?),
        None => {
            // Fail early, before asking for a passphrase, when there is nothing to open.
            Wallet::open(dir)?;
            None
        }
    };
    let passphrase = new_passphrase(PASSPHRASE_ENV)?;
    let wallet = match backup {
        Some(backup) => recovery::restore_from_backup(dir, &backup, &shares, &passphrase)?,
        None => recovery::restore(dir, &shares, &passphrase)?,
    };
    let count = wallet.credentials()?.len();
    report(
        json,
        json!({"wallet": dir, "credentials": count}),
        &format!("restored {}; the new passphrase is set", dir.display()),
    )
}

fn report(json: bool, value: Value, line: &str) -> anyhow::Result<Outcome> {
    if json {
        output::print_json(&value)?;
    } else {
        output::print_line(line)?;
    }
    Ok(Outcome::Ok)
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// --wallet / KITH_WALLET, else ~/.kith/wallet.
fn wallet_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("no --wallet, no KITH_WALLET and no HOME: name the wallet directory")?;
    Ok(PathBuf::from(home).join(".kith").join("wallet"))
}

fn unlock(dir: &Path) -> anyhow::Result<Wallet> {
    let locked: LockedWallet = Wallet::open(dir)?;
    let passphrase = passphrase(PASSPHRASE_ENV, "Wallet passphrase: ")?;
    Ok(locked.unlock(&passphrase)?)
}

/// A passphrase from `env`, else a prompt without echo on a terminal, else one line of
/// standard input (so scripts and tests can pipe it).
fn passphrase(env: &str, prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Some(value) = std::env::var_os(env) {
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("{env} is not UTF-8"))?;
        return Ok(Zeroizing::new(value));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(
            rpassword::prompt_password(prompt).context("cannot read the passphrase")?,
        ));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the passphrase from standard input")?;
    let trimmed = line.trim_end_matches(['\n', '\r']);
    Ok(Zeroizing::new(trimmed.to_owned()))
}

/// A new passphrase: from `env`, or asked twice on a terminal, or one line of stdin.
fn new_passphrase(env: &str) -> anyhow::Result<Zeroizing<String>> {
    if std::env::var_os(env).is_none() && std::io::stdin().is_terminal() {
        let first = passphrase(env, "New passphrase: ")?;
        let again = passphrase(env, "Repeat the new passphrase: ")?;
        anyhow::ensure!(*first == *again, "the two passphrases differ");
        return Ok(first);
    }
    passphrase(env, "New passphrase: ")
}

fn read_bounded(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let size = fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= max,
        "{} is {size} bytes, over the {max}-byte limit",
        path.display()
    );
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_text(path: &Path, max: u64) -> anyhow::Result<String> {
    String::from_utf8(read_bounded(path, max)?)
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

/// The key agreement key of a did:key (an Ed25519 key's X25519 form) and its DID URL.
fn did_key_agreement(did: &str) -> anyhow::Result<(PublicKey, String)> {
    let parsed = Did::parse(did)?;
    anyhow::ensure!(
        parsed.method() == "key",
        "{did}: only did:key guardians and recipients can be resolved offline"
    );
    let key = kith_did::method::key::decode(&parsed)?;
    let agreement = match key.key_type() {
        KeyType::Ed25519 => key.to_x25519().context("Ed25519 converts to X25519")?,
        _ => key.clone(),
    };
    // did:key documents name the keyAgreement method by its own Multikey.
    let kid = format!("{did}#{}", agreement.to_multikey());
    Ok((key, kid))
}

fn guardian(did: &str) -> anyhow::Result<Guardian> {
    let (key, kid) = did_key_agreement(did)?;
    Ok(Guardian {
        did: did.to_owned(),
        key,
        kid: Some(kid),
    })
}

/// `--to`: a did:key, or a JWK file.
fn recipient_key(to: &str) -> anyhow::Result<(PublicKey, Option<String>)> {
    if to.starts_with("did:") {
        let (key, kid) = did_key_agreement(to)?;
        return Ok((key, Some(kid)));
    }
    Ok((read_public_key(Path::new(to))?, None))
}
