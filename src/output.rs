//! What the user sees: every result has one view type that serialises to
//! the contract's JSON and renders itself for people.
//!
//! Data goes to standard output; warnings and progress to standard error.
//! A code appears only in views whose purpose is to show codes (`generate`,
//! `regenerate`, `show`, `next`, the code just marked by `use`), never in a
//! message, a warning or a diagnosis.
//!
//! Every line that holds text from outside (an account name, a note, a
//! path) is written through [`line`], which escapes what a terminal would
//! act on (see [`crate::display`]); JSON goes through the same rule.

use std::io::{self, Write};

use jiff::Timestamp;
use serde::Serialize;

use crate::code::{Code, Layout};
use crate::crypto::KdfParams;
use crate::display::shell_word;
use crate::display::{self, escape};
use crate::style;
use crate::vault::{
    CodeSet, CodeState, Conflict, Diagnosis, Entry, Event, EventKind, MergeCounts, Origin, Receipt,
    Renumbered, RevokedBy, SetRef, SetSummary, Vault,
};

/// A result that renders for people; `Serialize` gives its JSON.
pub trait View: Serialize {
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// Writes the view as JSON or for people.
pub fn emit(out: &mut dyn Write, json: bool, view: &impl View) -> io::Result<()> {
    if json {
        display::write_json(&mut *out, view)?;
        writeln!(out)?;
    } else {
        view.human(out)?;
    }
    out.flush()
}

/// One line for people, holding untrusted text: escaped as a whole, so no
/// field of it can end the line early or drive the terminal.
pub fn line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{}", escape(text))
}

