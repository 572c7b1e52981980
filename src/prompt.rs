//! Where secrets and answers come from: a file, standard input, the
//! environment, or the terminal.
//!
//! The passphrase is never an argument. First found wins: the file given by
//! `--passphrase-file` (`-` for standard input), then the environment, then
//! a prompt without echo on the controlling terminal (`/dev/tty`, so that
//! standard input stays free for data). With none of them, it fails at once
//! rather than wait on a terminal that is not there.
//!
//! Secrets are read a byte at a time into a buffer of their own, zeroed on
//! drop and never grown (so never copied): no reader's buffer, not even
//! standard input's, keeps a copy. A prompt puts the terminal back as it
//! found it, also when interrupted (see [`crate::sys::TerminalGuard`]).

use std::env;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, PassphraseOption, Result};
use crate::secret::Passphrase;
use crate::sys::TerminalGuard;

pub const PASSPHRASE_ENV: &str = "CODEVAULT_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "CODEVAULT_NEW_PASSPHRASE";
/// How many times a passphrase may be typed at the terminal before a
/// wrong one ends the command.
pub const TRIES: u32 = 3;
/// A passphrase file or line longer than this is not a passphrase.
const MAX_LINE: u64 = 64 * 1024;

/// The vault's passphrase, from the first source that has one.
pub fn passphrase(file: Option<&Path>, vault: &Path) -> Result<Passphrase> {
    let p = if let Some(path) = file {
        first_line_of(path, PassphraseOption::Vault)?
    } else if let Some(p) = from_env(PASSPHRASE_ENV) {
        p
    } else {
        let mut tty = Terminal::open().ok_or(Error::NoPassphraseSource)?;
        tty.secret(&format!("Passphrase for {}: ", crate::display::path(vault)))?
    };
    non_empty(p, "the passphrase")
}

/// The passphrase of another copy (`merge`), when the vault's own does not
/// open it: from `--other-passphrase-file`, else asked on the terminal.
pub fn other_passphrase(file: Option<&Path>, copy: &Path) -> Result<Passphrase> {
    let p = if let Some(path) = file {
        first_line_of(path, PassphraseOption::Other)?
    } else {
        let mut tty = Terminal::open().ok_or_else(|| Error::NoOtherPassphraseSource {
            path: copy.to_path_buf(),
        })?;
        tty.secret(&format!("Passphrase for {}: ", copy.display()))?
    };
    non_empty(p, "the other copy's passphrase")
}

/// A new passphrase for `init` and `passwd`: from `--new-passphrase-file`,
/// `CODEVAULT_NEW_PASSPHRASE`, or asked twice on the terminal.
pub fn new_passphrase(file: Option<&Path>) -> Result<Passphrase> {
    let p = if let Some(path) = file {
        first_line_of(path, PassphraseOption::New)?
    } else if let Some(p) = from_env(NEW_PASSPHRASE_ENV) {
        p
    } else {
        let mut tty = Terminal::open().ok_or(Error::NoNewPassphraseSource)?;
        // A slip of the finger in the repeat gets a second chance, from
        // the start: which of the two was mistyped is not known.
        let mut chances = 2;
        loop {
            let first = non_empty(tty.secret("New passphrase: ")?, "the new passphrase")?;
            let again = tty.secret("Repeat the new passphrase: ")?;
            if first == again {
                break first;
            }
            chances -= 1;
            if chances == 0 {
                return Err(Error::PassphraseMismatch);
            }
            tty.tell("The two did not match; once more.")?;
        }
    };
    typeable(non_empty(p, "the new passphrase")?)
}

/// Whether a new passphrase was given outside the terminal (a file or the
/// environment): both are the same kind of source, everywhere.
pub fn new_passphrase_given(file: Option<&Path>) -> bool {
    file.is_some() || env::var_os(NEW_PASSPHRASE_ENV).is_some()
}

/// A new passphrase must be one a person can type at the prompt later:
/// UTF-8 text without control characters (a TAB or a stray byte from a
/// file would make the vault openable only from that file).
fn typeable(p: Passphrase) -> Result<Passphrase> {
    let reason = match std::str::from_utf8(p.expose()) {
        Err(_) => "it is not UTF-8 text",
        Ok(text) if text.chars().any(char::is_control) => "it contains a control character",
        Ok(_) => return Ok(p),
    };
    Err(Error::InvalidNewPassphrase { reason })
}

/// Whether the passphrase was given explicitly (a file, the environment):
/// then it is used before the agent.
pub fn passphrase_given(file: Option<&Path>) -> bool {
    file.is_some() || env::var_os(PASSPHRASE_ENV).is_some()
}

