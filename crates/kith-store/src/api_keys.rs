//! API keys: prefixed, high-entropy, scoped, expiring, rotatable with overlap, revocable.
//!
//! A token is `kith_<id>_<secret>`: `id` is 16 random bytes and `secret` 32 random bytes,
//! both lowercase hex, so the three parts split unambiguously on `_`. Only
//! HMAC-SHA256(pepper, token) is stored; authentication compares HMACs in constant time.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sqlx::Row;
use sqlx::any::AnyRow;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::seal::Pepper;
use crate::util::{b64_decode, b64_encode, duration_ms, from_ms, opt_from_ms, random_hex, to_ms};
use crate::{Error, Store};

/// Token prefix: lets secret scanners and people recognise a Kith API key.
pub const TOKEN_PREFIX: &str = "kith_";
const ID_HEX_LEN: usize = 32;
const SECRET_HEX_LEN: usize = 64;

/// What an API key may do.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Scope {
    /// Issue credentials.
    Issue,
    /// Verify credentials and presentations.
    Verify,
    /// Change credential status (revoke, suspend).
    Status,
    /// Everything, including managing API keys and signing keys.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Scope::Issue, Scope::Verify, Scope::Status, Scope::Admin];

    /// `"issue"`, `"verify"`, `"status"` or `"admin"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Verify => "verify",
            Self::Status => "status",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown scope {s:?} (expected issue, verify, status or admin)"
                ))
            })
    }
}

/// An API key as stored (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The public id (the middle part of the token).
    pub id: String,
    /// A label for people.
    pub name: String,
    /// What it may do.
    pub scopes: BTreeSet<Scope>,
    /// When it was created.
    pub created: OffsetDateTime,
    /// When it stops working, if ever.
    pub expires: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked: Option<OffsetDateTime>,
    /// When it last authenticated a request (see [`ApiKeys::touch`]).
    pub last_used: Option<OffsetDateTime>,
    /// The id of the key this one replaced through [`ApiKeys::rotate`].
    pub rotated_from: Option<String>,
}

impl ApiKey {
    /// Whether the key grants `scope`; `admin` grants every scope.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }
}

/// A freshly created key with its token, which is shown once and never stored.
#[derive(Debug)]
pub struct NewApiKey {
    /// `kith_<id>_<secret>`.
    pub token: Zeroizing<String>,
    /// The stored key.
    pub key: ApiKey,
}

/// Why a token did not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// Not of the form `kith_<id>_<secret>`.
    Malformed,
    /// No key has this id, or the secret is wrong.
    Unknown,
    /// The key expired.
    Expired,
    /// The key was revoked.
    Revoked,
}

impl AuthFailure {
    /// `invalid_api_key`, `unknown_api_key`, `api_key_expired` or `api_key_revoked`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "invalid_api_key",
            Self::Unknown => "unknown_api_key",
            Self::Expired => "api_key_expired",
            Self::Revoked => "api_key_revoked",
        }
    }

    /// A sentence for the response body.
    pub fn message(self) -> &'static str {
        match self {
            Self::Malformed => "the API key is not of the form kith_<id>_<secret>",
            Self::Unknown => "the API key is not known",
            Self::Expired => "the API key has expired",
            Self::Revoked => "the API key has been revoked",
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Repository of API keys; get one with [`Store::api_keys`].
#[derive(Debug, Clone)]
pub struct ApiKeys<'a> {
    store: &'a Store,
    pepper: Pepper,
}

const COLUMNS: &str =
    "id, name, scopes, token_mac, created_ms, expires_ms, revoked_ms, last_used_ms, rotated_from";

/// Splits a token into its id, checking the whole shape first.
fn parse_token(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let lower_hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    (lower_hex(id, ID_HEX_LEN) && lower_hex(secret, SECRET_HEX_LEN)).then_some(id)
}

