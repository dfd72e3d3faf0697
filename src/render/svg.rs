//! The interactive SVG flame graph.
//!
//! inferno lays the graph out and supplies the interaction (click to zoom,
//! Ctrl-F search, hover details). inferno can only style frames by name, and
//! here two frames with one name (`mod.rs` in two directories) need
//! different hover texts, so its output is decorated in a second pass that
//! knows each frame by its depth and offset:
//!
//! - every file frame is filled with its language's colour, directories with
//!   a neutral one, merged small files with a pale one;
//! - every frame's tooltip tells its path, language and counts;
//! - a legend names the colours of the languages present, largest first;
//! - inferno's script reads frame labels from the first line of the tooltip,
//!   and its search matches paths and languages and measures against the
//!   whole source (small patches, checked to apply, and a script of ours).
//!
//! The root frame of the source replaces inferno's `all` frame, so the
//! bottom bar names the source instead of repeating it.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use inferno::flamegraph::{self, Direction, Options};
use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use crate::config::{Color, Metric, REFERENCE_WIDTH, SvgOptions};
use crate::history::History;
use crate::record::Summary;
use crate::render::heat::{self, Heat};
use crate::render::labels::{
    Decoration, FONT_SIZE, FONT_WIDTH, Hatch, LEGEND_ROW, Legend, add_marked_item, decorate,
    diff_legend, legend,
};
use crate::tree::{Kind, Node, Tree};

/// What the SVG shows besides the tree.
#[derive(Clone, Debug)]
pub(crate) struct Labels<'a> {
    /// The title at the top: user text, escaped here with
    /// [`escape_text`](crate::escape::escape_text).
    pub title: &'a str,
    /// The line under the title (totals), escaped the same way.
    pub subtitle: &'a str,
    /// With a colour of history: the history (keyed as the frames are:
    /// see [`heat::key`]), the colour, and whether the first frame below
    /// the root is a language (`--by-language`).
    pub history: Option<(&'a History, Color, bool)>,
}

#[cfg(test)]
/// Writes the flame graph of `tree` (already merged for drawing) to `out`.
pub(crate) fn write<W: Write>(
    tree: &Tree,
    summary: &Summary,
    metric: Metric,
    options: &SvgOptions,
    labels: &Labels<'_>,
    out: W,
) -> io::Result<()> {
    render(tree, summary, metric, options, labels)?.write(out)
}

/// A flame graph laid out and decorated, ready to be written.
pub(crate) struct Rendered {
    svg: Vec<u8>,
    /// Frames drawn.
    frames: usize,
}

impl Rendered {
    /// How many frames are drawn.
    pub(crate) fn frames(&self) -> usize {
        self.frames
    }

    /// The SVG.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.svg
    }

    /// Writes the SVG to `out`.
    pub(crate) fn write<W: Write>(&self, mut out: W) -> io::Result<()> {
        out.write_all(&self.svg)?;
        out.flush()
    }
}

/// Lays out and decorates the flame graph of `tree` (already merged for
/// drawing). Runs on the current rayon pool.
pub(crate) fn render(
    tree: &Tree,
    summary: &Summary,
    metric: Metric,
    options: &SvgOptions,
    labels: &Labels<'_>,
) -> io::Result<Rendered> {
    let t0 = std::time::Instant::now();
    let total = tree.root().counts.get(metric);
    let root_is_dir = tree.root().is_dir();
    let frames = layout(tree, metric, !root_is_dir);
    let t1 = t0.elapsed();
    let lines = &frames.lines;

    // inferno lays out while the tooltips are written: independent work.
    let (raw, (decorations, legend)) = rayon::join(
        || inferno_svg(lines, metric, options, labels),
        || {
            let root_path = &*tree.root().name;
            let key = |node, path| frame_key(node, path, root_path);
            let heat = labels.history.map(|(history, color, by_language)| {
                let files =
                    frames
                        .nodes
                        .iter()
                        .filter_map(|(_, (node, path))| match key(node, path) {
                            (Some(key), true) => Some(key),
                            _ => None,
                        });
                Heat::new(history, color, files).by_language(by_language)
            });
            let mut decorations = HashMap::with_capacity(frames.nodes.len());
            let mut uncommitted = false;
            for ((depth, start), (node, path)) in &frames.nodes {
                let mut decoration = decorate(node, path, metric, total, *depth == 0);
                if let Some(heat) = &heat {
                    let (key, is_file) = key(node, path);
                    uncommitted |= heat.decorate(&mut decoration, key, is_file);
                }
                // A one-file source is its own root: inferno's root frame
                // shows it, the copy above is left out.
                decoration.hidden = !root_is_dir && *depth == 1;
                decorations.insert((*depth, *start), decoration);
            }
            let width = options.width.unwrap_or(REFERENCE_WIDTH);
            let marked = decorations.values().any(Decoration::marked);
            let mut legend = if let Some(heat) = &heat {
                heat.legend(metric, width, uncommitted, marked)
            } else if tree.has_sides() {
                diff_legend(metric, width)
            } else {
                legend(summary, metric, width, marked)
            };
            if marked && tree.has_sides() && heat.is_none() {
                add_marked_item(&mut legend, width);
            }
            (decorations, legend)
        },
    );
    let t2 = t0.elapsed();
    let mut svg = Vec::with_capacity(raw.as_ref().map_or(0, |r| r.len() + r.len() / 2));
    // What "Matched:" counts: a diff's widths are no count of anything.
    let unit = if tree.has_sides() { "" } else { metric.unit() };
    decorate_svg(
        &raw?,
        &decorations,
        &legend,
        options.inverted,
        unit,
        &mut svg,
    )?;
    if std::env::var_os("REPOFLAME_TIMINGS").is_some() {
        // A measuring aid for benchmarks, as lib.rs's timings.
        eprintln!(
            "timing: svg of {} frames: layout {:.3} s, inferno {:.3} s, decorating {:.3} s",
            frames.nodes.len(),
            t1.as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t0.elapsed() - t2).as_secs_f64()
        );
    }
    let frames = decorations.values().filter(|d| !d.hidden).count();
    Ok(Rendered { svg, frames })
}

