//! git as the engine that moves a vault between machines: two clones
//! diverge, `git pull` merges the vault through `codevault git-merge` with
//! nothing to resolve by hand, both clones end with the same content, and
//! `git log -p` (through `codevault summary` as the textconv) never shows
//! a code. Real git, real clones; `.ci/run` installs git where it lacks.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{BIN, CHEAP_KDF, Env, PASS, shows_code};

/// git with a cleared environment: only what the clone needs, the
/// passphrase for the driver and the textconv, and no user config.
fn git(env: &Env, dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.path("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("CODEVAULT_PASSPHRASE", PASS)
        .output()
        .expect("run git");
    let text = format!(
        "git {args:?} in {}\n--- stdout ---\n{}--- stderr ---\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_git() -> bool {
    let found = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        // In CI a test that cannot run fails; `.ci/run` installs git.
        assert!(
            std::env::var_os("CI").is_none(),
            "git is not installed: .ci/run should have installed it"
        );
        eprintln!("skipped: git is not installed");
    }
    found
}

/// The one-time setup of a clone, as the README gives it.
fn configure(env: &Env, clone: &Path) {
    let driver = format!("{BIN} git-merge %O %A %B");
    let textconv = format!("{BIN} summary");
    git(
        env,
        clone,
        &["config", "merge.codevault.name", "codevault vault merge"],
    );
    git(env, clone, &["config", "merge.codevault.driver", &driver]);
    git(
        env,
        clone,
        &["config", "diff.codevault.textconv", &textconv],
    );
}

/// A command on a clone's vault.
fn cv(env: &Env, vault: &Path, args: &[&str]) -> common::Run {
    env.cmd(["--vault"])
        .arg(vault)
        .args(args)
        .no_vault()
        .passphrase(PASS)
        .run()
}

#[test]
fn two_clones_diverge_and_git_pull_merges_the_vault_with_nothing_to_resolve() {
    if !have_git() {
        return;
    }
    let env = Env::new();
    let origin = env.path("origin.git");
    fs::create_dir_all(&origin).unwrap();
    git(&env, &origin, &["init", "--bare", "-q", "-b", "main"]);
    let one: PathBuf = env.path("one");
    git(
        &env,
        env.dir(),
        &["clone", "-q", origin.to_str().unwrap(), "one"],
    );
    configure(&env, &one);

    // The vault, committed with the attributes line of the README.
    let v1 = one.join("team.cvlt");
    env.cmd(["--vault"])
        .arg(&v1)
        .args(["init"])
        .args(CHEAP_KDF)
        .no_vault()
        .new_passphrase(PASS)
        .run()
        .ok();
    for account in ["github", "gitlab", "forum", "old"] {
        cv(&env, &v1, &["generate", account, "--count", "5"]).ok();
    }
    fs::write(
        one.join(".gitattributes"),
        "*.cvlt merge=codevault diff=codevault\n",
    )
    .unwrap();
    fs::write(one.join(".gitignore"), "*.cvlt.lock\n").unwrap();
    git(&env, &one, &["add", "."]);
    git(&env, &one, &["commit", "-q", "-m", "vault"]);
    git(&env, &one, &["push", "-q", "origin", "main"]);

    let two = env.path("two");
    git(
        &env,
        env.dir(),
        &["clone", "-q", origin.to_str().unwrap(), "two"],
    );
    configure(&env, &two);
    let v2 = two.join("team.cvlt");

    // Each clone changes the vault its own way.
    cv(&env, &v1, &["next", "github"]).ok();
    cv(&env, &v1, &["regenerate", "gitlab"]).ok();
    cv(&env, &v1, &["remove", "old", "--yes"]).ok();
    git(&env, &one, &["commit", "-q", "-am", "one"]);
    git(&env, &one, &["push", "-q", "origin", "main"]);

    cv(&env, &v2, &["next", "forum"]).ok();
    cv(&env, &v2, &["next", "github"]).ok();
    cv(&env, &v2, &["generate", "new", "--count", "3"]).ok();
    git(&env, &two, &["commit", "-q", "-am", "two"]);

    // The pull merges through the driver: no conflict, a merge commit.
    git(
        &env,
        &two,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );
    let status = git(&env, &two, &["status", "--porcelain"]);
    assert_eq!(status, "", "the merge left something to resolve");
    let left: Vec<String> = two
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".merge_file") || n.contains(".tmp-"))
        .collect();
    assert!(
        left.is_empty(),
        "the driver left files in the work tree: {left:?}"
    );
    let tracked = git(&env, &two, &["ls-files"]);
    assert_eq!(tracked, ".gitattributes\n.gitignore\nteam.cvlt\n");
    git(&env, &two, &["push", "-q", "origin", "main"]);
    git(
        &env,
        &one,
        &["pull", "-q", "--no-rebase", "--no-edit", "origin", "main"],
    );

    // Both clones hold the same content, with every change of both.
    let summary = |v: &Path| cv(&env, v, &["summary"]).ok().stdout.clone();
    assert_eq!(summary(&v1), summary(&v2));
    let list: common::AccountList = cv(&env, &v1, &["list", "--json"]).ok().json();
    assert_eq!(list.names(), ["forum", "github", "gitlab", "new"]);
    assert_eq!(
        list.get("github").remaining,
        4,
        "the same code was handed out on both"
    );
    assert_eq!(list.get("forum").remaining, 4);
    assert_eq!(
        list.get("gitlab").total,
        10,
        "the regenerated set is active"
    );
    // The double use is in the log for whoever looks.
    let log = cv(&env, &v1, &["log", "github"]).ok().stdout.clone();
    assert_eq!(
        log.matches("handed out code 1 of set 1").count(),
        2,
        "{log}"
    );

    // The history is readable, and never shows a code.
    let history = git(&env, &one, &["log", "-p", "--textconv"]);
    assert!(history.contains("regenerated: set"), "{history}");
    assert!(history.contains("removed: old"), "{history}");
    let mut codes = Vec::new();
    for account in ["forum", "github", "gitlab", "new"] {
        let shown: common::Shown = cv(&env, &v1, &["show", account, "--all", "--json"])
            .ok()
            .json();
        codes.extend(shown.codes.into_iter().map(|c| c.code));
    }
    assert!(codes.len() >= 20);
    for code in codes.iter().chain(env.secrets().iter()) {
        assert!(!shows_code(&history, code), "git log -p shows a code");
    }
    assert!(!history.contains(PASS));
}

