//! Whole-process benchmarks of the `codevault` binary: `cargo bench`.
//!
//! 1. Unlock ratio: `codevault list` on an empty vault against the reference
//!    `argon2` CLI (Debian package `argon2`) at the same cost, paired run by
//!    run, at 64 MiB and 256 MiB (t = 3, p = 4). Skipped with a note when
//!    `argon2` is not installed.
//! 2. Per-command overhead beyond the key derivation: `list` and `next` on
//!    vaults of 0, 1k, 10k and 100k accounts (built with the same code as
//!    `examples/populate.rs`), minus the same command on the empty vault.
//!    A cheap key derivation keeps its noise out of the difference.
//! 3. Peak memory (max RSS) of each of those processes.
//! 4. Merge: `codevault merge` of two 10,000-account copies that each
//!    changed 100 accounts, minus the same merge of two empty copies (both
//!    derive two keys: the copies have different salts), and the merge
//!    itself in-process (`Vault::merge`, no file, no key).
//! 5. The key agent: `codevault list` on a vault at the default cost with
//!    the key from the agent (after `unlock`), against the same command
//!    deriving the key, paired run by run; and the same command on a vault
//!    at the cheapest cost, as the floor of a process that derives nothing
//!    worth the name.
//!
//! `BENCH_RUNS` sets the runs per measurement (default 15); the median is
//! reported. `cargo bench -- unlock`, `-- overhead`, `-- merge` or
//! `-- agent` runs one part. Nothing here is asserted: the figures go in
//! `docs/performance.md`.
//!
//! The unlock part also times each program alone after 3 s of idleness
//! (`BENCH_IDLE_RUNS`, default 5), as a user meets it: on a virtual machine
//! that hands free memory back to its host, memory freed seconds ago costs
//! more to touch again than memory freed a moment ago, which back-to-back
//! runs never see.

use std::env;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codevault::crypto::KdfParams;
use codevault::secret::Passphrase;
use codevault::session::{self, Keys};
use codevault::store;
use codevault::vault::{AccountName, Vault};
use rand::rngs::SysRng;

const BIN: &str = env!("CARGO_BIN_EXE_codevault");
const PASS: &str = "bench-passphrase";

fn main() {
    // The vaults are written by a child process, this same program: peak
    // RSS is inherited across fork and exec on Linux, so a parent that had
    // derived a 256 MiB key would inflate every child's figure.
    let args: Vec<String> = env::args().collect();
    if args.get(1).map(String::as_str) == Some("--write-copies") {
        let accounts = args[4].parse::<usize>().expect("number");
        write_copies(Path::new(&args[2]), Path::new(&args[3]), accounts);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--write-vault") {
        let n = |i: usize| args[i].parse::<u64>().expect("number");
        let kdf = KdfParams::new(n(4), n(5), n(6)).expect("bounds");
        write_vault(Path::new(&args[2]), n(3) as usize, kdf);
        return;
    }
    let runs: usize = env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let dir = tempfile::tempdir().expect("temp dir");
    println!(
        "codevault benchmarks: {runs} runs each, median; {}",
        machine()
    );
    // `cargo bench` passes `--bench`; any other argument picks a part.
    let parts: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
    let wants = |part: &str| parts.is_empty() || parts.iter().any(|p| p.as_str() == part);
    if wants("unlock") {
        unlock_ratio(dir.path(), runs);
    }
    if wants("overhead") {
        overhead(dir.path(), runs);
    }
    if wants("merge") {
        merge(dir.path(), runs);
    }
    if wants("every-code") {
        every_code(dir.path(), runs);
    }
    if wants("agent") {
        agent(dir.path(), runs);
    }
    if wants("import") {
        import(runs);
    }
}

