//! The stored schema, format version 3: what a vault file's plaintext holds.
//!
//! The plaintext is positional postcard, so the order of every field here
//! is part of the file format: changing one means a new format version (and
//! a frozen fixture; see `tests/fixtures/README.md`). Versions 1 and 2 live
//! on, frozen, in `v1.rs` and `v2.rs`, and are upgraded to this schema as
//! they are read.
//!
//! Version 2 exists so that copies of one vault can be folded together
//! (`merge.rs`). Everything that can happen on one copy and not on another
//! is a record with an identity of its own ([`Uid`], random, never a
//! counter: two copies count independently): the vault, every set, every
//! use of a code, every revocation, every removal and every event. Records
//! only ever accumulate; a removal is itself a record (a tombstone naming
//! the sets it removed), so no merge can bring them back.
//!
//! ```text
//! Vault      id: Uid, accounts: map name -> Account, next_number: u64,
//!            clock: u64, events: [Event], removals: [Removal]
//! Account    sets: [CodeSet]            oldest first: (created, number, uid)
//! CodeSet    uid, number, salt[16], created, origin, alphabet,
//!            codes: [Entry], revoked: Option<Revocation>,
//!            layout: Option<Layout>             (version 3)
//! Layout     groups: [u8], separator: Space | Dash, case: Lower | Upper
//! Entry      code, uses: [Usage]        earliest first: (at, uid)
//! Usage      uid, at, note
//! Revocation uid, at, by, replaced_by: Option<SetRef>
//! Event      uid, seq, at, account, kind   log order: (at, seq, uid)
//! Removal    uid, at, account, scope: the sets' uids | "created up to T"
//! ```
//!
//! Version 3 keeps how the platform printed an imported set's codes (the
//! length of each group, the separator, the letters' case), so that they
//! are shown as the platform printed them (`K7PM-2XQ9-WB4N`).
//!
//! Times are whole seconds since the Unix epoch. `seq` is a Lamport clock
//! (`Vault::clock` + 1 at each event): it keeps one copy's events of the
//! same second in the order they happened. A set's `number` is the short
//! number people see, claimed when the set was made; two copies can claim
//! the same one, so the number shown ([`CodeSet::id`]) is settled from all
//! the sets present by [`Vault::settle`], never stored.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use blake2::Blake2b;
use blake2::digest::Digest;
use blake2::digest::consts::U16;
use jiff::Timestamp;
use rand::TryCryptoRng;
use serde::{Deserialize, Serialize};

use super::error::VaultError as Error;
use crate::code::{Alphabet, Code, Layout};

type Result<T, E = Error> = std::result::Result<T, E>;

/// A random 128-bit identity.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Uid(pub [u8; 16]);

impl Uid {
    pub fn random<R>(rng: &mut R) -> Result<Uid>
    where
        R: TryCryptoRng + ?Sized,
        R::Error: fmt::Display,
    {
        let mut b = [0u8; 16];
        rng.try_fill_bytes(&mut b)
            .map_err(|e| Error::Random(e.to_string()))?;
        Ok(Uid(b))
    }

    /// An identity that every copy computes alike from the same inputs:
    /// for the records of an upgraded version-1 vault, and for what a
    /// merge derives. `domain` keeps the kinds apart.
    pub fn derived(domain: &str, parts: &[&[u8]]) -> Uid {
        let mut h = Blake2b::<U16>::new();
        h.update(b"codevault uid v2\0");
        h.update(domain.as_bytes());
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p);
        }
        Uid(h.finalize().into())
    }

    /// An identity from its 32 hex digits, as `Display` writes it.
    pub fn parse(hex: &str) -> Option<Uid> {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut b = [0u8; 16];
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Uid(b))
    }

    /// The first eight hex digits, for people, grouped in fours
    /// (`87c0-0328`) like a set's fingerprint: never a run of digits that
    /// reads as a code.
    pub fn short(&self) -> String {
        let hex = self.to_string();
        format!("{}-{}", &hex[..4], &hex[4..8])
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uid({})", self.short())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Generated,
    Imported,
}

/// What revoked a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedBy {
    Regenerate,
    Revoke,
    ImportReplace,
    /// Never stored: a set that a newer set of its account superseded
    /// without a revocation of its own, which happens only when two
    /// copies each made a new set and were merged.
    Superseded,
}

/// A set as an event or a revocation names it: its identity, and the
/// number it had then (shown if the set is gone from the vault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRef {
    pub uid: Uid,
    pub number: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub uid: Uid,
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub by: RevokedBy,
    /// The set that took this one's place, if any.
    pub replaced_by: Option<SetRef>,
}

