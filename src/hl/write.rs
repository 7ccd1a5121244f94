//! The writing side of the h5py-like API: [`FileWriter`], [`GroupWriter`],
//! [`DatasetBuilder`], [`DatasetWriter`].
//!
//! ```
//! use vtkhdf::{FileWriter, Hyperslab};
//! # fn main() -> vtkhdf::Result<()> {
//! let file = FileWriter::in_memory()?;
//! let g = file.create_group("/results/step0")?;
//! g.set_attr("time", &[0.5f64])?;
//! let ds = g.new_dataset::<f32>("pressure", &[4, 3]).chunks(&[2, 3]).deflate(4).create()?;
//! ds.write(&[1.0f32; 12])?;
//! ds.write_slice(&Hyperslab::new(&[1, 0], &[1, 3], &[1, 1]), &[2.0f32, 3.0, 4.0])?;
//! let bytes = file.into_bytes()?;
//! let back = vtkhdf::File::from_bytes(bytes)?;
//! let p: Vec<f32> = back.dataset("/results/step0/pressure")?.read()?;
//! assert_eq!(&p[3..6], &[2.0, 3.0, 4.0]);
//! # Ok(())
//! # }
//! ```

use crate::error::{Error, Result};
use crate::format::message::dataspace::UNLIMITED;
use crate::format::message::datatype::{
    ByteOrder, CharacterSet, Datatype, DatatypeClass, StringPadding,
};
use crate::format::message::filter_pipeline::FilterDescription;
use crate::format::UNDEFINED;
use crate::io::WriteAt;
use crate::read::convert::{H5Type, Native};
use crate::read::selection::Hyperslab;
use crate::write::model::{
    AttrNode, DatasetNode, GroupNode, GroupStyle, LinkNode, LinkTo, Model, Node, NodeId, NodeKind,
    Storage, Value,
};
use crate::write::State;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// The HDF5 datatype of a native Rust number (little-endian).
pub fn native_datatype<T: H5Type>() -> Datatype {
    match T::native() {
        Native::Int(n) | Native::UInt(n) => Datatype {
            size: n,
            class: DatatypeClass::FixedPoint {
                order: ByteOrder::Little,
                signed: matches!(T::native(), Native::Int(_)),
                bit_offset: 0,
                precision: (8 * n) as u16,
            },
        },
        Native::Float(4) => ieee(4, 31, 23, 8, 0, 23, 127),
        Native::Float(2) => ieee(2, 15, 10, 5, 0, 10, 15),
        Native::Float(_) => ieee(8, 63, 52, 11, 0, 52, 1023),
    }
}

fn ieee(
    size: u32,
    sign: u8,
    exp_loc: u8,
    exp_size: u8,
    man_loc: u8,
    man_size: u8,
    bias: u32,
) -> Datatype {
    Datatype {
        size,
        class: DatatypeClass::FloatingPoint {
            order: ByteOrder::Little,
            sign_location: sign,
            bit_offset: 0,
            precision: (size * 8) as u16,
            exponent_location: exp_loc,
            exponent_size: exp_size,
            mantissa_location: man_loc,
            mantissa_size: man_size,
            exponent_bias: bias,
        },
    }
}

/// A fixed-length string type of `size` bytes.
pub fn fixed_string_datatype(size: u32, padding: StringPadding, charset: CharacterSet) -> Datatype {
    Datatype {
        size,
        class: DatatypeClass::String { padding, charset },
    }
}

/// The variable-length string type (as h5py and VTK write it).
pub fn vlen_string_datatype(charset: CharacterSet) -> Datatype {
    Datatype {
        size: 16,
        class: DatatypeClass::VarLen {
            string: Some((StringPadding::NullTerminate, charset)),
            base: Box::new(Datatype {
                size: 1,
                class: DatatypeClass::FixedPoint {
                    order: ByteOrder::Little,
                    signed: false,
                    bit_offset: 0,
                    precision: 8,
                },
            }),
        },
    }
}

type Shared = Arc<Mutex<Option<State>>>;

fn lock(s: &Shared) -> Result<MutexGuard<'_, Option<State>>> {
    s.lock()
        .map_err(|_| Error::wrong_use("a previous write panicked; the file is unusable"))
}

