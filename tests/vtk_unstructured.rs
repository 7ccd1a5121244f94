//! `vtkhdf::vtk::unstructured`: VTK-written corpus files read, written back
//! and compared through VTK's own reader (`tests/vtk_dump.py`), written
//! models read back equal and shown by VTK point by point, polyhedra,
//! partitions, field data, every array type, and the speed of a large
//! deflated write.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::unstructured::{
    points_array, read, read_unstructured, write, write_unstructured, Polyhedra, UnstructuredGrid,
};
use vtkhdf::vtk::Series;
use vtkhdf::{File, FileWriter};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "set VTKHDF_PYTHON to a Python with vtk (or create .venv)"
    );
    venv
}

fn corpus(name: &str) -> PathBuf {
    let dir = std::env::var_os("VTKHDF_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let p = dir.join("vtkhdf").join(name);
    assert!(p.exists(), "missing corpus file {}", p.display());
    p
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vtkhdf-ug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// What VTK's reader builds from `path` (with every value).
fn vtk_dump(path: &Path) -> Value {
    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vtk_dump.py"))
        .arg(path)
        .arg("--full")
        .output()
        .expect("run vtk_dump.py");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("vtk_dump {}: {e}: {text}", path.display()))
}

/// Reads `src` with the crate, writes it back, and checks VTK sees the
/// same data in both.
fn round_trip(src: &Path, opts: &StoreOptions) -> Series<Vec<UnstructuredGrid>> {
    let file = File::open(src).unwrap();
    let root = file.group("/VTKHDF").unwrap();
    let series = read(&root).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let name = src.file_name().unwrap().to_string_lossy().to_string();
    let dst = temp_path(&format!("copy_{name}"));
    {
        let w = FileWriter::create(&dst).unwrap();
        let g = w.root().create_group_tracked("VTKHDF").unwrap();
        write(&g, &series, opts).unwrap();
        w.close().unwrap();
    }
    let back = read(&File::open(&dst).unwrap().group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(back, series, "{name}: crate read-back differs");
    let mut a = vtk_dump(src);
    let mut b = vtk_dump(&dst);
    if name.contains("i32") || name.contains("u32") || name.contains("f64") {
        // The model keeps offsets and connectivity as i64 (VTK's own
        // layout); VTK builds its cell arrays in the stored integer type,
        // so only their class differs.
        strip_cell_classes(&mut a);
        strip_cell_classes(&mut b);
    }
    assert!(
        a.get("error").is_none(),
        "{name}: VTK cannot read the original"
    );
    assert_eq!(a, b, "{name}: VTK sees the copy differently");
    series
}

fn strip_cell_classes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(c)) = m.get_mut("cells") {
                for k in ["offsets", "connectivity"] {
                    if let Some(Value::Object(x)) = c.get_mut(k) {
                        x.remove("class");
                        x.remove("sha");
                        if let Some(Value::Array(v)) = x.get_mut("values") {
                            for n in v.iter_mut() {
                                *n = Value::from(n.as_f64().unwrap_or(f64::NAN));
                            }
                        }
                    }
                }
            }
            for (_, x) in m.iter_mut() {
                strip_cell_classes(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_cell_classes),
        _ => {}
    }
}

const CORPUS_UG: &[&str] = &[
    "vtk/unstructured.vtkhdf",
    "vtk/unstructured_2parts.vtkhdf",
    "vtk/unstructured_defaultchunk.vtkhdf",
    "vtk/unstructured_deflate4.vtkhdf",
    "vtk/polyhedron.vtkhdf",
    "vtk/temporal_ug.vtkhdf",
    "vtk/temporal_ug_2parts_static.vtkhdf",
    "vtk/temporal_ug_static.vtkhdf",
    "vtk/temporal_ug_external.vtkhdf",
    "vtk/ug_external_partitions.vtkhdf",
    "h5py/temporal_ug_static_mesh_handwritten.vtkhdf",
    "h5py/tug_repeated_no_nparts.vtkhdf",
    "h5py/tug_repeated_nparts_i32_nsteps.vtkhdf",
    "h5py/ug_3parts.vtkhdf",
    "h5py/ug_chunked_unlimited.vtkhdf",
    "h5py/ug_compact_layout.vtkhdf",
    "h5py/ug_compact_links_forced.vtkhdf",
    "h5py/ug_fieldstring_vlen_ascii.vtkhdf",
    "h5py/ug_i32_f32.vtkhdf",
    "h5py/ug_i64_default.vtkhdf",
    "h5py/ug_libver_latest.vtkhdf",
    "h5py/ug_libver_latest_chunked.vtkhdf",
    "h5py/ug_libver_v108.vtkhdf",
    "h5py/ug_offsets_f64.vtkhdf",
    "h5py/ug_offsets_i32_conn_i64.vtkhdf",
    "h5py/ug_offsets_u32_conn_u32.vtkhdf",
    "h5py/ug_track_order_h5py.vtkhdf",
    "h5py/ug_vlen_type.vtkhdf",
];

