//! OverlappingAMR (`vtkOverlappingAMR`): levels of uniform-grid blocks,
//! static or over time, written level by level and read back by level or by
//! block.
//!
//! Layout (VTKHDF specification, "Overlapping AMR" and "Temporal
//! OverlappingAMR"; measured against vtk 9.7.2):
//!
//! * `/VTKHDF` attributes `Version`, `Type` = `"OverlappingAMR"`, `Origin`
//!   (3 doubles: the global origin) and `GridDescription` (`"XYZ"`; VTK's
//!   reader ignores it).
//! * `LevelN` groups (`Level0`, `Level1`, ... counted until the first missing
//!   one), each with attribute `Spacing` (3 doubles) and, as the
//!   PythonAMRHDF writer does, `RefinementRatio` (an integer; VTK ignores
//!   it and derives ratios from the spacings).
//! * `LevelN/AMRBox`: `(blocks, 6)` integers, one row per block: the
//!   inclusive **cell** index bounds `[ilo, ihi, jlo, jhi, klo, khi]` on that
//!   level. A block's origin is `Origin + lo * Spacing`; it has
//!   `hi - lo + 1` cells and `hi - lo + 2` points per axis. VTK's data are
//!   3-D: every axis has at least one cell (`hi >= lo`).
//! * `LevelN/PointData/<a>`, `LevelN/CellData/<a>`: the arrays of every
//!   block of the level, concatenated in `AMRBox` row order, x fastest in
//!   each block. Every block of a level has the same arrays.
//! * `LevelN/FieldData/<a>`: level field data (written and read here; VTK's
//!   reader 9.7.2 ignores it).
//! * Over time (2.2/2.3): `Steps` with `NSteps` and `Values`, and per level
//!   `Steps/LevelN/NumberOfAMRBoxes` (blocks at each step),
//!   `Steps/LevelN/AMRBoxOffsets` (first `AMRBox` row of each step),
//!   `Steps/LevelN/PointDataOffsets/<a>` and `CellDataOffsets/<a>` (first
//!   tuple of each step). VTK reads these datasets whole, so they hold
//!   exactly `NSteps` entries, and an offsets dataset must exist for every
//!   array of every level. Spacings do not change over time.
//! * Names: 2.3 spells them as above; 2.2 used `NumberOfAMRBox`,
//!   `AMRBoxOffset`, `PointDataOffset` and `CellDataOffset`. VTK's reader
//!   takes the 2.2 names exactly when `Version` is `[2, 2]`. This module
//!   writes the 2.3 names with `Version` `[2, 3]` and reads both spellings
//!   whatever the `Version` says.
//!
//! Measured with vtk 9.7.2 and followed here:
//!
//! * the reader's array selection comes from `Level0`: on every level it
//!   reads only the arrays `Level0` has, so every level should carry the
//!   same arrays (PythonAMRHDF requires it too);
//! * at a step whose `Level0` data offsets repeat the previous step's, the
//!   reader drops Level0's arrays, so the writer stores array data at every
//!   step; repeated `AMRBoxOffsets` are read correctly and unchanged boxes
//!   are stored once.
//!
//! `Version` written: `[2, 0]` for static data, `[2, 3]` over time, `[2, 6]`
//! when an array carries an `Attribute` marker. After reading, VTK adds a
//! `vtkGhostType` cell array to every block (cells covered by a finer
//! level are blanked).

use super::array::{
    array_datasets, read_array_rows, read_arrays, read_values_rows, write_array, write_marker,
    Array, StoreOptions, Values,
};
use super::table::{
    append_chunk_rows, check_name, create_appendable, create_steps, offsets_dataset, push_i64,
    read_entry, read_steps, row_bytes,
};
use super::{DataType, Series};
use crate::error::{Error, Result};
use crate::hl::write::{DatasetWriter, FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};

/// `Version` of static data without `Attribute` markers.
pub const STATIC_VERSION: (i64, i64) = (2, 0);
/// `Version` of temporal data (the 2.3 offsets names).
pub const TEMPORAL_VERSION: (i64, i64) = (2, 3);
/// `Version` when an array carries a 2.6 `Attribute` marker.
pub const MARKER_VERSION: (i64, i64) = (2, 6);

/// One block: an AMR box and its arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct AmrBlock {
    /// Inclusive cell index bounds `[ilo, ihi, jlo, jhi, klo, khi]` on the
    /// block's level.
    pub amr_box: [i32; 6],
    /// Point arrays, `(ihi-ilo+2)(jhi-jlo+2)(khi-klo+2)` tuples each, x
    /// fastest.
    pub point_data: Vec<Array>,
    /// Cell arrays, `(ihi-ilo+1)(jhi-jlo+1)(khi-klo+1)` tuples each.
    pub cell_data: Vec<Array>,
}

/// One refinement level.
#[derive(Debug, Clone, PartialEq)]
pub struct AmrLevel {
    /// Cell size along x, y, z.
    pub spacing: [f64; 3],
    /// PythonAMRHDF's `RefinementRatio` attribute (ignored by VTK).
    pub refinement_ratio: Option<i64>,
    /// The blocks, in `AMRBox` order.
    pub blocks: Vec<AmrBlock>,
    /// `LevelN/FieldData` arrays (ignored by VTK's reader).
    pub field_data: Vec<Array>,
}