fn with<R>(s: &Shared, f: impl FnOnce(&mut State) -> Result<R>) -> Result<R> {
    let mut g = lock(s)?;
    match g.as_mut() {
        Some(state) => f(state),
        None => Err(Error::wrong_use("the file is closed")),
    }
}

/// A file open for writing. Objects are created through it and its
/// [`GroupWriter`]s; [`flush`](Self::flush) commits, [`close`](Self::close)
/// commits and closes, and dropping it commits (errors then go unreported:
/// call `close` to see them).
pub struct FileWriter {
    state: Shared,
}

impl std::fmt::Debug for FileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileWriter")
    }
}

/// Options for a new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateOptions {
    /// Bytes reserved at the start of the file for other tools (0, or a
    /// power of two of at least 512).
    pub userblock: u64,
    /// Root group link storage.
    pub root_style: GroupStyle,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            userblock: 0,
            root_style: GroupStyle::SymbolTable,
        }
    }
}

impl FileWriter {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        Self::create_with(path, CreateOptions::default())
    }

    /// Creates the file at `path`, failing if it exists.
    pub fn create_new(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                Error::new(
                    crate::ErrorKind::Io,
                    format!("cannot create {}: {e}", path.display()),
                )
            })?;
        Self::on(Box::new(f), CreateOptions::default())
    }

    /// Creates (or truncates) the file at `path` with options.
    pub fn create_with(path: impl AsRef<Path>, options: CreateOptions) -> Result<Self> {
        let path = path.as_ref();
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| {
                Error::new(
                    crate::ErrorKind::Io,
                    format!("cannot create {}: {e}", path.display()),
                )
            })?;
        Self::on(Box::new(f), options)
    }

    /// Opens an existing file for reading and writing (h5py's `r+`): its
    /// objects can be read through [`crate::File`] and changed or extended
    /// here; changed metadata is written after the current end of the file
    /// at each commit (copy on write), data already there is left in place.
    pub fn open_rw(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let reader = crate::File::open(path)?;
        if reader.superblock().flags & crate::format::superblock::FLAG_WRITE_ACCESS != 0 {
            return Err(Error::wrong_use(format!(
                "{} is marked as open for writing by another program",
                path.display()
            )));
        }
        let model = crate::write::load::load(&reader)?;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| {
                Error::new(
                    crate::ErrorKind::Io,
                    format!("cannot open {} for writing: {e}", path.display()),
                )
            })?;
        let state = State::open_existing(Box::new(f), model, reader.superblock())?;
        Ok(FileWriter {
            state: Arc::new(Mutex::new(Some(state))),
        })
    }

    /// Opens the file at `path` for reading and writing, creating it when it
    /// does not exist (h5py's `a`).
    pub fn append(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if path.exists() {
            Self::open_rw(path)
        } else {
            Self::create_new(path)
        }
    }

    /// A file built in memory; [`into_bytes`](Self::into_bytes) returns it.
    pub fn in_memory() -> Result<Self> {
        Self::on(Box::new(Vec::<u8>::new()), CreateOptions::default())
    }

    /// A new file on any destination.
    pub fn on(target: Box<dyn WriteAt + Send + Sync>, options: CreateOptions) -> Result<Self> {
        let state = State::create(target, Model::new(options.root_style), options.userblock)?;
        Ok(FileWriter {
            state: Arc::new(Mutex::new(Some(state))),
        })
    }

    /// The root group.
    pub fn root(&self) -> GroupWriter {
        GroupWriter {
            state: self.state.clone(),
            node: 0,
            path: "/".into(),
        }
    }

    /// Creates the group at `path` and any missing groups above it.
    pub fn create_group(&self, path: &str) -> Result<GroupWriter> {
        self.root().create_group(path)
    }

    /// The existing group at `path`.
    pub fn group(&self, path: &str) -> Result<GroupWriter> {
        self.root().group(path)
    }

    /// The existing dataset at absolute `path`.
    pub fn dataset(&self, path: &str) -> Result<DatasetWriter> {
        let (parent, name) = match path.trim_end_matches('/').rsplit_once('/') {
            Some((p, n)) => (if p.is_empty() { "/" } else { p }, n),
            None => ("/", path),
        };
        let g = self.group(parent)?;
        let node = with(&self.state, |s| match find_link(s, g.node, name) {
            Some(LinkTo::Hard(id)) if matches!(s.model.nodes[id].kind, NodeKind::Dataset(_)) => {
                Ok(id)
            }
            _ => Err(Error::not_found(format!("no dataset {path}"))),
        })?;
        Ok(DatasetWriter {
            state: self.state.clone(),
            node,
            path: path.to_string(),
        })
    }

    /// Commits: after this returns, the file holds everything written so far
    /// even if the process dies.
    pub fn flush(&self) -> Result<()> {
        with(&self.state, State::commit)
    }

    /// Commits on its own during writes whenever `every` has passed since
    /// the last commit (`None`: only on `flush`, `close` and drop).
    pub fn set_auto_commit(&self, every: Option<std::time::Duration>) -> Result<()> {
        with(&self.state, |s| {
            s.auto_commit = every;
            Ok(())
        })
    }

    /// Commits and closes the file.
    pub fn close(self) -> Result<()> {
        let mut g = lock(&self.state)?;
        match g.take() {
            Some(mut s) => s.commit(),
            None => Ok(()),
        }
    }

    /// Commits and returns the bytes of an in-memory file.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        let mut g = lock(&self.state)?;
        let mut s = g
            .take()
            .ok_or_else(|| Error::wrong_use("the file is closed"))?;
        s.commit()?;
        let target = s.into_target();
        let len = target.len()?;
        let mut buf = vec![0u8; len as usize];
        target.read_exact_at(0, &mut buf)?;
        Ok(buf)
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        if let Ok(mut g) = self.state.lock() {
            if let Some(mut s) = g.take() {
                let _ = s.commit();
            }
        }
    }
}

