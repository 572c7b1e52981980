//! What the user sees: every result has one view type that serialises to
//! the contract's JSON and renders itself for people.
//!
//! Data goes to standard output; warnings and progress to standard error.
//! A code appears only in views whose purpose is to show codes (`generate`,
//! `regenerate`, `show`, `next`, the code just marked by `use`), never in a
//! message, a warning or a diagnosis.

use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use crate::code::Code;
use crate::crypto::KdfParams;
use crate::error::shell_word;
use crate::vault::{
    CodeSet, CodeState, Diagnosis, Event, EventKind, Origin, Receipt, Refusal, RevokedBy,
};

/// A result that renders for people; `Serialize` gives its JSON.
pub trait View: Serialize {
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// Writes the view as JSON or for people.
pub fn emit(out: &mut dyn Write, json: bool, view: &impl View) -> io::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, view)?;
        writeln!(out)?;
    } else {
        view.human(out)?;
    }
    out.flush()
}

/// A set as JSON shows it.
#[derive(Serialize)]
pub struct SetInfo {
    pub id: u64,
    pub created: Timestamp,
    pub origin: Origin,
    pub fingerprint: String,
}

impl SetInfo {
    pub fn of(set: &CodeSet) -> Self {
        SetInfo {
            id: set.id,
            created: set.created,
            origin: set.origin,
            fingerprint: set.fingerprint(),
        }
    }
}

fn date(t: Timestamp) -> String {
    t.to_string()[..10].to_string()
}

// ---------------------------------------------------------------- init/passwd

#[derive(Serialize)]
pub struct Created {
    pub path: String,
    pub kdf: KdfParams,
}

impl View for Created {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "Created an empty vault at {} ({}).",
            self.path, self.kdf
        )?;
        writeln!(
            out,
            "Next: codevault generate ACCOUNT, or codevault import ACCOUNT"
        )
    }
}

#[derive(Serialize)]
pub struct Rekeyed {
    pub path: String,
    pub passphrase_changed: bool,
    pub kdf: KdfParams,
}

impl View for Rekeyed {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let what = if self.passphrase_changed {
            "New passphrase set"
        } else {
            "Passphrase kept"
        };
        writeln!(out, "{what}; {} now uses {}.", self.path, self.kdf)
    }
}

// ------------------------------------------------- generate/regenerate/import

#[derive(Serialize)]
pub struct Issued {
    pub account: String,
    pub set: SetInfo,
    pub codes: Vec<Code>,
    /// The set this one replaced, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_set: Option<u64>,
}

impl Issued {
    pub fn of(account: &str, set: &CodeSet, revoked_set: Option<u64>) -> Self {
        Issued {
            account: account.to_string(),
            set: SetInfo::of(set),
            codes: set.codes.iter().map(|e| e.code.clone()).collect(),
            revoked_set,
        }
    }
}

