//! One function per command: checked inputs in, a view out.
//!
//! The order inside every command is the same, and it matters: check the
//! arguments, read and check the file (a missing or damaged vault is said
//! before any prompt), get the passphrase and derive the keys, ask any other
//! question, and only then take the writer's lock, read the file again,
//! change it and replace it. Nothing is written when a step fails.

use std::env;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use rand::rngs::SysRng;

use crate::cli::{Cli, Command, KdfArgs, Shell};
use crate::code::{Alphabet, Code};
use crate::crypto::{self, KdfParams};
use crate::error::{Error, Result, exit, shell_word};
use crate::import;
use crate::output::{self, View};
use crate::prompt;
use crate::secret::Passphrase;
use crate::session::{self, CheckedFile, Keys};
use crate::store;
use crate::vault::{AccountName, Diagnosis, Origin, Vault};

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

/// Where a command's results and messages go.
pub struct Context<'a> {
    path: PathBuf,
    passphrase_file: Option<PathBuf>,
    json: bool,
    /// The cost of a vault opened below the default, for a hint once the
    /// command has succeeded (a failure's own hint must not be buried).
    weak_kdf: Option<KdfParams>,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
}

pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    if let Command::Completions { shell } = cli.command {
        return completions(shell, out);
    }
    let path = store::resolve_path(cli.global.vault, env::var_os("CODEVAULT_PATH"))?;
    let mut ctx = Context {
        path,
        passphrase_file: cli.global.passphrase_file,
        json: cli.global.json,
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
        } => import(&mut ctx, &account, file.as_deref(), replace),
        Command::List => list(&mut ctx),
        Command::Show {
            account,
            all,
            sheet,
        } => show(&mut ctx, &account, all, sheet),
        Command::Use {
            account,
            code,
            note,
        } => use_code(&mut ctx, &account, code, note),
        Command::Next { account, note } => next(&mut ctx, &account, note),
        Command::Check { code, account } => check(&mut ctx, &code, account.as_deref()),
        Command::Revoke { account } => revoke(&mut ctx, &account),
        Command::Remove { account, yes } => remove(&mut ctx, &account, yes),
        Command::Log { account } => log(&mut ctx, account.as_deref()),
        Command::Passwd {
            upgrade,
            kdf,
            new_passphrase_file,
        } => passwd(&mut ctx, upgrade, &kdf, new_passphrase_file.as_deref()),
        Command::Completions { .. } => unreachable!("handled above"),
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

// ------------------------------------------------------------------ plumbing

/// The passphrase, the file as first read, and the keys for it.
struct Unlocked {
    passphrase: Passphrase,
    keys: Keys,
    file: CheckedFile,
}

