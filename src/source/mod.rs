//! Where file contents come from.
//!
//! A source yields the list of files to count and a root name for the
//! graph; reading and counting the bytes is the `count` stage's job.

pub mod walk;
