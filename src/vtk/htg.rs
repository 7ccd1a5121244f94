//! HyperTreeGrid (VTKHDF 2.4): a grid of trees, each tree refining one
//! cell of a rectilinear grid level by level.
//!
//! Layout (VTKHDF specification, section "HyperTreeGrid"; temporal data in
//! section "Temporal Data"):
//!
//! * attributes `BranchFactor` (children per axis of a refined cell),
//!   `Dimensions` (grid points per axis: `(N-1)(M-1)(P-1)` trees, an axis of
//!   size 1 counting one tree row), optional `TransposedRootIndexing`,
//!   `InterfaceInterceptsName` and `InterfaceNormalsName`;
//! * `XCoordinates`, `YCoordinates`, `ZCoordinates`: `Dimensions[i]` values
//!   per part;
//! * per part (one row each): `NumberOfTrees`, `NumberOfDepths`,
//!   `NumberOfCells`, `DescriptorsSize` (in **bits**);
//! * per tree: `TreeIds`, `DepthPerTree`; per tree depth:
//!   `NumberOfCellsPerTreeDepth`;
//! * `Descriptors`: packed bits (most significant bit first), one bit per
//!   cell of each tree in breadth-first order except the tree's deepest
//!   level, 1 = refined; the trees of a part follow each other bit by bit
//!   and every part starts on a new byte;
//! * `Mask` (optional): packed bits the same way, one per cell, 1 = masked;
//! * `CellData/*`: one tuple per cell, breadth-first per tree, trees in
//!   `TreeIds` order, parts one after the other; there is no point data;
//! * `FieldData/*`.
//!
//! Temporal data adds `Steps` with `NSteps`, `Values`, `NumberOfParts`, the
//! nine offsets `TreeIdsOffsets`, `DepthPerTreeOffsets`,
//! `NumberOfCellsPerTreeDepthOffsets`, `DescriptorsOffsets` and
//! `MaskOffsets` (both in bytes), `XCoordinatesOffsets`,
//! `YCoordinatesOffsets`, `ZCoordinatesOffsets`, `PartOffsets`, and
//! `CellDataOffsets/<name>`, `FieldDataOffsets/<name>`,
//! `FieldDataSizes/<name>`. VTK's reader requires all nine geometry offsets
//! (the specification's figure omits `DepthPerTreeOffsets`). Part `p` of
//! step `s` reads its rows at the step's offset plus the sizes of the
//! step's earlier parts; coordinates at `XCoordinatesOffsets[s] +
//! p * Dimensions[0]`. Data equal to the previous step's is stored once and
//! its offsets repeat.
//!
//! Model: [`read`] gives one [`HyperTreeGrid`] per partition and step.
//! Attributes (`BranchFactor`, `Dimensions`, root indexing, interface
//! names) are shared by the whole file, so [`write`](fn@write) requires them equal in
//! every partition and step, and the cell arrays too (one dataset each).
//! `Mask` is one dataset for the whole file: when any tree has a mask,
//! every tree is stored with one (unmasked where it had none) and reads
//! back with `Some`; without a `Mask` dataset every tree reads back with
//! `None`. Field data is stored once per step: the model keeps it in the
//! first partition (VTK puts it on the `vtkPartitionedDataSet` when there
//! are several). Missing `CellDataOffsets/<name>` read as 0, as in VTK.

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};
use crate::read::selection::Hyperslab;

use super::array::{
    append_values, array_datasets, read_array, read_array_rows, read_values_rows,
    unstructured_shape, write_marker, write_values, Array, StoreOptions, Values,
};
use super::{read_header, DataType, Series, ROOT};

/// One tree of a HyperTreeGrid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HyperTree {
    /// Index of the tree's root cell in the grid.
    pub tree_id: i64,
    /// Refinement bits of the tree's cells in breadth-first order, 1 =
    /// refined, without the deepest level (whose cells are never refined).
    pub descriptor: Vec<bool>,
    /// Cells at each depth, root level first (`[1]` for a lone root).
    pub cells_per_depth: Vec<i64>,
    /// Masked cells (true = masked) in breadth-first order, one per cell.
    pub mask: Option<Vec<bool>>,
}

impl HyperTree {
    /// A tree that is only its root cell.
    pub fn root(tree_id: i64) -> Self {
        HyperTree {
            tree_id,
            descriptor: Vec::new(),
            cells_per_depth: vec![1],
            mask: None,
        }
    }

    /// A tree from its descriptor (breadth-first refinement bits without
    /// the deepest level) with `children` children per refined cell; the
    /// descriptor must end at the end of a level.
    pub fn from_descriptor(tree_id: i64, descriptor: Vec<bool>, children: u64) -> Result<Self> {
        let cells_per_depth = levels_of(&descriptor, children)
            .map_err(|m| Error::wrong_use(format!("tree {tree_id}: {m}")))?;
        Ok(HyperTree {
            tree_id,
            descriptor,
            cells_per_depth,
            mask: None,
        })
    }

    /// Number of levels.
    pub fn depth(&self) -> usize {
        self.cells_per_depth.len()
    }

    /// Number of cells (sum of the cells per depth).
    pub fn cells(&self) -> u64 {
        self.cells_per_depth.iter().map(|&c| c.max(0) as u64).sum()
    }

    /// Checks the descriptor against the cells per depth and the mask
    /// against the cells.
    fn check(&self, children: u64) -> std::result::Result<(), String> {
        let levels = levels_of(&self.descriptor, children)?;
        if levels != self.cells_per_depth {
            return Err(format!(
                "tree {}: the descriptor of {} bits describes cells per depth {levels:?}, \
                 not {:?}",
                self.tree_id,
                self.descriptor.len(),
                self.cells_per_depth
            ));
        }
        if let Some(m) = &self.mask {
            if m.len() as u64 != self.cells() {
                return Err(format!(
                    "tree {}: {} mask bits for {} cells",
                    self.tree_id,
                    m.len(),
                    self.cells()
                ));
            }
        }
        Ok(())
    }
}