/// The history key of the frame of `node` at `path` (see [`heat::key`]),
/// and whether it is a file's.
fn frame_key<'p>(node: &Node, path: &'p str, root_path: &str) -> (Option<&'p str>, bool) {
    let is_file = matches!(node.kind, Kind::File(_) | Kind::FileAndDir(_));
    let key = match node.kind {
        Kind::Small(_) => None,
        _ => heat::key(path, root_path),
    };
    (key, is_file)
}

/// inferno's flame graph of `lines`, laid out in their order.
fn inferno_svg(
    lines: &[String],
    metric: Metric,
    options: &SvgOptions,
    labels: &Labels<'_>,
) -> io::Result<Vec<u8>> {
    let mut opt = Options::default();
    // User text (`--title`, a revision's name): nothing in it may break
    // the XML or a terminal; inferno escapes only `< > & " '`.
    opt.title = crate::escape::escape_text(labels.title).into_owned();
    opt.subtitle = Some(crate::escape::escape_text(labels.subtitle).into_owned());
    opt.count_name = metric.unit().to_string();
    opt.name_type = String::new();
    opt.image_width = options.width;
    opt.min_width = 0.0;
    opt.deterministic = true;
    opt.direction = if options.inverted {
        Direction::Inverted
    } else {
        Direction::Straight
    };
    opt.notes = String::new();
    // Every frame's title is written by decorate_svg: inferno need not
    // format its own.
    opt.empty_titles = true;
    opt.font_size = FONT_SIZE;
    opt.font_width = FONT_WIDTH;
    // A name is told by its start: "tokei_pa.." rather than "..i_parity.rs".
    opt.text_truncate_direction = flamegraph::TextTruncateDirection::Right;
    // Neutral, so the language colours carry the meaning.
    opt.bgcolors = Some(flamegraph::color::BackgroundColor::Grey);
    // In the order given: a flame chart's lines are laid out as they come
    // (last first), with neighbouring frames of one name merged, and not
    // sorted again. The layout put them in byte order but for the file
    // part of a file that is a directory too (see Line::order_key).
    opt.flame_chart = true;
    let mut raw = Vec::new();
    flamegraph::from_lines(&mut opt, lines.iter().rev().map(String::as_str), &mut raw)?;
    Ok(raw)
}

/// A frame's place: depth (0 is the root) and offset from the left, in
/// metric units.
type FrameKey = (usize, u64);

