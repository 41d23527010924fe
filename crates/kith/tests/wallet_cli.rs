//! `kith wallet`, run as a user would: a wallet with credentials, social recovery to
//! three did:key guardians (2 of 3), guardians decrypting their shares, restores, and
//! encrypted backups — with the real binary and real files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const PASS: &str = "correct horse battery staple";
const NEW_PASS: &str = "a new passphrase after recovery";

/// `kith` with the wallet directory and passphrase in the environment.
fn kith(wallet: &Path, passphrase: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("kith").expect("the kith binary is built");
    cmd.env("KITH_WALLET", wallet)
        .env_remove("KITH_WALLET_PASSPHRASE")
        .env_remove("KITH_WALLET_NEW_PASSPHRASE");
    if let Some(p) = passphrase {
        cmd.env("KITH_WALLET_PASSPHRASE", p);
    }
    cmd
}

/// Runs and expects exit 0; returns stdout as JSON when it is JSON, else as a string.
fn ok(cmd: &mut Command) -> Value {
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&output.stdout).into()))
}

/// Runs with --json and expects exit 2 with `code`.
fn fails_with(cmd: &mut Command, code: &str) {
    let output = cmd.arg("--json").output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
}

/// An Ed25519 key from `kith key generate` and its did:key.
fn guardian(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(format!("{name}.jwk"));
    let mut cmd = Command::cargo_bin("kith").unwrap();
    ok(cmd
        .args(["key", "generate", "--alg", "ed25519", "--out"])
        .arg(&key));
    let mut cmd = Command::cargo_bin("kith").unwrap();
    let did = ok(cmd.args(["did", "create", "key", "--key"]).arg(&key));
    let did = did.as_str().unwrap().trim().to_owned();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    (key, did)
}

/// The credentials `kith wallet list --json` shows.
fn list(wallet: &Path, passphrase: &str) -> Vec<Value> {
    let out = ok(kith(wallet, Some(passphrase)).args(["--json", "wallet", "list"]));
    out["credentials"].as_array().unwrap().clone()
}

#[test]
fn split_to_three_guardians_and_restore_from_two() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let wallet = t.join("wallet");

    // The holder's wallet with two credentials.
    ok(kith(&wallet, Some(PASS)).args(["wallet", "init"]));
    for (name, format, body) in [
        (
            "diploma.jwt",
            "vc+jwt",
            "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6MX0.c2ln",
        ),
        (
            "pid.sdjwt",
            "dc+sd-jwt",
            "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJwaWQifQ.c2ln~WyJzIiwibiIsIkEiXQ~",
        ),
    ] {
        std::fs::write(t.join(name), body).unwrap();
        ok(kith(&wallet, Some(PASS))
            .args(["wallet", "add", "--format", format])
            .arg(t.join(name)));
    }
    let before = list(&wallet, PASS);
    assert_eq!(before.len(), 2);
    let shown = ok(kith(&wallet, Some(PASS)).args([
        "--json",
        "wallet",
        "show",
        before[0]["id"].as_str().unwrap(),
    ]));
    assert!(shown["raw"].as_str().unwrap().starts_with("eyJ"));

    // Three guardians with Ed25519 did:keys; shares 2 of 3.
    let guardians: Vec<(PathBuf, String)> = ["alice", "bob", "carol"]
        .iter()
        .map(|n| guardian(t, n))
        .collect();
    let shares = t.join("shares");
    let mut split = kith(&wallet, Some(PASS));
    split.args([
        "--json",
        "wallet",
        "recovery",
        "split",
        "--threshold",
        "2",
        "--out",
    ]);
    split.arg(&shares);
    for (_, did) in &guardians {
        split.args(["--guardian", did]);
    }
    let split = ok(&mut split);
    assert_eq!(split["shares"].as_array().unwrap().len(), 3);
    for i in 1..=3 {
        let file: Value =
            serde_json::from_slice(&std::fs::read(shares.join(format!("share-{i}.json"))).unwrap())
                .unwrap();
        assert_eq!(file["guardian"], guardians[i - 1].1.as_str());
        assert_eq!(file["threshold"], 2);
    }

    // Guardians 1 and 3 decrypt their shares (no wallet involved).
    let nowhere = t.join("no-wallet-here");
    let plain = |i: usize| t.join(format!("plain-{i}.json"));
    for i in [1, 3] {
        ok(kith(&nowhere, None)
            .args(["wallet", "recovery", "decrypt-share", "--key"])
            .arg(&guardians[i - 1].0)
            .arg("--out")
            .arg(plain(i))
            .arg(shares.join(format!("share-{i}.json"))));
    }
    // Bob's key does not open Alice's share.
    fails_with(
        kith(&nowhere, None)
            .args(["wallet", "recovery", "decrypt-share", "--key"])
            .arg(&guardians[1].0)
            .arg(shares.join("share-1.json")),
        "wrong_guardian_key",
    );
    // One share is not enough; the same share twice is refused.
    fails_with(
        kith(&wallet, Some(NEW_PASS))
            .args(["wallet", "recovery", "restore"])
            .arg(plain(1)),
        "not_enough_shares",
    );
    fails_with(
        kith(&wallet, Some(NEW_PASS))
            .args(["wallet", "recovery", "restore"])
            .arg(plain(1))
            .arg(plain(1)),
        "duplicate_share_index",
    );

    // The holder forgot the passphrase: 2 of 3 shares restore it with a new one.
    ok(kith(&wallet, Some(NEW_PASS))
        .args(["wallet", "recovery", "restore"])
        .arg(plain(1))
        .arg(plain(3)));
    assert_eq!(list(&wallet, NEW_PASS), before);
    fails_with(
        kith(&wallet, Some(PASS)).args(["wallet", "list"]),
        "wrong_passphrase",
    );

    // The passphrase can also come from standard input.
    let output = kith(&wallet, None)
        .args(["--json", "wallet", "list"])
        .write_stdin(format!("{NEW_PASS}\n"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));

    // Lost device: a backup to the recovery key, restored into a new directory from
    // another pair of shares (guardian 2 decrypts to stdout).
    let backup = t.join("wallet.backup.jwe");
    ok(kith(&wallet, Some(NEW_PASS))
        .args(["wallet", "backup", "export", "--to-recovery-key", "--out"])
        .arg(&backup));
    let share2 = ok(kith(&nowhere, None)
        .args(["wallet", "recovery", "decrypt-share", "--key"])
        .arg(&guardians[1].0)
        .arg(shares.join("share-2.json")));
    let share2_text = match &share2 {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    std::fs::write(plain(2), share2_text).unwrap();
    let new_device = t.join("new-device-wallet");
    ok(kith(&new_device, Some("third passphrase"))
        .args(["wallet", "recovery", "restore", "--backup"])
        .arg(&backup)
        .arg(plain(2))
        .arg(plain(3)));
    assert_eq!(list(&new_device, "third passphrase"), before);
}

