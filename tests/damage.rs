//! A damaged file is always reported as damaged: exit 4, never a panic,
//! never "wrong passphrase", never opened.
//!
//! The exhaustive sweeps (every bit, every length) run in-process through
//! the library's one way in (`session::open`, see `tests/inproc`), the
//! path the binary takes; a bounded sample of the same
//! damage then goes through the real binary, which must say so on its
//! `codevault: error:` line and leave the file as it found it.
//! `errors.rs` has the named positions; this file has the sweeps.

use crate::inproc;

use std::fs;

use crate::common::{Env, PASS, exit};
use crate::inproc::SplitMix;
use codevault::Error;
use codevault::crypto::CHECKSUM_LEN;
use codevault::envelope::{HEADER_LEN, MAGIC};
use codevault::store;

/// The error classes of exit 4, as the error line words them.
const DAMAGE_WORDS: [&str; 5] = [
    "is damaged",
    "is not a codevault vault",
    "unsupported format version",
    "key-derivation cost outside the allowed bounds",
    "was modified",
];

/// The small vault every sweep damages, sealed under [`PASS`].
fn small_file() -> Vec<u8> {
    let bytes = inproc::file_of(&inproc::small_vault(), PASS);
    let opened = inproc::open(&bytes, PASS).expect("the undamaged file opens");
    assert_eq!(opened, inproc::small_vault());
    bytes
}

/// Opens damaged bytes in-process; asserts an error of exit 4, and returns
/// it for the caller to look at.
#[track_caller]
fn assert_damage(bytes: &[u8], what: &dyn Fn() -> String) -> Error {
    match inproc::open(bytes, PASS) {
        Ok(_) => panic!("{} opened", what()),
        Err(e) => {
            assert!(
                !matches!(e, Error::WrongPassphrase { .. }),
                "{} was called a wrong passphrase",
                what()
            );
            assert_eq!(e.exit_code(), 4, "{}: {e} (exit {})", what(), e.exit_code());
            e
        }
    }
}

// ------------------------------------------------------------ in-process

#[test]
fn every_single_bit_flip_is_damage() {
    let good = small_file();
    let mut tried = 0;
    for bit in 0..good.len() * 8 {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_damage(&bad, &|| format!("the flip of bit {bit} of {}", good.len()));
        tried += 1;
    }
    eprintln!(
        "damage: {tried} single-bit flips of a {}-byte vault, every one exit 4",
        good.len()
    );
}

#[test]
fn every_truncation_is_damage() {
    let good = small_file();
    for len in 0..good.len() {
        let e = assert_damage(&good[..len], &|| format!("truncation to {len}"));
        // Once the magic and version are there, the message says damaged.
        if len >= 10 {
            assert!(
                matches!(e, Error::Damaged { .. }),
                "truncation to {len}: {e}"
            );
        }
    }
    eprintln!(
        "damage: {} truncations (lengths 0..{}), every one exit 4",
        good.len(),
        good.len()
    );
}

#[test]
fn trailing_bytes_are_damage() {
    let good = small_file();
    let mut tried = 0;
    for extra in 1..=64usize {
        for fill in [0u8, 0xff, extra as u8] {
            let mut bad = good.clone();
            bad.extend(std::iter::repeat_n(fill, extra));
            let e = assert_damage(&bad, &|| format!("{extra} trailing bytes {fill:#x}"));
            assert!(e.to_string().contains("unexpected bytes"), "{e}");
            tried += 1;
        }
    }
    // A whole second copy of the vault after the first.
    let mut twice = good.clone();
    twice.extend_from_slice(&good);
    assert_damage(&twice, &|| "the vault twice".into());
    eprintln!(
        "damage: {} trailing-data files, every one exit 4",
        tried + 1
    );
}

