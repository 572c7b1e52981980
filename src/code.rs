//! Backup codes: generating, normalising and showing them.
//!
//! A [`Code`] is always held in its normalised form (ASCII digits, or lower
//! case letters and digits) so that matching is plain equality. The
//! [`Alphabet`] of a set decides what text can be one of its codes; reading
//! typed text forgives grouping, full-width digits, non-breaking spaces and
//! letter case, and for digit sets reads O as 0 and I or l as 1.
//!
//! Generation draws from any [`TryCryptoRng`]: production passes the
//! operating system's generator, tests a seeded one through the same path.

use std::fmt;

use rand::TryCryptoRng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Typed text that is not a code of the alphabet it was read for. The
/// reason never repeats the text: it may be a real code.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("that is not a valid code: {reason}")]
pub struct MalformedCode {
    pub reason: String,
}

/// Digits in a generated code.
pub const GENERATED_LEN: u8 = 8;
const GENERATED_SPACE: u32 = 100_000_000;
/// The largest multiple of 10^8 that fits in a u32: draws at or above it are
/// rejected so that every code is exactly equally likely.
const ACCEPT_BELOW: u32 = (u32::MAX / GENERATED_SPACE) * GENERATED_SPACE;

/// What text a set's codes are made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alphabet {
    /// `len` decimal digits (6 to 12).
    Digits { len: u8 },
    /// `len` letters and digits, compared without regard to case.
    Alnum { len: u8 },
}

impl Alphabet {
    pub const GENERATED: Alphabet = Alphabet::Digits { len: GENERATED_LEN };

    pub fn code_len(self) -> usize {
        match self {
            Alphabet::Digits { len } | Alphabet::Alnum { len } => len as usize,
        }
    }

    /// Whether `code` is one of this alphabet's codes. A code of digits
    /// only can belong to a letter-and-digit alphabet too: a GitHub code
    /// may happen to hold no letter.
    pub fn admits(self, code: &Code) -> bool {
        let bytes = code.as_bytes();
        match self {
            Alphabet::Digits { len } => {
                bytes.len() == len as usize && bytes.iter().all(u8::is_ascii_digit)
            }
            Alphabet::Alnum { len } => bytes.len() == len as usize,
        }
    }

    pub fn describe(self) -> String {
        match self {
            Alphabet::Digits { len } => format!("{len} digits"),
            Alphabet::Alnum { len } => format!("{len} letters and digits"),
        }
    }
}

/// The longest code of any alphabet: room for a recovery key of seven
/// groups of four (28) or five of five (25).
pub const MAX_LEN: usize = 32;

/// One normalised code: ASCII digits and lower-case letters, held inline
/// (a vault of 10,000 accounts holds over 100,000 codes; a heap allocation
/// each is most of the cost of reading it). Zeroed on drop; `Debug` does
/// not show it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Zeroize, ZeroizeOnDrop)]
pub struct Code {
    len: u8,
    bytes: [u8; MAX_LEN],
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code([redacted])")
    }
}

impl Code {
    /// A code from its normalised form, if it is one: 1 to [`MAX_LEN`]
    /// ASCII digits and lower-case letters.
    pub fn from_normalised(text: &[u8]) -> Option<Code> {
        let valid = (1..=MAX_LEN).contains(&text.len())
            && text
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
        valid.then(|| {
            let mut bytes = [0; MAX_LEN];
            bytes[..text.len()].copy_from_slice(text);
            Code {
                len: text.len() as u8,
                bytes,
            }
        })
    }

