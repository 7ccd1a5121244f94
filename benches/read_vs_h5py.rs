//! Reading 1 GiB of f64, contiguous and chunked with deflate, with this
//! crate and with h5py on the same files in the same run; prints the ratios.
//!
//! Run: `cargo bench --bench read_vs_h5py` (needs `VTKHDF_PYTHON` pointing
//! at a Python with h5py, e.g. `.venv/bin/python` after `tests/run.sh`).
//! `VTKHDF_BENCH_MIB` changes the size (default 1024).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const MAKE: &str = r#"
import sys, numpy as np, h5py
path, mib = sys.argv[1], int(sys.argv[2])
n = mib * 1024 * 1024 // 8
rows = n // 1024
# A smooth field with noise in the low bits: compresses like simulation output.
with h5py.File(path, "w") as f:
    c = f.create_dataset("contiguous", (rows, 1024), dtype="<f8")
    d = f.create_dataset("deflate", (rows, 1024), dtype="<f8", chunks=(64, 1024), compression="gzip", compression_opts=4)
    x = np.linspace(0, 20, 1024)
    step = 4096
    rng = np.random.default_rng(0)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        y = np.arange(r0, r1)[:, None] * 1e-3
        block = np.sin(x[None, :] + y) * 100.0
        block = np.round(block, 2) + rng.integers(0, 4, size=block.shape) * 0.25
        c[r0:r1] = block
        d[r0:r1] = block
"#;

const TIME: &str = r#"
import sys, time, h5py
path, name, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
best = 1e9
with h5py.File(path, "r") as f:
    for _ in range(reps):
        t = time.perf_counter()
        a = f[name][...]
        best = min(best, time.perf_counter() - t)
        del a
print(best)
"#;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    venv.exists().then_some(venv)
}

fn h5py_seconds(py: &Path, file: &Path, name: &str, reps: u32) -> f64 {
    let out = Command::new(py)
        .args(["-c", TIME, &file.to_string_lossy(), name, &reps.to_string()])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("seconds")
}

fn ours_seconds(file: &Path, name: &str, reps: u32) -> (f64, f64) {
    let mut best = f64::MAX;
    let mut sum = 0.0;
    for _ in 0..reps {
        let f = vtkhdf::File::open(file).expect("open");
        let d = f.dataset(name).expect("dataset");
        let t = Instant::now();
        let v: Vec<f64> = d.read().expect("read");
        best = best.min(t.elapsed().as_secs_f64());
        sum += v[v.len() / 2];
    }
    (best, sum)
}

fn main() {
    let Some(py) = python() else {
        eprintln!("read_vs_h5py: set VTKHDF_PYTHON to a Python with h5py (or run tests/run.sh first to create .venv)");
        std::process::exit(2);
    };
    let mib: u64 = std::env::var("VTKHDF_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let dir = std::env::temp_dir().join("vtkhdf-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("read_{mib}mib.h5"));
    if !file.exists() {
        eprintln!("writing {} with h5py ...", file.display());
        let st = Command::new(&py)
            .args(["-c", MAKE, &file.to_string_lossy(), &mib.to_string()])
            .status()
            .expect("run python");
        assert!(st.success());
    }
    let reps = 3;
    println!("read {mib} MiB of f64 (best of {reps}), same file, same run");
    println!(
        "{:<12} {:>10} {:>10} {:>14}",
        "dataset", "h5py s", "vtkhdf s", "h5py/vtkhdf"
    );
    for name in ["contiguous", "deflate"] {
        // Warm the page cache once with each reader.
        let _ = ours_seconds(&file, name, 1);
        let theirs = h5py_seconds(&py, &file, name, reps);
        let (ours, _) = ours_seconds(&file, name, reps);
        println!(
            "{name:<12} {theirs:>10.3} {ours:>10.3} {:>13.2}x",
            theirs / ours
        );
    }
}
