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

use std::fs;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

// ------------------------------------------------- a pseudo-terminal of our own

/// A pseudo-terminal: the master side for the test, the slave's path for
/// the child's controlling terminal, and a slave descriptor to read its
/// settings.
pub(crate) struct Pty {
    pub master: fs::File,
    pub slave: fs::File,
    pub slave_path: std::ffi::CString,
}

pub(crate) fn open_pty() -> Option<Pty> {
    use std::os::fd::FromRawFd;
    // SAFETY: posix_openpt/grantpt/unlockpt/ptsname_r on a descriptor we
    // own, ptsname_r writing into a buffer of the length given.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        if master < 0 || libc::grantpt(master) != 0 || libc::unlockpt(master) != 0 {
            return None;
        }
        let mut name = [0 as libc::c_char; 128];
        if libc::ptsname_r(master, name.as_mut_ptr(), name.len()) != 0 {
            return None;
        }
        let slave_path = std::ffi::CStr::from_ptr(name.as_ptr()).to_owned();
        let slave = libc::open(
            slave_path.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        if slave < 0 {
            return None;
        }
        Some(Pty {
            master: fs::File::from_raw_fd(master),
            slave: fs::File::from_raw_fd(slave),
            slave_path,
        })
    }
}

pub(crate) fn local_flags(tty: &fs::File) -> libc::tcflag_t {
    use std::os::fd::AsRawFd;
    // SAFETY: termios is plain data; tcgetattr fills it.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(tty.as_raw_fd(), &mut t), 0);
        t.c_lflag
    }
}

/// Reads from the master until `text` has appeared (or a minute passed).
pub(crate) fn read_until(master: &mut fs::File, text: &str) -> String {
    use std::os::fd::AsRawFd;
    let mut seen = Vec::new();
    let start = Instant::now();
    while !String::from_utf8_lossy(&seen).contains(text) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {text:?} in {seen:?}"
        );
        let mut poll = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, on the stack.
        if unsafe { libc::poll(&mut poll, 1, 100) } == 1 {
            let mut buf = [0u8; 256];
            match master.read(&mut buf) {
                Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Makes the pseudo-terminal at `path` the command's controlling terminal
/// (the harness has already made the child a session leader).
pub(crate) fn make_controlling(cmd: &mut Command, path: std::ffi::CString) {
    // SAFETY: after the harness's setsid, open(2) and ioctl(2) make the
    // pseudo-terminal the controlling terminal; both async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let fd = libc::open(path.as_ptr(), libc::O_RDWR);
            if fd < 0 || libc::ioctl(fd, libc::TIOCSCTTY, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::close(fd);
            Ok(())
        });
    }
}

/// A conversation on a pseudo-terminal that is the command's controlling
/// terminal and its standard output and error: for each `(shown, typed)`,
/// waits until `shown` appears, then types `typed`. Returns the exit code
/// and all the terminal showed, in order; `None` without a pseudo-terminal.
pub(crate) fn converse(mut cmd: Command, script: &[(&str, &str)]) -> Option<TtyRun> {
    let mut pty = open_pty()?;
    let path = pty.slave_path.clone();
    make_controlling(&mut cmd, path);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(pty.slave.try_clone().unwrap())
        .stderr(pty.slave.try_clone().unwrap())
        .spawn()
        .unwrap();
    let mut output = String::new();
    for (shown, typed) in script {
        output += &read_until(&mut pty.master, shown);
        pty.master.write_all(typed.as_bytes()).unwrap();
    }
    let start = Instant::now();
    let status = loop {
        output += &drain(&mut pty.master);
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("still running after a minute; the terminal showed {output:?}");
        }
    };
    output += &drain(&mut pty.master);
    Some(TtyRun {
        code: status.code().expect("exited"),
        output,
    })
}

/// What the master can read now (waiting up to 100 ms for the first byte).
fn drain(master: &mut fs::File) -> String {
    use std::os::fd::AsRawFd;
    let mut seen = Vec::new();
    loop {
        let mut poll = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, on the stack.
        if unsafe { libc::poll(&mut poll, 1, 100) } != 1 {
            break;
        }
        let mut buf = [0u8; 256];
        match master.read(&mut buf) {
            Ok(n) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}
