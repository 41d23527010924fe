use std::collections::BTreeSet;
use std::time::Duration;

use kith_store::{AuthFailure, MasterKey, Scope};

use crate::common::{both, now};

fn scopes(list: &[Scope]) -> BTreeSet<Scope> {
    list.iter().copied().collect()
}

both!(create_authenticate_and_failures, |ctx| {
    let master = MasterKey::generate();
    let api = ctx.store.api_keys(&master.pepper());
    assert_eq!(api.count().await.unwrap(), 0);
    let new = api
        .create("ci", &scopes(&[Scope::Issue, Scope::Status]), None, now())
        .await
        .unwrap();
    assert!(new.token.starts_with("kith_"));
    assert_eq!(api.count().await.unwrap(), 1);

    let key = api.authenticate(&new.token, now()).await.unwrap().unwrap();
    assert_eq!(key, new.key);
    assert!(key.allows(Scope::Issue));
    assert!(key.allows(Scope::Status));
    assert!(!key.allows(Scope::Verify));
    assert!(!key.allows(Scope::Admin));

    // Wrong secret with the right id looks unknown.
    let mut wrong = new.token.to_string();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        api.authenticate(&wrong, now()).await.unwrap(),
        Err(AuthFailure::Unknown)
    );
    // Unknown id.
    let unknown = format!("kith_{}_{}", "0".repeat(32), "1".repeat(64));
    assert_eq!(
        api.authenticate(&unknown, now()).await.unwrap(),
        Err(AuthFailure::Unknown)
    );
    // Malformed.
    for bad in [
        "",
        "kith_",
        "Bearer x",
        "kith_abc_def",
        &new.token.to_uppercase(),
    ] {
        assert_eq!(
            api.authenticate(bad, now()).await.unwrap(),
            Err(AuthFailure::Malformed),
            "{bad}"
        );
    }
    assert_eq!(AuthFailure::Malformed.code(), "invalid_api_key");
    assert_eq!(AuthFailure::Unknown.code(), "unknown_api_key");

    // Another pepper (another master key) does not authenticate the token.
    let other = ctx.store.api_keys(&MasterKey::generate().pepper());
    assert_eq!(
        other.authenticate(&new.token, now()).await.unwrap(),
        Err(AuthFailure::Unknown)
    );

    // touch records last use.
    let later = now() + time::Duration::seconds(30);
    api.touch(&key.id, later).await.unwrap();
    api.touch(&key.id, now()).await.unwrap();
    let key = api.authenticate(&new.token, now()).await.unwrap().unwrap();
    assert_eq!(key.last_used, Some(later));
    assert_eq!(
        api.touch("nope", now()).await.unwrap_err().code(),
        "not_found"
    );

    // Admin implies every scope.
    let admin = api
        .create("admin", &scopes(&[Scope::Admin]), None, now())
        .await
        .unwrap();
    for scope in Scope::ALL {
        assert!(admin.key.allows(scope));
    }
    assert!(
        api.create("none", &BTreeSet::new(), None, now())
            .await
            .is_err()
    );
    let listed = api.list().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!("issue".parse::<Scope>().unwrap(), Scope::Issue);
    assert!("root".parse::<Scope>().is_err());
});

both!(expiry_and_revocation, |ctx| {
    let master = MasterKey::generate();
    let api = ctx.store.api_keys(&master.pepper());
    let expires = now() + time::Duration::hours(1);
    let new = api
        .create("short", &scopes(&[Scope::Verify]), Some(expires), now())
        .await
        .unwrap();
    assert!(api.authenticate(&new.token, now()).await.unwrap().is_ok());
    assert_eq!(
        api.authenticate(&new.token, expires).await.unwrap(),
        Err(AuthFailure::Expired)
    );
    assert_eq!(AuthFailure::Expired.code(), "api_key_expired");

    let new = api
        .create("revoke-me", &scopes(&[Scope::Verify]), None, now())
        .await
        .unwrap();
    api.revoke(&new.key.id, now()).await.unwrap();
    api.revoke(&new.key.id, now()).await.unwrap();
    assert_eq!(
        api.authenticate(&new.token, now()).await.unwrap(),
        Err(AuthFailure::Revoked)
    );
    assert_eq!(AuthFailure::Revoked.code(), "api_key_revoked");
    assert_eq!(
        api.revoke("nope", now()).await.unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        api.rotate(&new.key.id, Duration::from_secs(60), now())
            .await
            .unwrap_err()
            .code(),
        "conflict"
    );
});

