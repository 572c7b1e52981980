//! The frozen vault: `tests/fixtures/v1-frozen.cvlt`, written once by
//! format version 1, must keep opening with the same contents in every later
//! build. A change to the file format or to the stored schema that breaks
//! this test needs a new format version (and a new frozen file beside this
//! one), never a regenerated fixture. See `tests/fixtures/README.md`.

use crate::common;

use std::fs;
use std::path::Path;

use crate::common::{CHEAP_KDF, Env, Origin, Reason, exit, header_kdf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1-frozen.cvlt");

/// Public on purpose: the fixture protects nothing.
const PASSPHRASE: &str = "frozen-fixture-passphrase";

// What the fixture holds (written by `write_frozen_fixture` below):
//   set 1  alpha             5 codes, code 1 handed out by `next`, then
//                            revoked by `regenerate`
//   set 2  alpha             4 codes, code 2 used with a note; active
//   set 3  instagram:@brand  3 codes, code 1 handed out by `next`; active
//
// Two codes of the revoked set 1, which no command shows any more, are the
// known answers for `check`. They are test data of a public fixture.
/// Set 1, code 3: never used, revoked.
const REVOKED_UNUSED: &str = "91310974";
/// Set 1, code 1: handed out by `next`, then revoked.
const REVOKED_USED: &str = "83536017";
/// The fingerprints of the active sets, as a printed sheet shows them.
const ALPHA_FINGERPRINT: &str = "dc68-c258";
const BRAND_FINGERPRINT: &str = "0700-e4f2";
const NOTE: &str = "used in the fixture";

/// A copy of the fixture as the vault of a fresh env: tests never touch the
/// committed file.
fn frozen() -> Env {
    copy_of(FIXTURE, PASSPHRASE)
}

/// A copy of a committed fixture as the vault of a fresh env, its
/// passphrase guarded as a secret. Shared with every format version's
/// fixture module.
pub(crate) fn copy_of(fixture: &str, passphrase: &str) -> Env {
    let env = Env::new();
    fs::copy(fixture, env.vault()).unwrap_or_else(|e| panic!("{fixture} is committed: {e}"));
    env.remember(passphrase);
    env
}

/// Asserts a frozen fixture's bytes are the ones committed: a regenerated
/// fixture is caught here first.
#[track_caller]
pub(crate) fn assert_frozen(fixture: &str, blake2b: &str) {
    use blake2::Blake2b;
    use blake2::digest::Digest;
    use blake2::digest::consts::U32;
    let digest = Blake2b::<U32>::digest(fs::read(fixture).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex, blake2b,
        "{fixture} was changed; frozen fixtures are never regenerated"
    );
}

/// For a fixture writer: a new vault at the cheapest cost under
/// `passphrase`, or `None` (said) if `fixture` exists: a frozen file is
/// never replaced.
pub(crate) fn new_fixture_vault(fixture: &str, passphrase: &str) -> Option<Env> {
    if Path::new(fixture).exists() {
        println!("{fixture} exists and is frozen; nothing written");
        return None;
    }
    let env = Env::new();
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase(passphrase)
        .run()
        .ok();
    Some(env)
}

/// Asserts a frozen fixture's header: a vault of format `version` at the
/// cheapest cost, so that opening it in a test is quick.
#[track_caller]
pub(crate) fn assert_cheap_vault_of_version(fixture: &str, version: u16) {
    let bytes = fs::read(fixture).unwrap();
    assert_eq!(&bytes[..8], b"\x89CVAULT\n");
    assert_eq!(u16::from_be_bytes([bytes[8], bytes[9]]), version);
    assert_eq!(header_kdf(&bytes), (8, 1, 1));
}

fn run(env: &Env, args: &[&str]) -> common::Run {
    env.cmd(args).passphrase(PASSPHRASE).run()
}

/// BLAKE2b-256 of the committed file: regenerating it is caught here first.
const FIXTURE_BLAKE2B: &str = "0571e6a6ac9d2ed28a6765ff81a9b2a7c0681ab09d279d6dfff195c4e5cfcfb6";

#[test]
fn the_frozen_file_is_the_one_committed() {
    assert_frozen(FIXTURE, FIXTURE_BLAKE2B);
}

#[test]
fn the_frozen_vault_is_format_version_1_with_a_cheap_cost() {
    assert_cheap_vault_of_version(FIXTURE, 1);
}

#[test]
fn the_frozen_vault_lists_its_accounts() {
    let env = frozen();
    let list: common::AccountList = run(&env, &["list", "--json"]).ok().json();
    assert_eq!(list.names(), ["alpha", "instagram:@brand"]);
    let alpha = list.get("alpha");
    // 3 of 4 and 2 of 3 left: more than 40% of each set, so not low.
    assert_eq!((alpha.remaining, alpha.total, alpha.low), (3, 4, false));
    assert_eq!(alpha.origin, Some(Origin::Generated));
    let brand = list.get("instagram:@brand");
    assert_eq!((brand.remaining, brand.total, brand.low), (2, 3, false));
    assert_eq!(brand.origin, Some(Origin::Generated));
}

#[test]
fn the_frozen_vault_shows_its_active_sets() {
    let env = frozen();
    let alpha: common::Shown = run(&env, &["show", "alpha", "--all", "--json"]).ok().json();
    assert_eq!(alpha.set.id, 2);
    assert_eq!(alpha.set.origin, Origin::Generated);
    assert_eq!(alpha.set.fingerprint, ALPHA_FINGERPRINT);
    let indexes: Vec<usize> = alpha.codes.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [1, 2, 3, 4]);
    let used = alpha.used();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].index, 2);
    let mark = used[0].used.as_ref().unwrap();
    assert_eq!(mark.note.as_deref(), Some(NOTE));
    assert!(mark.at >= alpha.set.created);
    for c in &alpha.codes {
        assert!(c.code.len() == 8 && c.code.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(c.code, REVOKED_UNUSED);
        assert_ne!(c.code, REVOKED_USED);
    }

    let brand: common::Shown = run(&env, &["show", "instagram:@brand", "--all", "--json"])
        .ok()
        .json();
    assert_eq!(brand.set.id, 3);
    assert_eq!(brand.set.fingerprint, BRAND_FINGERPRINT);
    assert_eq!(brand.codes.len(), 3);
    assert_eq!(brand.used().len(), 1);
    assert_eq!(brand.codes[0].used.as_ref().unwrap().note, None);
}

