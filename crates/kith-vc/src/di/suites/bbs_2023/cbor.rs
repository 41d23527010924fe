//! The exact subset of CBOR (RFC 8949) that bbs-2023 proof values use, with a strict
//! decoder: unsigned integers, byte strings, text strings, arrays and maps of unsigned
//! integers, all definite-length and in preferred (shortest) serialization
//! (RFC 8949 §4.2.1), nothing left over. Anything else is refused with a sentence
//! naming it; no input makes the decoder allocate more than the input's size or panic.

/// Major types (RFC 8949 §3.1).
const UNSIGNED: u8 = 0;
const BYTES: u8 = 2;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;
const MAP: u8 = 5;

/// A CBOR data item of the subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3 (valid UTF-8).
    Text(String),
    /// Major type 4.
    Array(Vec<Item>),
    /// Major type 5 with unsigned keys and values (the compressed label map), keys
    /// unique, in the order they appear.
    UintMap(Vec<(u64, u64)>),
}

fn head(major: u8, value: u64, out: &mut Vec<u8>) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => {
            out.push(major | 24);
            out.push(value as u8);
        }
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

/// Encodes `item` in preferred serialization; map keys in ascending order
/// (RFC 8949 §4.2.1 core deterministic encoding, for the integer keys used here).
pub(crate) fn encode(item: &Item, out: &mut Vec<u8>) {
    match item {
        Item::Unsigned(n) => head(UNSIGNED, *n, out),
        Item::Bytes(bytes) => {
            head(BYTES, bytes.len() as u64, out);
            out.extend_from_slice(bytes);
        }
        Item::Text(text) => {
            head(TEXT, text.len() as u64, out);
            out.extend_from_slice(text.as_bytes());
        }
        Item::Array(items) => {
            head(ARRAY, items.len() as u64, out);
            for item in items {
                encode(item, out);
            }
        }
        Item::UintMap(entries) => {
            let mut sorted = entries.clone();
            sorted.sort_unstable();
            head(MAP, sorted.len() as u64, out);
            for (key, value) in sorted {
                head(UNSIGNED, key, out);
                head(UNSIGNED, value, out);
            }
        }
    }
}

/// Nesting the decoder accepts: the proof values are an array of arrays at most.
const MAX_DEPTH: usize = 4;

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.input.len())
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        let bytes = &self.input[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    /// One head: the major type and its argument, which must be minimal.
    fn head(&mut self) -> Result<(u8, u64), String> {
        let at = self.pos;
        let initial = self.take(1)?[0];
        let major = initial >> 5;
        let info = initial & 0x1f;
        let (value, minimum) = match info {
            0..=23 => (u64::from(info), 0),
            24 => (u64::from(self.take(1)?[0]), 24),
            25 => {
                let b = self.take(2)?;
                (u64::from(u16::from_be_bytes([b[0], b[1]])), 0x100)
            }
            26 => {
                let b = self.take(4)?;
                (
                    u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                    0x1_0000,
                )
            }
            27 => {
                let b = self.take(8)?;
                let mut arr = [0u8; 8];
                arr.copy_from_slice(b);
                (u64::from_be_bytes(arr), 0x1_0000_0000)
            }
            31 => return Err(format!("indefinite length at byte {at} is not accepted")),
            _ => return Err(format!("reserved additional information at byte {at}")),
        };
        if value < minimum {
            return Err(format!(
                "non-preferred (longer than needed) encoding at byte {at}"
            ));
        }
        Ok((major, value))
    }

    /// A length that cannot exceed what is left of the input (each element takes at
    /// least one byte), so no allocation outgrows the input.
    fn length(&self, value: u64) -> Result<usize, String> {
        let left = self.input.len() - self.pos;
        usize::try_from(value)
            .ok()
            .filter(|n| *n <= left)
            .ok_or_else(|| format!("length {value} is more than the {left} bytes left"))
    }

    fn item(&mut self, depth: usize) -> Result<Item, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        let at = self.pos;
        let (major, value) = self.head()?;
        match major {
            UNSIGNED => Ok(Item::Unsigned(value)),
            BYTES => {
                let len = self.length(value)?;
                Ok(Item::Bytes(self.take(len)?.to_vec()))
            }
            TEXT => {
                let len = self.length(value)?;
                let bytes = self.take(len)?;
                std::str::from_utf8(bytes)
                    .map(|s| Item::Text(s.to_owned()))
                    .map_err(|_| format!("text string at byte {at} is not UTF-8"))
            }
            ARRAY => {
                let len = self.length(value)?;
                let mut items = Vec::with_capacity(len);
                for _ in 0..len {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Item::Array(items))
            }
            MAP => {
                let len = self.length(value)?;
                let mut entries: Vec<(u64, u64)> = Vec::with_capacity(len);
                for _ in 0..len {
                    let key = self.unsigned("map key")?;
                    let value = self.unsigned("map value")?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(format!("map key {key} appears twice"));
                    }
                    entries.push((key, value));
                }
                Ok(Item::UintMap(entries))
            }
            other => Err(format!(
                "CBOR major type {other} at byte {at} is not used by bbs-2023"
            )),
        }
    }

    fn unsigned(&mut self, what: &str) -> Result<u64, String> {
        let at = self.pos;
        match self.head()? {
            (UNSIGNED, value) => Ok(value),
            _ => Err(format!("{what} at byte {at} must be an unsigned integer")),
        }
    }
}

/// Decodes exactly one item that fills `input`.
pub(crate) fn decode(input: &[u8]) -> Result<Item, String> {
    let mut decoder = Decoder { input, pos: 0 };
    let item = decoder.item(0)?;
    if decoder.pos != input.len() {
        return Err(format!(
            "{} bytes left over after the CBOR item",
            input.len() - decoder.pos
        ));
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(item: Item) {
        let mut out = Vec::new();
        encode(&item, &mut out);
        assert_eq!(decode(&out).unwrap(), item);
    }

    #[test]
    fn items_round_trip() {
        for n in [
            0,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u64::from(u32::MAX) + 1,
            u64::MAX,
        ] {
            round_trip(Item::Unsigned(n));
        }
        round_trip(Item::Array(vec![
            Item::Bytes(vec![1; 300]),
            Item::Text("/issuer".into()),
            Item::UintMap(vec![(0, 2), (1, 4)]),
            Item::Array(vec![]),
        ]));
    }

    #[test]
    fn rfc8949_examples() {
        let mut out = Vec::new();
        encode(&Item::Unsigned(1_000_000), &mut out);
        assert_eq!(out, [0x1a, 0x00, 0x0f, 0x42, 0x40]);
        out.clear();
        encode(&Item::Text("IETF".into()), &mut out);
        assert_eq!(out, [0x64, 0x49, 0x45, 0x54, 0x46]);
    }

    #[test]
    fn strictness() {
        // Non-preferred integer, indefinite array, left-over byte, truncation, float,
        // duplicate map key, negative integer, invalid UTF-8, oversized length.
        for bad in [
            &[0x18, 0x05][..],
            &[0x9f, 0x01, 0xff],
            &[0x01, 0x00],
            &[0x42, 0x01],
            &[0xf9, 0x3c, 0x00],
            &[0xa2, 0x01, 0x02, 0x01, 0x03],
            &[0x20],
            &[0x62, 0xff, 0xfe],
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00],
            &[],
        ] {
            assert!(decode(bad).is_err(), "{bad:02x?}");
        }
    }
}
