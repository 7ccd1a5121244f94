//! The h5py-like API: [`File`], [`Group`], [`Dataset`], [`Attribute`].
//!
//! ```no_run
//! let file = vtkhdf::File::open("image.vtkhdf")?;
//! let vtk = file.group("/VTKHDF")?;
//! let extent: Vec<i64> = vtk.attr("WholeExtent")?.read()?;
//! let values: Vec<f64> = file.dataset("/VTKHDF/PointData/pd")?.read()?;
//! # Ok::<(), vtkhdf::Error>(())
//! ```

pub mod write;

use crate::error::{Error, Result};
use crate::format::message::dataspace::{DataspaceKind, UNLIMITED};
use crate::format::message::datatype::{Datatype, DatatypeClass, ReferenceKind};
use crate::format::message::filter_pipeline::FilterDescription;
use crate::format::message::layout::Layout;
use crate::format::message::link::LinkTarget;
use crate::format::object_header::ObjectHeader;
use crate::format::superblock::Superblock;
use crate::format::Limits;
use crate::io::ReadAt;
use crate::read::attribute::RawAttribute;
use crate::read::convert::{self, H5Type};
use crate::read::dataset::{self, DatasetInfo};
use crate::read::group::{self as rgroup, LinkEntry};
use crate::read::selection::Hyperslab;
use crate::read::{object_kind, FileCtx, ObjectKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An open HDF5 file (read-only). Cheap to clone.
#[derive(Clone)]
pub struct File {
    ctx: Arc<FileCtx>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("path", &self.ctx.path)
            .field("superblock_version", &self.ctx.superblock.version)
            .finish()
    }
}

impl File {
    /// Opens the file at `path` for reading.
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        Self::open_with_limits(path, Limits::default())
    }

    /// Opens the file at `path` with explicit [`Limits`].
    pub fn open_with_limits(path: impl AsRef<Path>, limits: Limits) -> Result<File> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|e| {
            Error::new(
                crate::ErrorKind::Io,
                format!("cannot open {}: {e}", path.display()),
            )
        })?;
        let ctx = FileCtx::open(Box::new(f), limits, Some(path.to_path_buf()))?;
        Ok(File { ctx: Arc::new(ctx) })
    }

    /// Opens a file held in memory.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<File> {
        Self::from_reader(bytes.into(), Limits::default())
    }

    /// Opens any positional byte source.
    pub fn from_reader<R: ReadAt + Send + Sync + 'static>(
        source: R,
        limits: Limits,
    ) -> Result<File> {
        let ctx = FileCtx::open(Box::new(source), limits, None)?;
        Ok(File { ctx: Arc::new(ctx) })
    }

    /// The superblock.
    pub fn superblock(&self) -> &Superblock {
        &self.ctx.superblock
    }

    /// The file's path, when opened from one.
    pub fn path(&self) -> Option<&Path> {
        self.ctx.path.as_deref()
    }

    /// The root group `/`.
    pub fn root(&self) -> Result<Group> {
        let address = self.ctx.root_address();
        let header = self
            .ctx
            .object_header(address)
            .map_err(|e| e.in_object("/"))?;
        Ok(Group {
            file: self.clone(),
            path: "/".into(),
            header,
        })
    }

    /// The object at an absolute `path`, following hard and soft links.
    pub fn object(&self, path: &str) -> Result<Object> {
        self.root()?.get(path)
    }

    /// The group at `path`.
    pub fn group(&self, path: &str) -> Result<Group> {
        self.root()?.group(path)
    }

    /// The dataset at `path`.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        self.root()?.dataset(path)
    }

    /// The object whose header is at `address`, named `path`.
    pub fn object_at(&self, address: u64, path: &str) -> Result<Object> {
        let header = self
            .ctx
            .object_header(address)
            .map_err(|e| e.in_object(path))?;
        let kind = object_kind(&header).map_err(|e| e.in_object(path))?;
        Ok(match kind {
            ObjectKind::Group => Object::Group(Group {
                file: self.clone(),
                path: path.into(),
                header,
            }),
            ObjectKind::Dataset => {
                let info =
                    dataset::dataset_info(&self.ctx, &header).map_err(|e| e.in_object(path))?;
                Object::Dataset(Box::new(Dataset {
                    file: self.clone(),
                    path: path.into(),
                    header,
                    info,
                }))
            }
            ObjectKind::Datatype => {
                let datatype = self
                    .ctx
                    .datatype_of(&header)
                    .map_err(|e| e.in_object(path))?
                    .ok_or_else(|| {
                        Error::malformed(address, "committed datatype without a datatype message")
                    })?;
                Object::Datatype(CommittedDatatype {
                    path: path.into(),
                    address,
                    datatype,
                })
            }
        })
    }

    pub(crate) fn ctx(&self) -> &FileCtx {
        &self.ctx
    }
}

