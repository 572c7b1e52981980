//! Arbitrary text as a platform's code file, and as a typed code.
#![no_main]

use codevault::code::{Alphabet, Code};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = codevault::import::parse(text);
    let _ = Code::parse(text, Alphabet::GENERATED);
    let _ = Code::parse(text, Alphabet::Alnum { len: 10 });
});
