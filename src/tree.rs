//! The tree: records joined by path into frames.
//!
//! Stored without recursion, as an arena in preorder: a node is followed by
//! its subtree, and knows how many nodes that is, so children, subtrees
//! and every pass over the tree are loops over a slice. A revision nested
//! 30,000 levels deep costs no stack, and dropping the tree frees one
//! vector.
//!
//! The tree owns the frame names (path components escaped as in
//! DESIGN.md) and the totals of every directory. How it is shaped for a
//! view (`--depth`, merging what is too small to draw) is the views module.

use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;

use tokei::LanguageType;

use crate::classify::{Class, Classification};
use crate::config::Metric;
use crate::escape::escape;
use crate::record::Counts;
use crate::record::Record;

/// What a node stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A directory.
    Dir,
    /// A counted file.
    File(LanguageType),
    /// In a diff, a path that is a file at one side and a directory at
    /// another (`tool` became `tool/`): one frame, so that no stack is
    /// drawn or folded twice. It is a directory whose own part is the
    /// file, the way a function's self time is part of its frame: the
    /// file keeps its own width and the directory's entries theirs, so the
    /// frame is as wide as all of them, like any directory. In folded
    /// stacks the file is the line that ends at the frame itself.
    FileAndDir(Box<FileSide>),
    /// Entries of one directory too narrow to draw, merged.
    Small(Box<Merged>),
}

/// What a [`Kind::Small`] frame merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Merged {
    /// How many entries were merged.
    pub(crate) entries: u64,
    /// How many of them are directories.
    pub(crate) directories: u64,
    /// The names of the largest few, for the hover text (directories with
    /// a trailing `/`).
    pub(crate) examples: Vec<String>,
}

/// The file part of a [`Kind::FileAndDir`] frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileSide {
    /// The file's language.
    pub(crate) language: LanguageType,
    /// Its width.
    pub(crate) counts: Counts,
    /// Its counts at each side (zero where it is the directory).
    pub(crate) sides: Box<[Counts]>,
    /// Generated, vendored or documentation.
    pub(crate) class: Option<Classification>,
}

/// Totals at the first and the last side of a run with several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Change {
    /// At the earlier side.
    pub(crate) before: Counts,
    /// At the later side.
    pub(crate) after: Counts,
}

impl Change {
    /// The change of counts at `sides` (first to last).
    pub(crate) fn of(sides: &[Counts]) -> Change {
        Change {
            before: sides.first().copied().unwrap_or_default(),
            after: sides.last().copied().unwrap_or_default(),
        }
    }
}

/// A frame of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    /// The frame name: the path component, escaped.
    pub(crate) name: Box<str>,
    /// Directory, file or merged entries.
    pub(crate) kind: Kind,
    /// Totals of every file at or below this node (its width).
    pub(crate) counts: Counts,
    /// With several sides, the totals at each side.
    pub(crate) sides: Option<Box<[Counts]>>,
    /// The language a directory is coloured after: the language frame it is
    /// under with `--by-language`, or the language with most of the metric
    /// in a directory folded by `--depth`, or in merged entries.
    pub(crate) tint: Option<LanguageType>,
    /// For a file: generated, vendored or documentation, and why.
    pub(crate) class: Option<Box<Classification>>,
    /// For a directory or merged entries: how much of `counts` is
    /// generated, vendored or documentation; `None` when none of it is.
    /// (Boxed: most nodes have none, and a million of them are held.)
    pub(crate) marked: Option<Box<Marked>>,
    /// Distance from the root (0).
    pub(crate) depth: u32,
    /// How many nodes follow this one in its subtree.
    pub(crate) descendants: u32,
}

impl Node {
    pub(crate) fn new(name: Box<str>, kind: Kind, depth: u32) -> Node {
        Node {
            name,
            kind,
            counts: Counts::default(),
            sides: None,
            tint: None,
            class: None,
            marked: None,
            depth,
            descendants: 0,
        }
    }

