//! Typed data arrays: the point, cell, field and row data of every VTKHDF
//! type, kept in the type they have in the file so that a file read and
//! written back holds the same arrays (a `vtkIntArray` stays one).
//!
//! An array dataset is `(tuples,)` for one component or
//! `(tuples, components)`; structured types store point and cell arrays with
//! one dataset axis per grid axis instead (see [`super::image`]). Strings
//! (FieldData only) are variable-length ASCII, the one string form VTK's
//! reader accepts.

use crate::error::{Error, Result};
use crate::format::message::datatype::{CharacterSet, DatatypeClass};
use crate::hl::write::{DatasetBuilder, DatasetWriter, GroupWriter};
use crate::hl::{Dataset, Group, Object};
use crate::read::selection::Hyperslab;

/// The values of an array, in their stored type.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// `int8` (`vtkSignedCharArray`; `char` in VTK's own files).
    I8(Vec<i8>),
    /// `uint8` (`vtkUnsignedCharArray`).
    U8(Vec<u8>),
    /// `int16`.
    I16(Vec<i16>),
    /// `uint16`.
    U16(Vec<u16>),
    /// `int32`.
    I32(Vec<i32>),
    /// `uint32`.
    U32(Vec<u32>),
    /// `int64` (`vtkIdType` arrays).
    I64(Vec<i64>),
    /// `uint64`.
    U64(Vec<u64>),
    /// `float32`.
    F32(Vec<f32>),
    /// `float64`.
    F64(Vec<f64>),
    /// Strings (`vtkStringArray`, FieldData only).
    Str(Vec<String>),
}

/// Runs `$body` with `$v` bound to the inner vector of every numeric variant
/// and `$s` for strings.
macro_rules! dispatch {
    ($values:expr, $v:ident => $body:expr, $s:ident => $sbody:expr) => {
        match $values {
            Values::I8($v) => $body,
            Values::U8($v) => $body,
            Values::I16($v) => $body,
            Values::U16($v) => $body,
            Values::I32($v) => $body,
            Values::U32($v) => $body,
            Values::I64($v) => $body,
            Values::U64($v) => $body,
            Values::F32($v) => $body,
            Values::F64($v) => $body,
            Values::Str($s) => $sbody,
        }
    };
}
pub(crate) use dispatch;

/// Same as `dispatch!` but rebuilds the same variant from `$body`.
macro_rules! map_same {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Values::I8($v) => Values::I8($body),
            Values::U8($v) => Values::U8($body),
            Values::I16($v) => Values::I16($body),
            Values::U16($v) => Values::U16($body),
            Values::I32($v) => Values::I32($body),
            Values::U32($v) => Values::U32($body),
            Values::I64($v) => Values::I64($body),
            Values::U64($v) => Values::U64($body),
            Values::F32($v) => Values::F32($body),
            Values::F64($v) => Values::F64($body),
            Values::Str($v) => Values::Str($body),
        }
    };
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        dispatch!(self, v => v.len(), s => s.len())
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// NumPy's name of the type (`"int32"`, `"float64"`, `"string"`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Values::I8(_) => "int8",
            Values::U8(_) => "uint8",
            Values::I16(_) => "int16",
            Values::U16(_) => "uint16",
            Values::I32(_) => "int32",
            Values::U32(_) => "uint32",
            Values::I64(_) => "int64",
            Values::U64(_) => "uint64",
            Values::F32(_) => "float32",
            Values::F64(_) => "float64",
            Values::Str(_) => "string",
        }
    }

    /// The values `start .. start + n` (clamped to the length).
    pub fn slice(&self, start: usize, n: usize) -> Values {
        let len = self.len();
        let a = start.min(len);
        let b = start.saturating_add(n).min(len);
        map_same!(self, v => v[a..b].to_vec())
    }

    /// An empty vector of the same type.
    pub fn empty_like(&self) -> Values {
        self.slice(0, 0)
    }

    /// Appends `other`, which must have the same type.
    pub fn extend(&mut self, other: &Values) -> Result<()> {
        macro_rules! ext {
            ($($var:ident),*) => {
                match (self, other) {
                    $((Values::$var(a), Values::$var(b)) => {
                        a.extend_from_slice(b);
                        Ok(())
                    })*
                    (a, b) => Err(Error::wrong_use(format!(
                        "cannot append {} values to {} values",
                        b.type_name(),
                        a.type_name()
                    ))),
                }
            };
        }
        ext!(I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, Str)
    }

    /// The values as `f64` (strings give an empty vector).
    #[allow(clippy::unnecessary_cast)]
    pub fn to_f64(&self) -> Vec<f64> {
        dispatch!(self, v => v.iter().map(|&x| x as f64).collect(), _s => Vec::new())
    }

    /// The values as `i64` when they are integers (floats are `None`;
    /// `u64` values above `i64::MAX` are `None`).
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        Some(match self {
            Values::I8(v) => v.iter().map(|&x| x as i64).collect(),
            Values::U8(v) => v.iter().map(|&x| x as i64).collect(),
            Values::I16(v) => v.iter().map(|&x| x as i64).collect(),
            Values::U16(v) => v.iter().map(|&x| x as i64).collect(),
            Values::I32(v) => v.iter().map(|&x| x as i64).collect(),
            Values::U32(v) => v.iter().map(|&x| x as i64).collect(),
            Values::I64(v) => v.clone(),
            Values::U64(v) => v
                .iter()
                .map(|&x| i64::try_from(x).ok())
                .collect::<Option<Vec<_>>>()?,
            _ => return None,
        })
    }

    /// Smallest and largest value, ignoring NaN (`None` for strings and
    /// empty or all-NaN arrays).
    #[allow(clippy::unnecessary_cast)]
    pub fn range(&self) -> Option<(f64, f64)> {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        dispatch!(self, v => {
            for &x in v.iter() {
                let x = x as f64;
                if x < lo {
                    lo = x;
                }
                if x > hi {
                    hi = x;
                }
            }
        }, _s => return None);
        (lo <= hi).then_some((lo, hi))
    }
}

