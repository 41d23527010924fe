//! `kith`: self-sovereign identity in one binary.
//!
//! This crate is only the command line: it parses arguments, calls one library
//! function per subcommand and prints the result. Exit codes: 0 success,
//! 1 resolution or verification failed, 2 bad input or usage.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;

mod cli;
mod cmd;
mod output;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let json = cli.json;
    match cmd::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            output::print_error(&e, json);
            ExitCode::from(2)
        }
    }
}
