//! ImageData: reading any producer's `vtkImageData` files and writing them
//! as VTK does, slice by slice.
//!
//! Layout (VTKHDF spec, measured against vtk 9.7.2):
//!
//! * `/VTKHDF` attributes `WholeExtent` (6 integers `[x0,x1,y0,y1,z0,z1]`),
//!   `Origin` (3 numbers), `Spacing` (3 numbers) and `Direction` (9 numbers,
//!   a row-major 3×3 matrix).
//! * `PointData/<name>` shaped `(nz, ny, nx)` or `(nz, ny, nx, ncomp)`,
//!   `CellData/<name>` shaped `(nz-1, ny-1, nx-1[, ncomp])`, C order with x
//!   varying fastest (VTK's point order).
//! * An axis with a single point is dropped from the dataset shape (a z-flat
//!   image has point data `(ny, nx)` and cell data `(ny-1, nx-1)`), as VTK's
//!   writer does.
//!
//! "Slices" here are taken along the slowest axis of the stored dataset:
//! z for a 3-D image, y for a z-flat one.

use super::{create_root, read_header, DataType};
use crate::error::{Error, Result};
use crate::hl::write::{DatasetWriter, FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};
use crate::read::convert::H5Type;
use crate::read::selection::Hyperslab;

/// The geometry of a `vtkImageData`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageData {
    /// `WholeExtent`: `[x0, x1, y0, y1, z0, z1]`, inclusive point indices.
    pub extent: [i64; 6],
    /// `Origin`: the position of point index (0, 0, 0).
    pub origin: [f64; 3],
    /// `Spacing` along x, y, z.
    pub spacing: [f64; 3],
    /// `Direction`: a row-major 3×3 matrix.
    pub direction: [f64; 9],
}

/// The identity `Direction`.
pub const IDENTITY: [f64; 9] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];

impl ImageData {
    /// An axis-aligned image of `nx × ny × nz` points starting at index 0.
    pub fn new(dims: [u64; 3], origin: [f64; 3], spacing: [f64; 3]) -> Self {
        let hi = |n: u64| n as i64 - 1;
        ImageData {
            extent: [0, hi(dims[0]), 0, hi(dims[1]), 0, hi(dims[2])],
            origin,
            spacing,
            direction: IDENTITY,
        }
    }

    /// Points per axis in storage order `[nz, ny, nx]` (x fastest).
    pub fn point_dims(&self) -> [u64; 3] {
        let n = |a: usize| (self.extent[2 * a + 1] - self.extent[2 * a] + 1).max(0) as u64;
        [n(2), n(1), n(0)]
    }

    /// Cells per axis in storage order `[nz, ny, nx]`; a flat axis (one
    /// point) counts one cell layer, as in VTK.
    pub fn cell_dims(&self) -> [u64; 3] {
        self.point_dims().map(|n| if n > 1 { n - 1 } else { n })
    }

    /// Number of points.
    pub fn n_points(&self) -> u64 {
        self.point_dims().iter().product()
    }

    /// Number of cells.
    pub fn n_cells(&self) -> u64 {
        self.cell_dims().iter().product()
    }

    /// The shape of a point array's dataset without its component axis:
    /// `[nz, ny, nx]` with single-point axes dropped (`[1]` if all are).
    pub fn point_shape(&self) -> Vec<u64> {
        let p = self.point_dims();
        let s: Vec<u64> = p.iter().copied().filter(|&n| n != 1).collect();
        if s.is_empty() {
            vec![1]
        } else {
            s
        }
    }

    /// The shape of a cell array's dataset without its component axis:
    /// `[nz-1, ny-1, nx-1]` with the single-point axes dropped.
    pub fn cell_shape(&self) -> Vec<u64> {
        let p = self.point_dims();
        let s: Vec<u64> = p
            .iter()
            .filter(|&&n| n != 1)
            .map(|&n| n.saturating_sub(1))
            .collect();
        if s.is_empty() {
            vec![1]
        } else {
            s
        }
    }

    fn check(&self) -> Result<()> {
        for a in 0..3 {
            if self.extent[2 * a + 1] < self.extent[2 * a] {
                return Err(Error::wrong_use(format!(
                    "image extent {:?} is empty along axis {a}",
                    self.extent
                )));
            }
        }
        Ok(())
    }
}

fn numbers<const N: usize>(root: &Group, name: &str, default: [f64; N]) -> Result<[f64; N]> {
    let Ok(a) = root.attr(name) else {
        return Ok(default);
    };
    let v: Vec<f64> = a.read()?;
    match v.len() {
        n if n == N => Ok(v.try_into().unwrap_or(default)),
        1 => Ok([v[0]; N]),
        n => Err(Error::malformed(
            0,
            format!("ImageData attribute {name} has {n} values, expected {N}"),
        )),
    }
}

