//! Crash safety and concurrency of the merge and of what this machine
//! remembers: SIGKILL at random moments of `merge` leaves the vault either
//! as it was or fully merged, never half; the memory of what was seen
//! stays whole under kills and under commands running at once.

mod common;
mod inproc;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use codevault::vault::{AccountName, EventKind, Vault};
use common::{Env, PASS, exit};
use inproc::SplitMix;
use rand::SeedableRng;

/// The memory files under the env's home: each must be whole JSON.
fn memories_are_whole(env: &Env) -> usize {
    let dir = env.path("home/.local/state/codevault/seen");
    let Ok(entries) = fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let text = fs::read(&path).unwrap();
            serde_json::from_slice::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{} is torn: {e}", path.display()));
            n += 1;
        }
    }
    n
}

/// The content without merge events: what the union is about.
fn without_merge_events(v: &Vault) -> (String, Vec<String>) {
    let summary = serde_json::to_value(codevault::output::Summary::of(v)).unwrap();
    let mut accounts = summary["accounts"].to_string();
    accounts.push_str(&summary["removed"].to_string());
    let events = v
        .events()
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Merge(_)))
        .map(|e| e.uid.to_string())
        .collect();
    (accounts, events)
}

#[test]
fn sigkill_during_merge_leaves_the_vault_as_it_was_or_fully_merged() {
    let env = Env::new();
    // 400 accounts: a vault of some 100 KB, so the write takes a while;
    // the other copy changed 100 of them.
    let ours = inproc::big_vault(400, 10);
    let mut theirs = ours.clone();
    let mut r = rand::rngs::StdRng::seed_from_u64(9);
    for a in 0..100 {
        let name = AccountName::parse(&format!("account-{a:04}")).unwrap();
        theirs.next(&name, None, &mut r, inproc::when()).unwrap();
    }
    let base = inproc::encrypt(&ours, PASS, inproc::cheap());
    let other_bytes = inproc::encrypt(&theirs, PASS, inproc::cheap());
    let other = env.write("other.cvlt", &other_bytes);
    let mut merged = ours.clone();
    merged.merge(&theirs);
    let want_merged = without_merge_events(&merged);
    let want_before = without_merge_events(&ours);

    let run_merge = || {
        let mut c = env
            .cmd(["merge"])
            .arg(&other)
            .passphrase(PASS)
            .std_command();
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    env.put_back(&base);
    let start = Instant::now();
    assert!(run_merge().status().unwrap().success());
    let took = start.elapsed();

    let mut rng = SplitMix(0x6d65_7267);
    let (mut killed, mut before, mut after) = (0, 0, 0);
    while killed < 20 {
        env.put_back(&base);
        let mut child = run_merge().spawn().unwrap();
        let window = took.as_micros() as u64 * 6 / 5 + 1;
        thread::sleep(Duration::from_micros(rng.below(window)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.signal() == Some(libc::SIGKILL) {
            killed += 1;
        }
        memories_are_whole(&env);
        let now = inproc::open(&env.bytes(), PASS).expect("the vault is whole");
        let got = without_merge_events(&now);
        if got == want_before {
            before += 1;
        } else {
            assert_eq!(got, want_merged, "a half-merged vault");
            after += 1;
        }
        // The memory never refuses the vault the merge left.
        env.run(["list", "--json"]).ok();
        // The other file is never touched.
        assert!(
            fs::read(&other).unwrap() == other_bytes,
            "the other copy changed"
        );
    }
    eprintln!(
        "merge: {killed} kills in a {took:?} run; {before} left the vault as it was, {after} fully merged"
    );
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
    assert_eq!(memories_are_whole(&env), 1);
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
