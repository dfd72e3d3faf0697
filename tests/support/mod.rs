//! Test helpers, one module per concern, used by every test module as
//! `crate::support::…`. Nothing here is a test: the helpers' own checks
//! (a check that cannot fail proves nothing; a server that does not serve
//! what the tests fetch makes them fail for the wrong reason) are the
//! `suite` test module's.
//!
//! Running the binary:
//! - [`run`]: the hermetic command builder and the [`run::Run`] trait, the
//!   one way a run is started and judged; skips CI turns into failures.
//! - [`processes`]: children with a deadline, measured or signalled.
//! - [`terminal`]: runs on a pseudo-terminal.
//!
//! What it runs on, and what it writes:
//! - [`tree`]: temporary trees ([`tree::TestDir`]) and their permissions.
//! - [`special`]: FIFOs and sockets as outputs, and the walk tripwire.
//! - [`output`]: folded stacks, SVG and messages, read and checked.
//! - [`oracles`]: tokei's library and CLI, whose counts repoflame must equal.
//! - [`corpus`]: generated trees of thousands of files, and random bytes.
//!
//! Git:
//! - [`git`]: a deterministic git CLI.
//! - [`repo`]: repositories built step by step ([`repo::TestRepo`]).
//! - [`history`]: a ready-made history and its model
//!   ([`history::sample_history`]).
//! - [`servers`]: `git daemon` and smart HTTP on 127.0.0.1.
//! - [`tcp`]: a black hole, a closed port and a counting proxy.
//!
//! The browser:
//! - [`browser`]: headless Chromium and the web server it reads from.
//! - [`color`]: how far apart two colours look (CIELAB ΔE), also
//!   included by the palette's unit tests.

pub mod browser;
pub mod color;
pub mod corpus;
pub mod git;
pub mod history;
pub mod oracles;
pub mod output;
pub mod processes;
pub mod repo;
pub mod run;
pub mod servers;
pub mod special;
pub mod tcp;
pub mod terminal;
pub mod tree;
