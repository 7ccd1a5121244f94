//! Version 2 B-trees (`BTHD`, `BTIN`, `BTLF`).
//!
//! Spec III.A.2 "Disk Format: Level 1A2 - Version 2 B-trees". The header
//! names the record type, the node size and the record size; every node
//! (header, internal, leaf) ends with a lookup3 checksum placed right after
//! the bytes in use, not at the end of the node's allocation.
//!
//! Internal nodes hold `N` records and `N + 1` child pointers. A pointer is
//! the child's address, its record count, and (only more than one level above
//! the leaves) the record count of its whole subtree. The widths of the two
//! counts follow from how many records a node of each level can hold; see
//! [`BTreeV2Header::levels`].

use crate::error::{Error, Result};
use crate::format::checksum::verify;
use crate::format::fractal_heap::read_fractal_heap;
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// Signature of the header.
pub const HEADER_SIGNATURE: &[u8; 4] = b"BTHD";
/// Signature of internal nodes.
pub const INTERNAL_SIGNATURE: &[u8; 4] = b"BTIN";
/// Signature of leaf nodes.
pub const LEAF_SIGNATURE: &[u8; 4] = b"BTLF";

/// Bytes of every node that are not records or pointers: signature (4),
/// version (1), type (1), checksum (4).
const NODE_OVERHEAD: u64 = 10;

/// The decoded header of a v2 B-tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BTreeV2Header {
    /// File address of the header.
    pub address: u64,
    /// Record type (1-4 huge heap objects, 5/6 links, 7 shared messages,
    /// 8/9 attributes, 10/11 chunks).
    pub record_type: u8,
    /// Size in bytes of every node.
    pub node_size: u32,
    /// Size in bytes of one record.
    pub record_size: u16,
    /// Depth of the tree: 0 when the root is a leaf.
    pub depth: u16,
    /// Split percent.
    pub split_percent: u8,
    /// Merge percent.
    pub merge_percent: u8,
    /// Address of the root node, undefined for an empty tree.
    pub root_address: u64,
    /// Number of records in the root node.
    pub root_records: u16,
    /// Number of records in the whole tree.
    pub total_records: u64,
}

/// What a node of one level can hold, and how pointers to it are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelInfo {
    /// Most records a node of this level holds.
    pub max_records: u64,
    /// Most records a subtree rooted at this level holds.
    pub max_subtree_records: u64,
    /// Bytes of the "total number of records" field in pointers to this level
    /// (0 for leaves, whose parents do not store it).
    pub subtree_count_size: u8,
}

/// Bytes needed to encode `n` (at least 1).
fn bytes_for(n: u64) -> u8 {
    // floor(log2(n)) / 8 + 1, the encoding width libhdf5 uses.
    let log2 = 63u32.saturating_sub(n.leading_zeros());
    (log2 / 8 + 1) as u8
}

impl BTreeV2Header {
    /// Encoded size of the header for `sizes`.
    pub fn size(sizes: Sizes) -> u64 {
        // signature, version, type, node size, record size, depth, split,
        // merge, root address, root records, total records, checksum
        4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + u64::from(sizes.offset) + 2 + u64::from(sizes.length) + 4
    }

    /// Decodes a header from `bytes` (exactly [`BTreeV2Header::size`] long),
    /// which start at file offset `address`. Verifies the checksum.
    pub fn decode(bytes: &[u8], address: u64, sizes: Sizes) -> Result<BTreeV2Header> {
        let mut c = Cursor::new(bytes, address, "v2 B-tree header");
        c.signature(HEADER_SIGNATURE)?;
        verify(bytes, address, "v2 B-tree header")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        let record_type = c.u8()?;
        let node_size = c.u32()?;
        let record_size = c.u16()?;
        let depth = c.u16()?;
        let split_percent = c.u8()?;
        let merge_percent = c.u8()?;
        let root_address = c.address(sizes)?;
        let root_records = c.u16()?;
        let total_records = c.length(sizes)?;
        let h = BTreeV2Header {
            address,
            record_type,
            node_size,
            record_size,
            depth,
            split_percent,
            merge_percent,
            root_address,
            root_records,
            total_records,
        };
        if record_size == 0 || u64::from(node_size) < NODE_OVERHEAD + u64::from(record_size) {
            return Err(Error::malformed(
                address,
                format!(
                    "v2 B-tree header: node size {node_size} cannot hold one record of {record_size} bytes"
                ),
            ));
        }
        Ok(h)
    }

