//! Unit tests. Wallets here use cheap Argon2id parameters (8 KiB, one pass) so the suite
//! runs quickly in debug builds; one test runs `Wallet::create` with the OWASP ones.

use std::fs;
use std::path::{Path, PathBuf};

use kith_crypto::KeyType;
use proptest::prelude::*;
use time::macros::datetime;

use crate::crypto::Argon2Params;
use crate::wallet::{HEADER_FILE, INDEX_FILE, RECORDS_DIR};
use crate::{Error, Wallet};

const PASS: &str = "correct horse battery staple";
const CHEAP: Argon2Params = Argon2Params {
    m_kib: 8,
    t: 1,
    p: 1,
};

fn new_wallet() -> (tempfile::TempDir, PathBuf, Wallet) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let wallet = Wallet::create_with(&dir, PASS, CHEAP).unwrap();
    (tmp, dir, wallet)
}

fn record_file(dir: &Path, id: &str) -> PathBuf {
    dir.join(RECORDS_DIR).join(format!("{id}.kwr"))
}

/// Every file under `dir`, with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn create_unlock_lock_round_trip() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let id = wallet
        .add_credential(
            "vc+jwt",
            "eyJhbGciOi.x.y",
            serde_json::json!({"issuer": "Uni"}),
        )
        .unwrap();
    let locked = wallet.lock();
    let wallet = locked.unlock(PASS).unwrap();
    let cred = wallet.credential(&id).unwrap();
    assert_eq!(cred.format, "vc+jwt");
    assert_eq!(cred.raw, "eyJhbGciOi.x.y");
    assert_eq!(cred.metadata, serde_json::json!({"issuer": "Uni"}));
    assert_eq!(wallet.credentials().unwrap(), vec![cred]);
    drop(wallet);
    // A fresh open of the directory sees the same wallet.
    let wallet = Wallet::open(&dir).unwrap().unlock(PASS).unwrap();
    assert_eq!(wallet.credentials().unwrap().len(), 1);
}

#[test]
fn create_uses_owasp_argon2id_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("w");
    let wallet = Wallet::create(&dir, PASS).unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join(HEADER_FILE)).unwrap()).unwrap();
    assert_eq!(header["format"], "kith-wallet");
    assert_eq!(header["version"], 1);
    assert_eq!(header["kdf"]["alg"], "argon2id");
    assert_eq!(header["kdf"]["m"], 19456);
    assert_eq!(header["kdf"]["t"], 2);
    assert_eq!(header["kdf"]["p"], 1);
    let locked = wallet.lock();
    assert!(locked.unlock(PASS).is_ok());
}

#[test]
fn create_refuses_an_existing_wallet() {
    let (_tmp, dir, wallet) = new_wallet();
    // While unlocked and after locking.
    let err = Wallet::create_with(&dir, PASS, CHEAP).unwrap_err();
    assert_eq!(err.code(), "wallet_exists");
    drop(wallet);
    let err = Wallet::create_with(&dir, "other", CHEAP).unwrap_err();
    assert_eq!(err.code(), "wallet_exists");
    assert!(Wallet::open(&dir).unwrap().unlock(PASS).is_ok());
}

#[test]
fn open_without_a_header_is_not_a_wallet() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(Wallet::open(tmp.path()).unwrap_err().code(), "not_a_wallet");
    fs::write(tmp.path().join(HEADER_FILE), b"{\"hello\": 1}").unwrap();
    assert_eq!(Wallet::open(tmp.path()).unwrap_err().code(), "not_a_wallet");
}

#[test]
fn unsupported_version_is_named() {
    let (_tmp, dir, wallet) = new_wallet();
    drop(wallet);
    let path = dir.join(HEADER_FILE);
    let mut header: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    header["version"] = serde_json::json!(2);
    fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
    let err = Wallet::open(&dir).unwrap_err();
    assert_eq!(err.code(), "unsupported_wallet_version");
}

