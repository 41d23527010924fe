//! The IETF Token Status List (draft-ietf-oauth-status-list): the revocation mechanism
//! of SD-JWT VCs.
//!
//! - [`TokenStatusList`]: `bits` (1, 2, 4 or 8) per Referenced Token, packed
//!   least-significant bit first, serialized as `{bits, lst}` with `lst` the base64url
//!   of the ZLIB (RFC 1950) of the bytes (draft §4.1, §4.2), decoded with hard limits.
//! - [`StatusListReference`], [`status_claim`]: the Referenced Token's
//!   `status.status_list {idx, uri}` (draft §6.1, §6.2).
//! - [`create_status_list_token`], [`verify_status_list_token`]: the Status List Token,
//!   a JWT of `typ` `statuslist+jwt` (draft §5.1), verified against the issuer's DID.
//! - [`TokenStatusListChecker`]: the verifier's side (draft §8.3), behind the
//!   [`StatusChecker`] seam, with the same [`StatusListSource`] and cache settings as
//!   the Bitstring checker (which hands it every `status_list` claim).
//!
//! Section numbers (§) are those of draft-ietf-oauth-status-list-12 and later:
//! §4 Status List, §5 Status List Token, §6 Referenced Token, §7 Status Types,
//! §8 Verification and Processing.
//! <https://datatracker.ietf.org/doc/draft-ietf-oauth-status-list/>

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use flate2::Compression;
use flate2::bufread::ZlibDecoder;
use flate2::write::ZlibEncoder;
use kith_crypto::{CompactJws, Header, Signer, sign_compact};
use kith_did::{Relationship, Resolver};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use url::Url;

use super::bitstring::BitstringStatusList;
use super::checker::{InFlight, StatusCacheConfig, StatusListSource, after};
use super::{StatusChecker, StatusResult};
use crate::datetime::Clock;
use crate::{Error, Verifier, resolve_authorized_key_at};

/// The `typ` of a Status List Token in JWT format (draft §5.1).
pub const TYP_STATUS_LIST_JWT: &str = "statuslist+jwt";
/// The media type a Relying Party asks for, and a Status Provider answers with
/// (draft §8.1, §8.2).
pub const MEDIA_TYPE_STATUS_LIST_JWT: &str = "application/statuslist+jwt";

/// Status Type VALID (draft §7.1).
pub const VALID: u8 = 0x00;
/// Status Type INVALID: revoked, permanently (draft §7.1).
pub const INVALID: u8 = 0x01;
/// Status Type SUSPENDED: temporarily invalid (draft §7.1).
pub const SUSPENDED: u8 = 0x02;

/// The longest status list accepted, in bytes (16 MiB): a decoder stops inflating
/// there, so a small ZLIB bomb cannot exhaust memory.
pub const MAX_TOKEN_LIST_LEN: usize = super::MAX_LIST_LEN;
/// The longest `lst` accepted, in characters.
pub const MAX_LST_LEN: usize = crate::MAX_INPUT_LEN;

/// A Status List (draft §4): `bits` bits per Referenced Token, the token at index `i`
/// in byte `i * bits / 8`, the first token in the least significant bits (draft §4.1).
///
/// ```
/// use kith_vc::status::{TokenStatusList, INVALID};
///
/// let mut list = TokenStatusList::new(1, 16)?;
/// list.set(0, INVALID)?;
/// list.set(3, INVALID)?;
/// assert_eq!(list.as_bytes()[0], 0b0000_1001);
/// let again = TokenStatusList::decode(1, &list.encode())?;
/// assert_eq!(again.get(3), Some(INVALID));
/// # Ok::<(), kith_vc::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl fmt::Debug for TokenStatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStatusList")
            .field("bits", &self.bits)
            .field("entries", &self.entries())
            .finish()
    }
}

/// Where the status of index `idx` sits in a list of `bits`-bit statuses (draft
/// §4.1): the byte, and the shift of its lowest bit within that byte. `None` for a
/// `bits` other than 1, 2, 4, 8 or an index whose byte does not fit in memory.
pub fn bit_position(bits: u8, idx: u64) -> Option<(usize, u32)> {
    if !matches!(bits, 1 | 2 | 4 | 8) {
        return None;
    }
    let per_byte = u64::from(8 / bits);
    let byte = usize::try_from(idx / per_byte).ok()?;
    // LSB first: the first status of a byte is in its least significant bits.
    let shift = u32::try_from(idx % per_byte).ok()? * u32::from(bits);
    Some((byte, shift))
}

