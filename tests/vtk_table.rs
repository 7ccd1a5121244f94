//! `vtkhdf::vtk::table`: tables written by the crate read back by the crate
//! and by VTK's `vtkHDFReader` (through `tests/vtk_dump.py`), and tables
//! written by VTK (corpus files and random tables from `vtkHDFWriter`) read
//! by the crate, written back and read by VTK again with identical results.

mod vtk_view;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use vtk_view::{check_array, corpus, python, temp_dir, vtk_dump, vtk_dumps};
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::table::{self, Table, TableStepWriter};
use vtkhdf::vtk::Series;
use vtkhdf::{File, FileWriter};

// ---------------------------------------------------------------------------
// Running VTK and comparing its view
// ---------------------------------------------------------------------------

/// Checks VTK's view of a table against the table written.
fn check_table(ctx: &str, got: &Value, t: &Table) {
    assert_eq!(got["class"], "vtkTable", "{ctx}");
    assert_eq!(got["rows"], t.rows, "{ctx}: rows");
    let rd = got["row_data"].as_object().unwrap();
    assert_eq!(rd.len(), t.columns.len(), "{ctx}: columns {rd:?}");
    for c in &t.columns {
        check_array(&format!("{ctx}: column {}", c.name), &rd[&c.name], c);
    }
}

/// Checks VTK's view of a whole series.
fn check_series(got: &Value, s: &Series<Table>) {
    match &s.times {
        None => {
            assert_eq!(got["times"], Value::Null);
            check_table("static", &got["data"], &s.steps[0]);
        }
        Some(times) => {
            // JSON floats: parsed to within an ulp.
            let t: Vec<f64> = serde_json::from_value(got["times"].clone()).unwrap();
            assert_eq!(t.len(), times.len());
            for (a, b) in t.iter().zip(times) {
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                    "times {t:?} {times:?}"
                );
            }
            let steps = got["steps"].as_array().unwrap();
            assert_eq!(steps.len(), s.steps.len());
            for (i, (g, t)) in steps.iter().zip(&s.steps).enumerate() {
                check_table(&format!("step {i}"), &g["data"], t);
            }
        }
    }
}

fn write(path: &Path, s: &Series<Table>, opts: &StoreOptions) {
    let f = FileWriter::create(path).unwrap();
    table::write_file(&f, s, opts).unwrap();
    f.close().unwrap();
}

fn read(path: &Path) -> Series<Table> {
    table::read_file(&File::open(path).unwrap()).unwrap()
}

/// Reads `src` with the crate, writes it to `dst`, and checks the crate
/// reads the copy the same.
fn copy(src: &Path, dst: &Path) -> Series<Table> {
    let s = read(src);
    write(dst, &s, &StoreOptions::default());
    assert_eq!(read(dst), s, "{}: crate copy differs", src.display());
    s
}

fn col(name: &str, components: usize, values: Values) -> Array {
    Array::new(name, components, values)
}

// ---------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------

