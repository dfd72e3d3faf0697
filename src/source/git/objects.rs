//! A git blob as a stream, read from the object store without holding it.
//!
//! libgit2 reads an object whole (`git_odb_read`), and its streaming reader
//! serves loose objects only, while nearly every blob lives in a pack. A
//! blob larger than the stream threshold is read here instead:
//!
//! - a loose object is inflated as it is read;
//! - a packed object stored whole is inflated straight from the pack;
//! - a packed delta is rebuilt as it is read: its base (rebuilt the same
//!   way when it is itself a delta) is written to an anonymous temporary
//!   file, and the delta's copy and insert instructions are followed,
//!   copying from that file.
//!
//! Memory stays a few buffers whatever the blob's size; disk holds at most
//! the bases of one chain, and they disappear with the reader.
//!
//! Formats: loose objects, pack index version 2 and packs version 2 and 3
//! (`gitformat-pack(5)`), SHA-1 object names, alternates. What is not found
//! that way (another object database backend, a SHA-256 repository) gives
//! `Ok(None)`, and the caller falls back to reading whole.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use flate2::bufread::ZlibDecoder;
use git2::Oid;

/// The object directories of a repository: its own, then its alternates.
#[derive(Clone, Debug)]
pub(crate) struct ObjectStore {
    dirs: Vec<PathBuf>,
}

/// Packs may chain deltas this deep (git's default is 50; `--depth` can
/// raise it to 4095).
const MAX_CHAIN: usize = 4096;

impl ObjectStore {
    /// The store of the repository whose common git directory is `git_dir`.
    pub(crate) fn new(git_dir: &Path) -> ObjectStore {
        let mut dirs = vec![git_dir.join("objects")];
        // Alternates, and theirs, each once.
        let mut i = 0;
        while i < dirs.len() && dirs.len() < 64 {
            if let Ok(text) = std::fs::read_to_string(dirs[i].join("info/alternates")) {
                for line in text.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let dir = dirs[i].join(line);
                    if !dirs.contains(&dir) {
                        dirs.push(dir);
                    }
                }
            }
            i += 1;
        }
        ObjectStore { dirs }
    }

    /// The content of blob `oid` as a stream, and its size; `Ok(None)` when
    /// it is not stored in a way read here.
    pub(crate) fn blob(&self, oid: Oid) -> io::Result<Option<(Box<dyn Read + Send>, u64)>> {
        if oid.as_bytes().len() != 20 {
            return Ok(None);
        }
        for dir in &self.dirs {
            if let Some(loose) = loose(dir, oid)? {
                return Ok(Some(loose));
            }
        }
        let Some((pack, offset)) = self.find_packed(oid)? else {
            return Ok(None);
        };
        self.packed(&pack, offset).map(Some)
    }

    /// The pack holding `oid` and the offset of its entry.
    fn find_packed(&self, oid: Oid) -> io::Result<Option<(PathBuf, u64)>> {
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
                continue;
            };
            let mut indexes: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                .collect();
            indexes.sort();
            for index in indexes {
                if let Some(offset) = index_lookup(&index, oid)? {
                    return Ok(Some((index.with_extension("pack"), offset)));
                }
            }
        }
        Ok(None)
    }

    /// The object at `offset` in `pack`: its content as a stream, and its
    /// size. A delta chain is followed down to its base first, then rebuilt
    /// upwards, one level at a time (no recursion, one open file per level
    /// at most while it is rebuilt).
    fn packed(&self, pack: &Path, offset: u64) -> io::Result<(Box<dyn Read + Send>, u64)> {
        // Each delta above the base: its pack and where its data starts.
        let mut deltas: Vec<(PathBuf, u64)> = Vec::new();
        let (mut pack, mut offset) = (pack.to_path_buf(), offset);
        let (mut stream, mut size): (Box<dyn Read + Send>, u64) = loop {
            if deltas.len() > MAX_CHAIN {
                return Err(corrupt(&pack, "a delta chain too long (a loop?)"));
            }
            let mut reader = open_at(&pack, offset)?;
            let (kind, size) = entry_header(&mut reader)?;
            match kind {
                1..=4 => break (Box::new(ZlibDecoder::new(reader).take(size)), size),
                6 => {
                    let back = offset_delta_distance(&mut reader)?;
                    deltas.push((pack.clone(), reader.stream_position()?));
                    offset = offset
                        .checked_sub(back)
                        .ok_or_else(|| corrupt(&pack, "a delta before the pack's start"))?;
                }
                7 => {
                    let mut id = [0u8; 20];
                    reader.read_exact(&mut id)?;
                    deltas.push((pack.clone(), reader.stream_position()?));
                    let base = Oid::from_bytes(&id).map_err(io::Error::other)?;
                    (pack, offset) = self.find_packed(base)?.ok_or_else(|| {
                        corrupt(&pack, &format!("the base {base} of a delta is missing"))
                    })?;
                }
                _ => return Err(corrupt(&pack, &format!("an entry of unknown type {kind}"))),
            }
        };
        while let Some((pack, data)) = deltas.pop() {
            // The base is read at random: kept in an anonymous file.
            let mut kept = tempfile::tempfile()?;
            let copied = io::copy(&mut stream.take(size), &mut kept)?;
            if copied != size {
                return Err(corrupt(&pack, "a delta's base ends early"));
            }
            let mut delta = ZlibDecoder::new(open_at(&pack, data)?);
            let base_size = varint(&mut delta)?;
            let result = varint(&mut delta)?;
            if base_size != size {
                return Err(corrupt(&pack, "a delta's base has another size"));
            }
            stream = Box::new(Delta {
                base: kept,
                delta,
                copy: None,
                insert: 0,
                left: result,
            });
            size = result;
        }
        Ok((stream, size))
    }
}

