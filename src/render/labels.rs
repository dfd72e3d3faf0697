//! What each frame says and how it looks: tooltips, fill colours, the
//! legend and the subtitle, for a graph of one source (colour is the
//! language) and for a diff (colour is the change).

use crate::config::Metric;
use std::fmt::Write as _;

use crate::record::Counts;
use crate::record::Summary;
use crate::render::palette::{self, Rgb};
use crate::source::RevisionInfo;
use crate::tree::{Change, Kind, Node, Tree};
use crate::units::{files, human_bytes, percent, signed, thousands};

/// Font size of the labels, in pixels.
pub(crate) const FONT_SIZE: usize = 12;
/// Width of a character relative to the font size (inferno's measure).
pub(crate) const FONT_WIDTH: f64 = 0.59;

/// Horizontal padding inferno leaves on each side of the frames.
pub(crate) const XPAD: f64 = 10.0;
/// Height of one legend row.
pub(crate) const LEGEND_ROW: usize = 18;

/// How one frame is drawn.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Decoration {
    /// Tooltip: the frame name on the first line, details below.
    pub(crate) title: String,
    /// Fill of the frame.
    pub(crate) fill: Rgb,
    /// The label text, when inferno's must be replaced (the root frame).
    pub(crate) label: Option<String>,
    /// Left out: the second copy of a one-file source, which inferno draws
    /// above its own root frame.
    pub(crate) hidden: bool,
    /// Generated, vendored or documentation: hatched.
    pub(crate) marked: bool,
    /// The language of a file frame, for the search ("Go" highlights the
    /// Go files).
    pub(crate) language: Option<&'static str>,
}

/// How frame `node` (at `path`) is drawn; `total` is the root's width.
pub(crate) fn decorate(
    node: &Node,
    path: &str,
    metric: Metric,
    total: u64,
    is_root: bool,
) -> Decoration {
    if let Some(change) = node.change() {
        return decorate_change(node, &change, path, metric, is_root);
    }
    let value = node.counts.get(metric);
    let share = percent(value, total);
    let amount = format!("{} ({share})", metric.amount(value));
    let c = &node.counts;
    let mut details = Vec::new();
    for (m, v) in [
        (Metric::Code, c.code),
        (Metric::Comments, c.comments),
        (Metric::Blanks, c.blanks),
    ] {
        if m != metric {
            details.push(m.amount(v));
        }
    }
    if metric != Metric::Bytes {
        details.push(human_bytes(c.bytes));
    }
    let details = details.join(", ");
    let (first, fill) = match &node.kind {
        Kind::File(language) => {
            let colour =
                palette::language_color(*language).shade(palette::fnv1a64(node.name.as_bytes()));
            (
                format!("{path} · {} · {amount}", language.name()),
                // Generated, vendored, documentation: the language, paler
                // (and hatched by the SVG writer).
                if node.class.is_some() {
                    colour.lighten(0.5)
                } else {
                    colour
                },
            )
        }
        // A directory folded by --depth: its main language's colour. (A
        // file that is a directory too only exists in a diff.)
        Kind::Dir | Kind::FileAndDir(_) if !node.has_children() => {
            let mostly = node
                .tint
                .map(|l| format!(", mostly {}", l.name()))
                .unwrap_or_default();
            let fill = match node.tint {
                Some(language) => palette::language_color(language)
                    .lighten(0.25)
                    .shade(palette::fnv1a64(node.name.as_bytes())),
                None => palette::directory_color(palette::fnv1a64(node.name.as_bytes())),
            };
            (
                format!("{path}/ · {amount} in {}{mostly}", files(c.files)),
                fill,
            )
        }
        Kind::Dir | Kind::FileAndDir(_) => (
            format!("{path}/ · {amount} in {}", files(c.files)),
            match node.tint {
                // Under a language frame (--by-language): that language, pale.
                Some(language) => palette::language_color(language).lighten(0.55),
                None => palette::directory_color(palette::fnv1a64(node.name.as_bytes())),
            },
        ),
        Kind::Small(merged) => {
            let mut names = merged.examples.join(", ");
            if merged.entries as usize > merged.examples.len() {
                names.push_str(", …");
            }
            let mostly = node
                .tint
                .map(|l| format!(", mostly {}", l.name()))
                .unwrap_or_default();
            (
                format!(
                    "{} files too narrow to draw, merged: {names} · {amount}{mostly}",
                    thousands(c.files)
                ),
                // Paler than a file of the language, so it reads as a group.
                node.tint
                    .map(|l| palette::language_color(l).lighten(0.45))
                    .unwrap_or(SMALL_FILES),
            )
        }
    };
    let class = node
        .class
        .as_deref()
        .map(|c| format!("\n{c}"))
        .unwrap_or_default();
    Decoration {
        title: format!("{}\n{first}\n{details}{class}", node.name),
        fill,
        label: is_root.then(|| node.name.to_string()),
        hidden: false,
        marked: node.class.is_some(),
        language: file_language(node),
    }
}

