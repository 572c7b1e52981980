//! Colour: the one place that knows what is coloured and when.
//!
//! Views and messages mark a few words with a style (a refusal, a warning,
//! a low set) and always write the escape sequences; whether they reach the
//! terminal is decided once per stream, in [`choice`], and carried out by
//! `anstream`, as clap does: `--color always` keeps them, `never`, `--json`,
//! `NO_COLOR` and a stream that is not a terminal (under `auto`) strip them.
//! Only fixed words of codevault are ever styled, never text that came from
//! a file, an argument or the vault.

use anstream::ColorChoice;
use anstream::stream::RawStream;
use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;

/// `codevault: error:` and the reason a code was refused.
pub const REFUSED: Style = AnsiColor::Red.on_default().bold();
/// `warning:`
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// `LOW` in `list`.
pub const LOW: Style = AnsiColor::Yellow.on_default().bold();
/// `hint:`
pub const HINT: Style = AnsiColor::Cyan.on_default();
/// A code that is fine (`check`: unused).
pub const GOOD: Style = AnsiColor::Green.on_default().bold();

/// Whether escape sequences written to `stream` are kept. `--json` never
/// carries colour, on either stream; `auto` follows the stream and the
/// environment (`NO_COLOR`, `CLICOLOR_FORCE`, `TERM=dumb`) as clap does.
pub fn choice(when: ColorWhen, json: bool, stream: &impl RawStream) -> ColorChoice {
    match when {
        _ if json => ColorChoice::Never,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Always => ColorChoice::AlwaysAnsi,
        ColorWhen::Auto => match anstream::AutoStream::choice(stream) {
            ColorChoice::Always | ColorChoice::AlwaysAnsi => ColorChoice::AlwaysAnsi,
            _ => ColorChoice::Never,
        },
    }
}

/// `text` in `style`.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// A message line with its prefix styled: `codevault: error:`, `warning:`
/// and `hint:`; any other line as it is.
pub fn message(line: &str) -> String {
    for (prefix, style) in [
        ("codevault: error:", REFUSED),
        ("warning:", WARNING),
        ("hint:", HINT),
    ] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("{}{rest}", paint(style, prefix));
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_prefix_is_styled() {
        assert_eq!(
            message("warning: 'x' has 2 unused codes left"),
            "\u{1b}[1m\u{1b}[33mwarning:\u{1b}[0m 'x' has 2 unused codes left"
        );
        assert_eq!(message("code 3 of 'x'"), "code 3 of 'x'");
    }

    #[test]
    fn json_and_never_win_over_always() {
        let out: Vec<u8> = Vec::new();
        assert_eq!(choice(ColorWhen::Always, true, &out), ColorChoice::Never);
        assert_eq!(choice(ColorWhen::Never, false, &out), ColorChoice::Never);
        assert_eq!(
            choice(ColorWhen::Always, false, &out),
            ColorChoice::AlwaysAnsi
        );
        // A buffer is no terminal.
        assert_eq!(choice(ColorWhen::Auto, false, &out), ColorChoice::Never);
    }
}
