//! The commands for several copies of one vault: `merge`, `git-merge` and
//! `summary`. The rules of the merge are the domain's (`vault::merge`);
//! here are the files: which copies, their passphrases, one atomic write,
//! and the conflict copies moved aside only once that write is durable.

use std::path::{Path, PathBuf};

use rand::rngs::SysRng;

use crate::agent;
use crate::error::{Error, Result};
use crate::output::{self, ConflictView, MergedCopy, MovedCopy, SkippedCopy};
use crate::prompt;
use crate::secret::Passphrase;
use crate::session::{self, CheckedFile, Keys};
use crate::store;
use crate::vault::{MergeReport, Vault};

use super::Outcome;
use super::context::{Context, Memory, Unlocked};

/// Another copy, read and checked, before any prompt.
struct Copy {
    path: PathBuf,
    file: CheckedFile,
    /// Named on the command line (a failure stops the merge), or found
    /// beside the vault (a failure leaves it in place, and the rest goes on).
    named: bool,
}

/// Reads and checks another copy's file. A missing file is a missing
/// input, not a missing vault.
fn read_copy(path: &Path) -> Result<CheckedFile> {
    let bytes = store::read(path).map_err(|e| match e {
        Error::VaultMissing { path } => Error::NoSuchFile { path },
        e => e,
    })?;
    CheckedFile::new(path, bytes)
}

pub(super) fn merge(
    ctx: &mut Context,
    others: &[PathBuf],
    conflicts: bool,
    other_passphrase_file: Option<&Path>,
    unrelated: bool,
) -> Result<Outcome> {
    // A merge mends an older copy: it is not refused for being one.
    ctx.memory = Memory::Mending;
    let mut copies = Vec::new();
    for path in others {
        if store::same_file(path, &ctx.path) {
            return Err(Error::SameFile { path: path.clone() });
        }
        copies.push(Copy {
            file: read_copy(path)?,
            path: path.clone(),
            named: true,
        });
    }
    let mut skipped = Vec::new();
    if conflicts {
        for path in store::conflict_copies(&ctx.path) {
            match read_copy(&path) {
                Ok(file) => copies.push(Copy {
                    path,
                    file,
                    named: false,
                }),
                Err(e) => skipped.push((path, e)),
            }
        }
    }
    let u = ctx.unlock()?;
    // Every other copy is opened (and its passphrase asked) before the
    // lock is taken.
    let mut other_pass = None;
    let mut opened: Vec<(PathBuf, Vault, bool)> = Vec::new();
    let mut own_keys: Vec<PathBuf> = Vec::new();
    for c in copies {
        if !u.keys.opens(c.file.header()) {
            own_keys.push(c.path.clone());
        }
        match open_copy(&c, &u, other_passphrase_file, &mut other_pass) {
            Ok(v) => opened.push((c.path, v, c.named)),
            Err(e) if c.named => return Err(e),
            Err(e) => skipped.push((c.path, e)),
        }
    }
    // Under the lock: each copy of this vault folded in; a copy of another
    // vault refused (named) or left in place (found beside it). Only a
    // merge that adds something is written.
    let (reports, unrelated_copies) = ctx.modify_if(u, None, |v| {
        let mut reports = Vec::new();
        let mut strangers = Vec::new();
        for (i, (path, other, named)) in opened.iter().enumerate() {
            if other.id() != v.id() && !unrelated {
                if *named {
                    return Err(Error::Unrelated { path: path.clone() });
                }
                strangers.push(i);
                continue;
            }
            reports.push(fold(v, other)?);
        }
        let changed = reports.iter().any(|r| !r.added.is_empty());
        Ok(((reports, strangers), changed))
    })?;
    for i in unrelated_copies.into_iter().rev() {
        let (path, _, _) = opened.remove(i);
        skipped.push((path.clone(), Error::Unrelated { path }));
    }

    // The merged vault is durable: the conflict copies can go.
    let mut moved = Vec::new();
    for (path, _, named) in &opened {
        if *named {
            continue;
        }
        match store::move_aside(path) {
            Ok(to) => moved.push(MovedCopy {
                from: store::file_name(path),
                to: store::file_name(&to),
            }),
            Err(e) => ctx.say(&format!("warning: merged, but not moved aside: {e}")),
        }
    }
    // A passphrase or cost changed on the other copy is not taken over:
    // the merged vault keeps this one's keys. Said, never silent.
    for ((path, _, _), report) in opened.iter().zip(&reports) {
        if let Some(at) = report.rekeyed
            && own_keys.contains(path)
        {
            ctx.say(&format!(
                "note: the passphrase or key-derivation cost of '{}' was changed there on {at} \
                 (`passwd`); this vault keeps its own: `codevault passwd` changes it here too",
                path.display()
            ));
        }
    }
    let view = merged_view(
        opened.iter().map(|(p, _, _)| p.as_path()),
        reports,
        skipped,
        moved,
    );
    report_merge(ctx, &view.0);
    ctx.emit(&view.1)?;
    Ok(Outcome::Done)
}

