//! SD-JWT VC: the `dc+sd-jwt` profile of SD-JWT (draft-ietf-oauth-sd-jwt-vc).
//!
//! What the profile adds to RFC 9901: the `typ` header, a required `vct` type claim,
//! and registered claims that must never be selectively disclosable. The claim set
//! is plain JSON claims (`vct`, `iss`, `sub`, ...), not a VCDM JSON-LD document.
//!
//! <https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/>

use serde_json::{Map, Value};

use crate::Error;

use super::jwt::typ_is;

/// The `typ` of an SD-JWT VC.
pub const TYP_DC_SD_JWT: &str = "dc+sd-jwt";
/// The `typ` older SD-JWT VC issuers used before the media type was renamed.
pub const TYP_VC_SD_JWT: &str = "vc+sd-jwt";
/// The `typ` of the RFC 9901 examples and the sd-jwt-python test cases.
pub const TYP_EXAMPLE_SD_JWT: &str = "example+sd-jwt";

/// Registered claims that an SD-JWT VC must not disclose selectively, together with
/// their sub-claims.
///
/// > The following registered JWT claims, including any of their sub-claims, when used
/// > in the SD-JWT component of an SD-JWT VC, MUST NOT be included in Disclosures and
/// > therefore MUST NOT be selectively disclosed
///
/// (draft-ietf-oauth-sd-jwt-vc, "Registered JWT Claims"). Kith's issuer refuses them
/// for every `typ`, together with `_sd_alg`.
pub const NON_DISCLOSABLE: [&str; 7] =
    ["iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"];

/// Which rules a verified SD-JWT follows, as its `typ` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    /// SD-JWT VC: `vct` required, [`NON_DISCLOSABLE`] enforced.
    Vc,
    /// Plain RFC 9901 (`example+sd-jwt`): only the rules of RFC 9901.
    Example,
}

impl Profile {
    /// Reads the profile from the Issuer-signed JWT's `typ`.
    ///
    /// > The Issuer MUST include the `typ` header parameter in the SD-JWT. The `typ`
    /// > value MUST use `dc+sd-jwt`.
    ///
    /// (draft-ietf-oauth-sd-jwt-vc, "JOSE Header"). RFC 9901 §9.11 asks for explicit
    /// typing so a JWT of another kind cannot pass for an SD-JWT.
    pub(crate) fn from_typ(typ: Option<&str>, allow_example: bool) -> Result<Self, Error> {
        match typ {
            Some(typ) if typ_is(typ, TYP_DC_SD_JWT) || typ_is(typ, TYP_VC_SD_JWT) => Ok(Self::Vc),
            Some(typ) if allow_example && typ_is(typ, TYP_EXAMPLE_SD_JWT) => Ok(Self::Example),
            Some(typ) => Err(Error::InvalidProof(format!(
                "the issuer-signed JWT has typ {typ:?}; an SD-JWT VC has typ {TYP_DC_SD_JWT:?}"
            ))),
            None => Err(Error::InvalidProof(format!(
                "the issuer-signed JWT has no typ; an SD-JWT VC has typ {TYP_DC_SD_JWT:?}"
            ))),
        }
    }

    /// Top-level claims that may be neither disclosed nor contain disclosures.
    pub(crate) fn non_disclosable(self) -> &'static [&'static str] {
        match self {
            Self::Vc => &NON_DISCLOSABLE,
            Self::Example => &[],
        }
    }

    /// Checks the processed claims against the profile.
    pub(crate) fn check_claims(self, claims: &Map<String, Value>) -> Result<(), Error> {
        if self == Self::Vc && !matches!(claims.get("vct"), Some(Value::String(_))) {
            // > `vct`: REQUIRED. The type of the Verifiable Digital Credential
            // (draft-ietf-oauth-sd-jwt-vc, "Registered JWT Claims")
            return Err(Error::malformed(
                "SD-JWT VC",
                "vct is missing or not a string",
            ));
        }
        Ok(())
    }
}

/// Whether `typ` is one of the SD-JWT VC media types.
pub(crate) fn is_vc_typ(typ: &str) -> bool {
    typ_is(typ, TYP_DC_SD_JWT) || typ_is(typ, TYP_VC_SD_JWT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_selects_the_profile() {
        assert_eq!(
            Profile::from_typ(Some("dc+sd-jwt"), false).unwrap(),
            Profile::Vc
        );
        assert_eq!(
            Profile::from_typ(Some("vc+sd-jwt"), false).unwrap(),
            Profile::Vc
        );
        assert_eq!(
            Profile::from_typ(Some("example+sd-jwt"), true).unwrap(),
            Profile::Example
        );
        for (typ, allow) in [
            (Some("example+sd-jwt"), false),
            (Some("JWT"), true),
            (None, true),
        ] {
            assert_eq!(
                Profile::from_typ(typ, allow).unwrap_err().code(),
                "invalid_proof",
                "{typ:?}"
            );
        }
    }
}