    /// Reads typed text as a code of `alphabet`.
    ///
    /// The error never repeats the text: it may be a real code.
    pub fn parse(input: &str, alphabet: Alphabet) -> Result<Code, MalformedCode> {
        let digits_only = matches!(alphabet, Alphabet::Digits { .. });
        let mut out = Code {
            len: 0,
            bytes: [0; MAX_LEN],
        };
        let mut count = 0usize;
        for c in input.chars() {
            if is_separator(c) {
                continue;
            }
            let c = fold_width(c).to_ascii_lowercase();
            let c = match c {
                'o' if digits_only => '0',
                'i' | 'l' if digits_only => '1',
                c => c,
            };
            let fits = if digits_only {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphanumeric()
            };
            if !fits {
                return Err(MalformedCode {
                    reason: format!(
                        "it has a character that is not part of a code ({} expected)",
                        alphabet.describe()
                    ),
                });
            }
            if count < MAX_LEN {
                out.bytes[count] = c as u8;
            }
            count += 1;
        }
        if count != alphabet.code_len() || count > MAX_LEN {
            return Err(MalformedCode {
                reason: format!("expected {}, got {count}", alphabet.describe()),
            });
        }
        out.len = count as u8;
        Ok(out)
    }

    /// A fresh code of [`GENERATED_LEN`] digits, uniform over
    /// 00000000-99999999: a 32-bit draw is kept only below the largest
    /// multiple of 10^8, so the remainder carries no modulo bias.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Code, R::Error> {
        loop {
            let draw = rng.try_next_u32()?;
            if draw < ACCEPT_BELOW {
                // Digit by digit into the code itself: no heap string holds
                // it on the way.
                let mut n = draw % GENERATED_SPACE;
                let mut code = Code {
                    len: GENERATED_LEN,
                    bytes: [0; MAX_LEN],
                };
                for slot in code.bytes[..GENERATED_LEN as usize].iter_mut().rev() {
                    *slot = b'0' + (n % 10) as u8;
                    n /= 10;
                }
                return Ok(code);
            }
        }
    }

    /// The normalised text, as stored and as shown in JSON.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).expect("a code is ASCII by construction")
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The code as people read it: `1234 5678`, `12345 67890`, or
    /// `abcde-12345` for letter codes.
    pub fn grouped(&self) -> String {
        let s = self.as_str();
        let sep = if s.bytes().all(|b| b.is_ascii_digit()) {
            ' '
        } else {
            '-'
        };
        let mid = s.len().div_ceil(2);
        if s.len() < 6 {
            return s.to_string();
        }
        format!("{}{sep}{}", &s[..mid], &s[mid..])
    }

    /// The code as the platform printed it, if its set keeps the
    /// platform's layout.
    pub fn printed(&self, layout: Option<&Layout>) -> Option<String> {
        layout.and_then(|l| l.render(self))
    }

    /// The code as people read it: as the platform printed it, else
    /// [`Code::grouped`].
    pub fn shown(&self, layout: Option<&Layout>) -> String {
        self.printed(layout).unwrap_or_else(|| self.grouped())
    }

    /// Whether `other` is one typing slip away from this code: one character
    /// different, or two neighbours swapped.
    pub fn is_near_miss(&self, other: &Code) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        if a.len() != b.len() || a == b {
            return false;
        }
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        match diff.as_slice() {
            [_] => true,
            [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
            _ => false,
        }
    }
}

