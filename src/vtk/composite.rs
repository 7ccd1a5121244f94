//! PartitionedDataSetCollection and MultiBlockDataSet (VTKHDF 2.1,
//! specification sections "PartitionedDataSetCollection and
//! MultiBlockDataSet" and "Temporal data" for temporal blocks).
//!
//! Layout:
//!
//! * Every leaf block is a group directly under `/VTKHDF` holding the
//!   complete layout of a simple type, with its own `Type` and `Version`
//!   attributes (and, in a collection, an integer `Index`: its position in
//!   the flat list of partitioned data sets). A group without `Type` is a
//!   null block. A block may also be an external link to the `VTKHDF` group
//!   of another file.
//! * `/VTKHDF/Assembly` holds the tree: a group is an assembly node (a
//!   collection) or a nested multiblock; a soft link (absolute target such as
//!   `/VTKHDF/Mesh`) references a block, and a block may be referenced more
//!   than once.
//! * `/VTKHDF`, `Assembly` and every assembly subgroup have link creation
//!   order tracked: VTK lists children by creation order and fails (aborts,
//!   for a collection) without it.
//! * Temporal blocks carry their own `Steps`; all temporal blocks share the
//!   same steps. VTK 9.7.2 cannot read a composite mixing temporal and
//!   static blocks, so writers here refuse to write one.
//!
//! The block contents are read and written by the caller's functions, so
//! this module only deals with the tree; [`super::data`] plugs in every data
//! type.

use crate::error::{Error, Result};
use crate::format::message::link::LinkTarget;
use crate::hl::write::GroupWriter;
use crate::hl::{Group, Object};

use super::DataType;

/// Which composite type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompositeKind {
    /// `vtkPartitionedDataSetCollection`: blocks with an `Index`, an
    /// assembly of named nodes referencing them.
    Collection,
    /// `vtkMultiBlockDataSet`: the assembly tree is the block tree.
    MultiBlock,
}

impl CompositeKind {
    /// The `Type` attribute of the composite's root.
    pub fn data_type(self) -> DataType {
        match self {
            CompositeKind::Collection => DataType::PartitionedDataSetCollection,
            CompositeKind::MultiBlock => DataType::MultiBlockDataSet,
        }
    }
}

/// A leaf block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block<D> {
    /// The group name under `/VTKHDF`.
    pub name: String,
    /// The block's data; `None` for a null block (a group without `Type`).
    pub data: Option<D>,
    /// When the block was an external link: the file name it named.
    pub external: Option<String>,
}

/// A node of the assembly tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A group: an assembly node (collection) or a nested multiblock.
    Group {
        /// Its name.
        name: String,
        /// Its children in order.
        children: Vec<Node>,
    },
    /// A reference (soft link) to `blocks[block]`, shown under `name`.
    Ref {
        /// The link name.
        name: String,
        /// Index into [`Composite::blocks`].
        block: usize,
    },
}

/// A composite data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite<D> {
    /// Collection or multiblock.
    pub kind: CompositeKind,
    /// Leaf blocks. For a collection, in `Index` order (block `i` has
    /// `Index` i); for a multiblock, in creation order.
    pub blocks: Vec<Block<D>>,
    /// The children of `Assembly`.
    pub assembly: Vec<Node>,
}

fn at(path: &str, e: Error) -> Error {
    Error::new(e.kind(), format!("{path}: {}", e.message()))
}

/// Children of a composite group in creation order, as VTK lists them. A
/// group without creation order is read in name order (VTK would fail).
fn ordered_links(g: &Group) -> Result<Vec<crate::hl::Link>> {
    match g.links_in_creation_order() {
        Ok(l) => Ok(l),
        Err(_) => g.links().map_err(|e| at(g.path(), e)),
    }
}

