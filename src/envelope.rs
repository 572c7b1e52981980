//! The vault file format: a fixed header, the ciphertext, a checksum.
//!
//! ```text
//! offset  size  field
//!      0     8  magic: 89 43 56 41 55 4C 54 0A ("\x89CVAULT\n")
//!      8     2  format version, big-endian: 2 (1 is read, never written)
//!     10     1  KDF algorithm: 1 = Argon2id v0x13
//!     11     1  reserved: 0
//!     12     4  Argon2 memory in MiB (8-4096)
//!     16     4  Argon2 iterations (1-32)
//!     20     4  Argon2 parallelism (1-16)
//!     24     1  salt length: 32
//!     25    32  salt
//!     57     1  nonce length: 24
//!     58    24  XChaCha20-Poly1305 nonce, fresh on every save
//!     82    32  key check: keyed BLAKE2b of the Argon2id output
//!    114     8  ciphertext length, big-endian (plaintext + 16-byte tag)
//!    122     n  ciphertext; the 122 header bytes are its associated data
//!  122+n    32  BLAKE3 of every byte before it
//! ```
//!
//! Decoding trusts nothing: every field is checked against its bounds and the
//! lengths and checksum against the bytes, all before any key derivation.
//! Only one encoding of a header is accepted. This module knows nothing of
//! accounts or of where the bytes live.

use crate::crypto::{
    self, CHECKSUM_LEN, KEY_CHECK_LEN, KdfBoundsError, KdfParams, NONCE_LEN, SALT_LEN, TAG_LEN,
};

pub const MAGIC: [u8; 8] = *b"\x89CVAULT\n";
/// The version this build writes.
pub const VERSION: u16 = 3;
/// The versions this build reads: the header is the same in all; the
/// plaintext's schema differs (see `vault::decode`).
pub const READABLE: std::ops::RangeInclusive<u16> = 1..=VERSION;
const KDF_ARGON2ID: u8 = 1;
pub const HEADER_LEN: usize = 122;
/// Where the key check sits in the header.
pub const KEY_CHECK_AT: std::ops::Range<usize> = 82..114;
/// The largest ciphertext a vault may hold; a length field above it is
/// damage, not a reason to allocate.
pub const MAX_CIPHERTEXT: u64 = 1 << 30;
/// The largest file that can be a vault.
pub const MAX_FILE: u64 = HEADER_LEN as u64 + MAX_CIPHERTEXT + CHECKSUM_LEN as u64;

/// The header fields, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The format version the file was written in.
    pub version: u16,
    pub kdf: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    pub key_check: [u8; KEY_CHECK_LEN],
    pub ciphertext_len: u64,
}

/// Why bytes are not a vault this version can open.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a codevault vault")]
    BadMagic,
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u16),
    #[error("{0}")]
    KdfOutOfBounds(KdfBoundsError),
    #[error("{0}")]
    Damaged(String),
}

/// A decoded file: the header, the exact bytes the AEAD authenticates with
/// the ciphertext, and the ciphertext.
pub struct Envelope<'a> {
    pub header: Header,
    pub header_bytes: &'a [u8],
    pub ciphertext: &'a [u8],
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..8].copy_from_slice(&MAGIC);
        h[8..10].copy_from_slice(&self.version.to_be_bytes());
        h[10] = KDF_ARGON2ID;
        h[11] = 0;
        h[12..16].copy_from_slice(&self.kdf.memory_mib().to_be_bytes());
        h[16..20].copy_from_slice(&self.kdf.iterations().to_be_bytes());
        h[20..24].copy_from_slice(&self.kdf.parallelism().to_be_bytes());
        h[24] = SALT_LEN as u8;
        h[25..57].copy_from_slice(&self.salt);
        h[57] = NONCE_LEN as u8;
        h[58..82].copy_from_slice(&self.nonce);
        h[KEY_CHECK_AT].copy_from_slice(&self.key_check);
        h[114..122].copy_from_slice(&self.ciphertext_len.to_be_bytes());
        h
    }
}

