//! Writing VTKHDF with this crate and with VTK's `vtkHDFWriter` (Python
//! `vtk`, through `benches/vtk_writer.py`) in the same run, on the same
//! data; prints times, file sizes, their ratios and peak memory.
//!
//! 1. ImageData `N³` (default 512³: 1 GiB) with one float64 point array,
//!    uncompressed: this crate writes it slice by slice with
//!    [`ImageWriter`]; VTK writes a `vtkImageData` built once from a numpy
//!    array (only `Write()` is timed). Then the peak RSS of a slice-by-slice
//!    deflate-4 write of the same image, generated slice by slice in a
//!    fresh process.
//! 2. UnstructuredGrid: an `M³` block of hexahedra (default M = 100) split
//!    into 5 tetrahedra each (5 M cells, (M+1)³ ≈ 1 M points) with point
//!    arrays `Temperature` (float64) and `Velocity` (float64 × 3) and cell
//!    array `Region` (int32), deflate level 4 on both sides, for several
//!    [`StoreOptions`] (shuffle, chunk rows).
//!
//! Every file written is read back with VTK (`tests/vtk_dump.py`): the
//! crate's files must give exactly VTK's view of VTK's own file.
//!
//! Run: `cargo bench --bench vtk_writer`. Environment: `VTKHDF_PYTHON` (a
//! Python with `vtk`, default `.venv/bin/python`), `VTKHDF_BENCH_N` (image
//! points per axis, default 512), `VTKHDF_BENCH_UG_N` (hexahedra per axis,
//! default 100), `VTKHDF_BENCH_REPS` (best of, default 3).
//!
//! Both sides compute the values from closed forms made of integer
//! arithmetic and exactly rounded IEEE operations, so no data crosses
//! between the processes and the files hold the same bits.
//!
//! Both writers are timed alike: `s` is the write alone (VTK:
//! `Write()`; this crate: create .. `close` on a file whose commit does not
//! `fsync`, so the data is left in the page cache as VTK leaves it), `+sync`
//! adds an `fsync` of the finished file, `CPU` is the CPU time of all
//! threads of the writing process during the write (it does not depend on
//! other load on the machine, the wall times do). A plain
//! `FileWriter::create` file syncs twice per commit (data and metadata,
//! then the superblock); the peak-memory run uses one.
//!
//! For profiling, `VTKHDF_BENCH_UG_ONLY=PATH` or `VTKHDF_BENCH_IMAGE_ONLY=PATH`
//! runs only this crate's UnstructuredGrid (shuffle + deflate 4) or
//! uncompressed ImageData write.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vtkhdf::hl::write::CreateOptions;
use vtkhdf::io::{ReadAt, WriteAt};
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::image::{ImageData, ImageWriter};
use vtkhdf::vtk::unstructured::{write_unstructured, UnstructuredGrid};
use vtkhdf::FileWriter;

const MIB: f64 = 1024.0 * 1024.0;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Two pseudo-random bits of `u` (same formula as the Python side).
fn bits2(u: u64) -> u64 {
    (u.wrapping_mul(2_654_435_761) & 0xFFFF_FFFF) >> 30
}

// ------------------------------------------------------------ timing

/// A file whose commits leave the data in the page cache without `fsync`,
/// as `vtkHDFWriter::Write()` does: the writers are timed the same way,
/// then the finished file is synced the same way ([`fsync`]). (A plain
/// `FileWriter::create` file syncs twice per commit: data and metadata,
/// then the superblock.)
struct NoSync(std::fs::File);

impl ReadAt for NoSync {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> vtkhdf::Result<()> {
        self.0.read_exact_at(offset, buf)
    }
    fn len(&self) -> vtkhdf::Result<u64> {
        ReadAt::len(&self.0)
    }
}

impl WriteAt for NoSync {
    fn write_all_at(&mut self, offset: u64, buf: &[u8]) -> vtkhdf::Result<()> {
        self.0.write_all_at(offset, buf)
    }
    fn set_len(&mut self, len: u64) -> vtkhdf::Result<()> {
        WriteAt::set_len(&mut self.0, len)
    }
}

fn create_nosync(path: &Path) -> FileWriter {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
        .expect("create");
    FileWriter::on(Box::new(NoSync(f)), CreateOptions::default()).expect("file")
}

/// `fsync` of a finished file, as the Python side does.
fn fsync(path: &Path) {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .expect("fsync");
}

