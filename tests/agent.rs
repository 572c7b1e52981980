//! The key agent end to end: `unlock`, `lock`, the commands that take the
//! key from the agent, and what the agent refuses.
//!
//! Every test has its own `XDG_RUNTIME_DIR` inside its temp directory, so
//! its agent is its own; [`Agented`] kills every agent started for that
//! directory when the test ends, passed or failed. Raw protocol messages
//! are written by hand here, byte by byte, as an outside program would.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// A vault and a private runtime directory; the agents it started die with
/// it.
struct Agented {
    env: Env,
    runtime: PathBuf,
}

impl Agented {
    fn new() -> Agented {
        let env = Env::with_vault();
        let runtime = env.path("run");
        fs::create_dir(&runtime).unwrap();
        fs::set_permissions(&runtime, fs::Permissions::from_mode(0o700)).unwrap();
        Agented { env, runtime }
    }

    /// A command with this test's runtime directory and no passphrase.
    fn cmd<I, S>(&self, args: I) -> Cmd<'_>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.env.cmd(args).env("XDG_RUNTIME_DIR", &self.runtime)
    }

    /// `unlock` with the passphrase in the environment; asserted to work.
    fn unlock(&self, extra: &[&str]) -> Run {
        let run = self.cmd(["unlock"]).args(extra).passphrase(PASS).run();
        run.ok();
        run
    }

    /// `list --json` with no passphrase source at all.
    fn list_without_passphrase(&self) -> Run {
        self.cmd(["list", "--json"]).run()
    }

    fn dir(&self) -> PathBuf {
        self.runtime.join("codevault")
    }

    fn socket(&self) -> PathBuf {
        self.dir().join("agent.sock")
    }

    /// The live agents started for a directory inside this test's temp
    /// directory, by their command line (`codevault --run-agent DIR`).
    fn agents(&self) -> Vec<i32> {
        let within = self.env.dir().as_os_str().as_encoded_bytes();
        let mut found = Vec::new();
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let is_ours = args
                .windows(2)
                .any(|w| w[0] == b"--run-agent" && w[1].starts_with(within));
            if is_ours && !is_zombie(pid) {
                found.push(pid);
            }
        }
        found
    }

    /// The one agent; fails the test if there is not exactly one.
    #[track_caller]
    fn agent(&self) -> i32 {
        let agents = self.wait_for_agents(1);
        assert_eq!(agents.len(), 1, "agents: {agents:?}");
        agents[0]
    }

    /// Waits (up to 5 s) until `n` agents run; returns those that do.
    fn wait_for_agents(&self, n: usize) -> Vec<i32> {
        let start = Instant::now();
        loop {
            let agents = self.agents();
            if agents.len() == n || start.elapsed() > Duration::from_secs(5) {
                return agents;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The key id of the vault as it is now: cost, salt, key check.
    fn key_id(&self) -> Vec<u8> {
        let b = self.env.bytes();
        [&b[12..24], &b[25..57], &b[82..114]].concat()
    }
}

impl Drop for Agented {
    fn drop(&mut self) {
        for pid in self.agents() {
            signal(pid, libc::SIGKILL);
        }
    }
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) with a pid this test found and a signal number; no
    // pointers.
    unsafe { libc::kill(pid, sig) };
}

fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'))
        })
        .unwrap_or(true)
}

/// A protocol frame: length, version 1, operation, payload.
fn frame(op: u8, payload: &[u8]) -> Vec<u8> {
    let mut body = vec![1, op];
    body.extend_from_slice(payload);
    let mut f = (body.len() as u32).to_be_bytes().to_vec();
    f.extend(body);
    f
}

const GET: u8 = 1;
const KEY: u8 = 0x81;

/// Sends bytes on a new connection and returns all the agent sent back
/// before it closed (or before 5 s).
fn exchange(socket: &Path, bytes: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).expect("connect to the agent");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // An agent that refuses the connection may close it before the
    // request is written: then there is nothing to read either.
    if s.write_all(bytes).is_err() {
        return Vec::new();
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    answer
}

// ------------------------------------------------------------------ tests

