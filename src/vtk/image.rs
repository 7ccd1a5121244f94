//! ImageData (`vtkImageData`): read from any producer's files, written as
//! VTK writes them, whole or one slice at a time, static or over time.
//!
//! Layout (VTKHDF specification, sections "Image data", "Attribute Data"
//! and "Temporal Data"; measured against vtk 9.7.2):
//!
//! * The group holding the data (`/VTKHDF`, or a block of a composite) has
//!   the attributes `Type = "ImageData"`, `Version`, `WholeExtent` (6
//!   integers `[x0, x1, y0, y1, z0, z1]`, inclusive point indices),
//!   `Origin` (3 numbers), `Spacing` (3 numbers) and `Direction` (9 numbers,
//!   a row-major 3×3 matrix; VTK's reader requires it).
//! * `PointData/<name>` is shaped `(nz, ny, nx)` or `(nz, ny, nx, ncomp)`,
//!   `CellData/<name>` `(nz-1, ny-1, nx-1[, ncomp])`: C order with x
//!   varying fastest, which is VTK's point order. An axis with a single
//!   point is dropped from the shape (a z-flat image has point arrays
//!   `(ny, nx)`), as VTK 9.7.2 writes. Reading accepts any producer's
//!   shapes: flat axes dropped or kept, any integer or float attribute
//!   types, extents not starting at 0 (the dataset index is the extent
//!   index minus the whole extent's start).
//! * `FieldData/<name>` is `(tuples,)` or `(tuples, ncomp)`; VTK reads it
//!   for images although its own writer drops it.
//! * Over time, every point and cell array gets a leading time axis
//!   `(T, nz, ny, nx[, ncomp])`, chunked one step per chunk; `Steps` holds
//!   `NSteps`, `Values` and `PointDataOffsets/<name>`,
//!   `CellDataOffsets/<name>` (the index along the time axis of each step;
//!   an array equal to the previous step's is stored once and its offset
//!   repeats). Field data over time is appended row-wise with
//!   `FieldDataOffsets/<name>` and `FieldDataSizes/<name>`
//!   (`[components, tuples]` per step).
//!
//! The model ([`ImageData`]) holds arrays in VTK's point order (x fastest,
//! then y, then z; the components of a tuple contiguous). Large images are
//! written with [`ImageWriter`] one slice at a time, holding one slice in
//! memory; [`ImageReader`] reads whole arrays, slices or boxes.
//!
//! Two array orders are named throughout:
//!
//! * **C order** (VTK order): the array indexed `[z][y][x]` in row-major
//!   order, x varying fastest. A slice along z is indexed `[y][x]`.
//! * **Fortran order**: the same `[z][y][x]` indexing stored column-major,
//!   z varying fastest (a NumPy array of shape `(nz, ny, nx)` with
//!   `order="F"`). A slice along z is then indexed `[y][x]` with y fastest.
//!   The components of a tuple stay contiguous in both orders.
//!
//! "Slices" are taken along the slowest stored axis: z for a 3-D image, y
//! for a z-flat one, and so on (flat axes are not stored).

use super::array::{
    self, array_datasets, at, read_array, read_marker, read_values, read_values_rows, Array,
    StoreOptions, Values,
};
use super::grid::grid_counts;
use super::{DataType, Series, ROOT};
use crate::error::{Error, Result};
use crate::format::message::datatype::DatatypeClass;
use crate::hl::write::{DatasetWriter, FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};
use crate::read::convert::H5Type;
use crate::read::selection::Hyperslab;

/// The identity `Direction`.
pub const IDENTITY: [f64; 9] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];

/// A `vtkImageData`: a regular grid and its arrays.
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
    /// Point arrays, values in C order (x fastest), components last.
    pub point_data: Vec<Array>,
    /// Cell arrays, values in C order (x fastest), components last.
    pub cell_data: Vec<Array>,
    /// Field arrays (`(tuples, components)`, any number of tuples).
    pub field_data: Vec<Array>,
}

impl ImageData {
    /// An axis-aligned image of `nx × ny × nz` points (`dims = [nx, ny,
    /// nz]`) with extent starting at 0 and no arrays.
    pub fn new(dims: [u64; 3], origin: [f64; 3], spacing: [f64; 3]) -> Self {
        let hi = |n: u64| n as i64 - 1;
        Self::with_extent(
            [0, hi(dims[0]), 0, hi(dims[1]), 0, hi(dims[2])],
            origin,
            spacing,
        )
    }

    /// An axis-aligned image over `extent` with no arrays.
    pub fn with_extent(extent: [i64; 6], origin: [f64; 3], spacing: [f64; 3]) -> Self {
        ImageData {
            extent,
            origin,
            spacing,
            direction: IDENTITY,
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        }
    }

    /// The same geometry with no arrays.
    pub fn geometry(&self) -> ImageData {
        ImageData {
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
            ..self.clone()
        }
    }

    /// True when extent, origin, spacing and direction are equal.
    pub fn same_geometry(&self, other: &ImageData) -> bool {
        self.extent == other.extent
            && self.origin == other.origin
            && self.spacing == other.spacing
            && self.direction == other.direction
    }

    grid_counts!();

    /// The shape of a point array's dataset without its component axis:
    /// `[nz, ny, nx]` with single-point axes dropped (`[1]` if all are).
    pub fn point_shape(&self) -> Vec<u64> {
        stored_shape(self.point_dims(), false)
    }

    /// The shape of a cell array's dataset without its component axis:
    /// `[nz-1, ny-1, nx-1]` with the single-point axes dropped.
    pub fn cell_shape(&self) -> Vec<u64> {
        stored_shape(self.point_dims(), true)
    }

    /// The point array named `name`.
    pub fn point_array(&self, name: &str) -> Option<&Array> {
        self.point_data.iter().find(|a| a.name == name)
    }

    /// The cell array named `name`.
    pub fn cell_array(&self, name: &str) -> Option<&Array> {
        self.cell_data.iter().find(|a| a.name == name)
    }

    fn check(&self) -> Result<()> {
        check_extent(&self.extent, "image")
    }
}

// ---------------------------------------------------------------------------
// Structured-grid rules shared by ImageData, RectilinearGrid, StructuredGrid
// ---------------------------------------------------------------------------

/// Which attribute group an array belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Centering {
    /// `PointData`.
    Point,
    /// `CellData`.
    Cell,
}

impl Centering {
    /// The group name (`PointData` / `CellData`).
    pub fn group(self) -> &'static str {
        match self {
            Centering::Point => "PointData",
            Centering::Cell => "CellData",
        }
    }
}

/// Point counts `[nz, ny, nx]` of an extent `[x0, x1, y0, y1, z0, z1]`
/// (0 along an empty axis).
pub fn extent_point_dims(extent: &[i64; 6]) -> [u64; 3] {
    let n = |a: usize| {
        let d = i128::from(extent[2 * a + 1]) - i128::from(extent[2 * a]) + 1;
        u64::try_from(d.max(0)).unwrap_or(u64::MAX)
    };
    [n(2), n(1), n(0)]
}

/// Cell counts for point counts `p` (storage order): `n - 1` per axis, 1
/// along a flat axis.
pub fn cell_dims_of(p: [u64; 3]) -> [u64; 3] {
    p.map(|n| if n > 1 { n - 1 } else { n })
}

/// The stored shape of a point (`cells == false`) or cell array without
/// its component axis, for point counts `p` (storage order): single-point
/// axes dropped, `[1]` if all are.
pub fn stored_shape(p: [u64; 3], cells: bool) -> Vec<u64> {
    let s: Vec<u64> = p
        .iter()
        .filter(|&&n| n != 1)
        .map(|&n| if cells { n.saturating_sub(1) } else { n })
        .collect();
    if s.is_empty() {
        vec![1]
    } else {
        s
    }
}

pub(crate) fn check_extent(extent: &[i64; 6], what: &str) -> Result<()> {
    for a in 0..3 {
        if extent[2 * a + 1] < extent[2 * a] {
            return Err(Error::wrong_use(format!(
                "{what} extent {extent:?} is empty along axis {a}"
            )));
        }
    }
    Ok(())
}

