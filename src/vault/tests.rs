//! Domain rules, with no file, terminal or clock involved.

use super::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::HashSet;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + s).unwrap()
}

fn name(s: &str) -> AccountName {
    AccountName::parse(s).unwrap()
}

/// A seeded generator; each call in a test draws from a new seed, so
/// that identities made through separate calls do not repeat (each test
/// runs on a thread of its own, so the seeds are the same on every run).
fn rng() -> StdRng {
    thread_local!(static SEED: std::cell::Cell<u64> = const { std::cell::Cell::new(42) });
    StdRng::seed_from_u64(SEED.replace(SEED.get() + 1))
}

/// A vault with `github` holding one generated set of `n` codes.
fn with_set(n: usize) -> (Vault, StdRng) {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    let mut r = rng();
    v.generate(&name("github"), n, &mut r, t(1)).unwrap();
    (v, r)
}

fn code_at(v: &Vault, account: &str, set_pos: usize, index: usize) -> Code {
    v.account(&name(account)).unwrap().sets[set_pos].codes[index - 1]
        .code
        .clone()
}

#[test]
fn account_names_are_trimmed_and_bounded() {
    assert_eq!(name("  github ").as_str(), "github");
    assert_eq!(
        name("google/alice@example.com").as_str(),
        "google/alice@example.com"
    );
    assert!(AccountName::parse("   ").is_err());
    assert!(AccountName::parse_new("a\tb").is_err());
    assert!(AccountName::parse(&"x".repeat(129)).is_err());
    assert!(AccountName::parse(&"é".repeat(128)).is_ok());
}

#[test]
fn generate_makes_an_active_set_and_refuses_a_second() {
    let (mut v, mut r) = with_set(10);
    let set = v.active_set(&name("github")).unwrap();
    assert_eq!(set.codes.len(), 10);
    assert_eq!(set.origin, Origin::Generated);
    assert_eq!(set.remaining(), 10);
    let err = v.generate(&name("github"), 10, &mut r, t(2)).unwrap_err();
    assert!(matches!(err, Error::ActiveSetExists { .. }));
}

#[test]
fn count_is_bounded() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    assert!(v.generate(&name("a"), 0, &mut rng(), t(1)).is_err());
    assert!(v.generate(&name("a"), 101, &mut rng(), t(1)).is_err());
    assert!(v.generate(&name("a"), 100, &mut rng(), t(1)).is_ok());
}

#[test]
fn regenerate_revokes_the_old_set_in_the_same_change() {
    let (mut v, mut r) = with_set(5);
    let old = code_at(&v, "github", 0, 2);
    let new_id = v.regenerate(&name("github"), 5, &mut r, t(10)).unwrap().id;
    let account = v.account(&name("github")).unwrap();
    assert_eq!(account.sets.len(), 2);
    let revoked = account.sets[0].revoked.as_ref().unwrap();
    assert_eq!(revoked.by, RevokedBy::Regenerate);
    assert_eq!(revoked.replaced_by.map(|s| s.number), Some(new_id));
    assert_eq!(revoked.at, t(10));
    assert_eq!(account.active().unwrap().id, new_id);
    match v.diagnose(Some(&name("github")), &old).unwrap() {
        Diagnosis::Revoked {
            set,
            index,
            set_created,
            revoked_at,
            revoked_by,
            replaced_by,
            ..
        } => {
            assert_eq!((set, index), (1, 2));
            assert_eq!((set_created, revoked_at), (t(1), t(10)));
            assert_eq!(revoked_by, RevokedBy::Regenerate);
            assert_eq!(replaced_by, Some(new_id));
        }
        d => panic!("expected revoked, got {d:?}"),
    }
}

#[test]
fn regenerate_needs_an_existing_account() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    let err = v
        .regenerate(&name("nope"), 5, &mut rng(), t(1))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownAccount { .. }));
}

#[test]
fn codes_are_unique_across_the_whole_history() {
    // A generator over a tiny space forces collisions: every retry must
    // land on a code never seen in any set.
    struct Tiny(StdRng);
    impl rand::TryRng for Tiny {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(rand::Rng::next_u32(&mut self.0) % 40)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::from(self.try_next_u32()?))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            rand::Rng::fill_bytes(&mut self.0, dst);
            Ok(())
        }
    }
    impl rand::TryCryptoRng for Tiny {}
    let mut r = Tiny(rng());
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    v.generate(&name("a"), 10, &mut r, t(1)).unwrap();
    v.regenerate(&name("a"), 10, &mut r, t(2)).unwrap();
    v.generate(&name("b"), 10, &mut r, t(3)).unwrap();
    v.regenerate(&name("a"), 10, &mut r, t(4)).unwrap();
    let all: Vec<&Code> = v
        .accounts()
        .flat_map(|(_, a)| &a.sets)
        .flat_map(|s| &s.codes)
        .map(|e| &e.code)
        .collect();
    let distinct: HashSet<&Code> = all.iter().copied().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(distinct.len(), 40);
}