/// Folds a copy in, logging the merge if it added anything.
fn fold(v: &mut Vault, other: &Vault) -> Result<MergeReport> {
    let report = v.merge(other);
    if report.news {
        v.log_merge(&mut SysRng, session::now(), report.added)?;
    }
    Ok(report)
}

/// Opens another copy: with the vault's own keys if it has the same salt
/// and key, else with the vault's passphrase, else with its own
/// passphrase (`--other-passphrase-file`, or asked once and reused).
fn open_copy(
    c: &Copy,
    u: &Unlocked,
    other_passphrase_file: Option<&Path>,
    other_pass: &mut Option<Passphrase>,
) -> Result<Vault> {
    let header = c.file.header();
    if u.keys.opens(header) {
        return session::decrypt(&c.path, c.file.clone(), &u.keys);
    }
    let envelope = c.file.envelope();
    let vaults_own = match &u.passphrase {
        Some(passphrase) => Keys::for_file(&c.path, &envelope, passphrase),
        // The vault's keys came from the agent: it may hold the copy's too.
        None => agent::keys_for(header).ok_or_else(|| Error::WrongPassphrase {
            path: c.path.clone(),
        }),
    };
    let keys = match vaults_own {
        Ok(keys) => keys,
        Err(Error::WrongPassphrase { .. }) => {
            if other_pass.is_none() {
                *other_pass = Some(prompt::other_passphrase(other_passphrase_file, &c.path)?);
            }
            let pass = other_pass.as_ref().expect("just set");
            Keys::for_file(&c.path, &envelope, pass)?
        }
        Err(e) => return Err(e),
    };
    session::decrypt(&c.path, c.file.clone(), &keys)
}

/// The conflicts and notes for people (standard error), and the view.
struct Notes {
    conflicts: Vec<crate::vault::Conflict>,
    renumbered: Vec<crate::vault::Renumbered>,
    skipped: Vec<(PathBuf, Error)>,
}

fn merged_view<'a>(
    paths: impl Iterator<Item = &'a Path>,
    reports: Vec<MergeReport>,
    skipped: Vec<(PathBuf, Error)>,
    moved: Vec<MovedCopy>,
) -> (Notes, output::Merged) {
    let mut merged = Vec::new();
    let mut conflicts = Vec::new();
    let mut renumbered = Vec::new();
    for (path, r) in paths.zip(reports) {
        merged.push(MergedCopy {
            from: path.display().to_string(),
            added: r.added.into(),
            passwd_elsewhere: r.rekeyed,
        });
        conflicts.extend(r.conflicts);
        renumbered.extend(r.renumbered);
    }
    let view = output::Merged {
        merged,
        conflicts: conflicts.iter().map(ConflictView::from).collect(),
        renumbered: renumbered.iter().cloned().map(Into::into).collect(),
        skipped: skipped
            .iter()
            .map(|(p, e)| SkippedCopy {
                from: p.display().to_string(),
                error: e.to_string(),
            })
            .collect(),
        moved,
    };
    let notes = Notes {
        conflicts,
        renumbered,
        skipped,
    };
    (notes, view)
}

