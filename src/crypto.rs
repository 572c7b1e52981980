//! The cryptography, over bytes: Argon2id key derivation,
//! XChaCha20-Poly1305 sealing, and the BLAKE3 checksum of the file.
//!
//! Argon2id turns passphrase and salt into a 256-bit master key. Two subkeys
//! are derived from it with keyed BLAKE2b under distinct labels: the
//! encryption key, and a key-check value stored in the header so a wrong
//! passphrase is told apart from a modified file. The key check costs an
//! attacker nothing they did not have already: the AEAD tag verifies a guess
//! at the same price.
//!
//! This module knows nothing of files or accounts.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use blake2::Blake2bMac;
use blake2::digest::consts::U32;
use blake2::digest::{KeyInit, Mac};
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::AeadInOut;
use serde::Serialize;

/// Why a key could not be derived or a buffer sealed, or a calibration
/// target is out of range.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("--kdf-time must be {min} to {max} seconds")]
    KdfTime { min: f64, max: f64 },
    #[error("key derivation failed: {0}")]
    Kdf(String),
    #[error("encryption failed")]
    Seal,
}

type Result<T, E = CryptoError> = std::result::Result<T, E>;
use crate::secret::{Key, Passphrase};

#[allow(unsafe_code)]
mod memory;

pub const SALT_LEN: usize = 32;
pub const NONCE_LEN: usize = 24;
pub const KEY_CHECK_LEN: usize = 32;
pub const CHECKSUM_LEN: usize = 32;
pub const TAG_LEN: usize = 16;

/// Argon2id cost. Only values inside the bounds can be built, so a value of
/// this type is always safe to hand to the key derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KdfParams {
    memory_mib: u32,
    iterations: u32,
    parallelism: u32,
}

/// A key-derivation cost outside the bounds; says which field and its bounds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value} is outside {lo}-{hi}{unit}")]
pub struct KdfBoundsError {
    pub field: &'static str,
    pub value: u64,
    lo: u32,
    hi: u32,
    unit: &'static str,
}

impl KdfParams {
    pub const MEMORY_MIB: RangeInclusive<u32> = 8..=4096;
    pub const ITERATIONS: RangeInclusive<u32> = 1..=32;
    pub const PARALLELISM: RangeInclusive<u32> = 1..=16;

    /// 256 MiB, 3 passes, 4 lanes: four times the memory of RFC 9106's
    /// second recommended option (64 MiB, t = 3, p = 4), affordable because
    /// the fast path (parallel lanes, huge pages) unlocks it in about a
    /// quarter second on a 2-core machine. See docs/performance.md.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_mib: 256,
        iterations: 3,
        parallelism: 4,
    };

    /// Checks every field against its bounds. Takes u64 so that a value read
    /// from a file or a flag is judged as it was, not after truncation.
    pub fn new(memory_mib: u64, iterations: u64, parallelism: u64) -> Result<Self, KdfBoundsError> {
        fn check(
            field: &'static str,
            value: u64,
            range: RangeInclusive<u32>,
            unit: &'static str,
        ) -> Result<u32, KdfBoundsError> {
            match u32::try_from(value) {
                Ok(v) if range.contains(&v) => Ok(v),
                _ => Err(KdfBoundsError {
                    field,
                    value,
                    lo: *range.start(),
                    hi: *range.end(),
                    unit,
                }),
            }
        }
        Ok(KdfParams {
            memory_mib: check("memory", memory_mib, Self::MEMORY_MIB, " MiB")?,
            iterations: check("iterations", iterations, Self::ITERATIONS, "")?,
            parallelism: check("parallelism", parallelism, Self::PARALLELISM, "")?,
        })
    }

    /// Whether this cost is below `other`: less memory, or less total work.
    pub fn is_weaker_than(self, other: KdfParams) -> bool {
        let work = |k: KdfParams| u64::from(k.memory_mib) * u64::from(k.iterations);
        self.memory_mib < other.memory_mib || work(self) < work(other)
    }

    pub fn memory_mib(self) -> u32 {
        self.memory_mib
    }

    pub fn iterations(self) -> u32 {
        self.iterations
    }

    pub fn parallelism(self) -> u32 {
        self.parallelism
    }
}

impl fmt::Display for KdfParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Argon2id, {} MiB, {} iterations, {} lanes",
            self.memory_mib, self.iterations, self.parallelism
        )
    }
}

