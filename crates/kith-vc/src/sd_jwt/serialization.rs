//! The compact serialization (RFC 9901 §4):
//! `<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~[<KB-JWT>]`.
//!
//! <https://www.rfc-editor.org/rfc/rfc9901#section-4>

use crate::Error;

use super::MAX_SD_JWT_LEN;

/// An SD-JWT or SD-JWT+KB split at its tildes, borrowing from the input.
#[derive(Debug, Clone)]
pub(crate) struct Compact<'a> {
    /// The Issuer-signed JWT.
    pub(crate) jwt: &'a str,
    /// The disclosures, in the order presented.
    pub(crate) disclosures: Vec<&'a str>,
    /// The Key Binding JWT of an SD-JWT+KB.
    pub(crate) kb_jwt: Option<&'a str>,
    /// `<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~`: the SD-JWT without its
    /// KB-JWT, which is what `sd_hash` covers (RFC 9901 §4.3.1).
    pub(crate) sd_jwt: &'a str,
}

impl<'a> Compact<'a> {
    /// Splits `input`, refusing it before any decoding if it is over [`MAX_SD_JWT_LEN`].
    pub(crate) fn split(input: &'a str) -> Result<Self, Error> {
        if input.len() > MAX_SD_JWT_LEN {
            return Err(Error::TooLarge {
                what: "SD-JWT",
                size: input.len(),
                limit: MAX_SD_JWT_LEN,
            });
        }
        // > In the case that there is no Key Binding JWT, the last element MUST be an
        // > empty string and the last separating tilde character MUST NOT be omitted.
        // <https://www.rfc-editor.org/rfc/rfc9901#section-4>
        let last = input.rfind('~').ok_or_else(|| {
            Error::malformed(
                "SD-JWT",
                "no '~': an SD-JWT is <issuer-signed JWT>~<disclosures>~ with an optional KB-JWT after the last '~'",
            )
        })?;
        let (sd_jwt, kb_jwt) = input.split_at(last + 1);
        let mut parts = sd_jwt[..last].split('~');
        let jwt = parts.next().unwrap_or_default();
        if jwt.is_empty() {
            return Err(Error::malformed("SD-JWT", "the issuer-signed JWT is empty"));
        }
        let disclosures: Vec<&str> = parts.collect();
        if let Some(position) = disclosures.iter().position(|d| d.is_empty()) {
            return Err(Error::malformed(
                "SD-JWT",
                format!("disclosure #{} is empty ('~~')", position + 1),
            ));
        }
        Ok(Self {
            jwt,
            disclosures,
            kb_jwt: (!kb_jwt.is_empty()).then_some(kb_jwt),
            sd_jwt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_each_form_of_rfc9901_section_4() {
        let plain = Compact::split("h.p.s~").unwrap();
        assert_eq!(
            (plain.jwt, plain.disclosures.len(), plain.kb_jwt),
            ("h.p.s", 0, None)
        );
        let with = Compact::split("h.p.s~d1~d2~").unwrap();
        assert_eq!(with.disclosures, ["d1", "d2"]);
        assert_eq!(with.sd_jwt, "h.p.s~d1~d2~");
        let kb = Compact::split("h.p.s~d1~k.b.j").unwrap();
        assert_eq!((kb.kb_jwt, kb.sd_jwt), (Some("k.b.j"), "h.p.s~d1~"));
        let kb_only = Compact::split("h.p.s~k.b.j").unwrap();
        assert_eq!(
            (kb_only.disclosures.len(), kb_only.kb_jwt),
            (0, Some("k.b.j"))
        );
    }

    #[test]
    fn refuses_malformed_and_oversized_input() {
        for bad in ["h.p.s", "~d~", "h.p.s~~", "h.p.s~d~~"] {
            assert_eq!(
                Compact::split(bad).unwrap_err().code(),
                "malformed",
                "{bad}"
            );
        }
        let huge = "a".repeat(MAX_SD_JWT_LEN + 1);
        assert_eq!(Compact::split(&huge).unwrap_err().code(), "too_large");
    }
}
