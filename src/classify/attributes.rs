//! `.gitattributes`: the `linguist-*` attributes, nested files, git's wildmatch.

use super::*;

// ---------------------------------------------------------------------------
// .gitattributes

/// The `linguist-generated`, `linguist-vendored` and
/// `linguist-documentation` attributes of a tree, from its `.gitattributes`
/// files, with git's semantics:
///
/// - a pattern is relative to the directory of its file; a pattern without
///   `/` matches a name at any depth below it, a leading `/` anchors, `*`,
///   `?` and `[…]` stop at `/`, and `**` crosses directories (`**/x`,
///   `x/**`, `a/**/b`), as git's `wildmatch` does;
/// - `attr` and `attr=VALUE` set (linguist reads `attr=false` as unset),
///   `-attr` unsets, `!attr` makes the attribute unspecified again;
/// - of all lines matching a path, the last one that mentions an attribute
///   decides it, and a file in a deeper directory comes after the shallower
///   ones;
/// - lines git ignores are ignored, with a note: negative patterns (`!x`),
///   invalid attribute names, lines of 2048 bytes or more; so are patterns
///   ending in `/` (they match directories, and git gives a directory's
///   attributes to nothing inside it) and macro definitions (`[attr]x …`,
///   not expanded here). Notes are given only for lines that mention one of
///   the three attributes.
///
/// Only lines about the three attributes are kept, so [`is_empty`] is true
/// for a tree whose `.gitattributes` files only set `text` or `eol`, and
/// [`linguist`] then costs nothing.
///
/// [`is_empty`]: Attributes::is_empty
/// [`linguist`]: Attributes::linguist
#[derive(Clone, Debug, Default)]
pub(crate) struct Attributes {
    /// By directory (relative to the root, `/`-separated, empty for the
    /// root).
    files: HashMap<Box<[u8]>, AttributesFile>,
    /// The number of components of the deepest such directory.
    max_depth: usize,
}

#[derive(Clone, Debug)]
pub(super) struct AttributesFile {
    /// Its path for reasons, escaped: "src/.gitattributes".
    source: Box<str>,
    rules: Vec<Rule>,
}

/// One line: a pattern and what it does to each [`Class`]'s attribute.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    pattern: Pattern,
    line: usize,
    states: [State; 3],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// The line does not mention the attribute.
    Untouched,
    /// `attr`, `attr=true` (true); `-attr`, `attr=false` (false).
    Set(bool),
    /// `!attr`.
    Unspecified,
}

/// What the `.gitattributes` files say about one path: for each class,
/// `None` when unspecified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Linguist<'a> {
    /// `linguist-generated`.
    pub generated: Option<Decision<'a>>,
    /// `linguist-vendored`.
    pub vendored: Option<Decision<'a>>,
    /// `linguist-documentation`.
    pub documentation: Option<Decision<'a>>,
}

impl<'a> Linguist<'a> {
    /// The decision about `class`'s attribute.
    pub(crate) fn get(&self, class: Class) -> Option<Decision<'a>> {
        match class {
            Class::Generated => self.generated,
            Class::Vendored => self.vendored,
            Class::Documentation => self.documentation,
        }
    }

    fn slot(&mut self, class: Class) -> &mut Option<Decision<'a>> {
        match class {
            Class::Generated => &mut self.generated,
            Class::Vendored => &mut self.vendored,
            Class::Documentation => &mut self.documentation,
        }
    }
}

/// An attribute set or unset explicitly, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision<'a> {
    /// True when set (`attr`, `attr=true`), false when unset (`-attr`,
    /// `attr=false`).
    pub set: bool,
    /// The `.gitattributes` file that decided, relative to the root and
    /// escaped for display: "src/.gitattributes".
    pub file: &'a str,
    /// Its line, from 1.
    pub line: usize,
}

impl Attributes {
    /// No attributes: [`linguist`](Attributes::linguist) answers
    /// "unspecified" for every path.
    pub(crate) fn new() -> Attributes {
        Attributes::default()
    }

