//! UnstructuredGrid (VTKHDF specification, section "Unstructured grid",
//! with "Polyhedron support" (2.5) and "Temporal data").
//!
//! The layout group (`/VTKHDF` of a file) stacks partitions:
//! `NumberOfPoints`, `NumberOfCells` and `NumberOfConnectivityIds` hold one
//! count per partition; `Points` (`(n, 3)`, f32 or f64), `Connectivity`
//! (point ids local to their partition), `Types` (`uint8` VTK cell types)
//! and the `PointData` / `CellData` arrays are the partitions' rows one
//! after another; `Offsets` holds `cells + 1` entries per partition, each
//! partition's starting at 0. `FieldData` arrays are `(tuples)` or
//! `(tuples, components)`.
//!
//! Polyhedra (2.5) add `FaceConnectivity`, `FaceOffsets` (faces + 1 per
//! partition), `PolyhedronToFaces` and `PolyhedronOffsets` (cells + 1 per
//! partition; a non-polyhedron cell repeats the previous value), with the
//! counts `NumberOfFaces`, `NumberOfFaceConnectivityIds` and
//! `NumberOfPolyhedronToFaceIds`.
//!
//! Temporal data adds a `Steps` group (see [`super::temporal`]): the
//! geometry offsets `PointOffsets`, `CellOffsets`, `ConnectivityIdOffsets`
//! (and `FaceOffsetsOffsets`, `FaceConnectivityOffsets`,
//! `PolyhedronToFaceIdOffsets`), `PartOffsets`, `NumberOfParts` and the
//! per-array offsets. Partition `p` of step `s` reads, with
//! `base = PartOffsets[s]` and `Σ` over the step's earlier partitions:
//!
//! ```text
//! Points       rows  PointOffsets[s] + Σ nP          count nP[p]
//! Offsets      index CellOffsets[s] + base + p + Σ nC count nC[p] + 1
//! Types        index CellOffsets[s] + Σ nC           count nC[p]
//! Connectivity index ConnectivityIdOffsets[s] + Σ nK count nK[p]
//! ```
//!
//! Writing follows VTK's writer: int64 counts, offsets and connectivity,
//! uint8 `Types`, every dataset chunked with an unlimited first dimension;
//! deflate (per [`StoreOptions`]) applies to `Points`, `Offsets`,
//! `Connectivity`, `Types`, the polyhedron datasets and the arrays, never to
//! the counts or `Steps` (VTK's writer also leaves `Offsets` uncompressed). Partitions whose point or cell arrays differ
//! (names, types, components) are refused: VTK's reader cannot read them.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};

use super::array::{read_array_rows, Array, StoreOptions, Values};
use super::temporal::{
    geometry_offset, malformed, read_counts, read_index_rows, read_mesh_series, read_mesh_step,
    step_parts, step_writer, sum, with_path, with_step_arrays, Engine, MeshPart, Record, Rows,
    Steps, StepsMap,
};
use super::{read_header, DataType, Series, ROOT};

/// VTK's cell type id of a polyhedron.
pub const VTK_POLYHEDRON: u8 = 42;

/// The polyhedron description of one partition (VTKHDF 2.5).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polyhedra {
    /// Point ids of every face, face after face.
    pub face_connectivity: Vec<i64>,
    /// Faces + 1 offsets into `face_connectivity`, starting at 0.
    pub face_offsets: Vec<i64>,
    /// Face ids (local to the partition) of every polyhedron.
    pub polyhedron_to_faces: Vec<i64>,
    /// Cells + 1 offsets into `polyhedron_to_faces`, starting at 0; a cell
    /// that is not a polyhedron repeats the previous value.
    pub polyhedron_offsets: Vec<i64>,
}

impl Polyhedra {
    /// No faces for `cells` cells that are not polyhedra.
    pub fn empty(cells: usize) -> Self {
        Polyhedra {
            face_connectivity: Vec::new(),
            face_offsets: vec![0],
            polyhedron_to_faces: Vec::new(),
            polyhedron_offsets: vec![0; cells + 1],
        }
    }

    /// Number of faces.
    pub fn faces(&self) -> usize {
        self.face_offsets.len().saturating_sub(1)
    }
}

