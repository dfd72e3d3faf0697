//! The suite's own checks and helpers, checked: a check that cannot fail
//! proves nothing (issue 8 found an XML check that passed empty input,
//! plain text and a truncated `<svg><g>`), and a helper that does not do
//! what the tests rely on makes them pass or fail for the wrong reason.
//! The git helpers have modules of their own: [`history`] (the sample
//! history against git) and [`servers`] (one smoke test per server).

mod history;
mod servers;

use std::panic::catch_unwind;

use crate::support::oracles;
use crate::support::output;
use crate::support::run::{self, Run};
use crate::support::special;
use crate::support::terminal;
use crate::support::tree::TestDir;

/// Whether `check` rejects (panics). The panic hook is left alone: it is
/// the whole process's, and a test that swapped it would silence the
/// failures of the tests running beside it (libtest keeps the messages of
/// a passing test off the terminal anyway).
fn rejects(check: impl Fn() + std::panic::UnwindSafe) -> bool {
    catch_unwind(check).is_err()
}

#[test]
fn the_xml_check_rejects_a_truncated_svg() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n").file("src/b.py", "b = 1\n");
    let svg = dir.cmd().quiet_ok().into_bytes();
    output::assert_xml(&svg);
    for bad in [
        &b""[..],
        b"plain text",
        b"<svg><g>",
        b"<svg></svg><svg></svg>",
        &svg[..svg.len() / 2],
        &svg[..svg.len() - 7],
    ] {
        assert!(
            rejects(|| output::assert_xml(bad)),
            "accepted as XML: {:?}",
            String::from_utf8_lossy(&bad[..bad.len().min(80)])
        );
    }
}

#[test]
fn runs_inherit_nothing_from_the_test_process() {
    // What a program started the way the binary is started sees.
    let mut env = std::process::Command::new("env");
    let seen = run::hermetic(&mut env).stdout_ok();
    let keys: Vec<&str> = seen.lines().filter_map(|l| l.split('=').next()).collect();
    let allowed = [
        "PATH",
        "HOME",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_GLOBAL",
        "LC_ALL",
        "REPOFLAME_CACHE_DIR",
    ];
    for key in &keys {
        assert!(allowed.contains(key), "{key} reaches the binary:\n{seen}");
    }
    // cargo gives the test process variables of its own: none get through.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    assert!(!keys.contains(&"CARGO_MANIFEST_DIR"));
    // The home is the tests' own, and empty: no configuration in it.
    let home = seen
        .lines()
        .find_map(|l| l.strip_prefix("HOME="))
        .expect("HOME");
    assert!(home.starts_with(env!("CARGO_TARGET_TMPDIR")), "{home}");
    assert_eq!(
        std::fs::read_dir(home).unwrap().count(),
        0,
        "{home} is not empty"
    );
}

#[test]
fn the_tokei_oracle_is_the_version_that_is_vendored() {
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/tokei/Cargo.toml"),
    )
    .unwrap();
    assert!(
        manifest.contains(&format!("\nversion = \"{}\"\n", oracles::TOKEI_VERSION)),
        "vendor/tokei is not tokei {}",
        oracles::TOKEI_VERSION
    );
}

#[test]
fn a_pseudo_terminal_is_not_inherited_by_the_children_of_other_tests() {
    // Tests run on threads of one process: a child spawned by another test
    // while a terminal is open must not get a copy of it, or reading the
    // terminal would not end when the child under test exits.
    let (_master, _slave) = terminal::open_pty();
    let mut other = std::process::Command::new("cat");
    let mut other = run::hermetic(&mut other)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn cat");
    // cat waits on its stdin until it is closed: its descriptors can be
    // read meanwhile.
    let inherited: Vec<String> = std::fs::read_dir(format!("/proc/{}/fd", other.id()))
        .expect("the child's descriptors")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| target == "/dev/ptmx" || target.starts_with("/dev/pts/"))
        .collect();
    drop(other.stdin.take());
    other.wait().expect("cat");
    assert_eq!(inherited, Vec::<String>::new(), "terminals inherited");
}

#[test]
fn the_walk_tripwire_trips_when_a_run_walks_and_only_then() {
    // Every "fails before the walk" assertion is `!tripwire.tripped()`:
    // worthless if a walk could pass the tripwire without tripping it.
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n");
    let tripwire = special::WalkTripwire::set(dir.path());
    assert_eq!(dir.cmd().arg("--folded").stdout_ok(), "t;a.rs 1\n");
    assert!(tripwire.tripped(), "a run walked the tree without tripping");

    std::fs::remove_file(dir.join(".ignore")).unwrap();
    let untouched = special::WalkTripwire::set(dir.path());
    assert!(!untouched.tripped(), "tripped with no run at all");
}
