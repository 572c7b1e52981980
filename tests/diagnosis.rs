//! Why a code does not work, through the real binary: every reason of
//! `check CODE ACCOUNT`, `check CODE` and a refused `use`, in words and in
//! JSON; the near misses it points out without printing the code; every
//! way a code may be typed; and the warning when a set runs low.

use crate::common;

use crate::common::{Env, Origin, PASS, Reason, Utc, exit, grouped, import_fixture, shows_code};

// ---------------------------------------------------------------- helpers

/// Whether `b` is one typing slip from `a`: one character different, or two
/// neighbours swapped. The test's own rule, written from the contract.
fn near(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a == b {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diff[..] {
        [_] => true,
        [i, j] => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

/// The character after `c` in its own kind: 9 → 0, f → g, z → a.
fn bump(c: u8) -> u8 {
    match c {
        b'9' => b'0',
        b'z' => b'a',
        c => c + 1,
    }
}

#[derive(Clone, Copy, Debug)]
enum Slip {
    /// One character typed wrong.
    Substituted,
    /// Two neighbours swapped.
    Swapped,
}

/// A slip on `codes[k]` that is near no other code of `codes` (so exactly
/// one suggestion is right) and is none of them.
fn typo_of(codes: &[String], k: usize, slip: Slip) -> String {
    let real = codes[k].as_bytes();
    (0..real.len())
        .filter_map(|i| {
            let mut t = real.to_vec();
            match slip {
                Slip::Substituted => t[i] = bump(t[i]),
                Slip::Swapped if i + 1 < t.len() && t[i] != t[i + 1] => t.swap(i, i + 1),
                Slip::Swapped => return None,
            }
            Some(String::from_utf8(t).unwrap())
        })
        .find(|t| {
            codes
                .iter()
                .enumerate()
                .all(|(j, c)| c != t && (j == k || !near(c, t)))
        })
        .unwrap_or_else(|| panic!("no {slip:?} typo of code {}", k + 1))
}

/// A code of the same kind as `codes[0]` that is no code and near none.
fn far_from(codes: &[String]) -> String {
    let first = codes[0].as_bytes();
    (1..10u8)
        .map(|shift| {
            let t: Vec<u8> = first
                .iter()
                .map(|&c| (0..shift).fold(c, |c, _| bump(c)))
                .collect();
            String::from_utf8(t).unwrap()
        })
        .find(|t| codes.iter().all(|c| c != t && !near(c, t)))
        .expect("a far-off code")
}

/// A code as codevault groups it, for any alphabet.
fn shown(code: &str) -> String {
    if code.bytes().all(|b| b.is_ascii_digit()) && code.len() == 8 {
        grouped(code)
    } else {
        let mid = code.len().div_ceil(2);
        format!("{}-{}", &code[..mid], &code[mid..])
    }
}

/// `use ACCOUNT TYPED --json`, refused: exit 1, one `code refused:` error
/// line and a hint on stderr, the diagnosis on stdout.
#[track_caller]
fn refused(env: &Env, account: &str, typed: &str) -> (common::Run, common::Refusal) {
    let run = env.run(["use", account, typed, "--json"]);
    run.fails(exit::REFUSED, "code refused: ");
    assert!(run.hint().is_some(), "a refusal has a hint\n{run}");
    let refusal: common::Refusal = run.json();
    assert_eq!(refusal.account, account);
    (run, refusal)
}

/// `use ACCOUNT TYPED` for people: the same refusal, nothing on stdout.
#[track_caller]
fn refused_words(env: &Env, account: &str, typed: &str) -> common::Run {
    let run = env.run(["use", account, typed]);
    run.fails(exit::REFUSED, "code refused: ");
    assert!(run.hint().is_some(), "a refusal has a hint\n{run}");
    assert!(run.stdout.trim().is_empty(), "{run}");
    run
}

/// `check TYPED [ACCOUNT]` for people: `REASON: sentence`, maybe a hint.
#[track_caller]
fn check_words(env: &Env, typed: &str, account: Option<&str>, reason: &str) -> common::Run {
    let mut args = vec!["check", typed];
    args.extend(account);
    let run = env.run(args);
    let expected = if reason == "unused" {
        exit::OK
    } else {
        exit::REFUSED
    };
    run.code(expected);
    assert!(
        run.stdout.starts_with(&format!("{reason}: ")),
        "the reason first\n{run}"
    );
    run
}

/// Every mark of the account's active set, to see a refusal changed none.
fn marks(env: &Env, account: &str) -> Vec<(String, Option<Utc>)> {
    env.show_all(account)
        .codes
        .into_iter()
        .map(|c| (c.code, c.used.map(|u| u.at)))
        .collect()
}

fn ts(t: Utc) -> String {
    t.0.to_string()
}

// ------------------------------------------------------------ the reasons

#[test]
fn an_unused_code_checks_exit_0_with_or_without_the_account() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 5);
    env.generate("shop", 5);
    let before = env.bytes();
    for account in [Some("bank"), None] {
        let (code, c) = env.check(&issued.codes[2], account);
        assert_eq!((code, c.reason), (exit::OK, Reason::Unused));
        assert_eq!(c.account.as_deref(), Some("bank"));
        assert_eq!(
            (c.details.set, c.details.index),
            (Some(issued.set.id), Some(3))
        );
        let run = check_words(&env, &issued.codes[2], account, "unused");
        assert!(run.stdout.contains("code 3"), "{run}");
        assert!(run.stdout.contains("'bank'"), "{run}");
    }
    env.assert_unchanged(&before);
}

#[test]
fn a_used_code_says_when_and_the_note() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 5);
    env.generate("shop", 5);
    env.run(["use", "bank", &issued.codes[1], "--note", "new laptop"])
        .ok();
    let at = env.show_all("bank").codes[1].used.clone().unwrap().at;

    for account in [Some("bank"), None] {
        let (code, c) = env.check(&issued.codes[1], account);
        assert_eq!((code, c.reason), (exit::REFUSED, Reason::Used));
        assert_eq!(c.account.as_deref(), Some("bank"));
        assert_eq!(c.code, issued.codes[1]);
        assert_eq!(c.details.used_at, Some(at));
        assert_eq!(c.details.note.as_deref(), Some("new laptop"));
        assert_eq!(
            (c.details.set, c.details.index),
            (Some(issued.set.id), Some(2))
        );
        let run = check_words(&env, &issued.codes[1], account, "used");
        assert!(run.stdout.contains(&ts(at)), "says when\n{run}");
        assert!(run.stdout.contains("new laptop"), "says the note\n{run}");
    }

    let before = marks(&env, "bank");
    let (run, r) = refused(&env, "bank", &grouped(&issued.codes[1]));
    assert_eq!(r.reason, Reason::Used);
    assert_eq!(r.details.used_at, Some(at));
    assert_eq!(r.details.note.as_deref(), Some("new laptop"));
    assert!(run.error().contains(&ts(at)), "{run}");
    let run = refused_words(&env, "bank", &issued.codes[1]);
    assert!(run.error().contains("already used"), "{run}");
    assert!(run.error().contains(&ts(at)), "{run}");
    assert!(run.error().contains("new laptop"), "{run}");
    run.hint_says("codevault next bank");
    assert_eq!(marks(&env, "bank"), before);
}

