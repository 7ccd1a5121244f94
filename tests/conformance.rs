//! Conformance: `dump --json` over the shared corpus compared with the
//! reference dumps made by h5py, object by object.
//!
//! The corpus folder is given by `VTKHDF_CORPUS` (the README's test command
//! sets it). Files that do not match yet are listed, each with its reason, in
//! `tests/conformance-known-differences.txt`; a difference in any other file
//! fails, and so does a listed file that now matches (so the list only
//! shrinks). Files without a reference dump must end in a dump or a clean
//! error: no panic, no hang.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn known_differences() -> BTreeMap<String, String> {
    let text = include_str!("conformance-known-differences.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect()
}

/// Runs `f` on another thread, failing if it panics or takes too long.
fn guarded<T: Send + 'static>(
    what: &Path,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(Duration::from_secs(300)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(format!("{}: PANIC", what.display())),
        Err(_) => Err(format!(
            "{}: did not finish within 300 s (hang?)",
            what.display()
        )),
    }
}

fn relative(corpus: &Path, p: &Path) -> String {
    p.strip_prefix(corpus)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn corpus_matches_reference_dumps() {
    let Some(corpus) = common::corpus_dir() else {
        eprintln!("VTKHDF_CORPUS is not set: corpus conformance not run (the README's test command sets it)");
        return;
    };
    let known = known_differences();
    let files: Vec<PathBuf> = common::files_under(&corpus)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.ends_with(".jsonl") && !name.ends_with(".md") && !name.ends_with(".txt")
        })
        .collect();
    assert!(!files.is_empty(), "no files found in {}", corpus.display());
    let mut failures = Vec::new();
    let mut matched = 0;
    let mut differing = Vec::new();
    let mut no_reference = 0;
    for file in &files {
        let rel = relative(&corpus, file);
        let reference = PathBuf::from(format!("{}.jsonl", file.display()));
        let path = file.clone();
        let ours = match guarded(file, move || common::dump_file(&path)) {
            Ok(r) => r,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if !reference.exists() {
            // Only a clean error or a dump is expected.
            no_reference += 1;
            continue;
        }
        let reference = std::fs::read_to_string(&reference).expect("reference dump readable");
        let diffs = match ours {
            Ok(text) => common::compare(&text, &reference),
            Err(e) => vec![format!("whole file failed: {e}")],
        };
        if diffs.is_empty() {
            matched += 1;
            if let Some(reason) = known.get(&rel) {
                failures.push(format!(
                    "{rel}: now matches its reference; remove it from tests/conformance-known-differences.txt (was: {reason})"
                ));
            }
        } else {
            differing.push(rel.clone());
            if !known.contains_key(&rel) {
                let shown: Vec<&String> = diffs.iter().take(5).collect();
                failures.push(format!(
                    "{rel}: {} difference(s), e.g.\n    {}",
                    diffs.len(),
                    shown
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("\n    ")
                ));
            }
        }
    }
    for k in known.keys() {
        if !files.iter().any(|f| relative(&corpus, f) == *k) {
            failures.push(format!(
                "{k}: listed as a known difference but not in the corpus"
            ));
        }
    }
    eprintln!(
        "corpus: {} files, {matched} match their reference, {} differ ({} listed), {no_reference} without reference ended cleanly",
        files.len(),
        differing.len(),
        known.len()
    );
    if std::env::var_os("VTKHDF_PRINT_DIFFERING").is_some() {
        for d in &differing {
            eprintln!("differs: {d}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
