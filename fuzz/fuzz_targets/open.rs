//! Arbitrary bytes as a vault file: the envelope check must never panic,
//! and neither may decoding a plaintext (reachable only with the key, but
//! a bug in the writer must not become a crash in the reader).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = codevault::session::check(Path::new("fuzz.cvlt"), data);
    let _ = postcard::take_from_bytes::<codevault::vault::Vault>(data);
});
