//! Reading the codes a platform gave out of the text it gave them in.
//!
//! Google's `Backup-codes-*.txt` (two numbered columns, an e-mail address,
//! a date), GitHub's `github-recovery-codes.txt` (`xxxxx-xxxxx` lines),
//! codes pasted from a phone (`1234 5678` under a heading), numbered lists
//! (`1) 12345678`) and plain lists all come down to one rule: split the text
//! into words, drop list numbers, join short digit groups of equal length
//! (`1234 5678`), and keep what can be a code. Dates, years, e-mail
//! addresses and prose are not codes: a date's groups differ in length, a
//! year is too short on its own, an address has an `@`, a word has no digit.
//!
//! Pure text in, codes out: no file, no terminal.

use std::collections::HashSet;

use crate::code::{Alphabet, Code, fold_width};
/// Text that holds no set of codes to import.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("no codes found in the text")]
    NoCodes,
    #[error("the text holds {count} codes, more than the {max} a set may have")]
    TooMany { count: usize, max: usize },
}

type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Shortest and longest digit code a platform hands out.
const DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// Letter-and-digit codes, separators removed.
const ALNUM: std::ops::RangeInclusive<usize> = 8..=24;

/// More codes than any platform hands out in one set.
pub const MAX_CODES: usize = 1000;

/// What the text held.
#[derive(Debug)]
pub struct Parsed {
    /// In the platform's numbering where it had one, else in reading order.
    pub codes: Vec<Code>,
    /// The alphabet they share.
    pub alphabet: Alphabet,
    /// Codes that appeared more than once, dropped after the first.
    pub duplicates: usize,
    /// Code-like words of another kind than most, left out.
    pub ignored: usize,
}

/// A code candidate, with the list number that preceded it, if any.
struct Candidate {
    text: String,
    number: Option<u32>,
}

/// Finds the codes in a platform's text.
pub fn parse(text: &str) -> Result<Parsed> {
    let mut candidates = Vec::new();
    for line in text.lines() {
        scan_line(line, &mut candidates);
    }
    let candidates: Vec<(Option<u32>, Code)> = candidates
        .into_iter()
        .filter_map(|c| Some((c.number, candidate_code(&c.text)?)))
        .collect();
    let Some(alphabet) = dominant_alphabet(candidates.iter().map(|(_, c)| c)) else {
        return Err(ImportError::NoCodes);
    };
    let (kept, other): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|(_, code)| alphabet.admits(code));
    let (mut kept, ignored) = (kept, other.len());
    // Google numbers its two columns 1-5 and 6-10 but they read across:
    // where every code has a distinct number, that order wins.
    let numbers: HashSet<u32> = kept.iter().filter_map(|(n, _)| *n).collect();
    if numbers.len() == kept.len() {
        kept.sort_by_key(|(n, _)| *n);
    }
    if kept.len() > MAX_CODES {
        return Err(ImportError::TooMany {
            count: kept.len(),
            max: MAX_CODES,
        });
    }
    let mut seen = HashSet::new();
    let mut codes = Vec::with_capacity(kept.len());
    let mut duplicates = 0;
    for (_, code) in kept {
        if seen.insert(code.clone()) {
            codes.push(code);
        } else {
            duplicates += 1;
        }
    }
    Ok(Parsed {
        codes,
        alphabet,
        duplicates,
        ignored,
    })
}

/// A candidate's text as a code: digits, or letters and digits.
fn candidate_code(text: &str) -> Option<Code> {
    let len = text.len() as u8;
    let alphabet = if text.bytes().all(|b| b.is_ascii_digit()) {
        Alphabet::Digits { len }
    } else {
        Alphabet::Alnum { len }
    };
    Code::parse(text, alphabet).ok()
}

