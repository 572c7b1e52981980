//! The one diagnosis engine: what a typed code is, for an account or for
//! the whole vault. `check` answers with it and `use` refuses with it.
//! Pure, like the rest of the domain; it never returns a code, only where
//! one is (account, set, number).

use jiff::Timestamp;

use super::error::VaultError;
use super::{Account, AccountName, CodeSet, Entry, Revocation, RevokedBy, Vault};
use crate::code::{Alphabet, Code, MalformedCode};

type Result<T, E = VaultError> = std::result::Result<T, E>;

/// The answer to "what is this code?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Diagnosis {
    /// In the active set, not used yet.
    Unused {
        account: String,
        set: u64,
        index: usize,
    },
    Used {
        account: String,
        set: u64,
        index: usize,
        used_at: Timestamp,
        note: Option<String>,
    },
    /// From a set that is no longer active.
    Revoked {
        account: String,
        set: u64,
        index: usize,
        set_created: Timestamp,
        revoked_at: Timestamp,
        revoked_by: RevokedBy,
        replaced_by: Option<u64>,
        used_at: Option<Timestamp>,
    },
    /// Not the asked account's, but another's.
    OtherAccount {
        account: String,
        other_account: String,
        /// What the code is in the account it belongs to.
        other_state: CodeState,
    },
    /// In no set of the vault.
    Unknown {
        account: Option<String>,
        /// Unused codes one typing slip away, by number, never by value.
        did_you_mean: Vec<NearMiss>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeState {
    Unused,
    Used,
    Revoked,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    pub account: String,
    pub set: u64,
    pub index: usize,
}

impl Diagnosis {
    pub fn reason(&self) -> &'static str {
        match self {
            Diagnosis::Unused { .. } => "unused",
            Diagnosis::Used { .. } => "used",
            Diagnosis::Revoked { .. } => "revoked",
            Diagnosis::OtherAccount { .. } => "other_account",
            Diagnosis::Unknown { .. } => "unknown",
        }
    }
}

/// Where a code was found.
struct Found<'a> {
    account: &'a str,
    set: &'a CodeSet,
    index: usize,
    entry: &'a Entry,
    /// Why the set is not active, if it is not.
    revocation: Option<Revocation>,
}

impl Vault {
    /// Reads typed text as a code. With an account named, it must be a code
    /// of that account's alphabets (newest set first): anything else is
    /// malformed, except a code another account of the vault actually
    /// holds, which is worth naming (`other_account`). Without an account,
    /// any alphabet of the vault will do.
    pub fn read_code(&self, name: Option<&AccountName>, typed: &str) -> Result<Code> {
        let first_fit = |alphabets: &[Alphabet]| -> Result<Code> {
            let mut first_err = None;
            for &a in alphabets {
                match Code::parse(typed, a) {
                    Ok(c) => return Ok(c),
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            Err(first_err
                .unwrap_or_else(|| MalformedCode {
                    reason: "there are no codes to compare it with".into(),
                })
                .into())
        };
        let Some(n) = name else {
            return first_fit(&self.alphabets());
        };
        let own: Vec<Alphabet> = self
            .account(n)?
            .sets
            .iter()
            .rev()
            .map(|s| s.alphabet)
            .collect();
        first_fit(&own).or_else(|err| {
            let others: Vec<Alphabet> = self
                .alphabets()
                .into_iter()
                .filter(|a| !own.contains(a))
                .collect();
            match first_fit(&others) {
                Ok(code)
                    if !matches!(self.diagnose(None, &code), Ok(Diagnosis::Unknown { .. })) =>
                {
                    Ok(code)
                }
                _ => Err(err),
            }
        })
    }

    /// What a code is, for an account or, without one, for the whole vault.
    pub fn diagnose(&self, name: Option<&AccountName>, code: &Code) -> Result<Diagnosis> {
        if let Some(name) = name {
            let account = self.account(name)?;
            if let Some(found) = find_in(name.as_str(), account, code) {
                return Ok(describe(found));
            }
            if let Some(other) = self.find_anywhere(code, Some(name.as_str())) {
                return Ok(Diagnosis::OtherAccount {
                    account: name.as_str().to_string(),
                    other_account: other.account.to_string(),
                    other_state: state_of(&other),
                });
            }
            let did_you_mean = near_misses(name.as_str(), account, code);
            return Ok(Diagnosis::Unknown {
                account: Some(name.as_str().to_string()),
                did_you_mean,
            });
        }
        if let Some(found) = self.find_anywhere(code, None) {
            return Ok(describe(found));
        }
        let did_you_mean = self
            .accounts
            .iter()
            .flat_map(|(n, a)| near_misses(n, a, code))
            .collect();
        Ok(Diagnosis::Unknown {
            account: None,
            did_you_mean,
        })
    }

    /// Whether any account of the vault holds the code, in any set.
    pub(super) fn holds(&self, code: &Code) -> bool {
        self.find_anywhere(code, None).is_some()
    }

    fn find_anywhere(&self, code: &Code, except: Option<&str>) -> Option<Found<'_>> {
        self.accounts
            .iter()
            .filter(|(n, _)| Some(n.as_str()) != except)
            .find_map(|(n, a)| find_in(n, a, code))
    }
}

/// Looks for a code in the account's sets, newest first, so an active-set
/// match wins over an old imported duplicate.
fn find_in<'a>(name: &'a str, account: &'a Account, code: &Code) -> Option<Found<'a>> {
    account
        .sets
        .iter()
        .enumerate()
        .rev()
        .find_map(|(pos, set)| {
            set.position(code).map(|i| Found {
                account: name,
                set,
                index: i + 1,
                entry: &set.codes[i],
                revocation: account.revocation(pos),
            })
        })
}

fn state_of(found: &Found<'_>) -> CodeState {
    if found.revocation.is_some() {
        CodeState::Revoked
    } else if found.entry.is_used() {
        CodeState::Used
    } else {
        CodeState::Unused
    }
}

fn describe(found: Found<'_>) -> Diagnosis {
    let account = found.account.to_string();
    let (set, index) = (found.set.id, found.index);
    match (found.revocation, found.entry.used()) {
        (Some(r), used) => Diagnosis::Revoked {
            account,
            set,
            index,
            set_created: found.set.created,
            revoked_at: r.at,
            revoked_by: r.by,
            replaced_by: r.replaced_by.map(|s| s.number),
            used_at: used.map(|u| u.at),
        },
        (None, Some(u)) => Diagnosis::Used {
            account,
            set,
            index,
            used_at: u.at,
            note: u.note.clone(),
        },
        (None, None) => Diagnosis::Unused {
            account,
            set,
            index,
        },
    }
}

fn near_misses(name: &str, account: &Account, code: &Code) -> Vec<NearMiss> {
    let Some(set) = account.active() else {
        return Vec::new();
    };
    set.codes
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.is_used() && e.code.is_near_miss(code))
        .map(|(i, _)| NearMiss {
            account: name.to_string(),
            set: set.id,
            index: i + 1,
        })
        .collect()
}