/// Reads a composite rooted at `root` (`/VTKHDF`), reading each non-null
/// block with `read_block` (called with the block's group: its `Type`
/// attribute says what it holds).
pub fn read<D>(
    root: &Group,
    kind: CompositeKind,
    mut read_block: impl FnMut(&Group) -> Result<D>,
) -> Result<Composite<D>> {
    let mut blocks: Vec<(Option<i64>, Block<D>)> = Vec::new();
    for link in ordered_links(root)? {
        if link.name == "Assembly" {
            continue;
        }
        let path = format!("{}/{}", root.path(), link.name);
        let external = match &link.target {
            LinkTarget::External { file, .. } => Some(file.clone()),
            _ => None,
        };
        let g = match root.get(&link.name).map_err(|e| at(&path, e))? {
            Object::Group(g) => g,
            _ => continue,
        };
        let index = match g.attr("Index") {
            Ok(a) => Some(a.read_scalar::<i64>().map_err(|e| at(&path, e))?),
            Err(_) => None,
        };
        let data = if g.attr("Type").is_ok() {
            Some(read_block(&g)?)
        } else {
            None
        };
        blocks.push((
            index,
            Block {
                name: link.name.clone(),
                data,
                external,
            },
        ));
    }
    if kind == CompositeKind::Collection {
        // Place each block at its Index; blocks without one keep their
        // order after the indexed ones.
        let n = blocks.len();
        let mut seen = vec![false; n];
        for (i, (idx, b)) in blocks.iter().enumerate() {
            match idx {
                Some(k) if *k >= 0 && (*k as usize) < n => {
                    if seen[*k as usize] {
                        return Err(Error::malformed(
                            0,
                            format!(
                                "{}/{}: Index {k} is used by another block",
                                root.path(),
                                b.name
                            ),
                        ));
                    }
                    seen[*k as usize] = true;
                }
                Some(k) => {
                    return Err(Error::malformed(
                        0,
                        format!(
                            "{}/{}: Index {k} is outside 0..{n} (the number of blocks)",
                            root.path(),
                            b.name
                        ),
                    ))
                }
                None if b.data.is_some() => {
                    return Err(Error::malformed(
                        0,
                        format!(
                            "{}/{}: block without an Index attribute",
                            root.path(),
                            b.name
                        ),
                    ))
                }
                None => {
                    let _ = i;
                }
            }
        }
        blocks.sort_by_key(|(idx, _)| idx.unwrap_or(i64::MAX));
    }
    let names: Vec<String> = blocks.iter().map(|(_, b)| b.name.clone()).collect();
    let blocks: Vec<Block<D>> = blocks.into_iter().map(|(_, b)| b).collect();
    let assembly = match root.group("Assembly") {
        Ok(a) => read_nodes(root, &a, &names, 0)?,
        Err(_) => Vec::new(),
    };
    Ok(Composite {
        kind,
        blocks,
        assembly,
    })
}

fn read_nodes(root: &Group, g: &Group, names: &[String], depth: u32) -> Result<Vec<Node>> {
    if depth > 64 {
        return Err(Error::limit(format!(
            "{}: assembly nested deeper than 64 levels",
            g.path()
        )));
    }
    let mut out = Vec::new();
    for link in ordered_links(g)? {
        let path = format!("{}/{}", g.path(), link.name);
        match &link.target {
            LinkTarget::Soft { path: target } => {
                let block_name = target.rsplit('/').next().unwrap_or("");
                let parent = target.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
                let block = if parent == root.path() || parent.is_empty() {
                    names.iter().position(|n| n == block_name)
                } else {
                    None
                };
                let block = block.ok_or_else(|| {
                    Error::malformed(
                        0,
                        format!(
                            "{path}: soft link to {target:?}, which is not a block of {}",
                            root.path()
                        ),
                    )
                })?;
                out.push(Node::Ref {
                    name: link.name.clone(),
                    block,
                });
            }
            _ => match g.get(&link.name).map_err(|e| at(&path, e))? {
                Object::Group(sub) => out.push(Node::Group {
                    name: link.name.clone(),
                    children: read_nodes(root, &sub, names, depth + 1)?,
                }),
                _ => {
                    return Err(Error::malformed(
                        0,
                        format!("{path}: an assembly holds groups and soft links only"),
                    ))
                }
            },
        }
    }
    Ok(out)
}

