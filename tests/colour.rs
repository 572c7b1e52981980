//! Colour: refusals, warnings and low sets are coloured on a terminal
//! (`--color auto`) and with `--color always`; never with `--color never`,
//! `NO_COLOR`, `--json`, or a stream that is not a terminal under `auto`.

use crate::common;
use crate::terminal;

use common::{Env, exit};

const ESC: &str = "\x1b[";

/// A vault whose only set is low (3 of 4 left after one `next`).
fn low() -> Env {
    let env = Env::with_vault();
    env.generate("github", 5);
    for _ in 0..3 {
        env.next("github");
    }
    env
}

#[test]
fn always_colours_the_low_mark_the_warning_and_a_refusal() {
    let env = low();
    let run = env.run(["--color", "always", "list"]);
    run.ok();
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("github"))
        .unwrap();
    assert!(row.contains(&format!("{ESC}1m{ESC}33mLOW")), "{run}");
    let warning = run.stderr.lines().find(|l| l.contains("warning:")).unwrap();
    assert!(warning.starts_with(ESC), "{run}");

    // A refused code: the error line and `check`'s answer.
    let used = env.show_all("github").used()[0].code.clone();
    let run = env.run(["--color", "always", "use", "github", &used]);
    run.code(exit::REFUSED);
    let error = run
        .stderr
        .lines()
        .find(|l| l.contains("codevault: error:"))
        .unwrap();
    assert!(error.starts_with(ESC), "{run}");
    let run = env.run(["--color", "always", "check", &used]);
    run.code(exit::REFUSED);
    assert!(run.stdout.starts_with(ESC), "{run}");
    // An ordinary failure too.
    let run = env.run(["--color", "always", "show", "nope"]);
    run.code(exit::USAGE);
    assert!(run.stderr.starts_with(ESC), "{run}");
}

#[test]
fn no_colour_in_a_pipe_with_never_or_in_json() {
    let env = low();
    let used = env.show_all("github").used()[0].code.clone();
    for args in [
        vec!["list"],
        vec!["--color", "never", "list"],
        vec!["--color", "always", "list", "--json"],
        vec!["--color", "always", "--json", "use", "github", &used],
        vec!["--color", "always", "--json", "check", &used],
        vec!["--color", "auto", "use", "github", &used],
    ] {
        let run = env
            .cmd(&args)
            .passphrase(common::PASS)
            .env("TERM", "xterm")
            .run();
        assert!(
            !run.stdout.contains('\x1b') && !run.stderr.contains('\x1b'),
            "colour in {args:?}\n{run}"
        );
        assert!(!run.stdout.is_empty() || !run.stderr.is_empty(), "{run}");
    }
}

#[test]
fn on_a_terminal_auto_colours_unless_no_color_or_json() {
    let env = low();
    let Some(run) = terminal::on_a_terminal(&env, &["list"], &[]) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(
        run.output.contains(ESC),
        "no colour on a terminal: {:?}",
        run.output
    );

    for (args, vars) in [
        (vec!["list"], vec![("NO_COLOR", "1")]),
        (vec!["list", "--json"], vec![]),
        (vec!["--color", "never", "list"], vec![]),
        (vec!["list"], vec![("TERM", "dumb")]),
    ] {
        let run = terminal::on_a_terminal(&env, &args, &vars).unwrap();
        assert_eq!(run.code, 0, "{}", run.output);
        assert!(run.output.contains("github"), "{}", run.output);
        assert!(
            !run.output.contains('\x1b'),
            "colour with {args:?} {vars:?}: {:?}",
            run.output
        );
    }
}
