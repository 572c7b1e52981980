//! Every way a command can fail: the exit code, the one `codevault: error:`
//! line (and its hint where the contract has one), and a vault left exactly
//! as it was.

use std::fs;

use crate::common::{CHEAP_KDF, Env, PASS, exit};

/// Where the header fields are (see src/envelope.rs): every position a
/// test flips is named by what it hits.
const HEADER_LEN: usize = 122;
const CHECKSUM_LEN: usize = 32;

/// A vault with two accounts, one code used, one set revoked.
fn busy_vault() -> Env {
    let env = Env::with_vault();
    env.generate("github", 5);
    env.next("github");
    env.regenerate("github", 5);
    env.generate("gitlab", 3);
    env
}

/// Commands that read the vault, and commands that write it.
fn commands() -> Vec<Vec<String>> {
    let code = "12345678";
    [
        vec!["list"],
        vec!["show", "github", "--all"],
        vec!["check", code],
        vec!["log"],
        vec!["next", "github"],
        vec!["use", "github", code],
        vec!["generate", "new-account"],
        vec!["regenerate", "github"],
        vec!["revoke", "gitlab"],
        vec!["remove", "gitlab", "--yes"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect()
}

/// Replaces the vault with `bytes` and asserts that every command fails
/// with `code` and a message containing `message`, changing nothing.
#[track_caller]
fn every_command_fails(env: &Env, bytes: &[u8], code: i32, message: &str) {
    fs::write(env.vault(), bytes).unwrap();
    for args in commands() {
        let run = env.run(&args);
        run.fails(code, message);
        env.assert_unchanged(bytes);
    }
    assert!(env.stray_temps().is_empty());
}

/// The file's checksum as the binary computes it.
fn checksum(bytes: &[u8]) -> [u8; 32] {
    codevault::crypto::checksum(bytes)
}

// --------------------------------------------------------- the passphrase

#[test]
fn a_wrong_passphrase_is_exit_3_for_every_command() {
    let env = busy_vault();
    let before = env.bytes();
    for args in commands() {
        env.cmd(&args)
            .passphrase("Correct Horse Battery Staple")
            .run()
            .fails(exit::WRONG_PASSPHRASE, "wrong passphrase")
            .hint_says("nothing was changed");
        env.assert_unchanged(&before);
    }
}

#[test]
fn no_passphrase_source_and_no_terminal_is_exit_2() {
    let env = busy_vault();
    let before = env.bytes();
    for args in commands() {
        env.cmd(&args)
            .run()
            .fails(exit::USAGE, "no passphrase")
            .hint_says("CODEVAULT_PASSPHRASE");
        env.assert_unchanged(&before);
    }
}

#[test]
fn an_empty_passphrase_is_exit_2() {
    let env = busy_vault();
    let before = env.bytes();
    env.cmd(["list"])
        .env("CODEVAULT_PASSPHRASE", "")
        .run()
        .fails(exit::USAGE, "empty");
    let empty = env.write("empty", "\n");
    env.cmd(["next", "github", "--passphrase-file"])
        .arg(&empty)
        .run()
        .fails(exit::USAGE, "empty");
    env.assert_unchanged(&before);
}

// ------------------------------------------------------ the vault file

#[test]
fn a_missing_vault_is_exit_2_with_a_hint_to_init() {
    let env = Env::new();
    for args in commands() {
        env.run(&args)
            .fails(exit::USAGE, "no vault")
            .hint_says("codevault init");
        assert!(!env.vault().exists(), "{args:?} created a vault");
    }
}

#[test]
fn a_missing_vault_is_said_before_asking_for_a_passphrase() {
    let env = Env::new();
    env.cmd(["list"])
        .run()
        .fails(exit::USAGE, "no vault")
        .hint_says("codevault init");
}

#[test]
fn one_flipped_byte_anywhere_is_exit_4() {
    let env = busy_vault();
    let good = env.bytes();
    let n = good.len();
    let positions = [
        (0, "magic"),
        (7, "magic"),
        (9, "version"),
        (10, "kdf algorithm"),
        (11, "reserved"),
        (15, "memory"),
        (19, "iterations"),
        (23, "parallelism"),
        (24, "salt length"),
        (40, "salt"),
        (57, "nonce length"),
        (70, "nonce"),
        (100, "key check"),
        (121, "ciphertext length"),
        (HEADER_LEN, "ciphertext start"),
        ((HEADER_LEN + n - CHECKSUM_LEN) / 2, "ciphertext middle"),
        (n - CHECKSUM_LEN - 1, "tag"),
        (n - CHECKSUM_LEN, "checksum start"),
        (n - 1, "checksum end"),
    ];
    for (pos, what) in positions {
        for bit in [0x01, 0x80] {
            let mut bad = good.clone();
            bad[pos] ^= bit;
            fs::write(env.vault(), &bad).unwrap();
            for args in [vec!["list"], vec!["next", "github"]] {
                let run = env.run(&args);
                assert_eq!(
                    run.code,
                    exit::DAMAGED,
                    "flip {bit:#x} at {pos} ({what}) {args:?}\n{run}"
                );
                run.fails(exit::DAMAGED, &env.vault().display().to_string());
                env.assert_unchanged(&bad);
            }
        }
    }
    fs::write(env.vault(), &good).unwrap();
    env.run(["list"]).ok();
}

#[test]
fn a_flipped_byte_says_damaged_with_a_hint_to_restore() {
    let env = busy_vault();
    let mut bad = env.bytes();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x10;
    fs::write(env.vault(), &bad).unwrap();
    env.run(["list"])
        .fails(exit::DAMAGED, "damaged")
        .hint_says("backup");
    env.assert_unchanged(&bad);
}

#[test]
fn a_consistent_forgery_fails_authentication_exit_4() {
    // Change the ciphertext and recompute the checksum, as an attacker could.
    let env = busy_vault();
    let mut bad = env.bytes();
    bad[HEADER_LEN + 3] ^= 1;
    let end = bad.len() - CHECKSUM_LEN;
    let sum = checksum(&bad[..end]);
    bad[end..].copy_from_slice(&sum);
    every_command_fails(&env, &bad, exit::DAMAGED, "modified");
}

#[test]
fn a_forged_header_fails_authentication_exit_4() {
    // The header is the AEAD's associated data: a new nonce with a matching
    // checksum still fails.
    let env = busy_vault();
    let mut bad = env.bytes();
    bad[60] ^= 1;
    let end = bad.len() - CHECKSUM_LEN;
    let sum = checksum(&bad[..end]);
    bad[end..].copy_from_slice(&sum);
    env.write("vault.cvlt", &bad);
    env.run(["list"]).fails(exit::DAMAGED, "modified");
    env.assert_unchanged(&bad);
}

#[test]
fn a_truncated_vault_is_exit_4() {
    let env = busy_vault();
    let good = env.bytes();
    for len in [
        1,
        8,
        10,
        HEADER_LEN - 1,
        HEADER_LEN,
        HEADER_LEN + 1,
        good.len() - CHECKSUM_LEN,
        good.len() - 1,
    ] {
        let bad = &good[..len];
        fs::write(env.vault(), bad).unwrap();
        for args in [vec!["list"], vec!["next", "github"]] {
            let run = env.run(&args);
            assert_eq!(run.code, exit::DAMAGED, "truncated to {len}\n{run}");
            run.fails(exit::DAMAGED, &env.vault().display().to_string());
            env.assert_unchanged(bad);
        }
    }
    let mut longer = good.clone();
    longer.push(0);
    every_command_fails(&env, &longer, exit::DAMAGED, "damaged");
}

#[test]
fn an_empty_file_is_not_a_vault_exit_4() {
    let env = busy_vault();
    every_command_fails(&env, b"", exit::DAMAGED, "not a codevault vault");
}

#[test]
fn a_text_file_is_not_a_vault_exit_4() {
    let env = busy_vault();
    every_command_fails(
        &env,
        b"{\"accounts\": {}}\nmy backup codes\n",
        exit::DAMAGED,
        "not a codevault vault",
    );
}

#[test]
fn a_directory_at_the_vault_path_is_exit_4() {
    let env = Env::new();
    fs::create_dir(env.vault()).unwrap();
    fs::write(env.vault().join("inside"), "x").unwrap();
    for args in commands() {
        env.run(&args).fails(exit::DAMAGED, "not a codevault vault");
    }
    assert!(env.vault().is_dir());
    assert_eq!(fs::read_to_string(env.vault().join("inside")).unwrap(), "x");
}

#[test]
fn an_unsupported_version_is_exit_4() {
    let env = busy_vault();
    let mut bad = env.bytes();
    let future = codevault::envelope::VERSION + 1;
    bad[8..10].copy_from_slice(&future.to_be_bytes());
    every_command_fails(&env, &bad, exit::DAMAGED, &format!("version {future}"));
}

#[test]
fn a_kdf_cost_out_of_bounds_in_the_file_is_exit_4_without_deriving() {
    let env = busy_vault();
    let good = env.bytes();
    // With the checksum made to match, so only the bounds can refuse it.
    for (offset, value, field) in [
        (12, 7u32, "memory"),
        (12, 4097, "memory"),
        (12, u32::MAX, "memory"),
        (16, 0, "iterations"),
        (16, 33, "iterations"),
        (16, u32::MAX, "iterations"),
        (20, 0, "parallelism"),
        (20, 17, "parallelism"),
    ] {
        let mut bad = good.clone();
        bad[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
        let end = bad.len() - CHECKSUM_LEN;
        let sum = checksum(&bad[..end]);
        bad[end..].copy_from_slice(&sum);
        fs::write(env.vault(), &bad).unwrap();
        let run = env.run(["list"]);
        run.fails(exit::DAMAGED, field);
        assert!(run.error().contains("key-derivation cost"), "{run}");
        env.assert_unchanged(&bad);
    }
}

// ------------------------------------------------------- the arguments

#[test]
fn a_malformed_code_is_exit_2_and_not_repeated() {
    let env = busy_vault();
    let real = env.show_all("github").codes[1].code.clone();
    let before = env.bytes();
    let typed = [
        "1234567".to_string(),
        "12a45678".to_string(),
        "123456789".to_string(),
        format!("{real}9"),
        format!("{}x", &real[..7]),
        "1234_5678".to_string(),
    ];
    for t in &typed {
        for args in [
            vec!["use", "github", t],
            vec!["check", t, "github"],
            vec!["check", t],
        ] {
            let run = env.run(&args);
            run.fails(exit::USAGE, "not a valid code");
            assert!(!run.stderr.contains(t.as_str()), "repeats the input\n{run}");
            assert!(!run.stderr.contains(&real), "shows a code\n{run}");
            assert!(!run.stdout.contains(t.as_str()), "{run}");
        }
        env.cmd(["use", "github"])
            .passphrase(PASS)
            .stdin(format!("{t}\n"))
            .run()
            .fails(exit::USAGE, "not a valid code");
    }
    env.assert_unchanged(&before);
}

#[test]
fn a_code_on_stdin_that_is_not_text_is_exit_2() {
    let env = busy_vault();
    env.cmd(["use", "github"])
        .passphrase(PASS)
        .stdin(&b"\xff\xfe1234 5678\n"[..])
        .run()
        .fails(exit::USAGE, "not a valid code");
}

#[test]
fn an_unknown_account_is_exit_2_with_close_names() {
    let env = busy_vault();
    let code = env.show_all("github").codes[0].code.clone();
    let before = env.bytes();
    for args in [
        vec!["show", "githb"],
        vec!["next", "githb"],
        vec!["use", "githb", &code],
        vec!["check", &code, "githb"],
        vec!["regenerate", "githb"],
        vec!["revoke", "githb"],
        vec!["remove", "githb", "--yes"],
    ] {
        let run = env.run(&args);
        run.fails(exit::USAGE, "githb").hint_says("'github'");
        assert!(!run.hint().unwrap().contains("nothing"), "{run}");
    }
    // Case and containment count as close; far names are not suggested.
    env.run(["show", "GITHUB"])
        .fails(exit::USAGE, "GITHUB")
        .hint_says("'github'");
    let run = env.run(["show", "zzzzzz"]);
    run.fails(exit::USAGE, "zzzzzz");
    assert!(!run.stderr.contains("'github'"), "{run}");
    env.assert_unchanged(&before);
}

#[test]
fn log_of_an_unknown_account_is_exit_2() {
    let env = busy_vault();
    env.run(["log", "githb"])
        .fails(exit::USAGE, "githb")
        .hint_says("'github'");
}

#[test]
fn generate_for_an_account_with_an_active_set_is_exit_2() {
    let env = busy_vault();
    let before = env.bytes();
    for account in ["github", "gitlab"] {
        env.run(["generate", account])
            .fails(exit::USAGE, "already has an active set")
            .hint_says("regenerate");
    }
    env.assert_unchanged(&before);
}

#[test]
fn init_on_an_existing_vault_is_exit_2() {
    let env = busy_vault();
    let before = env.bytes();
    env.cmd(["init"])
        .args(CHEAP_KDF)
        .new_passphrase(PASS)
        .run()
        .fails(exit::USAGE, "already exists");
    env.assert_unchanged(&before);
}

#[test]
fn kdf_flags_out_of_bounds_are_exit_2_at_init_and_passwd() {
    let env = busy_vault();
    let before = env.bytes();
    let fresh = env.path("fresh.cvlt");
    for (flag, value) in [
        ("--kdf-memory", "7"),
        ("--kdf-memory", "4097"),
        ("--kdf-memory", "4294967304"),
        ("--kdf-iterations", "0"),
        ("--kdf-iterations", "33"),
        ("--kdf-parallelism", "0"),
        ("--kdf-parallelism", "17"),
    ] {
        let field = flag.trim_start_matches("--kdf-");
        env.cmd(["--vault"])
            .arg(&fresh)
            .args(["init", flag, value])
            .no_vault()
            .new_passphrase(PASS)
            .run()
            .fails(exit::USAGE, field)
            .hint_says("1-16");
        assert!(!fresh.exists());
        env.cmd(["passwd", flag, value])
            .passphrase(PASS)
            .new_passphrase("a new passphrase")
            .run()
            .fails(exit::USAGE, field)
            .hint_says("1-32");
        env.assert_unchanged(&before);
    }
}

#[test]
fn usage_errors_are_exit_2() {
    let env = busy_vault();
    let before = env.bytes();
    for args in [
        vec!["frobnicate"],
        vec!["generate"],
        vec!["generate", "x", "--count", "0"],
        vec!["generate", "x", "--count", "101"],
        vec!["passwd", "--upgrade", "--kdf-memory", "64"],
        vec!["completions", "powershell"],
        vec!["list", "--passphrase", PASS],
    ] {
        env.run(&args).code(exit::USAGE);
    }
    env.run(Vec::<&str>::new()).code(exit::USAGE);
    env.assert_unchanged(&before);
}

#[test]
fn usage_errors_print_the_codevault_error_line() {
    let env = busy_vault();
    for args in [
        vec!["frobnicate"],
        vec!["generate", "x", "--count", "0"],
        vec!["generate", "x", "--count", "101"],
        vec!["passwd", "--upgrade", "--kdf-memory", "64"],
    ] {
        env.run(&args).fails(exit::USAGE, "");
    }
}

/// Strictly the contract's shape: the error line, then at most its hint.
/// The suite's vaults use a cheap cost, below the default.
#[test]
fn a_failure_prints_its_error_line_and_hint_only() {
    let env = busy_vault();
    for run in [
        env.cmd(["list"])
            .passphrase("Correct Horse Battery Staple")
            .run(),
        env.cmd(["list"]).run(),
        env.run(["show", "githb"]),
        env.run(["use", "github", "1234567"]),
        env.run(["generate", "github", "--json"]),
    ] {
        assert_ne!(run.code, exit::OK);
        let lines: Vec<&str> = run.stderr.lines().collect();
        let shape_ok = match lines.as_slice() {
            [e] => e.starts_with("codevault: error: "),
            [e, h] => e.starts_with("codevault: error: ") && h.starts_with("hint: "),
            _ => false,
        };
        assert!(shape_ok, "stderr is not the error line and its hint\n{run}");
    }
}
