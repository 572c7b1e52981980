//! Arbitrary text as a platform's code file, and as a typed code.
#![no_main]

use codevault::code::{Alphabet, Code, Layout};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for skip_malformed in [false, true] {
        if let Ok(parsed) = codevault::import::parse(text, skip_malformed) {
            for code in &parsed.codes {
                let _ = code.shown(parsed.layout.as_ref());
            }
        }
    }
    let _ = Layout::of(text);
    let _ = Code::parse(text, Alphabet::GENERATED);
    let _ = Code::parse(text, Alphabet::Alnum { len: 10 });
});
