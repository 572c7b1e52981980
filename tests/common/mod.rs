//! The one harness of the end-to-end tests: every test runs the real binary.
//!
//! Each test gets an [`Env`]: its own temp directory with the vault path
//! `<tmp>/vault.cvlt`. Every child process starts with a cleared environment
//! (only what the test sets, plus `HOME` pointed into the temp directory so
//! that no test can ever reach the real data directory), with cheap Argon2id
//! parameters for `init`, and in a new session without a controlling
//! terminal: a `/dev/tty` prompt can never hang a test, and "no terminal" is
//! real, not simulated.
//!
//! The harness is also the one leak oracle of the suite, on every run:
//! every passphrase a test hands to the binary, every code the binary ever
//! printed on standard output and every code a test guards is remembered,
//! and no run may print one of them on standard error, in any written form
//! (`12345678`, `1234 5678`, `1234-5678`) or letter case. A failed run (exit
//! 2 and above) prints nothing at all on standard output, and no run may
//! panic. What a successful run may print on standard output depends on the
//! command: a test says which codes it asked for with [`Run::prints_only`].
//!
//! The JSON shapes of the command-line contract (`docs/manual.md`, "JSON
//! output") are at the end, as typed structs: tests decode documents, they
//! do not grep them. Unknown fields are allowed, as the contract says more may be added.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use tempfile::TempDir;

/// The binary under test, built by cargo for the integration tests.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_codevault");

/// The passphrase of every vault the harness creates.
pub(crate) const PASS: &str = "correct horse battery staple";

/// The cheapest cost the contract allows: 8 MiB, 1 pass, 1 lane.
pub(crate) const CHEAP_KDF: [&str; 6] = [
    "--kdf-memory",
    "8",
    "--kdf-iterations",
    "1",
    "--kdf-parallelism",
    "1",
];

/// The contract's exit codes.
pub(crate) mod exit {
    pub(crate) const OK: i32 = 0;
    pub(crate) const REFUSED: i32 = 1;
    pub(crate) const USAGE: i32 = 2;
    pub(crate) const WRONG_PASSPHRASE: i32 = 3;
    pub(crate) const DAMAGED: i32 = 4;
    pub(crate) const FAILURE: i32 = 5;
}

/// Far longer than any command should take, short enough that a hang fails
/// the test instead of the whole run. The one lock test waits 10 s.
const TIMEOUT: Duration = Duration::from_secs(60);

// ----------------------------------------------------------------- the env

/// One test's world: a temp directory, a vault path in it, and the secrets
/// the runs must never leak.
pub(crate) struct Env {
    dir: TempDir,
    vault: PathBuf,
    secrets: Mutex<BTreeSet<String>>,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    /// A fresh temp directory; the vault path does not exist yet.
    pub(crate) fn new() -> Env {
        let dir = tempfile::tempdir().expect("create a temp directory");
        let vault = dir.path().join("vault.cvlt");
        let env = Env {
            dir,
            vault,
            secrets: Mutex::new(BTreeSet::new()),
        };
        env.remember(PASS);
        env
    }

    /// A fresh temp directory with an empty vault under [`PASS`].
    pub(crate) fn with_vault() -> Env {
        let env = Env::new();
        env.init();
        env
    }

    /// `init` with [`PASS`] and the cheap cost; asserts it worked.
    pub(crate) fn init(&self) -> Run {
        let run = self
            .cmd(["init"])
            .args(CHEAP_KDF)
            .new_passphrase(PASS)
            .run();
        run.ok();
        run
    }

    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn vault(&self) -> &Path {
        &self.vault
    }

    /// `<vault>.lock`, the writers' lock file beside the vault.
    pub(crate) fn lock_path(&self) -> PathBuf {
        lock_path_of(&self.vault)
    }