/// Matches a dataset shape (without a time axis) against tuple counts `t`
/// (`[nz, ny, nx]`): the leading axes must be `t` with some single-tuple
/// axes possibly dropped, followed by at most one component axis. Gives the
/// grid axis (0 = z, 1 = y, 2 = x) of each stored spatial axis and the
/// component count.
pub(crate) fn match_shape(t: [u64; 3], shape: &[u64]) -> Option<(Vec<usize>, usize)> {
    let mut masks: Vec<u8> = (0u8..8)
        .filter(|m| (0..3).all(|a| m & (1 << a) == 0 || t[a] == 1))
        .collect();
    masks.sort_by_key(|m| m.count_ones());
    for m in masks {
        let kept: Vec<usize> = (0..3).filter(|a| m & (1 << a) == 0).collect();
        let k = kept.len();
        if shape.len() < k || shape.len() > k + 1 {
            continue;
        }
        if kept.iter().zip(shape).all(|(&a, &s)| t[a] == s) {
            let c = shape.get(k).copied().unwrap_or(1);
            if c == 0 {
                continue;
            }
            return Some((kept, usize::try_from(c).ok()?));
        }
    }
    None
}

/// A number as a non-negative index (integers, or integral floats).
fn index_of(v: &Values, path: &str) -> Result<u64> {
    let bad = || Error::malformed(0, format!("{path}: expected a non-negative integer offset"));
    if let Some(i) = v.to_i64() {
        return i
            .first()
            .and_then(|&x| u64::try_from(x).ok())
            .ok_or_else(bad);
    }
    let f = v.to_f64();
    match f.first() {
        Some(&x) if x >= 0.0 && x.fract() == 0.0 && x < 9.0e18 => Ok(x as u64),
        _ => Err(bad()),
    }
}

/// The `Steps` group of temporal data.
#[derive(Debug, Clone)]
pub(crate) struct Steps {
    group: Group,
    times: Vec<f64>,
}

impl Steps {
    /// `parent/Steps`, or `None` for static data.
    pub(crate) fn read(parent: &Group) -> Result<Option<Steps>> {
        let Ok(group) = parent.group("Steps") else {
            return Ok(None);
        };
        let n = match group.attr("NSteps") {
            Ok(a) => {
                let v: Vec<f64> = a.read().map_err(|e| at(group.path(), e))?;
                match v.first() {
                    Some(&x) if x >= 0.0 && x.fract() == 0.0 && x < 1e15 => Some(x as u64),
                    _ => {
                        return Err(Error::malformed(
                            0,
                            format!(
                                "{}: NSteps is {v:?}, expected one non-negative integer",
                                group.path()
                            ),
                        ))
                    }
                }
            }
            Err(_) => None,
        };
        let values = match group.dataset("Values") {
            Ok(ds) => Some(ds.read::<f64>().map_err(|e| at(ds.path(), e))?),
            Err(_) => None,
        };
        let times = match (n, values) {
            (Some(n), Some(v)) => {
                if (v.len() as u64) < n {
                    return Err(Error::malformed(
                        0,
                        format!(
                            "{}/Values has {} entries, NSteps is {n}",
                            group.path(),
                            v.len()
                        ),
                    ));
                }
                v[..n as usize].to_vec()
            }
            (None, Some(v)) => v,
            (Some(n), None) if n <= 1 => vec![0.0; n as usize],
            (None, None) => vec![0.0],
            (Some(n), None) => {
                return Err(Error::malformed(
                    0,
                    format!("{}: NSteps is {n} but there is no Values", group.path()),
                ))
            }
        };
        Ok(Some(Steps { group, times }))
    }

    /// Number of steps.
    pub(crate) fn len(&self) -> usize {
        self.times.len()
    }

    /// The time of every step.
    pub(crate) fn times(&self) -> &[f64] {
        &self.times
    }

    /// Entry `step` of the offsets dataset `Steps/<path>`, if it exists.
    pub(crate) fn offset(&self, path: &str, step: usize) -> Result<Option<u64>> {
        let Ok(ds) = self.group.dataset(path) else {
            return Ok(None);
        };
        Ok(Some(index_of(&self.row(&ds, step)?, ds.path())?))
    }

    fn row(&self, ds: &Dataset, step: usize) -> Result<Values> {
        let len = ds.shape().first().copied().unwrap_or(0);
        if step as u64 >= len {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: no entry for step {step} (shape {:?})",
                    ds.path(),
                    ds.shape()
                ),
            ));
        }
        read_values_rows(ds, step as u64, 1)
    }

    /// `FieldDataSizes/<name>` at `step`: `[components, tuples]`.
    fn field_size(&self, name: &str, step: usize) -> Result<Option<[i64; 2]>> {
        let Ok(ds) = self.group.dataset(&format!("FieldDataSizes/{name}")) else {
            return Ok(None);
        };
        let v = self.row(&ds, step)?;
        let v: Vec<i64> = match v.to_i64() {
            Some(v) => v,
            None => v.to_f64().iter().map(|&x| x as i64).collect(),
        };
        match v.as_slice() {
            [c, t] => Ok(Some([*c, *t])),
            _ => Err(Error::malformed(
                0,
                format!("{}: expected [components, tuples] per step", ds.path()),
            )),
        }
    }
}

/// Checks the `Type` attribute of `group` (a missing `Type` is accepted
/// for ImageData with a `WholeExtent`, VTK 9.1's rule).
pub(crate) fn check_type(group: &Group, expected: DataType) -> Result<()> {
    match group.attr("Type") {
        Ok(a) => {
            let s = a.read_string().map_err(|e| at(group.path(), e))?;
            let s = s.split('\0').next().unwrap_or("").trim_end_matches(' ');
            if DataType::from_name(s) != Some(expected) {
                return Err(Error::wrong_use(format!(
                    "{}: Type is {s:?}, expected {}",
                    group.path(),
                    expected.name()
                )));
            }
            Ok(())
        }
        Err(_) if expected == DataType::ImageData && group.attr("WholeExtent").is_ok() => Ok(()),
        Err(_) => Err(Error::malformed(
            0,
            format!(
                "{}: no Type attribute (expected {})",
                group.path(),
                expected.name()
            ),
        )),
    }
}

/// Where one step of a structured array is stored.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    ds: Dataset,
    name: String,
    /// Index along the time axis, if the dataset has one.
    row: Option<u64>,
    /// Grid axis (0 = z, 1 = y, 2 = x) of each stored spatial axis.
    axes: Vec<usize>,
    components: usize,
    /// Tuple counts `[nz, ny, nx]`.
    tuples: [u64; 3],
}

/// Finds array `name` of `parent/<sub>` for `step`, its dataset holding
/// `tuples` (`[nz, ny, nx]`) tuples per step.
pub(crate) fn locate(
    parent: &Group,
    steps: Option<&Steps>,
    step: usize,
    sub: &str,
    name: &str,
    tuples: [u64; 3],
) -> Result<Located> {
    let path = format!("{sub}/{name}");
    let ds = parent
        .dataset(&path)
        .map_err(|e| at(&format!("{}/{path}", parent.path()), e))?;
    locate_dataset(
        ds,
        name,
        steps,
        step,
        &format!("{sub}Offsets/{name}"),
        tuples,
    )
}

/// Like [`locate`] for a dataset found already; `offsets` names its
/// offsets dataset in `Steps`.
pub(crate) fn locate_dataset(
    ds: Dataset,
    name: &str,
    steps: Option<&Steps>,
    step: usize,
    offsets: &str,
    tuples: [u64; 3],
) -> Result<Located> {
    let shape = ds.shape().to_vec();
    if let Some(st) = steps {
        if let Some((&t, rest)) = shape.split_first() {
            if let Some((axes, components)) = match_shape(tuples, rest) {
                let row = st.offset(offsets, step)?.unwrap_or(step as u64);
                if row >= t {
                    return Err(Error::malformed(
                        0,
                        format!(
                            "{}: step {step} is at time index {row}, outside the {t} stored",
                            ds.path()
                        ),
                    ));
                }
                return Ok(Located {
                    ds,
                    name: name.to_string(),
                    row: Some(row),
                    axes,
                    components,
                    tuples,
                });
            }
        }
    }
    match match_shape(tuples, &shape) {
        Some((axes, components)) => Ok(Located {
            ds,
            name: name.to_string(),
            row: None,
            axes,
            components,
            tuples,
        }),
        None => Err(Error::malformed(
            0,
            format!(
                "{}: shape {shape:?} does not hold a grid of {}x{}x{} tuples (x, y, z){}",
                ds.path(),
                tuples[2],
                tuples[1],
                tuples[0],
                if steps.is_some() {
                    ", with or without a time axis"
                } else {
                    ""
                }
            ),
        )),
    }
}