/// A `vtkOverlappingAMR`.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlappingAmr {
    /// The global origin (`Origin`).
    pub origin: [f64; 3],
    /// Levels from the coarsest (`Level0`).
    pub levels: Vec<AmrLevel>,
}

/// Cells per axis `[nx, ny, nz]` of an AMR box; an error when an axis has
/// `hi < lo` (VTK cannot read such a block).
pub fn box_cells(b: &[i32; 6]) -> Result<[u64; 3]> {
    let mut out = [0u64; 3];
    for (a, o) in out.iter_mut().enumerate() {
        let (lo, hi) = (i64::from(b[2 * a]), i64::from(b[2 * a + 1]));
        if hi < lo {
            return Err(Error::wrong_use(format!(
                "AMR box {b:?}: axis {a} has hi {hi} below lo {lo} (every axis needs a cell)"
            )));
        }
        *o = (hi - lo + 1) as u64;
    }
    Ok(out)
}

/// Number of (points, cells) of an AMR box.
pub fn box_sizes(b: &[i32; 6]) -> Result<(u64, u64)> {
    let c = box_cells(b)?;
    let cells = c[0]
        .checked_mul(c[1])
        .and_then(|x| x.checked_mul(c[2]))
        .ok_or_else(|| Error::limit(format!("AMR box {b:?} is too large")))?;
    let points = (c[0] + 1)
        .checked_mul(c[1] + 1)
        .and_then(|x| x.checked_mul(c[2] + 1))
        .ok_or_else(|| Error::limit(format!("AMR box {b:?} is too large")))?;
    Ok((points, cells))
}

impl AmrBlock {
    /// A block with no arrays.
    pub fn new(amr_box: [i32; 6]) -> Self {
        AmrBlock {
            amr_box,
            point_data: Vec::new(),
            cell_data: Vec::new(),
        }
    }

    /// Number of points.
    pub fn n_points(&self) -> Result<u64> {
        Ok(box_sizes(&self.amr_box)?.0)
    }

    /// Number of cells.
    pub fn n_cells(&self) -> Result<u64> {
        Ok(box_sizes(&self.amr_box)?.1)
    }

    /// Checks the box and that every array has one tuple per point or cell.
    pub fn check(&self) -> Result<()> {
        let (np, nc) = box_sizes(&self.amr_box)?;
        for (arrays, n, what) in [
            (&self.point_data, np, "point"),
            (&self.cell_data, nc, "cell"),
        ] {
            for (i, a) in arrays.iter().enumerate() {
                check_name(&a.name)?;
                if matches!(a.values, Values::Str(_)) {
                    return Err(Error::wrong_use(format!(
                        "AMR block {:?}: {what} array {:?} holds strings (VTK reads numbers only)",
                        self.amr_box, a.name
                    )));
                }
                if a.components == 0
                    || a.values.len() as u64 != n.saturating_mul(a.components as u64)
                {
                    return Err(Error::wrong_use(format!(
                        "AMR block {:?}: {what} array {:?} has {} values, expected {n} tuples of {} components",
                        self.amr_box,
                        a.name,
                        a.values.len(),
                        a.components
                    )));
                }
                if arrays[..i].iter().any(|b| b.name == a.name) {
                    return Err(Error::wrong_use(format!(
                        "AMR block {:?}: {what} array {:?} appears twice",
                        self.amr_box, a.name
                    )));
                }
            }
        }
        Ok(())
    }
}

/// What identifies an array across blocks: name, type, components.
#[derive(Debug, Clone, PartialEq)]
struct Sig {
    name: String,
    type_name: &'static str,
    components: usize,
}

