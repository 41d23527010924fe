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

pub(crate) fn run(cmd: VpCommand, json: bool) -> anyhow::Result<Outcome> {
    match cmd {
        VpCommand::Create(args) if !args.prove.is_empty() || !args.reveal.is_empty() => {
            let presentation = create_kith_zkp_2026(&args)?;
            output::print_json(&presentation)?;
            Ok(Outcome::Ok)
        }
        VpCommand::Create(args) => {
            let Some(key) = args.key.clone() else {
                anyhow::bail!("--key is required: the holder key that signs the presentation");
            };
            let signer = crate::cli::SignerArgs {
                key,
                kid: args.kid.clone(),
            };
            let identity = signing_identity(&signer, args.holder.as_deref())?;
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
            if kith_vc::zkp::is_zkp_presentation(&input) {
                return verify_kith_zkp_2026(&args, &input, json);
            }
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

/// `kith vp create --prove/--reveal`: a kith-zkp-2026 presentation from one
/// kith-zkp-2026 credential. No holder key signs it: the proof is bound to the nonce
/// and domain, and a holder DID would make presentations linkable.
fn create_kith_zkp_2026(args: &crate::cli::VpCreateArgs) -> anyhow::Result<Value> {
    let credentials = read_all(&args.credentials)?;
    let [credential] = credentials.as_slice() else {
        anyhow::bail!("--prove and --reveal take exactly one kith-zkp-2026 credential");
    };
    anyhow::ensure!(
        kith_vc::zkp::is_zkp_credential(credential),
        "--prove and --reveal apply to kith-zkp-2026 credentials (kith vc issue --format kith-zkp-2026)"
    );
    let credential = kith_vc::json::parse_str(credential)?;
    let mut predicates = Vec::new();
    for text in &args.prove {
        predicates.extend(kith_vc::zkp::Predicate::parse(text).map_err(Error::from)?);
    }
    let options = kith_vc::zkp::PresentOptions {
        reveal: args.reveal.clone(),
        predicates,
        challenge: args.nonce.clone(),
        domain: args.aud.clone(),
    };
    let resolver = crate::cmd::did::resolver(&args.network)?;
    Ok(runtime()?.block_on(kith_vc::zkp::present_resolving(
        &credential,
        &resolver,
        &options,
    ))?)
}

/// `kith vp verify` of a kith-zkp-2026 presentation: the report with the disclosed
/// claims and proven predicates, as JSON (`--json`) or as lines.
fn verify_kith_zkp_2026(
    args: &crate::cli::VpVerifyArgs,
    input: &str,
    json: bool,
) -> anyhow::Result<Outcome> {
    let verifier = build_verifier(&args.verifier)?;
    let challenge = Challenge {
        nonce: args.nonce.clone(),
        audience: args.aud.clone(),
    };
    let mut required = Vec::new();
    for text in &args.require {
        required.extend(kith_vc::zkp::Predicate::parse(text).map_err(Error::from)?);
    }
    let report = runtime()?.block_on(kith_vc::zkp::verify_presentation(
        &verifier, input, &challenge, &required,
    ));
    if json {
        output::print_json(&serde_json::to_value(&report)?)?;
    } else {
        let r = &report.report;
        let mut lines = vec![format!(
            "{} ({})",
            if r.verified {
                "verified"
            } else {
                "NOT verified"
            },
            r.format
        )];
        if let Some(issuer) = &r.issuer {
            lines.push(format!("issuer: {issuer}"));
        }
        for check in &r.checks {
            let check_json = serde_json::to_value(check)?;
            let name = check_json["check"].as_str().unwrap_or_default().to_owned();
            match check.code() {
                None => lines.push(format!("  ok    {name}")),
                Some(code) => lines.push(format!(
                    "  FAIL  {name}: {code}: {}",
                    check_json["detail"].as_str().unwrap_or_default()
                )),
            }
        }
        for (pointer, value) in &report.disclosed {
            lines.push(format!("disclosed: {pointer} = {value}"));
        }
        for predicate in &report.predicates {
            lines.push(format!("proven: {}", predicate.statement));
        }
        output::print_line(&lines.join("\n"))?;
    }
    Ok(if report.report.verified {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}

fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    paths.iter().map(|p| read_input(Some(p))).collect()
}