/// Best-of-`reps` timings of one writer: wall seconds of the write, wall
/// seconds of write + [`fsync`], least CPU seconds of a write (all threads).
#[derive(Debug, Clone, Copy)]
struct Timing {
    best: f64,
    best_sync: f64,
    cpu: f64,
}

/// Runs `write` `reps` times on a fresh [`create_nosync`] file, closing it
/// inside the timed part and syncing it after; returns the timings and what
/// the fastest run of `write` returned.
fn time_writes<R>(path: &Path, reps: u64, mut write: impl FnMut(&FileWriter) -> R) -> (Timing, R) {
    let mut t = Timing {
        best: f64::MAX,
        best_sync: f64::MAX,
        cpu: f64::MAX,
    };
    let mut out = None;
    for _ in 0..reps {
        // Deleting the last run's file is not timed (nor is it on the Python side).
        std::fs::remove_file(path).ok();
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let file = create_nosync(path);
        let r = write(&file);
        file.close().expect("close");
        let (t1, c1) = (t0.elapsed().as_secs_f64(), cpu_seconds());
        fsync(path);
        let t2 = t0.elapsed().as_secs_f64();
        t.cpu = t.cpu.min(c1 - c0);
        t.best_sync = t.best_sync.min(t2);
        if t1 < t.best {
            t.best = t1;
            out = Some(r);
        }
    }
    (t, out.expect("at least one run"))
}

// ---------------------------------------------------------------- image

/// Slice `z` of the `n³` image's point values, x fastest, into `out`.
fn image_slice(n: u64, z: u64, out: &mut [f64]) {
    for y in 0..n {
        for x in 0..n {
            let d = ((x * 7 + y * 3 + z * 5) % 2000) as i64 - 1000;
            let q = bits2((z * n + y) * n + x);
            out[(y * n + x) as usize] = (d * d) as f64 / 10000.0 + q as f64 * 0.25;
        }
    }
}

fn image_geometry(n: u64) -> ImageData {
    let s = 1.0 / (n - 1) as f64;
    ImageData::new([n, n, n], [0.0; 3], [s; 3])
}

