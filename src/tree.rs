//! Aggregation: per-file records become a tree of frames.
//!
//! The tree owns the frame names (path components escaped as in DESIGN.md),
//! the totals of every directory, and the one presentation decision that
//! changes the shape of the graph: entries too narrow to draw are merged
//! into one `(N small files)` frame per directory instead of vanishing
//! while their directory stays.

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use tokei::LanguageType;

use crate::config::Metric;
use crate::count::{Counts, FileRecord};
use crate::escape::escape;

/// What a node stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A directory.
    Dir,
    /// A counted file.
    File(LanguageType),
    /// In a diff, a path that is a file at one revision and a directory at
    /// the other (`tool` became `tool/`): one frame, so that no stack is
    /// drawn or folded twice. It is a directory whose own part is the
    /// file, the way a function's self time is part of its frame: the
    /// file keeps its own width (the larger of its two counts) and the
    /// directory's entries theirs, so the frame is as wide as all of them,
    /// like any directory, and neither side's code is hidden behind the
    /// other's. In folded stacks the file is the line that ends at the
    /// frame itself.
    FileAndDir(Box<FileSide>),
    /// Entries of one directory too narrow to draw, merged.
    Small {
        /// How many entries were merged.
        entries: u64,
        /// The names of the largest few, for the hover text.
        examples: Vec<String>,
    },
}

/// A frame of the graph with everything below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The frame name: the path component, escaped.
    pub name: String,
    /// Directory, file or merged entries.
    pub kind: Kind,
    /// Totals of every file at or below this node.
    pub counts: Counts,
    /// Children, sorted by raw name.
    pub children: Vec<Node>,
    /// For a diff: the totals at both revisions (`counts` then holds, per
    /// file, the larger of the two, so deleted code keeps its width).
    /// Boxed: most trees are not diffs, and a million nodes add up.
    pub change: Option<Box<Change>>,
    /// The language a directory is coloured after: the language frame it is
    /// under with `--by-language`, or the language with most of the metric
    /// in a directory folded by `--depth`.
    pub tint: Option<LanguageType>,
    /// For a file: generated, vendored or documentation, and why.
    pub class: Option<Box<crate::classify::Classification>>,
}

/// The file part of a [`Kind::FileAndDir`] frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSide {
    /// The file's language.
    pub language: LanguageType,
    /// Its width: per metric, the larger of its two counts.
    pub counts: Counts,
    /// Its counts at both revisions (zero where it is the directory).
    pub change: Change,
    /// Generated, vendored or documentation.
    pub class: Option<crate::classify::Classification>,
}

/// Totals at two revisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// At the earlier revision.
    pub before: Counts,
    /// At the later revision.
    pub after: Counts,
}

impl std::ops::AddAssign for Change {
    fn add_assign(&mut self, other: Change) {
        self.before += other.before;
        self.after += other.after;
    }
}

/// One file for the tree: its path, language, counts and, for a diff, its
/// change.
struct Item {
    path: std::path::PathBuf,
    language: LanguageType,
    counts: Counts,
    change: Option<Box<Change>>,
    class: Option<crate::classify::Classification>,
}

impl Drop for Node {
    /// Frees the children iteratively: a tree read from git can be tens of
    /// thousands of levels deep, and the default recursive drop would
    /// overflow the stack.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut node) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

impl Node {
    fn dir(name: String) -> Node {
        Node {
            name,
            kind: Kind::Dir,
            counts: Counts::default(),
            children: Vec::new(),
            change: None,
            tint: None,
            class: None,
        }
    }

    /// Whether the node is a directory (at either revision of a diff).
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir | Kind::FileAndDir(_))
    }

    /// The file a [`Kind::FileAndDir`] node is at one revision.
    pub fn file_side(&self) -> Option<&FileSide> {
        match &self.kind {
            Kind::FileAndDir(file) => Some(file),
            _ => None,
        }
    }
}

/// The tree of one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    /// The root frame, named after the source.
    pub root: Node,
}

impl Tree {
    /// Builds the tree of `records` below a root frame named `root_name`.
    /// A record with an empty path is the root itself (a one-file source).
    pub fn build(root_name: &[u8], records: Vec<FileRecord>) -> Tree {
        let items = records
            .into_iter()
            .map(|r| Item {
                path: r.path,
                language: r.language,
                counts: r.counts,
                change: None,
                class: r.class,
            })
            .collect();
        build(root_name, items, false)
    }

