//! Where the passphrase comes from: `--passphrase-file PATH`, `-` for
//! standard input, `CODEVAULT_PASSPHRASE`; the first found wins, a terminal
//! is never assumed, and a passphrase is never an argument.

use crate::common;

use crate::common::{CHEAP_KDF, Env, PASS, exit};

const WRONG: &str = "not the passphrase";

#[test]
fn a_passphrase_file_gives_its_first_line() {
    let env = Env::with_vault();
    for (name, contents) in [
        ("lf", format!("{PASS}\n")),
        ("crlf", format!("{PASS}\r\n")),
        ("bare", PASS.to_string()),
        ("two-lines", format!("{PASS}\nsomething else\n")),
        ("two-crlf-lines", format!("{PASS}\r\n{WRONG}\r\n")),
    ] {
        let file = env.passphrase_file(name, &contents);
        env.cmd(["list", "--passphrase-file"]).arg(&file).run().ok();
    }
}

#[test]
fn only_the_line_ending_is_stripped() {
    let env = Env::with_vault();
    let before = env.bytes();
    for (name, contents) in [
        ("trailing-space", format!("{PASS} \n")),
        ("leading-space", format!(" {PASS}\n")),
        ("tab", format!("{PASS}\t\n")),
        ("second-line", format!("\n{PASS}\n")),
    ] {
        let file = env.passphrase_file(name, &contents);
        env.cmd(["next", "x", "--passphrase-file"])
            .arg(&file)
            .run()
            .fails(
                if name == "second-line" {
                    exit::USAGE
                } else {
                    exit::WRONG_PASSPHRASE
                },
                if name == "second-line" {
                    "empty"
                } else {
                    "wrong passphrase"
                },
            );
    }
    env.assert_unchanged(&before);
}

#[test]
fn dash_reads_the_passphrase_from_stdin() {
    let env = Env::with_vault();
    env.generate("github", 3);
    for input in [format!("{PASS}\n"), format!("{PASS}\r\n"), PASS.to_string()] {
        env.cmd(["list", "--passphrase-file", "-"])
            .stdin(input)
            .run()
            .ok();
    }
    env.cmd(["list", "--passphrase-file", "-"])
        .stdin(format!("{WRONG}\n"))
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["list", "--passphrase-file", "-"])
        .stdin("")
        .run()
        .fails(exit::USAGE, "empty");
}

#[test]
fn passphrase_and_code_can_both_come_from_stdin() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    let marked: common::Marked = env
        .cmd(["use", "github", "--json", "--passphrase-file", "-"])
        .stdin(format!("{PASS}\n{}\n", issued.codes[1]))
        .run()
        .ok()
        .json();
    assert_eq!(marked.index, 2);
}

#[test]
fn the_environment_gives_the_passphrase() {
    let env = Env::with_vault();
    env.cmd(["list"]).passphrase(PASS).run().ok();
    env.cmd(["list"])
        .passphrase(WRONG)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
}

#[test]
fn the_file_wins_over_the_environment() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let right = env.passphrase_file("right", &format!("{PASS}\n"));
    let wrong = env.passphrase_file("wrong", &format!("{WRONG}\n"));
    env.cmd(["next", "github", "--passphrase-file"])
        .arg(&right)
        .passphrase(WRONG)
        .run()
        .ok();
    let before = env.bytes();
    env.cmd(["next", "github", "--passphrase-file"])
        .arg(&wrong)
        .passphrase(PASS)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["next", "github", "--passphrase-file", "-"])
        .stdin(format!("{WRONG}\n"))
        .passphrase(PASS)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.assert_unchanged(&before);
}

#[test]
fn without_any_source_and_no_terminal_it_fails_at_once() {
    let env = Env::with_vault();
    let before = env.bytes();
    for args in [vec!["list"], vec!["next", "github"], vec!["passwd"]] {
        env.cmd(&args)
            .new_passphrase("a new passphrase")
            .run()
            .fails(exit::USAGE, "no passphrase")
            .hint_says("--passphrase-file");
    }
    env.assert_unchanged(&before);
}