    pub(crate) fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file in the temp directory and returns its path.
    pub(crate) fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        fs::write(&p, contents).expect("write a test file");
        p
    }

    /// Writes a passphrase file (the text is remembered as a secret).
    pub(crate) fn passphrase_file(&self, rel: &str, contents: &str) -> PathBuf {
        for line in contents.lines() {
            self.remember(line.trim_end_matches('\r'));
        }
        self.write(rel, contents)
    }

    /// A command with the vault given by `--vault` and no passphrase source.
    pub(crate) fn cmd<I, S>(&self, args: I) -> Cmd<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Cmd {
            env: self,
            args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
            vars: vec![("HOME".into(), self.path("home").into_os_string())],
            stdin: None,
            vault: VaultArg::Flag,
            umask0: false,
        }
    }

    /// Runs a command with `CODEVAULT_PASSPHRASE` set to [`PASS`].
    pub(crate) fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd(args).passphrase(PASS).run()
    }

    /// The vault file as it is now.
    pub(crate) fn bytes(&self) -> Vec<u8> {
        fs::read(&self.vault).expect("read the vault")
    }

    /// Asserts the vault file is byte for byte what it was.
    #[track_caller]
    pub(crate) fn assert_unchanged(&self, before: &[u8]) {
        let now = fs::read(&self.vault).expect("read the vault");
        assert!(
            now == before,
            "the vault changed ({} bytes before, {} now)",
            before.len(),
            now.len()
        );
    }

    /// Puts an earlier vault file back, as a test that replays a step from
    /// the same start does, and forgets what this machine saw of the vault:
    /// otherwise codevault would rightly refuse it as an older copy.
    pub(crate) fn put_back(&self, bytes: &[u8]) {
        fs::write(&self.vault, bytes).expect("put the vault back");
        let seen = self.path("home/.local/state/codevault/seen");
        if seen.exists() {
            fs::remove_dir_all(seen).expect("forget what was seen");
        }
    }

    /// Temp files of an atomic write left beside the vault.
    pub(crate) fn stray_temps(&self) -> Vec<PathBuf> {
        let prefix = format!(
            ".{}.tmp-",
            self.vault.file_name().unwrap().to_string_lossy()
        );
        let dir = self.vault.parent().unwrap();
        fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Remembers a secret that no run may print where it must not.
    pub(crate) fn remember(&self, secret: &str) {
        // Too short a text would match by chance (a passphrase "pw").
        if secret.chars().count() >= 6 {
            self.secrets.lock().unwrap().insert(secret.to_string());
        }
    }

    pub(crate) fn secrets(&self) -> Vec<String> {
        self.secrets.lock().unwrap().iter().cloned().collect()
    }

    // ------------------------------------------------ commands, decoded

    /// `generate ACCOUNT --count N --json`, asserted to succeed.
    pub(crate) fn generate(&self, account: &str, count: usize) -> Issued {
        self.run(["generate", account, "--count", &count.to_string(), "--json"])
            .ok()
            .json()
    }

    /// `regenerate ACCOUNT --count N --json`, asserted to succeed.
    pub(crate) fn regenerate(&self, account: &str, count: usize) -> Issued {
        self.run([
            "regenerate",
            account,
            "--count",
            &count.to_string(),
            "--json",
        ])
        .ok()
        .json()
    }

    /// `list --json`, asserted to succeed.
    pub(crate) fn list(&self) -> AccountList {
        self.run(["list", "--json"]).ok().json()
    }

    /// `show ACCOUNT --all --json`, asserted to succeed.
    pub(crate) fn show_all(&self, account: &str) -> Shown {
        self.run(["show", account, "--all", "--json"]).ok().json()
    }

    /// `next ACCOUNT --json`, asserted to succeed.
    pub(crate) fn next(&self, account: &str) -> Marked {
        self.run(["next", account, "--json"]).ok().json()
    }

    /// `log --json`, asserted to succeed.
    pub(crate) fn log(&self) -> Log {
        self.run(["log", "--json"]).ok().json()
    }

    /// `check CODE [ACCOUNT] --json`: the exit code and the answer.
    pub(crate) fn check(&self, code: &str, account: Option<&str>) -> (i32, Checked) {
        let mut args = vec!["check", code];
        args.extend(account);
        args.push("--json");
        let run = self.run(args);
        assert!(
            run.code == exit::OK || run.code == exit::REFUSED,
            "check should answer 0 or 1\n{run}"
        );
        (run.code, run.json())
    }
}

