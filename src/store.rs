//! The vault file and the files beside it. Other modules touch files of
//! their own: `prompt` reads passphrase and input files and the terminal,
//! `seen` keeps what this machine saw of each vault, the agent its socket
//! directory.
//!
//! Where the vault lives, reading it with a size bound, replacing it
//! atomically (temp file in the same directory, fsync, rename, fsync of the
//! directory), creating files 0600 and directories 0700 whatever the umask,
//! and the sidecar lock that serialises read-modify-write. The lock is on
//! `<vault>.lock`, never on the vault itself: the vault's inode changes with
//! every rename, and a lock on it would die with it.
//!
//! A failure anywhere leaves the vault as it was and no temp file behind.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use crate::envelope;
use crate::error::{Error, Result};

pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;
/// How long a writer waits for another to finish before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// `--vault`, else `CODEVAULT_PATH`, else the platform's data directory.
/// A symbolic link is followed to its target here, once: the temp file,
/// the rename and the lock must all happen beside the real file, or a save
/// would replace the link and leave the target stale.
pub fn resolve_path(flag: Option<PathBuf>, env: Option<OsString>) -> Result<PathBuf> {
    let path = if let Some(p) = flag {
        p
    } else if let Some(p) = env.filter(|p| !p.is_empty()) {
        PathBuf::from(p)
    } else {
        directories::BaseDirs::new()
            .map(|d| d.data_dir().join("codevault").join("vault.cvlt"))
            .ok_or(Error::NoDataDir)?
    };
    Ok(follow_symlink(path))
}

fn follow_symlink(path: PathBuf) -> PathBuf {
    match path.symlink_metadata() {
        // A dangling link stays as it is: `init` then refuses the path.
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(&path).unwrap_or(path),
        _ => path,
    }
}

/// The whole vault file. A missing file is `VaultMissing`; anything that
/// cannot be a vault (a directory, an enormous file) is damage.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    // Non-blocking, so a FIFO at the path cannot hang the open; the type
    // is then checked on the open file itself, so it cannot be swapped.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::VaultMissing {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(Error::io("open", path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io("read", path, e))?;
    if !meta.is_file() {
        // A directory, a device (/dev/zero), a FIFO: not a vault.
        return Err(Error::NotAVault {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > envelope::MAX_FILE {
        return Err(Error::Damaged {
            path: path.to_path_buf(),
            detail: format!("it is {} bytes, larger than any vault", meta.len()),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(envelope::MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    Ok(bytes)
}

/// An exclusive lock on the vault's sidecar lock file, released on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    /// Whether the locked file is still the lock file at its path: false
    /// if someone removed or replaced it while it was held, when another
    /// writer may have got in. Checked just before a change is written.
    pub fn still_held(&self) -> bool {
        still_at(&self.file, &self.path)
    }
}

/// `<vault>.lock`, beside the vault.
pub fn lock_path(vault: &Path) -> PathBuf {
    let name = vault.file_name().unwrap_or_default().to_string_lossy();
    vault.with_file_name(format!("{name}.lock"))
}

fn temp_prefix(vault: &Path) -> String {
    let name = vault.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}.tmp-")
}

/// Takes the writer's lock, waiting up to `wait` for another writer.
///
/// The lock file is opened without following a symbolic link and must be
/// a regular file of our own: in a shared directory, a link planted at
/// `<vault>.lock` must not make codevault create or chmod a file elsewhere.
/// Once locked, the file must still be the one at the path (same device
/// and inode): a lock file removed or replaced while another writer held
/// it would otherwise let two writers in at once. Then it is tried again.
pub fn lock(vault: &Path, wait: Duration) -> Result<Lock> {
    let path = lock_path(vault);
    let start = Instant::now();
    loop {
        let file = open_lock_file(&path)?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    thread::sleep(Duration::from_millis(25));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(Error::LockTimeout {
                        seconds: wait.as_secs(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
            }
        }
        if still_at(&file, &path) {
            return Ok(Lock { file, path });
        }
        if start.elapsed() >= wait {
            return Err(Error::LockTimeout {
                seconds: wait.as_secs(),
            });
        }
    }
}

/// Opens or creates the lock file: never through a link, and only a
/// regular file that the user owns.
fn open_lock_file(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::UnsafeFile {
                path: path.to_path_buf(),
                why: "it is a symbolic link",
            },
            _ => Error::io("open the lock file", path, e),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| Error::io("open the lock file", path, e))?;
    let why = if !meta.is_file() {
        Some("it is not a regular file")
    } else if meta.uid() != crate::sys::euid() {
        Some("another user owns it")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(Error::UnsafeFile {
            path: path.to_path_buf(),
            why,
        });
    }
    if meta.mode() & 0o777 != FILE_MODE {
        file.set_permissions(Permissions::from_mode(FILE_MODE))
            .map_err(|e| Error::io("set permissions on", path, e))?;
    }
    Ok(file)
}

/// Whether the open file is still the one at the path.
fn still_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), path.symlink_metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Opens (or creates) a file readable and writable by its owner only. The
/// mode is set again after opening, because the umask can take bits away
/// from the mode given at creation.
fn create_private(path: &Path, create_new: bool) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).mode(FILE_MODE);
    if create_new {
        opts.create_new(true);
    } else {
        opts.create(true).truncate(false);
    }
    let file = opts.open(path)?;
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// Creates the vault's directory and any missing parents, each 0700.
pub fn ensure_parent_dir(vault: &Path) -> Result<()> {
    let Some(dir) = vault.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || d.exists() {
            break;
        }
        missing.push(d);
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        match fs::DirBuilder::new().mode(DIR_MODE).create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io("create the directory", d, e)),
        }
        fs::set_permissions(d, Permissions::from_mode(DIR_MODE))
            .map_err(|e| Error::io("set permissions on", d, e))?;
    }
    Ok(())
}