impl Located {
    /// Number of components.
    pub(crate) fn components(&self) -> usize {
        self.components
    }

    fn has_component_axis(&self) -> bool {
        self.ds.shape().len() > self.axes.len() + usize::from(self.row.is_some())
    }

    /// The whole step.
    pub(crate) fn read(&self) -> Result<Array> {
        let values = match self.row {
            Some(r) => read_values_rows(&self.ds, r, 1)?,
            None => read_values(&self.ds)?,
        };
        let n = self
            .tuples
            .iter()
            .try_fold(self.components as u64, |a, &b| a.checked_mul(b));
        if n != Some(values.len() as u64) {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: {} values read, {n:?} expected",
                    self.ds.path(),
                    values.len()
                ),
            ));
        }
        Ok(Array {
            name: self.name.clone(),
            components: self.components,
            values,
            attribute: read_marker(&self.ds),
        })
    }

    /// The selection of the box `lo .. lo + count` (local tuple indices,
    /// `[z, y, x]`).
    pub(crate) fn slab(&self, lo: [u64; 3], count: [u64; 3]) -> Result<Hyperslab> {
        for a in 0..3 {
            if count[a] == 0
                || lo[a]
                    .checked_add(count[a])
                    .is_none_or(|e| e > self.tuples[a])
            {
                return Err(Error::wrong_use(format!(
                    "{}: box {lo:?} + {count:?} (z, y, x) is outside the {:?} tuples",
                    self.ds.path(),
                    self.tuples
                )));
            }
        }
        let mut start = Vec::new();
        let mut cnt = Vec::new();
        if let Some(r) = self.row {
            start.push(r);
            cnt.push(1);
        }
        for &a in &self.axes {
            start.push(lo[a]);
            cnt.push(count[a]);
        }
        if self.has_component_axis() {
            start.push(0);
            cnt.push(self.components as u64);
        }
        let step = vec![1; start.len()];
        Ok(Hyperslab::new(&start, &cnt, &step))
    }

    /// The box in the stored type.
    pub(crate) fn read_box(&self, lo: [u64; 3], count: [u64; 3]) -> Result<Array> {
        let sel = self.slab(lo, count)?;
        Ok(Array {
            name: self.name.clone(),
            components: self.components,
            values: read_slab(&self.ds, &sel)?,
            attribute: read_marker(&self.ds),
        })
    }

    /// The box converted to `T`.
    pub(crate) fn read_box_as<T: H5Type>(&self, lo: [u64; 3], count: [u64; 3]) -> Result<Vec<T>> {
        let sel = self.slab(lo, count)?;
        self.ds
            .read_slice::<T>(&sel)
            .map_err(|e| at(self.ds.path(), e))
    }

    /// Number of slices along the slowest stored spatial axis and the grid
    /// axis it is.
    fn slice_axis(&self) -> (u64, usize) {
        match self.axes.first() {
            Some(&a) => (self.tuples[a], a),
            None => (1, 0),
        }
    }

    /// Box of slice `k` along the slowest stored spatial axis.
    pub(crate) fn slice_box(&self, k: u64) -> Result<([u64; 3], [u64; 3])> {
        let (n, a) = self.slice_axis();
        if k >= n {
            return Err(Error::wrong_use(format!(
                "slice {k} is out of range for {} with {n} slices",
                self.ds.path()
            )));
        }
        let mut lo = [0; 3];
        let mut count = self.tuples;
        lo[a] = k;
        count[a] = 1;
        Ok((lo, count))
    }
}

/// Reads a hyperslab in the dataset's stored type.
pub(crate) fn read_slab(ds: &Dataset, sel: &Hyperslab) -> Result<Values> {
    macro_rules! rd {
        ($v:ident, $t:ty) => {
            Values::$v(ds.read_slice::<$t>(sel).map_err(|e| at(ds.path(), e))?)
        };
    }
    let t = ds.dtype();
    Ok(match &t.class {
        DatatypeClass::FixedPoint { signed, .. } => match (t.size, signed) {
            (1, true) => rd!(I8, i8),
            (1, false) => rd!(U8, u8),
            (2, true) => rd!(I16, i16),
            (2, false) => rd!(U16, u16),
            (4, true) => rd!(I32, i32),
            (4, false) => rd!(U32, u32),
            (8, true) => rd!(I64, i64),
            (8, false) => rd!(U64, u64),
            (n, _) => {
                return Err(Error::unsupported(
                    0,
                    format!("{}: {n}-byte integers are not a VTK array type", ds.path()),
                ))
            }
        },
        DatatypeClass::FloatingPoint { .. } if t.size <= 4 => rd!(F32, f32),
        DatatypeClass::FloatingPoint { .. } => rd!(F64, f64),
        _ => {
            return Err(Error::unsupported(
                0,
                format!(
                    "{}: {} is not a numeric VTK array type",
                    ds.path(),
                    crate::hl::dtype_name(t)
                ),
            ))
        }
    })
}

/// Reads the arrays of `parent/<sub>` for `step`.
pub(crate) fn read_structured_arrays(
    parent: &Group,
    steps: Option<&Steps>,
    step: usize,
    sub: &str,
    tuples: [u64; 3],
) -> Result<Vec<Array>> {
    array_datasets(parent, sub)?
        .into_iter()
        .map(|(name, ds)| {
            locate_dataset(
                ds,
                &name,
                steps,
                step,
                &format!("{sub}Offsets/{name}"),
                tuples,
            )?
            .read()
        })
        .collect()
}

/// Reads the field arrays of `parent/FieldData` for `step`: with
/// `Steps/FieldDataOffsets/<name>` the step's rows (sized by
/// `FieldDataSizes`, default one tuple; `[0, 0]` means absent), otherwise
/// the whole array.
pub(crate) fn read_field_arrays(
    parent: &Group,
    steps: Option<&Steps>,
    step: usize,
) -> Result<Vec<Array>> {
    let mut out = Vec::new();
    for (name, ds) in array_datasets(parent, "FieldData")? {
        let st = match steps {
            Some(st) => st,
            None => {
                out.push(read_array(&ds, &name, 1)?);
                continue;
            }
        };
        let Some(off) = st.offset(&format!("FieldDataOffsets/{name}"), step)? else {
            out.push(read_array(&ds, &name, 1)?);
            continue;
        };
        let [nc, nt] = st.field_size(&name, step)?.unwrap_or([-1, 1]);
        if nc == 0 && nt == 0 {
            continue;
        }
        let stored = array::components_of(ds.shape(), 1).max(1);
        let comps = if nc > 0 { nc as usize } else { stored };
        let nt = u64::try_from(nt).map_err(|_| {
            Error::malformed(
                0,
                format!("{}: negative tuple count {nt} at step {step}", ds.path()),
            )
        })?;
        let rows = if ds.shape().len() >= 2 {
            nt
        } else {
            nt.saturating_mul(comps as u64)
        };
        let values = read_values_rows(&ds, off, rows)?;
        out.push(Array {
            name,
            components: comps,
            values,
            attribute: read_marker(&ds),
        });
    }
    Ok(out)
}

fn numbers<const N: usize>(root: &Group, name: &str, default: [f64; N]) -> Result<[f64; N]> {
    let Ok(a) = root.attr(name) else {
        return Ok(default);
    };
    let v: Vec<f64> = a.read().map_err(|e| at(root.path(), e))?;
    match v.len() {
        n if n == N => Ok(v.try_into().unwrap_or(default)),
        1 => Ok([v[0]; N]),
        n => Err(Error::malformed(
            0,
            format!(
                "{}: attribute {name} has {n} values, expected {N}",
                root.path()
            ),
        )),
    }
}

/// Reads an integer attribute of `N` values stored as any number type.
pub(crate) fn integers<const N: usize>(group: &Group, name: &str) -> Result<[i64; N]> {
    let a = group
        .attr(name)
        .map_err(|e| at(&format!("{}@{name}", group.path()), e))?;
    let v: Vec<f64> = a.read().map_err(|e| at(group.path(), e))?;
    let bad = || {
        Error::malformed(
            0,
            format!(
                "{}: attribute {name} is {v:?}, expected {N} integers",
                group.path()
            ),
        )
    };
    if v.len() != N || v.iter().any(|x| x.fract() != 0.0 || x.abs() > 9.0e18) {
        return Err(bad());
    }
    let out: Vec<i64> = v.iter().map(|&x| x as i64).collect();
    out.try_into().map_err(|_| bad())
}

