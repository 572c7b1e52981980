//! The merge as a pure function: the union's laws, checked on random
//! histories, and each conflict it reports.

use std::collections::HashSet;

use jiff::Timestamp;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::code::Alphabet;
use crate::vault::{AccountName, Diagnosis, Imported, RevokedBy};

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).unwrap()
}

fn name(s: &str) -> AccountName {
    AccountName::parse(s).unwrap()
}

fn vault(r: &mut StdRng) -> Vault {
    Vault::new(r, t(0)).unwrap()
}

/// One change a person can make on one copy.
#[derive(Clone, Copy, Debug)]
enum Op {
    Generate(u8),
    Regenerate(u8),
    Next(u8),
    UseAny(u8, u8),
    Revoke(u8),
    Remove(u8),
    Import(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let acct = 0u8..4;
    prop_oneof![
        2 => acct.clone().prop_map(Op::Generate),
        2 => acct.clone().prop_map(Op::Regenerate),
        3 => acct.clone().prop_map(Op::Next),
        2 => (acct.clone(), any::<u8>()).prop_map(|(a, i)| Op::UseAny(a, i)),
        1 => acct.clone().prop_map(Op::Revoke),
        1 => acct.clone().prop_map(Op::Remove),
        1 => acct.prop_map(Op::Import),
    ]
}

const ACCOUNTS: [&str; 4] = ["a", "b", "c", "d"];

/// Applies the ops in turn, one second apart from `start`; an op the
/// vault refuses (no such account, no active set) is skipped, as a
/// person's failed command changes nothing.
fn apply(v: &mut Vault, ops: &[Op], r: &mut StdRng, start: i64) {
    for (i, op) in ops.iter().enumerate() {
        let now = t(start + i as i64);
        let _ = match *op {
            Op::Generate(a) => v.generate(&name(ACCOUNTS[a as usize]), 3, r, now).map(drop),
            Op::Regenerate(a) => v
                .regenerate(&name(ACCOUNTS[a as usize]), 3, r, now)
                .map(drop),
            Op::Next(a) => v.next(&name(ACCOUNTS[a as usize]), None, r, now).map(drop),
            Op::UseAny(a, i) => {
                let n = name(ACCOUNTS[a as usize]);
                let code = v.active_set(&n).ok().map(|s| {
                    let i = i as usize % s.codes.len();
                    s.codes[i].code.clone()
                });
                match code {
                    Some(c) => v
                        .use_code(&n, &c, Some(format!("op {i}")), r, now)
                        .map(drop),
                    None => Ok(()),
                }
            }
            Op::Revoke(a) => v.revoke(&name(ACCOUNTS[a as usize]), r, now).map(drop),
            Op::Remove(a) => v.remove(&name(ACCOUNTS[a as usize]), r, now).map(drop),
            Op::Import(a) => {
                let codes: Vec<Code> = (0..3)
                    .map(|_| {
                        let text = format!("{:010}", r.random_range(0..10_000_000_000u64));
                        Code::parse(&text, Alphabet::Digits { len: 10 }).unwrap()
                    })
                    .collect();
                let name = name(ACCOUNTS[a as usize]);
                let replace = v.account(&name).is_ok();
                v.import(
                    &name,
                    Imported::unused(codes, Alphabet::Digits { len: 10 }),
                    replace,
                    r,
                    now,
                )
                .map(drop)
            }
        };
    }
}

fn merged(a: &Vault, b: &Vault) -> Vault {
    let mut m = a.clone();
    m.merge(b);
    m
}

/// Every use, revocation, removal and event identity of a vault.
fn records(v: &Vault) -> (HashSet<Uid>, HashSet<Uid>, HashSet<Uid>, HashSet<Uid>) {
    let sets = v.accounts.values().flat_map(|a| &a.sets);
    let uses = sets
        .clone()
        .flat_map(|s| s.codes.iter().flat_map(|e| e.uses.iter().map(|u| u.uid)))
        .collect();
    let revoked = sets
        .filter(|s| s.revoked.is_some())
        .map(|s| s.uid)
        .collect();
    let removals = v.removals.iter().map(|r| r.uid).collect();
    let events = v.events.iter().map(|e| e.uid).collect();
    (uses, revoked, removals, events)
}

/// Whether a set of `v` is gone from `m` only because a removal took it.
fn removed_in(m: &Vault, account: &str, set: &CodeSet) -> bool {
    m.removals.iter().any(|r| r.covers(account, set))
}

proptest! {
    #![proptest_config(crate::proptest_config(96))]

    #[test]
    fn merge_is_a_union_with_the_laws_of_one(
        seed in any::<u64>(),
        base in prop::collection::vec(op(), 0..8),
        ops_a in prop::collection::vec(op(), 0..10),
        ops_b in prop::collection::vec(op(), 0..10),
        ops_c in prop::collection::vec(op(), 0..6),
    ) {
        let mut r = StdRng::seed_from_u64(seed);
        let mut v = vault(&mut r);
        apply(&mut v, &base, &mut r, 1);
        let (mut a, mut b, mut c) = (v.clone(), v.clone(), v);
        apply(&mut a, &ops_a, &mut r, 100);
        apply(&mut b, &ops_b, &mut r, 103);
        apply(&mut c, &ops_c, &mut r, 101);

        let ab = merged(&a, &b);
        prop_assert_eq!(&ab, &merged(&b, &a), "A+B differs from B+A");
        prop_assert_eq!(&merged(&a, &a), &a, "A+A differs from A");
        prop_assert_eq!(&merged(&ab, &ab), &ab);
        prop_assert_eq!(&merged(&ab, &a), &ab, "merging again changed it");
        prop_assert_eq!(
            &merged(&ab, &c),
            &merged(&a, &merged(&b, &c)),
            "(A+B)+C differs from A+(B+C)"
        );

        // Nothing either copy did is missing from the result, but what a
        // removal took.
        let (uses, revoked, removals, events) = records(&ab);
        for side in [&a, &b] {
            let (_, _, side_removals, side_events) = records(side);
            prop_assert!(side_removals.is_subset(&removals));
            prop_assert!(side_events.is_subset(&events));
            for (account, acc) in &side.accounts {
                for set in &acc.sets {
                    if removed_in(&ab, account, set) {
                        continue;
                    }
                    let kept = ab.accounts[account].sets.iter().find(|s| s.uid == set.uid);
                    prop_assert!(kept.is_some(), "a set of {} was lost", account);
                    if set.revoked.is_some() {
                        prop_assert!(revoked.contains(&set.uid), "a revocation was lost");
                    }
                    for u in set.codes.iter().flat_map(|e| e.uses.iter()) {
                        prop_assert!(uses.contains(&u.uid), "a used mark was lost");
                    }
                }
            }
        }
        // At most one active set an account, and it is the newest.
        for acc in ab.accounts.values() {
            let active: Vec<usize> = (0..acc.sets.len())
                .filter(|&i| acc.revocation(i).is_none())
                .collect();
            prop_assert!(active.len() <= 1);
            if let [i] = active[..] {
                prop_assert_eq!(i, acc.sets.len() - 1);
            }
        }
        // Shown numbers never collide.
        let shown: Vec<u64> = ab.accounts.values().flat_map(|a| &a.sets).map(|s| s.id).collect();
        let distinct: HashSet<u64> = shown.iter().copied().collect();
        prop_assert_eq!(shown.len(), distinct.len(), "two sets show one number");
        // And they stay put when the merged vault is used: new sets take
        // new numbers, and no set made or removed moves another.
        let mut later = ab.clone();
        apply(&mut later, &ops_c, &mut r, 200);
        for (name, acc) in &later.accounts {
            for set in &acc.sets {
                let before = ab.accounts.get(name).and_then(|a| a.sets.iter().find(|s| s.uid == set.uid));
                if let Some(before) = before {
                    prop_assert_eq!(before.id, set.id, "a set of {} changed its number", name);
                }
            }
        }
    }
}

/// Two copies of a vault with `github` holding one set of 4 codes.
fn two_copies() -> (Vault, Vault, StdRng) {
    let mut r = StdRng::seed_from_u64(7);
    let mut v = vault(&mut r);
    v.generate(&name("github"), 4, &mut r, t(1)).unwrap();
    (v.clone(), v, r)
}

#[test]
fn a_code_handed_out_on_both_copies_keeps_both_uses_and_is_reported_once() {
    let (mut a, mut b, mut r) = two_copies();
    let first = a.next(&name("github"), None, &mut r, t(10)).unwrap();
    let second = b
        .next(&name("github"), Some("phone".into()), &mut r, t(20))
        .unwrap();
    assert_eq!(first.index, second.index);
    let report = a.merge(&b);
    assert_eq!(report.added.uses, 1);
    assert_eq!(report.added.events, 1);
    assert_eq!(
        report.conflicts,
        [Conflict::DoubleUse {
            account: "github".into(),
            set: 1,
            index: 1,
            uses: vec![t(10), t(20)],
        }]
    );
    let set = a.active_set(&name("github")).unwrap();
    assert_eq!(set.codes[0].uses.len(), 2);
    assert_eq!(
        set.codes[0].used().unwrap().at,
        t(10),
        "the first use shows"
    );
    // The next code handed out is a fresh one.
    assert_eq!(
        a.next(&name("github"), None, &mut r, t(30)).unwrap().index,
        2
    );
    // Merging the same copy again adds and reports nothing.
    let again = a.merge(&b);
    assert!(
        again.added.is_empty() && again.conflicts.is_empty(),
        "{again:?}"
    );
}

#[test]
fn a_use_on_one_copy_only_is_no_conflict() {
    let (mut a, mut b, mut r) = two_copies();
    b.next(&name("github"), None, &mut r, t(10)).unwrap();
    let report = a.merge(&b);
    assert_eq!(report.added.uses, 1);
    assert!(report.conflicts.is_empty());
    assert_eq!(a.active_set(&name("github")).unwrap().remaining(), 3);
}

#[test]
fn two_new_sets_keep_the_later_active_and_say_so() {
    let (mut a, mut b, mut r) = two_copies();
    a.regenerate(&name("github"), 4, &mut r, t(10)).unwrap();
    b.regenerate(&name("github"), 4, &mut r, t(20)).unwrap();
    let later = b.active_set(&name("github")).unwrap().uid;
    let earlier = a.active_set(&name("github")).unwrap().uid;
    let report = a.merge(&b);
    let account = a.account(&name("github")).unwrap();
    assert_eq!(account.active().unwrap().uid, later);
    // Both claimed set 2: the later set shows 3, and this copy's is
    // reported as not renumbered (it was made first).
    assert_eq!(
        account.sets.iter().map(|s| s.id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(report.renumbered.is_empty(), "{:?}", report.renumbered);
    match &report.conflicts[..] {
        [
            Conflict::TwoActiveSets {
                account,
                kept,
                superseded,
                kept_active: true,
            },
        ] => {
            assert_eq!(account, "github");
            assert_eq!((kept.number, kept.created), (3, t(20)));
            assert_eq!((superseded.number, superseded.created), (2, t(10)));
        }
        c => panic!("{c:?}"),
    }
    // A code of the superseded set is explained as such.
    let pos = account.sets.iter().position(|s| s.uid == earlier).unwrap();
    let code = account.sets[pos].codes[0].code.clone();
    match a.diagnose(Some(&name("github")), &code).unwrap() {
        Diagnosis::Revoked {
            revoked_by,
            replaced_by,
            revoked_at,
            ..
        } => {
            assert_eq!(revoked_by, RevokedBy::Superseded);
            assert_eq!(replaced_by, Some(3));
            assert_eq!(revoked_at, t(20));
        }
        d => panic!("{d:?}"),
    }
    // The other side, merging this one, gets the same content and numbers.
    let mut b2 = b.clone();
    let theirs = b2.merge(&a);
    assert_eq!(b2, a);
    assert_eq!(
        theirs.renumbered,
        [Renumbered {
            account: "github".into(),
            from: 2,
            to: 3
        }]
    );
}

#[test]
fn a_removal_wins_over_later_uses_but_not_over_a_later_set() {
    let (mut a, mut b, mut r) = two_copies();
    a.remove(&name("github"), &mut r, t(10)).unwrap();
    // The other copy still uses the old set, then makes a new account
    // of the same name.
    b.next(&name("github"), None, &mut r, t(11)).unwrap();
    let mut c = b.clone();
    c.revoke(&name("github"), &mut r, t(12)).unwrap();
    c.generate(&name("github"), 2, &mut r, t(13)).unwrap();

    let mut ab = a.clone();
    let report = ab.merge(&b);
    assert!(
        ab.account(&name("github")).is_err(),
        "a removed set came back"
    );
    assert_eq!(report.added.sets, 0);
    let mut ac = a.clone();
    ac.merge(&c);
    let account = ac.account(&name("github")).unwrap();
    assert_eq!(account.sets.len(), 1, "only the set made after the removal");
    assert_eq!(account.active().unwrap().codes.len(), 2);
    // And from the other side, the removal arrives.
    let mut ca = c.clone();
    let report = ca.merge(&a);
    assert_eq!(report.added.removals, 1);
    assert_eq!(ca, ac);
}

#[test]
fn the_earliest_revocation_is_kept() {
    let (mut a, mut b, mut r) = two_copies();
    a.revoke(&name("github"), &mut r, t(20)).unwrap();
    b.revoke(&name("github"), &mut r, t(10)).unwrap();
    let mut ab = a.clone();
    let report = ab.merge(&b);
    assert_eq!(report.added.revocations, 0, "both had one");
    let set = &ab.account(&name("github")).unwrap().sets[0];
    assert_eq!(set.revoked.as_ref().unwrap().at, t(10));
    let mut ba = b.clone();
    ba.merge(&a);
    assert_eq!(ab, ba);
}

#[test]
fn one_code_in_two_accounts_is_reported() {
    let (mut a, mut b, mut r) = two_copies();
    let text = "abcde-12345";
    let alnum = Alphabet::Alnum { len: 10 };
    let code = Code::parse(text, alnum).unwrap();
    a.import(
        &name("x"),
        Imported::unused(vec![code.clone()], alnum),
        false,
        &mut r,
        t(5),
    )
    .unwrap();
    b.import(
        &name("y"),
        Imported::unused(vec![code], alnum),
        false,
        &mut r,
        t(6),
    )
    .unwrap();
    let report = a.merge(&b);
    assert_eq!(
        report.conflicts,
        [Conflict::SharedCode {
            account: "y".into(),
            other_account: "x".into(),
            set: 3,
            other_set: 2,
        }]
    );
}

#[test]
fn events_interleave_in_time_order_each_once() {
    let (mut a, mut b, mut r) = two_copies();
    a.next(&name("github"), None, &mut r, t(10)).unwrap();
    b.next(&name("github"), None, &mut r, t(5)).unwrap();
    a.next(&name("github"), None, &mut r, t(15)).unwrap();
    a.merge(&b);
    let times: Vec<Timestamp> = a.events().iter().map(|e| e.at).collect();
    assert_eq!(times, [t(0), t(1), t(5), t(10), t(15)]);
}

#[test]
fn a_rival_set_is_reported_even_when_the_newer_one_was_revoked() {
    let (mut a, mut b, mut r) = two_copies();
    b.regenerate(&name("github"), 4, &mut r, t(10)).unwrap();
    a.regenerate(&name("github"), 4, &mut r, t(20)).unwrap();
    a.revoke(&name("github"), &mut r, t(21)).unwrap();
    for (x, y) in [(a.clone(), &b), (b.clone(), &a)] {
        let mut m = x;
        let report = m.merge(y);
        assert!(
            matches!(
                &report.conflicts[..],
                [Conflict::TwoActiveSets {
                    kept_active: false,
                    ..
                }]
            ),
            "{report:?}"
        );
        assert!(m.account(&name("github")).unwrap().active().is_none());
    }
}

#[test]
fn renumbered_sets_keep_their_number_through_later_changes() {
    let (mut a, mut b, mut r) = two_copies();
    a.generate(&name("xa"), 2, &mut r, t(10)).unwrap();
    b.generate(&name("ya"), 2, &mut r, t(20)).unwrap();
    a.merge(&b);
    let ya = |v: &Vault| v.active_set(&name("ya")).unwrap().id;
    assert_eq!(ya(&a), 3, "the later of two sets numbered 2");
    let z = a.generate(&name("z"), 2, &mut r, t(30)).unwrap().id;
    assert_eq!(z, 4, "a new set takes a number no set shows");
    assert_eq!(ya(&a), 3);
    a.remove(&name("z"), &mut r, t(31)).unwrap();
    assert_eq!(ya(&a), 3);
}

#[test]
fn a_set_made_after_a_version_1_removal_is_not_taken_by_it() {
    let (mut a, _, mut r) = two_copies();
    // A removal as version 1 recorded it, at the very second the account
    // is made again.
    a.remove(&name("github"), &mut r, t(10)).unwrap();
    a.removals[0].scope = super::super::RemovalScope::CreatedUpTo(t(10));
    a.generate(&name("github"), 2, &mut r, t(10)).unwrap();
    let copy = a.clone();
    let mut merged = copy.clone();
    merged.merge(&a);
    assert_eq!(merged.active_set(&name("github")).unwrap().codes.len(), 2);
    let mut other = Vault::new(&mut r, t(0)).unwrap();
    other.id = a.id;
    other.merge(&a);
    assert!(
        other.active_set(&name("github")).is_ok(),
        "the later set was removed"
    );
}

#[test]
fn a_merge_that_brings_only_merges_is_no_news() {
    let (mut a, mut b, mut r) = two_copies();
    a.next(&name("github"), None, &mut r, t(10)).unwrap();
    let report = b.merge(&a);
    assert!(report.news);
    b.log_merge(&mut r, t(11), report.added).unwrap();
    // A takes B's merge event, and nothing else: not worth one of its own.
    let back = a.merge(&b);
    assert_eq!(back.added.events, 1);
    assert!(!back.news);
}