/// Any object a link can point to.
#[derive(Debug, Clone)]
pub enum Object {
    /// A group.
    Group(Group),
    /// A dataset.
    Dataset(Box<Dataset>),
    /// A committed (named) datatype.
    Datatype(CommittedDatatype),
}

impl Object {
    /// The object header address (identity of the object in the file).
    pub fn address(&self) -> u64 {
        match self {
            Object::Group(g) => g.header.address,
            Object::Dataset(d) => d.header.address,
            Object::Datatype(t) => t.address,
        }
    }

    /// The path it was reached by.
    pub fn path(&self) -> &str {
        match self {
            Object::Group(g) => &g.path,
            Object::Dataset(d) => &d.path,
            Object::Datatype(t) => &t.path,
        }
    }
}

/// A committed datatype object.
#[derive(Debug, Clone)]
pub struct CommittedDatatype {
    /// The path it was reached by.
    pub path: String,
    /// Object header address.
    pub address: u64,
    /// The datatype.
    pub datatype: Datatype,
}

/// One link of a group.
pub type Link = LinkEntry;

/// A group.
#[derive(Clone)]
pub struct Group {
    file: File,
    path: String,
    header: Arc<ObjectHeader>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Group({:?})", self.path)
    }
}

fn join(base: &str, name: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{name}")
    } else {
        format!("{base}/{name}")
    }
}

impl Group {
    /// The path it was reached by.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Object header address.
    pub fn address(&self) -> u64 {
        self.header.address
    }

    /// The file it belongs to.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Links, sorted by name (bytewise).
    pub fn links(&self) -> Result<Vec<Link>> {
        let mut links =
            rgroup::links(self.file.ctx(), &self.header).map_err(|e| e.in_object(&self.path))?;
        links.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Ok(links)
    }

    /// Links in creation order; an error when the group does not track it.
    pub fn links_in_creation_order(&self) -> Result<Vec<Link>> {
        let ctx = self.file.ctx();
        if !rgroup::tracks_creation_order(ctx, &self.header)? {
            return Err(Error::wrong_use(format!(
                "group {} does not track link creation order",
                self.path
            )));
        }
        let mut links = rgroup::links(ctx, &self.header).map_err(|e| e.in_object(&self.path))?;
        links.sort_by_key(|l| l.creation_order.unwrap_or(u64::MAX));
        Ok(links)
    }

    /// True when the group records link creation order.
    pub fn tracks_creation_order(&self) -> Result<bool> {
        rgroup::tracks_creation_order(self.file.ctx(), &self.header)
    }

    /// Names of the links, sorted.
    pub fn member_names(&self) -> Result<Vec<String>> {
        Ok(self.links()?.into_iter().map(|l| l.name).collect())
    }

    /// The link named `name` (one path component).
    pub fn link(&self, name: &str) -> Result<Link> {
        rgroup::links(self.file.ctx(), &self.header)
            .map_err(|e| e.in_object(&self.path))?
            .into_iter()
            .find(|l| l.name == name)
            .ok_or_else(|| {
                Error::not_found(format!("no link named {name:?} in group {}", self.path))
            })
    }

