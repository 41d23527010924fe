//! Envelope encryption of records at rest.
//!
//! Every record gets a fresh random 32-byte data key; XChaCha20-Poly1305 encrypts the
//! record under it, and the data key is itself wrapped with XChaCha20-Poly1305 under the
//! [`MasterKey`]. Both layers authenticate the caller's associated data (the record id),
//! so a sealed value copied onto another record does not open. The master key comes from
//! `KITH_MASTER_KEY` ([`MasterKey::from_base64url`]), an Argon2id passphrase
//! ([`MasterKey::from_passphrase`]) or a 0600 key file ([`MasterKey::load_or_create_file`]).

use std::fmt;
use std::io::{Read, Write};
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;
use crate::util::{b64_decode, b64_encode, fill_random};

/// Label of the HKDF sub-key that peppers API key HMACs.
const PEPPER_LABEL: &str = "kith api-key pepper v1";
/// Domain separation of the wrapping layer from the content layer (both XChaCha20).
const WRAP_AAD_PREFIX: &[u8] = b"kith seal v1 data key\0";
/// Argon2id, OWASP cheat sheet minimum: m = 19 MiB, t = 2, p = 1.
const ARGON2_M_KIB: u32 = 19 * 1024;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

/// The key that wraps every data key. 32 bytes, zeroized on drop, never printed.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A new random master key from the OS CSPRNG.
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        fill_random(key.as_mut_slice());
        Self(key)
    }

    /// Parses 32 bytes written as unpadded base64url (the form of `KITH_MASTER_KEY` and of
    /// the key file). Surrounding whitespace is ignored.
    pub fn from_base64url(text: &str) -> Result<Self, Error> {
        let bytes = b64_decode(text.trim())
            .map_err(|_| Error::InvalidMasterKey("it is not unpadded base64url"))?;
        let bytes = Zeroizing::new(bytes);
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidMasterKey("it must decode to exactly 32 bytes"))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The key as unpadded base64url (what [`MasterKey::from_base64url`] reads).
    pub fn to_base64url(&self) -> Zeroizing<String> {
        Zeroizing::new(b64_encode(self.0.as_slice()))
    }

    /// Derives the key from a passphrase with Argon2id (m = 19 MiB, t = 2, p = 1, the
    /// OWASP minimum). The salt must be at least 8 bytes; [`crate::Store::kdf_salt`] keeps
    /// one per database.
    pub fn from_passphrase(passphrase: &[u8], salt: &[u8]) -> Result<Self, Error> {
        if passphrase.is_empty() {
            return Err(Error::InvalidMasterKey("the passphrase is empty"));
        }
        let params = argon2::Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(32))
            .map_err(|_| Error::InvalidMasterKey("the Argon2id parameters are invalid"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, salt, key.as_mut_slice())
            .map_err(|_| Error::InvalidMasterKey("the salt must be 8 to 64 bytes"))?;
        Ok(Self(key))
    }

    /// Loads the key from `path` (base64url text), or creates the file with a new random
    /// key (mode 0600, parent directories 0700) when it does not exist. Returns the key and
    /// whether the file was created. A file readable by group or others is refused
    /// (`key_file_permissions`), like ssh does with private keys.
    pub fn load_or_create_file(path: &Path) -> Result<(Self, bool), Error> {
        match Self::create_file(path) {
            Ok(key) => Ok((key, true)),
            // Another process may have created it between our check and create: load it.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                Ok((Self::load_file(path)?, false))
            }
            Err(e) => Err(e),
        }
    }

    fn create_file(path: &Path) -> Result<Self, Error> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        // create_new: never overwrite an existing key, even when racing another process.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        let key = Self::generate();
        let mut text = key.to_base64url();
        text.push('\n');
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        Ok(key)
    }

    fn load_file(path: &Path) -> Result<Self, Error> {
        use std::os::unix::fs::PermissionsExt;
        let mut file = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::io(format!("cannot stat {}", path.display()), e))?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyFilePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
        let mut text = Zeroizing::new(String::new());
        // 32 bytes of base64url plus a newline; anything much longer is not a key file.
        Read::by_ref(&mut file)
            .take(256)
            .read_to_string(&mut text)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        Self::from_base64url(&text)
    }

    /// Seals `plaintext` for the record named by `aad` (see the module docs).
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Sealed {
        let mut data_key = Zeroizing::new([0u8; 32]);
        fill_random(data_key.as_mut_slice());
        let mut wrap_nonce = [0u8; 24];
        fill_random(&mut wrap_nonce);
        let mut nonce = [0u8; 24];
        fill_random(&mut nonce);

        let wrap_aad = wrap_aad(aad);
        let wrapped_key = cipher(&self.0)
            .encrypt(
                &XNonce::from(wrap_nonce),
                Payload {
                    msg: data_key.as_slice(),
                    aad: &wrap_aad,
                },
            )
            // Encryption only fails for inputs longer than XChaCha20's 256 GiB limit.
            .expect("a 32-byte data key always encrypts");
        let ciphertext = cipher(&data_key)
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("a record below 256 GiB always encrypts");
        Sealed {
            wrap_nonce,
            wrapped_key,
            nonce,
            ciphertext,
        }
    }

    /// Opens a value made by [`MasterKey::seal`] with the same `aad`. Any change to the
    /// text, the aad, or another master key gives `decryption_failed`.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let wrap_aad = wrap_aad(aad);
        let data_key = Zeroizing::new(
            cipher(&self.0)
                .decrypt(
                    &XNonce::from(sealed.wrap_nonce),
                    Payload {
                        msg: &sealed.wrapped_key,
                        aad: &wrap_aad,
                    },
                )
                .map_err(|_| Error::DecryptionFailed)?,
        );
        let data_key: Zeroizing<[u8; 32]> = Zeroizing::new(
            data_key
                .as_slice()
                .try_into()
                .map_err(|_| Error::DecryptionFailed)?,
        );
        let plaintext = cipher(&data_key)
            .decrypt(
                &XNonce::from(sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(Zeroizing::new(plaintext))
    }

    /// An independent 32-byte sub-key for `label` (HKDF-SHA256, RFC 5869, with the
    /// master key as input keying material and the label as info).
    pub fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        let hkdf = Hkdf::<Sha256>::new(Some(b"kith master key v1"), self.0.as_slice());
        let mut out = Zeroizing::new([0u8; 32]);
        hkdf.expand(label.as_bytes(), out.as_mut_slice())
            .expect("32 bytes is within HKDF-SHA256's output limit");
        out
    }

    /// The pepper of API key HMACs: `derive("kith api-key pepper v1")`.
    pub fn pepper(&self) -> Pepper {
        Pepper(self.derive(PEPPER_LABEL))
    }
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(key).expect("XChaCha20-Poly1305 keys are 32 bytes")
}

