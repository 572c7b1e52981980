//! Hardening, seen from outside the process (issue 10): no core dump and
//! no same-user debugger; nothing hostile written raw to a terminal; input
//! that could forge output refused; a code never consumed unseen; the
//! terminal left as it was found.
//!
//! Some checks need root (running the binary as another user, so that
//! `/proc` ownership tells a non-dumpable process apart) or a kernel
//! feature; without it a test says `skipped: <why>` on stderr and returns.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::terminal::{local_flags, make_controlling, open_pty, read_until};
use codevault::secret::Passphrase;
use codevault::session;
use codevault::vault::Vault;
use common::{Env, PASS, codes_in, exit};

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: getuid takes no arguments and cannot fail.
    unsafe { libc::getuid() == 0 }
}

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// Every file under `dir` (and `dir`) handed to `uid`.
fn chown_all(dir: &Path, uid: u32) -> std::io::Result<()> {
    std::os::unix::fs::chown(dir, Some(uid), Some(uid))?;
    for e in fs::read_dir(dir)?.flatten() {
        if e.file_type()?.is_dir() {
            chown_all(&e.path(), uid)?;
        } else {
            std::os::unix::fs::lchown(e.path(), Some(uid), Some(uid))?;
        }
    }
    Ok(())
}

/// Waits for a child, killing it after a minute so a hang fails the test.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("codevault hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn proc_field(pid: u32, file: &str, prefix: &str) -> String {
    let text = fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap();
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in /proc/{pid}/{file}:\n{text}"))
        .to_string()
}

// ------------------------------------------------------------ the process

/// While the binary waits for its passphrase (on a FIFO nobody has written
/// yet), `/proc` shows a core-size limit of 0 and a process that is not
/// dumpable: the kernel hands a non-dumpable process's `/proc` files to
/// root, whatever user it runs as. As root, the binary runs as `nobody` so
/// that the owner tells the two apart.
#[test]
fn the_process_is_not_dumpable_and_has_no_core_limit_while_it_waits() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let fifo = env.path("pass.fifo");
    mkfifo(&fifo);
    let mut cmd = env
        .cmd(["list"])
        .arg("--passphrase-file")
        .arg(&fifo)
        .std_command();
    if is_root() {
        if let Err(e) = chown_all(env.dir(), NOBODY) {
            // A user namespace without uid 65534, say.
            eprintln!("skipped: cannot hand the test's files to nobody: {e}");
            return;
        }
        cmd.uid(NOBODY).gid(NOBODY);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The FIFO's writing end opens once the binary opened it to read the
    // passphrase: it is past `main`'s first lines and waiting. (Without a
    // reader a non-blocking open fails with ENXIO: try again, unless the
    // binary has ended.)
    let start = Instant::now();
    let mut writer = loop {
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
        {
            Ok(w) => break w,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!("codevault ended before reading the passphrase: {status}");
                }
                assert!(start.elapsed() < Duration::from_secs(60), "never read");
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("open the FIFO: {e}"),
        }
    };
    let pid = child.id();

    let limits = proc_field(pid, "limits", "Max core file size");
    let fields: Vec<&str> = limits.split_whitespace().collect();
    assert_eq!(fields[4..6], ["0", "0"], "{limits}");
    let uid = proc_field(pid, "status", "Uid:");
    let real_uid: u32 = uid.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_ne!(real_uid, 0, "the test must run the binary as a plain user");
    let owner = fs::metadata(format!("/proc/{pid}/status")).unwrap().uid();
    assert_eq!(
        owner, 0,
        "/proc/{pid}/status belongs to the process's user ({uid}): it is dumpable"
    );

    writeln!(writer, "{PASS}").unwrap();
    drop(writer);
    let status = wait(&mut child);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
}

