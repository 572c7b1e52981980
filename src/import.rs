//! Reading the codes a platform gave out of the text it gave them in.
//!
//! Google's `Backup-codes-*.txt` (two numbered columns, an e-mail address,
//! a date), GitHub's `github-recovery-codes.txt` (`xxxxx-xxxxx` lines),
//! Discord's list (`* abcd-1234`, `(used)` after a spent one), a recovery
//! key of five groups of five, codes pasted from a phone (`1234 5678` under
//! a heading), numbered lists (`1) 12345678`), ticked or struck lists and
//! plain lists all come down to lines of two kinds:
//!
//! - A **code line** holds nothing but groups of letters and digits, list
//!   numbers, bullets and used marks. Every group on it is part of a code:
//!   groups are joined, in order, into codes of the set's shape, and what
//!   does not make one (`2345678` or `2345 678` among 8-digit codes) is a
//!   *malformed* code. A mistyped code is still a code the platform will
//!   accept, so it refuses the import, naming its line, unless the caller
//!   skips it on purpose.
//! - A **prose line** (a heading, a date, an address, a phone number, a
//!   sentence) gives only what is unmistakably a code of the set's shape
//!   (`Your recovery code is K7PM-2XQ9-WB4N.`); everything else in it is
//!   prose, never a code and never an error.
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

impl MalformedLines {
    /// `line 2 (7 characters)`, `lines 2 (7 characters) and 4 (9 characters)`.
    pub fn named(&self) -> String {
        let each: Vec<String> = self
            .lines
            .iter()
            .map(|m| format!("{} ({} characters)", m.line, m.len))
            .collect();
        match each.as_slice() {
            [one] => format!("line {one}"),
            [rest @ .., last] => format!("lines {} and {last}", rest.join(", ")),
            [] => "no line".to_string(),
        }
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
/// Fewer characters than this on a code line is not taken for a code at
/// all, malformed or not: a page number, a year.
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
}

/// A code line's text that is not a code of the set's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// 1-based.
    pub line: usize,
    /// Letters and digits it holds, separators left out.
    pub len: usize,
}

/// Finds the codes in a platform's text. Malformed codes refuse the text
/// with [`ImportError::Malformed`], unless `skip_malformed`.
pub fn parse(text: &str, skip_malformed: bool) -> Result<Parsed> {
    let lines: Vec<Line> = text.lines().map(Line::read).collect();
    let Some(shape) = dominant_shape(&lines) else {
        return Err(ImportError::NoCodes);
    };
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let bad = if line.is_code_line() {
            line.codes_strict(shape, &mut found)
        } else {
            line.codes_in_prose(shape, &mut found);
            0
        };
        if bad > 0 {
            malformed.push(Malformed {
                line: i + 1,
                len: bad,
            });
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
    })
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

/// One word of a line.
#[derive(Debug)]
enum Word {
    /// `1.`, `10)`, `#3`: a list number.
    Number(u32),
    /// Letters and digits, maybe in groups joined by dashes.
    Piece(Piece),
    /// `(used)`, `✓`, `[x]`: the code beside it was used.
    Used,
    /// A bullet or an empty box: neither code nor prose.
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
    /// Struck through (`~~1234~~`, or U+0336 over each character).
    struck: bool,
}

impl Piece {
    fn digits(&self) -> bool {
        self.norm.bytes().all(|b| b.is_ascii_digit())
    }

    fn letters_only(&self) -> bool {
        !self.norm.bytes().any(|b| b.is_ascii_digit())
    }

    /// Groups of one length (at least three), or a single group.
    fn equal_groups(&self) -> bool {
        self.groups.len() == 1 || self.groups.iter().all(|&g| g == self.groups[0] && g >= 3)
    }

