//! The graph used as a person uses it: headless Chromium opens the SVG (and
//! the HTML report) from a local web server, clicks a frame to zoom, runs a
//! search, hovers a file, and the page is checked after each step against
//! the counts of the same tree.
//!
//! Needs chromium and chromedriver (Debian: `chromium`, `chromium-driver`).
//! Without them the tests pass after a notice, unless `CI` or
//! `REPOFLAME_REQUIRE_BROWSER` is set: then they fail. With
//! `REPOFLAME_SCREENSHOT=1`, [`screenshot_of_the_graph`] writes the
//! README's `docs/screenshot.png`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::json;

use crate::support::browser::server::{Page, Server};
use crate::support::browser::webdriver::{self, Browser, Element, Tools, png_size};
use crate::support::color::{delta_e, lab};
use crate::support::output::parse_folded;
use crate::support::run::{Run, describe, repoflame};
use crate::support::tree::{TestDir, vendored_go_module};

/// Window size of the browser: the SVG fills the window's width.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 800;

/// The search highlight colour of inferno's script.
const SEARCH_COLOR: &str = "rgb(230,0,230)";

/// `n` numbered lines made by `line`, after a comment and a blank line.
fn source(comment: &str, n: usize, line: impl Fn(usize) -> String) -> String {
    let mut text = format!("{comment}\n\n");
    for i in 0..n {
        text.push_str(&line(i));
        text.push('\n');
    }
    text
}

/// A small project in several languages, every frame wide enough to click:
/// `src` holds most of the code, `util` names a directory and files in
/// three places (one inside the directory, to test overlapping matches).
fn sample_tree() -> TestDir {
    let dir = TestDir::new("sample");
    let rust = |n| source("// sample", n, |i| format!("fn f{i}() {{}}"));
    let python = |n| source("# sample", n, |i| format!("x{i} = {i}"));
    let js = |n| source("// sample", n, |i| format!("const x{i} = {i};"));
    let c = |n| source("/* sample */", n, |i| format!("int x{i} = {i};"));
    dir.file("src/main.rs", rust(120))
        .file("src/utils/mod.rs", rust(60))
        .file("src/utils/util_fmt.rs", rust(20))
        .file("src/render/svg.rs", rust(300))
        .file("src/render/html.rs", rust(150))
        .file("src/render/table.rs", rust(60))
        .file("src/count/mod.rs", rust(100))
        .file("src/count/shebang.rs", rust(40))
        .file("web/app.js", js(140))
        .file("web/util.js", js(50))
        .file(
            "web/style.css",
            source("/* sample */", 60, |i| format!(".c{i} {{ color: red; }}")),
        )
        .file("scripts/build.py", python(90))
        .file("scripts/util.py", python(45))
        .file(
            "scripts/deploy.sh",
            source("#!/bin/sh", 30, |i| format!("echo {i}")),
        )
        .file("native/zlib.c", c(110))
        .file("native/zlib.h", c(40))
        .file(
            "Cargo.toml",
            source("# sample", 20, |i| format!("key{i} = {i}")),
        );
    dir
}

/// The tree as the folded output gives it: the count of each frame by its
/// path as the hover text writes it (`sample/`, `sample/src/`,
/// `sample/src/main.rs`), and the total.
struct Counts {
    frames: BTreeMap<String, u64>,
    lines: Vec<(Vec<String>, u64)>,
    total: u64,
}

impl Counts {
    fn of(dir: &TestDir) -> Counts {
        let out = dir.run(&["--folded"]);
        assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
        let lines = parse_folded(std::str::from_utf8(&out.stdout).expect("UTF-8"));
        let mut frames = BTreeMap::new();
        for (stack, count) in &lines {
            for depth in 1..=stack.len() {
                let mut path = stack[..depth].join("/");
                if depth < stack.len() {
                    path.push('/');
                }
                *frames.entry(path).or_insert(0) += count;
            }
        }
        let total = lines.iter().map(|(_, c)| c).sum();
        Counts {
            frames,
            lines,
            total,
        }
    }

    fn get(&self, path: &str) -> u64 {
        *self
            .frames
            .get(path)
            .unwrap_or_else(|| panic!("no frame {path} in the folded output"))
    }
}