/// `show` blocked on a full pipe with the codes in memory, killed by
/// SIGABRT under an unlimited core limit and a core pattern writing into
/// the working directory: no core is dumped.
#[test]
fn an_abort_during_show_dumps_no_core() {
    let pattern = fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.starts_with('|') {
        // A pipe handler may dump even under a 0 limit; PR_SET_DUMPABLE
        // stops it, but the file cannot be looked for here.
        eprintln!("skipped: cores go to a handler ({})", pattern.trim());
        return;
    }
    let env = Env::with_vault();
    let codes = env.generate("github", 10).codes;

    // A pipe already full: the binary's first write blocks.
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just made and are owned here only.
    let (read_end, write_end) = unsafe {
        use std::os::fd::FromRawFd;
        (fs::File::from_raw_fd(fds[0]), fs::File::from_raw_fd(fds[1]))
    };
    // SAFETY: fcntl on our own descriptor with integer arguments.
    unsafe {
        let flags = libc::fcntl(fds[1], libc::F_GETFL);
        libc::fcntl(fds[1], libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    let mut filled = 0;
    while (&write_end).write(&[b'x'; 4096]).is_ok() {
        filled += 4096;
    }
    assert!(filled > 0);
    // SAFETY: as above.
    unsafe {
        let flags = libc::fcntl(fds[1], libc::F_GETFL);
        libc::fcntl(fds[1], libc::F_SETFL, flags & !libc::O_NONBLOCK);
    }

    let mut cmd = env
        .cmd(["show", "github", "--all"])
        .passphrase(PASS)
        .std_command();
    // SAFETY: setrlimit only, async-signal-safe, in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            let unlimited = libc::rlimit {
                rlim_cur: libc::RLIM_INFINITY,
                rlim_max: libc::RLIM_INFINITY,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &unlimited);
            Ok(())
        });
    }
    let mut child = cmd
        .stdout(write_end.try_clone().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(write_end);
    // Blocked in write(2) (syscall 1 on x86-64, 64 on aarch64) once the
    // codes are decrypted and formatted.
    let write_nr = if cfg!(target_arch = "aarch64") { 64 } else { 1 };
    let start = Instant::now();
    loop {
        let syscall = fs::read_to_string(format!("/proc/{}/syscall", child.id()));
        let blocked = syscall.as_deref().is_ok_and(|s| {
            s.split_whitespace().next() == Some(&write_nr.to_string())
                && s.split_whitespace().nth(1) == Some("0x1")
        });
        if blocked {
            break;
        }
        if let Err(e) = &syscall
            && e.kind() == std::io::ErrorKind::PermissionDenied
        {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("skipped: /proc/<pid>/syscall is not readable here");
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never blocked");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: kill with our own child's pid and a signal number.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGABRT) }, 0);
    let status = wait(&mut child);
    drop(read_end);
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{status}");

    let cores: Vec<_> = fs::read_dir(env.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
        .map(|e| e.path())
        .collect();
    for core in &cores {
        let bytes = fs::read(core).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let found: Vec<_> = codes
            .iter()
            .filter(|c| text.contains(c.as_str()) || codes_in(&text).contains(c))
            .collect();
        assert!(found.is_empty(), "{} holds codes", core.display());
        assert!(
            !text.contains(PASS),
            "{} holds the passphrase",
            core.display()
        );
    }
    assert!(!status.core_dumped(), "a core was dumped: {cores:?}");
    assert!(cores.is_empty(), "core files: {cores:?}");
}

// ------------------------------------------------------ hostile text

/// One text per class the contract names, each meant to do harm on a
/// terminal or to forge a line.
const HOSTILE: &[(&str, &str)] = &[
    ("escape sequence", "\u{1b}[2J\u{1b}[31mred"),
    ("OSC 52 clipboard", "\u{1b}]52;c;aGk=\u{7}"),
    ("newline forging a hint", "x\nhint: run rm -rf"),
    ("carriage return", "x\rcodevault: ok"),
    ("tab", "a\tb"),
    ("DEL", "a\u{7f}b"),
    ("C1 CSI", "a\u{9b}31mb"),
    ("C1 NEL", "a\u{85}b"),
    ("bidi override", "abc\u{202e}fed"),
    ("bidi isolate", "a\u{2066}b\u{2069}c"),
    ("zero-width space", "git\u{200b}hub"),
    ("zero-width joiner", "git\u{200d}hub"),
    ("BOM", "git\u{feff}hub"),
    ("line separator", "a\u{2028}b"),
    ("paragraph separator", "a\u{2029}b"),
    ("soft hyphen", "git\u{ad}hub"),
    ("tag character", "git\u{e0041}hub"),
    ("variation selector", "a\u{fe0f}b"),
];

/// The characters of [`HOSTILE`] that must never appear raw.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || HOSTILE
            .iter()
            .any(|(_, t)| t.contains(c) && !c.is_ascii_graphic() && c != ' ' && c != '\n')
}

/// Asserts a stream holds no forbidden character, and that no line of it
/// starts with a forged `hint:` or status text from a hostile string.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| forbidden(c)) {
        panic!("{what} holds a raw U+{:04X}:\n{text:?}", c as u32);
    }
    for line in text.lines() {
        assert!(
            !line.starts_with("hint: run rm"),
            "{what} has a forged line:\n{text}"
        );
    }
}