    /// The object at `path` (relative to this group, or absolute), following
    /// hard and soft links within the file and external links to other files.
    pub fn get(&self, path: &str) -> Result<Object> {
        self.resolve(path, 0)
    }

    fn resolve(&self, path: &str, depth: u32) -> Result<Object> {
        if depth > self.file.ctx().limits.max_depth {
            return Err(Error::limit(format!(
                "too many soft links followed resolving {path:?}"
            )));
        }
        let mut current = if path.starts_with('/') {
            self.file.root()?
        } else {
            self.clone()
        };
        let parts: Vec<&str> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        if parts.is_empty() {
            return Ok(Object::Group(current));
        }
        for (i, part) in parts.iter().enumerate() {
            let link = current.link(part)?;
            let obj_path = join(&current.path, part);
            let obj = match link.target {
                LinkTarget::Hard { address } => self.file.object_at(address, &obj_path)?,
                LinkTarget::Soft { path: target } => current
                    .resolve(&target, depth + 1)
                    .map_err(|e| e.in_object(&obj_path))?,
                LinkTarget::External { file, path: target } => {
                    let base = self.file.path().and_then(|p| p.parent()).map(PathBuf::from);
                    let ext = match base {
                        Some(b) => b.join(&file),
                        None => PathBuf::from(&file),
                    };
                    let other = File::open_with_limits(&ext, self.file.ctx().limits)?;
                    other.object(&target)?
                }
                LinkTarget::UserDefined { link_type, .. } => {
                    return Err(Error::unsupported(
                        self.header.address,
                        format!("user-defined link type {link_type} at {obj_path}"),
                    ))
                }
            };
            if i + 1 == parts.len() {
                return Ok(obj);
            }
            current = match obj {
                Object::Group(g) => g,
                _ => {
                    return Err(Error::wrong_use(format!(
                        "{obj_path} is not a group, cannot resolve {path:?}"
                    )))
                }
            };
        }
        Ok(Object::Group(current))
    }

    /// The group at `path`.
    pub fn group(&self, path: &str) -> Result<Group> {
        match self.get(path)? {
            Object::Group(g) => Ok(g),
            o => Err(Error::wrong_use(format!("{} is not a group", o.path()))),
        }
    }

    /// The dataset at `path`.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        match self.get(path)? {
            Object::Dataset(d) => Ok(*d),
            o => Err(Error::wrong_use(format!("{} is not a dataset", o.path()))),
        }
    }

    /// The attributes, sorted by name.
    pub fn attrs(&self) -> Result<Vec<Result<Attribute>>> {
        attributes(&self.file, &self.header, &self.path)
    }

    /// The attribute `name`.
    pub fn attr(&self, name: &str) -> Result<Attribute> {
        attribute(&self.file, &self.header, &self.path, name)
    }
}

fn attributes(file: &File, header: &ObjectHeader, path: &str) -> Result<Vec<Result<Attribute>>> {
    let list =
        crate::read::attribute::attributes(file.ctx(), header).map_err(|e| e.in_object(path))?;
    let mut out: Vec<(Option<String>, Result<Attribute>)> = list
        .into_iter()
        .map(|(name, r)| {
            (
                name,
                r.map(|raw| Attribute {
                    file: file.clone(),
                    raw,
                })
                .map_err(|e| e.in_object(path)),
            )
        })
        .collect();
    out.sort_by(|a, b| {
        a.0.as_deref()
            .map(str::as_bytes)
            .cmp(&b.0.as_deref().map(str::as_bytes))
    });
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

fn attribute(file: &File, header: &ObjectHeader, path: &str, name: &str) -> Result<Attribute> {
    let list =
        crate::read::attribute::attributes(file.ctx(), header).map_err(|e| e.in_object(path))?;
    for (n, r) in list {
        if n.as_deref() == Some(name) {
            return r
                .map(|raw| Attribute {
                    file: file.clone(),
                    raw,
                })
                .map_err(|e| e.in_object(path));
        }
    }
    Err(Error::not_found(format!("no attribute {name:?} on {path}")))
}

/// How a dataset stores its elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    /// In the object header.
    Compact,
    /// One block in the file.
    Contiguous,
    /// Chunks found through an index.
    Chunked,
    /// Mapped from other datasets.
    Virtual,
}

