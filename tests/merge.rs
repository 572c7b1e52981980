//! Several copies of one vault, through the binary: `merge`, what it
//! reports, the conflict copies of sync tools, and older copies refused.
//! Each "machine" is an `Env` of its own (its own directory and home, so
//! its own memory of what it saw); `copy_to_another_machine` is a copy of
//! the vault file carried there.

use crate::common;

use common::{Env, Merged, PASS, exit};
use std::fs;

/// The vault's content as `summary --json` shows it (no code in it): two
/// copies with the same content have the same summary.
fn content(env: &Env) -> serde_json::Value {
    env.run(["summary", "--json"]).ok().json()
}

/// A machine with `github` (5 codes) and `gitlab` (3 codes).
fn machine() -> Env {
    let env = Env::with_vault();
    env.generate("github", 5);
    env.generate("gitlab", 3);
    env
}

#[test]
fn a_code_handed_out_on_two_copies_is_kept_reported_and_never_handed_out_again() {
    let a = machine();
    let b = a.copy_to_another_machine();
    let on_a = a.next("github");
    let on_b = b.next("github");
    assert_eq!(on_a.index, on_b.index);
    let theirs = b.bytes();

    let merged: Merged = a
        .cmd(["merge", "--json"])
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(merged.merged.len(), 1);
    let m = &merged.merged[0];
    assert_eq!(
        (m.sets, m.uses, m.revocations, m.removals, m.events),
        (0, 1, 0, 0, 1)
    );
    assert_eq!(merged.conflicts.len(), 1, "{merged:?}");
    let c = &merged.conflicts[0];
    assert_eq!(
        (c.kind.as_str(), c.account.as_str()),
        ("double_use", "github")
    );
    assert_eq!(c.details["index"], 1);
    assert_eq!(c.details["uses"].as_array().unwrap().len(), 2);
    // The other file is never changed.
    assert_eq!(b.bytes(), theirs);
    // The next code is one neither copy handed out.
    assert_eq!(a.next("github").index, 2);
    // Both uses are in the audit trail.
    let handed: Vec<_> = a
        .log()
        .events
        .into_iter()
        .filter(|e| e.event == "next" && e.account.as_deref() == Some("github"))
        .collect();
    assert_eq!(handed.len(), 3);
}

#[test]
fn people_read_the_double_use_and_its_fix_without_a_code() {
    let a = machine();
    let b = a.copy_to_another_machine();
    a.next("github");
    b.next("github");
    let run = a.cmd(["merge"]).arg(b.vault()).passphrase(PASS).run();
    run.ok();
    let notes = run.notes();
    assert!(
        notes.iter().any(|l| l
            .starts_with("conflict: code 1 of set 1 of 'github' was handed out on both copies")),
        "{run}"
    );
    assert!(
        notes
            .iter()
            .any(|l| l.starts_with("hint: both uses are kept")),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("1 use, 0 revocations, 0 removals, 1 log event"),
        "{run}"
    );
}

#[test]
fn merging_is_idempotent_and_the_same_from_either_side() {
    let a = machine();
    let b = a.copy_to_another_machine();
    a.next("github");
    a.regenerate("gitlab", 4);
    b.next("gitlab");
    b.run(["remove", "github", "--yes"]).ok();
    b.generate("new", 2);

    a.merge(b.vault());
    let once = a.bytes();
    // Again: nothing new, nothing written.
    let again = a.merge(b.vault());
    assert_eq!(
        (
            again.merged[0].sets,
            again.merged[0].uses,
            again.merged[0].events
        ),
        (0, 0, 0)
    );
    assert!(again.conflicts.is_empty(), "{again:?}");
    assert_eq!(a.bytes(), once, "an empty merge rewrote the vault");

    // From the other side: the same content (the merge events aside, one
    // on each side).
    b.merge(a.vault());
    let (mut ca, mut cb) = (content(&a), content(&b));
    for c in [&mut ca, &mut cb] {
        let log = c["log"].as_array_mut().unwrap();
        log.retain(|e| e["event"] != "merge");
    }
    assert_eq!(ca, cb);
    // The removal won over the other copy's use of the removed account.
    let names: Vec<String> = a
        .list()
        .accounts
        .iter()
        .map(|r| r.account.clone())
        .collect();
    assert_eq!(names, ["gitlab", "new"]);
}

