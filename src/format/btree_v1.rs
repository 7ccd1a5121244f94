//! Version 1 B-trees (`TREE`): old-style group indexes (node type 0) and
//! chunk indexes of layout messages v1-v3 (node type 1).
//!
//! Spec III.A.1 "Disk Format: Level 1A1 - Version 1 B-trees". A node holds
//! `entries_used` children and one more key than children, interleaved:
//! key 0, child 0, key 1, child 1, ..., key N. Child `i` covers the keys from
//! key `i` to key `i + 1`. Leaves are at level 0; their children are symbol
//! table nodes (type 0) or raw data chunks (type 1).

use crate::error::{Error, Result};
use crate::format::chunk_index::ChunkRecord;
use crate::format::message::shared::{put_address, put_length};
use crate::format::symbol_table_node::{read_symbol_table_node, SymbolTableEntry};
use crate::format::{read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::vec::Vec;

/// Signature of a v1 B-tree node.
pub const SIGNATURE: &[u8; 4] = b"TREE";

/// Node type of group B-trees.
pub const NODE_TYPE_GROUP: u8 = 0;
/// Node type of chunk B-trees.
pub const NODE_TYPE_CHUNK: u8 = 1;

/// Bytes of a node before its keys: signature, type, level, entries used,
/// and (not counted here) the two sibling addresses.
const NODE_FIXED_LEN: u64 = 8;

/// One decoded v1 B-tree node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BTreeV1Node {
    /// File address of the node.
    pub address: u64,
    /// 0 for group nodes, 1 for chunk nodes.
    pub node_type: u8,
    /// 0 for leaves; a node's children are at `level - 1`.
    pub level: u8,
    /// Address of the left sibling, or undefined.
    pub left_sibling: u64,
    /// Address of the right sibling, or undefined.
    pub right_sibling: u64,
    /// `children.len() + 1` keys of `key_size` bytes each, back to back.
    pub keys: Vec<u8>,
    /// Size of one key in bytes.
    pub key_size: usize,
    /// Child addresses.
    pub children: Vec<u64>,
}

impl BTreeV1Node {
    /// Key `i` (0..=children.len()), raw.
    pub fn key(&self, i: usize) -> Option<&[u8]> {
        let start = i.checked_mul(self.key_size)?;
        self.keys.get(start..start.checked_add(self.key_size)?)
    }
}

/// Size of a type-1 key for a dataset of rank `rank`: chunk size, filter
/// mask, and `rank + 1` 8-byte offsets (the last one is the element offset,
/// always 0).
pub fn chunk_key_size(rank: usize) -> Option<usize> {
    rank.checked_add(1)?.checked_mul(8)?.checked_add(8)
}

/// Reads the node at `address`, expecting node type `node_type` and keys of
/// `key_size` bytes.
pub fn read_node<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    node_type: u8,
    key_size: usize,
    limits: &Limits,
) -> Result<BTreeV1Node> {
    let offset_size = usize::from(sizes.offset);
    let prefix_len = NODE_FIXED_LEN as usize + 2 * offset_size;
    let prefix = read_block(r, address, prefix_len as u64, limits, "v1 B-tree node")?;
    let mut c = Cursor::new(&prefix, address, "v1 B-tree node");
    c.signature(SIGNATURE)?;
    let found_type = c.u8()?;
    if found_type != node_type {
        return Err(c.error(format_args!(
            "expected node type {node_type}, found {found_type}"
        )));
    }
    let level = c.u8()?;
    let entries = c.u16()?;
    let left_sibling = c.address(sizes)?;
    let right_sibling = c.address(sizes)?;

    let n = u64::from(entries);
    let body_len = (n + 1)
        .checked_mul(key_size as u64)
        .and_then(|k| k.checked_add(n * offset_size as u64))
        .ok_or_else(|| Error::malformed(address, "v1 B-tree node: size overflows"))?;
    let what = format!("v1 B-tree node with {entries} entries");
    let body_addr = address.saturating_add(prefix_len as u64);
    let body = read_block(r, body_addr, body_len, limits, &what)?;
    let mut c = Cursor::new(&body, body_addr, "v1 B-tree node");
    let mut keys = Vec::with_capacity((usize::from(entries) + 1) * key_size);
    let mut children = Vec::with_capacity(usize::from(entries));
    for _ in 0..entries {
        keys.extend_from_slice(c.bytes(key_size)?);
        children.push(c.address(sizes)?);
    }
    keys.extend_from_slice(c.bytes(key_size)?);
    Ok(BTreeV1Node {
        address,
        node_type,
        level,
        left_sibling,
        right_sibling,
        keys,
        key_size,
        children,
    })
}

/// Bookkeeping shared by one walk: visited addresses and the node budget.
struct Walk<'l> {
    visited: BTreeSet<u64>,
    limits: &'l Limits,
}

