//! repoflame: where does the code of this repository live?
#![deny(missing_docs)]

pub mod escape;
pub mod render;