fn read_geometry(group: &Group) -> Result<ImageData> {
    let extent = integers::<6>(group, "WholeExtent")?;
    let image = ImageData {
        extent,
        origin: numbers(group, "Origin", [0.0; 3])?,
        spacing: numbers(group, "Spacing", [1.0; 3])?,
        direction: numbers(group, "Direction", IDENTITY)?,
        point_data: Vec::new(),
        cell_data: Vec::new(),
        field_data: Vec::new(),
    };
    check_extent(&image.extent, group.path()).map_err(|e| Error::malformed(0, e.message()))?;
    Ok(image)
}

fn names(group: &Group, sub: &str) -> Result<Vec<String>> {
    Ok(array_datasets(group, sub)?
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads an ImageData: the whole arrays of one step, or slices and boxes of
/// them, without reading more than asked.
#[derive(Debug, Clone)]
pub struct ImageReader {
    group: Group,
    image: ImageData,
    point_names: Vec<String>,
    cell_names: Vec<String>,
    field_names: Vec<String>,
    steps: Option<Steps>,
    step: usize,
}

impl ImageReader {
    /// Opens the ImageData held by `group` (checks `Type`, reads the
    /// geometry, lists the arrays, reads `Steps`).
    pub fn open(group: &Group) -> Result<ImageReader> {
        check_type(group, DataType::ImageData)?;
        Ok(ImageReader {
            image: read_geometry(group)?,
            point_names: names(group, "PointData")?,
            cell_names: names(group, "CellData")?,
            field_names: names(group, "FieldData")?,
            steps: Steps::read(group)?,
            group: group.clone(),
            step: 0,
        })
    }

    /// Opens `/VTKHDF` of `file`.
    pub fn open_file(file: &File) -> Result<ImageReader> {
        Self::open(&file.group(ROOT).map_err(|e| at(ROOT, e))?)
    }

    /// The geometry (no arrays).
    pub fn image(&self) -> &ImageData {
        &self.image
    }

    /// Point array names, sorted (VTK's order).
    pub fn point_arrays(&self) -> &[String] {
        &self.point_names
    }

    /// Cell array names, sorted.
    pub fn cell_arrays(&self) -> &[String] {
        &self.cell_names
    }

    /// Field array names, sorted.
    pub fn field_arrays(&self) -> &[String] {
        &self.field_names
    }

    /// Number of time steps (1 for static data).
    pub fn n_steps(&self) -> usize {
        self.steps.as_ref().map_or(1, Steps::len)
    }

    /// `Steps/Values`, or `None` for static data.
    pub fn times(&self) -> Option<&[f64]> {
        self.steps.as_ref().map(Steps::times)
    }

    /// The step that the array reads use (0 at first).
    pub fn step(&self) -> usize {
        self.step
    }

    /// Selects the step that the array reads use.
    pub fn select_step(&mut self, step: usize) -> Result<()> {
        if step >= self.n_steps() {
            return Err(Error::wrong_use(format!(
                "step {step} is out of range: {} has {} steps",
                self.group.path(),
                self.n_steps()
            )));
        }
        self.step = step;
        Ok(())
    }

    /// The whole data of step `step`: geometry and every array.
    pub fn read_step(&self, step: usize) -> Result<ImageData> {
        if step >= self.n_steps() {
            return Err(Error::wrong_use(format!(
                "step {step} is out of range: {} has {} steps",
                self.group.path(),
                self.n_steps()
            )));
        }
        let mut image = self.image.clone();
        let st = self.steps.as_ref();
        image.point_data =
            read_structured_arrays(&self.group, st, step, "PointData", self.image.point_dims())?;
        image.cell_data =
            read_structured_arrays(&self.group, st, step, "CellData", self.image.cell_dims())?;
        image.field_data = read_field_arrays(&self.group, st, step)?;
        Ok(image)
    }

    /// Every step.
    pub fn read_all(&self) -> Result<Series<ImageData>> {
        let steps = (0..self.n_steps())
            .map(|s| self.read_step(s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Series {
            times: self.times().map(<[f64]>::to_vec),
            steps,
        })
    }

    fn locate(&self, c: Centering, name: &str) -> Result<Located> {
        let tuples = match c {
            Centering::Point => self.image.point_dims(),
            Centering::Cell => self.image.cell_dims(),
        };
        locate(
            &self.group,
            self.steps.as_ref(),
            self.step,
            c.group(),
            name,
            tuples,
        )
    }

    /// Local `[z, y, x]` start and count of a box given in extent
    /// coordinates `[i0, i1, j0, j1, k0, k1]` (inclusive). Cell boxes use
    /// the cells' lowest point indices (cell `i` spans points `i, i+1`).
    fn local_box(&self, c: Centering, b: [i64; 6]) -> Result<([u64; 3], [u64; 3])> {
        let e = &self.image.extent;
        let dims = match c {
            Centering::Point => self.image.point_dims(),
            Centering::Cell => self.image.cell_dims(),
        };
        let mut lo = [0u64; 3];
        let mut count = [0u64; 3];
        for a in 0..3 {
            let g = 2 - a;
            let start = i128::from(b[2 * a]) - i128::from(e[2 * a]);
            let end = i128::from(b[2 * a + 1]) - i128::from(e[2 * a]);
            if start < 0 || end < start || end >= i128::from(dims[g]) {
                return Err(Error::wrong_use(format!(
                    "{} box {b:?} is outside the {} extent of {e:?}",
                    c.group(),
                    if c == Centering::Point {
                        "point"
                    } else {
                        "cell"
                    },
                )));
            }
            lo[g] = start as u64;
            count[g] = (end - start + 1) as u64;
        }
        Ok((lo, count))
    }

    /// A whole point array of the selected step.
    pub fn read_point_array(&self, name: &str) -> Result<Array> {
        self.locate(Centering::Point, name)?.read()
    }

    /// A whole cell array of the selected step.
    pub fn read_cell_array(&self, name: &str) -> Result<Array> {
        self.locate(Centering::Cell, name)?.read()
    }

    /// A field array of the selected step.
    pub fn read_field_array(&self, name: &str) -> Result<Array> {
        read_field_arrays(&self.group, self.steps.as_ref(), self.step)?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| {
                Error::not_found(format!(
                    "{}/FieldData has no array {name:?} at step {}",
                    self.group.path(),
                    self.step
                ))
            })
    }

    /// The points of a box in extent coordinates `[i0, i1, j0, j1, k0,
    /// k1]` (inclusive) of a point array, in C order (x fastest).
    pub fn read_point_box(&self, name: &str, b: [i64; 6]) -> Result<Array> {
        let (lo, count) = self.local_box(Centering::Point, b)?;
        self.locate(Centering::Point, name)?.read_box(lo, count)
    }

    /// The cells of a box in cell extent coordinates (cell `i` spans points
    /// `i` and `i + 1`; along a flat axis the one cell has the point's
    /// index) of a cell array, in C order.
    pub fn read_cell_box(&self, name: &str, b: [i64; 6]) -> Result<Array> {
        let (lo, count) = self.local_box(Centering::Cell, b)?;
        self.locate(Centering::Cell, name)?.read_box(lo, count)
    }

    /// [`Self::read_point_box`] converted to `T`.
    pub fn read_point_box_as<T: H5Type>(&self, name: &str, b: [i64; 6]) -> Result<Vec<T>> {
        let (lo, count) = self.local_box(Centering::Point, b)?;
        self.locate(Centering::Point, name)?.read_box_as(lo, count)
    }

    /// [`Self::read_cell_box`] converted to `T`.
    pub fn read_cell_box_as<T: H5Type>(&self, name: &str, b: [i64; 6]) -> Result<Vec<T>> {
        let (lo, count) = self.local_box(Centering::Cell, b)?;
        self.locate(Centering::Cell, name)?.read_box_as(lo, count)
    }

    /// Slice `k` (counted from 0) along the slowest stored axis of a point
    /// array (z for a 3-D image, y for a z-flat one), in C order.
    pub fn read_point_slice(&self, name: &str, k: u64) -> Result<Array> {
        let l = self.locate(Centering::Point, name)?;
        let (lo, count) = l.slice_box(k)?;
        l.read_box(lo, count)
    }

    /// Slice `k` along the slowest stored axis of a cell array.
    pub fn read_cell_slice(&self, name: &str, k: u64) -> Result<Array> {
        let l = self.locate(Centering::Cell, name)?;
        let (lo, count) = l.slice_box(k)?;
        l.read_box(lo, count)
    }

    /// [`Self::read_point_slice`] converted to `T`.
    pub fn read_point_slice_as<T: H5Type>(&self, name: &str, k: u64) -> Result<Vec<T>> {
        let l = self.locate(Centering::Point, name)?;
        let (lo, count) = l.slice_box(k)?;
        l.read_box_as(lo, count)
    }

    /// [`Self::read_cell_slice`] converted to `T`.
    pub fn read_cell_slice_as<T: H5Type>(&self, name: &str, k: u64) -> Result<Vec<T>> {
        let l = self.locate(Centering::Cell, name)?;
        let (lo, count) = l.slice_box(k)?;
        l.read_box_as(lo, count)
    }

    /// A whole point array of the selected step converted to `T`.
    pub fn read_point_array_as<T: H5Type>(&self, name: &str) -> Result<Vec<T>> {
        let l = self.locate(Centering::Point, name)?;
        l.read_box_as([0; 3], l.tuples)
    }

    /// A whole cell array of the selected step converted to `T`.
    pub fn read_cell_array_as<T: H5Type>(&self, name: &str) -> Result<Vec<T>> {
        let l = self.locate(Centering::Cell, name)?;
        l.read_box_as([0; 3], l.tuples)
    }
}

/// Reads the ImageData held by `group`, every step.
pub fn read(group: &Group) -> Result<Series<ImageData>> {
    ImageReader::open(group)?.read_all()
}

/// Reads the ImageData of a file (`/VTKHDF`).
pub fn read_file(file: &File) -> Result<Series<ImageData>> {
    ImageReader::open_file(file)?.read_all()
}

/// Reads an ImageData file's geometry (no arrays) and the names of its
/// point and cell arrays (sorted by name, as VTK enumerates them).
///
/// Attributes of any width are accepted (`WholeExtent` of any number type,
/// `Origin`/`Spacing`/`Direction` of any number type). A missing `Origin`,
/// `Spacing` or `Direction` means 0, 1 and the identity.
pub fn read_image(file: &File) -> Result<(ImageData, Vec<String>, Vec<String>)> {
    let r = ImageReader::open_file(file)?;
    Ok((r.image.clone(), r.point_names, r.cell_names))
}

/// A whole point array (first step), C order (x fastest, components
/// innermost), converted to `T`.
pub fn read_point_array<T: H5Type>(file: &File, name: &str) -> Result<Vec<T>> {
    ImageReader::open_file(file)?.read_point_array_as(name)
}

/// A whole cell array (first step), C order, converted to `T`.
pub fn read_cell_array<T: H5Type>(file: &File, name: &str) -> Result<Vec<T>> {
    ImageReader::open_file(file)?.read_cell_array_as(name)
}

/// Slice `k` of a point array along its slowest stored axis (z for a 3-D
/// image), C order, converted to `T`.
pub fn read_point_slice<T: H5Type>(file: &File, name: &str, k: u64) -> Result<Vec<T>> {
    ImageReader::open_file(file)?.read_point_slice_as(name, k)
}

/// Slice `k` of a cell array along its slowest stored axis.
pub fn read_cell_slice<T: H5Type>(file: &File, name: &str, k: u64) -> Result<Vec<T>> {
    ImageReader::open_file(file)?.read_cell_slice_as(name, k)
}

// ---------------------------------------------------------------------------
// Writing: shared pieces
// ---------------------------------------------------------------------------

/// Rejects names VTK cannot store (empty, or with `/` or `.`).
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains(['/', '.']) {
        return Err(Error::wrong_use(format!(
            "array name {name:?} is empty or contains '/' or '.', which VTK does not accept"
        )));
    }
    Ok(())
}

/// Checks a structured array: numeric, `tuples × components` values.
pub(crate) fn check_structured(a: &Array, tuples: u64, what: &str) -> Result<()> {
    check_name(&a.name)?;
    if a.components == 0 {
        return Err(Error::wrong_use(format!(
            "{what} array {:?} has no components",
            a.name
        )));
    }
    if matches!(a.values, Values::Str(_)) {
        return Err(Error::wrong_use(format!(
            "{what} array {:?}: strings are allowed in field data only",
            a.name
        )));
    }
    let want = tuples.saturating_mul(a.components as u64);
    if a.values.len() as u64 != want {
        return Err(Error::wrong_use(format!(
            "{what} array {:?} has {} values, {tuples} tuples × {} components need {want}",
            a.name,
            a.values.len(),
            a.components
        )));
    }
    Ok(())
}

/// `spatial` followed by the component axis when there is more than one.
pub(crate) fn with_components(spatial: &[u64], components: usize) -> Vec<u64> {
    let mut s = spatial.to_vec();
    if components > 1 {
        s.push(components as u64);
    }
    s
}

/// True when any array carries an `Attribute` marker.
pub(crate) fn has_markers<'a>(arrays: impl IntoIterator<Item = &'a Array>) -> bool {
    arrays.into_iter().any(|a| a.attribute.is_some())
}