fn non_empty(p: Passphrase, what: &'static str) -> Result<Passphrase> {
    if p.is_empty() {
        Err(Error::EmptyPassphrase { what })
    } else {
        Ok(p)
    }
}

fn from_env(var: &str) -> Option<Passphrase> {
    use std::os::unix::ffi::OsStrExt;
    env::var_os(var).map(|v| Passphrase::new(v.as_bytes()))
}

/// The first line of a file, or of standard input for `-`, without its line
/// ending.
fn first_line_of(path: &Path, option: PassphraseOption) -> Result<Passphrase> {
    let too_long = || Error::TooLong {
        what: "passphrase",
        kib: MAX_LINE / 1024,
    };
    let line = if path == Path::new("-") {
        read_first_line(stdin_unbuffered()?).map_err(|source| match source.kind() {
            io::ErrorKind::InvalidInput => too_long(),
            _ => Error::Stream {
                action: "read the passphrase from standard input",
                source,
            },
        })?
    } else {
        // Read into a buffer of our own (zeroed on drop) rather than
        // through a BufReader, whose buffer would keep the passphrase.
        // Said without the path: it may be the passphrase, typed in the
        // wrong place.
        let unreadable = |source: io::Error| match source.kind() {
            io::ErrorKind::NotFound => Error::NoPassphraseFile { option },
            _ => Error::UnreadablePassphraseFile { option, source },
        };
        let file = File::open(path).map_err(unreadable)?;
        let mut whole = Zeroizing::new(Vec::with_capacity(MAX_LINE as usize + 1));
        file.take(MAX_LINE + 1)
            .read_to_end(&mut whole)
            .map_err(unreadable)?;
        read_first_line(&whole[..]).map_err(|_| too_long())?
    };
    Ok(Passphrase::new(line.as_slice()))
}

/// Standard input without its buffer: a descriptor of its own (a `dup` of
/// 0, sharing the read position), so what is read from it lands only in
/// the caller's buffer.
fn stdin_unbuffered() -> Result<File> {
    let stream = |source| Error::Stream {
        action: "read standard input",
        source,
    };
    Ok(File::from(
        io::stdin().as_fd().try_clone_to_owned().map_err(stream)?,
    ))
}

/// One line, without `\n` or `\r\n`, read a byte at a time and no further
/// than its end, into a zeroed buffer allocated once. A line longer than
/// 64 KiB is an error (`InvalidInput`), never cut short: a truncated
/// passphrase would open the vault with less than was typed.
pub fn read_first_line(mut reader: impl Read) -> io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_LINE as usize + 1));
    let mut byte = Zeroizing::new([0u8; 1]);
    while buf.len() as u64 <= MAX_LINE {
        match reader.read(&mut byte[..]) {
            Ok(0) => break,
            Ok(_) => {
                buf.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if buf.len() as u64 > MAX_LINE {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "line too long"));
    }
    Ok(buf)
}

/// Whether standard input is a terminal (a person typing or pasting).
pub fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stdin().is_terminal()
}

/// A line that must be text, such as a typed code: anything else is an
/// input error, not an I/O failure.
fn text_line(bytes: Zeroizing<Vec<u8>>) -> Result<Zeroizing<String>> {
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(Error::MalformedCode {
            reason: "it is not text".into(),
        }),
    }
}

/// The most text `import` reads: far more than any platform's code file.
const MAX_TEXT: u64 = 1024 * 1024;

/// All of a file, or of standard input without one, for `import`.
pub fn read_text(file: Option<&Path>) -> Result<Zeroizing<String>> {
    // Allocated once at the most it may hold: a growing buffer would leave
    // copies of the codes behind in the memory it gave back.
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_TEXT as usize + 1));
    let too_long = || Error::TooLong {
        what: "text to import",
        kib: MAX_TEXT / 1024,
    };
    match file {
        Some(path) => {
            let f = File::open(path).map_err(|e| Error::input_file(path, e))?;
            f.take(MAX_TEXT + 1)
                .read_to_end(&mut buf)
                .map_err(|e| Error::io("read", path, e))?;
        }
        None => {
            stdin_unbuffered()?
                .take(MAX_TEXT + 1)
                .read_to_end(&mut buf)
                .map_err(|source| Error::Stream {
                    action: "read the codes from standard input",
                    source,
                })?;
        }
    }
    if buf.len() as u64 > MAX_TEXT {
        return Err(too_long());
    }
    match std::str::from_utf8(&buf) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(Error::ImportNotText),
    }
}