#[test]
fn two_new_sets_for_one_account_keep_the_later_and_say_what_the_platform_holds() {
    let a = machine();
    let b = a.copy_to_another_machine();
    let earlier = a.regenerate("github", 4);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = b.regenerate("github", 6);
    let merged = a.merge(b.vault());
    let c = merged
        .conflicts
        .iter()
        .find(|c| c.kind == "two_active_sets")
        .unwrap_or_else(|| panic!("{merged:?}"));
    assert_eq!(c.account, "github");
    assert_eq!(c.details["kept_active"], true);
    let shown = a.show_all("github");
    assert_eq!(
        shown.set.fingerprint, later.set.fingerprint,
        "the later set is active"
    );
    assert_eq!(shown.codes.len(), 6);
    assert_eq!(c.details["kept"]["set"], shown.set.id);
    // A code of the superseded set is refused as revoked, by the merge.
    let (code, checked) = a.check(&earlier.codes[0], Some("github"));
    assert_eq!(
        (code, checked.reason),
        (exit::REFUSED, common::Reason::Revoked)
    );
    assert_eq!(checked.details.revoked_by.as_deref(), Some("superseded"));
    assert_eq!(checked.details.replaced_by, Some(shown.set.id));
    // Merged again: nothing more to report.
    let run = a.cmd(["merge"]).arg(b.vault()).passphrase(PASS).run();
    run.ok();
    assert!(
        run.notes().iter().all(|l| !l.starts_with("conflict:")),
        "reported twice\n{run}"
    );
}

#[test]
fn the_conflict_message_for_two_new_sets_names_both_and_the_fix() {
    let a = machine();
    let b = a.copy_to_another_machine();
    a.regenerate("github", 4);
    b.regenerate("github", 4);
    let run = a.cmd(["merge"]).arg(b.vault()).passphrase(PASS).run();
    run.ok();
    let conflict = run
        .notes()
        .into_iter()
        .find(|l| l.starts_with("conflict: each copy made a new set for 'github'"))
        .unwrap_or_else(|| panic!("{run}"))
        .to_string();
    assert!(conflict.contains("is active now"), "{conflict}");
    assert!(
        run.notes().iter().any(|l| l
            .starts_with("hint: the platform accepts only the codes you registered with it last")),
        "{run}"
    );
}

#[test]
fn one_code_in_two_accounts_is_reported() {
    let a = Env::with_vault();
    let b = a.copy_to_another_machine();
    let list = a.write("codes.txt", "abcde-12345\nfghij-67890\n");
    a.import_file("client-a", &list, false);
    let list_b = b.write("codes.txt", "abcde-12345\nklmno-13579\n");
    b.import_file("client-b", &list_b, false);
    let merged = a.merge(b.vault());
    let c = merged
        .conflicts
        .iter()
        .find(|c| c.kind == "shared_code")
        .unwrap_or_else(|| panic!("{merged:?}"));
    assert_eq!(c.account, "client-b");
    assert_eq!(c.details["other_account"], "client-a");
}

#[test]
fn another_vault_is_refused_unless_unrelated() {
    let a = machine();
    let b = machine();
    let before = a.bytes();
    a.cmd(["merge"])
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "is another vault, not a copy of this one")
        .hint_says("--unrelated");
    a.assert_unchanged(&before);
    // With --unrelated the other vault's accounts come in (the same names
    // hold two sets each now, the later active).
    let merged: Merged = a
        .cmd(["merge", "--unrelated", "--json"])
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(merged.merged[0].sets, 2);
}

