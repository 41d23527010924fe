//! OpenID for Verifiable Credential Issuance 1.0 (final): the Pre-Authorized Code Flow,
//! issuer and wallet, for `dc+sd-jwt`, `jwt_vc_json` and `ldp_vc` credentials.
//!
//! <https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html>
//!
//! | module | concept | spec |
//! |---|---|---|
//! | [`metadata`] | Credential Issuer Metadata, Credential Configurations per format profile, Authorization Server Metadata, well-known URLs | §12.2, §12.3, Appendix A, B.2; RFC 8414 |
//! | [`offer`] | Credential Offer object and links, by value and by reference | §4.1 |
//! | [`state`] | the [`VciStateStore`] seam (put / take-once / count attempts) and [`MemoryStateStore`] | §4.1.1 single use, §7, §13.6.3 |
//! | [`proof`] | `openid4vci-proof+jwt` key proofs: create and verify | Appendix F.1, F.4 |
//! | [`issuer`] | [`CredentialIssuer`]: offers, Token, Nonce and Credential Endpoints; the [`IssuingSeam`] | §3.5, §4, §6, §7, §8 |
//! | [`wallet`] | [`WalletClient`]: the flow end to end over the [`HttpClient`] seam; verification with kith-vc | §3.5, §6.1, §7.1, §8.2 |
//!
//! ```text
//! issuer.create_offer ──link──▶ wallet.accept_offer
//!                                 ├─ GET  credential_offer_uri      → issuer.credential_offer   (once)
//!                                 ├─ GET  /.well-known/openid-credential-issuer → issuer.metadata
//!                                 ├─ GET  /.well-known/oauth-authorization-server → issuer.authorization_server_metadata
//!                                 ├─ POST /token (pre-authorized_code, tx_code) → issuer.token (once)
//!                                 ├─ POST /nonce                    → issuer.nonce
//!                                 └─ POST /credential (Bearer, proofs.jwt) → issuer.credential → IssuingSeam
//! ```
//!
//! Every failure is a [`vci::Error`](Error) with a stable [`Error::code`] (the OAuth /
//! OpenID4VCI `error` value an endpoint sends) and an [`Error::http_status`] hint.
//! Not implemented: the Authorization Code Flow, deferred issuance, notifications,
//! encrypted requests and responses, the `di_vp` and `attestation` proof types, key
//! attestations and `x5c` keys.

mod error;
pub mod issuer;
pub mod metadata;
pub mod offer;
pub mod proof;
pub mod state;
pub mod wallet;

pub use error::Error;
pub use issuer::{
    CreatedOffer, CredentialIssuer, CredentialRequest, CredentialResponse, CredentialTemplate,
    IssuedCredential, IssuerEndpoints, IssuerKey, IssuerSettings, IssuingSeam, NonceResponse,
    OfferRequest, StaticIssuerKey, StatusRequest, TokenResponse, TxCodeRequest, ZkpIssuerKey,
};
pub use metadata::{
    AuthorizationServerMetadata, CredentialConfiguration, CredentialFormat, IssuerMetadata,
};
pub use offer::{CredentialOffer, InputMode, OfferLink, TxCode};
pub use proof::{HolderBinding, ProvenKey};
pub use state::{MemoryStateStore, RecordKind, VciStateStore};
pub use wallet::{
    Holder, HttpClient, HttpResponse, ReceivedCredential, ReqwestHttpClient, WalletClient,
    store_in_wallet,
};

/// Entry points for the cargo-fuzz target `oid4vci_offer`: bounded, never panic on
/// input, and check round trips.
#[doc(hidden)]
pub mod __fuzz {
    use super::offer::{CredentialOffer, OfferLink};
    use super::proof::UnverifiedProof;

    /// Offer links and offer objects: what parses by value re-serializes to a link
    /// that parses to the same offer.
    pub fn offer(data: &[u8]) {
        if let Ok(offer) = CredentialOffer::parse(data) {
            let again = OfferLink::parse(&offer.to_link()).expect("a valid offer's link parses");
            assert_eq!(again, OfferLink::ByValue(offer), "link round trip");
        }
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(OfferLink::ByValue(offer)) = OfferLink::parse(text) {
            let again = OfferLink::parse(&offer.to_link()).expect("a parsed offer's link parses");
            assert_eq!(again, OfferLink::ByValue(offer), "link round trip");
        }
    }

    /// Key proof JWTs: parsing (header, algorithm, key reference, claims) never panics.
    pub fn proof(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(proof) = UnverifiedProof::parse(text, &kith_crypto::Algorithm::ALL) {
            let _ = (proof.audience(), proof.nonce(), proof.issued_at());
        }
        let _ = super::issuer::CredentialRequest::parse(data);
    }

    #[cfg(test)]
    #[test]
    fn the_seeds_and_some_edges_do_not_panic() {
        let seeds: [&[u8]; 6] = [
            include_bytes!("../../../../fuzz/seeds/oid4vci_offer/link_by_value"),
            include_bytes!("../../../../fuzz/seeds/oid4vci_offer/link_by_reference"),
            include_bytes!("../../../../fuzz/seeds/oid4vci_offer/offer_object"),
            include_bytes!("../../../../fuzz/seeds/oid4vci_offer/proof_jwt"),
            include_bytes!("../../../../fuzz/seeds/oid4vci_offer/credential_request"),
            b"openid-credential-offer://?credential_offer=%7B%22credential_issuer%22:%22https://a.example%22,%22credential_configuration_ids%22:%5B%22%E2%80%A8%22%5D%7D#frag",
        ];
        for seed in seeds {
            offer(seed);
            proof(seed);
        }
        // A near-limit offer of characters that percent-encode to three still fits a link.
        let ids: Vec<String> = (0..15)
            .map(|i| format!("{i}{}", "%".repeat(1000)))
            .collect();
        let big = serde_json::json!({
            "credential_issuer": "https://a.example",
            "credential_configuration_ids": ids,
        })
        .to_string();
        assert!(big.len() <= super::offer::MAX_OFFER_LEN);
        assert!(super::offer::CredentialOffer::parse(big.as_bytes()).is_ok());
        offer(big.as_bytes());
    }
}
