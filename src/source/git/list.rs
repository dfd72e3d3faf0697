//! The files of a revision: its tree read from the object database with
//! an explicit stack (a tree can be nested deeper than any thread's stack),
//! with the directory mode's rules for hidden files and `--exclude`, and
//! the `.gitattributes` that apply.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};
use ignore::overrides::Override;

use super::kept::{Got, KeptTree, Trees, id_bytes};
use super::{Opened, Revision};
use crate::config::WalkOptions;
use crate::error::{Error, display_path};
use crate::progress::Progress;
use crate::source::{ContentId, Entry, Listed};

/// The files of a revision, and what was left out.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Committed symbolic links, skipped.
    pub(crate) symlinks: u64,
    /// Gitlinks (submodules), skipped.
    pub(crate) submodules: u64,
    /// Regular files listed.
    pub(crate) listed: usize,
    /// `.gitattributes` blobs (even when hidden files are skipped), by the
    /// directory they are in, relative to the repository's root.
    pub(crate) attributes: Vec<(PathBuf, Oid)>,
    /// What the counted path is at this revision.
    pub(crate) shape: Shape,
    /// Whether the listing kept in the cache was damaged.
    pub(crate) damaged: bool,
}

/// What the counted path (SOURCE inside the repository) is at a revision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A directory, or the whole tree.
    #[default]
    Directory,
    /// One file, counted as a one-file tree as the directory mode counts a
    /// file given as SOURCE: its entry's path is the file's name (which
    /// gives its language), its record's path is then made empty, and it
    /// is classified as the file at [`Opened::prefix`].
    File,
    /// Not there: nothing is listed (only a diff lists a missing path, as
    /// the side where everything was added or deleted).
    Missing,
}

fn list_shaped(
    opened: &Opened,
    revision: &Revision,
    walk: &WalkOptions,
    missing_ok: bool,
    trees: Option<&Trees>,
    emit: &mut dyn FnMut(Entry),
) -> Result<Listing, Error> {
    let repo = &opened.repo;
    let error = |reason: String| Error::Revision {
        rev: revision.rev.clone(),
        reason,
    };
    let root_tree = repo
        .find_tree(revision.tree)
        .map_err(|err| error(format!("cannot read its tree: {}", err.message())))?;
    let mut listing = Listing::default();
    let mut tree = root_tree.clone();
    if !opened.prefix.as_os_str().is_empty() {
        let entry = match root_tree.get_path(&opened.prefix) {
            Ok(entry) => entry,
            Err(_) if missing_ok => {
                listing.shape = Shape::Missing;
                return Ok(listing);
            }
            Err(_) => {
                return Err(error(format!(
                    "{} is not in this revision{}",
                    display_path(&opened.prefix),
                    missing_hint(&root_tree, &opened.prefix)
                )));
            }
        };
        if entry.kind() != Some(ObjectType::Tree) {
            // One file (or a link, or a submodule), named as it is.
            listing.shape = Shape::File;
            let name = opened.prefix.file_name().map(PathBuf::from);
            match (entry.kind(), name) {
                (Some(ObjectType::Blob), _) if entry.filemode() == MODE_LINK => {
                    listing.symlinks += 1
                }
                (Some(ObjectType::Blob), Some(name)) => {
                    listing.listed += 1;
                    // A one-file tree, as in the directory mode: its path
                    // is empty, its name the root's.
                    let _ = name;
                    emit(Entry {
                        path: PathBuf::new(),
                        content: ContentId::Blob(entry.id()),
                    });
                }
                (Some(ObjectType::Commit), _) => listing.submodules += 1,
                _ => {}
            }
            above_attributes(&root_tree, &opened.prefix, &mut listing);
            return Ok(listing);
        }
        tree = repo.find_tree(entry.id()).map_err(|err| {
            error(format!(
                "cannot read {}: {}",
                display_path(&opened.prefix),
                err.message()
            ))
        })?;
    }
    let excludes = crate::source::excludes(Path::new("/"), &walk.excludes)?;
    let mut path = PathBuf::new();
    let got = trees.map_or(Got::Nothing, |t| t.get(tree.id(), walk));
    // A measuring aid, as lib.rs's timings (the tests read it too).
    if std::env::var_os("REPOFLAME_TIMINGS").is_some() {
        let what = match (&got, trees) {
            (Got::Kept(_), _) => "kept",
            (_, Some(_)) => "read, kept",
            (_, None) => "read",
        };
        eprintln!("timing: tree: {what}");
    }
    match (got, trees) {
        (Got::Kept(kept), _) => {
            listing.symlinks = kept.symlinks;
            listing.submodules = kept.submodules;
            listing.listed = kept.files.len();
            for (path, id) in kept.files {
                emit(Entry {
                    path: PathBuf::from(OsString::from_vec(path)),
                    content: ContentId::Blob(Oid::from_bytes(&id).expect("20 bytes")),
                });
            }
            for (dir, id) in kept.attributes {
                let id = Oid::from_bytes(&id).expect("20 bytes");
                listing
                    .attributes
                    .push((PathBuf::from(OsString::from_vec(dir)), id));
            }
        }
        (got, Some(trees)) => {
            // Listed and kept for the next run.
            listing.damaged = matches!(got, Got::Damaged);
            let mut files = Vec::new();
            let mut record = |entry: Entry| {
                if let ContentId::Blob(id) = &entry.content {
                    files.push((entry.path.as_os_str().as_bytes().to_vec(), id_bytes(*id)));
                }
                emit(entry);
            };
            list_tree(
                repo,
                &tree,
                &mut path,
                walk,
                &excludes,
                &mut listing,
                &mut record,
            )
            .map_err(|err| error(format!("cannot read its tree: {}", err.message())))?;
            let files: Option<Vec<_>> = files
                .into_iter()
                .map(|(path, id)| Some((path, id?)))
                .collect();
            let attributes: Option<Vec<_>> = listing
                .attributes
                .iter()
                .map(|(dir, id)| Some((dir.as_os_str().as_bytes().to_vec(), id_bytes(*id)?)))
                .collect();
            let files = files.filter(|f| f.len() <= crate::source::listing::MAX_FILES);
            if let (Some(files), Some(attributes)) = (files, attributes) {
                let mut kept = KeptTree::default();
                kept.files = files;
                kept.symlinks = listing.symlinks;
                kept.submodules = listing.submodules;
                kept.attributes = attributes;
                trees.keep(tree.id(), walk, kept);
            }
        }
        (_, None) => list_tree(repo, &tree, &mut path, walk, &excludes, &mut listing, emit)
            .map_err(|err| error(format!("cannot read its tree: {}", err.message())))?,
    }
    // `.gitattributes` of the directories above the counted subtree apply
    // too; all of them are given relative to the repository's root.
    for (dir, _) in &mut listing.attributes {
        *dir = opened.prefix.join(&*dir);
    }
    above_attributes(&root_tree, &opened.prefix, &mut listing);
    Ok(listing)
}

