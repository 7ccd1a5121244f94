//! Commit: lay the model out as metadata at the end of the file, then point
//! the superblock at it.
//!
//! Everything a commit writes goes after the current end of the file, so the
//! previous commit's metadata stays intact until the superblock, written
//! last, switches to the new one. A process killed at any moment leaves a
//! file whose superblock describes either the previous or the new state.

use super::model::{AttrNode, GroupStyle, LinkTo, Model, NodeId, NodeKind, Storage, Value};
use crate::error::{Error, Result};
use crate::format::btree_v1::{self, ChunkKey};
use crate::format::chunk_index::ChunkIndex;
use crate::format::global_heap;
use crate::format::local_heap::{self, LocalHeapBuilder};
use crate::format::message::attribute::{Attribute, MaybeShared};
use crate::format::message::dataspace::{Dataspace, DataspaceKind};
use crate::format::message::datatype::{CharacterSet, Datatype, DatatypeClass};
use crate::format::message::fill_value::FillValue;
use crate::format::message::filter_pipeline::FilterPipeline;
use crate::format::message::group_info::GroupInfo;
use crate::format::message::layout::Layout;
use crate::format::message::link::{Link, LinkTarget};
use crate::format::message::link_info::LinkInfo;
use crate::format::message::symbol_table::SymbolTable;
use crate::format::object_header::{self, MessageToWrite};
use crate::format::symbol_table_node::{self, SymbolTableEntry};
use crate::format::{superblock, Sizes, UNDEFINED};
use std::collections::HashMap;

/// Group leaf node K (entries per symbol table node: 2K) and internal node K,
/// libhdf5's defaults.
pub const GROUP_LEAF_K: u16 = 4;
/// Group B-tree internal node K.
pub const GROUP_INTERNAL_K: u16 = 16;
/// Chunk B-tree K (libhdf5 default "indexed storage internal node K").
pub const CHUNK_K: u16 = 32;

/// Message type codes written.
mod msg {
    pub const DATASPACE: u16 = 0x0001;
    pub const LINK_INFO: u16 = 0x0002;
    pub const DATATYPE: u16 = 0x0003;
    pub const FILL_VALUE: u16 = 0x0005;
    pub const LINK: u16 = 0x0006;
    pub const LAYOUT: u16 = 0x0008;
    pub const GROUP_INFO: u16 = 0x000A;
    pub const FILTER_PIPELINE: u16 = 0x000B;
    pub const ATTRIBUTE: u16 = 0x000C;
    pub const SYMBOL_TABLE: u16 = 0x0011;
}

/// Message flag "constant" (datatype messages).
const FLAG_CONSTANT: u8 = 0x01;

/// The bytes a commit appends, and where the superblock must point.
pub struct CommitImage {
    /// Address where `bytes` go (the old end of file).
    pub start: u64,
    /// The metadata.
    pub bytes: Vec<u8>,
    /// The superblock to write at the superblock offset.
    pub superblock: Vec<u8>,
    /// End of file after the commit.
    pub eof: u64,
}

/// Bump allocator over the region after the current end of file.
struct Alloc {
    next: u64,
}

impl Alloc {
    fn take(&mut self, len: u64) -> u64 {
        let a = self.next;
        // Keep structures 8-byte aligned, as libhdf5 does for metadata.
        self.next += len.div_ceil(8) * 8;
        a
    }
}

/// Addresses chosen for one group's symbol table.
struct SymtabPlan {
    heap_header: u64,
    heap_data: u64,
    heap_bytes: Vec<u8>,
    /// Offset of the data segment's free block (as libhdf5 writes it).
    heap_free: u64,
    /// Name offsets in the heap, by link index.
    name_offsets: Vec<u64>,
    /// Soft link value offsets in the heap, by link index.
    value_offsets: Vec<Option<u64>>,
    /// Symbol table nodes: (address, link indexes sorted by name).
    snods: Vec<(u64, Vec<usize>)>,
    /// B-tree nodes: (address, plan node).
    btree: Vec<u64>,
    plan: btree_v1::BTreePlan,
}

