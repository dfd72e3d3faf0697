//! The summary table printed on a terminal after a run, like tokei's.

use std::io::{self, Write};

use crate::record::Summary;
use crate::render::labels;
use crate::units::thousands;

/// Writes a table of languages (files, code, comments, blanks) and a total.
pub(crate) fn write<W: Write>(summary: &Summary, mut out: W) -> io::Result<()> {
    let mut rows: Vec<[String; 5]> = summary
        .languages
        .iter()
        .map(|(language, c)| {
            [
                language.name().to_string(),
                thousands(c.files),
                thousands(c.code),
                thousands(c.comments),
                thousands(c.blanks),
            ]
        })
        .collect();
    let t = &summary.totals;
    let total = [
        "Total".to_string(),
        thousands(t.files),
        thousands(t.code),
        thousands(t.comments),
        thousands(t.blanks),
    ];
    let header = ["Language", "Files", "Code", "Comments", "Blanks"].map(String::from);
    // What is generated, vendored or documentation, under the total; and
    // what --own or --exclude-… left out of it.
    let marked: Vec<[String; 5]> = summary
        .marked
        .iter()
        .map(|(class, c)| (format!("  of which {}", class.name()), c))
        .chain(
            summary
                .left_out
                .iter()
                .map(|(class, c)| (format!("  left out: {}", class.name()), c)),
        )
        .map(|(label, c)| {
            [
                label,
                thousands(c.files),
                thousands(c.code),
                thousands(c.comments),
                thousands(c.blanks),
            ]
        })
        .collect();
    let mut widths = [0usize; 5];
    for row in rows.iter().chain([&header, &total]).chain(&marked) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let rule = "─".repeat(widths.iter().sum::<usize>() + 2 * 4 + 2);
    let line = |out: &mut W, row: &[String; 5]| -> io::Result<()> {
        write!(out, " {:<w$}", row[0], w = widths[0])?;
        for (cell, w) in row[1..].iter().zip(&widths[1..]) {
            write!(out, "  {cell:>w$}")?;
        }
        writeln!(out)
    };
    writeln!(out, "{rule}")?;
    line(&mut out, &header)?;
    writeln!(out, "{rule}")?;
    for row in rows.drain(..) {
        line(&mut out, &row)?;
    }
    writeln!(out, "{rule}")?;
    line(&mut out, &total)?;
    writeln!(out, "{rule}")?;
    for row in &marked {
        line(&mut out, row)?;
    }
    if let Some((share, classes)) = labels::marked_share(summary) {
        writeln!(
            out,
            " {share} of the {} are {classes}: {}",
            summary.metric.unit(),
            labels::OWN_HINT
        )?;
    }
    out.flush()
}
