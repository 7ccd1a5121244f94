//! The link info message (0x0002, spec IV.A.2.c), version 0.

use super::shared::put_address;
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// The only version of the message.
const VERSION: u8 = 0;

/// Flag bit 0: creation order is tracked.
const FLAG_TRACKED: u8 = 0x01;
/// Flag bit 1: creation order is indexed.
const FLAG_INDEXED: u8 = 0x02;

/// Where a new-style group keeps its links when they are stored densely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// Largest creation order index used, when creation order is tracked.
    pub max_creation_index: Option<u64>,
    /// Fractal heap of link messages ([`UNDEFINED`](crate::format::UNDEFINED)
    /// when links are stored compactly in the header).
    pub fractal_heap_address: u64,
    /// v2 B-tree indexing names (type 5), or undefined.
    pub name_index_address: u64,
    /// v2 B-tree indexing creation order (type 6), when creation order is indexed.
    pub creation_order_index_address: Option<u64>,
}

impl LinkInfo {
    /// Encodes the message (version 0). Flag bit 0 ("tracked") is set when
    /// `max_creation_index` is `Some`, bit 1 ("indexed") when
    /// `creation_order_index_address` is `Some`.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut flags = 0;
        if self.max_creation_index.is_some() {
            flags |= FLAG_TRACKED;
        }
        if self.creation_order_index_address.is_some() {
            flags |= FLAG_INDEXED;
        }
        let mut out = Vec::with_capacity(2 + 8 + 3 * usize::from(sizes.offset));
        out.push(VERSION);
        out.push(flags);
        if let Some(index) = self.max_creation_index {
            out.extend_from_slice(&index.to_le_bytes());
        }
        put_address(&mut out, sizes, self.fractal_heap_address);
        put_address(&mut out, sizes, self.name_index_address);
        if let Some(address) = self.creation_order_index_address {
            put_address(&mut out, sizes, address);
        }
        out
    }
}

/// Decodes a link info message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<LinkInfo> {
    let version = c.u8()?;
    if version != VERSION {
        return Err(c.unsupported(format_args!(
            "link info message version {version} (expected 0)"
        )));
    }
    let flags = c.u8()?;
    if flags & !(FLAG_TRACKED | FLAG_INDEXED) != 0 {
        return Err(c.error(format_args!(
            "link info flags {flags:#04x} set reserved bits 2-7"
        )));
    }
    let max_creation_index = if flags & FLAG_TRACKED != 0 {
        Some(c.u64()?)
    } else {
        None
    };
    let fractal_heap_address = c.address(sizes)?;
    let name_index_address = c.address(sizes)?;
    let creation_order_index_address = if flags & FLAG_INDEXED != 0 {
        Some(c.address(sizes)?)
    } else {
        None
    };
    Ok(LinkInfo {
        max_creation_index,
        fractal_heap_address,
        name_index_address,
        creation_order_index_address,
    })
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

    #[test]
    fn compact_group() {
        let bytes = [
            0, // version
            0, // flags
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // heap: undefined
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // name index: undefined
        ];
        let mut c = Cursor::new(&bytes, 0, "link info");
        assert_eq!(
            decode(&mut c, S8).unwrap(),
            LinkInfo {
                max_creation_index: None,
                fractal_heap_address: UNDEFINED,
                name_index_address: UNDEFINED,
                creation_order_index_address: None
            }
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn dense_group_with_creation_order() {
        let bytes = [
            0, // version
            3, // flags: tracked and indexed
            9, 0, 0, 0, 0, 0, 0, 0, // max creation index 9
            0x00, 0x01, 0, 0, // heap 0x100 (4-byte offsets)
            0x00, 0x02, 0, 0, // name index 0x200
            0x00, 0x03, 0, 0, // creation order index 0x300
        ];
        let sizes = Sizes {
            offset: 4,
            length: 4,
        };
        let mut c = Cursor::new(&bytes, 0, "link info");
        assert_eq!(
            decode(&mut c, sizes).unwrap(),
            LinkInfo {
                max_creation_index: Some(9),
                fractal_heap_address: 0x100,
                name_index_address: 0x200,
                creation_order_index_address: Some(0x300)
            }
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn encode_matches_vtk_and_round_trips() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2), group
        // /VTKHDF: creation order tracked and indexed, links compact.
        let vtk = [
            0, // version
            3, // flags: tracked and indexed
            2, 0, 0, 0, 0, 0, 0, 0, // max creation index 2
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // heap: undefined
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // name index: undefined
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // creation order index: undefined
        ];
        let info = LinkInfo {
            max_creation_index: Some(2),
            fractal_heap_address: UNDEFINED,
            name_index_address: UNDEFINED,
            creation_order_index_address: Some(UNDEFINED),
        };
        assert_eq!(info.encode(S8), vtk);
        let sizes4 = Sizes {
            offset: 4,
            length: 4,
        };
        let plain = LinkInfo {
            max_creation_index: None,
            fractal_heap_address: 0x100,
            name_index_address: 0x200,
            creation_order_index_address: None,
        };
        for sizes in [S8, sizes4] {
            for li in [&info, &plain] {
                let enc = li.encode(sizes);
                let mut c = Cursor::new(&enc, 0, "link info");
                assert_eq!(&decode(&mut c, sizes).unwrap(), li);
                assert_eq!(c.remaining(), 0);
            }
        }
    }

    #[test]
    fn errors() {
        let e = decode(&mut Cursor::new(&[1, 0], 0, "link info"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let e = decode(&mut Cursor::new(&[0, 4], 0, "link info"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert!(decode(&mut Cursor::new(&[0, 0, 1, 2, 3], 0, "link info"), S8).is_err());
    }
}