    /// A word that is a whole code by itself, in any line: digits of a
    /// code's length, or letters and digits (at least one digit), in equal
    /// groups if grouped. `2026-11-22` is a date, `abcd` a word.
    fn whole_code(&self) -> bool {
        self.equal_groups()
            && if self.digits() {
                DIGITS.contains(&self.norm.len())
            } else {
                ALNUM.contains(&self.norm.len()) && !self.letters_only()
            }
    }

    /// Letters only, in equal dashed groups (`abcd-efgh`): a code only
    /// where the set's codes are of letters and digits.
    fn letter_code(&self) -> bool {
        self.letters_only()
            && self.groups.len() >= 2
            && self.equal_groups()
            && ALNUM.contains(&self.norm.len())
    }
}

struct Line {
    words: Vec<Word>,
}

impl Line {
    fn read(line: &str) -> Line {
        // A byte-order mark (Notepad) or a zero-width space counts as a space.
        let folded: String = line
            .chars()
            .map(fold_width)
            .map(|c| {
                if c.is_whitespace() || matches!(c, '\u{FEFF}' | '\u{200B}') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let mut words = Vec::new();
        let mut struck = false;
        for raw in folded.split(' ').filter(|w| !w.is_empty()) {
            // `~~` opens and closes a struck stretch (Markdown).
            let opens = raw.starts_with("~~");
            let closes = raw.len() > 2 && raw.ends_with("~~") || raw == "~~" && struck;
            let within = struck || opens;
            let word = raw.replace("~~", "");
            if !word.is_empty() {
                words.push(classify(&word, within));
            }
            if opens {
                struck = true;
            }
            if closes {
                struck = false;
            }
        }
        keep_letter_groups(&mut words);
        Line { words }
    }

    /// Nothing but pieces, list numbers, bullets and marks, and at least
    /// one piece that can be part of a code.
    fn is_code_line(&self) -> bool {
        let mut pieces = self.words.iter().filter_map(|w| match w {
            Word::Piece(p) => Some(p),
            _ => None,
        });
        !self.words.iter().any(|w| matches!(w, Word::Prose))
            && pieces.any(|p| !p.letters_only() || p.letter_code())
    }

    /// The runs of the line: pieces one after another, each with the list
    /// number before it and whether a used mark is beside it.
    fn runs(&self) -> Vec<Run<'_>> {
        let mut runs: Vec<Run<'_>> = Vec::new();
        let mut number = None;
        let mut mark_next = false;
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
                }
                Word::Used => {
                    // After a code it marks that code; before one (`✓ 1234
                    // 5678`, `[x] ...`), the next.
                    match runs.last_mut() {
                        Some(run) if open => run.used = true,
                        _ => mark_next = true,
                    }
                    open = false;
                }
                Word::Number(n) => {
                    number = Some(*n);
                    open = false;
                }
                Word::Filler | Word::Prose => open = false,
            }
        }
        runs
    }

    /// The codes of a code line, every group in order; returns how many
    /// characters were left that make no code of `shape`.
    fn codes_strict(&self, shape: Alphabet, out: &mut Vec<Found>) -> usize {
        let mut bad = 0;
        for (i, run) in self.runs().into_iter().enumerate() {
            let mut taken = Vec::new();
            let mut left = split_run(&run.pieces, shape, &mut taken);
            // A bare number first on the line (`1 12345678`) is a list
            // number if the rest makes codes without it.
            if left > 0 && i == 0 && run.pieces.len() > 1 {
                let first = &run.pieces[0];
                if first.digits() && first.groups.len() == 1 && first.norm.len() <= 3 {
                    let mut without = Vec::new();
                    if split_run(&run.pieces[1..], shape, &mut without) == 0 {
                        (taken, left) = (without, 0);
                    }
                }
            }
            let total: usize = run.pieces.iter().map(|p| p.norm.len()).sum();
            if taken.is_empty() && total < CODE_LIKE {
                // A year, a page number: too short to be taken for a code.
                continue;
            }
            bad += left;
            run.emit(taken, shape, out);
        }
        bad
    }

    /// The codes of a prose line: only words, or runs of equal groups,
    /// that are whole codes of `shape`.
    fn codes_in_prose(&self, shape: Alphabet, out: &mut Vec<Found>) {
        for run in self.runs() {
            let mut taken = Vec::new();
            for group in natural_codes(&run.pieces) {
                let (norm, printed) = joined(group);
                // A run of digits in a sentence is a number (a phone, an
                // account) unless the codes are digits too.
                let letters = norm.bytes().any(|b| b.is_ascii_alphabetic());
                let digit_shape = matches!(shape, Alphabet::Digits { .. });
                if let Ok(code) = Code::parse(&norm, shape)
                    && shape.admits(&code)
                    && (digit_shape || letters)
                {
                    taken.push((code, printed));
                }
            }
            // In prose, a used mark is only believed beside a single code.
            let run = Run {
                used: run.used && taken.len() == 1,
                ..run
            };
            run.emit_parsed(taken, out);
        }
    }
}

