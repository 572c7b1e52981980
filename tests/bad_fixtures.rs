//! Fixtures that must fail: a committed corpus of bad vault files under
//! `tests/fixtures/bad/`, each with the exit code and the class of message
//! the binary must answer with (age's `testdata/fail_*` in spirit).
//!
//! The corpus is generated from [`CORPUS`] by an ignored test, so every file
//! says in code how it was made; the README beside the files is generated
//! from the same table. To regenerate both (the files are deterministic:
//! fixed salt, nonce, time and codes):
//!
//! ```sh
//! cargo test --test main -- --ignored --exact bad_fixtures::write_bad_fixtures
//! ```
//!
//! The non-ignored tests open every committed file with the binary, check
//! that the directory holds exactly the table's files and that the README
//! is the one the table gives, and that a file asking for 4 TiB of Argon2
//! memory is refused without allocating it.

use crate::inproc;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{Env, exit};
use codevault::crypto::CHECKSUM_LEN;
use codevault::envelope::{HEADER_LEN, MAX_CIPHERTEXT};

const DIR: &str = "tests/fixtures/bad";

/// The passphrase of every file of the corpus. Public on purpose: the files
/// protect nothing, and the tests must get past the key check to reach the
/// AEAD and the decoder.
const PASSPHRASE: &str = "bad-fixture-passphrase";

const REGENERATE: &str =
    "cargo test --test main -- --ignored --exact bad_fixtures::write_bad_fixtures";

/// One file of the corpus.
struct Bad {
    file: &'static str,
    /// The exit code `list` and `next github` must end with.
    exit: i32,
    /// A substring of the `codevault: error:` line (empty for exit 0).
    class: &'static str,
    what: &'static str,
    make: fn(&[u8]) -> Vec<u8>,
}

const fn bad(
    file: &'static str,
    exit: i32,
    class: &'static str,
    what: &'static str,
    make: fn(&[u8]) -> Vec<u8>,
) -> Bad {
    Bad {
        file,
        exit,
        class,
        what,
        make,
    }
}

// ------------------------------------------------------------ the makers

fn good(b: &[u8]) -> Vec<u8> {
    b.to_vec()
}

fn set_u16(b: &[u8], at: usize, v: u16) -> Vec<u8> {
    let mut b = b.to_vec();
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
    inproc::fix_checksum(&mut b);
    b
}

fn set_u64(b: &[u8], at: usize, v: u64) -> Vec<u8> {
    let mut b = b.to_vec();
    b[at..at + 8].copy_from_slice(&v.to_be_bytes());
    inproc::fix_checksum(&mut b);
    b
}

fn ct_len(b: &[u8]) -> u64 {
    (b.len() - HEADER_LEN - CHECKSUM_LEN) as u64
}

/// Flips one bit and recomputes the checksum: a deliberate forgery.
fn forge(b: &[u8], at: usize) -> Vec<u8> {
    let mut b = b.to_vec();
    b[at] ^= 0x01;
    inproc::fix_checksum(&mut b);
    b
}

fn sealed(plain: &[u8]) -> Vec<u8> {
    inproc::seal_plaintext(
        plain,
        PASSPHRASE,
        inproc::cheap(),
        inproc::SALT,
        inproc::NONCE,
    )
}

