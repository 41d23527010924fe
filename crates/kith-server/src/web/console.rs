//! The issuer and verifier consoles: create a credential offer from a template, or a
//! presentation request from a preset or a DCQL query, and show it as a QR code and a
//! link; the verifier console then shows the result as it arrives.
//!
//! The consoles act with an API key typed into the login form: the session holds the
//! key's principal (never the key), the cookie is HttpOnly + SameSite=Strict, and every
//! form carries the session's token.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kith_oid4vc::vci::CredentialTemplate;
use kith_store::Scope;
use serde_json::Value;

use super::form::{self, MAX_FORM};
use super::html::{escape, page};
use crate::app::App;
use crate::auth::Principal;
use crate::routes::exchange::{
    CreateOfferBody, CreateRequestBody, create_offer_for, create_request_for, request_status_for,
};

const COOKIE: &str = "kith_console";
const SESSION_TTL: Duration = Duration::from_secs(3600);
const MAX_SESSIONS: usize = 10_000;

const NAV: [(&str, &str); 4] = [
    ("/wallet", "Wallet"),
    ("/console/issuer", "Issuer console"),
    ("/console/verifier", "Verifier console"),
    ("/console/logout", "Sign out"),
];

struct Session {
    principal: Principal,
    csrf: String,
    expires: Instant,
}

/// Signed-in console sessions.
#[derive(Default)]
pub struct ConsoleSessions {
    sessions: Mutex<HashMap<String, Session>>,
}

impl ConsoleSessions {
    fn start(&self, principal: Principal) -> String {
        let id = form::random_token();
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS {
            sessions.clear();
        }
        sessions.insert(
            id.clone(),
            Session {
                principal,
                csrf: form::random_token(),
                expires: now + SESSION_TTL,
            },
        );
        id
    }

    fn get(&self, headers: &HeaderMap) -> Option<(Principal, String)> {
        let id = form::cookie(headers, COOKIE)?;
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let session = sessions.get(&id)?;
        (session.expires > Instant::now())
            .then(|| (session.principal.clone(), session.csrf.clone()))
    }

    fn end(&self, headers: &HeaderMap) {
        if let Some(id) = form::cookie(headers, COOKIE) {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
        }
    }
}

fn secure(app: &App) -> bool {
    app.config().issuer.public_url.scheme() == "https"
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

fn login_page(message: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(message) = message {
        let _ = write!(
            body,
            "<p class=\"bad\" role=\"alert\">{}</p>",
            escape(message)
        );
    }
    body.push_str(
        "<p>The consoles act with an API key of this service (the admin key printed at \
         first start, or one made with <code>kith admin api-key create</code>).</p>\
         <form method=\"post\" action=\"/console/login\">\
         <label for=\"api_key\">API key</label>\
         <input id=\"api_key\" name=\"api_key\" type=\"password\" autocomplete=\"off\" required>\
         <button type=\"submit\">Sign in</button></form>",
    );
    page("Sign in to the consoles", &NAV[..1], &body)
}

/// `GET /console`.
pub async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    if app.consoles().get(&headers).is_none() {
        return html(StatusCode::OK, login_page(None));
    }
    let body = "<ul><li><a href=\"/console/issuer\">Issuer console</a>: offer a credential</li>\
                <li><a href=\"/console/verifier\">Verifier console</a>: ask for a presentation</li></ul>";
    html(StatusCode::OK, page("Consoles", &NAV, body))
}

/// `POST /console/login`.
pub async fn login(State(app): State<App>, body: Bytes) -> Response {
    if body.len() > MAX_FORM {
        return html(
            StatusCode::PAYLOAD_TOO_LARGE,
            login_page(Some("The form is too large.")),
        );
    }
    let fields = form::parse(&body);
    let token = fields.get("api_key").map(|s| s.trim()).unwrap_or_default();
    match crate::auth::authenticate_token(&app, token).await {
        Ok(principal) => {
            let id = app.consoles().start(principal);
            let mut response = Redirect::to("/console").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                form::set_cookie(COOKIE, &id, "/console", secure(&app)),
            );
            response
        }
        Err((problem, _)) => {
            app.metrics().failure(&problem.code);
            html(
                StatusCode::UNAUTHORIZED,
                login_page(Some(&format!("Sign-in failed: {}", problem.detail))),
            )
        }
    }
}