/// What a revoked code must say, wherever it is asked about.
struct Revoked<'a> {
    account: &'a str,
    code: &'a str,
    index: usize,
    old: &'a common::SetInfo,
    at: Utc,
    /// `revoked_by` in JSON, and the command named in words.
    by: (&'a str, &'a str),
    replaced_by: Option<u64>,
}

#[track_caller]
fn assert_revoked(env: &Env, r: &Revoked) {
    let details_ok = |d: &common::Details| {
        assert_eq!(d.set, Some(r.old.id));
        assert_eq!(d.index, Some(r.index));
        assert_eq!(d.set_created, Some(r.old.created));
        assert_eq!(d.revoked_at, Some(r.at));
        assert_eq!(d.revoked_by.as_deref(), Some(r.by.0));
        assert_eq!(d.replaced_by, r.replaced_by);
    };
    let words_ok = |text: &str, run: &common::Run| {
        assert!(text.contains(&format!("set {}", r.old.id)), "{run}");
        assert!(text.contains(&ts(r.old.created)), "when made\n{run}");
        assert!(text.contains(&ts(r.at)), "when revoked\n{run}");
        assert!(text.contains(r.by.1), "by what\n{run}");
        if let Some(new) = r.replaced_by {
            assert!(text.contains(&format!("set {new}")), "{run}");
        }
    };
    for account in [Some(r.account), None] {
        let (code, c) = env.check(r.code, account);
        assert_eq!((code, c.reason), (exit::REFUSED, Reason::Revoked));
        assert_eq!(c.account.as_deref(), Some(r.account));
        details_ok(&c.details);
        let run = check_words(env, r.code, account, "revoked");
        words_ok(&run.stdout, &run);
    }
    let (_, refusal) = refused(env, r.account, r.code);
    assert_eq!(refusal.reason, Reason::Revoked);
    details_ok(&refusal.details);
    let run = refused_words(env, r.account, r.code);
    assert!(run.error().contains("revoked"), "{run}");
    words_ok(run.error(), &run);
}

