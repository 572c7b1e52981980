//! The system calls the agent needs that std does not offer: the user id,
//! a socket peer's credentials, and a new session for the detached agent.
//! All of the agent's unsafe code is here, each block with its reason; the
//! process hardening (no core dumps, not dumpable, locked memory) is
//! [`crate::sys`]'s.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The real user id of this process.
pub(super) fn uid() -> u32 {
    // SAFETY: getuid(2) takes no arguments and cannot fail.
    unsafe { libc::getuid() }
}

/// The user id of the process at the other end of a connected Unix socket,
/// as the kernel recorded it when the connection was made (SO_PEERCRED):
/// it cannot be forged by the peer.
#[cfg(target_os = "linux")]
pub(super) fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: the fd is a live socket owned by `stream`; `cred` and `len`
    // are live locals of the size and type SO_PEERCRED writes.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if len as usize != std::mem::size_of::<libc::ucred>() {
        return Err(io::Error::other("short SO_PEERCRED answer"));
    }
    Ok(cred.uid)
}

/// The same from getpeereid(3), where there is no SO_PEERCRED (the BSDs,
/// macOS).
#[cfg(not(target_os = "linux"))]
pub fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: the fd is a live socket owned by `stream`; both pointers are
    // to live locals.
    if unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(uid)
}

/// Makes `cmd` start its process in a new session: the agent has no
/// controlling terminal and outlives the terminal that started it.
pub(super) fn in_new_session(cmd: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only
    // calls setsid(2), which takes no pointers and is async-signal-safe, as
    // the code between fork and exec must be.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