#[test]
fn after_unlock_commands_need_no_passphrase_until_lock() {
    let a = Agented::new();
    a.env.generate("github", 10);
    let before = a.list_without_passphrase();
    before.fails(exit::USAGE, "no passphrase given");

    let unlocked = a.unlock(&[]);
    assert!(unlocked.stdout.contains("10m"), "{unlocked}");
    // Reads, a write, and several sheets: one passphrase for all.
    let list: AccountList = a.list_without_passphrase().ok().json();
    assert_eq!(list.names(), ["github"]);
    let marked: Marked = a.cmd(["next", "github", "--json"]).run().ok().json();
    assert_eq!(marked.remaining, 9);
    a.cmd(["generate", "gitlab"]).run().ok();
    for account in ["github", "gitlab"] {
        let sheet = a.cmd(["show", "--sheet", account]).run();
        sheet.ok();
        assert!(codes_in(&sheet.stdout).len() >= 10, "{sheet}");
    }

    let locked = a.cmd(["lock", "--json"]).run();
    let v: serde_json::Value = locked.ok().json();
    assert_eq!(v["keys"], 1, "{locked}");
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
    assert!(a.wait_for_agents(0).is_empty(), "the agent outlived lock");
}

#[test]
fn a_key_unused_for_its_timeout_is_forgotten() {
    let a = Agented::new();
    a.unlock(&["--timeout", "2s"]);
    a.list_without_passphrase().ok();
    thread::sleep(Duration::from_millis(3500));
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
    // Its only key gone, the agent is gone too.
    assert!(
        a.wait_for_agents(0).is_empty(),
        "the agent outlived its keys"
    );
}

#[test]
fn a_bad_timeout_is_refused_before_anything_is_asked() {
    let a = Agented::new();
    let before = a.env.bytes();
    for bad in ["soon", "0s", "25h", "10"] {
        a.cmd(["unlock", "--timeout", bad])
            .passphrase(PASS)
            .run()
            .fails(exit::USAGE, "--timeout");
    }
    a.env.assert_unchanged(&before);
    assert!(a.agents().is_empty(), "an agent started for a bad timeout");
}

#[test]
fn unlock_again_refreshes_without_a_passphrase() {
    let a = Agented::new();
    a.unlock(&["--timeout", "3s"]);
    let again = a.cmd(["unlock", "--timeout", "30m"]).run();
    again.ok();
    assert!(again.stdout.contains("30m"), "{again}");
    thread::sleep(Duration::from_millis(4000));
    // The 30-minute timeout replaced the 3-second one.
    a.list_without_passphrase().ok();
}

#[test]
fn agent_off_ignores_it_and_explicit_passphrases_win() {
    let a = Agented::new();
    a.unlock(&[]);
    a.cmd(["list"])
        .env("CODEVAULT_AGENT", "off")
        .run()
        .fails(exit::USAGE, "no passphrase given");
    a.cmd(["unlock"])
        .env("CODEVAULT_AGENT", "off")
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "CODEVAULT_AGENT=off");
    // A wrong passphrase given explicitly is used, and refused, although
    // the agent holds the right key.
    a.cmd(["list"])
        .passphrase("not the passphrase")
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    let file = a.env.passphrase_file("wrong.txt", "also not it\n");
    a.cmd(["list", "--passphrase-file"])
        .arg(&file)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    a.list_without_passphrase().ok();
    // Forgetting is safe: `lock` works with the agent "off".
    a.cmd(["lock"]).env("CODEVAULT_AGENT", "off").run().ok();
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
}

/// Only `unlock` hands a key to the agent: a command that derived the key
/// from a passphrase keeps it to itself.
#[test]
fn a_command_with_a_passphrase_starts_no_agent() {
    let a = Agented::new();
    a.env.generate("github", 3);
    a.cmd(["list"]).passphrase(PASS).run().ok();
    a.cmd(["next", "github"]).passphrase(PASS).run().ok();
    assert!(a.agents().is_empty());
    assert!(!a.socket().exists());
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
}

#[test]
fn lock_without_an_agent_says_so_and_starts_none() {
    let a = Agented::new();
    let run = a.cmd(["lock"]).run();
    run.ok();
    assert!(run.stdout.contains("No agent was running"), "{run}");
    assert!(a.agents().is_empty());
    assert!(!a.socket().exists());
}

#[test]
fn the_socket_and_its_directory_are_private() {
    let a = Agented::new();
    // Even under umask 000.
    a.cmd(["unlock"]).passphrase(PASS).umask0().run().ok();
    assert_eq!(mode(&a.dir()), 0o700);
    assert_eq!(mode(&a.socket()), 0o600);
    assert_eq!(mode(&a.dir().join("agent.lock")), 0o600);
}

#[test]
fn a_directory_open_to_others_is_not_used() {
    let a = Agented::new();
    fs::create_dir(a.dir()).unwrap();
    fs::set_permissions(a.dir(), fs::Permissions::from_mode(0o755)).unwrap();
    a.cmd(["unlock"])
        .passphrase(PASS)
        .run()
        .fails(exit::FAILURE, "it must be 700");
    assert!(a.agents().is_empty());
    assert!(!a.socket().exists());
}