    /// Builds the tree of a diff: each file as wide as the larger of its
    /// two counts (per metric), every node carrying both totals.
    pub fn build_diff(root_name: &[u8], records: Vec<crate::source::git::DiffRecord>) -> Tree {
        let items = records
            .into_iter()
            .map(|r| {
                let before = r.before.unwrap_or_default();
                let after = r.after.unwrap_or_default();
                Item {
                    path: r.path,
                    language: r.language,
                    counts: Counts {
                        files: 1,
                        code: before.code.max(after.code),
                        comments: before.comments.max(after.comments),
                        blanks: before.blanks.max(after.blanks),
                        bytes: before.bytes.max(after.bytes),
                    },
                    change: Some(Box::new(Change { before, after })),
                    class: r.class,
                }
            })
            .collect();
        build(root_name, items, true)
    }

    /// Builds the tree with the language as the first frame below the root,
    /// then the path: where the Go code lives, where the YAML lives. The
    /// directories under a language are tinted with its colour.
    pub fn build_by_language(root_name: &[u8], records: Vec<FileRecord>) -> Tree {
        let records = records
            .into_iter()
            .map(|mut r| {
                r.path = std::path::Path::new(r.language.name()).join(&r.path);
                r
            })
            .collect();
        let mut tree = Tree::build(root_name, records);
        for language in &mut tree.root.children {
            if let Some(found) = first_language(language) {
                tint(language, found);
            }
        }
        tree
    }

    /// The tree of `records` shaped as `view` asks.
    pub fn shaped(
        root_name: &[u8],
        records: Vec<FileRecord>,
        view: &crate::config::View,
        metric: Metric,
    ) -> Tree {
        let mut tree = if view.by_language {
            Tree::build_by_language(root_name, records)
        } else {
            Tree::build(root_name, records)
        };
        if let Some(depth) = view.depth {
            tree.fold_below(depth, metric);
        }
        tree
    }

    /// Aggregates everything below `depth` (the root is depth 0) into its
    /// directory, as `du -d` does: a directory at that depth becomes a leaf
    /// with its totals, tinted with the language that has most of `metric`
    /// in it.
    pub fn fold_below(&mut self, depth: usize, metric: Metric) {
        fold_below(&mut self.root, depth, metric);
    }

    /// `(stack, before, after)` per file of a diff tree where either count
    /// is not zero; unsorted. Empty for a tree that is not a diff.
    pub fn diff_stacks(&self, metric: Metric) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        let mut prefix = String::new();
        collect_diff(&self.root, metric, &mut prefix, &mut out);
        out
    }

    /// Folded stacks: one `(stack, value)` per file whose metric is not
    /// zero, the stack being its frames joined by `;`. Unsorted.
    pub fn stacks(&self, metric: Metric, include_root: bool) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut prefix = String::new();
        if include_root || self.root.children.is_empty() {
            collect(&self.root, metric, &mut prefix, &mut out);
        } else {
            for child in &self.root.children {
                collect(child, metric, &mut prefix, &mut out);
            }
        }
        out
    }

    /// Merges small entries until at most `max_frames` frames are left to
    /// draw, and at least those below `min_value`. Returns the threshold
    /// used (entries below it were merged; 1 means nothing was).
    pub fn merge_for_drawing(&mut self, metric: Metric, min_value: u64, max_frames: usize) -> u64 {
        let total = self.root.counts.get(metric);
        let (mut lo, mut hi) = (min_value.max(1), total.saturating_add(1));
        if !fits(&self.root, metric, lo, max_frames) {
            // The smallest threshold that fits the budget: the number of
            // frames drawn only shrinks as the threshold grows.
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if fits(&self.root, metric, mid, max_frames) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
        }
        if lo > 1 {
            self.merge_small(metric, lo);
        }
        lo
    }

    /// Merges, in every directory, the entries whose metric is below
    /// `threshold` into one `(N small files)` frame, when there are at least
    /// two of them (merging one changes nothing).
    pub fn merge_small(&mut self, metric: Metric, threshold: u64) {
        merge_small(&mut self.root, metric, threshold);
    }
}