/// A named data array: `components` values per tuple, tuples in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// The array name (the dataset name in the file).
    pub name: String,
    /// Values per tuple (1 for a scalar array).
    pub components: usize,
    /// `tuples * components` values, tuple after tuple.
    pub values: Values,
    /// The 2.6 `Attribute` marker: which active attribute the array is
    /// (`Scalars`, `Vectors`, `Normals`, `GlobalIds`, ...).
    pub attribute: Option<String>,
}

impl Array {
    /// An array with no `Attribute` marker.
    pub fn new(name: impl Into<String>, components: usize, values: Values) -> Self {
        Array {
            name: name.into(),
            components,
            values,
            attribute: None,
        }
    }

    /// Number of tuples.
    pub fn tuples(&self) -> usize {
        self.values.len().checked_div(self.components).unwrap_or(0)
    }

    /// The tuples `start .. start + n` as an array of the same name and type.
    pub fn slice_tuples(&self, start: usize, n: usize) -> Array {
        let c = self.components.max(1);
        Array {
            name: self.name.clone(),
            components: self.components,
            values: self
                .values
                .slice(start.saturating_mul(c), n.saturating_mul(c)),
            attribute: self.attribute.clone(),
        }
    }
}

/// Active-attribute names allowed for the 2.6 `Attribute` marker.
pub const ATTRIBUTE_NAMES: [&str; 12] = [
    "Scalars",
    "Vectors",
    "Normals",
    "TCoords",
    "Tensors",
    "GlobalIds",
    "PedigreeIds",
    "EdgeFlag",
    "Tangents",
    "RationalWeights",
    "HigherOrderDegrees",
    "ProcessIds",
];

/// How array datasets are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreOptions {
    /// Deflate level 1..=9 (`None`: uncompressed), VTK's `CompressionLevel`.
    pub deflate: Option<u32>,
    /// Byte shuffle before deflate (readable by every HDF5; VTK's writer
    /// does not use it).
    pub shuffle: bool,
    /// Rows per chunk along the first dimension; `None` picks about 1 MiB
    /// per chunk, clamped to the data.
    pub chunk_rows: Option<u64>,
}

impl StoreOptions {
    /// Uncompressed.
    pub fn plain() -> Self {
        Self::default()
    }

    /// Deflate at `level` (shuffled when `shuffle`).
    pub fn deflate(level: u32, shuffle: bool) -> Self {
        StoreOptions {
            deflate: Some(level),
            shuffle,
            chunk_rows: None,
        }
    }