    /// Adds the content of the `.gitattributes` file in directory `dir`
    /// (relative to the root, `""` for the root). Files may come in any
    /// order; a directory added twice gets the second content after the
    /// first. Returns notes about lines that were ignored, each starting
    /// with the file and line: "src/.gitattributes:3: …".
    pub(crate) fn add(&mut self, dir: &Path, content: &[u8]) -> Vec<String> {
        let dir = path_bytes(dir);
        let dir = dir.strip_suffix(b"/").unwrap_or(&dir);
        let source = if dir.is_empty() {
            ".gitattributes".to_owned()
        } else {
            format!("{}/.gitattributes", display(dir))
        };
        let mut notes = Vec::new();
        let mut rules = Vec::new();
        for (i, line) in content.split(|&b| b == b'\n').enumerate() {
            match parse_line(line, i + 1) {
                Ok(None) => {}
                Ok(Some(rule)) => rules.push(rule),
                Err(why) => notes.push(format!("{source}:{}: {why}", i + 1)),
            }
        }
        if !rules.is_empty() {
            let depth = dir.split(|&b| b == b'/').filter(|c| !c.is_empty()).count();
            self.max_depth = self.max_depth.max(depth);
            self.files
                .entry(dir.into())
                .or_insert_with(|| AttributesFile {
                    source: source.into(),
                    rules: Vec::new(),
                })
                .rules
                .extend(rules);
        }
        notes
    }

    #[cfg(test)]
    /// True when no `.gitattributes` line added so far is about the three
    /// linguist attributes.
    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The linguist attributes of `path` (relative to the root): set or
    /// unset explicitly, or `None` when unspecified.
    pub(crate) fn linguist(&self, path: &Path) -> Linguist<'_> {
        let mut out = Linguist::default();
        if self.files.is_empty() {
            return out;
        }
        let path = path_bytes(path);
        let name = file_name(&path);
        let mut undecided = Class::ALL.len();
        let mut decided = [false; 3];
        // The directories that hold the path, deepest first, down to the
        // root (`dir` empty); `rel` is the path relative to each.
        let slashes = memchr_iter(b'/', &path).count();
        let ancestors = memrchr_iter(b'/', &path)
            .map(|i| (&path[..i], &path[i + 1..]))
            .chain([(&path[..0], &path[..])]);
        for (depth, (dir, rel)) in (0..=slashes).rev().zip(ancestors) {
            if depth > self.max_depth {
                continue;
            }
            let Some(file) = self.files.get(dir) else {
                continue;
            };
            for rule in file.rules.iter().rev() {
                let news = |decided: &[bool; 3], k: usize| {
                    !decided[k] && rule.states[k] != State::Untouched
                };
                if !(0..3).any(|k| news(&decided, k)) || !rule.pattern.matches(rel, name) {
                    continue;
                }
                for (k, class) in Class::ALL.into_iter().enumerate() {
                    if !news(&decided, k) {
                        continue;
                    }
                    decided[k] = true;
                    undecided -= 1;
                    if let State::Set(set) = rule.states[k] {
                        *out.slot(class) = Some(Decision {
                            set,
                            file: &file.source,
                            line: rule.line,
                        });
                    }
                }
                if undecided == 0 {
                    return out;
                }
            }
        }
        out
    }
}