/// The corpus. Each line: file, exit code, message class, what it is, how
/// it is made from the control file (a small vault under [`PASSPHRASE`]).
/// Every header change is made with the checksum recomputed, so that only
/// the field under test can refuse the file.
const CORPUS: &[Bad] = &[
    bad(
        "control-good.cvlt",
        0,
        "",
        "the undamaged control file every other file is made from; must open",
        good,
    ),
    // --- not a vault at all
    bad(
        "empty.cvlt",
        4,
        "is not a codevault vault",
        "an empty file",
        |_| Vec::new(),
    ),
    bad(
        "text.txt",
        4,
        "is not a codevault vault",
        "a text file of backup codes",
        |_| b"My backup codes\n1234 5678\n8765 4321\n".to_vec(),
    ),
    bad(
        "json.json",
        4,
        "is not a codevault vault",
        "a JSON document",
        |_| b"{\"accounts\": {\"github\": []}}\n".to_vec(),
    ),
    bad(
        "bad-magic.cvlt",
        4,
        "is not a codevault vault",
        "first magic byte 0x88 instead of 0x89",
        |b| inproc::with_byte(b, 0, 0x88),
    ),
    bad(
        "magic-only-half.cvlt",
        4,
        "is not a codevault vault",
        "the first 4 bytes of the magic",
        |b| b[..4].to_vec(),
    ),
    // --- version
    bad(
        "version-0.cvlt",
        4,
        "unsupported format version 0",
        "format version 0",
        |b| set_u16(b, 8, 0),
    ),
    bad(
        "version-4.cvlt",
        4,
        "unsupported format version 4",
        "format version 4, from a future codevault",
        |b| set_u16(b, 8, 4),
    ),
    bad(
        "version-65535.cvlt",
        4,
        "unsupported format version 65535",
        "format version 65535",
        |b| set_u16(b, 8, u16::MAX),
    ),
    // --- algorithm and reserved byte
    bad(
        "kdf-algorithm-0.cvlt",
        4,
        "unknown key-derivation algorithm 0",
        "KDF algorithm byte 0",
        |b| inproc::with_byte(b, 10, 0),
    ),
    bad(
        "kdf-algorithm-2.cvlt",
        4,
        "unknown key-derivation algorithm 2",
        "KDF algorithm byte 2",
        |b| inproc::with_byte(b, 10, 2),
    ),
    bad(
        "kdf-algorithm-255.cvlt",
        4,
        "unknown key-derivation algorithm 255",
        "KDF algorithm byte 255",
        |b| inproc::with_byte(b, 10, 255),
    ),
    bad(
        "reserved-1.cvlt",
        4,
        "a reserved header byte is not zero",
        "reserved byte 1",
        |b| inproc::with_byte(b, 11, 1),
    ),
    bad(
        "reserved-128.cvlt",
        4,
        "a reserved header byte is not zero",
        "reserved byte 0x80",
        |b| inproc::with_byte(b, 11, 0x80),
    ),
    // --- key-derivation cost: just outside the bounds and absurdly far
    bad(
        "kdf-memory-0.cvlt",
        4,
        "bounds: memory 0 is outside 8-4096 MiB",
        "Argon2 memory 0 MiB",
        |b| inproc::with_u32(b, 12, 0),
    ),
    bad(
        "kdf-memory-7.cvlt",
        4,
        "bounds: memory 7 is outside 8-4096 MiB",
        "Argon2 memory 7 MiB, one below the floor",
        |b| inproc::with_u32(b, 12, 7),
    ),
    bad(
        "kdf-memory-4097.cvlt",
        4,
        "bounds: memory 4097 is outside 8-4096 MiB",
        "Argon2 memory 4097 MiB, one above the ceiling",
        |b| inproc::with_u32(b, 12, 4097),
    ),
    bad(
        "kdf-memory-4194304.cvlt",
        4,
        "bounds: memory 4194304 is outside 8-4096 MiB",
        "Argon2 memory 4 TiB (4194304 MiB): must be refused without allocating",
        |b| inproc::with_u32(b, 12, 4_194_304),
    ),
    bad(
        "kdf-memory-4294967295.cvlt",
        4,
        "bounds: memory 4294967295 is outside 8-4096 MiB",
        "Argon2 memory u32::MAX MiB",
        |b| inproc::with_u32(b, 12, u32::MAX),
    ),
    bad(
        "kdf-iterations-0.cvlt",
        4,
        "bounds: iterations 0 is outside 1-32",
        "Argon2 iterations 0",
        |b| inproc::with_u32(b, 16, 0),
    ),
    bad(
        "kdf-iterations-33.cvlt",
        4,
        "bounds: iterations 33 is outside 1-32",
        "Argon2 iterations 33, one above the ceiling",
        |b| inproc::with_u32(b, 16, 33),
    ),
    bad(
        "kdf-iterations-4294967295.cvlt",
        4,
        "bounds: iterations 4294967295 is outside 1-32",
        "Argon2 iterations u32::MAX: must be refused without deriving",
        |b| inproc::with_u32(b, 16, u32::MAX),
    ),
    bad(
        "kdf-parallelism-0.cvlt",
        4,
        "bounds: parallelism 0 is outside 1-16",
        "Argon2 parallelism 0",
        |b| inproc::with_u32(b, 20, 0),
    ),
    bad(
        "kdf-parallelism-17.cvlt",
        4,
        "bounds: parallelism 17 is outside 1-16",
        "Argon2 parallelism 17, one above the ceiling",
        |b| inproc::with_u32(b, 20, 17),
    ),
    bad(
        "kdf-parallelism-4294967295.cvlt",
        4,
        "bounds: parallelism 4294967295 is outside 1-16",
        "Argon2 parallelism u32::MAX",
        |b| inproc::with_u32(b, 20, u32::MAX),
    ),
    // --- salt and nonce length bytes
    bad(
        "salt-length-0.cvlt",
        4,
        "salt length 0 (expected 32)",
        "salt length byte 0",
        |b| inproc::with_byte(b, 24, 0),
    ),
    bad(
        "salt-length-16.cvlt",
        4,
        "salt length 16 (expected 32)",
        "salt length byte 16",
        |b| inproc::with_byte(b, 24, 16),
    ),
    bad(
        "salt-length-255.cvlt",
        4,
        "salt length 255 (expected 32)",
        "salt length byte 255",
        |b| inproc::with_byte(b, 24, 255),
    ),
    bad(
        "nonce-length-0.cvlt",
        4,
        "nonce length 0 (expected 24)",
        "nonce length byte 0",
        |b| inproc::with_byte(b, 57, 0),
    ),
    bad(
        "nonce-length-12.cvlt",
        4,
        "nonce length 12 (expected 24)",
        "nonce length byte 12 (ChaCha20-Poly1305's, not XChaCha's)",
        |b| inproc::with_byte(b, 57, 12),
    ),
    bad(
        "nonce-length-255.cvlt",
        4,
        "nonce length 255 (expected 24)",
        "nonce length byte 255",
        |b| inproc::with_byte(b, 57, 255),
    ),
    // --- the ciphertext length field
    bad(
        "ciphertext-length-plus-1.cvlt",
        4,
        "is damaged: it is truncated",
        "length field one more than the file holds",
        |b| set_u64(b, 114, ct_len(b) + 1),
    ),
    bad(
        "ciphertext-length-minus-1.cvlt",
        4,
        "1 unexpected bytes follow the end of the vault",
        "length field one less than the file holds",
        |b| set_u64(b, 114, ct_len(b) - 1),
    ),
    bad(
        "ciphertext-length-0.cvlt",
        4,
        "impossible ciphertext length 0",
        "length field 0, shorter than the tag",
        |b| set_u64(b, 114, 0),
    ),
    bad(
        "ciphertext-length-15.cvlt",
        4,
        "impossible ciphertext length 15",
        "length field 15, one short of the tag",
        |b| set_u64(b, 114, 15),
    ),
    bad(
        "ciphertext-length-1gib-plus-1.cvlt",
        4,
        "impossible ciphertext length 1073741825",
        "length field 1 GiB + 1, above the largest vault",
        |b| set_u64(b, 114, MAX_CIPHERTEXT + 1),
    ),
    bad(
        "ciphertext-length-u64-max.cvlt",
        4,
        "impossible ciphertext length 18446744073709551615",
        "length field u64::MAX: must not be allocated or overflow",
        |b| set_u64(b, 114, u64::MAX),
    ),
    // --- truncated and extended files
    bad(
        "truncated-after-magic.cvlt",
        4,
        "it ends inside the header",
        "the magic and one version byte",
        |b| b[..9].to_vec(),
    ),
    bad(
        "truncated-header.cvlt",
        4,
        "it ends inside the header",
        "the first 60 bytes of the header",
        |b| b[..60].to_vec(),
    ),
    bad(
        "truncated-header-121.cvlt",
        4,
        "it ends inside the header",
        "the header but its last byte",
        |b| b[..HEADER_LEN - 1].to_vec(),
    ),
    bad(
        "truncated-header-only.cvlt",
        4,
        "is damaged: it is truncated",
        "the header and nothing else",
        |b| b[..HEADER_LEN].to_vec(),
    ),
    bad(
        "truncated-ciphertext.cvlt",
        4,
        "is damaged: it is truncated",
        "cut in the middle of the ciphertext",
        |b| b[..(HEADER_LEN + b.len() - CHECKSUM_LEN) / 2].to_vec(),
    ),
    bad(
        "truncated-checksum.cvlt",
        4,
        "is damaged: it is truncated",
        "the last byte of the checksum missing",
        |b| b[..b.len() - 1].to_vec(),
    ),
    bad(
        "no-checksum.cvlt",
        4,
        "is damaged: it is truncated",
        "the whole checksum missing",
        |b| b[..b.len() - CHECKSUM_LEN].to_vec(),
    ),
    bad(
        "trailing-newline.cvlt",
        4,
        "1 unexpected bytes follow the end of the vault",
        "a newline appended (a text editor's save)",
        |b| {
            let mut b = b.to_vec();
            b.push(b'\n');
            b
        },
    ),
    bad(
        "trailing-copy.cvlt",
        4,
        "unexpected bytes follow the end of the vault",
        "the file twice, one after the other",
        |b| [b, b].concat(),
    ),
    // --- checksum
    bad(
        "checksum-mismatch.cvlt",
        4,
        "its checksum does not match its contents",
        "the last byte of the checksum flipped",
        |b| {
            let mut b = b.to_vec();
            *b.last_mut().unwrap() ^= 0x01;
            b
        },
    ),
    bad(
        "checksum-zeroed.cvlt",
        4,
        "its checksum does not match its contents",
        "the checksum all zeros",
        |b| {
            let mut b = b.to_vec();
            let n = b.len();
            b[n - CHECKSUM_LEN..].fill(0);
            b
        },
    ),
    bad(
        "bit-flip-in-ciphertext.cvlt",
        4,
        "its checksum does not match its contents",
        "one bit of the ciphertext flipped (accidental damage)",
        |b| {
            let mut b = b.to_vec();
            b[HEADER_LEN + 5] ^= 0x10;
            b
        },
    ),
    // --- forgeries: the checksum recomputed, so the AEAD must refuse
    bad(
        "forged-ciphertext.cvlt",
        4,
        "was modified",
        "a ciphertext bit flipped, checksum recomputed",
        |b| forge(b, HEADER_LEN + 5),
    ),
    bad(
        "forged-tag.cvlt",
        4,
        "was modified",
        "a tag bit flipped, checksum recomputed",
        |b| forge(b, b.len() - CHECKSUM_LEN - 1),
    ),
    bad(
        "forged-nonce.cvlt",
        4,
        "was modified",
        "a nonce bit flipped, checksum recomputed",
        |b| forge(b, 70),
    ),
    bad(
        "forged-spliced-ciphertext.cvlt",
        4,
        "was modified",
        "the ciphertext of the same vault sealed under another nonce, spliced under this header, checksum recomputed",
        |b| {
            let plain = inproc::plaintext(&inproc::small_vault());
            let other = inproc::seal_plaintext(
                &plain,
                PASSPHRASE,
                inproc::cheap(),
                inproc::SALT,
                [0x3c; 24],
            );
            let mut f = [&b[..HEADER_LEN], &other[HEADER_LEN..]].concat();
            inproc::fix_checksum(&mut f);
            f
        },
    ),
    bad(
        "forged-key-check.cvlt",
        4,
        "was modified",
        "a key-check bit flipped, checksum recomputed; the passphrase is right",
        |b| forge(b, 100),
    ),
    // --- authenticated, but the plaintext is not a vault
    bad(
        "plaintext-empty.cvlt",
        4,
        "its decrypted contents are not a vault",
        "an authenticated empty plaintext",
        |_| sealed(b""),
    ),
    bad(
        "plaintext-garbage.cvlt",
        4,
        "its decrypted contents are not a vault",
        "authenticated bytes that are not postcard of a vault",
        |_| sealed(&[0xff; 64]),
    ),
    bad(
        "plaintext-trailing-byte.cvlt",
        4,
        "its decrypted contents are not a vault",
        "an authenticated vault with one byte after it",
        |_| {
            let mut p = inproc::plaintext(&inproc::small_vault());
            p.push(0);
            sealed(&p)
        },
    ),
    bad(
        "plaintext-truncated.cvlt",
        4,
        "its decrypted contents are not a vault",
        "an authenticated vault missing its last byte",
        |_| {
            let mut p = inproc::plaintext(&inproc::small_vault());
            p.pop();
            sealed(&p)
        },
    ),
    bad(
        "plaintext-json.cvlt",
        4,
        "its decrypted contents are not a vault",
        "an authenticated JSON document",
        |_| sealed(br#"{"accounts":{},"next_set_id":1,"events":[]}"#),
    ),
    // --- the limit of what can be told apart (see the README)
    bad(
        "forged-kdf-memory-9.cvlt",
        3,
        "wrong passphrase",
        "Argon2 memory 8 -> 9 MiB, in bounds, checksum recomputed: the key differs, indistinguishable from a wrong passphrase",
        |b| inproc::with_u32(b, 12, 9),
    ),
    bad(
        "forged-salt.cvlt",
        3,
        "wrong passphrase",
        "a salt bit flipped, checksum recomputed: the key differs, indistinguishable from a wrong passphrase",
        |b| forge(b, 40),
    ),
];

/// The control file: a small vault under [`PASSPHRASE`].
fn control() -> Vec<u8> {
    inproc::file_of(&inproc::small_vault(), PASSPHRASE)
}

fn path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join(file)
}

