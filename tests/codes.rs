//! Codes one at a time: `use`, `next`, `check`, as typed in every grouping.
//! Why a code is refused is in `diagnosis.rs`.

use crate::common;

use crate::common::{Env, Reason, exit, grouped};

/// A code with every digit in its full-width form: `１２３４５６７８`.
fn full_width(code: &str) -> String {
    code.chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect()
}

// ---------------------------------------------------------------------- use

#[test]
fn use_accepts_a_code_in_every_grouping() {
    let env = Env::with_vault();
    let issued = env.generate("github", 10);
    let c = &issued.codes;
    let typed = [
        c[0].clone(),
        grouped(&c[1]),
        format!("{}-{}", &c[2][..4], &c[2][4..]),
        full_width(&c[3]),
        format!("{}\u{00A0}{}", &c[4][..4], &c[4][4..]),
        format!("  {}  ", grouped(&c[5])),
        format!("{} {}", full_width(&c[6][..4]), &c[6][4..]),
    ];
    for (i, t) in typed.iter().enumerate() {
        let marked: common::Marked = env.run(["use", "github", t, "--json"]).ok().json();
        assert_eq!(marked.account, "github");
        assert_eq!(marked.code, c[i], "normalised form in JSON");
        assert_eq!(marked.index, i + 1);
        assert_eq!(marked.remaining, 10 - (i + 1));
    }
    let shown = env.show_all("github");
    assert_eq!(shown.used().len(), typed.len());
}

#[test]
fn use_takes_a_grouped_code_unquoted() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    let c = &issued.codes[1];
    let marked: common::Marked = env
        .run(["use", "github", &c[..4], &c[4..], "--json"])
        .ok()
        .json();
    assert_eq!((marked.index, marked.code.as_str()), (2, c.as_str()));
}

#[test]
fn use_reads_the_code_from_stdin() {
    let env = Env::with_vault();
    let issued = env.generate("github", 10);
    for (i, input) in [
        format!("{}\n", issued.codes[0]),
        format!("{}\n", grouped(&issued.codes[1])),
        format!("{}\r\n", full_width(&issued.codes[2])),
        issued.codes[3].clone(),
    ]
    .into_iter()
    .enumerate()
    {
        let marked: common::Marked = env
            .cmd(["use", "github", "--json"])
            .passphrase(common::PASS)
            .stdin(input)
            .run()
            .ok()
            .json();
        assert_eq!(marked.index, i + 1);
    }
    assert_eq!(env.list().get("github").remaining, 6);
}

#[test]
fn use_marks_once_and_keeps_the_note() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    let run = env.run(["use", "github", &issued.codes[2], "--note", "new laptop"]);
    run.ok();
    assert!(run.stdout.contains("3"), "names the code's number\n{run}");
    let (_, c) = env.check(&issued.codes[2], Some("github"));
    assert_eq!(c.reason, Reason::Used);
    assert_eq!(c.details.note.as_deref(), Some("new laptop"));
    assert_eq!(c.details.index, Some(3));
    assert!(c.details.used_at.is_some());
}

#[test]
fn use_warns_when_the_set_runs_low() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    let run = env.run(["use", "github", &issued.codes[0], "--json"]);
    let m: common::Marked = run.ok().json();
    assert!(!m.low);
    assert!(run.notes().is_empty(), "{run}");
    let run = env.run(["use", "github", &issued.codes[1], "--json"]);
    let m: common::Marked = run.ok().json();
    // 3 left of 5 is 60%: not low yet (the contract's 40%).
    assert!(!m.low);
    let run = env.run(["use", "github", &issued.codes[2], "--json"]);
    let m: common::Marked = run.ok().json();
    assert!(m.low);
    assert_eq!(m.remaining, 2);
    assert!(run.stderr.contains("codevault regenerate github"), "{run}");
}

// --------------------------------------------------------------------- next

#[test]
fn next_prints_a_code_and_the_mark_persists() {
    let env = Env::with_vault();
    let issued = env.generate("github", 10);
    let run = env.run(["next", "github"]);
    run.ok();
    let first = run.stdout.trim().to_string();
    assert_eq!(first, grouped(&issued.codes[0]), "the code alone, grouped");

    let second = env.next("github");
    assert_eq!(second.account, "github");
    assert_eq!(second.code, issued.codes[1]);
    assert_eq!(second.index, 2);
    assert_eq!(second.remaining, 8);
    assert!(!second.low);

    let (exit_code, c) = env.check(&first, Some("github"));
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Used));
    assert_eq!(c.details.index, Some(1));
    assert_eq!(env.list().get("github").remaining, 8);
}

#[test]
fn next_keeps_a_note_and_warns_when_low() {
    let env = Env::with_vault();
    env.generate("github", 10);
    for _ in 0..6 {
        env.next("github");
    }
    let run = env.run(["next", "github", "--note", "phone lost", "--json"]);
    let m: common::Marked = run.ok().json();
    assert!(m.low);
    assert_eq!(m.remaining, 3);
    assert!(run.stderr.contains("codevault regenerate github"), "{run}");
    let shown = env.show_all("github");
    let note = shown.codes[6].used.as_ref().unwrap().note.as_deref();
    assert_eq!(note, Some("phone lost"));
}

#[test]
fn next_on_a_used_up_set_fails_and_changes_nothing() {
    let env = Env::with_vault();
    let issued = env.generate("github", 2);
    assert_eq!(env.next("github").code, issued.codes[0]);
    assert_eq!(env.next("github").code, issued.codes[1]);
    let before = env.bytes();
    env.run(["next", "github"])
        .fails(exit::USAGE, "github")
        .hint_says("codevault regenerate github");
    env.assert_unchanged(&before);
}

// -------------------------------------------------------------------- check

#[test]
fn check_says_unused_with_exit_0_and_changes_nothing() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    let before = env.bytes();
    for typed in [issued.codes[2].clone(), grouped(&issued.codes[2])] {
        let (exit_code, c) = env.check(&typed, Some("github"));
        assert_eq!(exit_code, exit::OK);
        assert_eq!(c.reason, Reason::Unused);
        assert_eq!(c.code, issued.codes[2], "normalised");
        assert_eq!(c.account.as_deref(), Some("github"));
        assert_eq!(c.details.index, Some(3));
        assert_eq!(c.details.set, Some(issued.set.id));
    }
    let run = env.run(["check", &full_width(&issued.codes[2]), "github"]);
    run.ok();
    assert!(run.stdout.starts_with("unused"), "{run}");
    env.assert_unchanged(&before);
    assert_eq!(env.list().get("github").remaining, 5);
}

#[test]
fn check_without_an_account_searches_every_account() {
    let env = Env::with_vault();
    let gh = env.generate("github", 3);
    let gl = env.generate("gitlab", 3);
    env.run(["use", "gitlab", &gl.codes[1]]).ok();

    let (code, c) = env.check(&gh.codes[2], None);
    assert_eq!((code, c.reason), (exit::OK, Reason::Unused));
    assert_eq!(c.account.as_deref(), Some("github"));

    let (code, c) = env.check(&gl.codes[1], None);
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Used));
    assert_eq!(c.account.as_deref(), Some("gitlab"));

    let (code, c) = env.check("00000000", None);
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Unknown));
}

#[test]
fn check_refuses_an_unknown_account() {
    let env = Env::with_vault();
    let gh = env.generate("github", 3);
    env.run(["check", &gh.codes[0], "githb"])
        .fails(exit::USAGE, "githb")
        .hint_says("'github'");
}
