//! Golden files: the exact bytes of the SVG, folded and JSON output for a
//! small tree. Regenerate with `REPOFLAME_BLESS=1 cargo test golden`, and
//! look at the difference (and the SVG in a browser) before committing.

use std::path::PathBuf;

use crate::support::output::assert_xml;
use crate::support::run::{self, describe};
use crate::support::tree::TestDir;

/// A small tree with several languages, nesting, an embedded language and
/// a name that needs escaping.
fn tree() -> TestDir {
    let dir = TestDir::new("golden");
    dir.file(
        "src/main.rs",
        "//! The binary.\n\nfn main() {\n    // Say hello.\n    println!(\"hello\");\n}\n",
    )
    .file(
        "src/lib/mod.rs",
        "/* A block\n   comment */\npub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
    )
    .file(
        "scripts/deploy",
        "#!/usr/bin/env python3\n# Build it.\nimport sys\n\nprint(sys.argv)\n",
    )
    .file(
        "docs/guide.md",
        "# Guide\n\nSome prose.\n\n```rust\nfn example() {}\n```\n",
    )
    .file("web/a;b.js", "// odd name\nconst a = 1;\nconst b = 2;\n")
    .file("Makefile", "all:\n\tcargo build\n");
    dir
}

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn check(name: &str, args: &[&str]) {
    let dir = tree();
    let output = dir.run(args);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let path = golden(name);
    if run::env_flag("REPOFLAME_BLESS") {
        // Blessing checks nothing: say so where a person sees it (.ci/run
        // never blesses).
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &output.stdout).unwrap();
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "BLESSED {}: written, not checked (look at it before committing)",
            path.display()
        );
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with REPOFLAME_BLESS=1", path.display()));
    if output.stdout != expected {
        let actual = path.with_extension("actual");
        std::fs::write(&actual, &output.stdout).unwrap();
        panic!(
            "{name} differs from the golden file; the output is in {} \
             (bless with REPOFLAME_BLESS=1 after checking it)",
            actual.display()
        );
    }
}

#[test]
fn golden_folded() {
    check("tree.folded", &["--folded"]);
}

#[test]
fn golden_json() {
    check("tree.json", &["--format", "json"]);
}

#[test]
fn golden_svg() {
    check("tree.svg", &[]);
    assert_xml(&std::fs::read(golden("tree.svg")).unwrap());
}

#[test]
fn golden_svg_inverted_bytes() {
    check(
        "tree-bytes-inverted.svg",
        &["--metric", "bytes", "--inverted", "--width", "900"],
    );
}
