//! Arbitrary bytes never panic: thousands of random and mutated files, and
//! random plaintexts sealed under the right key so they reach the decoder
//! behind the authentication, all through the binary's open path in-process
//! (see `tests/inproc`). Damaged input is always an error of exit 4; only
//! bytes equal to a real vault's may open.
//!
//! `fuzz/` holds the cargo-fuzz targets for long runs; this is the bounded
//! run that every `cargo test` makes. A failure is saved by proptest in
//! `tests/arbitrary.proptest-regressions` and replayed first on the next
//! run.

use crate::common;
use crate::inproc;

use std::path::Path;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use codevault::crypto::{self, CHECKSUM_LEN, DerivedKeys};
use codevault::envelope::HEADER_LEN;
use codevault::session::{self, Keys};
use codevault::vault::Vault;
use codevault::{Error, Result};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

const PASS: &str = "arbitrary bytes passphrase";
const CASES: u32 = 4096;

/// The real vault every mutation starts from, and what it takes to open
/// and seal under its key without deriving it again for every case.
struct Base {
    vault: Vault,
    file: Vec<u8>,
    keys: Keys,
    derived: DerivedKeys,
    key_check: [u8; 32],
}

static BASE: LazyLock<Base> = LazyLock::new(|| {
    let vault = inproc::small_vault();
    let file = inproc::file_of(&vault, PASS);
    let keys = inproc::keys_for(&file, PASS);
    let derived = crypto::derive_keys(&inproc::pass(PASS), &inproc::SALT, inproc::cheap()).unwrap();
    let key_check = file[82..114].try_into().unwrap();
    Base {
        vault,
        file,
        keys,
        derived,
        key_check,
    }
});

/// What the cases reached, reported once a property has run all of them.
struct Tally {
    cases: AtomicUsize,
    deep: AtomicUsize,
    opened: AtomicUsize,
}

impl Tally {
    const fn new() -> Tally {
        Tally {
            cases: AtomicUsize::new(0),
            deep: AtomicUsize::new(0),
            opened: AtomicUsize::new(0),
        }
    }

    /// Counts a case; after the last one, prints what the cases reached.
    fn case(&self, what: &str, deep: bool, opened: bool, deep_means: &str) {
        self.deep.fetch_add(deep.into(), Ordering::Relaxed);
        self.opened.fetch_add(opened.into(), Ordering::Relaxed);
        if self.cases.fetch_add(1, Ordering::Relaxed) + 1 == CASES as usize {
            eprintln!(
                "arbitrary: {what}: {CASES} cases, {} {deep_means}, {} opened as a vault",
                self.deep.load(Ordering::Relaxed),
                self.opened.load(Ordering::Relaxed)
            );
        }
    }
}

static FORGED: Tally = Tally::new();
static PLAIN: Tally = Tally::new();
static MUTATED_PLAIN: Tally = Tally::new();
static MUTATED: Tally = Tally::new();

/// One change to a byte string; indices are taken modulo its length.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// Replace a range with bytes from elsewhere in the same file.
    SpliceSelf(Index, Index, usize),
    /// Replace a range with random bytes.
    SpliceRandom(Index, Vec<u8>),
    /// A big-endian u32 or u64 written at a position (lengths, costs).
    Int(Index, u64, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = prop::collection::vec(any::<u8>(), 1..40);
    prop_oneof![
        4 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<Index>(), bytes.clone()).prop_map(|(i, v)| Mutation::Insert(i, v)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), any::<Index>(), 1usize..48)
            .prop_map(|(a, b, n)| Mutation::SpliceSelf(a, b, n)),
        1 => (any::<Index>(), bytes).prop_map(|(i, v)| Mutation::SpliceRandom(i, v)),
        2 => (any::<Index>(), any::<u64>(), any::<bool>())
            .prop_map(|(i, v, wide)| Mutation::Int(i, v, wide)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match m {
        Mutation::Insert(i, v) => {
            let at = if n == 0 { 0 } else { i.index(n + 1) };
            bytes.splice(at..at, v.iter().copied());
        }
        _ if n == 0 => {}
        Mutation::Flip(i, b) => bytes[i.index(n)] ^= 1 << b,
        Mutation::Set(i, b) => bytes[i.index(n)] = *b,
        Mutation::Delete(i, len) => {
            let at = i.index(n);
            bytes.drain(at..(at + len).min(n));
        }
        Mutation::Truncate(i) => bytes.truncate(i.index(n)),
        Mutation::SpliceSelf(a, b, len) => {
            let (from, to) = (a.index(n), b.index(n));
            let len = (*len).min(n - from).min(n - to);
            let chunk = bytes[from..from + len].to_vec();
            bytes[to..to + len].copy_from_slice(&chunk);
        }
        Mutation::SpliceRandom(i, v) => {
            let at = i.index(n);
            let len = v.len().min(n - at);
            bytes[at..at + len].copy_from_slice(&v[..len]);
        }
        Mutation::Int(i, v, wide) => {
            let at = i.index(n);
            let be = if *wide {
                v.to_be_bytes().to_vec()
            } else {
                (*v as u32).to_be_bytes().to_vec()
            };
            let len = be.len().min(n - at);
            bytes[at..at + len].copy_from_slice(&be[..len]);
        }
    }
}