/// Adds the `.gitattributes` of the directories above `prefix` (not of
/// `prefix` itself: a directory was listed, a file has none) to `listing`.
fn above_attributes(root_tree: &git2::Tree<'_>, prefix: &Path, listing: &mut Listing) {
    let mut dir = PathBuf::new();
    let mut ancestors = vec![dir.clone()];
    for component in prefix.components() {
        dir.push(component);
        ancestors.push(dir.clone());
    }
    ancestors.pop();
    for ancestor in ancestors {
        if let Ok(entry) = root_tree.get_path(&ancestor.join(".gitattributes")) {
            listing.attributes.push((ancestor, entry.id()));
        }
    }
}

/// Why `prefix` is not in `tree`, when a directory above it is a file
/// there.
fn missing_hint(tree: &git2::Tree<'_>, prefix: &Path) -> String {
    prefix
        .ancestors()
        .skip(1)
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| {
            tree.get_path(a)
                .is_ok_and(|e| e.kind() != Some(ObjectType::Tree))
        })
        .map(|file| format!(" ({} is a file there)", display_path(file)))
        .unwrap_or_default()
}

/// The `.gitattributes` blobs of a listing, read and parsed, with notes
/// about the lines that were ignored.
pub(crate) fn attributes(opened: &Opened, listing: &Listing) -> Vec<(PathBuf, Vec<u8>)> {
    listing
        .attributes
        .iter()
        .filter_map(|(dir, oid)| {
            let blob = opened.repo.find_blob(*oid).ok()?;
            Some((dir.clone(), blob.content().to_vec()))
        })
        .collect()
}

const MODE_LINK: i32 = 0o120_000;