fn report_merge(ctx: &mut Context, notes: &Notes) {
    for c in &notes.conflicts {
        let (line, fix) = output::explain_conflict(c);
        ctx.say(&format!("conflict: {line}"));
        ctx.say(&format!("hint: {fix}"));
    }
    for r in &notes.renumbered {
        ctx.say(&format!(
            "note: set {} of '{}' is now set {}: the other copy had made another set {} earlier",
            r.from, r.account, r.to, r.from
        ));
    }
    for (path, e) in &notes.skipped {
        ctx.say(&format!(
            "warning: left '{}' in place, not merged: {e}",
            store::file_name(path)
        ));
    }
}

/// `git-merge BASE OURS THEIRS`: the merge as a git merge driver. The
/// files are git's temporary copies: no lock, no memory, no conflict
/// copies; the result replaces OURS atomically, sealed with OURS' keys.
pub(super) fn git_merge(ctx: &mut Context, ours: &Path, theirs: &Path) -> Result<Outcome> {
    ctx.memory = Memory::Ephemeral;
    ctx.path = ours.to_path_buf();
    // Git's files, not a vault the person keeps: a missing one is a
    // missing input.
    read_copy(ours)?;
    let copy = Copy {
        file: read_copy(theirs)?,
        path: theirs.to_path_buf(),
        named: true,
    };
    let u = ctx.unlock()?;
    let mut vault = ctx.decrypt(&u)?;
    let other = open_copy(&copy, &u, None, &mut None)?;
    let own_keys = !u.keys.opens(copy.file.header());
    if other.id() != vault.id() {
        return Err(Error::Unrelated {
            path: theirs.to_path_buf(),
        });
    }
    let report = fold(&mut vault, &other)?;
    if let Some(at) = report.rekeyed.filter(|_| own_keys) {
        ctx.say(&format!(
            "note: the passphrase or key-derivation cost of their version was changed on {at} \
             (`passwd`); the merged vault keeps ours: `codevault passwd` changes it here too"
        ));
    }
    if !report.added.is_empty() {
        let sealed = session::encrypt(&vault, &u.keys)?;
        let saved = store::replace(ours, &sealed)?;
        if let Some(warning) = saved.warning() {
            ctx.say(&warning);
        }
    }
    let (notes, view) = merged_view(
        std::iter::once(theirs),
        vec![report],
        Vec::new(),
        Vec::new(),
    );
    report_merge(ctx, &notes);
    // Git shows what a driver prints; the merge's account goes with the
    // messages, on standard error, unless asked for as JSON.
    if ctx.json {
        ctx.emit(&view)?;
    } else {
        let mut text = Vec::new();
        output::View::human(&view, &mut text).map_err(Error::output)?;
        ctx.say(String::from_utf8_lossy(&text).trim_end());
    }
    Ok(Outcome::Done)
}

/// `summary [PATH]`: the vault, or any vault file, without a code.
pub(super) fn summary(ctx: &mut Context, path: Option<&Path>) -> Result<Outcome> {
    if let Some(p) = path {
        // A file named here may be a textconv's temporary copy of an old
        // version: nothing to compare with or remember.
        if !store::same_file(p, &ctx.path) {
            ctx.memory = Memory::Ephemeral;
        }
        ctx.path = p.to_path_buf();
    }
    // The file's own format version: a version-1 file shows as one until
    // its next write upgrades it, so `git diff` shows the upgrade. Read
    // once: the file and its checksum are not read a second time for it.
    let (vault, version) = ctx.read_with_version().map_err(|e| match e {
        Error::VaultMissing { path } => Error::NoSuchFile { path },
        e => e,
    })?;
    ctx.emit(&output::Summary::of(&vault, version))?;
    Ok(Outcome::Done)
}