/// The frames of the graph, as inferno will lay them out.
struct Layout<'t> {
    /// The input of inferno, `stack value` lines in the order they are
    /// laid out left to right.
    lines: Vec<String>,
    /// Each frame by (depth, start offset): the node and its path.
    nodes: Vec<(FrameKey, (&'t Node, String))>,
}

/// One line of inferno's input, and the nodes of its stack.
struct Line {
    stack: String,
    /// The ids of the nodes of the stack, root side first.
    chain: Vec<usize>,
    value: u64,
    /// The file part of a [`Kind::FileAndDir`](crate::tree::Kind) node
    /// with entries: its stack ends at a frame that has frames above.
    file_part: bool,
}

impl Line {
    fn text(&self) -> String {
        format!("{} {}", self.stack, self.value)
    }

    /// Where the line goes: byte order of the lines, as inferno sorts
    /// them, except that the file part of a frame goes right before the
    /// frame's entries (`x;` sorts after a sibling `x.h` and before
    /// `x;y`), so that the frame is one frame.
    fn order_key(&self) -> String {
        if self.file_part {
            format!("{};", self.stack)
        } else {
            self.text()
        }
    }
}

/// Computes where each node lands: frames are laid out left to right in
/// the order of the lines (byte order, see [`Line::order_key`]), a frame
/// starting where its first line starts. Depth 0 is the root of the
/// source.
fn layout(tree: &Tree, metric: Metric, include_root: bool) -> Layout<'_> {
    let lines = lines(tree, metric, include_root);
    let mut order: Vec<(String, usize)> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| (line.order_key(), i))
        .collect();
    order.sort_unstable();

    let root = tree.root();
    let root_path = root.name.to_string();
    let mut nodes = vec![((0usize, 0u64), (root, root_path.clone()))];
    let mut previous: &[usize] = &[];
    let mut time = 0u64;
    // The path of the last frame placed, and where each of its components
    // ends: a frame's path is its parent's and its name.
    let mut path = root_path.clone();
    let mut ends: Vec<usize> = Vec::new();
    for (_, i) in &order {
        let chain = &lines[*i].chain;
        let shared = chain
            .iter()
            .zip(previous)
            .take_while(|(a, b)| a == b)
            .count();
        ends.truncate(shared);
        path.truncate(ends.last().copied().unwrap_or(root_path.len()));
        for (depth, &id) in chain.iter().enumerate().skip(shared) {
            let node = &tree.nodes[id];
            // The root itself is the leaf of a one-file source.
            if !include_root {
                path.push('/');
                path.push_str(&node.name);
            }
            ends.push(path.len());
            nodes.push(((depth + 1, time), (node, path.clone())));
        }
        time += lines[*i].value;
        previous = chain;
    }
    // A line's key is its text but for a file part's.
    let lines = order
        .into_iter()
        .map(|(key, i)| match lines[i].file_part {
            true => lines[i].text(),
            false => key,
        })
        .collect();
    Layout { lines, nodes }
}

/// The lines to draw: each leaf (and the file part of a frame that is a
/// file and a directory) whose value is not zero, in preorder, with the
/// nodes of its stack. Without `include_root` stacks start below the root.
fn lines(tree: &Tree, metric: Metric, include_root: bool) -> Vec<Line> {
    let mut out = Vec::new();
    let mut chain: Vec<usize> = Vec::new();
    let mut skip_until = 0;
    let start = usize::from(!include_root);
    for (id, node) in tree.nodes.iter().enumerate().skip(start) {
        if id < skip_until {
            continue;
        }
        if node.counts.get(metric) == 0 {
            skip_until = id + 1 + node.descendants as usize;
            continue;
        }
        // The chain holds the ancestors below which this node is.
        let level = node.depth as usize - start;
        chain.truncate(level);
        chain.push(id);
        let stack = || {
            chain
                .iter()
                .map(|&id| &*tree.nodes[id].name)
                .collect::<Vec<_>>()
                .join(";")
        };
        if !node.has_children() {
            out.push(Line {
                stack: stack(),
                chain: chain.clone(),
                value: node.counts.get(metric),
                file_part: false,
            });
        } else {
            let file = node.file_side().map_or(0, |f| f.counts.get(metric));
            if file > 0 {
                out.push(Line {
                    stack: stack(),
                    chain: chain.clone(),
                    value: file,
                    file_part: true,
                });
            }
        }
    }
    out
}

/// Script patches: inferno reads a frame's label and search text from its
/// tooltip, minus a trailing "(…)"; ours keep the name on the first line.
/// Its search matches names against a regular expression and measures the
/// matches against the frame zoomed into; repoflame's (`SEARCH_SCRIPT`)
/// matches paths and languages too, and measures against the whole source,
/// as the tooltips do.
const SCRIPT_PATCHES: &[(&str, &str, usize)] = &[
    (
        r#"find_child(e, "title").textContent.replace(/\([^(]*\)$/,"")"#,
        r#"find_child(e, "title").textContent.split("\n")[0]"#,
        2,
    ),
    (
        "var func = g_to_text(e);",
        r#"var func = g_to_text(e).split("\n")[0];"#,
        1,
    ),
    (
        r#"details.nodeValue = nametype + " " + g_to_text(target);"#,
        r#"details.nodeValue = g_to_text(target).split("\n").slice(1).join(" · ");"#,
        1,
    ),
    // The prompt: "(regexp allowed, eg: ^ext4_)" is kernel profiling's.
    (
        r#""Enter a search term (regexp ""#,
        r#""Highlight a path or name (a regular expression: testsuite/, \\.proto$) ""#,
        1,
    ),
    (
        r#""allowed, eg: ^ext4_)""#,
        r#""or a language (Go, or Rust|Go)""#,
        1,
    ),
    ("var re = new RegExp(term);", "var re = rf_query(term);", 1),
    ("if (func.match(re)) {", "if (rf_match(e, func, re)) {", 1),
    (
        r#"matchedtxt.firstChild.nodeValue = "Matched: " + pct + "%";"#,
        "matchedtxt.firstChild.nodeValue = rf_matched(count);",
        1,
    ),
];