#[test]
fn bad_other_copies_are_refused_and_change_nothing() {
    let a = machine();
    let before = a.bytes();
    // The vault itself.
    a.cmd(["merge"])
        .arg(a.vault())
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "is the vault itself");
    // No such file: said before any passphrase is needed.
    a.cmd(["merge", "nowhere.cvlt"])
        .run()
        .fails(exit::USAGE, "no file at");
    // Not a vault, damaged.
    let text = a.write("notes.txt", "hello");
    a.cmd(["merge"])
        .arg(&text)
        .run()
        .fails(exit::DAMAGED, "is not a codevault vault");
    let b = a.copy_to_another_machine();
    let mut damaged = b.bytes();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    fs::write(b.vault(), &damaged).unwrap();
    a.cmd(["merge"])
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .fails(exit::DAMAGED, "is damaged");
    // Neither a file nor --conflicts.
    a.cmd(["merge"]).passphrase(PASS).run().code(exit::USAGE);
    a.assert_unchanged(&before);
}

#[test]
fn the_other_copys_own_passphrase_is_read_from_a_file_or_refused_without_one() {
    let a = machine();
    let b = a.copy_to_another_machine();
    b.next("github");
    b.cmd(["passwd"])
        .passphrase(PASS)
        .new_passphrase("the other copy's passphrase")
        .run()
        .ok();
    b.remember("the other copy's passphrase");
    a.remember("the other copy's passphrase");
    let before = a.bytes();
    a.cmd(["merge"])
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "does not open")
        .hint_says("--other-passphrase-file");
    a.assert_unchanged(&before);
    let wrong = a.passphrase_file("wrong.txt", "not the one at all\n");
    a.cmd(["merge", "--other-passphrase-file"])
        .arg(&wrong)
        .arg(b.vault())
        .passphrase(PASS)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    a.assert_unchanged(&before);
    let right = a.passphrase_file("other.txt", "the other copy's passphrase\n");
    let run = a
        .cmd(["merge", "--json", "--other-passphrase-file"])
        .arg(&right)
        .arg(b.vault())
        .passphrase(PASS)
        .run();
    run.ok();
    let merged: Merged = run.json();
    assert_eq!(merged.merged[0].uses, 1);
    // The other copy's new passphrase is not taken over, and that is said.
    assert!(
        run.notes()
            .iter()
            .any(|l| l.starts_with("note: the passphrase or key-derivation cost of")),
        "{run}"
    );
    let json: serde_json::Value = run.json();
    assert!(json["merged"][0]["passwd_elsewhere"].is_string(), "{run}");
    // The vault keeps its own passphrase.
    a.list();
}

#[test]
fn a_removal_is_never_undone_but_a_later_set_of_the_name_survives() {
    let a = machine();
    let b = a.copy_to_another_machine();
    a.run(["remove", "github", "--yes"]).ok();
    b.next("github");
    let merged = a.merge(b.vault());
    assert_eq!(merged.merged[0].sets, 0);
    assert_eq!(a.list().names(), ["gitlab"]);

    // A set made under the name after the removal, on the other copy.
    let c = a.copy_to_another_machine();
    c.generate("github", 2);
    let d = b.copy_to_another_machine();
    d.merge(c.vault());
    assert_eq!(d.list().names(), ["github", "gitlab"]);
    assert_eq!(d.list().get("github").total, 2, "the removed set came back");
}

