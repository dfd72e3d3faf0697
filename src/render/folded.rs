//! The folded-stack format: `frame;frame;…;leaf COUNT\n`, one line per file.
//!
//! The contract (DESIGN.md): frames are escaped path components under a
//! root frame naming the source; counts are positive; no comments, no `\r`,
//! no duplicate stacks; lines sorted by byte value so the output is
//! byte-identical across runs, thread counts and copies of the tree.

use std::io::{self, Write};

use crate::config::Metric;
use crate::tree::Tree;

/// The folded lines of `tree` for `metric`, sorted by byte value, without
/// the trailing newline.
pub(crate) fn lines(tree: &Tree, metric: Metric) -> Vec<String> {
    sorted_lines(tree.stacks(metric, true))
}

/// `stack COUNT` lines, sorted by byte value.
pub(crate) fn sorted_lines(stacks: Vec<(String, u64)>) -> Vec<String> {
    let mut lines: Vec<String> = stacks
        .into_iter()
        .map(|(mut stack, value)| {
            stack.push(' ');
            stack.push_str(itoa::Buffer::new().format(value));
            stack
        })
        .collect();
    lines.sort_unstable();
    lines
}

/// Writes the folded stacks of `tree` to `out`.
pub(crate) fn write<W: Write>(tree: &Tree, metric: Metric, mut out: W) -> io::Result<()> {
    for line in lines(tree, metric) {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// Writes `stack before after` lines of a diff, sorted: what
/// `inferno-flamegraph` and `flamegraph.pl` read as a differential flame
/// graph.
pub(crate) fn write_diff<W: Write>(tree: &Tree, metric: Metric, mut out: W) -> io::Result<()> {
    let mut lines: Vec<String> = tree
        .diff_stacks(metric)
        .into_iter()
        .map(|(stack, before, after)| format!("{stack} {before} {after}"))
        .collect();
    lines.sort_unstable();
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Counts;
    use crate::record::Record;
    use tokei::LanguageType;

    fn record(path: &str, code: u64) -> Record {
        Record::one(
            path.into(),
            LanguageType::Rust,
            Counts {
                files: 1,
                code,
                ..Counts::default()
            },
        )
    }

    #[test]
    fn sorted_by_bytes_and_zero_counts_left_out() {
        let tree = Tree::build(
            b"repo",
            vec![
                record("b.rs", 2),
                record("a b.rs", 3),
                record("a.rs", 0),
                record("a/x.rs", 1),
            ],
        );
        let mut out = Vec::new();
        write(&tree, Metric::Code, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "repo;a b.rs 3\nrepo;a;x.rs 1\nrepo;b.rs 2\n"
        );
    }
}
