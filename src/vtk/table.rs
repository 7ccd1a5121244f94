//! Table (`vtkTable`, VTKHDF 2.8): named columns of equal length, static or
//! over time.
//!
//! Layout (VTKHDF specification, "Table" and "Temporal Data"; measured
//! against vtk 9.7.2):
//!
//! * `/VTKHDF` attributes `Version` = `[2, 8]` and `Type` = `"Table"`.
//! * `NumberOfRows`: integers, `(1,)` for static data and `(NSteps,)` over
//!   time (the row count of each step).
//! * `RowData/<column>`: one dataset per column, `(rows,)` for one component
//!   or `(rows, components)`, in any numeric type (the stored type is kept).
//!   VTK lists columns by name.
//! * Over time: `Steps` with attribute `NSteps`, `Values` (the times) and
//!   `RowDataOffsets/<column>`: the first row of the column at each step.
//!   Column data is appended step after step; a column equal to the
//!   previous step's is stored once and its offset repeats.
//!
//! String columns: this module writes them as variable-length ASCII strings
//! and reads strings of any producer, but **VTK's reader cannot read string
//! columns** (vtk 9.7.2 reports "Unknown native datatype", the update fails
//! and the column is missing from its output).
//! Over time, string columns are kept in memory and written by
//! [`TableStepWriter::finish`] (variable-length string datasets cannot grow).
//!
//! VTK's writer drops a table's field data, so the model has none.

use super::array::{
    self, array_datasets, read_array_rows, write_array, write_marker, Array, StoreOptions, Values,
};
use super::{create_root, DataType, Series};
use crate::error::{Error, Result};
use crate::format::message::datatype::CharacterSet;
use crate::hl::write::{DatasetWriter, FileWriter, GroupWriter};
use crate::hl::{Dataset, File, Group};
use crate::read::selection::Hyperslab;

/// The `Version` written for tables.
pub const VERSION: (i64, i64) = (2, 8);

/// A `vtkTable`: `rows` rows of named columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Number of rows (`NumberOfRows`).
    pub rows: usize,
    /// The columns (`RowData/<name>`), each with `rows` tuples.
    pub columns: Vec<Array>,
}

impl Table {
    /// A table of these columns; the row count is the first column's tuple
    /// count (0 without columns).
    pub fn new(columns: Vec<Array>) -> Self {
        let rows = columns.first().map_or(0, Array::tuples);
        Table { rows, columns }
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Array> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Checks that every column has `rows` whole tuples and a unique name.
    pub fn check(&self) -> Result<()> {
        for (i, c) in self.columns.iter().enumerate() {
            if c.components == 0 || c.values.len() != self.rows.saturating_mul(c.components) {
                return Err(Error::wrong_use(format!(
                    "Table column {:?}: {} values are not {} rows of {} components",
                    c.name,
                    c.values.len(),
                    self.rows,
                    c.components
                )));
            }
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(Error::wrong_use(format!(
                    "Table column {:?} appears twice",
                    c.name
                )));
            }
            check_name(&c.name)?;
            if matches!(c.values, Values::Str(_)) && c.components != 1 {
                return Err(Error::wrong_use(format!(
                    "Table column {:?}: string columns have one component, {} given",
                    c.name, c.components
                )));
            }
        }
        Ok(())
    }
}