#[test]
fn the_frozen_vault_knows_every_codes_state() {
    let env = frozen();
    let check = |code: &str, account: Option<&str>| -> (i32, common::Checked) {
        let mut args = vec!["check", code];
        args.extend(account);
        args.push("--json");
        let r = run(&env, &args);
        (r.code, r.json())
    };

    for (code, used) in [(REVOKED_UNUSED, false), (REVOKED_USED, true)] {
        let (exit_code, c) = check(code, Some("alpha"));
        assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Revoked));
        assert_eq!(c.details.set, Some(1));
        assert_eq!(c.details.replaced_by, Some(2));
        assert_eq!(c.details.used_at.is_some(), used);
        assert!(c.details.revoked_at.unwrap() >= c.details.set_created.unwrap());
        // Without an account, the vault finds whose it is.
        let (_, c) = check(code, None);
        assert_eq!(c.account.as_deref(), Some("alpha"));
    }

    let alpha: common::Shown = run(&env, &["show", "alpha", "--all", "--json"]).ok().json();
    let used = &alpha.codes[1].code;
    let (exit_code, c) = check(used, Some("alpha"));
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Used));
    assert_eq!(c.details.note.as_deref(), Some(NOTE));
    let unused = &alpha.codes[0].code;
    let (exit_code, c) = check(unused, Some("alpha"));
    assert_eq!((exit_code, c.reason), (exit::OK, Reason::Unused));
    let (exit_code, c) = check(unused, Some("instagram:@brand"));
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::OtherAccount));
}

#[test]
fn the_frozen_vault_keeps_its_log() {
    let env = frozen();
    let log: common::Log = run(&env, &["log", "--json"]).ok().json();
    assert_eq!(
        log.kinds(),
        [
            "init",
            "generate",
            "next",
            "regenerate",
            "use",
            "generate",
            "next"
        ]
    );
}

#[test]
fn the_frozen_vault_refuses_another_passphrase() {
    let env = frozen();
    let before = env.bytes();
    env.cmd(["list"])
        .passphrase("Frozen-fixture-passphrase")
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.assert_unchanged(&before);
}