/// Cells per depth described by a breadth-first descriptor.
fn levels_of(descriptor: &[bool], children: u64) -> std::result::Result<Vec<i64>, String> {
    let mut levels = vec![1i64];
    let mut pos = 0usize;
    while pos < descriptor.len() {
        let n = *levels.last().unwrap_or(&0) as usize;
        if n == 0 || pos + n > descriptor.len() {
            return Err(format!(
                "the descriptor of {} bits ends inside level {} ({n} cells from bit {pos})",
                descriptor.len(),
                levels.len() - 1
            ));
        }
        let ones = descriptor[pos..pos + n].iter().filter(|&&b| b).count() as u64;
        let next = ones
            .checked_mul(children)
            .and_then(|c| i64::try_from(c).ok())
            .ok_or("cell count overflow")?;
        levels.push(next);
        pos += n;
    }
    Ok(levels)
}

/// One partition of a HyperTreeGrid at one time step.
#[derive(Debug, Clone, PartialEq)]
pub struct HyperTreeGrid {
    /// Children per axis of a refined cell (2 or 3 in VTK).
    pub branch_factor: i64,
    /// Grid points per axis.
    pub dimensions: [i64; 3],
    /// `TransposedRootIndexing`: root cells indexed with the first axis
    /// slowest.
    pub transposed_root_indexing: bool,
    /// Point coordinates along x (`dimensions[0]` values).
    pub x: Values,
    /// Point coordinates along y (`dimensions[1]` values).
    pub y: Values,
    /// Point coordinates along z (`dimensions[2]` values).
    pub z: Values,
    /// The trees present, in the order their data is stored.
    pub trees: Vec<HyperTree>,
    /// Cell arrays: one tuple per cell, breadth-first per tree, trees in
    /// `trees` order.
    pub cell_data: Vec<Array>,
    /// Field arrays (stored once for all partitions: only the first
    /// partition of a step carries them).
    pub field_data: Vec<Array>,
    /// `InterfaceInterceptsName`: the cell array of interface intercepts.
    pub interface_intercepts_name: Option<String>,
    /// `InterfaceNormalsName`: the cell array of interface normals.
    pub interface_normals_name: Option<String>,
}

impl HyperTreeGrid {
    /// A grid without trees or arrays, with coordinates `0, 1, 2...` along
    /// each axis.
    pub fn new(branch_factor: i64, dimensions: [i64; 3]) -> Self {
        let axis = |n: i64| Values::F64((0..n.max(0)).map(|i| i as f64).collect());
        HyperTreeGrid {
            branch_factor,
            dimensions,
            transposed_root_indexing: false,
            x: axis(dimensions[0]),
            y: axis(dimensions[1]),
            z: axis(dimensions[2]),
            trees: Vec::new(),
            cell_data: Vec::new(),
            field_data: Vec::new(),
            interface_intercepts_name: None,
            interface_normals_name: None,
        }
    }

    /// Number of axes with more than one point.
    pub fn dimension(&self) -> u32 {
        self.dimensions.iter().filter(|&&d| d > 1).count() as u32
    }

    /// Children of a refined cell: `branch_factor ^ dimension`.
    pub fn children_per_cell(&self) -> u64 {
        (self.branch_factor.max(0) as u64).saturating_pow(self.dimension())
    }

    /// Number of root cells (possible trees) of the grid.
    pub fn max_trees(&self) -> u64 {
        self.dimensions
            .iter()
            .map(|&d| (d - 1).max(1) as u64)
            .fold(1u64, |a, b| a.saturating_mul(b))
    }

    /// Number of cells of all trees.
    pub fn cells(&self) -> u64 {
        self.trees.iter().map(HyperTree::cells).sum()
    }

