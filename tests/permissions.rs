//! The file on disk. Permissions: the vault, its lock file and any
//! directory codevault creates are 0600 / 0700 after `init` and after every
//! save, whatever the umask (000, or one so strict it would lock the owner
//! out), and a file restored with looser modes is private again after its
//! next save. Storage: atomic replacement without leftovers, symlinks and
//! relative paths, and a quiet exit when standard output goes away.

use crate::common;

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::common::{CHEAP_KDF, Env, PASS, exit, inode, lock_path_of, mode};

const NEW_PASS: &str = "another long passphrase";

/// The modes codevault owes, for a vault in `dirs` (the directories it
/// created, outermost first).
#[track_caller]
fn assert_private(vault: &Path, dirs: &[PathBuf], when: &str) {
    assert_eq!(mode(vault), 0o600, "vault after {when}");
    assert_eq!(mode(&lock_path_of(vault)), 0o600, "lock after {when}");
    for d in dirs {
        assert_eq!(mode(d), 0o700, "{} after {when}", d.display());
    }
    // Nothing else beside the vault: no temp file, nothing world-readable.
    let dir = vault.parent().unwrap();
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "codes.txt")
        .collect();
    names.sort();
    let file = vault.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        names,
        [file.clone(), format!("{file}.lock")],
        "after {when}"
    );
}

#[test]
fn every_writer_keeps_the_files_private_under_umask_000() {
    let env = Env::new();
    let vault = env.path("one/two/three/vault.cvlt");
    let dirs = [
        env.path("one"),
        env.path("one/two"),
        env.path("one/two/three"),
    ];
    let mut pass = PASS;
    let run = |args: &[&str], pass: &str| {
        env.cmd(args)
            .env("CODEVAULT_PATH", &vault)
            .no_vault()
            .umask0()
            .passphrase(pass)
            .new_passphrase(NEW_PASS)
            .run()
    };
    let mut init = vec!["init"];
    init.extend(CHEAP_KDF);
    env.cmd(&init)
        .env("CODEVAULT_PATH", &vault)
        .no_vault()
        .umask0()
        .new_passphrase(PASS)
        .run()
        .ok();
    assert_private(&vault, &dirs, "init");

    let issued: common::Issued = run(&["generate", "github", "--json"], pass).ok().json();
    assert_private(&vault, &dirs, "generate");
    let codes = "1111 2222\n3333 4444\n5555 6666\n7777 8888\n";
    let file = dirs[2].join("codes.txt");
    fs::write(&file, codes).unwrap();
    run(
        &["import", "google", "--file", file.to_str().unwrap()],
        pass,
    )
    .ok();
    fs::remove_file(&file).unwrap();
    assert_private(&vault, &dirs, "import");
    run(&["use", "github", &issued.codes[3]], pass).ok();
    assert_private(&vault, &dirs, "use");
    run(&["use", "github", &issued.codes[3]], pass).code(exit::REFUSED);
    assert_private(&vault, &dirs, "a refused use (logged)");
    run(&["next", "github"], pass).ok();
    assert_private(&vault, &dirs, "next");
    run(&["regenerate", "github"], pass).ok();
    assert_private(&vault, &dirs, "regenerate");
    run(&["revoke", "google"], pass).ok();
    assert_private(&vault, &dirs, "revoke");
    run(&["remove", "google", "--yes"], pass).ok();
    assert_private(&vault, &dirs, "remove");
    run(&["passwd"], pass).ok();
    pass = NEW_PASS;
    assert_private(&vault, &dirs, "passwd (new passphrase)");
    run(&["passwd", "--kdf-memory", "9"], pass).ok();
    assert_private(&vault, &dirs, "passwd --kdf-memory 9");
    run(&["passwd", "--upgrade"], pass).ok();
    assert_private(&vault, &dirs, "passwd --upgrade");
    // Files created beside an existing vault are private too.
    fs::remove_file(lock_path_of(&vault)).unwrap();
    run(&["next", "github"], pass).ok();
    assert_private(&vault, &dirs, "next with a new lock file");
    run(&["list"], pass).ok();
    assert_private(&vault, &dirs, "list");
}

#[test]
fn files_restored_with_loose_modes_are_private_after_the_next_save() {
    let env = Env::with_vault();
    env.generate("github", 5);
    // As `cp` from a backup under umask 022, and a lock made by hand.
    fs::set_permissions(env.vault(), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(env.lock_path(), fs::Permissions::from_mode(0o666)).unwrap();
    // A reader takes no lock and writes nothing: it leaves the modes alone.
    env.run(["list"]).ok();
    assert_eq!(mode(env.vault()), 0o644);
    env.cmd(["next", "github"])
        .umask0()
        .passphrase(PASS)
        .run()
        .ok();
    assert_eq!(mode(env.vault()), 0o600, "the saved vault");
    assert_eq!(mode(&env.lock_path()), 0o600, "the lock file");
}

/// A umask that takes the owner's own bits away: the files must still be
/// 0600 (readable by their owner), not 0400 or 0000.
#[test]
fn a_strict_umask_does_not_lock_the_owner_out() {
    let env = Env::new();
    let vault = env.path("strict/vault.cvlt");
    let run = |args: &[&str]| {
        let mut c = env
            .cmd(["--vault"])
            .arg(&vault)
            .args(args)
            .args(if args[0] == "init" {
                &CHEAP_KDF[..]
            } else {
                &[]
            })
            .no_vault()
            .passphrase(PASS)
            .new_passphrase(PASS)
            .std_command();
        // SAFETY: umask(2) only, in the child before exec.
        unsafe {
            c.pre_exec(|| {
                libc::umask(0o277);
                Ok(())
            });
        }
        let out = c.stdin(Stdio::null()).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["init"]);
    let dirs = [env.path("strict")];
    assert_private(&vault, &dirs, "init under umask 277");
    run(&["generate", "github"]);
    assert_private(&vault, &dirs, "generate under umask 277");
    run(&["next", "github"]);
    assert_private(&vault, &dirs, "next under umask 277");
}

// ------------------------------------------------------- the file on disk

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