/// One partition of an UnstructuredGrid.
#[derive(Debug, Clone, PartialEq)]
pub struct UnstructuredGrid {
    /// Coordinates: named `Points`, 3 components, `F32` or `F64` as stored.
    pub points: Array,
    /// Cells + 1 offsets into `connectivity`, starting at 0.
    pub offsets: Vec<i64>,
    /// Point ids (0-based within this partition) of the cells.
    pub connectivity: Vec<i64>,
    /// VTK cell type ids, one per cell.
    pub types: Vec<u8>,
    /// Faces of the polyhedron cells (2.5), if any.
    pub polyhedra: Option<Polyhedra>,
    /// Point arrays, one tuple per point.
    pub point_data: Vec<Array>,
    /// Cell arrays, one tuple per cell.
    pub cell_data: Vec<Array>,
    /// Field arrays (the same for every partition of a step).
    pub field_data: Vec<Array>,
}

impl Default for UnstructuredGrid {
    fn default() -> Self {
        UnstructuredGrid {
            points: points_array(Values::F64(Vec::new())),
            offsets: vec![0],
            connectivity: Vec::new(),
            types: Vec::new(),
            polyhedra: None,
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        }
    }
}

/// `values` (x, y, z per point) as the `Points` array.
pub fn points_array(values: Values) -> Array {
    Array::new("Points", 3, values)
}

impl UnstructuredGrid {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.types.len()
    }

    /// Number of points.
    pub fn n_points(&self) -> usize {
        self.points.tuples()
    }

    /// Checks that sizes agree; `what` names the partition in errors.
    pub fn check(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::wrong_use(format!("{what}: {m}")));
        let cells = self.types.len();
        if self.offsets.len() != cells + 1 {
            return bad(format!(
                "{} offsets for {cells} cells (need cells + 1)",
                self.offsets.len()
            ));
        }
        if self.points.values.len() % 3 != 0 {
            return bad(format!(
                "{} point coordinates are not whole (x, y, z) triples",
                self.points.values.len()
            ));
        }
        check_offsets(&self.offsets, self.connectivity.len()).or_else(&bad)?;
        check_ids(&self.connectivity, self.n_points()).or_else(&bad)?;
        if let Some(p) = &self.polyhedra {
            if p.polyhedron_offsets.len() != cells + 1 {
                return bad(format!(
                    "{} polyhedron offsets for {cells} cells (need cells + 1)",
                    p.polyhedron_offsets.len()
                ));
            }
            if p.face_offsets.is_empty() {
                return bad("no face offsets (no faces needs [0])".into());
            }
            check_offsets(&p.face_offsets, p.face_connectivity.len())
                .or_else(|m| bad(format!("faces: {m}")))?;
            check_ids(&p.face_connectivity, self.n_points())
                .or_else(|m| bad(format!("face connectivity: {m}")))?;
            check_offsets(&p.polyhedron_offsets, p.polyhedron_to_faces.len())
                .or_else(|m| bad(format!("polyhedra: {m}")))?;
            check_ids(&p.polyhedron_to_faces, p.faces())
                .or_else(|m| bad(format!("polyhedron faces: {m}")))?;
        }
        Ok(())
    }
}

pub(crate) fn check_offsets(
    offsets: &[i64],
    connectivity: usize,
) -> core::result::Result<(), String> {
    if offsets.first().copied().unwrap_or(0) != 0 {
        return Err(format!("offsets start at {} instead of 0", offsets[0]));
    }
    if let Some(w) = offsets.windows(2).position(|w| w[1] < w[0]) {
        return Err(format!("offsets decrease at cell {w}"));
    }
    let last = offsets.last().copied().unwrap_or(0);
    if last != connectivity as i64 {
        return Err(format!(
            "last offset {last} differs from the connectivity length {connectivity}"
        ));
    }
    Ok(())
}

pub(crate) fn check_ids(ids: &[i64], n: usize) -> core::result::Result<(), String> {
    if let Some((i, id)) = ids
        .iter()
        .enumerate()
        .find(|(_, &id)| id < 0 || id as u64 >= n as u64)
    {
        return Err(format!("entry {i} is id {id}, outside 0..{n}"));
    }
    Ok(())
}