impl LayoutKind {
    /// The name the canonical dump uses.
    pub fn name(self) -> &'static str {
        match self {
            LayoutKind::Compact => "compact",
            LayoutKind::Contiguous => "contiguous",
            LayoutKind::Chunked => "chunked",
            LayoutKind::Virtual => "virtual",
        }
    }
}

/// A dataset.
#[derive(Clone)]
pub struct Dataset {
    file: File,
    path: String,
    header: Arc<ObjectHeader>,
    info: DatasetInfo,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dataset({:?}, {:?})", self.path, self.shape())
    }
}

impl Dataset {
    /// The path it was reached by.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Object header address.
    pub fn address(&self) -> u64 {
        self.header.address
    }

    /// Shape; `None` for a null dataspace, empty for a scalar.
    pub fn shape_opt(&self) -> Option<&[u64]> {
        match self.info.dataspace.kind {
            DataspaceKind::Null => None,
            _ => Some(self.info.shape()),
        }
    }

    /// Shape (empty for scalar and null dataspaces).
    pub fn shape(&self) -> &[u64] {
        self.info.shape()
    }

    /// True when the dataspace is null (no elements, no shape).
    pub fn is_null(&self) -> bool {
        self.info.dataspace.kind == DataspaceKind::Null
    }

    /// Maximum shape: `None` entries are unlimited.
    pub fn maxshape(&self) -> Vec<Option<u64>> {
        let ds = &self.info.dataspace;
        ds.max_dims
            .as_ref()
            .unwrap_or(&ds.dims)
            .iter()
            .map(|&d| if d == UNLIMITED { None } else { Some(d) })
            .collect()
    }

    /// Number of elements.
    pub fn len(&self) -> u64 {
        self.info.n_elements()
    }

    /// True when the dataset has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type.
    pub fn dtype(&self) -> &Datatype {
        &self.info.datatype
    }

    /// The storage layout kind.
    pub fn layout(&self) -> LayoutKind {
        match self.info.layout {
            Layout::Compact { .. } => LayoutKind::Compact,
            Layout::Contiguous { .. } => LayoutKind::Contiguous,
            Layout::Chunked { .. } => LayoutKind::Chunked,
            Layout::Virtual { .. } => LayoutKind::Virtual,
        }
    }

    /// Chunk shape when chunked.
    pub fn chunks(&self) -> Option<Vec<u64>> {
        self.info.chunk_dims().map(<[u64]>::to_vec)
    }

    /// The filter pipeline.
    pub fn filters(&self) -> &[FilterDescription] {
        &self.info.filters
    }

    /// The fill value of one element, in the file's byte layout (`None`: zeros).
    pub fn fill_value_bytes(&self) -> Option<&[u8]> {
        self.info.fill.as_deref()
    }

    /// Low-level metadata.
    pub fn info(&self) -> &DatasetInfo {
        &self.info
    }

    /// The file it belongs to.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The attributes, sorted by name.
    pub fn attrs(&self) -> Result<Vec<Result<Attribute>>> {
        attributes(&self.file, &self.header, &self.path)
    }

    /// The attribute `name`.
    pub fn attr(&self, name: &str) -> Result<Attribute> {
        attribute(&self.file, &self.header, &self.path, name)
    }

    /// The whole dataset as raw bytes in the file's layout.
    pub fn read_raw(&self) -> Result<Vec<u8>> {
        self.read_raw_slice(&Hyperslab::all(self.shape()))
    }

    /// A hyperslab as raw bytes in the file's layout.
    pub fn read_raw_slice(&self, sel: &Hyperslab) -> Result<Vec<u8>> {
        dataset::read_raw(self.file.ctx(), &self.info, sel).map_err(|e| e.in_object(&self.path))
    }

