//! Unit tests of encrypted backups and social recovery (cheap Argon2id parameters).

use std::fs;
use std::path::{Path, PathBuf};

use kith_crypto::multibase::{base64url_decode, base64url_encode};
use kith_crypto::{KeyType, PrivateKey};
use p256::Scalar;
use p256::elliptic_curve::ff::{Field as _, PrimeField as _};
use time::macros::datetime;
use vsss_rs::{IdentifierPrimeField, PrimeFieldShare, ReadableShareSet as _};

use crate::backup::import_with;
use crate::crypto::Argon2Params;
use crate::recovery::{self, decrypt_share, restore_from_backup_with};
use crate::wallet::HEADER_FILE;
use crate::{Guardian, PlainShare, ShareFile, Wallet};

const PASS: &str = "correct horse battery staple";
const NEW_PASS: &str = "new passphrase after recovery";
const CHEAP: Argon2Params = Argon2Params {
    m_kib: 8,
    t: 1,
    p: 1,
};

/// A wallet with two credentials, a holder key and one history entry.
fn filled_wallet() -> (tempfile::TempDir, PathBuf, Wallet) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let mut wallet = Wallet::create_with(&dir, PASS, CHEAP).unwrap();
    let a = wallet
        .add_credential("vc+jwt", "eyJ.a.b", serde_json::json!({"issuer": "Uni"}))
        .unwrap();
    wallet
        .add_credential("dc+sd-jwt", "eyJ.c.d~", serde_json::json!({"vct": "id"}))
        .unwrap();
    wallet.generate_key(KeyType::P256).unwrap();
    wallet
        .record_presentation(
            "did:web:verifier.example",
            vec!["/name".into()],
            vec![a],
            datetime!(2025-01-02 03:04:05 UTC),
        )
        .unwrap();
    (tmp, dir, wallet)
}

/// The wallet's contents in comparable form.
fn contents(wallet: &Wallet) -> (Vec<String>, Vec<String>, Vec<String>) {
    let creds = wallet
        .credentials()
        .unwrap()
        .into_iter()
        .map(|c| {
            format!(
                "{} {} {} {} {}",
                c.id, c.format, c.raw, c.metadata, c.added_at
            )
        })
        .collect();
    let keys = wallet
        .keys()
        .unwrap()
        .into_iter()
        .map(|k| {
            let secret = wallet.private_key(&k.id).unwrap().to_bytes();
            format!(
                "{} {:?} {}",
                k.id,
                k.public_key,
                hex::encode(secret.as_slice())
            )
        })
        .collect();
    let history = wallet
        .history()
        .unwrap()
        .into_iter()
        .map(|h| format!("{h:?}"))
        .collect();
    (creds, keys, history)
}

fn code<T: std::fmt::Debug>(r: Result<T, crate::Error>) -> &'static str {
    r.unwrap_err().code()
}

// ---- backups ---------------------------------------------------------------------------

#[test]
fn backup_round_trips_to_every_recipient_type() {
    let (tmp, _dir, wallet) = filled_wallet();
    let before = contents(&wallet);
    for key_type in [
        KeyType::P256,
        KeyType::P384,
        KeyType::X25519,
        KeyType::Ed25519,
    ] {
        let recipient = PrivateKey::generate(key_type).unwrap();
        let backup = wallet
            .export_backup(&recipient.public_key(), Some("did:example:me#backup"))
            .unwrap();
        let header = kith_crypto::jwe::protected_header(&backup).unwrap();
        assert_eq!(header["alg"], "ECDH-ES+A256KW");
        assert_eq!(header["enc"], "A256GCM");
        assert_eq!(header["kid"], "did:example:me#backup");
        // Nothing readable in the backup text.
        assert!(!backup.contains("eyJ.a.b"));
        let target = tmp.path().join(format!("restored-{key_type}"));
        let restored = import_with(&target, &backup, &recipient, NEW_PASS, CHEAP).unwrap();
        assert_eq!(contents(&restored), before, "{key_type}");
        drop(restored);
        // The new passphrase opens it; the old does not.
        let locked = Wallet::open(&target).unwrap();
        assert_eq!(code(locked.unlock(PASS)), "wrong_passphrase");
        assert_eq!(contents(&locked.unlock(NEW_PASS).unwrap()), before);
    }
}

