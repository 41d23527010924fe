//! One module per command group; each `run` returns an [`Outcome`].

use std::process::ExitCode;

use crate::cli::{Cli, Command};

mod admin;
mod demo;
mod did;
mod ethr;
mod key;
mod serve;
mod sign;
mod store;
mod vc;
mod vp;
mod wallet;
mod webvh;

/// How a command that ran to completion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Success: exit 0.
    Ok,
    /// Resolution or verification failed: exit 1.
    Failed,
}

impl Outcome {
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Self::Ok => ExitCode::SUCCESS,
            Self::Failed => ExitCode::from(1),
        }
    }
}

/// Runs the parsed command line.
pub(crate) fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Key(cmd) => key::run(cmd, cli.json),
        Command::Did(cmd) => did::run(cmd, cli.json),
        Command::Vc(cmd) => vc::run(cmd, cli.json),
        Command::Vp(cmd) => vp::run(cmd, cli.json),
        Command::Serve(args) => serve::run(*args),
        Command::Admin(cmd) => admin::run(cmd, cli.json),
        Command::Wallet(args) => wallet::run(args, cli.json),
        Command::Demo(args) => demo::run(args, cli.json),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kith", &mut std::io::stdout());
            Ok(Outcome::Ok)
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command).render(&mut std::io::stdout())?;
            Ok(Outcome::Ok)
        }
    }
}