impl View for Issued {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let verb = match self.set.origin {
            Origin::Generated => "New",
            Origin::Imported => "Imported",
        };
        writeln!(
            out,
            "{verb} set {} for '{}': {} codes, fingerprint {}",
            self.set.id,
            self.account,
            self.codes.len(),
            self.set.fingerprint
        )?;
        if let Some(old) = self.revoked_set {
            writeln!(out, "Set {old} is revoked; its codes no longer work.")?;
        }
        if self.set.origin == Origin::Imported {
            // The user just gave us these; no need to print them again.
            return Ok(());
        }
        writeln!(out)?;
        for (i, c) in self.codes.iter().enumerate() {
            writeln!(out, "  {:>3}. {}", i + 1, c.grouped())?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------ list

#[derive(Serialize)]
pub struct AccountRow {
    pub account: String,
    pub remaining: usize,
    pub total: usize,
    pub created: Option<Timestamp>,
    pub origin: Option<Origin>,
    pub low: bool,
    /// Whether the account has an active set at all.
    pub active: bool,
}

#[derive(Serialize)]
pub struct AccountList {
    pub accounts: Vec<AccountRow>,
}

impl View for AccountList {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.accounts.is_empty() {
            return writeln!(
                out,
                "The vault has no accounts yet: codevault generate ACCOUNT"
            );
        }
        let width = self
            .accounts
            .iter()
            .map(|a| a.account.chars().count())
            .max()
            .unwrap_or(0)
            .max("ACCOUNT".len());
        writeln!(
            out,
            "{:<width$}  {:>7}  {:<10}  ORIGIN",
            "ACCOUNT", "LEFT", "CREATED"
        )?;
        for a in &self.accounts {
            let (left, created, origin) = match (a.created, a.origin) {
                (Some(c), Some(o)) => (format!("{}/{}", a.remaining, a.total), date(c), o.label()),
                _ => ("-".to_string(), "-".to_string(), "no active set"),
            };
            let low = if a.low { "  LOW" } else { "" };
            writeln!(
                out,
                "{:<width$}  {left:>7}  {created:<10}  {origin}{low}",
                a.account
            )?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------ show

#[derive(Serialize)]
pub struct UsedInfo {
    pub at: Timestamp,
    pub note: Option<String>,
}

#[derive(Serialize)]
pub struct ShownCode {
    pub index: usize,
    pub code: Code,
    pub used: Option<UsedInfo>,
}

#[derive(Serialize)]
pub struct Shown {
    pub account: String,
    pub set: SetInfo,
    pub codes: Vec<ShownCode>,
    #[serde(skip)]
    pub remaining: usize,
    #[serde(skip)]
    pub total: usize,
    /// Render as a page to print.
    #[serde(skip)]
    pub sheet: bool,
}

impl Shown {
    fn sheet(&self, out: &mut dyn Write) -> io::Result<()> {
        let origin = match self.set.origin {
            Origin::Generated => "generated by codevault",
            Origin::Imported => "imported from the platform",
        };
        writeln!(out, "BACKUP CODES")?;
        writeln!(out)?;
        writeln!(out, "  Account:      {}", self.account)?;
        writeln!(out, "  Set:          {} ({origin})", self.set.id)?;
        writeln!(out, "  Created:      {}", date(self.set.created))?;
        writeln!(out, "  Fingerprint:  {}", self.set.fingerprint)?;
        writeln!(out)?;
        for c in &self.codes {
            let tick = if c.used.is_some() { "[x]" } else { "[ ]" };
            writeln!(out, "  {tick} {:>3}.  {}", c.index, c.code.grouped())?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "Each code works once. Tick its box when you use it, and record the"
        )?;
        writeln!(
            out,
            "use with `codevault use {} CODE`. If the fingerprint differs from",
            shell_word(&self.account)
        )?;
        writeln!(
            out,
            "`codevault show` on your vault, this page is an old set: do not use it."
        )?;
        writeln!(
            out,
            "Keep this page away from your phone and your computer."
        )
    }
}

impl View for Shown {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.sheet {
            return self.sheet(out);
        }
        writeln!(
            out,
            "{}: set {}, {} {}, fingerprint {} - {} of {} left",
            self.account,
            self.set.id,
            self.set.origin.label(),
            date(self.set.created),
            self.set.fingerprint,
            self.remaining,
            self.total
        )?;
        for c in &self.codes {
            match &c.used {
                None => writeln!(out, "  {:>3}. {}", c.index, c.code.grouped())?,
                Some(u) => {
                    let note = u
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "  {:>3}. {}  used {}{note}",
                        c.index,
                        c.code.grouped(),
                        u.at
                    )?
                }
            }
        }
        Ok(())
    }
}

// -------------------------------------------------------------------- use/next

#[derive(Serialize)]
pub struct Marked {
    pub account: String,
    pub code: Code,
    pub index: usize,
    pub set: u64,
    pub remaining: usize,
    pub low: bool,
    #[serde(skip)]
    pub by_next: bool,
}

impl Marked {
    pub fn of(r: Receipt, by_next: bool) -> Self {
        Marked {
            account: r.account,
            code: r.code,
            index: r.index,
            set: r.set,
            remaining: r.remaining,
            low: r.low,
            by_next,
        }
    }
}

impl View for Marked {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.by_next {
            // Only the code on stdout, so `codevault next x | xclip` works;
            // the app tells the rest on stderr.
            writeln!(out, "{}", self.code.grouped())
        } else {
            writeln!(
                out,
                "Marked code {} of '{}' as used; {} left.",
                self.index, self.account, self.remaining
            )
        }
    }
}

// ---------------------------------------------------------------- check/refusal

/// The answer of `check`: the code as typed (normalised) and its diagnosis.
#[derive(Serialize)]
pub struct Checked<'a> {
    pub code: &'a Code,
    #[serde(flatten)]
    pub diagnosis: &'a Diagnosis,
}

