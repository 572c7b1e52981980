//! The command line, as clap derive types. Doc comments here are the
//! `--help` text; every command ends with an example. No logic lives here:
//! `app` turns these raw values into checked ones.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  codevault init
  codevault generate github
  codevault next github
  codevault next github --copy
  codevault use github '1234 5678'
  codevault check 12345678
  codevault --color always list | less -R

The vault is --vault PATH, else $CODEVAULT_PATH, else
~/.local/share/codevault/vault.cvlt. The passphrase comes from
--passphrase-file, else $CODEVAULT_PASSPHRASE, else the agent that
`codevault unlock` started, else a prompt.

Exit codes: 0 ok, 1 code refused, 2 usage or input error, 3 wrong
passphrase, 4 damaged or unsupported vault, 5 I/O or lock failure.";

/// An encrypted vault for two-factor backup codes.
///
/// Keeps per-account sets of one-time backup codes in one local file,
/// encrypted under a passphrase (Argon2id + XChaCha20-Poly1305). It hands out
/// codes, marks them used, and says why a code is refused.
#[derive(Debug, Parser)]
#[command(name = "codevault", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// The vault file [default: $CODEVAULT_PATH, else ~/.local/share/codevault/vault.cvlt]
    #[arg(long, global = true, value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the passphrase from the first line of this file; `-` reads it
    /// from standard input
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// Print the result as one JSON document on standard output
    #[arg(long, global = true)]
    pub json: bool,

    /// Open a vault even though it lacks changes this machine already saw
    /// there (a restored backup, a sync tool's overwrite), or asks for a
    /// higher key-derivation cost than when this machine last opened it;
    /// for when you know the newer copy is gone, or raised the cost yourself
    #[arg(long, global = true)]
    pub accept_older: bool,
    /// Colour refusals, warnings and low sets: `auto` does on a terminal
    /// unless NO_COLOR is set; never in --json
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub color: ColorWhen,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty vault
    ///
    /// Refuses to overwrite an existing file. The new passphrase is asked
    /// twice on the terminal, or read from --new-passphrase-file or
    /// $CODEVAULT_NEW_PASSPHRASE.
    #[command(
        after_help = "Example:\n  codevault init\n  codevault --vault ./team.cvlt init --kdf-memory 256"
    )]
    Init {
        #[command(flatten)]
        kdf: KdfArgs,

        /// Calibrate the iterations so that unlocking takes about this many
        /// seconds on this machine (0.05-60), at the given memory and lanes
        #[arg(long, value_name = "SECONDS", conflicts_with = "iterations")]
        kdf_time: Option<f64>,

        /// Read the new passphrase from the first line of this file
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },

    /// Make a new set of 8-digit codes for an account that has no active set
    #[command(after_help = "Example:\n  codevault generate instagram:@brand --count 10")]
    Generate {
        /// The account, e.g. `github` or `google/alice@example.com`
        account: String,

        /// How many codes to make (1-100)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
        count: u16,
    },

    /// Import the codes a platform gave you
    ///
    /// Reads Google's Backup-codes-*.txt, GitHub's github-recovery-codes.txt,
    /// Discord's list, recovery keys of several groups, codes pasted from a
    /// phone, numbered, bulleted, ticked and plain lists. List numbers,
    /// dates, years, phone numbers and e-mail addresses are skipped;
    /// duplicates are dropped with a warning; codes the text marks used
    /// ("(used)", a tick, a struck line) are stored as used. Codes keep the
    /// platform's letter case and grouping when shown.
    ///
    /// Nothing is dropped silently: a line of codes holding something that
    /// is not a code of the set's shape (7 digits among 8-digit codes)
    /// refuses the import, naming the line, and so do codes that another
    /// account of the vault holds.
    #[command(
        after_help = "Examples:\n  codevault import google/alice@example.com --file Backup-codes-alice.txt\n  codevault import github --replace < github-recovery-codes.txt\n  codevault import discord --skip-malformed --file discord_backup_codes.txt"
    )]
    Import {
        /// The account the codes belong to
        account: String,

        /// Read the codes from this file instead of standard input
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,

        /// Revoke the account's active set and store these in its place
        /// (the account must exist)
        #[arg(long)]
        replace: bool,

        /// Import the codes that are well formed and leave out, naming
        /// them, lines that hold something else
        #[arg(long)]
        skip_malformed: bool,
    },

    /// Every account: codes left, when its set was made, whether it is low
    #[command(after_help = "Example:\n  codevault list\n  codevault list --json")]
    List,

    /// The unused codes of an account's active set
    ///
    /// With --sheet, several accounts may be named, or none for every
    /// account with an active set: one page each, a form feed between them,
    /// with one unlock.
    #[command(
        after_help = "Example:\n  codevault show github\n  codevault show github --all\n  codevault show github --sheet > github-codes.txt\n  codevault show --sheet | lp"
    )]
    Show {
        /// The account; with --sheet, any number of accounts
        #[arg(value_name = "ACCOUNT")]
        accounts: Vec<String>,

        /// Also list the used codes, with when they were used
        #[arg(long)]
        all: bool,

        /// A plain-text page to print and keep: every code numbered, with a
        /// box to tick (every code, used ones ticked: not with --all)
        #[arg(long, conflicts_with = "all")]
        sheet: bool,
    },

    /// Mark a code as used; a refused code gets the reason
    ///
    /// Without CODE, the code is read from standard input (or asked on the
    /// terminal). Grouping does not matter: `1234 5678` and `12345678` are
    /// the same code.
    #[command(
        name = "use",
        after_help = "Example:\n  codevault use github '1234 5678' --note 'new laptop'\n  echo 12345678 | codevault use github"
    )]
    Use {
        /// The account
        account: String,

        /// The code, grouped or not (`1234 5678` may be given unquoted);
        /// read from standard input when absent
        #[arg(num_args = 0.., value_name = "CODE")]
        code: Vec<String>,

        /// A note kept with the mark, e.g. where you logged in
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },

    /// Hand out the next unused code and mark it used, in one step
    ///
    /// The mark is saved to disk before the code is printed, so a code is
    /// never handed out twice.
    #[command(
        after_help = "Example:\n  codevault next github --note 'phone lost'\n  codevault next github --copy"
    )]
    Next {
        /// The account
        account: String,

        /// A note kept with the mark
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,

        /// Put the code on the clipboard instead of printing it; it is
        /// cleared after 45 s ($CODEVAULT_CLIP_TIME) if still there
        #[arg(long)]
        copy: bool,
    },

    /// Say what a code is, changing nothing
    ///
    /// Unused (exit 0), used, revoked, another account's, or unknown with a
    /// likely mistyping pointed out (exit 1). Without ACCOUNT, every account
    /// is searched.
    #[command(
        after_help = "Example:\n  codevault check '1234 5678' github\n  codevault check 12345678"
    )]
    Check {
        /// The code, grouped or not
        code: String,

        /// The account it should belong to
        account: Option<String>,
    },

    /// Make a new set and revoke the old one, in one write
    #[command(after_help = "Example:\n  codevault regenerate github --count 10")]
    Regenerate {
        /// The account
        account: String,

        /// How many codes to make (1-100)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
        count: u16,
    },

    /// Revoke the active set and leave the account with none
    #[command(after_help = "Example:\n  codevault revoke github")]
    Revoke {
        /// The account
        account: String,
    },

    /// Delete an account and its whole history
    ///
    /// Asks for confirmation on a terminal; needs --yes otherwise.
    #[command(after_help = "Example:\n  codevault remove old-forum --yes")]
    Remove {
        /// The account
        account: String,

        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },

    /// The audit trail: every change, with its time
    ///
    /// Every change and every refused `use`, oldest first, with its UTC
    /// time. Codes are named by their number, never shown.
    #[command(after_help = "Example:\n  codevault log github")]
    Log {
        /// Only this account's events
        account: Option<String>,
    },

    /// Change the passphrase and/or the key-derivation cost
    ///
    /// Without options, sets a new passphrase. With --upgrade or a --kdf-*
    /// option, changes the cost and keeps the passphrase, unless
    /// --new-passphrase-file names a new one. Re-encrypts the vault with a
    /// fresh salt in one atomic write.
    #[command(
        after_help = "Example:\n  codevault passwd\n  codevault passwd --upgrade\n  codevault passwd --kdf-memory 256"
    )]
    Passwd {
        /// Move to the current default cost and keep the passphrase
        #[arg(long, conflicts_with_all = ["memory", "iterations", "parallelism"])]
        upgrade: bool,

        #[command(flatten)]
        kdf: KdfArgs,

        /// Read the new passphrase from the first line of this file
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },

    /// Fold other copies of this vault into it
    ///
    /// Takes every set, used mark, revocation, removal and log event of each
    /// copy that this vault lacks, in one atomic write; the other files are
    /// never changed. Nothing a copy recorded is lost, and merging twice
    /// changes nothing. What the rules cannot settle (one code handed out
    /// on two copies, a new set made on each, one code in two accounts) is
    /// reported with what to do. The other copy's passphrase is tried as
    /// this vault's first, then read from --other-passphrase-file or asked.
    #[command(
        after_help = "Example:\n  codevault merge /media/usb/vault.cvlt\n  codevault merge --conflicts\n  codevault merge backup.cvlt --other-passphrase-file old-pass.txt"
    )]
    Merge {
        /// The other copies
        #[arg(value_name = "OTHER", required_unless_present = "conflicts")]
        others: Vec<PathBuf>,

        /// Merge the conflict copies that Syncthing, Nextcloud or Dropbox
        /// left beside the vault, then move each aside (to NAME.merged)
        #[arg(long)]
        conflicts: bool,

        /// Read the other copies' passphrase from the first line of this file
        #[arg(long, value_name = "PATH")]
        other_passphrase_file: Option<PathBuf>,

        /// Merge a copy that is another vault altogether
        #[arg(long)]
        unrelated: bool,
    },

    /// A git merge driver: merge two versions of a vault into OURS
    ///
    /// Git calls it with the ancestor, our and their version; the merged
    /// vault is written into OURS and the exit code is 0. On any failure OURS
    /// is left as it was and the exit code is not 0, so git reports a
    /// conflict. The ancestor is not needed: the merge is a union. Set it up
    /// once per repository; see the README's "Several machines, git and sync
    /// folders".
    #[command(
        name = "git-merge",
        after_help = "Example:\n  git config merge.codevault.name 'codevault vault merge'\n  git config merge.codevault.driver 'codevault git-merge %O %A %B'\n  echo '*.cvlt merge=codevault diff=codevault' >> .gitattributes"
    )]
    GitMerge {
        /// The common ancestor's version (%O; not read)
        base: PathBuf,
        /// Our version (%A): the result is written here
        ours: PathBuf,
        /// Their version (%B)
        theirs: PathBuf,
    },

    /// A summary of a vault without a single code in it
    ///
    /// The accounts, each set by number and fingerprint with its counts and
    /// which code numbers are used, and the log. For a quick look, and as a
    /// git textconv so that `git diff` and `git log -p` show what changed.
    /// Without PATH, the vault.
    #[command(
        after_help = "Example:\n  codevault summary\n  git config diff.codevault.textconv 'codevault summary'"
    )]
    Summary {
        /// The vault file to summarise [default: the vault]
        path: Option<PathBuf>,
    },

    /// Print a shell completion script
    #[command(
        after_help = "Example:\n  codevault completions bash > ~/.local/share/bash-completion/completions/codevault"
    )]
    Completions {
        /// The shell
        shell: Shell,
    },

    /// Write the whole vault, every code in clear, as plain JSON
    ///
    /// For a backup on paper or a move to another tool. The file is new
    /// (never overwritten) and readable by you only (0600); without
    /// --output it is codevault-export-DATE.json in the current directory.
    /// Keep it as safe as the codes themselves, and delete it when done.
    #[command(
        after_help = "Example:\n  codevault export --output codes.json\n  codevault export --output - | gpg --encrypt --recipient alice@example.com > codes.json.gpg"
    )]
    Export {
        /// The file to create; `-` writes to standard output when that is
        /// not a terminal
        #[arg(long, value_name = "PATH")]
        output: Option<PathBuf>,
    },

    /// Print the manual page (roff)
    #[command(
        after_help = "Example:\n  mkdir -p ~/.local/share/man/man1\n  codevault man > ~/.local/share/man/man1/codevault.1\n  man codevault"
    )]
    Man,

    /// Keep this vault's key in the agent, so later commands ask nothing
    ///
    /// Asks for the passphrase once (or reads --passphrase-file or
    /// $CODEVAULT_PASSPHRASE), derives the key and hands the key, never the
    /// passphrase, to a per-user agent started in the background. Until
    /// `codevault lock`, until the key has gone unused for the timeout, or
    /// until a restart, commands on this vault take the key from the agent.
    /// Run again to refresh the timeout. Any program running as you can use
    /// the vault meanwhile, as with ssh-agent; CODEVAULT_AGENT=off makes a
    /// command ignore the agent.
    #[command(
        after_help = "Example:\n  codevault unlock\n  codevault unlock --timeout 30m\n  codevault --vault ./team.cvlt unlock --timeout 90s"
    )]
    Unlock {
        /// Forget the key after it has gone unused this long: 90s, 30m,
        /// 2h, 1h30m (1s to 24h)
        #[arg(long, value_name = "DURATION", default_value = "10m")]
        timeout: String,
    },

    /// Make the agent forget every key now
    ///
    /// Every vault unlocked with `codevault unlock` asks for its passphrase
    /// again; the agent exits.
    #[command(
        after_help = "Example:\n  codevault lock\n  trap 'codevault lock' EXIT    # in a script that ran codevault unlock"
    )]
    Lock,
}

