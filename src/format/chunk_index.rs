//! Chunk indexes: how a chunked dataset finds its chunks.
//!
//! Layout message v3 always uses a v1 B-tree (type 1); v4 adds single chunk,
//! implicit, fixed array, extensible array and v2 B-tree (types 10/11).

/// Which index a chunked layout uses, with its parameters from the layout message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkIndex {
    /// Layout v1-v3: a v1 B-tree of node type 1.
    BTreeV1 {
        /// Address of the root node.
        address: u64,
    },
    /// One chunk that covers the whole dataset.
    SingleChunk {
        /// Address of the chunk.
        address: u64,
        /// Size after filters, when the dataset is filtered.
        filtered_size: Option<u64>,
        /// Filter mask, when the dataset is filtered.
        filter_mask: u32,
    },
    /// Chunks stored in order at one address, never filtered.
    Implicit {
        /// Address of the first chunk.
        address: u64,
    },
    /// Fixed array (`FAHD`), for datasets with fixed maximum dimensions.
    FixedArray {
        /// Address of the header.
        address: u64,
        /// log2 of the number of entries per data block page.
        page_bits: u8,
    },
    /// Extensible array (`EAHD`), for one unlimited dimension.
    ExtensibleArray {
        /// Address of the header.
        address: u64,
        /// Bits needed to store the maximum number of elements.
        max_bits: u8,
        /// Elements stored in the index block.
        index_elements: u8,
        /// Minimum number of data block pointers in a secondary block.
        min_pointers: u8,
        /// Minimum number of elements in a data block.
        min_elements: u8,
        /// log2 of the number of elements per data block page.
        page_bits: u8,
    },
    /// v2 B-tree (records of type 10, or 11 when filtered).
    BTreeV2 {
        /// Address of the header.
        address: u64,
        /// Node size in bytes.
        node_size: u32,
        /// Split percent.
        split_percent: u8,
        /// Merge percent.
        merge_percent: u8,
    },
}

/// One stored chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Element coordinates of the chunk's first element, one per dataset dimension.
    pub offsets: alloc::vec::Vec<u64>,
    /// File address of the stored chunk.
    pub address: u64,
    /// Stored size in bytes (after filters).
    pub size: u64,
    /// Bit `i` set: filter `i` of the pipeline was not applied to this chunk.
    pub filter_mask: u32,
}
