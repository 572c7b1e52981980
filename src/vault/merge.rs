//! Folding one copy of a vault into another. Pure.
//!
//! Every record of the schema has an identity and only ever accumulates,
//! so the merge is a union, and a union is idempotent, commutative and
//! associative:
//!
//! - sets present in either copy, unless a removal in either covers them;
//! - every use of every code, kept once by identity (a code handed out on
//!   two copies keeps both uses);
//! - a set's revocation from either copy; with one on each, the earliest;
//! - every removal tombstone, and every event once, in log order;
//! - the larger of the two clocks and of the two next set numbers.
//!
//! What the union cannot settle is derived from it, never stored: when two
//! copies each made a new set for one account, the newer is active and the
//! older counts as superseded ([`super::Account::revocation`]); when both
//! claimed one set number, the later set shows another
//! ([`Vault::settle`]). Those, a code used on both copies, and a code that
//! ends up in two accounts are reported as [`Conflict`]s, for people to
//! act on: the merge itself never guesses.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::schema::{CodeSet, EventKind, MergeCounts, Origin, Uid, Vault};
use crate::code::Code;

/// What a merge did and what it could not settle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// What the other copy added to this one.
    pub added: MergeCounts,
    pub conflicts: Vec<Conflict>,
    /// Sets of this copy that now show another number.
    pub renumbered: Vec<Renumbered>,
    /// Whether the other copy brought anything but the records of its own
    /// merges: only then is this merge worth an event of its own (two
    /// copies merged back and forth would otherwise never agree).
    pub news: bool,
    /// When the other copy last changed its passphrase or cost (`passwd`),
    /// if that change is new to this vault: the merge keeps this vault's
    /// own keys, and people must hear that.
    pub rekeyed: Option<Timestamp>,
}

/// A set whose shown number changed because another copy had made a
/// different set under the same number, earlier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renumbered {
    pub account: String,
    pub from: u64,
    pub to: u64,
}

/// A set as a conflict names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetSummary {
    pub number: u64,
    pub created: Timestamp,
    pub origin: Origin,
}

