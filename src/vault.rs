//! The domain: accounts, their sets of codes, and what a code is.
//!
//! A [`Vault`] holds every account with every set it ever had, oldest first.
//! At most the newest set is active; older ones stay, revoked, so that a code
//! from them can still be recognised and explained. Every change is also
//! written to the vault's own audit trail.
//!
//! The stored schema (`schema.rs`, and version 1's in `v1.rs`) is apart
//! from the operations here; folding copies together is `merge.rs`, and
//! the one diagnosis engine `diagnosis.rs`. Output shapes live in
//! `output`, not here.
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

use self::error::VaultError as Error;
use crate::code::{Alphabet, Code, Layout};

/// The domain's results: its own errors, wrapped by the application's.
pub type Result<T, E = VaultError> = std::result::Result<T, E>;

/// An active set with this many unused codes or fewer is "low" (when they
/// are also at most [`LOW_SHARE_PERCENT`] of the set).
pub const LOW_THRESHOLD: usize = 3;
/// ... and at most this share of the set: a 5-code set is low at 2 left, a
/// 10-code set at 3 (the contract's "Warnings").
pub const LOW_SHARE_PERCENT: usize = 40;
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

impl Origin {
    /// `generated` or `imported`, as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Generated => "generated",
            Origin::Imported => "imported",
        }
    }
}

impl CodeSet {
    pub fn is_low(&self) -> bool {
        let left = self.remaining();
        left <= LOW_THRESHOLD && left * 100 <= self.codes.len() * LOW_SHARE_PERCENT
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

    /// The 0-based position of a code in the set (the code's number, as
    /// shown to people, is one more).
    fn position(&self, code: &Code) -> Option<usize> {
        self.codes.iter().position(|e| &e.code == code)
    }
}

impl Account {
    /// The active set: the newest, unless it is revoked.
    pub fn active(&self) -> Option<&CodeSet> {
        self.sets.last().filter(|s| s.revoked.is_none())
    }

    fn active_mut(&mut self) -> Option<&mut CodeSet> {
        self.sets.last_mut().filter(|s| s.revoked.is_none())
    }

    /// Why the set at `pos` is not active, if it is not: its own
    /// revocation, or, for a set that a newer one superseded without one
    /// (two copies each made a new set, then were merged), the newer set's
    /// arrival.
    pub fn revocation(&self, pos: usize) -> Option<Revocation> {
        let set = &self.sets[pos];
        if let Some(r) = &set.revoked {
            let mut r = r.clone();
            // The replacing set as it is shown now (a merge may have
            // renumbered it).
            if let Some(by) = &mut r.replaced_by
                && let Some(s) = self.sets.iter().find(|s| s.uid == by.uid)
            {
                by.number = s.id;
            }
            return Some(r);
        }
        let newer = self.sets.get(pos + 1)?;
        Some(Revocation {
            uid: Uid::derived("superseded", &[&set.uid.0, &newer.uid.0]),
            at: newer.created,
            by: RevokedBy::Superseded,
            replaced_by: Some(newer.reference()),
        })
    }

    /// The set that `set` took the place of (regenerate, import --replace),
    /// by the number it shows.
    pub fn replaced(&self, set: Uid) -> Option<u64> {
        self.sets.iter().find_map(|s| {
            let by = s.revoked.as_ref()?.replaced_by?;
            (by.uid == set).then_some(s.id)
        })
    }

