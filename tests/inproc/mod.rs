//! Vault files built and opened in the test process, with the library.
//!
//! The end-to-end harness (`tests/common`) runs the binary; this module is
//! for the sweeps that would take minutes through it (every bit, every
//! length, thousands of random files). It opens bytes through the
//! library's own way in, `session::open` (the steps the binary takes in
//! `app::Context::unlock` and `read`), and it builds files through the
//! library's own encoder, so a file made here is a file the binary could
//! have written.
//!
//! Everything is deterministic where it can be (fixed salt, nonce, time and
//! codes), so that a regenerated fixture is byte-identical unless the format
//! itself changed.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::Path;

use codevault::code::{Alphabet, Code};
use codevault::crypto::{self, CHECKSUM_LEN, KdfParams, NONCE_LEN, SALT_LEN, TAG_LEN};
use codevault::envelope::{self, HEADER_LEN, Header};
use codevault::secret::Passphrase;
use codevault::session::{self, CheckedFile, Keys};
use codevault::vault::{AccountName, Imported, Vault};
use codevault::{Error, Result};
use jiff::Timestamp;

/// The path the in-process opens report in their errors.
pub(crate) const PATH: &str = "inproc.cvlt";

/// The cheapest cost the format allows: 8 MiB, 1 pass, 1 lane.
pub(crate) fn cheap() -> KdfParams {
    KdfParams::new(8, 1, 1).expect("in bounds")
}

pub(crate) fn pass(p: &str) -> Passphrase {
    Passphrase::new(p.to_string())
}

/// A fixed time: 2026-11-22T10:04:05Z.
pub(crate) fn when() -> Timestamp {
    Timestamp::from_second(1_795_341_845).expect("in range")
}

/// Deterministic 8-digit codes: `prefix` (up to 4 digits) and a counter.
pub(crate) fn codes(prefix: u32, n: usize) -> Vec<Code> {
    (0..n)
        .map(|i| {
            let text = format!("{:04}{:04}", prefix % 10_000, i);
            Code::parse(&text, Alphabet::GENERATED).expect("8 digits")
        })
        .collect()
}

pub(crate) fn name(s: &str) -> AccountName {
    AccountName::parse(s).expect("a valid name")
}

/// The generator of the sets' salts: seeded, so the vaults stay
/// deterministic.
fn salts() -> rand::rngs::StdRng {
    rand::SeedableRng::seed_from_u64(0x5a17)
}

/// A small vault with some history: two accounts, a used code, a revoked
/// set. Deterministic.
pub(crate) fn small_vault() -> Vault {
    let now = when();
    let mut r = salts();
    let mut v = Vault::new(&mut r, now).unwrap();
    v.import(
        &name("github"),
        Imported::unused(codes(1000, 4), Alphabet::GENERATED),
        false,
        &mut r,
        now,
    )
    .unwrap();
    v.next(&name("github"), Some("laptop".into()), &mut r, now)
        .unwrap();
    v.import(
        &name("github"),
        Imported::unused(codes(2000, 3), Alphabet::GENERATED),
        true,
        &mut r,
        now,
    )
    .unwrap();
    v.import(
        &name("gitlab"),
        Imported::unused(codes(3000, 2), Alphabet::GENERATED),
        false,
        &mut r,
        now,
    )
    .unwrap();
    v
}

/// A vault with `accounts` accounts of `per` codes each. Deterministic.
pub(crate) fn big_vault(accounts: usize, per: usize) -> Vault {
    let now = when();
    let mut r = salts();
    let mut v = Vault::new(&mut r, now).unwrap();
    for a in 0..accounts {
        let n = name(&format!("account-{a:04}"));
        let cs: Vec<Code> = (0..per)
            .map(|i| {
                let text = format!("{:04}{:04}", 1000 + a, i);
                Code::parse(&text, Alphabet::GENERATED).unwrap()
            })
            .collect();
        v.import(
            &n,
            Imported::unused(cs, Alphabet::GENERATED),
            false,
            &mut r,
            now,
        )
        .unwrap();
    }
    v
}

/// The salt and nonce of the deterministic files.
pub(crate) const SALT: [u8; SALT_LEN] = [0x5a; SALT_LEN];
pub(crate) const NONCE: [u8; NONCE_LEN] = [0xa5; NONCE_LEN];