#[test]
fn sync_conflict_copies_are_warned_about_merged_and_moved_aside() {
    let a = machine();
    let names = [
        "vault.sync-conflict-20261129-101530-ABCDEF7.cvlt",
        "vault (conflicted copy alice 2026-11-29 101530).cvlt",
        "vault (Alice's conflicted copy 2026-11-29).cvlt",
    ];
    // Three other machines each handed out a code of another account.
    for (i, name) in names.iter().enumerate() {
        let other = a.copy_to_another_machine();
        let account = ["gitlab", "github", "gitlab"][i];
        other.next(account);
        fs::copy(other.vault(), a.path(name)).unwrap();
        for s in other.secrets() {
            a.remember(&s);
        }
    }
    // One damaged, one of another vault: reported and left in place.
    let damaged = "vault.sync-conflict-20261130-101530-DAMAGED.cvlt";
    let mut bytes = a.bytes();
    let at = bytes.len() - 40;
    bytes[at] ^= 0xff;
    fs::write(a.path(damaged), bytes).unwrap();
    let stranger = machine();
    let unrelated = "vault (Bob's conflicted copy 2026-11-30).cvlt";
    fs::copy(stranger.vault(), a.path(unrelated)).unwrap();

    // Every command that opens the vault says so, and still works.
    let run = a.run(["list"]);
    run.ok();
    let warning = run
        .notes()
        .into_iter()
        .find(|l| l.starts_with("warning: a sync tool left 5 conflict copies beside the vault"))
        .unwrap_or_else(|| panic!("{run}"))
        .to_string();
    for name in names.iter().chain([&damaged, &unrelated]) {
        assert!(warning.contains(name), "{name} not named\n{run}");
    }
    assert!(warning.contains("codevault merge --conflicts"));

    let run = a.run(["merge", "--conflicts", "--json"]);
    run.ok();
    let merged: Merged = run.json();
    assert_eq!(merged.merged.len(), 3, "{run}");
    assert_eq!(merged.skipped.len(), 2, "{run}");
    assert_eq!(merged.moved.len(), 3, "{run}");
    for name in names {
        assert!(!a.path(name).exists(), "{name} still in place");
        assert!(a.path(format!("{name}.merged")).exists());
    }
    assert!(a.path(damaged).exists() && a.path(unrelated).exists());
    assert!(
        run.notes().iter().any(|l| l.starts_with(
            "warning: left 'vault.sync-conflict-20261130-101530-DAMAGED.cvlt' in place"
        )),
        "{run}"
    );
    // Two machines handed out the same first code of gitlab: kept once as
    // used (with both uses) and reported.
    let list = a.list();
    assert_eq!(list.get("gitlab").remaining, 2);
    assert_eq!(list.get("github").remaining, 4);
    assert_eq!(merged.conflicts.len(), 1, "{run}");
    assert_eq!(merged.conflicts[0].kind, "double_use");
}

#[test]
fn an_older_copy_is_refused_by_every_command_until_merged_or_accepted() {
    let env = machine();
    let old = env.bytes();
    let handed = env.next("github");
    let newer = env.bytes();
    // A backup put back, or a sync tool's overwrite.
    fs::write(env.vault(), &old).unwrap();
    for args in [
        vec!["list"],
        vec!["next", "github"],
        vec!["check", handed.code.as_str()],
        vec!["show", "github"],
    ] {
        env.run(&args)
            .fails(
                exit::DAMAGED,
                "is an older copy: it lacks changes this machine saw there",
            )
            .hint_says("--accept-older");
        env.assert_unchanged(&old);
    }
    // Merging the newer copy mends it, with no flag.
    let newer_copy = env.write("newer.cvlt", &newer);
    env.merge(&newer_copy);
    let (code, checked) = env.check(&handed.code, Some("github"));
    assert_eq!(
        (code, checked.reason),
        (exit::REFUSED, common::Reason::Used)
    );

    // Or, the newer copy gone for good: --accept-older, once.
    let again = env.bytes();
    env.next("github");
    fs::write(env.vault(), &again).unwrap();
    env.run(["list"]).code(exit::DAMAGED);
    env.run(["list", "--accept-older"]).ok();
    env.run(["list"]).ok();
}

#[test]
fn an_older_copy_names_the_conflict_copy_beside_it() {
    let env = machine();
    let old = env.bytes();
    env.next("github");
    fs::copy(
        env.vault(),
        env.path("vault.sync-conflict-20261129-101530-ABCDEF7.cvlt"),
    )
    .unwrap();
    fs::write(env.vault(), &old).unwrap();
    let run = env.run(["next", "github"]);
    run.code(exit::DAMAGED);
    assert!(run.error().contains("is an older copy"), "{run}");
    let hint = run.hint().unwrap();
    assert!(
        hint.contains("vault.sync-conflict-20261129-101530-ABCDEF7.cvlt"),
        "{run}"
    );
    assert!(hint.contains("codevault merge --conflicts"), "{run}");
    env.run(["merge", "--conflicts"]).ok();
    env.next("github");
}

