//! The command-line interface: every flag and its help text. Parsing does no I/O.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Kith: self-sovereign identity in one binary.
///
/// Kith plays every role of the SSI trust triangle: it creates keys and
/// decentralized identifiers (DIDs) and resolves them, issues credentials
/// (also over OpenID4VCI), holds them in an encrypted wallet, and verifies
/// credentials and presentations (also over OpenID4VP). `kith demo` shows the
/// whole triangle on this machine.
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
    /// Run the whole trust triangle on this machine, with nothing to configure.
    ///
    /// A government issues Alice a PID-style credential and a university a
    /// diploma, both over OpenID4VCI into her encrypted wallet; a bar asks
    /// "over 18?" over OpenID4VP and learns only age_over_18; a bank reuses the
    /// PID for KYC and learns only name and nationality; the government revokes
    /// the PID and the next presentation fails with `revoked`. Four real
    /// services (SQLite stores in a temporary directory, loopback ports) and a
    /// real wallet; the transcript says who sent what, what was verified and
    /// what stayed hidden. Exit 0 when every step turned out as the story
    /// says, 1 otherwise. --json prints the steps as JSON.
    Demo(DemoArgs),
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
    /// It is also an OpenID4VCI credential issuer (/.well-known/openid-credential-
    /// issuer, /token, /nonce, /credential; offers from POST /oid4vci/offers) and
    /// an OpenID4VP verifier (POST /oid4vp/requests, signed request objects,
    /// direct_post and direct_post.jwt responses), with web pages: the issuer and
    /// verifier consoles at /console, and with --wallet-dir a holder wallet at
    /// /wallet.
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
    /// The holder's encrypted wallet: credentials, history, backups, social
    /// recovery.
    ///
    /// The wallet is a directory (--wallet, KITH_WALLET, default ~/.kith/wallet)
    /// encrypted under a passphrase, read from KITH_WALLET_PASSPHRASE, else asked
    /// for without echo on a terminal, else read as one line from standard input.
    Wallet(WalletArgs),
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
    /// Data Integrity bbs-2023 base proof, for the holder to derive selective,
    /// unlinkable proofs from with `kith vc derive` (JSON; bls12381g2 keys).
    #[value(name = "bbs-2023")]
    Bbs2023,
    /// kith-zkp-2026: BBS over every claim, for presentations that prove
    /// predicates (birthDate <= 2008-11-28) on hidden claims with `kith vp
    /// create --prove` (JSON; bls12381g2 keys; docs/zk-predicates.md).
    #[value(name = "kith-zkp-2026")]
    KithZkp2026,
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
    /// Derive a bbs-2023 proof from a credential with a bbs-2023 base proof,
    /// revealing only its mandatory claims and those named with --reveal.
    ///
    /// Prints the revealed credential with its derived proof; every run makes a
    /// new, unlinkable proof.
    Derive(VcDeriveArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VcDeriveArgs {
    /// A claim to reveal, as a JSON pointer into the credential (repeatable),
    /// e.g. /credentialSubject/birthDate.
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) reveal: Vec<String>,
    /// The presentation header bound into the proof (e.g. a verifier's nonce), as text.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub(crate) presentation_header: String,
    /// The credential with a bbs-2023 base proof; `-` or nothing reads standard input.
    #[arg(value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
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
    /// The securing format (--cryptosuite is the same option).
    #[arg(long, value_enum, alias = "cryptosuite")]
    pub(crate) format: CredentialFormat,
    /// A claim every derived proof must reveal (bbs-2023), as a JSON pointer
    /// into CREDENTIAL.json, e.g. /issuer (repeatable).
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) mandatory_pointer: Vec<String>,
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
    /// The holder's signing key: a private JWK file from `kith key generate`.
    /// Required, except for kith-zkp-2026 presentations (--prove/--reveal), which
    /// no holder key signs.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: Option<PathBuf>,
    /// The verification method to name in the proof (a DID URL). Defaults to
    /// the key's method in a did:key or did:jwk DID, or DID#key-1 for did:web.
    #[arg(long, value_name = "DID_URL")]
    pub(crate) kid: Option<String>,
    /// The holder DID. Defaults to the did:key of --key.
    #[arg(long, value_name = "DID")]
    pub(crate) holder: Option<String>,
    /// The verifier's nonce.
    #[arg(long)]
    pub(crate) nonce: String,
    /// The verifier's identifier (audience / domain).
    #[arg(long, value_name = "AUDIENCE", visible_alias = "domain")]
    pub(crate) aud: String,
    /// A claim to disclose from a dc+sd-jwt credential (repeatable), as a JSON
    /// pointer, e.g. /credentialSubject/name or /name. Others stay hidden.
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) disclose: Vec<String>,
    /// kith-zkp-2026: prove a predicate on a hidden claim (repeatable), e.g.
    /// '/credentialSubject/birthDate <= 2008-11-28' or '18 <= /credentialSubject/age
    /// < 65'; operators <, <=, >, >=. The claim's value is not disclosed. The
    /// presentation needs no holder key (--key is not used for it).
    #[arg(long, value_name = "PREDICATE")]
    pub(crate) prove: Vec<String>,
    /// kith-zkp-2026: a claim to disclose (repeatable), as a JSON pointer such
    /// as /credentialSubject/name. Others stay hidden.
    #[arg(long, value_name = "JSON_POINTER")]
    pub(crate) reveal: Vec<String>,
    /// How the issuer's DID is resolved (kith-zkp-2026).
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
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
    #[arg(long, value_name = "AUDIENCE", visible_alias = "domain")]
    pub(crate) aud: String,
    /// kith-zkp-2026: a predicate the presentation must prove (repeatable),
    /// e.g. '/credentialSubject/birthDate <= 2008-11-28'.
    #[arg(long, value_name = "PREDICATE")]
    pub(crate) require: Vec<String>,
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
    /// BLS12-381 G2, for BBS signatures (the bbs-2023 cryptosuite; did:key zUC7...).
    Bls12381g2,
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
    /// did:ethr: change the owner, delegates and attributes in the ERC-1056 registry.
    #[command(subcommand)]
    Ethr(EthrCommand),
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
    #[command(flatten)]
    pub(crate) ethr: EthrResolveArgs,
}