/// A group of a file open for writing.
#[derive(Clone)]
pub struct GroupWriter {
    state: Shared,
    node: NodeId,
    path: String,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupWriter({:?})", self.path)
    }
}

fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.contains('/') || name == "." {
        return Err(Error::wrong_use(format!(
            "{name:?} is not a valid link name (empty, '.', or containing '/')"
        )));
    }
    Ok(())
}

fn group_of(state: &mut State, id: NodeId) -> Result<&mut GroupNode> {
    match state.model.nodes.get_mut(id).map(|n| &mut n.kind) {
        Some(NodeKind::Group(g)) => Ok(g),
        _ => Err(Error::wrong_use("not a group")),
    }
}

fn find_link(state: &State, group: NodeId, name: &str) -> Option<LinkTo> {
    match &state.model.nodes.get(group)?.kind {
        NodeKind::Group(g) => g
            .links
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.target.clone()),
        _ => None,
    }
}

fn add_node(state: &mut State, parent: NodeId, name: &str, node: Node) -> Result<NodeId> {
    check_name(name)?;
    if find_link(state, parent, name).is_some() {
        return Err(Error::wrong_use(format!(
            "a link named {name:?} already exists"
        )));
    }
    let id = state.model.nodes.len();
    state.model.nodes.push(node);
    group_of(state, parent)?.links.push(LinkNode {
        name: name.into(),
        target: LinkTo::Hard(id),
    });
    Ok(id)
}

