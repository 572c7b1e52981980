//! The agent's wire protocol: one request and one answer per connection,
//! each a frame of a 4-byte big-endian length and a body that starts with
//! the protocol version and an operation byte.
//!
//! Every body has one exact length per operation and none is longer than
//! [`MAX_BODY`]: a length above it is refused before anything is read or
//! allocated, and a body of the wrong size, an unknown operation or another
//! version is malformed. The agent answers a malformed request by closing
//! that connection, and nothing else. Bodies that carry keys are built and
//! read in buffers that are zeroed when dropped.

use std::io::{self, Read, Write};

use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{KEY_CHECK_LEN, KdfParams, SALT_LEN};
use crate::envelope::Header;

pub const VERSION: u8 = 1;
/// The largest body of any message; the largest real one is a `Store`.
pub const MAX_BODY: usize = 256;
pub const KEY_LEN: usize = 32;
/// What makes a key valid for a file: its cost, its salt, its key check.
pub const ID_LEN: usize = 12 + SALT_LEN + KEY_CHECK_LEN;

const GET: u8 = 1;
const STORE: u8 = 2;
const FORGET: u8 = 3;
const FORGET_ALL: u8 = 4;
const KEY: u8 = 0x81;
const NOT_FOUND: u8 = 0x82;
const DONE: u8 = 0x83;

/// Names a key by what makes it valid for a file, never by the file's path:
/// a new salt (every `passwd`), a new cost or another vault at the same path
/// names another key, so a key the agent hands back always fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyId(pub [u8; ID_LEN]);

impl KeyId {
    pub fn of(header: &Header) -> KeyId {
        Self::from_parts(header.kdf, &header.salt, &header.key_check)
    }

    pub fn from_parts(kdf: KdfParams, salt: &[u8; SALT_LEN], check: &[u8; KEY_CHECK_LEN]) -> KeyId {
        let mut id = [0u8; ID_LEN];
        id[0..4].copy_from_slice(&kdf.memory_mib().to_be_bytes());
        id[4..8].copy_from_slice(&kdf.iterations().to_be_bytes());
        id[8..12].copy_from_slice(&kdf.parallelism().to_be_bytes());
        id[12..12 + SALT_LEN].copy_from_slice(salt);
        id[12 + SALT_LEN..].copy_from_slice(check);
        KeyId(id)
    }
}

/// The derived keys as they travel: the encryption key and the key check.
#[derive(Clone, Zeroize)]
pub struct KeyBytes {
    pub encryption: [u8; KEY_LEN],
    pub check: [u8; KEY_CHECK_LEN],
}

impl Drop for KeyBytes {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyBytes([redacted])")
    }
}

#[derive(Debug)]
pub enum Request {
    /// The key for this id, if held; using it restarts its idle timeout.
    Get(KeyId),
    /// Hold this key until it has been idle for `timeout_secs`.
    Store {
        id: KeyId,
        keys: KeyBytes,
        timeout_secs: u32,
    },
    /// Forget this key (after `passwd`).
    Forget(KeyId),
    /// Forget every key (`lock`).
    ForgetAll,
}

#[derive(Debug)]
pub enum Response {
    Key(KeyBytes),
    NotFound,
    /// Done; the number of keys it concerned (stored, forgotten).
    Done(u32),
}

/// Why bytes are not a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
    TooLong(u64),
    Version(u8),
    Operation(u8),
    Length { op: u8, len: usize },
}

