//! Output stage: turns the aggregated tree into SVG, folded stacks or JSON.

pub mod palette;
