//! What each frame says and how it looks: tooltips, fill colours, the
//! legend and the subtitle, for a graph of one source (colour is the
//! language) and for a diff (colour is the change).

use crate::config::Metric;
use std::fmt::Write as _;

use crate::classify::Class;
use crate::record::Counts;
use crate::record::Summary;
use crate::render::palette::{self, Rgb};
use crate::source::RevisionInfo;
use crate::tree::{Change, Kind, Node, Tree};
use crate::units::{
    amount, either, files, human_bytes, percent, push_amount, push_thousands, rough_percent,
    signed, thousands,
};

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
    /// Generated, vendored or documentation, wholly or in part: hatched.
    pub(crate) hatch: Hatch,
    /// A directory folded by `--depth`, or entries merged into one frame:
    /// drawn with a dashed outline, so that it does not pass for a file.
    pub(crate) merged: bool,
    /// The language of a file frame, for the search ("Go" highlights the
    /// Go files).
    pub(crate) language: Option<&'static str>,
}

/// How much of a frame is hatched as generated, vendored or documentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Hatch {
    /// None of it.
    None,
    /// A marked file: all of it, over a fill already paler.
    File,
    /// Merged entries (a directory folded by `--depth`, small entries
    /// merged): this share of the frame, in proportion to the marked part
    /// of the metric, at its right end, paled and hatched there. A frame
    /// that is a third vendored is a third hatched, one that is all
    /// vendored is hatched all over like a vendored file; the hover text
    /// gives the shares.
    Part(f64),
}

impl Decoration {
    /// Whether any of the frame is hatched.
    pub(crate) fn marked(&self) -> bool {
        self.hatch != Hatch::None
    }
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
    let c = &node.counts;
    // The title: the name, then what it is, then its other counts. Written
    // into one string (thousands of frames: no string for each part).
    let mut title = String::with_capacity(node.name.len() + path.len() + 160);
    title.push_str(&node.name);
    title.push('\n');
    let amount = |title: &mut String| {
        push_amount(title, value, metric.unit());
        title.push_str(" (");
        title.push_str(&percent(value, total));
        title.push(')');
    };
    let fill = match &node.kind {
        Kind::File(language) => {
            let colour =
                palette::language_color(*language).shade(palette::fnv1a64(node.name.as_bytes()));
            push_all(&mut title, &[path, " · ", language.name(), " · "]);
            amount(&mut title);
            // Generated, vendored, documentation: the language, paler
            // (and hatched by the SVG writer).
            if node.class.is_some() {
                colour.lighten(0.5)
            } else {
                colour
            }
        }
        // A directory folded by --depth: its main language's colour. (A
        // file that is a directory too only exists in a diff.)
        Kind::Dir | Kind::FileAndDir(_) if !node.has_children() => {
            push_all(&mut title, &[path, "/ · "]);
            amount(&mut title);
            title.push_str(" in ");
            push_amount(&mut title, c.files, "files");
            if let Some(language) = node.tint {
                push_all(&mut title, &[", mostly ", language.name()]);
            }
            match node.tint {
                Some(language) => palette::language_color(language)
                    .lighten(0.25)
                    .shade(palette::fnv1a64(node.name.as_bytes())),
                None => palette::directory_color(palette::fnv1a64(node.name.as_bytes())),
            }
        }
        Kind::Dir | Kind::FileAndDir(_) => {
            push_all(&mut title, &[path, "/ · "]);
            amount(&mut title);
            title.push_str(" in ");
            push_amount(&mut title, c.files, "files");
            match node.tint {
                // Under a language frame (--by-language): that language, pale.
                Some(language) => palette::language_color(language).lighten(0.55),
                None => palette::directory_color(palette::fnv1a64(node.name.as_bytes())),
            }
        }
        Kind::Small(merged) => {
            let mut names = merged.examples.join(", ");
            if merged.entries as usize > merged.examples.len() {
                names.push_str(", …");
            }
            let mostly = node
                .tint
                .map(|l| format!(", mostly {}", l.name()))
                .unwrap_or_default();
            let mut amount_text = String::new();
            amount(&mut amount_text);
            let first = if merged.directories == 0 {
                format!(
                    "{} too narrow to draw, merged: {names} · {amount_text}{mostly}",
                    files(c.files)
                )
            } else {
                let loose = merged.entries - merged.directories;
                let what = match loose {
                    0 => directories(merged.directories),
                    _ => format!("{} and {}", directories(merged.directories), files(loose)),
                };
                format!(
                    "{what} too narrow to draw, merged: {names} · {amount_text} in {}{mostly}",
                    files(c.files)
                )
            };
            title.push_str(&first);
            // Paler than a file of the language, so it reads as a group.
            node.tint
                .map(|l| palette::language_color(l).lighten(0.45))
                .unwrap_or(SMALL_FILES)
        }
    };
    // The other counts.
    title.push('\n');
    let mut separator = "";
    for (m, v) in [
        (Metric::Code, c.code),
        (Metric::Comments, c.comments),
        (Metric::Blanks, c.blanks),
    ] {
        if m != metric {
            title.push_str(separator);
            push_amount(&mut title, v, m.unit());
            separator = ", ";
        }
    }
    if metric != Metric::Bytes {
        push_all(&mut title, &[separator, &human_bytes(c.bytes)]);
    }
    // A file's class and why; what is marked of a directory or of merged
    // entries, in shares.
    match node.class.as_deref() {
        Some(class) => {
            use std::fmt::Write;
            let _ = write!(title, "\n{class}");
        }
        None => {
            if let Some(shares) = marked_shares(node, metric) {
                push_all(&mut title, &["\n", &shares]);
            }
        }
    }
    // Merged entries and folded directories: hatched in proportion.
    let merged = matches!(node.kind, Kind::Small(_)) || (node.is_dir() && !node.has_children());
    let hatch = if node.class.is_some() {
        Hatch::File
    } else if merged && value > 0 {
        match node.marked().total().get(metric) {
            0 => Hatch::None,
            marked => Hatch::Part(marked as f64 / value as f64),
        }
    } else {
        Hatch::None
    };
    Decoration {
        title,
        fill,
        label: is_root.then(|| node.name.to_string()),
        hidden: false,
        hatch,
        merged: merged && !is_root,
        language: file_language(node),
    }
}