/// The unlock times `init --kdf-time` accepts.
pub const CALIBRATION_SECONDS: RangeInclusive<f64> = 0.05..=60.0;

pub fn calibration_target(seconds: f64) -> Result<Duration> {
    if CALIBRATION_SECONDS.contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(CryptoError::KdfTime {
            min: *CALIBRATION_SECONDS.start(),
            max: *CALIBRATION_SECONDS.end(),
        })
    }
}

/// The number of iterations at `base`'s memory and lanes that makes one
/// derivation take about `target` on this machine, within the bounds.
///
/// A derivation costs a fixed part (getting and faulting in the memory)
/// plus a part per iteration; timing 1 and 3 iterations (the faster of two
/// runs each, against noise) separates them. If even one iteration is too
/// slow, the memory is halved until it fits. The result is timed once more
/// and scaled down if it overshoots, so a noisy estimate cannot make every
/// unlock far slower than asked.
pub fn calibrate(base: KdfParams, target: Duration) -> Result<KdfParams> {
    let time = |p: KdfParams| -> Result<Duration> {
        let start = Instant::now();
        argon2id(b"calibration", &[0u8; SALT_LEN], p)?;
        Ok(start.elapsed())
    };
    let best_of_two = |p: KdfParams| -> Result<Duration> { Ok(time(p)?.min(time(p)?)) };
    let mut p = KdfParams {
        iterations: 1,
        ..base
    };
    let mut one = best_of_two(p)?;
    while one > target && p.memory_mib / 2 >= *KdfParams::MEMORY_MIB.start() {
        p.memory_mib /= 2;
        one = best_of_two(p)?;
    }
    let three = best_of_two(KdfParams { iterations: 3, ..p })?;
    p.iterations = iterations_for(one, three, target);
    p.iterations = scaled_to(p.iterations, time(p)?, target);
    Ok(p)
}

/// The iterations that fit `target`, from the times of 1 and 3 iterations.
/// An iteration counts as at least a third of a one-iteration run: the
/// fixed part never dominates that much, whatever the noise says.
fn iterations_for(one: Duration, three: Duration, target: Duration) -> u32 {
    let per_iteration = (three.saturating_sub(one) / 2).max(one / 3);
    let fixed = one.saturating_sub(per_iteration);
    let fits = target.saturating_sub(fixed).as_secs_f64() / per_iteration.as_secs_f64();
    within_bounds(fits)
}

/// `iterations` scaled down when they took more than 1.2 times `target`.
fn scaled_to(iterations: u32, took: Duration, target: Duration) -> u32 {
    if took.as_secs_f64() > target.as_secs_f64() * 1.2 {
        within_bounds(f64::from(iterations) * target.as_secs_f64() / took.as_secs_f64())
    } else {
        iterations
    }
}

fn within_bounds(iterations: f64) -> u32 {
    let (lo, hi) = (*KdfParams::ITERATIONS.start(), *KdfParams::ITERATIONS.end());
    if iterations.is_nan() {
        return lo;
    }
    (iterations.floor() as u32).clamp(lo, hi)
}

/// What Argon2id derives from a passphrase: the encryption key and the
/// key-check value that goes into the header.
pub struct DerivedKeys {
    pub encryption: Key,
    pub check: [u8; KEY_CHECK_LEN],
}

impl fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKeys([redacted])")
    }
}

/// Argon2id (version 0x13) of the passphrase, then the two subkeys.
pub fn derive_keys(
    passphrase: &Passphrase,
    salt: &[u8; SALT_LEN],
    params: KdfParams,
) -> Result<DerivedKeys> {
    let master = argon2id(passphrase.expose(), salt, params)?;
    Ok(DerivedKeys {
        encryption: Key::from_bytes(subkey(&master, b"codevault v1 encryption key")),
        check: subkey(&master, b"codevault v1 key check"),
    })
}

/// Plain Argon2id with a 32-byte output, as RFC 9106 defines it.
fn argon2id(password: &[u8], salt: &[u8], params: KdfParams) -> Result<Key> {
    // KdfParams keeps memory within 4096 MiB; checked all the same, so a
    // future bound cannot overflow into a tiny allocation.
    let memory_kib = params
        .memory_mib
        .checked_mul(1024)
        .ok_or_else(|| CryptoError::Kdf("memory cost overflows".into()))?;
    let params = Params::new(memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    memory::with_kdf_memory(argon.params().block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt, &mut out, blocks)
    })
    .map_err(|e| CryptoError::Kdf(format!("cannot get its working memory: {e}")))?
    .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let key = Key::from_bytes(out);
    zeroize::Zeroize::zeroize(&mut out);
    Ok(key)
}