fn wrap_aad(aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(WRAP_AAD_PREFIX.len() + aad.len());
    out.extend_from_slice(WRAP_AAD_PREFIX);
    out.extend_from_slice(aad);
    out
}

/// The HMAC key for API key tokens, derived from the master key so that a stolen
/// database alone cannot test token guesses.
#[derive(Clone)]
pub struct Pepper(pub(crate) Zeroizing<[u8; 32]>);

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<redacted>)")
    }
}

impl Pepper {
    /// A pepper from raw bytes (for callers that keep the pepper apart from the master key).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }
}

/// A sealed record: wrap nonce, wrapped data key, content nonce, ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    wrap_nonce: [u8; 24],
    wrapped_key: Vec<u8>,
    nonce: [u8; 24],
    ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// Version tag of the text form.
const SEALED_V1: &str = "v1";
/// A wrapped 32-byte data key plus the 16-byte Poly1305 tag.
const WRAPPED_KEY_LEN: usize = 48;
/// Sealed texts longer than this are refused before decoding (records are small).
const MAX_SEALED_TEXT: usize = 1 << 20;

impl Sealed {
    /// The compact text form `v1.<wrap-nonce>.<wrapped-key>.<nonce>.<ciphertext>`, each
    /// part unpadded base64url.
    pub fn to_text(&self) -> String {
        format!(
            "{SEALED_V1}.{}.{}.{}.{}",
            b64_encode(&self.wrap_nonce),
            b64_encode(&self.wrapped_key),
            b64_encode(&self.nonce),
            b64_encode(&self.ciphertext)
        )
    }

    /// Parses the text form of [`Sealed::to_text`].
    pub fn from_text(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_SEALED_TEXT {
            return Err(Error::InvalidSealed("it is longer than 1 MiB"));
        }
        let mut parts = text.split('.');
        let (Some(version), Some(wn), Some(wk), Some(n), Some(ct), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(Error::InvalidSealed(
                "it does not have five dot-separated parts",
            ));
        };
        if version != SEALED_V1 {
            return Err(Error::InvalidSealed("its version is not v1"));
        }
        let decode = |part: &str| {
            b64_decode(part).map_err(|_| Error::InvalidSealed("a part is not unpadded base64url"))
        };
        let wrap_nonce: [u8; 24] = decode(wn)?
            .try_into()
            .map_err(|_| Error::InvalidSealed("the wrap nonce is not 24 bytes"))?;
        let wrapped_key = decode(wk)?;
        if wrapped_key.len() != WRAPPED_KEY_LEN {
            return Err(Error::InvalidSealed("the wrapped data key is not 48 bytes"));
        }
        let nonce: [u8; 24] = decode(n)?
            .try_into()
            .map_err(|_| Error::InvalidSealed("the nonce is not 24 bytes"))?;
        let ciphertext = decode(ct)?;
        if ciphertext.len() < 16 {
            return Err(Error::InvalidSealed(
                "the ciphertext is shorter than its tag",
            ));
        }
        Ok(Self {
            wrap_nonce,
            wrapped_key,
            nonce,
            ciphertext,
        })
    }
}