impl GroupWriter {
    /// The group's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn walk(&self, path: &str, create: Option<GroupStyle>) -> Result<GroupWriter> {
        let (mut node, mut cur) = if path.starts_with('/') {
            (0, String::from("/"))
        } else {
            (self.node, self.path.clone())
        };
        with(&self.state, |s| {
            for part in path.split('/').filter(|p| !p.is_empty()) {
                let next = match find_link(s, node, part) {
                    Some(LinkTo::Hard(id)) => match s.model.nodes[id].kind {
                        NodeKind::Group(_) => id,
                        _ => {
                            return Err(Error::wrong_use(format!(
                                "{} is a dataset, not a group",
                                child_path(&cur, part)
                            )))
                        }
                    },
                    Some(_) => {
                        return Err(Error::wrong_use(format!(
                            "{} is a soft or external link; create groups through real paths",
                            child_path(&cur, part)
                        )))
                    }
                    None => match create {
                        Some(style) => add_node(
                            s,
                            node,
                            part,
                            Node {
                                kind: NodeKind::Group(GroupNode {
                                    links: Vec::new(),
                                    style,
                                }),
                                attrs: Vec::new(),
                            },
                        )?,
                        None => {
                            return Err(Error::not_found(format!(
                                "no group {}",
                                child_path(&cur, part)
                            )))
                        }
                    },
                };
                node = next;
                cur = child_path(&cur, part);
            }
            Ok(())
        })?;
        Ok(GroupWriter {
            state: self.state.clone(),
            node,
            path: cur,
        })
    }

    /// Creates the group `path` (relative or absolute) and missing parents,
    /// storing links in a symbol table (libhdf5's default). An existing group
    /// is returned as is.
    pub fn create_group(&self, path: &str) -> Result<GroupWriter> {
        self.walk(path, Some(GroupStyle::SymbolTable))
    }

    /// Like [`create_group`](Self::create_group), with link creation order
    /// tracked (link messages; what VTK writes and VTKHDF composites need).
    pub fn create_group_tracked(&self, path: &str) -> Result<GroupWriter> {
        self.walk(path, Some(GroupStyle::TrackedLinks))
    }

    /// The existing group `path`.
    pub fn group(&self, path: &str) -> Result<GroupWriter> {
        self.walk(path, None)
    }

    /// Adds a soft link `name` pointing at `target` (stored as given).
    pub fn link_soft(&self, name: &str, target: &str) -> Result<()> {
        self.add_link(name, LinkTo::Soft(target.into()))
    }

    /// Adds a hard link `name` to the existing object at absolute `path`
    /// (written earlier through this writer).
    pub fn link_hard(&self, name: &str, path: &str) -> Result<()> {
        let target = with(&self.state, |s| {
            let mut node = 0;
            for part in path.split('/').filter(|p| !p.is_empty()) {
                node = match find_link(s, node, part) {
                    Some(LinkTo::Hard(id)) => id,
                    _ => return Err(Error::not_found(format!("no object {path} to link to"))),
                };
            }
            Ok(node)
        })?;
        self.add_link(name, LinkTo::Hard(target))
    }

    /// Adds an external link `name` to `path` in `file`.
    pub fn link_external(&self, name: &str, file: &str, path: &str) -> Result<()> {
        self.add_link(
            name,
            LinkTo::External {
                file: file.into(),
                path: path.into(),
            },
        )
    }

    /// Stores `datatype` as a committed (named) datatype object `name`.
    pub fn commit_datatype(&self, name: &str, datatype: Datatype) -> Result<()> {
        let node = Node {
            kind: NodeKind::Datatype(datatype),
            attrs: Vec::new(),
        };
        with(&self.state, |s| add_node(s, self.node, name, node)).map(|_| ())
    }

    /// Adds a user-defined link (type 65-255) holding `data` as its value.
    pub fn link_user_defined(&self, name: &str, link_type: u8, data: &[u8]) -> Result<()> {
        if link_type < 65 {
            return Err(Error::wrong_use(format!(
                "user-defined link types start at 65, not {link_type}"
            )));
        }
        self.add_link(
            name,
            LinkTo::UserDefined {
                link_type,
                data: data.to_vec(),
            },
        )
    }

    fn add_link(&self, name: &str, target: LinkTo) -> Result<()> {
        check_name(name)?;
        let node = self.node;
        with(&self.state, |s| {
            if find_link(s, node, name).is_some() {
                return Err(Error::wrong_use(format!(
                    "a link named {name:?} already exists"
                )));
            }
            let g = group_of(s, node)?;
            // A symbol table entry cannot hold an external link: like
            // libhdf5, switch the group to link messages.
            if matches!(target, LinkTo::External { .. } | LinkTo::UserDefined { .. }) {
                g.style = GroupStyle::TrackedLinks;
            }
            g.links.push(LinkNode {
                name: name.into(),
                target,
            });
            Ok(())
        })
    }

    /// Sets (creates or replaces) a numeric attribute; one value makes a
    /// scalar attribute, more make a 1-D one.
    pub fn set_attr<T: H5Type>(&self, name: &str, values: &[T]) -> Result<()> {
        let shape = if values.len() == 1 {
            vec![]
        } else {
            vec![values.len() as u64]
        };
        set_attr(&self.state, self.node, numeric_attr(name, values, shape))
    }

    /// Sets a numeric attribute of any shape (C order).
    pub fn set_attr_shaped<T: H5Type>(
        &self,
        name: &str,
        values: &[T],
        shape: &[u64],
    ) -> Result<()> {
        set_attr(
            &self.state,
            self.node,
            numeric_attr(name, values, shape.to_vec()),
        )
    }

    /// Sets a scalar fixed-length ASCII string attribute of exactly the
    /// string's length (what VTK writes for `Type`, and what every VTK reads).
    pub fn set_attr_str(&self, name: &str, value: &str) -> Result<()> {
        set_attr(&self.state, self.node, fixed_str_attr(name, value)?)
    }

    /// Sets a variable-length string attribute (scalar for one string).
    pub fn set_attr_vlen_strs(&self, name: &str, values: &[&str]) -> Result<()> {
        set_attr(&self.state, self.node, vlen_attr(name, values))
    }

    /// Sets an attribute from its raw parts (file byte layout).
    pub fn set_attr_raw(
        &self,
        name: &str,
        datatype: Datatype,
        shape: Option<Vec<u64>>,
        raw: Vec<u8>,
    ) -> Result<()> {
        set_attr(
            &self.state,
            self.node,
            AttrNode {
                name: name.into(),
                datatype,
                shape,
                value: Value::Raw(raw),
            },
        )
    }

    /// Starts a dataset of element type `T` and shape `shape`.
    pub fn new_dataset<T: H5Type>(&self, name: &str, shape: &[u64]) -> DatasetBuilder {
        self.new_dataset_typed(name, native_datatype::<T>(), shape)
    }

    /// Starts a dataset of any element type.
    pub fn new_dataset_typed(
        &self,
        name: &str,
        datatype: Datatype,
        shape: &[u64],
    ) -> DatasetBuilder {
        DatasetBuilder {
            state: self.state.clone(),
            parent: self.node,
            parent_path: self.path.clone(),
            name: name.into(),
            datatype,
            shape: shape.to_vec(),
            maxshape: None,
            layout: LayoutChoice::Contiguous,
            filters: Vec::new(),
            fill: None,
            null_space: false,
        }
    }

    /// Creates a variable-length UTF-8 string dataset (1-D) holding `values`.
    pub fn write_vlen_strings(&self, name: &str, values: &[&str]) -> Result<DatasetWriter> {
        self.write_vlen_strings_charset(name, values, CharacterSet::Utf8)
    }

    /// Creates a variable-length string dataset (1-D) of the given character
    /// set holding `values`.
    pub fn write_vlen_strings_charset(
        &self,
        name: &str,
        values: &[&str],
        charset: CharacterSet,
    ) -> Result<DatasetWriter> {
        let node = Node {
            kind: NodeKind::Dataset(Box::new(DatasetNode {
                datatype: vlen_string_datatype(charset),
                dims: vec![values.len() as u64],
                max_dims: None,
                storage: Storage::Contiguous {
                    address: UNDEFINED,
                    size: 0,
                },
                filters: Vec::new(),
                fill: None,
                vlen: Some(values.iter().map(|s| s.to_string()).collect()),
                null_space: false,
            })),
            attrs: Vec::new(),
        };
        let id = with(&self.state, |s| add_node(s, self.node, name, node))?;
        Ok(DatasetWriter {
            state: self.state.clone(),
            node: id,
            path: child_path(&self.path, name),
        })
    }
}