#[test]
fn corpus_round_trips_through_vtk() {
    for name in CORPUS_UG {
        round_trip(&corpus(name), &StoreOptions::plain());
    }
}

#[test]
fn corpus_round_trips_deflated() {
    for name in [
        "vtk/unstructured_2parts.vtkhdf",
        "vtk/temporal_ug.vtkhdf",
        "vtk/polyhedron.vtkhdf",
    ] {
        round_trip(&corpus(name), &StoreOptions::deflate(4, true));
    }
}

#[test]
fn corpus_polyhedron_values() {
    let f = File::open(corpus("vtk/polyhedron.vtkhdf")).unwrap();
    let parts = read_unstructured(&f).unwrap();
    assert_eq!(parts.len(), 1);
    let p = &parts[0];
    assert_eq!(p.types, vec![42, 10]);
    assert_eq!(p.offsets, vec![0, 8, 12]);
    let ph = p.polyhedra.as_ref().unwrap();
    assert_eq!(ph.polyhedron_offsets, vec![0, 6, 6]);
    assert_eq!(ph.face_offsets, vec![0, 4, 8, 12, 16, 20, 24]);
    assert_eq!(ph.polyhedron_to_faces, vec![0, 1, 2, 3, 4, 5]);
    assert!(matches!(p.points.values, Values::F32(_)));
}

#[test]
fn corpus_temporal_values() {
    let f = File::open(corpus("vtk/temporal_ug.vtkhdf")).unwrap();
    let s = read(&f.group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(s.times.as_deref(), Some(&[0.0, 0.5, 1.25][..]));
    assert_eq!(s.steps.len(), 3);
    // Geometry stored twice: steps 0 and 1 share it.
    assert_eq!(s.steps[0][0].points, s.steps[1][0].points);
    assert_ne!(s.steps[1][0].points, s.steps[2][0].points);
    // FieldData over time: 1, 2 and 3 tuples.
    for (k, step) in s.steps.iter().enumerate() {
        let f = step[0]
            .field_data
            .iter()
            .find(|a| a.name == "StepField")
            .unwrap();
        assert_eq!(f.tuples(), k + 1);
    }
}

/// VTK's writer left partition 0 (1 point, no cells, no arrays) out of the
/// point arrays, so the arrays hold only partition 1's 10 rows. VTK's
/// reader then fails ("Cannot read the Normals array", it reads rows
/// 1..11); the crate gives the arrays to partition 1 only, as written.
#[test]
fn corpus_2parts_first_without_cells() {
    let f = File::open(corpus("vtk/ug_2parts_first_without_cells.vtkhdf")).unwrap();
    let parts = read_unstructured(&f).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].n_points(), 1);
    assert_eq!(parts[0].cells(), 0);
    assert_eq!(parts[0].offsets, vec![0]);
    assert!(parts[0].point_data.is_empty());
    let names: Vec<&str> = parts[0].cell_data.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["GlobalIds", "Material"]);
    assert!(parts[0].cell_data.iter().all(|a| a.tuples() == 0));
    let p = &parts[1];
    assert_eq!(p.n_points(), 10);
    assert_eq!(p.offsets, vec![0, 8, 11, 13, 14, 18]);
    assert_eq!(p.types, vec![12, 5, 3, 1, 10]);
    let t = p
        .point_data
        .iter()
        .find(|a| a.name == "Temperature")
        .unwrap();
    assert_eq!(t.values, Values::F64((0..10).map(f64::from).collect()));
    let n = p.point_data.iter().find(|a| a.name == "Normals").unwrap();
    assert_eq!(n.components, 3);
    assert_eq!(n.tuples(), 10);
    // Writing the partitions back is refused: their point arrays differ.
    let w = FileWriter::in_memory().unwrap();
    let e = write_unstructured(&w, &parts, &StoreOptions::plain()).unwrap_err();
    assert!(e.to_string().contains("PointData arrays"), "{e}");
    // Without partition 0 VTK reads the data.
    let path = temp_path("second_part_only.vtkhdf");
    let w = FileWriter::create(&path).unwrap();
    write_unstructured(&w, &parts[1..], &StoreOptions::plain()).unwrap();
    w.close().unwrap();
    let d = vtk_dump(&path);
    assert_eq!(d["data"]["n_cells"], 5);
}