impl TokenStatusList {
    /// A list of at least `entries` statuses of `bits` bits, all VALID, rounded up to
    /// whole bytes. A `bits` other than 1, 2, 4, 8 or over [`MAX_TOKEN_LIST_LEN`]
    /// bytes is `api_misuse`.
    pub fn new(bits: u8, entries: u64) -> Result<Self, Error> {
        check_bits(bits).map_err(|e| Error::ApiMisuse(e.to_string()))?;
        let len = entries
            .checked_mul(u64::from(bits))
            .map(|b| b.div_ceil(8))
            .and_then(|len| usize::try_from(len).ok())
            .filter(|len| *len <= MAX_TOKEN_LIST_LEN)
            .ok_or_else(|| {
                Error::ApiMisuse(format!(
                    "a status list of {entries} {bits}-bit entries is over {MAX_TOKEN_LIST_LEN} bytes"
                ))
            })?;
        Ok(Self {
            bits,
            bytes: vec![0; len],
        })
    }

    /// A list over stored bytes (as [`as_bytes`](Self::as_bytes) returns them). A bad
    /// `bits` is `status_list_malformed`, over [`MAX_TOKEN_LIST_LEN`] bytes
    /// `status_list_too_large`.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<Self, Error> {
        check_bits(bits)?;
        if bytes.len() > MAX_TOKEN_LIST_LEN {
            return Err(too_large(format!(
                "a status list of {} bytes is over the {MAX_TOKEN_LIST_LEN}-byte limit",
                bytes.len()
            )));
        }
        Ok(Self { bits, bytes })
    }

    /// The same statuses as a Bitstring Status List (1 bit each): Bitstring Status
    /// List puts index 0 in the most significant bit of byte 0 (its §7.1), the Token
    /// Status List in the least significant one (draft §4.1), so each byte is mirrored.
    pub fn from_bitstring(list: &BitstringStatusList) -> Self {
        Self {
            bits: 1,
            bytes: list.as_bytes().iter().map(|b| b.reverse_bits()).collect(),
        }
    }

    /// Bits per status: 1, 2, 4 or 8.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The packed statuses.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many statuses the list holds.
    pub fn entries(&self) -> u64 {
        self.bytes.len() as u64 * u64::from(8 / self.bits)
    }

    /// The status at `idx`, or `None` past the end of the list.
    #[inline]
    pub fn get(&self, idx: u64) -> Option<u8> {
        let (byte, shift) = bit_position(self.bits, idx)?;
        let byte = *self.bytes.get(byte)?;
        Some((byte >> shift) & self.mask())
    }

    /// Sets the status at `idx`. Past the end is `status_index_out_of_range`; a value
    /// that does not fit in `bits` bits is `api_misuse`.
    pub fn set(&mut self, idx: u64, value: u8) -> Result<(), Error> {
        let mask = self.mask();
        if value & !mask != 0 {
            return Err(Error::ApiMisuse(format!(
                "status {value} does not fit in {} bits",
                self.bits
            )));
        }
        let entries = self.entries();
        let (byte, shift) =
            bit_position(self.bits, idx).ok_or_else(|| out_of_range(idx, entries))?;
        let byte = self
            .bytes
            .get_mut(byte)
            .ok_or_else(|| out_of_range(idx, entries))?;
        *byte = (*byte & !(mask << shift)) | (value << shift);
        Ok(())
    }

    fn mask(&self) -> u8 {
        // bits is 1, 2, 4 or 8: 0x01, 0x03, 0x0F, 0xFF.
        (((1u16) << self.bits) - 1) as u8
    }

    /// The `lst` value: base64url without padding of the ZLIB (RFC 1950) DEFLATE of the
    /// bytes, at the highest compression (draft §4.1 "SHOULD use the highest
    /// compression level").
    pub fn encode(&self) -> String {
        let mut zlib = ZlibEncoder::new(
            Vec::with_capacity(self.bytes.len() / 64 + 64),
            Compression::best(),
        );
        // Writing to a Vec cannot fail.
        let compressed = zlib
            .write_all(&self.bytes)
            .and_then(|()| zlib.finish())
            .unwrap_or_default();
        kith_crypto::multibase::base64url_encode(&compressed)
    }

    /// Inflates an `lst` of `bits`-bit statuses, with limits: over [`MAX_LST_LEN`]
    /// characters or [`MAX_TOKEN_LIST_LEN`] inflated bytes is `status_list_too_large`;
    /// not base64url, not one complete ZLIB stream (checksum checked), data after it or
    /// a bad `bits` is `status_list_malformed`.
    pub fn decode(bits: u8, lst: &str) -> Result<Self, Error> {
        check_bits(bits)?;
        if lst.len() > MAX_LST_LEN {
            return Err(too_large(format!(
                "an lst of {} characters is over the {MAX_LST_LEN}-character limit",
                lst.len()
            )));
        }
        let compressed = kith_crypto::multibase::base64url_decode(lst)
            .map_err(|e| malformed(format!("lst is not base64url: {e}")))?;
        let mut decoder = ZlibDecoder::new(compressed.as_slice());
        let mut bytes = Vec::new();
        // One byte over the cap tells "exactly at the cap" from "over it".
        (&mut decoder)
            .take(MAX_TOKEN_LIST_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| malformed(format!("lst is not valid ZLIB: {e}")))?;
        if bytes.len() > MAX_TOKEN_LIST_LEN {
            return Err(too_large(format!(
                "lst inflates to over {MAX_TOKEN_LIST_LEN} bytes"
            )));
        }
        if !decoder.into_inner().is_empty() {
            return Err(malformed("lst has data after its ZLIB stream"));
        }
        Self::from_bytes(bits, bytes)
    }

    /// The Status List in JSON (draft §4.2): `{"bits": …, "lst": …}`.
    pub fn to_json(&self) -> Value {
        json!({"bits": self.bits, "lst": self.encode()})
    }

    /// Reads a Status List in JSON (draft §4.2): `bits` and `lst` required; an
    /// `aggregation_uri` (draft §9) is allowed and ignored.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let Value::Object(object) = value else {
            return Err(malformed("status_list must be a JSON object"));
        };
        let bits = object
            .get("bits")
            .and_then(Value::as_u64)
            .and_then(|b| u8::try_from(b).ok())
            .ok_or_else(|| malformed("status_list.bits must be 1, 2, 4 or 8"))?;
        let Some(Value::String(lst)) = object.get("lst") else {
            return Err(malformed("status_list.lst must be a string"));
        };
        Self::decode(bits, lst)
    }
}

