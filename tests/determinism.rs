//! Output is byte-identical across runs, thread counts, working
//! directories and copies of the tree at another path: everything is sorted
//! before it is written, and nothing absolute or time-dependent gets in.

use std::path::Path;

use crate::support::corpus::generate_tree;
use crate::support::run::{Run, repoflame};
use crate::support::tree::{TestDir, copy_tree};

/// The three formats, as arguments.
const FORMATS: [(&str, &[&str]); 3] = [
    ("svg", &["--format", "svg"]),
    ("folded", &["--format", "folded"]),
    ("json", &["--format", "json"]),
];

/// A generated tree of a few thousand files, rooted at a directory named
/// `generated`.
fn generated(seed: u64) -> TestDir {
    let dir = TestDir::new("generated");
    generate_tree(dir.path(), seed, 3_000);
    dir
}

/// stdout of `repoflame SOURCE ARGS` run in `cwd`, which must exit 0.
fn output(cwd: &Path, source: &str, args: &[&str]) -> Vec<u8> {
    let out = repoflame().current_dir(cwd).arg(source).args(args).ok();
    assert!(
        !out.stdout.is_empty(),
        "repoflame {source} {args:?} wrote nothing"
    );
    out.stdout
}

/// Fails with the first differing line when `a` and `b` differ.
fn assert_same(a: &[u8], b: &[u8], what: &str) {
    if a == b {
        return;
    }
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (n, (x, y)) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(n, (x, y))| (n + 1, (x.to_string(), y.to_string())))
        .unwrap_or((0, ("(length differs)".into(), String::new())));
    let cut = |s: &str| s.chars().take(300).collect::<String>();
    panic!(
        "{what}: outputs differ ({} and {} bytes); first difference at line {n}:\n  {}\n  {}",
        a.len(),
        b.len(),
        cut(&x),
        cut(&y)
    );
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let dir = generated(0xD37E_0001);
    let root = dir.path();
    for (format, args) in FORMATS {
        let first = output(root, ".", args);
        let again = output(root, ".", args);
        assert_same(&first, &again, &format!("{format}: two runs"));
        for threads in ["1", "3"] {
            let other = output(root, ".", &[args, &["--threads", threads]].concat());
            assert_same(
                &first,
                &other,
                &format!("{format}: default threads against --threads {threads}"),
            );
        }
    }
}

#[test]
fn output_is_identical_for_a_copy_at_another_path() {
    let original = generated(0xD37E_0002);
    let copy = TestDir::new("generated");
    std::fs::remove_dir(copy.path()).expect("remove empty root");
    copy_tree(original.path(), copy.path());
    assert_ne!(original.parent(), copy.parent());

    for (format, args) in FORMATS {
        let here = output(original.path(), ".", args);
        // The copy by absolute path from elsewhere, and by a relative path
        // from its parent: the same bytes.
        let there = output(Path::new("/"), copy.path().to_str().unwrap(), args);
        assert_same(&here, &there, &format!("{format}: a copy at another path"));
        let relative = output(copy.parent(), "generated", &[args, &["-j", "2"]].concat());
        assert_same(
            &here,
            &relative,
            &format!("{format}: the copy by a relative path"),
        );
        let text = String::from_utf8_lossy(&here);
        for absolute in [original.parent(), copy.parent()] {
            assert!(
                !text.contains(absolute.to_str().unwrap()),
                "{format}: the output names the absolute path {absolute:?}"
            );
        }
    }
}
