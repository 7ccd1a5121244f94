//! Crash consistency: a writer process is killed (SIGKILL) at random points,
//! and the file must then hold the last commit it acknowledged, whole.
//!
//! The writer is this test binary itself, run again with `VTKHDF_KILL_CHILD`
//! set (see [`kill_points`]); `examples/kill_writer.rs` runs the same loop
//! by hand. The child applies step after step to the file, commits (`flush`)
//! after each and prints `committed N` once the commit returned. What the
//! file holds after step N is a pure function of (seed, N), so the test
//! replays the steps into a plain model and compares it with everything the
//! crate's reader finds in the file. The state may also be N + 1 (killed
//! after the superblock write, before the line was printed).
//!
//! `VTKHDF_KILL_POINTS` sets the number of kills (default 200). With
//! `VTKHDF_PYTHON` set, h5py (`tests/refdump.py`) must also open and dump
//! every file without error.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use vtkhdf::{DatasetWriter, FileWriter, Hyperslab};

/// A value the steps store (dataset contents or attribute values).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// 64-bit floats.
    F64(Vec<f64>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// 64-bit integers.
    I64(Vec<i64>),
    /// Strings (fixed or variable length).
    Str(Vec<String>),
}

/// One object of the tree, by path.
#[derive(Debug, Clone, PartialEq)]
pub enum Obj {
    /// A group and its attributes.
    Group(BTreeMap<String, Val>),
    /// A dataset: shape, values, attributes.
    Dataset(Vec<u64>, Val, BTreeMap<String, Val>),
    /// A soft link and its target.
    Soft(String),
}

/// Everything in a file, by path.
pub type Tree = BTreeMap<String, Obj>;