impl View for Checked<'_> {
    /// The answer only; its hint goes to standard error (see `app::check`).
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let (line, _) = explain(self.diagnosis);
        writeln!(out, "{}: {line}", self.diagnosis.reason())
    }
}

/// A refused `use` in JSON: the diagnosis itself.
#[derive(Serialize)]
pub struct Refused<'a>(pub &'a Diagnosis);

impl View for Refused<'_> {
    fn human(&self, _: &mut dyn Write) -> io::Result<()> {
        // People get the explanation as the error line on stderr.
        Ok(())
    }
}

fn revoked_by(by: RevokedBy) -> &'static str {
    match by {
        RevokedBy::Regenerate => "regenerate",
        RevokedBy::Revoke => "revoke",
        RevokedBy::ImportReplace => "import --replace",
    }
}

/// One sentence on what a code is, and what to do about it. Never contains
/// the code.
pub fn explain(d: &Diagnosis) -> (String, Option<String>) {
    match d {
        Diagnosis::Unused {
            account,
            set,
            index,
        } => (
            format!("code {index} of the active set {set} of '{account}', not used yet"),
            None,
        ),
        Diagnosis::Used {
            account,
            index,
            used_at,
            note,
            ..
        } => {
            let note = note
                .as_deref()
                .map(|n| format!(" (note: {n})"))
                .unwrap_or_default();
            (
                format!("code {index} of '{account}' was already used on {used_at}{note}"),
                Some(format!(
                    "each code works once; `codevault next {}` gives an unused one",
                    shell_word(account)
                )),
            )
        }
        Diagnosis::Revoked {
            account,
            set,
            index,
            set_created,
            revoked_at,
            revoked_by: by,
            replaced_by,
            ..
        } => {
            let by_set = replaced_by
                .map(|n| format!(", replaced by set {n}"))
                .unwrap_or_default();
            (
                format!(
                    "code {index} of set {set} of '{account}', made {set_created}, revoked {revoked_at} by `{}`{by_set}",
                    revoked_by(*by)
                ),
                Some(match replaced_by {
                    Some(_) => format!(
                        "the platform no longer accepts the old set; `codevault next {}` gives a code of the current one",
                        shell_word(account)
                    ),
                    None => format!(
                        "'{account}' has no active set; `codevault generate {}` makes one",
                        shell_word(account)
                    ),
                }),
            )
        }
        Diagnosis::OtherAccount {
            account,
            other_account,
            other_state,
        } => {
            let state = match other_state {
                CodeState::Unused => "unused",
                CodeState::Used => "already used",
                CodeState::Revoked => "revoked",
            };
            (
                format!(
                    "not a code of '{account}': it belongs to '{other_account}' ({state} there)"
                ),
                Some(format!(
                    "check which account you are logging in to; `codevault check CODE {}` tells more",
                    shell_word(other_account)
                )),
            )
        }
        Diagnosis::Unknown {
            account,
            did_you_mean,
        } => {
            let whose = account
                .as_ref()
                .map(|a| format!("of '{a}'"))
                .unwrap_or_else(|| "of the vault".into());
            let hint = match did_you_mean.as_slice() {
                [] => Some(
                    "check the account and each digit; if the platform gave you new codes, import them"
                        .to_string(),
                ),
                misses => {
                    let named: Vec<String> = misses
                        .iter()
                        .map(|m| match account {
                            Some(_) => format!("code {} of the active set", m.index),
                            None => format!("code {} of the active set of '{}'", m.index, m.account),
                        })
                        .collect();
                    Some(format!(
                        "did you mean {}? It differs by one character or two swapped neighbours",
                        named.join(" or ")
                    ))
                }
            };
            (format!("this code is in no set {whose}"), hint)
        }
    }
}

// ----------------------------------------------------------- revoke/remove/log

#[derive(Serialize)]
pub struct RevokedSet {
    pub account: String,
    pub set: SetInfo,
    pub unused: usize,
}

impl View for RevokedSet {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "Revoked set {} of '{}' ({} unused codes). It has no active set now.",
            self.set.id, self.account, self.unused
        )
    }
}

#[derive(Serialize)]
pub struct Removed {
    pub account: String,
    pub sets: usize,
}

