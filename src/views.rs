//! Views: the tree shaped for what the user asked to see.
//!
//! - `--by-language`: the language as the first frame under the root;
//! - `--depth N`: everything below depth N folded into its directory, as
//!   `du -d` does;
//! - merging, per directory, the entries too narrow to draw into one
//!   `(N small files)` frame, so the picture keeps them (inferno would drop
//!   them while their directory stays) and stays within a frame budget.
//!
//! Each is a pass over the tree's nodes in preorder, never a recursion.

use std::path::Path;

use tokei::LanguageType;

use crate::config::{Metric, View};
use crate::record::Record;
use crate::record::{Counts, language_slots};
use crate::tree::{Kind, Marked, Merged, Node, Tree};
use crate::units::{files, thousands};

/// The tree of `records` shaped as `view` asks.
pub(crate) fn shaped(root_name: &[u8], records: Vec<Record>, view: &View, metric: Metric) -> Tree {
    let mut tree = if view.by_language {
        by_language(root_name, records)
    } else {
        Tree::build(root_name, records)
    };
    if let Some(depth) = view.depth {
        fold_below(&mut tree, depth, metric);
    }
    tree
}

/// The tree with the language as the first frame below the root, then the
/// path: where the Go code lives, where the YAML lives. The directories
/// under a language are tinted with its colour.
pub(crate) fn by_language(root_name: &[u8], mut records: Vec<Record>) -> Tree {
    for r in &mut records {
        r.path = Path::new(r.language.name()).join(&r.path).into_boxed_path();
    }
    let mut tree = Tree::build(root_name, records);
    let languages: Vec<usize> = tree.children(0).collect();
    for id in languages {
        let end = id + 1 + tree.nodes[id].descendants as usize;
        let Some(language) = tree.nodes[id..end].iter().find_map(language_of) else {
            continue;
        };
        for node in &mut tree.nodes[id..end] {
            if node.is_dir() {
                node.tint = Some(language);
            }
        }
    }
    tree
}

/// The language of a file, or of the file part of a frame.
fn language_of(node: &Node) -> Option<LanguageType> {
    match &node.kind {
        Kind::File(language) => Some(*language),
        Kind::FileAndDir(file) => Some(file.language),
        _ => None,
    }
}

/// Aggregates everything below `depth` (the root is depth 0) into its
/// directory, as `du -d` does: a directory at that depth becomes a leaf
/// with its totals, tinted with the language that has most of `metric`
/// in it.
pub(crate) fn fold_below(tree: &mut Tree, depth: usize, metric: Metric) {
    let depth = depth as u32;
    let old = std::mem::take(&mut tree.nodes);
    let mut nodes = Vec::with_capacity(old.len());
    let mut skip_until = 0;
    for (id, node) in old.iter().enumerate() {
        if id < skip_until {
            continue;
        }
        let mut node = node.clone();
        if node.depth == depth && node.is_dir() && node.has_children() {
            let subtree = &old[id..=id + node.descendants as usize];
            node.tint = main_language(subtree.iter(), metric);
            skip_until = id + 1 + node.descendants as usize;
        }
        nodes.push(node);
    }
    fix_descendants(&mut nodes);
    tree.nodes = nodes;
}

/// The language with most of `metric` among the files of `nodes` (ties go
/// to the name that sorts first).
fn main_language<'n>(
    nodes: impl Iterator<Item = &'n Node>,
    metric: Metric,
) -> Option<LanguageType> {
    // Per language (a fieldless enum: its discriminant is an index), the
    // metric if one of its files is there. An array, not a map: this runs
    // over every file below what a million-file tree merges.
    let mut per_language = vec![None::<u64>; language_slots()];
    let mut add = |language: LanguageType, value: u64| {
        *per_language[language as usize].get_or_insert(0) += value;
    };
    for node in nodes {
        match &node.kind {
            Kind::File(language) => add(*language, node.counts.get(metric)),
            Kind::FileAndDir(file) => add(file.language, file.counts.get(metric)),
            _ => {}
        }
    }
    LanguageType::list()
        .iter()
        .filter_map(|&(language, _)| per_language[language as usize].map(|value| (language, value)))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.name().cmp(a.0.name())))
        .map(|(language, _)| language)
}

