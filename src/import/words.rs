//! From a line of text to columns of classified words: markup, invisible
//! characters and glued marks taken apart, each word told for what it is
//! (a piece of a code, a list number, a used mark, a bullet, prose).
//!
//! Nothing here knows the set's shape; `line.rs` reads codes out of the
//! words once it is known.

use crate::code::{Case, MAX_LEN, fold_width, is_dash};
use crate::display::is_unsafe;

/// One word of a column.
#[derive(Debug)]
pub(super) enum Word {
    /// `1.`, `10)`, `#3`, `(4)`, `①`: a list number.
    Number(u32),
    /// Letters and digits, maybe in groups joined by dashes.
    Piece(Piece),
    /// `(used)`, `✓`, `[x]`, `redeemed`: the code beside it was used.
    Used,
    /// `not`, `unused`, `no`: the mark after it, or this one, says the
    /// code was not used.
    NotUsed,
    /// A dash between words: joins the groups of a code (`2345 - 6789`),
    /// or is a bullet at the start.
    Dash,
    /// `//`, `#`: what follows is a comment (its used marks still count).
    Comment,
    /// Words after a column's first code (`4821 0937 - laptop`): a remark
    /// if that code is whole, else the column is prose (`20261 is not`).
    Remark,
    /// A bullet, an empty box, a label, a symbol: neither code nor prose.
    Filler,
    /// Anything else: words, dates, times, addresses, phone numbers.
    Prose,
}

#[derive(Debug)]
pub(super) struct Piece {
    /// As printed, dashes and case kept.
    pub(super) text: String,
    /// The letters and digits, lower case.
    pub(super) norm: String,
    /// The lengths of its dash-separated groups.
    pub(super) groups: Vec<usize>,
    /// Struck through (`~~1234~~`, `<s>`, or U+0336 over each character).
    pub(super) struck: bool,
    /// Letters only, in one case, and not in equal dashed groups: a word
    /// (`codes`, `BACKUP`) unless the set's codes are letters and it fits.
    pub(super) doubtful: bool,
    /// A bare number of 1 to 3 digits first in its column, before a group
    /// of another length (`1 12345678`): a list number where the text
    /// numbers its lines so, else maybe part of a code.
    pub(super) lead: bool,
}

impl Piece {
    pub(super) fn digits(&self) -> bool {
        self.norm.bytes().all(|b| b.is_ascii_digit())
    }

    pub(super) fn has_letter(&self) -> bool {
        self.norm.bytes().any(|b| b.is_ascii_alphabetic())
    }

    pub(super) fn has_digit(&self) -> bool {
        self.norm.bytes().any(|b| b.is_ascii_digit())
    }

    /// Groups of one length (at least three), or a single group.
    pub(super) fn equal_groups(&self) -> bool {
        self.groups.len() == 1 || self.groups.iter().all(|&g| g == self.groups[0] && g >= 3)
    }

    /// Letters only, in equal dashed groups (`abcd-efgh`): a code only
    /// where the set's codes are of letters and digits.
    pub(super) fn letter_code(&self) -> bool {
        !self.has_digit()
            && self.groups.len() >= 2
            && self.equal_groups()
            && super::ALNUM.contains(&self.norm.len())
    }

    /// One to three digits alone (`1`, `12`, `234`): maybe a list number.
    pub(super) fn bare_number(&self) -> bool {
        is_bare_number(&self.norm) && self.groups.len() == 1
    }

    /// The case of its letters, if they are all of one.
    pub(super) fn case(&self) -> Option<Case> {
        Case::of(&self.text)
    }
}

/// Every kind of line break as `\n`: CR alone (old Macs, some pastes),
/// U+2028 and U+2029 and NEL.
pub(super) fn one_break(text: &str) -> String {
    // A form feed starts a PDF's page on the line it is on, and editors
    // count no line for it: it is a space, as is a vertical tab. In a JSON
    // export (a text that opens with `{` or `[`), `\n` is a line break.
    let json = text.trim_start().starts_with(['{', '[']);
    let text = if json {
        text.replace("\\n", "\n")
    } else {
        text.to_string()
    };
    text.replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n")
        .replace(['\u{0B}', '\u{0C}'], " ")
}