/// A test that cannot run here (no strace, no mount namespace, not root).
/// In CI (`CI=true`, where `.ci/run` installs what the tests need and runs
/// as root) that is a failure, not a pass: panics. Elsewhere says
/// `skipped: <why>` on stderr; the caller then returns.
#[track_caller]
pub(crate) fn cannot_run(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("this test cannot run, and CI must run it: {why}");
    }
    eprintln!("skipped: {why}");
}

/// `<vault>.lock` for a vault path.
pub(crate) fn lock_path_of(vault: &Path) -> PathBuf {
    let mut name = vault.file_name().unwrap().to_os_string();
    name.push(".lock");
    vault.with_file_name(name)
}

/// The permission bits of a path.
pub(crate) fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

pub(crate) fn inode(path: &Path) -> u64 {
    fs::metadata(path).expect("stat").ino()
}

/// The Argon2id cost a vault file asks for: header bytes 12..24, big-endian
/// memory in MiB, iterations, parallelism.
pub(crate) fn header_kdf(bytes: &[u8]) -> (u32, u32, u32) {
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(12), be(16), be(20))
}

/// A code as people read it: `1234 5678`.
pub(crate) fn grouped(code: &str) -> String {
    format!("{} {}", &code[..4], &code[4..])
}

/// Every 8-digit code in a text, written plainly (`12345678`) or grouped
/// (`1234 5678`), normalised. The date in a Syncthing conflict copy's
/// name (`vault.sync-conflict-20261129-101530-ABCDEF7.cvlt`), which
/// `merge` names on both streams, is the one run of 8 digits that is not.
pub(crate) fn codes_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| {
        from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    let boundary = |i: usize| i >= b.len() || !b[i].is_ascii_digit();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = i == 0 || !b[i - 1].is_ascii_digit();
        if starts && b[..i].ends_with(b".sync-conflict-") {
            i += 8;
        } else if starts && digits(i, 8) && boundary(i + 8) {
            found.push(text[i..i + 8].to_string());
            i += 8;
        } else if starts && digits(i, 4) && b.get(i + 4) == Some(&b' ') && digits(i + 5, 4) {
            if boundary(i + 9) {
                found.push(format!("{}{}", &text[i..i + 4], &text[i + 5..i + 9]));
            }
            i += 9;
        } else {
            i += 1;
        }
    }
    found
}

// ------------------------------------------------------------ the command

enum VaultArg {
    /// `--vault <tmp>/vault.cvlt`
    Flag,
    /// `CODEVAULT_PATH=<tmp>/vault.cvlt`
    EnvVar,
    /// Neither: the test says where, or tests the default.
    None,
}

/// A command being built. Nothing runs until [`Cmd::run`].
pub(crate) struct Cmd<'e> {
    env: &'e Env,
    args: Vec<OsString>,
    vars: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    vault: VaultArg,
    umask0: bool,
}