#[test]
fn a_code_revoked_by_regenerate() {
    let env = Env::with_vault();
    let old = env.generate("bank", 5);
    let new = env.regenerate("bank", 5);
    assert_revoked(
        &env,
        &Revoked {
            account: "bank",
            code: &old.codes[3],
            index: 4,
            old: &old.set,
            at: new.set.created,
            by: ("regenerate", "regenerate"),
            replaced_by: Some(new.set.id),
        },
    );
    assert_eq!(env.list().get("bank").remaining, 5);
}

#[test]
fn a_code_revoked_by_revoke() {
    let env = Env::with_vault();
    let old = env.generate("bank", 5);
    env.run(["revoke", "bank"]).ok();
    let revoke = env.log().events.pop().unwrap();
    assert_eq!(revoke.event, "revoke");
    assert_revoked(
        &env,
        &Revoked {
            account: "bank",
            code: &old.codes[0],
            index: 1,
            old: &old.set,
            at: revoke.at,
            by: ("revoke", "revoke"),
            replaced_by: None,
        },
    );
}

#[test]
fn a_code_revoked_by_import_replace() {
    let env = Env::with_vault();
    let old = env.import_file("bank", &import_fixture("Backup-codes-alice.txt"), false);
    let new = env.import_file("bank", &import_fixture("numbered-list.txt"), true);
    assert_revoked(
        &env,
        &Revoked {
            account: "bank",
            code: &old.codes[5],
            index: 6,
            old: &old.set,
            at: new.set.created,
            by: ("import_replace", "import --replace"),
            replaced_by: Some(new.set.id),
        },
    );
}

#[test]
fn a_code_of_another_account_names_it() {
    let env = Env::with_vault();
    env.generate("bank", 5);
    let shop = env.generate("shop", 5);
    env.run(["use", "shop", &shop.codes[1]]).ok();
    for (code, state) in [(&shop.codes[0], "unused"), (&shop.codes[1], "used")] {
        let (exit_code, c) = env.check(code, Some("bank"));
        assert_eq!((exit_code, c.reason), (exit::REFUSED, Reason::OtherAccount));
        assert_eq!(c.account.as_deref(), Some("bank"));
        assert_eq!(c.details.other_account.as_deref(), Some("shop"));
        assert_eq!(c.details.other_state.as_deref(), Some(state));
        let run = check_words(&env, code, Some("bank"), "other_account");
        assert!(run.stdout.contains("'shop'"), "names it\n{run}");

        let (_, r) = refused(&env, "bank", code);
        assert_eq!(r.reason, Reason::OtherAccount);
        assert_eq!(r.details.other_account.as_deref(), Some("shop"));
        let run = refused_words(&env, "bank", code);
        assert!(run.error().contains("'shop'"), "{run}");
    }
    // Without an account, the code is simply found where it is.
    let (exit_code, c) = env.check(&shop.codes[0], None);
    assert_eq!((exit_code, c.reason), (exit::OK, Reason::Unused));
    assert_eq!(c.account.as_deref(), Some("shop"));
    assert_eq!(env.list().get("bank").remaining, 5);
    assert_eq!(env.list().get("shop").remaining, 4);
}