/// `import::parse` in the process, on texts from a platform's file to the
/// largest a text may be (1 MiB): the reading must stay linear.
fn import(runs: usize) {
    let google = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/Backup-codes-alice.txt"
    ))
    .expect("the Google fixture");
    let mut largest: String = (1..=1000)
        .map(|i| {
            let code = 10_000_000 + i * 7919;
            format!(
                "{i}. {} {}   Call 0800 123 456 or write to someone@example.com on 2026-11-22 (note {i})\n",
                code / 10_000,
                code % 10_000
            )
        })
        .collect();
    while largest.len() < 1_000_000 {
        largest.push_str("Keep these codes safe, they are the only way back in. Page 1 of 1\n");
    }
    let long_line = format!("{}1234", "ABCD ".repeat(200_000));
    println!("import::parse, median of {runs} runs:");
    for (name, text) in [
        ("Google's Backup-codes file", google.as_str()),
        ("1 MiB, 1,000 codes among prose", largest.as_str()),
        ("1 MiB on one line, 200,000 groups", long_line.as_str()),
    ] {
        let times = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let parsed = codevault::import::parse(text, true);
                let took = start.elapsed();
                std::hint::black_box(parsed.ok());
                took
            })
            .collect();
        println!("  {name:<36} {}", ms(median(times)));
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .unwrap_or_else(|_| "unknown".into());
    format!("{cpus} CPUs, transparent huge pages: {}", thp.trim())
}

/// One process run: wall time and peak RSS in KiB.
fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> (Duration, u64) {
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    if let Some(bytes) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("write stdin");
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are
    // to live locals.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "command failed: {cmd:?}"
    );
    std::mem::forget(child); // already reaped by wait4
    (elapsed, usage.ru_maxrss as u64)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn codevault(vault: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("CODEVAULT_PASSPHRASE", PASS)
        .arg("--vault")
        .arg(vault)
        .args(args);
    c
}

/// Writes a vault in a child process (see `main`).
fn make_vault(path: &Path, accounts: usize, kdf: KdfParams) {
    let status = Command::new(env::current_exe().expect("own path"))
        .arg("--write-vault")
        .arg(path)
        .args(
            [
                accounts as u64,
                kdf.memory_mib().into(),
                kdf.iterations().into(),
                kdf.parallelism().into(),
            ]
            .map(|v| v.to_string()),
        )
        .status()
        .expect("spawn the vault writer");
    assert!(status.success(), "writing {} failed", path.display());
}

fn write_vault(path: &Path, accounts: usize, kdf: KdfParams) {
    let now = session::now();
    let mut vault = Vault::new(&mut SysRng, now).expect("new vault");
    for i in 0..accounts {
        let name = AccountName::parse(&format!("acct{i}")).expect("name");
        vault
            .generate(&name, 10, &mut SysRng, now)
            .expect("generate");
        if i % 3 == 0 {
            vault
                .regenerate(&name, 10, &mut SysRng, now)
                .expect("regenerate");
        }
        for _ in 0..3 {
            vault.next(&name, None, &mut SysRng, now).expect("next");
        }
    }
    let keys = Keys::fresh(&Passphrase::new(PASS), kdf).expect("keys");
    let bytes = session::encrypt(&vault, &keys).expect("encrypt");
    let _ = std::fs::remove_file(path);
    let _ = store::create(path, &bytes).expect("write");
}

