//! Credential Offers (OpenID4VCI 1.0 §4.1): the offer object, and the links that carry
//! it by value (`credential_offer`) or by reference (`credential_offer_uri`).
//!
//! Parsing is bounded and never panics: the link is at most [`MAX_OFFER_LINK_LEN`]
//! bytes, an offer object at most [`MAX_OFFER_LEN`], and its values are checked
//! against §4.1.1 (a non-empty list of unique configuration ids, a `tx_code`
//! `description` of at most 300 characters, an `input_mode` of `numeric` or `text`).

use serde::{Deserialize, Serialize};
use url::Url;
use url::form_urlencoded;

use super::Error;
use super::metadata::{PRE_AUTHORIZED_CODE_GRANT, check_url};

/// The custom URL scheme of a wallet's Credential Offer Endpoint (§4.1, §12.1).
pub const OFFER_SCHEME: &str = "openid-credential-offer";
/// Longest offer link accepted: room for a [`MAX_OFFER_LEN`] offer percent-encoded.
pub const MAX_OFFER_LINK_LEN: usize = 64 * 1024;
/// Longest offer object accepted (by value, or fetched by reference).
pub const MAX_OFFER_LEN: usize = 16 * 1024;
/// Most credential configurations one offer may name.
pub const MAX_OFFERED_CONFIGURATIONS: usize = 32;
/// Longest identifier, code or grant value accepted in an offer.
pub const MAX_OFFER_VALUE_LEN: usize = 1024;
/// Longest `tx_code` `description` (§4.1.1: "MUST NOT exceed 300 characters").
pub const MAX_TX_CODE_DESCRIPTION_CHARS: usize = 300;
/// Longest transaction code Kith asks for or accepts.
pub const MAX_TX_CODE_LEN: usize = 64;

/// The character set of a transaction code (§4.1.1 `input_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMode {
    /// Digits only (the default).
    Numeric,
    /// Any characters.
    Text,
}

/// What the wallet must ask the End-User for (§4.1.1 `tx_code`). Present, even
/// empty, means a transaction code is required.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TxCode {
    /// `input_mode`; absent means `numeric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_mode: Option<InputMode>,
    /// `length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// `description`: where the code comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The Pre-Authorized Code grant of an offer (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    /// `pre-authorized_code`: short-lived and single-use.
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: String,
    /// `tx_code`: present when a transaction code is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
    /// `authorization_server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// The Authorization Code grant of an offer (§4.1.1); Kith's wallet does not run it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuthorizationCodeGrant {
    /// `issuer_state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_state: Option<String>,
    /// `authorization_server`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// `grants` (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Grants {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// `authorization_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<AuthorizationCodeGrant>,
}

impl Grants {
    fn is_empty(&self) -> bool {
        self.pre_authorized_code.is_none() && self.authorization_code.is_none()
    }
}

/// A Credential Offer object (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// `credential_issuer`: the Credential Issuer Identifier.
    pub credential_issuer: String,
    /// `credential_configuration_ids`: keys of the issuer's
    /// `credential_configurations_supported`.
    pub credential_configuration_ids: Vec<String>,
    /// `grants`.
    #[serde(default, skip_serializing_if = "Grants::is_empty")]
    pub grants: Grants,
}

/// How a link carries its offer (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferLink {
    /// `credential_offer`: the offer itself.
    ByValue(CredentialOffer),
    /// `credential_offer_uri`: where to GET it.
    ByReference(Url),
}

impl CredentialOffer {
    /// Parses an offer object (from a link or fetched by reference) with Kith's bounded
    /// JSON parser, then checks it against §4.1.1. Unknown members are ignored.
    pub fn parse(json: &[u8]) -> Result<Self, Error> {
        if json.len() > MAX_OFFER_LEN {
            return Err(Error::InvalidOffer(format!(
                "the offer is {} bytes, over the {MAX_OFFER_LEN}-byte limit",
                json.len()
            )));
        }
        let value = kith_vc::json::parse(json)
            .map_err(|e| Error::InvalidOffer(format!("not JSON: {e}")))?;
        let offer: Self = serde_json::from_value(value)
            .map_err(|e| Error::InvalidOffer(format!("not a credential offer: {e}")))?;
        offer.validate()?;
        Ok(offer)
    }