fn readme() -> String {
    let mut s = String::new();
    s.push_str(
        "# Bad vault files\n\
         \n\
         Files that must never open, each with the exit code and the class of\n\
         message (a substring of the `codevault: error:` line) that `list` and\n\
         `next github` must answer with, whatever the passphrase source. Every\n\
         header change is made with the checksum recomputed, so that only the\n\
         field under test can refuse the file. `tests/bad_fixtures.rs` opens each\n\
         one with the binary on every `cargo test`.\n\
         \n\
         The files and this README are generated from the table `CORPUS` in\n\
         `tests/bad_fixtures.rs` (deterministic: fixed salt, nonce, time and\n\
         codes). Do not edit them by hand; change the table, then run:\n\
         \n\
         ```sh\n",
    );
    s.push_str(REGENERATE);
    s.push_str(
        "\n```\n\
         \n\
         Passphrase of every file: `bad-fixture-passphrase` (public on purpose;\n\
         the files protect nothing). Cost: Argon2id, 8 MiB, 1 iteration, 1 lane.\n\
         \n\
         | file | exit | message class | what it is |\n\
         | --- | --- | --- | --- |\n",
    );
    for b in CORPUS {
        let class = if b.class.is_empty() {
            "(opens)".to_string()
        } else {
            format!("`{}`", b.class)
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            b.file, b.exit, class, b.what
        ));
    }
    s.push_str(
        "\n## Limits\n\
         \n\
         `forged-kdf-memory-9.cvlt` and `forged-salt.cvlt` answer \"wrong\n\
         passphrase\" (exit 3), and no file format without a second secret could\n\
         do better: the key is derived from the passphrase, the salt and the\n\
         cost, so a changed salt or cost gives a different key, exactly as a\n\
         different passphrase would. The trailing checksum catches every\n\
         accidental change of those fields (exit 4); only a forger who\n\
         recomputes it gets exit 3, and never an open vault.\n\
         \n\
         A forged key check is different: the right passphrase still gives\n\
         the right key, which opens the file once its key check is put back,\n\
         so `forged-key-check.cvlt` says it was modified (exit 4).\n\
         \n\
         No check of a single file can tell an older copy of the vault (a\n\
         restored backup, a rolled-back sync) from the current one: that is\n\
         a whole vault.\n",
    );
    s
}