/// Replaces the vault with `bytes` so that, whatever happens, the path holds
/// either the old file or the new one, whole. The caller holds the lock.
///
/// Once the rename is done the change is made: a failure to sync the
/// directory afterwards is not a failure of the save (the vault did
/// change, and `next` must still print its code) but a weaker guarantee,
/// returned for the caller to warn about.
pub fn replace(vault: &Path, bytes: &[u8]) -> Result<Saved> {
    remove_stale_temps(vault);
    let temp = temp_path(vault);
    let result = write_durably(&temp, bytes)
        .and_then(|()| fs::rename(&temp, vault).map_err(|e| Error::io("replace", vault, e)));
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(synced(vault))
}

/// Syncs the directory after the new file is in place: a failure there is
/// a weaker guarantee, not a failed save. File systems that cannot sync a
/// directory at all (EINVAL, ENOTSUP) are not worth a warning.
fn synced(vault: &Path) -> Saved {
    match sync_dir(vault) {
        Ok(()) => Saved::Durable,
        Err(Error::Io { source, .. })
            if matches!(source.raw_os_error(), Some(libc::EINVAL | libc::ENOTSUP)) =>
        {
            Saved::Durable
        }
        Err(e) => Saved::NotSynced(e),
    }
}

fn temp_path(vault: &Path) -> PathBuf {
    vault.with_file_name(format!("{}{}", temp_prefix(vault), unique_suffix()))
}