/// Sets every node's `descendants` from the depths of `nodes`, a tree in
/// preorder whose subtrees changed.
fn fix_descendants(nodes: &mut [Node]) {
    let mut open: Vec<usize> = Vec::new();
    for id in 0..nodes.len() {
        let depth = nodes[id].depth;
        while let Some(&top) = open.last() {
            if nodes[top].depth < depth {
                break;
            }
            nodes[top].descendants = (id - top - 1) as u32;
            open.pop();
        }
        open.push(id);
    }
    let len = nodes.len();
    for top in open {
        nodes[top].descendants = (len - top - 1) as u32;
    }
}

/// Merges small entries until at most `max_frames` frames are left to
/// draw, and at least those below `min_value`. Returns the threshold used
/// (entries below it were merged; 1 means nothing was).
pub(crate) fn merge_for_drawing(
    tree: &mut Tree,
    metric: Metric,
    min_value: u64,
    max_frames: usize,
) -> u64 {
    let total = tree.root().counts.get(metric);
    let (mut lo, mut hi) = (min_value.max(1), total.saturating_add(1));
    let mut sizes = Sizes::of(tree, metric);
    if !sizes.fits(lo, max_frames) {
        // The smallest threshold that fits the budget: the number of
        // frames drawn only shrinks as the threshold grows.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if sizes.fits(mid, max_frames) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
    }
    drop(sizes);
    if lo > 1 {
        merge_small(tree, metric, lo);
    }
    lo
}

/// Whether an entry is merged at `threshold`: drawn, but narrower.
fn is_small(node: &Node, metric: Metric, threshold: u64) -> bool {
    let v = node.counts.get(metric);
    v > 0 && v < threshold
}

/// The children of `id` merged at `threshold`: none unless two or more.
#[cfg(test)]
fn merged_children(tree: &Tree, id: usize, metric: Metric, threshold: u64) -> Vec<usize> {
    let small: Vec<usize> = tree
        .children(id)
        .filter(|&c| is_small(&tree.nodes[c], metric, threshold))
        .collect();
    if small.len() >= 2 { small } else { Vec::new() }
}

/// The tree as the search for a threshold walks it, some twenty times:
/// per node, its children that have a value, largest first, in one flat
/// array, found when a search first visits the node. (The nodes of a
/// million files are scattered over a hundred megabytes; a search visits
/// at most its budget of them, and the children at or above a threshold
/// are a prefix of each node's list.)
struct Sizes<'t> {
    tree: &'t Tree,
    metric: Metric,
    /// Per node, where its children start in `children` plus one (0: not
    /// found yet), and how many there are.
    found: Vec<(u32, u32)>,
    /// Children with a value above 0, as (value, node id), each node's
    /// largest first.
    children: Vec<(u64, u32)>,
}

