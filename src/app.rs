//! One function per command: checked inputs in, a view out. `context`
//! holds what they share; `sets`, `codes`, `admin` and `unlock` the
//! commands.
//!
//! The order inside every command is the same, and it matters: check the
//! arguments, read and check the file (a missing or damaged vault is said
//! before any prompt), get the passphrase and derive the keys, ask any other
//! question, and only then take the writer's lock, read the file again,
//! change it and replace it. Nothing is written when a step fails.

use std::env;
use std::io::Write;
use std::path::Path;

use crate::cli::{Cli, Command};
use crate::error::{Error, PassphraseOption, Result, exit};
use crate::store;

mod admin;
mod codes;
mod context;
mod copies;
mod export;
mod man;
mod sets;
mod unlock;

use admin::{completions, init, log, passwd};
use codes::{check, next, use_code};
use context::{Context, Memory};
use copies::{git_merge, merge, summary};
use sets::{generate, import, list, remove, revoke, show};
use unlock::{lock, unlock};

/// How a command that did not fail ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// A code was refused (`use`) or is not valid (`check`): exit 1.
    Refused,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Done => exit::SUCCESS,
            Outcome::Refused => exit::REFUSED,
        }
    }
}

/// The `--new-passphrase-file` of `init` and `passwd`.
fn new_passphrase_file(command: &Command) -> Option<&Path> {
    match command {
        Command::Init {
            new_passphrase_file,
            ..
        }
        | Command::Passwd {
            new_passphrase_file,
            ..
        } => new_passphrase_file.as_deref(),
        _ => None,
    }
}

/// The `--other-passphrase-file` of `merge`.
fn other_passphrase_file(command: &Command) -> Option<&Path> {
    match command {
        Command::Merge {
            other_passphrase_file,
            ..
        } => other_passphrase_file.as_deref(),
        _ => None,
    }
}

pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    // The commands that need no vault.
    match cli.command {
        Command::Completions { shell } => return completions(shell, out),
        Command::Man => return man::man(out),
        Command::Lock => return lock(cli.global.json, out),
        _ => {}
    }
    // Checked before anything is asked, and said without the path: one
    // who meant `--passphrase` typed the passphrase there.
    let files = [
        (
            cli.global.passphrase_file.as_deref(),
            PassphraseOption::Vault,
        ),
        (new_passphrase_file(&cli.command), PassphraseOption::New),
        (other_passphrase_file(&cli.command), PassphraseOption::Other),
    ];
    for (file, option) in files {
        if let Some(file) = file
            && file.as_os_str() != "-"
            && !file.exists()
        {
            return Err(Error::NoPassphraseFile { option });
        }
    }
    let path = store::resolve_path(cli.global.vault, env::var_os("CODEVAULT_PATH"))?;
    let mut ctx = Context {
        path,
        passphrase_file: cli.global.passphrase_file,
        json: cli.global.json,
        accept_older: cli.global.accept_older,
        memory: Memory::Checked,
        weak_kdf: None,
        out,
        err,
    };
    let is_passwd = matches!(cli.command, Command::Passwd { .. });
    let outcome = match cli.command {
        Command::Init {
            kdf,
            kdf_time,
            new_passphrase_file,
        } => init(&mut ctx, &kdf, kdf_time, new_passphrase_file.as_deref()),
        Command::Generate { account, count } => generate(&mut ctx, &account, count.into(), false),
        Command::Regenerate { account, count } => generate(&mut ctx, &account, count.into(), true),
        Command::Import {
            account,
            file,
            replace,
            skip_malformed,
        } => import(&mut ctx, &account, file.as_deref(), replace, skip_malformed),
        Command::List => list(&mut ctx),
        Command::Show {
            accounts,
            all,
            sheet,
        } => show(&mut ctx, &accounts, all, sheet),
        Command::Use {
            account,
            code,
            note,
        } => use_code(&mut ctx, &account, code, note),
        Command::Next {
            account,
            note,
            copy,
        } => next(&mut ctx, &account, note, copy),
        Command::Check { code, account } => check(&mut ctx, &code, account.as_deref()),
        Command::Revoke { account } => revoke(&mut ctx, &account),
        Command::Remove { account, yes } => remove(&mut ctx, &account, yes),
        Command::Log { account } => log(&mut ctx, account.as_deref()),
        Command::Passwd {
            upgrade,
            kdf,
            new_passphrase_file,
        } => passwd(&mut ctx, upgrade, &kdf, new_passphrase_file.as_deref()),
        Command::Merge {
            others,
            conflicts,
            other_passphrase_file,
            unrelated,
        } => merge(
            &mut ctx,
            &others,
            conflicts,
            other_passphrase_file.as_deref(),
            unrelated,
        ),
        Command::GitMerge { ours, theirs, .. } => git_merge(&mut ctx, &ours, &theirs),
        Command::Summary { path } => summary(&mut ctx, path.as_deref()),
        Command::Export { output } => export::export(&mut ctx, output.as_deref()),
        Command::Unlock { timeout } => unlock(&mut ctx, &timeout),
        Command::Completions { .. } | Command::Man | Command::Lock => {
            unreachable!("handled above")
        }
    }?;
    // Only after a success: a refusal's or failure's hint must stay the
    // last line. `passwd` changes the cost itself: no point there.
    if let Some(kdf) = ctx
        .weak_kdf
        .filter(|_| !is_passwd && outcome == Outcome::Done)
    {
        ctx.say(&format!(
            "hint: this vault's key derivation ({kdf}) is below the current default; \
             `codevault passwd --upgrade` strengthens it"
        ));
    }
    Ok(outcome)
}