/// The alphabet that admits the most candidates; `None` without any. A
/// letter-and-digit alphabet also admits codes of digits only of its
/// length (GitHub's hexadecimal codes sometimes hold no letter); on a tie
/// the digit alphabet, the narrower, wins.
fn dominant_alphabet<'a>(codes: impl Iterator<Item = &'a Code> + Clone) -> Option<Alphabet> {
    let mut options: Vec<Alphabet> = Vec::new();
    for c in codes.clone() {
        let len = c.as_str().len() as u8;
        for a in [Alphabet::Digits { len }, Alphabet::Alnum { len }] {
            if a.admits(c) && !options.contains(&a) {
                options.push(a);
            }
        }
    }
    let score = |a: &Alphabet| codes.clone().filter(|c| a.admits(c)).count();
    let narrow_first = |a: &Alphabet| matches!(a, Alphabet::Alnum { .. });
    options.into_iter().max_by(|a, b| {
        score(a)
            .cmp(&score(b))
            .then(narrow_first(b).cmp(&narrow_first(a)))
    })
}

/// One word of a line, after width folding and trimming punctuation.
enum Word {
    /// `1.`, `10)`: a list number.
    Number(u32),
    /// Only digits.
    Digits(String),
    /// A finished candidate: `1234-5678`, `abcde-12345`, `12345678`.
    Code(String),
    /// Anything else: prose, dates, addresses.
    Other,
}

fn scan_line(line: &str, out: &mut Vec<Candidate>) {
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
    let words: Vec<Word> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(classify)
        .collect();
    let mut number = None;
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, number: &mut Option<u32>, out: &mut Vec<Candidate>| {
        for text in join_groups(run) {
            out.push(Candidate {
                text,
                number: number.take(),
            });
        }
        run.clear();
    };
    for word in words {
        match word {
            // A short group: part of `1234 5678` if equal ones surround it.
            Word::Digits(d) if d.len() < *DIGITS.start() => run.push(d),
            Word::Digits(d) => {
                flush(&mut run, &mut number, out);
                if DIGITS.contains(&d.len()) {
                    out.push(Candidate {
                        text: d,
                        number: number.take(),
                    });
                }
            }
            Word::Code(c) => {
                flush(&mut run, &mut number, out);
                out.push(Candidate {
                    text: c,
                    number: number.take(),
                });
            }
            Word::Number(n) => {
                flush(&mut run, &mut number, out);
                number = Some(n);
            }
            Word::Other => {
                flush(&mut run, &mut number, out);
                number = None;
            }
        }
    }
    flush(&mut run, &mut number, out);
}

/// Equal short digit groups in a row: `1234 5678` is one code, and
/// `1234 5678 2345 6789` two. A lone group (a year, a day) is none, and so
/// are groups of mixed lengths (a phone number, `0800 123 456`).
fn join_groups(run: &[String]) -> Vec<String> {
    let Some(first) = run.first() else {
        return Vec::new();
    };
    let len = first.len();
    if run.len() < 2 || len < 3 || run.iter().any(|g| g.len() != len) {
        return Vec::new();
    }
    let per_code = if DIGITS.contains(&(len * run.len())) {
        run.len()
    } else if DIGITS.contains(&(len * 2)) && run.len().is_multiple_of(2) {
        2
    } else {
        return Vec::new();
    };
    run.chunks(per_code).map(|c| c.concat()).collect()
}