#[test]
fn empty_random_and_text_files_are_not_vaults() {
    let e = assert_damage(b"", &|| "an empty file".into());
    assert!(matches!(e, Error::NotAVault { .. }), "{e}");
    for text in [
        &b"{\"accounts\": {}, \"next_set_id\": 1, \"events\": []}"[..],
        b"12345678\n87654321\n",
        b"\xef\xbb\xbf# my backup codes\r\n1234 5678\r\n",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        b"\x89CVAULU\n",
    ] {
        let e = assert_damage(text, &|| format!("{text:?}"));
        assert!(matches!(e, Error::NotAVault { .. }), "{e}");
    }
    // Random bytes: plain, behind the magic, behind magic and version.
    let mut rng = SplitMix(0xdead_beef);
    let good = small_file();
    let mut tried = 0;
    for round in 0..3000 {
        let len = rng.below(700) as usize;
        let mut bytes = rng.bytes(len);
        let prefix = match round % 3 {
            0 => 0,
            1 => MAGIC.len(),
            _ => 10,
        };
        let prefix = prefix.min(len);
        bytes[..prefix].copy_from_slice(&good[..prefix]);
        // Some with a well-formed header, so the lengths are what is wrong.
        if round % 10 == 9 && len > HEADER_LEN {
            bytes[..HEADER_LEN].copy_from_slice(&good[..HEADER_LEN]);
        }
        assert_damage(&bytes, &|| format!("random file {round} ({len} bytes)"));
        tried += 1;
    }
    eprintln!("damage: {tried} random files, every one exit 4");
}

#[test]
fn a_directory_or_an_oversized_file_is_refused_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.cvlt");
    fs::create_dir(&vault).unwrap();
    let e = store::read(&vault).unwrap_err();
    assert!(matches!(e, Error::NotAVault { .. }), "{e}");
    assert_eq!(e.exit_code(), 4);

    // A sparse file larger than any vault is refused by its size, unread.
    let huge = dir.path().join("huge.cvlt");
    let f = fs::File::create(&huge).unwrap();
    f.set_len(codevault::envelope::MAX_FILE + 1).unwrap();
    let e = store::read(&huge).unwrap_err();
    assert!(matches!(e, Error::Damaged { .. }), "{e}");
    assert_eq!(e.exit_code(), 4);
}

/// A forger who recomputes the checksum gets past the structure check;
/// what is past it must still be refused as modified. Salt, cost and key
/// check are left out here: see `a_forged_key_check_is_modified_not_a_wrong_passphrase`
/// and the limits noted in `bad_fixtures.rs`.
#[test]
fn every_forged_bit_of_the_nonce_length_and_ciphertext_is_modified() {
    let good = small_file();
    let keys = inproc::keys_for(&good, PASS);
    let body_end = good.len() - CHECKSUM_LEN;
    let mut tried = 0;
    // nonce 58..82, ciphertext length 114..122, ciphertext and tag.
    let ranges = [58..82, 114..122, HEADER_LEN..body_end];
    for range in ranges {
        for byte in range {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[byte] ^= 1 << bit;
                inproc::fix_checksum(&mut bad);
                // Salt, cost and key check are untouched: for_file would
                // derive these very keys, so reusing them is exact.
                let e = inproc::open_with(&bad, PASS, &keys).expect_err("a forged file opened");
                assert_eq!(e.exit_code(), 4, "byte {byte} bit {bit}: {e}");
                tried += 1;
            }
        }
    }
    eprintln!("damage: {tried} forged single-bit flips (checksum recomputed), every one exit 4");
}

/// The key check is only a shortcut to tell a mistyped passphrase: with the
/// right passphrase, a forged key check leaves the AEAD to decide, and the
/// file was modified (exit 4), not unlocked with a wrong passphrase.
#[test]
fn a_forged_key_check_is_modified_not_a_wrong_passphrase() {
    let good = small_file();
    for byte in [82, 100, 113] {
        let mut bad = good.clone();
        bad[byte] ^= 1;
        inproc::fix_checksum(&mut bad);
        let e = inproc::open(&bad, PASS).expect_err("a forged file opened");
        assert_eq!(e.exit_code(), 4, "key check byte {byte}: {e}");
    }
}