fn sigs(arrays: &[Array]) -> Vec<Sig> {
    let mut v: Vec<Sig> = arrays
        .iter()
        .map(|a| Sig {
            name: a.name.clone(),
            type_name: a.values.type_name(),
            components: a.components,
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn has_marker(arrays: &[Array]) -> bool {
    arrays.iter().any(|a| a.attribute.is_some())
}

fn find<'a>(arrays: &'a [Array], name: &str) -> Option<&'a Array> {
    arrays.iter().find(|a| a.name == name)
}

/// Checks that every block has the arrays of the first one and
/// concatenates them per array (in the first block's order).
fn concat_level(
    path: &str,
    blocks: &[AmrBlock],
    pick: fn(&AmrBlock) -> &Vec<Array>,
) -> Result<Vec<Array>> {
    let Some(first) = blocks.first() else {
        return Ok(Vec::new());
    };
    let want = sigs(pick(first));
    let mut out: Vec<Array> = pick(first)
        .iter()
        .map(|a| Array {
            name: a.name.clone(),
            components: a.components,
            values: a.values.empty_like(),
            attribute: a.attribute.clone(),
        })
        .collect();
    for (i, b) in blocks.iter().enumerate() {
        if sigs(pick(b)) != want {
            return Err(Error::wrong_use(format!(
                "{path}: block {i} has arrays {:?}, block 0 has {:?} (every block of a level needs the same arrays)",
                sigs(pick(b)),
                want
            )));
        }
        for o in out.iter_mut() {
            if let Some(a) = find(pick(b), &o.name) {
                o.values.extend(&a.values)?;
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads the AMR data (every step) from the group holding its layout.
pub fn read(group: &Group) -> Result<Series<OverlappingAmr>> {
    AmrReader::open(group)?.read_all()
}

/// Reads the AMR data of `/VTKHDF`.
pub fn read_file(file: &File) -> Result<Series<OverlappingAmr>> {
    let (root, header) = super::read_header(file)?;
    if header.data_type != DataType::OverlappingAmr {
        return Err(Error::wrong_use(format!(
            "{}: Type is {}, not OverlappingAMR",
            root.path(),
            header.data_type.name()
        )));
    }
    read(&root)
}

/// Reads one level (of step 0 for temporal data).
pub fn read_level(group: &Group, level: usize) -> Result<AmrLevel> {
    AmrReader::open(group)?.level(0, level)
}

/// Reads one block (of step 0 for temporal data), reading only its rows.
pub fn read_block(group: &Group, level: usize, block: usize) -> Result<AmrBlock> {
    AmrReader::open(group)?.block(0, level, block)
}

#[derive(Debug)]
struct LevelMeta {
    group: Group,
    spacing: [f64; 3],
    refinement_ratio: Option<i64>,
    /// `Steps/LevelN` of temporal data.
    steps: Option<Group>,
}

/// Where one step of one level is: its boxes and each array's first tuple.
struct StepLevel {
    boxes: Vec<[i32; 6]>,
    /// (name, dataset, first tuple of the step, points or cells per box).
    arrays: Vec<(String, Dataset, u64, Vec<u64>)>,
    n_point_arrays: usize,
}

/// An AMR layout opened for reading by step, level and block.
#[derive(Debug)]
pub struct AmrReader {
    group: Group,
    origin: [f64; 3],
    levels: Vec<LevelMeta>,
    times: Option<Vec<f64>>,
}

fn attr_f64x3(g: &Group, name: &str) -> Result<[f64; 3]> {
    let a = g.attr(name).map_err(|e| {
        Error::new(
            e.kind(),
            format!(
                "{}: expected attribute {name} (3 numbers): {}",
                g.path(),
                e.message()
            ),
        )
    })?;
    let v: Vec<f64> = a.read().map_err(|e| super::array::at(g.path(), e))?;
    <[f64; 3]>::try_from(v.as_slice()).map_err(|_| {
        Error::malformed(
            0,
            format!(
                "{}: attribute {name}: expected 3 numbers, found {}",
                g.path(),
                v.len()
            ),
        )
    })
}

/// The first dataset of `names` that exists in `g`.
fn dataset_any(g: &Group, names: &[&str]) -> Result<Dataset> {
    for n in names {
        if let Ok(ds) = g.dataset(n) {
            return Ok(ds);
        }
    }
    Err(Error::malformed(
        0,
        format!(
            "{}: expected a dataset named {}",
            g.path(),
            names.join(" or ")
        ),
    ))
}

impl AmrReader {
    /// Opens the layout in `group` (reads only its attributes and step
    /// tables).
    pub fn open(group: &Group) -> Result<Self> {
        let origin = attr_f64x3(group, "Origin")?;
        let steps = group.group("Steps").ok();
        let times = match &steps {
            Some(s) => Some(read_steps(s)?.1),
            None => None,
        };
        let mut levels = Vec::new();
        while let Ok(g) = group.group(&format!("Level{}", levels.len())) {
            let spacing = attr_f64x3(&g, "Spacing")?;
            let refinement_ratio = match g.attr("RefinementRatio") {
                Ok(a) => a.read::<i64>().ok().and_then(|v| v.first().copied()),
                Err(_) => None,
            };
            let st = match &steps {
                Some(s) => Some(s.group(&format!("Level{}", levels.len())).map_err(|e| {
                    Error::new(
                        e.kind(),
                        format!(
                            "{}/Level{}: expected the step offsets of level {} ({})",
                            s.path(),
                            levels.len(),
                            levels.len(),
                            e.message()
                        ),
                    )
                })?),
                None => None,
            };
            levels.push(LevelMeta {
                group: g,
                spacing,
                refinement_ratio,
                steps: st,
            });
        }
        Ok(AmrReader {
            group: group.clone(),
            origin,
            levels,
            times,
        })
    }

    /// The global origin.
    pub fn origin(&self) -> [f64; 3] {
        self.origin
    }

    /// Number of levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Number of steps (1 for static data).
    pub fn n_steps(&self) -> usize {
        self.times.as_ref().map_or(1, Vec::len)
    }

    /// The times, `None` for static data.
    pub fn times(&self) -> Option<&[f64]> {
        self.times.as_deref()
    }

    /// The spacing of a level.
    pub fn spacing(&self, level: usize) -> Result<[f64; 3]> {
        Ok(self.meta(level)?.spacing)
    }

    fn meta(&self, level: usize) -> Result<&LevelMeta> {
        self.levels.get(level).ok_or_else(|| {
            Error::wrong_use(format!(
                "{}: level {level} asked for, there are {} levels",
                self.group.path(),
                self.levels.len()
            ))
        })
    }

    fn check_step(&self, step: usize) -> Result<()> {
        if step >= self.n_steps() {
            return Err(Error::wrong_use(format!(
                "{}: step {step} asked for, there are {} steps",
                self.group.path(),
                self.n_steps()
            )));
        }
        Ok(())
    }

    fn read_boxes(ds: &Dataset, start: u64, n: u64) -> Result<Vec<[i32; 6]>> {
        let shape = ds.shape();
        if shape.len() != 2 || shape[1] != 6 {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: expected (blocks, 6) integers, found shape {shape:?}",
                    ds.path()
                ),
            ));
        }
        let v = read_values_rows(ds, start, n)?;
        let v = v.to_i64().ok_or_else(|| {
            Error::malformed(
                0,
                format!("{}: expected integers, found {}", ds.path(), v.type_name()),
            )
        })?;
        v.chunks_exact(6)
            .enumerate()
            .map(|(i, r)| {
                let mut b = [0i32; 6];
                for (o, &x) in b.iter_mut().zip(r) {
                    *o = i32::try_from(x).map_err(|_| {
                        Error::malformed(
                            0,
                            format!(
                                "{}: row {}: {x} does not fit a 32-bit index",
                                ds.path(),
                                start + i as u64
                            ),
                        )
                    })?;
                }
                box_cells(&b).map_err(|e| {
                    Error::malformed(
                        0,
                        format!("{}: row {}: {}", ds.path(), start + i as u64, e.message()),
                    )
                })?;
                Ok(b)
            })
            .collect()
    }

    /// The AMR boxes of a level at a step.
    pub fn boxes(&self, step: usize, level: usize) -> Result<Vec<[i32; 6]>> {
        Ok(self.locate(step, level)?.boxes)
    }

    fn locate(&self, step: usize, level: usize) -> Result<StepLevel> {
        self.check_step(step)?;
        let m = self.meta(level)?;
        let amr_box = m.group.dataset("AMRBox").map_err(|e| {
            Error::new(
                e.kind(),
                format!(
                    "{}/AMRBox: expected the level's boxes ({})",
                    m.group.path(),
                    e.message()
                ),
            )
        })?;
        let (box_start, n_boxes) = match &m.steps {
            None => {
                let rows = amr_box.shape().first().copied().unwrap_or(0);
                (0, rows)
            }
            Some(st) => {
                let n = read_entry(
                    &dataset_any(st, &["NumberOfAMRBoxes", "NumberOfAMRBox"])?,
                    step,
                )?;
                let o = read_entry(&dataset_any(st, &["AMRBoxOffsets", "AMRBoxOffset"])?, step)?;
                (o, n)
            }
        };
        let boxes = Self::read_boxes(&amr_box, box_start, n_boxes)?;
        // Tuples before the step when an array has no offsets of its own:
        // the points/cells of the boxes stored before it.
        let mut before: Option<(u64, u64)> = None;
        let mut default_offset = |points: bool| -> Result<u64> {
            if before.is_none() {
                let earlier = Self::read_boxes(&amr_box, 0, box_start)?;
                let mut s = (0u64, 0u64);
                for b in &earlier {
                    let (p, c) = box_sizes(b)?;
                    s = (s.0.saturating_add(p), s.1.saturating_add(c));
                }
                before = Some(s);
            }
            let (p, c) = before.unwrap_or_default();
            Ok(if points { p } else { c })
        };
        let sizes: Vec<(u64, u64)> = boxes.iter().map(box_sizes).collect::<Result<_>>()?;
        let mut arrays = Vec::new();
        let mut n_point_arrays = 0;
        for (points, kind) in [(true, "PointData"), (false, "CellData")] {
            for (name, ds) in array_datasets(&m.group, kind)? {
                let start = match &m.steps {
                    None => 0,
                    Some(st) => {
                        let off = [
                            format!("{kind}Offsets/{name}"),
                            format!("{kind}Offset/{name}"),
                        ]
                        .iter()
                        .find_map(|p| st.dataset(p).ok());
                        match off {
                            Some(d) => read_entry(&d, step)?,
                            None => default_offset(points)?,
                        }
                    }
                };
                let per: Vec<u64> = sizes
                    .iter()
                    .map(|s| if points { s.0 } else { s.1 })
                    .collect();
                if points {
                    n_point_arrays += 1;
                }
                arrays.push((name, ds, start, per));
            }
        }
        Ok(StepLevel {
            boxes,
            arrays,
            n_point_arrays,
        })
    }

    /// One level of one step.
    pub fn level(&self, step: usize, level: usize) -> Result<AmrLevel> {
        let m = self.meta(level)?;
        let loc = self.locate(step, level)?;
        let mut blocks: Vec<AmrBlock> = loc.boxes.iter().map(|b| AmrBlock::new(*b)).collect();
        for (i, (name, ds, start, per)) in loc.arrays.iter().enumerate() {
            let total = per.iter().fold(0u64, |a, &b| a.saturating_add(b));
            let all = read_array_rows(ds, name, *start, total)?;
            let mut at = 0usize;
            for (b, &n) in blocks.iter_mut().zip(per) {
                let part = all.slice_tuples(at, n as usize);
                at += n as usize;
                if i < loc.n_point_arrays {
                    b.point_data.push(part);
                } else {
                    b.cell_data.push(part);
                }
            }
        }
        Ok(AmrLevel {
            spacing: m.spacing,
            refinement_ratio: m.refinement_ratio,
            blocks,
            field_data: read_arrays(&m.group, "FieldData", 1)?,
        })
    }

    /// One block of one level of one step, reading only its rows.
    pub fn block(&self, step: usize, level: usize, block: usize) -> Result<AmrBlock> {
        let loc = self.locate(step, level)?;
        let Some(b) = loc.boxes.get(block) else {
            return Err(Error::wrong_use(format!(
                "{}/Level{level}: block {block} asked for, the level has {} blocks at step {step}",
                self.group.path(),
                loc.boxes.len()
            )));
        };
        let mut out = AmrBlock::new(*b);
        for (i, (name, ds, start, per)) in loc.arrays.iter().enumerate() {
            let first = per[..block]
                .iter()
                .fold(*start, |a, &b| a.saturating_add(b));
            let a = read_array_rows(ds, name, first, per[block])?;
            if i < loc.n_point_arrays {
                out.point_data.push(a);
            } else {
                out.cell_data.push(a);
            }
        }
        Ok(out)
    }

    /// Every level of one step.
    pub fn step(&self, step: usize) -> Result<OverlappingAmr> {
        Ok(OverlappingAmr {
            origin: self.origin,
            levels: (0..self.levels.len())
                .map(|l| self.level(step, l))
                .collect::<Result<_>>()?,
        })
    }

    /// Every step.
    pub fn read_all(&self) -> Result<Series<OverlappingAmr>> {
        Ok(Series {
            times: self.times.clone(),
            steps: (0..self.n_steps())
                .map(|s| self.step(s))
                .collect::<Result<_>>()?,
        })
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Writes AMR data (static, or every step) into `group`, which must be new
/// and empty: sets `Type`, `Version` and `Origin` and writes the layout.
pub fn write(
    group: &GroupWriter,
    data: &Series<OverlappingAmr>,
    opts: &StoreOptions,
) -> Result<()> {
    match &data.times {
        None => {
            let [amr] = data.steps.as_slice() else {
                return Err(Error::wrong_use(format!(
                    "{}: static data holds exactly one step, {} given",
                    group.path(),
                    data.steps.len()
                )));
            };
            let mut w = AmrWriter::create(group, amr.origin, opts)?;
            for l in &amr.levels {
                w.write_level(l)?;
            }
            Ok(())
        }
        Some(times) => {
            if times.len() != data.steps.len() || times.is_empty() {
                return Err(Error::wrong_use(format!(
                    "{}: {} times for {} steps (at least one step needed)",
                    group.path(),
                    times.len(),
                    data.steps.len()
                )));
            }
            let first = &data.steps[0];
            let levels: Vec<([f64; 3], Option<i64>)> = first
                .levels
                .iter()
                .map(|l| (l.spacing, l.refinement_ratio))
                .collect();
            let mut w = AmrStepWriter::create(group, first.origin, &levels, opts)?;
            for (t, s) in times.iter().zip(&data.steps) {
                w.add_step(*t, s)?;
            }
            Ok(())
        }
    }
}

/// Writes AMR data as `/VTKHDF` of a new file.
pub fn write_file(
    file: &FileWriter,
    data: &Series<OverlappingAmr>,
    opts: &StoreOptions,
) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}

fn set_header(group: &GroupWriter, version: (i64, i64), origin: [f64; 3]) -> Result<()> {
    group.set_attr("Version", &[version.0, version.1])?;
    group.set_attr_str("Type", DataType::OverlappingAmr.name())?;
    group.set_attr("Origin", &origin)?;
    group.set_attr_str("GridDescription", "XYZ")
}

fn level_group(
    parent: &GroupWriter,
    index: usize,
    spacing: [f64; 3],
    ratio: Option<i64>,
) -> Result<GroupWriter> {
    let g = parent.create_group(&format!("Level{index}"))?;
    g.set_attr("Spacing", &spacing)?;
    if let Some(r) = ratio {
        g.set_attr("RefinementRatio", &[r])?;
    }
    Ok(g)
}

/// `LevelN` to be written block by block: the group, its empty
/// appendable `AMRBox` and its `PointData`, `CellData` and `FieldData`
/// groups.
fn growing_level(
    parent: &GroupWriter,
    index: usize,
    spacing: [f64; 3],
    ratio: Option<i64>,
) -> Result<(GroupWriter, DatasetWriter, [GroupWriter; 3])> {
    let g = level_group(parent, index, spacing, ratio)?;
    let amr_box = create_appendable(
        &g,
        "AMRBox",
        &Values::I32(Vec::new()),
        6,
        64,
        &StoreOptions::plain(),
    )?;
    let subs = [
        g.create_group("PointData")?,
        g.create_group("CellData")?,
        g.create_group("FieldData")?,
    ];
    Ok((g, amr_box, subs))
}

fn check_blocks(path: &str, blocks: &[AmrBlock]) -> Result<()> {
    for (i, b) in blocks.iter().enumerate() {
        b.check()
            .map_err(|e| Error::new(e.kind(), format!("{path}: block {i}: {}", e.message())))?;
    }
    Ok(())
}

/// Writes static AMR data level by level. [`add_level`](Self::add_level)
/// writes a whole level at once; [`level`](Self::level) returns a
/// [`LevelWriter`] that takes the blocks one at a time, so only one block
/// needs to be in memory.
pub struct AmrWriter {
    group: GroupWriter,
    opts: StoreOptions,
    n_levels: usize,
    origin: [f64; 3],
    markers: bool,
}

impl std::fmt::Debug for AmrWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AmrWriter({}, {} levels)",
            self.group.path(),
            self.n_levels
        )
    }
}