/// How to get a fresh set of this origin: codevault makes generated
/// sets; imported ones only the platform can renew.
pub fn renewal(origin: Origin, account: &str) -> String {
    let account = shell_word(account);
    match origin {
        Origin::Generated => {
            format!("`codevault regenerate {account}` makes a new set and revokes this one")
        }
        Origin::Imported => {
            format!("get new codes from the platform, then `codevault import --replace {account}`")
        }
    }
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
        line(
            out,
            &format!("Created an empty vault at {} ({}).", self.path, self.kdf),
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
        line(
            out,
            &format!("{what}; {} now uses {}.", self.path, self.kdf),
        )
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
    /// `import`: the codes (by index) the text marked used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marked_used: Vec<usize>,
    /// `import`: codes the text held twice, dropped.
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicates: usize,
    /// `import --skip-malformed`: the lines left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_lines: Vec<usize>,
    /// `import`: lines with something shaped like a code that read as text
    /// or a number, not imported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_imported_lines: Vec<usize>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Issued {
    pub fn of(account: &str, set: &CodeSet, revoked_set: Option<u64>) -> Self {
        Issued {
            account: account.to_string(),
            set: SetInfo::of(set),
            codes: set.codes.iter().map(|e| e.code.clone()).collect(),
            revoked_set,
            marked_used: Vec::new(),
            duplicates: 0,
            left_out_lines: Vec::new(),
            not_imported_lines: Vec::new(),
        }
    }
}

impl View for Issued {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let verb = match self.set.origin {
            Origin::Generated => "New",
            Origin::Imported => "Imported",
        };
        line(
            out,
            &format!(
                "{verb} set {} for '{}': {}, fingerprint {}",
                self.set.id,
                self.account,
                counted(self.codes.len(), "code", "codes"),
                self.set.fingerprint
            ),
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
                "The vault has no accounts yet: `codevault import ACCOUNT` stores the codes \
                 a platform gave you, `codevault generate ACCOUNT` makes a set of your own"
            );
        }
        let names: Vec<_> = self.accounts.iter().map(|a| escape(&a.account)).collect();
        let width = names
            .iter()
            .map(|a| a.chars().count())
            .max()
            .unwrap_or(0)
            .max("ACCOUNT".len());
        writeln!(
            out,
            "{:<width$}  {:>7}  {:<10}  ORIGIN",
            "ACCOUNT", "LEFT", "CREATED"
        )?;
        for (a, name) in self.accounts.iter().zip(&names) {
            let (left, created, origin) = match (a.created, a.origin) {
                (Some(c), Some(o)) => (format!("{}/{}", a.remaining, a.total), date(c), o.label()),
                _ => ("-".to_string(), "-".to_string(), "no active set"),
            };
            let low = if a.active && a.remaining == 0 {
                format!("  {}", style::paint(style::LOW, "USED UP"))
            } else if a.low {
                format!("  {}", style::paint(style::LOW, "LOW"))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{name:<width$}  {left:>7}  {created:<10}  {origin}{low}"
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
    /// As the platform printed it, where the set keeps that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printed: Option<String>,
}

impl ShownCode {
    /// Entry `index` (from 1) of a set printed in `layout`, if it keeps one.
    pub fn of(index: usize, entry: &Entry, layout: Option<&Layout>) -> Self {
        ShownCode {
            index,
            code: entry.code.clone(),
            used: entry.used().map(|u| UsedInfo {
                at: u.at,
                note: u.note.clone(),
            }),
            printed: entry.code.printed(layout),
        }
    }

    fn shown(&self) -> String {
        shown(&self.code, self.printed.as_deref())
    }
}

/// A code as people read it: as the platform printed it, or grouped.
fn shown(code: &Code, printed: Option<&str>) -> String {
    printed.map_or_else(|| code.grouped(), str::to_string)
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
        line(out, &format!("  Account:      {}", self.account))?;
        writeln!(out, "  Set:          {} ({origin})", self.set.id)?;
        writeln!(out, "  Created:      {}", date(self.set.created))?;
        writeln!(out, "  Fingerprint:  {}", self.set.fingerprint)?;
        writeln!(out)?;
        for c in &self.codes {
            let tick = if c.used.is_some() { "[x]" } else { "[ ]" };
            writeln!(out, "  {tick} {:>3}.  {}", c.index, c.shown())?;
        }
        writeln!(out)?;
        writeln!(
            out,
            "Each code works once. Tick its box when you use it, and record the"
        )?;
        line(
            out,
            &format!(
                "use with `codevault use {} CODE`. If the fingerprint differs from",
                shell_word(&self.account)
            ),
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
        line(
            out,
            &format!(
                "{}: set {}, {} {}, fingerprint {} - {} of {} left",
                self.account,
                self.set.id,
                self.set.origin.label(),
                date(self.set.created),
                self.set.fingerprint,
                self.remaining,
                self.total
            ),
        )?;
        for c in &self.codes {
            match &c.used {
                None => writeln!(out, "  {:>3}. {}", c.index, c.shown())?,
                Some(u) => {
                    let note = u
                        .note
                        .as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default();
                    line(
                        out,
                        &format!("  {:>3}. {}  used {}{note}", c.index, c.shown(), u.at),
                    )?
                }
            }
        }
        Ok(())
    }
}

/// `show --sheet` for several accounts: one page each, a form feed between.
#[derive(Serialize)]
pub struct Sheets {
    pub sheets: Vec<Shown>,
}

impl View for Sheets {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for (i, sheet) in self.sheets.iter().enumerate() {
            if i > 0 {
                out.write_all(b"\x0c")?;
            }
            sheet.human(out)?;
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
    /// As the platform printed it, where the set keeps that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printed: Option<String>,
}

impl Marked {
    pub fn of(r: Receipt, by_next: bool) -> Self {
        Marked {
            printed: r.code.printed(r.layout.as_ref()),
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
            writeln!(out, "{}", shown(&self.code, self.printed.as_deref()))
        } else {
            line(
                out,
                &format!(
                    "Marked code {} of '{}' as used; {} left.",
                    self.index, self.account, self.remaining
                ),
            )
        }
    }
}

/// `next --copy`: the code went to the clipboard, not here.
#[derive(Serialize)]
pub struct Copied {
    pub account: String,
    pub index: usize,
    pub set: u64,
    pub remaining: usize,
    pub low: bool,
    pub copied: bool,
    /// Seconds until the clipboard is cleared.
    pub clear_after: u64,
}

impl Copied {
    pub fn of(r: Receipt, clear_after: u64) -> Self {
        Copied {
            account: r.account,
            index: r.index,
            set: r.set,
            remaining: r.remaining,
            low: r.low,
            copied: true,
            clear_after,
        }
    }
}

impl View for Copied {
    fn human(&self, _: &mut dyn Write) -> io::Result<()> {
        // Nothing on standard output: the app says what was copied.
        Ok(())
    }
}

// ---------------------------------------------------------------- check/refusal

/// The answer of `check`: the code as typed (normalised) and its diagnosis.
pub struct Checked<'a> {
    pub code: &'a Code,
    pub diagnosis: &'a Diagnosis,
}

impl Serialize for Checked<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            code: &'a Code,
            #[serde(flatten)]
            diagnosis: DiagnosisView,
        }
        Shape {
            code: self.code,
            diagnosis: DiagnosisView::from(self.diagnosis),
        }
        .serialize(s)
    }
}