both!(rotation_overlap, |ctx| {
    let master = MasterKey::generate();
    let api = ctx.store.api_keys(&master.pepper());
    let old = api
        .create("svc", &scopes(&[Scope::Issue]), None, now())
        .await
        .unwrap();
    let rotated_at = now() + time::Duration::minutes(1);
    let new = api
        .rotate(&old.key.id, Duration::from_secs(3600), rotated_at)
        .await
        .unwrap();
    assert_eq!(new.key.name, "svc");
    assert_eq!(new.key.scopes, old.key.scopes);
    assert_eq!(new.key.rotated_from.as_deref(), Some(old.key.id.as_str()));
    assert_eq!(new.key.expires, None);
    assert_ne!(new.token.as_str(), old.token.as_str());

    let within = rotated_at + time::Duration::minutes(59);
    let after = rotated_at + time::Duration::minutes(60);
    assert!(api.authenticate(&old.token, within).await.unwrap().is_ok());
    assert_eq!(
        api.authenticate(&old.token, after).await.unwrap(),
        Err(AuthFailure::Expired)
    );
    assert!(api.authenticate(&new.token, after).await.unwrap().is_ok());

    // An old key that expires sooner than the overlap keeps its earlier expiry, and the
    // new key gets the same lifetime.
    let soon = now() + time::Duration::minutes(10);
    let short = api
        .create("short", &scopes(&[Scope::Verify]), Some(soon), now())
        .await
        .unwrap();
    let next = api
        .rotate(&short.key.id, Duration::from_secs(3600), now())
        .await
        .unwrap();
    let short_after = api.get(&short.key.id).await.unwrap().unwrap();
    assert_eq!(short_after.expires, Some(soon));
    assert_eq!(next.key.expires, Some(now() + time::Duration::minutes(10)));
    assert_eq!(
        api.rotate("nope", Duration::from_secs(1), now())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
});

both!(only_the_hmac_is_stored, |ctx| {
    let master = MasterKey::generate();
    let api = ctx.store.api_keys(&master.pepper());
    let new = api
        .create("ci", &scopes(&[Scope::Issue]), None, now())
        .await
        .unwrap();
    let rotated = api
        .rotate(&new.key.id, Duration::from_secs(60), now())
        .await
        .unwrap();
    let dump = ctx.dump().await;
    assert!(
        dump.contains(&new.key.id),
        "the dump sees the api_keys table"
    );
    for token in [&new.token, &rotated.token] {
        assert!(!dump.contains(token.as_str()));
        let secret = token.rsplit('_').next().unwrap();
        assert!(!dump.contains(secret));
    }
});

both!(request_signers, |ctx| {
    let signers = ctx.store.request_signers();
    let did = "did:web:partner.example";
    assert_eq!(signers.scopes(did, now()).await.unwrap(), None);
    signers
        .add(did, &scopes(&[Scope::Verify]), now())
        .await
        .unwrap();
    assert_eq!(
        signers.scopes(did, now()).await.unwrap(),
        Some(scopes(&[Scope::Verify]))
    );
    // Adding again replaces the scopes.
    let later = now() + time::Duration::minutes(1);
    signers
        .add(did, &scopes(&[Scope::Issue, Scope::Verify]), later)
        .await
        .unwrap();
    assert_eq!(
        signers.scopes(did, later).await.unwrap(),
        Some(scopes(&[Scope::Issue, Scope::Verify]))
    );
    signers.remove(did, later).await.unwrap();
    assert_eq!(signers.scopes(did, later).await.unwrap(), None);
    assert_eq!(
        signers
            .remove("did:web:nobody", now())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let listed = signers.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].created, now());
    assert_eq!(listed[0].removed, Some(later));
    // Re-adding a removed signer lets it in again.
    signers
        .add(did, &scopes(&[Scope::Verify]), later)
        .await
        .unwrap();
    assert_eq!(
        signers.scopes(did, later).await.unwrap(),
        Some(scopes(&[Scope::Verify]))
    );
    assert!(signers.add(did, &BTreeSet::new(), later).await.is_err());
});
