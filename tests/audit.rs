//! `log`, the audit trail: every change and every refused `use`, oldest
//! first, naming codes by number only; after a realistic life of a vault,
//! and the promise behind every diagnosis, warning and log line: none of
//! them ever shows a code the user did not type in that very command.

use crate::common;

use std::collections::BTreeSet;

use crate::common::{Env, PASS, Reason, exit, import_fixture, shows_code};
use serde_json::json;

const NEW_PASS: &str = "a new passphrase for the audit test";

/// A second GitHub file, as the platform gives after "regenerate codes".
const GITHUB_NEW: &str = "\
4c1e9-0b7d2
a83f5-d26e0
71b0c-e94a3
e2d68-5f1b7
0f93a-c4e82
";

/// The life of a vault: every kind of change and two refused `use`s.
#[test]
fn the_log_tells_every_change_in_order_and_never_a_code() {
    let env = Env::with_vault();
    let mut codes: Vec<String> = Vec::new();

    let gh1 = env.generate("bank", 5);
    codes.extend(gh1.codes.iter().cloned());
    let git1 = env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    codes.extend(git1.codes.iter().cloned());
    env.run(["use", "bank", &gh1.codes[2], "--note", "new laptop"])
        .ok();
    let handed = env.next("bank");
    assert_eq!(handed.index, 1);
    env.run(["use", "bank", &gh1.codes[2]]).code(exit::REFUSED);
    let unknown = "9090 1212";
    let (_, c) = env.check(unknown, Some("bank"));
    assert_eq!(c.reason, Reason::Unknown, "the test's unknown code is one");
    env.run(["use", "bank", unknown]).code(exit::REFUSED);
    let gh2 = env.regenerate("bank", 4);
    codes.extend(gh2.codes.iter().cloned());
    env.run(["revoke", "bank"]).ok();
    let file = env.write("github-recovery-codes.txt", GITHUB_NEW);
    let git2 = env.import_file("github", &file, true);
    codes.extend(git2.codes.iter().cloned());
    env.run(["remove", "bank", "--yes"]).ok();
    env.cmd(["passwd"])
        .passphrase(PASS)
        .new_passphrase(NEW_PASS)
        .run()
        .ok();

    let log_run = |args: &[&str]| env.cmd(args).passphrase(NEW_PASS).run().ok().stdout.clone();
    let text = log_run(&["log", "--json"]);
    let log: common::Log = serde_json::from_str(&text).expect("log --json");
    assert_eq!(
        log.kinds(),
        [
            "init",
            "generate",
            "import",
            "use",
            "next",
            "refused",
            "refused",
            "regenerate",
            "revoke",
            "import",
            "remove",
            "passwd"
        ]
    );
    assert!(
        log.events.windows(2).all(|w| w[0].at <= w[1].at),
        "oldest first"
    );
    let accounts: Vec<Option<&str>> = log.events.iter().map(|e| e.account.as_deref()).collect();
    let (b, g) = (Some("bank"), Some("github"));
    assert_eq!(accounts, [None, b, g, b, b, b, b, b, b, g, b, None]);

    let e = |i: usize, key: &str| log.events[i].details.get(key).cloned();
    let (bank1, git_1, bank2, git_2) = (gh1.set.id, git1.set.id, gh2.set.id, git2.set.id);
    assert_eq!(e(1, "set"), Some(json!(bank1)));
    assert_eq!(e(1, "count"), Some(json!(5)));
    assert_eq!(e(2, "set"), Some(json!(git_1)));
    assert_eq!(e(2, "count"), Some(json!(16)));
    // Uses name the code by its number in its set, with the note.
    assert_eq!(e(3, "set"), Some(json!(bank1)));
    assert_eq!(e(3, "index"), Some(json!(3)));
    assert_eq!(e(3, "note"), Some(json!("new laptop")));
    assert_eq!(e(4, "set"), Some(json!(bank1)));
    assert_eq!(e(4, "index"), Some(json!(1)));
    // Refusals say why, and which code by number where the vault knows it.
    assert_eq!(e(5, "reason"), Some(json!("used")));
    assert_eq!(e(5, "set"), Some(json!(bank1)));
    assert_eq!(e(5, "index"), Some(json!(3)));
    assert_eq!(e(6, "reason"), Some(json!("unknown")));
    assert_eq!(e(6, "index").unwrap_or_default(), json!(null));
    assert_eq!(e(7, "set"), Some(json!(bank2)));
    assert_eq!(e(7, "revoked"), Some(json!(bank1)));
    assert_eq!(e(8, "set"), Some(json!(bank2)));
    assert_eq!(e(9, "set"), Some(json!(git_2)));
    assert_eq!(e(9, "revoked"), Some(json!(git_1)));

    // `log ACCOUNT` keeps that account's events only, a removed one too.
    let bank: common::Log =
        serde_json::from_str(&log_run(&["log", "bank", "--json"])).expect("log bank");
    assert_eq!(
        bank.kinds(),
        [
            "generate",
            "use",
            "next",
            "refused",
            "refused",
            "regenerate",
            "revoke",
            "remove"
        ]
    );
    let github: common::Log =
        serde_json::from_str(&log_run(&["log", "github", "--json"])).expect("log github");
    assert_eq!(github.kinds(), ["import", "import"]);
    assert!(github.events.iter().all(|e| e.account.as_deref() == g));

    // No code of the vault, nor the one typed, in any form of the log.
    let human = log_run(&["log"]);
    assert_eq!(human.lines().count(), 12, "one line per event\n{human}");
    let human_bank = log_run(&["log", "bank"]);
    assert_eq!(human_bank.lines().count(), 8, "{human_bank}");
    codes.push("90901212".into());
    for out in [&text, &human, &human_bank] {
        for code in &codes {
            assert!(!shows_code(out, code), "the log shows a code\n{out}");
        }
    }
}

