//! UnstructuredGrid and PolyData.
//!
//! An UnstructuredGrid file stacks its partitions: `NumberOfPoints`,
//! `NumberOfCells` and `NumberOfConnectivityIds` hold one count per
//! partition, `Points`, `Connectivity`, `Types` and the point and cell
//! arrays are the partitions' rows one after another, and `Offsets` holds
//! `cells + 1` entries per partition, each partition's starting at 0.
//! Connectivity ids are local to their partition.

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group, Object};

use super::{create_root, read_header, DataType, ROOT};

/// Chunk length VTK's writer uses along the first dimension.
const CHUNK: u64 = 256;

/// A point or cell array: `components` values per tuple, tuples in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Array {
    /// Values per tuple (1 for a scalar array).
    pub components: usize,
    /// `tuples * components` values, tuple after tuple.
    pub values: Vec<f64>,
}

impl Array {
    /// Number of tuples.
    pub fn tuples(&self) -> usize {
        self.values.len().checked_div(self.components).unwrap_or(0)
    }
}

/// One partition of an UnstructuredGrid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UnstructuredGrid {
    /// Point coordinates.
    pub points: Vec<[f64; 3]>,
    /// CSR offsets into `connectivity`: one per cell plus a final one,
    /// starting at 0.
    pub offsets: Vec<i64>,
    /// Point ids (0-based within this partition) of the cells.
    pub connectivity: Vec<i64>,
    /// VTK cell type ids, one per cell.
    pub types: Vec<u8>,
    /// Point arrays by name, one tuple per point.
    pub point_data: Vec<(String, Array)>,
    /// Cell arrays by name, one tuple per cell.
    pub cell_data: Vec<(String, Array)>,
}

impl UnstructuredGrid {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.types.len()
    }

    /// Checks that sizes agree; `what` names the partition in errors.
    fn check(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::wrong_use(format!("{what}: {m}")));
        let cells = self.types.len();
        if self.offsets.len() != cells + 1 {
            return bad(format!(
                "{} offsets for {cells} cells (need cells + 1)",
                self.offsets.len()
            ));
        }
        check_offsets(&self.offsets, self.connectivity.len()).or_else(&bad)?;
        check_ids(&self.connectivity, self.points.len()).or_else(&bad)?;
        for (kind, arrays, n) in [
            ("point", &self.point_data, self.points.len()),
            ("cell", &self.cell_data, cells),
        ] {
            for (name, a) in arrays {
                if a.components == 0 || a.values.len() != n * a.components {
                    return bad(format!(
                        "{kind} array {name:?} has {} values with {} components for {n} {kind}s",
                        a.values.len(),
                        a.components
                    ));
                }
            }
        }
        Ok(())
    }
}

