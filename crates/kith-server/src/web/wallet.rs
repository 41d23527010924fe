//! The holder's web wallet: create or unlock the encrypted wallet, see credentials as
//! cards, accept an offer (paste the link or scan its QR code), answer a request after
//! a consent screen that lists each claim and who asks, the history, and deletion.
//!
//! One wallet per service (`kith serve --wallet-dir`), unlocked by its passphrase into
//! one browser session at a time; it locks itself after 15 idle minutes. The session
//! cookie is HttpOnly + SameSite=Strict and every form carries the session's token.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kith_oid4vc::holder::{HolderAgent, Review, card};
use kith_wallet::Wallet;
use serde_json::Value;

use super::form::{self, MAX_FORM};
use super::html::{escape, page};
use crate::app::App;

const COOKIE: &str = "kith_wallet";
const IDLE: Duration = Duration::from_secs(15 * 60);
const MAX_REVIEWS: usize = 32;

const NAV: [(&str, &str); 3] = [
    ("/wallet", "Credentials"),
    ("/wallet/history", "History"),
    ("/console", "Consoles"),
];

struct Unlocked {
    session: String,
    csrf: String,
    wallet: Wallet,
    reviews: HashMap<String, Review>,
    last_used: Instant,
}

/// The wallet the pages show, and the holder agent that runs its exchanges.
pub struct WalletHost {
    dir: PathBuf,
    agent: HolderAgent,
    unlocked: tokio::sync::Mutex<Option<Unlocked>>,
}

impl WalletHost {
    /// A host for the wallet in `dir` (created from the page if absent).
    pub fn new(dir: PathBuf, agent: HolderAgent) -> Self {
        Self {
            dir,
            agent,
            unlocked: tokio::sync::Mutex::new(None),
        }
    }

    fn exists(&self) -> bool {
        self.dir.join("wallet.json").exists()
    }
}

fn boxed(status: StatusCode, body: String) -> Box<Response> {
    Box::new(html(status, body))
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("static header"),
    );
    response
}

fn message(class: &str, text: &str) -> String {
    let role = if class == "bad" { "alert" } else { "status" };
    format!("<p class=\"{class}\" role=\"{role}\">{}</p>", escape(text))
}

fn not_enabled() -> Response {
    html(
        StatusCode::NOT_FOUND,
        page(
            "No wallet here",
            &[],
            "<p>This service hosts no wallet: start it with <code>kith serve --wallet-dir DIR</code>.</p>",
        ),
    )
}

fn create_page(note: &str) -> String {
    page(
        "Create your wallet",
        &[],
        &format!(
            "{note}<p>Your credentials are encrypted on this server under a key only your \
             passphrase opens (Argon2id). Nobody can recover them without it.</p>\
             <form method=\"post\" action=\"/wallet/create\">\
             <label for=\"passphrase\">Passphrase (at least 8 characters)</label>\
             <input id=\"passphrase\" name=\"passphrase\" type=\"password\" minlength=\"8\" autocomplete=\"new-password\" required>\
             <label for=\"confirm\">Passphrase again</label>\
             <input id=\"confirm\" name=\"confirm\" type=\"password\" minlength=\"8\" autocomplete=\"new-password\" required>\
             <button type=\"submit\">Create wallet</button></form>"
        ),
    )
}

fn unlock_page(note: &str) -> String {
    page(
        "Unlock your wallet",
        &[],
        &format!(
            "{note}<form method=\"post\" action=\"/wallet/unlock\">\
             <label for=\"passphrase\">Passphrase</label>\
             <input id=\"passphrase\" name=\"passphrase\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Unlock</button></form>"
        ),
    )
}

fn with_session_cookie(app: &App, mut response: Response, session: &str) -> Response {
    let secure = app.config().issuer.public_url.scheme() == "https";
    response.headers_mut().insert(
        header::SET_COOKIE,
        form::set_cookie(COOKIE, session, "/wallet", secure),
    );
    response
}

/// Runs `f` on the session's unlocked wallet, or answers with the create/unlock page.
async fn with_wallet<F, Fut>(app: &App, headers: &HeaderMap, f: F) -> Response
where
    F: FnOnce(Arc<WalletHost>, Unlocked) -> Fut,
    Fut: std::future::Future<Output = (Response, Option<Unlocked>)>,
{
    let Some(host) = app.wallet_host() else {
        return not_enabled();
    };
    if !host.exists() {
        return html(StatusCode::OK, create_page(""));
    }
    let cookie = form::cookie(headers, COOKIE);
    let mut guard = host.unlocked.lock().await;
    let usable = match guard.as_ref() {
        Some(u) => {
            cookie
                .as_deref()
                .is_some_and(|c| form::same_token(c, &u.session))
                && u.last_used.elapsed() < IDLE
        }
        None => false,
    };
    if !usable {
        if guard
            .as_ref()
            .is_some_and(|u| u.last_used.elapsed() >= IDLE)
        {
            *guard = None;
        }
        return html(StatusCode::OK, unlock_page(""));
    }
    let Some(mut unlocked) = guard.take() else {
        return html(StatusCode::OK, unlock_page(""));
    };
    unlocked.last_used = Instant::now();
    let (response, back) = f(Arc::clone(&host), unlocked).await;
    *guard = back;
    response
}

