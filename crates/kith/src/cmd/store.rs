//! Opening the store and its master key, shared by `kith serve` and `kith admin`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use kith_store::{MasterKey, Store};

use crate::cli::StorageArgs;

/// The default data directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "kith-data";

/// Opens the store named by `args` and finds its master key: `KITH_MASTER_KEY`,
/// else `KITH_MASTER_PASSPHRASE` (Argon2id with the store's salt), else the key file.
/// Fails when the key does not open the store's sealed records.
pub(crate) async fn open(args: &StorageArgs) -> anyhow::Result<(Store, MasterKey)> {
    let (store, default_key_file) = match &args.database_url {
        Some(url) => {
            let store = Store::open(url)
                .await
                .with_context(|| format!("cannot open the database at {}", redact_url(url)))?;
            (store, None)
        }
        None => {
            let dir = args
                .data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
            let store = Store::open_data_dir(&dir)
                .await
                .with_context(|| format!("cannot open the store in {}", dir.display()))?;
            (store, Some(dir.join("master.key")))
        }
    };
    let master = if let Ok(text) = std::env::var("KITH_MASTER_KEY") {
        MasterKey::from_base64url(text.trim()).context("KITH_MASTER_KEY")?
    } else if let Ok(passphrase) = std::env::var("KITH_MASTER_PASSPHRASE") {
        let salt = store
            .kdf_salt()
            .await
            .context("reading the key derivation salt")?;
        MasterKey::from_passphrase(passphrase.as_bytes(), &salt)
            .context("deriving the master key from KITH_MASTER_PASSPHRASE")?
    } else {
        let Some(path) = args.master_key_file.clone().or(default_key_file) else {
            bail!(
                "a PostgreSQL store needs a master key: set KITH_MASTER_KEY, KITH_MASTER_PASSPHRASE or --master-key-file"
            );
        };
        let (key, created) = MasterKey::load_or_create_file(&path)
            .with_context(|| format!("master key file {}", path.display()))?;
        if created {
            crate::cmd::serve::notice(&format!(
                "created master key file {} (0600); back it up: without it the issuer keys cannot be opened",
                path.display()
            ));
        }
        key
    };
    store
        .check_master_key(&master)
        .await
        .context("the master key does not open this store")?;
    Ok((store, master))
}

/// A database URL without its password, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unparseable URL)".to_owned(),
    }
}
