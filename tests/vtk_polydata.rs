//! `vtkhdf::vtk::polydata`: reading VTK-written PolyData files (corpus from
//! `VTKHDF_CORPUS`), writing and reading back, and VTK's own `vtkHDFReader`
//! on what the crate writes (when `VTKHDF_PYTHON` is set).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use vtkhdf::vtk::polydata::{read_polydata, write_polydata, Cells, PolyData};
use vtkhdf::vtk::unstructured::Array;
use vtkhdf::{File, FileWriter};

fn corpus(name: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("VTKHDF_CORPUS") else {
        eprintln!("vtk_polydata: VTKHDF_CORPUS is unset; corpus checks skipped");
        return None;
    };
    let p = PathBuf::from(dir).join("vtkhdf/vtk").join(name);
    assert!(p.exists(), "missing corpus file {}", p.display());
    Some(p)
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vtkhdf-vtk-pd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn array<'a>(arrays: &'a [(String, Array)], name: &str) -> &'a Array {
    &arrays
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no array {name}"))
        .1
}

/// One partition of VTK's corpus files (a sphere with vertices, a line and
/// a strip; values from h5py).
fn check_corpus_part(p: &PolyData, first_scalar: f64) {
    assert_eq!(p.points.len(), 14);
    assert_eq!(p.points[0], [0.0, 0.0, 0.5]);
    assert_eq!(p.points[2], [0.4330126941204071, 0.0, 0.25]);
    assert_eq!(p.points[13], [0.21650634706020355, -0.375, -0.25]);
    assert_eq!(p.verts.offsets, vec![0, 1, 3]);
    assert_eq!(p.verts.connectivity, vec![0, 1, 2]);
    assert_eq!(p.lines.offsets, vec![0, 3]);
    assert_eq!(p.lines.connectivity, vec![0, 1, 2]);
    assert_eq!(p.polys.len(), 24);
    assert_eq!(p.polys.connectivity.len(), 72);
    assert_eq!(&p.polys.offsets[..4], &[0, 3, 6, 9]);
    assert_eq!(&p.polys.connectivity[..6], &[2, 4, 0, 4, 6, 0]);
    assert_eq!(p.strips.offsets, vec![0, 4]);
    assert_eq!(p.strips.connectivity, vec![2, 3, 4, 5]);
    assert_eq!(p.cells(), 28);
    let ci = array(&p.cell_data, "CellIndex");
    assert_eq!(ci.components, 1);
    assert_eq!(ci.values, (0..28).map(f64::from).collect::<Vec<_>>());
    let ps = array(&p.point_data, "PointScalar");
    assert_eq!(ps.components, 1);
    assert_eq!(ps.values.len(), 14);
    let expected: Vec<f64> = (0..14).map(|i| first_scalar + f64::from(i)).collect();
    assert_eq!(ps.values, expected); // VTK's test data: 0.. then 10..
}

#[test]
fn reads_vtk_corpus_single() {
    let Some(path) = corpus("polydata.vtkhdf") else {
        return;
    };
    let parts = read_polydata(&File::open(&path).unwrap()).unwrap();
    assert_eq!(parts.len(), 1);
    check_corpus_part(&parts[0], 0.0);
}

#[test]
fn reads_vtk_corpus_two_parts() {
    let Some(path) = corpus("polydata_2parts.vtkhdf") else {
        return;
    };
    let parts = read_polydata(&File::open(&path).unwrap()).unwrap();
    assert_eq!(parts.len(), 2);
    check_corpus_part(&parts[0], 0.0);
    check_corpus_part(&parts[1], 10.0);
    assert_eq!(parts[0].points, parts[1].points);
}

fn scalar(values: Vec<f64>) -> Array {
    Array {
        components: 1,
        values,
    }
}

fn cells(offsets: Vec<i64>, connectivity: Vec<i64>) -> Cells {
    Cells {
        offsets,
        connectivity,
    }
}

