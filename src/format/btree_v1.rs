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
    let prefix_len = 8 + 2 * offset_size;
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
}
