//! The `codevault` binary: parse, run, report. All logic is in the library.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use codevault::{Error, cli::Cli};

fn main() -> ExitCode {
    // Before anything is parsed or read: no core file and no same-user
    // debugger may ever see a passphrase, a key or a code.
    codevault::sys::harden_process();
    // The key agent is this program started by `unlock` in another mode:
    // not a subcommand, so that no help or completion script offers it.
    if let Some(dir) = codevault::agent::mode() {
        return match codevault::agent::serve(&dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(&e),
        };
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version, and bare `codevault`: clap's own output.
        Err(e)
            if !e.use_stderr()
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => return report(&Error::from_clap(&e)),
    };
    // Buffered: `list` of a large vault is one write, not one per line.
    // Every view flushes when it is complete.
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut err = io::stderr().lock();
    match codevault::run(cli, &mut out, &mut err) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => report(&e),
    }
}

/// One line `codevault: error: …`, then a `hint: …` line where there is a
/// fix. A closed pipe is not reported.
fn report(e: &Error) -> ExitCode {
    if !matches!(e, Error::BrokenPipe) {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "codevault: error: {e}");
        if let Some(hint) = e.hint() {
            let _ = writeln!(err, "hint: {hint}");
        }
    }
    ExitCode::from(e.exit_code())
}
