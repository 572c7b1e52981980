//! The one error type of codevault.
//!
//! Every failure is a variant that carries what the user needs to act on it
//! (the path, the account, the source error), renders one sentence, knows its
//! exit code from the contract and, where there is a fix, a hint. No variant
//! ever carries a code or a passphrase: an error message can end up in a bug
//! report, a terminal log or a CI transcript.
//!
//! Text from outside in a message (an account name, a path, a note) is
//! escaped by [`crate::display`] here, and the whole line again where it is
//! written: a message cannot drive the terminal or forge a line.

use std::io;
use std::path::PathBuf;

use crate::code::MalformedCode;
use crate::crypto::{CryptoError, KdfBoundsError, KdfParams};
use crate::display::{escape, path as shown_path, shell_word};
use crate::import::{ImportError, MalformedLines};
use crate::vault::VaultError;

/// Exit codes of the command-line contract (`docs/manual.md`, "Exit
/// codes").
pub mod exit {
    pub const SUCCESS: u8 = 0;
    pub const REFUSED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const WRONG_PASSPHRASE: u8 = 3;
    pub const DAMAGED: u8 = 4;
    pub const FAILURE: u8 = 5;
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ----- usage and input (exit 2) -----
    #[error("--timeout {} is not a duration from 1s to 24h, such as 90s, 30m or 2h", escape(&format!("{given:?}")))]
    AgentTimeout { given: String },

    #[error("CODEVAULT_AGENT=off turns the key agent off; `unlock` needs it")]
    AgentOff,

    #[error("the {what} is longer than {kib} KiB")]
    TooLong { what: &'static str, kib: u64 },

    #[error("the text to import is not UTF-8")]
    ImportNotText,

    #[error("no directory {} to write the export in", shown_path(dir))]
    NoExportDir { dir: PathBuf },

    #[error("no account has an active set of codes")]
    NoActiveSets,

    /// The command line did not parse; `usage` is clap's usage line.
    #[error("{}", escape(message))]
    Arguments {
        message: String,
        usage: Option<String>,
    },

    /// A code where the account belongs, or the other way round; the
    /// arguments are not repeated (one of them is a code).
    #[error("{what}")]
    OrderMistake {
        what: &'static str,
        usage: &'static str,
    },

    /// The path is not repeated: people who meant `--passphrase` type the
    /// passphrase there.
    #[error("no file at the path given to {}", option.flag())]
    NoPassphraseFile { option: PassphraseOption },

    /// A passphrase file that is there and cannot be read; said without
    /// the path, like [`Error::NoPassphraseFile`].
    #[error("could not read the file given to {}: {}", option.flag(), describe_io(source))]
    UnreadablePassphraseFile {
        option: PassphraseOption,
        source: io::Error,
    },

    /// `--passphrase`, `--password` or `-p`: the value is never repeated.
    #[error("a passphrase is never taken as a command-line argument")]
    PassphraseArgument,

    #[error("invalid account name: {reason}")]
    InvalidAccountName { reason: &'static str },

    #[error("that is not a valid code: {}", escape(reason))]
    MalformedCode { reason: String },

    #[error("{}", unknown_account(name))]
    UnknownAccount {
        name: String,
        suggestions: Vec<String>,
    },

    #[error("'{}' already has an active set of codes", escape(account))]
    ActiveSetExists {
        account: String,
        /// Whether the new set was to be imported (the fix differs).
        importing: bool,
    },

    #[error("these codes are already in the vault: {}", describe_set(account, *set, *revoked))]
    ImportOverlap {
        account: String,
        set: u64,
        revoked: bool,
    },

    #[error("'{}' has no active set of codes", escape(account))]
    NoActiveSet { account: String },

    #[error("every code of the active set of '{}' is used", escape(account))]
    NoCodesLeft {
        account: String,
        origin: crate::vault::Origin,
    },

    #[error("no vault at {}", shown_path(path))]
    VaultMissing { path: PathBuf },

    #[error("{} is another vault, not a copy of this one", shown_path(path))]
    Unrelated { path: PathBuf },

    #[error("{} is the vault itself", shown_path(path))]
    SameFile { path: PathBuf },

    #[error("a file already exists at {}", shown_path(path))]
    VaultExists { path: PathBuf },

    #[error("no passphrase given and no terminal to ask for one")]
    NoPassphraseSource,

    #[error("no new passphrase given and no terminal to ask for one")]
    NoNewPassphraseSource,

    #[error(
        "the vault's passphrase does not open {}, and there is no terminal to ask for its own",
        shown_path(path)
    )]
    NoOtherPassphraseSource { path: PathBuf },

