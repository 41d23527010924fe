//! The one error type of the store, with stable machine codes.

use std::path::PathBuf;

/// Everything that can go wrong in the store. [`Error::code`] is stable; the message is a
/// sentence for people and never holds a secret (no key material, tokens or passwords).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database cannot be reached right now (connection refused, I/O, pool timeout,
    /// busy or locked past the timeout). Servers answer 503 and may retry.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database rejected a statement for a reason that retrying will not fix.
    #[error("the database reported an error: {0}")]
    Database(String),
    /// The schema migrations could not be applied.
    #[error("the database schema could not be migrated: {0}")]
    Migration(String),
    /// The database URL is neither `sqlite:` nor `postgres:`, or does not parse.
    #[error("the database URL is not usable: {0}")]
    InvalidUrl(String),
    /// The named record does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// A uniqueness rule of the database refused the change.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A caller-supplied value is out of range or malformed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A sealed record failed authentication: it was tampered with, bound to another
    /// record, or sealed under another master key.
    #[error("a sealed record could not be decrypted (tampered, moved, or another master key)")]
    DecryptionFailed,
    /// A sealed record's text is not in the `v1.` format.
    #[error("a sealed record is malformed: {0}")]
    InvalidSealed(&'static str),
    /// The master key is not the one this database was first opened with.
    #[error("the master key does not match the one this database was initialised with")]
    WrongMasterKey,
    /// The master key text or passphrase parameters are unusable.
    #[error("the master key is invalid: {0}")]
    InvalidMasterKey(&'static str),
    /// The master key file can be read by group or others.
    #[error(
        "the key file {path} has mode {mode:o}; it must not be readable by group or others (chmod 600)"
    )]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A file or directory operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A value read back from the database cannot be decoded (corrupt or edited row).
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    /// A key stored or handed in was refused by kith-crypto.
    #[error("key error: {0}")]
    Key(#[from] kith_crypto::Error),
}

impl Error {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "database_unavailable",
            Self::Database(_) => "database_error",
            Self::Migration(_) => "migration_failed",
            Self::InvalidUrl(_) => "invalid_database_url",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::InvalidInput(_) => "invalid_input",
            Self::DecryptionFailed => "decryption_failed",
            Self::InvalidSealed(_) => "invalid_sealed_record",
            Self::WrongMasterKey => "wrong_master_key",
            Self::InvalidMasterKey(_) => "invalid_master_key",
            Self::KeyFilePermissions { .. } => "key_file_permissions",
            Self::Io { .. } => "io_error",
            Self::Corrupt(_) => "corrupt_record",
            Self::Key(e) => e.code(),
        }
    }

    /// True when the database could not be reached: the caller may retry later
    /// (HTTP 503), nothing is wrong with the request itself.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt(what.into())
    }
}

/// SQLite primary result codes that mean "try again later" rather than "bad statement".
const SQLITE_UNAVAILABLE: &[i64] = &[
    5,  // SQLITE_BUSY: busy_timeout elapsed
    6,  // SQLITE_LOCKED
    7,  // SQLITE_NOMEM
    10, // SQLITE_IOERR
    13, // SQLITE_FULL
    14, // SQLITE_CANTOPEN
    15, // SQLITE_PROTOCOL
];

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match error {
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
                Self::Unavailable(error.to_string())
            }
            E::Protocol(_) => Self::Unavailable(error.to_string()),
            E::Configuration(_) => Self::InvalidUrl(error.to_string()),
            E::RowNotFound => Self::NotFound("the row".into()),
            E::ColumnDecode { .. } | E::Decode(_) => Self::Corrupt(error.to_string()),
            E::Database(ref db) => {
                if database_error_unavailable(db.as_ref()) {
                    Self::Unavailable(db.message().to_owned())
                } else if db.is_unique_violation() {
                    Self::Conflict(db.message().to_owned())
                } else {
                    Self::Database(db.message().to_owned())
                }
            }
            other => Self::Database(other.to_string()),
        }
    }
}

fn database_error_unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = pg.code();
        // SQLSTATE 08 connection exception, 53 insufficient resources, 57P0x shutdown,
        // 40001/40P01 serialization failure and deadlock (retry later).
        return code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57P0")
            || code == "40001"
            || code == "40P01";
    }
    if let Some(sqlite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
        let primary = sqlx::error::DatabaseError::code(sqlite)
            .and_then(|c| c.parse::<i64>().ok())
            .map(|c| c & 0xff);
        return primary.is_some_and(|c| SQLITE_UNAVAILABLE.contains(&c));
    }
    false
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        match error {
            sqlx::migrate::MigrateError::Execute(e)
            | sqlx::migrate::MigrateError::ExecuteMigration(e, _) => match Error::from(e) {
                unavailable @ Error::Unavailable(_) => unavailable,
                other => Self::Migration(other.to_string()),
            },
            other => Self::Migration(other.to_string()),
        }
    }
}