/// Addresses chosen for one dataset.
struct DatasetPlan {
    /// Chunk B-tree node addresses (plan order) and the plan.
    chunk_btree: Option<(Vec<u64>, btree_v1::BTreePlan)>,
    /// Where the vlen string references of a vlen dataset go.
    vlen_block: Option<u64>,
}

/// Encodes one vlen string list as the 16-byte references, given where each
/// string went in the global heap.
fn vlen_refs(sizes: Sizes, strings: &[String], refs: &[(u64, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (s, &(addr, index)) in strings.iter().zip(refs) {
        out.extend_from_slice(&global_heap::encode_vlen_reference(
            sizes,
            s.len() as u32,
            addr,
            index,
        ));
    }
    out
}

/// Collects every variable-length string of the model in a deterministic
/// order and plans the global heap collections holding them.
struct VlenPlan {
    /// Collections: (address, objects).
    collections: Vec<(u64, Vec<Vec<u8>>)>,
    /// For each string source (node, attribute index or usize::MAX for the
    /// dataset itself), the (collection address, object index) of each string.
    refs: HashMap<(NodeId, usize), Vec<(u64, u32)>>,
}

/// Largest collection payload before starting a new collection.
const COLLECTION_TARGET: usize = 64 * 1024;

fn plan_vlen(model: &Model, sizes: Sizes, alloc: &mut Alloc) -> VlenPlan {
    let mut sources: Vec<((NodeId, usize), &Vec<String>)> = Vec::new();
    for (id, node) in model.nodes.iter().enumerate() {
        for (i, a) in node.attrs.iter().enumerate() {
            if let Value::VlenStrings(v) = &a.value {
                sources.push(((id, i), v));
            }
        }
        if let NodeKind::Dataset(d) = &node.kind {
            if let Some(v) = &d.vlen {
                sources.push(((id, usize::MAX), v));
            }
        }
    }
    let mut collections: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut placement: HashMap<(NodeId, usize), Vec<(usize, u32)>> = HashMap::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    let mut current_bytes = 0usize;
    for (key, strings) in sources {
        let mut refs = Vec::new();
        for s in strings {
            if s.is_empty() {
                // An empty string is stored as length 0 with no heap object.
                refs.push((usize::MAX, 0));
                continue;
            }
            if current_bytes > COLLECTION_TARGET {
                collections.push(std::mem::take(&mut current));
                current_bytes = 0;
            }
            current.push(s.as_bytes().to_vec());
            current_bytes += s.len() + 16;
            refs.push((collections.len(), current.len() as u32));
        }
        placement.insert(key, refs);
    }
    if !current.is_empty() {
        collections.push(current);
    }
    let mut addrs = Vec::new();
    let mut planned = Vec::new();
    for objects in collections {
        let slices: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
        let addr = alloc.take(global_heap::collection_len(sizes, &slices));
        addrs.push(addr);
        planned.push((addr, objects));
    }
    let refs = placement
        .into_iter()
        .map(|(k, v)| {
            let r = v
                .into_iter()
                .map(|(c, i)| {
                    if c == usize::MAX {
                        (0, 0)
                    } else {
                        (addrs[c], i)
                    }
                })
                .collect();
            (k, r)
        })
        .collect();
    VlenPlan {
        collections: planned,
        refs,
    }
}

fn dataspace_of(shape: Option<&[u64]>, max: Option<&[u64]>) -> Dataspace {
    match shape {
        None => Dataspace {
            kind: DataspaceKind::Null,
            dims: Vec::new(),
            max_dims: None,
        },
        Some([]) => Dataspace {
            kind: DataspaceKind::Scalar,
            dims: Vec::new(),
            max_dims: None,
        },
        Some(d) => Dataspace {
            kind: DataspaceKind::Simple,
            dims: d.to_vec(),
            // libhdf5 (and VTK) always store the maximum dimensions.
            max_dims: Some(max.unwrap_or(d).to_vec()),
        },
    }
}

fn is_ascii(s: &str) -> bool {
    s.is_ascii()
}

fn attribute_message(
    sizes: Sizes,
    a: &AttrNode,
    refs: Option<&Vec<(u64, u32)>>,
) -> Result<MessageToWrite> {
    let data = match (&a.value, refs) {
        (Value::Raw(b), _) => b.clone(),
        (Value::VlenStrings(v), Some(r)) => vlen_refs(sizes, v, r),
        (Value::VlenStrings(_), None) => {
            return Err(Error::wrong_use("vlen attribute without heap placement"))
        }
    };
    let attr = Attribute {
        name: a.name.clone(),
        charset: if is_ascii(&a.name) {
            CharacterSet::Ascii
        } else {
            CharacterSet::Utf8
        },
        datatype: MaybeShared::Inline(a.datatype.clone()),
        dataspace: MaybeShared::Inline(dataspace_of(a.shape.as_deref(), None)),
        data,
    };
    Ok(MessageToWrite {
        kind: msg::ATTRIBUTE,
        flags: 0,
        data: attr.encode(sizes)?,
    })
}

/// Builds the commit image of `model` for a file whose data ends at `eof`;
/// `superblock_version` is 0 (new files, files that had v0/v1) or 2 (files
/// opened for writing that had a v2/v3 superblock: its 48 bytes are
/// rewritten in place, so nothing after it is touched).
pub fn build(model: &Model, sizes: Sizes, eof: u64, superblock_version: u8) -> Result<CommitImage> {
    let mut alloc = Alloc {
        next: eof.div_ceil(8) * 8,
    };
    let start = alloc.next;
    let vlen = plan_vlen(model, sizes, &mut alloc);

    // Per-node structures other than object headers.
    let mut symtabs: HashMap<NodeId, SymtabPlan> = HashMap::new();
    let mut dsets: HashMap<NodeId, DatasetPlan> = HashMap::new();
    for (id, node) in model.nodes.iter().enumerate() {
        match &node.kind {
            NodeKind::Group(g) if style_of(g) == GroupStyle::SymbolTable => {
                let mut heap = LocalHeapBuilder::new();
                let mut name_offsets = Vec::new();
                let mut value_offsets = Vec::new();
                for l in &g.links {
                    name_offsets.push(heap.add(l.name.as_bytes()));
                    value_offsets.push(match &l.target {
                        LinkTo::Soft(v) => Some(heap.add(v.as_bytes())),
                        _ => None,
                    });
                }
                let heap_bytes = heap.finish();
                let heap_free = heap.free_list_offset();
                let heap_header = alloc.take(local_heap::encoded_len(sizes));
                let heap_data = alloc.take(heap_bytes.len() as u64);
                let mut order: Vec<usize> = (0..g.links.len()).collect();
                order.sort_by(|&a, &b| g.links[a].name.as_bytes().cmp(g.links[b].name.as_bytes()));
                let per_node = usize::from(GROUP_LEAF_K) * 2;
                let mut snods = Vec::new();
                for chunk in order.chunks(per_node) {
                    let addr = alloc.take(symbol_table_node::node_len(sizes, GROUP_LEAF_K));
                    snods.push((addr, chunk.to_vec()));
                }
                if snods.is_empty() {
                    // libhdf5 gives an empty group one empty symbol table node.
                    let addr = alloc.take(symbol_table_node::node_len(sizes, GROUP_LEAF_K));
                    snods.push((addr, Vec::new()));
                }
                let plan = btree_v1::plan(snods.len(), GROUP_INTERNAL_K);
                let btree = plan
                    .nodes
                    .iter()
                    .map(|_| alloc.take(btree_v1::node_len(sizes, 0, GROUP_INTERNAL_K, 0)))
                    .collect();
                symtabs.insert(
                    id,
                    SymtabPlan {
                        heap_header,
                        heap_data,
                        heap_bytes,
                        heap_free,
                        name_offsets,
                        value_offsets,
                        snods,
                        btree,
                        plan,
                    },
                );
            }
            NodeKind::Dataset(d) => {
                let mut p = DatasetPlan {
                    chunk_btree: None,
                    vlen_block: None,
                };
                if let Storage::Chunked { chunks, .. } = &d.storage {
                    if !chunks.is_empty() {
                        let plan = btree_v1::plan(chunks.len(), CHUNK_K);
                        let rank = d.dims.len();
                        let addrs = plan
                            .nodes
                            .iter()
                            .map(|_| alloc.take(btree_v1::node_len(sizes, 1, CHUNK_K, rank)))
                            .collect();
                        p.chunk_btree = Some((addrs, plan));
                    }
                }
                if let Some(v) = &d.vlen {
                    let bytes = v.len() as u64 * (4 + u64::from(sizes.offset) + 4);
                    p.vlen_block = Some(alloc.take(bytes));
                }
                dsets.insert(id, p);
            }
            _ => {}
        }
    }

    // Object headers: messages first with placeholder addresses to learn the
    // sizes, then again with the real ones.
    let mut header_addr: Vec<u64> = vec![UNDEFINED; model.nodes.len()];
    let reachable = reachable(model);
    for id in 0..model.nodes.len() {
        if !reachable[id] {
            continue;
        }
        let msgs = messages(
            model,
            id,
            sizes,
            &symtabs,
            &dsets,
            &vlen,
            &vec![0; model.nodes.len()],
        )?;
        header_addr[id] = alloc.take(object_header::encoded_len_v1(&msgs));
    }
    let new_eof = alloc.next;
    // Object reference counts: the number of hard links to each object.
    let mut ref_counts = vec![0u32; model.nodes.len()];
    for node in &model.nodes {
        if let NodeKind::Group(g) = &node.kind {
            for l in &g.links {
                if let LinkTo::Hard(c) = l.target {
                    ref_counts[c] = ref_counts[c].saturating_add(1);
                }
            }
        }
    }

    // Encode everything into one buffer.
    let mut bytes = vec![0u8; (new_eof - start) as usize];
    let mut put = |addr: u64, data: &[u8]| -> Result<()> {
        let off = (addr - start) as usize;
        let dst = bytes
            .get_mut(off..off + data.len())
            .ok_or_else(|| Error::wrong_use("commit layout overflow (internal error)"))?;
        dst.copy_from_slice(data);
        Ok(())
    };
    for (addr, objects) in &vlen.collections {
        let slices: Vec<&[u8]> = objects.iter().map(Vec::as_slice).collect();
        put(*addr, &global_heap::encode_collection(sizes, &slices))?;
    }
    for (id, p) in &symtabs {
        let NodeKind::Group(g) = &model.nodes[*id].kind else {
            continue;
        };
        put(
            p.heap_header,
            &local_heap::encode(sizes, p.heap_bytes.len() as u64, p.heap_free, p.heap_data),
        )?;
        put(p.heap_data, &p.heap_bytes)?;
        for (addr, members) in &p.snods {
            let entries: Vec<SymbolTableEntry> = members
                .iter()
                .map(|&i| {
                    let l = &g.links[i];
                    let mut scratch = [0u8; 16];
                    let (object, cache_type) = match &l.target {
                        LinkTo::Hard(child) => {
                            let mut cache = 0;
                            if let Some(cp) = symtabs.get(child) {
                                // Cache the child group's B-tree and heap, as libhdf5 does.
                                cache = 1;
                                scratch[..8].copy_from_slice(&p_root(cp).to_le_bytes());
                                scratch[8..].copy_from_slice(&cp.heap_header.to_le_bytes());
                            }
                            (header_addr[*child], cache)
                        }
                        LinkTo::Soft(_) => {
                            let off = p.value_offsets[i].unwrap_or(0) as u32;
                            scratch[..4].copy_from_slice(&off.to_le_bytes());
                            (UNDEFINED, 2)
                        }
                        LinkTo::External { .. } | LinkTo::UserDefined { .. } => (UNDEFINED, 0),
                    };
                    SymbolTableEntry {
                        link_name_offset: p.name_offsets[i],
                        object_header_address: object,
                        cache_type,
                        scratch,
                    }
                })
                .collect();
            put(
                *addr,
                &symbol_table_node::encode_node(sizes, &entries, GROUP_LEAF_K),
            )?;
        }
        // B-tree over the symbol table nodes: key i = largest name left of child i.
        let last_name =
            |snod: usize| -> u64 { p.snods[snod].1.last().map_or(0, |&i| p.name_offsets[i]) };
        let mut first_leaf = vec![0usize; p.plan.nodes.len()];
        let mut last_leaf = vec![0usize; p.plan.nodes.len()];
        for (n, node) in p.plan.nodes.iter().enumerate() {
            if node.level == 0 {
                first_leaf[n] = node.entries.start;
                last_leaf[n] = node.entries.end.saturating_sub(1);
            } else {
                first_leaf[n] = first_leaf[node.entries.start];
                last_leaf[n] = last_leaf[node.entries.end - 1];
            }
        }
        for (n, node) in p.plan.nodes.iter().enumerate() {
            let (children, keys): (Vec<u64>, Vec<u64>) = if node.level == 0 {
                let children = node.entries.clone().map(|s| p.snods[s].0).collect();
                let mut keys = vec![if node.entries.start == 0 {
                    0
                } else {
                    last_name(node.entries.start - 1)
                }];
                keys.extend(node.entries.clone().map(last_name));
                (children, keys)
            } else {
                let children = node.entries.clone().map(|c| p.btree[c]).collect();
                let first = first_leaf[node.entries.start];
                let mut keys = vec![if first == 0 { 0 } else { last_name(first - 1) }];
                keys.extend(node.entries.clone().map(|c| last_name(last_leaf[c])));
                (children, keys)
            };
            let (left, right) = siblings(&p.plan, n, &p.btree);
            put(
                p.btree[n],
                &btree_v1::encode_group_node(
                    sizes,
                    node.level,
                    left,
                    right,
                    &keys,
                    &children,
                    GROUP_INTERNAL_K,
                ),
            )?;
        }
    }
    for (id, p) in &dsets {
        let NodeKind::Dataset(d) = &model.nodes[*id].kind else {
            continue;
        };
        if let (
            Some((addrs, plan)),
            Storage::Chunked {
                chunk_dims, chunks, ..
            },
        ) = (&p.chunk_btree, &d.storage)
        {
            let entries: Vec<(&Vec<u64>, &super::model::ChunkLoc)> = chunks.iter().collect();
            let rank = d.dims.len();
            let key_of =
                |coords: &[u64], loc: Option<&super::model::ChunkLoc>, upper: bool| -> ChunkKey {
                    let mut offsets: Vec<u64> = coords
                        .iter()
                        .zip(chunk_dims)
                        .map(|(c, cd)| (c + u64::from(upper)) * cd)
                        .collect();
                    offsets.push(0);
                    ChunkKey {
                        size: if upper {
                            0
                        } else {
                            loc.map_or(0, |l| l.size as u32)
                        },
                        filter_mask: if upper {
                            0
                        } else {
                            loc.map_or(0, |l| l.filter_mask)
                        },
                        offsets,
                    }
                };
            let mut first = vec![0usize; plan.nodes.len()];
            let mut last = vec![0usize; plan.nodes.len()];
            for (n, node) in plan.nodes.iter().enumerate() {
                if node.level == 0 {
                    first[n] = node.entries.start;
                    last[n] = node.entries.end - 1;
                } else {
                    first[n] = first[node.entries.start];
                    last[n] = last[node.entries.end - 1];
                }
            }
            for (n, node) in plan.nodes.iter().enumerate() {
                let (children, mut keys): (Vec<u64>, Vec<ChunkKey>) = if node.level == 0 {
                    (
                        node.entries.clone().map(|e| entries[e].1.address).collect(),
                        node.entries
                            .clone()
                            .map(|e| key_of(entries[e].0, Some(entries[e].1), false))
                            .collect(),
                    )
                } else {
                    (
                        node.entries.clone().map(|c| addrs[c]).collect(),
                        node.entries
                            .clone()
                            .map(|c| {
                                let e = first[c];
                                key_of(entries[e].0, Some(entries[e].1), false)
                            })
                            .collect(),
                    )
                };
                let e = last[n];
                keys.push(key_of(entries[e].0, None, true));
                let (left, right) = siblings(plan, n, addrs);
                put(
                    addrs[n],
                    &btree_v1::encode_chunk_node(
                        sizes, node.level, left, right, &keys, &children, CHUNK_K, rank,
                    ),
                )?;
            }
        }
        if let (Some(addr), Some(strings)) = (p.vlen_block, &d.vlen) {
            let refs = vlen
                .refs
                .get(&(*id, usize::MAX))
                .ok_or_else(|| Error::wrong_use("vlen dataset without heap placement"))?;
            put(addr, &vlen_refs(sizes, strings, refs))?;
        }
    }
    for id in 0..model.nodes.len() {
        if !reachable[id] {
            continue;
        }
        let msgs = messages(model, id, sizes, &symtabs, &dsets, &vlen, &header_addr)?;
        put(
            header_addr[id],
            &object_header::encode_v1(&msgs, ref_counts[id].max(1))?,
        )?;
    }

    let superblock = match symtabs.get(&0) {
        _ if superblock_version >= 2 => {
            superblock::encode_v2(sizes, 2, 0, new_eof, header_addr[0], UNDEFINED)
        }
        Some(root) => superblock::encode_v0(
            sizes,
            new_eof,
            header_addr[0],
            p_root(root),
            root.heap_header,
        ),
        None => superblock::encode_v0_plain_root(sizes, new_eof, header_addr[0]),
    };
    Ok(CommitImage {
        start,
        bytes,
        superblock,
        eof: new_eof,
    })
}

/// Root B-tree node address of a group's symbol table.
fn p_root(p: &SymtabPlan) -> u64 {
    p.btree[p.plan.root]
}

/// Left and right sibling addresses of plan node `n` (same level).
fn siblings(plan: &btree_v1::BTreePlan, n: usize, addrs: &[u64]) -> (u64, u64) {
    let level = plan.nodes[n].level;
    let same: Vec<usize> = (0..plan.nodes.len())
        .filter(|&i| plan.nodes[i].level == level)
        .collect();
    let pos = same.iter().position(|&i| i == n).unwrap_or(0);
    let left = if pos == 0 {
        UNDEFINED
    } else {
        addrs[same[pos - 1]]
    };
    let right = same.get(pos + 1).map_or(UNDEFINED, |&i| addrs[i]);
    (left, right)
}

/// How a group is written: a symbol table entry cannot hold an external or
/// user-defined link, so such groups use link messages, as libhdf5 does.
fn style_of(g: &super::model::GroupNode) -> GroupStyle {
    let needs_messages = g.links.iter().any(|l| {
        matches!(
            l.target,
            LinkTo::External { .. } | LinkTo::UserDefined { .. }
        )
    });
    if needs_messages {
        GroupStyle::TrackedLinks
    } else {
        g.style
    }
}

/// Nodes reachable from the root through hard links.
fn reachable(model: &Model) -> Vec<bool> {
    let mut seen = vec![false; model.nodes.len()];
    let mut stack = vec![0usize];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        if let NodeKind::Group(g) = &model.nodes[id].kind {
            for l in &g.links {
                if let LinkTo::Hard(c) = l.target {
                    stack.push(c);
                }
            }
        }
    }
    seen
}

/// The object header messages of node `id`.
fn messages(
    model: &Model,
    id: NodeId,
    sizes: Sizes,
    symtabs: &HashMap<NodeId, SymtabPlan>,
    dsets: &HashMap<NodeId, DatasetPlan>,
    vlen: &VlenPlan,
    header_addr: &[u64],
) -> Result<Vec<MessageToWrite>> {
    let node = &model.nodes[id];
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Datatype(t) => out.push(MessageToWrite {
            kind: msg::DATATYPE,
            flags: FLAG_CONSTANT,
            data: t.encode()?,
        }),
        NodeKind::Group(g) => match style_of(g) {
            GroupStyle::SymbolTable => {
                let p = symtabs
                    .get(&id)
                    .ok_or_else(|| Error::wrong_use("group without symbol table plan"))?;
                out.push(MessageToWrite {
                    kind: msg::SYMBOL_TABLE,
                    flags: 0,
                    data: SymbolTable {
                        btree_address: p_root(p),
                        local_heap_address: p.heap_header,
                    }
                    .encode(sizes),
                });
            }
            GroupStyle::TrackedLinks => {
                out.push(MessageToWrite {
                    kind: msg::LINK_INFO,
                    flags: 0,
                    data: LinkInfo {
                        // libhdf5 stores the next creation order to hand out.
                        max_creation_index: Some(g.links.len() as u64),
                        fractal_heap_address: UNDEFINED,
                        name_index_address: UNDEFINED,
                        creation_order_index_address: None,
                    }
                    .encode(sizes),
                });
                out.push(MessageToWrite {
                    kind: msg::GROUP_INFO,
                    flags: 0,
                    data: GroupInfo {
                        max_compact: None,
                        min_dense: None,
                        estimated_entries: None,
                        estimated_name_length: None,
                    }
                    .encode(),
                });
                for (i, l) in g.links.iter().enumerate() {
                    let target = match &l.target {
                        LinkTo::Hard(c) => LinkTarget::Hard {
                            address: header_addr[*c],
                        },
                        LinkTo::Soft(p) => LinkTarget::Soft { path: p.clone() },
                        LinkTo::UserDefined { link_type, data } => LinkTarget::UserDefined {
                            link_type: *link_type,
                            data: data.clone(),
                        },
                        LinkTo::External { file, path } => LinkTarget::External {
                            file: file.clone(),
                            path: path.clone(),
                        },
                    };
                    out.push(MessageToWrite {
                        kind: msg::LINK,
                        flags: 0,
                        data: Link {
                            name: l.name.clone(),
                            creation_order: Some(i as u64),
                            charset: if is_ascii(&l.name) {
                                CharacterSet::Ascii
                            } else {
                                CharacterSet::Utf8
                            },
                            target,
                        }
                        .encode(sizes),
                    });
                }
            }
        },
        NodeKind::Dataset(d) => {
            let p = dsets
                .get(&id)
                .ok_or_else(|| Error::wrong_use("dataset without plan"))?;
            out.push(MessageToWrite {
                kind: msg::DATASPACE,
                flags: 0,
                data: if d.null_space {
                    dataspace_of(None, None)
                } else {
                    dataspace_of(Some(&d.dims), d.max_dims.as_deref())
                }
                .encode(sizes),
            });
            out.push(MessageToWrite {
                kind: msg::DATATYPE,
                flags: FLAG_CONSTANT,
                data: d.datatype.encode()?,
            });
            let (alloc_time, layout) =
                match &d.storage {
                    Storage::Compact(data) => (1, Layout::Compact { data: data.clone() }),
                    Storage::Contiguous { address, size } => {
                        let address = p.vlen_block.unwrap_or(*address);
                        (
                            2,
                            Layout::Contiguous {
                                address,
                                size: Some(d.vlen.as_ref().map_or(*size, |v| {
                                    v.len() as u64 * u64::from(d.datatype.size)
                                })),
                            },
                        )
                    }
                    Storage::Chunked { chunk_dims, .. } => (
                        3,
                        Layout::Chunked {
                            dims: chunk_dims.clone(),
                            element_size: Some(d.datatype.size),
                            index: ChunkIndex::BTreeV1 {
                                address: p
                                    .chunk_btree
                                    .as_ref()
                                    .map_or(UNDEFINED, |(a, plan)| a[plan.root]),
                            },
                            flags: 0,
                        },
                    ),
                };
            out.push(MessageToWrite {
                kind: msg::FILL_VALUE,
                flags: FLAG_CONSTANT,
                data: FillValue {
                    version: 2,
                    alloc_time,
                    fill_time: crate::format::message::fill_value::FILL_TIME_IF_SET,
                    defined: true, // libhdf5 reads "not defined" as "no data can be read"; size 0 is the default (zeros)
                    value: d.fill.clone(),
                }
                .encode(),
            });
            if !d.filters.is_empty() {
                out.push(MessageToWrite {
                    kind: msg::FILTER_PIPELINE,
                    flags: 0,
                    data: FilterPipeline {
                        filters: d.filters.clone(),
                    }
                    .encode(),
                });
            }
            out.push(MessageToWrite {
                kind: msg::LAYOUT,
                flags: 0,
                data: layout.encode(sizes)?,
            });
        }
    }
    for (i, a) in node.attrs.iter().enumerate() {
        out.push(attribute_message(sizes, a, vlen.refs.get(&(id, i)))?);
    }
    Ok(out)
}

/// Is `t` a variable-length string type?
pub fn is_vlen_string(t: &Datatype) -> bool {
    matches!(
        t.class,
        DatatypeClass::VarLen {
            string: Some(_),
            ..
        }
    )
}
