//! A resolver that dispatches on the DID method.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::method::{
    ethr::EthrMethod, ethr::EthrNetwork, jwk::JwkMethod, key::KeyMethod, web::WebConfig,
    web::WebMethod, webvh::WebvhMethod,
};
use crate::{
    Did, DidUrl, Error, MethodLookup, Relationship, Resolution, ResolutionOptions, Resolver,
};

/// Resolves each DID with the resolver registered for its method.
#[derive(Clone, Default)]
pub struct MethodResolver {
    methods: BTreeMap<String, Arc<dyn Resolver>>,
}

impl MethodResolver {
    /// A resolver with no methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// did:key, did:jwk, did:web and did:webvh (with `web` network settings; did:webvh
    /// raises the body cap to its log bound).
    pub fn with_defaults(web: WebConfig) -> Result<Self, Error> {
        let mut resolver = Self::new();
        resolver.register("key", Arc::new(KeyMethod));
        resolver.register("jwk", Arc::new(JwkMethod));
        resolver.register("webvh", Arc::new(WebvhMethod::with_config(web.clone())?));
        resolver.register("web", Arc::new(WebMethod::with_config(web)?));
        Ok(resolver)
    }

    /// Adds did:ethr on `networks` (it has no defaults: each network needs an RPC
    /// endpoint and a registry address).
    pub fn with_ethr(mut self, networks: Vec<EthrNetwork>) -> Result<Self, Error> {
        self.register("ethr", Arc::new(EthrMethod::new(networks)?));
        Ok(self)
    }

    /// Registers (or replaces) the resolver of `method`.
    pub fn register(&mut self, method: &str, resolver: Arc<dyn Resolver>) -> &mut Self {
        self.methods.insert(method.to_owned(), resolver);
        self
    }

    fn method(&self, did: &Did) -> Result<&Arc<dyn Resolver>, Error> {
        self.methods
            .get(did.method())
            .ok_or_else(|| Error::MethodNotSupported(did.method().to_owned()))
    }

    /// The methods this resolver handles.
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.methods.keys().map(String::as_str)
    }
}

#[async_trait]
impl Resolver for MethodResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, Error> {
        self.method(did)?.resolve(did, options).await
    }

    async fn lookup_method(
        &self,
        url: &DidUrl,
        relationship: Relationship,
    ) -> Result<Option<MethodLookup>, Error> {
        self.method(url.did())?
            .lookup_method(url, relationship)
            .await
    }
}
