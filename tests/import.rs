//! Every file of `tests/fixtures/import/` through the real binary: how many
//! codes were read, in which order, that nothing that only looks like a
//! code (a date, a year, a phone number, an address, a list number) became
//! one, and that the fingerprint is the same wherever the set is shown.
//! Then what `import` refuses, `--replace`, and the printed sheet; and
//! files written by the test itself, from a file or standard input.

use crate::common;

use std::fs;

use crate::common::{Env, Origin, PASS, Reason, exit, import_fixture, shows_code};

/// A fixture and what it must give.
struct Fixture {
    file: &'static str,
    /// The codes, normalised, in the order the set must keep.
    codes: &'static [&'static str],
    /// Text in the file that looks like a code and is not one, normalised
    /// as a code would be.
    decoys: &'static [&'static str],
    duplicates: usize,
    /// The codes (1-based) the text marks used.
    used: &'static [usize],
    /// How `show` prints the first code: as the platform printed it.
    first_shown: &'static str,
}

const GOOGLE: Fixture = Fixture {
    file: "Backup-codes-alice.txt",
    // Google's numbering: 1-5 down the left column, 6-10 down the right.
    codes: &[
        "48210937", "11685520", "33498071", "66072198", "88934465", "77301846", "90526613",
        "22864409", "55113782", "01749926",
    ],
    decoys: &["2026", "22", "2026112", "20261122"],
    duplicates: 0,
    used: &[],
    first_shown: "4821 0937",
};

const GITHUB: Fixture = Fixture {
    file: "github-recovery-codes.txt",
    codes: &[
        "3f9a1c07e2",
        "8b4d61e5f0",
        "a2c719d3b8",
        "0e6f4b58a1",
        "d91c327f6e",
        "5a8b0e4c19",
        "c3e726a0d5",
        "19f5d83b2c",
        "e70a84c16f",
        "6d2b9f05e3",
        "b8c417e9a2",
        "42e0fd1b67",
        "f1a930c8d4",
        "7c5e2a96b1",
        "2b07d5f3e8",
        "96d3ab2c40",
    ],
    decoys: &[],
    duplicates: 0,
    used: &[],
    first_shown: "3f9a1-c07e2",
};

const INSTAGRAM: Fixture = Fixture {
    file: "instagram-pasted.txt",
    codes: &["72043318", "55619042", "11876635", "99302217", "44168873"],
    decoys: &["22112026", "1004", "221120261004"],
    duplicates: 0,
    used: &[],
    first_shown: "",
};

const NUMBERED: Fixture = Fixture {
    file: "numbered-list.txt",
    codes: &[
        "50318842", "77120396", "31846570", "98203415", "64471209", "20957738",
    ],
    decoys: &["20261122", "0800123456", "123456", "0800123"],
    duplicates: 0,
    used: &[],
    first_shown: "",
};

const PLAIN: Fixture = Fixture {
    file: "plain-list.txt",
    codes: &[
        "11820476", "29931845", "38402217", "47713908", "56620431", "65571290",
    ],
    decoys: &[],
    duplicates: 0,
    used: &[],
    first_shown: "11820476",
};

const DUPLICATES: Fixture = Fixture {
    file: "duplicates.txt",
    codes: &["12345678", "87654321"],
    decoys: &[],
    duplicates: 1,
    used: &[],
    first_shown: "",
};

const TWO_COLUMNS: Fixture = Fixture {
    file: "two-columns.txt",
    // No numbers to follow: reading order, row by row.
    codes: &[
        "84021196", "33570824", "66192703", "90245518", "11758862", "44803391", "59036647",
        "77361025", "22589410", "06914473",
    ],
    decoys: &[
        "2026",
        "447946095",
        "2079460958",
        "0800123456",
        "5551234567",
        "1004",
        "1800",
    ],
    duplicates: 0,
    used: &[],
    first_shown: "",
};

const NOTEPAD: Fixture = Fixture {
    file: "notepad-bom-crlf.txt",
    codes: &["61204478", "33950261", "88471530", "20766913", "55382294"],
    decoys: &[],
    duplicates: 0,
    used: &[],
    first_shown: "6120 4478",
};