/// A diagnosis as the contract's JSON shows it: `{"reason", ...details}`.
/// Its own type, with every word spelled out here, so that renaming a
/// variant of the domain (or of the stored `RevokedBy`) cannot change it.
#[derive(Serialize)]
#[serde(tag = "reason")]
pub enum DiagnosisView {
    #[serde(rename = "unused")]
    Unused {
        account: String,
        set: u64,
        index: usize,
    },
    #[serde(rename = "used")]
    Used {
        account: String,
        set: u64,
        index: usize,
        used_at: Timestamp,
        note: Option<String>,
    },
    #[serde(rename = "revoked")]
    Revoked {
        account: String,
        set: u64,
        index: usize,
        set_created: Timestamp,
        revoked_at: Timestamp,
        revoked_by: &'static str,
        replaced_by: Option<u64>,
        used_at: Option<Timestamp>,
    },
    #[serde(rename = "other_account")]
    OtherAccount {
        account: String,
        other_account: String,
        other_state: &'static str,
    },
    #[serde(rename = "unknown")]
    Unknown {
        account: Option<String>,
        did_you_mean: Vec<NearMissView>,
    },
}

#[derive(Serialize)]
pub struct NearMissView {
    pub account: String,
    pub set: u64,
    pub index: usize,
}

impl From<&Diagnosis> for DiagnosisView {
    fn from(d: &Diagnosis) -> Self {
        match d.clone() {
            Diagnosis::Unused {
                account,
                set,
                index,
            } => DiagnosisView::Unused {
                account,
                set,
                index,
            },
            Diagnosis::Used {
                account,
                set,
                index,
                used_at,
                note,
            } => DiagnosisView::Used {
                account,
                set,
                index,
                used_at,
                note,
            },
            Diagnosis::Revoked {
                account,
                set,
                index,
                set_created,
                revoked_at,
                revoked_by,
                replaced_by,
                used_at,
            } => DiagnosisView::Revoked {
                account,
                set,
                index,
                set_created,
                revoked_at,
                revoked_by: match revoked_by {
                    RevokedBy::Regenerate => "regenerate",
                    RevokedBy::Revoke => "revoke",
                    RevokedBy::ImportReplace => "import_replace",
                    RevokedBy::Superseded => "superseded",
                },
                replaced_by,
                used_at,
            },
            Diagnosis::OtherAccount {
                account,
                other_account,
                other_state,
            } => DiagnosisView::OtherAccount {
                account,
                other_account,
                other_state: match other_state {
                    CodeState::Unused => "unused",
                    CodeState::Used => "used",
                    CodeState::Revoked => "revoked",
                },
            },
            Diagnosis::Unknown {
                account,
                did_you_mean,
            } => DiagnosisView::Unknown {
                account,
                did_you_mean: did_you_mean
                    .into_iter()
                    .map(|m| NearMissView {
                        account: m.account,
                        set: m.set,
                        index: m.index,
                    })
                    .collect(),
            },
        }
    }
}

impl View for Checked<'_> {
    /// The answer only; its hint goes to standard error (see `app::check`).
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        let (said, _) = explain(self.diagnosis);
        let reason = match self.diagnosis {
            Diagnosis::Unused { .. } => style::paint(style::GOOD, self.diagnosis.reason()),
            _ => style::paint(style::REFUSED, self.diagnosis.reason()),
        };
        // The explanation is escaped; the colour goes around the reason.
        writeln!(out, "{reason}: {}", escape(&said))
    }
}

/// A refused `use` in JSON: the diagnosis itself.
pub struct Refused<'a>(pub &'a Diagnosis);

impl Serialize for Refused<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        DiagnosisView::from(self.0).serialize(s)
    }
}

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
        RevokedBy::Superseded => "merge",
    }
}