#[test]
fn an_unknown_code_far_from_every_code_gets_no_suggestion() {
    let env = Env::with_vault();
    let bank = env.generate("bank", 10);
    let gh = env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    for (account, codes) in [("bank", &bank.codes), ("github", &gh.codes)] {
        let far = far_from(codes);
        let (code, c) = env.check(&far, Some(account));
        assert_eq!((code, c.reason), (exit::REFUSED, Reason::Unknown));
        assert_eq!(c.account.as_deref(), Some(account));
        assert!(c.details.did_you_mean.unwrap_or_default().is_empty());
        let run = check_words(&env, &far, Some(account), "unknown");
        assert!(run.stdout.contains(&format!("'{account}'")), "{run}");
        assert!(!run.stdout.contains("did you mean"), "{run}");

        let (code, c) = env.check(&far, None);
        assert_eq!((code, c.reason), (exit::REFUSED, Reason::Unknown));
        assert_eq!(c.account, None);
        assert!(c.details.did_you_mean.unwrap_or_default().is_empty());
        let run = check_words(&env, &far, None, "unknown");
        assert!(!run.stdout.contains("did you mean"), "{run}");

        let (_, r) = refused(&env, account, &far);
        assert_eq!(r.reason, Reason::Unknown);
        assert!(r.details.did_you_mean.unwrap_or_default().is_empty());
        let run = refused_words(&env, account, &far);
        assert!(!run.stderr.contains("did you mean"), "{run}");
    }
    assert_eq!(env.list().get("bank").remaining, 10);
    assert_eq!(env.list().get("github").remaining, 16);
}

// ------------------------------------------------------------ near misses

/// Every slip on code 4 of the account's active set, asked every way: the
/// hint names code 4, the code itself is never printed.
fn assert_near_misses(
    env: &Env,
    account: &str,
    codes: &[String],
    set: u64,
    typed: fn(&str) -> String,
) {
    let real = &codes[3];
    for slip in [Slip::Substituted, Slip::Swapped] {
        let typo = typo_of(codes, 3, slip);
        assert!(near(real, &typo), "{slip:?}");
        let t = typed(&typo);
        let expected = |m: &[common::NearMiss]| {
            assert_eq!(m.len(), 1, "{slip:?}: {m:?}");
            assert_eq!(
                (m[0].account.as_str(), m[0].set, m[0].index),
                (account, set, 4)
            );
        };
        let mut runs = Vec::new();
        for with_account in [true, false] {
            let acct = with_account.then_some(account);
            let (code, c) = env.check(&t, acct);
            assert_eq!(
                (code, c.reason),
                (exit::REFUSED, Reason::Unknown),
                "{slip:?}"
            );
            expected(&c.details.did_you_mean.expect("did_you_mean"));
            let run = check_words(env, &t, acct, "unknown");
            // `check` answers on stdout and advises on stderr.
            let hint = run
                .stderr
                .lines()
                .find_map(|l| l.strip_prefix("hint: "))
                .unwrap_or_else(|| panic!("no hint\n{run}"));
            assert!(hint.contains("code 4 of the active set"), "{run}");
            if !with_account {
                assert!(hint.contains(&format!("'{account}'")), "names it\n{run}");
            }
            runs.push(run);
        }
        let (run, r) = refused(env, account, &t);
        assert_eq!(r.reason, Reason::Unknown);
        expected(&r.details.did_you_mean.expect("did_you_mean"));
        runs.push(run);
        let run = refused_words(env, account, &t);
        run.hint_says("code 4 of the active set");
        runs.push(run);
        for run in &runs {
            let all = format!("{}{}", run.stdout, run.stderr);
            assert!(!shows_code(&all, real), "{slip:?}: prints the code\n{run}");
        }
    }
    let left = env.list().get(account).remaining;
    assert_eq!(left, codes.len(), "a refusal marks nothing");
}

#[test]
fn near_misses_of_a_generated_code_point_at_its_number() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 10);
    assert_near_misses(&env, "bank", &issued.codes, issued.set.id, grouped);
}

#[test]
fn near_misses_of_an_imported_github_code_point_at_its_number() {
    let env = Env::with_vault();
    env.generate("bank", 10);
    let gh = env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    assert_near_misses(&env, "github", &gh.codes, gh.set.id, |t| {
        shown(t).to_uppercase()
    });
}