/// Checks a field array: a name without `/`, whole tuples.
fn check_field(a: &Array) -> Result<()> {
    if a.name.is_empty() || a.name.contains('/') {
        return Err(Error::wrong_use(format!(
            "field array name {:?} is empty or contains '/'",
            a.name
        )));
    }
    if a.components == 0 || a.values.len() % a.components != 0 {
        return Err(Error::wrong_use(format!(
            "field array {:?}: {} values are not whole tuples of {}",
            a.name,
            a.values.len(),
            a.components
        )));
    }
    Ok(())
}

/// Writes static field arrays into `group/FieldData`.
pub(crate) fn write_field_static(
    group: &GroupWriter,
    arrays: &[Array],
    opts: &StoreOptions,
) -> Result<()> {
    if arrays.is_empty() {
        return Ok(());
    }
    let fd = group.create_group("FieldData")?;
    for a in arrays {
        check_field(a)?;
        array::write_array(&fd, a, opts, false)?;
    }
    Ok(())
}

/// Writes static point (`cells == false`) or cell arrays into
/// `group/<sub>` for a grid of point counts `p` (`[nz, ny, nx]`), shaped as
/// VTK writes them (flat axes dropped).
pub(crate) fn write_structured_static(
    group: &GroupWriter,
    arrays: &[Array],
    p: [u64; 3],
    cells: bool,
    opts: &StoreOptions,
) -> Result<()> {
    let (sub, what, tuples) = if cells {
        ("CellData", "cell", cell_dims_of(p).iter().product::<u64>())
    } else {
        ("PointData", "point", p.iter().product::<u64>())
    };
    let g = group.create_group(sub)?;
    let spatial = stored_shape(p, cells);
    for a in arrays {
        check_structured(a, tuples, what)?;
        array::write_array_shaped(&g, a, &with_components(&spatial, a.components), opts, false)?;
    }
    Ok(())
}

/// Creates an empty appendable dataset of `like`'s type whose rows have
/// shape `row`, chunked `chunk_rows` rows at a time.
pub(crate) fn create_appendable(
    group: &GroupWriter,
    name: &str,
    like: &Values,
    row: &[u64],
    chunk_rows: u64,
    opts: &StoreOptions,
) -> Result<DatasetWriter> {
    let mut shape = vec![0u64];
    shape.extend_from_slice(row);
    let mut chunk = vec![chunk_rows.max(1)];
    chunk.extend(row.iter().map(|&d| d.max(1)));
    if let Values::Str(_) = like {
        return Err(Error::unsupported(
            0,
            format!(
                "{}/{name}: string arrays cannot change over time",
                group.path()
            ),
        ));
    }
    array::create_numeric(group, name, like, &shape, Some(&chunk), true, opts)
}

/// A dataset grown step by step; a step equal to the previous one is not
/// stored again (its offset repeats).
#[derive(Debug, Default)]
pub(crate) struct Appender {
    ds: Option<DatasetWriter>,
    rows: u64,
    last: Option<Values>,
    last_offset: u64,
}

