//! Reading the codes a platform gave out of the text it gave them in.
//!
//! Google's `Backup-codes-*.txt` (two numbered columns, an e-mail address,
//! a date), GitHub's `github-recovery-codes.txt` (`xxxxx-xxxxx` lines),
//! Discord's list (`* abcd-1234`, `(used)` after a spent one), a recovery
//! key of five groups of five, codes pasted from a phone (`1234 5678` under
//! a heading), numbered lists (`1) 12345678`, `1 12345678`), Markdown
//! checklists and tables, ticked or struck lists and plain lists all come
//! down to columns of two kinds. A line is split into columns at a tab or
//! a run of spaces; each column is one of:
//!
//! - **Codes**: nothing but groups of letters and digits, list numbers,
//!   bullets and used marks. Every group in it is part of a code: groups
//!   are joined, in order, into codes of the set's shape, and what does not
//!   make one (`2345678` or `2345 678` among 8-digit codes) is a
//!   *malformed* code. A mistyped code is still a code the platform will
//!   accept, so it refuses the import, naming its line, unless the caller
//!   skips it on purpose.
//! - **Prose** (a heading, a date, an address, a phone number, a sentence):
//!   only a letter-and-digit code in dashed groups is taken from it
//!   (`Your recovery code is 7QKRM-4XTWB-9JC2H-PFV3D-8G6YN.`); a number of
//!   the codes' shape in a sentence (`Account 98765432`) is not taken, but
//!   its line is reported, so that nothing is left out unsaid.
//!
//! The set's shape is the one most codes of the text share. Each code keeps
//! the text it was printed as, so that the set can show codes as the
//! platform printed them ([`Layout`]).
//!
//! Pure text in, codes out: no file, no terminal. Nothing here repeats a
//! code in an error; a malformed one is named by its line and length.

use std::collections::HashMap;

use crate::code::{Alphabet, Code, Layout, MAX_LEN, fold_width, is_dash};

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
}

