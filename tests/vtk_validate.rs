//! `vtkhdf::vtk::validate` and `vtkhdf validate`:
//!
//! * every corpus file VTK 9.7.2 fails on is flagged with its specific
//!   reason, every file it reads passes;
//! * with Python + VTK (`VTKHDF_PYTHON`, else `.venv/bin/python`), VTK's own
//!   `vtkHDFReader` agrees with the pass/fail of every corpus file, and its
//!   error text is the one quoted in the findings;
//! * files written here break one rule each and get the matching finding;
//! * the command line's output format and exit status.
//!
//! The corpus folder is `VTKHDF_CORPUS`, default `../shared/corpus`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use vtkhdf::format::message::datatype::{ByteOrder, Datatype, DatatypeClass};
use vtkhdf::vtk::validate::{validate, Report, Severity};
use vtkhdf::{FileWriter, GroupWriter, H5Type, Hyperslab};

// ---------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------

fn corpus() -> PathBuf {
    let dir = match std::env::var_os("VTKHDF_CORPUS") {
        Some(c) => PathBuf::from(c),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    assert!(
        dir.join("vtkhdf/h5py/vtk-verdicts.txt").is_file(),
        "VTKHDF corpus not found at {} (set VTKHDF_CORPUS)",
        dir.display()
    );
    dir
}

/// `vtk-verdicts.txt`: file name -> true when VTK reads it.
fn verdicts() -> BTreeMap<String, bool> {
    let text = std::fs::read_to_string(corpus().join("vtkhdf/h5py/vtk-verdicts.txt"))
        .expect("vtk-verdicts.txt");
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let verdict = w.next()?;
            let name = w.next()?;
            Some((name.to_string(), verdict == "OK"))
        })
        .collect()
}

/// Files VTK fails on: (file, text every expected finding has, the text of
/// VTK's own error output that the finding quotes, when VTK prints one).
const FAILING: &[(&str, &str, Option<&str>)] = &[
    (
        "h5py/amr_temporal_v2_2_names_but_v2_3.vtkhdf",
        "if and only if Version is [2, 2]",
        Some("No NumberOfAMRBoxes dataset at Steps/Level0"),
    ),
    ("h5py/image_lzf.vtkhdf", "lzf filter", Some("Error H5Dread")),
    (
        "h5py/image_no_direction.vtkhdf",
        "attribute Direction is missing",
        Some("Direction attribute not found"),
    ),
    (
        "h5py/image_no_version.vtkhdf",
        "attribute Version is missing",
        Some("Version attribute not found"),
    ),
    (
        "h5py/image_spacepad_type.vtkhdf",
        "space-padded",
        Some("Unknown data set type: ImageData"),
    ),
    (
        "h5py/mixed_temporal_temporal_first_MultiBlockDataSet.vtkhdf",
        "mixes temporal and static blocks",
        Some("Expected TIME_STEPS key for temporal data"),
    ),
    (
        "h5py/mixed_temporal_temporal_first_PartitionedDataSetCollection.vtkhdf",
        "mixes temporal and static blocks",
        Some("Expected TIME_STEPS key for temporal data"),
    ),
    (
        "h5py/mixed_temporal_temporal_last_MultiBlockDataSet.vtkhdf",
        "mixes temporal and static blocks",
        Some("Cannot open Steps/PartOffsets"),
    ),
    (
        "h5py/mixed_temporal_temporal_last_PartitionedDataSetCollection.vtkhdf",
        "mixes temporal and static blocks",
        Some("Cannot open Steps/PartOffsets"),
    ),
    ("h5py/pdc_null_block.vtkhdf", "null block", None),
    (
        "h5py/polydata_empty_topos_offsets_0.vtkhdf",
        "an empty topology still needs Offsets = [0]",
        Some("Cannot read the Offsets array for Vertices"),
    ),
    (
        "h5py/polydata_only_polygons_group.vtkhdf",
        "needs all four topology groups",
        Some("Cannot open Vertices/NumberOfCells"),
    ),
    (
        "h5py/table_with_strings.vtkhdf",
        "string column",
        Some("Unknown native datatype"),
    ),
    (
        "h5py/tug_static_no_nparts.vtkhdf",
        "Steps/NumberOfParts is missing",
        None,
    ),
    (
        "h5py/ug_points_2comp.vtkhdf",
        "Points must have shape (n, 3)",
        Some("Number of components is different...can't set data"),
    ),
    (
        "h5py/ug_types_i64.vtkhdf",
        "Types must be uint8, found int64",
        Some("Error: The Types array element is not unsigned char."),
    ),
    (
        "h5py/ug_types_i8.vtkhdf",
        "Types must be uint8, found int8",
        Some("Error: The Types array element is not unsigned char."),
    ),
    // Not in the verdict list: VTK aborts or crashes on these.
    (
        "h5py/pdc_no_track_order.vtkhdf",
        "does not track link creation order",
        None,
    ),
    (
        "h5py/ug_fieldstring_fixed.vtkhdf",
        "segmentation fault",
        None,
    ),
    (
        "h5py/ug_fieldstring_vlen_utf8.vtkhdf",
        "segmentation fault",
        Some("no appropriate function for conversion path"),
    ),
    // Written by VTK 9.7.2, which cannot read it back (the writer does not
    // pad the point arrays of a part without them).
    (
        "vtk/ug_2parts_first_without_cells.vtkhdf",
        "An array must cover every part",
        Some("selection + offset not within extent"),
    ),
];

