//! Types for two of the secrets codevault handles: the passphrase
//! ([`Passphrase`]) and the derived keys ([`Key`]). The decrypted vault has
//! no type here: `session` holds it in a `zeroize::Zeroizing` buffer.
//!
//! Each is zeroed when dropped and prints as `[redacted]` in `Debug`, so a
//! stray `{:?}` or a panic message cannot leak it. Nothing here implements
//! `Display`: showing a secret has to be spelled out with `expose`.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A passphrase as typed or read, without its line ending. It is bytes,
/// not text: a passphrase from a file or the environment is used exactly as
/// given, never re-encoded (a lossy UTF-8 conversion would let two
/// different passphrases open the same vault).
#[derive(Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Passphrase(Vec<u8>);

impl Clone for Passphrase {
    fn clone(&self) -> Self {
        Passphrase::new(self.0.clone())
    }
}

impl Passphrase {
    /// The passphrase's buffer is locked in memory and left out of core
    /// dumps where the kernel allows (see [`crate::sys`]).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        let bytes = bytes.into();
        crate::sys::protect_secret(&bytes);
        Passphrase(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase([redacted])")
    }
}

/// A 256-bit key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Key([u8; 32]);

impl Key {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Passphrase::new("hunter2-correct-horse");
        let k = Key::from_bytes([0xAB; 32]);
        for shown in [format!("{p:?}"), format!("{k:?}")] {
            assert!(shown.contains("[redacted"), "{shown}");
            assert!(!shown.contains("hunter2"));
            assert!(!shown.to_lowercase().contains("abab"));
        }
    }
}
