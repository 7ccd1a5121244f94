//! Time steps of UnstructuredGrid and PolyData data: reading the `Steps`
//! group and writing stacked partitions step after step.
//!
//! Layout (VTKHDF specification, sections "Temporal data" and "Temporal
//! UnstructuredGrid and PolyData"): every bulk dataset (`Points`,
//! `Connectivity`, `PointData/<a>`, ...) is the concatenation over written
//! geometries (or array values) of the partitions' rows, and
//! `NumberOfPoints`, `NumberOfCells`, ... hold one count per written
//! partition. `Steps` holds, for step `s`:
//!
//! * the `NSteps` attribute and `Values` (the times);
//! * `PartOffsets[s]`: the first row of the step's partitions in the
//!   `NumberOf*` datasets, `NumberOfParts[s]`: how many;
//! * `PointOffsets[s]`, `CellOffsets[s]`, `ConnectivityIdOffsets[s]` (and
//!   for polyhedra `FaceOffsetsOffsets`, `FaceConnectivityOffsets`,
//!   `PolyhedronToFaceIdOffsets`): the rows written before the step's
//!   geometry; PolyData has one column per topology (Vertices, Lines,
//!   Polygons, Strips). `Offsets` datasets hold `cells + 1` entries per
//!   partition, so their position adds `PartOffsets[s] + p`;
//! * `PointDataOffsets/<a>`, `CellDataOffsets/<a>`: the first row of array
//!   `a` for the step (absent: the geometry offset);
//! * `FieldDataOffsets/<a>` and `FieldDataSizes/<a>` (`[components,
//!   tuples]`) for field data.
//!
//! A geometry equal to the previous step's is stored once: the step repeats
//! the previous offsets. An array equal to the previous step's repeats its
//! offset too.
//!
//! Reading accepts offsets datasets with `NSteps` or `NSteps + 1` entries of
//! any integer width, missing geometry offsets (then derived from the counts
//! of the partitions before `PartOffsets[s]`) and a missing `NumberOfParts`
//! (then `len(NumberOfPoints) / NSteps`, as VTK's reader derives it).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::format::message::datatype::DatatypeClass;
use crate::hl::write::{DatasetWriter, GroupWriter};
use crate::hl::{Dataset, Group};
use crate::read::selection::Hyperslab;

use super::array::{
    array_datasets, dispatch, read_array_rows, read_marker, read_values, read_values_rows,
    unstructured_shape, write_marker, Array, StoreOptions, Values,
};

/// Rows per chunk of the small bookkeeping datasets (`NumberOf*`, `Steps`).
pub(crate) const META_CHUNK: u64 = 64;

/// Rows per chunk, at least, of bulk datasets that grow over time.
const GROWING_MIN_ROWS: u64 = 1024;

pub(crate) fn malformed(path: &str, msg: impl core::fmt::Display) -> Error {
    Error::malformed(0, format!("{path}: {msg}"))
}

pub(crate) fn with_path(path: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{path}: {}", e.message()))
}

/// Reads an index or count dataset of any integer width (integral floats
/// are accepted too, as VTK converts them), flattened.
pub fn read_index(ds: &Dataset) -> Result<Vec<i64>> {
    let v = read_values(ds)?;
    index_values(ds.path(), &v)
}

fn index_values(path: &str, v: &Values) -> Result<Vec<i64>> {
    if let Some(i) = v.to_i64() {
        return Ok(i);
    }
    match v {
        Values::F32(_) | Values::F64(_) => v
            .to_f64()
            .into_iter()
            .map(|x| {
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    Ok(x as i64)
                } else {
                    Err(malformed(path, format!("{x} is not an integer index")))
                }
            })
            .collect(),
        _ => Err(malformed(
            path,
            format!("{} values cannot be indices", v.type_name()),
        )),
    }
}

/// Reads rows `start .. start + n` of an index dataset (1-D).
pub(crate) fn read_index_rows(ds: &Dataset, start: u64, n: u64) -> Result<Vec<i64>> {
    let v = read_values_rows(ds, start, n)?;
    index_values(ds.path(), &v)
}

/// A count dataset (`NumberOf*`): non-negative integers.
pub(crate) fn read_counts(group: &Group, name: &str) -> Result<Vec<u64>> {
    let path = format!("{}/{name}", group.path().trim_end_matches('/'));
    let ds = group.dataset(name).map_err(|e| with_path(&path, e))?;
    if ds.shape().len() != 1 {
        return Err(malformed(
            &path,
            format!("shape {:?}, expected one dimension", ds.shape()),
        ));
    }
    read_index(&ds)?
        .into_iter()
        .map(|n| u64::try_from(n).map_err(|_| malformed(&path, format!("negative count {n}"))))
        .collect()
}

/// Sum with overflow check.
pub(crate) fn sum(counts: &[u64], path: &str) -> Result<u64> {
    counts
        .iter()
        .try_fold(0u64, |a, &n| a.checked_add(n))
        .ok_or_else(|| malformed(path, "counts overflow when summed"))
}

/// The `Steps` group of a temporal layout.
pub struct Steps {
    /// `NSteps` (1 when the attribute is missing).
    pub nsteps: usize,
    /// The times of the steps (`Values`), `nsteps` of them.
    pub times: Vec<f64>,
    group: Group,
    cache: RefCell<HashMap<String, Option<Table>>>,
}

/// A loaded offsets dataset: values and columns.
type Table = (Vec<i64>, usize);

/// `(PartOffsets, NumberOfParts, geometry offsets by (name, column))`.
type Geometry = (u64, u64, BTreeMap<(String, usize), u64>);

impl std::fmt::Debug for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Steps")
            .field("nsteps", &self.nsteps)
            .field("times", &self.times)
            .finish()
    }
}

impl Steps {
    /// Reads `layout/Steps`, or `None` when the data is static.
    pub fn read(layout: &Group) -> Result<Option<Steps>> {
        let Ok(group) = layout.group("Steps") else {
            return Ok(None);
        };
        let path = group.path().to_string();
        let nsteps = match group.attr("NSteps") {
            Ok(a) => {
                let v: Vec<i64> = a.read().map_err(|e| with_path(&path, e))?;
                let n = v.first().copied().unwrap_or(1);
                usize::try_from(n)
                    .map_err(|_| malformed(&path, format!("NSteps is {n}, expected >= 0")))?
            }
            Err(_) => 1,
        };
        let times = match group.dataset("Values") {
            Ok(ds) => {
                let v = read_values(&ds)?.to_f64();
                if v.len() < nsteps {
                    return Err(malformed(
                        ds.path(),
                        format!("{} times for NSteps = {nsteps}", v.len()),
                    ));
                }
                v[..nsteps].to_vec()
            }
            Err(_) if nsteps <= 1 => vec![0.0; nsteps],
            Err(e) => return Err(with_path(&format!("{path}/Values"), e)),
        };
        Ok(Some(Steps {
            nsteps,
            times,
            group,
            cache: RefCell::new(HashMap::new()),
        }))
    }

    /// Entry `s`, column `col` of `Steps/<name>` (`name` may be
    /// `PointDataOffsets/<a>`); `None` when the dataset is missing.
    pub fn entry(&self, name: &str, s: usize, col: usize) -> Result<Option<i64>> {
        let mut cache = self.cache.borrow_mut();
        if !cache.contains_key(name) {
            let loaded = match self.group.dataset(name) {
                Ok(ds) => {
                    let cols = ds.shape().iter().skip(1).product::<u64>().max(1) as usize;
                    Some((read_index(&ds)?, cols))
                }
                Err(_) => None,
            };
            cache.insert(name.to_string(), loaded);
        }
        let Some((v, cols)) = cache.get(name).and_then(|x| x.as_ref()) else {
            return Ok(None);
        };
        let path = format!("{}/{name}", self.group.path());
        if col >= *cols {
            return Err(malformed(
                &path,
                format!("{cols} columns, column {col} needed"),
            ));
        }
        v.get(s * cols + col).copied().map(Some).ok_or_else(|| {
            malformed(
                &path,
                format!("{} rows, step {s} needs row {s}", v.len() / cols),
            )
        })
    }

