//! `export`: the whole vault in the contract's plain JSON, to a new 0600
//! file or a pipe; it never overwrites, never writes to a terminal, and is
//! an event of the audit trail. An export imported back gives the same
//! active codes.

use crate::common;
use crate::terminal;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::{Env, Origin, PASS, Utc, exit};
use serde::Deserialize;

/// The contract's `export` shape.
#[derive(Debug, Deserialize)]
struct Export {
    format: String,
    version: u64,
    accounts: Vec<Account>,
}

#[derive(Debug, Deserialize)]
struct Account {
    account: String,
    sets: Vec<Set>,
}

#[derive(Debug, Deserialize)]
struct Set {
    id: u64,
    created: Utc,
    origin: Origin,
    fingerprint: String,
    revoked: Option<Revoked>,
    codes: Vec<Code>,
}

#[derive(Debug, Deserialize)]
struct Revoked {
    at: Utc,
}

#[derive(Debug, Deserialize)]
struct Code {
    index: usize,
    code: String,
    used: Option<common::Used>,
}

/// A vault with a used code, a revoked set and an account without an
/// active set.
fn populated() -> Env {
    let env = Env::with_vault();
    env.generate("github", 5);
    env.next("github");
    env.regenerate("github", 4);
    let second = env.show_all("github").codes[1].code.clone();
    env.run(["use", "github", &second, "--note", "laptop"]).ok();
    env.generate("bank", 3);
    env.generate("old-forum", 2);
    env.run(["revoke", "old-forum"]).ok();
    env
}

#[test]
fn export_writes_every_set_and_code_to_a_new_private_file() {
    let env = populated();
    let run = env
        .run(["export", "--output", "codes.json"])
        .ok()
        .notes()
        .join("\n");
    assert!(
        run.contains("warning: the export holds every code in clear"),
        "{run}"
    );
    let file = env.path("codes.json");
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let export: Export = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        (export.format.as_str(), export.version),
        ("codevault-export", 1)
    );
    let names: Vec<&str> = export.accounts.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(names, ["bank", "github", "old-forum"]);

    let github = &export.accounts[1];
    assert_eq!(github.sets.len(), 2);
    assert!(github.sets[0].revoked.is_some());
    assert!(github.sets[1].revoked.is_none());
    // The active set as `show --all` has it: every code, index, use, note.
    let shown = env.show_all("github");
    let active = &github.sets[1];
    assert_eq!(active.id, shown.set.id);
    assert_eq!(active.fingerprint, shown.set.fingerprint);
    assert_eq!(active.created, shown.set.created);
    assert_eq!(active.origin, shown.set.origin);
    assert_eq!(active.codes.len(), shown.codes.len());
    for (e, s) in active.codes.iter().zip(&shown.codes) {
        assert_eq!((e.index, &e.code), (s.index, &s.code));
        assert_eq!(e.used.as_ref().map(|u| u.at), s.used.as_ref().map(|u| u.at));
        assert_eq!(
            e.used.as_ref().and_then(|u| u.note.clone()),
            s.used.as_ref().and_then(|u| u.note.clone())
        );
    }
    assert_eq!(
        active.codes[1].used.as_ref().unwrap().note.as_deref(),
        Some("laptop")
    );
    // The old set's first code was handed out before it was revoked.
    assert!(github.sets[0].codes[0].used.is_some());
    let old_forum = &export.accounts[2].sets[0];
    assert!(old_forum.revoked.as_ref().unwrap().at >= old_forum.created);

    // An event of the audit trail, without the codes.
    let log = env.log();
    let last = log.events.last().unwrap();
    assert_eq!(last.event, "export");
    assert_eq!(last.account, None);
}

#[test]
fn an_export_imported_back_gives_the_same_active_codes() {
    let env = populated();
    env.run(["export", "--output", "codes.json"]).ok();
    let export: Export =
        serde_json::from_slice(&fs::read(env.path("codes.json")).unwrap()).unwrap();

    let fresh = Env::with_vault();
    for account in &export.accounts {
        let Some(active) = account.sets.last().filter(|s| s.revoked.is_none()) else {
            continue;
        };
        let unused: Vec<&str> = active
            .codes
            .iter()
            .filter(|c| c.used.is_none())
            .map(|c| c.code.as_str())
            .collect();
        fresh
            .cmd(["import", &account.account])
            .stdin(unused.join("\n"))
            .passphrase(PASS)
            .run()
            .ok();
    }
    let before = env.list();
    let after = fresh.list();
    let active: Vec<&str> = before
        .accounts
        .iter()
        .filter(|a| a.created.is_some())
        .map(|a| a.account.as_str())
        .collect();
    assert_eq!(after.names(), active);
    for name in active {
        let mut old: Vec<String> = env
            .show_all(name)
            .unused()
            .iter()
            .map(|c| c.code.clone())
            .collect();
        let mut new: Vec<String> = fresh
            .show_all(name)
            .codes
            .iter()
            .map(|c| c.code.clone())
            .collect();
        old.sort();
        new.sort();
        assert_eq!(old, new, "{name}");
    }
}

#[test]
fn export_to_a_pipe_and_without_a_path() {
    let env = populated();
    let run = env.run(["export", "--output", "-"]);
    run.ok();
    let export: Export = run.json();
    assert_eq!(export.accounts.len(), 3);
    assert!(
        run.notes()
            .iter()
            .any(|l| l.contains("every code in clear"))
    );

    // Without --output: a dated file in the current directory.
    env.run(["export"]).ok();
    let made: Vec<String> = fs::read_dir(env.dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("codevault-export-") && n.ends_with(".json"))
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let export: Export = serde_json::from_slice(&fs::read(env.path(&made[0])).unwrap()).unwrap();
    assert_eq!(export.accounts.len(), 3);
}

#[test]
fn export_never_overwrites_and_changes_nothing_when_refused() {
    let env = populated();
    let existing = env.write("codes.json", "keep me");
    let before = env.bytes();
    env.run(["export", "--output", "codes.json"])
        .fails(exit::USAGE, "a file already exists")
        .hint_says("--output");
    env.assert_unchanged(&before);
    assert_eq!(fs::read_to_string(&existing).unwrap(), "keep me");

    // A dangling link is a path taken too: nothing is written through it.
    std::os::unix::fs::symlink(env.path("elsewhere.json"), env.path("link.json")).unwrap();
    env.run(["export", "--output", "link.json"])
        .fails(exit::USAGE, "a file already exists");
    assert!(!env.path("elsewhere.json").exists());
    env.assert_unchanged(&before);

    // A directory that is not there.
    env.run(["export", "--output", "no/such/dir/codes.json"])
        .fails(exit::USAGE, "no directory no/such/dir");
    env.assert_unchanged(&before);

    // A wrong passphrase: no file, no event.
    env.cmd(["export", "--output", "new.json"])
        .passphrase("not the passphrase")
        .run()
        .code(exit::WRONG_PASSPHRASE);
    assert!(!env.path("new.json").exists());
    env.assert_unchanged(&before);
}

#[test]
fn export_refuses_a_terminal() {
    let env = populated();
    let before = env.bytes();
    let Some(run) = terminal::on_a_terminal(&env, &["export", "--output", "-"], &[]) else {
        return;
    };
    assert_eq!(run.code, exit::USAGE, "{}", run.output);
    assert!(
        run.output
            .contains("refusing to export every code in clear to a terminal"),
        "{}",
        run.output
    );
    assert!(!run.output.contains("codevault-export"), "{}", run.output);
    env.assert_unchanged(&before);
}
