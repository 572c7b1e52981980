//! The file on disk: private modes whatever the umask, atomic replacement
//! without leftovers, and a quiet exit when standard output goes away.

mod common;

use std::fs;
use std::io;
use std::process::Stdio;

use common::{CHEAP_KDF, Env, PASS, inode, lock_path_of, mode};

#[test]
fn files_are_0600_and_created_dirs_0700_under_umask_000() {
    let env = Env::new();
    let vault = env.path("deep/er/vault.cvlt");
    let lock = lock_path_of(&vault);
    let run = |args: &[&str]| {
        env.cmd(["--vault"])
            .arg(&vault)
            .args(args)
            .no_vault()
            .umask0()
            .passphrase(PASS)
            .new_passphrase(PASS)
            .run()
    };
    let mut init = vec!["init"];
    init.extend(CHEAP_KDF);
    run(&init).ok();
    let check = |when: &str| {
        assert_eq!(mode(&vault), 0o600, "vault after {when}");
        assert_eq!(mode(&lock), 0o600, "lock after {when}");
        assert_eq!(mode(&env.path("deep")), 0o700, "dir after {when}");
        assert_eq!(mode(&env.path("deep/er")), 0o700, "dir after {when}");
    };
    check("init");
    run(&["generate", "github"]).ok();
    check("generate");
    run(&["next", "github"]).ok();
    check("next");
    run(&["passwd", "--kdf-memory", "8"]).ok();
    check("passwd");

    // Files created beside an existing vault are private too.
    fs::remove_file(&lock).unwrap();
    run(&["next", "github"]).ok();
    check("next with a new lock file");
}

#[test]
fn an_existing_directory_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let dir = env.path("shared");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    env.cmd(["--vault"])
        .arg(dir.join("vault.cvlt"))
        .arg("init")
        .args(CHEAP_KDF)
        .no_vault()
        .umask0()
        .new_passphrase(PASS)
        .run()
        .ok();
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&dir.join("vault.cvlt")), 0o600);
}

#[test]
fn a_save_replaces_the_file_and_leaves_no_temp_file() {
    let env = Env::with_vault();
    let mut ino = inode(env.vault());
    let steps: [&[&str]; 6] = [
        &["generate", "github", "--count", "5"],
        &["next", "github"],
        &["regenerate", "github"],
        &["revoke", "github"],
        &["generate", "gitlab"],
        &["remove", "gitlab", "--yes"],
    ];
    for args in steps {
        env.run(args).ok();
        assert!(env.stray_temps().is_empty(), "{args:?} left a temp file");
        let now = inode(env.vault());
        assert_ne!(now, ino, "{args:?} rewrote the vault in place");
        ino = now;
        assert_eq!(mode(env.vault()), 0o600);
    }
    // Failures leave nothing behind either.
    env.run(["generate", "github", "--count", "0"]);
    env.run(["use", "github", "1234567"]);
    env.run(["show", "nobody"]);
    env.cmd(["next", "github"])
        .passphrase("Tr0ub4dor&3 nope")
        .run();
    assert!(env.stray_temps().is_empty());
    // (`home` is the test's home directory, where codevault keeps what
    // it saw of the vault: not beside the vault.)
    let mut names: Vec<String> = fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "home")
        .collect();
    names.sort();
    assert_eq!(names, ["vault.cvlt", "vault.cvlt.lock"]);
}

#[test]
fn a_stale_temp_file_from_a_killed_writer_is_cleared_by_the_next_write() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let stale = env.write(".vault.cvlt.tmp-12345-abcdef", b"half a vault");
    env.run(["list"]).ok();
    env.next("github");
    assert!(!stale.exists());
    assert!(env.stray_temps().is_empty());
}

#[test]
fn read_only_commands_do_not_write() {
    let env = Env::with_vault();
    let issued = env.generate("github", 3);
    let before = env.bytes();
    let ino = inode(env.vault());
    env.run(["list"]).ok();
    env.run(["show", "github", "--all"]).ok();
    env.run(["check", &issued.codes[0]]).ok();
    env.run(["log"]).ok();
    env.assert_unchanged(&before);
    assert_eq!(inode(env.vault()), ino);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let env = Env::with_vault();
    env.generate("github", 100);
    for args in [
        vec!["show", "github", "--all"],
        vec!["show", "github", "--json"],
        vec!["list"],
        vec!["log", "--json"],
        vec!["completions", "bash"],
    ] {
        // The reading end is closed before the child starts: every write
        // to standard output fails with EPIPE.
        let (reader, writer) = io::pipe().unwrap();
        drop(reader);
        let out = env
            .cmd(&args)
            .passphrase(PASS)
            .std_command()
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.lines().all(common::is_upgrade_notice),
            "{args:?} is not quiet: {stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn a_relative_vault_path_is_taken_from_the_working_directory() {
    let env = Env::new();
    env.cmd(["--vault", "sub/rel.cvlt", "init"])
        .args(CHEAP_KDF)
        .no_vault()
        .new_passphrase(PASS)
        .run()
        .ok();
    assert_eq!(mode(&env.path("sub/rel.cvlt")), 0o600);
    assert_eq!(mode(&env.path("sub")), 0o700);
    env.cmd(["--vault", "sub/rel.cvlt", "generate", "github"])
        .no_vault()
        .passphrase(PASS)
        .run()
        .ok();
    assert!(env.path("sub/rel.cvlt.lock").exists());
}

/// A vault kept elsewhere (a synced folder) and linked into place: a save
/// must land in the file the link points to, or the synced copy keeps the
/// code as unused while this machine has handed it out.
#[test]
fn a_save_through_a_symlinked_vault_updates_its_target() {
    let env = Env::with_vault();
    let target = env.path("synced.cvlt");
    fs::rename(env.vault(), &target).unwrap();
    std::os::unix::fs::symlink(&target, env.vault()).unwrap();
    let issued = env.generate("github", 3);
    let handed = env.next("github");
    assert!(
        fs::symlink_metadata(env.vault())
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    let shown: common::Shown = env
        .cmd(["--vault"])
        .arg(&target)
        .args(["show", "github", "--all", "--json"])
        .no_vault()
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(shown.set.fingerprint, issued.set.fingerprint);
    assert_eq!(shown.used().len(), 1);
    assert_eq!(shown.used()[0].code, handed.code);
}