#[test]
fn wrong_passphrase_is_refused() {
    let (_tmp, dir, wallet) = new_wallet();
    drop(wallet);
    let locked = Wallet::open(&dir).unwrap();
    assert_eq!(
        locked.unlock("wrong").unwrap_err().code(),
        "wrong_passphrase"
    );
    assert_eq!(locked.unlock("").unwrap_err().code(), "invalid_passphrase");
    // The failed attempts released the lock.
    assert!(locked.unlock(PASS).is_ok());
}

#[test]
fn an_edited_kdf_parameter_fails_as_a_wrong_passphrase() {
    let (_tmp, dir, wallet) = new_wallet();
    drop(wallet);
    let path = dir.join(HEADER_FILE);
    let mut header: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    header["kdf"]["t"] = serde_json::json!(2);
    fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
    let err = Wallet::open(&dir).unwrap().unlock(PASS).unwrap_err();
    assert_eq!(err.code(), "wrong_passphrase");
}

#[test]
fn a_second_unlocked_handle_is_wallet_busy() {
    let (_tmp, dir, wallet) = new_wallet();
    let locked = Wallet::open(&dir).unwrap();
    assert_eq!(locked.unlock(PASS).unwrap_err().code(), "wallet_busy");
    let _locked_again = wallet.lock();
    assert!(locked.unlock(PASS).is_ok());
}

#[test]
fn change_passphrase_rewraps_only_the_master_key() {
    let (_tmp, dir, mut wallet) = new_wallet();
    wallet
        .add_credential("vc+jwt", "a.b.c", serde_json::Value::Null)
        .unwrap();
    wallet.generate_key(KeyType::Ed25519).unwrap();
    let before = snapshot(&dir);

    assert_eq!(
        wallet
            .change_passphrase("not it", "new pass")
            .unwrap_err()
            .code(),
        "wrong_passphrase"
    );
    wallet.change_passphrase(PASS, "new pass").unwrap();

    let after = snapshot(&dir);
    let header = dir.join(HEADER_FILE);
    let untouched = |s: &[(PathBuf, Vec<u8>)]| -> Vec<(PathBuf, Vec<u8>)> {
        s.iter().filter(|(p, _)| *p != header).cloned().collect()
    };
    assert_eq!(
        untouched(&before),
        untouched(&after),
        "records and index are unchanged"
    );
    assert!(
        untouched(&after)
            .iter()
            .any(|(p, _)| p.ends_with(INDEX_FILE))
    );
    assert_eq!(
        after
            .iter()
            .filter(|(p, _)| p.starts_with(dir.join(RECORDS_DIR)))
            .count(),
        2
    );
    let old_header = before.iter().find(|(p, _)| *p == header).unwrap();
    let new_header = after.iter().find(|(p, _)| *p == header).unwrap();
    assert_ne!(old_header.1, new_header.1);

    let locked = wallet.lock();
    assert_eq!(locked.unlock(PASS).unwrap_err().code(), "wrong_passphrase");
    let wallet = locked.unlock("new pass").unwrap();
    assert_eq!(wallet.credentials().unwrap()[0].raw, "a.b.c");
    assert_eq!(wallet.keys().unwrap().len(), 1);
}

#[test]
fn a_tampered_record_byte_is_corrupt_record() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let id = wallet
        .add_credential("vc+jwt", "header.payload.signature", serde_json::json!({}))
        .unwrap();
    let path = record_file(&dir, &id);
    let original = fs::read(&path).unwrap();
    // Magic, nonce, ciphertext and tag positions.
    for pos in [0, 4, 20, 30, original.len() / 2, original.len() - 1] {
        let mut bytes = original.clone();
        bytes[pos] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(
            wallet.credential(&id).unwrap_err().code(),
            "corrupt_record",
            "byte {pos}"
        );
        assert_eq!(wallet.credentials().unwrap_err().code(), "corrupt_record");
    }
    fs::write(&path, &original[..original.len() - 1]).unwrap();
    assert_eq!(wallet.credential(&id).unwrap_err().code(), "corrupt_record");
    fs::remove_file(&path).unwrap();
    assert_eq!(wallet.credential(&id).unwrap_err().code(), "corrupt_record");
    fs::write(&path, &original).unwrap();
    assert!(wallet.credential(&id).is_ok());
}

