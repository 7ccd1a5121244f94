//! Writing 1 GiB of f64, contiguous and chunked with shuffle + deflate 4,
//! with this crate and with h5py in the same run; prints times, file sizes,
//! their ratios, and the peak memory of a slice-by-slice chunked write.
//!
//! Run: `cargo bench --bench write_vs_h5py` (needs `VTKHDF_PYTHON` pointing
//! at a Python with h5py, e.g. `.venv/bin/python` after `tests/run.sh`).
//! `VTKHDF_BENCH_MIB` changes the size (default 1024).
//!
//! Both sides compute the same values from a closed form made only of
//! exactly rounded IEEE operations (integer arithmetic, one division, one
//! addition), so no data crosses between the processes and the files hold
//! the same bits. The field is smooth (a parabola along diagonals) with two
//! bits of noise, so it compresses like simulation output.
//!
//! A commit of this crate ends with `fsync` (it is what makes a commit
//! durable); h5py's close does not. The table shows h5py both ways.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vtkhdf::{FileWriter, Hyperslab};

const COLS: u64 = 1024;
/// Chunk rows: 128 x 1024 f64 = 1 MiB chunks.
const CHUNK_ROWS: u64 = 128;

/// Row `r` of the field, into `out` (COLS values).
fn fill_row(r: u64, out: &mut [f64]) {
    for (c, v) in out.iter_mut().enumerate() {
        let c = c as u64;
        let t = (c * 7 + r * 3) % 2000;
        let d = t as i64 - 1000;
        let idx = r * COLS + c;
        let q = (idx.wrapping_mul(2_654_435_761) & 0xFFFF_FFFF) >> 30;
        *v = (d * d) as f64 / 10000.0 + q as f64 * 0.25;
    }
}

fn field(r0: u64, r1: u64) -> Vec<f64> {
    let mut v = vec![0.0; ((r1 - r0) * COLS) as usize];
    for (k, row) in v.chunks_mut(COLS as usize).enumerate() {
        fill_row(r0 + k as u64, row);
    }
    v
}

const PY_WRITE: &str = r#"
import os, sys, time
import numpy as np, h5py
path, kind, mib, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
COLS, CHUNK_ROWS = 1024, 128
rows = mib * 1024 * 1024 // 8 // COLS

def field(r0, r1):
    r = np.arange(r0, r1, dtype=np.int64)[:, None]
    c = np.arange(COLS, dtype=np.int64)[None, :]
    t = (c * 7 + r * 3) % 2000
    d = t - 1000
    idx = (r * COLS + c).astype(np.uint64)
    q = ((idx * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)) >> np.uint64(30)
    return (d * d).astype(np.float64) / 10000.0 + q.astype(np.float64) * 0.25

def create(f):
    if kind == "contiguous":
        return f.create_dataset("data", (rows, COLS), dtype="<f8")
    return f.create_dataset("data", (rows, COLS), dtype="<f8", chunks=(CHUNK_ROWS, COLS),
                            shuffle=True, compression="gzip", compression_opts=4)

if kind.startswith("slices-"):
    # Peak memory of a slice-by-slice write (64 rows at a time).
    kind = kind[len("slices-"):]
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
    hwm = lambda: int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
    base = hwm()
    with h5py.File(path, "w") as f:
        d = create(f)
        for r0 in range(0, rows, 64):
            r1 = min(rows, r0 + 64)
            d[r0:r1] = field(r0, r1)
    print(hwm(), base)
    sys.exit(0)

a = np.empty((rows, COLS), dtype="<f8")
for r0 in range(0, rows, 8192):
    r1 = min(rows, r0 + 8192)
    a[r0:r1] = field(r0, r1)
best, best_sync = 1e9, 1e9
for _ in range(reps):
    if os.path.exists(path):
        os.remove(path)
    t = time.perf_counter()
    with h5py.File(path, "w") as f:
        create(f)[...] = a
    t1 = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    t2 = time.perf_counter()
    best, best_sync = min(best, t1 - t), min(best_sync, t2 - t)
print(best, best_sync, os.path.getsize(path))
"#;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    venv.exists().then_some(venv)
}

fn run_python(py: &Path, args: &[String]) -> Vec<f64> {
    let out = Command::new(py)
        .args(["-c", PY_WRITE])
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|s| s.parse().expect("number"))
        .collect()
}

fn write_ours(path: &Path, chunked: bool, data: &[f64], rows: u64) {
    let file = FileWriter::create(path).expect("create");
    let b = file.root().new_dataset::<f64>("data", &[rows, COLS]);
    let b = if chunked {
        b.chunks(&[CHUNK_ROWS, COLS]).shuffle().deflate(4)
    } else {
        b
    };
    let d = b.create().expect("dataset");
    d.write(data).expect("write");
    file.close().expect("close");
}