impl Walk<'_> {
    fn enter(&mut self, address: u64, what: &str) -> Result<()> {
        if !self.visited.insert(address) {
            return Err(Error::malformed(
                address,
                format!("{what}: node at {address} is reached twice (cycle or shared subtree)"),
            ));
        }
        if self.visited.len() as u64 > self.limits.max_nodes {
            return Err(Error::limit(format!(
                "{what}: more than {} nodes visited",
                self.limits.max_nodes
            ))
            .at(address));
        }
        Ok(())
    }
}

/// Walks the tree rooted at `root` in key order and calls `leaf` for every
/// node at level 0.
fn walk_leaves<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    root: u64,
    node_type: u8,
    key_size: usize,
    limits: &Limits,
    leaf: &mut dyn FnMut(&BTreeV1Node) -> Result<()>,
) -> Result<()> {
    let mut walk = Walk {
        visited: BTreeSet::new(),
        limits,
    };
    walk.enter(root, "v1 B-tree")?;
    let node = read_node(r, sizes, root, node_type, key_size, limits)?;
    if u32::from(node.level) > limits.max_depth {
        return Err(Error::limit(format!(
            "v1 B-tree: root level {} exceeds the depth limit of {}",
            node.level, limits.max_depth
        ))
        .at(root));
    }
    visit(r, sizes, &node, key_size, &mut walk, leaf)
}

fn visit<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    node: &BTreeV1Node,
    key_size: usize,
    walk: &mut Walk,
    leaf: &mut dyn FnMut(&BTreeV1Node) -> Result<()>,
) -> Result<()> {
    if node.level == 0 {
        return leaf(node);
    }
    // Recursion depth is bounded by the root level, which was checked
    // against `max_depth`, because every child must be exactly one level lower.
    for &child in &node.children {
        walk.enter(child, "v1 B-tree")?;
        let child_node = read_node(r, sizes, child, node.node_type, key_size, walk.limits)?;
        if child_node.level.checked_add(1) != Some(node.level) {
            return Err(Error::malformed(
                child,
                format!(
                    "v1 B-tree: expected a child at level {} under the node at {} (level {}), found level {}",
                    node.level - 1,
                    node.address,
                    node.level,
                    child_node.level
                ),
            ));
        }
        visit(r, sizes, &child_node, key_size, walk, leaf)?;
    }
    Ok(())
}

/// Lists the entries of an old-style group: walks the type-0 B-tree at
/// `btree_address` and every symbol table node it points to, in name order.
/// Link names are offsets into the group's local heap.
pub fn read_group_entries<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    btree_address: u64,
    limits: &Limits,
) -> Result<Vec<SymbolTableEntry>> {
    let key_size = usize::from(sizes.length);
    let mut entries = Vec::new();
    let mut symbol_nodes = BTreeSet::new();
    walk_leaves(
        r,
        sizes,
        btree_address,
        NODE_TYPE_GROUP,
        key_size,
        limits,
        &mut |node| {
            for &snod in &node.children {
                if !symbol_nodes.insert(snod) {
                    return Err(Error::malformed(
                        snod,
                        format!("group B-tree: symbol table node at {snod} is listed twice"),
                    ));
                }
                let mut es = read_symbol_table_node(r, sizes, snod, limits)?;
                if (entries.len() + es.len()) as u64 > limits.max_links {
                    return Err(Error::limit(format!(
                        "group B-tree: more than {} links",
                        limits.max_links
                    ))
                    .at(snod));
                }
                entries.append(&mut es);
            }
            Ok(())
        },
    )?;
    Ok(entries)
}

/// Lists the chunks of a layout v1-v3 dataset of rank `rank` (without the
/// extra element-size dimension of the layout message): walks the type-1
/// B-tree at `btree_address` in key order.
pub fn read_chunk_btree<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    btree_address: u64,
    rank: usize,
    limits: &Limits,
) -> Result<Vec<ChunkRecord>> {
    let key_size = chunk_key_size(rank)
        .ok_or_else(|| Error::malformed(btree_address, "chunk B-tree: rank overflows"))?;
    let mut records = Vec::new();
    walk_leaves(
        r,
        sizes,
        btree_address,
        NODE_TYPE_CHUNK,
        key_size,
        limits,
        &mut |node| {
            for (i, &address) in node.children.iter().enumerate() {
                let key = node.key(i).unwrap_or(&[]);
                let stride = (key_size + usize::from(sizes.offset)) as u64;
                let key_at = node
                    .address
                    .saturating_add(8 + 2 * u64::from(sizes.offset))
                    .saturating_add((i as u64).saturating_mul(stride));
                let mut c = Cursor::new(key, key_at, "chunk B-tree key");
                let size = u64::from(c.u32()?);
                let filter_mask = c.u32()?;
                let mut offsets = Vec::with_capacity(rank);
                for _ in 0..rank {
                    offsets.push(c.u64()?);
                }
                records.push(ChunkRecord {
                    offsets,
                    address,
                    size,
                    filter_mask,
                });
            }
            Ok(())
        },
    )?;
    Ok(records)
}