/// Width folded, spaces made plain, invisible characters (bidi marks, a
/// byte-order mark, a soft hyphen, variation selectors: every character
/// `display` would escape) removed, common HTML entities read and tags
/// dropped (a strike-through tag kept as `~`), an e-mail's quote marks
/// (`> `) dropped.
pub(super) fn clean(line: &str) -> String {
    let line = line
        .replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "‹")
        .replace("&gt;", "›");
    let line = line.trim_start_matches(['>', ' ']);
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().map(fold_width).peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push('\t'),
            '\u{200B}' => out.push(' '),
            c if c.is_whitespace() => out.push(' '),
            c if is_unsafe(c) || matches!(c, '\u{FFFC}' | '\u{FFFD}') => {
                if c.is_control() {
                    out.push(' ');
                }
            }
            '<' => {
                // A tag: `<br>`, `<li>`, `</s>`, `<td class="x">`. It
                // starts with a letter, so `<23456789>` stays text.
                let tag: String = chars
                    .clone()
                    .take(40)
                    .take_while(|&c| c != '>' && c != '<')
                    .collect();
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let closed = chars.clone().nth(tag.chars().count()) == Some('>');
                let is_tag = closed && name.starts_with(|c: char| c.is_ascii_alphabetic());
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

/// A tab, two spaces or more, a table's `|`, or a comma, semicolon or
/// quote (a CSV export's fields) part columns; what is inside one is one
/// space apart.
/// Also says whether spaces alone parted two columns somewhere: two
/// spaces may be inside a code (`1234  5678`), a tab or a comma not.
pub(super) fn split_columns(line: &str) -> (Vec<String>, bool) {
    let mut columns = vec![String::new()];
    let mut spaces = 0;
    let mut hard = false;
    let mut by_spaces = false;
    for c in line.chars() {
        match c {
            '\t' | '|' | ',' | ';' | '"' | '“' | '”' => (spaces, hard) = (2, true),
            ' ' => spaces += 1,
            c => {
                let current = columns.last_mut().expect("one at least");
                if spaces >= 2 && !current.is_empty() {
                    by_spaces |= !hard;
                    columns.push(String::new());
                } else if spaces == 1 && !current.is_empty() {
                    current.push(' ');
                }
                (spaces, hard) = (0, false);
                columns.last_mut().expect("one at least").push(c);
            }
        }
    }
    columns.retain(|c| !c.is_empty());
    (columns, by_spaces)
}

/// A word that is several: `12345678,23456789`, `2345 6789(used)`,
/// `1.1234`, `✓12345678`, `12345678✓`.
pub(super) fn split_word(word: &str) -> Vec<&str> {
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
        // A list number glued before a code: `1.1234`, `2)2345`; not
        // `123.456`, a code of two groups.
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        let rest = part.get(digits + 1..).unwrap_or("");
        let marker = (1..=3).contains(&digits)
            && matches!(part.as_bytes().get(digits), Some(b'.' | b')'))
            && !rest.is_empty()
            && rest.bytes().take_while(u8::is_ascii_alphanumeric).count() != digits;
        if marker {
            parts.push(&part[..=digits]);
            parts.push(rest);
            continue;
        }
        // A tick glued before or after a code.
        let first = part.chars().next().filter(|&c| is_tick(c));
        let last = part.chars().last().filter(|&c| is_tick(c));
        match (first, last) {
            (Some(t), _) if part.len() > t.len_utf8() => {
                parts.push(&part[..t.len_utf8()]);
                parts.push(&part[t.len_utf8()..]);
            }
            (_, Some(t)) if part.len() > t.len_utf8() => {
                let at = part.len() - t.len_utf8();
                parts.push(&part[..at]);
                parts.push(&part[at..]);
            }
            _ => parts.push(part),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

fn is_tick(c: char) -> bool {
    matches!(c, '✓' | '✔' | '☑' | '✅' | '☒' | '✗' | '✘' | '❌' | '√')
}

/// `Code 1: 1234 5678`, `Backup code: …`, `Recovery key: …`: the words up
/// to a colon early in a column are its label when they name a code or
/// end in a list number. (`Account number: 98765432` is no label: an
/// account number is not a code.)
pub(super) fn label_len(parts: &[&str]) -> usize {
    let names = |p: &&str, words: &[&str]| {
        let p = p.to_lowercase();
        words.iter().any(|w| p.contains(w))
    };
    let code_words = ["code", "key", "backup", "recovery", "token"];
    // A secret, a seed or a password is not a backup code.
    let not_a_code = ["secret", "seed", "totp", "otp", "password", "pin"];
    if parts.iter().take(4).any(|p| names(p, &not_a_code)) {
        return 0;
    }
    // `Code #1 - 4821 0937`, `Key 2 …`: a word naming a code before a list
    // number.
    if parts.len() > 2
        && names(&parts[0], &code_words)
        && (list_number(parts[1]).is_some() || is_bare_number(parts[1]))
    {
        return 1;
    }
    let Some(colon) = parts.iter().take(4).position(|p| p.ends_with(':')) else {
        return 0;
    };
    if colon + 1 == parts.len() {
        return 0;
    }
    let names_a_code = parts[..=colon].iter().any(|p| names(p, &code_words));
    let numbered = parts[colon]
        .trim_end_matches(':')
        .trim_start_matches('#')
        .bytes()
        .all(|b| b.is_ascii_digit());
    if names_a_code || numbered {
        colon + 1
    } else {
        0
    }
}

/// A column that starts with a bare number of 1 to 3 digits before a group
/// of another length (`1 12345678`, `2 2345 678`): its first piece may be a
/// list number, marked `lead` for the reader to decide.
pub(super) fn mark_lead(words: &mut [Word]) {
    let mut pieces = words
        .iter()
        .enumerate()
        .filter(|(_, w)| !matches!(w, Word::Filler | Word::Used | Word::Dash));
    let (Some((i, Word::Piece(p))), Some((_, Word::Piece(next)))) = (pieces.next(), pieces.next())
    else {
        return;
    };
    if p.bare_number()
        && next.groups[0] != p.norm.len()
        && let Word::Piece(p) = &mut words[i]
    {
        p.lead = true;
    }
}

/// A word of letters alone in one case (`WBCN`) is a group of a code beside
/// a group of the same length that holds a digit, or beside such a word
/// (`K7PM 2XQ9 WBCN`, `frjx 4627 n7h2`). In a column with prose, only a
/// group of letters and digits vouches for it (`Recovery key: XK4R 7QWE
/// UIOP …`), so `Also save 1234 5678` keeps `save` a word. One sweep each
/// way carries it along a row. What stays doubtful beside a code is prose
/// (`12345678 done`); alone it may yet be a code of letters (`abcdefgh`).
pub(super) fn settle_letter_groups(words: &mut [Word]) {
    let prose = words.iter().any(|w| matches!(w, Word::Prose));
    let group_len = |w: &Word| match w {
        Word::Piece(p) if p.groups.len() == 1 => Some(p.norm.len()),
        _ => None,
    };
    let anchor = |w: &Word| match w {
        Word::Piece(p) if prose => p.has_digit() && p.has_letter(),
        Word::Piece(p) => p.has_digit(),
        _ => false,
    };
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
    let codes_beside = words
        .iter()
        .zip(&sure)
        .any(|(w, s)| matches!(w, Word::Piece(p) if !p.doubtful || *s));
    for (w, sure) in words.iter_mut().zip(sure) {
        if let Word::Piece(p) = w
            && p.doubtful
        {
            if sure {
                p.doubtful = false;
            } else if codes_beside {
                *w = Word::Prose;
            }
        }
    }
}

/// What one word is. `struck`: inside a struck stretch of the text.
pub(super) fn classify(word: &str, struck: bool) -> Word {
    // Text struck with combining overlays (U+0334-U+0338 after each
    // character, as copied from a struck-through page).
    let overlaid = word.chars().any(|c| matches!(c, '\u{0334}'..='\u{0338}'));
    let word: String = word
        .chars()
        .filter(|c| !matches!(c, '\u{0334}'..='\u{0338}'))
        .collect();
    let struck = struck || overlaid;
    let lower = word.to_lowercase();
    if matches!(lower.as_str(), "no." | "nr." | "nº" | "n°" | "num.") {
        // `No. 1`: the word before a list number.
        return Word::Filler;
    }
    let inner = lower.trim_matches(['(', ')', '[', ']', '.', ',', ':', '!']);
    if inner.chars().count() == 1 && inner.chars().all(is_tick)
        || matches!(
            inner,
            "used" | "consumed" | "redeemed" | "spent" | "x" | "yes" | "true"
        )
    {
        return Word::Used;
    }
    if matches!(
        inner,
        "unused" | "not" | "unspent" | "new" | "fresh" | "available" | "no" | "false"
    ) {
        return Word::NotUsed;
    }
    let mut chars = word.chars();
    if matches!((chars.next(), chars.next()), (Some(d), None) if is_dash(d)) {
        return Word::Dash;
    }
    if matches!(word.as_str(), "//" | "#" | "--") {
        return Word::Comment;
    }
    if inner == "already" || word == "o" || !word.chars().any(char::is_alphanumeric) {
        // Bullets (Outlook's `o` too), boxes, arrows, rules, emoji:
        // neither code nor prose.
        return Word::Filler;
    }
    if let Some(n) = list_number(&word) {
        return Word::Number(n);
    }
    if word.ends_with(':') {
        // `sha256:`, `Account:`: a label that names no code.
        return Word::Prose;
    }
    if is_list_letter(&lower) {
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
                | '{'
                | '}'
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
                | '‹'
                | '›'
                | '…'
                | '|'
                | '<'
                | '>'
        )
    });
    // A code cut at the end of a line (`2345-`): the dash is the break.
    let w = w.trim_end_matches(is_dash);
    if w.is_empty() {
        return Word::Filler;
    }
    // `1234.5678`, `1234·5678`, `1234_5678`, `1234:5678`: groups of three
    // or more joined by another mark than a dash are a code's groups too.
    let inner_marks = |c: char| matches!(c, '.' | '·' | '_' | ':' | '•');
    let split: Vec<&str> = w.split(|c: char| is_dash(c) || inner_marks(c)).collect();
    let groups: Vec<&str> = if w.contains(inner_marks) && split.iter().all(|g| g.len() >= 3) {
        split
    } else {
        w.split(is_dash).collect()
    };
    let alnum = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric());
    if !groups.iter().all(|g| alnum(g)) || is_date_or_phone(&groups) {
        return Word::Prose;
    }
    let norm = groups.concat().to_ascii_lowercase();
    if norm.len() > 2 * MAX_LEN {
        return Word::Prose;
    }
    let mut piece = Piece {
        // Printed with its own dashes; other marks between groups as dashes.
        text: if groups.len() > 1 && w.contains(inner_marks) {
            groups.join("-")
        } else {
            w.to_string()
        },
        groups: groups.iter().map(|g| g.len()).collect(),
        norm,
        struck,
        doubtful: false,
        lead: false,
    };
    // A word of letters alone is prose (`Backup`) unless it is in one
    // case, like the groups of a code (`WBCN`, `abcdefgh`, `ABCDE-FGHIJ`):
    // then it is doubtful, and only its neighbours or the set's shape can
    // make it a code.
    if !piece.has_digit() && !piece.letter_code() {
        if piece.case().is_none() || piece.norm.len() < 3 {
            return Word::Prose;
        }
        piece.doubtful = true;
    }
    Word::Piece(piece)
}

