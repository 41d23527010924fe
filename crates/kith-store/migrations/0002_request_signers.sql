-- DIDs allowed to authenticate requests with HTTP Message Signatures (RFC 9421), and
-- the scopes they get. A removed signer keeps its row (removed_ms) until added again.
CREATE TABLE request_signers (
    did        TEXT PRIMARY KEY,
    scopes     TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    removed_ms BIGINT
);