    /// Like [`entry`](Self::entry), as a non-negative row index.
    pub fn index(&self, name: &str, s: usize, col: usize) -> Result<Option<u64>> {
        match self.entry(name, s, col)? {
            None => Ok(None),
            Some(v) => u64::try_from(v).map(Some).map_err(|_| {
                malformed(
                    &format!("{}/{name}", self.group.path()),
                    format!("negative offset {v} at step {s}"),
                )
            }),
        }
    }
}

/// Where step `s` finds its partitions: `(PartOffsets[s], parts)`.
/// `total_parts` is the length of `NumberOfPoints`.
pub(crate) fn step_parts(steps: Option<&Steps>, s: usize, total_parts: u64) -> Result<(u64, u64)> {
    let Some(st) = steps else {
        return Ok((0, total_parts));
    };
    let nsteps = st.nsteps.max(1) as u64;
    let nparts = match st.index("NumberOfParts", s, 0)? {
        Some(n) => n,
        None => total_parts / nsteps,
    };
    let base = match st.index("PartOffsets", s, 0)? {
        Some(b) => b,
        None => s as u64 * nparts,
    };
    if base.checked_add(nparts).is_none_or(|e| e > total_parts) {
        return Err(malformed(
            &format!("{}/PartOffsets", st.group.path()),
            format!(
                "step {s} takes partitions {base}..{} of the {total_parts} stored",
                base.saturating_add(nparts)
            ),
        ));
    }
    Ok((base, nparts))
}

/// The geometry offset `name` (column `col`) of step `s`; without the
/// dataset, the sum of `counts[..base]`.
pub(crate) fn geometry_offset(
    steps: Option<&Steps>,
    s: usize,
    name: &str,
    col: usize,
    counts: &[u64],
    base: u64,
) -> Result<u64> {
    if let Some(st) = steps {
        if let Some(v) = st.index(name, s, col)? {
            return Ok(v);
        }
    }
    sum(&counts[..base as usize], name)
}

/// Splits `values` (whole tuples of `components`) into runs of `counts`
/// tuples.
pub(crate) fn split_array(a: &Array, counts: &[u64]) -> Vec<Array> {
    let mut out = Vec::with_capacity(counts.len());
    let mut start = 0usize;
    for &n in counts {
        out.push(a.slice_tuples(start, n as usize));
        start += n as usize;
    }
    out
}

/// Which partitions of a static file an array covers when its row count
/// differs from the sum of all partitions' counts: VTK's writer leaves out
/// the partitions that lack the array (its reader then fails). The subset
/// of non-empty partitions whose counts add up to `rows` is used when it
/// is unique.
fn covering_parts(counts: &[u64], rows: u64) -> Option<Vec<bool>> {
    let nonzero: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] > 0).collect();
    if nonzero.len() > 16 {
        return None;
    }
    let mut found: Option<u32> = None;
    for mask in 0u32..(1u32 << nonzero.len()) {
        let total: u64 = nonzero
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, &i)| counts[i])
            .sum();
        if total == rows {
            if found.is_some() {
                return None;
            }
            found = Some(mask);
        }
    }
    let mask = found?;
    let mut take = vec![true; counts.len()];
    for (k, &i) in nonzero.iter().enumerate() {
        take[i] = mask & (1 << k) != 0;
    }
    Some(take)
}

/// Reads the arrays of `layout/<group>` for the partitions of one step:
/// `counts` tuples each, starting at `<group>Offsets/<a>[s]` (or
/// `default_offset`). Returns one array list per partition.
pub(crate) fn read_part_arrays(
    layout: &Group,
    group: &str,
    steps: Option<(&Steps, usize)>,
    default_offset: u64,
    counts: &[u64],
) -> Result<Vec<Vec<Array>>> {
    let mut out = vec![Vec::new(); counts.len()];
    let total = sum(counts, group)?;
    for (name, ds) in array_datasets(layout, group)? {
        let shape = ds.shape();
        if shape.is_empty() || shape.len() > 2 {
            return Err(malformed(
                ds.path(),
                format!("shape {shape:?}, expected (tuples) or (tuples, components)"),
            ));
        }
        let offset = match steps {
            Some((st, s)) => st
                .index(&format!("{group}Offsets/{name}"), s, 0)?
                .unwrap_or(default_offset),
            None => default_offset,
        };
        if steps.is_none() && shape[0] != total {
            if let Some(take) = covering_parts(counts, shape[0]) {
                let sub: Vec<u64> = counts
                    .iter()
                    .zip(&take)
                    .filter(|(_, &t)| t)
                    .map(|(&c, _)| c)
                    .collect();
                let whole = read_array_rows(&ds, &name, 0, shape[0])?;
                let mut pieces = split_array(&whole, &sub).into_iter();
                for (p, &t) in take.iter().enumerate() {
                    if t {
                        out[p].push(pieces.next().expect("one piece per taken part"));
                    }
                }
                continue;
            }
        }
        let whole = read_array_rows(&ds, &name, offset, total)?;
        for (p, a) in split_array(&whole, counts).into_iter().enumerate() {
            out[p].push(a);
        }
    }
    Ok(out)
}

