//! PolyData (VTKHDF specification, sections "Poly data" and "Temporal
//! data"; 2.0 and later).
//!
//! The layout group stacks partitions like an UnstructuredGrid:
//! `NumberOfPoints` holds one count per partition and `Points` and the
//! point arrays are the partitions' rows one after another. Instead of one
//! cell list there are four topology groups, `Vertices`, `Lines`,
//! `Polygons` and `Strips`, each with `NumberOfCells` and
//! `NumberOfConnectivityIds` (one count per partition), `Offsets` (`cells +
//! 1` entries per partition, each partition's starting at 0) and
//! `Connectivity` (ids local to their partition). VTK's reader needs all
//! four groups, and `Offsets = [0]` for an empty topology; they are always
//! written. Cell arrays hold, per partition, the vertices' rows, then the
//! lines', the polygons' and the strips'.
//!
//! Temporal data: `Steps/CellOffsets` and `Steps/ConnectivityIdOffsets` are
//! `(NSteps, 4)`, one column per topology. Topology `t` of partition `p` of
//! step `s` reads its offsets at index `CellOffsets[s][t] + PartOffsets[s] +
//! p + Σ` (cells of the step's earlier partitions), as the specification's
//! `cells + 1` per partition rule gives. (VTK 9.7's reader instead counts
//! earlier partitions whose cumulative cell count is below
//! `CellOffsets[s][t]`, which reads one entry too early once a topology
//! empty in earlier partitions gets cells: in
//! `temporal_pd_verts_appear.vtkhdf` it reads the step 1 vertex offsets as
//! `[0, 0, 1]` instead of `[0, 1, 3]`.)
//!
//! Writing follows VTK's writer: int64 counts, offsets and connectivity,
//! chunked datasets with an unlimited first dimension; deflate applies to
//! `Points`, `Connectivity` and the arrays, never to `Offsets`, counts or
//! `Steps`. Partitions whose point or cell arrays differ are refused.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{File, Group};

use super::array::{read_array_rows, Array, StoreOptions, Values};
use super::temporal::{
    geometry_offset, malformed, read_counts, read_index_rows, read_mesh_series, read_mesh_step,
    split_array, step_parts, step_writer, sum, with_path, with_step_arrays, Engine, MeshPart,
    Record, Rows, Steps, StepsMap,
};
use super::unstructured::{check_ids, check_offsets, points_array};
use super::{read_header, DataType, Series, ROOT};

/// The topology groups in file (and cell data) order.
pub const TOPOLOGIES: [&str; 4] = ["Vertices", "Lines", "Polygons", "Strips"];

const PD_STEPS: StepsMap = &[
    ("NumberOfPoints", "PointOffsets", 0, 1),
    ("Vertices/NumberOfCells", "CellOffsets", 0, 4),
    ("Lines/NumberOfCells", "CellOffsets", 1, 4),
    ("Polygons/NumberOfCells", "CellOffsets", 2, 4),
    ("Strips/NumberOfCells", "CellOffsets", 3, 4),
    (
        "Vertices/NumberOfConnectivityIds",
        "ConnectivityIdOffsets",
        0,
        4,
    ),
    (
        "Lines/NumberOfConnectivityIds",
        "ConnectivityIdOffsets",
        1,
        4,
    ),
    (
        "Polygons/NumberOfConnectivityIds",
        "ConnectivityIdOffsets",
        2,
        4,
    ),
    (
        "Strips/NumberOfConnectivityIds",
        "ConnectivityIdOffsets",
        3,
        4,
    ),
];

/// One kind of cells of a PolyData partition, in CSR form.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// Cells + 1 offsets into `connectivity`, starting at 0.
    pub offsets: Vec<i64>,
    /// Point ids (0-based within the partition) of the cells.
    pub connectivity: Vec<i64>,
}

impl Default for Cells {
    /// No cells: `offsets` is `[0]`.
    fn default() -> Self {
        Cells {
            offsets: vec![0],
            connectivity: Vec::new(),
        }
    }
}

impl Cells {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self, points: usize) -> core::result::Result<(), String> {
        if self.offsets.is_empty() {
            return Err("no offsets (an empty topology needs offsets [0])".into());
        }
        check_offsets(&self.offsets, self.connectivity.len())?;
        check_ids(&self.connectivity, points)
    }
}