#[test]
fn without_xdg_runtime_dir_the_directory_is_the_users_own_in_tmp() {
    let a = Agented::new();
    let tmp = a.env.path("tmp");
    fs::create_dir(&tmp).unwrap();
    // TMPDIR moves the fallback into this test's directory.
    let unlock = a
        .env
        .cmd(["unlock"])
        .env("TMPDIR", &tmp)
        .passphrase(PASS)
        .run();
    unlock.ok();
    // SAFETY: getuid(2) cannot fail and takes no pointers.
    let dir = tmp.join(format!("codevault-{}", unsafe { libc::getuid() }));
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("agent.sock")), 0o600);
    a.env.cmd(["list"]).env("TMPDIR", &tmp).run().ok();
    a.env.cmd(["lock"]).env("TMPDIR", &tmp).run().ok();
}

/// SO_PEERCRED, from the agent's side: a connection made by another user
/// is closed unanswered, even when the file modes would let it through.
/// Needs root, to connect as another user (one thread of this test takes
/// uid 65534; the kernel keeps credentials per thread).
#[test]
fn a_client_of_another_user_is_refused() {
    // SAFETY: geteuid(2) cannot fail and takes no pointers.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root to connect as another user");
        return;
    }
    let a = Agented::new();
    a.unlock(&[]);
    let request = frame(GET, &a.key_id());
    // Our own user gets the key: the request is right.
    let answer = exchange(&a.socket(), &request);
    assert_eq!(answer.get(5), Some(&KEY), "{answer:?}");

    // Open the path to everyone, so only the agent's check stands.
    let open = [a.env.dir(), &a.runtime, &a.dir()];
    for d in open {
        fs::set_permissions(d, fs::Permissions::from_mode(0o711)).unwrap();
    }
    fs::set_permissions(a.socket(), fs::Permissions::from_mode(0o666)).unwrap();
    let socket = a.socket();
    let theirs = thread::spawn(move || {
        // SAFETY: raw setresgid/setresuid system calls change this thread's
        // credentials only (glibc's wrappers would change every thread's);
        // the thread ends right after.
        let dropped = unsafe {
            libc::syscall(libc::SYS_setresgid, 65534, 65534, 65534) == 0
                && libc::syscall(libc::SYS_setresuid, 65534, 65534, 65534) == 0
        };
        dropped.then(|| exchange(&socket, &request))
    })
    .join()
    .unwrap();
    for d in open {
        fs::set_permissions(d, fs::Permissions::from_mode(0o700)).unwrap();
    }
    let Some(theirs) = theirs else {
        eprintln!("skipped: root here cannot take another uid (no CAP_SETUID)");
        return;
    };
    assert!(theirs.is_empty(), "another user got an answer: {theirs:?}");
    // The agent is still there for its own user.
    a.list_without_passphrase().ok();
}

#[test]
fn malformed_and_oversized_messages_close_only_their_connection() {
    let a = Agented::new();
    a.unlock(&[]);
    // A connection that sends nothing and stays open meanwhile.
    let idle = UnixStream::connect(a.socket()).unwrap();
    let bad: [Vec<u8>; 6] = [
        vec![0xff, 0xff, 0xff, 0xff],                     // 4 GiB announced
        (257u32).to_be_bytes().to_vec(),                  // one byte over the bound
        frame(GET, &[0; 10]),                             // a body of the wrong size
        frame(0x7f, &[]),                                 // an unknown operation
        [0, 0, 0, 2, 9, GET].to_vec(),                    // another version
        b"GET /key HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), // not the protocol at all
    ];
    for bytes in &bad {
        let answer = exchange(&a.socket(), bytes);
        assert!(answer.is_empty(), "{bytes:?} got an answer: {answer:?}");
        // The agent still answers everyone else.
        let good = exchange(&a.socket(), &frame(GET, &a.key_id()));
        assert_eq!(good.get(5), Some(&KEY), "after {bytes:?}: {good:?}");
    }
    a.list_without_passphrase().ok();
    drop(idle);
    assert_eq!(a.agents().len(), 1);
}

#[test]
fn a_killed_agents_stale_socket_is_replaced() {
    let a = Agented::new();
    a.unlock(&[]);
    let first = a.agent();
    signal(first, libc::SIGKILL);
    assert!(a.wait_for_agents(0).is_empty());
    assert!(a.socket().exists(), "the test needs the stale socket");
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
    a.unlock(&[]);
    let second = a.agent();
    assert_ne!(first, second);
    a.list_without_passphrase().ok();
}