fn numeric_attr<T: H5Type>(name: &str, values: &[T], shape: Vec<u64>) -> AttrNode {
    AttrNode {
        name: name.into(),
        datatype: native_datatype::<T>(),
        shape: Some(shape),
        value: Value::Raw(bytemuck::cast_slice(values).to_vec()),
    }
}

fn fixed_str_attr(name: &str, value: &str) -> Result<AttrNode> {
    if value.is_empty() {
        return Err(Error::wrong_use(
            "a fixed-length string attribute needs at least one byte",
        ));
    }
    Ok(AttrNode {
        name: name.into(),
        datatype: fixed_string_datatype(
            value.len() as u32,
            StringPadding::NullTerminate,
            if value.is_ascii() {
                CharacterSet::Ascii
            } else {
                CharacterSet::Utf8
            },
        ),
        shape: Some(vec![]),
        value: Value::Raw(value.as_bytes().to_vec()),
    })
}

fn vlen_attr(name: &str, values: &[&str]) -> AttrNode {
    AttrNode {
        name: name.into(),
        datatype: vlen_string_datatype(CharacterSet::Utf8),
        shape: Some(if values.len() == 1 {
            vec![]
        } else {
            vec![values.len() as u64]
        }),
        value: Value::VlenStrings(values.iter().map(|s| s.to_string()).collect()),
    }
}