/// Two partitions: the first with all four topologies, the second with
/// only polygons and vertices (empty lines and strips).
fn mixed_polydata() -> Vec<PolyData> {
    let points0: Vec<[f64; 3]> = (0..8)
        .map(|i| {
            let t = i as f64 * 0.7;
            [t.cos(), t.sin(), 0.1 * t]
        })
        .collect();
    let part0 = PolyData {
        points: points0,
        verts: cells(vec![0, 1, 3], vec![7, 5, 6]),
        lines: cells(vec![0, 3, 5], vec![0, 1, 2, 6, 7]),
        polys: cells(vec![0, 3, 7], vec![0, 1, 2, 2, 3, 4, 5]),
        strips: cells(vec![0, 5], vec![3, 4, 5, 6, 7]),
        point_data: vec![
            (
                "Temperature".into(),
                scalar((0..8).map(|i| i as f64 * 1.5 - 3.0).collect()),
            ),
            (
                "Velocity".into(),
                Array {
                    components: 3,
                    values: (0..24).map(|i| (i as f64).sin()).collect(),
                },
            ),
        ],
        cell_data: vec![
            ("Id".into(), scalar((0..7).map(f64::from).collect())),
            (
                "Pair".into(),
                Array {
                    components: 2,
                    values: (0..14).map(|i| 1e-3 * i as f64).collect(),
                },
            ),
        ],
    };
    let part1 = PolyData {
        points: vec![
            [10.0, 0.0, 0.0],
            [11.0, 0.0, 0.0],
            [11.0, 1.0, 0.0],
            [10.0, 1.0, 1e-300],
        ],
        verts: cells(vec![0, 1], vec![3]),
        lines: Cells::default(),
        polys: cells(vec![0, 4, 7], vec![0, 1, 2, 3, 0, 2, 3]),
        strips: Cells::default(),
        point_data: vec![
            (
                "Temperature".into(),
                scalar(vec![100.0, 101.0, -0.5, 1e300]),
            ),
            (
                "Velocity".into(),
                Array {
                    components: 3,
                    values: (0..12).map(|i| -(i as f64).sqrt()).collect(),
                },
            ),
        ],
        cell_data: vec![
            ("Id".into(), scalar(vec![100.0, 101.0, 102.0])),
            (
                "Pair".into(),
                Array {
                    components: 2,
                    values: vec![-1.0, -2.0, -3.0, -4.0, -5.0, -6.0],
                },
            ),
        ],
    };
    vec![part0, part1]
}