/// `pack` read from `offset` on.
fn open_at(pack: &Path, offset: u64) -> io::Result<BufReader<File>> {
    let mut reader = BufReader::with_capacity(64 << 10, File::open(pack)?);
    reader.seek(SeekFrom::Start(offset))?;
    Ok(reader)
}

/// A loose object: its content as a stream and its size.
fn loose(dir: &Path, oid: Oid) -> io::Result<Option<(Box<dyn Read + Send>, u64)>> {
    let hex = oid.to_string();
    let path = dir.join(&hex[..2]).join(&hex[2..]);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut stream = ZlibDecoder::new(BufReader::with_capacity(64 << 10, file));
    // "blob 1234\0", then the content.
    let mut header = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        stream.read_exact(&mut byte)?;
        if byte[0] == 0 {
            break;
        }
        header.push(byte[0]);
        if header.len() > 32 {
            return Err(corrupt(&path, "a loose object header too long"));
        }
    }
    let size = std::str::from_utf8(&header)
        .ok()
        .and_then(|h| h.strip_prefix("blob "))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| corrupt(&path, "not a blob"))?;
    Ok(Some((Box::new(stream.take(size)), size)))
}

/// Looks `oid` up in the pack index at `index` (version 2): the offset of
/// its entry in the pack.
fn index_lookup(index: &Path, oid: Oid) -> io::Result<Option<u64>> {
    let file = File::open(index)?;
    let read_u32 = |at: u64| -> io::Result<u32> {
        let mut b = [0u8; 4];
        file.read_exact_at(&mut b, at)?;
        Ok(u32::from_be_bytes(b))
    };
    let mut magic = [0u8; 8];
    file.read_exact_at(&mut magic, 0)?;
    if magic != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
        // Version 1 (git before 1.5.2): not read here.
        return Ok(None);
    }
    let id = oid.as_bytes();
    let first = id[0] as u64;
    let fanout = 8;
    let low = if first == 0 {
        0
    } else {
        read_u32(fanout + (first - 1) * 4)?
    } as u64;
    let high = read_u32(fanout + first * 4)? as u64;
    let total = read_u32(fanout + 255 * 4)? as u64;
    let names = fanout + 256 * 4;
    let (mut lo, mut hi) = (low, high);
    let mut name = [0u8; 20];
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        file.read_exact_at(&mut name, names + mid * 20)?;
        match name.as_slice().cmp(id) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => {
                let offsets = names + total * 20 + total * 4;
                let small = read_u32(offsets + mid * 4)?;
                if small & 0x8000_0000 == 0 {
                    return Ok(Some(u64::from(small)));
                }
                let large = offsets + total * 4 + u64::from(small & 0x7fff_ffff) * 8;
                let mut b = [0u8; 8];
                file.read_exact_at(&mut b, large)?;
                return Ok(Some(u64::from_be_bytes(b)));
            }
        }
    }
    Ok(None)
}

/// A pack entry's type and size (of the object, or of the delta data).
fn entry_header(reader: &mut impl Read) -> io::Result<(u8, u64)> {
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte)?;
    let kind = (byte[0] >> 4) & 7;
    let mut size = u64::from(byte[0] & 0x0f);
    let mut shift = 4;
    while byte[0] & 0x80 != 0 {
        reader.read_exact(&mut byte)?;
        if shift > 57 {
            return Err(io::Error::other("a pack entry size too large"));
        }
        size |= u64::from(byte[0] & 0x7f) << shift;
        shift += 7;
    }
    Ok((kind, size))
}

/// An offset delta's distance back to its base.
fn offset_delta_distance(reader: &mut impl Read) -> io::Result<u64> {
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte)?;
    let mut distance = u64::from(byte[0] & 0x7f);
    while byte[0] & 0x80 != 0 {
        reader.read_exact(&mut byte)?;
        distance = distance
            .checked_add(1)
            .and_then(|d| d.checked_mul(128))
            .ok_or_else(|| io::Error::other("a delta offset too large"))?
            | u64::from(byte[0] & 0x7f);
    }
    Ok(distance)
}