#[test]
fn two_copies_at_two_paths_on_one_machine_never_refuse_each_other() {
    let env = machine();
    let stick = env.path("usb/vault.cvlt");
    fs::create_dir_all(stick.parent().unwrap()).unwrap();
    fs::copy(env.vault(), &stick).unwrap();
    let on_stick = |args: &[&str]| {
        env.cmd(["--vault"])
            .arg(&stick)
            .args(args)
            .no_vault()
            .passphrase(PASS)
            .run()
    };
    env.next("github");
    on_stick(&["next", "gitlab"]).ok();
    env.next("github");
    on_stick(&["list"]).ok();
    env.list();
    // Merged both ways, then both go on.
    on_stick(&["merge"]).code(exit::USAGE);
    let run = env
        .cmd(["--vault"])
        .arg(&stick)
        .args(["merge"])
        .arg(env.vault())
        .no_vault()
        .passphrase(PASS)
        .run();
    run.ok();
    env.merge(&stick);
    assert_eq!(env.list().get("github").remaining, 3);
    assert_eq!(env.list().get("gitlab").remaining, 2);
}

#[test]
fn a_cost_raised_behind_this_machines_back_is_refused_before_any_derivation() {
    let env = machine();
    let before = env.bytes();
    // A forged header asking for 4 GiB and 32 passes, its checksum fixed:
    // deriving would take minutes before blaming the passphrase.
    let mut forged = before.clone();
    forged[12..16].copy_from_slice(&4096u32.to_be_bytes());
    forged[16..20].copy_from_slice(&32u32.to_be_bytes());
    let end = forged.len() - 32;
    let sum = blake3::hash(&forged[..end]);
    forged[end..].copy_from_slice(sum.as_bytes());
    fs::write(env.vault(), &forged).unwrap();
    env.run(["list"])
        .fails(exit::DAMAGED, "asks for a higher key-derivation cost (Argon2id, 4096 MiB, 32 iterations, 1 lanes) than when this machine last opened it (Argon2id, 8 MiB, 1 iterations, 1 lanes)")
        .hint_says("--accept-older");
    env.assert_unchanged(&forged);

    // A cost raised here is remembered: no refusal after.
    fs::write(env.vault(), &before).unwrap();
    env.run(["passwd", "--kdf-memory", "16", "--kdf-iterations", "2"])
        .ok();
    env.list();
    // And one raised on another copy is accepted once asked.
    let other = env.copy_to_another_machine();
    other.run(["list"]).ok();
    env.run(["passwd", "--kdf-memory", "24"]).ok();
    fs::copy(env.vault(), other.vault()).unwrap();
    other.run(["list"]).code(exit::DAMAGED);
    other.run(["list", "--accept-older"]).ok();
    other.run(["list"]).ok();
}

#[test]
fn a_version_1_vault_copied_to_two_machines_and_upgraded_on_each_is_still_one_vault() {
    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1-frozen.cvlt");
    const FIXTURE_PASS: &str = "frozen-fixture-passphrase";
    let a = Env::new();
    fs::copy(FIXTURE, a.vault()).unwrap();
    let b = a.copy_to_another_machine();
    for env in [&a, &b] {
        env.remember(FIXTURE_PASS);
        env.cmd(["next", "instagram:@brand"])
            .passphrase(FIXTURE_PASS)
            .run()
            .ok();
        assert_eq!(
            u16::from_be_bytes([env.bytes()[8], env.bytes()[9]]),
            codevault::envelope::VERSION
        );
    }
    b.cmd(["next", "alpha"]).passphrase(FIXTURE_PASS).run().ok();
    let merged: Merged = a
        .cmd(["merge", "--json"])
        .arg(b.vault())
        .passphrase(FIXTURE_PASS)
        .run()
        .ok()
        .json();
    // Recognised as the same vault: what they share is not doubled, what
    // each did is there once, and the same code handed out on both is said.
    let m = &merged.merged[0];
    assert_eq!((m.sets, m.uses, m.events), (0, 2, 2), "{merged:?}");
    assert_eq!(merged.conflicts.len(), 1, "{merged:?}");
    assert_eq!(merged.conflicts[0].kind, "double_use");
    let list: common::AccountList = a
        .cmd(["list", "--json"])
        .passphrase(FIXTURE_PASS)
        .run()
        .ok()
        .json();
    assert_eq!(list.get("alpha").remaining, 2);
    assert_eq!(list.get("instagram:@brand").remaining, 1);
}