impl Context<'_> {
    fn emit(&mut self, view: &impl View) -> Result<()> {
        output::emit(self.out, self.json, view).map_err(Error::output)
    }

    /// A message for people, on standard error.
    fn say(&mut self, line: &str) {
        let _ = writeln!(self.err, "{line}");
    }

    /// Reads and checks the file, then asks for the passphrase and derives
    /// the keys: a missing or damaged vault is reported before any prompt.
    fn unlock(&mut self) -> Result<Unlocked> {
        let file = CheckedFile::new(&self.path, store::read(&self.path)?)?;
        if file.header().kdf.is_weaker_than(KdfParams::DEFAULT) {
            self.weak_kdf = Some(file.header().kdf);
        }
        let passphrase = prompt::passphrase(self.passphrase_file.as_deref(), &self.path)?;
        let keys = Keys::for_file(&self.path, &file.envelope(), &passphrase)?;
        Ok(Unlocked {
            passphrase,
            keys,
            file,
        })
    }

    /// The vault, read-only: no lock is taken.
    fn read(&mut self) -> Result<Vault> {
        let u = self.unlock()?;
        self.decrypt(&u)
    }

    /// The vault as `unlock` read it.
    fn decrypt(&self, u: &Unlocked) -> Result<Vault> {
        session::decrypt(&self.path, &u.file.envelope(), &u.keys)
    }

    /// Read-modify-write under the lock; a change that fails writes
    /// nothing. `write_with` chooses the keys the new file is sealed with
    /// (the same ones, except for `passwd`). Takes the unlocked state by
    /// value so the file's bytes can go as soon as they are decrypted: on a
    /// large vault, peak memory is what is alive at once.
    fn modify<T>(
        &mut self,
        u: Unlocked,
        write_with: Option<&Keys>,
        change: impl FnOnce(&mut Vault) -> Result<T>,
    ) -> Result<T> {
        let _lock = store::lock(&self.path, store::LOCK_WAIT)?;
        let bytes = store::read(&self.path)?;
        let Unlocked {
            passphrase,
            keys,
            file,
        } = u;
        // Usually nobody wrote since `unlock` read the file: no need to
        // check it again. Otherwise check the new file, and if a `passwd`
        // ran meanwhile, derive the keys again for it.
        let file = if bytes == file.bytes() {
            drop(bytes);
            file
        } else {
            drop(file);
            CheckedFile::new(&self.path, bytes)?
        };
        let keys = if keys.fit(file.header()) {
            keys
        } else {
            Keys::for_file(&self.path, &file.envelope(), &passphrase).map_err(|e| match e {
                Error::WrongPassphrase { path } => Error::RekeyedMeanwhile { path },
                e => e,
            })?
        };
        let mut vault = session::decrypt(&self.path, &file.envelope(), &keys)?;
        drop(file);
        // A failed change returns here, before anything is written.
        let result = change(&mut vault)?;
        let sealed = session::encrypt(&vault, write_with.unwrap_or(&keys))?;
        drop(vault);
        let saved = store::replace(&self.path, &sealed)?;
        if let Some(warning) = saved.warning() {
            self.say(&warning);
        }
        Ok(result)
    }

    /// The standard-error warning for a set running out, with its fix.
    fn warn_low(&mut self, account: &str, remaining: usize, origin: Origin) {
        self.say(&format!(
            "warning: '{account}' has {remaining} unused code{} left; {}",
            if remaining == 1 { "" } else { "s" },
            origin.renewal(account)
        ));
    }
}

fn account(raw: &str) -> Result<AccountName> {
    AccountName::parse(raw)
}