/// did:ethr networks for resolution: a networks file and/or one network from flags.
/// Without either, did:ethr DIDs are not resolvable (methodNotSupported).
#[derive(Debug, Args, Default)]
pub(crate) struct EthrResolveArgs {
    /// A TOML file of did:ethr networks: [[network]] name, rpc_url, chain_id,
    /// registry, and optional confirmations, allow_http, timeout_secs.
    #[arg(long, value_name = "FILE", env = "KITH_ETHR_NETWORKS")]
    pub(crate) ethr_networks: Option<PathBuf>,
    /// The name of the --ethr-rpc-url network in DIDs (did:ethr:NAME:0x...).
    #[arg(
        long,
        value_name = "NAME",
        env = "KITH_ETHR_NETWORK",
        default_value = "mainnet"
    )]
    pub(crate) ethr_network: String,
    /// JSON-RPC endpoint of a did:ethr network.
    #[arg(long, value_name = "URL", env = "KITH_ETHR_RPC_URL", requires_all = ["ethr_chain_id", "ethr_registry"])]
    pub(crate) ethr_rpc_url: Option<String>,
    /// Its chain id.
    #[arg(long, value_name = "N", env = "KITH_ETHR_CHAIN_ID")]
    pub(crate) ethr_chain_id: Option<u64>,
    /// Its ERC-1056 registry address.
    #[arg(long, value_name = "ADDRESS", env = "KITH_ETHR_REGISTRY")]
    pub(crate) ethr_registry: Option<String>,
    /// Only count registry events this many blocks deep (reorganization safety).
    #[arg(
        long,
        value_name = "BLOCKS",
        env = "KITH_ETHR_CONFIRMATIONS",
        default_value_t = 0
    )]
    pub(crate) ethr_confirmations: u64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EthrCommand {
    /// Print the did:ethr DID (and address) of a secp256k1 key.
    Did(EthrDidArgs),
    /// changeOwner: hand control to another address (a recovery key's, say).
    /// --new-owner 0x0000000000000000000000000000000000000000 deactivates the DID.
    SetOwner(EthrSetOwnerArgs),
    /// addDelegate: a veriKey (assertionMethod) or sigAuth (also authentication) delegate.
    AddDelegate(EthrDelegateArgs),
    /// revokeDelegate.
    RevokeDelegate(EthrDelegateArgs),
    /// setAttribute: a key (did/pub/ALG/PURPOSE[/ENCODING]) or a service (did/svc/TYPE).
    SetAttribute(EthrAttributeArgs),
    /// revokeAttribute (the same name and value as set).
    RevokeAttribute(EthrAttributeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EthrDidArgs {
    /// A secp256k1 JWK (private or public).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The network part of the DID (none: mainnet).
    #[arg(long, value_name = "NAME")]
    pub(crate) network: Option<String>,
    /// The public-key form (did:ethr:0x<compressed key>) instead of the address form.
    #[arg(long)]
    pub(crate) public_key_form: bool,
}

/// Where a did:ethr write goes and who signs it.
#[derive(Debug, Args)]
pub(crate) struct EthrWriteArgs {
    /// The owner's private secp256k1 JWK, which signs and pays for the transaction.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The identity changed: an address or a did:ethr DID (default: the key's own).
    #[arg(long, value_name = "ADDRESS|DID")]
    pub(crate) identity: Option<String>,
    /// The network name (looked up in --networks, or named by the flags below).
    #[arg(
        long,
        value_name = "NAME",
        env = "KITH_ETHR_NETWORK",
        default_value = "mainnet"
    )]
    pub(crate) network: String,
    /// A TOML networks file, as for `kith did resolve --ethr-networks`.
    #[arg(long, value_name = "FILE", env = "KITH_ETHR_NETWORKS")]
    pub(crate) networks: Option<PathBuf>,
    /// JSON-RPC endpoint (overrides the networks file).
    #[arg(long, value_name = "URL", env = "KITH_ETHR_RPC_URL", requires_all = ["chain_id", "registry"])]
    pub(crate) rpc_url: Option<String>,
    /// Chain id (EIP-155).
    #[arg(long, value_name = "N", env = "KITH_ETHR_CHAIN_ID")]
    pub(crate) chain_id: Option<u64>,
    /// ERC-1056 registry address.
    #[arg(long, value_name = "ADDRESS", env = "KITH_ETHR_REGISTRY")]
    pub(crate) registry: Option<String>,
    /// Fixed gas limit: skip estimation (a call that reverts is then mined and fails).
    #[arg(long, value_name = "GAS")]
    pub(crate) gas_limit: Option<u64>,
    /// Send an EIP-155 legacy transaction instead of EIP-1559.
    #[arg(long)]
    pub(crate) legacy: bool,
    /// Seconds to wait for the receipt.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub(crate) wait: u64,
}