/// The outcome the contract wants for bytes that may or may not be the
/// original file: the original opens to its vault; anything else is an
/// error of exit 4, never a wrong passphrase.
fn judge(result: Result<Vault>, unchanged: bool) -> std::result::Result<(), TestCaseError> {
    match result {
        Ok(v) => {
            prop_assert!(unchanged, "changed bytes opened");
            prop_assert_eq!(&v, &BASE.vault);
        }
        Err(e) => {
            prop_assert!(!unchanged, "the original file failed: {}", e);
            prop_assert!(
                !matches!(e, Error::WrongPassphrase { .. }),
                "damage called a wrong passphrase"
            );
            prop_assert_eq!(e.exit_code(), 4, "{}", e);
        }
    }
    Ok(())
}

/// Opens forged bytes (checksum recomputed) as the binary would on its
/// first read, deriving only what the cheap cost allows: returns `None`
/// where the binary would derive an expensive key (a cost that is in
/// bounds but not the cheap one), which the test does not spend.
fn open_forged(bytes: &[u8]) -> Option<Result<Vault>> {
    let path = Path::new(inproc::PATH);
    let env = match session::check(path, bytes) {
        Ok(env) => env,
        Err(e) => return Some(Err(e)),
    };
    if BASE.keys.fit(&env.header) {
        if env.header.key_check != BASE.key_check {
            // The library decides what a forged key check is: derive the
            // (cheap) key again, as the binary would.
            return Some(inproc::open(bytes, PASS));
        }
        let file = session::CheckedFile::new(path, bytes.to_vec()).expect("checked above");
        return Some(session::decrypt(path, file, &BASE.keys));
    }
    let k = env.header.kdf;
    if k.memory_mib() <= 16 && k.iterations() <= 2 && k.parallelism() <= 2 {
        return Some(inproc::open(bytes, PASS));
    }
    None
}

/// Which parts of the base file a forged file (checksum recomputed)
/// changed: the salt or cost (`key`), the key check, and the rest (magic,
/// version, nonce, length, ciphertext; a different length counts as all).
struct Forged {
    key: bool,
    key_check: bool,
    rest: bool,
}

impl Forged {
    fn of(bytes: &[u8]) -> Forged {
        let base = &BASE.file;
        if bytes.len() != base.len() {
            return Forged {
                key: bytes.len() < HEADER_LEN || bytes[12..57] != base[12..57],
                key_check: bytes.len() < 114 || bytes[82..114] != base[82..114],
                rest: true,
            };
        }
        let end = bytes.len() - CHECKSUM_LEN;
        Forged {
            key: bytes[12..24] != base[12..24] || bytes[25..57] != base[25..57],
            key_check: bytes[82..114] != base[82..114],
            rest: bytes[..12] != base[..12]
                || bytes[24] != base[24]
                || bytes[57..82] != base[57..82]
                || bytes[114..end] != base[114..end],
        }
    }
}

/// A file sealing `plain` under the base key, with a correct header: the
/// way to put arbitrary bytes in front of the plaintext decoder.
fn sealed(plain: &[u8]) -> Vec<u8> {
    inproc::seal_with(
        plain,
        &BASE.derived,
        inproc::cheap(),
        inproc::SALT,
        inproc::NONCE,
    )
}

/// Decrypts a sealed plaintext with the base keys, as `app` does.
fn decode_sealed(file: &[u8]) -> Result<Vault> {
    inproc::open_with(file, PASS, &BASE.keys)
}

