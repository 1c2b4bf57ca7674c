//! The layering rule of ARCHITECTURE.md, checked: each module imports only from its own layer or
//! below (bottom, with the wire shapes of `protocol` → domain → ops → front ends), and the front
//! ends never import each other, so features land on clean layers.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

const BOTTOM: &[&str] = &[
    "git",
    "config",
    "error",
    "failpoint",
    "atomic",
    "protocol",
    "web",
    "printable",
];
const FRONT_ENDS: &[&str] = &["cli", "lsp", "mcp"];

/// The layer of a top-level module: 0 bottom, 1 domain, 2 ops, 3 front ends.
fn layer(module: &str) -> u8 {
    match module {
        m if BOTTOM.contains(&m) => 0,
        "ops" => 2,
        m if FRONT_ENDS.contains(&m) || m == "main" => 3,
        _ => 1,
    }
}

/// The top-level module a source file belongs to (`ops/start.rs` → `ops`, `guard.rs` → `guard`).
fn module_of(relative: &str) -> String {
    let first = relative.split('/').next().unwrap_or(relative);
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::NAME` a line of code names.
fn imports(code: &str) -> Vec<String> {
    code.match_indices("crate::")
        .map(|(at, _)| {
            code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn offenders() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut out = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let module = module_of(&relative);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for imported in imports(code) {
                let upward = layer(&imported) > layer(&module);
                let sideways = imported != module
                    && FRONT_ENDS.contains(&imported.as_str())
                    && FRONT_ENDS.contains(&module.as_str());
                if upward || sideways {
                    out.push(format!("{relative}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    out
}

#[test]
fn every_module_imports_only_its_own_layer_or_below() {
    let offenders = offenders();
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_layer_check_sees_an_upward_import() {
    assert_eq!(
        imports("use crate::ops::start; crate::lsp::x"),
        ["ops", "lsp"]
    );
    assert!(layer("ops") > layer("overlap"));
    assert!(layer("protocol") < layer("lane"));
    assert!(layer("cli") > layer("ops"));
    assert_eq!(module_of("ops/start.rs"), "ops");
    assert_eq!(module_of("guard.rs"), "guard");
}
