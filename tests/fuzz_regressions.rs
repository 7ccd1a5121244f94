//! Every input a fuzz target ever crashed, hung or ran out of memory on,
//! replayed through the same entry point under plain `cargo test`.
//!
//! The inputs live in `tests/fuzz_regressions/`, named
//! `<target>-<short-name>.bin`; the prefix picks the entry point in
//! `fuzz/src/lib.rs`, which the fuzz targets themselves call. Each must end
//! without a panic and within a few seconds.
//!
//! The fuzz build skips metadata checksums (`cfg(fuzzing)`); this one does
//! not, so an input that crashed behind a checksum has had its checksums
//! fixed before it was saved here. To replay the folder the way the fuzzer
//! saw it: `RUSTFLAGS="--cfg fuzzing" cargo test --release --test fuzz_regressions`.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous for a debug build; the fuzzer's own timeout is 10 s in release.
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn regression_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
}

fn entry_point(name: &str) -> Option<fn(&[u8])> {
    let target = name.split_once('-')?.0;
    Some(match target {
        "open_dump" => harness::open_dump,
        "superblock" => harness::superblock,
        "object_header" => harness::object_header,
        "messages" => harness::messages,
        "filters" => harness::filters,
        _ => return None,
    })
}

/// Set in a child process to the one regression file it replays.
const ONE_FILE: &str = "VTKHDF_FUZZ_REGRESSION_FILE";

/// Replays every file in a child process of this test binary, so that an
/// abort (a failed huge allocation does not unwind) or a hang in one file is
/// reported without hiding the others.
#[test]
fn fuzz_regressions_do_not_panic_or_hang() {
    let exe = std::env::current_exe().expect("test binary path");
    let mut failures = Vec::new();
    for path in regression_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if entry_point(&name).is_none() {
            failures.push(format!("{name}: no fuzz target matches the name's prefix"));
            continue;
        }
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "replay_one_file",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ONE_FILE, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the test binary");
        // Drained on a thread so that a chatty child cannot fill the pipe.
        let mut pipe = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the child") {
                break Some(status);
            }
            if start.elapsed() > TIME_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        match status {
            Some(status) if status.success() => {}
            Some(status) => {
                let text = stderr.join().unwrap_or_default();
                let cause = text
                    .lines()
                    .filter(|l| l.contains("panicked") || l.contains("memory allocation"))
                    .collect::<Vec<_>>()
                    .join(" / ");
                failures.push(format!("{name}: {status}: {cause}"));
            }
            None => failures.push(format!("{name}: still running after {TIME_LIMIT:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The child's half of [`fuzz_regressions_do_not_panic_or_hang`]; does
/// nothing when run on its own.
#[test]
fn replay_one_file() {
    let Some(path) = std::env::var_os(ONE_FILE) else {
        return;
    };
    let path = PathBuf::from(path);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let run = entry_point(&name).expect("a known target prefix");
    let bytes = std::fs::read(&path).expect("read regression file");
    run(&bytes);
}

#[test]
fn every_target_has_an_entry_point() {
    for target in [
        "open_dump",
        "superblock",
        "object_header",
        "messages",
        "filters",
    ] {
        assert!(
            entry_point(&format!("{target}-x.bin")).is_some(),
            "{target}"
        );
    }
}