/// The bytes git counts as blanks between a pattern and its attributes.
pub(super) fn is_blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// One `.gitattributes` line: `Ok(None)` when it is not about the three
/// attributes (or is blank or a comment), `Err(note)` when git would ignore
/// a line that is about them.
pub(super) fn parse_line(line: &[u8], number: usize) -> Result<Option<Rule>, String> {
    // Cheap rejection of the many lines about `text`, `eol`, `diff`, LFS.
    if memmem::find(line, b"linguist-").is_none() {
        return Ok(None);
    }
    let start = line.iter().position(|b| !is_blank(b)).unwrap_or(line.len());
    let line = &line[start..];
    if line.is_empty() || line[0] == b'#' {
        return Ok(None);
    }
    let (pattern, states) = match unquote(line) {
        Some((pattern, rest)) => (Cow::Owned(pattern), rest),
        None => {
            let end = line.iter().position(is_blank).unwrap_or(line.len());
            (Cow::Borrowed(&line[..end]), &line[end..])
        }
    };
    let mut rule = Rule {
        pattern: Pattern::default(),
        line: number,
        states: [State::Untouched; 3],
    };
    let mut invalid = None;
    for token in states.split(is_blank).filter(|t| !t.is_empty()) {
        let (prefix, rest) = match token[0] {
            b'-' | b'!' => (Some(token[0]), &token[1..]),
            _ => (None, token),
        };
        let (name, value) = match memchr(b'=', rest) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let valid = !name.is_empty()
            && name[0] != b'-'
            && name
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !valid {
            invalid.get_or_insert(name);
            continue;
        }
        let Some(k) = Class::ALL
            .iter()
            .position(|c| c.attribute().as_bytes() == name)
        else {
            continue;
        };
        // A later mention on the same line wins, as in git.
        rule.states[k] = match (prefix, value) {
            (Some(b'-'), _) => State::Set(false),
            (Some(_), _) => State::Unspecified,
            (None, Some(value)) => State::Set(value != b"false"),
            (None, None) => State::Set(true),
        };
    }
    if rule.states == [State::Untouched; 3] {
        return Ok(None);
    }
    if let Some(name) = invalid {
        return Err(format!(
            "`{}` is not a valid attribute name: git ignores the line",
            display(name)
        ));
    }
    if start + line.len() >= 2048 {
        return Err("line of 2048 bytes or more: git ignores it".to_owned());
    }
    if pattern.starts_with(b"[attr]") {
        return Err(format!(
            "macro `{}` is not expanded: give the linguist attributes on each pattern instead",
            display(&pattern)
        ));
    }
    if pattern.starts_with(b"!") {
        return Err(
            "negative patterns are ignored in git attributes (use `\\!` for a leading `!`)"
                .to_owned(),
        );
    }
    if pattern.ends_with(b"/") {
        return Err(format!(
            "`{0}` matches directories only, and git gives a directory's attributes to \
             nothing inside it: write `{0}**`",
            display(&pattern)
        ));
    }
    rule.pattern = Pattern::new(&pattern);
    Ok(Some(rule))
}

/// A C-style quoted pattern (`"a b" attr`), as git allows: the unquoted
/// pattern and what follows the closing quote. `None` when the line does
/// not start with a well-formed quoted string (git then reads it as is).
pub(super) fn unquote(line: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut rest = line.strip_prefix(b"\"")?;
    let mut out = Vec::new();
    loop {
        let (&b, tail) = rest.split_first()?;
        rest = tail;
        match b {
            b'"' => return Some((out, rest)),
            b'\\' => {
                let (&e, tail) = rest.split_first()?;
                rest = tail;
                out.push(match e {
                    b'a' => 7,
                    b'b' => 8,
                    b'f' => 12,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 11,
                    b'\\' | b'"' => e,
                    b'0'..=b'3' => {
                        let digits = rest.get(..2)?;
                        if !digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                            return None;
                        }
                        rest = &rest[2..];
                        ((e - b'0') << 6) | ((digits[0] - b'0') << 3) | (digits[1] - b'0')
                    }
                    _ => return None,
                });
            }
            _ => out.push(b),
        }
    }
}

