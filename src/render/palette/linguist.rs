//! GitHub linguist's colours of tokei's languages: the table
//! [`language_color`](super::language_color) looks up first.
//!
//! The table is generated, and `cargo test` checks it
//! (`table_matches_linguist_json`) against two sources: the languages of
//! the tokei that Cargo.lock pins (`LanguageType::list()`), and
//! `scripts/linguist-colors.json`, linguist's `lib/linguist/languages.yml`
//! trimmed to names, colours, aliases and groups. A tokei language is
//! matched to a linguist language by the first of these that hits, each
//! trying tokei's display name (`LanguageType::name()`) and then its enum
//! variant:
//!
//! 1. linguist's name, exactly;
//! 2. linguist's name, ignoring case;
//! 3. a linguist alias, ignoring case;
//! 4. `MANUAL` in the test below, for names the three steps miss.
//!
//! A matched language without a colour takes its linguist group's
//! (linguist counts it under that parent, so GitHub shows the parent's
//! colour). A tokei language that matches nothing with a colour is not in
//! the table and gets a hash colour.
//!
//! To update the colours, never edit the table by hand (the test rejects
//! it):
//!
//! - after upgrading tokei, or to change a match in `MANUAL`: run
//!   `REPOFLAME_BLESS=1 cargo test --lib render::palette`, which rewrites
//!   the table in this file; read `git diff`, then run the test again;
//! - for newer linguist colours: `python3 scripts/import-linguist-colors.py
//!   languages.yml --commit SHA` (needs PyYAML) rewrites the JSON from
//!   linguist's file at commit SHA; then bless as above.

use super::Rgb;

// BEGIN GENERATED from scripts/linguist-colors.json: do not edit by hand.
// Source: github-linguist/linguist lib/linguist/languages.yml at
// 579eba7c59f14bf656bfbaddc2be89ae44a2efdd, via scripts/linguist-colors.json, and tokei's
// languages.
// 246 of 333 tokei languages take a linguist colour; 87 fall back to `hash_color`: 8th, ABNF, Alex,
// Ark TypeScript, Arturo, ASN.1, Autoconf, Bean, C3, Cangjie, Cassius, CIL (SELinux), COBOL,
// Cogent, DAML, Device Tree, Djot, Dust.js, Edn, Emojicode, FEN, FlatBuffers Schema, Forge Config,
// GDB Script, Go HTML, Gwion, Hamlet, Headache, HEX, Hex0, Hex1, Hex2, HICAD, hledger, Intel HEX,
// JSLT, Julius, K, Kaem, LALRPOP, Lauterbach PRACTICE Script, LD Script, Lean, Lingua Franca,
// Lucius, M1 Assembly, M4, Madlang, Mlatu, Module-Definition, OpenType Feature File, Pest, Phix,
// Plain Text, PO File, Poke, Polly, Pony, Protocol Buffers, PRQL, PSL Assertion, QCL, Redscript,
// RPM Specfile, SIL, Specman e, Spice Netlist, Stratego/XT, SWIG, Tera,
// The WenYan Programming Language, TTCN-3, Uiua, UMPL, Unison, Unreal Markdown, Unreal Plugin,
// Unreal Project, Unreal Shader, Unreal Shader Header, Ur/Web Project, Verilog Args File, Virgil,
// Visual Studio Solution, Xcode Config, ZenCode, ZoKrates.