fn failing(rel: &str) -> Option<&'static (&'static str, &'static str, Option<&'static str>)> {
    FAILING.iter().find(|(f, _, _)| *f == rel)
}

/// Every `.vtkhdf` of the corpus, as paths relative to `vtkhdf/`.
fn corpus_files() -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["h5py", "vtk"] {
        let dir = corpus().join("vtkhdf").join(sub);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".vtkhdf"))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| format!("{sub}/{n}")));
    }
    out
}

fn check(path: &Path) -> Report {
    validate(path).unwrap_or_else(|e| panic!("{}: cannot open: {e}", path.display()))
}

fn show(r: &Report) -> String {
    r.to_text()
}

#[test]
fn verdict_list_and_expectations_agree() {
    let v = verdicts();
    assert!(v.len() >= 50, "verdict list too short");
    for (name, ok) in &v {
        let rel = format!("h5py/{name}");
        assert_eq!(
            !ok,
            failing(&rel).is_some(),
            "{rel}: verdict {} but the expectation table says otherwise",
            if *ok { "OK" } else { "FAIL" }
        );
    }
}

#[test]
fn corpus_failures_are_flagged_with_their_reason() {
    let root = corpus().join("vtkhdf");
    for (rel, reason, vtk) in FAILING {
        let r = check(&root.join(rel));
        assert!(!r.passed(), "{rel}: expected to fail:\n{}", show(&r));
        let hit = r.errors().find(|f| f.message.contains(reason));
        let hit =
            hit.unwrap_or_else(|| panic!("{rel}: no error mentioning {reason:?}:\n{}", show(&r)));
        assert!(!hit.fix.is_empty() && !hit.path.is_empty());
        if let Some(q) = vtk {
            assert!(
                r.errors().any(|f| f.message.contains(q)),
                "{rel}: no error quotes VTK's {q:?}:\n{}",
                show(&r)
            );
        }
    }
}

#[test]
fn corpus_files_vtk_reads_pass() {
    let root = corpus().join("vtkhdf");
    let files = corpus_files();
    assert!(
        files.len() >= 90,
        "corpus incomplete: {} files",
        files.len()
    );
    let mut passed = 0;
    for rel in &files {
        if failing(rel).is_some() {
            continue;
        }
        let r = check(&root.join(rel));
        assert!(r.passed(), "{rel}: expected to pass:\n{}", show(&r));
        passed += 1;
    }
    assert!(passed >= 70);
}

#[test]
fn corpus_warnings() {
    let root = corpus().join("vtkhdf");
    let expect = [
        ("h5py/image_offset_extent.vtkhdf", "does not start at 0"),
        ("vtk/image_nonzero_extent.vtkhdf", "does not start at 0"),
        ("h5py/image_vlen_utf8_type.vtkhdf", "variable-length UTF-8"),
        ("h5py/image_version_3_0.vtkhdf", "newer than"),
        ("h5py/mb_no_track_order.vtkhdf", "empty multiblock"),
        ("h5py/image_2d_y_flat.vtkhdf", "drops a flat axis"),
        ("vtk/temporal_pd_verts_appear.vtkhdf", "reader bug"),
    ];
    for (rel, text) in expect {
        let r = check(&root.join(rel));
        assert!(r.passed(), "{rel}:\n{}", show(&r));
        assert!(
            r.warnings().any(|f| f.message.contains(text)),
            "{rel}: no warning mentioning {text:?}:\n{}",
            show(&r)
        );
    }
    // VTK's own output draws no warning beyond the ones above.
    for rel in [
        "vtk/unstructured.vtkhdf",
        "vtk/pdc.vtkhdf",
        "vtk/htg.vtkhdf",
    ] {
        let r = check(&root.join(rel));
        assert!(r.findings.is_empty(), "{rel}:\n{}", show(&r));
    }
}

