//! A demonstration: writes two VTKHDF files that VTK's `vtkHDFReader`
//! opens (an ImageData written slice by slice and a partitioned
//! UnstructuredGrid of mixed cell types), then reads each back with the
//! crate's readers and checks it holds exactly what was written.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::hl::write::FileWriter;
use crate::hl::File;
use crate::vtk::array::{Array, StoreOptions, Values};
use crate::vtk::image::{read_cell_array, read_image, read_point_array, ImageData, ImageWriter};
use crate::vtk::unstructured::{
    points_array, read_unstructured, write_unstructured, UnstructuredGrid,
};

/// One file written by [`run_demo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// Where the file was written.
    pub path: PathBuf,
    /// What it holds, in a sentence.
    pub what: String,
    /// Whether reading it back gave exactly what was written.
    pub verified: bool,
}

/// Points per axis of the wavelet image.
pub const WAVELET_DIM: u64 = 64;

/// VTK cell type ids used by the mixed-cell grid.
const VTK_TETRA: u8 = 10;
const VTK_HEXAHEDRON: u8 = 12;
const VTK_WEDGE: u8 = 13;

/// Writes `wavelet.vtkhdf` and `mixed_cells.vtkhdf` into `dir` (created if
/// needed) and verifies each by reading it back.
///
/// A file that reads back differently is an error naming the file and the
/// array that differs.
pub fn run_demo(dir: &Path) -> Result<Vec<DemoFile>> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    Ok(vec![wavelet_file(dir)?, mixed_cells_file(dir)?])
}

fn mismatch(path: &Path, what: &str) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!(
            "{}: {what} read back differs from what was written",
            path.display()
        ),
    )
}

// ---------------------------------------------------------------------------
// ImageData
// ---------------------------------------------------------------------------

fn wavelet_image() -> ImageData {
    let n = WAVELET_DIM;
    let spacing = 20.0 / (n - 1) as f64;
    ImageData::new([n; 3], [-10.0; 3], [spacing; 3])
}

/// Like `vtkRTAnalyticSource` with its defaults: a Gaussian bump plus
/// sines and a cosine along the axes, at coordinates scaled to [-1/2, 1/2].
pub fn wavelet_value(x: f64, y: f64, z: f64) -> f64 {
    let (x, y, z) = (x / 20.0, y / 20.0, z / 20.0);
    let sigma = 0.5;
    let sum = x * x + y * y + z * z;
    255.0 * (-sum / (2.0 * sigma * sigma)).exp()
        + 10.0 * (60.0 * x).sin()
        + 18.0 * (30.0 * y).sin()
        + 5.0 * (40.0 * z).cos()
}

/// The `RTData` values of z slice `k` (x fastest).
fn wavelet_slice(image: &ImageData, k: u64) -> Vec<f64> {
    let [_, ny, nx] = image.point_dims();
    let coord = |a: usize, i: u64| image.origin[a] + image.spacing[a] * i as f64;
    let z = coord(2, k);
    let mut out = Vec::with_capacity((nx * ny) as usize);
    for j in 0..ny {
        for i in 0..nx {
            out.push(wavelet_value(coord(0, i), coord(1, j), z));
        }
    }
    out
}

/// The `CellIndex` values of cell slice `k`: each cell's linear index.
fn cell_index_slice(image: &ImageData, k: u64) -> Vec<i32> {
    let [_, ny, nx] = image.cell_dims();
    let first = k * ny * nx;
    (first..first + ny * nx).map(|c| c as i32).collect()
}

fn wavelet_file(dir: &Path) -> Result<DemoFile> {
    let path = dir.join("wavelet.vtkhdf");
    let image = wavelet_image();
    {
        let file = FileWriter::create(&path)?;
        let writer = ImageWriter::create(&file, &image)?;
        let rt = writer.add_point_array::<f64>("RTData", 1, Some(4))?;
        for k in 0..rt.n_slices() {
            rt.write_slice(k, &wavelet_slice(&image, k))?;
        }
        let ci = writer.add_cell_array::<i32>("CellIndex", 1, Some(4))?;
        for k in 0..ci.n_slices() {
            ci.write_slice(k, &cell_index_slice(&image, k))?;
        }
        file.close()?;
    }

    let file = File::open(&path)?;
    let (read, pd, cd) = read_image(&file)?;
    if read != image {
        return Err(mismatch(&path, "image geometry"));
    }
    if pd != ["RTData"] {
        return Err(mismatch(&path, "point array list"));
    }
    if cd != ["CellIndex"] {
        return Err(mismatch(&path, "cell array list"));
    }
    let rt: Vec<f64> = read_point_array(&file, "RTData")?;
    let want: Vec<f64> = (0..image.point_dims()[0])
        .flat_map(|k| wavelet_slice(&image, k))
        .collect();
    if rt.len() != want.len()
        || rt
            .iter()
            .zip(&want)
            .any(|(a, b)| a.to_bits() != b.to_bits())
    {
        return Err(mismatch(&path, "point array RTData"));
    }
    let ci: Vec<i32> = read_cell_array(&file, "CellIndex")?;
    let want: Vec<i32> = (0..image.cell_dims()[0])
        .flat_map(|k| cell_index_slice(&image, k))
        .collect();
    if ci != want {
        return Err(mismatch(&path, "cell array CellIndex"));
    }
    let n = WAVELET_DIM;
    Ok(DemoFile {
        path,
        what: format!(
            "ImageData {n}x{n}x{n} ({} points, {} cells): point array RTData (wavelet, f64), \
             cell array CellIndex (i32), written slice by slice with deflate 4",
            image.n_points(),
            image.n_cells()
        ),
        verified: true,
    })
}

// ---------------------------------------------------------------------------
// UnstructuredGrid
// ---------------------------------------------------------------------------