    /// Width in bytes of the "number of records in child node" field, the
    /// same at every level: enough for the largest node, a leaf.
    pub fn record_count_size(&self) -> u8 {
        let leaf_max = (u64::from(self.node_size) - NODE_OVERHEAD) / u64::from(self.record_size);
        bytes_for(leaf_max)
    }

    /// Per-level capacities, index 0 = leaves, up to `depth`.
    ///
    /// A pointer to a child at level `u - 1` takes `offset + count width +
    /// subtree width of level u - 1` bytes; a level-`u` node holds `(node size
    /// - overhead - one pointer) / (record size + pointer)` records. This is
    /// what libhdf5 computes (`H5B2__hdr_init`).
    pub fn levels(&self, sizes: Sizes) -> Result<Vec<LevelInfo>> {
        let node_size = u64::from(self.node_size);
        let record_size = u64::from(self.record_size);
        let leaf_max = (node_size - NODE_OVERHEAD) / record_size;
        let count_size = u64::from(self.record_count_size());
        let mut levels = Vec::with_capacity(usize::from(self.depth) + 1);
        levels.push(LevelInfo {
            max_records: leaf_max,
            max_subtree_records: leaf_max,
            subtree_count_size: 0,
        });
        for u in 1..=self.depth {
            let below = levels
                .last()
                .copied()
                .ok_or_else(|| Error::malformed(self.address, "v2 B-tree: no leaf level"))?;
            let pointer =
                u64::from(sizes.offset) + count_size + u64::from(below.subtree_count_size);
            let max_records = node_size
                .checked_sub(NODE_OVERHEAD + pointer)
                .map(|room| room / (record_size + pointer))
                .filter(|&m| m > 0)
                .ok_or_else(|| {
                    Error::malformed(
                        self.address,
                        format!(
                            "v2 B-tree header: node size {} cannot hold an internal node at level {u} (records of {record_size} bytes, pointers of {pointer} bytes)",
                            self.node_size
                        ),
                    )
                })?;
            let subtree = max_records
                .saturating_add(1)
                .saturating_mul(below.max_subtree_records)
                .saturating_add(max_records);
            levels.push(LevelInfo {
                max_records,
                max_subtree_records: subtree,
                subtree_count_size: bytes_for(subtree),
            });
        }
        Ok(levels)
    }
}

/// Reads and checks the header at `address`.
pub fn read_btree_v2_header<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<BTreeV2Header> {
    let bytes = read_block(
        r,
        address,
        BTreeV2Header::size(sizes),
        limits,
        "v2 B-tree header",
    )?;
    let h = BTreeV2Header::decode(&bytes, address, sizes)?;
    if u32::from(h.depth) > limits.max_depth {
        return Err(Error::limit(format!(
            "v2 B-tree: depth {} exceeds the depth limit of {}",
            h.depth, limits.max_depth
        ))
        .at(address));
    }
    Ok(h)
}

/// A decoded node: its records (raw) and, for internal nodes, its children
/// as (address, record count).
struct Node {
    records: Vec<u8>,
    children: Vec<(u64, u64)>,
}

/// Walk state: the header, level table, visited nodes.
struct Tree<'a, R: ?Sized> {
    r: &'a R,
    sizes: Sizes,
    header: BTreeV2Header,
    levels: Vec<LevelInfo>,
    visited: BTreeSet<u64>,
    limits: &'a Limits,
}

impl<'a, R: ReadAt + ?Sized> Tree<'a, R> {
    fn new(r: &'a R, sizes: Sizes, header: BTreeV2Header, limits: &'a Limits) -> Result<Self> {
        let levels = header.levels(sizes)?;
        Ok(Tree {
            r,
            sizes,
            header,
            levels,
            visited: BTreeSet::new(),
            limits,
        })
    }

    fn level(&self, depth: u16) -> Result<LevelInfo> {
        self.levels
            .get(usize::from(depth))
            .copied()
            .ok_or_else(|| Error::malformed(self.header.address, "v2 B-tree: level out of range"))
    }