    /// Rows per chunk for a dataset of `rows` rows of `row_bytes` bytes.
    pub fn rows_per_chunk(&self, rows: u64, row_bytes: u64) -> u64 {
        let want = self
            .chunk_rows
            .unwrap_or_else(|| ((1u64 << 20) / row_bytes.max(1)).max(1));
        want.min(rows.max(1)).max(1)
    }
}

/// Error naming a dataset path.
pub(crate) fn at(path: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{path}: {}", e.message()))
}

/// Reads a whole dataset in its stored type.
pub fn read_values(ds: &Dataset) -> Result<Values> {
    read_values_sel(ds, None)
}

/// Reads rows `start .. start + n` (along the first dimension) of a dataset
/// in its stored type.
pub fn read_values_rows(ds: &Dataset, start: u64, n: u64) -> Result<Values> {
    if is_string(ds) {
        let all = ds.read_strings().map_err(|e| at(ds.path(), e))?;
        let (s, n) = (start as usize, n as usize);
        if s.checked_add(n).is_none_or(|e| e > all.len()) {
            return Err(Error::malformed(
                0,
                format!(
                    "{}: rows {s}..{} are outside the {} rows",
                    ds.path(),
                    s.saturating_add(n),
                    all.len()
                ),
            ));
        }
        return Ok(Values::Str(all[s..s + n].to_vec()));
    }
    let shape = ds.shape();
    if shape.is_empty() {
        return Err(Error::malformed(
            0,
            format!("{}: a scalar dataset has no rows", ds.path()),
        ));
    }
    let end = start.checked_add(n);
    if end.is_none_or(|e| e > shape[0]) {
        return Err(Error::malformed(
            0,
            format!(
                "{}: rows {start}..{} are outside the {} rows of shape {shape:?}",
                ds.path(),
                start.saturating_add(n),
                shape[0]
            ),
        ));
    }
    let mut s = vec![0; shape.len()];
    s[0] = start;
    let mut c = shape.to_vec();
    c[0] = n;
    let step = vec![1; shape.len()];
    read_values_sel(ds, Some(Hyperslab::new(&s, &c, &step)))
}

fn read_values_sel(ds: &Dataset, sel: Option<Hyperslab>) -> Result<Values> {
    macro_rules! rd {
        ($t:ty) => {
            match &sel {
                None => ds.read::<$t>(),
                Some(h) => ds.read_slice::<$t>(h),
            }
            .map_err(|e| at(ds.path(), e))?
        };
    }
    let t = ds.dtype();
    Ok(match &t.class {
        DatatypeClass::FixedPoint { signed, .. } => match (t.size, signed) {
            (1, true) => Values::I8(rd!(i8)),
            (1, false) => Values::U8(rd!(u8)),
            (2, true) => Values::I16(rd!(i16)),
            (2, false) => Values::U16(rd!(u16)),
            (4, true) => Values::I32(rd!(i32)),
            (4, false) => Values::U32(rd!(u32)),
            (8, true) => Values::I64(rd!(i64)),
            (8, false) => Values::U64(rd!(u64)),
            (n, _) => {
                return Err(Error::unsupported(
                    0,
                    format!("{}: {n}-byte integers are not a VTK array type", ds.path()),
                ))
            }
        },
        DatatypeClass::FloatingPoint { .. } if t.size <= 4 => Values::F32(rd!(f32)),
        DatatypeClass::FloatingPoint { .. } => Values::F64(rd!(f64)),
        DatatypeClass::String { .. } | DatatypeClass::VarLen { .. } => {
            Values::Str(ds.read_strings().map_err(|e| at(ds.path(), e))?)
        }
        _ => {
            return Err(Error::unsupported(
                0,
                format!(
                    "{}: {} is not a VTK array type",
                    ds.path(),
                    crate::hl::dtype_name(t)
                ),
            ))
        }
    })
}

fn is_string(ds: &Dataset) -> bool {
    matches!(
        ds.dtype().class,
        DatatypeClass::String { .. } | DatatypeClass::VarLen { .. }
    )
}

/// The components of an array dataset of shape `shape` whose first
/// `leading` dimensions count tuples (1 for unstructured data, the grid
/// rank for structured data, plus one for a time axis).
pub fn components_of(shape: &[u64], leading: usize) -> usize {
    shape.iter().skip(leading).product::<u64>() as usize
}

