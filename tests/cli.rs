//! The command line itself: help with examples, completions, the version.
//! None of these needs a vault or a passphrase.

use crate::common::{Env, exit};

const COMMANDS: [&str; 14] = [
    "init",
    "generate",
    "import",
    "list",
    "show",
    "use",
    "next",
    "check",
    "regenerate",
    "revoke",
    "remove",
    "log",
    "passwd",
    "completions",
];

#[test]
fn every_command_has_help_with_an_example() {
    let env = Env::new();
    for command in COMMANDS {
        for args in [vec![command, "--help"], vec!["help", command]] {
            let run = env.cmd(&args).no_vault().run();
            run.ok();
            assert!(run.stdout.contains("Example"), "{run}");
            assert!(
                run.stdout.contains(&format!("codevault {command}")),
                "the example runs the command\n{run}"
            );
        }
    }
    assert!(!env.vault().exists());
}

#[test]
fn the_main_help_lists_every_command_and_the_exit_codes() {
    let env = Env::new();
    let run = env.cmd(["--help"]).no_vault().run();
    run.ok();
    for command in COMMANDS {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command)),
            "{command} is not listed\n{run}"
        );
    }
    assert!(run.stdout.contains("Exit codes"), "{run}");
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = env.cmd(["completions", shell]).no_vault().run();
        run.ok();
        assert!(run.stdout.len() > 200, "{run}");
        assert!(run.stdout.contains("codevault"), "{run}");
        for command in ["generate", "regenerate", "passwd"] {
            assert!(run.stdout.contains(command), "{shell}: {command}");
        }
        assert!(run.stderr.is_empty(), "{run}");
    }
    env.cmd(["completions", "powershell"])
        .no_vault()
        .run()
        .code(exit::USAGE);
    assert!(!env.vault().exists());
}

#[test]
fn version_is_printed() {
    let env = Env::new();
    let run = env.cmd(["--version"]).no_vault().run();
    run.ok();
    assert!(
        run.stdout
            .starts_with(&format!("codevault {}", env!("CARGO_PKG_VERSION"))),
        "{run}"
    );
}
