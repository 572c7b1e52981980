//! The mistakes people make on the command line (issue 11, items 2 and 3):
//! clap's errors shown whole (what is missing, which values are valid), a
//! passphrase given as an argument refused without a word of it repeated,
//! and arguments in the wrong order explained with the command's usage.
//! Every refusal leaves the vault byte for byte as it was.

use crate::common::{Env, PASS, exit};

/// A vault with one account, and its bytes before anything is tried.
fn vault() -> (Env, Vec<u8>) {
    let env = Env::with_vault();
    env.generate("github", 5);
    let before = env.bytes();
    (env, before)
}

#[test]
fn a_missing_argument_is_named() {
    let (env, before) = vault();
    let run = env.run(["generate"]);
    run.fails(exit::USAGE, "missing ACCOUNT");
    run.hint_says("usage: codevault generate");
    env.assert_unchanged(&before);
}

#[test]
fn an_invalid_value_lists_the_valid_ones() {
    let (env, before) = vault();
    let run = env.run(["completions", "powershell"]);
    run.fails(exit::USAGE, "powershell");
    for shell in ["bash", "zsh", "fish"] {
        assert!(run.error().contains(shell), "{shell} not listed\n{run}");
    }
    env.assert_unchanged(&before);
}

/// Every command, and the ways a passphrase gets typed as an argument.
fn passphrase_attempts(secret: &str) -> Vec<Vec<String>> {
    let commands: [&[&str]; 12] = [
        &["list"],
        &["show", "github"],
        &["check", "12345678"],
        &["log"],
        &["next", "github"],
        &["use", "github"],
        &["generate", "new"],
        &["regenerate", "github"],
        &["revoke", "github"],
        &["import", "other"],
        &["init"],
        &["passwd"],
    ];
    let forms: Vec<Vec<String>> = vec![
        vec!["--passphrase".into(), secret.into()],
        vec![format!("--passphrase={secret}")],
        vec!["--password".into(), secret.into()],
        vec![format!("--password={secret}")],
        vec!["-p".into(), secret.into()],
        vec![format!("-p{secret}")],
    ];
    let mut all = Vec::new();
    for c in commands {
        for f in &forms {
            let mut args: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            args.extend(f.iter().cloned());
            all.push(args.clone());
            // Before the command, as a global option, too.
            let mut front = f.clone();
            front.extend(c.iter().map(|s| s.to_string()));
            all.push(front);
        }
    }
    all
}

#[test]
fn a_passphrase_argument_is_refused_and_never_repeated() {
    let (env, before) = vault();
    let secret = "hunter2-correct-horse";
    for args in passphrase_attempts(secret) {
        let run = env.run(&args);
        run.fails(
            exit::USAGE,
            "a passphrase is never taken as a command-line argument",
        );
        run.hint_says("--passphrase-file")
            .hint_says("CODEVAULT_PASSPHRASE")
            .hint_says("prompt");
        for (stream, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
            assert!(
                !text.to_lowercase().contains("hunter2"),
                "{stream} repeats the passphrase\n{run}"
            );
        }
        env.assert_unchanged(&before);
    }
}

/// Arguments in the wrong order, said in words with the usage, before any
/// passphrase is asked for (these runs have none), never repeating the code.
#[test]
fn arguments_in_the_wrong_order_are_explained() {
    let (env, before) = vault();
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["check", "github", "91286804"],
            "the code comes first",
            "usage: codevault check CODE [ACCOUNT]",
        ),
        (
            &["use", "1149 8830"],
            "the account is missing",
            "usage: codevault use ACCOUNT [CODE]",
        ),
        (
            &["use", "12345678", "github"],
            "the account comes first",
            "usage: codevault use ACCOUNT [CODE]",
        ),
    ];
    for (args, message, usage) in cases {
        let run = env.cmd(args).stdin("").run();
        run.fails(exit::USAGE, message).hint_says(usage);
        for digits in ["91286804", "1149", "8830", "12345678"] {
            assert!(!run.stderr.contains(digits), "a code repeated\n{run}");
        }
        env.assert_unchanged(&before);
    }
}