/// repoflame's search, added to inferno's script, which calls it where it
/// called `RegExp` and `match` (see [`SCRIPT_PATCHES`]):
///
/// - a term that names languages of the graph (`Go`, `rust`, `C|C++`, any
///   case) highlights the files of those languages (their `data-lang`);
/// - any other term is a regular expression (or, when it is not one,
///   plain text: `C++`, `a[1]`) matched against each frame's name and its
///   path from the root (`repo/src/testsuite/`, a directory's ending in
///   `/`), which is worked out once from the layout: a frame's parent is
///   the frame one level nearer the root that spans its offset;
/// - "Matched:" says how much of the whole source the highlighted frames
///   hold, in the metric's units and as the share the tooltips give
///   (`12.34%`, `<0.01%`), zoomed or not.
///
/// `rf_unit` is set before it: the metric's unit, or empty for a diff,
/// whose widths are the larger of before and after.
const SEARCH_SCRIPT: &str = include_str!("assets/search.js");

/// The patterns marked frames are hatched with: white diagonal stripes
/// (`rf-hatch`, over a marked file's paler fill), and the same over a
/// white wash that makes the part it covers as pale (`rf-hatch-pale`, the
/// marked part of merged entries).
const HATCH: &str = concat!(
    r#"<defs><pattern id="rf-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect x="0" y="0" width="2" height="6" fill="rgba(255,255,255,0.7)"/></pattern>"#,
    r#"<pattern id="rf-hatch-pale" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect x="0" y="0" width="6" height="6" fill="rgba(255,255,255,0.45)"/><rect x="0" y="0" width="2" height="6" fill="rgba(255,255,255,0.7)"/></pattern></defs>"#
);

/// Hover outlines a frame; merged entries and folded directories have a
/// dashed outline of their own, so that they do not pass for files.
const EXTRA_CSS: &str = "
#frames > g:hover > rect:first-of-type { stroke:black; stroke-width:1; }
#frames > g.merged > rect:first-of-type { stroke:rgba(0,0,0,0.55); stroke-width:1; stroke-dasharray:3 2; }
#legend text { fill:rgb(60,60,60); }
";

/// inferno's script with [`SCRIPT_PATCHES`] applied and repoflame's search
/// added; `unit` is what "Matched:" counts in (empty for a diff).
fn patch_script(script: &str, unit: &str) -> io::Result<String> {
    let mut script = script.to_string();
    for (from, to, count) in SCRIPT_PATCHES {
        let found = script.matches(from).count();
        if found != *count {
            return Err(io::Error::other(format!(
                "inferno's script has changed ({found} copies of {from:?}, expected {count}): \
                 the SVG cannot be decorated"
            )));
        }
        script = script.replace(from, to);
    }
    script.push_str(&format!("\nvar rf_unit = {unit:?};\n"));
    script.push_str(SEARCH_SCRIPT);
    Ok(script)
}

fn xml_error(err: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot decorate inferno's SVG: {err}"))
}

/// Depth of each distinct `y` of the frames: one `y` per depth, the
/// root's at the bottom (or at the top when inverted).
fn depths_by_y(places: &[Place], inverted: bool) -> HashMap<i64, usize> {
    let ys: BTreeSet<i64> = places.iter().filter_map(|p| p.y).collect();
    let ordered: Vec<i64> = if inverted {
        ys.into_iter().collect()
    } else {
        ys.into_iter().rev().collect()
    };
    ordered
        .into_iter()
        .enumerate()
        .map(|(d, y)| (y, d))
        .collect()
}

/// Where a frame of inferno's output is: `fg:x` and `y` of its rectangle.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    x: Option<u64>,
    y: Option<i64>,
}

impl Place {
    /// Reads the place of the frame whose XML is `frame`: inferno writes
    /// `<g><title>…</title><rect x=".." y="Y" … fg:x="X" fg:w=".."/>…</g>`,
    /// with its text escaped, so the first `<rect ` starts the rectangle.
    fn of(frame: &[u8]) -> Place {
        let rect = find(frame, b"<rect ").map_or(&[][..], |i| &frame[i..]);
        let number = |name: &[u8]| -> Option<&str> {
            let at = find(rect, name)? + name.len();
            let end = at + memchr::memchr(b'"', &rect[at..])?;
            std::str::from_utf8(&rect[at..end]).ok()
        };
        Place {
            x: number(b" fg:x=\"").and_then(|x| x.parse().ok()),
            y: number(b" y=\"").and_then(|y| y.parse().ok()),
        }
    }
}

