use std::os::unix::fs::PermissionsExt;

use kith_store::{MasterKey, Sealed};

#[test]
fn seal_open_round_trip() {
    let key = MasterKey::generate();
    let sealed = key.seal(b"secret bytes", b"record-1");
    let text = sealed.to_text();
    assert!(text.starts_with("v1."));
    assert_eq!(text.split('.').count(), 5);
    let parsed = Sealed::from_text(&text).unwrap();
    assert_eq!(parsed, sealed);
    assert_eq!(
        key.open(&parsed, b"record-1").unwrap().as_slice(),
        b"secret bytes"
    );
    // Fresh data key and nonces every time.
    assert_ne!(key.seal(b"secret bytes", b"record-1").to_text(), text);
}

#[test]
fn tampering_is_detected() {
    let key = MasterKey::generate();
    let text = key.seal(b"secret bytes", b"record-1").to_text();

    // Wrong aad: the sealed value was moved to another record.
    let sealed = Sealed::from_text(&text).unwrap();
    assert_eq!(
        key.open(&sealed, b"record-2").unwrap_err().code(),
        "decryption_failed"
    );

    // Wrong master key.
    let other = MasterKey::generate();
    assert_eq!(
        other.open(&sealed, b"record-1").unwrap_err().code(),
        "decryption_failed"
    );

    // Each part flipped.
    let parts: Vec<&str> = text.split('.').collect();
    for i in 1..parts.len() {
        let mut changed: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        let first = changed[i].chars().next().unwrap();
        let replacement = if first == 'A' { 'B' } else { 'A' };
        changed[i].replace_range(0..1, &replacement.to_string());
        let tampered = changed.join(".");
        match Sealed::from_text(&tampered) {
            Ok(s) => assert_eq!(
                key.open(&s, b"record-1").unwrap_err().code(),
                "decryption_failed"
            ),
            Err(e) => assert_eq!(e.code(), "invalid_sealed_record"),
        }
    }
    for bad in [
        "",
        "v2.a.b.c.d",
        "v1.a.b.c",
        "v1.!!.b.c.d",
        &format!("{text}.x"),
    ] {
        assert_eq!(
            Sealed::from_text(bad).unwrap_err().code(),
            "invalid_sealed_record",
            "{bad}"
        );
    }
}

#[test]
fn master_key_text_and_debug() {
    let key = MasterKey::generate();
    let text = key.to_base64url();
    let again = MasterKey::from_base64url(&text).unwrap();
    assert_eq!(again.to_base64url(), text);
    assert!(!format!("{key:?}").contains(text.as_str()));
    assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
    assert_eq!(
        MasterKey::from_base64url("abc").unwrap_err().code(),
        "invalid_master_key"
    );
    assert_eq!(
        MasterKey::from_base64url("not base64!").unwrap_err().code(),
        "invalid_master_key"
    );
}

#[test]
fn passphrase_derivation_is_deterministic_per_salt() {
    let salt = [7u8; 16];
    let a = MasterKey::from_passphrase(b"correct horse battery staple", &salt).unwrap();
    let b = MasterKey::from_passphrase(b"correct horse battery staple", &salt).unwrap();
    assert_eq!(a.to_base64url(), b.to_base64url());
    let c = MasterKey::from_passphrase(b"correct horse battery staple", &[8u8; 16]).unwrap();
    assert_ne!(a.to_base64url(), c.to_base64url());
    let d = MasterKey::from_passphrase(b"another passphrase", &salt).unwrap();
    assert_ne!(a.to_base64url(), d.to_base64url());
    assert_eq!(
        MasterKey::from_passphrase(b"x", b"short")
            .unwrap_err()
            .code(),
        "invalid_master_key"
    );
    assert_eq!(
        MasterKey::from_passphrase(b"", &salt).unwrap_err().code(),
        "invalid_master_key"
    );
}

#[test]
fn derive_and_pepper() {
    let key = MasterKey::generate();
    assert_eq!(key.derive("a"), key.derive("a"));
    assert_ne!(key.derive("a"), key.derive("b"));
    assert_eq!(format!("{:?}", key.pepper()), "Pepper(<redacted>)");
}

#[test]
fn key_file_is_created_0600_and_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("master.key");
    let (key, created) = MasterKey::load_or_create_file(&path).unwrap();
    assert!(created);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(path.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let (again, created) = MasterKey::load_or_create_file(&path).unwrap();
    assert!(!created);
    assert_eq!(again.to_base64url(), key.to_base64url());
}

#[test]
fn group_readable_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let (key, _) = MasterKey::load_or_create_file(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = MasterKey::load_or_create_file(&path).unwrap_err();
    assert_eq!(err.code(), "key_file_permissions");
    assert!(err.to_string().contains("644"), "{err}");
    assert!(!err.to_string().contains(key.to_base64url().as_str()));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(
        MasterKey::load_or_create_file(&path).unwrap_err().code(),
        "key_file_permissions"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(MasterKey::load_or_create_file(&path).is_ok());
}

#[test]
fn garbage_key_file_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    std::fs::write(&path, "not a key\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        MasterKey::load_or_create_file(&path).unwrap_err().code(),
        "invalid_master_key"
    );
}
