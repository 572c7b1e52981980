//! Reading the codes a platform gave out of the text it gave them in.
//!
//! Google's `Backup-codes-*.txt` (two numbered columns, an e-mail address,
//! a date), GitHub's `github-recovery-codes.txt` (`xxxxx-xxxxx` lines),
//! Discord's list (`* abcd-1234`, `(used)` after a spent one), a recovery
//! key of five groups of five, codes pasted from a phone (`1234 5678` under
//! a heading), numbered lists (`1) 12345678`, `1 12345678`), Markdown
//! checklists and tables, ticked or struck lists and plain lists all come
//! down to columns of two kinds. A line is split into columns at a tab, a
//! run of spaces, a table's `|` or a CSV export's comma or quote; each
//! column is one of:
//!
//! - **Codes**: groups of letters and digits, with list numbers, labels
//!   (`Code 1:`), bullets, used marks, and after its first code a remark
//!   (`4821 0937 - laptop`) or a comment (`// phone`). Every group in it is
//!   part of a code: groups
//!   are joined, in order, into codes of the set's shape, and what does not
//!   make one (`2345678` or `2345 678` among 8-digit codes) is a
//!   *malformed* code. A mistyped code is still a code the platform will
//!   accept, so it refuses the import, naming its line, unless the caller
//!   skips it on purpose.
//! - **Prose** (a heading, a date, an address, a phone number, a sentence):
//!   only a letter-and-digit code in groups is taken from it (`Your
//!   recovery code is 7QKRM-4XTWB-9JC2H-PFV3D-8G6YN.`); a number of the
//!   codes' shape in a sentence (`Account 98765432`) is not taken, but its
//!   line is reported, so that nothing is left out unsaid.
//!
//! Around them: markup (Markdown, HTML, e-mail quotes) and invisible
//! characters are taken away first (`words.rs`); a bare number before a
//! code (`1 12345678`) is a list number where the text numbers its lines
//! so; a mark beside a code, in its own column, after a separator, or a
//! `Used codes:` heading above it marks it used; a code broken across two
//! lines (`2345` then `6789`) is a malformed code, not two years. The
//! reading of codes out of columns is `line.rs`.
//!
//! The set's shape is the one most codes of the text share. Each code keeps
//! the text it was printed as, so that the set can show codes as the
//! platform printed them ([`Layout`]).
//!
//! Pure text in, codes out: no file, no terminal. Nothing here repeats a
//! code in an error; a malformed one is named by its line and length.

use std::collections::HashMap;

use crate::code::{Alphabet, Case, Code, Layout, MAX_LEN};

use line::{Found, Heading, Line, Usual, natural_shapes};

mod line;
mod words;

/// Text that holds no set of codes to import.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("no codes found in the text")]
    NoCodes,
    #[error("the text holds {count} codes, more than the {max} a set may have")]
    TooMany { count: usize, max: usize },
    /// Code lines that hold something of another shape than the set's.
    #[error("{0}")]
    Malformed(MalformedLines),
}

/// The code lines of a text that hold something that is not a code of the
/// set's shape: refused, or skipped on request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MalformedLines {
    pub lines: Vec<Malformed>,
    pub shape: Alphabet,
}

/// A line's text that is not a code of the set's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based.
    pub line: usize,
    /// Letters and digits in each stretch that made no code, separators
    /// left out.
    pub lens: Vec<usize>,
    /// Whether a letter stands where the codes have digits (`8O71`).
    pub letters: bool,
}

impl MalformedLines {
    /// `not a code of the set's shape (8 digits)`, or `not codes …`.
    pub fn not_of_the_shape(&self) -> String {
        let a_code = if self.lines.len() == 1 {
            "a code"
        } else {
            "codes"
        };
        format!(
            "not {a_code} of the set's shape ({})",
            self.shape.describe()
        )
    }

