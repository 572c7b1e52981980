//! Reading the codes out of a line's columns once the set's shape is
//! known: strictly in a column of codes, exactly in a column of letters
//! alone, and only the unmistakable in prose.

use super::words::{
    Piece, Word, classify, clean, is_spaced_date, label_len, mark_lead, settle_letter_groups,
    split_columns, split_word,
};
use super::{ALNUM, CODE_LIKE, DIGITS};
use crate::code::{Alphabet, Case, Code, Layout};

/// A code found, with where it came from.
pub(super) struct Found {
    pub(super) code: Code,
    /// As printed: its groups, their separators and their case.
    pub(super) printed: String,
    /// The list number before it, if any.
    pub(super) number: Option<u32>,
    pub(super) used: bool,
}

/// A line in its columns, and, where it has several, read as one column
/// too: two spaces may part the groups of one code (`1234  5678`) as well
/// as two columns of codes.
pub(super) struct Line {
    pub(super) columns: Vec<Column>,
    whole: Option<Column>,
    /// A heading, which may say what the codes under it are.
    pub(super) heading: Option<Heading>,
}

/// What a line gave.
pub(super) struct Reading {
    pub(super) found: Vec<Found>,
    /// The length of each stretch that made no code.
    pub(super) lens: Vec<usize>,
    /// Whether one of them holds a letter where the codes are digits
    /// (`8O71`, an O read for a 0).
    pub(super) letters: bool,
    /// Whether something of the codes' shape was left out as prose.
    pub(super) prose_number: bool,
    /// The line holds one short group and nothing else (`2345`): half of a
    /// code broken across two lines, if the next line is one too.
    pub(super) short: Option<usize>,
}

impl Line {
    /// `struck`: whether a struck stretch (`~~`) is open at the start of
    /// the line; left as it is at the end.
    pub(super) fn read(line: &str, struck: &mut bool) -> Line {
        let text = clean(line);
        let start = *struck;
        let (parts, by_spaces) = split_columns(&text);
        let columns: Vec<Column> = parts.iter().map(|c| Column::read(c, struck)).collect();
        // Only spaces can part the groups of one code.
        let whole = by_spaces.then(|| {
            let one = text.replace(['\t', '|'], " ");
            Column::read(&one, &mut start.clone())
        });
        Line {
            columns,
            whole,
            heading: heading(&text),
        }
    }

    /// The line's codes: by columns, or as one column where that makes
    /// more codes or leaves less over.
    pub(super) fn read_codes(&self, shape: Alphabet, usual: &Usual, numbered: bool) -> Reading {
        let by_columns = read_columns(&self.columns, shape, usual, numbered);
        let Some(whole) = &self.whole else {
            return by_columns;
        };
        let as_one = read_columns(std::slice::from_ref(whole), shape, usual, numbered);
        let score = |r: &Reading| {
            (
                r.found.len(),
                std::cmp::Reverse(r.lens.iter().sum::<usize>()),
            )
        };
        // Read as one only where that finds codes: a line whose columns
        // leave a malformed code over must not escape into prose.
        if !as_one.found.is_empty() && score(&as_one) > score(&by_columns) {
            as_one
        } else {
            by_columns
        }
    }

    /// The line's columns, and the line as one where it has several: for
    /// reading without knowing the shape.
    pub(super) fn readings(&self) -> [&[Column]; 2] {
        [&self.columns, self.whole.as_slice()]
    }
}

/// Words after a used mark that follows a code (`12345678 - used for the
/// laptop`, `(used 2026-01-05)`), and everything but marks after `//` or
/// `#`, are a comment: they do not make the column prose.
fn comments(words: &mut [Word]) {
    let mut seen_piece = false;
    let mut after_mark = false;
    let mut comment = false;
    for w in words.iter_mut() {
        match w {
            Word::Comment => comment = true,
            Word::Used | Word::NotUsed if seen_piece => after_mark = true,
            Word::Piece(_) if comment => *w = Word::Filler,
            // `for laptop login` after `used`: words, not a code.
            Word::Piece(p) if after_mark && p.doubtful => *w = Word::Filler,
            Word::Piece(_) => seen_piece = true,
            Word::Prose if comment || after_mark => *w = Word::Filler,
            _ => {}
        }
    }
}