#[test]
fn an_empty_wallet_backs_up() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = Wallet::create_with(&tmp.path().join("w"), PASS, CHEAP).unwrap();
    let key = PrivateKey::generate(KeyType::X25519).unwrap();
    let backup = wallet.export_backup(&key.public_key(), None).unwrap();
    let restored = import_with(&tmp.path().join("r"), &backup, &key, PASS, CHEAP).unwrap();
    assert!(restored.credentials().unwrap().is_empty());
}

/// Every file under `dir`, sorted (to show nothing was written).
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn wrong_recipient_and_tampered_backups_fail_without_writing() {
    let (tmp, _dir, wallet) = filled_wallet();
    let recipient = PrivateKey::generate(KeyType::P256).unwrap();
    let backup = wallet.export_backup(&recipient.public_key(), None).unwrap();
    let before = listing(tmp.path());
    let target = tmp.path().join("restored");

    // Another key, same curve or another curve.
    for other in [
        PrivateKey::generate(KeyType::P256).unwrap(),
        PrivateKey::generate(KeyType::X25519).unwrap(),
    ] {
        assert_eq!(
            code(import_with(&target, &backup, &other, NEW_PASS, CHEAP)),
            "backup_wrong_recipient"
        );
    }
    // One bit of the ciphertext, the tag, the wrapped key.
    let parts: Vec<&str> = backup.split('.').collect();
    for index in [1, 3, 4] {
        let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
        let mut bytes = base64url_decode(&p[index]).unwrap();
        bytes[0] ^= 0x80;
        p[index] = base64url_encode(&bytes);
        assert_eq!(
            code(import_with(
                &target,
                &p.join("."),
                &recipient,
                NEW_PASS,
                CHEAP
            )),
            "backup_tampered",
            "part {index}"
        );
    }
    // Not a backup at all.
    for junk in ["", "hello", "a.b.c.d.e"] {
        assert_eq!(
            code(import_with(&target, junk, &recipient, NEW_PASS, CHEAP)),
            "invalid_backup"
        );
    }
    // A JWE to the right key that is not a wallet backup.
    let mut extra = serde_json::Map::new();
    extra.insert("cty".into(), "kith-wallet-backup+json".into());
    extra.insert(
        "kith_recipient".into(),
        recipient.public_key().to_jwk().thumbprint().unwrap().into(),
    );
    let other = kith_crypto::jwe::encrypt(
        &recipient.public_key(),
        kith_crypto::jwe::KeyManagement::EcdhEsA256Kw,
        kith_crypto::jwe::ContentEncryption::A256Gcm,
        br#"{"format":"kith-wallet-backup","version":1,"created_at":"2025-01-01T00:00:00Z","records":[{"kind":"key","id":"00000000000000000000000000000001","data":{"key_type":"p256","secret":"AA","created_at":"2025-01-01T00:00:00Z"}}]}"#,
        &extra,
    )
    .unwrap();
    assert_eq!(
        code(import_with(&target, &other, &recipient, NEW_PASS, CHEAP)),
        "invalid_backup"
    );
    // An empty new passphrase is refused before anything happens.
    assert_eq!(
        code(import_with(&target, &backup, &recipient, "", CHEAP)),
        "invalid_passphrase"
    );
    // Nothing was created: no wallet, no staging directory.
    assert_eq!(listing(tmp.path()), before);
}