#[test]
fn corpus_vtk_tables_round_trip() {
    let dir = temp_dir("corpus");
    let mut files = Vec::new();
    for name in ["table.vtkhdf", "temporal_table_static.vtkhdf"] {
        let src = corpus(&format!("vtk/{name}"));
        let dst = dir.join(name);
        let s = copy(&src, &dst);
        match name {
            "table.vtkhdf" => {
                assert!(s.times.is_none());
                let t = &s.steps[0];
                assert_eq!(t.rows, 4);
                assert_eq!(t.columns.len(), 2);
                assert_eq!(t.columns[0].name, "x");
                assert!(matches!(t.columns[0].values, Values::F64(_)));
                assert!(matches!(t.columns[1].values, Values::I32(_)));
            }
            _ => {
                assert_eq!(s.times, Some(vec![0.0, 1.0]));
                assert_eq!(s.steps[0], s.steps[1]);
                assert_eq!(
                    s.steps[0].columns[0].values,
                    Values::F64(vec![0.0, 1.0, 2.0, 3.0])
                );
                // The unchanged column is stored once by the crate.
                let f = File::open(&dst).unwrap();
                let off: Vec<i64> = f
                    .dataset("/VTKHDF/Steps/RowDataOffsets/x")
                    .unwrap()
                    .read()
                    .unwrap();
                assert_eq!(off, vec![0, 0]);
                assert_eq!(f.dataset("/VTKHDF/RowData/x").unwrap().shape(), &[4]);
            }
        }
        files.push(src);
        files.push(dst);
    }
    let dumps = vtk_dumps(&files);
    for pair in dumps.chunks(2) {
        let a = pair[0].as_ref().unwrap();
        let b = pair[1].as_ref().unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn corpus_table_with_strings_crate_only() {
    let dir = temp_dir("strings");
    let src = corpus("h5py/table_with_strings.vtkhdf");
    let dst = dir.join("copy.vtkhdf");
    let s = copy(&src, &dst);
    let t = &s.steps[0];
    assert_eq!(t.rows, 3);
    assert_eq!(
        t.column("a").unwrap().values,
        Values::F64(vec![1.0, 2.0, 3.0])
    );
    assert_eq!(
        t.column("s").unwrap().values,
        Values::Str(vec!["x".into(), "yy".into(), "zzz".into()])
    );
    // Written as variable-length ASCII, as h5py sees it.
    let out = Command::new(python())
        .args([
            "-c",
            "import h5py,sys; d=h5py.File(sys.argv[1])['VTKHDF/RowData/s']; \
             print(h5py.check_string_dtype(d.dtype).encoding, h5py.check_string_dtype(d.dtype).length, d.shape)",
        ])
        .arg(&dst)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ascii None (3,)"
    );
    // VTK 9.7.2 cannot read string RowData ("Unknown native datatype"):
    // the update fails and the column is missing, for the original and the
    // copy alike.
    let d = vtk_dumps(&[src, dst]);
    let (a, b) = (d[0].as_ref().unwrap(), d[1].as_ref().unwrap());
    assert_eq!(a, b);
    let cols = a["data"]["row_data"].as_object().unwrap();
    assert!(cols.contains_key("a"));
    assert!(!cols.contains_key("s"), "VTK now reads string columns: {a}");
}

// ---------------------------------------------------------------------------
// Written by the crate
// ---------------------------------------------------------------------------

fn all_types(rows: usize, seed: i64) -> Vec<Array> {
    let n = rows as i64;
    let r = |k: i64| (0..n * k).map(move |i| i * 7 + seed);
    vec![
        col(
            "a_i8",
            1,
            Values::I8(r(1).map(|i| (i % 100) as i8 - 50).collect()),
        ),
        col(
            "b_u8",
            2,
            Values::U8(r(2).map(|i| (i % 250) as u8).collect()),
        ),
        col("c_i16", 1, Values::I16(r(1).map(|i| -(i as i16)).collect())),
        col(
            "d_u16",
            1,
            Values::U16(r(1).map(|i| i as u16 * 3).collect()),
        ),
        col(
            "e_i32",
            3,
            Values::I32(r(3).map(|i| i as i32 - 1000).collect()),
        ),
        col(
            "f_u32",
            1,
            Values::U32(r(1).map(|i| i as u32 + 4_000_000_000).collect()),
        ),
        col(
            "g_i64",
            1,
            Values::I64(r(1).map(|i| i - (1 << 40)).collect()),
        ),
        col(
            "h_u64",
            1,
            Values::U64(r(1).map(|i| i as u64 + (1 << 50)).collect()),
        ),
        col(
            "i_f32",
            2,
            Values::F32(r(2).map(|i| i as f32 * 0.25).collect()),
        ),
        col(
            "j_f64",
            1,
            Values::F64(r(1).map(|i| i as f64 / 3.0).collect()),
        ),
    ]
}

#[test]
fn static_every_type() {
    let dir = temp_dir("static");
    let mut t = Table::new(all_types(5, 1));
    t.columns[9].attribute = Some("Scalars".into());
    let s = Series::single(t);
    let plain = dir.join("plain.vtkhdf");
    let deflated = dir.join("deflate.vtkhdf");
    write(&plain, &s, &StoreOptions::default());
    write(&deflated, &s, &StoreOptions::deflate(4, true));
    assert_eq!(read(&plain), s);
    assert_eq!(read(&deflated), s);
    let f = File::open(&plain).unwrap();
    let v: Vec<i64> = f
        .group("/VTKHDF")
        .unwrap()
        .attr("Version")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v, vec![2, 8]);
    let n: Vec<i64> = f.dataset("/VTKHDF/NumberOfRows").unwrap().read().unwrap();
    assert_eq!(n, vec![5]);
    for d in vtk_dumps(&[plain, deflated]) {
        check_series(&d.unwrap(), &s);
    }
}

#[test]
fn empty_and_zero_row_tables() {
    let dir = temp_dir("empty");
    let p = dir.join("t.vtkhdf");
    let s = Series::single(Table::new(all_types(0, 0)));
    write(&p, &s, &StoreOptions::default());
    assert_eq!(read(&p), s);
    check_series(&vtk_dump(&p).unwrap(), &s);
}