/// Merged small files: paler than any directory.
const SMALL_FILES: Rgb = Rgb(0xe6, 0xe3, 0xdc);

/// One language in the legend.
#[derive(Clone, Debug)]
pub(crate) struct LegendItem {
    pub(crate) swatch: Rgb,
    /// Drawn hatched, as marked frames are.
    pub(crate) hatched: bool,
    pub(crate) text: String,
    pub(crate) tooltip: String,
    pub(crate) x: f64,
    pub(crate) row: usize,
}

/// The legend under the graph.
pub(crate) struct Legend {
    pub(crate) items: Vec<LegendItem>,
    pub(crate) height: usize,
}

/// The legend of a diff: what the colours mean.
pub(crate) fn diff_legend(metric: Metric, width: usize) -> Legend {
    let unit = metric.unit();
    let entries = [
        (
            change_color(0, 1),
            "new".to_string(),
            format!("a file added, or {unit} only at the later revision"),
        ),
        (
            change_color(2, 3),
            "grew".to_string(),
            format!(
                "more {unit} than before: the deeper the red, the larger the growth relative to the frame"
            ),
        ),
        (
            UNCHANGED,
            "unchanged".to_string(),
            format!("as many {unit} as before"),
        ),
        (
            change_color(3, 2),
            "shrank".to_string(),
            format!(
                "fewer {unit} than before: the deeper the blue, the larger the loss relative to the frame"
            ),
        ),
        (
            change_color(1, 0),
            "deleted".to_string(),
            format!("a file deleted, or {unit} only at the earlier revision"),
        ),
    ];
    let mut legend = place(entries.into_iter(), width);
    // One more item, to say how wide frames are.
    if let Some(last) = legend.items.last() {
        let (x, row) = (last.x + item_width(&last.text), last.row);
        legend.items.push(LegendItem {
            swatch: Rgb(0xff, 0xff, 0xff),
            hatched: false,
            text: "width: the larger of before and after".into(),
            tooltip: "deleted code keeps its width, so it stays visible".into(),
            x,
            row,
        });
        let fits = x + item_width("width: the larger of before and after") <= width as f64 - XPAD;
        if !fits {
            let item = legend.items.last_mut().expect("just pushed");
            item.x = XPAD;
            item.row += 1;
            legend.height += LEGEND_ROW;
        }
    }
    legend
}

fn item_width(text: &str) -> f64 {
    16.0 + text.chars().count() as f64 * FONT_SIZE as f64 * FONT_WIDTH + 14.0
}

/// Lays legend entries out in rows across `width`.
fn place(entries: impl Iterator<Item = (Rgb, String, String)>, width: usize) -> Legend {
    let mut items = Vec::new();
    let (mut x, mut row) = (XPAD, 0);
    for (swatch, text, tooltip) in entries {
        let w = item_width(&text);
        if x + w > width as f64 - XPAD && x > XPAD {
            x = XPAD;
            row += 1;
        }
        items.push(LegendItem {
            swatch,
            hatched: false,
            text,
            tooltip,
            x,
            row,
        });
        x += w;
    }
    let height = if items.is_empty() {
        0
    } else {
        (row + 1) * LEGEND_ROW + 8
    };
    Legend { items, height }
}

