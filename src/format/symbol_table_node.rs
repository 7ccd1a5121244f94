//! Symbol table nodes (`SNOD`) and symbol table entries.
//!
//! Spec III.B "Disk Format: Level 1B - Group Symbol Table Nodes" and III.C
//! "Symbol Table Entry". The leaves of an old-style group's type-0 v1 B-tree
//! are symbol table nodes; each holds up to 2K entries (K = group leaf node K
//! from the superblock), sorted by name.

use crate::error::{Error, Result};
use crate::format::{read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

pub use crate::format::btree_v1::read_group_entries;

/// Signature of a symbol table node.
pub const SIGNATURE: &[u8; 4] = b"SNOD";

/// One link of an old-style group, or the root group entry of a v0/v1 superblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolTableEntry {
    /// Offset of the link name in the group's local heap.
    pub link_name_offset: u64,
    /// Address of the object header of the linked object.
    pub object_header_address: u64,
    /// What the scratch pad holds: 0 nothing, 1 group B-tree and heap
    /// addresses, 2 a symbolic link's value offset.
    pub cache_type: u32,
    /// The 16-byte scratch pad, raw.
    pub scratch: [u8; 16],
}

impl SymbolTableEntry {
    /// Encoded size for `sizes`.
    pub fn size(sizes: Sizes) -> usize {
        usize::from(sizes.length) + usize::from(sizes.offset) + 4 + 4 + 16
    }

    /// Decodes one entry at the cursor.
    pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<SymbolTableEntry> {
        let link_name_offset = c.length(sizes)?;
        let object_header_address = c.address(sizes)?;
        let cache_type = c.u32()?;
        c.skip(4)?; // reserved
        let mut scratch = [0u8; 16];
        scratch.copy_from_slice(c.bytes(16)?);
        Ok(SymbolTableEntry {
            link_name_offset,
            object_header_address,
            cache_type,
            scratch,
        })
    }

    /// For cache type 1: the cached (B-tree address, local heap address) of a
    /// child group, decoded with `sizes`.
    pub fn cached_group(&self, sizes: Sizes) -> Option<(u64, u64)> {
        if self.cache_type != 1 {
            return None;
        }
        let mut c = Cursor::new(&self.scratch, 0, "symbol table entry scratch pad");
        let btree = c.address(sizes).ok()?;
        let heap = c.address(sizes).ok()?;
        Some((btree, heap))
    }

    /// For cache type 2: the offset of a soft link's value in the local heap.
    pub fn cached_soft_link_offset(&self) -> Option<u32> {
        if self.cache_type != 2 {
            return None;
        }
        let mut c = Cursor::new(&self.scratch, 0, "symbol table entry scratch pad");
        c.u32().ok()
    }
}

/// Reads the symbol table node at `address` and returns its entries.
pub fn read_symbol_table_node<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<Vec<SymbolTableEntry>> {
    let prefix = read_block(r, address, 8, limits, "symbol table node")?;
    let mut c = Cursor::new(&prefix, address, "symbol table node");
    c.signature(SIGNATURE)?;
    let version = c.u8()?;
    if version != 1 {
        return Err(c.unsupported(format_args!("expected version 1, found {version}")));
    }
    c.skip(1)?;
    let count = c.u16()?;
    if u64::from(count) > limits.max_links {
        return Err(Error::limit(format!(
            "symbol table node: {count} entries exceed the limit of {} links",
            limits.max_links
        ))
        .at(address));
    }
    let body_len = u64::from(count) * SymbolTableEntry::size(sizes) as u64;
    let what = format!("symbol table node with {count} entries");
    let body = read_block(r, address.saturating_add(8), body_len, limits, &what)?;
    let mut c = Cursor::new(&body, address.saturating_add(8), "symbol table node");
    let mut entries = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        entries.push(SymbolTableEntry::decode(&mut c, sizes)?);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    /// Encodes an entry (40 bytes with 8-byte sizes).
    pub(crate) fn entry(name_offset: u64, header: u64, cache_type: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&name_offset.to_le_bytes()); // link name offset
        v.extend_from_slice(&header.to_le_bytes()); // object header address
        v.extend_from_slice(&cache_type.to_le_bytes()); // cache type
        v.extend_from_slice(&[0; 4]); // reserved
        v.extend_from_slice(&0x100u64.to_le_bytes()); // scratch: B-tree address
        v.extend_from_slice(&0x200u64.to_le_bytes()); // scratch: heap address
        v
    }

    fn node(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"SNOD"); // signature
        v.push(1); // version
        v.push(0); // reserved
        v.extend_from_slice(&(entries.len() as u16).to_le_bytes()); // number of symbols
        for e in entries {
            v.extend_from_slice(e);
        }
        v
    }

    #[test]
    fn reads_entries() {
        let f = node(&[entry(8, 0x60, 1), entry(16, 0x90, 0)]);
        let es = read_symbol_table_node(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(es.len(), 2);
        assert_eq!(es[0].link_name_offset, 8);
        assert_eq!(es[0].object_header_address, 0x60);
        assert_eq!(es[0].cached_group(S8), Some((0x100, 0x200)));
        assert_eq!(es[1].cached_group(S8), None);
        assert_eq!(es[1].object_header_address, 0x90);
    }

    #[test]
    fn errors() {
        let mut f = node(&[entry(8, 0x60, 1)]);
        f[0] = b'T';
        assert!(read_symbol_table_node(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("SNOD"));

        let mut f = node(&[entry(8, 0x60, 1)]);
        f[4] = 2; // version
        assert_eq!(
            read_symbol_table_node(&f, S8, 0, &Limits::default())
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );

        let mut f = node(&[entry(8, 0x60, 1)]);
        f[6] = 2; // claims 2 entries, holds 1
        let e = read_symbol_table_node(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("2 entries"), "{e}");

        let f = node(&[entry(8, 0x60, 1)]);
        let limits = Limits {
            max_links: 0,
            ..Limits::default()
        };
        assert_eq!(
            read_symbol_table_node(&f, S8, 0, &limits)
                .unwrap_err()
                .kind(),
            ErrorKind::LimitExceeded
        );
    }
}