#[test]
fn use_marks_once_and_then_says_when() {
    let (mut v, _) = with_set(5);
    let c = code_at(&v, "github", 0, 3);
    let receipt = v
        .use_code(&name("github"), &c, Some("laptop".into()), &mut rng(), t(5))
        .unwrap()
        .unwrap();
    assert_eq!((receipt.index, receipt.remaining), (3, 4));
    let again = v
        .use_code(&name("github"), &c, None, &mut rng(), t(6))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        again,
        Diagnosis::Used {
            account: "github".into(),
            set: 1,
            index: 3,
            used_at: t(5),
            note: Some("laptop".into()),
        }
    );
}

#[test]
fn next_hands_out_in_order_then_runs_out() {
    let (mut v, _) = with_set(2);
    let first = v.next(&name("github"), None, &mut rng(), t(2)).unwrap();
    assert_eq!(first.code, code_at(&v, "github", 0, 1));
    assert_eq!(first.index, 1);
    let second = v.next(&name("github"), None, &mut rng(), t(3)).unwrap();
    assert_eq!((second.index, second.remaining), (2, 0));
    assert!(matches!(
        v.next(&name("github"), None, &mut rng(), t(4)),
        Err(Error::NoCodesLeft { .. })
    ));
}

#[test]
fn low_is_three_or_fewer_and_at_most_forty_percent() {
    let (mut v, _) = with_set(5);
    assert!(!v.next(&name("github"), None, &mut rng(), t(2)).unwrap().low); // 4 left
    assert!(!v.next(&name("github"), None, &mut rng(), t(3)).unwrap().low); // 3 left, 60%
    assert!(v.next(&name("github"), None, &mut rng(), t(4)).unwrap().low); // 2 left, 40%
}

#[test]
fn another_accounts_code_is_named() {
    let (mut v, mut r) = with_set(3);
    v.generate(&name("google"), 3, &mut r, t(2)).unwrap();
    let g = code_at(&v, "google", 0, 1);
    match v.diagnose(Some(&name("github")), &g).unwrap() {
        Diagnosis::OtherAccount {
            account,
            other_account,
            other_state,
        } => {
            assert_eq!(account, "github");
            assert_eq!(other_account, "google");
            assert_eq!(other_state, CodeState::Unused);
        }
        d => panic!("{d:?}"),
    }
    // Refused by `use`, and nothing was marked.
    assert!(
        v.use_code(&name("github"), &g, None, &mut rng(), t(3))
            .unwrap()
            .is_err()
    );
    assert_eq!(v.active_set(&name("google")).unwrap().remaining(), 3);
}

#[test]
fn unknown_codes_point_at_near_misses_by_number_only() {
    let (v, _) = with_set(5);
    let real = code_at(&v, "github", 0, 4);
    let mut typo = real.as_str().as_bytes().to_vec();
    typo.swap(2, 3);
    if typo == real.as_str().as_bytes() {
        typo[0] = if typo[0] == b'9' { b'0' } else { typo[0] + 1 };
    }
    let typo = Code::parse(std::str::from_utf8(&typo).unwrap(), Alphabet::GENERATED).unwrap();
    match v.diagnose(Some(&name("github")), &typo).unwrap() {
        Diagnosis::Unknown { did_you_mean, .. } => {
            assert_eq!(did_you_mean.len(), 1);
            assert_eq!(did_you_mean[0].index, 4);
        }
        d => panic!("{d:?}"),
    }
    let far = Code::parse("00000000", Alphabet::GENERATED).unwrap();
    if let Diagnosis::Unknown { did_you_mean, .. } = v.diagnose(None, &far).unwrap() {
        assert!(did_you_mean.iter().all(|m| {
            v.active_set(&name("github")).unwrap().codes[m.index - 1]
                .code
                .is_near_miss(&far)
        }));
    } else {
        panic!("00000000 should be unknown");
    }
}

#[test]
fn check_without_account_searches_every_account() {
    let (mut v, mut r) = with_set(3);
    v.generate(&name("google"), 3, &mut r, t(2)).unwrap();
    let g = code_at(&v, "google", 0, 2);
    assert_eq!(
        v.diagnose(None, &g).unwrap(),
        Diagnosis::Unused {
            account: "google".into(),
            set: 2,
            index: 2
        }
    );
}

