//! The frozen vault of format version 2: `tests/fixtures/v2-frozen.cvlt`,
//! written once and committed, must keep opening with the same contents in
//! every later build. It holds what version 2 added: a merge of two copies
//! with a code handed out on both, a set superseded by a newer one made on
//! the other copy (and shown under another number), an account removed on
//! one copy while the other still used it, a refused use and the merge's
//! own event. See `tests/fixtures/README.md`; never regenerate it.

use crate::common;
use crate::fixture::{assert_cheap_vault_of_version, assert_frozen, copy_of, new_fixture_vault};

use std::fs;

use common::{Env, Origin, Reason, exit, header_kdf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v2-frozen.cvlt");

/// Public on purpose: the fixture protects nothing.
const PASSPHRASE: &str = "frozen-fixture-passphrase-2";

// What the fixture holds (written by `write_frozen_v2_fixture` below), from
// one vault copied to two machines A and B, then B merged into A:
//   set 1  alpha  4 codes; code 1 handed out on A and on B; revoked by
//                 A's regenerate (and B's)
//   set 2  gone   2 codes; the account removed on A, still there on B
//   set 3  alpha  3 codes, B's regenerate; superseded by A's later one
//   set 4  alpha  5 codes, A's regenerate (it claimed 3 too, made later);
//                 active
//   B also tried a code of set 1 after regenerating: refused, logged.
/// Set 1, code 1: handed out on both copies, then revoked.
const DOUBLE_USED: &str = "32053095";
/// Set 3, code 2: B's set, superseded by A's.
const SUPERSEDED: &str = "71913975";
/// The fingerprint of the active set 4.
const ACTIVE_FINGERPRINT: &str = "efda-37ac";

/// BLAKE2b-256 of the committed file: regenerating it is caught here first.
const FIXTURE_BLAKE2B: &str = "0111e504b1bb5a92bbfc6ac2062bd94e1b2dfcdae8ada58aaaf666adffd9cb52";

fn frozen() -> Env {
    copy_of(FIXTURE, PASSPHRASE)
}

fn run(env: &Env, args: &[&str]) -> common::Run {
    env.cmd(args).passphrase(PASSPHRASE).run()
}

#[test]
fn the_frozen_file_is_the_one_committed() {
    assert_frozen(FIXTURE, FIXTURE_BLAKE2B);
}

#[test]
fn the_frozen_vault_is_format_version_2_with_a_cheap_cost() {
    assert_cheap_vault_of_version(FIXTURE, 2);
}

#[test]
fn the_frozen_vault_holds_the_merged_result() {
    let env = frozen();
    let list: common::AccountList = run(&env, &["list", "--json"]).ok().json();
    assert_eq!(list.names(), ["alpha"], "the removed account came back");
    let alpha = list.get("alpha");
    assert_eq!((alpha.remaining, alpha.total), (5, 5));
    assert_eq!(alpha.origin, Some(Origin::Generated));
    let shown: common::Shown = run(&env, &["show", "alpha", "--json"]).ok().json();
    assert_eq!(shown.set.id, 4);
    assert_eq!(shown.set.fingerprint, ACTIVE_FINGERPRINT);
}

#[test]
fn the_frozen_vault_explains_each_code() {
    let env = frozen();
    let check = |code: &str| -> (i32, common::Checked) {
        let r = run(&env, &["check", code, "alpha", "--json"]);
        (r.code, r.json())
    };
    let (code, c) = check(DOUBLE_USED);
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Revoked));
    assert_eq!((c.details.set, c.details.index), (Some(1), Some(1)));
    assert!(c.details.used_at.is_some());
    assert_eq!(c.details.revoked_by.as_deref(), Some("regenerate"));

    let (code, c) = check(SUPERSEDED);
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Revoked));
    assert_eq!((c.details.set, c.details.index), (Some(3), Some(2)));
    assert_eq!(c.details.revoked_by.as_deref(), Some("superseded"));
    assert_eq!(c.details.replaced_by, Some(4));
}

#[test]
fn the_frozen_vault_keeps_its_log_and_tombstone() {
    let env = frozen();
    let log: common::Log = run(&env, &["log", "--json"]).ok().json();
    let kinds = log.kinds();
    assert_eq!(kinds.first(), Some(&"init"));
    assert_eq!(kinds.last(), Some(&"merge"));
    assert_eq!(kinds.iter().filter(|k| **k == "next").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "regenerate").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "remove").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "refused").count(), 1);
    let summary = run(&env, &["summary"]).ok().stdout.clone();
    assert!(summary.contains("removed: gone"), "{summary}");
    assert!(summary.contains("  set 1 "), "{summary}");
}