/// Reads typed text as a code. With an account named, it must be a code
/// of that account's alphabets (newest set first): anything else is an
/// input error, except a code another account of the vault actually holds,
/// which is worth naming (`other_account`). Without an account, any
/// alphabet of the vault will do.
fn parse_code(vault: &Vault, name: Option<&AccountName>, typed: &str) -> Result<Code> {
    let first_fit = |alphabets: &[Alphabet]| -> Result<Code> {
        let mut first_err = None;
        for &a in alphabets {
            match Code::parse(typed, a) {
                Ok(c) => return Ok(c),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or_else(|| Error::MalformedCode {
            reason: "there are no codes to compare it with".into(),
        }))
    };
    let Some(n) = name else {
        return first_fit(&vault.alphabets());
    };
    let own: Vec<Alphabet> = vault
        .account(n)?
        .sets
        .iter()
        .rev()
        .map(|s| s.alphabet)
        .collect();
    first_fit(&own).or_else(|err| {
        let others: Vec<Alphabet> = vault
            .alphabets()
            .into_iter()
            .filter(|a| !own.contains(a))
            .collect();
        match first_fit(&others) {
            Ok(code) if !matches!(vault.diagnose(None, &code), Ok(Diagnosis::Unknown { .. })) => {
                Ok(code)
            }
            _ => Err(err),
        }
    })
}

fn kdf_from_flags(flags: &KdfArgs, base: KdfParams) -> Result<KdfParams> {
    KdfParams::new(
        flags.memory.unwrap_or(base.memory_mib().into()),
        flags.iterations.unwrap_or(base.iterations().into()),
        flags.parallelism.unwrap_or(base.parallelism().into()),
    )
    .map_err(Error::KdfFlag)
}

// ------------------------------------------------------------------ commands

fn init(
    ctx: &mut Context,
    flags: &KdfArgs,
    kdf_time: Option<f64>,
    new_passphrase_file: Option<&Path>,
) -> Result<Outcome> {
    let mut kdf = kdf_from_flags(flags, KdfParams::DEFAULT)?;
    let target = kdf_time.map(crypto::calibration_target).transpose()?;
    if store::occupied(&ctx.path) {
        return Err(Error::VaultExists {
            path: ctx.path.clone(),
        });
    }
    if let Some(target) = target {
        kdf = crypto::calibrate(kdf, target)?;
        ctx.say(&format!("calibrated to {target:.2?} per unlock: {kdf}"));
    }
    let passphrase = prompt::new_passphrase(new_passphrase_file)?;
    let keys = Keys::fresh(&passphrase, kdf)?;
    let bytes = session::encrypt(&Vault::new(session::now()), &keys)?;
    store::ensure_parent_dir(&ctx.path)?;
    let _lock = store::lock(&ctx.path, store::LOCK_WAIT)?;
    let saved = store::create(&ctx.path, &bytes)?;
    if let Some(warning) = saved.warning() {
        ctx.say(&warning);
    }
    let view = output::Created {
        path: ctx.path.display().to_string(),
        kdf,
    };
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

fn generate(ctx: &mut Context, raw: &str, count: usize, regenerate: bool) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    let issued = ctx.modify(u, None, |v| {
        let now = session::now();
        let (set, revoked) = if regenerate {
            let old = v.account(&name)?.active().map(|s| s.id);
            (v.regenerate(&name, count, &mut SysRng, now)?, old)
        } else {
            (v.generate(&name, count, &mut SysRng, now)?, None)
        };
        Ok(output::Issued::of(name.as_str(), set, revoked))
    })?;
    ctx.emit(&issued)?;
    Ok(Outcome::Done)
}

fn import(ctx: &mut Context, raw: &str, file: Option<&Path>, replace: bool) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    if file.is_none() && prompt::stdin_is_terminal() {
        ctx.say("Paste the codes, then press Ctrl-D on an empty line:");
    }
    let text = prompt::read_text(file)?;
    let parsed = import::parse(&text)?;
    drop(text);
    let (read, duplicates, ignored) = (
        parsed.codes.len() + parsed.duplicates,
        parsed.duplicates,
        parsed.ignored,
    );
    let issued = ctx.modify(u, None, |v| {
        let old = v
            .account(&name)
            .ok()
            .and_then(|a| a.active())
            .map(|s| s.id)
            .filter(|_| replace);
        let set = v.import(
            &name,
            parsed.codes,
            parsed.alphabet,
            replace,
            &mut SysRng,
            session::now(),
        )?;
        Ok(output::Issued::of(name.as_str(), set, old))
    })?;
    if duplicates > 0 {
        ctx.say(&format!(
            "warning: {duplicates} duplicate code{} dropped",
            if duplicates == 1 { "" } else { "s" }
        ));
    }
    if ignored > 0 {
        ctx.say(&format!(
            "note: {ignored} code-like word{} of another kind skipped",
            if ignored == 1 { " was" } else { "s were" }
        ));
    }
    ctx.say(&format!(
        "read {read} codes, stored {}; `codevault show {}` lists them",
        issued.codes.len(),
        shell_word(name.as_str())
    ));
    ctx.emit(&issued)?;
    Ok(Outcome::Done)
}

fn list(ctx: &mut Context) -> Result<Outcome> {
    let vault = ctx.read()?;
    let rows: Vec<output::AccountRow> = vault
        .accounts()
        .map(|(name, a)| match a.active() {
            Some(set) => output::AccountRow {
                account: name.to_string(),
                remaining: set.remaining(),
                total: set.codes.len(),
                created: Some(set.created),
                origin: Some(set.origin),
                low: set.is_low(),
                active: true,
            },
            None => output::AccountRow {
                account: name.to_string(),
                remaining: 0,
                total: 0,
                created: None,
                origin: None,
                low: false,
                active: false,
            },
        })
        .collect();
    for row in rows.iter().filter(|r| r.low) {
        let origin = row.origin.expect("low implies an active set");
        ctx.warn_low(&row.account, row.remaining, origin);
    }
    ctx.emit(&output::AccountList { accounts: rows })?;
    Ok(Outcome::Done)
}

