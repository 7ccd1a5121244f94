//! `vtkhdf::vtk::demo`: the demo files are written, verified by the crate's
//! readers and (with `VTKHDF_PYTHON`) opened by VTK's own `vtkHDFReader`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use vtkhdf::vtk::demo::run_demo;

const VTK_COUNT: &str = r#"
import sys, json
import vtk
r = vtk.vtkHDFReader()
r.SetFileName(sys.argv[1])
r.Update()
o = r.GetOutputDataObject(0)
if o.IsA("vtkPartitionedDataSet"):
    parts = [o.GetPartition(i) for i in range(o.GetNumberOfPartitions())]
else:
    parts = [o]
types = {}
for p in parts:
    for c in range(p.GetNumberOfCells()):
        t = str(p.GetCellType(c))
        types[t] = types.get(t, 0) + 1
def names(d):
    return sorted(d.GetArrayName(i) for i in range(d.GetNumberOfArrays()))
print(json.dumps({"class": parts[0].GetClassName(),
    "points": sum(p.GetNumberOfPoints() for p in parts),
    "cells": sum(p.GetNumberOfCells() for p in parts),
    "types": types,
    "point_data": names(parts[0].GetPointData()),
    "cell_data": names(parts[0].GetCellData())}))
"#;

fn vtk_count(py: &Path, file: &Path) -> Value {
    let out = Command::new(py)
        .args(["-c", VTK_COUNT])
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

fn vtk_dump(py: &Path, file: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vtk_dump.py");
    let out = Command::new(py)
        .arg(script)
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
    serde_json::from_str(text.lines().last().unwrap_or("")).expect("dump JSON")
}

#[test]
fn demo_files_verify_and_open_in_vtk() {
    let dir = std::env::temp_dir().join(format!("vtkhdf-vtk-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // A directory that does not exist yet: run_demo creates it.
    let out = dir.join("out");
    let files = run_demo(&out).expect("run_demo");
    let names: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        names,
        [
            "wavelet.vtkhdf",
            "amr.vtkhdf",
            "mixed_cells.vtkhdf",
            "wave_temporal.vtkhdf",
            "collection.vtkhdf"
        ]
        .map(|n| out.join(n))
    );
    for f in &files {
        assert!(f.verified, "{} not verified", f.path.display());
        assert!(f.path.is_file(), "{} missing", f.path.display());
        assert!(!f.what.is_empty());
    }

    match std::env::var_os("VTKHDF_PYTHON").map(PathBuf::from) {
        None => {
            eprintln!("vtk_demo: VTKHDF_PYTHON is unset; VTK checks skipped (tests/run.sh sets it)")
        }
        Some(py) => {
            let w = vtk_count(&py, &files[0].path);
            assert_eq!(w["class"], "vtkImageData", "{w}");
            assert_eq!(w["points"], 64 * 64 * 64, "{w}");
            assert_eq!(w["cells"], 63 * 63 * 63, "{w}");
            assert_eq!(w["point_data"], serde_json::json!(["RTData"]), "{w}");
            assert_eq!(w["cell_data"], serde_json::json!(["CellIndex"]), "{w}");

            let u = vtk_count(&py, &files[2].path);
            assert_eq!(u["class"], "vtkUnstructuredGrid", "{u}");
            assert_eq!(u["points"], 52, "{u}");
            assert_eq!(u["cells"], 31, "{u}");
            // 10 tetra, 12 hexahedron, 13 wedge.
            assert_eq!(
                u["types"],
                serde_json::json!({"10": 20, "12": 3, "13": 8}),
                "{u}"
            );
            assert_eq!(u["point_data"], serde_json::json!(["Temperature"]), "{u}");
            assert_eq!(u["cell_data"], serde_json::json!(["Material"]), "{u}");

            // The others through VTK's full view (tests/vtk_dump.py).
            let a = vtk_dump(&py, &files[1].path);
            let levels = a["data"]["levels"].as_array().expect("AMR levels");
            let blocks: Vec<usize> = levels
                .iter()
                .map(|l| l["blocks"].as_array().unwrap().len())
                .collect();
            assert_eq!(blocks, [1, 2, 1], "{a}");
            let rt = &levels[1]["blocks"][1]["data"]["cell_data"]["RTData"];
            assert_eq!(rt["tuples"], 8 * 16 * 16, "{a}");

            let t = vtk_dump(&py, &files[3].path);
            let times: Vec<f64> = (0..10).map(|k| k as f64 * 0.25).collect();
            assert_eq!(t["times"], serde_json::json!(times), "{t}");
            for (k, step) in t["steps"].as_array().unwrap().iter().enumerate() {
                let d = &step["data"];
                assert_eq!(d["n_points"], 24 * 24, "{d}");
                assert_eq!(d["polys"]["cells"], 23 * 23, "{d}");
                assert_eq!(
                    d["field_data"]["Step"]["values"],
                    serde_json::json!([k]),
                    "{d}"
                );
            }

            let c = vtk_dump(&py, &files[4].path);
            let sets = c["data"]["datasets"].as_array().expect("collection");
            let names: Vec<&str> = sets.iter().map(|s| s["name"].as_str().unwrap()).collect();
            assert_eq!(names, ["Mesh", "Surface", "Image"], "{c}");
            let asm = c["data"]["assembly"].as_str().unwrap();
            assert!(
                asm.contains("<Solids") && asm.contains("<Boundaries"),
                "{asm}"
            );
            assert_eq!(
                sets[0]["data"]["partitions"].as_array().unwrap().len(),
                2,
                "{c}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