const POLY_COUNTS: [&str; 3] = [
    "NumberOfFaces",
    "NumberOfFaceConnectivityIds",
    "NumberOfPolyhedronToFaceIds",
];
const POLY_DATASETS: [&str; 4] = [
    "FaceConnectivity",
    "FaceOffsets",
    "PolyhedronToFaces",
    "PolyhedronOffsets",
];

const UG_STEPS: StepsMap = &[
    ("NumberOfPoints", "PointOffsets", 0, 1),
    ("NumberOfCells", "CellOffsets", 0, 1),
    ("NumberOfConnectivityIds", "ConnectivityIdOffsets", 0, 1),
    ("NumberOfFaces", "FaceOffsetsOffsets", 0, 1),
    (
        "NumberOfFaceConnectivityIds",
        "FaceConnectivityOffsets",
        0,
        1,
    ),
    (
        "NumberOfPolyhedronToFaceIds",
        "PolyhedronToFaceIdOffsets",
        0,
        1,
    ),
];

fn dataset(group: &Group, name: &str) -> Result<Dataset> {
    group
        .dataset(name)
        .map_err(|e| with_path(&format!("{}/{name}", group.path()), e))
}

/// The counts of every stored partition.
struct Counts {
    points: Vec<u64>,
    cells: Vec<u64>,
    conn: Vec<u64>,
    /// faces, face connectivity ids, polyhedron-to-face ids.
    poly: Option<[Vec<u64>; 3]>,
}

fn read_all_counts(group: &Group) -> Result<Counts> {
    let points = read_counts(group, "NumberOfPoints")?;
    let cells = read_counts(group, "NumberOfCells")?;
    let conn = read_counts(group, "NumberOfConnectivityIds")?;
    let n = points.len();
    for (name, v) in [
        ("NumberOfCells", &cells),
        ("NumberOfConnectivityIds", &conn),
    ] {
        if v.len() != n {
            return Err(malformed(
                &format!("{}/{name}", group.path()),
                format!("{} entries but NumberOfPoints has {n}", v.len()),
            ));
        }
    }
    let present = POLY_COUNTS
        .iter()
        .chain(POLY_DATASETS.iter())
        .filter(|d| group.dataset(d).is_ok())
        .count();
    let poly = match present {
        0 => None,
        7 => {
            let mut v = Vec::new();
            for name in POLY_COUNTS {
                let c = read_counts(group, name)?;
                if c.len() != n {
                    return Err(malformed(
                        &format!("{}/{name}", group.path()),
                        format!("{} entries but NumberOfPoints has {n}", c.len()),
                    ));
                }
                v.push(c);
            }
            let [a, b, c]: [Vec<u64>; 3] = v.try_into().expect("three counts");
            Some([a, b, c])
        }
        _ => {
            return Err(malformed(
                group.path(),
                "polyhedra need all of NumberOfFaces, NumberOfFaceConnectivityIds, \
                 NumberOfPolyhedronToFaceIds, FaceConnectivity, FaceOffsets, \
                 PolyhedronToFaces and PolyhedronOffsets",
            ))
        }
    };
    Ok(Counts {
        points,
        cells,
        conn,
        poly,
    })
}

/// Splits `v` into runs of `lens`.
fn split_runs<T: Clone>(v: &[T], lens: impl IntoIterator<Item = usize>) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut at = 0;
    for n in lens {
        out.push(v[at..at + n].to_vec());
        at += n;
    }
    out
}

type GeometryKey = Vec<u64>;

