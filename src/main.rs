//! The `codevault` binary: parse, run, report. All logic is in the library.

use std::io::{self, Write};
use std::process::ExitCode;

use anstream::{AutoStream, ColorChoice};
use clap::Parser;
use clap::error::ErrorKind;
use codevault::cli::{Cli, ColorWhen};
use codevault::display::escape;
use codevault::{Error, style};

fn main() -> ExitCode {
    // Before anything is parsed or read: no core file and no same-user
    // debugger may ever see a passphrase, a key or a code.
    codevault::sys::harden_process();
    // The clearer that `next --copy` starts: this binary in a mode of its
    // own, not a command (it is in no help, page or completion).
    if let Some(code) = codevault::clipboard::clearer(std::env::args_os()) {
        return ExitCode::from(code);
    }
    // The key agent is this program started by `unlock` in another mode:
    // not a subcommand, so that no help or completion script offers it.
    if let Some(dir) = codevault::agent::mode() {
        return match codevault::agent::serve(&dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(&e, ColorChoice::Never),
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
        Err(e) => {
            let colour = style::choice(ColorWhen::Auto, false, &io::stderr());
            return report(&Error::from_clap(&e), colour);
        }
    };
    // Each stream keeps or strips the views' colour on its own (`style`).
    let (when, json) = (cli.global.color, cli.global.json);
    let err_colour = style::choice(when, json, &io::stderr());
    // Buffered: `list` of a large vault is one write, not one per line.
    // Every view flushes when it is complete.
    let mut out = io::BufWriter::new(AutoStream::new(
        io::stdout().lock(),
        style::choice(when, json, &io::stdout()),
    ));
    let mut err = AutoStream::new(io::stderr().lock(), err_colour);
    let result = codevault::run(cli, &mut out, &mut err);
    drop((out, err));
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => report(&e, err_colour),
    }
}

/// One line `codevault: error: …`, then a `hint: …` line where there is a
/// fix. A closed pipe is not reported.
fn report(e: &Error, colour: ColorChoice) -> ExitCode {
    if !matches!(e, Error::BrokenPipe) {
        let mut err = AutoStream::new(io::stderr().lock(), colour);
        // Escaped as a whole: a name, note or path in the message cannot
        // drive the terminal or forge a line. Colour goes around it after.
        let line = format!("codevault: error: {}", escape(&e.to_string()));
        let _ = writeln!(err, "{}", style::message(&line));
        if let Some(hint) = e.hint() {
            let hint = format!("hint: {}", escape(&hint));
            let _ = writeln!(err, "{}", style::message(&hint));
        }
    }
    ExitCode::from(e.exit_code())
}