/// The directory the vault is in (`.` for a bare file name).
fn dir_of(vault: &Path) -> &Path {
    match vault.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// How a save ended: in place and durable, or in place but with the
/// directory not synced (it may not survive a power cut).
#[derive(Debug)]
#[must_use]
pub enum Saved {
    Durable,
    NotSynced(Error),
}

impl Saved {
    /// The warning for people, if there is one.
    pub fn warning(&self) -> Option<String> {
        match self {
            Saved::Durable => None,
            Saved::NotSynced(e) => Some(format!(
                "warning: the change is saved, but {e}; it may not survive a power cut"
            )),
        }
    }
}

/// Writes a new vault where none may exist yet (`init`), atomically. The
/// caller holds the lock and has checked that the path is free.
pub fn create(vault: &Path, bytes: &[u8]) -> Result<Saved> {
    let exists = || Error::VaultExists {
        path: vault.to_path_buf(),
    };
    if occupied(vault) {
        return Err(exists());
    }
    remove_stale_temps(vault);
    let temp = temp_path(vault);
    // A hard link, unlike a rename, never replaces what is there: a file
    // that appeared meanwhile (made by anything that ignores our lock)
    // makes `init` fail instead of being overwritten.
    let result = write_durably(&temp, bytes).and_then(|()| match fs::hard_link(&temp, vault) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        // A file system without hard links: rename, having checked again.
        Err(_) if !occupied(vault) => {
            fs::rename(&temp, vault).map_err(|e| Error::io("create", vault, e))
        }
        Err(e) => Err(Error::io("create", vault, e)),
    });
    let _ = fs::remove_file(&temp);
    result?;
    Ok(synced(vault))
}

/// A path's last component, for messages.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Whether two paths are the same file (device and inode).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether anything, even a dangling link, is at the path.
pub fn occupied(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn unique_suffix() -> String {
    let mut r = [0u8; 6];
    // Uniqueness, not secrecy: the lock already excludes other writers, and
    // create_new refuses a collision. The pid is enough if getrandom fails.
    let _ = getrandom_fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", std::process::id())
}

fn getrandom_fill(buf: &mut [u8]) -> std::result::Result<(), ()> {
    use rand::TryRng;
    rand::rngs::SysRng.try_fill_bytes(buf).map_err(|_| ())
}

fn write_durably(temp: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = create_private(temp, true).map_err(|e| Error::io("create", temp, e))?;
    file.write_all(bytes)
        .map_err(|e| Error::io("write", temp, e))?;
    file.sync_all().map_err(|e| Error::io("sync", temp, e))
}

/// Makes the rename itself durable.
fn sync_dir(vault: &Path) -> Result<()> {
    let dir = dir_of(vault);
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("sync the directory", dir, e))
}

