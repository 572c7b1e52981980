//! The commands about sets and accounts: `generate`, `regenerate`,
//! `import`, `list`, `show`, `revoke`, `remove`.

use std::path::Path;

use rand::rngs::SysRng;

use crate::display::shell_word;
use crate::error::{Error, Result};
use crate::import;
use crate::output::{self, counted};
use crate::prompt;
use crate::session;
use crate::vault::{AccountName, CodeSet, Imported, Uid, Vault};

use super::Outcome;
use super::context::{Context, account};

pub(super) fn generate(
    ctx: &mut Context,
    raw: &str,
    count: usize,
    regenerate: bool,
) -> Result<Outcome> {
    let name = if regenerate {
        account(raw)?
    } else {
        AccountName::parse_new(raw)?
    };
    let u = ctx.unlock()?;
    let issued = ctx.modify(u, None, |v| {
        let now = session::now();
        let new = if regenerate {
            v.regenerate(&name, count, &mut SysRng, now)?
        } else {
            v.generate(&name, count, &mut SysRng, now)?
        }
        .uid;
        issued(v, &name, new)
    })?;
    ctx.emit(&issued)?;
    Ok(Outcome::Done)
}

/// The codes of the text to import, from the file or standard input.
fn parse_text(file: Option<&Path>, skip_malformed: bool) -> Result<import::Parsed> {
    let text = prompt::read_text(file)?;
    Ok(import::parse(&text, skip_malformed)?)
}

/// The view of a set just made, with the set it replaced, if any.
fn issued(v: &Vault, name: &AccountName, new: Uid) -> Result<output::Issued> {
    let account = v.account(name)?;
    let set = account
        .sets
        .iter()
        .find(|s| s.uid == new)
        .expect("the set was just made");
    Ok(output::Issued::of(
        name.as_str(),
        set,
        account.replaced(new),
    ))
}

pub(super) fn import(
    ctx: &mut Context,
    raw: &str,
    file: Option<&Path>,
    replace: bool,
    skip_malformed: bool,
) -> Result<Outcome> {
    let name = AccountName::parse_new(raw)?;
    // A named file is read and parsed before the passphrase is asked for:
    // a missing file or a bad line is said first, not after the prompt.
    let from_file = match file {
        Some(_) => Some(parse_text(file, skip_malformed)?),
        None => None,
    };
    let u = ctx.unlock()?;
    let parsed = match from_file {
        Some(parsed) => parsed,
        None => {
            if prompt::stdin_is_terminal() {
                ctx.say("Paste the codes, then press Ctrl-D on an empty line:");
            }
            parse_text(None, skip_malformed)?
        }
    };
    let read = parsed.codes.len() + parsed.duplicates;
    let duplicates = parsed.duplicates;
    let marked_used: Vec<usize> = (1..)
        .zip(&parsed.used)
        .filter_map(|(i, u)| u.then_some(i))
        .collect();
    let used = marked_used.len();
    let skipped = parsed.skipped;
    let in_prose = parsed.in_prose;
    let imported = Imported {
        codes: parsed.codes,
        used: parsed.used,
        alphabet: parsed.alphabet,
        layout: parsed.layout,
    };
    let mut issued = ctx.modify(u, None, |v| {
        let new = v
            .import(&name, imported, replace, &mut SysRng, session::now())?
            .uid;
        issued(v, &name, new)
    })?;
    issued.marked_used = marked_used;
    issued.duplicates = duplicates;
    issued.left_out_lines = skipped
        .as_ref()
        .map(|s| s.lines.iter().map(|m| m.line).collect())
        .unwrap_or_default();
    if let Some(skipped) = skipped {
        ctx.say(&format!(
            "warning: left out {}: {}",
            skipped.named(),
            skipped.not_of_the_shape()
        ));
    }
    if !in_prose.is_empty() {
        let lines: Vec<String> = in_prose.iter().map(usize::to_string).collect();
        let (noun, verb) = if lines.len() == 1 {
            ("line", "has")
        } else {
            ("lines", "have")
        };
        ctx.say(&format!(
            "note: {noun} {} {verb} something shaped like a code that reads as text or a \
             number, not imported; if it is a code, put it on a line of its own",
            import::and_list(&lines)
        ));
    }
    issued.not_imported_lines = in_prose;
    if duplicates > 0 {
        ctx.say(&format!(
            "warning: {} dropped",
            counted(duplicates, "duplicate code", "duplicate codes")
        ));
    }
    if used > 0 {
        ctx.say(&format!(
            "note: {} the text marks used {} stored as used",
            counted(used, "code", "codes"),
            if used == 1 { "is" } else { "are" }
        ));
    }
    ctx.say(&format!(
        "read {}, stored {}; `codevault show {}` lists them",
        counted(read, "code", "codes"),
        issued.codes.len(),
        shell_word(name.as_str())
    ));
    ctx.emit(&issued)?;
    Ok(Outcome::Done)
}

