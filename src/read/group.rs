//! Links of a group: symbol tables (old style), link messages (compact) and
//! fractal heap + v2 B-tree (dense).

use super::{msg, FileCtx};
use crate::error::{Error, Result};
use crate::format::message::link::{self, LinkTarget};
use crate::format::message::link_info;
use crate::format::message::symbol_table;
use crate::format::object_header::ObjectHeader;
use crate::format::{btree_v1, btree_v2, is_undefined, local_heap};

/// One link of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEntry {
    /// The link's name (one path component).
    pub name: String,
    /// Creation order index, when the group tracks it.
    pub creation_order: Option<u64>,
    /// Where the link points.
    pub target: LinkTarget,
}

/// Symbol table entry cache type 2: the entry is a soft link whose value is
/// at the scratch pad's offset into the local heap.
const CACHE_SOFT_LINK: u32 = 2;

/// Lists the links of the group whose header is `header`, in the order the
/// file stores them (name order for symbol tables and dense name indexes).
pub fn links(ctx: &FileCtx, header: &ObjectHeader) -> Result<Vec<LinkEntry>> {
    let sizes = ctx.sizes;
    let limits = &ctx.limits;
    let mut out = Vec::new();
    if let Some(m) = header.first(msg::SYMBOL_TABLE) {
        let st = symbol_table::decode(&mut m.cursor("symbol table message"), sizes)?;
        let (_heap, heap_data) =
            local_heap::read_local_heap(ctx.reader(), sizes, st.local_heap_address, limits)?;
        let entries = btree_v1::read_group_entries(ctx.reader(), sizes, st.btree_address, limits)?;
        for e in entries {
            let name = local_heap::string_at(&heap_data, e.link_name_offset)?;
            let name = String::from_utf8_lossy(name).into_owned();
            let target = if e.cache_type == CACHE_SOFT_LINK {
                let off =
                    u32::from_le_bytes([e.scratch[0], e.scratch[1], e.scratch[2], e.scratch[3]]);
                let value = local_heap::string_at(&heap_data, u64::from(off))?;
                LinkTarget::Soft {
                    path: String::from_utf8_lossy(value).into_owned(),
                }
            } else {
                LinkTarget::Hard {
                    address: e.object_header_address,
                }
            };
            out.push(LinkEntry {
                name,
                creation_order: None,
                target,
            });
            check_count(out.len(), ctx, header)?;
        }
        return Ok(out);
    }
    for m in header.messages_of(msg::LINK) {
        let l = link::decode(&mut m.cursor("link message"), sizes)?;
        out.push(LinkEntry {
            name: l.name,
            creation_order: l.creation_order,
            target: l.target,
        });
        check_count(out.len(), ctx, header)?;
    }
    if let Some(m) = header.first(msg::LINK_INFO) {
        let info = link_info::decode(&mut m.cursor("link info message"), sizes)?;
        if !is_undefined(info.fractal_heap_address) && !is_undefined(info.name_index_address) {
            let bodies = btree_v2::read_dense_messages(
                ctx.reader(),
                sizes,
                info.fractal_heap_address,
                info.name_index_address,
                limits,
            )?;
            for body in bodies {
                let l = link::decode(
                    &mut crate::format::Cursor::new(&body, info.fractal_heap_address, "dense link"),
                    sizes,
                )?;
                out.push(LinkEntry {
                    name: l.name,
                    creation_order: l.creation_order,
                    target: l.target,
                });
                check_count(out.len(), ctx, header)?;
            }
        }
    }
    Ok(out)
}

fn check_count(n: usize, ctx: &FileCtx, header: &ObjectHeader) -> Result<()> {
    if n as u64 > ctx.limits.max_links {
        return Err(Error::limit(format!(
            "group has more than {} links",
            ctx.limits.max_links
        ))
        .at(header.address));
    }
    Ok(())
}

/// True when the group's links carry creation order (link info message says so).
pub fn tracks_creation_order(ctx: &FileCtx, header: &ObjectHeader) -> Result<bool> {
    match header.first(msg::LINK_INFO) {
        Some(m) => Ok(
            link_info::decode(&mut m.cursor("link info message"), ctx.sizes)?
                .max_creation_index
                .is_some(),
        ),
        None => Ok(false),
    }
}
