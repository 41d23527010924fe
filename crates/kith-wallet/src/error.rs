//! The one error type of the wallet, with stable machine codes.

use std::path::PathBuf;

/// Everything that can go wrong in the wallet. [`Error::code`] is stable; the message is
/// a sentence for people and never holds a secret (no passphrase, key or claim value).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `Wallet::create` found a wallet already in the directory.
    #[error("a wallet already exists in {0}")]
    WalletExists(PathBuf),
    /// The directory holds no wallet, or its header is not a wallet header.
    #[error("not a wallet: {0}")]
    NotAWallet(String),
    /// The header is a wallet header of a format version this build does not read.
    #[error("the wallet format version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u64),
    /// The passphrase does not unwrap the master key (or the header was edited).
    #[error("the passphrase is wrong")]
    WrongPassphrase,
    /// The passphrase cannot be used (it is empty).
    #[error("the passphrase is unusable: {0}")]
    InvalidPassphrase(&'static str),
    /// Another process (or another handle in this one) has the wallet unlocked.
    #[error("the wallet in {0} is in use by another unlocked handle")]
    WalletBusy(PathBuf),
    /// A record or the index failed authentication or does not decode: it was edited,
    /// truncated, or moved onto another record's name.
    #[error("a wallet record is corrupt: {0}")]
    CorruptRecord(String),
    /// No credential has this id.
    #[error("no credential has the id {0:?}")]
    UnknownCredential(String),
    /// No holder key has this id.
    #[error("no holder key has the id {0:?}")]
    UnknownKey(String),
    /// No presentation history entry has this id.
    #[error("no presentation history entry has the id {0:?}")]
    UnknownPresentation(String),
    /// A caller-supplied value is out of range or malformed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// kith-crypto refused a key operation.
    #[error("key error: {0}")]
    Key(#[from] kith_crypto::Error),
    /// A file or directory operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WalletExists(_) => "wallet_exists",
            Self::NotAWallet(_) => "not_a_wallet",
            Self::UnsupportedVersion(_) => "unsupported_wallet_version",
            Self::WrongPassphrase => "wrong_passphrase",
            Self::InvalidPassphrase(_) => "invalid_passphrase",
            Self::WalletBusy(_) => "wallet_busy",
            Self::CorruptRecord(_) => "corrupt_record",
            Self::UnknownCredential(_) => "unknown_credential",
            Self::UnknownKey(_) => "unknown_key",
            Self::UnknownPresentation(_) => "unknown_presentation",
            Self::InvalidInput(_) => "invalid_input",
            Self::Key(_) => "key_error",
            Self::Io { .. } => "io_error",
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
