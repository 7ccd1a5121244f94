//! Reading and writing common to RectilinearGrid and StructuredGrid
//! (VTKHDF specification, sections "Rectilinear grid", "Structured grid"
//! and "Temporal Data").
//!
//! Both types store `Dimensions` (point counts along x, y, z) instead of an
//! extent, their arrays follow the ImageData rules ([`super::image`]) and
//! only their geometry datasets differ: a type describes its geometry
//! through [`Grid`] and [`read`] / [`write`] do the rest, static or over
//! time.

use super::array::{Array, StoreOptions};
use super::image::{
    cell_dims_of, check_extent, check_type, extent_point_dims, integers, read_field_arrays,
    read_structured_arrays, set_type, write_field_static, write_structured_static, Steps,
    StepsWriter,
};
use super::{DataType, Series};
use crate::error::{Error, Result};
use crate::hl::write::GroupWriter;
use crate::hl::Group;

/// A grid type stored with `Dimensions`: what differs between
/// RectilinearGrid and StructuredGrid.
pub(crate) trait Grid: Sized {
    /// The VTKHDF `Type`.
    const TYPE: DataType;
    /// The type in messages (`"rectilinear grid"`).
    const WHAT: &'static str;
    /// The writers of the geometry datasets over time.
    type Geometry: Default;

    /// `[x0, x1, y0, y1, z0, z1]`.
    fn extent(&self) -> &[i64; 6];
    /// Point, cell and field arrays.
    fn arrays(&self) -> [&[Array]; 3];
    /// Point, cell and field arrays, to fill.
    fn arrays_mut(&mut self) -> [&mut Vec<Array>; 3];
    /// Checks the geometry against the point counts (the extent is
    /// checked).
    fn check_geometry(&self) -> Result<()>;
    /// Reads the geometry of `step` for point counts `p` (`[nz, ny, nx]`),
    /// with no arrays.
    fn read_geometry(
        group: &Group,
        steps: Option<&Steps>,
        step: usize,
        p: [u64; 3],
    ) -> Result<Self>;
    /// Writes the static geometry datasets.
    fn write_geometry(&self, group: &GroupWriter, opts: &StoreOptions) -> Result<()>;
    /// Appends the geometry of step `step` and its `Steps` offsets.
    fn push_geometry(
        &self,
        first: &Self,
        state: &mut Self::Geometry,
        group: &GroupWriter,
        sw: &StepsWriter,
        step: usize,
    ) -> Result<()>;

    /// Points per axis in storage order `[nz, ny, nx]`.
    fn dims(&self) -> [u64; 3] {
        extent_point_dims(self.extent())
    }

    /// Checks the extent, then the geometry.
    fn check(&self) -> Result<()> {
        check_extent(self.extent(), Self::WHAT)?;
        self.check_geometry()
    }
}

/// Reads `Dimensions` (point counts x, y, z) as `[nz, ny, nx]`.
pub(crate) fn read_dimensions(group: &Group) -> Result<[u64; 3]> {
    let d = integers::<3>(group, "Dimensions")?;
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

fn read_step<G: Grid>(group: &Group, steps: Option<&Steps>, step: usize) -> Result<G> {
    let p = read_dimensions(group)?;
    let mut g = G::read_geometry(group, steps, step, p)?;
    let [point, cell, field] = g.arrays_mut();
    *point = read_structured_arrays(group, steps, step, "PointData", p)?;
    *cell = read_structured_arrays(group, steps, step, "CellData", cell_dims_of(p))?;
    *field = read_field_arrays(group, steps, step)?;
    Ok(g)
}

/// Reads the grid held by `group`, every step.
pub(crate) fn read<G: Grid>(group: &Group) -> Result<Series<G>> {
    check_type(group, G::TYPE)?;
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

/// Writes a grid (static or over time) into `group`, which exists and
/// carries no `Type` yet. Over time, every step must have the first step's
/// point counts and arrays (names, types, components).
pub(crate) fn write<G: Grid>(
    group: &GroupWriter,
    data: &Series<G>,
    opts: &StoreOptions,
) -> Result<()> {
    let name = G::TYPE.name();
    let first = data
        .steps
        .first()
        .ok_or_else(|| Error::wrong_use(format!("a {name} needs at least one step")))?;
    first.check()?;
    let p = first.dims();
    set_type(group, G::TYPE, 7)?;
    write_dimensions(group, p)?;
    let Some(times) = &data.times else {
        if data.steps.len() != 1 {
            return Err(Error::wrong_use(format!(
                "static {name} needs exactly one step, {} given",
                data.steps.len()
            )));
        }
        first.write_geometry(group, opts)?;
        let [point, cell, field] = first.arrays();
        write_structured_static(group, point, p, false, opts)?;
        write_structured_static(group, cell, p, true, opts)?;
        return write_field_static(group, field, opts);
    };
    if times.len() != data.steps.len() {
        return Err(Error::wrong_use(format!(
            "temporal {name}: {} times for {} steps",
            times.len(),
            data.steps.len()
        )));
    }
    let mut sw = StepsWriter::create(group, p, opts)?;
    let mut state = G::Geometry::default();
    for (s, (t, g)) in times.iter().zip(&data.steps).enumerate() {
        g.check()?;
        if g.dims() != p {
            return Err(Error::wrong_use(format!(
                "step {s}: {} of {:?} points (z, y, x), the first step has {p:?}",
                G::WHAT,
                g.dims()
            )));
        }
        g.push_geometry(first, &mut state, group, &sw, s)?;
        let [point, cell, field] = g.arrays();
        sw.push_arrays(point, cell, field)?;
        sw.finish_step(*t)?;
    }
    Ok(())
}

/// The point and cell count methods of a structured type (ImageData,
/// RectilinearGrid, StructuredGrid) with an `extent` field, inside its
/// `impl` block.
macro_rules! grid_counts {
    () => {
        /// Points per axis in storage order `[nz, ny, nx]` (x fastest).
        pub fn point_dims(&self) -> [u64; 3] {
            $crate::vtk::image::extent_point_dims(&self.extent)
        }

        /// Cells per axis in storage order `[nz, ny, nx]`; a flat axis (one
        /// point) counts one cell layer, as in VTK.
        pub fn cell_dims(&self) -> [u64; 3] {
            $crate::vtk::image::cell_dims_of(self.point_dims())
        }

        /// Number of points.
        pub fn n_points(&self) -> u64 {
            self.point_dims().iter().product()
        }

        /// Number of cells.
        pub fn n_cells(&self) -> u64 {
            self.cell_dims().iter().product()
        }
    };
}
pub(crate) use grid_counts;