pub(super) fn list(ctx: &mut Context) -> Result<Outcome> {
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

pub(super) fn show(ctx: &mut Context, raw: &[String], all: bool, sheet: bool) -> Result<Outcome> {
    if !sheet && raw.len() != 1 {
        return Err(Error::ShowOneAccount { given: raw.len() });
    }
    let mut names = Vec::new();
    for r in raw {
        let name = account(r)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let vault = ctx.read()?;
    if let [name] = &names[..] {
        let view = shown(name.as_str(), vault.active_set(name)?, all, sheet);
        ctx.emit(&view)?;
        return Ok(Outcome::Done);
    }
    // Several sheets, or every account's: all found before one is printed.
    let sheets = if names.is_empty() {
        let every: Vec<output::Shown> = vault
            .accounts()
            .filter_map(|(name, a)| a.active().map(|set| shown(name, set, all, true)))
            .collect();
        if every.is_empty() {
            return Err(Error::NoActiveSets);
        }
        every
    } else {
        names
            .iter()
            .map(|n| Ok(shown(n.as_str(), vault.active_set(n)?, all, true)))
            .collect::<Result<_>>()?
    };
    ctx.emit(&output::Sheets { sheets })?;
    Ok(Outcome::Done)
}

/// The view of one set: every code for a sheet or with `--all`, else the
/// unused ones.
fn shown(account: &str, set: &CodeSet, all: bool, sheet: bool) -> output::Shown {
    let codes = set
        .codes
        .iter()
        .enumerate()
        .filter(|(_, e)| all || sheet || !e.is_used())
        .map(|(i, e)| output::ShownCode::of(i + 1, e, set.layout.as_ref()))
        .collect();
    output::Shown {
        account: account.to_string(),
        set: output::SetInfo::of(set),
        codes,
        remaining: set.remaining(),
        total: set.codes.len(),
        sheet,
    }
}

pub(super) fn revoke(ctx: &mut Context, raw: &str) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    let view = ctx.modify(u, None, |v| {
        let set = v.revoke(&name, &mut SysRng, session::now())?;
        Ok(output::RevokedSet {
            account: name.as_str().to_string(),
            set: output::SetInfo::of(set),
            unused: set.remaining(),
        })
    })?;
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}

pub(super) fn remove(ctx: &mut Context, raw: &str, yes: bool) -> Result<Outcome> {
    let name = account(raw)?;
    let u = ctx.unlock()?;
    // Say "unknown account" before asking whether to remove it.
    let sets = ctx.decrypt(&u)?.account(&name)?.sets.len();
    if !yes {
        let question = format!(
            "Remove '{}' and its whole history ({})? This cannot be undone.",
            name.as_str(),
            counted(sets, "set", "sets")
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
        let removed = v.remove(&name, &mut SysRng, session::now())?;
        Ok(output::Removed {
            account: name.as_str().to_string(),
            sets: removed.sets.len(),
        })
    })?;
    ctx.emit(&view)?;
    Ok(Outcome::Done)
}