impl Appender {
    /// Stores `values` (whole rows of `row`) unless equal to the previous
    /// step's; gives the first row of the step.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        group: &GroupWriter,
        name: &str,
        values: &Values,
        row: &[u64],
        chunk_rows: u64,
        opts: &StoreOptions,
        dedupe: bool,
    ) -> Result<u64> {
        if dedupe && self.last.as_ref() == Some(values) {
            return Ok(self.last_offset);
        }
        let ds = match &self.ds {
            Some(ds) => ds.clone(),
            None => {
                let ds = create_appendable(group, name, values, row, chunk_rows, opts)?;
                self.ds = Some(ds.clone());
                ds
            }
        };
        let per_row: u64 = row.iter().product::<u64>().max(1);
        let n = values.len() as u64;
        let offset = self.rows;
        array::append_values(&ds, values)?;
        self.rows += n / per_row;
        self.last_offset = offset;
        if dedupe {
            self.last = Some(values.clone());
        }
        Ok(offset)
    }

    /// The dataset, once created.
    pub(crate) fn dataset(&self) -> Option<&DatasetWriter> {
        self.ds.as_ref()
    }
}

/// An `i64` offsets dataset in `Steps`, one row per step.
#[derive(Debug, Default)]
pub(crate) struct OffsetsWriter {
    inner: Appender,
}

impl OffsetsWriter {
    pub(crate) fn push(&mut self, group: &GroupWriter, name: &str, row: &[i64]) -> Result<()> {
        let shape: Vec<u64> = if row.len() == 1 {
            vec![]
        } else {
            vec![row.len() as u64]
        };
        self.inner.push(
            group,
            name,
            &Values::I64(row.to_vec()),
            &shape,
            256,
            &StoreOptions::plain(),
            false,
        )?;
        Ok(())
    }
}

/// Point or cell arrays over time: `(T, spatial..., [c])` datasets and
/// their `Steps/<sub>Offsets/<name>`.
#[derive(Debug)]
struct TimeArrays {
    sub: &'static str,
    spatial: Vec<u64>,
    tuples: u64,
    entries: Vec<TimeEntry>,
}

#[derive(Debug)]
struct TimeEntry {
    name: String,
    components: usize,
    type_name: &'static str,
    data: Appender,
    offsets: OffsetsWriter,
}

impl TimeArrays {
    fn push(
        &mut self,
        root: &GroupWriter,
        steps: &GroupWriter,
        arrays: &[Array],
        step: u64,
        opts: &StoreOptions,
    ) -> Result<()> {
        let what = &self.sub[..self.sub.len() - 4];
        for a in arrays {
            check_structured(a, self.tuples, what)?;
        }
        if step == 0 {
            for a in arrays {
                if self.entries.iter().any(|e| e.name == a.name) {
                    return Err(Error::wrong_use(format!(
                        "two {what} arrays are named {:?}",
                        a.name
                    )));
                }
                self.entries.push(TimeEntry {
                    name: a.name.clone(),
                    components: a.components,
                    type_name: a.values.type_name(),
                    data: Appender::default(),
                    offsets: OffsetsWriter::default(),
                });
            }
        }
        let mut given: Vec<&str> = arrays.iter().map(|a| a.name.as_str()).collect();
        let mut known: Vec<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        given.sort_unstable();
        known.sort_unstable();
        if given != known {
            return Err(Error::wrong_use(format!(
                "step {step}: {what} arrays {given:?} differ from the first step's {known:?}"
            )));
        }
        let data_group = root.group(self.sub)?;
        let offsets_group = steps.group(&format!("{}Offsets", self.sub))?;
        for e in &mut self.entries {
            let a = arrays
                .iter()
                .find(|a| a.name == e.name)
                .ok_or_else(|| Error::wrong_use("array vanished"))?;
            if a.components != e.components || a.values.type_name() != e.type_name {
                return Err(Error::wrong_use(format!(
                    "step {step}: {what} array {:?} is {} × {}, the first step's is {} × {}",
                    a.name,
                    a.values.type_name(),
                    a.components,
                    e.type_name,
                    e.components
                )));
            }
            let row = with_components(&self.spatial, a.components);
            let first = e.data.dataset().is_none();
            let off = e
                .data
                .push(&data_group, &a.name, &a.values, &row, 1, opts, true)?;
            if first {
                if let Some(ds) = e.data.dataset() {
                    array::write_marker(ds, a)?;
                }
            }
            e.offsets.push(&offsets_group, &a.name, &[off as i64])?;
        }
        Ok(())
    }
}

/// Field arrays over time: rows appended to `FieldData/<name>`, with
/// `Steps/FieldDataOffsets/<name>` and `Steps/FieldDataSizes/<name>`. The
/// first step names the arrays; a later step may lack some (their size is
/// then `[0, 0]`: absent for this crate's reader, while VTK 9.7.2 keeps
/// showing the array of the step it read before).
#[derive(Debug, Default)]
struct TimeFields {
    entries: Vec<(String, usize, Appender, OffsetsWriter, OffsetsWriter)>,
}

impl TimeFields {
    fn push(
        &mut self,
        root: &GroupWriter,
        steps: &GroupWriter,
        arrays: &[Array],
        step: u64,
        opts: &StoreOptions,
    ) -> Result<()> {
        if step == 0 {
            for a in arrays {
                check_field(a)?;
                self.entries.push((
                    a.name.clone(),
                    a.components,
                    Appender::default(),
                    OffsetsWriter::default(),
                    OffsetsWriter::default(),
                ));
            }
            if !arrays.is_empty() {
                root.create_group("FieldData")?;
            }
        }
        let known: Vec<&str> = self.entries.iter().map(|e| e.0.as_str()).collect();
        if let Some(a) = arrays.iter().find(|a| !known.contains(&a.name.as_str())) {
            return Err(Error::wrong_use(format!(
                "step {step}: field array {:?} is not among the first step's {known:?}",
                a.name
            )));
        }
        if self.entries.is_empty() {
            return Ok(());
        }
        let fd = root.group("FieldData")?;
        let offs = steps.create_group("FieldDataOffsets")?;
        let sizes = steps.create_group("FieldDataSizes")?;
        for (name, comps, data, off_w, size_w) in &mut self.entries {
            let Some(a) = arrays.iter().find(|a| &a.name == name) else {
                // Absent at this step: FieldDataSizes [0, 0].
                off_w.push(&offs, name, &[data.last_offset as i64])?;
                size_w.push(&sizes, name, &[0, 0])?;
                continue;
            };
            if a.components != *comps {
                return Err(Error::wrong_use(format!(
                    "step {step}: field array {name:?} has {} components, the first step's {comps}",
                    a.components
                )));
            }
            let row: Vec<u64> = if *comps > 1 {
                vec![*comps as u64]
            } else {
                vec![]
            };
            let first = data.dataset().is_none();
            let off = data.push(&fd, name, &a.values, &row, 256, opts, true)?;
            if first {
                if let Some(ds) = data.dataset() {
                    array::write_marker(ds, a)?;
                }
            }
            off_w.push(&offs, name, &[off as i64])?;
            size_w.push(&sizes, name, &[*comps as i64, a.tuples() as i64])?;
        }
        Ok(())
    }
}

/// The `Steps` group and the arrays of a structured type over time.
#[derive(Debug)]
pub(crate) struct StepsWriter {
    root: GroupWriter,
    steps: GroupWriter,
    values: DatasetWriter,
    n: u64,
    opts: StoreOptions,
    point: TimeArrays,
    cell: TimeArrays,
    field: TimeFields,
}

impl StepsWriter {
    /// Creates `root/Steps` (`NSteps = 0`, empty `Values`), the
    /// `PointData`, `CellData` groups and their offsets groups, for a grid
    /// of point counts `p` (`[nz, ny, nx]`).
    pub(crate) fn create(root: &GroupWriter, p: [u64; 3], opts: &StoreOptions) -> Result<Self> {
        root.create_group("PointData")?;
        root.create_group("CellData")?;
        let steps = root.create_group("Steps")?;
        steps.set_attr("NSteps", &[0i64])?;
        let values = steps
            .new_dataset::<f64>("Values", &[0])
            .chunks(&[256])
            .maxshape(&[None])
            .create()?;
        steps.create_group("PointDataOffsets")?;
        steps.create_group("CellDataOffsets")?;
        let c = cell_dims_of(p);
        Ok(StepsWriter {
            root: root.clone(),
            steps,
            values,
            n: 0,
            opts: *opts,
            point: TimeArrays {
                sub: "PointData",
                spatial: stored_shape(p, false),
                tuples: p.iter().product(),
                entries: Vec::new(),
            },
            cell: TimeArrays {
                sub: "CellData",
                spatial: stored_shape(p, true),
                tuples: c.iter().product(),
                entries: Vec::new(),
            },
            field: TimeFields::default(),
        })
    }