    /// Puts a set in its place in the order (usually the end).
    fn insert(&mut self, set: CodeSet) -> usize {
        let at = self.sets.partition_point(|s| s.order() < set.order());
        self.sets.insert(at, set);
        at
    }
}

/// Codes as a platform's text gave them, for [`Vault::import`].
#[derive(Debug)]
pub struct Imported {
    pub codes: Vec<Code>,
    /// For each code, whether the text marked it used.
    pub used: Vec<bool>,
    pub alphabet: Alphabet,
    /// How the platform printed them, kept for showing them alike.
    pub layout: Option<Layout>,
}

impl Imported {
    /// Codes of `alphabet`, none of them used, shown in the usual grouping.
    pub fn unused(codes: Vec<Code>, alphabet: Alphabet) -> Self {
        Imported {
            used: vec![false; codes.len()],
            codes,
            alphabet,
            layout: None,
        }
    }
}

/// The note of a use that the imported text recorded: when the code was
/// really used is not known, only that it was before the import.
pub const MARKED_USED_IN_TEXT: &str = "marked used in the imported text";

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
    /// How the platform printed the set's codes, if it kept that.
    pub layout: Option<Layout>,
}

impl Receipt {
    /// The code to paste where the platform asks for it: in the letter
    /// case the platform printed it in, without its spaces or dashes
    /// (`K7PM2XQ9WB4N`, `12345678`), which every form takes and some ask
    /// for (Discord's: "without spaces or dashes").
    pub fn pasted(&self) -> String {
        match self.code.printed(self.layout.as_ref()) {
            Some(printed) => printed.replace([' ', '-'], ""),
            None => self.code.as_str().to_string(),
        }
    }
}

