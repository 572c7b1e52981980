//! The domain: accounts, their sets of codes, and what a code is.
//!
//! A [`Vault`] holds every account with every set it ever had, oldest first.
//! At most the newest set is active; older ones stay, revoked, so that a code
//! from them can still be recognised and explained. Every change is also
//! written to the vault's own audit trail.
//!
//! The stored types are encoded positionally (see `session`): their field
//! order is part of the file format, so changing one means a new format
//! version. Output shapes live in `output`, not here.
//!
//! Pure: no file, no terminal, no clock, no randomness of its own. The time
//! and the random generator are passed in, so every rule here is
//! unit-testable.

use std::collections::{BTreeMap, HashSet};

use blake2::Blake2b;
use blake2::digest::Digest;
use blake2::digest::consts::U32;
use jiff::Timestamp;
use rand::TryCryptoRng;
use serde::{Deserialize, Serialize};

use crate::code::{Alphabet, Code};
use crate::error::{Error, Result};

/// An active set with this many unused codes or fewer is "low".
pub const LOW_THRESHOLD: usize = 3;
/// How many codes `generate` and `regenerate` make at most.
pub const MAX_COUNT: usize = 100;
const MAX_NAME_CHARS: usize = 128;

/// An account name: trimmed, 1 to 128 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        let reason = if name.is_empty() {
            "it is empty"
        } else if name.chars().count() > MAX_NAME_CHARS {
            "it is longer than 128 characters"
        } else {
            return Ok(AccountName(name.to_string()));
        };
        Err(Error::InvalidAccountName { reason })
    }

    /// A name for an account that may be created: no control or format
    /// character either. Only new names are held to this, so that an
    /// account stored by an older version can still be shown and removed
    /// (its name is shown escaped).
    pub fn parse_new(raw: &str) -> Result<Self> {
        let name = Self::parse(raw)?;
        name.check_characters()?;
        Ok(name)
    }

    fn check_characters(&self) -> Result<()> {
        if self.0.chars().any(crate::display::is_unsafe) {
            return Err(Error::InvalidAccountName {
                reason: "it contains a control or format character",
            });
        }
        Ok(())
    }

    /// Whether two names read alike: they share a key, the Unicode
    /// confusables skeleton (UTS #39) of the case-folded name, or that of
    /// the case-folded skeleton (a capital I reads as an l only before
    /// folding). So `GitHub`, `GITHUB`, `gіthub` (a Cyrillic i) and
    /// `paypaI` (a capital i) read like `github` and `paypal`.
    pub fn reads_like(a: &str, b: &str) -> bool {
        let (ka, kb) = (Self::look_alike_keys(a), Self::look_alike_keys(b));
        ka.iter().any(|k| kb.contains(k))
    }

    fn look_alike_keys(name: &str) -> [String; 2] {
        let skeleton = |s: &str| unicode_security::skeleton(s).collect::<String>();
        [
            skeleton(&name.to_lowercase()),
            skeleton(&skeleton(name).to_lowercase()),
        ]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest note kept with a use, in characters.
pub const MAX_NOTE_CHARS: usize = 256;

/// A note for `use --note` / `next --note`, checked as an account name is
/// (trimmed, not empty, no control or format character), 256 characters
/// at most.
pub fn parse_note(raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let note = raw.trim();
    let reason = if note.is_empty() {
        "it is empty"
    } else if note.chars().count() > MAX_NOTE_CHARS {
        "it is longer than 256 characters"
    } else if note.chars().any(crate::display::is_unsafe) {
        "it contains a control or format character"
    } else {
        return Ok(Some(note.to_string()));
    };
    Err(Error::InvalidNote { reason })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Generated,
    Imported,
}

impl Origin {
    /// `generated` or `imported`, as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Generated => "generated",
            Origin::Imported => "imported",
        }
    }

    /// How to get a fresh set of this origin: codevault makes generated
    /// sets; imported ones only the platform can renew.
    pub fn renewal(self, account: &str) -> String {
        let account = crate::error::shell_word(account);
        match self {
            Origin::Generated => {
                format!("`codevault regenerate {account}` makes a new set and revokes this one")
            }
            Origin::Imported => format!(
                "get new codes from the platform, then `codevault import --replace {account}`"
            ),
        }
    }
}