/// What a vault the decoder accepted must still allow: every read the
/// commands make, and being written and read back unchanged.
fn exercise(v: &Vault) -> std::result::Result<(), TestCaseError> {
    for (name, account) in v.accounts() {
        let _ = name.chars().count();
        for set in &account.sets {
            let _ = (set.remaining(), set.is_low(), set.fingerprint());
        }
        let _ = account.active().map(|s| s.remaining());
    }
    let _ = v.events().len();
    let _ = v.alphabets();
    let again = session::encrypt(v, &BASE.keys).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back = inproc::open_with(&again, PASS, &BASE.keys)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, v);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(
            FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::with_cases(CASES)
    })]

    #[test]
    fn random_bytes_are_never_a_vault(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        judge(inproc::open(&bytes, PASS), false)?;
    }

    #[test]
    fn random_bytes_behind_a_real_header_are_damage(
        keep in 0usize..=HEADER_LEN + 40,
        tail in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = BASE.file[..keep.min(BASE.file.len())].to_vec();
        bytes.extend(tail);
        let unchanged = bytes == BASE.file;
        judge(inproc::open(&bytes, PASS), unchanged)?;
    }

    #[test]
    fn a_mutated_vault_is_damage(muts in prop::collection::vec(mutation(), 1..6)) {
        let mut bytes = BASE.file.clone();
        for m in &muts {
            apply(&mut bytes, m);
        }
        let unchanged = bytes == BASE.file;
        let result = inproc::open(&bytes, PASS);
        MUTATED.case("mutated files", unchanged, result.is_ok(), "left unchanged by their mutations");
        judge(result, unchanged)?;
    }

    /// Mutations with the checksum made to match again: the header checks,
    /// the key check and the AEAD have to catch them.
    #[test]
    fn a_forged_vault_never_opens_and_never_panics(muts in prop::collection::vec(mutation(), 1..6)) {
        let mut bytes = BASE.file.clone();
        for m in &muts {
            apply(&mut bytes, m);
        }
        inproc::fix_checksum(&mut bytes);
        let unchanged = bytes == BASE.file;
        let result = open_forged(&bytes);
        let past_check = session::check(Path::new(inproc::PATH), &bytes).is_ok();
        FORGED.case(
            "forged files",
            past_check,
            matches!(result, Some(Ok(_))),
            "passed the structure check and reached the key check or the AEAD",
        );
        if let Some(result) = result {
            let forged = Forged::of(&bytes);
            match result {
                Ok(v) => {
                    prop_assert!(unchanged, "a forged file opened");
                    prop_assert_eq!(&v, &BASE.vault);
                }
                // A forged salt or cost gives another key, as another
                // passphrase would: a wrong passphrase to any format without
                // a second secret (see bad_fixtures' README). So does a
                // forged key check together with a forged body, which no
                // key can tell from a wrong passphrase either.
                Err(Error::WrongPassphrase { .. }) => {
                    prop_assert!(
                        forged.key || (forged.key_check && forged.rest),
                        "a wrong passphrase without a forged salt or cost, or a forged key check and body"
                    );
                }
                // A forged key check alone: the right passphrase opens the
                // rest, so the file was modified.
                Err(e) if forged.key_check && !forged.key && !forged.rest => {
                    prop_assert!(matches!(e, Error::Tampered { .. }), "a forged key check: {}", e);
                    prop_assert_eq!(e.exit_code(), 4, "{}", e);
                }
                Err(e) => prop_assert_eq!(e.exit_code(), 4, "{}", e),
            }
        }
    }

    /// Arbitrary plaintext, authenticated: the decoder refuses it as
    /// damage (exit 4) or, where the bytes happen to be a vault, the vault
    /// is usable and survives a save.
    #[test]
    fn any_authenticated_plaintext_is_a_vault_or_damage(plain in prop::collection::vec(any::<u8>(), 0..2048)) {
        let result = decode_sealed(&sealed(&plain));
        PLAIN.case("random authenticated plaintexts", true, result.is_ok(), "reached the decoder");
        match result {
            Ok(v) => exercise(&v)?,
            Err(e) => {
                prop_assert!(matches!(e, Error::Damaged { .. }), "{}", e);
                prop_assert_eq!(e.exit_code(), 4);
            }
        }
    }

    /// A real vault's plaintext, mutated, then authenticated.
    #[test]
    fn a_mutated_authenticated_plaintext_is_a_vault_or_damage(muts in prop::collection::vec(mutation(), 1..5)) {
        let mut plain = inproc::plaintext(&BASE.vault);
        for m in &muts {
            apply(&mut plain, m);
        }
        let result = decode_sealed(&sealed(&plain));
        MUTATED_PLAIN.case("mutated authenticated plaintexts", true, result.is_ok(), "reached the decoder");
        match result {
            Ok(v) => exercise(&v)?,
            Err(e) => {
                prop_assert!(matches!(e, Error::Damaged { .. }), "{}", e);
                prop_assert_eq!(e.exit_code(), 4);
            }
        }
    }
}

