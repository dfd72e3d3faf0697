//! The summary on stderr, as a person at a terminal sees it: the largest
//! languages and a line for the rest (all with `--verbose`), a diff's
//! languages before, after and changed, and what was written where.

use std::process::Command;

use crate::support::processes::HANG;
use crate::support::repo::TestRepo;
use crate::support::run::{Run, describe};
use crate::support::terminal;
use crate::support::tree::TestDir;

/// What `cmd` shows on a terminal (its stderr, with stdout piped), line by
/// line as the terminal displays them: each line's text after its last
/// carriage return (a progress bar's redraws), escape sequences removed.
fn on_terminal(cmd: Command) -> (Vec<String>, Vec<u8>) {
    let run = terminal::run_on_pty(cmd, false, true, HANG);
    let shown = String::from_utf8_lossy(&run.terminal).into_owned();
    assert_eq!(run.status.code(), Some(0), "{shown}");
    let lines = shown
        .split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = line.rsplit('\r').next().unwrap_or(line);
            strip_escapes(line)
        })
        .filter(|line| !line.is_empty())
        .collect();
    (lines, run.stdout)
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The cells of the table's row that starts with `name`.
fn row<'l>(lines: &'l [String], name: &str) -> Vec<&'l str> {
    lines
        .iter()
        .find(|l| l.starts_with(&format!(" {name} ")))
        .unwrap_or_else(|| panic!("no row {name:?} in {lines:#?}"))
        .split_whitespace()
        .collect()
}

/// Fourteen languages, each file `n` code lines, the largest first:
/// Rust 140, Python 130, …, Lua 20, Haskell 10.
fn fourteen_languages() -> TestDir {
    let dir = TestDir::new("langs");
    let names = [
        "a.rs", "b.py", "c.go", "d.js", "e.ts", "f.c", "g.cpp", "h.java", "i.rb", "j.php",
        "k.scala", "l.kt", "m.lua", "n.hs",
    ];
    for (i, name) in names.iter().enumerate() {
        let n = 140 - 10 * i;
        let text: String = (0..n).map(|j| format!("x{j}\n")).collect();
        dir.file(name, text);
    }
    dir
}

#[test]
fn summary_shows_the_largest_languages_and_sums_the_rest() {
    let dir = fourteen_languages();
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let (lines, _) = on_terminal(cmd);
    // The header stays in view: the table is short.
    let header = lines
        .iter()
        .position(|l| l.starts_with(" Language "))
        .unwrap_or_else(|| panic!("no header: {lines:#?}"));
    let names: Vec<&str> = lines[header + 2..header + 12]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Rust",
            "Python",
            "Go",
            "JavaScript",
            "TypeScript",
            "C",
            "C++",
            "Java",
            "Ruby",
            "PHP"
        ]
    );
    // Scala 40, Kotlin 30, Lua 20, Haskell 10: 4 files, 100 code lines.
    assert_eq!(
        row(&lines, "4 more"),
        ["4", "more", "(--verbose)", "4", "100", "0", "0"]
    );
    assert_eq!(row(&lines, "Total"), ["Total", "14", "1,050", "0", "0"]);
    assert!(
        !lines.iter().any(|l| l.starts_with(" Scala ")),
        "{lines:#?}"
    );

    // --verbose lists them all.
    let mut cmd = dir.cmd();
    cmd.args(["--folded", "--verbose"]);
    let (lines, _) = on_terminal(cmd);
    assert_eq!(row(&lines, "Haskell"), ["Haskell", "1", "10", "0", "0"]);
    assert_eq!(row(&lines, "Scala"), ["Scala", "1", "40", "0", "0"]);
    assert!(!lines.iter().any(|l| l.contains("more")), "{lines:#?}");

    // … and prints the summary where stderr is not a terminal too.
    let out = dir.cmd().args(["--folded", "-v"]).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(" Haskell "), "{}", describe(&out));
    // Not both --verbose and --quiet.
    let out = dir.cmd().args(["--folded", "-v", "-q"]).complete();
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
}

