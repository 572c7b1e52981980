use proptest::prelude::*;

use super::*;

fn parsed(text: &str) -> Parsed {
    parse(text, false).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn codes(text: &str) -> Vec<String> {
    parsed(text)
        .codes
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

fn shown(text: &str) -> Vec<String> {
    let p = parsed(text);
    p.codes.iter().map(|c| c.shown(p.layout.as_ref())).collect()
}

fn malformed(text: &str) -> Vec<Malformed> {
    match parse(text, false) {
        Err(ImportError::Malformed(malformed)) => malformed.lines,
        r => panic!("{text:?} was not refused: {r:?}"),
    }
}

fn m(line: usize, len: usize) -> Malformed {
    Malformed {
        line,
        lens: vec![len],
        letters: false,
    }
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
    assert_eq!(shown(text), ["a1b2c-3d4e5", "f6a7b-8c9d0"]);
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
        codes("1 12345678\n2 23456789\n#3 34567890\n(4) 45678901"),
        ["12345678", "23456789", "34567890", "45678901"]
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
    let p = parsed(text);
    assert_eq!(p.alphabet, Alphabet::Alnum { len: 10 });
    assert_eq!(p.codes.len(), 3);
    assert!(p.skipped.is_none());
}

#[test]
fn a_byte_order_mark_does_not_hide_the_first_code() {
    assert_eq!(
        codes("\u{FEFF}12345678\r\n23456789\r\n"),
        ["12345678", "23456789"]
    );
}

#[test]
fn dates_years_phones_and_addresses_are_not_codes() {
    let text = "Generated 2026-11-22 by bob@example.com in 2026\n20261 is not\n\
        Call 0800 123 456 or +44 20 7946 0958\n1234 5678\n2026-11-22\n2026\n\
        Page 2\n22/11/2026 10:04\n";
    assert_eq!(codes(text), ["12345678"]);
}

#[test]
fn duplicates_are_counted_and_dropped() {
    let p = parsed("12345678\n1234 5678\n23456789\n");
    assert_eq!(p.codes.len(), 2);
    assert_eq!(p.duplicates, 1);
}

#[test]
fn a_text_of_too_many_codes_is_refused() {
    let many: String = (0..=MAX_CODES)
        .map(|i| format!("{:08}\n", 10_000_000 + i))
        .collect();
    assert!(matches!(
        parse(&many, false),
        Err(ImportError::TooMany { .. })
    ));
}

#[test]
fn text_without_codes_is_refused() {
    for text in [
        "",
        "hello world\n",
        "2026-11-22\n(me@example.com)\n1. 2. 3.",
        "BACKUP CODES\nsee here\n",
    ] {
        assert_eq!(
            parse(text, false).err(),
            Some(ImportError::NoCodes),
            "{text:?}"
        );
    }
}

#[test]
fn full_width_and_nbsp_are_read() {
    assert_eq!(codes("１２３４\u{00A0}５６７８"), ["12345678"]);
}

// ------------------------------------------------------------ malformed

#[test]
fn a_malformed_code_refuses_the_text_naming_its_line() {
    // The report's own example: a digit lost, a digit too many, a group cut.
    let text = "1234 5678\n2345678\n3456 7890\n4567 89012\n5678 9012\n2345 678\n";
    assert_eq!(malformed(text), [m(2, 7), m(4, 9), m(6, 7)]);
    let err = parse(text, false).unwrap_err().to_string();
    assert_eq!(
        err,
        "lines 2 (7 characters), 4 (9 characters) and 6 (7 characters) of the text are \
         not codes of the set's shape (8 digits)"
    );
    assert_eq!(
        parse("12345678\n1234567\n", false).unwrap_err().to_string(),
        "line 2 (7 characters) of the text is not a code of the set's shape (8 digits)"
    );
    // Letters in a digit code (said: an O read for a 0 is a common slip),
    // and a digit code among letter codes.
    let letter = parse("12345678\n3349 8O71\n23456789\n", false).unwrap_err();
    assert_eq!(
        letter.to_string(),
        "line 2 (8 characters, with a letter) of the text is not a code of the set's shape \
         (8 digits)"
    );
    assert_eq!(
        malformed("a1b2c-3d4e5\nf6a7b-8c9d0\n1234-5678\n"),
        [m(3, 8)]
    );
    assert_eq!(malformed("1a2b-3c4d\n5e6f-7g8\n"), [m(2, 7)]);
}

#[test]
fn skipping_malformed_codes_keeps_the_rest_and_says_which() {
    let text = "1234 5678\n2345678\n3456 7890\n4567 89012\n5678 9012\n";
    let p = parse(text, true).unwrap();
    let got: Vec<&str> = p.codes.iter().map(Code::as_str).collect();
    assert_eq!(got, ["12345678", "34567890", "56789012"]);
    assert_eq!(p.skipped.unwrap().lines, [m(2, 7), m(4, 9)]);
    // A good code beside a malformed one in another column is kept.
    let p = parse("1234 567    2345 6789\n3456 7890    4567 8901\n", true).unwrap();
    let got: Vec<&str> = p.codes.iter().map(Code::as_str).collect();
    assert_eq!(got, ["23456789", "34567890", "45678901"]);
    assert_eq!(p.skipped.unwrap().named(), "line 1 (7 characters)");
    // Groups that make no code at all are no codes, skipped or not.
    for skip in [false, true] {
        assert_eq!(parse("1234 567\n", skip).err(), Some(ImportError::NoCodes));
    }
}

#[test]
fn a_malformed_code_in_a_sentence_is_prose() {
    // Only code lines are read strictly: prose keeps its numbers.
    let text = "Your account 1234567 has these codes:\n12345678\n23456789\n";
    assert_eq!(codes(text), ["12345678", "23456789"]);
}

/// What a text must give.
enum Gives {
    /// These codes, normalised, in order; `*` after one means used.
    Codes(&'static [&'static str]),
    /// Refused, naming these lines.
    Refused(&'static [usize]),
}

/// Texts people paste, from a second reading of the parser: each once lost
/// a code, took a non-code, refused a clean file or missed a used mark.
#[test]
fn what_people_paste_gives_exactly_its_codes() {
    use Gives::*;
    let cases: &[(&str, Gives)] = &[
        // A bare list number is never glued onto a code.
        ("1 12345678\n2 2345678\n3 34567890", Refused(&[2])),
        ("1 12345678\n2 2345 678\n3 34567890", Refused(&[2])),
        ("1 a1b2c-3d4e5\n2 f6a7b-8c9d\n3 0a1b2-c3d4e", Refused(&[2])),
        ("1. 4821 0937\n2. 1168 5520\n3 3349 807", Refused(&[3])),
        ("1 4821 0937\n2 1168 5520", Codes(&["48210937", "11685520"])),
        (
            "Backup codes\n1  4821 0937\n2  1168 5520\n10 3349 8071",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "1 12345678    6 67890123\n2 23456789    7 78901234",
            Codes(&["12345678", "23456789", "67890123", "78901234"]),
        ),
        // Numbers in sentences are prose.
        (
            "Tel: +852 2345 6789\n1234 5678\n3456 7890",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "Account number 98765432\n1234 5678\n3456 7890",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "Card: 4111 1111 1111 1111\n1234 5678\n3456 7890",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "Booked flight LO123456\n12345678\n34567890",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "2026 11 22\n1234 5678\n3456 7890",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "These are your Discord backup codes for account gamer123. Keep them safe!\n\n \
             * 1a2b-3c4d\n * 5e6f-7g8h\n * 9i0j-1k2l",
            Codes(&["1a2b3c4d", "5e6f7g8h", "9i0j1k2l"]),
        ),
        (
            "GitHub account: octocat123\na1b2c-3d4e5\nf6a7b-8c9d0",
            Codes(&["a1b2c3d4e5", "f6a7b8c9d0"]),
        ),
        // Codes of letters alone, in the codes' own case.
        (
            "* abcdefgh\n* 1a2b3c4d\n* 5e6f7g8h",
            Codes(&["abcdefgh", "1a2b3c4d", "5e6f7g8h"]),
        ),
        (
            "1. ABCD EFGH\n2. 1A2B 3C4D\n3. 5E6F 7G8H",
            Codes(&["abcdefgh", "1a2b3c4d", "5e6f7g8h"]),
        ),
        (
            "THANK YOU\nCONGRATS\n1a2b3c4d\n5e6f7g8h",
            Codes(&["1a2b3c4d", "5e6f7g8h"]),
        ),
        // Columns of spaced groups.
        (
            "k7pm 2xq9 wb4n    r2d2 c3po bb8x\nh4jk 7lmn 2pqr    s8tv 9wxy 3zab",
            Codes(&[
                "k7pm2xq9wb4n",
                "r2d2c3pobb8x",
                "h4jk7lmn2pqr",
                "s8tv9wxy3zab",
            ]),
        ),
        (
            "123 456    234 567\n345 678    456 789",
            Codes(&["123456", "234567", "345678", "456789"]),
        ),
        ("1234  5678\n2345  6789", Codes(&["12345678", "23456789"])),
        // Markup and invisible characters.
        (
            "1234 5678\n`2345 6789`\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "1234 5678\n**2345 6789**\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "1234 5678\n“2345 6789”\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "1234 5678\n2345 6789(used)\n3456 7890",
            Codes(&["12345678", "23456789*", "34567890"]),
        ),
        (
            "<s>1234 5678</s>\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        ("~1234 5678~\n2345 6789", Codes(&["12345678*", "23456789"])),
        (
            "<li>12345678</li><li>23456789</li>",
            Codes(&["12345678", "23456789"]),
        ),
        ("12345678<br>23456789", Codes(&["12345678", "23456789"])),
        (
            "12345678,23456789,34567890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        ("12345678;23456789", Codes(&["12345678", "23456789"])),
        (
            "1234\u{AD}5678\n2345\u{2060}6789",
            Codes(&["12345678", "23456789"]),
        ),
        ("1.1234 5678\n2.2345 6789", Codes(&["12345678", "23456789"])),
        ("1)12345678\n2)23456789", Codes(&["12345678", "23456789"])),
        ("✓12345678\n23456789", Codes(&["12345678*", "23456789"])),
        // Labels, bullets and list letters.
        (
            "Code 1: 1234 5678\nCode 2: 2345 678\nCode 3: 3456 7890",
            Refused(&[2]),
        ),
        ("● 1234 5678\n● 2345 678\n● 3456 7890", Refused(&[2])),
        ("o 1234 5678\no 2345 678\no 3456 7890", Refused(&[2])),
        ("a) 12345678\nb) 2345678\nc) 34567890", Refused(&[2])),
        // Used marks, and what is not one.
        (
            "1234 5678 ✔\u{FE0F}\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 - used\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 – USED\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "| 1 | 1234 5678 | ✓ |\n| 2 | 2345 6789 |   |",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 (already used)\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "[✓] 1234 5678\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 # used\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "✓ 8402 1196    3357 0824\n6619 2703    9024 5518",
            Codes(&["84021196*", "33570824", "66192703", "90245518"]),
        ),
        (
            "8402 1196    3357 0824 ✓\n6619 2703    9024 5518",
            Codes(&["84021196", "33570824*", "66192703", "90245518"]),
        ),
        (
            "Not used - 1234 5678\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        // Lines that are clearly not codes.
        (
            "1234 5678\n3456 7890\n--\nAlice\n555-123-4567",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "1234 5678\n3456 7890\n(555) 123-4567",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "1234 5678\n3456 7890\n800 555 0199\n1-800-555-0199\n11-22-26",
            Codes(&["12345678", "34567890"]),
        ),
        (
            "GitHub codes: a1b2c-3d4e5 40213-98675 f6a7b-8c9d0",
            Codes(&["a1b2c3d4e5", "4021398675", "f6a7b8c9d0"]),
        ),
        // A digit typed as a letter among digit codes is refused, not taken.
        ("482l 0937\n1168 5520", Refused(&[1])),
        // --- A second reading. A short first group is no list number
        // where the text does not number its lines so.
        ("1234 5678\n234 5678\n3456 7890", Refused(&[2])),
        ("1234 5678\n12 5678\n3456 7890", Refused(&[2])),
        ("12 456\n234 567\n345 678", Refused(&[1])),
        (
            "1. 4821 0937\n2. 1168 5520\n3 3349 807\n4. 5511 3782",
            Refused(&[3]),
        ),
        (
            "No. 1 1234 5678\nNo. 2 2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        // Ticks glued after a code.
        (
            "12345678✓\n23456789\n34567890",
            Codes(&["12345678*", "23456789", "34567890"]),
        ),
        (
            "1234 5678✔\u{FE0F}\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        // Invisible characters.
        (
            "1234 5678\n\u{200F}2345 6789\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "\u{202A}1234 5678\u{202C}\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "\u{2066}1234 5678\u{2069}\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "1234 5678\u{FFFC}\n2345 6789\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "1234 5678\n2345 6789\u{34F}\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "\u{200E}1234 5678\u{200E}\n\u{200E}2345 6789\u{200E}",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "Recovery code\n\u{200E}ABCDE-FGH1J-KLMN0-PQRST-UVWX2\u{200E}",
            Codes(&["abcdefgh1jklmn0pqrstuvwx2"]),
        ),
        // A code broken across two lines is refused, not two years.
        ("1234 5678\n2345\n6789\n3456 7890", Refused(&[2, 3])),
        (
            "1. 1234 5678\n2. 2345\n6789\n3. 3456 7890",
            Refused(&[2, 3]),
        ),
        ("1234 5678\n2345-\n6789\n3456 7890", Refused(&[2, 3])),
        ("2026\n2025\n1234 5678", Codes(&["12345678"])),
        // Other marks between groups.
        (
            "1234 5678\n2345 - 6789\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "1234.5678\n2345 6789\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        ("1234·5678\n2345 6789", Codes(&["12345678", "23456789"])),
        ("1234_5678\n2345 6789", Codes(&["12345678", "23456789"])),
        ("1234:5678\n2345 6789", Codes(&["12345678", "23456789"])),
        (
            "123.456\n234 567\n345 678",
            Codes(&["123456", "234567", "345678"]),
        ),
        (
            "1234&nbsp;5678\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "1234 56 78\n2345 6789\n3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "12345678\n<23456789>\n34567890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        ("1234 5678|\n2345 6789", Codes(&["12345678", "23456789"])),
        (
            "|1234 5678\n|2345 6789\n|3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "> 1234 5678\n>> 2345 6789\n> 3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        ("1234 5678…\n{2345 6789}", Codes(&["12345678", "23456789"])),
        // Words and names beside letter codes are not codes.
        (
            "* 1a2b-3c4d\n* 5e6f-7g8h\n\n-- \nmichelle",
            Codes(&["1a2b3c4d", "5e6f7g8h"]),
        ),
        (
            "* 1a2b-3c4d\n* 5e6f-7g8h\n* 9i0j-1k2l\npassword",
            Codes(&["1a2b3c4d", "5e6f7g8h", "9i0j1k2l"]),
        ),
        (
            "* 1a2b-3c4d (consumed)\n* 5e6f-7g8h\n* 9i0j-1k2l",
            Codes(&["1a2b3c4d*", "5e6f7g8h", "9i0j1k2l"]),
        ),
        (
            "* 1a2b-3c4d\n* 5e6f-7g8h redeemed\n* 9i0j-1k2l",
            Codes(&["1a2b3c4d", "5e6f7g8h*", "9i0j1k2l"]),
        ),
        (
            "keep safe\n1a2b-3c4d\n5e6f-7g8h",
            Codes(&["1a2b3c4d", "5e6f7g8h"]),
        ),
        (
            "KEEP SAFE\nK7PM-2XQ9\nR2D2-C3PO\nBB8X-4HJK",
            Codes(&["k7pm2xq9", "r2d2c3po", "bb8x4hjk"]),
        ),
        (
            "FACEBOOK\n1A2B-3C4D\n5E6F-7G8H\n9I0J-1K2L",
            Codes(&["1a2b3c4d", "5e6f7g8h", "9i0j1k2l"]),
        ),
        (
            "a1b2c-3d4e5\nf6a7b-8c9d0\nrecoveries",
            Codes(&["a1b2c3d4e5", "f6a7b8c9d0"]),
        ),
        // A code, then a remark.
        ("12345678 abc\n23456789", Codes(&["12345678", "23456789"])),
        (
            "4821 0937 - laptop\n1168 5520 - phone\n3349 8071",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "4821 0937 laptop\n1168 5520 (phone)\n3349 8071",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "1234 5678\n20261 is not a code\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        // Phone numbers on their own lines, in any shape of code.
        (
            "12345 67890\n23456 78901\n555 123 4567",
            Codes(&["1234567890", "2345678901"]),
        ),
        (
            "12345 67890\n23456 78901\n(555) 123-4567",
            Codes(&["1234567890", "2345678901"]),
        ),
        ("1234 5678\n2345 6789\n0800 1234 5678", Refused(&[3])),
        // Marks in a column of their own, in tables, in other words.
        (
            "12345678\tused\n23456789\t\n34567890",
            Codes(&["12345678*", "23456789", "34567890"]),
        ),
        (
            "12345678    (used)\n23456789\n34567890",
            Codes(&["12345678*", "23456789", "34567890"]),
        ),
        ("12345678\t✓\n23456789", Codes(&["12345678*", "23456789"])),
        (
            "<tr><td>1234 5678</td><td>✓</td></tr><tr><td>2345 6789</td><td></td></tr>",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "Code\tUsed\n12345678\tTRUE\n23456789\tFALSE",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "| Code | Used |\n|---|---|\n| 1234 5678 | yes |\n| 2345 6789 | no |",
            Codes(&["12345678*", "23456789"]),
        ),
        ("1234 5678 x\n2345 6789", Codes(&["12345678*", "23456789"])),
        ("X 1234 5678\n2345 6789", Codes(&["12345678*", "23456789"])),
        ("✗ 1234 5678\n2345 6789", Codes(&["12345678*", "23456789"])),
        ("❌ 1234 5678\n2345 6789", Codes(&["12345678*", "23456789"])),
        ("1234 5678 √\n2345 6789", Codes(&["12345678*", "23456789"])),
        (
            "1234 5678 // used\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 (used 2026-01-05)\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 - used on Jan 5\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "1234 5678 - used for laptop login\n2345 6789",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "12345678 (used), 23456789 (unused)",
            Codes(&["12345678*", "23456789"]),
        ),
        (
            "Used codes:\n1234 5678\n2345 6789\n\nUnused codes:\n3456 7890\n4567 8901",
            Codes(&["12345678*", "23456789*", "34567890", "45678901"]),
        ),
        (
            "~~1234 5678\n2345 6789~~\n3456 7890",
            Codes(&["12345678*", "23456789*", "34567890"]),
        ),
        // Labels, other numbering, line breaks of every kind.
        (
            "Your recovery code is ABCDE FGH1J KLMN0 PQRST UVWX2.",
            Codes(&["abcdefgh1jklmn0pqrstuvwx2"]),
        ),
        (
            "Recovery code: ABCDE FGH1J KLMN0 PQRST UVWX2",
            Codes(&["abcdefgh1jklmn0pqrstuvwx2"]),
        ),
        (
            "Recovery key: XK4R 7QWE RT2Y UIOP 3ASD FGHJ KL5Z",
            Codes(&["xk4r7qwert2yuiop3asdfghjkl5z"]),
        ),
        ("Backup code: abcd1234efgh", Codes(&["abcd1234efgh"])),
        (
            "Code: 12345678\nCode: 23456789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "Backup code 1: 1234 5678\nBackup code 2: 2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "Backup codes: 12345678 23456789 34567890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        (
            "🔑 1234 5678\n🔑 2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        (
            "1- 1234 5678\n2- 2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        ("① 1234 5678\n② 2345 6789", Codes(&["12345678", "23456789"])),
        (
            "12 34 56\n23 45 67\n34 56 78",
            Codes(&["123456", "234567", "345678"]),
        ),
        (
            "i. 1234 5678\nii. 2345 6789\niii. 3456 7890",
            Codes(&["12345678", "23456789", "34567890"]),
        ),
        // --- A third reading, end to end. Headings that mention use mark
        // nothing; a used section ends at a blank line or a heading.
        (
            "Backup codes (each can be used once):\n4821 0937\n1168 5520\n3349 8071\n",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "Tick a code when it is used:\n4821 0937\n1168 5520",
            Codes(&["48210937", "11685520"]),
        ),
        (
            "Used codes:\n4821 0937\n\nStill valid:\n1168 5520\n3349 8071\n",
            Codes(&["48210937*", "11685520", "33498071"]),
        ),
        (
            "Used codes:\n4821 0937\n\nCodes:\n1168 5520",
            Codes(&["48210937*", "11685520"]),
        ),
        (
            "Used codes:\n4821 0937\n\n1168 5520",
            Codes(&["48210937*", "11685520"]),
        ),
        (
            "Used codes:\n\n4821 0937\n1168 5520",
            Codes(&["48210937*", "11685520*"]),
        ),
        (
            "## Used\n4821 0937\n## Remaining\n1168 5520",
            Codes(&["48210937*", "11685520"]),
        ),
        (
            "**Used codes:**\n4821 0937\nOthers:\n1168 5520",
            Codes(&["48210937*", "11685520"]),
        ),
        (
            "Used (1):\n4821 0937\n\n1168 5520",
            Codes(&["48210937*", "11685520"]),
        ),
        // A mark before the code, in a cell or column of its own.
        (
            "| Used | Code |\n|---|---|\n| ✓ | 4821 0937 |\n|   | 1168 5520 |\n| x | 3349 8071 |",
            Codes(&["48210937*", "11685520", "33498071*"]),
        ),
        (
            "✓\t4821 0937\n\t1168 5520\n",
            Codes(&["48210937*", "11685520"]),
        ),
        (
            "[x]    4821 0937\n[ ]    1168 5520\n",
            Codes(&["48210937*", "11685520"]),
        ),
        // Password managers' exports.
        (
            "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,\
             login_password,login_totp\n,,note,Google backup codes,\"4821 0937\n1168 5520\n\
             3349 8071\n6612 0458\n8837 2290\",,0,,,,\n",
            Codes(&["48210937", "11685520", "33498071", "66120458", "88372290"]),
        ),
        (
            "name,notes\nGoogle,\"4821 0937\n1168 5520\n3349 8071\"\n",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "{\"notes\": \"a1b2c-3d4e5\\nf6a7b-8c9d0\\n9c8b7-6a5f4\"}",
            Codes(&["a1b2c3d4e5", "f6a7b8c9d0", "9c8b76a5f4"]),
        ),
        // Labels, and what is not a code's label.
        (
            "Code #1 - 4821 0937\nCode #2 - 1168 5520\nCode #3 - 3349 8071",
            Codes(&["48210937", "11685520", "33498071"]),
        ),
        (
            "Secret key: JBSWY3DPEHPK3PXP\na1b2c-3d4e5\nf6a7b-8c9d0",
            Codes(&["a1b2c3d4e5", "f6a7b8c9d0"]),
        ),
        (
            "sha256: 9f86d081884c7d659a2feaa0c55ad015\n1234 5678\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        // Numbers in cells of their own keep the platform's numbering.
        (
            "1.\t4821 0937\t4.\t7730 1846\n2.\t1168 5520\t5.\t2294 6617\n3.\t3349 8071\t6.\t9051 3382\n",
            Codes(&[
                "48210937", "11685520", "33498071", "77301846", "22946617", "90513382",
            ]),
        ),
        (
            "| 1 | 4821 0937 | 3 | 7730 1846 |\n| 2 | 1168 5520 | 4 | 2294 6617 |",
            Codes(&["48210937", "11685520", "77301846", "22946617"]),
        ),
        ("1234 5678\r2345 678\r3456 7890\r", Refused(&[2])),
        // Found by a benchmark: a malformed code beside a sentence in
        // another column, and list number 1000.
        ("1234 5678\n9995 8339 1   Call 0800 123 456", Refused(&[2])),
        (
            "999. 1234 5678\n1000. 9995 8339",
            Codes(&["12345678", "99958339"]),
        ),
        // A password among digit codes (a CSV export) is a word.
        (
            "1234 5678\nhunter2\n2345 6789",
            Codes(&["12345678", "23456789"]),
        ),
        ("1234 5678\u{2028}2345 678\u{2028}3456 7890", Refused(&[2])),
        ("4821 0937\n\u{0C}1168 5520\n3349 807\n", Refused(&[3])),
        ("1234 5678\u{85}2345 678", Refused(&[2])),
    ];
    let mut wrong = Vec::new();
    for (text, gives) in cases {
        let got = parse(text, false);
        let ok = match (gives, &got) {
            (Codes(want), Ok(p)) => {
                let got: Vec<String> = p
                    .codes
                    .iter()
                    .zip(&p.used)
                    .map(|(c, u)| format!("{}{}", c.as_str(), if *u { "*" } else { "" }))
                    .collect();
                got == *want
            }
            (Refused(want), Err(ImportError::Malformed(m))) => {
                m.lines.iter().map(|l| l.line).collect::<Vec<_>>() == *want
            }
            _ => false,
        };
        if !ok {
            let got = got.map(|p| {
                let codes: Vec<String> = p.codes.iter().map(|c| c.as_str().to_string()).collect();
                (codes, p.used)
            });
            wrong.push(format!("{text:?}\n    gave {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn numbers_in_sentences_are_said_not_taken() {
    let p = parsed("Account number 98765432\n1234 5678\nAlso save 2345 6789\n3456 7890\n");
    assert_eq!(p.in_prose, [1, 3]);
    assert_eq!(p.codes.len(), 2);
}

#[test]
fn one_long_line_of_groups_is_no_code() {
    // Words that could each be a group of a code, then digits: how long it
    // takes is `cargo bench -- import` (it once took 20 s, quadratic).
    let text = format!("{}1234", "ABCD ".repeat(40_000));
    assert_eq!(parse(&text, false).err(), Some(ImportError::NoCodes));
    assert_eq!(
        parse(&"x".repeat(1 << 20), false).err(),
        Some(ImportError::NoCodes)
    );
}

// ------------------------------------------------------------ used marks

#[test]
fn codes_the_text_marks_used_are_used() {
    let text = "These are your Discord backup codes. Keep them safe!\n\n\
        * 1a2b-3c4d\n\
        * abcd-efgh (used)\n\
        * 9z8y-7x6w\n\
        * k5j4-h3g2 (USED)\n";
    let p = parsed(text);
    let got: Vec<&str> = p.codes.iter().map(Code::as_str).collect();
    assert_eq!(got, ["1a2b3c4d", "abcdefgh", "9z8y7x6w", "k5j4h3g2"]);
    assert_eq!(p.used, [false, true, false, true]);

    for (text, used) in [
        ("✓ 1234 5678\n2345 6789\n", [true, false]),
        ("- [x] 1234 5678\n- [ ] 2345 6789\n", [true, false]),
        ("1234 5678 ✔\n2345 6789\n", [true, false]),
        ("~~1234 5678~~\n2345 6789\n", [true, false]),
        ("1234 5678\n~~2345~~ ~~6789~~\n", [false, true]),
        (
            "1\u{336}2\u{336}3\u{336}4\u{336}5\u{336}6\u{336}7\u{336}8\u{336}\n23456789\n",
            [true, false],
        ),
        ("1. 1234 5678 (used)   2. 2345 6789\n", [true, false]),
    ] {
        assert_eq!(parsed(text).used, used, "{text:?}");
    }
}

#[test]
fn a_sentence_about_use_marks_nothing() {
    let p = parsed("Each code can be used once.\n1234 5678\n2345 6789\n");
    assert_eq!(p.used, [false, false]);
}

#[test]
fn a_code_marked_used_once_of_two_copies_is_used() {
    let p = parsed("12345678 (used)\n1234 5678\n");
    assert_eq!((p.codes.len(), p.duplicates, p.used[0]), (1, 1, true));
}

// ------------------------------------------------------------ layouts

#[test]
fn letter_codes_keep_the_platforms_case_and_grouping() {
    let text = "K7PM-2XQ9-WB4N\nR2D2-C3PO-BB8X\nHJKL-2345-QWER\n";
    assert_eq!(
        shown(text),
        ["K7PM-2XQ9-WB4N", "R2D2-C3PO-BB8X", "HJKL-2345-QWER"]
    );
    assert_eq!(codes(text)[0], "k7pm2xq9wb4n");
    assert_eq!(
        shown("k7pm 2xq9 wbcn\nr2d2 c3po bb8x\n"),
        ["k7pm 2xq9 wbcn", "r2d2 c3po bb8x"]
    );
    // Digits as printed, grouped or not.
    assert_eq!(shown("12345678\n23456789\n"), ["12345678", "23456789"]);
    assert_eq!(shown("123-456\n234-567\n"), ["123-456", "234-567"]);
}

#[test]
fn recovery_keys_of_several_groups_are_one_code() {
    let key = "ABCDE-FGH1J-KLMN0-PQRST-UVWX2";
    for text in [
        key.to_string(),
        format!("Your recovery code is {key}. Keep it safe."),
        key.replace('-', " "),
        "Recovery key: 7G4K-9QWE-RT2Y-UIOP-3ASD-FGHJ-KL5Z".to_string(),
    ] {
        let p = parsed(&text);
        assert_eq!(p.codes.len(), 1, "{text:?}");
        assert!(matches!(p.alphabet, Alphabet::Alnum { len: 25 | 28 }));
        let shown = p.codes[0].shown(p.layout.as_ref());
        assert!(text.contains(&shown), "{text:?} shown as {shown:?}");
    }
}

// ------------------------------------------------------------ property

/// How a list of codes can be written.
#[derive(Clone, Debug)]
enum Style {
    Plain,
    Numbered(&'static str),
    Bulleted(&'static str),
    TwoColumns,
}

/// Words that mark a code used or not.
const MARKS: &[&str] = &[
    "used",
    "consumed",
    "redeemed",
    "spent",
    "x",
    "yes",
    "true",
    "unused",
    "not",
    "unspent",
    "new",
    "fresh",
    "available",
    "no",
    "false",
    "already",
    "o",
];

/// Lines that hold no code and must stay so, whatever codes surround them.
const TRAPS: &[&str] = &[
    "SAVE YOUR BACKUP CODES",
    "Keep these backup codes somewhere safe but accessible.",
    "(alice@example.com)",
    "* These codes were generated on: Nov 22, 2026",
    "Generated 2026-11-22 for +44 20 7946 0958",
    "Call 0800 123 456 or (555) 123-4567 from 10:04 to 18:00.",
    "Updated 22/11/2026 at 10:04",
    "",
    "2026",
    "Page 1 of 1",
    "Each code can be used once.",
    "Call 0800 1234 5678",
    "555-123-4567",
    "(555) 123-4567",
    "800 555 0199",
    "Tel: +852 2345 6789",
    "Account number 98765432",
    "2026 11 22",
    "-- ",
    "Alice",
    "> Sent from my phone",
];

fn layout_strategy() -> impl Strategy<Value = (usize, Vec<usize>, &'static str, bool)> {
    prop_oneof![
        // digits: 8 as 4+4, 8 whole, 10 as 5+5, 6 as 3+3
        Just((8, vec![4, 4], " ", false)),
        Just((8, vec![8], "", false)),
        Just((10, vec![5, 5], " ", false)),
        Just((6, vec![3, 3], "-", false)),
        Just((8, vec![4, 4], "-", false)),
        // letters and digits
        Just((10, vec![5, 5], "-", true)),
        Just((12, vec![4, 4, 4], "-", true)),
        Just((8, vec![4, 4], "-", true)),
        Just((8, vec![4, 4], " ", true)),
        Just((8, vec![8], "", true)),
        Just((25, vec![5, 5, 5, 5, 5], "-", true)),
        Just((12, vec![4, 4, 4], " ", true)),
    ]
}

fn style_strategy() -> impl Strategy<Value = Style> {
    prop_oneof![
        Just(Style::Plain),
        Just(Style::Numbered(".")),
        Just(Style::Numbered(")")),
        Just(Style::Bulleted("*")),
        Just(Style::Bulleted("-")),
        Just(Style::TwoColumns),
    ]
}

proptest! {
    #![proptest_config(crate::proptest_config(300))]

    /// Any list of valid codes in any supported layout, with trap lines
    /// between them, gives exactly those codes in order, shown as printed.
    #[test]
    fn any_list_in_any_layout_gives_exactly_its_codes(
        (len, groups, sep, letters) in layout_strategy(),
        style in style_strategy(),
        upper in any::<bool>(),
        seeds in proptest::collection::vec(any::<u64>(), 1..12),
        traps in proptest::collection::vec((0usize..TRAPS.len(), 0usize..13), 0..6),
    ) {
        let alphabet: &[u8] = if letters { b"abcdefghjkmnpqrstuvwxyz23456789" } else { b"0123456789" };
        let mut want: Vec<String> = Vec::new();
        for (i, seed) in seeds.iter().enumerate() {
            let mut x = *seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut code: String = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    alphabet[(x >> 33) as usize % alphabet.len()] as char
                })
                .collect();
            // Letters alone happen (one 8-letter code in 14): the first
            // code has a digit, so the set's codes are seen to be letters
            // and digits.
            if letters && i == 0 && !code.bytes().any(|b| b.is_ascii_digit()) {
                code.replace_range(0..1, "7");
            }
            // A group that spells a mark (`true xf3m 3j44`) reads as the
            // mark: a known limit, about one code in a million.
            let mut at = 0;
            let marks = groups.iter().any(|&g| {
                let group = &code[at..at + g];
                at += g;
                MARKS.contains(&group)
            });
            if !want.contains(&code) && !marks {
                want.push(code);
            }
        }
        prop_assume!(!want.is_empty());
        let print = |code: &str| {
            let mut out = String::new();
            let mut at = 0;
            for (i, g) in groups.iter().enumerate() {
                if i > 0 { out.push_str(sep); }
                out.push_str(&code[at..at + g]);
                at += g;
            }
            if upper { out.to_ascii_uppercase() } else { out }
        };
        let mut lines: Vec<String> = match style {
            Style::Plain => want.iter().map(|c| print(c)).collect(),
            Style::Numbered(mark) => want
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}{mark} {}", i + 1, print(c)))
                .collect(),
            Style::Bulleted(b) => want.iter().map(|c| format!("{b} {}", print(c))).collect(),
            Style::TwoColumns => want
                .chunks(2)
                .map(|pair| pair.iter().map(|c| print(c)).collect::<Vec<_>>().join("      "))
                .collect(),
        };
        // Traps go between code lines, never inside one.
        for (trap, at) in traps {
            let at = at.min(lines.len());
            lines.insert(at, TRAPS[trap].to_string());
        }
        let text = lines.join("\n");
        let p = parse(&text, false).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let got: Vec<&str> = p.codes.iter().map(Code::as_str).collect();
        prop_assert_eq!(&got, &want, "{}", text);
        prop_assert!(p.used.iter().all(|u| !u), "{}", text);
        let shown: Vec<String> = p.codes.iter().map(|c| c.shown(p.layout.as_ref())).collect();
        let printed: Vec<String> = want.iter().map(|c| print(c)).collect();
        // A layout of one group and no letters shows digits as printed too.
        prop_assert_eq!(shown, printed, "{}", text);
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s, false);
        let _ = parse(&s, true);
    }
}
