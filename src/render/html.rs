//! The report page, `--format html`: one self-contained HTML5 file, the CI
//! artifact people open from a build.
//!
//! It holds the interactive flame graph, the legend of languages and
//! sortable tables of the languages, the largest directories and the
//! largest files. Nothing is fetched: no external script, font or
//! stylesheet, so the page opens offline.
//!
//! The SVG is inlined, not linked as an `<img>`, so that its script (click
//! to zoom, Ctrl-F search, hover details) keeps working. What inlining
//! takes:
//!
//! - The XML declaration and doctype are dropped: HTML5 has no place for
//!   them.
//! - In HTML the SVG is parsed as foreign content: its `<script>` and
//!   `<style>` keep their CDATA sections and entities, and both apply to
//!   the whole page. The script runs in the page's global scope and looks
//!   its elements up by id (`details`, `frames`, `search`, …) and takes the
//!   first `<svg>` of the document, so the page adds no other `<svg>`, uses
//!   only `rf-` ids and classes (the SVG's CSS styles `.hide` and
//!   `.parent`), and keeps its own script inside a function.
//! - The SVG starts itself with `onload="init(evt)"`. Chromium does fire
//!   `load` at an inline `<svg>`, but only with the window's `load`, after
//!   `DOMContentLoaded` (measured); the page's script calls `init` as soon
//!   as the document is parsed and makes it run once, so the later `load`
//!   does nothing, and a browser that never fires it still gets a graph.
//! - Fluid width: `init` removes the SVG's `width` attribute and then
//!   reads `svg.width.baseVal`, which for an inline SVG resolves against
//!   its box; CSS gives that box the width of the page's column.

use std::io::{self, Write};

// All of `& < > " '` as references (`'` as `&apos;`, which HTML5 knows),
// so that user text is safe alike in an element's text and in a quoted
// attribute value.
use quick_xml::escape::escape;
use tokei::LanguageType;

use crate::classify::Class;
use crate::config::{Color, Metric};
use crate::escape::escape_text;
use crate::history::{self, History, Stats};
use crate::record::Counts;
use crate::record::{Sides, Summary};
use crate::render::{labels, palette};
use crate::tree::{Change, Kind, Node, Tree};
use crate::units::human_bytes;
use crate::units::{percent, relative_change, signed, thousands};

/// What the page shows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page<'a> {
    /// The heading and the window title, e.g. `repoflame` or `repo @ v1.2`:
    /// user text, escaped here with
    /// [`escape_text`], then for HTML.
    pub title: &'a str,
    /// The line under the heading (totals).
    pub subtitle: &'a str,
    /// The complete interactive SVG, as [`crate::render::svg`] writes it.
    pub svg: &'a [u8],
    /// Totals and per-language counts.
    pub summary: &'a Summary,
    /// The tree the tables of the largest directories and files are taken
    /// from: best before small entries are merged for drawing, which hides
    /// the directories and files it merges.
    pub tree: &'a Tree,
    /// The number that sizes the frames and ranks the rows.
    pub metric: Metric,
    /// With a colour of history: the history, and whether the first
    /// frame below the root is a language (`--by-language`).
    pub history: Option<(&'a History, Color, bool)>,
}

/// How many of the largest directories, and of the largest files, are
/// listed.
pub(crate) const LARGEST: usize = 20;

/// Writes the report page of `page` to `out`.
///
/// Fails with [`io::ErrorKind::InvalidData`] when `page.svg` is not an SVG
/// document in UTF-8.
pub(crate) fn write<W: Write>(page: &Page<'_>, out: W) -> io::Result<()> {
    let svg = inline_svg(page.svg)?;
    let metric = page.metric;
    let unit = metric.unit();
    let mut out = io::BufWriter::new(out);

    // User text: escaped for a terminal and XML first (`--title` may hold
    // anything), then for HTML.
    let title = escape(escape_text(page.title));
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"repoflame\">\n<title>{title}</title>\n\
         <style>\n{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n\
         <p class=\"rf-sub\">{}</p>\n<p class=\"rf-how\">How to read: each frame is a \
         directory or a file, as wide as its {unit}; {colour}. Click a frame to zoom in \
         and <b>Reset Zoom</b> to go back; Ctrl-F or <b>Search</b> highlights what \
         a term matches: paths and names (a regular expression) or a language; hover \
         for the path and counts.</p>\n\
         </header>\n<main>\n<section class=\"rf-graph\" aria-label=\"Flame graph\">\n",
        escape(escape_text(page.subtitle)),
        colour = if let Some((history, color, by_language)) = page.history {
            let what = match color {
                Color::Age => "the more recent its last change",
                Color::Authors => "the more authors changed it",
                _ => "the more commits changed it",
            };
            let below = match by_language {
                true => "its language's files below it",
                false => "everything below it",
            };
            format!(
                "colour is history in {}: the deeper red, {what} (a directory: {below}); \
                 grey did not change in the window",
                escape(history.describe())
            )
        } else if page.tree.has_sides() {
            "red grew, blue shrank, deeper the larger the change relative to the frame".into()
        } else {
            "files are coloured by language, generated, vendored and documentation files \
             paler and hatched; a dashed frame is a directory folded by --depth or small \
             entries merged, hatched in proportion to what of it is generated, vendored or \
             documentation"
                .into()
        },
    )?;
    out.write_all(svg)?;
    out.write_all(b"\n</section>\n")?;

    // With code that is not the user's own, the tables say whose each row
    // is, and a switch shows them for all code or for the user's own
    // alone (the graph is drawn once, of all code: `--own` draws the own
    // code alone).
    let summary = page.summary;
    let switch = !summary.marked.is_empty();
    if switch {
        write_switch(&mut out, summary, metric, !page.tree.has_sides())?;
    }
    let codes: &[Code] = if switch {
        &[Code::All, Code::Own]
    } else {
        &[Code::All]
    };

    match &summary.sides {
        // A diff: each language before and after, of all code.
        Some(sides) if sides.totals.len() > 1 => {
            write_language_changes(&mut out, sides, metric, codes, switch)?
        }
        _ => {
            // Largest first by the page's metric, whatever the summary was sorted by.
            let mut languages: Vec<&(LanguageType, Counts)> = summary.languages.iter().collect();
            languages.sort_by_key(|(_, counts)| std::cmp::Reverse(counts.get(metric)));
            let mut own_languages: Vec<&(LanguageType, Counts)> =
                summary.own_languages.iter().collect();
            own_languages.sort_by_key(|(_, counts)| std::cmp::Reverse(counts.get(metric)));
            let bodies = codes
                .iter()
                .map(|&code| {
                    let (list, totals) = match code {
                        Code::All => (&languages, summary.totals),
                        Code::Own => (&own_languages, own_totals(summary)),
                    };
                    let rows = list
                        .iter()
                        .map(|(language, counts)| Row {
                            name: language.name().into(),
                            language: Some(*language),
                            class: None,
                            counts: *counts,
                        })
                        .collect();
                    Body::new(code, switch, rows, Some(totals), totals.get(metric))
                })
                .collect();
            write_languages(&mut out, &languages, summary.totals, metric, bodies)?;
        }
    }

    let root = page.tree.root();
    let dirs: Vec<Body> = codes
        .iter()
        .map(|&code| {
            let rows = largest(page.tree, metric, LARGEST, code, Node::is_dir)
                .into_iter()
                .map(|(path, node, counts)| Row {
                    name: path,
                    language: None,
                    class: switch.then(|| class_of(node, code, metric)),
                    counts,
                })
                .collect();
            Body::new(code, switch, rows, None, code.counts(root).get(metric))
        })
        .collect();
    if dirs.iter().any(|b| !b.rows.is_empty()) {
        writeln!(out, "<section>\n<h2>Largest directories</h2>")?;
        for body in &dirs {
            writeln!(
                out,
                "<p class=\"rf-note\"{}>The {} largest directories by {unit}{}, at any \
                 depth (a directory that holds just one directory is listed as that one).</p>",
                body.attribute(),
                body.rows.len(),
                body.code.of_whom(),
            )?;
        }
        let table = Table {
            id: "rf-dirs",
            first: "Directory",
            with_language: false,
            with_class: switch,
            bodies: &dirs,
        };
        table.write(&mut out, metric)?;
        writeln!(out, "</section>")?;
    }
    let files: Vec<Body> = codes
        .iter()
        .map(|&code| {
            let rows = largest(page.tree, metric, LARGEST, code, |n| {
                matches!(n.kind, Kind::File(_))
            })
            .into_iter()
            .map(|(path, node, counts)| Row {
                name: path,
                language: match node.kind {
                    Kind::File(language) => Some(language),
                    _ => None,
                },
                class: switch.then(|| class_of(node, code, metric)),
                counts,
            })
            .collect();
            Body::new(code, switch, rows, None, code.counts(root).get(metric))
        })
        .collect();
    if let Some((history, _, by_language)) = page.history {
        write_hotspots(
            &mut out,
            page.tree,
            history,
            by_language,
            metric,
            codes,
            switch,
        )?;
    }
    if files.iter().any(|b| !b.rows.is_empty()) {
        writeln!(out, "<section>\n<h2>Largest files</h2>")?;
        for body in &files {
            writeln!(
                out,
                "<p class=\"rf-note\"{}>The {} largest files by {unit}{}.</p>",
                body.attribute(),
                body.rows.len(),
                body.code.of_whom(),
            )?;
        }
        let table = Table {
            id: "rf-files",
            first: "File",
            with_language: true,
            with_class: switch,
            bodies: &files,
        };
        table.write(&mut out, metric)?;
        writeln!(out, "</section>")?;
    }
    write!(
        out,
        "</main>\n<footer>Drawn by repoflame. Lines are counted as tokei counts them; \
         nothing on this page is fetched from the network.</footer>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    )?;
    out.flush()
}