/// One partition of a PolyData.
#[derive(Debug, Clone, PartialEq)]
pub struct PolyData {
    /// Coordinates: named `Points`, 3 components, `F32` or `F64` as stored.
    pub points: Array,
    /// Vertex cells (`Vertices`).
    pub verts: Cells,
    /// Polyline cells (`Lines`).
    pub lines: Cells,
    /// Polygon cells (`Polygons`).
    pub polys: Cells,
    /// Triangle strip cells (`Strips`).
    pub strips: Cells,
    /// Point arrays, one tuple per point.
    pub point_data: Vec<Array>,
    /// Cell arrays, one tuple per cell: vertices, then lines, polygons and
    /// strips.
    pub cell_data: Vec<Array>,
    /// Field arrays (the same for every partition of a step).
    pub field_data: Vec<Array>,
}

impl Default for PolyData {
    fn default() -> Self {
        PolyData {
            points: points_array(Values::F64(Vec::new())),
            verts: Cells::default(),
            lines: Cells::default(),
            polys: Cells::default(),
            strips: Cells::default(),
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        }
    }
}

impl PolyData {
    /// The four topologies in file order.
    pub fn topologies(&self) -> [&Cells; 4] {
        [&self.verts, &self.lines, &self.polys, &self.strips]
    }

    /// Number of cells of all four topologies.
    pub fn cells(&self) -> usize {
        self.topologies().iter().map(|c| c.len()).sum()
    }

    /// Number of points.
    pub fn n_points(&self) -> usize {
        self.points.tuples()
    }

    /// Checks that sizes agree; `what` names the partition in errors.
    pub fn check(&self, what: &str) -> Result<()> {
        if self.points.values.len() % 3 != 0 {
            return Err(Error::wrong_use(format!(
                "{what}: {} point coordinates are not whole (x, y, z) triples",
                self.points.values.len()
            )));
        }
        for (name, cells) in TOPOLOGIES.iter().zip(self.topologies()) {
            if let Err(m) = cells.check(self.n_points()) {
                return Err(Error::wrong_use(format!("{what}: {name}: {m}")));
            }
        }
        Ok(())
    }
}

struct Counts {
    points: Vec<u64>,
    /// Per topology: cells and connectivity ids.
    cells: [Vec<u64>; 4],
    conn: [Vec<u64>; 4],
}

fn read_all_counts(group: &Group) -> Result<Counts> {
    let points = read_counts(group, "NumberOfPoints")?;
    let n = points.len();
    let mut cells: [Vec<u64>; 4] = Default::default();
    let mut conn: [Vec<u64>; 4] = Default::default();
    for (t, name) in TOPOLOGIES.iter().enumerate() {
        let g = group
            .group(name)
            .map_err(|e| with_path(&format!("{}/{name}", group.path()), e))?;
        for (dst, what) in [
            (&mut cells[t], "NumberOfCells"),
            (&mut conn[t], "NumberOfConnectivityIds"),
        ] {
            let v = read_counts(&g, what)?;
            if v.len() != n {
                return Err(malformed(
                    &format!("{}/{what}", g.path()),
                    format!("{} entries but NumberOfPoints has {n}", v.len()),
                ));
            }
            *dst = v;
        }
    }
    Ok(Counts {
        points,
        cells,
        conn,
    })
}

fn split_runs(v: &[i64], lens: impl IntoIterator<Item = usize>) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    let mut at = 0;
    for n in lens {
        out.push(v[at..at + n].to_vec());
        at += n;
    }
    out
}