/// How a platform prints its codes: the length of each group, what stands
/// between groups, and the letters' case (`K7PM-2XQ9-WB4N` is three groups
/// of four, dashes, upper case). A set keeps it so that what people read
/// matches what the platform printed; matching ignores it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layout {
    groups: Box<[u8]>,
    separator: Separator,
    case: Case,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Separator {
    Space,
    Dash,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Case {
    Lower,
    Upper,
}

impl Case {
    /// The case of a text's letters: `None` if it has none, or both.
    pub fn of(text: &str) -> Option<Case> {
        let upper = text.bytes().any(|b| b.is_ascii_uppercase());
        let lower = text.bytes().any(|b| b.is_ascii_lowercase());
        match (upper, lower) {
            (true, false) => Some(Case::Upper),
            (false, true) => Some(Case::Lower),
            _ => None,
        }
    }
}

impl Layout {
    /// The layout of one printed code: `K7PM-2XQ9-WB4N`, `1234 5678`,
    /// `a1b2c3d4e5`. `None` unless it holds 1 to [`MAX_LEN`] ASCII letters
    /// and digits in groups split by single spaces or dashes.
    pub fn of(printed: &str) -> Option<Layout> {
        let separator = if printed.contains(is_dash) {
            Separator::Dash
        } else {
            Separator::Space
        };
        let groups: Vec<u8> = printed
            .split(|c: char| c == ' ' || is_dash(c))
            .map(|g| {
                let ok = !g.is_empty() && g.bytes().all(|b| b.is_ascii_alphanumeric());
                ok.then_some(g.len() as u8)
            })
            .collect::<Option<_>>()?;
        let len: usize = groups.iter().map(|&g| usize::from(g)).sum();
        if len > MAX_LEN {
            return None;
        }
        Some(Layout {
            groups: groups.into(),
            separator,
            // Mixed case is shown in lower case: matching ignores case, so
            // a set cannot keep two codes that differ only in it anyway.
            case: Case::of(printed).unwrap_or(Case::Lower),
        })
    }

    /// The code in this layout; `None` if the layout is not of its length.
    pub fn render(&self, code: &Code) -> Option<String> {
        let s = code.as_str();
        let total: usize = self.groups.iter().map(|&g| usize::from(g)).sum();
        if total != s.len() {
            return None;
        }
        let sep = match self.separator {
            Separator::Space => ' ',
            Separator::Dash => '-',
        };
        let mut out = String::with_capacity(s.len() + self.groups.len());
        let mut at = 0;
        for (i, &g) in self.groups.iter().enumerate() {
            if i > 0 {
                out.push(sep);
            }
            let group = &s[at..at + usize::from(g)];
            match self.case {
                Case::Upper => out.push_str(&group.to_ascii_uppercase()),
                Case::Lower => out.push_str(group),
            }
            at += usize::from(g);
        }
        Some(out)
    }
}

/// Text in JSON (`"12345678"`), bytes in the vault file: no UTF-8 check
/// and no allocation on the way in, and every stored code is validated.
impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(self.as_str())
        } else {
            s.serialize_bytes(self.as_bytes())
        }
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        struct CodeVisitor;
        impl serde::de::Visitor<'_> for CodeVisitor {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a normalised code")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Code, E> {
                Code::from_normalised(v).ok_or_else(|| E::custom("not a normalised code"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Code, E> {
                self.visit_bytes(v.as_bytes())
            }
        }
        if d.is_human_readable() {
            d.deserialize_str(CodeVisitor)
        } else {
            d.deserialize_bytes(CodeVisitor)
        }
    }
}

/// A dash of any width, as platforms and word processors print them.
pub(crate) fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FF0D}')
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || is_dash(c)
        || matches!(
            c,
            '\u{00A0}' | '\u{2007}' | '\u{202F}' | '\u{200B}' | '\u{FEFF}'
        )
}