impl Cmd<'_> {
    pub(crate) fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.args.push(a.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable of the child.
    pub(crate) fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.into(), value.as_ref().to_owned()));
        self
    }

    /// `CODEVAULT_PASSPHRASE`.
    pub(crate) fn passphrase(self, p: &str) -> Self {
        self.env.remember(p);
        self.env("CODEVAULT_PASSPHRASE", p)
    }

    /// `CODEVAULT_NEW_PASSPHRASE`.
    pub(crate) fn new_passphrase(self, p: &str) -> Self {
        self.env.remember(p);
        self.env("CODEVAULT_NEW_PASSPHRASE", p)
    }

    pub(crate) fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Give the vault as `CODEVAULT_PATH` instead of `--vault`.
    pub(crate) fn vault_from_env(mut self) -> Self {
        self.vault = VaultArg::EnvVar;
        self
    }

    /// Give no vault path at all.
    pub(crate) fn no_vault(mut self) -> Self {
        self.vault = VaultArg::None;
        self
    }

    /// Run the child under `umask 000`.
    pub(crate) fn umask0(mut self) -> Self {
        self.umask0 = true;
        self
    }

    /// The child as a std command: cleared environment, new session without
    /// a controlling terminal, optionally `umask 000`. For tests that need
    /// to wire its standard streams themselves.
    pub(crate) fn std_command(&self) -> std::process::Command {
        let mut c = std::process::Command::new(BIN);
        c.env_clear();
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        match self.vault {
            VaultArg::Flag => {
                c.arg("--vault").arg(&self.env.vault);
            }
            VaultArg::EnvVar => {
                c.env("CODEVAULT_PATH", &self.env.vault);
            }
            VaultArg::None => {}
        }
        c.args(&self.args);
        c.current_dir(self.env.dir());
        let umask0 = self.umask0;
        // SAFETY: the closure runs in the forked child before exec and only
        // calls setsid(2) and umask(2), both async-signal-safe.
        unsafe {
            c.pre_exec(move || detach(umask0));
        }
        c
    }

    /// Runs the command to its end and checks it leaked nothing.
    pub(crate) fn run(self) -> Run {
        let std = self.std_command();
        let cmdline = format!("{std:?}");
        let mut cmd = assert_cmd::Command::from_std(std);
        cmd.timeout(TIMEOUT);
        if let Some(input) = &self.stdin {
            cmd.write_stdin(input.clone());
        }
        let out = cmd.output().expect("run codevault");
        let run = Run {
            code: out.status.code().unwrap_or_else(|| {
                panic!("codevault was killed by a signal or timed out: {cmdline}")
            }),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            cmdline,
        };
        run.assert_no_leak(self.env);
        run
    }

    /// Runs the command under a wrapper program (`strace -f … --`): the
    /// wrapper gets the binary and its arguments after its own, with the
    /// same cleared environment, directory, session and umask. The leak
    /// checks are those of [`Cmd::run`].
    pub(crate) fn run_under<I, S>(self, wrapper: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let inner = self.std_command();
        let mut parts = wrapper.into_iter();
        let mut std = std::process::Command::new(parts.next().expect("a wrapper program"));
        std.args(parts)
            .arg(inner.get_program())
            .args(inner.get_args());
        std.env_clear();
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                std.env(k, v);
            }
        }
        if let Some(dir) = inner.get_current_dir() {
            std.current_dir(dir);
        }
        let umask0 = self.umask0;
        // SAFETY: as in `std_command`: setsid(2) and umask(2) only.
        unsafe {
            std.pre_exec(move || detach(umask0));
        }
        let cmdline = format!("{std:?}");
        let mut cmd = assert_cmd::Command::from_std(std);
        cmd.timeout(TIMEOUT);
        if let Some(input) = &self.stdin {
            cmd.write_stdin(input.clone());
        }
        let out = cmd.output().expect("run the wrapper");
        let run = Run {
            code: out.status.code().unwrap_or_else(|| {
                panic!("the wrapped run was killed by a signal or timed out: {cmdline}")
            }),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            cmdline,
        };
        run.assert_no_leak(self.env);
        run
    }
}

/// In the child, before exec: a new session has no controlling terminal, so
/// opening `/dev/tty` fails as it does under cron or CI.
fn detach(umask0: bool) -> io::Result<()> {
    // SAFETY: plain system calls without pointers.
    if unsafe { libc::setsid() } == -1 {
        return Err(io::Error::last_os_error());
    }
    if umask0 {
        // SAFETY: as above.
        unsafe { libc::umask(0) };
    }
    Ok(())
}

// ---------------------------------------------------------------- the run

/// Every way a remembered secret may be written out, lower case (the
/// checks compare lower-cased text): a code of letters and digits plain and
/// split in two halves by a space or a dash, any other secret as it is.
fn secret_forms(secret: &str) -> Vec<String> {
    if secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
        written_forms(secret)
    } else {
        vec![secret.to_lowercase()]
    }
}

/// Every string of a JSON document, keys included; numbers and the like as
/// their text.
fn strings_in(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| strings_in(v, out)),
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.push(k.clone());
                strings_in(v, out);
            }
        }
        other => out.push(other.to_string()),
    }
}

/// The line a vault below the default key-derivation cost prints on every
/// unlock, suggesting `passwd --upgrade`. Every vault of the suite is below
/// the default on purpose (cheap tests), so the checks look past it.
pub(crate) fn is_upgrade_notice(line: &str) -> bool {
    line.starts_with("hint: ") && line.contains("passwd --upgrade")
}