// ------------------------------------------------------- through the binary

/// Bit positions worth trying through the binary besides the regular
/// sample: the first and last bit of every header field and of the
/// ciphertext, tag and checksum.
fn edge_bits(len: usize) -> Vec<usize> {
    let starts = [
        0,
        8,
        10,
        11,
        12,
        16,
        20,
        24,
        25,
        57,
        58,
        82,
        114,
        HEADER_LEN,
        len - CHECKSUM_LEN - 16,
        len - CHECKSUM_LEN,
        len,
    ];
    let mut bits = Vec::new();
    for w in starts.windows(2) {
        bits.push(w[0] * 8);
        bits.push(w[1] * 8 - 1);
    }
    bits
}

/// Runs one read and one write command on the damaged file in turn (by
/// `i`) and asserts exit 4, the error line, and the file untouched.
#[track_caller]
fn binary_refuses(env: &Env, bad: &[u8], i: usize, what: &str) {
    fs::write(env.vault(), bad).unwrap();
    let args: &[&str] = match i % 3 {
        0 => &["list"],
        1 => &["next", "github"],
        _ => &["show", "github", "--all", "--json"],
    };
    let run = env.run(args);
    assert_eq!(run.code, exit::DAMAGED, "{what} {args:?}\n{run}");
    run.fails(exit::DAMAGED, &env.vault().display().to_string());
    let line = run.error();
    assert!(
        DAMAGE_WORDS.iter().any(|w| line.contains(w)),
        "{what}: the error line names no damage\n{run}"
    );
    assert!(run.stdout.is_empty(), "{what}: printed on stdout\n{run}");
    env.assert_unchanged(bad);
    assert!(env.stray_temps().is_empty(), "{what}: temp file left");
}

#[test]
fn a_sample_of_flips_and_truncations_through_the_binary() {
    let env = Env::new();
    let good = small_file();
    fs::write(env.vault(), &good).unwrap();
    env.run(["list"]).ok();

    let mut bits: Vec<usize> = (0..good.len() * 8).step_by(7).collect();
    bits.extend(edge_bits(good.len()));
    bits.sort_unstable();
    bits.dedup();
    for (i, &bit) in bits.iter().enumerate() {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        binary_refuses(&env, &bad, i, &format!("flip of bit {bit}"));
    }

    let mut lens: Vec<usize> = (0..good.len()).step_by(13).collect();
    let n = good.len();
    lens.extend([
        1,
        7,
        8,
        9,
        10,
        11,
        121,
        122,
        123,
        n - 33,
        n - 32,
        n - 31,
        n - 1,
    ]);
    lens.sort_unstable();
    lens.dedup();
    for (i, &len) in lens.iter().enumerate() {
        binary_refuses(&env, &good[..len], i, &format!("truncation to {len}"));
    }

    let mut trailing = good.clone();
    trailing.extend_from_slice(b"\n");
    binary_refuses(&env, &trailing, 0, "a trailing newline");
    trailing.extend_from_slice(&good);
    binary_refuses(&env, &trailing, 1, "a second copy appended");

    fs::write(env.vault(), &good).unwrap();
    env.run(["list"]).ok();
    eprintln!(
        "damage: {} flips and {} truncations of a {}-byte vault through the binary, every one exit 4",
        bits.len(),
        lens.len(),
        good.len()
    );
}

#[test]
fn random_bytes_through_the_binary_are_not_a_vault() {
    let env = Env::new();
    let mut rng = SplitMix(7);
    for i in 0..12 {
        let len = [0, 1, 9, 121, 122, 500][i % 6] + rng.below(3) as usize;
        let bytes = rng.bytes(len);
        binary_refuses(&env, &bytes, i, &format!("{len} random bytes"));
    }
}
