//! Permissions: the vault, its lock file and any directory codevault
//! creates are 0600 / 0700 after `init` and after every save, whatever the
//! umask (000, or one so strict it would lock the owner out), and a file
//! restored with looser modes is private again after its next save.
//! `storage.rs` covers `init`, `generate`, `next` and a cost change; this
//! file covers every other writer and the umasks around them.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{CHEAP_KDF, Env, PASS, exit, lock_path_of, mode};

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