/// How many hotspots are listed.
pub(crate) const HOTSPOTS: usize = 20;

/// The hotspots table: the files that are large and change often, ranked
/// by `metric` × commits in the window (then by path), as the graph shows
/// them: wide and hot. A body per choice of the switch (all code, the
/// user's own), as the other tables have.
fn write_hotspots(
    out: &mut impl Write,
    tree: &Tree,
    history: &History,
    by_language: bool,
    metric: Metric,
    codes: &[Code],
    switch: bool,
) -> io::Result<()> {
    struct Hotspot<'t> {
        score: u128,
        path: String,
        language: LanguageType,
        value: u64,
        stats: Stats,
        node: &'t Node,
    }
    let bodies: Vec<(Code, Vec<Hotspot>)> = codes
        .iter()
        .map(|&code| {
            let mut rows: Vec<Hotspot> = Vec::new();
            let start = usize::from(tree.root().is_dir());
            let mut names: Vec<&str> = Vec::new();
            for node in tree.nodes.iter().skip(start) {
                names.truncate(node.depth as usize - start);
                names.push(&node.name);
                let Kind::File(language) = node.kind else {
                    continue;
                };
                // By language, the history is keyed by the view's path
                // (see History::by_language); the table shows the file's.
                let key = names.join("/");
                let skip = usize::from(by_language && names.len() > 1);
                let value = code.counts(node).get(metric);
                if let history::Entry::Changed(stats) = history.entry(&key, true) {
                    let score = u128::from(value) * u128::from(stats.commits);
                    if score > 0 {
                        let path = names[skip..].join("/");
                        rows.push(Hotspot {
                            score,
                            path,
                            language,
                            value,
                            stats,
                            node,
                        });
                    }
                }
            }
            rows.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.path.cmp(&b.path)));
            rows.truncate(HOTSPOTS);
            (code, rows)
        })
        .collect();
    if bodies.iter().all(|(_, rows)| rows.is_empty()) {
        return Ok(());
    }
    let unit = metric.unit();
    writeln!(out, "<section>\n<h2>Hotspots</h2>")?;
    for (code, rows) in &bodies {
        writeln!(
            out,
            "<p class=\"rf-note\"{}>The {} files with the most {unit} × commits in {}{}: \
             large files that change often, where review and defects concentrate.</p>",
            code_attribute(switch, *code),
            rows.len(),
            escape(history.describe()),
            code.of_whom(),
        )?;
    }
    let mut unit_title = unit.to_string();
    unit_title[..1].make_ascii_uppercase();
    writeln!(
        out,
        "<div class=\"rf-scroll\"><table class=\"rf-table\" id=\"rf-hotspots\">\n<thead><tr>{}{}{}{}{}{}{}{}</tr></thead>",
        th("text", "File", false),
        if switch {
            th("text", "Class", false)
        } else {
            String::new()
        },
        th("text", "Language", false),
        th("num", &escape(&unit_title), false),
        th("num", "Commits", false),
        th("num", "Authors", false),
        th("text", "Last change", false),
        th("num", &format!("{} × commits", escape(unit)), true),
    )?;
    for (code, rows) in &bodies {
        writeln!(out, "<tbody{}>", code_attribute(switch, *code))?;
        for row in rows {
            let (stats, value, score) = (&row.stats, row.value, row.score);
            write!(
                out,
                "<tr><td class=\"rf-name\">{}</td>",
                breakable(&row.path)
            )?;
            if switch {
                class_cell(out, &class_of(row.node, *code, metric))?;
            }
            writeln!(
                out,
                "<td class=\"rf-lang\">{}{}</td>\
                 <td data-v=\"{value}\">{}</td><td data-v=\"{}\">{}</td>\
                 <td data-v=\"{}\" title=\"{}% of the commits by {}\">{}</td><td>{}</td>\
                 <td data-v=\"{score}\">{}</td></tr>",
                swatch(row.language),
                escape(row.language.name()),
                thousands(value),
                stats.commits,
                thousands(u64::from(stats.commits)),
                stats.authors,
                u64::from(stats.top_commits) * 100 / u64::from(stats.commits.max(1)),
                escape(&stats.top_author),
                stats.authors,
                history::date(stats.last.time, stats.last.offset),
                thousands(u64::try_from(score).unwrap_or(u64::MAX)),
            )?;
        }
        writeln!(out, "</tbody>")?;
    }
    writeln!(out, "</table></div>\n</section>")
}

