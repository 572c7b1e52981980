//! Crash safety: `codevault` killed with SIGKILL at random moments of its
//! writes leaves a vault that opens and holds the state of some command
//! that completed, never half of one; a temp file it leaves behind is
//! private and is removed by the next writer.
//!
//! The kill delays come from a seeded generator and spread over each
//! command's whole run (measured on this machine as the test goes), so some
//! kills land before the write, some between the temp file's creation and
//! the rename, and some after. A vault of thousands of codes makes the
//! write long enough to hit. After every kill the vault is opened twice:
//! by the binary (`list --json`, exit 0) and in-process, where the state
//! is compared with the one before the command: either unchanged, or
//! changed by exactly that command (one more event of its kind, the
//! change it makes, nothing else).

use crate::common;
use crate::inproc;

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Env, PASS, exit, mode};
use crate::inproc::SplitMix;
use codevault::crypto::KdfParams;
use codevault::envelope;
use codevault::vault::{Account, AccountName, EventKind, Vault};
use rand::SeedableRng;

/// Kills to make; the test stops earlier at [`DEADLINE`] and says so.
const KILLS: usize = 200;
const DEADLINE: Duration = Duration::from_secs(60);
const SEED: u64 = 0x00c0_ffee;

/// What was started, to know what its effect must be.
#[derive(Clone, Debug)]
enum Op {
    Next(String),
    Use(String, String),
    Regenerate(String),
    Revoke(String),
    Generate(String),
    Import(String, Vec<String>),
    Passwd(KdfParams),
    Remove(String),
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::Next(_) => "next",
            Op::Use(..) => "use",
            Op::Regenerate(_) => "regenerate",
            Op::Revoke(_) => "revoke",
            Op::Generate(_) => "generate",
            Op::Import(..) => "import",
            Op::Passwd(k) if *k == KdfParams::DEFAULT => "passwd --upgrade",
            Op::Passwd(_) => "passwd",
            Op::Remove(_) => "remove",
        }
    }

    fn args(&self, env: &Env) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        match self {
            Op::Next(a) => s(&["next", a, "--json"]),
            Op::Use(a, c) => s(&["use", a, c]),
            Op::Regenerate(a) => s(&["regenerate", a, "--count", "10"]),
            Op::Revoke(a) => s(&["revoke", a]),
            Op::Generate(a) => s(&["generate", a, "--count", "10"]),
            Op::Import(a, codes) => {
                let file = env.write("import.txt", codes.join("\n") + "\n");
                let mut v = s(&["import", a, "--replace", "--file"]);
                v.push(file.display().to_string());
                v
            }
            Op::Passwd(k) if *k == KdfParams::DEFAULT => s(&["passwd", "--upgrade"]),
            Op::Passwd(k) => s(&[
                "passwd",
                "--kdf-memory",
                &k.memory_mib().to_string(),
                "--kdf-iterations",
                &k.iterations().to_string(),
                "--kdf-parallelism",
                &k.parallelism().to_string(),
            ]),
            Op::Remove(a) => s(&["remove", a, "--yes"]),
        }
    }
}

/// The vault as it is on disk: its cost and its contents.
#[derive(Clone)]
struct State {
    kdf: KdfParams,
    vault: Vault,
}

fn state(env: &Env) -> State {
    let bytes = env.bytes();
    let kdf = envelope::decode(&bytes)
        .unwrap_or_else(|e| panic!("the vault is not whole: {e}"))
        .header
        .kdf;
    let vault =
        inproc::open(&bytes, PASS).unwrap_or_else(|e| panic!("the vault does not open: {e}"));
    State { kdf, vault }
}

fn accounts_but(v: &Vault, name: &str) -> Vec<(String, Account)> {
    v.accounts()
        .filter(|(n, _)| *n != name)
        .map(|(n, a)| (n.to_string(), a.clone()))
        .collect()
}

fn account<'v>(v: &'v Vault, name: &str) -> Option<&'v Account> {
    v.accounts().find(|(n, _)| *n == name).map(|(_, a)| a)
}

