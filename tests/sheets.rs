//! `show --sheet` for several accounts, or for every account with an active
//! set: one page each, a form feed between them, one unlock. `show`
//! without `--sheet` still takes exactly one account.

use crate::common;

use common::{Env, PASS, exit};
use serde::Deserialize;

/// Three accounts with an active set and one without.
fn vault() -> Env {
    let env = Env::with_vault();
    env.generate("zeta", 3);
    env.generate("alpha", 4);
    env.generate("mid", 2);
    env.generate("gone", 2);
    env.run(["revoke", "gone"]).ok();
    env
}

/// The account each page is for, in order.
fn pages(stdout: &str) -> Vec<String> {
    stdout
        .split('\x0c')
        .map(|page| {
            assert!(page.starts_with("BACKUP CODES\n"), "{page:?}");
            page.lines()
                .find_map(|l| l.trim().strip_prefix("Account:"))
                .expect("an account line")
                .trim()
                .to_string()
        })
        .collect()
}

#[test]
fn every_active_account_gets_a_page_in_a_stable_order() {
    let env = vault();
    let run = env.run(["show", "--sheet"]);
    run.ok();
    assert_eq!(pages(&run.stdout), ["alpha", "mid", "zeta"]);
    // Each page is the account's own sheet, as `show ACCOUNT --sheet` has it.
    for (page, name) in run.stdout.split('\x0c').zip(["alpha", "mid", "zeta"]) {
        let alone = env.run(["show", name, "--sheet"]);
        alone.ok();
        assert_eq!(page, alone.stdout);
    }
    // The same again: nothing depends on the order things were made in.
    assert_eq!(env.run(["show", "--sheet"]).stdout, run.stdout);
}

#[test]
fn named_accounts_get_a_page_each_in_the_order_named() {
    let env = vault();
    let run = env.run(["show", "--sheet", "zeta", "alpha", "zeta"]);
    run.ok();
    assert_eq!(pages(&run.stdout), ["zeta", "alpha"]);
}

#[test]
fn several_sheets_take_one_unlock() {
    let env = vault();
    // The passphrase is one line on standard input: a second unlock would
    // find nothing there and fail.
    let run = env
        .cmd(["--passphrase-file", "-", "show", "--sheet"])
        .stdin(format!("{PASS}\n"))
        .run();
    run.ok();
    assert_eq!(pages(&run.stdout).len(), 3);
}

#[derive(Deserialize)]
struct Sheets {
    sheets: Vec<common::Shown>,
}

#[test]
fn several_sheets_in_json() {
    let env = vault();
    let sheets: Sheets = env
        .run(["show", "--sheet", "mid", "alpha", "--json"])
        .ok()
        .json();
    let names: Vec<&str> = sheets.sheets.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(names, ["mid", "alpha"]);
    assert_eq!(sheets.sheets[1].codes.len(), 4);
}

#[test]
fn a_sheet_that_cannot_be_printed_prints_none() {
    let env = vault();
    let before = env.bytes();
    let run = env.run(["show", "--sheet", "alpha", "nope"]);
    run.fails(exit::USAGE, "no account named 'nope'");
    assert!(run.stdout.is_empty(), "{run}");
    let run = env.run(["show", "--sheet", "alpha", "gone"]);
    run.fails(exit::USAGE, "'gone' has no active set");
    assert!(run.stdout.is_empty(), "{run}");
    env.assert_unchanged(&before);

    let empty = Env::with_vault();
    empty
        .run(["show", "--sheet"])
        .fails(exit::USAGE, "no account has an active set");
}

#[test]
fn show_without_sheet_takes_exactly_one_account() {
    let env = vault();
    let before = env.bytes();
    for args in [vec!["show"], vec!["show", "alpha", "zeta"]] {
        let run = env.run(&args);
        run.fails(exit::USAGE, "`show` takes exactly one account")
            .hint_says("show --sheet");
        assert!(run.stdout.is_empty(), "{run}");
    }
    env.assert_unchanged(&before);
}
