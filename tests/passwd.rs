//! `passwd`: a new passphrase and/or a new key-derivation cost, in one
//! atomic write that keeps every code.

use crate::common;

use crate::common::{Env, PASS, exit, header_kdf};

const NEW: &str = "a brand new passphrase";

/// A vault whose contents the tests compare before and after.
fn vault_with_codes() -> (Env, common::Shown) {
    let env = Env::with_vault();
    env.generate("github", 5);
    env.next("github");
    env.regenerate("github", 4);
    env.next("github");
    env.generate("gitlab", 3);
    let shown = env.show_all("github");
    (env, shown)
}

fn same_contents(a: &common::Shown, b: &common::Shown) {
    assert_eq!(a.set.id, b.set.id);
    assert_eq!(a.set.fingerprint, b.set.fingerprint);
    let marks = |s: &common::Shown| -> Vec<(usize, String, bool)> {
        s.codes
            .iter()
            .map(|c| (c.index, c.code.clone(), c.used.is_some()))
            .collect()
    };
    assert_eq!(marks(a), marks(b));
}

#[test]
fn passwd_sets_the_new_passphrase_from_the_environment() {
    let (env, before) = vault_with_codes();
    let salt_before = env.bytes()[25..57].to_vec();
    env.cmd(["passwd"])
        .passphrase(PASS)
        .new_passphrase(NEW)
        .run()
        .ok();
    let bytes = env.bytes();
    assert_ne!(bytes[25..57], salt_before[..], "a fresh salt");
    assert_eq!(header_kdf(&bytes), (8, 1, 1), "the cost is kept");
    let old = env.cmd(["list"]).passphrase(PASS).run();
    old.fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    let after: common::Shown = env
        .cmd(["show", "github", "--all", "--json"])
        .passphrase(NEW)
        .run()
        .ok()
        .json();
    same_contents(&before, &after);
    // The revoked set came through as well.
    let list: common::AccountList = env
        .cmd(["list", "--json"])
        .passphrase(NEW)
        .run()
        .ok()
        .json();
    assert_eq!(list.names(), ["github", "gitlab"]);
    assert!(env.stray_temps().is_empty());
}

#[test]
fn passwd_reads_the_new_passphrase_from_a_file() {
    let (env, before) = vault_with_codes();
    let file = env.passphrase_file("new", &format!("{NEW}\r\n"));
    env.cmd(["passwd", "--new-passphrase-file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .ok();
    env.cmd(["list"])
        .passphrase(PASS)
        .run()
        .code(exit::WRONG_PASSPHRASE);
    let after: common::Shown = env
        .cmd(["show", "github", "--all", "--json"])
        .passphrase(NEW)
        .run()
        .ok()
        .json();
    same_contents(&before, &after);
}

#[test]
fn passwd_upgrade_keeps_the_passphrase_and_moves_to_the_default_cost() {
    let (env, before) = vault_with_codes();
    assert_eq!(header_kdf(&env.bytes()), (8, 1, 1));
    let run = env.run(["list"]);
    assert!(
        run.stderr.contains("passwd --upgrade"),
        "suggests it\n{run}"
    );
    env.run(["passwd", "--upgrade"]).ok();
    assert_eq!(header_kdf(&env.bytes()), (256, 3, 4));
    same_contents(&before, &env.show_all("github"));
    let run = env.run(["list"]);
    assert!(
        !run.stderr.contains("--upgrade"),
        "no more suggestion\n{run}"
    );
}

#[test]
fn passwd_sets_a_given_cost_and_keeps_the_passphrase() {
    let (env, before) = vault_with_codes();
    env.cmd(["passwd", "--kdf-memory", "16", "--kdf-iterations", "2"])
        .args(["--kdf-parallelism", "2"])
        .passphrase(PASS)
        .run()
        .ok();
    assert_eq!(header_kdf(&env.bytes()), (16, 2, 2));
    same_contents(&before, &env.show_all("github"));
    // One flag changes one field.
    env.run(["passwd", "--kdf-iterations", "3"]).ok();
    assert_eq!(header_kdf(&env.bytes()), (16, 3, 2));
}

#[test]
fn passwd_sets_a_given_cost_and_a_new_passphrase_from_a_file() {
    let (env, before) = vault_with_codes();
    let file = env.passphrase_file("new", &format!("{NEW}\n"));
    env.cmd(["passwd", "--kdf-memory", "16", "--new-passphrase-file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .ok();
    assert_eq!(header_kdf(&env.bytes()), (16, 1, 1));
    env.run(["list"]).code(exit::WRONG_PASSPHRASE);
    let after: common::Shown = env
        .cmd(["show", "github", "--all", "--json"])
        .passphrase(NEW)
        .run()
        .ok()
        .json();
    same_contents(&before, &after);
}

#[test]
fn passwd_with_a_wrong_passphrase_changes_nothing() {
    let (env, _) = vault_with_codes();
    let before = env.bytes();
    env.cmd(["passwd"])
        .passphrase("not the passphrase")
        .new_passphrase(NEW)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["passwd", "--upgrade"])
        .passphrase("not the passphrase")
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.assert_unchanged(&before);
}

#[test]
fn passwd_refuses_an_empty_or_missing_new_passphrase() {
    let (env, _) = vault_with_codes();
    let before = env.bytes();
    env.cmd(["passwd"])
        .passphrase(PASS)
        .env("CODEVAULT_NEW_PASSPHRASE", "")
        .run()
        .fails(exit::USAGE, "empty");
    let empty = env.write("empty", "\n");
    env.cmd(["passwd", "--new-passphrase-file"])
        .arg(&empty)
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "empty");
    env.cmd(["passwd"])
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "passphrase given")
        .hint_says("CODEVAULT_NEW_PASSPHRASE");
    env.assert_unchanged(&before);
    env.run(["list"]).ok();
}

#[test]
fn passwd_is_logged_without_the_passphrase() {
    let (env, _) = vault_with_codes();
    env.run(["passwd", "--upgrade"]).ok();
    let run = env.run(["log", "--json"]);
    let log: common::Log = run.ok().json();
    assert_eq!(log.kinds().last(), Some(&"passwd"));
    assert!(!run.stdout.contains(PASS));
}
