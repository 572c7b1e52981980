//! Format version 1's stored schema, frozen, and its upgrade to the current one.
//!
//! Never edit these types: they are how every version-1 file was written
//! (positional postcard), and `tests/fixtures/v1-frozen.cvlt` must keep
//! opening through them.
//!
//! Version 1 kept no identities, so the upgrade derives them from what
//! every copy of one version-1 vault holds alike: the vault's creation
//! time, each set's secret salt, each record's place and contents. Two
//! copies of one version-1 vault, upgraded on different machines, therefore
//! give the same identities to everything they share, and are recognised
//! as one vault by `merge`. (Two different version-1 vaults created in the
//! same second would be taken for one; that only spares `--unrelated`.)

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::schema::{self, RemovalScope, SetRef, Uid, exact_vec, unix_seconds};
use crate::code::{Alphabet, Code};

#[derive(Clone, Copy, Serialize, Deserialize)]
enum Origin {
    Generated,
    Imported,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
enum RevokedBy {
    Regenerate,
    Revoke,
    ImportReplace,
}

#[derive(Serialize, Deserialize)]
struct Revocation {
    #[serde(with = "unix_seconds")]
    at: Timestamp,
    by: RevokedBy,
    replaced_by: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct Usage {
    #[serde(with = "unix_seconds")]
    at: Timestamp,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    code: Code,
    used: Option<Box<Usage>>,
}

#[derive(Serialize, Deserialize)]
struct CodeSet {
    id: u64,
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
struct Event {
    #[serde(with = "unix_seconds")]
    at: Timestamp,
    account: Option<String>,
    kind: EventKind,
}

#[derive(Serialize, Deserialize)]
enum EventKind {
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
    Refused(Box<Refusal>),
    Passwd {
        passphrase_changed: bool,
        kdf: String,
    },
}

#[derive(Serialize, Deserialize)]
struct Refusal {
    reason: String,
    set: Option<u64>,
    index: Option<usize>,
    other_account: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Vault {
    accounts: BTreeMap<String, Account>,
    next_set_id: u64,
    #[serde(deserialize_with = "exact_vec")]
    events: Vec<Event>,
}

impl From<Origin> for schema::Origin {
    fn from(o: Origin) -> Self {
        match o {
            Origin::Generated => schema::Origin::Generated,
            Origin::Imported => schema::Origin::Imported,
        }
    }
}

impl From<RevokedBy> for schema::RevokedBy {
    fn from(b: RevokedBy) -> Self {
        match b {
            RevokedBy::Regenerate => schema::RevokedBy::Regenerate,
            RevokedBy::Revoke => schema::RevokedBy::Revoke,
            RevokedBy::ImportReplace => schema::RevokedBy::ImportReplace,
        }
    }
}

fn secs(t: Timestamp) -> [u8; 8] {
    t.as_second().to_le_bytes()
}

impl Vault {
    /// The same vault in the version-2 schema, with derived identities.
    pub(super) fn upgrade(self) -> schema::Vault {
        let init_at = self.events.first().map(|e| e.at).unwrap_or_default();
        let id = Uid::derived("v1 vault", &[&secs(init_at)]);
        let mut uids: HashMap<u64, Uid> = HashMap::new();
        for set in self.accounts.values().flat_map(|a| &a.sets) {
            uids.insert(set.id, Uid::derived("v1 set", &[&id.0, &set.salt]));
        }
        let set_ref = |number: u64| SetRef {
            uid: uids
                .get(&number)
                .copied()
                .unwrap_or_else(|| Uid::derived("v1 set number", &[&id.0, &number.to_le_bytes()])),
            number,
        };

        let mut accounts = BTreeMap::new();
        for (name, account) in self.accounts {
            let mut sets: Vec<schema::CodeSet> = Vec::with_capacity(account.sets.len());
            for set in account.sets {
                let uid = set_ref(set.id).uid;
                // Version 1 knew its newest set by position; keep it
                // newest whatever the clock did.
                let created = sets
                    .last()
                    .map_or(set.created, |p| p.created.max(set.created));
                let codes = set
                    .codes
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| schema::Entry {
                        code: e.code,
                        uses: e
                            .used
                            .map(|u| {
                                let note = u.note.as_deref().unwrap_or("").as_bytes();
                                let has_note = [u8::from(u.note.is_some())];
                                schema::Usage {
                                    uid: Uid::derived(
                                        "v1 use",
                                        &[
                                            &uid.0,
                                            &(i as u64).to_le_bytes(),
                                            &secs(u.at),
                                            &has_note,
                                            note,
                                        ],
                                    ),
                                    at: u.at,
                                    note: u.note,
                                }
                            })
                            .into_iter()
                            .collect(),
                    })
                    .collect();
                let revoked = set.revoked.map(|r| schema::Revocation {
                    uid: Uid::derived("v1 revocation", &[&uid.0, &secs(r.at), &[r.by as u8]]),
                    at: r.at,
                    by: r.by.into(),
                    replaced_by: r.replaced_by.map(set_ref),
                });
                sets.push(schema::CodeSet {
                    uid,
                    number: set.id,
                    salt: set.salt,
                    created,
                    origin: set.origin.into(),
                    alphabet: set.alphabet,
                    codes,
                    revoked,
                    layout: None,
                    id: set.id,
                });
            }
            accounts.insert(name, schema::Account { sets });
        }

