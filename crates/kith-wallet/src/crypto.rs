//! The primitives: Argon2id key derivation, XChaCha20-Poly1305 sealing with a random
//! 24-byte nonce per message, HKDF-SHA256 sub-keys, the OS CSPRNG.
//!
//! Authentication failures are detected by the AEAD's own tag check, which compares in
//! constant time; nothing here compares secrets with `==`.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

/// A 32-byte symmetric key, zeroized on drop.
pub(crate) type Key32 = Zeroizing<[u8; 32]>;

/// XChaCha20-Poly1305 nonce length.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;

/// `N` bytes from the OS CSPRNG.
///
/// # Panics
/// If the operating system's random number generator fails (nothing safe can go on).
pub(crate) fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("the OS random number generator failed");
    out
}

/// A fresh random 32-byte key.
pub(crate) fn random_key() -> Key32 {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut_slice()).expect("the OS random number generator failed");
    key
}

/// Argon2id parameters (memory in KiB, iterations, lanes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Argon2Params {
    pub(crate) m_kib: u32,
    pub(crate) t: u32,
    pub(crate) p: u32,
}

/// The key-encryption key from the passphrase: Argon2id v1.3 with `params` and `salt`.
pub(crate) fn derive_kek(
    passphrase: &[u8],
    salt: &[u8],
    params: Argon2Params,
) -> Result<Key32, Error> {
    let p = argon2::Params::new(params.m_kib, params.t, params.p, Some(32))
        .map_err(|_| Error::NotAWallet("the header's Argon2id parameters are invalid".into()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, key.as_mut_slice())
        .map_err(|_| Error::NotAWallet("the header's Argon2id salt is invalid".into()))?;
    Ok(key)
}

/// HKDF-SHA256 sub-key of `master` for `label`.
pub(crate) fn subkey(master: &[u8; 32], label: &str) -> Key32 {
    let hkdf = Hkdf::<Sha256>::new(Some(b"kith-wallet v1"), master);
    let mut out = Zeroizing::new([0u8; 32]);
    hkdf.expand(label.as_bytes(), out.as_mut_slice())
        .expect("32 bytes is within HKDF-SHA256's output limit");
    out
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(key).expect("XChaCha20-Poly1305 keys are 32 bytes")
}

/// Encrypts with a fresh random nonce; returns `nonce || ciphertext || tag`.
pub(crate) fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = random_array::<NONCE_LEN>();
    let ciphertext = cipher(key)
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // Encryption only fails for inputs longer than XChaCha20's 256 GiB limit.
        .expect("a wallet record below 256 GiB always encrypts");
    let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens `nonce || ciphertext || tag` made by [`seal`]; `None` when the tag does not
/// verify (wrong key, edited bytes, or other associated data).
pub(crate) fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    cipher(key)
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}
