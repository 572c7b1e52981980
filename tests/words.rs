//! Words that read right (issue 11, item 5): counts in the right number,
//! whole sentences, conflicting flags refused rather than one ignored
//! (`show --sheet` prints every code already: `--all` with it is refused;
//! `--sheet --json` is the sheets' JSON, see `sheets.rs`), an
//! empty vault pointing at both ways in, the contract's low rule, and a
//! used-up set said to be used up.

use crate::common::{Env, PASS, exit};

/// The human output of a command (stdout and stderr), with the passphrase.
fn says(env: &Env, args: &[&str]) -> String {
    let run = env.cmd(args).passphrase(PASS).run();
    run.ok();
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn one_of_a_thing_is_singular() {
    let env = Env::with_vault();
    let generated = says(&env, &["generate", "solo", "--count", "1"]);
    assert!(generated.contains("1 code,"), "{generated}");
    let file = env.write("one.txt", "2345 6789\n");
    let imported = says(&env, &["import", "paper", "--file", file.to_str().unwrap()]);
    assert!(imported.contains("read 1 code,"), "{imported}");
    says(&env, &["remove", "solo", "--yes"]);
    let log = says(&env, &["log"]);
    assert!(log.contains("(1 code)"), "{log}");
    assert!(log.contains("(1 set)"), "{log}");
    for text in [&generated, &imported, &log] {
        assert!(
            !text.contains("1 codes") && !text.contains("1 sets"),
            "{text}"
        );
    }
}

#[test]
fn an_import_of_revoked_codes_names_the_set_in_order() {
    let env = Env::with_vault();
    let first = env.write("first.txt", "2345 6789\n3456 7890\n");
    let second = env.write("second.txt", "4567 8901\n5678 9012\n");
    env.import_file("bank", &first, false);
    env.import_file("bank", &second, true);
    let before = env.bytes();
    let run = env
        .cmd(["import", "bank", "--replace", "--file"])
        .arg(&first)
        .passphrase(PASS)
        .run();
    run.fails(exit::USAGE, "set 1 of 'bank', which was revoked");
    env.assert_unchanged(&before);
}

#[test]
fn conflicting_show_flags_are_refused() {
    let env = Env::with_vault();
    env.generate("github", 5);
    let before = env.bytes();
    for args in [
        &["show", "github", "--all", "--sheet"][..],
        &["show", "--sheet", "--all"],
        &["--json", "show", "--sheet", "github", "--all"],
    ] {
        let run = env.cmd(args).passphrase(PASS).run();
        run.fails(exit::USAGE, "cannot be used with");
        assert!(run.stdout.is_empty(), "{run}");
        env.assert_unchanged(&before);
    }
}

#[test]
fn an_empty_vault_points_at_import_and_generate() {
    let env = Env::with_vault();
    let text = says(&env, &["list"]);
    assert!(text.contains("codevault import ACCOUNT"), "{text}");
    assert!(text.contains("codevault generate ACCOUNT"), "{text}");
}

/// `low` in `list --json` after handing out `used` codes of a set of `size`.
fn low_after(size: usize, used: usize) -> bool {
    let env = Env::with_vault();
    env.generate("acct", size);
    for _ in 0..used {
        env.next("acct");
    }
    env.list().get("acct").low
}

#[test]
fn a_set_is_low_at_three_left_and_at_most_forty_percent() {
    // A 5-code set: 3 left is 60%, not low; 2 left is 40%, low.
    assert!(!low_after(5, 2));
    assert!(low_after(5, 3));
    // A 10-code set: low at 3 left, not at 4.
    assert!(!low_after(10, 6));
    assert!(low_after(10, 7));
    // One code of one: all of the set, not low; none left: low.
    assert!(!low_after(1, 0));
    assert!(low_after(1, 1));
}

#[test]
fn a_used_up_set_is_listed_as_used_up() {
    let env = Env::with_vault();
    env.generate("spent", 2);
    env.generate("fresh", 10);
    env.next("spent");
    env.next("spent");
    let text = says(&env, &["list"]);
    let spent = text.lines().find(|l| l.starts_with("spent")).unwrap();
    let fresh = text.lines().find(|l| l.starts_with("fresh")).unwrap();
    assert!(spent.contains("USED UP"), "{text}");
    assert!(
        !fresh.contains("USED UP") && !fresh.contains("LOW"),
        "{text}"
    );
}

/// No set to show: the hint names both ways to get one.
#[test]
fn no_active_set_points_at_import_and_generate() {
    let env = Env::with_vault();
    let before = env.bytes();
    let run = env.cmd(["show", "--sheet"]).passphrase(PASS).run();
    run.fails(exit::USAGE, "no account has an active set")
        .hint_says("codevault import ACCOUNT")
        .hint_says("codevault generate ACCOUNT");
    env.assert_unchanged(&before);
    env.generate("bank", 3);
    env.cmd(["revoke", "bank"]).passphrase(PASS).run().ok();
    let before = env.bytes();
    let run = env.cmd(["next", "bank"]).passphrase(PASS).run();
    run.fails(exit::USAGE, "no active set")
        .hint_says("codevault import bank")
        .hint_says("codevault generate bank");
    env.assert_unchanged(&before);
}