#[test]
fn import_never_overwrites_a_wallet() {
    let (tmp, dir, wallet) = filled_wallet();
    let recipient = PrivateKey::generate(KeyType::X25519).unwrap();
    let backup = wallet.export_backup(&recipient.public_key(), None).unwrap();
    drop(wallet);
    let header = fs::read(dir.join(HEADER_FILE)).unwrap();
    assert_eq!(
        code(import_with(&dir, &backup, &recipient, NEW_PASS, CHEAP)),
        "wallet_exists"
    );
    assert_eq!(fs::read(dir.join(HEADER_FILE)).unwrap(), header);
    // A non-empty directory that is not a wallet is not replaced either.
    let busy = tmp.path().join("busy");
    fs::create_dir(&busy).unwrap();
    fs::write(busy.join("notes.txt"), b"mine").unwrap();
    assert!(import_with(&busy, &backup, &recipient, NEW_PASS, CHEAP).is_err());
    assert_eq!(fs::read(busy.join("notes.txt")).unwrap(), b"mine");
    assert!(
        listing(tmp.path())
            .iter()
            .all(|p| !p.to_string_lossy().contains(".import-"))
    );
    // An empty directory is fine.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(import_with(&empty, &backup, &recipient, NEW_PASS, CHEAP).is_ok());
}

// ---- social recovery -------------------------------------------------------------------

struct GuardianKeys {
    keys: Vec<PrivateKey>,
    guardians: Vec<Guardian>,
}

fn guardians(n: usize) -> GuardianKeys {
    let keys: Vec<PrivateKey> = (0..n)
        .map(|i| {
            // Ed25519 did:key guardians, plus one P-256 and one X25519 for variety.
            let t = match i % 3 {
                0 => KeyType::Ed25519,
                1 => KeyType::P256,
                _ => KeyType::X25519,
            };
            PrivateKey::generate(t).unwrap()
        })
        .collect();
    let guardians = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Guardian {
            did: format!("did:example:guardian{i}"),
            key: k.public_key(),
            kid: Some(format!("did:example:guardian{i}#key-agreement")),
        })
        .collect();
    GuardianKeys { keys, guardians }
}

fn plain_shares(files: &[ShareFile], g: &GuardianKeys) -> Vec<PlainShare> {
    files
        .iter()
        .zip(&g.keys)
        .map(|(f, k)| decrypt_share(f, k).unwrap())
        .collect()
}

/// All subsets of `0..n` of size `k`.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    (0u32..(1 << n))
        .filter(|m| m.count_ones() as usize == k)
        .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
        .collect()
}

#[test]
fn any_k_of_n_shares_restore_the_wallet() {
    let (tmp, dir, mut wallet) = filled_wallet();
    let before = contents(&wallet);
    let g = guardians(4);
    let files = wallet.split_recovery(3, &g.guardians).unwrap();
    assert_eq!(files.len(), 4);
    let info = wallet.recovery_info().unwrap();
    assert_eq!((info.threshold, info.shares), (3, 4));
    assert_eq!(info.public_key.key_type(), KeyType::X25519);
    drop(wallet);
    assert_eq!(
        recovery::recovery_info(&dir).unwrap().unwrap().split_id,
        files[0].split_id
    );
    // Share files round-trip through JSON and hold no share value in clear.
    for f in &files {
        assert_eq!(&ShareFile::from_json(f.to_json().as_bytes()).unwrap(), f);
    }
    let plain = plain_shares(&files, &g);
    for p in &plain {
        assert!(!files.iter().any(|f| f.to_json().contains(p.value.as_str())));
        assert_eq!(&PlainShare::from_json(p.to_json().as_bytes()).unwrap(), p);
        assert!(!format!("{p:?}").contains(p.value.as_str()));
    }
    let mut pass = PASS.to_owned();
    for subset in subsets(4, 3).into_iter().chain(subsets(4, 4)) {
        let chosen: Vec<PlainShare> = subset.iter().map(|&i| plain[i].clone()).collect();
        let new = format!("new pass {subset:?}");
        let restored = recovery::restore(&dir, &chosen, &new).unwrap();
        assert_eq!(contents(&restored), before, "{subset:?}");
        drop(restored);
        let locked = Wallet::open(&dir).unwrap();
        assert_eq!(code(locked.unlock(&pass)), "wrong_passphrase");
        let wallet = locked.unlock(&new).unwrap();
        // The recovery slot survives the passphrase reset.
        assert_eq!(wallet.recovery_info().unwrap().split_id, files[0].split_id);
        pass = new;
    }
    drop(tmp);
}

