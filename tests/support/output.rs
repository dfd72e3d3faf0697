//! Reading what a run wrote, checking its contract on the way: folded
//! stacks ([`parse_folded`]), SVG ([`assert_xml`], [`svg_frames`],
//! [`svg_text`]), and messages on stderr ([`error_lines`],
//! [`assert_fails_cleanly`]).

use std::process::Output;

use super::run::{Run, describe};
use super::tree::TestDir;

/// Parses folded output into `(frames, count)` per line, checking the
/// contract on the way: one space before a positive count, no `\r`, no
/// empty frame.
pub fn parse_folded(text: &str) -> Vec<(Vec<String>, u64)> {
    assert!(!text.contains('\r'), "folded output has a CR");
    text.lines()
        .map(|line| {
            let (stack, count) = line.rsplit_once(' ').expect("a count column");
            let count: u64 = count.parse().expect("a numeric count");
            assert!(count > 0, "zero count in {line:?}");
            let frames: Vec<String> = stack.split(';').map(str::to_string).collect();
            assert!(
                frames.iter().all(|f| !f.is_empty()),
                "empty frame in {line:?}"
            );
            (frames, count)
        })
        .collect()
}

/// Sum of the counts of folded output.
pub fn folded_total(text: &str) -> u64 {
    parse_folded(text).iter().map(|(_, c)| c).sum()
}

/// `repoflame ARGS --folded` in the root: exit status 0, nothing on
/// stderr; stdout.
pub fn folded_ok(dir: &TestDir, args: &[&str]) -> String {
    dir.cmd().args(args).arg("--folded").quiet_ok()
}

/// Checks that `svg` is a well-formed XML document: one root element,
/// every element closed, nothing after it. (A streaming reader stops at the
/// end of its input without complaint, so it would pass a truncated file;
/// roxmltree builds the whole tree and rejects it.)
pub fn assert_xml(svg: &[u8]) {
    let text = std::str::from_utf8(svg).unwrap_or_else(|err| panic!("not UTF-8: {err}"));
    if let Err(err) = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    ) {
        panic!("not well-formed XML: {err}");
    }
}

/// The lines of stderr, checking that each is a `repoflame: …` message.
pub fn error_lines(output: &Output) -> Vec<String> {
    let text = String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    for line in &lines {
        assert!(
            line.starts_with("repoflame: "),
            "not a repoflame message: {line:?}\n{}",
            describe(output)
        );
        assert!(
            !line.contains(|c: char| c.is_control()),
            "control character in {line:?}"
        );
    }
    lines
}

/// Asserts exit status 2 with nothing on stdout and exactly one
/// `repoflame: …` line on stderr, which it returns.
pub fn assert_fails_cleanly(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    assert!(
        output.stdout.is_empty(),
        "stdout not empty: {}",
        describe(output)
    );
    let lines = error_lines(output);
    assert_eq!(
        lines.len(),
        1,
        "not one line on stderr: {}",
        describe(output)
    );
    lines.into_iter().next().unwrap()
}

/// One frame of an SVG: the first line of its `<title>` (the frame name),
/// the whole title, and its rectangle's `y` and `fg:w`.
#[derive(Clone, Debug)]
pub struct SvgFrame {
    /// The text of `<title>`, XML-unescaped.
    pub title: String,
    /// The `y` attribute of the frame's `<rect>`.
    pub y: f64,
    /// The `fg:x` attribute (samples left of the frame), when present.
    pub x: Option<u64>,
    /// The `fg:w` attribute (samples), when present.
    pub samples: Option<u64>,
    /// The `fill` attribute of the frame's `<rect>`.
    pub fill: Option<String>,
}

impl SvgFrame {
    /// The first line of the title: repoflame puts the frame name there.
    pub fn name(&self) -> &str {
        self.title.lines().next().unwrap_or("")
    }
}