/// Reads the field data of one step (`steps`: the step) or of a static
/// layout.
pub(crate) fn read_field_data(
    layout: &Group,
    steps: Option<(&Steps, usize)>,
) -> Result<Vec<Array>> {
    let mut out = Vec::new();
    for (name, ds) in array_datasets(layout, "FieldData")? {
        let shape = ds.shape().to_vec();
        if shape.is_empty() || shape.len() > 2 {
            return Err(malformed(
                ds.path(),
                format!("shape {shape:?}, expected (tuples) or (tuples, components)"),
            ));
        }
        let cols = shape.get(1).copied().unwrap_or(1);
        let located = match steps {
            Some((st, s)) => {
                let off = st.index(&format!("FieldDataOffsets/{name}"), s, 0)?;
                let size = match st.entry(&format!("FieldDataSizes/{name}"), s, 0)? {
                    Some(c) => Some((c, st.entry(&format!("FieldDataSizes/{name}"), s, 1)?)),
                    None => None,
                };
                match (off, size) {
                    (None, None) => None,
                    (off, size) => {
                        let (c, t) = match size {
                            Some((c, t)) => (c, t.unwrap_or(1)),
                            None => (-1, 1),
                        };
                        Some((off.unwrap_or(0), c, t))
                    }
                }
            }
            None => None,
        };
        let arr = match located {
            None => {
                let v = read_values(&ds)?;
                Array {
                    name,
                    components: cols as usize,
                    values: v,
                    attribute: read_marker(&ds),
                }
            }
            Some((_, 0, 0)) => continue,
            Some((off, c, t)) => {
                let t = u64::try_from(t)
                    .map_err(|_| malformed(ds.path(), format!("{t} tuples at step")))?;
                let c = if c < 0 { cols } else { c as u64 };
                // A 1-D dataset holds `c` values per tuple in a row each.
                let (rows, comps) = if shape.len() == 1 {
                    (t * c, c)
                } else {
                    (t, cols)
                };
                let v = read_values_rows(&ds, off, rows)?;
                Array {
                    name,
                    components: comps.max(1) as usize,
                    values: v,
                    attribute: read_marker(&ds),
                }
            }
        };
        out.push(arr);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Reads step `s`'s point arrays (from row `point_off`, `points` per
/// partition), cell arrays (from `cell_off`, `cells` per partition) and
/// field arrays into `parts`, and gives them back.
#[allow(clippy::too_many_arguments)]
pub(crate) fn with_step_arrays<M: MeshPart>(
    group: &Group,
    steps: Option<&Steps>,
    s: usize,
    mut parts: Vec<M>,
    point_off: u64,
    points: &[u64],
    cell_off: u64,
    cells: &[u64],
) -> Result<Vec<M>> {
    let step = steps.map(|st| (st, s));
    let pd = read_part_arrays(group, "PointData", step, point_off, points)?;
    let cd = read_part_arrays(group, "CellData", step, cell_off, cells)?;
    let fd = read_field_data(group, step)?;
    for ((p, pd), cd) in parts.iter_mut().zip(pd).zip(cd) {
        p.set_data(pd, cd, fd.clone());
    }
    Ok(parts)
}

/// Fails when `group` has a `Type` other than `want`.
pub(crate) fn check_type(group: &Group, want: super::DataType) -> Result<()> {
    if let Ok(a) = group.attr("Type") {
        let name = a.read_string()?;
        let name = name.trim_end_matches(['\0', ' ']);
        if name != want.name() {
            return Err(Error::wrong_use(format!(
                "{}: Type is {name}, not {}",
                group.path(),
                want.name()
            )));
        }
    }
    Ok(())
}

/// Reads one step's partitions of a mesh layout from its counts (`C`),
/// sharing geometry between steps through a cache keyed by `K`.
pub(crate) type ReadOne<M, C, K> =
    fn(&Group, &C, Option<&Steps>, usize, &mut HashMap<K, Vec<M>>) -> Result<Vec<M>>;

/// Reads every step (one for static data) of a mesh layout group of type
/// `want`: `counts` reads the partition counts, `read_one` a step.
pub(crate) fn read_mesh_series<M, C, K>(
    group: &Group,
    want: super::DataType,
    counts: fn(&Group) -> Result<C>,
    read_one: ReadOne<M, C, K>,
) -> Result<super::Series<Vec<M>>> {
    check_type(group, want)?;
    let steps = Steps::read(group)?;
    let c = counts(group)?;
    let mut cache = HashMap::new();
    match &steps {
        None => Ok(super::Series::single(read_one(
            group, &c, None, 0, &mut cache,
        )?)),
        Some(st) => {
            let mut out = Vec::with_capacity(st.nsteps);
            for s in 0..st.nsteps {
                out.push(read_one(group, &c, Some(st), s, &mut cache)?);
            }
            Ok(super::Series {
                times: Some(st.times.clone()),
                steps: out,
            })
        }
    }
}

/// Reads step `s` (0 for static data) of a mesh layout group of type
/// `want` (see [`read_mesh_series`]).
pub(crate) fn read_mesh_step<M, C, K>(
    group: &Group,
    want: super::DataType,
    s: usize,
    counts: fn(&Group) -> Result<C>,
    read_one: ReadOne<M, C, K>,
) -> Result<Vec<M>> {
    check_type(group, want)?;
    let steps = Steps::read(group)?;
    if let Some(st) = &steps {
        if s >= st.nsteps {
            return Err(Error::wrong_use(format!(
                "{}: step {s} of {}",
                group.path(),
                st.nsteps
            )));
        }
    }
    let c = counts(group)?;
    read_one(group, &c, steps.as_ref(), s, &mut HashMap::new())
}

/// Rows of one bulk dataset of one partition.
pub(crate) enum Rows<'a> {
    /// 64-bit integers (offsets, connectivity).
    I64(Cow<'a, [i64]>),
    /// Cell types.
    U8(Cow<'a, [u8]>),
    /// Typed values (points, arrays).
    Values(&'a Values),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::I64(v) => v.len(),
            Rows::U8(v) => v.len(),
            Rows::Values(v) => v.len(),
        }
    }
}

/// One partition's geometry as the datasets it adds to.
pub(crate) struct Record<'a> {
    /// `(count dataset, value)`.
    pub counts: Vec<(&'static str, i64)>,
    /// `(dataset, rows, components, compressed)`.
    pub bulk: Vec<(&'static str, Rows<'a>, usize, bool)>,
}

/// How a count dataset drives a `Steps` offsets dataset:
/// `(count dataset, steps dataset, column, columns)`.
pub(crate) type StepsMap = &'static [(&'static str, &'static str, usize, usize)];

/// Point, cell or field data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Point,
    Cell,
    Field,
}

impl Kind {
    pub(crate) fn group(self) -> &'static str {
        match self {
            Kind::Point => "PointData",
            Kind::Cell => "CellData",
            Kind::Field => "FieldData",
        }
    }
}

struct ArrayState {
    /// Offset of the last written value run (rows).
    offset: u64,
    /// The last written values (to detect unchanged arrays).
    last: Option<Values>,
    components: usize,
    type_name: &'static str,
}

/// Appends stacked partitions, step after step, to a layout group.
pub(crate) struct Engine {
    pub group: GroupWriter,
    opts: StoreOptions,
    temporal: bool,
    steps_map: StepsMap,
    datasets: BTreeMap<String, DatasetWriter>,
    rows: BTreeMap<String, u64>,
    /// Count history: every value written to each count dataset.
    pub counts: BTreeMap<String, Vec<i64>>,
    /// Rows of `NumberOf*` written (partitions over all geometries).
    pub parts: u64,
    /// Steps written.
    pub nsteps: u64,
    /// `(PartOffsets, NumberOfParts, geometry offsets)` of the last geometry.
    last_geometry: Option<Geometry>,
    /// The current step's geometry offsets once written or reused.
    step_geometry: Option<Geometry>,
    arrays: BTreeMap<(Kind, String), ArrayState>,
    step_arrays: BTreeMap<(Kind, String), (u64, [i64; 2])>,
    /// Element type of `Steps/Values` (4 or 8 bytes) and of each
    /// offsets dataset when reopened from another producer.
    steps_types: BTreeMap<String, usize>,
    times: Vec<f64>,
}

fn append_typed<T: crate::H5Type>(
    ds: &DatasetWriter,
    start: u64,
    data: &[T],
    components: usize,
) -> Result<()> {
    let c = components.max(1) as u64;
    let n = data.len() as u64 / c;
    let mut shape = ds.shape()?;
    if shape.is_empty() {
        return Err(Error::wrong_use(format!(
            "{}: cannot append to a scalar dataset",
            ds.path()
        )));
    }
    shape[0] = start + n;
    ds.resize(&shape)?;
    if n == 0 {
        return Ok(());
    }
    let mut s = vec![0; shape.len()];
    s[0] = start;
    let mut count = shape.clone();
    count[0] = n;
    ds.write_slice(&Hyperslab::new(&s, &count, &vec![1; shape.len()]), data)
}

impl Engine {
    /// A new layout in `group` (which holds nothing yet).
    pub fn new(
        group: GroupWriter,
        opts: StoreOptions,
        temporal: bool,
        steps_map: StepsMap,
    ) -> Self {
        Engine {
            group,
            opts,
            temporal,
            steps_map,
            datasets: BTreeMap::new(),
            rows: BTreeMap::new(),
            counts: BTreeMap::new(),
            parts: 0,
            nsteps: 0,
            last_geometry: None,
            step_geometry: None,
            arrays: BTreeMap::new(),
            step_arrays: BTreeMap::new(),
            steps_types: BTreeMap::new(),
            times: Vec::new(),
        }
    }

    /// Whether bulk dataset `path` exists.
    pub fn has(&self, path: &str) -> bool {
        self.datasets.contains_key(path)
    }

    fn chunk_rows(&self, rows: u64, row_bytes: u64) -> u64 {
        let rows = if self.temporal {
            rows.max(GROWING_MIN_ROWS)
        } else {
            rows
        };
        self.opts.rows_per_chunk(rows, row_bytes)
    }

