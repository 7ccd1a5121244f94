//! RectilinearGrid (`vtkRectilinearGrid`, VTKHDF 2.7): read from any
//! producer's files and written as VTK's reader expects, static or over
//! time.
//!
//! Layout (VTKHDF specification, sections "Rectilinear grid" and
//! "Temporal Data"; measured against vtk 9.7.2):
//!
//! * The group holding the data has `Type = "RectilinearGrid"`, `Version`
//!   (2.7 or later) and `Dimensions`: 3 integers, the point counts along x,
//!   y, z. Only the counts are stored: the extent read back starts at 0.
//! * `XCoordinates`, `YCoordinates`, `ZCoordinates`: 1-D datasets of the
//!   point coordinates along each axis (any number type; the type is kept).
//! * `PointData`, `CellData` and `FieldData` follow the ImageData rules
//!   ([`super::image`]): one dataset axis per non-flat grid axis, x fastest.
//! * Over time, `Steps/XCoordinatesOffsets` (and Y, Z) give each step's
//!   first entry in the coordinate datasets, which hold the steps'
//!   coordinates one after the other (a step whose coordinates equal the
//!   previous step's repeats the offset); arrays get a leading time axis as
//!   for ImageData. VTK 9.7.2's own writer stores temporal coordinates as
//!   64-bit integers (truncating them); the writer here stores the type
//!   given.

use super::array::{self, Array, StoreOptions, Values};
use super::image::{
    self, cell_dims_of, check_extent, check_type, extent_point_dims, read_field_arrays,
    read_structured_arrays, set_type, write_field_static, write_structured_static, Appender,
    OffsetsWriter, Steps, StepsWriter,
};
use super::{DataType, Series, ROOT};
use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{File, Group};

/// A `vtkRectilinearGrid`: a grid with coordinates per axis, and its
/// arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct RectilinearGrid {
    /// `[x0, x1, y0, y1, z0, z1]`, inclusive point indices (only the point
    /// counts are stored; read back it starts at 0).
    pub extent: [i64; 6],
    /// The x coordinate of each point column (`x1 - x0 + 1` values).
    pub x: Values,
    /// The y coordinates (`y1 - y0 + 1` values).
    pub y: Values,
    /// The z coordinates (`z1 - z0 + 1` values).
    pub z: Values,
    /// Point arrays, values in C order (x fastest), components last.
    pub point_data: Vec<Array>,
    /// Cell arrays, values in C order (x fastest), components last.
    pub cell_data: Vec<Array>,
    /// Field arrays.
    pub field_data: Vec<Array>,
}

impl RectilinearGrid {
    /// A grid over the given coordinates (extent from 0), no arrays.
    pub fn new(x: Values, y: Values, z: Values) -> Self {
        let hi = |v: &Values| v.len() as i64 - 1;
        RectilinearGrid {
            extent: [0, hi(&x), 0, hi(&y), 0, hi(&z)],
            x,
            y,
            z,
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        }
    }

    /// Points per axis in storage order `[nz, ny, nx]`.
    pub fn point_dims(&self) -> [u64; 3] {
        extent_point_dims(&self.extent)
    }

    /// Cells per axis in storage order `[nz, ny, nx]` (1 along flat axes).
    pub fn cell_dims(&self) -> [u64; 3] {
        cell_dims_of(self.point_dims())
    }

    /// Number of points.
    pub fn n_points(&self) -> u64 {
        self.point_dims().iter().product()
    }

    /// Number of cells.
    pub fn n_cells(&self) -> u64 {
        self.cell_dims().iter().product()
    }

    fn check(&self) -> Result<()> {
        check_extent(&self.extent, "rectilinear grid")?;
        let p = self.point_dims();
        for (v, n, axis) in [
            (&self.x, p[2], "x"),
            (&self.y, p[1], "y"),
            (&self.z, p[0], "z"),
        ] {
            if v.len() as u64 != n || matches!(v, Values::Str(_)) {
                return Err(Error::wrong_use(format!(
                    "rectilinear grid: {} {axis} coordinates ({}) for {n} points along {axis}",
                    v.len(),
                    v.type_name()
                )));
            }
        }
        Ok(())
    }
}

const COORDS: [&str; 3] = ["XCoordinates", "YCoordinates", "ZCoordinates"];

/// Reads `Dimensions` (point counts x, y, z) as `[nz, ny, nx]`.
pub(crate) fn read_dimensions(group: &Group) -> Result<[u64; 3]> {
    let d = image::integers::<3>(group, "Dimensions")?;
    if d.iter().any(|&n| n < 1) {
        return Err(Error::malformed(
            0,
            format!(
                "{}: Dimensions {d:?} must be at least 1 point per axis",
                group.path()
            ),
        ));
    }
    Ok([d[2] as u64, d[1] as u64, d[0] as u64])
}

/// Writes `Dimensions` as VTK does (32-bit integers when they fit).
pub(crate) fn write_dimensions(group: &GroupWriter, p: [u64; 3]) -> Result<()> {
    let d = [p[2], p[1], p[0]];
    match d
        .iter()
        .map(|&n| i32::try_from(n))
        .collect::<std::result::Result<Vec<i32>, _>>()
    {
        Ok(d32) => group.set_attr("Dimensions", &d32),
        Err(_) => group.set_attr("Dimensions", &d.map(|n| n as i64)),
    }
}

