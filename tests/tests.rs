//! Integration tests: they run the real `repoflame` binary on real trees.
//! One binary split into modules, as ripgrep does.

mod escape_table;
mod support;

mod bad_input;
mod baseline;
mod browser;
mod cache;
mod ci_examples;
mod cli;
mod determinism;
mod docs;
mod faults;
mod git;
mod golden;
mod hotspots;
mod huge;
mod markdown;
mod names;
mod output;
mod properties;
mod schema;
mod suite;
mod summary;
mod timeline;
mod tokei_parity;
mod views;