/// Array names become HDF5 link names: no `/`, no `.` (VTK's rule), not
/// empty.
pub(crate) fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(Error::wrong_use(format!(
            "array name {name:?} cannot be a VTKHDF dataset name"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Appendable datasets and Steps tables, shared with the other temporal types
// ---------------------------------------------------------------------------

/// Creates an appendable (first dimension unlimited, chunked) dataset
/// holding `values` as `(n,)` or `(n, components)` rows, with `chunk_rows`
/// rows per chunk. Strings are refused (variable-length string datasets are
/// written whole).
pub(crate) fn create_appendable(
    group: &GroupWriter,
    name: &str,
    values: &Values,
    components: usize,
    chunk_rows: u64,
    opts: &StoreOptions,
) -> Result<DatasetWriter> {
    let c = components.max(1) as u64;
    let n = values.len() as u64;
    if n % c != 0 {
        return Err(Error::wrong_use(format!(
            "{}/{name}: {n} values are not whole tuples of {c}",
            group.path()
        )));
    }
    if let Values::Str(_) = values {
        return Err(Error::unsupported(
            0,
            format!(
                "{}/{name}: string datasets cannot be appended to",
                group.path()
            ),
        ));
    }
    let (shape, chunks) = if c == 1 {
        (vec![n], vec![chunk_rows.max(1)])
    } else {
        (vec![n / c, c], vec![chunk_rows.max(1), c])
    };
    array::create_numeric(group, name, values, &shape, Some(&chunks), true, opts)
}

/// Rows per chunk for appended data of `row_bytes` bytes per row: the
/// options' choice, else about 64 KiB.
pub(crate) fn append_chunk_rows(opts: &StoreOptions, row_bytes: u64) -> u64 {
    opts.chunk_rows
        .unwrap_or_else(|| (65536 / row_bytes.max(1)).max(1))
        .max(1)
}

/// Bytes per row of an array of `components` values of this type.
pub(crate) fn row_bytes(values: &Values, components: usize) -> u64 {
    let size = match values {
        Values::I8(_) | Values::U8(_) => 1,
        Values::I16(_) | Values::U16(_) => 2,
        Values::I32(_) | Values::U32(_) | Values::F32(_) => 4,
        Values::I64(_) | Values::U64(_) | Values::F64(_) | Values::Str(_) => 8,
    };
    size * components.max(1) as u64
}

/// An appendable `i64` offsets dataset (VTK's `Steps` offsets) holding
/// `initial`.
pub(crate) fn offsets_dataset(
    group: &GroupWriter,
    name: &str,
    initial: &[i64],
) -> Result<DatasetWriter> {
    create_appendable(
        group,
        name,
        &Values::I64(initial.to_vec()),
        1,
        256,
        &StoreOptions::plain(),
    )
}

/// Appends one `i64` to an offsets dataset.
pub(crate) fn push_i64(ds: &DatasetWriter, v: i64) -> Result<()> {
    super::array::append_values(ds, &Values::I64(vec![v]))
}

/// Entry `index` of a 1-D (or `(n, 1)`) integer dataset, checked to be a
/// count (not negative).
pub(crate) fn read_entry(ds: &Dataset, index: usize) -> Result<u64> {
    let shape = ds.shape();
    let ok_shape = matches!(shape, [_] | [_, 1]);
    if !ok_shape {
        return Err(Error::malformed(
            0,
            format!(
                "{}: expected a 1-D dataset of offsets or counts, found shape {shape:?}",
                ds.path()
            ),
        ));
    }
    if index as u64 >= shape[0] {
        return Err(Error::malformed(
            0,
            format!(
                "{}: expected an entry for step {index}, found only {} entries",
                ds.path(),
                shape[0]
            ),
        ));
    }
    let mut start = vec![0; shape.len()];
    start[0] = index as u64;
    let count = vec![1; shape.len()];
    let v: Vec<i64> = ds
        .read_slice(&Hyperslab::new(&start, &count, &count))
        .map_err(|e| super::array::at(ds.path(), e))?;
    match v.as_slice() {
        [x] if *x >= 0 => Ok(*x as u64),
        [x] => Err(Error::malformed(
            0,
            format!(
                "{}: entry {index} is {x}, expected a count or offset of at least 0",
                ds.path()
            ),
        )),
        _ => Err(Error::malformed(
            0,
            format!("{}: entry {index} could not be read", ds.path()),
        )),
    }
}

/// The `Steps` group of a temporal layout: (number of steps, times).
/// `NSteps` of any integer width; a missing `NSteps` means one step;
/// `Values` of any float or integer type with at least `NSteps` entries.
pub(crate) fn read_steps(steps: &Group) -> Result<(usize, Vec<f64>)> {
    let n = match steps.attr("NSteps") {
        Ok(a) => {
            let v: Vec<i64> = a.read().map_err(|e| super::array::at(steps.path(), e))?;
            match v.as_slice() {
                [x] if *x >= 0 => *x as u64,
                _ => {
                    return Err(Error::malformed(
                        0,
                        format!(
                            "{}: attribute NSteps: expected one count, found {v:?}",
                            steps.path()
                        ),
                    ))
                }
            }
        }
        Err(_) => 1,
    };
    let times = match steps.dataset("Values") {
        Ok(ds) => {
            if ds.shape().len() != 1 || ds.shape()[0] < n {
                return Err(Error::malformed(
                    0,
                    format!(
                        "{}: expected (NSteps = {n},) time values, found shape {:?}",
                        ds.path(),
                        ds.shape()
                    ),
                ));
            }
            let n = n as usize;
            let t: Vec<f64> = ds
                .read_slice(&Hyperslab::new(&[0], &[n as u64], &[1]))
                .map_err(|e| super::array::at(ds.path(), e))?;
            t
        }
        Err(_) if n <= 1 => vec![0.0; n as usize],
        Err(_) => {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: NSteps is {n} but there is no Values dataset",
                    steps.path()
                ),
            ))
        }
    };
    Ok((times.len(), times))
}