/// Full-width forms (U+FF01-U+FF5E) to their ASCII twins.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const D8: Alphabet = Alphabet::GENERATED;

    fn code(s: &str) -> Code {
        Code::parse(s, D8).unwrap()
    }

    #[test]
    fn accepts_every_documented_grouping() {
        for typed in [
            "12345678",
            "1234 5678",
            "1234-5678",
            "  1234 5678 \n",
            "1234\u{00A0}5678",
            "１２３４５６７８",
            "12-34-56-78",
            "1234\u{2013}5678",
        ] {
            assert_eq!(code(typed).as_str(), "12345678", "{typed:?}");
        }
    }

    #[test]
    fn reads_o_and_i_as_digits_in_digit_sets_only() {
        assert_eq!(code("1O34 5Il8").as_str(), "10345118");
        let alnum = Alphabet::Alnum { len: 10 };
        assert_eq!(
            Code::parse("ABCDE-1O2I3", alnum).unwrap().as_str(),
            "abcde1o2i3"
        );
    }

    #[test]
    fn refuses_text_that_cannot_be_a_code() {
        for bad in [
            "1234567",
            "123456789",
            "12a45678",
            "",
            "1234_5678",
            "١٢٣٤٥٦٧٨",
        ] {
            let err = Code::parse(bad, D8).unwrap_err();
            let _: MalformedCode = err;
            if !bad.is_empty() {
                assert!(
                    !err.to_string().contains(bad),
                    "the message repeats the input"
                );
            }
        }
    }

    #[test]
    fn groups_codes_for_reading() {
        assert_eq!(code("12345678").grouped(), "1234 5678");
        let ten = Code::parse("1234567890", Alphabet::Digits { len: 10 }).unwrap();
        assert_eq!(ten.grouped(), "12345 67890");
        let gh = Code::parse("abcde-f1234", Alphabet::Alnum { len: 10 }).unwrap();
        assert_eq!(gh.grouped(), "abcde-f1234");
    }

    #[test]
    fn a_layout_keeps_the_platforms_case_and_grouping() {
        let alnum = |s: &str, len| Code::parse(s, Alphabet::Alnum { len }).unwrap();
        for printed in [
            "K7PM-2XQ9-WB4N",
            "k7pm 2xq9 wb4n",
            "K7PM2XQ9WB4N",
            "K7P-M2X-Q9W-B4N",
        ] {
            let layout = Layout::of(printed).unwrap();
            assert_eq!(
                alnum(printed, 12).shown(Some(&layout)),
                printed,
                "{printed:?}"
            );
        }
        // The layout of one code shows another of the set alike.
        let layout = Layout::of("ABCDE-FGHIJ-KLMNO-PQRST-UVW12").unwrap();
        let other = alnum("zyxwv utsrq ponml kjihg fed98", 25);
        assert_eq!(other.shown(Some(&layout)), "ZYXWV-UTSRQ-PONML-KJIHG-FED98");
        // Mixed case reads as lower case; a layout of another length is not
        // used; no layout is the usual grouping.
        let mixed = Layout::of("aBcD-1234").unwrap();
        assert_eq!(alnum("ABCD1234", 8).shown(Some(&mixed)), "abcd-1234");
        assert_eq!(code("12345678").shown(Some(&mixed)), "1234-5678");
        assert_eq!(code("12345678").shown(Some(&layout)), "1234 5678");
        assert_eq!(code("12345678").shown(None), "1234 5678");
        for bad in ["", "12 34_56", "1234  5678", "-1234", "é1234"] {
            assert_eq!(Layout::of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn near_misses_are_one_slip_away() {
        let c = code("12345678");
        assert!(c.is_near_miss(&code("12345679")));
        assert!(c.is_near_miss(&code("21345678")));
        assert!(c.is_near_miss(&code("12345687")));
        assert!(!c.is_near_miss(&code("12345678")));
        assert!(!c.is_near_miss(&code("13245768")));
        assert!(!c.is_near_miss(&code("12435687")));
        assert!(!c.is_near_miss(&code("92345670")));
    }

    #[test]
    fn a_letter_alphabet_admits_a_code_of_digits_only() {
        let digits = Code::parse("4021398675", Alphabet::Digits { len: 10 }).unwrap();
        assert!(Alphabet::Alnum { len: 10 }.admits(&digits));
        assert!(Alphabet::Digits { len: 10 }.admits(&digits));
        let letters = Code::parse("abcde-12345", Alphabet::Alnum { len: 10 }).unwrap();
        assert!(!Alphabet::Digits { len: 10 }.admits(&letters));
        assert!(!Alphabet::Alnum { len: 8 }.admits(&letters));
    }

    #[test]
    fn stored_codes_are_validated() {
        assert!(Code::from_normalised(b"12345678").is_some());
        assert!(Code::from_normalised(b"abcde12345").is_some());
        for bad in [&b""[..], b"ABC", b"12 34", b"\xff", &[b'1'; MAX_LEN + 1]] {
            assert!(Code::from_normalised(bad).is_none(), "{bad:?}");
        }
        let c = code("12345678");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"12345678\"");
        let stored = postcard::to_allocvec(&c).unwrap();
        assert_eq!(stored, b"\x0812345678");
        assert_eq!(postcard::from_bytes::<Code>(&stored).unwrap(), c);
        assert!(postcard::from_bytes::<Code>(b"\x03ABC").is_err());
    }

    #[test]
    fn debug_hides_the_code() {
        assert_eq!(format!("{:?}", code("12345678")), "Code([redacted])");
    }

    #[test]
    fn rejection_bound_is_the_largest_multiple() {
        assert_eq!(ACCEPT_BELOW % GENERATED_SPACE, 0);
        assert!(u64::from(ACCEPT_BELOW) + u64::from(GENERATED_SPACE) > u64::from(u32::MAX));
    }

    /// A generator that replays fixed draws, to see the rejection at work.
    struct Replay(Vec<u32>);
    impl rand::TryRng for Replay {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0.remove(0))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::from(self.0.remove(0)))
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            unimplemented!()
        }
    }
    impl rand::TryCryptoRng for Replay {}

    #[test]
    fn draws_in_the_biased_tail_are_rejected() {
        let mut rng = Replay(vec![u32::MAX, ACCEPT_BELOW, ACCEPT_BELOW - 1, 7]);
        assert_eq!(Code::generate(&mut rng).unwrap().as_str(), "99999999");
        let mut rng = Replay(vec![7]);
        assert_eq!(Code::generate(&mut rng).unwrap().as_str(), "00000007");
    }

    /// Every digit position must be uniform over 0-9. The generator is seeded,
    /// so the outcome is fixed and the test cannot flake; the bound is the
    /// chi-square critical value for 9 degrees of freedom at p = 0.001.
    #[test]
    fn digits_are_uniform_chi_square() {
        let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
        let n = 100_000;
        let mut counts = [[0u32; 10]; 8];
        for _ in 0..n {
            let c = Code::generate(&mut rng).unwrap();
            for (pos, b) in c.as_str().bytes().enumerate() {
                counts[pos][(b - b'0') as usize] += 1;
            }
        }
        let expected = f64::from(n) / 10.0;
        for (pos, row) in counts.iter().enumerate() {
            let chi2: f64 = row
                .iter()
                .map(|&o| (f64::from(o) - expected).powi(2) / expected)
                .sum();
            assert!(
                chi2 < 27.877,
                "position {pos}: chi-square {chi2:.2} for {row:?}"
            );
        }
    }

    /// The chi-square check has teeth: a modulo-biased generator over a
    /// small range is caught by the same bound.
    #[test]
    fn chi_square_bound_catches_a_biased_generator() {
        let mut rng = StdRng::seed_from_u64(1);
        let n = 100_000;
        let mut counts = [0u32; 10];
        for _ in 0..n {
            // 0..=12 folded onto 0..=9: 0, 1 and 2 come up twice as often.
            let d = (rand::Rng::next_u32(&mut rng) % 13) % 10;
            counts[d as usize] += 1;
        }
        let expected = f64::from(n) / 10.0;
        let chi2: f64 = counts
            .iter()
            .map(|&o| (f64::from(o) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 > 27.877);
    }

    proptest! {
        #![proptest_config(crate::proptest_config(256))]

        #[test]
        fn any_grouping_normalises_to_the_same_code(
            n in 0u32..100_000_000,
            seps in proptest::collection::vec(
                prop_oneof![Just(""), Just(" "), Just("-"), Just("\u{00A0}"), Just("  "), Just("\u{2010}")],
                9,
            ),
            fullwidth in proptest::collection::vec(any::<bool>(), 8),
        ) {
            let plain = format!("{n:08}");
            let mut typed = String::from(seps[0]);
            for (i, ch) in plain.chars().enumerate() {
                let ch = if fullwidth[i] { char::from_u32(ch as u32 + 0xFEE0).unwrap() } else { ch };
                typed.push(ch);
                typed.push_str(seps[i + 1]);
            }
            let parsed = Code::parse(&typed, D8).unwrap();
            prop_assert_eq!(parsed.as_str(), plain.as_str());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Code::parse(&s, D8);
            let _ = Code::parse(&s, Alphabet::Alnum { len: 10 });
        }
    }
}
