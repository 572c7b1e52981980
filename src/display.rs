//! The one door untrusted text goes through on its way to a person, and
//! the one definition of the characters that may not pass it raw.
//!
//! Account names, notes, paths and imported text came from a file, an
//! argument or the vault; written raw to a terminal, a control character
//! moves the cursor, recolours, retitles or writes the clipboard (OSC 52),
//! a newline forges a whole line (`hint: …`), and a bidi override or a
//! zero-width character makes one text read as another (Trojan Source,
//! CVE-2021-42574). [`escape`] shows each such character as `\u{…}`, as
//! fd's `sanitize` does, and leaves every other character as it is.
//! [`JsonFormatter`] escapes the same characters in JSON as `\uXXXX`, so a
//! JSON document piped to a terminal is as safe as the human view.
//!
//! Input refuses what output escapes: [`is_unsafe`] is also the rule for
//! account names and notes (`vault::AccountName`, `vault::Note`).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

/// Whether a character may not be shown raw: a control character (C0,
/// DEL, C1: Unicode Cc), a format character (Cf: bidi overrides and
/// isolates, zero-width characters, the BOM, soft hyphen, tags), a line or
/// paragraph separator (Zl, Zp), or another default-ignorable code point
/// (variation selectors, Hangul fillers, combining grapheme joiner).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || in_table(c, FORMAT_AND_IGNORABLE)
}

/// Unicode 16: General_Category Cf, Zl and Zp, and
/// Default_Ignorable_Code_Point, merged into sorted inclusive ranges.
const FORMAT_AND_IGNORABLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF0}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0000}', '\u{E0FFF}'),
];

fn in_table(c: char, table: &[(char, char)]) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Untrusted text as a person may see it: every [`is_unsafe`] character
/// written as `\u{202e}`, everything else unchanged (borrowed, when there
/// is nothing to escape).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as a person may see it: lossy UTF-8, then [`escape`].
pub fn path(p: &std::path::Path) -> String {
    escape(&p.to_string_lossy()).into_owned()
}

/// serde_json's pretty formatter, with every [`is_unsafe`] character
/// escaped as `\uXXXX` (a surrogate pair above the BMP). serde_json itself
/// escapes C0 controls only; DEL, C1 and the format characters it writes
/// raw, which a terminal would then act on.
pub struct JsonFormatter<'a>(serde_json::ser::PrettyFormatter<'a>);

impl Default for JsonFormatter<'_> {
    fn default() -> Self {
        JsonFormatter(serde_json::ser::PrettyFormatter::new())
    }
}

impl serde_json::ser::Formatter for JsonFormatter<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    // The rest is the pretty formatter's layout.
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` as pretty JSON through [`JsonFormatter`].
pub fn write_json<T: serde::Serialize + ?Sized>(
    out: &mut dyn io::Write,
    value: &T,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, JsonFormatter::default());
    value.serialize(&mut ser).map_err(io::Error::other)
}

/// Quote an account name for a command shown in a hint, so the hint can be
/// pasted into a shell as it is. A name with a control or format character
/// (stored by an older version) is written `$'…'` with `\u` escapes, which
/// bash, zsh and ksh read back as the name and a terminal shows harmlessly.
pub fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else if s.chars().any(crate::display::is_unsafe) {
        let mut quoted = String::from("$'");
        for c in s.chars() {
            match c {
                '\'' | '\\' => {
                    quoted.push('\\');
                    quoted.push(c);
                }
                // The shortest escape bash reads: `\x1b`, `\u202e`, and
                // `\U` only beyond the BMP, so no run of eight digits
                // (which reads as a code) comes out of it.
                c if crate::display::is_unsafe(c) => {
                    let n = c as u32;
                    quoted.push_str(&match n {
                        0..=0xff => format!("\\x{n:02x}"),
                        0x100..=0xffff => format!("\\u{n:04x}"),
                        _ => format!("\\U{n:08x}"),
                    });
                }
                c => quoted.push(c),
            }
        }
        quoted.push('\'');
        quoted
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One of each class the contract names.
    pub(super) const HOSTILE: &[char] = &[
        '\u{1b}',
        '\n',
        '\r',
        '\t',
        '\0',
        '\u{7f}',
        '\u{85}',
        '\u{9b}',
        '\u{202e}',
        '\u{2066}',
        '\u{2069}',
        '\u{200b}',
        '\u{200d}',
        '\u{feff}',
        '\u{2028}',
        '\u{2029}',
        '\u{00ad}',
        '\u{e0041}',
        '\u{fe0f}',
        '\u{115f}',
    ];

    #[test]
    fn each_hostile_class_is_escaped() {
        for &c in HOSTILE {
            assert!(is_unsafe(c), "{c:?}");
            let text = format!("a{c}b");
            let shown = escape(&text);
            assert_eq!(shown, format!("a\\u{{{:x}}}b", c as u32));
        }
        assert_eq!(escape("\u{1b}[2J"), "\\u{1b}[2J");
    }

    #[test]
    fn printable_text_is_left_alone() {
        for s in [
            "github",
            "google/alice@example.com",
            "Ünïcödé ✓ 日本",
            "a b",
            "ﬁ 𝔘",
        ] {
            assert!(matches!(escape(s), Cow::Borrowed(t) if t == s), "{s}");
        }
        // Neighbours of the ranges are printable.
        for c in [
            '\u{00AC}',
            '\u{00AE}',
            '\u{2027}',
            '\u{202F}',
            '\u{FE10}',
            '\u{E1000}',
        ] {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for w in FORMAT_AND_IGNORABLE.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:?}");
        }
    }

    #[test]
    fn json_escapes_what_people_must_not_see_raw() {
        let mut out = Vec::new();
        let text: String = HOSTILE.iter().collect();
        write_json(&mut out, &serde_json::json!({ "note": text })).unwrap();
        let json = String::from_utf8(out).unwrap();
        assert!(!json.chars().any(|c| is_unsafe(c) && c != '\n'), "{json:?}");
        assert!(
            json.contains("\\u202e") && json.contains("\\udb40\\udc41"),
            "{json}"
        );
        // And it still reads back as the same text.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["note"], text);
    }

    proptest! {
        #![proptest_config(crate::proptest_config(256))]

        #[test]
        fn escaped_text_has_no_unsafe_character(s in any::<String>()) {
            let shown = escape(&s);
            prop_assert!(!shown.chars().any(is_unsafe));
            if !s.chars().any(is_unsafe) {
                prop_assert_eq!(shown.as_ref(), s.as_str());
            }
        }

        #[test]
        fn printable_text_is_unchanged(s in "\\PC*") {
            // `\PC` excludes Cc, Cf, Co, Cn and Cs; what is left but
            // default-ignorable is filtered out here.
            if !s.chars().any(|c| in_table(c, FORMAT_AND_IGNORABLE)) {
                let shown = escape(&s);
                prop_assert_eq!(shown.as_ref(), s.as_str());
            }
        }

        #[test]
        fn json_keeps_the_text_and_escapes_it(s in any::<String>()) {
            let mut out = Vec::new();
            write_json(&mut out, &s).unwrap();
            let json = String::from_utf8(out).unwrap();
            prop_assert!(!json.chars().any(is_unsafe));
            prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), s);
        }
    }
}