/// Extent from 0 for point counts `[nz, ny, nx]`.
pub(crate) fn zero_extent(p: [u64; 3]) -> [i64; 6] {
    [0, p[2] as i64 - 1, 0, p[1] as i64 - 1, 0, p[0] as i64 - 1]
}

fn read_step(group: &Group, steps: Option<&Steps>, step: usize) -> Result<RectilinearGrid> {
    let p = read_dimensions(group)?;
    let mut coords = Vec::with_capacity(3);
    for (i, name) in COORDS.iter().enumerate() {
        let n = p[2 - i];
        let ds = group
            .dataset(name)
            .map_err(|e| array::at(&format!("{}/{name}", group.path()), e))?;
        let off = match steps {
            Some(st) => st.offset(&format!("{name}Offsets"), step)?.unwrap_or(0),
            None => 0,
        };
        let v = array::read_values_rows(&ds, off, n)?;
        if v.len() as u64 != n {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: {} values read for {n} points (shape {:?})",
                    ds.path(),
                    v.len(),
                    ds.shape()
                ),
            ));
        }
        coords.push(v);
    }
    let z = coords.pop().unwrap_or(Values::F64(Vec::new()));
    let y = coords.pop().unwrap_or(Values::F64(Vec::new()));
    let x = coords.pop().unwrap_or(Values::F64(Vec::new()));
    Ok(RectilinearGrid {
        extent: zero_extent(p),
        x,
        y,
        z,
        point_data: read_structured_arrays(group, steps, step, "PointData", p)?,
        cell_data: read_structured_arrays(group, steps, step, "CellData", cell_dims_of(p))?,
        field_data: read_field_arrays(group, steps, step)?,
    })
}

/// Reads the RectilinearGrid held by `group`, every step.
pub fn read(group: &Group) -> Result<Series<RectilinearGrid>> {
    check_type(group, DataType::RectilinearGrid)?;
    let steps = Steps::read(group)?;
    match &steps {
        None => Ok(Series::single(read_step(group, None, 0)?)),
        Some(st) => Ok(Series {
            times: Some(st.times().to_vec()),
            steps: (0..st.len())
                .map(|s| read_step(group, Some(st), s))
                .collect::<Result<Vec<_>>>()?,
        }),
    }
}

/// Reads the RectilinearGrid of a file (`/VTKHDF`).
pub fn read_file(file: &File) -> Result<Series<RectilinearGrid>> {
    read(&file.group(ROOT).map_err(|e| array::at(ROOT, e))?)
}

/// Writes a RectilinearGrid (static or over time) into `group`, which
/// exists and carries no `Type` yet. Over time, every step must have the
/// first step's point counts and arrays (names, types, components).
pub fn write(
    group: &GroupWriter,
    data: &Series<RectilinearGrid>,
    opts: &StoreOptions,
) -> Result<()> {
    let first = data
        .steps
        .first()
        .ok_or_else(|| Error::wrong_use("a RectilinearGrid needs at least one step"))?;
    first.check()?;
    let p = first.point_dims();
    set_type(group, DataType::RectilinearGrid, 7)?;
    write_dimensions(group, p)?;
    let Some(times) = &data.times else {
        if data.steps.len() != 1 {
            return Err(Error::wrong_use(format!(
                "static RectilinearGrid needs exactly one step, {} given",
                data.steps.len()
            )));
        }
        for (name, v) in COORDS.iter().zip([&first.x, &first.y, &first.z]) {
            array::write_values(group, name, v, &[v.len() as u64], opts, false)?;
        }
        write_structured_static(group, &first.point_data, p, false, opts)?;
        write_structured_static(group, &first.cell_data, p, true, opts)?;
        return write_field_static(group, &first.field_data, opts);
    };
    if times.len() != data.steps.len() {
        return Err(Error::wrong_use(format!(
            "temporal RectilinearGrid: {} times for {} steps",
            times.len(),
            data.steps.len()
        )));
    }
    let mut sw = StepsWriter::create(group, p, opts)?;
    let mut coords: [(Appender, OffsetsWriter); 3] = Default::default();
    for (s, (t, g)) in times.iter().zip(&data.steps).enumerate() {
        g.check()?;
        if g.point_dims() != p {
            return Err(Error::wrong_use(format!(
                "step {s}: rectilinear grid of {:?} points (z, y, x), the first step has {p:?}",
                g.point_dims()
            )));
        }
        let steps_group = sw.steps_group().clone();
        for (i, v) in [&g.x, &g.y, &g.z].into_iter().enumerate() {
            let (data_w, off_w) = &mut coords[i];
            let off = data_w.push(group, COORDS[i], v, &[], 256, sw.opts(), true)?;
            off_w.push(
                &steps_group,
                &format!("{}Offsets", COORDS[i]),
                &[off as i64],
            )?;
        }
        sw.push_arrays(&g.point_data, &g.cell_data, &g.field_data)?;
        sw.finish_step(*t)?;
    }
    Ok(())
}

/// Writes a RectilinearGrid file: `/VTKHDF` created on `file`'s root.
pub fn write_file(
    file: &FileWriter,
    data: &Series<RectilinearGrid>,
    opts: &StoreOptions,
) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}