/// `GET /console/logout`.
pub async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    app.consoles().end(&headers);
    let mut response = Redirect::to("/console").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, form::clear_cookie(COOKIE, "/console"));
    response
}

/// The signed-in principal with `scope`, or the response to send instead.
fn signed_in(
    app: &App,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<(Principal, String), Box<Response>> {
    let Some((principal, csrf)) = app.consoles().get(headers) else {
        return Err(boxed(StatusCode::UNAUTHORIZED, login_page(None)));
    };
    if !principal.allows(scope) {
        return Err(boxed(
            StatusCode::FORBIDDEN,
            page(
                "Not allowed",
                &NAV,
                &format!(
                    "<p class=\"bad\" role=\"alert\">This API key lacks the {} scope.</p>",
                    scope.as_str()
                ),
            ),
        ));
    }
    Ok((principal, csrf))
}

fn check_csrf(fields: &HashMap<String, String>, csrf: &str) -> Result<(), Box<Response>> {
    match fields.get("csrf") {
        Some(token) if form::same_token(token, csrf) => Ok(()),
        _ => Err(boxed(
            StatusCode::FORBIDDEN,
            page(
                "Form expired",
                &NAV,
                "<p class=\"bad\" role=\"alert\">The form's token does not match this session: reload the page and try again.</p>",
            ),
        )),
    }
}

fn qr_block(link: &str, label: &str, id: &str) -> String {
    let qr = super::qr::svg(link, label)
        .unwrap_or_else(|| "<p class=\"muted\">The link is too long for a QR code.</p>".to_owned());
    format!(
        "<div class=\"qr\">{qr}</div>\
         <label for=\"{id}\">{label} link</label>\
         <input id=\"{id}\" readonly value=\"{link}\">\
         <button type=\"button\" class=\"secondary\" data-copy=\"{id}\">Copy link</button>\
         <script>document.querySelectorAll('[data-copy]').forEach(b=>b.addEventListener('click',()=>{{\
         const i=document.getElementById(b.dataset.copy);i.select();navigator.clipboard&&navigator.clipboard.writeText(i.value);b.textContent='Copied';}}));</script>",
        label = escape(label),
        link = escape(link),
    )
}

/// `GET /console/issuer[?template=ID]`.
pub async fn issuer(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (_, csrf) = match signed_in(&app, &headers, Scope::Issue) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    let templates = app.exchange().templates();
    let chosen = query
        .get("template")
        .and_then(|id| app.exchange().template(id))
        .or_else(|| templates.first());
    let mut body = String::from(
        "<p>Choose a credential, edit its claims, and create an offer: the holder scans \
         the QR code or pastes the link into their wallet.</p>\
         <form method=\"get\" action=\"/console/issuer\">\
         <label for=\"template\">Credential</label><select id=\"template\" name=\"template\" \
         onchange=\"this.form.submit()\">",
    );
    for template in templates {
        let selected = if Some(&template.configuration_id) == chosen.map(|t| &t.configuration_id) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{}\"{selected}>{}</option>",
            escape(&template.configuration_id),
            escape(&template.name)
        );
    }
    body.push_str("</select><noscript><button type=\"submit\" class=\"secondary\">Use this credential</button></noscript></form>");
    if let Some(template) = chosen {
        let claims = serde_json::to_string_pretty(&template.example_claims).unwrap_or_default();
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/console/issuer/offer\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"template\" value=\"{id}\">\
             <label for=\"claims\">Claims (JSON)</label>\
             <textarea id=\"claims\" name=\"claims\" rows=\"10\">{claims}</textarea>\
             <label><input type=\"checkbox\" name=\"tx_code\" value=\"on\" style=\"width:auto\"> \
             Require a transaction code (given to the holder separately)</label>\
             <button type=\"submit\">Create offer</button></form>",
            id = escape(&template.configuration_id),
            claims = escape(&claims),
        );
    }
    html(StatusCode::OK, page("Issuer console", &NAV, &body))
}

