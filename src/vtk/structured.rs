//! StructuredGrid (`vtkStructuredGrid`, VTKHDF 2.7): read from any
//! producer's files and written as VTK's reader expects, static or over
//! time.
//!
//! Layout (VTKHDF specification, sections "Structured grid" and "Temporal
//! Data"; measured against vtk 9.7.2):
//!
//! * The group holding the data has `Type = "StructuredGrid"`, `Version`
//!   (2.7 or later) and `Dimensions`: 3 integers, the point counts along x,
//!   y, z. Only the counts are stored: the extent read back starts at 0.
//! * `Points`: `(nz, ny, nx, 3)`, always 4-D (VTK's reader reads it so,
//!   even for a flat grid, while arrays drop flat axes), x fastest.
//! * `PointData`, `CellData` and `FieldData` follow the ImageData rules
//!   ([`super::image`]).
//! * Over time, `Points` gets a leading time axis `(T, nz, ny, nx, 3)` and
//!   `Steps/PointOffsets` gives each step's index along it (points equal to
//!   the previous step's are stored once and the offset repeats); arrays
//!   get a leading time axis as for ImageData. VTK 9.7.2's own writer fails
//!   on temporal structured grids; its reader reads what is written here.

use super::array::{self, Array, StoreOptions, Values};
use super::grid::{self, grid_counts, zero_extent, Grid};
use super::image::{locate_dataset, Appender, OffsetsWriter, Steps, StepsWriter};
use super::{DataType, Series, ROOT};
use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{File, Group};

/// A `vtkStructuredGrid`: a curvilinear grid with a position per point,
/// and its arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredGrid {
    /// `[x0, x1, y0, y1, z0, z1]`, inclusive point indices (only the point
    /// counts are stored; read back it starts at 0).
    pub extent: [i64; 6],
    /// The point positions: 3 components, points in C order (x fastest).
    pub points: Array,
    /// Point arrays, values in C order (x fastest), components last.
    pub point_data: Vec<Array>,
    /// Cell arrays, values in C order (x fastest), components last.
    pub cell_data: Vec<Array>,
    /// Field arrays.
    pub field_data: Vec<Array>,
}

impl StructuredGrid {
    /// A grid of `dims = [nx, ny, nz]` points (extent from 0) at the given
    /// positions (3 values per point, x fastest), no arrays.
    pub fn new(dims: [u64; 3], points: Values) -> Self {
        StructuredGrid {
            extent: zero_extent([dims[2], dims[1], dims[0]]),
            points: Array::new("Points", 3, points),
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        }
    }

    grid_counts!();
}

fn points_shape(p: [u64; 3]) -> [u64; 4] {
    [p[0], p[1], p[2], 3]
}

impl Grid for StructuredGrid {
    const TYPE: DataType = DataType::StructuredGrid;
    const WHAT: &'static str = "structured grid";
    type Geometry = (Appender, OffsetsWriter);

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
        let n = self.n_points();
        if self.points.components != 3
            || self.points.values.len() as u64 != n.saturating_mul(3)
            || matches!(self.points.values, Values::Str(_))
        {
            return Err(Error::wrong_use(format!(
                "structured grid: points need 3 numeric components for {n} points, \
                 got {} {} values in {} components",
                self.points.values.len(),
                self.points.values.type_name(),
                self.points.components
            )));
        }
        Ok(())
    }

    fn read_geometry(
        group: &Group,
        steps: Option<&Steps>,
        step: usize,
        p: [u64; 3],
    ) -> Result<Self> {
        let ds = group
            .dataset("Points")
            .map_err(|e| array::at(&format!("{}/Points", group.path()), e))?;
        let loc = locate_dataset(ds, "Points", steps, step, "PointOffsets", p)?;
        if loc.components() != 3 {
            return Err(Error::malformed(
                0,
                format!(
                    "{}/Points: {} components per point, expected 3",
                    group.path(),
                    loc.components()
                ),
            ));
        }
        let mut points = loc.read()?;
        points.attribute = None;
        Ok(StructuredGrid {
            extent: zero_extent(p),
            points,
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        })
    }

    fn write_geometry(&self, group: &GroupWriter, opts: &StoreOptions) -> Result<()> {
        array::write_values(
            group,
            "Points",
            &self.points.values,
            &points_shape(self.point_dims()),
            opts,
            false,
        )?;
        Ok(())
    }

    fn push_geometry(
        &self,
        first: &Self,
        (points, offsets): &mut Self::Geometry,
        group: &GroupWriter,
        sw: &StepsWriter,
        step: usize,
    ) -> Result<()> {
        if self.points.values.type_name() != first.points.values.type_name() {
            return Err(Error::wrong_use(format!(
                "step {step}: points are {}, the first step's {}",
                self.points.values.type_name(),
                first.points.values.type_name()
            )));
        }
        let off = points.push(
            group,
            "Points",
            &self.points.values,
            &points_shape(self.point_dims()),
            1,
            sw.opts(),
            true,
        )?;
        offsets.push(sw.steps_group(), "PointOffsets", &[off as i64])
    }
}

/// Reads the StructuredGrid held by `group`, every step.
pub fn read(group: &Group) -> Result<Series<StructuredGrid>> {
    grid::read(group)
}

/// Reads the StructuredGrid of a file (`/VTKHDF`).
pub fn read_file(file: &File) -> Result<Series<StructuredGrid>> {
    read(&file.group(ROOT).map_err(|e| array::at(ROOT, e))?)
}

/// Writes a StructuredGrid (static or over time) into `group`, which exists
/// and carries no `Type` yet. Over time, every step must have the first
/// step's point counts and arrays (names, types, components).
pub fn write(
    group: &GroupWriter,
    data: &Series<StructuredGrid>,
    opts: &StoreOptions,
) -> Result<()> {
    grid::write(group, data, opts)
}

/// Writes a StructuredGrid file: `/VTKHDF` created on `file`'s root.
pub fn write_file(
    file: &FileWriter,
    data: &Series<StructuredGrid>,
    opts: &StoreOptions,
) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}
