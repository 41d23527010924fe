//! SD-JWT VC revocation with the IETF Token Status List (draft-ietf-oauth-status-list):
//! `dc+sd-jwt` credentials carry `status.status_list {idx, uri}` in the same lists as
//! the Bitstring entries; `GET /status/{list}` serves the Status List Token to
//! `Accept: application/statuslist+jwt`; revocation by `jti` shows in both.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kith_did::{Did, Document, Resolution, ResolutionOptions, Resolver};
use kith_vc::status::{
    BitstringStatusList, INVALID, StatusListTokenExpectation, VALID, verify_status_list_token,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::common::{Ctx, Resp, both};

/// The issuer's DID document, as served, for verifying its Status List Tokens offline.
struct ServedDocument(Document);

#[async_trait]
impl Resolver for ServedDocument {
    async fn resolve(
        &self,
        _did: &Did,
        _options: &ResolutionOptions,
    ) -> Result<Resolution, kith_did::Error> {
        Ok(Resolution {
            document: self.0.clone(),
            document_metadata: Default::default(),
        })
    }
}

fn jwt_part(jwt: &str, index: usize) -> Value {
    let part = jwt.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// The compact SD-JWT inside an enveloped credential.
fn compact(envelope: &Value) -> String {
    envelope["id"]
        .as_str()
        .and_then(|id| id.strip_prefix("data:application/dc+sd-jwt,"))
        .expect("a dc+sd-jwt data URL")
        .to_owned()
}

async fn get_accept(s: &Ctx, path: &str, accept: &str) -> Resp {
    let response = s
        .client
        .get(s.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("the request is sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("the body reads");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

/// Fetches and verifies the Status List Token at `uri`, returning its status at `idx`.
async fn token_status(s: &Ctx, uri: &str, idx: u64) -> u8 {
    let path = uri.strip_prefix(&s.base).expect("a list of this server");
    let response = get_accept(s, path, "application/statuslist+jwt").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.content_type(), "application/statuslist+jwt");
    assert_eq!(response.header("vary"), Some("accept"));
    let token = response.text.trim();
    assert_eq!(jwt_part(token, 0)["typ"], "statuslist+jwt");
    let document = s.get("/.well-known/did.json", None).await;
    let document = Document::from_json(document.text.as_bytes()).expect("a DID document");
    let did = s.did();
    let expected = StatusListTokenExpectation {
        uri,
        issuer: Some(&did),
        now: OffsetDateTime::now_utc(),
        skew: std::time::Duration::from_secs(60),
    };
    let verified = verify_status_list_token(token, &ServedDocument(document), &expected)
        .await
        .expect("the Status List Token verifies");
    assert_eq!(verified.issuer, did);
    assert_eq!(verified.list.bits(), 1);
    verified.list.get(idx).expect("idx in range")
}

/// The Bitstring Status List credential at `uri` (default `Accept`), its bit at `idx`.
async fn bitstring_status(s: &Ctx, uri: &str, idx: u64) -> bool {
    let path = uri.strip_prefix(&s.base).expect("a list of this server");
    let response = s.get(path, None).await;
    let list = response.expect(200);
    assert_eq!(response.content_type(), "application/vc");
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    let encoded = list["credentialSubject"]["encodedList"]
        .as_str()
        .expect("encodedList");
    BitstringStatusList::decode(encoded)
        .expect("a bitstring")
        .get(idx)
        .expect("idx in range")
}

both!(sd_jwt_vcs_are_revoked_through_the_token_status_list, |s| {
    let claims = json!({
        "vct": "https://credentials.example.com/identity_credential",
        "given_name": "Erin",
    });
    let sd = s
        .issue(
            claims.clone(),
            json!({"format": "dc+sd-jwt", "disclosable": ["/given_name"]}),
        )
        .await;
    let sd_jwt = compact(&sd);
    let payload = jwt_part(&sd_jwt, 1);
    let jti = payload["jti"].as_str().expect("a jti").to_owned();
    let reference = &payload["status"]["status_list"];
    let uri = reference["uri"]
        .as_str()
        .expect("status_list.uri")
        .to_owned();
    let idx = reference["idx"].as_u64().expect("status_list.idx");
    assert!(uri.starts_with(&format!("{}/status/", s.base)), "{uri}");
    assert!(
        payload["status"].get("credentialStatus").is_none(),
        "{payload}"
    );

    // Valid: the pipeline checks the Status List Token in-process.
    let verified = s.verify(&sd).await;
    assert_eq!(verified.expect(200)["verified"], true, "{}", verified.text);
    let status = verified.json["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "status")
        .expect("a status check")
        .clone();
    assert_eq!(status["ok"], true, "{status}");
    assert_eq!(token_status(&s, &uri, idx).await, VALID);
    assert!(!bitstring_status(&s, &uri, idx).await);

    // Revoked by its jti, like any credential.
    let revoked = s.set_status(&jti, "revocation", true).await;
    assert_eq!(
        revoked.expect(200)["credentialStatus"][0]["statusListCredential"],
        json!(uri)
    );
    let after = s.verify(&sd).await;
    assert_eq!(after.status, 400, "{}", after.text);
    assert_eq!(after.json["verified"], false);
    assert_eq!(after.failed_check("status"), Some("revoked"));
    // The same bit in both representations of the list.
    assert_eq!(token_status(&s, &uri, idx).await, INVALID);
    assert!(bitstring_status(&s, &uri, idx).await);

    // An SD-JWT VC has no suspension entry.
    s.set_status(&jti, "suspension", true)
        .await
        .assert_problem(404, "unknown_credential");

    // options.credentialStatus false: no status claim, verifies.
    let bare = s
        .issue(
            claims,
            json!({"format": "dc+sd-jwt", "credentialStatus": false}),
        )
        .await;
    assert!(jwt_part(&compact(&bare), 1).get("status").is_none());
    assert_eq!(s.verify(&bare).await.expect(200)["verified"], true);

    // Unknown lists, whatever is asked for.
    get_accept(&s, "/status/no-such-list", "application/statuslist+jwt")
        .await
        .assert_problem(404, "unknown_status_list");
});
