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