fn mix(i: u64, seed: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where the steps go: the file, or the model.
trait Sink {
    fn group(&mut self, path: &str, tracked: bool);
    fn attr(&mut self, path: &str, name: &str, value: Val);
    /// A resizable chunked dataset with `cols` columns (0: 1-D), empty.
    fn growing(&mut self, path: &str, cols: u64, f64_type: bool);
    /// Appends rows to a growing dataset.
    fn append(&mut self, path: &str, rows: Val);
    /// A small fixed dataset written whole.
    fn fixed(&mut self, path: &str, shape: &[u64], values: Val);
    fn soft(&mut self, path: &str, target: &str);
}

fn split(path: &str) -> (&str, &str) {
    let k = path.rfind('/').expect("absolute path");
    (if k == 0 { "/" } else { &path[..k] }, &path[k + 1..])
}

fn group_of(k: u64) -> String {
    format!("/g{:04}", k - k % 5)
}

/// Step `k` of the deterministic history `seed`.
fn step(s: &mut dyn Sink, k: u64, seed: u64) {
    if k == 0 {
        s.group("/series", true);
        s.growing("/series/values", 0, true);
        s.growing("/table", 5, false);
    }
    let rows = 1 + mix(k, seed) % 50;
    let values: Vec<f64> = (0..rows)
        .map(|i| (k * 1000 + i) as f64 * 0.5 + (mix(i, k ^ seed) % 7) as f64)
        .collect();
    s.append("/series/values", Val::F64(values));
    s.attr("/series", "count", Val::I64(vec![k as i64 + 1]));
    s.attr("/series", "last", Val::Str(vec![format!("step {k}")]));
    if k % 3 == 1 {
        let n = 1 + mix(k, seed ^ 3) % 9;
        let v: Vec<i32> = (0..n * 5)
            .map(|i| (mix(i, k) % 100_000) as i32 - 50_000)
            .collect();
        s.append("/table", Val::I32(v));
    }
    if k % 5 == 0 {
        let g = group_of(k);
        s.group(&g, k % 10 == 0);
        s.attr(&g, "k", Val::I64(vec![k as i64, seed as i64]));
    }
    if k % 7 == 3 {
        let v: Vec<f64> = (0..12).map(|i| mix(i, k + seed) as f64 / 1e10).collect();
        s.fixed(&format!("{}/d{k}", group_of(k)), &[3, 4], Val::F64(v));
    }
    if k % 4 == 2 {
        s.soft(&format!("/link{k:04}"), &group_of(k));
    }
    if k % 11 == 5 {
        s.attr("/", &format!("root{k:04}"), Val::I64(vec![k as i64; 3]));
    }
}

// ---------------------------------------------------------------------------
// The model side
// ---------------------------------------------------------------------------

struct Model(Tree);

impl Model {
    fn attrs(&mut self, path: &str) -> &mut BTreeMap<String, Val> {
        match self.0.get_mut(path) {
            Some(Obj::Group(a)) | Some(Obj::Dataset(_, _, a)) => a,
            _ => panic!("no object {path}"),
        }
    }
}

impl Sink for Model {
    fn group(&mut self, path: &str, _tracked: bool) {
        self.0.insert(path.into(), Obj::Group(BTreeMap::new()));
    }
    fn attr(&mut self, path: &str, name: &str, value: Val) {
        self.attrs(path).insert(name.into(), value);
    }
    fn growing(&mut self, path: &str, cols: u64, f64_type: bool) {
        let shape = if cols == 0 { vec![0] } else { vec![0, cols] };
        let v = if f64_type {
            Val::F64(vec![])
        } else {
            Val::I32(vec![])
        };
        self.0
            .insert(path.into(), Obj::Dataset(shape, v, BTreeMap::new()));
    }
    fn append(&mut self, path: &str, rows: Val) {
        let Some(Obj::Dataset(shape, v, _)) = self.0.get_mut(path) else {
            panic!("no dataset {path}")
        };
        let per: u64 = shape[1..].iter().product();
        match (v, rows) {
            (Val::F64(a), Val::F64(b)) => {
                shape[0] += b.len() as u64 / per;
                a.extend(b);
            }
            (Val::I32(a), Val::I32(b)) => {
                shape[0] += b.len() as u64 / per;
                a.extend(b);
            }
            _ => panic!("type mismatch"),
        }
    }
    fn fixed(&mut self, path: &str, shape: &[u64], values: Val) {
        self.0.insert(
            path.into(),
            Obj::Dataset(shape.to_vec(), values, BTreeMap::new()),
        );
    }
    fn soft(&mut self, path: &str, target: &str) {
        self.0.insert(path.into(), Obj::Soft(target.into()));
    }
}

/// The tree after steps `0..=n` (`None`: the new, empty file).
fn expected(n: Option<u64>, seed: u64) -> Tree {
    let mut m = Model(BTreeMap::new());
    m.0.insert("/".into(), Obj::Group(BTreeMap::new()));
    if let Some(n) = n {
        for k in 0..=n {
            step(&mut m, k, seed);
        }
    }
    m.0
}

// ---------------------------------------------------------------------------
// The file side
// ---------------------------------------------------------------------------

struct Writer {
    file: FileWriter,
    datasets: HashMap<String, DatasetWriter>,
}

impl Sink for Writer {
    fn group(&mut self, path: &str, tracked: bool) {
        let root = self.file.root();
        if tracked {
            root.create_group_tracked(path)
        } else {
            root.create_group(path)
        }
        .expect("group");
    }
    fn attr(&mut self, path: &str, name: &str, value: Val) {
        let g = self.file.group(path).expect("group");
        match value {
            Val::I64(v) => g.set_attr(name, &v),
            Val::I32(v) => g.set_attr(name, &v),
            Val::F64(v) => g.set_attr(name, &v),
            Val::Str(v) => {
                let r: Vec<&str> = v.iter().map(String::as_str).collect();
                g.set_attr_vlen_strs(name, &r)
            }
        }
        .expect("attribute");
    }
    fn growing(&mut self, path: &str, cols: u64, f64_type: bool) {
        let (parent, name) = split(path);
        let g = self.file.group(parent).expect("group");
        let d = if cols == 0 {
            g.new_dataset::<f64>(name, &[0])
                .chunks(&[64])
                .maxshape(&[None])
                .shuffle()
                .deflate(4)
                .create()
        } else if f64_type {
            g.new_dataset::<f64>(name, &[0, cols])
                .chunks(&[8, cols])
                .maxshape(&[None, Some(cols)])
                .create()
        } else {
            g.new_dataset::<i32>(name, &[0, cols])
                .chunks(&[8, cols])
                .maxshape(&[None, Some(cols)])
                .fletcher32()
                .create()
        }
        .expect("dataset");
        self.datasets.insert(path.into(), d);
    }
    fn append(&mut self, path: &str, rows: Val) {
        let d = &self.datasets[path];
        let mut shape = d.shape().expect("shape");
        let per: u64 = shape[1..].iter().product();
        let old = shape[0];
        let n = match &rows {
            Val::F64(v) => v.len() as u64 / per,
            Val::I32(v) => v.len() as u64 / per,
            _ => panic!("numbers only"),
        };
        shape[0] += n;
        d.resize(&shape).expect("resize");
        let mut start = vec![0; shape.len()];
        start[0] = old;
        let mut count = shape.clone();
        count[0] = n;
        let sel = Hyperslab::new(&start, &count, &vec![1; shape.len()]);
        match rows {
            Val::F64(v) => d.write_slice(&sel, &v),
            Val::I32(v) => d.write_slice(&sel, &v),
            _ => unreachable!(),
        }
        .expect("append");
    }
    fn fixed(&mut self, path: &str, shape: &[u64], values: Val) {
        let (parent, name) = split(path);
        let g = self.file.group(parent).expect("group");
        let Val::F64(v) = values else {
            panic!("f64 only")
        };
        let d = g.new_dataset::<f64>(name, shape).create().expect("dataset");
        d.write(&v).expect("write");
    }
    fn soft(&mut self, path: &str, target: &str) {
        let (parent, name) = split(path);
        self.file
            .group(parent)
            .expect("group")
            .link_soft(name, target)
            .expect("soft link");
    }
}

/// The writer loop: never returns. Used by the re-executed test binary and
/// by `examples/kill_writer.rs`.
pub fn child_main(path: &Path, seed: u64) -> ! {
    let file = FileWriter::create(path).expect("create");
    let mut w = Writer {
        file,
        datasets: HashMap::new(),
    };
    let stdout = std::io::stdout();
    for k in 0..100_000u64 {
        step(&mut w, k, seed);
        w.file.flush().expect("flush");
        let mut out = stdout.lock();
        if writeln!(out, "committed {k}")
            .and_then(|_| out.flush())
            .is_err()
        {
            break;
        }
    }
    std::process::exit(0)
}

fn attr_val(a: &vtkhdf::Attribute) -> Result<Val, String> {
    let e = |e: vtkhdf::Error| e.to_string();
    Ok(match vtkhdf::dtype_name(a.dtype()).as_str() {
        "<i8" => Val::I64(a.read().map_err(e)?),
        "<i4" => Val::I32(a.read().map_err(e)?),
        "<f8" => Val::F64(a.read().map_err(e)?),
        _ => Val::Str(a.read_strings().map_err(e)?),
    })
}

fn read_attrs(
    attrs: vtkhdf::Result<Vec<vtkhdf::Result<vtkhdf::Attribute>>>,
) -> Result<BTreeMap<String, Val>, String> {
    let mut out = BTreeMap::new();
    for a in attrs.map_err(|e| e.to_string())? {
        let a = a.map_err(|e| e.to_string())?;
        out.insert(a.name().to_string(), attr_val(&a)?);
    }
    Ok(out)
}

/// Everything the crate's reader finds in the file.
fn read_tree(path: &Path) -> Result<Tree, String> {
    let f = vtkhdf::File::open(path).map_err(|e| format!("open: {e}"))?;
    let mut tree = Tree::new();
    let root = f.root().map_err(|e| e.to_string())?;
    walk(&root, "/", &mut tree)?;
    Ok(tree)
}

fn walk(g: &vtkhdf::Group, path: &str, tree: &mut Tree) -> Result<(), String> {
    tree.insert(path.into(), Obj::Group(read_attrs(g.attrs())?));
    for link in g.links().map_err(|e| format!("{path}: {e}"))? {
        let p = if path == "/" {
            format!("/{}", link.name)
        } else {
            format!("{path}/{}", link.name)
        };
        match &link.target {
            vtkhdf::format::message::link::LinkTarget::Soft { path: t } => {
                tree.insert(p, Obj::Soft(t.clone()));
            }
            _ => match g.get(&link.name).map_err(|e| format!("{p}: {e}"))? {
                vtkhdf::Object::Group(sub) => walk(&sub, &p, tree)?,
                vtkhdf::Object::Dataset(d) => {
                    let e = |e: vtkhdf::Error| format!("{p}: {e}");
                    let v = match vtkhdf::dtype_name(d.dtype()).as_str() {
                        "<i4" => Val::I32(d.read().map_err(e)?),
                        _ => Val::F64(d.read().map_err(e)?),
                    };
                    tree.insert(
                        p,
                        Obj::Dataset(d.shape().to_vec(), v, read_attrs(d.attrs())?),
                    );
                }
                vtkhdf::Object::Datatype(_) => {
                    return Err(format!("{p}: unexpected committed datatype"))
                }
            },
        }
    }
    Ok(())
}

fn first_difference(got: &Tree, want: &Tree) -> String {
    for (p, w) in want {
        match got.get(p) {
            None => return format!("{p} missing"),
            Some(g) if g != w => return format!("{p}: file {g:?}\n  expected {w:?}"),
            _ => {}
        }
    }
    for p in got.keys() {
        if !want.contains_key(p) {
            return format!("{p} not expected");
        }
    }
    "no difference".into()
}

/// One kill: returns the last acknowledged commit and the state found.
fn one_kill(path: &Path, seed: u64, delay: Duration) -> (Option<u64>, Result<Tree, String>) {
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["kill_points", "--exact", "--nocapture", "--test-threads=1"])
        .env("VTKHDF_KILL_CHILD", path)
        .env("VTKHDF_KILL_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut last = None;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // libtest prints "test kill_points ... " without a newline
            // before the test runs, so the first line does not start with it.
            if let Some(k) = line.rfind("committed ") {
                last = line[k + "committed ".len()..].trim().parse::<u64>().ok();
            }
        }
        last
    });
    std::thread::sleep(delay);
    // SIGKILL on unix.
    let _ = child.kill();
    let _ = child.wait();
    let last = reader.join().expect("reader thread");
    (last, read_tree(path))
}