/// A word of letters alone in one case (`WBCN`) is a group of a code only
/// beside a group of the same length that is one (`K7PM 2XQ9 WBCN`);
/// otherwise it is prose (`see`, `here`, `CODES`).
fn keep_letter_groups(words: &mut [Word]) {
    let group_len = |w: &Word| match w {
        Word::Piece(p) if p.groups.len() == 1 => Some(p.norm.len()),
        _ => None,
    };
    let doubtful = |w: &Word| matches!(w, Word::Piece(p) if p.letters_only() && !p.letter_code());
    let mut sure: Vec<bool> = words.iter().map(|w| !doubtful(w)).collect();
    // Outward from the groups with a digit, one neighbour at a time.
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..words.len() {
            let len = group_len(&words[i]);
            let beside = |j: usize| sure[j] && len.is_some() && group_len(&words[j]) == len;
            if !sure[i] && (i > 0 && beside(i - 1) || i + 1 < words.len() && beside(i + 1)) {
                sure[i] = true;
                changed = true;
            }
        }
    }
    for (w, sure) in words.iter_mut().zip(sure) {
        if !sure {
            *w = Word::Prose;
        }
    }
}

/// Pieces one after another on a line.
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

/// The pieces of a code line's run joined, in order, into codes of
/// `shape`'s length; returns how many characters made none.
fn split_run<'a>(pieces: &[&'a Piece], shape: Alphabet, out: &mut Vec<Vec<&'a Piece>>) -> usize {
    let len = shape.code_len();
    let digits_only = matches!(shape, Alphabet::Digits { .. });
    let mut bad = 0;
    let mut acc: Vec<&Piece> = Vec::new();
    let mut total = 0;
    for &p in pieces {
        if digits_only && !p.digits() {
            // Letters among digit codes: wrong however it is joined.
            bad += total + p.norm.len();
            (acc, total) = (Vec::new(), 0);
            continue;
        }
        acc.push(p);
        total += p.norm.len();
        if total == len {
            out.push(std::mem::take(&mut acc));
            total = 0;
        } else if total > len {
            bad += total;
            (acc, total) = (Vec::new(), 0);
        }
    }
    bad + total
}