#[test]
fn swapped_record_files_are_corrupt_record() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let a = wallet
        .add_credential("vc+jwt", "credential A", serde_json::json!({}))
        .unwrap();
    let b = wallet
        .add_credential("vc+jwt", "credential B", serde_json::json!({}))
        .unwrap();
    let (pa, pb) = (record_file(&dir, &a), record_file(&dir, &b));
    let (ba, bb) = (fs::read(&pa).unwrap(), fs::read(&pb).unwrap());
    fs::write(&pa, &bb).unwrap();
    fs::write(&pb, &ba).unwrap();
    assert_eq!(wallet.credential(&a).unwrap_err().code(), "corrupt_record");
    assert_eq!(wallet.credential(&b).unwrap_err().code(), "corrupt_record");
    assert_eq!(wallet.credentials().unwrap_err().code(), "corrupt_record");
}

#[test]
fn a_tampered_index_is_corrupt_record() {
    let (_tmp, dir, mut wallet) = new_wallet();
    wallet
        .add_credential("vc+jwt", "x", serde_json::json!({}))
        .unwrap();
    drop(wallet);
    let path = dir.join(INDEX_FILE);
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    fs::write(&path, &bytes).unwrap();
    let err = Wallet::open(&dir).unwrap().unlock(PASS).unwrap_err();
    assert_eq!(err.code(), "corrupt_record");
}

#[test]
fn no_plaintext_reaches_the_disk() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let claim = "Zanzibar-Quokka-7731-birthplace";
    let raw = format!("{{\"credentialSubject\":{{\"birthPlace\":\"{claim}\"}}}}");
    let id = wallet
        .add_credential("ldp_vc", &raw, serde_json::json!({"note": claim}))
        .unwrap();
    let key_id = wallet.generate_key(KeyType::Ed25519).unwrap();
    let secret = wallet.private_key(&key_id).unwrap().to_bytes();
    wallet
        .record_presentation(
            "did:web:verifier.example",
            vec![claim.into()],
            vec![id],
            datetime!(2026-01-02 03:04:05 UTC),
        )
        .unwrap();
    let secret_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret.as_slice())
    };
    for (path, bytes) in snapshot(&dir) {
        let shown = path.display();
        assert!(
            !contains(&bytes, claim.as_bytes()),
            "{shown} holds the claim"
        );
        assert!(
            !contains(&bytes, secret.as_slice()),
            "{shown} holds the raw key"
        );
        assert!(
            !contains(&bytes, secret_b64.as_bytes()),
            "{shown} holds the key (b64)"
        );
        assert!(
            !contains(&bytes, hex::encode(secret.as_slice()).as_bytes()),
            "{shown} holds the key (hex)"
        );
        assert!(
            !contains(&bytes, PASS.as_bytes()),
            "{shown} holds the passphrase"
        );
        assert!(
            !contains(&bytes, b"verifier.example"),
            "{shown} holds the verifier"
        );
    }
}

#[test]
fn delete_credential_removes_the_record_and_its_key() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let keep = wallet
        .add_credential("vc+jwt", "keep", serde_json::json!({}))
        .unwrap();
    let gone = wallet
        .add_credential("vc+jwt", "gone", serde_json::json!({}))
        .unwrap();
    let path = record_file(&dir, &gone);
    let ciphertext = fs::read(&path).unwrap();
    let index_before = fs::read(dir.join(INDEX_FILE)).unwrap();

    wallet.delete_credential(&gone).unwrap();
    assert!(!path.exists());
    assert_eq!(
        fs::read(dir.join(INDEX_FILE)).unwrap().len(),
        index_before.len() - 49
    );
    assert_eq!(
        wallet.credential(&gone).unwrap_err().code(),
        "unknown_credential"
    );
    assert_eq!(
        wallet.delete_credential(&gone).unwrap_err().code(),
        "unknown_credential"
    );
    let ids: Vec<_> = wallet
        .credentials()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![keep.clone()]);

    // Crypto-erasure: the old ciphertext put back cannot be read, even after unlock
    // (which also sweeps it away as an orphan).
    fs::write(&path, &ciphertext).unwrap();
    let wallet = wallet.lock().unlock(PASS).unwrap();
    assert!(!path.exists());
    assert_eq!(
        wallet.credential(&gone).unwrap_err().code(),
        "unknown_credential"
    );
    assert_eq!(wallet.credentials().unwrap().len(), 1);
    assert_eq!(wallet.credential(&keep).unwrap().raw, "keep");
}

