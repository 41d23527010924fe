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