// ------------------------------------------- codes only where they belong

/// A vault whose every command is checked: each code ever issued must be
/// absent from its standard error, and, except the one typed in the
/// command, from its standard output where that output is not a list of
/// codes. The harness holds the codes (guarded as they are issued).
struct Session {
    env: Env,
}

/// Which of a command's streams may show codes other than the typed one.
#[derive(Clone, Copy, PartialEq)]
enum Out {
    /// Its stdout is meant to show codes (`generate`, `next`, `show`).
    Codes,
    /// Its stdout must not: a diagnosis, a list, a log, a message.
    Guarded,
}

impl Session {
    fn new() -> Session {
        Session {
            env: Env::with_vault(),
        }
    }

    fn issue(&mut self, codes: &[String]) {
        self.env.guard(codes);
    }

    /// Runs `args`; `typed` is the normalised code the command was given.
    #[track_caller]
    fn run(&self, args: &[&str], typed: Option<&str>, out: Out) -> common::Run {
        let run = self.env.run(args);
        self.assert_clean(&run, typed, out);
        run
    }

    /// Stderr is the harness's to check (no code ever, the typed one
    /// included); a guarded stdout may show only the typed code.
    #[track_caller]
    fn assert_clean(&self, run: &common::Run, typed: Option<&str>, out: Out) {
        if out == Out::Guarded {
            run.prints_only(&self.env, &Vec::from_iter(typed));
        }
    }

    /// `import` for people; returns the set as `show --all --json` has it
    /// and the run.
    fn import(
        &mut self,
        account: &str,
        file: &std::path::Path,
        replace: bool,
    ) -> (common::Issued, common::Run) {
        // For people first: the imported codes are not printed back.
        let mut args = vec!["import", account];
        if replace {
            args.push("--replace");
        }
        let run = self
            .env
            .cmd(&args)
            .arg("--file")
            .arg(file)
            .passphrase(PASS)
            .run();
        run.ok();
        let shown = self.env.show_all(account);
        let codes: Vec<String> = shown.codes.iter().map(|c| c.code.clone()).collect();
        self.issue(&codes);
        self.assert_clean(&run, None, Out::Guarded);
        let issued = common::Issued {
            account: shown.account,
            set: shown.set,
            codes,
        };
        (issued, run)
    }
}