#[test]
fn shares_restore_a_backup_made_to_the_recovery_key() {
    let (tmp, _dir, mut wallet) = filled_wallet();
    let before = contents(&wallet);
    let g = guardians(3);
    let files = wallet.split_recovery(2, &g.guardians).unwrap();
    let backup = wallet
        .export_backup(&wallet.recovery_info().unwrap().public_key, None)
        .unwrap();
    let plain = plain_shares(&files, &g);
    let target = tmp.path().join("new-device");
    let restored =
        restore_from_backup_with(&target, &backup, &plain[1..], NEW_PASS, CHEAP).unwrap();
    assert_eq!(contents(&restored), before);
    // One share is not enough.
    assert_eq!(
        code(restore_from_backup_with(
            &tmp.path().join("x"),
            &backup,
            &plain[..1],
            NEW_PASS,
            CHEAP
        )),
        "not_enough_shares"
    );
}

/// Shamir's secrecy, concretely: for k − 1 real shares and any candidate secret s', a
/// k-th share exists that completes them to s'. So k − 1 shares are equally consistent
/// with every secret and say nothing about the real one.
#[test]
fn k_minus_one_shares_are_consistent_with_every_secret() {
    let (_tmp, _dir, mut wallet) = filled_wallet();
    let g = guardians(5);
    let files = wallet.split_recovery(3, &g.guardians).unwrap();
    let plain = plain_shares(&files, &g);
    let point = |p: &PlainShare| {
        let bytes: [u8; 32] = base64url_decode(&p.value).unwrap().try_into().unwrap();
        (
            Scalar::from(u64::from(p.index)),
            Scalar::from_repr(bytes.into()).unwrap(),
        )
    };
    // The real secret, from 3 shares.
    let real = |pts: &[(Scalar, Scalar)]| -> Scalar {
        let shares: Vec<PrimeFieldShare<Scalar>> = pts
            .iter()
            .map(|(x, y)| PrimeFieldShare {
                identifier: IdentifierPrimeField(*x),
                value: IdentifierPrimeField(*y),
            })
            .collect();
        shares.combine().unwrap().0
    };
    let secret = real(&[point(&plain[0]), point(&plain[1]), point(&plain[2])]);
    // Lagrange: the value at x of the unique degree-2 polynomial through `pts`.
    let eval = |pts: &[(Scalar, Scalar)], x: Scalar| -> Scalar {
        let mut acc = Scalar::ZERO;
        for (i, (xi, yi)) in pts.iter().enumerate() {
            let mut term = *yi;
            for (j, (xj, _)) in pts.iter().enumerate() {
                if i != j {
                    term *= (x - xj) * (*xi - xj).invert().unwrap();
                }
            }
            acc += term;
        }
        acc
    };
    let mut rng = rand::rng();
    let known = [point(&plain[3]), point(&plain[4])]; // k − 1 = 2 shares
    let mut candidates = vec![Scalar::ZERO, Scalar::ONE, secret, -Scalar::ONE];
    candidates.extend((0..20).map(|_| Scalar::random(&mut rng)));
    for candidate in candidates {
        // Complete the two known shares with (0, candidate): the third share at x = 1.
        let through = [(Scalar::ZERO, candidate), known[0], known[1]];
        let third = (Scalar::ONE, eval(&through, Scalar::ONE));
        assert_eq!(real(&[third, known[0], known[1]]), candidate);
    }
    // And the completion is unique: exactly one third share per candidate, so the map
    // from the missing share to the secret is a bijection of the field.
    let a = eval(
        &[(Scalar::ZERO, Scalar::ONE), known[0], known[1]],
        Scalar::ONE,
    );
    let b = eval(
        &[(Scalar::ZERO, Scalar::ONE.double()), known[0], known[1]],
        Scalar::ONE,
    );
    assert_ne!(a, b);
    // The real third share is the completion to the real secret.
    assert_eq!(
        eval(&[(Scalar::ZERO, secret), known[0], known[1]], Scalar::ONE),
        point(&plain[0]).1
    );
}