    /// The `Steps` group (for a type's own geometry offsets).
    pub(crate) fn steps_group(&self) -> &GroupWriter {
        &self.steps
    }

    /// Steps written so far.
    pub(crate) fn len(&self) -> u64 {
        self.n
    }

    /// The store options.
    pub(crate) fn opts(&self) -> &StoreOptions {
        &self.opts
    }

    /// Appends the arrays of the next step (the geometry is the caller's).
    pub(crate) fn push_arrays(
        &mut self,
        point: &[Array],
        cell: &[Array],
        field: &[Array],
    ) -> Result<()> {
        let (root, steps, n, opts) = (&self.root, &self.steps, self.n, &self.opts);
        self.point.push(root, steps, point, n, opts)?;
        self.cell.push(root, steps, cell, n, opts)?;
        self.field.push(root, steps, field, n, opts)
    }

    /// Ends the step: appends `time` to `Values` and sets `NSteps`.
    pub(crate) fn finish_step(&mut self, time: f64) -> Result<()> {
        array::append_values(&self.values, &Values::F64(vec![time]))?;
        self.n += 1;
        self.steps.set_attr("NSteps", &[self.n as i64])
    }
}

/// Writes the `Type` and `Version` attributes.
pub(crate) fn set_type(group: &GroupWriter, t: DataType, minor: i64) -> Result<()> {
    group.set_attr("Version", &[2i64, minor])?;
    group.set_attr_str("Type", t.name())
}

fn image_minor(image: &ImageData) -> i64 {
    if has_markers(
        image
            .point_data
            .iter()
            .chain(&image.cell_data)
            .chain(&image.field_data),
    ) {
        6
    } else {
        0
    }
}

fn write_geometry(root: &GroupWriter, image: &ImageData) -> Result<()> {
    image.check()?;
    set_type(root, DataType::ImageData, image_minor(image))?;
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
    root.set_attr("Direction", &image.direction)
}

// ---------------------------------------------------------------------------
// Writing: static images, slice by slice
// ---------------------------------------------------------------------------

/// Writes a static ImageData: the group's attributes, then point and cell
/// arrays added one by one and written whole or one slice at a time.
///
/// Array datasets are chunked one slice per chunk along the slowest stored
/// axis, so writing slice by slice holds one slice in memory.
#[derive(Debug)]
pub struct ImageWriter {
    image: ImageData,
    root: GroupWriter,
    point_data: GroupWriter,
    cell_data: GroupWriter,
    opts: StoreOptions,
}

impl ImageWriter {
    /// Creates `/VTKHDF` with `Version`, `Type`, `WholeExtent`, `Origin`,
    /// `Spacing`, `Direction` and `PointData`/`CellData` groups, then writes
    /// the arrays `image` holds (usually none: add them with
    /// [`Self::add_point_array`]).
    ///
    /// Like VTK, `WholeExtent` is written as 32-bit integers (64-bit only
    /// when an index does not fit) and the others as 64-bit floats.
    pub fn create(file: &FileWriter, image: &ImageData) -> Result<Self> {
        Self::create_with(file, image, &StoreOptions::plain())
    }

    /// [`Self::create`] with storage options for the arrays.
    pub fn create_with(file: &FileWriter, image: &ImageData, opts: &StoreOptions) -> Result<Self> {
        let root = file.root().create_group_tracked("VTKHDF")?;
        Self::create_in(&root, image, opts)
    }

    /// Writes into `group` (which exists and has no `Type` yet), e.g. a
    /// block of a composite.
    pub fn create_in(group: &GroupWriter, image: &ImageData, opts: &StoreOptions) -> Result<Self> {
        write_geometry(group, image)?;
        let point_data = group.create_group("PointData")?;
        let cell_data = group.create_group("CellData")?;
        let w = ImageWriter {
            image: image.geometry(),
            root: group.clone(),
            point_data,
            cell_data,
            opts: *opts,
        };
        for a in &image.point_data {
            w.write_point_array(a)?;
        }
        for a in &image.cell_data {
            w.write_cell_array(a)?;
        }
        write_field_static(group, &image.field_data, opts)?;
        Ok(w)
    }

    /// The geometry written.
    pub fn image(&self) -> &ImageData {
        &self.image
    }

    /// Adds `PointData/<name>` of `T` with `components` values per point,
    /// deflated at the given level if `compression` is set. The dataset is
    /// chunked by slice along its slowest axis.
    pub fn add_point_array<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        compression: Option<u32>,
    ) -> Result<ArrayWriter> {
        let opts = StoreOptions {
            deflate: compression,
            ..self.opts
        };
        self.add_point_array_with::<T>(name, components, &opts)
    }

    /// Adds `CellData/<name>`; see [`ImageWriter::add_point_array`].
    pub fn add_cell_array<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        compression: Option<u32>,
    ) -> Result<ArrayWriter> {
        let opts = StoreOptions {
            deflate: compression,
            ..self.opts
        };
        self.add_cell_array_with::<T>(name, components, &opts)
    }

    /// Adds `PointData/<name>` stored as `opts` says (`chunk_rows`: slices
    /// per chunk, default 1).
    pub fn add_point_array_with<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        opts: &StoreOptions,
    ) -> Result<ArrayWriter> {
        let shape = self.image.point_shape();
        self.add_array::<T>(&self.point_data, name, shape, components, opts)
    }

    /// Adds `CellData/<name>` stored as `opts` says.
    pub fn add_cell_array_with<T: H5Type>(
        &self,
        name: &str,
        components: u64,
        opts: &StoreOptions,
    ) -> Result<ArrayWriter> {
        let shape = self.image.cell_shape();
        self.add_array::<T>(&self.cell_data, name, shape, components, opts)
    }

    /// Writes a whole point array (values in C order) with the writer's
    /// options, keeping its type and `Attribute` marker.
    pub fn write_point_array(&self, array: &Array) -> Result<()> {
        check_structured(array, self.image.n_points(), "point")?;
        let w = self.add_values(Centering::Point, array)?;
        w.set_marker(array.attribute.as_deref())
    }

    /// Writes a whole cell array (values in C order).
    pub fn write_cell_array(&self, array: &Array) -> Result<()> {
        check_structured(array, self.image.n_cells(), "cell")?;
        let w = self.add_values(Centering::Cell, array)?;
        w.set_marker(array.attribute.as_deref())
    }

    fn add_values(&self, c: Centering, a: &Array) -> Result<ArrayWriter> {
        let opts = self.opts;
        macro_rules! go {
            ($t:ty, $v:expr) => {{
                let w = match c {
                    Centering::Point => {
                        self.add_point_array_with::<$t>(&a.name, a.components as u64, &opts)?
                    }
                    Centering::Cell => {
                        self.add_cell_array_with::<$t>(&a.name, a.components as u64, &opts)?
                    }
                };
                w.write_all($v)?;
                w
            }};
        }
        Ok(match &a.values {
            Values::I8(v) => go!(i8, v),
            Values::U8(v) => go!(u8, v),
            Values::I16(v) => go!(i16, v),
            Values::U16(v) => go!(u16, v),
            Values::I32(v) => go!(i32, v),
            Values::U32(v) => go!(u32, v),
            Values::I64(v) => go!(i64, v),
            Values::U64(v) => go!(u64, v),
            Values::F32(v) => go!(f32, v),
            Values::F64(v) => go!(f64, v),
            Values::Str(_) => {
                return Err(Error::wrong_use(format!(
                    "{:?}: strings are allowed in field data only",
                    a.name
                )))
            }
        })
    }

    fn add_array<T: H5Type>(
        &self,
        group: &GroupWriter,
        name: &str,
        spatial: Vec<u64>,
        components: u64,
        opts: &StoreOptions,
    ) -> Result<ArrayWriter> {
        if components == 0 {
            return Err(Error::wrong_use(format!(
                "array {name} must have at least one component"
            )));
        }
        check_name(name)?;
        let spatial_rank = spatial.len();
        let shape = with_components(&spatial, components as usize);
        let slice_len = shape[1..].iter().product::<u64>();
        let mut chunk = shape.clone();
        if spatial_rank > 1 {
            // One slice per chunk (or `chunk_rows` slices).
            chunk[0] = opts.chunk_rows.unwrap_or(1).clamp(1, shape[0].max(1));
        } else {
            // A slice is one tuple: about 1 MiB per chunk instead.
            let row_bytes = slice_len * std::mem::size_of::<T>() as u64;
            chunk[0] = opts.rows_per_chunk(shape[0], row_bytes);
        }
        let chunk: Vec<u64> = chunk.into_iter().map(|c| c.max(1)).collect();
        let b = group.new_dataset::<T>(name, &shape).chunks(&chunk);
        let dataset = array::with_filters(b, opts).create()?;
        Ok(ArrayWriter {
            dataset,
            root: self.root.clone(),
            shape,
            spatial_rank,
            slice_len,
            components,
        })
    }
}

