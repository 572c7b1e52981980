//! Prompts that forgive (issue 11, item 4), typed on a pseudo-terminal:
//! a mistyped passphrase may be typed again, a mismatched repeat of a new
//! one gets a second chance, `init --kdf-time` asks before it measures,
//! and a weak new passphrase is warned about (and, typed, confirmed).
//!
//! Without a pseudo-terminal a test says `skipped: why` and passes.

use crate::common;

use common::{CHEAP_KDF, Env, PASS, exit};

use crate::terminal::{TtyRun, converse};

/// A strong enough passphrase of the tests, for the terminal.
const TYPED: &str = "correct horse battery staple\n";

fn talk(cmd: common::Cmd<'_>, script: &[(&str, &str)]) -> Option<TtyRun> {
    let run = converse(cmd.std_command(), script);
    if run.is_none() {
        eprintln!("skipped: no pseudo-terminal here");
    }
    run
}

fn init_cmd(env: &Env) -> common::Cmd<'_> {
    env.cmd(["init"]).args(CHEAP_KDF)
}

#[test]
fn a_wrong_then_the_right_passphrase_opens_the_vault() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let script = [
        ("Passphrase for", "wrong words\n"),
        ("Passphrase for", TYPED),
    ];
    let Some(run) = talk(env.cmd(["next", "github"]), &script) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(run.output.contains("try again"), "{}", run.output);
    assert_eq!(env.list().get("github").remaining, 1);
}

#[test]
fn three_wrong_passphrases_end_the_command_with_the_vault_unchanged() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let before = env.bytes();
    let script = [
        ("Passphrase for", "wrong one\n"),
        ("Passphrase for", "wrong two\n"),
        ("Passphrase for", "wrong three\n"),
    ];
    let Some(run) = talk(env.cmd(["next", "github"]), &script) else {
        return;
    };
    assert_eq!(run.code, exit::WRONG_PASSPHRASE, "{}", run.output);
    assert_eq!(
        run.output.matches("Passphrase for").count(),
        3,
        "{}",
        run.output
    );
    env.assert_unchanged(&before);
}

/// A passphrase from the environment would be the same wrong one again:
/// not retried, even with a terminal to ask on.
#[test]
fn a_wrong_passphrase_from_the_environment_is_not_retried() {
    let env = Env::with_vault();
    let Some(run) = talk(env.cmd(["list"]).passphrase("wrong words"), &[]) else {
        return;
    };
    assert_eq!(run.code, exit::WRONG_PASSPHRASE, "{}", run.output);
    assert!(!run.output.contains("Passphrase for"), "{}", run.output);
    assert!(!run.output.contains("try again"), "{}", run.output);
}

#[test]
fn a_mismatched_repeat_at_init_gets_a_second_chance() {
    let env = Env::new();
    let script = [
        ("New passphrase", TYPED),
        ("Repeat", "correct horse battery stapel\n"),
        ("New passphrase", TYPED),
        ("Repeat", TYPED),
    ];
    let Some(run) = talk(init_cmd(&env), &script) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(run.output.contains("did not match"), "{}", run.output);
    env.cmd(["list"]).passphrase(PASS).run().ok();
}

#[test]
fn two_mismatched_repeats_create_nothing() {
    let env = Env::new();
    let script = [
        ("New passphrase", TYPED),
        ("Repeat", "one thing\n"),
        ("New passphrase", TYPED),
        ("Repeat", "another thing\n"),
    ];
    let Some(run) = talk(init_cmd(&env), &script) else {
        return;
    };
    assert_eq!(run.code, exit::USAGE, "{}", run.output);
    assert!(run.output.contains("do not match"), "{}", run.output);
    assert!(!env.vault().exists());
}

/// The passphrase is asked before the pause of measuring, not typed into
/// it while the terminal still echoes.
#[test]
fn init_kdf_time_asks_before_it_measures() {
    let env = Env::new();
    let cmd = env
        .cmd(["init", "--kdf-memory", "8", "--kdf-parallelism", "1"])
        .args(["--kdf-time", "0.05"]);
    let script = [("New passphrase", TYPED), ("Repeat", TYPED)];
    let Some(run) = talk(cmd, &script) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    let asked = run.output.find("Repeat the new passphrase").unwrap();
    let measuring = run.output.find("measuring this machine…");
    assert!(measuring.is_some_and(|m| m > asked), "{}", run.output);
}

/// A weak passphrase from the environment: a warning with the guessing
/// time, no question (even with a terminal), the vault made.
#[test]
fn a_weak_new_passphrase_from_the_environment_is_warned_about() {
    let env = Env::new();
    let Some(run) = talk(init_cmd(&env).new_passphrase("tulip7"), &[]) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(run.output.contains("weak"), "{}", run.output);
    assert!(run.output.contains("guessed in about"), "{}", run.output);
    assert!(!run.output.contains("[y/N]"), "{}", run.output);
    assert!(!run.output.contains("tulip7"), "{}", run.output);
    assert!(env.vault().exists());
}

/// Without any terminal, the same: the warning on standard error.
#[test]
fn a_weak_new_passphrase_without_a_terminal_is_warned_about() {
    let env = Env::new();
    let run = init_cmd(&env).new_passphrase("tulip7").run();
    run.ok();
    assert!(run.stderr.contains("guessed in about"), "{}", run.stderr);
}

#[test]
fn a_weak_typed_passphrase_refused_at_the_question_creates_nothing() {
    let env = Env::new();
    let script = [
        ("New passphrase", "tulip7\n"),
        ("Repeat", "tulip7\n"),
        ("[y/N]", "n\n"),
    ];
    let Some(run) = talk(init_cmd(&env), &script) else {
        return;
    };
    assert_eq!(run.code, exit::USAGE, "{}", run.output);
    assert!(run.output.contains("weak"), "{}", run.output);
    assert!(!env.vault().exists());
}

#[test]
fn a_weak_typed_passphrase_confirmed_is_used() {
    let env = Env::new();
    let script = [
        ("New passphrase", "tulip7\n"),
        ("Repeat", "tulip7\n"),
        ("use it anyway? [y/N]", "y\n"),
    ];
    let Some(run) = talk(init_cmd(&env), &script) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.output);
    env.cmd(["list"]).passphrase("tulip7").run().ok();
}

/// `passwd` asks the same of a new passphrase typed at the terminal.
#[test]
fn passwd_to_a_weak_passphrase_refused_changes_nothing() {
    let env = Env::with_vault();
    let before = env.bytes();
    let script = [
        ("New passphrase", "tulip7\n"),
        ("Repeat", "tulip7\n"),
        ("[y/N]", "n\n"),
    ];
    let Some(run) = talk(env.cmd(["passwd"]).passphrase(PASS), &script) else {
        return;
    };
    assert_eq!(run.code, exit::USAGE, "{}", run.output);
    env.assert_unchanged(&before);
}