/// `POST /console/issuer/offer`.
pub async fn create_offer(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let (principal, csrf) = match signed_in(&app, &headers, Scope::Issue) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    if body.len() > MAX_FORM {
        return error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Issuer console",
            "The form is too large.",
        );
    }
    let fields = form::parse(&body);
    if let Err(response) = check_csrf(&fields, &csrf) {
        return *response;
    }
    let template = fields.get("template").cloned().unwrap_or_default();
    let claims: Value =
        match serde_json::from_str(fields.get("claims").map(String::as_str).unwrap_or("{}")) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Issuer console",
                    "The claims must be a JSON object.",
                );
            }
            Err(e) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Issuer console",
                    &format!("The claims are not valid JSON: {e}"),
                );
            }
        };
    let request = CreateOfferBody {
        credentials: vec![CredentialTemplate::new(&template, claims)],
        tx_code_length: fields.get("tx_code").map(|_| 6),
        by_reference: Some(true),
    };
    match create_offer_for(&app, request).await {
        Ok(created) => {
            app.audit(&principal.id, "oid4vci.offer", "console", "-", "ok")
                .await;
            let mut body = String::from(
                "<p class=\"ok\" role=\"status\">Offer created.</p>\
                 <p>Scan with a wallet, or paste the link into the wallet's \
                 \"Accept an offer\" form. It can be used once.</p>",
            );
            body.push_str(&qr_block(&created.link, "Offer", "offer-link"));
            if let Some(code) = &created.tx_code {
                let _ = write!(
                    body,
                    "<p>Transaction code for the holder: <strong id=\"tx-code\">{}</strong></p>",
                    escape(code)
                );
            }
            let _ = write!(
                body,
                "<p class=\"muted\">Expires at {}.</p><p><a href=\"/console/issuer\">Create another offer</a></p>",
                escape(&created.expires_at)
            );
            html(StatusCode::CREATED, page("Credential offer", &NAV, &body))
        }
        Err(problem) => error_page(problem.status(), "Issuer console", &problem.detail),
    }
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    html(
        status,
        page(
            title,
            &NAV,
            &format!(
                "<p class=\"bad\" role=\"alert\">{}</p><p><a href=\"javascript:history.back()\">Back</a></p>",
                escape(message)
            ),
        ),
    )
}

/// `GET /console/verifier`.
pub async fn verifier(State(app): State<App>, headers: HeaderMap) -> Response {
    let (_, csrf) = match signed_in(&app, &headers, Scope::Verify) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    let mut body = format!(
        "<p>Ask a wallet for exactly what you need. The wallet shows its holder each \
         claim before anything is sent.</p>\
         <form method=\"post\" action=\"/console/verifier/request\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <fieldset><legend>What to ask for</legend>"
    );
    for (i, (id, (label, _))) in crate::exchange::preset_queries().iter().enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        let _ = write!(
            body,
            "<label><input type=\"radio\" name=\"preset\" value=\"{id}\" style=\"width:auto\"{checked}> {}</label>",
            escape(label)
        );
    }
    body.push_str(
        "<label><input type=\"radio\" name=\"preset\" value=\"custom\" style=\"width:auto\"> \
         A DCQL query of my own</label></fieldset>\
         <label for=\"dcql\">DCQL query (JSON; used with \"of my own\")</label>\
         <textarea id=\"dcql\" name=\"dcql\" rows=\"6\"></textarea>\
         <label for=\"trusted\">Trusted issuer DIDs (one per line; empty: any issuer whose proof verifies)</label>\
         <textarea id=\"trusted\" name=\"trusted\" rows=\"3\"></textarea>\
         <label for=\"mode\">Response mode</label>\
         <select id=\"mode\" name=\"mode\"><option value=\"direct_post.jwt\">direct_post.jwt (encrypted to this request's key)</option>\
         <option value=\"direct_post\">direct_post</option></select>\
         <button type=\"submit\">Create request</button></form>",
    );
    html(StatusCode::OK, page("Verifier console", &NAV, &body))
}