/// The bounds do not depend on how the cost is reached: every value just
/// outside them, and the extremes, fail the same way when forged.
#[test]
fn every_cost_field_at_its_edges_is_refused_or_derived() {
    let edges: [(usize, &[u32]); 3] = [
        (12, &[0, 7, 4097, 1 << 20, u32::MAX]),
        (16, &[0, 33, 1 << 16, u32::MAX]),
        (20, &[0, 17, 1 << 8, u32::MAX]),
    ];
    for (offset, values) in edges {
        for &v in values {
            let bytes = inproc::with_u32(&BASE.file, offset, v);
            let e = inproc::open(&bytes, PASS).unwrap_err();
            assert!(
                matches!(e, Error::KdfOutOfBounds { .. }),
                "{offset} {v}: {e}"
            );
            assert_eq!(e.exit_code(), 4);
        }
    }
    // Just inside the bounds the file is structurally fine, and the key
    // derived for the forged cost is another key: a wrong passphrase.
    let bytes = inproc::with_u32(&BASE.file, 12, 9);
    session::check(Path::new(inproc::PATH), &bytes).expect("a cost in bounds passes the checks");
    let e = inproc::open(&bytes, PASS).unwrap_err();
    assert!(matches!(e, Error::WrongPassphrase { .. }), "{e}");
}

/// Vaults the decoder accepts although no codevault wrote them (mutated
/// plaintexts that still parse), through the real binary: every command
/// answers without a panic, and whatever a write leaves still opens.
#[test]
fn odd_but_authenticated_vaults_never_make_the_binary_panic() {
    let env = common::Env::new();
    let mut rng = inproc::SplitMix(2024);
    let base = inproc::plaintext(&BASE.vault);
    let mut found = 0;
    let mut tried = 0;
    while found < 30 && tried < 20_000 {
        tried += 1;
        let mut plain = base.clone();
        for _ in 0..1 + rng.below(3) {
            let n = plain.len();
            let at = rng.below(n as u64) as usize;
            match rng.below(4) {
                0 => plain[at] ^= 1 << rng.below(8),
                1 => plain[at] = rng.below(256) as u8,
                2 => plain.insert(at, rng.below(256) as u8),
                _ => {
                    plain.remove(at);
                }
            }
        }
        let Ok(v) = decode_sealed(&sealed(&plain)) else {
            continue;
        };
        if v == BASE.vault {
            continue;
        }
        found += 1;
        let file = sealed(&plain);
        for args in [
            &["list", "--json"][..],
            &["log", "--json"],
            &["show", "github", "--all", "--json"],
            &["show", "gitlab", "--sheet"],
            &["check", "20000001"],
            &["check", "30000001", "gitlab"],
            &["next", "gitlab"],
            &["use", "github", "20000002"],
            &["use", "github", "10000000"],
            &["regenerate", "github", "--count", "3"],
            &["generate", "new-account", "--count", "2"],
            &["revoke", "gitlab"],
            &["remove", "github", "--yes"],
        ] {
            std::fs::write(env.vault(), &file).unwrap();
            let run = env.cmd(args).passphrase(PASS).run();
            assert!(
                [0, 1, 2, 4].contains(&run.code),
                "odd vault {found}: {args:?}\n{run}"
            );
            if run.code == 0 && env.bytes() != file {
                env.cmd(["list"]).passphrase(PASS).run().ok();
            }
        }
    }
    assert!(found >= 10, "only {found} odd vaults in {tried} tries");
    eprintln!(
        "arbitrary: {found} odd authenticated vaults (of {tried} mutated plaintexts) through 13 commands of the binary, no panic"
    );
}