    /// Reads the node at `address`, `depth` levels above the leaves, holding
    /// `nrec` records.
    fn read(&mut self, address: u64, depth: u16, nrec: u64) -> Result<Node> {
        if !self.visited.insert(address) {
            return Err(Error::malformed(
                address,
                format!("v2 B-tree: node at {address} is reached twice (cycle)"),
            ));
        }
        if self.visited.len() as u64 > self.limits.max_nodes {
            return Err(Error::limit(format!(
                "v2 B-tree: more than {} nodes visited",
                self.limits.max_nodes
            ))
            .at(address));
        }
        let info = self.level(depth)?;
        let (what, signature) = if depth == 0 {
            ("v2 B-tree leaf node", LEAF_SIGNATURE)
        } else {
            ("v2 B-tree internal node", INTERNAL_SIGNATURE)
        };
        if nrec > info.max_records {
            return Err(Error::malformed(
                address,
                format!(
                    "{what}: expected at most {} records, the parent says {nrec}",
                    info.max_records
                ),
            ));
        }
        let record_size = u64::from(self.header.record_size);
        let count_size = self.header.record_count_size();
        let subtree_size = if depth > 1 {
            self.level(depth - 1)?.subtree_count_size
        } else {
            0
        };
        let pointer =
            u64::from(self.sizes.offset) + u64::from(count_size) + u64::from(subtree_size);
        let pointers = if depth == 0 { 0 } else { nrec + 1 };
        // nrec <= max_records keeps this within the node size.
        let used = NODE_OVERHEAD + nrec * record_size + pointers * pointer;
        let bytes = read_block(self.r, address, used, self.limits, what)?;
        let mut c = Cursor::new(&bytes, address, what);
        c.signature(signature)?;
        verify(&bytes, address, what)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        let record_type = c.u8()?;
        if record_type != self.header.record_type {
            return Err(c.error(format_args!(
                "expected record type {} (from the header), found {record_type}",
                self.header.record_type
            )));
        }
        let records = c.bytes((nrec * record_size) as usize)?.to_vec();
        let mut children = Vec::with_capacity(pointers as usize);
        for _ in 0..pointers {
            let child = c.address(self.sizes)?;
            let child_nrec = c.uint(usize::from(count_size))?;
            c.skip(usize::from(subtree_size))?;
            if is_undefined(child) {
                return Err(c.error("child pointer is the undefined address"));
            }
            children.push((child, child_nrec));
        }
        Ok(Node { records, children })
    }

    /// Appends the records of the subtree at `address` to `out`, in order.
    fn collect(
        &mut self,
        address: u64,
        depth: u16,
        nrec: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<()> {
        let node = self.read(address, depth, nrec)?;
        let rs = usize::from(self.header.record_size);
        let mut records = node.records.chunks_exact(rs);
        if depth == 0 {
            out.extend(records.map(<[u8]>::to_vec));
            return Ok(());
        }
        for (i, &(child, child_nrec)) in node.children.iter().enumerate() {
            self.collect(child, depth - 1, child_nrec, out)?;
            if i + 1 < node.children.len() {
                if let Some(rec) = records.next() {
                    out.push(rec.to_vec());
                }
            }
        }
        Ok(())
    }

    fn find(
        &mut self,
        address: u64,
        depth: u16,
        nrec: u64,
        cmp: &mut dyn FnMut(&[u8]) -> Result<Ordering>,
    ) -> Result<Option<Vec<u8>>> {
        let node = self.read(address, depth, nrec)?;
        let rs = usize::from(self.header.record_size);
        let mut slot = node.records.len() / rs;
        for (i, rec) in node.records.chunks_exact(rs).enumerate() {
            match cmp(rec)? {
                Ordering::Equal => return Ok(Some(rec.to_vec())),
                Ordering::Less => {
                    slot = i;
                    break;
                }
                Ordering::Greater => {}
            }
        }
        if depth == 0 {
            return Ok(None);
        }
        match node.children.get(slot) {
            Some(&(child, child_nrec)) => self.find(child, depth - 1, child_nrec, cmp),
            None => Ok(None),
        }
    }
}

/// Reads the v2 B-tree at `address` and returns its header and every record,
/// raw, in key order.
pub fn read_btree_v2<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<(BTreeV2Header, Vec<Vec<u8>>)> {
    let header = read_btree_v2_header(r, sizes, address, limits)?;
    let records = read_records(r, sizes, &header, limits)?;
    Ok((header, records))
}

/// Every record of the tree described by `header`, raw, in key order.
pub fn read_records<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    header: &BTreeV2Header,
    limits: &Limits,
) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if is_undefined(header.root_address) || header.root_records == 0 && header.depth == 0 {
        return Ok(out);
    }
    let mut tree = Tree::new(r, sizes, *header, limits)?;
    tree.collect(
        header.root_address,
        header.depth,
        u64::from(header.root_records),
        &mut out,
    )?;
    Ok(out)
}