/// The SVG as an element of an HTML page: from its root `<svg` start tag
/// to its last `</svg>`, without the XML declaration and doctype before.
fn inline_svg(svg: &[u8]) -> io::Result<&[u8]> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    std::str::from_utf8(svg).map_err(|_| invalid("the SVG is not UTF-8"))?;
    let start = memchr::memmem::find_iter(svg, b"<svg")
        .find(|&i| {
            svg.get(i + 4)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
        })
        .ok_or_else(|| invalid("no <svg> element in the SVG"))?;
    let end = memchr::memmem::rfind(svg, b"</svg>")
        .filter(|&end| end > start)
        .ok_or_else(|| invalid("the SVG's <svg> element is not closed"))?
        + b"</svg>".len();
    if !svg[end..].iter().all(u8::is_ascii_whitespace) {
        return Err(invalid("text after the SVG's <svg> element"));
    }
    Ok(&svg[start..end])
}

/// The legend of the languages present and the table of all languages.
fn write_languages(
    out: &mut impl Write,
    languages: &[&(LanguageType, Counts)],
    totals: Counts,
    metric: Metric,
    bodies: Vec<Body>,
) -> io::Result<()> {
    let total = totals.get(metric);
    write!(
        out,
        "<section>\n<h2>Languages</h2>\n<div class=\"rf-bar\" aria-hidden=\"true\">"
    )?;
    let present: Vec<_> = languages
        .iter()
        .filter(|(_, counts)| counts.get(metric) > 0)
        .collect();
    for (language, counts) in &present {
        let share = 100.0 * counts.get(metric) as f64 / total.max(1) as f64;
        write!(
            out,
            "<span style=\"width:{share:.3}%;background:{}\"></span>",
            palette::language_color(*language).hex()
        )?;
    }
    writeln!(out, "</div>\n<ul class=\"rf-legend\">")?;
    for (language, counts) in &present {
        let value = counts.get(metric);
        let name = escape(language.name());
        writeln!(
            out,
            "<li title=\"{name}: {} ({}) in {}\">{}{name} <span class=\"rf-share\">{}</span></li>",
            metric.amount(value),
            percent(value, total),
            crate::units::files(counts.files),
            swatch(*language),
            percent(value, total),
        )?;
    }
    writeln!(out, "</ul>")?;
    let table = Table {
        id: "rf-languages",
        first: "Language",
        with_language: false,
        with_class: false,
        bodies: &bodies,
    };
    table.write(out, metric)?;
    writeln!(out, "</section>")
}

/// The table of languages of a diff: files and the metric before and
/// after, and the change, largest first by the larger side.
fn write_language_changes(
    out: &mut impl Write,
    sides: &Sides,
    metric: Metric,
    codes: &[Code],
    switch: bool,
) -> io::Result<()> {
    let unit = metric.unit();
    writeln!(out, "<section>\n<h2>Languages</h2>")?;
    for &code in codes {
        writeln!(
            out,
            "<p class=\"rf-note\"{}>Files and {unit} of each language at the earlier \
             revision (before) and the later one (after){}.</p>",
            code_attribute(switch, code),
            code.of_whom()
        )?;
    }
    write!(
        out,
        "<div class=\"rf-scroll\"><table class=\"rf-table\" id=\"rf-languages\">\n<thead><tr>{}",
        th("text", "Language", false)
    )?;
    for label in ["Files before", "Files after"] {
        write!(out, "{}", th("num", label, false))?;
    }
    let metric_name = escape(unit);
    write!(
        out,
        "{}",
        th("num", &format!("{metric_name} before"), false)
    )?;
    write!(out, "{}", th("num", &format!("{metric_name} after"), true))?;
    writeln!(
        out,
        "{}{}</tr></thead>",
        th("num", "Change", false),
        th("num", "Change %", false)
    )?;
    let cells = |out: &mut dyn Write, counts: &[Counts]| -> io::Result<()> {
        let change = Change::of(counts);
        let (b, a) = (change.before.get(metric), change.after.get(metric));
        for n in [change.before.files, change.after.files, b, a] {
            write!(out, "<td data-v=\"{n}\">{}</td>", thousands(n))?;
        }
        let delta = i128::from(a) - i128::from(b);
        // Sorted by the relative change; new code above any growth.
        let ratio = if b == 0 {
            if a == 0 { 0.0 } else { f64::MAX }
        } else {
            delta as f64 / b as f64
        };
        write!(
            out,
            "<td data-v=\"{delta}\">{}</td><td data-v=\"{ratio:e}\">{}</td>",
            signed(delta),
            relative_change(b, a)
        )
    };
    // The user's own code at each side: all of it less what is marked.
    let own_totals: Vec<Counts> = (0..sides.totals.len())
        .map(|i| {
            sides
                .marked
                .iter()
                .fold(sides.totals[i], |own, (_, marked)| own - marked[i])
        })
        .collect();
    let bodies = |code: Code| match code {
        Code::All => (&sides.languages, &sides.totals),
        Code::Own => (&sides.own_languages, &own_totals),
    };
    for &code in codes {
        writeln!(out, "<tbody{}>", code_attribute(switch, code))?;
        for (language, counts) in bodies(code).0 {
            write!(
                out,
                "<tr><td class=\"rf-name\">{}{}</td>",
                swatch(*language),
                breakable(language.name())
            )?;
            cells(out, counts)?;
            writeln!(out, "</tr>")?;
        }
        write!(out, "</tbody>")?;
    }
    write!(out, "\n<tfoot>")?;
    for &code in codes {
        write!(out, "<tr{}><td>Total</td>", code_attribute(switch, code))?;
        cells(out, bodies(code).1)?;
        write!(out, "</tr>")?;
    }
    writeln!(out, "</tfoot>\n</table></div>\n</section>")
}

/// `name` escaped, with a line break allowed after each `/` of a path.
fn breakable(name: &str) -> String {
    let html = escape(name).replace('/', "/<wbr>");
    match html.strip_suffix("<wbr>") {
        Some(trimmed) => trimmed.to_string(),
        None => html,
    }
}

fn swatch(language: LanguageType) -> String {
    format!(
        "<span class=\"rf-sw\" style=\"background:{}\"></span>",
        palette::language_color(language).hex()
    )
}

/// Whose code a body of a table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Code {
    /// Everything counted.
    All,
    /// The user's own code: not generated, vendored or documentation.
    Own,
}

impl Code {
    /// The counts of `node` it holds.
    fn counts(self, node: &Node) -> Counts {
        match self {
            Code::All => node.counts,
            Code::Own => node.own(),
        }
    }

    /// What a note on a table adds: whose code its rows are.
    fn of_whom(self) -> &'static str {
        match self {
            Code::All => "",
            Code::Own => ", counting your own code alone",
        }
    }
}

/// The attribute of what belongs to one side of the switch between all
/// code and the user's own (nothing without the switch): the page's
/// script shows the side chosen, the user's own hidden at first.
fn code_attribute(switched: bool, code: Code) -> &'static str {
    match (switched, code) {
        (false, _) => "",
        (true, Code::All) => " data-rf-code=\"all\"",
        (true, Code::Own) => " data-rf-code=\"own\" hidden",
    }
}