#[test]
fn a_stopped_agent_does_not_hang_a_command() {
    let a = Agented::new();
    a.unlock(&[]);
    let pid = a.agent();
    signal(pid, libc::SIGSTOP);
    // The harness fails a run that takes a minute; this one gives up on
    // the agent within a second and says there is no passphrase.
    let run = a.list_without_passphrase();
    signal(pid, libc::SIGCONT);
    run.fails(exit::USAGE, "no passphrase given");
    a.list_without_passphrase().ok();
}

#[test]
fn a_second_agent_leaves_the_first_in_place() {
    let a = Agented::new();
    a.unlock(&[]);
    let first = a.agent();
    let mut second = std::process::Command::new(BIN)
        .arg("--run-agent")
        .arg(a.dir())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = second.kill();
            panic!("a second agent ran beside the first");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    assert_eq!(a.agents(), [first]);
    a.list_without_passphrase().ok();
}

#[test]
fn unlocks_at_once_start_one_agent() {
    let a = Agented::new();
    let children: Vec<_> = (0..4)
        .map(|_| {
            a.cmd(["unlock"])
                .passphrase(PASS)
                .std_command()
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    // The agents that lost the race exit at once; one stays.
    let agents = a.wait_for_agents(1);
    assert_eq!(agents.len(), 1, "{agents:?}");
    a.list_without_passphrase().ok();
}

#[test]
fn the_agent_writes_no_core_and_locks_its_keys() {
    let a = Agented::new();
    a.unlock(&[]);
    let pid = a.agent();
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(fields[4..6], ["0", "0"], "{core}");
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let locked_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(locked_kb >= 4, "no locked memory: {locked_kb} kB");
    // It never had the passphrase: not in its environment (the `unlock`
    // that started it had CODEVAULT_PASSPHRASE), not in its arguments.
    // Reading a non-dumpable process's environment takes root.
    match fs::read(format!("/proc/{pid}/environ")) {
        Ok(environ) => {
            let environ = String::from_utf8_lossy(&environ);
            assert!(!environ.contains("CODEVAULT_PASSPHRASE"), "{environ}");
            assert!(!environ.contains(PASS));
        }
        Err(e) => eprintln!("not checked: the agent's environment: {e}"),
    }
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains(PASS));
}

#[test]
fn unlock_without_a_passphrase_or_an_agent_fails_at_once() {
    let a = Agented::new();
    a.cmd(["unlock"])
        .run()
        .fails(exit::USAGE, "no passphrase given");
    assert!(a.agents().is_empty());
    a.cmd(["unlock"])
        .passphrase("not the passphrase")
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    assert!(a.agents().is_empty(), "a wrong passphrase started an agent");
}

#[test]
fn passwd_needs_the_passphrase_and_the_agent_forgets_the_old_key() {
    let a = Agented::new();
    a.unlock(&[]);
    // The agent's key is not enough to change the passphrase.
    a.cmd(["passwd"])
        .new_passphrase("a new passphrase")
        .run()
        .fails(exit::USAGE, "no passphrase given");
    a.cmd(["passwd"])
        .passphrase(PASS)
        .new_passphrase("a new passphrase")
        .run()
        .ok();
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
    a.cmd(["list"]).passphrase("a new passphrase").run().ok();
    // It held one key, forgot it, and exited.
    let locked: serde_json::Value = a.cmd(["lock", "--json"]).run().ok().json();
    assert_eq!(locked["agent_was_running"], false, "{locked}");
}

#[test]
fn another_vault_at_the_same_path_gets_no_stale_key() {
    let a = Agented::new();
    a.unlock(&[]);
    fs::remove_file(a.env.vault()).unwrap();
    a.env.init(); // the same passphrase, a new salt
    a.list_without_passphrase()
        .fails(exit::USAGE, "no passphrase given");
}

/// `merge` with the vault's key from the agent has no passphrase to try on
/// a copy with another salt: it asks the agent for the copy's key too.
#[test]
fn merge_takes_both_keys_from_the_agent() {
    let a = Agented::new();
    a.env.generate("github", 5);
    let other = a.env.path("other.cvlt");
    fs::copy(a.env.vault(), &other).unwrap();
    // The copy gets a new salt (and cost), the same passphrase, one use.
    let on_other = |args: &[&str]| {
        a.cmd(["--vault"])
            .no_vault()
            .arg(&other)
            .args(args)
            .passphrase(PASS)
            .run()
    };
    on_other(&["passwd", "--kdf-iterations", "2"]).ok();
    on_other(&["next", "github"]).ok();
    a.unlock(&[]);
    on_other(&["unlock"]).ok();
    let merged = a.cmd(["merge", "--json"]).arg(&other).run();
    merged.ok();
    let shown: Shown = a
        .cmd(["show", "github", "--all", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(shown.used().len(), 1, "{merged}");
}
