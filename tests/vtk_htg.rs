//! `vtkhdf::vtk::htg`: HyperTreeGrid read and write, checked against VTK's
//! own `vtkHDFReader` (through `tests/vtk_dump.py`) and against files
//! written by VTK's `vtkHDFWriter`.
//!
//! VTK's view of a file written by the crate is compared with VTK's view of
//! the same HyperTreeGrid built in memory with VTK's API (trees built from
//! the same breadth-first descriptors, global indices assigned tree after
//! tree as the reader does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::htg::{read_file, write_file, HyperTree, HyperTreeGrid};
use vtkhdf::vtk::Series;
use vtkhdf::{File, FileWriter, GroupWriter};

/// The Python side: VTK's view of a file or of an in-memory grid, and
/// random grids written by VTK.
const VTK_SIDE: &str = r##""""Python side of tests/vtk_htg.rs (HyperTreeGrid).

    python vtk_side.py VTK_DUMP_PY dump FILE [--full]   VTK's view of FILE (vtk_dump.py)
    python vtk_side.py VTK_DUMP_PY build JSON [--full]  the same view of an in-memory
                                                      HyperTreeGrid series described by JSON
    python vtk_side.py VTK_DUMP_PY gen DIR              random HyperTreeGrids written by
                                                      vtkHDFWriter
"""

import json
import os
import random
import sys

DUMP = sys.argv.pop(1)


def load_dump(argv):
    """Runs vtk_dump.py's definitions without its main()."""
    src = open(DUMP).read()
    body, tail = src.rsplit("main()", 1)
    ns = {"__name__": "vtk_dump"}
    saved = sys.argv
    sys.argv = [DUMP] + argv
    exec(compile(body + tail, DUMP, "exec"), ns)
    sys.argv = saved
    return ns


def dump(path, full):
    ns = load_dump([path] + (["--full"] if full else []))
    sys.argv = [DUMP, path] + (["--full"] if full else [])
    ns["main"]()


VTK_CLASSES = {
    "float64": "vtkDoubleArray",
    "float32": "vtkFloatArray",
    "int8": "vtkCharArray",
    "uint8": "vtkUnsignedCharArray",
    "int16": "vtkShortArray",
    "uint16": "vtkUnsignedShortArray",
    "int32": "vtkIntArray",
    "uint32": "vtkUnsignedIntArray",
    "int64": "vtkLongArray",
    "uint64": "vtkUnsignedLongArray",
}

VTK_TYPES = {
    "float64": "VTK_DOUBLE",
    "float32": "VTK_FLOAT",
    "int8": "VTK_CHAR",
    "uint8": "VTK_UNSIGNED_CHAR",
    "int16": "VTK_SHORT",
    "uint16": "VTK_UNSIGNED_SHORT",
    "int32": "VTK_INT",
    "uint32": "VTK_UNSIGNED_INT",
    "int64": "VTK_LONG",
    "uint64": "VTK_UNSIGNED_LONG",
}


def make_array(vtk, a):
    import numpy as np
    from vtk.util.numpy_support import numpy_to_vtk

    if a["dtype"] == "string":
        s = vtk.vtkStringArray()
        s.SetName(a["name"])
        for v in a["values"]:
            s.InsertNextValue(v)
        return s
    arr = np.array(a["values"], dtype=a["dtype"])
    c = a["components"]
    arr = arr.reshape(-1, c) if c > 1 else arr
    tmp = numpy_to_vtk(arr, deep=1, array_type=getattr(vtk, VTK_TYPES[a["dtype"]]))
    # The plain class (vtkDoubleArray...) the reader creates, not vtkTypeFloat64Array.
    v = getattr(vtk, VTK_CLASSES[a["dtype"]])()
    v.DeepCopy(tmp)
    v.SetName(a["name"])
    return v


def build_grid(vtk, g):
    h = vtk.vtkHyperTreeGrid()
    h.Initialize()
    h.SetBranchFactor(g["branch_factor"])
    h.SetDimensions(g["dimensions"])
    h.SetTransposedRootIndexing(g["transposed"])
    for axis, setter in (("x", h.SetXCoordinates), ("y", h.SetYCoordinates), ("z", h.SetZCoordinates)):
        setter(make_array(vtk, {"name": "", "components": 1, **g[axis]}))
    has_mask = any(t["mask"] is not None for t in g["trees"])
    mask = vtk.vtkBitArray() if has_mask else None
    cursor = vtk.vtkHyperTreeGridNonOrientedCursor()
    offset = 0
    mask_bits = []
    for t in g["trees"]:
        h.InitializeNonOrientedCursor(cursor, t["id"], True)
        cursor.SetGlobalIndexStart(offset)
        bits = vtk.vtkBitArray()
        for ch in t["descriptor"]:
            bits.InsertNextValue(1 if ch == "1" else 0)
        cursor.GetTree().BuildFromBreadthFirstOrderDescriptor(bits, len(t["descriptor"]), 0)
        n = sum(t["cells_per_depth"])
        m = t["mask"] if t["mask"] is not None else "0" * n
        mask_bits.extend(1 if ch == "1" else 0 for ch in m)
        offset += n
    if has_mask:
        for b in mask_bits:
            mask.InsertNextValue(b)
        h.SetMask(mask)
    for a in g["cell_data"]:
        h.GetCellData().AddArray(make_array(vtk, a))
    for a in g["field_data"]:
        h.GetFieldData().AddArray(make_array(vtk, a))
    return h