    /// Whether the node is a directory (at either side of a diff).
    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir | Kind::FileAndDir(_))
    }

    /// Whether anything is below it.
    pub(crate) fn has_children(&self) -> bool {
        self.descendants > 0
    }

    /// The file a [`Kind::FileAndDir`] node is at one side.
    pub(crate) fn file_side(&self) -> Option<&FileSide> {
        match &self.kind {
            Kind::FileAndDir(file) => Some(file),
            _ => None,
        }
    }

    /// Its totals at the first and last side, for a run of several.
    pub(crate) fn change(&self) -> Option<Change> {
        self.sides.as_deref().map(Change::of)
    }

    /// How much of its counts is generated, vendored or documentation: a
    /// file's all of them or none, by its class.
    pub(crate) fn marked(&self) -> Marked {
        let mut marked = Marked::default();
        match (&self.kind, &self.class, &self.marked) {
            (Kind::File(_), Some(class), _) => marked.add(class.class, self.counts),
            (_, _, Some(below)) => marked = **below,
            _ => {}
        }
        marked
    }

    /// Its counts without what is generated, vendored or documentation:
    /// the user's own code.
    pub(crate) fn own(&self) -> Counts {
        self.counts - self.marked().total()
    }
}

/// Counts of what is generated, vendored and documentation, per class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Marked([Counts; 3]);

impl Marked {
    fn index(class: Class) -> usize {
        match class {
            Class::Generated => 0,
            Class::Vendored => 1,
            Class::Documentation => 2,
        }
    }

    /// Adds `counts` of `class`.
    pub(crate) fn add(&mut self, class: Class, counts: Counts) {
        self.0[Self::index(class)] += counts;
    }

    /// Adds all of `other`.
    pub(crate) fn add_all(&mut self, other: &Marked) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine += *theirs;
        }
    }

    /// The counts of `class`.
    pub(crate) fn get(&self, class: Class) -> Counts {
        self.0[Self::index(class)]
    }

    /// The counts of every class together.
    pub(crate) fn total(&self) -> Counts {
        let mut total = Counts::default();
        for counts in &self.0 {
            total += *counts;
        }
        total
    }

    /// Whether nothing is marked.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|counts| *counts == Counts::default())
    }
}

/// The tree of one run: nodes in preorder, the root first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
}

impl Tree {
    /// The root frame, named after the source.
    pub(crate) fn root(&self) -> &Node {
        &self.nodes[0]
    }

    /// Whether the run has several sides (a diff).
    pub(crate) fn has_sides(&self) -> bool {
        self.root().sides.is_some()
    }