/// Starts the `Steps` group: `NSteps` = 0 and an empty appendable `Values`.
pub(crate) fn create_steps(group: &GroupWriter) -> Result<(GroupWriter, DatasetWriter)> {
    let steps = group.create_group("Steps")?;
    steps.set_attr("NSteps", &[0i64])?;
    let values = create_appendable(
        &steps,
        "Values",
        &Values::F64(Vec::new()),
        1,
        256,
        &StoreOptions::plain(),
    )?;
    Ok((steps, values))
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Reads the table (every step) from the group holding its layout.
pub fn read(group: &Group) -> Result<Series<Table>> {
    let r = TableReader::open(group)?;
    let steps = (0..r.n_steps())
        .map(|s| r.step(s))
        .collect::<Result<Vec<_>>>()?;
    Ok(Series {
        times: r.times.clone(),
        steps,
    })
}

/// Reads the table of `/VTKHDF`.
pub fn read_file(file: &File) -> Result<Series<Table>> {
    let (root, header) = super::read_header(file)?;
    if header.data_type != DataType::Table {
        return Err(Error::wrong_use(format!(
            "{}: Type is {}, not Table",
            root.path(),
            header.data_type.name()
        )));
    }
    read(&root)
}

/// Reads one step (0 for static data), reading only that step's rows.
pub fn read_step(group: &Group, step: usize) -> Result<Table> {
    TableReader::open(group)?.step(step)
}

/// A table layout opened for reading step by step.
#[derive(Debug)]
pub struct TableReader {
    group: Group,
    rows: Dataset,
    times: Option<Vec<f64>>,
    offsets: Option<Group>,
    columns: Vec<(String, Dataset)>,
}

impl TableReader {
    /// Opens the layout in `group` (reads only its structure).
    pub fn open(group: &Group) -> Result<Self> {
        let rows = group.dataset("NumberOfRows").map_err(|e| {
            Error::new(
                e.kind(),
                format!(
                    "{}/NumberOfRows: expected the Table's row counts ({})",
                    group.path(),
                    e.message()
                ),
            )
        })?;
        let (times, offsets) = match group.group("Steps") {
            Ok(steps) => {
                let (_, t) = read_steps(&steps)?;
                (Some(t), steps.group("RowDataOffsets").ok())
            }
            Err(_) => (None, None),
        };
        Ok(TableReader {
            group: group.clone(),
            rows,
            times,
            offsets,
            columns: array_datasets(group, "RowData")?,
        })
    }

    /// Number of steps (1 for static data).
    pub fn n_steps(&self) -> usize {
        self.times.as_ref().map_or(1, Vec::len)
    }

    /// The times, `None` for static data.
    pub fn times(&self) -> Option<&[f64]> {
        self.times.as_deref()
    }

    /// The column names, in VTK's order (by name).
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The rows of `step`.
    pub fn n_rows(&self, step: usize) -> Result<u64> {
        self.check_step(step)?;
        read_entry(&self.rows, step)
    }

    fn check_step(&self, step: usize) -> Result<()> {
        if step >= self.n_steps() {
            return Err(Error::wrong_use(format!(
                "{}: step {step} asked for, the table has {} steps",
                self.group.path(),
                self.n_steps()
            )));
        }
        Ok(())
    }

    /// The first row of column `name` at `step`: its `RowDataOffsets`
    /// entry, or, without one, the rows of the steps before (data stored
    /// step after step).
    fn column_offset(&self, name: &str, step: usize) -> Result<u64> {
        if self.times.is_none() {
            return Ok(0);
        }
        if let Some(off) = &self.offsets {
            if let Ok(ds) = off.dataset(name) {
                return read_entry(&ds, step);
            }
        }
        let mut sum = 0u64;
        for s in 0..step {
            sum = sum.saturating_add(read_entry(&self.rows, s)?);
        }
        Ok(sum)
    }

    /// One step's table, reading only its rows.
    pub fn step(&self, step: usize) -> Result<Table> {
        let rows = self.n_rows(step)?;
        let mut columns = Vec::with_capacity(self.columns.len());
        for (name, ds) in &self.columns {
            let start = self.column_offset(name, step)?;
            columns.push(read_array_rows(ds, name, start, rows)?);
        }
        Ok(Table {
            rows: rows as usize,
            columns,
        })
    }
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// Writes a table (static, or every step) into `group`, which must be new
/// and empty: sets `Type` and `Version` and writes the layout.
pub fn write(group: &GroupWriter, data: &Series<Table>, opts: &StoreOptions) -> Result<()> {
    match &data.times {
        None => {
            let [t] = data.steps.as_slice() else {
                return Err(Error::wrong_use(format!(
                    "{}: static data holds exactly one step, {} given",
                    group.path(),
                    data.steps.len()
                )));
            };
            write_static(group, t, opts)
        }
        Some(times) => {
            if times.len() != data.steps.len() {
                return Err(Error::wrong_use(format!(
                    "{}: {} times for {} steps",
                    group.path(),
                    times.len(),
                    data.steps.len()
                )));
            }
            let mut w = TableStepWriter::create(group, opts)?;
            for (t, s) in times.iter().zip(&data.steps) {
                w.add_step(*t, s)?;
            }
            w.finish()
        }
    }
}

/// Writes a table as `/VTKHDF` of a new file.
pub fn write_file(file: &FileWriter, data: &Series<Table>, opts: &StoreOptions) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write(&root, data, opts)
}

fn set_header(group: &GroupWriter) -> Result<()> {
    group.set_attr("Version", &[VERSION.0, VERSION.1])?;
    group.set_attr_str("Type", DataType::Table.name())
}

/// Writes a static table.
pub fn write_static(group: &GroupWriter, table: &Table, opts: &StoreOptions) -> Result<()> {
    table.check()?;
    set_header(group)?;
    group
        .new_dataset::<i64>("NumberOfRows", &[1])
        .create()?
        .write(&[table.rows as i64])?;
    let rd = group.create_group("RowData")?;
    for c in &table.columns {
        write_array(&rd, c, opts, false)?;
    }
    Ok(())
}

/// Creates `/VTKHDF` for a table in a new file and returns a step writer.
pub fn create_file_writer(file: &FileWriter, opts: &StoreOptions) -> Result<TableStepWriter> {
    let root = create_root(file, DataType::Table, VERSION)?;
    TableStepWriter::create(&root, opts)
}

struct Column {
    name: String,
    components: usize,
    type_name: &'static str,
    attribute: Option<String>,
    /// Appendable data (numeric columns).
    data: Option<DatasetWriter>,
    /// Every step's strings (string columns, written by `finish`).
    strings: Vec<String>,
    offsets: DatasetWriter,
    prev: Option<Values>,
    prev_offset: u64,
    len: u64,
}

/// Writes a table over time, one step at a time: each
/// [`add_step`](Self::add_step) appends the step's rows and offsets, so the
/// file holds every step added so far once it is flushed
/// ([`FileWriter::flush`]). Every step must have the same columns (names,
/// types, components).
pub struct TableStepWriter {
    group: GroupWriter,
    opts: StoreOptions,
    steps: GroupWriter,
    values: DatasetWriter,
    rows: DatasetWriter,
    row_data: GroupWriter,
    offsets: GroupWriter,
    columns: Vec<Column>,
    n: usize,
    finished: bool,
}

impl std::fmt::Debug for TableStepWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TableStepWriter({}, {} steps)",
            self.group.path(),
            self.n
        )
    }
}

