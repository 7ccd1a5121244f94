//! Loading an existing file into the writer's model, for the read-write and
//! append modes. Data stays where it is (the model points at it); only
//! metadata is rewritten at the next commit, after the current end of file.

use super::model::{
    AttrNode, ChunkLoc, DatasetNode, GroupNode, GroupStyle, LinkNode, LinkTo, Model, Node, NodeId,
    NodeKind, Storage, Value,
};
use crate::error::{Error, Result};
use crate::format::message::datatype::DatatypeClass;
use crate::format::message::layout::Layout;
use crate::format::message::link::LinkTarget;
use crate::hl::{Attribute, Dataset, File, Group, Object};
use std::collections::{BTreeMap, HashMap};

/// Builds the model of `file`'s objects.
pub fn load(file: &File) -> Result<Model> {
    let root = file.root()?;
    let mut model = Model { nodes: Vec::new() };
    let mut seen = HashMap::new();
    load_group(file, &root, &mut model, &mut seen)?;
    Ok(model)
}

fn attrs(list: Vec<Result<Attribute>>) -> Result<Vec<AttrNode>> {
    let mut out = Vec::new();
    for a in list {
        let a = a?;
        let value = match &a.dtype().class {
            DatatypeClass::VarLen {
                string: Some(_), ..
            } => Value::VlenStrings(a.read_strings()?),
            // Other variable-length data stays in the global heap
            // collections it already lives in: the raw references remain valid.
            _ => Value::Raw(a.raw_bytes().to_vec()),
        };
        out.push(AttrNode {
            name: a.name().to_string(),
            datatype: a.dtype().clone(),
            shape: a.shape().map(<[u64]>::to_vec),
            value,
        });
    }
    Ok(out)
}

fn load_group(
    file: &File,
    g: &Group,
    model: &mut Model,
    seen: &mut HashMap<u64, NodeId>,
) -> Result<NodeId> {
    let id = model.nodes.len();
    seen.insert(g.address(), id);
    let tracked = g.tracks_creation_order()?;
    model.nodes.push(Node {
        kind: NodeKind::Group(GroupNode {
            links: Vec::new(),
            style: if tracked {
                GroupStyle::TrackedLinks
            } else {
                GroupStyle::SymbolTable
            },
        }),
        attrs: attrs(g.attrs()?).map_err(|e| e.in_object(g.path()))?,
    });
    let links = if tracked {
        g.links_in_creation_order()?
    } else {
        g.links()?
    };
    let mut out = Vec::new();
    for l in links {
        let path = if g.path() == "/" {
            format!("/{}", l.name)
        } else {
            format!("{}/{}", g.path(), l.name)
        };
        let target = match l.target {
            LinkTarget::Soft { path } => LinkTo::Soft(path),
            LinkTarget::External { file, path } => LinkTo::External { file, path },
            LinkTarget::UserDefined { link_type, data } => LinkTo::UserDefined { link_type, data },
            LinkTarget::Hard { address } => match seen.get(&address) {
                Some(&n) => LinkTo::Hard(n),
                None => match file.object_at(address, &path)? {
                    Object::Group(sub) => LinkTo::Hard(load_group(file, &sub, model, seen)?),
                    Object::Dataset(d) => {
                        let n = load_dataset(&d, model).map_err(|e| e.in_object(&path))?;
                        seen.insert(address, n);
                        LinkTo::Hard(n)
                    }
                    Object::Datatype(t) => {
                        let n = model.nodes.len();
                        model.nodes.push(Node {
                            kind: NodeKind::Datatype(t.datatype),
                            attrs: Vec::new(),
                        });
                        seen.insert(address, n);
                        LinkTo::Hard(n)
                    }
                },
            },
        };
        out.push(LinkNode {
            name: l.name,
            target,
        });
    }
    if let NodeKind::Group(gn) = &mut model.nodes[id].kind {
        gn.links = out;
    }
    Ok(id)
}

fn load_dataset(d: &Dataset, model: &mut Model) -> Result<NodeId> {
    let info = d.info();
    if info.external_storage {
        return Err(Error::unsupported(
            0,
            "datasets in external files cannot be rewritten",
        ));
    }
    let storage = match &info.layout {
        Layout::Compact { data } => Storage::Compact(data.clone()),
        Layout::Contiguous { address, size } => Storage::Contiguous {
            address: *address,
            size: size.unwrap_or(info.n_elements() * info.element_size()),
        },
        Layout::Chunked { dims, flags, .. } => {
            if flags & 0x01 != 0 && !info.filters.is_empty() {
                return Err(Error::unsupported(
                    0,
                    "chunked datasets whose partial edge chunks are stored unfiltered cannot be rewritten yet",
                ));
            }
            if dims.contains(&0) || dims.len() != info.shape().len() {
                return Err(Error::malformed(
                    info.address,
                    format!(
                        "chunk shape {dims:?} does not fit the dataset shape {:?}",
                        info.shape()
                    ),
                ));
            }
            let records = crate::read::dataset::chunk_records(d.file().ctx(), info)?;
            let mut chunks = BTreeMap::new();
            for r in records.iter() {
                let coords: Vec<u64> = r.offsets.iter().zip(dims).map(|(o, c)| o / c).collect();
                chunks.insert(
                    coords,
                    ChunkLoc {
                        address: r.address,
                        size: r.size,
                        filter_mask: r.filter_mask,
                    },
                );
            }
            Storage::Chunked {
                chunk_dims: dims.clone(),
                chunks,
                pending: HashMap::new(),
            }
        }
        Layout::Virtual { .. } => {
            return Err(Error::unsupported(
                0,
                "virtual datasets cannot be rewritten yet",
            ))
        }
    };
    let id = model.nodes.len();
    model.nodes.push(Node {
        kind: NodeKind::Dataset(Box::new(DatasetNode {
            datatype: info.datatype.clone(),
            dims: info.dataspace.dims.clone(),
            max_dims: info.dataspace.max_dims.clone(),
            storage,
            filters: info.filters.clone(),
            fill: info.fill.clone(),
            vlen: None,
            null_space: d.is_null(),
        })),
        attrs: attrs(d.attrs()?)?,
    });
    Ok(id)
}
