//! `man`: the manual page renders without a warning, and `--help`, the
//! page and the README's list of commands name the same commands, those of
//! the clap definitions.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use clap::CommandFactory;
use codevault::cli::Cli;
use common::Env;

/// The commands people are meant to use (not the hidden helper).
fn commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

fn page() -> String {
    let env = Env::new();
    let run = env.cmd(["man"]).no_vault().run();
    run.ok();
    assert!(run.stderr.is_empty(), "{run}");
    assert!(!env.vault().exists());
    run.stdout
}

/// Runs a formatter over the page: its output, or `None` where it is not
/// installed (CI installs it).
fn format_with(program: &str, args: &[&str], page: &str) -> Option<(String, String)> {
    let child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("MANWIDTH", "80")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(std::env::var_os("CI").is_none(), "{program} missing in CI");
        eprintln!("skipped: {program} is not installed");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{program} failed: {out:?}");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn the_page_renders_without_warnings() {
    let page = page();
    assert!(page.contains(".TH codevault 1"), "{page}");
    if let Some((_, warnings)) = format_with("groff", &["-man", "-ww", "-z"], &page) {
        assert_eq!(warnings, "", "groff warns");
    }
    let Some((text, warnings)) =
        format_with("man", &["-l", "--warnings", "-E", "UTF-8", "-"], &page)
    else {
        return;
    };
    assert_eq!(warnings, "", "man warns");
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "COMMANDS",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "SECURITY",
        "SEE ALSO",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "no {section} section:\n{text}"
        );
    }
    for var in [
        "CODEVAULT_PATH",
        "CODEVAULT_PASSPHRASE",
        "CODEVAULT_CLIP_TIME",
        "NO_COLOR",
    ] {
        assert!(text.contains(var), "{var} is not in ENVIRONMENT");
    }
    // Every command's options and its example, as `--help` has them.
    assert!(text.contains("--copy"), "{text}");
    assert!(
        text.contains("codevault export --output codes.json"),
        "{text}"
    );
}

#[test]
fn help_the_page_and_the_readme_name_the_same_commands() {
    let env = Env::new();
    let help = env.cmd(["--help"]).no_vault().run();
    help.ok();
    let page = page();
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read the README");
    // The README's list: the `### COMMAND ...` headings of its Commands
    // section.
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Commands\n"))
        .expect("a ## Commands section");
    let mut listed: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let commands = commands();
    let mut sorted: Vec<&str> = commands.iter().map(String::as_str).collect();
    listed.sort_unstable();
    sorted.sort_unstable();
    assert_eq!(listed, sorted, "the README's list differs from the CLI's");
    for name in &commands {
        assert!(
            help.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name.as_str())),
            "--help does not list {name}\n{help}"
        );
        assert!(
            page.contains(&format!(".SS \"{name}\"")),
            "the page has no {name} subsection"
        );
    }
    // And nothing that is not a command.
    let sections = page.matches(".SS ").count();
    assert_eq!(sections, commands.len());
    assert!(!page.contains("__clear-clipboard"));
    assert!(!help.stdout.contains("__clear-clipboard"));
}
