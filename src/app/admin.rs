//! The commands about the vault itself: `init`, `passwd`, `log`,
//! `completions`.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use clap::CommandFactory;
use rand::rngs::SysRng;

use crate::agent;
use crate::cli::{Cli, KdfArgs, Shell};
use crate::crypto::{self, KdfParams};
use crate::error::{Error, Result};
use crate::output;
use crate::prompt;
use crate::secret::Passphrase;
use crate::session::{self, Keys};
use crate::store;
use crate::strength;
use crate::vault::Vault;

use super::Outcome;
use super::context::{Context, account};

pub(super) fn kdf_from_flags(flags: &KdfArgs, base: KdfParams) -> Result<KdfParams> {
    KdfParams::new(
        flags.memory.unwrap_or(base.memory_mib().into()),
        flags.iterations.unwrap_or(base.iterations().into()),
        flags.parallelism.unwrap_or(base.parallelism().into()),
    )
    .map_err(Error::KdfFlag)
}

pub(super) fn init(
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
    // Asked before measuring: typed into the measuring pause, with the
    // terminal still echoing, a passphrase would show in clear.
    let passphrase = prompt::new_passphrase(new_passphrase_file)?;
    if let Some(target) = target {
        ctx.say("measuring this machine…");
        kdf = crypto::calibrate(kdf, target)?;
        ctx.say(&format!("calibrated to {target:.2?} per unlock: {kdf}"));
    }
    let keys = fresh_keys(ctx, &passphrase, kdf, new_passphrase_file)?;
    let vault = Vault::new(&mut SysRng, session::now())?;
    let bytes = session::encrypt(&vault, &keys)?;
    store::ensure_parent_dir(&ctx.path)?;
    let lock = store::lock(&ctx.path, store::LOCK_WAIT)?;
    let saved = store::create(&ctx.path, &bytes)?;
    drop(lock);
    if let Some(warning) = saved.warning() {
        ctx.say(&warning);
    }
    // A new vault at this path: whatever this machine remembers of a vault
    // that was here before (its cost, its events) is of another vault.
    ctx.remember(&vault, kdf, true);
    ctx.warn_permissions();
    let view = output::Created {
        path: ctx.path.display().to_string(),
        kdf,
    };
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

/// The keys of a new passphrase at `kdf`, once it is accepted: a weak one
/// is warned about with the time one derivation took here (what each guess
/// costs an attacker), and at the terminal must be confirmed.
fn fresh_keys(
    ctx: &mut Context,
    passphrase: &Passphrase,
    kdf: KdfParams,
    new_passphrase_file: Option<&Path>,
) -> Result<Keys> {
    let start = Instant::now();
    let keys = Keys::fresh(passphrase, kdf)?;
    if let Some(warning) = strength::weakness(passphrase, start.elapsed()) {
        ctx.say(&warning);
        if !prompt::new_passphrase_given(new_passphrase_file)
            && prompt::confirm("use it anyway?")? != Some(true)
        {
            return Err(Error::Cancelled);
        }
    }
    Ok(keys)
}

pub(super) fn log(ctx: &mut Context, raw: Option<&str>) -> Result<Outcome> {
    let name = raw.map(account).transpose()?;
    let vault = ctx.read()?;
    // A removed account still has its log; a name the vault never had is
    // a typo, answered like everywhere else.
    if let Some(n) = &name
        && !vault.ever_had(n)
    {
        vault.account(n)?;
    }
    let numbers = vault.shown_numbers();
    let events = vault
        .events()
        .iter()
        .filter(|e| {
            name.as_ref()
                .is_none_or(|n| e.account.as_deref() == Some(n.as_str()))
        })
        .map(|e| output::LogLine::of(e, |set| vault.shown(&numbers, set)))
        .collect();
    ctx.emit(&output::Log { events })?;
    Ok(Outcome::Done)
}

pub(super) fn passwd(
    ctx: &mut Context,
    upgrade: bool,
    flags: &KdfArgs,
    new_passphrase_file: Option<&Path>,
) -> Result<Outcome> {
    // Bad flags are said before anything is read or asked.
    kdf_from_flags(flags, KdfParams::DEFAULT)?;
    let u = ctx.unlock_by_passphrase()?;
    let old_key = agent::KeyId::of(u.file.header());
    let kdf = if upgrade {
        KdfParams::DEFAULT
    } else {
        kdf_from_flags(flags, u.keys.kdf())?
    };
    // Plain `passwd` changes the passphrase. With a new cost (--upgrade or
    // a --kdf-* flag) it keeps the passphrase unless a new one is given,
    // by --new-passphrase-file or CODEVAULT_NEW_PASSPHRASE alike.
    let new_cost = upgrade
        || flags.memory.is_some()
        || flags.iterations.is_some()
        || flags.parallelism.is_some();
    let change_passphrase = !new_cost || prompt::new_passphrase_given(new_passphrase_file);
    let new_passphrase = if change_passphrase {
        prompt::new_passphrase(new_passphrase_file)?
    } else {
        u.passphrase.clone().ok_or(Error::NoPassphraseSource)?
    };
    let new_keys = if change_passphrase {
        fresh_keys(ctx, &new_passphrase, kdf, new_passphrase_file)?
    } else {
        Keys::fresh(&new_passphrase, kdf)?
    };
    ctx.modify(u, Some(&new_keys), |v| {
        Ok(v.log_passwd(
            &mut SysRng,
            session::now(),
            change_passphrase,
            kdf.to_string(),
        )?)
    })?;
    // The old key opens nothing now; the agent need not keep it. The new
    // one is not handed over: `unlock` again, deliberately.
    agent::forget(old_key);
    ctx.emit(&output::Rekeyed {
        path: ctx.path.display().to_string(),
        passphrase_changed: change_passphrase,
        kdf,
    })?;
    Ok(Outcome::Done)
}

pub(super) fn completions(shell: Shell, out: &mut dyn Write) -> Result<Outcome> {
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