    /// The children of node `id`, in order.
    pub(crate) fn children(&self, id: usize) -> Children<'_> {
        Children {
            nodes: &self.nodes,
            next: id + 1,
            end: id + 1 + self.nodes[id].descendants as usize,
        }
    }

    /// Node `id` and its subtree, in preorder.
    pub(crate) fn subtree(&self, id: usize) -> &[Node] {
        &self.nodes[id..=id + self.nodes[id].descendants as usize]
    }

    /// Builds the tree of `records` below a root frame named `root_name`
    /// (raw bytes). A record with an empty path is the root itself (a
    /// one-file source). On a pool of several threads, a large tree is
    /// built in ranges of paths at once.
    pub(crate) fn build(root_name: &[u8], records: Vec<Record>) -> Tree {
        Tree::build_in(root_name, records, rayon::current_num_threads(), PART)
    }

    /// [`build`](Tree::build), in up to `ranges` ranges of paths built at
    /// once, the later ones in parts of `part` records.
    fn build_in(root_name: &[u8], mut records: Vec<Record>, ranges: usize, part: usize) -> Tree {
        // Byte order keeps every directory's entries together (all paths
        // starting with `dir/` form one run), and compares with memcmp.
        // A path that is a file and a directory (only a diff has those)
        // sorts as the directory, right before its entries.
        let both = files_that_are_directories(&mut records);
        let key = |record: &Record| -> Vec<u8> {
            let bytes = record.path.as_os_str().as_bytes();
            let mut key = bytes.to_vec();
            if both.contains(bytes) {
                key.push(b'/');
            }
            key
        };
        // Sorted last first: records are taken from the end of the vector,
        // which then shrinks, so the records and the nodes made of them are
        // not both held whole (a million files: the peak of the run).
        use rayon::prelude::*;
        if both.is_empty() {
            records.par_sort_unstable_by(|a, b| {
                b.path
                    .as_os_str()
                    .as_bytes()
                    .cmp(a.path.as_os_str().as_bytes())
            });
        } else {
            records.par_sort_by_cached_key(|r| std::cmp::Reverse(key(r)));
        }
        let sides = records
            .iter()
            .find_map(|r| r.sides.as_ref().map(|s| s.len()));
        let root = || {
            let mut root = Node::new(escape(root_name).into(), Kind::Dir, 0);
            root.sides = sides.map(empty_sides);
            root
        };
        // One range per thread, each its own vector (the first paths are
        // at the end). A file that is a directory is never split from its
        // entries: only a diff has those, and it is built in one range.
        let ranges = match both.is_empty() {
            true => ranges.min(records.len() / part.max(1)).max(1),
            false => 1,
        };
        let each = records.len() / ranges;
        let mut split: Vec<Vec<Record>> = (1..ranges)
            .map(|_| records.split_off(records.len() - each))
            .collect();
        split.push(records);
        // The later ranges are built in parts, joined to the first one by
        // one: a part is copied into the first range's vector and freed,
        // so no more than a part's nodes are ever held twice.
        let sizes: Vec<Vec<usize>> = split
            .par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(i, records)| match i {
                0 => vec![most_nodes(records)],
                _ => records.rchunks(part.max(1)).map(most_nodes).collect(),
            })
            .collect();
        let room = sizes.iter().flatten().sum();
        let built: Vec<Vec<Builder<'_>>> = split
            .into_par_iter()
            .zip(sizes)
            .enumerate()
            .with_max_len(1)
            .map(|(i, (mut records, sizes))| {
                let capacity = |n: usize| if i == 0 { room } else { n };
                sizes
                    .into_iter()
                    .map(|n| {
                        let mut built = Builder::new(root(), capacity(n), &both, sides);
                        let take = match i {
                            0 => records.len(),
                            _ => part.max(1).min(records.len()),
                        };
                        built.take(&mut records, take);
                        built
                    })
                    .collect()
            })
            .collect();
        let mut parts = built.into_iter().flatten();
        let mut tree = parts.next().expect("the first range");
        for part in parts {
            tree.join(part);
        }
        Tree {
            nodes: tree.finish(),
        }
    }

    /// Folded stacks: one `(stack, value)` per line to draw, the stack
    /// being its frames joined by `;`, for every file (and the file part of
    /// a file that is a directory) whose `value` is not `None`. A node
    /// whose value is `None` is left out with everything below it. With
    /// `include_root` the stacks start at the root frame (always for a
    /// one-file source).
    pub(crate) fn stacks_with<T: Copy>(
        &self,
        include_root: bool,
        value: impl Fn(&Node) -> Option<T>,
        file_value: impl Fn(&FileSide) -> Option<T>,
    ) -> Vec<(String, T)> {
        let include_root = include_root || !self.root().has_children();
        let mut out = Vec::new();
        // The stack of the node being visited, and where each frame of it
        // starts.
        let mut stack = String::new();
        let mut starts: Vec<usize> = Vec::new();
        let mut skip_until = 0;
        for (id, node) in self.nodes.iter().enumerate() {
            if id < skip_until {
                continue;
            }
            let Some(v) = value(node) else {
                skip_until = id + 1 + node.descendants as usize;
                continue;
            };
            let level = node.depth as usize + usize::from(include_root);
            if level == 0 {
                continue;
            }
            if let Some(&start) = starts.get(level - 1) {
                stack.truncate(start);
                starts.truncate(level - 1);
            }
            starts.push(stack.len());
            if !stack.is_empty() {
                stack.push(';');
            }
            stack.push_str(&node.name);
            if !node.has_children() {
                out.push((stack.clone(), v));
            } else if let Some(v) = node.file_side().and_then(&file_value) {
                out.push((stack.clone(), v));
            }
        }
        out
    }

    /// `(stack, value)` of every line of `metric` that is not zero.
    pub(crate) fn stacks(&self, metric: Metric, include_root: bool) -> Vec<(String, u64)> {
        let of = |counts: &Counts| Some(counts.get(metric)).filter(|&v| v != 0);
        self.stacks_with(include_root, |n| of(&n.counts), |f| of(&f.counts))
    }

    /// `(stack, before, after)` of every line of a diff where either is not
    /// zero. Empty for a tree of one side.
    pub(crate) fn diff_stacks(&self, metric: Metric) -> Vec<(String, u64, u64)> {
        let of = |sides: &[Counts]| {
            let change = Change::of(sides);
            let (before, after) = (change.before.get(metric), change.after.get(metric));
            (before != 0 || after != 0).then_some((before, after))
        };
        self.stacks_with(true, |n| n.sides.as_deref().and_then(of), |f| of(&f.sides))
            .into_iter()
            .map(|(stack, (b, a))| (stack, b, a))
            .collect()
    }
}