const DISCORD: Fixture = Fixture {
    file: "discord-backup-codes.txt",
    codes: &[
        "7k2m9xq4", "h3pw6c8r", "4tnb2vz9", "q8dj5m7e", "w2yak4g6", "9fxeh3u2", "m6rc8p4t",
        "b5nkz7w3", "e9tq2j6d", "c4hv7s2y",
    ],
    decoys: &[],
    duplicates: 0,
    used: &[2, 5],
    first_shown: "7k2m-9xq4",
};

const RECOVERY_KEY: Fixture = Fixture {
    file: "recovery-key.txt",
    codes: &["7qkrm4xtwb9jc2hpfv3d8g6yn"],
    decoys: &["20261122", "18006427676", "8006427676"],
    duplicates: 0,
    used: &[],
    first_shown: "7QKRM-4XTWB-9JC2H-PFV3D-8G6YN",
};

const LETTERS_UPPER: Fixture = Fixture {
    file: "letters-upper.txt",
    codes: &[
        "k7pm2xq9wb4n",
        "r4td8hjc3zve",
        "n2gx5qlm7ybk",
        "f9wa3crp6txh",
        "d8zu4mkb2jnq",
    ],
    decoys: &["221120261004"],
    duplicates: 0,
    used: &[],
    first_shown: "K7PM-2XQ9-WB4N",
};

const TICKED: Fixture = Fixture {
    file: "ticked-list.txt",
    codes: &[
        "18427706", "31590428", "66032871", "90274415", "22886190", "55713362", "44109957",
    ],
    decoys: &[],
    duplicates: 0,
    used: &[1, 3, 6, 7],
    first_shown: "1842 7706",
};

const BITWARDEN: Fixture = Fixture {
    file: "bitwarden-export.csv",
    codes: &["50831174", "22906618", "77450392", "66120458", "88372290"],
    decoys: &["20261122", "0800123456", "08001234"],
    duplicates: 0,
    used: &[3],
    first_shown: "5083 1174",
};

const MARKDOWN_TABLE: Fixture = Fixture {
    file: "markdown-table.md",
    codes: &["30186652", "77412095", "55290831", "18643370", "94027716"],
    decoys: &["22112026", "8005550199"],
    duplicates: 0,
    used: &[1, 3],
    first_shown: "3018 6652",
};

