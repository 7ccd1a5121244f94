//! Read-write (`r+`) and append (`a`) modes on existing files, ours and
//! libhdf5's: every object already there reads back unchanged, new and
//! changed objects read as written, and libhdf5 (h5py) agrees.

mod common;

use std::path::{Path, PathBuf};
use vtkhdf::{File, FileWriter, Hyperslab};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/files")
        .join(name)
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vtkhdf-rw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn h5py_agrees(path: &Path) {
    let Some(py) = std::env::var_os("VTKHDF_PYTHON") else {
        eprintln!(
            "VTKHDF_PYTHON is not set: h5py cross-check of {} not run",
            path.display()
        );
        return;
    };
    let out = std::process::Command::new(py)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/refdump.py"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "h5py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = String::from_utf8(out.stdout).unwrap();
    let ours = common::dump_file(path).unwrap();
    let diffs = common::compare(&ours, &theirs);
    assert!(diffs.is_empty(), "{}: {:?}", path.display(), diffs);
}

#[test]
fn adding_to_golden_files_keeps_what_was_there() {
    for name in [
        "layouts_earliest.h5",
        "layouts_v108.h5",
        "layouts_v200.h5",
        "groups_earliest.h5",
        "groups_v200.h5",
        "attrs_earliest.h5",
        "types_v110.h5",
        "misc_userblock.h5",
    ] {
        let path = temp(name);
        std::fs::copy(golden(name), &path).unwrap();
        let before = std::fs::read_to_string(golden(&format!("{name}.jsonl"))).unwrap();
        {
            let f = FileWriter::open_rw(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            let g = f.create_group("/added/inner").unwrap();
            g.set_attr("answer", &[42i32]).unwrap();
            let d = g
                .new_dataset::<f64>("values", &[3, 4])
                .chunks(&[2, 2])
                .deflate(1)
                .create()
                .unwrap();
            d.write(&(0..12).map(f64::from).collect::<Vec<_>>())
                .unwrap();
            f.close().unwrap();
        }
        let after = common::dump_file(&path).unwrap();
        // Every object of the original file dumps as before.
        let theirs = common::parse_lines(&before).unwrap();
        let ours = common::parse_lines(&after).unwrap();
        for (p, v) in &theirs {
            if v.get("error").is_some() {
                continue;
            }
            let o = ours.get(p).unwrap_or_else(|| panic!("{name}: {p} lost"));
            assert!(common::same(o, v), "{name}: {p} changed:\n{o}\n{v}");
        }
        let f = File::open(&path).unwrap();
        let v: Vec<f64> = f.dataset("/added/inner/values").unwrap().read().unwrap();
        assert_eq!(v, (0..12).map(f64::from).collect::<Vec<_>>());
        h5py_agrees(&path);
    }
}

#[test]
fn appending_to_a_resizable_dataset_of_an_existing_file() {
    let path = temp("grow.h5");
    {
        let f = FileWriter::create(&path).unwrap();
        let d = f
            .root()
            .new_dataset::<i32>("series", &[0, 3])
            .maxshape(&[None, Some(3)])
            .chunks(&[4, 3])
            .deflate(4)
            .create()
            .unwrap();
        d.resize(&[2, 3]).unwrap();
        d.write(&[1, 2, 3, 4, 5, 6]).unwrap();
        f.close().unwrap();
    }
    for step in 0..3i32 {
        let reader = File::open(&path).unwrap();
        let n = reader.dataset("/series").unwrap().shape()[0];
        let f = FileWriter::append(&path).unwrap();
        let d = f.dataset("/series").unwrap();
        d.resize(&[n + 2, 3]).unwrap();
        let base = 10 * (step + 1);
        d.write_slice(
            &Hyperslab::new(&[n, 0], &[2, 3], &[1, 1]),
            &[base, base + 1, base + 2, base + 3, base + 4, base + 5],
        )
        .unwrap();
        f.close().unwrap();
    }
    let v: Vec<i32> = File::open(&path)
        .unwrap()
        .dataset("/series")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v.len(), 8 * 3);
    assert_eq!(&v[..6], &[1, 2, 3, 4, 5, 6]);
    assert_eq!(&v[6..9], &[10, 11, 12]);
    assert_eq!(&v[21..], &[33, 34, 35]);
    h5py_agrees(&path);
}

#[test]
fn append_mode_creates_a_missing_file() {
    let path = temp("new-in-append.h5");
    let _ = std::fs::remove_file(&path);
    let f = FileWriter::append(&path).unwrap();
    f.root().set_attr("created", &[1u8]).unwrap();
    f.close().unwrap();
    let v: Vec<u8> = File::open(&path)
        .unwrap()
        .root()
        .unwrap()
        .attr("created")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v, [1]);
    assert!(
        FileWriter::create_new(&path).is_err(),
        "create_new must refuse an existing file"
    );
}

#[test]
fn auto_commit_makes_writes_durable_without_flush() {
    let path = temp("auto.h5");
    let f = FileWriter::create(&path).unwrap();
    f.set_auto_commit(Some(std::time::Duration::ZERO)).unwrap();
    let d = f
        .root()
        .new_dataset::<u32>("x", &[4])
        .chunks(&[2])
        .create()
        .unwrap();
    d.write(&[1u32, 2, 3, 4]).unwrap();
    // Not closed: the file on disk already holds the dataset and its data.
    let v: Vec<u32> = File::open(&path)
        .unwrap()
        .dataset("/x")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v, [1, 2, 3, 4]);
    std::mem::forget(f);
}