impl View for Removed {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let plural = if self.sets == 1 { "" } else { "s" };
        writeln!(
            out,
            "Removed '{}' and its codes ({} set{plural}); the log keeps that it existed.",
            self.account, self.sets
        )
    }
}

#[derive(Serialize)]
pub struct Log<'a> {
    pub events: Vec<LogEntry<'a>>,
}

/// An event as the log's JSON shows it: `{"at", "account", "event", ...}`,
/// the details of the event beside its name.
pub struct LogEntry<'a>(pub &'a Event);

impl Serialize for LogEntry<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        use serde_json::{Map, Value};
        let mut map = Map::new();
        map.insert("at".into(), Value::String(self.0.at.to_string()));
        map.insert("account".into(), self.0.account.clone().into());
        // Stored as an externally tagged enum: "init", or {"use": {...}}.
        match serde_json::to_value(&self.0.kind).map_err(S::Error::custom)? {
            Value::Object(tagged) => {
                for (name, details) in tagged {
                    map.insert("event".into(), Value::String(name));
                    if let Value::Object(fields) = details {
                        map.extend(fields.into_iter().filter(|(_, v)| !v.is_null()));
                    }
                }
            }
            name => {
                map.insert("event".into(), name);
            }
        }
        map.serialize(s)
    }
}

impl View for Log<'_> {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for LogEntry(e) in &self.events {
            let account = e.account.as_deref().unwrap_or("-");
            let what = match &e.kind {
                EventKind::Init => "vault created".to_string(),
                EventKind::Generate { set, count } => {
                    format!("generated set {set} ({count} codes)")
                }
                EventKind::Import {
                    set,
                    count,
                    revoked,
                } => format!(
                    "imported set {set} ({count} codes){}",
                    revoked
                        .map(|r| format!(", revoked set {r}"))
                        .unwrap_or_default()
                ),
                EventKind::Use { set, index, note } | EventKind::Next { set, index, note } => {
                    let how = if matches!(e.kind, EventKind::Next { .. }) {
                        "handed out"
                    } else {
                        "used"
                    };
                    let note = note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    format!("{how} code {index} of set {set}{note}")
                }
                EventKind::Regenerate {
                    set,
                    count,
                    revoked,
                } => format!(
                    "regenerated: set {set} ({count} codes){}",
                    revoked
                        .map(|r| format!(", revoked set {r}"))
                        .unwrap_or_default()
                ),
                EventKind::Revoke { set } => format!("revoked set {set}"),
                EventKind::Remove { sets } => format!("removed the account ({sets} sets)"),
                EventKind::Refused(refusal) => {
                    let Refusal {
                        reason,
                        set,
                        index,
                        other_account,
                    } = &**refusal;
                    let which = match (set, index, other_account) {
                        (Some(s), Some(i), _) => format!(" (code {i} of set {s})"),
                        (_, _, Some(o)) => format!(" (a code of '{o}')"),
                        _ => String::new(),
                    };
                    format!("refused a code: {reason}{which}")
                }
                EventKind::Passwd {
                    passphrase_changed,
                    kdf,
                } => format!(
                    "{}; {kdf}",
                    if *passphrase_changed {
                        "passphrase changed"
                    } else {
                        "re-keyed"
                    }
                ),
            };
            writeln!(out, "{}  {account}  {what}", e.at)?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------ unlock/lock

/// `unlock`: the agent holds the vault's keys.
#[derive(Serialize)]
pub struct KeysHeld {
    pub path: String,
    pub timeout_seconds: u32,
    /// The timeout as typed: `10m`, `1h30m`.
    #[serde(skip)]
    pub timeout: String,
}

impl View for KeysHeld {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "Unlocked {}: commands on it need no passphrase until `codevault lock` \
             or {} without use.",
            self.path, self.timeout
        )
    }
}

/// `lock`: what the agent forgot.
#[derive(Serialize)]
pub struct KeysForgotten {
    pub agent_was_running: bool,
    pub keys: u32,
}

impl View for KeysForgotten {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        match (self.agent_was_running, self.keys) {
            (false, _) => writeln!(out, "No agent was running: nothing was unlocked."),
            (true, 1) => writeln!(out, "Locked: the agent forgot 1 key."),
            (true, n) => writeln!(out, "Locked: the agent forgot {n} keys."),
        }
    }
}