/// The frames of inferno's output, each `<g>…</g>` (text is escaped, so
/// `</g>` only ever closes a frame).
fn split_frames(frames: &[u8]) -> Vec<&[u8]> {
    const END: &[u8] = b"</g>";
    let mut out = Vec::new();
    let mut start = 0;
    for i in memchr::memmem::find_iter(frames, END) {
        let end = i + END.len();
        out.push(&frames[start..end]);
        start = end;
    }
    out
}

/// Where `needle` first starts in `haystack`, a frame of a few hundred
/// bytes searched some 20 times: `memmem::find` would build a searcher
/// each time, which costs more than the search; the first byte is found
/// with `memchr` instead.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let mut at = 0;
    while let Some(i) = memchr::memchr(first, &haystack[at..]) {
        let start = at + i;
        if haystack[start + 1..].starts_with(rest) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// Appends `text` escaped as `quick_xml::escape::escape` escapes it
/// (`< > & ' "`), without making a string of it first.
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'&' => b"&amp;",
            b'\'' => b"&apos;",
            b'"' => b"&quot;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(entity);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn attr(e: &BytesStart<'_>, name: &str) -> io::Result<Option<String>> {
    match e.try_get_attribute(name).map_err(xml_error)? {
        Some(a) => Ok(Some(
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(xml_error)?
                .into_owned(),
        )),
        None => Ok(None),
    }
}