/// The totals of the user's own code.
fn own_totals(summary: &Summary) -> Counts {
    summary
        .marked
        .iter()
        .fold(summary.totals, |own, (_, marked)| own - *marked)
}

/// The switch between all code and the user's own, for the tables: radio
/// buttons that show the table bodies of their choice (the page's
/// script), saying how much each holds.
/// `hatched`: whether the graph hatches the marked code (a diff's
/// colours are the change alone).
fn write_switch(
    out: &mut impl Write,
    summary: &Summary,
    metric: Metric,
    hatched: bool,
) -> io::Result<()> {
    let (share, classes) = labels::marked_share(summary).unwrap_or_default();
    let graph = if hatched {
        format!("all code, the {} hatched", escape(&classes))
    } else {
        "all code".to_string()
    };
    let own = own_totals(summary).get(metric);
    write!(
        out,
        "<div class=\"rf-switch\" role=\"radiogroup\" aria-label=\"Code in the tables\">\
         <span>Tables of</span>\
         <label><input type=\"radio\" name=\"rf-code\" value=\"all\" checked> all code \
         <span class=\"rf-share\">{all}</span></label>\
         <label><input type=\"radio\" name=\"rf-code\" value=\"own\"> your own code \
         <span class=\"rf-share\">{own}, without the {share} {classes}</span></label>\
         </div>\n\
         <p class=\"rf-note\">The graph shows {graph}; \
         <code>repoflame --own</code> draws your own code alone.</p>\n",
        all = escape(metric.amount(summary.totals.get(metric))),
        own = escape(metric.amount(own)),
        share = escape(&share),
        classes = escape(&classes),
    )
}

/// The table cell of a class, its reason or shares on hover.
fn class_cell(out: &mut impl Write, class: &ClassCell) -> io::Result<()> {
    write!(
        out,
        "<td class=\"rf-class\" title=\"{}\">{}</td>",
        escape(&class.title),
        escape(&class.text)
    )
}

/// What a directory or file of the tables is: "own", "vendored",
/// "generated", "documentation", or for a directory of several, the shares
/// ("34% generated"), with the reason or the shares on hover.
fn class_of(node: &Node, code: Code, metric: Metric) -> ClassCell {
    let own = || ClassCell {
        text: "own".into(),
        title: "your own code: not generated, vendored or documentation".into(),
    };
    if code == Code::Own {
        return own();
    }
    if let Some(class) = &node.class {
        return ClassCell {
            text: class.class.name().into(),
            title: class.to_string(),
        };
    }
    let marked = node.marked();
    let classes: Vec<Class> = Class::ALL
        .into_iter()
        .filter(|&class| marked.get(class).get(metric) > 0)
        .collect();
    let value = node.counts.get(metric);
    match (classes.as_slice(), labels::marked_shares(node, metric)) {
        (_, None) => own(),
        ([one], Some(shares)) if marked.get(*one).get(metric) == value => ClassCell {
            text: one.name().into(),
            title: shares,
        },
        (_, Some(shares)) => ClassCell {
            text: shares.clone(),
            title: format!("{shares}; the rest your own code"),
        },
    }
}

/// The class column's cell of a row.
struct ClassCell {
    text: String,
    /// Why, on hover.
    title: String,
}

/// One row of a table: a language, a directory or a file.
struct Row {
    /// The first column, not yet escaped.
    name: String,
    /// A swatch in the first column (languages), or a column of its own
    /// (files).
    language: Option<LanguageType>,
    /// Whose code it is, when the table says.
    class: Option<ClassCell>,
    counts: Counts,
}

/// The rows of a table for all code or for the user's own, already in
/// order (largest first).
struct Body {
    code: Code,
    /// Whether the page has the switch: the body says which choice it is,
    /// and the own code's starts hidden.
    switched: bool,
    rows: Vec<Row>,
    /// A last row of totals.
    totals: Option<Counts>,
    /// What shares are of.
    total: u64,
}

impl Body {
    fn new(code: Code, switched: bool, rows: Vec<Row>, totals: Option<Counts>, total: u64) -> Body {
        Body {
            code,
            switched,
            rows,
            totals,
            total,
        }
    }

    /// The attributes of its elements: which choice of the switch shows
    /// them.
    fn attribute(&self) -> &'static str {
        code_attribute(self.switched, self.code)
    }
}

/// A sortable table: a body per choice of the switch (one without it).
struct Table<'a> {
    id: &'a str,
    /// The header of the first column.
    first: &'a str,
    /// A language column instead of the files column (a table of files).
    with_language: bool,
    /// A column that says whose code each row is.
    with_class: bool,
    bodies: &'a [Body],
}

/// A sortable column's header: `sort` is how its cells compare (`text`
/// or `number`), `sorted` marks the column the table comes sorted by.
fn th(sort: &str, label: &str, sorted: bool) -> String {
    let aria = if sorted {
        " aria-sort=\"descending\""
    } else {
        ""
    };
    format!(
        "<th scope=\"col\" data-sort=\"{sort}\"{aria}><button type=\"button\">{label}</button></th>"
    )
}

impl Table<'_> {
    fn write(&self, out: &mut impl Write, metric: Metric) -> io::Result<()> {
        write!(
            out,
            "<div class=\"rf-scroll\"><table class=\"rf-table\" id=\"{}\">\n<thead><tr>{}",
            self.id,
            th("text", self.first, false)
        )?;
        if self.with_class {
            write!(out, "{}", th("text", "Class", false))?;
        }
        if self.with_language {
            write!(out, "{}", th("text", "Language", false))?;
        } else {
            write!(out, "{}", th("num", "Files", false))?;
        }
        for label in ["Code", "Comments", "Blanks", "Lines", "Bytes"] {
            write!(out, "{}", th("num", label, false))?;
        }
        let share = format!("Share of {}", metric.unit());
        writeln!(out, "{}</tr></thead>", th("num", &share, true))?;
        for body in self.bodies {
            writeln!(out, "<tbody{}>", body.attribute())?;
            for row in &body.rows {
                write!(out, "<tr><td class=\"rf-name\">")?;
                match row.language {
                    Some(language) if !self.with_language => {
                        write!(out, "{}{}", swatch(language), breakable(&row.name))?
                    }
                    _ => write!(out, "{}", breakable(&row.name))?,
                }
                write!(out, "</td>")?;
                if let Some(class) = row.class.as_ref().filter(|_| self.with_class) {
                    class_cell(out, class)?;
                }
                if self.with_language {
                    match row.language {
                        Some(language) => write!(
                            out,
                            "<td class=\"rf-lang\">{}{}</td>",
                            swatch(language),
                            escape(language.name())
                        )?,
                        None => write!(out, "<td class=\"rf-lang\"></td>")?,
                    }
                }
                write_counts(out, &row.counts, !self.with_language, metric, body.total)?;
                writeln!(out, "</tr>")?;
            }
            write!(out, "</tbody>")?;
        }
        let totals: Vec<&Body> = self.bodies.iter().filter(|b| b.totals.is_some()).collect();
        if !totals.is_empty() {
            write!(out, "\n<tfoot>")?;
            for body in totals {
                write!(out, "<tr{}><td>Total</td>", body.attribute())?;
                if self.with_class {
                    write!(out, "<td></td>")?;
                }
                let counts = body.totals.unwrap_or_default();
                write_counts(out, &counts, true, metric, body.total)?;
                write!(out, "</tr>")?;
            }
            write!(out, "</tfoot>")?;
        }
        writeln!(out, "\n</table></div>")
    }
}