/// A writer killed between creating its temp file and renaming it leaves
/// the temp file behind. The next writer, holding the lock, knows no other
/// writer is running and removes such leftovers: only regular files of
/// this user (never what a link points to, never another user's file in a
/// shared directory).
fn remove_stale_temps(vault: &Path) {
    for temp in stray_temp_files(vault) {
        if fs::symlink_metadata(&temp).is_ok_and(|m| m.is_file() && m.uid() == crate::sys::euid()) {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Warnings, as ssh gives for its keys, when the vault or its directory
/// can be written by the group or others: whoever can write there can
/// replace the vault with an older copy or plant files beside it. Not a
/// refusal: the vault is still encrypted and authenticated.
pub fn permission_warnings(vault: &Path) -> Vec<String> {
    let mut warnings = Vec::new();
    let dir = dir_of(vault);
    for (what, path) in [("the vault", vault), ("the vault's directory", dir)] {
        let Ok(meta) = fs::metadata(path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 {
            let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                (true, true) => "its group and others",
                (true, false) => "its group",
                _ => "others",
            };
            warnings.push(format!(
                "warning: {what} {} can be written by {who} (mode {mode:o}); `chmod go-w {}` fixes it",
                path.display(),
                crate::display::shell_word(&path.to_string_lossy())
            ));
        }
    }
    warnings
}

/// The temp files a killed writer may have left.
pub fn stray_temp_files(vault: &Path) -> Vec<PathBuf> {
    let dir = dir_of(vault);
    let prefix = temp_prefix(vault);
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// The conflict copies a sync tool left beside the vault, sorted by
/// name: Syncthing's `vault.sync-conflict-20261129-101530-ABCDEFG.cvlt`,
/// Nextcloud's `vault (conflicted copy 2026-11-29 101530).cvlt` (with a
/// user name before the date or not), Dropbox's
/// `vault (Alice's conflicted copy 2026-11-29).cvlt` (with a ` (1)` after
/// it or not). Only regular files, never through a link.
pub fn conflict_copies(vault: &Path) -> Vec<PathBuf> {
    let Some(name) = vault.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir(dir_of(vault)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| is_conflict_copy(name, n))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Whether `candidate` is a sync tool's conflict copy of the file `vault`.
pub fn is_conflict_copy(vault: &str, candidate: &str) -> bool {
    let (stem, ext) = match vault.rfind('.') {
        Some(i) if i > 0 => vault.split_at(i),
        _ => (vault, ""),
    };
    let Some(middle) = candidate
        .strip_prefix(stem)
        .and_then(|rest| rest.strip_suffix(ext))
    else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let date = |s: &str| {
        let b = s.as_bytes();
        s.len() == 10
            && s.is_ascii()
            && b[4] == b'-'
            && b[7] == b'-'
            && digits(&s[..4], 4)
            && digits(&s[5..7], 2)
            && digits(&s[8..], 2)
    };
    // Syncthing: .sync-conflict-YYYYMMDD-HHMMSS-DEVICE
    if let Some(rest) = middle.strip_prefix(".sync-conflict-") {
        let parts: Vec<&str> = rest.splitn(3, '-').collect();
        return matches!(parts[..], [d, t, dev]
            if digits(d, 8) && digits(t, 6) && !dev.is_empty()
                && dev.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    // Nextcloud and Dropbox: " (...)", Dropbox's perhaps followed by " (N)".
    let Some(inner) = middle.strip_prefix(" (") else {
        return false;
    };
    let inner = match inner.rfind(") (") {
        Some(i)
            if inner.ends_with(')')
                && digits(&inner[i + 3..inner.len() - 1], inner.len() - i - 4) =>
        {
            &inner[..=i]
        }
        _ => inner,
    };
    let Some(inner) = inner.strip_suffix(')') else {
        return false;
    };
    // Nextcloud: "conflicted copy [USER ]YYYY-MM-DD HHMMSS"
    if let Some(rest) = inner.strip_prefix("conflicted copy ") {
        // By bytes: a name is anyone's to choose, and need not be ASCII.
        let Some(tail) = rest.len().checked_sub(17).and_then(|at| rest.get(at..)) else {
            return false;
        };
        return tail.is_ascii()
            && date(&tail[..10])
            && tail.as_bytes()[10] == b' '
            && digits(&tail[11..], 6)
            && (rest.len() == 17 || rest.as_bytes()[rest.len() - 18] == b' ');
    }
    // Dropbox: "NAME's conflicted copy YYYY-MM-DD"
    ["'s conflicted copy ", "\u{2019}s conflicted copy "]
        .iter()
        .any(|marker| match inner.rfind(marker) {
            Some(i) => i > 0 && date(&inner[i + marker.len()..]),
            None => false,
        })
}

/// Moves a merged conflict copy out of the way, to `NAME.merged` (or
/// `NAME.merged.2`, ...), never replacing a file; returns where it went.
pub fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    for n in 1..1000 {
        let suffix = if n == 1 {
            ".merged".to_string()
        } else {
            format!(".merged.{n}")
        };
        let target = path.with_file_name(format!("{name}{suffix}"));
        if occupied(&target) {
            continue;
        }
        // A hard link never replaces what is there; then the old name goes.
        return match fs::hard_link(path, &target) {
            Ok(()) => fs::remove_file(path)
                .map(|()| target)
                .map_err(|e| Error::io("move aside", path, e)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(_) => fs::rename(path, &target)
                .map(|()| target)
                .map_err(|e| Error::io("move aside", path, e)),
        };
    }
    Err(Error::io(
        "move aside",
        path,
        io::Error::from(io::ErrorKind::AlreadyExists),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_precedence_is_flag_then_env_then_data_dir() {
        let flag = Some(PathBuf::from("/a"));
        let env = Some(OsString::from("/b"));
        assert_eq!(
            resolve_path(flag, env.clone()).unwrap(),
            PathBuf::from("/a")
        );
        assert_eq!(resolve_path(None, env).unwrap(), PathBuf::from("/b"));
        if let Ok(p) = resolve_path(None, None) {
            assert!(p.ends_with("codevault/vault.cvlt"));
        }
    }

    #[test]
    fn a_symlinked_vault_resolves_to_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.cvlt");
        fs::write(&real, b"x").unwrap();
        let link = dir.path().join("link.cvlt");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let resolved = resolve_path(Some(link.clone()), None).unwrap();
        assert_eq!(resolved, fs::canonicalize(&real).unwrap());
        let dangling = dir.path().join("dangling.cvlt");
        std::os::unix::fs::symlink(dir.path().join("none"), &dangling).unwrap();
        assert_eq!(
            resolve_path(Some(dangling.clone()), None).unwrap(),
            dangling
        );
    }

    #[test]
    fn replace_is_whole_private_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let _ = create(&vault, b"one").unwrap();
        let saved = replace(&vault, b"two").unwrap();
        assert!(saved.warning().is_none());
        assert_eq!(fs::read(&vault).unwrap(), b"two");
        let mode = fs::metadata(&vault).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        assert!(stray_temp_files(&vault).is_empty());
        assert!(matches!(
            create(&vault, b"x"),
            Err(Error::VaultExists { .. })
        ));
    }

    #[test]
    fn a_failed_replace_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let _ = create(&vault, b"old").unwrap();
        // A directory in the vault's place cannot be renamed over.
        let blocked = dir.path().join("d.cvlt");
        fs::create_dir(&blocked).unwrap();
        fs::write(blocked.join("x"), b"").unwrap();
        assert!(replace(&blocked, b"new").is_err());
        assert!(stray_temp_files(&blocked).is_empty());
        assert_eq!(fs::read(&vault).unwrap(), b"old");
    }

    #[test]
    fn stale_temps_are_cleared_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let _ = create(&vault, b"one").unwrap();
        let stale = dir.path().join(".v.cvlt.tmp-123-abc");
        fs::write(&stale, b"half").unwrap();
        let _ = replace(&vault, b"two").unwrap();
        assert!(!stale.exists());
    }

    #[test]
    fn sync_tools_conflict_copies_are_recognised_by_name() {
        let yes = [
            "vault.sync-conflict-20261129-101530-ABCDEF7.cvlt",
            "vault (conflicted copy 2026-11-29 101530).cvlt",
            "vault (conflicted copy alice 2026-11-29 101530).cvlt",
            "vault (Alice's conflicted copy 2026-11-29).cvlt",
            "vault (Alice\u{2019}s conflicted copy 2026-11-29).cvlt",
            "vault (Bob Smith's conflicted copy 2026-11-29) (1).cvlt",
        ];
        for name in yes {
            assert!(is_conflict_copy("vault.cvlt", name), "{name}");
        }
        let no = [
            "vault.cvlt",
            "vault.cvlt.lock",
            "other.sync-conflict-20261129-101530-ABCDEF7.cvlt",
            "vault.sync-conflict-2026112-101530-ABCDEF7.cvlt",
            "vault.sync-conflict-20261129-101530-.cvlt",
            "vault.sync-conflict-20261129-101530-ABCDEF7.cvlt.merged",
            "vault (conflicted copy 2026-11-29).cvlt",
            "vault (conflicted copy alice2026-11-29 101530).cvlt",
            "vault ('s conflicted copy 2026-11-29).cvlt",
            "vault (Alice's conflicted copy 2026-11).cvlt",
            "vault (copy).cvlt",
            "vault.sync-conflict-20261129-101530-ABCDEF7.txt",
            // Names anyone can plant in a shared folder: never a panic.
            "vault (conflicted copy \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}).cvlt",
            "vault (conflicted copy 2026-11-2\u{e9} 101530).cvlt",
            "vault (\u{e9}'s conflicted copy 2026-11-\u{e9}).cvlt",
            "vault (conflicted copy \u{1f600}\u{1f600}\u{1f600}\u{1f600}\u{1f600}).cvlt",
        ];
        for name in no {
            assert!(!is_conflict_copy("vault.cvlt", name), "{name}");
        }
        assert!(is_conflict_copy(
            "vault",
            "vault.sync-conflict-20261129-101530-ABCDEF7"
        ));
    }

    #[test]
    fn a_symlinked_or_foreign_lock_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let target = dir.path().join("notes.txt");
        fs::write(&target, b"mine").unwrap();
        fs::set_permissions(&target, Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&target, lock_path(&vault)).unwrap();
        match lock(&vault, Duration::from_millis(50)) {
            Err(Error::UnsafeFile { why, .. }) => assert_eq!(why, "it is a symbolic link"),
            r => panic!("{r:?}"),
        }
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "the link's target was chmod'ed");
        assert_eq!(fs::read(&target).unwrap(), b"mine");
        fs::remove_file(lock_path(&vault)).unwrap();
        fs::create_dir(lock_path(&vault)).unwrap();
        assert!(matches!(
            lock(&vault, Duration::from_millis(50)),
            Err(Error::UnsafeFile { .. } | Error::Io { .. })
        ));
    }

    #[test]
    fn a_lock_file_removed_while_held_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let first = lock(&vault, LOCK_WAIT).unwrap();
        assert!(first.still_held());
        // Someone deletes the lock file while it is held: a second writer
        // makes a new one and gets in. The first must see it no longer
        // holds the vault's lock before it writes.
        fs::remove_file(lock_path(&vault)).unwrap();
        let second = lock(&vault, Duration::from_millis(100)).unwrap();
        assert!(!first.still_held());
        assert!(second.still_held());
        // A waiter that opened the old file before it was replaced does
        // not take the lock on it.
        drop(second);
        let stale = open_lock_file(&lock_path(&vault)).unwrap();
        fs::remove_file(lock_path(&vault)).unwrap();
        let _new = open_lock_file(&lock_path(&vault)).unwrap();
        assert!(!still_at(&stale, &lock_path(&vault)));
    }

    #[test]
    fn move_aside_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir
            .path()
            .join("v (conflicted copy 2026-11-29 101530).cvlt");
        fs::write(&copy, b"one").unwrap();
        fs::write(
            dir.path()
                .join("v (conflicted copy 2026-11-29 101530).cvlt.merged"),
            b"old",
        )
        .unwrap();
        let to = move_aside(&copy).unwrap();
        assert!(to.to_string_lossy().ends_with(".merged.2"));
        assert_eq!(fs::read(&to).unwrap(), b"one");
        assert!(!copy.exists());
    }

    #[test]
    fn a_second_writer_waits_then_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        let held = lock(&vault, LOCK_WAIT).unwrap();
        let err = lock(&vault, Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, Error::LockTimeout { .. }));
        drop(held);
        lock(&vault, Duration::from_millis(100)).unwrap();
    }

    #[test]
    fn created_directories_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("a/b/v.cvlt");
        ensure_parent_dir(&vault).unwrap();
        for d in ["a", "a/b"] {
            let mode = fs::metadata(dir.path().join(d))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, DIR_MODE, "{d}");
        }
    }

    #[test]
    fn reading_refuses_fifos_and_devices_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        assert!(matches!(read(&fifo), Err(Error::NotAVault { .. })));
        assert!(matches!(
            read(Path::new("/dev/zero")),
            Err(Error::NotAVault { .. })
        ));
    }

    #[test]
    fn create_never_replaces_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("v.cvlt");
        fs::write(&vault, b"theirs").unwrap();
        assert!(matches!(
            create(&vault, b"ours"),
            Err(Error::VaultExists { .. })
        ));
        assert_eq!(fs::read(&vault).unwrap(), b"theirs");
        assert!(stray_temp_files(&vault).is_empty());
    }

    #[test]
    fn reading_refuses_directories_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()), Err(Error::NotAVault { .. })));
        assert!(matches!(
            read(&dir.path().join("none")),
            Err(Error::VaultMissing { .. })
        ));
    }
}