/// Size of one key of a node of `node_type`: a heap offset ("size of
/// lengths") for group nodes, [`chunk_key_size`] for chunk nodes.
fn key_len(sizes: Sizes, node_type: u8, rank: usize) -> u64 {
    if node_type == NODE_TYPE_GROUP {
        u64::from(sizes.length)
    } else {
        chunk_key_size(rank).unwrap_or(usize::MAX) as u64
    }
}

/// Size of a node of `node_type` with capacity 2K children: libhdf5 always
/// allocates (and reads) a node at full capacity, whatever it holds. `k` is
/// the superblock's group internal node K (16) for group B-trees, the
/// indexed storage K (32) for chunk B-trees; `rank` (the dataset rank,
/// without the element-size dimension) only matters for chunk nodes.
/// 544 bytes for a group node with K = 16 and 8-byte sizes.
pub fn node_len(sizes: Sizes, node_type: u8, k: u16, rank: usize) -> u64 {
    let key = key_len(sizes, node_type, rank);
    let offset = u64::from(sizes.offset);
    NODE_FIXED_LEN + 2 * offset + 2 * u64::from(k) * (key + offset) + key
}

/// Writes the node header, the interleaved keys and children, and zero
/// padding up to the full capacity.
#[allow(clippy::too_many_arguments)]
fn encode_node(
    sizes: Sizes,
    node_type: u8,
    level: u8,
    left: u64,
    right: u64,
    keys: &[Vec<u8>],
    children: &[u64],
    k: u16,
    rank: usize,
) -> Vec<u8> {
    assert_eq!(
        keys.len(),
        children.len() + 1,
        "v1 B-tree node: {} keys for {} children (need one more key than children)",
        keys.len(),
        children.len()
    );
    assert!(
        children.len() <= 2 * usize::from(k),
        "v1 B-tree node: {} children exceed the capacity of {} (2K)",
        children.len(),
        2 * usize::from(k)
    );
    let len = node_len(sizes, node_type, k, rank) as usize;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(SIGNATURE);
    out.push(node_type);
    out.push(level);
    out.extend_from_slice(&(children.len() as u16).to_le_bytes()); // entries used
    put_address(&mut out, sizes, left);
    put_address(&mut out, sizes, right);
    for (key, &child) in keys.iter().zip(children) {
        out.extend_from_slice(key);
        put_address(&mut out, sizes, child);
    }
    if let Some(last) = keys.last() {
        out.extend_from_slice(last);
    }
    out.resize(len, 0);
    out
}

/// Encodes a group B-tree node (type 0). `keys` are local heap offsets of
/// names, one more than `children`: key 0 is the empty string (offset 0) in
/// the leftmost node, and key `i + 1` is the largest name under child `i`
/// (as libhdf5 writes them). Leaves (level 0) point to symbol table nodes,
/// other levels to B-tree nodes one level down. `left` and `right` are the
/// sibling nodes at the same level, or [`UNDEFINED`](crate::format::UNDEFINED).
///
/// # Panics
///
/// When `keys.len() != children.len() + 1` or there are more than 2K children.
#[allow(clippy::too_many_arguments)]
pub fn encode_group_node(
    sizes: Sizes,
    level: u8,
    left: u64,
    right: u64,
    keys: &[u64],
    children: &[u64],
    k: u16,
) -> Vec<u8> {
    let keys: Vec<Vec<u8>> = keys
        .iter()
        .map(|&offset| {
            let mut key = Vec::with_capacity(usize::from(sizes.length));
            put_length(&mut key, sizes, offset);
            key
        })
        .collect();
    encode_node(
        sizes,
        NODE_TYPE_GROUP,
        level,
        left,
        right,
        &keys,
        children,
        k,
        0,
    )
}

/// One key of a chunk B-tree node (type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkKey {
    /// Stored size of the chunk in bytes (after filters); 0 in the last key.
    pub size: u32,
    /// Filters skipped for this chunk (bit `i` = filter `i`); 0 in the last key.
    pub filter_mask: u32,
    /// The chunk's offset in elements per dimension, then one more entry for
    /// the element-size dimension: `rank + 1` values, the last 0 in the key of
    /// a chunk. For the last key of a node, libhdf5 writes the offsets just
    /// past the last chunk (its offsets plus the chunk dimensions) and the
    /// element size in that extra entry; readers only require it to compare
    /// greater than every chunk of the node.
    pub offsets: Vec<u64>,
}