fn unlock_ratio(dir: &Path, runs: usize) {
    println!("\n## Unlock: codevault list vs reference argon2 CLI (same cost, paired runs)");
    if Command::new("argon2")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        println!("skipped: the reference `argon2` CLI is not installed (apt-get install argon2)");
        return;
    }
    println!(
        "| cost | codevault | argon2 CLI | median ratio of pairs (10th-90th percentile) | codevault peak RSS |"
    );
    println!("|---|---|---|---|---|");
    let idle_runs: usize = env::var("BENCH_IDLE_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut idle = Vec::new();
    for mib in [64u64, 256] {
        let kdf = KdfParams::new(mib, 3, 4).expect("bounds");
        let vault = dir.join(format!("unlock-{mib}.cvlt"));
        make_vault(&vault, 0, kdf);
        let argon = || {
            let mut argon = Command::new("argon2");
            argon.args(["somesaltsomesalt", "-id", "-t", "3", "-p", "4", "-r", "-k"]);
            argon.arg((mib * 1024).to_string());
            argon
        };
        let (mut ours, mut theirs, mut rss) = (Vec::new(), Vec::new(), 0);
        let mut ratios = Vec::new();
        for i in 0..runs + 2 {
            // Each pair in alternating order (ABBA), so that a drift in the
            // machine's state weighs on both programs alike.
            let ((t_ours, r), (t_theirs, _)) = if i % 2 == 0 {
                let ours = run(&mut codevault(&vault, &["list"]), None);
                (ours, run(&mut argon(), Some(b"pass")))
            } else {
                let theirs = run(&mut argon(), Some(b"pass"));
                (run(&mut codevault(&vault, &["list"]), None), theirs)
            };
            if i >= 2 {
                // two warm-up pairs
                ours.push(t_ours);
                theirs.push(t_theirs);
                ratios.push(t_ours.as_secs_f64() / t_theirs.as_secs_f64());
                rss = rss.max(r);
            }
        }
        ratios.sort_by(f64::total_cmp);
        let (a, b) = (median(ours), median(theirs));
        println!(
            "| {mib} MiB, t=3, p=4 | {} | {} | {:.2} (pairs: {:.2}-{:.2}) | {} MiB |",
            ms(a),
            ms(b),
            ratios[ratios.len() / 2],
            ratios[ratios.len() / 10],
            ratios[ratios.len() * 9 / 10],
            rss / 1024
        );
        if idle_runs > 0 {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for _ in 0..idle_runs {
                std::thread::sleep(Duration::from_secs(3));
                ours.push(run(&mut codevault(&vault, &["list"]), None).0);
                std::thread::sleep(Duration::from_secs(3));
                theirs.push(run(&mut argon(), Some(b"pass")).0);
            }
            idle.push((mib, median(ours), median(theirs)));
        }
    }
    if !idle.is_empty() {
        println!("\n## Unlock after 3 s idle, each program alone ({idle_runs} runs, median)");
        println!("| cost | codevault | argon2 CLI | ratio |");
        println!("|---|---|---|---|");
        for (mib, a, b) in idle {
            let ratio = a.as_secs_f64() / b.as_secs_f64();
            println!(
                "| {mib} MiB, t=3, p=4 | {} | {} | {ratio:.2} |",
                ms(a),
                ms(b)
            );
        }
    }
}

fn overhead(dir: &Path, runs: usize) {
    println!("\n## Per-command cost beyond the key derivation (Argon2id 8 MiB, t=1, p=1)");
    println!("| accounts | vault size | list | next | list peak RSS | next peak RSS |");
    println!("|---|---|---|---|---|---|");
    let kdf = KdfParams::new(8, 1, 1).expect("bounds");
    let mut base: Option<(Duration, Duration)> = None;
    for accounts in [0usize, 1_000, 10_000, 100_000] {
        let vault: PathBuf = dir.join(format!("scale-{accounts}.cvlt"));
        make_vault(&vault, accounts, kdf);
        let size = std::fs::metadata(&vault).map(|m| m.len()).unwrap_or(0);
        let (mut list, mut next, mut rss_list, mut rss_next) = (Vec::new(), Vec::new(), 0, 0);
        let fresh = dir.join("fresh.cvlt");
        for i in 0..runs {
            let (t, r) = run(&mut codevault(&vault, &["list"]), None);
            list.push(t);
            rss_list = rss_list.max(r);
            if accounts == 0 {
                // `next` needs an account; on the empty vault, time a
                // one-account vault's next as the baseline instead.
                continue;
            }
            // Each run takes a code from another account, so none runs out.
            let account = format!("acct{}", (i * 7919) % accounts);
            let (t, r) = run(&mut codevault(&vault, &["next", &account]), None);
            next.push(t);
            rss_next = rss_next.max(r);
        }
        if accounts == 0 {
            make_vault(&fresh, 1, kdf);
            for i in 0..runs {
                // 7 unused codes; a fresh vault after each 7 runs.
                if i > 0 && i % 7 == 0 {
                    make_vault(&fresh, 1, kdf);
                }
                let (t, r) = run(&mut codevault(&fresh, &["next", "acct0"]), None);
                next.push(t);
                rss_next = rss_next.max(r);
            }
        }
        let (l, n) = (median(list), median(next));
        let (bl, bn) = *base.get_or_insert((l, n));
        let beyond = |x: Duration, b: Duration| format!("{} (+{})", ms(x), ms(x.saturating_sub(b)));
        println!(
            "| {accounts} | {:.1} MB | {} | {} | {} MiB | {} MiB |",
            size as f64 / 1e6,
            beyond(l, bl),
            beyond(n, bn),
            rss_list / 1024,
            rss_next / 1024
        );
    }
}