/// Best of `reps` (seconds) and the file size.
fn ours(path: &Path, chunked: bool, data: &[f64], rows: u64, reps: u32) -> (f64, u64) {
    let mut best = f64::MAX;
    for _ in 0..reps {
        std::fs::remove_file(path).ok();
        let t = Instant::now();
        write_ours(path, chunked, data, rows);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, std::fs::metadata(path).expect("size").len())
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The child: a slice-by-slice chunked write, 64 rows (half a chunk) at a
/// time, generated on the fly; prints its peak RSS in KiB.
fn slices_child(path: &Path, rows: u64) {
    let file = FileWriter::create(path).expect("create");
    let d = file
        .root()
        .new_dataset::<f64>("data", &[rows, COLS])
        .chunks(&[CHUNK_ROWS, COLS])
        .shuffle()
        .deflate(4)
        .create()
        .expect("dataset");
    let mut r0 = 0;
    while r0 < rows {
        let r1 = rows.min(r0 + 64);
        let block = field(r0, r1);
        d.write_slice(&Hyperslab::new(&[r0, 0], &[r1 - r0, COLS], &[1, 1]), &block)
            .expect("write slice");
        r0 = r1;
    }
    file.close().expect("close");
    println!("{}", vm_hwm_kib());
}

fn main() {
    let mib: u64 = std::env::var("VTKHDF_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let rows = mib * 1024 * 1024 / 8 / COLS;
    if let Some(path) = std::env::var_os("VTKHDF_BENCH_SLICES_CHILD") {
        slices_child(Path::new(&path), rows);
        return;
    }
    let Some(py) = python() else {
        eprintln!("write_vs_h5py: set VTKHDF_PYTHON to a Python with h5py (or run tests/run.sh first to create .venv)");
        std::process::exit(2);
    };
    let dir = std::env::temp_dir().join("vtkhdf-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let reps = 3;
    let data = field(0, rows);

    println!("write {mib} MiB of f64 ({rows} x {COLS}), best of {reps}, same data, same run");
    println!(
        "{:<26} {:>9} {:>12} {:>10} {:>12} {:>12} {:>12} {:>10}",
        "dataset",
        "h5py s",
        "h5py+sync s",
        "vtkhdf s",
        "h5py/vtkhdf",
        "h5py MiB",
        "vtkhdf MiB",
        "size ratio"
    );
    for (name, chunked) in [("contiguous", false), ("chunked shuffle+deflate4", true)] {
        let kind = if chunked { "chunked" } else { "contiguous" };
        let theirs_path = dir.join(format!("write_h5py_{kind}.h5"));
        let ours_path = dir.join(format!("write_vtkhdf_{kind}.h5"));
        let t = run_python(
            &py,
            &[
                theirs_path.to_string_lossy().into_owned(),
                kind.into(),
                mib.to_string(),
                reps.to_string(),
            ],
        );
        let (h5py_s, h5py_sync_s, h5py_size) = (t[0], t[1], t[2] as u64);
        let (ours_s, ours_size) = ours(&ours_path, chunked, &data, rows, reps);
        // Same bits on both sides: check a few rows of each file.
        check_same(&ours_path, &theirs_path, rows);
        let mib_of = |b: u64| b as f64 / (1024.0 * 1024.0);
        println!(
            "{name:<26} {h5py_s:>9.3} {h5py_sync_s:>12.3} {ours_s:>10.3} {:>11.2}x {:>12.1} {:>12.1} {:>9.3}x",
            h5py_sync_s / ours_s,
            mib_of(h5py_size),
            mib_of(ours_size),
            h5py_size as f64 / ours_size as f64
        );
        std::fs::remove_file(&theirs_path).ok();
        std::fs::remove_file(&ours_path).ok();
    }
    drop(data);

    // Peak memory of slice-by-slice chunked writes, each in a fresh process.
    let slices_path = dir.join("write_slices.h5");
    let out = Command::new(std::env::current_exe().expect("bench binary"))
        .env("VTKHDF_BENCH_SLICES_CHILD", &slices_path)
        .env("VTKHDF_BENCH_MIB", mib.to_string())
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours_kib: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("VmHWM");
    let theirs = run_python(
        &py,
        &[
            slices_path.to_string_lossy().into_owned(),
            "slices-chunked".into(),
            mib.to_string(),
            "1".into(),
        ],
    );
    let (theirs_kib, theirs_base_kib) = (theirs[0], theirs[1]);
    std::fs::remove_file(&slices_path).ok();
    println!(
        "peak RSS, chunked write 64 rows at a time: vtkhdf {:.1} MiB, h5py {:.1} MiB \
         ({:.1} MiB of it Python + numpy + h5py before writing)",
        ours_kib as f64 / 1024.0,
        theirs_kib / 1024.0,
        theirs_base_kib / 1024.0
    );
    println!("(h5py/vtkhdf time ratio uses h5py with fsync, as a vtkhdf commit syncs)");
}

/// The two files hold the same values (first, middle and last rows).
fn check_same(ours: &Path, theirs: &Path, rows: u64) {
    let a = vtkhdf::File::open(ours).expect("open ours");
    let b = vtkhdf::File::open(theirs).expect("open h5py's");
    for r in [0, rows / 2, rows - 1] {
        let sel = Hyperslab::new(&[r, 0], &[1, COLS], &[1, 1]);
        let x: Vec<f64> = a
            .dataset("data")
            .expect("ds")
            .read_slice(&sel)
            .expect("read");
        let y: Vec<f64> = b
            .dataset("data")
            .expect("ds")
            .read_slice(&sel)
            .expect("read");
        assert!(
            x == y && x == field(r, r + 1),
            "row {r} differs between the files"
        );
    }
}
