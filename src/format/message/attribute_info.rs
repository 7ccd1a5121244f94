//! The attribute info message (0x0015, spec IV.A.2.v), version 0.

use crate::error::Result;
use crate::format::{Cursor, Sizes};

/// Flag bit 0: creation order is tracked.
const FLAG_TRACKED: u8 = 0x01;
/// Flag bit 1: creation order is indexed.
const FLAG_INDEXED: u8 = 0x02;

/// Where an object keeps its attributes when they are stored densely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Largest creation order index used, when creation order is tracked.
    pub max_creation_index: Option<u16>,
    /// Fractal heap of attribute messages ([`UNDEFINED`](crate::format::UNDEFINED)
    /// when attributes are stored compactly in the header).
    pub fractal_heap_address: u64,
    /// v2 B-tree indexing names (type 8), or undefined.
    pub name_index_address: u64,
    /// v2 B-tree indexing creation order (type 9), when creation order is indexed.
    pub creation_order_index_address: Option<u64>,
}

/// Decodes an attribute info message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<AttributeInfo> {
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!(
            "attribute info message version {version} (expected 0)"
        )));
    }
    let flags = c.u8()?;
    if flags & !(FLAG_TRACKED | FLAG_INDEXED) != 0 {
        return Err(c.error(format_args!(
            "attribute info flags {flags:#04x} set reserved bits 2-7"
        )));
    }
    let max_creation_index = if flags & FLAG_TRACKED != 0 {
        Some(c.u16()?)
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
    Ok(AttributeInfo {
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
    fn plain_and_with_creation_order() {
        let plain = [
            0, // version
            0, // flags
            0x00, 0x04, 0, 0, 0, 0, 0, 0, // heap 0x400
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // name index: undefined
        ];
        let mut c = Cursor::new(&plain, 0, "attribute info");
        assert_eq!(
            decode(&mut c, S8).unwrap(),
            AttributeInfo {
                max_creation_index: None,
                fractal_heap_address: 0x400,
                name_index_address: UNDEFINED,
                creation_order_index_address: None
            }
        );
        assert_eq!(c.remaining(), 0);
        let ordered = [
            0, // version
            3, // flags: tracked and indexed
            7, 0, // max creation index 7
            0x00, 0x04, 0, 0, 0, 0, 0, 0, // heap 0x400
            0x00, 0x05, 0, 0, 0, 0, 0, 0, // name index 0x500
            0x00, 0x06, 0, 0, 0, 0, 0, 0, // creation order index 0x600
        ];
        let mut c = Cursor::new(&ordered, 0, "attribute info");
        let a = decode(&mut c, S8).unwrap();
        assert_eq!(a.max_creation_index, Some(7));
        assert_eq!(a.creation_order_index_address, Some(0x600));
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn errors() {
        let e = decode(&mut Cursor::new(&[1, 0], 0, "attribute info"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(decode(&mut Cursor::new(&[0, 0x80], 0, "attribute info"), S8).is_err());
        assert!(decode(&mut Cursor::new(&[0, 1, 7], 0, "attribute info"), S8).is_err());
    }
}
