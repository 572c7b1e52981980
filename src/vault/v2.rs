//! Format version 2's stored schema, frozen, and its upgrade to version 3.
//!
//! Never edit these types: they are how every version-2 file was written
//! (positional postcard), and `tests/fixtures/v2-frozen.cvlt` must keep
//! opening through them.
//!
//! Version 3 added one field at the end of a set, the platform's layout of
//! its codes, so only the records that hold a set are frozen here; the
//! records inside them (codes and their uses, revocations, events,
//! removals) are version 3's own, unchanged since version 2. Whoever
//! changes one of those must first freeze its version-2 form in this file.
//! A version-2 set has no layout: it is shown as before.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::schema::{
    self, Entry, Event, Origin, Removal, Revocation, Uid, exact_vec, unix_seconds,
};
use crate::code::Alphabet;

#[derive(Serialize, Deserialize)]
struct CodeSet {
    uid: Uid,
    number: u64,
    salt: [u8; 16],
    #[serde(with = "unix_seconds")]
    created: Timestamp,
    origin: Origin,
    alphabet: Alphabet,
    codes: Vec<Entry>,
    revoked: Option<Revocation>,
}

#[derive(Serialize, Deserialize)]
struct Account {
    sets: Vec<CodeSet>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Vault {
    id: Uid,
    accounts: BTreeMap<String, Account>,
    next_number: u64,
    clock: u64,
    #[serde(deserialize_with = "exact_vec")]
    events: Vec<Event>,
    removals: Vec<Removal>,
}

impl Vault {
    /// The same vault in the current schema: every record as it was, no
    /// set with a layout.
    pub(super) fn upgrade(self) -> schema::Vault {
        let accounts = self
            .accounts
            .into_iter()
            .map(|(name, account)| {
                let sets = account
                    .sets
                    .into_iter()
                    .map(|s| schema::CodeSet {
                        uid: s.uid,
                        number: s.number,
                        salt: s.salt,
                        created: s.created,
                        origin: s.origin,
                        alphabet: s.alphabet,
                        codes: s.codes,
                        revoked: s.revoked,
                        layout: None,
                        id: s.number,
                    })
                    .collect();
                (name, schema::Account { sets })
            })
            .collect();
        schema::Vault {
            id: self.id,
            accounts,
            next_number: self.next_number,
            clock: self.clock,
            events: self.events,
            removals: self.removals,
            taken: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-2 plaintext is a version-3 one without the layouts: the
    /// fields were only ever added at the end of a set.
    #[test]
    fn a_version_2_set_is_a_version_3_set_without_a_layout() {
        let old = Vault {
            id: Uid([7; 16]),
            accounts: BTreeMap::from([(
                "a".to_string(),
                Account {
                    sets: vec![CodeSet {
                        uid: Uid([1; 16]),
                        number: 1,
                        salt: [2; 16],
                        created: Timestamp::from_second(1_700_000_000).unwrap(),
                        origin: Origin::Imported,
                        alphabet: Alphabet::GENERATED,
                        codes: Vec::new(),
                        revoked: None,
                    }],
                },
            )]),
            next_number: 2,
            clock: 0,
            events: Vec::new(),
            removals: Vec::new(),
        };
        let bytes = postcard::to_stdvec(&old).unwrap();
        let upgraded = super::super::decode(2, &bytes).expect("version 2 decodes");
        let set = &upgraded.accounts["a"].sets[0];
        assert_eq!(set.layout, None);
        assert_eq!(set.number, 1);
        assert!(super::super::decode(3, &bytes).is_none(), "no layout field");
    }
}