fn build(root_name: &[u8], mut items: Vec<Item>, diff: bool) -> Tree {
    // Byte order keeps every directory's entries together (all paths
    // starting with `dir/` form one run), and compares with memcmp.
    use rayon::slice::ParallelSliceMut;
    items.par_sort_unstable_by(|a, b| {
        a.path
            .as_os_str()
            .as_bytes()
            .cmp(b.path.as_os_str().as_bytes())
    });
    // Only the two revisions of a diff can have a path that is a file and
    // a directory.
    let both = if diff {
        files_that_are_directories(&items)
    } else {
        Default::default()
    };
    let mut root = Node::dir(escape(root_name).into_owned());
    let empty_change = diff.then(|| Box::new(Change::default()));
    root.change = empty_change.clone();
    // Items are consumed as they are placed, so their paths are freed as
    // the tree grows (a million files: the peak of the run).
    for item in items {
        let add = |node: &mut Node| {
            node.counts += item.counts;
            if let (Some(total), Some(change)) = (&mut node.change, item.change.as_deref()) {
                **total += *change;
            }
        };
        add(&mut root);
        let mut components = item
            .path
            .components()
            .map(|c| c.as_os_str().as_bytes())
            .peekable();
        let mut node = &mut root;
        let mut leaf = None;
        let mut depth = 0;
        while let Some(component) = components.next() {
            if components.peek().is_none() {
                leaf = Some(component);
                break;
            }
            depth += 1;
            let name = escape(component);
            // Items are sorted, so a directory seen before is the last
            // child added.
            let existing = node
                .children
                .last()
                .is_some_and(|c| c.is_dir() && c.name == *name);
            if !existing {
                let file = (!both.is_empty())
                    .then(|| item.path.components().take(depth).collect::<PathBuf>())
                    .filter(|path| both.contains(path.as_os_str().as_bytes()))
                    .and_then(|_| {
                        node.children
                            .iter()
                            .rposition(|c| matches!(c.kind, Kind::File(_)) && c.name == *name)
                    });
                let child = match file {
                    // The file was placed already (`x` sorts before
                    // `x/…`), perhaps with siblings after it (`x.h`): it
                    // becomes the directory too, and the last child.
                    Some(at) => {
                        let mut node = node.children.remove(at);
                        let Kind::File(language) = node.kind else {
                            unreachable!("just matched")
                        };
                        node.kind = Kind::FileAndDir(Box::new(FileSide {
                            language,
                            counts: node.counts,
                            change: node.change.as_deref().copied().unwrap_or_default(),
                            class: node.class.take().map(|c| *c),
                        }));
                        node
                    }
                    None => {
                        let mut child = Node::dir(name.into_owned());
                        child.change = empty_change.clone();
                        child
                    }
                };
                node.children.push(child);
            }
            node = node.children.last_mut().expect("just ensured");
            add(node);
        }
        let Some(leaf) = leaf else {
            root.kind = Kind::File(item.language);
            continue;
        };
        node.children.push(Node {
            name: escape(leaf).into_owned(),
            kind: Kind::File(item.language),
            counts: item.counts,
            children: Vec::new(),
            change: item.change.clone(),
            tint: None,
            class: item.class.clone().map(Box::new),
        });
    }
    Tree { root }
}

/// The paths of `items` (sorted by bytes) that are also a directory of
/// other items: `x` when `x/y` is there too.
fn files_that_are_directories(items: &[Item]) -> HashSet<Vec<u8>> {
    fn bytes(item: &Item) -> &[u8] {
        item.path.as_os_str().as_bytes()
    }
    let mut both = HashSet::new();
    let mut below = Vec::new();
    for item in items {
        below.clear();
        below.extend_from_slice(bytes(item));
        below.push(b'/');
        // The first path at or after `x/` starts with it if any does.
        let at = items.partition_point(|other| bytes(other) < below.as_slice());
        if items
            .get(at)
            .is_some_and(|other| bytes(other).starts_with(&below))
        {
            both.insert(bytes(item).to_vec());
        }
    }
    both
}