impl TableStepWriter {
    /// Starts a temporal table in `group` (new and empty): sets `Type` and
    /// `Version` and creates `NumberOfRows`, `RowData` and `Steps`.
    pub fn create(group: &GroupWriter, opts: &StoreOptions) -> Result<Self> {
        set_header(group)?;
        let rows = offsets_dataset(group, "NumberOfRows", &[])?;
        let row_data = group.create_group("RowData")?;
        let (steps, values) = create_steps(group)?;
        let offsets = steps.create_group("RowDataOffsets")?;
        Ok(TableStepWriter {
            group: group.clone(),
            opts: *opts,
            steps,
            values,
            rows,
            row_data,
            offsets,
            columns: Vec::new(),
            n: 0,
            finished: false,
        })
    }

    /// Steps written so far.
    pub fn n_steps(&self) -> usize {
        self.n
    }

    /// Appends one step.
    pub fn add_step(&mut self, time: f64, table: &Table) -> Result<()> {
        if self.finished {
            return Err(Error::wrong_use("the table writer is finished"));
        }
        table.check()?;
        if self.n == 0 {
            for c in &table.columns {
                let offsets = offsets_dataset(&self.offsets, &c.name, &[])?;
                self.columns.push(Column {
                    name: c.name.clone(),
                    components: c.components,
                    type_name: c.values.type_name(),
                    attribute: c.attribute.clone(),
                    data: None,
                    strings: Vec::new(),
                    offsets,
                    prev: None,
                    prev_offset: 0,
                    len: 0,
                });
            }
        } else {
            let same = table.columns.len() == self.columns.len()
                && table.columns.iter().all(|c| {
                    self.columns.iter().any(|k| {
                        k.name == c.name
                            && k.components == c.components
                            && k.type_name == c.values.type_name()
                    })
                });
            if !same {
                return Err(Error::wrong_use(format!(
                    "{}: step {} has columns {:?}, the first step had {:?} (every step needs the same columns, types and components)",
                    self.group.path(),
                    self.n,
                    table
                        .columns
                        .iter()
                        .map(|c| format!("{}:{}x{}", c.name, c.values.type_name(), c.components))
                        .collect::<Vec<_>>(),
                    self.columns
                        .iter()
                        .map(|c| format!("{}:{}x{}", c.name, c.type_name, c.components))
                        .collect::<Vec<_>>()
                )));
            }
        }
        for k in &mut self.columns {
            let Some(c) = table.columns.iter().find(|c| c.name == k.name) else {
                continue;
            };
            let offset = if k.prev.as_ref() == Some(&c.values) {
                k.prev_offset
            } else {
                let at = k.len;
                match &c.values {
                    Values::Str(s) => k.strings.extend(s.iter().cloned()),
                    v => match &k.data {
                        Some(ds) => super::array::append_values(ds, v)?,
                        None => {
                            let chunk = append_chunk_rows(&self.opts, row_bytes(v, k.components));
                            let ds = create_appendable(
                                &self.row_data,
                                &k.name,
                                v,
                                k.components,
                                chunk,
                                &self.opts,
                            )?;
                            write_marker(&ds, c)?;
                            k.data = Some(ds);
                        }
                    },
                }
                k.len += table.rows as u64;
                k.prev = Some(c.values.clone());
                at
            };
            k.prev_offset = offset;
            push_i64(&k.offsets, offset as i64)?;
        }
        push_i64(&self.rows, table.rows as i64)?;
        super::array::append_values(&self.values, &Values::F64(vec![time]))?;
        self.n += 1;
        self.steps.set_attr("NSteps", &[self.n as i64])?;
        Ok(())
    }

    /// Writes the string columns (kept in memory until now). Numeric
    /// columns are complete after each step.
    pub fn finish(mut self) -> Result<()> {
        self.finished = true;
        for k in &self.columns {
            if k.type_name != "string" {
                continue;
            }
            let refs: Vec<&str> = k.strings.iter().map(String::as_str).collect();
            let ds =
                self.row_data
                    .write_vlen_strings_charset(&k.name, &refs, CharacterSet::Ascii)?;
            if let Some(a) = &k.attribute {
                ds.set_attr_str("Attribute", a)?;
            }
        }
        Ok(())
    }
}