#[test]
fn summary_shows_what_changed_and_never_a_code() {
    let env = machine();
    env.next("github");
    env.run(["use", "gitlab"]).code(exit::USAGE);
    let codes = env.show_all("github");
    let run = env.run(["summary"]);
    run.ok();
    for c in &codes.codes {
        assert!(
            !common::shows_code(&run.stdout, &c.code),
            "summary shows a code\n{run}"
        );
    }
    for secret in env.secrets() {
        assert!(
            !run.stdout.contains(&secret),
            "summary shows a secret\n{run}"
        );
    }
    assert!(run.stdout.contains("github"), "{run}");
    assert!(run.stdout.contains(&codes.set.fingerprint), "{run}");
    assert!(run.stdout.contains("used: 1\n"), "{run}");
    assert!(run.stdout.contains("handed out code 1 of set 1"), "{run}");
    // A file named by path (git's textconv hands a temporary copy of an
    // old version): summarised, and not remembered as the vault.
    let old = env.bytes();
    env.next("github");
    let copy = env.write("old-version", &old);
    let run = env.cmd(["summary"]).arg(&copy).passphrase(PASS).run();
    run.ok();
    assert!(run.stdout.contains("used: 1\n"), "{run}");
    env.list();
    let seen = fs::read_dir(env.path("home/.local/state/codevault/seen"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(seen, 1, "the textconv's file was remembered");
}

#[test]
fn two_copies_merged_back_and_forth_come_to_rest() {
    let a = machine();
    let b = a.copy_to_another_machine();
    a.next("github");
    b.next("gitlab");
    a.merge(b.vault());
    b.merge(a.vault());
    // A takes B's merge event: the only thing it lacks, which is not worth
    // a merge event of its own.
    let third = a.merge(b.vault());
    assert_eq!(third.merged[0].events, 1, "{third:?}");
    // Now each has all the other has: merging again brings nothing, and
    // writes nothing, either way.
    let (a_bytes, b_bytes) = (a.bytes(), b.bytes());
    let back = b.merge(a.vault());
    assert_eq!(back.merged[0].events, 0, "{back:?}");
    let again = a.merge(b.vault());
    assert_eq!(again.merged[0].events, 0, "{again:?}");
    assert_eq!((a.bytes(), b.bytes()), (a_bytes, b_bytes));
}

#[test]
fn a_conflict_copy_name_anyone_can_plant_is_no_crash() {
    let env = machine();
    for name in [
        "vault (conflicted copy ééééééééé).cvlt",
        "vault (é's conflicted copy 2026-11-é).cvlt",
    ] {
        env.write(name, "not a vault");
    }
    let run = env.run(["list"]);
    run.ok();
    assert!(!run.stderr.contains("conflict copy"), "{run}");
}

#[test]
fn a_new_vault_at_a_path_is_not_judged_by_the_one_before() {
    let env = Env::with_vault();
    env.list();
    fs::remove_file(env.vault()).unwrap();
    // A dearer cost, and none of the old vault's events: a new vault, not
    // an older copy or a forged header.
    env.cmd([
        "init",
        "--kdf-memory",
        "16",
        "--kdf-iterations",
        "1",
        "--kdf-parallelism",
        "1",
    ])
    .new_passphrase(PASS)
    .run()
    .ok();
    env.list();
}

#[test]
fn summary_shows_the_files_own_format_version() {
    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1-frozen.cvlt");
    let env = Env::new();
    fs::copy(FIXTURE, env.vault()).unwrap();
    env.remember("frozen-fixture-passphrase");
    let run = env
        .cmd(["summary"])
        .passphrase("frozen-fixture-passphrase")
        .run();
    run.ok();
    assert!(run.stdout.contains("(format 1)"), "{run}");
    env.cmd(["next", "alpha"])
        .passphrase("frozen-fixture-passphrase")
        .run()
        .ok();
    let run = env
        .cmd(["summary"])
        .passphrase("frozen-fixture-passphrase")
        .run();
    let current = format!("(format {})", codevault::envelope::VERSION);
    assert!(run.stdout.contains(&current), "{run}");
}