/// Writes the image slice by slice from `data` (all of it in memory), or
/// computing each slice just before writing it when `data` is `None`.
fn write_image(file: &FileWriter, n: u64, data: Option<&[f64]>, deflate: Option<u32>) {
    let w = ImageWriter::create(file, &image_geometry(n)).expect("image");
    let a = w
        .add_point_array::<f64>("Field", 1, deflate)
        .expect("array");
    let len = (n * n) as usize;
    let mut slice = vec![0.0; if data.is_some() { 0 } else { len }];
    for z in 0..n {
        match data {
            Some(d) => a.write_slice(z, &d[z as usize * len..][..len]),
            None => {
                image_slice(n, z, &mut slice);
                a.write_slice(z, &slice)
            }
        }
        .expect("write slice");
    }
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

/// CPU seconds used so far by all threads of this process (the rayon
/// threads that deflate live as long as the process, so differences are
/// exact).
fn cpu_seconds() -> f64 {
    let mut ns = 0u64;
    if let Ok(threads) = std::fs::read_dir("/proc/self/task") {
        for t in threads.flatten() {
            let s = std::fs::read_to_string(t.path().join("schedstat")).unwrap_or_default();
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ns as f64 * 1e-9
}

/// The whole image, slice after slice.
fn image_field(n: u64) -> Vec<f64> {
    let len = (n * n) as usize;
    let mut data = vec![0.0; len * n as usize];
    for (z, sl) in data.chunks_mut(len).enumerate() {
        image_slice(n, z as u64, sl);
    }
    data
}

/// The uncompressed slice-by-slice write, timed.
fn ours_image(path: &Path, n: u64, data: &[f64], reps: u64) -> Timing {
    time_writes(path, reps, |file| write_image(file, n, Some(data), None)).0
}

/// The uncompressed write of the whole array in one call
/// (`ArrayWriter::write_all`), timed.
fn ours_image_whole(path: &Path, n: u64, data: &[f64], reps: u64) -> Timing {
    time_writes(path, reps, |file| {
        let w = ImageWriter::create(file, &image_geometry(n)).expect("image");
        let a = w.add_point_array::<f64>("Field", 1, None).expect("array");
        a.write_all(data).expect("write_all");
    })
    .0
}

/// The child: a slice-by-slice deflate-4 write; prints its peak RSS (KiB)
/// and the file size.
fn image_child(path: &Path, n: u64) {
    let file = FileWriter::create(path).expect("create");
    write_image(&file, n, None, Some(4));
    file.close().expect("close");
    let size = std::fs::metadata(path).expect("size").len();
    println!("{} {size}", vm_hwm_kib());
}

// ------------------------------------------------------- unstructured grid

/// One partition of an UnstructuredGrid: the fields of
/// `vtkhdf::vtk::unstructured::UnstructuredGrid` in the typed-array model
/// (no polyhedra, no field data here).
type Ug = UnstructuredGrid;

/// Tetrahedra of a hexahedron (VTK corner order), by parity of i+j+k, so
/// that neighbouring hexahedra share face diagonals.
const TETS_EVEN: [[usize; 4]; 5] = [
    [0, 1, 3, 4],
    [2, 1, 3, 6],
    [5, 1, 4, 6],
    [7, 3, 4, 6],
    [1, 3, 4, 6],
];
const TETS_ODD: [[usize; 4]; 5] = [
    [1, 0, 2, 5],
    [3, 0, 2, 7],
    [4, 0, 5, 7],
    [6, 2, 5, 7],
    [0, 2, 5, 7],
];
const VTK_TETRA: u8 = 10;

fn build_ug(n: u64) -> Ug {
    let m = n + 1;
    let np = (m * m * m) as usize;
    let mut points = Vec::with_capacity(np * 3);
    let mut temp = Vec::with_capacity(np);
    let mut vel = Vec::with_capacity(np * 3);
    let jitter = 1.0 / 1_048_576.0;
    for k in 0..m {
        for j in 0..m {
            for i in 0..m {
                let p = (k * m + j) * m + i;
                for (c, v) in [i, j, k].into_iter().enumerate() {
                    points.push(v as f64 / n as f64 + bits2(p * 3 + c as u64) as f64 * jitter);
                }
                let d = ((i * 7 + j * 3 + k * 5) % 2000) as i64 - 1000;
                temp.push((d * d) as f64 / 10000.0 + bits2(p) as f64 * 0.25);
                for c in 0..3u64 {
                    let t = (i * (c + 2) + j * (5 - c) + k * 3) % 1000;
                    vel.push(t as f64 / 1000.0 + bits2(p * 3 + c) as f64 * 0.125);
                }
            }
        }
    }
    let nc = (5 * n * n * n) as usize;
    let mut conn = Vec::with_capacity(nc * 4);
    let mut region = Vec::with_capacity(nc);
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let b = ((k * m + j) * m + i) as i64;
                let (m1, m2) = (m as i64, (m * m) as i64);
                let corners = [
                    b,
                    b + 1,
                    b + m1 + 1,
                    b + m1,
                    b + m2,
                    b + m2 + 1,
                    b + m2 + m1 + 1,
                    b + m2 + m1,
                ];
                let tets = if (i + j + k) % 2 == 1 {
                    &TETS_ODD
                } else {
                    &TETS_EVEN
                };
                for t in tets {
                    conn.extend(t.iter().map(|&c| corners[c]));
                }
                let r = ((i / 10 + j / 10 + k / 10) % 8) as i32;
                region.extend([r; 5]);
            }
        }
    }
    Ug {
        points: Array::new("Points", 3, Values::F64(points)),
        offsets: (0..=nc as i64).map(|c| 4 * c).collect(),
        connectivity: conn,
        types: vec![VTK_TETRA; nc],
        point_data: vec![
            Array::new("Temperature", 1, Values::F64(temp)),
            Array::new("Velocity", 3, Values::F64(vel)),
        ],
        cell_data: vec![Array::new("Region", 1, Values::I32(region))],
        polyhedra: None,
        field_data: Vec::new(),
    }
}