/// Appends every piece of `pieces` to `out`.
fn push_all(out: &mut String, pieces: &[&str]) {
    for piece in pieces {
        out.push_str(piece);
    }
}

/// What is marked of a directory or merged entries, largest first, in
/// shares of `metric`: "72% vendored, 3% generated".
pub(crate) fn marked_shares(node: &Node, metric: Metric) -> Option<String> {
    let marked = node.marked();
    let total = node.counts.get(metric);
    let mut shares: Vec<(u64, Class)> = Class::ALL
        .iter()
        .map(|&class| (marked.get(class).get(metric), class))
        .filter(|(value, _)| *value > 0)
        .collect();
    if shares.is_empty() {
        return None;
    }
    shares.sort_by_key(|&(value, class)| (std::cmp::Reverse(value), class));
    let shares: Vec<String> = shares
        .iter()
        .map(|(value, class)| format!("{} {}", rough_percent(*value, total), class.name()))
        .collect();
    Some(shares.join(", "))
}

/// `1 directory`, `3 directories`.
fn directories(n: u64) -> String {
    match n {
        1 => "1 directory".to_string(),
        n => format!("{} directories", thousands(n)),
    }
}

/// Merged small files: paler than any directory.
const SMALL_FILES: Rgb = Rgb(0xe6, 0xe3, 0xdc);