    /// Checks that sizes agree; `what` names the partition in errors.
    fn check(&self, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::wrong_use(format!("{what}: {m}")));
        if self.branch_factor < 2 {
            return bad(format!(
                "branch factor {} (need 2 or more)",
                self.branch_factor
            ));
        }
        if self.dimensions.iter().any(|&d| d < 1) {
            return bad(format!("dimensions {:?} (need 1 or more)", self.dimensions));
        }
        for (axis, c, d) in [
            ("x", &self.x, self.dimensions[0]),
            ("y", &self.y, self.dimensions[1]),
            ("z", &self.z, self.dimensions[2]),
        ] {
            if c.len() as i64 != d || matches!(c, Values::Str(_)) {
                return bad(format!(
                    "{} {axis} coordinates of type {} for dimension {d}",
                    c.len(),
                    c.type_name()
                ));
            }
        }
        let children = self.children_per_cell();
        let max = self.max_trees();
        let mut seen = std::collections::HashSet::new();
        for t in &self.trees {
            if t.tree_id < 0 || t.tree_id as u64 >= max {
                return bad(format!(
                    "tree id {} outside the grid's {max} trees",
                    t.tree_id
                ));
            }
            if !seen.insert(t.tree_id) {
                return bad(format!("tree id {} appears twice", t.tree_id));
            }
            t.check(children).or_else(&bad)?;
        }
        let cells = self.cells();
        for a in &self.cell_data {
            if a.components == 0
                || a.values.len() as u64 != cells.saturating_mul(a.components as u64)
                || matches!(a.values, Values::Str(_))
            {
                return bad(format!(
                    "cell array {:?} has {} {} values with {} components for {cells} cells",
                    a.name,
                    a.values.len(),
                    a.values.type_name(),
                    a.components
                ));
            }
        }
        for a in &self.field_data {
            if a.components == 0 || a.values.len() % a.components != 0 {
                return bad(format!(
                    "field array {:?} has {} values with {} components",
                    a.name,
                    a.values.len(),
                    a.components
                ));
            }
        }
        Ok(())
    }

    /// The attributes shared by every partition and step.
    fn header(&self) -> Header {
        Header {
            branch_factor: self.branch_factor,
            dimensions: self.dimensions,
            transposed: self.transposed_root_indexing,
            intercepts: self.interface_intercepts_name.clone(),
            normals: self.interface_normals_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Header {
    branch_factor: i64,
    dimensions: [i64; 3],
    transposed: bool,
    intercepts: Option<String>,
    normals: Option<String>,
}

// ---------------------------------------------------------------------------
// Reading

fn malformed(path: &str, m: impl std::fmt::Display) -> Error {
    Error::malformed(0, format!("{path}: {m}"))
}

fn with_path(path: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{path}: {}", e.message()))
}

/// An integer attribute of any numeric type, as `n` values (1 for a
/// scalar).
fn int_attr(group: &Group, name: &str) -> Result<Option<Vec<i64>>> {
    let path = format!("{}/@{name}", group.path());
    let Ok(a) = group.attr(name) else {
        return Ok(None);
    };
    let v: Vec<f64> = a.read().map_err(|e| with_path(&path, e))?;
    v.iter()
        .map(|&x| {
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                Ok(x as i64)
            } else {
                Err(malformed(&path, format!("{x} is not an integer")))
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn string_attr(group: &Group, name: &str) -> Result<Option<String>> {
    match group.attr(name) {
        Ok(a) => Ok(Some(
            a.read_string()
                .map_err(|e| with_path(&format!("{}/@{name}", group.path()), e))?
                .trim_end_matches(['\0', ' '])
                .to_string(),
        )),
        Err(_) => Ok(None),
    }
}

fn dataset(group: &Group, name: &str) -> Result<Dataset> {
    group.dataset(name).map_err(|e| {
        Error::new(
            e.kind(),
            format!(
                "{}/{name}: missing HyperTreeGrid dataset ({})",
                group.path(),
                e.message()
            ),
        )
    })
}

/// Rows of a 1-D dataset, bounds-checked before reading.
fn rows<T: crate::H5Type>(ds: &Dataset, start: u64, n: u64) -> Result<Vec<T>> {
    let shape = ds.shape();
    if shape.len() != 1 {
        return Err(malformed(
            ds.path(),
            format!("expected a 1-D dataset, found shape {shape:?}"),
        ));
    }
    if start.checked_add(n).is_none_or(|e| e > shape[0]) {
        return Err(malformed(
            ds.path(),
            format!(
                "rows {start}..{} are outside the {} rows",
                start.saturating_add(n),
                shape[0]
            ),
        ));
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    ds.read_slice::<T>(&Hyperslab::new(&[start], &[n], &[1]))
        .map_err(|e| with_path(ds.path(), e))
}

/// Non-negative counts as u64.
fn counts(ds: &Dataset, start: u64, n: u64) -> Result<Vec<u64>> {
    rows::<i64>(ds, start, n)?
        .into_iter()
        .map(|c| u64::try_from(c).map_err(|_| malformed(ds.path(), format!("negative count {c}"))))
        .collect()
}

fn one(ds: &Dataset, row: u64) -> Result<u64> {
    Ok(counts(ds, row, 1)?[0])
}

/// Bits `start .. start + n` of packed bytes, most significant bit first.
fn unpack(bytes: &[u8], start: usize, n: usize) -> Vec<bool> {
    (start..start + n)
        .map(|i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
        .collect()
}

/// Packs bits most significant first.
fn pack(bits: &[bool]) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, &b) in bits.iter().enumerate() {
        if b {
            out[i / 8] |= 0x80 >> (i % 8);
        }
    }
    out
}

fn sum(v: &[u64], path: &str) -> Result<u64> {
    v.iter()
        .try_fold(0u64, |a, &b| a.checked_add(b))
        .ok_or_else(|| malformed(path, "counts overflow"))
}

/// Offsets of one step into the concatenated datasets.
#[derive(Debug, Clone, Default)]
struct StepOffsets {
    parts: u64,
    part: u64,
    tree: u64,
    depth: u64,
    cells_per_depth: u64,
    descriptor: u64,
    mask: u64,
    coords: [u64; 3],
}

const GEOMETRY_OFFSETS: [&str; 9] = [
    "PartOffsets",
    "TreeIdsOffsets",
    "DepthPerTreeOffsets",
    "NumberOfCellsPerTreeDepthOffsets",
    "DescriptorsOffsets",
    "MaskOffsets",
    "XCoordinatesOffsets",
    "YCoordinatesOffsets",
    "ZCoordinatesOffsets",
];

/// Reads the HyperTreeGrid in `group` (`/VTKHDF` or a composite block):
/// one entry per time step, one grid per partition.
pub fn read(group: &Group) -> Result<Series<Vec<HyperTreeGrid>>> {
    let gp = group.path().to_string();
    let branch_factor = match int_attr(group, "BranchFactor")?.as_deref() {
        Some([b]) => *b,
        other => {
            return Err(malformed(
                &format!("{gp}/@BranchFactor"),
                format!("expected one integer, found {other:?}"),
            ))
        }
    };
    let dimensions = match int_attr(group, "Dimensions")?.as_deref() {
        Some([a, b, c]) => [*a, *b, *c],
        other => {
            return Err(malformed(
                &format!("{gp}/@Dimensions"),
                format!("expected three integers, found {other:?}"),
            ))
        }
    };
    if branch_factor < 2
        || dimensions
            .iter()
            .any(|&d| !(1..=i32::MAX as i64).contains(&d))
    {
        return Err(malformed(
            &gp,
            format!("BranchFactor {branch_factor} / Dimensions {dimensions:?} out of range"),
        ));
    }
    let transposed = match int_attr(group, "TransposedRootIndexing")?.as_deref() {
        None => false,
        Some([t]) => *t != 0,
        Some(other) => {
            return Err(malformed(
                &format!("{gp}/@TransposedRootIndexing"),
                format!("expected one integer, found {other:?}"),
            ))
        }
    };
    let mut proto = HyperTreeGrid::new(branch_factor, dimensions);
    proto.transposed_root_indexing = transposed;
    proto.interface_intercepts_name = string_attr(group, "InterfaceInterceptsName")?;
    proto.interface_normals_name = string_attr(group, "InterfaceNormalsName")?;

    let number_of_trees = dataset(group, "NumberOfTrees")?;
    let total_parts = number_of_trees.shape().first().copied().unwrap_or(0);

    // Steps and their offsets.
    let (times, offsets): (Option<Vec<f64>>, Vec<StepOffsets>) = match group.group("Steps") {
        Err(_) => (
            None,
            vec![StepOffsets {
                parts: total_parts,
                ..Default::default()
            }],
        ),
        Ok(steps) => {
            let sp = steps.path().to_string();
            let n = match int_attr(&steps, "NSteps")?.as_deref() {
                None => 1,
                Some([n]) if *n >= 0 => *n as u64,
                Some(other) => {
                    return Err(malformed(
                        &format!("{sp}/@NSteps"),
                        format!("expected one count, found {other:?}"),
                    ))
                }
            };
            let values_ds = dataset(&steps, "Values")?;
            let values: Vec<f64> = rows(&values_ds, 0, n)?;
            let parts_ds = steps.dataset("NumberOfParts").ok();
            let geo: Vec<Dataset> = GEOMETRY_OFFSETS
                .iter()
                .map(|name| dataset(&steps, name))
                .collect::<Result<_>>()?;
            let mut offs = Vec::new();
            for s in 0..n {
                let parts = match &parts_ds {
                    Some(ds) => one(ds, s)?,
                    None => total_parts / n.max(1),
                };
                if parts == 0 {
                    return Err(malformed(
                        &sp,
                        format!(
                            "step {s} has no part ({} rows in NumberOfTrees for {n} steps, \
                             NumberOfParts {})",
                            total_parts,
                            if parts_ds.is_some() { "0" } else { "missing" }
                        ),
                    ));
                }
                let o: Vec<u64> = geo.iter().map(|ds| one(ds, s)).collect::<Result<_>>()?;
                offs.push(StepOffsets {
                    parts,
                    part: o[0],
                    tree: o[1],
                    depth: o[2],
                    cells_per_depth: o[3],
                    descriptor: o[4],
                    mask: o[5],
                    coords: [o[6], o[7], o[8]],
                });
            }
            (Some(values), offs)
        }
    };

    let number_of_depths = dataset(group, "NumberOfDepths")?;
    let number_of_cells = dataset(group, "NumberOfCells")?;
    let descriptors_size = dataset(group, "DescriptorsSize")?;
    let tree_ids = dataset(group, "TreeIds")?;
    let depth_per_tree = dataset(group, "DepthPerTree")?;
    let cells_per_depth = dataset(group, "NumberOfCellsPerTreeDepth")?;
    let descriptors = dataset(group, "Descriptors")?;
    let mask = group.dataset("Mask").ok();
    let coords = [
        dataset(group, "XCoordinates")?,
        dataset(group, "YCoordinates")?,
        dataset(group, "ZCoordinates")?,
    ];
    let cell_arrays = array_datasets(group, "CellData")?;
    let field_arrays = array_datasets(group, "FieldData")?;
    let steps_group = group.group("Steps").ok();
    let children = proto.children_per_cell();
    let max_trees = proto.max_trees();

    let mut out = Vec::with_capacity(offsets.len());
    for (s, so) in offsets.iter().enumerate() {
        let what = |p: u64| format!("{gp} step {s} part {p}");
        let nt = counts(&number_of_trees, so.part, so.parts)?;
        let nd = counts(&number_of_depths, so.part, so.parts)?;
        let nc = counts(&number_of_cells, so.part, so.parts)?;
        let nb = counts(&descriptors_size, so.part, so.parts)?;
        // Per-array step offsets (rows), missing = 0 as VTK reads them.
        let mut cell_offsets = Vec::with_capacity(cell_arrays.len());
        for (name, _) in &cell_arrays {
            cell_offsets.push(step_offset(
                steps_group.as_ref(),
                "CellDataOffsets",
                name,
                s,
            )?);
        }
        let (mut tree_row, mut depth_row, mut cpd_row) = (so.tree, so.depth, so.cells_per_depth);
        let (mut desc_byte, mut mask_byte, mut cell_row) = (so.descriptor, so.mask, 0u64);
        let mut parts = Vec::with_capacity(nt.len());
        for p in 0..nt.len() {
            let wp = what(p as u64);
            let mut g = proto.clone();
            for (axis, ds) in coords.iter().enumerate() {
                let d = dimensions[axis] as u64;
                let start = (p as u64)
                    .checked_mul(d)
                    .and_then(|x| x.checked_add(so.coords[axis]))
                    .ok_or_else(|| malformed(ds.path(), "offset overflow"))?;
                let v = read_values_rows(ds, start, d)?;
                match axis {
                    0 => g.x = v,
                    1 => g.y = v,
                    _ => g.z = v,
                }
            }
            let ids = rows::<i64>(&tree_ids, tree_row, nt[p])?;
            let depths = counts(&depth_per_tree, depth_row, nt[p])?;
            if sum(&depths, depth_per_tree.path())? > nd[p] {
                return Err(malformed(
                    &wp,
                    format!("DepthPerTree sums to more than NumberOfDepths {}", nd[p]),
                ));
            }
            let levels = counts(&cells_per_depth, cpd_row, nd[p])?;
            // Bits needed by every tree, checked against the stored sizes
            // before any bit vector is built.
            let mut lv = 0usize;
            let mut need_bits = 0u64;
            let mut need_cells = 0u64;
            let mut tree_levels = Vec::with_capacity(ids.len());
            for (t, &depth) in depths.iter().enumerate() {
                if depth == 0 {
                    return Err(malformed(&wp, format!("tree {} has depth 0", ids[t])));
                }
                let l = &levels[lv..lv + depth as usize];
                lv += depth as usize;
                let cells = sum(l, cells_per_depth.path())?;
                let bits = cells - l[l.len() - 1];
                need_bits = need_bits.saturating_add(bits);
                need_cells = need_cells.saturating_add(cells);
                tree_levels.push((l.to_vec(), bits, cells));
            }
            if need_bits > nb[p] {
                return Err(malformed(
                    descriptors_size.path(),
                    format!(
                        "{wp}: the trees need {need_bits} descriptor bits, DescriptorsSize is {}",
                        nb[p]
                    ),
                ));
            }
            if need_cells > nc[p] {
                return Err(malformed(
                    number_of_cells.path(),
                    format!(
                        "{wp}: the trees have {need_cells} cells, NumberOfCells is {}",
                        nc[p]
                    ),
                ));
            }
            let desc_bytes = nb[p].div_ceil(8);
            let dbytes = rows::<u8>(&descriptors, desc_byte, desc_bytes)?;
            let mask_bytes = nc[p].div_ceil(8);
            let mbytes = match &mask {
                Some(m) => Some(rows::<u8>(m, mask_byte, mask_bytes)?),
                None => None,
            };
            let (mut bit, mut cell) = (0usize, 0usize);
            for (t, (l, bits, cells)) in tree_levels.into_iter().enumerate() {
                let id = ids[t];
                if id < 0 || id as u64 >= max_trees {
                    return Err(malformed(
                        tree_ids.path(),
                        format!("{wp}: tree id {id} outside the grid's {max_trees} trees"),
                    ));
                }
                let tree = HyperTree {
                    tree_id: id,
                    descriptor: unpack(&dbytes, bit, bits as usize),
                    cells_per_depth: l.iter().map(|&c| c as i64).collect(),
                    mask: mbytes.as_ref().map(|m| unpack(m, cell, cells as usize)),
                };
                tree.check(children)
                    .map_err(|m| malformed(&wp, format!("{m} (NumberOfCellsPerTreeDepth)")))?;
                bit += bits as usize;
                cell += cells as usize;
                g.trees.push(tree);
            }
            let mut uniq = std::collections::HashSet::new();
            if let Some(t) = g.trees.iter().find(|t| !uniq.insert(t.tree_id)) {
                return Err(malformed(
                    tree_ids.path(),
                    format!("{wp}: tree id {} appears twice", t.tree_id),
                ));
            }
            for ((name, ds), off) in cell_arrays.iter().zip(&cell_offsets) {
                let start = off
                    .checked_add(cell_row)
                    .ok_or_else(|| malformed(ds.path(), "offset overflow"))?;
                let mut a = read_array_rows(ds, name, start, need_cells)?;
                a.name = name.clone();
                g.cell_data.push(a);
            }
            if p == 0 {
                g.field_data = read_field_data(&field_arrays, steps_group.as_ref(), s)?;
            }
            tree_row += nt[p];
            depth_row += nt[p];
            cpd_row += nd[p];
            desc_byte += desc_bytes;
            mask_byte += mask_bytes;
            cell_row += nc[p];
            parts.push(g);
        }
        out.push(parts);
    }
    Ok(Series { times, steps: out })
}

/// `Steps/<kind>/<name>[s]`, 0 when absent (static data or no entry).
fn step_offset(steps: Option<&Group>, kind: &str, name: &str, s: usize) -> Result<u64> {
    let Some(steps) = steps else { return Ok(0) };
    match steps.dataset(&format!("{kind}/{name}")) {
        Ok(ds) => Ok(rows::<i64>(&ds, s as u64, 1)?[0].max(0) as u64),
        Err(_) => Ok(0),
    }
}

fn read_field_data(
    arrays: &[(String, Dataset)],
    steps: Option<&Group>,
    s: usize,
) -> Result<Vec<Array>> {
    let mut out = Vec::new();
    for (name, ds) in arrays {
        let Some(st) = steps else {
            out.push(read_array(ds, name, 1)?);
            continue;
        };
        let off = step_offset(Some(st), "FieldDataOffsets", name, s)?;
        let tuples = match st.dataset(&format!("FieldDataSizes/{name}")) {
            Ok(sz) => {
                let shape = sz.shape();
                if shape.len() != 2 || shape[1] != 2 {
                    return Err(malformed(
                        sz.path(),
                        format!("expected shape (N, 2), found {shape:?}"),
                    ));
                }
                if s as u64 >= shape[0] {
                    return Err(malformed(sz.path(), format!("no row for step {s}")));
                }
                let v: Vec<i64> = sz
                    .read_slice(&Hyperslab::new(&[s as u64, 0], &[1, 2], &[1, 1]))
                    .map_err(|e| with_path(sz.path(), e))?;
                if v == [0, 0] {
                    continue;
                }
                v[1].max(0) as u64
            }
            Err(_) => 1,
        };
        out.push(read_array_rows(ds, name, off, tuples)?);
    }
    Ok(out)
}

/// Reads `/VTKHDF` of a file holding a HyperTreeGrid.
pub fn read_file(file: &File) -> Result<Series<Vec<HyperTreeGrid>>> {
    let (root, header) = read_header(file)?;
    if header.data_type != DataType::HyperTreeGrid {
        return Err(Error::wrong_use(format!(
            "{ROOT} holds {}, not HyperTreeGrid",
            header.data_type.name()
        )));
    }
    read(&root)
}

// ---------------------------------------------------------------------------
// Writing

/// Everything stored for one step, concatenated over its partitions.
#[derive(Default)]
struct StepData {
    number_of_trees: Vec<i64>,
    number_of_depths: Vec<i64>,
    number_of_cells: Vec<i64>,
    descriptors_size: Vec<i64>,
    tree_ids: Vec<i64>,
    depth_per_tree: Vec<i64>,
    cells_per_depth: Vec<i64>,
    descriptors: Vec<u8>,
    mask: Vec<u8>,
    coords: [Option<Values>; 3],
    cells: Vec<Option<Values>>,
}

fn concat<'a>(parts: impl Iterator<Item = &'a Values>) -> Result<Option<Values>> {
    let mut out: Option<Values> = None;
    for v in parts {
        match &mut out {
            None => out = Some(v.clone()),
            Some(o) => o.extend(v)?,
        }
    }
    Ok(out)
}

fn step_data(parts: &[HyperTreeGrid], with_mask: bool, names: &[String]) -> Result<StepData> {
    let mut d = StepData::default();
    for g in parts {
        let mut bits = Vec::new();
        let mut mask = Vec::new();
        let mut depths = 0i64;
        for t in &g.trees {
            d.tree_ids.push(t.tree_id);
            d.depth_per_tree.push(t.depth() as i64);
            d.cells_per_depth.extend_from_slice(&t.cells_per_depth);
            depths += t.depth() as i64;
            bits.extend_from_slice(&t.descriptor);
            match &t.mask {
                Some(m) => mask.extend_from_slice(m),
                None => mask.extend(std::iter::repeat_n(false, t.cells() as usize)),
            }
        }
        d.number_of_trees.push(g.trees.len() as i64);
        d.number_of_depths.push(depths);
        d.number_of_cells.push(g.cells() as i64);
        d.descriptors_size.push(bits.len() as i64);
        d.descriptors.extend(pack(&bits));
        if with_mask {
            d.mask.extend(pack(&mask));
        }
    }
    d.coords = [
        concat(parts.iter().map(|g| &g.x))?,
        concat(parts.iter().map(|g| &g.y))?,
        concat(parts.iter().map(|g| &g.z))?,
    ];
    for name in names {
        d.cells.push(concat(parts.iter().filter_map(|g| {
            g.cell_data
                .iter()
                .find(|a| &a.name == name)
                .map(|a| &a.values)
        }))?);
    }
    Ok(d)
}

/// Appends to a dataset created on first use.
struct Appender<'a> {
    group: &'a GroupWriter,
    name: String,
    opts: StoreOptions,
    shape_tail: Vec<u64>,
    ds: Option<crate::hl::write::DatasetWriter>,
    rows: u64,
    marker: Option<&'a Array>,
}

impl<'a> Appender<'a> {
    fn new(group: &'a GroupWriter, name: &str, opts: &StoreOptions) -> Self {
        Appender {
            group,
            name: name.to_string(),
            opts: *opts,
            shape_tail: Vec::new(),
            ds: None,
            rows: 0,
            marker: None,
        }
    }

    /// One appender per array of `arrays` into `group`, shaped like the
    /// array and carrying its marker (none without a group).
    fn for_arrays(
        group: Option<&'a GroupWriter>,
        arrays: &'a [Array],
        opts: &StoreOptions,
    ) -> Vec<Self> {
        let Some(group) = group else {
            return Vec::new();
        };
        arrays
            .iter()
            .map(|a| {
                let mut x = Appender::new(group, &a.name, opts);
                x.shape_tail = unstructured_shape(a)[1..].to_vec();
                x.marker = Some(a);
                x
            })
            .collect()
    }

    /// Appends values (whole rows); returns the first row written.
    fn push(&mut self, v: &Values) -> Result<u64> {
        let start = self.rows;
        let row: u64 = self.shape_tail.iter().product::<u64>().max(1);
        let n = v.len() as u64 / row;
        match &self.ds {
            None => {
                let mut shape = vec![n];
                shape.extend_from_slice(&self.shape_tail);
                let ds = write_values(self.group, &self.name, v, &shape, &self.opts, true)?;
                if let Some(a) = self.marker {
                    write_marker(&ds, a)?;
                }
                self.ds = Some(ds);
            }
            Some(ds) => append_values(ds, v)?,
        }
        self.rows += n;
        Ok(start)
    }
}

fn i64s(v: &[i64]) -> Values {
    Values::I64(v.to_vec())
}

/// Writes a HyperTreeGrid series into `group` (which has no attributes
/// yet): `Type`, `Version` and the layout described in the module docs.
/// All partitions and steps must share branch factor, dimensions,
/// root indexing and interface names, and the same cell arrays (name, type,
/// components); field data is taken from each step's first partition.
pub fn write(
    group: &GroupWriter,
    data: &Series<Vec<HyperTreeGrid>>,
    opts: &StoreOptions,
) -> Result<()> {
    let gp = group.path().to_string();
    let first = data
        .steps
        .first()
        .and_then(|s| s.first())
        .ok_or_else(|| Error::wrong_use(format!("{gp}: no HyperTreeGrid to write")))?;
    if let Some(t) = &data.times {
        if t.len() != data.steps.len() {
            return Err(Error::wrong_use(format!(
                "{gp}: {} times for {} steps",
                t.len(),
                data.steps.len()
            )));
        }
    } else if data.steps.len() != 1 {
        return Err(Error::wrong_use(format!(
            "{gp}: static data needs exactly one step, {} given",
            data.steps.len()
        )));
    }
    let header = first.header();
    let cell_names: Vec<String> = first.cell_data.iter().map(|a| a.name.clone()).collect();
    let field_names: Vec<String> = first.field_data.iter().map(|a| a.name.clone()).collect();
    let mut with_mask = false;
    let mut with_marker = false;
    for (s, step) in data.steps.iter().enumerate() {
        if step.is_empty() {
            return Err(Error::wrong_use(format!("{gp}: step {s} has no partition")));
        }
        for (p, g) in step.iter().enumerate() {
            let what = format!("{gp} step {s} part {p}");
            g.check(&what)?;
            if g.header() != header {
                return Err(Error::wrong_use(format!(
                    "{what}: branch factor, dimensions, root indexing or interface names differ \
                     from the first partition's"
                )));
            }
            let same = |a: &[Array], b: &[Array]| {
                a.len() == b.len()
                    && a.iter().zip(b).all(|(x, y)| {
                        x.name == y.name
                            && x.components == y.components
                            && x.values.type_name() == y.values.type_name()
                    })
            };
            if !same(&g.cell_data, &first.cell_data) {
                return Err(Error::wrong_use(format!(
                    "{what}: cell arrays (names, types, components) differ from the first \
                     partition's"
                )));
            }
            if p > 0 && !g.field_data.is_empty() {
                return Err(Error::wrong_use(format!(
                    "{what}: only the first partition of a step carries field data"
                )));
            }
            if p == 0 && !same(&g.field_data, &first.field_data) {
                return Err(Error::wrong_use(format!(
                    "{what}: field arrays (names, types, components) differ from step 0's"
                )));
            }
            for c in [&g.x, &g.y, &g.z] {
                if c.type_name() != first.x.type_name() {
                    return Err(Error::wrong_use(format!(
                        "{what}: coordinates must all have one type ({} and {})",
                        c.type_name(),
                        first.x.type_name()
                    )));
                }
            }
            with_mask |= g.trees.iter().any(|t| t.mask.is_some());
            with_marker |= g
                .cell_data
                .iter()
                .chain(&g.field_data)
                .any(|a| a.attribute.is_some());
        }
    }

    group.set_attr("Version", &[2i64, if with_marker { 6 } else { 4 }])?;
    group.set_attr_str("Type", DataType::HyperTreeGrid.name())?;
    group.set_attr("BranchFactor", &[header.branch_factor])?;
    let dims: Vec<i32> = header.dimensions.iter().map(|&d| d as i32).collect();
    group.set_attr_shaped("Dimensions", &dims, &[3])?;
    if header.transposed {
        group.set_attr("TransposedRootIndexing", &[1i64])?;
    }
    if let Some(n) = &header.intercepts {
        group.set_attr_str("InterfaceInterceptsName", n)?;
    }
    if let Some(n) = &header.normals {
        group.set_attr_str("InterfaceNormalsName", n)?;
    }

    let temporal = data.times.is_some();
    let ap = |name: &str| Appender::new(group, name, opts);
    let mut coords = [ap("XCoordinates"), ap("YCoordinates"), ap("ZCoordinates")];
    let mut number_of_trees = ap("NumberOfTrees");
    let mut number_of_depths = ap("NumberOfDepths");
    let mut number_of_cells = ap("NumberOfCells");
    let mut descriptors_size = ap("DescriptorsSize");
    let mut tree_ids = ap("TreeIds");
    let mut depth_per_tree = ap("DepthPerTree");
    let mut cells_per_depth = ap("NumberOfCellsPerTreeDepth");
    let mut descriptors = ap("Descriptors");
    let mut mask = ap("Mask");
    let cell_group = if cell_names.is_empty() {
        None
    } else {
        Some(group.create_group("CellData")?)
    };
    let field_group = if field_names.is_empty() {
        None
    } else {
        Some(group.create_group("FieldData")?)
    };
    let mut cells = Appender::for_arrays(cell_group.as_ref(), &first.cell_data, opts);
    let mut fields = Appender::for_arrays(field_group.as_ref(), &first.field_data, opts);

    // Offsets per step: the nine geometry offsets, parts, cell and field
    // array offsets and field sizes.
    let mut geo: Vec<[i64; 9]> = Vec::new();
    let mut nparts: Vec<i64> = Vec::new();
    let mut cell_offs: Vec<Vec<i64>> = vec![Vec::new(); cell_names.len()];
    let mut field_offs: Vec<Vec<i64>> = vec![Vec::new(); field_names.len()];
    let mut field_sizes: Vec<Vec<i64>> = vec![Vec::new(); field_names.len()];
    let mut prev: Option<(StepData, &Vec<HyperTreeGrid>)> = None;
    for step in &data.steps {
        let d = step_data(step, with_mask, &cell_names)?;
        let mut o = [0i64; 9];
        let pg = geo.last().copied();
        let pd = prev.as_ref().map(|(d, _)| d);
        // Structure: trees, depths, descriptors and the part rows.
        let same_structure = pd.is_some_and(|p| {
            p.number_of_trees == d.number_of_trees
                && p.number_of_depths == d.number_of_depths
                && p.number_of_cells == d.number_of_cells
                && p.descriptors_size == d.descriptors_size
                && p.tree_ids == d.tree_ids
                && p.depth_per_tree == d.depth_per_tree
                && p.cells_per_depth == d.cells_per_depth
                && p.descriptors == d.descriptors
        });
        if let (true, Some(pg)) = (same_structure, pg) {
            o[..5].copy_from_slice(&pg[..5]);
        } else {
            o[0] = number_of_trees.push(&i64s(&d.number_of_trees))? as i64;
            number_of_depths.push(&i64s(&d.number_of_depths))?;
            number_of_cells.push(&i64s(&d.number_of_cells))?;
            descriptors_size.push(&i64s(&d.descriptors_size))?;
            o[1] = tree_ids.push(&i64s(&d.tree_ids))? as i64;
            o[2] = depth_per_tree.push(&i64s(&d.depth_per_tree))? as i64;
            o[3] = cells_per_depth.push(&i64s(&d.cells_per_depth))? as i64;
            o[4] = descriptors.push(&Values::U8(d.descriptors.clone()))? as i64;
        }
        if with_mask {
            let same =
                pd.is_some_and(|p| p.number_of_cells == d.number_of_cells && p.mask == d.mask);
            o[5] = match (same, pg) {
                (true, Some(pg)) => pg[5],
                _ => mask.push(&Values::U8(d.mask.clone()))? as i64,
            };
        }
        for axis in 0..3 {
            let v = d.coords[axis].as_ref().expect("a step has partitions");
            let same = pd.is_some_and(|p| p.coords[axis].as_ref() == Some(v));
            o[6 + axis] = match (same, pg) {
                (true, Some(pg)) => pg[6 + axis],
                _ => coords[axis].push(v)? as i64,
            };
        }
        for (i, v) in d.cells.iter().enumerate() {
            let v = v.as_ref().expect("a step has partitions");
            let same = pd.is_some_and(|p| p.cells[i].as_ref() == Some(v));
            let off = match (same, cell_offs[i].last()) {
                (true, Some(&last)) => last,
                _ => cells[i].push(v)? as i64,
            };
            cell_offs[i].push(off);
        }
        for (i, a) in step[0].field_data.iter().enumerate() {
            let same = prev
                .as_ref()
                .is_some_and(|(_, ps)| ps[0].field_data[i].values == a.values);
            let off = match (same, field_offs[i].last()) {
                (true, Some(&last)) => last,
                _ => fields[i].push(&a.values)? as i64,
            };
            field_offs[i].push(off);
            field_sizes[i].push(a.components as i64);
            field_sizes[i].push(a.tuples() as i64);
        }
        geo.push(o);
        nparts.push(step.len() as i64);
        prev = Some((d, step));
    }
    // Datasets of zero rows still have to exist.
    let empty_i64 = Values::I64(Vec::new());
    for a in [
        &mut number_of_trees,
        &mut number_of_depths,
        &mut number_of_cells,
        &mut descriptors_size,
        &mut tree_ids,
        &mut depth_per_tree,
        &mut cells_per_depth,
    ] {
        if a.ds.is_none() {
            a.push(&empty_i64)?;
        }
    }
    if descriptors.ds.is_none() {
        descriptors.push(&Values::U8(Vec::new()))?;
    }
    if with_mask && mask.ds.is_none() {
        mask.push(&Values::U8(Vec::new()))?;
    }

    if !temporal {
        return Ok(());
    }
    let steps = group.create_group("Steps")?;
    steps.set_attr("NSteps", &[data.steps.len() as i64])?;
    let times = data.times.as_deref().unwrap_or(&[]);
    write_values(
        &steps,
        "Values",
        &Values::F64(times.to_vec()),
        &[times.len() as u64],
        &StoreOptions::plain(),
        false,
    )?;
    let offs = |name: &str, v: Vec<i64>| -> Result<()> {
        let n = v.len() as u64;
        let o = StoreOptions {
            chunk_rows: Some(n.max(1)),
            ..StoreOptions::plain()
        };
        write_values(&steps, name, &Values::I64(v), &[n], &o, true)?;
        Ok(())
    };
    offs("NumberOfParts", nparts)?;
    for (i, name) in GEOMETRY_OFFSETS.iter().enumerate() {
        offs(name, geo.iter().map(|o| o[i]).collect())?;
    }
    let plain = |g: &GroupWriter, name: &str, v: Vec<i64>, shape: &[u64]| -> Result<()> {
        write_values(
            g,
            name,
            &Values::I64(v),
            shape,
            &StoreOptions::plain(),
            true,
        )?;
        Ok(())
    };
    if !cell_names.is_empty() {
        let g = steps.create_group("CellDataOffsets")?;
        for (name, v) in cell_names.iter().zip(cell_offs) {
            let n = v.len() as u64;
            plain(&g, name, v, &[n])?;
        }
    }
    if !field_names.is_empty() {
        let go = steps.create_group("FieldDataOffsets")?;
        let gs = steps.create_group("FieldDataSizes")?;
        for ((name, v), sz) in field_names.iter().zip(field_offs).zip(field_sizes) {
            let n = v.len() as u64;
            plain(&go, name, v, &[n])?;
            plain(&gs, name, sz, &[n, 2])?;
        }
    }
    Ok(())
}

/// Writes a HyperTreeGrid file: creates `/VTKHDF` (creation order
/// tracked) and writes `data` into it.
pub fn write_file(
    file: &FileWriter,
    data: &Series<Vec<HyperTreeGrid>>,
    opts: &StoreOptions,
) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}
