//! Generated content, the same bytes on every machine: a tree of
//! thousands of files in twenty-odd languages ([`generate_tree`]), for
//! comparing whole trees with tokei and across runs; bytes that do not
//! compress ([`incompressible`]), to make a git pack big; and the seeded
//! generator behind both ([`Rng`]).

mod languages;

use std::path::Path;

use languages::{GEN_LANGUAGES, gen_html, gen_json, gen_makefile, gen_markdown, gen_source};

/// SplitMix64: a tiny deterministic generator, so generated trees are the
/// same on every machine without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What [`generate_tree`] wrote.
pub struct Generated {
    /// The largest file, relative to the root with `/` separators.
    pub largest: String,
}

/// Writes a deterministic tree of about `files` files below `root`: 20-odd
/// languages in nested directories with code, comments, blanks, block and
/// nested comments, strings holding comment markers, Markdown with code
/// blocks, HTML with `<script>` and `<style>`, Makefiles, extensionless
/// scripts with shebangs, a few CRLF and byte-order-mark files, empty files,
/// files no language claims, hidden files, a `.ignore` with its ignored
/// files, and one file much larger than all others.
pub fn generate_tree(root: &Path, seed: u64, files: usize) -> Generated {
    const TOP: &[&str] = &[
        "src", "lib", "app", "tools", "docs", "web", "services", "pkg", "tests", "vendor",
    ];
    const SUB: &[&str] = &[
        "core", "util", "api", "model", "view", "net", "db", "io", "cli", "internal", "common",
        "ext", "plugins", "v1", "v2", "build", "gen", "bin",
    ];
    const STEMS: &[&str] = &[
        "main", "util", "parser", "lexer", "server", "client", "config", "handler", "model",
        "view", "store", "cache", "queue", "worker", "router", "schema", "index", "helpers",
        "types", "errors",
    ];

    let mut rng = Rng::new(seed);
    let write = |rel: &str, content: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(&path, content).expect("write generated file");
    };

    // Directories: a few hundred, one to five levels deep.
    let mut dirs: Vec<String> = TOP.iter().map(|t| t.to_string()).collect();
    while dirs.len() < files / 12 {
        let parent = dirs[rng.below(dirs.len())].clone();
        if parent.matches('/').count() >= 4 {
            continue;
        }
        let child = format!("{parent}/{}", rng.pick(SUB));
        if !dirs.contains(&child) {
            dirs.push(child);
        }
    }

    let total_weight: usize = GEN_LANGUAGES.iter().map(|l| l.weight).sum();
    let mut makefiles = std::collections::BTreeSet::new();
    for n in 0..files {
        let dir = dirs[rng.below(dirs.len())].clone();
        let stem = rng.pick(STEMS);
        let lines = if rng.percent(5) {
            100 + rng.below(300)
        } else {
            3 + rng.below(60)
        };
        let roll = rng.below(100);
        let (rel, content) = if roll < 5 {
            (
                format!("{dir}/{stem}_{n}.md"),
                gen_markdown(&mut rng, lines),
            )
        } else if roll < 8 {
            (format!("{dir}/{stem}_{n}.html"), gen_html(&mut rng, lines))
        } else if roll < 10 {
            if makefiles.insert(dir.clone()) {
                (format!("{dir}/Makefile"), gen_makefile(&mut rng, lines))
            } else {
                (
                    format!("{dir}/{stem}_{n}.mk"),
                    gen_makefile(&mut rng, lines),
                )
            }
        } else if roll < 12 {
            let (shebang, language) = *rng.pick(&[
                ("#!/usr/bin/env bash", &GEN_LANGUAGES[9]),
                ("#!/bin/sh", &GEN_LANGUAGES[9]),
                ("#!/usr/bin/env python3", &GEN_LANGUAGES[4]),
            ]);
            let body = gen_source(&mut rng, language, lines);
            (
                format!("{dir}/bin_{stem}_{n}"),
                format!("{shebang}\n{body}"),
            )
        } else if roll < 13 {
            (format!("{dir}/{stem}_{n}.json"), gen_json(&mut rng, lines))
        } else if roll < 14 {
            // Not in any language: never counted by either tool.
            let name = *rng.pick(&["README", "LICENSE", "data.xyz", "blob.bin"]);
            (
                format!("{dir}/{n}_{name}"),
                "plain text, no language\n".repeat(1 + rng.below(5)),
            )
        } else if roll < 15 {
            let name = *rng.pick(&["__init__.py", "mod.rs", "empty.js"]);
            (format!("{dir}/{n}_{name}"), String::new())
        } else {
            let mut pick = rng.below(total_weight);
            let language = GEN_LANGUAGES
                .iter()
                .find(|l| {
                    if pick < l.weight {
                        true
                    } else {
                        pick -= l.weight;
                        false
                    }
                })
                .expect("a language");
            (
                format!("{dir}/{stem}_{n}.{}", language.extension),
                gen_source(&mut rng, language, lines),
            )
        };
        // Line endings and byte-order marks as found in real repositories.
        let bytes = match rng.below(100) {
            0..=2 => content.replace('\n', "\r\n").into_bytes(),
            3 => [b"\xEF\xBB\xBF".as_slice(), content.as_bytes()].concat(),
            4 if n % 5 == 0 => {
                let mut utf16 = vec![0xFF, 0xFE];
                utf16.extend(content.encode_utf16().flat_map(u16::to_le_bytes));
                utf16
            }
            _ => content.into_bytes(),
        };
        write(&rel, &bytes);
    }

    // Hidden entries and ignored ones: counted only with --hidden or
    // --no-ignore.
    for (i, rel) in [
        ".github/workflows/ci_gen.yml",
        ".hidden_tool.py",
        "src/.local.rs",
        ".cache/deep/x.js",
    ]
    .iter()
    .enumerate()
    {
        let language = match rel.rsplit('.').next() {
            Some("yml") => &GEN_LANGUAGES[15],
            Some("py") => &GEN_LANGUAGES[4],
            Some("rs") => &GEN_LANGUAGES[0],
            _ => &GEN_LANGUAGES[5],
        };
        write(rel, gen_source(&mut rng, language, 10 + i * 7).as_bytes());
    }
    write(".ignore", b"generated/\n*.min.js\n");
    for i in 0..12 {
        write(
            &format!("generated/part_{i}.rs"),
            gen_source(&mut rng, &GEN_LANGUAGES[0], 20 + i).as_bytes(),
        );
        write(
            &format!("web/assets/bundle_{i}.min.js"),
            gen_source(&mut rng, &GEN_LANGUAGES[5], 5 + i).as_bytes(),
        );
    }

    // One file far larger than any other: a generated table.
    let largest = "vendor/tables/unicode_table.c".to_string();
    let mut table = String::from("/* Generated table: do not edit. */\n#include <stdint.h>\n\n");
    table.push_str("static const uint32_t TABLE[] = {\n");
    for row in 0..20_000 {
        if row % 1000 == 0 {
            table.push_str(&format!("    /* block {} */\n\n", row / 1000));
        }
        let (a, b) = (rng.next_u64() as u32, rng.next_u64() as u32);
        table.push_str(&format!("    0x{a:08x}, 0x{b:08x}, // row {row}\n"));
    }
    table.push_str("};\n");
    write(&largest, table.as_bytes());

    Generated { largest }
}

/// `len` bytes that do not compress: what makes a pack big.
pub fn incompressible(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}
