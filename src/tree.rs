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
use std::mem::MaybeUninit;
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
        Tree::build_in(root_name, records, rayon::current_num_threads(), RANGE)
    }

    /// [`build`](Tree::build), in up to `ranges` ranges of paths built at
    /// once, of at least `least` records each.
    fn build_in(root_name: &[u8], mut records: Vec<Record>, ranges: usize, least: usize) -> Tree {
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
            true => ranges.min(records.len() / least.max(1)).max(1),
            false => 1,
        };
        let each = records.len() / ranges;
        let mut split: Vec<Vec<Record>> = (1..ranges)
            .map(|_| records.split_off(records.len() - each))
            .collect();
        split.push(records);
        // A range's head: the root and the directories its first record
        // shares with the last record of the range before, which are that
        // range's nodes (none for the first range).
        let heads: Vec<usize> = (0..split.len())
            .map(|i| match i {
                0 => 0,
                _ => {
                    1 + shared_dirs(
                        path_bytes(&split[i - 1][0]),
                        path_bytes(&split[i][split[i].len() - 1]),
                    )
                }
            })
            .collect();
        // Each range writes its nodes into its own slots of the tree's
        // vector, made large enough at once: a vector this large grown by
        // doubling is copied, old and new side by side (jemalloc does not
        // remap). Its pages are used as nodes are written, while the
        // records taken are freed.
        let sizes: Vec<usize> = split
            .par_iter()
            .zip(&heads)
            .with_max_len(1)
            .map(|(records, &head)| most_nodes(records) - head)
            .collect();
        let mut nodes: Vec<Node> = Vec::with_capacity(sizes.iter().sum());
        let mut slots = Vec::with_capacity(split.len());
        let mut base = 0;
        let mut rest = &mut nodes.spare_capacity_mut()[..];
        for (&size, &head) in sizes.iter().zip(&heads) {
            let (these, after) = std::mem::take(&mut rest).split_at_mut(size);
            slots.push((these, base, head));
            base += size;
            rest = after;
        }
        let built: Vec<Built> = split
            .into_par_iter()
            .zip(slots)
            .with_max_len(1)
            .map(|(mut records, (slots, base, head))| {
                let first = records.last().map(path_bytes).unwrap_or_default().to_vec();
                let mut builder = Builder::new(root(), slots, base, head, &first, &both, sides);
                builder.take(&mut records);
                builder.finish()
            })
            .collect();
        Tree {
            nodes: join(nodes, built),
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

/// Records per range of the tree built at once, at least.
const RANGE: usize = 1 << 15;

/// No counts at each of `n` sides.
fn empty_sides(n: usize) -> Box<[Counts]> {
    vec![Counts::default(); n].into_boxed_slice()
}

fn path_bytes(record: &Record) -> &[u8] {
    record.path.as_os_str().as_bytes()
}

/// How many leading directories `path` shares with `last` (the path of
/// the record before it), as the tree's build compares them: byte for
/// byte, component by component.
fn shared_dirs(last: &[u8], path: &[u8]) -> usize {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    components(last, &mut a);
    components(path, &mut b);
    let (a, b) = (
        &a[..a.len().saturating_sub(1)],
        &b[..b.len().saturating_sub(1)],
    );
    a.iter()
        .zip(b)
        .take_while(|(x, y)| last[(*x).clone()] == path[(*y).clone()])
        .count()
}

/// A range of the tree being built from records taken in path order. A
/// node is written once to its slot in the tree's vector, when it is
/// final: a file at once, a directory when it closes.
struct Builder<'b, 's> {
    /// This range's slots: node `id` goes to `slots[id - base]`.
    slots: &'s mut [MaybeUninit<Node>],
    base: usize,
    /// The id the next node gets.
    next: usize,
    /// The open directories on the path of the last record, the root
    /// first, with their ids; `None` for the range's head (the range
    /// before has those nodes).
    open: Vec<(Option<usize>, Node)>,
    /// The head directories that closed in this range, with the id of the
    /// last node of their subtree.
    closed: Vec<Option<(Node, usize)>>,
    /// Nodes written.
    written: usize,
    /// The components of the record being added and of the last one (as
    /// ranges of their bytes), which named the open directories: two
    /// paths are compared as bytes, as `escape` never gives two names one
    /// frame.
    parts: Vec<std::ops::Range<usize>>,
    last_parts: Vec<std::ops::Range<usize>>,
    last: Vec<u8>,
    both: &'b HashSet<Vec<u8>>,
    sides: Option<usize>,
}

/// What a range left to join: its head, and its nodes still open.
struct Built {
    open: Vec<(Option<usize>, Node)>,
    closed: Vec<Option<(Node, usize)>>,
    written: usize,
    /// The ids of its nodes: from `base` to before `next`.
    base: usize,
    next: usize,
}

impl<'b, 's> Builder<'b, 's> {
    /// A range whose ids start at `base`; with a `head`, its first
    /// record's path is `first`, and the root and the first `head - 1`
    /// directories of it are the range before's.
    fn new(
        root: Node,
        slots: &'s mut [MaybeUninit<Node>],
        base: usize,
        head: usize,
        first: &[u8],
        both: &'b HashSet<Vec<u8>>,
        sides: Option<usize>,
    ) -> Builder<'b, 's> {
        let mut builder = Builder {
            slots,
            base,
            next: base,
            open: Vec::new(),
            closed: Vec::new(),
            written: 0,
            parts: Vec::new(),
            last_parts: Vec::new(),
            last: Vec::new(),
            both,
            sides,
        };
        if head == 0 {
            builder.next = base + 1;
            builder.open.push((Some(base), root));
            return builder;
        }
        builder.open.push((None, root));
        components(first, &mut builder.last_parts);
        for dir in &builder.last_parts[..head - 1] {
            let depth = builder.open.len() as u32;
            let mut node = Node::new(escape(&first[dir.clone()]).into(), Kind::Dir, depth);
            node.sides = sides.map(empty_sides);
            builder.open.push((None, node));
        }
        builder.last = first.to_vec();
        builder.closed = (0..head).map(|_| None).collect();
        builder
    }

    /// Adds every record of `records` (sorted last first), freeing them as
    /// it goes.
    fn take(&mut self, records: &mut Vec<Record>) {
        while let Some(record) = records.pop() {
            if records.len() < records.capacity() / 2 && records.capacity() > 4096 {
                records.shrink_to_fit();
            }
            self.add(record);
        }
    }

    fn write(&mut self, id: usize, node: Node) {
        self.slots[id - self.base].write(node);
        self.written += 1;
    }

    /// Closes the open directories beyond the first `keep`: their subtrees
    /// end at the last node made.
    fn close(&mut self, keep: usize) {
        while self.open.len() > keep {
            let (id, mut node) = self.open.pop().expect("not empty");
            match id {
                Some(id) => {
                    node.descendants = (self.next - 1 - id) as u32;
                    self.write(id, node);
                }
                None => self.closed[self.open.len()] = Some((node, self.next - 1)),
            }
        }
    }

    /// Adds a record whose path sorts after every one added before.
    fn add(&mut self, record: Record) {
        let bytes = record.path.as_os_str().as_bytes();
        let mut parts = std::mem::take(&mut self.parts);
        components(bytes, &mut parts);
        let Some((leaf, dirs)) = parts.split_last() else {
            // The source is this one file.
            let root = &mut self.open[0].1;
            root.kind = Kind::File(record.language);
            root.counts = record.counts;
            root.sides = record.sides;
            root.class = record.class;
            self.parts = parts;
            return;
        };
        let is_both = self.both.contains(bytes);
        // Keep the directories this record shares with the last one.
        let mut shared = 0;
        while shared < dirs.len()
            && shared + 1 < self.open.len()
            && bytes[dirs[shared].clone()] == self.last[self.last_parts[shared].clone()]
        {
            shared += 1;
        }
        self.close(shared + 1);
        for dir in &dirs[shared..] {
            let depth = self.open.len() as u32;
            let mut node = Node::new(escape(&bytes[dir.clone()]).into(), Kind::Dir, depth);
            node.sides = self.sides.map(empty_sides);
            self.open.push((Some(self.next), node));
            self.next += 1;
        }
        for (_, node) in &mut self.open {
            add(node, &record);
        }
        let depth = self.open.len() as u32;
        let name: Box<str> = escape(&bytes[leaf.clone()]).into();
        self.last.clear();
        self.last.extend_from_slice(bytes);
        self.parts = std::mem::replace(&mut self.last_parts, parts);
        let id = self.next;
        self.next += 1;
        if is_both {
            // The file part of a directory whose entries follow.
            let file = FileSide {
                language: record.language,
                counts: record.counts,
                sides: record.sides.clone().unwrap_or_default(),
                class: record.class.as_deref().cloned(),
            };
            let mut node = Node::new(name, Kind::FileAndDir(Box::new(file)), depth);
            node.sides = self.sides.map(empty_sides);
            add(&mut node, &record);
            self.open.push((Some(id), node));
            return;
        }
        let mut node = Node::new(name, Kind::File(record.language), depth);
        node.counts = record.counts;
        node.sides = record.sides;
        node.class = record.class;
        self.write(id, node);
    }

    /// What is left to join: the nodes still open are not written yet.
    fn finish(self) -> Built {
        Built {
            open: self.open,
            closed: self.closed,
            written: self.written,
            base: self.base,
            next: self.next,
        }
    }
}

/// Joins the ranges built into `nodes`' slots, in order, and writes the
/// directories still open: a range's head directories are the range
/// before's, with the totals of both, and close where they closed in
/// either.
fn join(mut nodes: Vec<Node>, built: Vec<Built>) -> Vec<Node> {
    let end = built.last().map_or(0, |b| b.next);
    let slots = &mut nodes.spare_capacity_mut()[..end];
    let (mut written, mut in_ranges) = (0, 0);
    let mut write = |id: usize, mut node: Node, last: usize| {
        node.descendants = (last - id) as u32;
        slots[id].write(node);
        written += 1;
    };
    // The tree's open directories, the root first.
    let mut open: Vec<(usize, Node)> = Vec::new();
    for mut range in built {
        let head = range.closed.len();
        // The open directories this range's first record is not in end
        // before it.
        while open.len() > head {
            let (id, node) = open.pop().expect("not empty");
            write(id, node, range.base - 1);
        }
        let still = range.open.iter().take_while(|(id, _)| id.is_none()).count();
        let own = range.open.split_off(still);
        // The head directories that closed in the range close there.
        for j in (still..head).rev() {
            let (id, mut node) = open.pop().expect("the range before has the head");
            let (other, last) = range.closed[j].take().expect("closed in the range");
            absorb(&mut node, &other);
            write(id, node, last);
        }
        for ((_, node), (_, other)) in open.iter_mut().zip(&range.open) {
            absorb(node, other);
        }
        open.extend(
            own.into_iter()
                .map(|(id, node)| (id.expect("the range's own"), node)),
        );
        in_ranges += range.written;
    }
    while let Some((id, node)) = open.pop() {
        write(id, node, end - 1);
    }
    assert_eq!(
        written + in_ranges,
        end,
        "every node of the tree written once"
    );
    // SAFETY: the slots below `end` are all written. Ids are handed out
    // once each, in order, by one range at a time (its slots are a slice of
    // its size: a node outside it panics when written); every node is
    // written once, when it is final (a file when made, a directory when
    // it closes: in its range or here), and `written` counts them all.
    unsafe { nodes.set_len(end) };
    nodes
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

    /// A property test's runner of `cases` cases, nothing kept on disk.
    fn runner(cases: u32) -> proptest::test_runner::TestRunner {
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })
    }

    /// Relative paths of one to five components, with names that share
    /// prefixes, spaces, a non-ASCII letter and dots.
    fn path() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let name = prop::sample::select(vec!["a", "b", "ab", "a b", "é", "x.rs", ".h"]);
        prop::collection::vec(name, 1..6).prop_map(|parts| parts.join("/"))
    }

    /// The vector of nodes is made large enough at once: never smaller
    /// than the tree, and exactly its size when no file is a directory.
    #[test]
    fn room_is_made_for_every_node_at_once() {
        use proptest::prelude::*;
        let mut runner = runner(256);
        let path = path();
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

    /// Built in ranges of paths at once, each writing its own nodes, a
    /// tree is the tree built in one go: the same nodes in the same order,
    /// with the same totals, marks, sides and subtrees.
    #[test]
    fn a_tree_built_in_ranges_is_the_tree_built_whole() {
        use proptest::prelude::*;
        let mut runner = runner(512);
        let path = path();
        let counts = (
            1..50u64,
            prop::option::of(prop::sample::select(Class::ALL.to_vec())),
            0..50u64,
        );
        let files = prop::collection::btree_map(path, counts, 0..80);
        let case = (files, any::<bool>(), 1..5usize, 1..9usize);
        runner
            .run(&case, |(files, two_sides, ranges, least)| {
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
                let whole = Tree::build_in(b"r", records.clone(), 1, 1);
                let in_ranges = Tree::build_in(b"r", records, ranges, least);
                prop_assert_eq!(whole, in_ranges);
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