/// Writes the corpus and its README. Run by hand; see the module header.
#[test]
#[ignore = "writes tests/fixtures/bad/; run by hand only, see tests/fixtures/bad/README.md"]
fn write_bad_fixtures() {
    let base = control();
    fs::create_dir_all(path("")).unwrap();
    for b in CORPUS {
        fs::write(path(b.file), (b.make)(&base)).unwrap();
    }
    fs::write(path("README.md"), readme()).unwrap();
    println!("wrote {} files and README.md to {DIR}", CORPUS.len());
}

/// Opens one committed file (a copy of it) with a read and a write command.
fn assert_answer(b: &Bad) {
    let committed = fs::read(path(b.file))
        .unwrap_or_else(|e| panic!("{}: {e}; regenerate with `{REGENERATE}`", b.file));
    let env = Env::new();
    fs::write(env.vault(), &committed).unwrap();
    for args in [&["list"][..], &["next", "github", "--json"]] {
        let run = env.cmd(args).passphrase(PASSPHRASE).run();
        if b.exit == exit::OK {
            run.ok();
            // Put the control file back for the next command.
            fs::write(env.vault(), &committed).unwrap();
            continue;
        }
        assert_eq!(run.code, b.exit, "{} ({}) {args:?}\n{run}", b.file, b.what);
        run.fails(b.exit, b.class);
        assert!(run.stdout.is_empty(), "{}\n{run}", b.file);
        env.assert_unchanged(&committed);
        assert!(env.stray_temps().is_empty(), "{}", b.file);
    }
}