impl AmrWriter {
    /// Starts static AMR data in `group` (new and empty): sets `Type`,
    /// `Version`, `Origin` and `GridDescription`.
    pub fn create(group: &GroupWriter, origin: [f64; 3], opts: &StoreOptions) -> Result<Self> {
        set_header(group, STATIC_VERSION, origin)?;
        Ok(AmrWriter {
            group: group.clone(),
            opts: *opts,
            n_levels: 0,
            origin,
            markers: false,
        })
    }

    /// Starts static AMR data as `/VTKHDF` of a new file.
    pub fn create_file(file: &FileWriter, origin: [f64; 3], opts: &StoreOptions) -> Result<Self> {
        let root = file.root().create_group_tracked("VTKHDF")?;
        Self::create(&root, origin, opts)
    }

    /// The origin.
    pub fn origin(&self) -> [f64; 3] {
        self.origin
    }

    /// Levels written so far.
    pub fn n_levels(&self) -> usize {
        self.n_levels
    }

    fn note_markers(&mut self, arrays: &[Array]) -> Result<()> {
        if !self.markers && has_marker(arrays) {
            self.markers = true;
            self.group
                .set_attr("Version", &[MARKER_VERSION.0, MARKER_VERSION.1])?;
        }
        Ok(())
    }

    /// Writes the next level with all its blocks.
    pub fn add_level(
        &mut self,
        spacing: [f64; 3],
        refinement_ratio: Option<i64>,
        blocks: &[AmrBlock],
    ) -> Result<()> {
        self.write_level(&AmrLevel {
            spacing,
            refinement_ratio,
            blocks: blocks.to_vec(),
            field_data: Vec::new(),
        })
    }

