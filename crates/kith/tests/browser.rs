//! The web pages in a real browser: `kith serve --wallet-dir` driven through headless
//! Chromium (Debian's /usr/bin/chromium) by Playwright (tests/browser/e2e.mjs):
//! issuer console → offer → wallet accepts → verifier console asks "over 18?" →
//! consent screen → shared → the console shows the verified result. scripts/test
//! installs Chromium and the npm package; a failure saves screenshots.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("kith serve did not listen on port {port} within 30 s");
}

#[test]
fn issue_accept_present_verify_by_clicking_through_in_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is not at {chromium}: run scripts/test (it installs Debian's chromium), or set CHROMIUM"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run scripts/test, or npm ci --prefix {}",
        browser_dir.display()
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let public_url = format!("http://localhost:{port}");
    let data = dir.path().join("data");
    let wallet = dir.path().join("wallet");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kith"))
        .args(["serve", "--bind", &bind, "--public-url", &public_url])
        .arg("--data-dir")
        .arg(&data)
        .arg("--wallet-dir")
        .arg(&wallet)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kith serve");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Killed(child);
    let mut admin_key = String::new();
    BufReader::new(stdout)
        .read_line(&mut admin_key)
        .expect("the admin key line");
    let admin_key = admin_key.trim().to_owned();
    assert!(
        admin_key.starts_with("kith_"),
        "first stdout line: {admin_key:?}"
    );
    wait_ready(port);

    let screenshots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-e2e");
    std::fs::create_dir_all(&screenshots).expect("screenshot dir");
    let run = Command::new("node")
        .arg(browser_dir.join("e2e.mjs"))
        .current_dir(&browser_dir)
        .env("KITH_URL", &public_url)
        .env("KITH_ADMIN_KEY", &admin_key)
        .env("KITH_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the browser test failed (screenshots in {}):\n{out}\n{err}",
        screenshots.display()
    );
    assert!(out.contains("browser e2e: ok"), "{out}\n{err}");
}
