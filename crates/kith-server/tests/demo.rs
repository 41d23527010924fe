//! The trust triangle of `kith demo`, end to end over loopback HTTP: four real
//! services, a real encrypted wallet, OpenID4VCI and OpenID4VP. The scenario itself
//! checks every outcome (exactly the requested claims leave the wallet, the revoked
//! PID is refused with `revoked`); this test checks the transcript says so.

use kith_server::demo::{Observer, Step};
use serde_json::{Value, json};

#[derive(Default)]
struct Collect {
    steps: Vec<Step>,
    working: usize,
}

impl Observer for Collect {
    fn step(&mut self, step: &Step) {
        self.steps.push(step.clone());
    }

    fn working(&mut self, what: Option<&str>) {
        if what.is_some() {
            self.working += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trust_triangle_discloses_only_what_is_asked_and_honours_revocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut observer = Collect::default();
    let steps = kith_server::demo::run(dir.path(), &mut observer)
        .await
        .unwrap_or_else(|e| panic!("the demo failed: {e}"));
    assert_eq!(steps.len(), observer.steps.len());
    assert!(
        observer.working >= steps.len(),
        "slow steps announce themselves"
    );

    let bar = &steps[4];
    assert_eq!(bar.actor, "bar ⇄ Alice");
    // The bar learns no claim at all, only that the birth date is on or before the
    // cutoff 18 years back: a zero-knowledge proof (kith-zkp-2026) over a hidden claim.
    assert_eq!(bar.data["learned"], json!({}));
    let proven = bar.data["proven"].as_array().expect("proven predicates");
    assert_eq!(proven.len(), 1);
    let statement = proven[0].as_str().expect("a statement");
    assert!(
        statement.starts_with("/credentialSubject/birthDate <= "),
        "{statement}"
    );
    let hidden: Vec<&str> = bar.data["hidden"]
        .as_array()
        .expect("hidden")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for claim in ["givenName", "familyName", "birthDate", "nationality"] {
        assert!(hidden.contains(&claim), "{claim} stays hidden from the bar");
    }
    // The bar's verified result holds no subject claim value, not even the birth year.
    let result = bar.data["result"].to_string();
    for value in ["Alice", "Example", "1990", "\"NL\""] {
        assert!(!result.contains(value), "the bar's result leaks {value}");
    }
    assert_eq!(
        bar.data["result"]["credentials"]["identity"][0]["format"],
        "kith-zkp-2026"
    );

    let bank = &steps[5];
    assert_eq!(
        bank.data["learned"],
        json!({"given_name": "Alice", "family_name": "Example", "nationality": "NL"})
    );
    assert!(!bank.data["result"].to_string().contains("1990-04-12"));

    let after = &steps[7];
    assert_eq!(after.data["result"]["status"], "failed");
    assert_eq!(after.data["result"]["code"], "revoked");

    let history = &steps[8];
    assert_eq!(
        history.data.as_array().map(Vec::len),
        Some(3),
        "three presentations recorded"
    );
}