    /// The whole dataset converted to `T` (C order).
    pub fn read<T: H5Type>(&self) -> Result<Vec<T>> {
        self.read_slice(&Hyperslab::all(self.shape()))
    }

    /// A hyperslab converted to `T` (C order over the selection's counts).
    pub fn read_slice<T: H5Type>(&self, sel: &Hyperslab) -> Result<Vec<T>> {
        let ctx = self.file.ctx();
        if self.is_null() {
            return Ok(Vec::new());
        }
        let n = sel
            .n_elements()
            .ok_or_else(|| Error::limit("selection size overflows"))?;
        if !convert::needs_conversion::<T>(&self.info.datatype) {
            // Read straight into the caller's memory.
            let bytes = n.saturating_mul(std::mem::size_of::<T>() as u64);
            if bytes > ctx.limits.max_alloc_bytes {
                return Err(Error::limit(format!(
                    "reading {bytes} bytes exceeds the allocation limit"
                )));
            }
            let mut out = crate::read::memory::zeroed::<T>(n as usize);
            dataset::read_raw_into(ctx, &self.info, sel, bytemuck::cast_slice_mut(&mut out))
                .map_err(|e| e.in_object(&self.path))?;
            return Ok(out);
        }
        let raw = self.read_raw_slice(sel)?;
        convert::convert(&self.info.datatype, &raw).map_err(|e| e.in_object(&self.path))
    }

    /// The whole dataset as strings (fixed or variable length).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        let raw = self.read_raw()?;
        convert::strings(self.file.ctx(), &self.info.datatype, &raw)
            .map_err(|e| e.in_object(&self.path))
    }

    /// The whole dataset as an n-dimensional array.
    #[cfg(feature = "ndarray")]
    pub fn read_array<T: H5Type>(&self) -> Result<ndarray::ArrayD<T>> {
        let v = self.read::<T>()?;
        let shape: Vec<usize> = self.shape().iter().map(|&d| d as usize).collect();
        ndarray::ArrayD::from_shape_vec(shape, v).map_err(|e| Error::wrong_use(e.to_string()))
    }

    /// A hyperslab as an n-dimensional array of the selection's counts.
    #[cfg(feature = "ndarray")]
    pub fn read_array_slice<T: H5Type>(&self, sel: &Hyperslab) -> Result<ndarray::ArrayD<T>> {
        let v = self.read_slice::<T>(sel)?;
        let shape: Vec<usize> = sel.count.iter().map(|&d| d as usize).collect();
        ndarray::ArrayD::from_shape_vec(shape, v).map_err(|e| Error::wrong_use(e.to_string()))
    }
}

/// An attribute, with its value loaded.
#[derive(Clone)]
pub struct Attribute {
    file: File,
    raw: RawAttribute,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attribute({:?})", self.raw.name)
    }
}

impl Attribute {
    /// The name.
    pub fn name(&self) -> &str {
        &self.raw.name
    }

    /// The element type.
    pub fn dtype(&self) -> &Datatype {
        &self.raw.datatype
    }

    /// Shape; `None` for a null dataspace, empty for a scalar.
    pub fn shape(&self) -> Option<&[u64]> {
        match self.raw.dataspace.kind {
            DataspaceKind::Null => None,
            _ => Some(&self.raw.dataspace.dims),
        }
    }

    /// The stored bytes (file layout).
    pub fn raw_bytes(&self) -> &[u8] {
        &self.raw.data
    }

    /// The value converted to `T` (C order).
    pub fn read<T: H5Type>(&self) -> Result<Vec<T>> {
        convert::convert(&self.raw.datatype, &self.raw.data)
    }