/// The fingerprint in `import`'s human line: `... fingerprint 4f2a-91c0`.
fn printed_fingerprint(run: &common::Run) -> String {
    run.stdout
        .lines()
        .chain(run.stderr.lines())
        .find_map(|l| l.split("fingerprint ").nth(1))
        .map(|f| f.split_whitespace().next().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no fingerprint printed\n{run}"))
}

/// Imports the fixture twice, into two vaults: by `--file` for people and
/// by standard input with `--json`; both must give the expected codes in
/// order and the same fingerprint as `show --json`.
fn assert_fixture(fx: &Fixture) {
    let path = import_fixture(fx.file);
    let read = fx.codes.len() + fx.duplicates;

    // For people, from the file.
    let env = Env::with_vault();
    env.guard(fx.codes);
    let run = env
        .cmd(["import", "acct", "--file"])
        .arg(&path)
        .passphrase(PASS)
        .run();
    run.ok();
    let printed = printed_fingerprint(&run);
    assert!(
        run.stderr.contains(&format!(
            "read {read} {}, stored {}",
            if read == 1 { "code" } else { "codes" },
            fx.codes.len()
        )),
        "says how many codes were read and stored\n{run}"
    );
    let duplicate_warnings: Vec<&str> = run
        .notes()
        .into_iter()
        .filter(|l| l.starts_with("warning:") && l.contains("duplicate"))
        .collect();
    if fx.duplicates == 0 {
        assert!(duplicate_warnings.is_empty(), "{run}");
    } else {
        assert_eq!(duplicate_warnings.len(), 1, "one warning\n{run}");
        assert!(
            duplicate_warnings[0].contains(&fx.duplicates.to_string()),
            "{run}"
        );
    }
    for code in fx.codes {
        assert!(!shows_code(&run.stdout, code), "import re-prints {run}");
    }

    let shown = env.show_all("acct");
    assert_eq!(shown.set.origin, Origin::Imported);
    assert_eq!(shown.set.fingerprint, printed, "show --json vs printed");
    let indexes: Vec<usize> = shown.codes.iter().map(|c| c.index).collect();
    assert_eq!(indexes, (1..=fx.codes.len()).collect::<Vec<_>>());
    let codes: Vec<&str> = shown.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, fx.codes, "{}: the codes, in order", fx.file);
    for decoy in fx.decoys {
        assert!(!codes.contains(decoy), "{}: {decoy} became a code", fx.file);
    }
    let used: Vec<usize> = shown
        .codes
        .iter()
        .filter(|c| c.used.is_some())
        .map(|c| c.index)
        .collect();
    assert_eq!(used, fx.used, "{}: the codes marked used", fx.file);
    for c in shown.used() {
        let note = c.used.as_ref().and_then(|u| u.note.as_deref());
        assert_eq!(note, Some("marked used in the imported text"));
    }
    let marked = run.notes().into_iter().find(|l| l.contains("marks used"));
    match fx.used.len() {
        0 => assert_eq!(marked, None, "{run}"),
        n => assert!(
            marked.is_some_and(|l| l.contains(&format!("{n} code"))),
            "says how many were marked used\n{run}"
        ),
    }
    if !fx.first_shown.is_empty() {
        let human = env.run(["show", "acct", "--all"]);
        // `    1. K7PM-2XQ9-WB4N` or `    1. 1842 7706  used …`.
        let first = human.ok().stdout.lines().nth(1).unwrap_or("").to_string();
        let shown = first
            .trim_start()
            .strip_prefix("1. ")
            .and_then(|rest| rest.split("  ").next());
        assert_eq!(
            shown,
            Some(fx.first_shown),
            "{}: shown as printed\n{human}",
            fx.file
        );
    }
    let row = env.list().get("acct").clone();
    let left = fx.codes.len() - fx.used.len();
    assert_eq!((row.remaining, row.total), (left, fx.codes.len()));
    assert_eq!(row.origin, Some(Origin::Imported));

    // For programs, from standard input, in another vault.
    let other = Env::with_vault();
    other.guard(fx.codes);
    let run = other
        .cmd(["import", "acct", "--json"])
        .passphrase(PASS)
        .stdin(fs::read(&path).expect("read the fixture"))
        .run();
    let issued: common::Issued = run.ok().json();
    assert_eq!(issued.account, "acct");
    assert_eq!(issued.set.origin, Origin::Imported);
    assert_eq!(issued.codes, fx.codes, "{}: from standard input", fx.file);
    // The fingerprint belongs to the set (it is keyed by the set's secret
    // salt): the same codes imported into another vault get another one,
    // shown alike wherever that set is shown.
    assert_eq!(
        other.show_all("acct").set.fingerprint,
        issued.set.fingerprint
    );
    assert_ne!(issued.set.fingerprint, printed, "fingerprints are per set");
}

#[test]
fn google_backup_codes_file() {
    assert_fixture(&GOOGLE);
}

#[test]
fn github_recovery_codes_file() {
    assert_fixture(&GITHUB);
}

#[test]
fn codes_pasted_from_a_phone() {
    assert_fixture(&INSTAGRAM);
}

#[test]
fn a_numbered_list() {
    assert_fixture(&NUMBERED);
}

#[test]
fn a_plain_list_split_by_spaces_tabs_and_newlines() {
    assert_fixture(&PLAIN);
}

#[test]
fn duplicates_are_dropped_with_a_warning() {
    assert_fixture(&DUPLICATES);
}

#[test]
fn two_columns_without_numbers() {
    assert_fixture(&TWO_COLUMNS);
}

#[test]
fn a_list_saved_by_notepad_with_a_bom_and_crlf() {
    let bytes = fs::read(import_fixture(NOTEPAD.file)).unwrap();
    assert!(
        bytes.starts_with("\u{FEFF}".as_bytes()),
        "the fixture lost its BOM"
    );
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "the fixture lost its CRLF"
    );
    assert_fixture(&NOTEPAD);
}

/// The Google file read independently of the parser: each `N. dddd dddd`
/// pair, and the set's code N must be the file's code N.
#[test]
fn a_password_managers_csv_export() {
    assert_fixture(&BITWARDEN);
}

#[test]
fn a_markdown_table_with_a_used_column() {
    assert_fixture(&MARKDOWN_TABLE);
}

#[test]
fn discords_list_with_its_used_marks() {
    assert_fixture(&DISCORD);
}

#[test]
fn a_single_recovery_key_of_five_groups_in_prose() {
    assert_fixture(&RECOVERY_KEY);
}

