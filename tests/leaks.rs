//! No secret leaks, over a realistic session: every command, its errors
//! and refusals, with and without `--json`, against a vault whose every
//! code (generated, imported, revoked) and every passphrase (old, new,
//! mistyped) is known. Every stderr line of every run is searched for every
//! passphrase and every code in every written form; every stdout, and every
//! JSON document decoded value by value, for the passphrases and for the
//! codes the command did not ask to print.
//!
//! The searching is the harness's (`tests/common`, the one leak oracle):
//! this file tells it the codes that were never printed (an imported
//! file's) and, with `Run::prints_only`, what each command may print.

use crate::common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::fs;

use crate::common::{Env, Issued, Marked, Run, exit};

const PASS: &str = common::PASS;
const NEW_PASS: &str = "Tr0ub4dor&3 is the new passphrase";
const TYPOS: [&str; 2] = [
    "correct horse battery stapler",
    "Correct Horse Battery Staple",
];

/// GitHub-style codes, as the file writes them.
const GITHUB_FILE: &str = "3f9ab-c2d71\n0e4d2-9a8b3\n77c1e-5f0a2\nb6d3f-18e94\n";

struct Session {
    env: Env,
    /// Every code the vault holds or held, normalised: guarded by the
    /// harness from the moment the test knows it.
    codes: RefCell<BTreeSet<String>>,
    runs: Cell<usize>,
}

impl Session {
    fn new() -> Session {
        let env = Env::new();
        for p in [NEW_PASS, TYPOS[0], TYPOS[1]] {
            env.remember(p);
        }
        Session {
            env,
            codes: RefCell::new(BTreeSet::new()),
            runs: Cell::new(0),
        }
    }

    fn learn<'a>(&self, codes: impl IntoIterator<Item = &'a String>) {
        let codes: Vec<String> = codes.into_iter().cloned().collect();
        self.env.guard(&codes);
        self.codes.borrow_mut().extend(codes);
    }

    /// Checks one finished run: `allowed` are the codes this command asked
    /// to print on stdout. The harness checked its stderr (and the stdout
    /// of a failure) when it ran.
    #[track_caller]
    fn check(&self, run: &Run, allowed: &[&str]) {
        self.runs.set(self.runs.get() + 1);
        run.prints_only(&self.env, allowed);
    }

    /// Runs `args` with `pass`, in both modes (human, then `--json`) when
    /// `both` (for commands that change nothing or fail).
    #[track_caller]
    fn each_mode(&self, args: &[&str], pass: Option<&str>, allowed: &[&str], code: i32) {
        for json in [false, true] {
            let mut cmd = self.env.cmd(args);
            if json {
                cmd = cmd.arg("--json");
            }
            if let Some(p) = pass {
                cmd = cmd.passphrase(p);
            }
            let run = cmd.run();
            assert_eq!(run.code, code, "{args:?}\n{run}");
            self.check(&run, allowed);
        }
    }

    /// Runs `args --json` with `pass`; the caller checks the run.
    fn json_run(&self, args: &[&str], pass: &str) -> Run {
        self.env.cmd(args).arg("--json").passphrase(pass).run()
    }
}