fn scopes_text(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(store: &'a Store, pepper: Pepper) -> Self {
        Self { store, pepper }
    }

    fn mac(&self, token: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.pepper.0.as_slice())
            .expect("HMAC takes keys of any length");
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Creates a key; its token is in the result and nowhere else.
    pub async fn create(
        &self,
        name: &str,
        scopes: &BTreeSet<Scope>,
        expires: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<NewApiKey, Error> {
        let mut tx = self.store.begin_write().await?;
        let new = self
            .insert(&mut tx, name, scopes, expires, None, now)
            .await?;
        tx.commit().await?;
        Ok(new)
    }

    async fn insert(
        &self,
        tx: &mut crate::db::WriteTx,
        name: &str,
        scopes: &BTreeSet<Scope>,
        expires: Option<OffsetDateTime>,
        rotated_from: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<NewApiKey, Error> {
        if scopes.is_empty() {
            return Err(Error::InvalidInput(
                "an API key needs at least one scope".into(),
            ));
        }
        let id = random_hex(ID_HEX_LEN / 2);
        let token = Zeroizing::new(format!(
            "{TOKEN_PREFIX}{id}_{}",
            Zeroizing::new(random_hex(SECRET_HEX_LEN / 2)).as_str()
        ));
        let mac = b64_encode(&self.mac(&token));
        // A 128-bit random id cannot collide in practice; the primary key refuses it if it does.
        sqlx::query(
            "INSERT INTO api_keys (id, name, scopes, token_mac, created_ms, expires_ms, \
             revoked_ms, last_used_ms, rotated_from) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7)",
        )
        .bind(&id)
        .bind(name)
        .bind(scopes_text(scopes))
        .bind(mac)
        .bind(to_ms(now))
        .bind(expires.map(to_ms))
        .bind(rotated_from)
        .execute(&mut **tx)
        .await?;
        let created = from_ms(to_ms(now), "created_ms")?;
        let expires = opt_from_ms(expires.map(to_ms), "expires_ms")?;
        Ok(NewApiKey {
            token,
            key: ApiKey {
                id,
                name: name.to_owned(),
                scopes: scopes.clone(),
                created,
                expires,
                revoked: None,
                last_used: None,
                rotated_from: rotated_from.map(str::to_owned),
            },
        })
    }

    /// Checks a presented token. The outer error is a database problem; the inner one says
    /// why the token is refused. A wrong secret looks exactly like an unknown id.
    pub async fn authenticate(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Result<ApiKey, AuthFailure>, Error> {
        let Some(id) = parse_token(token) else {
            return Ok(Err(AuthFailure::Malformed));
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Err(AuthFailure::Unknown));
        };
        let stored: String = row.try_get("token_mac")?;
        let stored =
            b64_decode(&stored).map_err(|_| Error::corrupt("an API key HMAC is not base64url"))?;
        let presented = self.mac(token);
        if !bool::from(presented.as_slice().ct_eq(stored.as_slice())) {
            return Ok(Err(AuthFailure::Unknown));
        }
        let key = decode(&row)?;
        if key.revoked.is_some() {
            return Ok(Err(AuthFailure::Revoked));
        }
        if key.expires.is_some_and(|expires| now >= expires) {
            return Ok(Err(AuthFailure::Expired));
        }
        Ok(Ok(key))
    }

    /// Records that `id` was used at `now` (never moves `last_used` backwards).
    pub async fn touch(&self, id: &str, now: OffsetDateTime) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        let done = sqlx::query(
            "UPDATE api_keys SET last_used_ms = CASE \
             WHEN last_used_ms IS NULL OR last_used_ms < $2 THEN $2 ELSE last_used_ms END \
             WHERE id = $1",
        )
        .bind(id)
        .bind(to_ms(now))
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("API key {id}")));
        }
        Ok(())
    }

    /// Revokes `id` (`not_found` if unknown; revoking twice keeps the first time).
    pub async fn revoke(&self, id: &str, now: OffsetDateTime) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_ms = CASE \
             WHEN revoked_ms IS NULL THEN $2 ELSE revoked_ms END WHERE id = $1",
        )
        .bind(id)
        .bind(to_ms(now))
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("API key {id}")));
        }
        Ok(())
    }

    /// Replaces `id` with a new key of the same name and scopes. The old key keeps working
    /// until `now + overlap` (or its own earlier expiry). The new key gets the same
    /// lifetime the old one had (`expires - created`), or none if the old had none.
    /// A revoked key cannot be rotated (`conflict`).
    pub async fn rotate(
        &self,
        id: &str,
        overlap: Duration,
        now: OffsetDateTime,
    ) -> Result<NewApiKey, Error> {
        let mut tx = self.store.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("API key {id}")))?;
        let old = decode(&row)?;
        if old.revoked.is_some() {
            return Err(Error::Conflict(format!("API key {id} is revoked")));
        }
        let now_ms = to_ms(now);
        let overlap_end = now_ms.saturating_add(duration_ms(overlap));
        let old_expires = old
            .expires
            .map(to_ms)
            .map_or(overlap_end, |e| e.min(overlap_end));
        // Only the first of two concurrent rotations wins: the second sees a changed row.
        let done = sqlx::query(
            "UPDATE api_keys SET expires_ms = $2 WHERE id = $1 AND revoked_ms IS NULL \
             AND ((expires_ms IS NULL AND $3 = 0) OR expires_ms = $4)",
        )
        .bind(id)
        .bind(old_expires)
        .bind(i64::from(old.expires.is_some()))
        .bind(old.expires.map_or(0, to_ms))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(Error::Conflict(format!(
                "API key {id} changed during rotation"
            )));
        }
        let lifetime = old
            .expires
            .map(|e| to_ms(e).saturating_sub(to_ms(old.created)).max(0));
        let new_expires = lifetime
            .map(|ms| from_ms(now_ms.saturating_add(ms), "expires_ms"))
            .transpose()?;
        let new = self
            .insert(&mut tx, &old.name, &old.scopes, new_expires, Some(id), now)
            .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Every key, oldest first.
    pub async fn list(&self) -> Result<Vec<ApiKey>, Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys ORDER BY created_ms, id"
        )))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(decode).collect()
    }

    /// One key by id.
    pub async fn get(&self, id: &str) -> Result<Option<ApiKey>, Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(decode).transpose()
    }

    /// How many keys exist (revoked and expired ones included); 0 means first start.
    pub async fn count(&self) -> Result<u64, Error> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
            .fetch_one(self.store.pool())
            .await?;
        crate::util::to_u64(n, "the API key count")
    }
}