/// `POST /console/verifier/request`.
pub async fn create_request(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let (principal, csrf) = match signed_in(&app, &headers, Scope::Verify) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    if body.len() > MAX_FORM {
        return error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Verifier console",
            "The form is too large.",
        );
    }
    let fields = form::parse(&body);
    if let Err(response) = check_csrf(&fields, &csrf) {
        return *response;
    }
    let presets = crate::exchange::preset_queries();
    let preset = fields.get("preset").map(String::as_str).unwrap_or("custom");
    let dcql_query = match presets.get(preset) {
        Some((_, query)) => query.clone(),
        None => match serde_json::from_str::<Value>(
            fields.get("dcql").map(String::as_str).unwrap_or(""),
        ) {
            Ok(query) => query,
            Err(e) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Verifier console",
                    &format!("The DCQL query is not valid JSON: {e}"),
                );
            }
        },
    };
    let trusted: Vec<String> = fields
        .get("trusted")
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let policy = if trusted.is_empty() {
        None
    } else {
        match serde_json::from_value::<kith_vc::policy::Policy>(
            serde_json::json!({"trustedIssuers": trusted}),
        ) {
            Ok(policy) => Some(policy),
            Err(e) => {
                return error_page(
                    StatusCode::BAD_REQUEST,
                    "Verifier console",
                    &format!("Trusted issuers: {e}"),
                );
            }
        }
    };
    let request = CreateRequestBody {
        dcql_query,
        response_mode: fields.get("mode").cloned(),
        policy,
    };
    match create_request_for(&app, request).await {
        Ok(created) => {
            app.audit(&principal.id, "oid4vp.request", "console", "-", "ok")
                .await;
            let mut body = String::from(
                "<p>Scan with a wallet, or paste the link into the wallet's \
                 \"Answer a request\" form.</p>",
            );
            body.push_str(&qr_block(&created.link, "Request", "request-link"));
            let tid = escape(&created.transaction_id);
            let _ = write!(
                body,
                "<h2>Result</h2><div id=\"result\" aria-live=\"polite\" data-transaction=\"{tid}\">\
                 <p class=\"muted\">Waiting for the wallet…</p></div>\
                 <p><a href=\"/console/verifier/requests/{tid}\">Refresh the result</a> · \
                 <a href=\"/console/verifier\">New request</a></p>\
                 <script>(function(){{const r=document.getElementById('result');\
                 async function poll(){{try{{const x=await fetch('/console/verifier/requests/'+r.dataset.transaction+'?fragment=1',{{credentials:'same-origin'}});\
                 if(x.ok){{const h=await x.text();r.innerHTML=h;if(r.querySelector('[data-final]'))return;}}}}catch(e){{}}setTimeout(poll,1000);}}poll();}})();</script>"
            );
            html(
                StatusCode::CREATED,
                page("Presentation request", &NAV, &body),
            )
        }
        Err(problem) => error_page(problem.status(), "Verifier console", &problem.detail),
    }
}