/// A `.gitattributes` pattern, ready to match.
#[derive(Clone, Debug, Default)]
pub(super) struct Pattern {
    /// Without a leading `/`.
    glob: Box<[u8]>,
    /// No `/` in the pattern: it matches the file name, at any depth.
    name_only: bool,
    /// The fast path for the common shapes.
    kind: Kind,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Kind {
    /// No wildcard: equality.
    Literal,
    /// `*` followed by a literal, for a name-only pattern (`*.min.js`).
    Suffix,
    /// Anything else: git's wildmatch.
    #[default]
    Wild,
}

pub(super) fn is_glob_special(b: u8) -> bool {
    matches!(b, b'*' | b'?' | b'[' | b'\\')
}

impl Pattern {
    fn new(pattern: &[u8]) -> Pattern {
        let name_only = memchr(b'/', pattern).is_none();
        let glob = pattern.strip_prefix(b"/").unwrap_or(pattern);
        let kind = if !glob.iter().copied().any(is_glob_special) {
            Kind::Literal
        } else if name_only
            && glob.first() == Some(&b'*')
            && !glob[1..].iter().copied().any(is_glob_special)
        {
            Kind::Suffix
        } else {
            Kind::Wild
        };
        Pattern {
            glob: glob.into(),
            name_only,
            kind,
        }
    }

