//! The system calls the agent needs that std does not offer: the user id,
//! a socket peer's credentials, a new session for the detached agent, and
//! the process hardening (no core dumps, not dumpable, locked key memory).
//! All of the agent's unsafe code is here, each block with its reason.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

/// The real user id of this process.
pub fn uid() -> u32 {
    // SAFETY: getuid(2) takes no arguments and cannot fail.
    unsafe { libc::getuid() }
}

/// The user id of the process at the other end of a connected Unix socket,
/// as the kernel recorded it when the connection was made (SO_PEERCRED):
/// it cannot be forged by the peer.
pub fn peer_uid(stream: &UnixStream) -> io::Result<u32> {
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

/// In the forked child, before exec: a new session, so the agent has no
/// controlling terminal and outlives the terminal that started it.
pub fn new_session() -> io::Result<()> {
    // SAFETY: setsid(2) takes no pointers and is async-signal-safe, as the
    // code between fork and exec must be.
    if unsafe { libc::setsid() } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

// TODO(harden): the minimum the agent needs until the hardening module of
// issue 10 (branch `harden`) lands; then call that one and delete this.
/// No core dumps (RLIMIT_CORE 0, hard limit too) and not dumpable
/// (PR_SET_DUMPABLE 0: no core, and no ptrace or /proc/<pid>/mem by other
/// processes of the same user). Best effort: a failure is not fatal, the
/// agent is still useful, and there is nobody to tell.
pub fn harden_process() {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `zero` is a live, initialised rlimit.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) };
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes no pointers.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
}

/// Locks the pages of `region` into memory (never swapped out) and keeps
/// them out of a core dump. Best effort: false when the system refused
/// (RLIMIT_MEMLOCK), which leaves the region as ordinary memory.
pub fn lock_memory(region: &[u8]) -> bool {
    let (ptr, len) = (region.as_ptr().cast::<libc::c_void>(), region.len());
    // SAFETY: the range is one live allocation that the caller keeps alive
    // (and unmoved) until `unlock_memory`; mlock only pins its pages.
    let locked = unsafe { libc::mlock(ptr, len) } == 0;
    let page = page_size();
    let start = ptr as usize / page * page;
    let end = (ptr as usize + len).div_ceil(page) * page;
    // SAFETY: madvise on whole pages that hold part of a live allocation;
    // MADV_DONTDUMP only changes what a core dump would contain.
    unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTDUMP) };
    locked
}

/// Undoes `lock_memory` once the region has been zeroed.
pub fn unlock_memory(region: &[u8]) {
    // SAFETY: as in `lock_memory`; munlock of a range we locked.
    unsafe { libc::munlock(region.as_ptr().cast(), region.len()) };
}

fn page_size() -> usize {
    // SAFETY: sysconf takes no pointers.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}