/// Two copies of one vault of `accounts` accounts (as `populate` makes
/// them), each with 100 accounts changed by `next` (different ones on each
/// side), sealed under different salts at the cheapest cost.
fn write_copies(ours: &Path, theirs: &Path, accounts: usize) {
    let now = session::now();
    let mut base = Vault::new(&mut SysRng, now).expect("new vault");
    for i in 0..accounts {
        let name = AccountName::parse(&format!("acct{i}")).expect("name");
        base.generate(&name, 10, &mut SysRng, now)
            .expect("generate");
    }
    let changed = |mut v: Vault, from: usize| {
        for i in (from..accounts).take(100) {
            let name = AccountName::parse(&format!("acct{i}")).expect("name");
            v.next(&name, None, &mut SysRng, now).expect("next");
        }
        v
    };
    let a = changed(base.clone(), 0);
    let b = changed(base, accounts / 2);
    let kdf = KdfParams::new(8, 1, 1).expect("bounds");
    for (v, path) in [(a, ours), (b, theirs)] {
        let keys = Keys::fresh(&Passphrase::new(PASS), kdf).expect("keys");
        let bytes = session::encrypt(&v, &keys).expect("encrypt");
        std::fs::write(path, bytes).expect("write");
    }
}

fn merge(dir: &Path, runs: usize) {
    println!("\n## Merge: two copies that each changed 100 accounts (Argon2id 8 MiB, t=1, p=1)");
    println!(
        "| accounts | `codevault merge` | two empty copies | beyond the two derivations | in-process `Vault::merge` |"
    );
    println!("|---|---|---|---|---|");
    let home = dir.join("home");
    for accounts in [0usize, 1_000, 10_000] {
        let ours = dir.join(format!("merge-ours-{accounts}.cvlt"));
        let theirs = dir.join(format!("merge-theirs-{accounts}.cvlt"));
        let status = Command::new(env::current_exe().expect("own path"))
            .arg("--write-copies")
            .arg(&ours)
            .arg(&theirs)
            .arg(accounts.to_string())
            .status()
            .expect("spawn the copies writer");
        assert!(status.success(), "writing the copies failed");
        let original = std::fs::read(&ours).expect("read ours");
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            // Every run merges into the copy as it was, with no memory of it.
            std::fs::write(&ours, &original).expect("restore ours");
            let _ = std::fs::remove_dir_all(&home);
            let mut cmd = codevault(&ours, &["merge"]);
            cmd.env("HOME", &home).arg(&theirs);
            times.push(run(&mut cmd, None).0);
        }
        let took = median(times);
        let pure = in_process_merge(&original, &std::fs::read(&theirs).expect("read theirs"));
        if accounts == 0 {
            BASE.with(|b| b.set(Some(took)));
        }
        let base = BASE.with(|b| b.get()).unwrap_or(took);
        println!(
            "| {accounts} | {} | {} | {} | {} |",
            ms(took),
            ms(base),
            ms(took.saturating_sub(base)),
            ms(pure)
        );
    }
}

thread_local!(static BASE: std::cell::Cell<Option<Duration>> = const { std::cell::Cell::new(None) });