impl Vault {
    /// A new, empty vault with an identity of its own.
    pub fn new<R>(rng: &mut R, now: Timestamp) -> Result<Self>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let mut vault = Vault {
            id: Uid::random(rng)?,
            accounts: BTreeMap::new(),
            next_number: 1,
            clock: 0,
            events: Vec::new(),
            removals: Vec::new(),
            taken: TakenCodes::default(),
        };
        vault.log(rng, now, None, EventKind::Init)?;
        Ok(vault)
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&str, &Account)> {
        self.accounts.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The audit trail, in order: by time, then as it happened.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The tombstones of removed accounts.
    pub fn removals(&self) -> &[Removal] {
        &self.removals
    }

    pub fn account(&self, name: &AccountName) -> Result<&Account> {
        self.accounts
            .get(name.as_str())
            .ok_or_else(|| self.unknown(name))
    }

    /// Whether the vault has, or ever had, an account of this name: a
    /// removed account still has its log.
    pub fn ever_had(&self, name: &AccountName) -> bool {
        self.accounts.contains_key(name.as_str())
            || self
                .events
                .iter()
                .any(|e| e.account.as_deref() == Some(name.as_str()))
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
            suggestions: names::close_names(name.as_str(), self.accounts.keys()),
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

    /// Records an event, in its place in the log (the end, unless the
    /// clock went back).
    fn log<R>(
        &mut self,
        rng: &mut R,
        at: Timestamp,
        account: Option<&AccountName>,
        kind: EventKind,
    ) -> Result<()>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.clock += 1;
        let event = Event {
            uid: Uid::random(rng)?,
            seq: self.clock,
            at,
            account: account.map(|a| a.as_str().to_string()),
            kind,
        };
        let pos = self.events.partition_point(|e| e.order() <= event.order());
        self.events.insert(pos, event);
        Ok(())
    }

    pub fn log_passwd<R>(
        &mut self,
        rng: &mut R,
        at: Timestamp,
        passphrase_changed: bool,
        kdf: String,
    ) -> Result<()>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let kind = EventKind::Passwd {
            passphrase_changed,
            kdf,
        };
        self.log(rng, at, None, kind)
    }

    /// Records that another copy was folded in, with what it added.
    pub fn log_merge<R>(&mut self, rng: &mut R, at: Timestamp, added: MergeCounts) -> Result<()>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.log(rng, at, None, EventKind::Merge(Box::new(added)))
    }

    /// Records that every code left the vault, in clear (`export`).
    pub fn log_export<R>(&mut self, rng: &mut R, at: Timestamp, accounts: usize) -> Result<()>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.log(rng, at, None, EventKind::Export { accounts })
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

    /// A new set for the account, not yet in the vault. It claims the next
    /// number above every number shown, and is made no earlier than the
    /// account's newest set, so that it is the newest whatever the clock
    /// did.
    fn new_set<R>(
        &mut self,
        name: &AccountName,
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
        let number = self.next_number;
        self.next_number += 1;
        let mut created = self
            .accounts
            .get(name.as_str())
            .and_then(|a| a.sets.last())
            .map_or(now, |newest| newest.created.max(now));
        // A removal recorded by version 1 takes every set of the name made
        // up to its time: a new set must come after it, whatever the clock.
        for r in self.removals.iter().filter(|r| r.account == name.as_str()) {
            if let RemovalScope::CreatedUpTo(t) = r.scope
                && created <= t
            {
                created = t + jiff::SignedDuration::from_secs(1);
            }
        }
        Ok(CodeSet {
            uid: Uid::random(rng)?,
            number,
            salt,
            created,
            origin,
            alphabet,
            codes: codes.into_iter().map(Entry::unused).collect(),
            revoked: None,
            layout: None,
            id: number,
        })
    }

    /// A new set of `count` fresh codes of codevault's own.
    fn generated_set<R>(
        &mut self,
        name: &AccountName,
        count: usize,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let codes = self.fresh_codes(count, rng)?;
        self.new_set(
            name,
            codes,
            Origin::Generated,
            Alphabet::GENERATED,
            rng,
            now,
        )
    }

    fn check_count(count: usize) -> Result<()> {
        if (1..=MAX_COUNT).contains(&count) {
            Ok(())
        } else {
            Err(Error::CodeCount {
                count,
                max: MAX_COUNT,
            })
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
        let set = self.generated_set(name, count, rng, now)?;
        let kind = EventKind::Generate {
            set: set.reference(),
            count,
        };
        self.push_set(name, set, kind, rng, now)
    }

    /// Makes `set` the account's newest set (creating the account) and
    /// records the change that made it.
    fn push_set<R>(
        &mut self,
        name: &AccountName,
        set: CodeSet,
        kind: EventKind,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.log(rng, now, Some(name), kind)?;
        let account = self.accounts.entry(name.as_str().to_string()).or_default();
        let pos = account.insert(set);
        Ok(&account.sets[pos])
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
        let set = self.generated_set(name, count, rng, now)?;
        let new = set.reference();
        let revoked = self.retire_active(name, rng, now, RevokedBy::Regenerate, Some(new))?;
        let kind = EventKind::Regenerate {
            set: new,
            count,
            revoked,
        };
        self.push_set(name, set, kind, rng, now)
    }

    /// Stores codes a platform gave as the active set (origin `imported`).
    /// With `replace`, the active set of an existing account is revoked in
    /// the same change; without it, an active set is an error. Codes the
    /// text marked used are stored used, at `now`, with a note saying so.
    pub fn import<R>(
        &mut self,
        name: &AccountName,
        imported: Imported,
        replace: bool,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let Imported {
            codes,
            used,
            alphabet,
            layout,
        } = imported;
        if codes.is_empty() {
            return Err(Error::NothingToImport);
        }
        if replace {
            // `--replace` means "instead of the codes I have": a name that
            // is not there is a slip, not a new account.
            self.account(name)?;
        }
        self.check_new_name(name)?;
        if !codes.iter().all(|c| alphabet.admits(c)) || used.len() != codes.len() {
            return Err(Error::MixedCodes);
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
        // most often the old file kept after the platform made new codes,
        // or another client's file. Every code of the vault is looked up
        // once, not compared with every code of the text.
        let importing: HashSet<&Code> = codes.iter().collect();
        for (other, account) in &self.accounts {
            if let Some(pos) = account
                .sets
                .iter()
                .rposition(|s| s.codes.iter().any(|e| importing.contains(&e.code)))
            {
                let set = &account.sets[pos];
                let shared = set
                    .codes
                    .iter()
                    .filter(|e| importing.contains(&e.code))
                    .count();
                return Err(if other == name.as_str() {
                    Error::ImportOverlap {
                        account: other.clone(),
                        set: set.id,
                        revoked: account.revocation(pos).is_some(),
                    }
                } else {
                    Error::CodesOfAnotherAccount {
                        account: other.clone(),
                        set: set.id,
                        shared,
                        active: account.revocation(pos).is_none(),
                    }
                });
            }
        }
        if let Some(taken) = &mut self.taken.0 {
            taken.extend(codes.iter().cloned());
        }
        let count = codes.len();
        let mut set = self.new_set(name, codes, Origin::Imported, alphabet, rng, now)?;
        set.layout = layout;
        for (entry, _) in set.codes.iter_mut().zip(&used).filter(|(_, used)| **used) {
            entry.add_use(Usage {
                uid: Uid::random(rng)?,
                at: now,
                note: Some(MARKED_USED_IN_TEXT.to_string()),
            });
        }
        let new = set.reference();
        let revoked = if has_active {
            self.retire_active(name, rng, now, RevokedBy::ImportReplace, Some(new))?
        } else {
            None
        };
        let kind = EventKind::Import {
            set: new,
            count,
            revoked,
        };
        self.push_set(name, set, kind, rng, now)
    }

    /// Revokes the active set, if there is one, returning which it was.
    fn retire_active<R>(
        &mut self,
        name: &AccountName,
        rng: &mut R,
        now: Timestamp,
        by: RevokedBy,
        replaced_by: Option<SetRef>,
    ) -> Result<Option<SetRef>>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let uid = Uid::random(rng)?;
        let account = self.account_mut(name)?;
        Ok(account.active_mut().map(|set| {
            set.revoked = Some(Revocation {
                uid,
                at: now,
                by,
                replaced_by,
            });
            set.reference()
        }))
    }

    /// Revokes the active set and leaves the account with none.
    pub fn revoke<R>(&mut self, name: &AccountName, rng: &mut R, now: Timestamp) -> Result<&CodeSet>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.active_set(name)?;
        let set = self
            .retire_active(name, rng, now, RevokedBy::Revoke, None)?
            .expect("checked above");
        self.log(rng, now, Some(name), EventKind::Revoke { set })?;
        Ok(self.account(name)?.sets.last().expect("it has a set"))
    }

    /// Deletes the account and all its history, leaving a tombstone that
    /// names its sets: a merge with a copy that still has them cannot bring
    /// them back, and a set made for the name later is not touched.
    pub fn remove<R>(&mut self, name: &AccountName, rng: &mut R, now: Timestamp) -> Result<Account>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        self.account(name)?;
        let uid = Uid::random(rng)?;
        let account = self.accounts.remove(name.as_str()).expect("checked above");
        let removal = Removal {
            uid,
            at: now,
            account: name.as_str().to_string(),
            scope: RemovalScope::Sets(account.sets.iter().map(|s| s.uid).collect()),
        };
        let pos = self
            .removals
            .partition_point(|r| (r.at, r.uid) <= (removal.at, removal.uid));
        self.removals.insert(pos, removal);
        let kind = EventKind::Remove {
            sets: account.sets.len(),
        };
        self.log(rng, now, Some(name), kind)?;
        Ok(account)
    }

    /// Marks a code of the account's active set as used, or says why not.
    /// A refusal is recorded in the audit trail too.
    pub fn use_code<R>(
        &mut self,
        name: &AccountName,
        code: &Code,
        note: Option<String>,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<std::result::Result<Receipt, Diagnosis>>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        match self.diagnose(Some(name), code)? {
            Diagnosis::Unused { index, .. } => {
                Ok(Ok(self.mark(name, index, note, rng, now, false)?))
            }
            refused => {
                let (set, index, other_account) = match &refused {
                    Diagnosis::Used { set, index, .. } | Diagnosis::Revoked { set, index, .. } => {
                        (self.reference_of(name, *set), Some(*index), None)
                    }
                    Diagnosis::OtherAccount { other_account, .. } => {
                        (None, None, Some(other_account.clone()))
                    }
                    _ => (None, None, None),
                };
                let reason = refused.reason().to_string();
                let kind = EventKind::Refused(Box::new(Refusal {
                    reason,
                    set,
                    index,
                    other_account,
                }));
                self.log(rng, now, Some(name), kind)?;
                Ok(Err(refused))
            }
        }
    }

    /// The set of an account shown under a number, as events name it.
    fn reference_of(&self, name: &AccountName, shown: u64) -> Option<SetRef> {
        let account = self.accounts.get(name.as_str())?;
        account
            .sets
            .iter()
            .find(|s| s.id == shown)
            .map(CodeSet::reference)
    }

    /// Hands out the first unused code of the active set, marked as used.
    pub fn next<R>(
        &mut self,
        name: &AccountName,
        note: Option<String>,
        rng: &mut R,
        now: Timestamp,
    ) -> Result<Receipt>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let set = self.active_set(name)?;
        let index =
            set.codes
                .iter()
                .position(|e| !e.is_used())
                .ok_or_else(|| Error::NoCodesLeft {
                    account: name.as_str().to_string(),
                    origin: set.origin,
                })?
                + 1;
        self.mark(name, index, note, rng, now, true)
    }

    fn mark<R>(
        &mut self,
        name: &AccountName,
        index: usize,
        note: Option<String>,
        rng: &mut R,
        now: Timestamp,
        by_next: bool,
    ) -> Result<Receipt>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: std::fmt::Display,
    {
        let uid = Uid::random(rng)?;
        let account = self.account_mut(name)?;
        let set = account.active_mut().ok_or_else(|| Error::NoActiveSet {
            account: name.as_str().to_string(),
        })?;
        let entry = &mut set.codes[index - 1];
        entry.add_use(Usage {
            uid,
            at: now,
            note: note.clone(),
        });
        let receipt = Receipt {
            account: name.as_str().to_string(),
            code: entry.code.clone(),
            set: set.id,
            index,
            remaining: set.remaining(),
            low: set.is_low(),
            origin: set.origin,
            layout: set.layout.clone(),
        };
        let set = set.reference();
        let kind = if by_next {
            EventKind::Next { set, index, note }
        } else {
            EventKind::Use { set, index, note }
        };
        self.log(rng, now, Some(name), kind)?;
        Ok(receipt)
    }
}