#[derive(Debug, Args)]
pub(crate) struct EthrSetOwnerArgs {
    #[command(flatten)]
    pub(crate) write: EthrWriteArgs,
    /// The new owner's address.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) new_owner: String,
}

#[derive(Debug, Args)]
pub(crate) struct EthrDelegateArgs {
    #[command(flatten)]
    pub(crate) write: EthrWriteArgs,
    /// veriKey or sigAuth.
    #[arg(long = "type", value_name = "TYPE", default_value = "veriKey")]
    pub(crate) delegate_type: String,
    /// The delegate's address.
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) delegate: String,
    /// Seconds the delegate is valid (addDelegate only).
    #[arg(long, value_name = "SECONDS", default_value_t = 31_536_000)]
    pub(crate) validity: u64,
}

#[derive(Debug, Args)]
pub(crate) struct EthrAttributeArgs {
    #[command(flatten)]
    pub(crate) write: EthrWriteArgs,
    /// The attribute name, e.g. did/pub/Ed25519/veriKey or did/svc/LinkedDomains.
    #[arg(long, value_name = "NAME")]
    pub(crate) name: String,
    /// The value as 0x-hex bytes.
    #[arg(long, value_name = "0xHEX", group = "attribute_value")]
    pub(crate) value_hex: Option<String>,
    /// The value as text (a service endpoint URL or JSON).
    #[arg(long, value_name = "TEXT", group = "attribute_value")]
    pub(crate) value: Option<String>,
    /// The value is this public key's raw bytes (a JWK file, as for did/pub/ attributes).
    #[arg(long, value_name = "FILE", group = "attribute_value")]
    pub(crate) value_key: Option<PathBuf>,
    /// Seconds the attribute is valid (setAttribute only).
    #[arg(long, value_name = "SECONDS", default_value_t = 31_536_000)]
    pub(crate) validity: u64,
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
    /// did:webvh for --public-url (a fully qualified domain name): did.jsonl is served,
    /// and a rotation appends a log entry.
    Webvh,
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
    /// Host a holder wallet at /wallet, encrypted in DIR (created from the page
    /// on first visit, unlocked with its passphrase). Without it the service
    /// has no wallet pages; the issuer and verifier consoles at /console are
    /// always there (sign in with an API key).
    #[arg(long, value_name = "DIR", env = "KITH_WALLET_DIR")]
    pub(crate) wallet_dir: Option<PathBuf>,
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

/// `kith demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Keep the services' stores and Alice's wallet in a new directory under
    /// DIR instead of deleting them.
    #[arg(long, value_name = "DIR")]
    pub(crate) keep: Option<PathBuf>,
}