#[test]
fn the_driver_leaves_ours_untouched_and_fails_when_it_cannot_merge() {
    if !have_git() {
        return;
    }
    let a = Env::with_vault();
    a.generate("github", 3);
    let stranger = Env::with_vault();
    let ours = a.path("ours");
    fs::copy(a.vault(), &ours).unwrap();
    let before = fs::read(&ours).unwrap();
    // Another vault altogether: exit 2, ours as it was.
    a.cmd(["git-merge", "base"])
        .arg(&ours)
        .arg(stranger.vault())
        .passphrase(PASS)
        .run()
        .fails(common::exit::USAGE, "is another vault");
    assert_eq!(fs::read(&ours).unwrap(), before);
    // A damaged theirs: exit 4, ours as it was.
    let theirs = a.write("theirs", b"\x89CVAULT\ngarbage");
    a.cmd(["git-merge", "base"])
        .arg(&ours)
        .arg(&theirs)
        .passphrase(PASS)
        .run()
        .code(common::exit::DAMAGED);
    assert_eq!(fs::read(&ours).unwrap(), before);
    // These temporary files are never remembered as a vault; only the
    // vault the test made is.
    let seen = a.path("home/.local/state/codevault/seen");
    for entry in fs::read_dir(&seen).unwrap() {
        let text = fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains("ours"), "{text}");
    }
}