/// The frames (`<g>` with a `<title>` and a `<rect>` inside the element
/// `id="frames"`) of an SVG, in document order; also checks it is XML.
pub fn svg_frames(svg: &[u8]) -> Vec<SvgFrame> {
    svg_frames_and_total(svg).0
}

/// [`svg_frames`], and the `total_samples` attribute of the frames element.
pub fn svg_frames_and_total(svg: &[u8]) -> (Vec<SvgFrame>, Option<u64>) {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    let (mut frames, mut total) = (Vec::new(), None);
    let mut in_frames = 0usize; // depth of the frames element, 0 when outside
    let mut depth = 0usize;
    let mut title: Option<String> = None;
    let mut current: Option<SvgFrame> = None;
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        e.try_get_attribute(name).expect("attribute").map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned()
        })
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|err| panic!("not XML at byte {}: {err}", reader.buffer_position()));
        match event {
            Event::Start(e) => {
                depth += 1;
                if e.name().as_ref() == b"svg" && attr(&e, "id").as_deref() == Some("frames") {
                    in_frames = depth;
                    total = attr(&e, "total_samples").map(|t| t.parse().expect("total_samples"));
                } else if in_frames > 0 && e.name().as_ref() == b"g" {
                    current = Some(SvgFrame {
                        title: String::new(),
                        y: f64::NAN,
                        x: None,
                        samples: None,
                        fill: None,
                    });
                } else if current.is_some() && e.name().as_ref() == b"title" {
                    title = Some(String::new());
                }
            }
            Event::Empty(e) if current.is_some() && e.name().as_ref() == b"rect" => {
                let frame = current.as_mut().unwrap();
                frame.y = attr(&e, "y")
                    .and_then(|y| y.parse().ok())
                    .unwrap_or(f64::NAN);
                frame.x = attr(&e, "fg:x").and_then(|x| x.parse().ok());
                frame.samples = attr(&e, "fg:w").and_then(|w| w.parse().ok());
                frame.fill = attr(&e, "fill");
            }
            Event::Text(text) if title.is_some() => {
                let text = text.decode().expect("UTF-8 text");
                title.as_mut().unwrap().push_str(&text);
            }
            Event::GeneralRef(reference) if title.is_some() => {
                let name = reference.decode().expect("UTF-8 reference");
                let entity = format!("&{name};");
                let text = quick_xml::escape::unescape(&entity).expect("known entity");
                title.as_mut().unwrap().push_str(&text);
            }
            Event::End(e) => {
                if e.name().as_ref() == b"title" {
                    if let (Some(frame), Some(text)) = (current.as_mut(), title.take()) {
                        frame.title = text;
                    }
                } else if e.name().as_ref() == b"g" {
                    frames.extend(current.take());
                }
                if depth == in_frames {
                    in_frames = 0;
                }
                depth -= 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (frames, total)
}

/// The text of the SVG element with `id="ID"` (title, subtitle…),
/// XML-unescaped.
pub fn svg_text(svg: &[u8], id: &str) -> Option<String> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e)
                if e.try_get_attribute("id")
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.value.as_ref() == id.as_bytes()) =>
            {
                text = Some(String::new());
            }
            Event::Text(t) if text.is_some() => {
                text.as_mut().unwrap().push_str(&t.decode().expect("UTF-8"));
            }
            Event::GeneralRef(r) if text.is_some() => {
                let entity = format!("&{};", r.decode().expect("UTF-8"));
                text.as_mut()
                    .unwrap()
                    .push_str(&quick_xml::escape::unescape(&entity).expect("known entity"));
            }
            Event::End(_) if text.is_some() => return text,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The attribute `name` of the outermost `<svg>` element.
pub fn svg_root_attr(svg: &[u8], name: &str) -> Option<String> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(svg);
    loop {
        match reader.read_event().expect("XML") {
            Event::Start(e) if e.name().as_ref() == b"svg" => {
                return e.try_get_attribute(name).expect("attribute").map(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value")
                        .into_owned()
                });
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}