/// `kith wallet`.
#[derive(Debug, Args)]
pub(crate) struct WalletArgs {
    /// The wallet directory.
    #[arg(long, global = true, value_name = "DIR", env = "KITH_WALLET")]
    pub(crate) wallet: Option<PathBuf>,
    #[command(subcommand)]
    pub(crate) command: WalletCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WalletCommand {
    /// Create a new, empty wallet (the passphrase is asked twice on a terminal).
    Init,
    /// Store a credential from a file (as issued: vc+jwt, dc+sd-jwt or JSON).
    Add(WalletAddArgs),
    /// List the credentials: id, format, when added.
    List,
    /// Print one credential, as stored.
    Show {
        /// The credential id (from `kith wallet list`).
        id: String,
    },
    /// Delete a credential (its data key is destroyed first).
    Delete {
        /// The credential id.
        id: String,
    },
    /// List the presentation history: what was shared with whom, and when.
    History,
    /// Change the passphrase. The new one comes from KITH_WALLET_NEW_PASSPHRASE,
    /// a prompt (twice), or the second line of standard input.
    Passphrase,
    /// Encrypted backups of the whole wallet (JWE, ECDH-ES+A256KW, A256GCM).
    #[command(subcommand)]
    Backup(WalletBackupCommand),
    /// Social recovery: k of n guardians restore the wallet without the
    /// passphrase.
    #[command(subcommand)]
    Recovery(WalletRecoveryCommand),
}

#[derive(Debug, Args)]
pub(crate) struct WalletAddArgs {
    /// The credential's format, as it will be listed (vc+jwt, dc+sd-jwt, ldp_vc, ...).
    #[arg(long)]
    pub(crate) format: String,
    /// The credential file.
    #[arg(value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WalletBackupCommand {
    /// Encrypt every credential, holder key and history entry to a public key.
    Export(WalletBackupExportArgs),
    /// Restore a backup into a new wallet (--wallet names the new directory),
    /// protected by a new passphrase. Nothing is written unless it succeeds.
    Import(WalletBackupImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct WalletBackupExportArgs {
    /// The recipient: a did:key, or a JWK file (P-256, P-384, X25519, Ed25519).
    #[arg(
        long,
        value_name = "DID|FILE",
        required_unless_present = "to_recovery_key"
    )]
    pub(crate) to: Option<String>,
    /// Encrypt to the wallet's recovery key, so that guardians' shares can
    /// restore it (`kith wallet recovery restore --backup`).
    #[arg(long, conflicts_with = "to")]
    pub(crate) to_recovery_key: bool,
    /// Where to write the backup (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct WalletBackupImportArgs {
    /// The recipient's private JWK file.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The backup file.
    #[arg(value_name = "BACKUP")]
    pub(crate) backup: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WalletRecoveryCommand {
    /// Split a new recovery secret into one share per guardian (any --threshold
    /// of them restore the wallet); writes share-N.json files, each encrypted
    /// to its guardian's key agreement key, to hand out. Replaces any earlier
    /// split.
    Split(WalletRecoverySplitArgs),
    /// Guardian side: decrypt a share with your key and print the plain share
    /// to hand back to the wallet's owner. Needs no wallet.
    DecryptShare(WalletDecryptShareArgs),
    /// Restore with plain shares from enough guardians, setting a new
    /// passphrase: the wallet in --wallet, or with --backup a backup made to the
    /// recovery key, into a new wallet in --wallet.
    Restore(WalletRestoreArgs),
}

#[derive(Debug, Args)]
pub(crate) struct WalletRecoverySplitArgs {
    /// Shares needed to restore (at least 2).
    #[arg(long, value_name = "K")]
    pub(crate) threshold: u8,
    /// A guardian's did:key (repeatable; one share each).
    #[arg(long, value_name = "DID", required = true)]
    pub(crate) guardian: Vec<String>,
    /// The directory to write share-1.json ... share-N.json to.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct WalletDecryptShareArgs {
    /// The guardian's private JWK file (the did:key's Ed25519 key, or its key
    /// agreement key).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// Write the plain share here (mode 0600) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// The share file the wallet's owner handed out.
    #[arg(value_name = "SHARE")]
    pub(crate) share: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct WalletRestoreArgs {
    /// A backup made with `kith wallet backup export --to-recovery-key`: restore
    /// it into a new wallet in --wallet instead of opening an existing one.
    #[arg(long, value_name = "FILE")]
    pub(crate) backup: Option<PathBuf>,
    /// The plain shares guardians handed back.
    #[arg(value_name = "SHARE", required = true)]
    pub(crate) shares: Vec<PathBuf>,
}