/// The geometry of one step's partitions (arrays left empty).
fn read_geometry(
    group: &Group,
    c: &Counts,
    steps: Option<&Steps>,
    s: usize,
    base: u64,
    nparts: u64,
) -> Result<(GeometryKey, Vec<UnstructuredGrid>)> {
    let r = base as usize..(base + nparts) as usize;
    let (np, nc, nk) = (
        &c.points[r.clone()],
        &c.cells[r.clone()],
        &c.conn[r.clone()],
    );
    let pts_off = geometry_offset(steps, s, "PointOffsets", 0, &c.points, base)?;
    let cell_off = geometry_offset(steps, s, "CellOffsets", 0, &c.cells, base)?;
    let conn_off = geometry_offset(steps, s, "ConnectivityIdOffsets", 0, &c.conn, base)?;
    let mut key = vec![base, nparts, pts_off, cell_off, conn_off];
    let path = group.path().to_string();
    let tp = sum(np, &path)?;
    let tc = sum(nc, &path)?;
    let tk = sum(nk, &path)?;
    let points = read_array_rows(&dataset(group, "Points")?, "Points", pts_off, tp)?;
    if points.components != 3 {
        return Err(malformed(
            &format!("{path}/Points"),
            format!("{} components, expected 3", points.components),
        ));
    }
    let offsets = read_index_rows(&dataset(group, "Offsets")?, cell_off + base, tc + nparts)?;
    let types_ds = dataset(group, "Types")?;
    let types = match super::array::read_values_rows(&types_ds, cell_off, tc)? {
        Values::U8(v) => v,
        other => {
            let v = other.to_i64().unwrap_or_default();
            if v.len() as u64 != tc || v.iter().any(|&t| !(0..=255).contains(&t)) {
                return Err(malformed(
                    types_ds.path(),
                    format!("{} values are not cell types", other.type_name()),
                ));
            }
            v.into_iter().map(|t| t as u8).collect()
        }
    };
    let conn = read_index_rows(&dataset(group, "Connectivity")?, conn_off, tk)?;
    let poly = match &c.poly {
        None => None,
        Some([nf_all, nfk_all, npf_all]) => {
            let (nf, nfk, npf) = (&nf_all[r.clone()], &nfk_all[r.clone()], &npf_all[r.clone()]);
            let f_off = geometry_offset(steps, s, "FaceOffsetsOffsets", 0, nf_all, base)?;
            let fk_off = geometry_offset(steps, s, "FaceConnectivityOffsets", 0, nfk_all, base)?;
            let pf_off = geometry_offset(steps, s, "PolyhedronToFaceIdOffsets", 0, npf_all, base)?;
            key.extend([f_off, fk_off, pf_off]);
            let tf = sum(nf, &path)?;
            let fo = read_index_rows(&dataset(group, "FaceOffsets")?, f_off + base, tf + nparts)?;
            let fc = read_index_rows(
                &dataset(group, "FaceConnectivity")?,
                fk_off,
                sum(nfk, &path)?,
            )?;
            let pf = read_index_rows(
                &dataset(group, "PolyhedronToFaces")?,
                pf_off,
                sum(npf, &path)?,
            )?;
            let po = read_index_rows(
                &dataset(group, "PolyhedronOffsets")?,
                cell_off + base,
                tc + nparts,
            )?;
            Some((
                split_runs(&fo, nf.iter().map(|&n| n as usize + 1)),
                split_runs(&fc, nfk.iter().map(|&n| n as usize)),
                split_runs(&pf, npf.iter().map(|&n| n as usize)),
                split_runs(&po, nc.iter().map(|&n| n as usize + 1)),
            ))
        }
    };
    let pts = super::temporal::split_array(&points, np);
    let offs = split_runs(&offsets, nc.iter().map(|&n| n as usize + 1));
    let tys = split_runs(&types, nc.iter().map(|&n| n as usize));
    let cons = split_runs(&conn, nk.iter().map(|&n| n as usize));
    let mut parts = Vec::with_capacity(nparts as usize);
    let mut poly =
        poly.map(|(a, b, c, d)| (a.into_iter(), b.into_iter(), c.into_iter(), d.into_iter()));
    for (i, (((points, offsets), types), connectivity)) in
        pts.into_iter().zip(offs).zip(tys).zip(cons).enumerate()
    {
        let polyhedra = poly.as_mut().map(|(a, b, c, d)| Polyhedra {
            face_offsets: a.next().expect("one run per part"),
            face_connectivity: b.next().expect("one run per part"),
            polyhedron_to_faces: c.next().expect("one run per part"),
            polyhedron_offsets: d.next().expect("one run per part"),
        });
        let g = UnstructuredGrid {
            points,
            offsets,
            connectivity,
            types,
            polyhedra,
            point_data: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
        };
        let what = match steps {
            Some(_) => format!("{path}: step {s}, partition {i}"),
            None => format!("{path}: partition {i}"),
        };
        g.check(&what)
            .map_err(|e| Error::malformed(0, e.message().to_string()))?;
        parts.push(g);
    }
    Ok((key, parts))
}