    /// The single value of a scalar (or one-element) attribute.
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        let v = self.read::<T>()?;
        match v.as_slice() {
            [x] => Ok(*x),
            _ => Err(Error::wrong_use(format!(
                "attribute {:?} holds {} values, not one",
                self.raw.name,
                v.len()
            ))),
        }
    }

    /// The values as strings (fixed or variable length).
    pub fn read_strings(&self) -> Result<Vec<String>> {
        convert::strings(self.file.ctx(), &self.raw.datatype, &self.raw.data)
    }

    /// The single string of a scalar string attribute.
    pub fn read_string(&self) -> Result<String> {
        let mut v = self.read_strings()?;
        if v.len() != 1 {
            return Err(Error::wrong_use(format!(
                "attribute {:?} holds {} strings, not one",
                self.raw.name,
                v.len()
            )));
        }
        Ok(v.remove(0))
    }
}

fn byte_order_char(order: crate::format::message::datatype::ByteOrder, size: u32) -> char {
    if size == 1 {
        '|'
    } else {
        match order {
            crate::format::message::datatype::ByteOrder::Little => '<',
            crate::format::message::datatype::ByteOrder::Big => '>',
        }
    }
}

/// True for h5py's boolean: an enum of a 1-byte integer whose members are
/// exactly FALSE = 0 and TRUE = 1.
pub fn is_h5py_bool(t: &Datatype) -> bool {
    if let DatatypeClass::Enum { base, members } = &t.class {
        if base.size != 1 || members.len() != 2 {
            return false;
        }
        let m0 = &members[0];
        let m1 = &members[1];
        let ok = |m: &crate::format::message::datatype::EnumMember, name: &str, v: u8| {
            m.name == name && m.value.as_slice() == [v]
        };
        (ok(m0, "FALSE", 0) && ok(m1, "TRUE", 1)) || (ok(m0, "TRUE", 1) && ok(m1, "FALSE", 0))
    } else {
        false
    }
}

/// The size of the numpy float h5py maps a float datatype to: IEEE
/// half/single/double keep their size; other layouts widen to the next numpy
/// float (bfloat16 to f4, an x87 long double to numpy's 16-byte longdouble).
pub fn numpy_float_size(t: &Datatype) -> u32 {
    if convert::is_ieee_float(t) {
        return t.size;
    }
    match t.size {
        0..=4 => 4,
        5..=8 => 8,
        _ => 16,
    }
}

/// The dtype name of the canonical dump (numpy's `dtype.str` for numbers).
pub fn dtype_name(t: &Datatype) -> String {
    match &t.class {
        DatatypeClass::FixedPoint { order, signed, .. } => {
            format!(
                "{}{}{}",
                byte_order_char(*order, t.size),
                if *signed { 'i' } else { 'u' },
                t.size
            )
        }
        DatatypeClass::FloatingPoint { order, .. } => {
            format!(
                "{}f{}",
                byte_order_char(*order, t.size),
                numpy_float_size(t)
            )
        }
        // Classes the canonical dump does not name are "class" + the HDF5
        // class number, as h5py leaves them.
        DatatypeClass::Time { .. } => "class2".into(),
        DatatypeClass::String { .. } => format!("|S{}", t.size),
        DatatypeClass::Bitfield { .. } => format!("bitfield{}", t.size * 8),
        DatatypeClass::Opaque { .. } => format!("|V{}", t.size),
        DatatypeClass::Compound { members } => {
            let parts: Vec<String> = members
                .iter()
                .map(|m| format!("{}:{}", m.name, dtype_name(&m.datatype)))
                .collect();
            format!("compound({})", parts.join(","))
        }
        DatatypeClass::Reference { kind } => {
            let _ = matches!(kind, ReferenceKind::Object);
            "ref".into()
        }
        DatatypeClass::Enum { base, .. } => {
            if is_h5py_bool(t) {
                "|b1".into()
            } else {
                format!("enum({})", dtype_name(base))
            }
        }
        DatatypeClass::VarLen {
            string: Some(_), ..
        } => "str".into(),
        DatatypeClass::VarLen { string: None, base } => format!("vlen({})", dtype_name(base)),
        DatatypeClass::Array { dims, base } => {
            let d: Vec<String> = dims.iter().map(|x| x.to_string()).collect();
            format!("array({},[{}])", dtype_name(base), d.join(", "))
        }
        DatatypeClass::Complex { .. } => "class11".into(),
    }
}