/// GitHub linguist colour of a tokei language, by `LanguageType::name()`.
pub(super) fn color(name: &str) -> Option<Rgb> {
    let rgb = match name {
        // linguist XML (manual)
        ".NET Resource" => Rgb(0x00, 0x60, 0xac),
        "ABAP" => Rgb(0xe8, 0x27, 0x4b),
        "APL" => Rgb(0x5a, 0x81, 0x64),
        // linguist Classic ASP
        "ASP" => Rgb(0x6a, 0x40, 0xfd),
        "ASP.NET" => Rgb(0x94, 0x00, 0xff),
        "ATS" => Rgb(0x1a, 0xc6, 0x20),
        // linguist Awk
        "AWK" => Rgb(0xc3, 0x0e, 0x9b),
        // linguist XML (manual)
        "AXAML" => Rgb(0x00, 0x60, 0xac),
        "ActionScript" => Rgb(0x88, 0x2b, 0x0f),
        "Ada" => Rgb(0x02, 0xf8, 0x8c),
        "Agda" => Rgb(0x31, 0x56, 0x65),
        "Alloy" => Rgb(0x64, 0xc8, 0x00),
        // linguist Velocity Template Language
        "Apache Velocity" => Rgb(0x50, 0x7c, 0xff),
        // linguist C++ (manual)
        "Arduino C++" => Rgb(0xf3, 0x4b, 0x7d),
        "AsciiDoc" => Rgb(0x73, 0xa0, 0xc5),
        "Assembly" => Rgb(0x6e, 0x4c, 0x13),
        "Astro" => Rgb(0xff, 0x5a, 0x03),
        // linguist AutoHotkey
        "AutoHotKey" => Rgb(0x65, 0x94, 0xb9),
        // linguist AutoIt
        "Autoit" => Rgb(0x1c, 0x35, 0x52),
        // linguist Makefile (manual)
        "Automake" => Rgb(0x42, 0x78, 0x19),
        // linguist Shell
        "BASH" => Rgb(0x89, 0xe0, 0x51),
        "BQN" => Rgb(0x2b, 0x70, 0x67),
        "Ballerina" => Rgb(0xff, 0x50, 0x00),
        // linguist Batchfile
        "Batch" => Rgb(0xc1, 0xf1, 0x2e),
        // linguist Starlark
        "Bazel" => Rgb(0x76, 0xd2, 0x75),
        "Bicep" => Rgb(0x51, 0x9a, 0xba),
        // linguist BitBake
        "Bitbake" => Rgb(0x00, 0xbc, 0xe4),
        "Blade" => Rgb(0xf7, 0x52, 0x3f),
        // linguist Brightscript
        "BrightScript" => Rgb(0x66, 0x2d, 0x91),
        "C" => Rgb(0x55, 0x55, 0x55),
        // linguist C (manual)
        "C Header" => Rgb(0x55, 0x55, 0x55),
        // linguist Shell (manual)
        "C Shell" => Rgb(0x89, 0xe0, 0x51),
        "C#" => Rgb(0x17, 0x86, 0x00),
        "C++" => Rgb(0xf3, 0x4b, 0x7d),
        // linguist C++ (manual)
        "C++ Header" => Rgb(0xf3, 0x4b, 0x7d),
        // linguist C++ (manual)
        "C++ Module" => Rgb(0xf3, 0x4b, 0x7d),
        "CMake" => Rgb(0xda, 0x34, 0x34),
        "CSS" => Rgb(0x66, 0x33, 0x99),
        // linguist Cuda
        "CUDA" => Rgb(0x3a, 0x4e, 0x3a),
        "CUE" => Rgb(0x58, 0x86, 0xe1),
        // linguist Cabal Config
        "Cabal" => Rgb(0x48, 0x34, 0x65),
        "Cairo" => Rgb(0xff, 0x4a, 0x48),
        "Ceylon" => Rgb(0xdf, 0xa5, 0x35),
        "Chapel" => Rgb(0x8d, 0xc6, 0x3f),
        "Circom" => Rgb(0x70, 0x75, 0x75),
        "Clojure" => Rgb(0xdb, 0x58, 0x55),
        // linguist Clojure (manual)
        "ClojureC" => Rgb(0xdb, 0x58, 0x55),
        // linguist Clojure (manual)
        "ClojureScript" => Rgb(0xdb, 0x58, 0x55),
        "CodeQL" => Rgb(0x14, 0x0f, 0x46),
        "CoffeeScript" => Rgb(0x24, 0x47, 0x76),
        "ColdFusion" => Rgb(0xed, 0x2c, 0xd6),
        // linguist ColdFusion CFC (manual)
        "ColdFusion CFScript" => Rgb(0xed, 0x2c, 0xd6),
        "Common Lisp" => Rgb(0x3f, 0xb6, 0x8b),
        // linguist Rocq Prover
        "Coq" => Rgb(0xd0, 0xb6, 0x8c),
        "Crystal" => Rgb(0x00, 0x01, 0x00),
        "Cython" => Rgb(0xfe, 0xdf, 0x5b),
        "D" => Rgb(0xba, 0x59, 0x5e),
        "D2" => Rgb(0x52, 0x6e, 0xe8),
        "Dart" => Rgb(0x00, 0xb4, 0xab),
        "Dhall" => Rgb(0xdf, 0xaf, 0xff),
        "Dockerfile" => Rgb(0x38, 0x4d, 0x54),
        // linguist DM (manual)
        "Dream Maker" => Rgb(0x44, 0x72, 0x65),
        // linguist Gentoo Ebuild (manual)
        "Ebuild" => Rgb(0x94, 0x00, 0xff),
        // linguist EdgeQL
        "EdgeDB Schema Definition" => Rgb(0x31, 0xa7, 0xff),
        "EdgeQL" => Rgb(0x31, 0xa7, 0xff),
        "Elixir" => Rgb(0x6e, 0x4a, 0x7e),
        "Elm" => Rgb(0x60, 0xb5, 0xcc),
        "Elvish" => Rgb(0x55, 0xbb, 0x55),
        // linguist Emacs Lisp (manual)
        "Emacs Dev Env" => Rgb(0xc0, 0x65, 0xdb),
        "Emacs Lisp" => Rgb(0xc0, 0x65, 0xdb),
        "Erlang" => Rgb(0xb8, 0x39, 0x98),
        "F#" => Rgb(0xb8, 0x45, 0xfc),
        "F*" => Rgb(0x57, 0x2e, 0x30),
        // linguist Fortran (manual)
        "FORTRAN Legacy" => Rgb(0x4d, 0x41, 0xb1),
        // linguist Fortran Free Form (manual)
        "FORTRAN Modern" => Rgb(0x4d, 0x41, 0xb1),
        "Factor" => Rgb(0x63, 0x67, 0x46),
        "Fennel" => Rgb(0xff, 0xf3, 0xd7),
        // linguist fish
        "Fish" => Rgb(0x4a, 0xae, 0x47),
        "Forth" => Rgb(0x34, 0x17, 0x08),
        "FreeMarker" => Rgb(0x00, 0x50, 0xb2),
        "Futhark" => Rgb(0x5f, 0x02, 0x1f),
        "GDScript" => Rgb(0x35, 0x55, 0x70),
        "GDShader" => Rgb(0x47, 0x8c, 0xbf),
        "GLSL" => Rgb(0x56, 0x86, 0xa5),
        // linguist Assembly (manual)
        "GNU Style Assembly" => Rgb(0x6e, 0x4c, 0x13),
        // linguist Gherkin
        "Gherkin (Cucumber)" => Rgb(0x5b, 0x20, 0x63),
        "Gleam" => Rgb(0xff, 0xaf, 0xf3),
        "Glimmer JS" => Rgb(0xf5, 0x83, 0x5f),
        "Glimmer TS" => Rgb(0x31, 0x78, 0xc6),
        // linguist Game Maker Language (manual)
        "Gml" => Rgb(0x71, 0xb4, 0x17),
        "Go" => Rgb(0x00, 0xad, 0xd8),
        // linguist Godot Resource (manual)
        "Godot TextScene" => Rgb(0x35, 0x55, 0x70),
        "GraphQL" => Rgb(0xe1, 0x00, 0x98),
        "Groovy" => Rgb(0x42, 0x98, 0xb8),
        "HCL" => Rgb(0x84, 0x4f, 0xba),
        "HLSL" => Rgb(0xaa, 0xce, 0x60),
        "HTML" => Rgb(0xe3, 0x4c, 0x26),
        "Haml" => Rgb(0xec, 0xe2, 0xa9),
        "Handlebars" => Rgb(0xf7, 0x93, 0x1e),
        // linguist Yacc (manual)
        "Happy" => Rgb(0x4b, 0x6c, 0x4b),
        "Haskell" => Rgb(0x5e, 0x50, 0x86),
        "Haxe" => Rgb(0xdf, 0x79, 0x00),
        "HolyC" => Rgb(0xff, 0xef, 0xaf),
        "Hy" => Rgb(0x77, 0x90, 0xb2),
        "INI" => Rgb(0xd1, 0xdb, 0xe0),
        "Idris" => Rgb(0xb3, 0x00, 0x00),
        "Isabelle" => Rgb(0xfe, 0xfe, 0x00),
        // linguist Jai
        "JAI" => Rgb(0xab, 0x8b, 0x4b),
        "JSON" => Rgb(0x29, 0x29, 0x29),
        // linguist JavaScript (manual)
        "JSX" => Rgb(0xf1, 0xe0, 0x5a),
        "Janet" => Rgb(0x08, 0x86, 0xa5),
        "Java" => Rgb(0xb0, 0x72, 0x19),
        "JavaScript" => Rgb(0xf1, 0xe0, 0x5a),
        // linguist Jinja (manual)
        "Jinja2" => Rgb(0xa5, 0x2a, 0x22),
        "Jsonnet" => Rgb(0x00, 0x64, 0xbd),
        "Julia" => Rgb(0xa2, 0x70, 0xba),
        // linguist Jupyter Notebook (manual)
        "Jupyter Notebooks" => Rgb(0xda, 0x5b, 0x0b),
        "Just" => Rgb(0x38, 0x4d, 0x54),
        // linguist kvlang (manual)
        "KV Language" => Rgb(0x1d, 0xa6, 0xe0),
        // linguist KakouneScript
        "Kakoune script" => Rgb(0x6f, 0x80, 0x42),
        "Koka" => Rgb(0x21, 0x51, 0x66),
        // linguist Shell (manual)
        "Korn shell" => Rgb(0x89, 0xe0, 0x51),
        "Kotlin" => Rgb(0xa9, 0x7b, 0xff),
        // linguist Less
        "LESS" => Rgb(0x1d, 0x36, 0x5d),
        "LLVM" => Rgb(0x18, 0x56, 0x19),
        "LOLCODE" => Rgb(0xcc, 0x99, 0x00),
        "Lex" => Rgb(0xdb, 0xca, 0x00),
        "Liquid" => Rgb(0x67, 0xb8, 0xde),
        "LiveScript" => Rgb(0x49, 0x98, 0x86),
        "Logtalk" => Rgb(0x29, 0x5b, 0x9a),
        "Lua" => Rgb(0x00, 0x00, 0x80),
        "MDX" => Rgb(0xfc, 0xb3, 0x2c),
        // linguist XML (manual)
        "MSBuild" => Rgb(0x00, 0x60, 0xac),
        "Makefile" => Rgb(0x42, 0x78, 0x19),
        "Markdown" => Rgb(0x08, 0x3f, 0xa1),
        "Max" => Rgb(0xc4, 0xa7, 0x9c),
        // linguist OCaml (manual)
        "Menhir" => Rgb(0xef, 0x7a, 0x08),
        "Meson" => Rgb(0x00, 0x78, 0x00),
        // linguist Metal
        "Metal Shading Language" => Rgb(0x8f, 0x14, 0xe9),
        "Mint" => Rgb(0x02, 0xb0, 0x46),
        "Modelica" => Rgb(0xde, 0x1d, 0x31),
        "Mojo" => Rgb(0xff, 0x4c, 0x1f),
        "Monkey C" => Rgb(0x8d, 0x67, 0x47),
        "MoonBit" => Rgb(0xb9, 0x23, 0x81),
        "MoonScript" => Rgb(0xff, 0x45, 0x85),
        "Mustache" => Rgb(0x72, 0x4b, 0x3b),
        "Nextflow" => Rgb(0x3a, 0xc4, 0x86),
        "Nim" => Rgb(0xff, 0xc2, 0x00),
        "Nix" => Rgb(0x7e, 0x7e, 0xff),
        // linguist Raku (manual)
        "Not Quite Perl" => Rgb(0x00, 0x00, 0xfb),
        // linguist XML (manual)
        "NuGet Config" => Rgb(0x00, 0x60, 0xac),
        "Nushell" => Rgb(0x4e, 0x99, 0x06),
        "OCaml" => Rgb(0xef, 0x7a, 0x08),
        "Objective-C" => Rgb(0x43, 0x8e, 0xff),
        "Objective-C++" => Rgb(0x68, 0x66, 0xfb),
        "Odin" => Rgb(0x60, 0xaf, 0xfe),
        "Open Policy Agent" => Rgb(0x7d, 0x91, 0x99),
        "OpenCL" => Rgb(0xed, 0x2e, 0x2d),
        "OpenQASM" => Rgb(0xaa, 0x70, 0xff),
        "OpenSCAD" => Rgb(0xe5, 0xcd, 0x45),
        "Org" => Rgb(0x77, 0xaa, 0x99),
        "Oz" => Rgb(0xfa, 0xb7, 0x38),
        "PHP" => Rgb(0x4f, 0x5d, 0x95),
        // linguist Shell (manual)
        "Pacman's makepkg" => Rgb(0x89, 0xe0, 0x51),
        "Pan" => Rgb(0xcc, 0x00, 0x00),
        "Pascal" => Rgb(0xe3, 0xf1, 0x71),
        "Perl" => Rgb(0x02, 0x98, 0xc3),
        "PlantUML" => Rgb(0xfb, 0xbd, 0x16),
        "PostCSS" => Rgb(0xdc, 0x3a, 0x0c),
        "PowerShell" => Rgb(0x01, 0x24, 0x56),
        "Processing" => Rgb(0x00, 0x96, 0xd8),
        "Prolog" => Rgb(0x74, 0x28, 0x3c),
        "Pug" => Rgb(0xa8, 0x64, 0x54),
        "Puppet" => Rgb(0x30, 0x2b, 0x6d),
        "PureScript" => Rgb(0x1d, 0x22, 0x2d),
        "Pyret" => Rgb(0xee, 0x1e, 0x10),
        "Python" => Rgb(0x35, 0x72, 0xa5),
        // linguist q
        "Q" => Rgb(0x00, 0x40, 0xcd),
        "QML" => Rgb(0x44, 0xa5, 0x1c),
        "R" => Rgb(0x19, 0x8c, 0xe7),
        "Racket" => Rgb(0x3c, 0x5c, 0xaa),
        // linguist Ruby (manual)
        "Rakefile" => Rgb(0x70, 0x15, 0x16),
        "Raku" => Rgb(0x00, 0x00, 0xfb),
        // linguist HTML+Razor
        "Razor" => Rgb(0x51, 0x2b, 0xe4),
        "ReScript" => Rgb(0xed, 0x50, 0x51),
        // linguist reStructuredText
        "ReStructuredText" => Rgb(0x14, 0x14, 0x14),
        "Ren'Py" => Rgb(0xff, 0x7f, 0x7f),
        "Roc" => Rgb(0x7c, 0x38, 0xf5),
        "Ruby" => Rgb(0x70, 0x15, 0x16),
        // linguist HTML+ERB (manual)
        "Ruby HTML" => Rgb(0x70, 0x15, 0x16),
        "Rust" => Rgb(0xde, 0xa5, 0x84),
        // linguist RON
        "Rusty Object Notation" => Rgb(0xa6, 0x2c, 0x00),
        "SQF" => Rgb(0x3f, 0x3f, 0x3f),
        "SQL" => Rgb(0xe3, 0x8c, 0x00),
        "SRecode Template" => Rgb(0x34, 0x8a, 0x34),
        "SVG" => Rgb(0xff, 0x99, 0x00),
        "Sass" => Rgb(0xa5, 0x3b, 0x70),
        "Scala" => Rgb(0xc2, 0x2d, 0x40),
        "Scheme" => Rgb(0x1e, 0x4a, 0xec),
        // linguist Python (manual)
        "Scons" => Rgb(0x35, 0x72, 0xa5),
        "ShaderLab" => Rgb(0x22, 0x2c, 0x37),
        "Shell" => Rgb(0x89, 0xe0, 0x51),
        "Slang" => Rgb(0x1f, 0xbe, 0xc9),
        "Slint" => Rgb(0x23, 0x79, 0xf4),
        "Smalltalk" => Rgb(0x59, 0x67, 0x06),
        "Snakemake" => Rgb(0x41, 0x91, 0x79),
        "Solidity" => Rgb(0xaa, 0x67, 0x46),
        "Stan" => Rgb(0xb2, 0x01, 0x1d),
        // linguist Standard ML
        "Standard ML (SML)" => Rgb(0xdc, 0x56, 0x6d),
        "Stata" => Rgb(0x1a, 0x5f, 0x91),
        "Stylus" => Rgb(0xff, 0x63, 0x47),
        "Svelte" => Rgb(0xff, 0x3e, 0x00),
        "Swift" => Rgb(0xf0, 0x51, 0x38),
        "SystemVerilog" => Rgb(0xda, 0xe1, 0xc2),
        // linguist Tcl
        "TCL" => Rgb(0xe4, 0xcc, 0x98),
        "TOML" => Rgb(0x9c, 0x42, 0x21),
        "TSX" => Rgb(0x31, 0x78, 0xc6),
        "Tact" => Rgb(0x48, 0xb5, 0xff),
        "TeX" => Rgb(0x3d, 0x61, 0x17),
        // linguist templ
        "Templ" => Rgb(0x66, 0xd0, 0xdd),
        "Thrift" => Rgb(0xd1, 0x21, 0x27),
        "Twig" => Rgb(0xc1, 0xd0, 0x26),
        "TypeScript" => Rgb(0x31, 0x78, 0xc6),
        "Typst" => Rgb(0x23, 0x9d, 0xad),
        // linguist UnrealScript
        "Unreal Script" => Rgb(0xa5, 0x4c, 0x4d),
        // linguist UrWeb
        "Ur/Web" => Rgb(0xcc, 0xcc, 0xee),
        // linguist Visual Basic 6.0
        "VB6/VBA" => Rgb(0x2c, 0x63, 0x53),
        "VBScript" => Rgb(0x15, 0xdc, 0xdc),
        "VHDL" => Rgb(0xad, 0xb2, 0xcb),
        "Vala" => Rgb(0xa5, 0x6d, 0xe2),
        "Verilog" => Rgb(0xb2, 0xb7, 0xf8),
        "Vim Script" => Rgb(0x19, 0x9f, 0x4b),
        // linguist Visual Basic .NET
        "Visual Basic" => Rgb(0x94, 0x5d, 0xb7),
        // linguist XML (manual)
        "Visual Studio Project" => Rgb(0x00, 0x60, 0xac),
        "Vue" => Rgb(0x41, 0xb8, 0x83),
        "WebAssembly" => Rgb(0x04, 0x13, 0x3b),
        // linguist WGSL
        "WebGPU Shader Language" => Rgb(0x1a, 0x5e, 0x9a),
        // linguist Mathematica
        "Wolfram" => Rgb(0xdd, 0x11, 0x00),
        // linguist XML (manual)
        "XAML" => Rgb(0x00, 0x60, 0xac),
        "XML" => Rgb(0x00, 0x60, 0xac),
        // linguist XSLT
        "XSL" => Rgb(0xeb, 0x8c, 0xeb),
        "Xtend" => Rgb(0x24, 0x25, 0x5d),
        "YAML" => Rgb(0xcb, 0x17, 0x1e),
        "Zig" => Rgb(0xec, 0x91, 0x5c),
        // linguist Shell
        "Zsh" => Rgb(0x89, 0xe0, 0x51),
        "jq" => Rgb(0xc7, 0x25, 0x4e),
        _ => return None,
    };
    Some(rgb)
}
// END GENERATED from scripts/linguist-colors.json.