    fn create<T: crate::H5Type>(
        &mut self,
        path: &str,
        components: usize,
        rows: u64,
        compress: bool,
        chunk_rows: Option<u64>,
    ) -> Result<DatasetWriter> {
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (self.group.create_group(p)?, n),
            None => (self.group.clone(), path),
        };
        let esize = std::mem::size_of::<T>() as u64;
        let c = components.max(1) as u64;
        let chunk = chunk_rows.unwrap_or_else(|| self.chunk_rows(rows, esize * c));
        let (shape, chunks, max) = if components <= 1 {
            (vec![0], vec![chunk], vec![None])
        } else {
            (vec![0, c], vec![chunk, c], vec![None, Some(c)])
        };
        let mut b = parent
            .new_dataset::<T>(name, &shape)
            .chunks(&chunks)
            .maxshape(&max);
        if compress {
            if let Some(level) = self.opts.deflate {
                if self.opts.shuffle && esize > 1 {
                    b = b.shuffle();
                }
                b = b.deflate(level);
            }
        }
        let ds = b.create()?;
        self.datasets.insert(path.to_string(), ds.clone());
        self.rows.insert(path.to_string(), 0);
        Ok(ds)
    }

    /// Registers an existing dataset (reopened file) with its row count.
    pub fn adopt(&mut self, path: &str, ds: DatasetWriter) -> Result<()> {
        let rows = ds.shape()?.first().copied().unwrap_or(0);
        self.datasets.insert(path.to_string(), ds);
        self.rows.insert(path.to_string(), rows);
        Ok(())
    }

    /// Appends rows to `path`, creating it at first use.
    fn append_rows(
        &mut self,
        path: &str,
        rows: &Rows,
        components: usize,
        compress: bool,
        meta: bool,
    ) -> Result<u64> {
        let c = components.max(1);
        let n = (rows.len() / c) as u64;
        let chunk = meta.then_some(META_CHUNK);
        if !self.datasets.contains_key(path) {
            match rows {
                Rows::I64(_) => self.create::<i64>(path, c, n, compress, chunk)?,
                Rows::U8(_) => self.create::<u8>(path, c, n, compress, chunk)?,
                Rows::Values(v) => self.create_like(path, v, c, n, compress)?,
            };
        }
        let ds = self.datasets[path].clone();
        let start = self.rows[path];
        match rows {
            Rows::I64(v) => append_typed(&ds, start, v, c)?,
            Rows::U8(v) => append_typed(&ds, start, v, c)?,
            Rows::Values(v) => dispatch!(v, x => append_typed(&ds, start, x, c)?, _s => {
                return Err(Error::wrong_use(format!(
                    "{path}: strings are only allowed in FieldData"
                )))
            }),
        }
        self.rows.insert(path.to_string(), start + n);
        Ok(start)
    }

    fn create_like(
        &mut self,
        path: &str,
        v: &Values,
        c: usize,
        n: u64,
        compress: bool,
    ) -> Result<DatasetWriter> {
        match v {
            Values::I8(_) => self.create::<i8>(path, c, n, compress, None),
            Values::U8(_) => self.create::<u8>(path, c, n, compress, None),
            Values::I16(_) => self.create::<i16>(path, c, n, compress, None),
            Values::U16(_) => self.create::<u16>(path, c, n, compress, None),
            Values::I32(_) => self.create::<i32>(path, c, n, compress, None),
            Values::U32(_) => self.create::<u32>(path, c, n, compress, None),
            Values::I64(_) => self.create::<i64>(path, c, n, compress, None),
            Values::U64(_) => self.create::<u64>(path, c, n, compress, None),
            Values::F32(_) => self.create::<f32>(path, c, n, compress, None),
            Values::F64(_) => self.create::<f64>(path, c, n, compress, None),
            Values::Str(_) => Err(Error::wrong_use(format!(
                "{path}: strings are only allowed in FieldData"
            ))),
        }
    }

    /// Writes the geometry of the step's partitions.
    pub fn write_geometry(&mut self, records: &[Record]) -> Result<()> {
        let mut offsets = BTreeMap::new();
        for &(count, steps, col, _) in self.steps_map {
            let total: i64 = self.counts.get(count).map_or(0, |v| v.iter().sum());
            offsets.insert((steps.to_string(), col), total as u64);
        }
        let base = self.parts;
        for r in records {
            self.append_record(r)?;
        }
        let g = (base, records.len() as u64, offsets);
        self.last_geometry = Some(g.clone());
        self.step_geometry = Some(g);
        Ok(())
    }

    /// Appends one partition's rows (also used to fill in datasets that
    /// appear after earlier partitions were written).
    pub fn append_record(&mut self, r: &Record) -> Result<()> {
        self.append_bulk(r)?;
        for &(path, n) in &r.counts {
            let hist = self.counts.entry(path.to_string()).or_default();
            // A count dataset that appears late reads 0 for earlier parts.
            hist.resize(self.parts as usize, 0);
            hist.push(n);
            let start = self.parts;
            if !self.datasets.contains_key(path) {
                self.create::<i64>(path, 1, 1, false, Some(META_CHUNK))?;
            }
            let ds = self.datasets[path].clone();
            append_typed(&ds, start, &[n], 1)?;
            self.rows.insert(path.to_string(), start + 1);
        }
        self.parts += 1;
        Ok(())
    }

    /// Appends only the bulk rows of a record (filling datasets that appear
    /// after earlier partitions were written; their counts read 0).
    pub fn append_bulk(&mut self, r: &Record) -> Result<()> {
        for (path, rows, comps, compress) in &r.bulk {
            self.append_rows(path, rows, *comps, *compress, false)?;
        }
        Ok(())
    }

    /// The step reuses the last written geometry.
    pub fn reuse_geometry(&mut self) -> Result<()> {
        let g = self
            .last_geometry
            .clone()
            .ok_or_else(|| Error::wrong_use("no geometry was written yet to reuse"))?;
        self.step_geometry = Some(g);
        Ok(())
    }

    /// Writes the point or cell arrays of the step: `per_part[p]` is
    /// partition p's list, `counts[p]` its tuples. Every partition must
    /// hold the same arrays (names, types, components).
    pub fn write_arrays(
        &mut self,
        kind: Kind,
        per_part: &[&[Array]],
        counts: &[u64],
    ) -> Result<()> {
        let what = kind.group();
        let Some(first) = per_part.first() else {
            return Ok(());
        };
        let layout: Vec<(&str, usize, &'static str)> = first
            .iter()
            .map(|a| (a.name.as_str(), a.components, a.values.type_name()))
            .collect();
        for (p, arrays) in per_part.iter().enumerate() {
            let other: Vec<(&str, usize, &'static str)> = arrays
                .iter()
                .map(|a| (a.name.as_str(), a.components, a.values.type_name()))
                .collect();
            if other != layout {
                return Err(Error::wrong_use(format!(
                    "partition {p}: {what} arrays {other:?} differ from partition 0's {layout:?} \
                     (VTK reads only partitions holding the same arrays)"
                )));
            }
            for a in arrays.iter() {
                if a.components == 0 || a.values.len() as u64 != counts[p] * a.components as u64 {
                    return Err(Error::wrong_use(format!(
                        "partition {p}: {what} array {:?} has {} values of {} components for {} tuples",
                        a.name,
                        a.values.len(),
                        a.components,
                        counts[p]
                    )));
                }
                if matches!(a.values, Values::Str(_)) {
                    return Err(Error::wrong_use(format!(
                        "partition {p}: {what} array {:?} holds strings; VTK reads strings only in FieldData",
                        a.name
                    )));
                }
            }
        }
        self.check_same_set(kind, &layout)?;
        for (k, (name, comps, _)) in layout.iter().enumerate() {
            let values: Cow<Values> = if per_part.len() == 1 {
                Cow::Borrowed(&per_part[0][k].values)
            } else {
                let mut v = per_part[0][k].values.clone();
                for arrays in &per_part[1..] {
                    v.extend(&arrays[k].values)?;
                }
                Cow::Owned(v)
            };
            let rows = values.len() as u64 / *comps as u64;
            self.put_array(kind, &per_part[0][k], name, &values, *comps, rows)?;
        }
        Ok(())
    }

    fn check_same_set(&self, kind: Kind, layout: &[(&str, usize, &'static str)]) -> Result<()> {
        if self.nsteps == 0 || kind == Kind::Field {
            return Ok(());
        }
        let known: Vec<(&str, usize, &'static str)> = self
            .arrays
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, n), s)| (n.as_str(), s.components, s.type_name))
            .collect();
        let mut now = layout.to_vec();
        now.sort();
        if known != now {
            return Err(Error::wrong_use(format!(
                "step {}: {} arrays {now:?} differ from the earlier steps' {known:?}",
                self.nsteps,
                kind.group()
            )));
        }
        Ok(())
    }

    fn put_array(
        &mut self,
        kind: Kind,
        proto: &Array,
        name: &str,
        values: &Values,
        comps: usize,
        rows: u64,
    ) -> Result<()> {
        let key = (kind, name.to_string());
        let path = format!("{}/{name}", kind.group());
        if let Some(st) = self.arrays.get(&key) {
            if st.components != comps || st.type_name != values.type_name() {
                return Err(Error::wrong_use(format!(
                    "{path}: {} values of {comps} components, earlier steps wrote {} of {}",
                    values.type_name(),
                    st.type_name,
                    st.components
                )));
            }
            if self.temporal && st.last.as_ref() == Some(values) {
                let off = st.offset;
                self.step_arrays
                    .insert(key, (off, [comps as i64, rows as i64]));
                return Ok(());
            }
        }
        let offset = if let Values::Str(s) = values {
            if self.datasets.contains_key(&path) {
                return Err(Error::unsupported(
                    0,
                    format!("{path}: a string array is stored once and cannot change over time"),
                ));
            }
            let g = self.group.create_group(kind.group())?;
            let refs: Vec<&str> = s.iter().map(String::as_str).collect();
            let ds = g.write_vlen_strings_charset(
                name,
                &refs,
                crate::format::message::datatype::CharacterSet::Ascii,
            )?;
            write_marker(&ds, proto)?;
            self.datasets.insert(path.clone(), ds);
            self.rows.insert(path.clone(), s.len() as u64);
            0
        } else {
            let fresh = !self.datasets.contains_key(&path);
            let off = self.append_rows(&path, &Rows::Values(values), comps, true, false)?;
            if fresh {
                write_marker(&self.datasets[&path], proto)?;
            }
            off
        };
        self.step_arrays
            .insert(key.clone(), (offset, [comps as i64, rows as i64]));
        self.arrays.insert(
            key,
            ArrayState {
                offset,
                last: self.temporal.then(|| values.clone()),
                components: comps,
                type_name: values.type_name(),
            },
        );
        Ok(())
    }

    /// Writes the step's field data.
    pub fn write_field(&mut self, arrays: &[Array]) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for a in arrays {
            if !seen.insert(a.name.as_str()) {
                return Err(Error::wrong_use(format!(
                    "FieldData: two arrays are named {:?}",
                    a.name
                )));
            }
            if a.name.contains(['/', '.']) {
                return Err(Error::wrong_use(format!(
                    "FieldData array {:?}: VTKHDF names cannot contain '/' or '.'",
                    a.name
                )));
            }
            let comps = a.components.max(1);
            if a.values.len() % comps != 0 {
                return Err(Error::wrong_use(format!(
                    "FieldData array {:?}: {} values are not whole tuples of {comps}",
                    a.name,
                    a.values.len()
                )));
            }
            let rows = (a.values.len() / comps) as u64;
            if !self.temporal {
                // Static field data keeps the stored shape (n) or (n, c).
                let _ = unstructured_shape(a);
            }
            self.put_array(Kind::Field, a, &a.name, &a.values, comps, rows)?;
        }
        Ok(())
    }

    /// Ends the step: writes its `Steps` rows (temporal layouts) with the
    /// time `time`.
    pub fn end_step(&mut self, time: f64) -> Result<()> {
        let (base, nparts, geo) = self
            .step_geometry
            .take()
            .ok_or_else(|| Error::wrong_use("a step needs a geometry"))?;
        let arrays = std::mem::take(&mut self.step_arrays);
        if !self.temporal {
            self.nsteps += 1;
            return Ok(());
        }
        let s = self.nsteps;
        self.set_row("Values", s, &[], Some(time))?;
        self.set_row("PartOffsets", s, &[base as i64], None)?;
        self.set_row("NumberOfParts", s, &[nparts as i64], None)?;
        let mut by_name: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for &(_, steps, col, cols) in self.steps_map {
            let row = by_name.entry(steps).or_insert_with(|| vec![0; cols]);
            row[col] = geo.get(&(steps.to_string(), col)).copied().unwrap_or(0) as i64;
        }
        for (name, row) in by_name {
            if self.counts.keys().any(|c| {
                self.steps_map
                    .iter()
                    .any(|&(cn, sn, _, _)| cn == c && sn == name)
            }) {
                self.set_row(name, s, &row, None)?;
            }
        }
        for ((kind, name), (off, size)) in &arrays {
            let group = format!("{}Offsets/{name}", kind.group());
            self.set_row(&group, s, &[*off as i64], None)?;
            if *kind == Kind::Field {
                self.set_row(&format!("FieldDataSizes/{name}"), s, size, None)?;
            }
        }
        // Arrays known but absent from this step (field data only).
        let absent: Vec<String> = self
            .arrays
            .keys()
            .filter(|k| k.0 == Kind::Field && !arrays.contains_key(*k))
            .map(|k| k.1.clone())
            .collect();
        for name in absent {
            self.set_row(&format!("FieldDataOffsets/{name}"), s, &[0], None)?;
            self.set_row(&format!("FieldDataSizes/{name}"), s, &[0, 0], None)?;
        }
        self.times.push(time);
        self.nsteps += 1;
        let steps = self.group.create_group("Steps")?;
        steps.set_attr("NSteps", &[self.nsteps as i64])?;
        Ok(())
    }

    /// Row `s` of `Steps/<name>` (the dataset is resized to `s + 1` rows;
    /// rows of a dataset created late read 0).
    fn set_row(&mut self, name: &str, s: u64, row: &[i64], time: Option<f64>) -> Result<()> {
        let path = format!("Steps/{name}");
        let cols = row.len().max(1);
        if !self.datasets.contains_key(&path) {
            match time {
                Some(_) => self.create::<f64>(&path, 1, 1, false, Some(META_CHUNK))?,
                None => self.create::<i64>(&path, cols, 1, false, Some(META_CHUNK))?,
            };
        }
        let ds = self.datasets[&path].clone();
        let mut shape = ds.shape()?;
        shape[0] = s + 1;
        ds.resize(&shape)?;
        let mut start = vec![0; shape.len()];
        start[0] = s;
        let mut count = shape.clone();
        count[0] = 1;
        let sel = Hyperslab::new(&start, &count, &vec![1; shape.len()]);
        let esize = self.steps_types.get(&path).copied().unwrap_or(8);
        match (time, esize) {
            (Some(t), 4) => ds.write_slice(&sel, &[t as f32])?,
            (Some(t), _) => ds.write_slice(&sel, &[t])?,
            (None, 4) => {
                let v: Vec<i32> = row
                    .iter()
                    .map(|&x| {
                        i32::try_from(x).map_err(|_| {
                            Error::wrong_use(format!(
                                "{path}: offset {x} does not fit the dataset's 32-bit integers"
                            ))
                        })
                    })
                    .collect::<Result<_>>()?;
                ds.write_slice(&sel, &v)?
            }
            (None, _) => ds.write_slice(&sel, row)?,
        }
        self.rows.insert(path, s + 1);
        Ok(())
    }

    /// Restores the state of a layout written before (reopened file).
    /// `group` is the read side of the same layout.
    pub fn load(&mut self, group: &Group, file: &crate::hl::write::FileWriter) -> Result<()> {
        let root = group.path().trim_end_matches('/').to_string();
        let mut paths: Vec<(String, Dataset)> = Vec::new();
        collect_datasets(group, "", &mut paths)?;
        for (rel, ds) in &paths {
            let w = file.dataset(&format!("{root}/{rel}"))?;
            if rel.starts_with("Steps/") {
                let esize = ds.dtype().size as usize;
                let float = matches!(ds.dtype().class, DatatypeClass::FloatingPoint { .. });
                if (rel != "Steps/Values" && float) || !(esize == 4 || esize == 8) {
                    return Err(Error::unsupported(
                        0,
                        format!(
                            "{}: cannot append to {} offsets",
                            ds.path(),
                            crate::hl::dtype_name(ds.dtype())
                        ),
                    ));
                }
                self.steps_types.insert(rel.clone(), esize);
            }
            self.adopt(rel, w)?;
        }
        for &(count, _, _, _) in self.steps_map {
            if let Ok(v) = read_counts(group, count) {
                self.counts
                    .insert(count.to_string(), v.into_iter().map(|x| x as i64).collect());
            }
        }
        self.parts = self
            .counts
            .get("NumberOfPoints")
            .map_or(0, |v| v.len() as u64);
        let steps = Steps::read(group)?.ok_or_else(|| {
            Error::wrong_use(format!("{root}: no Steps group: the data is not temporal"))
        })?;
        self.nsteps = steps.nsteps as u64;
        self.times = steps.times.clone();
        if steps.nsteps == 0 {
            return Ok(());
        }
        let s = steps.nsteps - 1;
        let (base, nparts) = step_parts(Some(&steps), s, self.parts)?;
        let mut geo = BTreeMap::new();
        for &(count, name, col, _) in self.steps_map {
            let counts: Vec<u64> = self
                .counts
                .get(count)
                .map(|v| v.iter().map(|&x| x as u64).collect())
                .unwrap_or_default();
            if counts.len() as u64 >= base {
                let off = geometry_offset(Some(&steps), s, name, col, &counts, base)?;
                geo.insert((name.to_string(), col), off);
            }
        }
        self.last_geometry = Some((base, nparts, geo.clone()));
        let point_default = geo
            .get(&("PointOffsets".to_string(), 0))
            .copied()
            .unwrap_or(0);
        let cell_default: u64 = geo
            .iter()
            .filter(|((n, _), _)| n == "CellOffsets")
            .map(|(_, v)| *v)
            .sum();
        for kind in [Kind::Point, Kind::Cell, Kind::Field] {
            for (name, ds) in array_datasets(group, kind.group())? {
                let default = match kind {
                    Kind::Point => point_default,
                    Kind::Cell => cell_default,
                    Kind::Field => 0,
                };
                let offset = steps
                    .index(&format!("{}Offsets/{name}", kind.group()), s, 0)?
                    .unwrap_or(default);
                let comps = ds.shape().iter().skip(1).product::<u64>().max(1) as usize;
                let type_name = read_values_rows(&ds, 0, 0)?.type_name();
                self.arrays.insert(
                    (kind, name),
                    ArrayState {
                        offset,
                        last: None,
                        components: comps,
                        type_name,
                    },
                );
            }
        }
        Ok(())
    }

    /// Writes the `Steps` rows of earlier steps that a reopened file
    /// leaves to their defaults (missing `NumberOfParts`, `PartOffsets`,
    /// geometry or array offsets), so that rows added later do not change
    /// how the earlier steps read.
    pub fn backfill_steps(&mut self, group: &Group) -> Result<()> {
        let Some(steps) = Steps::read(group)? else {
            return Ok(());
        };
        let n = self.nsteps;
        let mut missing: Vec<String> = Vec::new();
        let want = |name: &str, missing: &mut Vec<String>, me: &Self| {
            if !me.has(&format!("Steps/{name}")) && !missing.iter().any(|m| m == name) {
                missing.push(name.to_string());
            }
        };
        want("PartOffsets", &mut missing, self);
        want("NumberOfParts", &mut missing, self);
        for &(count, name, _, _) in self.steps_map {
            if self.counts.contains_key(count) {
                want(name, &mut missing, self);
            }
        }
        let keys: Vec<(Kind, String)> = self.arrays.keys().cloned().collect();
        for (kind, a) in &keys {
            want(&format!("{}Offsets/{a}", kind.group()), &mut missing, self);
        }
        if missing.is_empty() {
            return Ok(());
        }
        for s in 0..n as usize {
            let (base, nparts) = step_parts(Some(&steps), s, self.parts)?;
            let mut geo: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
            for &(count, name, col, cols) in self.steps_map {
                let Some(c) = self.counts.get(count) else {
                    continue;
                };
                let c: Vec<u64> = c.iter().map(|&x| x as u64).collect();
                let off = geometry_offset(Some(&steps), s, name, col, &c, base)?;
                geo.entry(name).or_insert_with(|| vec![0; cols])[col] = off as i64;
            }
            for m in &missing {
                let row: Vec<i64> = match m.as_str() {
                    "PartOffsets" => vec![base as i64],
                    "NumberOfParts" => vec![nparts as i64],
                    other => match geo.get(other) {
                        Some(r) => r.clone(),
                        None => {
                            let (kind, a) = keys
                                .iter()
                                .find(|(k, a)| format!("{}Offsets/{a}", k.group()) == other)
                                .expect("a missing name is a geometry or array offset");
                            match kind {
                                Kind::Point => vec![geo.get("PointOffsets").map_or(0, |r| r[0])],
                                Kind::Cell => vec![geo.get("CellOffsets").map_or(0, |r| r[0])],
                                Kind::Field => {
                                    // Whole-array field data: offset 0 and
                                    // the stored size at every step.
                                    let ds = group
                                        .dataset(&format!("FieldData/{a}"))
                                        .map_err(|e| with_path(&format!("FieldData/{a}"), e))?;
                                    let rows = ds.shape().first().copied().unwrap_or(0) as i64;
                                    let comps =
                                        ds.shape().iter().skip(1).product::<u64>().max(1) as i64;
                                    if !self.has(&format!("Steps/FieldDataSizes/{a}")) || s > 0 {
                                        self.set_row(
                                            &format!("FieldDataSizes/{a}"),
                                            s as u64,
                                            &[comps, rows],
                                            None,
                                        )?;
                                    }
                                    vec![0]
                                }
                            }
                        }
                    },
                };
                self.set_row(m, s as u64, &row, None)?;
            }
        }
        Ok(())
    }

    /// Sets the last written values of an array (reopened files: the
    /// values of the last step, so unchanged arrays repeat their offset).
    pub fn remember(&mut self, kind: Kind, a: &Array) {
        if let Some(st) = self.arrays.get_mut(&(kind, a.name.clone())) {
            if st.components == a.components && st.type_name == a.values.type_name() {
                st.last = Some(a.values.clone());
            }
        }
    }

    /// Remembers the concatenated arrays of the last step's partitions.
    pub fn remember_parts(&mut self, kind: Kind, per_part: &[&[Array]]) -> Result<()> {
        let Some(first) = per_part.first() else {
            return Ok(());
        };
        for (k, a) in first.iter().enumerate() {
            let mut v = a.values.clone();
            for arrays in &per_part[1..] {
                match arrays.get(k) {
                    Some(b) if b.name == a.name => v.extend(&b.values)?,
                    _ => return Ok(()),
                }
            }
            let mut whole = a.clone();
            whole.values = v;
            self.remember(kind, &whole);
        }
        Ok(())
    }
}