/// Slips on a code: one character changed, two neighbours swapped.
fn slips(code: &str) -> [String; 2] {
    let mut b = code.as_bytes().to_vec();
    b[7] = if b[7] == b'9' { b'0' } else { b[7] + 1 };
    let substituted = String::from_utf8(b).unwrap();
    let mut b = code.as_bytes().to_vec();
    let i = (0..b.len() - 1).find(|&i| b[i] != b[i + 1]).unwrap();
    b.swap(i, i + 1);
    [substituted, String::from_utf8(b).unwrap()]
}

#[test]
fn no_diagnosis_warning_or_log_line_shows_a_code_not_typed() {
    use Out::{Codes, Guarded};
    let mut s = Session::new();

    // A generated set, an imported GitHub set, a small imported set.
    let bank: common::Issued = s
        .run(&["generate", "bank", "--count", "6", "--json"], None, Codes)
        .json();
    s.issue(&bank.codes);
    let (gh, _) = s.import(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    // Two codes, one of them twice: a duplicate warning. (Not the fixture
    // `duplicates.txt`: its 1234 5678 is the example in an error message.)
    let file = s.env.write("shop.txt", "3141 5926\n2718 2818\n31415926\n");
    let (dup, run) = s.import("shop", &file, false);
    assert!(run.stderr.contains("duplicate"), "{run}");
    let b = &bank.codes;

    // Uses down to a low set, with warnings, by `use` and `next`.
    s.run(
        &["use", "bank", &b[0], "--note", "laptop"],
        Some(&b[0]),
        Guarded,
    )
    .ok();
    s.run(&["use", "bank", &b[1], "--json"], Some(&b[1]), Codes)
        .ok();
    let run = s.run(&["use", "bank", &b[2]], Some(&b[2]), Guarded);
    // 3 of 6 left is half the set: not low yet (the contract's 40%).
    assert!(!run.stderr.contains("warning:"), "{run}");
    let run = s.run(&["next", "bank"], None, Codes);
    assert!(run.stderr.contains("warning:"), "{run}");
    let run = s.run(&["next", "shop", "--json"], None, Codes);
    // 1 of 2 left is half the set: not low yet (the contract's 40%).
    assert!(!run.stderr.contains("warning:"), "{run}");
    let run = s.run(&["list"], None, Guarded);
    assert!(run.stderr.contains("warning:"), "{run}");
    s.run(&["list", "--json"], None, Guarded).ok();

    // Every reason, by `check` with and without the account, and `use`.
    // The near misses of unused codes come before `use` marks them.
    let mut asked: Vec<(String, &str)> = Vec::new();
    for slip in slips(&b[4]) {
        asked.push((slip, "bank"));
    }
    for slip in slips(&gh.codes[5]) {
        asked.push((slip.to_uppercase(), "github"));
    }
    for slip in slips(&b[1]) {
        asked.push((slip, "bank")); // near miss of a used code
    }
    asked.extend([
        (b[0].clone(), "bank"),                 // used
        (gh.codes[0].clone(), "bank"),          // other account
        (dup.codes[1].clone(), "bank"),         // other account, 8 digits
        ("90901212".into(), "bank"),            // unknown, far off
        (gh.codes[2].to_uppercase(), "github"), // unused, then used
        (b[4].clone(), "bank"),                 // unused, then used
    ]);
    let mut seen = BTreeSet::new();
    let mut ask = |s: &Session, typed: &str, account: &str| {
        let norm = typed.to_lowercase();
        let run = s.run(&["check", typed, account, "--json"], Some(&norm), Guarded);
        let c: common::Checked = run.json();
        let suggests = !c.details.did_you_mean.unwrap_or_default().is_empty();
        seen.insert((format!("{:?}", c.reason), suggests));
        for args in [
            vec!["check", typed, account],
            vec!["check", typed],
            vec!["check", typed, "--json"],
        ] {
            let run = s.run(&args, Some(&norm), Guarded);
            assert!(run.code == exit::OK || run.code == exit::REFUSED, "{run}");
        }
        for args in [
            vec!["use", account, typed, "--json"],
            vec!["use", account, typed],
        ] {
            s.run(&args, Some(&norm), Guarded);
        }
    };
    for (typed, account) in &asked {
        ask(&s, typed, account);
    }

    // Revoked three ways, then asked about.
    let bank2: common::Issued = s
        .run(
            &["regenerate", "bank", "--count", "5", "--json"],
            None,
            Codes,
        )
        .json();
    s.issue(&bank2.codes);
    ask(&s, &b[5], "bank");
    s.run(&["revoke", "bank"], None, Guarded).ok();
    ask(&s, &bank2.codes[0], "bank");
    let file = s.env.write("github-recovery-codes.txt", GITHUB_NEW);
    s.import("github", &file, true);
    ask(&s, &gh.codes[1], "github");

    // Refused imports: an old file, an active set, no codes.
    for (args, file) in [
        (
            vec!["import", "github", "--replace", "--file"],
            import_fixture("github-recovery-codes.txt"),
        ),
        (
            vec!["import", "github", "--file"],
            import_fixture("two-columns.txt"),
        ),
        (
            vec!["import", "new", "--file"],
            import_fixture("no-codes.txt"),
        ),
    ] {
        let run = s.env.cmd(&args).arg(&file).passphrase(PASS).run();
        run.code(exit::USAGE);
        s.assert_clean(&run, None, Guarded);
    }
    // An exhausted set, and its error.
    let run = s.run(&["next", "shop"], None, Codes);
    run.ok();
    assert!(run.stderr.contains("import --replace shop"), "{run}");
    s.run(&["next", "shop"], None, Guarded).code(exit::USAGE);
    s.run(&["list"], None, Guarded).ok();

    // The log, for people and in JSON, for the vault and one account.
    for args in [
        vec!["log"],
        vec!["log", "--json"],
        vec!["log", "bank"],
        vec!["log", "github", "--json"],
    ] {
        s.run(&args, None, Guarded).ok();
    }
    let log = s.env.log();
    assert!(log.kinds().iter().filter(|k| **k == "refused").count() >= 20);
    let reasons: Vec<(&str, bool)> = seen.iter().map(|(r, n)| (r.as_str(), *n)).collect();
    assert_eq!(
        reasons,
        [
            ("OtherAccount", false),
            ("Revoked", false),
            ("Unknown", false),
            ("Unknown", true),
            ("Unused", false),
            ("Used", false)
        ],
        "the session asked about every reason"
    );
}

// -------------------------------------------------------------------- log

#[test]
fn log_records_every_change_in_order() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    env.next("github");
    env.run(["use", "github", &issued.codes[1], "--note", "laptop"])
        .ok();
    env.run(["use", "github", &issued.codes[1]])
        .code(exit::REFUSED);
    env.regenerate("github", 3);
    env.generate("gitlab", 3);
    env.run(["revoke", "gitlab"]).ok();
    env.run(["remove", "gitlab", "--yes"]).ok();

    let run = env.run(["log", "--json"]);
    let log: common::Log = run.ok().json();
    assert_eq!(
        log.kinds(),
        [
            "init",
            "generate",
            "next",
            "use",
            "refused",
            "regenerate",
            "generate",
            "revoke",
            "remove"
        ]
    );
    assert_eq!(log.events[0].account, None);
    assert!(log.events.windows(2).all(|w| w[0].at <= w[1].at));
    let used = &log.events[3];
    assert_eq!(used.account.as_deref(), Some("github"));
    assert_eq!(used.details["index"], 2);
    assert_eq!(used.details["note"], "laptop");
    assert_eq!(log.events[4].details["reason"], "used");
    for code in &issued.codes {
        assert!(!run.stdout.contains(code.as_str()), "{run}");
    }

    let github: common::Log = env.run(["log", "github", "--json"]).ok().json();
    assert!(
        github
            .events
            .iter()
            .all(|e| e.account.as_deref() == Some("github"))
    );
    assert_eq!(github.events.len(), 5);

    let run = env.run(["log"]);
    run.ok();
    assert_eq!(run.stdout.lines().count(), 9, "one line per event\n{run}");
}