pub(super) fn check_offsets(
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

pub(super) fn check_ids(connectivity: &[i64], points: usize) -> core::result::Result<(), String> {
    if let Some((i, id)) = connectivity
        .iter()
        .enumerate()
        .find(|(_, &id)| id < 0 || id as u64 >= points as u64)
    {
        return Err(format!(
            "connectivity entry {i} is point id {id}, outside 0..{points}"
        ));
    }
    Ok(())
}

pub(super) fn malformed(path: &str, msg: impl core::fmt::Display) -> Error {
    Error::malformed(0, format!("{path}: {msg}"))
}

fn dataset(root: &Group, name: &str) -> Result<Dataset> {
    let path = format!("{ROOT}/{name}");
    root.dataset(name)
        .map_err(|e| Error::new(e.kind(), format!("{path}: {}", e.message())))
}

pub(super) fn read_vec<T: crate::H5Type>(ds: &Dataset) -> Result<Vec<T>> {
    ds.read::<T>()
        .map_err(|e| Error::new(e.kind(), format!("{}: {}", ds.path(), e.message())))
}

/// Reads a 1-D count/index dataset of any integer width.
fn read_ints(root: &Group, name: &str) -> Result<Vec<i64>> {
    let ds = dataset(root, name)?;
    if ds.shape().len() != 1 {
        return Err(malformed(
            ds.path(),
            format!("shape {:?}, expected one dimension", ds.shape()),
        ));
    }
    read_vec(&ds)
}

fn counts(root: &Group, name: &str) -> Result<Vec<usize>> {
    let path = format!("{ROOT}/{name}");
    read_ints(root, name)?
        .into_iter()
        .map(|n| usize::try_from(n).map_err(|_| malformed(&path, format!("negative count {n}"))))
        .collect()
}

/// Arrays of a `PointData` / `CellData` group, each with `rows` tuples.
pub(super) fn read_arrays(root: &Group, name: &str, rows: usize) -> Result<Vec<(String, Array)>> {
    let group = match root.group(name) {
        Ok(g) => g,
        Err(_) => return Ok(Vec::new()),
    };
    let names: Vec<String> = match group.links_in_creation_order() {
        Ok(links) => links.into_iter().map(|l| l.name).collect(),
        Err(_) => group.member_names()?,
    };
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let ds = match group.get(&n) {
            Ok(Object::Dataset(ds)) => ds,
            Ok(_) => continue,
            Err(e) => {
                return Err(Error::new(
                    e.kind(),
                    format!("{ROOT}/{name}/{n}: {}", e.message()),
                ))
            }
        };
        let shape = ds.shape();
        let first = shape.first().copied().unwrap_or(0) as usize;
        if shape.is_empty() || first != rows {
            return Err(malformed(
                ds.path(),
                format!("shape {shape:?}, expected {rows} rows"),
            ));
        }
        let components = shape[1..].iter().product::<u64>() as usize;
        let values: Vec<f64> = read_vec(&ds)?;
        out.push((n, Array { components, values }));
    }
    Ok(out)
}

/// The rows `start .. start + n` of every array, as separate arrays.
/// The sum of per-partition counts; a sum that overflows is malformed.
pub(super) fn checked_total(counts: &[usize], path: &str) -> Result<usize> {
    counts
        .iter()
        .try_fold(0usize, |a, &n| a.checked_add(n))
        .ok_or_else(|| malformed(path, "counts overflow when summed"))
}

pub(super) fn slice_arrays(
    arrays: &[(String, Array)],
    start: usize,
    n: usize,
) -> Vec<(String, Array)> {
    arrays
        .iter()
        .map(|(name, a)| {
            let c = a.components;
            (
                name.clone(),
                Array {
                    components: c,
                    values: a.values[start * c..(start + n) * c].to_vec(),
                },
            )
        })
        .collect()
}

