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
    /// The backup is not for this key: it was encrypted to another recipient.
    #[error("the backup was encrypted to another key")]
    BackupWrongRecipient,
    /// The backup was made for this key but does not authenticate: it was edited or
    /// truncated.
    #[error("the backup was altered (authentication failed)")]
    BackupTampered,
    /// The backup is not a Kith wallet backup, or its contents do not decode.
    #[error("not a valid wallet backup: {0}")]
    InvalidBackup(String),
    /// The wallet has no recovery slot (no `recovery split` was made).
    #[error("social recovery is not set up for this wallet")]
    RecoveryNotConfigured,
    /// A share file (encrypted or plain) is malformed.
    #[error("invalid recovery share: {0}")]
    InvalidShare(String),
    /// The shares come from different splits, or from a split other than the wallet's
    /// current one (a newer split replaced it).
    #[error("the recovery shares come from different splits: {0}")]
    ShareSplitMismatch(String),
    /// Two shares have the same index.
    #[error("two recovery shares have the index {0}")]
    DuplicateShareIndex(u8),
    /// Fewer shares than the split's threshold.
    #[error("{have} recovery shares given; the split needs {need}")]
    NotEnoughShares {
        /// Shares given.
        have: usize,
        /// The threshold.
        need: u8,
    },
    /// The guardian key is not the one the share was encrypted to.
    #[error("this key is not the guardian key the share was encrypted to")]
    WrongGuardianKey,
    /// The encrypted share was made for this guardian key but does not authenticate, or
    /// its visible fields disagree with its encrypted ones.
    #[error("the recovery share was altered")]
    ShareTampered,
    /// The shares combine to a secret that does not open the recovery slot (a share
    /// value was altered).
    #[error("the recovery shares do not open this wallet")]
    WrongRecoverySecret,
    /// Recovery split parameters are unusable (threshold, guardian list, guardian keys).
    #[error("invalid recovery setup: {0}")]
    InvalidRecoverySetup(String),
    /// A JWE operation failed unexpectedly (see the inner code).
    #[error("JWE: {0}")]
    Jwe(#[from] kith_crypto::jwe::JweError),
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
            Self::BackupWrongRecipient => "backup_wrong_recipient",
            Self::BackupTampered => "backup_tampered",
            Self::InvalidBackup(_) => "invalid_backup",
            Self::RecoveryNotConfigured => "recovery_not_configured",
            Self::InvalidShare(_) => "invalid_share",
            Self::ShareSplitMismatch(_) => "share_split_mismatch",
            Self::DuplicateShareIndex(_) => "duplicate_share_index",
            Self::NotEnoughShares { .. } => "not_enough_shares",
            Self::WrongGuardianKey => "wrong_guardian_key",
            Self::ShareTampered => "share_tampered",
            Self::WrongRecoverySecret => "wrong_recovery_secret",
            Self::InvalidRecoverySetup(_) => "invalid_recovery_setup",
            Self::Jwe(e) => e.code(),
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