/// Writes a composite into `root` (an empty group with creation order
/// tracked, normally `/VTKHDF`), writing each non-null block's contents
/// with `write_block` into a fresh group (which then gets `Index` for a
/// collection). `is_temporal` tells whether a block is temporal: mixing
/// temporal and static blocks is refused, since VTK cannot read it.
pub fn write<D>(
    root: &GroupWriter,
    c: &Composite<D>,
    is_temporal: impl Fn(&D) -> bool,
    mut write_block: impl FnMut(&GroupWriter, &D) -> Result<()>,
) -> Result<()> {
    let temporal: Vec<bool> = c
        .blocks
        .iter()
        .filter_map(|b| b.data.as_ref().map(&is_temporal))
        .collect();
    if temporal.iter().any(|&t| t) && temporal.iter().any(|&t| !t) {
        return Err(Error::wrong_use(
            "a composite mixing temporal and static blocks is not readable by VTK; \
             make every block temporal (repeat the static ones at every step)",
        ));
    }
    check_nodes(&c.assembly, c.blocks.len())?;
    root.set_attr("Version", &[2i64, 1])?;
    root.set_attr_str("Type", c.kind.data_type().name())?;
    for (i, b) in c.blocks.iter().enumerate() {
        if b.name.is_empty() || b.name.contains('/') || b.name == "Assembly" {
            return Err(Error::wrong_use(format!(
                "block name {:?} is not usable as a group name",
                b.name
            )));
        }
        let g = root.create_group_tracked(&b.name)?;
        if let Some(d) = &b.data {
            write_block(&g, d)?;
            if c.kind == CompositeKind::Collection {
                g.set_attr("Index", &[i as i64])?;
            }
        } else if c.kind == CompositeKind::Collection {
            // VTK 9.7.2 fails on a collection block without Type; an empty
            // block is still listed so indices stay in place.
            g.set_attr("Index", &[i as i64])?;
        }
    }
    let asm = root.create_group_tracked("Assembly")?;
    write_nodes(&asm, root.path(), &c.assembly, &c.blocks)?;
    Ok(())
}

fn check_nodes(nodes: &[Node], n: usize) -> Result<()> {
    for node in nodes {
        match node {
            Node::Ref { block, name } if *block >= n => {
                return Err(Error::wrong_use(format!(
                    "assembly entry {name:?} references block {block}, but there are {n}"
                )))
            }
            Node::Group { children, .. } => check_nodes(children, n)?,
            _ => {}
        }
    }
    Ok(())
}

fn write_nodes<D>(g: &GroupWriter, root: &str, nodes: &[Node], blocks: &[Block<D>]) -> Result<()> {
    for node in nodes {
        match node {
            Node::Group { name, children } => {
                let sub = g.create_group_tracked(name)?;
                write_nodes(&sub, root, children, blocks)?;
            }
            Node::Ref { name, block } => {
                g.link_soft(name, &format!("{root}/{}", blocks[*block].name))?;
            }
        }
    }
    Ok(())
}

impl<D> Composite<D> {
    /// A flat multiblock or collection: every block referenced once from
    /// the top of the assembly under its own name.
    pub fn flat(kind: CompositeKind, blocks: Vec<(String, D)>) -> Self {
        let assembly = blocks
            .iter()
            .enumerate()
            .map(|(i, (n, _))| Node::Ref {
                name: n.clone(),
                block: i,
            })
            .collect();
        Composite {
            kind,
            blocks: blocks
                .into_iter()
                .map(|(name, d)| Block {
                    name,
                    data: Some(d),
                    external: None,
                })
                .collect(),
            assembly,
        }
    }

    /// Converts the block data.
    pub fn try_map<E>(self, mut f: impl FnMut(D) -> Result<E>) -> Result<Composite<E>> {
        Ok(Composite {
            kind: self.kind,
            blocks: self
                .blocks
                .into_iter()
                .map(|b| {
                    Ok(Block {
                        name: b.name,
                        data: b.data.map(&mut f).transpose()?,
                        external: b.external,
                    })
                })
                .collect::<Result<_>>()?,
            assembly: self.assembly,
        })
    }
}
