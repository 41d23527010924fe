//! Printing results and errors, in text or JSON.

use std::io::{self, Write};

use serde_json::{Value, json};

/// Prints a JSON value, pretty, with a trailing newline.
pub(crate) fn print_json(value: &Value) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)
}

/// Prints one line.
pub(crate) fn print_line(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
}

/// The stable code of an error from a Kith library, or a generic one.
fn code_of(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(err) = cause.downcast_ref::<kith_crypto::Error>() {
            return err.code();
        }
        if let Some(err) = cause.downcast_ref::<kith_did::Error>() {
            return err.code();
        }
        if let Some(err) = cause.downcast_ref::<kith_store::Error>() {
            return err.code();
        }
        if let Some(err) = cause.downcast_ref::<kith_vc::Error>() {
            return err.code();
        }
        if let Some(err) = cause.downcast_ref::<kith_wallet::Error>() {
            return err.code();
        }
        if let Some(err) = cause.downcast_ref::<kith_crypto::jwe::JweError>() {
            return err.code();
        }
        if cause.downcast_ref::<io::Error>().is_some() {
            return "io_error";
        }
    }
    "error"
}

/// Prints an error on stderr (text) or stdout (JSON).
pub(crate) fn print_error(e: &anyhow::Error, json: bool) {
    if json {
        let body = json!({"error": {"code": code_of(e), "message": format!("{e:#}")}});
        let _ = print_json(&body);
    } else {
        eprintln!("kith: {e:#}");
    }
}

/// Whether the error is a closed stdout (`kith ... | head`), which is not a failure.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