fn check_bits(bits: u8) -> Result<(), Error> {
    // draft §4.1: "bits ... MUST be one of 1, 2, 4, 8".
    if matches!(bits, 1 | 2 | 4 | 8) {
        Ok(())
    } else {
        Err(malformed(format!(
            "status_list.bits must be 1, 2, 4 or 8, not {bits}"
        )))
    }
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::model("status_list_malformed", detail)
}

fn too_large(detail: impl Into<String>) -> Error {
    Error::model("status_list_too_large", detail)
}

fn invalid_claim(detail: impl Into<String>) -> Error {
    Error::model("invalid_status_entry", detail)
}

fn out_of_range(idx: u64, entries: u64) -> Error {
    Error::model(
        "status_index_out_of_range",
        format!("status_list idx {idx} is past the end of a list of {entries} entries"),
    )
}

/// A Referenced Token's `status.status_list` (draft §6.2), borrowing its `uri`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusListReference<'a> {
    /// `idx`: the token's index in the list.
    pub idx: u64,
    /// `uri`: where the Status List Token is, exactly as written (the checker's cache
    /// key and what the token's `sub` must equal).
    pub uri: &'a str,
}

impl<'a> StatusListReference<'a> {
    /// Reads the `status` claim of a Referenced Token (draft §6.1: a JSON object; §6.2:
    /// its `status_list` member `{idx, uri}`, `idx` a non-negative integer, `uri` a
    /// string). A `status` without `status_list` is `status_type_unsupported`; a
    /// malformed one `invalid_status_entry`.
    pub fn parse(status: &'a Value) -> Result<Self, Error> {
        let Value::Object(status) = status else {
            return Err(invalid_claim("the status claim must be a JSON object"));
        };
        let Some(reference) = status.get("status_list") else {
            return Err(Error::model(
                "status_type_unsupported",
                "the status claim has no status_list (the only mechanism Kith checks)",
            ));
        };
        let Value::Object(reference) = reference else {
            return Err(invalid_claim("status.status_list must be a JSON object"));
        };
        let idx = reference
            .get("idx")
            .and_then(Value::as_u64)
            .ok_or_else(|| {
                invalid_claim("status.status_list.idx must be a non-negative integer")
            })?;
        let Some(Value::String(uri)) = reference.get("uri") else {
            return Err(invalid_claim("status.status_list.uri must be a string"));
        };
        Ok(Self { idx, uri })
    }

    /// The `uri` as a URL (`invalid_status_entry` if it is not one).
    pub fn url(&self) -> Result<Url, Error> {
        Url::parse(self.uri)
            .map_err(|e| invalid_claim(format!("status_list.uri {:?} is not a URL: {e}", self.uri)))
    }
}