#[test]
fn malformed_shares_are_invalid_share() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(3);
    let files = wallet.split_recovery(2, &g.guardians).unwrap();
    drop(wallet);
    let plain = plain_shares(&files, &g);
    let good = serde_json::to_value(&plain[0]).unwrap();
    let edits: Vec<(&str, serde_json::Value)> = vec![
        ("value", "not base64!".into()),
        ("value", base64url_encode(&[1u8; 31]).into()),
        ("value", base64url_encode(&[0xffu8; 32]).into()), // above the group order
        ("index", 0.into()),
        ("index", 9.into()),
        ("threshold", 1.into()),
        ("threshold", 4.into()),
        ("split_id", "xyz".into()),
        ("version", 2.into()),
        ("format", "other".into()),
    ];
    for (member, value) in edits {
        let mut edited = good.clone();
        edited[member] = value;
        let bytes = serde_json::to_vec(&edited).unwrap();
        assert_eq!(
            code(PlainShare::from_json(&bytes)),
            "invalid_share",
            "{member}"
        );
    }
    assert_eq!(code(PlainShare::from_json(b"{}")), "invalid_share");
    assert_eq!(code(PlainShare::from_json(b"\xff")), "invalid_share");
    let mut extra = good.clone();
    extra["extra"] = 1.into();
    assert_eq!(
        code(PlainShare::from_json(&serde_json::to_vec(&extra).unwrap())),
        "invalid_share"
    );
    assert_eq!(
        code(PlainShare::from_json(&vec![b' '; 70_000])),
        "invalid_share"
    );
    assert_eq!(code(ShareFile::from_json(b"[]")), "invalid_share");
    // A forged share value (valid scalar, wrong value) combines to the wrong secret.
    let mut forged = plain[1].clone();
    forged.value = zeroize::Zeroizing::new(base64url_encode(&[7u8; 32]));
    assert_eq!(
        code(recovery::restore(
            &dir,
            &[plain[0].clone(), forged],
            NEW_PASS
        )),
        "wrong_recovery_secret"
    );
    // The passphrase still works: nothing changed.
    assert!(Wallet::open(&dir).unwrap().unlock(PASS).is_ok());
}

#[test]
fn shares_from_different_splits_are_refused() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(3);
    let old = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    let new = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    drop(wallet);
    assert_eq!(
        code(recovery::restore(
            &dir,
            &[old[0].clone(), new[1].clone()],
            NEW_PASS
        )),
        "share_split_mismatch"
    );
    // A complete set from the replaced split no longer opens the wallet.
    assert_eq!(
        code(recovery::restore(&dir, &old[..2], NEW_PASS)),
        "share_split_mismatch"
    );
    assert!(recovery::restore(&dir, &new[..2], NEW_PASS).is_ok());
}

#[test]
fn duplicate_indexes_and_too_few_shares_are_refused() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(3);
    let plain = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    drop(wallet);
    assert_eq!(
        code(recovery::restore(
            &dir,
            &[plain[0].clone(), plain[0].clone()],
            NEW_PASS
        )),
        "duplicate_share_index"
    );
    assert_eq!(
        code(recovery::restore(&dir, &plain[..1], NEW_PASS)),
        "not_enough_shares"
    );
    assert_eq!(
        code(recovery::restore(&dir, &[], NEW_PASS)),
        "not_enough_shares"
    );
    assert_eq!(
        code(recovery::restore(&dir, &plain[..2], "")),
        "invalid_passphrase"
    );
}

