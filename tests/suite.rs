//! The suite's own checks, checked: a check that cannot fail proves
//! nothing (issue 8 found an XML check that passed empty input, plain text
//! and a truncated `<svg><g>`).

use std::panic::catch_unwind;

use crate::util::{self, Run, TestDir};

fn rejects(check: impl Fn() + std::panic::UnwindSafe) -> bool {
    // The checks panic; keep their messages off the terminal.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let rejected = catch_unwind(check).is_err();
    std::panic::set_hook(hook);
    rejected
}

#[test]
fn the_xml_check_rejects_a_truncated_svg() {
    let dir = TestDir::new("t");
    dir.file("a.rs", "fn a() {}\n").file("src/b.py", "b = 1\n");
    let svg = dir.cmd().quiet_ok().into_bytes();
    util::assert_xml(&svg);
    for bad in [
        &b""[..],
        b"plain text",
        b"<svg><g>",
        b"<svg></svg><svg></svg>",
        &svg[..svg.len() / 2],
        &svg[..svg.len() - 7],
    ] {
        assert!(
            rejects(|| util::assert_xml(bad)),
            "accepted as XML: {:?}",
            String::from_utf8_lossy(&bad[..bad.len().min(80)])
        );
    }
}

#[test]
fn runs_inherit_nothing_from_the_test_process() {
    // What a program started the way the binary is started sees.
    let mut env = std::process::Command::new("env");
    let seen = util::hermetic(&mut env).stdout_ok();
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
        manifest.contains(&format!("\nversion = \"{}\"\n", util::TOKEI_VERSION)),
        "vendor/tokei is not tokei {}",
        util::TOKEI_VERSION
    );
}