// ---------------------------------------------------------------------------
// VTK itself
// ---------------------------------------------------------------------------

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.is_file(),
        "VTKHDF_PYTHON is unset and {} does not exist: a Python with vtk is needed",
        venv.display()
    );
    venv
}

/// VTK's outcome per file (tests/vtk_read_errors.py).
fn vtk_outcomes(files: &[PathBuf]) -> BTreeMap<String, Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vtk_read_errors.py");
    let out = Command::new(python())
        .arg(&script)
        .args(files)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "vtk_read_errors.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            (v["file"].as_str().unwrap_or_default().to_string(), v)
        })
        .collect()
}

#[test]
fn vtk_agrees_on_every_corpus_file() {
    let root = corpus().join("vtkhdf");
    let files = corpus_files();
    let paths: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
    let outcomes = vtk_outcomes(&paths);
    let verdicts = verdicts();
    let mut disagree = Vec::new();
    for rel in &files {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let o = outcomes
            .get(name)
            .unwrap_or_else(|| panic!("{rel}: no VTK outcome"));
        let vtk_ok = o["ok"].as_bool().unwrap_or(false);
        let r = check(&root.join(rel));
        if vtk_ok != r.passed() {
            disagree.push(format!(
                "{rel}: VTK {} ({}), validator {}",
                if vtk_ok { "reads it" } else { "fails" },
                o,
                r.summary()
            ));
        }
        if rel.starts_with("h5py/") {
            if let Some(v) = verdicts.get(name) {
                assert_eq!(*v, vtk_ok, "{rel}: vtk-verdicts.txt is stale ({o})");
            }
        }
        // The quoted VTK text is what VTK prints.
        if let Some((_, _, Some(q))) = failing(rel) {
            let text = format!("{} {}", o["errors"], o["hdf5"]);
            assert!(
                text.contains(q),
                "{rel}: VTK's output no longer contains {q:?}: {o}"
            );
        }
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

// ---------------------------------------------------------------------------
// Hand-made files
// ---------------------------------------------------------------------------

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vtkhdf-validate-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d.join(name)
}

fn ds<T: H5Type>(g: &GroupWriter, name: &str, shape: &[u64], data: &[T]) {
    g.new_dataset::<T>(name, shape)
        .create()
        .expect("create dataset")
        .write(data)
        .expect("write dataset");
}

fn root(f: &FileWriter, t: &str) -> GroupWriter {
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[2i64, 8]).unwrap();
    r.set_attr_str("Type", t).unwrap();
    r
}

/// The unstructured grid of `ug_i64_default` (a hexahedron and a triangle).
struct Ug {
    points: u64,
    conn: Vec<i64>,
    offsets: Vec<i64>,
    types: Vec<u8>,
    n_conn: i64,
}

impl Default for Ug {
    fn default() -> Self {
        Ug {
            points: 10,
            conn: vec![0, 1, 2, 3, 4, 5, 6, 7, 1, 8, 9],
            offsets: vec![0, 8, 11],
            types: vec![12, 5],
            n_conn: 11,
        }
    }
}

fn write_ug(g: &GroupWriter, u: &Ug) {
    let pts: Vec<f64> = (0..u.points * 3).map(|i| i as f64).collect();
    ds(g, "Points", &[u.points, 3], &pts);
    ds(g, "NumberOfPoints", &[1], &[u.points as i64]);
    ds(g, "NumberOfCells", &[1], &[u.types.len() as i64]);
    ds(g, "NumberOfConnectivityIds", &[1], &[u.n_conn]);
    ds(g, "Connectivity", &[u.conn.len() as u64], &u.conn);
    ds(g, "Offsets", &[u.offsets.len() as u64], &u.offsets);
    ds(g, "Types", &[u.types.len() as u64], &u.types);
}

fn ug_file(name: &str, u: &Ug, extra: impl FnOnce(&GroupWriter)) -> PathBuf {
    let p = temp(name);
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "UnstructuredGrid");
    write_ug(&r, u);
    extra(&r);
    f.close().unwrap();
    p
}

/// The file has an error at `path` whose message contains `text`.
fn expect_error(p: &Path, path: &str, text: &str) -> Report {
    let r = check(p);
    assert!(
        r.errors()
            .any(|f| f.path == path && f.message.contains(text)),
        "{}: no error at {path} mentioning {text:?}:\n{}",
        p.display(),
        show(&r)
    );
    r
}

fn expect_warning(p: &Path, path: &str, text: &str) -> Report {
    let r = check(p);
    assert!(
        r.findings
            .iter()
            .any(|f| f.severity == Severity::Warning && f.path == path && f.message.contains(text)),
        "{}: no warning at {path} mentioning {text:?}:\n{}",
        p.display(),
        show(&r)
    );
    r
}