#[test]
fn every_bad_file_fails_with_its_exit_code_and_message() {
    let mut opened = 0;
    for b in CORPUS {
        assert_answer(b);
        opened += 1;
    }
    eprintln!("bad fixtures: {opened} files opened with `list` and `next`, each as its table says");
}

#[test]
fn the_committed_corpus_is_the_table() {
    let on_disk: BTreeSet<String> = fs::read_dir(path(""))
        .unwrap_or_else(|e| panic!("{DIR}: {e}; generate it with `{REGENERATE}`"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut expected: BTreeSet<String> = CORPUS.iter().map(|b| b.file.to_string()).collect();
    expected.insert("README.md".into());
    assert_eq!(on_disk, expected, "regenerate with `{REGENERATE}`");
    assert_eq!(
        fs::read_to_string(path("README.md")).unwrap(),
        readme(),
        "the README is not the table's; regenerate with `{REGENERATE}`"
    );
    // The committed bytes are what the table makes today: a change of the
    // format (a new checksum, a new plaintext schema) asks for a
    // regeneration here rather than a puzzling answer from a stale file.
    let base = control();
    for b in CORPUS {
        let fresh = (b.make)(&base);
        assert!(
            fs::read(path(b.file)).unwrap() == fresh,
            "{} is stale; regenerate with `{REGENERATE}`",
            b.file
        );
    }
    // Every file answers as the table says when made afresh, in-process
    // too: the makers themselves are right, not just the committed bytes.
    for b in CORPUS {
        let fresh = (b.make)(&base);
        let answer = inproc::open(&fresh, PASSPHRASE);
        match answer {
            Ok(_) => assert_eq!(b.exit, 0, "{} opened in-process", b.file),
            Err(e) => {
                assert_eq!(i32::from(e.exit_code()), b.exit, "{}: {e}", b.file);
                assert!(e.to_string().contains(b.class), "{}: {e}", b.file);
            }
        }
    }
}

// ------------------------------------------------- refused without the cost

/// The address space the binary gets in [`run_measured`]: ample for any
/// vault of the suite (8 MiB of Argon2), far below what an absurd cost
/// would ask for, so that a binary which tried to allocate it would fail
/// loudly instead of answering exit 4.
const ADDRESS_SPACE: u64 = 1 << 30;

/// Runs the binary to its end under an address-space limit of
/// [`ADDRESS_SPACE`] and returns its exit code and its wall time.
///
/// Peak RSS (`ru_maxrss`) cannot be the measure here: Linux carries the
/// spawning process's peak over `exec`, and in the one test binary that is
/// the whole suite's, far above anything codevault uses.
fn run_measured(env: &Env, args: &[&str]) -> (i32, Duration) {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let mut cmd = env.cmd(args).passphrase(PASSPHRASE).std_command();
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: the closure runs in the forked child before exec and only
    // calls setrlimit(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let deadline = start + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let elapsed = start.elapsed();
            let code = status
                .code()
                .unwrap_or_else(|| panic!("{args:?} killed by signal {:?}", status.signal()));
            return (code, elapsed);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} ran past 60 s: the cost was not refused");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A file asking for 4 TiB (and every other absurd cost) is refused before
/// any memory is allocated for it: the binary runs with a 1 GiB address
/// space, so an attempt to allocate would fail it (an abort, another exit
/// code) rather than pass. The time is only reported (no timed assertions
/// in `cargo test`).
#[test]
fn an_absurd_cost_is_refused_without_allocating() {
    let env = Env::new();
    fs::write(env.vault(), fs::read(path("control-good.cvlt")).unwrap()).unwrap();
    let (code, control_time) = run_measured(&env, &["list"]);
    assert_eq!(code, exit::OK, "the control vault opens within the limit");
    let mut wrong = Vec::new();
    for file in [
        "kdf-memory-4194304.cvlt",
        "kdf-memory-4294967295.cvlt",
        "kdf-memory-4097.cvlt",
        "kdf-iterations-4294967295.cvlt",
        "kdf-parallelism-4294967295.cvlt",
    ] {
        fs::write(env.vault(), fs::read(path(file)).unwrap()).unwrap();
        for args in [&["list"][..], &["next", "github"]] {
            let (code, time) = run_measured(&env, args);
            eprintln!(
                "bad fixtures: {file} {args:?}: exit {code} in {:.1} ms \
                 (the control vault: opened in {:.1} ms)",
                time.as_secs_f64() * 1e3,
                control_time.as_secs_f64() * 1e3,
            );
            if code != exit::DAMAGED {
                wrong.push(format!("{file} {args:?}: exit {code}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "refused late or not at all (address space {ADDRESS_SPACE} bytes): {wrong:#?}"
    );
}