/// A finished run: exit code and both streams.
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    cmdline: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nexit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    fn assert_no_leak(&self, env: &Env) {
        assert!(
            !self.stderr.contains("panicked") && self.code != 101,
            "codevault panicked\n{self}"
        );
        assert!(
            self.code < exit::USAGE || self.stdout.is_empty(),
            "a failed run printed on stdout\n{self}"
        );
        // Whatever the binary shows on stdout is a code to guard from now on.
        for code in codes_in(&self.stdout) {
            env.remember(&code);
        }
        let stderr = self.stderr.to_lowercase();
        for s in env.secrets() {
            for form in secret_forms(&s) {
                assert!(
                    !stderr.contains(&form),
                    "stderr shows a secret ({} chars)\n{self}",
                    form.len()
                );
            }
        }
    }

    /// Asserts standard output shows no secret the harness knows (a
    /// passphrase, a code printed earlier or guarded) other than the codes
    /// `allowed` (normalised: the codes this command was asked to print or
    /// was given), in any written form or letter case: in the text, and in
    /// every key and value of a JSON document, decoded (so that an escape
    /// such as `\u0031` cannot hide one).
    #[track_caller]
    pub(crate) fn prints_only(&self, env: &Env, allowed: &[&str]) -> &Self {
        let allowed: BTreeSet<String> = allowed.iter().flat_map(|c| written_forms(c)).collect();
        let mut texts = vec![self.stdout.clone()];
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&self.stdout) {
            strings_in(&doc, &mut texts);
        }
        let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        for s in env.secrets() {
            if allowed.contains(&s.to_lowercase()) {
                continue;
            }
            for form in secret_forms(&s) {
                assert!(
                    texts.iter().all(|t| !t.contains(&form)),
                    "stdout shows a secret it was not asked for ({} chars)\n{self}",
                    form.len()
                );
            }
        }
        self
    }

    /// Asserts exit 0.
    #[track_caller]
    pub(crate) fn ok(&self) -> &Self {
        self.code(exit::OK)
    }

    /// Asserts the exit code.
    #[track_caller]
    pub(crate) fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "expected exit {expected}, got {}\n{self}",
            self.code
        );
        self
    }

    /// Asserts a failure as the contract has it: the exit code, then on
    /// stderr exactly one line `codevault: error: …` containing `message`,
    /// optionally followed by one `hint: …` line, and nothing after.
    ///
    /// Before the error line only the cost notice may appear (see
    /// [`is_upgrade_notice`]); `errors.rs` has the strict check.
    #[track_caller]
    pub(crate) fn fails(&self, code: i32, message: &str) -> &Self {
        self.code(code);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let errors: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("codevault: error: "))
            .collect();
        let [at] = errors[..] else {
            panic!("stderr has not exactly one error line\n{self}");
        };
        assert!(
            lines[..at].iter().all(|l| is_upgrade_notice(l)),
            "stderr has other lines before the error line\n{self}"
        );
        let after = &lines[at + 1..];
        assert!(
            after.is_empty() || (after.len() == 1 && after[0].starts_with("hint: ")),
            "the error line is not followed by one hint line or nothing\n{self}"
        );
        assert!(
            lines[at].contains(message),
            "the error line does not say {message:?}\n{self}"
        );
        self
    }

    /// The `codevault: error: ` line's text, without the prefix.
    #[track_caller]
    pub(crate) fn error(&self) -> &str {
        self.stderr
            .lines()
            .find_map(|l| l.strip_prefix("codevault: error: "))
            .unwrap_or_else(|| panic!("no error line\n{self}"))
    }

    /// The `hint: ` line that follows the error line, if any.
    pub(crate) fn hint(&self) -> Option<&str> {
        let mut lines = self
            .stderr
            .lines()
            .skip_while(|l| !l.starts_with("codevault: error: "));
        lines.next()?;
        lines.next()?.strip_prefix("hint: ")
    }

    /// The messages on stderr, without the cost notice.
    pub(crate) fn notes(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !is_upgrade_notice(l))
            .collect()
    }

    /// Asserts there is a hint containing `text`.
    #[track_caller]
    pub(crate) fn hint_says(&self, text: &str) -> &Self {
        let hint = self
            .hint()
            .unwrap_or_else(|| panic!("no hint line\n{self}"));
        assert!(
            hint.contains(text),
            "the hint does not say {text:?}\n{self}"
        );
        self
    }

    /// Decodes standard output as one JSON document of the given shape.
    #[track_caller]
    pub(crate) fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the expected JSON: {e}\n{self}"))
    }
}