/// The Argon2id cost; each is checked against its bounds.
#[derive(Debug, Args)]
pub struct KdfArgs {
    /// Argon2id memory in MiB (8-4096) [default: 256]
    #[arg(long = "kdf-memory", id = "memory", value_name = "MIB")]
    pub memory: Option<u64>,

    /// Argon2id iterations (1-32) [default: 3]
    #[arg(long = "kdf-iterations", id = "iterations", value_name = "N")]
    pub iterations: Option<u64>,

    /// Argon2id lanes (1-16) [default: 4]
    #[arg(long = "kdf-parallelism", id = "parallelism", value_name = "N")]
    pub parallelism: Option<u64>,
}

/// When to colour messages (`--color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_help_has_an_example() {
        for sub in Cli::command().get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("codevault"),
                "{} has no example",
                sub.get_name()
            );
        }
    }

    #[test]
    fn a_passphrase_is_not_an_argument() {
        let names: Vec<String> = Cli::command()
            .get_arguments()
            .chain(
                Cli::command()
                    .get_subcommands()
                    .flat_map(|s| s.get_arguments()),
            )
            .filter_map(|a| a.get_long().map(str::to_string))
            .collect();
        assert!(names.iter().all(|n| n == "passphrase-file"
            || !n.contains("passphrase")
            || n == "new-passphrase-file"
            || n == "other-passphrase-file"));
    }
}
