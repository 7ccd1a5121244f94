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
use super::grid::{self, grid_counts, zero_extent, Grid};
use super::image::{Appender, OffsetsWriter, Steps, StepsWriter};
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

    grid_counts!();
}

const COORDS: [&str; 3] = ["XCoordinates", "YCoordinates", "ZCoordinates"];

impl Grid for RectilinearGrid {
    const TYPE: DataType = DataType::RectilinearGrid;
    const WHAT: &'static str = "rectilinear grid";
    type Geometry = [(Appender, OffsetsWriter); 3];

    fn extent(&self) -> &[i64; 6] {
        &self.extent
    }

    fn arrays(&self) -> [&[Array]; 3] {
        [&self.point_data, &self.cell_data, &self.field_data]
    }

    fn arrays_mut(&mut self) -> [&mut Vec<Array>; 3] {
        [
            &mut self.point_data,
            &mut self.cell_data,
            &mut self.field_data,
        ]
    }

    fn check_geometry(&self) -> Result<()> {
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

    fn read_geometry(
        group: &Group,
        steps: Option<&Steps>,
        step: usize,
        p: [u64; 3],
    ) -> Result<Self> {
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
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        })
    }

    fn write_geometry(&self, group: &GroupWriter, opts: &StoreOptions) -> Result<()> {
        for (name, v) in COORDS.iter().zip([&self.x, &self.y, &self.z]) {
            array::write_values(group, name, v, &[v.len() as u64], opts, false)?;
        }
        Ok(())
    }

    fn push_geometry(
        &self,
        _first: &Self,
        coords: &mut Self::Geometry,
        group: &GroupWriter,
        sw: &StepsWriter,
        _step: usize,
    ) -> Result<()> {
        for (i, v) in [&self.x, &self.y, &self.z].into_iter().enumerate() {
            let (data_w, off_w) = &mut coords[i];
            let off = data_w.push(group, COORDS[i], v, &[], 256, sw.opts(), true)?;
            off_w.push(
                sw.steps_group(),
                &format!("{}Offsets", COORDS[i]),
                &[off as i64],
            )?;
        }
        Ok(())
    }
}

/// Reads the RectilinearGrid held by `group`, every step.
pub fn read(group: &Group) -> Result<Series<RectilinearGrid>> {
    grid::read(group)
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
    grid::write(group, data, opts)
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