    /// Checks the offer against §4.1.1.
    pub fn validate(&self) -> Result<(), Error> {
        check_url(&self.credential_issuer, "credential_issuer", true)
            .map_err(Error::InvalidOffer)?;
        let ids = &self.credential_configuration_ids;
        if ids.is_empty() {
            return Err(Error::InvalidOffer(
                "credential_configuration_ids must not be empty".into(),
            ));
        }
        if ids.len() > MAX_OFFERED_CONFIGURATIONS {
            return Err(Error::InvalidOffer(format!(
                "more than {MAX_OFFERED_CONFIGURATIONS} credential configurations"
            )));
        }
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() || id.len() > MAX_OFFER_VALUE_LEN {
                return Err(Error::InvalidOffer(
                    "a credential configuration id is empty or too long".into(),
                ));
            }
            if ids[..i].contains(id) {
                return Err(Error::InvalidOffer(format!(
                    "credential configuration {id:?} is offered twice (the ids must be unique)"
                )));
            }
        }
        if let Some(grant) = &self.grants.pre_authorized_code {
            let code = &grant.pre_authorized_code;
            if code.is_empty() || code.len() > MAX_OFFER_VALUE_LEN {
                return Err(Error::InvalidOffer(
                    "pre-authorized_code is empty or too long".into(),
                ));
            }
            if let Some(tx_code) = &grant.tx_code {
                if tx_code
                    .description
                    .as_ref()
                    .is_some_and(|d| d.chars().count() > MAX_TX_CODE_DESCRIPTION_CHARS)
                {
                    return Err(Error::InvalidOffer(format!(
                        "the tx_code description is longer than {MAX_TX_CODE_DESCRIPTION_CHARS} characters"
                    )));
                }
                if tx_code
                    .length
                    .is_some_and(|n| n == 0 || n as usize > MAX_TX_CODE_LEN)
                {
                    return Err(Error::InvalidOffer(format!(
                        "the tx_code length must be between 1 and {MAX_TX_CODE_LEN}"
                    )));
                }
            }
            if grant
                .authorization_server
                .as_ref()
                .is_some_and(|s| s.len() > MAX_OFFER_VALUE_LEN)
            {
                return Err(Error::InvalidOffer(
                    "authorization_server is too long".into(),
                ));
            }
        }
        Ok(())
    }

    /// The offer as a by-value link: `openid-credential-offer://?credential_offer=…`.
    pub fn to_link(&self) -> String {
        // A struct of strings always serializes.
        let json = serde_json::to_string(self).unwrap_or_default();
        format!(
            "{OFFER_SCHEME}://?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("credential_offer", &json)
                .finish()
        )
    }

    /// The pre-authorized code grant, if the offer has one.
    pub fn pre_authorized_grant(&self) -> Option<&PreAuthorizedCodeGrant> {
        self.grants.pre_authorized_code.as_ref()
    }
}

/// A by-reference link: `openid-credential-offer://?credential_offer_uri=…`.
pub fn offer_uri_link(offer_uri: &Url) -> String {
    format!(
        "{OFFER_SCHEME}://?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("credential_offer_uri", offer_uri.as_str())
            .finish()
    )
}

impl OfferLink {
    /// Parses a link to a wallet's Credential Offer Endpoint: the custom scheme
    /// `openid-credential-offer://`, or an `https` (universal) link, with exactly one
    /// of `credential_offer` and `credential_offer_uri` in its query (§4.1). A
    /// `credential_offer_uri` must be `https` (or `http` on a loopback host).
    pub fn parse(link: &str) -> Result<Self, Error> {
        if link.len() > MAX_OFFER_LINK_LEN {
            return Err(Error::InvalidOffer(format!(
                "the link is {} bytes, over the {MAX_OFFER_LINK_LEN}-byte limit",
                link.len()
            )));
        }
        let link = link.trim();
        let (base, query) = link
            .split_once('?')
            .ok_or_else(|| Error::InvalidOffer("the link has no query".into()))?;
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        let scheme = base.split_once(':').map(|(s, _)| s).unwrap_or_default();
        if !(scheme.eq_ignore_ascii_case(OFFER_SCHEME)
            || scheme.eq_ignore_ascii_case("https")
            || scheme.eq_ignore_ascii_case("http"))
        {
            return Err(Error::InvalidOffer(format!(
                "the link's scheme {scheme:?} is not {OFFER_SCHEME}, https or http"
            )));
        }
        let mut by_value = None;
        let mut by_reference = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "credential_offer" => &mut by_value,
                "credential_offer_uri" => &mut by_reference,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(Error::InvalidOffer(format!("{name} appears twice")));
            }
        }
        match (by_value, by_reference) {
            (Some(json), None) => CredentialOffer::parse(json.as_bytes()).map(Self::ByValue),
            (None, Some(uri)) => check_url(&uri, "credential_offer_uri", false)
                .map(Self::ByReference)
                .map_err(Error::InvalidOffer),
            (Some(_), Some(_)) => Err(Error::InvalidOffer(
                "credential_offer and credential_offer_uri must not both be present".into(),
            )),
            (None, None) => Err(Error::InvalidOffer(
                "the link has neither credential_offer nor credential_offer_uri".into(),
            )),
        }
    }
}

