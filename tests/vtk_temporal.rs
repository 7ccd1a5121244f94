//! Time steps written during a run (`UnstructuredStepWriter`,
//! `PolyDataStepWriter`): a writer killed with SIGKILL leaves a file VTK
//! opens with every completed step; files of VTK and of the crate are
//! reopened and extended; random files written by VTK's `vtkHDFWriter`
//! (cell types, array types, partitions, compression, time steps) read,
//! written back and compared through VTK's reader.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::polydata::{self, PolyData, PolyDataStepWriter};
use vtkhdf::vtk::unstructured::{self, points_array, UnstructuredGrid, UnstructuredStepWriter};
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
    dir.join("vtkhdf").join(name)
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vtkhdf-temporal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
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

/// Step `k` of a deterministic run: the mesh changes every third step,
/// the point array every step.
fn run_step(k: usize) -> (f64, Vec<UnstructuredGrid>) {
    let g = k / 3;
    let n = 3 + g;
    let mut pts = Vec::new();
    for i in 0..n + 3 {
        pts.extend([i as f64 + g as f64 * 0.1, (i % 2) as f64, (i % 3) as f64]);
    }
    let np = pts.len() / 3;
    let mut offsets = vec![0];
    let mut conn = Vec::new();
    for i in 0..n as i64 {
        conn.extend([i, i + 1, i + 2, i + 3]);
        offsets.push(conn.len() as i64);
    }
    let part = UnstructuredGrid {
        points: points_array(Values::F64(pts)),
        offsets,
        connectivity: conn,
        types: vec![10; n],
        polyhedra: None,
        point_data: vec![Array::new(
            "T",
            1,
            Values::F64((0..np).map(|i| (k * 100 + i) as f64).collect()),
        )],
        cell_data: vec![Array::new("Zone", 1, Values::I32(vec![g as i32; n]))],
        field_data: vec![Array::new("Step", 1, Values::I64(vec![k as i64]))],
    };
    (k as f64 * 0.5, vec![part])
}

