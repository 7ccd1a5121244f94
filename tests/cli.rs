//! The `vtkhdf` command: every subcommand on real files, and errors on bad
//! input go to stderr with a non-zero exit code, never a panic (101).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vtkhdf"))
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/files")
        .join(name)
}

#[test]
fn dump_prints_the_golden_dump() {
    let f = golden("layouts_v200.h5");
    let out = bin().args(["dump", "--json"]).arg(&f).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = std::fs::read_to_string(format!("{}.jsonl", f.display())).unwrap();
    let ours = String::from_utf8(out.stdout).unwrap();
    assert_eq!(ours.lines().count(), expected.lines().count());
}

#[test]
fn ls_lists_every_object() {
    let out = bin()
        .arg("ls")
        .arg(golden("groups_earliest.h5"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().next().unwrap().starts_with("/ group"));
    assert!(text.lines().count() > 10);
}

#[test]
fn repack_then_dump_gives_the_same_values() {
    let out_path = std::env::temp_dir().join(format!("vtkhdf-cli-{}.h5", std::process::id()));
    let st = bin()
        .arg("repack")
        .arg(golden("layouts_earliest.h5"))
        .arg(&out_path)
        .args(["--deflate", "4", "--shuffle"])
        .status()
        .unwrap();
    assert!(st.success());
    let a = bin()
        .args(["dump", "--json"])
        .arg(golden("layouts_earliest.h5"))
        .output()
        .unwrap();
    let b = bin()
        .args(["dump", "--json"])
        .arg(&out_path)
        .output()
        .unwrap();
    let digests = |o: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(o)
            .lines()
            .filter_map(|l| {
                l.split("\"digest\": ")
                    .nth(1)
                    .map(|d| d[..20.min(d.len())].to_string())
            })
            .collect()
    };
    assert_eq!(digests(&a.stdout), digests(&b.stdout));
    let _ = std::fs::remove_file(out_path);
}

fn sample_image(path: &std::path::Path) -> vtkhdf::vtk::image::ImageData {
    use vtkhdf::vtk::array::{Array, StoreOptions, Values};
    use vtkhdf::vtk::image::ImageData;
    let mut im = ImageData::new([3, 2, 2], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]);
    im.point_data = vec![Array::new(
        "T",
        1,
        Values::F32((0..12).map(|v| v as f32).collect()),
    )];
    im.cell_data = vec![Array::new("C", 2, Values::I16(vec![-4, 4, 7, 9]))];
    let f = vtkhdf::FileWriter::create(path).unwrap();
    vtkhdf::vtk::image::write_file(
        &f,
        &vtkhdf::vtk::Series::single(im.clone()),
        &StoreOptions::default(),
    )
    .unwrap();
    f.close().unwrap();
    im
}

#[test]
fn info_summarises_vtkhdf_and_refuses_plain_hdf5() {
    let dir = std::env::temp_dir().join(format!("vtkhdf-cli-info-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("image.vtkhdf");
    sample_image(&path);
    let out = bin().arg("info").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "VTKHDF ImageData version 2.0",
        "WholeExtent: [0, 2, 0, 1, 0, 1]",
        "Origin: [1.0, 2.0, 3.0]",
        "T float32 x1 12 tuples range [0, 11]",
        "C int16 x2 2 tuples range [-4, 9]",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    let out = bin()
        .arg("info")
        .arg(golden("layouts_v200.h5"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a VTKHDF file"));
}

#[test]
fn convert_rewrites_through_the_model_and_leaves_nothing_on_failure() {
    let dir = std::env::temp_dir().join(format!("vtkhdf-cli-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("image.vtkhdf");
    let want = sample_image(&src);
    let dst = dir.join("copy.vtkhdf");
    let out = bin()
        .args(["convert"])
        .arg(&src)
        .arg(&dst)
        .args(["--deflate", "6", "--shuffle", "--chunk-size", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = vtkhdf::File::open(&dst).unwrap();
    let got = vtkhdf::vtk::image::read_file(&f).unwrap();
    assert_eq!(got.steps, vec![want]);
    let t = f.dataset("/VTKHDF/PointData/T").unwrap();
    assert_eq!(t.chunks(), Some(vec![1, 2, 3]));
    assert_eq!(t.filters().len(), 2, "shuffle + deflate");

    // A bad option or an unreadable input: an error, no output file.
    let bad = dir.join("bad.vtkhdf");
    for args in [
        vec![
            src.display().to_string(),
            bad.display().to_string(),
            "--deflate".into(),
            "12".into(),
        ],
        vec![
            golden("layouts_v200.h5").display().to_string(),
            bad.display().to_string(),
        ],
        vec![src.display().to_string()],
    ] {
        let out = bin().arg("convert").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
        assert!(!bad.exists(), "{args:?} left {}", bad.display());
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_input_is_a_clean_error() {
    let dir = std::env::temp_dir().join(format!("vtkhdf-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.h5");
    std::fs::write(&junk, b"this is not an HDF5 file at all").unwrap();
    let truncated = dir.join("truncated.h5");
    let bytes = std::fs::read(golden("attrs_v110.h5")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    for args in [
        vec![
            "dump".to_string(),
            "--json".into(),
            junk.display().to_string(),
        ],
        vec![
            "dump".into(),
            "--json".into(),
            truncated.display().to_string(),
        ],
        vec!["ls".into(), truncated.display().to_string()],
        vec!["ls".into(), "/no/such/file.h5".into()],
        vec![
            "repack".into(),
            truncated.display().to_string(),
            dir.join("o.h5").display().to_string(),
        ],
        vec!["frobnicate".into()],
    ] {
        let out = bin().args(&args).output().unwrap();
        let code = out.status.code();
        assert!(
            code == Some(1) || code == Some(2),
            "{args:?}: exit {code:?}"
        );
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{args:?}"
        );
    }
}