fn refdump_ok(py: &Path, files: &[PathBuf]) -> Result<(), String> {
    let out = Command::new(py)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("tests/refdump.py")
        .args(files)
        .output()
        .map_err(|e| format!("run refdump.py: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().find(|l| l.contains("\"error\"")) {
        Some(l) => Err(l.to_string()),
        None => Ok(()),
    }
}

#[test]
fn kill_points() {
    if let Some(path) = std::env::var_os("VTKHDF_KILL_CHILD") {
        let seed = std::env::var("VTKHDF_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        child_main(Path::new(&path), seed);
    }
    let points: u64 = std::env::var("VTKHDF_KILL_POINTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let py = std::env::var_os("VTKHDF_PYTHON").map(PathBuf::from);
    if py.is_none() {
        eprintln!(
            "kill_points: VTKHDF_PYTHON is unset; the h5py check is skipped (tests/run.sh sets it)"
        );
    }
    let dir = std::env::temp_dir().join(format!("vtkhdf-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut failures = Vec::new();
    let mut batch: Vec<PathBuf> = Vec::new();
    let mut commits = Vec::new();
    let mut unacknowledged = 0;
    for i in 0..points {
        let seed = mix(i, 0x5EED);
        let delay = Duration::from_millis(5 + mix(i, 0xDE1A) % 296);
        let path = dir.join(format!("kill_{i:04}.h5"));
        let (last, found) = one_kill(&path, seed, delay);
        let candidates = match last {
            Some(n) => vec![Some(n), Some(n + 1)],
            None => vec![None, Some(0)],
        };
        match (&found, last) {
            (Err(e), None) => {
                // Killed while the file was being created: nothing was promised.
                unacknowledged += 1;
                let _ = e;
                std::fs::remove_file(&path).ok();
                continue;
            }
            (Err(e), Some(n)) => failures.push(format!(
                "kill {i} (seed {seed}, {delay:?}): commit {n} acknowledged, the crate cannot read {}: {e}",
                path.display()
            )),
            (Ok(tree), _) => {
                if !candidates.iter().any(|c| expected(*c, seed) == *tree) {
                    let want = expected(candidates[0], seed);
                    failures.push(format!(
                        "kill {i} (seed {seed}, {delay:?}): acknowledged {last:?}, {} holds neither it nor the next: {}",
                        path.display(),
                        first_difference(tree, &want)
                    ));
                }
            }
        }
        if let Some(n) = last {
            commits.push(n);
        } else {
            unacknowledged += 1;
        }
        if found.is_ok() {
            batch.push(path.clone());
        }
        if batch.len() >= 25 || i + 1 == points {
            if let Some(py) = &py {
                if refdump_ok(py, &batch).is_err() {
                    for f in &batch {
                        if let Err(e) = refdump_ok(py, std::slice::from_ref(f)) {
                            failures.push(format!("h5py cannot dump {}: {e}", f.display()));
                        }
                    }
                }
            }
            for f in batch.drain(..) {
                // Failing files stay for inspection.
                if !failures.iter().any(|m| m.contains(&*f.to_string_lossy())) {
                    std::fs::remove_file(&f).ok();
                }
            }
        }
    }
    commits.sort_unstable();
    eprintln!(
        "kill_points: {points} kills, {unacknowledged} before the first commit; acknowledged commits min {:?}, median {:?}, max {:?}",
        commits.first(),
        commits.get(commits.len() / 2),
        commits.last()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    std::fs::remove_dir_all(&dir).ok();
}
