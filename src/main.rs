//! The `codevault` binary: parse, run, report. All logic is in the library.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = codevault::cli::Cli::parse();
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();
    match codevault::run(cli, &mut out, &mut err) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            if !matches!(e, codevault::Error::BrokenPipe) {
                let _ = writeln!(err, "codevault: error: {e}");
                if let Some(hint) = e.hint() {
                    let _ = writeln!(err, "hint: {hint}");
                }
            }
            ExitCode::from(e.exit_code())
        }
    }
}