    /// Writes the next level (blocks and field data).
    pub fn write_level(&mut self, level: &AmrLevel) -> Result<()> {
        let path = format!("{}/Level{}", self.group.path(), self.n_levels);
        check_blocks(&path, &level.blocks)?;
        let point = concat_level(&path, &level.blocks, |b| &b.point_data)?;
        let cell = concat_level(&path, &level.blocks, |b| &b.cell_data)?;
        self.note_markers(&point)?;
        self.note_markers(&cell)?;
        self.note_markers(&level.field_data)?;
        let g = level_group(
            &self.group,
            self.n_levels,
            level.spacing,
            level.refinement_ratio,
        )?;
        let boxes: Vec<i32> = level.blocks.iter().flat_map(|b| b.amr_box).collect();
        let ds = g
            .new_dataset::<i32>("AMRBox", &[level.blocks.len() as u64, 6])
            .create()?;
        if !boxes.is_empty() {
            ds.write(&boxes)?;
        }
        for (name, arrays) in [("PointData", &point), ("CellData", &cell)] {
            let pg = g.create_group(name)?;
            for a in arrays {
                write_array(&pg, a, &self.opts, false)?;
            }
        }
        let fg = g.create_group("FieldData")?;
        for a in &level.field_data {
            check_name(&a.name)?;
            write_array(&fg, a, &self.opts, false)?;
        }
        self.n_levels += 1;
        Ok(())
    }