fn read_one(
    group: &Group,
    c: &Counts,
    steps: Option<&Steps>,
    s: usize,
    cache: &mut HashMap<Vec<u64>, Vec<PolyData>>,
) -> Result<Vec<PolyData>> {
    let (base, nparts) = step_parts(steps, s, c.points.len() as u64)?;
    let r = base as usize..(base + nparts) as usize;
    let pts_off = geometry_offset(steps, s, "PointOffsets", 0, &c.points, base)?;
    let mut key = vec![base, nparts, pts_off];
    let mut cell_offs = [0u64; 4];
    let mut conn_offs = [0u64; 4];
    for t in 0..4 {
        cell_offs[t] = geometry_offset(steps, s, "CellOffsets", t, &c.cells[t], base)?;
        conn_offs[t] = geometry_offset(steps, s, "ConnectivityIdOffsets", t, &c.conn[t], base)?;
        key.extend([cell_offs[t], conn_offs[t]]);
    }
    let path = group.path().to_string();
    let parts = match cache.get(&key) {
        Some(p) => p.clone(),
        None => {
            let np = &c.points[r.clone()];
            let ds = group
                .dataset("Points")
                .map_err(|e| with_path(&format!("{path}/Points"), e))?;
            let points = read_array_rows(&ds, "Points", pts_off, sum(np, &path)?)?;
            if points.components != 3 {
                return Err(malformed(
                    &format!("{path}/Points"),
                    format!("{} components, expected 3", points.components),
                ));
            }
            let mut parts: Vec<PolyData> = split_array(&points, np)
                .into_iter()
                .map(|points| PolyData {
                    points,
                    ..PolyData::default()
                })
                .collect();
            for (t, name) in TOPOLOGIES.iter().enumerate() {
                let g = group
                    .group(name)
                    .map_err(|e| with_path(&format!("{path}/{name}"), e))?;
                let nc = &c.cells[t][r.clone()];
                let nk = &c.conn[t][r.clone()];
                let off_ds = g
                    .dataset("Offsets")
                    .map_err(|e| with_path(&format!("{}/Offsets", g.path()), e))?;
                let offsets =
                    read_index_rows(&off_ds, cell_offs[t] + base, sum(nc, &path)? + nparts)?;
                let con_ds = g
                    .dataset("Connectivity")
                    .map_err(|e| with_path(&format!("{}/Connectivity", g.path()), e))?;
                let conn = read_index_rows(&con_ds, conn_offs[t], sum(nk, &path)?)?;
                let offs = split_runs(&offsets, nc.iter().map(|&n| n as usize + 1));
                let cons = split_runs(&conn, nk.iter().map(|&n| n as usize));
                for ((p, offsets), connectivity) in parts.iter_mut().zip(offs).zip(cons) {
                    let cells = Cells {
                        offsets,
                        connectivity,
                    };
                    match t {
                        0 => p.verts = cells,
                        1 => p.lines = cells,
                        2 => p.polys = cells,
                        _ => p.strips = cells,
                    }
                }
            }
            for (i, p) in parts.iter().enumerate() {
                let what = match steps {
                    Some(_) => format!("{path}: step {s}, partition {i}"),
                    None => format!("{path}: partition {i}"),
                };
                p.check(&what)
                    .map_err(|e| Error::malformed(0, e.message().to_string()))?;
            }
            cache.clear();
            cache.insert(key, parts.clone());
            parts
        }
    };
    // Cell arrays start at the first topology's cell offset (VTK's writer
    // writes cell data per step, so the per-array offsets decide).
    let cell_default: u64 = cell_offs.iter().sum();
    let ncells: Vec<u64> = r
        .clone()
        .map(|p| (0..4).map(|t| c.cells[t][p]).sum())
        .collect();
    with_step_arrays(
        group,
        steps,
        s,
        parts,
        pts_off,
        &c.points[r],
        cell_default,
        &ncells,
    )
}

/// Reads every step (one for static data) of a PolyData layout group, each
/// as its partitions. Offsets follow the specification (see the module
/// documentation for where VTK 9.7's reader differs).
pub fn read(group: &Group) -> Result<Series<Vec<PolyData>>> {
    read_mesh_series(group, DataType::PolyData, read_all_counts, read_one)
}

/// Reads step `s` of a PolyData layout (0 for static data).
pub fn read_step(group: &Group, s: usize) -> Result<Vec<PolyData>> {
    read_mesh_step(group, DataType::PolyData, s, read_all_counts, read_one)
}

/// Reads the partitions of a static PolyData file (the first step of a
/// temporal one).
pub fn read_polydata(file: &File) -> Result<Vec<PolyData>> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::PolyData {
        return Err(Error::wrong_use(format!(
            "{ROOT}: Type is {}, not PolyData",
            header.data_type.name()
        )));
    }
    read_step(&root, 0)
}