/// `GET /wallet`.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    with_wallet(&app, &headers, |_, unlocked| async move {
        let body = credentials_page(&unlocked, "");
        (html(StatusCode::OK, body), Some(unlocked))
    })
    .await
}

fn credentials_page(unlocked: &Unlocked, note: &str) -> String {
    let csrf = &unlocked.csrf;
    let mut body = String::from(note);
    let _ = write!(
        body,
        "<section aria-labelledby=\"accept-h\"><h2 id=\"accept-h\">Accept an offer</h2>\
         <form method=\"post\" action=\"/wallet/offer\" data-scan>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"offer-link\">Offer link (openid-credential-offer://…)</label>\
         <input id=\"offer-link\" name=\"link\" required autocomplete=\"off\">\
         <label for=\"tx-code\">Transaction code, if the issuer gave you one</label>\
         <input id=\"tx-code\" name=\"tx_code\" inputmode=\"numeric\" autocomplete=\"off\">\
         <button type=\"submit\">Accept offer</button> \
         <button type=\"button\" class=\"secondary\" data-scan-button hidden>Scan QR code</button>\
         </form></section>\
         <section aria-labelledby=\"answer-h\"><h2 id=\"answer-h\">Answer a request</h2>\
         <form method=\"post\" action=\"/wallet/request\" data-scan>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"request-link\">Request link (openid4vp://…)</label>\
         <input id=\"request-link\" name=\"link\" required autocomplete=\"off\">\
         <button type=\"submit\">Review request</button> \
         <button type=\"button\" class=\"secondary\" data-scan-button hidden>Scan QR code</button>\
         </form></section>\
         <video id=\"scanner\" hidden playsinline aria-label=\"Camera preview for QR scanning\" style=\"max-width:100%\"></video>\
         <script>{SCAN_SCRIPT}</script>"
    );
    body.push_str("<section aria-labelledby=\"cards-h\"><h2 id=\"cards-h\">Your credentials</h2>");
    match unlocked.wallet.credentials() {
        Ok(credentials) if credentials.is_empty() => {
            body.push_str("<p class=\"muted\">No credentials yet: accept an offer above.</p>");
        }
        Ok(credentials) => {
            for stored in &credentials {
                let card = card(stored);
                let _ = write!(
                    body,
                    "<article class=\"card\" aria-label=\"{title}\"><h3>{title}</h3>\
                     <p class=\"muted\">Issued by {issuer} · {format} · added {added}</p><dl>",
                    title = escape(&card.title),
                    issuer = escape(card.issuer.as_deref().unwrap_or("unknown issuer")),
                    format = escape(&card.format),
                    added = escape(&card.added_at),
                );
                for (path, value) in &card.claims {
                    let _ = write!(
                        body,
                        "<dt>{}</dt><dd>{}</dd>",
                        escape(&label_of(path)),
                        escape(&display_value(value))
                    );
                }
                let _ = write!(
                    body,
                    "</dl><form method=\"post\" action=\"/wallet/credentials/{id}/delete\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                     <button type=\"submit\" class=\"danger\" aria-label=\"Delete {title}\">Delete</button></form></article>",
                    id = escape(&card.id),
                    title = escape(&card.title),
                );
            }
        }
        Err(e) => body.push_str(&message("bad", &format!("The wallet cannot be read: {e}"))),
    }
    let _ = write!(
        body,
        "</section><form method=\"post\" action=\"/wallet/lock\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" class=\"secondary\">Lock wallet</button></form>"
    );
    page("Your wallet", &NAV, &body)
}

