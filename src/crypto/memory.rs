//! Argon2's working memory: fresh pages straight from the kernel, backed by
//! transparent huge pages where the kernel can hand them out quickly.
//!
//! Argon2id at 64-256 MiB spends a large share of its time on fresh memory:
//! a page fault per 4 KiB page, and the allocator's own zeroing before
//! Argon2 overwrites every block anyway. An anonymous mapping is zero
//! already (no memset), and 2 MiB pages cut the faults by 512.
//!
//! Huge pages are not always the cheaper kind, though. On a virtual machine
//! that reports free memory to its host (virtio-balloon free page reporting,
//! as Firecracker does), the large free blocks huge pages come from are
//! handed back to the host a couple of seconds after they are freed, and
//! touching them again costs the host a fault per 4 KiB: measured here,
//! 256 MiB of such huge pages took 350-500 ms of system time, against about
//! 130 ms for small pages, which come from fragments the guest keeps. The
//! kernel compacting memory to build huge pages is slow in the same way. So
//! the range is faulted in 2 MiB at a time while huge pages come quickly,
//! and the rest is left to small pages once they stop coming quickly.
//!
//! The mapping is returned to the kernel with `munmap` when the derivation
//! ends, so its contents become unreadable at once and are zeroed by the
//! kernel before any reuse; an explicit wipe would only add a pass over the
//! whole buffer.

use std::io;
#[cfg(target_os = "linux")]
use std::time::{Duration, Instant};

use argon2::Block;

/// Runs `f` on `blocks` zeroed Argon2 blocks in a private anonymous mapping,
/// unmapped when `f` returns (or unwinds).
pub(super) fn with_kdf_memory<R>(
    blocks: usize,
    f: impl FnOnce(&mut [Block]) -> R,
) -> io::Result<R> {
    let len = blocks
        .checked_mul(Block::SIZE)
        .filter(|&len| len > 0)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;

    struct Unmap(*mut libc::c_void, usize);
    impl Drop for Unmap {
        fn drop(&mut self) {
            // SAFETY: (self.0, self.1) is exactly the mapping made below,
            // unmapped once, after the last use of the slice borrowed from it.
            unsafe { libc::munmap(self.0, self.1) };
        }
    }

    // SAFETY: a fresh private anonymous mapping of `len` bytes aliases
    // nothing. mmap returns page-aligned (so 64-byte aligned, as Block
    // requires) zero-filled memory, and all-zero bytes are a valid Block
    // (an array of u64), so the slice is initialised. The slice borrows the
    // mapping only for the call to `f`; the guard unmaps it afterwards.
    // `advise` calls madvise only on sub-ranges of the mapping (it checks
    // the bounds), and the advice used (huge or small pages, fault in now)
    // changes how the kernel backs the pages, never what they hold; a
    // failed call is harmless.
    unsafe {
        let ptr = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let _unmap = Unmap(ptr, len);
        #[cfg(target_os = "linux")]
        let head = ptr.cast::<u8>().align_offset(HUGE_PAGE).min(len);
        fault_in_huge_pages(len, head, &|offset, n, advice| {
            offset.checked_add(n).is_some_and(|end| end <= len)
                && libc::madvise(ptr.cast::<u8>().add(offset).cast(), n, advice) == 0
        });
        // Argon2's blocks are derived from the passphrase: no core dump.
        // The byte view lives for this call only, before the slice below.
        crate::sys::exclude_from_dumps(std::slice::from_raw_parts(ptr.cast::<u8>(), len));
        Ok(f(std::slice::from_raw_parts_mut(
            ptr.cast::<Block>(),
            blocks,
        )))
    }
}

/// Huge pages are faulted in one at a time.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// Faulting in a 2 MiB huge page takes about 0.1 ms when the kernel has one
/// at hand, and 2-4 ms when the host must back it again or memory must be
/// compacted; 512 small pages take about 0.8 ms. A slower page is one huge
/// pages did not help; two in a row (not one, which may be a preemption)
/// mean the fast ones have run out.
#[cfg(target_os = "linux")]
const SLOW_HUGE_PAGE: Duration = Duration::from_micros(500);

/// madvise on part of the mapping: `(offset, len, advice)`, and whether it
/// succeeded.
#[cfg(target_os = "linux")]
type Advise<'a> = &'a dyn Fn(usize, usize, libc::c_int) -> bool;

/// Advises huge pages for the whole range and faults it in [`HUGE_PAGE`] at
/// a time while they come within [`SLOW_HUGE_PAGE`]; after two slow ones,
/// advises small pages for the rest, which is then faulted in as Argon2
/// first writes it. The first `head` bytes, up to the first 2 MiB boundary
/// (before Linux 6.7 a large mapping need not start on one), cannot be a
/// huge page: they are faulted in untimed. Returns how many bytes were
/// faulted in. No failure is an error: the memory is the same whatever
/// backs it.
#[cfg(target_os = "linux")]
fn fault_in_huge_pages(len: usize, head: usize, advise: Advise) -> usize {
    fault_in_timed(len, head, advise, &|offset, n| {
        let start = Instant::now();
        advise(offset, n, libc::MADV_POPULATE_WRITE).then(|| start.elapsed())
    })
}