#[test]
fn names_with_a_control_or_format_character_are_refused() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let before = env.bytes();
    for (class, text) in HOSTILE {
        let name = format!("acct {text} end");
        let run = env.run(["generate", &name]);
        run.fails(exit::USAGE, "invalid account name");
        assert_clean(class, &run.stderr);
        env.cmd(["import", &name])
            .passphrase(PASS)
            .stdin("11112222\n33334444\n")
            .run()
            .fails(exit::USAGE, "invalid account name");
    }
    env.assert_unchanged(&before);
}

#[test]
fn notes_with_a_control_or_format_character_or_too_long_are_refused() {
    let env = Env::with_vault();
    let codes = env.generate("github", 3).codes;
    let before = env.bytes();
    let long = "n".repeat(257);
    let mut bad: Vec<(&str, String)> = HOSTILE
        .iter()
        .map(|(c, t)| (*c, format!("note {t} end")))
        .collect();
    bad.push(("257 characters", long));
    for (class, note) in &bad {
        let run = env.run(["next", "github", "--note", note]);
        run.fails(exit::USAGE, "invalid note");
        assert_clean(class, &run.stderr);
        assert!(run.stdout.is_empty(), "{class}: {run}");
        env.run(["use", "github", &codes[0], "--note", note])
            .fails(exit::USAGE, "invalid note");
    }
    env.assert_unchanged(&before);
    // 256 characters are fine.
    let longest = "é".repeat(256);
    env.run(["next", "github", "--note", &longest]).ok();
    assert_eq!(
        env.show_all("github").used()[0]
            .used
            .as_ref()
            .unwrap()
            .note
            .as_deref(),
        Some(longest.as_str())
    );
}

#[test]
fn a_new_name_that_reads_like_an_existing_one_is_refused_naming_it() {
    let env = Env::with_vault();
    env.generate("GitHub", 2);
    env.generate("paypal", 2);
    let before = env.bytes();
    for (look_alike, existing) in [
        ("github", "GitHub"),
        ("GITHUB", "GitHub"),
        ("gіthub", "GitHub"), // a Cyrillic і
        ("Ԍithub", "GitHub"), // a Cyrillic Ԍ
        ("paypaI", "paypal"), // a capital I for the l
        ("pаypal", "paypal"), // a Cyrillic а
    ] {
        let run = env.run(["generate", look_alike]);
        run.fails(
            exit::USAGE,
            &format!("looks like the existing account '{existing}'"),
        )
        .hint_says(&format!("'{existing}'"));
        env.cmd(["import", look_alike])
            .passphrase(PASS)
            .stdin("11112222\n33334444\n")
            .run()
            .fails(exit::USAGE, "looks like the existing account");
    }
    env.assert_unchanged(&before);
    // The existing name itself, and a name that reads differently, are fine.
    env.run(["regenerate", "GitHub", "--count", "2"]).ok();
    env.generate("gitlab", 2);
}

/// A vault holding hostile names and notes, as an older codevault (or a
/// hand-made file) could have stored them: made through the binary with
/// placeholders, then the placeholders swapped in the decrypted vault and
/// sealed again with the library's own encoder.
fn hostile_vault(env: &Env) -> Vec<(String, String)> {
    let mut placed = Vec::new();
    for (i, (_, text)) in HOSTILE.iter().enumerate() {
        let name = format!("acct{i:02}x");
        let note = format!("note{i:02}x");
        let codes = env.generate(&name, 4).codes;
        env.run(["use", &name, &codes[0], "--note", &note]).ok();
        placed.push((name, format!("acct{i:02} {text}")));
        placed.push((note, format!("note{i:02} {text}")));
    }
    let path = env.vault();
    let (vault, keys) =
        session::open(path, fs::read(path).unwrap(), &Passphrase::new(PASS)).unwrap();
    let mut json = serde_json::to_string(&vault).unwrap();
    for (placeholder, text) in &placed {
        let quoted = |s: &str| serde_json::to_string(s).unwrap();
        json = json.replace(&quoted(placeholder), &quoted(text));
    }
    let vault: Vault = serde_json::from_str(&json).unwrap();
    fs::write(path, session::encrypt(&vault, &keys).unwrap()).unwrap();
    placed
        .into_iter()
        .step_by(2)
        .map(|(_, t)| (t.clone(), t))
        .collect()
}

