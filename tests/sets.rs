//! Sets of codes: `generate`, `regenerate`, `revoke`, `remove`, and how
//! `list` and `show` present them.

use crate::common;

use std::collections::BTreeSet;

use crate::common::{Env, Origin, Reason, exit, grouped};

fn is_code(c: &str) -> bool {
    c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())
}

// ----------------------------------------------------------------- generate

#[test]
fn generate_makes_ten_distinct_8_digit_codes_by_default() {
    let env = Env::with_vault();
    let issued: common::Issued = env.run(["generate", "github", "--json"]).ok().json();
    assert_eq!(issued.account, "github");
    assert_eq!(issued.set.origin, Origin::Generated);
    assert!(!issued.set.fingerprint.is_empty());
    assert_eq!(issued.codes.len(), 10);
    assert!(
        issued.codes.iter().all(|c| is_code(c)),
        "{:?}",
        issued.codes
    );
    let distinct: BTreeSet<_> = issued.codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    let row = env.list().get("github").clone();
    assert_eq!((row.remaining, row.total, row.low), (10, 10, false));
    assert_eq!(row.origin, Some(Origin::Generated));
    assert_eq!(row.created, Some(issued.set.created));
}

#[test]
fn generate_prints_the_codes_grouped_for_people() {
    let env = Env::with_vault();
    let run = env.run(["generate", "github", "--count", "3"]);
    run.ok();
    let shown = env.show_all("github");
    for c in &shown.codes {
        let line = format!("{}. {}", c.index, grouped(&c.code));
        assert!(run.stdout.contains(&line), "no {line:?}\n{run}");
        assert!(!run.stdout.contains(&c.code), "ungrouped code\n{run}");
    }
    assert!(run.stdout.contains(&shown.set.fingerprint));
}

#[test]
fn generate_count_is_bounded_1_to_100() {
    let env = Env::with_vault();
    assert_eq!(env.generate("one", 1).codes.len(), 1);
    assert_eq!(env.generate("hundred", 100).codes.len(), 100);
    let before = env.bytes();
    for n in ["0", "101", "-1", "ten"] {
        env.run(["generate", "other", "--count", n])
            .code(exit::USAGE);
    }
    env.assert_unchanged(&before);
}

#[test]
fn generate_refuses_an_account_with_an_active_set() {
    let env = Env::with_vault();
    env.generate("github", 5);
    let before = env.bytes();
    env.run(["generate", "github"])
        .fails(exit::USAGE, "already has an active set")
        .hint_says("codevault regenerate github");
    env.assert_unchanged(&before);
}

#[test]
fn account_names_are_trimmed_and_otherwise_exact() {
    let env = Env::with_vault();
    let issued = env.generate("  instagram:@brand  ", 2);
    assert_eq!(issued.account, "instagram:@brand");
    env.generate("google/alice@example.com", 2);
    env.generate("GitHub", 2);
    // Exact: `github` is not `GitHub`; and a new account that reads like
    // an existing one is refused (tests/hardening.rs has the classes).
    env.run(["show", "github"])
        .fails(exit::USAGE, "no account named 'github'");
    env.run(["generate", "github"])
        .fails(exit::USAGE, "looks like the existing account 'GitHub'");
    let list = env.list();
    let names: BTreeSet<_> = list.names().into_iter().collect();
    assert_eq!(
        names,
        BTreeSet::from(["GitHub", "google/alice@example.com", "instagram:@brand"])
    );
}

#[test]
fn account_names_must_be_1_to_128_characters_without_controls() {
    let env = Env::with_vault();
    let before = env.bytes();
    for bad in ["", "   ", "tab\there", "new\nline", &"x".repeat(129)] {
        env.run(["generate", bad])
            .fails(exit::USAGE, "account name");
    }
    env.assert_unchanged(&before);
    let longest = "é".repeat(128);
    assert_eq!(env.generate(&longest, 1).account, longest);
}

