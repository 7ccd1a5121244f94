//! A demonstration: writes a VTKHDF file of every kind users meet (an
//! ImageData written slice by slice, an OverlappingAMR hierarchy written
//! level by level, a partitioned UnstructuredGrid of mixed cell types, a
//! temporal PolyData written one step at a time and a
//! PartitionedDataSetCollection), all of which VTK's `vtkHDFReader` opens,
//! then reads each back with the crate's readers and checks it holds
//! exactly what was written.

use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::hl::write::FileWriter;
use crate::hl::File;
use crate::vtk::amr::{self, AmrBlock, AmrWriter};
use crate::vtk::array::{Array, StoreOptions, Values};
use crate::vtk::composite::{Block, Composite, CompositeKind, Node};
use crate::vtk::data::{self, Data};
use crate::vtk::image::{read_cell_array, read_image, read_point_array, ImageData, ImageWriter};
use crate::vtk::polydata::{self, Cells, PolyData, PolyDataStepWriter};
use crate::vtk::unstructured::{
    points_array, read_unstructured, write_unstructured, UnstructuredGrid,
};
use crate::vtk::Series;

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

/// Writes `wavelet.vtkhdf`, `amr.vtkhdf`, `mixed_cells.vtkhdf`,
/// `wave_temporal.vtkhdf` and `collection.vtkhdf` into `dir` (created if
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
    Ok(vec![
        wavelet_file(dir)?,
        amr_file(dir)?,
        mixed_cells_file(dir)?,
        temporal_polydata_file(dir)?,
        collection_file(dir)?,
    ])
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

// ---------------------------------------------------------------------------
// OverlappingAMR
// ---------------------------------------------------------------------------

/// A block of the wavelet sampled at the cell centres of `amr_box` on a
/// level of the given spacing.
fn wavelet_block(origin: [f64; 3], spacing: f64, amr_box: [i32; 6]) -> AmrBlock {
    let n = |a: usize| (amr_box[2 * a + 1] - amr_box[2 * a] + 1) as usize;
    let mut values = Vec::with_capacity(n(0) * n(1) * n(2));
    for k in 0..n(2) {
        for j in 0..n(1) {
            for i in 0..n(0) {
                let c = |a: usize, idx: usize| {
                    origin[a] + (amr_box[2 * a] as f64 + idx as f64 + 0.5) * spacing
                };
                values.push(wavelet_value(c(0, i), c(1, j), c(2, k)));
            }
        }
    }
    AmrBlock {
        amr_box,
        point_data: Vec::new(),
        cell_data: vec![Array::new("RTData", 1, Values::F64(values))],
    }
}

fn amr_file(dir: &Path) -> Result<DemoFile> {
    let path = dir.join("amr.vtkhdf");
    let origin = [-10.0; 3];
    let coarse = 20.0 / 16.0;
    let levels = [
        (coarse, vec![[0, 15, 0, 15, 0, 15]]),
        (
            coarse / 2.0,
            vec![[8, 15, 8, 15, 8, 23], [16, 23, 8, 23, 8, 23]],
        ),
        (coarse / 4.0, vec![[24, 39, 24, 39, 24, 39]]),
    ];
    let mut written = Vec::new();
    {
        let file = FileWriter::create(&path)?;
        let mut w = AmrWriter::create_file(&file, origin, &StoreOptions::deflate(4, true))?;
        for (spacing, boxes) in &levels {
            let blocks: Vec<AmrBlock> = boxes
                .iter()
                .map(|b| wavelet_block(origin, *spacing, *b))
                .collect();
            w.add_level([*spacing; 3], Some(2), &blocks)?;
            written.push(blocks);
        }
        file.close()?;
    }
    let file = File::open(&path)?;
    let read = amr::read_file(&file)?;
    let amr = read
        .steps
        .first()
        .ok_or_else(|| mismatch(&path, "the hierarchy"))?;
    if amr.levels.len() != levels.len() {
        return Err(mismatch(&path, "level count"));
    }
    for (l, (level, blocks)) in amr.levels.iter().zip(&written).enumerate() {
        if level.spacing != [levels[l].0; 3] || level.blocks != *blocks {
            return Err(mismatch(&path, &format!("level {l}")));
        }
    }
    // One block alone, read without the rest of its level.
    let root = file.group(super::ROOT)?;
    if amr::read_block(&root, 1, 1)? != written[1][1] {
        return Err(mismatch(&path, "level 1 block 1"));
    }
    let blocks: usize = written.iter().map(Vec::len).sum();
    Ok(DemoFile {
        path,
        what: format!(
            "OverlappingAMR, {} levels written level by level ({blocks} blocks, refinement 2): \
             cell array RTData",
            levels.len()
        ),
        verified: true,
    })
}

// ---------------------------------------------------------------------------
// Temporal PolyData
// ---------------------------------------------------------------------------