def build(path, full):
    import vtk

    ns = load_dump(["--full"] if full else [])
    doc = json.load(open(path))

    def view(parts, time):
        # Field data (the first partition's) and the reader's Time array go
        # on the grid, or on the vtkPartitionedDataSet for several parts.
        fields = parts[0]["field_data"]
        objs = [build_grid(vtk, {**g, "field_data": []}) for g in parts]
        if len(objs) == 1:
            top = objs[0]
        else:
            top = vtk.vtkPartitionedDataSet()
            for i, o in enumerate(objs):
                top.SetPartition(i, o)
        for a in fields:
            top.GetFieldData().AddArray(make_array(vtk, a))
        if time is not None:
            t = vtk.vtkDoubleArray()
            t.SetName("Time")
            t.InsertNextValue(time)
            top.GetFieldData().AddArray(t)
        return ns["obj"](top)

    times = doc["times"]
    out = {"times": times}
    if times is None:
        out["data"] = view(doc["steps"][0], None)
    else:
        out["steps"] = [{"time": t, "data": view(parts, t)} for t, parts in zip(times, doc["steps"])]
    print(json.dumps(out, sort_keys=True))


def random_descriptor(rng, roots, children, depth, split):
    """vtkHyperTreeGridSource descriptor and mask strings."""
    levels = []
    masks = []
    n = roots
    for level in range(depth):
        last = level == depth - 1
        cells = []
        mask = []
        for _ in range(n):
            r = (not last) and rng.random() < split
            cells.append("R" if r else ".")
            mask.append("1" if r or rng.random() > 0.2 else "0")
        levels.append(cells)
        masks.append(mask)
        n = cells.count("R") * children
        if n == 0:
            break

    def fmt(levels):
        out = []
        for lv in levels:
            out.append(" ".join("".join(lv[i : i + children]) for i in range(0, len(lv), children)))
        return "|".join(out)

    return fmt(levels), fmt(masks)


def random_grid(vtk, rng, case, dims, bf, use_mask):
    """A vtkHyperTreeGridSource output with random trees and extra arrays."""
    dim = sum(1 for d in dims if d > 1)
    children = bf**dim
    roots = 1
    for d in dims:
        roots *= max(d - 1, 1)
    depth = rng.randint(2, 4 if bf == 2 else 3)
    desc, mask = random_descriptor(rng, roots, children, depth, 0.4 if bf == 2 else 0.25)
    s = vtk.vtkHyperTreeGridSource()
    s.SetDimensions(*dims)
    s.SetBranchFactor(bf)
    s.SetMaxDepth(depth)
    s.SetDescriptor(desc)
    if use_mask:
        s.SetUseMask(True)
        s.SetMask(mask)
    s.SetGridScale(rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0))
    s.Update()
    g = vtk.vtkHyperTreeGrid()
    g.DeepCopy(s.GetOutput())
    n = g.GetNumberOfCells()
    for name, cls, comps in (("I32", vtk.vtkIntArray, 1), ("F32x3", vtk.vtkFloatArray, 3), ("U8", vtk.vtkUnsignedCharArray, 1)):
        a = cls()
        a.SetName(name)
        a.SetNumberOfComponents(comps)
        a.SetNumberOfTuples(n)
        for i in range(n * comps):
            a.SetValue(i, (i * 7 + case) % 251)
        g.GetCellData().AddArray(a)
    return g


def write(vtk, data, path):
    w = vtk.vtkHDFWriter()
    w.SetInputData(data)
    w.SetFileName(path)
    if not w.Write():
        raise SystemExit(f"vtkHDFWriter failed for {path}")


def gen(out_dir):
    import vtk

    rng = random.Random(20250521)
    made = []
    for case in range(10):
        bf = 2 if case % 2 == 0 else 3
        two_d = case % 3 == 1
        dims = [rng.randint(2, 4), rng.randint(2, 4), 1 if two_d else rng.randint(2, 3)]
        use_mask = case % 4 != 3
        g = random_grid(vtk, rng, case, dims, bf, use_mask)
        path = os.path.join(out_dir, f"random_{case}.vtkhdf")
        write(vtk, g, path)
        made.append({"path": path, "branch_factor": bf, "dimensions": dims, "cells": [g.GetNumberOfCells()]})
    # Partitioned: three grids of one shape in a vtkPartitionedDataSet.
    dims = [3, 4, 2]
    parts = [random_grid(vtk, rng, 10 + i, dims, 2, True) for i in range(3)]
    pds = vtk.vtkPartitionedDataSet()
    for i, g in enumerate(parts):
        pds.SetPartition(i, g)
    path = os.path.join(out_dir, "random_parts.vtkhdf")
    write(vtk, pds, path)
    made.append({"path": path, "branch_factor": 2, "dimensions": dims, "cells": [g.GetNumberOfCells() for g in parts]})
    print(json.dumps(made))


