//! From file bytes to a [`Vault`] and back: the seam between the file
//! format, the cryptography and the domain.
//!
//! The plaintext is the vault encoded with postcard: compact and quick to
//! parse (a 10,000-account vault is a few MB), positional, and decoded to
//! the last byte. A file version is therefore also a plaintext schema.
//!
//! [`Keys`] are derived once per command and reused for every read and
//! write of it, as long as the file's salt and cost are the ones they were
//! derived for. The plaintext exists only in the file's own buffer: the
//! vault is serialised into it and sealed there, and a file is decrypted
//! in place and wiped after parsing, so it never lingers in freed memory.

use std::path::Path;

use jiff::Timestamp;
use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

use crate::crypto::{self, DerivedKeys, KdfParams, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::envelope::{self, Envelope, FormatError, Header};
use crate::error::{Error, Result};
use crate::secret::Passphrase;
use crate::vault::Vault;

// A file of the version this build writes holds the schema it stores.
const _: () = assert!(envelope::VERSION == crate::vault::SCHEMA_VERSION);

/// The keys for one salt and cost.
#[derive(Debug)]
pub struct Keys {
    kdf: KdfParams,
    salt: [u8; SALT_LEN],
    derived: DerivedKeys,
}

impl Keys {
    /// Derives the keys for a checked file and tells a wrong passphrase
    /// from a modified file: a key-check mismatch is a wrong passphrase
    /// unless the derived key opens the file once the header holds the key
    /// check it should: then the passphrase is right and the key check
    /// itself was changed (exit 4, not 3).
    pub fn for_file(path: &Path, file: &Envelope<'_>, passphrase: &Passphrase) -> Result<Keys> {
        let header = &file.header;
        let derived = crypto::derive_keys(passphrase, &header.salt, header.kdf)?;
        let keys = Keys {
            kdf: header.kdf,
            salt: header.salt,
            derived,
        };
        if !crypto::key_check_matches(&header.key_check, &keys.derived.check) {
            let mut as_written = file.header_bytes.to_vec();
            as_written[envelope::KEY_CHECK_AT].copy_from_slice(&keys.derived.check);
            let mut ciphertext = Zeroizing::new(file.ciphertext.to_vec());
            let opens = crypto::open_in_place(
                &keys.derived.encryption,
                &header.nonce,
                &as_written,
                &mut ciphertext,
            )
            .is_some();
            return Err(if opens {
                Error::Tampered {
                    path: path.to_path_buf(),
                }
            } else {
                Error::WrongPassphrase {
                    path: path.to_path_buf(),
                }
            });
        }
        Ok(keys)
    }

    /// Keys under a fresh random salt, for a new vault or a new passphrase.
    pub fn fresh(passphrase: &Passphrase, kdf: KdfParams) -> Result<Keys> {
        let mut salt = [0u8; SALT_LEN];
        random_fill(&mut salt)?;
        let derived = crypto::derive_keys(passphrase, &salt, kdf)?;
        Ok(Keys { kdf, salt, derived })
    }

    /// Whether these keys were derived for this header's salt and cost.
    pub fn fit(&self, header: &Header) -> bool {
        self.kdf == header.kdf && self.salt == header.salt
    }

    /// Whether these keys open this header's file: the same salt and
    /// cost, and the same key check (so the same passphrase).
    pub fn opens(&self, header: &Header) -> bool {
        self.fit(header) && crypto::key_check_matches(&header.key_check, &self.derived.check)
    }

    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }
}

/// Opens a vault file's bytes with a passphrase, every step in order:
/// structure and checksum, then the keys (a key-check mismatch is a wrong
/// passphrase, unless the key check itself was forged), then the AEAD and
/// the decoder. The one way in for anything that has the passphrase at
/// hand; `app` takes the same steps with a prompt between the first two.
pub fn open(path: &Path, bytes: Vec<u8>, passphrase: &Passphrase) -> Result<(Vault, Keys)> {
    let file = CheckedFile::new(path, bytes)?;
    let keys = Keys::for_file(path, &file.envelope(), passphrase)?;
    let vault = decrypt(path, file, &keys)?;
    Ok((vault, keys))
}