/// A column that starts with digits (after its number or bullet) and goes
/// on in words (`4821 0937 - laptop`, `4821 0937 (phone)`) may be a code
/// and a remark: the words are marked so, and [`Column::kind`] decides
/// once the shape is known. One that starts in words (`Account 98765432`)
/// is prose.
fn remarks(words: &mut [Word]) {
    let first = words.iter().find(|w| {
        !matches!(
            w,
            Word::Filler | Word::Number(_) | Word::Dash | Word::Used | Word::NotUsed
        )
    });
    if matches!(first, Some(Word::Piece(p)) if !p.doubtful && p.has_digit()) {
        for w in words.iter_mut() {
            if matches!(w, Word::Prose) {
                *w = Word::Remark;
            }
        }
    }
}

/// A heading: a short line ending in a colon, or a Markdown one (`##`).
/// `Used codes:`, `## Spent`, `**Used (2):**` say the codes under them are
/// used; `Unused codes:`, `Still valid:`, `Remaining:` that they are not;
/// any other heading (`Backup codes (each can be used once):`) says
/// neither and ends the section before it. A blank line ends one too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Heading {
    Used,
    Fresh,
    Other,
    Blank,
}

fn heading(text: &str) -> Option<Heading> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Some(Heading::Blank);
    }
    let markdown = text.starts_with('#');
    let bare = text.trim_matches(|c: char| matches!(c, '#' | '*' | '_' | ' '));
    if !markdown && !bare.ends_with(':') {
        return None;
    }
    let words: Vec<&str> = bare
        .trim_end_matches(':')
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let any = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let only = |set: &[&str]| words.iter().all(|w| set.contains(w));
    const FILLER: [&str; 8] = [
        "codes", "code", "backup", "recovery", "the", "ones", "already", "so",
    ];
    const USED: [&str; 4] = ["used", "spent", "redeemed", "consumed"];
    const FRESH: [&str; 9] = [
        "unused",
        "available",
        "remaining",
        "valid",
        "active",
        "left",
        "unspent",
        "new",
        "still",
    ];
    let short = words.len() <= 4;
    let fresh_words =
        |w: &&str| FRESH.contains(w) || FILLER.contains(w) || *w == "not" || USED.contains(w);
    let says_fresh = any(&FRESH) || words.windows(2).any(|p| p == ["not", "used"]);
    if short && says_fresh && words.iter().all(fresh_words) {
        return Some(Heading::Fresh);
    }
    let used_words: Vec<&str> = USED.iter().chain(&FILLER).copied().collect();
    if short && any(&USED) && only(&used_words) {
        Some(Heading::Used)
    } else {
        Some(Heading::Other)
    }
}

/// How the text's codes are printed, as far as its surest codes tell: a
/// word of letters alone is a code only if it is printed alike.
pub(super) struct Usual {
    /// The letters' case, where the codes with letters share one.
    pub(super) case: Option<Case>,
    /// The layout most of them share.
    pub(super) layout: Option<Layout>,
}

fn read_columns(columns: &[Column], shape: Alphabet, usual: &Usual, numbered: bool) -> Reading {
    let mut r = Reading {
        found: Vec::new(),
        lens: Vec::new(),
        letters: false,
        prose_number: false,
        short: None,
    };
    // A mark or a list number in a column of its own before the code's
    // (`| ✓ | 4821 0937 |`, `1.<TAB>4821 0937`): for the next code.
    let mut pending_used = false;
    let mut pending_number = None;
    for column in columns {
        let before = r.found.len();
        match column.kind(shape) {
            Kind::Codes => {
                let (lens, short) = column.codes_strict(shape, numbered, &mut r.found);
                let digit_set = matches!(shape, Alphabet::Digits { .. });
                r.letters |=
                    !lens.is_empty() && digit_set && column.pieces().any(|p| p.has_letter());
                r.lens.extend(lens);
                if columns.len() == 1 {
                    r.short = short;
                }
            }
            Kind::Doubtful => {
                r.prose_number |= column.codes_exact(shape, usual, numbered, &mut r.found);
            }
            Kind::Prose => r.prose_number |= column.codes_in_prose(shape, &mut r.found),
            Kind::Number(len) => {
                // A phone number or a date on a line of its own; said if
                // it is about as long as a code.
                r.prose_number |= len.abs_diff(shape.code_len()) <= 2;
            }
            Kind::Marks { used, number } => {
                // A column of its own for the mark (`12345678<TAB>used`,
                // a table's cell): it marks the code before it, or, first
                // on its line, the code after it.
                match r.found.last_mut() {
                    Some(last) if used => last.used = true,
                    _ => pending_used |= used,
                }
                pending_number = number.or(pending_number);
            }
        }
        if let Some(first) = r.found.get_mut(before) {
            first.used |= std::mem::take(&mut pending_used);
            if first.number.is_none() {
                first.number = pending_number.take();
            }
        }
    }
    r
}