#[test]
fn letter_codes_in_upper_case_groups() {
    assert_fixture(&LETTERS_UPPER);
}

#[test]
fn a_ticked_and_struck_checklist() {
    assert_fixture(&TICKED);
}

#[test]
fn google_numbering_is_the_sets_numbering() {
    let path = import_fixture(GOOGLE.file);
    let text = fs::read_to_string(&path).unwrap();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut numbered: Vec<(usize, String)> = words
        .windows(3)
        .filter_map(|w| {
            let n = w[0].strip_suffix('.')?.parse().ok()?;
            let is_group = |g: &str| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit());
            (is_group(w[1]) && is_group(w[2])).then(|| (n, format!("{}{}", w[1], w[2])))
        })
        .collect();
    numbered.sort();
    assert_eq!(numbered.len(), 10, "the fixture has ten numbered codes");

    let env = Env::with_vault();
    env.import_file("google", &path, false);
    let shown = env.show_all("google");
    let in_set: Vec<(usize, String)> = shown
        .codes
        .iter()
        .map(|c| (c.index, c.code.clone()))
        .collect();
    assert_eq!(in_set, numbered);
}

/// GitHub's codes are hexadecimal: about one file in seven has a code made
/// of digits only (`12345-67890`). It is still one of the set's codes.
#[test]
fn a_github_code_of_digits_only_is_kept() {
    let env = Env::with_vault();
    let file = env.write(
        "github-recovery-codes.txt",
        "3f9a1-c07e2\n8b4d6-1e5f0\n40213-98675\na2c71-9d3b8\n",
    );
    let run = env
        .cmd(["import", "github", "--json", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run();
    let issued: common::Issued = run.ok().json();
    assert_eq!(
        issued.codes,
        ["3f9a1c07e2", "8b4d61e5f0", "4021398675", "a2c719d3b8"]
    );
    assert!(!run.stderr.contains("skipped"), "{run}");
    let m: common::Marked = env
        .run(["use", "github", "40213-98675", "--json"])
        .ok()
        .json();
    assert_eq!(m.index, 3);
}

// ------------------------------------------------------------- refusals

#[test]
fn a_file_without_codes_is_refused_and_changes_nothing() {
    let env = Env::with_vault();
    let before = env.bytes();
    let path = import_fixture("no-codes.txt");
    env.cmd(["import", "bank", "--file"])
        .arg(&path)
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "no codes");
    env.cmd(["import", "bank", "--json"])
        .passphrase(PASS)
        .stdin(fs::read(&path).unwrap())
        .run()
        .fails(exit::USAGE, "no codes");
    env.cmd(["import", "bank", "--file"])
        .arg(env.path("Backup-codes-nobody.txt"))
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "Backup-codes-nobody.txt");
    env.assert_unchanged(&before);
    assert!(env.list().accounts.is_empty());
}

#[test]
fn importing_onto_an_active_imported_set_needs_replace() {
    let env = Env::with_vault();
    let old = env.import_file("bank", &import_fixture(GOOGLE.file), false);
    let before = env.bytes();
    for args in [
        vec!["import", "bank", "--file"],
        vec!["import", "bank", "--json", "--file"],
    ] {
        env.cmd(args)
            .arg(import_fixture(NUMBERED.file))
            .passphrase(PASS)
            .run()
            .fails(exit::USAGE, "already has an active set")
            .hint_says("codevault import --replace bank");
    }
    env.assert_unchanged(&before);
    assert_eq!(env.show_all("bank").set.id, old.set.id);
}

#[test]
fn replace_revokes_the_old_set_in_the_same_write() {
    let env = Env::with_vault();
    let old = env.import_file("bank", &import_fixture(GOOGLE.file), false);
    let events_before = env.log().events.len();
    let new = env.import_file("bank", &import_fixture(NUMBERED.file), true);
    assert_eq!(new.codes, NUMBERED.codes);

    // One change: a single `import` event that names the revoked set.
    let log = env.log();
    assert_eq!(log.events.len(), events_before + 1, "{:?}", log.kinds());
    let import = log.events.last().unwrap();
    assert_eq!(import.event, "import");
    assert_eq!(import.details["set"], new.set.id);
    assert_eq!(import.details["revoked"], old.set.id);

    let shown = env.show_all("bank");
    assert_eq!(shown.set.id, new.set.id);
    assert_eq!(shown.set.fingerprint, new.set.fingerprint);
    let row = env.list().get("bank").clone();
    assert_eq!((row.remaining, row.total), (6, 6));

    for (i, code) in old.codes.iter().enumerate() {
        let (exit_code, c) = env.check(code, Some("bank"));
        assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Revoked));
        assert_eq!(c.details.index, Some(i + 1));
        assert_eq!(c.details.set, Some(old.set.id));
        assert_eq!(c.details.revoked_by.as_deref(), Some("import_replace"));
        assert_eq!(c.details.replaced_by, Some(new.set.id));
        assert_eq!(c.details.revoked_at, Some(new.set.created));
        assert_eq!(c.details.set_created, Some(old.set.created));
    }
}

