//! docs/report.schema.json documents the JSON report: it is a valid JSON
//! Schema (2020-12), every kind of report repoflame writes passes it (a
//! directory, with `--own` and `--depth`, a revision, a diff, a diff with
//! a `--baseline`), and it is strict enough to refuse what the reports do
//! not hold (an unknown field, another format version, a missing field, a
//! negative count).

use serde_json::{Value, json};

use crate::support::repo::TestRepo;
use crate::support::run::Run;

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");
    let text = std::fs::read_to_string(path).expect("docs/report.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schema's complaints about `report`, one line each.
fn errors(report: &Value) -> Vec<String> {
    let schema = schema();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    if validator.is_valid(report) {
        return Vec::new();
    }
    // Why, in the terms of the report's own kind (`oneOf` only says that
    // none matched).
    let kind = match report["source"]["kind"].as_str() {
        Some("diff") => "diffReport",
        _ => "report",
    };
    let mut one = schema.clone();
    one["oneOf"] = json!([{ "$ref": format!("#/$defs/{kind}") }]);
    let errors: Vec<String> = jsonschema::validator_for(&one)
        .expect("the schema compiles")
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        vec!["matches none of the kinds".to_string()]
    } else {
        errors
    }
}

pub(crate) fn assert_valid(report: &Value, what: &str) {
    let errors = errors(report);
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{report:#}");
}

/// A repository with own, vendored and documentation files, two revisions.
fn repo() -> TestRepo {
    let repo = TestRepo::new("proj");
    repo.file("src/lib.rs", "fn a() {}\n// c\n\nfn b() {}\n")
        .file("src/net/tcp.rs", "fn t() {}\n")
        .file("vendor/x.c", "int x;\n")
        .file("docs/guide.md", "# Guide\n\ntext\n");
    repo.commit("one");
    repo.tag("v1");
    repo.file("src/net/udp.rs", "fn u() {}\n")
        .remove("vendor/x.c");
    repo.commit("two");
    repo
}

#[test]
fn every_kind_of_report_passes_the_schema() {
    let repo = repo();
    for args in [
        &["--format", "json"][..],
        &["--format", "json", "--own"],
        &["--format", "json", "--depth", "1"],
        &["--format", "json", "--metric", "bytes"],
        &["--format", "json", "--rev", "v1"],
        &["--format", "json", "--diff", "v1..HEAD"],
        &["--format", "json", "--color", "churn"],
        &["--format", "json", "--color", "authors", "--depth", "1"],
        &["--format", "json", "--metric", "commits", "--rev", "v1"],
        &["--format", "json", "--history", "v1,HEAD"],
        &[
            "--format",
            "json",
            "--history",
            "v1..HEAD",
            "--every",
            "1d",
            "--depth",
            "2",
        ],
    ] {
        let report = repo.cmd().args(args).json_ok();
        assert_valid(&report, &args.join(" "));
    }
    // History, with a file of the work tree that no commit has.
    repo.file("src/new.rs", "fn n() {}\n");
    let report = repo
        .cmd()
        .args(["--format", "json", "--color", "age"])
        .json_ok();
    assert!(report["history"].is_object(), "{report:#}");
    let new = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == "src/new.rs")
        .expect("src/new.rs in the report");
    assert_eq!(new["history"]["uncommitted"], true, "{new:#}");
    assert_valid(&report, "--color age with an uncommitted file");
    // A diff with a saved report as its before side (--baseline), made of
    // a revision and of the work tree (no commit, no date).
    for made_with in [&["--rev", "v1"][..], &[]] {
        let saved = repo.base().join("baseline.json");
        let out = repo.cmd().args(made_with).arg("-o").arg(&saved).ok();
        assert!(out.stdout.is_empty());
        let report = repo
            .cmd()
            .args(["--format", "json", "--baseline"])
            .arg(&saved)
            .json_ok();
        assert_eq!(report["source"]["kind"], "diff");
        assert_valid(&report, &format!("--baseline of {made_with:?}"));
    }
}

#[test]
fn a_report_with_a_problem_passes_the_schema() {
    // A blob missing from the object database is a problem; the run goes
    // on and exits 1 (as in tests/git.rs).
    let repo = TestRepo::new("broken");
    repo.file("src/ok.rs", "fn ok() {}\n")
        .file("src/gone.rs", "fn gone() {}\n");
    repo.commit("two files");
    repo.remove_blob("HEAD:src/gone.rs");
    // Nor can the work tree stand in for it.
    repo.remove("src/gone.rs");
    let out = repo
        .cmd()
        .args(["--rev", "HEAD", "--format", "json"])
        .complete();
    let report: Value = serde_json::from_slice(&out.stdout).expect("a report");
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(1));
    assert_valid(&report, "a report with a problem");
}

#[test]
fn the_schema_refuses_what_reports_do_not_hold() {
    let repo = repo();
    let report = repo.cmd().args(["--format", "json"]).json_ok();
    let diff = repo
        .cmd()
        .args(["--format", "json", "--diff", "v1..HEAD"])
        .json_ok();
    assert_valid(&report, "the report");
    let broken = |mut report: Value, change: &dyn Fn(&mut Value)| {
        change(&mut report);
        assert!(!errors(&report).is_empty(), "accepted: {report:#}");
    };
    broken(report.clone(), &|r| r["repoflame"]["format"] = json!(2));
    broken(report.clone(), &|r| r["surprise"] = json!(1));
    broken(report.clone(), &|r| r["files"][0]["extra"] = json!({}));
    broken(report.clone(), &|r| {
        r.as_object_mut().unwrap().remove("totals");
    });
    broken(report.clone(), &|r| r["totals"]["code"] = json!(-1));
    broken(report.clone(), &|r| r["metric"] = json!("words"));
    broken(report.clone(), &|r| r["languages"][0]["extra"] = json!(0));
    broken(report.clone(), &|r| {
        r["marked"]["handwritten"] = r["totals"].clone()
    });
    broken(diff.clone(), &|r| r["files"][0]["kind"] = json!("file"));
    broken(diff.clone(), &|r| r["source"]["kind"] = json!("directory"));
    broken(diff, &|r| {
        r["totals"].as_object_mut().unwrap().remove("after");
    });
}