/// Every generated code is new to the vault, whatever the generator draws:
/// restarted from the same seed for every set, it draws the very same codes
/// again, and each set must still get codes of its own, in the account's
/// history and in another account's. (In-process: the binary's generator is
/// the system's, whose repeats are far too rare to show anything.)
#[test]
fn codes_are_unique_across_the_vaults_history_when_the_generator_repeats() {
    use codevault::vault::{AccountName, Vault};
    use rand::SeedableRng;

    let now = jiff::Timestamp::UNIX_EPOCH;
    let same = || rand::rngs::StdRng::seed_from_u64(300);
    let github = AccountName::parse("github").unwrap();
    let mut v = Vault::new(&mut same(), now).unwrap();
    let mut all = Vec::new();
    let mut keep = |set: &codevault::vault::CodeSet| {
        all.extend(set.codes.iter().map(|e| e.code.clone()));
    };
    keep(v.generate(&github, 100, &mut same(), now).unwrap());
    keep(v.regenerate(&github, 100, &mut same(), now).unwrap());
    keep(v.regenerate(&github, 100, &mut same(), now).unwrap());
    let gitlab = AccountName::parse("gitlab").unwrap();
    keep(v.generate(&gitlab, 100, &mut same(), now).unwrap());
    let distinct: BTreeSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (400, 400));
}

// --------------------------------------------------------------- regenerate

#[test]
fn regenerate_revokes_the_old_set_in_the_same_write() {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    let used = env.next("github");
    let new = env.regenerate("github", 7);
    assert_eq!(new.codes.len(), 7);
    assert_ne!(new.set.id, old.set.id);
    assert!(new.codes.iter().all(|c| !old.codes.contains(c)));
    assert!(new.set.created >= old.set.created);

    let shown = env.show_all("github");
    assert_eq!(shown.set.id, new.set.id);
    assert_eq!(shown.set.fingerprint, new.set.fingerprint);
    let row = env.list().get("github").clone();
    assert_eq!((row.remaining, row.total), (7, 7));

    for code in [&old.codes[3], &used.code] {
        let (exit_code, c) = env.check(code, Some("github"));
        assert_eq!(exit_code, exit::REFUSED);
        assert_eq!(c.reason, Reason::Revoked);
        assert_eq!(c.account.as_deref(), Some("github"));
        assert_eq!(c.details.set, Some(old.set.id));
        assert_eq!(c.details.set_created, Some(old.set.created));
        let revoked_at = c.details.revoked_at.expect("revoked_at");
        assert!(revoked_at >= old.set.created);
        assert_eq!(revoked_at, new.set.created, "revoked in the same write");
    }
    let (exit_code, c) = env.check(&new.codes[0], Some("github"));
    assert_eq!((exit_code, c.reason), (exit::OK, Reason::Unused));
}

#[test]
fn regenerate_prints_the_new_codes_grouped() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let run = env.run(["regenerate", "github", "--count", "2"]);
    run.ok();
    for c in env.show_all("github").codes {
        assert!(run.stdout.contains(&grouped(&c.code)), "{run}");
    }
}

#[test]
fn regenerate_refuses_an_unknown_account() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let before = env.bytes();
    env.run(["regenerate", "githb"])
        .fails(exit::USAGE, "githb")
        .hint_says("github");
    for n in ["0", "101"] {
        env.run(["regenerate", "github", "--count", n])
            .code(exit::USAGE);
    }
    env.assert_unchanged(&before);
}

// ------------------------------------------------------------------- revoke

#[test]
fn revoke_leaves_the_account_without_an_active_set() {
    let env = Env::with_vault();
    let old = env.generate("github", 4);
    env.run(["revoke", "github"]).ok();

    let row = env.list().get("github").clone();
    assert_eq!((row.remaining, row.total, row.low), (0, 0, false));
    assert_eq!(row.created, None);
    let before = env.bytes();
    env.run(["show", "github"])
        .fails(exit::USAGE, "no active set")
        .hint_says("codevault generate github");
    env.run(["next", "github"])
        .fails(exit::USAGE, "no active set");
    env.run(["revoke", "github"])
        .fails(exit::USAGE, "no active set");
    env.assert_unchanged(&before);

    let (exit_code, c) = env.check(&old.codes[0], Some("github"));
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Revoked));
    assert_eq!(c.details.set, Some(old.set.id));
    assert_eq!(c.details.replaced_by, None);

    // generate works again: the account has no active set.
    let new = env.generate("github", 3);
    assert_eq!(env.show_all("github").set.id, new.set.id);
}

