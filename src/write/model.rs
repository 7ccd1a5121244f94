//! The writer's in-memory model of a file: groups, datasets, attributes and
//! links, with where each dataset's data already lives in the file.
//!
//! Data goes to the end of the file as it is written; the model is turned
//! into metadata (object headers, B-trees, heaps) at each commit.

use crate::format::message::datatype::Datatype;
use crate::format::message::filter_pipeline::FilterDescription;
use std::collections::{BTreeMap, HashMap};

/// Index of a node (group or dataset) in [`Model::nodes`].
pub type NodeId = usize;

/// Where a link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTo {
    /// A group or dataset of this file.
    Hard(NodeId),
    /// A path in this file, resolved when followed.
    Soft(String),
    /// An object in another file.
    External {
        /// File name, relative to this file's folder or absolute.
        file: String,
        /// Path in that file.
        path: String,
    },
    /// A user-defined link (type 65 and above), kept as stored.
    UserDefined {
        /// Link type.
        link_type: u8,
        /// Link value.
        data: Vec<u8>,
    },
}

/// One link of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkNode {
    /// Link name (one path component).
    pub name: String,
    /// Target.
    pub target: LinkTo,
}

/// How a group stores its links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStyle {
    /// Symbol table (v1 B-tree + local heap), as libhdf5 writes by default.
    SymbolTable,
    /// Link messages in the object header, with link creation order tracked
    /// (what VTK writes; VTKHDF composites need it).
    TrackedLinks,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupNode {
    /// Links in creation order.
    pub links: Vec<LinkNode>,
    /// Storage style.
    pub style: GroupStyle,
}

/// An attribute or dataset value that needs the global heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Elements in the file's byte layout.
    Raw(Vec<u8>),
    /// Variable-length strings (stored in a global heap collection at commit).
    VlenStrings(Vec<String>),
}

/// An attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrNode {
    /// Name.
    pub name: String,
    /// Element type.
    pub datatype: Datatype,
    /// Shape (`None`: null dataspace; empty: scalar).
    pub shape: Option<Vec<u64>>,
    /// Value.
    pub value: Value,
}

/// A stored chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLoc {
    /// File address.
    pub address: u64,
    /// Stored (filtered) size.
    pub size: u64,
    /// Filters skipped for this chunk.
    pub filter_mask: u32,
}

/// A chunk being filled, held unfiltered until complete or committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChunk {
    /// The chunk's elements (full chunk, file byte layout).
    pub data: Vec<u8>,
    /// Elements written so far (may overcount on overlapping writes).
    pub written: u64,
    /// Changed since it was last stored.
    pub dirty: bool,
}

/// Dataset storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// In the object header.
    Compact(Vec<u8>),
    /// One block; address undefined until the first write.
    Contiguous {
        /// File address (undefined until allocated).
        address: u64,
        /// Bytes.
        size: u64,
    },
    /// Chunks through a v1 B-tree.
    Chunked {
        /// Chunk shape.
        chunk_dims: Vec<u64>,
        /// Stored chunks by chunk grid coordinates (offset / chunk dims).
        chunks: BTreeMap<Vec<u64>, ChunkLoc>,
        /// Chunks being filled.
        pending: HashMap<Vec<u64>, PendingChunk>,
    },
}

/// A dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetNode {
    /// Element type.
    pub datatype: Datatype,
    /// Current shape (empty for scalar).
    pub dims: Vec<u64>,
    /// Maximum shape (`u64::MAX` = unlimited); `None` = same as dims.
    pub max_dims: Option<Vec<u64>>,
    /// Storage.
    pub storage: Storage,
    /// Filter pipeline.
    pub filters: Vec<FilterDescription>,
    /// Fill value of one element (`None`: zeros, libhdf5's default).
    pub fill: Option<Vec<u8>>,
    /// Values of a variable-length string dataset, kept in memory and stored
    /// with the metadata at each commit.
    pub vlen: Option<Vec<String>>,
    /// A null dataspace: no shape, no elements.
    pub null_space: bool,
}

/// A group or a dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A group.
    Group(GroupNode),
    /// A dataset.
    Dataset(Box<DatasetNode>),
    /// A committed (named) datatype.
    Datatype(Datatype),
}

/// A node and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Group or dataset.
    pub kind: NodeKind,
    /// Attributes in creation order.
    pub attrs: Vec<AttrNode>,
}

/// The whole tree; node 0 is the root group.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// All nodes.
    pub nodes: Vec<Node>,
}

impl Model {
    /// A model with an empty root group.
    pub fn new(root_style: GroupStyle) -> Self {
        Model {
            nodes: vec![Node {
                kind: NodeKind::Group(GroupNode {
                    links: Vec::new(),
                    style: root_style,
                }),
                attrs: Vec::new(),
            }],
        }
    }
}