#[test]
fn backups_to_a_did_key_restore_and_refuse_the_wrong_key() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let wallet = t.join("wallet");
    ok(kith(&wallet, Some(PASS)).args(["wallet", "init"]));
    std::fs::write(t.join("c.jwt"), "eyJ.eyJ.sig").unwrap();
    ok(kith(&wallet, Some(PASS))
        .args(["wallet", "add", "--format", "vc+jwt"])
        .arg(t.join("c.jwt")));
    let before = list(&wallet, PASS);

    let (key, did) = guardian(t, "backup-key");
    let (other_key, _) = guardian(t, "other");
    let backup = t.join("b.jwe");
    ok(kith(&wallet, Some(PASS))
        .args(["wallet", "backup", "export", "--to", &did, "--out"])
        .arg(&backup));
    let target = t.join("restored");
    fails_with(
        kith(&target, Some(NEW_PASS))
            .args(["wallet", "backup", "import", "--key"])
            .arg(&other_key)
            .arg(&backup),
        "backup_wrong_recipient",
    );
    assert!(!target.exists(), "nothing is written on failure");
    // A tampered backup.
    let text = std::fs::read_to_string(&backup).unwrap();
    let mut parts: Vec<String> = text.split('.').map(str::to_owned).collect();
    let c = parts[3].remove(0);
    parts[3].insert(0, if c == 'A' { 'B' } else { 'A' });
    let tampered = t.join("tampered.jwe");
    std::fs::write(&tampered, parts.join(".")).unwrap();
    fails_with(
        kith(&target, Some(NEW_PASS))
            .args(["wallet", "backup", "import", "--key"])
            .arg(&key)
            .arg(&tampered),
        "backup_tampered",
    );
    assert!(!target.exists());
    ok(kith(&target, Some(NEW_PASS))
        .args(["wallet", "backup", "import", "--key"])
        .arg(&key)
        .arg(&backup));
    assert_eq!(list(&target, NEW_PASS), before);
    // Importing over an existing wallet is refused.
    fails_with(
        kith(&wallet, Some(NEW_PASS))
            .args(["wallet", "backup", "import", "--key"])
            .arg(&key)
            .arg(&backup),
        "wallet_exists",
    );
    // Changing the passphrase, and deleting.
    ok(kith(&target, Some(NEW_PASS))
        .env("KITH_WALLET_NEW_PASSPHRASE", "changed")
        .args(["wallet", "passphrase"]));
    let id = before[0]["id"].as_str().unwrap();
    ok(kith(&target, Some("changed")).args(["wallet", "delete", id]));
    assert!(list(&target, "changed").is_empty());
    fails_with(
        kith(&target, Some("changed")).args(["wallet", "show", id]),
        "unknown_credential",
    );
}