#[test]
fn handmade_valid_ug_passes() {
    let p = ug_file("ok.vtkhdf", &Ug::default(), |_| {});
    let r = check(&p);
    assert!(r.findings.is_empty(), "{}", show(&r));
}

#[test]
fn handmade_connectivity_out_of_range() {
    let u = Ug {
        conn: vec![0, 1, 2, 3, 4, 5, 6, 7, 1, 8, 10],
        ..Ug::default()
    };
    let p = ug_file("conn_range.vtkhdf", &u, |_| {});
    expect_error(
        &p,
        "/VTKHDF/Connectivity",
        "point id 10 is out of range [0, 10)",
    );
}

#[test]
fn handmade_offsets_inconsistent() {
    let u = Ug {
        offsets: vec![0, 8, 12],
        ..Ug::default()
    };
    let p = ug_file("offsets_last.vtkhdf", &u, |_| {});
    expect_error(&p, "/VTKHDF/Offsets", "NumberOfConnectivityIds is 11");

    let u = Ug {
        offsets: vec![0, 8],
        ..Ug::default()
    };
    let p = ug_file("offsets_short.vtkhdf", &u, |_| {});
    expect_error(&p, "/VTKHDF/Offsets", "NumberOfCells + 1 offsets");

    let u = Ug {
        offsets: vec![1, 8, 11],
        ..Ug::default()
    };
    let p = ug_file("offsets_start.vtkhdf", &u, |_| {});
    expect_error(&p, "/VTKHDF/Offsets", "instead of 0");
}

#[test]
fn handmade_cell_types() {
    let u = Ug {
        types: vec![12, 99],
        ..Ug::default()
    };
    let p = ug_file("types_value.vtkhdf", &u, |_| {});
    expect_error(&p, "/VTKHDF/Types", "99 is not a VTK cell type");

    let u = Ug {
        types: vec![10, 5],
        ..Ug::default()
    };
    let p = ug_file("types_size.vtkhdf", &u, |_| {});
    expect_error(
        &p,
        "/VTKHDF/Types",
        "type 10 has 4 points but its offsets give 8",
    );

    let u = Ug {
        types: vec![42, 5],
        ..Ug::default()
    };
    let p = ug_file("types_polyhedron.vtkhdf", &u, |_| {});
    expect_error(
        &p,
        "/VTKHDF/Types",
        "type 42 (polyhedron) need FaceConnectivity",
    );
}

#[test]
fn handmade_arrays() {
    let p = ug_file("arrays.vtkhdf", &Ug::default(), |r| {
        let pd = r.create_group("PointData").unwrap();
        ds(&pd, "short", &[9], &[0f32; 9]);
        ds(&pd, "Name.With.Dots", &[10], &[0f32; 10]);
        let a = pd.new_dataset::<f64>("attr", &[10, 3]).create().unwrap();
        a.write(&[0f64; 30]).unwrap();
        a.set_attr_str("Attribute", "Vectorz").unwrap();
        let ok = pd.new_dataset::<f64>("normals", &[10, 3]).create().unwrap();
        ok.write(&[0f64; 30]).unwrap();
        ok.set_attr_str("Attribute", "NORMALS").unwrap();
        // float16: an IEEE half type written as raw bytes.
        let half = Datatype {
            size: 2,
            class: DatatypeClass::FloatingPoint {
                order: ByteOrder::Little,
                sign_location: 15,
                bit_offset: 0,
                precision: 16,
                exponent_location: 10,
                exponent_size: 5,
                mantissa_location: 0,
                mantissa_size: 10,
                exponent_bias: 15,
            },
        };
        let h = pd.new_dataset_typed("half", half, &[10]).create().unwrap();
        h.write_raw_slice(&Hyperslab::all(&[10]), &[0u8; 20])
            .unwrap();
        let cd = r.create_group("CellData").unwrap();
        ds(&cd, "cube", &[2, 3, 4], &[0i32; 24]);
        ds(&cd, "long", &[3], &[0i32; 3]);
        let fd = r.create_group("FieldData").unwrap();
        fd.write_vlen_strings("names", &["a", "b"]).unwrap();
    });
    let r = expect_error(&p, "/VTKHDF/PointData/short", "array has 9 tuples");
    assert!(r
        .errors()
        .any(|f| f.path == "/VTKHDF/PointData/attr"
            && f.message.contains("\"Vectorz\" is not one of")));
    assert!(!r
        .findings
        .iter()
        .any(|f| f.path == "/VTKHDF/PointData/normals"));
    assert!(r
        .errors()
        .any(|f| f.path == "/VTKHDF/PointData/half" && f.message.contains("float16")));
    assert!(r
        .errors()
        .any(|f| f.path == "/VTKHDF/CellData/cube" && f.message.contains("(tuples, components)")));
    assert!(r
        .warnings()
        .any(|f| f.path == "/VTKHDF/CellData/long" && f.message.contains("more than the 2")));
    assert!(r
        .warnings()
        .any(|f| f.path == "/VTKHDF/PointData/Name.With.Dots" && f.message.contains("'/' or '.'")));
    assert!(r
        .errors()
        .any(|f| f.path == "/VTKHDF/FieldData/names" && f.message.contains("UTF-8")));
}