/// Adds the item that explains hatched frames to `legend`, on its last
/// row or a new one.
pub(crate) fn add_marked_item(legend: &mut Legend, width: usize) {
    let text = "generated, vendored or documentation (hover says which)".to_string();
    let (mut x, mut row) = match legend.items.last() {
        Some(last) => (last.x + item_width(&last.text), last.row),
        None => (XPAD, 0),
    };
    if x + item_width(&text) > width as f64 - XPAD && x > XPAD {
        x = XPAD;
        row += 1;
    }
    legend.items.push(LegendItem {
        swatch: Rgb(0xc8, 0xc8, 0xc8),
        hatched: true,
        tooltip: "files GitHub's linguist would not count as the project's code: \
                  drawn paler and hatched, left out with --exclude-generated or --exclude-vendored"
            .into(),
        text,
        x,
        row,
    });
    legend.height = (row + 1) * LEGEND_ROW + 8;
}

/// The legend of languages, largest first.
pub(crate) fn legend(summary: &Summary, metric: Metric, width: usize) -> Legend {
    let total = summary.totals.get(metric);
    let entries = summary
        .languages
        .iter()
        .filter(|(_, counts)| counts.get(metric) > 0)
        .map(|(language, counts)| {
            let value = counts.get(metric);
            (
                palette::language_color(*language),
                format!("{} {}", language.name(), percent(value, total)),
                format!(
                    "{}: {} ({}) in {}",
                    language.name(),
                    metric.amount(value),
                    percent(value, total),
                    files(counts.files)
                ),
            )
        });
    place(entries, width)
}

/// Frames of a diff with no change.
const UNCHANGED: Rgb = Rgb(0xdc, 0xda, 0xd5);

/// The colour of a change from `before` to `after`: red when it grew, blue
/// when it shrank, deeper the larger the change relative to the frame
/// (a new or deleted file is the deepest).
pub(crate) fn change_color(before: u64, after: u64) -> Rgb {
    if before == after {
        return UNCHANGED;
    }
    let t = before.abs_diff(after) as f64 / before.max(after) as f64;
    // Any change shows: a floor of 25%.
    let t = 0.25 + 0.75 * t;
    let (light, deep) = if after > before {
        (Rgb(0xfb, 0xdc, 0xd4), Rgb(0xc4, 0x1a, 0x1a))
    } else {
        (Rgb(0xd8, 0xe4, 0xf6), Rgb(0x1d, 0x5a, 0xc0))
    };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    Rgb(
        mix(light.0, deep.0),
        mix(light.1, deep.1),
        mix(light.2, deep.2),
    )
}

fn decorate_change(
    node: &Node,
    change: &Change,
    path: &str,
    metric: Metric,
    is_root: bool,
) -> Decoration {
    let (before, after) = (change.before.get(metric), change.after.get(metric));
    let delta = i128::from(after) - i128::from(before);
    let what = if before == 0 && after > 0 && node.sides.is_some() && !node.is_dir() {
        "new".to_string()
    } else if after == 0 && before > 0 && !node.is_dir() {
        "deleted".to_string()
    } else if before == 0 {
        signed(delta)
    } else {
        format!(
            "{}, {:+.1}%",
            signed(delta),
            delta as f64 * 100.0 / before as f64
        )
    };
    let amounts = format!("{} → {} ({what})", thousands(before), metric.amount(after));
    let first = match &node.kind {
        Kind::File(language) => format!("{path} · {} · {amounts}", language.name()),
        Kind::Dir => format!("{path}/ · {amounts}"),
        Kind::FileAndDir(file) => {
            let language = file.language.name();
            let (then, now) = if Change::of(&file.sides).before.files > 0 {
                (format!("{language} file"), "directory".to_string())
            } else {
                ("directory".to_string(), format!("{language} file"))
            };
            format!("{path} · {then} at the earlier revision, {now} at the later · {amounts}")
        }
        Kind::Small(merged) => {
            format!(
                "{} entries too narrow to draw, merged · {amounts}",
                thousands(merged.entries)
            )
        }
    };
    let files_then = change.before.files;
    let files_now = change.after.files;
    let details = if node.is_dir() || matches!(node.kind, Kind::Small(_)) {
        format!(
            "files: {} → {}",
            thousands(files_then),
            thousands(files_now)
        )
    } else {
        format!(
            "{} → {}",
            human_bytes(change.before.bytes),
            human_bytes(change.after.bytes)
        )
    };
    Decoration {
        title: format!("{}\n{first}\n{details}", node.name),
        fill: change_color(before, after),
        label: is_root.then(|| node.name.to_string()),
        hidden: false,
        marked: false,
        language: file_language(node),
    }
}

