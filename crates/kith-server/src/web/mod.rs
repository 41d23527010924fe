//! The web pages `kith serve` renders: the holder's wallet, the issuer console and the
//! verifier console. Server-rendered HTML forms; a little progressive JavaScript only
//! for QR scanning and live results.

pub mod console;
pub mod form;
pub mod html;
pub mod qr;
pub mod wallet;

use axum::response::{Html, IntoResponse, Response};

/// `GET /`: where the pages are.
pub async fn index() -> Response {
    Html(html::page(
        "Kith",
        &[("/wallet", "Wallet"), ("/console/issuer", "Issuer console"), ("/console/verifier", "Verifier console")],
        "<p>Self-sovereign identity in one binary.</p><ul>\
         <li><a href=\"/wallet\">Wallet</a>: your credentials, offers, requests and history</li>\
         <li><a href=\"/console/issuer\">Issuer console</a>: offer a credential (OpenID4VCI)</li>\
         <li><a href=\"/console/verifier\">Verifier console</a>: ask for a presentation (OpenID4VP)</li></ul>",
    ))
    .into_response()
}

/// The pages' routes (no API key: the consoles sign in with one, the wallet unlocks
/// with its passphrase).
pub fn router() -> axum::Router<crate::app::App> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(index))
        .route("/console", get(console::home))
        .route("/console/login", post(console::login))
        .route("/console/logout", get(console::logout))
        .route("/console/issuer", get(console::issuer))
        .route("/console/issuer/offer", post(console::create_offer))
        .route("/console/verifier", get(console::verifier))
        .route("/console/verifier/request", post(console::create_request))
        .route(
            "/console/verifier/requests/{transaction_id}",
            get(console::request_result),
        )
        .route("/wallet", get(wallet::home))
        .route("/wallet/create", post(wallet::create))
        .route("/wallet/unlock", post(wallet::unlock))
        .route("/wallet/lock", post(wallet::lock))
        .route("/wallet/offer", post(wallet::accept_offer))
        .route("/wallet/request", post(wallet::review_request))
        .route("/wallet/consent/{id}", post(wallet::consent))
        .route("/wallet/credentials/{id}/delete", post(wallet::delete))
        .route("/wallet/history", get(wallet::history))
}