fn collect_datasets(g: &Group, prefix: &str, out: &mut Vec<(String, Dataset)>) -> Result<()> {
    for name in g.member_names()? {
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        match g.get(&name) {
            Ok(crate::hl::Object::Dataset(ds)) => out.push((rel, *ds)),
            Ok(crate::hl::Object::Group(sub)) => collect_datasets(&sub, &rel, out)?,
            Ok(_) => {}
            Err(e) => return Err(with_path(&format!("{}/{name}", g.path()), e)),
        }
    }
    Ok(())
}

/// The lowest `Version` minor for the arrays: 6 when any carries an
/// `Attribute` marker, else `base`.
pub(crate) fn minor_for_markers<'a>(arrays: impl IntoIterator<Item = &'a Array>, base: i64) -> i64 {
    if arrays.into_iter().any(|a| a.attribute.is_some()) {
        base.max(6)
    } else {
        base
    }
}

// ---------------------------------------------------------------------------
// Stacked-partition types (UnstructuredGrid, PolyData)
// ---------------------------------------------------------------------------

/// What the shared writer needs from a partition type.
pub(crate) trait MeshPart: Clone + PartialEq + Sized {
    /// The `Type` attribute.
    const TYPE: super::DataType;
    /// Count dataset → Steps offsets dataset map.
    const STEPS_MAP: StepsMap;
    fn points(&self) -> &Array;
    fn point_data(&self) -> &[Array];
    fn cell_data(&self) -> &[Array];
    fn field_data(&self) -> &[Array];
    fn n_points(&self) -> u64 {
        self.points().tuples() as u64
    }
    fn n_cells(&self) -> u64;
    /// Checks sizes; `what` names the partition.
    fn validate(&self, what: &str) -> Result<()>;
    fn same_geometry(&self, other: &Self) -> bool;
    /// Appends the geometry of `parts` (one step) to the engine.
    fn write_geometry(engine: &mut Engine, parts: &[Self]) -> Result<()>;
    /// The lowest `Version` minor `parts` need.
    fn minor(parts: &[Self]) -> i64;
    /// Reads every step.
    fn read_series(group: &Group) -> Result<super::Series<Vec<Self>>>;
    /// Reads step `s` (of a temporal layout).
    fn read_step(group: &Group, s: usize) -> Result<Vec<Self>>;
    /// Replaces the arrays.
    fn set_data(&mut self, point: Vec<Array>, cell: Vec<Array>, field: Vec<Array>);
}