/// Every leaf at or below `node` whose `value` is not `None`, with its
/// stack: the frames from `prefix` down, joined by `;`. A node whose value
/// is `None` is left out with everything below it. The file part of a
/// [`Kind::FileAndDir`] node with entries is a line of its own, with
/// `file_value`.
fn collect_with<T: Copy>(
    node: &Node,
    value: &impl Fn(&Node) -> Option<T>,
    file_value: &impl Fn(&FileSide) -> Option<T>,
    prefix: &mut String,
    out: &mut Vec<(String, T)>,
) {
    let Some(v) = value(node) else {
        return;
    };
    let len = prefix.len();
    if !prefix.is_empty() {
        prefix.push(';');
    }
    prefix.push_str(&node.name);
    if node.children.is_empty() {
        out.push((prefix.clone(), v));
    } else {
        if let Some(v) = node.file_side().and_then(file_value) {
            out.push((prefix.clone(), v));
        }
        for child in &node.children {
            collect_with(child, value, file_value, prefix, out);
        }
    }
    prefix.truncate(len);
}

fn collect_diff(
    node: &Node,
    metric: Metric,
    prefix: &mut String,
    out: &mut Vec<(String, u64, u64)>,
) {
    let of = |change: &Change| {
        let (before, after) = (change.before.get(metric), change.after.get(metric));
        (before != 0 || after != 0).then_some((before, after))
    };
    let value = |n: &Node| n.change.as_deref().and_then(of);
    let file_value = |f: &FileSide| of(&f.change);
    let mut pairs = Vec::new();
    collect_with(node, &value, &file_value, prefix, &mut pairs);
    out.extend(pairs.into_iter().map(|(stack, (b, a))| (stack, b, a)));
}

fn collect(node: &Node, metric: Metric, prefix: &mut String, out: &mut Vec<(String, u64)>) {
    let of = |counts: &Counts| Some(counts.get(metric)).filter(|&v| v != 0);
    collect_with(
        node,
        &|n: &Node| of(&n.counts),
        &|f: &FileSide| of(&f.counts),
        prefix,
        out,
    );
}

/// Whether `node` draws at most `budget` frames once entries below
/// `threshold` are merged; stops counting as soon as it is over.
fn fits(node: &Node, metric: Metric, threshold: u64, budget: usize) -> bool {
    fn walk(node: &Node, metric: Metric, threshold: u64, left: &mut usize) -> bool {
        if node.counts.get(metric) == 0 {
            return true;
        }
        let is_small = |n: &Node| {
            let v = n.counts.get(metric);
            v > 0 && v < threshold
        };
        let merging = node.children.iter().filter(|c| is_small(c)).count() >= 2;
        let own = 1 + usize::from(merging);
        if *left < own {
            return false;
        }
        *left -= own;
        node.children
            .iter()
            .filter(|c| !(merging && is_small(c)))
            .all(|c| walk(c, metric, threshold, left))
    }
    let mut left = budget;
    walk(node, metric, threshold, &mut left)
}

fn first_language(node: &Node) -> Option<LanguageType> {
    match &node.kind {
        Kind::File(language) => Some(*language),
        Kind::FileAndDir(file) => Some(file.language),
        _ => node.children.iter().find_map(first_language),
    }
}

fn tint(node: &mut Node, language: LanguageType) {
    if node.is_dir() {
        node.tint = Some(language);
        for child in &mut node.children {
            tint(child, language);
        }
    }
}

fn fold_below(node: &mut Node, depth: usize, metric: Metric) {
    if !node.is_dir() {
        return;
    }
    if depth == 0 {
        if !node.children.is_empty() {
            node.tint = main_language(std::slice::from_ref(node), metric);
            node.children = Vec::new();
        }
        return;
    }
    for child in &mut node.children {
        fold_below(child, depth - 1, metric);
    }
}

/// The language with most of `metric` among the files at or below
/// `nodes` (ties go to the name that sorts first).
fn main_language(nodes: &[Node], metric: Metric) -> Option<LanguageType> {
    let mut per_language: std::collections::BTreeMap<LanguageType, u64> = Default::default();
    for node in nodes {
        add_languages(node, metric, &mut per_language);
    }
    per_language
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.name().cmp(a.0.name())))
        .map(|(language, _)| language)
}

fn add_languages(
    node: &Node,
    metric: Metric,
    out: &mut std::collections::BTreeMap<LanguageType, u64>,
) {
    match &node.kind {
        Kind::File(language) => *out.entry(*language).or_default() += node.counts.get(metric),
        kind => {
            if let Kind::FileAndDir(file) = kind {
                *out.entry(file.language).or_default() += file.counts.get(metric);
            }
            for child in &node.children {
                add_languages(child, metric, out);
            }
        }
    }
}