/// Reads every partition of a (non-temporal) UnstructuredGrid file.
///
/// Counts, offsets and connectivity may have any integer width, points may
/// be `f32` or `f64`; arrays are converted to `f64`. Sizes are checked
/// against each other and errors name the offending dataset.
pub fn read_unstructured(file: &File) -> Result<Vec<UnstructuredGrid>> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::UnstructuredGrid {
        return Err(Error::wrong_use(format!(
            "{ROOT}: Type is {}, not UnstructuredGrid",
            header.data_type.name()
        )));
    }
    if root.group("Steps").is_ok() {
        return Err(Error::unsupported(
            0,
            format!("{ROOT}/Steps: temporal UnstructuredGrid is not supported"),
        ));
    }
    let n_points = counts(&root, "NumberOfPoints")?;
    let n_cells = counts(&root, "NumberOfCells")?;
    let n_conn = counts(&root, "NumberOfConnectivityIds")?;
    let parts = n_points.len();
    for (name, v) in [
        ("NumberOfCells", &n_cells),
        ("NumberOfConnectivityIds", &n_conn),
    ] {
        if v.len() != parts {
            return Err(malformed(
                &format!("{ROOT}/{name}"),
                format!("{} entries but NumberOfPoints has {parts}", v.len()),
            ));
        }
    }
    let total_points = checked_total(&n_points, &format!("{ROOT}/NumberOfPoints"))?;
    let total_cells = checked_total(&n_cells, &format!("{ROOT}/NumberOfCells"))?;
    let total_conn = checked_total(&n_conn, &format!("{ROOT}/NumberOfConnectivityIds"))?;

    let points_ds = dataset(&root, "Points")?;
    if points_ds.shape() != [total_points as u64, 3] {
        return Err(malformed(
            points_ds.path(),
            format!(
                "shape {:?}, expected [{total_points}, 3]",
                points_ds.shape()
            ),
        ));
    }
    let coords: Vec<f64> = read_vec(&points_ds)?;

    let offsets = read_ints(&root, "Offsets")?;
    if offsets.len() != total_cells + parts {
        return Err(malformed(
            &format!("{ROOT}/Offsets"),
            format!(
                "{} entries, expected {} (cells + 1 per partition)",
                offsets.len(),
                total_cells + parts
            ),
        ));
    }
    let connectivity = read_ints(&root, "Connectivity")?;
    if connectivity.len() != total_conn {
        return Err(malformed(
            &format!("{ROOT}/Connectivity"),
            format!(
                "{} entries, NumberOfConnectivityIds sums to {total_conn}",
                connectivity.len()
            ),
        ));
    }
    let types_ds = dataset(&root, "Types")?;
    if types_ds.shape() != [total_cells as u64] {
        return Err(malformed(
            types_ds.path(),
            format!("shape {:?}, expected [{total_cells}]", types_ds.shape()),
        ));
    }
    let types: Vec<u8> = read_vec(&types_ds)?;
    let point_data = read_arrays(&root, "PointData", total_points)?;
    let cell_data = read_arrays(&root, "CellData", total_cells)?;

    let mut out = Vec::with_capacity(parts);
    let (mut p0, mut c0, mut k0, mut o0) = (0usize, 0usize, 0usize, 0usize);
    for i in 0..parts {
        let (np, nc, nk) = (n_points[i], n_cells[i], n_conn[i]);
        let part_offsets = offsets[o0..o0 + nc + 1].to_vec();
        check_offsets(&part_offsets, nk)
            .map_err(|m| malformed(&format!("{ROOT}/Offsets"), format!("partition {i}: {m}")))?;
        let part_conn = connectivity[k0..k0 + nk].to_vec();
        check_ids(&part_conn, np).map_err(|m| {
            malformed(
                &format!("{ROOT}/Connectivity"),
                format!("partition {i}: {m}"),
            )
        })?;
        out.push(UnstructuredGrid {
            points: coords[p0 * 3..(p0 + np) * 3]
                .chunks_exact(3)
                .map(|c| [c[0], c[1], c[2]])
                .collect(),
            offsets: part_offsets,
            connectivity: part_conn,
            types: types[c0..c0 + nc].to_vec(),
            point_data: slice_arrays(&point_data, p0, np),
            cell_data: slice_arrays(&cell_data, c0, nc),
        });
        p0 += np;
        c0 += nc;
        k0 += nk;
        o0 += nc + 1;
    }
    Ok(out)
}

/// Writes a 1-D or 2-D dataset as VTK does: chunked, resizable along the
/// first dimension, optionally deflated.
pub(super) fn write_rows<T: crate::H5Type>(
    group: &GroupWriter,
    name: &str,
    data: &[T],
    components: usize,
    chunk: u64,
    compression: Option<u32>,
) -> Result<()> {
    let rows = (data.len() / components.max(1)) as u64;
    let (shape, chunks, maxshape) = if components == 1 {
        (vec![rows], vec![chunk], vec![None])
    } else {
        let c = components as u64;
        (vec![rows, c], vec![chunk, c], vec![None, Some(c)])
    };
    let mut b = group
        .new_dataset::<T>(name, &shape)
        .chunks(&chunks)
        .maxshape(&maxshape);
    if let Some(level) = compression {
        b = b.deflate(level);
    }
    b.create()?.write(data)
}