impl MalformedLines {
    /// `line 2 (7 characters)`, `lines 2 (7 characters) and 4 (1 character)`.
    pub fn named(&self) -> String {
        let each: Vec<String> = self
            .lines
            .iter()
            .map(|m| {
                let lens: Vec<String> = m.lens.iter().map(usize::to_string).collect();
                let last = m.lens.last().copied().unwrap_or(0);
                let unit = if last == 1 { "character" } else { "characters" };
                format!("{} ({} {unit})", m.line, and_list(&lens))
            })
            .collect();
        match each.as_slice() {
            [one] => format!("line {one}"),
            _ => format!("lines {}", and_list(&each)),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl std::fmt::Display for MalformedLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (is, a_code) = if self.lines.len() == 1 {
            ("is", "a code")
        } else {
            ("are", "codes")
        };
        write!(
            f,
            "{} of the text {is} not {a_code} of the set's shape ({})",
            self.named(),
            self.shape.describe()
        )
    }
}

type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Shortest and longest digit code a platform hands out.
const DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// Letter-and-digit codes, separators removed: from Discord's 8 to a
/// recovery key of seven groups of four.
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
    let lines: Vec<Line> = text.lines().map(Line::read).collect();
    let Some(shape) = dominant_shape(&lines) else {
        return Err(ImportError::NoCodes);
    };
    let case = letter_case(&lines);
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    let mut in_prose = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let reading = line.read_codes(shape, case);
        found.extend(reading.found);
        if !reading.lens.is_empty() {
            malformed.push(Malformed {
                line: i + 1,
                lens: reading.lens,
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
    if let Some(malformed) = malformed.clone()
        && !skip_malformed
    {
        return Err(ImportError::Malformed(malformed));
    }
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
    let mut layouts: Vec<(Layout, usize)> = Vec::new();
    let mut duplicates = 0;
    for f in found {
        if let Some(layout) = Layout::of(&f.printed) {
            match layouts.iter_mut().find(|(l, _)| *l == layout) {
                Some((_, n)) => *n += 1,
                None => layouts.push((layout, 1)),
            }
        }
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
    // The most common layout; on a tie the first printed.
    let mut layout = None;
    let mut best = 0;
    for (l, n) in layouts {
        if n > best {
            (layout, best) = (Some(l), n);
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

/// A line in its columns, and, where it has several, read as one column
/// too: two spaces may part the groups of one code (`1234  5678`) as well
/// as two columns of codes.
struct Line {
    columns: Vec<Column>,
    whole: Option<Column>,
}

/// What a line gave.
struct Reading {
    found: Vec<Found>,
    /// The length of each stretch that made no code.
    lens: Vec<usize>,
    /// Whether a number of the codes' shape was inside other text.
    prose_number: bool,
}

impl Line {
    fn read(line: &str) -> Line {
        let text = clean(line);
        let columns: Vec<Column> = split_columns(&text)
            .iter()
            .map(|c| Column::read(c))
            .collect();
        let whole = (columns.len() > 1).then(|| Column::read(&text.replace('\t', " ")));
        Line { columns, whole }
    }

    /// The line's codes: by columns, or as one column where that makes
    /// more codes or leaves less over.
    fn read_codes(&self, shape: Alphabet, case: Option<bool>) -> Reading {
        let by_columns = read_columns(&self.columns, shape, case);
        let Some(whole) = &self.whole else {
            return by_columns;
        };
        let as_one = read_columns(std::slice::from_ref(whole), shape, case);
        let score = |r: &Reading| {
            (
                r.found.len(),
                std::cmp::Reverse(r.lens.iter().sum::<usize>()),
            )
        };
        if score(&as_one) > score(&by_columns) {
            as_one
        } else {
            by_columns
        }
    }
}

fn read_columns(columns: &[Column], shape: Alphabet, case: Option<bool>) -> Reading {
    let mut reading = Reading {
        found: Vec::new(),
        lens: Vec::new(),
        prose_number: false,
    };
    for column in columns {
        match column.kind(shape) {
            Kind::Codes => reading
                .lens
                .extend(column.codes_strict(shape, &mut reading.found)),
            Kind::Doubtful => column.codes_exact(shape, case, &mut reading.found),
            Kind::Prose => reading.prose_number |= column.codes_in_prose(shape, &mut reading.found),
        }
    }
    reading
}

/// Whether the letters of the text's codes are upper case (`Some(true)`),
/// lower case (`Some(false)`), or either: a word of letters alone is a code
/// only in the codes' own case (`CONGRATS` is not one of `k7pm2xq9`'s).
fn letter_case(lines: &[Line]) -> Option<bool> {
    let (mut upper, mut lower) = (0, 0);
    for column in lines.iter().flat_map(|l| &l.columns) {
        for p in column.pieces().filter(|p| p.has_letter() && p.has_digit()) {
            if p.text.bytes().all(|b| !b.is_ascii_lowercase()) {
                upper += 1;
            } else if p.text.bytes().all(|b| !b.is_ascii_uppercase()) {
                lower += 1;
            }
        }
    }
    match (upper, lower) {
        (0, 0) => None,
        (u, l) => Some(u > l),
    }
}

/// A code found, with where it came from.
struct Found {
    code: Code,
    /// As printed: its groups, their separators and their case.
    printed: String,
    /// The list number before it, if any.
    number: Option<u32>,
    used: bool,
}

/// One word of a column.
#[derive(Debug)]
enum Word {
    /// `1.`, `10)`, `#3`, `(4)`: a list number.
    Number(u32),
    /// Letters and digits, maybe in groups joined by dashes.
    Piece(Piece),
    /// `(used)`, `✓`, `[x]`: the code beside it was used.
    Used,
    /// `not`, `unused`: the column's used marks say the opposite.
    NotUsed,
    /// A bullet, an empty box, a table rule: neither code nor prose.
    Filler,
    /// Anything else: words, dates, times, addresses, phone numbers.
    Prose,
}

#[derive(Debug)]
struct Piece {
    /// As printed, dashes and case kept.
    text: String,
    /// The letters and digits, lower case.
    norm: String,
    /// The lengths of its dash-separated groups.
    groups: Vec<usize>,
    /// Struck through (`~~1234~~`, `<s>`, or U+0336 over each character).
    struck: bool,
    /// Letters only, in one case, and not in equal dashed groups: a word
    /// (`codes`, `BACKUP`) unless the set's codes are letters and it fits.
    doubtful: bool,
}

impl Piece {
    fn digits(&self) -> bool {
        self.norm.bytes().all(|b| b.is_ascii_digit())
    }

    fn has_letter(&self) -> bool {
        self.norm.bytes().any(|b| b.is_ascii_alphabetic())
    }

    fn has_digit(&self) -> bool {
        self.norm.bytes().any(|b| b.is_ascii_digit())
    }

    /// Groups of one length (at least three), or a single group.
    fn equal_groups(&self) -> bool {
        self.groups.len() == 1 || self.groups.iter().all(|&g| g == self.groups[0] && g >= 3)
    }

    /// A word that is a whole code by itself: digits of a code's length,
    /// or letters and digits (at least one digit), in equal groups if
    /// grouped. `2026-11-22` is a date, `abcd` a word.
    fn whole_code(&self) -> bool {
        self.equal_groups()
            && if self.digits() {
                DIGITS.contains(&self.norm.len())
            } else {
                ALNUM.contains(&self.norm.len()) && self.has_digit()
            }
    }

    /// Letters only, in equal dashed groups (`abcd-efgh`): a code only
    /// where the set's codes are of letters and digits.
    fn letter_code(&self) -> bool {
        !self.has_digit()
            && self.groups.len() >= 2
            && self.equal_groups()
            && ALNUM.contains(&self.norm.len())
    }

    /// Dashed groups of letters and digits (`7QKRM-4XTWB-…`): the only
    /// code taken from a sentence.
    fn dashed(&self) -> bool {
        self.groups.len() >= 2 && self.equal_groups()
    }
}

/// What a column holds, once the set's shape is known.
enum Kind {
    /// Read strictly: every group is part of a code.
    Codes,
    /// Only words of letters (`abcdefgh`, `BACKUP CODES`): codes only where
    /// they fit the shape exactly.
    Doubtful,
    /// A sentence: only what is unmistakably a code.
    Prose,
}

/// One column of a line: the whole line, unless a tab or a run of spaces
/// splits it (`1. 4821 0937      6. 7730 1846`).
struct Column {
    words: Vec<Word>,
}

impl Column {
    /// A column's text (one space between words) as words.
    fn read(text: &str) -> Column {
        let mut words = Vec::new();
        let mut struck = false;
        for raw in text.split(' ').filter(|w| !w.is_empty()) {
            for part in split_word(raw) {
                // `~~` (Markdown) and `<s>` (HTML, turned into `~` by
                // `clean`) open and close a struck stretch.
                let opens = part.starts_with('~');
                let closes = part.ends_with('~') && (part.len() > 1 || struck);
                let word = part.trim_matches('~');
                if !word.is_empty() {
                    words.push(classify(word, struck || opens));
                }
                if closes {
                    struck = false;
                } else if opens {
                    struck = true;
                }
            }
        }
        bare_list_number(&mut words);
        labels(&mut words);
        keep_letter_groups(&mut words);
        Column { words }
    }

    fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.words.iter().filter_map(|w| match w {
            Word::Piece(p) => Some(p),
            _ => None,
        })
    }

    fn kind(&self, shape: Alphabet) -> Kind {
        if self.words.iter().any(|w| matches!(w, Word::Prose)) || self.is_a_number(shape) {
            return Kind::Prose;
        }
        let doubtful = self.pieces().all(|p| p.doubtful);
        match self.pieces().next() {
            None => Kind::Prose,
            // Letters alone among digit codes are words.
            Some(_) if doubtful && matches!(shape, Alphabet::Digits { .. }) => Kind::Prose,
            Some(_) if doubtful => Kind::Doubtful,
            Some(_) => Kind::Codes,
        }
    }

    /// Digits alone in three groups or more of unequal lengths that make
    /// no code of `shape` (`800 555 0199`, `(555) 123-4567`, `2026 11 22`):
    /// a phone number or a date on a line of its own, not a malformed code.
    /// (`2345 678`, two groups, is a code that lost a digit.)
    fn is_a_number(&self, shape: Alphabet) -> bool {
        let all_digits = self
            .words
            .iter()
            .all(|w| matches!(w, Word::Piece(p) if p.digits()));
        let groups: Vec<usize> = self
            .pieces()
            .flat_map(|p| p.groups.iter().copied())
            .collect();
        if !all_digits || groups.len() < 3 || groups.iter().all(|&g| g == groups[0]) {
            return false;
        }
        let date = matches!(groups.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4]);
        let pieces: Vec<&Piece> = self.pieces().collect();
        let mut taken = Vec::new();
        split_run(&pieces, shape, &mut taken);
        date || taken.is_empty()
    }

    /// The runs of the column: pieces one after another, each with the list
    /// number before it and whether a used mark is beside it.
    fn runs(&self) -> Vec<Run<'_>> {
        let negated = self.words.iter().any(|w| matches!(w, Word::NotUsed));
        let mut runs: Vec<Run<'_>> = Vec::new();
        let mut number = None;
        let mut mark_next = false;
        // Whether the last run is still the one a mark would be beside:
        // bullets and table rules between them do not part them.
        let mut beside = false;
        let mut open = false;
        for w in &self.words {
            match w {
                Word::Piece(p) => {
                    if !open {
                        runs.push(Run {
                            pieces: Vec::new(),
                            number: number.take(),
                            used: std::mem::take(&mut mark_next),
                        });
                        open = true;
                    }
                    let run = runs.last_mut().expect("opened above");
                    run.used |= p.struck;
                    run.pieces.push(p);
                    beside = true;
                }
                Word::Used if negated => open = false,
                Word::Used => {
                    // After a code it marks that code; before one (`✓ 1234
                    // 5678`, `[x] ...`), the next.
                    match runs.last_mut() {
                        Some(run) if beside => run.used = true,
                        _ => mark_next = true,
                    }
                    open = false;
                }
                Word::Number(n) => {
                    number = Some(*n);
                    (open, beside) = (false, false);
                }
                Word::Filler | Word::NotUsed => open = false,
                Word::Prose => (open, beside) = (false, false),
            }
        }
        runs
    }

    /// The codes of a column of codes, every group in order; returns how
    /// many characters each stretch that made no code of `shape` held.
    fn codes_strict(&self, shape: Alphabet, out: &mut Vec<Found>) -> Vec<usize> {
        let mut bad = Vec::new();
        for run in self.runs() {
            let mut taken = Vec::new();
            let left = split_run(&run.pieces, shape, &mut taken);
            let total: usize = run.pieces.iter().map(|p| p.norm.len()).sum();
            if taken.is_empty() && total < CODE_LIKE {
                // A year, a page number: too short to be taken for a code.
                continue;
            }
            bad.extend(left);
            run.emit(taken, shape, out);
        }
        bad
    }

    /// A column of letters alone: codes only where its words make codes of
    /// `shape` exactly, in groups of one length and in the codes' own case
    /// (`* abcdefgh`, `ABCD EFGH`); a heading (`THANK YOU`) makes none.
    fn codes_exact(&self, shape: Alphabet, case: Option<bool>, out: &mut Vec<Found>) {
        for run in self.runs() {
            let equal = run
                .pieces
                .iter()
                .all(|p| p.norm.len() == run.pieces[0].norm.len());
            // Without codes of letters and digits to compare with, a
            // word is a word.
            let in_case = |p: &&Piece| match case {
                Some(true) => p.text.bytes().all(|b| !b.is_ascii_lowercase()),
                Some(false) => p.text.bytes().all(|b| !b.is_ascii_uppercase()),
                None => false,
            };
            let mut taken = Vec::new();
            if equal
                && run.pieces.iter().all(in_case)
                && split_run(&run.pieces, shape, &mut taken).is_empty()
            {
                run.emit(taken, shape, out);
            }
        }
    }

    /// The codes of a sentence: letter-and-digit codes in dashed groups.
    /// Returns whether it held a number of the codes' shape, not taken.
    fn codes_in_prose(&self, shape: Alphabet, out: &mut Vec<Found>) -> bool {
        let mut number_seen = false;
        for run in self.runs() {
            let mut taken = Vec::new();
            for group in natural_codes(&run.pieces) {
                let (norm, printed) = joined(group);
                let Ok(code) = Code::parse(&norm, shape) else {
                    continue;
                };
                if !shape.admits(&code) || norm != code.as_str() {
                    continue;
                }
                let dashed = matches!(group, [p] if p.dashed());
                match shape {
                    Alphabet::Alnum { .. } if dashed => taken.push((code, printed)),
                    // A phone, an account or a card number reads like a
                    // digit code: not taken, but said.
                    Alphabet::Digits { .. } => number_seen = true,
                    Alphabet::Alnum { .. } => number_seen |= group.iter().any(|p| p.has_digit()),
                }
            }
            // In prose, a used mark is only believed beside a single code.
            let run = Run {
                used: run.used && taken.len() == 1,
                ..run
            };
            run.emit_parsed(taken, out);
        }
        number_seen
    }
}

/// Pieces one after another in a column.
struct Run<'a> {
    pieces: Vec<&'a Piece>,
    number: Option<u32>,
    used: bool,
}

impl Run<'_> {
    fn emit(&self, groups: Vec<Vec<&Piece>>, shape: Alphabet, out: &mut Vec<Found>) {
        let parsed = groups
            .into_iter()
            .filter_map(|g| {
                let (norm, printed) = joined(&g);
                Some((Code::parse(&norm, shape).ok()?, printed))
            })
            .collect();
        self.emit_parsed(parsed, out);
    }

    fn emit_parsed(&self, codes: Vec<(Code, String)>, out: &mut Vec<Found>) {
        let mut number = self.number;
        for (code, printed) in codes {
            out.push(Found {
                code,
                printed,
                number: number.take(),
                used: self.used,
            });
        }
    }
}

/// The pieces of a run joined, in order, into codes of `shape`'s length;
/// returns the length of each stretch that made none.
fn split_run<'a>(
    pieces: &[&'a Piece],
    shape: Alphabet,
    out: &mut Vec<Vec<&'a Piece>>,
) -> Vec<usize> {
    let len = shape.code_len();
    let digits_only = matches!(shape, Alphabet::Digits { .. });
    let mut bad = Vec::new();
    let mut acc: Vec<&Piece> = Vec::new();
    let mut total = 0;
    for &p in pieces {
        if digits_only && !p.digits() {
            // Letters among digit codes: wrong however it is joined.
            bad.push(total + p.norm.len());
            (acc, total) = (Vec::new(), 0);
            continue;
        }
        acc.push(p);
        total += p.norm.len();
        if total == len {
            out.push(std::mem::take(&mut acc));
            total = 0;
        } else if total > len {
            bad.push(total);
            (acc, total) = (Vec::new(), 0);
        }
    }
    if total > 0 {
        bad.push(total);
    }
    bad
}

/// The codes a run holds read on its own, without knowing the set's
/// shape: each piece that is a whole code, and runs of equal short groups
/// (`1234 5678`, `K7PM 2XQ9 WB4N`, `1234 5678 2345 6789` is two). Groups
/// of mixed lengths (a phone number, `0800 123 456`) make none.
fn natural_codes<'a, 'p>(pieces: &'a [&'p Piece]) -> Vec<&'a [&'p Piece]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, p) in pieces.iter().enumerate() {
        if p.whole_code() || p.letter_code() {
            out.extend(join_groups(&pieces[start..i]));
            out.push(&pieces[i..=i]);
            start = i + 1;
        } else if p.doubtful {
            // A word (`save 1234 5678`) joins nothing.
            out.extend(join_groups(&pieces[start..i]));
            start = i + 1;
        }
    }
    out.extend(join_groups(&pieces[start..]));
    out
}

