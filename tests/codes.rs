//! Codes one at a time: `use`, `next`, `check`, as typed in every grouping,
//! and the diagnosis of a refused code.

mod common;

use common::{Env, Reason, exit, grouped};

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
fn use_refuses_a_used_code_with_its_diagnosis() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    env.run(["use", "github", &issued.codes[0], "--note", "first login"])
        .ok();
    let marks = env.show_all("github");
    let run = env.run(["use", "github", &grouped(&issued.codes[0]), "--json"]);
    run.code(exit::REFUSED);
    let refusal: common::Refusal = run.json();
    assert_eq!(refusal.account, "github");
    assert_eq!(refusal.reason, Reason::Used);
    assert_eq!(refusal.details.note.as_deref(), Some("first login"));
    assert!(refusal.details.used_at.is_some());
    assert!(!run.stdout.contains(&issued.codes[0]), "{run}");
    assert!(run.error().contains("used"), "{run}");
    assert!(run.hint().is_some(), "{run}");
    assert_same_marks(&env, "github", &marks);

    // For people: the reason in words on stderr, with when.
    let run = env.run(["use", "github", &issued.codes[0]]);
    run.fails(exit::REFUSED, "already used");
    let at = refusal.details.used_at.unwrap().0.to_string();
    assert!(run.error().contains(&at[..10]), "says when\n{run}");
    assert!(run.error().contains("first login"), "says the note\n{run}");
}

#[test]
fn use_refuses_revoked_other_account_and_unknown_codes() {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    env.regenerate("github", 5);
    let other = env.generate("gitlab", 5);
    let marks = env.show_all("github");

    let refuse = |code: &str, account: &str| -> common::Refusal {
        let run = env.run(["use", account, code, "--json"]);
        run.fails(exit::REFUSED, "code refused");
        run.json()
    };

    let r = refuse(&old.codes[1], "github");
    assert_eq!(r.reason, Reason::Revoked);
    assert_eq!(r.details.set, Some(old.set.id));
    assert!(r.details.revoked_at.is_some());

    let r = refuse(&other.codes[0], "github");
    assert_eq!(r.reason, Reason::OtherAccount);
    assert_eq!(r.details.other_account.as_deref(), Some("gitlab"));

    let r = refuse("00000000", "github");
    assert_eq!(r.reason, Reason::Unknown);
    assert_same_marks(&env, "github", &marks);
    assert_eq!(env.list().get("gitlab").remaining, 5);

    // Each refusal is in the audit trail, by reason, never by code.
    let run = env.run(["log", "github", "--json"]);
    let log: common::Log = run.ok().json();
    let refused: Vec<&str> = log
        .events
        .iter()
        .filter(|e| e.event == "refused")
        .map(|e| e.details["reason"].as_str().expect("a reason"))
        .collect();
    assert_eq!(refused, ["revoked", "other_account", "unknown"]);
    assert!(!run.stdout.contains(&old.codes[1]), "{run}");
    assert!(!run.stdout.contains(&other.codes[0]), "{run}");
}

/// The refused `use` is logged, but no code's mark may change.
#[track_caller]
fn assert_same_marks(env: &Env, account: &str, before: &common::Shown) {
    let now = env.show_all(account);
    let marks = |s: &common::Shown| -> Vec<(String, Option<common::Utc>)> {
        s.codes
            .iter()
            .map(|c| (c.code.clone(), c.used.as_ref().map(|u| u.at)))
            .collect()
    };
    assert_eq!(marks(&now), marks(before));
}

#[test]
fn use_points_out_a_likely_mistyping_without_printing_the_code() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);
    let real = &issued.codes[3];
    // Two neighbours swapped (pick a pair that differs).
    let b = real.as_bytes();
    let i = (0..7)
        .find(|&i| b[i] != b[i + 1])
        .expect("a code of one digit");
    let mut swapped = b.to_vec();
    swapped.swap(i, i + 1);
    let typo = String::from_utf8(swapped).unwrap();

    let run = env.run(["use", "github", &typo]);
    run.fails(exit::REFUSED, "no set");
    run.hint_says("code 4");
    assert!(!run.stdout.contains(real.as_str()), "{run}");

    let (exit_code, c) = env.check(&typo, Some("github"));
    assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::Unknown));
    let near = c.details.did_you_mean.expect("did_you_mean");
    assert_eq!(near.len(), 1);
    assert_eq!((near[0].index, near[0].set), (4, issued.set.id));
    assert_eq!(env.list().get("github").remaining, 5);
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
    assert!(m.low);
    assert_eq!(m.remaining, 3);
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
    env.generate("github", 4);
    let run = env.run(["next", "github", "--note", "phone lost", "--json"]);
    let m: common::Marked = run.ok().json();
    assert!(m.low);
    assert_eq!(m.remaining, 3);
    assert!(run.stderr.contains("codevault regenerate github"), "{run}");
    let shown = env.show_all("github");
    let note = shown.codes[0].used.as_ref().unwrap().note.as_deref();
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
fn check_gives_every_reason_with_exit_1() {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    env.run(["use", "github", &old.codes[0]]).ok();
    let new = env.regenerate("github", 5);
    env.run(["use", "github", &new.codes[0], "--note", "n"])
        .ok();
    let other = env.generate("gitlab", 5);
    let before = env.bytes();

    let (code, c) = env.check(&new.codes[0], Some("github"));
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Used));
    assert_eq!(c.details.note.as_deref(), Some("n"));

    let (code, c) = env.check(&old.codes[1], Some("github"));
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Revoked));
    assert_eq!(c.details.set, Some(old.set.id));
    assert_eq!(c.details.set_created, Some(old.set.created));
    assert_eq!(c.details.revoked_at, Some(new.set.created));

    let (code, c) = env.check(&other.codes[0], Some("github"));
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::OtherAccount));
    assert_eq!(c.account.as_deref(), Some("github"));
    assert_eq!(c.details.other_account.as_deref(), Some("gitlab"));

    let (code, c) = env.check("00000000", Some("github"));
    assert_eq!((code, c.reason), (exit::REFUSED, Reason::Unknown));
    env.assert_unchanged(&before);
}

#[test]
fn check_for_people_says_the_reason_in_words() {
    let env = Env::with_vault();
    let old = env.generate("github", 5);
    let new = env.regenerate("github", 5);
    env.run(["use", "github", &new.codes[0]]).ok();
    for (code, reason) in [
        (&new.codes[1], "unused"),
        (&new.codes[0], "used"),
        (&old.codes[0], "revoked"),
    ] {
        let run = env.run(["check", code, "github"]);
        assert!(run.stdout.starts_with(reason), "{run}");
        assert!(!run.stdout.contains(code.as_str()), "{run}");
    }
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