/// Checks the file's structure and checksum, before any key derivation.
pub fn check<'a>(path: &Path, bytes: &'a [u8]) -> Result<Envelope<'a>> {
    envelope::decode(bytes).map_err(|e| format_error(path, e))
}

/// A vault file as read, with its header, checked once: the checksum of a
/// large vault is worth computing only once per reading.
#[derive(Clone)]
pub struct CheckedFile {
    bytes: Vec<u8>,
    header: Header,
}

impl CheckedFile {
    pub fn new(path: &Path, bytes: Vec<u8>) -> Result<Self> {
        let header = check(path, &bytes)?.header;
        Ok(CheckedFile { bytes, header })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The checked parts, without checking again.
    pub fn envelope(&self) -> Envelope<'_> {
        let body_end = self.bytes.len() - crypto::CHECKSUM_LEN;
        Envelope {
            header: self.header.clone(),
            header_bytes: &self.bytes[..envelope::HEADER_LEN],
            ciphertext: &self.bytes[envelope::HEADER_LEN..body_end],
        }
    }
}

fn format_error(path: &Path, e: FormatError) -> Error {
    let path = path.to_path_buf();
    match e {
        FormatError::BadMagic => Error::NotAVault { path },
        FormatError::UnsupportedVersion(version) => Error::UnsupportedVersion { path, version },
        FormatError::KdfOutOfBounds(source) => Error::KdfOutOfBounds { path, source },
        FormatError::Damaged(detail) => Error::Damaged { path, detail },
    }
}

/// Decrypts and parses a checked file with keys that fit it. The file's
/// own buffer is decrypted in place, so a large vault is never held twice
/// (ciphertext and plaintext); the buffer is wiped when parsing ends.
pub fn decrypt(path: &Path, file: CheckedFile, keys: &Keys) -> Result<Vault> {
    debug_assert!(keys.fit(&file.header));
    let CheckedFile { bytes, header } = file;
    let mut bytes = Zeroizing::new(bytes);
    crate::sys::protect_secret(&bytes); // about to hold the plaintext
    // `check` proved the layout: header, ciphertext with its tag, checksum.
    let body_end = bytes.len() - crypto::CHECKSUM_LEN;
    let (header_bytes, body) = bytes[..body_end].split_at_mut(envelope::HEADER_LEN);
    let plain = crypto::open_in_place(&keys.derived.encryption, &header.nonce, header_bytes, body)
        .ok_or_else(|| Error::Tampered {
            path: path.to_path_buf(),
        })?;
    // Only a file that authenticates reaches this point: a parse failure
    // means another program wrote it with our key, or a bug wrote it.
    crate::vault::decode(header.version, plain).ok_or_else(|| Error::Damaged {
        path: path.to_path_buf(),
        detail: "its decrypted contents are not a vault".into(),
    })
}

/// The vault as the bytes of a file, under a fresh nonce: serialised
/// straight into the file's buffer and sealed there, so the plaintext
/// exists only in the region the cipher then overwrites.
pub fn encrypt(vault: &Vault, keys: &Keys) -> Result<Vec<u8>> {
    let encode_err = |e: postcard::Error| Error::encoder("the vault", e);
    let len = postcard::experimental::serialized_size(vault).map_err(encode_err)?;
    let ciphertext_len = (len + TAG_LEN) as u64;
    if ciphertext_len > envelope::MAX_CIPHERTEXT {
        return Err(Error::encode("the vault", "it has grown past 1 GiB"));
    }
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce)?;
    let header = Header {
        version: envelope::VERSION,
        kdf: keys.kdf,
        salt: keys.salt,
        nonce,
        key_check: keys.derived.check,
        ciphertext_len,
    };
    envelope::encode_with(&header, |associated_data, body| {
        crate::sys::exclude_from_dumps(body); // about to hold the plaintext
        let written = postcard::to_slice(vault, &mut *body)
            .map_err(encode_err)?
            .len();
        if written != len {
            return Err(Error::encode(
                "the vault",
                "its size changed while encoding",
            ));
        }
        crypto::seal_in_place(&keys.derived.encryption, &nonce, associated_data, body)
            .map_err(Error::from)
    })
}