fn subkey(master: &Key, label: &[u8]) -> [u8; 32] {
    let mut mac = <Blake2bMac<U32> as KeyInit>::new_from_slice(master.expose())
        .expect("BLAKE2b takes 32-byte keys");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// Constant-time comparison of a stored key check with a derived one.
pub fn key_check_matches(stored: &[u8; KEY_CHECK_LEN], derived: &[u8; KEY_CHECK_LEN]) -> bool {
    use subtle::ConstantTimeEq;
    stored.ct_eq(derived).into()
}

/// BLAKE3 of the file's bytes: catches accidental damage before any key
/// derivation. It is not a MAC; tampering is caught by the AEAD. BLAKE3
/// rather than BLAKE2b because it runs over every byte of every read and
/// write: on a 10,000-account vault BLAKE2b alone cost about 8 ms a pass.
pub fn checksum(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    *blake3::hash(bytes).as_bytes()
}

/// Encrypts `buffer` in place and returns the tag: the vault is written
/// into the file's own buffer and sealed there, so no second copy of the
/// plaintext (or of the ciphertext) is ever made.
pub fn seal_in_place(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    associated_data: &[u8],
    buffer: &mut [u8],
) -> Result<[u8; TAG_LEN]> {
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    let tag = cipher
        .encrypt_inout_detached(nonce.into(), associated_data, buffer.into())
        .map_err(|_| CryptoError::Seal)?;
    Ok(tag.into())
}

/// Decrypts `ciphertext_and_tag` in place once its tag verifies, and
/// returns the plaintext part of it; `None` (the buffer untouched) when the
/// tag does not verify.
pub fn open_in_place<'a>(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    associated_data: &[u8],
    ciphertext_and_tag: &'a mut [u8],
) -> Option<&'a [u8]> {
    let at = ciphertext_and_tag.len().checked_sub(TAG_LEN)?;
    let (buffer, tag) = ciphertext_and_tag.split_at_mut(at);
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().ok()?;
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    cipher
        .decrypt_inout_detached(
            nonce.into(),
            associated_data,
            (&mut *buffer).into(),
            tag.into(),
        )
        .ok()?;
    Some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::{Aead, Payload};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// RFC 9106 section 5.3 fixes memory at 32 KiB, below our 8 MiB floor,
    /// so it goes through argon2 directly with the same algorithm and
    /// version; it proves the crate and its `parallel` path compute Argon2id.
    #[test]
    fn rfc9106_argon2id_test_vector() {
        let params = argon2::ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .output_len(32)
            .data(argon2::AssociatedData::new(&[0x04; 12]).unwrap())
            .build()
            .unwrap();
        let argon =
            Argon2::new_with_secret(&[0x03; 8], Algorithm::Argon2id, Version::V0x13, params)
                .unwrap();
        let mut out = [0u8; 32];
        argon
            .hash_password_into(&[0x01; 32], &[0x02; 16], &mut out)
            .unwrap();
        assert_eq!(
            hex(&out),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
        );
    }

    #[test]
    fn bounds_are_inclusive_and_checked_before_truncation() {
        assert!(KdfParams::new(8, 1, 1).is_ok());
        assert!(KdfParams::new(4096, 32, 16).is_ok());
        assert_eq!(KdfParams::new(7, 1, 1).unwrap_err().field, "memory");
        assert_eq!(KdfParams::new(4097, 1, 1).unwrap_err().field, "memory");
        assert_eq!(KdfParams::new(8, 0, 1).unwrap_err().field, "iterations");
        assert_eq!(KdfParams::new(8, 33, 1).unwrap_err().field, "iterations");
        assert_eq!(KdfParams::new(8, 1, 0).unwrap_err().field, "parallelism");
        assert_eq!(KdfParams::new(8, 1, 17).unwrap_err().field, "parallelism");
        // 2^32 + 64 would be 64 after a careless `as u32`.
        let e = KdfParams::new((1 << 32) + 64, 1, 1).unwrap_err();
        assert_eq!(e.value, (1 << 32) + 64);
        assert_eq!(e.to_string(), "memory 4294967360 is outside 8-4096 MiB");
    }

    #[test]
    fn weaker_means_less_memory_or_less_work() {
        let d = KdfParams::DEFAULT;
        assert!(!d.is_weaker_than(d));
        assert!(KdfParams::new(8, 1, 1).unwrap().is_weaker_than(d));
        assert!(KdfParams::new(64, 3, 4).unwrap().is_weaker_than(d));
        assert!(KdfParams::new(256, 2, 4).unwrap().is_weaker_than(d));
        assert!(!KdfParams::new(256, 3, 4).unwrap().is_weaker_than(d));
        assert!(!KdfParams::new(512, 2, 4).unwrap().is_weaker_than(d));
    }

    /// The arithmetic of calibration, on made-up timings (no clock: a
    /// timed assertion would be a flaky test).
    #[test]
    fn calibration_fits_the_iterations_to_the_target() {
        let ms = Duration::from_millis;
        // 40 ms fixed + 60 ms an iteration: 1 s fits 16 iterations.
        assert_eq!(iterations_for(ms(100), ms(220), ms(1000)), 16);
        // Noise that makes 3 iterations look as fast as 1: an iteration
        // still counts as a third of the one-iteration run (30 ms, and
        // 60 ms fixed): 300 ms fits 8.
        assert_eq!(iterations_for(ms(90), ms(80), ms(300)), 8);
        // Bounds: never 0, never above 32.
        assert_eq!(iterations_for(ms(100), ms(300), ms(10)), 1);
        assert_eq!(iterations_for(ms(1), ms(3), ms(60_000)), 32);
        // An overshoot is scaled down; a result near the target is kept.
        assert_eq!(scaled_to(12, ms(2400), ms(1000)), 5);
        assert_eq!(scaled_to(12, ms(1100), ms(1000)), 12);
    }

    #[test]
    fn calibration_on_this_machine_stays_in_bounds() {
        let p = calibrate(KdfParams::new(8, 1, 1).unwrap(), Duration::from_millis(50)).unwrap();
        assert_eq!((p.memory_mib(), p.parallelism()), (8, 1));
        assert!(KdfParams::ITERATIONS.contains(&p.iterations()));
        assert!(calibration_target(0.01).is_err());
        assert!(calibration_target(61.0).is_err());
        assert!(calibration_target(f64::NAN).is_err());
    }

    /// Ciphertext then tag, as the file holds them.
    fn sealed(key: &Key, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut buffer = plaintext.to_vec();
        let tag = seal_in_place(key, nonce, aad, &mut buffer).unwrap();
        buffer.extend_from_slice(&tag);
        buffer
    }

    #[test]
    fn sealing_in_place_is_standard_xchacha20_poly1305() {
        let key = Key::from_bytes([7; 32]);
        let nonce = [9; NONCE_LEN];
        let standard = XChaCha20Poly1305::new(key.expose().into())
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: b"secret",
                    aad: b"header",
                },
            )
            .unwrap();
        assert_eq!(sealed(&key, &nonce, b"header", b"secret"), standard);
    }

    #[test]
    fn seal_and_open_round_trip_and_bind_the_header() {
        let key = Key::from_bytes([7; 32]);
        let nonce = [9; NONCE_LEN];
        let sealed = sealed(&key, &nonce, b"header", b"secret");
        assert_eq!(sealed.len(), 6 + TAG_LEN);
        let open = |key: &Key, header: &[u8]| {
            let mut buffer = sealed.clone();
            open_in_place(key, &nonce, header, &mut buffer).map(<[u8]>::to_vec)
        };
        assert_eq!(open(&key, b"header").as_deref(), Some(&b"secret"[..]));
        assert_eq!(open(&key, b"headeR"), None);
        assert_eq!(open(&Key::from_bytes([8; 32]), b"header"), None);
        // A refused buffer is left as it was.
        let mut buffer = sealed.clone();
        assert!(open_in_place(&key, &nonce, b"headeR", &mut buffer).is_none());
        assert_eq!(buffer, sealed);
        assert!(open_in_place(&key, &nonce, b"header", &mut [0; TAG_LEN - 1]).is_none());
    }

    #[test]
    fn subkeys_differ_and_depend_on_the_passphrase() {
        let params = KdfParams::new(8, 1, 1).unwrap();
        let salt = [1; SALT_LEN];
        let a = derive_keys(&Passphrase::new("a"), &salt, params).unwrap();
        let b = derive_keys(&Passphrase::new("b"), &salt, params).unwrap();
        assert_ne!(a.encryption.expose(), &a.check);
        assert!(!key_check_matches(&a.check, &b.check));
        assert!(key_check_matches(&a.check, &a.check));
    }
}