/// A temporal UG with the mesh stored once and three steps.
fn temporal_ug(name: &str, nparts: bool, offsets_len: usize) -> PathBuf {
    ug_file(name, &Ug::default(), |r| {
        let s = r.create_group("Steps").unwrap();
        s.set_attr("NSteps", &[3i64]).unwrap();
        ds(&s, "Values", &[3], &[0.0f64, 1.0, 2.0]);
        for n in ["PartOffsets", "PointOffsets", "CellOffsets"] {
            ds(&s, n, &[3], &[0i64; 3]);
        }
        ds(
            &s,
            "ConnectivityIdOffsets",
            &[offsets_len as u64],
            &vec![0i64; offsets_len],
        );
        if nparts {
            ds(&s, "NumberOfParts", &[3], &[1i64; 3]);
        }
        let pd = r.create_group("PointData").unwrap();
        ds(&pd, "T", &[30], &[0f64; 30]);
        let po = s.create_group("PointDataOffsets").unwrap();
        ds(&po, "T", &[3], &[0i64, 10, 20]);
    })
}

#[test]
fn handmade_temporal() {
    let p = temporal_ug("tug_ok.vtkhdf", true, 3);
    let r = check(&p);
    assert!(r.findings.is_empty(), "{}", show(&r));

    let p = temporal_ug("tug_no_nparts.vtkhdf", false, 3);
    expect_error(
        &p,
        "/VTKHDF/Steps/NumberOfParts",
        "len(NumberOfPoints) / NSteps",
    );

    let p = temporal_ug("tug_short_offsets.vtkhdf", true, 2);
    expect_error(
        &p,
        "/VTKHDF/Steps/ConnectivityIdOffsets",
        "has 2 entries for NSteps = 3",
    );

    // Point data offsets past the array.
    let p = ug_file("tug_pd_past.vtkhdf", &Ug::default(), |r| {
        let s = r.create_group("Steps").unwrap();
        s.set_attr("NSteps", &[2i64]).unwrap();
        ds(&s, "Values", &[2], &[0.0f64, 1.0]);
        for n in [
            "PartOffsets",
            "PointOffsets",
            "CellOffsets",
            "ConnectivityIdOffsets",
        ] {
            ds(&s, n, &[2], &[0i64; 2]);
        }
        ds(&s, "NumberOfParts", &[2], &[1i64; 2]);
        let pd = r.create_group("PointData").unwrap();
        ds(&pd, "T", &[15], &[0f64; 15]);
        let po = s.create_group("PointDataOffsets").unwrap();
        ds(&po, "T", &[2], &[0i64, 10]);
    });
    expect_error(&p, "/VTKHDF/PointData/T", "step 1 reads rows [10, 20)");

    // Missing Values with several steps.
    let p = ug_file("tug_no_values.vtkhdf", &Ug::default(), |r| {
        let s = r.create_group("Steps").unwrap();
        s.set_attr("NSteps", &[2i64]).unwrap();
        for n in [
            "PartOffsets",
            "PointOffsets",
            "CellOffsets",
            "ConnectivityIdOffsets",
        ] {
            ds(&s, n, &[2], &[0i64; 2]);
        }
        ds(&s, "NumberOfParts", &[2], &[1i64; 2]);
    });
    expect_error(&p, "/VTKHDF/Steps/Values", "Expected TIME_STEPS key");
}

