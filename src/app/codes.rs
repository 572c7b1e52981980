//! The commands about one code: `use`, `next` and `check` (reading the
//! typed code in the right alphabet is the domain's, `Vault::read_code`).

use std::env;

use rand::rngs::SysRng;

use crate::clipboard::{self, Clipboard};
use crate::error::{Error, Result, looks_like_code};
use crate::output;
use crate::prompt;
use crate::session;
use crate::vault::{self, AccountName, Diagnosis};

use super::Outcome;
use super::context::{Context, account};

pub(super) fn use_code(
    ctx: &mut Context,
    raw: &str,
    typed: Vec<String>,
    note: Option<String>,
) -> Result<Outcome> {
    // Before any prompt: `use CODE` with the account forgotten, or `use
    // CODE ACCOUNT` the wrong way round.
    if looks_like_code(raw) {
        return Err(Error::OrderMistake {
            what: if typed.is_empty() {
                "the account is missing: what was given looks like a code"
            } else {
                "the account comes first, then the code: the first argument looks like a code"
            },
            usage: "codevault use ACCOUNT [CODE]",
        });
    }
    let name = account(raw)?;
    let note = vault::parse_note(note.as_deref())?;
    // Standard output closed is no reason to refuse: the code was typed,
    // so it has been seen.
    let u = ctx.unlock()?;
    let typed = if typed.is_empty() {
        prompt::code_from_stdin_or_prompt()?
    } else {
        zeroize::Zeroizing::new(typed.join(" "))
    };
    // A refusal is saved too: it goes into the audit trail.
    let result = ctx.modify(u, None, |v| {
        let code = v.read_code(Some(&name), &typed)?;
        Ok(v.use_code(&name, &code, note, &mut SysRng, session::now())?)
    })?;
    match result {
        Ok(receipt) => {
            let (index, remaining, origin, low) = (
                receipt.index,
                receipt.remaining,
                receipt.origin,
                receipt.low,
            );
            ctx.emit(&output::Marked::of(receipt, false))
                .map_err(|e| unseen(e, index, &name))?;
            if low {
                ctx.warn_low(name.as_str(), remaining, origin);
            }
            Ok(Outcome::Done)
        }
        Err(diagnosis) => refuse(ctx, &diagnosis),
    }
}

/// A refused code: the reason as the error line, the JSON on stdout.
pub(super) fn refuse(ctx: &mut Context, diagnosis: &Diagnosis) -> Result<Outcome> {
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

pub(super) fn next(
    ctx: &mut Context,
    raw: &str,
    note: Option<String>,
    copy: bool,
) -> Result<Outcome> {
    let name = account(raw)?;
    let note = vault::parse_note(note.as_deref())?;
    // A clipboard that is not there, or a standard output that was closed,
    // is said before anything is marked.
    let clipboard = copy
        .then(|| {
            let seconds = clipboard::clip_time(env::var_os(clipboard::CLIP_TIME_ENV).as_deref())?;
            let clipboard = Clipboard::detect()?;
            clipboard.probe()?;
            Ok::<_, Error>((clipboard, seconds))
        })
        .transpose()?;
    if clipboard.is_none() {
        refuse_closed_stdout()?;
    }
    let u = ctx.unlock()?;
    // The mark is on disk (fsync, rename, fsync) before the code is shown.
    let receipt = ctx.modify(u, None, |v| {
        Ok(v.next(&name, note, &mut SysRng, session::now())?)
    })?;
    let (index, remaining, origin, low) = (
        receipt.index,
        receipt.remaining,
        receipt.origin,
        receipt.low,
    );
    if let Some((clipboard, seconds)) = clipboard {
        let pasted = zeroize::Zeroizing::new(receipt.pasted());
        clipboard.copy(&pasted).map_err(|e| Error::Clipboard {
            account: name.as_str().to_string(),
            index,
            detail: e.to_string(),
        })?;
        let cleared = match clipboard::clear_later(seconds, &pasted) {
            Ok(()) => format!("cleared in {seconds} s"),
            Err(e) => {
                format!("not cleared by itself ({e}): clear it yourself")
            }
        };
        ctx.emit(&output::Copied::of(receipt, seconds))?;
        ctx.say(&format!(
            "copied code {index} of '{}' to the clipboard, {cleared}; now marked used; {remaining} left",
            name.as_str()
        ));
    } else {
        ctx.emit(&output::Marked::of(receipt, true))
            .map_err(|e| unseen(e, index, &name))?;
        if !ctx.json {
            ctx.say(&format!(
                "code {index} of '{}', now marked used; {remaining} left",
                name.as_str()
            ));
        }
    }
    if low {
        ctx.warn_low(name.as_str(), remaining, origin);
    }
    Ok(Outcome::Done)
}

/// Standard output closed (`>&-`) would swallow the code `next` hands
/// out: refused before anything is marked.
fn refuse_closed_stdout() -> Result<()> {
    if crate::sys::stdout_was_closed() {
        return Err(Error::StdoutClosed);
    }
    Ok(())
}

/// The output of a mark that is already on disk failed (a full disk, a
/// closed pipe): say which code was marked and how to see it.
fn unseen(e: Error, index: usize, name: &AccountName) -> Error {
    Error::Unseen {
        index,
        account: name.as_str().to_string(),
        source: Box::new(e),
    }
}

pub(super) fn check(ctx: &mut Context, typed: &str, raw: Option<&str>) -> Result<Outcome> {
    // `check ACCOUNT CODE`, the order of `use`: said before the vault opens.
    if !looks_like_code(typed) && raw.is_some_and(looks_like_code) {
        return Err(Error::OrderMistake {
            what: "the code comes first, then the account: the second argument looks like a code",
            usage: "codevault check CODE [ACCOUNT]",
        });
    }
    let name = raw.map(account).transpose()?;
    let vault = ctx.read()?;
    // `check 1234 5678` unquoted: the second half is no account, but the
    // two together are a code.
    let joined;
    let (typed, name) = match (raw, &name) {
        (Some(second), Some(n)) if vault.account(n).is_err() => {
            joined = format!("{typed} {second}");
            match vault.read_code(None, &joined) {
                Ok(_) => (joined.as_str(), None),
                Err(_) => (typed, name),
            }
        }
        _ => (typed, name),
    };
    let code = vault.read_code(name.as_ref(), typed)?;
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
