//! What this machine has seen of each vault file, to notice an older copy.
//!
//! A vault only ever grows: every change adds an event, and a merge keeps
//! every event of both copies. So a copy that lacks the newest event this
//! machine saw in the file at a path is older than what was there: a
//! restored backup, or a sync tool that put another machine's copy in its
//! place before the two were merged. The same memory knows the
//! key-derivation cost the file had, so a header that asks for more than
//! that (a forgery costing minutes and gigabytes before it blames the
//! passphrase) is refused before any derivation.
//!
//! One small JSON file per vault path under `$XDG_STATE_HOME/codevault/seen/`
//! (`~/.local/state/codevault/seen/`), 0600 in a 0700 directory, replaced
//! atomically under its own lock, so concurrent commands never lose or tear
//! it. It holds no secret and no account name: the path, the cost, and per
//! vault identity the identity, time and count of the newest event seen.
//! Each path is its own memory: two copies of one vault at two paths (a
//! laptop copy and a USB stick, two git clones) never refuse each other.
//! The temporary files a merge driver or a textconv is handed are never
//! remembered (see `app`).
//!
//! A memory that cannot be read or written is a warning, never a failure:
//! it only ever adds a refusal.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::crypto::KdfParams;
use crate::error::{Error, Result};
use crate::store;
use crate::vault::{Event, Uid, Vault};

/// Where the memories live, if the platform has a state directory.
pub fn dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| {
        d.state_dir()
            .map_or_else(|| d.home_dir().join(".local/state"), Path::to_path_buf)
            .join("codevault")
            .join("seen")
    })
}

/// The memory of one vault path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    pub path: PathBuf,
    /// The cost the file's header had: memory MiB, iterations, lanes.
    pub kdf: Option<[u32; 3]>,
    /// Per vault identity (hex), the newest event seen.
    pub vaults: BTreeMap<String, Head>,
}

/// The newest event of a vault as this machine saw it at a path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub event: String,
    pub at: Timestamp,
    pub events: usize,
}

impl Head {
    /// The vault's newest event by its Lamport clock (`seq`), not by time:
    /// every change made here, and every merge, comes after all the events
    /// it knew, whatever the clocks of the machines that made them said. A
    /// copy that lacks it lacks this machine's latest change.
    fn of(vault: &Vault) -> Option<Head> {
        vault
            .events()
            .iter()
            .max_by_key(|e: &&Event| (e.seq, e.uid))
            .map(|e| Head {
                event: e.uid.to_string(),
                at: e.at,
                events: vault.events().len(),
            })
    }
}

/// What an older copy lacks, for its error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// When the newest change this machine saw there was made.
    pub since: Timestamp,
    /// How many events this machine saw there, and how many the copy has.
    pub seen: usize,
    pub has: usize,
}

impl Memory {
    /// Whether the header asks for more work than this machine saw the
    /// file ask for: more memory or more passes.
    pub fn kdf_raised(&self, now: KdfParams) -> Option<KdfParams> {
        let [m, t, p] = self.kdf?;
        let was = KdfParams::new(m.into(), t.into(), p.into()).ok()?;
        (now.memory_mib() > m || now.iterations() > t).then_some(was)
    }

    /// What the vault lacks of what this machine saw at this path, if
    /// anything: the newest event seen is not in it.
    pub fn missing(&self, vault: &Vault) -> Option<Missing> {
        let head = self.vaults.get(&key_of(vault.id()))?;
        // An identity that does not parse was not written by us: no memory.
        let newest = Uid::parse(&head.event)?;
        let has = vault.events().iter().rev().any(|e| e.uid == newest);
        (!has).then(|| Missing {
            since: head.at,
            seen: head.events,
            has: vault.events().len(),
        })
    }
}

/// The memory file of a vault path (made absolute; the vault exists).
fn file_for(dir: &Path, vault: &Path) -> (PathBuf, PathBuf) {
    let key = fs::canonicalize(vault).unwrap_or_else(|_| vault.to_path_buf());
    let hash = blake3::hash(key.as_os_str().as_encoded_bytes());
    let name = format!("{}.json", &hash.to_hex()[..32]);
    (dir.join(name), key)
}

/// What this machine remembers of the vault at `vault`, if anything.
pub fn recall(vault: &Path) -> Result<Option<Memory>> {
    let Some(dir) = dir() else {
        return Ok(None);
    };
    let (file, key) = file_for(&dir, vault);
    read(&file, &key)
}

fn read(file: &Path, key: &Path) -> Result<Option<Memory>> {
    let bytes = match fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", file, e)),
    };
    // A memory of another path (a hash collision) or a damaged file is
    // no memory: it can only add refusals, never remove one.
    Ok(serde_json::from_slice::<Memory>(&bytes)
        .ok()
        .filter(|m| m.path == key))
}

/// Remembers the vault as it now is at `vault`, with its file's cost.
/// Only ever moves forward: a reader that saw an older state than another
/// command already remembered leaves the newer memory alone, unless
/// `overrule` (the person accepted an older copy, or raised the cost).
pub fn remember(vault: &Path, content: &Vault, kdf: KdfParams, overrule: bool) -> Result<()> {
    update(vault, |memory| {
        if overrule || memory.kdf_raised(kdf).is_none() {
            memory.kdf = Some(cost(kdf));
        }
        if (overrule || memory.missing(content).is_none())
            && let Some(head) = Head::of(content)
        {
            memory.vaults.insert(key_of(content.id()), head);
        }
    })
}

