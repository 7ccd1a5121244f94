//! Attributes of an object: attribute messages (compact) and fractal heap +
//! v2 B-tree (dense, via the attribute info message).

use super::{msg, FileCtx};
use crate::error::{Error, Result};
use crate::format::message::attribute::{self, MaybeShared};
use crate::format::message::attribute_info;
use crate::format::message::dataspace::{self, Dataspace};
use crate::format::message::datatype::Datatype;
use crate::format::object_header::ObjectHeader;
use crate::format::{btree_v2, is_undefined, Cursor};

/// A decoded attribute: name, type, shape and raw value bytes (file layout).
#[derive(Debug, Clone, PartialEq)]
pub struct RawAttribute {
    /// The name.
    pub name: String,
    /// The element type.
    pub datatype: Datatype,
    /// The shape.
    pub dataspace: Dataspace,
    /// The stored bytes, `n_elements * datatype.size` long.
    pub data: Vec<u8>,
    /// File offset of the message, for errors.
    pub offset: u64,
}

fn resolve(ctx: &FileCtx, a: attribute::Attribute, offset: u64) -> Result<RawAttribute> {
    let datatype = match a.datatype {
        MaybeShared::Inline(t) => t,
        MaybeShared::Shared(s) => ctx.resolve_shared_datatype(&s)?,
    };
    let dataspace = match a.dataspace {
        MaybeShared::Inline(s) => s,
        MaybeShared::Shared(s) => {
            let body = ctx.shared_body(msg::DATASPACE, &s, offset)?;
            dataspace::decode(
                &mut Cursor::new(&body, offset, "shared dataspace message"),
                ctx.sizes,
            )?
        }
    };
    let n = if dataspace.dims.contains(&0) {
        0
    } else {
        dataspace.num_elements().ok_or_else(|| {
            Error::malformed(
                offset,
                format!(
                    "attribute {:?}: shape {:?} overflows",
                    a.name, dataspace.dims
                ),
            )
        })?
    };
    let want = n
        .checked_mul(u64::from(datatype.size))
        .ok_or_else(|| Error::malformed(offset, "attribute size overflows"))?;
    let mut data = a.data;
    if (data.len() as u64) < want {
        return Err(Error::malformed(
            offset,
            format!(
                "attribute {:?}: expected {want} bytes of data ({n} elements of {} bytes), found {}",
                a.name,
                datatype.size,
                data.len()
            ),
        ));
    }
    data.truncate(want as usize);
    Ok(RawAttribute {
        name: a.name,
        datatype,
        dataspace,
        data,
        offset,
    })
}

/// Lists the attributes of an object, in the order stored. Attributes that
/// cannot be decoded are returned as errors in place, with their name when
/// it is known.
pub fn attributes(
    ctx: &FileCtx,
    header: &ObjectHeader,
) -> Result<Vec<(Option<String>, Result<RawAttribute>)>> {
    let mut out = Vec::new();
    for m in header.messages_of(msg::ATTRIBUTE) {
        out.push(decode_one(ctx, &m.data, m.offset, m.is_shared()));
        if out.len() as u64 > ctx.limits.max_links {
            return Err(Error::limit("too many attributes").at(header.address));
        }
    }
    if let Some(m) = header.first(msg::ATTRIBUTE_INFO) {
        let info = attribute_info::decode(&mut m.cursor("attribute info message"), ctx.sizes)?;
        if !is_undefined(info.fractal_heap_address) && !is_undefined(info.name_index_address) {
            let bodies = btree_v2::read_dense_messages(
                ctx.reader(),
                ctx.sizes,
                info.fractal_heap_address,
                info.name_index_address,
                &ctx.limits,
            )?;
            for body in bodies {
                out.push(decode_one(ctx, &body, info.fractal_heap_address, false));
                if out.len() as u64 > ctx.limits.max_links {
                    return Err(Error::limit("too many attributes").at(header.address));
                }
            }
        }
    }
    Ok(out)
}

fn decode_one(
    ctx: &FileCtx,
    body: &[u8],
    offset: u64,
    shared: bool,
) -> (Option<String>, Result<RawAttribute>) {
    if shared {
        return (
            None,
            Err(Error::unsupported(
                offset,
                "attribute stored in the shared object header message heap",
            )),
        );
    }
    match attribute::decode(
        &mut Cursor::new(body, offset, "attribute message"),
        ctx.sizes,
    ) {
        Ok(a) => {
            let name = a.name.clone();
            (Some(name), resolve(ctx, a, offset))
        }
        Err(e) => (None, Err(e)),
    }
}