#[test]
fn unlock_sweeps_orphan_records_and_stale_temporaries() {
    let (_tmp, dir, mut wallet) = new_wallet();
    let keep = wallet
        .add_credential("vc+jwt", "keep", serde_json::json!({}))
        .unwrap();
    drop(wallet);
    let orphan = record_file(&dir, &"ab".repeat(16));
    let tmp_file = dir.join(".index.kwi.0011223344556677.tmp");
    let foreign = dir.join(RECORDS_DIR).join("README");
    fs::write(&orphan, b"KWR1 left by a crash").unwrap();
    fs::write(&tmp_file, b"half").unwrap();
    fs::write(&foreign, b"not ours").unwrap();
    let wallet = Wallet::open(&dir).unwrap().unlock(PASS).unwrap();
    assert!(!orphan.exists());
    assert!(!tmp_file.exists());
    assert!(foreign.exists(), "only names the wallet writes are swept");
    assert!(record_file(&dir, &keep).exists());
    assert_eq!(wallet.credential(&keep).unwrap().raw, "keep");
}

#[test]
fn holder_keys_are_stored_sealed_and_round_trip() {
    let (_tmp, _dir, mut wallet) = new_wallet();
    let mut made = Vec::new();
    for key_type in KeyType::ALL {
        let id = wallet.generate_key(key_type).unwrap();
        let key = wallet.private_key(&id).unwrap();
        assert_eq!(key.key_type(), key_type);
        made.push((id, key.public_key()));
    }
    let wallet = wallet.lock().unlock(PASS).unwrap();
    let keys = wallet.keys().unwrap();
    assert_eq!(keys.len(), made.len());
    for (id, public) in &made {
        let listed = keys.iter().find(|k| &k.id == id).unwrap();
        assert_eq!(&listed.public_key, public);
        assert_eq!(&wallet.private_key(id).unwrap().public_key(), public);
    }
    let mut wallet = wallet;
    let (first, _) = &made[0];
    wallet.delete_key(first).unwrap();
    assert_eq!(wallet.private_key(first).unwrap_err().code(), "unknown_key");
    assert_eq!(wallet.keys().unwrap().len(), made.len() - 1);
}

#[test]
fn ids_are_checked_by_kind_and_shape() {
    let (_tmp, _dir, mut wallet) = new_wallet();
    let key_id = wallet.generate_key(KeyType::P256).unwrap();
    let cred_id = wallet
        .add_credential("vc+jwt", "x", serde_json::json!({}))
        .unwrap();
    for bad in ["", "../index.kwi", "zz", &key_id.to_uppercase(), &key_id] {
        assert_eq!(
            wallet.credential(bad).unwrap_err().code(),
            "unknown_credential",
            "{bad}"
        );
        assert_eq!(
            wallet.delete_credential(bad).unwrap_err().code(),
            "unknown_credential"
        );
    }
    assert_eq!(
        wallet.private_key(&cred_id).unwrap_err().code(),
        "unknown_key"
    );
    assert_eq!(
        wallet.delete_key(&cred_id).unwrap_err().code(),
        "unknown_key"
    );
    assert!(wallet.private_key(&key_id).is_ok());
}

