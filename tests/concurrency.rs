//! Several codevault processes on one vault: writers take turns on the
//! `<vault>.lock` file, readers never wait, and a writer that cannot get the
//! lock gives up with exit 5 instead of hanging.

mod common;

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::thread;
use std::time::{Duration, Instant};

use common::{Env, exit};

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

#[test]
fn four_processes_share_one_set_without_handing_a_code_out_twice() {
    let env = Env::with_vault();
    let issued = env.generate("github", 20);
    let handed: Vec<String> = thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..5)
                        .map(|_| env.next("github").code)
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(handed.len(), 20);
    let distinct: BTreeSet<&String> = handed.iter().collect();
    assert_eq!(distinct.len(), 20, "a code was handed out twice");
    let all: BTreeSet<&String> = issued.codes.iter().collect();
    assert_eq!(distinct, all);

    let row = env.list().get("github").clone();
    assert_eq!((row.remaining, row.total), (0, 20));
    assert!(env.show_all("github").unused().is_empty());
    env.run(["next", "github"]).code(exit::USAGE);
    assert!(env.stray_temps().is_empty());
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