#[test]
fn every_view_shows_hostile_names_and_notes_escaped() {
    let env = Env::with_vault();
    let names: Vec<String> = hostile_vault(&env).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        env.list().accounts.len(),
        HOSTILE.len(),
        "the names are stored"
    );
    let mut runs = vec![
        ("list", env.run(["list"])),
        ("list --json", env.run(["list", "--json"])),
        ("log", env.run(["log"])),
        ("log --json", env.run(["log", "--json"])),
        ("show --sheet", env.run(["show", "--sheet"])),
    ];
    for name in &names {
        let shown = env.show_all(name);
        let used = shown.used()[0].code.clone();
        let unused = shown
            .codes
            .iter()
            .find(|c| c.used.is_none())
            .unwrap()
            .code
            .clone();
        runs.extend([
            ("show --all", env.run(["show", name, "--all"])),
            (
                "show --all --json",
                env.run(["show", name, "--all", "--json"]),
            ),
            ("check used", env.run(["check", &used])),
            ("check --json", env.run(["check", &used, "--json"])),
            ("use refused", env.run(["use", name, &used])),
            ("use", env.run(["use", name, &unused])),
            ("next", env.run(["next", name])),
            ("next --json", env.run(["next", name, "--json"])),
            ("log ACCOUNT", env.run(["log", name])),
            ("regenerate", env.run(["regenerate", name, "--count", "2"])),
            ("revoke", env.run(["revoke", name])),
            ("show, no set", env.run(["show", name])),
            ("remove", env.run(["remove", name, "--yes"])),
        ]);
    }
    for (what, run) in &runs {
        assert!(run.code <= exit::USAGE, "{what}: {run}");
        // The one control character codevault writes itself: the form
        // feed the contract puts between printed sheets, at a line start.
        let stdout = if *what == "show --sheet" {
            run.stdout.replace("\n\u{c}", "\n")
        } else {
            run.stdout.clone()
        };
        assert_clean(&format!("{what} stdout"), &stdout);
        assert_clean(&format!("{what} stderr"), &run.stderr);
    }
    // Escaped, not dropped: the text is still there to read.
    let list = &runs[0].1.stdout;
    assert!(list.contains("abc\\u{202e}fed"), "{list}");
    let json = &runs[1].1.stdout;
    assert!(json.contains("abc\\u202efed"), "{json}");
}

#[test]
fn hostile_paths_are_shown_escaped() {
    for (class, text) in HOSTILE {
        let env = Env::new();
        let dir = env.path(text.replace('/', "_"));
        fs::create_dir(&dir).unwrap();
        let vault = dir.join("vault.cvlt");
        let runs = [
            env.cmd(["--vault"])
                .arg(&vault)
                .arg("list")
                .no_vault()
                .passphrase(PASS)
                .run(),
            env.cmd(["--vault"])
                .arg(&vault)
                .args(["init", "--kdf-memory", "8", "--kdf-iterations", "1"])
                .args(["--kdf-parallelism", "1"])
                .no_vault()
                .new_passphrase(PASS)
                .run(),
            env.cmd(["--vault"])
                .arg(&vault)
                .args(["import", "gh", "--file"])
                .arg(dir.join("missing.txt"))
                .no_vault()
                .passphrase(PASS)
                .run(),
        ];
        runs[1].ok();
        for run in &runs {
            assert_clean(&format!("{class} stdout"), &run.stdout);
            assert_clean(&format!("{class} stderr"), &run.stderr);
        }
        assert!(runs[0].error().contains("no vault at"), "{}", runs[0]);
    }
}

// ------------------------------------------------- passphrases, new ones

#[test]
fn a_new_passphrase_must_be_text_without_control_characters() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    for bad in [
        &b"tab\there-ok"[..],
        b"bell\x07-passphrase",
        b"latin1-p\xe4ss",
    ] {
        env.cmd(["init"])
            .args(common::CHEAP_KDF)
            .env("CODEVAULT_NEW_PASSPHRASE", OsStr::from_bytes(bad))
            .run()
            .fails(exit::USAGE, "invalid new passphrase")
            .hint_says("printable");
        let file = env.write("new", [bad, b"\n"].concat());
        env.cmd(["init", "--new-passphrase-file"])
            .arg(&file)
            .args(common::CHEAP_KDF)
            .run()
            .fails(exit::USAGE, "invalid new passphrase");
    }
    assert!(!env.vault().exists());
    env.init();
    let before = env.bytes();
    let file = env.write("new", "tab\there-ok\n");
    env.cmd(["passwd", "--new-passphrase-file"])
        .arg(&file)
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "invalid new passphrase");
    env.cmd(["passwd"])
        .passphrase(PASS)
        .env("CODEVAULT_NEW_PASSPHRASE", "esc\u{1b}[31m-passphrase")
        .run()
        .fails(exit::USAGE, "invalid new passphrase");
    env.assert_unchanged(&before);
}