/// Renders `dir` with `args` into a file beside it and returns the bytes.
fn render(dir: &TestDir, args: &[&str], file: &str) -> Vec<u8> {
    let path = dir.parent().join(file);
    let out = dir.run(&[args, &["-o", path.to_str().expect("UTF-8 path")]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    std::fs::read(&path).expect("read the output")
}

/// One `<g>` of `#frames` as the page shows it now.
#[derive(Debug)]
struct Frame {
    /// First line of the tooltip: the label.
    name: String,
    /// The path the tooltip's second line starts with.
    path: String,
    class: String,
    /// The rect's `width` attribute, in percent.
    width: f64,
    /// The rect's rendered width, in pixels.
    pixels: f64,
    fill: String,
    displayed: bool,
}

/// Every frame of the flame graph, read in one script.
fn frames(browser: &Browser) -> Vec<Frame> {
    let value = browser.execute(
        r#"
        var out = [];
        var gs = document.querySelectorAll('#frames > g');
        for (var i = 0; i < gs.length; i++) {
            var g = gs[i], rect = g.querySelector('rect');
            var title = g.querySelector('title').textContent.split('\n');
            out.push({
                name: title[0],
                path: (title[1] || '').split(' · ')[0],
                cls: g.getAttribute('class') || '',
                width: parseFloat(rect.getAttribute('width')),
                pixels: rect.getBoundingClientRect().width,
                fill: rect.getAttribute('fill'),
                displayed: getComputedStyle(g).display != 'none'
            });
        }
        return out;
        "#,
        vec![],
    );
    value
        .as_array()
        .expect("an array of frames")
        .iter()
        .map(|f| Frame {
            name: f["name"].as_str().unwrap_or_default().to_string(),
            path: f["path"].as_str().unwrap_or_default().to_string(),
            class: f["cls"].as_str().unwrap_or_default().to_string(),
            width: f["width"].as_f64().unwrap_or(f64::NAN),
            pixels: f["pixels"].as_f64().unwrap_or(f64::NAN),
            fill: f["fill"].as_str().unwrap_or_default().to_string(),
            displayed: f["displayed"].as_bool().unwrap_or(false),
        })
        .collect()
}

fn has_class(frame: &Frame, class: &str) -> bool {
    frame.class.split_whitespace().any(|c| c == class)
}

/// The `<g>` of the frame whose tooltip names `path`.
fn frame_element(browser: &Browser, path: &str) -> Element {
    browser.element_by_script(
        r#"
        var gs = document.querySelectorAll('#frames > g');
        for (var i = 0; i < gs.length; i++) {
            var lines = gs[i].querySelector('title').textContent.split('\n');
            if (lines.length > 1 && lines[1].split(' · ')[0] == arguments[0]) return gs[i];
        }
        return null;
        "#,
        vec![json!(path)],
        &format!("the frame of {path}"),
    )
}

/// Waits until inferno's script has set the graph up (`init` and the
/// layout it defers with `setTimeout`).
fn wait_for_graph(browser: &Browser) {
    browser.wait_for(
        "typeof unzoombtn !== 'undefined' && unzoombtn && typeof frames !== 'undefined' && frames",
        "the graph's script to run init()",
    );
    // init defers its first layout with setTimeout(0): a timer set now
    // fires after it.
    browser.command(
        "POST",
        "/execute/async",
        Some(json!({
            "script": "var done = arguments[0]; setTimeout(function () { requestAnimationFrame(function () { done(true); }); }, 0);",
            "args": []
        })),
    );
}

/// Error messages of the page's console (script errors, failed loads other
/// than the favicon).
fn console_errors(browser: &Browser) -> Vec<String> {
    let Ok(entries) = browser.try_command("POST", "/se/log", Some(json!({ "type": "browser" })))
    else {
        return Vec::new();
    };
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .filter_map(|e| e["message"].as_str())
        .filter(|m| !m.contains("favicon.ico"))
        .map(str::to_string)
        .collect()
}

/// Asserts that `a` and `b` differ by at most `tolerance`.
fn assert_near(a: f64, b: f64, tolerance: f64, what: &str) {
    assert!(
        (a - b).abs() <= tolerance,
        "{what}: {a} is not {b} (± {tolerance})"
    );
}

/// Clicks the frame of the directory `dir` (a path like `sample/src/`) and
/// checks the zoom: the frame spans the graph, the frames above it are
/// redrawn in proportion, its ancestors are marked `parent`, every other
/// frame is hidden, and "Reset Zoom" appears; then resets the zoom.
fn check_zoom(browser: &Browser, counts: &Counts, dir: &str) {
    let root = format!("{}/", counts.lines[0].0[0]);
    let total = counts.total as f64;
    let before = frames(browser);
    let unzoom = browser.find("#unzoom");
    assert!(
        !browser.displayed(&unzoom),
        "Reset Zoom shown before any zoom"
    );
    let frame = |frames: &[Frame], path: &str| -> usize {
        frames
            .iter()
            .position(|f| f.path == path)
            .unwrap_or_else(|| panic!("no frame {path} on the page: {frames:#?}"))
    };
    let target = frame(&before, dir);
    let width_before = 100.0 * counts.get(dir) as f64 / total;
    assert_near(
        before[target].width,
        width_before,
        0.01,
        "width before the zoom",
    );
    assert!(
        before.iter().all(|f| f.displayed),
        "a frame hidden before the zoom"
    );

    browser.click(&frame_element(browser, dir));

    let after = frames(browser);
    let graph_pixels = before[frame(&before, &root)].pixels;
    let zoomed = &after[frame(&after, dir)];
    assert_near(zoomed.width, 100.0, 0.01, "width of the clicked frame (%)");
    assert_near(
        zoomed.pixels,
        graph_pixels,
        1.0,
        "width of the clicked frame (px)",
    );
    let dir_count = counts.get(dir) as f64;
    let mut shown = 0;
    for f in &after {
        if f.path == dir {
            continue;
        }
        if f.path.starts_with(dir) {
            // Above the zoomed frame: redrawn in proportion to it.
            assert!(f.displayed && !has_class(f, "hide"), "{f:?} hidden");
            let expected = 100.0 * counts.get(&f.path) as f64 / dir_count;
            assert_near(
                f.width,
                expected,
                0.01,
                &format!("zoomed width of {}", f.path),
            );
            shown += 1;
        } else if dir.starts_with(&f.path) {
            // An ancestor: full width, faded.
            assert!(has_class(f, "parent"), "ancestor {f:?} not marked parent");
            assert!(f.displayed, "ancestor {f:?} hidden");
            assert_near(
                f.width,
                100.0,
                0.01,
                &format!("width of ancestor {}", f.path),
            );
        } else {
            assert!(has_class(f, "hide"), "{f:?} outside the zoom, not hidden");
            assert!(!f.displayed, "{f:?} has class hide but is displayed");
        }
    }
    assert!(
        shown > 0,
        "no frame above {dir}: pick a directory with content"
    );
    assert!(
        browser.displayed(&unzoom),
        "Reset Zoom not shown after the zoom"
    );

    browser.click(&unzoom);
    let reset = frames(browser);
    assert!(
        reset.iter().all(|f| f.displayed),
        "a frame hidden after Reset Zoom"
    );
    assert_near(
        reset[frame(&reset, dir)].width,
        width_before,
        0.01,
        "width after Reset Zoom",
    );
    assert!(
        !browser.displayed(&unzoom),
        "Reset Zoom still shown after the reset"
    );
}

/// An SVG served from 127.0.0.1 and open in a headless browser.
struct Opened {
    browser: Browser,
    server: Server,
}

/// Serves `body` at `/path` and opens it.
fn open(tools: &Tools, path: &str, content_type: &'static str, body: Vec<u8>) -> Opened {
    let server = Server::start(vec![(path, Page { content_type, body })]);
    let browser = Browser::start(tools, WIDTH, HEIGHT);
    browser.goto(&server.url(path));
    wait_for_graph(&browser);
    Opened { browser, server }
}

/// The sample tree drawn as an SVG and open in a browser, with its counts;
/// `None` without a browser (see [`webdriver::tools`]).
fn open_sample_svg(test: &str) -> Option<(Opened, Counts, TestDir)> {
    let tools = webdriver::tools(test)?;
    let dir = sample_tree();
    let counts = Counts::of(&dir);
    let svg = render(&dir, &[], "sample.svg");
    let opened = open(&tools, "/sample.svg", "image/svg+xml", svg);
    // Every frame drawn: one per directory and file, none merged.
    let drawn: BTreeSet<String> = frames(&opened.browser)
        .into_iter()
        .map(|f| f.path)
        .collect();
    let expected: BTreeSet<String> = counts.frames.keys().cloned().collect();
    assert_eq!(drawn, expected, "the frames on the page are not the tree's");
    Some((opened, counts, dir))
}

#[test]
fn svg_click_zooms_into_a_directory() {
    let Some((opened, counts, _dir)) = open_sample_svg("svg_click_zooms_into_a_directory") else {
        return;
    };
    check_zoom(&opened.browser, &counts, "sample/src/");
    // A second level, through the same clicks.
    check_zoom(&opened.browser, &counts, "sample/src/render/");
    assert_eq!(console_errors(&opened.browser), Vec::<String>::new());
    assert!(
        opened
            .server
            .requests()
            .contains(&"/sample.svg".to_string())
    );
}

/// What the page shows for a search that matched `count` code lines out
/// of `total`: the count, and its share written as repoflame's tooltips
/// write shares (`12.34%`, `<0.01%`, `100%`; two decimals rounded as
/// written here, by hand).
fn matched_text(count: u64, total: u64) -> String {
    let share = if count == total {
        "100%".to_string()
    } else {
        let pct = 100.0 * count as f64 / total as f64;
        if pct < 0.01 {
            "<0.01%".to_string()
        } else {
            format!("{pct:.2}%")
        }
    };
    let unit = if count == 1 {
        "code line"
    } else {
        "code lines"
    };
    let mut digits = count.to_string();
    let mut i = digits.len();
    while i > 3 {
        i -= 3;
        digits.insert(i, ',');
    }
    format!("Matched: {digits} {unit} ({share})")
}

/// Runs a search as the page's own code does for a person's term.
fn search(browser: &Browser, term: &str) -> String {
    browser.execute("search(arguments[0]);", vec![json!(term)]);
    browser.text(&browser.find("#matched"))
}

/// Resets the search with the search button, as a person does.
fn reset_search(browser: &Browser) {
    assert_eq!(browser.text(&browser.find("#search")), "Reset Search");
    browser.click(&browser.find("#search"));
    assert!(
        frames(browser).iter().all(|f| f.fill != SEARCH_COLOR),
        "search colour left after Reset Search"
    );
    assert_eq!(browser.text(&browser.find("#search")), "Search");
}

#[test]
fn svg_search_highlights_and_measures_matches() {
    let Some((opened, counts, _dir)) =
        open_sample_svg("svg_search_highlights_and_measures_matches")
    else {
        return;
    };
    let browser = &opened.browser;
    let page_color = browser.execute("return searchcolor;", vec![]);
    assert_eq!(page_color, json!(SEARCH_COLOR), "the page's search colour");

    // Plain substrings, so that the page's RegExp and `contains` agree:
    // `util` matches a directory (and so everything in it), a file inside
    // it and files elsewhere, `render` one directory, `zlib` two files side
    // by side. A frame matches by its name or its path.
    for term in ["util", "render", "zlib"] {
        let matched = search(browser, term);
        // A line counts once however many of its frames match.
        let count: u64 = counts
            .lines
            .iter()
            .filter(|(stack, _)| stack.iter().any(|f| f.contains(term)))
            .map(|(_, c)| c)
            .sum();
        assert!(count > 0, "{term} matches nothing in the sample");
        assert_eq!(
            matched,
            matched_text(count, counts.total),
            "search {term:?}: {count} of {} lines",
            counts.total
        );
        for f in frames(browser) {
            assert_eq!(
                f.fill == SEARCH_COLOR,
                f.name.contains(term) || f.path.contains(term),
                "search {term:?}: frame {} has fill {}",
                f.path,
                f.fill
            );
        }
        reset_search(browser);
    }

    // A regular expression, anchored to the start of a name.
    let matched = search(browser, "^(build|deploy)\\.");
    let count = counts.get("sample/scripts/build.py") + counts.get("sample/scripts/deploy.sh");
    assert_eq!(matched, matched_text(count, counts.total));
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// The legend's share of `language`, as the page shows it ("Rust 41.27%").
fn legend_share(browser: &Browser, language: &str) -> String {
    let texts: Vec<String> = serde_json::from_value(browser.execute(
        "return [].map.call(document.querySelectorAll('#legend text'), function (t) { return t.textContent; });",
        vec![],
    ))
    .expect("legend texts");
    texts
        .iter()
        .find_map(|t| t.strip_prefix(&format!("{language} ")))
        .unwrap_or_else(|| panic!("no {language} in the legend {texts:?}"))
        .to_string()
}

#[test]
fn svg_search_matches_paths_and_languages_against_the_whole_source() {
    let test = "svg_search_matches_paths_and_languages_against_the_whole_source";
    let Some((opened, counts, _dir)) = open_sample_svg(test) else {
        return;
    };
    let browser = &opened.browser;
    let sum = |pick: &dyn Fn(&str) -> bool| -> u64 {
        counts
            .lines
            .iter()
            .filter(|(stack, _)| pick(&stack.join("/")))
            .map(|(_, c)| c)
            .sum()
    };

    // The prompt is repoflame's, not kernel profiling's: a person presses
    // the search button and reads it.
    browser.click(&browser.find("#search"));
    let prompt = browser.command("GET", "/alert/text", None);
    let prompt = prompt.as_str().unwrap_or_default().to_string();
    assert!(
        prompt.contains("testsuite/") && prompt.contains("language") && !prompt.contains("ext4"),
        "the prompt: {prompt:?}"
    );
    browser.command("POST", "/alert/text", Some(json!({ "text": "scripts/" })));
    browser.command("POST", "/alert/accept", Some(json!({})));

    // A path: the directory and everything in it, nothing else.
    let scripts = counts.get("sample/scripts/");
    assert_eq!(
        browser.text(&browser.find("#matched")),
        matched_text(scripts, counts.total)
    );
    for f in frames(browser) {
        assert_eq!(
            f.fill == SEARCH_COLOR,
            f.path.starts_with("sample/scripts/"),
            "search scripts/: {} has fill {}",
            f.path,
            f.fill
        );
    }
    reset_search(browser);

    // A language, in any case: its files and nothing else, as much as the
    // legend says.
    let rust = sum(&|path| path.ends_with(".rs"));
    for term in ["Rust", "rust"] {
        let matched = search(browser, term);
        assert_eq!(matched, matched_text(rust, counts.total), "search {term}");
        let share = legend_share(browser, "Rust");
        assert!(
            matched.ends_with(&format!("({share})")),
            "{matched} vs legend {share}"
        );
        for f in frames(browser) {
            assert_eq!(
                f.fill == SEARCH_COLOR,
                f.path.ends_with(".rs"),
                "search {term}: {} has fill {}",
                f.path,
                f.fill
            );
        }
        reset_search(browser);
    }
    // Languages: C and C Header, and Python with JavaScript.
    let both = sum(&|path| path.ends_with(".c") || path.ends_with(".h"));
    assert_eq!(
        search(browser, "C|c header"),
        matched_text(both, counts.total)
    );
    reset_search(browser);
    let two = sum(&|path| path.ends_with(".py") || path.ends_with(".js"));
    assert_eq!(
        search(browser, "Python|JavaScript"),
        matched_text(two, counts.total)
    );
    reset_search(browser);

    // Zoomed into src/render/: what is in view, measured against the whole
    // source as the tooltips are, not against src/render/.
    browser.click(&frame_element(browser, "sample/src/render/"));
    let in_render = sum(&|path| path.starts_with("sample/src/render/"));
    let matched = search(browser, "Rust");
    assert_eq!(matched, matched_text(in_render, counts.total));
    assert_ne!(in_render, counts.total);
    browser.click(&browser.find("#unzoom"));
    reset_search(browser);

    // Not a regular expression: plain text, and no error.
    search(browser, "C++");
    search(browser, "a[1");
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

#[test]
fn svg_hover_shows_path_language_and_count() {
    let Some((opened, counts, _dir)) = open_sample_svg("svg_hover_shows_path_language_and_count")
    else {
        return;
    };
    let browser = &opened.browser;
    let details = browser.find("#details");
    for (path, language) in [
        ("sample/src/render/svg.rs", "Rust"),
        ("sample/scripts/build.py", "Python"),
        ("sample/web/app.js", "JavaScript"),
    ] {
        browser.hover(&frame_element(browser, path));
        let text = browser.text(&details);
        assert!(text.contains(path), "hover on {path}: details {text:?}");
        assert!(
            text.contains(&format!(" {language} ")),
            "hover on {path}: no {language} in {text:?}"
        );
        let code = counts.get(path).to_string();
        assert!(
            text.split(|c: char| !c.is_ascii_digit()).any(|n| n == code),
            "hover on {path}: no count {code} in {text:?}"
        );
    }
    // Leaving the frames clears the details.
    browser.hover(&browser.find("#title"));
    assert_eq!(
        browser.text(&details).trim(),
        "",
        "details left after mouseout"
    );
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// Draws repoflame's own sources (as the README's command does) and takes a
/// screenshot of the whole graph, zoomed out. Written to
/// `docs/screenshot.png` with `REPOFLAME_SCREENSHOT=1`, else to a
/// temporary directory.
#[test]
fn screenshot_of_the_graph() {
    let Some(tools) = webdriver::tools("screenshot_of_the_graph") else {
        return;
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::Builder::new()
        .prefix("repoflame-screenshot-")
        .tempdir()
        .expect("temp dir");
    let svg_path = tmp.path().join("repoflame.svg");
    let out = repoflame()
        .current_dir(repo)
        .args([
            ".",
            "--name",
            "repoflame",
            "-e",
            "/docs",
            "-e",
            "/tests/golden",
            "-e",
            "/vendor",
            "-e",
            "/target",
            "-o",
            svg_path.to_str().expect("UTF-8 path"),
        ])
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    let svg = std::fs::read(&svg_path).expect("read the SVG");
    let (png, size) = screenshot(&tools, svg);
    let target = if std::env::var("REPOFLAME_SCREENSHOT").as_deref() == Ok("1") {
        repo.join("docs/screenshot.png")
    } else {
        tmp.path().join("screenshot.png")
    };
    std::fs::write(&target, &png).expect("write the screenshot");
    eprintln!(
        "screenshot_of_the_graph: {} ({}x{})",
        target.display(),
        size.0,
        size.1
    );
}

/// The `height` attribute of the root `<svg>`.
fn svg_height(svg: &[u8]) -> u32 {
    let text = String::from_utf8_lossy(svg);
    let start = text.find("<svg ").expect("an <svg> element");
    let tag = &text[start..start + text[start..].find('>').expect("end of tag")];
    let value = tag
        .split(" height=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a height attribute");
    value.parse().unwrap_or_else(|_| panic!("height {value:?}"))
}

/// A screenshot of the whole of `svg`, zoomed out, in a window as wide as
/// [`WIDTH`] and taller than the graph, with its size; checked to be the
/// graph's size, not blank, and drawn without a script error.
fn screenshot(tools: &Tools, svg: Vec<u8>) -> (Vec<u8>, (u32, u32)) {
    let height = svg_height(&svg);
    let server = Server::start(vec![(
        "/graph.svg",
        Page {
            content_type: "image/svg+xml",
            body: svg,
        },
    )]);
    // Taller than the graph, so that all of it is in view.
    let browser = Browser::start(tools, WIDTH, height + 100);
    browser.goto(&server.url("/graph.svg"));
    wait_for_graph(&browser);
    let png = browser.element_screenshot(&browser.element_by_script(
        "return document.documentElement;",
        vec![],
        "the SVG",
    ));
    assert_eq!(console_errors(&browser), Vec::<String>::new());
    drop(browser);
    let size = png_size(&png).unwrap_or_else(|| panic!("not a PNG: {} bytes", png.len()));
    assert_eq!(
        size,
        (WIDTH, height),
        "screenshot size: the SVG fills the width"
    );
    // A blank or nearly blank picture compresses to a few hundred bytes.
    assert!(
        png.len() > 10_000,
        "screenshot of {} bytes: blank?",
        png.len()
    );
    (png, size)
}

/// Pictures of a vendor-heavy Go module ([`vendored_go_module`]) for a
/// person to judge: the default picture, the user's own code alone
/// (`--own`), and per-directory totals one and two levels deep with small
/// entries merged. Written to the directory
/// `REPOFLAME_SCREENSHOT_DIR` when it is set, else to a temporary one.
#[test]
fn screenshots_of_a_vendor_heavy_module() {
    let Some(tools) = webdriver::tools("screenshots_of_a_vendor_heavy_module") else {
        return;
    };
    let dir = vendored_go_module();
    let tmp = tempfile::Builder::new()
        .prefix("repoflame-screenshot-")
        .tempdir()
        .expect("temp dir");
    let target = match std::env::var_os("REPOFLAME_SCREENSHOT_DIR") {
        Some(target) => std::path::PathBuf::from(target),
        None => tmp.path().to_path_buf(),
    };
    let views: [(&str, &[&str]); 4] = [
        ("gomod-default.png", &[]),
        ("gomod-own.png", &["--own"]),
        ("gomod-depth-2.png", &["--depth", "2", "--min-width", "8"]),
        ("gomod-depth-1.png", &["--depth", "1", "--min-width", "30"]),
    ];
    for (name, args) in views {
        let svg = render(&dir, args, "gomod.svg");
        let (png, size) = screenshot(&tools, svg);
        let path = target.join(name);
        std::fs::write(&path, &png).expect("write the screenshot");
        eprintln!(
            "screenshots_of_a_vendor_heavy_module: {} ({}x{})",
            path.display(),
            size.0,
            size.1
        );
    }
}

/// The rows of the language table, first column, top to bottom.
fn first_column(browser: &Browser, table: &Element) -> Vec<String> {
    let value = browser.execute(
        r#"
        var t = arguments[0];
        var header = t.tHead ? t.tHead.rows[0] : t.rows[0];
        var out = [];
        for (var b = 0; b < t.tBodies.length; b++) {
            var rows = t.tBodies[b].rows;
            for (var i = 0; i < rows.length; i++) {
                if (rows[i] !== header && rows[i].cells.length) out.push(rows[i].cells[0].textContent.trim());
            }
        }
        return out;
        "#,
        vec![table.json()],
    );
    serde_json::from_value(value).expect("a list of strings")
}

#[test]
fn html_report_zooms_and_sorts() {
    let test = "html_report_zooms_and_sorts";
    let Some(tools) = webdriver::tools(test) else {
        return;
    };
    let dir = sample_tree();
    let counts = Counts::of(&dir);
    let html = render(&dir, &["--format", "html"], "sample.html");
    let opened = open(&tools, "/report.html", "text/html; charset=utf-8", html);
    let browser = &opened.browser;

    // The inlined graph: every frame drawn, zoom by click.
    let drawn: BTreeSet<String> = frames(browser).into_iter().map(|f| f.path).collect();
    let expected: BTreeSet<String> = counts.frames.keys().cloned().collect();
    assert_eq!(drawn, expected, "the frames on the page are not the tree's");
    check_zoom(browser, &counts, "sample/src/");

    // The language table: clicking the "Language" header sorts by name.
    let table = browser.element_by_script(
        r#"
        var tables = document.querySelectorAll('table');
        for (var i = 0; i < tables.length; i++) {
            var ths = tables[i].querySelectorAll('th');
            for (var j = 0; j < ths.length; j++)
                if (/language/i.test(ths[j].textContent)) return tables[i];
        }
        return null;
        "#,
        vec![],
        "a table with a Language header",
    );
    let header = browser.element_by_script(
        r#"
        var ths = arguments[0].querySelectorAll('th');
        for (var j = 0; j < ths.length; j++)
            if (/language/i.test(ths[j].textContent))
                return ths[j].querySelector('button, a, [role=button]') || ths[j];
        return null;
        "#,
        vec![table.json()],
        "the Language header (its button or link, if any: where a person clicks)",
    );
    let before = first_column(browser, &table);
    let languages: BTreeSet<&str> = ["Rust", "JavaScript", "CSS", "Python", "Shell", "C", "TOML"]
        .into_iter()
        .collect();
    for language in &languages {
        assert!(
            before.iter().any(|l| l == language),
            "{language} not in the language table {before:?}"
        );
    }
    browser.click(&header);
    let after = first_column(browser, &table);
    assert_ne!(
        after, before,
        "clicking the Language header did not reorder the table"
    );
    let mut sorted = before.clone();
    sorted.sort_by_key(|l| l.to_lowercase());
    let mut reversed = sorted.clone();
    reversed.reverse();
    assert!(
        after == sorted || after == reversed,
        "after a click on the Language header, not sorted by name: {after:?} (was {before:?})"
    );

    // Self-contained: nothing fetched but the page itself.
    let resources: Vec<String> = serde_json::from_value(browser.execute(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
        vec![],
    ))
    .expect("resource names");
    let favicon = opened.server.url("/favicon.ico");
    let loaded: Vec<&String> = resources.iter().filter(|r| **r != favicon).collect();
    assert!(
        loaded.is_empty(),
        "the report loads other resources: {loaded:?}"
    );
    let requests: Vec<String> = opened
        .server
        .requests()
        .into_iter()
        .filter(|p| p != "/favicon.ico")
        .collect();
    assert_eq!(requests, ["/report.html"], "requests to the server");
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// The colours the page shows at `points` (viewport pixels), measured on
/// the SVG as Chromium draws it: the document at `url` drawn into a canvas
/// and read back, so that what is measured is what a person sees.
fn rendered_colours(browser: &Browser, url: &str, points: &[(f64, f64)]) -> Vec<(u8, u8, u8)> {
    let value = browser.command(
        "POST",
        "/execute/async",
        Some(json!({
            "script": r#"
                var url = arguments[0], points = arguments[1], done = arguments[2];
                var img = new Image();
                img.onload = function () {
                    var canvas = document.createElementNS("http://www.w3.org/1999/xhtml", "canvas");
                    canvas.width = img.width;
                    canvas.height = img.height;
                    var ctx = canvas.getContext("2d");
                    ctx.drawImage(img, 0, 0);
                    done(points.map(function (p) {
                        var d = ctx.getImageData(Math.round(p[0]), Math.round(p[1]), 1, 1).data;
                        return [d[0], d[1], d[2]];
                    }));
                };
                img.onerror = function () { done(null); };
                img.src = url;
            "#,
            "args": [url, points],
        })),
    );
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("no pixels: {value}"))
}

/// The centre of each element the script returns (viewport pixels).
fn centres(browser: &Browser, script: &str, args: Vec<serde_json::Value>) -> Vec<(f64, f64)> {
    points(browser, script, args, "r.left + r.width / 2")
}

/// A point of each element the script returns (viewport pixels), at its
/// middle height and at `x`, a JavaScript expression of its bounding box
/// `r`.
fn points(
    browser: &Browser,
    script: &str,
    args: Vec<serde_json::Value>,
    x: &str,
) -> Vec<(f64, f64)> {
    let value = browser.execute(
        &format!(
            "return ({script}).map(function (e) {{ var r = e.getBoundingClientRect(); \
             return [{x}, r.top + r.height / 2]; }});"
        ),
        args,
    );
    serde_json::from_value(value.clone()).unwrap_or_else(|_| panic!("no points: {value}"))
}

/// `n` lines of code, one statement each.
fn code(n: usize) -> String {
    (0..n).map(|i| format!("x{i}\n")).collect()
}

/// A diff whose files changed by +1%, +10%, +100%, −1%, −10% and −50%,
/// were added, deleted, or stayed: the colours measured as drawn, each
/// change told from the next (the old linear scale gave +1% and +10% a ΔE
/// of 5, +1% and +100% one of 31), and the legend read as a person reads
/// it.
#[test]
fn svg_diff_colours_tell_small_changes_from_large() {
    let Some(tools) = webdriver::tools("svg_diff_colours_tell_small_changes_from_large") else {
        return;
    };
    let repo = crate::support::repo::TestRepo::new("d");
    repo.file("grew1.rs", code(1000))
        .file("grew10.rs", code(1000))
        .file("grew100.rs", code(100))
        .file("shrank1.py", code(1000))
        .file("shrank10.py", code(1000))
        .file("shrank50.py", code(200))
        .file("gone.go", code(300))
        .file("same.c", code(300))
        .commit("one");
    repo.tag("v1");
    repo.file("grew1.rs", code(1010))
        .file("grew10.rs", code(1100))
        .file("grew100.rs", code(200))
        .file("shrank1.py", code(990))
        .file("shrank10.py", code(900))
        .file("shrank50.py", code(100))
        .remove("gone.go")
        .file("new.go", code(300))
        .commit("two");
    repo.tag("v2");
    let path = repo.base().join("diff.svg");
    let out = repo
        .cmd()
        .args(["--diff", "v1..v2", "--width", "1200", "-o"])
        .arg(&path)
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    let svg = std::fs::read(&path).expect("read the SVG");
    let opened = open(&tools, "/diff.svg", "image/svg+xml", svg);
    let browser = &opened.browser;
    let url = opened.server.url("/diff.svg");

    let files = [
        "grew1.rs",
        "grew10.rs",
        "grew100.rs",
        "shrank1.py",
        "shrank10.py",
        "shrank50.py",
        "new.go",
        "gone.go",
        "same.c",
    ];
    let paths: Vec<String> = files.iter().map(|f| format!("d/{f}")).collect();
    // Left of the label (it starts 3 px in), where the fill shows.
    let points = points(
        browser,
        r#"arguments[0].map(function (path) {
            var gs = document.querySelectorAll('#frames > g');
            for (var i = 0; i < gs.length; i++) {
                var lines = gs[i].querySelector('title').textContent.split('\n');
                if (lines[1].split(' · ')[0] == path) return gs[i].querySelector('rect');
            }
            throw new Error('no frame ' + path);
        })"#,
        vec![json!(paths)],
        "r.left + 1.5",
    );
    let colours = rendered_colours(browser, &url, &points);
    let fill: BTreeMap<&str, (u8, u8, u8)> = files.iter().copied().zip(colours).collect();
    let red = |c: (u8, u8, u8)| i32::from(c.0) > i32::from(c.2) + 20;
    let blue = |c: (u8, u8, u8)| i32::from(c.2) > i32::from(c.0) + 20;
    for f in ["grew1.rs", "grew10.rs", "grew100.rs", "new.go"] {
        assert!(red(fill[f]), "{f} grew: {:?}", fill[f]);
    }
    for f in ["shrank1.py", "shrank10.py", "shrank50.py", "gone.go"] {
        assert!(blue(fill[f]), "{f} shrank: {:?}", fill[f]);
    }
    let same = fill["same.c"];
    assert!(
        same.0.abs_diff(same.2) <= 16 && same.0.abs_diff(same.1) <= 16,
        "unchanged is grey: {same:?}"
    );
    // Each step plainly apart from the next (10 is plainly different),
    // and +1% and +100% far apart (they were nearly one salmon).
    for pair in [
        ["grew1.rs", "grew10.rs", "grew100.rs"],
        ["shrank1.py", "shrank10.py", "shrank50.py"],
    ] {
        for step in pair.windows(2) {
            let d = delta_e(fill[step[0]], fill[step[1]]);
            let (a, b) = (fill[step[0]], fill[step[1]]);
            assert!(
                d >= 15.0,
                "{} {a:?} and {} {b:?}: ΔE {d:.1}",
                step[0],
                step[1]
            );
        }
    }
    let d = delta_e(fill["grew1.rs"], fill["grew100.rs"]);
    assert!(
        d >= 45.0,
        "+1% {:?} and +100% {:?}: ΔE {d:.1}",
        fill["grew1.rs"],
        fill["grew100.rs"]
    );
    let d = delta_e(fill["shrank1.py"], fill["shrank50.py"]);
    assert!(d >= 30.0, "−1% and −50%: ΔE {d:.1}");
    // The larger change is the deeper (darker) colour; new and deleted
    // code the deepest.
    let lightness = |f: &str| lab(fill[f])[0];
    assert!(lightness("grew10.rs") < lightness("grew1.rs") - 8.0);
    assert!(lightness("grew100.rs") < lightness("grew10.rs") - 8.0);
    assert!(lightness("new.go") < lightness("grew100.rs") - 10.0);
    assert!(lightness("shrank10.py") < lightness("shrank1.py") - 5.0);
    assert!(lightness("shrank50.py") < lightness("shrank10.py") - 5.0);
    assert!(lightness("gone.go") < lightness("shrank50.py") - 10.0);

    // The legend: one row of swatches from new to deleted, one of words.
    let legend: Vec<(String, bool, f64)> = serde_json::from_value(browser.execute(
        "return [].map.call(document.querySelectorAll('#legend > g'), function (g) { \
           return [g.querySelector('text').textContent, !!g.querySelector('rect'), \
                   g.querySelector('text').getBoundingClientRect().top]; });",
        vec![],
    ))
    .expect("legend items");
    let rows: BTreeSet<i64> = legend.iter().map(|(_, _, y)| y.round() as i64).collect();
    assert_eq!(rows.len(), 2, "legend rows: {legend:?}");
    let with_swatch: Vec<&str> = legend
        .iter()
        .filter(|(_, swatch, _)| *swatch)
        .map(|(t, ..)| t.as_str())
        .collect();
    assert_eq!(with_swatch.first(), Some(&"new"));
    assert_eq!(with_swatch.last(), Some(&"deleted"));
    assert!(with_swatch.contains(&"unchanged"));
    let words: String = legend
        .iter()
        .filter(|(_, swatch, _)| !*swatch)
        .map(|(t, ..)| t.as_str())
        .collect();
    assert!(words.contains("deeper = larger change"), "{words:?}");
    assert!(
        words.contains("width = the larger of before and after"),
        "{words:?}"
    );
    assert!(
        !with_swatch.iter().any(|t| t.contains("width")),
        "a swatch for the width: {with_swatch:?}"
    );
    // The unchanged swatch shows on the background beside it.
    let points = centres(
        browser,
        "[].filter.call(document.querySelectorAll('#legend > g'), function (g) { \
           return g.querySelector('text').textContent == 'unchanged'; }).map(function (g) { \
           return g.querySelector('rect'); })",
        vec![],
    );
    let (x, y) = points[0];
    let pixels = rendered_colours(browser, &url, &[(x, y), (x - 10.0, y)]);
    let d = delta_e(pixels[0], pixels[1]);
    assert!(
        d >= 8.0,
        "unchanged swatch {:?} on {:?}: ΔE {d:.1}",
        pixels[0],
        pixels[1]
    );
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// Forty languages, a few large and a tail of tiny ones: the legend keeps
/// to two rows, the tail summed in one item whose tooltip names them.
#[test]
fn svg_legend_keeps_to_two_rows_and_sums_the_tail() {
    let Some(tools) = webdriver::tools("svg_legend_keeps_to_two_rows_and_sums_the_tail") else {
        return;
    };
    let dir = TestDir::new("many");
    dir.file("src/main.go", code(3000))
        .file("web/app.ts", code(900))
        .file("scripts/build.py", code(300));
    let tiny = [
        "rb", "pl", "php", "lua", "hs", "ml", "scala", "kt", "swift", "dart", "ex", "erl", "clj",
        "lisp", "r", "jl", "nim", "zig", "d", "cs", "fs", "vb", "pas", "f90", "tcl", "sql", "toml",
        "rs", "c", "java", "cpp", "sh", "css", "yaml", "json", "html", "vue",
    ];
    for ext in tiny {
        dir.file(format!("misc/tiny.{ext}"), code(1));
    }
    let counts = Counts::of(&dir);
    let svg = render(&dir, &["--width", "1200"], "many.svg");
    let opened = open(&tools, "/many.svg", "image/svg+xml", svg);
    let browser = &opened.browser;
    let legend: Vec<(String, String, f64, f64)> = serde_json::from_value(browser.execute(
        "return [].map.call(document.querySelectorAll('#legend > g'), function (g) { \
           var r = g.getBoundingClientRect(); \
           return [g.querySelector('text').textContent, g.querySelector('title').textContent, \
                   Math.round(g.querySelector('text').getBoundingClientRect().top), r.right]; });",
        vec![],
    ))
    .expect("legend items");
    let rows: BTreeSet<i64> = legend.iter().map(|(_, _, y, _)| *y as i64).collect();
    assert!(rows.len() <= 2, "{} legend rows: {legend:#?}", rows.len());
    let width = browser.execute(
        "return document.documentElement.getBoundingClientRect().right;",
        vec![],
    );
    let width = width.as_f64().expect("the SVG's width");
    for (text, _, _, right) in &legend {
        assert!(*right <= width, "{text} ends at {right}, past {width}");
    }
    // The large languages by name, then the tail in one item.
    let texts: Vec<&str> = legend.iter().map(|(t, ..)| t.as_str()).collect();
    assert!(texts[0].starts_with("Go "), "{texts:?}");
    let (rest, tooltip) = legend
        .iter()
        .find(|(t, ..)| t.starts_with("+ "))
        .map(|(t, tip, ..)| (t.as_str(), tip.as_str()))
        .unwrap_or_else(|| panic!("no item for the tail: {texts:?}"));
    let named = texts.iter().filter(|t| !t.starts_with("+ ")).count();
    let languages = 3 + tiny.len();
    assert_eq!(
        rest,
        format!(
            "+ {} more, {}",
            languages - named,
            // The tail: one line each of the languages not named.
            matched_text((languages - named) as u64, counts.total)
                .split(['(', ')'])
                .nth(1)
                .unwrap()
        )
    );
    assert_eq!(
        tooltip.matches("1 code line").count(),
        languages - named,
        "{tooltip}"
    );

    // The search finds a language, named or in the tail, and a directory.
    assert_eq!(search(browser, "Go"), matched_text(3000, counts.total));
    reset_search(browser);
    assert_eq!(search(browser, "zig"), matched_text(1, counts.total));
    reset_search(browser);
    let misc = search(browser, "misc/");
    assert_eq!(misc, matched_text(tiny.len() as u64, counts.total));
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// The rectangles of the frame whose tooltip's first line is `name`, as
/// drawn now: `[left, right]` in pixels of the frame and of its hatched
/// part (if any), the hatch's fill as computed, and the frame's dash
/// pattern.
#[derive(Debug)]
struct Drawn {
    frame: [f64; 2],
    hatch: Option<[f64; 2]>,
    hatch_fill: String,
    dashes: String,
}

fn drawn(browser: &Browser, name: &str) -> Drawn {
    let value = browser.execute(
        r#"
        var gs = document.querySelectorAll('#frames > g');
        for (var i = 0; i < gs.length; i++) {
            if (gs[i].querySelector('title').textContent.split('\n')[0] !== arguments[0]) continue;
            var rects = gs[i].querySelectorAll('rect');
            var box = function (r) { var b = r.getBoundingClientRect(); return [b.left, b.right]; };
            return {
                frame: box(rects[0]),
                hatch: rects.length > 1 ? box(rects[1]) : null,
                hatch_fill: rects.length > 1 ? getComputedStyle(rects[1]).fill : '',
                dashes: getComputedStyle(rects[0]).strokeDasharray
            };
        }
        return null;
        "#,
        vec![json!(name)],
    );
    assert!(!value.is_null(), "no frame {name}");
    let pair = |v: &serde_json::Value| [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()];
    Drawn {
        frame: pair(&value["frame"]),
        hatch: (!value["hatch"].is_null()).then(|| pair(&value["hatch"])),
        hatch_fill: value["hatch_fill"].as_str().unwrap_or_default().to_string(),
        dashes: value["dashes"].as_str().unwrap_or_default().to_string(),
    }
}

/// Checks that `frame` is hatched over its right `share`, within a pixel.
fn assert_hatched(drawn: &Drawn, share: f64, what: &str) {
    let hatch = drawn
        .hatch
        .unwrap_or_else(|| panic!("{what}: not hatched: {drawn:?}"));
    let [left, right] = drawn.frame;
    assert_near(
        hatch[1],
        right,
        1.0,
        &format!("{what}: right end of the hatch"),
    );
    assert_near(
        hatch[1] - hatch[0],
        share * (right - left),
        1.0,
        &format!("{what}: width of the hatch"),
    );
    assert!(
        drawn.hatch_fill.contains("#rf-hatch-pale"),
        "{what}: hatched with {:?}",
        drawn.hatch_fill
    );
    assert!(
        drawn.dashes != "none" && !drawn.dashes.is_empty(),
        "{what}: a merged frame with no dashed outline: {drawn:?}"
    );
}

#[test]
fn svg_merged_frames_are_hatched_in_proportion() {
    let Some(tools) = webdriver::tools("svg_merged_frames_are_hatched_in_proportion") else {
        return;
    };
    let dir = vendored_go_module();
    // One level deep, small entries merged (see
    // views::merged_frames_are_hatched_in_proportion_and_say_what_they_hold):
    // internal/ folded, 640 of its 2,200 lines generated; vendor/ folded,
    // all vendored; cmd/, main.go and pkg/ merged, none marked.
    let svg = render(&dir, &["--depth", "1", "--min-width", "30"], "gomod.svg");
    let opened = open(&tools, "/gomod.svg", "image/svg+xml", svg);
    let browser = &opened.browser;
    assert_hatched(&drawn(browser, "internal"), 640.0 / 2200.0, "internal/");
    assert_hatched(&drawn(browser, "vendor"), 1.0, "vendor/");
    let merged = drawn(browser, "(2 directories, 3 files)");
    assert_eq!(merged.hatch, None, "nothing of it is marked");
    assert_ne!(merged.dashes, "none", "a merged frame is outlined");
    assert_eq!(drawn(browser, "gomod").dashes, "none", "the root is not");

    // Zoomed in, the hatch keeps its share of the frame.
    browser.click(&frame_element(browser, "gomod/internal/"));
    let zoomed = drawn(browser, "internal");
    let root = drawn(browser, "gomod");
    assert_near(
        zoomed.frame[1] - zoomed.frame[0],
        root.frame[1] - root.frame[0],
        1.0,
        "internal/ spans the graph",
    );
    assert_hatched(&zoomed, 640.0 / 2200.0, "internal/, zoomed");
    browser.click(&browser.find("#unzoom"));
    assert_hatched(&drawn(browser, "vendor"), 1.0, "vendor/ after Reset Zoom");
    assert_eq!(console_errors(browser), Vec::<String>::new());

    // Small files merged, every one vendored: hatched all over, and a
    // vendored file drawn alone is hatched as before (not outlined).
    let svg = render(&dir, &["--min-width", "8"], "gomod-small.svg");
    let opened = open(&tools, "/gomod-small.svg", "image/svg+xml", svg);
    let browser = &opened.browser;
    assert_hatched(&drawn(browser, "(40 small files)"), 1.0, "(40 small files)");
    let file = drawn(browser, "command.go");
    assert!(file.hatch_fill.contains("#rf-hatch") && !file.hatch_fill.contains("pale"));
    assert_eq!(file.dashes, "none", "a file is not outlined");
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// The first cells of the visible rows of table `id`, and of their class
/// column, top to bottom.
fn visible_rows(browser: &Browser, id: &str) -> Vec<(String, String)> {
    let value = browser.execute(
        r#"
        var out = [];
        var bodies = document.getElementById(arguments[0]).tBodies;
        for (var b = 0; b < bodies.length; b++) {
            if (bodies[b].hidden || getComputedStyle(bodies[b]).display === 'none') continue;
            var rows = bodies[b].rows;
            for (var i = 0; i < rows.length; i++)
                out.push([rows[i].cells[0].textContent, rows[i].cells[1].textContent]);
        }
        return out;
        "#,
        vec![json!(id)],
    );
    serde_json::from_value(value).expect("pairs of strings")
}

#[test]
fn html_report_switches_its_tables_to_the_users_own_code() {
    let Some(tools) = webdriver::tools("html_report_switches_its_tables_to_the_users_own_code")
    else {
        return;
    };
    let dir = vendored_go_module();
    let html = render(&dir, &["--format", "html"], "gomod.html");
    let opened = open(&tools, "/report.html", "text/html; charset=utf-8", html);
    let browser = &opened.browser;
    let pairs = |rows: &[(&str, &str)]| -> Vec<(String, String)> {
        rows.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };

    // All code: vendor first, each row's class said; a chain of only
    // children is one row (vendor/google.golang.org/ holds nothing but
    // protobuf/, vendor/golang.org/ nothing but x/sys/unix/).
    let all = visible_rows(browser, "rf-dirs");
    assert_eq!(
        all[..6],
        pairs(&[
            ("vendor/", "vendored"),
            ("vendor/github.com/", "vendored"),
            ("vendor/google.golang.org/protobuf/", "vendored"),
            ("vendor/github.com/spf13/cobra/", "vendored"),
            ("internal/", "29% generated"),
            ("vendor/golang.org/x/sys/unix/", "vendored"),
        ])[..]
    );
    let names: Vec<&str> = all.iter().map(|(name, _)| name.as_str()).collect();
    for repeated in [
        "vendor/golang.org/",
        "vendor/golang.org/x/",
        "vendor/google.golang.org/",
    ] {
        assert!(
            !names.contains(&repeated),
            "{repeated} repeats its only child"
        );
    }

    // The user's own code: its directories and files alone, with their
    // own counts.
    browser.click(&browser.find("input[name=rf-code][value=own]"));
    assert_eq!(
        visible_rows(browser, "rf-dirs"),
        pairs(&[
            ("internal/", "own"),
            ("internal/server/", "own"),
            ("internal/store/", "own"),
            ("pkg/client/", "own"),
            ("internal/config/", "own"),
            ("cmd/repoctl/", "own"),
        ])
    );
    let files = visible_rows(browser, "rf-files");
    assert_eq!(files.len(), 9, "{files:?}");
    assert_eq!(
        files[0],
        ("internal/server/server.go".to_string(), "own".to_string())
    );
    let languages = visible_rows(browser, "rf-languages");
    assert_eq!(languages, pairs(&[("Go", "9")]));
    let total = browser.execute(
        "var t = document.querySelector('#rf-languages tfoot');
         return [].filter.call(t.rows, function (r) { return !r.hidden; })
             .map(function (r) { return r.cells[2].textContent; });",
        vec![],
    );
    assert_eq!(total, json!(["2,030"]), "the own code's total");

    // Sorting sorts what is shown; back to all code.
    browser.click(&browser.element_by_script(
        "return document.querySelector('#rf-dirs th button');",
        vec![],
        "the Directory header",
    ));
    let sorted: Vec<String> = visible_rows(browser, "rf-dirs")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut expected = sorted.clone();
    expected.sort();
    assert!(sorted == expected || sorted.iter().rev().cloned().collect::<Vec<_>>() == expected);
    browser.click(&browser.find("input[name=rf-code][value=all]"));
    assert_eq!(visible_rows(browser, "rf-dirs").len(), all.len());
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// The cells of the visible rows of table `id` (body and foot), as shown.
fn visible_cells(browser: &Browser, id: &str) -> Vec<Vec<String>> {
    let value = browser.execute(
        r#"
        var table = document.getElementById(arguments[0]);
        return [].filter.call(table.querySelectorAll('tbody tr, tfoot tr'), function (r) {
            return r.getClientRects().length > 0;
        }).map(function (r) {
            return [].map.call(r.cells, function (c) { return c.textContent; });
        });
        "#,
        vec![json!(id)],
    );
    serde_json::from_value(value).expect("rows of strings")
}

/// A diff's HTML report: each language before, after and the change, for
/// all code and, switched, for the user's own (the vendored Go left out).
#[test]
fn html_diff_report_lists_languages_before_after_and_the_change() {
    let Some(tools) =
        webdriver::tools("html_diff_report_lists_languages_before_after_and_the_change")
    else {
        return;
    };
    let repo = crate::support::repo::TestRepo::new("d");
    repo.file("main.go", code(100))
        .file("util.py", code(20))
        .file("vendor/lib/x.go", code(300))
        .commit("one");
    repo.tag("v1");
    repo.file("main.go", code(150))
        .remove("util.py")
        .file("app.js", code(10))
        .file("vendor/lib/x.go", code(330))
        .commit("two");
    repo.tag("v2");
    let path = repo.base().join("report.html");
    let out = repo
        .cmd()
        .args(["--diff", "v1..v2", "-o"])
        .arg(&path)
        .complete();
    assert!(out.status.success(), "{}", describe(&out));
    let html = std::fs::read(&path).expect("read the report");
    let opened = open(&tools, "/report.html", "text/html; charset=utf-8", html);
    let browser = &opened.browser;
    let rows = |expected: &[[&str; 7]]| -> Vec<Vec<String>> {
        expected
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let header: Vec<String> = serde_json::from_value(browser.execute(
        "return [].map.call(document.querySelectorAll('#rf-languages thead th'), \
           function (c) { return c.textContent; });",
        vec![],
    ))
    .expect("header cells");
    assert_eq!(
        header,
        [
            "Language",
            "Files before",
            "Files after",
            "code lines before",
            "code lines after",
            "Change",
            "Change %"
        ]
    );
    // All code: largest first by the larger side.
    assert_eq!(
        visible_cells(browser, "rf-languages"),
        rows(&[
            ["Go", "2", "2", "400", "480", "+80", "+20.0%"],
            ["Python", "1", "0", "20", "0", "\u{2212}20", "\u{2212}100%"],
            ["JavaScript", "0", "1", "0", "10", "+10", "new"],
            ["Total", "3", "3", "420", "490", "+70", "+16.7%"],
        ])
    );
    // A diff's graph is coloured by the change alone: nothing hatched.
    let note = browser.execute(
        "return document.querySelector('.rf-switch + .rf-note').textContent;",
        vec![],
    );
    assert_eq!(
        note,
        json!("The graph shows all code; repoflame --own draws your own code alone.")
    );
    // The user's own code: vendor/ left out at both sides.
    browser.click(&browser.find("input[name=rf-code][value=own]"));
    assert_eq!(
        visible_cells(browser, "rf-languages"),
        rows(&[
            ["Go", "1", "1", "100", "150", "+50", "+50.0%"],
            ["Python", "1", "0", "20", "0", "\u{2212}20", "\u{2212}100%"],
            ["JavaScript", "0", "1", "0", "10", "+10", "new"],
            ["Total", "2", "2", "120", "160", "+40", "+33.3%"],
        ])
    );
    assert_eq!(console_errors(browser), Vec::<String>::new());
}

/// `--color churn` as a person reads it: hovering the hottest file of a
/// known history shows its history line, and its frame is the deepest red.
#[test]
fn svg_hover_on_a_hot_file_reads_its_history() {
    let Some(tools) = webdriver::tools("svg_hover_on_a_hot_file_reads_its_history") else {
        return;
    };
    let repo = crate::hotspots::known_history();
    let out = repo
        .cmd()
        .args(["--color", "churn", "--metric", "lines"])
        .complete();
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let opened = open(&tools, "/churn.svg", "image/svg+xml", out.stdout);
    let browser = &opened.browser;
    let details = browser.find("#details");
    let hot = frame_element(browser, "proj/src/main.rs");
    browser.hover(&hot);
    let text = browser.text(&details);
    assert!(
        text.contains(
            "history: 5 commits · last changed 2024-01-08, the same day as HEAD · \
             2 authors, 60% by Ada Author"
        ),
        "hover on main.rs: details {text:?}"
    );
    assert!(text.contains(" Rust "), "the language stays: {text:?}");
    let fills: BTreeMap<String, String> = frames(browser)
        .into_iter()
        .map(|f| (f.path, f.fill))
        .collect();
    assert_eq!(fills["proj/src/main.rs"], "#67000d", "the hottest file");
    assert_eq!(fills["proj/setup.py"], "#fee0d2", "one commit");
    browser.hover(&frame_element(browser, "proj/scratch.rs"));
    assert!(browser.text(&details).ends_with("history: not committed"));
    assert_eq!(console_errors(browser), Vec::<String>::new());
}