impl SetSummary {
    fn of(set: &CodeSet) -> Self {
        SetSummary {
            number: set.id,
            created: set.created,
            origin: set.origin,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// One code handed out on two copies: one of the logins probably
    /// failed. Both uses are kept.
    DoubleUse {
        account: String,
        set: u64,
        index: usize,
        /// When it was used, on each copy, earliest first.
        uses: Vec<Timestamp>,
    },
    /// Each copy made a new set for the account. The newer stays active
    /// (unless it was revoked), the other counts as superseded.
    TwoActiveSets {
        account: String,
        kept: SetSummary,
        superseded: SetSummary,
        /// Whether the kept set is active (it may have been revoked on its
        /// own copy).
        kept_active: bool,
    },
    /// One code is now in the sets of two accounts.
    SharedCode {
        account: String,
        other_account: String,
        set: u64,
        other_set: u64,
    },
}

impl Conflict {
    pub fn kind(&self) -> &'static str {
        match self {
            Conflict::DoubleUse { .. } => "double_use",
            Conflict::TwoActiveSets { .. } => "two_active_sets",
            Conflict::SharedCode { .. } => "shared_code",
        }
    }
}

impl Vault {
    /// Folds `other` into this vault: the union of both copies' records.
    /// Whether the two are copies of one vault is the caller's question
    /// ([`Vault::id`]); merging unrelated vaults is the same union.
    pub fn merge(&mut self, other: &Vault) -> MergeReport {
        let mut added = MergeCounts::default();

        // Removals first: a set either copy removed is not brought back.
        let known: HashSet<Uid> = self.removals.iter().map(|r| r.uid).collect();
        for r in &other.removals {
            if !known.contains(&r.uid) {
                self.removals.push(r.clone());
                added.removals += 1;
            }
        }
        let removals = std::mem::take(&mut self.removals);
        let removed =
            |account: &str, set: &CodeSet| removals.iter().any(|r| r.covers(account, set));
        if added.removals > 0 {
            self.accounts.retain(|name, account| {
                account.sets.retain(|s| !removed(name, s));
                !account.sets.is_empty()
            });
        }

        // Sets and the records inside them. Each account's active set
        // before the merge is noted where the other copy brings a set of
        // its own: the only place two active sets can meet.
        let mut double_uses: Vec<(String, Uid, usize)> = Vec::new();
        let mut new_sets: Vec<(String, Uid)> = Vec::new();
        let mut rivals: Vec<(String, Uid)> = Vec::new();
        let mut numbers_before: Option<HashMap<Uid, u64>> = None;
        for (name, theirs) in &other.accounts {
            if !self.accounts.contains_key(name) {
                self.accounts.insert(name.clone(), Default::default());
            }
            let account = self.accounts.get_mut(name).expect("just made sure");
            // The newest set of each copy: if a merge leaves one of them
            // superseded, that is a decision people must hear about.
            let newest = [
                account.sets.last().map(|s| s.uid),
                theirs.sets.last().map(|s| s.uid),
            ];
            let mut arrived = false;
            for set in &theirs.sets {
                if removed(name, set) {
                    continue;
                }
                match account.sets.iter_mut().find(|s| s.uid == set.uid) {
                    Some(ours) => {
                        merge_set(ours, set, &mut added, |index| {
                            double_uses.push((name.clone(), set.uid, index));
                        });
                    }
                    None => {
                        added.sets += 1;
                        added.uses += set.codes.iter().map(|e| e.uses.len()).sum::<usize>();
                        added.revocations += usize::from(set.revoked.is_some());
                        new_sets.push((name.clone(), set.uid));
                        arrived = true;
                        account.insert(set.clone());
                    }
                }
            }
            if arrived {
                let older = &account.sets[..account.sets.len() - 1];
                for set in older {
                    if set.revoked.is_none() && newest.contains(&Some(set.uid)) {
                        rivals.push((name.clone(), set.uid));
                    }
                }
            }
            if account.sets.is_empty() {
                self.accounts.remove(name);
            }
        }
        self.removals = removals;
        self.removals.sort_by_key(|r| (r.at, r.uid));
        if !new_sets.is_empty() {
            // The numbers this copy's own sets showed (not settled again
            // yet), to say which changed.
            let fresh: HashSet<Uid> = new_sets.iter().map(|(_, u)| *u).collect();
            let mut before = self.shown_numbers();
            before.retain(|uid, _| !fresh.contains(uid));
            numbers_before = Some(before);
        }

        // The log, each event once: both logs are in order, and one event
        // has one place in it, so a single pass merges them.
        let ours = std::mem::take(&mut self.events);
        let mut merges = 0;
        let mut rekeyed = None;
        let mut merged = Vec::with_capacity(ours.len().max(other.events.len()));
        let mut theirs = other.events.iter().peekable();
        for e in ours {
            while let Some(t) = theirs.next_if(|t| t.order() < e.order()) {
                merged.push(t.clone());
                added.events += 1;
                merges += usize::from(matches!(t.kind, EventKind::Merge(_)));
                if matches!(t.kind, EventKind::Passwd { .. }) {
                    rekeyed = rekeyed.max(Some(t.at));
                }
            }
            theirs.next_if(|t| t.order() == e.order());
            merged.push(e);
        }
        for t in theirs {
            merged.push(t.clone());
            added.events += 1;
            merges += usize::from(matches!(t.kind, EventKind::Merge(_)));
            if matches!(t.kind, EventKind::Passwd { .. }) {
                rekeyed = rekeyed.max(Some(t.at));
            }
        }
        self.events = merged;

        self.clock = self.clock.max(other.clock);
        self.next_number = self.next_number.max(other.next_number);
        if added.sets > 0 {
            self.taken.0 = None;
        }
        self.settle();

        let mut conflicts = Vec::new();
        for (account, uid, index) in double_uses {
            if let Some(set) = self.set_by_uid(&account, uid) {
                conflicts.push(Conflict::DoubleUse {
                    uses: set.codes[index].uses.iter().map(|u| u.at).collect(),
                    account,
                    set: set.id,
                    index: index + 1,
                });
            }
        }
        for (name, superseded) in rivals {
            let Some(account) = self.accounts.get(&name) else {
                continue;
            };
            let (Some(older), Some(newer)) = (
                account.sets.iter().find(|s| s.uid == superseded),
                account.sets.last(),
            ) else {
                continue;
            };
            conflicts.push(Conflict::TwoActiveSets {
                account: name.clone(),
                kept: SetSummary::of(newer),
                superseded: SetSummary::of(older),
                kept_active: account.active().is_some(),
            });
        }
        if !new_sets.is_empty() {
            conflicts.extend(self.shared_codes(&new_sets));
        }

        let mut renumbered = Vec::new();
        if let Some(before) = numbers_before {
            for (name, account) in &self.accounts {
                for set in &account.sets {
                    if let Some(&from) = before.get(&set.uid)
                        && from != set.id
                    {
                        renumbered.push(Renumbered {
                            account: name.clone(),
                            from,
                            to: set.id,
                        });
                    }
                }
            }
        }
        MergeReport {
            added,
            conflicts,
            renumbered,
            news: added.sets + added.uses + added.revocations + added.removals + added.events
                > merges,
            rekeyed,
        }
    }