fn dataset_names(root: &Group, group: &str) -> Result<Vec<String>> {
    let Ok(g) = root.group(group) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = g
        .member_names()?
        .into_iter()
        .filter(|n| g.dataset(n).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

/// Reads an ImageData file's geometry and the names of its point and cell
/// arrays (sorted by name, as VTK enumerates them).
///
/// Attributes of any width are accepted (`WholeExtent` of any integer type,
/// `Origin`/`Spacing`/`Direction` of any number type). A missing `Origin`,
/// `Spacing` or `Direction` means 0, 1 and the identity.
pub fn read_image(file: &File) -> Result<(ImageData, Vec<String>, Vec<String>)> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::ImageData {
        return Err(Error::wrong_use(format!(
            "VTKHDF file holds {}, not ImageData",
            header.data_type.name()
        )));
    }
    let extent: Vec<i64> = root.attr("WholeExtent")?.read()?;
    let extent: [i64; 6] = extent.as_slice().try_into().map_err(|_| {
        Error::malformed(
            0,
            format!("WholeExtent has {} values, expected 6", extent.len()),
        )
    })?;
    let image = ImageData {
        extent,
        origin: numbers(&root, "Origin", [0.0; 3])?,
        spacing: numbers(&root, "Spacing", [1.0; 3])?,
        direction: numbers(&root, "Direction", IDENTITY)?,
    };
    image.check()?;
    let pd = dataset_names(&root, "PointData")?;
    let cd = dataset_names(&root, "CellData")?;
    Ok((image, pd, cd))
}

fn array(file: &File, group: &str, name: &str) -> Result<Dataset> {
    file.dataset(&format!("{}/{group}/{name}", super::ROOT))
}

/// A whole point array, C order (x fastest, components innermost).
pub fn read_point_array<T: H5Type>(file: &File, name: &str) -> Result<Vec<T>> {
    array(file, "PointData", name)?.read()
}

/// A whole cell array, C order (x fastest, components innermost).
pub fn read_cell_array<T: H5Type>(file: &File, name: &str) -> Result<Vec<T>> {
    array(file, "CellData", name)?.read()
}

fn read_slice<T: H5Type>(ds: &Dataset, k: u64) -> Result<Vec<T>> {
    let shape = ds.shape();
    let Some(&n) = shape.first() else {
        return Err(Error::wrong_use(format!("{} is scalar", ds.path())));
    };
    if k >= n {
        return Err(Error::wrong_use(format!(
            "slice {k} is out of range for {} with {n} slices",
            ds.path()
        )));
    }
    let mut start = vec![0; shape.len()];
    start[0] = k;
    let mut count = shape.to_vec();
    count[0] = 1;
    ds.read_slice(&Hyperslab::new(&start, &count, &vec![1; shape.len()]))
}

/// One slice `k` of a point array along its slowest stored axis (z for a
/// 3-D image), C order.
pub fn read_point_slice<T: H5Type>(file: &File, name: &str, k: u64) -> Result<Vec<T>> {
    read_slice(&array(file, "PointData", name)?, k)
}

/// One slice `k` of a cell array along its slowest stored axis.
pub fn read_cell_slice<T: H5Type>(file: &File, name: &str, k: u64) -> Result<Vec<T>> {
    read_slice(&array(file, "CellData", name)?, k)
}

/// Writes an ImageData file: the `/VTKHDF` group with its attributes, then
/// point and cell arrays added one by one.
#[derive(Debug)]
pub struct ImageWriter {
    image: ImageData,
    point_data: GroupWriter,
    cell_data: GroupWriter,
}

impl ImageWriter {
    /// Creates `/VTKHDF` with `Version`, `Type`, `WholeExtent`, `Origin`,
    /// `Spacing`, `Direction` and empty `PointData`/`CellData` groups.
    ///
    /// Like VTK, `WholeExtent` is written as 32-bit integers (64-bit only
    /// when an index does not fit) and the others as 64-bit floats.
    pub fn create(file: &FileWriter, image: &ImageData) -> Result<Self> {
        image.check()?;
        let root = create_root(file, DataType::ImageData, (2, 2))?;
        match image
            .extent
            .iter()
            .map(|&e| i32::try_from(e))
            .collect::<std::result::Result<Vec<i32>, _>>()
        {
            Ok(e32) => root.set_attr("WholeExtent", &e32)?,
            Err(_) => root.set_attr("WholeExtent", &image.extent)?,
        }
        root.set_attr("Origin", &image.origin)?;
        root.set_attr("Spacing", &image.spacing)?;
        root.set_attr("Direction", &image.direction)?;
        let point_data = root.create_group_tracked("PointData")?;
        let cell_data = root.create_group_tracked("CellData")?;
        Ok(ImageWriter {
            image: image.clone(),
            point_data,
            cell_data,
        })
    }

    /// The image written.
    pub fn image(&self) -> &ImageData {
        &self.image
    }

    /// Adds `PointData/<name>` with `components` values per point, deflated
    /// at the given level if `compression` is set. The dataset is chunked
    /// by slice along its slowest axis.
    pub fn add_point_array<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        compression: Option<u32>,
    ) -> Result<ArrayWriter> {
        let shape = self.image.point_shape();
        add_array::<T>(&self.point_data, name, shape, components, compression)
    }

    /// Adds `CellData/<name>`; see [`ImageWriter::add_point_array`].
    pub fn add_cell_array<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        compression: Option<u32>,
    ) -> Result<ArrayWriter> {
        let shape = self.image.cell_shape();
        add_array::<T>(&self.cell_data, name, shape, components, compression)
    }
}