// ------------------------------------------------------------------- remove

#[test]
fn remove_needs_yes_without_a_terminal() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let before = env.bytes();
    env.run(["remove", "github"])
        .fails(exit::USAGE, "confirmation")
        .hint_says("--yes");
    env.assert_unchanged(&before);
    assert_eq!(env.list().names(), ["github"]);
}

#[test]
fn remove_yes_deletes_the_account_and_its_history() {
    let env = Env::with_vault();
    let gone = env.generate("old-forum", 3);
    env.generate("github", 3);
    env.run(["remove", "old-forum", "--yes"]).ok();
    assert_eq!(env.list().names(), ["github"]);
    let (exit_code, c) = env.check(&gone.codes[0], None);
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Unknown));
    let before = env.bytes();
    env.run(["remove", "old-forum", "--yes"])
        .fails(exit::USAGE, "old-forum");
    env.assert_unchanged(&before);
}

#[test]
fn remove_says_unknown_account_before_asking() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let before = env.bytes();
    env.run(["remove", "githb"])
        .fails(exit::USAGE, "githb")
        .hint_says("'github'");
    env.assert_unchanged(&before);
}

// --------------------------------------------------------------------- list

#[test]
fn list_shows_every_account_with_its_counts() {
    let env = Env::with_vault();
    assert!(env.list().accounts.is_empty());
    env.generate("github", 10);
    env.generate("instagram:@brand", 4);
    env.next("instagram:@brand");
    let list = env.list();
    assert_eq!(list.accounts.len(), 2);
    let gh = list.get("github");
    assert_eq!((gh.remaining, gh.total, gh.low), (10, 10, false));
    let ig = list.get("instagram:@brand");
    // 3 of 4 left is 75% of the set: not low (the contract's 40%).
    assert_eq!((ig.remaining, ig.total, ig.low), (3, 4, false));
    assert_eq!(ig.origin, Some(Origin::Generated));
}

#[test]
fn list_table_is_aligned() {
    let env = Env::with_vault();
    env.generate("a", 10);
    env.generate("google/alice@example.com", 3);
    env.generate("github", 100);
    let run = env.run(["list"]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three rows\n{run}");
    let header = lines[0];
    // Left-aligned date column, right-aligned counts ending at one column.
    let date_col = lines[1].find("20").expect("a date");
    let counts_end = |l: &str| {
        let start = l.find(|c: char| c.is_ascii_digit()).unwrap();
        start + l[start..].find(' ').unwrap()
    };
    for l in &lines[1..] {
        assert_eq!(l.find("20"), Some(date_col), "dates not aligned\n{run}");
        assert_eq!(
            counts_end(l),
            counts_end(lines[1]),
            "counts not aligned\n{run}"
        );
    }
    for (account, counts) in [
        ("a ", "10/10"),
        ("google/alice@example.com", "3/3"),
        ("github", "100/100"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(account) && l.contains(counts)),
            "no row {account:?} {counts}\n{run}"
        );
    }
    assert!(
        !header.contains(|c: char| c.is_ascii_digit()),
        "a header\n{run}"
    );
}

#[test]
fn list_warns_about_low_sets_on_stderr() {
    let env = Env::with_vault();
    env.generate("github", 5);
    for _ in 0..3 {
        env.next("github");
    }
    env.generate("gitlab", 10);
    let run = env.run(["list", "--json"]);
    run.ok();
    let list: common::AccountList = run.json();
    assert!(list.get("github").low);
    assert!(!list.get("gitlab").low);
    assert!(run.stderr.contains("github"), "{run}");
    assert!(run.stderr.contains("codevault regenerate github"), "{run}");
    assert!(!run.stderr.contains("gitlab"), "{run}");
}

