//! DIDs allowed to sign requests (RFC 9421 HTTP Message Signatures) and their scopes.
//! The server checks the signature against the DID's authentication keys; this table
//! only says which DIDs are let in and with what scopes.

use std::collections::BTreeSet;
use std::str::FromStr;

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::api_keys::Scope;
use crate::util::{from_ms, opt_from_ms, to_ms};
use crate::{Error, Store};

/// One registered request signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSigner {
    /// The DID whose authentication keys may sign requests.
    pub did: String,
    /// What its signed requests may do.
    pub scopes: BTreeSet<Scope>,
    /// When it was first added.
    pub created: OffsetDateTime,
    /// When it was last added or changed.
    pub updated: OffsetDateTime,
    /// When it was removed (then it authenticates nothing).
    pub removed: Option<OffsetDateTime>,
}

/// Repository of request signers; get one with [`Store::request_signers`].
#[derive(Debug, Clone, Copy)]
pub struct RequestSigners<'a> {
    store: &'a Store,
}

fn scopes_text(scopes: &BTreeSet<Scope>) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_scopes(text: &str, did: &str) -> Result<BTreeSet<Scope>, Error> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(Scope::from_str)
        .collect::<Result<_, _>>()
        .map_err(|_| Error::corrupt(format!("request signer {did} has an unknown scope")))
}

impl<'a> RequestSigners<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Adds `did` with `scopes`, or replaces the scopes of an existing (or removed) one.
    pub async fn add(
        &self,
        did: &str,
        scopes: &BTreeSet<Scope>,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        if scopes.is_empty() {
            return Err(Error::InvalidInput(
                "a request signer needs at least one scope".into(),
            ));
        }
        let _turn = self.store.write_turn().await;
        sqlx::query(
            "INSERT INTO request_signers (did, scopes, created_ms, updated_ms, removed_ms) \
             VALUES ($1, $2, $3, $3, NULL) ON CONFLICT (did) DO UPDATE \
             SET scopes = $2, updated_ms = $3, removed_ms = NULL",
        )
        .bind(did)
        .bind(scopes_text(scopes))
        .bind(to_ms(now))
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    /// Removes `did` (`not_found` if it was never added; removing twice keeps the first time).
    pub async fn remove(&self, did: &str, now: OffsetDateTime) -> Result<(), Error> {
        let _turn = self.store.write_turn().await;
        let done = sqlx::query(
            "UPDATE request_signers SET removed_ms = CASE \
             WHEN removed_ms IS NULL THEN $2 ELSE removed_ms END WHERE did = $1",
        )
        .bind(did)
        .bind(to_ms(now))
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("request signer {did}")));
        }
        Ok(())
    }

    /// The scopes of `did` if it may sign requests at `now`, else `None`.
    pub async fn scopes(
        &self,
        did: &str,
        now: OffsetDateTime,
    ) -> Result<Option<BTreeSet<Scope>>, Error> {
        let row: Option<(String, Option<i64>)> =
            sqlx::query_as("SELECT scopes, removed_ms FROM request_signers WHERE did = $1")
                .bind(did)
                .fetch_optional(self.store.pool())
                .await?;
        let Some((scopes, removed)) = row else {
            return Ok(None);
        };
        if removed.is_some_and(|r| r <= to_ms(now)) {
            return Ok(None);
        }
        parse_scopes(&scopes, did).map(Some)
    }

    /// Every signer ever added, oldest first (removed ones included).
    pub async fn list(&self) -> Result<Vec<RequestSigner>, Error> {
        let rows = sqlx::query(
            "SELECT did, scopes, created_ms, updated_ms, removed_ms FROM request_signers \
             ORDER BY created_ms, did",
        )
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(decode).collect()
    }
}

fn decode(row: &AnyRow) -> Result<RequestSigner, Error> {
    let did: String = row.try_get("did")?;
    let scopes: String = row.try_get("scopes")?;
    Ok(RequestSigner {
        scopes: parse_scopes(&scopes, &did)?,
        created: from_ms(row.try_get("created_ms")?, "request_signers.created_ms")?,
        updated: from_ms(row.try_get("updated_ms")?, "request_signers.updated_ms")?,
        removed: opt_from_ms(row.try_get("removed_ms")?, "request_signers.removed_ms")?,
        did,
    })
}
