//! `next --copy` against a real X server (Xvfb), the clipboard read back
//! with `xclip`: the code goes to the clipboard and not to standard output,
//! is marked used first, and is cleared after `CODEVAULT_CLIP_TIME` only if
//! the clipboard still holds it. Without a clipboard nothing is marked.
//!
//! Without Xvfb or xclip the tests say `skipped: why` and pass, except in
//! CI (`CI` set), where `.ci/run` installs them.

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, PASS, exit};

const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// A private X server for one test, killed when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Option<Xvfb> {
        let missing = ["Xvfb", "xclip"]
            .into_iter()
            .find(|tool| which(tool).is_none());
        if let Some(tool) = missing {
            assert!(
                std::env::var_os("CI").is_none(),
                "{tool} is missing in CI (.ci/run installs it)"
            );
            eprintln!("skipped: {tool} is not installed");
            return None;
        }
        // -displayfd: the server picks a free display and says which.
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the display number");
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb said no display");
        Some(Xvfb {
            child,
            display: format!(":{number}"),
        })
    }

    /// The clipboard's text, or `None` when nothing owns it.
    fn clipboard(&self) -> Option<String> {
        let out = self
            .xclip(&["-selection", "clipboard", "-out"])
            .output()
            .expect("run xclip");
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
    }

    /// Copies text as another program would.
    fn copy(&self, text: &str) {
        let mut child = self
            .xclip(&["-selection", "clipboard", "-in"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }

    fn xclip(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("xclip");
        cmd.args(args)
            .env_clear()
            .env("DISPLAY", &self.display)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        cmd
    }

    /// The clearers started by `next --copy` on this display.
    fn clearers(&self) -> Vec<Clearer> {
        let wanted = format!("DISPLAY={}", self.display);
        fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter_map(|pid| {
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let environ = fs::read(format!("/proc/{pid}/environ")).ok()?;
                let mine = environ.split(|&b| b == 0).any(|v| v == wanted.as_bytes());
                let clearing = cmdline
                    .split(|&b| b == 0)
                    .any(|a| a == b"__clear-clipboard");
                (mine && clearing).then_some(Clearer { cmdline, environ })
            })
            .collect()
    }

    /// Waits until every clearer of this display has finished.
    fn wait_for_clearers(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.clearers().is_empty() {
            assert!(Instant::now() < deadline, "the clearer never finished");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Clearer {
    cmdline: Vec<u8>,
    environ: Vec<u8>,
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(PATH)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// A vault with one account of 5 codes; its first code.
fn vault() -> (Env, String) {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    (env, issued.codes[0].clone())
}

fn copy_next<'e>(env: &'e Env, x: &Xvfb, seconds: &str) -> common::Cmd<'e> {
    env.cmd(["next", "github", "--copy"])
        .passphrase(PASS)
        .env("DISPLAY", &x.display)
        .env("PATH", PATH)
        .env("CODEVAULT_CLIP_TIME", seconds)
}

#[test]
fn the_code_goes_to_the_clipboard_marked_and_is_cleared_later() {
    let Some(x) = Xvfb::start() else { return };
    let (env, first) = vault();
    // Long enough that a loaded machine still finds the clearer waiting.
    let run = copy_next(&env, &x, "10").run();
    run.ok();
    // Not on standard output; stderr says which code, not the code.
    assert_eq!(run.stdout, "", "{run}");
    let said = run.notes().join("\n");
    assert!(said.contains("copied code 1 of 'github'"), "{run}");
    assert!(said.contains("cleared in 10 s"), "{run}");
    assert_eq!(x.clipboard().as_deref(), Some(first.as_str()));
    // Marked: the next unused code is the second.
    let shown = env.show_all("github");
    assert!(shown.codes[0].used.is_some());
    assert_eq!(shown.unused().len(), 4);
    // The clearer holds the code on neither its command line nor its
    // environment (both readable by `ps`).
    let clearers = x.clearers();
    assert_eq!(clearers.len(), 1);
    for c in &clearers {
        for bytes in [&c.cmdline, &c.environ] {
            assert!(!String::from_utf8_lossy(bytes).contains(&first));
        }
        // Nor does the passphrase linger in it for the wait.
        assert!(!String::from_utf8_lossy(&c.environ).contains(PASS));
    }
    x.wait_for_clearers();
    let after = x.clipboard().unwrap_or_default();
    assert!(!after.contains(&first), "still on the clipboard: {after:?}");
}

#[test]
fn what_was_copied_meanwhile_is_left_alone() {
    let Some(x) = Xvfb::start() else { return };
    let (env, first) = vault();
    copy_next(&env, &x, "2").run().ok();
    assert_eq!(x.clipboard().as_deref(), Some(first.as_str()));
    x.copy("something else");
    x.wait_for_clearers();
    assert_eq!(x.clipboard().as_deref(), Some("something else"));
}

#[test]
fn json_says_what_was_copied_without_the_code() {
    let Some(x) = Xvfb::start() else { return };
    let (env, first) = vault();
    let run = copy_next(&env, &x, "1").arg("--json").run();
    run.ok();
    let v: serde_json::Value = run.json();
    assert_eq!(v["account"], "github");
    assert_eq!(v["index"], 1);
    assert_eq!(v["copied"], true);
    assert_eq!(v["remaining"], 4);
    assert!(v.get("code").is_none(), "{run}");
    assert!(!run.stdout.contains(&first));
    x.wait_for_clearers();
}

#[test]
fn without_a_clipboard_nothing_is_marked() {
    let (env, _) = vault();
    let before = env.bytes();
    // No display at all.
    env.cmd(["next", "github", "--copy"])
        .passphrase(PASS)
        .env("PATH", PATH)
        .run()
        .fails(exit::FAILURE, "no clipboard to copy to")
        .hint_says("nothing was marked");
    env.assert_unchanged(&before);
    // A display, but no clipboard tool on the PATH.
    env.cmd(["next", "github", "--copy"])
        .passphrase(PASS)
        .env("DISPLAY", ":99")
        .env("PATH", env.dir())
        .run()
        .fails(exit::FAILURE, "xclip is not installed");
    env.assert_unchanged(&before);
    // xclip is there, the display does not answer (an ssh session's
    // leftover DISPLAY).
    if which("xclip").is_some() {
        env.cmd(["next", "github", "--copy"])
            .passphrase(PASS)
            .env("DISPLAY", ":7999")
            .env("PATH", PATH)
            .run()
            .fails(exit::FAILURE, "the X display does not answer");
        env.assert_unchanged(&before);
    }
    assert!(env.show_all("github").used().is_empty());
}

#[test]
fn a_bad_clip_time_is_refused_before_anything() {
    let (env, _) = vault();
    let before = env.bytes();
    for bad in ["0", "soon", "99999"] {
        env.cmd(["next", "github", "--copy"])
            .passphrase(PASS)
            .env("DISPLAY", ":99")
            .env("PATH", PATH)
            .env("CODEVAULT_CLIP_TIME", bad)
            .run()
            .fails(exit::USAGE, "CODEVAULT_CLIP_TIME");
    }
    env.assert_unchanged(&before);
}

#[test]
fn a_clipboard_that_fails_after_the_mark_says_where_the_code_is() {
    let (env, _) = vault();
    // An xclip that answers the check but fails to copy.
    let bin = env.path("bin");
    fs::create_dir(&bin).unwrap();
    let fake = bin.join("xclip");
    fs::write(
        &fake,
        "#!/bin/sh\ncase \"$*\" in *-out*) exit 0 ;; esac\ncat >/dev/null\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let run = env
        .cmd(["next", "github", "--copy"])
        .passphrase(PASS)
        .env("DISPLAY", ":7999")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .run();
    run.fails(
        exit::FAILURE,
        "code 1 of 'github' is marked used, but the clipboard failed",
    )
    .hint_says("codevault show github --all");
    assert_eq!(run.stdout, "");
    // The mark was durable before the code left: it stays.
    assert_eq!(env.show_all("github").used().len(), 1);
}