/// A code where an account belongs, on any command: said in words, never
/// as a placeholder, and the code not repeated.
#[test]
fn a_code_for_an_account_is_said_in_words() {
    let (env, before) = vault();
    let code = env.show_all("github").codes[0].code.clone();
    for args in [
        vec!["show".to_string(), "12345678".into()],
        vec!["next".into(), "1234-5678".into()],
        vec!["show".into(), code.clone()],
    ] {
        let run = env.cmd(&args).passphrase(PASS).run();
        run.fails(exit::USAGE, "looks like a code");
        assert!(!run.stderr.contains("[code]"), "a placeholder\n{run}");
        assert!(!run.stderr.contains("5678"), "a code repeated\n{run}");
        assert!(!run.stderr.contains(&code), "a code repeated\n{run}");
        env.assert_unchanged(&before);
    }
}

/// The inputs are checked before any passphrase is needed: these runs
/// have none, so a passphrase asked for first would be the error said.
#[test]
fn an_import_file_is_checked_before_the_passphrase() {
    let (env, before) = vault();
    let missing = env.path("missing.txt");
    let run = env
        .cmd(["import", "x", "--file"])
        .arg(&missing)
        .stdin("")
        .run();
    run.fails(exit::USAGE, "no file at");
    let empty = env.write("nothing.txt", "no codes on this page\n");
    let run = env
        .cmd(["import", "x", "--file"])
        .arg(&empty)
        .stdin("")
        .run();
    run.code(exit::USAGE);
    assert!(!run.error().contains("passphrase"), "{run}");
    env.assert_unchanged(&before);
}

/// Every option that names a passphrase file: a path that is not there,
/// or that cannot be read (a directory), is said without the path, with
/// the option's own hint, before anything is asked or changed.
#[test]
fn no_passphrase_file_option_repeats_its_path() {
    let (env, before) = vault();
    let copy = env.write("copy.cvlt", &before);
    let dir = env.path("hunter2 battery");
    std::fs::create_dir(&dir).unwrap();
    let missing = "hunter2 staple";
    let dir = dir.to_str().unwrap();
    for path in [missing, dir] {
        let copy = copy.to_str().unwrap();
        for (args, option, hint) in [
            (
                vec!["--passphrase-file", path, "list"],
                "--passphrase-file",
                "CODEVAULT_PASSPHRASE",
            ),
            (
                vec!["passwd", "--new-passphrase-file", path],
                "--new-passphrase-file",
                "CODEVAULT_NEW_PASSPHRASE",
            ),
            (
                vec!["merge", copy, "--other-passphrase-file", path],
                "--other-passphrase-file",
                "to be asked",
            ),
        ] {
            // The other copy's file is read only when the vault's own
            // passphrase does not open the copy, as here it does: only its
            // absence is said first.
            if option == "--other-passphrase-file" && path == dir {
                continue;
            }
            let mut cmd = env.cmd(args).stdin("");
            if option != "--passphrase-file" {
                cmd = cmd.passphrase(PASS);
            }
            let run = cmd.run();
            run.fails(exit::USAGE, option).hint_says(hint);
            assert!(!run.stderr.contains("hunter2"), "the path repeated\n{run}");
            env.assert_unchanged(&before);
        }
        let fresh = Env::new();
        let run = fresh
            .cmd(["init", "--new-passphrase-file", path])
            .stdin("")
            .run();
        run.fails(exit::USAGE, "--new-passphrase-file")
            .hint_says("CODEVAULT_NEW_PASSPHRASE");
        assert!(!run.stderr.contains("hunter2"), "the path repeated\n{run}");
        assert!(!fresh.vault().exists(), "{run}");
    }
}

/// `--passphrase-file` with a path that is not there: the path is not
/// repeated (a passphrase typed where the path belongs would be).
#[test]
fn a_missing_passphrase_file_is_not_named() {
    let (env, before) = vault();
    for args in [&["list"][..], &["next", "github"], &["import", "x"]] {
        let run = env
            .cmd(["--passphrase-file", "hunter2 staple"])
            .args(args)
            .stdin("")
            .run();
        run.fails(exit::USAGE, "--passphrase-file")
            .hint_says("CODEVAULT_PASSPHRASE");
        assert!(!run.stderr.contains("hunter2"), "the path repeated\n{run}");
        env.assert_unchanged(&before);
    }
}