/// `GET /console/verifier/requests/{transaction_id}[?fragment=1]`: the result, as a
/// page or as the fragment the request page polls for.
pub async fn request_result(
    State(app): State<App>,
    headers: HeaderMap,
    Path(transaction_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(response) = signed_in(&app, &headers, Scope::Verify) {
        return *response;
    }
    let fragment = match request_status_for(&app, &transaction_id).await {
        Ok(status) => render_status(&status),
        Err(problem) => format!(
            "<p class=\"bad\" data-final>{}</p>",
            escape(&problem.detail)
        ),
    };
    if query.contains_key("fragment") {
        html(StatusCode::OK, fragment)
    } else {
        html(
            StatusCode::OK,
            page(
                "Presentation result",
                &NAV,
                &format!("<div id=\"result\">{fragment}</div>"),
            ),
        )
    }
}

/// Renders a request's status: the verified claims, or why it failed.
pub fn render_status(status: &Value) -> String {
    let mut out = String::new();
    match status.get("status").and_then(Value::as_str) {
        Some("completed") => {
            out.push_str("<p class=\"ok\" data-final data-outcome=\"verified\">✔ Verified</p>");
            if let Some(Value::Object(credentials)) = status.get("credentials") {
                for (query_id, presented) in credentials {
                    for credential in presented.as_array().into_iter().flatten() {
                        let _ = write!(
                            out,
                            "<div class=\"card\"><h3>{}</h3><p class=\"muted\">Issuer: {} · format {}</p><table><thead><tr><th scope=\"col\">Claim</th><th scope=\"col\">Value</th></tr></thead><tbody>",
                            escape(query_id),
                            escape(credential.get("issuer").and_then(Value::as_str).unwrap_or("?")),
                            escape(credential.get("format").and_then(Value::as_str).unwrap_or("?")),
                        );
                        let mut leaves = Vec::new();
                        if let Some(claims) = credential.get("claims") {
                            collect_leaves("", claims, &mut leaves);
                        }
                        for (path, value) in leaves {
                            let _ = write!(
                                out,
                                "<tr><td><code>{}</code></td><td data-claim=\"{}\">{}</td></tr>",
                                escape(&path),
                                escape(&path),
                                escape(&display_value(&value))
                            );
                        }
                        out.push_str("</tbody></table>");
                        let proven = credential.get("predicates").and_then(Value::as_array);
                        if let Some(proven) = proven.filter(|p| !p.is_empty()) {
                            out.push_str(
                                "<p>Proven in zero knowledge (the values were not shared):</p><ul>",
                            );
                            for statement in proven.iter().filter_map(Value::as_str) {
                                let _ = write!(
                                    out,
                                    "<li data-proven=\"{}\">✔ <code>{}</code></li>",
                                    escape(statement),
                                    escape(statement)
                                );
                            }
                            out.push_str("</ul>");
                        }
                        out.push_str("</div>");
                    }
                }
            }
        }
        Some("failed") => {
            let code = status.get("code").and_then(Value::as_str).unwrap_or("failed");
            let detail = status.get("detail").and_then(Value::as_str).unwrap_or("");
            let _ = write!(
                out,
                "<p class=\"bad\" data-final data-outcome=\"failed\" data-code=\"{}\">✘ Not verified: {} — {}</p>",
                escape(code),
                escape(code),
                escape(detail)
            );
        }
        Some("expired") => out.push_str("<p class=\"bad\" data-final data-outcome=\"expired\">The request expired without an answer.</p>"),
        _ => out.push_str("<p class=\"muted\">Waiting for the wallet…</p>"),
    }
    out
}

/// Registered claims that say nothing about the subject, left out of result tables.
const ENVELOPE: [&str; 9] = [
    "/iss", "/iat", "/nbf", "/exp", "/cnf", "/vct", "/status", "/_sd_alg", "/jti",
];

fn collect_leaves(pointer: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    if ENVELOPE
        .iter()
        .any(|e| pointer == *e || pointer.starts_with(&format!("{e}/")))
    {
        return;
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (name, inner) in map {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                collect_leaves(&format!("{pointer}/{escaped}"), inner, out);
            }
        }
        other => out.push((pointer.to_owned(), other.clone())),
    }
}

fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::render_status;

    #[test]
    fn a_result_lists_proven_predicates_apart_from_claims() {
        let status = json!({"status": "completed", "credentials": {"identity": [{
            "format": "kith-zkp-2026",
            "issuer": "did:web:gov.example",
            "claims": {"credentialSubject": {"nationality": "NL"}},
            "predicates": ["/credentialSubject/birthDate <= 2008-11-29"]
        }]}});
        let html = render_status(&status);
        assert!(
            html.contains("data-claim=\"/credentialSubject/nationality\""),
            "{html}"
        );
        assert!(
            html.contains("data-proven=\"/credentialSubject/birthDate &lt;= 2008-11-29\""),
            "{html}"
        );
        assert!(
            !html.contains("data-claim=\"/credentialSubject/birthDate\""),
            "{html}"
        );
        // Without predicates, no "proven" list.
        let plain = json!({"status": "completed", "credentials": {"pid": [{
            "format": "dc+sd-jwt", "issuer": "did:web:gov.example",
            "claims": {"age_over_18": true}
        }]}});
        assert!(!render_status(&plain).contains("data-proven"));
    }
}