#[test]
fn summary_says_what_was_written_where() {
    let dir = TestDir::new("m");
    dir.file("a.rs", "// one\nfn a() {}\n\nfn b() { let x = 1; }\n");
    dir.file("lib/b.py", "# two\n\n# three\nx = 1\n\n");

    // A file: its name, size and frames (m, a.rs, lib, b.py).
    let svg = dir.parent().join("out.svg");
    let mut cmd = dir.cmd();
    cmd.args(["-o", svg.to_str().unwrap()]);
    let (lines, _) = on_terminal(cmd);
    let last = lines.last().unwrap();
    let size = last
        .strip_prefix(&format!("wrote {}: ", svg.display()))
        .and_then(|rest| rest.strip_suffix(", 4 frames"))
        .unwrap_or_else(|| panic!("last line {last:?}"));
    assert_size(size, std::fs::metadata(&svg).unwrap().len());

    // Stdout: what was written, and how much.
    let mut cmd = dir.cmd();
    cmd.arg("--folded");
    let (lines, stdout) = on_terminal(cmd);
    assert_eq!(String::from_utf8_lossy(&stdout), "m;a.rs 2\nm;lib;b.py 1\n");
    assert_eq!(
        lines.last().unwrap(),
        "wrote folded stacks to stdout: 22 B, 2 stacks"
    );
    let mut cmd = dir.cmd();
    cmd.args(["--format", "json"]);
    let (lines, stdout) = on_terminal(cmd);
    let last = lines.last().unwrap();
    let size = last
        .strip_prefix("wrote a JSON report to stdout: ")
        .and_then(|rest| rest.strip_suffix(", 2 files"))
        .unwrap_or_else(|| panic!("last line {last:?}"));
    assert_size(size, stdout.len() as u64);
}

/// Asserts that `shown` ("1.1 KiB", "22 B") is `bytes`, to its last digit.
fn assert_size(shown: &str, bytes: u64) {
    let (number, unit) = shown.split_once(' ').expect("a number and a unit");
    let number: f64 = number.parse().unwrap_or_else(|_| panic!("{shown:?}"));
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        _ => panic!("unit of {shown:?}"),
    };
    let value = bytes as f64 / scale;
    assert!(
        (number - value).abs() <= 0.05,
        "{shown} for {bytes} bytes ({value:.3} {unit})"
    );
}

#[test]
fn diff_summary_shows_each_language_before_after_and_the_change() {
    let repo = TestRepo::new("d");
    let code = |n: usize| -> String { (0..n).map(|i| format!("x{i}\n")).collect() };
    repo.file("a.rs", code(10))
        .file("b.py", code(20))
        .file("c.go", code(5))
        .commit("one");
    repo.tag("v1");
    repo.file("a.rs", code(15))
        .remove("b.py")
        .file("d.js", code(8))
        .commit("two");
    repo.tag("v2");
    let mut cmd = repo.cmd();
    cmd.args(["--diff", "v1..v2", "--folded"]);
    let (lines, _) = on_terminal(cmd);
    let header = lines
        .iter()
        .position(|l| l.starts_with(" Language "))
        .unwrap_or_else(|| panic!("no header: {lines:#?}"));
    assert_eq!(lines[header - 2], " Code lines: v1 → v2", "{lines:#?}");
    assert_eq!(
        row(&lines, "Language"),
        ["Language", "Before", "After", "Change", "%"]
    );
    // Largest first by the larger side: Python was 20 and is gone.
    let order: Vec<&str> = lines[header + 2..header + 6]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(order, ["Python", "Rust", "JavaScript", "Go"]);
    assert_eq!(row(&lines, "Python"), ["Python", "20", "0", "−20", "−100%"]);
    assert_eq!(row(&lines, "Rust"), ["Rust", "10", "15", "+5", "+50.0%"]);
    assert_eq!(
        row(&lines, "JavaScript"),
        ["JavaScript", "0", "8", "+8", "new"]
    );
    assert_eq!(row(&lines, "Go"), ["Go", "5", "5", "±0", "±0%"]);
    assert_eq!(row(&lines, "Total"), ["Total", "35", "28", "−7", "−20.0%"]);
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("wrote folded stacks to stdout: "),
        "{lines:#?}"
    );
}

#[test]
fn diff_summary_says_at_which_revision_code_is_vendored_or_left_out() {
    let repo = TestRepo::new("d");
    let code = |n: usize| -> String { (0..n).map(|i| format!("x{i}\n")).collect() };
    repo.file("main.go", code(100)).commit("one");
    repo.tag("v1");
    repo.file("main.go", code(120))
        .file("vendor/lib/x.go", code(300))
        .commit("two");
    repo.tag("v2");
    let mut cmd = repo.cmd();
    cmd.args(["--diff", "v1..v2", "--folded"]);
    let (lines, _) = on_terminal(cmd);
    assert_eq!(
        row(&lines, "  of which vendored"),
        ["of", "which", "vendored", "0", "300", "+300", "new"]
    );
    assert!(
        lines.contains(
            &" 71% of the code lines at v2 are vendored: --own shows your code alone".to_string()
        ),
        "{lines:#?}"
    );

    let mut cmd = repo.cmd();
    cmd.args(["--diff", "v1..v2", "--folded", "--own"]);
    let (lines, _) = on_terminal(cmd);
    assert_eq!(
        row(&lines, "Total"),
        ["Total", "100", "120", "+20", "+20.0%"]
    );
    assert!(
        lines.contains(&" 300 vendored code lines left out at v2".to_string()),
        "{lines:#?}"
    );
}
