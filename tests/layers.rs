//! The shape of the crate, checked from its source: no module imports one
//! that imports it back, and the domain and the file format import
//! nothing of the application (its error, its views, its files). A `use`
//! that breaks either fails here, naming the path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The domain and the file format: they answer with their own errors.
const DOMAIN: [&str; 5] = ["vault", "code", "import", "crypto", "envelope"];
/// What they must never reach for.
const ABOVE: [&str; 9] = [
    "app", "cli", "error", "output", "prompt", "session", "store", "seen", "agent",
];

/// Each top-level module's source, its tests and comments left out.
fn sources() -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let top = rel.split(['/', '.']).next().unwrap().to_string();
            if top == "lib" || top == "main" || rel.ends_with("tests.rs") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap();
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            out.entry(top).or_default().push_str(&code);
        }
    }
    out
}

fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    sources()
        .into_iter()
        .map(|(m, code)| {
            let deps = code
                .match_indices("crate::")
                .map(|(i, _)| {
                    code[i + 7..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .filter(|d| !d.is_empty() && *d != m)
                .collect();
            (m, deps)
        })
        .collect()
}

#[test]
fn the_domain_imports_nothing_of_the_application() {
    let deps = dependencies();
    for m in DOMAIN {
        let uses = deps.get(m).unwrap_or_else(|| panic!("no module {m}"));
        let wrong: Vec<&String> = uses
            .iter()
            .filter(|d| ABOVE.contains(&d.as_str()))
            .collect();
        assert!(wrong.is_empty(), "{m} imports {wrong:?}");
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let deps = dependencies();
    fn reach(from: &str, deps: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>) {
        for d in deps.get(from).into_iter().flatten() {
            if let Some(at) = path.iter().position(|p| p == d) {
                panic!("an import circle: {} -> {d}", path[at..].join(" -> "));
            }
            path.push(d.clone());
            reach(d, deps, path);
            path.pop();
        }
    }
    for m in deps.keys() {
        reach(m, &deps, &mut vec![m.clone()]);
    }
    assert!(deps.len() > 15, "the modules were not found: {deps:?}");
}