#[test]
fn a_near_miss_of_a_used_code_gets_no_suggestion() {
    let env = Env::with_vault();
    let bank = env.generate("bank", 10);
    let gh = env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    for (account, codes) in [("bank", &bank.codes), ("github", &gh.codes)] {
        env.run(["use", account, &codes[3]]).ok();
        for slip in [Slip::Substituted, Slip::Swapped] {
            let typo = typo_of(codes, 3, slip);
            for acct in [Some(account), None] {
                let (code, c) = env.check(&typo, acct);
                assert_eq!((code, c.reason), (exit::REFUSED, Reason::Unknown));
                let m = c.details.did_you_mean.unwrap_or_default();
                assert!(m.is_empty(), "{account} {slip:?}: {m:?}");
            }
            let (_, r) = refused(&env, account, &typo);
            assert!(r.details.did_you_mean.unwrap_or_default().is_empty());
            let run = refused_words(&env, account, &typo);
            assert!(!run.stderr.contains("did you mean"), "{run}");
            assert!(!run.stderr.contains("code 4"), "{run}");
        }
    }
}

// --------------------------------------------------------- codes as typed

/// Each `(typed, index)` is read as code `index` (from 1) by `check` with
/// and without the account, then marked used by `use`.
fn assert_read(env: &Env, account: &str, codes: &[String], typed: &[(String, usize)]) {
    for (t, index) in typed {
        let want = &codes[index - 1];
        for acct in [Some(account), None] {
            let (code, c) = env.check(t, acct);
            assert_eq!((code, c.reason), (exit::OK, Reason::Unused), "{t:?}");
            assert_eq!(&c.code, want, "{t:?} normalised");
            assert_eq!(c.account.as_deref(), Some(account));
            assert_eq!(c.details.index, Some(*index));
        }
        let m: common::Marked = env.run(["use", account, t, "--json"]).ok().json();
        assert_eq!((&m.code, m.index), (want, *index), "{t:?}");
    }
    let used: Vec<usize> = env
        .show_all(account)
        .used()
        .iter()
        .map(|c| c.index)
        .collect();
    let mut expected: Vec<usize> = typed.iter().map(|(_, i)| *i).collect();
    expected.sort();
    assert_eq!(used, expected);
}

/// `a5b8c` → `A5B8C`, `ab` → `Ab`: every other letter upper case.
fn alternate_case(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}

#[test]
fn every_typed_form_of_a_digit_code_is_read() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 100);
    let c = &issued.codes;
    // A code not picked yet, holding `digit` where one is asked for.
    let mut taken = Vec::new();
    let mut pick = |digit: Option<char>| {
        let i = (0..c.len())
            .find(|i| !taken.contains(i) && digit.is_none_or(|d| c[*i].contains(d)))
            .expect("a code to type");
        taken.push(i);
        i
    };
    let split = |x: &str, sep: &str| format!("{}{sep}{}", &x[..4], &x[4..]);
    let letters = |x: &str, digit: char, letter: &str| x.replace(digit, letter);

    let mut typed: Vec<(String, usize)> = Vec::new();
    let mut add = |i: usize, t: String| typed.push((t, i + 1));
    let i = pick(None);
    add(i, c[i].clone());
    let i = pick(None);
    add(i, split(&c[i], " "));
    let i = pick(None);
    add(i, split(&c[i], "-"));
    let i = pick(None);
    add(i, format!("  {}  ", split(&c[i], " ")));
    let i = pick(None);
    add(i, split(&c[i], "\u{00A0}"));
    let i = pick(None);
    add(i, format!("\u{00A0}{}\u{00A0}", c[i]));
    let i = pick(None);
    add(i, full_width(&c[i]));
    let i = pick(None);
    add(i, full_width(&split(&c[i], " ")));
    let i = pick(None);
    add(i, split(&c[i], "\u{2013}"));
    // Letters that stand for digits in a digit set: O and o for 0, I and
    // l for 1.
    let i = pick(Some('0'));
    add(i, letters(&c[i], '0', "O"));
    let i = pick(Some('0'));
    add(i, split(&letters(&c[i], '0', "o"), " "));
    let i = pick(Some('1'));
    add(i, letters(&c[i], '1', "I"));
    let i = pick(Some('1'));
    add(i, split(&letters(&c[i], '1', "l"), "-"));
    assert_read(&env, "bank", c, &typed);
}