    /// Starts the next level, whose blocks are then added one at a time.
    pub fn level(
        &mut self,
        spacing: [f64; 3],
        refinement_ratio: Option<i64>,
    ) -> Result<LevelWriter<'_>> {
        let (g, amr_box, [point_group, cell_group, field_group]) =
            growing_level(&self.group, self.n_levels, spacing, refinement_ratio)?;
        self.n_levels += 1;
        Ok(LevelWriter {
            parent: self,
            group: g,
            amr_box,
            point_group,
            cell_group,
            field_group,
            point: None,
            cell: Vec::new(),
            n_blocks: 0,
        })
    }
}

/// Adds the blocks of one level one at a time (see [`AmrWriter::level`]);
/// the block data go straight to appendable datasets.
pub struct LevelWriter<'a> {
    parent: &'a mut AmrWriter,
    group: GroupWriter,
    amr_box: DatasetWriter,
    point_group: GroupWriter,
    cell_group: GroupWriter,
    field_group: GroupWriter,
    /// Point then cell array datasets, once the first block is known.
    point: Option<Vec<(Sig, DatasetWriter)>>,
    cell: Vec<(Sig, DatasetWriter)>,
    n_blocks: usize,
}

impl std::fmt::Debug for LevelWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LevelWriter({}, {} blocks)",
            self.group.path(),
            self.n_blocks
        )
    }
}

impl LevelWriter<'_> {
    /// Blocks added so far.
    pub fn n_blocks(&self) -> usize {
        self.n_blocks
    }

    /// Appends one block (its arrays must match the first block's).
    pub fn add_block(&mut self, block: &AmrBlock) -> Result<()> {
        let path = self.group.path().to_string();
        block.check().map_err(|e| {
            Error::new(
                e.kind(),
                format!("{path}: block {}: {}", self.n_blocks, e.message()),
            )
        })?;
        match &self.point {
            None => {
                self.parent.note_markers(&block.point_data)?;
                self.parent.note_markers(&block.cell_data)?;
                let opts = self.parent.opts;
                let mk = |g: &GroupWriter, arrays: &[Array]| -> Result<Vec<(Sig, DatasetWriter)>> {
                    let mut out = Vec::new();
                    for a in arrays {
                        let chunk = append_chunk_rows(&opts, row_bytes(&a.values, a.components));
                        let ds =
                            create_appendable(g, &a.name, &a.values, a.components, chunk, &opts)?;
                        write_marker(&ds, a)?;
                        out.push((
                            Sig {
                                name: a.name.clone(),
                                type_name: a.values.type_name(),
                                components: a.components,
                            },
                            ds,
                        ));
                    }
                    Ok(out)
                };
                self.cell = mk(&self.cell_group, &block.cell_data)?;
                self.point = Some(mk(&self.point_group, &block.point_data)?);
            }
            Some(point) => {
                for (have, arrays, what) in [
                    (point, &block.point_data, "point"),
                    (&self.cell, &block.cell_data, "cell"),
                ] {
                    let mut want: Vec<Sig> = have.iter().map(|(s, _)| s.clone()).collect();
                    want.sort_by(|a, b| a.name.cmp(&b.name));
                    if sigs(arrays) != want {
                        return Err(Error::wrong_use(format!(
                            "{path}: block {} has {what} arrays {:?}, block 0 has {want:?} (every block of a level needs the same arrays)",
                            self.n_blocks,
                            sigs(arrays)
                        )));
                    }
                    for (s, ds) in have {
                        if let Some(a) = find(arrays, &s.name) {
                            super::array::append_values(ds, &a.values)?;
                        }
                    }
                }
            }
        }
        super::array::append_values(&self.amr_box, &Values::I32(block.amr_box.to_vec()))?;
        self.n_blocks += 1;
        Ok(())
    }

    /// Writes the level's field data (ignored by VTK's reader).
    pub fn set_field_data(&mut self, arrays: &[Array]) -> Result<()> {
        self.parent.note_markers(arrays)?;
        for a in arrays {
            check_name(&a.name)?;
            write_array(&self.field_group, a, &self.parent.opts, false)?;
        }
        Ok(())
    }

    /// Ends the level.
    pub fn finish(self) -> Result<()> {
        Ok(())
    }
}