/// A row of `cubes` unit cubes along x starting at `origin`, each cube
/// meshed as one hexahedron, two wedges or five tetrahedra in turn
/// (starting with `first`, 0..3). Carries the point array `Temperature`
/// and the cell array `Material` (the cell type id).
pub fn cube_row(origin: [f64; 3], cubes: usize, first: usize) -> UnstructuredGrid {
    let nx = cubes + 1;
    // Point (i, j, k), j and k in 0..2.
    let id = |i: usize, j: usize, k: usize| ((k * 2 + j) * nx + i) as i64;
    let mut points = Vec::with_capacity(nx * 4);
    for k in 0..2 {
        for j in 0..2 {
            for i in 0..nx {
                points.push([
                    origin[0] + i as f64,
                    origin[1] + j as f64,
                    origin[2] + k as f64,
                ]);
            }
        }
    }
    let mut offsets = vec![0i64];
    let mut connectivity = Vec::new();
    let mut types = Vec::new();
    let mut add = |t: u8, ids: &[i64]| {
        connectivity.extend_from_slice(ids);
        offsets.push(connectivity.len() as i64);
        types.push(t);
    };
    for c in 0..cubes {
        let p = |di: usize, j: usize, k: usize| id(c + di, j, k);
        let (p000, p100, p110, p010) = (p(0, 0, 0), p(1, 0, 0), p(1, 1, 0), p(0, 1, 0));
        let (p001, p101, p111, p011) = (p(0, 0, 1), p(1, 0, 1), p(1, 1, 1), p(0, 1, 1));
        match (c + first) % 3 {
            0 => add(
                VTK_HEXAHEDRON,
                &[p000, p100, p110, p010, p001, p101, p111, p011],
            ),
            1 => {
                add(VTK_WEDGE, &[p000, p110, p100, p001, p111, p101]);
                add(VTK_WEDGE, &[p000, p010, p110, p001, p011, p111]);
            }
            _ => {
                add(VTK_TETRA, &[p000, p100, p010, p001]);
                add(VTK_TETRA, &[p110, p010, p100, p111]);
                add(VTK_TETRA, &[p101, p100, p001, p111]);
                add(VTK_TETRA, &[p011, p001, p010, p111]);
                add(VTK_TETRA, &[p100, p010, p001, p111]);
            }
        }
    }
    let temperature = points
        .iter()
        .map(|[x, y, z]| 20.0 + 3.0 * x + 0.5 * (y * z) + (0.7 * x).sin())
        .collect();
    let material = types.iter().map(|&t| f64::from(t)).collect();
    UnstructuredGrid {
        points: points_array(Values::F64(points.iter().flatten().copied().collect())),
        offsets,
        connectivity,
        types,
        polyhedra: None,
        point_data: vec![Array::new("Temperature", 1, Values::F64(temperature))],
        cell_data: vec![Array::new("Material", 1, Values::F64(material))],
        field_data: Vec::new(),
    }
}

/// The two partitions of `mixed_cells.vtkhdf`.
pub fn mixed_cells_parts() -> Vec<UnstructuredGrid> {
    vec![
        cube_row([0.0, 0.0, 0.0], 6, 0),
        cube_row([0.0, 2.0, 0.0], 5, 1),
    ]
}

fn compare_arrays(
    path: &Path,
    part: usize,
    kind: &str,
    read: &[Array],
    want: &[Array],
) -> Result<()> {
    if read.len() != want.len() {
        return Err(mismatch(
            path,
            &format!("partition {part}: {kind} array list"),
        ));
    }
    for (ra, wa) in read.iter().zip(want) {
        if ra != wa {
            return Err(mismatch(
                path,
                &format!("partition {part}: {kind} array {}", wa.name),
            ));
        }
    }
    Ok(())
}

fn mixed_cells_file(dir: &Path) -> Result<DemoFile> {
    let path = dir.join("mixed_cells.vtkhdf");
    let parts = mixed_cells_parts();
    {
        let file = FileWriter::create(&path)?;
        write_unstructured(&file, &parts, &StoreOptions::deflate(4, false))?;
        file.close()?;
    }

    let file = File::open(&path)?;
    let read = read_unstructured(&file)?;
    if read.len() != parts.len() {
        return Err(mismatch(&path, "partition count"));
    }
    for (i, (r, w)) in read.iter().zip(&parts).enumerate() {
        if r.points != w.points {
            return Err(mismatch(&path, &format!("partition {i}: Points")));
        }
        if r.offsets != w.offsets {
            return Err(mismatch(&path, &format!("partition {i}: Offsets")));
        }
        if r.connectivity != w.connectivity {
            return Err(mismatch(&path, &format!("partition {i}: Connectivity")));
        }
        if r.types != w.types {
            return Err(mismatch(&path, &format!("partition {i}: Types")));
        }
        compare_arrays(&path, i, "point", &r.point_data, &w.point_data)?;
        compare_arrays(&path, i, "cell", &r.cell_data, &w.cell_data)?;
    }
    let count = |t: u8| {
        parts
            .iter()
            .flat_map(|p| &p.types)
            .filter(|&&x| x == t)
            .count()
    };
    let points: usize = parts.iter().map(|p| p.n_points()).sum();
    let cells: usize = parts.iter().map(|p| p.cells()).sum();
    Ok(DemoFile {
        path,
        what: format!(
            "UnstructuredGrid in {} partitions ({points} points, {cells} cells: {} tetrahedra, \
             {} hexahedra, {} wedges): point array Temperature, cell array Material",
            parts.len(),
            count(VTK_TETRA),
            count(VTK_HEXAHEDRON),
            count(VTK_WEDGE)
        ),
        verified: true,
    })
}