#[test]
fn history_round_trip() {
    let (_tmp, _dir, mut wallet) = new_wallet();
    let a = wallet
        .add_credential("dc+sd-jwt", "a~b~", serde_json::json!({}))
        .unwrap();
    let b = wallet
        .add_credential("vc+jwt", "x.y.z", serde_json::json!({}))
        .unwrap();
    let later = datetime!(2026-03-01 10:00:00.123456789 +01:00);
    let earlier = datetime!(2026-02-01 09:00:00 UTC);
    let second = wallet
        .record_presentation(
            "https://shop.example",
            vec!["age_over_18".into()],
            vec![a.clone()],
            later,
        )
        .unwrap();
    let first = wallet
        .record_presentation(
            "did:web:bank.example",
            vec!["given_name".into(), "address.country".into()],
            vec![a.clone(), b.clone()],
            earlier,
        )
        .unwrap();
    assert_eq!(
        wallet
            .record_presentation("v", vec![], vec!["00".repeat(16)], earlier)
            .unwrap_err()
            .code(),
        "unknown_credential"
    );

    let wallet = wallet.lock().unlock(PASS).unwrap();
    let history = wallet.history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, first);
    assert_eq!(history[0].verifier, "did:web:bank.example");
    assert_eq!(
        history[0].claims_shared,
        vec!["given_name", "address.country"]
    );
    assert_eq!(history[0].credential_ids, vec![a.clone(), b]);
    assert_eq!(history[0].at, earlier);
    assert_eq!(history[1].id, second);
    assert_eq!(history[1].at, later);
    assert_eq!(history[1].at.offset(), later.offset());

    // History outlives the credential (it names the id only), and can be erased itself.
    let mut wallet = wallet;
    wallet.delete_credential(&a).unwrap();
    assert_eq!(wallet.history().unwrap().len(), 2);
    wallet.delete_presentation(&first).unwrap();
    assert_eq!(
        wallet.delete_presentation(&first).unwrap_err().code(),
        "unknown_presentation"
    );
    assert_eq!(wallet.history().unwrap().len(), 1);
}

#[test]
fn error_codes_are_stable() {
    let cases: Vec<(Error, &str)> = vec![
        (Error::WalletExists(PathBuf::new()), "wallet_exists"),
        (Error::NotAWallet(String::new()), "not_a_wallet"),
        (Error::WrongPassphrase, "wrong_passphrase"),
        (Error::CorruptRecord(String::new()), "corrupt_record"),
        (
            Error::UnknownCredential(String::new()),
            "unknown_credential",
        ),
        (Error::io("x", std::io::Error::other("y")), "io_error"),
    ];
    for (err, code) in cases {
        assert_eq!(err.code(), code);
        assert!(!err.to_string().is_empty());
    }
}

fn valid_header_bytes() -> Vec<u8> {
    let (_tmp, dir, wallet) = new_wallet();
    drop(wallet);
    fs::read(dir.join(HEADER_FILE)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_header_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(HEADER_FILE), &bytes).unwrap();
        if let Ok(locked) = Wallet::open(tmp.path()) {
            prop_assert!(locked.unlock(PASS).is_err());
        }
    }

    #[test]
    fn mutated_header_bytes_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut bytes = valid_header_bytes();
        let tmp = tempfile::tempdir().unwrap();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        fs::write(tmp.path().join(HEADER_FILE), &bytes).unwrap();
        if let Ok(locked) = Wallet::open(tmp.path()) {
            // No index next to it: at best the passphrase works and the index is missing.
            let _ = locked.unlock(PASS);
        }
    }

    #[test]
    fn arbitrary_record_and_index_bytes_never_panic(
        record in proptest::collection::vec(any::<u8>(), 0..300),
        index in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (_tmp, dir, mut wallet) = new_wallet();
        let id = wallet.add_credential("vc+jwt", "x", serde_json::json!({})).unwrap();
        let key = wallet.generate_key(KeyType::Ed25519).unwrap();
        fs::write(record_file(&dir, &id), &record).unwrap();
        fs::write(record_file(&dir, &key), &record).unwrap();
        prop_assert_eq!(wallet.credential(&id).unwrap_err().code(), "corrupt_record");
        prop_assert_eq!(wallet.private_key(&key).unwrap_err().code(), "corrupt_record");
        prop_assert!(wallet.credentials().is_err());
        prop_assert!(wallet.keys().is_err());
        drop(wallet);
        fs::write(dir.join(INDEX_FILE), &index).unwrap();
        let err = Wallet::open(&dir).unwrap().unlock(PASS).unwrap_err();
        prop_assert_eq!(err.code(), "corrupt_record");
    }
}