/// The `Attribute` marker of an array dataset, if any.
pub fn read_marker(ds: &Dataset) -> Option<String> {
    ds.attr("Attribute")
        .ok()?
        .read_string()
        .ok()
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
}

/// Reads a whole array dataset (1-D: one component; otherwise the
/// dimensions after `leading` are components).
pub fn read_array(ds: &Dataset, name: &str, leading: usize) -> Result<Array> {
    let values = read_values(ds)?;
    let components = components_of(ds.shape(), leading).max(1);
    Ok(Array {
        name: name.to_string(),
        components,
        values,
        attribute: read_marker(ds),
    })
}

/// Reads tuples `start .. start + n` of an unstructured array dataset
/// (first dimension = tuples).
pub fn read_array_rows(ds: &Dataset, name: &str, start: u64, n: u64) -> Result<Array> {
    let components = components_of(ds.shape(), 1).max(1);
    let values = read_values_rows(ds, start, n)?;
    Ok(Array {
        name: name.to_string(),
        components,
        values,
        attribute: read_marker(ds),
    })
}

/// The array datasets of `parent/group` in the order VTK lists them (by
/// name), as (name, dataset). A missing group gives no arrays; subgroups
/// are skipped.
pub fn array_datasets(parent: &Group, group: &str) -> Result<Vec<(String, Dataset)>> {
    let g = match parent.group(group) {
        Ok(g) => g,
        Err(_) => return Ok(Vec::new()),
    };
    let mut names = g.member_names()?;
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        match g.get(&n) {
            Ok(Object::Dataset(ds)) => out.push((n, *ds)),
            Ok(_) => {}
            Err(e) => return Err(at(&format!("{}/{n}", g.path()), e)),
        }
    }
    Ok(out)
}

/// Reads every array of `parent/group` whole (first `leading` dimensions
/// count tuples).
pub fn read_arrays(parent: &Group, group: &str, leading: usize) -> Result<Vec<Array>> {
    array_datasets(parent, group)?
        .into_iter()
        .map(|(n, ds)| read_array(&ds, &n, leading))
        .collect()
}

/// Writes the 2.6 `Attribute` marker as VTK does (fixed-length ASCII of
/// exactly its length).
pub fn write_marker(ds: &DatasetWriter, array: &Array) -> Result<()> {
    if let Some(a) = &array.attribute {
        ds.set_attr_str("Attribute", a)?;
    }
    Ok(())
}

/// Creates `group/<array.name>` holding the array with the dataset shape
/// `shape` (its product must equal the number of values). `appendable`
/// makes the first dimension unlimited (chunked) so later rows can be
/// added with [`append_values`]. Strings become a variable-length ASCII
/// dataset.
pub fn write_array_shaped(
    group: &GroupWriter,
    array: &Array,
    shape: &[u64],
    opts: &StoreOptions,
    appendable: bool,
) -> Result<DatasetWriter> {
    let ds = write_values(group, &array.name, &array.values, shape, opts, appendable)?;
    write_marker(&ds, array)?;
    Ok(ds)
}

/// Creates `group/<array.name>` shaped `(tuples,)` or `(tuples, components)`.
pub fn write_array(
    group: &GroupWriter,
    array: &Array,
    opts: &StoreOptions,
    appendable: bool,
) -> Result<DatasetWriter> {
    let shape = unstructured_shape(array);
    write_array_shaped(group, array, &shape, opts, appendable)
}

/// `(tuples,)` for one component, `(tuples, components)` otherwise.
pub fn unstructured_shape(array: &Array) -> Vec<u64> {
    if array.components <= 1 {
        vec![array.values.len() as u64]
    } else {
        vec![array.tuples() as u64, array.components as u64]
    }
}

/// Creates dataset `name` in `group` holding `values` with `shape`.
pub fn write_values(
    group: &GroupWriter,
    name: &str,
    values: &Values,
    shape: &[u64],
    opts: &StoreOptions,
    appendable: bool,
) -> Result<DatasetWriter> {
    let n: u64 = shape.iter().product();
    if n != values.len() as u64 {
        return Err(Error::wrong_use(format!(
            "{}/{name}: shape {shape:?} holds {n} values, {} given",
            group.path(),
            values.len()
        )));
    }
    if let Values::Str(s) = values {
        let refs: Vec<&str> = s.iter().map(String::as_str).collect();
        return group.write_vlen_strings_charset(name, &refs, CharacterSet::Ascii);
    }
    let chunked = appendable || opts.deflate.is_some() || opts.chunk_rows.is_some();
    if !chunked || shape.is_empty() {
        return create_numeric(group, name, values, shape, None, false, opts);
    }
    let row_bytes: u64 = shape.iter().skip(1).product::<u64>() * value_size(values);
    let mut chunk = shape.to_vec();
    chunk[0] = opts.rows_per_chunk(shape[0], row_bytes);
    for c in chunk.iter_mut().skip(1) {
        *c = (*c).max(1);
    }
    create_numeric(group, name, values, shape, Some(&chunk), appendable, opts)
}