fn classify(word: &str) -> Word {
    let w =
        word.trim_matches(|c: char| matches!(c, ',' | ';' | '"' | '\'' | '(' | ')' | '[' | ']'));
    // `1.` and `1)` (the `)` was trimmed above) are list numbers.
    let marker = word
        .strip_suffix('.')
        .or_else(|| word.strip_suffix(')'))
        .unwrap_or("");
    if (1..=3).contains(&marker.len()) && marker.bytes().all(|b| b.is_ascii_digit()) {
        return Word::Number(marker.parse().unwrap_or(0));
    }
    if w.is_empty() || w.contains('@') {
        return Word::Other;
    }
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return Word::Digits(w.to_string());
    }
    // Groups joined by dashes: a code only when every group has the same
    // length, so `1234-5678` and `abcde-12345` are codes and `2026-11-22`
    // is a date.
    let groups: Vec<&str> = w.split(is_dash).collect();
    let alnum = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric());
    if !groups.iter().all(|g| alnum(g)) {
        return Word::Other;
    }
    let joined: String = groups.concat().to_ascii_lowercase();
    let has_digit = joined.bytes().any(|b| b.is_ascii_digit());
    let all_digits = joined.bytes().all(|b| b.is_ascii_digit());
    let equal_groups = groups.len() >= 2
        && groups
            .iter()
            .all(|g| g.len() == groups[0].len() && g.len() >= 3);
    let fits = if all_digits {
        DIGITS.contains(&joined.len())
    } else {
        ALNUM.contains(&joined.len()) && has_digit
    };
    if fits && (groups.len() == 1 && !all_digits || equal_groups) {
        Word::Code(joined)
    } else {
        Word::Other
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        parse(text)
            .unwrap()
            .codes
            .iter()
            .map(|c| c.as_str().to_string())
            .collect()
    }

    #[test]
    fn google_two_columns_in_their_numbering() {
        let text = "SAVE YOUR BACKUP CODES\n\
            Keep these backup codes somewhere safe but accessible.\n\n\
            1. 1111 1111      6. 6666 6666\n\
            2. 2222 2222      7. 7777 7777\n\
            3. 3333 3333      8. 8888 8888\n\
            4. 4444 4444      9. 9999 9999\n\
            5. 5555 5555      10. 1010 1010\n\n\
            (alice@example.com)\n\n\
            * You can only use each backup code once.\n\
            * Need more backup codes? Visit g.co/2sv\n\
            * These codes were generated on: Nov 22, 2026\n";
        assert_eq!(
            codes(text),
            [
                "11111111", "22222222", "33333333", "44444444", "55555555", "66666666", "77777777",
                "88888888", "99999999", "10101010"
            ]
        );
    }

    #[test]
    fn github_recovery_codes() {
        let text = "a1b2c-3d4e5\nf6a7b-8c9d0\n";
        assert_eq!(codes(text), ["a1b2c3d4e5", "f6a7b8c9d0"]);
    }

    #[test]
    fn pasted_numbered_and_plain_lists() {
        assert_eq!(
            codes("Instagram backup codes\n1234 5678\n8765 4321\n"),
            ["12345678", "87654321"]
        );
        assert_eq!(
            codes("1) 12345678\n2) 23456789\n"),
            ["12345678", "23456789"]
        );
        assert_eq!(
            codes("12345678 23456789\t34567890"),
            ["12345678", "23456789", "34567890"]
        );
        assert_eq!(codes("1234 5678 2345 6789"), ["12345678", "23456789"]);
    }

    #[test]
    fn a_github_code_of_digits_only_is_kept() {
        let text = "a1b2c-3d4e5\n40213-98675\nf6a7b-8c9d0\n";
        let p = parse(text).unwrap();
        assert_eq!(p.alphabet, Alphabet::Alnum { len: 10 });
        assert_eq!(p.codes.len(), 3);
        assert_eq!(p.ignored, 0);
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_code() {
        assert_eq!(
            codes("\u{FEFF}12345678\r\n23456789\r\n"),
            ["12345678", "23456789"]
        );
    }

    #[test]
    fn dates_years_and_addresses_are_not_codes() {
        let text = "Generated 2026-11-22 by bob@example.com in 2026\n20261 is not\n\
            Call 0800 123 456 or +44 20 7946 0958\n1234 5678\n";
        assert_eq!(codes(text), ["12345678"]);
    }

    #[test]
    fn duplicates_are_counted_and_dropped() {
        let p = parse("12345678\n1234 5678\n23456789\n").unwrap();
        assert_eq!(p.codes.len(), 2);
        assert_eq!(p.duplicates, 1);
    }

    #[test]
    fn a_text_of_too_many_codes_is_refused() {
        let many: String = (0..=MAX_CODES)
            .map(|i| format!("{:08}\n", 10_000_000 + i))
            .collect();
        assert!(matches!(parse(&many), Err(ImportError::TooMany { .. })));
    }

    #[test]
    fn text_without_codes_is_refused() {
        for text in [
            "",
            "hello world\n",
            "2026-11-22\n(me@example.com)\n1. 2. 3.",
        ] {
            assert_eq!(parse(text).err(), Some(ImportError::NoCodes), "{text:?}");
        }
    }

    #[test]
    fn full_width_and_nbsp_are_read() {
        assert_eq!(codes("１２３４\u{00A0}５６７８"), ["12345678"]);
    }
}
