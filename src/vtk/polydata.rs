//! PolyData.
//!
//! A PolyData file stacks its partitions like an UnstructuredGrid:
//! `NumberOfPoints` holds one count per partition and `Points` and the point
//! arrays are the partitions' rows one after another. Instead of one cell
//! list there are four topology groups, `Vertices`, `Lines`, `Polygons` and
//! `Strips`, each with `NumberOfCells` and `NumberOfConnectivityIds` (one
//! count per partition), `Offsets` (`cells + 1` entries per partition, each
//! partition's starting at 0) and `Connectivity` (ids local to their
//! partition). VTK's reader needs all four groups, even empty ones. Cell
//! arrays hold, per partition, the vertices' rows, then the lines', the
//! polygons' and the strips'.

use crate::error::{Error, Result};
use crate::hl::write::FileWriter;
use crate::hl::{Dataset, File, Group};

use super::unstructured::{
    array_layout, check_ids, check_offsets, checked_total, malformed, read_arrays, read_vec,
    slice_arrays, write_rows, Array,
};
use super::{create_root, read_header, DataType, ROOT};

/// Chunk length VTK's writer uses along the first dimension.
const CHUNK: u64 = 256;

/// The topology groups in file (and cell data) order.
const TOPOLOGIES: [&str; 4] = ["Vertices", "Lines", "Polygons", "Strips"];