/// How many frames `node` draws once entries below `threshold` are merged.
#[cfg(test)]
fn drawn(node: &Node, metric: Metric, threshold: u64) -> usize {
    if node.counts.get(metric) == 0 {
        return 0;
    }
    let is_small = |n: &Node| {
        let v = n.counts.get(metric);
        v > 0 && v < threshold
    };
    let merging = node.children.iter().filter(|c| is_small(c)).count() >= 2;
    let mut frames = 1 + usize::from(merging);
    for child in &node.children {
        if !(merging && is_small(child)) {
            frames += drawn(child, metric, threshold);
        }
    }
    frames
}

fn merge_small(node: &mut Node, metric: Metric, threshold: u64) {
    let is_small = |n: &Node| {
        let v = n.counts.get(metric);
        v > 0 && v < threshold
    };
    if node.children.iter().filter(|c| is_small(c)).count() >= 2 {
        let (mut small, keep): (Vec<Node>, Vec<Node>) = std::mem::take(&mut node.children)
            .into_iter()
            .partition(|c| is_small(c));
        small.sort_by(|a, b| {
            b.counts
                .get(metric)
                .cmp(&a.counts.get(metric))
                .then(a.name.cmp(&b.name))
        });
        let mut counts = Counts::default();
        let mut change = node.change.as_ref().map(|_| Box::new(Change::default()));
        for s in &small {
            counts += s.counts;
            if let (Some(total), Some(c)) = (&mut change, s.change.as_deref()) {
                **total += *c;
            }
        }
        let examples = small
            .iter()
            .take(5)
            .map(|s| {
                if s.is_dir() {
                    format!("{}/", s.name)
                } else {
                    s.name.clone()
                }
            })
            .collect();
        let mut name = format!("({} small files)", counts.files);
        while keep.iter().any(|c| c.name == name) {
            name.push('+');
        }
        // The merged frame keeps a colour: the language with most of the
        // metric among what it merges.
        let tint = main_language(&small, metric);
        node.children = keep;
        node.children.push(Node {
            name,
            kind: Kind::Small {
                entries: small.len() as u64,
                examples,
            },
            counts,
            children: Vec::new(),
            change,
            tint,
            class: None,
        });
    }
    for child in &mut node.children {
        if child.is_dir() {
            merge_small(child, metric, threshold);
        }
    }
}

/// Totals of the whole source and of each language.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Everything counted.
    pub totals: Counts,
    /// Per language, largest first by the metric, then by name.
    pub languages: Vec<(LanguageType, Counts)>,
    /// What is generated, vendored or documentation, per class: part of
    /// the totals, counted separately too.
    pub marked: Vec<(crate::classify::Class, Counts)>,
}