// ---------------------------------------------------------------------------
// Written models
// ---------------------------------------------------------------------------

fn tet_part(shift: f64, n: usize) -> UnstructuredGrid {
    // A strip of n tetrahedra sharing faces along x, plus one hexahedron.
    let mut pts = Vec::new();
    for i in 0..n + 3 {
        pts.extend([shift + i as f64, (i % 2) as f64, (i % 3) as f64 * 0.5]);
    }
    let base = pts.len() / 3;
    for (x, y, z) in [
        (0., 0., 2.),
        (1., 0., 2.),
        (1., 1., 2.),
        (0., 1., 2.),
        (0., 0., 3.),
        (1., 0., 3.),
        (1., 1., 3.),
        (0., 1., 3.),
    ] {
        pts.extend([shift + x, y, z]);
    }
    let np = pts.len() / 3;
    let mut offsets = vec![0];
    let mut conn = Vec::new();
    let mut types = Vec::new();
    for i in 0..n as i64 {
        conn.extend([i, i + 1, i + 2, i + 3]);
        offsets.push(conn.len() as i64);
        types.push(10);
    }
    conn.extend((0..8).map(|k| base as i64 + k));
    offsets.push(conn.len() as i64);
    types.push(12);
    let nc = types.len();
    UnstructuredGrid {
        points: points_array(Values::F64(pts)),
        offsets,
        connectivity: conn,
        types,
        polyhedra: None,
        point_data: vec![
            Array::new(
                "Temperature",
                1,
                Values::F64((0..np).map(|i| i as f64 * 1.5 + shift).collect()),
            ),
            Array {
                attribute: Some("Vectors".into()),
                ..Array::new(
                    "Velocity",
                    3,
                    Values::F32((0..np * 3).map(|i| i as f32 * 0.25).collect()),
                )
            },
            Array::new(
                "Flag",
                1,
                Values::U8((0..np).map(|i| (i % 7) as u8).collect()),
            ),
        ],
        cell_data: vec![
            Array::new(
                "Material",
                1,
                Values::I32((0..nc).map(|i| i as i32 - 3).collect()),
            ),
            Array::new("Id", 1, Values::I64((0..nc as i64).collect())),
            Array::new(
                "U16",
                2,
                Values::U16((0..nc * 2).map(|i| i as u16).collect()),
            ),
            Array::new("I8", 1, Values::I8((0..nc).map(|i| -(i as i8)).collect())),
            Array::new(
                "I16",
                1,
                Values::I16((0..nc).map(|i| i as i16 * 300).collect()),
            ),
            Array::new(
                "U32",
                1,
                Values::U32((0..nc).map(|i| i as u32 * 70000).collect()),
            ),
            Array::new(
                "U64",
                1,
                Values::U64((0..nc).map(|i| i as u64 * 1_000_000_000_000).collect()),
            ),
        ],
        field_data: vec![
            Array::new(
                "Note",
                1,
                Values::Str(vec!["written by vtkhdf".into(), "second".into()]),
            ),
            Array::new("Scale", 3, Values::F64(vec![1.0, 2.0, 3.0])),
        ],
    }
}