/// Finds one record: `cmp(record)` says how the wanted key compares to the
/// record's key (`Less`: the wanted key sorts before it). Meant for unique
/// keys (huge object IDs, creation orders, chunk coordinates); for name hashes,
/// which can collide, list all records instead.
pub fn find_record<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    header: &BTreeV2Header,
    limits: &Limits,
    cmp: &mut dyn FnMut(&[u8]) -> Result<Ordering>,
) -> Result<Option<Vec<u8>>> {
    if is_undefined(header.root_address) {
        return Ok(None);
    }
    let mut tree = Tree::new(r, sizes, *header, limits)?;
    tree.find(
        header.root_address,
        header.depth,
        u64::from(header.root_records),
        cmp,
    )
}

fn record_cursor<'a>(rec: &'a [u8], what: &'static str) -> Cursor<'a> {
    // Records are decoded after the node's checksum has been verified; their
    // file offset is not kept, so errors report offset 0 within the record.
    Cursor::new(rec, 0, what)
}

/// Type 5: a link in a dense group, indexed by the hash of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkNameRecord {
    /// lookup3 hash of the link name.
    pub hash: u32,
    /// 7-byte fractal heap ID of the link message.
    pub heap_id: Vec<u8>,
}

impl LinkNameRecord {
    /// Decodes a type-5 record.
    pub fn decode(rec: &[u8]) -> Result<Self> {
        let mut c = record_cursor(rec, "v2 B-tree link name record");
        let hash = c.u32()?;
        let heap_id = c.bytes(7)?.to_vec();
        Ok(LinkNameRecord { hash, heap_id })
    }
}

/// Type 6: a link in a dense group, indexed by creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreationOrderRecord {
    /// Creation order of the link.
    pub creation_order: u64,
    /// 7-byte fractal heap ID of the link message.
    pub heap_id: Vec<u8>,
}

impl CreationOrderRecord {
    /// Decodes a type-6 record.
    pub fn decode(rec: &[u8]) -> Result<Self> {
        let mut c = record_cursor(rec, "v2 B-tree link creation order record");
        let creation_order = c.u64()?;
        let heap_id = c.bytes(7)?.to_vec();
        Ok(CreationOrderRecord {
            creation_order,
            heap_id,
        })
    }
}

/// Type 8: a dense attribute, indexed by the hash of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeNameRecord {
    /// 8-byte fractal heap ID of the attribute message.
    pub heap_id: Vec<u8>,
    /// Object header message flags of the attribute message (bit 1: shared).
    pub flags: u8,
    /// Creation order of the attribute.
    pub creation_order: u32,
    /// lookup3 hash of the attribute name.
    pub hash: u32,
}

impl AttributeNameRecord {
    /// Decodes a type-8 record.
    pub fn decode(rec: &[u8]) -> Result<Self> {
        let mut c = record_cursor(rec, "v2 B-tree attribute name record");
        let heap_id = c.bytes(8)?.to_vec();
        let flags = c.u8()?;
        let creation_order = c.u32()?;
        let hash = c.u32()?;
        Ok(AttributeNameRecord {
            heap_id,
            flags,
            creation_order,
            hash,
        })
    }
}

/// Type 9: a dense attribute, indexed by creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeCreationOrderRecord {
    /// 8-byte fractal heap ID of the attribute message.
    pub heap_id: Vec<u8>,
    /// Object header message flags of the attribute message (bit 1: shared).
    pub flags: u8,
    /// Creation order of the attribute.
    pub creation_order: u32,
}