fn decode(row: &AnyRow) -> Result<ApiKey, Error> {
    let id: String = row.try_get("id")?;
    let scopes_text: String = row.try_get("scopes")?;
    let scopes = scopes_text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Scope::from_str)
        .collect::<Result<BTreeSet<_>, _>>()
        .map_err(|_| Error::corrupt(format!("API key {id} has an unknown scope")))?;
    Ok(ApiKey {
        name: row.try_get("name")?,
        scopes,
        created: from_ms(row.try_get("created_ms")?, "api_keys.created_ms")?,
        expires: opt_from_ms(row.try_get("expires_ms")?, "api_keys.expires_ms")?,
        revoked: opt_from_ms(row.try_get("revoked_ms")?, "api_keys.revoked_ms")?,
        last_used: opt_from_ms(row.try_get("last_used_ms")?, "api_keys.last_used_ms")?,
        rotated_from: row.try_get("rotated_from")?,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_parsing_is_strict() {
        let id = "0123456789abcdef0123456789abcdef";
        let secret = "ab".repeat(32);
        assert_eq!(parse_token(&format!("kith_{id}_{secret}")), Some(id));
        assert_eq!(parse_token(&format!("kith_{id}_{secret}0")), None);
        assert_eq!(
            parse_token(&format!("kith_{id}_{}", secret.to_uppercase())),
            None
        );
        assert_eq!(parse_token(&format!("kith_{id}{secret}")), None);
        assert_eq!(parse_token(&format!("kith_{id}_{secret}_x")), None);
        assert_eq!(parse_token(&format!("kit_{id}_{secret}")), None);
        assert_eq!(parse_token(""), None);
    }
}