/// Polyhedron cube + tetrahedron + a wedge-shaped polyhedron.
fn poly_part() -> UnstructuredGrid {
    let pts: Vec<f64> = vec![
        0., 0., 0., 1., 0., 0., 1., 1., 0., 0., 1., 0., 0., 0., 1., 1., 0., 1., 1., 1., 1., 0., 1.,
        1., 2., 0., 0., 2., 1., 0.,
    ];
    let cube_faces: Vec<Vec<i64>> = vec![
        vec![0, 3, 2, 1],
        vec![4, 5, 6, 7],
        vec![0, 1, 5, 4],
        vec![1, 2, 6, 5],
        vec![2, 3, 7, 6],
        vec![3, 0, 4, 7],
    ];
    let wedge_faces: Vec<Vec<i64>> = vec![
        vec![1, 8, 9, 2],
        vec![1, 5, 8],
        vec![2, 9, 6],
        vec![1, 2, 6, 5],
        vec![5, 6, 9, 8],
    ];
    let mut fc = Vec::new();
    let mut fo = vec![0];
    for f in cube_faces.iter().chain(&wedge_faces) {
        fc.extend(f);
        fo.push(fc.len() as i64);
    }
    UnstructuredGrid {
        points: points_array(Values::F64(pts)),
        offsets: vec![0, 8, 12, 18],
        connectivity: vec![0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 3, 4, 1, 2, 5, 6, 8, 9],
        types: vec![42, 10, 42],
        polyhedra: Some(Polyhedra {
            face_connectivity: fc,
            face_offsets: fo,
            polyhedron_to_faces: (0..11).collect(),
            polyhedron_offsets: vec![0, 6, 6, 11],
        }),
        point_data: vec![Array::new(
            "P",
            1,
            Values::F64((0..10).map(f64::from).collect()),
        )],
        cell_data: vec![Array::new("C", 1, Values::I32(vec![7, 8, 9]))],
        field_data: vec![],
    }
}

fn values_json(v: &Values) -> Vec<Value> {
    match v {
        Values::Str(s) => s.iter().map(|x| Value::from(x.clone())).collect(),
        other => other.to_f64().into_iter().map(Value::from).collect(),
    }
}

fn num_eq(a: &Value, want: &[Value]) -> bool {
    let Some(a) = a.as_array() else { return false };
    a.len() == want.len()
        && a.iter()
            .zip(want)
            .all(|(x, y)| match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p == q,
                _ => x == y,
            })
}

/// VTK's view of one partition equals the model, value by value. (VTK
/// puts no field data on the partitions of a `vtkPartitionedDataSet`.)
fn check_vtk_part(d: &Value, p: &UnstructuredGrid) {
    check_vtk_part_fd(d, p, true)
}

fn check_vtk_part_fd(d: &Value, p: &UnstructuredGrid, field: bool) {
    assert_eq!(d["class"], "vtkUnstructuredGrid");
    assert!(
        num_eq(&d["points"]["values"], &values_json(&p.points.values)),
        "points"
    );
    assert!(
        num_eq(
            &d["cells"]["offsets"]["values"],
            &values_json(&Values::I64(p.offsets.clone()))
        ),
        "offsets"
    );
    assert!(
        num_eq(
            &d["cells"]["connectivity"]["values"],
            &values_json(&Values::I64(p.connectivity.clone()))
        ),
        "conn"
    );
    if p.cells() > 0 {
        assert!(
            num_eq(
                &d["types"]["values"],
                &values_json(&Values::U8(p.types.clone()))
            ),
            "types"
        );
    }
    let none = Vec::new();
    let fd = if field { &p.field_data } else { &none };
    for (kind, arrays) in [
        ("point_data", &p.point_data),
        ("cell_data", &p.cell_data),
        ("field_data", fd),
    ] {
        for a in arrays {
            let v = &d[kind][&a.name];
            assert_eq!(
                v["components"], a.components,
                "{kind} {} components",
                a.name
            );
            assert!(
                num_eq(&v["values"], &values_json(&a.values)),
                "{kind} {} values: {v}",
                a.name
            );
        }
    }
}

fn parts_of(d: &Value) -> Vec<Value> {
    if d["class"] == "vtkPartitionedDataSet" {
        d["partitions"].as_array().unwrap().clone()
    } else {
        vec![d.clone()]
    }
}