        let mut events = Vec::with_capacity(self.events.len());
        let mut removals = Vec::new();
        for (i, e) in self.events.into_iter().enumerate() {
            let bytes = postcard::to_stdvec(&e).unwrap_or_default();
            let uid = Uid::derived("v1 event", &[&id.0, &(i as u64).to_le_bytes(), &bytes]);
            let kind = match e.kind {
                EventKind::Init => schema::EventKind::Init,
                EventKind::Generate { set, count } => schema::EventKind::Generate {
                    set: set_ref(set),
                    count,
                },
                EventKind::Import {
                    set,
                    count,
                    revoked,
                } => schema::EventKind::Import {
                    set: set_ref(set),
                    count,
                    revoked: revoked.map(set_ref),
                },
                EventKind::Use { set, index, note } => schema::EventKind::Use {
                    set: set_ref(set),
                    index,
                    note,
                },
                EventKind::Next { set, index, note } => schema::EventKind::Next {
                    set: set_ref(set),
                    index,
                    note,
                },
                EventKind::Regenerate {
                    set,
                    count,
                    revoked,
                } => schema::EventKind::Regenerate {
                    set: set_ref(set),
                    count,
                    revoked: revoked.map(set_ref),
                },
                EventKind::Revoke { set } => schema::EventKind::Revoke { set: set_ref(set) },
                EventKind::Remove { sets } => {
                    if let Some(account) = &e.account {
                        removals.push(schema::Removal {
                            uid: Uid::derived("v1 removal", &[&uid.0]),
                            at: e.at,
                            account: account.clone(),
                            scope: RemovalScope::CreatedUpTo(e.at),
                        });
                    }
                    schema::EventKind::Remove { sets }
                }
                EventKind::Refused(r) => schema::EventKind::Refused(Box::new(schema::Refusal {
                    reason: r.reason,
                    set: r.set.map(set_ref),
                    index: r.index,
                    other_account: r.other_account,
                })),
                EventKind::Passwd {
                    passphrase_changed,
                    kdf,
                } => schema::EventKind::Passwd {
                    passphrase_changed,
                    kdf,
                },
            };
            events.push(schema::Event {
                uid,
                seq: i as u64 + 1,
                at: e.at,
                account: e.account,
                kind,
            });
        }
        events.sort_by_key(|e| e.order());
        let mut vault = schema::Vault {
            id,
            accounts,
            next_number: self.next_set_id,
            clock: events.len() as u64,
            events,
            removals,
            taken: Default::default(),
        };
        vault.settle();
        vault
    }
}