    /// Whether the pattern matches the file at `rel` (relative to the
    /// `.gitattributes` file's directory), whose name is `name`.
    fn matches(&self, rel: &[u8], name: &[u8]) -> bool {
        let text = if self.name_only { name } else { rel };
        match self.kind {
            Kind::Literal => *self.glob == *text,
            Kind::Suffix => text.ends_with(&self.glob[1..]),
            Kind::Wild => wildmatch(&self.glob, text),
        }
    }
}

/// git's `wildmatch` with `WM_PATHNAME`, on bytes.
pub(super) fn wildmatch(pattern: &[u8], text: &[u8]) -> bool {
    dowild(pattern, text) == Wild::Match
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Wild {
    Match,
    NoMatch,
    /// No later start can match either: stop trying.
    AbortAll,
    /// Only a `**` further out can still match.
    AbortToStarStar,
}

/// A port of git's `dowild` (wildmatch.c), which bounds the backtracking.
pub(super) fn dowild(pattern: &[u8], text: &[u8]) -> Wild {
    let (mut p, mut t) = (0, 0);
    while p < pattern.len() {
        let p_ch = pattern[p];
        let t_ch = text.get(t).copied();
        if t_ch.is_none() && p_ch != b'*' {
            return Wild::AbortAll;
        }
        // Not read by the `*` arm, the only one that runs at the end.
        let t_ch = t_ch.unwrap_or(0);
        match p_ch {
            b'\\' => {
                // An escaped literal; a trailing `\` matches nothing.
                p += 1;
                if pattern.get(p) != Some(&t_ch) {
                    return Wild::NoMatch;
                }
            }
            b'?' => {
                if t_ch == b'/' {
                    return Wild::NoMatch;
                }
            }
            b'*' => {
                let star = p;
                p += 1;
                let mut match_slash = false;
                if pattern.get(p) == Some(&b'*') {
                    while pattern.get(p) == Some(&b'*') {
                        p += 1;
                    }
                    let after_slash = star == 0 || pattern[star - 1] == b'/';
                    let before_slash = match pattern.get(p) {
                        None | Some(b'/') => true,
                        Some(b'\\') => pattern.get(p + 1) == Some(&b'/'),
                        Some(_) => false,
                    };
                    if after_slash && before_slash {
                        // `**/` also matches no directory at all.
                        if pattern.get(p) == Some(&b'/')
                            && dowild(&pattern[p + 1..], &text[t..]) == Wild::Match
                        {
                            return Wild::Match;
                        }
                        match_slash = true;
                    }
                }
                let rest = &text[t..];
                if p == pattern.len() {
                    // A trailing `**` matches everything, a trailing `*`
                    // only what holds no `/`.
                    return if match_slash || memchr(b'/', rest).is_none() {
                        Wild::Match
                    } else {
                        Wild::NoMatch
                    };
                }
                if !match_slash && pattern[p] == b'/' {
                    // One `*` then `/`: skip to the next directory.
                    let Some(slash) = memchr(b'/', rest) else {
                        return Wild::NoMatch;
                    };
                    t += slash + 1;
                    p += 1;
                    continue;
                }
                while t < text.len() {
                    let mut c = text[t];
                    let next = pattern[p];
                    if !is_glob_special(next) {
                        // The text before the next literal belongs to `*`.
                        while t < text.len() && (match_slash || text[t] != b'/') {
                            if text[t] == next {
                                break;
                            }
                            t += 1;
                        }
                        match text.get(t) {
                            Some(&found) if found == next => c = found,
                            _ => return Wild::NoMatch,
                        }
                    }
                    let matched = dowild(&pattern[p..], &text[t..]);
                    if matched != Wild::NoMatch {
                        if !match_slash || matched != Wild::AbortToStarStar {
                            return matched;
                        }
                    } else if !match_slash && c == b'/' {
                        return Wild::AbortToStarStar;
                    }
                    t += 1;
                }
                return Wild::AbortAll;
            }
            b'[' => match bracket(pattern, p, t_ch) {
                Ok((end, true)) => p = end,
                Ok((_, false)) => return Wild::NoMatch,
                Err(abort) => return abort,
            },
            _ => {
                if t_ch != p_ch {
                    return Wild::NoMatch;
                }
            }
        }
        p += 1;
        t += 1;
    }
    if t < text.len() {
        Wild::NoMatch
    } else {
        Wild::Match
    }
}

/// The bracket expression starting at `pattern[open]` against `t_ch`: the
/// index of its closing `]` and whether it matched, or `Err(AbortAll)` when
/// it is malformed.
pub(super) fn bracket(pattern: &[u8], open: usize, t_ch: u8) -> Result<(usize, bool), Wild> {
    let at = |i: usize| pattern.get(i).copied().ok_or(Wild::AbortAll);
    let mut p = open + 1;
    let mut p_ch = at(p)?;
    if p_ch == b'^' {
        p_ch = b'!';
    }
    let negated = p_ch == b'!';
    if negated {
        p += 1;
        p_ch = at(p)?;
    }
    let mut prev: u8 = 0;
    let mut matched = false;
    loop {
        if p_ch == b'\\' {
            p += 1;
            p_ch = at(p)?;
            matched |= t_ch == p_ch;
        } else if p_ch == b'-' && prev != 0 && pattern.get(p + 1).is_some_and(|&c| c != b']') {
            p += 1;
            p_ch = at(p)?;
            if p_ch == b'\\' {
                p += 1;
                p_ch = at(p)?;
            }
            matched |= prev <= t_ch && t_ch <= p_ch;
            p_ch = 0;
        } else if p_ch == b'[' && pattern.get(p + 1) == Some(&b':') {
            let s = p + 2;
            let close = s + memchr(b']', &pattern[s..]).ok_or(Wild::AbortAll)?;
            if close == s || pattern[close - 1] != b':' {
                // Not `[:class:]`: a plain `[`.
                matched |= t_ch == b'[';
            } else {
                matched |= match &pattern[s..close - 1] {
                    b"alnum" => t_ch.is_ascii_alphanumeric(),
                    b"alpha" => t_ch.is_ascii_alphabetic(),
                    b"blank" => matches!(t_ch, b' ' | b'\t'),
                    b"cntrl" => t_ch.is_ascii_control(),
                    b"digit" => t_ch.is_ascii_digit(),
                    b"graph" => t_ch.is_ascii_graphic(),
                    b"lower" => t_ch.is_ascii_lowercase(),
                    b"print" => t_ch.is_ascii_graphic() || t_ch == b' ',
                    b"punct" => t_ch.is_ascii_punctuation(),
                    b"space" => matches!(t_ch, b' ' | b'\t'..=b'\r'),
                    b"upper" => t_ch.is_ascii_uppercase(),
                    b"xdigit" => t_ch.is_ascii_hexdigit(),
                    _ => return Err(Wild::AbortAll),
                };
                p = close;
                p_ch = 0;
            }
        } else {
            matched |= t_ch == p_ch;
        }
        prev = p_ch;
        p += 1;
        p_ch = at(p)?;
        if p_ch == b']' {
            break;
        }
    }
    Ok((p, matched != negated && t_ch != b'/'))
}
