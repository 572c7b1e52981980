//! The frozen vault of format version 3: `tests/fixtures/v3-frozen.cvlt`,
//! written once and committed, must keep opening with the same contents in
//! every later build. It holds what version 3 added: imported sets that
//! keep the platform's layout (upper-case dashed groups, lower-case dashed
//! groups, a 25-character recovery key, longer than version 2 allowed),
//! codes the imported text marked used, and a generated set beside them,
//! which has no layout. See `tests/fixtures/README.md`; never regenerate it.

use crate::common;
use crate::fixture::{assert_cheap_vault_of_version, assert_frozen, copy_of, new_fixture_vault};

use std::fs;

use common::{Env, Origin, Reason, exit, import_fixture};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v3-frozen.cvlt");

/// Public on purpose: the fixture protects nothing.
const PASSPHRASE: &str = "frozen-fixture-passphrase-3";

// What the fixture holds (written by `write_frozen_v3_fixture` below):
//   set 1  acme      letters-upper.txt: 5 codes `K7PM-2XQ9-WB4N`; code 1
//                    handed out by `next`
//   set 2  discord   discord-backup-codes.txt: 10 codes `7k2m-9xq4`, codes
//                    2 and 5 marked `(used)` in the file
//   set 3  microsoft recovery-key.txt: 1 code of 5 groups of 5
//   set 4  vpn       4 generated codes, no layout
/// The fingerprints of the four sets, in order.
const FINGERPRINTS: [&str; 4] = ["ac7b-0554", "f2a2-27ee", "eeda-a22a", "2878-654f"];

/// BLAKE2b-256 of the committed file: regenerating it is caught here first.
const FIXTURE_BLAKE2B: &str = "dd852739e76e8bfb00e08506a122ae6dbacf76a5e92237589d9bacced23b38b5";

fn frozen() -> Env {
    copy_of(FIXTURE, PASSPHRASE)
}

fn run(env: &Env, args: &[&str]) -> common::Run {
    env.cmd(args).passphrase(PASSPHRASE).run()
}

/// The codes `show --all` prints for an account, as people read them.
fn printed(env: &Env, account: &str) -> Vec<String> {
    run(env, &["show", account, "--all"])
        .ok()
        .stdout
        .lines()
        .skip(1)
        .map(|l| {
            let rest = l.trim_start().split_once(". ").unwrap().1;
            rest.split("  ").next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_frozen_file_is_the_one_committed() {
    assert_frozen(FIXTURE, FIXTURE_BLAKE2B);
}

#[test]
fn the_frozen_vault_is_format_version_3_with_a_cheap_cost() {
    assert_cheap_vault_of_version(FIXTURE, 3);
}

#[test]
fn the_frozen_vault_holds_its_sets() {
    let env = frozen();
    let list: common::AccountList = run(&env, &["list", "--json"]).ok().json();
    assert_eq!(list.names(), ["acme", "discord", "microsoft", "vpn"]);
    let left: Vec<(usize, usize)> = list
        .accounts
        .iter()
        .map(|a| (a.remaining, a.total))
        .collect();
    assert_eq!(left, [(4, 5), (8, 10), (1, 1), (4, 4)]);
    for (i, name) in ["acme", "discord", "microsoft", "vpn"].iter().enumerate() {
        let shown: common::Shown = run(&env, &["show", name, "--json"]).ok().json();
        assert_eq!(shown.set.id, i as u64 + 1);
        assert_eq!(shown.set.fingerprint, FINGERPRINTS[i], "{name}");
        let origin = if *name == "vpn" {
            Origin::Generated
        } else {
            Origin::Imported
        };
        assert_eq!(shown.set.origin, origin);
    }
}

#[test]
fn the_frozen_vault_shows_codes_as_the_platform_printed_them() {
    let env = frozen();
    assert_eq!(
        printed(&env, "acme"),
        [
            "K7PM-2XQ9-WB4N",
            "R4TD-8HJC-3ZVE",
            "N2GX-5QLM-7YBK",
            "F9WA-3CRP-6TXH",
            "D8ZU-4MKB-2JNQ"
        ]
    );
    assert_eq!(printed(&env, "discord")[..2], ["7k2m-9xq4", "h3pw-6c8r"]);
    assert_eq!(
        printed(&env, "microsoft"),
        ["7QKRM-4XTWB-9JC2H-PFV3D-8G6YN"]
    );
    // A generated set has no layout: the usual `1234 5678`.
    for code in printed(&env, "vpn") {
        assert!(code.len() == 9 && code.as_bytes()[4] == b' ', "{code:?}");
    }
    let next = run(&env, &["next", "acme"]);
    assert_eq!(next.ok().stdout, "R4TD-8HJC-3ZVE\n");
}

#[test]
fn the_frozen_vault_keeps_the_uses_its_texts_recorded() {
    let env = frozen();
    let discord: common::Shown = run(&env, &["show", "discord", "--all", "--json"])
        .ok()
        .json();
    let used: Vec<(usize, Option<&str>)> = discord
        .used()
        .iter()
        .map(|c| (c.index, c.used.as_ref().unwrap().note.as_deref()))
        .collect();
    let note = Some("marked used in the imported text");
    assert_eq!(used, [(2, note), (5, note)]);
    let c: common::Checked = run(&env, &["check", "K7PM 2XQ9 WB4N", "acme", "--json"])
        .code(exit::REFUSED)
        .json();
    assert_eq!(c.reason, Reason::Used);
    let c: common::Checked = run(
        &env,
        &["check", "7qkrm4xtwb9jc2hpfv3d8g6yn", "microsoft", "--json"],
    )
    .ok()
    .json();
    assert_eq!(c.reason, Reason::Unused);
}

/// Writes `tests/fixtures/v3-frozen.cvlt` and prints the constants above.
/// An existing file is never replaced (see tests/fixtures/README.md).
#[test]
#[ignore = "writes the frozen fixture; run by hand only, see tests/fixtures/README.md"]
fn write_frozen_v3_fixture() {
    let Some(env) = new_fixture_vault(FIXTURE, PASSPHRASE) else {
        return;
    };
    let mut fingerprints = Vec::new();
    for (account, file) in [
        ("acme", "letters-upper.txt"),
        ("discord", "discord-backup-codes.txt"),
        ("microsoft", "recovery-key.txt"),
    ] {
        let issued: common::Issued = env
            .cmd(["import", account, "--json", "--file"])
            .arg(import_fixture(file))
            .passphrase(PASSPHRASE)
            .run()
            .ok()
            .json();
        fingerprints.push(issued.set.fingerprint);
    }
    run(&env, &["next", "acme"]).ok();
    let vpn: common::Issued = run(&env, &["generate", "vpn", "--count", "4", "--json"])
        .ok()
        .json();
    fingerprints.push(vpn.set.fingerprint);
    fs::copy(env.vault(), FIXTURE).unwrap();
    println!("const FINGERPRINTS: [&str; 4] = {fingerprints:?};");
}