/// The `status` claim of a Referenced Token (draft §6.2):
/// `{"status_list": {"idx": idx, "uri": uri}}`.
pub fn status_claim(uri: &str, idx: u64) -> Value {
    json!({"status_list": {"idx": idx, "uri": uri}})
}

/// The claims of a Status List Token besides the list (draft §5.1).
#[derive(Debug, Clone)]
pub struct StatusListTokenClaims<'a> {
    /// `sub`: the URI the token is served at, the `uri` of the Referenced Tokens.
    pub uri: &'a str,
    /// `iss`, if any (the issuer's DID).
    pub issuer: Option<&'a str>,
    /// `iat`.
    pub issued_at: OffsetDateTime,
    /// `exp`, if any.
    pub expires: Option<OffsetDateTime>,
    /// `ttl`: how long, in seconds, the token may be cached before it is fetched again.
    pub ttl: Option<u64>,
}

/// Signs a Status List Token (draft §5.1): header `{alg, kid, typ: statuslist+jwt}`,
/// claims `sub`, `iat`, optional `iss`, `exp`, `ttl`, and `status_list`.
pub async fn create_status_list_token(
    list: &TokenStatusList,
    claims: &StatusListTokenClaims<'_>,
    signer: &dyn Signer,
    kid: &str,
) -> Result<String, Error> {
    let mut payload = Map::new();
    if let Some(iss) = claims.issuer {
        payload.insert("iss".into(), json!(iss));
    }
    payload.insert("sub".into(), json!(claims.uri));
    payload.insert("iat".into(), json!(claims.issued_at.unix_timestamp()));
    if let Some(exp) = claims.expires {
        payload.insert("exp".into(), json!(exp.unix_timestamp()));
    }
    if let Some(ttl) = claims.ttl {
        payload.insert("ttl".into(), json!(ttl));
    }
    payload.insert("status_list".into(), list.to_json());
    let payload = serde_json::to_vec(&Value::Object(payload))
        .map_err(|e| Error::ApiMisuse(format!("the Status List Token does not serialize: {e}")))?;
    let header = Header {
        kid: Some(kid.to_owned()),
        typ: Some(TYP_STATUS_LIST_JWT.to_owned()),
        ..Header::default()
    };
    Ok(sign_compact(header, &payload, signer).await?)
}

/// What a Relying Party expects of a Status List Token.
#[derive(Debug, Clone)]
pub struct StatusListTokenExpectation<'a> {
    /// The `uri` the Referenced Token named: `sub` must equal it (draft §8.3 step 3).
    pub uri: &'a str,
    /// When set, the token must be signed by a key of this DID (the Referenced Token's
    /// issuer); otherwise by a key of the DID its `kid` (relative to `iss`) names.
    pub issuer: Option<&'a str>,
    /// The current time, against which `exp` is judged.
    pub now: OffsetDateTime,
    /// Tolerated clock difference.
    pub skew: Duration,
}

/// A verified Status List Token.
#[derive(Debug, Clone)]
pub struct VerifiedStatusListToken {
    /// The DID whose key signed it.
    pub issuer: String,
    /// The absolute id of the verification method that verified.
    pub method_id: String,
    /// `sub`.
    pub uri: String,
    /// `iat`.
    pub issued_at: OffsetDateTime,
    /// `exp`, if any.
    pub expires: Option<OffsetDateTime>,
    /// `ttl` in seconds, if any.
    pub ttl: Option<u64>,
    /// The list.
    pub list: TokenStatusList,
}

/// The JWS algorithms accepted for a Status List Token: those of Kith's JWTs (never
/// `none`, never HMAC).
const ALLOWED_ALGORITHMS: [kith_crypto::Algorithm; 4] = crate::jose::ALLOWED_ALGORITHMS;

/// `typ` compared as RFC 7515 §4.1.9 asks: case-insensitive, `application/` optional.
fn typ_is(typ: &str, expected: &str) -> bool {
    let typ = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
        _ => typ,
    };
    typ.eq_ignore_ascii_case(expected)
}