/// The number cells of a row; `data-v` holds the number sorted by.
fn write_counts(
    out: &mut impl Write,
    counts: &Counts,
    with_files: bool,
    metric: Metric,
    total: u64,
) -> io::Result<()> {
    if with_files {
        write!(
            out,
            "<td data-v=\"{0}\">{1}</td>",
            counts.files,
            thousands(counts.files)
        )?;
    }
    for n in [counts.code, counts.comments, counts.blanks, counts.lines()] {
        write!(out, "<td data-v=\"{n}\">{}</td>", thousands(n))?;
    }
    let value = counts.get(metric);
    write!(
        out,
        "<td data-v=\"{0}\" title=\"{1} bytes\">{2}</td><td data-v=\"{value}\">{3}</td>",
        counts.bytes,
        thousands(counts.bytes),
        human_bytes(counts.bytes),
        percent(value, total),
    )
}

/// The `n` largest nodes below the root that `pick` selects, by `metric`
/// of `code`'s counts (all, or the user's own) and then by path, with their
/// paths (a directory's ending in `/`) and those counts; nodes whose metric
/// is zero are left out, and so is a directory that holds nothing but one
/// directory (whose row would be the same): the deepest of such a chain
/// stands for it (`vendor/golang.org/x/`, not `vendor/golang.org/` too). A
/// one-file source is its own root.
fn largest(
    tree: &Tree,
    metric: Metric,
    n: usize,
    code: Code,
    pick: impl Fn(&Node) -> bool,
) -> Vec<(String, &Node, Counts)> {
    // Largest first: `(metric, path, node, counts)`, at most `n`.
    let mut rows: Vec<(u64, String, &Node, Counts)> = Vec::with_capacity(n + 1);
    let full_above = |rows: &Vec<(u64, String, &Node, Counts)>, value: u64| {
        rows.len() == n && rows.last().is_some_and(|(v, ..)| *v > value)
    };
    // Below the root, or the root itself for a one-file source.
    let start = usize::from(tree.root().is_dir());
    let mut names: Vec<&str> = Vec::new();
    let mut skip_until = 0;
    for (id, node) in tree.nodes.iter().enumerate().skip(start) {
        if id < skip_until {
            continue;
        }
        let counts = code.counts(node);
        let value = counts.get(metric);
        // Counts only add up: nothing below is larger.
        if value == 0 || full_above(&rows, value) {
            skip_until = id + 1 + node.descendants as usize;
            continue;
        }
        names.truncate(node.depth as usize - start);
        names.push(&node.name);
        let only_child = || {
            tree.children(id).any(|child| {
                let child = &tree.nodes[child];
                child.is_dir() && code.counts(child) == counts
            })
        };
        if pick(node) && !(node.is_dir() && only_child()) {
            let mut path = names.join("/");
            if node.is_dir() {
                path.push('/');
            }
            let at = rows.partition_point(|(v, p, ..)| *v > value || (*v == value && *p < path));
            if at < n {
                rows.insert(at, (value, path, node, counts));
                rows.truncate(n);
            }
        }
    }
    rows.into_iter()
        .map(|(_, path, node, counts)| (path, node, counts))
        .collect()
}

/// Light, system fonts, one column that reads on a phone and on a wide
/// screen. Only `rf-` classes: the SVG's own CSS applies to the page too.
/// Written into the page as it is: it must not hold `</style`.
const CSS: &str = include_str!("assets/report.css");