/// `1.`, `1)`, `1:`, `1-`, `(1)`, `#1`, `①`: a list number. `(555)` is an
/// area code, not one.
fn list_number(word: &str) -> Option<u32> {
    let mut chars = word.chars();
    if let (Some(c @ '\u{2460}'..='\u{2473}'), None) = (chars.next(), chars.next()) {
        return Some(c as u32 - 0x2460 + 1);
    }
    let marker = match word.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')').filter(|m| m.len() <= 2)?,
        None => word
            .strip_suffix(['.', ')', ':', '-'])
            .or_else(|| word.strip_prefix('#'))?,
    };
    // Up to 999, and `1000.` (the most codes a set may have); `2345-` is
    // a code cut at the end of a line.
    let longest = if word.ends_with(['.', ')']) { 4 } else { 3 };
    let digits =
        (1..=longest).contains(&marker.len()) && marker.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| marker.parse().unwrap_or(0))
}

/// One to three digits and nothing else.
fn is_bare_number(text: &str) -> bool {
    (1..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// `a)`, `b.`, `(c)`, `ii.`, `iv)`: a list's letter or roman numeral.
fn is_list_letter(lower: &str) -> bool {
    let marker = match lower.strip_prefix('(') {
        Some(inner) => inner.strip_suffix(')'),
        None => lower.strip_suffix(['.', ')']),
    };
    let Some(m) = marker else { return false };
    m.len() == 1 && m.bytes().all(|b| b.is_ascii_lowercase())
        || !m.is_empty() && m.len() <= 5 && m.bytes().all(|b| matches!(b, b'i' | b'v' | b'x'))
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

/// `2026`: four digits of a year of this age.
pub(super) fn is_year(text: &str) -> bool {
    text.len() == 4
        && text
            .parse::<u32>()
            .is_ok_and(|y| (1900..=2099).contains(&y))
}

/// `2026 11 22`, `22 11 2026`: three groups that read as a real date.
pub(super) fn is_spaced_date(groups: &[&str]) -> bool {
    let n = |g: &str| g.parse::<u32>().unwrap_or(0);
    let year = |g: &&str| is_year(g);
    let day_month = |a: &str, b: &str| {
        let (a, b) = (n(a), n(b));
        (1..=31).contains(&a) && (1..=12).contains(&b)
            || (1..=12).contains(&a) && (1..=31).contains(&b)
    };
    match groups {
        [y, a, b] if year(y) && a.len() <= 2 && b.len() <= 2 => day_month(a, b),
        [a, b, y] if year(y) && a.len() <= 2 && b.len() <= 2 => day_month(a, b),
        _ => false,
    }
}