fn set_attr(state: &Shared, node: NodeId, attr: AttrNode) -> Result<()> {
    if attr.name.is_empty() {
        return Err(Error::wrong_use("attribute names cannot be empty"));
    }
    if let (Some(shape), Value::Raw(raw)) = (&attr.shape, &attr.value) {
        let n: u64 = shape.iter().product();
        if n * u64::from(attr.datatype.size) != raw.len() as u64 {
            return Err(Error::wrong_use(format!(
                "attribute {:?}: {} bytes of data for shape {shape:?} of {}-byte elements",
                attr.name,
                raw.len(),
                attr.datatype.size
            )));
        }
    }
    with(state, |s| {
        let attrs = &mut s
            .model
            .nodes
            .get_mut(node)
            .ok_or_else(|| Error::wrong_use("no such object"))?
            .attrs;
        match attrs.iter_mut().find(|a| a.name == attr.name) {
            Some(a) => *a = attr,
            None => attrs.push(attr),
        }
        Ok(())
    })
}

enum LayoutChoice {
    Contiguous,
    Compact,
    Chunked(Option<Vec<u64>>),
}

/// Describes a dataset before it is created: see [`GroupWriter::new_dataset`].
pub struct DatasetBuilder {
    state: Shared,
    parent: NodeId,
    parent_path: String,
    name: String,
    datatype: Datatype,
    shape: Vec<u64>,
    maxshape: Option<Vec<Option<u64>>>,
    layout: LayoutChoice,
    filters: Vec<FilterDescription>,
    fill: Option<Vec<u8>>,
    null_space: bool,
}

impl DatasetBuilder {
    /// A dataset with a null dataspace (no shape and no elements, like an
    /// HDF5 "empty" dataset).
    pub fn null_space(mut self) -> Self {
        self.null_space = true;
        self.shape.clear();
        self.layout = LayoutChoice::Contiguous;
        self
    }

    /// Maximum shape; `None` entries are unlimited (needs chunks).
    pub fn maxshape(mut self, maxshape: &[Option<u64>]) -> Self {
        self.maxshape = Some(maxshape.to_vec());
        if matches!(self.layout, LayoutChoice::Contiguous) {
            self.layout = LayoutChoice::Chunked(None);
        }
        self
    }

    /// Chunk shape.
    pub fn chunks(mut self, chunks: &[u64]) -> Self {
        self.layout = LayoutChoice::Chunked(Some(chunks.to_vec()));
        self
    }

    /// Chunked, with a chunk shape chosen automatically (about 1 MiB).
    pub fn chunks_auto(mut self) -> Self {
        self.layout = LayoutChoice::Chunked(None);
        self
    }

    /// Data in the object header (small datasets, under 64 KiB).
    pub fn compact(mut self) -> Self {
        self.layout = LayoutChoice::Compact;
        self
    }

    fn chunked(&mut self) {
        if !matches!(self.layout, LayoutChoice::Chunked(_)) {
            self.layout = LayoutChoice::Chunked(None);
        }
    }

    /// Shuffle bytes before compression (implies chunks).
    pub fn shuffle(mut self) -> Self {
        self.chunked();
        self.filters.push(FilterDescription {
            id: 2,
            name: None,
            flags: 0,
            client_data: vec![self.datatype.size],
        });
        self
    }

    /// Deflate (zlib) at `level` 0-9 (implies chunks).
    pub fn deflate(mut self, level: u32) -> Self {
        self.chunked();
        self.filters.push(FilterDescription {
            id: 1,
            name: None,
            flags: 0,
            client_data: vec![level.min(9)],
        });
        self
    }

    /// Fletcher-32 checksum of each chunk (implies chunks).
    pub fn fletcher32(mut self) -> Self {
        self.chunked();
        self.filters.push(FilterDescription {
            id: 3,
            name: None,
            flags: 0,
            client_data: vec![],
        });
        self
    }