/// One item of the legend: a swatch and its words, or words alone.
#[derive(Clone, Debug)]
pub(crate) struct LegendItem {
    /// `None` for words alone.
    pub(crate) swatch: Option<Rgb>,
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

impl Legend {
    /// How many rows it takes.
    pub(crate) fn rows(&self) -> usize {
        self.items.last().map_or(0, |item| item.row + 1)
    }
}

/// What one legend item says: a swatch (or none), its words, its tooltip.
pub(crate) type Entry = (Option<Rgb>, String, String);

/// The legend of a diff: one scale from new code (deepest red) through
/// growth, unchanged and shrinking to deleted code (deepest blue), then in
/// words what depth and width mean.
pub(crate) fn diff_legend(metric: Metric, width: usize) -> Legend {
    let unit = metric.unit();
    let mut scale: Vec<Entry> = vec![(
        Some(change_color(0, 1)),
        "new".to_string(),
        format!("a file added, or {unit} only at the later revision: the deepest red"),
    )];
    // As wide as a frame whose count went from 100 to `after`.
    for (after, label, what) in [
        (1100, "+1000%", "eleven times as many"),
        (200, "+100%", "twice as many"),
        (110, "+10%", "a tenth more"),
        (101, "+1%", "a hundredth more"),
    ] {
        scale.push((
            Some(change_color(100, after)),
            label.to_string(),
            format!("grew by {label}: {what} {unit} as before (larger changes are as deep)"),
        ));
    }
    scale.push((
        Some(UNCHANGED),
        "unchanged".to_string(),
        format!("as many {unit} as before"),
    ));
    for (after, label, what) in [
        (99, "\u{2212}1%", "a hundredth fewer"),
        (90, "\u{2212}10%", "a tenth fewer"),
        (50, "\u{2212}50%", "half as many"),
        (10, "\u{2212}90%", "a tenth as many"),
    ] {
        scale.push((
            Some(change_color(100, after)),
            label.to_string(),
            format!("shrank by {label}: {what} {unit} as before (larger changes are as deep)"),
        ));
    }
    scale.push((
        Some(change_color(1, 0)),
        "deleted".to_string(),
        format!("a file deleted, or {unit} only at the earlier revision: the deepest blue"),
    ));
    let words: Vec<Entry> = vec![
        (
            None,
            "deeper = larger change relative to the frame".to_string(),
            "red grew, blue shrank; the depth follows the relative change on a \
             logarithmic scale, so +1% and +100% look different"
                .to_string(),
        ),
        (
            None,
            "· width = the larger of before and after".to_string(),
            "deleted code keeps its width, so it stays visible".to_string(),
        ),
    ];
    place_rows(vec![scale, words], width)
}

fn item_width(item: &LegendItem) -> f64 {
    let swatch = if item.swatch.is_some() { 16.0 } else { 0.0 };
    swatch + text_width(&item.text) + 14.0
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * FONT_SIZE as f64 * FONT_WIDTH
}

/// Lays legend entries out in rows across `width`: each group starts a
/// row, and goes on to the next rows as it needs.
pub(crate) fn place_rows(groups: Vec<Vec<Entry>>, width: usize) -> Legend {
    let mut legend = Legend {
        items: Vec::new(),
        height: 0,
    };
    for (i, group) in groups.into_iter().enumerate() {
        for (n, (swatch, text, tooltip)) in group.into_iter().enumerate() {
            let item = LegendItem {
                swatch,
                hatched: false,
                text,
                tooltip,
                x: 0.0,
                row: 0,
            };
            push(&mut legend, item, width, i > 0 && n == 0);
        }
    }
    legend
}

/// Adds `item` to the legend after its last item, or on a new row when it
/// does not fit there (or `new_row` is asked).
pub(crate) fn push(legend: &mut Legend, mut item: LegendItem, width: usize, new_row: bool) {
    let (mut x, mut row) = match legend.items.last() {
        Some(last) => (last.x + item_width(last), last.row),
        None => (XPAD, 0),
    };
    if x > XPAD && (new_row || x + item_width(&item) - 14.0 > width as f64 - XPAD) {
        x = XPAD;
        row += 1;
    }
    item.x = x;
    item.row = row;
    legend.items.push(item);
    legend.height = (row + 1) * LEGEND_ROW + 8;
}

/// Adds the item that explains hatched frames to `legend`, on its last
/// row or a new one.
pub(crate) fn add_marked_item(legend: &mut Legend, width: usize) {
    let text = "generated, vendored or documentation (hover says which)".to_string();
    let item = LegendItem {
        swatch: Some(Rgb(0xc8, 0xc8, 0xc8)),
        hatched: true,
        tooltip: "files GitHub's linguist would not count as the project's code: \
                  drawn paler and hatched; --own leaves them out"
            .into(),
        text,
        x: 0.0,
        row: 0,
    };
    push(legend, item, width, false);
}

/// At most this many rows of languages (and the item for hatched frames).
pub(crate) const LEGEND_ROWS: usize = 2;

/// The legend of languages, largest first, in at most [`LEGEND_ROWS`]
/// rows: as many languages as fit, and those under 0.01%, summed in one
/// item ("+ 14 more, 0.03%") whose tooltip lists them. With `marked`, the
/// item that explains hatched frames comes last.
pub(crate) fn legend(summary: &Summary, metric: Metric, width: usize, marked: bool) -> Legend {
    let total = summary.totals.get(metric);
    let present: Vec<_> = summary
        .languages
        .iter()
        .filter(|(_, counts)| counts.get(metric) > 0)
        .collect();
    let entry = |(language, counts): &&(tokei::LanguageType, Counts)| -> Entry {
        let value = counts.get(metric);
        (
            Some(palette::language_color(*language)),
            format!("{} {}", language.name(), percent(value, total)),
            format!(
                "{}: {} ({}) in {}",
                language.name(),
                metric.amount(value),
                percent(value, total),
                files(counts.files)
            ),
        )
    };
    let entries: Vec<Entry> = present.iter().map(entry).collect();
    // Languages under 0.01% ("<0.01%") go into the last item whether they
    // fit or not, unless one alone would (its item takes the same room).
    let visible = present
        .iter()
        .position(|(_, c)| percent(c.get(metric), total).starts_with('<'))
        .filter(|&tiny| tiny + 1 < present.len())
        .unwrap_or(present.len());
    // The most languages that fit, the rest in one item. Laying out is
    // cheap next to the graph: tokei knows some 250 languages.
    for shown in (0..=visible).rev() {
        let mut group = entries[..shown].to_vec();
        let rest = &present[shown..];
        if !rest.is_empty() {
            let value: u64 = rest.iter().map(|(_, c)| c.get(metric)).sum();
            let listed: Vec<String> = rest
                .iter()
                .map(|(language, c)| {
                    format!("{} {}", language.name(), metric.amount(c.get(metric)))
                })
                .collect();
            group.push((
                None,
                format!("+ {} more, {}", rest.len(), percent(value, total)),
                format!(
                    "{} in {} more languages: {}",
                    metric.amount(value),
                    rest.len(),
                    listed.join(", ")
                ),
            ));
        }
        let mut legend = place_rows(vec![group], width);
        if marked {
            add_marked_item(&mut legend, width);
        }
        if legend.rows() <= LEGEND_ROWS || shown == 0 {
            return legend;
        }
    }
    unreachable!("the loop returns at shown == 0")
}

/// Frames of a diff with no change: a warm grey, darker than the
/// background (#e8e8e8 at its darkest) so that its swatch shows.
pub(crate) const UNCHANGED: Rgb = Rgb(0xcc, 0xc9, 0xc2);

/// Growth, light to deep: ColorBrewer's sequential "Reds" (Cynthia Brewer,
/// colorbrewer2.org) but its lightest and darkest steps; new code gets its
/// darkest.
pub(crate) const REDS: [Rgb; 7] = [
    Rgb(0xfe, 0xe0, 0xd2),
    Rgb(0xfc, 0xbb, 0xa1),
    Rgb(0xfc, 0x92, 0x72),
    Rgb(0xfb, 0x6a, 0x4a),
    Rgb(0xef, 0x3b, 0x2c),
    Rgb(0xcb, 0x18, 0x1d),
    Rgb(0xa5, 0x0f, 0x15),
];
pub(crate) const NEW: Rgb = Rgb(0x67, 0x00, 0x0d);

/// Shrinking, light to deep: ColorBrewer's "Blues" the same way; deleted
/// code gets its darkest.
const BLUES: [Rgb; 7] = [
    Rgb(0xde, 0xeb, 0xf7),
    Rgb(0xc6, 0xdb, 0xef),
    Rgb(0x9e, 0xca, 0xe1),
    Rgb(0x6b, 0xae, 0xd6),
    Rgb(0x42, 0x92, 0xc6),
    Rgb(0x21, 0x71, 0xb5),
    Rgb(0x08, 0x51, 0x9c),
];
const DELETED: Rgb = Rgb(0x08, 0x30, 0x6b);

/// The relative changes at the ends of the scale, as powers of ten: below
/// +0.3% is its lightest colour, +1000% and above its deepest.
const SCALE: (f64, f64) = (-2.5, 1.0);

/// Where a change falls on the scale, 0 to 1: logarithmic in the relative
/// change, so that each tenfold step (+1%, +10%, +100%, +1000%) moves as
/// far, saturating only at +1000%. A shrink counts as the growth back:
/// −50% as +100%, −90% as +900%.
pub(crate) fn change_depth(before: u64, after: u64) -> f64 {
    let (small, large) = (before.min(after) as f64, before.max(after) as f64);
    let relative = (large - small) / small;
    let (low, high) = SCALE;
    ((relative.log10() - low) / (high - low)).clamp(0.0, 1.0)
}

/// The colour of a change from `before` to `after`: red when it grew,
/// blue when it shrank, deeper the larger the change relative to the
/// frame ([`change_depth`]); new and deleted code the deepest of all, an
/// unchanged frame grey.
pub(crate) fn change_color(before: u64, after: u64) -> Rgb {
    if before == after {
        return UNCHANGED;
    }
    let (ramp, end) = if after > before {
        (&REDS, NEW)
    } else {
        (&BLUES, DELETED)
    };
    if before == 0 || after == 0 {
        return end;
    }
    on_ramp(ramp, change_depth(before, after))
}

/// The colour at `depth` (0 to 1) along `ramp`, mixed between its steps.
pub(crate) fn on_ramp(ramp: &[Rgb], depth: f64) -> Rgb {
    let at = depth.clamp(0.0, 1.0) * (ramp.len() - 1) as f64;
    let i = (at.floor() as usize).min(ramp.len() - 2);
    let t = at - i as f64;
    let (a, b) = (ramp[i], ramp[i + 1]);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
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
    // Written into one string, as `decorate` writes its titles.
    let mut title = String::with_capacity(node.name.len() + path.len() + 160);
    title.push_str(&node.name);
    title.push('\n');
    let amounts = |title: &mut String| {
        push_thousands(title, before);
        title.push_str(" → ");
        push_amount(title, after, metric.unit());
        title.push_str(" (");
        if before == 0 && after > 0 && node.sides.is_some() && !node.is_dir() {
            title.push_str("new");
        } else if after == 0 && before > 0 && !node.is_dir() {
            title.push_str("deleted");
        } else if before == 0 {
            title.push_str(&signed(delta));
        } else {
            use std::fmt::Write;
            let _ = write!(
                title,
                "{}, {:+.1}%",
                signed(delta),
                delta as f64 * 100.0 / before as f64
            );
        }
        title.push(')');
    };
    match &node.kind {
        Kind::File(language) => {
            push_all(&mut title, &[path, " · ", language.name(), " · "]);
            amounts(&mut title);
        }
        Kind::Dir => {
            push_all(&mut title, &[path, "/ · "]);
            amounts(&mut title);
        }
        Kind::FileAndDir(file) => {
            let language = file.language.name();
            let (then, now) = if Change::of(&file.sides).before.files > 0 {
                (format!("{language} file"), "directory".to_string())
            } else {
                ("directory".to_string(), format!("{language} file"))
            };
            push_all(
                &mut title,
                &[
                    path,
                    " · ",
                    &then,
                    " at the earlier revision, ",
                    &now,
                    " at the later · ",
                ],
            );
            amounts(&mut title);
        }
        Kind::Small(merged) => {
            push_thousands(&mut title, merged.entries);
            title.push_str(" entries too narrow to draw, merged · ");
            amounts(&mut title);
        }
    }
    title.push('\n');
    if node.is_dir() || matches!(node.kind, Kind::Small(_)) {
        title.push_str("files: ");
        push_thousands(&mut title, change.before.files);
        title.push_str(" → ");
        push_thousands(&mut title, change.after.files);
    } else {
        push_all(
            &mut title,
            &[
                &human_bytes(change.before.bytes),
                " → ",
                &human_bytes(change.after.bytes),
            ],
        );
    }
    Decoration {
        title,
        fill: change_color(before, after),
        label: is_root.then(|| node.name.to_string()),
        hidden: false,
        hatch: Hatch::None,
        merged: false,
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

/// How much of the totals is generated, vendored or documentation, in
/// the summary's metric, and which: `("81%", "vendored or generated")`,
/// the classes largest first. `None` when none of it is.
pub(crate) fn marked_share(summary: &Summary) -> Option<(String, String)> {
    let metric = summary.metric;
    let mut classes: Vec<(Class, u64)> = summary
        .marked
        .iter()
        .map(|(class, counts)| (*class, counts.get(metric)))
        .filter(|(_, value)| *value > 0)
        .collect();
    if classes.is_empty() {
        return None;
    }
    classes.sort_by_key(|(class, value)| (std::cmp::Reverse(*value), *class));
    let marked: u64 = classes.iter().map(|(_, value)| value).sum();
    let names: Vec<&str> = classes.iter().map(|(class, _)| class.name()).collect();
    Some((
        rough_percent(marked, summary.totals.get(metric)),
        either(&names),
    ))
}

/// What the subtitle says of code that is not the user's own: how much of
/// the graph it is and the flag that hides it ("81% vendored or generated:
/// --own shows your code alone"), or how much `--own` or an `--exclude-…`
/// left out ("8,672 vendored or generated code lines left out").
pub(crate) fn class_notes(summary: &Summary) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((share, classes)) = marked_share(summary) {
        notes.push(format!("{share} {classes}: {OWN_HINT}"));
    }
    if let Some(left_out) = left_out(summary) {
        notes.push(left_out);
    }
    notes
}

/// What hides generated, vendored and documentation files.
pub(crate) const OWN_HINT: &str = "--own shows your code alone";

/// "8,672 vendored or generated code lines left out" (or files, when they
/// have none of the metric).
pub(crate) fn left_out(summary: &Summary) -> Option<String> {
    if summary.left_out.is_empty() {
        return None;
    }
    let metric = summary.metric;
    let total = summary
        .left_out
        .iter()
        .fold(Counts::default(), |mut sum, (_, c)| {
            sum += *c;
            sum
        });
    // In the metric, or in files when none of it has any of the metric;
    // naming the classes that have some.
    let measure = match total.get(metric) {
        0 => Metric::Files,
        _ => metric,
    };
    let mut classes: Vec<&(Class, Counts)> = summary
        .left_out
        .iter()
        .filter(|(_, counts)| counts.get(measure) > 0)
        .collect();
    classes.sort_by_key(|(class, counts)| (std::cmp::Reverse(counts.get(measure)), *class));
    let names: Vec<&str> = classes.iter().map(|(class, _)| class.name()).collect();
    let (value, unit) = (total.get(measure), measure.unit());
    let amount = amount(value, unit);
    // "8,672 vendored or generated code lines": the classes go before the unit.
    let (number, unit) = amount.split_once(' ').unwrap_or((&amount, ""));
    Some(format!("{number} {} {unit} left out", either(&names)))
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
    use crate::render::palette::delta_e;
    use tokei::LanguageType;

    #[test]
    fn merged_frames_are_hatched_in_proportion_and_outlined() {
        use crate::classify::{Class, Classification};
        use crate::record::Record;
        use tokei::LanguageType;
        let record = |path: &str, code: u64, class: Option<Class>| {
            let mut record = Record::one(
                path.into(),
                LanguageType::Go,
                Counts {
                    files: 1,
                    code,
                    ..Counts::default()
                },
            );
            record.class = class.map(|class| {
                Box::new(Classification {
                    class,
                    reason: "made up".into(),
                })
            });
            record
        };
        let mut tree = Tree::build(
            b"r",
            vec![
                record("internal/api/api.pb.go", 25, Some(Class::Generated)),
                record("internal/server.go", 75, None),
                record("vendor/x/a.go", 40, Some(Class::Vendored)),
                record("vendor/x/b.go", 60, Some(Class::Vendored)),
                record("main.go", 10, None),
            ],
        );
        let unfolded = tree.clone();
        crate::views::fold_below(&mut tree, 1, Metric::Code);
        let node = |tree: &Tree, name: &str| {
            tree.nodes
                .iter()
                .find(|n| &*n.name == name)
                .unwrap()
                .clone()
        };
        let decorate = |node: &Node| decorate(node, "p", Metric::Code, 210, false);

        // Folded: a quarter generated, a quarter hatched.
        let internal = decorate(&node(&tree, "internal"));
        assert_eq!(internal.hatch, Hatch::Part(0.25));
        assert!(internal.merged && internal.marked());
        assert!(
            internal.title.ends_with("\n25% generated"),
            "{}",
            internal.title
        );
        // All vendored: all of it, paled by the hatch (its fill is a folded
        // directory's, not a vendored file's).
        let vendor = decorate(&node(&tree, "vendor"));
        assert_eq!(vendor.hatch, Hatch::Part(1.0));
        assert!(
            vendor.title.ends_with("\n100% vendored"),
            "{}",
            vendor.title
        );
        // A file: hatched whole, not outlined.
        let main = decorate(&node(&tree, "main.go"));
        assert_eq!((main.hatch, main.merged), (Hatch::None, false));
        let file = decorate(&node(&unfolded, "a.go"));
        assert_eq!((file.hatch, file.merged), (Hatch::File, false));
        // A directory drawn with its entries: they show what they are.
        let open = decorate(&node(&unfolded, "vendor"));
        assert_eq!((open.hatch, open.merged), (Hatch::None, false));
        assert!(open.title.ends_with("\n100% vendored"), "{}", open.title);

        // Small entries merged: as much hatched as is marked.
        let mut merged = unfolded.clone();
        crate::views::merge_small(&mut merged, Metric::Code, 101);
        let small = merged
            .nodes
            .iter()
            .find(|n| matches!(n.kind, Kind::Small(_)) && n.depth == 1)
            .unwrap();
        assert_eq!(&*small.name, "(2 directories, 5 files)");
        let small = decorate(small);
        assert_eq!(small.hatch, Hatch::Part(125.0 / 210.0));
        assert!(small.merged);
        assert!(
            small
                .title
                .contains("\n2 directories and 1 file too narrow to draw, merged: "),
            "{}",
            small.title
        );
    }

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

    #[test]
    fn change_depth_is_logarithmic_and_saturates_late() {
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let step = 1.0 / 3.5;
        assert!(near(change_depth(1000, 1003), 0.0), "+0.3%");
        assert!(near(change_depth(100, 101), 0.5 * step), "+1%");
        assert!(near(change_depth(100, 110), 1.5 * step), "+10%");
        assert!(near(change_depth(100, 200), 2.5 * step), "+100%");
        assert!(near(change_depth(100, 1100), 1.0), "+1000%");
        assert!(near(change_depth(100, 5000), 1.0), "saturated");
        assert!(near(change_depth(100_000, 100_001), 0.0), "below +0.3%");
        // A shrink is as deep as the growth back.
        assert!(near(change_depth(200, 100), change_depth(100, 200)));
    }

    /// The changes the issue names, +0.6%, +2.7%, +21% and +96%, "nearly
    /// the same salmon" before: each plainly apart from the next (CIE76
    /// ΔE; 2.3 is just noticeable, 10 plainly different), and +1% from
    /// +100% by far.
    #[test]
    fn growths_of_different_sizes_look_different() {
        let colours: Vec<Rgb> = [1006, 1027, 1210, 1960]
            .iter()
            .map(|&after| change_color(1000, after))
            .collect();
        for pair in colours.windows(2) {
            let d = delta_e(pair[0], pair[1]);
            assert!(
                d >= 10.0,
                "{} and {}: ΔE {d:.1}",
                pair[0].hex(),
                pair[1].hex()
            );
        }
        let d = delta_e(change_color(100, 101), change_color(100, 200));
        assert!(d >= 30.0, "+1% and +100%: ΔE {d:.1}");
        let d = delta_e(change_color(100, 99), change_color(100, 50));
        assert!(d >= 30.0, "−1% and −50%: ΔE {d:.1}");
        // New and deleted code stay the deepest.
        for (end, deepest) in [
            (NEW, change_color(1, 1000)),
            (DELETED, change_color(1000, 1)),
        ] {
            assert!(delta_e(end, deepest) >= 10.0, "{}", end.hex());
        }
    }

    #[test]
    fn the_diff_legend_reads_as_one_scale_and_says_what_depth_and_width_are() {
        let legend = diff_legend(Metric::Code, 1200);
        let texts: Vec<&str> = legend.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts[..11],
            [
                "new",
                "+1000%",
                "+100%",
                "+10%",
                "+1%",
                "unchanged",
                "\u{2212}1%",
                "\u{2212}10%",
                "\u{2212}50%",
                "\u{2212}90%",
                "deleted"
            ]
        );
        assert!(
            legend.items[..11]
                .iter()
                .all(|i| i.swatch.is_some() && i.row == 0)
        );
        // Depth and width are said in words, without a swatch.
        let words: Vec<&LegendItem> = legend.items[11..].iter().collect();
        assert!(words.iter().all(|i| i.swatch.is_none() && i.row == 1));
        let said: String = words.iter().map(|i| i.text.as_str()).collect();
        assert!(said.contains("deeper = larger change"), "{said}");
        assert!(
            said.contains("width = the larger of before and after"),
            "{said}"
        );
        assert_eq!(legend.rows(), 2);
        // The unchanged swatch shows on the background (#e8e8e8 at its
        // darkest, #f8f8f8 at its lightest).
        for background in [Rgb(0xe8, 0xe8, 0xe8), Rgb(0xf8, 0xf8, 0xf8)] {
            let d = delta_e(UNCHANGED, background);
            assert!(d >= 8.0, "unchanged on {}: ΔE {d:.1}", background.hex());
        }
    }

    fn summary(values: &[u64]) -> Summary {
        let languages: Vec<(LanguageType, Counts)> = LanguageType::list()
            .iter()
            .zip(values)
            .map(|((language, _), &code)| {
                let counts = Counts {
                    files: 1,
                    code,
                    ..Counts::default()
                };
                (*language, counts)
            })
            .collect();
        let mut totals = Counts::default();
        for (_, c) in &languages {
            totals += *c;
        }
        Summary {
            totals,
            languages,
            ..Summary::default()
        }
    }

    #[test]
    fn the_legend_groups_the_tail_and_stays_within_two_rows() {
        // Three large languages, then 40 of a line each (under 0.01%).
        let mut values = vec![400_000, 300_000, 200_000];
        values.extend(std::iter::repeat_n(1, 40));
        let legend = legend(&summary(&values), Metric::Code, 1200, false);
        let texts: Vec<&str> = legend.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert_eq!(texts[3], "+ 40 more, <0.01%");
        let rest = &legend.items[3];
        assert!(rest.swatch.is_none());
        assert!(
            rest.tooltip
                .starts_with("40 code lines in 40 more languages: ")
        );
        assert_eq!(rest.tooltip.matches("1 code line").count(), 40);
        assert_eq!(legend.rows(), 1);

        // Sixty languages of 1% to 2%: as many as fit in two rows (with
        // the item for hatched frames), the rest in one.
        let values: Vec<u64> = (0..60).map(|i| 2000 - 10 * i).collect();
        let legend = super::legend(&summary(&values), Metric::Code, 1200, true);
        assert_eq!(legend.rows(), LEGEND_ROWS);
        let last = legend.items.last().unwrap();
        assert!(last.hatched, "the marked item comes last");
        let rest = &legend.items[legend.items.len() - 2];
        assert!(rest.text.starts_with("+ "), "{}", rest.text);
        let shown = legend.items.len() - 2;
        assert!(shown >= 10, "only {shown} languages shown");
        assert!(rest.text.starts_with(&format!("+ {} more, ", 60 - shown)));
        assert!(
            legend
                .items
                .iter()
                .all(|i| i.x + item_width(i) - 14.0 <= 1190.0)
        );

        // A single tiny language is shown as itself.
        let legend = super::legend(&summary(&[100_000, 1]), Metric::Code, 1200, false);
        let texts: Vec<&str> = legend.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[1].ends_with("<0.01%"), "{texts:?}");
    }
}