/// A code typed for `use` without an argument: one line of standard input,
/// or asked on the terminal when standard input is one.
pub fn code_from_stdin_or_prompt() -> Result<Zeroizing<String>> {
    if stdin_is_terminal()
        && let Some(mut tty) = Terminal::open()
    {
        return tty.line("Code: ");
    }
    let line = read_first_line(stdin_unbuffered()?).map_err(|source| match source.kind() {
        io::ErrorKind::InvalidInput => Error::MalformedCode {
            reason: "it is far too long".into(),
        },
        _ => Error::Stream {
            action: "read the code from standard input",
            source,
        },
    })?;
    text_line(line)
}

/// A yes/no question on the terminal; `None` when there is no terminal.
pub fn confirm(question: &str) -> Result<Option<bool>> {
    let Some(mut tty) = Terminal::open() else {
        return Ok(None);
    };
    let answer = tty.line(&format!("{question} [y/N] "))?;
    Ok(Some(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes"
    )))
}

/// The controlling terminal, if the process has one.
struct Terminal {
    file: File,
}

impl Terminal {
    fn open() -> Option<Terminal> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()
            .map(|file| Terminal { file })
    }

    /// A line typed without echo.
    fn secret(&mut self, prompt: &str) -> Result<Passphrase> {
        let typed = self.ask(prompt, false).map_err(|source| Error::Stream {
            action: "read the passphrase from the terminal",
            source,
        })?;
        Ok(Passphrase::new(typed.as_slice()))
    }

    /// A line of the dialogue, shown on the terminal.
    fn tell(&mut self, line: &str) -> Result<()> {
        writeln!(self.file, "{line}").map_err(|source| Error::Stream {
            action: "write to the terminal",
            source,
        })
    }

    fn line(&mut self, prompt: &str) -> Result<Zeroizing<String>> {
        let typed = self.ask(prompt, true).map_err(|source| Error::Stream {
            action: "read from the terminal",
            source,
        })?;
        text_line(typed)
    }

    /// The prompt, then one line; the terminal's settings are restored
    /// afterwards, and on Ctrl-C before the process exits with 130.
    fn ask(&mut self, prompt: &str, echo: bool) -> io::Result<Zeroizing<Vec<u8>>> {
        let _restore = TerminalGuard::new(self.file.as_fd(), echo)?;
        // A prompt may name an account or a path: escaped like any output.
        self.file
            .write_all(crate::display::escape(prompt).as_bytes())?;
        self.file.flush()?;
        read_first_line(&mut self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_strips_only_the_line_ending() {
        let read =
            |s: &str| String::from_utf8(read_first_line(s.as_bytes()).unwrap().to_vec()).unwrap();
        assert_eq!(read("pass word \nsecond"), "pass word ");
        assert_eq!(read("crlf\r\nx"), "crlf");
        assert_eq!(read("no newline"), "no newline");
        assert_eq!(read(""), "");
    }

    #[test]
    fn a_line_too_long_is_an_error_not_cut_short() {
        let exact = vec![b'a'; MAX_LINE as usize];
        assert_eq!(read_first_line(&exact[..]).unwrap().len(), exact.len());
        let longer = vec![b'a'; MAX_LINE as usize + 1];
        assert_eq!(
            read_first_line(&longer[..]).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn first_line_reads_no_further_than_its_end() {
        let mut input = io::Cursor::new(b"one\ntwo\n".to_vec());
        assert_eq!(read_first_line(&mut input).unwrap().as_slice(), b"one");
        assert_eq!(read_first_line(&mut input).unwrap().as_slice(), b"two");
    }

    /// No reader's buffer may hold what follows the line, nor the line:
    /// every read asks for one byte.
    #[test]
    fn a_line_is_read_a_byte_at_a_time() {
        struct OneByOne<'a>(&'a [u8]);
        impl Read for OneByOne<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                assert_eq!(buf.len(), 1, "a read of {} bytes", buf.len());
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let mut input = OneByOne(b"secret\r\nnext line");
        assert_eq!(read_first_line(&mut input).unwrap().as_slice(), b"secret");
        assert_eq!(input.0, b"next line");
    }

    #[test]
    fn a_new_passphrase_must_be_typeable_text() {
        for bad in [
            &b"tab\there"[..],
            b"nul\0",
            b"\xff\xfe",
            b"esc\x1b[31m",
            b"del\x7f",
        ] {
            assert!(matches!(
                typeable(Passphrase::new(bad)),
                Err(Error::InvalidNewPassphrase { .. })
            ));
        }
        assert!(typeable(Passphrase::new("correct horse ünïcödé")).is_ok());
    }

    #[test]
    fn lines_are_bytes_and_only_text_lines_must_be_text() {
        let line = read_first_line(&b"\xff\xfe\nrest"[..]).unwrap();
        assert_eq!(line.as_slice(), b"\xff\xfe");
        assert!(matches!(text_line(line), Err(Error::MalformedCode { .. })));
    }
}
