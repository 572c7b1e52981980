//! The clipboard of `next --copy`, through the desktop's own tools:
//! `wl-copy`/`wl-paste` on Wayland, `xclip` on X11, as `pass -c` does.
//!
//! The tools, not a library: the X11 clipboard belongs to a process that
//! must stay alive to serve it after codevault exits, and both tools fork
//! such a process themselves. The code only ever travels through a pipe,
//! never a command line or an environment variable (both readable by other
//! users' `ps`). Clearing is done later by this same binary started in the
//! background in a hidden mode (`__clear-clipboard SECONDS`, the code on
//! its standard input), and only if the clipboard still holds that code:
//! whatever was copied meanwhile is left alone.

use std::env;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// How long a copied code stays, unless `CODEVAULT_CLIP_TIME` says.
pub const DEFAULT_CLIP_TIME: u64 = 45;
pub const CLIP_TIME_ENV: &str = "CODEVAULT_CLIP_TIME";
/// The first argument that starts the binary as the clearer.
pub const CLEAR_COMMAND: &str = "__clear-clipboard";
/// What the clearer keeps of the environment: how to reach the display
/// and find the tools, nothing else (no passphrase lingers for 45 s).
const CLEARER_ENV: [&str; 6] = [
    "PATH",
    "HOME",
    "DISPLAY",
    "XAUTHORITY",
    "WAYLAND_DISPLAY",
    "XDG_RUNTIME_DIR",
];
/// More than any code; the clearer reads no further.
const MAX_CODE: u64 = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clipboard {
    Wayland,
    X11,
}

/// `CODEVAULT_CLIP_TIME`, checked: 1 to 3600 seconds.
pub fn clip_time(value: Option<&OsStr>) -> Result<u64> {
    let Some(v) = value else {
        return Ok(DEFAULT_CLIP_TIME);
    };
    v.to_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|s| (1..=3600).contains(s))
        .ok_or(Error::ClipTime)
}

impl Clipboard {
    /// The clipboard of this session, if there is one and its tool is
    /// installed. Asked before anything is marked, so that a missing
    /// clipboard changes nothing.
    pub fn detect() -> Result<Clipboard> {
        let set = |var: &str| env::var_os(var).is_some_and(|v| !v.is_empty());
        let (wayland, x11) = (set("WAYLAND_DISPLAY"), set("DISPLAY"));
        if wayland && find("wl-copy").is_some() && find("wl-paste").is_some() {
            return Ok(Clipboard::Wayland);
        }
        if x11 && find("xclip").is_some() {
            return Ok(Clipboard::X11);
        }
        let reason = match (wayland, x11) {
            (false, false) => "neither WAYLAND_DISPLAY nor DISPLAY is set",
            (true, false) => "wl-copy and wl-paste (wl-clipboard) are not installed",
            (false, true) => "xclip is not installed",
            (true, true) => "neither wl-clipboard nor xclip is installed",
        };
        Err(Error::NoClipboard {
            reason: reason.into(),
        })
    }

    /// Checks the display answers, without reading the clipboard's content
    /// (only the list of its formats): a `DISPLAY` left over from an ssh
    /// session must fail before a code is marked, not after. Only the
    /// tools' own "cannot connect" is taken as no clipboard; anything else
    /// is left for the copy to report.
    pub fn probe(self) -> Result<()> {
        let (mut cmd, unreachable) = match self {
            Clipboard::Wayland => (tool("wl-paste", &["--list-types"]), "Failed to connect"),
            Clipboard::X11 => (
                tool(
                    "xclip",
                    &["-selection", "clipboard", "-out", "-target", "TARGETS"],
                ),
                "Can't open display",
            ),
        };
        let out = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| Error::NoClipboard {
                reason: format!("the clipboard tool did not start: {e}"),
            })?;
        if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains(unreachable) {
            return Err(Error::NoClipboard {
                reason: match self {
                    Clipboard::Wayland => "the Wayland display does not answer".into(),
                    Clipboard::X11 => "the X display does not answer".into(),
                },
            });
        }
        Ok(())
    }

    /// Puts `text` on the clipboard. The tool forks a process that serves
    /// it; that process must not hold our standard streams open.
    pub fn copy(self, text: &str) -> io::Result<()> {
        let mut cmd = match self {
            Clipboard::Wayland => tool("wl-copy", &[]),
            Clipboard::X11 => tool("xclip", &["-selection", "clipboard", "-in"]),
        };
        feed(&mut cmd, text.as_bytes())
    }

    /// What the clipboard holds now.
    pub fn read(self) -> io::Result<Zeroizing<Vec<u8>>> {
        let mut cmd = match self {
            Clipboard::Wayland => tool("wl-paste", &["--no-newline"]),
            Clipboard::X11 => tool("xclip", &["-selection", "clipboard", "-out"]),
        };
        let out = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).output()?;
        Ok(Zeroizing::new(out.stdout))
    }

    /// Empties the clipboard.
    pub fn clear(self) -> io::Result<()> {
        match self {
            Clipboard::Wayland => {
                let status = tool("wl-copy", &["--clear"])
                    .stdin(Stdio::null())
                    .status()?;
                check(status)
            }
            Clipboard::X11 => feed(&mut tool("xclip", &["-selection", "clipboard", "-in"]), b""),
        }
    }
}

