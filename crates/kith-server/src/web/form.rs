//! Form bodies, cookies and the session tokens of the pages.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, header};

/// Largest form body a page accepts (a pasted link or a DCQL query fits easily).
pub const MAX_FORM: usize = 64 * 1024;

/// An `application/x-www-form-urlencoded` body; a repeated field keeps its first value.
pub fn parse(body: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict (the pages' CSRF defence together
/// with the per-session form token), `Secure` when served over HTTPS.
pub fn set_cookie(name: &str, value: &str, path: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear_cookie(name: &str, path: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// 256 random bits, hex: session ids and form tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex::encode(bytes)
}

/// Compares two tokens in constant time.
pub fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_keep_the_first_value() {
        let fields = parse(b"link=openid4vp%3A%2F%2F%3Fa%3Db&x=1&x=2&sp=a+b");
        assert_eq!(fields["link"], "openid4vp://?a=b");
        assert_eq!(fields["x"], "1");
        assert_eq!(fields["sp"], "a b");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kith_wallet=abc; b=2"),
        );
        assert_eq!(cookie(&headers, "kith_wallet").as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "kith"), None);
    }

    #[test]
    fn tokens_compare() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(same_token(&t, &t.clone()));
        assert!(!same_token(&t, &random_token()));
        assert!(!same_token(&t, "short"));
    }
}