/// The union alone: both copies opened first, then `Vault::merge` timed
/// (median of 5).
fn in_process_merge(ours: &[u8], theirs: &[u8]) -> Duration {
    let path = Path::new("bench");
    let pass = Passphrase::new(PASS);
    let (a, _) = session::open(path, ours.to_vec(), &pass).expect("open ours");
    let (b, _) = session::open(path, theirs.to_vec(), &pass).expect("open theirs");
    let times = (0..5)
        .map(|_| {
            let mut v = a.clone();
            let start = Instant::now();
            let report = v.merge(&b);
            let took = start.elapsed();
            std::hint::black_box(report);
            took
        })
        .collect();
    median(times)
}
/// The commands that show every code of the vault at once: every sheet
/// (`show --sheet`) and `export`, each to a new file.
fn every_code(dir: &Path, runs: usize) {
    println!("\n## Every code at once (Argon2id 8 MiB, t=1, p=1)");
    println!(
        "| accounts | show --sheet | export | export size | sheets peak RSS | export peak RSS |"
    );
    println!("|---|---|---|---|---|---|");
    let kdf = KdfParams::new(8, 1, 1).expect("bounds");
    for accounts in [1_000usize, 10_000] {
        let vault: PathBuf = dir.join(format!("every-{accounts}.cvlt"));
        make_vault(&vault, accounts, kdf);
        let (mut sheets, mut export, mut rss_sheets, mut rss_export) =
            (Vec::new(), Vec::new(), 0, 0);
        let mut size = 0;
        for i in 0..runs {
            let (t, r) = run(&mut codevault(&vault, &["show", "--sheet"]), None);
            sheets.push(t);
            rss_sheets = rss_sheets.max(r);
            let out = dir.join(format!("export-{accounts}-{i}.json"));
            let (t, r) = run(codevault(&vault, &["export", "--output"]).arg(&out), None);
            export.push(t);
            rss_export = rss_export.max(r);
            size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            let _ = std::fs::remove_file(&out);
        }
        println!(
            "| {accounts} | {} | {} | {:.1} MB | {} MiB | {} MiB |",
            ms(median(sheets)),
            ms(median(export)),
            size as f64 / 1e6,
            rss_sheets / 1024,
            rss_export / 1024
        );
    }
}

fn agent(dir: &Path, runs: usize) {
    println!("\n## A command through the key agent vs deriving the key (paired runs)");
    let runtime = dir.join("run");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    let vault = dir.join("agent-default.cvlt");
    make_vault(&vault, 10, KdfParams::DEFAULT);
    let cheap = dir.join("agent-cheap.cvlt");
    make_vault(&cheap, 10, KdfParams::new(8, 1, 1).expect("bounds"));
    let with_runtime = |mut c: Command| {
        c.env("XDG_RUNTIME_DIR", &runtime);
        c
    };
    run(
        &mut with_runtime(codevault(&vault, &["unlock", "--timeout", "1h"])),
        None,
    );
    // The agent's run: no passphrase anywhere, the key from the agent.
    let through_agent = || {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("XDG_RUNTIME_DIR", &runtime)
            .arg("--vault")
            .arg(&vault)
            .arg("list");
        c
    };
    let deriving = || with_runtime(codevault(&vault, &["list"]));
    let floor = || with_runtime(codevault(&cheap, &["list"]));
    let (mut a, mut d, mut f, mut shares) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs + 2 {
        let (ta, td) = if i % 2 == 0 {
            let ta = run(&mut through_agent(), None).0;
            (ta, run(&mut deriving(), None).0)
        } else {
            let td = run(&mut deriving(), None).0;
            (run(&mut through_agent(), None).0, td)
        };
        let tf = run(&mut floor(), None).0;
        if i >= 2 {
            a.push(ta);
            d.push(td);
            f.push(tf);
            shares.push(ta.as_secs_f64() / td.as_secs_f64());
        }
    }
    run(&mut with_runtime(codevault(&vault, &["lock"])), None);
    shares.sort_by(f64::total_cmp);
    println!(
        "| list, 10 accounts, default cost | through the agent | deriving the key | agent / deriving: median (10th-90th percentile) | cheapest cost (8 MiB, t=1) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| whole process | {} | {} | {:.1}% ({:.1}-{:.1}%) | {} |",
        ms(median(a)),
        ms(median(d)),
        shares[shares.len() / 2] * 100.0,
        shares[shares.len() / 10] * 100.0,
        shares[shares.len() * 9 / 10] * 100.0,
        ms(median(f)),
    );
}