def main():
    mode = sys.argv[1]
    full = "--full" in sys.argv
    if mode == "dump":
        dump(sys.argv[2], full)
    elif mode == "build":
        build(sys.argv[2], full)
    elif mode == "gen":
        gen(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {mode}")


main()
"##;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = crate_dir().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "set VTKHDF_PYTHON to a Python with vtk, numpy and h5py (no .venv/bin/python either)"
    );
    venv
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("VTKHDF_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => crate_dir().join("../shared/corpus"),
    }
}

fn temp_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("vtkhdf-vtk-htg-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        std::fs::write(d.join("vtk_side.py"), VTK_SIDE).expect("python script");
        d
    })
}

fn temp_path(name: &str) -> PathBuf {
    temp_dir().join(name)
}

/// Runs the Python script; returns its standard output.
fn vtk_side(args: &[&str]) -> String {
    let out = Command::new(python())
        .arg(temp_dir().join("vtk_side.py"))
        .arg(crate_dir().join("tests/vtk_dump.py"))
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python script {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn json_of(text: &str) -> Value {
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{') || l.starts_with('['))
        .unwrap_or_else(|| panic!("no JSON in the script output:\n{text}"));
    serde_json::from_str(line).expect("script JSON")
}

/// The first difference between two JSON documents (path, left, right).
fn json_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    let short = |v: &Value| {
        let s = v.to_string();
        if s.len() > 300 {
            format!("{}...", &s[..300])
        } else {
            s
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (l, r) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if let Some(d) = json_diff(l, r, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (l, r))| json_diff(l, r, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!(
            "at {path}:\n  left:  {}\n  right: {}",
            short(a),
            short(b)
        )),
    }
}

/// Asserts two VTK views are equal, showing the first difference.
fn same_view(got: &Value, want: &Value, what: &str) {
    if let Some(d) = json_diff(got, want, "") {
        panic!("{what}: VTK views differ {d}");
    }
}

/// What vtkHDFReader builds from `path`.
fn vtk_view(path: &Path) -> Value {
    let v = json_of(&vtk_side(&["dump", path.to_str().unwrap(), "--full"]));
    assert!(
        v.get("error").is_none(),
        "VTK cannot read {}: {v}",
        path.display()
    );
    v
}

fn values_json(v: &Values) -> Value {
    match v {
        Values::Str(s) => json!({"dtype": "string", "values": s}),
        _ => json!({"dtype": v.type_name(), "values": v.to_f64()}),
    }
}

fn array_json(a: &Array) -> Value {
    let mut v = values_json(&a.values);
    v["name"] = json!(a.name);
    v["components"] = json!(a.components);
    v
}

fn bits(b: &[bool]) -> String {
    b.iter().map(|&x| if x { '1' } else { '0' }).collect()
}

fn grid_json(g: &HyperTreeGrid) -> Value {
    json!({
        "branch_factor": g.branch_factor,
        "dimensions": g.dimensions,
        "transposed": g.transposed_root_indexing,
        "x": values_json(&g.x),
        "y": values_json(&g.y),
        "z": values_json(&g.z),
        "trees": g.trees.iter().map(|t| json!({
            "id": t.tree_id,
            "descriptor": bits(&t.descriptor),
            "cells_per_depth": t.cells_per_depth,
            "mask": t.mask.as_deref().map(bits),
        })).collect::<Vec<_>>(),
        "cell_data": g.cell_data.iter().map(array_json).collect::<Vec<_>>(),
        "field_data": g.field_data.iter().map(array_json).collect::<Vec<_>>(),
    })
}

/// VTK's view of `data` built in memory with VTK's own API.
fn intended_view(name: &str, data: &Series<Vec<HyperTreeGrid>>) -> Value {
    let doc = json!({
        "times": data.times,
        "steps": data.steps.iter().map(|s| s.iter().map(grid_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
    });
    let p = temp_path(&format!("{name}.json"));
    std::fs::write(&p, doc.to_string()).unwrap();
    json_of(&vtk_side(&["build", p.to_str().unwrap(), "--full"]))
}

fn write_to(name: &str, data: &Series<Vec<HyperTreeGrid>>, opts: &StoreOptions) -> PathBuf {
    let p = temp_path(name);
    let f = FileWriter::create(&p).unwrap();
    write_file(&f, data, opts).unwrap();
    f.close().unwrap();
    p
}

/// Writes `data`, reads it back with the crate (must be equal) and with
/// VTK (must equal VTK's view of the same grid built in memory).
fn check_both_ways(name: &str, data: &Series<Vec<HyperTreeGrid>>) -> PathBuf {
    let p = write_to(&format!("{name}.vtkhdf"), data, &StoreOptions::plain());
    let back = read_file(&File::open(&p).unwrap()).unwrap();
    assert_eq!(&back, data, "{name}: crate round trip");
    let got = vtk_view(&p);
    let want = intended_view(name, data);
    same_view(
        &got,
        &want,
        &format!("{name}: VTK's view of the written file"),
    );
    // Compressed and chunked storage reads the same.
    let z = write_to(
        &format!("{name}-z.vtkhdf"),
        data,
        &StoreOptions {
            deflate: Some(4),
            shuffle: true,
            chunk_rows: Some(3),
        },
    );
    assert_eq!(&read_file(&File::open(&z).unwrap()).unwrap(), data);
    same_view(&vtk_view(&z), &want, &format!("{name}: compressed file"));
    p
}

/// Bits from a string of '0'/'1' (other characters ignored).
fn b(s: &str) -> Vec<bool> {
    s.chars()
        .filter(|c| *c == '0' || *c == '1')
        .map(|c| c == '1')
        .collect()
}

fn tree(id: i64, desc: &str, children: u64, mask: Option<&str>) -> HyperTree {
    let mut t = HyperTree::from_descriptor(id, b(desc), children).unwrap();
    t.mask = mask.map(b);
    if let Some(m) = &t.mask {
        assert_eq!(m.len() as u64, t.cells(), "test mask of tree {id}");
    }
    t
}

fn f64s(v: impl IntoIterator<Item = f64>) -> Values {
    Values::F64(v.into_iter().collect())
}

/// Cell arrays of several types for `n` cells, values shifted by `k`.
fn cell_arrays(n: usize, k: i32) -> Vec<Array> {
    let mut vel = Array::new(
        "Velocity",
        3,
        Values::F32((0..3 * n).map(|i| i as f32 * 0.5 + k as f32).collect()),
    );
    vel.attribute = Some("Vectors".into());
    vec![
        Array::new(
            "Density",
            1,
            f64s((0..n).map(|i| i as f64 * 1.25 + f64::from(k))),
        ),
        Array::new(
            "Id",
            1,
            Values::I32((0..n as i32).map(|i| i * 3 - k).collect()),
        ),
        Array::new(
            "Level",
            1,
            Values::U8((0..n).map(|i| (i % 7) as u8).collect()),
        ),
        Array::new(
            "Long",
            1,
            Values::I64((0..n as i64).map(|i| i - 5).collect()),
        ),
        vel,
    ]
}

/// A 3-D grid, branch factor 2 (8 children per refined cell), masked.
fn grid3d(k: i32) -> HyperTreeGrid {
    let mut g = HyperTreeGrid::new(2, [3, 3, 2]);
    g.x = f64s([0.0, 1.5, 3.0]);
    g.y = f64s([-1.0, 0.0, 2.0]);
    g.z = f64s([0.0, 0.75]);
    g.trees = vec![
        // 1 root, 8 children of which 2 refined: 17 + ... cells.
        tree(0, "1 01000100", 8, Some("0 00100000 00000000 00000001")),
        tree(3, "1", 8, Some("0 10000001")),
        tree(2, "", 8, Some("1")),
    ];
    let n = g.cells() as usize;
    g.cell_data = cell_arrays(n, k);
    g
}

#[test]
fn static_grid_round_trip_and_vtk_view() {
    let g = grid3d(0);
    assert_eq!(g.cells(), 1 + 8 + 16 + 1 + 8 + 1);
    let p = check_both_ways("static", &Series::single(vec![g.clone()]));
    // The stored layout.
    let f = File::open(&p).unwrap();
    let root = f.group("/VTKHDF").unwrap();
    let ints = |n: &str| root.dataset(n).unwrap().read::<i64>().unwrap();
    assert_eq!(ints("TreeIds"), vec![0, 3, 2]);
    assert_eq!(ints("DepthPerTree"), vec![3, 2, 1]);
    assert_eq!(ints("NumberOfCellsPerTreeDepth"), vec![1, 8, 16, 1, 8, 1]);
    assert_eq!(ints("DescriptorsSize"), vec![10]);
    assert_eq!(ints("NumberOfCells"), vec![35]);
    // 1 01000100 | 1 -> 10100010 01
    assert_eq!(
        root.dataset("Descriptors").unwrap().read::<u8>().unwrap(),
        vec![0b1010_0010, 0b0100_0000]
    );
    assert_eq!(root.dataset("Mask").unwrap().shape(), &[5]);
    let v: Vec<i64> = root.attr("Version").unwrap().read().unwrap();
    assert_eq!(v, vec![2, 6], "the Vectors marker needs 2.6");
}

#[test]
fn field_data_and_interface_names() {
    let mut g = grid3d(1);
    for t in &mut g.trees {
        t.mask = None;
    }
    g.cell_data.truncate(2);
    g.field_data = vec![
        Array::new("Info", 2, f64s([1.0, 2.0, 3.0, 4.0])),
        Array::new("Names", 1, Values::Str(vec!["a".into(), "bc".into()])),
    ];
    g.interface_intercepts_name = Some("Density".into());
    g.interface_normals_name = Some("Id".into());
    g.transposed_root_indexing = true;
    let p = check_both_ways("fields", &Series::single(vec![g]));
    let f = File::open(&p).unwrap();
    let root = f.group("/VTKHDF").unwrap();
    assert!(
        root.dataset("Mask").is_err(),
        "no mask without masked trees"
    );
    let v: Vec<i64> = root.attr("Version").unwrap().read().unwrap();
    assert_eq!(v, vec![2, 4]);
}

#[test]
fn two_d_branch_factor_three() {
    // 3 x 2 root cells, 9 children per refined cell.
    let mut g = HyperTreeGrid::new(3, [4, 3, 1]);
    g.x = f64s([0.0, 1.0, 2.0, 4.0]);
    g.trees = vec![
        tree(5, "1 000010000", 9, None),
        tree(0, "1 100000001 000000000 000000000", 9, None),
        tree(4, "", 9, None),
    ];
    let n = g.cells() as usize;
    assert_eq!(n, 10 + 9 + 1 + 9 + 18 + 1);
    g.cell_data = vec![Array::new("v", 1, Values::I16((0..n as i16).collect()))];
    check_both_ways("bf3_2d", &Series::single(vec![g]));
    // 1-D grid.
    let mut g = HyperTreeGrid::new(2, [5, 1, 1]);
    g.trees = vec![
        tree(1, "1 11 0100", 2, Some("0 00 0000 00")),
        tree(3, "", 2, Some("1")),
    ];
    g.cell_data = vec![Array::new(
        "w",
        1,
        Values::U16((0..g.cells() as u16).collect()),
    )];
    check_both_ways("bf2_1d", &Series::single(vec![g]));
}

#[test]
fn partitioned_grid() {
    let mut a = grid3d(0);
    a.trees.truncate(2);
    a.cell_data = cell_arrays(a.cells() as usize, 0);
    let mut b = grid3d(5);
    b.trees = vec![
        tree(1, "1 11111111", 8, Some(&format!("0 {}", "0".repeat(72)))),
        tree(2, "", 8, Some("0")),
    ];
    b.cell_data = cell_arrays(b.cells() as usize, 5);
    // Partitions have coordinates of their own.
    b.x = f64s([10.0, 11.0, 12.5]);
    b.z = f64s([-3.0, -2.0]);
    // An empty partition between them.
    let mut e = grid3d(0);
    e.trees.clear();
    e.cell_data = cell_arrays(0, 0);
    let p = check_both_ways("parts", &Series::single(vec![a, e, b]));
    let f = File::open(&p).unwrap();
    let root = f.group("/VTKHDF").unwrap();
    let ints = |n: &str| root.dataset(n).unwrap().read::<i64>().unwrap();
    assert_eq!(ints("NumberOfTrees"), vec![2, 0, 2]);
    assert_eq!(ints("DescriptorsSize"), vec![10, 0, 9]);
    // Every part starts on a new byte.
    assert_eq!(root.dataset("Descriptors").unwrap().shape(), &[2 + 2]);
    assert_eq!(root.dataset("Mask").unwrap().shape(), &[5 + 10]);
    assert_eq!(root.dataset("XCoordinates").unwrap().shape(), &[9]);
}

#[test]
fn temporal_grid_static_geometry_stored_once() {
    let s0 = grid3d(0);
    let s1 = grid3d(10); // same trees, new cell data
    let mut s2 = grid3d(20); // new coordinates along x only
    s2.x = f64s([0.0, 2.0, 4.0]);
    let mut s3 = grid3d(30); // new trees and mask
    s3.trees = vec![tree(1, "1 00000001", 8, Some("0 01000000 00000000"))];
    s3.cell_data = cell_arrays(s3.cells() as usize, 30);
    s3.x = s2.x.clone();
    let data = Series::temporal([
        (0.0, vec![s0]),
        (0.5, vec![s1]),
        (1.0, vec![s2]),
        (2.5, vec![s3]),
    ]);
    let p = check_both_ways("temporal", &data);
    let f = File::open(&p).unwrap();
    let root = f.group("/VTKHDF").unwrap();
    let ints = |n: &str| root.dataset(n).unwrap().read::<i64>().unwrap();
    assert_eq!(ints("Steps/TreeIdsOffsets"), vec![0, 0, 0, 3]);
    assert_eq!(ints("Steps/DepthPerTreeOffsets"), vec![0, 0, 0, 3]);
    assert_eq!(
        ints("Steps/NumberOfCellsPerTreeDepthOffsets"),
        vec![0, 0, 0, 6]
    );
    assert_eq!(ints("Steps/DescriptorsOffsets"), vec![0, 0, 0, 2]);
    assert_eq!(ints("Steps/MaskOffsets"), vec![0, 0, 0, 5]);
    assert_eq!(ints("Steps/PartOffsets"), vec![0, 0, 0, 1]);
    assert_eq!(ints("Steps/NumberOfParts"), vec![1, 1, 1, 1]);
    assert_eq!(ints("Steps/XCoordinatesOffsets"), vec![0, 0, 3, 3]);
    assert_eq!(ints("Steps/YCoordinatesOffsets"), vec![0, 0, 0, 0]);
    assert_eq!(ints("TreeIds"), vec![0, 3, 2, 1]);
    assert_eq!(ints("Steps/CellDataOffsets/Long"), vec![0, 0, 0, 35]);
    assert_eq!(ints("Steps/CellDataOffsets/Density"), vec![0, 35, 70, 105]);
    assert_eq!(
        root.dataset("CellData/Density").unwrap().shape(),
        &[105 + 17]
    );
}

#[test]
fn temporal_partitioned_grid() {
    let part = |k: i32, ids: &[i64]| {
        let mut g = grid3d(k);
        g.trees.retain(|t| ids.contains(&t.tree_id));
        g.cell_data = cell_arrays(g.cells() as usize, k);
        g
    };
    let field = |k: f64, n: usize| vec![Array::new("F", 1, f64s((0..n).map(|i| i as f64 + k)))];
    let mut a0 = part(0, &[0]);
    a0.field_data = field(0.0, 1);
    let b0 = part(1, &[3, 2]);
    let mut a1 = part(2, &[0]);
    a1.field_data = field(0.0, 1);
    let b1 = part(3, &[3, 2]);
    let mut a2 = part(4, &[2]);
    a2.field_data = field(7.0, 3);
    let b2 = part(5, &[0, 3]);
    let data = Series::temporal([
        (1.0, vec![a0, b0]),
        (2.0, vec![a1, b1]),
        (3.0, vec![a2, b2]),
    ]);
    let p = check_both_ways("temporal_parts", &data);
    let f = File::open(&p).unwrap();
    let root = f.group("/VTKHDF").unwrap();
    let ints = |n: &str| root.dataset(n).unwrap().read::<i64>().unwrap();
    assert_eq!(ints("Steps/PartOffsets"), vec![0, 0, 2]);
    assert_eq!(ints("NumberOfTrees"), vec![1, 2, 1, 2]);
    assert_eq!(ints("Steps/FieldDataOffsets/F"), vec![0, 0, 1]);
}

fn corpus_round_trip(rel: &str) {
    let src = corpus_dir().join(rel);
    assert!(src.exists(), "missing corpus file {}", src.display());
    let data = read_file(&File::open(&src).unwrap()).unwrap();
    let name = rel.replace('/', "_");
    let copy = write_to(&name, &data, &StoreOptions::plain());
    assert_eq!(
        read_file(&File::open(&copy).unwrap()).unwrap(),
        data,
        "{rel}"
    );
    same_view(
        &vtk_view(&copy),
        &vtk_view(&src),
        &format!("{rel}: VTK -> crate -> VTK"),
    );
}

#[test]
fn corpus_htg() {
    let src = corpus_dir().join("vtkhdf/vtk/htg.vtkhdf");
    let data = read_file(&File::open(&src).unwrap()).unwrap();
    assert!(!data.is_temporal());
    let g = &data.steps[0][0];
    assert_eq!((g.branch_factor, g.dimensions), (2, [3, 3, 2]));
    assert_eq!(g.trees.len(), 4);
    assert_eq!(g.trees[0].cells_per_depth, vec![1, 8, 8]);
    assert_eq!(g.trees[0].descriptor, b("1 10000000"));
    assert_eq!(g.trees[1].descriptor, b("1"));
    assert_eq!(g.cells(), 28);
    assert_eq!(g.cell_data[0].name, "Depth");
    assert!(matches!(g.cell_data[0].values, Values::F64(_)));
    corpus_round_trip("vtkhdf/vtk/htg.vtkhdf");
}

#[test]
fn corpus_htg_mask() {
    let src = corpus_dir().join("vtkhdf/vtk/htg_mask.vtkhdf");
    let data = read_file(&File::open(&src).unwrap()).unwrap();
    let g = &data.steps[0][0];
    assert_eq!(g.trees[0].mask.as_deref(), Some(&b("01001")[..]));
    assert_eq!(g.trees[1].mask.as_deref(), Some(&b("0")[..]));
    corpus_round_trip("vtkhdf/vtk/htg_mask.vtkhdf");
}

#[test]
fn corpus_temporal_htg_static() {
    let src = corpus_dir().join("vtkhdf/vtk/temporal_htg_static.vtkhdf");
    let data = read_file(&File::open(&src).unwrap()).unwrap();
    assert_eq!(data.times, Some(vec![0.0, 1.0]));
    assert_eq!(data.steps[0], data.steps[1]);
    corpus_round_trip("vtkhdf/vtk/temporal_htg_static.vtkhdf");
}

#[test]
fn corpus_htg_scripts_style() {
    let src = corpus_dir().join("vtkhdf/h5py/htg_scripts_style.vtkhdf");
    let data = read_file(&File::open(&src).unwrap()).unwrap();
    let g = &data.steps[0][0];
    assert_eq!(g.cells(), 44);
    assert!(matches!(g.cell_data[0].values, Values::I64(_)));
    assert!(g.trees.iter().all(|t| t.mask.is_none()));
    corpus_round_trip("vtkhdf/h5py/htg_scripts_style.vtkhdf");
}

#[test]
fn vtk_written_random_grids() {
    let dir = temp_path("random");
    std::fs::create_dir_all(&dir).unwrap();
    let made = json_of(&vtk_side(&["gen", dir.to_str().unwrap()]));
    let made = made.as_array().unwrap();
    assert_eq!(made.len(), 11);
    let mut two_d = 0;
    let mut bf3 = 0;
    for m in made {
        let src = PathBuf::from(m["path"].as_str().unwrap());
        let data = read_file(&File::open(&src).unwrap()).unwrap();
        let g = &data.steps[0][0];
        assert_eq!(json!(g.branch_factor), m["branch_factor"]);
        assert_eq!(json!(g.dimensions), m["dimensions"]);
        let cells: Vec<u64> = data.steps[0].iter().map(HyperTreeGrid::cells).collect();
        assert_eq!(json!(cells), m["cells"]);
        assert_eq!(g.cell_data.len(), 4, "Depth and three more arrays");
        two_d += usize::from(g.dimension() == 2);
        bf3 += usize::from(g.branch_factor == 3);
        let name = src.file_name().unwrap().to_str().unwrap().to_string();
        let copy = write_to(&format!("copy_{name}"), &data, &StoreOptions::plain());
        assert_eq!(read_file(&File::open(&copy).unwrap()).unwrap(), data);
        let orig = vtk_view(&src);
        same_view(
            &vtk_view(&copy),
            &orig,
            &format!("{name}: VTK -> crate -> VTK"),
        );
        // And the crate's model agrees with VTK's in-memory build.
        same_view(
            &intended_view(&name, &data),
            &orig,
            &format!("{name}: crate model"),
        );
    }
    assert!(
        two_d >= 2 && bf3 >= 4,
        "cases cover 2-D grids and branch factor 3"
    );
}

#[test]
fn writer_rejects_inconsistent_grids() {
    let g = grid3d(0);
    let write = |parts: Vec<HyperTreeGrid>| {
        let f = FileWriter::in_memory().unwrap();
        write_file(&f, &Series::single(parts), &StoreOptions::plain())
            .unwrap_err()
            .to_string()
    };
    let mut bad = g.clone();
    bad.trees[0].cells_per_depth[2] = 9;
    assert!(write(vec![bad]).contains("descriptor"), "cells per depth");
    let mut bad = g.clone();
    bad.trees[1].tree_id = 4;
    assert!(write(vec![bad]).contains("outside"), "tree id");
    let mut bad = g.clone();
    bad.trees[1].tree_id = 0;
    assert!(write(vec![bad]).contains("twice"));
    let mut bad = g.clone();
    bad.cell_data[0].values = f64s([1.0]);
    assert!(write(vec![bad]).contains("Density"));
    let mut other = g.clone();
    other.dimensions = [3, 3, 3];
    other.z = f64s([0.0, 1.0, 2.0]);
    assert!(write(vec![g.clone(), other]).contains("dimensions"));
    let mut bad = g.clone();
    bad.x = f64s([0.0]);
    assert!(write(vec![bad]).contains("x coordinates"));
    assert!(HyperTree::from_descriptor(0, b("1 0101"), 8).is_err());
}

/// Writes a hand-made HyperTreeGrid layout (one part, one tree of depth 2
/// in a 2 x 2 x 1 grid) with the given overrides.
fn raw_file(name: &str, over: &[(&str, Vec<i64>)], descriptors: &[u8]) -> PathBuf {
    raw_file_with(name, over, descriptors, |_| {})
}

/// [`raw_file`] with more objects added by `extra` to `/VTKHDF`.
fn raw_file_with(
    name: &str,
    over: &[(&str, Vec<i64>)],
    descriptors: &[u8],
    extra: impl FnOnce(&GroupWriter),
) -> PathBuf {
    let p = temp_path(name);
    let f = FileWriter::create(&p).unwrap();
    let r = f.root().create_group_tracked("VTKHDF").unwrap();
    r.set_attr("Version", &[2i64, 4]).unwrap();
    r.set_attr_str("Type", "HyperTreeGrid").unwrap();
    r.set_attr("BranchFactor", &[2i64]).unwrap();
    r.set_attr("Dimensions", &[3i64, 2, 1]).unwrap();
    let mut ints: Vec<(&str, Vec<i64>)> = vec![
        ("NumberOfTrees", vec![1]),
        ("NumberOfDepths", vec![2]),
        ("NumberOfCells", vec![5]),
        ("DescriptorsSize", vec![1]),
        ("TreeIds", vec![1]),
        ("DepthPerTree", vec![2]),
        ("NumberOfCellsPerTreeDepth", vec![1, 4]),
    ];
    for (n, v) in over {
        match ints.iter_mut().find(|(m, _)| m == n) {
            Some(e) => e.1 = v.clone(),
            None => ints.push((n, v.clone())),
        }
    }
    for (n, v) in &ints {
        r.new_dataset::<i64>(n, &[v.len() as u64])
            .create()
            .unwrap()
            .write(v)
            .unwrap();
    }
    for (n, v) in [
        ("XCoordinates", vec![0.0, 1.0, 2.0]),
        ("YCoordinates", vec![0.0, 1.0]),
        ("ZCoordinates", vec![0.0]),
    ] {
        r.new_dataset::<f64>(n, &[v.len() as u64])
            .create()
            .unwrap()
            .write(&v)
            .unwrap();
    }
    let d = r
        .new_dataset::<u8>("Descriptors", &[descriptors.len() as u64])
        .create()
        .unwrap();
    if !descriptors.is_empty() {
        d.write(descriptors).unwrap();
    }
    extra(&r);
    f.close().unwrap();
    p
}

#[test]
fn reader_rejects_hostile_files() {
    let ok = raw_file("raw_ok.vtkhdf", &[], &[0x80]);
    let data = read_file(&File::open(&ok).unwrap()).unwrap();
    assert_eq!(data.steps[0][0].trees[0].tree_id, 1);
    assert_eq!(data.steps[0][0].trees[0].cells_per_depth, vec![1, 4]);
    let err = |name: &str, over: &[(&str, Vec<i64>)], desc: &[u8]| {
        let p = raw_file(name, over, desc);
        let e = read_file(&File::open(&p).unwrap()).unwrap_err().to_string();
        eprintln!("{name}: {e}");
        e
    };
    // Counts beyond the datasets: no allocation, an error naming the dataset.
    let e = err(
        "raw_trees.vtkhdf",
        &[("NumberOfTrees", vec![1 << 50])],
        &[0x80],
    );
    assert!(
        e.contains("/VTKHDF/TreeIds") && e.contains("outside"),
        "{e}"
    );
    let e = err(
        "raw_cells.vtkhdf",
        &[("NumberOfCellsPerTreeDepth", vec![1, 1 << 60])],
        &[0x80],
    );
    assert!(e.contains("descriptor") || e.contains("NumberOf"), "{e}");
    let e = err(
        "raw_desc.vtkhdf",
        &[("DescriptorsSize", vec![1 << 40])],
        &[0x80],
    );
    assert!(e.contains("/VTKHDF/Descriptors"), "{e}");
    // Descriptor bits that do not give the cells per depth.
    let e = err("raw_bits.vtkhdf", &[], &[0x00]);
    assert!(e.contains("cells per depth"), "{e}");
    let e = err("raw_id.vtkhdf", &[("TreeIds", vec![2])], &[0x80]);
    assert!(e.contains("outside the grid"), "{e}");
    let e = err("raw_neg.vtkhdf", &[("NumberOfCells", vec![-5])], &[0x80]);
    assert!(e.contains("negative"), "{e}");
    let e = err("raw_depth.vtkhdf", &[("DepthPerTree", vec![3])], &[0x80]);
    assert!(e.contains("NumberOfDepths"), "{e}");
}

/// A `Steps` group for [`raw_file_with`]: `NSteps`, `Values` and every
/// offsets dataset of `offsets` (name, values).
fn steps(g: &GroupWriter, nsteps: i64, values: &[f64], offsets: &[(&str, Vec<i64>)]) {
    let s = g.create_group("Steps").unwrap();
    s.set_attr("NSteps", &[nsteps]).unwrap();
    s.new_dataset::<f64>("Values", &[values.len() as u64])
        .create()
        .unwrap()
        .write(values)
        .unwrap();
    for (n, v) in offsets {
        s.new_dataset::<i64>(n, &[v.len() as u64])
            .create()
            .unwrap()
            .write(v)
            .unwrap();
    }
}

const NINE: [&str; 9] = [
    "PartOffsets",
    "TreeIdsOffsets",
    "DepthPerTreeOffsets",
    "NumberOfCellsPerTreeDepthOffsets",
    "DescriptorsOffsets",
    "MaskOffsets",
    "XCoordinatesOffsets",
    "YCoordinatesOffsets",
    "ZCoordinatesOffsets",
];

#[test]
fn reader_checks_temporal_offsets() {
    let all = |v: Vec<i64>| NINE.iter().map(|n| (*n, v.clone())).collect::<Vec<_>>();
    // Two steps sharing everything (offsets repeat), NSteps + 1 entries
    // accepted as well.
    let mut offs = all(vec![0, 0, 0]);
    let p = raw_file_with("raw_t_noparts.vtkhdf", &[], &[0x80], |g| {
        steps(g, 2, &[0.0, 1.0], &offs)
    });
    let e = read_file(&File::open(&p).unwrap()).unwrap_err().to_string();
    assert!(e.contains("NumberOfParts missing"), "{e}");
    offs.push(("NumberOfParts", vec![1, 1]));
    let p = raw_file_with("raw_t_ok.vtkhdf", &[], &[0x80], |g| {
        steps(g, 2, &[0.0, 1.0], &offs)
    });
    let data = read_file(&File::open(&p).unwrap()).unwrap();
    assert_eq!(data.times, Some(vec![0.0, 1.0]));
    assert_eq!(data.steps[0], data.steps[1]);
    same_view(&vtk_view(&p), &intended_view("raw_t_ok", &data), "raw_t_ok");
    let err = |name: &str, nsteps: i64, values: &[f64], offs: Vec<(&str, Vec<i64>)>| {
        let p = raw_file_with(name, &[], &[0x80], |g| steps(g, nsteps, values, &offs));
        let e = read_file(&File::open(&p).unwrap()).unwrap_err().to_string();
        eprintln!("{name}: {e}");
        e
    };
    // DepthPerTreeOffsets is required (as by VTK's reader).
    let mut offs = all(vec![0]);
    offs.retain(|(n, _)| *n != "DepthPerTreeOffsets");
    let e = err("raw_t_depth.vtkhdf", 1, &[0.0], offs);
    assert!(e.contains("/VTKHDF/Steps/DepthPerTreeOffsets"), "{e}");
    // A huge NSteps is refused against the size of Values.
    let e = err("raw_t_nsteps.vtkhdf", 1 << 50, &[0.0], all(vec![0]));
    assert!(
        e.contains("/VTKHDF/Steps/Values") && e.contains("outside"),
        "{e}"
    );
    // Offsets beyond the data.
    let mut offs = all(vec![0]);
    offs[0].1 = vec![7];
    let e = err("raw_t_part.vtkhdf", 1, &[0.0], offs);
    assert!(
        e.contains("/VTKHDF/NumberOfTrees") && e.contains("outside"),
        "{e}"
    );
    let mut offs = all(vec![0]);
    offs[6].1 = vec![1];
    let e = err("raw_t_x.vtkhdf", 1, &[0.0], offs);
    assert!(e.contains("/VTKHDF/XCoordinates"), "{e}");
    let mut offs = all(vec![0]);
    offs[1].1 = vec![-1];
    let e = err("raw_t_neg.vtkhdf", 1, &[0.0], offs);
    assert!(e.contains("negative"), "{e}");
}