/// Equal short groups in a row, as codes: all of them as one if that is a
/// code's length, else in pairs.
fn join_groups<'a, 'p>(run: &'a [&'p Piece]) -> Vec<&'a [&'p Piece]> {
    let Some(first) = run.first() else {
        return Vec::new();
    };
    let len = first.norm.len();
    let simple = |p: &&Piece| p.groups.len() == 1 && p.norm.len() == len;
    if run.len() < 2 || len < 3 || !run.iter().all(simple) {
        return Vec::new();
    }
    let digits = run.iter().all(|p| p.digits());
    let any_digit = run.iter().any(|p| p.has_digit());
    let fits = |n: usize| {
        if digits {
            DIGITS.contains(&n)
        } else {
            any_digit && ALNUM.contains(&n)
        }
    };
    let per_code = if fits(len * run.len()) {
        run.len()
    } else if fits(len * 2) && run.len().is_multiple_of(2) {
        2
    } else {
        return Vec::new();
    };
    run.chunks(per_code).collect()
}

/// The normalised text and the printed text of pieces read as one code.
fn joined(pieces: &[&Piece]) -> (String, String) {
    let norm = pieces.iter().map(|p| p.norm.as_str()).collect();
    let printed = pieces
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (norm, printed)
}

/// The set's shape: the alphabet that admits the most codes read without
/// knowing it (`None` without any). Codes of letters only, and codes in
/// prose, count only where no other code is found. A letter-and-digit
/// alphabet also admits codes of digits only of its length (GitHub's
/// hexadecimal codes sometimes hold no letter), but only where more codes
/// of that length hold a letter than not; on a tie of counts the digit
/// alphabet, the narrower, wins, then the longer (a mistyped code more
/// often lost a character).
/// The codes of `columns` read without knowing the set's shape, by trust:
/// `found[0]` codes in columns of codes, `found[1]` codes of letters only
/// in dashed groups there (`abcd-efgh`), `found[2]` dashed
/// letter-and-digit codes in prose. Words of letters alone (`abcdefgh`)
/// never decide the shape.
fn natural_shapes(columns: &[Column], found: &mut [Vec<String>; 3]) {
    for column in columns {
        let tier = match column.kind(Alphabet::Alnum { len: 8 }) {
            Kind::Codes => 0,
            Kind::Doubtful => 1,
            Kind::Prose => 2,
        };
        for run in column.runs() {
            for group in natural_codes(&run.pieces) {
                let (norm, _) = joined(group);
                let letters_only = group.iter().all(|p| !p.has_digit());
                let tier = if tier == 0 && letters_only { 1 } else { tier };
                if tier == 2 && !matches!(group, [p] if p.dashed() && p.has_letter()) {
                    continue;
                }
                found[tier].push(norm);
            }
        }
    }
}