/// Whether `cur` is `prev` changed by exactly `op`.
fn is_effect_of(op: &Op, prev: &State, cur: &State) -> Result<(), String> {
    let (p, c) = (&prev.vault, &cur.vault);
    if c.events().len() != p.events().len() + 1 || c.events()[..p.events().len()] != *p.events() {
        return Err("the log is not the old log and one more event".into());
    }
    let last = &c.events().last().unwrap().kind;
    let target = match op {
        Op::Passwd(k) => {
            if cur.kdf != *k || !matches!(last, EventKind::Passwd { .. }) {
                return Err(format!("passwd: cost {} event {last:?}", cur.kdf));
            }
            return if c.accounts().eq(p.accounts()) {
                Ok(())
            } else {
                Err("passwd changed the accounts".into())
            };
        }
        Op::Next(a)
        | Op::Use(a, _)
        | Op::Regenerate(a)
        | Op::Revoke(a)
        | Op::Generate(a)
        | Op::Import(a, _)
        | Op::Remove(a) => a,
    };
    if cur.kdf != prev.kdf {
        return Err("the cost changed".into());
    }
    if accounts_but(p, target) != accounts_but(c, target) {
        return Err(format!("an account other than {target} changed"));
    }
    let before = account(p, target);
    let after = account(c, target);
    let sets = |a: Option<&Account>| a.map_or(0, |a| a.sets.len());
    let ok = match (op, last) {
        (Op::Next(_), EventKind::Next { .. }) | (Op::Use(..), EventKind::Use { .. }) => {
            let (b, a) = (before.unwrap(), after.unwrap());
            let changed: Vec<usize> = (0..b.sets.len())
                .filter(|&i| b.sets[i] != a.sets[i])
                .collect();
            let used = |acc: &Account| acc.active().map_or(0, |s| s.codes.len() - s.remaining());
            sets(before) == sets(after) && changed.len() == 1 && used(a) == used(b) + 1
        }
        (Op::Regenerate(_), EventKind::Regenerate { .. })
        | (Op::Generate(_), EventKind::Generate { .. }) => {
            let a = after.unwrap();
            sets(after) == sets(before) + 1
                && a.active()
                    .is_some_and(|s| s.codes.len() == 10 && s.remaining() == 10)
                && a.sets[..a.sets.len() - 1]
                    .iter()
                    .all(|s| s.revoked.is_some())
        }
        (Op::Import(_, codes), EventKind::Import { .. }) => {
            let a = after.unwrap();
            let stored: Vec<&str> = a
                .active()
                .map(|s| s.codes.iter().map(|e| e.code.as_str()).collect())
                .unwrap_or_default();
            sets(after) == sets(before) + 1 && stored == *codes
        }
        (Op::Revoke(_), EventKind::Revoke { .. }) => {
            let (b, a) = (before.unwrap(), after.unwrap());
            b.active().is_some() && a.active().is_none() && sets(after) == sets(before)
        }
        (Op::Remove(_), EventKind::Remove { .. }) => before.is_some() && after.is_none(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{target}: not the effect of {op:?} (event {last:?})"
        ))
    }
}