/// What revoked a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedBy {
    Regenerate,
    Revoke,
    ImportReplace,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub by: RevokedBy,
    /// The set that took this one's place, if any.
    pub replaced_by: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub code: Code,
    /// Boxed: most codes are unused, and an entry is the vault's most
    /// numerous value (40 bytes instead of 72; postcard writes a box as
    /// its contents, so the file is the same).
    pub used: Option<Box<Usage>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSet {
    /// Unique within the vault, counting up from 1.
    pub id: u64,
    /// Random, secret (it never leaves the vault): mixed into the
    /// fingerprint so that the fingerprint of a small set, shown without
    /// its codes, cannot be searched back to them.
    pub salt: [u8; 16],
    #[serde(with = "unix_seconds")]
    pub created: Timestamp,
    pub origin: Origin,
    pub alphabet: Alphabet,
    pub codes: Vec<Entry>,
    pub revoked: Option<Revocation>,
}

impl CodeSet {
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|e| e.used.is_none()).count()
    }

    pub fn is_low(&self) -> bool {
        self.remaining() <= LOW_THRESHOLD
    }

    /// A short text derived from the codes, to match a printed copy with the
    /// vault: `4f2a-91c0`. Keyed by the set's secret salt: without it, 32
    /// bits of an unkeyed hash would give away a one-code set to a search
    /// of all 10^8 codes.
    pub fn fingerprint(&self) -> String {
        let mut h = Blake2b::<U32>::new();
        h.update(b"codevault set fingerprint v1");
        h.update(self.salt);
        for e in &self.codes {
            h.update(e.code.as_str().as_bytes());
            h.update(b"\n");
        }
        let d = h.finalize();
        format!("{:02x}{:02x}-{:02x}{:02x}", d[0], d[1], d[2], d[3])
    }

    /// The 1-based position of a code in the set.
    fn position(&self, code: &Code) -> Option<usize> {
        self.codes.iter().position(|e| &e.code == code)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Oldest first; only the last can be active.
    pub sets: Vec<CodeSet>,
}

impl Account {
    pub fn active(&self) -> Option<&CodeSet> {
        self.sets.last().filter(|s| s.revoked.is_none())
    }

    fn active_mut(&mut self) -> Option<&mut CodeSet> {
        self.sets.last_mut().filter(|s| s.revoked.is_none())
    }
}

/// One line of the audit trail. It never holds a code: only its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub account: Option<String>,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Init,
    Generate {
        set: u64,
        count: usize,
    },
    Import {
        set: u64,
        count: usize,
        revoked: Option<u64>,
    },
    Use {
        set: u64,
        index: usize,
        note: Option<String>,
    },
    Next {
        set: u64,
        index: usize,
        note: Option<String>,
    },
    Regenerate {
        set: u64,
        count: usize,
        revoked: Option<u64>,
    },
    Revoke {
        set: u64,
    },
    Remove {
        sets: usize,
    },
    /// A `use` that was refused. Boxed, being the largest kind by far:
    /// every event is as large as its largest kind.
    Refused(Box<Refusal>),
    Passwd {
        passphrase_changed: bool,
        kdf: String,
    },
}

/// Why a `use` was refused, and which code by number where the vault
/// knows it. Postcard writes it exactly as the struct variant it once was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: String,
    pub set: Option<u64>,
    pub index: Option<usize>,
    pub other_account: Option<String>,
}

/// The whole decrypted content of a vault file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vault {
    accounts: BTreeMap<String, Account>,
    next_set_id: u64,
    #[serde(deserialize_with = "exact_vec")]
    events: Vec<Event>,
    #[serde(skip)]
    taken: TakenCodes,
}

/// Every code the vault holds or held, built on first need and kept up to
/// date by the changes that add codes, so that making many sets in one
/// process (`examples/populate.rs`) stays linear. A code of a removed
/// account may linger in it; that only makes generation avoid it.
#[derive(Clone, Debug, Default)]
struct TakenCodes(Option<HashSet<Code>>);

impl PartialEq for TakenCodes {
    /// A cache, not content: two vaults with the same content are equal.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for TakenCodes {}

/// A code handed out or marked by `use` / `next`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub account: String,
    pub code: Code,
    pub set: u64,
    pub index: usize,
    pub remaining: usize,
    pub low: bool,
    pub origin: Origin,
}