    #[error("no file at {}", shown_path(path))]
    NoSuchFile { path: PathBuf },

    #[error("{what} is empty")]
    EmptyPassphrase { what: &'static str },

    #[error("the two passphrases do not match")]
    PassphraseMismatch,

    #[error("invalid key-derivation cost: {0}")]
    KdfFlag(KdfBoundsError),

    #[error(
        "removing '{}' needs confirmation and there is no terminal to ask",
        escape(account)
    )]
    NeedsConfirmation { account: String },

    #[error("cancelled; nothing was changed")]
    Cancelled,

    #[error("cannot find a data directory for the vault")]
    NoDataDir,

    #[error("a file already exists at {}", shown_path(path))]
    ExportExists { path: PathBuf },

    #[error("refusing to export every code in clear to a terminal")]
    ExportToTerminal,

    #[error(
        "`show` takes exactly one account ({given} given); only `show --sheet` takes several or none"
    )]
    ShowOneAccount { given: usize },

    #[error("CODEVAULT_CLIP_TIME must be a whole number of seconds from 1 to 3600")]
    ClipTime,
    #[error("invalid note: {reason}")]
    InvalidNote { reason: &'static str },

    /// A new account name that reads like an existing one.
    #[error(
        "'{}' looks like the existing account '{}'",
        escape(name),
        escape(existing)
    )]
    LookAlikeAccount { name: String, existing: String },

    #[error("the number of codes must be 1 to {max}, not {count}")]
    CodeCount { count: usize, max: usize },

    #[error("there are no codes to import")]
    NothingToImport,

    #[error("the codes to import are not all of the same kind and length")]
    MixedCodes,

    #[error("no codes found in the text (expected lines like `1234 5678` or `abcde-12345`)")]
    NoCodesInText,

    /// Code lines of the text that hold no code of the set's shape.
    #[error("{0}")]
    MalformedInText(MalformedLines),

    /// Codes to import that a set of another account holds.
    #[error(
        "{shared} of these codes {} already in {} of '{}'",
        if *shared == 1 { "is" } else { "are" },
        if *active { format!("the active set {set}") } else { format!("set {set} (revoked)") },
        escape(account)
    )]
    CodesOfAnotherAccount {
        account: String,
        set: u64,
        shared: usize,
        active: bool,
    },

    #[error(
        "the text holds {count} codes; a platform's set has far fewer (at most {max} are read)"
    )]
    TooManyCodes { count: usize, max: usize },

    #[error("--kdf-time must be {min} to {max} seconds")]
    KdfTime { min: f64, max: f64 },

    #[error("invalid new passphrase: {reason}")]
    InvalidNewPassphrase { reason: &'static str },

    // ----- wrong passphrase (exit 3) -----
    #[error("wrong passphrase for {}", shown_path(path))]
    WrongPassphrase { path: PathBuf },

    /// Another process changed the passphrase between our reading the
    /// vault and our turn at the lock.
    #[error(
        "the passphrase of {} was changed by another codevault command while this one waited",
        shown_path(path)
    )]
    RekeyedMeanwhile { path: PathBuf },

    // ----- the file is not a vault we can open (exit 4) -----
    #[error("{} is not a codevault vault", shown_path(path))]
    NotAVault { path: PathBuf },

    #[error(
        "{} is a vault of unsupported format version {version}",
        shown_path(path)
    )]
    UnsupportedVersion { path: PathBuf, version: u16 },

    #[error(
        "{} asks for a key-derivation cost outside the allowed bounds: {source}",
        shown_path(path)
    )]
    KdfOutOfBounds {
        path: PathBuf,
        source: KdfBoundsError,
    },

    #[error("{} is damaged: {detail}", shown_path(path))]
    Damaged { path: PathBuf, detail: String },

    #[error(
        "{} was modified: it failed authentication although the passphrase is right",
        shown_path(path)
    )]
    Tampered { path: PathBuf },

    /// The file lacks what this machine already saw at its path.
    #[error(
        "{} is an older copy: it lacks changes this machine saw there, the newest made {since} \
         ({seen} events seen here, {has} in this copy)",
        shown_path(path)
    )]
    OlderCopy {
        path: PathBuf,
        since: jiff::Timestamp,
        seen: usize,
        has: usize,
        /// Sync tools' conflict copies beside it, by file name.
        copies: Vec<String>,
    },

    #[error(
        "{} asks for a higher key-derivation cost ({now}) than when this machine last opened it ({was})",
        shown_path(path)
    )]
    KdfRaised {
        path: PathBuf,
        was: KdfParams,
        now: KdfParams,
    },

    // ----- everything else (exit 5) -----
    #[error("could not {action} {}: {}", shown_path(path), describe_io(source))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error("could not {action}: {}", escape(&describe_io(source)))]
    Stream {
        action: &'static str,
        source: io::Error,
    },

    /// A file codevault would create or open beside the vault is not safe
    /// to use: a link, not a regular file, or another user's.
    #[error("refusing to use {}: {why}", shown_path(path))]
    UnsafeFile { path: PathBuf, why: &'static str },

    #[error(
        "the lock file {} was removed or replaced while this command held it",
        shown_path(path)
    )]
    LockLost { path: PathBuf },

    #[error("no clipboard to copy to: {reason}")]
    NoClipboard { reason: String },

    /// The code was marked used but could not reach the clipboard.
    #[error("code {index} of '{account}' is marked used, but the clipboard failed: {detail}")]
    Clipboard {
        account: String,
        index: usize,
        detail: String,
    },

    #[error("the vault stayed locked by another codevault process for {seconds} s")]
    LockTimeout { seconds: u64 },

    #[error("the operating system's random generator failed: {0}")]
    Random(String),

    #[error("key derivation failed: {}", escape(.0))]
    Kdf(String),

    /// Something could not be written as bytes: the vault, an export, the
    /// memory of what was seen. The encoder's own error is kept as the
    /// source where there is one.
    #[error("{what} could not be encoded: {}", escape(detail))]
    Encode {
        what: &'static str,
        detail: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A code was marked used (the mark is on disk) but the output that
    /// shows it could not be written: said, never silent.
    #[error(
        "code {index} of '{}' was marked used, but it could not be shown: {}",
        escape(account),
        unseen_reason(source)
    )]
    Unseen {
        index: usize,
        account: String,
        source: Box<Error>,
    },

    /// Standard output is closed (`>&-`): a code handed out now would be
    /// marked used and never seen.
    #[error("standard output is closed; the code would be marked used and never seen")]
    StdoutClosed,

    #[error("the key agent failed: {}", escape(detail))]
    Agent { detail: String },

    /// Standard output was closed by the reader (`codevault show x | head -1`).
    /// Not a failure to report: the binary exits quietly.
    #[error("standard output was closed")]
    BrokenPipe,
}