#[test]
fn the_frozen_vault_merges_with_itself_to_nothing_and_can_still_be_changed() {
    let env = frozen();
    let copy = env.write("copy.cvlt", fs::read(FIXTURE).unwrap());
    let merged: common::Merged = env
        .cmd(["merge", "--json"])
        .arg(&copy)
        .passphrase(PASSPHRASE)
        .run()
        .ok()
        .json();
    let m = &merged.merged[0];
    assert_eq!(
        (m.sets, m.uses, m.revocations, m.removals, m.events),
        (0, 0, 0, 0, 0)
    );
    assert!(merged.conflicts.is_empty());
    let next: common::Marked = run(&env, &["next", "alpha", "--json"]).ok().json();
    assert_eq!((next.index, next.remaining), (1, 4));
    assert_ne!(fs::read(FIXTURE).unwrap(), env.bytes());
}

#[test]
fn the_frozen_vault_is_upgraded_by_its_next_write_and_keeps_everything() {
    let env = frozen();
    let read = |env: &Env| {
        let log = run(env, &["log", "--json"]).ok().stdout.clone();
        let alpha = run(env, &["show", "alpha", "--all", "--json"])
            .ok()
            .stdout
            .clone();
        let checks: Vec<String> = [DOUBLE_USED, SUPERSEDED]
            .iter()
            .map(|c| run(env, &["check", c, "alpha", "--json"]).stdout.clone())
            .collect();
        (log, alpha, checks)
    };
    let (log, alpha, checks) = read(&env);
    // A version-2 set has no layout: its codes read as they always did.
    let human = run(&env, &["show", "alpha"]).ok().stdout.clone();
    assert!(
        human
            .lines()
            .nth(1)
            .is_some_and(|l| l.len() == "    1. 1234 5678".len()),
        "{human}"
    );
    let copy = env.write("copy.cvlt", fs::read(FIXTURE).unwrap());
    env.cmd(["merge"])
        .arg(&copy)
        .passphrase(PASSPHRASE)
        .run()
        .ok();
    // Nothing new: no write, still version 2. Then a change writes 3.
    assert_eq!(env.bytes(), fs::read(FIXTURE).unwrap());
    run(&env, &["generate", "beta", "--count", "2"]).ok();
    let bytes = env.bytes();
    assert_eq!(
        u16::from_be_bytes([bytes[8], bytes[9]]),
        codevault::envelope::VERSION
    );
    assert_eq!(header_kdf(&bytes), (8, 1, 1), "the cost changed");
    let (log_after, alpha_after, checks_after) = read(&env);
    assert_eq!(alpha_after, alpha);
    assert_eq!(checks_after, checks);
    let old: serde_json::Value = serde_json::from_str(&log).unwrap();
    let new: serde_json::Value = serde_json::from_str(&log_after).unwrap();
    let (old, new) = (
        old["events"].as_array().unwrap(),
        new["events"].as_array().unwrap(),
    );
    assert_eq!(new[..old.len()], old[..]);
    assert_eq!(new.len(), old.len() + 1);
}

/// Writes `tests/fixtures/v2-frozen.cvlt` and prints the constants above.
/// An existing file is never replaced (see tests/fixtures/README.md).
#[test]
#[ignore = "writes the frozen fixture; run by hand only, see tests/fixtures/README.md"]
fn write_frozen_v2_fixture() {
    let Some(a) = new_fixture_vault(FIXTURE, PASSPHRASE) else {
        return;
    };
    let json = |env: &Env, args: &[&str]| run(env, args).stdout.clone();
    let set1: common::Issued =
        serde_json::from_str(&json(&a, &["generate", "alpha", "--count", "4", "--json"])).unwrap();
    json(&a, &["generate", "gone", "--count", "2"]);
    let b = a.copy_to_another_machine();
    json(&a, &["next", "alpha"]);
    run(&a, &["remove", "gone", "--yes"]).ok();
    json(&b, &["next", "alpha"]);
    let set3: common::Issued = serde_json::from_str(&json(
        &b,
        &["regenerate", "alpha", "--count", "3", "--json"],
    ))
    .unwrap();
    run(&b, &["use", "alpha", &set1.codes[2]]).code(exit::REFUSED);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let set4: common::Issued = serde_json::from_str(&json(
        &a,
        &["regenerate", "alpha", "--count", "5", "--json"],
    ))
    .unwrap();
    a.cmd(["merge"])
        .arg(b.vault())
        .passphrase(PASSPHRASE)
        .run()
        .ok();
    fs::copy(a.vault(), FIXTURE).unwrap();
    println!("const DOUBLE_USED: &str = {:?};", set1.codes[0]);
    println!("const SUPERSEDED: &str = {:?};", set3.codes[1]);
    println!(
        "const ACTIVE_FINGERPRINT: &str = {:?};",
        set4.set.fingerprint
    );
}