impl Summary {
    /// Sums `records` per language; languages sorted by `metric`.
    pub fn of(records: &[FileRecord], metric: Metric) -> Summary {
        let mut per_language: std::collections::BTreeMap<LanguageType, Counts> = Default::default();
        let mut marked: std::collections::BTreeMap<crate::classify::Class, Counts> =
            Default::default();
        let mut totals = Counts::default();
        for record in records {
            *per_language.entry(record.language).or_default() += record.counts;
            totals += record.counts;
            if let Some(class) = &record.class {
                *marked.entry(class.class).or_default() += record.counts;
            }
        }
        let mut languages: Vec<_> = per_language.into_iter().collect();
        languages.sort_by(|(la, a), (lb, b)| {
            b.get(metric)
                .cmp(&a.get(metric))
                .then(b.code.cmp(&a.code))
                .then(la.name().cmp(lb.name()))
        });
        Summary {
            totals,
            languages,
            marked: marked.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn record(path: &str, language: LanguageType, code: u64) -> FileRecord {
        FileRecord {
            class: None,
            path: PathBuf::from(path),
            language,
            counts: Counts {
                files: 1,
                code,
                comments: 1,
                blanks: 2,
                bytes: 10 * code,
            },
        }
    }

    fn sorted(mut stacks: Vec<(String, u64)>) -> Vec<(String, u64)> {
        stacks.sort();
        stacks
    }

    #[test]
    fn builds_directories_with_totals() {
        let tree = Tree::build(
            b"repo",
            vec![
                record("src/b.rs", LanguageType::Rust, 5),
                record("README.md", LanguageType::Markdown, 0),
                record("src/a.rs", LanguageType::Rust, 7),
                record("src/x/c.py", LanguageType::Python, 1),
            ],
        );
        assert_eq!(tree.root.counts.code, 13);
        assert_eq!(tree.root.counts.files, 4);
        let src = &tree.root.children[1];
        assert_eq!(
            (src.name.as_str(), src.counts.code, src.counts.files),
            ("src", 13, 3)
        );
        assert_eq!(
            sorted(tree.stacks(Metric::Code, true)),
            vec![
                ("repo;src;a.rs".to_string(), 7),
                ("repo;src;b.rs".to_string(), 5),
                ("repo;src;x;c.py".to_string(), 1),
            ]
        );
        // Zero-code files still count as files and lines.
        assert_eq!(tree.stacks(Metric::Files, true).len(), 4);
        assert_eq!(
            tree.stacks(Metric::Lines, false)
                .iter()
                .map(|s| s.1)
                .sum::<u64>(),
            13 + 12
        );
    }

    #[test]
    fn one_file_source_is_its_own_root() {
        let tree = Tree::build(b"main.rs", vec![record("", LanguageType::Rust, 3)]);
        assert_eq!(tree.root.kind, Kind::File(LanguageType::Rust));
        assert_eq!(
            tree.stacks(Metric::Code, false),
            vec![("main.rs".to_string(), 3)]
        );
    }

    #[test]
    fn hostile_names_stay_one_frame() {
        let tree = Tree::build(b"r;x", vec![record("a;b/c d 2", LanguageType::Rust, 1)]);
        let stacks = tree.stacks(Metric::Code, true);
        assert_eq!(stacks[0].0.split(';').count(), 3, "{stacks:?}");
    }

    #[test]
    fn small_entries_merge_per_directory_and_keep_totals() {
        let mut records = vec![record("big.rs", LanguageType::Rust, 1000)];
        for i in 0..20 {
            records.push(record(&format!("d/f{i:02}.rs"), LanguageType::Rust, 1));
        }
        records.push(record("d/huge.rs", LanguageType::Rust, 500));
        records.push(record("tiny.rs", LanguageType::Rust, 1));
        let mut tree = Tree::build(b"repo", records);
        let before: u64 = tree.stacks(Metric::Code, true).iter().map(|s| s.1).sum();
        tree.merge_small(Metric::Code, 10);
        let stacks = sorted(tree.stacks(Metric::Code, true));
        assert_eq!(stacks.iter().map(|s| s.1).sum::<u64>(), before);
        assert!(
            stacks.contains(&("repo;d;(20 small files)".to_string(), 20)),
            "{stacks:?}"
        );
        // A lone small entry is left as it is.
        assert!(
            stacks.contains(&("repo;tiny.rs".to_string(), 1)),
            "{stacks:?}"
        );
    }

    #[test]
    fn frame_budget_is_met_with_the_smallest_threshold() {
        let mut records = Vec::new();
        for d in 0..10 {
            for f in 0..50 {
                records.push(record(
                    &format!("d{d}/f{f:02}.rs"),
                    LanguageType::Rust,
                    f + 1,
                ));
            }
        }
        let tree = Tree::build(b"repo", records);
        let all = drawn(&tree.root, Metric::Code, 1);
        assert_eq!(all, 1 + 10 + 500);
        let mut unbounded = tree.clone();
        assert_eq!(unbounded.merge_for_drawing(Metric::Code, 0, usize::MAX), 1);
        assert_eq!(unbounded, tree);
        let mut bounded = tree.clone();
        let threshold = bounded.merge_for_drawing(Metric::Code, 0, 200);
        let frames = drawn(&bounded.root, Metric::Code, 1);
        assert!(frames <= 200, "{frames}");
        assert!(drawn(&tree.root, Metric::Code, threshold - 1) > 200);
        let sum: u64 = bounded.stacks(Metric::Code, true).iter().map(|s| s.1).sum();
        assert_eq!(sum, tree.root.counts.code);
    }

    #[test]
    fn depth_folds_directories_into_leaves_with_their_totals() {
        let mut tree = Tree::build(
            b"repo",
            vec![
                record("a.rs", LanguageType::Rust, 1),
                record("src/x/y.py", LanguageType::Python, 5),
                record("src/x/z.rs", LanguageType::Rust, 2),
                record("src/w.rs", LanguageType::Rust, 1),
            ],
        );
        tree.fold_below(1, Metric::Code);
        assert_eq!(
            sorted(tree.stacks(Metric::Code, true)),
            vec![("repo;a.rs".to_string(), 1), ("repo;src".to_string(), 8)]
        );
        let src = &tree.root.children[1];
        assert!(src.children.is_empty() && src.is_dir());
        assert_eq!(src.tint, Some(LanguageType::Python), "most of the code");
        assert_eq!(src.counts.files, 3);
    }

    #[test]
    fn by_language_puts_the_language_first() {
        let tree = Tree::build_by_language(
            b"repo",
            vec![
                record("src/a.rs", LanguageType::Rust, 3),
                record("src/b.py", LanguageType::Python, 2),
            ],
        );
        assert_eq!(
            sorted(tree.stacks(Metric::Code, true)),
            vec![
                ("repo;Python;src;b.py".to_string(), 2),
                ("repo;Rust;src;a.rs".to_string(), 3)
            ]
        );
        let rust = &tree.root.children[1];
        assert_eq!(rust.tint, Some(LanguageType::Rust));
        assert_eq!(rust.children[0].tint, Some(LanguageType::Rust));
    }

    #[test]
    fn a_file_that_is_a_directory_at_the_other_revision_is_one_frame() {
        use crate::source::git::DiffRecord;
        let side = |code| Counts {
            files: 1,
            code,
            ..Counts::default()
        };
        let diff = |path: &str, before: Option<u64>, after: Option<u64>| DiffRecord {
            path: PathBuf::from(path),
            language: LanguageType::C,
            before: before.map(side),
            after: after.map(side),
            class: None,
        };
        // `x.h` sorts between `x` and `x/y.c`.
        let records = vec![
            diff("x", Some(3), None),
            diff("x.h", Some(1), Some(1)),
            diff("x/y.c", None, Some(2)),
            diff("x/z/w.c", None, Some(4)),
        ];
        let tree = Tree::build_diff(b"r", records);
        let names: Vec<&str> = tree.root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x.h", "x"]);
        let x = &tree.root.children[1];
        assert!(x.is_dir());
        let file = x.file_side().expect("the file part");
        assert_eq!((file.counts.code, file.change.before.code), (3, 3));
        assert_eq!(x.counts.code, 3 + 2 + 4, "each file keeps its width");
        let change = x.change.as_deref().unwrap();
        assert_eq!((change.before.code, change.after.code), (3, 6));
        assert_eq!(
            sorted(tree.stacks(Metric::Code, true)),
            vec![
                ("r;x".to_string(), 3),
                ("r;x.h".to_string(), 1),
                ("r;x;y.c".to_string(), 2),
                ("r;x;z;w.c".to_string(), 4),
            ]
        );
        let mut diff_stacks = tree.diff_stacks(Metric::Code);
        diff_stacks.sort();
        assert_eq!(
            diff_stacks,
            vec![
                ("r;x".to_string(), 3, 0),
                ("r;x.h".to_string(), 1, 1),
                ("r;x;y.c".to_string(), 0, 2),
                ("r;x;z;w.c".to_string(), 0, 4),
            ]
        );
        let mut folded = tree.clone();
        folded.fold_below(1, Metric::Code);
        assert_eq!(
            sorted(folded.stacks(Metric::Code, true)),
            vec![("r;x".to_string(), 9), ("r;x.h".to_string(), 1)]
        );
    }

    #[test]
    fn summary_sorts_languages_by_metric() {
        let records = vec![
            record("a.py", LanguageType::Python, 5),
            record("b.rs", LanguageType::Rust, 7),
            record("c.rs", LanguageType::Rust, 1),
        ];
        let summary = Summary::of(&records, Metric::Code);
        assert_eq!(summary.totals.code, 13);
        assert_eq!(summary.languages[0].0, LanguageType::Rust);
        assert_eq!(summary.languages[0].1.files, 2);
    }
}
