//! The command-line interface: every flag and its help text. Parsing does no I/O.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kith: self-sovereign identity in one binary.
///
/// Kith plays every role of the SSI trust triangle: it creates keys and
/// decentralized identifiers (DIDs), resolves DIDs to their documents, and
/// (in later releases) issues, holds and verifies credentials.
///
/// Exit codes: 0 success, 1 resolution or verification failed, 2 bad input
/// or usage.
#[derive(Debug, Parser)]
#[command(name = "kith", version, propagate_version = true, max_term_width = 79)]
#[command(after_help = "Every command has --help. `kith man` prints the manual page.")]
pub(crate) struct Cli {
    /// Print results and errors as JSON objects on stdout.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Generate keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Create, resolve and dereference decentralized identifiers.
    #[command(subcommand)]
    Did(DidCommand),
    /// Issue and verify verifiable credentials.
    #[command(subcommand)]
    Vc(VcCommand),
    /// Create and verify verifiable presentations.
    #[command(subcommand)]
    Vp(VpCommand),
    /// Run the issuer, verifier and status list services over HTTP(S).
    ///
    /// Serves the W3C CCG VC API (POST /credentials/issue, /credentials/verify,
    /// /presentations/verify, /credentials/status), signed Bitstring Status
    /// Lists at GET /status/{list}, the issuer's did:web document, the admin API,
    /// /healthz, /readyz, /metrics and /openapi.json.
    ///
    /// Storage is SQLite in --data-dir (default ./kith-data) or PostgreSQL with
    /// --database-url. The issuer's keys are sealed with a master key from
    /// KITH_MASTER_KEY (32 bytes, base64url), KITH_MASTER_PASSPHRASE (Argon2id),
    /// or a 0600 key file (default DATA_DIR/master.key, created on first start).
    /// The first start of a new store creates an admin API key and prints it,
    /// alone, on the first line of stdout: it is never shown again.
    ///
    /// Settings come from flags, then KITH_* environment variables, then the
    /// TOML --config file (keys are the flag names with '_' for '-', e.g.
    /// public_url = "https://issuer.example"), then defaults.
    ///
    /// Plain HTTP is served only on loopback addresses unless --insecure-http;
    /// give --tls-cert and --tls-key for HTTPS. SIGTERM drains in-flight
    /// requests before exiting.
    ///
    /// Logs go to stderr (--log-format text or json); KITH_LOG sets the filter
    /// (default info: refused and failed requests; debug: every request). Logs
    /// and the audit log never contain request bodies, keys or claim values.
    Serve(Box<ServeArgs>),
    /// Administer a store: API keys, request signers, issuer keys, audit log.
    ///
    /// Works directly on the store (the same --data-dir or --database-url and
    /// master key as `kith serve`); a running server picks changes up within
    /// seconds.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print a shell completion script.
    ///
    /// For example: kith completions bash >
    /// ~/.local/share/bash-completion/completions/kith
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    ///
    /// For example: kith man | man -l -
    Man,
}