    /// Any filter pipeline (ids and client data as stored).
    pub fn filters(mut self, filters: Vec<FilterDescription>) -> Self {
        if !filters.is_empty() {
            self.chunked();
        }
        self.filters = filters;
        self
    }

    /// The value unwritten elements read as.
    pub fn fill_value<T: H5Type>(mut self, value: T) -> Self {
        self.fill = Some(bytemuck::bytes_of(&value).to_vec());
        self
    }

    /// The fill value as raw bytes of one element.
    pub fn fill_value_raw(mut self, value: Vec<u8>) -> Self {
        self.fill = Some(value);
        self
    }

    /// Creates the dataset.
    pub fn create(self) -> Result<DatasetWriter> {
        let rank = self.shape.len();
        let esize = u64::from(self.datatype.size);
        if esize == 0 {
            return Err(Error::wrong_use("datatype of size 0"));
        }
        if let Some(f) = &self.fill {
            if f.len() as u64 != esize {
                return Err(Error::wrong_use(format!(
                    "fill value of {} bytes for {esize}-byte elements",
                    f.len()
                )));
            }
        }
        let max_dims: Option<Vec<u64>> = match &self.maxshape {
            None => None,
            Some(m) => {
                if m.len() != rank {
                    return Err(Error::wrong_use("maxshape rank differs from shape rank"));
                }
                let mut v = Vec::with_capacity(rank);
                for (k, (x, &n)) in m.iter().zip(&self.shape).enumerate() {
                    let x = x.unwrap_or(UNLIMITED);
                    if x < n {
                        return Err(Error::wrong_use(format!(
                            "maxshape {x} of dimension {k} is below the shape {n}"
                        )));
                    }
                    v.push(x);
                }
                Some(v)
            }
        };
        let n = self
            .shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or_else(|| Error::wrong_use("dataset size overflows"))?;
        let storage = match self.layout {
            LayoutChoice::Contiguous => Storage::Contiguous {
                address: UNDEFINED,
                size: n * esize,
            },
            LayoutChoice::Compact => {
                if n * esize > 60_000 {
                    return Err(Error::wrong_use(
                        "compact datasets must stay under 64 KiB (the object header limit)",
                    ));
                }
                let fill = self.fill.clone().unwrap_or_else(|| vec![0; esize as usize]);
                Storage::Compact(
                    fill.iter()
                        .copied()
                        .cycle()
                        .take((n * esize) as usize)
                        .collect(),
                )
            }
            LayoutChoice::Chunked(chunks) => {
                if rank == 0 {
                    return Err(Error::wrong_use("scalar datasets cannot be chunked"));
                }
                let chunk_dims = match chunks {
                    Some(c) => c,
                    None => auto_chunks(&self.shape, max_dims.as_deref(), esize),
                };
                if chunk_dims.len() != rank || chunk_dims.contains(&0) {
                    return Err(Error::wrong_use(format!(
                        "chunk shape {chunk_dims:?} does not fit a dataset of rank {rank}"
                    )));
                }
                if chunk_dims.iter().product::<u64>() * esize > (1 << 32) - 1 {
                    return Err(Error::wrong_use("chunks must stay under 4 GiB"));
                }
                Storage::Chunked {
                    chunk_dims,
                    chunks: BTreeMap::new(),
                    pending: HashMap::new(),
                }
            }
        };
        if max_dims.as_ref().is_some_and(|m| *m != self.shape)
            && !matches!(storage, Storage::Chunked { .. })
        {
            return Err(Error::wrong_use(
                "a maximum shape above the shape needs chunks",
            ));
        }
        let node = Node {
            kind: NodeKind::Dataset(Box::new(DatasetNode {
                datatype: self.datatype,
                dims: self.shape,
                max_dims,
                storage,
                filters: self.filters,
                fill: self.fill,
                vlen: None,
                null_space: self.null_space,
            })),
            attrs: Vec::new(),
        };
        let id = with(&self.state, |s| add_node(s, self.parent, &self.name, node))?;
        Ok(DatasetWriter {
            state: self.state,
            node: id,
            path: child_path(&self.parent_path, &self.name),
        })
    }
}