impl AttributeCreationOrderRecord {
    /// Decodes a type-9 record.
    pub fn decode(rec: &[u8]) -> Result<Self> {
        let mut c = record_cursor(rec, "v2 B-tree attribute creation order record");
        let heap_id = c.bytes(8)?.to_vec();
        let flags = c.u8()?;
        let creation_order = c.u32()?;
        Ok(AttributeCreationOrderRecord {
            heap_id,
            flags,
            creation_order,
        })
    }
}

/// Types 1-4: where a fractal heap's "huge" object is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HugeObjectRecord {
    /// Address of the (possibly filtered) object.
    pub address: u64,
    /// Stored length in bytes.
    pub length: u64,
    /// Filter mask (types 2 and 4).
    pub filter_mask: Option<u32>,
    /// Size after unfiltering (types 2 and 4).
    pub memory_size: Option<u64>,
    /// The huge object ID (types 1 and 2, indirectly accessed objects).
    pub id: Option<u64>,
}

impl HugeObjectRecord {
    /// Decodes a record of `record_type` 1 to 4.
    pub fn decode(rec: &[u8], record_type: u8, sizes: Sizes) -> Result<Self> {
        let mut c = record_cursor(rec, "v2 B-tree huge object record");
        let address = c.address(sizes)?;
        let length = c.length(sizes)?;
        let filtered = matches!(record_type, 2 | 4);
        let (filter_mask, memory_size) = if filtered {
            (Some(c.u32()?), Some(c.length(sizes)?))
        } else {
            (None, None)
        };
        let id = match record_type {
            1 | 2 => Some(c.length(sizes)?),
            3 | 4 => None,
            t => {
                return Err(c.error(format_args!(
                    "expected a huge object record type (1-4), found {t}"
                )))
            }
        };
        Ok(HugeObjectRecord {
            address,
            length,
            filter_mask,
            memory_size,
            id,
        })
    }
}

