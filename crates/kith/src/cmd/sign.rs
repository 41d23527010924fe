//! Who signs: a key file, the DID it speaks for, and the verification method named in proofs.

use kith_crypto::{LocalSigner, PrivateKey};
use kith_did::Did;

use crate::cli::SignerArgs;
use crate::cmd::key::read_private_key;

/// A signer with its DID and verification method id.
pub(crate) struct SigningIdentity {
    pub(crate) signer: LocalSigner,
    pub(crate) did: String,
    pub(crate) kid: String,
}

/// Loads `args.key` and decides the DID (`did`, default the key's did:key) and the
/// verification method (`args.kid`, or the method this tooling creates for the DID).
pub(crate) fn signing_identity(
    args: &SignerArgs,
    did: Option<&str>,
) -> anyhow::Result<SigningIdentity> {
    let key: PrivateKey = read_private_key(&args.key)?;
    let public = key.public_key();
    let did = match did {
        Some(text) => Did::parse(text)?,
        None => kith_did::method::key::did_for(&public),
    };
    let kid = match (&args.kid, did.method()) {
        (Some(kid), _) if kid.starts_with('#') => format!("{did}{kid}"),
        (Some(kid), _) => kid.clone(),
        (None, "key") => {
            let own = kith_did::method::key::did_for(&public);
            anyhow::ensure!(
                own == did,
                "{did} is not the did:key of {}; pass --kid",
                args.key.display()
            );
            kith_vc::did_key_method_id(&public)
        }
        (None, "jwk") => format!("{did}#0"),
        (None, "web") => format!("{did}#key-1"),
        (None, method) => {
            anyhow::bail!("name the verification method of the did:{method} key with --kid")
        }
    };
    let signer = LocalSigner::new(key)?.with_key_id(kid.clone());
    Ok(SigningIdentity {
        signer,
        did: did.to_string(),
        kid,
    })
}
