//! `kith demo`: runs the trust triangle of kith_server::demo and prints its transcript.

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use kith_server::demo::{Observer, Step};
use serde_json::json;

use super::Outcome;
use crate::cli::DemoArgs;
use crate::output::{print_json, print_line};

struct Printer {
    json: bool,
    spinner: Option<ProgressBar>,
    interactive: bool,
}

impl Observer for Printer {
    fn step(&mut self, step: &Step) {
        if self.json {
            return;
        }
        let _ = print_line(&format!(
            "\n{:>2}. [{}] {} ({} ms)",
            step.number, step.actor, step.summary, step.millis
        ));
        for (name, value) in &step.details {
            let _ = print_line(&format!("      {name}: {value}"));
        }
    }

    fn working(&mut self, what: Option<&str>) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
        if let Some(what) = what
            && self.interactive
        {
            let spinner = ProgressBar::new_spinner();
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message(what.to_owned());
            spinner.enable_steady_tick(Duration::from_millis(100));
            self.spinner = Some(spinner);
        }
    }
}

pub(crate) fn run(args: DemoArgs, json: bool) -> anyhow::Result<Outcome> {
    let dir = match &args.keep {
        Some(path) => {
            std::fs::create_dir_all(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            if std::fs::read_dir(path)?.next().is_some() {
                anyhow::bail!("--keep {} is not empty", path.display());
            }
            tempfile::TempDir::new_in(path)?
        }
        None => tempfile::TempDir::new().context("cannot create a temporary directory")?,
    };
    let kept = args.keep.is_some().then(|| dir.path().to_path_buf());
    let mut printer = Printer {
        json,
        spinner: None,
        interactive: !json && std::io::stderr().is_terminal(),
    };
    if !json {
        print_line(
            "Kith demo: a government and a university issue credentials to Alice's wallet; a bar and a bank verify them.",
        )?;
        print_line(
            "Everything runs on this machine over loopback HTTP with the real protocols (OpenID4VCI, OpenID4VP with DCQL).",
        )?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(kith_server::demo::run(dir.path(), &mut printer));
    printer.working(None);
    let dir_note = kept.as_ref().map(|p| p.display().to_string());
    if let Some(path) = kept {
        // Keep the data for inspection.
        let _ = dir.keep();
        if !json {
            print_line(&format!(
                "\nThe services' stores and Alice's wallet are in {}",
                path.display()
            ))?;
        }
    }
    match result {
        Ok(steps) => {
            if json {
                print_json(&json!({"ok": true, "steps": steps, "directory": dir_note}))?;
            } else {
                print_line("\nDemo complete: every step verified as the story says.")?;
            }
            Ok(Outcome::Ok)
        }
        Err(e) => {
            if json {
                print_json(
                    &json!({"ok": false, "error": {"code": e.code(), "message": e.to_string()}}),
                )?;
            } else {
                eprintln!("kith demo: {e}");
            }
            Ok(Outcome::Failed)
        }
    }
}