/// Chunk shape of about 1 MiB, following the dataset's shape (unlimited
/// dimensions count as their current size, at least 1).
fn auto_chunks(shape: &[u64], max: Option<&[u64]>, esize: u64) -> Vec<u64> {
    let _ = max;
    let mut c: Vec<u64> = shape.iter().map(|&d| d.max(1)).collect();
    let target = (1u64 << 20).max(esize);
    while c.iter().product::<u64>() * esize > target {
        // Halve the largest dimension.
        let (k, _) = c
            .iter()
            .enumerate()
            .max_by_key(|(_, &v)| v)
            .unwrap_or((0, &1));
        c[k] = c[k].div_ceil(2);
    }
    c
}

/// A dataset of a file open for writing.
#[derive(Clone)]
pub struct DatasetWriter {
    state: Shared,
    node: NodeId,
    path: String,
}

impl std::fmt::Debug for DatasetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatasetWriter({:?})", self.path)
    }
}

impl DatasetWriter {
    /// The dataset's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The current shape.
    pub fn shape(&self) -> Result<Vec<u64>> {
        with(&self.state, |s| s.dataset_dims(self.node))
    }

    fn check_type<T: H5Type>(&self) -> Result<()> {
        let t = with(&self.state, |s| s.dataset_type(self.node))?;
        if t != native_datatype::<T>() {
            return Err(Error::wrong_use(format!(
                "dataset {} holds {}, not the {}-byte native type written",
                self.path,
                crate::hl::dtype_name(&t),
                std::mem::size_of::<T>()
            )));
        }
        Ok(())
    }

    /// Writes the whole dataset (C order).
    pub fn write<T: H5Type>(&self, data: &[T]) -> Result<()> {
        let shape = self.shape()?;
        self.write_slice(&Hyperslab::all(&shape), data)
    }

    /// Writes a hyperslab (data in C order over the selection's counts).
    pub fn write_slice<T: H5Type>(&self, sel: &Hyperslab, data: &[T]) -> Result<()> {
        self.check_type::<T>()?;
        self.write_raw_slice(sel, bytemuck::cast_slice(data))
    }

    /// Writes a hyperslab of raw elements in the file's byte layout.
    pub fn write_raw_slice(&self, sel: &Hyperslab, raw: &[u8]) -> Result<()> {
        with(&self.state, |s| s.write_raw(self.node, sel, raw)).map_err(|e| e.in_object(&self.path))
    }

    /// Writes an `ndarray` view (any memory order) at `start`.
    #[cfg(feature = "ndarray")]
    pub fn write_array<T: H5Type, D: ndarray::Dimension>(
        &self,
        start: &[u64],
        array: ndarray::ArrayView<'_, T, D>,
    ) -> Result<()> {
        let count: Vec<u64> = array.shape().iter().map(|&n| n as u64).collect();
        let step = vec![1; count.len()];
        let data: Vec<T> = array.iter().copied().collect();
        self.write_slice(&Hyperslab::new(start, &count, &step), &data)
    }

    /// Changes the shape (chunked datasets, within the maximum shape).
    pub fn resize(&self, shape: &[u64]) -> Result<()> {
        with(&self.state, |s| s.resize(self.node, shape)).map_err(|e| e.in_object(&self.path))
    }

    /// Sets a numeric attribute (one value: scalar).
    pub fn set_attr<T: H5Type>(&self, name: &str, values: &[T]) -> Result<()> {
        let shape = if values.len() == 1 {
            vec![]
        } else {
            vec![values.len() as u64]
        };
        set_attr(&self.state, self.node, numeric_attr(name, values, shape))
    }

    /// Sets a scalar fixed-length ASCII string attribute of exact length.
    pub fn set_attr_str(&self, name: &str, value: &str) -> Result<()> {
        set_attr(&self.state, self.node, fixed_str_attr(name, value)?)
    }

    /// Sets a variable-length string attribute.
    pub fn set_attr_vlen_strs(&self, name: &str, values: &[&str]) -> Result<()> {
        set_attr(&self.state, self.node, vlen_attr(name, values))
    }

    /// Sets an attribute from its raw parts (file byte layout).
    pub fn set_attr_raw(
        &self,
        name: &str,
        datatype: Datatype,
        shape: Option<Vec<u64>>,
        raw: Vec<u8>,
    ) -> Result<()> {
        set_attr(
            &self.state,
            self.node,
            AttrNode {
                name: name.into(),
                datatype,
                shape,
                value: Value::Raw(raw),
            },
        )
    }
}