fn show(ctx: &mut Context, raw: &str, all: bool, sheet: bool) -> Result<Outcome> {
    let name = account(raw)?;
    let vault = ctx.read()?;
    let set = vault.active_set(&name)?;
    let codes = set
        .codes
        .iter()
        .enumerate()
        .filter(|(_, e)| all || sheet || e.used.is_none())
        .map(|(i, e)| output::ShownCode {
            index: i + 1,
            code: e.code.clone(),
            used: e.used.as_ref().map(|u| output::UsedInfo {
                at: u.at,
                note: u.note.clone(),
            }),
        })
        .collect();
    let view = output::Shown {
        account: name.as_str().to_string(),
        set: output::SetInfo::of(set),
        codes,
        remaining: set.remaining(),
        total: set.codes.len(),
        sheet,
    };
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

fn use_code(
    ctx: &mut Context,
    raw: &str,
    typed: Vec<String>,
    note: Option<String>,
) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    let typed = if typed.is_empty() {
        prompt::code_from_stdin_or_prompt()?
    } else {
        zeroize::Zeroizing::new(typed.join(" "))
    };
    // A refusal is saved too: it goes into the audit trail.
    let result = ctx.modify(u, None, |v| {
        let code = parse_code(v, Some(&name), &typed)?;
        v.use_code(&name, &code, note, session::now())
    })?;
    match result {
        Ok(receipt) => {
            let (remaining, origin, low) = (receipt.remaining, receipt.origin, receipt.low);
            ctx.emit(&output::Marked::of(receipt, false))?;
            if low {
                ctx.warn_low(name.as_str(), remaining, origin);
            }
            Ok(Outcome::Done)
        }
        Err(diagnosis) => refuse(ctx, &diagnosis),
    }
}

/// A refused code: the reason as the error line, the JSON on stdout.
fn refuse(ctx: &mut Context, diagnosis: &Diagnosis) -> Result<Outcome> {
    let (line, hint) = output::explain(diagnosis);
    ctx.say(&format!("codevault: error: code refused: {line}"));
    if let Some(h) = hint {
        ctx.say(&format!("hint: {h}"));
    }
    if ctx.json {
        ctx.emit(&output::Refused(diagnosis))?;
    }
    Ok(Outcome::Refused)
}

fn next(ctx: &mut Context, raw: &str, note: Option<String>) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    // The mark is on disk (fsync, rename, fsync) before the code is shown.
    let receipt = ctx.modify(u, None, |v| v.next(&name, note, session::now()))?;
    let (index, remaining, origin, low) = (
        receipt.index,
        receipt.remaining,
        receipt.origin,
        receipt.low,
    );
    ctx.emit(&output::Marked::of(receipt, true))?;
    if !ctx.json {
        ctx.say(&format!(
            "code {index} of '{}', now marked used; {remaining} left",
            name.as_str()
        ));
    }
    if low {
        ctx.warn_low(name.as_str(), remaining, origin);
    }
    Ok(Outcome::Done)
}

fn check(ctx: &mut Context, typed: &str, raw: Option<&str>) -> Result<Outcome> {
    let name = raw.map(account).transpose()?;
    let vault = ctx.read()?;
    // `check 1234 5678` unquoted: the second half is no account, but the
    // two together are a code.
    let joined;
    let (typed, name) = match (raw, &name) {
        (Some(second), Some(n)) if vault.account(n).is_err() => {
            joined = format!("{typed} {second}");
            match parse_code(&vault, None, &joined) {
                Ok(_) => (joined.as_str(), None),
                Err(_) => (typed, name),
            }
        }
        _ => (typed, name),
    };
    let code = parse_code(&vault, name.as_ref(), typed)?;
    let diagnosis = vault.diagnose(name.as_ref(), &code)?;
    ctx.emit(&output::Checked {
        code: &code,
        diagnosis: &diagnosis,
    })?;
    if !ctx.json
        && let (_, Some(hint)) = output::explain(&diagnosis)
    {
        // The answer is data (stdout); the advice is a message (stderr).
        ctx.say(&format!("hint: {hint}"));
    }
    Ok(match diagnosis {
        Diagnosis::Unused { .. } => Outcome::Done,
        _ => Outcome::Refused,
    })
}

