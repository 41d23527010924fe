use kith_crypto::{KeyType, PrivateKey};
use kith_store::MasterKey;
use time::Duration;

use crate::common::{both, now};

both!(insert_list_active_private_key_retire, |ctx| {
    let keys = ctx.store.keys();
    let master = MasterKey::generate();
    let did = "did:web:issuer.example";
    let k1 = PrivateKey::generate(KeyType::Ed25519).unwrap();
    let k2 = PrivateKey::generate(KeyType::P256).unwrap();

    assert_eq!(keys.active(did).await.unwrap(), None);
    let s1 = keys
        .insert(&master, &format!("{did}#key-1"), did, &k1, true, now())
        .await
        .unwrap();
    assert!(s1.active);
    assert_eq!(s1.public_key, k1.public_key());
    assert_eq!(keys.active(did).await.unwrap().unwrap().id, s1.id);

    // A new active key deactivates the previous one in the same transaction.
    let later = now() + Duration::seconds(10);
    let s2 = keys
        .insert(&master, &format!("{did}#key-2"), did, &k2, true, later)
        .await
        .unwrap();
    assert_eq!(keys.active(did).await.unwrap().unwrap().id, s2.id);
    let listed = keys.list(did).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, s1.id, "oldest first");
    assert!(!listed[0].active);
    assert!(listed[1].active);
    assert_eq!(listed[1].key_type, KeyType::P256);
    assert_eq!(listed[1].created, later);

    // Inactive keys do not change the active one.
    let k3 = PrivateKey::generate(KeyType::Secp256k1).unwrap();
    keys.insert(&master, &format!("{did}#key-3"), did, &k3, false, later)
        .await
        .unwrap();
    assert_eq!(keys.active(did).await.unwrap().unwrap().id, s2.id);

    // Private keys round trip, only with the right master key.
    let back = keys.private_key(&master, &s1.id).await.unwrap();
    assert_eq!(back.public_key(), k1.public_key());
    assert_eq!(back.to_bytes(), k1.to_bytes());
    let back = keys.private_key(&master, &s2.id).await.unwrap();
    assert_eq!(back.to_bytes(), k2.to_bytes());
    let wrong = MasterKey::generate();
    assert_eq!(
        keys.private_key(&wrong, &s1.id).await.unwrap_err().code(),
        "decryption_failed"
    );
    assert_eq!(
        keys.private_key(&master, "did:web:x#nope")
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );

    // Duplicate id.
    let dup = keys
        .insert(&master, &s1.id, did, &k1, false, now())
        .await
        .unwrap_err();
    assert_eq!(dup.code(), "conflict");

    // Retire: no longer active, still listed, time kept on a second retire.
    let retired_at = now() + Duration::seconds(20);
    keys.retire(&s2.id, retired_at).await.unwrap();
    keys.retire(&s2.id, retired_at + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(keys.active(did).await.unwrap(), None);
    let s2_again = keys.get(&s2.id).await.unwrap().unwrap();
    assert_eq!(s2_again.retired, Some(retired_at));
    assert!(!s2_again.active);
    assert_eq!(
        keys.retire("did:web:x#nope", now())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );

    // Other controllers are separate.
    let other = "did:web:other.example";
    keys.insert(&master, &format!("{other}#k"), other, &k1, true, now())
        .await
        .unwrap();
    assert_eq!(keys.list(did).await.unwrap().len(), 3);
    assert_eq!(keys.list(other).await.unwrap().len(), 1);
});

both!(sealed_private_key_is_bound_to_its_id, |ctx| {
    let keys = ctx.store.keys();
    let master = MasterKey::generate();
    let did = "did:web:issuer.example";
    let k = PrivateKey::generate(KeyType::Ed25519).unwrap();
    keys.insert(&master, "a#1", did, &k, false, now())
        .await
        .unwrap();
    keys.insert(&master, "a#2", did, &k, false, now())
        .await
        .unwrap();
    // Swap the sealed values: neither opens under the other's id.
    let n = ctx
        .exec("UPDATE signing_keys SET sealed_private = (SELECT sealed_private FROM signing_keys WHERE id = 'a#1') WHERE id = 'a#2'")
        .await;
    assert_eq!(n, 1);
    assert_eq!(
        keys.private_key(&master, "a#2").await.unwrap_err().code(),
        "decryption_failed"
    );
    // No private key material in clear in the database.
    let dump = ctx.dump().await;
    let multikey = k.to_multikey();
    assert!(!dump.contains(multikey.as_str()));
    assert!(!dump.contains(&hex::encode(k.to_bytes().as_slice())));
});