/// [`fault_in_huge_pages`] with the timed fault-in given: `populate(offset,
/// len)` is how long faulting in that part took, or `None` if the kernel
/// cannot do it (before Linux 5.14: then the huge-page advice stays, as it
/// was before this probing, and Argon2 faults the range in).
#[cfg(target_os = "linux")]
fn fault_in_timed(
    len: usize,
    head: usize,
    advise: Advise,
    populate: &dyn Fn(usize, usize) -> Option<Duration>,
) -> usize {
    if !advise(0, len, libc::MADV_HUGEPAGE) {
        return 0; // a kernel built without transparent huge pages
    }
    let head = head.min(len);
    if head > 0 && populate(0, head).is_none() {
        return 0;
    }
    let (mut offset, mut slow_in_a_row) = (head, 0);
    while offset < len {
        let n = HUGE_PAGE.min(len - offset);
        let Some(took) = populate(offset, n) else {
            return offset;
        };
        offset += n;
        slow_in_a_row = if took > SLOW_HUGE_PAGE {
            slow_in_a_row + 1
        } else {
            0
        };
        if slow_in_a_row == 2 && offset < len {
            advise(offset, len - offset, libc::MADV_NOHUGEPAGE);
            break;
        }
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{Algorithm, Argon2, Params, Version};

    #[test]
    fn memory_has_the_asked_size_and_starts_zeroed() {
        let (len, zero) = with_kdf_memory(8 * 1024, |m| {
            let zero = m.iter().all(|b| b.as_ref().iter().all(|&w| w == 0));
            m[8 * 1024 - 1] = Block::new(); // the last block is writable
            (m.len(), zero)
        })
        .unwrap();
        assert_eq!(len, 8 * 1024);
        assert!(zero);
    }

    #[test]
    fn zero_blocks_are_refused() {
        assert!(with_kdf_memory(0, |_| ()).is_err());
        assert!(with_kdf_memory(usize::MAX, |_| ()).is_err());
    }

    /// The mapped memory changes how fast, never what: the key is the one
    /// the crate's own allocation gives.
    #[test]
    fn derives_the_same_key_as_the_crates_own_memory() {
        for (m, t, p) in [(8 * 1024, 1, 1), (9 * 1024, 2, 4), (16 * 1024, 3, 3)] {
            let argon = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(m, t, p, Some(32)).unwrap(),
            );
            let mut theirs = [0u8; 32];
            argon
                .hash_password_into(b"pw", b"saltsaltsaltsalt", &mut theirs)
                .unwrap();
            let mut ours = [0u8; 32];
            let blocks = argon.params().block_count();
            with_kdf_memory(blocks, |mem| {
                argon.hash_password_into_with_memory(b"pw", b"saltsaltsaltsalt", &mut ours, mem)
            })
            .unwrap()
            .unwrap();
            assert_eq!(ours, theirs, "m={m} t={t} p={p}");
        }
    }

    /// A field of /proc/self/smaps, in KiB, summed over the pieces of the
    /// mapping that holds `memory` (advice may split it in several, and a
    /// neighbour with the same flags may be merged into one of them).
    #[cfg(target_os = "linux")]
    fn smaps_kib(memory: &[Block], field: &str) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let start = memory.as_ptr() as usize;
        let end = start + std::mem::size_of_val(memory);
        let (mut total, mut inside) = (0, false);
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((a, b)) = range.split_once('-')
                && let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16))
            {
                inside = a < end && b > start;
            } else if inside && let Some(v) = line.strip_prefix(field) {
                total += v
                    .trim()
                    .trim_end_matches(" kB")
                    .parse::<usize>()
                    .unwrap_or(0);
            }
        }
        total
    }

    /// The madvise calls made for a range of `len` bytes whose huge page
    /// at each offset takes `took(offset)` to fault in, when advice
    /// `failing` fails.
    #[cfg(target_os = "linux")]
    fn advice_for(
        len: usize,
        failing: libc::c_int,
        took: impl Fn(usize) -> Duration,
    ) -> (usize, Vec<(usize, usize, libc::c_int)>) {
        advice_from(len, 0, failing, took)
    }

    #[cfg(target_os = "linux")]
    fn advice_from(
        len: usize,
        head: usize,
        failing: libc::c_int,
        took: impl Fn(usize) -> Duration,
    ) -> (usize, Vec<(usize, usize, libc::c_int)>) {
        let calls = std::cell::RefCell::new(Vec::new());
        let advise = |offset, n, advice| {
            calls.borrow_mut().push((offset, n, advice));
            advice != failing
        };
        let done = fault_in_timed(len, head, &advise, &|offset, n| {
            advise(offset, n, libc::MADV_POPULATE_WRITE).then(|| took(offset))
        });
        (done, calls.into_inner())
    }

    #[cfg(target_os = "linux")]
    const FAST: Duration = Duration::from_micros(100);

    #[cfg(target_os = "linux")]
    #[test]
    fn fast_huge_pages_are_faulted_in_to_the_end() {
        let len = 5 * HUGE_PAGE + 4096;
        let (done, calls) = advice_for(len, -1, |_| FAST);
        assert_eq!(done, len);
        assert_eq!(calls[0], (0, len, libc::MADV_HUGEPAGE));
        assert_eq!(calls.len(), 1 + 6); // a last partial page too
        assert!(calls[1..].iter().all(|c| c.2 == libc::MADV_POPULATE_WRITE));
        assert_eq!(calls[6], (5 * HUGE_PAGE, 4096, libc::MADV_POPULATE_WRITE));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn two_slow_huge_pages_in_a_row_leave_the_rest_to_small_pages() {
        let len = 64 * HUGE_PAGE;
        let slow_from = 10 * HUGE_PAGE;
        let (done, calls) = advice_for(len, -1, |offset| {
            // One slow page alone (a preemption, say) changes nothing.
            if offset >= slow_from || offset == 3 * HUGE_PAGE {
                SLOW_HUGE_PAGE + Duration::from_micros(1)
            } else {
                SLOW_HUGE_PAGE
            }
        });
        assert_eq!(done, slow_from + 2 * HUGE_PAGE);
        assert_eq!(
            calls.last(),
            Some(&(done, len - done, libc::MADV_NOHUGEPAGE))
        );
        assert_eq!(calls.len(), 1 + 12 + 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn two_slow_huge_pages_at_the_end_leave_nothing_to_advise() {
        let len = 8 * HUGE_PAGE;
        let (done, calls) = advice_for(len, -1, |offset| {
            if offset >= 6 * HUGE_PAGE {
                SLOW_HUGE_PAGE * 2
            } else {
                FAST
            }
        });
        assert_eq!((done, calls.len()), (len, 1 + 8));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_start_at_the_first_2_mib_boundary() {
        let head = 4096 * 3;
        let len = head + 3 * HUGE_PAGE + 4096;
        // The head is small pages, slow or not: it is not judged.
        let (done, calls) = advice_from(len, head, -1, |offset| {
            if offset == 0 {
                SLOW_HUGE_PAGE * 4
            } else {
                FAST
            }
        });
        assert_eq!(done, len);
        let populated: Vec<_> = calls[1..].iter().map(|c| (c.0, c.1)).collect();
        assert_eq!(
            populated,
            [
                (0, head),
                (head, HUGE_PAGE),
                (head + HUGE_PAGE, HUGE_PAGE),
                (head + 2 * HUGE_PAGE, HUGE_PAGE),
                (head + 3 * HUGE_PAGE, 4096),
            ]
        );
    }

    /// The real madvise closure reaches the kernel with the right offsets.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_memory_is_faulted_in_before_argon2_touches_it() {
        let blocks = 8 * 1024; // 8 MiB
        let rss_kib = with_kdf_memory(blocks, |m| smaps_kib(m, "Rss:")).unwrap();
        // With MADV_POPULATE_WRITE (Linux 5.14+) at least the first two
        // 2 MiB pages past the head are resident before anything is
        // written (all 8 MiB unless huge pages came slowly); wrong offsets
        // would fault in one 2 MiB page again and again.
        let release: Vec<u32> = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .split(['.', '-'])
            .take(2)
            .filter_map(|p| p.parse().ok())
            .collect();
        // A kernel built without transparent huge pages refuses the advice
        // and nothing is faulted in ahead.
        let thp = std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists();
        if thp && release.as_slice() >= [5, 14].as_slice() {
            assert!(rss_kib >= 4 * 1024, "only {rss_kib} KiB resident");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_kernel_without_the_advice_is_left_as_it_was() {
        let len = 64 * HUGE_PAGE;
        // No transparent huge pages: nothing more is asked.
        let (done, calls) = advice_for(len, libc::MADV_HUGEPAGE, |_| FAST);
        assert_eq!((done, calls.len()), (0, 1));
        // No MADV_POPULATE_WRITE (before Linux 5.14): huge pages stay
        // advised and are faulted in lazily.
        let (done, calls) = advice_for(len, libc::MADV_POPULATE_WRITE, |_| FAST);
        assert_eq!((done, calls.len()), (0, 2));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_back_the_memory_where_the_kernel_offers_them() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .unwrap_or_default();
        if !(thp.contains("[always]") || thp.contains("[madvise]")) {
            eprintln!("skipped: transparent huge pages are {:?}", thp.trim());
            return;
        }
        let huge_kib = with_kdf_memory(16 * 1024, |m| {
            for b in m.iter_mut() {
                *b = Block::new(); // touch every page
            }
            smaps_kib(m, "AnonHugePages:")
        })
        .unwrap();
        // With THP in `madvise` mode and defrag honouring madvise, the
        // kernel compacts memory to find huge pages for an advised range.
        assert!(huge_kib > 0, "no huge pages back the advised 16 MiB");
    }
}