/// Writes one ImageData array, whole or slice by slice along the slowest
/// stored axis, from C-order or Fortran-order data (see the module docs).
#[derive(Debug)]
pub struct ArrayWriter {
    dataset: DatasetWriter,
    root: GroupWriter,
    shape: Vec<u64>,
    spatial_rank: usize,
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

    /// Marks the array as an active attribute (2.6 `Attribute`: `Scalars`,
    /// `Vectors`, `Normals`, `GlobalIds`, ...); the `Version` becomes 2.6.
    pub fn set_attribute(&self, marker: &str) -> Result<()> {
        self.set_marker(Some(marker))
    }

    fn set_marker(&self, marker: Option<&str>) -> Result<()> {
        let Some(m) = marker else {
            return Ok(());
        };
        if !array::ATTRIBUTE_NAMES
            .iter()
            .any(|n| n.eq_ignore_ascii_case(m))
        {
            return Err(Error::wrong_use(format!(
                "{m:?} is not an active attribute name ({:?})",
                array::ATTRIBUTE_NAMES
            )));
        }
        self.dataset.set_attr_str("Attribute", m)?;
        self.root.set_attr("Version", &[2i64, 6])
    }

    /// Writes the whole array from C-order data (x fastest, components
    /// innermost) in one write; the file still gets one chunk per slice,
    /// stored straight from `data` (unfiltered slices that follow each
    /// other go out as one positioned write).
    pub fn write_all<T: H5Type>(&self, data: &[T]) -> Result<()> {
        let n: u64 = self.shape.iter().product();
        if data.len() as u64 != n {
            return Err(Error::wrong_use(format!(
                "{} needs {n} values, got {}",
                self.dataset.path(),
                data.len()
            )));
        }
        // C-order data is the dataset's layout: one write, whose slices
        // (one chunk each) go to the file straight from `data`.
        self.dataset.write(data)
    }

    /// Writes the whole array from Fortran-order data (the array indexed
    /// `[z][y][x]` stored column-major: z fastest, then y, then x; the
    /// components of a tuple contiguous), one slice at a time: only one
    /// slice is rearranged in memory at a time.
    pub fn write_all_fortran<T: H5Type>(&self, data: &[T]) -> Result<()> {
        let n: u64 = self.shape.iter().product();
        if data.len() as u64 != n {
            return Err(Error::wrong_use(format!(
                "{} needs {n} values, got {}",
                self.dataset.path(),
                data.len()
            )));
        }
        if self.spatial_rank <= 1 {
            return self.dataset.write(data);
        }
        let c = self.components as usize;
        let dims: Vec<usize> = self.shape[..self.spatial_rank]
            .iter()
            .map(|&d| d as usize)
            .collect();
        for k in 0..dims[0] {
            let out = gather_fortran(data, &dims[1..], c, |f_inner| f_inner * dims[0] + k);
            self.write_slice(k as u64, &out)?;
        }
        Ok(())
    }

    /// Writes slice `k` along the slowest axis (z for a 3-D image) from
    /// C-order data: x fastest, components innermost.
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

    /// Writes slice `k` from Fortran-order data: the in-slice axes reversed
    /// in speed, so for a 3-D image the slice indexed `[y][x]` is stored
    /// with y fastest (`data[x * ny + y]`), components contiguous.
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
        let dims: Vec<usize> = self.shape[1..self.spatial_rank.max(1)]
            .iter()
            .map(|&d| d as usize)
            .collect();
        let out = gather_fortran(data, &dims, c, |f| f);
        self.write_slice(k, &out)
    }
}

/// Rearranges the C-order tuples of a box of `dims` (C-order axes) from a
/// Fortran-order buffer: tuple `idx` is at `place(fortran offset of idx)`.
fn gather_fortran<T: Copy>(
    data: &[T],
    dims: &[usize],
    c: usize,
    place: impl Fn(usize) -> usize,
) -> Vec<T> {
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(n * c);
    let mut idx = vec![0usize; dims.len()];
    for _ in 0..n {
        let mut f = 0usize;
        for (d, &i) in idx.iter().enumerate().rev() {
            f = f * dims[d] + i;
        }
        let t = place(f);
        out.extend_from_slice(&data[t * c..(t + 1) * c]);
        for d in (0..dims.len()).rev() {
            idx[d] += 1;
            if idx[d] < dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Writing: over time
// ---------------------------------------------------------------------------

/// Writes a temporal ImageData one step at a time: every point and cell
/// array gets a leading time axis (one step per chunk), `Steps` records
/// each step's time and offsets. With a file, each step is flushed: after
/// [`Self::write_step`] returns, the file on disk holds every step so far.
#[derive(Debug)]
pub struct ImageStepWriter<'a> {
    file: Option<&'a FileWriter>,
    root: GroupWriter,
    image: ImageData,
    steps: StepsWriter,
}

impl<'a> ImageStepWriter<'a> {
    /// Creates `/VTKHDF` for an image of `image`'s geometry (its arrays are
    /// ignored: they come with each step).
    pub fn create(file: &'a FileWriter, image: &ImageData, opts: &StoreOptions) -> Result<Self> {
        let root = file.root().create_group_tracked("VTKHDF")?;
        let mut w = Self::create_in(&root, image, opts)?;
        w.file = Some(file);
        file.flush()?;
        Ok(w)
    }

    /// Writes into `group` (which exists and has no `Type` yet); nothing is
    /// flushed.
    pub fn create_in(
        group: &GroupWriter,
        image: &ImageData,
        opts: &StoreOptions,
    ) -> Result<ImageStepWriter<'static>> {
        let geometry = image.geometry();
        write_geometry(group, &geometry)?;
        let steps = StepsWriter::create(group, geometry.point_dims(), opts)?;
        Ok(ImageStepWriter {
            file: None,
            root: group.clone(),
            image: geometry,
            steps,
        })
    }

    /// Steps written so far.
    pub fn n_steps(&self) -> u64 {
        self.steps.len()
    }

    /// Appends a step at `time`. Its geometry must be the writer's; its
    /// arrays must have the names, types and components of the first
    /// step's. An array equal to the previous step's is not stored again.
    pub fn write_step(&mut self, time: f64, step: &ImageData) -> Result<()> {
        if !step.same_geometry(&self.image) {
            return Err(Error::wrong_use(format!(
                "step {}: image geometry (extent {:?}) differs from the file's (extent {:?})",
                self.steps.len(),
                step.extent,
                self.image.extent
            )));
        }
        if image_minor(step) > 0 {
            self.root.set_attr("Version", &[2i64, 6])?;
        }
        self.steps
            .push_arrays(&step.point_data, &step.cell_data, &step.field_data)?;
        self.steps.finish_step(time)?;
        if let Some(f) = self.file {
            f.flush()?;
        }
        Ok(())
    }
}

/// Writes an ImageData (static or over time) into `group`, which exists
/// and carries no `Type` yet.
pub fn write(group: &GroupWriter, data: &Series<ImageData>, opts: &StoreOptions) -> Result<()> {
    match &data.times {
        None => match data.steps.as_slice() {
            [image] => ImageWriter::create_in(group, image, opts).map(|_| ()),
            s => Err(Error::wrong_use(format!(
                "static ImageData needs exactly one step, {} given",
                s.len()
            ))),
        },
        Some(times) => {
            if times.len() != data.steps.len() || times.is_empty() {
                return Err(Error::wrong_use(format!(
                    "temporal ImageData: {} times for {} steps (at least one needed)",
                    times.len(),
                    data.steps.len()
                )));
            }
            let mut w = ImageStepWriter::create_in(group, &data.steps[0], opts)?;
            for (t, s) in times.iter().zip(&data.steps) {
                w.write_step(*t, s)?;
            }
            Ok(())
        }
    }
}

/// Writes an ImageData file: `/VTKHDF` created on `file`'s root.
pub fn write_file(file: &FileWriter, data: &Series<ImageData>, opts: &StoreOptions) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}