/// The model as read back: arrays in name order (VTK's order) and, when a
/// partition has polyhedra, empty polyhedra in the others.
fn normalized(series: &Series<Vec<UnstructuredGrid>>) -> Series<Vec<UnstructuredGrid>> {
    let mut s = series.clone();
    for step in &mut s.steps {
        let poly = step.iter().any(|p| p.polyhedra.is_some());
        for p in step.iter_mut() {
            p.point_data.sort_by(|a, b| a.name.cmp(&b.name));
            p.cell_data.sort_by(|a, b| a.name.cmp(&b.name));
            p.field_data.sort_by(|a, b| a.name.cmp(&b.name));
            if poly && p.polyhedra.is_none() {
                p.polyhedra = Some(Polyhedra::empty(p.cells()));
            }
        }
    }
    s
}

fn write_read(name: &str, series: &Series<Vec<UnstructuredGrid>>, opts: &StoreOptions) -> Value {
    let path = temp_path(name);
    let w = FileWriter::create(&path).unwrap();
    vtkhdf::vtk::unstructured::write_file(&w, series, opts).unwrap();
    w.close().unwrap();
    let back = read(&File::open(&path).unwrap().group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(back, normalized(series), "{name}: read-back differs");
    vtk_dump(&path)
}

#[test]
fn static_partitions_all_types_vtk_view() {
    for opts in [
        StoreOptions::plain(),
        StoreOptions::deflate(4, false),
        StoreOptions::deflate(6, true),
    ] {
        let mut a = tet_part(0.0, 5);
        let mut b = tet_part(10.0, 2);
        b.field_data = a.field_data.clone();
        a.field_data = b.field_data.clone();
        let series = Series::single(vec![a, b]);
        let d = write_read("static_parts.vtkhdf", &series, &opts);
        let parts = parts_of(&d["data"]);
        assert_eq!(parts.len(), 2);
        for (dp, p) in parts.iter().zip(&series.steps[0]) {
            check_vtk_part_fd(dp, p, false);
        }
        // Stored types as VTK classes.
        assert_eq!(parts[0]["cell_data"]["Material"]["class"], "vtkIntArray");
        assert_eq!(parts[0]["point_data"]["Velocity"]["class"], "vtkFloatArray");
        assert_eq!(
            parts[0]["point_data"]["Flag"]["class"],
            "vtkUnsignedCharArray"
        );
        // (VTK attaches no field data to partitions; the strings are
        // variable-length ASCII in the file.)
        let f = File::open(temp_path("static_parts.vtkhdf")).unwrap();
        let note = f.dataset("/VTKHDF/FieldData/Note").unwrap();
        assert_eq!(
            note.read_strings().unwrap(),
            ["written by vtkhdf", "second"]
        );
    }
}

#[test]
fn polyhedra_vtk_view() {
    let series = Series::single(vec![poly_part(), tet_part(5.0, 1)]);
    let mut s = series.clone();
    for p in &mut s.steps[0] {
        p.point_data.clear();
        p.cell_data.clear();
        p.field_data.clear();
    }
    let d = write_read("poly.vtkhdf", &s, &StoreOptions::deflate(1, false));
    let parts = parts_of(&d["data"]);
    check_vtk_part_fd(&parts[0], &s.steps[0][0], false);
    check_vtk_part_fd(&parts[1], &s.steps[0][1], false);
    let faces = &parts[0]["faces"];
    assert_eq!(faces["cells"], 11);
    // The second partition has no polyhedra: empty rows were written.
    let back = read(
        &File::open(temp_path("poly.vtkhdf"))
            .unwrap()
            .group("/VTKHDF")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        back.steps[0][1].polyhedra,
        Some(Polyhedra::empty(s.steps[0][1].cells()))
    );
    let f = File::open(temp_path("poly.vtkhdf")).unwrap();
    let v: Vec<i64> = f
        .group("/VTKHDF")
        .unwrap()
        .attr("Version")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v, [2, 5]);
}

