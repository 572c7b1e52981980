//! `import`: the codes a platform gave, from a file or standard input, kept
//! in the platform's alphabet; `--replace` revokes the active set.

mod common;

use common::{Env, Origin, PASS, Reason, exit};

/// GitHub's `github-recovery-codes.txt`: ten `xxxxx-xxxxx` lines.
const GITHUB: &str = "a1b2c-3d4e5\nf6g7h-8i9j0\nk1l2m-3n4o5\np6q7r-8s9t0\nu1v2w-3x4y5\n\
                      z6a7b-8c9d0\ne1f2g-3h4i5\nj6k7l-8m9n0\no1p2q-3r4s5\nt6u7v-8w9x0\n";

/// Google's `Backup-codes-*.txt`: two numbered columns read across, an
/// address and a date that are not codes.
const GOOGLE: &str = "\
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
    let file = env.write("github-recovery-codes.txt", GITHUB);
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
        .stdin(GOOGLE)
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
    let file = env.write("codes.txt", GITHUB);
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