fn check_parts<M: MeshPart>(parts: &[M], step: usize) -> Result<()> {
    if parts.is_empty() {
        return Err(Error::wrong_use(format!(
            "step {step}: a {} step needs at least one partition",
            M::TYPE.name()
        )));
    }
    for (i, p) in parts.iter().enumerate() {
        p.validate(&format!("step {step}, partition {i}"))?;
        if p.points().components != 3 {
            return Err(Error::wrong_use(format!(
                "step {step}, partition {i}: Points has {} components, VTK needs 3",
                p.points().components
            )));
        }
        if !matches!(p.points().values, Values::F32(_) | Values::F64(_)) {
            return Err(Error::wrong_use(format!(
                "step {step}, partition {i}: Points holds {} values, expected float32 or float64",
                p.points().values.type_name()
            )));
        }
    }
    let first = parts[0].field_data();
    if parts
        .iter()
        .any(|p| !p.field_data().is_empty() && p.field_data() != first)
    {
        return Err(Error::wrong_use(format!(
            "step {step}: the partitions' field data differ; a step stores one field data set"
        )));
    }
    Ok(())
}

fn write_step_data<M: MeshPart>(engine: &mut Engine, parts: &[M]) -> Result<()> {
    let pd: Vec<&[Array]> = parts.iter().map(|p| p.point_data()).collect();
    let np: Vec<u64> = parts.iter().map(|p| p.n_points()).collect();
    engine.write_arrays(Kind::Point, &pd, &np)?;
    let cd: Vec<&[Array]> = parts.iter().map(|p| p.cell_data()).collect();
    let nc: Vec<u64> = parts.iter().map(|p| p.n_cells()).collect();
    engine.write_arrays(Kind::Cell, &cd, &nc)?;
    engine.write_field(parts[0].field_data())
}