impl ChunkKey {
    fn encode(&self, rank: usize) -> Vec<u8> {
        assert_eq!(
            self.offsets.len(),
            rank + 1,
            "chunk B-tree key: {} offsets for rank {rank} (need rank + 1)",
            self.offsets.len()
        );
        let mut out = Vec::with_capacity(chunk_key_size(rank).unwrap_or(0));
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.filter_mask.to_le_bytes());
        for o in &self.offsets {
            // Always 8 bytes, whatever the size of offsets.
            out.extend_from_slice(&o.to_le_bytes());
        }
        out
    }
}

/// Encodes a chunk B-tree node (type 1) for a dataset of rank `rank`
/// (without the element-size dimension). Key `i` describes child `i` (a raw
/// data chunk at level 0, a node one level down otherwise: then key `i` is
/// the first key of that subtree); the last key closes the node.
///
/// # Panics
///
/// When `keys.len() != children.len() + 1`, there are more than 2K children,
/// or a key does not hold `rank + 1` offsets.
#[allow(clippy::too_many_arguments)]
pub fn encode_chunk_node(
    sizes: Sizes,
    level: u8,
    left: u64,
    right: u64,
    keys: &[ChunkKey],
    children: &[u64],
    k: u16,
    rank: usize,
) -> Vec<u8> {
    let keys: Vec<Vec<u8>> = keys.iter().map(|key| key.encode(rank)).collect();
    encode_node(
        sizes,
        NODE_TYPE_CHUNK,
        level,
        left,
        right,
        &keys,
        children,
        k,
        rank,
    )
}

/// The shape of a v1 B-tree over a sorted list of leaf entries (symbol table
/// nodes or chunks), from [`plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BTreePlan {
    /// All nodes, children first: the leaves left to right, then each
    /// higher level left to right; the root is last.
    pub nodes: Vec<PlannedNode>,
    /// Index of the root in `nodes`.
    pub root: usize,
}

/// One node of a [`BTreePlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNode {
    /// 0 for leaves.
    pub level: u8,
    /// The node's children: indexes into the leaf entries for level 0,
    /// indexes into [`BTreePlan::nodes`] (at `level - 1`) otherwise.
    pub entries: core::ops::Range<usize>,
    /// The leaf entries under this node, at any level.
    pub leaves: core::ops::Range<usize>,
}

impl BTreePlan {
    /// Indexes (into `nodes`) of the left and right siblings of node `n`:
    /// its neighbours at the same level.
    pub fn siblings(&self, n: usize) -> (Option<usize>, Option<usize>) {
        let Some(level) = self.nodes.get(n).map(|node| node.level) else {
            return (None, None);
        };
        let same = |i: &usize| self.nodes.get(*i).is_some_and(|m| m.level == level);
        let left = n.checked_sub(1).filter(same);
        let right = Some(n + 1).filter(same);
        (left, right)
    }

    /// For node `n`, where each of its keys falls among the leaf entries:
    /// `children + 1` boundaries `b`, key `j` sitting between leaf entry
    /// `b[j] - 1` and leaf entry `b[j]`. With a key list over all leaves of
    /// `entries + 1` keys (key `i` just before entry `i`), node `n`'s keys
    /// are those at these boundaries, at every level.
    pub fn key_boundaries(&self, n: usize) -> Vec<usize> {
        let Some(node) = self.nodes.get(n) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(node.entries.len() + 1);
        if node.level == 0 {
            out.extend(node.entries.start..=node.entries.end);
        } else {
            out.push(node.leaves.start);
            out.extend(
                node.entries
                    .clone()
                    .filter_map(|c| self.nodes.get(c).map(|child| child.leaves.end)),
            );
        }
        out
    }
}

/// Splits `n_entries` sorted leaf entries into a v1 B-tree of nodes holding
/// at most 2K children each: the fewest nodes per level, filled evenly, so
/// every node but a lone root holds at least K (as a libhdf5 tree built by
/// insertion keeps them). No entries gives one empty leaf, which is what
/// libhdf5 writes for an empty group.
///
/// The same call splits a group's sorted links into symbol table nodes: with
/// the group leaf node K, the level-0 nodes are the symbol table nodes.
///
/// # Panics
///
/// When `k` is 0.
pub fn plan(n_entries: usize, k: u16) -> BTreePlan {
    assert!(k > 0, "v1 B-tree K must be at least 1");
    let capacity = 2 * usize::from(k);
    let mut nodes = Vec::new();
    // Level 0 over the entries.
    let mut level_start = 0;
    for range in split_evenly(0..n_entries, capacity) {
        nodes.push(PlannedNode {
            level: 0,
            leaves: range.clone(),
            entries: range,
        });
    }
    let mut level = 0u8;
    while nodes.len() - level_start > 1 {
        level += 1;
        let below = level_start..nodes.len();
        level_start = nodes.len();
        for range in split_evenly(below, capacity) {
            let leaves = nodes[range.start].leaves.start..nodes[range.end - 1].leaves.end;
            nodes.push(PlannedNode {
                level,
                entries: range,
                leaves,
            });
        }
    }
    BTreePlan {
        root: nodes.len() - 1,
        nodes,
    }
}