/// Securing formats for credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CredentialFormat {
    /// VC-JOSE-COSE: a JWS over the credential (compact string).
    #[value(name = "vc+jwt")]
    VcJwt,
    /// SD-JWT VC with selectively disclosable claims (compact string).
    #[value(name = "dc+sd-jwt")]
    SdJwt,
    /// Data Integrity, EdDSA over JCS (JSON; Ed25519 keys).
    #[value(name = "eddsa-jcs-2022")]
    EddsaJcs2022,
    /// Data Integrity, ECDSA over JCS (JSON; P-256 or P-384 keys).
    #[value(name = "ecdsa-jcs-2019")]
    EcdsaJcs2019,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VcCommand {
    /// Sign a credential and print it secured in FORMAT.
    ///
    /// CREDENTIAL.json is a VCDM 2.0 credential; `issuer` and `validFrom` are
    /// filled in when absent. For dc+sd-jwt the credentialSubject's claims
    /// become SD-JWT VC claims (`vct` is the credential's most specific type)
    /// unless the file already holds SD-JWT VC claims (it has `vct`).
    Issue(VcIssueArgs),
    /// Verify a credential in any format and print the verification report.
    ///
    /// Exits 0 when verified, 1 when not.
    Verify(VcVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SignerArgs {
    /// The signing key: a private JWK file from `kith key generate`.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The verification method to name in the proof (a DID URL). Defaults to
    /// the key's method in a did:key or did:jwk DID, or DID#key-1 for did:web.
    #[arg(long, value_name = "DID_URL")]
    pub(crate) kid: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VcIssueArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The issuer DID. Defaults to the did:key of --key.
    #[arg(long, value_name = "DID")]
    pub(crate) issuer: Option<String>,
    /// The securing format.
    #[arg(long, value_enum)]
    pub(crate) format: CredentialFormat,
    /// A claim the holder may disclose or withhold (dc+sd-jwt), as a JSON
    /// pointer into CREDENTIAL.json, e.g. /credentialSubject/birthDate.
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) disclosable: Vec<String>,
    /// Decoy digests per disclosable object (dc+sd-jwt).
    #[arg(long, default_value_t = 0)]
    pub(crate) decoys: usize,
    /// The holder DID: the credential is bound to its key (dc+sd-jwt `cnf`)
    /// and names it as credentialSubject.id when that is absent.
    #[arg(long, value_name = "DID")]
    pub(crate) holder: Option<String>,
    /// The credential to sign (JSON).
    #[arg(value_name = "CREDENTIAL.json")]
    pub(crate) credential: PathBuf,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VerifierArgs {
    /// Trust only these issuers (repeatable). Without it, any issuer whose
    /// proof verifies is accepted.
    #[arg(long, value_name = "DID")]
    pub(crate) trust: Vec<String>,
    /// Trust the issuers a trust list names, each for its credential types
    /// (combines with --trust). A JSON file {"issuers": [{"id": DID, "types":
    /// [TYPE or "*"]}]}, or with --trust-list-issuer a TrustListCredential
    /// signed by that DID.
    #[arg(long, value_name = "FILE")]
    pub(crate) trust_list: Option<PathBuf>,
    /// The DID that must have signed --trust-list: the file is then a signed
    /// TrustListCredential, verified (signature, issuer, validity) before use.
    #[arg(long, value_name = "DID", requires = "trust_list")]
    pub(crate) trust_list_issuer: Option<String>,
    /// Verify as of this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Accepted clock difference, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub(crate) skew: u64,
    /// A JSON Schema for credentialSchema validation, as ID=FILE (repeatable).
    #[arg(long, value_name = "ID=FILE")]
    pub(crate) schema: Vec<String>,
    /// Fetch credential schemas not given with --schema, and fetch every
    /// relatedResource to check its digest (HTTPS, 5 s, 1 MiB, public addresses).
    #[arg(long)]
    pub(crate) fetch: bool,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VcVerifyArgs {
    #[command(flatten)]
    pub(crate) verifier: VerifierArgs,
    /// The secured credential; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VpCommand {
    /// Present credentials to a verifier, bound to its nonce and audience.
    ///
    /// The format follows the credentials: one dc+sd-jwt becomes an SD-JWT
    /// with a key-binding JWT disclosing only --disclose claims; vc+jwt
    /// credentials become a vp+jwt; Data Integrity credentials become a Data
    /// Integrity presentation with an authentication proof.
    Create(VpCreateArgs),
    /// Verify a presentation and every credential in it; print the report.
    ///
    /// Exits 0 when verified, 1 when not.
    Verify(VpVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VpCreateArgs {
    #[command(flatten)]
    pub(crate) signer: SignerArgs,
    /// The holder DID. Defaults to the did:key of --key.
    #[arg(long, value_name = "DID")]
    pub(crate) holder: Option<String>,
    /// The verifier's nonce.
    #[arg(long)]
    pub(crate) nonce: String,
    /// The verifier's identifier (audience / domain).
    #[arg(long, value_name = "AUDIENCE")]
    pub(crate) aud: String,
    /// A claim to disclose from a dc+sd-jwt credential (repeatable), as a JSON
    /// pointer, e.g. /credentialSubject/name or /name. Others stay hidden.
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) disclose: Vec<String>,
    /// The credentials, as issued.
    #[arg(value_name = "CREDENTIAL-FILE", required = true)]
    pub(crate) credentials: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct VpVerifyArgs {
    /// The nonce this verifier issued.
    #[arg(long)]
    pub(crate) nonce: String,
    /// This verifier's identifier (audience / domain).
    #[arg(long, value_name = "AUDIENCE")]
    pub(crate) aud: String,
    #[command(flatten)]
    pub(crate) verifier: VerifierArgs,
    /// The presentation; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Generate a key pair from the operating system's CSPRNG.
    ///
    /// Writes the private JWK to FILE (mode 0600, never overwritten unless
    /// --force) and prints the public JWK as JSON.
    Generate(KeyGenerateArgs),
}

/// Key algorithms, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Alg {
    /// Ed25519, for EdDSA signatures (did:key z6Mk...).
    Ed25519,
    /// X25519, for key agreement only.
    X25519,
    /// NIST P-256, for ES256.
    P256,
    /// NIST P-384, for ES384.
    P384,
    /// secp256k1, for ES256K.
    Secp256k1,
}

#[derive(Debug, Args)]
pub(crate) struct KeyGenerateArgs {
    /// The key algorithm.
    #[arg(long, value_enum)]
    pub(crate) alg: Alg,
    /// Where to write the private JWK.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DidCommand {
    /// Create a DID for a key.
    #[command(subcommand)]
    Create(DidCreateCommand),
    /// Resolve a DID and print the DID Resolution result as JSON.
    ///
    /// On failure the result carries didResolutionMetadata.error (invalidDid,
    /// notFound, methodNotSupported, ...) and kith exits with 1.
    Resolve(ResolveArgs),
    /// Dereference a DID URL (e.g. DID#key-1) and print what it names.
    Dereference(DereferenceArgs),
    /// Append an entry to a DID's history (did:webvh).
    #[command(subcommand)]
    Update(DidUpdateCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum DidUpdateCommand {
    /// did:webvh: verify did.jsonl, append a signed entry, and write it back.
    ///
    /// --new-key rotates the update key (and the document's key of --key); under
    /// pre-rotation the entry is signed by a committed key: pass it as --key. --next-key
    /// commits to the following keys; --deactivate ends the DID.
    Webvh(WebvhUpdateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct WebvhUpdateArgs {
    /// The did.jsonl to verify and append to.
    #[arg(long, value_name = "FILE")]
    pub(crate) log: PathBuf,
    /// The private JWK (Ed25519) that signs the entry.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Rotate: this key (Ed25519 JWK) becomes the only update key.
    #[arg(long, value_name = "FILE")]
    pub(crate) new_key: Option<PathBuf>,
    /// Commit to a next update key (pre-rotation); repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) next_key: Vec<PathBuf>,
    /// Turn pre-rotation off (nextKeyHashes: []).
    #[arg(long, conflicts_with = "next_key")]
    pub(crate) end_pre_rotation: bool,
    /// A new DID document (JSON) to publish as this version's state.
    #[arg(long, value_name = "FILE")]
    pub(crate) document: Option<PathBuf>,
    /// Deactivate the DID; no entry may follow.
    #[arg(long, conflicts_with_all = ["new_key", "next_key", "document"])]
    pub(crate) deactivate: bool,
    /// The did-witness.json, checked when the log uses witnesses.
    #[arg(long, value_name = "FILE")]
    pub(crate) witness: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DidCreateCommand {
    /// did:key: the DID is the public key itself. Prints the DID.
    Key(KeyFileArgs),
    /// did:jwk: the DID is the public JWK. Prints the DID.
    Jwk(KeyFileArgs),
    /// did:web: prints the DID and writes the did.json to host.
    ///
    /// Host the file at https://DOMAIN/.well-known/did.json, or at
    /// https://DOMAIN/PATH/did.json when --path is given.
    Web(WebCreateArgs),
    /// did:webvh: prints the DID and writes the first entry of did.jsonl.
    ///
    /// Host the log at https://DOMAIN/.well-known/did.jsonl, or at
    /// https://DOMAIN/PATH/did.jsonl when --path is given.
    Webvh(WebvhCreateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct WebvhCreateArgs {
    /// The domain that hosts the log, with an optional :PORT.
    #[arg(long)]
    pub(crate) domain: String,
    /// An optional path below the domain, such as dids/issuer.
    #[arg(long)]
    pub(crate) path: Option<String>,
    /// The private JWK (Ed25519): the update key, which signs, and the document's key.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Commit to a next update key (pre-rotation); repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) next_key: Vec<PathBuf>,
    /// Let the DID move to another domain later.
    #[arg(long)]
    pub(crate) portable: bool,
    /// Where to write did.jsonl.
    #[arg(long, value_name = "FILE", default_value = "did.jsonl")]
    pub(crate) out: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct KeyFileArgs {
    /// A JWK file (private or public), as written by `kith key generate`.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct WebCreateArgs {
    /// The domain that hosts the document, with an optional :PORT.
    #[arg(long)]
    pub(crate) domain: String,
    /// An optional path below the domain, such as users/alice.
    #[arg(long)]
    pub(crate) path: Option<String>,
    /// A JWK file (private or public), as written by `kith key generate`.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Where to write the did.json.
    #[arg(long, value_name = "FILE", default_value = "did.json")]
    pub(crate) out: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct NetworkArgs {
    /// Fetch did:web documents over plain HTTP (development only).
    #[arg(long)]
    pub(crate) allow_http: bool,
    /// Allow loopback and private-network addresses (development only).
    #[arg(long)]
    pub(crate) allow_private_addresses: bool,
    /// Time limit for one fetch, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub(crate) timeout: u64,
}

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// The DID to resolve.
    pub(crate) did: String,
    /// The representation: application/did+json or application/did+ld+json.
    #[arg(long, value_name = "MEDIA_TYPE")]
    pub(crate) accept: Option<String>,
    /// Resolve a did:webvh DID from this local did.jsonl instead of over HTTPS.
    #[arg(long, value_name = "FILE")]
    pub(crate) webvh_log: Option<PathBuf>,
    /// The did-witness.json beside --webvh-log.
    #[arg(long, value_name = "FILE", requires = "webvh_log")]
    pub(crate) webvh_witness: Option<PathBuf>,
    /// Resolve this versionId (did:webvh keeps history).
    #[arg(long, value_name = "ID")]
    pub(crate) version_id: Option<String>,
    /// Resolve the version valid at this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub(crate) version_time: Option<String>,
    /// Resolve this version number (did:webvh).
    #[arg(long, value_name = "N")]
    pub(crate) version_number: Option<u64>,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DereferenceArgs {
    /// The DID URL to dereference.
    pub(crate) did_url: String,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_documented_commands() {
        let cli =
            Cli::try_parse_from(["kith", "key", "generate", "--alg", "p256", "--out", "k.jwk"])
                .unwrap();
        assert!(matches!(
            cli.command,
            Command::Key(KeyCommand::Generate(KeyGenerateArgs { alg: Alg::P256, .. }))
        ));
        let cli = Cli::try_parse_from([
            "kith",
            "did",
            "create",
            "web",
            "--domain",
            "example.com",
            "--path",
            "a/b",
            "--key",
            "k.jwk",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Did(DidCommand::Create(DidCreateCommand::Web(_)))
        ));
        assert!(
            Cli::try_parse_from(["kith", "key", "generate", "--alg", "rsa", "--out", "k"]).is_err()
        );
        assert!(
            Cli::try_parse_from(["kith", "--json", "did", "resolve", "did:key:z6Mk"])
                .unwrap()
                .json
        );
    }
}

/// Where the store is and how its master key is found.
#[derive(Debug, Clone, Args)]
pub(crate) struct StorageArgs {
    /// Directory of the SQLite store and the default master key file.
    #[arg(long, value_name = "DIR", env = "KITH_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://user@host/db) instead of SQLite.
    #[arg(
        long,
        value_name = "URL",
        env = "KITH_DATABASE_URL",
        conflicts_with = "data_dir"
    )]
    pub(crate) database_url: Option<String>,
    /// The master key file (created 0600 on first use when absent).
    #[arg(long, value_name = "FILE", env = "KITH_MASTER_KEY_FILE")]
    pub(crate) master_key_file: Option<PathBuf>,
}

/// Key types for the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IssuerKeyType {
    /// Ed25519 (eddsa-jcs-2022, EdDSA).
    Ed25519,
    /// NIST P-256 (ecdsa-jcs-2019, ES256).
    P256,
    /// NIST P-384 (ecdsa-jcs-2019, ES384).
    P384,
}

/// DID methods for the issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum IssuerDid {
    /// did:web for --public-url (rotatable).
    Web,
    /// did:key of the first key (not rotatable).
    Key,
}

/// Log formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A TOML file with any of these settings.
    #[arg(long, value_name = "FILE", env = "KITH_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The address to listen on [default: 127.0.0.1:8443].
    #[arg(long, value_name = "ADDR", env = "KITH_BIND")]
    pub(crate) bind: Option<String>,
    /// The URL clients reach the service at; the did:web DID, status list URLs
    /// and the presentation audience derive from it [default: http(s)://BIND].
    #[arg(long, value_name = "URL", env = "KITH_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, value_name = "FILE", env = "KITH_TLS_CERT", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, value_name = "FILE", env = "KITH_TLS_KEY", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address (behind a TLS proxy only).
    #[arg(long, env = "KITH_INSECURE_HTTP")]
    pub(crate) insecure_http: bool,
    /// The issuer's DID method [default: web].
    #[arg(long, value_enum, env = "KITH_DID_METHOD")]
    pub(crate) did_method: Option<IssuerDid>,
    /// The type of the issuer's keys [default: ed25519].
    #[arg(long, value_enum, env = "KITH_KEY_TYPE")]
    pub(crate) key_type: Option<IssuerKeyType>,
    /// The Data Integrity cryptosuite when a request names none: eddsa-jcs-2022
    /// or eddsa-rdfc-2022 (Ed25519), ecdsa-jcs-2019 or ecdsa-rdfc-2019 (P-256,
    /// P-384) [default: the JCS one]. Requests may name either in
    /// options.cryptosuite.
    #[arg(long, value_name = "NAME", env = "KITH_CRYPTOSUITE")]
    pub(crate) cryptosuite: Option<String>,
    /// Log format [default: text].
    #[arg(long, value_enum, env = "KITH_LOG_FORMAT")]
    pub(crate) log_format: Option<LogFormat>,
    /// How long Idempotency-Key records are kept [default: 24h].
    #[arg(long, value_name = "DURATION", env = "KITH_IDEMPOTENCY_TTL")]
    pub(crate) idempotency_ttl: Option<String>,
    /// How long a request holds its Idempotency-Key before another node may take
    /// it over (when the node handling it died) [default: 30s].
    #[arg(long, value_name = "DURATION", env = "KITH_IDEMPOTENCY_LEASE")]
    pub(crate) idempotency_lease: Option<String>,
    /// Requests per second per API key (burst: twice that) [default: 2000].
    #[arg(long, value_name = "N", env = "KITH_RATE_LIMIT_PER_KEY")]
    pub(crate) rate_limit_per_key: Option<u32>,
    /// Requests per second per client address (burst: twice that) [default: 2000].
    #[arg(long, value_name = "N", env = "KITH_RATE_LIMIT_PER_ADDRESS")]
    pub(crate) rate_limit_per_address: Option<u32>,
    /// Longest time one request may take [default: 30s].
    #[arg(long, value_name = "DURATION", env = "KITH_REQUEST_TIMEOUT")]
    pub(crate) request_timeout: Option<String>,
    /// How long verifiers may cache this issuer's status lists [default: 5m].
    #[arg(long, value_name = "DURATION", env = "KITH_STATUS_LIST_TTL")]
    pub(crate) status_list_ttl: Option<String>,
    /// Entries per status list (at least 131072) [default: 131072].
    #[arg(long, value_name = "N", env = "KITH_STATUS_LIST_SIZE")]
    pub(crate) status_list_size: Option<u64>,
    /// Let outbound fetches (did:web, status lists) use plain HTTP (development).
    #[arg(long, env = "KITH_FETCH_ALLOW_HTTP")]
    pub(crate) fetch_allow_http: bool,
    /// Let outbound fetches reach loopback and private addresses (development).
    #[arg(long, env = "KITH_FETCH_ALLOW_PRIVATE")]
    pub(crate) fetch_allow_private: bool,
    /// Restrict the verifier to the issuers of a trust list, each for its
    /// credential types: a JSON file {"issuers": [{"id": DID, "types": [TYPE
    /// or "*"]}]}, or with --trust-list-issuer a signed TrustListCredential.
    /// Read once at start.
    #[arg(long, value_name = "FILE", env = "KITH_TRUST_LIST")]
    pub(crate) trust_list: Option<PathBuf>,
    /// The DID that must have signed --trust-list (a TrustListCredential).
    #[arg(long, value_name = "DID", env = "KITH_TRUST_LIST_ISSUER")]
    pub(crate) trust_list_issuer: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create, list, revoke and rotate API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Register DIDs whose keys may sign requests (RFC 9421) instead of using
    /// API keys.
    #[command(subcommand)]
    Signer(SignerCommand),
    /// Manage the issuer's signing keys.
    #[command(subcommand)]
    Key(AdminKeyCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Create an API key and print it, alone, on the first line of stdout.
    ///
    /// The key is shown once; only its HMAC is stored.
    Create(ApiKeyCreateArgs),
    /// List API keys (never their secrets).
    List(StorageOnly),
    /// Revoke an API key at once.
    Revoke(ApiKeyIdArgs),
    /// Replace an API key: prints the new key; the old one keeps working
    /// for --overlap.
    Rotate(ApiKeyRotateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct StorageOnly {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ApiKeyCreateArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// Scopes, comma-separated: issue, verify, status, admin.
    #[arg(long, value_name = "SCOPES", value_delimiter = ',', required = true)]
    pub(crate) scope: Vec<String>,
    /// Lifetime, e.g. 90d or 12h (default: does not expire).
    #[arg(long, value_name = "DURATION")]
    pub(crate) expires: Option<String>,
    /// A name to recognise the key by.
    #[arg(long, default_value = "api key")]
    pub(crate) name: String,
}

#[derive(Debug, Args)]
pub(crate) struct ApiKeyIdArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The key id (the part after kith_ and before the next _).
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ApiKeyRotateArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The key id.
    pub(crate) id: String,
    /// How long the old key keeps working.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub(crate) overlap: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SignerCommand {
    /// Allow DID's authentication keys to sign requests with these scopes.
    Add(SignerAddArgs),
    /// Stop accepting DID's signed requests.
    Remove(SignerRemoveArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SignerAddArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The DID.
    pub(crate) did: String,
    /// Scopes, comma-separated: issue, verify, status, admin.
    #[arg(long, value_name = "SCOPES", value_delimiter = ',', required = true)]
    pub(crate) scope: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SignerRemoveArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The DID.
    pub(crate) did: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AdminKeyCommand {
    /// Add a new signing key to the did:web issuer and make it the active one.
    ///
    /// Credentials signed with older keys keep verifying: the older keys stay
    /// in the DID document until retired.
    Rotate(KeyRotateArgs),
    /// List the issuer's keys: id, type, created, retired, active.
    List(KeyListArgs),
    /// Retire a key: it leaves the DID document (credentials it signed stop
    /// verifying) and never signs again. The active key cannot be retired;
    /// rotate first.
    Retire(KeyRetireArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeyListArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The server's public URL (names its did:web DID).
    #[arg(long, value_name = "URL", env = "KITH_PUBLIC_URL")]
    pub(crate) public_url: String,
}

#[derive(Debug, Args)]
pub(crate) struct KeyRetireArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The verification method id, e.g. did:web:issuer.example#key-1.
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct KeyRotateArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// The server's public URL (names its did:web DID).
    #[arg(long, value_name = "URL", env = "KITH_PUBLIC_URL")]
    pub(crate) public_url: String,
    /// The new key's type.
    #[arg(long, value_enum, default_value = "ed25519")]
    pub(crate) key_type: IssuerKeyType,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify the hash chain: exits 0 when intact, 1 when an entry was edited,
    /// inserted or deleted.
    Verify(StorageOnly),
}
