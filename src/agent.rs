//! The key agent: `unlock` derives a vault's keys once and hands them to a
//! small per-user process (this same binary, `codevault --run-agent DIR`,
//! started in the background and detached); later commands ask it before
//! prompting.
//!
//! What it holds: derived keys only, never the passphrase, each named by
//! what makes it valid for a file ([`KeyId`]: cost, salt, key check), so a
//! `passwd`, a new salt or another vault at the same path never gets a
//! stale key, and a key handed back is checked against the header's key
//! check before use. Who it answers: only processes of its own user, on a
//! socket in `$XDG_RUNTIME_DIR/codevault/` (else `codevault-<uid>` in the
//! temp directory), in a directory that must be the user's own and 0700;
//! the kernel's peer credentials are checked on every connection, by both
//! ends. How long: each key until it has been unused for its timeout
//! (`unlock --timeout`, refreshed by every use), until `lock`, or until the
//! agent dies; the agent exits when it holds no key.
//!
//! The client side never makes a command wait: an agent that is absent,
//! stopped or speaking another protocol costs at most a few hundred
//! milliseconds and the command goes on to the prompt. Explicit passphrase
//! sources win over the agent, and `CODEVAULT_AGENT=off` ignores it.
//!
//! The runtime directory, socket and lock file live here rather than in
//! `store`: they are the agent's, not the vault's.

use std::env;
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::crypto::DerivedKeys;
use crate::envelope::Header;
use crate::error::{Error, Result};
use crate::secret::Key;
use crate::session::Keys;

pub mod protocol;
mod server;
#[allow(unsafe_code)]
mod unix;

pub use protocol::KeyId;
pub use server::serve;

use protocol::{KeyBytes, Request, Response};

/// How `unlock` starts the agent: `codevault --run-agent DIR`, exactly.
const MODE_FLAG: &str = "--run-agent";

/// `CODEVAULT_AGENT=off` ignores the agent.
pub const AGENT_ENV: &str = "CODEVAULT_AGENT";
const SOCKET: &str = "agent.sock";
const LOCK_FILE: &str = "agent.lock";
/// How long a command waits to connect to the agent, then for its answer.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const REPLY_TIMEOUT: Duration = Duration::from_millis(500);
/// How long `unlock` waits for an agent it started to listen.
const START_WAIT: Duration = Duration::from_secs(3);

/// How long a key may go unused before the agent forgets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout(Duration);

impl Timeout {
    pub const DEFAULT: Timeout = Timeout(Duration::from_secs(10 * 60));
    pub const MIN: Duration = Duration::from_secs(1);
    pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

    /// `90s`, `30m`, `2h`, `1h30m` (jiff's friendly durations, or ISO 8601
    /// `PT30M`), whole seconds from 1 s to 24 h.
    pub fn parse(raw: &str) -> Result<Timeout> {
        let bad = || Error::AgentTimeout {
            given: raw.to_string(),
        };
        let d: jiff::SignedDuration = raw.trim().parse().map_err(|_| bad())?;
        let d = Duration::try_from(d).map_err(|_| bad())?;
        if d.subsec_nanos() != 0 || !(Self::MIN..=Self::MAX).contains(&d) {
            return Err(bad());
        }
        Ok(Timeout(d))
    }

    pub fn as_secs(self) -> u32 {
        u32::try_from(self.0.as_secs()).expect("at most 24 h")
    }

    /// `10m`, `90s`, `1h30m`: as a person would type it.
    pub fn human(self) -> String {
        let s = self.0.as_secs();
        let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
        let mut out = String::new();
        for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
            if n > 0 {
                out.push_str(&format!("{n}{unit}"));
            }
        }
        out
    }
}

/// The runtime directory when this process was started as the agent
/// (`codevault --run-agent DIR`, nothing more), else `None`.
pub fn mode() -> Option<PathBuf> {
    let mut args = env::args_os().skip(1);
    match (args.next(), args.next(), args.next()) {
        (Some(flag), Some(dir), None) if flag == MODE_FLAG => Some(PathBuf::from(dir)),
        _ => None,
    }
}

/// Whether `CODEVAULT_AGENT=off` (or `0`, `no`, `false`) turns it off.
pub fn is_off() -> bool {
    env::var_os(AGENT_ENV).is_some_and(|v| {
        matches!(
            v.to_string_lossy().to_ascii_lowercase().as_str(),
            "off" | "0" | "no" | "false"
        )
    })
}

/// The keys the agent holds for a file with this header, if it holds them
/// and they carry the header's key check. Never starts an agent, never
/// fails: anything amiss is "no key", and the caller prompts.
pub fn keys_for(header: &Header) -> Option<Keys> {
    if is_off() {
        return None;
    }
    let mut stream = connect(&runtime_dir())?;
    match exchange(&mut stream, &Request::Get(KeyId::of(header))).ok()? {
        Response::Key(bytes) => Keys::from_agent(
            header,
            DerivedKeys {
                encryption: Key::from_bytes(bytes.encryption),
                check: bytes.check,
            },
        ),
        _ => None,
    }
}

/// Hands these keys to the agent for `timeout`, starting it if need be.
pub fn store(keys: &Keys, timeout: Timeout) -> Result<()> {
    if is_off() {
        return Err(Error::AgentOff);
    }
    let dir = prepare_dir()?;
    let derived = keys.derived();
    let request = Request::Store {
        id: KeyId::from_parts(keys.kdf(), keys.salt(), &derived.check),
        keys: KeyBytes {
            encryption: *derived.encryption.expose(),
            check: derived.check,
        },
        timeout_secs: timeout.as_secs(),
    };
    // An agent that is just exiting (its last key expired) closes without
    // an answer; the next round starts a new one.
    for _ in 0..3 {
        if let Some(mut stream) = connect(&dir)
            && let Ok(Response::Done(_)) = exchange(&mut stream, &request)
        {
            return Ok(());
        }
        start(&dir)?;
    }
    Err(Error::Agent {
        detail: format!("it did not answer on {}", dir.join(SOCKET).display()),
    })
}

