//! `man`: the manual page, in roff, from the same clap definitions as
//! `--help` (clap_mangen), so the two cannot drift apart.
//!
//! clap_mangen renders one command per page; codevault's commands are few
//! and short, so they go into the one page as a COMMANDS section, each
//! rendered by clap_mangen as well (synopsis, description, options, its
//! example). The sections `--help` has no room for (environment, files,
//! exit status, security, see also) are written here.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_mangen::Man;
use roff::{Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::error::{Error, Result};

use super::Outcome;

pub(super) fn man(out: &mut dyn Write) -> Result<Outcome> {
    let page = page().map_err(Error::output)?;
    out.write_all(&page)
        .and_then(|()| out.flush())
        .map_err(Error::output)?;
    Ok(Outcome::Done)
}

/// The whole page.
pub(super) fn page() -> io::Result<Vec<u8>> {
    // Unbuilt: the subcommands do not carry the global options yet.
    let cmd = Cli::command();
    let man = Man::new(cmd.clone()).manual("codevault manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    commands(&cmd, &mut page)?;
    extra_sections().to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Every visible command as a subsection: clap_mangen's own rendering of
/// it, its section headings turned into plain paragraphs.
fn commands(cmd: &clap::Command, page: &mut Vec<u8>) -> io::Result<()> {
    Roff::new().control("SH", ["COMMANDS"]).to_writer(page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        // The global options are under OPTIONS; --help is in every one.
        let one = sub
            .clone()
            .bin_name(format!("codevault {name}"))
            .disable_help_flag(true);
        let man = Man::new(one);
        let mut parts = Vec::new();
        man.render_synopsis_section(&mut parts)?;
        man.render_description_section(&mut parts)?;
        if sub.get_arguments().next().is_some() {
            man.render_options_section(&mut parts)?;
        }
        man.render_extra_section(&mut parts)?;
        let text = String::from_utf8(parts).map_err(io::Error::other)?;
        writeln!(page, ".SS \"{name}\"")?;
        // The example comes last: shown as written, not filled.
        let mut example = false;
        for line in text.lines() {
            match line.strip_prefix(".SH ") {
                Some("SYNOPSIS") => {}
                Some("EXTRA") => {
                    writeln!(page, ".PP\n.nf")?;
                    example = true;
                }
                Some(_) => writeln!(page, ".PP")?,
                None => writeln!(page, "{line}")?,
            }
        }
        if example {
            writeln!(page, ".fi")?;
        }
    }
    Ok(())
}

/// Items of a tagged list: a term, then its paragraph.
fn tagged(roff: &mut Roff, items: &[(&str, &str)]) {
    for (term, text) in items {
        roff.control("TP", [] as [&str; 0])
            .text([bold(*term)])
            .text([roman(*text)]);
    }
}

fn extra_sections() -> Roff {
    let mut r = Roff::new();
    r.control("SH", ["ENVIRONMENT"]);
    tagged(
        &mut r,
        &[
            (
                "CODEVAULT_PATH",
                "The vault file, when --vault is not given.",
            ),
            (
                "CODEVAULT_PASSPHRASE",
                "The passphrase, when --passphrase-file is not given. Other users cannot read \
                 a process's environment, but a shell history or a CI log may keep it.",
            ),
            (
                "CODEVAULT_NEW_PASSPHRASE",
                "The new passphrase of init and passwd, when --new-passphrase-file is not given.",
            ),
            (
                "CODEVAULT_CLIP_TIME",
                "Seconds before next --copy clears the clipboard (1-3600, default 45).",
            ),
            (
                "NO_COLOR",
                "Set to anything, turns colour off under --color auto.",
            ),
            (
                "XDG_DATA_HOME",
                "Where the default vault lives: $XDG_DATA_HOME/codevault/vault.cvlt.",
            ),
            (
                "DISPLAY, WAYLAND_DISPLAY",
                "The clipboard of next --copy: wl-copy on Wayland, xclip on X11.",
            ),
        ],
    );

    r.control("SH", ["FILES"]);
    tagged(
        &mut r,
        &[
            (
                "~/.local/share/codevault/vault.cvlt",
                "The default vault: one file, mode 0600, in a 0700 directory.",
            ),
            (
                "VAULT.lock",
                "Beside the vault: the lock that writers take in turn.",
            ),
            (
                "codevault-export-DATE.json",
                "Written by export without --output: every code in clear, mode 0600.",
            ),
        ],
    );

    r.control("SH", ["EXIT STATUS"]);
    tagged(
        &mut r,
        &[
            ("0", "Success; for check, the code is valid and unused."),
            (
                "1",
                "The code was refused: used, revoked, of another account, or unknown.",
            ),
            (
                "2",
                "Usage or input error: bad arguments, a malformed code, an unknown account, \
                 no vault at the path, no passphrase source.",
            ),
            ("3", "Wrong passphrase."),
            (
                "4",
                "The vault file is damaged, was modified, is not a vault, is of an unsupported \
                 version, or asks for a key-derivation cost outside the bounds.",
            ),
            (
                "5",
                "Any other failure: I/O, a full disk, permissions, a lock held too long, \
                 no clipboard.",
            ),
        ],
    );

    r.control("SH", ["SECURITY"]);
    r.text([roman(
        "The vault is encrypted with XChaCha20-Poly1305 under a key derived from the \
         passphrase with Argon2id; any change to the file is detected. Every write goes to a \
         temporary file that is synced and renamed over the vault, so a crash leaves the old \
         vault or the new one, whole. A passphrase is never a command-line argument. Codes \
         appear only in the output of the commands that exist to show them, never in a \
         message, the log or an error.",
    )]);
    r.control("PP", [] as [&str; 0]);
    r.text([
        bold("export"),
        roman(
            " writes every code in clear: keep the file as safe as the codes, and delete it \
             when done. ",
        ),
        bold("next --copy"),
        roman(
            " leaves the code on the clipboard, where other programs of the session can read \
             it, until it is cleared.",
        ),
    ]);

    r.control("SH", ["EXAMPLES"]);
    r.text([roman("Install this page:")]);
    r.control("RS", ["4"]).control("nf", [] as [&str; 0]);
    for line in [
        "mkdir -p ~/.local/share/man/man1",
        "codevault man > ~/.local/share/man/man1/codevault.1",
        "man codevault",
    ] {
        r.text([bold(line)]);
    }
    r.control("fi", [] as [&str; 0])
        .control("RE", [] as [&str; 0]);

    r.control("SH", ["SEE ALSO"]);
    r.text([
        bold("pass"),
        roman("(1), "),
        bold("age"),
        roman("(1), "),
        bold("xclip"),
        roman("(1), "),
        bold("wl-copy"),
        roman("(1); the README of codevault, and "),
        italic("https://no-color.org"),
        roman("."),
    ]);
    r
}