/// The bytes of a file whose body is written and sealed in place: `seal`
/// gets the header's bytes (the associated data) and the zeroed body of
/// `ciphertext_len - TAG_LEN` bytes, fills and encrypts it, and returns the
/// tag. One buffer, allocated once; if `seal` fails, the buffer (which may
/// hold plaintext by then) is wiped before it is dropped.
pub fn encode_with<E>(
    header: &Header,
    seal: impl FnOnce(&[u8], &mut [u8]) -> Result<[u8; TAG_LEN], E>,
) -> Result<Vec<u8>, E> {
    let ciphertext_len = header.ciphertext_len as usize;
    let mut out = Vec::with_capacity(HEADER_LEN + ciphertext_len + CHECKSUM_LEN);
    out.extend_from_slice(&header.encode());
    out.resize(HEADER_LEN + ciphertext_len - TAG_LEN, 0);
    let (head, body) = out.split_at_mut(HEADER_LEN);
    match seal(head, body) {
        Ok(tag) => out.extend_from_slice(&tag),
        Err(e) => {
            zeroize::Zeroize::zeroize(&mut out);
            return Err(e);
        }
    }
    let sum = crypto::checksum(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Checks structure, bounds, lengths and checksum, in that order, and
/// splits the file. Never derives a key and never allocates by a length
/// read from the file.
pub fn decode(bytes: &[u8]) -> Result<Envelope<'_>, FormatError> {
    let damaged = |s: &str| FormatError::Damaged(s.to_string());
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(FormatError::BadMagic);
    }
    if bytes.len() < 10 {
        return Err(damaged("it ends inside the header"));
    }
    let version = u16::from_be_bytes([bytes[8], bytes[9]]);
    if !READABLE.contains(&version) {
        return Err(FormatError::UnsupportedVersion(version));
    }
    if bytes.len() < HEADER_LEN {
        return Err(damaged("it ends inside the header"));
    }
    let h = &bytes[..HEADER_LEN];
    let u32_at = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    if h[10] != KDF_ARGON2ID {
        return Err(FormatError::Damaged(format!(
            "unknown key-derivation algorithm {}",
            h[10]
        )));
    }
    if h[11] != 0 {
        return Err(damaged("a reserved header byte is not zero"));
    }
    let kdf = KdfParams::new(
        u64::from(u32_at(12)),
        u64::from(u32_at(16)),
        u64::from(u32_at(20)),
    )
    .map_err(FormatError::KdfOutOfBounds)?;
    if h[24] as usize != SALT_LEN {
        return Err(FormatError::Damaged(format!(
            "salt length {} (expected {SALT_LEN})",
            h[24]
        )));
    }
    if h[57] as usize != NONCE_LEN {
        return Err(FormatError::Damaged(format!(
            "nonce length {} (expected {NONCE_LEN})",
            h[57]
        )));
    }
    let ciphertext_len = u64::from_be_bytes(h[114..122].try_into().expect("8 bytes"));
    if !(TAG_LEN as u64..=MAX_CIPHERTEXT).contains(&ciphertext_len) {
        return Err(FormatError::Damaged(format!(
            "impossible ciphertext length {ciphertext_len}"
        )));
    }
    let expected = HEADER_LEN as u64 + ciphertext_len + CHECKSUM_LEN as u64;
    let actual = bytes.len() as u64;
    if actual < expected {
        return Err(FormatError::Damaged(format!(
            "it is truncated ({actual} of {expected} bytes)"
        )));
    }
    if actual > expected {
        return Err(FormatError::Damaged(format!(
            "{} unexpected bytes follow the end of the vault",
            actual - expected
        )));
    }
    let body_end = bytes.len() - CHECKSUM_LEN;
    if crypto::checksum(&bytes[..body_end])[..] != bytes[body_end..] {
        return Err(damaged("its checksum does not match its contents"));
    }
    Ok(Envelope {
        header: Header {
            version,
            kdf,
            salt: h[25..57].try_into().expect("fixed field"),
            nonce: h[58..82].try_into().expect("fixed field"),
            key_check: h[KEY_CHECK_AT].try_into().expect("fixed field"),
            ciphertext_len,
        },
        header_bytes: h,
        ciphertext: &bytes[HEADER_LEN..body_end],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let header = Header {
            version: VERSION,
            kdf: KdfParams::new(8, 1, 1).unwrap(),
            salt: [1; SALT_LEN],
            nonce: [2; NONCE_LEN],
            key_check: [3; KEY_CHECK_LEN],
            ciphertext_len: 20,
        };
        let sealed: Result<_, ()> = encode_with(&header, |_, body| {
            body.fill(4);
            Ok([4; TAG_LEN])
        });
        sealed.unwrap()
    }

    #[test]
    fn round_trips() {
        let bytes = sample();
        assert_eq!(bytes.len(), HEADER_LEN + 20 + CHECKSUM_LEN);
        let env = decode(&bytes).unwrap();
        assert_eq!(env.header.salt, [1; SALT_LEN]);
        assert_eq!(env.header.kdf, KdfParams::new(8, 1, 1).unwrap());
        assert_eq!(env.ciphertext, &[4; 20]);
        assert_eq!(env.header_bytes, &bytes[..HEADER_LEN]);
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let bytes = sample();
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(decode(&b).is_err(), "flip of bit {i} went unnoticed");
        }
    }

    #[test]
    fn every_truncation_and_any_trailing_byte_is_caught() {
        let bytes = sample();
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "truncation to {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(FormatError::Damaged(_))));
    }

    #[test]
    fn absurd_costs_are_refused_by_their_field() {
        let mut b = sample();
        b[12..16].copy_from_slice(&(4u32 << 20).to_be_bytes()); // 4 TiB
        match decode(&b) {
            Err(FormatError::KdfOutOfBounds(e)) => assert_eq!(e.field, "memory"),
            _ => panic!("absurd memory accepted"),
        }
    }

    #[test]
    fn other_files_are_not_vaults() {
        assert_eq!(decode(b"").err(), Some(FormatError::BadMagic));
        assert_eq!(
            decode(b"{\"accounts\":{}}").err(),
            Some(FormatError::BadMagic)
        );
        let mut b = sample();
        b[9] = (VERSION + 1) as u8;
        assert_eq!(
            decode(&b).err(),
            Some(FormatError::UnsupportedVersion(VERSION + 1))
        );
        b[9] = 0;
        assert_eq!(decode(&b).err(), Some(FormatError::UnsupportedVersion(0)));
    }
}