/// Records per part of a range of the tree built at once: the first
/// range is built whole into the tree's vector, the others in parts of
/// this many records (some 5 MB of nodes) copied into it.
const PART: usize = 1 << 15;

/// No counts at each of `n` sides.
fn empty_sides(n: usize) -> Box<[Counts]> {
    vec![Counts::default(); n].into_boxed_slice()
}

/// A tree, or a part of one, being built from records taken in path
/// order: its nodes so far and the directories open on the path of the
/// last record.
struct Builder<'b> {
    nodes: Vec<Node>,
    /// The directories on the path of the last record: their ids.
    open: Vec<usize>,
    /// The components of the record being added and of the last one (as
    /// ranges of their bytes), which named the open directories: two
    /// paths are compared as bytes, as `escape` never gives two names one
    /// frame.
    parts: Vec<std::ops::Range<usize>>,
    last_parts: Vec<std::ops::Range<usize>>,
    last: Vec<u8>,
    /// The path of the first record: where a part is joined to the tree
    /// before it.
    first: Option<Vec<u8>>,
    both: &'b HashSet<Vec<u8>>,
    sides: Option<usize>,
}

impl<'b> Builder<'b> {
    fn new(
        root: Node,
        capacity: usize,
        both: &'b HashSet<Vec<u8>>,
        sides: Option<usize>,
    ) -> Builder<'b> {
        // Room for every node at once: a vector this large grown by
        // doubling is copied, old and new side by side (jemalloc does not
        // remap), and reserves up to twice what it needs. Pages are only
        // used as nodes are written.
        let mut nodes = Vec::with_capacity(capacity);
        nodes.push(root);
        Builder {
            nodes,
            open: vec![0],
            parts: Vec::new(),
            last_parts: Vec::new(),
            last: Vec::new(),
            first: None,
            both,
            sides,
        }
    }

    /// Adds the last `count` records of `records` (sorted last first),
    /// freeing them as it goes.
    fn take(&mut self, records: &mut Vec<Record>, count: usize) {
        for _ in 0..count {
            let Some(record) = records.pop() else { break };
            if records.len() < records.capacity() / 2 && records.capacity() > 4096 {
                records.shrink_to_fit();
            }
            self.add(record);
        }
    }

    /// Adds a record whose path sorts after every one added before.
    fn add(&mut self, record: Record) {
        let nodes = &mut self.nodes;
        let bytes = record.path.as_os_str().as_bytes();
        if self.first.is_none() {
            self.first = Some(bytes.to_vec());
        }
        components(bytes, &mut self.parts);
        let Some((leaf, dirs)) = self.parts.split_last() else {
            // The source is this one file.
            let root = &mut nodes[0];
            root.kind = Kind::File(record.language);
            root.counts = record.counts;
            root.sides = record.sides;
            root.class = record.class;
            return;
        };
        let is_both = self.both.contains(bytes);
        // Keep the directories this record shares with the last one.
        let open = &mut self.open;
        let last = &self.last;
        let last_parts = &self.last_parts;
        let mut shared = 0;
        while shared < dirs.len()
            && shared + 1 < open.len()
            && bytes[dirs[shared].clone()] == last[last_parts[shared].clone()]
        {
            shared += 1;
        }
        close(nodes, open, shared + 1);
        let sides = self.sides;
        for dir in &dirs[shared..] {
            let depth = open.len() as u32;
            let mut node = Node::new(escape(&bytes[dir.clone()]).into(), Kind::Dir, depth);
            node.sides = sides.map(empty_sides);
            open.push(nodes.len());
            nodes.push(node);
        }
        for &id in open.iter() {
            add(&mut nodes[id], &record);
        }
        let depth = open.len() as u32;
        let name: Box<str> = escape(&bytes[leaf.clone()]).into();
        self.last.clear();
        self.last.extend_from_slice(bytes);
        std::mem::swap(&mut self.parts, &mut self.last_parts);
        if is_both {
            // The file part of a directory whose entries follow.
            let file = FileSide {
                language: record.language,
                counts: record.counts,
                sides: record.sides.clone().unwrap_or_default(),
                class: record.class.as_deref().cloned(),
            };
            let mut node = Node::new(name, Kind::FileAndDir(Box::new(file)), depth);
            node.sides = sides.map(empty_sides);
            add(&mut node, &record);
            open.push(nodes.len());
            nodes.push(node);
            return;
        }
        let mut node = Node::new(name, Kind::File(record.language), depth);
        node.counts = record.counts;
        node.sides = record.sides;
        node.class = record.class;
        nodes.push(node);
    }

    /// Appends `part`, built from the records that follow this one's: the
    /// directories its first record shares with this one's last are this
    /// one's, with the totals of both.
    fn join(&mut self, mut part: Builder<'_>) {
        let Some(first) = part.first.take() else {
            return;
        };
        let mut parts = Vec::new();
        components(&first, &mut parts);
        let dirs = &parts[..parts.len().saturating_sub(1)];
        let mut shared = 0;
        while shared < dirs.len()
            && shared + 1 < self.open.len()
            && first[dirs[shared].clone()] == self.last[self.last_parts[shared].clone()]
        {
            shared += 1;
        }
        // The part's first nodes are its root and those directories, in
        // order; the ones still open at its end are open in the joined
        // tree.
        let shared = shared + 1;
        close(&mut self.nodes, &mut self.open, shared);
        let offset = self.nodes.len() - shared;
        let still_open = (0..shared)
            .take_while(|&j| part.open.get(j) == Some(&j))
            .count();
        for j in 0..shared {
            let id = self.open[j];
            absorb(&mut self.nodes[id], &part.nodes[j]);
            if j >= still_open {
                // Closed in the part: so here, where its subtree ends.
                let end = offset + j + part.nodes[j].descendants as usize;
                self.nodes[id].descendants = (end - id) as u32;
            }
        }
        self.open.truncate(still_open);
        self.open
            .extend(part.open[still_open..].iter().map(|&id| id + offset));
        self.nodes.extend(part.nodes.drain(shared..));
        self.last = part.last;
        self.last_parts = part.last_parts;
    }

    /// The nodes, every directory closed.
    fn finish(mut self) -> Vec<Node> {
        close(&mut self.nodes, &mut self.open, 0);
        self.nodes
    }
}