fn revoke(ctx: &mut Context, raw: &str) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    let view = ctx.modify(u, None, |v| {
        let set = v.revoke(&name, session::now())?;
        Ok(output::RevokedSet {
            account: name.as_str().to_string(),
            set: output::SetInfo::of(set),
            unused: set.remaining(),
        })
    })?;
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

fn remove(ctx: &mut Context, raw: &str, yes: bool) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    // Say "unknown account" before asking whether to remove it.
    let sets = ctx.decrypt(&u)?.account(&name)?.sets.len();
    if !yes {
        let question = format!(
            "Remove '{}' and its whole history ({sets} sets)? This cannot be undone.",
            name.as_str()
        );
        match prompt::confirm(&question)? {
            None => {
                return Err(Error::NeedsConfirmation {
                    account: name.as_str().to_string(),
                });
            }
            Some(false) => return Err(Error::Cancelled),
            Some(true) => {}
        }
    }
    let view = ctx.modify(u, None, |v| {
        let removed = v.remove(&name, session::now())?;
        Ok(output::Removed {
            account: name.as_str().to_string(),
            sets: removed.sets.len(),
        })
    })?;
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

fn log(ctx: &mut Context, raw: Option<&str>) -> Result<Outcome> {
    let name = raw.map(account).transpose()?;
    let vault = ctx.read()?;
    // A removed account still has its log; a name the vault never had is
    // a typo, answered like everywhere else.
    if let Some(n) = &name {
        let ever = vault
            .events()
            .iter()
            .any(|e| e.account.as_deref() == Some(n.as_str()));
        if !ever {
            vault.account(n)?;
        }
    }
    let events = vault
        .events()
        .iter()
        .filter(|e| {
            name.as_ref()
                .is_none_or(|n| e.account.as_deref() == Some(n.as_str()))
        })
        .map(output::LogEntry)
        .collect();
    ctx.emit(&output::Log { events })?;
    Ok(Outcome::Done)
}

fn passwd(
    ctx: &mut Context,
    upgrade: bool,
    flags: &KdfArgs,
    new_passphrase_file: Option<&Path>,
) -> Result<Outcome> {
    // Bad flags are said before anything is read or asked.
    kdf_from_flags(flags, KdfParams::DEFAULT)?;
    let u = ctx.unlock()?;
    let kdf = if upgrade {
        KdfParams::DEFAULT
    } else {
        kdf_from_flags(flags, u.keys.kdf())?
    };
    // Plain `passwd` changes the passphrase. With a new cost (--upgrade or
    // a --kdf-* flag) it keeps the passphrase unless a new one is named
    // with --new-passphrase-file: a stray environment variable must not
    // change it unasked.
    let new_cost = upgrade
        || flags.memory.is_some()
        || flags.iterations.is_some()
        || flags.parallelism.is_some();
    let change_passphrase = !new_cost || new_passphrase_file.is_some();
    let new_passphrase = if change_passphrase {
        prompt::new_passphrase(new_passphrase_file)?
    } else {
        u.passphrase.clone()
    };
    let new_keys = Keys::fresh(&new_passphrase, kdf)?;
    ctx.modify(u, Some(&new_keys), |v| {
        v.log_passwd(session::now(), change_passphrase, kdf.to_string());
        Ok(())
    })?;
    ctx.emit(&output::Rekeyed {
        path: ctx.path.display().to_string(),
        passphrase_changed: change_passphrase,
        kdf,
    })?;
    Ok(Outcome::Done)
}

fn completions(shell: Shell, out: &mut dyn Write) -> Result<Outcome> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "codevault", &mut buf);
    out.write_all(&buf)
        .and_then(|()| out.flush())
        .map_err(Error::output)?;
    Ok(Outcome::Done)
}
