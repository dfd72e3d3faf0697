//! Output stage: the aggregated tree as an SVG, folded stacks, a JSON
//! report, or a summary table for the terminal. Every writer takes a
//! `W: Write`; only `output.rs` knows about stdout and files.

pub mod html;
pub mod json;
pub mod labels;
pub mod palette;
pub mod svg;
pub mod table;