#[test]
fn round_trip_mixed_topologies() {
    let parts = mixed_polydata();
    for (name, compression) in [("plain", None), ("deflate", Some(4))] {
        let path = temp_path(&format!("mixed_{name}.vtkhdf"));
        let w = FileWriter::create(&path).unwrap();
        write_polydata(&w, &parts, compression).unwrap();
        w.close().unwrap();
        let got = read_polydata(&File::open(&path).unwrap()).unwrap();
        assert_eq!(got, parts, "{name}");
        // The layout VTK writes.
        let f = File::open(&path).unwrap();
        let v = f.dataset("/VTKHDF/Points").unwrap();
        assert_eq!(v.shape(), &[12, 3]);
        assert_eq!(vtkhdf::dtype_name(v.dtype()), "<f8");
        for t in ["Vertices", "Lines", "Polygons", "Strips"] {
            for n in [
                "NumberOfCells",
                "NumberOfConnectivityIds",
                "Offsets",
                "Connectivity",
            ] {
                let d = f.dataset(&format!("/VTKHDF/{t}/{n}")).unwrap();
                assert_eq!(vtkhdf::dtype_name(d.dtype()), "<i8", "{t}/{n}");
            }
        }
        // Empty topologies keep one offset per partition.
        assert_eq!(f.dataset("/VTKHDF/Strips/Offsets").unwrap().shape(), &[3]);
        assert_eq!(f.dataset("/VTKHDF/Lines/Offsets").unwrap().shape(), &[4]);
        assert_eq!(
            f.dataset("/VTKHDF/CellData/Pair").unwrap().shape(),
            &[10, 2]
        );
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn rejects_inconsistent_input() {
    let mut parts = mixed_polydata();
    parts[1].polys.connectivity[0] = 4; // point id out of range
    let w = FileWriter::in_memory().unwrap();
    let e = write_polydata(&w, &parts, None).unwrap_err();
    assert!(e.to_string().contains("partition 1"), "{e}");
    assert!(e.to_string().contains("Polygons"), "{e}");

    let mut parts = mixed_polydata();
    parts[0].lines.offsets.clear();
    let w = FileWriter::in_memory().unwrap();
    assert!(write_polydata(&w, &parts, None).is_err());

    let mut parts = mixed_polydata();
    parts[0].cell_data[0].1.values.pop();
    let w = FileWriter::in_memory().unwrap();
    assert!(write_polydata(&w, &parts, None).is_err());
}

const VTK_READ: &str = r#"
import sys, json
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy as v2n
r = vtk.vtkHDFReader()
r.SetFileName(sys.argv[1])
r.Update()
o = r.GetOutputDataObject(0)
if o.IsA("vtkPartitionedDataSet"):
    parts = [o.GetPartition(i) for i in range(o.GetNumberOfPartitions())]
else:
    parts = [o]
def bits(a):
    # float64 bit patterns: exact through JSON
    a = np.ascontiguousarray(a, dtype="<f8").reshape(-1)
    return [int(x) for x in a.view("<u8")]
def arrays(data):
    res = {}
    for i in range(data.GetNumberOfArrays()):
        a = data.GetArray(i)
        res[a.GetName()] = {"components": a.GetNumberOfComponents(),
                            "values": bits(v2n(a))}
    return res
def cells(c):
    return {"offsets": [int(x) for x in v2n(c.GetOffsetsArray())],
            "connectivity": [int(x) for x in v2n(c.GetConnectivityArray())]}
out = []
for p in parts:
    out.append({
        "class": p.GetClassName(),
        "points": bits(v2n(p.GetPoints().GetData())),
        "verts": cells(p.GetVerts()),
        "lines": cells(p.GetLines()),
        "polys": cells(p.GetPolys()),
        "strips": cells(p.GetStrips()),
        "point_data": arrays(p.GetPointData()),
        "cell_data": arrays(p.GetCellData()),
    })
print(json.dumps(out))
"#;

fn vtk_read(py: &Path, file: &Path) -> Value {
    let out = Command::new(py)
        .args(["-c", VTK_READ])
        .arg(file)
        .output()
        .expect("run python vtk");
    assert!(
        out.status.success(),
        "VTK cannot read {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("VTK output {text:?}: {e}"))
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn arrays_json(arrays: &[(String, Array)]) -> Value {
    let mut m = serde_json::Map::new();
    for (n, a) in arrays {
        m.insert(
            n.clone(),
            json!({"components": a.components, "values": bits(&a.values)}),
        );
    }
    Value::Object(m)
}

fn cells_json(c: &Cells) -> Value {
    json!({"offsets": c.offsets, "connectivity": c.connectivity})
}

#[test]
fn vtk_reads_what_we_write() {
    let Some(py) = std::env::var_os("VTKHDF_PYTHON").map(PathBuf::from) else {
        eprintln!("vtk_polydata: VTKHDF_PYTHON is unset; VTK check skipped");
        return;
    };
    let parts = mixed_polydata();
    let path = temp_path("mixed_vtk.vtkhdf");
    let w = FileWriter::create(&path).unwrap();
    write_polydata(&w, &parts, Some(6)).unwrap();
    w.close().unwrap();
    let got = vtk_read(&py, &path);
    let got = got.as_array().expect("a list of partitions");
    assert_eq!(got.len(), parts.len(), "{got:?}");
    for (i, (g, p)) in got.iter().zip(&parts).enumerate() {
        assert_eq!(g["class"], json!("vtkPolyData"), "partition {i}");
        let points: Vec<f64> = p.points.iter().flatten().copied().collect();
        assert_eq!(g["points"], json!(bits(&points)), "partition {i}");
        assert_eq!(g["verts"], cells_json(&p.verts), "partition {i}");
        assert_eq!(g["lines"], cells_json(&p.lines), "partition {i}");
        assert_eq!(g["polys"], cells_json(&p.polys), "partition {i}");
        assert_eq!(g["strips"], cells_json(&p.strips), "partition {i}");
        assert_eq!(g["point_data"], arrays_json(&p.point_data), "partition {i}");
        assert_eq!(g["cell_data"], arrays_json(&p.cell_data), "partition {i}");
    }
    let _ = std::fs::remove_file(&path);
}