impl Vault {
    pub fn new(now: Timestamp) -> Self {
        Vault {
            accounts: BTreeMap::new(),
            next_set_id: 1,
            events: vec![Event {
                at: now,
                account: None,
                kind: EventKind::Init,
            }],
            taken: TakenCodes::default(),
        }
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&str, &Account)> {
        self.accounts.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn account(&self, name: &AccountName) -> Result<&Account> {
        self.accounts
            .get(name.as_str())
            .ok_or_else(|| self.unknown(name))
    }

    fn account_mut(&mut self, name: &AccountName) -> Result<&mut Account> {
        if !self.accounts.contains_key(name.as_str()) {
            return Err(self.unknown(name));
        }
        Ok(self.accounts.get_mut(name.as_str()).expect("checked above"))
    }

    fn unknown(&self, name: &AccountName) -> Error {
        // A code typed where the account belongs is not repeated back
        // (digit runs are masked by the message itself; this catches the
        // vault's codes of any alphabet).
        let is_a_code = self
            .alphabets()
            .into_iter()
            .any(|a| Code::parse(name.as_str(), a).is_ok_and(|c| self.holds(&c)));
        Error::UnknownAccount {
            name: if is_a_code {
                "[code]".into()
            } else {
                name.as_str().to_string()
            },
            suggestions: close_names(name.as_str(), self.accounts.keys()),
        }
    }

    /// A name for a new account must not read like an existing one: an
    /// existing name is fine, a look-alike is refused naming the original.
    fn check_new_name(&self, name: &AccountName) -> Result<()> {
        if self.accounts.contains_key(name.as_str()) {
            return Ok(());
        }
        name.check_characters()?;
        match self
            .accounts
            .keys()
            .find(|existing| AccountName::reads_like(existing, name.as_str()))
        {
            Some(existing) => Err(Error::LookAlikeAccount {
                name: name.as_str().to_string(),
                existing: existing.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The account's active set, or the errors that explain its absence.
    pub fn active_set(&self, name: &AccountName) -> Result<&CodeSet> {
        self.account(name)?
            .active()
            .ok_or_else(|| Error::NoActiveSet {
                account: name.as_str().to_string(),
            })
    }

    /// The alphabets in use anywhere in the vault, for reading a code typed
    /// without an account.
    pub fn alphabets(&self) -> Vec<Alphabet> {
        let mut seen = vec![Alphabet::GENERATED];
        for set in self.accounts.values().flat_map(|a| &a.sets) {
            if !seen.contains(&set.alphabet) {
                seen.push(set.alphabet);
            }
        }
        seen
    }

    fn log(&mut self, at: Timestamp, account: &AccountName, kind: EventKind) {
        self.events.push(Event {
            at,
            account: Some(account.as_str().to_string()),
            kind,
        });
    }

    pub fn log_passwd(&mut self, at: Timestamp, passphrase_changed: bool, kdf: String) {
        self.events.push(Event {
            at,
            account: None,
            kind: EventKind::Passwd {
                passphrase_changed,
                kdf,
            },
        });
    }

    /// `count` fresh codes, distinct from each other and from every code the
    /// vault has ever held, for any account. The spec asks for uniqueness in
    /// the account's history; vault-wide keeps `other_account` unambiguous.
    fn fresh_codes<R>(&mut self, count: usize, rng: &mut R) -> Result<Vec<Code>>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let accounts = &self.accounts;
        let taken = self.taken.0.get_or_insert_with(|| {
            accounts
                .values()
                .flat_map(|a| &a.sets)
                .flat_map(|s| &s.codes)
                .map(|e| e.code.clone())
                .collect()
        });
        let mut fresh: Vec<Code> = Vec::with_capacity(count);
        while fresh.len() < count {
            let code = Code::generate(rng).map_err(|e| Error::Random(e.to_string()))?;
            if taken.insert(code.clone()) {
                fresh.push(code);
            }
        }
        Ok(fresh)
    }

    fn new_set<R>(
        &mut self,
        codes: Vec<Code>,
        origin: Origin,
        alphabet: Alphabet,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let mut salt = [0u8; 16];
        rng.try_fill_bytes(&mut salt)
            .map_err(|e| Error::Random(e.to_string()))?;
        let id = self.next_set_id;
        self.next_set_id += 1;
        Ok(CodeSet {
            id,
            salt,
            created: now,
            origin,
            alphabet,
            codes: codes
                .into_iter()
                .map(|code| Entry { code, used: None })
                .collect(),
            revoked: None,
        })
    }

    fn check_count(count: usize) -> Result<()> {
        if (1..=MAX_COUNT).contains(&count) {
            Ok(())
        } else {
            Err(Error::Usage(format!(
                "the number of codes must be 1 to {MAX_COUNT}, not {count}"
            )))
        }
    }

    /// A new active set for an account that has none; creates the account.
    pub fn generate<R>(
        &mut self,
        name: &AccountName,
        count: usize,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        Self::check_count(count)?;
        self.check_new_name(name)?;
        if self
            .accounts
            .get(name.as_str())
            .is_some_and(|a| a.active().is_some())
        {
            return Err(Error::ActiveSetExists {
                account: name.as_str().to_string(),
                importing: false,
            });
        }
        let codes = self.fresh_codes(count, rng)?;
        let set = self.new_set(codes, Origin::Generated, Alphabet::GENERATED, rng, now)?;
        let kind = EventKind::Generate { set: set.id, count };
        Ok(self.push_set(name, set, kind, now))
    }

    /// Makes `set` the account's newest set (creating the account) and
    /// records the change that made it.
    fn push_set(
        &mut self,
        name: &AccountName,
        set: CodeSet,
        kind: EventKind,
        now: Timestamp,
    ) -> &CodeSet {
        self.log(now, name, kind);
        let account = self.accounts.entry(name.as_str().to_string()).or_default();
        account.sets.push(set);
        account.sets.last().expect("just pushed")
    }

    /// A new set for an existing account; its active set, if any, is revoked
    /// in the same change.
    pub fn regenerate<R>(
        &mut self,
        name: &AccountName,
        count: usize,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        Self::check_count(count)?;
        self.account(name)?;
        let codes = self.fresh_codes(count, rng)?;
        let set = self.new_set(codes, Origin::Generated, Alphabet::GENERATED, rng, now)?;
        let id = set.id;
        let revoked = self.retire_active(name, now, RevokedBy::Regenerate, Some(id))?;
        let kind = EventKind::Regenerate {
            set: id,
            count,
            revoked,
        };
        Ok(self.push_set(name, set, kind, now))
    }

    /// Stores codes a platform gave as the active set (origin `imported`).
    /// With `replace`, the active set is revoked in the same change; without
    /// it, an active set is an error.
    pub fn import<R>(
        &mut self,
        name: &AccountName,
        codes: Vec<Code>,
        alphabet: Alphabet,
        replace: bool,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        if codes.is_empty() {
            return Err(Error::Usage("there are no codes to import".into()));
        }
        self.check_new_name(name)?;
        if !codes.iter().all(|c| alphabet.admits(c)) {
            return Err(Error::Usage(
                "the codes to import are not all of the same kind and length".into(),
            ));
        }
        let has_active = self
            .accounts
            .get(name.as_str())
            .is_some_and(|a| a.active().is_some());
        if has_active && !replace {
            return Err(Error::ActiveSetExists {
                account: name.as_str().to_string(),
                importing: true,
            });
        }
        // Importing a set the vault already has is a mistake worth naming:
        // most often the old file kept after the platform made new codes.
        if let Some(account) = self.accounts.get(name.as_str())
            && let Some(set) = account
                .sets
                .iter()
                .rev()
                .find(|s| s.codes.iter().any(|e| codes.contains(&e.code)))
        {
            return Err(Error::ImportOverlap {
                account: name.as_str().to_string(),
                set: set.id,
                revoked: set.revoked.is_some(),
            });
        }
        if let Some(taken) = &mut self.taken.0 {
            taken.extend(codes.iter().cloned());
        }
        let count = codes.len();
        let set = self.new_set(codes, Origin::Imported, alphabet, rng, now)?;
        let id = set.id;
        let revoked = if has_active {
            self.retire_active(name, now, RevokedBy::ImportReplace, Some(id))?
        } else {
            None
        };
        let kind = EventKind::Import {
            set: id,
            count,
            revoked,
        };
        Ok(self.push_set(name, set, kind, now))
    }

    /// Revokes the active set, if there is one, returning its id.
    fn retire_active(
        &mut self,
        name: &AccountName,
        now: Timestamp,
        by: RevokedBy,
        replaced_by: Option<u64>,
    ) -> Result<Option<u64>> {
        let account = self.account_mut(name)?;
        Ok(account.active_mut().map(|set| {
            set.revoked = Some(Revocation {
                at: now,
                by,
                replaced_by,
            });
            set.id
        }))
    }

    /// Revokes the active set and leaves the account with none.
    pub fn revoke(&mut self, name: &AccountName, now: Timestamp) -> Result<&CodeSet> {
        self.active_set(name)?;
        let id = self
            .retire_active(name, now, RevokedBy::Revoke, None)?
            .expect("checked above");
        self.log(now, name, EventKind::Revoke { set: id });
        Ok(self.account(name)?.sets.last().expect("it has a set"))
    }

    /// Deletes the account and all its history.
    pub fn remove(&mut self, name: &AccountName, now: Timestamp) -> Result<Account> {
        self.account(name)?;
        let account = self.accounts.remove(name.as_str()).expect("checked above");
        self.log(
            now,
            name,
            EventKind::Remove {
                sets: account.sets.len(),
            },
        );
        Ok(account)
    }

    /// Marks a code of the account's active set as used, or says why not.
    /// A refusal is recorded in the audit trail too.
    pub fn use_code(
        &mut self,
        name: &AccountName,
        code: &Code,
        note: Option<String>,
        now: Timestamp,
    ) -> Result<std::result::Result<Receipt, Diagnosis>> {
        match self.diagnose(Some(name), code)? {
            Diagnosis::Unused { index, .. } => Ok(Ok(self.mark(name, index, note, now, false)?)),
            refused => {
                let (set, index, other_account) = match &refused {
                    Diagnosis::Used { set, index, .. } | Diagnosis::Revoked { set, index, .. } => {
                        (Some(*set), Some(*index), None)
                    }
                    Diagnosis::OtherAccount { other_account, .. } => {
                        (None, None, Some(other_account.clone()))
                    }
                    _ => (None, None, None),
                };
                let reason = refused.reason().to_string();
                self.log(
                    now,
                    name,
                    EventKind::Refused(Box::new(Refusal {
                        reason,
                        set,
                        index,
                        other_account,
                    })),
                );
                Ok(Err(refused))
            }
        }
    }

    /// Hands out the first unused code of the active set, marked as used.
    pub fn next(
        &mut self,
        name: &AccountName,
        note: Option<String>,
        now: Timestamp,
    ) -> Result<Receipt> {
        let set = self.active_set(name)?;
        let index = set
            .codes
            .iter()
            .position(|e| e.used.is_none())
            .ok_or_else(|| Error::NoCodesLeft {
                account: name.as_str().to_string(),
                origin: set.origin,
            })?
            + 1;
        self.mark(name, index, note, now, true)
    }

    fn mark(
        &mut self,
        name: &AccountName,
        index: usize,
        note: Option<String>,
        now: Timestamp,
        by_next: bool,
    ) -> Result<Receipt> {
        let account = self.account_mut(name)?;
        let set = account.active_mut().ok_or_else(|| Error::NoActiveSet {
            account: name.as_str().to_string(),
        })?;
        let entry = &mut set.codes[index - 1];
        entry.used = Some(Box::new(Usage {
            at: now,
            note: note.clone(),
        }));
        let receipt = Receipt {
            account: name.as_str().to_string(),
            code: entry.code.clone(),
            set: set.id,
            index,
            remaining: set.remaining(),
            low: set.is_low(),
            origin: set.origin,
        };
        let id = set.id;
        let kind = if by_next {
            EventKind::Next {
                set: id,
                index,
                note,
            }
        } else {
            EventKind::Use {
                set: id,
                index,
                note,
            }
        };
        self.log(now, name, kind);
        Ok(receipt)
    }
}

/// Up to three names close to `wanted`: same letters in another case, one
/// containing the other, or at most two edits away.
fn close_names<'a>(wanted: &str, names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &String)> = names
        .filter_map(|n| {
            let l = n.to_lowercase();
            let d = edit_distance(&w, &l);
            let related = d <= 2 || (w.len() >= 3 && (l.contains(&w) || w.contains(&l)));
            related.then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.clone()).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Deserialises a sequence into a vector of exactly its length. Serde's
/// own grows by doubling past 1 MiB, which for the audit trail of a large
/// vault left up to half as much again unused at the moment of peak
/// memory. The length comes from authenticated plaintext, that is from our
/// own writer, and postcard gives no length hint larger than the bytes
/// left; the cap is one more bound on what a bug could allocate up front.
fn exact_vec<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Exact<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Exact<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<T>, A::Error> {
            const CAP_BYTES: usize = 256 << 20;
            let cap = CAP_BYTES / std::mem::size_of::<T>().max(1);
            let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(cap));
            while let Some(item) = seq.next_element()? {
                v.push(item);
            }
            Ok(v)
        }
    }
    deserializer.deserialize_seq(Exact(std::marker::PhantomData))
}

/// Stored times are whole seconds since the Unix epoch: compact, and
/// nothing to parse.
mod unix_seconds {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.as_second())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let secs = i64::deserialize(d)?;
        Timestamp::from_second(secs).map_err(serde::de::Error::custom)
    }
}

mod diagnosis;
pub use diagnosis::{CodeState, Diagnosis, NearMiss};

#[cfg(test)]
mod tests;