#[test]
fn reimporting_an_old_file_after_a_replace_names_the_revoked_set() {
    let env = Env::with_vault();
    let old = env.import_file("bank", &import_fixture(GOOGLE.file), false);
    let new = env.import_file("bank", &import_fixture(NUMBERED.file), true);
    let before = env.bytes();

    let run = env
        .cmd(["import", "bank", "--replace", "--file"])
        .arg(import_fixture(GOOGLE.file))
        .passphrase(PASS)
        .run();
    run.fails(exit::USAGE, &format!("set {}", old.set.id));
    assert!(run.error().contains("revoked"), "{run}");
    run.hint_says("old file");

    // The current file again: nothing to do, said as such.
    let run = env
        .cmd(["import", "bank", "--replace", "--file"])
        .arg(import_fixture(NUMBERED.file))
        .passphrase(PASS)
        .run();
    run.fails(exit::USAGE, &format!("set {}", new.set.id));
    assert!(!run.error().contains("revoked"), "{run}");
    env.assert_unchanged(&before);
}

#[test]
fn import_reads_standard_input_without_file() {
    let env = Env::with_vault();
    let run = env
        .cmd(["import", "github"])
        .passphrase(PASS)
        .stdin(fs::read(import_fixture(GITHUB.file)).unwrap())
        .run();
    run.ok();
    assert!(run.stdout.contains("16 codes"), "{run}");
    let shown = env.show_all("github");
    let codes: Vec<&str> = shown.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, GITHUB.codes);
}

// ----------------------------------------------------------------- sheet

/// `show --sheet`: a page to print for an imported set and a generated one.
#[test]
fn the_sheet_has_account_fingerprint_date_and_a_box_per_code() {
    let env = Env::with_vault();
    env.import_file("github", &import_fixture(GITHUB.file), false);
    env.run(["use", "github", "A2C71-9D3B8"]).ok();
    env.run(["use", "github", "96d3a b2c40"]).ok();
    env.generate("bank", 4);
    env.next("bank");

    for account in ["github", "bank"] {
        let shown = env.show_all(account);
        let run = env.run(["show", account, "--sheet"]);
        run.ok();
        let page = &run.stdout;
        let line_with = |text: &str| {
            page.lines()
                .find(|l| l.contains(text))
                .unwrap_or_else(|| panic!("no line with {text:?}\n{run}"))
                .to_string()
        };
        assert!(line_with("Account").contains(account), "{run}");
        assert!(
            line_with("ingerprint").contains(&shown.set.fingerprint),
            "the fingerprint of show --json\n{run}"
        );
        let date = &shown.set.created.0.to_string()[..10];
        assert!(page.contains(date), "the creation date\n{run}");
        for c in &shown.codes {
            let form = if c.code.bytes().all(|b| b.is_ascii_digit()) {
                common::grouped(&c.code)
            } else {
                format!("{}-{}", &c.code[..5], &c.code[5..])
            };
            let line = line_with(&form);
            assert!(line.contains(&format!("{}.", c.index)), "numbered\n{run}");
            let tick = if c.used.is_some() { "[x]" } else { "[ ]" };
            assert!(line.contains(tick), "code {}: {tick}\n{run}", c.index);
        }
        let boxes = page.matches("[ ]").count() + page.matches("[x]").count();
        assert_eq!(boxes, shown.codes.len(), "one box per code\n{run}");
        assert!(
            page.contains(&format!("codevault use {account} CODE")),
            "how to record a use\n{run}"
        );
    }
    assert_eq!(env.show_all("github").used().len(), 2);
}

// --------------------------------------------- files written in the test

