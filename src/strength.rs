//! How hard a new passphrase is to guess: scored by zxcvbn (dictionaries,
//! keyboard patterns, dates, repeats), and said as the time an attacker
//! with the vault file would need at the vault's own cost, where every
//! guess is one full key derivation.
//!
//! The passphrase is scored and never shown: the warning names only the
//! time and zxcvbn's general advice.

use std::time::Duration;

use crate::secret::Passphrase;

/// Below this zxcvbn score (0 to 4) a passphrase is weak.
const STRONG_ENOUGH: u8 = 3;

/// The warning for a weak passphrase, or `None` for one strong enough.
/// `per_guess` is the time of one key derivation at the vault's cost.
pub fn weakness(passphrase: &Passphrase, per_guess: Duration) -> Option<String> {
    // A new passphrase is UTF-8 (see `prompt::new_passphrase`); anything
    // else is not for this check to judge.
    let text = std::str::from_utf8(passphrase.expose()).ok()?;
    let entropy = zxcvbn::zxcvbn(text, &[]);
    if u8::from(entropy.score()) >= STRONG_ENOUGH {
        return None;
    }
    let seconds = entropy.guesses() as f64 * per_guess.as_secs_f64();
    let advice = entropy
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" {w}"))
        .unwrap_or_default();
    Some(format!(
        "warning: this passphrase is weak: at this vault's cost it could be guessed in about {}.{advice}",
        span(seconds)
    ))
}

/// A length of time in the largest unit that fits, rounded down.
fn span(seconds: f64) -> String {
    const UNITS: [(&str, f64); 6] = [
        ("century", 100.0 * 365.25 * 86_400.0),
        ("year", 365.25 * 86_400.0),
        ("day", 86_400.0),
        ("hour", 3_600.0),
        ("minute", 60.0),
        ("second", 1.0),
    ];
    for (unit, size) in UNITS {
        let n = (seconds / size).floor();
        if n >= 1.0 {
            let plural = match (n == 1.0, unit) {
                (true, _) => unit.to_string(),
                (false, "century") => "centuries".to_string(),
                (false, _) => format!("{unit}s"),
            };
            return if n >= 1000.0 && unit == "century" {
                "more than a thousand centuries".into()
            } else {
                format!("{n} {plural}")
            };
        }
    }
    "less than a second".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_weak_passphrase_is_warned_about_with_its_guessing_time() {
        // zxcvbn: a common word and a digit, a few thousand guesses.
        let warning = weakness(&Passphrase::new("tulip7"), SECOND).expect("weak");
        assert!(
            warning.starts_with("warning: this passphrase is weak"),
            "{warning}"
        );
        assert!(warning.contains("guessed in about"), "{warning}");
        assert!(
            !warning.contains("tulip"),
            "the passphrase is never shown: {warning}"
        );
    }

    #[test]
    fn a_strong_passphrase_passes() {
        let strong = Passphrase::new("mulberry quietly invoices seventeen kayaks");
        assert_eq!(weakness(&strong, SECOND), None);
    }

    #[test]
    fn the_time_scales_with_the_cost_of_a_guess() {
        let p = Passphrase::new("password1");
        let cheap = weakness(&p, Duration::from_micros(1)).unwrap();
        let dear = weakness(&p, Duration::from_secs(365 * 86_400)).unwrap();
        assert!(cheap.contains("less than a second"), "{cheap}");
        assert!(dear.contains("year") || dear.contains("centur"), "{dear}");
    }

    #[test]
    fn spans_read_in_the_largest_unit() {
        assert_eq!(span(0.5), "less than a second");
        assert_eq!(span(1.0), "1 second");
        assert_eq!(span(150.0), "2 minutes");
        assert_eq!(span(2.0 * 86_400.0), "2 days");
        assert_eq!(span(366.0 * 86_400.0), "1 year");
        assert_eq!(span(250.0 * 365.25 * 86_400.0), "2 centuries");
        assert_eq!(span(1e20), "more than a thousand centuries");
    }
}