/// Seconds spent on each part of a write.
type Laps = Vec<(&'static str, f64)>;

/// Writes one partition as a static UnstructuredGrid through
/// `vtk::unstructured::write_unstructured`; returns the seconds it took.
fn write_ug_local(file: &FileWriter, g: &Ug, opts: &StoreOptions) -> Laps {
    let t = Instant::now();
    write_unstructured(file, std::slice::from_ref(g), opts).expect("write_unstructured");
    vec![("write_unstructured", t.elapsed().as_secs_f64())]
}

fn ug_bytes(g: &Ug) -> u64 {
    let arrays: usize = g
        .point_data
        .iter()
        .chain(&g.cell_data)
        .chain([&g.points])
        .map(|a| match &a.values {
            Values::F64(v) => v.len() * 8,
            Values::I32(v) => v.len() * 4,
            v => panic!("unexpected {}", v.type_name()),
        })
        .sum();
    (arrays + 8 * (g.offsets.len() + g.connectivity.len()) + g.types.len()) as u64
}

/// CPU seconds of the filters alone: `encode_chunk` (shuffle if set,
/// deflate) on every chunk of every dataset the write stores, one thread, no
/// file. The rest of a write's CPU time is the write path itself.
fn filter_cpu(g: &Ug, opts: &StoreOptions) -> f64 {
    use vtkhdf::filters::{encode_chunk, FilterId, FilterStep, FLAG_OPTIONAL};
    let Some(level) = opts.deflate else {
        return 0.0;
    };
    let level = [level];
    let mut steps = Vec::new();
    if opts.shuffle {
        steps.push(FilterStep {
            id: FilterId::Shuffle.to_u16(),
            flags: FLAG_OPTIONAL,
            client_data: &[],
        });
    }
    steps.push(FilterStep {
        id: FilterId::Deflate.to_u16(),
        flags: FLAG_OPTIONAL,
        client_data: &level,
    });
    fn bytes<T: bytemuck::Pod>(v: &[T]) -> &[u8] {
        bytemuck::cast_slice(v)
    }
    let mut sets: Vec<(&[u8], u64, usize)> = vec![
        (bytes(&g.offsets), 8, 8),
        (bytes(&g.connectivity), 8, 8),
        (bytes(&g.types), 1, 1),
    ];
    for a in g.point_data.iter().chain(&g.cell_data).chain([&g.points]) {
        let (b, esize): (&[u8], usize) = match &a.values {
            Values::F64(v) => (bytes(v), 8),
            Values::I32(v) => (bytes(v), 4),
            v => panic!("unexpected {}", v.type_name()),
        };
        sets.push((b, (esize * a.components) as u64, esize));
    }
    let c0 = cpu_seconds();
    let mut stored = 0usize;
    for (b, row_bytes, esize) in sets {
        let rows = b.len() as u64 / row_bytes;
        let chunk = (opts.rows_per_chunk(rows, row_bytes) * row_bytes) as usize;
        for c in b.chunks(chunk) {
            // A partial last chunk is stored whole, as in the file.
            let mut data = c.to_vec();
            data.resize(chunk, 0);
            stored += encode_chunk(&steps, data, esize).expect("encode").len();
        }
    }
    std::hint::black_box(stored);
    cpu_seconds() - c0
}

/// This crate's UnstructuredGrid write, timed; the file size and the
/// per-part breakdown of the fastest run.
fn ours_ug(path: &Path, g: &Ug, opts: &StoreOptions, reps: u64) -> (Timing, u64, Laps) {
    let (t, log) = time_writes(path, reps, |file| write_ug_local(file, g, opts));
    (t, std::fs::metadata(path).expect("size").len(), log)
}

// ---------------------------------------------------------------- python

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

fn script(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs a Python script; its stdout (VTK's messages on stderr are shown
/// only on failure).
fn run_python(py: &Path, script: &Path, args: &[String]) -> String {
    let out = Command::new(py)
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "{} {} failed:\n{}",
        py.display(),
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct VtkRun {
    t: Timing,
    size: u64,
    hwm_mib: f64,
    base_mib: f64,
}

fn vtk_write(py: &Path, args: &[String]) -> VtkRun {
    let out = run_python(py, &script("benches/vtk_writer.py"), args);
    let v: Value = serde_json::from_str(out.trim()).expect("JSON from vtk_writer.py");
    let f = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"));
    VtkRun {
        t: Timing {
            best: f("best"),
            best_sync: f("best_sync"),
            cpu: f("cpu"),
        },
        size: f("size") as u64,
        hwm_mib: f("hwm_kib") / 1024.0,
        base_mib: f("base_kib") / 1024.0,
    }
}

fn header() {
    println!(
        "{:<29} {:>7} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7} {:>8}  VTK reads",
        "writer", "s", "+sync s", "CPU s", "ratio", "+sync", "CPU", "MiB", "size"
    );
}

/// One table row: times, VTK's time / this time, size, size / VTK's size.
fn row(name: &str, t: &Timing, vtk: &Timing, size: u64, vtk_size: u64, reads: &str) {
    println!(
        "{name:<29} {:>7.3} {:>8.3} {:>6.2} {:>6.2}x {:>6.2}x {:>6.2}x {:>7.1} {:>7.3}x  {reads}",
        t.best,
        t.best_sync,
        t.cpu,
        vtk.best / t.best,
        vtk.best_sync / t.best_sync,
        vtk.cpu / t.cpu,
        size as f64 / MIB,
        size as f64 / vtk_size as f64,
    );
}

/// What VTK's reader builds from `path` (`tests/vtk_dump.py`).
fn vtk_dump(py: &Path, path: &Path) -> Value {
    let out = run_python(
        py,
        &script("tests/vtk_dump.py"),
        &[path.to_string_lossy().into_owned()],
    );
    serde_json::from_str(out.trim()).expect("JSON from vtk_dump.py")
}

// ------------------------------------------------------------------ main

fn main() {
    let n = env_u64("VTKHDF_BENCH_N", 512);
    let ug_n = env_u64("VTKHDF_BENCH_UG_N", 100);
    let reps = env_u64("VTKHDF_BENCH_REPS", 3).max(1);
    if let Some(path) = std::env::var_os("VTKHDF_BENCH_IMAGE_CHILD") {
        image_child(Path::new(&path), n);
        return;
    }
    if let Some(path) = std::env::var_os("VTKHDF_BENCH_UG_ONLY") {
        // This crate's UnstructuredGrid write alone (for profiling).
        let grid = build_ug(ug_n);
        let opts = StoreOptions::deflate(4, true);
        let (t, size, log) = ours_ug(Path::new(&path), &grid, &opts, reps);
        println!("{t:?}, {size} bytes, {log:?}");
        return;
    }
    if let Some(path) = std::env::var_os("VTKHDF_BENCH_IMAGE_ONLY") {
        // This crate's uncompressed ImageData write alone (for profiling).
        let data = image_field(n);
        println!("{:?}", ours_image(Path::new(&path), n, &data, reps));
        return;
    }
    let py = python();
    if !py.exists() {
        eprintln!(
            "vtk_writer: {} does not exist; set VTKHDF_PYTHON to a Python with vtk",
            py.display()
        );
        std::process::exit(2);
    }
    let dir = std::env::temp_dir().join("vtkhdf-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let loadavg = || {
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?")
            .to_string()
    };
    println!(
        "{} cores, load average {} at start; best of {reps}; same data on both sides, same run",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );

    // 1. ImageData.
    let theirs = dir.join("vtk_image.vtkhdf");
    let ours = dir.join("vtkhdf_image.vtkhdf");
    let data = image_field(n);
    let vtk = vtk_write(
        &py,
        &["image".into(), s(&theirs), n.to_string(), reps.to_string()],
    );
    let t = ours_image(&ours, n, &data, reps);
    let ours_whole = dir.join("vtkhdf_image_whole.vtkhdf");
    let t_whole = ours_image_whole(&ours_whole, n, &data, reps);
    drop(data);
    let our_size = std::fs::metadata(&ours).expect("size").len();
    let whole_size = std::fs::metadata(&ours_whole).expect("size").len();
    let theirs_view = vtk_dump(&py, &theirs);
    let same = vtk_dump(&py, &ours) == theirs_view && vtk_dump(&py, &ours_whole) == theirs_view;
    std::fs::remove_file(&ours_whole).ok();
    assert!(same, "VTK reads different data from the image files");
    println!(
        "\nImageData {n}^3, one float64 point array ({:.0} MiB), uncompressed",
        (n * n * n * 8) as f64 / MIB
    );
    header();
    row("VTK", &vtk.t, &vtk.t, vtk.size, vtk.size, "(reference)");
    row(
        "vtkhdf ImageWriter, slices",
        &t,
        &vtk.t,
        our_size,
        vtk.size,
        "same data",
    );
    row(
        "vtkhdf ImageWriter, write_all",
        &t_whole,
        &vtk.t,
        whole_size,
        vtk.size,
        "same data",
    );
    std::fs::remove_file(&theirs).ok();
    std::fs::remove_file(&ours).ok();

    // Peak memory of a slice-by-slice deflate write, in a fresh process.
    let slices = dir.join("vtkhdf_image_slices.vtkhdf");
    let out = Command::new(std::env::current_exe().expect("bench binary"))
        .env("VTKHDF_BENCH_IMAGE_CHILD", &slices)
        .env("VTKHDF_BENCH_N", n.to_string())
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let child = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = child
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    std::fs::remove_file(&slices).ok();
    println!(
        "peak RSS of a slice-by-slice deflate-4 write of the same image, computed slice by slice: \
         vtkhdf {:.1} MiB (file {:.1} MiB); VTK, which needs the whole image: {:.1} MiB \
         ({:.1} MiB of it Python + numpy + vtk before building it)",
        nums[0] as f64 / 1024.0,
        nums[1] as f64 / MIB,
        vtk.hwm_mib,
        vtk.base_mib
    );

    // 2. UnstructuredGrid.
    let theirs = dir.join("vtk_ug.vtkhdf");
    let vtk = vtk_write(
        &py,
        &[
            "ug".into(),
            s(&theirs),
            ug_n.to_string(),
            reps.to_string(),
            "4".into(),
        ],
    );
    let vtk_view = vtk_dump(&py, &theirs);
    std::fs::remove_file(&theirs).ok();
    let grid = build_ug(ug_n);
    println!(
        "\nUnstructuredGrid {ug_n}^3 hexahedra x 5 tetrahedra: {} cells, {} points, \
         2 point arrays + 1 cell array ({:.0} MiB raw), deflate 4",
        grid.types.len(),
        grid.points.tuples(),
        ug_bytes(&grid) as f64 / MIB
    );
    header();
    row(
        "VTK CompressionLevel 4",
        &vtk.t,
        &vtk.t,
        vtk.size,
        vtk.size,
        "(reference)",
    );
    let shuffled = |rows| StoreOptions {
        chunk_rows: rows,
        ..StoreOptions::deflate(4, true)
    };
    let variants: [(&str, StoreOptions); 5] = [
        ("vtkhdf, 1 MiB chunks", StoreOptions::deflate(4, false)),
        ("vtkhdf shuffle, 1 MiB chunks", shuffled(None)),
        ("vtkhdf shuffle, 25000 rows", shuffled(Some(25_000))),
        ("vtkhdf shuffle, 65536 rows", shuffled(Some(65_536))),
        ("vtkhdf shuffle, 262144 rows", shuffled(Some(262_144))),
    ];
    let ours = dir.join("vtkhdf_ug.vtkhdf");
    let mut chosen: Option<(usize, Timing, Laps)> = None;
    for (k, (name, opts)) in variants.iter().enumerate() {
        let (t, size, log) = ours_ug(&ours, &grid, opts, reps);
        let reads = vtk_dump(&py, &ours) == vtk_view;
        row(
            name,
            &t,
            &vtk.t,
            size,
            vtk.size,
            if reads { "same data" } else { "DIFFERENT" },
        );
        assert!(reads, "VTK reads different data from {name}'s file");
        if size <= vtk.size && chosen.as_ref().is_none_or(|c| t.best < c.1.best) {
            chosen = Some((k, t, log));
        }
    }
    std::fs::remove_file(&ours).ok();
    match chosen {
        Some((k, t, log)) => {
            let mut parts: Vec<String> = log
                .iter()
                .map(|(what, s)| format!("{what} {s:.3}"))
                .collect();
            let rest = t.best - log.iter().map(|(_, s)| s).sum::<f64>();
            parts.push(format!("close {rest:.3}"));
            println!(
                "fastest with a file no larger than VTK's: {}; seconds by part: {}",
                variants[k].0,
                parts.join(", ")
            );
            let filters = filter_cpu(&grid, &variants[k].1);
            println!(
                "its CPU: {:.2} s, of which the filters alone (encode_chunk on the same chunks, \
                 one thread) take {filters:.2} s",
                t.cpu
            );
        }
        None => println!("no variant gave a file no larger than VTK's"),
    }
    println!(
        "s: the write (VTK: Write(); vtkhdf: create .. close, commit without fsync); +sync: then \
         fsync of the file; CPU: all threads, without the fsync; ratio = VTK / vtkhdf; \
         load average {} at end",
        loadavg()
    );
}
