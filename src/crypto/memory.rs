//! Argon2's working memory: fresh pages straight from the kernel, backed by
//! transparent huge pages where the kernel offers them.
//!
//! Argon2id at 64-256 MiB spends a large share of its time on fresh memory:
//! a page fault per 4 KiB page, and the allocator's own zeroing before
//! Argon2 overwrites every block anyway. An anonymous mapping is zero
//! already (no memset), and 2 MiB pages cut the faults by 512. Where huge
//! pages are off or unsupported the advice is ignored and nothing else
//! changes.
//!
//! The mapping is returned to the kernel with `munmap` when the derivation
//! ends, so its contents become unreadable at once and are zeroed by the
//! kernel before any reuse; an explicit wipe would only add a pass over the
//! whole buffer.

use std::io;

use argon2::Block;

/// Runs `f` on `blocks` zeroed Argon2 blocks in a private anonymous mapping,
/// unmapped when `f` returns (or unwinds).
pub fn with_kdf_memory<R>(blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> io::Result<R> {
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
    // MADV_HUGEPAGE changes only how the kernel backs the range, never its
    // contents; its failure (huge pages disabled) is harmless and ignored.
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
        libc::madvise(ptr, len, libc::MADV_HUGEPAGE);
        Ok(f(std::slice::from_raw_parts_mut(
            ptr.cast::<Block>(),
            blocks,
        )))
    }
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
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
            let addr = format!("{:x}-", m.as_ptr() as usize);
            smaps
                .split("\n")
                .skip_while(|l| !l.starts_with(&addr))
                .find_map(|l| l.strip_prefix("AnonHugePages:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
                .unwrap_or(0)
        })
        .unwrap();
        // With THP in `madvise` mode and defrag honouring madvise, the
        // kernel compacts memory to find huge pages for an advised range.
        assert!(huge_kib > 0, "no huge pages back the advised 16 MiB");
    }
}
