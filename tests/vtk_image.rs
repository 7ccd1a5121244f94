//! `vtkhdf::vtk::image`: VTK-written ImageData files read by the crate, and
//! images written by the crate read back by the crate and (with
//! `VTKHDF_PYTHON`) by VTK's own `vtkHDFReader`.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use vtkhdf::vtk::array::{StoreOptions, Values};
use vtkhdf::vtk::image::{
    read_cell_array, read_cell_slice, read_image, read_point_array, read_point_slice, ImageData,
    ImageReader, ImageStepWriter, ImageWriter,
};
use vtkhdf::{File, FileWriter, H5Type};

fn corpus_file(name: &str) -> Option<PathBuf> {
    let c = match std::env::var_os("VTKHDF_CORPUS") {
        Some(c) => PathBuf::from(c),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    Some(c.join("vtkhdf/vtk").join(name))
}

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "set VTKHDF_PYTHON to a Python with vtk 9.7.2 (no .venv/bin/python either)"
    );
    Some(venv)
}

fn sha<T: H5Type>(v: &[T]) -> String {
    // Little-endian machine: memory bytes are the LE bytes.
    format!(
        "sha256:{:x}",
        Sha256::digest(bytemuck::cast_slice::<T, u8>(v))
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("vtkhdf-vtk-image-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn attr_dtype(f: &File, name: &str) -> String {
    let a = f.group("/VTKHDF").unwrap().attr(name).unwrap();
    vtkhdf::dtype_name(a.dtype())
}

// ---------------------------------------------------------------------------
// VTK-written corpus files
// ---------------------------------------------------------------------------

#[test]
fn corpus_image2d() {
    let Some(p) = corpus_file("image2d.vtkhdf") else {
        return;
    };
    let f = File::open(&p).unwrap();
    let (img, pd, cd) = read_image(&f).unwrap();
    assert_eq!(img.extent, [0, 4, 0, 3, 0, 0]);
    assert_eq!(img.origin, [0.0; 3]);
    assert_eq!(img.spacing, [1.0; 3]);
    assert_eq!(img.point_dims(), [1, 4, 5]);
    assert_eq!(img.cell_dims(), [1, 3, 4]);
    assert_eq!(img.point_shape(), vec![4, 5]);
    assert_eq!(img.cell_shape(), vec![3, 4]);
    assert_eq!(pd, vec!["pd".to_string()]);
    assert_eq!(cd, vec!["cd".to_string()]);
    let v: Vec<f64> = read_point_array(&f, "pd").unwrap();
    assert_eq!(
        sha(&v),
        "sha256:a16baffd799c068f77b6ca9229994700c5cec207e6703150739e8cf7b504a97b"
    );
    let c: Vec<u16> = read_cell_array(&f, "cd").unwrap();
    assert_eq!(
        sha(&c),
        "sha256:a46b67c8fb1c4c35fdfc8387c647f8c442a84e1520334a92a127f740b4c1dd5c"
    );
    // Slices along the slowest stored axis (y for a z-flat image).
    for y in 0..4 {
        let s: Vec<f64> = read_point_slice(&f, "pd", y).unwrap();
        assert_eq!(s, v[y as usize * 5..(y as usize + 1) * 5]);
    }
    assert!(read_point_slice::<f64>(&f, "pd", 4).is_err());
}

#[test]
fn corpus_image3d() {
    let Some(p) = corpus_file("image3d.vtkhdf") else {
        return;
    };
    let f = File::open(&p).unwrap();
    let (img, pd, cd) = read_image(&f).unwrap();
    assert_eq!(img.extent, [0, 3, 0, 2, 0, 1]);
    assert_eq!(img.origin, [1.0, 2.0, 3.0]);
    assert_eq!(img.spacing, [0.5, 0.25, 2.0]);
    assert_eq!(
        img.direction,
        [0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    );
    assert_eq!(img.point_dims(), [2, 3, 4]);
    assert_eq!(img.n_points(), 24);
    assert_eq!(img.n_cells(), 6);
    assert_eq!(pd, vec!["PointVectors".to_string(), "RTData".to_string()]);
    assert_eq!(cd, vec!["CellId".to_string()]);
    let rt: Vec<f32> = read_point_array(&f, "RTData").unwrap();
    assert_eq!(
        sha(&rt),
        "sha256:4ed2a387c5e2ae720fa4eb801bcfbe137c891734e34e96749dede3478e53f3de"
    );
    // Converted on read.
    let rt64: Vec<f64> = read_point_array(&f, "RTData").unwrap();
    assert_eq!(rt64, rt.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
    let vec: Vec<f32> = read_point_array(&f, "PointVectors").unwrap();
    assert_eq!(vec.len(), 24 * 3);
    assert_eq!(
        sha(&vec),
        "sha256:cb28bcd04237eb6c377a8aa2e8ad49b0412773f1e6d5d431f581068cbd03f9b0"
    );
    let z1: Vec<f32> = read_point_slice(&f, "PointVectors", 1).unwrap();
    assert_eq!(z1, vec[36..]);
    let ids: Vec<i32> = read_cell_array(&f, "CellId").unwrap();
    assert_eq!(
        sha(&ids),
        "sha256:cd9a54ed1f18bf97db08914e280ea7349e11ca2c4885a4d8052552ceba84208d"
    );
    let ids0: Vec<i32> = read_cell_slice(&f, "CellId", 0).unwrap();
    assert_eq!(ids0, ids);
}

#[test]
fn corpus_image_nonzero_extent() {
    let Some(p) = corpus_file("image_nonzero_extent.vtkhdf") else {
        return;
    };
    let f = File::open(&p).unwrap();
    let (img, pd, cd) = read_image(&f).unwrap();
    assert_eq!(img.extent, [2, 4, -1, 1, 5, 6]);
    assert_eq!(img.point_dims(), [2, 3, 3]);
    assert_eq!(pd, vec!["Name_With_Slash".to_string(), "pd".to_string()]);
    assert!(cd.is_empty());
    let v: Vec<f32> = read_point_array(&f, "pd").unwrap();
    assert_eq!(
        sha(&v),
        "sha256:e2fea6553423387adcf538ee52f8365e3e2b088f73f96a62d2a0dba0bcdea1ea"
    );
    let n: Vec<i8> = read_point_array(&f, "Name_With_Slash").unwrap();
    assert_eq!(
        sha(&n),
        "sha256:7a096cc12702bcfa647ee070d4f3ba4c2d1d715b484b55b825d0edba6545803b"
    );
}

// ---------------------------------------------------------------------------
// Written by the crate
// ---------------------------------------------------------------------------

const VTK_READ: &str = r#"
import sys, json, hashlib
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy as v2n
r = vtk.vtkHDFReader()
r.SetFileName(sys.argv[1])
r.Update()
img = r.GetOutput()
def arrays(data):
    res = {}
    for i in range(data.GetNumberOfArrays()):
        a = data.GetArray(i)
        n = np.ascontiguousarray(v2n(a))
        res[a.GetName()] = {"dtype": n.dtype.str, "components": a.GetNumberOfComponents(),
            "digest": "sha256:" + hashlib.sha256(n.tobytes()).hexdigest()}
    return res
print(json.dumps({"class": img.GetClassName(), "dimensions": list(img.GetDimensions()),
    "extent": list(img.GetExtent()), "origin": list(img.GetOrigin()),
    "spacing": list(img.GetSpacing()),
    "direction": [img.GetDirectionMatrix().GetElement(i, j) for i in range(3) for j in range(3)],
    "point_data": arrays(img.GetPointData()), "cell_data": arrays(img.GetCellData())}))
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

fn arr<T: H5Type>(dtype: &str, components: u64, v: &[T]) -> Value {
    json!({"dtype": dtype, "components": components, "digest": sha(v)})
}

/// VTK's wavelet source, roughly: a smooth analytic field.
fn wavelet(x: f64, y: f64, z: f64) -> f64 {
    255.0
        + 60.0 * (x * 0.6).sin()
        + 30.0 * (y * 0.4).cos() * (z * 0.5).sin()
        + 10.0 * (-(x * x + y * y + z * z) / 50.0).exp()
}

#[test]
fn write_3d_slice_by_slice() {
    let dir = temp_dir("3d");
    let path = dir.join("wavelet.vtkhdf");
    let (nx, ny, nz) = (9u64, 7u64, 5u64);
    let mut image = ImageData::new([nx, ny, nz], [-1.0, 2.5, 0.25], [0.5, 0.25, 2.0]);
    image.direction = [0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
    let (cx, cy, cz) = (nx - 1, ny - 1, nz - 1);
    // Expected arrays, C order (x fastest).
    let mut rt = Vec::new();
    let mut grad = Vec::new();
    let mut ids = Vec::new();
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let (fx, fy, fz) = (x as f64, y as f64, z as f64);
                rt.push(wavelet(fx, fy, fz));
                grad.extend([
                    (fx * 0.3).cos() as f32,
                    (fy * 0.7).sin() as f32,
                    fz as f32 * 0.5,
                ]);
                ids.push((x + nx * (y + ny * z)) as i32);
            }
        }
    }
    let mut cell_val = Vec::new();
    let mut cell_id = Vec::new();
    for z in 0..cz {
        for y in 0..cy {
            for x in 0..cx {
                cell_val.push(wavelet(x as f64 + 0.5, y as f64 + 0.5, z as f64 + 0.5) as f32);
                cell_id.push((x + cx * (y + cy * z)) as i64);
            }
        }
    }
    let pslice = (nx * ny) as usize;
    let cslice = (cx * cy) as usize;
    {
        let f = FileWriter::create(&path).unwrap();
        let w = ImageWriter::create(&f, &image).unwrap();
        let a = w.add_point_array::<f64>("RTData", 1, Some(4)).unwrap();
        assert_eq!(a.shape(), &[nz, ny, nx]);
        let g = w.add_point_array::<f32>("Gradient", 3, Some(6)).unwrap();
        assert_eq!(g.shape(), &[nz, ny, nx, 3]);
        let i = w.add_point_array::<i32>("Ids", 1, None).unwrap();
        let fo = w.add_point_array::<f64>("Fortran", 1, Some(1)).unwrap();
        for z in 0..nz as usize {
            a.write_slice(z as u64, &rt[z * pslice..(z + 1) * pslice])
                .unwrap();
            g.write_slice(z as u64, &grad[z * pslice * 3..(z + 1) * pslice * 3])
                .unwrap();
            // The same slice transposed: y fastest.
            let s = &rt[z * pslice..(z + 1) * pslice];
            let mut t = Vec::with_capacity(pslice);
            for x in 0..nx as usize {
                for y in 0..ny as usize {
                    t.push(s[y * nx as usize + x]);
                }
            }
            fo.write_slice_fortran(z as u64, &t).unwrap();
        }
        assert!(a.write_slice(nz, &rt[..pslice]).is_err());
        assert!(a.write_slice(0, &rt[..pslice - 1]).is_err());
        i.write_all(&ids).unwrap();
        let c = w.add_cell_array::<f32>("CellValue", 1, Some(9)).unwrap();
        assert_eq!(c.shape(), &[cz, cy, cx]);
        for z in 0..cz as usize {
            c.write_slice(z as u64, &cell_val[z * cslice..(z + 1) * cslice])
                .unwrap();
        }
        let c = w.add_cell_array::<i64>("CellId", 1, None).unwrap();
        c.write_all(&cell_id).unwrap();
        assert!(w.add_cell_array::<i64>("Bad.Name", 1, None).is_err());
        f.close().unwrap();
    }

    let f = File::open(&path).unwrap();
    assert_eq!(attr_dtype(&f, "WholeExtent"), "<i4");
    assert_eq!(attr_dtype(&f, "Origin"), "<f8");
    assert_eq!(attr_dtype(&f, "Spacing"), "<f8");
    assert_eq!(attr_dtype(&f, "Direction"), "<f8");
    let (back, pd, cd) = read_image(&f).unwrap();
    assert_eq!(back, image);
    assert_eq!(pd, ["Fortran", "Gradient", "Ids", "RTData"]);
    assert_eq!(cd, ["CellId", "CellValue"]);
    assert_eq!(read_point_array::<f64>(&f, "RTData").unwrap(), rt);
    assert_eq!(read_point_array::<f64>(&f, "Fortran").unwrap(), rt);
    assert_eq!(read_point_array::<f32>(&f, "Gradient").unwrap(), grad);
    assert_eq!(read_point_array::<i32>(&f, "Ids").unwrap(), ids);
    assert_eq!(read_cell_array::<f32>(&f, "CellValue").unwrap(), cell_val);
    assert_eq!(read_cell_array::<i64>(&f, "CellId").unwrap(), cell_id);
    assert_eq!(
        read_point_slice::<f64>(&f, "RTData", 3).unwrap(),
        rt[3 * pslice..4 * pslice]
    );
    assert_eq!(
        read_cell_slice::<i64>(&f, "CellId", 2).unwrap(),
        cell_id[2 * cslice..3 * cslice]
    );
    let ds = f.dataset("/VTKHDF/PointData/RTData").unwrap();
    assert_eq!(ds.chunks(), Some(vec![1, ny, nx]));
    assert!(!ds.filters().is_empty());

    if let Some(py) = python() {
        let got = vtk_read(&py, &path);
        assert_eq!(got["class"], json!("vtkImageData"), "{got}");
        assert_eq!(got["dimensions"], json!([nx, ny, nz]), "{got}");
        assert_eq!(got["origin"], json!(image.origin), "{got}");
        assert_eq!(got["spacing"], json!(image.spacing), "{got}");
        assert_eq!(got["direction"], json!(image.direction), "{got}");
        assert_eq!(
            got["point_data"],
            json!({
                "RTData": arr("<f8", 1, &rt),
                "Fortran": arr("<f8", 1, &rt),
                "Gradient": arr("<f4", 3, &grad),
                "Ids": arr("<i4", 1, &ids),
            }),
            "{got}"
        );
        assert_eq!(
            got["cell_data"],
            json!({
                "CellValue": arr("<f4", 1, &cell_val),
                "CellId": arr("<i8", 1, &cell_id),
            }),
            "{got}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn write_2d_flat() {
    let dir = temp_dir("2d");
    let path = dir.join("flat.vtkhdf");
    // z-flat: a single point along z, dropped from the dataset shapes.
    let image = ImageData::new([6, 4, 1], [0.0, 0.0, 3.0], [1.0, 2.0, 1.0]);
    assert_eq!(image.point_shape(), vec![4, 6]);
    assert_eq!(image.cell_shape(), vec![3, 5]);
    let pts: Vec<u8> = (0..24).collect();
    let cells: Vec<f64> = (0..15).map(|i| i as f64 * 0.5).collect();
    let vecs: Vec<i16> = (0..15 * 2).map(|i| i - 7).collect();
    {
        let f = FileWriter::create(&path).unwrap();
        let w = ImageWriter::create(&f, &image).unwrap();
        let p = w.add_point_array::<u8>("Bytes", 1, None).unwrap();
        for y in 0..4usize {
            p.write_slice(y as u64, &pts[y * 6..(y + 1) * 6]).unwrap();
        }
        w.add_cell_array::<f64>("Half", 1, Some(5))
            .unwrap()
            .write_all(&cells)
            .unwrap();
        w.add_cell_array::<i16>("Pair", 2, None)
            .unwrap()
            .write_all(&vecs)
            .unwrap();
        f.close().unwrap();
    }
    let f = File::open(&path).unwrap();
    let (back, pd, cd) = read_image(&f).unwrap();
    assert_eq!(back, image);
    assert_eq!(pd, ["Bytes"]);
    assert_eq!(cd, ["Half", "Pair"]);
    assert_eq!(read_point_array::<u8>(&f, "Bytes").unwrap(), pts);
    assert_eq!(read_cell_array::<f64>(&f, "Half").unwrap(), cells);
    assert_eq!(read_cell_array::<i16>(&f, "Pair").unwrap(), vecs);
    assert_eq!(
        f.dataset("/VTKHDF/CellData/Pair").unwrap().shape(),
        &[3, 5, 2]
    );
    if let Some(py) = python() {
        let got = vtk_read(&py, &path);
        assert_eq!(got["dimensions"], json!([6, 4, 1]), "{got}");
        assert_eq!(got["spacing"], json!([1.0, 2.0, 1.0]), "{got}");
        assert_eq!(
            got["point_data"],
            json!({"Bytes": arr("|u1", 1, &pts)}),
            "{got}"
        );
        assert_eq!(
            got["cell_data"],
            json!({"Half": arr("<f8", 1, &cells), "Pair": arr("<i2", 2, &vecs)}),
            "{got}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------
// Boxes, Fortran order, steps
// ---------------------------------------------------------------------------

/// The C-order value of point (x, y, z) (local indices) of an image of
/// `n = [nx, ny, nz]` points, component `c` of `comps`.
fn value(n: [usize; 3], comps: usize, x: usize, y: usize, z: usize, c: usize) -> f64 {
    ((x + n[0] * (y + n[1] * z)) * comps + c) as f64
}

#[test]
fn boxes_slices_and_fortran_order() {
    let dir = temp_dir("boxes");
    let path = dir.join("boxes.vtkhdf");
    let extent = [3, 8, -2, 1, 10, 12];
    let n = [6usize, 4, 3];
    let image = ImageData::with_extent(extent, [0.0; 3], [1.0; 3]);
    let comps = 2usize;
    let c_order: Vec<f64> = (0..n[0] * n[1] * n[2] * comps).map(|i| i as f64).collect();
    // The same array in Fortran order: z fastest, then y, then x.
    let mut f_order = Vec::with_capacity(c_order.len());
    for x in 0..n[0] {
        for y in 0..n[1] {
            for z in 0..n[2] {
                for c in 0..comps {
                    f_order.push(value(n, comps, x, y, z, c));
                }
            }
        }
    }
    let cells: Vec<i32> = (0..5 * 3 * 2).collect();
    {
        let f = FileWriter::create(&path).unwrap();
        let w = ImageWriter::create_with(&f, &image, &StoreOptions::deflate(3, true)).unwrap();
        w.add_point_array::<f64>("C", comps as u64, None)
            .unwrap()
            .write_all(&c_order)
            .unwrap();
        let fw = w
            .add_point_array::<f64>("F", comps as u64, Some(2))
            .unwrap();
        fw.write_all_fortran(&f_order).unwrap();
        let cw = w.add_cell_array::<i32>("cells", 1, None).unwrap();
        cw.write_all(&cells).unwrap();
        cw.set_attribute("Scalars").unwrap();
        assert!(cw.set_attribute("NotAnAttribute").is_err());
        f.close().unwrap();
    }
    let f = File::open(&path).unwrap();
    let r = ImageReader::open_file(&f).unwrap();
    assert_eq!(r.image().extent, extent);
    assert_eq!(r.read_point_array_as::<f64>("C").unwrap(), c_order);
    assert_eq!(r.read_point_array_as::<f64>("F").unwrap(), c_order);
    let v: Vec<i64> = f
        .group("/VTKHDF")
        .unwrap()
        .attr("Version")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(v, [2, 6]);
    assert_eq!(
        r.read_cell_array("cells").unwrap().attribute.as_deref(),
        Some("Scalars")
    );
    // A box in extent coordinates.
    let b = [4, 6, -1, 0, 11, 12];
    let got = r.read_point_box("C", b).unwrap();
    assert_eq!(got.components, comps);
    let mut want = Vec::new();
    for z in 1..=2 {
        for y in 1..=2 {
            for x in 1..=3 {
                for c in 0..comps {
                    want.push(value(n, comps, x, y, z, c));
                }
            }
        }
    }
    assert_eq!(got.values, Values::F64(want.clone()));
    assert_eq!(
        r.read_point_box_as::<f32>("F", b).unwrap().len(),
        want.len()
    );
    assert!(r.read_point_box("C", [2, 6, -1, 0, 11, 12]).is_err());
    assert!(r.read_point_box("C", [4, 9, -1, 0, 11, 12]).is_err());
    assert!(r.read_point_box("C", [5, 4, -1, 0, 11, 12]).is_err());
    // Cell boxes: cells 3..7 along x.
    let cb = r.read_cell_box("cells", [7, 7, 0, 0, 11, 11]).unwrap();
    assert_eq!(cb.values, Values::I32(vec![cells[4 + 5 * (2 + 3)]]));
    assert!(r.read_cell_box("cells", [8, 8, 0, 0, 11, 11]).is_err());
    // Slices along z.
    let s = r.read_point_slice("C", 2).unwrap();
    let sl = n[0] * n[1] * comps;
    assert_eq!(s.values, Values::F64(c_order[2 * sl..3 * sl].to_vec()));
    assert!(r.read_point_slice("C", 3).is_err());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn step_writer_flushes_every_step() {
    let dir = temp_dir("steps");
    let path = dir.join("steps.vtkhdf");
    let image = ImageData::new([5, 4, 3], [0.0; 3], [1.0; 3]);
    let step = |k: usize| {
        let mut s = image.clone();
        let np = s.n_points() as usize;
        // In name order, as read back.
        s.point_data = vec![
            // Constant over time: stored once.
            vtkhdf::vtk::array::Array::new("k", 1, Values::U16((0..np as u16).collect())),
            vtkhdf::vtk::array::Array::new(
                "t",
                1,
                Values::F32((0..np).map(|i| (i + 100 * k) as f32).collect()),
            ),
        ];
        s.cell_data = vec![vtkhdf::vtk::array::Array::new(
            "c",
            3,
            Values::I64((0..24 * 3).map(|i| i + k as i64).collect()),
        )];
        s
    };
    let f = FileWriter::create(&path).unwrap();
    let mut w = ImageStepWriter::create(&f, &image, &StoreOptions::deflate(1, false)).unwrap();
    for k in 0..4 {
        w.write_step(k as f64 * 0.5, &step(k)).unwrap();
        // The file on disk holds every step so far.
        let r = ImageReader::open_file(&File::open(&path).unwrap()).unwrap();
        assert_eq!(r.n_steps(), k + 1);
        assert_eq!(r.read_step(k).unwrap(), step(k));
    }
    let mut bad = step(4);
    bad.extent = [0, 3, 0, 3, 0, 2];
    assert!(w.write_step(9.0, &bad).is_err());
    drop(w);
    f.close().unwrap();
    let file = File::open(&path).unwrap();
    let mut r = ImageReader::open_file(&file).unwrap();
    assert_eq!(r.times(), Some(&[0.0, 0.5, 1.0, 1.5][..]));
    r.select_step(2).unwrap();
    assert_eq!(
        r.read_point_slice_as::<f32>("t", 1).unwrap(),
        (20..40).map(|i| (i + 200) as f32).collect::<Vec<_>>()
    );
    assert!(r.select_step(4).is_err());
    let k_offsets: Vec<i64> = file
        .dataset("/VTKHDF/Steps/PointDataOffsets/k")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(k_offsets, [0, 0, 0, 0]);
    assert_eq!(
        file.dataset("/VTKHDF/PointData/k").unwrap().shape(),
        &[1, 3, 4, 5]
    );
    if let Some(py) = python() {
        let out = Command::new(py)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vtk_dump.py"))
            .arg(&path)
            .arg("--full")
            .output()
            .unwrap();
        let d: Value = serde_json::from_slice(&out.stdout).unwrap();
        let steps = d["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 4);
        for (k, s) in steps.iter().enumerate() {
            let want = step(k);
            let Values::F32(t) = &want.point_data[1].values else {
                unreachable!()
            };
            let t: Vec<f64> = t.iter().map(|&x| f64::from(x)).collect();
            assert_eq!(s["data"]["point_data"]["t"]["values"], json!(t), "step {k}");
            assert_eq!(s["data"]["cell_data"]["c"]["components"], 3);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
