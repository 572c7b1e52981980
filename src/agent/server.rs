//! The agent process (`codevault --run-agent DIR`, started by `unlock`): holds derived
//! keys in locked memory and hands them to processes of its own user.
//!
//! One exclusive lock (`agent.lock`) for the agent's whole life makes it
//! the only one: a second agent started at the same moment exits, and a
//! socket left by a killed agent is known stale and replaced. Each
//! connection gets its own thread, one request, one answer; anything
//! malformed, oversized or slow closes that connection and nothing else.
//! Each key is forgotten (zeroed) once unused for its own timeout; the
//! agent exits as soon as it holds none.

use std::fs::{self, OpenOptions, Permissions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use zeroize::Zeroize;

use super::protocol::{self, KEY_LEN, KeyBytes, KeyId, Request, Response};
use super::{LOCK_FILE, SOCKET, Timeout, check_dir, unix};
use crate::crypto::KEY_CHECK_LEN;
use crate::error::{Error, Result};

/// The most keys held at once (one per vault unlocked); past it, the one
/// closest to expiring makes room.
const MAX_KEYS: usize = 64;
const SLOT: usize = KEY_LEN + KEY_CHECK_LEN;
/// The most connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 32;
/// How long a connection may take to send its request or read the answer.
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// An agent that was started but never given a key exits after this.
const STARTUP_GRACE: Duration = Duration::from_secs(10);

/// Runs the agent until it holds no key. Returns at once (success) when
/// another agent already runs in `dir`.
pub fn serve(dir: &Path) -> Result<()> {
    // main did this already; the agent, which outlives every command,
    // must not depend on it.
    crate::sys::harden_process();
    check_dir(dir).map_err(|e| Error::io("use the agent's directory", dir, e))?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| Error::io("open", &lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Ok(()),
        Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
    }
    // Holding the lock, no other agent is alive: a socket here is stale.
    let socket = dir.join(SOCKET);
    let _ = fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(|e| Error::io("listen on", &socket, e))?;
    fs::set_permissions(&socket, Permissions::from_mode(0o600))
        .map_err(|e| Error::io("set the mode of", &socket, e))?;

    let shared = Arc::new(Shared {
        ring: Mutex::new(Keyring::new(Instant::now())),
        changed: Condvar::new(),
        socket,
    });
    {
        let shared = Arc::clone(&shared);
        thread::spawn(move || reap(&shared));
    }
    let me = unix::uid();
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // The kernel's word on who connected, on every connection.
        if unix::peer_uid(&stream).ok() != Some(me) {
            continue;
        }
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let (shared, active) = (Arc::clone(&shared), Arc::clone(&active));
        thread::spawn(move || {
            serve_one(stream, &shared);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    drop(lock);
    Ok(())
}

struct Shared {
    ring: Mutex<Keyring>,
    changed: Condvar,
    socket: PathBuf,
}

impl Shared {
    fn ring(&self) -> MutexGuard<'_, Keyring> {
        // A panicking thread cannot leave the ring half-changed in a way
        // that matters: every change is one assignment.
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Exits when the ring is empty. Called with the ring locked, so no
    /// `Store` can be acknowledged and then lost with the process.
    fn exit_if_empty(&self, ring: &Keyring) {
        if ring.done(Instant::now()) {
            let _ = fs::remove_file(&self.socket);
            std::process::exit(0);
        }
    }
}

fn serve_one(mut stream: UnixStream, shared: &Shared) {
    if stream.set_read_timeout(Some(IO_TIMEOUT)).is_err()
        || stream.set_write_timeout(Some(IO_TIMEOUT)).is_err()
    {
        return;
    }
    let Ok(body) = protocol::read_frame(&mut stream) else {
        return;
    };
    let Ok(request) = Request::decode(&body) else {
        return;
    };
    drop(body);
    let now = Instant::now();
    let mut ring = shared.ring();
    let response = match request {
        Request::Get(id) => ring.get(&id, now).map_or(Response::NotFound, Response::Key),
        Request::Store {
            id,
            keys,
            timeout_secs,
        } => {
            let idle = Duration::from_secs(timeout_secs.into()).clamp(Timeout::MIN, Timeout::MAX);
            ring.store(id, &keys, idle, now);
            shared.changed.notify_all();
            Response::Done(1)
        }
        Request::Forget(id) => Response::Done(ring.forget(&id)),
        Request::ForgetAll => Response::Done(ring.forget_all()),
    };
    let _ = protocol::write_frame(&mut stream, &response.encode());
    drop(response);
    shared.exit_if_empty(&ring);
}

/// Forgets each key when its time is up, and ends the agent when none is
/// left; sleeps until the next deadline, or until a `Store` changes it.
fn reap(shared: &Shared) {
    let mut ring = shared.ring();
    loop {
        let now = Instant::now();
        ring.expire(now);
        shared.exit_if_empty(&ring);
        let wait = ring.next_wake(now).saturating_duration_since(now);
        ring = shared
            .changed
            .wait_timeout(ring, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// The keys, in one page-locked buffer that never moves or grows, zeroed
/// slot by slot as keys are forgotten; and beside it what is not secret:
/// each key's id and deadline.
struct Keyring {
    secrets: Box<[u8; MAX_KEYS * SLOT]>,
    meta: [Option<Meta>; MAX_KEYS],
    started: Instant,
    ever_held: bool,
}

#[derive(Clone, Copy)]
struct Meta {
    id: KeyId,
    idle: Duration,
    deadline: Instant,
}

impl Keyring {
    fn new(now: Instant) -> Keyring {
        let secrets = Box::new([0u8; MAX_KEYS * SLOT]);
        // Never swapped out, never in a core dump (best effort).
        crate::sys::protect_secret(&secrets[..]);
        Keyring {
            secrets,
            meta: [None; MAX_KEYS],
            started: now,
            ever_held: false,
        }
    }

    fn slot(&mut self, i: usize) -> &mut [u8] {
        &mut self.secrets[i * SLOT..(i + 1) * SLOT]
    }

    fn find(&self, id: &KeyId) -> Option<usize> {
        self.meta
            .iter()
            .position(|m| m.is_some_and(|m| m.id == *id))
    }

    /// The key, if held and not expired; its idle time starts again.
    fn get(&mut self, id: &KeyId, now: Instant) -> Option<KeyBytes> {
        let i = self.find(id)?;
        let meta = self.meta[i].as_mut().expect("found");
        if meta.deadline <= now {
            self.remove(i);
            return None;
        }
        meta.deadline = now + meta.idle;
        let slot = &self.secrets[i * SLOT..(i + 1) * SLOT];
        Some(KeyBytes {
            encryption: slot[..KEY_LEN].try_into().expect("slot size"),
            check: slot[KEY_LEN..].try_into().expect("slot size"),
        })
    }

    fn store(&mut self, id: KeyId, keys: &KeyBytes, idle: Duration, now: Instant) {
        let i = self
            .find(&id)
            .or_else(|| self.meta.iter().position(Option::is_none))
            .unwrap_or_else(|| {
                // Full: the key closest to its deadline makes room.
                let (i, _) = self
                    .meta
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| m.map(|m| (i, m.deadline)))
                    .min_by_key(|&(_, d)| d)
                    .expect("full");
                i
            });
        let slot = self.slot(i);
        slot[..KEY_LEN].copy_from_slice(&keys.encryption);
        slot[KEY_LEN..].copy_from_slice(&keys.check);
        self.meta[i] = Some(Meta {
            id,
            idle,
            deadline: now + idle,
        });
        self.ever_held = true;
    }

    fn remove(&mut self, i: usize) {
        self.slot(i).zeroize();
        self.meta[i] = None;
    }

    fn forget(&mut self, id: &KeyId) -> u32 {
        match self.find(id) {
            Some(i) => {
                self.remove(i);
                1
            }
            None => 0,
        }
    }

    fn forget_all(&mut self) -> u32 {
        let mut n = 0;
        for i in 0..MAX_KEYS {
            if self.meta[i].is_some() {
                n += 1;
            }
            self.remove(i);
        }
        n
    }

    fn expire(&mut self, now: Instant) {
        for i in 0..MAX_KEYS {
            if self.meta[i].is_some_and(|m| m.deadline <= now) {
                self.remove(i);
            }
        }
    }

    fn len(&self) -> usize {
        self.meta.iter().flatten().count()
    }

    /// Whether the agent has nothing left to do: no key, and either it had
    /// some or nobody gave it one in the grace after it started.
    fn done(&self, now: Instant) -> bool {
        self.len() == 0 && (self.ever_held || now >= self.started + STARTUP_GRACE)
    }

    /// When the reaper must next look: the nearest deadline, or the end of
    /// the grace while no key has come yet.
    fn next_wake(&self, now: Instant) -> Instant {
        let grace = (!self.ever_held).then_some(self.started + STARTUP_GRACE);
        self.meta
            .iter()
            .flatten()
            .map(|m| m.deadline)
            .chain(grace)
            .min()
            .unwrap_or(now + Timeout::MAX)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        self.secrets.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::protocol::ID_LEN;

    fn id(n: u8) -> KeyId {
        KeyId([n; ID_LEN])
    }

    fn keys(n: u8) -> KeyBytes {
        KeyBytes {
            encryption: [n; KEY_LEN],
            check: [n ^ 0xff; KEY_CHECK_LEN],
        }
    }

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_key_is_kept_while_used_and_forgotten_when_idle() {
        let t0 = Instant::now();
        let mut ring = Keyring::new(t0);
        ring.store(id(1), &keys(1), 10 * S, t0);
        let got = ring.get(&id(1), t0 + 9 * S).unwrap();
        assert_eq!((got.encryption, got.check), ([1; 32], [0xfe; 32]));
        // The use at 9 s restarted the clock: still there at 18 s.
        assert!(ring.get(&id(1), t0 + 18 * S).is_some());
        assert!(ring.get(&id(2), t0 + 18 * S).is_none());
        // Idle from 18 s to 28 s: gone, and its slot zeroed.
        assert!(ring.get(&id(1), t0 + 28 * S).is_none());
        assert_eq!(ring.len(), 0);
        assert!(ring.secrets.iter().all(|&b| b == 0));
        assert!(ring.done(t0 + 28 * S));
    }

    #[test]
    fn the_reaper_expires_each_key_on_its_own_timeout() {
        let t0 = Instant::now();
        let mut ring = Keyring::new(t0);
        ring.store(id(1), &keys(1), 2 * S, t0);
        ring.store(id(2), &keys(2), 60 * S, t0);
        assert_eq!(ring.next_wake(t0), t0 + 2 * S);
        ring.expire(t0 + 3 * S);
        assert!(ring.find(&id(1)).is_none());
        assert!(ring.find(&id(2)).is_some());
        assert!(!ring.done(t0 + 3 * S));
        assert_eq!(ring.next_wake(t0 + 3 * S), t0 + 60 * S);
    }

    #[test]
    fn storing_again_replaces_and_a_full_ring_evicts_the_nearest_deadline() {
        let t0 = Instant::now();
        let mut ring = Keyring::new(t0);
        ring.store(id(1), &keys(1), S, t0);
        ring.store(id(1), &keys(3), 5 * S, t0);
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.get(&id(1), t0 + 2 * S).unwrap().encryption, [3; 32]);
        for n in 2..=MAX_KEYS as u8 {
            ring.store(id(n), &keys(n), 100 * S, t0);
        }
        assert_eq!(ring.len(), MAX_KEYS);
        ring.store(id(200), &keys(200), 100 * S, t0);
        assert_eq!(ring.len(), MAX_KEYS);
        assert!(ring.find(&id(1)).is_none(), "the nearest deadline stayed");
        assert!(ring.find(&id(200)).is_some());
    }

    #[test]
    fn forgetting_zeroes_and_an_unused_agent_ends_after_its_grace() {
        let t0 = Instant::now();
        let mut ring = Keyring::new(t0);
        assert!(!ring.done(t0));
        assert_eq!(ring.next_wake(t0), t0 + STARTUP_GRACE);
        assert!(ring.done(t0 + STARTUP_GRACE));
        ring.store(id(1), &keys(1), 100 * S, t0);
        ring.store(id(2), &keys(2), 100 * S, t0);
        assert_eq!(ring.forget(&id(1)), 1);
        assert_eq!(ring.forget(&id(1)), 0);
        assert!(!ring.done(t0));
        assert_eq!(ring.forget_all(), 1);
        assert!(ring.done(t0));
        assert!(ring.secrets.iter().all(|&b| b == 0));
    }
}
