//! did:ethr identifiers (did:ethr spec §Method Specific Identifier) and Ethereum
//! addresses (Yellow Paper §4.1 / EIP-55).

use std::fmt;

use kith_crypto::PublicKey;
use sha3::{Digest, Keccak256};

use super::EthrError;
use crate::Did;

/// Keccak-256 (the pre-standard SHA-3 padding Ethereum uses everywhere).
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// A 20-byte Ethereum address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The null address, `0x0000…0000`: the owner of a deactivated identity
    /// (did:ethr spec §Delete).
    pub const ZERO: Address = Address([0; 20]);

    /// Parses `0x` followed by 40 hex digits (any case; the EIP-55 checksum is not
    /// enforced since the did:ethr spec says the address is case-insensitive).
    pub fn parse(text: &str) -> Result<Self, EthrError> {
        let hex_part = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .ok_or_else(|| {
                EthrError::InvalidArgument(format!("{text:?} does not start with 0x"))
            })?;
        if hex_part.len() != 40 {
            return Err(EthrError::InvalidArgument(format!(
                "{text:?} is not 20 bytes of hex"
            )));
        }
        let mut out = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut out)
            .map_err(|e| EthrError::InvalidArgument(format!("{text:?}: {e}")))?;
        Ok(Self(out))
    }

    /// The address of a secp256k1 public key: the last 20 bytes of the Keccak-256 hash
    /// of the uncompressed point without its `0x04` tag (Yellow Paper eq. 284).
    pub fn from_public_key(key: &k256::ecdsa::VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Self(out)
    }

    /// Whether this is the null address.
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// Lowercase `0x…` hex.
    pub fn to_lower_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// The EIP-55 mixed-case checksum form.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The 32-byte ABI word (left-padded), as used in indexed event topics.
    pub fn to_word(&self) -> [u8; 32] {
        let mut word = [0u8; 32];
        word[12..].copy_from_slice(&self.0);
        word
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_checksum())
    }
}

/// The network part of a did:ethr DID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkRef {
    /// No network part: mainnet (did:ethr spec: "it is assumed that the DID is anchored
    /// on the Ethereum mainnet by default").
    Default,
    /// A network name, such as `mainnet` or `sepolia`.
    Name(String),
    /// A `0x`-hex chain id (`network-chain-id`).
    ChainId(u64),
}

/// A parsed did:ethr DID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthrDid {
    /// The network part.
    pub network: NetworkRef,
    /// The identity: the address, or the address of the public key.
    pub identity: Address,
    /// The compressed public key, for the public-key form.
    pub public_key: Option<k256::ecdsa::VerifyingKey>,
}

/// Longest network name accepted; names are configuration keys, never long.
const MAX_NETWORK_NAME: usize = 64;

/// Parses a did:ethr DID:
///
/// ```text
/// ethr-specific-identifier = [ ethr-network ":" ] ethereum-address / public-key-hex
/// ethr-network = "mainnet" / "goerli" / network-chain-id
/// network-chain-id = "0x" *HEXDIG
/// ethereum-address = "0x" 40*HEXDIG
/// public-key-hex = "0x" 66*HEXDIG
/// ```
///
/// Network names beyond the ABNF's two (e.g. `sepolia`, `polygon`, or a private
/// chain's name) are accepted as configuration keys, as deployed resolvers do: a name
/// is 1–64 characters of `[a-z0-9-]`. The public key must be a valid compressed
/// secp256k1 point (spec: "it MUST be represented in compressed form").
pub fn parse_did(did: &Did) -> Result<EthrDid, EthrError> {
    if did.method() != "ethr" {
        return Err(EthrError::InvalidDid(format!(
            "{did} is not a did:ethr DID"
        )));
    }
    parse_method_specific_id(did.method_specific_id())
}

/// [`parse_did`] on the method-specific id alone.
pub fn parse_method_specific_id(id: &str) -> Result<EthrDid, EthrError> {
    let invalid = |reason: &str| EthrError::InvalidDid(format!("did:ethr:{id}: {reason}"));
    let (network, ident) = match id.split_once(':') {
        None => (NetworkRef::Default, id),
        Some((network, ident)) => {
            if ident.contains(':') {
                return Err(invalid("more than one network part"));
            }
            (parse_network(network).map_err(|r| invalid(&r))?, ident)
        }
    };
    let hex_part = ident
        .strip_prefix("0x")
        .ok_or_else(|| invalid("the identifier must start with 0x"))?;
    if !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid("the identifier is not hex"));
    }
    match hex_part.len() {
        40 => {
            let mut bytes = [0u8; 20];
            hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| invalid("bad hex"))?;
            Ok(EthrDid {
                network,
                identity: Address(bytes),
                public_key: None,
            })
        }
        66 => {
            let bytes = hex::decode(hex_part).map_err(|_| invalid("bad hex"))?;
            if !matches!(bytes[0], 0x02 | 0x03) {
                return Err(invalid("the public key must be a compressed point (02/03)"));
            }
            let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&bytes)
                .map_err(|_| invalid("not a secp256k1 point"))?;
            Ok(EthrDid {
                network,
                identity: Address::from_public_key(&key),
                public_key: Some(key),
            })
        }
        _ => Err(invalid(
            "the identifier must be a 20-byte address or a 33-byte compressed public key",
        )),
    }
}