/// Splits `items` into the fewest runs of at most `capacity`, sizes differing
/// by at most one (earlier runs larger). An empty range gives one empty run.
fn split_evenly(items: core::ops::Range<usize>, capacity: usize) -> Vec<core::ops::Range<usize>> {
    let n = items.len();
    let count = n.div_ceil(capacity).max(1);
    let (base, extra) = (n / count, n % count);
    let mut out = Vec::with_capacity(count);
    let mut start = items.start;
    for i in 0..count {
        let len = base + usize::from(i < extra);
        out.push(start..start + len);
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::format::UNDEFINED;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    /// Encodes a node: `keys.len() == children.len() + 1`.
    fn node(node_type: u8, level: u8, keys: &[Vec<u8>], children: &[u64]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"TREE"); // signature
        v.push(node_type); // node type
        v.push(level); // node level
        v.extend_from_slice(&(children.len() as u16).to_le_bytes()); // entries used
        v.extend_from_slice(&UNDEFINED.to_le_bytes()); // left sibling
        v.extend_from_slice(&UNDEFINED.to_le_bytes()); // right sibling
        for (i, child) in children.iter().enumerate() {
            v.extend_from_slice(&keys[i]); // key i
            v.extend_from_slice(&child.to_le_bytes()); // child i
        }
        v.extend_from_slice(&keys[children.len()]); // last key
        v
    }

    fn chunk_key(size: u32, mask: u32, offsets: &[u64]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&size.to_le_bytes()); // chunk size
        v.extend_from_slice(&mask.to_le_bytes()); // filter mask
        for o in offsets {
            v.extend_from_slice(&o.to_le_bytes()); // offset per dimension
        }
        v
    }

    fn place(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// A two-level chunk B-tree for a 1-D dataset (keys hold 2 offsets):
    /// root at 0 (level 1) -> leaves at 200 and 400, two chunks each.
    fn chunk_tree() -> Vec<u8> {
        let k = |o: u64| chunk_key(0, 0, &[o, 0]);
        let mut f = Vec::new();
        place(&mut f, 0, &node(1, 1, &[k(0), k(20), k(40)], &[200, 400]));
        place(
            &mut f,
            200,
            &node(
                1,
                0,
                &[chunk_key(80, 0, &[0, 0]), chunk_key(70, 1, &[10, 0]), k(20)],
                &[1000, 1100],
            ),
        );
        place(
            &mut f,
            400,
            &node(
                1,
                0,
                &[
                    chunk_key(60, 0, &[20, 0]),
                    chunk_key(50, 0, &[30, 0]),
                    k(40),
                ],
                &[1200, 1300],
            ),
        );
        f.resize(1400, 0);
        f
    }

    #[test]
    fn chunk_tree_in_order() {
        let f = chunk_tree();
        let recs = read_chunk_btree(&f, S8, 0, 1, &Limits::default()).unwrap();
        let got: Vec<_> = recs
            .iter()
            .map(|r| (r.offsets[0], r.address, r.size, r.filter_mask))
            .collect();
        assert_eq!(
            got,
            [
                (0, 1000, 80, 0),
                (10, 1100, 70, 1),
                (20, 1200, 60, 0),
                (30, 1300, 50, 0)
            ]
        );
    }

    #[test]
    fn cycle_is_detected() {
        let mut f = chunk_tree();
        // Root's second child points back at the root.
        let second_child = 8 + 16 + 24 + 8 + 24;
        f[second_child..second_child + 8].copy_from_slice(&0u64.to_le_bytes());
        let e = read_chunk_btree(&f, S8, 0, 1, &Limits::default()).unwrap_err();
        assert!(e.message().contains("twice"), "{e}");
    }

    #[test]
    fn wrong_child_level_is_detected() {
        let mut f = chunk_tree();
        f[400 + 5] = 1; // second leaf claims level 1 like its parent
        let e = read_chunk_btree(&f, S8, 0, 1, &Limits::default()).unwrap_err();
        assert!(e.message().contains("level"), "{e}");
        assert_eq!(e.offset(), Some(400));
    }

    #[test]
    fn bad_signature_type_and_truncation() {
        let mut f = chunk_tree();
        f[200] = b'X';
        assert!(read_chunk_btree(&f, S8, 0, 1, &Limits::default())
            .unwrap_err()
            .message()
            .contains("TREE"));

        let f = chunk_tree();
        let e = read_group_entries(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("node type"), "{e}");

        let mut f = chunk_tree();
        f.truncate(420);
        assert!(read_chunk_btree(&f, S8, 0, 1, &Limits::default()).is_err());
    }

    #[test]
    fn node_and_depth_limits() {
        let f = chunk_tree();
        let limits = Limits {
            max_nodes: 2,
            ..Limits::default()
        };
        assert_eq!(
            read_chunk_btree(&f, S8, 0, 1, &limits).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
        let limits = Limits {
            max_depth: 0,
            ..Limits::default()
        };
        assert_eq!(
            read_chunk_btree(&f, S8, 0, 1, &limits).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
    }

    fn snod(entries: &[(u64, u64)]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"SNOD"); // signature
        v.push(1); // version
        v.push(0); // reserved
        v.extend_from_slice(&(entries.len() as u16).to_le_bytes()); // number of symbols
        for &(name, header) in entries {
            v.extend_from_slice(&name.to_le_bytes()); // link name offset
            v.extend_from_slice(&header.to_le_bytes()); // object header address
            v.extend_from_slice(&0u32.to_le_bytes()); // cache type
            v.extend_from_slice(&[0; 4]); // reserved
            v.extend_from_slice(&[0; 16]); // scratch pad
        }
        v
    }

    #[test]
    fn group_tree_lists_entries_in_order() {
        let k = |o: u64| o.to_le_bytes().to_vec(); // type-0 key: heap offset
        let mut f = Vec::new();
        place(&mut f, 0, &node(0, 0, &[k(0), k(8), k(24)], &[300, 500]));
        place(&mut f, 300, &snod(&[(1, 0x1000), (8, 0x2000)]));
        place(&mut f, 500, &snod(&[(16, 0x3000)]));
        let es = read_group_entries(&f, S8, 0, &Limits::default()).unwrap();
        let got: Vec<_> = es
            .iter()
            .map(|e| (e.link_name_offset, e.object_header_address))
            .collect();
        assert_eq!(got, [(1, 0x1000), (8, 0x2000), (16, 0x3000)]);

        // The same symbol table node twice is an error.
        let mut f2 = f.clone();
        place(&mut f2, 0, &node(0, 0, &[k(0), k(8), k(24)], &[300, 300]));
        assert!(read_group_entries(&f2, S8, 0, &Limits::default()).is_err());

        let limits = Limits {
            max_links: 2,
            ..Limits::default()
        };
        assert_eq!(
            read_group_entries(&f, S8, 0, &limits).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
    }

    #[test]
    fn encode_group_node_matches_libhdf5() {
        // The root group's B-tree node libhdf5 2.0 wrote at 0x88 (h5py,
        // libver "earliest", one child group): one symbol table node.
        let used: [u8; 48] = [
            b'T', b'R', b'E', b'E', 0, 0, 1, 0, // signature, type 0, level 0, 1 entry
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // left sibling: none
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // right sibling: none
            0, 0, 0, 0, 0, 0, 0, 0, // key 0: "" (heap offset 0)
            0xe0, 0x05, 0, 0, 0, 0, 0, 0, // child 0: symbol table node 0x5e0
            8, 0, 0, 0, 0, 0, 0, 0, // key 1: "child" (heap offset 8)
        ];
        let b = encode_group_node(S8, 0, UNDEFINED, UNDEFINED, &[0, 8], &[0x5e0], 16);
        assert_eq!(b.len(), 544);
        assert_eq!(node_len(S8, NODE_TYPE_GROUP, 16, 0), 544);
        assert_eq!(b[..48], used);
        assert!(b[48..].iter().all(|&x| x == 0));
        // An empty group's node (0x348 in the same file): no child, key 0 only.
        let empty = encode_group_node(S8, 0, UNDEFINED, UNDEFINED, &[0], &[], 16);
        assert_eq!(empty[..8], [b'T', b'R', b'E', b'E', 0, 0, 0, 0]);
        assert!(empty[24..].iter().all(|&x| x == 0));
        assert_eq!(empty.len(), 544);
    }

    #[test]
    fn encode_group_node_round_trips() {
        let b = encode_group_node(S8, 2, 0x100, 0x200, &[0, 8, 24], &[0x300, 0x500], 16);
        let n = read_node(&b[..], S8, 0, NODE_TYPE_GROUP, 8, &Limits::default()).unwrap();
        assert_eq!(n.level, 2);
        assert_eq!((n.left_sibling, n.right_sibling), (0x100, 0x200));
        assert_eq!(n.children, [0x300, 0x500]);
        assert_eq!(n.key(2).unwrap(), 24u64.to_le_bytes());
        let s4 = Sizes {
            offset: 4,
            length: 4,
        };
        let b = encode_group_node(s4, 0, UNDEFINED, UNDEFINED, &[0, 8], &[0x300], 4);
        assert_eq!(b.len() as u64, node_len(s4, NODE_TYPE_GROUP, 4, 0));
        assert_eq!(b.len(), 8 + 8 + 8 * 8 + 4);
        let n = read_node(&b[..], s4, 0, NODE_TYPE_GROUP, 4, &Limits::default()).unwrap();
        assert_eq!(n.children, [0x300]);
        assert_eq!(n.left_sibling, UNDEFINED); // all ones at 4 bytes
    }

    fn chunk_key_from(raw: &[u8]) -> ChunkKey {
        let mut c = Cursor::new(raw, 0, "test key");
        let size = c.u32().unwrap();
        let filter_mask = c.u32().unwrap();
        let mut offsets = Vec::new();
        while c.remaining() >= 8 {
            offsets.push(c.u64().unwrap());
        }
        ChunkKey {
            size,
            filter_mask,
            offsets,
        }
    }

    #[test]
    fn reencoding_libhdf5_chunk_node_gives_the_same_bytes() {
        // The chunk B-tree leaf libhdf5 wrote (h5py, libver "earliest") at
        // 0x2cc8 of tests/golden/files/layouts_earliest.h5: dataset
        // chunk_index/implicit, int16 (5, 6) in (2, 4) chunks, 6 chunks.
        // libhdf5 leaves stale bytes in the unused part of a node, so only
        // the used part is compared; ours is zeros.
        let file = include_bytes!("../../tests/golden/files/layouts_earliest.h5");
        let at = 0x2cc8;
        let key_size = chunk_key_size(2).unwrap();
        let n = read_node(
            &file[..],
            S8,
            at,
            NODE_TYPE_CHUNK,
            key_size,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(n.children.len(), 6);
        let keys: Vec<ChunkKey> = (0..=6).map(|i| chunk_key_from(n.key(i).unwrap())).collect();
        assert_eq!(keys[1].offsets, [0, 4, 0]);
        assert_eq!(keys[6].offsets, [6, 4, 2]); // past the end; element size last
        let b = encode_chunk_node(S8, 0, UNDEFINED, UNDEFINED, &keys, &n.children, 32, 2);
        assert_eq!(b.len() as u64, node_len(S8, NODE_TYPE_CHUNK, 32, 2));
        assert_eq!(b.len(), 24 + 64 * (32 + 8) + 32);
        let used = 24 + 6 * (32 + 8) + 32;
        let at = at as usize;
        assert_eq!(b[..used], file[at..at + used]);
        assert!(b[used..].iter().all(|&x| x == 0));
    }

    #[test]
    fn encode_chunk_node_round_trips() {
        let key = |size: u32, mask: u32, o: u64| ChunkKey {
            size,
            filter_mask: mask,
            offsets: alloc::vec![o, 0],
        };
        let keys = [key(80, 0, 0), key(70, 1, 10), key(0, 0, 20)];
        let leaf = encode_chunk_node(S8, 0, UNDEFINED, UNDEFINED, &keys, &[1000, 1100], 32, 1);
        let recs = read_chunk_btree(&leaf[..], S8, 0, 1, &Limits::default()).unwrap();
        let got: Vec<_> = recs
            .iter()
            .map(|r| (r.offsets[0], r.address, r.size, r.filter_mask))
            .collect();
        assert_eq!(got, [(0, 1000, 80, 0), (10, 1100, 70, 1)]);
    }

    #[test]
    #[should_panic(expected = "keys")]
    fn encode_node_checks_key_count() {
        let _ = encode_group_node(S8, 0, UNDEFINED, UNDEFINED, &[0], &[0x300], 16);
    }

    #[test]
    #[should_panic(expected = "capacity")]
    fn encode_node_checks_capacity() {
        let keys = [0u64; 10];
        let _ = encode_group_node(S8, 0, UNDEFINED, UNDEFINED, &keys, &[0x300; 9], 4);
    }

    /// Checks the shape of `plan(n, k)`: children-first, every node but the
    /// root K..=2K children, contiguous coverage, root last.
    fn check_plan(n: usize, k: u16) -> BTreePlan {
        let p = plan(n, k);
        let cap = 2 * usize::from(k);
        assert_eq!(p.root, p.nodes.len() - 1);
        let root = &p.nodes[p.root];
        assert_eq!(root.leaves, 0..n);
        for (i, node) in p.nodes.iter().enumerate() {
            assert!(node.entries.len() <= cap);
            if i != p.root {
                assert!(node.entries.len() >= usize::from(k), "{n} {k} {node:?}");
            }
            if node.level > 0 {
                for c in node.entries.clone() {
                    assert!(c < i, "children come first");
                    assert_eq!(p.nodes[c].level + 1, node.level);
                }
                let first = &p.nodes[node.entries.start];
                let last = &p.nodes[node.entries.end - 1];
                assert_eq!(node.leaves, first.leaves.start..last.leaves.end);
            } else {
                assert_eq!(node.entries, node.leaves);
            }
        }
        // Each level covers its range without gaps.
        for level in 0..=root.level {
            let at: Vec<&PlannedNode> = p.nodes.iter().filter(|m| m.level == level).collect();
            for w in at.windows(2) {
                assert_eq!(w[0].leaves.end, w[1].leaves.start);
            }
        }
        p
    }

    #[test]
    fn plan_shapes() {
        let p = check_plan(0, 16);
        assert_eq!(
            p.nodes,
            [PlannedNode {
                level: 0,
                entries: 0..0,
                leaves: 0..0
            }]
        );
        let p = check_plan(1, 16);
        assert_eq!(p.nodes.len(), 1);
        let p = check_plan(32, 16);
        assert_eq!(p.nodes.len(), 1);
        let p = check_plan(33, 16);
        assert_eq!(p.nodes.len(), 3);
        assert_eq!(
            (p.nodes[0].entries.clone(), p.nodes[1].entries.clone()),
            (0..17, 17..33)
        );
        assert_eq!(p.nodes[2].level, 1);
        assert_eq!(p.nodes[2].entries, 0..2);
        // 2000 chunks with K = 32: 32 leaves of 62-63, one root.
        let p = check_plan(2000, 32);
        assert_eq!(p.nodes.len(), 33);
        // 5000 entries with K = 2 need several levels.
        let p = check_plan(5000, 2);
        assert!(p.nodes[p.root].level >= 5);
        for n in [2, 3, 4, 5, 8, 9, 100, 1025, 1089] {
            check_plan(n, 4);
            check_plan(n, 1);
        }
    }

    #[test]
    fn plan_siblings_and_keys() {
        let p = check_plan(33, 16);
        assert_eq!(p.siblings(0), (None, Some(1)));
        assert_eq!(p.siblings(1), (Some(0), None));
        assert_eq!(p.siblings(2), (None, None));
        assert_eq!(p.siblings(9), (None, None));
        assert_eq!(p.key_boundaries(0), (0..=17).collect::<Vec<_>>());
        assert_eq!(p.key_boundaries(1), (17..=33).collect::<Vec<_>>());
        assert_eq!(p.key_boundaries(2), [0, 17, 33]);
        assert_eq!(check_plan(0, 4).key_boundaries(0), [0]);
    }

    #[test]
    fn planned_group_tree_reads_back() {
        // 200 links in 25 symbol table nodes (K = 4 leaves), under a group
        // B-tree with K = 2 so that it needs 3 levels; names are heap offsets
        // 8, 16, ... in name order.
        let snods = check_plan(200, 4);
        let n_snods = snods.nodes.iter().filter(|n| n.level == 0).count();
        assert_eq!(n_snods, 25);
        let tree = check_plan(n_snods, 2);
        assert_eq!(tree.nodes[tree.root].level, 2);
        let name = |link: usize| 8 * (link as u64 + 1);
        // Keys over the symbol table nodes: "" then the largest name of each.
        let mut leaf_keys = alloc::vec![0u64];
        leaf_keys.extend(
            snods.nodes[..n_snods]
                .iter()
                .map(|s| name(s.entries.end - 1)),
        );
        let snod_len = crate::format::symbol_table_node::node_len(S8, 4);
        let btree_len = node_len(S8, NODE_TYPE_GROUP, 2, 0);
        let snod_addr = |i: usize| 64 + i as u64 * snod_len;
        let tree_base = snod_addr(n_snods);
        let node_addr = |i: usize| tree_base + i as u64 * btree_len;
        let mut f = alloc::vec![0u8; 64];
        for s in &snods.nodes[..n_snods] {
            let entries: Vec<SymbolTableEntry> = s
                .entries
                .clone()
                .map(|l| SymbolTableEntry::plain(name(l), 0x10_0000 + l as u64))
                .collect();
            f.extend(crate::format::symbol_table_node::encode_node(
                S8, &entries, 4,
            ));
        }
        for (i, node) in tree.nodes.iter().enumerate() {
            let keys: Vec<u64> = tree
                .key_boundaries(i)
                .iter()
                .map(|&b| leaf_keys[b])
                .collect();
            let children: Vec<u64> = if node.level == 0 {
                node.entries.clone().map(snod_addr).collect()
            } else {
                node.entries.clone().map(node_addr).collect()
            };
            let (l, r) = tree.siblings(i);
            let b = encode_group_node(
                S8,
                node.level,
                l.map_or(UNDEFINED, node_addr),
                r.map_or(UNDEFINED, node_addr),
                &keys,
                &children,
                2,
            );
            f.extend(b);
        }
        let es = read_group_entries(&f, S8, node_addr(tree.root), &Limits::default()).unwrap();
        let got: Vec<u64> = es.iter().map(|e| e.object_header_address).collect();
        assert_eq!(got, (0..200).map(|l| 0x10_0000 + l).collect::<Vec<_>>());
    }
}