// --------------------------------------------------------------------- show

#[test]
fn show_lists_the_unused_codes_and_all_adds_the_used_ones() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    let first = env.next("github");
    env.run(["use", "github", &issued.codes[3], "--note", "new laptop"])
        .ok();

    let unused: common::Shown = env.run(["show", "github", "--json"]).ok().json();
    assert_eq!(unused.account, "github");
    assert_eq!(unused.set.id, issued.set.id);
    assert_eq!(unused.set.fingerprint, issued.set.fingerprint);
    assert_eq!(unused.set.created, issued.set.created);
    let indexes: Vec<usize> = unused.codes.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [2, 3, 5]);
    assert!(unused.codes.iter().all(|c| c.used.is_none()));

    let all = env.show_all("github");
    let codes: Vec<&str> = all.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, issued.codes);
    assert_eq!(all.codes[0].code, first.code);
    let used = all.used();
    assert_eq!(used.len(), 2);
    assert_eq!(used[0].index, 1);
    assert_eq!(used[0].used.as_ref().unwrap().note, None);
    assert_eq!(used[1].index, 4);
    let mark = used[1].used.as_ref().unwrap();
    assert_eq!(mark.note.as_deref(), Some("new laptop"));
    assert!(mark.at >= issued.set.created);
}

#[test]
fn show_for_people_groups_codes_and_says_when_used() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    env.run(["use", "github", &issued.codes[1], "--note", "phone lost"])
        .ok();
    let run = env.run(["show", "github"]);
    run.ok();
    assert!(run.stdout.contains(&grouped(&issued.codes[0])), "{run}");
    assert!(!run.stdout.contains(&grouped(&issued.codes[1])), "{run}");
    assert!(run.stdout.contains(&issued.set.fingerprint), "{run}");

    let run = env.run(["show", "github", "--all"]);
    run.ok();
    let used_line = run
        .stdout
        .lines()
        .find(|l| l.contains(&grouped(&issued.codes[1])))
        .unwrap_or_else(|| panic!("no used code\n{run}"));
    assert!(used_line.contains("used"), "{run}");
    assert!(used_line.contains("phone lost"), "{run}");
    let mark = env.show_all("github").codes[1].used.clone().unwrap();
    let date = &mark.at.0.to_string()[..10];
    assert!(used_line.contains(date), "{run}");
}

#[test]
fn show_refuses_an_unknown_account_with_a_suggestion() {
    let env = Env::with_vault();
    env.generate("github", 2);
    env.run(["show", "githb"])
        .fails(exit::USAGE, "githb")
        .hint_says("'github'");
    env.run(["show", "zzz"]).fails(exit::USAGE, "zzz");
}

#[test]
fn show_sheet_is_a_page_to_print() {
    let env = Env::with_vault();
    let issued = env.generate("instagram:@brand", 5);
    let used = env.next("instagram:@brand");
    let run = env.run(["show", "instagram:@brand", "--sheet"]);
    run.ok();
    let page = &run.stdout;
    assert!(page.contains("instagram:@brand"), "{run}");
    assert!(page.contains(&issued.set.fingerprint), "{run}");
    assert!(
        page.contains(&issued.set.created.0.to_string()[..10]),
        "{run}"
    );
    for (i, code) in issued.codes.iter().enumerate() {
        let line = page
            .lines()
            .find(|l| l.contains(&grouped(code)))
            .unwrap_or_else(|| panic!("code {} is missing\n{run}", i + 1));
        assert!(line.contains(&format!("{}.", i + 1)), "numbered\n{run}");
        let ticked = *code == used.code;
        assert!(
            line.contains(if ticked { "[x]" } else { "[ ]" }),
            "a box to tick\n{run}"
        );
    }
}