/// The components of a relative path, as `Path::components` gives them (no
/// empty or `.` ones), as ranges of its bytes, into `parts`.
fn components(path: &[u8], parts: &mut Vec<std::ops::Range<usize>>) {
    parts.clear();
    let mut start = 0;
    for end in memchr::memchr_iter(b'/', path).chain([path.len()]) {
        let part = &path[start..end];
        if !part.is_empty() && part != b"." {
            parts.push(start..end);
        }
        start = end + 1;
    }
}

/// At least as many nodes as the tree of `records` (sorted last first)
/// has: the root, a node per record, and a node per directory of a record
/// that the record before it is not in. (A file that is also a directory
/// counts twice.)
fn most_nodes(records: &[Record]) -> usize {
    let mut nodes = 1;
    let mut parts: Vec<std::ops::Range<usize>> = Vec::new();
    let mut last_parts: Vec<std::ops::Range<usize>> = Vec::new();
    let mut last: &[u8] = b"";
    for record in records.iter().rev() {
        let bytes = record.path.as_os_str().as_bytes();
        components(bytes, &mut parts);
        let dirs = parts.len().saturating_sub(1);
        let last_dirs = last_parts.len().saturating_sub(1);
        let shared = (0..dirs.min(last_dirs))
            .take_while(|&k| bytes[parts[k].clone()] == last[last_parts[k].clone()])
            .count();
        nodes += 1 + dirs - shared;
        std::mem::swap(&mut parts, &mut last_parts);
        last = bytes;
    }
    nodes
}

/// Adds `record` to the totals of `node`.
fn add(node: &mut Node, record: &Record) {
    node.counts += record.counts;
    if let Some(class) = &record.class {
        node.marked
            .get_or_insert_with(Default::default)
            .add(class.class, record.counts);
    }
    if let (Some(total), Some(sides)) = (&mut node.sides, &record.sides) {
        for (t, s) in total.iter_mut().zip(sides.iter()) {
            *t += *s;
        }
    }
}

