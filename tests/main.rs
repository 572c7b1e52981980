//! The end-to-end and in-process tests, as one binary: `tests/common` (the
//! harness that runs the real binary) and `tests/inproc` (vault files built
//! and opened with the library) are compiled once, not once per file.
//!
//! To add a module: write `tests/<concern>.rs` (one concern per file; look
//! for the file that already owns it first), start it with
//! `use crate::common;` (and `use crate::inproc;` if it needs the library
//! directly) where a separate test file would say `mod common;`, and add
//! `mod <concern>;` below, in alphabetical order. Run one module with
//! `cargo test --test main <concern>::`.
//!
//! Cargo does not build `tests/*.rs` on its own (`autotests = false` in
//! `Cargo.toml`): a file not named here is not compiled at all.

mod common;
mod inproc;
mod terminal;

mod agent;
mod arbitrary;
mod audit;
mod bad_fixtures;
mod cli;
mod clipboard;
mod codes;
mod colour;
mod concurrent_writers;
mod crash;
mod damage;
mod diagnosis;
mod errors;
mod export;
mod fixture;
mod fixture_v2;
mod fixture_v3;
mod full_disk;
mod git;
mod hardening;
mod import;
mod init;
mod json_shapes;
mod layers;
mod leaks;
mod man;
mod merge;
mod mistakes;
mod passphrase;
mod passwd;
mod permissions;
mod prompts;
mod secrets;
mod sets;
mod sheets;
mod words;