#[cfg(test)]
mod tests {
    //! The table's generator, which is also its check.

    use std::collections::{BTreeMap, HashMap, HashSet};
    use std::fmt::Write as _;
    use std::path::PathBuf;

    use serde::Deserialize;
    use tokei::LanguageType;

    use super::*;

    /// tokei display name → linguist name, for names the automatic steps
    /// miss. Rule of thumb: map only where linguist itself files tokei's
    /// extensions or file names under that language (so the colour is the
    /// one GitHub shows for the same files), or where the two names spell
    /// the same language differently. Languages linguist does not know at
    /// all are left to the hash colour rather than guessed.
    const MANUAL: &[(&str, &str)] = &[
        // Headers and modules: linguist lists .h/.hpp/.cppm/.ixx under C and C++.
        ("C Header", "C"),
        ("C++ Header", "C++"),
        ("C++ Module", "C++"),
        // linguist has no separate Arduino language any more; .ino is under C++.
        ("Arduino C++", "C++"),
        // .jsx is a JavaScript extension in linguist. (TSX has its own linguist
        // entry, in TypeScript's colour, and matches by name.)
        ("JSX", "JavaScript"),
        // Shells: .ksh and PKGBUILD are Shell in linguist; .csh is Tcsh, which is
        // grouped under Shell (so it gets Shell's colour through the group).
        ("Korn shell", "Shell"),
        ("C Shell", "Tcsh"),
        ("Pacman's makepkg", "Shell"),
        // Makefile.am is one of linguist's Makefile file names.
        ("Automake", "Makefile"),
        // Same languages, other names.
        ("FORTRAN Legacy", "Fortran"),
        ("FORTRAN Modern", "Fortran Free Form"),
        ("Jupyter Notebooks", "Jupyter Notebook"),
        ("Jinja2", "Jinja"),
        ("Ruby HTML", "HTML+ERB"),
        ("Dream Maker", "DM"),
        ("Gml", "Game Maker Language"),
        ("Ebuild", "Gentoo Ebuild"),
        ("KV Language", "kvlang"),
        ("GNU Style Assembly", "Unix Assembly"), // grouped under Assembly
        ("ColdFusion CFScript", "ColdFusion CFC"), // .cfc
        ("LD Script", "Linker Script"),
        ("PO File", "Gettext Catalog"),
        ("RPM Specfile", "RPM Spec"),
        ("Visual Studio Solution", "Microsoft Visual Studio Solution"),
        // Build and tool files that linguist files under their host language.
        ("Rakefile", "Ruby"),                  // Rakefile, .rake
        ("Scons", "Python"),                   // SConstruct, SConscript
        ("Emacs Dev Env", "Emacs Lisp"),       // Project.ede
        ("Godot TextScene", "Godot Resource"), // .tscn
        ("Not Quite Perl", "Raku"),            // .nqp
        ("ClojureC", "Clojure"),               // .cljc
        ("ClojureScript", "Clojure"),          // .cljs
        ("Menhir", "OCaml"),                   // .mll, .mly
        ("Happy", "Yacc"),                     // .y
        // XML dialects: linguist lists .axaml, .xaml, .csproj/.props/.targets,
        // .vcxproj, .resx and NuGet.config/packages.config as XML.
        ("AXAML", "XML"),
        ("XAML", "XML"),
        ("MSBuild", "XML"),
        ("Visual Studio Project", "XML"),
        (".NET Resource", "XML"),
        ("NuGet Config", "XML"),
    ];

