//! What the process does to keep its secrets out of reach of anyone but
//! itself: no core dumps, no same-user debugger, no swap where the limit
//! allows, and memory that holds secrets left out of any dump.
//!
//! Everything here is best effort and never a failure: a refused `mlock`
//! (the `RLIMIT_MEMLOCK` limit, 8 MiB by default on current Linux, 64 KiB
//! on older systems) or an unknown `madvise` advice leaves the program as
//! safe as it was without the call, and the program goes on. What none of
//! this stops: root, the kernel (a kernel debugger, `/dev/mem`, a
//! hypervisor), or a debugger attached before `main` runs.
//!
//! This is one of the two modules allowed unsafe code (with
//! `crypto::memory`); every block says why it is sound. The calls are
//! Linux's; on other Unix systems the limits still apply and the Linux-only
//! calls report that they did nothing.

use std::io;

/// What [`harden_process`] managed to do. Each field is `true` when the
/// protection is in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hardening {
    /// `RLIMIT_CORE` is 0, soft and hard: no core file, even after a crash
    /// or a signal that would write one.
    pub core_dumps_off: bool,
    /// `PR_SET_DUMPABLE` is 0: no core dump through a pipe handler either,
    /// no `ptrace` attach and no `/proc/<pid>/mem` for processes of the
    /// same user.
    pub not_dumpable: bool,
}

/// Turns core dumps off and makes the process not dumpable. Call it first
/// thing in `main`, before any secret is read; it cannot fail, and it says
/// what it achieved.
pub fn harden_process() -> Hardening {
    Hardening {
        core_dumps_off: core_dumps_off().is_ok(),
        not_dumpable: not_dumpable().is_ok(),
    }
}

fn core_dumps_off() -> io::Result<()> {
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit reads the one struct it is given, which lives on
    // the stack for the whole call.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(target_os = "linux")]
fn not_dumpable() -> io::Result<()> {
    // SAFETY: PR_SET_DUMPABLE takes its value by integer; no pointer is
    // passed, and the unused arguments are zero as prctl(2) asks.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn not_dumpable() -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Locks the pages that hold `bytes` in memory so they are never written to
/// swap. Best effort: `false` when the kernel refused (the limit, or an
/// empty slice). The pages stay locked until they are unmapped or the
/// process ends; locks do not nest, so unlocking one buffer would unlock a
/// neighbour on the same page, and this never unlocks.
pub fn lock_in_memory(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    // SAFETY: mlock only changes how the kernel backs the pages of a range
    // this process owns (the slice is borrowed for the call); it reads and
    // writes no memory, and the kernel rounds the range to whole pages.
    unsafe { libc::mlock(bytes.as_ptr().cast(), bytes.len()) == 0 }
}

/// Locks all of the process's memory, present and future, as a long-lived
/// holder of keys (the agent) wants. Best effort, `false` when refused.
/// Not for a command that derives a key: with `MCL_FUTURE`, Argon2's
/// working memory (up to 4 GiB) would have to fit under the lock limit.
pub fn lock_all_memory() -> bool {
    // SAFETY: mlockall takes flags only and touches no memory of ours.
    unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) == 0 }
}

/// Advises the kernel to leave the pages holding `bytes` out of any core
/// dump (`MADV_DONTDUMP`), should dumps be turned back on or the process
/// crash before [`harden_process`] ran. The advice covers whole pages, so
/// neighbouring data on them is left out too, which only makes a dump
/// smaller. `false` when the advice was not taken (an empty slice, a
/// kernel without it, another system than Linux).
pub fn exclude_from_dumps(bytes: &[u8]) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some((start, len)) = page_range(bytes.as_ptr() as usize, bytes.len()) else {
            return false;
        };
        // SAFETY: madvise gets a page-aligned range covering only pages
        // that hold part of `bytes`, which are mapped as long as the slice
        // is borrowed. MADV_DONTDUMP changes what a core dump includes,
        // never what the memory holds.
        unsafe { libc::madvise(start as *mut libc::c_void, len, libc::MADV_DONTDUMP) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = bytes;
        false
    }
}

/// Locks `bytes` in memory and leaves them out of dumps: what a buffer that
/// will hold a secret gets. Best effort, like both calls.
pub fn protect_secret(bytes: &[u8]) {
    lock_in_memory(bytes);
    exclude_from_dumps(bytes);
}

/// The whole pages that hold `len` bytes at `addr`: (start, length).
#[cfg(target_os = "linux")]
fn page_range(addr: usize, len: usize) -> Option<(usize, usize)> {
    if len == 0 {
        return None;
    }
    let page = page_size();
    let start = addr - addr % page;
    let end = addr.checked_add(len)?.checked_next_multiple_of(page)?;
    Some((start, end - start))
}

#[cfg(target_os = "linux")]
fn page_size() -> usize {
    // SAFETY: sysconf takes an integer name and touches no memory of ours.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn page_range_covers_whole_pages_around_the_bytes() {
        let p = page_size();
        assert_eq!(page_range(p + 10, 5), Some((p, p)));
        assert_eq!(page_range(p - 1, 2), Some((0, 2 * p)));
        assert_eq!(page_range(3 * p, p), Some((3 * p, p)));
        assert_eq!(page_range(p, 0), None);
        assert_eq!(page_range(usize::MAX - 1, 10), None);
    }

    /// The advice reaches the kernel: the mapping holding the buffer is
    /// marked `dd` (do not dump) in /proc/self/smaps.
    #[cfg(target_os = "linux")]
    #[test]
    fn excluded_memory_is_marked_do_not_dump() {
        let buf = vec![7u8; 3 * page_size()];
        assert!(exclude_from_dumps(&buf));
        let addr = buf.as_ptr() as usize + page_size();
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        let mut flags = None;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((a, b)) = range.split_once('-')
                && let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
            {
                inside = a <= addr && addr < b;
            } else if inside && let Some(v) = line.strip_prefix("VmFlags:") {
                flags = Some(v.to_string());
            }
        }
        let flags = flags.expect("the buffer's mapping is in smaps");
        assert!(flags.split_whitespace().any(|f| f == "dd"), "{flags}");
    }

    #[test]
    fn nothing_to_lock_is_not_locked() {
        assert!(!lock_in_memory(&[]));
        assert!(!exclude_from_dumps(&[]));
    }
}