impl<'t> Sizes<'t> {
    fn of(tree: &'t Tree, metric: Metric) -> Sizes<'t> {
        Sizes {
            tree,
            metric,
            // Zeroed memory: only the pages of the nodes visited are used.
            found: vec![(0, 0); tree.nodes.len()],
            children: Vec::new(),
        }
    }

    /// Where the children of `id` are in `children`, found the first time.
    fn children_of(&mut self, id: usize) -> std::ops::Range<usize> {
        let (start, len) = self.found[id];
        if start > 0 {
            let start = start as usize - 1;
            return start..start + len as usize;
        }
        let (tree, metric) = (self.tree, self.metric);
        let from = self.children.len();
        self.children.extend(tree.children(id).filter_map(|child| {
            let value = tree.nodes[child].counts.get(metric);
            (value > 0).then_some((value, child as u32))
        }));
        self.children[from..].sort_unstable_by_key(|&(value, _)| std::cmp::Reverse(value));
        let len = self.children.len() - from;
        self.found[id] = (from as u32 + 1, len as u32);
        from..from + len
    }

    /// Whether the tree draws at most `budget` frames once entries below
    /// `threshold` are merged (as `drawn` counts them).
    fn fits(&mut self, threshold: u64, budget: usize) -> bool {
        let mut left = budget;
        let mut stack = Vec::new();
        if self.tree.root().counts.get(self.metric) > 0 {
            stack.push(0);
        }
        while let Some(id) = stack.pop() {
            let range = self.children_of(id);
            let children = &self.children[range];
            // The children below the threshold: merged if two or more.
            let large = children.partition_point(|&(value, _)| value >= threshold);
            let merging = children.len() - large >= 2;
            let own = 1 + usize::from(merging);
            if left < own {
                return false;
            }
            left -= own;
            let drawn = if merging { large } else { children.len() };
            stack.extend(children[..drawn].iter().map(|&(_, c)| c as usize));
        }
        true
    }
}

/// How many frames the tree draws once entries below `threshold` are
/// merged.
#[cfg(test)]
pub(crate) fn drawn(tree: &Tree, metric: Metric, threshold: u64) -> usize {
    let mut frames = 0;
    let mut stack = vec![0usize];
    while let Some(id) = stack.pop() {
        if tree.nodes[id].counts.get(metric) == 0 {
            continue;
        }
        let merged = merged_children(tree, id, metric, threshold);
        frames += 1 + usize::from(!merged.is_empty());
        stack.extend(tree.children(id).filter(|c| !merged.contains(c)));
    }
    frames
}

/// Merges, in every directory, the entries whose metric is below
/// `threshold` into one `(N small files)` frame, when there are at least
/// two of them (merging one changes nothing). The merged frame is the
/// directory's last child.
pub(crate) fn merge_small(tree: &mut Tree, metric: Metric, threshold: u64) {
    enum Task {
        /// Copy node `id`, then its children.
        Node(usize),
        /// The merged frame of a directory.
        Merged(Node),
    }
    let mut out: Vec<Node> = Vec::with_capacity(tree.nodes.len());
    let mut tasks = vec![Task::Node(0)];
    let mut children = Vec::new();
    while let Some(task) = tasks.pop() {
        let id = match task {
            Task::Merged(node) => {
                out.push(node);
                continue;
            }
            Task::Node(id) => id,
        };
        let node = &tree.nodes[id];
        // The children, found once: in a tree of a million files they are
        // scattered over a hundred megabytes.
        children.clear();
        children.extend(tree.children(id));
        let small = children
            .iter()
            .filter(|&&c| is_small(&tree.nodes[c], metric, threshold))
            .count();
        let merging = node.is_dir() && small >= 2;
        let merged = |c: usize| merging && is_small(&tree.nodes[c], metric, threshold);
        // Pushed in reverse: the kept children in order, then the merged
        // frame last.
        if merging {
            let (small, keep): (Vec<usize>, Vec<usize>) =
                children.iter().partition(|&&c| merged(c));
            let keep: Vec<&str> = keep.iter().map(|&c| &*tree.nodes[c].name).collect();
            tasks.push(Task::Merged(merged_node(
                tree,
                &small,
                &keep,
                node.depth + 1,
                metric,
            )));
        }
        tasks.extend(
            children
                .iter()
                .rev()
                .filter(|&&c| !merged(c))
                .map(|&c| Task::Node(c)),
        );
        out.push(node.clone());
    }
    fix_descendants(&mut out);
    let old = std::mem::replace(&mut tree.nodes, out);
    drop_in_background(old);
}

/// Frees `nodes` on another thread: a million nodes are tens of
/// milliseconds to free that nobody needs to wait for.
fn drop_in_background(nodes: Vec<Node>) {
    if let Err(err) = std::thread::Builder::new().spawn(move || drop(nodes)) {
        // Could not start a thread: free here, as usual.
        drop(err);
    }
}

/// The frame that stands for the entries `small` of a directory whose
/// other entries are named `keep`.
fn merged_node(tree: &Tree, small: &[usize], keep: &[&str], depth: u32, metric: Metric) -> Node {
    let mut by_size: Vec<&Node> = small.iter().map(|&c| &tree.nodes[c]).collect();
    by_size.sort_by(|a, b| {
        b.counts
            .get(metric)
            .cmp(&a.counts.get(metric))
            .then(a.name.cmp(&b.name))
    });
    let mut counts = Counts::default();
    let mut marked = Marked::default();
    let mut sides = tree
        .root()
        .sides
        .as_ref()
        .map(|s| vec![Counts::default(); s.len()]);
    for s in &by_size {
        counts += s.counts;
        marked.add_all(&s.marked());
        if let (Some(total), Some(these)) = (&mut sides, &s.sides) {
            for (t, c) in total.iter_mut().zip(these.iter()) {
                *t += *c;
            }
        }
    }
    let examples = by_size
        .iter()
        .take(5)
        .map(|s| {
            if s.is_dir() {
                format!("{}/", s.name)
            } else {
                s.name.to_string()
            }
        })
        .collect();
    // What the frame holds: "(122 small files)", or with directories
    // among them "(3 directories, 122 files)" (the files in all). Not the
    // name of an entry beside it: a `+` more until it is not. (It is a
    // valid frame name as it is: no `;`, no control, no leading or
    // trailing space, no trailing ` <digits>` or `_[k]`.)
    let directories = by_size.iter().filter(|s| s.is_dir()).count() as u64;
    let mut name = match directories {
        0 => format!("({} small files)", thousands(counts.files)),
        1 => format!("(1 directory, {})", files(counts.files)),
        n => format!("({} directories, {})", thousands(n), files(counts.files)),
    };
    while keep.iter().any(|k| *k == name) {
        name.push('+');
    }
    let mut node = Node::new(
        name.into(),
        Kind::Small(Box::new(Merged {
            entries: small.len() as u64,
            directories,
            examples,
        })),
        depth,
    );
    node.counts = counts;
    node.marked = (!marked.is_empty()).then(|| Box::new(marked));
    node.sides = sides.map(Vec::into_boxed_slice);
    // The merged frame keeps a colour: the language with most of the
    // metric among what it merges.
    node.tint = main_language(small.iter().flat_map(|&c| tree.subtree(c).iter()), metric);
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::record;

    fn sorted(mut stacks: Vec<(String, u64)>) -> Vec<(String, u64)> {
        stacks.sort();
        stacks
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
        merge_small(&mut tree, Metric::Code, 10);
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
        // The merged frame is the directory's last child.
        let d = tree
            .children(0)
            .find(|&c| &*tree.nodes[c].name == "d")
            .unwrap();
        let last = tree.children(d).last().unwrap();
        assert!(matches!(tree.nodes[last].kind, Kind::Small(_)));
    }

    fn vendored(path: &str, code: u64) -> Record {
        let mut record = record(path, LanguageType::Go, code);
        record.class = Some(Box::new(crate::classify::Classification {
            class: crate::classify::Class::Vendored,
            reason: "vendored path (vendor/)".into(),
        }));
        record
    }

    #[test]
    fn merged_frames_say_what_they_hold() {
        let mut records = vec![
            record("big.rs", LanguageType::Rust, 1000),
            record("contrib/a.rs", LanguageType::Rust, 3),
            record("hack/b.rs", LanguageType::Rust, 2),
            record("hack/c.rs", LanguageType::Rust, 2),
            record("cmd/x/d.rs", LanguageType::Rust, 4),
            // A real entry with the name the merged frame would have.
            record("(3 directories, 4 files)", LanguageType::Rust, 50),
            record("vendor/big.go", LanguageType::Go, 500),
        ];
        for i in 0..12 {
            records.push(vendored(&format!("vendor/small/v{i:02}.go"), 1));
        }
        records.push(record("vendor/small/own.go", LanguageType::Go, 3));
        let mut tree = Tree::build(b"repo", records);
        merge_small(&mut tree, Metric::Code, 10);
        let stacks = sorted(tree.stacks(Metric::Code, true));
        let names: Vec<&str> = stacks.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "repo;(3 directories, 4 files)",
                // Merged directories: named for what they hold, not the
                // name of the entry beside them.
                "repo;(3 directories, 4 files)+",
                "repo;big.rs",
                "repo;vendor;big.go",
                // Files only: small files.
                "repo;vendor;small;(13 small files)",
            ]
        );
        let merged = |name: &str| {
            tree.nodes
                .iter()
                .find(|n| &*n.name == name)
                .unwrap_or_else(|| panic!("no {name}"))
        };
        let dirs = merged("(3 directories, 4 files)+");
        assert_eq!(dirs.counts.code, 11);
        let Kind::Small(what) = &dirs.kind else {
            panic!("{:?}", dirs.kind)
        };
        assert_eq!((what.entries, what.directories), (3, 3));
        assert_eq!(what.examples, ["cmd/", "hack/", "contrib/"]);
        assert!(dirs.marked().is_empty());
        // What is vendored of merged entries is known: 12 of 15 lines.
        let small = merged("(13 small files)");
        assert_eq!(small.counts.code, 15);
        let marked = small.marked();
        assert_eq!(marked.get(crate::classify::Class::Vendored).code, 12);
        assert_eq!(marked.get(crate::classify::Class::Vendored).files, 12);
        assert_eq!(small.own().code, 3);
        // And of directories, all the way up.
        assert_eq!(tree.root().marked().total().code, 12);
        let vendor = merged("vendor");
        assert_eq!((vendor.counts.code, vendor.own().code), (515, 503));
    }

    #[test]
    fn a_folded_directory_keeps_what_is_marked_in_it() {
        let mut tree = Tree::build(
            b"repo",
            vec![
                vendored("vendor/a/x.go", 30),
                vendored("vendor/b/y.go", 10),
                record("vendor/b/ours.go", LanguageType::Go, 10),
                record("src/main.rs", LanguageType::Rust, 5),
            ],
        );
        fold_below(&mut tree, 1, Metric::Code);
        let vendor = &tree.nodes[tree.children(0).nth(1).unwrap()];
        assert_eq!(&*vendor.name, "vendor");
        assert!(!vendor.has_children());
        assert_eq!(
            vendor.marked().get(crate::classify::Class::Vendored).code,
            40
        );
        assert_eq!(vendor.own().code, 10);
        let src = &tree.nodes[tree.children(0).next().unwrap()];
        assert!(src.marked.is_none(), "nothing marked, nothing allocated");
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
        let all = drawn(&tree, Metric::Code, 1);
        assert_eq!(all, 1 + 10 + 500);
        let mut unbounded = tree.clone();
        assert_eq!(
            merge_for_drawing(&mut unbounded, Metric::Code, 0, usize::MAX),
            1
        );
        assert_eq!(unbounded, tree);
        let mut bounded = tree.clone();
        let threshold = merge_for_drawing(&mut bounded, Metric::Code, 0, 200);
        let frames = drawn(&bounded, Metric::Code, 1);
        assert!(frames <= 200, "{frames}");
        assert!(drawn(&tree, Metric::Code, threshold - 1) > 200);
        let sum: u64 = bounded.stacks(Metric::Code, true).iter().map(|s| s.1).sum();
        assert_eq!(sum, tree.root().counts.code);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 512,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x005E_A2C4),
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// The search's flat index counts the frames as the tree does, for
        /// every threshold and budget, zero-valued entries included.
        #[test]
        fn the_search_counts_frames_as_the_tree_draws_them(
            files in proptest::collection::vec(
                (proptest::collection::vec(0u8..4, 1..5), 0u64..40),
                1..60,
            ),
            searches in proptest::collection::vec((1u64..60, 0usize..80), 1..8),
        ) {
            let mut seen = std::collections::HashSet::new();
            let records: Vec<Record> = files
                .iter()
                .filter_map(|(parts, code)| {
                    // Names that never make a file and a directory of one path.
                    let mut path: Vec<String> =
                        parts.iter().map(|p| format!("d{p}")).collect();
                    *path.last_mut().unwrap() = format!("f{}.rs", parts.last().unwrap());
                    let path = path.join("/");
                    seen.insert(path.clone())
                        .then(|| record(&path, LanguageType::Rust, *code))
                })
                .collect();
            let tree = Tree::build(b"repo", records);
            // One index for several searches, as the search for a threshold
            // uses it: what one search found serves the next.
            let mut sizes = Sizes::of(&tree, Metric::Code);
            for (threshold, budget) in searches {
                let frames = match tree.root().counts.code {
                    0 => 0,
                    _ => drawn(&tree, Metric::Code, threshold),
                };
                proptest::prop_assert_eq!(
                    sizes.fits(threshold, budget),
                    frames <= budget,
                    "threshold {}, budget {}", threshold, budget
                );
            }
        }
    }

    #[test]
    fn merged_frames_take_the_main_language_and_ties_the_first_name() {
        let mut records = vec![record("big.rs", LanguageType::Rust, 1000)];
        for (i, language) in [LanguageType::Python, LanguageType::Go].iter().enumerate() {
            records.push(record(&format!("d/f{i}.x"), *language, 3));
        }
        records.push(record("d/z.rs", LanguageType::Rust, 2));
        let mut tree = Tree::build(b"repo", records);
        merge_small(&mut tree, Metric::Code, 10);
        let merged = tree
            .nodes
            .iter()
            .find(|n| matches!(n.kind, Kind::Small(_)))
            .expect("a merged frame");
        // Go 3, Python 3, Rust 2: a tie between Go and Python.
        assert_eq!(merged.tint, Some(LanguageType::Go));
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
        fold_below(&mut tree, 1, Metric::Code);
        assert_eq!(
            sorted(tree.stacks(Metric::Code, true)),
            vec![("repo;a.rs".to_string(), 1), ("repo;src".to_string(), 8)]
        );
        let src = &tree.nodes[tree.children(0).nth(1).unwrap()];
        assert!(!src.has_children() && src.is_dir());
        assert_eq!(src.tint, Some(LanguageType::Python), "most of the code");
        assert_eq!(src.counts.files, 3);
        assert_eq!(tree.nodes.len(), 3);
    }

    #[test]
    fn by_language_puts_the_language_first() {
        let tree = by_language(
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
        let rust = tree.children(0).nth(1).unwrap();
        assert_eq!(tree.nodes[rust].tint, Some(LanguageType::Rust));
        assert_eq!(
            tree.nodes[rust + 1].tint,
            Some(LanguageType::Rust),
            "src under Rust"
        );
    }

    #[test]
    fn views_of_a_tree_deeper_than_any_stack() {
        let path = "d/".repeat(100_000) + "f.rs";
        let mut records = vec![record(&path, LanguageType::Rust, 1)];
        records.push(record(
            &("d/".repeat(99_999) + "g.rs"),
            LanguageType::Rust,
            1,
        ));
        let mut tree = Tree::build(b"r", records);
        let mut folded = tree.clone();
        fold_below(&mut folded, 50_000, Metric::Code);
        assert_eq!(folded.nodes.len(), 50_001);
        assert_eq!(merge_for_drawing(&mut tree, Metric::Code, 0, 10), 3);
        assert_eq!(
            tree.stacks(Metric::Code, true)
                .iter()
                .map(|s| s.1)
                .sum::<u64>(),
            2
        );
    }
}