/// QR scanning where the browser has the Shape Detection API; the forms work without it.
const SCAN_SCRIPT: &str = "if('BarcodeDetector' in window&&navigator.mediaDevices){\
document.querySelectorAll('[data-scan]').forEach(f=>{const b=f.querySelector('[data-scan-button]');b.hidden=false;\
b.addEventListener('click',async()=>{const v=document.getElementById('scanner');const d=new BarcodeDetector({formats:['qr_code']});\
const s=await navigator.mediaDevices.getUserMedia({video:{facingMode:'environment'}});v.srcObject=s;v.hidden=false;await v.play();\
const t=setInterval(async()=>{const c=await d.detect(v);if(c.length){clearInterval(t);s.getTracks().forEach(x=>x.stop());v.hidden=true;\
f.querySelector('input[name=link]').value=c[0].rawValue;f.requestSubmit();}},300);});});}";

fn label_of(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or(pointer)
        .replace("~1", "/")
        .replace("~0", "~")
        .replace('_', " ")
}

fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

/// `POST /wallet/create`.
pub async fn create(State(app): State<App>, body: Bytes) -> Response {
    let Some(host) = app.wallet_host() else {
        return not_enabled();
    };
    if body.len() > MAX_FORM {
        return html(
            StatusCode::PAYLOAD_TOO_LARGE,
            create_page(&message("bad", "The form is too large.")),
        );
    }
    let fields = form::parse(&body);
    let passphrase = fields.get("passphrase").cloned().unwrap_or_default();
    if passphrase.chars().count() < 8 {
        return html(
            StatusCode::BAD_REQUEST,
            create_page(&message(
                "bad",
                "The passphrase needs at least 8 characters.",
            )),
        );
    }
    if fields.get("confirm") != Some(&passphrase) {
        return html(
            StatusCode::BAD_REQUEST,
            create_page(&message("bad", "The two passphrases differ.")),
        );
    }
    let mut guard = host.unlocked.lock().await;
    if host.exists() {
        return html(
            StatusCode::CONFLICT,
            unlock_page(&message("bad", "A wallet exists already: unlock it.")),
        );
    }
    let dir = host.dir.clone();
    let created = tokio::task::spawn_blocking(move || Wallet::create(&dir, &passphrase)).await;
    match created {
        Ok(Ok(wallet)) => {
            let session = form::random_token();
            *guard = Some(Unlocked {
                session: session.clone(),
                csrf: form::random_token(),
                wallet,
                reviews: HashMap::new(),
                last_used: Instant::now(),
            });
            with_session_cookie(&app, Redirect::to("/wallet").into_response(), &session)
        }
        Ok(Err(e)) => html(
            StatusCode::BAD_REQUEST,
            create_page(&message(
                "bad",
                &format!("The wallet could not be created: {e}"),
            )),
        ),
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            create_page(&message(
                "bad",
                &format!("The wallet could not be created: {e}"),
            )),
        ),
    }
}

/// `POST /wallet/unlock`.
pub async fn unlock(State(app): State<App>, body: Bytes) -> Response {
    let Some(host) = app.wallet_host() else {
        return not_enabled();
    };
    if body.len() > MAX_FORM {
        return html(
            StatusCode::PAYLOAD_TOO_LARGE,
            unlock_page(&message("bad", "The form is too large.")),
        );
    }
    let passphrase = form::parse(&body).remove("passphrase").unwrap_or_default();
    let mut guard = host.unlocked.lock().await;
    // Another session's handle is dropped first: it holds the wallet's lock file.
    *guard = None;
    let dir = host.dir.clone();
    let opened = tokio::task::spawn_blocking(move || {
        Wallet::open(&dir).and_then(|locked| locked.unlock(&passphrase))
    })
    .await;
    match opened {
        Ok(Ok(wallet)) => {
            let session = form::random_token();
            *guard = Some(Unlocked {
                session: session.clone(),
                csrf: form::random_token(),
                wallet,
                reviews: HashMap::new(),
                last_used: Instant::now(),
            });
            with_session_cookie(&app, Redirect::to("/wallet").into_response(), &session)
        }
        Ok(Err(e)) => {
            app.metrics().failure(e.code());
            html(
                StatusCode::UNAUTHORIZED,
                unlock_page(&message("bad", &format!("Not unlocked: {e}"))),
            )
        }
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            unlock_page(&message("bad", &format!("Not unlocked: {e}"))),
        ),
    }
}

fn form_with_csrf(
    body: &Bytes,
    unlocked: &Unlocked,
) -> Result<HashMap<String, String>, Box<Response>> {
    if body.len() > MAX_FORM {
        return Err(boxed(
            StatusCode::PAYLOAD_TOO_LARGE,
            page("Wallet", &NAV, &message("bad", "The form is too large.")),
        ));
    }
    let fields = form::parse(body);
    match fields.get("csrf") {
        Some(token) if form::same_token(token, &unlocked.csrf) => Ok(fields),
        _ => Err(boxed(
            StatusCode::FORBIDDEN,
            page(
                "Form expired",
                &NAV,
                &message(
                    "bad",
                    "The form's token does not match this session: reload the page and try again.",
                ),
            ),
        )),
    }
}