/// `passwd --kdf-*` takes a new passphrase from the environment as it does
/// from `--new-passphrase-file`.
#[test]
fn passwd_with_a_new_cost_honours_the_new_passphrase_variable() {
    let env = Env::with_vault();
    let new = "a brand new passphrase";
    let run = env
        .cmd(["passwd", "--kdf-memory", "9"])
        .passphrase(PASS)
        .new_passphrase(new)
        .run();
    run.ok();
    assert!(run.stdout.contains("New passphrase set"), "{run}");
    env.cmd(["list"])
        .passphrase(PASS)
        .run()
        .fails(exit::WRONG_PASSPHRASE, "wrong passphrase");
    env.cmd(["list"]).passphrase(new).run().ok();
    // Without a new one given, the cost changes and the passphrase stays.
    let run = env
        .cmd(["passwd", "--kdf-memory", "8"])
        .passphrase(new)
        .run();
    run.ok();
    assert!(run.stdout.contains("Passphrase kept"), "{run}");
}

// --------------------------------------------------- a code never unseen

/// Runs `next github` with standard output wired by `wire`, returns the
/// exit code and standard error.
fn next_with_stdout(env: &Env, stdout: Stdio) -> (i32, String) {
    let out = env
        .cmd(["next", "github"])
        .passphrase(PASS)
        .std_command()
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code().expect("not killed"),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn next_to_a_full_disk_names_the_code_it_marked() {
    let env = Env::with_vault();
    env.generate("github", 5);
    env.next("github");
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let (code, stderr) = next_with_stdout(&env, full.into());
    assert_eq!(code, exit::FAILURE, "{stderr}");
    assert!(
        stderr.contains("code 2 of 'github' was marked used") && stderr.contains("disk is full"),
        "{stderr}"
    );
    assert!(stderr.contains("codevault show --all github"), "{stderr}");
    assert_eq!(env.show_all("github").used().len(), 2, "the mark is kept");
}

#[test]
fn next_to_a_closed_reader_names_the_code_it_marked() {
    let env = Env::with_vault();
    env.generate("github", 5);
    let (read_end, write_end) = std::io::pipe().unwrap();
    drop(read_end);
    let (code, stderr) = next_with_stdout(&env, write_end.into());
    assert_eq!(code, exit::FAILURE, "{stderr}");
    assert!(
        stderr.contains("code 1 of 'github' was marked used"),
        "{stderr}"
    );
    assert!(stderr.contains("show --all github"), "{stderr}");
}

/// `next >&-`: nothing could ever show the code, so nothing is marked.
#[test]
fn next_with_standard_output_closed_marks_nothing() {
    let env = Env::with_vault();
    env.generate("github", 5);
    let before = env.bytes();
    let mut cmd = env.cmd(["next", "github"]).passphrase(PASS).std_command();
    // SAFETY: close(2) of descriptor 1 in the child before exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let out = cmd.stderr(Stdio::piped()).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(exit::FAILURE), "{stderr}");
    assert!(stderr.contains("standard output is closed"), "{stderr}");
    env.assert_unchanged(&before);
}

#[test]
fn use_to_a_full_disk_says_the_code_was_marked() {
    let env = Env::with_vault();
    let codes = env.generate("github", 5).codes;
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = env
        .cmd(["use", "github", &codes[2]])
        .passphrase(PASS)
        .std_command()
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(exit::FAILURE), "{stderr}");
    assert!(
        stderr.contains("code 3 of 'github' was marked used"),
        "{stderr}"
    );
}

// ------------------------------------------------------------ the files

#[test]
fn a_vault_others_can_write_is_warned_about_with_the_fix() {
    let env = Env::with_vault();
    let run = env.run(["list"]);
    assert!(!run.stderr.contains("can be written"), "{run}");
    fs::set_permissions(env.dir(), fs::Permissions::from_mode(0o777)).unwrap();
    let run = env.run(["list"]);
    run.ok();
    let dir = env.dir().display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "directory {dir} can be written by its group and others"
        )) && run.stderr.contains(&format!("`chmod go-w {dir}`")),
        "{run}"
    );
    fs::set_permissions(env.dir(), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(env.vault(), fs::Permissions::from_mode(0o620)).unwrap();
    let run = env.run(["list"]);
    run.ok();
    assert!(
        run.stderr.contains("the vault") && run.stderr.contains("by its group (mode 620)"),
        "{run}"
    );
}