fn read_one(
    group: &Group,
    c: &Counts,
    steps: Option<&Steps>,
    s: usize,
    cache: &mut HashMap<GeometryKey, Vec<UnstructuredGrid>>,
) -> Result<Vec<UnstructuredGrid>> {
    let (base, nparts) = step_parts(steps, s, c.points.len() as u64)?;
    let pts_off = geometry_offset(steps, s, "PointOffsets", 0, &c.points, base)?;
    let cell_off = geometry_offset(steps, s, "CellOffsets", 0, &c.cells, base)?;
    let mut key = vec![base, nparts, pts_off, cell_off];
    key.push(geometry_offset(
        steps,
        s,
        "ConnectivityIdOffsets",
        0,
        &c.conn,
        base,
    )?);
    if let Some(p) = &c.poly {
        key.push(geometry_offset(
            steps,
            s,
            "FaceOffsetsOffsets",
            0,
            &p[0],
            base,
        )?);
        key.push(geometry_offset(
            steps,
            s,
            "FaceConnectivityOffsets",
            0,
            &p[1],
            base,
        )?);
        key.push(geometry_offset(
            steps,
            s,
            "PolyhedronToFaceIdOffsets",
            0,
            &p[2],
            base,
        )?);
    }
    let parts = match cache.get(&key) {
        Some(p) => p.clone(),
        None => {
            let (_, p) = read_geometry(group, c, steps, s, base, nparts)?;
            cache.clear();
            cache.insert(key, p.clone());
            p
        }
    };
    let r = base as usize..(base + nparts) as usize;
    with_step_arrays(
        group,
        steps,
        s,
        parts,
        pts_off,
        &c.points[r.clone()],
        cell_off,
        &c.cells[r],
    )
}

/// Reads every step (one for static data) of an UnstructuredGrid layout
/// group, each as its partitions.
///
/// Counts, offsets and connectivity may have any integer width; points and
/// arrays keep their stored types. Where a static file's array covers only
/// some partitions (VTK's writer leaves out partitions lacking an array, as
/// in `ug_2parts_first_without_cells.vtkhdf`; VTK's reader then fails), the
/// array goes to the unique set of partitions whose counts add up to its
/// rows.
pub fn read(group: &Group) -> Result<Series<Vec<UnstructuredGrid>>> {
    read_mesh_series(group, DataType::UnstructuredGrid, read_all_counts, read_one)
}

/// Reads step `s` of a temporal UnstructuredGrid layout (or the data of a
/// static one, `s` = 0).
pub fn read_step(group: &Group, s: usize) -> Result<Vec<UnstructuredGrid>> {
    read_mesh_step(
        group,
        DataType::UnstructuredGrid,
        s,
        read_all_counts,
        read_one,
    )
}

/// Reads the partitions of a static UnstructuredGrid file (the first step
/// of a temporal one).
pub fn read_unstructured(file: &File) -> Result<Vec<UnstructuredGrid>> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::UnstructuredGrid {
        return Err(Error::wrong_use(format!(
            "{ROOT}: Type is {}, not UnstructuredGrid",
            header.data_type.name()
        )));
    }
    read_step(&root, 0)
}

/// Writes a series (static: one step) of partitions into `group` (which
/// holds nothing yet), setting its `Type` and `Version`.
pub fn write(
    group: &GroupWriter,
    data: &Series<Vec<UnstructuredGrid>>,
    opts: &StoreOptions,
) -> Result<()> {
    super::temporal::write_series(group, data, opts)
}

/// Writes static partitions as the file's `/VTKHDF`.
pub fn write_unstructured(
    file: &FileWriter,
    parts: &[UnstructuredGrid],
    opts: &StoreOptions,
) -> Result<()> {
    let group = file.root().create_group_tracked("VTKHDF")?;
    super::temporal::write_steps(&group, None, &[parts], opts)
}

/// Writes a temporal series as the file's `/VTKHDF`.
pub fn write_file(
    file: &FileWriter,
    data: &Series<Vec<UnstructuredGrid>>,
    opts: &StoreOptions,
) -> Result<()> {
    let group = file.root().create_group_tracked("VTKHDF")?;
    write(&group, data, opts)
}