/// One sentence on what a code is, and what to do about it, escaped for
/// people. Never contains the code.
pub fn explain(d: &Diagnosis) -> (String, Option<String>) {
    let (line, hint) = explain_raw(d);
    (
        escape(&line).into_owned(),
        hint.map(|h| escape(&h).into_owned()),
    )
}

fn explain_raw(d: &Diagnosis) -> (String, Option<String>) {
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
        line(
            out,
            &format!(
                "Revoked set {} of '{}' ({}). It has no active set now.",
                self.set.id,
                self.account,
                counted(self.unused, "unused code", "unused codes")
            ),
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
        line(
            out,
            &format!(
                "Removed '{}' and its codes ({} set{plural}); the log keeps that it existed.",
                self.account, self.sets
            ),
        )
    }
}

/// The audit trail as `log` shows it.
#[derive(Serialize)]
pub struct Log {
    pub events: Vec<LogLine>,
}

/// One event as the contract's JSON shows it: `{"at", "account", "event",
/// ...}`, the details beside the event's name. Its own type, so that
/// renaming a stored variant cannot change the contract; sets are named
/// by the number they show now.
#[derive(Default, Serialize)]
pub struct LogLine {
    pub at: Timestamp,
    pub account: Option<String>,
    pub event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sets: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passphrase_changed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kdf: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergedCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<usize>,
}

/// What a merge added, in the log and in `merge`'s own JSON.
#[derive(Clone, Copy, Serialize)]
pub struct MergedCounts {
    pub sets: usize,
    pub uses: usize,
    pub revocations: usize,
    pub removals: usize,
    pub events: usize,
}

impl MergedCounts {
    /// `1 new set, 3 uses, ...`, or `nothing new`.
    fn describe(&self) -> String {
        if self.sets + self.uses + self.revocations + self.removals + self.events == 0 {
            return "nothing new".into();
        }
        [
            counted(self.sets, "new set", "new sets"),
            counted(self.uses, "use", "uses"),
            counted(self.revocations, "revocation", "revocations"),
            counted(self.removals, "removal", "removals"),
            counted(self.events, "log event", "log events"),
        ]
        .join(", ")
    }
}

impl From<MergeCounts> for MergedCounts {
    fn from(c: MergeCounts) -> Self {
        MergedCounts {
            sets: c.sets,
            uses: c.uses,
            revocations: c.revocations,
            removals: c.removals,
            events: c.events,
        }
    }
}

impl LogLine {
    /// The event, with each set it names shown by `number`.
    pub fn of(e: &Event, number: impl Fn(&SetRef) -> u64) -> Self {
        let base = LogLine {
            at: e.at,
            account: e.account.clone(),
            ..LogLine::default()
        };
        match &e.kind {
            EventKind::Init => LogLine {
                event: "init",
                ..base
            },
            EventKind::Generate { set, count } => LogLine {
                event: "generate",
                set: Some(number(set)),
                count: Some(*count),
                ..base
            },
            EventKind::Import {
                set,
                count,
                revoked,
            } => LogLine {
                event: "import",
                set: Some(number(set)),
                count: Some(*count),
                revoked: revoked.as_ref().map(&number),
                ..base
            },
            EventKind::Use { set, index, note } | EventKind::Next { set, index, note } => LogLine {
                event: if matches!(e.kind, EventKind::Next { .. }) {
                    "next"
                } else {
                    "use"
                },
                set: Some(number(set)),
                index: Some(*index),
                note: note.clone(),
                ..base
            },
            EventKind::Regenerate {
                set,
                count,
                revoked,
            } => LogLine {
                event: "regenerate",
                set: Some(number(set)),
                count: Some(*count),
                revoked: revoked.as_ref().map(&number),
                ..base
            },
            EventKind::Revoke { set } => LogLine {
                event: "revoke",
                set: Some(number(set)),
                ..base
            },
            EventKind::Remove { sets } => LogLine {
                event: "remove",
                sets: Some(*sets),
                ..base
            },
            EventKind::Refused(r) => LogLine {
                event: "refused",
                reason: Some(r.reason.clone()),
                set: r.set.as_ref().map(&number),
                index: r.index,
                other_account: r.other_account.clone(),
                ..base
            },
            EventKind::Passwd {
                passphrase_changed,
                kdf,
            } => LogLine {
                event: "passwd",
                passphrase_changed: Some(*passphrase_changed),
                kdf: Some(kdf.clone()),
                ..base
            },
            EventKind::Merge(counts) => LogLine {
                event: "merge",
                merged: Some((**counts).into()),
                ..base
            },
            EventKind::Export { accounts } => LogLine {
                event: "export",
                accounts: Some(*accounts),
                ..base
            },
        }
    }

