//! Every public future is Send, so axum handlers and middleware can await them.

use std::collections::BTreeSet;
use std::time::Duration;

use kith_crypto::{KeyType, PrivateKey};
use kith_store::{AuditEvent, MasterKey, Store};

use crate::common::now;

fn send<T: Send>(_: &T) {}

#[allow(dead_code, clippy::unwrap_used)]
fn futures_are_send(store: &Store, master: &MasterKey, key: &PrivateKey) {
    let pepper = master.pepper();
    let api = store.api_keys(&pepper);
    let scopes = BTreeSet::new();
    let event = AuditEvent {
        actor: String::new(),
        action: String::new(),
        target: String::new(),
        request_id: String::new(),
        outcome: String::new(),
    };
    send(&Store::open(""));
    send(&Store::open_data_dir("".as_ref()));
    send(&store.ping());
    send(&store.close());
    send(&store.meta_get(""));
    send(&store.meta_set_if_absent("", ""));
    send(&store.check_master_key(master));
    send(&store.kdf_salt());
    send(&store.record_issued("", "", "", now()));
    send(&store.issued_exists(""));
    send(&store.keys().insert(master, "", "", key, true, now()));
    send(&store.keys().list(""));
    send(&store.keys().active(""));
    send(&store.keys().get(""));
    send(&store.keys().private_key(master, ""));
    send(&store.keys().retire("", now()));
    send(&api.create("", &scopes, None, now()));
    send(&api.authenticate("", now()));
    send(&api.touch("", now()));
    send(&api.revoke("", now()));
    send(&api.rotate("", Duration::ZERO, now()));
    send(&api.list());
    send(&api.get(""));
    send(&api.count());
    let idem = store.idempotency();
    send(&idem.begin("", "", &[0; 32], now(), Duration::ZERO, Duration::ZERO));
    send(&idem.complete("", "", 200, b""));
    send(&idem.abandon("", ""));
    send(&idem.purge_expired(now()));
    let status = store.status();
    send(&status.allocate("", "", 8, now()));
    send(&status.set("", "", true, now()));
    send(&status.list_state(""));
    send(&status.list_version(""));
    send(&status.lists(None));
    send(&status.entries_for(""));
    let audit = store.audit();
    send(&audit.append(&event, now()));
    send(&audit.verify());
    send(&audit.tail(1));
    let signers = store.request_signers();
    send(&signers.add("", &scopes, now()));
    send(&signers.remove("", now()));
    send(&signers.scopes("", now()));
    send(&signers.list());
}

#[test]
fn store_types_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Store>();
    both::<MasterKey>();
    both::<kith_store::Error>();
    let _ = KeyType::Ed25519;
}
