//! DID URL dereferencing (DID Core §7.2): a fragment yields its verification method
//! or service; `?service=` yields the service endpoint.

use crate::{DidUrl, Document, Error, ResolutionOptions, Resolver, Service, VerificationMethod};

/// What a DID URL dereferences to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // a public enum: boxing would change the API
pub enum Dereferenced {
    /// The whole document (a DID URL with no path, query or fragment).
    Document(Box<Document>),
    /// A verification method named by a fragment.
    VerificationMethod(VerificationMethod),
    /// A service named by a fragment.
    Service(Service),
    /// A service endpoint URL selected with `?service=` and optional `relativeRef=`
    /// (DID Core §3.2.1).
    ServiceEndpoint(String),
}

/// Resolves the DID of `url` and selects the resource it names.
pub async fn dereference(resolver: &dyn Resolver, url: &DidUrl) -> Result<Dereferenced, Error> {
    let resolution = resolver
        .resolve(url.did(), &ResolutionOptions::default())
        .await?;
    select(resolution.document, url)
}

/// Selects the resource `url` names within an already resolved `document`.
pub fn select(document: Document, url: &DidUrl) -> Result<Dereferenced, Error> {
    if !url.path().is_empty() {
        return Err(Error::NotFound(format!(
            "{url}: DID URL paths are not defined by this method"
        )));
    }
    if let Some(service_id) = url.query_param("service") {
        let service_url = document.id.with_fragment(&service_id)?;
        let service = document
            .find_service(&service_url)
            .ok_or_else(|| Error::NotFound(format!("{url}: no service {service_id:?}")))?;
        let endpoint = service.service_endpoint.as_str().ok_or_else(|| {
            Error::NotFound(format!(
                "{url}: service {service_id:?} has no single URL endpoint"
            ))
        })?;
        let relative = url.query_param("relativeRef").unwrap_or_default();
        return Ok(Dereferenced::ServiceEndpoint(format!(
            "{endpoint}{relative}"
        )));
    }
    if url.fragment().is_none() {
        return Ok(Dereferenced::Document(Box::new(document)));
    }
    if let Some(vm) = document.find_method(url) {
        return Ok(Dereferenced::VerificationMethod(vm.clone()));
    }
    if let Some(service) = document.find_service(url) {
        return Ok(Dereferenced::Service(service.clone()));
    }
    Err(Error::NotFound(format!(
        "{url}: the document has no verification method or service with this id"
    )))
}