    /// `line 2 (7 characters)`, `lines 2 (7 characters) and 4 (1 character)`.
    pub fn named(&self) -> String {
        let each: Vec<String> = self
            .lines
            .iter()
            .map(|m| {
                let lens: Vec<String> = m.lens.iter().map(usize::to_string).collect();
                let last = m.lens.last().copied().unwrap_or(0);
                let unit = if last == 1 { "character" } else { "characters" };
                let letter = if m.letters { ", with a letter" } else { "" };
                format!("{} ({} {unit}{letter})", m.line, and_list(&lens))
            })
            .collect();
        match each.as_slice() {
            [one] => format!("line {one}"),
            _ => format!("lines {}", and_list(&each)),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl std::fmt::Display for MalformedLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let is = if self.lines.len() == 1 { "is" } else { "are" };
        write!(
            f,
            "{} of the text {is} {}",
            self.named(),
            self.not_of_the_shape()
        )
    }
}

type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Shortest and longest digit code a platform hands out.
const DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// Letter-and-digit codes, separators removed: from Discord's 8 to the
/// longest code a set may hold (a recovery key of seven groups of four is
/// 28).
const ALNUM: std::ops::RangeInclusive<usize> = 8..=MAX_LEN;
/// Fewer characters than this in a column of codes is not taken for a
/// code at all, malformed or not: a page number, a year.
const CODE_LIKE: usize = 5;

/// More codes than any platform hands out in one set.
pub const MAX_CODES: usize = 1000;

/// What the text held.
#[derive(Debug)]
pub struct Parsed {
    /// In the platform's numbering where it had one, else in reading order.
    pub codes: Vec<Code>,
    /// For each code, whether the text marked it used (`(used)`, a tick,
    /// a struck line).
    pub used: Vec<bool>,
    /// The alphabet they share.
    pub alphabet: Alphabet,
    /// How most of them were printed.
    pub layout: Option<Layout>,
    /// Codes that appeared more than once, dropped after the first.
    pub duplicates: usize,
    /// Malformed codes left out (only when the caller asked to skip them).
    pub skipped: Option<MalformedLines>,
    /// Lines (1-based) with a number of the codes' shape inside other
    /// text: not taken for a code, and said.
    pub in_prose: Vec<usize>,
}

/// Finds the codes in a platform's text. Malformed codes refuse the text
/// with [`ImportError::Malformed`], unless `skip_malformed`.
pub fn parse(text: &str, skip_malformed: bool) -> Result<Parsed> {
    let text = words::one_break(text);
    let mut struck = false;
    let lines: Vec<Line> = text
        .split('\n')
        .map(|l| Line::read(l, &mut struck))
        .collect();
    let natural = natural(&lines);
    let Some(shape) = dominant_shape(&natural) else {
        return Err(ImportError::NoCodes);
    };
    let numbered = numbered(&lines);
    let usual = Usual {
        case: letter_case(&lines),
        // How the surest codes (in columns of codes, with a digit) were
        // printed.
        layout: most_common_layout(
            natural[0]
                .iter()
                .filter(|(norm, _)| norm.bytes().any(|b| b.is_ascii_digit()))
                .map(|(_, printed)| printed.as_str()),
        ),
    };
    let mut found: Vec<Found> = Vec::new();
    let mut malformed: Vec<Malformed> = Vec::new();
    let mut in_prose = Vec::new();
    // Under `Used codes:` until a blank line after its codes or another
    // heading.
    let mut section_used = false;
    let mut section_has_codes = false;
    let mut short_before: Option<(usize, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        match line.heading {
            Some(Heading::Used) => (section_used, section_has_codes) = (true, false),
            Some(Heading::Fresh | Heading::Other) => section_used = false,
            Some(Heading::Blank) if section_has_codes => section_used = false,
            _ => {}
        }
        let mut reading = line.read_codes(shape, &usual, numbered);
        if section_used {
            reading.found.iter_mut().for_each(|f| f.used = true);
            section_has_codes |= !reading.found.is_empty();
        }
        found.extend(reading.found);
        let mut lens = reading.lens;
        // Two lines of one short group each: a code broken across lines
        // (two years are two years).
        match (short_before, reading.short) {
            (Some((before, len)), Some(this)) if !(years(&lines[before - 1]) && years(line)) => {
                if malformed.last().is_none_or(|m| m.line != before) {
                    malformed.push(Malformed {
                        line: before,
                        lens: vec![len],
                        letters: false,
                    });
                }
                lens.push(this);
            }
            _ => {}
        }
        short_before = reading.short.map(|len| (i + 1, len));
        if !lens.is_empty() {
            malformed.push(Malformed {
                line: i + 1,
                lens,
                letters: reading.letters,
            });
        }
        if reading.prose_number {
            in_prose.push(i + 1);
        }
    }
    let malformed = (!malformed.is_empty()).then_some(MalformedLines {
        lines: malformed,
        shape,
    });
    let malformed = match malformed {
        Some(m) if !skip_malformed => return Err(ImportError::Malformed(m)),
        m => m,
    };
    if found.is_empty() {
        return Err(ImportError::NoCodes);
    }
    // Google numbers its two columns 1-5 and 6-10 but they read across:
    // where every code has a distinct number, that order wins.
    let mut numbers: Vec<u32> = found.iter().filter_map(|f| f.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.len() == found.len() {
        found.sort_by_key(|f| f.number);
    }
    if found.len() > MAX_CODES {
        return Err(ImportError::TooMany {
            count: found.len(),
            max: MAX_CODES,
        });
    }
    let mut at: HashMap<Code, usize> = HashMap::new();
    let mut codes = Vec::with_capacity(found.len());
    let mut used = Vec::with_capacity(found.len());
    let mut duplicates = 0;
    let layout = most_common_layout(found.iter().map(|f| f.printed.as_str()));
    for f in found {
        match at.get(&f.code) {
            // The same code twice: one mark of use is enough.
            Some(&i) => {
                used[i] |= f.used;
                duplicates += 1;
            }
            None => {
                at.insert(f.code.clone(), codes.len());
                codes.push(f.code);
                used.push(f.used);
            }
        }
    }
    Ok(Parsed {
        codes,
        used,
        alphabet: shape,
        layout,
        duplicates,
        skipped: malformed,
        in_prose,
    })
}

/// Whether the line is a year alone (`2026`).
fn years(line: &Line) -> bool {
    let mut pieces = line.columns.iter().flat_map(|c| c.pieces());
    matches!((pieces.next(), pieces.next()), (Some(p), None) if words::is_year(&p.norm))
}

/// Whether the text numbers its lines (`1 12345678`, `2. 23456789`): two
/// or more columns start with a list number, and one of them is 1. Then a
/// bare number first (`3 3349 807`) is one too; a lone `234 5678` among
/// `1234 5678`s is a code that lost a digit.
fn numbered(lines: &[Line]) -> bool {
    let mut leads: Vec<u32> = lines
        .iter()
        .flat_map(|l| &l.columns)
        .filter_map(|c| c.list_start())
        .collect();
    leads.sort_unstable();
    leads.dedup();
    leads.len() >= 2 && leads.contains(&1)
}

/// The layout most of `printed` share; on a tie the first printed.
fn most_common_layout<'a>(printed: impl Iterator<Item = &'a str>) -> Option<Layout> {
    let mut counts: Vec<(Layout, usize)> = Vec::new();
    for layout in printed.filter_map(Layout::of) {
        match counts.iter_mut().find(|(l, _)| *l == layout) {
            Some((_, n)) => *n += 1,
            None => counts.push((layout, 1)),
        }
    }
    let mut best: Option<(Layout, usize)> = None;
    for (l, n) in counts {
        if best.as_ref().is_none_or(|(_, b)| n > *b) {
            best = Some((l, n));
        }
    }
    best.map(|(l, _)| l)
}

/// The codes of the text read without knowing its shape, each normalised
/// and as printed, by trust (see [`line::natural_shapes`]).
fn natural(lines: &[Line]) -> [Vec<(String, String)>; 3] {
    let mut found: [Vec<(String, String)>; 3] = Default::default();
    for line in lines {
        let [columns, whole] = line.readings();
        let before = found[0].len();
        natural_shapes(columns, &mut found);
        // Two spaces inside a code (`1234  5678`) part no columns after all.
        if found[0].len() == before {
            natural_shapes(whole, &mut found);
        }
    }
    found
}

/// The letter case the text's codes with letters and digits share, most
/// of them; `None` without any: a word of letters alone is a code only in
/// the codes' own case (`CONGRATS` is not one of `k7pm2xq9`'s).
fn letter_case(lines: &[Line]) -> Option<Case> {
    let (mut upper, mut lower) = (0, 0);
    for column in lines.iter().flat_map(|l| &l.columns) {
        for p in column.pieces().filter(|p| p.has_letter() && p.has_digit()) {
            match p.case() {
                Some(Case::Upper) => upper += 1,
                Some(Case::Lower) => lower += 1,
                None => {}
            }
        }
    }
    match (upper, lower) {
        (0, 0) => None,
        (u, l) if u > l => Some(Case::Upper),
        _ => Some(Case::Lower),
    }
}

/// The set's shape: the alphabet that admits the most codes read without
/// knowing it (`None` without any). Codes of letters only, and codes in
/// prose, count only where no other code is found. A letter-and-digit
/// alphabet also admits codes of digits only of its length (GitHub's
/// hexadecimal codes sometimes hold no letter), but only where more codes
/// of that length hold a letter than not; on a tie of counts the digit
/// alphabet, the narrower, wins, then the longer (a mistyped code more
/// often lost a character).
fn dominant_shape(natural: &[Vec<(String, String)>; 3]) -> Option<Alphabet> {
    // By trust: codes in columns of codes, then letters-only codes in
    // them, then codes in prose (a single recovery key in a sentence).
    let codes: Vec<&str> = natural
        .iter()
        .find(|f| !f.is_empty())?
        .iter()
        .map(|(norm, _)| norm.as_str())
        .collect();
    let mut options: Vec<Alphabet> = Vec::new();
    for c in &codes {
        let Ok(len) = u8::try_from(c.len()) else {
            continue;
        };
        let digits = c.bytes().all(|b| b.is_ascii_digit());
        for a in [Alphabet::Digits { len }, Alphabet::Alnum { len }] {
            let fits = match a {
                Alphabet::Digits { .. } => digits,
                Alphabet::Alnum { .. } => usize::from(len) <= MAX_LEN,
            };
            if fits && !options.contains(&a) {
                options.push(a);
            }
        }
    }
    let count = |len: usize, letters: bool| {
        codes
            .iter()
            .filter(|c| c.len() == len && c.bytes().any(|b| b.is_ascii_alphabetic()) == letters)
            .count()
    };
    let score = |a: &Alphabet| match *a {
        Alphabet::Digits { .. } => count(a.code_len(), false),
        Alphabet::Alnum { .. } => {
            let (letters, digits) = (count(a.code_len(), true), count(a.code_len(), false));
            if letters > digits {
                letters + digits
            } else {
                letters
            }
        }
    };
    let narrow = |a: &Alphabet| matches!(a, Alphabet::Digits { .. });
    options.into_iter().max_by(|a, b| {
        score(a)
            .cmp(&score(b))
            .then(narrow(a).cmp(&narrow(b)))
            .then(a.code_len().cmp(&b.code_len()))
    })
}

#[cfg(test)]
mod tests;