#[test]
fn letters_of_an_alnum_code_are_read_in_any_case() {
    let env = Env::with_vault();
    env.generate("bank", 5);
    let gh = env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    let c = &gh.codes;
    let typed = [
        (shown(&c[0]).to_uppercase(), 1),
        (c[1].to_uppercase(), 2),
        (format!("  {} {}  ", &c[2][..5], &c[2][5..]), 3),
        (full_width(&shown(&c[3])), 4),
        (format!("{}\u{00A0}{}", &c[4][..5], &c[4][5..]), 5),
        (
            format!("{}\u{2013}{}", &c[5][..5], &c[5][5..].to_uppercase()),
            6,
        ),
        (alternate_case(&shown(&c[7])), 8),
    ];
    assert_read(&env, "github", c, &typed);

    // O is not 0 in a set of letters and digits: a typo, one character off.
    let code7 = &c[6];
    assert!(code7.contains('0'), "fixture code 7 has a 0");
    let with_o = code7.replacen('0', "O", 1);
    let (code, r) = env.check(&with_o, Some("github"));
    assert_eq!((code, r.reason), (exit::REFUSED, Reason::Unknown));
    let m = r.details.did_you_mean.expect("did_you_mean");
    assert_eq!(m.iter().map(|m| m.index).collect::<Vec<_>>(), [7]);
}

#[test]
fn text_that_cannot_be_a_code_is_exit_2_and_changes_nothing() {
    let env = Env::with_vault();
    env.generate("bank", 5);
    env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    let before = env.bytes();
    let cases = [
        ("bank", "1234567"),
        ("bank", "123456789"),
        ("bank", "12a45678"),
        ("github", "3f9a1-c07e"),
        ("github", "3f9a1-c07e2f"),
        ("github", "3f9a1_c07e2"),
    ];
    for (account, typed) in cases {
        for args in [
            vec!["use", account, typed],
            vec!["use", account, typed, "--json"],
            vec!["check", typed, account],
        ] {
            let run = env.run(&args);
            run.fails(exit::USAGE, "not a valid code");
            assert!(!run.stderr.contains(typed), "repeats the input\n{run}");
        }
    }
    env.assert_unchanged(&before);
}

#[test]
fn an_8_digit_code_for_an_account_of_letters_and_digits_is_exit_2() {
    let env = Env::with_vault();
    env.import_file(
        "github",
        &import_fixture("github-recovery-codes.txt"),
        false,
    );
    let before = env.bytes();
    for typed in ["12345678", "1234 5678"] {
        env.run(["use", "github", typed])
            .fails(exit::USAGE, "not a valid code");
        env.run(["check", typed, "github"])
            .fails(exit::USAGE, "not a valid code");
    }
    env.assert_unchanged(&before);
}

#[test]
fn letters_for_a_digit_account_are_exit_2_whatever_other_accounts_hold() {
    let env = Env::with_vault();
    env.generate("bank", 5);
    env.cmd(["import", "site"])
        .passphrase(PASS)
        .stdin("ab12cd34\nef56gh78\nij90kl12\n")
        .run()
        .ok();
    let before = env.bytes();
    env.run(["use", "bank", "12a45678"])
        .fails(exit::USAGE, "not a valid code");
    env.run(["check", "12a45678", "bank"])
        .fails(exit::USAGE, "not a valid code");
    env.assert_unchanged(&before);
}

// --------------------------------------------------------------- low sets

#[derive(Clone, Copy)]
enum Step {
    Use,
    Next,
}

/// The warning lines about `account` on stderr: none with 4 or more unused
/// codes left, else one that says how many and names the fix.
#[track_caller]
/// The contract's low rule: 3 or fewer left, and at most 40% of the set.
fn is_low(left: usize, size: usize) -> bool {
    left <= 3 && left * 5 <= size * 2
}

