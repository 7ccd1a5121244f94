//! Corrupted VTKHDF files end in a clean error from the data model, the
//! summary and the validator: never a panic or an allocation the file's
//! size does not justify.
//!
//! Every VTK-written corpus file (and one of each type written by the
//! crate) is cut at many lengths and has bytes flipped and count-like
//! values overwritten at many places (a fixed pseudo-random sequence, so
//! failures reproduce); each variant is opened from memory with tight
//! limits and read through `vtk::data`, `vtk::summary` and `vtk::validate`.

use std::path::{Path, PathBuf};

use vtkhdf::vtk::{data, read_header, summary, validate};
use vtkhdf::{File, Limits};

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
        max_alloc_bytes: (len as u64).saturating_mul(64).max(1 << 20),
        max_depth: 32,
        max_nodes: 100_000,
        max_links: 100_000,
    }
}

fn exercise(bytes: Vec<u8>) {
    let limits = limits_for(bytes.len());
    if let Ok(file) = File::from_reader(bytes, limits) {
        if let Ok(d) = data::read_file(&file) {
            if let Ok((_, h)) = read_header(&file) {
                let _ = summary::summary(&h, &d);
            }
        }
        let _ = validate::validate_file(&file);
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = std::env::var_os("VTKHDF_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
        .join("vtkhdf/vtk");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus folder {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        // Files whose blocks are external links need their siblings on
        // disk; from memory they only test the error path.
        .filter(|p| p.extension().is_some_and(|e| e == "vtkhdf"))
        .collect();
    v.sort();
    assert!(v.len() >= 40);
    v
}

fn run(path: &Path, rounds: usize, seed: u64) {
    let bytes = std::fs::read(path).unwrap();
    let mut rng = Rng(seed ^ bytes.len() as u64 | 1);
    // Cuts.
    let step = (bytes.len() / 23).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        let b = bytes[..cut].to_vec();
        let r = std::panic::catch_unwind(|| exercise(b));
        assert!(r.is_ok(), "{} cut at {cut} panicked", path.display());
    }
    // Flipped bytes and overwritten 8-byte words (count-like values).
    for round in 0..rounds {
        let mut b = bytes.clone();
        let at = (rng.next() % b.len() as u64) as usize;
        if round % 2 == 0 {
            b[at] ^= 1 << (rng.next() % 8);
        } else {
            let v = match rng.next() % 4 {
                0 => u64::MAX,
                1 => 1 << 40,
                2 => (rng.next() % 1000) + 1,
                _ => 0,
            };
            let end = (at + 8).min(b.len());
            b[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
        }
        let r = std::panic::catch_unwind(|| exercise(b));
        assert!(
            r.is_ok(),
            "{} mutation {round} at byte {at} panicked",
            path.display()
        );
    }
}

#[test]
fn corrupted_vtk_files_do_not_panic() {
    for (i, path) in corpus_files().iter().enumerate() {
        run(path, 60, 0x9E37_79B9 + i as u64);
    }
}

#[test]
fn corrupted_demo_files_do_not_panic() {
    let dir = std::env::temp_dir().join(format!("vtkhdf-vtk-robust-{}", std::process::id()));
    let files = vtkhdf::vtk::demo::run_demo(&dir).expect("demo");
    for (i, f) in files.iter().enumerate() {
        run(&f.path, 60, 0x5151 + i as u64);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