#[test]
fn handmade_header() {
    let p = temp("no_vtkhdf.h5");
    let f = FileWriter::create(&p).unwrap();
    ds(&f.root(), "x", &[1], &[1i32]);
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "no /VTKHDF group");

    let p = temp("bad_version.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[2i64, 8, 0]).unwrap();
    r.set_attr_str("Type", "UnstructuredGrid").unwrap();
    write_ug(&r, &Ug::default());
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "Version attribute should have 2 dimensions");

    let p = temp("float_version.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[2.0f64, 8.0]).unwrap();
    r.set_attr_str("Type", "UnstructuredGrid").unwrap();
    write_ug(&r, &Ug::default());
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "Version must be 2 integers");

    let p = temp("bad_type.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "Unstructured");
    write_ug(&r, &Ug::default());
    f.close().unwrap();
    expect_error(
        &p,
        "/VTKHDF/Type",
        "VTK: \"Unknown data set type: Unstructured\"",
    );

    let p = temp("no_type.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[2i64, 8]).unwrap();
    write_ug(&r, &Ug::default());
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "HDF dataset type unknown: -1");

    let p = temp("old_version.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[1i64, 0]).unwrap();
    r.set_attr_str("Type", "PolyData").unwrap();
    f.close().unwrap();
    expect_warning(&p, "/VTKHDF", "predates PolyData");
}

fn amr_file(
    name: &str,
    spacing: &[f64],
    box_width: u64,
    version: [i64; 2],
    names_23: bool,
) -> PathBuf {
    let p = temp(name);
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &version).unwrap();
    r.set_attr_str("Type", "OverlappingAMR").unwrap();
    r.set_attr("Origin", &[0.0f64; 3]).unwrap();
    let l0 = r.create_group("Level0").unwrap();
    l0.set_attr("Spacing", spacing).unwrap();
    let boxes: Vec<i32> = [0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3]
        .iter()
        .copied()
        .take((2 * box_width) as usize)
        .collect();
    ds(&l0, "AMRBox", &[2, box_width], &boxes);
    let cd = l0.create_group("CellData").unwrap();
    ds(&cd, "rho", &[128], &[0f64; 128]);
    let s = r.create_group("Steps").unwrap();
    s.set_attr("NSteps", &[2i64]).unwrap();
    ds(&s, "Values", &[2], &[0.0f64, 1.0]);
    let sl = s.create_group("Level0").unwrap();
    let (nb, bo, cdo) = if names_23 {
        ("NumberOfAMRBoxes", "AMRBoxOffsets", "CellDataOffsets")
    } else {
        ("NumberOfAMRBox", "AMRBoxOffset", "CellDataOffset")
    };
    ds(&sl, nb, &[2], &[1i64, 1]);
    ds(&sl, bo, &[2], &[0i64, 1]);
    let o = sl.create_group(cdo).unwrap();
    ds(&o, "rho", &[2], &[0i64, 64]);
    f.close().unwrap();
    p
}

#[test]
fn handmade_amr() {
    let p = amr_file("amr_ok.vtkhdf", &[1.0; 3], 6, [2, 3], true);
    let r = check(&p);
    assert!(r.findings.is_empty(), "{}", show(&r));
    let p = amr_file("amr_ok22.vtkhdf", &[1.0; 3], 6, [2, 2], false);
    let r = check(&p);
    assert!(r.findings.is_empty(), "{}", show(&r));

    let p = amr_file("amr_box5.vtkhdf", &[1.0; 3], 5, [2, 3], true);
    expect_error(
        &p,
        "/VTKHDF/Level0/AMRBox",
        "Wrong AMRBox dimension, expected 6, got: 5",
    );

    let p = amr_file("amr_spacing2.vtkhdf", &[1.0; 2], 6, [2, 3], true);
    expect_error(&p, "/VTKHDF/Level0", "Spacing must hold exactly 3 numbers");

    let p = amr_file("amr_23names_v22.vtkhdf", &[1.0; 3], 6, [2, 2], true);
    expect_error(
        &p,
        "/VTKHDF/Steps/Level0/NumberOfAMRBox",
        "No NumberOfAMRBox dataset at Steps/Level0",
    );
}