/// The writer half of the kill test: writes steps until killed.
fn child(path: &Path) -> ! {
    let file = FileWriter::create(path).expect("create");
    let mut w = UnstructuredStepWriter::new(file, StoreOptions::deflate(1, false)).expect("writer");
    let out = std::io::stdout();
    for k in 0..100_000 {
        let (t, parts) = run_step(k);
        w.append_step(t, &parts).expect("append");
        let mut o = out.lock();
        if writeln!(o, "committed {k}")
            .and_then(|_| o.flush())
            .is_err()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    std::process::exit(0)
}

fn check_run_file(path: &Path, steps: usize) {
    let d = vtk_dump(path);
    let got = d["steps"].as_array().unwrap_or_else(|| panic!("{d}"));
    assert_eq!(got.len(), steps, "VTK's step count");
    for (k, st) in got.iter().enumerate() {
        let (t, parts) = run_step(k);
        assert_eq!(st["time"].as_f64(), Some(t));
        let data = &st["data"];
        assert_eq!(data["n_points"], parts[0].n_points());
        let want: Vec<f64> = parts[0].point_data[0].values.to_f64();
        let vals: Vec<f64> = data["point_data"]["T"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(vals, want, "step {k}");
        assert_eq!(data["field_data"]["Step"]["values"][0], k);
    }
    // The crate reads the same steps.
    let s = unstructured::read(&File::open(path).unwrap().group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(s.steps.len(), steps);
    for (k, step) in s.steps.iter().enumerate() {
        assert_eq!(step, &run_step(k).1, "crate step {k}");
    }
}

#[test]
fn killed_writer_leaves_completed_steps() {
    if let Some(p) = std::env::var_os("VTKHDF_UGPD_KILL_CHILD") {
        child(Path::new(&p));
    }
    for (i, stop) in [1usize, 4, 9].into_iter().enumerate() {
        let path = temp_dir().join(format!("killed_{i}.vtkhdf"));
        let mut c = Command::new(std::env::current_exe().unwrap())
            .args([
                "killed_writer_leaves_completed_steps",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("VTKHDF_UGPD_KILL_CHILD", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(c.stdout.take().unwrap()).lines();
        let mut last = None;
        while let Some(Ok(l)) = lines.next() {
            if let Some(k) = l.rfind("committed ") {
                last = l[k + 10..].trim().parse::<usize>().ok();
                if last >= Some(stop) {
                    break;
                }
            }
        }
        c.kill().unwrap();
        c.wait().unwrap();
        for l in lines.map_while(|l| l.ok()) {
            if let Some(k) = l.rfind("committed ") {
                last = l[k + 10..].trim().parse::<usize>().ok();
            }
        }
        let last = last.expect("a committed step");
        // Killed after the commit of step last + 1 but before its line:
        // that step is complete too.
        let n = File::open(&path)
            .unwrap()
            .group("/VTKHDF/Steps")
            .unwrap()
            .attr("NSteps")
            .unwrap()
            .read::<i64>()
            .unwrap()[0] as usize;
        assert!(
            n == last + 1 || n == last + 2,
            "{n} steps, last line {last}"
        );
        check_run_file(&path, n);
    }
}

#[test]
fn step_writer_fields_and_reopen_own_file() {
    let path = temp_dir().join("own.vtkhdf");
    let mut w =
        UnstructuredStepWriter::new(FileWriter::create(&path).unwrap(), StoreOptions::plain())
            .unwrap();
    for k in 0..2 {
        let (t, p) = run_step(k);
        w.append_step(t, &p).unwrap();
    }
    let (t, p) = run_step(2);
    w.append_step_fields(
        t,
        &[p[0].point_data.clone()],
        &[p[0].cell_data.clone()],
        &p[0].field_data,
    )
    .unwrap();
    w.close().unwrap();
    check_run_file(&path, 3);
    let f = File::open(&path).unwrap();
    let n: Vec<i64> = f.dataset("/VTKHDF/NumberOfPoints").unwrap().read().unwrap();
    assert_eq!(n.len(), 1, "geometry stored once");
    drop(f);
    let mut w = UnstructuredStepWriter::reopen(&path, StoreOptions::plain()).unwrap();
    assert_eq!(w.steps(), 3);
    for k in 3..7 {
        let (t, p) = run_step(k);
        w.append_step(t, &p).unwrap();
    }
    w.close().unwrap();
    check_run_file(&path, 7);
    let f = File::open(&path).unwrap();
    let n: Vec<i64> = f.dataset("/VTKHDF/NumberOfPoints").unwrap().read().unwrap();
    assert_eq!(n.len(), 3, "one geometry per mesh change");
    let z: Vec<i64> = f
        .dataset("/VTKHDF/Steps/CellDataOffsets/Zone")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(z[0], z[1], "unchanged arrays repeat their offset");
}

/// VTK's `temporal_ug.vtkhdf` (its `Steps/Values` is contiguous, so the
/// file is first rewritten appendable) gets two more steps; VTK sees the
/// three original steps unchanged and the new ones.
#[test]
fn reopen_vtk_temporal_files() {
    let src = corpus("vtk/temporal_ug.vtkhdf");
    let path = temp_dir().join("vtk_ug_more.vtkhdf");
    std::fs::copy(&src, &path).unwrap();
    let orig = vtk_dump(&src);
    let last = unstructured::read(&File::open(&src).unwrap().group("/VTKHDF").unwrap())
        .unwrap()
        .steps
        .pop()
        .unwrap();
    let mut w = UnstructuredStepWriter::reopen(&path, StoreOptions::deflate(2, false)).unwrap();
    assert_eq!(w.steps(), 3);
    let mut pd = last[0].point_data.clone();
    for a in &mut pd {
        if let Values::F64(v) = &mut a.values {
            v.iter_mut().for_each(|x| *x += 1000.0);
        }
    }
    let fd = vec![Array::new("StepField", 1, Values::F64(vec![7.0, 8.0]))];
    w.append_step_fields(5.0, &[pd.clone()], &[last[0].cell_data.clone()], &fd)
        .unwrap();
    let mut moved = last[0].clone();
    moved.points.values = Values::F64(
        moved
            .points
            .values
            .to_f64()
            .iter()
            .map(|x| x + 1.0)
            .collect(),
    );
    moved.field_data = fd.clone();
    w.append_step(6.0, std::slice::from_ref(&moved)).unwrap();
    w.close().unwrap();
    let d = vtk_dump(&path);
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    for k in 0..3 {
        assert_eq!(steps[k], orig["steps"][k], "original step {k}");
    }
    assert_eq!(steps[3]["time"], 5.0);
    assert_eq!(steps[4]["time"], 6.0);
    assert_eq!(
        steps[3]["data"]["field_data"]["StepField"]["values"],
        serde_json::json!([7.0, 8.0])
    );
    let s = unstructured::read(&File::open(&path).unwrap().group("/VTKHDF").unwrap()).unwrap();
    assert_eq!(s.steps[3][0].point_data, pd);
    assert_eq!(s.steps[4][0].points, moved.points);

    // PolyData likewise, continuing with the last geometry.
    let src = corpus("vtk/temporal_pd.vtkhdf");
    let path = temp_dir().join("vtk_pd_more.vtkhdf");
    std::fs::copy(&src, &path).unwrap();
    let orig = vtk_dump(&src);
    let s0 = polydata::read(&File::open(&src).unwrap().group("/VTKHDF").unwrap()).unwrap();
    let last: Vec<PolyData> = s0.steps.last().unwrap().clone();
    let mut w = PolyDataStepWriter::reopen(&path, StoreOptions::plain()).unwrap();
    let n0 = w.steps() as usize;
    w.append_step(100.0, &last).unwrap();
    w.close().unwrap();
    let d = vtk_dump(&path);
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps.len(), n0 + 1);
    for k in 0..n0 {
        assert_eq!(steps[k], orig["steps"][k], "original step {k}");
    }
    let mut want = orig["steps"][n0 - 1]["data"].clone();
    want["field_data"]["Time"] = steps[n0]["data"]["field_data"]["Time"].clone();
    assert_eq!(steps[n0]["data"], want);
}

const RANDOM_VTK: &str = r#"
import sys, numpy as np, vtk
from vtk.util.numpy_support import numpy_to_vtk
from vtk.util.vtkAlgorithm import VTKPythonAlgorithmBase
seed, kind, parts, level, nsteps, out = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rng = np.random.default_rng(seed)
DT = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.int16, np.uint16, np.int8, np.uint32]
SIZES = {1: 1, 3: 2, 5: 3, 9: 4, 10: 4, 12: 8, 13: 6, 14: 5, 7: 0, 4: 0}
arrays = [(f"a{i}", DT[rng.integers(len(DT))], int(rng.choice([1, 1, 2, 3, 9]))) for i in range(rng.integers(1, 4))]
carrays = [(f"c{i}", DT[rng.integers(len(DT))], int(rng.choice([1, 3]))) for i in range(rng.integers(0, 3))]
pt_type = np.float32 if rng.integers(2) else np.float64
def arr(name, dt, c, n, r):
    v = (r.random((n, c)) * 200 - 100).astype(dt) if dt in (np.float32, np.float64) else r.integers(0, 100, (n, c)).astype(dt)
    a = numpy_to_vtk(v if c > 1 else v[:, 0], deep=1)
    a.SetName(name)
    return a
def mesh(r):
    n = int(r.integers(5, 60))
    pts = vtk.vtkPoints()
    pts.SetData(numpy_to_vtk((r.random((n, 3)) * 10).astype(pt_type), deep=1))
    if kind == "ug":
        d = vtk.vtkUnstructuredGrid()
        d.SetPoints(pts)
        for _ in range(int(r.integers(0, 40))):
            t = int(r.choice([1, 3, 5, 9, 10, 12, 13, 14, 7, 4]))
            k = SIZES[t] or int(r.integers(3, 7))
            ids = vtk.vtkIdList()
            for i in r.integers(0, n, k):
                ids.InsertNextId(int(i))
            d.InsertNextCell(t, ids)
    else:
        d = vtk.vtkPolyData()
        d.SetPoints(pts)
        cas = []
        for lo, hi in [(1, 2), (2, 5), (3, 6), (3, 7)]:
            ca = vtk.vtkCellArray()
            for _ in range(int(r.integers(0, 8))):
                k = int(r.integers(lo, hi))
                ca.InsertNextCell(k)
                for i in r.integers(0, n, k):
                    ca.InsertCellPoint(int(i))
            cas.append(ca)
        d.SetVerts(cas[0]); d.SetLines(cas[1]); d.SetPolys(cas[2]); d.SetStrips(cas[3])
    for name, dt, c in arrays:
        d.GetPointData().AddArray(arr(name, dt, c, n, r))
    for name, dt, c in carrays:
        d.GetCellData().AddArray(arr(name, dt, c, d.GetNumberOfCells(), r))
    return d
def data(step):
    r = np.random.default_rng(seed * 1000 + step // 2)
    if parts == 1:
        return mesh(r)
    p = vtk.vtkPartitionedDataSet()
    for i in range(parts):
        p.SetPartition(i, mesh(r))
    return p
class Src(VTKPythonAlgorithmBase):
    def __init__(self):
        VTKPythonAlgorithmBase.__init__(self, nInputPorts=0, nOutputPorts=1,
            outputType="vtkPartitionedDataSet" if parts > 1 else ("vtkUnstructuredGrid" if kind == "ug" else "vtkPolyData"))
    def RequestInformation(self, req, inInfo, outInfo):
        if nsteps > 1:
            info = outInfo.GetInformationObject(0)
            ts = [0.5 * i for i in range(nsteps)]
            info.Set(vtk.vtkStreamingDemandDrivenPipeline.TIME_STEPS(), ts, len(ts))
            info.Set(vtk.vtkStreamingDemandDrivenPipeline.TIME_RANGE(), [ts[0], ts[-1]], 2)
        return 1
    def RequestData(self, req, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        t = info.Get(vtk.vtkStreamingDemandDrivenPipeline.UPDATE_TIME_STEP()) if info.Has(vtk.vtkStreamingDemandDrivenPipeline.UPDATE_TIME_STEP()) else 0.0
        o = self.GetOutputData(outInfo, 0)
        o.ShallowCopy(data(int(round(t * 2))))
        return 1
w = vtk.vtkHDFWriter()
src = Src()
w.SetInputConnection(src.GetOutputPort())
w.SetFileName(out)
if level:
    w.SetCompressionLevel(level)
if nsteps > 1:
    w.SetWriteAllTimeSteps(True)
w.Write()
"#;

/// Random files written by VTK: UnstructuredGrid and PolyData of random
/// sizes, cell types and array types, one or more partitions, with and
/// without compression, static and temporal; each read by the crate,
/// written back and compared through VTK's reader.
#[test]
fn random_vtk_files_round_trip() {
    let dir = temp_dir();
    let cases: [(u64, &str, u32, u32, u32); 10] = [
        (1, "ug", 1, 0, 1),
        (2, "pd", 1, 4, 1),
        (3, "ug", 2, 0, 1),
        (4, "pd", 3, 1, 1),
        (5, "ug", 1, 6, 3),
        (6, "pd", 1, 0, 4),
        (7, "ug", 2, 0, 3),
        (8, "pd", 2, 2, 2),
        (9, "ug", 3, 9, 1),
        (10, "ug", 1, 0, 5),
    ];
    for (seed, kind, parts, level, nsteps) in cases {
        let src = dir.join(format!("random_{seed}_{kind}.vtkhdf"));
        let out = Command::new(python())
            .args(["-c", RANDOM_VTK])
            .args([
                seed.to_string(),
                kind.into(),
                parts.to_string(),
                level.to_string(),
                nsteps.to_string(),
            ])
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "case {seed}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dst = dir.join(format!("random_{seed}_{kind}_copy.vtkhdf"));
        let f = File::open(&src).unwrap();
        let g = f.group("/VTKHDF").unwrap();
        let w = FileWriter::create(&dst).unwrap();
        let wg = w.root().create_group_tracked("VTKHDF").unwrap();
        let opts = StoreOptions::deflate(3, true);
        if kind == "ug" {
            let s = unstructured::read(&g).unwrap_or_else(|e| panic!("case {seed}: {e}"));
            assert_eq!(s.steps.len(), nsteps as usize, "case {seed}");
            unstructured::write(&wg, &s, &opts).unwrap();
        } else {
            let s = polydata::read(&g).unwrap_or_else(|e| panic!("case {seed}: {e}"));
            assert_eq!(s.steps.len(), nsteps as usize, "case {seed}");
            polydata::write(&wg, &s, &opts).unwrap();
        }
        w.close().unwrap();
        let a = vtk_dump(&src);
        let b = vtk_dump(&dst);
        assert!(
            a.get("error").is_none(),
            "case {seed}: VTK cannot read its own file"
        );
        assert_eq!(
            a, b,
            "case {seed} ({kind}, {parts} parts, level {level}, {nsteps} steps)"
        );
    }
}