// -------------------------------------------------------- the JSON shapes

/// A time as the contract writes it: RFC 3339 in UTC (`…Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Utc(pub jiff::Timestamp);

impl<'de> Deserialize<'de> for Utc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !s.ends_with('Z') {
            return Err(D::Error::custom(format!("{s:?} is not in UTC")));
        }
        s.parse().map(Utc).map_err(D::Error::custom)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Origin {
    Generated,
    Imported,
}

/// `set` in `show`, `generate`, `regenerate`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct SetInfo {
    pub id: u64,
    pub created: Utc,
    pub origin: Origin,
    pub fingerprint: String,
}

/// `generate` / `regenerate`: the codes, plain.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Issued {
    pub account: String,
    pub set: SetInfo,
    pub codes: Vec<String>,
}

/// `list`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct AccountList {
    pub accounts: Vec<AccountRow>,
}

impl AccountList {
    #[track_caller]
    pub(crate) fn get(&self, account: &str) -> &AccountRow {
        self.accounts
            .iter()
            .find(|a| a.account == account)
            .unwrap_or_else(|| panic!("no account {account:?} in {self:?}"))
    }

    pub(crate) fn names(&self) -> Vec<&str> {
        self.accounts.iter().map(|a| a.account.as_str()).collect()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct AccountRow {
    pub account: String,
    pub remaining: usize,
    pub total: usize,
    /// `null` for an account without an active set.
    pub created: Option<Utc>,
    pub origin: Option<Origin>,
    pub low: bool,
}

/// `show`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Shown {
    pub account: String,
    pub set: SetInfo,
    pub codes: Vec<ShownCode>,
}

impl Shown {
    pub(crate) fn used(&self) -> Vec<&ShownCode> {
        self.codes.iter().filter(|c| c.used.is_some()).collect()
    }

    pub(crate) fn unused(&self) -> Vec<&ShownCode> {
        self.codes.iter().filter(|c| c.used.is_none()).collect()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ShownCode {
    pub index: usize,
    pub code: String,
    pub used: Option<Used>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Used {
    pub at: Utc,
    pub note: Option<String>,
}

/// `use` / `next` on success.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Marked {
    pub account: String,
    pub code: String,
    pub index: usize,
    pub remaining: usize,
    pub low: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reason {
    Unused,
    Used,
    Revoked,
    OtherAccount,
    Unknown,
}

/// The details a diagnosis carries, whichever its reason.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct Details {
    /// The set the code is in (used, revoked, unused).
    pub set: Option<u64>,
    pub index: Option<usize>,
    pub used_at: Option<Utc>,
    pub note: Option<String>,
    pub set_created: Option<Utc>,
    pub revoked_at: Option<Utc>,
    pub revoked_by: Option<String>,
    pub replaced_by: Option<u64>,
    pub other_account: Option<String>,
    pub other_state: Option<String>,
    pub did_you_mean: Option<Vec<NearMiss>>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NearMiss {
    pub account: String,
    pub set: u64,
    pub index: usize,
}

/// `use` refused (exit 1).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Refusal {
    pub account: String,
    pub reason: Reason,
    #[serde(flatten)]
    pub details: Details,
}

/// `check`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Checked {
    pub code: String,
    pub reason: Reason,
    /// `null` when no account was given and the code is in none.
    pub account: Option<String>,
    #[serde(flatten)]
    pub details: Details,
}

/// `log`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Log {
    pub events: Vec<LogEvent>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct LogEvent {
    pub at: Utc,
    /// `null` or absent for events of the whole vault (`init`, `passwd`).
    #[serde(default)]
    pub account: Option<String>,
    pub event: String,
    /// What the event carries beside its name (`set`, `index`, `reason`…).
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Log {
    /// The event names, oldest first.
    pub(crate) fn kinds(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.event.as_str()).collect()
    }
}

// ------------------------------------------ codes of any alphabet, imports

/// A file of `tests/fixtures/import/`.
pub(crate) fn import_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Every way a normalised code of any alphabet can be written out: plain,
/// and split in two halves by a space or a dash (`1234 5678`, `abcde-12345`).
pub(crate) fn written_forms(code: &str) -> Vec<String> {
    let code = code.to_lowercase();
    let mid = code.len().div_ceil(2);
    let mut forms = vec![code.clone()];
    if code.len() >= 6 && code.is_ascii() {
        for sep in [" ", "-"] {
            forms.push(format!("{}{sep}{}", &code[..mid], &code[mid..]));
        }
    }
    forms
}

/// Whether `text` shows `code` in any written form, in any letter case.
pub(crate) fn shows_code(text: &str, code: &str) -> bool {
    let text = text.to_lowercase();
    written_forms(code)
        .iter()
        .any(|f| text.contains(f.as_str()))
}

impl Env {
    /// Guards codes of any alphabet like the 8-digit ones the harness spots
    /// by itself: from now on no run may print them on standard error.
    pub(crate) fn guard<S: AsRef<str>>(&self, codes: &[S]) {
        for c in codes {
            for form in written_forms(c.as_ref()) {
                self.remember(&form);
            }
        }
    }