/// A whole file sealing `plaintext` under `passphrase`, with the given salt,
/// nonce and cost: what `session::encrypt` writes, but with the plaintext
/// chosen by the test (so that the plaintext decoder can be reached with
/// bytes that are not a vault).
pub(crate) fn seal_plaintext(
    plaintext: &[u8],
    passphrase: &str,
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
) -> Vec<u8> {
    let derived = crypto::derive_keys(&pass(passphrase), &salt, kdf).unwrap();
    seal_with(plaintext, &derived, kdf, salt, nonce)
}

/// As [`seal_plaintext`], with keys already derived (for loops).
pub(crate) fn seal_with(
    plaintext: &[u8],
    derived: &crypto::DerivedKeys,
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
) -> Vec<u8> {
    let header = Header {
        version: envelope::VERSION,
        kdf,
        salt,
        nonce,
        key_check: derived.check,
        ciphertext_len: (plaintext.len() + TAG_LEN) as u64,
    };
    envelope::encode_with(&header, |associated_data, body| {
        body.copy_from_slice(plaintext);
        crypto::seal_in_place(&derived.encryption, &nonce, associated_data, body)
    })
    .unwrap()
}

/// The vault's plaintext, as the library stores it.
pub(crate) fn plaintext(vault: &Vault) -> Vec<u8> {
    postcard::to_stdvec(vault).unwrap()
}

/// A deterministic vault file (fixed salt and nonce, cheap cost).
pub(crate) fn file_of(vault: &Vault, passphrase: &str) -> Vec<u8> {
    seal_plaintext(&plaintext(vault), passphrase, cheap(), SALT, NONCE)
}

/// A vault file as the binary writes it (random salt and nonce).
pub(crate) fn encrypt(vault: &Vault, passphrase: &str, kdf: KdfParams) -> Vec<u8> {
    let keys = Keys::fresh(&pass(passphrase), kdf).unwrap();
    session::encrypt(vault, &keys).unwrap()
}

/// Opens file bytes through the library's one way in, `session::open`:
/// structure and checksum, then the key (a mismatch is a wrong passphrase,
/// unless the key check itself was forged), then the AEAD and the decoder.
pub(crate) fn open(bytes: &[u8], passphrase: &str) -> Result<Vault> {
    open_keys(bytes, passphrase).map(|(vault, _)| vault)
}

/// As [`open`], with the keys it derived.
pub(crate) fn open_keys(bytes: &[u8], passphrase: &str) -> Result<(Vault, Keys)> {
    session::open(Path::new(PATH), bytes.to_vec(), &pass(passphrase))
}

/// Opens with keys already derived, as `app` does for a re-read under the
/// lock when the salt and cost did not change; [`open`] otherwise.
pub(crate) fn open_with(bytes: &[u8], passphrase: &str, keys: &Keys) -> Result<Vault> {
    let path = Path::new(PATH);
    let file = CheckedFile::new(path, bytes.to_vec())?;
    if keys.fit(file.header()) {
        return session::decrypt(path, file, keys);
    }
    open(bytes, passphrase)
}

/// The keys of a file that opens, derived once.
pub(crate) fn keys_for(bytes: &[u8], passphrase: &str) -> Keys {
    open_keys(bytes, passphrase).expect("the file opens").1
}

/// Makes the trailing checksum match the bytes before it again, as a
/// forger (or a tool that "repairs" files) would.
pub(crate) fn fix_checksum(bytes: &mut [u8]) {
    if bytes.len() < CHECKSUM_LEN {
        return;
    }
    let end = bytes.len() - CHECKSUM_LEN;
    let sum = crypto::checksum(&bytes[..end]);
    bytes[end..].copy_from_slice(&sum);
}

/// Sets a big-endian u32 header field (12 memory, 16 iterations, 20
/// parallelism) and makes the checksum match.
pub(crate) fn with_u32(bytes: &[u8], offset: usize, value: u32) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
    fix_checksum(&mut b);
    b
}

/// Sets one header byte and makes the checksum match.
pub(crate) fn with_byte(bytes: &[u8], offset: usize, value: u8) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[offset] = value;
    fix_checksum(&mut b);
    b
}

/// The header length, for tests that name positions.
pub(crate) const HEADER: usize = HEADER_LEN;

/// A small seeded generator (SplitMix64) for reproducible choices in tests
/// that are not proptest's: kill delays, sample positions.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), near enough for tests.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// Whether an error is one the contract files under exit 4.
pub(crate) fn is_damage(e: &Error) -> bool {
    e.exit_code() == codevault::error::exit::DAMAGED
}