/// Per array of a temporal level.
struct StepArray {
    sig: Sig,
    empty: Values,
    attribute: Option<String>,
    data: Option<DatasetWriter>,
    offsets: DatasetWriter,
    len: u64,
}

struct StepLevelState {
    group: GroupWriter,
    spacing: [f64; 3],
    amr_box: DatasetWriter,
    n_boxes: DatasetWriter,
    box_offsets: DatasetWriter,
    point_offsets: GroupWriter,
    cell_offsets: GroupWriter,
    prev_boxes: Option<Vec<[i32; 6]>>,
    prev_box_offset: u64,
    box_rows: u64,
    /// (point arrays, cell arrays) once a step with blocks is seen.
    arrays: Option<(Vec<StepArray>, Vec<StepArray>)>,
}

/// Writes AMR data over time, one step at a time (VTKHDF 2.3 names). Each
/// [`add_step`](Self::add_step) appends the step's boxes, arrays and
/// offsets; flush the file ([`FileWriter::flush`]) after a step to make it
/// durable. Boxes equal to the previous step's are stored once (their
/// offsets repeat); array data are written at every step (vtk 9.7.2 loses
/// Level0's arrays at a step whose data offsets repeat). Every step has the levels and spacings given at
/// creation; a level's blocks always carry the same arrays.
pub struct AmrStepWriter {
    group: GroupWriter,
    opts: StoreOptions,
    origin: [f64; 3],
    steps: GroupWriter,
    values: DatasetWriter,
    levels: Vec<StepLevelState>,
    n: usize,
    markers: bool,
}

impl std::fmt::Debug for AmrStepWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AmrStepWriter({}, {} steps)", self.group.path(), self.n)
    }
}

impl AmrStepWriter {
    /// Starts temporal AMR data in `group` (new and empty) with these levels
    /// (spacing, refinement ratio).
    pub fn create(
        group: &GroupWriter,
        origin: [f64; 3],
        levels: &[([f64; 3], Option<i64>)],
        opts: &StoreOptions,
    ) -> Result<Self> {
        set_header(group, TEMPORAL_VERSION, origin)?;
        let (steps, values) = create_steps(group)?;
        let mut states = Vec::new();
        for (i, (spacing, ratio)) in levels.iter().enumerate() {
            let (g, amr_box, _) = growing_level(group, i, *spacing, *ratio)?;
            let sg = steps.create_group(&format!("Level{i}"))?;
            states.push(StepLevelState {
                n_boxes: offsets_dataset(&sg, "NumberOfAMRBoxes", &[])?,
                box_offsets: offsets_dataset(&sg, "AMRBoxOffsets", &[])?,
                point_offsets: sg.create_group("PointDataOffsets")?,
                cell_offsets: sg.create_group("CellDataOffsets")?,
                group: g,
                spacing: *spacing,
                amr_box,
                prev_boxes: None,
                prev_box_offset: 0,
                box_rows: 0,
                arrays: None,
            });
        }
        Ok(AmrStepWriter {
            group: group.clone(),
            opts: *opts,
            origin,
            steps,
            values,
            levels: states,
            n: 0,
            markers: false,
        })
    }

    /// Starts temporal AMR data as `/VTKHDF` of a new file.
    pub fn create_file(
        file: &FileWriter,
        origin: [f64; 3],
        levels: &[([f64; 3], Option<i64>)],
        opts: &StoreOptions,
    ) -> Result<Self> {
        let root = file.root().create_group_tracked("VTKHDF")?;
        Self::create(&root, origin, levels, opts)
    }

    /// Steps written so far.
    pub fn n_steps(&self) -> usize {
        self.n
    }