#[test]
fn revoke_leaves_no_active_set_and_remove_forgets() {
    let (mut v, _) = with_set(3);
    let c = code_at(&v, "github", 0, 1);
    v.revoke(&name("github"), &mut rng(), t(5)).unwrap();
    assert!(matches!(
        v.active_set(&name("github")),
        Err(Error::NoActiveSet { .. })
    ));
    assert!(matches!(
        v.revoke(&name("github"), &mut rng(), t(6)),
        Err(Error::NoActiveSet { .. })
    ));
    match v.diagnose(Some(&name("github")), &c).unwrap() {
        Diagnosis::Revoked {
            revoked_by,
            replaced_by,
            ..
        } => {
            assert_eq!(revoked_by, RevokedBy::Revoke);
            assert_eq!(replaced_by, None);
        }
        d => panic!("{d:?}"),
    }
    v.remove(&name("github"), &mut rng(), t(7)).unwrap();
    assert!(matches!(
        v.account(&name("github")),
        Err(Error::UnknownAccount { .. })
    ));
    assert!(matches!(
        v.diagnose(None, &c).unwrap(),
        Diagnosis::Unknown { .. }
    ));
}

#[test]
fn unknown_accounts_get_close_names() {
    let (mut v, mut r) = with_set(1);
    v.generate(&name("google/alice@example.com"), 1, &mut r, t(2))
        .unwrap();
    match v.account(&name("githb")).unwrap_err() {
        Error::UnknownAccount { suggestions, .. } => assert_eq!(suggestions, ["github"]),
        e => panic!("{e}"),
    }
    match v.account(&name("alice")).unwrap_err() {
        Error::UnknownAccount { suggestions, .. } => {
            assert_eq!(suggestions, ["google/alice@example.com"])
        }
        e => panic!("{e}"),
    }
    match v.account(&name("zzzzzz")).unwrap_err() {
        Error::UnknownAccount { suggestions, .. } => assert!(suggestions.is_empty()),
        e => panic!("{e}"),
    }
}

#[test]
fn every_change_is_in_the_audit_trail_without_codes() {
    let (mut v, mut r) = with_set(3);
    v.next(&name("github"), Some("n".into()), &mut rng(), t(2))
        .unwrap();
    v.regenerate(&name("github"), 3, &mut r, t(3)).unwrap();
    v.revoke(&name("github"), &mut rng(), t(4)).unwrap();
    v.remove(&name("github"), &mut rng(), t(5)).unwrap();
    let kinds: Vec<&str> = v
        .events()
        .iter()
        .map(|e| match e.kind {
            EventKind::Init => "init",
            EventKind::Generate { .. } => "generate",
            EventKind::Next { .. } => "next",
            EventKind::Regenerate { .. } => "regenerate",
            EventKind::Revoke { .. } => "revoke",
            EventKind::Remove { .. } => "remove",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["init", "generate", "next", "regenerate", "revoke", "remove"]
    );
}

#[test]
fn fingerprint_depends_on_the_codes_and_the_salt_only() {
    let (v, _) = with_set(5);
    let set = v.active_set(&name("github")).unwrap();
    let fp = set.fingerprint();
    assert_eq!(fp.len(), 9);
    let mut other = set.clone();
    other.created = t(99);
    other.codes[0].add_use(Usage {
        uid: Uid([7; 16]),
        at: t(99),
        note: None,
    });
    assert_eq!(other.fingerprint(), fp);
    other.codes.swap(0, 1);
    assert_ne!(other.fingerprint(), fp);
    // The same codes under another salt: another fingerprint, so the
    // fingerprint alone cannot be searched back to the codes.
    let mut resalted = set.clone();
    resalted.salt[0] ^= 1;
    assert_ne!(resalted.fingerprint(), fp);
}

/// Through postcard, the encoding the file stores (`session` seals it):
/// a field that does not survive it would be lost on the next save.
#[test]
fn the_stored_form_round_trips_through_the_decoder() {
    let (mut v, mut r) = with_set(3);
    v.next(&name("github"), Some("note".into()), &mut r, t(2))
        .unwrap();
    v.regenerate(&name("github"), 2, &mut r, t(3)).unwrap();
    v.generate(&name("gone"), 1, &mut r, t(4)).unwrap();
    v.remove(&name("gone"), &mut r, t(5)).unwrap();
    let bytes = postcard::to_stdvec(&v).unwrap();
    let back = decode(SCHEMA_VERSION, &bytes).unwrap();
    assert_eq!(back, v);
    // The shown numbers are settled again on the way in, not stored.
    let shown: Vec<u64> = back
        .accounts()
        .flat_map(|(_, a)| &a.sets)
        .map(|s| s.id)
        .collect();
    assert_eq!(shown, [1, 2]);
    // One byte more or less is not a vault.
    assert!(decode(SCHEMA_VERSION, &bytes[..bytes.len() - 1]).is_none());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode(SCHEMA_VERSION, &longer).is_none());
}