fn add_array<T: H5Type>(
    group: &GroupWriter,
    name: &str,
    spatial: Vec<u64>,
    components: u64,
    compression: Option<u32>,
) -> Result<ArrayWriter> {
    if components == 0 {
        return Err(Error::wrong_use(format!(
            "array {name} must have at least one component"
        )));
    }
    if name.contains(['/', '.']) {
        return Err(Error::wrong_use(format!(
            "array name {name:?} contains '/' or '.', which VTK does not accept"
        )));
    }
    let mut shape = spatial;
    if components > 1 {
        shape.push(components);
    }
    let mut chunk = shape.clone();
    // One slice per chunk, except for 1-D arrays where a slice is one
    // tuple: those are chunked whole.
    let spatial_rank = shape.len() - usize::from(components > 1);
    if spatial_rank > 1 {
        chunk[0] = 1;
    }
    let chunk: Vec<u64> = chunk.into_iter().map(|c| c.max(1)).collect();
    let mut b = group.new_dataset::<T>(name, &shape).chunks(&chunk);
    if let Some(level) = compression {
        b = b.deflate(level);
    }
    let dataset = b.create()?;
    let slice_len = shape[1..].iter().product::<u64>();
    Ok(ArrayWriter {
        dataset,
        shape,
        slice_len,
        components,
    })
}

/// Writes one ImageData array, whole or slice by slice.
#[derive(Debug)]
pub struct ArrayWriter {
    dataset: DatasetWriter,
    shape: Vec<u64>,
    slice_len: u64,
    components: u64,
}

impl ArrayWriter {
    /// The dataset shape (`[nz, ny, nx]` with flat axes dropped, then the
    /// component axis if there is more than one component).
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// Number of slices along the slowest axis.
    pub fn n_slices(&self) -> u64 {
        self.shape[0]
    }

    /// Values in one slice (tuples × components).
    pub fn slice_len(&self) -> u64 {
        self.slice_len
    }

    /// Number of components per tuple.
    pub fn components(&self) -> u64 {
        self.components
    }

    /// Writes the whole array: C order, x fastest, components innermost.
    pub fn write_all<T: H5Type>(&self, data: &[T]) -> Result<()> {
        let n: u64 = self.shape.iter().product();
        if data.len() as u64 != n {
            return Err(Error::wrong_use(format!(
                "{} needs {n} values, got {}",
                self.dataset.path(),
                data.len()
            )));
        }
        self.dataset.write(data)
    }

    /// Writes slice `k` along the slowest axis (z for a 3-D image): C order,
    /// x fastest, components innermost.
    pub fn write_slice<T: H5Type>(&self, k: u64, data: &[T]) -> Result<()> {
        if k >= self.shape[0] {
            return Err(Error::wrong_use(format!(
                "slice {k} is out of range for {} with {} slices",
                self.dataset.path(),
                self.shape[0]
            )));
        }
        if data.len() as u64 != self.slice_len {
            return Err(Error::wrong_use(format!(
                "a slice of {} needs {} values, got {}",
                self.dataset.path(),
                self.slice_len,
                data.len()
            )));
        }
        let rank = self.shape.len();
        let mut start = vec![0; rank];
        start[0] = k;
        let mut count = self.shape.clone();
        count[0] = 1;
        self.dataset
            .write_slice(&Hyperslab::new(&start, &count, &vec![1; rank]), data)
    }

    /// Like [`ArrayWriter::write_slice`] for a slice held in Fortran order
    /// within the slice: the first in-slice axis (y for a 3-D image) varies
    /// fastest, then x, with the components of a tuple still contiguous.
    /// For a 3-D image this is a `[nx][ny]` buffer indexed `data[x*ny + y]`
    /// transposed to VTK's `[ny][nx]` order.
    pub fn write_slice_fortran<T: H5Type>(&self, k: u64, data: &[T]) -> Result<()> {
        if data.len() as u64 != self.slice_len {
            return Err(Error::wrong_use(format!(
                "a slice of {} needs {} values, got {}",
                self.dataset.path(),
                self.slice_len,
                data.len()
            )));
        }
        let c = self.components as usize;
        let spatial = &self.shape[1..self.shape.len() - usize::from(self.components > 1)];
        // In-slice spatial axes in C order; reverse index order for Fortran.
        let dims: Vec<usize> = spatial.iter().map(|&d| d as usize).collect();
        let n: usize = dims.iter().product();
        let mut out = Vec::with_capacity(data.len());
        let mut idx = vec![0usize; dims.len()];
        for _ in 0..n {
            // Fortran offset of the C-order multi-index `idx`.
            let mut f = 0usize;
            for (d, &i) in idx.iter().enumerate().rev() {
                f = f * dims[d] + i;
            }
            out.extend_from_slice(&data[f * c..(f + 1) * c]);
            for d in (0..dims.len()).rev() {
                idx[d] += 1;
                if idx[d] < dims[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        self.write_slice(k, &out)
    }
}