/// Picks the next command from the state, so that every command is valid
/// and can only succeed or be killed.
fn pick(rng: &mut SplitMix, s: &State, imported: &mut u32, made: &mut u32) -> Op {
    let names: Vec<&str> = s.vault.accounts().map(|(n, _)| n).collect();
    let any = |rng: &mut SplitMix| names[rng.below(names.len() as u64) as usize].to_string();
    let with_codes: Vec<&str> = s
        .vault
        .accounts()
        .filter(|(_, a)| a.active().is_some_and(|s| s.remaining() > 0))
        .map(|(n, _)| n)
        .collect();
    let roll = rng.below(100);
    match roll {
        0..30 if !with_codes.is_empty() => {
            Op::Next(with_codes[rng.below(with_codes.len() as u64) as usize].to_string())
        }
        30..48 if !with_codes.is_empty() => {
            let name = with_codes[rng.below(with_codes.len() as u64) as usize];
            let set = account(&s.vault, name).unwrap().active().unwrap();
            let unused: Vec<&str> = set
                .codes
                .iter()
                .filter(|e| !e.is_used())
                .map(|e| e.code.as_str())
                .collect();
            let code = unused[rng.below(unused.len() as u64) as usize].to_string();
            Op::Use(name.to_string(), code)
        }
        48..62 => Op::Regenerate(any(rng)),
        62..74 => {
            let name = any(rng);
            match account(&s.vault, &name).unwrap().active() {
                Some(_) => Op::Revoke(name),
                None => Op::Generate(name),
            }
        }
        74..84 => {
            let codes = (0..10)
                .map(|_| {
                    *imported += 1;
                    format!("9{:07}", *imported)
                })
                .collect();
            Op::Import(any(rng), codes)
        }
        84..94 => {
            let costs = [(9, 1, 1), (8, 1, 1), (8, 2, 1), (8, 1, 2), (10, 1, 1)];
            let (m, i, p) = costs[rng.below(costs.len() as u64) as usize];
            Op::Passwd(KdfParams::new(m, i, p).unwrap())
        }
        94..96 => Op::Passwd(KdfParams::DEFAULT),
        96..98 if names.len() > 20 => Op::Remove(any(rng)),
        _ => {
            *made += 1;
            Op::Generate(format!("new-{made:04}"))
        }
    }
}

/// Runs `op` to its end without a kill, timing the process alone (no
/// harness around it): the kill window of its kind.
fn complete(env: &Env, op: &Op) -> Duration {
    let start = Instant::now();
    let status = env
        .cmd(op.args(env))
        .umask0()
        .passphrase(PASS)
        .std_command()
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{op:?}");
    start.elapsed()
}

/// The temp files beside the vault must be private, whoever left them.
fn temps_are_private(env: &Env) -> usize {
    let temps = env.stray_temps();
    for t in &temps {
        assert_eq!(mode(t), 0o600, "{} is not private", t.display());
    }
    temps.len()
}

/// A write that always completes and touches no code: a refused `use`
/// goes into the log. The next writer after a crash must clear temps.
fn a_clean_write(env: &Env, account: &str) {
    env.cmd(["use", account, "00000000"])
        .umask0()
        .passphrase(PASS)
        .run()
        .code(exit::REFUSED);
    assert!(
        env.stray_temps().is_empty(),
        "the next write left a temp file: {:?}",
        env.stray_temps()
    );
}

/// Tells when a temp file appears in the vault's directory (inotify), so
/// that some kills can be aimed at the write itself.
struct TempWatch {
    fd: libc::c_int,
    prefix: Vec<u8>,
}

impl TempWatch {
    fn new(vault: &Path) -> TempWatch {
        let dir =
            std::ffi::CString::new(vault.parent().unwrap().as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: plain system calls; the path is a valid C string.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        assert!(
            fd >= 0,
            "inotify_init1: {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: as above.
        let wd = unsafe { libc::inotify_add_watch(fd, dir.as_ptr(), libc::IN_CREATE) };
        assert!(
            wd >= 0,
            "inotify_add_watch: {}",
            std::io::Error::last_os_error()
        );
        let name = vault.file_name().unwrap().to_string_lossy();
        TempWatch {
            fd,
            prefix: format!(".{name}.tmp-").into_bytes(),
        }
    }

    /// Reads the pending events; whether a temp file was created.
    fn drain(&self) -> bool {
        let mut seen = false;
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: reads into a buffer we own, of the length given.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return seen;
            }
            let mut at = 0;
            let head = std::mem::size_of::<libc::inotify_event>();
            while at + head <= n as usize {
                let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()) as usize;
                let name = &buf[at + head..at + head + len];
                seen |= name.starts_with(&self.prefix);
                at += head + len;
            }
        }
    }

    /// Waits up to `timeout` for a temp file to be created.
    fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.drain() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            let mut pfd = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as libc::c_int) };
        }
    }
}

