//! RFC 8785 conformance: every input in `$KITH_VECTORS/jcs/testdata/input` canonicalizes
//! to exactly the bytes of `output/` (and `outhex/`), through Kith's bounded parser.

use std::path::PathBuf;

fn vectors() -> PathBuf {
    let root = std::env::var_os("KITH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
        });
    let dir = root.join("jcs/testdata");
    assert!(
        dir.is_dir(),
        "JCS vectors not found at {}; set KITH_VECTORS",
        dir.display()
    );
    dir
}

#[test]
fn every_jcs_vector_matches_byte_for_byte() {
    let dir = vectors();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("input")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let input = std::fs::read(&path).unwrap();
        let expected = std::fs::read(dir.join("output").join(&name)).unwrap();
        let value =
            kith_vc::json::parse(&input).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let canonical = kith_vc::jcs::canonicalize(&value);
        assert_eq!(
            String::from_utf8_lossy(&canonical),
            String::from_utf8_lossy(&expected),
            "{}",
            path.display()
        );
        let hex_file = dir
            .join("outhex")
            .join(name.to_string_lossy().replace(".json", ".txt"));
        if let Ok(hex_text) = std::fs::read_to_string(&hex_file) {
            let from_hex: Vec<u8> = hex_text
                .split_whitespace()
                .map(|b| u8::from_str_radix(b, 16).unwrap())
                .collect();
            assert_eq!(canonical, from_hex, "{}", hex_file.display());
        }
        checked += 1;
    }
    assert_eq!(checked, 6, "all six RFC 8785 test files");
}