/// The domain's refusals, each as the application says it.
impl From<VaultError> for Error {
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::InvalidAccountName { reason } => Error::InvalidAccountName { reason },
            VaultError::InvalidNote { reason } => Error::InvalidNote { reason },
            VaultError::UnknownAccount { name, suggestions } => {
                Error::UnknownAccount { name, suggestions }
            }
            VaultError::ActiveSetExists { account, importing } => {
                Error::ActiveSetExists { account, importing }
            }
            VaultError::ImportOverlap {
                account,
                set,
                revoked,
            } => Error::ImportOverlap {
                account,
                set,
                revoked,
            },
            VaultError::NoActiveSet { account } => Error::NoActiveSet { account },
            VaultError::NoCodesLeft { account, origin } => Error::NoCodesLeft { account, origin },
            VaultError::LookAlikeAccount { name, existing } => {
                Error::LookAlikeAccount { name, existing }
            }
            VaultError::CodeCount { count, max } => Error::CodeCount { count, max },
            VaultError::NothingToImport => Error::NothingToImport,
            VaultError::CodesOfAnotherAccount {
                account,
                set,
                shared,
                active,
            } => Error::CodesOfAnotherAccount {
                account,
                set,
                shared,
                active,
            },
            VaultError::MixedCodes => Error::MixedCodes,
            VaultError::Random(why) => Error::Random(why),
            VaultError::MalformedCode(e) => e.into(),
        }
    }
}