/// Reads the messages of dense storage: for each record of the v2 B-tree at
/// `btree_address` (types 5/6 for links, 8/9 for attributes), in B-tree order,
/// the heap object it names in the fractal heap at `fractal_heap_address`:
/// the encoded link or attribute message body.
///
/// For attribute records whose message flags mark the message as shared
/// (bit 1), the heap object is a shared-message reference, returned as is.
pub fn read_dense_messages<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    fractal_heap_address: u64,
    btree_address: u64,
    limits: &Limits,
) -> Result<Vec<Vec<u8>>> {
    let (header, records) = read_btree_v2(r, sizes, btree_address, limits)?;
    let (id_start, id_len) = match header.record_type {
        5 => (4, 7),
        6 => (8, 7),
        8 | 9 => (0, 8),
        t => {
            return Err(Error::malformed(
                btree_address,
                format!(
                    "dense storage: expected a v2 B-tree of record type 5, 6, 8 or 9, found {t}"
                ),
            ))
        }
    };
    if records.len() as u64 > limits.max_links {
        return Err(Error::limit(format!(
            "dense storage: {} records exceed the limit of {} links or attributes",
            records.len(),
            limits.max_links
        ))
        .at(btree_address));
    }
    let heap = read_fractal_heap(r, sizes, fractal_heap_address, limits)?;
    let mut ids = Vec::with_capacity(records.len());
    for rec in &records {
        let id = rec.get(id_start..id_start + id_len).ok_or_else(|| {
            Error::malformed(
                btree_address,
                format!(
                    "dense storage: record of {} bytes is too short for a heap ID",
                    rec.len()
                ),
            )
        })?;
        ids.push(id);
    }
    // One batch, so that each heap block is read once.
    heap.get_many(r, sizes, &ids, limits)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::format::checksum::checksum;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    pub(crate) fn with_checksum(mut v: Vec<u8>) -> Vec<u8> {
        let c = checksum(&v);
        v.extend_from_slice(&c.to_le_bytes()); // checksum
        v
    }

    pub(crate) fn header(
        record_type: u8,
        node_size: u32,
        record_size: u16,
        depth: u16,
        root: u64,
        root_records: u16,
        total: u64,
    ) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"BTHD"); // signature
        v.push(0); // version
        v.push(record_type); // type
        v.extend_from_slice(&node_size.to_le_bytes()); // node size
        v.extend_from_slice(&record_size.to_le_bytes()); // record size
        v.extend_from_slice(&depth.to_le_bytes()); // depth
        v.push(100); // split percent
        v.push(40); // merge percent
        v.extend_from_slice(&root.to_le_bytes()); // root node address
        v.extend_from_slice(&root_records.to_le_bytes()); // records in root
        v.extend_from_slice(&total.to_le_bytes()); // total records
        with_checksum(v)
    }

    pub(crate) fn leaf(record_type: u8, records: &[Vec<u8>]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"BTLF"); // signature
        v.push(0); // version
        v.push(record_type); // type
        for r in records {
            v.extend_from_slice(r); // record
        }
        with_checksum(v)
    }

    fn place(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Type-6-shaped records of 15 bytes: creation order + 7-byte id.
    fn rec(order: u64) -> Vec<u8> {
        let mut v = order.to_le_bytes().to_vec(); // creation order
        v.extend_from_slice(&[order as u8; 7]); // heap id
        v
    }

    /// Depth-1 tree, node size 64, record size 15:
    /// leaf max = (64-10)/15 = 3 -> 1-byte counts; internal pointer = 8+1 = 9.
    /// Root at 100 holds record 3, children at 200 (1,2) and 300 (4,5,6).
    fn tree() -> Vec<u8> {
        let mut f = Vec::new();
        place(&mut f, 0, &header(6, 64, 15, 1, 100, 1, 6));
        let mut root = Vec::new();
        root.extend_from_slice(b"BTIN"); // signature
        root.push(0); // version
        root.push(6); // type
        root.extend(rec(3)); // record 0
        root.extend_from_slice(&200u64.to_le_bytes()); // child 0 address
        root.push(2); // child 0 records
        root.extend_from_slice(&300u64.to_le_bytes()); // child 1 address
        root.push(3); // child 1 records
        place(&mut f, 100, &with_checksum(root));
        place(&mut f, 200, &leaf(6, &[rec(1), rec(2)]));
        place(&mut f, 300, &leaf(6, &[rec(4), rec(5), rec(6)]));
        f.resize(400, 0);
        f
    }

    #[test]
    fn level_widths() {
        let h = BTreeV2Header::decode(&header(5, 512, 11, 2, 0, 0, 0), 0, S8).unwrap();
        let lv = h.levels(S8).unwrap();
        // leaf: (512-10)/11 = 45 records, 1-byte counts
        assert_eq!(lv[0].max_records, 45);
        assert_eq!(h.record_count_size(), 1);
        // level 1: pointer 8+1+0 = 9, (512-10-9)/(11+9) = 24
        assert_eq!(lv[1].max_records, 24);
        assert_eq!(lv[1].max_subtree_records, 25 * 45 + 24);
        assert_eq!(lv[1].subtree_count_size, 2);
        // level 2: pointer 8+1+2 = 11, (512-10-11)/(11+11) = 22
        assert_eq!(lv[2].max_records, 22);
        assert_eq!(bytes_for(255), 1);
        assert_eq!(bytes_for(256), 2);
        assert_eq!(bytes_for(0), 1);
    }

    #[test]
    fn in_order_traversal_and_search() {
        let f = tree();
        let (h, recs) = read_btree_v2(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(h.record_type, 6);
        let orders: Vec<u64> = recs
            .iter()
            .map(|r| CreationOrderRecord::decode(r).unwrap().creation_order)
            .collect();
        assert_eq!(orders, [1, 2, 3, 4, 5, 6]);
        for want in 1..=6u64 {
            let found = find_record(&f, S8, &h, &Limits::default(), &mut |r| {
                Ok(want.cmp(&CreationOrderRecord::decode(r)?.creation_order))
            })
            .unwrap()
            .unwrap();
            assert_eq!(found[0] as u64, want);
        }
        let none = find_record(&f, S8, &h, &Limits::default(), &mut |r| {
            Ok(7u64.cmp(&CreationOrderRecord::decode(r)?.creation_order))
        })
        .unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn checksum_signature_and_count_errors() {
        let mut f = tree();
        f[310] ^= 1; // corrupt a record in the second leaf
        let e = read_btree_v2(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("checksum"), "{e}");

        let mut f = tree();
        f[5] ^= 1; // header type, checksum now wrong
        assert!(read_btree_v2(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("checksum"));

        let mut f = tree();
        place(&mut f, 300, &{
            let mut l = leaf(6, &[rec(4)]);
            l[3] = b'N';
            l
        });
        assert!(read_btree_v2(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("BTLF"));

        let mut f = tree();
        // Root claims 4 records in child 1; a leaf holds at most 3.
        let mut root = Vec::new();
        root.extend_from_slice(b"BTIN");
        root.extend_from_slice(&[0, 6]);
        root.extend(rec(3));
        root.extend_from_slice(&200u64.to_le_bytes());
        root.push(2);
        root.extend_from_slice(&300u64.to_le_bytes());
        root.push(4);
        place(&mut f, 100, &with_checksum(root));
        let e = read_btree_v2(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("at most 3"), "{e}");
    }

    #[test]
    fn cycle_is_detected() {
        let mut f = tree();
        let mut root = Vec::new();
        root.extend_from_slice(b"BTIN");
        root.extend_from_slice(&[0, 6]);
        root.extend(rec(3));
        root.extend_from_slice(&200u64.to_le_bytes());
        root.push(2);
        root.extend_from_slice(&200u64.to_le_bytes()); // same child twice
        root.push(2);
        place(&mut f, 100, &with_checksum(root));
        let e = read_btree_v2(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("twice"), "{e}");
    }

    #[test]
    fn depth_and_node_limits() {
        let f = tree();
        let limits = Limits {
            max_depth: 0,
            ..Limits::default()
        };
        assert_eq!(
            read_btree_v2(&f, S8, 0, &limits).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
        let limits = Limits {
            max_nodes: 2,
            ..Limits::default()
        };
        assert_eq!(
            read_btree_v2(&f, S8, 0, &limits).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
    }

    #[test]
    fn empty_tree_and_bad_node_size() {
        let f = header(5, 512, 11, 0, u64::MAX, 0, 0);
        let (_, recs) = read_btree_v2(&f, S8, 0, &Limits::default()).unwrap();
        assert!(recs.is_empty());
        let f = header(5, 12, 11, 0, u64::MAX, 0, 0);
        assert!(read_btree_v2(&f, S8, 0, &Limits::default()).is_err());
        let f = header(5, 40, 11, 3, 100, 1, 1);
        // Internal nodes cannot fit into 40 bytes with these records.
        assert!(read_btree_v2(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("internal node"));
    }

    #[test]
    fn record_decoders() {
        let mut r5 = 0xdeadbeefu32.to_le_bytes().to_vec(); // hash
        r5.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7]); // heap id
        let l = LinkNameRecord::decode(&r5).unwrap();
        assert_eq!(
            (l.hash, l.heap_id.as_slice()),
            (0xdeadbeef, &[1, 2, 3, 4, 5, 6, 7][..])
        );
        assert!(LinkNameRecord::decode(&r5[..10]).is_err());

        let mut r8 = [9u8; 8].to_vec(); // heap id
        r8.push(2); // message flags
        r8.extend_from_slice(&5u32.to_le_bytes()); // creation order
        r8.extend_from_slice(&77u32.to_le_bytes()); // hash
        let a = AttributeNameRecord::decode(&r8).unwrap();
        assert_eq!((a.flags, a.creation_order, a.hash), (2, 5, 77));
        let a9 = AttributeCreationOrderRecord::decode(&r8[..13]).unwrap();
        assert_eq!((a9.flags, a9.creation_order), (2, 5));

        let mut r2 = 0x1000u64.to_le_bytes().to_vec(); // address
        r2.extend_from_slice(&50u64.to_le_bytes()); // stored length
        r2.extend_from_slice(&1u32.to_le_bytes()); // filter mask
        r2.extend_from_slice(&80u64.to_le_bytes()); // memory size
        r2.extend_from_slice(&3u64.to_le_bytes()); // huge object id
        let h = HugeObjectRecord::decode(&r2, 2, S8).unwrap();
        assert_eq!(
            h,
            HugeObjectRecord {
                address: 0x1000,
                length: 50,
                filter_mask: Some(1),
                memory_size: Some(80),
                id: Some(3)
            }
        );
        let h3 = HugeObjectRecord::decode(&r2[..16], 3, S8).unwrap();
        assert_eq!(h3.id, None);
        assert!(HugeObjectRecord::decode(&r2, 7, S8).is_err());
    }
}
