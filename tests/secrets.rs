//! Secrets stay secret: no error, warning, refusal or log shows the
//! passphrase or a code, in words or in JSON, and the file holds no
//! plaintext.
//!
//! The harness already checks every run of every test file (see
//! `tests/common`); this file drives each error path on purpose, with and
//! without `--json`, against a vault whose every code, revoked ones
//! included, is known.

use std::fs;

use crate::common::{Env, PASS, codes_in, exit};

const WRONG: &str = "Tr0ub4dor&3 almost";

struct Busy {
    env: Env,
    /// Every code the vault ever held.
    codes: Vec<String>,
    unused: String,
    used: String,
    revoked: String,
}

fn busy() -> Busy {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    let used = env.next("github").code;
    let new = env.regenerate("github", 5);
    let other = env.generate("gitlab", 4);
    let mut codes = old.codes.clone();
    codes.extend(new.codes.clone());
    codes.extend(other.codes);
    Busy {
        env,
        codes,
        unused: new.codes[0].clone(),
        used,
        revoked: old.codes[2].clone(),
    }
}

#[test]
fn no_error_shows_the_passphrase_or_a_code() {
    let b = busy();
    let env = &b.env;
    let near = {
        let mut s = b.unused.clone().into_bytes();
        s[7] = if s[7] == b'9' { b'0' } else { s[7] + 1 };
        String::from_utf8(s).unwrap()
    };
    let scenarios: Vec<(Vec<String>, Option<&str>)> = vec![
        (vec!["list".into()], Some(WRONG)),
        (vec!["next".into(), "github".into()], Some(WRONG)),
        (vec!["next".into(), "github".into()], None),
        (
            vec!["use".into(), "github".into(), format!("{}1", b.unused)],
            Some(PASS),
        ),
        (
            vec!["use".into(), "github".into(), b.unused[..7].into()],
            Some(PASS),
        ),
        (vec!["check".into(), format!("{}x", b.used)], Some(PASS)),
        (vec!["show".into(), "githb".into()], Some(PASS)),
        (vec!["generate".into(), "github".into()], Some(PASS)),
        (vec!["remove".into(), "github".into()], Some(PASS)),
        (
            vec!["use".into(), "github".into(), b.used.clone()],
            Some(PASS),
        ),
        (
            vec!["use".into(), "github".into(), b.revoked.clone()],
            Some(PASS),
        ),
        (
            vec!["use".into(), "gitlab".into(), b.unused.clone()],
            Some(PASS),
        ),
        (
            vec!["use".into(), "github".into(), near.clone()],
            Some(PASS),
        ),
        (vec!["check".into(), near.clone()], Some(PASS)),
        (vec!["check".into(), near, "github".into()], Some(PASS)),
    ];
    for (args, pass) in scenarios {
        for json in [false, true] {
            let mut cmd = env.cmd(&args);
            if json {
                cmd = cmd.arg("--json");
            }
            if let Some(p) = pass {
                cmd = cmd.passphrase(p);
            }
            // The harness checks stderr (and that a failure prints nothing
            // on stdout) for every code printed so far and both passphrases.
            let run = cmd.run();
            assert_ne!(run.code, exit::OK, "{run}");
            // A refused code's JSON answer names the code's number, never
            // its value; `check` repeats only the code it was given.
            if args[0] == "check" {
                let typed = codes_in(&args[1]);
                let typed: Vec<&str> = typed.iter().map(String::as_str).collect();
                run.prints_only(env, &typed);
            } else {
                run.prints_only(env, &[]);
            }
        }
    }
}

#[test]
fn damaged_and_missing_vaults_show_no_secret() {
    let b = busy();
    let env = &b.env;
    let mut bad = env.bytes();
    let mid = bad.len() / 2;
    bad[mid] ^= 4;
    fs::write(env.vault(), &bad).unwrap();
    for json in [false, true] {
        let mut args = vec!["show", "github"];
        if json {
            args.push("--json");
        }
        // The harness checks stderr, and that stdout is empty.
        env.run(&args).code(exit::DAMAGED);
    }
    fs::remove_file(env.vault()).unwrap();
    env.run(["list", "--json"]).code(exit::USAGE);
}

#[test]
fn warnings_and_the_log_show_no_code() {
    let b = busy();
    let env = &b.env;
    for _ in 0..3 {
        // The harness checks the warnings on stderr.
        env.run(["next", "gitlab"]).ok();
    }
    let run = env.run(["list"]);
    assert!(run.stderr.contains("gitlab"), "a low warning\n{run}");
    env.run(["use", "github", &b.used]).code(exit::REFUSED);
    for args in [vec!["log"], vec!["log", "--json"], vec!["log", "github"]] {
        env.run(&args).ok().prints_only(env, &[]);
    }
}

#[test]
fn the_file_holds_no_plaintext() {
    let b = busy();
    let bytes = b.env.bytes();
    let find = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    for c in &b.codes {
        assert!(!find(c.as_bytes()), "a code in the clear");
    }
    for text in ["github", "gitlab", PASS] {
        assert!(!find(text.as_bytes()), "{text:?} in the clear");
    }
}

#[test]
fn the_harness_finds_codes_in_both_forms() {
    assert_eq!(
        codes_in("1. 1234 5678\n2. 87654321, 123456789 1234 56789 x1234567"),
        ["12345678", "87654321"]
    );
    assert!(codes_in("2026-11-22T10:04:05Z set 3 fingerprint 4f2a-91c0").is_empty());
}

/// The harness's own leak check has teeth: a text it was told is secret
/// that comes back on stderr (here an unknown account name, which the
/// error message repeats) stops the run.
#[test]
#[should_panic(expected = "stderr shows a secret")]
fn the_harness_catches_a_secret_on_stderr() {
    let env = Env::with_vault();
    env.remember("no-such-account-name");
    env.run(["show", "no-such-account-name"]);
}

/// ... in another letter case too.
#[test]
#[should_panic(expected = "stderr shows a secret")]
fn the_harness_catches_a_secret_on_stderr_in_another_case() {
    let env = Env::with_vault();
    env.remember("NO-SUCH-ACCOUNT-NAME");
    env.run(["show", "no-such-account-name"]);
}

/// ... and a code on stdout that the command was not asked for, in any
/// written form: here `show` prints the codes of a set the test says it
/// did not ask for.
#[test]
#[should_panic(expected = "stdout shows a secret it was not asked for")]
fn the_harness_catches_a_code_on_stdout_not_asked_for() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    env.run(["show", "github"])
        .ok()
        .prints_only(&env, &[&issued.codes[0], &issued.codes[1]]);
}

/// ... and lets the codes through that it was asked for.
#[test]
fn the_harness_lets_the_codes_asked_for_through() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    let asked: Vec<&str> = issued.codes.iter().map(String::as_str).collect();
    env.run(["show", "github"]).ok().prints_only(&env, &asked);
    env.run(["show", "github", "--json"])
        .ok()
        .prints_only(&env, &asked);
}

/// A code typed where an account name belongs is not repeated in the
/// "no account …" message: digit codes however grouped, and a code
/// of another alphabet that the vault holds.
#[test]
fn a_code_typed_as_an_account_name_is_not_repeated() {
    let env = Env::with_vault();
    let code = env.generate("github", 3).codes[0].clone();
    let grouped = format!("{} {}", &code[..4], &code[4..]);
    for typed in [code.as_str(), grouped.as_str()] {
        let run = env.run(["show", typed]);
        assert_eq!(run.code, exit::USAGE, "{run}");
        assert!(run.stderr.contains("no account has that name"), "{run}");
    }
}