/// Adds the totals of `other`, the same directory built from other
/// records, to `node`.
fn absorb(node: &mut Node, other: &Node) {
    node.counts += other.counts;
    if let Some(marked) = &other.marked {
        node.marked
            .get_or_insert_with(Default::default)
            .add_all(marked);
    }
    if let (Some(total), Some(sides)) = (&mut node.sides, &other.sides) {
        for (t, s) in total.iter_mut().zip(sides.iter()) {
            *t += *s;
        }
    }
}

/// Closes the open directories beyond the first `keep`: their subtrees
/// end here.
fn close(nodes: &mut [Node], open: &mut Vec<usize>, keep: usize) {
    while open.len() > keep {
        let id = open.pop().expect("not empty");
        nodes[id].descendants = (nodes.len() - 1 - id) as u32;
    }
}

/// The paths of `records` that are also a directory of other records: `x`
/// when `x/y` is there too. Sorts `records` by bytes on the way.
fn files_that_are_directories(records: &mut [Record]) -> HashSet<Vec<u8>> {
    fn bytes(record: &Record) -> &[u8] {
        record.path.as_os_str().as_bytes()
    }
    if !records.iter().any(|r| r.sides.is_some()) {
        // Only the sides of a diff can have such a path.
        return HashSet::new();
    }
    use rayon::slice::ParallelSliceMut;
    records.par_sort_unstable_by(|a, b| bytes(a).cmp(bytes(b)));
    let mut both = HashSet::new();
    let mut below = Vec::new();
    for record in records.iter() {
        below.clear();
        below.extend_from_slice(bytes(record));
        below.push(b'/');
        // The first path at or after `x/` starts with it if any does.
        let at = records.partition_point(|other| bytes(other) < below.as_slice());
        if records
            .get(at)
            .is_some_and(|other| bytes(other).starts_with(&below))
        {
            both.insert(bytes(record).to_vec());
        }
    }
    both
}