mod diagnosis;
mod error;
mod merge;
mod names;
mod schema;
mod v1;
mod v2;

pub use diagnosis::{CodeState, Diagnosis, NearMiss};
pub use error::VaultError;
pub use merge::{Conflict, MergeReport, Renumbered, SetSummary};
use schema::TakenCodes;
pub use schema::{
    Account, CodeSet, Entry, Event, EventKind, MergeCounts, Origin, Refusal, Removal, RemovalScope,
    Revocation, RevokedBy, SetRef, Uid, Usage, Vault,
};

/// The stored schema's version: the file format version that holds it.
pub const SCHEMA_VERSION: u16 = 3;

/// A vault's plaintext as the file's version wrote it, upgraded to the
/// current schema; `None` if it is not one.
pub fn decode(version: u16, plaintext: &[u8]) -> Option<Vault> {
    let mut vault = match version {
        1 => match postcard::take_from_bytes::<v1::Vault>(plaintext) {
            Ok((old, [])) => old.upgrade(),
            _ => return None,
        },
        2 => match postcard::take_from_bytes::<v2::Vault>(plaintext) {
            Ok((old, [])) => old.upgrade(),
            _ => return None,
        },
        SCHEMA_VERSION => match postcard::take_from_bytes::<Vault>(plaintext) {
            Ok((vault, [])) => vault,
            _ => return None,
        },
        _ => return None,
    };
    vault.settle();
    Some(vault)
}

#[cfg(test)]
mod tests;