/// Before a file with a raised cost is written (`passwd`), allows both the
/// old cost and the new: a command killed before or after the rename then
/// leaves a file that is not refused either way. The cost is set exactly
/// once the file is written. Nothing to do where nothing is remembered
/// yet, or the remembered cost already allows the new one.
pub fn expect_cost(vault: &Path, kdf: KdfParams) -> Result<()> {
    match recall(vault)? {
        Some(m) if m.kdf_raised(kdf).is_some() => {}
        _ => return Ok(()),
    }
    update(vault, |memory| {
        let [m, t, p] = cost(kdf);
        memory.kdf = Some(match memory.kdf {
            Some([om, ot, _]) => [m.max(om), t.max(ot), p],
            None => [m, t, p],
        });
    })
}

fn cost(kdf: KdfParams) -> [u32; 3] {
    [kdf.memory_mib(), kdf.iterations(), kdf.parallelism()]
}

/// Reads, changes and replaces the memory of a path under its lock.
fn update(vault: &Path, change: impl FnOnce(&mut Memory)) -> Result<()> {
    let Some(dir) = dir() else {
        return Ok(());
    };
    let (file, key) = file_for(&dir, vault);
    store::ensure_parent_dir(&file)?;
    let _lock = store::lock(&file, store::LOCK_WAIT)?;
    let old = read(&file, &key)?;
    let mut memory = old.clone().unwrap_or_else(|| Memory {
        path: key,
        ..Memory::default()
    });
    change(&mut memory);
    if old.as_ref() == Some(&memory) {
        return Ok(());
    }
    let json = serde_json::to_vec_pretty(&memory)
        .map_err(|e| Error::encoder("the memory of what was seen", e))?;
    let _ = store::replace(&file, &json)?;
    Ok(())
}

/// An identity as the memory writes it.
fn key_of(id: Uid) -> String {
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).unwrap()
    }

    #[test]
    fn a_copy_without_the_newest_event_seen_is_missing_it() {
        let mut r = StdRng::seed_from_u64(1);
        let mut v = Vault::new(&mut r, t(0)).unwrap();
        let name = crate::vault::AccountName::parse("a").unwrap();
        v.generate(&name, 3, &mut r, t(1)).unwrap();
        let old = v.clone();
        v.next(&name, None, &mut r, t(2)).unwrap();
        let mut m = Memory::default();
        m.vaults
            .insert(key_of(v.id()), Head::of(&v).expect("it has events"));
        assert_eq!(m.missing(&v), None);
        let missing = m.missing(&old).expect("the older copy lacks the next");
        assert_eq!((missing.since, missing.seen, missing.has), (t(2), 3, 2));
        // Another vault at the path is not compared.
        let other = Vault::new(&mut r, t(0)).unwrap();
        assert_eq!(m.missing(&other), None);
        assert_eq!(Uid::parse(&key_of(v.id())), Some(v.id()));
    }

    #[test]
    fn the_newest_change_here_is_remembered_whatever_the_other_clock_said() {
        // The other machine's clock is two minutes ahead: after the merge
        // its event sorts last by time, but this machine's merge (and any
        // change after it) is what a copy must have.
        let mut r = StdRng::seed_from_u64(2);
        let name = crate::vault::AccountName::parse("a").unwrap();
        let mut here = Vault::new(&mut r, t(0)).unwrap();
        here.generate(&name, 3, &mut r, t(1)).unwrap();
        let mut there = here.clone();
        let b = crate::vault::AccountName::parse("b").unwrap();
        there.generate(&b, 3, &mut r, t(120)).unwrap();
        here.next(&name, None, &mut r, t(2)).unwrap();
        here.merge(&there);
        here.log_merge(&mut r, t(3), Default::default()).unwrap();
        here.next(&name, None, &mut r, t(4)).unwrap();
        let mut m = Memory::default();
        m.vaults.insert(key_of(here.id()), Head::of(&here).unwrap());
        assert_eq!(m.missing(&here), None);
        // The other copy, put back by a sync tool, has its own event but
        // not this machine's changes: refused.
        assert!(m.missing(&there).is_some(), "an older copy passed");
    }

    #[test]
    fn more_memory_or_passes_is_a_raised_cost_more_lanes_is_not() {
        let m = Memory {
            kdf: Some([64, 2, 4]),
            ..Memory::default()
        };
        let k = |m, t, p| KdfParams::new(m, t, p).unwrap();
        assert_eq!(m.kdf_raised(k(64, 2, 4)), None);
        assert_eq!(m.kdf_raised(k(32, 1, 8)), None);
        assert_eq!(m.kdf_raised(k(128, 2, 4)), Some(k(64, 2, 4)));
        assert_eq!(m.kdf_raised(k(64, 3, 4)), Some(k(64, 2, 4)));
        assert_eq!(Memory::default().kdf_raised(k(4096, 32, 16)), None);
    }
}
