//! Tells dependents (libgit2-sys, libssh2-sys) where zlib's headers are,
//! as the real libz-sys does; the functions come from zlib-rs.
fn main() {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("include");
    println!("cargo:include={}", dir.display());
    println!("cargo:root={}", dir.parent().unwrap().display());
    println!("cargo:rerun-if-changed=build.rs");
}