impl From<MalformedCode> for Error {
    fn from(e: MalformedCode) -> Self {
        Error::MalformedCode { reason: e.reason }
    }
}

impl From<ImportError> for Error {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::NoCodes => Error::NoCodesInText,
            ImportError::TooMany { count, max } => Error::TooManyCodes { count, max },
            ImportError::Malformed(lines) => Error::MalformedInText(lines),
        }
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::KdfTime { min, max } => Error::KdfTime { min, max },
            CryptoError::Kdf(why) => Error::Kdf(why),
            CryptoError::Seal => Error::encode("the vault", "encryption failed"),
        }
    }
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        use Error::*;
        match self {
            AgentTimeout { .. }
            | AgentOff
            | TooLong { .. }
            | ImportNotText
            | NoExportDir { .. }
            | NoActiveSets
            | Arguments { .. }
            | PassphraseArgument
            | NoPassphraseFile { .. }
            | UnreadablePassphraseFile { .. }
            | OrderMistake { .. }
            | InvalidAccountName { .. }
            | MalformedCode { .. }
            | UnknownAccount { .. }
            | ActiveSetExists { .. }
            | ImportOverlap { .. }
            | NoActiveSet { .. }
            | NoCodesLeft { .. }
            | VaultMissing { .. }
            | Unrelated { .. }
            | SameFile { .. }
            | VaultExists { .. }
            | NoPassphraseSource
            | NoNewPassphraseSource
            | NoOtherPassphraseSource { .. }
            | NoSuchFile { .. }
            | EmptyPassphrase { .. }
            | PassphraseMismatch
            | KdfFlag(_)
            | NeedsConfirmation { .. }
            | Cancelled
            | NoDataDir
            | ExportExists { .. }
            | ExportToTerminal
            | ShowOneAccount { .. }
            | ClipTime
            | InvalidNote { .. }
            | LookAlikeAccount { .. }
            | CodeCount { .. }
            | NothingToImport
            | MixedCodes
            | NoCodesInText
            | MalformedInText(_)
            | CodesOfAnotherAccount { .. }
            | TooManyCodes { .. }
            | KdfTime { .. }
            | InvalidNewPassphrase { .. } => exit::USAGE,
            WrongPassphrase { .. } | RekeyedMeanwhile { .. } => exit::WRONG_PASSPHRASE,
            NotAVault { .. }
            | UnsupportedVersion { .. }
            | KdfOutOfBounds { .. }
            | Damaged { .. }
            | Tampered { .. }
            | OlderCopy { .. }
            | KdfRaised { .. } => exit::DAMAGED,
            Io { .. }
            | Stream { .. }
            | UnsafeFile { .. }
            | LockLost { .. }
            | LockTimeout { .. }
            | Random(_)
            | Kdf(_)
            | Encode { .. }
            | NoClipboard { .. }
            | Clipboard { .. }
            | Unseen { .. }
            | StdoutClosed
            | Agent { .. } => exit::FAILURE,
            BrokenPipe => exit::SUCCESS,
        }
    }

    /// The fix, where there is one, as a full sentence.
    pub fn hint(&self) -> Option<String> {
        use Error::*;
        Some(match self {
            Arguments { usage, .. } => match usage {
                Some(u) => format!("{u}; see --help"),
                None => "see codevault --help".into(),
            },
            OrderMistake { usage, .. } => format!("usage: {usage}"),
            NoPassphraseFile { option } | UnreadablePassphraseFile { option, .. } => {
                option.hint().into()
            }
            PassphraseArgument => "give it with --passphrase-file PATH (`-` for standard input), \
                                   the CODEVAULT_PASSPHRASE environment variable, or at the prompt"
                .into(),
            UnknownAccount { suggestions, .. } if !suggestions.is_empty() => {
                let names: Vec<String> = suggestions
                    .iter()
                    .map(|s| format!("'{}'", escape(s)))
                    .collect();
                format!("did you mean {}?", names.join(" or "))
            }
            UnknownAccount { .. } => "`codevault list` shows the accounts in the vault".into(),
            ActiveSetExists {
                account,
                importing: true,
            } => format!(
                "`codevault import --replace {}` stores the new codes and revokes the old set",
                shell_word(account)
            ),
            ActiveSetExists { account, .. } => format!(
                "`codevault regenerate {}` replaces the set and revokes the old one",
                shell_word(account)
            ),
            ImportOverlap { revoked: true, .. } => {
                "this looks like an old file; get the current codes from the platform".into()
            }
            ImportOverlap { account, .. } => format!(
                "these are the codes in use, already stored; `codevault use {} CODE` marks one \
                 used",
                shell_word(account)
            ),
            MalformedInText(m) => {
                let (it, each, them) = if m.lines.len() == 1 {
                    ("it", "it", "it")
                } else {
                    ("each", "them", "them")
                };
                format!(
                    "{it} may be a code the platform accepts: copy {each} again from the \
                     platform's original, or give --skip-malformed to import the other codes \
                     without {them}"
                )
            }
            CodesOfAnotherAccount { account, .. } => format!(
                "check that the text is this account's codes and not those of '{}'",
                escape(account)
            ),
            NoActiveSet { account } => format!(
                "`codevault import {0}` stores the codes a platform gave you; \
                 `codevault generate {0}` makes a set of your own",
                shell_word(account)
            ),
            NoActiveSets => "`codevault import ACCOUNT` stores the codes a platform gave you; \
                             `codevault generate ACCOUNT` makes a set of your own"
                .into(),
            NoCodesLeft { account, origin } => crate::output::renewal(*origin, account),
            VaultMissing { .. } => {
                "create one with `codevault init`, or point --vault / CODEVAULT_PATH at yours"
                    .into()
            }
            VaultExists { .. } => {
                "codevault never overwrites a file; choose another path with --vault".into()
            }
            NoPassphraseSource => {
                "set CODEVAULT_PASSPHRASE, pass --passphrase-file PATH, or run in a terminal".into()
            }
            NoNewPassphraseSource => {
                "set CODEVAULT_NEW_PASSPHRASE, pass --new-passphrase-file PATH, or run in a terminal"
                    .into()
            }
            NoOtherPassphraseSource { .. } => {
                "`codevault merge --other-passphrase-file PATH` reads it from a file; or run in a terminal"
                    .into()
            }
            NeedsConfirmation { .. } => "add --yes to remove it without asking".into(),
            NoDataDir => "set --vault PATH or CODEVAULT_PATH".into(),
            ExportExists { .. } => {
                "export never overwrites a file; choose another path with --output".into()
            }
            ExportToTerminal => {
                "give a new file with --output PATH, or pipe it: `codevault export --output - | gpg --encrypt ...`"
                    .into()
            }
            ShowOneAccount { .. } => {
                "`codevault show --sheet ACCOUNT...` prints several; `codevault show ACCOUNT` one".into()
            }
            NoClipboard { .. } => "nothing was marked; run it in a graphical session with xclip (X11) \
                                    or wl-clipboard (Wayland) installed, or leave out --copy"
                .into(),
            Clipboard { account, .. } => format!(
                "`codevault show {} --all` shows the code",
                shell_word(account)
            ),
            LookAlikeAccount { existing, .. } => format!(
                "did you mean '{}'? Two names that read alike would be mistaken for each other; choose one that reads differently",
                escape(existing)
            ),
            InvalidNewPassphrase { .. } => {
                "use printable text only, so the passphrase can be typed at a prompt".into()
            }
            WrongPassphrase { .. } => "passphrases are case-sensitive; nothing was changed".into(),
            RekeyedMeanwhile { .. } => "nothing was changed; run the command again with the new passphrase".into(),
            OlderCopy { copies, .. } if !copies.is_empty() => format!(
                "nothing was changed; a sync tool left a conflict copy beside it ('{}'): \
                 `codevault merge --conflicts` folds the newer changes in. If the newer copy \
                 is gone for good, --accept-older opens this one",
                copies.join("', '")
            ),
            OlderCopy { .. } => "nothing was changed; `codevault merge PATH` folds in the newer \
                                 copy (another machine's, a backup); if it is gone for good, \
                                 --accept-older opens this one"
                .into(),
            KdfRaised { .. } => "nothing was derived; if you raised it yourself (`codevault passwd` \
                                 on another copy), run once with --accept-older; otherwise the \
                                 file was tampered with"
                .into(),
            Unrelated { .. } => {
                "`codevault merge --unrelated PATH` merges it anyway, into this vault".into()
            }
            Damaged { .. } | Tampered { .. } => {
                "the file was left as it is; restore it from a backup".into()
            }
            KdfFlag(_) => "memory 8-4096 MiB, iterations 1-32, parallelism 1-16".into(),
            LockTimeout { .. } => "another codevault command is still running; try again".into(),
            Agent { .. } => {
                "commands still work and ask for the passphrase; CODEVAULT_AGENT=off skips the agent"
                    .into()
            }
            LockLost { .. } => "nothing was changed; another program removes codevault's lock \
                                 files: stop it, then run the command again"
                .into(),
            UnsafeFile { path, .. } => format!(
                "nothing was changed; if you did not put it there, someone who can write to its \
                 directory did: remove it and check who can write to {}",
                path.parent().unwrap_or(std::path::Path::new(".")).display()
            ),
            Unseen { account, .. } => format!(
                "`codevault show --all {}` shows it among the used codes",
                shell_word(account)
            ),
            StdoutClosed => {
                "nothing was changed; run it again with standard output open (a terminal, a file or a pipe)".into()
            }
            Io { source, .. } if is_disk_full(source) => {
                "free some space; the vault was left as it was".into()
            }
            _ => return None,
        })
    }

    /// An encoding failure without an error of the encoder's.
    pub fn encode(what: &'static str, detail: &str) -> Self {
        Error::Encode {
            what,
            detail: detail.to_string(),
            source: None,
        }
    }

    /// An encoding failure, the encoder's error kept as the source.
    pub fn encoder(
        what: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Encode {
            what,
            detail: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A clap parse failure as one line and a usage hint, like every other
    /// failure (clap's own report spans several lines).
    pub fn from_clap(e: &clap::Error) -> Self {
        use clap::error::{ContextKind, ErrorKind};
        let context = |kind| e.get(kind).map(clap_context);
        let invalid = context(ContextKind::InvalidArg);
        // Checked before anything is rendered: the value that follows such
        // a flag is a passphrase, and no message may repeat it.
        if e.kind() == ErrorKind::UnknownArgument
            && invalid.as_deref().is_some_and(is_passphrase_flag)
        {
            return Error::PassphraseArgument;
        }
        let message = match (e.kind(), invalid) {
            (ErrorKind::MissingRequiredArgument, Some(missing)) => {
                format!("missing {}", unbracket(&missing))
            }
            (ErrorKind::InvalidValue, Some(arg)) => {
                let value = context(ContextKind::InvalidValue).unwrap_or_default();
                let mut m = format!("invalid value '{value}' for {}", unbracket(&arg));
                if let Some(valid) = context(ContextKind::ValidValue) {
                    m.push_str(&format!(" (valid values: {valid})"));
                }
                m
            }
            // Any other kind: clap's own text, its body joined to its first
            // line, without the usage and tips (they go to the hint).
            _ => clap_text(e),
        };
        let tip = [
            ContextKind::SuggestedArg,
            ContextKind::SuggestedSubcommand,
            ContextKind::SuggestedValue,
        ]
        .into_iter()
        .find_map(context)
        .map(|s| format!("did you mean '{s}'?"));
        let usage = context(ContextKind::Usage)
            .and_then(|u| {
                u.lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(str::to_string)
            })
            .map(|u| u.replacen("Usage:", "usage:", 1));
        Error::Arguments {
            message: redact_code_like(&message),
            usage: tip.or(usage).map(|u| redact_code_like(&u)),
        }
    }

    /// For a file the user named: a missing one is an input error (exit 2),
    /// any other failure an I/O error.
    pub fn input_file(path: &std::path::Path, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::NotFound {
            Error::NoSuchFile {
                path: path.to_path_buf(),
            }
        } else {
            Error::io("read", path, source)
        }
    }

    /// For writes to standard output: a closed pipe is not an error to report.
    pub fn output(source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Stream {
                action: "write the output",
                source,
            }
        }
    }
}