impl Request {
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut body = Zeroizing::new(Vec::with_capacity(MAX_BODY));
        body.push(VERSION);
        match self {
            Request::Get(id) => {
                body.push(GET);
                body.extend_from_slice(&id.0);
            }
            Request::Store {
                id,
                keys,
                timeout_secs,
            } => {
                body.push(STORE);
                body.extend_from_slice(&id.0);
                body.extend_from_slice(&keys.encryption);
                body.extend_from_slice(&keys.check);
                body.extend_from_slice(&timeout_secs.to_be_bytes());
            }
            Request::Forget(id) => {
                body.push(FORGET);
                body.extend_from_slice(&id.0);
            }
            Request::ForgetAll => body.push(FORGET_ALL),
        }
        body
    }

    pub fn decode(body: &[u8]) -> Result<Request, Malformed> {
        let (op, rest) = header_of(body)?;
        let id_at = |rest: &[u8]| KeyId(rest[..ID_LEN].try_into().expect("length checked"));
        match op {
            GET => expect_len(op, rest, ID_LEN).map(|()| Request::Get(id_at(rest))),
            STORE => {
                expect_len(op, rest, ID_LEN + KEY_LEN + KEY_CHECK_LEN + 4)?;
                let keys = key_bytes(&rest[ID_LEN..ID_LEN + KEY_LEN + KEY_CHECK_LEN]);
                let t = &rest[ID_LEN + KEY_LEN + KEY_CHECK_LEN..];
                Ok(Request::Store {
                    id: id_at(rest),
                    keys,
                    timeout_secs: u32::from_be_bytes(t.try_into().expect("length checked")),
                })
            }
            FORGET => expect_len(op, rest, ID_LEN).map(|()| Request::Forget(id_at(rest))),
            FORGET_ALL => expect_len(op, rest, 0).map(|()| Request::ForgetAll),
            other => Err(Malformed::Operation(other)),
        }
    }
}

impl Response {
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut body = Zeroizing::new(Vec::with_capacity(MAX_BODY));
        body.push(VERSION);
        match self {
            Response::Key(keys) => {
                body.push(KEY);
                body.extend_from_slice(&keys.encryption);
                body.extend_from_slice(&keys.check);
            }
            Response::NotFound => body.push(NOT_FOUND),
            Response::Done(n) => {
                body.push(DONE);
                body.extend_from_slice(&n.to_be_bytes());
            }
        }
        body
    }

    pub fn decode(body: &[u8]) -> Result<Response, Malformed> {
        let (op, rest) = header_of(body)?;
        match op {
            KEY => expect_len(op, rest, KEY_LEN + KEY_CHECK_LEN)
                .map(|()| Response::Key(key_bytes(rest))),
            NOT_FOUND => expect_len(op, rest, 0).map(|()| Response::NotFound),
            DONE => expect_len(op, rest, 4)
                .map(|()| Response::Done(u32::from_be_bytes(rest.try_into().expect("4 bytes")))),
            other => Err(Malformed::Operation(other)),
        }
    }
}

fn header_of(body: &[u8]) -> Result<(u8, &[u8]), Malformed> {
    match body {
        [VERSION, op, rest @ ..] => Ok((*op, rest)),
        [version, ..] if *version != VERSION => Err(Malformed::Version(*version)),
        _ => Err(Malformed::Length {
            op: 0,
            len: body.len(),
        }),
    }
}

fn expect_len(op: u8, rest: &[u8], len: usize) -> Result<(), Malformed> {
    if rest.len() == len {
        Ok(())
    } else {
        Err(Malformed::Length {
            op,
            len: rest.len(),
        })
    }
}

fn key_bytes(b: &[u8]) -> KeyBytes {
    KeyBytes {
        encryption: b[..KEY_LEN].try_into().expect("length checked"),
        check: b[KEY_LEN..KEY_LEN + KEY_CHECK_LEN]
            .try_into()
            .expect("length checked"),
    }
}