    /// `import ACCOUNT --file PATH --json [--replace]`, asserted to succeed;
    /// the codes it read are guarded.
    pub(crate) fn import_file(&self, account: &str, file: &Path, replace: bool) -> Issued {
        let mut cmd = self.cmd(["import", account, "--json", "--file"]).arg(file);
        if replace {
            cmd = cmd.arg("--replace");
        }
        let issued: Issued = cmd.passphrase(PASS).run().ok().json();
        self.guard(&issued.codes);
        issued
    }
}

// ------------------------------------------ several copies of one vault

/// `merge` / `git-merge`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Merged {
    pub merged: Vec<MergedCopy>,
    pub conflicts: Vec<Conflict>,
    #[serde(default)]
    pub skipped: Vec<serde_json::Value>,
    #[serde(default)]
    pub moved: Vec<serde_json::Value>,
}

/// What one copy added.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct MergedCopy {
    pub from: String,
    pub sets: usize,
    pub uses: usize,
    pub revocations: usize,
    pub removals: usize,
    pub events: usize,
}

/// What a merge could not settle: `{"kind", "account", ...details}`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Conflict {
    pub kind: String,
    pub account: String,
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Env {
    /// A second machine with a copy of this env's vault file: its own
    /// temp directory and home, the same passphrase.
    pub(crate) fn copy_to_another_machine(&self) -> Env {
        let other = Env::new();
        fs::copy(self.vault(), other.vault()).expect("copy the vault");
        for s in self.secrets() {
            other.remember(&s);
        }
        other
    }

    /// `merge OTHER --json`, asserted to succeed.
    pub(crate) fn merge(&self, other: &Path) -> Merged {
        self.cmd(["merge", "--json"])
            .arg(other)
            .passphrase(PASS)
            .run()
            .ok()
            .json()
    }
}

impl Env {
    /// What codevault remembers of the vaults this env's runs opened
    /// (`~/.local/state/codevault/seen/*.json`): asserts each file is
    /// whole JSON, and returns how many there are.
    pub(crate) fn memories_are_whole(&self) -> usize {
        let dir = self.path("home/.local/state/codevault/seen");
        let Ok(entries) = fs::read_dir(&dir) else {
            return 0;
        };
        let mut n = 0;
        for e in entries {
            let path = e.expect("read the memory directory").path();
            if path.extension().is_some_and(|x| x == "json") {
                let text = fs::read(&path).expect("read a memory");
                serde_json::from_slice::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{} is torn: {e}", path.display()));
                n += 1;
            }
        }
        n
    }
}