#[test]
fn the_wrong_guardian_key_and_tampered_share_files_are_refused() {
    let (_tmp, _dir, mut wallet) = filled_wallet();
    let g = guardians(3);
    let files = wallet.split_recovery(2, &g.guardians).unwrap();
    // Guardian 1's key on guardian 0's share; a stranger's key of the same type.
    assert_eq!(
        code(decrypt_share(&files[0], &g.keys[1])),
        "wrong_guardian_key"
    );
    let stranger = PrivateKey::generate(g.keys[0].key_type()).unwrap();
    assert_eq!(
        code(decrypt_share(&files[0], &stranger)),
        "wrong_guardian_key"
    );
    // An Ed25519 guardian decrypts with the Ed25519 key or its X25519 form.
    assert!(decrypt_share(&files[0], &g.keys[0]).is_ok());
    assert!(decrypt_share(&files[0], &g.keys[0].to_x25519().unwrap()).is_ok());
    // Visible fields edited to disagree with the encrypted ones.
    let mut moved = files[1].clone();
    moved.index = 3;
    assert_eq!(code(decrypt_share(&moved, &g.keys[1])), "share_tampered");
    let mut relabelled = files[1].clone();
    relabelled.split_id = files[0].split_id.replace(&files[0].split_id[..1], "f");
    if relabelled.split_id != files[1].split_id {
        assert_eq!(
            code(decrypt_share(&relabelled, &g.keys[1])),
            "share_tampered"
        );
    }
    // The JWE swapped for another guardian's (same key type would be needed to decrypt).
    let mut swapped = files[1].clone();
    swapped.jwe = files[0].jwe.clone();
    assert!(decrypt_share(&swapped, &g.keys[1]).is_err());
    // One bit of the ciphertext.
    let mut p: Vec<String> = files[2].jwe.split('.').map(str::to_owned).collect();
    let mut bytes = base64url_decode(&p[3]).unwrap();
    bytes[0] ^= 1;
    p[3] = base64url_encode(&bytes);
    let mut flipped = files[2].clone();
    flipped.jwe = p.join(".");
    assert_eq!(code(decrypt_share(&flipped, &g.keys[2])), "share_tampered");
}

#[test]
fn split_parameters_are_checked() {
    let (_tmp, _dir, mut wallet) = filled_wallet();
    let g = guardians(3);
    assert_eq!(
        code(wallet.split_recovery(1, &g.guardians)),
        "invalid_recovery_setup"
    );
    assert_eq!(
        code(wallet.split_recovery(4, &g.guardians)),
        "invalid_recovery_setup"
    );
    let mut twice = g.guardians.clone();
    twice[1].did = twice[0].did.clone();
    assert_eq!(
        code(wallet.split_recovery(2, &twice)),
        "invalid_recovery_setup"
    );
    let mut k1 = g.guardians.clone();
    k1[2].key = PrivateKey::generate(KeyType::Secp256k1)
        .unwrap()
        .public_key();
    assert_eq!(
        code(wallet.split_recovery(2, &k1)),
        "invalid_recovery_setup"
    );
    // None of the refusals wrote a recovery slot.
    assert!(wallet.recovery_info().is_none());
}

#[test]
fn restore_without_a_split_is_recovery_not_configured() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(2);
    let plain = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    wallet.set_recovery_slot(None).unwrap();
    drop(wallet);
    assert_eq!(
        code(recovery::restore(&dir, &plain, NEW_PASS)),
        "recovery_not_configured"
    );
}

#[test]
fn an_edited_recovery_slot_does_not_open() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(2);
    let plain = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    drop(wallet);
    let path = dir.join(HEADER_FILE);
    let mut header: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let other = PrivateKey::generate(KeyType::X25519).unwrap();
    header["recovery"]["public_key"] = other.public_key().to_multikey().into();
    fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
    assert_eq!(
        code(recovery::restore(&dir, &plain, NEW_PASS)),
        "wrong_recovery_secret"
    );
    // The passphrase slot is independent of the recovery slot.
    assert!(Wallet::open(&dir).unwrap().unlock(PASS).is_ok());
    header["recovery"]["threshold"] = 1.into();
    fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
    assert_eq!(code(Wallet::open(&dir)), "not_a_wallet");
}

#[test]
fn change_passphrase_keeps_the_recovery_slot() {
    let (_tmp, dir, mut wallet) = filled_wallet();
    let g = guardians(2);
    let plain = plain_shares(&wallet.split_recovery(2, &g.guardians).unwrap(), &g);
    wallet.change_passphrase(PASS, "second").unwrap();
    drop(wallet);
    assert!(recovery::restore(&dir, &plain, NEW_PASS).is_ok());
}
