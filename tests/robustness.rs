//! Truncated and corrupted files end in a clean error or a dump: never a
//! panic, a hang, or an allocation the file's size does not justify.
//!
//! Every golden file is cut at many lengths and has bytes flipped at many
//! places (a fixed pseudo-random sequence, so failures reproduce); each
//! variant is opened from memory with tight limits and dumped.

use std::path::Path;
use vtkhdf::{File, Limits};

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn limits_for(len: usize) -> Limits {
    Limits {
        // Generous for metadata, but far below what a crafted size field
        // could ask for.
        max_alloc_bytes: (len as u64).saturating_mul(64).max(1 << 20),
        max_depth: 32,
        max_nodes: 100_000,
        max_links: 100_000,
    }
}

fn dump_bytes(bytes: Vec<u8>) {
    let limits = limits_for(bytes.len());
    if let Ok(file) = File::from_reader(bytes, limits) {
        let mut sink = Vec::new();
        let _ = vtkhdf::dump::dump_json(&file, &mut sink);
    }
}

fn golden_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/files");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "h5" || e == "hdf5"))
        .collect();
    files.sort();
    files
}

#[test]
fn truncated_files_do_not_panic() {
    for path in golden_files() {
        let bytes = std::fs::read(&path).expect("read golden file");
        let step = (bytes.len() / 97).max(1);
        let mut cut = 0;
        while cut < bytes.len() {
            let r = std::panic::catch_unwind(|| dump_bytes(bytes[..cut].to_vec()));
            assert!(r.is_ok(), "{} cut at {cut} bytes: panic", path.display());
            cut += step;
        }
    }
}

#[test]
fn corrupted_files_do_not_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for path in golden_files() {
        let bytes = std::fs::read(&path).expect("read golden file");
        for round in 0..400 {
            let mut b = bytes.clone();
            // Flip a few bytes, mostly in the metadata-dense first 8 KiB.
            for _ in 0..1 + round % 4 {
                let span = if rng.next() % 4 == 0 {
                    b.len()
                } else {
                    b.len().min(8192)
                };
                let at = (rng.next() as usize) % span;
                b[at] ^= (rng.next() as u8) | 1;
            }
            let r = std::panic::catch_unwind(|| dump_bytes(b));
            assert!(
                r.is_ok(),
                "{} corruption round {round}: panic",
                path.display()
            );
        }
    }
}