/// GitHub's `github-recovery-codes.txt`: ten `xxxxx-xxxxx` lines.
const GITHUB_TEXT: &str = "a1b2c-3d4e5\nf6g7h-8i9j0\nk1l2m-3n4o5\np6q7r-8s9t0\nu1v2w-3x4y5\n\
                      z6a7b-8c9d0\ne1f2g-3h4i5\nj6k7l-8m9n0\no1p2q-3r4s5\nt6u7v-8w9x0\n";

/// Google's `Backup-codes-*.txt`: two numbered columns read across, an
/// address and a date that are not codes.
const GOOGLE_TEXT: &str = "\
SAVE YOUR BACKUP CODES
Keep these backup codes somewhere safe but accessible.

1. 1357 2468      6. 9753 8642
2. 1122 3344      7. 5566 7788
3. 9988 7766      8. 5544 3322
4. 1212 3434      9. 5656 7878
5. 9090 8080     10. 7070 6060

(alice@example.com)
* You can only use each backup code once.
* Need more? Visit g.co/2sv
* These codes were generated on: Nov 22, 2026
";

#[test]
fn import_reads_githubs_file_and_keeps_its_alphabet() {
    let env = Env::with_vault();
    let file = env.write("github-recovery-codes.txt", GITHUB_TEXT);
    let issued: common::Issued = env
        .cmd(["import", "github", "--json", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(issued.account, "github");
    assert_eq!(issued.set.origin, Origin::Imported);
    assert_eq!(issued.codes.len(), 10);
    assert_eq!(issued.codes[0], "a1b2c3d4e5");
    assert_eq!(issued.codes[9], "t6u7v8w9x0");
    let row = env.list().get("github").clone();
    assert_eq!((row.remaining, row.total), (10, 10));
    assert_eq!(row.origin, Some(Origin::Imported));

    // Letters are compared without regard to case, however grouped.
    let m: common::Marked = env
        .run(["use", "github", "A1B2C-3D4E5", "--json"])
        .ok()
        .json();
    assert_eq!((m.index, m.code.as_str()), (1, "a1b2c3d4e5"));
    let (code, c) = env.check("F6G7H8I9J0", None);
    assert_eq!((code, c.reason), (exit::OK, Reason::Unused));
    assert_eq!(c.account.as_deref(), Some("github"));
}

#[test]
fn import_reads_googles_file_from_stdin_in_its_numbering() {
    let env = Env::with_vault();
    let issued: common::Issued = env
        .cmd(["import", "google/alice@example.com", "--json"])
        .passphrase(PASS)
        .stdin(GOOGLE_TEXT)
        .run()
        .ok()
        .json();
    assert_eq!(
        issued.codes,
        [
            "13572468", "11223344", "99887766", "12123434", "90908080", "97538642", "55667788",
            "55443322", "56567878", "70706060"
        ]
    );
    assert_eq!(issued.set.origin, Origin::Imported);
    let shown = env.show_all("google/alice@example.com");
    assert_eq!(shown.codes[5].index, 6);
    assert_eq!(shown.codes[5].code, "97538642");
}

#[test]
fn import_onto_an_active_set_needs_replace() {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    let file = env.write("codes.txt", GITHUB_TEXT);
    let before = env.bytes();
    env.cmd(["import", "github", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "already has an active set")
        .hint_says("import --replace github");
    env.assert_unchanged(&before);

    let issued: common::Issued = env
        .cmd(["import", "github", "--replace", "--json", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(env.show_all("github").set.id, issued.set.id);
    let (code, c) = env.check(&old.codes[0], Some("github"));
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Revoked));
    assert_eq!(c.details.replaced_by, Some(issued.set.id));
}

#[test]
fn a_low_imported_set_says_to_get_new_codes_from_the_platform() {
    let env = Env::with_vault();
    let file = env.write("codes.txt", "12345678\n23456789\n34567890\n45678901\n");
    env.cmd(["import", "bank", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .ok();
    // Low at 1 of 4 left (3 or fewer, and at most 40% of the set).
    env.next("bank");
    env.next("bank");
    let run = env.run(["next", "bank"]);
    run.ok();
    assert!(run.stderr.contains("import --replace bank"), "{run}");
    assert!(!run.stderr.contains("regenerate"), "{run}");
}

#[test]
fn import_refuses_text_without_codes_and_a_missing_file() {
    let env = Env::with_vault();
    let before = env.bytes();
    env.cmd(["import", "bank"])
        .passphrase(PASS)
        .stdin("no codes here, only words\n")
        .run()
        .fails(exit::USAGE, "no codes");
    env.cmd(["import", "bank", "--file"])
        .arg(env.path("missing.txt"))
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "missing.txt");
    env.assert_unchanged(&before);
}

// ---------------------------------------- nothing lost, nothing taken wrongly

/// The report's list: a code that lost a digit, one that gained one.
const REPORTED: &str = "1234 5678\n2345678\n3456 7890\n4567 89012\n5678 9012\n";

#[test]
fn a_malformed_code_refuses_the_import_naming_its_line() {
    let env = Env::with_vault();
    env.guard(&["2345678", "456789012", "2345678"]);
    let before = env.bytes();
    let file = import_fixture("malformed.txt");
    for run in [
        env.cmd(["import", "instagram", "--file"])
            .arg(&file)
            .passphrase(PASS)
            .run(),
        env.cmd(["import", "instagram", "--json"])
            .passphrase(PASS)
            .stdin(REPORTED)
            .run(),
        env.cmd(["import", "instagram"])
            .passphrase(PASS)
            .stdin("1234 5678\n2345 678\n3456 7890\n")
            .run(),
    ] {
        run.fails(exit::USAGE, "of the set's shape (8 digits)")
            .hint_says("--skip-malformed");
        // Named by line and length, never repeated: it may be a real code.
        for code in ["2345678", "2345 678", "4567 89012", "456789012"] {
            assert!(!run.stderr.contains(code), "{run}");
        }
        env.assert_unchanged(&before);
    }
    env.cmd(["import", "instagram", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .fails(
            exit::USAGE,
            "lines 3 (7 characters) and 5 (9 characters) of the text are not codes of \
             the set's shape (8 digits)",
        );
    env.cmd(["import", "instagram"])
        .passphrase(PASS)
        .stdin(REPORTED)
        .run()
        .fails(exit::USAGE, "lines 2 (7 characters) and 4 (9 characters)");
    assert!(env.list().accounts.is_empty());
}

#[test]
fn skip_malformed_imports_the_rest_and_says_what_it_left_out() {
    let env = Env::with_vault();
    let run = env
        .cmd(["import", "instagram", "--skip-malformed"])
        .passphrase(PASS)
        .stdin(REPORTED)
        .run();
    run.ok();
    let notes = run.notes();
    assert!(
        notes.iter().any(|l| l.starts_with("warning: left out lines 2 (7 characters) and 4 (9 characters)")),
        "{run}"
    );
    assert!(run.stderr.contains("read 3 codes, stored 3"), "{run}");
    let codes: Vec<String> = env
        .show_all("instagram")
        .codes
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(codes, ["12345678", "34567890", "56789012"]);
}

#[test]
fn replace_on_an_account_that_does_not_exist_suggests_the_close_one() {
    let env = Env::with_vault();
    let old = env.import_file(
        "instagram:@bloomcafe",
        &import_fixture(INSTAGRAM.file),
        false,
    );
    let before = env.bytes();
    env.cmd(["import", "instagram:@blomcafe", "--replace", "--file"])
        .arg(import_fixture(NUMBERED.file))
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "no account named 'instagram:@blomcafe'")
        .hint_says("did you mean 'instagram:@bloomcafe'?");
    env.assert_unchanged(&before);
    let shown = env.show_all("instagram:@bloomcafe");
    assert_eq!(
        shown.set.id, old.set.id,
        "the old set is still the active one"
    );
    assert_eq!(env.list().names(), ["instagram:@bloomcafe"]);
}

#[test]
fn codes_of_another_account_refuse_the_import_naming_it() {
    let env = Env::with_vault();
    env.import_file("client-a", &import_fixture(GOOGLE.file), false);
    env.import_file("client-b", &import_fixture(NUMBERED.file), false);
    let before = env.bytes();
    for args in [
        vec!["import", "client-b", "--replace", "--file"],
        vec!["import", "client-c", "--file"],
    ] {
        env.cmd(args)
            .arg(import_fixture(GOOGLE.file))
            .passphrase(PASS)
            .run()
            .fails(
                exit::USAGE,
                "10 of these codes are already in the active set 1 of 'client-a'",
            )
            .hint_says("not those of 'client-a'");
        env.assert_unchanged(&before);
    }
    // One code is enough, and a revoked set counts: it was that client's.
    env.import_file("client-a", &import_fixture(PLAIN.file), true);
    let before = env.bytes();
    env.cmd(["import", "client-c"])
        .stdin(format!("{}\n11112222\n", GOOGLE.codes[3]))
        .passphrase(PASS)
        .run()
        .fails(
            exit::USAGE,
            "1 of these codes is already in set 1 (revoked) of 'client-a'",
        );
    env.assert_unchanged(&before);
}

#[test]
fn codes_marked_used_in_the_text_are_never_handed_out() {
    let env = Env::with_vault();
    env.import_file("discord", &import_fixture(DISCORD.file), false);
    let next = |env: &Env| -> common::Marked { env.run(["next", "discord", "--json"]).ok().json() };
    assert_eq!(next(&env).index, 1);
    // Code 2 was `(used)` in the file.
    assert_eq!(next(&env).index, 3);
    let run = env.run(["check", DISCORD.codes[4], "discord", "--json"]);
    let checked: common::Checked = run.code(exit::REFUSED).json();
    assert_eq!(checked.reason, Reason::Used);
    assert!(
        run.stdout.contains("marked used in the imported text"),
        "{run}"
    );
}

#[test]
fn letter_codes_are_shown_as_printed_and_matched_however_typed() {
    let env = Env::with_vault();
    env.import_file("acme", &import_fixture(LETTERS_UPPER.file), false);
    let run = env.run(["next", "acme"]);
    assert_eq!(run.ok().stdout, "K7PM-2XQ9-WB4N\n");
    for typed in ["r4td8hjc3zve", "R4TD 8HJC 3ZVE", "r4td-8HJC-3zve"] {
        let checked: common::Checked = env.run(["check", typed, "acme", "--json"]).ok().json();
        assert_eq!(checked.reason, Reason::Unused, "{typed}");
    }
    let m: common::Marked = env
        .run(["use", "acme", "n2gx5qlm7ybk", "--json"])
        .ok()
        .json();
    assert_eq!(m.index, 3);
    let sheet = env.run(["show", "acme", "--sheet"]);
    assert!(
        sheet.ok().stdout.contains("[x]   3.  N2GX-5QLM-7YBK"),
        "{sheet}"
    );
}

#[test]
fn a_number_inside_a_sentence_is_said_and_not_taken() {
    let env = Env::with_vault();
    env.guard(&["98765432", "23456789"]);
    let run = env
        .cmd(["import", "bank"])
        .passphrase(PASS)
        .stdin("Account number 98765432\n1234 5678\nAlso keep 2345 6789 safe\n3456 7890\n")
        .run();
    run.ok();
    assert!(
        run.notes().iter().any(|l| l.starts_with(
            "note: lines 1 and 3 have something shaped like a code that reads as text or a \
             number, not imported"
        )),
        "{run}"
    );
    assert!(run.stderr.contains("read 2 codes, stored 2"), "{run}");
    let codes: Vec<String> = env
        .show_all("bank")
        .codes
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(codes, ["12345678", "34567890"]);
}

#[test]
fn json_says_what_the_text_said_beside_its_codes() {
    let env = Env::with_vault();
    env.guard(&["98765432", "5517293"]);
    let run = env
        .cmd(["import", "bank", "--json", "--skip-malformed"])
        .passphrase(PASS)
        .stdin("Account 98765432\n6843 2019 (used)\n5517293\n7720 4186\n7720 4186\n")
        .run();
    let v: serde_json::Value = run.ok().json();
    assert_eq!(v["codes"], serde_json::json!(["68432019", "77204186"]));
    assert_eq!(v["marked_used"], serde_json::json!([1]));
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["left_out_lines"], serde_json::json!([3]));
    assert_eq!(v["not_imported_lines"], serde_json::json!([1]));
    // A clean text says none of it.
    let run = env
        .cmd(["import", "other", "--json"])
        .passphrase(PASS)
        .stdin("1357 2468\n")
        .run();
    let v: serde_json::Value = run.ok().json();
    for key in [
        "marked_used",
        "duplicates",
        "left_out_lines",
        "not_imported_lines",
    ] {
        assert!(v.get(key).is_none(), "{key} in {v}");
    }
}