fn set_header<M: MeshPart>(group: &GroupWriter, minor: i64) -> Result<()> {
    group.set_attr("Version", &[2i64, minor])?;
    group.set_attr_str("Type", M::TYPE.name())
}

fn minor_of<M: MeshPart>(parts: &[M]) -> i64 {
    let arrays = parts.iter().flat_map(|p| {
        std::iter::once(p.points())
            .chain(p.point_data())
            .chain(p.cell_data())
            .chain(p.field_data())
    });
    minor_for_markers(arrays, M::minor(parts))
}

/// Writes a series of stacked partitions into `group`.
pub(crate) fn write_series<M: MeshPart>(
    group: &GroupWriter,
    data: &super::Series<Vec<M>>,
    opts: &StoreOptions,
) -> Result<()> {
    let steps: Vec<&[M]> = data.steps.iter().map(|s| s.as_slice()).collect();
    write_steps(group, data.times.as_deref(), &steps, opts)
}

/// Writes steps (`times`: `None` for static data, one step) of stacked
/// partitions into `group`.
pub(crate) fn write_steps<M: MeshPart>(
    group: &GroupWriter,
    times: Option<&[f64]>,
    steps: &[&[M]],
    opts: &StoreOptions,
) -> Result<()> {
    let temporal = times.is_some();
    if let Some(t) = times {
        if t.len() != steps.len() {
            return Err(Error::wrong_use(format!(
                "{} times for {} steps",
                t.len(),
                steps.len()
            )));
        }
    } else if steps.len() != 1 {
        return Err(Error::wrong_use(format!(
            "static data holds one step, {} given",
            steps.len()
        )));
    }
    for (s, parts) in steps.iter().enumerate() {
        check_parts(parts, s)?;
    }
    let minor = steps.iter().map(|p| minor_of(p)).max().unwrap_or(0);
    set_header::<M>(group, minor)?;
    for g in ["PointData", "CellData", "FieldData"] {
        group.create_group(g)?;
    }
    let mut engine = Engine::new(group.clone(), *opts, temporal, M::STEPS_MAP);
    let mut prev: Option<&[M]> = None;
    for (s, &parts) in steps.iter().enumerate() {
        let same = prev.is_some_and(|p| {
            p.len() == parts.len() && p.iter().zip(parts).all(|(a, b)| a.same_geometry(b))
        });
        if same {
            engine.reuse_geometry()?;
        } else {
            M::write_geometry(&mut engine, parts)?;
        }
        write_step_data(&mut engine, parts)?;
        let time = times.map_or(0.0, |t| t[s]);
        engine.end_step(time)?;
        prev = Some(parts);
    }
    Ok(())
}

/// Whether the layout can grow in place: every dataset is chunked with an
/// unlimited first dimension (strings excepted) and none is virtual.
fn appendable_in_place(group: &Group) -> Result<bool> {
    let mut all = Vec::new();
    collect_datasets(group, "", &mut all)?;
    Ok(all.iter().all(|(rel, ds)| {
        let string = matches!(
            ds.dtype().class,
            DatatypeClass::String { .. } | DatatypeClass::VarLen { .. }
        );
        (string && rel.starts_with("FieldData/"))
            || (matches!(ds.layout(), crate::hl::LayoutKind::Chunked)
                && ds.maxshape().first() == Some(&None))
    }))
}

/// The shared step-by-step writer (see `UnstructuredStepWriter`).
pub(crate) struct StepCore<M: MeshPart> {
    file: Option<crate::hl::write::FileWriter>,
    engine: Engine,
    last: Option<Vec<M>>,
    minor: i64,
}

