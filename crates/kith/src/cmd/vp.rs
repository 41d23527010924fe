//! `kith vp`: create and verify presentations.

use std::path::PathBuf;

use kith_crypto::{KeyType, Signer as _};
use kith_vc::verify::{Format, detect};
use kith_vc::{Challenge, Error};
use serde_json::Value;
use time::OffsetDateTime;

use crate::cli::VpCommand;
use crate::cmd::Outcome;
use crate::cmd::did::runtime;
use crate::cmd::sign::signing_identity;
use crate::cmd::vc::{build_verifier, print_report, read_input, subject_pointer};
use crate::output;

pub(crate) fn run(cmd: VpCommand, _json: bool) -> anyhow::Result<Outcome> {
    match cmd {
        VpCommand::Create(args) => {
            let identity = signing_identity(&args.signer, args.holder.as_deref())?;
            let challenge = Challenge {
                nonce: args.nonce.clone(),
                audience: args.aud.clone(),
            };
            let credentials = read_all(&args.credentials)?;
            let formats = credentials
                .iter()
                .map(|c| detect(c))
                .collect::<Result<Vec<_>, _>>()?;
            if !args.disclose.is_empty() && !formats.contains(&Format::SdJwt) {
                anyhow::bail!("--disclose applies to dc+sd-jwt credentials only");
            }
            let rt = runtime()?;
            let presentation: Value = rt.block_on(async {
                if formats.contains(&Format::SdJwt) {
                    let [credential] = credentials.as_slice() else {
                        return Err(Error::ApiMisuse(
                            "an SD-JWT presentation carries exactly one dc+sd-jwt credential"
                                .into(),
                        ));
                    };
                    let disclose = args
                        .disclose
                        .iter()
                        .map(|p| subject_pointer(p))
                        .collect::<Result<Vec<_>, _>>()?;
                    let iat = OffsetDateTime::now_utc().unix_timestamp();
                    kith_vc::sd_jwt::present(
                        credential.trim(),
                        &disclose,
                        Some((&identity.signer, &challenge, iat)),
                    )
                    .await
                    .map(Value::String)
                } else if formats
                    .iter()
                    .all(|f| matches!(f, Format::DataIntegrity(_)))
                {
                    let documents = credentials
                        .iter()
                        .map(|c| kith_vc::json::parse_str(c))
                        .collect::<Result<Vec<_>, _>>()?;
                    let suite = match identity.signer.public_key().key_type() {
                        KeyType::Ed25519 => "eddsa-jcs-2022",
                        _ => "ecdsa-jcs-2019",
                    };
                    kith_vc::di::create_presentation(
                        documents,
                        &identity.did,
                        &identity.signer,
                        &identity.kid,
                        &challenge,
                        suite,
                    )
                    .await
                } else {
                    let compact = credentials.iter().map(|c| c.trim().to_owned()).collect();
                    kith_vc::jose::create_vp_jwt(
                        compact,
                        &identity.did,
                        &identity.signer,
                        &identity.kid,
                        &challenge,
                    )
                    .await
                    .map(Value::String)
                }
            })?;
            match presentation {
                Value::String(compact) => output::print_line(&compact)?,
                json => output::print_json(&json)?,
            }
            Ok(Outcome::Ok)
        }
        VpCommand::Verify(args) => {
            let input = read_input(args.input.as_deref())?;
            let verifier = build_verifier(&args.verifier)?;
            let challenge = Challenge {
                nonce: args.nonce,
                audience: args.aud,
            };
            let report = runtime()?.block_on(verifier.verify_presentation(&input, &challenge));
            print_report(&report)
        }
    }
}

fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    paths.iter().map(|p| read_input(Some(p))).collect()
}