#[test]
fn the_frozen_vault_can_still_be_changed() {
    let env = frozen();
    let next: common::Marked = run(&env, &["next", "alpha", "--json"]).ok().json();
    assert_eq!(next.index, 1);
    assert_eq!(next.remaining, 2);
    let list: common::AccountList = run(&env, &["list", "--json"]).ok().json();
    assert_eq!(list.get("alpha").remaining, 2);
    // The committed file is untouched.
    assert_ne!(fs::read(FIXTURE).unwrap(), env.bytes());
}

#[test]
fn the_frozen_vault_is_upgraded_to_the_current_version_by_its_next_write_and_keeps_everything() {
    let env = frozen();
    let log_events = |env: &Env| -> Vec<serde_json::Value> {
        let log: serde_json::Value = run(env, &["log", "--json"]).ok().json();
        log["events"].as_array().unwrap().clone()
    };
    let before_log = log_events(&env);
    let show_alpha = |env: &Env| {
        run(env, &["show", "alpha", "--all", "--json"])
            .ok()
            .stdout
            .clone()
    };
    let before_alpha = show_alpha(&env);
    // Reading does not rewrite the file.
    assert_eq!(env.bytes(), fs::read(FIXTURE).unwrap());
    run(&env, &["next", "instagram:@brand"]).ok();
    let bytes = env.bytes();
    assert_eq!(
        u16::from_be_bytes([bytes[8], bytes[9]]),
        codevault::envelope::VERSION,
        "not upgraded"
    );
    assert_eq!(header_kdf(&bytes), (8, 1, 1), "the cost changed");
    // Everything the version-1 file held is there, as it was.
    assert_eq!(show_alpha(&env), before_alpha);
    let log = log_events(&env);
    assert_eq!(log.len(), before_log.len() + 1);
    assert_eq!(log[..before_log.len()], before_log[..]);
    assert_eq!(log.last().unwrap()["event"], "next");
    for (code, reason) in [
        (REVOKED_UNUSED, Reason::Revoked),
        (REVOKED_USED, Reason::Revoked),
    ] {
        let c: common::Checked = run(&env, &["check", code, "alpha", "--json"]).json();
        assert_eq!(c.reason, reason);
        assert_eq!((c.details.set, c.details.replaced_by), (Some(1), Some(2)));
    }
    let list: common::AccountList = run(&env, &["list", "--json"]).ok().json();
    assert_eq!(list.get("instagram:@brand").remaining, 1);
}

/// Writes `tests/fixtures/v1-frozen.cvlt` and prints the constants above.
/// Only for a new format version's fixture: an existing file is never
/// replaced (see tests/fixtures/README.md for the command).
#[test]
#[ignore = "writes the frozen fixture; run by hand only, see tests/fixtures/README.md"]
fn write_frozen_fixture() {
    let Some(env) = new_fixture_vault(FIXTURE, PASSPHRASE) else {
        return;
    };
    let json = |args: &[&str]| run(&env, args).ok().stdout.clone();
    let set1: common::Issued =
        serde_json::from_str(&json(&["generate", "alpha", "--count", "5", "--json"])).unwrap();
    json(&["next", "alpha"]);
    let set2: common::Issued =
        serde_json::from_str(&json(&["regenerate", "alpha", "--count", "4", "--json"])).unwrap();
    json(&["use", "alpha", &set2.codes[1], "--note", NOTE]);
    let set3: common::Issued = serde_json::from_str(&json(&[
        "generate",
        "instagram:@brand",
        "--count",
        "3",
        "--json",
    ]))
    .unwrap();
    json(&["next", "instagram:@brand"]);

    fs::create_dir_all(Path::new(FIXTURE).parent().unwrap()).unwrap();
    fs::copy(env.vault(), FIXTURE).unwrap();
    println!("const REVOKED_UNUSED: &str = {:?};", set1.codes[2]);
    println!("const REVOKED_USED: &str = {:?};", set1.codes[0]);
    println!(
        "const ALPHA_FINGERPRINT: &str = {:?};",
        set2.set.fingerprint
    );
    println!(
        "const BRAND_FINGERPRINT: &str = {:?};",
        set3.set.fingerprint
    );
}