/// Leftover temp files are removed by the next writer only when they are
/// this user's regular files: a link planted under a temp file's name is
/// left alone, and so is what it points to.
#[test]
fn a_planted_link_named_like_a_temp_file_is_not_followed() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let target = env.write("precious.txt", "keep me");
    let link = env.path(".vault.cvlt.tmp-1-planted");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    env.run(["regenerate", "github"]).ok();
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
    assert!(link.symlink_metadata().is_ok(), "the link itself was left");
}

// ------------------------------------------------------------ the terminal

/// Runs `args` on a pseudo-terminal as its controlling terminal, waits for
/// `prompt`, types Ctrl-C; returns what happened.
fn ctrl_c_at_prompt(env: &Env, args: &[&str], prompt: &str) -> Option<Interrupted> {
    let mut pty = open_pty()?;
    let before = local_flags(&pty.slave);
    let mut cmd = env.cmd(args).std_command();
    let path = pty.slave_path.clone();
    make_controlling(&mut cmd, path);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let shown = read_until(&mut pty.master, prompt);
    let during = local_flags(&pty.slave);
    pty.master.write_all(b"\x03").unwrap();
    let status = wait(&mut child);
    let after = local_flags(&pty.slave);
    Some(Interrupted {
        before,
        during,
        after,
        status,
        shown,
    })
}

/// A prompt interrupted: the terminal's local flags before the command, at
/// the prompt and after, the exit status, and what the terminal showed.
struct Interrupted {
    before: libc::tcflag_t,
    during: libc::tcflag_t,
    after: libc::tcflag_t,
    status: std::process::ExitStatus,
    shown: String,
}

const LINE_MODE: libc::tcflag_t = libc::ECHO | libc::ICANON | libc::ISIG;

#[test]
fn ctrl_c_at_the_passphrase_prompt_restores_the_terminal() {
    let env = Env::with_vault();
    let Some(Interrupted {
        before,
        during,
        after,
        status,
        ..
    }) = ctrl_c_at_prompt(&env, &["list"], "Passphrase for")
    else {
        eprintln!("skipped: no pseudo-terminal here");
        return;
    };
    assert_eq!(before & LINE_MODE, LINE_MODE, "a fresh terminal echoes");
    assert_eq!(during & libc::ECHO, 0, "the prompt turned echo off");
    assert_eq!(status.code(), Some(130), "{status}");
    assert_eq!(
        after & LINE_MODE,
        before & LINE_MODE,
        "echo and line mode are back"
    );
}

#[test]
fn ctrl_c_at_a_question_exits_130_and_removes_nothing() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let before_bytes = env.bytes();
    env.passphrase_file("pass", PASS);
    let Some(Interrupted {
        before,
        after,
        status,
        ..
    }) = ctrl_c_at_prompt(
        &env,
        &["--passphrase-file", "pass", "remove", "github"],
        "[y/N]",
    )
    else {
        eprintln!("skipped: no pseudo-terminal here");
        return;
    };
    assert_eq!(status.code(), Some(130), "{status}");
    assert_eq!(after & LINE_MODE, before & LINE_MODE);
    env.assert_unchanged(&before_bytes);
}

/// A question on the terminal that names a hostile account shows it
/// escaped.
#[test]
fn a_question_on_the_terminal_shows_the_name_escaped() {
    let env = Env::with_vault();
    let names: Vec<String> = hostile_vault(&env).into_iter().map(|(n, _)| n).collect();
    env.passphrase_file("pass", PASS);
    for name in &names[..4] {
        let args = ["--passphrase-file", "pass", "remove", name.as_str()];
        let Some(done) = ctrl_c_at_prompt(&env, &args, "[y/N]") else {
            eprintln!("skipped: no pseudo-terminal here");
            return;
        };
        assert_eq!(done.status.code(), Some(130));
        // The pseudo-terminal turns \n into \r\n; nothing else is raw.
        let shown = done.shown.replace("\r\n", "\n");
        assert_clean("the question", &shown);
        assert!(shown.contains("Remove 'acct"), "{shown:?}");
    }
}