    /// What happened, in words.
    fn describe(&self) -> String {
        let set = self.set.unwrap_or_default();
        let revoked = self
            .revoked
            .map(|r| format!(", revoked set {r}"))
            .unwrap_or_default();
        let count = counted(self.count.unwrap_or_default(), "code", "codes");
        let note = self
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        match self.event {
            "init" => "vault created".to_string(),
            "generate" => format!("generated set {set} ({count})"),
            "import" => format!("imported set {set} ({count}){revoked}"),
            "use" | "next" => {
                let how = if self.event == "next" {
                    "handed out"
                } else {
                    "used"
                };
                let index = self.index.unwrap_or_default();
                format!("{how} code {index} of set {set}{note}")
            }
            "regenerate" => format!("regenerated: set {set} ({count}){revoked}"),
            "revoke" => format!("revoked set {set}"),
            "remove" => format!(
                "removed the account ({})",
                counted(self.sets.unwrap_or_default(), "set", "sets")
            ),
            "refused" => {
                let which = match (self.set, self.index, &self.other_account) {
                    (Some(s), Some(i), _) => format!(" (code {i} of set {s})"),
                    (_, _, Some(o)) => format!(" (a code of '{o}')"),
                    _ => String::new(),
                };
                let reason = self.reason.as_deref().unwrap_or_default();
                format!("refused a code: {reason}{which}")
            }
            "passwd" => format!(
                "{}; {}",
                if self.passphrase_changed == Some(true) {
                    "passphrase changed"
                } else {
                    "re-keyed"
                },
                self.kdf.as_deref().unwrap_or_default()
            ),
            "export" => {
                let n = self.accounts.unwrap_or_default();
                format!(
                    "exported every code in clear ({})",
                    counted(n, "account", "accounts")
                )
            }
            "merge" => match self.merged {
                Some(m) => format!("merged another copy: {}", m.describe()),
                None => "merged another copy".to_string(),
            },
            other => other.to_string(),
        }
    }
}

impl Log {
    fn lines(events: &[LogLine], out: &mut dyn Write) -> io::Result<()> {
        for e in events {
            let account = e.account.as_deref().unwrap_or("-");
            line(out, &format!("{}  {account}  {}", e.at, e.describe()))?;
        }
        Ok(())
    }
}

impl View for Log {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        Log::lines(&self.events, out)
    }
}

// ------------------------------------------------------- merge/git-merge

/// What `merge` and `git-merge` did: per copy what it added, and what the
/// merge could not settle.
#[derive(Serialize)]
pub struct Merged {
    pub merged: Vec<MergedCopy>,
    pub conflicts: Vec<ConflictView>,
    /// Sets of this vault that show another number now.
    pub renumbered: Vec<RenumberedView>,
    /// Conflict copies that could not be merged and were left in place.
    pub skipped: Vec<SkippedCopy>,
    /// Conflict copies merged and moved aside.
    pub moved: Vec<MovedCopy>,
}

#[derive(Serialize)]
pub struct MergedCopy {
    pub from: String,
    #[serde(flatten)]
    pub added: MergedCounts,
    /// When the other copy's passphrase or cost was last changed, if that
    /// is new here: this vault keeps its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passwd_elsewhere: Option<Timestamp>,
}

#[derive(Serialize)]
pub struct RenumberedView {
    pub account: String,
    pub from: u64,
    pub to: u64,
}

impl From<Renumbered> for RenumberedView {
    fn from(r: Renumbered) -> Self {
        RenumberedView {
            account: r.account,
            from: r.from,
            to: r.to,
        }
    }
}

#[derive(Serialize)]
pub struct SkippedCopy {
    pub from: String,
    pub error: String,
}