/// Starts the clearer: this binary, detached in its own process group,
/// with the code on its standard input.
pub fn clear_later(seconds: u64, code: &str) -> io::Result<()> {
    let mut cmd = Command::new(env::current_exe()?);
    cmd.env_clear();
    for var in CLEARER_ENV {
        if let Some(v) = env::var_os(var) {
            cmd.env(var, v);
        }
    }
    cmd.arg(CLEAR_COMMAND)
        .arg(seconds.to_string())
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(code.as_bytes())?;
    // Not waited for: it outlives us, and init reaps it.
    Ok(())
}

/// When started as the clearer (`codevault __clear-clipboard SECONDS`),
/// does its work and gives the exit code; otherwise `None`.
pub fn clearer(mut args: impl Iterator<Item = OsString>) -> Option<u8> {
    args.next();
    if args.next()? != CLEAR_COMMAND {
        return None;
    }
    let seconds = args.next().and_then(|s| clip_time(Some(&s)).ok());
    Some(match seconds {
        Some(s) if args.next().is_none() => {
            clear_when_due(s);
            0
        }
        _ => crate::error::exit::USAGE,
    })
}

/// Waits, then clears the clipboard if it still holds the code read from
/// standard input. Quiet: nobody is watching.
fn clear_when_due(seconds: u64) {
    let mut code = Zeroizing::new(Vec::new());
    if io::stdin()
        .lock()
        .take(MAX_CODE)
        .read_to_end(&mut code)
        .is_err()
        || code.is_empty()
    {
        return;
    }
    std::thread::sleep(Duration::from_secs(seconds));
    let Ok(clipboard) = Clipboard::detect() else {
        return;
    };
    let now = clipboard.read().unwrap_or_default();
    if now.trim_ascii() == code.trim_ascii() {
        let _ = clipboard.clear();
    }
}

fn tool(program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}

/// Runs a copying tool with `bytes` on its standard input.
fn feed(cmd: &mut Command, bytes: &[u8]) -> io::Result<()> {
    let mut child = cmd.stdin(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    let written = stdin.write_all(bytes);
    drop(stdin);
    let status = child.wait()?;
    written?;
    check(status)
}

fn check(status: std::process::ExitStatus) -> io::Result<()> {
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "the clipboard tool failed ({status})"
        )))
    }
}

/// The program's path on `PATH`, if it is there.
fn find(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_its_own_first_argument_starts_the_clearer() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>().into_iter();
        assert_eq!(clearer(args(&["codevault", "list"])), None);
        assert_eq!(clearer(args(&["codevault"])), None);
        assert_eq!(
            clearer(args(&["codevault", "--vault", CLEAR_COMMAND])),
            None
        );
        assert_eq!(
            clearer(args(&["codevault", CLEAR_COMMAND, "soon"])),
            Some(2)
        );
        assert_eq!(
            clearer(args(&["codevault", CLEAR_COMMAND, "5", "x"])),
            Some(2)
        );
    }

    #[test]
    fn clip_time_is_bounded() {
        assert_eq!(clip_time(None).unwrap(), 45);
        assert_eq!(clip_time(Some(OsStr::new("10"))).unwrap(), 10);
        for bad in ["0", "3601", "-1", "ten", "1.5", ""] {
            assert!(clip_time(Some(OsStr::new(bad))).is_err(), "{bad:?}");
        }
    }
}