/// What a column holds, once the set's shape is known.
enum Kind {
    /// Read strictly: every group is part of a code.
    Codes,
    /// Only words of letters (`abcdefgh`, `BACKUP CODES`): codes only where
    /// they fit the shape exactly, in a list.
    Doubtful,
    /// A sentence: only what is unmistakably a code.
    Prose,
    /// Digits in groups of unequal lengths that make a phone number or a
    /// date (`800 555 0199`, `2026 11 22`), with how many digits.
    Number(usize),
    /// No letters or digits but marks: `used`, `✓`, a bullet, a list
    /// number (`1.` in a cell of its own).
    Marks { used: bool, number: Option<u32> },
}

/// One column of a line: the whole line, unless a tab, a run of spaces, a
/// table's `|` or a CSV export's comma or quote splits it (`1. 4821 0937
/// 6. 7730 1846` with a run of spaces between).
pub(super) struct Column {
    words: Vec<Word>,
}

impl Column {
    /// A column's text (one space between words) as words. `struck`:
    /// whether a struck stretch is open; left as it is at the end.
    fn read(text: &str, struck: &mut bool) -> Column {
        let parts: Vec<&str> = text
            .split(' ')
            .filter(|w| !w.is_empty())
            .flat_map(split_word)
            .collect();
        let label = label_len(&parts);
        let mut words = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            // `~~` (Markdown) and `<s>` (HTML, turned into `~` by `clean`)
            // open and close a struck stretch.
            let opens = part.starts_with('~');
            let closes = part.ends_with('~') && (part.len() > 1 || *struck);
            let word = part.trim_matches('~');
            if !word.is_empty() {
                let w = classify(word, *struck || opens);
                words.push(match w {
                    Word::Number(_) => w,
                    _ if i < label => Word::Filler,
                    w => w,
                });
            }
            if closes {
                *struck = false;
            } else if opens {
                *struck = true;
            }
        }
        comments(&mut words);
        // A cell of its own holding a bare number (`| 1 | 4821 0937 |`) is
        // the list number of the code beside it.
        if let [Word::Piece(p)] = words.as_slice()
            && p.bare_number()
        {
            words = vec![Word::Number(p.norm.parse().unwrap_or(0))];
        }
        mark_lead(&mut words);
        settle_letter_groups(&mut words);
        remarks(&mut words);
        Column { words }
    }

    pub(super) fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.words.iter().filter_map(|w| match w {
            Word::Piece(p) => Some(p),
            _ => None,
        })
    }

    /// The list number the column starts with, bare (`1 12345678`) or not
    /// (`1. 12345678`), if any.
    pub(super) fn list_start(&self) -> Option<u32> {
        match self
            .words
            .iter()
            .find(|w| !matches!(w, Word::Filler | Word::Dash | Word::Used))?
        {
            Word::Number(n) => Some(*n),
            Word::Piece(p) if p.lead => p.norm.parse().ok(),
            _ => None,
        }
    }

    fn kind(&self, shape: Alphabet) -> Kind {
        if self.words.iter().any(|w| matches!(w, Word::Prose)) || !self.remark_fits(shape) {
            return Kind::Prose;
        }
        if let Some(len) = self.phone_or_date() {
            return Kind::Number(len);
        }
        // Among digit codes, a word mostly of letters (`hunter2`, a
        // password in an export) is a word; a digit code read with an O or
        // an l in it (`8O71`) is a malformed code.
        let digit_set = matches!(shape, Alphabet::Digits { .. });
        let wordy = |p: &Piece| {
            let letters = p.norm.bytes().filter(u8::is_ascii_alphabetic).count();
            letters * 2 > p.norm.len()
        };
        if digit_set && self.pieces().any(wordy) {
            return Kind::Prose;
        }
        let doubtful = self.pieces().all(|p| p.doubtful);
        match self.pieces().next() {
            None => Kind::Marks {
                used: self.used_marks(),
                number: self.words.iter().find_map(|w| match w {
                    Word::Number(n) => Some(*n),
                    _ => None,
                }),
            },
            // Letters alone among digit codes are words.
            Some(_) if doubtful && matches!(shape, Alphabet::Digits { .. }) => Kind::Prose,
            Some(_) if doubtful => Kind::Doubtful,
            Some(_) => Kind::Codes,
        }
    }

    /// Without a remark, true; with one, whether the column's first run is
    /// whole codes of `shape` (`4821 0937 - laptop`), which makes the
    /// words after it a remark, not the column prose (`20261 is not`).
    fn remark_fits(&self, shape: Alphabet) -> bool {
        if !self.words.iter().any(|w| matches!(w, Word::Remark)) {
            return true;
        }
        let Some(first) = self.runs(true).into_iter().next() else {
            return false;
        };
        let mut taken = Vec::new();
        split_run(&first.pieces, shape, &mut taken).is_empty() && !taken.is_empty()
    }

    /// Whether a mark says used, and no `not`/`unused` says otherwise.
    fn used_marks(&self) -> bool {
        let mut negated = false;
        let mut used = false;
        for w in &self.words {
            match w {
                Word::NotUsed => negated = true,
                Word::Used if !negated => used = true,
                Word::Used => negated = false,
                _ => {}
            }
        }
        used
    }

    /// Digits alone in three groups or more of unequal lengths of three
    /// digits or more (`800 555 0199`, `(555) 123-4567`), or a real date
    /// (`2026 11 22`): a phone number or a date on a line of its own, not
    /// a code, with its digits. (`2345 678`, two groups, is a code that
    /// lost a digit.)
    fn phone_or_date(&self) -> Option<usize> {
        let all_digits = self.words.iter().all(|w| {
            matches!(w, Word::Piece(p) if p.digits() && !p.lead) || matches!(w, Word::Filler)
        });
        let groups: Vec<&str> = self
            .pieces()
            .filter(|p| !p.lead)
            .flat_map(|p| {
                let mut at = 0;
                p.groups.iter().map(move |&g| {
                    at += g;
                    &p.norm[at - g..at]
                })
            })
            .collect();
        // A phone's groups are of three digits or more; a code that OCR or
        // a PDF spaced apart has short ones (`1234 56 78`).
        let unequal = groups.iter().any(|g| g.len() != groups[0].len());
        let phone = unequal && groups.iter().all(|g| g.len() >= 3);
        let number = all_digits && groups.len() >= 3 && (phone || is_spaced_date(&groups));
        number.then(|| groups.iter().map(|g| g.len()).sum())
    }

    /// The runs of the column: pieces one after another, each with the list
    /// number before it and whether a used mark is beside it. A `lead`
    /// piece is a list number where the text is `numbered`.
    fn runs(&self, numbered: bool) -> Vec<Run<'_>> {
        let mut runs: Vec<Run<'_>> = Vec::new();
        let mut number = None;
        let mut mark_next = false;
        // Whether the last run is still the one a mark would be beside:
        // bullets and dashes between them do not part them.
        let mut beside = false;
        let mut open = false;
        let mut negate = false;
        for w in &self.words {
            match w {
                Word::Piece(p) if p.lead && numbered && !open => {
                    number = p.norm.parse().ok();
                    beside = false;
                }
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
                    negate = false;
                }
                Word::NotUsed => {
                    negate = true;
                    open = false;
                }
                Word::Used if negate => {
                    negate = false;
                    open = false;
                }
                Word::Used => {
                    // After a code it marks that code; before one (`✓ 1234
                    // 5678`, `[x] ...`), the next.
                    match runs.last_mut() {
                        Some(run) if beside => run.used = true,
                        _ => mark_next = true,
                    }
                    open = false;
                }
                // A dash inside a run joins (`2345 - 6789`).
                Word::Dash if open => {}
                Word::Dash | Word::Filler => open = false,
                Word::Comment => open = false,
                Word::Number(n) => {
                    number = Some(*n);
                    (open, beside) = (false, false);
                }
                Word::Prose | Word::Remark => (open, beside) = (false, false),
            }
        }
        runs
    }

    /// Whether the column is a list's item: a number, a bullet, a box or a
    /// mark beside its words.
    fn listed(&self) -> bool {
        self.words.iter().any(|w| {
            matches!(
                w,
                Word::Number(_) | Word::Filler | Word::Used | Word::Dash | Word::NotUsed
            ) || matches!(w, Word::Piece(p) if p.lead)
        })
    }

    /// The codes of a column of codes, every group in order. Returns how
    /// many characters each run that made no code of `shape` held (a run
    /// with any left over gives no code at all: which of its groups are
    /// the code's is a guess), and the length of a lone short run.
    fn codes_strict(
        &self,
        shape: Alphabet,
        numbered: bool,
        out: &mut Vec<Found>,
    ) -> (Vec<usize>, Option<usize>) {
        let mut bad = Vec::new();
        let runs = self.runs(numbered);
        let one_run = runs.len() == 1;
        let mut short = None;
        for run in runs {
            let total: usize = run.pieces.iter().map(|p| p.norm.len()).sum();
            let mut taken = Vec::new();
            let mut left = split_run(&run.pieces, shape, &mut taken);
            let mut run_number = run.number;
            // A bare number first (`1 12345678`) in a text that does not
            // number its lines so: a list number if the rest makes codes
            // without it and not with it.
            if !left.is_empty() && run.pieces.len() > 1 && run.pieces[0].lead {
                let mut without = Vec::new();
                if split_run(&run.pieces[1..], shape, &mut without).is_empty() {
                    (taken, left) = (without, Vec::new());
                    run_number = run.pieces[0].norm.parse().ok();
                }
            }
            if taken.is_empty() && total < CODE_LIKE {
                // A year, a page number: too short to be taken for a code.
                if one_run && total >= 3 {
                    short = Some(total);
                }
                continue;
            }
            if !left.is_empty() {
                bad.push(total);
                continue;
            }
            let run = Run {
                number: run_number,
                ..run
            };
            run.emit(taken, shape, out);
        }
        (bad, short)
    }

    /// A column of letters alone (`* abcdefgh`, `2. ABCD EFGH`): codes
    /// where its words make codes of `shape` exactly, in groups of one
    /// length, in the codes' own letter case, and either in a list or
    /// printed as the other codes are. A heading or a name (`THANK YOU`,
    /// `michelle` under Discord's `* 1a2b-3c4d`) makes none; one that would
    /// fit is said.
    fn codes_exact(
        &self,
        shape: Alphabet,
        usual: &Usual,
        numbered: bool,
        out: &mut Vec<Found>,
    ) -> bool {
        let mut said = false;
        for run in self.runs(numbered) {
            let equal = run
                .pieces
                .iter()
                .all(|p| p.norm.len() == run.pieces[0].norm.len());
            let in_case = usual.case.is_some() && run.pieces.iter().all(|p| p.case() == usual.case);
            let mut taken = Vec::new();
            let fits = split_run(&run.pieces, shape, &mut taken).is_empty();
            let alike =
                usual.layout.is_some() && Layout::of(&joined(&run.pieces).1) == usual.layout;
            if equal && in_case && fits && (self.listed() || alike) {
                run.emit(taken, shape, out);
            } else if equal && fits {
                said = true;
            }
        }
        said
    }

    /// The codes of a sentence: letter-and-digit codes in dashed groups
    /// (`7QKRM-4XTWB-…`) or in three or more spaced groups (`Recovery key:
    /// XK4R 7QWE …`). Returns whether it held something else of the codes'
    /// shape (`Account 98765432`), left out.
    fn codes_in_prose(&self, shape: Alphabet, out: &mut Vec<Found>) -> bool {
        let mut said = false;
        for run in self.runs(false) {
            let mut taken = Vec::new();
            for group in natural_codes(&run.pieces) {
                let (norm, printed) = joined(group);
                let Ok(code) = Code::parse(&norm, shape) else {
                    continue;
                };
                // `LO123456` is no digit code read with an O and an l.
                if norm != code.as_str() {
                    continue;
                }
                let grouped = match group {
                    [p] => p.groups.len() >= 2 && p.equal_groups(),
                    many => many.len() >= 3,
                };
                let mixed =
                    group.iter().any(|p| p.has_letter()) && group.iter().any(|p| p.has_digit());
                match shape {
                    Alphabet::Alnum { .. } if grouped && (mixed || group.len() == 1) => {
                        taken.push((code, printed));
                    }
                    _ => said = true,
                }
            }
            // In prose, a used mark is only believed beside a single code.
            let run = Run {
                used: run.used && taken.len() == 1,
                ..run
            };
            run.emit_parsed(taken, out);
        }
        said
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

/// The codes of a column read without knowing the set's shape, each
/// normalised and as printed, by trust: `found[0]` codes in columns of
/// codes, `found[1]` codes of letters only in dashed groups there
/// (`abcd-efgh`), `found[2]` letter-and-digit codes in prose. Words of
/// letters alone (`abcdefgh`) and numbers in sentences never decide the
/// shape.
pub(super) fn natural_shapes(columns: &[Column], found: &mut [Vec<(String, String)>; 3]) {
    for column in columns {
        let tier = match column.kind(Alphabet::Alnum { len: 8 }) {
            Kind::Codes => 0,
            Kind::Doubtful => 1,
            Kind::Prose => 2,
            Kind::Number(_) | Kind::Marks { .. } => continue,
        };
        for run in column.runs(true) {
            for group in natural_codes(&run.pieces) {
                let letters_only = group.iter().all(|p| !p.has_digit());
                let tier = if tier == 0 && letters_only { 1 } else { tier };
                let mixed =
                    group.iter().any(|p| p.has_letter()) && group.iter().any(|p| p.has_digit());
                if tier == 2 && !mixed {
                    continue;
                }
                found[tier].push(joined(group));
            }
        }
    }
}

/// The codes a run holds read on its own, without knowing the set's
/// shape: each piece that is a whole code, and runs of equal short groups
/// (`1234 5678`, `K7PM 2XQ9 WB4N`, `1234 5678 2345 6789` is two). Groups
/// of mixed lengths (a phone number, `0800 123 456`) make none.
pub(super) fn natural_codes<'a, 'p>(pieces: &'a [&'p Piece]) -> Vec<&'a [&'p Piece]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, p) in pieces.iter().enumerate() {
        if whole_code(p) || p.letter_code() {
            out.extend(join_groups(&pieces[start..i]));
            out.push(&pieces[i..=i]);
            start = i + 1;
        } else if p.doubtful || p.lead {
            // A word (`save 1234 5678`) or a list number joins nothing.
            out.extend(join_groups(&pieces[start..i]));
            start = i + 1;
        }
    }
    out.extend(join_groups(&pieces[start..]));
    out
}

/// A word that is a whole code by itself: digits of a code's length, or
/// letters and digits (at least one digit), in equal groups if grouped.
/// `2026-11-22` is a date, `abcd` a word.
fn whole_code(p: &Piece) -> bool {
    p.equal_groups()
        && if p.digits() {
            DIGITS.contains(&p.norm.len())
        } else {
            ALNUM.contains(&p.norm.len()) && p.has_digit()
        }
}

/// Equal short groups in a row, as codes: all of them as one if that is a
/// code's length, else in pairs. Groups of two digits count from three of
/// them (`12 34 56`).
fn join_groups<'a, 'p>(run: &'a [&'p Piece]) -> Vec<&'a [&'p Piece]> {
    let Some(first) = run.first() else {
        return Vec::new();
    };
    let len = first.norm.len();
    let simple = |p: &&Piece| p.groups.len() == 1 && p.norm.len() == len;
    let long_enough = len >= 3 || len == 2 && run.len() >= 3;
    if run.len() < 2 || !long_enough || !run.iter().all(simple) {
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