/// `POST /wallet/lock`.
pub async fn lock(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    with_wallet(&app, &headers, |_, unlocked| async move {
        match form_with_csrf(&body, &unlocked) {
            Ok(_) => {
                drop(unlocked.wallet.lock());
                let mut response = Redirect::to("/wallet").into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, form::clear_cookie(COOKIE, "/wallet"));
                (response, None)
            }
            Err(response) => (*response, Some(unlocked)),
        }
    })
    .await
}

/// `POST /wallet/offer`: accept an offer.
pub async fn accept_offer(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let context = app.clone();
    with_wallet(&context, &headers, |host, mut unlocked| async move {
        let fields = match form_with_csrf(&body, &unlocked) {
            Ok(fields) => fields,
            Err(response) => return (*response, Some(unlocked)),
        };
        let link = fields
            .get("link")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let tx_code = fields
            .get("tx_code")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let outcome = host
            .agent
            .accept_offer(&mut unlocked.wallet, &link, tx_code.as_deref())
            .await;
        let note = match outcome {
            Ok(accepted) => {
                let names: Vec<String> = accepted
                    .iter()
                    .map(|a| {
                        a.display_name
                            .clone()
                            .unwrap_or_else(|| a.configuration_id.clone())
                    })
                    .collect();
                message(
                    "ok",
                    &format!("Added to your wallet: {}.", names.join(", ")),
                )
            }
            Err(e) => {
                app.metrics().failure(e.code());
                let text = if e.code() == "tx_code_required" {
                    "This offer needs the transaction code the issuer gave you.".to_owned()
                } else {
                    format!("The offer was not accepted ({}): {e}", e.code())
                };
                message("bad", &text)
            }
        };
        let page = credentials_page(&unlocked, &note);
        (html(StatusCode::OK, page), Some(unlocked))
    })
    .await
}

/// `POST /wallet/request`: check a request and show the consent screen.
pub async fn review_request(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let context = app.clone();
    with_wallet(&context, &headers, |host, mut unlocked| async move {
        let fields = match form_with_csrf(&body, &unlocked) {
            Ok(fields) => fields,
            Err(response) => return (*response, Some(unlocked)),
        };
        let link = fields
            .get("link")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        match host.agent.review_request(&mut unlocked.wallet, &link).await {
            Ok(review) => {
                let id = form::random_token();
                let body = consent_page(&review, &id, &unlocked.csrf);
                if unlocked.reviews.len() >= MAX_REVIEWS {
                    unlocked.reviews.clear();
                }
                unlocked.reviews.insert(id, review);
                (html(StatusCode::OK, body), Some(unlocked))
            }
            Err(e) => {
                app.metrics().failure(e.code());
                let text = if e.code() == "cannot_satisfy" {
                    format!("Your wallet cannot answer this request, so nothing was sent. {e}")
                } else {
                    format!(
                        "The request was refused ({}): {e}. Nothing was sent.",
                        e.code()
                    )
                };
                let page = credentials_page(&unlocked, &message("bad", &text));
                (html(StatusCode::OK, page), Some(unlocked))
            }
        }
    })
    .await
}

