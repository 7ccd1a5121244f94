//! `vtkhdf::vtk::polydata`: VTK-written corpus files read, written back and
//! compared through VTK's own reader (`tests/vtk_dump.py`), written models
//! read back equal and shown by VTK, and the temporal offsets VTK's reader
//! gets wrong read by the specification.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::polydata::{read, read_polydata, write, write_polydata, Cells, PolyData};
use vtkhdf::vtk::unstructured::points_array;
use vtkhdf::vtk::Series;
use vtkhdf::{File, FileWriter};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(venv.exists(), "set VTKHDF_PYTHON to a Python with vtk");
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
    let dir = std::env::temp_dir().join(format!("vtkhdf-pd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

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

fn round_trip(src: &Path, opts: &StoreOptions) -> Series<Vec<PolyData>> {
    let file = File::open(src).unwrap();
    let series =
        read(&file.group("/VTKHDF").unwrap()).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
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
    let a = vtk_dump(src);
    let b = vtk_dump(&dst);
    assert!(
        a.get("error").is_none(),
        "{name}: VTK cannot read the original"
    );
    assert_eq!(a, b, "{name}: VTK sees the copy differently");
    series
}

const CORPUS_PD: &[&str] = &[
    "vtk/polydata.vtkhdf",
    "vtk/polydata_2parts.vtkhdf",
    "vtk/polydata_defaultchunk.vtkhdf",
    "vtk/temporal_pd.vtkhdf",
    "vtk/temporal_pd_2parts_static.vtkhdf",
    "vtk/temporal_pd_verts_appear.vtkhdf",
    "h5py/polydata_empty_topos_offsets_1.vtkhdf",
];

#[test]
fn corpus_round_trips_through_vtk() {
    for name in CORPUS_PD {
        round_trip(&corpus(name), &StoreOptions::plain());
    }
    round_trip(
        &corpus("vtk/temporal_pd.vtkhdf"),
        &StoreOptions::deflate(5, true),
    );
}

/// Step 1 of `temporal_pd_verts_appear.vtkhdf` has two vertices (offsets
/// `[0, 1, 3]`, ids `[0, 3]`... stored after step 0's empty run `[0]`).
/// VTK 9.7's reader locates the run by counting earlier partitions with
/// fewer cumulative vertices and reads `[0, 0, 1]`; the crate follows the
/// specification's `cells + 1` per partition rule.
#[test]
fn verts_appear_read_by_the_specification() {
    let f = File::open(corpus("vtk/temporal_pd_verts_appear.vtkhdf")).unwrap();
    let s = read(&f.group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(s.steps.len(), 2);
    assert!(s.steps[0][0].verts.is_empty());
    assert_eq!(s.steps[0][0].verts.offsets, vec![0]);
    assert_eq!(s.steps[1][0].verts.offsets, vec![0, 1, 3]);
    assert_eq!(s.steps[1][0].verts.connectivity, vec![3, 0, 3]);
    assert_eq!(s.steps[1][0].polys.offsets, vec![0, 3]);
    // VTK's (mistaken) view of the same step.
    let d = vtk_dump(&corpus("vtk/temporal_pd_verts_appear.vtkhdf"));
    assert_eq!(
        d["steps"][1]["data"]["verts"]["offsets"]["values"],
        serde_json::json!([0, 0, 1])
    );
}

#[test]
fn only_polygons_group_is_refused() {
    let f = File::open(corpus("h5py/polydata_only_polygons_group.vtkhdf")).unwrap();
    let e = read_polydata(&f).unwrap_err();
    assert!(e.to_string().contains("Vertices"), "{e}");
}

fn cells(offsets: &[i64], conn: &[i64]) -> Cells {
    Cells {
        offsets: offsets.to_vec(),
        connectivity: conn.to_vec(),
    }
}

fn surface(shift: f64, quads: usize) -> PolyData {
    let mut pts = Vec::new();
    for i in 0..=quads {
        pts.extend([shift + i as f64, 0.0, 0.0, shift + i as f64, 1.0, 0.0]);
    }
    let np = pts.len() / 3;
    let mut po = vec![0];
    let mut pc = Vec::new();
    for i in 0..quads as i64 {
        pc.extend([2 * i, 2 * i + 2, 2 * i + 3, 2 * i + 1]);
        po.push(pc.len() as i64);
    }
    let nc = 1 + 1 + quads + 1;
    PolyData {
        points: points_array(Values::F32(pts.iter().map(|&x| x as f32).collect())),
        verts: cells(&[0, 1], &[0]),
        lines: cells(&[0, 3], &[0, 2, 4]),
        polys: cells(&po, &pc),
        strips: cells(&[0, 4], &[0, 1, 2, 3]),
        point_data: vec![
            Array::new(
                "Height",
                1,
                Values::F64((0..np).map(|i| i as f64 + shift).collect()),
            ),
            Array {
                attribute: Some("Normals".into()),
                ..Array::new("Normals", 3, Values::F32([0.0, 0.0, 1.0].repeat(np)))
            },
        ],
        cell_data: vec![Array::new("Kind", 1, Values::I16((0..nc as i16).collect()))],
        field_data: vec![Array::new("Label", 1, Values::Str(vec!["surface".into()]))],
    }
}

fn sorted(series: &Series<Vec<PolyData>>) -> Series<Vec<PolyData>> {
    let mut s = series.clone();
    for p in s.steps.iter_mut().flatten() {
        p.point_data.sort_by(|a, b| a.name.cmp(&b.name));
        p.cell_data.sort_by(|a, b| a.name.cmp(&b.name));
        p.field_data.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

fn flat(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn check_vtk(d: &Value, p: &PolyData) {
    assert_eq!(d["class"], "vtkPolyData");
    assert_eq!(flat(&d["points"]["values"]), p.points.values.to_f64());
    for (k, c) in ["verts", "lines", "polys", "strips"]
        .iter()
        .zip(p.topologies())
    {
        let off: Vec<f64> = c.offsets.iter().map(|&x| x as f64).collect();
        let con: Vec<f64> = c.connectivity.iter().map(|&x| x as f64).collect();
        assert_eq!(flat(&d[k]["offsets"]["values"]), off, "{k}");
        assert_eq!(flat(&d[k]["connectivity"]["values"]), con, "{k}");
    }
    for (kind, arrays) in [("point_data", &p.point_data), ("cell_data", &p.cell_data)] {
        for a in arrays {
            assert_eq!(d[kind][&a.name]["components"], a.components);
            assert_eq!(
                flat(&d[kind][&a.name]["values"]),
                a.values.to_f64(),
                "{}",
                a.name
            );
        }
    }
}

#[test]
fn static_and_partitioned_vtk_view() {
    for opts in [StoreOptions::plain(), StoreOptions::deflate(4, false)] {
        let one = vec![surface(0.0, 3)];
        let path = temp_path("one.vtkhdf");
        let w = FileWriter::create(&path).unwrap();
        write_polydata(&w, &one, &opts).unwrap();
        w.close().unwrap();
        let back = read_polydata(&File::open(&path).unwrap()).unwrap();
        assert_eq!(back, sorted(&Series::single(one.clone())).steps[0]);
        let d = vtk_dump(&path);
        check_vtk(&d["data"], &one[0]);
        assert_eq!(
            d["data"]["field_data"]["Label"]["values"],
            serde_json::json!(["surface"])
        );

        let mut b = surface(10.0, 1);
        b.verts = Cells::default();
        b.lines = cells(&[0, 2], &[0, 2]);
        b.cell_data[0].values = Values::I16(vec![5, 6, 7]);
        let two = vec![surface(0.0, 2), b];
        let path = temp_path("two.vtkhdf");
        let w = FileWriter::create(&path).unwrap();
        write_polydata(&w, &two, &opts).unwrap();
        w.close().unwrap();
        let back = read_polydata(&File::open(&path).unwrap()).unwrap();
        assert_eq!(back, sorted(&Series::single(two.clone())).steps[0]);
        let d = vtk_dump(&path);
        let parts = d["data"]["partitions"].as_array().unwrap();
        check_vtk(&parts[0], &two[0]);
        check_vtk(&parts[1], &two[1]);
        // Empty topologies still hold Offsets [0] per partition.
        let f = File::open(&path).unwrap();
        let o: Vec<i64> = f
            .dataset("/VTKHDF/Vertices/Offsets")
            .unwrap()
            .read()
            .unwrap();
        assert_eq!(o, [0, 1, 0]);
    }
}

#[test]
fn temporal_vtk_view() {
    let a = surface(0.0, 2);
    let mut b = a.clone();
    b.point_data[0].values = Values::F64(vec![7.0; a.n_points()]);
    let mut c = surface(1.0, 3);
    c.verts = cells(&[0, 1, 3], &[1, 2, 3]);
    c.cell_data[0].values = Values::I16((0..7).collect());
    let series = Series::temporal([(0.0, vec![a]), (1.0, vec![b]), (3.0, vec![c])]);
    let path = temp_path("temporal.vtkhdf");
    let w = FileWriter::create(&path).unwrap();
    vtkhdf::vtk::polydata::write_file(&w, &series, &StoreOptions::deflate(2, false)).unwrap();
    w.close().unwrap();
    let back = read(&File::open(&path).unwrap().group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(back, sorted(&series));
    let d = vtk_dump(&path);
    for k in 0..3 {
        check_vtk(&d["steps"][k]["data"], &series.steps[k][0]);
    }
    let f = File::open(&path).unwrap();
    let co = f.dataset("/VTKHDF/Steps/CellOffsets").unwrap();
    assert_eq!(co.shape(), [3, 4]);
    let v: Vec<i64> = co.read().unwrap();
    assert_eq!(v, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 1]);
}