/// Makes the agent forget one key, if it runs; never starts one.
pub fn forget(id: KeyId) {
    if let Some(mut stream) = connect(&runtime_dir()) {
        let _ = exchange(&mut stream, &Request::Forget(id));
    }
}

/// Makes the agent forget every key: how many it held, or `None` when no
/// agent was running. Works with the agent "off" too: forgetting is safe.
pub fn lock() -> Result<Option<u32>> {
    let Some(mut stream) = connect(&runtime_dir()) else {
        return Ok(None);
    };
    match exchange(&mut stream, &Request::ForgetAll) {
        Ok(Response::Done(n)) => Ok(Some(n)),
        _ => Err(Error::Agent {
            detail: "it did not confirm that it forgot the keys".into(),
        }),
    }
}

/// `$XDG_RUNTIME_DIR/codevault` when that is set (and absolute), else
/// `codevault-<uid>` in the temp directory. Not created here.
pub fn runtime_dir() -> PathBuf {
    match env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(base) if base.is_absolute() => base.join("codevault"),
        _ => env::temp_dir().join(format!("codevault-{}", unix::uid())),
    }
}

/// The runtime directory, created 0700 if missing, and checked.
fn prepare_dir() -> Result<PathBuf> {
    let dir = runtime_dir();
    match DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io("create the agent's directory", &dir, e)),
    }
    check_dir(&dir).map_err(|e| Error::io("use the agent's directory", &dir, e))?;
    Ok(dir)
}

/// The directory must be a real directory (not a link), the user's own,
/// and closed to everyone else: in a shared temp directory anyone could
/// have made it first.
pub(crate) fn check_dir(dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::other("it is not a directory"));
    }
    if meta.uid() != unix::uid() {
        return Err(io::Error::other(format!(
            "it belongs to user {}, not to you",
            meta.uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(io::Error::other(format!(
            "its mode is {:o}; it must be 700",
            meta.mode() & 0o777
        )));
    }
    Ok(())
}

/// A connection to a live agent of this user, or `None` at once when there
/// is none: no socket, a stale socket, a directory that is not ours, an
/// agent that does not accept in time or that runs as someone else.
fn connect(dir: &Path) -> Option<UnixStream> {
    let path = dir.join(SOCKET);
    // Without a socket (no agent ever ran), nothing more to try.
    fs::symlink_metadata(&path).ok()?;
    check_dir(dir).ok()?;
    // std has no connect timeout for Unix sockets, and connect blocks when
    // a stopped agent's backlog is full: connect in a thread, and leave it
    // behind if it does not finish in time.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(UnixStream::connect(path));
    });
    let stream = rx.recv_timeout(CONNECT_TIMEOUT).ok()?.ok()?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(REPLY_TIMEOUT)).ok()?;
    (unix::peer_uid(&stream).ok()? == unix::uid()).then_some(stream)
}

fn exchange(stream: &mut UnixStream, request: &Request) -> io::Result<Response> {
    protocol::write_frame(stream, &request.encode())?;
    let body = protocol::read_frame(stream)?;
    Response::decode(&body)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))
}

/// Starts an agent in the background and waits until a connection to the
/// socket succeeds. Two `unlock`s at once may both start one: the agent
/// takes an exclusive lock before it binds, and the second one to start
/// exits at once, leaving the first.
fn start(dir: &Path) -> Result<()> {
    let exe = env::current_exe().map_err(|e| Error::io("find", "the codevault program", e))?;
    let mut cmd = Command::new(&exe);
    // A clean environment: the agent must never see CODEVAULT_PASSPHRASE.
    cmd.env_clear()
        .arg(MODE_FLAG)
        .arg(dir)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    unix::in_new_session(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io("start the key agent", &exe, e))?;
    let began = Instant::now();
    while began.elapsed() < START_WAIT {
        if connect(dir).is_some() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    // An agent that lost the race has exited: reap it. The winner runs on
    // and is adopted by init when this process ends.
    let _ = child.try_wait();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_durations_from_one_second_to_a_day() {
        let secs = |raw: &str| Timeout::parse(raw).map(Timeout::as_secs).ok();
        assert_eq!(secs("10m"), Some(600));
        assert_eq!(secs("90s"), Some(90));
        assert_eq!(secs("2h"), Some(7200));
        assert_eq!(secs("1h30m"), Some(5400));
        assert_eq!(secs("PT5M"), Some(300));
        assert_eq!(secs("1s"), Some(1));
        assert_eq!(secs("24h"), Some(86400));
        for bad in ["", "10", "0s", "-5m", "25h", "1.5s", "soon", "99999999999h"] {
            assert_eq!(secs(bad), None, "{bad:?} accepted");
        }
        let e = Timeout::parse("soon").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("from 1s to 24h"), "{e}");
        assert_eq!(Timeout::DEFAULT.human(), "10m");
        assert_eq!(Timeout::parse("1h30m").unwrap().human(), "1h30m");
        assert_eq!(Timeout::parse("3601s").unwrap().human(), "1h1s");
    }

    #[test]
    fn the_directory_must_be_ours_and_closed() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        check_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        assert!(check_dir(&dir).is_err());
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check_dir(&link).is_err(), "a link was followed");
        assert!(check_dir(&tmp.path().join("missing")).is_err());
    }
}