#[derive(Serialize)]
pub struct MovedCopy {
    pub from: String,
    pub to: String,
}

/// A set as a conflict names it.
#[derive(Serialize)]
pub struct ConflictSet {
    pub set: u64,
    pub created: Timestamp,
    pub origin: Origin,
}

impl From<&SetSummary> for ConflictSet {
    fn from(s: &SetSummary) -> Self {
        ConflictSet {
            set: s.number,
            created: s.created,
            origin: s.origin,
        }
    }
}

/// A conflict as the contract's JSON shows it: `{"kind", "account", ...}`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConflictView {
    DoubleUse {
        account: String,
        set: u64,
        index: usize,
        uses: Vec<Timestamp>,
    },
    TwoActiveSets {
        account: String,
        kept: ConflictSet,
        superseded: ConflictSet,
        kept_active: bool,
    },
    SharedCode {
        account: String,
        set: u64,
        other_account: String,
        other_set: u64,
    },
}

impl From<&Conflict> for ConflictView {
    fn from(c: &Conflict) -> Self {
        match c {
            Conflict::DoubleUse {
                account,
                set,
                index,
                uses,
            } => ConflictView::DoubleUse {
                account: account.clone(),
                set: *set,
                index: *index,
                uses: uses.clone(),
            },
            Conflict::TwoActiveSets {
                account,
                kept,
                superseded,
                kept_active,
            } => ConflictView::TwoActiveSets {
                account: account.clone(),
                kept: kept.into(),
                superseded: superseded.into(),
                kept_active: *kept_active,
            },
            Conflict::SharedCode {
                account,
                other_account,
                set,
                other_set,
            } => ConflictView::SharedCode {
                account: account.clone(),
                set: *set,
                other_account: other_account.clone(),
                other_set: *other_set,
            },
        }
    }
}

/// One sentence on what a merge could not settle, and what to do. Never
/// holds a code.
pub fn explain_conflict(c: &Conflict) -> (String, String) {
    match c {
        Conflict::DoubleUse {
            account,
            set,
            index,
            uses,
        } => {
            let times: Vec<String> = uses.iter().map(|t| t.to_string()).collect();
            (
                format!(
                    "code {index} of set {set} of '{account}' was handed out on both copies ({}); \
                     a code works once, so one of those logins probably failed",
                    times.join(" and ")
                ),
                format!(
                    "both uses are kept; if a login failed, `codevault next {}` gives an unused code",
                    shell_word(account)
                ),
            )
        }
        Conflict::TwoActiveSets {
            account,
            kept,
            superseded,
            kept_active,
        } => {
            let set = |s: &SetSummary| {
                format!(
                    "set {} ({} {})",
                    s.number,
                    s.origin.label(),
                    date(s.created)
                )
            };
            let outcome = if *kept_active {
                format!(
                    "set {}, the later, is active now and set {} is superseded",
                    kept.number, superseded.number
                )
            } else {
                format!(
                    "set {} was revoked on its copy, so '{account}' has no active set now, and \
                     set {} is superseded",
                    kept.number, superseded.number
                )
            };
            let fix = match superseded.origin {
                Origin::Generated => format!(
                    "the platform accepts only the codes you registered with it last: if that \
                     was set {}, `codevault regenerate {}` makes a new set to register",
                    superseded.number,
                    shell_word(account)
                ),
                Origin::Imported => format!(
                    "the platform accepts only the codes it issued last: if those are set {}'s, \
                     get new codes from the platform, then `codevault import --replace {}`",
                    superseded.number,
                    shell_word(account)
                ),
            };
            (
                format!(
                    "each copy made a new set for '{account}': {} and {}; {outcome}",
                    set(superseded),
                    set(kept)
                ),
                fix,
            )
        }
        Conflict::SharedCode {
            account,
            other_account,
            set,
            other_set,
        } => (
            format!(
                "a code of set {set} of '{account}' is also in set {other_set} of \
                 '{other_account}': one of the two sets was stored under the wrong account"
            ),
            format!(
                "`codevault show {}` and `codevault show {}` with the platforms' own lists tell \
                 which; remove or re-import the wrong one",
                shell_word(account),
                shell_word(other_account)
            ),
        ),
    }
}

