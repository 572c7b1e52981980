//! codevault: an encrypted local vault for two-factor backup codes.
//!
//! The map, from the outside in:
//!
//! ```text
//! main ─> cli (clap types) ─> app (one function per command; app/context
//!           is the shared unlock and locked read-modify-write)
//!           app ─> prompt   where the passphrase and answers come from
//!           app ─> strength how guessable a new passphrase is (zxcvbn)
//!           app ─> session  file bytes <-> Vault: envelope + crypto + postcard
//!                  session ─> envelope  the file format, checked before any KDF
//!                  session ─> crypto    Argon2id, XChaCha20-Poly1305, BLAKE2b, BLAKE3
//!           app ─> store    file-system code: lock, read, atomic write,
//!                           sync tools' conflict copies
//!           app ─> seen     what this machine saw of each vault path (older
//!                           copies refused), kept with store's atomic write
//!           app ─> vault    the domain: accounts, sets, diagnosis, merge
//!                           (pure); its stored schema, version 2 and 1
//!                  vault ─> code  generating, normalising, showing codes
//!           app ─> output   JSON and human views
//!           app ─> clipboard  `next --copy`: xclip / wl-copy, cleared later
//!                  output, error ─> display  untrusted text made safe to show
//!           app ─> agent    the key agent: keeps derived keys between
//!                           commands (`unlock`), and its client
//! error, secret: shared by all; secrets are zeroed and never printed.
//! style: which words are coloured; main decides per stream if it shows.
//! sys: process hardening (no core dumps, not dumpable, locked memory).
//! ```
//!
//! Unsafe code is refused everywhere but in the small modules that talk
//! to the kernel, `sys`, `crypto::memory` and `agent::unix`; each block
//! there says why it is sound.

#![deny(unsafe_code)]

#[cfg(not(unix))]
compile_error!("codevault runs on Unix-like systems (Linux, the BSDs, macOS) only");

pub mod agent;
pub mod app;
pub mod cli;
pub mod clipboard;
pub mod code;
pub mod crypto;
pub mod display;
pub mod envelope;
pub mod error;
pub mod import;
pub mod output;
pub mod prompt;
pub mod secret;
pub mod seen;
pub mod session;
pub mod store;
pub mod strength;
pub mod style;
#[allow(unsafe_code)]
pub mod sys;
pub mod vault;

pub use app::{Outcome, run};
pub use error::{Error, Result};

/// The settings of the crate's property tests: `cases` random cases, and a
/// failure kept beside the test's source (`tests.proptest-regressions`),
/// where it is re-run first, rather than in a folder at the top.
#[cfg(test)]
pub(crate) fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, FileFailurePersistence};
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::with_cases(cases)
    }
}
