//! The symbol table message (0x0011, spec IV.A.2.r): an old-style group.

use super::shared::put_address;
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// Where an old-style group keeps its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolTable {
    /// v1 B-tree (node type 0) of symbol table nodes.
    pub btree_address: u64,
    /// Local heap holding the link names.
    pub local_heap_address: u64,
}

impl SymbolTable {
    /// Encodes the message: the B-tree address, then the local heap address.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 * usize::from(sizes.offset));
        put_address(&mut out, sizes, self.btree_address);
        put_address(&mut out, sizes, self.local_heap_address);
        out
    }
}

/// Decodes a symbol table message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<SymbolTable> {
    Ok(SymbolTable {
        btree_address: c.address(sizes)?,
        local_heap_address: c.address(sizes)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_addresses() {
        let bytes = [
            0x88, 0, 0, 0, 0, 0, 0, 0, // v1 B-tree 0x88
            0xa8, 0x02, 0, 0, 0, 0, 0, 0, // local heap 0x2a8
        ];
        let mut c = Cursor::new(&bytes, 0, "symbol table");
        let s = decode(&mut c, Sizes::default()).unwrap();
        assert_eq!(
            s,
            SymbolTable {
                btree_address: 0x88,
                local_heap_address: 0x2a8
            }
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn encode_matches_libhdf5_and_round_trips() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2), root group.
        let bytes = [
            0x88, 0, 0, 0, 0, 0, 0, 0, // v1 B-tree 0x88
            0xa8, 0x02, 0, 0, 0, 0, 0, 0, // local heap 0x2a8
        ];
        let s = SymbolTable {
            btree_address: 0x88,
            local_heap_address: 0x2a8,
        };
        assert_eq!(s.encode(Sizes::default()), bytes);
        let sizes = Sizes {
            offset: 4,
            length: 8,
        };
        let enc = s.encode(sizes);
        assert_eq!(enc.len(), 8);
        let mut c = Cursor::new(&enc, 0, "symbol table");
        assert_eq!(decode(&mut c, sizes).unwrap(), s);
    }

    #[test]
    fn truncated() {
        let bytes = [0x88, 0, 0, 0, 0, 0, 0, 0, 0xa8];
        assert!(decode(
            &mut Cursor::new(&bytes, 0, "symbol table"),
            Sizes::default()
        )
        .is_err());
    }
}
