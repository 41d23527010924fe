//! `kith did`: create DIDs for keys, resolve DIDs, dereference DID URLs.

use std::time::Duration;

use kith_did::method::{jwk, key, web};
use kith_did::{
    Dereferenced, DidUrl, MethodResolver, ResolutionOptions, Resolver as _, resolve_to_result,
};
use serde_json::json;

use crate::cli::{DidCommand, DidCreateCommand, DidUpdateCommand, NetworkArgs};
use crate::cmd::Outcome;
use crate::cmd::key::{Readers, read_public_key, write_file};
use crate::output;

pub(crate) fn run(cmd: DidCommand, json: bool) -> anyhow::Result<Outcome> {
    match cmd {
        DidCommand::Create(create) => {
            let did = match create {
                DidCreateCommand::Key(args) => key::did_for(&read_public_key(&args.key)?),
                DidCreateCommand::Jwk(args) => jwk::did_for(&read_public_key(&args.key)?),
                DidCreateCommand::Web(args) => {
                    let public = read_public_key(&args.key)?;
                    let did = web::did_for(&args.domain, args.path.as_deref())?;
                    let document = web::document_for_key(&did, &public);
                    let mut text = serde_json::to_string_pretty(&document)?;
                    text.push('\n');
                    write_file(&args.out, text.as_bytes(), args.force, Readers::Everyone)?;
                    did
                }
                DidCreateCommand::Webvh(args) => super::webvh::create(&args)?,
            };
            if json {
                output::print_json(&json!({ "did": did }))?;
            } else {
                output::print_line(did.as_str())?;
            }
            Ok(Outcome::Ok)
        }
        DidCommand::Update(DidUpdateCommand::Webvh(args)) => super::webvh::update(&args, json),
        DidCommand::Ethr(cmd) => super::ethr::run(cmd, json),
        DidCommand::Resolve(args) => {
            let mut resolver = resolver(&args.network)?;
            if let Some(log) = &args.webvh_log {
                resolver.register(
                    "webvh",
                    super::webvh::local_resolver(log, args.webvh_witness.as_deref())?,
                );
            }
            let mut options = ResolutionOptions {
                accept: args.accept,
                version_id: args.version_id,
                version_time: args.version_time,
                ..ResolutionOptions::default()
            };
            if let Some(n) = args.version_number {
                options.extra.insert("versionNumber".into(), json!(n));
            }
            let result = runtime()?.block_on(resolve_to_result(&resolver, &args.did, &options));
            output::print_json(&serde_json::to_value(&result)?)?;
            Ok(if result.is_ok() {
                Outcome::Ok
            } else {
                Outcome::Failed
            })
        }
        DidCommand::Dereference(args) => {
            let resolver = resolver(&args.network)?;
            let url = DidUrl::parse(&args.did_url)?;
            let rt = runtime()?;
            let outcome = rt.block_on(async {
                let resolution = resolver
                    .resolve(url.did(), &ResolutionOptions::default())
                    .await?;
                kith_did::select(resolution.document, &url)
            });
            let (content, content_type) = match outcome {
                Ok(Dereferenced::Document(doc)) => {
                    (serde_json::to_value(doc)?, "application/did+ld+json")
                }
                Ok(Dereferenced::VerificationMethod(vm)) => {
                    (serde_json::to_value(vm)?, "application/json")
                }
                Ok(Dereferenced::Service(service)) => {
                    (serde_json::to_value(service)?, "application/json")
                }
                Ok(Dereferenced::ServiceEndpoint(url)) => (json!(url), "text/uri-list"),
                Ok(other) => anyhow::bail!("cannot print dereferenced {other:?}"),
                Err(e) => {
                    output::print_json(&json!({
                        "contentStream": null,
                        "dereferencingMetadata": {
                            "error": e.resolution_error(),
                            "errorMessage": e.to_string(),
                        },
                        "contentMetadata": {},
                    }))?;
                    return Ok(Outcome::Failed);
                }
            };
            output::print_json(&json!({
                "contentStream": content,
                "dereferencingMetadata": {"contentType": content_type},
                "contentMetadata": {},
            }))?;
            Ok(Outcome::Ok)
        }
    }
}

pub(crate) fn resolver(network: &NetworkArgs) -> anyhow::Result<MethodResolver> {
    let mut resolver = MethodResolver::with_defaults(web::WebConfig {
        allow_http: network.allow_http,
        allow_private_addresses: network.allow_private_addresses,
        timeout: Duration::from_secs(network.timeout),
        ..web::WebConfig::default()
    })?;
    super::ethr::register(&mut resolver, &network.ethr)?;
    Ok(resolver)
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