impl MeshPart for UnstructuredGrid {
    const TYPE: DataType = DataType::UnstructuredGrid;
    const STEPS_MAP: StepsMap = UG_STEPS;

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
        self.types.len() as u64
    }
    fn validate(&self, what: &str) -> Result<()> {
        self.check(what)
    }
    fn same_geometry(&self, o: &Self) -> bool {
        self.types == o.types
            && self.offsets == o.offsets
            && self.connectivity == o.connectivity
            && self.points == o.points
            && self.polyhedra == o.polyhedra
    }
    fn minor(parts: &[Self]) -> i64 {
        if parts.iter().any(|p| p.polyhedra.is_some()) {
            5
        } else {
            0
        }
    }
    fn write_geometry(engine: &mut Engine, parts: &[Self]) -> Result<()> {
        let poly = parts.iter().any(|p| p.polyhedra.is_some()) || engine.has("FaceOffsets");
        if poly && !engine.has("FaceOffsets") && engine.parts > 0 {
            // Polyhedra appear after partitions without them: those get
            // empty polyhedron rows (their counts read 0).
            let cells = engine
                .counts
                .get("NumberOfCells")
                .cloned()
                .unwrap_or_default();
            for nc in cells {
                let e = Polyhedra::empty(nc as usize);
                engine.append_bulk(&poly_record(&e, Vec::new()))?;
            }
        }
        let mut records = Vec::with_capacity(parts.len());
        let empties: Vec<Option<Polyhedra>> = parts
            .iter()
            .map(|p| (poly && p.polyhedra.is_none()).then(|| Polyhedra::empty(p.cells())))
            .collect();
        for (p, empty) in parts.iter().zip(&empties) {
            let mut r = Record {
                counts: vec![
                    ("NumberOfPoints", p.n_points() as i64),
                    ("NumberOfCells", p.cells() as i64),
                    ("NumberOfConnectivityIds", p.connectivity.len() as i64),
                ],
                bulk: vec![
                    ("Points", Rows::Values(&p.points.values), 3, true),
                    ("Offsets", Rows::I64(Cow::Borrowed(&p.offsets)), 1, true),
                    (
                        "Connectivity",
                        Rows::I64(Cow::Borrowed(&p.connectivity)),
                        1,
                        true,
                    ),
                    ("Types", Rows::U8(Cow::Borrowed(&p.types)), 1, true),
                ],
            };
            if poly {
                let ph = p.polyhedra.as_ref().or(empty.as_ref()).expect("polyhedra");
                let pr = poly_record(ph, Vec::new());
                r.counts.extend([
                    ("NumberOfFaces", ph.faces() as i64),
                    (
                        "NumberOfFaceConnectivityIds",
                        ph.face_connectivity.len() as i64,
                    ),
                    (
                        "NumberOfPolyhedronToFaceIds",
                        ph.polyhedron_to_faces.len() as i64,
                    ),
                ]);
                r.bulk.extend(pr.bulk);
            }
            records.push(r);
        }
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

fn poly_record<'a>(p: &'a Polyhedra, counts: Vec<(&'static str, i64)>) -> Record<'a> {
    Record {
        counts,
        bulk: vec![
            (
                "FaceConnectivity",
                Rows::I64(Cow::Borrowed(&p.face_connectivity)),
                1,
                true,
            ),
            (
                "FaceOffsets",
                Rows::I64(Cow::Borrowed(&p.face_offsets)),
                1,
                true,
            ),
            (
                "PolyhedronToFaces",
                Rows::I64(Cow::Borrowed(&p.polyhedron_to_faces)),
                1,
                true,
            ),
            (
                "PolyhedronOffsets",
                Rows::I64(Cow::Borrowed(&p.polyhedron_offsets)),
                1,
                true,
            ),
        ],
    }
}

step_writer!(
/// Writes an UnstructuredGrid step after step while a computation runs:
/// each [`append_step`](Self::append_step) writes the step (geometry only
/// when it differs from the previous step's), updates `Steps` and commits
/// the file, so a run killed at any point leaves a file that VTK opens
/// with every completed step.
    UnstructuredStepWriter,
    UnstructuredGrid,
    "UnstructuredGrid"
);