/// The size in bytes of one number of `values` (0 for strings).
fn value_size(values: &Values) -> u64 {
    fn size<T>(_: &[T]) -> u64 {
        std::mem::size_of::<T>() as u64
    }
    dispatch!(values, v => size(v), _s => 0)
}

/// Adds the options' filters (shuffle, then deflate) to a chunked dataset.
pub(crate) fn with_filters(b: DatasetBuilder, opts: &StoreOptions) -> DatasetBuilder {
    let Some(level) = opts.deflate else {
        return b;
    };
    let b = if opts.shuffle { b.shuffle() } else { b };
    b.deflate(level)
}

/// Creates dataset `name` of `values`' number type shaped `shape`, holding
/// `values` when the shape holds any (else empty): contiguous, or chunked
/// `chunks` with the options' filters and, when `appendable`, no limit
/// along the first axis. Strings are refused.
pub(crate) fn create_numeric(
    group: &GroupWriter,
    name: &str,
    values: &Values,
    shape: &[u64],
    chunks: Option<&[u64]>,
    appendable: bool,
    opts: &StoreOptions,
) -> Result<DatasetWriter> {
    let write = shape.iter().product::<u64>() > 0;
    macro_rules! mk {
        ($t:ty, $v:expr) => {{
            let mut b = group.new_dataset::<$t>(name, shape);
            if let Some(chunks) = chunks {
                b = b.chunks(chunks);
                if appendable {
                    let mut max: Vec<Option<u64>> = shape.iter().map(|&d| Some(d)).collect();
                    if let Some(m) = max.first_mut() {
                        *m = None;
                    }
                    b = b.maxshape(&max);
                }
                b = with_filters(b, opts);
            }
            let ds = b.create()?;
            if write {
                ds.write::<$t>($v)?;
            }
            ds
        }};
    }
    Ok(match values {
        Values::I8(v) => mk!(i8, v),
        Values::U8(v) => mk!(u8, v),
        Values::I16(v) => mk!(i16, v),
        Values::U16(v) => mk!(u16, v),
        Values::I32(v) => mk!(i32, v),
        Values::U32(v) => mk!(u32, v),
        Values::I64(v) => mk!(i64, v),
        Values::U64(v) => mk!(u64, v),
        Values::F32(v) => mk!(f32, v),
        Values::F64(v) => mk!(f64, v),
        Values::Str(_) => {
            return Err(Error::unsupported(
                0,
                format!("{}/{name}: strings are not numbers", group.path()),
            ))
        }
    })
}

/// Appends `values` as new rows at the end of an appendable dataset (the
/// values fill whole rows of the dataset's row size).
pub fn append_values(ds: &DatasetWriter, values: &Values) -> Result<()> {
    let mut shape = ds.shape()?;
    if shape.is_empty() {
        return Err(Error::wrong_use(format!(
            "{}: cannot append to a scalar dataset",
            ds.path()
        )));
    }
    let row: u64 = shape.iter().skip(1).product::<u64>().max(1);
    let n = values.len() as u64;
    if n % row != 0 {
        return Err(Error::wrong_use(format!(
            "{}: {n} values are not whole rows of {row}",
            ds.path()
        )));
    }
    let start = shape[0];
    shape[0] += n / row;
    ds.resize(&shape)?;
    if n == 0 {
        return Ok(());
    }
    let mut s = vec![0; shape.len()];
    s[0] = start;
    let mut c = shape.clone();
    c[0] = n / row;
    let sel = Hyperslab::new(&s, &c, &vec![1; shape.len()]);
    dispatch!(values, v => ds.write_slice(&sel, v), _s => Err(Error::unsupported(
        0,
        format!("{}: appending strings", ds.path()),
    )))
}
