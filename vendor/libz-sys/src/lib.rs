//! zlib's C functions (`inflate`, `deflate`, `crc32`, …) for the C code of
//! libgit2 and libssh2, provided by zlib-rs: linking this crate links
//! libz-rs-sys, whose `export-symbols` feature gives them their C names.
#![no_std]

pub use libz_rs_sys::*;
