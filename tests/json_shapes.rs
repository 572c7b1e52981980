//! The JSON of every command, pinned by shape: each document's key paths
//! and value types, from one fixed scenario, against the committed
//! `tests/fixtures/json-shapes.txt`. Values vary run to run (codes,
//! times); names and types are the contract, and a change to either,
//! renamed field or stored variant alike, fails here first.
//!
//! After a deliberate change to the contract, write the file again with
//! `cargo test --test main -- --ignored --exact json_shapes::write_json_shapes`
//! and review its diff.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Env, PASS};

const SHAPES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/json-shapes.txt"
);

/// Every key path of a document with the type found there: `a.b[].c: string`.
fn shape(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.insert(format!("{at}: {kind}"));
    match v {
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{at}[]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                shape(item, &format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// The scenario: one vault through every command that answers in JSON,
/// each kind of answer once.
fn documents() -> Vec<(&'static str, Value)> {
    let env = Env::new();
    let mut docs: Vec<(&'static str, Value)> = Vec::new();
    let mut json = |name: &'static str, run: &common::Run| {
        docs.push((name, run.json::<Value>()));
    };
    json(
        "init",
        env.cmd(["init", "--json"])
            .args(common::CHEAP_KDF)
            .new_passphrase(PASS)
            .run()
            .ok(),
    );
    let github = env.run(["generate", "github", "--count", "5", "--json"]);
    json("generate", github.ok());
    let issued: common::Issued = github.json();
    json(
        "import",
        env.cmd(["import", "google", "--json", "--file"])
            .arg(common::import_fixture("Backup-codes-alice.txt"))
            .passphrase(PASS)
            .run()
            .ok(),
    );
    json("next", env.run(["next", "github", "--json"]).ok());
    // What the imported text said beside its codes.
    json(
        "import (what the text said)",
        env.cmd(["import", "bank", "--json", "--skip-malformed"])
            .passphrase(PASS)
            .stdin("Account 98765432\n6843 2019 (used)\n5517293\n7720 4186\n7720 4186\n")
            .run()
            .ok(),
    );
    // A set that keeps the platform's layout adds `printed` to its codes.
    env.cmd(["import", "acme", "--file"])
        .arg(common::import_fixture("letters-upper.txt"))
        .passphrase(PASS)
        .run()
        .ok();
    json("next (printed)", env.run(["next", "acme", "--json"]).ok());
    json(
        "show (printed)",
        env.run(["show", "acme", "--all", "--json"]).ok(),
    );
    json(
        "use",
        env.run(["use", "github", &issued.codes[1], "--json"]).ok(),
    );
    json(
        "use refused (used)",
        env.run(["use", "github", &issued.codes[1], "--json"])
            .code(common::exit::REFUSED),
    );
    json(
        "check (unused)",
        env.run(["check", &issued.codes[2], "--json"]).ok(),
    );
    json(
        "check (used)",
        env.run(["check", &issued.codes[0], "github", "--json"])
            .code(common::exit::REFUSED),
    );
    let google_codes = env.show_all("google");
    json(
        "check (other account)",
        env.run(["check", &google_codes.codes[0].code, "github", "--json"])
            .code(common::exit::REFUSED),
    );
    json(
        "check (unknown)",
        env.run(["check", "00000000", "github", "--json"])
            .code(common::exit::REFUSED),
    );
    json(
        "regenerate",
        env.run(["regenerate", "github", "--count", "3", "--json"])
            .ok(),
    );
    json(
        "check (revoked)",
        env.run(["check", &issued.codes[3], "github", "--json"])
            .code(common::exit::REFUSED),
    );
    json("list", env.run(["list", "--json"]).ok());
    json("show", env.run(["show", "github", "--all", "--json"]).ok());
    json("show --sheet", env.run(["show", "--sheet", "--json"]).ok());
    json("revoke", env.run(["revoke", "google", "--json"]).ok());
    // Another machine's copy, changed, then merged back.
    let other = env.copy_to_another_machine();
    other.next("github");
    other.run(["remove", "google", "--yes"]).ok();
    env.next("github");
    json(
        "merge",
        env.cmd(["merge", "--json"])
            .arg(other.vault())
            .passphrase(PASS)
            .run()
            .ok(),
    );
    json("summary", env.run(["summary", "--json"]).ok());
    json("log", env.run(["log", "--json"]).ok());
    json(
        "passwd",
        env.cmd(["passwd", "--json", "--kdf-memory", "9"])
            .passphrase(PASS)
            .run()
            .ok(),
    );
    let out = env.path("export.json");
    env.cmd(["export", "--output"])
        .arg(&out)
        .passphrase(PASS)
        .run()
        .ok();
    docs.push((
        "export (file)",
        serde_json::from_slice(&fs::read(&out).unwrap()).unwrap(),
    ));
    docs
}

fn shapes_text() -> String {
    let mut text = String::new();
    for (name, doc) in documents() {
        let mut paths = BTreeSet::new();
        shape(&doc, "", &mut paths);
        text.push_str(&format!("## {name}\n"));
        for p in paths {
            text.push_str(&p);
            text.push('\n');
        }
        text.push('\n');
    }
    text
}

#[test]
fn every_json_document_keeps_its_shape() {
    let committed = fs::read_to_string(SHAPES).expect("tests/fixtures/json-shapes.txt");
    let now = shapes_text();
    if now != committed {
        let old: BTreeSet<&str> = committed.lines().collect();
        let new: BTreeSet<&str> = now.lines().collect();
        let gone: Vec<&&str> = old.difference(&new).collect();
        let added: Vec<&&str> = new.difference(&old).collect();
        panic!(
            "the JSON contract changed\nno longer there: {gone:#?}\nnew: {added:#?}\n\
             if deliberate, write tests/fixtures/json-shapes.txt again (see this module)"
        );
    }
}

#[test]
#[ignore = "writes tests/fixtures/json-shapes.txt; run by hand after a deliberate change"]
fn write_json_shapes() {
    fs::write(Path::new(SHAPES), shapes_text()).unwrap();
}