/// Verifies a Status List Token in JWT format (draft §5.1, §8.3 step 3): bounded
/// parse; `alg` on the allow-list; `typ` `statuslist+jwt` (else `status_list_malformed`);
/// `sub` equal to the expected `uri` (else `status_list_uri_mismatch`); the `kid`'s key
/// authorized for `assertionMethod` by the expected issuer (or by the DID the `kid`
/// names), then the signature; `iat` required; `exp` in the past (give or take the
/// skew) is `status_list_expired`; then `status_list` decoded with its limits.
pub async fn verify_status_list_token(
    jwt: &str,
    resolver: &dyn Resolver,
    expected: &StatusListTokenExpectation<'_>,
) -> Result<VerifiedStatusListToken, Error> {
    let jwt = jwt.trim();
    let jws = CompactJws::parse(jwt)?;
    // Refuse `none`, HMAC and unknown algorithms before any key is looked up.
    jws.header()
        .alg
        .parse::<kith_crypto::Algorithm>()
        .map_err(Error::from)?;
    // draft §5.1: "typ: REQUIRED. The JWT type MUST be statuslist+jwt."
    match jws.header().typ.as_deref() {
        Some(typ) if typ_is(typ, TYP_STATUS_LIST_JWT) => {}
        other => {
            return Err(malformed(format!(
                "a Status List Token's typ must be {TYP_STATUS_LIST_JWT}, not {other:?}"
            )));
        }
    }
    let Value::Object(claims) = crate::json::parse(jws.payload())? else {
        return Err(malformed(
            "the Status List Token's payload is not a JSON object",
        ));
    };
    // draft §5.1 sub: "MUST be equal to that of the uri claim contained in the
    // status_list claim of the Referenced Token"; §8.3 step 3.
    match claims.get("sub") {
        Some(Value::String(sub)) if sub == expected.uri => {}
        Some(Value::String(sub)) => {
            return Err(Error::model(
                "status_list_uri_mismatch",
                format!(
                    "the Status List Token is for {sub:?}, the credential references {:?}",
                    expected.uri
                ),
            ));
        }
        _ => return Err(malformed("the Status List Token's sub must be a string")),
    }
    let iss = match claims.get("iss") {
        None => None,
        Some(Value::String(iss)) => Some(iss.as_str()),
        Some(_) => return Err(malformed("the Status List Token's iss must be a string")),
    };
    if let (Some(iss), Some(issuer)) = (iss, expected.issuer)
        && iss != issuer
    {
        return Err(Error::model(
            "status_issuer_mismatch",
            format!("the Status List Token is issued by {iss}, the credential by {issuer}"),
        ));
    }
    let kid = jws
        .header()
        .kid
        .as_deref()
        .ok_or_else(|| Error::UnknownKey("the Status List Token has no kid".into()))?;
    let issued_at = crate::jose::numeric_date(&claims, "iat")?
        .ok_or_else(|| malformed("the Status List Token has no iat (draft §5.1: REQUIRED)"))?;
    // The signing key must belong to the Referenced Token's issuer (draft §8.3 step 3:
    // the Status List Token is validated, including its signature, with the trust the
    // Relying Party places in its issuer).
    let authorized = resolve_authorized_key_at(
        resolver,
        kid,
        expected.issuer.or(iss),
        Relationship::AssertionMethod,
        Some(issued_at),
    )
    .await?;
    jws.verify(&authorized.key, &ALLOWED_ALGORITHMS)?;

    // Authenticated from here on.
    let issuer = authorized.method_id.did().to_string();
    if let Some(iss) = iss
        && iss != issuer
    {
        return Err(Error::model(
            "status_issuer_mismatch",
            format!("the Status List Token's iss {iss} is not the DID of its key, {issuer}"),
        ));
    }
    let skew = time::Duration::try_from(expected.skew).unwrap_or(time::Duration::ZERO);
    let expires = crate::jose::numeric_date(&claims, "exp")?;
    // draft §8.3 step 3: an expired Status List Token is not used.
    if let Some(exp) = expires
        && expected.now - skew >= exp
    {
        return Err(Error::model(
            "status_list_expired",
            format!(
                "the Status List Token at {} expired at {}",
                expected.uri,
                crate::datetime::format_date_time(exp)
            ),
        ));
    }
    if expected.now + skew < issued_at {
        return Err(Error::model(
            "status_list_not_yet_valid",
            format!(
                "the Status List Token at {} is issued in the future ({})",
                expected.uri,
                crate::datetime::format_date_time(issued_at)
            ),
        ));
    }
    let ttl = match claims.get("ttl") {
        None => None,
        Some(ttl) => Some(ttl.as_u64().ok_or_else(|| {
            malformed(format!(
                "the Status List Token's ttl must be a number of seconds, not {ttl}"
            ))
        })?),
    };
    let list = TokenStatusList::from_json(
        claims
            .get("status_list")
            .ok_or_else(|| malformed("the Status List Token has no status_list"))?,
    )?;
    Ok(VerifiedStatusListToken {
        issuer,
        method_id: authorized.method_id.to_string(),
        uri: expected.uri.to_owned(),
        issued_at,
        expires,
        ttl,
        list,
    })
}