/// Starts the graph once, and sorts a table by the column whose header is
/// clicked (numbers by `data-v`, largest first on the first click).
/// Written into the page as it is: it must not hold `</script`.
const SCRIPT: &str = include_str!("assets/report.js");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SvgOptions;
    use crate::record::Record;
    use crate::record::fixtures::{record, side, with};
    use crate::render::svg::{self, Labels};

    fn records() -> Vec<Record> {
        vec![
            record("src/main.rs", LanguageType::Rust, 700),
            record("src/render/svg.rs", LanguageType::Rust, 200),
            record("src/render/a&b.rs", LanguageType::Rust, 50),
            record("scripts/gen.py", LanguageType::Python, 30),
            record("<script>alert(1)</script>.rs", LanguageType::Rust, 15),
            record("it's \"quoted\".md", LanguageType::Markdown, 5),
        ]
    }

    /// The page of [`records`], and its SVG.
    fn render(metric: Metric) -> (String, String) {
        render_page(records(), "repo <&> @ v1.2", metric)
    }

    /// The page of `records` titled `title`, and its SVG.
    fn render_page(records: Vec<Record>, title: &str, metric: Metric) -> (String, String) {
        let summary = Summary::of(&records, metric);
        let tree = Tree::build(b"repo", records);
        let labels = Labels {
            title: "repo <&>",
            subtitle: "1,000 code lines",
            history: None,
        };
        let mut svg = Vec::new();
        svg::write(
            &tree,
            &summary,
            metric,
            &SvgOptions::default(),
            &labels,
            &mut svg,
        )
        .unwrap();
        let page = Page {
            title,
            subtitle: "1,000 code lines in 6 files · 3 languages",
            svg: &svg,
            summary: &summary,
            tree: &tree,
            metric,
            history: None,
        };
        let mut html = Vec::new();
        write(&page, &mut html).unwrap();
        (
            String::from_utf8(html).unwrap(),
            String::from_utf8(svg).unwrap(),
        )
    }

    /// The text between `from` and the next `to`.
    fn between<'h>(haystack: &'h str, from: &str, to: &str) -> &'h str {
        let start = haystack.find(from).unwrap_or_else(|| panic!("no {from:?}")) + from.len();
        let end = haystack[start..]
            .find(to)
            .unwrap_or_else(|| panic!("no {to:?}"));
        &haystack[start..start + end]
    }

    /// The cells of each body row of the table `id`, tags stripped.
    fn rows(html: &str, id: &str) -> Vec<Vec<String>> {
        let table = between(html, &format!("id=\"{id}\">"), "</table>");
        let body = between(table, "<tbody>", "</tbody>");
        body.split("</tr>")
            .filter(|r| r.contains("<td"))
            .map(|row| {
                row.split("</td>")
                    .filter(|c| c.contains("<td"))
                    .map(|cell| strip_tags(cell).trim().to_string())
                    .collect()
            })
            .collect()
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    /// Checks that elements nest: every start tag that is not void or
    /// self-closed is closed in order. Skips comments, CDATA, doctypes and
    /// the text of `<script>` and `<style>`. Returns the elements seen.
    fn check_nesting(html: &str) -> Vec<String> {
        const VOID: &[&str] = &["meta", "link", "br", "hr", "img", "input", "wbr"];
        let mut stack: Vec<String> = Vec::new();
        let mut seen = Vec::new();
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            let skip_to = |rest: &str, end: &str| {
                let at = rest.find(end).unwrap_or_else(|| panic!("no {end:?}"));
                at + end.len()
            };
            if rest.starts_with("<!--") {
                rest = &rest[skip_to(rest, "-->")..];
                continue;
            }
            if rest.starts_with("<![CDATA[") {
                rest = &rest[skip_to(rest, "]]>")..];
                continue;
            }
            if rest.starts_with("<!") || rest.starts_with("<?") {
                rest = &rest[skip_to(rest, ">")..];
                continue;
            }
            let tag_end = skip_to(rest, ">");
            let tag = &rest[1..tag_end - 1];
            rest = &rest[tag_end..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack
                    .pop()
                    .unwrap_or_else(|| panic!("</{name}> closes nothing"));
                assert_eq!(open, name, "<{open}> closed by </{name}>");
                continue;
            }
            let name: String = tag
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/')
                .collect();
            assert!(!name.is_empty(), "bad tag <{tag}>");
            assert!(!tag.contains('<'), "'<' in tag <{tag}>");
            seen.push(name.clone());
            if tag.ends_with('/') || VOID.contains(&name.as_str()) {
                continue;
            }
            if name == "script" || name == "style" {
                let close = format!("</{name}>");
                rest = &rest[skip_to(rest, &close)..];
                continue;
            }
            stack.push(name);
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        seen
    }

    #[test]
    fn page_is_well_formed_html5() {
        let (html, _) = render(Metric::Code);
        assert!(
            html.starts_with(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
            )
        );
        assert!(html.ends_with("</body>\n</html>\n"));
        let seen = check_nesting(&html);
        let count = |name: &str| seen.iter().filter(|s| *s == name).count();
        for name in ["html", "head", "body", "main", "header", "footer"] {
            assert_eq!(count(name), 1, "<{name}>");
        }
        // The graph's root and its frames, and nothing else drawn.
        assert_eq!(count("svg"), 2);
        assert_eq!(html.matches("onload=\"init(evt)\"").count(), 1);
        // The graph's script and the page's.
        assert_eq!(count("script"), 2);
        // The page's script starts the graph, once.
        assert!(html.contains("window.init();"));
        assert_eq!(count("table"), 3);
        assert_eq!(count("section"), 4);
        // Nothing fetched.
        for reference in ["src=", "href=", "@import", "url(http"] {
            assert!(!html.contains(reference), "{reference}");
        }
    }

    #[test]
    fn svg_is_inlined_without_prolog() {
        let (html, svg) = render(Metric::Code);
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("<!DOCTYPE svg"));
        assert!(!html.contains("<?xml"));
        assert!(!html.contains("<!DOCTYPE svg"));
        assert_eq!(html.matches("<!DOCTYPE").count(), 1);
        let inlined = &svg[svg.find("<svg ").unwrap()..];
        assert!(html.contains(inlined.trim_end()), "the SVG, unchanged");
        // Inside its section, so the page's CSS sizes it.
        let section = between(&html, "aria-label=\"Flame graph\">\n", "\n</section>");
        assert_eq!(section, inlined.trim_end());
    }

    #[test]
    fn inline_svg_wants_an_svg() {
        assert_eq!(
            inline_svg(b"<?xml version=\"1.0\"?>\n<svg width=\"1\"><svg x=\"1\"></svg></svg>\n")
                .unwrap(),
            b"<svg width=\"1\"><svg x=\"1\"></svg></svg>"
        );
        assert_eq!(inline_svg(b"<svg></svg>").unwrap(), b"<svg></svg>");
        for bad in [
            &b""[..],
            b"<html></html>",
            b"<svgx></svgx>",
            b"<svg>",
            b"<svg></svg>trailing",
            b"<svg>\xff</svg>",
        ] {
            let err = inline_svg(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{bad:?}");
        }
    }

    #[test]
    fn languages_table_has_every_language_and_a_total() {
        let (html, _) = render(Metric::Code);
        let rows = rows(&html, "rf-languages");
        let expected = [
            // Rust: 700 + 200 + 50 + 15 code, 4 files.
            ["Rust", "4", "965", "4", "8", "977", "9.4 KiB", "96.50%"],
            ["Python", "1", "30", "1", "2", "33", "300 B", "3.00%"],
            ["Markdown", "1", "5", "1", "2", "8", "50 B", "0.50%"],
        ];
        assert_eq!(rows, expected.map(|r| r.map(String::from).to_vec()));
        let total = between(&html, "<tfoot><tr>", "</tr></tfoot>");
        assert_eq!(
            strip_tags(&total.replace("</td>", " ")).trim(),
            "Total 6 1,000 6 12 1,018 9.8 KiB 100%"
        );
        // Exact numbers to sort by.
        assert!(total.contains("<td data-v=\"10000\" title=\"10,000 bytes\">9.8 KiB</td>"));
        // Swatches in the language's colour.
        assert!(
            html.contains("<span class=\"rf-sw\" style=\"background:#dea584\"></span>Rust</td>")
        );
    }

    #[test]
    fn a_diff_lists_each_language_before_after_and_the_change() {
        let records = vec![
            with("a.py", LanguageType::Python, vec![side(1, 40), side(0, 0)]),
            with("b.rs", LanguageType::Rust, vec![side(1, 10), side(1, 30)]),
            with("c.go", LanguageType::Go, vec![side(0, 0), side(1, 35)]),
            with("d.go", LanguageType::Go, vec![side(1, 5), side(1, 5)]),
        ];
        let (html, _) = render_page(records, "repo: v1..v2", Metric::Code);
        let header = between(&html, "id=\"rf-languages\">", "</thead>");
        assert_eq!(
            strip_tags(&header.replace("</th>", "|")).trim(),
            "Language|Files before|Files after|code lines before|code lines after|Change|Change %|"
        );
        let rows = rows(&html, "rf-languages");
        // By the larger side, then by name: Go and Python reach 40.
        let expected = [
            ["Go", "1", "2", "5", "40", "+35", "+700%"],
            ["Python", "1", "0", "40", "0", "\u{2212}40", "\u{2212}100%"],
            ["Rust", "1", "1", "10", "30", "+20", "+200%"],
        ];
        assert_eq!(rows, expected.map(|r| r.map(String::from).to_vec()));
        let total = between(&html, "<tfoot><tr>", "</tr></tfoot>");
        assert_eq!(
            strip_tags(&total.replace("</td>", " ")).trim(),
            "Total 3 3 55 70 +15 +27.3%"
        );
        check_nesting(&html);
    }

    #[test]
    fn legend_lists_languages_present_largest_first() {
        let (html, _) = render(Metric::Comments);
        let legend = between(&html, "<ul class=\"rf-legend\">", "</ul>");
        let items: Vec<String> = legend
            .split("</li>")
            .filter(|i| i.contains("<li"))
            .map(|i| strip_tags(i).trim().to_string())
            .collect();
        // By comments: Rust 4, then Markdown and Python 1 each (by code).
        assert_eq!(items, ["Rust 66.67%", "Python 16.67%", "Markdown 16.67%"]);
        assert!(legend.contains(
            "<li title=\"Rust: 4 comment lines (66.67%) in 4 files\"><span class=\"rf-sw\" style=\"background:#dea584\"></span>"
        ));
        // And the bar of shares.
        let bar = between(
            &html,
            "<div class=\"rf-bar\" aria-hidden=\"true\">",
            "</div>",
        );
        assert!(bar.starts_with("<span style=\"width:66.667%;background:#dea584\"></span>"));
        assert_eq!(bar.matches("<span").count(), 3);
        // The headers say which metric the shares are of.
        assert!(html.contains(">Share of comment lines</button>"));
    }

    #[test]
    fn largest_directories_and_files() {
        let (html, _) = render(Metric::Code);
        let dirs = rows(&html, "rf-dirs");
        let names: Vec<&str> = dirs.iter().map(|r| r[0].as_str()).collect();
        // `</script>` splits the hostile name into a directory and a file.
        assert_eq!(
            names,
            [
                "src/",
                "src/render/",
                "scripts/",
                "&lt;script&gt;alert(1)&lt;/"
            ]
        );
        assert_eq!(
            dirs[0],
            ["src/", "3", "950", "3", "6", "959", "9.3 KiB", "95.00%"]
        );
        let files = rows(&html, "rf-files");
        assert_eq!(files.len(), 6);
        assert_eq!(
            files[0],
            [
                "src/main.rs",
                "Rust",
                "700",
                "1",
                "2",
                "703",
                "6.8 KiB",
                "70.00%"
            ]
        );
        assert_eq!(files[2][0], "src/render/a&amp;b.rs");
        assert_eq!(files[4][0], "&lt;script&gt;alert(1)&lt;/script&gt;.rs");
        assert_eq!(files[5][0], "it&apos;s &quot;quoted&quot;.md");
        assert_eq!(files[5][1], "Markdown");
        // Long paths wrap after a slash on a phone.
        assert!(html.contains("<td class=\"rf-name\">src/<wbr>render/</td>"));
        assert!(html.contains("<td class=\"rf-name\">src/<wbr>render/<wbr>a&amp;b.rs</td>"));
    }

    #[test]
    fn hostile_names_are_escaped() {
        let (html, _) = render(Metric::Code);
        // The page's own text and the SVG's: never a raw `<script>` but
        // the two real ones.
        assert_eq!(html.matches("<script").count(), 2);
        assert!(!html.contains("alert(1)<"));
        assert!(!html.contains("a&b"));
        assert!(!html.contains("'quoted"));
        assert!(html.contains("<title>repo &lt;&amp;&gt; @ v1.2</title>"));
        assert!(html.contains("<h1>repo &lt;&amp;&gt; @ v1.2</h1>"));
        assert_eq!(escape("plain"), "plain");
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
    }

    /// `html` as XML: the doctype dropped, void elements closed, and the
    /// text of the page's own `<style>` and `<script>` (the ones without
    /// attributes; the SVG's are XML already) in CDATA sections. Nothing
    /// else changes, so whatever escaping the page lacks breaks the parse
    /// or shows in the parsed text.
    fn as_xml(html: &str) -> String {
        let mut xml = html.replacen("<!DOCTYPE html>\n", "", 1);
        for void in ["meta", "wbr"] {
            let open = format!("<{void}");
            let mut out = String::new();
            let mut rest = xml.as_str();
            while let Some(at) = rest.find(&open) {
                let end = at + rest[at..].find('>').unwrap();
                out.push_str(&rest[..end]);
                out.push_str("/>");
                rest = &rest[end + 1..];
            }
            out.push_str(rest);
            xml = out;
        }
        for element in ["style", "script"] {
            let (open, close) = (format!("<{element}>"), format!("</{element}>"));
            let at = xml.find(&open).unwrap() + open.len();
            let end = at + xml[at..].find(&close).unwrap();
            xml = format!("{}<![CDATA[{}]]>{}", &xml[..at], &xml[at..end], &xml[end..]);
        }
        xml
    }

    /// The text of `node` and its descendants.
    fn text(node: roxmltree::Node<'_, '_>) -> String {
        node.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    }

    #[test]
    fn page_with_html_in_names_and_title_parses_as_xml() {
        const TITLE: &str = r#"repo <i>&amp; "q" 'a'</i> @ v1.2"#;
        const DIR: &str = r#"d<b>r&"x'"#;
        const FILE: &str = r#"a<i>&c"d'e.rs"#;
        let mut records = records();
        records.push(record(&format!("{DIR}/{FILE}"), LanguageType::Rust, 9));
        // A language whose name holds a quote, in an attribute.
        records.push(record("game.rpy", LanguageType::Renpy, 8));
        let (html, _) = render_page(records, TITLE, Metric::Code);
        let xml = as_xml(&html);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
        let elements = |name: &'static str| {
            doc.descendants()
                .filter(move |n| n.tag_name().name() == name)
        };
        // The user's text comes back as text, character for character.
        for name in ["title", "h1"] {
            let element = elements(name).next().unwrap();
            assert_eq!(text(element), TITLE, "<{name}>");
        }
        let files = elements("table")
            .find(|t| t.attribute("id") == Some("rf-files"))
            .unwrap();
        let names: Vec<String> = files
            .descendants()
            .filter(|n| n.attribute("class") == Some("rf-name"))
            .map(text)
            .collect();
        assert!(names.contains(&format!("{DIR}/{FILE}")), "{names:?}");
        assert!(names.contains(&"<script>alert(1)</script>.rs".to_string()));
        assert!(names.contains(&r#"it's "quoted".md"#.to_string()));
        let dirs = elements("table")
            .find(|t| t.attribute("id") == Some("rf-dirs"))
            .unwrap();
        assert!(dirs.descendants().any(|n| text(n) == format!("{DIR}/")));
        assert!(
            elements("li")
                .filter_map(|li| li.attribute("title"))
                .any(|title| title.starts_with("Ren'Py: 8 code lines")),
            "the legend's Ren'Py"
        );
        // And as no markup: the page's own elements only.
        assert_eq!(elements("i").count(), 0);
        assert_eq!(elements("script").count(), 2);
        assert_eq!(elements("b").count(), 2, "Reset Zoom, Search");
    }

    #[test]
    fn assets_do_not_end_their_own_element() {
        // HTML ends `<style>` and `<script>` text at the first `</style`
        // or `</script`, in any case.
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(render(Metric::Code), render(Metric::Code));
        assert_eq!(render(Metric::Bytes).0, render(Metric::Bytes).0);
    }

    #[test]
    fn largest_keeps_the_top_by_metric_then_path() {
        let records: Vec<Record> = (0..50)
            .map(|i| {
                record(
                    &format!("d{}/f{i:02}.rs", i % 7),
                    LanguageType::Rust,
                    1 + i % 5,
                )
            })
            .collect();
        let tree = Tree::build(b"r", records);
        let files = largest(&tree, Metric::Code, LARGEST, Code::All, |n| !n.is_dir());
        // Brute force: every file, sorted.
        let tree_ref = &tree;
        let mut all: Vec<(u64, String)> = tree
            .children(0)
            .flat_map(|d| {
                tree_ref.children(d).map(move |f| {
                    let (d, f) = (&tree_ref.nodes[d], &tree_ref.nodes[f]);
                    (f.counts.code, format!("{}/{}", d.name, f.name))
                })
            })
            .collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let expected: Vec<String> = all.into_iter().take(LARGEST).map(|(_, p)| p).collect();
        let got: Vec<String> = files.into_iter().map(|(p, ..)| p).collect();
        assert_eq!(got, expected);
        let dirs = largest(&tree, Metric::Code, 3, Code::All, Node::is_dir);
        assert_eq!(dirs.len(), 3);
        assert!(
            dirs.windows(2)
                .all(|w| w[0].1.counts.code >= w[1].1.counts.code)
        );
    }

    /// A record of `class`, with its reason.
    fn marked(path: &str, language: LanguageType, code: u64, class: Class) -> Record {
        let mut record = record(path, language, code);
        record.class = Some(Box::new(crate::classify::Classification {
            class,
            reason: "made up".into(),
        }));
        record
    }

    /// The cells of each row of the body of table `id` for `code`.
    fn rows_of(html: &str, id: &str, code: &str) -> Vec<Vec<String>> {
        let table = between(html, &format!("id=\"{id}\">"), "</table>");
        let body = between(
            table,
            &format!("<tbody data-rf-code=\"{code}\""),
            "</tbody>",
        );
        let body = &body[body.find('>').unwrap() + 1..];
        body.split("</tr>")
            .filter(|r| r.contains("<td"))
            .map(|row| {
                row.split("</td>")
                    .filter(|c| c.contains("<td"))
                    .map(|cell| strip_tags(cell).trim().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn tables_say_whose_code_each_row_is_and_switch_to_the_users_own() {
        let records = vec![
            record("src/main.rs", LanguageType::Rust, 100),
            marked("src/gen/api.pb.go", LanguageType::Go, 50, Class::Generated),
            marked(
                "vendor/golang.org/x/sys/unix/a.go",
                LanguageType::Go,
                300,
                Class::Vendored,
            ),
            marked(
                "vendor/golang.org/x/sys/unix/b.go",
                LanguageType::Go,
                200,
                Class::Vendored,
            ),
            marked(
                "docs/guide.md",
                LanguageType::Markdown,
                5,
                Class::Documentation,
            ),
        ];
        let (html, _) = render_page(records, "t", Metric::Code);
        // The switch, all code first.
        assert!(html.contains(
            "<label><input type=\"radio\" name=\"rf-code\" value=\"all\" checked> all code \
             <span class=\"rf-share\">655 code lines</span></label>"
        ));
        assert!(html.contains(
            "<label><input type=\"radio\" name=\"rf-code\" value=\"own\"> your own code \
             <span class=\"rf-share\">100 code lines, without the 85% vendored, generated or \
             documentation</span></label>"
        ));
        assert!(html.contains("<tbody data-rf-code=\"own\" hidden>"));
        // Directories: the chain vendor/ → golang.org/ → x/ → sys/ → unix/
        // is one row, the deepest; a class column.
        let short = |rows: Vec<Vec<String>>| -> Vec<[String; 4]> {
            rows.into_iter()
                .map(|r| [r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()])
                .collect()
        };
        let dirs = short(rows_of(&html, "rf-dirs", "all"));
        let expected = [
            ["vendor/golang.org/x/sys/unix/", "vendored", "2", "500"],
            ["src/", "33% generated", "2", "150"],
            ["src/gen/", "generated", "1", "50"],
            ["docs/", "documentation", "1", "5"],
        ];
        assert_eq!(dirs, expected.map(|r| r.map(String::from)));
        // The user's own: their counts only, shares of their total.
        let own = rows_of(&html, "rf-dirs", "own");
        assert_eq!(
            own,
            [["src/", "own", "1", "100", "1", "2", "103", "1000 B", "100%"].map(String::from)]
        );
        let files = short(rows_of(&html, "rf-files", "all"));
        let expected = [
            ["vendor/golang.org/x/sys/unix/a.go", "vendored", "Go", "300"],
            ["vendor/golang.org/x/sys/unix/b.go", "vendored", "Go", "200"],
            ["src/main.rs", "own", "Rust", "100"],
            ["src/gen/api.pb.go", "generated", "Go", "50"],
            ["docs/guide.md", "documentation", "Markdown", "5"],
        ];
        assert_eq!(files, expected.map(|r| r.map(String::from)));
        assert!(html.contains("<td class=\"rf-class\" title=\"vendored: made up\">vendored</td>"));
        let own = short(rows_of(&html, "rf-files", "own"));
        assert_eq!(
            own,
            [["src/main.rs", "own", "Rust", "100"].map(String::from)]
        );
        // Languages: the own code's alone, with its total.
        let languages: Vec<String> = rows_of(&html, "rf-languages", "own")
            .into_iter()
            .map(|r| format!("{} {} {}", r[0], r[2], r[7]))
            .collect();
        assert_eq!(languages, ["Rust 100 100%"]);
        assert!(html.contains("<tr data-rf-code=\"own\" hidden><td>Total</td><td data-v=\"1\">1</td><td data-v=\"100\">100</td>"));
        // Well-formed still.
        check_nesting(&html);
    }

    #[test]
    fn without_marked_code_there_is_no_switch_and_no_class_column() {
        let (html, _) = render(Metric::Code);
        assert!(!html.contains("name=\"rf-code\""), "the switch");
        assert!(!html.contains(">Class<"));
        assert!(!html.contains("data-rf-code=\""));
    }

    #[test]
    fn a_directory_with_one_directory_is_listed_once() {
        // vendor/ and vendor/golang.org/ hold nothing but golang.org/x/:
        // the same row three times, listed once as the deepest. a/ holds a
        // file beside its directory: its own row.
        let records = vec![
            record("vendor/golang.org/x/one.go", LanguageType::Go, 30),
            record("vendor/golang.org/x/two.go", LanguageType::Go, 20),
            record("a/b/c.rs", LanguageType::Rust, 10),
            record("a/d.rs", LanguageType::Rust, 1),
        ];
        let tree = Tree::build(b"r", records);
        let dirs: Vec<String> = largest(&tree, Metric::Code, LARGEST, Code::All, Node::is_dir)
            .into_iter()
            .map(|(path, ..)| path)
            .collect();
        assert_eq!(dirs, ["vendor/golang.org/x/", "a/", "a/b/"]);
    }

    #[test]
    fn one_file_source_lists_the_file() {
        let records = vec![record("", LanguageType::Rust, 3)];
        let tree = Tree::build(b"main.rs", records);
        let files = largest(&tree, Metric::Code, LARGEST, Code::All, |n| !n.is_dir());
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "main.rs");
        assert!(largest(&tree, Metric::Code, LARGEST, Code::All, Node::is_dir).is_empty());
    }
}