/// The language of a file's frame; `None` for a directory or merged
/// entries.
fn file_language(node: &Node) -> Option<&'static str> {
    match node.kind {
        Kind::File(language) => Some(language.name()),
        _ => None,
    }
}

/// A summary of counts for a subtitle: "12,345 code lines in 67 files · 3 languages".
pub(crate) fn subtitle(summary: &Summary, metric: Metric) -> String {
    let totals: &Counts = &summary.totals;
    let mut s = String::new();
    let _ = write!(
        s,
        "{} in {} · {} language{}",
        metric.amount(totals.get(metric)),
        files(totals.files),
        summary.languages.len(),
        if summary.languages.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    s
}

/// The subtitle of a diff: "12,345 → 12,900 code lines (+555: +700 −145
/// in 12 files changed) · v1 = 1a2b3c4 (…) → …".
pub(crate) fn diff_subtitle(
    tree: &Tree,
    metric: Metric,
    before: &RevisionInfo,
    after: &RevisionInfo,
) -> String {
    let change = tree.root().change().unwrap_or_default();
    let (b, a) = (change.before.get(metric), change.after.get(metric));
    let (grown, shrunk, changed) = churn(tree, metric);
    format!(
        "{} → {} ({}: +{} \u{2212}{} in {} changed) · {} → {}",
        thousands(b),
        metric.amount(a),
        signed(i128::from(a) - i128::from(b)),
        thousands(grown),
        thousands(shrunk),
        files(changed),
        before.described,
        after.described
    )
}

/// Lines added and removed over files (each file's net change), and how
/// many files changed.
fn churn(tree: &Tree, metric: Metric) -> (u64, u64, u64) {
    let net = |change: Change| {
        let (b, a) = (change.before.get(metric), change.after.get(metric));
        match a.cmp(&b) {
            std::cmp::Ordering::Greater => (a - b, 0, 1),
            std::cmp::Ordering::Less => (0, b - a, 1),
            std::cmp::Ordering::Equal => (0, 0, 0),
        }
    };
    let mut total = (0, 0, 0);
    for node in &tree.nodes {
        // Each leaf, and the file part of a file that is a directory at
        // the other side.
        let part = if !node.has_children() {
            node.change().map(net)
        } else {
            node.file_side().map(|file| net(Change::of(&file.sides)))
        };
        if let Some((g, s, c)) = part {
            total = (total.0 + g, total.1 + s, total.2 + c);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_colours_say_which_way_and_how_much() {
        assert_eq!(change_color(5, 5), UNCHANGED);
        let (grew_a_little, new) = (change_color(100, 110), change_color(0, 10));
        assert!(grew_a_little.0 > grew_a_little.2, "red");
        assert!(new.1 < grew_a_little.1, "a new file is deeper red");
        let (shrank_a_little, deleted) = (change_color(110, 100), change_color(10, 0));
        assert!(shrank_a_little.2 > shrank_a_little.0, "blue");
        assert!(
            deleted.0 < shrank_a_little.0,
            "a deleted file is deeper blue"
        );
    }
}