/// A verified list in the cache, or the failure to get one.
#[derive(Debug)]
enum Slot {
    List {
        issuer: String,
        list: TokenStatusList,
    },
    Failed {
        code: &'static str,
        detail: String,
    },
}

#[derive(Debug)]
struct Cached {
    slot: Slot,
    expires: OffsetDateTime,
}

impl Cached {
    fn bytes(&self) -> usize {
        match &self.slot {
            Slot::List { list, .. } => list.as_bytes().len(),
            Slot::Failed { .. } => 0,
        }
    }
}

/// Checks SD-JWT VC `status.status_list` claims (draft §8.3): fetches the Status List
/// Token through a [`StatusListSource`]
/// ([`fetch_status_list_token`](StatusListSource::fetch_status_list_token)), verifies it
/// ([`verify_status_list_token`]) and keeps the list for its `ttl` (within the
/// [`StatusCacheConfig`] bounds) and never past its `exp`.
///
/// The token must be signed by the credential's issuer (or one of
/// [`StatusCacheConfig::trusted_list_issuers`]); checked through
/// [`check`](StatusChecker::check), without a credential issuer, only trusted list
/// issuers are accepted. Status 1 (INVALID) is [`StatusResult::Revoked`], 2
/// (SUSPENDED) [`StatusResult::Suspended`], any other non-zero value
/// `status_value_unsupported`.
pub struct TokenStatusListChecker {
    resolver: Arc<dyn Resolver>,
    clock: Arc<dyn Clock>,
    skew: Duration,
    source: Arc<dyn StatusListSource>,
    config: StatusCacheConfig,
    cache: RwLock<HashMap<String, Cached>>,
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl fmt::Debug for TokenStatusListChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStatusListChecker")
            .field("config", &self.config)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
}

impl TokenStatusListChecker {
    /// A checker that gets Status List Tokens from `source` and finds keys with
    /// `verifier`'s resolver, clock and skew.
    pub fn new(verifier: &Verifier, source: Arc<dyn StatusListSource>) -> Self {
        Self::with_config(verifier, source, StatusCacheConfig::default())
    }

