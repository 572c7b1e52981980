//! `init`, and where the vault is: `--vault`, `CODEVAULT_PATH`, the data
//! directory.

use crate::common;

use std::fs;

use crate::common::{CHEAP_KDF, Env, PASS, exit, header_kdf, mode};

#[test]
fn init_creates_an_empty_private_vault() {
    let env = Env::new();
    let run = env.init();
    assert!(run.stdout.contains(&env.vault().display().to_string()));
    assert_eq!(mode(env.vault()), 0o600);
    let bytes = env.bytes();
    assert_eq!(&bytes[..8], b"\x89CVAULT\n", "magic");
    assert_eq!(header_kdf(&bytes), (8, 1, 1));
    assert!(env.list().accounts.is_empty());
    assert!(env.stray_temps().is_empty());
}

#[test]
fn init_creates_missing_directories_0700() {
    let env = Env::new();
    let vault = env.path("a/b/c/vault.cvlt");
    env.cmd(["--vault"])
        .arg(&vault)
        .arg("init")
        .no_vault()
        .args(CHEAP_KDF)
        .new_passphrase(PASS)
        .run()
        .ok();
    for d in ["a", "a/b", "a/b/c"] {
        assert_eq!(mode(&env.path(d)), 0o700, "{d}");
    }
    assert_eq!(mode(&vault), 0o600);
}

#[test]
fn init_refuses_an_existing_vault_and_leaves_it() {
    let env = Env::with_vault();
    env.generate("github", 3);
    let before = env.bytes();
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase("another passphrase")
        .run()
        .fails(exit::USAGE, "already exists")
        .hint_says("--vault");
    env.assert_unchanged(&before);
    assert_eq!(env.list().names(), ["github"]);
}

#[test]
fn init_refuses_any_file_at_the_path() {
    let env = Env::new();
    env.write("vault.cvlt", "my notes, not a vault\n");
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase(PASS)
        .run()
        .fails(exit::USAGE, "already exists");
    assert_eq!(
        fs::read_to_string(env.vault()).unwrap(),
        "my notes, not a vault\n"
    );
}

#[test]
fn init_refuses_kdf_flags_out_of_bounds_and_creates_nothing() {
    let env = Env::new();
    for (flag, value) in [
        ("--kdf-memory", "7"),
        ("--kdf-memory", "4097"),
        ("--kdf-iterations", "0"),
        ("--kdf-iterations", "33"),
        ("--kdf-parallelism", "0"),
        ("--kdf-parallelism", "17"),
    ] {
        let field = flag.trim_start_matches("--kdf-");
        env.cmd(["init", flag, value])
            .new_passphrase(PASS)
            .run()
            .fails(exit::USAGE, field)
            .hint_says("8-4096");
        assert!(!env.vault().exists(), "{flag} {value} created a vault");
    }
}

#[test]
fn init_accepts_the_kdf_bounds_themselves() {
    let env = Env::new();
    env.cmd(["init", "--kdf-memory", "8", "--kdf-iterations", "2"])
        .args(["--kdf-parallelism", "16"])
        .new_passphrase(PASS)
        .run()
        .ok();
    assert_eq!(header_kdf(&env.bytes()), (8, 2, 16));
}

#[test]
fn init_reads_the_new_passphrase_from_a_file() {
    let env = Env::new();
    let file = env.passphrase_file("new-pass", "from the file\n");
    env.cmd(["init", "--new-passphrase-file"])
        .arg(&file)
        .args(CHEAP_KDF)
        .run()
        .ok();
    env.cmd(["list"]).passphrase("from the file").run().ok();
}

#[test]
fn init_needs_a_new_passphrase_source_without_a_terminal() {
    let env = Env::new();
    // The current passphrase is not a source for a new one.
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .passphrase(PASS)
        .run()
        .fails(exit::USAGE, "no terminal");
    assert!(!env.vault().exists());
}

#[test]
fn init_refuses_an_empty_new_passphrase() {
    let env = Env::new();
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .env("CODEVAULT_NEW_PASSPHRASE", "")
        .run()
        .fails(exit::USAGE, "empty");
    assert!(!env.vault().exists());
}

#[test]
fn codevault_path_names_the_vault() {
    let env = Env::new();
    env.cmd(["init"])
        .vault_from_env()
        .args(CHEAP_KDF)
        .new_passphrase(PASS)
        .run()
        .ok();
    assert!(env.vault().exists());
    env.cmd(["list"])
        .vault_from_env()
        .passphrase(PASS)
        .run()
        .ok();
}

#[test]
fn the_vault_flag_wins_over_codevault_path() {
    let env = Env::with_vault();
    env.generate("github", 2);
    let elsewhere = env.path("elsewhere.cvlt");
    // --vault (the harness's) is given, CODEVAULT_PATH points elsewhere.
    let list: common::AccountList = env
        .cmd(["list", "--json"])
        .env("CODEVAULT_PATH", &elsewhere)
        .passphrase(PASS)
        .run()
        .ok()
        .json();
    assert_eq!(list.names(), ["github"]);
    assert!(!elsewhere.exists());
}

#[test]
fn without_a_path_the_vault_is_in_the_data_directory() {
    let env = Env::new();
    let data = env.path("data");
    env.cmd(["init"])
        .no_vault()
        .env("XDG_DATA_HOME", &data)
        .args(CHEAP_KDF)
        .new_passphrase(PASS)
        .run()
        .ok();
    let vault = data.join("codevault/vault.cvlt");
    assert_eq!(mode(&vault), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("codevault")), 0o700);
    env.cmd(["generate", "github"])
        .no_vault()
        .env("XDG_DATA_HOME", &data)
        .passphrase(PASS)
        .run()
        .ok();
}

#[test]
fn init_kdf_time_calibrates_within_the_bounds() {
    let env = Env::new();
    env.cmd(["init", "--kdf-time", "0.05", "--kdf-memory", "8"])
        .args(["--kdf-parallelism", "1"])
        .new_passphrase(PASS)
        .run()
        .ok();
    let (memory, iterations, parallelism) = header_kdf(&env.bytes());
    assert_eq!(memory, 8, "memory is only ever lowered to fit the time");
    assert!((1..=32).contains(&iterations), "{iterations}");
    assert_eq!(parallelism, 1);
    env.run(["list"]).ok();
}

#[test]
fn init_kdf_time_out_of_range_is_exit_2() {
    let env = Env::new();
    for t in ["0", "-1", "61", "soon"] {
        env.cmd(["init", "--kdf-time", t])
            .new_passphrase(PASS)
            .run()
            .code(exit::USAGE);
        assert!(!env.vault().exists());
    }
}
