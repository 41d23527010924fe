//! Issuer signing keys: public part in clear, private part only ever sealed.

use kith_crypto::{KeyType, PrivateKey, PublicKey};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::seal::{MasterKey, Sealed};
use crate::util::{from_ms, opt_from_ms, to_ms};
use crate::{Error, Store};

/// One issuer signing key as stored (without its private part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The verification method id, e.g. `did:web:example.com#key-1`.
    pub id: String,
    /// The DID that controls the key.
    pub controller: String,
    /// The key's type.
    pub key_type: KeyType,
    /// The public key.
    pub public_key: PublicKey,
    /// When it was stored.
    pub created: OffsetDateTime,
    /// When it was retired (kept for verifying old credentials, never signs again).
    pub retired: Option<OffsetDateTime>,
    /// Whether new credentials of `controller` are signed with it (at most one per controller).
    pub active: bool,
}

/// Repository of issuer signing keys; get one with [`Store::keys`].
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    store: &'a Store,
}

/// The sealed private key is bound to its verification method id.
fn aad(id: &str) -> Vec<u8> {
    format!("kith signing key v1\n{id}").into_bytes()
}

const COLUMNS: &str = "id, controller, key_type, public_key, created_ms, retired_ms, active";

impl<'a> Keys<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Stores `key` under the verification method `id`. With `active`, the controller's
    /// previous active key is deactivated in the same transaction (a unique index allows
    /// one active key per controller). An existing `id` gives `conflict`.
    pub async fn insert(
        &self,
        master: &MasterKey,
        id: &str,
        controller: &str,
        key: &PrivateKey,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<StoredKey, Error> {
        let public_key = key.public_key();
        let sealed = master.seal(&key.to_bytes(), &aad(id)).to_text();
        let mut tx = self.store.begin_write().await?;
        if active {
            sqlx::query("UPDATE signing_keys SET active = 0 WHERE controller = $1 AND active = 1")
                .bind(controller)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO signing_keys \
             (id, controller, key_type, public_key, sealed_private, created_ms, retired_ms, active) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
        )
        .bind(id)
        .bind(controller)
        .bind(key.key_type().name())
        .bind(public_key.to_multikey())
        .bind(sealed)
        .bind(to_ms(now))
        .bind(i32::from(active))
        .execute(&mut *tx)
        .await
        .map_err(|e| match Error::from(e) {
            Error::Conflict(_) => Error::Conflict(format!(
                "a signing key with id {id} exists, or another active key was stored concurrently"
            )),
            other => other,
        })?;
        tx.commit().await?;
        Ok(StoredKey {
            id: id.to_owned(),
            controller: controller.to_owned(),
            key_type: key.key_type(),
            public_key,
            created: from_ms(to_ms(now), "created_ms")?,
            retired: None,
            active,
        })
    }

    /// One key by verification method id.
    pub async fn get(&self, id: &str) -> Result<Option<StoredKey>, Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM signing_keys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Every key of `controller`, oldest first (retired ones included).
    pub async fn list(&self, controller: &str) -> Result<Vec<StoredKey>, Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM signing_keys WHERE controller = $1 ORDER BY created_ms, id"
        )))
        .bind(controller)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// The key new credentials of `controller` are signed with.
    pub async fn active(&self, controller: &str) -> Result<Option<StoredKey>, Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM signing_keys WHERE controller = $1 AND active = 1"
        )))
        .bind(controller)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(decode).transpose()
    }

    /// Unseals the private key of `id` (`not_found`, `decryption_failed` with another
    /// master key, `corrupt_record` if it does not match the stored public key).
    pub async fn private_key(&self, master: &MasterKey, id: &str) -> Result<PrivateKey, Error> {
        let row = sqlx::query(
            "SELECT key_type, public_key, sealed_private FROM signing_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?
        .ok_or_else(|| Error::NotFound(format!("signing key {id}")))?;
        let key_type: String = row.try_get("key_type")?;
        let key_type: KeyType = key_type
            .parse()
            .map_err(|_| Error::corrupt(format!("signing key {id} has an unknown key type")))?;
        let public: String = row.try_get("public_key")?;
        let sealed: String = row.try_get("sealed_private")?;
        let secret = master.open(&Sealed::from_text(&sealed)?, &aad(id))?;
        let key = PrivateKey::from_bytes(key_type, &secret)
            .map_err(|_| Error::corrupt(format!("signing key {id} does not decode")))?;
        if key.public_key().to_multikey() != public {
            return Err(Error::corrupt(format!(
                "signing key {id} does not match its stored public key"
            )));
        }
        Ok(key)
    }

    /// Retires `id` at `at`: it stops being active but stays listed for verification.
    /// Retiring an already retired key keeps the first time; an unknown id is `not_found`.
    pub async fn retire(&self, id: &str, at: OffsetDateTime) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        let done = sqlx::query(
            "UPDATE signing_keys SET active = 0, \
             retired_ms = CASE WHEN retired_ms IS NULL THEN $2 ELSE retired_ms END \
             WHERE id = $1",
        )
        .bind(id)
        .bind(to_ms(at))
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("signing key {id}")));
        }
        Ok(())
    }
}

fn decode(row: &AnyRow) -> Result<StoredKey, Error> {
    let id: String = row.try_get("id")?;
    let key_type: String = row.try_get("key_type")?;
    let key_type: KeyType = key_type
        .parse()
        .map_err(|_| Error::corrupt(format!("signing key {id} has an unknown key type")))?;
    let public: String = row.try_get("public_key")?;
    let public_key = PublicKey::from_multikey(&public)
        .map_err(|_| Error::corrupt(format!("signing key {id} has an invalid public key")))?;
    if public_key.key_type() != key_type {
        return Err(Error::corrupt(format!(
            "signing key {id} has a public key of another type"
        )));
    }
    let active: i64 = row.try_get("active")?;
    Ok(StoredKey {
        controller: row.try_get("controller")?,
        key_type,
        public_key,
        created: from_ms(row.try_get("created_ms")?, "signing_keys.created_ms")?,
        retired: opt_from_ms(row.try_get("retired_ms")?, "signing_keys.retired_ms")?,
        active: active != 0,
        id,
    })
}