#[test]
fn handmade_image() {
    let p = temp("image_shape.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "ImageData");
    r.set_attr("WholeExtent", &[0i32, 3, 0, 2, 0, 1]).unwrap();
    r.set_attr("Origin", &[0.0f64; 3]).unwrap();
    r.set_attr("Spacing", &[1.0f64; 3]).unwrap();
    r.set_attr("Direction", &[1.0f64, 0., 0., 0., 1., 0., 0., 0., 1.])
        .unwrap();
    let pd = r.create_group("PointData").unwrap();
    ds(&pd, "ok", &[2, 3, 4], &[0f32; 24]);
    ds(&pd, "vec", &[2, 3, 4, 3], &[0f32; 72]);
    ds(&pd, "wrong", &[4, 3, 2], &[0f32; 24]);
    let cd = r.create_group("CellData").unwrap();
    ds(&cd, "c", &[1, 2, 3], &[0f32; 6]);
    f.close().unwrap();
    let r = expect_error(&p, "/VTKHDF/PointData/wrong", "does not match the grid");
    assert_eq!(r.errors().count(), 1, "{}", show(&r));

    let p = temp("image_spacing.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "ImageData");
    r.set_attr("WholeExtent", &[0i32, 3, 0, 2, 0, 1]).unwrap();
    r.set_attr("Origin", &[0.0f64; 3]).unwrap();
    r.set_attr("Spacing", &[1.0f64; 2]).unwrap();
    r.set_attr("Direction", &[1.0f64, 0., 0., 0., 1., 0., 0., 0., 1.])
        .unwrap();
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "Spacing attribute should have 3 dimensions");
}

#[test]
fn handmade_polydata() {
    let p = temp("pd_conn.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "PolyData");
    ds(&r, "NumberOfPoints", &[1], &[4i64]);
    ds(&r, "Points", &[4, 3], &[0f32; 12]);
    for t in ["Vertices", "Lines", "Polygons", "Strips"] {
        let g = r.create_group(t).unwrap();
        if t == "Polygons" {
            ds(&g, "NumberOfCells", &[1], &[1i64]);
            ds(&g, "NumberOfConnectivityIds", &[1], &[3i64]);
            ds(&g, "Offsets", &[2], &[0i64, 3]);
            ds(&g, "Connectivity", &[3], &[0i64, 1, 7]);
        } else {
            ds(&g, "NumberOfCells", &[1], &[0i64]);
            ds(&g, "NumberOfConnectivityIds", &[1], &[0i64]);
            ds(&g, "Offsets", &[1], &[0i64]);
            ds(&g, "Connectivity", &[0], &[0i64; 0]);
        }
    }
    let cd = r.create_group("CellData").unwrap();
    ds(&cd, "c", &[2], &[0f32; 2]);
    f.close().unwrap();
    let r = expect_error(
        &p,
        "/VTKHDF/Polygons/Connectivity",
        "point id 7 is out of range [0, 4)",
    );
    assert!(r.warnings().any(|f| f.path == "/VTKHDF/CellData/c"));
}

#[test]
fn handmade_composites() {
    // PDC: a block without Index, assembly link to nowhere, Index clash.
    let p = temp("pdc_index.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "PartitionedDataSetCollection");
    for (name, index) in [("A", Some(0i64)), ("B", None), ("C", Some(0))] {
        let b = r.create_group_tracked(name).unwrap();
        b.set_attr("Version", &[2i64, 8]).unwrap();
        b.set_attr_str("Type", "UnstructuredGrid").unwrap();
        if let Some(i) = index {
            b.set_attr("Index", &[i]).unwrap();
        }
        write_ug(&b, &Ug::default());
    }
    let a = r.create_group_tracked("Assembly").unwrap();
    a.link_soft("A", "/VTKHDF/A").unwrap();
    a.link_soft("Gone", "/VTKHDF/Gone").unwrap();
    f.close().unwrap();
    let rep = expect_error(&p, "/VTKHDF/B", "Index attribute not found");
    assert!(rep
        .errors()
        .any(|f| f.path == "/VTKHDF/C" && f.message.contains("used by another block")));
    assert!(rep
        .errors()
        .any(|f| f.path == "/VTKHDF/Assembly/Gone" && f.message.contains("does not exist")));

    // A block inside a composite is checked like a file's root.
    let p = temp("mb_bad_block.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "MultiBlockDataSet");
    let b = r.create_group_tracked("Block_1").unwrap();
    b.set_attr("Version", &[2i64, 8]).unwrap();
    b.set_attr_str("Type", "UnstructuredGrid").unwrap();
    write_ug(
        &b,
        &Ug {
            types: vec![12, 5],
            offsets: vec![0, 8, 11],
            conn: vec![0, 1, 2, 3, 4, 5, 6, 7, 1, 8, 9],
            points: 9,
            n_conn: 11,
        },
    );
    let nested = r.create_group_tracked("Block_2").unwrap();
    nested.set_attr("Version", &[2i64, 8]).unwrap();
    nested.set_attr_str("Type", "MultiBlockDataSet").unwrap();
    let a = r.create_group_tracked("Assembly").unwrap();
    a.link_soft("Mesh", "/VTKHDF/Block_1").unwrap();
    f.close().unwrap();
    let rep = expect_error(&p, "/VTKHDF/Block_1/Connectivity", "out of range [0, 9)");
    assert!(rep
        .errors()
        .any(|f| f.path == "/VTKHDF/Block_2" && f.message.contains("composite block")));

    // PDC groups without creation order.
    let p = temp("pdc_untracked.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group("VTKHDF").unwrap();
    r.set_attr("Version", &[2i64, 8]).unwrap();
    r.set_attr_str("Type", "PartitionedDataSetCollection")
        .unwrap();
    r.create_group("Assembly").unwrap();
    f.close().unwrap();
    expect_error(&p, "/VTKHDF", "aborts the process");
}

#[test]
fn handmade_htg_temporal_offsets() {
    let p = temp("htg_steps.vtkhdf");
    let f = FileWriter::create(&p).unwrap();
    let r = root(&f, "HyperTreeGrid");
    r.set_attr("BranchFactor", &[2i64]).unwrap();
    r.set_attr("Dimensions", &[2i32, 2, 2]).unwrap();
    ds(&r, "XCoordinates", &[2], &[0.0f64, 1.0]);
    ds(&r, "YCoordinates", &[2], &[0.0f64, 1.0]);
    ds(&r, "ZCoordinates", &[2], &[0.0f64, 1.0]);
    ds(&r, "Descriptors", &[1], &[0u8]);
    ds(&r, "DescriptorsSize", &[1], &[1i64]);
    ds(&r, "TreeIds", &[1], &[0i64]);
    ds(&r, "DepthPerTree", &[1], &[1i64]);
    ds(&r, "NumberOfCellsPerTreeDepth", &[1], &[1i64]);
    ds(&r, "NumberOfTrees", &[1], &[1i64]);
    ds(&r, "NumberOfDepths", &[1], &[1i64]);
    ds(&r, "NumberOfCells", &[1], &[1i64]);
    let s = r.create_group("Steps").unwrap();
    s.set_attr("NSteps", &[1i64]).unwrap();
    ds(&s, "Values", &[1], &[0.0f64]);
    for n in [
        "TreeIdsOffsets",
        "NumberOfCellsPerTreeDepthOffsets",
        "DescriptorsOffsets",
        "MaskOffsets",
        "XCoordinatesOffsets",
        "YCoordinatesOffsets",
        "ZCoordinatesOffsets",
        "PartOffsets",
    ] {
        ds(&s, n, &[1], &[0i64]);
    }
    f.close().unwrap();
    expect_error(
        &p,
        "/VTKHDF/Steps/DepthPerTreeOffsets",
        "all nine HTG step offsets",
    );
}

#[test]
fn never_panics_on_truncated_files() {
    let root = corpus().join("vtkhdf");
    for rel in ["vtk/pdc.vtkhdf", "vtk/temporal_ug.vtkhdf", "vtk/htg.vtkhdf"] {
        let bytes = std::fs::read(root.join(rel)).unwrap();
        for cut in [bytes.len() / 2, bytes.len() * 3 / 4, bytes.len() - 1] {
            let p = temp(&format!("cut_{cut}.vtkhdf"));
            std::fs::write(&p, &bytes[..cut]).unwrap();
            // Either not openable or a report: never a panic.
            let _ = validate(&p);
        }
        // Bytes overwritten at spread positions: a report or an open error.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..40 {
            let mut b = bytes.clone();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % b.len() as u64) as usize;
                b[at] = (seed >> 32) as u8;
            }
            let p = temp(&format!("mut_{round}.vtkhdf"));
            std::fs::write(&p, &b).unwrap();
            let _ = validate(&p);
        }
    }
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

fn cli(args: &[&Path], json: bool) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vtkhdf"));
    c.arg("validate").args(args);
    if json {
        c.arg("--json");
    }
    let out = c.output().expect("run vtkhdf");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn cli_exit_status_and_format() {
    let root = corpus().join("vtkhdf");
    let (code, out) = cli(&[&root.join("vtk/unstructured.vtkhdf")], false);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "passed: 0 error(s), 0 warning(s)");

    let (code, out) = cli(&[&root.join("h5py/image_offset_extent.vtkhdf")], false);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("WARNING /VTKHDF: WholeExtent"), "{out}");
    assert!(
        out.trim_end().ends_with("passed: 0 error(s), 1 warning(s)"),
        "{out}"
    );

    let (code, out) = cli(&[&root.join("h5py/ug_types_i8.vtkhdf")], false);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("ERROR /VTKHDF/Types: Types must be uint8, found int8"),
        "{out}"
    );
    assert_eq!(lines[1], "  fix: write Types as uint8");
    assert_eq!(lines[2], "failed: 1 error(s), 0 warning(s)");

    let (code, out) = cli(&[&root.join("h5py/ug_types_i8.vtkhdf")], true);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["passed"], false);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["findings"][0]["severity"], "error");
    assert_eq!(v["findings"][0]["path"], "/VTKHDF/Types");
    assert!(v["findings"][0]["fix"].as_str().is_some());

    let junk = temp("junk.vtkhdf");
    std::fs::write(&junk, b"this is not an HDF5 file at all").unwrap();
    let (code, _) = cli(&[&junk], false);
    assert_eq!(code, 2);
    let (code, _) = cli(&[&temp("missing.vtkhdf")], false);
    assert_eq!(code, 2);
}
