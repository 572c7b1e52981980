//! What the domain refuses, as data.
//!
//! The domain knows why it refuses a change, not how people are told: the
//! application's error (`crate::error`) wraps each of these with its
//! sentence (untrusted names escaped), its hint and its exit code. This
//! module imports nothing above the domain.

use super::schema::Origin;
use crate::code::MalformedCode;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("invalid account name: {reason}")]
    InvalidAccountName { reason: &'static str },

    #[error("invalid note: {reason}")]
    InvalidNote { reason: &'static str },

    /// `name` is what was asked for, with a code the vault holds replaced
    /// by `[code]` (it must not be repeated back).
    #[error("no account named {name:?}")]
    UnknownAccount {
        name: String,
        suggestions: Vec<String>,
    },

    #[error("{account:?} already has an active set of codes")]
    ActiveSetExists {
        account: String,
        /// Whether the new set was to be imported (the fix differs).
        importing: bool,
    },

    #[error("these codes are already in the vault, in set {set} of {account:?}")]
    ImportOverlap {
        account: String,
        set: u64,
        revoked: bool,
    },

    #[error("{account:?} has no active set of codes")]
    NoActiveSet { account: String },

    #[error("every code of the active set of {account:?} is used")]
    NoCodesLeft { account: String, origin: Origin },

    /// A new account name that reads like an existing one.
    #[error("{name:?} looks like the existing account {existing:?}")]
    LookAlikeAccount { name: String, existing: String },

    #[error("the number of codes must be 1 to {max}, not {count}")]
    CodeCount { count: usize, max: usize },

    /// Codes to import that a set of another account holds: most often
    /// another client's file.
    #[error("{shared} of these codes belong to set {set} of {account:?}")]
    CodesOfAnotherAccount {
        account: String,
        set: u64,
        shared: usize,
        active: bool,
    },

    #[error("there are no codes to import")]
    NothingToImport,

    #[error("the codes to import are not all of the same kind and length")]
    MixedCodes,

    #[error("the operating system's random generator failed: {0}")]
    Random(String),

    #[error("{0}")]
    MalformedCode(#[from] MalformedCode),
}