/// Writes one frame: the body's length, then the body, in one write.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    debug_assert!(body.len() <= MAX_BODY);
    let mut frame = Zeroizing::new(Vec::with_capacity(4 + body.len()));
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(body);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame's body. A length above [`MAX_BODY`] is refused before
/// the body is read (`InvalidData`); the body lands in a zeroed buffer.
pub fn read_frame(r: &mut impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len);
    if len as usize > MAX_BODY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{:?}", Malformed::TooLong(len.into())),
        ));
    }
    let mut body = Zeroizing::new(vec![0u8; len as usize]);
    r.read_exact(&mut body)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> KeyId {
        KeyId([n; ID_LEN])
    }

    fn keys() -> KeyBytes {
        KeyBytes {
            encryption: [7; KEY_LEN],
            check: [9; KEY_CHECK_LEN],
        }
    }

    #[test]
    fn requests_round_trip() {
        let all = [
            Request::Get(id(1)),
            Request::Store {
                id: id(2),
                keys: keys(),
                timeout_secs: 600,
            },
            Request::Forget(id(3)),
            Request::ForgetAll,
        ];
        for r in all {
            let body = r.encode();
            assert!(body.len() <= MAX_BODY);
            let back = Request::decode(&body).unwrap();
            assert_eq!(format!("{back:?}"), format!("{r:?}"));
            match (r, back) {
                (
                    Request::Store {
                        keys: a,
                        timeout_secs: ta,
                        ..
                    },
                    Request::Store {
                        keys: b,
                        timeout_secs: tb,
                        ..
                    },
                ) => {
                    assert_eq!((a.encryption, a.check, ta), (b.encryption, b.check, tb));
                }
                (Request::Get(a), Request::Get(b)) | (Request::Forget(a), Request::Forget(b)) => {
                    assert_eq!(a, b)
                }
                (Request::ForgetAll, Request::ForgetAll) => {}
                _ => panic!("another request came back"),
            }
        }
    }

    #[test]
    fn responses_round_trip() {
        match Response::decode(&Response::Key(keys()).encode()).unwrap() {
            Response::Key(k) => assert_eq!((k.encryption, k.check), ([7; 32], [9; 32])),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Response::decode(&Response::NotFound.encode()),
            Ok(Response::NotFound)
        ));
        assert!(matches!(
            Response::decode(&Response::Done(3).encode()),
            Ok(Response::Done(3))
        ));
    }

    #[test]
    fn every_wrong_length_version_or_operation_is_malformed() {
        let store = Request::Store {
            id: id(2),
            keys: keys(),
            timeout_secs: 1,
        }
        .encode();
        for n in 0..store.len() {
            assert!(Request::decode(&store[..n]).is_err(), "{n} bytes accepted");
        }
        let mut longer = store.to_vec();
        longer.push(0);
        assert!(matches!(
            Request::decode(&longer),
            Err(Malformed::Length { op: STORE, .. })
        ));
        let mut other_version = store.to_vec();
        other_version[0] = 2;
        assert_eq!(
            Request::decode(&other_version).unwrap_err(),
            Malformed::Version(2)
        );
        assert_eq!(
            Request::decode(&[VERSION, 0x7f]).unwrap_err(),
            Malformed::Operation(0x7f)
        );
        // An answer is not a request, nor the other way round.
        assert!(Request::decode(&Response::NotFound.encode()).is_err());
        assert!(Response::decode(&Request::ForgetAll.encode()).is_err());
        assert!(Response::decode(&[VERSION, KEY, 1, 2]).is_err());
    }

    #[test]
    fn frames_are_bounded_before_anything_is_read() {
        let mut wire = Vec::new();
        write_frame(&mut wire, &Request::ForgetAll.encode()).unwrap();
        assert_eq!(wire, [0, 0, 0, 2, VERSION, FORGET_ALL]);
        assert_eq!(
            &*read_frame(&mut &wire[..]).unwrap(),
            &[VERSION, FORGET_ALL]
        );

        let mut exact = (MAX_BODY as u32).to_be_bytes().to_vec();
        exact.extend(vec![0u8; MAX_BODY]);
        assert_eq!(read_frame(&mut &exact[..]).unwrap().len(), MAX_BODY);

        // A huge length is refused at once, though no body follows: the
        // reader never waits for, nor allocates, what the length claims.
        for len in [MAX_BODY as u32 + 1, u32::MAX] {
            let e = read_frame(&mut &len.to_be_bytes()[..]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        }
        // A frame cut short is an error, not a shorter message.
        let e = read_frame(&mut &[0, 0, 0, 5, VERSION][..]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_key_id_names_cost_salt_and_key_check() {
        let kdf = KdfParams::new(8, 1, 1).unwrap();
        let a = KeyId::from_parts(kdf, &[1; SALT_LEN], &[2; KEY_CHECK_LEN]);
        assert_ne!(
            a,
            KeyId::from_parts(kdf, &[3; SALT_LEN], &[2; KEY_CHECK_LEN])
        );
        assert_ne!(
            a,
            KeyId::from_parts(kdf, &[1; SALT_LEN], &[3; KEY_CHECK_LEN])
        );
        let other = KdfParams::new(8, 2, 1).unwrap();
        assert_ne!(
            a,
            KeyId::from_parts(other, &[1; SALT_LEN], &[2; KEY_CHECK_LEN])
        );
    }
}