fn temporal_series() -> Series<Table> {
    let t0 = Table::new(all_types(4, 0));
    let mut t1 = Table::new(all_types(4, 0));
    t1.columns[9].values = Values::F64(vec![9.0, 8.0, 7.0, 6.0]);
    let t2 = Table::new(all_types(6, 3));
    let t3 = t2.clone();
    Series::temporal([(0.0, t0), (0.5, t1), (1.25, t2), (2.0, t3)])
}

#[test]
fn temporal_written_step_by_step() {
    let dir = temp_dir("temporal");
    let p = dir.join("t.vtkhdf");
    let s = temporal_series();
    let f = FileWriter::create(&p).unwrap();
    let mut w = table::create_file_writer(&f, &StoreOptions::default()).unwrap();
    let times = s.times.clone().unwrap();
    for (i, (t, step)) in times.iter().zip(&s.steps).enumerate() {
        w.add_step(*t, step).unwrap();
        f.flush().unwrap();
        // The file on disk holds the steps written so far.
        let now = read(&p);
        assert_eq!(now.steps.len(), i + 1);
        assert_eq!(now.steps[i], *step);
    }
    w.finish().unwrap();
    f.close().unwrap();
    assert_eq!(read(&p), s);
    let r = File::open(&p).unwrap();
    let off = |c: &str| -> Vec<i64> {
        r.dataset(&format!("/VTKHDF/Steps/RowDataOffsets/{c}"))
            .unwrap()
            .read()
            .unwrap()
    };
    // Unchanged columns are stored once per change.
    assert_eq!(off("a_i8"), vec![0, 0, 4, 4]);
    assert_eq!(off("j_f64"), vec![0, 4, 8, 8]);
    let n: Vec<i64> = r.dataset("/VTKHDF/NumberOfRows").unwrap().read().unwrap();
    assert_eq!(n, vec![4, 4, 6, 6]);
    // Single steps read alone.
    assert_eq!(
        table::read_step(&r.group("/VTKHDF").unwrap(), 2).unwrap(),
        s.steps[2]
    );
    assert!(table::read_step(&r.group("/VTKHDF").unwrap(), 4).is_err());
    check_series(&vtk_dump(&p).unwrap(), &s);
}

#[test]
fn temporal_with_strings_crate_only() {
    let dir = temp_dir("tstrings");
    let p = dir.join("t.vtkhdf");
    let mk = |names: &[&str]| {
        Table::new(vec![
            col("n", 1, Values::I32((0..names.len() as i32).collect())),
            col(
                "s",
                1,
                Values::Str(names.iter().map(|s| s.to_string()).collect()),
            ),
        ])
    };
    let s = Series::temporal([
        (0.0, mk(&["a", "bb"])),
        (1.0, mk(&["a", "bb"])),
        (2.0, mk(&["c", "dd", "eee"])),
    ]);
    write(&p, &s, &StoreOptions::default());
    assert_eq!(read(&p), s);
    // VTK shows the numeric column only.
    let d = vtk_dump(&p).unwrap();
    for (step, t) in d["steps"].as_array().unwrap().iter().zip(&s.steps) {
        let cols = step["data"]["row_data"].as_object().unwrap();
        assert_eq!(cols.keys().collect::<Vec<_>>(), vec!["n"]);
        check_array("n", &cols["n"], t.column("n").unwrap());
    }
}

#[test]
fn bad_tables_are_refused() {
    let dir = temp_dir("bad");
    let f = FileWriter::create(dir.join("w.vtkhdf")).unwrap();
    let short = Table {
        rows: 3,
        columns: vec![col("x", 1, Values::F64(vec![1.0]))],
    };
    assert!(table::write_file(&f, &Series::single(short), &StoreOptions::default()).is_err());
    let mut w = TableStepWriter::create(
        &f.root().create_group_tracked("T").unwrap(),
        &StoreOptions::default(),
    )
    .unwrap();
    w.add_step(0.0, &Table::new(vec![col("x", 1, Values::F64(vec![1.0]))]))
        .unwrap();
    let other = Table::new(vec![col("x", 1, Values::F32(vec![1.0]))]);
    assert!(w.add_step(1.0, &other).is_err());
    drop(w);
    drop(f);

    // Files claiming more rows than stored, or too few offsets.
    let p = dir.join("lies.vtkhdf");
    let out = Command::new(python())
        .args([
            "-c",
            r#"
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "w")
g = f.create_group("VTKHDF"); g.attrs["Version"] = (2, 8); g.attrs["Type"] = np.bytes_("Table")
g["NumberOfRows"] = np.array([5, 1000000000], dtype="i4")
g["RowData/x"] = np.arange(6.0)
s = g.create_group("Steps"); s.attrs["NSteps"] = 3; s["Values"] = np.arange(3.0)
s["RowDataOffsets/x"] = np.array([0, 1], dtype="i8")
"#,
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = File::open(&p).unwrap();
    let g = r.group("/VTKHDF").unwrap();
    assert_eq!(table::read_step(&g, 0).unwrap().rows, 5);
    let e = table::read_step(&g, 1).unwrap_err().to_string();
    assert!(e.contains("RowData/x"), "{e}");
    let e = table::read_step(&g, 2).unwrap_err().to_string();
    assert!(e.contains("NumberOfRows"), "{e}");
    assert!(table::read(&g).is_err());
}

// ---------------------------------------------------------------------------
// Random tables written by VTK's vtkHDFWriter
// ---------------------------------------------------------------------------

const VTK_RANDOM_TABLES: &str = r#"
import sys, numpy as np, vtk
from vtk.util.numpy_support import numpy_to_vtk
from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase

out, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]