impl Drop for TempWatch {
    fn drop(&mut self) {
        // SAFETY: our own descriptor, closed once.
        unsafe { libc::close(self.fd) };
    }
}

#[derive(Default, Debug)]
struct Tally {
    attempts: usize,
    killed: usize,
    aimed: usize,
    mid_write: usize,
    killed_after_commit: usize,
    finished_first: usize,
    uncut: usize,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

#[test]
fn sigkill_during_writes_never_loses_the_vault() {
    let env = Env::new();
    // 60 accounts of 50 codes: a vault of some 40 KB, so the write and its
    // fsync take a while.
    let big = inproc::big_vault(60, 50);
    fs::write(env.vault(), inproc::encrypt(&big, PASS, inproc::cheap())).unwrap();
    env.run(["list", "--json"]).ok();
    let watch = TempWatch::new(env.vault());
    let mut rng = SplitMix(SEED);
    let mut prev = state(&env);
    let mut prev_bytes = env.bytes();
    let (mut imported, mut made) = (0, 0);
    let mut durations: std::collections::BTreeMap<&'static str, Duration> = Default::default();
    let mut tally = Tally::default();
    let start = Instant::now();

    while tally.killed < KILLS && start.elapsed() < DEADLINE {
        let op = pick(&mut rng, &prev, &mut imported, &mut made);
        let mut killed = false;
        let mut delay = Duration::ZERO;
        // The first of each kind, and one in ten, runs whole: its time sets
        // the kill window of its kind.
        let took = match durations.get(op.kind()) {
            Some(&took) if rng.below(10) != 0 => Some(took),
            _ => None,
        };
        if let Some(took) = took {
            tally.attempts += 1;
            watch.drain();
            let mut child = env
                .cmd(op.args(&env))
                .umask0()
                .passphrase(PASS)
                .std_command()
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            if rng.below(2) == 0 {
                // Anywhere in the run and a little past it.
                let window = took.as_micros() as u64 * 6 / 5 + 1;
                delay = Duration::from_micros(rng.below(window));
            } else {
                // Aimed: within 2 ms of the temp file's creation.
                tally.aimed += 1;
                watch.wait(took * 2);
                delay = Duration::from_micros(rng.below(2000));
            }
            thread::sleep(delay);
            let _ = child.kill();
            let status = child.wait().unwrap();
            killed = status.signal() == Some(libc::SIGKILL);
            if killed {
                tally.killed += 1;
                *tally.by_kind.entry(op.kind()).or_default() += 1;
            } else {
                assert_eq!(status.code(), Some(0), "{op:?} failed on its own");
                tally.finished_first += 1;
            }
        } else {
            durations.insert(op.kind(), complete(&env, &op));
            tally.uncut += 1;
        }
        let temps = temps_are_private(&env);
        if temps > 0 {
            tally.mid_write += 1;
        }

        // The vault opens, to the binary and in-process, and is private.
        env.cmd(["list", "--json"])
            .umask0()
            .passphrase(PASS)
            .run()
            .ok();
        assert_eq!(mode(env.vault()), 0o600);
        let bytes = env.bytes();
        if bytes != prev_bytes {
            let cur = state(&env);
            if let Err(why) = is_effect_of(&op, &prev, &cur) {
                panic!("after killing {op:?} at {delay:?}: {why}");
            }
            if killed {
                tally.killed_after_commit += 1;
            }
            prev = cur;
        } else {
            assert!(killed, "{op:?} exited 0 and changed nothing");
        }
        if temps > 0 {
            let name = prev.vault.accounts().next().unwrap().0.to_string();
            a_clean_write(&env, &name);
            prev = state(&env);
        }
        // A strong cost makes every later run slow: go back to the cheap one.
        if prev.kdf == KdfParams::DEFAULT {
            complete(&env, &Op::Passwd(inproc::cheap()));
            prev = state(&env);
        }
        prev_bytes = env.bytes();
    }

    let name = prev.vault.accounts().next().unwrap().0.to_string();
    a_clean_write(&env, &name);
    eprintln!(
        "crash: {} SIGKILLs in {} attempts ({} aimed at the temp file) in {:.1} s: \
         {} left a temp file (killed mid-write), {} killed after the rename, \
         {} finished before the kill, {} more runs uncut; kills by command {:?}; \
         uncut run times {:?}",
        tally.killed,
        tally.attempts,
        tally.aimed,
        start.elapsed().as_secs_f64(),
        tally.mid_write,
        tally.killed_after_commit,
        tally.finished_first,
        tally.uncut,
        tally.by_kind,
        durations
    );
    if tally.killed < KILLS {
        eprintln!(
            "crash: WARNING: stopped at the {DEADLINE:?} deadline after {} of {KILLS} kills",
            tally.killed
        );
    }
    assert!(
        tally.killed >= 50,
        "too few kills to mean anything: {tally:?}"
    );
    assert!(
        tally.mid_write > 0,
        "no kill landed between temp file and rename; the windows are off: {tally:?}"
    );
}

/// The temp files in a vault's directory.
fn temps_beside(vault: &Path) -> Vec<PathBuf> {
    fs::read_dir(vault.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .map(|e| e.path())
        .collect()
}

/// `init` killed at any moment leaves either no vault or a whole one, and
/// the next `init` at another path (or the same, once free) works; a temp
/// file it left is cleared by the next write.
#[test]
fn sigkill_during_init_leaves_no_vault_or_a_whole_one() {
    let env = Env::new();
    let mut rng = SplitMix(SEED ^ 1);
    let mut outcomes = [0usize; 3]; // none, whole, finished
    let init = |path: &Path| {
        env.cmd(["--vault"])
            .arg(path)
            .arg("init")
            .args(common::CHEAP_KDF)
            .no_vault()
            .umask0()
            .new_passphrase(PASS)
    };
    let probe = env.path("probe/v.cvlt");
    let start = Instant::now();
    init(&probe).run().ok();
    let took = start.elapsed().as_micros() as u64;
    for i in 0..30 {
        let path = env.path(format!("d{i}/sub/v.cvlt"));
        let mut child = init(&path)
            .std_command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        thread::sleep(Duration::from_micros(rng.below(took * 6 / 5 + 1)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if path.exists() {
            let bytes = fs::read(&path).unwrap();
            inproc::open(&bytes, PASS).expect("a killed init left a vault that does not open");
            assert_eq!(mode(&path), 0o600);
            outcomes[if status.signal().is_some() { 1 } else { 2 }] += 1;
            if status.signal().is_some() {
                // Killed between linking the vault into place and removing
                // its temp file, init leaves the temp behind (the same
                // inode): private, and the next writer clears it.
                for temp in temps_beside(&path) {
                    assert_eq!(mode(&temp), 0o600, "{}", temp.display());
                }
                env.cmd(["--vault"])
                    .arg(&path)
                    .args(["generate", "github", "--count", "1"])
                    .no_vault()
                    .passphrase(PASS)
                    .run()
                    .ok();
            }
        } else {
            outcomes[0] += 1;
            // The path is free: a new init there works and leaves no temp.
            init(&path).run().ok();
        }
        let dir = path.parent().unwrap();
        let leftovers = temps_beside(&path);
        assert!(leftovers.is_empty(), "{leftovers:?}");
        for d in [env.path(format!("d{i}")), dir.to_path_buf()] {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
    }
    eprintln!(
        "crash: 30 kills of init: {} left no vault, {} a whole vault, {} finished first",
        outcomes[0], outcomes[1], outcomes[2]
    );
}

// ------------------------------------------------------------ merge

/// The content without merge events: what the union is about.
fn without_merge_events(v: &Vault) -> (String, Vec<String>) {
    let summary = serde_json::to_value(codevault::output::Summary::of(v, 2)).unwrap();
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
        env.memories_are_whole();
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