impl Revocation {
    /// The order that decides which of two revocations of one set is
    /// kept: the earliest, and on a tie the smaller identity.
    pub(super) fn order(&self) -> (Timestamp, Uid) {
        (self.at, self.uid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub uid: Uid,
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub note: Option<String>,
}

impl Usage {
    pub(super) fn order(&self) -> (Timestamp, Uid) {
        (self.at, self.uid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub code: Code,
    /// Every use of the code, earliest first. Usually none or one; two
    /// when two copies each handed the code out (see `merge.rs`). A boxed
    /// slice: 16 bytes and no allocation when empty, for the vault's most
    /// numerous value.
    pub uses: Box<[Usage]>,
}

impl Entry {
    pub fn unused(code: Code) -> Self {
        Entry {
            code,
            uses: Box::new([]),
        }
    }

    /// The first use, the one that consumed the code.
    pub fn used(&self) -> Option<&Usage> {
        self.uses.first()
    }

    pub fn is_used(&self) -> bool {
        !self.uses.is_empty()
    }

    /// Adds a use, keeping the order; false if it was there already.
    pub(super) fn add_use(&mut self, usage: Usage) -> bool {
        if self.uses.iter().any(|u| u.uid == usage.uid) {
            return false;
        }
        let mut uses = std::mem::take(&mut self.uses).into_vec();
        let at = uses.partition_point(|u| u.order() < usage.order());
        uses.insert(at, usage);
        self.uses = uses.into_boxed_slice();
        true
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSet {
    pub uid: Uid,
    /// The number claimed when the set was made.
    pub number: u64,
    /// Random, secret (it never leaves the vault): mixed into the
    /// fingerprint so that the fingerprint of a small set, shown without
    /// its codes, cannot be searched back to them.
    pub salt: [u8; 16],
    #[serde(with = "unix_seconds")]
    pub created: Timestamp,
    pub origin: Origin,
    pub alphabet: Alphabet,
    pub codes: Vec<Entry>,
    /// The set's own revocation, if it has one; see
    /// [`Account::revocation`] for one that a newer set implies.
    pub revoked: Option<Revocation>,
    /// How the platform printed the codes of an imported set (version 3);
    /// `None` for generated sets and sets from older versions.
    pub layout: Option<Layout>,
    /// The number people see: `number`, unless another set of the vault
    /// made earlier claimed it too (see [`Vault::settle`]). Not stored.
    #[serde(skip)]
    pub id: u64,
}

impl CodeSet {
    pub fn remaining(&self) -> usize {
        self.codes.iter().filter(|e| !e.is_used()).count()
    }

    /// How the set is named in events and revocations.
    pub fn reference(&self) -> SetRef {
        SetRef {
            uid: self.uid,
            number: self.id,
        }
    }

    /// The order of an account's sets, oldest first.
    pub(super) fn order(&self) -> (Timestamp, u64, Uid) {
        (self.created, self.number, self.uid)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Oldest first; only the newest can be active.
    pub sets: Vec<CodeSet>,
}

/// One line of the audit trail. It never holds a code: only its number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub uid: Uid,
    pub seq: u64,
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub account: Option<String>,
    pub kind: EventKind,
}

impl Event {
    /// The log's order: time, then one copy's own order within a second.
    pub(super) fn order(&self) -> (Timestamp, u64, Uid) {
        (self.at, self.seq, self.uid)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    Init,
    Generate {
        set: SetRef,
        count: usize,
    },
    Import {
        set: SetRef,
        count: usize,
        revoked: Option<SetRef>,
    },
    Use {
        set: SetRef,
        index: usize,
        note: Option<String>,
    },
    Next {
        set: SetRef,
        index: usize,
        note: Option<String>,
    },
    Regenerate {
        set: SetRef,
        count: usize,
        revoked: Option<SetRef>,
    },
    Revoke {
        set: SetRef,
    },
    Remove {
        sets: usize,
    },
    /// A `use` that was refused. Boxed, being among the largest kinds:
    /// every event is as large as its largest kind.
    Refused(Box<Refusal>),
    Passwd {
        passphrase_changed: bool,
        kdf: String,
    },
    /// Another copy folded in, with what it added.
    Merge(Box<MergeCounts>),
    /// `export`: every code left the vault, in clear.
    Export {
        accounts: usize,
    },
}

/// Why a `use` was refused, and which code by number where the vault
/// knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: String,
    pub set: Option<SetRef>,
    pub index: Option<usize>,
    pub other_account: Option<String>,
}

/// What one copy added to a vault in a merge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeCounts {
    pub sets: usize,
    pub uses: usize,
    pub revocations: usize,
    pub removals: usize,
    pub events: usize,
}

impl MergeCounts {
    pub fn is_empty(&self) -> bool {
        *self == MergeCounts::default()
    }
}

/// A removed account's tombstone: which of its sets the removal took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    pub uid: Uid,
    #[serde(with = "unix_seconds")]
    pub at: Timestamp,
    pub account: String,
    pub scope: RemovalScope,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalScope {
    /// The sets the account had when it was removed: a set made later,
    /// on this copy or another, is not touched.
    Sets(Vec<Uid>),
    /// A removal recorded by format version 1, which kept no identities:
    /// every set of the account made up to that time.
    CreatedUpTo(#[serde(with = "unix_seconds")] Timestamp),
}

impl Removal {
    pub(super) fn covers(&self, account: &str, set: &CodeSet) -> bool {
        account == self.account
            && match &self.scope {
                RemovalScope::Sets(uids) => uids.contains(&set.uid),
                RemovalScope::CreatedUpTo(t) => set.created <= *t,
            }
    }
}

/// The whole decrypted content of a vault file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vault {
    /// The same on every copy of this vault.
    pub(super) id: Uid,
    pub(super) accounts: BTreeMap<String, Account>,
    /// The number the next new set claims.
    pub(super) next_number: u64,
    /// The Lamport clock of the events: the largest `seq` there is.
    pub(super) clock: u64,
    #[serde(deserialize_with = "exact_vec")]
    pub(super) events: Vec<Event>,
    pub(super) removals: Vec<Removal>,
    #[serde(skip)]
    pub(super) taken: TakenCodes,
}

/// Every code the vault holds or held, built on first need and kept up to
/// date by the changes that add codes, so that making many sets in one
/// process (`examples/populate.rs`) stays linear. A code of a removed
/// account may linger in it; that only makes generation avoid it.
#[derive(Clone, Debug, Default)]
pub(super) struct TakenCodes(pub(super) Option<HashSet<Code>>);

impl PartialEq for TakenCodes {
    /// A cache, not content: two vaults with the same content are equal.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for TakenCodes {}

impl Vault {
    /// The vault's identity, the same on every copy.
    pub fn id(&self) -> Uid {
        self.id
    }

    /// Settles the numbers people see ([`CodeSet::id`]). Every set shows
    /// the number it claimed, unless a set made earlier (by creation time,
    /// then number, then identity) claimed the same: two copies that each
    /// made "set 5" and were merged. The later one then shows the smallest
    /// number above its own that no set claimed and no earlier such set was
    /// given. A pure function of the sets present, so every copy with the
    /// same content shows the same numbers; and the next number a new set
    /// claims is raised above every number given, so that making a set
    /// never moves another. Called whenever sets arrive other than one at
    /// a time (a file read, a merge).
    pub fn settle(&mut self) {
        let mut claimed: HashSet<u64> = HashSet::new();
        let mut clash = false;
        for set in self.accounts.values().flat_map(|a| &a.sets) {
            clash |= !claimed.insert(set.number);
        }
        if !clash {
            for set in self.accounts.values_mut().flat_map(|a| &mut a.sets) {
                set.id = set.number;
            }
            return;
        }
        let mut all: Vec<&mut CodeSet> = self
            .accounts
            .values_mut()
            .flat_map(|a| &mut a.sets)
            .collect();
        all.sort_by_key(|s| s.order());
        let mut kept: HashSet<u64> = HashSet::new();
        let mut deferred = Vec::new();
        for set in all {
            if kept.insert(set.number) {
                set.id = set.number;
            } else {
                deferred.push(set);
            }
        }
        let mut given: HashSet<u64> = HashSet::new();
        for set in deferred {
            let mut n = set.number + 1;
            while claimed.contains(&n) || given.contains(&n) {
                n += 1;
            }
            given.insert(n);
            set.id = n;
            self.next_number = self.next_number.max(n + 1);
        }
    }

    /// The shown number of every set present, by identity.
    pub fn shown_numbers(&self) -> HashMap<Uid, u64> {
        self.accounts
            .values()
            .flat_map(|a| &a.sets)
            .map(|s| (s.uid, s.id))
            .collect()
    }

    /// The number to show for a set an event or revocation names: the
    /// one it has now if it is still in the vault, else the one it had.
    pub fn shown(&self, numbers: &HashMap<Uid, u64>, set: &SetRef) -> u64 {
        numbers.get(&set.uid).copied().unwrap_or(set.number)
    }
}

/// Deserialises a sequence into a vector of exactly its length. Serde's
/// own grows by doubling past 1 MiB, which for the audit trail of a large
/// vault left up to half as much again unused at the moment of peak
/// memory. The length comes from authenticated plaintext, that is from our
/// own writer, and postcard gives no length hint larger than the bytes
/// left; the cap is one more bound on what a bug could allocate up front.
pub(super) fn exact_vec<'de, D, T>(deserializer: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Exact<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Exact<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
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
pub(super) mod unix_seconds {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.as_second())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let secs = i64::deserialize(d)?;
        Timestamp::from_second(secs).map_err(serde::de::Error::custom)
    }
}