    /// Appends one step.
    pub fn add_step(&mut self, time: f64, amr: &OverlappingAmr) -> Result<()> {
        let path = self.group.path().to_string();
        if amr.origin != self.origin {
            return Err(Error::wrong_use(format!(
                "{path}: step {} has origin {:?}, the data has {:?} (the origin does not change over time)",
                self.n, amr.origin, self.origin
            )));
        }
        if amr.levels.len() != self.levels.len() {
            return Err(Error::wrong_use(format!(
                "{path}: step {} has {} levels, expected {}",
                self.n,
                amr.levels.len(),
                self.levels.len()
            )));
        }
        // Check everything before writing anything.
        let mut concat = Vec::with_capacity(amr.levels.len());
        for (i, (l, st)) in amr.levels.iter().zip(&self.levels).enumerate() {
            let lp = format!("{path}/Level{i}");
            if l.spacing != st.spacing {
                return Err(Error::wrong_use(format!(
                    "{lp}: step {} has spacing {:?}, expected {:?} (spacings do not change over time)",
                    self.n, l.spacing, st.spacing
                )));
            }
            if !l.field_data.is_empty() {
                return Err(Error::unsupported(
                    0,
                    format!(
                        "{lp}: level field data over time is not written (VTK's reader ignores it)"
                    ),
                ));
            }
            check_blocks(&lp, &l.blocks)?;
            let point = concat_level(&lp, &l.blocks, |b| &b.point_data)?;
            let cell = concat_level(&lp, &l.blocks, |b| &b.cell_data)?;
            if let (Some((p, c)), false) = (&st.arrays, l.blocks.is_empty()) {
                let have = |v: &Vec<StepArray>| {
                    let mut s: Vec<Sig> = v.iter().map(|a| a.sig.clone()).collect();
                    s.sort_by(|a, b| a.name.cmp(&b.name));
                    s
                };
                if sigs(&point) != have(p) || sigs(&cell) != have(c) {
                    return Err(Error::wrong_use(format!(
                        "{lp}: step {} has arrays {:?} / {:?}, earlier steps {:?} / {:?} (a level keeps its arrays over time)",
                        self.n,
                        sigs(&point),
                        sigs(&cell),
                        have(p),
                        have(c)
                    )));
                }
            }
            concat.push((point, cell));
        }
        for (point, cell) in &concat {
            if !self.markers && (has_marker(point) || has_marker(cell)) {
                self.markers = true;
                self.group
                    .set_attr("Version", &[MARKER_VERSION.0, MARKER_VERSION.1])?;
            }
        }
        let n = self.n;
        let opts = self.opts;
        for ((l, st), (point, cell)) in amr.levels.iter().zip(&mut self.levels).zip(concat) {
            // Boxes.
            let boxes: Vec<[i32; 6]> = l.blocks.iter().map(|b| b.amr_box).collect();
            let box_offset = if st.prev_boxes.as_ref() == Some(&boxes) {
                st.prev_box_offset
            } else {
                let at = st.box_rows;
                let flat: Vec<i32> = boxes.iter().flatten().copied().collect();
                super::array::append_values(&st.amr_box, &Values::I32(flat))?;
                st.box_rows += boxes.len() as u64;
                st.prev_boxes = Some(boxes.clone());
                at
            };
            st.prev_box_offset = box_offset;
            push_i64(&st.n_boxes, boxes.len() as i64)?;
            push_i64(&st.box_offsets, box_offset as i64)?;
            // Arrays.
            if st.arrays.is_none() && !l.blocks.is_empty() {
                let mk = |g: &GroupWriter, arrays: &[Array]| -> Result<Vec<StepArray>> {
                    arrays
                        .iter()
                        .map(|a| {
                            Ok(StepArray {
                                sig: Sig {
                                    name: a.name.clone(),
                                    type_name: a.values.type_name(),
                                    components: a.components,
                                },
                                empty: a.values.empty_like(),
                                attribute: a.attribute.clone(),
                                data: None,
                                // Steps before this one had no blocks here.
                                offsets: offsets_dataset(g, &a.name, &vec![0; n])?,
                                len: 0,
                            })
                        })
                        .collect()
                };
                st.arrays = Some((mk(&st.point_offsets, &point)?, mk(&st.cell_offsets, &cell)?));
            }
            let Some((pa, ca)) = st.arrays.as_mut() else {
                continue;
            };
            for (states, given, kind) in [(pa, &point, "PointData"), (ca, &cell, "CellData")] {
                let data_group = st.group.group(kind)?;
                for sa in states.iter_mut() {
                    let values = find(given, &sa.sig.name)
                        .map(|a| a.values.clone())
                        .unwrap_or_else(|| sa.empty.clone());
                    // Written every step: vtk 9.7.2 drops Level0's arrays
                    // at a step whose data offsets repeat the previous
                    // step's (measured), so array data are never shared.
                    let offset = sa.len;
                    match &sa.data {
                        Some(ds) => super::array::append_values(ds, &values)?,
                        None => {
                            let chunk =
                                append_chunk_rows(&opts, row_bytes(&values, sa.sig.components));
                            let ds = create_appendable(
                                &data_group,
                                &sa.sig.name,
                                &values,
                                sa.sig.components,
                                chunk,
                                &opts,
                            )?;
                            if let Some(m) = &sa.attribute {
                                ds.set_attr_str("Attribute", m)?;
                            }
                            sa.data = Some(ds);
                        }
                    }
                    sa.len += (values.len() / sa.sig.components.max(1)) as u64;
                    push_i64(&sa.offsets, offset as i64)?;
                }
            }
        }
        super::array::append_values(&self.values, &Values::F64(vec![time]))?;
        self.n += 1;
        self.steps.set_attr("NSteps", &[self.n as i64])?;
        Ok(())
    }
}