/// Lists `tree` depth first, in tree order, with an explicit stack: a
/// tree can be nested tens of thousands of levels deep (git itself only
/// refuses that when writing), which recursion would not survive.
fn list_tree(
    repo: &Repository,
    tree: &git2::Tree<'_>,
    path: &mut PathBuf,
    walk: &WalkOptions,
    excludes: &Override,
    listing: &mut Listing,
    emit: &mut dyn FnMut(Entry),
) -> Result<(), git2::Error> {
    // Each level: its tree, the next entry to look at, and whether a
    // component was pushed onto `path` for it.
    let mut stack: Vec<(git2::Tree<'_>, usize, bool)> = vec![(tree.clone(), 0, false)];
    while let Some((tree, next, _)) = stack.last_mut() {
        let Some((name, kind, id, mode)) = tree.get(*next).map(|entry| {
            (
                entry.name_bytes().to_vec(),
                entry.kind(),
                entry.id(),
                entry.filemode(),
            )
        }) else {
            let (_, _, pushed) = stack.pop().expect("not empty");
            if pushed {
                path.pop();
            }
            continue;
        };
        *next += 1;
        if name == b".gitattributes" && kind == Some(ObjectType::Blob) {
            listing.attributes.push((path.clone(), id));
        }
        if !walk.hidden && name.first() == Some(&b'.') {
            continue;
        }
        path.push(OsStr::from_bytes(&name));
        let absolute = Path::new("/").join(&*path);
        match kind {
            Some(ObjectType::Tree) if !excludes.matched(&absolute, true).is_ignore() => {
                let subtree = repo.find_tree(id)?;
                stack.push((subtree, 0, true));
                // `path` keeps the directory until its level is popped.
                continue;
            }
            Some(ObjectType::Blob) if mode == MODE_LINK => listing.symlinks += 1,
            Some(ObjectType::Blob) if !excludes.matched(&absolute, false).is_ignore() => {
                listing.listed += 1;
                emit(Entry {
                    path: path.clone(),
                    content: ContentId::Blob(id),
                });
            }
            Some(ObjectType::Commit) => listing.submodules += 1,
            _ => {}
        }
        path.pop();
    }
    Ok(())
}

fn skipped_notes(listing: &Listing) -> Vec<String> {
    let mut notes = Vec::new();
    if listing.symlinks > 0 {
        notes.push(format!(
            "{} committed symbolic link{} skipped (never followed)",
            listing.symlinks,
            if listing.symlinks == 1 { "" } else { "s" }
        ));
    }
    if listing.submodules > 0 {
        notes.push(format!(
            "{} submodule{} skipped (gitlinks are not followed)",
            listing.submodules,
            if listing.submodules == 1 { "" } else { "s" }
        ));
    }
    notes
}

/// What the counted path is in a diff: there at one revision at least,
/// and a file or a directory, not one then the other.
fn diff_shape(
    opened: &Opened,
    from: &Revision,
    to: &Revision,
    before: Shape,
    after: Shape,
) -> Result<Shape, Error> {
    let path = display_path(&opened.prefix);
    match (before, after) {
        (Shape::Missing, Shape::Missing) => Err(Error::Revision {
            rev: format!("{}..{}", from.rev, to.rev),
            reason: format!("{path} is in neither revision"),
        }),
        (Shape::File, Shape::Directory) | (Shape::Directory, Shape::File) => {
            let what = |shape| match shape {
                Shape::File => "a file",
                _ => "a directory",
            };
            Err(Error::Revision {
                rev: format!("{}..{}", from.rev, to.rev),
                reason: format!(
                    "{path} is {} at {} and {} at {}: give the directory above it",
                    what(before),
                    from.rev,
                    what(after),
                    to.rev
                ),
            })
        }
        (Shape::File, _) | (_, Shape::File) => Ok(Shape::File),
        _ => Ok(Shape::Directory),
    }
}

/// Entries handed on at a time while a tree is read.
const BATCH: usize = 64;

/// Lists the files of each of `revisions` in turn, handing them on in
/// batches with their side. A path missing at one side of a diff is where
/// everything was added or deleted; it must be at one side at least, and
/// the same kind (file or directory) at each side that has it.
pub(crate) fn list_sides(
    opened: &Opened,
    revisions: &[Revision],
    walk: &WalkOptions,
    trees: Option<&Trees>,
    progress: &Progress,
    on_batch: &(dyn Fn(usize, Vec<Entry>) + Sync),
) -> Result<Listed, Error> {
    let several = revisions.len() > 1;
    let mut listings = Vec::with_capacity(revisions.len());
    for (side, revision) in revisions.iter().enumerate() {
        let mut batch = Vec::with_capacity(BATCH);
        let listing = list_shaped(opened, revision, walk, several, trees, &mut |entry| {
            batch.push(entry);
            if batch.len() == BATCH {
                progress.found(BATCH as u64);
                on_batch(
                    side,
                    std::mem::replace(&mut batch, Vec::with_capacity(BATCH)),
                );
            }
        })?;
        if !batch.is_empty() {
            progress.found(batch.len() as u64);
            on_batch(side, batch);
        }
        listings.push(listing);
    }
    if let [first, .., last] = revisions {
        let (before, after) = (&listings[0], &listings[listings.len() - 1]);
        diff_shape(opened, first, last, before.shape, after.shape)?;
    }
    // What the latest side that has the path says.
    let latest = listings
        .iter()
        .rev()
        .find(|l| l.shape != Shape::Missing)
        .unwrap_or(&listings[listings.len() - 1]);
    let attributes = attributes(opened, latest);
    let mut notes = skipped_notes(&listings[listings.len() - 1]);
    if listings.iter().any(|l| l.damaged) {
        notes.push(super::kept::DAMAGED.to_string());
    }
    for revision in revisions {
        notes.extend(revision.notes.iter().cloned());
    }
    Ok(Listed {
        found: listings.iter().map(|l| l.listed).sum(),
        problems: Vec::new(),
        notes,
        attributes,
        prefix: opened.prefix.clone(),
        keeping: Default::default(),
    })
}