def make(rows, cols):
    t = vtk.vtkTable()
    for name, dt, comp in cols:
        if dt[0] == "f":
            a = rng.normal(size=(rows, comp)) * 1000
        else:
            info = np.iinfo(dt)
            a = rng.integers(info.min, info.max, size=(rows, comp), dtype=dt, endpoint=True)
        a = np.ascontiguousarray(a.astype(dt).reshape(rows, comp) if comp > 1 else a.astype(dt).reshape(rows))
        v = numpy_to_vtk(a, deep=1)
        v.SetName(name)
        t.AddColumn(v)
    return t

class Source(VTKPythonAlgorithmBase):
    def __init__(self, tables, times):
        VTKPythonAlgorithmBase.__init__(self, nInputPorts=0, nOutputPorts=1, outputType="vtkTable")
        self.tables, self.times = tables, times
    def RequestInformation(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        sddp = vtk.vtkStreamingDemandDrivenPipeline
        info.Set(sddp.TIME_STEPS(), self.times, len(self.times))
        info.Set(sddp.TIME_RANGE(), [self.times[0], self.times[-1]], 2)
        return 1
    def RequestData(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        sddp = vtk.vtkStreamingDemandDrivenPipeline
        t = info.Get(sddp.UPDATE_TIME_STEP()) if info.Has(sddp.UPDATE_TIME_STEP()) else self.times[0]
        i = int(np.argmin([abs(t - x) for x in self.times]))
        vtk.vtkTable.GetData(outInfo).ShallowCopy(self.tables[i])
        return 1

for k in range(count):
    ncol = int(rng.integers(1, 6))
    cols = [("c%d_%s" % (j, TYPES[int(rng.integers(0, len(TYPES)))]), None, int(rng.integers(1, 4))) for j in range(ncol)]
    cols = [(n, n.split("_")[1], c) for n, _, c in cols]
    w = vtk.vtkHDFWriter()
    w.SetFileName("%s/vtk_table_%d.vtkhdf" % (out, k))
    if k % 2 == 0:
        w.SetInputData(make(int(rng.integers(1, 60)), cols))
    else:
        nsteps = int(rng.integers(2, 5))
        tables, prev = [], None
        for s in range(nsteps):
            if prev is not None and rng.random() < 0.3:
                tables.append(prev)
            else:
                tables.append(make(int(rng.integers(1, 60)), cols))
            prev = tables[-1]
        times = sorted(set(float(x) for x in rng.uniform(0, 10, nsteps)))
        while len(times) < nsteps:
            times.append(times[-1] + 1.0)
        src = Source(tables, times)
        w.SetInputConnection(src.GetOutputPort())
        w.SetWriteAllTimeSteps(True)
    if not w.Write():
        sys.exit("write failed %d" % k)
"#;

#[test]
fn random_vtk_written_tables_round_trip() {
    let dir = temp_dir("random");
    let count = 8;
    let out = Command::new(python())
        .args(["-c", VTK_RANDOM_TABLES])
        .arg(&dir)
        .args(["20261121", &count.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "VTK writer script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    for k in 0..count {
        let src = dir.join(format!("vtk_table_{k}.vtkhdf"));
        let dst = dir.join(format!("crate_table_{k}.vtkhdf"));
        let s = copy(&src, &dst);
        assert_eq!(s.is_temporal(), k % 2 == 1, "file {k}");
        files.push(src);
        files.push(dst);
    }
    let dumps = vtk_dumps(&files);
    for (k, pair) in dumps.chunks(2).enumerate() {
        let a = pair[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("VTK file {k}: {e}"));
        let b = pair[1]
            .as_ref()
            .unwrap_or_else(|e| panic!("crate copy {k}: {e}"));
        assert_eq!(a, b, "table {k}: VTK sees the crate copy differently");
        // And VTK's view is what the crate read.
        let s = read(&files[2 * k]);
        check_series(a, &s);
    }
}