fn assert_warning(run: &common::Run, account: &str, left: usize, low: bool, origin: Origin) {
    let warnings: Vec<&str> = run
        .notes()
        .into_iter()
        .filter(|l| l.contains(&format!("'{account}'")) && l.contains("left"))
        .collect();
    if !low {
        assert!(warnings.is_empty(), "no warning with {left} left\n{run}");
        return;
    }
    assert_eq!(warnings.len(), 1, "one warning with {left} left\n{run}");
    let w = warnings[0];
    assert!(w.starts_with("warning: "), "{run}");
    assert!(w.contains(&format!("{left} unused code")), "{run}");
    match origin {
        Origin::Generated => {
            assert!(
                w.contains(&format!("codevault regenerate {account}")),
                "{run}"
            );
            assert!(!w.contains("import"), "{run}");
        }
        Origin::Imported => {
            assert!(w.contains("get new codes from the platform"), "{run}");
            assert!(
                w.contains(&format!("codevault import --replace {account}")),
                "{run}"
            );
            assert!(!w.contains("regenerate"), "{run}");
        }
    }
}

/// Uses the account's codes one by one down to none, by `use` or `next`;
/// after each, `list` too, for people and in JSON.
fn walk_down(env: &Env, account: &str, codes: &[String], origin: Origin, step: Step) {
    let n = codes.len();
    assert!(n >= 5, "starts above the threshold");
    for used in 0..=n {
        let left = n - used;
        if used > 0 {
            let run = match step {
                Step::Use => env.run(["use", account, &codes[used - 1], "--json"]),
                Step::Next => env.run(["next", account, "--json"]),
            };
            let m: common::Marked = run.ok().json();
            assert_eq!((m.index, m.remaining), (used, left), "{run}");
            assert_eq!(m.low, is_low(left, n), "low with {left} left\n{run}");
            assert_warning(&run, account, left, is_low(left, n), origin);
        }
        let run = env.run(["list", "--json"]);
        let list: common::AccountList = run.ok().json();
        let row = list.get(account);
        assert_eq!((row.remaining, row.total), (left, n));
        assert_eq!(row.low, is_low(left, n), "list low with {left} left\n{run}");
        assert_warning(&run, account, left, is_low(left, n), origin);
        let run = env.run(["list"]);
        run.ok();
        assert_warning(&run, account, left, is_low(left, n), origin);
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(account))
            .unwrap_or_else(|| panic!("no row\n{run}"));
        let mark = if left == 0 { "used up" } else { "low" };
        assert_eq!(line.to_lowercase().contains(mark), is_low(left, n), "{run}");
    }
}

#[test]
fn a_generated_set_running_low_by_use() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 5);
    walk_down(&env, "bank", &issued.codes, Origin::Generated, Step::Use);
}

#[test]
fn a_generated_set_running_low_by_next() {
    let env = Env::with_vault();
    let issued = env.generate("bank", 5);
    walk_down(&env, "bank", &issued.codes, Origin::Generated, Step::Next);
}

#[test]
fn an_imported_set_running_low_by_use() {
    let env = Env::with_vault();
    let issued = env.import_file("instagram", &import_fixture("instagram-pasted.txt"), false);
    walk_down(
        &env,
        "instagram",
        &issued.codes,
        Origin::Imported,
        Step::Use,
    );
}

#[test]
fn an_imported_set_running_low_by_next() {
    let env = Env::with_vault();
    let issued = env.import_file("instagram", &import_fixture("instagram-pasted.txt"), false);
    walk_down(
        &env,
        "instagram",
        &issued.codes,
        Origin::Imported,
        Step::Next,
    );
}

#[test]
fn next_on_a_used_up_imported_set_points_at_import_replace() {
    let env = Env::with_vault();
    let issued = env.import_file("instagram", &import_fixture("instagram-pasted.txt"), false);
    for _ in &issued.codes {
        env.next("instagram");
    }
    let before = env.bytes();
    let run = env.run(["next", "instagram"]);
    run.fails(exit::USAGE, "instagram")
        .hint_says("codevault import --replace instagram");
    assert!(!run.stderr.contains("regenerate"), "{run}");
    env.assert_unchanged(&before);
}

// -------------------------------------------------------- refusal reasons

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