/// The children of a node: each the first node of its subtree.
pub(crate) struct Children<'t> {
    nodes: &'t [Node],
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let id = self.next;
        self.next += 1 + self.nodes[id].descendants as usize;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::fixtures::record;
    use std::path::PathBuf;

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
        assert_eq!(tree.root().counts.code, 13);
        assert_eq!(tree.root().counts.files, 4);
        let children: Vec<usize> = tree.children(0).collect();
        assert_eq!(children.len(), 2);
        let src = &tree.nodes[children[1]];
        assert_eq!(
            (&*src.name, src.counts.code, src.counts.files),
            ("src", 13, 3)
        );
        assert_eq!(
            tree.subtree(children[1]).len(),
            5,
            "src, a.rs, b.rs, x, c.py"
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
        assert_eq!(
            sorted(tree.stacks(Metric::Code, false))[0],
            ("src;a.rs".to_string(), 7)
        );
    }

    /// The vector of nodes is made large enough at once: never smaller
    /// than the tree, and exactly its size when no file is a directory.
    #[test]
    fn room_is_made_for_every_node_at_once() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        let name = prop::sample::select(vec!["a", "b", "ab", "a b", "é", "x.rs", ".h"]);
        let path = prop::collection::vec(name, 1..6).prop_map(|parts| parts.join("/"));
        let paths = prop::collection::btree_set(path, 0..40);
        runner
            .run(&paths, |paths| {
                let records: Vec<Record> = paths
                    .iter()
                    .map(|p| record(p, LanguageType::Rust, 1))
                    .collect();
                let mut sorted: Vec<&[u8]> = paths.iter().map(|p| p.as_bytes()).collect();
                sorted.sort_by(|a, b| b.cmp(a));
                let sorted: Vec<Record> = sorted
                    .iter()
                    .map(|p| record(std::str::from_utf8(p).unwrap(), LanguageType::Rust, 1))
                    .collect();
                let most = most_nodes(&sorted);
                let tree = Tree::build(b"r", records);
                // A path that is also another's directory ("a" and "a/b")
                // is a file and a directory: only a diff has those.
                let both = paths
                    .iter()
                    .any(|p| paths.iter().any(|q| q.starts_with(&format!("{p}/"))));
                if both {
                    prop_assert!(most >= tree.nodes.len());
                } else {
                    prop_assert_eq!(most, tree.nodes.len());
                }
                Ok(())
            })
            .unwrap();
    }

    /// Built in ranges of paths at once, and those in parts, a tree is the
    /// tree built in one go: the same nodes in the same order, with the
    /// same totals, marks, sides and subtrees.
    #[test]
    fn a_tree_built_in_parts_is_the_tree_built_whole() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let mut runner = TestRunner::new(Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        });
        let name = prop::sample::select(vec!["a", "b", "ab", "a b", "é", "x.rs", ".h"]);
        let path = prop::collection::vec(name, 1..6).prop_map(|parts| parts.join("/"));
        let counts = (
            1..50u64,
            prop::option::of(prop::sample::select(Class::ALL.to_vec())),
            0..50u64,
        );
        let files = prop::collection::btree_map(path, counts, 0..80);
        let case = (files, any::<bool>(), 1..5usize, 1..9usize);
        runner
            .run(&case, |(files, two_sides, ranges, part)| {
                // Files only: no path is another's directory (the sides of
                // a diff that has one are built in one range).
                let paths: Vec<&String> = files.keys().collect();
                let records: Vec<Record> = files
                    .iter()
                    .filter(|(p, _)| !paths.iter().any(|q| q.starts_with(&format!("{p}/"))))
                    .map(|(p, &(code, class, before))| {
                        let mut r = match two_sides {
                            true => crate::record::fixtures::with(
                                p,
                                LanguageType::Rust,
                                vec![
                                    crate::record::fixtures::side(1, before),
                                    crate::record::fixtures::side(1, code),
                                ],
                            ),
                            false => record(p, LanguageType::Rust, code),
                        };
                        r.class = class.map(|class| {
                            Box::new(Classification {
                                class,
                                reason: "test".into(),
                            })
                        });
                        r
                    })
                    .collect();
                let whole = Tree::build_in(b"r", records.clone(), 1, usize::MAX);
                let parts = Tree::build_in(b"r", records, ranges, part);
                prop_assert_eq!(whole, parts);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn one_file_source_is_its_own_root() {
        let tree = Tree::build(b"main.rs", vec![record("", LanguageType::Rust, 3)]);
        assert_eq!(tree.root().kind, Kind::File(LanguageType::Rust));
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
    fn a_tree_deeper_than_any_stack_is_built_walked_and_dropped() {
        let path = "d/".repeat(100_000) + "f.rs";
        let tree = Tree::build(b"r", vec![record(&path, LanguageType::Rust, 1)]);
        assert_eq!(tree.nodes.len(), 100_002);
        let stacks = tree.stacks(Metric::Code, true);
        assert_eq!(stacks.len(), 1);
        assert_eq!(stacks[0].0.matches(';').count(), 100_001);
    }

    #[test]
    fn a_file_that_is_a_directory_at_the_other_side_is_one_frame() {
        let side = |code| Counts {
            files: 1,
            code,
            ..Counts::default()
        };
        let diff = |path: &str, before: Option<u64>, after: Option<u64>| {
            let sides: Box<[Counts]> = vec![
                before.map(side).unwrap_or_default(),
                after.map(side).unwrap_or_default(),
            ]
            .into();
            Record {
                counts: crate::record::widest(&sides),
                sides: Some(sides),
                ..Record::one(PathBuf::from(path), LanguageType::C, Counts::default())
            }
        };
        // `x.h` sorts between `x` and `x/y.c`.
        let records = vec![
            diff("x", Some(3), None),
            diff("x.h", Some(1), Some(1)),
            diff("x/y.c", None, Some(2)),
            diff("x/z/w.c", None, Some(4)),
        ];
        let tree = Tree::build(b"r", records);
        let children: Vec<&str> = tree.children(0).map(|c| &*tree.nodes[c].name).collect();
        assert_eq!(children, ["x.h", "x"]);
        let x = &tree.nodes[tree.children(0).nth(1).unwrap()];
        assert!(x.is_dir());
        let file = x.file_side().expect("the file part");
        assert_eq!((file.counts.code, file.sides[0].code), (3, 3));
        assert_eq!(x.counts.code, 3 + 2 + 4, "each file keeps its width");
        let change = x.change().unwrap();
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
    }
}