/// `import` of codes as a platform's text would give them, through the
/// real parser.
trait ImportTexts {
    fn import_texts(
        &mut self,
        account: &str,
        texts: &[&str],
        replace: bool,
        now: Timestamp,
    ) -> Result<&CodeSet>;
}

impl ImportTexts for Vault {
    fn import_texts(
        &mut self,
        account: &str,
        texts: &[&str],
        replace: bool,
        now: Timestamp,
    ) -> Result<&CodeSet> {
        let parsed = crate::import::parse(&texts.join("\n"), false).unwrap();
        self.import(
            &name(account),
            Imported {
                codes: parsed.codes,
                used: parsed.used,
                alphabet: parsed.alphabet,
                layout: parsed.layout,
            },
            replace,
            &mut rng(),
            now,
        )
    }
}

#[test]
fn import_keeps_the_platform_alphabet_and_refuses_an_active_set() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    let set = v
        .import_texts("github", &["abcde-12345", "fghij-67890"], false, t(1))
        .unwrap();
    assert_eq!(set.origin, Origin::Imported);
    assert_eq!(set.alphabet, Alphabet::Alnum { len: 10 });
    assert!(matches!(
        v.import_texts("github", &["klmno-11111"], false, t(2)),
        Err(Error::ActiveSetExists { .. })
    ));
    // A code outside the set's alphabet is refused, whatever the caller.
    let digits = Code::parse("12345678", Alphabet::GENERATED).unwrap();
    assert!(
        v.import(
            &name("other"),
            Imported {
                codes: vec![digits],
                used: vec![false],
                alphabet: Alphabet::Alnum { len: 10 },
                layout: None,
            },
            false,
            &mut rng(),
            t(3)
        )
        .is_err()
    );
}

#[test]
fn import_replace_revokes_in_the_same_change() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    v.import_texts("g", &["11112222", "33334444"], false, t(1))
        .unwrap();
    let new_id = v
        .import_texts("g", &["55556666", "77778888"], true, t(2))
        .unwrap()
        .id;
    let old = Code::parse("11112222", Alphabet::GENERATED).unwrap();
    match v.diagnose(Some(&name("g")), &old).unwrap() {
        Diagnosis::Revoked {
            revoked_by,
            replaced_by,
            ..
        } => {
            assert_eq!(revoked_by, RevokedBy::ImportReplace);
            assert_eq!(replaced_by, Some(new_id));
        }
        d => panic!("{d:?}"),
    }
}

#[test]
fn importing_codes_the_vault_already_has_is_named() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    v.import_texts("g", &["11112222", "33334444"], false, t(1))
        .unwrap();
    v.import_texts("g", &["55556666"], true, t(2)).unwrap();
    match v.import_texts("g", &["33334444"], true, t(3)) {
        Err(Error::ImportOverlap {
            set: 1,
            revoked: true,
            ..
        }) => {}
        r => panic!("{r:?}"),
    }
    match v.import_texts("g", &["55556666"], true, t(3)) {
        Err(Error::ImportOverlap {
            set: 2,
            revoked: false,
            ..
        }) => {}
        r => panic!("{r:?}"),
    }
}

#[test]
fn refused_uses_are_logged_by_number_and_reason() {
    let (mut v, _) = with_set(3);
    let c = code_at(&v, "github", 0, 2);
    v.use_code(&name("github"), &c, None, &mut rng(), t(2))
        .unwrap()
        .unwrap();
    v.use_code(&name("github"), &c, None, &mut rng(), t(3))
        .unwrap()
        .unwrap_err();
    let last = v.events().last().unwrap();
    assert_eq!(last.account.as_deref(), Some("github"));
    let set = v.active_set(&name("github")).unwrap().reference();
    assert_eq!(set.number, 1);
    assert_eq!(
        last.kind,
        EventKind::Refused(Box::new(Refusal {
            reason: "used".into(),
            set: Some(set),
            index: Some(2),
            other_account: None
        }))
    );
    let log = serde_json::to_string(v.events()).unwrap();
    assert!(!log.contains(c.as_str()), "the log holds a code");
}

