//! `vtkhdf repack` over the corpus: for every file the reader reads
//! completely, the repacked file's h5py dump equals the input's reference
//! dump (layout, chunks and filters included); repacked with
//! `--deflate 4 --shuffle`, it equals it except layout, chunks and filters.
//!
//! Needs `VTKHDF_CORPUS` (and `VTKHDF_PYTHON` for h5py; without it the
//! crate's own reader dumps the output). Files that cannot be repacked are
//! listed with their reason in `tests/repack-known-failures.txt`; the test
//! fails when another file fails, and when a listed file passes.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vtkhdf::repack::{repack, RepackOptions};

fn listed(name: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join(name),
    )
    .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect()
}

/// Dumps many files with h5py in one Python process; returns one dump (or
/// error) per file.
fn h5py_dumps(python: &Path, files: &[PathBuf]) -> Vec<Result<String, String>> {
    const DRIVER: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import refdump
out = sys.stdout
d = refdump.Dumper(out)
for f in sys.argv[2:]:
    out.write(json.dumps({"__file__": f}) + "\n")
    try:
        d.dump_file(f)
    except Exception as e:
        out.write(json.dumps({"__error__": str(e)}) + "\n")
"#;
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut cmd = std::process::Command::new(python);
    cmd.arg("-c").arg(DRIVER).arg(&tests);
    cmd.args(files);
    let out = cmd.output().expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut dumps: Vec<Result<String, String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with("{\"__file__\"") {
            dumps.push(Ok(String::new()));
        } else if let Some(rest) = line.strip_prefix("{\"__error__\": ") {
            if let Some(last) = dumps.last_mut() {
                *last = Err(rest.to_string());
            }
        } else if let Some(Ok(d)) = dumps.last_mut() {
            d.push_str(line);
            d.push('\n');
        }
    }
    assert_eq!(dumps.len(), files.len(), "one dump per file");
    dumps
}

fn strip(text: &str, keys: &[&str]) -> String {
    text.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).expect("json line");
            if let Value::Object(m) = &mut v {
                for k in keys {
                    m.remove(*k);
                }
            }
            v.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn repacked_corpus_files_dump_like_their_input() {
    let Some(corpus) = common::corpus_dir() else {
        eprintln!("VTKHDF_CORPUS is not set: repack conformance not run");
        return;
    };
    let python = std::env::var_os("VTKHDF_PYTHON").map(PathBuf::from);
    let unread = listed("conformance-known-differences.txt");
    let known = listed("repack-known-failures.txt");
    let tmp = std::env::temp_dir().join(format!("vtkhdf-repack-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cases: Vec<(String, PathBuf, PathBuf, PathBuf)> = Vec::new();
    let mut failures = Vec::new();
    let mut results: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, file) in common::files_under(&corpus).into_iter().enumerate() {
        let name = file.to_string_lossy().into_owned();
        if !Path::new(&format!("{name}.jsonl")).exists() {
            continue;
        }
        let rel = file
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if unread.contains_key(&rel) {
            continue;
        }
        let plain = tmp.join(format!("{i}.h5"));
        let packed = tmp.join(format!("{i}-deflate.h5"));
        let mut problems = Vec::new();
        if let Err(e) = repack(&file, &plain, &RepackOptions::default(), &mut |_, _| {}) {
            problems.push(format!("repack: {e}"));
        }
        let deflate = RepackOptions {
            deflate: Some(4),
            shuffle: true,
            ..Default::default()
        };
        if let Err(e) = repack(&file, &packed, &deflate, &mut |_, _| {}) {
            problems.push(format!("repack --deflate 4 --shuffle: {e}"));
        }
        if problems.is_empty() {
            cases.push((rel.clone(), file.clone(), plain, packed));
        }
        results.insert(rel, problems);
    }
    let outputs: Vec<PathBuf> = cases
        .iter()
        .flat_map(|c| [c.2.clone(), c.3.clone()])
        .collect();
    let dumps: Vec<Result<String, String>> = match &python {
        Some(py) => h5py_dumps(py, &outputs),
        None => outputs.iter().map(|p| common::dump_file(p)).collect(),
    };
    for (k, (rel, input, _, _)) in cases.iter().enumerate() {
        let reference = std::fs::read_to_string(format!("{}.jsonl", input.display())).unwrap();
        let problems = results.get_mut(rel).unwrap();
        match &dumps[2 * k] {
            Ok(d) => {
                let diffs = common::compare(d, &reference);
                if !diffs.is_empty() {
                    problems.push(format!("repack: {}", diffs[0]));
                }
            }
            Err(e) => problems.push(format!("repacked file does not open: {e}")),
        }
        match &dumps[2 * k + 1] {
            Ok(d) => {
                let keys = ["layout", "chunks", "filters"];
                let diffs = common::compare(&strip(d, &keys), &strip(&reference, &keys));
                if !diffs.is_empty() {
                    problems.push(format!("repack --deflate 4 --shuffle: {}", diffs[0]));
                }
            }
            Err(e) => problems.push(format!("deflated file does not open: {e}")),
        }
    }
    let mut ok = 0;
    for (rel, problems) in &results {
        match (problems.is_empty(), known.get(rel)) {
            (true, None) => ok += 1,
            (true, Some(reason)) => failures.push(format!(
                "{rel}: now repacks; remove it from tests/repack-known-failures.txt (was: {reason})"
            )),
            (false, Some(_)) => {}
            (false, None) => failures.push(format!("{rel}: {}", problems.join("; "))),
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!(
        "repack: {} corpus files, {ok} repack exactly, {} listed as known failures (dumped by {})",
        results.len(),
        known.len(),
        if python.is_some() {
            "h5py"
        } else {
            "this crate"
        }
    );
    if std::env::var_os("VTKHDF_PRINT_DIFFERING").is_some() {
        for (rel, p) in &results {
            if !p.is_empty() {
                eprintln!("FAIL {rel}: {}", p.join("; "));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
