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
use crate::seen;
use crate::session::{self, CheckedFile, Keys};
use crate::store;
use crate::vault::{AccountName, Origin, Vault};

/// Where a command's results and messages go.
pub(super) struct Context<'a> {
    pub(super) path: PathBuf,
    pub(super) passphrase_file: Option<PathBuf>,
    pub(super) json: bool,
    /// `--accept-older`: open a copy older than this machine saw, or one
    /// whose cost was raised, and remember it as it is.
    pub(super) accept_older: bool,
    /// How this command treats what this machine remembers of the file.
    pub(super) memory: Memory,
    /// The cost of a vault opened below the default, for a hint once the
    /// command has succeeded (a failure's own hint must not be buried).
    pub(super) weak_kdf: Option<KdfParams>,
    pub(super) out: &'a mut dyn Write,
    pub(super) err: &'a mut dyn Write,
}

/// How a command uses `seen`, the memory of what this machine saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Memory {
    /// The vault of the command: checked against the memory, remembered.
    Checked,
    /// The vault, for `merge`: an older copy is what a merge mends, so it
    /// is not refused; the result is remembered.
    Mending,
    /// A file that is not the vault at its path as the person uses it (the
    /// temporary files git hands a merge driver or a textconv): neither
    /// checked nor remembered, and no conflict copies looked for.
    Ephemeral,
}

/// The passphrase, the file as first read, and the keys for it.
pub(super) struct Unlocked {
    /// `None` when the keys came from the agent.
    pub(super) passphrase: Option<Passphrase>,
    pub(super) keys: Keys,
    pub(super) file: CheckedFile,
    /// What this machine remembered of the file before this command.
    recalled: Option<seen::Memory>,
}