    fn set_by_uid(&self, account: &str, uid: Uid) -> Option<&CodeSet> {
        self.accounts
            .get(account)?
            .sets
            .iter()
            .find(|s| s.uid == uid)
    }

    /// Codes of the newly arrived sets that another account holds too.
    fn shared_codes(&self, new_sets: &[(String, Uid)]) -> Vec<Conflict> {
        let fresh: HashSet<Uid> = new_sets.iter().map(|(_, u)| *u).collect();
        let mut holder: HashMap<&Code, (&str, u64)> = HashMap::new();
        for (name, account) in &self.accounts {
            for set in account.sets.iter().filter(|s| !fresh.contains(&s.uid)) {
                for e in &set.codes {
                    holder.entry(&e.code).or_insert((name, set.id));
                }
            }
        }
        let mut out: Vec<Conflict> = Vec::new();
        for (name, uid) in new_sets {
            let Some(set) = self.set_by_uid(name, *uid) else {
                continue;
            };
            for e in &set.codes {
                let other = holder.get(&e.code).copied();
                holder.entry(&e.code).or_insert((name, set.id));
                let Some((other_account, other_set)) = other else {
                    continue;
                };
                if other_account == name {
                    continue;
                }
                let conflict = Conflict::SharedCode {
                    account: name.clone(),
                    other_account: other_account.to_string(),
                    set: set.id,
                    other_set,
                };
                if !out.contains(&conflict) {
                    out.push(conflict);
                }
            }
        }
        out
    }
}

/// Folds the other copy's records of one set into ours. `double_use` is
/// told of each code that now has a use from each copy that the other
/// lacked.
fn merge_set(
    ours: &mut CodeSet,
    theirs: &CodeSet,
    added: &mut MergeCounts,
    mut double_use: impl FnMut(usize),
) {
    // The same identity with other codes is no copy of this set: a bug or
    // a forgery. Ours is kept as it is.
    let same_codes = ours.codes.len() == theirs.codes.len()
        && ours
            .codes
            .iter()
            .zip(&theirs.codes)
            .all(|(a, b)| a.code == b.code);
    if !same_codes || ours.salt != theirs.salt {
        return;
    }
    for (i, (mine, other)) in ours.codes.iter_mut().zip(&theirs.codes).enumerate() {
        let had = mine.uses.len();
        let mut new = 0;
        for u in other.uses.iter() {
            if mine.add_use(u.clone()) {
                new += 1;
            }
        }
        added.uses += new;
        if had > 0 && new > 0 && mine.uses.len() > other.uses.len() {
            double_use(i);
        }
    }
    match (&ours.revoked, &theirs.revoked) {
        (None, Some(r)) => {
            ours.revoked = Some(r.clone());
            added.revocations += 1;
        }
        (Some(a), Some(b)) if b.order() < a.order() => ours.revoked = Some(b.clone()),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