fn parse_network(network: &str) -> Result<NetworkRef, String> {
    if network.is_empty() {
        return Err("empty network part".into());
    }
    if let Some(hex_id) = network.strip_prefix("0x") {
        if hex_id.is_empty() || hex_id.len() > 16 || !hex_id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(format!("chain id {network:?} is not 1-16 hex digits"));
        }
        let id = u64::from_str_radix(hex_id, 16).map_err(|e| e.to_string())?;
        return Ok(NetworkRef::ChainId(id));
    }
    if network.len() > MAX_NETWORK_NAME
        || !network
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "network {network:?} is not a name of [a-z0-9-] or a 0x chain id"
        ));
    }
    Ok(NetworkRef::Name(network.to_owned()))
}

/// The did:ethr DID of `address` on `network` (`None`: no network part, i.e. mainnet).
pub fn did_for_address(network: Option<&str>, address: &Address) -> Result<Did, EthrError> {
    let text = match network {
        Some(n) => format!("did:ethr:{n}:{}", address.to_lower_hex()),
        None => format!("did:ethr:{}", address.to_lower_hex()),
    };
    Did::parse(&text).map_err(|e| EthrError::InvalidDid(e.to_string()))
}

/// The public-key form did:ethr DID of a secp256k1 key.
pub fn did_for_public_key(network: Option<&str>, key: &PublicKey) -> Result<Did, EthrError> {
    let PublicKey::Secp256k1(k) = key else {
        return Err(EthrError::Key(format!(
            "did:ethr public-key DIDs are secp256k1, not {}",
            key.key_type().name()
        )));
    };
    let hex_key = hex::encode(k.to_sec1_point(true).as_bytes());
    let text = match network {
        Some(n) => format!("did:ethr:{n}:0x{hex_key}"),
        None => format!("did:ethr:0x{hex_key}"),
    };
    Did::parse(&text).map_err(|e| EthrError::InvalidDid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_checksums() {
        // EIP-55 §Test Cases.
        for expected in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            assert_eq!(Address::parse(expected).unwrap().to_checksum(), expected);
        }
    }

    #[test]
    fn public_key_form_maps_to_its_address() {
        // The did:ethr spec's public-key example: the generator point, whose address
        // is the spec's 0x7e5f…df (secp256k1 private key 1).
        let did = Did::parse(
            "did:ethr:0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        )
        .unwrap();
        let parsed = parse_did(&did).unwrap();
        assert_eq!(
            parsed.identity.to_lower_hex(),
            "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
        );
        assert_eq!(parsed.network, NetworkRef::Default);
    }

    #[test]
    fn networks_and_bad_forms() {
        let ok = |s: &str| parse_method_specific_id(s).unwrap();
        let addr = "0xb9c5714089478a327f09197987f16f9e5d936e8a";
        assert_eq!(ok(addr).network, NetworkRef::Default);
        assert_eq!(
            ok(&format!("mainnet:{addr}")).network,
            NetworkRef::Name("mainnet".into())
        );
        assert_eq!(ok(&format!("0x1:{addr}")).network, NetworkRef::ChainId(1));
        assert_eq!(
            ok(&format!("0x7a69:{addr}")).network,
            NetworkRef::ChainId(31337)
        );
        for bad in [
            "",
            "0x",
            "b9c5714089478a327f09197987f16f9e5d936e8a",
            "0xb9c5714089478a327f09197987f16f9e5d936e8",
            "0xb9c5714089478a327f09197987f16f9e5d936e8az",
            "a:b:0xb9c5714089478a327f09197987f16f9e5d936e8a",
            ":0xb9c5714089478a327f09197987f16f9e5d936e8a",
            "Main:0xb9c5714089478a327f09197987f16f9e5d936e8a",
            "0x:0xb9c5714089478a327f09197987f16f9e5d936e8a",
            "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            "0x02ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ] {
            assert_eq!(
                parse_method_specific_id(bad).unwrap_err().code(),
                "ethr_invalid_did",
                "{bad}"
            );
        }
    }
}
