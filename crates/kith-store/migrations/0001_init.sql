-- Kith store schema v1. One file for SQLite and PostgreSQL: only TEXT, BIGINT and
-- INTEGER columns (binary values as base64url or hex TEXT, instants as unix
-- milliseconds), so the same queries run on both through sqlx's Any driver.

-- Small settings: master key check value, KDF salt, instance id.
CREATE TABLE kith_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Issuer signing keys; the private key only ever as an envelope-sealed text.
CREATE TABLE signing_keys (
    id             TEXT PRIMARY KEY,
    controller     TEXT NOT NULL,
    key_type       TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    sealed_private TEXT NOT NULL,
    created_ms     BIGINT NOT NULL,
    retired_ms     BIGINT,
    active         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signing_keys_controller ON signing_keys (controller, created_ms);
-- At most one active key per controller, decided by the database.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (controller) WHERE active = 1;

-- API keys: only the HMAC of the token is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    token_mac    TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT,
    revoked_ms   BIGINT,
    last_used_ms BIGINT,
    rotated_from TEXT
);

-- Idempotency-Key records: the primary key makes concurrent begins race-safe.
CREATE TABLE idempotency (
    principal      TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    state          TEXT NOT NULL,
    status         BIGINT,
    body           TEXT,
    created_ms     BIGINT NOT NULL,
    expires_ms     BIGINT NOT NULL,
    lease_until_ms BIGINT NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_expires ON idempotency (expires_ms);

-- Bitstring Status Lists; one open list per purpose at a time.
CREATE TABLE status_lists (
    list_id    TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    capacity   BIGINT NOT NULL,
    allocated  BIGINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL DEFAULT 0,
    is_open    INTEGER NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX status_lists_one_open ON status_lists (purpose) WHERE is_open = 1;

-- Allocated indexes: the primary key means an index is never handed out twice.
CREATE TABLE status_entries (
    list_id       TEXT NOT NULL REFERENCES status_lists (list_id),
    idx           BIGINT NOT NULL,
    credential_id TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    value         INTEGER NOT NULL DEFAULT 0,
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (list_id, idx)
);
CREATE UNIQUE INDEX status_entries_credential ON status_entries (credential_id, purpose);
CREATE INDEX status_entries_set ON status_entries (list_id, value);

-- Credentials this issuer signed (no claim values, only a digest).
CREATE TABLE issued_credentials (
    credential_id TEXT PRIMARY KEY,
    format        TEXT NOT NULL,
    digest        TEXT NOT NULL,
    issued_ms     BIGINT NOT NULL
);

-- Append-only, hash-chained audit log; seq is decided by the primary key.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    time_ms    BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
