//! Round trip VTK -> crate -> VTK: every VTKHDF file VTK wrote (the corpus's
//! `vtkhdf/vtk/`, the `vtkhdf/h5py/` files VTK reads, and random files
//! written by VTK's `vtkHDFWriter` through `tests/vtk_random_files.py`) is
//! read into the crate's data model, written back by the crate, and both
//! files are read by VTK's `vtkHDFReader` (`tests/vtk_dump.py`): VTK must
//! build the same data from both.
//!
//! Files where VTK's reader is known to read the original wrongly are
//! listed with the reason in `tests/vtk-roundtrip-known-differences.txt`;
//! the test checks that they still differ, so the list stays true.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vtkhdf::vtk::array::StoreOptions;
use vtkhdf::vtk::data::{read_file, write_file};
use vtkhdf::{File, FileWriter};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    let dir = std::env::var_os("VTKHDF_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"));
    assert!(
        dir.join("vtkhdf").is_dir(),
        "corpus not found at {} (set VTKHDF_CORPUS)",
        dir.display()
    );
    dir
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "VTKHDF_PYTHON is unset and {} does not exist (run tests/run.sh)",
        venv.display()
    );
    venv
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vtkhdf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// VTK's view of a file (None when VTK cannot read it).
fn vtk_dump(file: &Path) -> Result<Value, String> {
    let out = Command::new(python())
        .arg(root().join("tests/vtk_dump.py"))
        .arg(file)
        .output()
        .expect("run python");
    if !out.status.success() {
        return Err(format!(
            "VTK cannot read {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("")).map_err(|e| format!("{e}: {text}"))
}

/// The first place two JSON values differ.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = first_difference(u, v, &format!("{path}/{k}")) {
                            return Some(d);
                        }
                    }
                    (u, v) => return Some(format!("{path}/{k}: {u:?} vs {v:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} vs {} entries", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (u, v))| first_difference(u, v, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

/// Reads `src` with the crate, writes it to `dst`.
fn copy_through_model(src: &Path, dst: &Path) -> Result<(), String> {
    let f = File::open(src).map_err(|e| format!("open {}: {e}", src.display()))?;
    let data = read_file(&f).map_err(|e| format!("read {}: {e}", src.display()))?;
    let w = FileWriter::create(dst).map_err(|e| e.to_string())?;
    write_file(&w, &data, &StoreOptions::default())
        .map_err(|e| format!("write {}: {e}", dst.display()))?;
    w.close().map_err(|e| e.to_string())
}

/// Round-trips every file; returns (file name, problem) for each failure.
fn round_trip_all(files: &[PathBuf], out: &Path) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    for src in files {
        let name = src.file_name().unwrap().to_string_lossy().to_string();
        let dst = out.join(&name);
        if let Err(e) = copy_through_model(src, &dst) {
            problems.insert(name, e);
            continue;
        }
        let a = match vtk_dump(src) {
            Ok(v) => v,
            Err(e) => {
                problems.insert(name, format!("original: {e}"));
                continue;
            }
        };
        match vtk_dump(&dst) {
            Ok(b) => {
                if let Some(d) = first_difference(&a, &b, "") {
                    problems.insert(name, format!("VTK reads different data: {d}"));
                }
            }
            Err(e) => {
                problems.insert(name, format!("copy: {e}"));
            }
        }
    }
    problems
}

fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("tests/vtk-roundtrip-known-differences.txt"))
        .expect("tests/vtk-roundtrip-known-differences.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (f, why) = l.split_once(' ').unwrap_or((l, ""));
            (f.to_string(), why.trim().to_string())
        })
        .collect()
}

fn vtkhdf_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "vtkhdf"))
        .collect();
    v.sort();
    v
}

fn check(problems: BTreeMap<String, String>, files: &[PathBuf]) {
    let known = known_differences();
    let mut report = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        match (problems.get(&name), known.get(&name)) {
            (Some(p), None) => report.push(format!("{name}: {p}")),
            (None, Some(_)) => report.push(format!(
                "{name}: listed as a known difference but round-trips exactly; remove it from the list"
            )),
            _ => {}
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} files:\n{}",
        report.len(),
        files.len(),
        report.join("\n")
    );
}

#[test]
fn corpus_vtk_files_round_trip() {
    let dir = corpus().join("vtkhdf/vtk");
    let files = vtkhdf_files(&dir);
    assert!(files.len() >= 40, "expected the VTK-written corpus files");
    let out = temp_dir("roundtrip-vtk");
    let problems = round_trip_all(&files, &out);
    check(problems, &files);
}

#[test]
fn corpus_h5py_files_vtk_reads_round_trip() {
    let dir = corpus().join("vtkhdf/h5py");
    let verdicts = std::fs::read_to_string(dir.join("vtk-verdicts.txt")).unwrap();
    let files: Vec<PathBuf> = verdicts
        .lines()
        .filter_map(|l| l.strip_prefix("OK "))
        .map(|n| dir.join(n.trim()))
        .collect();
    assert!(files.len() >= 30);
    let out = temp_dir("roundtrip-h5py");
    let problems = round_trip_all(&files, &out);
    check(problems, &files);
}

#[test]
fn random_vtk_written_files_round_trip() {
    let dir = temp_dir("roundtrip-random-src");
    let out = Command::new(python())
        .arg(root().join("tests/vtk_random_files.py"))
        .arg(&dir)
        .args(["11", "12", "13"])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "vtk_random_files.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = vtkhdf_files(&dir);
    assert!(files.len() >= 3 * 18, "{} files generated", files.len());
    let copies = temp_dir("roundtrip-random-out");
    let problems = round_trip_all(&files, &copies);
    let report: Vec<String> = problems.iter().map(|(f, p)| format!("{f}: {p}")).collect();
    assert!(
        report.is_empty(),
        "{} of {} random files:\n{}",
        report.len(),
        files.len(),
        report.join("\n")
    );
}