    const BEGIN: &str =
        "// BEGIN GENERATED from scripts/linguist-colors.json: do not edit by hand.\n";
    const END: &str = "// END GENERATED from scripts/linguist-colors.json.\n";

    /// What the test fails with, and says how to fix.
    const FIX: &str = "Rewrite the table with `REPOFLAME_BLESS=1 cargo test --lib render::palette`, \
                       read `git diff src/render/palette`, and run the test again \
                       (see the documentation of src/render/palette/linguist.rs).";

    /// `scripts/linguist-colors.json`.
    #[derive(Deserialize)]
    struct Linguist {
        source: Source,
        languages: BTreeMap<String, Entry>,
    }

    /// Where the JSON was taken from.
    #[derive(Deserialize)]
    struct Source {
        repository: String,
        path: String,
        commit: String,
    }

    /// A linguist language.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        color: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
        /// Only for languages without a colour.
        group: Option<String>,
    }

    fn read_linguist() -> Linguist {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/linguist-colors.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// A tokei language that takes a linguist colour.
    struct Match<'l> {
        /// `LanguageType::name()`.
        name: &'static str,
        rgb: Rgb,
        /// The linguist language whose colour it is.
        owner: &'l str,
        by_hand: bool,
    }

    /// Finds the linguist language of a tokei language, by the rules of
    /// the module's documentation.
    struct Matcher<'l> {
        languages: &'l BTreeMap<String, Entry>,
        /// Lower-cased name → name.
        lower: HashMap<String, &'l str>,
        /// Lower-cased alias → name.
        aliases: HashMap<String, &'l str>,
    }

    impl<'l> Matcher<'l> {
        fn new(languages: &'l BTreeMap<String, Entry>) -> Self {
            let mut lower = HashMap::new();
            let mut aliases = HashMap::new();
            for (name, entry) in languages {
                // Ambiguity would make the match depend on the order of the
                // JSON: refuse it.
                if let Some(other) = lower.insert(name.to_lowercase(), name.as_str()) {
                    panic!("linguist's {other:?} and {name:?} differ only in case");
                }
                for alias in &entry.aliases {
                    if let Some(other) = aliases.insert(alias.to_lowercase(), name.as_str()) {
                        panic!("linguist's {other:?} and {name:?} share the alias {alias:?}");
                    }
                }
            }
            for (tokei, linguist) in MANUAL {
                assert!(
                    languages.contains_key(*linguist),
                    "MANUAL maps {tokei:?} to {linguist:?}, which is not in \
                     scripts/linguist-colors.json"
                );
            }
            Matcher {
                languages,
                lower,
                aliases,
            }
        }

        /// The linguist language of the tokei language `name` (its
        /// `LanguageType::name()`) whose enum variant is `variant`, and
        /// whether `MANUAL` says so.
        fn find(&self, variant: &str, name: &str) -> Option<(&'l str, bool)> {
            let candidates: &[&str] = if variant == name {
                &[name]
            } else {
                &[name, variant]
            };
            let by_name = candidates
                .iter()
                .find_map(|c| self.languages.get_key_value(*c).map(|(k, _)| k.as_str()));
            let by_lower = || {
                candidates
                    .iter()
                    .find_map(|c| self.lower.get(&c.to_lowercase()).copied())
            };
            let by_alias = || {
                candidates
                    .iter()
                    .find_map(|c| self.aliases.get(&c.to_lowercase()).copied())
            };
            let automatic = by_name.or_else(by_lower).or_else(by_alias);
            automatic.map(|l| (l, false)).or_else(|| {
                MANUAL
                    .iter()
                    .find(|(tokei, _)| *tokei == name)
                    .map(|(_, l)| {
                        let (key, _) = self.languages.get_key_value(*l).unwrap();
                        (key.as_str(), true)
                    })
            })
        }

        /// The colour of linguist's language `name`, or else of its group,
        /// with the language it is the colour of.
        fn color(&self, name: &'l str) -> Option<(Rgb, &'l str)> {
            let entry = &self.languages[name];
            if let Some(hex) = &entry.color {
                return Some((parse_hex(hex), name));
            }
            let (group, entry) = self.languages.get_key_value(entry.group.as_deref()?)?;
            entry
                .color
                .as_deref()
                .map(|hex| (parse_hex(hex), group.as_str()))
        }
    }

    fn parse_hex(hex: &str) -> Rgb {
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|c| u8::from_str_radix(c, 16).ok())
                .unwrap_or_else(|| panic!("not a #rrggbb colour: {hex:?}"))
        };
        assert!(
            hex.len() == 7 && hex.starts_with('#'),
            "not a #rrggbb colour: {hex:?}"
        );
        Rgb(channel(1), channel(3), channel(5))
    }

    /// `text` as `//` comment lines of at most 100 columns, broken at
    /// spaces; a no-break space keeps two words on one line, and is written
    /// as a space.
    fn comment(text: &str) -> String {
        const WIDTH: usize = 100 - "// ".len();
        let mut out = String::new();
        let mut line = String::new();
        let mut flush = |line: &mut String| {
            writeln!(out, "// {}", line.replace('\u{a0}', " ")).unwrap();
            line.clear();
        };
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
                flush(&mut line);
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            flush(&mut line);
        }
        out
    }

    /// The text between and including the BEGIN and END lines.
    fn generate(source: &Source, matched: &[Match<'_>], fallback: &[&str]) -> String {
        let mut out = String::from(BEGIN);
        out += &comment(&format!(
            "Source: {} {} at {}, via scripts/linguist-colors.json, and tokei's languages.",
            source.repository, source.path, source.commit
        ));
        let unmatched: Vec<String> = fallback.iter().map(|n| n.replace(' ', "\u{a0}")).collect();
        out += &comment(&format!(
            "{} of {} tokei languages take a linguist colour; {} fall back to `hash_color`: {}.",
            matched.len(),
            matched.len() + fallback.len(),
            fallback.len(),
            unmatched.join(", ")
        ));
        out += "\n/// GitHub linguist colour of a tokei language, by `LanguageType::name()`.\n";
        out += "pub(super) fn color(name: &str) -> Option<Rgb> {\n    let rgb = match name {\n";
        for m in matched {
            if m.owner != m.name {
                let by_hand = if m.by_hand { " (manual)" } else { "" };
                writeln!(out, "        // linguist {}{by_hand}", m.owner).unwrap();
            }
            let literal = m.name.replace('\\', "\\\\").replace('"', "\\\"");
            let Rgb(r, g, b) = m.rgb;
            writeln!(
                out,
                "        \"{literal}\" => Rgb(0x{r:02x}, 0x{g:02x}, 0x{b:02x}),"
            )
            .unwrap();
        }
        out += "        _ => return None,\n    };\n    Some(rgb)\n}\n";
        out += END;
        out
    }

    /// Regenerates the table from the JSON and tokei's languages and checks
    /// that it is the one in this file, the way tests/golden.rs checks its
    /// files: `REPOFLAME_BLESS=1` writes it instead.
    #[test]
    fn table_matches_linguist_json() {
        let linguist = read_linguist();
        let matcher = Matcher::new(&linguist.languages);
        let mut matched = Vec::new();
        let mut fallback = Vec::new();
        let mut names = HashSet::new();
        let mut wrong = String::new();
        for &(language, _) in LanguageType::list() {
            let name = language.name();
            assert!(names.insert(name), "two tokei languages are named {name:?}");
            let found =
                matcher
                    .find(&format!("{language:?}"), name)
                    .and_then(|(linguist, by_hand)| {
                        let (rgb, owner) = matcher.color(linguist)?;
                        Some(Match {
                            name,
                            rgb,
                            owner,
                            by_hand,
                        })
                    });
            let want = found.as_ref().map(|m| m.rgb);
            if color(name) != want {
                let hex = |c: Option<Rgb>| c.map_or("none".to_string(), Rgb::hex);
                let (have, want) = (hex(color(name)), hex(want));
                writeln!(wrong, "  {name}: the table says {have}, the JSON {want}").unwrap();
            }
            match found {
                Some(m) => matched.push(m),
                None => fallback.push(name),
            }
        }
        for (tokei, _) in MANUAL {
            assert!(
                names.contains(tokei),
                "MANUAL maps {tokei:?}, which is not a tokei language: rename or remove it"
            );
        }
        matched.sort_by_key(|m| m.name);
        fallback.sort_by_key(|name| name.to_lowercase());
        let generated = generate(&linguist.source, &matched, &fallback);

        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/render/palette/linguist.rs");
        let file = std::fs::read_to_string(&path).unwrap();
        let start = file.find(BEGIN).expect("the BEGIN line");
        let end = start + file[start..].find(END).expect("the END line") + END.len();
        if file[start..end] == generated {
            assert!(
                wrong.is_empty(),
                "{wrong}(the file changed since it was compiled?)"
            );
            return;
        }
        if std::env::var_os("REPOFLAME_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
            std::fs::write(
                &path,
                format!("{}{generated}{}", &file[..start], &file[end..]),
            )
            .unwrap();
            // Where a person sees it, as tests/golden.rs does.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "BLESSED {}: written, not checked (read the diff, run the test again)",
                path.display()
            );
            return;
        }
        if wrong.is_empty() {
            wrong = "  the colours are right; the table's comments differ\n".to_string();
        }
        panic!(
            "the colour table in {} is not what scripts/linguist-colors.json and tokei's \
             languages give:\n{wrong}{FIX}",
            path.display()
        );
    }
}