/// Whether `grant_type` is the Pre-Authorized Code grant.
pub(crate) fn is_pre_authorized_grant(grant_type: &str) -> bool {
    grant_type == PRE_AUTHORIZED_CODE_GRANT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> CredentialOffer {
        CredentialOffer {
            credential_issuer: "https://issuer.example.com".into(),
            credential_configuration_ids: vec!["pid".into()],
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: "oaKazRN8I0IbtZ0C7JuMn5".into(),
                    tx_code: Some(TxCode {
                        input_mode: Some(InputMode::Text),
                        length: None,
                        description: Some("Please enter the serial number".into()),
                    }),
                    authorization_server: None,
                }),
                authorization_code: None,
            },
        }
    }

    #[test]
    fn the_spec_example_parses() {
        // OpenID4VCI 1.0 §4.1.2, the native-app example.
        let link = "openid-credential-offer://?credential_offer=%7B%22credential_issuer%22:%22https://credential-issuer.example.com%22,%22credential_configuration_ids%22:%5B%22org.iso.18013.5.1.mDL%22%5D,%22grants%22:%7B%22urn:ietf:params:oauth:grant-type:pre-authorized_code%22:%7B%22pre-authorized_code%22:%22oaKazRN8I0IbtZ0C7JuMn5%22,%22tx_code%22:%7B%22input_mode%22:%22text%22,%22description%22:%22Please%20enter%20the%20serial%20number%20of%20your%20physical%20drivers%20license%22%7D%7D%7D%7D";
        let OfferLink::ByValue(offer) = OfferLink::parse(link).unwrap() else {
            panic!("by value")
        };
        let grant = offer.pre_authorized_grant().unwrap();
        assert_eq!(grant.pre_authorized_code, "oaKazRN8I0IbtZ0C7JuMn5");
        assert_eq!(
            grant.tx_code.as_ref().unwrap().input_mode,
            Some(InputMode::Text)
        );
    }

    #[test]
    fn by_value_round_trips() {
        let offer = offer();
        assert_eq!(
            OfferLink::parse(&offer.to_link()).unwrap(),
            OfferLink::ByValue(offer)
        );
    }

    #[test]
    fn by_reference_needs_https() {
        let uri = Url::parse("https://issuer.example.com/offer/1").unwrap();
        assert_eq!(
            OfferLink::parse(&offer_uri_link(&uri)).unwrap(),
            OfferLink::ByReference(uri)
        );
        let plain = "openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fevil.example%2Fo";
        assert_eq!(
            OfferLink::parse(plain).unwrap_err().code(),
            "invalid_credential_offer"
        );
    }

    #[test]
    fn malformed_links_are_refused() {
        for link in [
            "openid-credential-offer://",
            "openid-credential-offer://?foo=bar",
            "mailto:?credential_offer=%7B%7D",
            "openid-credential-offer://?credential_offer=%7B%7D",
            "openid-credential-offer://?credential_offer=x&credential_offer=y",
            "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa.example",
        ] {
            assert_eq!(
                OfferLink::parse(link).unwrap_err().code(),
                "invalid_credential_offer",
                "{link}"
            );
        }
        let mut duplicate = offer();
        duplicate.credential_configuration_ids = vec!["a".into(), "a".into()];
        assert!(duplicate.validate().is_err());
        let mut long = offer();
        long.grants
            .pre_authorized_code
            .as_mut()
            .unwrap()
            .tx_code
            .as_mut()
            .unwrap()
            .description = Some("x".repeat(301));
        assert!(long.validate().is_err());
    }
}
