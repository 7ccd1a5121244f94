//! `vtkhdf::vtk::unstructured`: reading VTK-written UnstructuredGrid files
//! (corpus from `VTKHDF_CORPUS`), writing and reading back, and VTK's own
//! `vtkHDFReader` on what the crate writes (when `VTKHDF_PYTHON` is set).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use vtkhdf::vtk::unstructured::{read_unstructured, write_unstructured, Array, UnstructuredGrid};
use vtkhdf::{File, FileWriter};

fn corpus(name: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("VTKHDF_CORPUS") else {
        eprintln!("vtk_unstructured: VTKHDF_CORPUS is unset; corpus checks skipped");
        return None;
    };
    let p = PathBuf::from(dir).join("vtkhdf/vtk").join(name);
    assert!(p.exists(), "missing corpus file {}", p.display());
    Some(p)
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vtkhdf-vtk-ug-{}", std::process::id()));
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

/// The single partition in VTK's corpus file (values from h5py).
fn check_corpus_part(p: &UnstructuredGrid, first_point: [f64; 3], last_point: [f64; 3]) {
    assert_eq!(p.points.len(), 10);
    assert_eq!(p.points[0], first_point);
    assert_eq!(p.points[9], last_point);
    assert_eq!(p.offsets, vec![0, 8, 11, 13, 14, 18]);
    assert_eq!(
        p.connectivity,
        vec![0, 1, 2, 3, 4, 5, 6, 7, 1, 8, 9, 8, 9, 9, 1, 8, 9, 5]
    );
    assert_eq!(p.types, vec![12, 5, 3, 1, 10]);
    let material = array(&p.cell_data, "Material");
    assert_eq!(material.components, 1);
    assert_eq!(material.values, vec![10.0, 20.0, 30.0, 40.0, 50.0]);
    assert_eq!(array(&p.cell_data, "GlobalIds").values.len(), 5);
    let t = array(&p.point_data, "Temperature");
    assert_eq!(t.components, 1);
    let t0 = first_point[0] * 20.0; // VTK's test data: 0.. then 100..
    assert_eq!(&t.values[..3], &[t0, t0 + 1.0, t0 + 2.0]);
    let n = array(&p.point_data, "Normals");
    assert_eq!(n.components, 3);
    assert_eq!(n.values.len(), 30);
    assert_eq!(&n.values[3..6], &[0.0, 0.0, 1.0]);
}

#[test]
fn reads_vtk_corpus_single() {
    let Some(path) = corpus("unstructured.vtkhdf") else {
        return;
    };
    let parts = read_unstructured(&File::open(&path).unwrap()).unwrap();
    assert_eq!(parts.len(), 1);
    check_corpus_part(&parts[0], [0.0; 3], [2.0, 1.0, 0.0]);
}

#[test]
fn reads_vtk_corpus_two_parts() {
    let Some(path) = corpus("unstructured_2parts.vtkhdf") else {
        return;
    };
    let parts = read_unstructured(&File::open(&path).unwrap()).unwrap();
    assert_eq!(parts.len(), 2);
    check_corpus_part(&parts[0], [0.0; 3], [2.0, 1.0, 0.0]);
    check_corpus_part(&parts[1], [5.0, 0.0, 0.0], [7.0, 1.0, 0.0]);
    assert_eq!(
        array(&parts[0].point_data, "Normals"),
        array(&parts[1].point_data, "Normals")
    );
}

fn scalar(values: Vec<f64>) -> Array {
    Array {
        components: 1,
        values,
    }
}

/// Two partitions of tetrahedra, hexahedra and a wedge, with point and cell
/// arrays.
fn mixed_grid() -> Vec<UnstructuredGrid> {
    // Partition 0: a unit hexahedron, a tetrahedron on its top and a wedge
    // beside it.
    let mut points0: Vec<[f64; 3]> = vec![
        [0., 0., 0.],
        [1., 0., 0.],
        [1., 1., 0.],
        [0., 1., 0.],
        [0., 0., 1.],
        [1., 0., 1.],
        [1., 1., 1.],
        [0., 1., 1.],
        [0.5, 0.5, 1.75],
        [2., 0., 0.],
        [2., 1., 0.],
        [2., 0., 1.],
        [2., 1., 1.],
    ];
    points0[8][2] += 0.1;
    let conn0: Vec<i64> = vec![
        0, 1, 2, 3, 4, 5, 6, 7, // hexahedron
        4, 5, 6, 8, // tetrahedron
        1, 9, 5, 2, 10, 6, // wedge
    ];
    let n0 = points0.len();
    let part0 = UnstructuredGrid {
        point_data: vec![
            (
                "Temperature".into(),
                scalar((0..n0).map(|i| i as f64 * 1.5 - 3.0).collect()),
            ),
            (
                "Velocity".into(),
                Array {
                    components: 3,
                    values: (0..n0 * 3).map(|i| (i as f64).sin()).collect(),
                },
            ),
        ],
        cell_data: vec![
            ("Material".into(), scalar(vec![7.0, 8.0, 9.0])),
            (
                "Stress".into(),
                Array {
                    components: 2,
                    values: vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
                },
            ),
        ],
        points: points0,
        offsets: vec![0, 8, 12, 18],
        connectivity: conn0,
        types: vec![12, 10, 13],
    };
    // Partition 1: two tetrahedra and a hexahedron, shifted.
    let points1: Vec<[f64; 3]> = (0..10)
        .map(|i| {
            let i = i as f64;
            [10.0 + i / 3.0, i.cos(), 1e-3 * i * i]
        })
        .collect();
    let part1 = UnstructuredGrid {
        point_data: vec![
            (
                "Temperature".into(),
                scalar((0..10).map(|i| 100.0 + i as f64 / 7.0).collect()),
            ),
            (
                "Velocity".into(),
                Array {
                    components: 3,
                    values: (0..30).map(|i| -(i as f64).sqrt()).collect(),
                },
            ),
        ],
        cell_data: vec![
            ("Material".into(), scalar(vec![1.0, 2.0, 3.0])),
            (
                "Stress".into(),
                Array {
                    components: 2,
                    values: vec![-1.0, -2.0, -3.0, -4.0, 1e300, -1e-300],
                },
            ),
        ],
        points: points1,
        offsets: vec![0, 4, 8, 16],
        connectivity: vec![0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 6, 7, 8, 9],
        types: vec![10, 10, 12],
    };
    vec![part0, part1]
}

#[test]
fn round_trip_mixed_cells() {
    let parts = mixed_grid();
    for (name, compression) in [("plain", None), ("deflate", Some(4))] {
        let path = temp_path(&format!("mixed_{name}.vtkhdf"));
        let w = FileWriter::create(&path).unwrap();
        write_unstructured(&w, &parts, compression).unwrap();
        w.close().unwrap();
        let got = read_unstructured(&File::open(&path).unwrap()).unwrap();
        assert_eq!(got, parts, "{name}");
        // The layout VTK writes.
        let f = File::open(&path).unwrap();
        let v = f.dataset("/VTKHDF/Types").unwrap();
        assert_eq!(vtkhdf::dtype_name(v.dtype()), "|u1");
        let v = f.dataset("/VTKHDF/Points").unwrap();
        assert_eq!(v.shape(), &[23, 3]);
        assert_eq!(vtkhdf::dtype_name(v.dtype()), "<f8");
        for n in [
            "NumberOfPoints",
            "NumberOfCells",
            "NumberOfConnectivityIds",
            "Offsets",
            "Connectivity",
        ] {
            let d = f.dataset(&format!("/VTKHDF/{n}")).unwrap();
            assert_eq!(vtkhdf::dtype_name(d.dtype()), "<i8", "{n}");
        }
        assert_eq!(f.dataset("/VTKHDF/Offsets").unwrap().shape(), &[8]);
        assert_eq!(
            f.dataset("/VTKHDF/CellData/Stress").unwrap().shape(),
            &[6, 2]
        );
        let _ = std::fs::remove_file(&path);
    }
}

#[test]
fn rejects_inconsistent_input() {
    let mut parts = mixed_grid();
    parts[1].connectivity[0] = 10; // point id out of range
    let w = FileWriter::in_memory().unwrap();
    let e = write_unstructured(&w, &parts, None).unwrap_err();
    assert!(e.to_string().contains("partition 1"), "{e}");

    let mut parts = mixed_grid();
    parts[0].cell_data.pop();
    let w = FileWriter::in_memory().unwrap();
    assert!(write_unstructured(&w, &parts, None).is_err());
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
    grids = [o.GetPartition(i) for i in range(o.GetNumberOfPartitions())]
else:
    grids = [o]
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
out = []
for g in grids:
    cells = g.GetCells()
    out.append({
        "class": g.GetClassName(),
        "points": bits(v2n(g.GetPoints().GetData())),
        "connectivity": [int(x) for x in v2n(cells.GetConnectivityArray())],
        "offsets": [int(x) for x in v2n(cells.GetOffsetsArray())],
        "types": [int(x) for x in v2n(g.GetCellTypesArray())],
        "point_data": arrays(g.GetPointData()),
        "cell_data": arrays(g.GetCellData()),
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

#[test]
fn vtk_reads_what_we_write() {
    let Some(py) = std::env::var_os("VTKHDF_PYTHON").map(PathBuf::from) else {
        eprintln!("vtk_unstructured: VTKHDF_PYTHON is unset; VTK check skipped");
        return;
    };
    let parts = mixed_grid();
    let path = temp_path("mixed_vtk.vtkhdf");
    let w = FileWriter::create(&path).unwrap();
    write_unstructured(&w, &parts, Some(6)).unwrap();
    w.close().unwrap();
    let got = vtk_read(&py, &path);
    let got = got.as_array().expect("a list of partitions");
    assert_eq!(got.len(), parts.len(), "{got:?}");
    for (i, (g, p)) in got.iter().zip(&parts).enumerate() {
        assert_eq!(g["class"], json!("vtkUnstructuredGrid"), "partition {i}");
        let points: Vec<f64> = p.points.iter().flatten().copied().collect();
        assert_eq!(g["points"], json!(bits(&points)), "partition {i}");
        assert_eq!(g["connectivity"], json!(p.connectivity), "partition {i}");
        assert_eq!(g["offsets"], json!(p.offsets), "partition {i}");
        assert_eq!(g["types"], json!(p.types), "partition {i}");
        assert_eq!(g["point_data"], arrays_json(&p.point_data), "partition {i}");
        assert_eq!(g["cell_data"], arrays_json(&p.cell_data), "partition {i}");
    }
    let _ = std::fs::remove_file(&path);
}