impl<M: MeshPart> StepCore<M> {
    pub fn create(file: crate::hl::write::FileWriter, opts: StoreOptions) -> Result<Self> {
        let group = file.root().create_group_tracked("VTKHDF")?;
        set_header::<M>(&group, 0)?;
        for g in ["PointData", "CellData", "FieldData"] {
            group.create_group(g)?;
        }
        let steps = group.create_group("Steps")?;
        steps.set_attr("NSteps", &[0i64])?;
        let engine = Engine::new(group, opts, true, M::STEPS_MAP);
        file.flush()?;
        Ok(StepCore {
            file: Some(file),
            engine,
            last: None,
            minor: 0,
        })
    }

    pub fn reopen(path: &std::path::Path, opts: StoreOptions) -> Result<Self> {
        let in_place = {
            let file = crate::hl::File::open(path)?;
            let (group, header) = super::read_header(&file)?;
            if header.data_type != M::TYPE {
                return Err(Error::wrong_use(format!(
                    "{}: {} holds {}, not {}",
                    path.display(),
                    super::ROOT,
                    header.data_type.name(),
                    M::TYPE.name()
                )));
            }
            if Steps::read(&group)?.is_none() {
                return Err(Error::wrong_use(format!(
                    "{}: the data is not temporal (no Steps group)",
                    path.display()
                )));
            }
            appendable_in_place(&group)?
        };
        if !in_place {
            // Fixed-size datasets (VTK writes `Steps/Values` contiguous) or
            // virtual ones cannot grow: the file is rewritten in the
            // appendable layout first, then replaced atomically.
            let series = {
                let file = crate::hl::File::open(path)?;
                let (group, _) = super::read_header(&file)?;
                M::read_series(&group)?
            };
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".rewrite");
            let tmp = std::path::PathBuf::from(tmp);
            {
                let w = crate::hl::write::FileWriter::create(&tmp)?;
                let g = w.root().create_group_tracked("VTKHDF")?;
                write_series(&g, &series, &opts)?;
                w.close()?;
            }
            std::fs::rename(&tmp, path).map_err(|e| {
                Error::new(
                    crate::ErrorKind::Io,
                    format!("cannot replace {}: {e}", path.display()),
                )
            })?;
        }
        let reader = crate::hl::File::open(path)?;
        let (rgroup, header) = super::read_header(&reader)?;
        let file = crate::hl::write::FileWriter::open_rw(path)?;
        let group = file.group(super::ROOT)?;
        let mut engine = Engine::new(group, opts, true, M::STEPS_MAP);
        engine.load(&rgroup, &file)?;
        let mut last = None;
        if engine.nsteps > 0 {
            let s = engine.nsteps as usize - 1;
            let parts = M::read_step(&rgroup, s)?;
            let pd: Vec<&[Array]> = parts.iter().map(|p| p.point_data()).collect();
            engine.remember_parts(Kind::Point, &pd)?;
            let cd: Vec<&[Array]> = parts.iter().map(|p| p.cell_data()).collect();
            engine.remember_parts(Kind::Cell, &cd)?;
            if let Some(p) = parts.first() {
                for a in p.field_data() {
                    engine.remember(Kind::Field, a);
                }
            }
            engine.backfill_steps(&rgroup)?;
            last = Some(parts);
        }
        Ok(StepCore {
            file: Some(file),
            engine,
            last,
            minor: header.version.1.max(0),
        })
    }

    fn file(&self) -> Result<&crate::hl::write::FileWriter> {
        self.file
            .as_ref()
            .ok_or_else(|| Error::wrong_use("the writer is closed"))
    }

    pub fn steps(&self) -> u64 {
        self.engine.nsteps
    }

    pub fn append_step(&mut self, time: f64, parts: &[M]) -> Result<()> {
        self.append(time, parts, false)
    }

    fn append(&mut self, time: f64, parts: &[M], reuse: bool) -> Result<()> {
        let s = self.engine.nsteps as usize;
        check_parts(parts, s)?;
        let same = reuse
            || self.last.as_ref().is_some_and(|p| {
                p.len() == parts.len() && p.iter().zip(parts).all(|(a, b)| a.same_geometry(b))
            });
        let minor = self.minor.max(minor_of(parts));
        if minor != self.minor {
            set_header::<M>(&self.engine.group, minor)?;
            self.minor = minor;
        }
        if same {
            self.engine.reuse_geometry()?;
        } else {
            M::write_geometry(&mut self.engine, parts)?;
        }
        write_step_data(&mut self.engine, parts)?;
        self.engine.end_step(time)?;
        self.last = Some(parts.to_vec());
        self.file()?.flush()
    }

    pub fn append_step_fields(
        &mut self,
        time: f64,
        point_data: &[Vec<Array>],
        cell_data: &[Vec<Array>],
        field_data: &[Array],
    ) -> Result<()> {
        let Some(last) = &self.last else {
            return Err(Error::wrong_use(
                "append_step_fields needs a geometry: call append_step first",
            ));
        };
        if point_data.len() != last.len() || cell_data.len() != last.len() {
            return Err(Error::wrong_use(format!(
                "{} and {} array lists for the {} partitions of the geometry",
                point_data.len(),
                cell_data.len(),
                last.len()
            )));
        }
        let mut parts = last.clone();
        for (i, p) in parts.iter_mut().enumerate() {
            p.set_data(
                point_data[i].clone(),
                cell_data[i].clone(),
                field_data.to_vec(),
            );
        }
        self.append(time, &parts, true)
    }

    pub fn close(mut self) -> Result<()> {
        match self.file.take() {
            Some(f) => f.close(),
            None => Ok(()),
        }
    }
}

/// Declares the public step-by-step writer of a mesh type `$mesh` (named
/// `$name` in the documentation): a [`StepCore`] behind the public methods
/// `new`, `reopen`, `steps`, `append_step`, `append_step_fields` and
/// `close`.
macro_rules! step_writer {
    ($(#[$doc:meta])* $writer:ident, $mesh:ty, $name:literal) => {
        $(#[$doc])*
        pub struct $writer {
            core: $crate::vtk::temporal::StepCore<$mesh>,
        }

        impl $writer {
            #[doc = concat!("Starts a temporal ", $name, " in a new file (`/VTKHDF`).")]
            pub fn new(
                file: $crate::hl::write::FileWriter,
                opts: $crate::vtk::array::StoreOptions,
            ) -> $crate::error::Result<Self> {
                Ok($writer {
                    core: $crate::vtk::temporal::StepCore::create(file, opts)?,
                })
            }

            #[doc = concat!(
                "Continues the temporal ", $name, " file at `path` (written by this crate, ",
                "VTK or others). A file whose datasets cannot grow (VTK stores `Steps/Values` ",
                "contiguous) is first rewritten in the appendable layout, holding the same data."
            )]
            pub fn reopen(
                path: impl AsRef<std::path::Path>,
                opts: $crate::vtk::array::StoreOptions,
            ) -> $crate::error::Result<Self> {
                Ok($writer {
                    core: $crate::vtk::temporal::StepCore::reopen(path.as_ref(), opts)?,
                })
            }

            /// Steps in the file.
            pub fn steps(&self) -> u64 {
                self.core.steps()
            }

            /// Appends a step at `time`; the geometry is written when it
            /// differs from the previous step's, else reused. Commits.
            pub fn append_step(&mut self, time: f64, parts: &[$mesh]) -> $crate::error::Result<()> {
                self.core.append_step(time, parts)
            }

            /// Appends a step that reuses the previous step's geometry, with
            /// new arrays: `point_data[p]` and `cell_data[p]` for partition
            /// `p`, and the step's field data. Commits.
            pub fn append_step_fields(
                &mut self,
                time: f64,
                point_data: &[Vec<$crate::vtk::array::Array>],
                cell_data: &[Vec<$crate::vtk::array::Array>],
                field_data: &[$crate::vtk::array::Array],
            ) -> $crate::error::Result<()> {
                self.core
                    .append_step_fields(time, point_data, cell_data, field_data)
            }

            /// Commits and closes the file.
            pub fn close(self) -> $crate::error::Result<()> {
                self.core.close()
            }
        }
    };
}
pub(crate) use step_writer;