#[test]
fn unicode_passphrases_round_trip() {
    let env = Env::new();
    let pass = "pässwörd ЖЖЖ 🔑 日本";
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase(pass)
        .run()
        .ok();
    env.cmd(["list"]).passphrase(pass).run().ok();
    let file = env.passphrase_file("unicode", &format!("{pass}\r\n"));
    env.cmd(["list", "--passphrase-file"]).arg(&file).run().ok();
    // Another normalisation of the same text is another passphrase.
    env.cmd(["list"])
        .passphrase("pa\u{0308}sswo\u{0308}rd ЖЖЖ 🔑 日本")
        .run()
        .code(exit::WRONG_PASSPHRASE);
}

#[test]
fn a_passphrase_is_never_an_argument() {
    let env = Env::with_vault();
    for flag in ["--passphrase", "--password", "-p"] {
        env.cmd(["list", flag, PASS]).run().code(exit::USAGE);
    }
}

#[test]
fn the_new_passphrase_file_wins_over_the_environment() {
    let env = Env::new();
    let file = env.passphrase_file("new", "from the file\n");
    env.cmd(["init", "--new-passphrase-file"])
        .arg(&file)
        .args(CHEAP_KDF)
        .new_passphrase("from the environment")
        .run()
        .ok();
    env.cmd(["list"]).passphrase("from the file").run().ok();
    env.cmd(["list"])
        .passphrase("from the environment")
        .run()
        .code(exit::WRONG_PASSPHRASE);
}

/// A passphrase is bytes: one that is not UTF-8 is used exactly as given,
/// never re-encoded, so it cannot open the vault whose passphrase is its
/// lossy conversion (U+FFFD where the bytes were). A new passphrase must
/// be text (see tests/hardening.rs), so the vault is made with the
/// converted one.
#[test]
fn a_non_utf8_passphrase_in_the_environment_is_never_altered() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let lossy = "secret-\u{fffd}\u{fffd}\u{fffd}\u{fffd}";
    let raw = OsStr::from_bytes(b"secret-\xe4\xe4\xe4\xe4");
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .env("CODEVAULT_NEW_PASSPHRASE", raw)
        .run()
        .fails(exit::USAGE, "not UTF-8");
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase(lossy)
        .run()
        .ok();
    env.cmd(["list"])
        .env("CODEVAULT_PASSPHRASE", raw)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["list"]).passphrase(lossy).run().ok();
}

#[test]
fn a_passphrase_file_that_is_not_text_is_used_byte_for_byte() {
    let env = Env::new();
    let latin1 = env.write("latin1", b"p\xe4ssword\n");
    let lossy = env.write("lossy", "p\u{fffd}ssword\n");
    env.cmd(["init", "--new-passphrase-file"])
        .arg(&latin1)
        .args(CHEAP_KDF)
        .run()
        .fails(exit::USAGE, "not UTF-8");
    env.cmd(["init", "--new-passphrase-file"])
        .arg(&lossy)
        .args(CHEAP_KDF)
        .run()
        .ok();
    env.cmd(["list", "--passphrase-file"])
        .arg(&lossy)
        .run()
        .ok();
    env.cmd(["list", "--passphrase-file", "-"])
        .stdin("p\u{fffd}ssword\n")
        .run()
        .ok();
    env.cmd(["list", "--passphrase-file"])
        .arg(&latin1)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["list", "--passphrase-file", "-"])
        .stdin(&b"p\xe4ssword\n"[..])
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
}

#[test]
fn a_missing_passphrase_file_is_an_input_error() {
    let env = Env::with_vault();
    let before = env.bytes();
    let missing = env.path("no-such-file");
    // Said without the path: a passphrase may have been typed there.
    let run = env
        .cmd(["next", "x", "--passphrase-file"])
        .arg(&missing)
        .passphrase(PASS)
        .run();
    run.fails(exit::USAGE, "--passphrase-file");
    assert!(!run.stderr.contains("no-such-file"), "{run}");
    let run = env
        .cmd(["passwd", "--new-passphrase-file"])
        .arg(&missing)
        .passphrase(PASS)
        .run();
    run.fails(exit::USAGE, "--new-passphrase-file");
    assert!(!run.stderr.contains("no-such-file"), "{run}");
    env.assert_unchanged(&before);
}