    /// [`new`](Self::new) with explicit cache settings (`ttl` is in seconds here, as
    /// the draft has it, and bounded by the same `min_ttl` / `max_ttl`).
    pub fn with_config(
        verifier: &Verifier,
        source: Arc<dyn StatusListSource>,
        config: StatusCacheConfig,
    ) -> Self {
        Self {
            resolver: Arc::clone(&verifier.resolver),
            clock: Arc::clone(&verifier.clock),
            skew: verifier.skew,
            source,
            config,
            cache: RwLock::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Drops the cached list (or failure) for `uri`.
    pub fn forget(&self, uri: &str) {
        self.write_cache().remove(uri);
    }

    /// Drops every cached list.
    pub fn clear(&self) {
        self.write_cache().clear();
    }

    /// How many lists (and failures) are cached.
    pub fn cached(&self) -> usize {
        self.read_cache().len()
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Cached>> {
        self.cache.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Cached>> {
        self.cache.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn cached_answer(
        &self,
        reference: &StatusListReference<'_>,
        issuer: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<StatusResult> {
        let cache = self.read_cache();
        let cached = cache.get(reference.uri)?;
        (now < cached.expires).then(|| self.evaluate(&cached.slot, reference, issuer))
    }

    /// draft §8.3 steps 4–5: the status at `idx`, for a list from a trusted issuer.
    fn evaluate(
        &self,
        slot: &Slot,
        reference: &StatusListReference<'_>,
        issuer: Option<&str>,
    ) -> StatusResult {
        let (list_issuer, list) = match slot {
            Slot::List { issuer, list } => (issuer, list),
            Slot::Failed { code, detail } => {
                return StatusResult::Unknown {
                    code,
                    detail: detail.clone(),
                };
            }
        };
        let trusted = issuer == Some(list_issuer.as_str())
            || self.config.trusted_list_issuers.contains(list_issuer);
        if !trusted {
            return StatusResult::Unknown {
                code: "status_issuer_mismatch",
                detail: match issuer {
                    Some(issuer) => format!(
                        "the Status List Token {} is signed by {list_issuer}, not by the credential's issuer {issuer}",
                        reference.uri
                    ),
                    None => format!(
                        "the Status List Token {} is signed by {list_issuer}, which is not a trusted status list issuer",
                        reference.uri
                    ),
                },
            };
        }
        // draft §8.3 step 4: an index past the end of the list is an error.
        match list.get(reference.idx) {
            Some(VALID) => StatusResult::Valid,
            Some(INVALID) => StatusResult::Revoked(format!(
                "status_list idx {} in {} is 0x01 (INVALID)",
                reference.idx, reference.uri
            )),
            Some(SUSPENDED) => StatusResult::Suspended(format!(
                "status_list idx {} in {} is 0x02 (SUSPENDED)",
                reference.idx, reference.uri
            )),
            Some(other) => StatusResult::Unknown {
                code: "status_value_unsupported",
                detail: format!(
                    "status_list idx {} in {} is {other:#04x}, a status Kith does not interpret",
                    reference.idx, reference.uri
                ),
            },
            None => StatusResult::unknown(&out_of_range(reference.idx, list.entries())),
        }
    }

    async fn check_claim(&self, status: &Value, issuer: Option<&str>) -> StatusResult {
        // draft §8.3 step 1: the status claim and its status_list.
        let reference = match StatusListReference::parse(status) {
            Ok(reference) => reference,
            Err(e) => return StatusResult::unknown(&e),
        };
        let now = self.clock.now();
        if let Some(result) = self.cached_answer(&reference, issuer, now) {
            return result;
        }
        let url = match reference.url() {
            Ok(url) => url,
            Err(e) => return StatusResult::unknown(&e),
        };
        let gate = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(reference.uri.to_owned())
            .or_default()
            .clone();
        let _leave = InFlight {
            map: &self.in_flight,
            url: reference.uri,
            gate: gate.clone(),
        };
        let _turn = gate.lock_owned().await;
        let now = self.clock.now();
        if let Some(result) = self.cached_answer(&reference, issuer, now) {
            return result;
        }
        let cached = self.load(&url, reference.uri, now).await;
        let result = self.evaluate(&cached.slot, &reference, issuer);
        self.store(reference.uri, cached);
        result
    }

    /// draft §8.3 steps 2–3: resolve and validate the Status List Token.
    async fn load(&self, url: &Url, uri: &str, now: OffsetDateTime) -> Cached {
        let failed = |e: Error| Cached {
            slot: Slot::Failed {
                code: e.code(),
                detail: e.to_string(),
            },
            expires: after(now, self.config.failure_ttl),
        };
        let body = match self.source.fetch_status_list_token(url).await {
            Ok(body) => body,
            Err(e) => return failed(e),
        };
        let Ok(text) = std::str::from_utf8(&body) else {
            return failed(malformed(format!(
                "the Status List Token at {uri} is not UTF-8 text"
            )));
        };
        let expected = StatusListTokenExpectation {
            uri,
            issuer: None,
            now,
            skew: self.skew,
        };
        match verify_status_list_token(text, self.resolver.as_ref(), &expected).await {
            Ok(token) => {
                let ttl = match token.ttl {
                    Some(seconds) => Duration::from_secs(seconds)
                        .max(self.config.min_ttl)
                        .min(self.config.max_ttl),
                    None => self.config.default_ttl,
                };
                let mut expires = after(now, ttl);
                if let Some(exp) = token.expires {
                    expires = expires.min(after(exp, self.skew));
                }
                Cached {
                    slot: Slot::List {
                        issuer: token.issuer,
                        list: token.list,
                    },
                    expires,
                }
            }
            Err(e) => {
                let code = match e.code() {
                    code if code.starts_with("status_") => code,
                    _ => "status_list_unverified",
                };
                failed(Error::model(
                    code,
                    format!(
                        "the Status List Token at {uri} did not verify ({}): {e}",
                        e.code()
                    ),
                ))
            }
        }
    }

    fn store(&self, uri: &str, cached: Cached) {
        let max_entries = self.config.max_entries;
        let max_bytes = self.config.max_bytes;
        let new_bytes = cached.bytes();
        if max_entries == 0 || new_bytes > max_bytes {
            return;
        }
        let now = self.clock.now();
        let mut cache = self.write_cache();
        cache.remove(uri);
        let mut used: usize = cache.values().map(Cached::bytes).sum();
        if cache.len() >= max_entries || used + new_bytes > max_bytes {
            cache.retain(|_, c| c.expires > now);
            used = cache.values().map(Cached::bytes).sum();
        }
        while !cache.is_empty() && (cache.len() >= max_entries || used + new_bytes > max_bytes) {
            let Some(victim) = cache
                .iter()
                .min_by_key(|(_, c)| c.expires)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = cache.remove(&victim) {
                used = used.saturating_sub(gone.bytes());
            }
        }
        cache.insert(uri.to_owned(), cached);
    }
}

#[async_trait]
impl StatusChecker for TokenStatusListChecker {
    async fn check(&self, entry: &Value) -> StatusResult {
        self.check_claim(entry, None).await
    }

    async fn check_issued_by(&self, entry: &Value, issuer: &str) -> StatusResult {
        self.check_claim(entry, Some(issuer)).await
    }
}

/// Whether `entry` is a Referenced Token's `status` claim with a `status_list` (and
/// not a `credentialStatus` entry, which has a `type`).
pub(crate) fn is_status_list_claim(entry: &Value) -> bool {
    entry.get("status_list").is_some() && entry.get("type").is_none()
}

/// For the fuzz target: `data` as an `lst` (bits 1, 2, 4, 8), as the ZLIB inside one,
/// as a `status` claim and as the payload of a Status List Token. Never panics; what
/// decodes re-encodes to the same statuses, and a parsed claim rebuilt with
/// [`status_claim`] parses to the same reference.
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let round_trip = |list: TokenStatusList| {
        let lst = list.encode();
        if lst.len() <= MAX_LST_LEN {
            let again = TokenStatusList::decode(list.bits(), &lst).expect("re-encoded lst decodes");
            assert_eq!(again, list, "encode → decode changed the statuses");
        }
    };
    let text = std::str::from_utf8(data).ok();
    let wrapped = kith_crypto::multibase::base64url_encode(data);
    for bits in [1, 2, 4, 8] {
        if let Some(text) = text
            && let Ok(list) = TokenStatusList::decode(bits, text)
        {
            round_trip(list);
        }
        if let Ok(list) = TokenStatusList::decode(bits, &wrapped) {
            round_trip(list);
        }
    }
    let Ok(value) = crate::json::parse(data) else {
        return;
    };
    if let Ok(reference) = StatusListReference::parse(&value) {
        let rebuilt = status_claim(reference.uri, reference.idx);
        let again = StatusListReference::parse(&rebuilt).expect("a built claim parses");
        assert_eq!(again, reference);
    }
    if let Some(list) = value.get("status_list")
        && let Ok(list) = TokenStatusList::from_json(list)
    {
        round_trip(list);
    }
    // The token parser up to the key lookup: any JSON as a payload with a fake signature.
    let token = format!(
        "{}.{}.{}",
        kith_crypto::multibase::base64url_encode(
            br#"{"alg":"EdDSA","typ":"statuslist+jwt","kid":"did:key:z6Mk#x"}"#
        ),
        kith_crypto::multibase::base64url_encode(data),
        kith_crypto::multibase::base64url_encode(&[0u8; 64]),
    );
    let resolver = kith_did::method::key::KeyMethod;
    let expected = StatusListTokenExpectation {
        uri: value.get("sub").and_then(Value::as_str).unwrap_or(""),
        issuer: None,
        now: OffsetDateTime::UNIX_EPOCH,
        skew: Duration::ZERO,
    };
    let mut future = std::pin::pin!(verify_status_list_token(&token, &resolver, &expected));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // Offline did:key resolution never waits on I/O; the bound only guards the fuzzer.
    for _ in 0..1_000 {
        if future.as_mut().poll(&mut cx).is_ready() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsb_first() {
        let mut list = TokenStatusList::new(2, 8).unwrap();
        list.set(0, 1).unwrap();
        list.set(1, 2).unwrap();
        list.set(4, 3).unwrap();
        assert_eq!(list.as_bytes(), &[0b0000_1001, 0b0000_0011]);
        assert_eq!(list.get(1), Some(2));
        assert_eq!(list.get(8), None);
        assert_eq!(list.set(0, 4).unwrap_err().code(), "api_misuse");
        assert_eq!(
            list.set(8, 1).unwrap_err().code(),
            "status_index_out_of_range"
        );
        assert_eq!(bit_position(3, 0), None);
    }

    #[test]
    fn bitstring_order_is_mirrored() {
        let mut bitstring = BitstringStatusList::default();
        bitstring.set(0, true).unwrap();
        bitstring.set(9, true).unwrap();
        let token = TokenStatusList::from_bitstring(&bitstring);
        assert_eq!(token.get(0), Some(1));
        assert_eq!(token.get(9), Some(1));
        assert_eq!(token.get(1), Some(0));
        assert_eq!(token.entries(), bitstring.entries());
    }

    #[test]
    fn trailing_data_is_refused() {
        let list = TokenStatusList::new(1, 64).unwrap();
        let mut compressed = kith_crypto::multibase::base64url_decode(&list.encode()).unwrap();
        compressed.push(0);
        let tampered = kith_crypto::multibase::base64url_encode(&compressed);
        assert_eq!(
            TokenStatusList::decode(1, &tampered).unwrap_err().code(),
            "status_list_malformed"
        );
    }
}
