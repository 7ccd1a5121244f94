//! Golden files: small files written by h5py (`tests/golden/make_golden.py`)
//! covering every structure the reader supports, at every `libver` setting,
//! with their expected canonical dumps made by `tests/refdump.py`. This test
//! needs no Python: it compares the library's dump with the committed ones.

mod common;

use std::path::Path;

#[test]
fn golden_files_match_their_dumps() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/files");
    let files: Vec<_> = common::files_under(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "h5"))
        .collect();
    assert!(
        files.len() >= 20,
        "expected the golden files in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for f in &files {
        let reference = std::fs::read_to_string(format!("{}.jsonl", f.display()))
            .unwrap_or_else(|e| panic!("{}: no expected dump: {e}", f.display()));
        let diffs = match common::dump_file(f) {
            Ok(ours) => common::compare(&ours, &reference),
            Err(e) => vec![format!("whole file failed: {e}")],
        };
        if !diffs.is_empty() {
            failures.push(format!(
                "{}:\n    {}",
                f.file_name().unwrap().to_string_lossy(),
                diffs
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    eprintln!("golden: {} files, {} differ", files.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
