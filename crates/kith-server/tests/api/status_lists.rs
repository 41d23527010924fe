//! `GET /status/{list}`: signed Bitstring Status List credentials.

use kith_vc::status::BitstringStatusList;
use serde_json::{Value, json};

use crate::common::{Ctx, both, credential};

/// The entry of `purpose` in an issued credential: (list path, index).
fn entry(vc: &Value, purpose: &str, base: &str) -> (String, u64) {
    let entry = vc["credentialStatus"]
        .as_array()
        .expect("status entries")
        .iter()
        .find(|e| e["statusPurpose"] == purpose)
        .expect("an entry of the purpose");
    let url = entry["statusListCredential"].as_str().expect("list URL");
    let path = url.strip_prefix(base).expect("a list of this server");
    let index: u64 = entry["statusListIndex"]
        .as_str()
        .expect("statusListIndex is a string")
        .parse()
        .expect("a decimal index");
    (path.to_owned(), index)
}

/// Fetches a list and decodes its bits.
async fn bits(s: &Ctx, path: &str) -> (Value, BitstringStatusList) {
    let response = s.get(path, None).await;
    let list = response.expect(200).clone();
    assert_eq!(response.content_type(), "application/vc");
    assert!(
        response
            .header("cache-control")
            .is_some_and(|c| c.contains("max-age=")),
        "{:?}",
        response.headers
    );
    let encoded = list["credentialSubject"]["encodedList"]
        .as_str()
        .expect("encodedList");
    let decoded = BitstringStatusList::decode(encoded).expect("a valid bitstring");
    (list, decoded)
}

both!(status_lists_are_signed_and_track_changes, |s| {
    let vc = s.issue(credential("Frank"), json!({})).await;
    let id = vc["id"].as_str().expect("id").to_owned();
    let (revocation_path, index) = entry(&vc, "revocation", &s.base);
    let (suspension_path, suspension_index) = entry(&vc, "suspension", &s.base);
    assert_ne!(revocation_path, suspension_path, "one list per purpose");

    let (list, decoded) = bits(&s, &revocation_path).await;
    assert!(
        list["type"]
            .as_array()
            .expect("types")
            .contains(&json!("BitstringStatusListCredential")),
        "{list}"
    );
    assert_eq!(list["issuer"], json!(s.did()));
    assert_eq!(list["id"], json!(s.url(&revocation_path)));
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    assert_eq!(list["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert!(decoded.entries() >= 131_072);
    assert_eq!(decoded.get(index), Some(false));
    assert_eq!(decoded.count_set(), 0);
    // The list credential verifies like any credential of this issuer.
    let verified = s.verify(&list).await;
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);

    // After a revocation the bit is set, and only that one.
    s.set_status(&id, "revocation", true).await.expect(200);
    let (list, decoded) = bits(&s, &revocation_path).await;
    assert_eq!(decoded.get(index), Some(true));
    assert_eq!(decoded.count_set(), 1);
    assert_eq!(s.verify(&list).await.expect(200)["verified"], true);
    let (_, suspension) = bits(&s, &suspension_path).await;
    assert_eq!(suspension.get(suspension_index), Some(false));
    assert_eq!(suspension.count_set(), 0);

    // Suspend and lift: the suspension bit follows.
    s.set_status(&id, "suspension", true).await.expect(200);
    assert_eq!(
        bits(&s, &suspension_path).await.1.get(suspension_index),
        Some(true)
    );
    s.set_status(&id, "suspension", false).await.expect(200);
    assert_eq!(
        bits(&s, &suspension_path).await.1.get(suspension_index),
        Some(false)
    );

    // Unknown lists.
    s.get("/status/no-such-list", None)
        .await
        .assert_problem(404, "unknown_status_list");
});
