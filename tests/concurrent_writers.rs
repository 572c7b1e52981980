//! Concurrent writers lose nothing: every command that exited 0 is in the
//! log and in the final state, and every refused one is logged as refused.
//! `concurrency.rs` has the lock's wait and time-out; this file has the
//! figures: 4 processes × 25 `next` on one set of 100, and a mix of `use`,
//! `next`, `regenerate`, `generate` and `revoke` on the same account and on
//! different ones, all at once.

mod common;
mod inproc;

use std::collections::{BTreeMap, BTreeSet};
use std::thread;

use codevault::vault::{EventKind, Vault};
use common::{Env, Issued, Marked, PASS, Refusal, exit};

fn final_vault(env: &Env) -> Vault {
    inproc::open(&env.bytes(), PASS).expect("the vault opens")
}

#[test]
fn four_processes_times_25_next_hand_out_100_distinct_codes() {
    let env = Env::with_vault();
    let issued = env.generate("shared", 100);
    let handed: Vec<Marked> = thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| s.spawn(|| (0..25).map(|_| env.next("shared")).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(handed.len(), 100);
    let codes: BTreeSet<&str> = handed.iter().map(|m| m.code.as_str()).collect();
    assert_eq!(codes.len(), 100, "a code was handed out twice");
    assert_eq!(
        codes,
        issued
            .codes
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
    );
    let indices: BTreeSet<usize> = handed.iter().map(|m| m.index).collect();
    assert_eq!(indices, (1..=100).collect());
    // Each process saw the count go down by its own hand-out.
    let remaining: BTreeSet<usize> = handed.iter().map(|m| m.remaining).collect();
    assert_eq!(remaining, (0..100).collect());

    let row = env.list().get("shared").clone();
    assert_eq!((row.remaining, row.total), (0, 100));
    let log = env.log();
    let nexts: Vec<u64> = log
        .events
        .iter()
        .filter(|e| e.event == "next")
        .map(|e| e.details["index"].as_u64().unwrap())
        .collect();
    assert_eq!(nexts.len(), 100);
    assert_eq!(
        nexts.iter().copied().collect::<BTreeSet<_>>(),
        (1..=100).collect()
    );
    env.run(["next", "shared"]).code(exit::USAGE);
    assert!(env.stray_temps().is_empty());
    eprintln!("concurrent: 4 processes x 25 next: 100 distinct codes, 0 left, 100 next events");
}

/// What one concurrent command did, as its exit code and output say.
#[derive(Debug)]
enum Done {
    Used {
        account: String,
        code: String,
    },
    Refused {
        account: String,
    },
    Next {
        account: String,
        code: String,
    },
    Regenerated {
        account: String,
        set: u64,
        codes: Vec<String>,
    },
    Generated {
        account: String,
        set: u64,
        codes: Vec<String>,
    },
    Revoked {
        account: String,
    },
}

fn use_code(env: &Env, account: &str, code: &str) -> Done {
    let run = env.run(["use", account, code, "--json"]);
    match run.code {
        exit::OK => {
            let m: Marked = run.json();
            Done::Used {
                account: m.account,
                code: m.code,
            }
        }
        exit::REFUSED => {
            let r: Refusal = run.json();
            Done::Refused { account: r.account }
        }
        _ => panic!("use failed\n{run}"),
    }
}

fn issued(run: &common::Run) -> (String, u64, Vec<String>) {
    let i: Issued = run.ok().json();
    (i.account, i.set.id, i.codes)
}

#[test]
fn mixed_concurrent_writers_never_lose_an_update() {
    let env = Env::with_vault();
    let shared = env.generate("shared", 30);
    env.generate("a1", 20);
    let a2 = env.generate("a2", 20);
    env.generate("a3", 5);
    let setup_events = env.log().events.len();

    let results: Vec<Done> = thread::scope(|s| {
        let env = &env;
        let shared = &shared;
        let a2 = &a2;
        let workers = vec![
            // Same account: uses of the first set's codes race regenerations
            // (a revoked code is refused) and hand-outs.
            s.spawn(move || {
                (0..12)
                    .map(|i| use_code(env, "shared", &shared.codes[i]))
                    .collect::<Vec<_>>()
            }),
            s.spawn(move || {
                (0..4)
                    .map(|_| {
                        let (account, set, codes) =
                            issued(&env.run(["regenerate", "shared", "--count", "10", "--json"]));
                        Done::Regenerated {
                            account,
                            set,
                            codes,
                        }
                    })
                    .collect()
            }),
            s.spawn(move || {
                (0..8)
                    .map(|_| {
                        let m = env.next("shared");
                        Done::Next {
                            account: m.account,
                            code: m.code,
                        }
                    })
                    .collect()
            }),
            // Different accounts.
            s.spawn(move || {
                let mut done = Vec::new();
                for i in 0..8 {
                    let m = env.next("a1");
                    done.push(Done::Next {
                        account: m.account,
                        code: m.code,
                    });
                    done.push(use_code(env, "a2", &a2.codes[i]));
                }
                done
            }),
            s.spawn(move || {
                let mut done = Vec::new();
                for i in 0..6 {
                    let name = format!("new-{i}");
                    let (account, set, codes) =
                        issued(&env.run(["generate", &name, "--count", "4", "--json"]));
                    done.push(Done::Generated {
                        account,
                        set,
                        codes,
                    });
                    if i % 2 == 0 {
                        env.run(["revoke", "a3"]).ok();
                        done.push(Done::Revoked {
                            account: "a3".into(),
                        });
                    } else {
                        let (account, set, codes) =
                            issued(&env.run(["generate", "a3", "--count", "5", "--json"]));
                        done.push(Done::Generated {
                            account,
                            set,
                            codes,
                        });
                    }
                }
                done
            }),
        ];
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });

    // The log: one event per command, of its kind and account.
    let log = env.log();
    assert_eq!(
        log.events.len(),
        setup_events + results.len(),
        "events lost or added"
    );
    let mut expected: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for d in &results {
        let (account, kind) = match d {
            Done::Used { account, .. } => (account, "use"),
            Done::Refused { account } => (account, "refused"),
            Done::Next { account, .. } => (account, "next"),
            Done::Regenerated { account, .. } => (account, "regenerate"),
            Done::Generated { account, .. } => (account, "generate"),
            Done::Revoked { account } => (account, "revoke"),
        };
        *expected.entry((account.clone(), kind)).or_default() += 1;
    }
    let mut logged: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for e in &log.events[setup_events..] {
        *logged
            .entry((e.account.clone().unwrap_or_default(), e.event.as_str()))
            .or_default() += 1;
    }
    assert_eq!(logged, expected);

    // The state: every set made is there with its codes, every code handed
    // out or used is marked used, nothing twice.
    let v = final_vault(&env);
    let account = |name: &str| {
        v.accounts()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("{name} is gone"))
    };
    let mut handed = BTreeSet::new();
    for d in &results {
        match d {
            Done::Used { account: a, code } | Done::Next { account: a, code } => {
                assert!(handed.insert(code.clone()), "{code} handed out twice");
                let entry = account(a)
                    .sets
                    .iter()
                    .flat_map(|s| s.codes.iter())
                    .find(|e| e.code.as_str() == code)
                    .cloned()
                    .unwrap_or_else(|| panic!("{a}: a handed-out code is not in the vault"));
                assert!(entry.is_used(), "{a}: a handed-out code is unused");
            }
            Done::Regenerated {
                account: a,
                set,
                codes,
            }
            | Done::Generated {
                account: a,
                set,
                codes,
            } => {
                let acc = account(a);
                let stored = acc
                    .sets
                    .iter()
                    .find(|s| s.id == *set)
                    .unwrap_or_else(|| panic!("{a}: set {set} is lost"));
                let stored: Vec<&str> = stored.codes.iter().map(|e| e.code.as_str()).collect();
                assert_eq!(stored, *codes, "{a}: set {set} holds other codes");
            }
            Done::Refused { .. } | Done::Revoked { .. } => {}
        }
    }
    // Used codes in the vault are exactly those handed out (the setup used
    // none).
    let used_in_vault: BTreeSet<String> = v
        .accounts()
        .flat_map(|(_, a)| a.sets.iter().flat_map(|s| s.codes.iter()))
        .filter(|e| e.is_used())
        .map(|e| e.code.as_str().to_string())
        .collect();
    assert_eq!(used_in_vault, handed);
    // The last regeneration to commit made the active set of `shared`.
    let last_regen = v
        .events()
        .iter()
        .rev()
        .find_map(|e| match (&e.account, &e.kind) {
            (Some(a), EventKind::Regenerate { set, .. }) if a == "shared" => Some(set.number),
            _ => None,
        })
        .unwrap();
    assert_eq!(account("shared").active().map(|s| s.id), Some(last_regen));
    let a1 = env.list().get("a1").clone();
    assert_eq!(a1.remaining, 20 - 8);
    assert!(env.stray_temps().is_empty());
    let refused = results
        .iter()
        .filter(|d| matches!(d, Done::Refused { .. }))
        .count();
    eprintln!(
        "concurrent: {} mixed commands from 5 writers at once ({} refused as revoked or used): \
         every one in the log and in the final state",
        results.len(),
        refused
    );
}