/// What the key agent keeps and gives back: derived keys, never the
/// passphrase.
impl Keys {
    /// Keys the agent handed back, for a file with this header: only when
    /// they carry the header's key check (so they fit its salt and cost).
    pub fn from_agent(header: &Header, derived: DerivedKeys) -> Option<Keys> {
        crypto::key_check_matches(&header.key_check, &derived.check).then_some(Keys {
            kdf: header.kdf,
            salt: header.salt,
            derived,
        })
    }

    pub fn derived(&self) -> &DerivedKeys {
        &self.derived
    }

    pub fn salt(&self) -> &[u8; SALT_LEN] {
        &self.salt
    }
}

/// Salts and nonces come from the operating system's generator.
fn random_fill(buf: &mut [u8]) -> Result<()> {
    SysRng
        .try_fill_bytes(buf)
        .map_err(|e| Error::Random(e.to_string()))
}

/// The current time, to the second, as every record in the vault keeps it.
pub fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).expect("the clock is in range")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> KdfParams {
        KdfParams::new(8, 1, 1).unwrap()
    }

    #[test]
    fn a_vault_round_trips_and_each_save_has_a_new_nonce() {
        let pass = Passphrase::new("pw");
        let keys = Keys::fresh(&pass, cheap()).unwrap();
        let vault = Vault::new(&mut SysRng, now()).unwrap();
        let a = encrypt(&vault, &keys).unwrap();
        let b = encrypt(&vault, &keys).unwrap();
        assert_ne!(a[58..82], b[58..82], "nonce reused");
        let path = Path::new("v");
        let file = CheckedFile::new(path, a).unwrap();
        let again = Keys::for_file(path, &file.envelope(), &pass).unwrap();
        assert_eq!(decrypt(path, file, &again).unwrap(), vault);
    }

    #[test]
    fn keys_from_the_agent_must_carry_the_headers_key_check() {
        let pass = Passphrase::new("pw");
        let keys = Keys::fresh(&pass, cheap()).unwrap();
        let vault = Vault::new(&mut SysRng, now()).unwrap();
        let bytes = encrypt(&vault, &keys).unwrap();
        let path = Path::new("v");
        let header = check(path, &bytes).unwrap().header;
        let handed_back = |check| DerivedKeys {
            encryption: keys.derived().encryption.clone(),
            check,
        };
        let back = Keys::from_agent(&header, handed_back(keys.derived().check)).unwrap();
        assert!(back.fit(&header));
        let file = CheckedFile::new(path, bytes).unwrap();
        assert_eq!(decrypt(path, file, &back).unwrap(), vault);
        let mut other = keys.derived().check;
        other[0] ^= 1;
        assert!(Keys::from_agent(&header, handed_back(other)).is_none());
    }

    #[test]
    fn wrong_passphrase_is_not_damage() {
        let keys = Keys::fresh(&Passphrase::new("right"), cheap()).unwrap();
        let bytes = encrypt(&Vault::new(&mut SysRng, now()).unwrap(), &keys).unwrap();
        let path = Path::new("v");
        let env = check(path, &bytes).unwrap();
        let err = Keys::for_file(path, &env, &Passphrase::new("wrong")).unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase { .. }));
    }

    #[test]
    fn a_consistent_forgery_is_caught_by_the_aead() {
        // Change the ciphertext and recompute the checksum, as an attacker
        // could: the structure is fine, the key check passes, the tag fails.
        let pass = Passphrase::new("pw");
        let keys = Keys::fresh(&pass, cheap()).unwrap();
        let mut bytes = encrypt(&Vault::new(&mut SysRng, now()).unwrap(), &keys).unwrap();
        bytes[envelope::HEADER_LEN] ^= 1;
        let end = bytes.len() - crypto::CHECKSUM_LEN;
        let sum = crypto::checksum(&bytes[..end]);
        bytes[end..].copy_from_slice(&sum);
        let path = Path::new("v");
        let file = CheckedFile::new(path, bytes).unwrap();
        let keys = Keys::for_file(path, &file.envelope(), &pass).unwrap();
        assert!(matches!(
            decrypt(path, file, &keys),
            Err(Error::Tampered { .. })
        ));
    }
}