fn consent_page(review: &Review, id: &str, csrf: &str) -> String {
    let consent = &review.consent;
    let mut body = format!(
        "<p><strong>{}</strong> asks for the following. Only what is listed here leaves your wallet.</p>\
         <p class=\"muted\">Answers go to {}</p>",
        escape(&consent.verifier),
        escape(&consent.response_uri),
    );
    for item in &consent.items {
        let _ = write!(
            body,
            "<div class=\"card\"><h3>{}</h3><p class=\"muted\">format {}{}</p>\
             <table><thead><tr><th scope=\"col\">Claim</th><th scope=\"col\">Value shared</th></tr></thead><tbody>",
            escape(&item.query_id),
            escape(&item.format),
            if item.holder_bound {
                " · signed with your key"
            } else {
                ""
            },
        );
        // SD-JWT: the disclosed claims are the choice; the issuer-signed envelope
        // (issuer, dates, status entry, holder key) always travels with them.
        let selective =
            item.format == "dc+sd-jwt" || !item.disclosed.is_empty() || !item.proven.is_empty();
        let (chosen, envelope): (Vec<_>, Vec<_>) = item
            .shared
            .iter()
            .partition(|c| !selective || c.selectively_disclosed);
        for claim in &chosen {
            let _ = write!(
                body,
                "<tr><td><code>{}</code></td><td data-shared=\"{}\">{}</td></tr>",
                escape(&claim.path),
                escape(&claim.path),
                escape(&display_value(&claim.value)),
            );
        }
        body.push_str("</tbody></table>");
        if !item.proven.is_empty() {
            body.push_str("<p>Proven without sharing the value (a zero-knowledge proof):</p><ul>");
            for statement in &item.proven {
                let _ = write!(
                    body,
                    "<li data-proven=\"{}\"><code>{}</code></li>",
                    escape(statement),
                    escape(statement)
                );
            }
            body.push_str("</ul>");
        }
        if !envelope.is_empty() {
            body.push_str(
                "<details><summary>Also sent: what the issuer signed openly (issuer, type, dates; \
                 for SD-JWT also the status entry and your key)</summary><dl>",
            );
            for claim in &envelope {
                let _ = write!(
                    body,
                    "<dt><code>{}</code></dt><dd data-envelope=\"{}\">{}</dd>",
                    escape(&claim.path),
                    escape(&claim.path),
                    escape(&display_value(&claim.value)),
                );
            }
            body.push_str("</dl></details>");
        }
        body.push_str("</div>");
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/wallet/consent/{id}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" name=\"action\" value=\"share\">Share</button> \
         <button type=\"submit\" name=\"action\" value=\"decline\" class=\"secondary\">Decline</button></form>",
        id = escape(id),
    );
    page("Share with this verifier?", &NAV, &body)
}

/// `POST /wallet/consent/{id}`: share or decline.
pub async fn consent(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let context = app.clone();
    with_wallet(&context, &headers, |host, mut unlocked| async move {
        let fields = match form_with_csrf(&body, &unlocked) {
            Ok(fields) => fields,
            Err(response) => return (*response, Some(unlocked)),
        };
        let Some(review) = unlocked.reviews.remove(&id) else {
            let page = credentials_page(
                &unlocked,
                &message("bad", "That request was already answered or has expired."),
            );
            return (html(StatusCode::OK, page), Some(unlocked));
        };
        let note = if fields.get("action").map(String::as_str) == Some("share") {
            match host.agent.share(&mut unlocked.wallet, &review).await {
                Ok(_) => message("ok", &format!("Shared with {}.", review.consent.verifier)),
                Err(e) => {
                    app.metrics().failure(e.code());
                    message(
                        "bad",
                        &format!("The presentation failed ({}): {e}", e.code()),
                    )
                }
            }
        } else {
            match host.agent.decline(&review).await {
                Ok(()) => message(
                    "ok",
                    "Declined: the verifier was told, and nothing was shared.",
                ),
                Err(e) => message(
                    "bad",
                    &format!("Declined; the verifier could not be told: {e}"),
                ),
            }
        };
        let page = credentials_page(&unlocked, &note);
        (html(StatusCode::OK, page), Some(unlocked))
    })
    .await
}

/// `POST /wallet/credentials/{id}/delete`.
pub async fn delete(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    with_wallet(&app, &headers, |_, mut unlocked| async move {
        if let Err(response) = form_with_csrf(&body, &unlocked) {
            return (*response, Some(unlocked));
        }
        let note = match unlocked.wallet.delete_credential(&id) {
            Ok(()) => message(
                "ok",
                "The credential was deleted (its key is erased: the data cannot be recovered).",
            ),
            Err(e) => message("bad", &format!("Not deleted: {e}")),
        };
        let page = credentials_page(&unlocked, &note);
        (html(StatusCode::OK, page), Some(unlocked))
    })
    .await
}

/// `GET /wallet/history`.
pub async fn history(State(app): State<App>, headers: HeaderMap) -> Response {
    with_wallet(&app, &headers, |_, unlocked| async move {
        let mut body = String::from(
            "<p>What you shared, with whom and when (claim names only; values are never kept here).</p>",
        );
        match unlocked.wallet.history() {
            Ok(entries) if entries.is_empty() => body.push_str("<p class=\"muted\">Nothing shared yet.</p>"),
            Ok(entries) => {
                body.push_str("<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">With</th><th scope=\"col\">Claims</th></tr></thead><tbody>");
                for entry in entries.iter().rev() {
                    let when = entry
                        .at
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    let _ = write!(
                        body,
                        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&when),
                        escape(&entry.verifier),
                        escape(&entry.claims_shared.join(", "))
                    );
                }
                body.push_str("</tbody></table>");
            }
            Err(e) => body.push_str(&message("bad", &format!("The history cannot be read: {e}"))),
        }
        (html(StatusCode::OK, page("History", &NAV, &body)), Some(unlocked))
    })
    .await
}
