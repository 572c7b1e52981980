//! Runs the binary with a real terminal as its standard output and error:
//! a pseudo-terminal made by util-linux `script`, for the behaviour that
//! depends on one (`export --output -` refused, `--color auto`).
//!
//! Same world as the harness: a cleared environment with `HOME` in the
//! temp directory, the test's vault and `CODEVAULT_PASSPHRASE`; `TERM` is
//! set, as on any terminal. Without `script` the test says `skipped: why`
//! and passes, except in CI (`CI` set), where `.ci/run` installs it.

// Each test file uses a different part.
#![allow(dead_code)]

use std::process::{Command, Stdio};

use crate::common::{BIN, Env, PASS};

/// A run on a terminal: both streams arrive as one, with `\r\n`.
pub(crate) struct TtyRun {
    pub code: i32,
    pub output: String,
}

/// `codevault --vault VAULT ARGS...` on a pseudo-terminal, or `None` where
/// `script` is not installed.
pub(crate) fn on_a_terminal(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> Option<TtyRun> {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "util-linux `script` is missing in CI"
        );
        eprintln!("skipped: util-linux `script` is not installed");
        return None;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = vec![
        quote(BIN),
        "--vault".into(),
        quote(&env.vault().to_string_lossy()),
    ];
    line.extend(args.iter().map(|a| quote(a)));
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &line.join(" "), "/dev/null"])
        .env_clear()
        .env("HOME", env.path("home"))
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm-256color")
        .env("CODEVAULT_PASSPHRASE", PASS)
        .current_dir(env.dir())
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run script");
    Some(TtyRun {
        code: out.status.code().expect("script exited"),
        output: String::from_utf8_lossy(&out.stdout).into_owned(),
    })
}
