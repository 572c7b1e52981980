//! Several codevault processes on one vault: writers take turns on the
//! `<vault>.lock` file, readers never wait, a writer that cannot get the
//! lock gives up with exit 5 instead of hanging, and concurrent writers lose
//! nothing: every command that exited 0 is in the log and in the final
//! state, and every refused one is logged as refused. The figures: 4
//! processes × 25 `next` on one set of 100, and a mix of `use`, `next`,
//! `regenerate`, `generate` and `revoke` on the same account and on
//! different ones, all at once.

use crate::common;
use crate::inproc;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::fs::{File, OpenOptions};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Env, Issued, Marked, PASS, Refusal, exit};
use codevault::vault::{EventKind, Vault};

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
    assert!(env.show_all("shared").unused().is_empty());
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

// ------------------------------------------------------- the lock's wait

/// Holds the writers' lock on the vault as another codevault would,
/// until the returned file is dropped.
fn hold_lock(env: &Env) -> File {
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(env.lock_path())
        .unwrap();
    lock.lock().unwrap();
    lock
}

/// The one slow test of the suite: a writer waits 10 s for the lock.
#[test]
fn a_held_lock_makes_writers_wait_then_fail_and_lets_readers_through() {
    let env = Env::with_vault();
    let issued = env.generate("github", 5);

    let lock = hold_lock(&env);
    let before = env.bytes();

    // Readers take no lock.
    env.run(["list"]).ok();
    env.run(["show", "github", "--all"]).ok();
    env.run(["check", &issued.codes[0], "github"]).ok();
    env.run(["log"]).ok();

    // A writer waits, then gives up.
    let start = Instant::now();
    let run = env.run(["next", "github"]);
    let waited = start.elapsed();
    run.fails(exit::FAILURE, "locked").hint_says("try again");
    assert!(run.stdout.is_empty(), "no code was handed out\n{run}");
    assert!(
        waited >= Duration::from_secs(9),
        "gave up after {waited:?}, before waiting"
    );
    env.assert_unchanged(&before);
    assert!(env.stray_temps().is_empty());

    drop(lock);
    assert_eq!(env.next("github").code, issued.codes[0]);
}

/// A `passwd` that lands while a writer waits for the lock: the writer,
/// which read the vault under the old passphrase, says the passphrase was
/// changed meanwhile (exit 3) instead of calling it wrong, and writes
/// nothing.
#[test]
fn a_writer_that_waited_through_a_passwd_says_so() {
    let env = Env::with_vault();
    env.generate("github", 5);
    let before = env.bytes();
    env.cmd(["passwd"])
        .env("CODEVAULT_NEW_PASSPHRASE", "a new passphrase")
        .passphrase(common::PASS)
        .run()
        .ok();
    let rekeyed = env.bytes();
    std::fs::write(env.vault(), &before).unwrap();

    let lock = hold_lock(&env);
    let run = thread::scope(|s| {
        let writer = s.spawn(|| env.run(["next", "github"]));
        // Time for the writer to read the vault and reach the lock (it
        // waits up to 10 s there); a synchronisation, not a measurement.
        thread::sleep(Duration::from_secs(2));
        std::fs::write(env.vault(), &rekeyed).unwrap();
        drop(lock);
        writer.join().unwrap()
    });
    run.fails(
        exit::WRONG_PASSPHRASE,
        "changed by another codevault command",
    )
    .hint_says("run the command again");
    assert!(run.stdout.is_empty(), "no code was handed out\n{run}");
    env.assert_unchanged(&rekeyed);
}

#[test]
fn the_memory_stays_whole_and_current_under_concurrent_commands() {
    let env = Env::with_vault();
    for a in ["a", "b", "c"] {
        env.generate(a, 20);
    }
    let handles: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|account| {
            let cmd = env.cmd(["next", account]).passphrase(PASS);
            let mut std = cmd.std_command();
            thread::spawn(move || {
                for _ in 0..4 {
                    let out = std.output().unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    // Readers at the same time remember too.
    for _ in 0..4 {
        env.run(["list"]).ok();
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(env.memories_are_whole(), 1);
    // What is remembered is the newest state: the vault opens, and the
    // state before the last write is refused as an older copy.
    env.run(["list"]).ok();
    let current = env.bytes();
    env.next("a");
    let newest = env.bytes();
    fs::write(env.vault(), &current).unwrap();
    env.run(["list"]).code(exit::DAMAGED);
    fs::write(env.vault(), &newest).unwrap();
    env.run(["list"]).ok();
}