/// The codes a run holds read on its own, without knowing the set's
/// shape: each piece that is a whole code, and runs of equal short groups
/// (`1234 5678`, `K7PM 2XQ9 WB4N`, `1234 5678 2345 6789` is two). Groups
/// of mixed lengths (a phone number, `0800 123 456`) make none.
fn natural_codes<'a, 'p>(pieces: &'a [&'p Piece]) -> Vec<&'a [&'p Piece]> {
    let mut out = Vec::new();
    let mut start = 0;
    let flush = |from: usize, to: usize, out: &mut Vec<&'a [&'p Piece]>| {
        out.extend(join_groups(&pieces[from..to]));
    };
    for (i, p) in pieces.iter().enumerate() {
        if p.whole_code() || p.letter_code() {
            flush(start, i, &mut out);
            out.push(&pieces[i..=i]);
            start = i + 1;
        }
    }
    flush(start, pieces.len(), &mut out);
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
    let any_digit = run.iter().any(|p| !p.letters_only());
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
/// prose, count only where no other code is found. A letter-and-digit alphabet also admits
/// codes of digits only of its length (GitHub's hexadecimal codes
/// sometimes hold no letter); on a tie the digit alphabet, the narrower,
/// wins, then the longer (a mistyped code more often lost a character).
fn dominant_shape(lines: &[Line]) -> Option<Alphabet> {
    // By trust: codes on code lines, then letters-only codes on them, then
    // codes in prose (a single recovery key in a sentence).
    let mut found: [Vec<String>; 4] = Default::default();
    for line in lines {
        let prose = if line.is_code_line() { 0 } else { 2 };
        for run in line.runs() {
            for group in natural_codes(&run.pieces) {
                let (norm, _) = joined(group);
                let weak = usize::from(group.iter().all(|p| p.letters_only()));
                found[prose + weak].push(norm);
            }
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
                Alphabet::Alnum { .. } => true,
            };
            if fits && !options.contains(&a) {
                options.push(a);
            }
        }
    }
    // Letters and digits is the shape only where at least half the codes
    // of its length hold a letter: 1 in 110 of GitHub's codes holds none,
    // but a letter in one code of a digit list is a slip.
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
            if letters >= digits {
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
    if matches!(
        lower.as_str(),
        "(used)"
            | "[used]"
            | "used"
            | "used)"
            | "(used"
            | "[x]"
            | "(x)"
            | "✓"
            | "✔"
            | "☑"
            | "✅"
            | "☒"
    ) {
        return Word::Used;
    }
    if matches!(
        word.as_str(),
        "*" | "-" | "•" | "·" | "–" | "—" | ">" | "[" | "]" | "[]" | "[ ]" | "☐" | "|" | ":"
    ) {
        return Word::Filler;
    }
    // `1.`, `1)`, `1:` and `#1` are list numbers.
    let marker = word
        .strip_suffix(['.', ')', ':'])
        .or_else(|| word.strip_prefix('#'))
        .map(|m| m.trim_start_matches('('))
        .unwrap_or("");
    if (1..=3).contains(&marker.len()) && marker.bytes().all(|b| b.is_ascii_digit()) {
        return Word::Number(marker.parse().unwrap_or(0));
    }
    let w = word.trim_matches(|c: char| {
        matches!(
            c,
            ',' | ';' | '"' | '\'' | '(' | ')' | '[' | ']' | '.' | ':'
        )
    });
    if w.is_empty() {
        return Word::Filler;
    }
    let groups: Vec<&str> = w.split(is_dash).collect();
    let alnum = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric());
    if !groups.iter().all(|g| alnum(g)) {
        return Word::Prose;
    }
    let norm = groups.concat().to_ascii_lowercase();
    if is_date(&groups) {
        return Word::Prose;
    }
    let piece = Piece {
        text: w.to_string(),
        groups: groups.iter().map(|g| g.len()).collect(),
        norm,
        struck,
    };
    // A word of letters alone is prose (`Backup`, `codes`, `long-term`)
    // unless it is in equal dashed groups or in one case, like a group of
    // a code (`WBCN` in `K7PM 2XQ9 WBCN`); and then only a code line can
    // make it part of one.
    if piece.letters_only() && !piece.letter_code() {
        let one_case = w
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            || w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !(one_case && piece.groups.len() == 1 && (3..=8).contains(&piece.norm.len())) {
            return Word::Prose;
        }
    }
    if piece.norm.len() > 2 * MAX_LEN {
        return Word::Prose;
    }
    Word::Piece(piece)
}

/// `2026-11-22`, `22-11-2026`: a date, not a malformed code.
fn is_date(groups: &[&str]) -> bool {
    let digits = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    digits && matches!(lens.as_slice(), [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4])
}

#[cfg(test)]
mod tests;