/// A grid of quads in the z = 0 plane, `n` points per side.
fn quad_sheet(n: usize) -> (Vec<f64>, PolyData) {
    let mut pts = Vec::with_capacity(n * n * 3);
    for j in 0..n {
        for i in 0..n {
            pts.extend([i as f64 / (n - 1) as f64, j as f64 / (n - 1) as f64, 0.0]);
        }
    }
    let mut offsets = vec![0];
    let mut connectivity = Vec::new();
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let p = (j * n + i) as i64;
            connectivity.extend([p, p + 1, p + n as i64 + 1, p + n as i64]);
            offsets.push(connectivity.len() as i64);
        }
    }
    let sheet = PolyData {
        points: points_array(Values::F64(pts.clone())),
        polys: Cells {
            offsets,
            connectivity,
        },
        ..PolyData::default()
    };
    (pts, sheet)
}

/// Step `k` of the wave: the sheet, a Height point array and the step
/// number as field data.
fn wave_step(pts: &[f64], sheet: &PolyData, k: usize) -> (f64, PolyData) {
    let t = k as f64 * 0.25;
    let height: Vec<f64> = pts
        .chunks(3)
        .map(|p| (6.0 * (p[0] + p[1]) - 3.0 * t).sin())
        .collect();
    let mut step = sheet.clone();
    step.point_data = vec![Array::new("Height", 1, Values::F64(height))];
    step.field_data = vec![Array::new("Step", 1, Values::I64(vec![k as i64]))];
    (t, step)
}

fn temporal_polydata_file(dir: &Path) -> Result<DemoFile> {
    let path = dir.join("wave_temporal.vtkhdf");
    let steps = 10;
    let (pts, sheet) = quad_sheet(24);
    {
        let file = FileWriter::create(&path)?;
        let mut w = PolyDataStepWriter::new(file, StoreOptions::deflate(4, true))?;
        for k in 0..steps {
            let (t, step) = wave_step(&pts, &sheet, k);
            // Committed after each step; the unchanged sheet is stored once.
            w.append_step(t, &[step])?;
        }
        w.close()?;
    }
    let file = File::open(&path)?;
    let root = file.group(super::ROOT)?;
    let read = polydata::read(&root)?;
    if read.steps.len() != steps {
        return Err(mismatch(&path, "step count"));
    }
    for k in 0..steps {
        let (t, step) = wave_step(&pts, &sheet, k);
        let times = read.times.as_deref().unwrap_or(&[]);
        if times.get(k) != Some(&t) {
            return Err(mismatch(&path, &format!("time of step {k}")));
        }
        if read.steps[k].len() != 1 || read.steps[k][0] != step {
            return Err(mismatch(&path, &format!("step {k}")));
        }
    }
    Ok(DemoFile {
        path,
        what: format!(
            "temporal PolyData, {steps} steps appended one at a time with a commit after each \
             (geometry stored once): point array Height, field array Step"
        ),
        verified: true,
    })
}

// ---------------------------------------------------------------------------
// PartitionedDataSetCollection
// ---------------------------------------------------------------------------

fn collection() -> Data {
    let image = {
        let mut im = ImageData::new([9, 9, 9], [-2.0; 3], [0.5; 3]);
        let mut v = Vec::new();
        for k in 0..9 {
            for j in 0..9 {
                for i in 0..9 {
                    v.push(wavelet_value(
                        -2.0 + 0.5 * i as f64,
                        -2.0 + 0.5 * j as f64,
                        -2.0 + 0.5 * k as f64,
                    ));
                }
            }
        }
        im.point_data = vec![Array::new("RTData", 1, Values::F64(v))];
        Data::Image(Series::single(im))
    };
    let mesh = Data::Unstructured(Series::single(mixed_cells_parts()));
    let (_, sheet) = quad_sheet(6);
    let surface = Data::Poly(Series::single(vec![sheet]));
    Data::Composite(Composite {
        kind: CompositeKind::Collection,
        blocks: vec![
            Block {
                name: "Mesh".into(),
                data: Some(mesh),
                external: None,
            },
            Block {
                name: "Surface".into(),
                data: Some(surface),
                external: None,
            },
            Block {
                name: "Image".into(),
                data: Some(image),
                external: None,
            },
        ],
        assembly: vec![
            Node::Group {
                name: "Solids".into(),
                children: vec![
                    Node::Ref {
                        name: "Mesh".into(),
                        block: 0,
                    },
                    Node::Ref {
                        name: "Image".into(),
                        block: 2,
                    },
                ],
            },
            Node::Group {
                name: "Boundaries".into(),
                children: vec![
                    Node::Ref {
                        name: "Surface".into(),
                        block: 1,
                    },
                    Node::Ref {
                        name: "Mesh".into(),
                        block: 0,
                    },
                ],
            },
        ],
    })
}

fn collection_file(dir: &Path) -> Result<DemoFile> {
    let path = dir.join("collection.vtkhdf");
    let want = collection();
    {
        let file = FileWriter::create(&path)?;
        data::write_file(&file, &want, &StoreOptions::deflate(4, true))?;
        file.close()?;
    }
    let file = File::open(&path)?;
    let read = data::read_file(&file)?;
    if read != want {
        return Err(mismatch(&path, "the collection"));
    }
    Ok(DemoFile {
        path,
        what: "PartitionedDataSetCollection: an UnstructuredGrid (2 partitions), a PolyData and \
               an ImageData under an assembly Solids / Boundaries (Mesh stored once, referenced \
               from both)"
            .into(),
        verified: true,
    })
}