/// Rewrites the root element's height (and viewBox) to make room below.
fn grow(e: &BytesStart<'_>, extra: usize) -> io::Result<BytesStart<'static>> {
    let mut grown = BytesStart::new(String::from_utf8_lossy(e.name().as_ref()).into_owned());
    for a in e.attributes() {
        let a = a.map_err(xml_error)?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(xml_error)?
            .into_owned();
        let value = match key.as_str() {
            "height" => match value.parse::<usize>() {
                Ok(h) => (h + extra).to_string(),
                Err(_) => value,
            },
            "viewBox" => {
                let mut parts: Vec<String> = value.split(' ').map(str::to_string).collect();
                if let Some(h) = parts.get_mut(3).and_then(|p| p.parse::<usize>().ok()) {
                    parts[3] = (h + extra).to_string();
                }
                parts.join(" ")
            }
            _ => value,
        };
        grown.push_attribute((key.as_str(), value.as_str()));
    }
    Ok(grown)
}

fn decorate_svg<W: Write>(
    raw: &[u8],
    decorations: &HashMap<(usize, u64), Decoration>,
    legend: &Legend,
    inverted: bool,
    unit: &str,
    out: W,
) -> io::Result<()> {
    let mut reader = Reader::from_reader(raw);
    let mut writer = Writer::new(out);
    let mut svg_depth = 0usize;
    let mut image_height = 0usize;
    let mut decorated = 0usize;
    loop {
        let event = reader.read_event().map_err(xml_error)?;
        match event {
            Event::Start(e) if e.name().as_ref() == b"svg" => {
                svg_depth += 1;
                if svg_depth == 1 {
                    image_height = attr(&e, "height")?
                        .and_then(|h| h.parse().ok())
                        .unwrap_or_default();
                    writer.write_event(Event::Start(grow(&e, legend.height)?))?;
                    writer.write_event(Event::Text(BytesText::from_escaped(HATCH)))?;
                } else if attr(&e, "id")?.as_deref() == Some("frames") {
                    writer.write_event(Event::Start(e))?;
                    // The frames, decorated in parallel: most of the work.
                    let start = reader.buffer_position() as usize;
                    let end = start
                        + memchr::memmem::find(&raw[start..], b"</svg>")
                            .ok_or_else(|| xml_error("unterminated frames"))?;
                    decorated =
                        write_frames(writer.get_mut(), &raw[start..end], decorations, inverted)?;
                    // Go on after the frames, inside the root and the frames.
                    reader = Reader::from_reader(&raw[end..]);
                    reader.config_mut().check_end_names = false;
                    reader.config_mut().allow_unmatched_ends = true;
                } else {
                    writer.write_event(Event::Start(e))?;
                }
            }
            Event::End(e) if e.name().as_ref() == b"svg" => {
                if svg_depth == 1 {
                    write_legend(&mut writer, legend, image_height)?;
                }
                svg_depth -= 1;
                writer.write_event(Event::End(e))?;
            }
            Event::Empty(e)
                if e.name().as_ref() == b"rect"
                    && attr(&e, "fill")?.as_deref() == Some("url(#background)") =>
            {
                writer.write_event(Event::Empty(grow(&e, legend.height)?))?;
            }
            Event::End(e) if e.name().as_ref() == b"style" => {
                writer.write_event(Event::Text(BytesText::from_escaped(EXTRA_CSS)))?;
                writer.write_event(Event::End(e))?;
            }
            Event::CData(c) => {
                let text = c.decode().map_err(xml_error)?;
                if text.contains("function g_to_func") {
                    let patched = patch_script(&text, unit)?;
                    writer
                        .write_event(Event::CData(quick_xml::events::BytesCData::new(patched)))?;
                } else {
                    writer.write_event(Event::CData(c))?;
                }
            }
            Event::Eof => break,
            other => writer.write_event(other)?,
        }
    }
    if decorated != decorations.len() {
        return Err(xml_error(format!(
            "{decorated} frames decorated, {} laid out",
            decorations.len()
        )));
    }
    writer.into_inner().flush()
}

/// Writes the frames of inferno's output decorated; returns how many were.
fn write_frames<W: Write>(
    out: &mut W,
    frames: &[u8],
    decorations: &HashMap<FrameKey, Decoration>,
    inverted: bool,
) -> io::Result<usize> {
    use rayon::prelude::*;

    let frames = split_frames(frames);
    let places: Vec<Place> = frames.par_iter().map(|frame| Place::of(frame)).collect();
    // Depths are known once every frame's `y` has been seen.
    let depths = depths_by_y(&places, inverted);
    // In chunks of frames, each written into one buffer: a buffer per
    // frame was most of this pass's time (allocated on one thread, freed
    // on another).
    const CHUNK: usize = 512;
    let written = frames
        .par_chunks(CHUNK)
        .zip(places.par_chunks(CHUNK))
        .map(|(frames, places)| {
            let size: usize = frames.iter().map(|f| f.len() + 320).sum();
            let mut bytes = Vec::with_capacity(size);
            let mut found = 0;
            for (frame, place) in frames.iter().zip(places) {
                found += usize::from(write_frame(&mut bytes, frame, place, &depths, decorations)?);
            }
            Ok((bytes, found))
        })
        .collect::<io::Result<Vec<(Vec<u8>, usize)>>>()?;
    let mut decorated = 0;
    for (bytes, found) in written {
        out.write_all(&bytes)?;
        decorated += found;
    }
    Ok(decorated)
}

/// Writes one frame, decorated; returns whether a decoration was found.
/// The frame is patched as bytes, in inferno's fixed shape (see
/// [`Place::of`]): the title's text, the rectangle's fill (and a hatched
/// copy over it for marked frames), the label's colour and text. A frame
/// of another shape fails the run ("frames decorated, laid out" differ).
fn write_frame(
    out: &mut Vec<u8>,
    frame: &[u8],
    place: &Place,
    depths: &HashMap<i64, usize>,
    decorations: &HashMap<FrameKey, Decoration>,
) -> io::Result<bool> {
    let key = match (place.x, place.y.and_then(|y| depths.get(&y))) {
        (Some(x), Some(depth)) => Some((*depth, x)),
        _ => None,
    };
    let Some(decoration) = key.and_then(|k| decorations.get(&k)) else {
        out.extend_from_slice(frame);
        return Ok(false);
    };
    if decoration.hidden {
        return Ok(true);
    }
    let shape = || xml_error("a frame of inferno's SVG has an unexpected shape");
    let cut =
        |from: &[u8], needle: &[u8]| -> io::Result<usize> { find(from, needle).ok_or_else(shape) };
    // <g> … <title> TITLE </title> <rect … fill="OLD" … /> <text …> LABEL </text> </g>
    let g_end = cut(frame, b">")?;
    let title_start = cut(frame, b"<title>")? + b"<title>".len();
    let title_end = title_start + cut(&frame[title_start..], b"</title>")?;
    let rect_start = title_end + cut(&frame[title_end..], b"<rect ")?;
    let rect_end = rect_start + cut(&frame[rect_start..], b"/>")? + 2;
    let rect = &frame[rect_start..rect_end];
    let fill_start = cut(rect, b" fill=\"")? + b" fill=\"".len();
    let fill_end = fill_start + cut(&rect[fill_start..], b"\"")?;
    let text_start = rect_end + cut(&frame[rect_end..], b"<text")?;
    let text_open_end = text_start + cut(&frame[text_start..], b">")?;
    let text_end = text_open_end + cut(&frame[text_open_end..], b"</text>")?;

    out.extend_from_slice(&frame[..g_end]);
    match (decoration.marked(), decoration.merged) {
        (true, true) => out.extend_from_slice(b" class=\"marked merged\""),
        (true, false) => out.extend_from_slice(b" class=\"marked\""),
        (false, true) => out.extend_from_slice(b" class=\"merged\""),
        (false, false) => {}
    }
    if let Some(language) = decoration.language {
        out.extend_from_slice(b" data-lang=\"");
        push_escaped(out, language);
        out.push(b'"');
    }
    out.extend_from_slice(&frame[g_end..title_start]);
    push_escaped(out, decoration.title.as_str());
    out.extend_from_slice(&frame[title_end..rect_start]);
    let fill = decoration.fill.hex_bytes();
    let with_fill = |out: &mut Vec<u8>, fill: &[u8]| {
        out.extend_from_slice(&rect[..fill_start]);
        out.extend_from_slice(fill);
        out.extend_from_slice(&rect[fill_end..]);
    };
    with_fill(out, &fill);
    // A hatched copy on top for marked frames: the same place and fg:
    // attributes, so zooming moves it too, and it lets the mouse through.
    // For merged entries, over the marked share of the frame only, with fg:
    // attributes to match (inferno's zoom places every rect of a frame by
    // its own).
    let hatch = match decoration.hatch {
        Hatch::None => None,
        Hatch::File => {
            let mut hatch = Vec::with_capacity(rect.len() + 48);
            with_fill(&mut hatch, b"url(#rf-hatch)");
            Some(hatch)
        }
        Hatch::Part(share) => {
            Some(right_part(rect, share, b"url(#rf-hatch-pale)").ok_or_else(shape)?)
        }
    };
    if let Some(mut hatch) = hatch {
        hatch.truncate(hatch.len() - 2);
        out.extend_from_slice(&hatch);
        out.extend_from_slice(b" pointer-events=\"none\"/>");
    }
    out.extend_from_slice(&frame[rect_end..text_open_end]);
    if decoration.fill.is_dark() {
        out.extend_from_slice(b" fill=\"#ffffff\"");
    }
    match &decoration.label {
        Some(label) => {
            out.push(b'>');
            push_escaped(out, label.as_str());
        }
        None => out.extend_from_slice(&frame[text_open_end..text_end]),
    }
    out.extend_from_slice(&frame[text_end..]);
    Ok(true)
}

/// A copy of inferno's rectangle `rect` narrowed to its right `share`
/// (at least one unit of the metric), filled with `fill`: `x`, `width`,
/// `fg:x` and `fg:w` rewritten together. `None` if `rect` lacks one.
fn right_part(rect: &[u8], share: f64, fill: &[u8]) -> Option<Vec<u8>> {
    let value = |name: &[u8]| -> Option<(usize, usize)> {
        let start = find(rect, name)? + name.len();
        Some((start, start + memchr::memchr(b'"', &rect[start..])?))
    };
    let text = |(start, end): (usize, usize)| std::str::from_utf8(&rect[start..end]).ok();
    let percent = |at| text(at)?.strip_suffix('%')?.parse::<f64>().ok();
    let number = |at| text(at)?.parse::<u64>().ok();
    let (x_at, width_at) = (value(b" x=\"")?, value(b" width=\"")?);
    let (fg_x_at, fg_w_at) = (value(b" fg:x=\"")?, value(b" fg:w=\"")?);
    let fill_at = value(b" fill=\"")?;
    let (x, width) = (percent(x_at)?, percent(width_at)?);
    let (fg_x, fg_w) = (number(fg_x_at)?, number(fg_w_at)?);
    if fg_w == 0 {
        return None;
    }
    let part = ((fg_w as f64 * share).round() as u64).clamp(1, fg_w);
    let skipped = fg_w - part;
    let mut edits = [
        (
            x_at,
            format!("{:.4}%", x + width * skipped as f64 / fg_w as f64).into_bytes(),
        ),
        (
            width_at,
            format!("{:.4}%", width * part as f64 / fg_w as f64).into_bytes(),
        ),
        (fg_x_at, (fg_x + skipped).to_string().into_bytes()),
        (fg_w_at, part.to_string().into_bytes()),
        (fill_at, fill.to_vec()),
    ];
    edits.sort_by_key(|((start, _), _)| *start);
    let mut out = Vec::with_capacity(rect.len() + 32);
    let mut at = 0;
    for ((start, end), value) in edits {
        out.extend_from_slice(&rect[at..start]);
        out.extend_from_slice(&value);
        at = end;
    }
    out.extend_from_slice(&rect[at..]);
    Some(out)
}

fn write_legend<W: Write>(
    writer: &mut Writer<W>,
    legend: &Legend,
    image_height: usize,
) -> io::Result<()> {
    if legend.items.is_empty() {
        return Ok(());
    }
    writer.write_event(Event::Start(
        BytesStart::new("g").with_attributes([("id", "legend")]),
    ))?;
    for item in &legend.items {
        let y = image_height + item.row * LEGEND_ROW;
        writer.write_event(Event::Start(BytesStart::new("g")))?;
        writer.write_event(Event::Start(BytesStart::new("title")))?;
        writer.write_event(Event::Text(BytesText::new(&item.tooltip)))?;
        writer.write_event(Event::End(BytesEnd::new("title")))?;
        let x = format!("{:.1}", item.x);
        let text_x = match item.swatch {
            Some(_) => format!("{:.1}", item.x + 16.0),
            None => x.clone(),
        };
        let swatch_y = (y + 3).to_string();
        let text_y = (y + 12).to_string();
        // The swatch, outlined so that a pale one shows on the background,
        // and the hatching over it when marked frames are hatched.
        let swatch = |fill: &str, outlined: bool| {
            let rect = BytesStart::new("rect").with_attributes([
                ("x", x.as_str()),
                ("y", swatch_y.as_str()),
                ("width", "12"),
                ("height", "12"),
                ("rx", "2"),
                ("fill", fill),
            ]);
            Event::Empty(match outlined {
                true => rect.with_attributes([("stroke", "rgba(0,0,0,0.35)")]),
                false => rect,
            })
        };
        if let Some(fill) = item.swatch {
            writer.write_event(swatch(&fill.hex(), !item.hatched))?;
        }
        if item.hatched {
            writer.write_event(swatch("url(#rf-hatch)", true))?;
        }
        writer.write_event(Event::Start(
            BytesStart::new("text")
                .with_attributes([("x", text_x.as_str()), ("y", text_y.as_str())]),
        ))?;
        writer.write_event(Event::Text(BytesText::new(&item.text)))?;
        writer.write_event(Event::End(BytesEnd::new("text")))?;
        writer.write_event(Event::End(BytesEnd::new("g")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("g")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Counts;

    #[test]
    fn find_finds_what_memmem_finds() {
        let haystack = b"<g><title>a &lt;rect </title><rect x=\"1\" fill=\"x\"/>rec";
        let needles: [&[u8]; 8] = [
            b"<rect ",
            b" fill=\"",
            b"rec",
            b"c",
            b"",
            b"<g>",
            b"\"/>r",
            b"</g>",
        ];
        for needle in needles {
            for start in 0..=haystack.len() {
                let hay = &haystack[start..];
                assert_eq!(
                    find(hay, needle),
                    memchr::memmem::find(hay, needle),
                    "{:?} in {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(hay)
                );
            }
        }
    }

    #[test]
    fn escaping_in_place_is_quick_xml_s() {
        for text in [
            "",
            "plain",
            "a<b>&c'd\"e",
            "<<>>",
            "&amp; already",
            "\u{e9}t\u{e9} \u{1f525} <x>",
            "ends with &",
            "'",
        ] {
            let mut out = b"prefix ".to_vec();
            push_escaped(&mut out, text);
            assert_eq!(
                out,
                format!("prefix {}", quick_xml::escape::escape(text)).into_bytes(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn inferno_script_still_takes_the_patches() {
        // The patches are checked on every render; this fails first when an
        // inferno upgrade changes the script.
        let tree = Tree::build(
            b"r",
            vec![crate::record::Record::one(
                "a.rs".into(),
                tokei::LanguageType::Rust,
                Counts {
                    files: 1,
                    code: 1,
                    ..Counts::default()
                },
            )],
        );
        let summary = Summary::of(&[], Metric::Code);
        let mut out = Vec::new();
        let labels = Labels {
            title: "t",
            subtitle: "s",
            history: None,
        };
        write(
            &tree,
            &summary,
            Metric::Code,
            &SvgOptions::default(),
            &labels,
            &mut out,
        )
        .unwrap();
        let svg = String::from_utf8(out).unwrap();
        assert!(svg.contains(r#"textContent.split("\n")[0]"#));
    }

    /// inferno as vendored writes the SVG's numbers with its own exact
    /// formatter (vendor/README.md): the same bytes as `{:.N}` for every
    /// kind of double, ties (rounded half to even) included.
    #[test]
    fn the_vendored_inferno_formats_numbers_as_the_standard_library_does() {
        use inferno::flamegraph::fixed::Fixed;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.125,
            0.375,
            -0.125,
            0.00005,
            0.00015,
            99.99995,
            100.0,
            1e-300,
            -1e-300,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            1e15,
            1e16 + 2.0,
            1e20,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for _ in 0..100_000 {
            let bits = next();
            // Any double; frame positions (0 to 100 %, 1/2^k steps);
            // exact ties at four and two places.
            values.push(f64::from_bits(bits));
            values.push(100.0 * (bits % 1_000_003) as f64 / 1_000_003.0);
            values.push((bits % 4_000_000) as f64 / 8.0);
            values.push((bits % 2_000_000) as f64 / 16384.0 - 50.0);
            values.push((bits % 1_000_000) as f64 * 0.00005);
        }
        for x in values {
            for precision in [0u32, 1, 2, 4, 8] {
                let expected = format!("{:.*}", precision as usize, x);
                let got = Fixed(x, precision).to_string();
                assert_eq!(got, expected, "{x:e} ({:#x}) at {precision}", x.to_bits());
            }
        }
    }
}