#[test]
fn temporal_vtk_view() {
    let g0 = tet_part(0.0, 3);
    let mut g1 = g0.clone();
    g1.point_data[0].values = Values::F64(vec![9.0; g0.n_points()]);
    g1.field_data = vec![Array::new(
        "Scale",
        3,
        Values::F64(vec![4.0, 5.0, 6.0, 7.0, 8.0, 9.0]),
    )];
    let g2 = tet_part(1.0, 4);
    let mut g0 = g0;
    g0.field_data = vec![Array::new("Scale", 3, Values::F64(vec![1.0, 2.0, 3.0]))];
    let mut g2 = g2;
    g2.field_data = g0.field_data.clone();
    let series = Series::temporal([(0.0, vec![g0]), (0.5, vec![g1]), (2.0, vec![g2])]);
    let d = write_read("temporal.vtkhdf", &series, &StoreOptions::deflate(3, false));
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for (k, st) in steps.iter().enumerate() {
        assert_eq!(st["time"], series.times.as_ref().unwrap()[k]);
        let mut p = series.steps[k][0].clone();
        p.field_data.push(Array::new(
            "Time",
            1,
            Values::F64(vec![series.times.as_ref().unwrap()[k]]),
        ));
        check_vtk_part(&st["data"], &p);
    }
    // Geometry stored twice (steps 0 and 1 share it).
    let f = File::open(temp_path("temporal.vtkhdf")).unwrap();
    let n: Vec<i64> = f.dataset("/VTKHDF/NumberOfPoints").unwrap().read().unwrap();
    assert_eq!(n.len(), 2);
    let po: Vec<i64> = f
        .dataset("/VTKHDF/Steps/PartOffsets")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(po, [0, 0, 1]);
    let np: Vec<i64> = f
        .dataset("/VTKHDF/Steps/NumberOfParts")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(np, [1, 1, 1]);
    // Unchanged arrays repeat their offsets.
    let mo: Vec<i64> = f
        .dataset("/VTKHDF/Steps/CellDataOffsets/Material")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(mo[0], mo[1]);
    let sizes: Vec<i64> = f
        .dataset("/VTKHDF/Steps/FieldDataSizes/Scale")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(sizes, [3, 1, 3, 2, 3, 1]);
}

#[test]
fn deflate_only_on_bulk_datasets() {
    let path = temp_path("deflate_layout.vtkhdf");
    let w = FileWriter::create(&path).unwrap();
    write_unstructured(&w, &[poly_part()], &StoreOptions::deflate(4, false)).unwrap();
    w.close().unwrap();
    let f = File::open(&path).unwrap();
    for (name, deflated) in [
        ("Points", true),
        ("Connectivity", true),
        ("Types", true),
        ("FaceConnectivity", true),
        ("FaceOffsets", true),
        ("PolyhedronToFaces", true),
        ("PolyhedronOffsets", true),
        ("PointData/P", true),
        ("CellData/C", true),
        ("Offsets", true),
        ("NumberOfPoints", false),
        ("NumberOfCells", false),
    ] {
        let ds = f.dataset(&format!("/VTKHDF/{name}")).unwrap();
        assert_eq!(ds.filters().iter().any(|x| x.id == 1), deflated, "{name}");
        assert_eq!(ds.maxshape()[0], None, "{name} is appendable");
    }
    let t = f.dataset("/VTKHDF/Types").unwrap();
    assert_eq!(vtkhdf::dtype_name(t.dtype()), "|u1");
}

#[test]
fn bad_models_are_refused() {
    let w = FileWriter::in_memory().unwrap();
    let mut p = tet_part(0.0, 2);
    p.offsets[1] = 99;
    assert!(write_unstructured(&w, &[p], &StoreOptions::plain()).is_err());
    let w = FileWriter::in_memory().unwrap();
    let mut p = tet_part(0.0, 2);
    p.connectivity[0] = 1000;
    assert!(write_unstructured(&w, &[p], &StoreOptions::plain()).is_err());
    let w = FileWriter::in_memory().unwrap();
    let a = tet_part(0.0, 2);
    let mut b = tet_part(0.0, 2);
    b.cell_data[0].values = Values::F64(vec![0.0; b.cells()]);
    let e = write_unstructured(&w, &[a, b], &StoreOptions::plain()).unwrap_err();
    assert!(e.to_string().contains("CellData"), "{e}");
}