fn dominant_shape(lines: &[Line]) -> Option<Alphabet> {
    // By trust: codes in columns of codes, then letters-only codes in
    // them, then codes in prose (a single recovery key in a sentence).
    let mut found: [Vec<String>; 3] = Default::default();
    for line in lines {
        let before = found[0].len();
        natural_shapes(&line.columns, &mut found);
        // Two spaces inside a code (`1234  5678`) part no columns after all.
        if found[0].len() == before
            && let Some(whole) = &line.whole
        {
            natural_shapes(std::slice::from_ref(whole), &mut found);
        }
    }
    let codes = found.into_iter().find(|f| !f.is_empty())?;
    let mut options: Vec<Alphabet> = Vec::new();
    for c in &codes {
        let len = c.len() as u8;
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

// ------------------------------------------------------------ reading a line

/// Width folded, spaces made plain, invisible characters (a byte-order
/// mark, a soft hyphen, a word joiner, an emoji's variation selector)
/// removed, HTML tags dropped (a strike-through tag kept as `~`).
fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().map(fold_width).peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push('\t'),
            c if c.is_whitespace() || c == '\u{200B}' => out.push(' '),
            '\u{FEFF}' | '\u{00AD}' | '\u{2060}' | '\u{200C}' | '\u{200D}' | '\u{FE0E}'
            | '\u{FE0F}' => {}
            '<' => {
                // A tag: `<br>`, `<li>`, `</s>`. Only a short run of tag
                // characters counts, so `a < b` stays text.
                let tag: String = chars
                    .clone()
                    .take(12)
                    .take_while(|&c| c != '>' && c != '<')
                    .collect();
                let name = tag.trim_start_matches('/').to_ascii_lowercase();
                let is_tag = chars.clone().nth(tag.chars().count()) == Some('>')
                    && !name.is_empty()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ');
                if is_tag {
                    for _ in 0..=tag.chars().count() {
                        chars.next();
                    }
                    let strike = matches!(name.as_str(), "s" | "del" | "strike");
                    out.push_str(if strike { " ~ " } else { "  " });
                } else {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A tab or two spaces or more part columns; what is inside one is one
/// space apart.
fn split_columns(line: &str) -> Vec<String> {
    let mut columns = vec![String::new()];
    let mut spaces = 0;
    for c in line.chars() {
        match c {
            '\t' => spaces = 2,
            ' ' => spaces += 1,
            c => {
                let current = columns.last_mut().expect("one at least");
                if spaces >= 2 && !current.is_empty() {
                    columns.push(String::new());
                } else if spaces == 1 && !current.is_empty() {
                    current.push(' ');
                }
                spaces = 0;
                columns.last_mut().expect("one at least").push(c);
            }
        }
    }
    columns.retain(|c| !c.is_empty());
    columns
}

/// A word that is several: `12345678,23456789`, `2345 6789(used)`,
/// `1.1234`, `✓12345678`.
fn split_word(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    for part in word.split([',', ';']) {
        // A mark glued to a code: `6789(used)`.
        let part = match part.find(['(', '[']) {
            Some(i) if i > 0 => {
                parts.push(&part[..i]);
                &part[i..]
            }
            _ => part,
        };
        // A list number or a tick glued before a code: `1.1234`, `2)2345`.
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        let marker = (1..=3).contains(&digits)
            && matches!(part.as_bytes().get(digits), Some(b'.' | b')'))
            && part.len() > digits + 1;
        if marker {
            parts.push(&part[..=digits]);
            parts.push(&part[digits + 1..]);
            continue;
        }
        match part.char_indices().nth(1) {
            Some((i, _)) if part.starts_with(is_tick) => {
                parts.push(&part[..i]);
                parts.push(&part[i..]);
            }
            _ => parts.push(part),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

fn is_tick(c: char) -> bool {
    matches!(c, '✓' | '✔' | '☑' | '✅' | '☒')
}

/// A column that starts with a bare number of 1 to 3 digits before a group
/// of another length (`1 12345678`, `2 2345 678`) starts with a list
/// number, not with a part of a code.
fn bare_list_number(words: &mut [Word]) {
    let mut pieces = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !matches!(w, Word::Filler | Word::Used));
    let (Some((i, Word::Piece(p))), Some((_, Word::Piece(next)))) = (pieces.next(), pieces.next())
    else {
        return;
    };
    let number = p.digits() && p.groups.len() == 1 && p.norm.len() <= 3;
    if number && next.groups[0] != p.norm.len() {
        let n = p.norm.parse().unwrap_or(0);
        words[i] = Word::Number(n);
    }
}

/// `Code 1: 1234 5678`, `Key #2 ...`: a word before a list number at the
/// start of a column is its label, not prose.
fn labels(words: &mut [Word]) {
    let label = |w: &Word| matches!(w, Word::Prose) || matches!(w, Word::Piece(p) if p.doubtful);
    if words.len() > 2 && label(&words[0]) && matches!(words[1], Word::Number(_)) {
        words[0] = Word::Filler;
    }
}

/// In a column without prose, a word of letters alone in one case (`WBCN`)
/// is a group of a code beside a group of the same length that holds a
/// digit, or beside such a word (`K7PM 2XQ9 WBCN`, `frjx 4627 n7h2`);
/// otherwise it stays doubtful: a word (`Also save 1234 5678`), unless the
/// set's codes are letters and it fits (`abcdefgh`). One sweep each way
/// carries it along a row of them.
fn keep_letter_groups(words: &mut [Word]) {
    if words.iter().any(|w| matches!(w, Word::Prose)) {
        return;
    }
    let group_len = |w: &Word| match w {
        Word::Piece(p) if p.groups.len() == 1 => Some(p.norm.len()),
        _ => None,
    };
    let anchor = |w: &Word| matches!(w, Word::Piece(p) if p.has_digit());
    let doubtful = |w: &Word| matches!(w, Word::Piece(p) if p.doubtful);
    let mut sure: Vec<bool> = words.iter().map(anchor).collect();
    let n = words.len();
    let carry = |i: usize, j: usize, sure: &mut Vec<bool>| {
        if !sure[i] && sure[j] && doubtful(&words[i]) && group_len(&words[i]).is_some() {
            sure[i] = group_len(&words[i]) == group_len(&words[j]);
        }
    };
    for i in 1..n {
        carry(i, i - 1, &mut sure);
    }
    for i in (0..n.saturating_sub(1)).rev() {
        carry(i, i + 1, &mut sure);
    }
    for (w, sure) in words.iter_mut().zip(sure) {
        if let Word::Piece(p) = w
            && p.doubtful
            && sure
        {
            p.doubtful = false;
        }
    }
}

fn classify(word: &str, struck: bool) -> Word {
    // Text struck with combining overlays (U+0334-U+0338 after each
    // character, as copied from a struck-through page).
    let overlaid = word.chars().any(|c| matches!(c, '\u{0334}'..='\u{0338}'));
    let word: String = word
        .chars()
        .filter(|c| !matches!(c, '\u{0334}'..='\u{0338}'))
        .collect();
    let struck = struck || overlaid;
    let lower = word.to_lowercase();
    let inner = lower.trim_matches(['(', ')', '[', ']', '.', ',', ':']);
    let bracketed = inner.len() < lower.len();
    if matches!(inner, "used" | "✓" | "✔" | "☑" | "✅" | "☒") || bracketed && inner == "x"
    {
        return Word::Used;
    }
    if matches!(inner, "unused" | "not" | "unspent" | "new" | "fresh") {
        return Word::NotUsed;
    }
    if matches!(inner, "already" | "spent" | "")
        || matches!(
            word.as_str(),
            "*" | "-"
                | "•"
                | "·"
                | "–"
                | "—"
                | ">"
                | "|"
                | "#"
                | "●"
                | "◦"
                | "○"
                | "▪"
                | "■"
                | "□"
                | "►"
                | "‣"
                | "⁃"
                | "→"
                | "☐"
                | "o"
                | "="
                | "+"
        )
    {
        return Word::Filler;
    }
    // `1.`, `1)`, `1:`, `(1)` and `#1` are list numbers; `a)` and `b.`
    // list letters. `(555)` is an area code.
    let marker = word
        .strip_suffix(['.', ')', ':'])
        .or_else(|| word.strip_prefix('#'))
        .map(|m| match m.strip_prefix('(') {
            Some(inner) if inner.len() > 2 => "",
            Some(inner) => inner,
            None => m,
        })
        .unwrap_or("");
    if (1..=3).contains(&marker.len()) && marker.bytes().all(|b| b.is_ascii_digit()) {
        return Word::Number(marker.parse().unwrap_or(0));
    }
    if marker.len() == 1 && marker.bytes().all(|b| b.is_ascii_lowercase()) {
        return Word::Filler;
    }
    let w = word.trim_matches(|c: char| {
        matches!(
            c,
            ',' | ';'
                | '"'
                | '\''
                | '('
                | ')'
                | '['
                | ']'
                | '.'
                | ':'
                | '!'
                | '?'
                | '`'
                | '*'
                | '_'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
        )
    });
    if w.is_empty() {
        return Word::Filler;
    }
    let groups: Vec<&str> = w.split(is_dash).collect();
    let alnum = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric());
    if !groups.iter().all(|g| alnum(g)) || is_date_or_phone(&groups) {
        return Word::Prose;
    }
    let norm = groups.concat().to_ascii_lowercase();
    if norm.len() > 2 * MAX_LEN {
        return Word::Prose;
    }
    let mut piece = Piece {
        text: w.to_string(),
        groups: groups.iter().map(|g| g.len()).collect(),
        norm,
        struck,
        doubtful: false,
    };
    // A word of letters alone is prose (`Backup`) unless it is in one
    // case, like the groups of a code (`WBCN`, `abcdefgh`, `ABCDE-FGHIJ`):
    // then it is doubtful, and only the set's shape can make it a code.
    if !piece.has_digit() && !piece.letter_code() {
        let one_case = w.bytes().all(|b| !b.is_ascii_lowercase())
            || w.bytes().all(|b| !b.is_ascii_uppercase());
        if !one_case || piece.norm.len() < 3 {
            return Word::Prose;
        }
        piece.doubtful = true;
    }
    Word::Piece(piece)
}

/// `2026-11-22`, `22-11-26`, `555-123-4567`, `1-800-555-0199`: digits in
/// dashed groups of unequal lengths, or of one or two digits, are a date or
/// a phone number. (`2345-678`, two groups, may be a code that lost a
/// digit: it stays a code's piece.)
fn is_date_or_phone(groups: &[&str]) -> bool {
    let digits = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let unequal = lens.iter().any(|&l| l != lens[0]);
    digits && groups.len() >= 2 && (lens.iter().any(|&l| l < 3) || groups.len() >= 3 && unequal)
}

#[cfg(test)]
mod tests;