/// One kind of cells of a PolyData partition, in CSR form.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// Offsets into `connectivity`: one per cell plus a final one, starting
    /// at 0.
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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolyData {
    /// Point coordinates.
    pub points: Vec<[f64; 3]>,
    /// Vertex cells (`Vertices`).
    pub verts: Cells,
    /// Polyline cells (`Lines`).
    pub lines: Cells,
    /// Polygon cells (`Polygons`).
    pub polys: Cells,
    /// Triangle strip cells (`Strips`).
    pub strips: Cells,
    /// Point arrays by name, one tuple per point.
    pub point_data: Vec<(String, Array)>,
    /// Cell arrays by name, one tuple per cell: vertices, then lines,
    /// polygons and strips.
    pub cell_data: Vec<(String, Array)>,
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

    /// Checks that sizes agree; `what` names the partition in errors.
    fn check(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::wrong_use(format!("{what}: {m}")));
        for (name, cells) in TOPOLOGIES.iter().zip(self.topologies()) {
            if let Err(m) = cells.check(self.points.len()) {
                return bad(format!("{name}: {m}"));
            }
        }
        for (kind, arrays, n) in [
            ("point", &self.point_data, self.points.len()),
            ("cell", &self.cell_data, self.cells()),
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

fn with_path(path: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{path}: {}", e.message()))
}

fn dataset(group: &Group, path: &str, name: &str) -> Result<Dataset> {
    group
        .dataset(name)
        .map_err(|e| with_path(&format!("{path}/{name}"), e))
}

/// Reads a 1-D count/index dataset of any integer width.
fn read_ints(group: &Group, path: &str, name: &str) -> Result<Vec<i64>> {
    let ds = dataset(group, path, name)?;
    if ds.shape().len() != 1 {
        return Err(malformed(
            ds.path(),
            format!("shape {:?}, expected one dimension", ds.shape()),
        ));
    }
    read_vec(&ds)
}

fn counts(group: &Group, path: &str, name: &str, parts: Option<usize>) -> Result<Vec<usize>> {
    let full = format!("{path}/{name}");
    let v = read_ints(group, path, name)?
        .into_iter()
        .map(|n| usize::try_from(n).map_err(|_| malformed(&full, format!("negative count {n}"))))
        .collect::<Result<Vec<usize>>>()?;
    if let Some(parts) = parts {
        if v.len() != parts {
            return Err(malformed(
                &full,
                format!("{} entries but NumberOfPoints has {parts}", v.len()),
            ));
        }
    }
    Ok(v)
}

/// One topology group of every partition.
fn read_topology(root: &Group, name: &str, points: &[usize]) -> Result<Vec<Cells>> {
    let path = format!("{ROOT}/{name}");
    let group = root.group(name).map_err(|e| with_path(&path, e))?;
    let parts = points.len();
    let n_cells = counts(&group, &path, "NumberOfCells", Some(parts))?;
    let n_conn = counts(&group, &path, "NumberOfConnectivityIds", Some(parts))?;
    let total_cells = checked_total(&n_cells, &format!("{path}/NumberOfCells"))?;
    let total_conn = checked_total(&n_conn, &format!("{path}/NumberOfConnectivityIds"))?;
    let offsets = read_ints(&group, &path, "Offsets")?;
    if offsets.len() != total_cells + parts {
        return Err(malformed(
            &format!("{path}/Offsets"),
            format!(
                "{} entries, expected {} (cells + 1 per partition)",
                offsets.len(),
                total_cells + parts
            ),
        ));
    }
    let connectivity = read_ints(&group, &path, "Connectivity")?;
    if connectivity.len() != total_conn {
        return Err(malformed(
            &format!("{path}/Connectivity"),
            format!(
                "{} entries, NumberOfConnectivityIds sums to {total_conn}",
                connectivity.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(parts);
    let (mut k0, mut o0) = (0usize, 0usize);
    for i in 0..parts {
        let (nc, nk) = (n_cells[i], n_conn[i]);
        let part_offsets = offsets[o0..o0 + nc + 1].to_vec();
        check_offsets(&part_offsets, nk)
            .map_err(|m| malformed(&format!("{path}/Offsets"), format!("partition {i}: {m}")))?;
        let part_conn = connectivity[k0..k0 + nk].to_vec();
        check_ids(&part_conn, points[i]).map_err(|m| {
            malformed(
                &format!("{path}/Connectivity"),
                format!("partition {i}: {m}"),
            )
        })?;
        out.push(Cells {
            offsets: part_offsets,
            connectivity: part_conn,
        });
        k0 += nk;
        o0 += nc + 1;
    }
    Ok(out)
}

/// Reads every partition of a (non-temporal) PolyData file.
///
/// Counts, offsets and connectivity may have any integer width, points may
/// be `f32` or `f64`; arrays are converted to `f64`. All four topology
/// groups must be present (as VTK's reader requires). Sizes are checked
/// against each other and errors name the offending dataset.
pub fn read_polydata(file: &File) -> Result<Vec<PolyData>> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::PolyData {
        return Err(Error::wrong_use(format!(
            "{ROOT}: Type is {}, not PolyData",
            header.data_type.name()
        )));
    }
    if root.group("Steps").is_ok() {
        return Err(Error::unsupported(
            0,
            format!("{ROOT}/Steps: temporal PolyData is not supported"),
        ));
    }
    let n_points = counts(&root, ROOT, "NumberOfPoints", None)?;
    let parts = n_points.len();
    let total_points = checked_total(&n_points, &format!("{ROOT}/NumberOfPoints"))?;
    let points_ds = dataset(&root, ROOT, "Points")?;
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
    let mut topologies = Vec::with_capacity(4);
    for name in TOPOLOGIES {
        topologies.push(read_topology(&root, name, &n_points)?);
    }
    let part_cells: Vec<usize> = (0..parts)
        .map(|i| topologies.iter().map(|t| t[i].len()).sum())
        .collect();
    let total_cells: usize = part_cells.iter().sum();
    let point_data = read_arrays(&root, "PointData", total_points)?;
    let cell_data = read_arrays(&root, "CellData", total_cells)?;

    let mut topologies = topologies.into_iter().map(|t| t.into_iter());
    let mut next = || topologies.next().expect("four topologies");
    let (mut verts, mut lines, mut polys, mut strips) = (next(), next(), next(), next());
    let mut out = Vec::with_capacity(parts);
    let (mut p0, mut c0) = (0usize, 0usize);
    for i in 0..parts {
        let (np, nc) = (n_points[i], part_cells[i]);
        out.push(PolyData {
            points: coords[p0 * 3..(p0 + np) * 3]
                .chunks_exact(3)
                .map(|c| [c[0], c[1], c[2]])
                .collect(),
            verts: verts.next().expect("one per partition"),
            lines: lines.next().expect("one per partition"),
            polys: polys.next().expect("one per partition"),
            strips: strips.next().expect("one per partition"),
            point_data: slice_arrays(&point_data, p0, np),
            cell_data: slice_arrays(&cell_data, c0, nc),
        });
        p0 += np;
        c0 += nc;
    }
    Ok(out)
}

/// Writes `parts` as one PolyData (`Version` (2, 2)) the way VTK's writer
/// does: int64 counts, offsets and connectivity, f64 `Points` of shape
/// (n, 3), all four topology groups (empty ones with `Offsets` `[0]` per
/// partition), arrays of shape (n) or (n, components), all chunked and
/// resizable; `compression` is a deflate level for `Points`, the
/// connectivity and the arrays (never for offsets or counts, as VTK).
pub fn write_polydata(
    file: &FileWriter,
    parts: &[PolyData],
    compression: Option<u32>,
) -> Result<()> {
    if parts.is_empty() {
        return Err(Error::wrong_use("a PolyData needs at least one partition"));
    }
    for (i, p) in parts.iter().enumerate() {
        p.check(&format!("partition {i}"))?;
    }
    let point_layout = array_layout(parts, |g| &g.point_data, "point")?;
    let cell_layout = array_layout(parts, |g| &g.cell_data, "cell")?;

    let root = create_root(file, DataType::PolyData, (2, 2))?;
    let n_points: Vec<i64> = parts.iter().map(|p| p.points.len() as i64).collect();
    write_rows(&root, "NumberOfPoints", &n_points, 1, 1, None)?;
    let points: Vec<f64> = parts
        .iter()
        .flat_map(|p| p.points.iter().flatten().copied())
        .collect();
    write_rows(&root, "Points", &points, 3, CHUNK, compression)?;

    for (t, name) in TOPOLOGIES.iter().enumerate() {
        let g = root.create_group_tracked(name)?;
        let cells: Vec<&Cells> = parts.iter().map(|p| p.topologies()[t]).collect();
        let n_cells: Vec<i64> = cells.iter().map(|c| c.len() as i64).collect();
        let n_conn: Vec<i64> = cells.iter().map(|c| c.connectivity.len() as i64).collect();
        write_rows(&g, "NumberOfCells", &n_cells, 1, 1, None)?;
        write_rows(&g, "NumberOfConnectivityIds", &n_conn, 1, 1, None)?;
        let offsets: Vec<i64> = cells
            .iter()
            .flat_map(|c| c.offsets.iter().copied())
            .collect();
        write_rows(&g, "Offsets", &offsets, 1, CHUNK, None)?;
        let conn: Vec<i64> = cells
            .iter()
            .flat_map(|c| c.connectivity.iter().copied())
            .collect();
        write_rows(&g, "Connectivity", &conn, 1, CHUNK, compression)?;
    }

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