impl Context<'_> {
    pub(super) fn emit(&mut self, view: &impl View) -> Result<()> {
        output::emit(self.out, self.json, view).map_err(Error::output)
    }

    /// A message for people, on standard error: one line, escaped (it
    /// may hold a name, a note or a path).
    pub(super) fn say(&mut self, line: &str) {
        // Escaped first: it may hold a name, a note or a path; the colour
        // goes around the escaped text.
        let _ = writeln!(
            self.err,
            "{}",
            crate::style::message(&crate::display::escape(line))
        );
    }

    /// Reads and checks the file, then takes the keys from the agent or
    /// asks for the passphrase and derives them: a missing or damaged vault
    /// is reported before any prompt, and so is a cost raised since this
    /// machine last opened the file.
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
        self.warn_permissions();
        let recalled = self.recall();
        if self.memory != Memory::Ephemeral {
            self.warn_conflict_copies();
        }
        let kdf = file.header().kdf;
        if let Some(was) = recalled.as_ref().and_then(|m| m.kdf_raised(kdf))
            && !self.accept_older
        {
            return Err(Error::KdfRaised {
                path: self.path.clone(),
                was,
                now: kdf,
            });
        }
        if kdf.is_weaker_than(KdfParams::DEFAULT) {
            self.weak_kdf = Some(kdf);
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
                recalled,
            });
        }
        // A mistyped passphrase at the terminal may be typed again, twice;
        // each try is a full derivation, so none is free. A file or the
        // environment would only give the same wrong one again.
        let typed = !prompt::passphrase_given(self.passphrase_file.as_deref());
        let mut tries = if typed { prompt::TRIES } else { 1 };
        let (passphrase, keys) = loop {
            let passphrase = prompt::passphrase(self.passphrase_file.as_deref(), &self.path)?;
            match Keys::for_file(&self.path, &file.envelope(), &passphrase) {
                Err(Error::WrongPassphrase { .. }) if tries > 1 => {
                    tries -= 1;
                    self.say("that passphrase does not open the vault; try again");
                }
                keys => break (passphrase, keys?),
            }
        };
        Ok(Unlocked {
            passphrase: Some(passphrase),
            keys,
            file,
            recalled,
        })
    }

    /// The vault, read-only: no lock is taken.
    pub(super) fn read(&mut self) -> Result<Vault> {
        Ok(self.read_with_version()?.0)
    }

    /// [`Context::read`], with the format version the file was written in
    /// (a version-1 file stays one until its next write).
    pub(super) fn read_with_version(&mut self) -> Result<(Vault, u16)> {
        let u = self.unlock()?;
        let kdf = u.keys.kdf();
        let version = u.file.header().version;
        let vault = session::decrypt(&self.path, u.file, &u.keys)?;
        self.refuse_older(u.recalled.as_ref(), &vault)?;
        self.remember(&vault, kdf, self.accept_older);
        Ok((vault, version))
    }

    /// What this machine remembers of the file, if this command uses it.
    /// A memory that cannot be read is said, and does not stop the command.
    fn recall(&mut self) -> Option<seen::Memory> {
        if self.memory == Memory::Ephemeral {
            return None;
        }
        match seen::recall(&self.path) {
            Ok(m) => m,
            Err(e) => {
                self.say(&format!("warning: {e}; an older copy would go unnoticed"));
                None
            }
        }
    }

    /// Refuses a copy that lacks what this machine saw at its path.
    fn refuse_older(&self, recalled: Option<&seen::Memory>, vault: &Vault) -> Result<()> {
        if self.memory != Memory::Checked || self.accept_older {
            return Ok(());
        }
        match recalled.and_then(|m| m.missing(vault)) {
            None => Ok(()),
            Some(missing) => Err(Error::OlderCopy {
                path: self.path.clone(),
                since: missing.since,
                seen: missing.seen,
                has: missing.has,
                copies: store::conflict_copies(&self.path)
                    .iter()
                    .map(|p| store::file_name(p))
                    .collect(),
            }),
        }
    }

    /// Remembers the vault as this command left it (best effort).
    pub(super) fn remember(&mut self, vault: &Vault, kdf: KdfParams, overrule: bool) {
        if self.memory == Memory::Ephemeral {
            return;
        }
        if let Err(e) = seen::remember(&self.path, vault, kdf, overrule) {
            self.say(&format!(
                "warning: could not remember this vault's state: {e}; an older copy would go unnoticed"
            ));
        }
    }

    /// Says so when a sync tool left conflict copies beside the vault.
    fn warn_conflict_copies(&mut self) {
        let copies = store::conflict_copies(&self.path);
        if copies.is_empty() {
            return;
        }
        let names: Vec<String> = copies
            .iter()
            .map(|p| format!("'{}'", store::file_name(p)))
            .collect();
        self.say(&format!(
            "warning: a sync tool left {} beside the vault: {}; `codevault merge --conflicts` folds {} in",
            if copies.len() == 1 {
                "a conflict copy".to_string()
            } else {
                format!("{} conflict copies", copies.len())
            },
            names.join(", "),
            if copies.len() == 1 { "it" } else { "them" },
        ));
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
        self.modify_if(u, write_with, |v| change(v).map(|t| (t, true)))
    }

    /// As [`Context::modify`], for a change that may find nothing to do:
    /// it says whether it changed the vault, and nothing is written when
    /// it did not (`merge` of a copy with nothing new).
    pub(super) fn modify_if<T>(
        &mut self,
        u: Unlocked,
        write_with: Option<&Keys>,
        change: impl FnOnce(&mut Vault) -> Result<(T, bool)>,
    ) -> Result<T> {
        let lock = store::lock(&self.path, store::LOCK_WAIT)?;
        let bytes = store::read(&self.path)?;
        let Unlocked {
            passphrase,
            keys,
            file,
            recalled,
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
        self.refuse_older(recalled.as_ref(), &vault)?;
        // A failed change returns here, before anything is written.
        let (result, changed) = change(&mut vault)?;
        if !changed {
            drop(lock);
            self.remember(&vault, keys.kdf(), self.accept_older);
            return Ok(result);
        }
        let sealing = write_with.unwrap_or(&keys);
        let sealed = session::encrypt(&vault, sealing)?;
        let kdf = sealing.kdf();
        if kdf != keys.kdf() && self.memory != Memory::Ephemeral {
            // Both costs are allowed while the file changes (see
            // `seen::expect_cost`).
            seen::expect_cost(&self.path, kdf)?;
        }
        if !lock.still_held() {
            return Err(Error::LockLost {
                path: store::lock_path(&self.path),
            });
        }
        let saved = store::replace(&self.path, &sealed)?;
        drop(lock);
        if let Some(warning) = saved.warning() {
            self.say(&warning);
        }
        // A new cost set here (`passwd`) or an older copy accepted is what
        // this machine saw last.
        self.remember(&vault, kdf, self.accept_older || write_with.is_some());
        Ok(result)
    }

    /// A vault or directory others can write to is said, not refused.
    pub(super) fn warn_permissions(&mut self) {
        for warning in store::permission_warnings(&self.path) {
            self.say(&warning);
        }
    }

    /// The standard-error warning for a set running out, with its fix.
    pub(super) fn warn_low(&mut self, account: &str, remaining: usize, origin: Origin) {
        self.say(&format!(
            "warning: '{account}' has {remaining} unused code{} left; {}",
            if remaining == 1 { "" } else { "s" },
            output::renewal(origin, account)
        ));
    }
}

pub(super) fn account(raw: &str) -> Result<AccountName> {
    Ok(AccountName::parse(raw)?)
}
