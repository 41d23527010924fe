//! Server-rendered HTML: escaping and the page frame every page shares.
//!
//! Pages are plain HTML forms that work without JavaScript; scripts only add
//! conveniences (QR scanning, polling). Accessibility: every control has a `<label>`,
//! focus is always visible, text contrast is at least 7:1 (WCAG 2.2 AAA for body text).

use std::fmt::Write as _;

/// Escapes text for an HTML text node or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{color-scheme:light;--fg:#111;--muted:#3b3b3b;--bg:#fff;--accent:#0b3d91;--ok:#0a5c2b;--bad:#8b0000;--card:#f4f6fa}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{background:var(--accent);color:#fff;padding:.75rem 1.25rem}
header a{color:#fff;margin-right:1rem}
main{max-width:52rem;margin:0 auto;padding:1.25rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f5a300;outline-offset:2px}
.card{background:var(--card);border:1px solid #c9d1e0;border-radius:.5rem;padding:1rem;margin:.75rem 0}
.card h3{margin:.1rem 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select,textarea{font:inherit;padding:.45rem;border:1px solid #555;border-radius:.3rem;width:100%}
button{font:inherit;padding:.5rem 1rem;border:0;border-radius:.3rem;background:var(--accent);color:#fff;cursor:pointer;margin-top:.75rem}
button.secondary{background:#444}
button.danger{background:var(--bad)}
.ok{color:var(--ok);font-weight:700}
.bad{color:var(--bad);font-weight:700}
.muted{color:var(--muted)}
.qr svg{width:16rem;height:16rem}
code,pre{font:14px/1.4 ui-monospace,monospace;overflow-wrap:anywhere;white-space:pre-wrap}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #ccd;padding:.35rem}
"#;

/// A whole page: `title` is plain text, `body` is already-escaped HTML.
pub fn page(title: &str, nav: &[(&str, &str)], body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><header><nav aria-label=\"Main\">",
        title = escape(title)
    );
    for (href, label) in nav {
        let _ = write!(out, "<a href=\"{}\">{}</a>", escape(href), escape(label));
    }
    let _ = write!(
        out,
        "</nav></header><main id=\"main\"><h1>{}</h1>{body}</main></body></html>",
        escape(title)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn page_escapes_title_and_nav() {
        let html = page("<b>", &[("/a?x=\"1\"", "A&B")], "<p>body</p>");
        assert!(html.contains("<title>&lt;b&gt;</title>"));
        assert!(html.contains("href=\"/a?x=&quot;1&quot;\">A&amp;B</a>"));
        assert!(html.contains("<p>body</p>"));
    }
}
