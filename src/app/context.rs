//! The plumbing every command shares: where output goes, unlocking the
//! vault (file checked before any prompt, keys derived once), and the
//! locked read-modify-write that every change goes through.

use std::io::Write;
use std::path::PathBuf;

use crate::agent;
use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::output::{self, View};
use crate::prompt;
use crate::secret::Passphrase;
use crate::session::{self, CheckedFile, Keys};
use crate::store;
use crate::vault::{AccountName, Origin, Vault};

/// Where a command's results and messages go.
pub(super) struct Context<'a> {
    pub(super) path: PathBuf,
    pub(super) passphrase_file: Option<PathBuf>,
    pub(super) json: bool,
    /// The cost of a vault opened below the default, for a hint once the
    /// command has succeeded (a failure's own hint must not be buried).
    pub(super) weak_kdf: Option<KdfParams>,
    pub(super) out: &'a mut dyn Write,
    pub(super) err: &'a mut dyn Write,
}

/// The passphrase, the file as first read, and the keys for it.
pub(super) struct Unlocked {
    /// `None` when the keys came from the agent.
    pub(super) passphrase: Option<Passphrase>,
    pub(super) keys: Keys,
    pub(super) file: CheckedFile,
}

impl Context<'_> {
    pub(super) fn emit(&mut self, view: &impl View) -> Result<()> {
        output::emit(self.out, self.json, view).map_err(Error::output)
    }

    /// A message for people, on standard error.
    pub(super) fn say(&mut self, line: &str) {
        let _ = writeln!(self.err, "{line}");
    }

    /// Reads and checks the file, then takes the keys from the agent or
    /// asks for the passphrase and derives them: a missing or damaged vault
    /// is reported before any prompt.
    pub(super) fn unlock(&mut self) -> Result<Unlocked> {
        self.unlock_from(true)
    }

    /// As `unlock`, but from the passphrase itself, never the agent: for
    /// `passwd`, which needs the passphrase and proves it is known.
    pub(super) fn unlock_by_passphrase(&mut self) -> Result<Unlocked> {
        self.unlock_from(false)
    }

    fn unlock_from(&mut self, agent: bool) -> Result<Unlocked> {
        let file = CheckedFile::new(&self.path, store::read(&self.path)?)?;
        if file.header().kdf.is_weaker_than(KdfParams::DEFAULT) {
            self.weak_kdf = Some(file.header().kdf);
        }
        // An explicit passphrase wins over the agent.
        if agent
            && !prompt::passphrase_given(self.passphrase_file.as_deref())
            && let Some(keys) = agent::keys_for(file.header())
        {
            return Ok(Unlocked {
                passphrase: None,
                keys,
                file,
            });
        }
        let passphrase = prompt::passphrase(self.passphrase_file.as_deref(), &self.path)?;
        let keys = Keys::for_file(&self.path, &file.envelope(), &passphrase)?;
        Ok(Unlocked {
            passphrase: Some(passphrase),
            keys,
            file,
        })
    }

    /// The vault, read-only: no lock is taken.
    pub(super) fn read(&mut self) -> Result<Vault> {
        let u = self.unlock()?;
        session::decrypt(&self.path, u.file, &u.keys)
    }

    /// The vault as `unlock` read it, from a copy of the file: `u` stays
    /// whole for a `modify` after it.
    pub(super) fn decrypt(&self, u: &Unlocked) -> Result<Vault> {
        session::decrypt(&self.path, u.file.clone(), &u.keys)
    }

    /// Read-modify-write under the lock; a change that fails writes
    /// nothing. `write_with` chooses the keys the new file is sealed with
    /// (the same ones, except for `passwd`). Takes the unlocked state by
    /// value so the file's bytes can go as soon as they are decrypted: on a
    /// large vault, peak memory is what is alive at once.
    pub(super) fn modify<T>(
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
            // Keys from the agent come without a passphrase to derive again.
            let rekeyed = || Error::RekeyedMeanwhile {
                path: self.path.clone(),
            };
            let passphrase = passphrase.ok_or_else(rekeyed)?;
            Keys::for_file(&self.path, &file.envelope(), &passphrase).map_err(|e| match e {
                Error::WrongPassphrase { path } => Error::RekeyedMeanwhile { path },
                e => e,
            })?
        };
        let mut vault = session::decrypt(&self.path, file, &keys)?;
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
    pub(super) fn warn_low(&mut self, account: &str, remaining: usize, origin: Origin) {
        self.say(&format!(
            "warning: '{account}' has {remaining} unused code{} left; {}",
            if remaining == 1 { "" } else { "s" },
            origin.renewal(account)
        ));
    }
}

pub(super) fn account(raw: &str) -> Result<AccountName> {
    AccountName::parse(raw)
}