/// A delta's size header: little-endian base 128.
fn varint(reader: &mut impl Read) -> io::Result<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    let mut byte = [0u8; 1];
    loop {
        reader.read_exact(&mut byte)?;
        if shift > 63 {
            return Err(io::Error::other("a delta size too large"));
        }
        value |= u64::from(byte[0] & 0x7f) << shift;
        shift += 7;
        if byte[0] & 0x80 == 0 {
            return Ok(value);
        }
    }
}

/// An object rebuilt from its base and a delta, as it is read.
struct Delta<R> {
    /// The base, rebuilt whole into an anonymous file.
    base: File,
    /// The delta's instructions, inflated as they are read.
    delta: R,
    /// What is left of a copy from the base: (offset, length).
    copy: Option<(u64, u64)>,
    /// What is left of an insertion from the delta.
    insert: u64,
    /// Bytes of the object not yet produced.
    left: u64,
}

impl<R: Read> Read for Delta<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.left == 0 {
            return Ok(0);
        }
        loop {
            if let Some((offset, length)) = self.copy {
                let want = (out.len() as u64).min(length) as usize;
                let got = self.base.read_at(&mut out[..want], offset)?;
                if got == 0 {
                    return Err(io::Error::other("a delta copies past its base's end"));
                }
                let rest = length - got as u64;
                self.copy = (rest > 0).then_some((offset + got as u64, rest));
                return self.produced(got);
            }
            if self.insert > 0 {
                let want = (out.len() as u64).min(self.insert) as usize;
                let got = self.delta.read(&mut out[..want])?;
                if got == 0 {
                    return Err(io::Error::other("a delta ends inside an insertion"));
                }
                self.insert -= got as u64;
                return self.produced(got);
            }
            let mut op = [0u8; 1];
            self.delta.read_exact(&mut op).map_err(|_| {
                io::Error::other("a delta ends before the object it rebuilds is complete")
            })?;
            let op = op[0];
            if op & 0x80 != 0 {
                // Copy: offset and size bytes present per the low 7 bits.
                let mut offset = 0u64;
                let mut length = 0u64;
                let mut byte = [0u8; 1];
                for i in 0..4 {
                    if op & (1 << i) != 0 {
                        self.delta.read_exact(&mut byte)?;
                        offset |= u64::from(byte[0]) << (8 * i);
                    }
                }
                for i in 0..3 {
                    if op & (1 << (4 + i)) != 0 {
                        self.delta.read_exact(&mut byte)?;
                        length |= u64::from(byte[0]) << (8 * i);
                    }
                }
                if length == 0 {
                    length = 0x10000;
                }
                self.copy = Some((offset, length));
            } else if op == 0 {
                return Err(io::Error::other("a delta with a reserved instruction"));
            } else {
                self.insert = u64::from(op);
            }
        }
    }
}

impl<R> Delta<R> {
    fn produced(&mut self, n: usize) -> io::Result<usize> {
        self.left = self
            .left
            .checked_sub(n as u64)
            .ok_or_else(|| io::Error::other("a delta rebuilds more than its stated size"))?;
        Ok(n)
    }
}

fn corrupt(path: &Path, what: &str) -> io::Error {
    io::Error::other(format!(
        "{}: {what}: the repository is corrupt",
        crate::error::display_path(path)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_offsets_decode_as_git_writes_them() {
        assert_eq!(varint(&mut &[0x05][..]).unwrap(), 5);
        assert_eq!(varint(&mut &[0x80 | 0x10, 0x01][..]).unwrap(), 0x10 + 128);
        // git's offset encoding adds one per continuation byte.
        assert_eq!(offset_delta_distance(&mut &[0x05][..]).unwrap(), 5);
        assert_eq!(
            offset_delta_distance(&mut &[0x81, 0x00][..]).unwrap(),
            (1 + 1) * 128
        );
        // Type 3 (blob), size 0x1f5 = 0x5 | (0x1f << 4).
        assert_eq!(
            entry_header(&mut &[0x80 | 0x30 | 0x05, 0x1f][..]).unwrap(),
            (3, 0x5 | (0x1f << 4))
        );
    }

    #[test]
    fn a_delta_copies_and_inserts() {
        let mut base = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut base, b"hello, world\n").unwrap();
        // copy offset 0 length 5, insert "!!", copy offset 5 length 8.
        let instructions: &[u8] = &[0x90, 5, 2, b'!', b'!', 0x91, 5, 8];
        let mut delta = Delta {
            base,
            delta: instructions,
            copy: None,
            insert: 0,
            left: 15,
        };
        let mut out = Vec::new();
        delta.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello!!, world\n");
    }
}