#[test]
fn a_code_of_the_vault_typed_as_an_account_name_is_not_repeated() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    v.import_texts("github", &["abcde-12345", "fghij-67890"], false, t(1))
        .unwrap();
    match v.account(&name("ABCDE-12345")).unwrap_err() {
        Error::UnknownAccount { name, .. } => assert_eq!(name, "[code]"),
        e => panic!("{e}"),
    }
    match v.account(&name("gitlab")).unwrap_err() {
        Error::UnknownAccount { name, .. } => assert_eq!(name, "gitlab"),
        e => panic!("{e}"),
    }
}

/// Version 2's layout of the two records most numerous in a vault, byte
/// for byte: changing a field's order or type is a new format version,
/// and this says so before a user's file does.
#[test]
fn records_are_written_as_format_version_2_lays_them_out() {
    let refused = EventKind::Refused(Box::new(Refusal {
        reason: "used".into(),
        set: Some(SetRef {
            uid: Uid([3; 16]),
            number: 1,
        }),
        index: Some(2),
        other_account: Some("x".into()),
    }));
    // Variant 8, then the fields in order: a length-prefixed string, a
    // present set (16 identity bytes, its number), a present index,
    // another string.
    let mut expected = vec![8, 4];
    expected.extend_from_slice(b"used");
    expected.push(1);
    expected.extend_from_slice(&[3; 16]);
    expected.extend_from_slice(&[1, 1, 2, 1, 1, b'x']);
    assert_eq!(postcard::to_allocvec(&refused).unwrap(), expected);
    assert_eq!(
        postcard::from_bytes::<EventKind>(&expected).unwrap(),
        refused
    );

    // The code as a string, one use: its identity, the time as zigzag
    // varint seconds, a present note.
    let mut entry = Entry::unused(Code::parse("12345678", Alphabet::GENERATED).unwrap());
    entry.add_use(Usage {
        uid: Uid([9; 16]),
        at: Timestamp::from_second(7).unwrap(),
        note: Some("n".into()),
    });
    let mut expected = vec![8];
    expected.extend_from_slice(b"12345678");
    expected.push(1);
    expected.extend_from_slice(&[9; 16]);
    expected.extend_from_slice(&[14, 1, 1, b'n']);
    assert_eq!(postcard::to_allocvec(&entry).unwrap(), expected);
    assert_eq!(postcard::from_bytes::<Entry>(&expected).unwrap(), entry);
}

#[test]
fn names_that_read_alike_are_told_apart_from_names_that_differ() {
    for (a, b) in [
        ("GitHub", "github"),
        ("GITHUB", "github"),
        ("gіthub", "github"),
        ("paypaI", "paypal"),
        ("rnicrosoft", "microsoft"),
    ] {
        assert!(AccountName::reads_like(a, b), "{a} / {b}");
    }
    for (a, b) in [
        ("github", "gitlab"),
        ("bank", "bank2"),
        ("work", "personal"),
    ] {
        assert!(!AccountName::reads_like(a, b), "{a} / {b}");
    }
}

#[test]
fn new_names_and_notes_refuse_control_and_format_characters() {
    for bad in [
        "a\u{202e}b",
        "git\u{200b}hub",
        "a\u{1b}[2Jb",
        "a\u{2028}b",
        "x\u{feff}y",
    ] {
        assert!(AccountName::parse_new(bad).is_err(), "{bad:?}");
        // An account stored by an older version can still be named.
        assert!(AccountName::parse(bad).is_ok(), "{bad:?}");
        assert!(crate::vault::parse_note(Some(bad)).is_err(), "{bad:?}");
    }
    assert!(crate::vault::parse_note(Some(&"n".repeat(257))).is_err());
    assert_eq!(
        crate::vault::parse_note(Some(" ok ")).unwrap().as_deref(),
        Some("ok")
    );
    assert_eq!(crate::vault::parse_note(None).unwrap(), None);
}

#[test]
fn a_code_is_pasted_as_the_platform_printed_it() {
    let mut v = Vault::new(&mut rng(), t(0)).unwrap();
    v.import_texts("acme", &["K7PM-2XQ9-WB4N", "R4TD-8HJC-3ZVE"], false, t(1))
        .unwrap();
    let r = v.next(&name("acme"), None, &mut rng(), t(2)).unwrap();
    assert_eq!(r.pasted(), "K7PM2XQ9WB4N");
    // A generated set has no layout: the plain digits, no space to trip a
    // form that refuses one.
    let (mut v, _) = with_set(3);
    let r = v.next(&name("github"), None, &mut rng(), t(2)).unwrap();
    assert_eq!(r.pasted(), r.code.as_str());
    assert_eq!(r.pasted().len(), 8);
}