/// `1 code`, `2 codes`: a count with its noun in the right number.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl View for Merged {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for m in &self.merged {
            line(
                out,
                &format!("Merged '{}': {}.", m.from, m.added.describe()),
            )?;
        }
        for m in &self.moved {
            line(out, &format!("Moved '{}' aside to '{}'.", m.from, m.to))?;
        }
        if self.merged.is_empty() && self.skipped.is_empty() {
            writeln!(out, "No other copies to merge.")?;
        }
        Ok(())
    }
}

// -------------------------------------------------------------------- summary

/// A vault without a single code: for `git diff` and a quick look.
#[derive(Serialize)]
pub struct Summary {
    pub vault: String,
    pub format: u16,
    pub accounts: Vec<SummaryAccount>,
    pub removed: Vec<SummaryRemoval>,
    pub log: Vec<LogLine>,
}

#[derive(Serialize)]
pub struct SummaryAccount {
    pub account: String,
    pub sets: Vec<SummarySet>,
}

#[derive(Serialize)]
pub struct SummarySet {
    pub id: u64,
    pub created: Timestamp,
    pub origin: Origin,
    pub fingerprint: String,
    pub active: bool,
    /// When and how a set that is not active stopped being so.
    pub revoked: Option<SummaryRevocation>,
    pub codes: usize,
    pub remaining: usize,
    /// The numbers (from 1) of the used codes.
    pub used: Vec<usize>,
}

#[derive(Serialize)]
pub struct SummaryRevocation {
    pub at: Timestamp,
    pub by: RevokedBy,
}

#[derive(Serialize)]
pub struct SummaryRemoval {
    pub account: String,
    pub at: Timestamp,
}

impl Summary {
    pub fn of(vault: &Vault, format: u16) -> Self {
        let numbers = vault.shown_numbers();
        let accounts = vault
            .accounts()
            .map(|(name, a)| SummaryAccount {
                account: name.to_string(),
                sets: a
                    .sets
                    .iter()
                    .enumerate()
                    .map(|(pos, s)| {
                        let revoked = a.revocation(pos);
                        SummarySet {
                            id: s.id,
                            created: s.created,
                            origin: s.origin,
                            fingerprint: s.fingerprint(),
                            active: revoked.is_none(),
                            revoked: revoked.map(|r| SummaryRevocation { at: r.at, by: r.by }),
                            codes: s.codes.len(),
                            remaining: s.remaining(),
                            used: (1..=s.codes.len())
                                .filter(|i| s.codes[i - 1].is_used())
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        Summary {
            vault: vault.id().short(),
            format,
            accounts,
            removed: vault
                .removals()
                .iter()
                .map(|r| SummaryRemoval {
                    account: r.account.clone(),
                    at: r.at,
                })
                .collect(),
            log: vault
                .events()
                .iter()
                .map(|e| LogLine::of(e, |set| vault.shown(&numbers, set)))
                .collect(),
        }
    }
}

/// `1-3, 5, 7-8`.
fn ranges(numbers: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end + 1 {
            i += 1;
            end = numbers[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

impl View for Summary {
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "codevault vault {} (format {}): {}",
            self.vault,
            self.format,
            counted(self.accounts.len(), "account", "accounts")
        )?;
        for a in &self.accounts {
            writeln!(out)?;
            line(out, &a.account)?;
            for s in a.sets.iter().rev() {
                let state = match (&s.revoked, s.active) {
                    (_, true) => "active".to_string(),
                    (Some(r), _) => format!("revoked {} by {}", date(r.at), revoked_by(r.by)),
                    (None, false) => "no longer active".to_string(),
                };
                writeln!(
                    out,
                    "  set {}  {} {}  fingerprint {}  {}  {} of {} left",
                    s.id,
                    s.origin.label(),
                    date(s.created),
                    s.fingerprint,
                    state,
                    s.remaining,
                    s.codes
                )?;
                if !s.used.is_empty() {
                    writeln!(out, "    used: {}", ranges(&s.used))?;
                }
            }
        }
        if !self.removed.is_empty() {
            writeln!(out)?;
            for r in &self.removed {
                line(out, &format!("removed: {} ({})", r.account, date(r.at)))?;
            }
        }
        writeln!(out)?;
        writeln!(out, "log")?;
        Log::lines(&self.log, out)
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