#[test]
fn a_whole_session_leaks_no_passphrase_and_no_unasked_code() {
    let s = Session::new();
    let env = &s.env;

    // --- init, and what fails before there is a vault
    s.each_mode(&["list"], Some(PASS), &[], exit::USAGE);
    let run = env
        .cmd(["init"])
        .args(common::CHEAP_KDF)
        .new_passphrase(PASS)
        .run();
    run.ok();
    s.check(&run, &[]);
    let run = env
        .cmd(["init"])
        .args(common::CHEAP_KDF)
        .new_passphrase(PASS)
        .run();
    run.code(exit::USAGE);
    s.check(&run, &[]);

    // --- sets: generated, imported from stdin, imported from a file
    let run = s.json_run(&["generate", "github", "--count", "10"], PASS);
    let gh: Issued = run.ok().json();
    s.learn(&gh.codes);
    let gh_codes: Vec<&str> = gh.codes.iter().map(String::as_str).collect();
    s.check(&run, &gh_codes);

    let pasted: Vec<String> = (0..6)
        .map(|i| format!("{}", 40_506_070 + i * 111))
        .collect();
    s.learn(&pasted);
    let run = env
        .cmd(["import", "google", "--json"])
        .passphrase(PASS)
        .stdin(pasted.join("\n") + "\n")
        .run();
    run.ok();
    let pasted_refs: Vec<&str> = pasted.iter().map(String::as_str).collect();
    s.check(&run, &pasted_refs);

    let file = env.write("github-recovery-codes.txt", GITHUB_FILE);
    let alnum: Vec<String> = GITHUB_FILE.lines().map(|l| l.replace('-', "")).collect();
    s.learn(&alnum);
    let run = env
        .cmd(["import", "gh-enterprise", "--file"])
        .arg(&file)
        .passphrase(PASS)
        .run();
    run.ok();
    let alnum_refs: Vec<&str> = alnum.iter().map(String::as_str).collect();
    s.check(&run, &alnum_refs);

    // --- reading
    s.each_mode(&["list"], Some(PASS), &[], exit::OK);
    s.each_mode(&["log"], Some(PASS), &[], exit::OK);
    s.each_mode(&["log", "github"], Some(PASS), &[], exit::OK);
    s.each_mode(&["show", "github"], Some(PASS), &gh_codes, exit::OK);
    s.each_mode(
        &["show", "github", "--all"],
        Some(PASS),
        &gh_codes,
        exit::OK,
    );
    let run = env
        .cmd(["show", "google", "--sheet"])
        .passphrase(PASS)
        .run();
    run.ok();
    s.check(&run, &pasted_refs);
    s.each_mode(
        &["check", gh_codes[4]],
        Some(PASS),
        &[gh_codes[4]],
        exit::OK,
    );
    s.each_mode(
        &["check", gh_codes[4], "github"],
        Some(PASS),
        &[gh_codes[4]],
        exit::OK,
    );

    // --- handing out and using
    let run = s.json_run(&["next", "github"], PASS);
    let handed: Marked = run.ok().json();
    assert_eq!(common::codes_in(&run.stdout).len(), 1, "{run}");
    s.check(&run, &[handed.code.as_str()]);
    let run = env.cmd(["next", "github"]).passphrase(PASS).run();
    run.ok();
    let second = common::codes_in(&run.stdout);
    assert_eq!(second.len(), 1, "next prints exactly its code\n{run}");
    s.check(&run, &[second[0].as_str()]);
    let used = gh_codes[6];
    let run = s.json_run(&["use", "github", used, "--note", "bank"], PASS);
    run.ok();
    s.check(&run, &[used]);
    let run = env
        .cmd(["use", "gh-enterprise"])
        .passphrase(PASS)
        .stdin(format!("{}\n", GITHUB_FILE.lines().next().unwrap()))
        .run();
    run.ok();
    s.check(&run, &[alnum_refs[0]]);

    // --- refusals, each reason, both modes; only the typed code may appear
    let near = {
        let mut b = gh_codes[8].as_bytes().to_vec();
        b[7] = if b[7] == b'9' { b'0' } else { b[7] + 1 };
        String::from_utf8(b).unwrap()
    };
    for (args, typed) in [
        (vec!["use", "github", used], used),
        (vec!["use", "github", &handed.code], handed.code.as_str()),
        (vec!["use", "github", pasted_refs[2]], pasted_refs[2]),
        (vec!["use", "github", &near], near.as_str()),
        (vec!["check", used], used),
        (vec!["check", &near, "github"], near.as_str()),
        (vec!["check", &near], near.as_str()),
        (vec!["check", pasted_refs[2], "github"], pasted_refs[2]),
    ] {
        s.each_mode(&args, Some(PASS), &[typed], exit::REFUSED);
    }

    // --- a new set; the old one's codes become revoked
    let run = s.json_run(&["regenerate", "github", "--count", "5"], PASS);
    let regen: Issued = run.ok().json();
    s.learn(&regen.codes);
    let regen_codes: Vec<&str> = regen.codes.iter().map(String::as_str).collect();
    s.check(&run, &regen_codes);
    s.each_mode(
        &["use", "github", gh_codes[9]],
        Some(PASS),
        &[gh_codes[9]],
        exit::REFUSED,
    );
    s.each_mode(
        &["check", gh_codes[9]],
        Some(PASS),
        &[gh_codes[9]],
        exit::REFUSED,
    );
    s.each_mode(
        &["show", "github", "--all"],
        Some(PASS),
        &regen_codes,
        exit::OK,
    );

    // --- input and usage errors, both modes
    for (args, code) in [
        (vec!["use", "github", "1234567"], exit::USAGE),
        (
            vec!["use", "github", &format!("{}9", regen_codes[0])],
            exit::USAGE,
        ),
        (vec!["use", "githb", regen_codes[0]], exit::USAGE),
        (vec!["check", regen_codes[0], "githb"], exit::USAGE),
        (vec!["show", "githb"], exit::USAGE),
        (vec!["next", "githb"], exit::USAGE),
        (vec!["log", "githb"], exit::USAGE),
        (vec!["generate", "github"], exit::USAGE),
        (vec!["generate", "x", "--count", "101"], exit::USAGE),
        (vec!["remove", "github"], exit::USAGE),
        (vec!["passwd", "--kdf-memory", "7"], exit::USAGE),
        (vec!["frobnicate"], exit::USAGE),
    ] {
        s.each_mode(&args, Some(PASS), &[], code);
    }
    // Importing onto an active set, and importing codes the vault has.
    for (args, stdin) in [
        (vec!["import", "google"], "11223344\n55667788\n".to_string()),
        (vec!["import", "google", "--replace"], pasted.join("\n")),
    ] {
        for json in [false, true] {
            let mut cmd = env.cmd(&args).passphrase(PASS).stdin(stdin.clone());
            if json {
                cmd = cmd.arg("--json");
            }
            let run = cmd.run();
            run.code(exit::USAGE);
            s.check(&run, &[]);
        }
    }

    // --- the passphrase: wrong, missing, from a file, from stdin, changed
    for typo in TYPOS {
        for args in [
            vec!["list"],
            vec!["next", "github"],
            vec!["use", "github", regen_codes[1]],
            vec!["show", "github"],
            vec!["passwd"],
        ] {
            s.each_mode(&args, Some(typo), &[], exit::WRONG_PASSPHRASE);
        }
    }
    s.each_mode(&["next", "github"], None, &[], exit::USAGE);
    let pfile = env.passphrase_file("pass.txt", &format!("{PASS}\n"));
    let run = env.cmd(["list", "--passphrase-file"]).arg(&pfile).run();
    run.ok();
    s.check(&run, &[]);
    let run = env
        .cmd(["list", "--json", "--passphrase-file", "-"])
        .stdin(format!("{}\n", TYPOS[0]))
        .run();
    run.code(exit::WRONG_PASSPHRASE);
    s.check(&run, &[]);
    let run = env
        .cmd(["passwd", "--json"])
        .passphrase(PASS)
        .new_passphrase(NEW_PASS)
        .run();
    run.ok();
    s.check(&run, &[]);
    s.each_mode(&["list"], Some(PASS), &[], exit::WRONG_PASSPHRASE);
    s.each_mode(&["list"], Some(NEW_PASS), &[], exit::OK);
    let run = env
        .cmd(["passwd"])
        .passphrase(NEW_PASS)
        .env("CODEVAULT_NEW_PASSPHRASE", "")
        .run();
    run.code(exit::USAGE);
    s.check(&run, &[]);

    // --- revoke, remove, and what is left
    let run = s.json_run(&["revoke", "google"], NEW_PASS);
    run.ok();
    s.check(&run, &[]);
    s.each_mode(&["next", "google"], Some(NEW_PASS), &[], exit::USAGE);
    let run = s.json_run(&["remove", "gh-enterprise", "--yes"], NEW_PASS);
    run.ok();
    s.check(&run, &[]);
    s.each_mode(&["log", "gh-enterprise"], Some(NEW_PASS), &[], exit::OK);
    s.each_mode(&["list"], Some(NEW_PASS), &[], exit::OK);
    s.each_mode(&["log"], Some(NEW_PASS), &[], exit::OK);

    // --- a damaged vault, then a missing one
    let mut bad = env.bytes();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    fs::write(env.vault(), &bad).unwrap();
    for args in [
        vec!["list"],
        vec!["show", "github"],
        vec!["use", "github", regen_codes[2]],
    ] {
        s.each_mode(&args, Some(NEW_PASS), &[], exit::DAMAGED);
    }
    fs::remove_file(env.vault()).unwrap();
    s.each_mode(&["next", "github"], Some(NEW_PASS), &[], exit::USAGE);

    eprintln!(
        "leaks: {} runs searched for {} codes (every written form) and 4 passphrases: \
         none where it was not asked for",
        s.runs.get(),
        s.codes.borrow().len()
    );
}
