//! `kith key`: key generation, and reading key files for the other commands.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use kith_crypto::{Jwk, KeyType, PrivateKey, PublicKey};

use crate::cli::{Alg, KeyCommand};
use crate::cmd::Outcome;
use crate::output;

pub(crate) fn run(cmd: KeyCommand, _json: bool) -> anyhow::Result<Outcome> {
    match cmd {
        KeyCommand::Generate(args) => {
            let key = PrivateKey::generate(key_type(args.alg))?;
            write_file(
                &args.out,
                key.to_jwk().to_json().as_bytes(),
                args.force,
                Readers::Owner,
            )?;
            output::print_json(&serde_json::to_value(key.public_key().to_jwk())?)?;
            Ok(Outcome::Ok)
        }
    }
}

fn key_type(alg: Alg) -> KeyType {
    match alg {
        Alg::Ed25519 => KeyType::Ed25519,
        Alg::X25519 => KeyType::X25519,
        Alg::P256 => KeyType::P256,
        Alg::P384 => KeyType::P384,
        Alg::Secp256k1 => KeyType::Secp256k1,
        Alg::Bls12381g2 => KeyType::Bls12381G2,
    }
}

/// Who may read a file Kith writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Readers {
    /// Only the owner (mode 0600): private keys.
    Owner,
    /// Anyone the umask allows: documents to publish.
    Everyone,
}

/// Writes `bytes` to `path`, refusing to replace an existing file unless `force`.
pub(crate) fn write_file(
    path: &Path,
    bytes: &[u8],
    force: bool,
    readers: Readers,
) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if readers == Readers::Owner {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        if path.exists() && !force {
            format!("{} exists; pass --force to overwrite it", path.display())
        } else {
            format!("cannot create {}", path.display())
        }
    })?;
    #[cfg(unix)]
    if readers == Readers::Owner {
        // An existing file overwritten with --force keeps its mode; tighten it.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a JWK file, refusing one larger than any JWK before reading it.
fn read_jwk_file(path: &Path) -> anyhow::Result<Jwk> {
    let size = fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if size > kith_crypto::MAX_JWK_LEN as u64 {
        anyhow::bail!(kith_crypto::Error::TooLarge {
            what: "key file",
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: kith_crypto::MAX_JWK_LEN,
        });
    }
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Jwk::from_json(&bytes).with_context(|| format!("{} is not a JWK", path.display()))
}

/// Reads the public key from a JWK file, private or public. A private JWK is checked
/// for consistency between `d` and its public members.
pub(crate) fn read_public_key(path: &Path) -> anyhow::Result<PublicKey> {
    let jwk = read_jwk_file(path)?;
    let key = if jwk.d.is_some() {
        PrivateKey::from_jwk(&jwk).map(|k| k.public_key())
    } else {
        PublicKey::from_jwk(&jwk)
    };
    key.with_context(|| format!("{} holds no usable key", path.display()))
}

/// Reads a private JWK file.
pub(crate) fn read_private_key(path: &Path) -> anyhow::Result<PrivateKey> {
    let jwk = read_jwk_file(path)?;
    PrivateKey::from_jwk(&jwk)
        .with_context(|| format!("{} holds no usable private key", path.display()))
}