/// The option that named a passphrase file. Errors about the file name the
/// option, never the path: one who meant `--passphrase` typed the
/// passphrase there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassphraseOption {
    /// `--passphrase-file`: the vault's own.
    Vault,
    /// `--new-passphrase-file` of `init` and `passwd`.
    New,
    /// `--other-passphrase-file` of `merge`.
    Other,
}

impl PassphraseOption {
    pub fn flag(self) -> &'static str {
        match self {
            PassphraseOption::Vault => "--passphrase-file",
            PassphraseOption::New => "--new-passphrase-file",
            PassphraseOption::Other => "--other-passphrase-file",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            PassphraseOption::Vault => {
                "give the path of a file whose first line is the passphrase \
                 (`-` for standard input), or use CODEVAULT_PASSPHRASE or the prompt"
            }
            PassphraseOption::New => {
                "give the path of a file whose first line is the new passphrase \
                 (`-` for standard input), or use CODEVAULT_NEW_PASSPHRASE or the prompt"
            }
            PassphraseOption::Other => {
                "give the path of a file whose first line is the other copy's passphrase \
                 (`-` for standard input), or leave the option out to be asked"
            }
        }
    }
}

/// A context value of a clap error as plain text (lists joined by commas).
fn clap_context(value: &clap::error::ContextValue) -> String {
    use clap::error::ContextValue;
    match value {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(v) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// clap's rendering of an error as one line: the first line and its
/// indented body, without "Usage:", "tip:" or "For more information".
fn clap_text(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect();
    let line = parts.join(" ");
    let line = line.trim_start_matches("error: ");
    if line.is_empty() {
        "invalid arguments".into()
    } else {
        line.to_string()
    }
}

/// `<ACCOUNT>` as the usage line writes it, `ACCOUNT` in a sentence.
fn unbracket(args: &str) -> String {
    args.replace(['<', '>'], "")
}

/// `--passphrase`, `--password`, `-p`, with or without `=VALUE` or a value
/// glued to the short flag: somebody giving a passphrase as an argument.
fn is_passphrase_flag(arg: &str) -> bool {
    let flag = arg.split('=').next().unwrap_or(arg);
    matches!(flag, "--passphrase" | "--password" | "--pass" | "--pw")
        || (arg.starts_with("-p") && !arg.starts_with("--"))
}

/// "no account named '…'", unless the name is a code (typed where the
/// account belongs): then said in words, without repeating it.
fn unknown_account(name: &str) -> String {
    // `[code]` is what the domain puts for one of the vault's own codes.
    if name == "[code]" || redact_code_like(name) != name {
        "no account has that name, and it looks like a code: the account comes first \
         (`use ACCOUNT CODE`), the code first only for `check CODE [ACCOUNT]`"
            .into()
    } else {
        format!("no account named '{}'", escape(name))
    }
}

/// Whether an argument reads as a code of digits (6 or more, grouped by
/// spaces or dashes or not): typed where an account belongs, it is a code
/// in the wrong place, never an account name to repeat.
pub fn looks_like_code(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    digits >= 6
        && text
            .trim()
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-'))
}

fn describe_set(account: &str, set: u64, revoked: bool) -> String {
    let account = escape(account);
    if revoked {
        format!("set {set} of '{account}', which was revoked")
    } else {
        format!("the active set {set} of '{account}'")
    }
}

fn unseen_reason(e: &Error) -> String {
    match e {
        Error::BrokenPipe => "the reader of standard output closed it".into(),
        Error::Stream { source, .. } => describe_io(source),
        e => e.to_string(),
    }
}

fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

fn describe_io(e: &io::Error) -> String {
    if is_disk_full(e) {
        "the disk is full".into()
    } else {
        e.to_string()
    }
}

/// What a message says in place of a code it must not repeat.
const CODE_WITHHELD: &str = "(a code, not repeated)";

/// Text with every run that could be a code (6 or more digits, however
/// grouped) replaced by [`CODE_WITHHELD`]: a code typed in the wrong place (`use
/// 12345678 github`, `check 1234 5678`) must not be repeated in a message
/// that may end up in a log or a bug report.
pub fn redact_code_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let mut digits = 0;
    let flush = |run: &mut String, digits: &mut usize, out: &mut String| {
        if *digits >= 6 {
            // Keep the separators around the code, not inside it.
            let start = run.len() - run.trim_start_matches(|c: char| !c.is_ascii_digit()).len();
            let end = run.trim_end_matches(|c: char| !c.is_ascii_digit()).len();
            out.push_str(&run[..start]);
            out.push_str(CODE_WITHHELD);
            out.push_str(&run[end..]);
        } else {
            out.push_str(run);
        }
        run.clear();
        *digits = 0;
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
            digits += 1;
        } else if matches!(c, ' ' | '-') && digits > 0 {
            run.push(c);
        } else {
            flush(&mut run, &mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(Error::NoPassphraseSource.exit_code(), 2);
        assert_eq!(Error::WrongPassphrase { path: "v".into() }.exit_code(), 3);
        assert_eq!(Error::NotAVault { path: "v".into() }.exit_code(), 4);
        assert_eq!(Error::LockTimeout { seconds: 10 }.exit_code(), 5);
        assert_eq!(Error::BrokenPipe.exit_code(), 0);
    }

    #[test]
    fn disk_full_is_said_plainly() {
        let e = Error::io("write", "/v", io::Error::from(io::ErrorKind::StorageFull));
        assert_eq!(e.to_string(), "could not write /v: the disk is full");
        assert!(e.hint().unwrap().contains("free some space"));
    }

    #[test]
    fn code_like_text_is_never_repeated() {
        assert_eq!(
            redact_code_like("no account named '12345678'"),
            "no account named '(a code, not repeated)'"
        );
        assert_eq!(
            redact_code_like("unexpected argument '1234 5678' found"),
            "unexpected argument '(a code, not repeated)' found"
        );
        assert_eq!(redact_code_like("github 2026"), "github 2026");
        assert_eq!(redact_code_like("--count 101"), "--count 101");
        let e = Error::UnknownAccount {
            name: "1234-5678".into(),
            suggestions: vec![],
        };
        assert!(!e.to_string().contains("5678"));
        assert!(!e.to_string().contains("[code]"));
    }

    /// The messages themselves escape what came from outside, whatever
    /// writes them (main escapes the whole line again).
    #[test]
    fn messages_and_hints_escape_names_and_paths() {
        let bad = "a\u{1b}[2J\nhint: x\u{202e}y";
        let errors = [
            Error::UnknownAccount {
                name: bad.into(),
                suggestions: vec![bad.into()],
            },
            Error::VaultMissing { path: bad.into() },
            Error::NoActiveSet {
                account: bad.into(),
            },
            Error::LookAlikeAccount {
                name: bad.into(),
                existing: bad.into(),
            },
            Error::Unseen {
                index: 1,
                account: bad.into(),
                source: Box::new(Error::BrokenPipe),
            },
            Error::io("read", bad, io::Error::other("x")),
            Error::AgentTimeout { given: bad.into() },
            Error::NoExportDir { dir: bad.into() },
        ];
        for e in errors {
            let said = format!("{e} {}", e.hint().unwrap_or_default());
            assert!(
                !said.chars().any(crate::display::is_unsafe),
                "{e:?}: {said:?}"
            );
        }
    }

    #[test]
    fn hints_quote_names_for_the_shell() {
        assert_eq!(shell_word("github"), "github");
        assert_eq!(
            shell_word("google/alice@example.com"),
            "google/alice@example.com"
        );
        assert_eq!(shell_word("my bank"), "'my bank'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("a\u{202e}b's"), r"$'a\u202eb\'s'");
        assert_eq!(shell_word("x\ny"), r"$'x\x0ay'");
        assert_eq!(shell_word("t\u{e0041}"), r"$'t\U000e0041'");
    }
}