/// Array names and components of the first partition; every other
/// partition must have the same. `arrays` picks the point or cell arrays,
/// `what` names them in the error.
pub(super) fn array_layout<P>(
    parts: &[P],
    arrays: impl Fn(&P) -> &[(String, Array)],
    what: &str,
) -> Result<Vec<(String, usize)>> {
    let get = |g: &P| -> Vec<(String, usize)> {
        arrays(g)
            .iter()
            .map(|(n, a)| (n.clone(), a.components))
            .collect()
    };
    let Some(first) = parts.first() else {
        return Ok(Vec::new());
    };
    let layout = get(first);
    for (i, p) in parts.iter().enumerate().skip(1) {
        let other = get(p);
        if other != layout {
            return Err(Error::wrong_use(format!(
                "partition {i}: {what} arrays {other:?} differ from partition 0's {layout:?}"
            )));
        }
    }
    Ok(layout)
}

/// Writes `parts` as one UnstructuredGrid (`Version` (2, 2)) the way VTK's
/// writer does: int64 counts, offsets and connectivity, uint8 `Types`, f64
/// `Points` of shape (n, 3), arrays of shape (n) or (n, components), all
/// chunked and resizable; `compression` is a deflate level for the bulk
/// datasets.
pub fn write_unstructured(
    file: &FileWriter,
    parts: &[UnstructuredGrid],
    compression: Option<u32>,
) -> Result<()> {
    if parts.is_empty() {
        return Err(Error::wrong_use(
            "an UnstructuredGrid needs at least one partition",
        ));
    }
    for (i, p) in parts.iter().enumerate() {
        p.check(&format!("partition {i}"))?;
    }
    let point_layout = array_layout(parts, |g| &g.point_data, "point")?;
    let cell_layout = array_layout(parts, |g| &g.cell_data, "cell")?;

    let root = create_root(file, DataType::UnstructuredGrid, (2, 2))?;
    let count = |f: &dyn Fn(&UnstructuredGrid) -> usize| -> Vec<i64> {
        parts.iter().map(|p| f(p) as i64).collect()
    };
    write_rows(
        &root,
        "NumberOfPoints",
        &count(&|p| p.points.len()),
        1,
        1,
        None,
    )?;
    write_rows(&root, "NumberOfCells", &count(&|p| p.cells()), 1, 1, None)?;
    write_rows(
        &root,
        "NumberOfConnectivityIds",
        &count(&|p| p.connectivity.len()),
        1,
        1,
        None,
    )?;
    let points: Vec<f64> = parts
        .iter()
        .flat_map(|p| p.points.iter().flatten().copied())
        .collect();
    write_rows(&root, "Points", &points, 3, CHUNK, compression)?;
    let offsets: Vec<i64> = parts
        .iter()
        .flat_map(|p| p.offsets.iter().copied())
        .collect();
    write_rows(&root, "Offsets", &offsets, 1, CHUNK, compression)?;
    let conn: Vec<i64> = parts
        .iter()
        .flat_map(|p| p.connectivity.iter().copied())
        .collect();
    write_rows(&root, "Connectivity", &conn, 1, CHUNK, compression)?;
    let types: Vec<u8> = parts.iter().flat_map(|p| p.types.iter().copied()).collect();
    write_rows(&root, "Types", &types, 1, CHUNK, compression)?;

    for (group_name, layout, cell) in [
        ("PointData", &point_layout, false),
        ("CellData", &cell_layout, true),
    ] {
        let g = root.create_group_tracked(group_name)?;
        for (k, (name, components)) in layout.iter().enumerate() {
            let values: Vec<f64> = parts
                .iter()
                .flat_map(|p| {
                    let arrays = if cell { &p.cell_data } else { &p.point_data };
                    arrays[k].1.values.iter().copied()
                })
                .collect();
            write_rows(&g, name, &values, *components, CHUNK, compression)?;
        }
    }
    root.create_group_tracked("FieldData")?;
    Ok(())
}