/// Writes a series (static: one step) of partitions into `group` (which
/// holds nothing yet), setting its `Type` and `Version`.
pub fn write(group: &GroupWriter, data: &Series<Vec<PolyData>>, opts: &StoreOptions) -> Result<()> {
    super::temporal::write_series(group, data, opts)
}

/// Writes static partitions as the file's `/VTKHDF`.
pub fn write_polydata(file: &FileWriter, parts: &[PolyData], opts: &StoreOptions) -> Result<()> {
    let group = file.root().create_group_tracked("VTKHDF")?;
    super::temporal::write_steps(&group, None, &[parts], opts)
}

/// Writes a temporal series as the file's `/VTKHDF`.
pub fn write_file(
    file: &FileWriter,
    data: &Series<Vec<PolyData>>,
    opts: &StoreOptions,
) -> Result<()> {
    let group = file.root().create_group_tracked("VTKHDF")?;
    write(&group, data, opts)
}

const OFFSETS: [&str; 4] = [
    "Vertices/Offsets",
    "Lines/Offsets",
    "Polygons/Offsets",
    "Strips/Offsets",
];
const CONNECTIVITY: [&str; 4] = [
    "Vertices/Connectivity",
    "Lines/Connectivity",
    "Polygons/Connectivity",
    "Strips/Connectivity",
];
const NCELLS: [&str; 4] = [
    "Vertices/NumberOfCells",
    "Lines/NumberOfCells",
    "Polygons/NumberOfCells",
    "Strips/NumberOfCells",
];
const NCONN: [&str; 4] = [
    "Vertices/NumberOfConnectivityIds",
    "Lines/NumberOfConnectivityIds",
    "Polygons/NumberOfConnectivityIds",
    "Strips/NumberOfConnectivityIds",
];

impl MeshPart for PolyData {
    const TYPE: DataType = DataType::PolyData;
    const STEPS_MAP: StepsMap = PD_STEPS;

    fn points(&self) -> &Array {
        &self.points
    }
    fn point_data(&self) -> &[Array] {
        &self.point_data
    }
    fn cell_data(&self) -> &[Array] {
        &self.cell_data
    }
    fn field_data(&self) -> &[Array] {
        &self.field_data
    }
    fn n_cells(&self) -> u64 {
        self.cells() as u64
    }
    fn validate(&self, what: &str) -> Result<()> {
        self.check(what)
    }
    fn same_geometry(&self, o: &Self) -> bool {
        self.topologies() == o.topologies() && self.points == o.points
    }
    fn minor(_parts: &[Self]) -> i64 {
        0
    }
    fn write_geometry(engine: &mut Engine, parts: &[Self]) -> Result<()> {
        let records: Vec<Record> = parts
            .iter()
            .map(|p| {
                let mut r = Record {
                    counts: vec![("NumberOfPoints", p.n_points() as i64)],
                    bulk: vec![("Points", Rows::Values(&p.points.values), 3, true)],
                };
                for (t, cells) in p.topologies().into_iter().enumerate() {
                    r.counts.push((NCELLS[t], cells.len() as i64));
                    r.counts.push((NCONN[t], cells.connectivity.len() as i64));
                    r.bulk.push((
                        OFFSETS[t],
                        Rows::I64(Cow::Borrowed(&cells.offsets)),
                        1,
                        true,
                    ));
                    r.bulk.push((
                        CONNECTIVITY[t],
                        Rows::I64(Cow::Borrowed(&cells.connectivity)),
                        1,
                        true,
                    ));
                }
                r
            })
            .collect();
        engine.write_geometry(&records)
    }
    fn read_series(group: &Group) -> Result<Series<Vec<Self>>> {
        read(group)
    }
    fn read_step(group: &Group, s: usize) -> Result<Vec<Self>> {
        read_step(group, s)
    }
    fn set_data(&mut self, point: Vec<Array>, cell: Vec<Array>, field: Vec<Array>) {
        self.point_data = point;
        self.cell_data = cell;
        self.field_data = field;
    }
}

step_writer!(
/// Writes a PolyData step after step while a computation runs (see
/// [`super::unstructured::UnstructuredStepWriter`], which it mirrors).
    PolyDataStepWriter,
    PolyData,
    "PolyData"
);
