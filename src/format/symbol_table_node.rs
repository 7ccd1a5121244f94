//! Symbol table nodes (`SNOD`) and symbol table entries.
//!
//! Spec III.B "Disk Format: Level 1B - Group Symbol Table Nodes" and III.C
//! "Symbol Table Entry". The leaves of an old-style group's type-0 v1 B-tree
//! are symbol table nodes; each holds up to 2K entries (K = group leaf node K
//! from the superblock), sorted by name.

use crate::error::{Error, Result};
use crate::format::message::shared::{put_address, put_length};
use crate::format::{read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

pub use crate::format::btree_v1::read_group_entries;

/// Signature of a symbol table node.
pub const SIGNATURE: &[u8; 4] = b"SNOD";

/// Symbol table node version (the only one defined).
const VERSION: u8 = 1;
/// Bytes before the entries: signature, version, reserved, entry count.
const NODE_PREFIX_LEN: u64 = 8;

/// Cache type: the scratch pad holds nothing.
pub const CACHE_TYPE_NONE: u32 = 0;
/// Cache type: the scratch pad holds the linked group's B-tree and local
/// heap addresses.
pub const CACHE_TYPE_GROUP: u32 = 1;
/// Cache type: the scratch pad holds the offset of a soft link's value in
/// the local heap (u32).
pub const CACHE_TYPE_SOFT_LINK: u32 = 2;

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

    /// An entry with nothing cached (cache type 0): a link to a dataset, a
    /// group that keeps its links in link messages, or (with an undefined
    /// object header address) an external link.
    pub fn plain(link_name_offset: u64, object_header_address: u64) -> SymbolTableEntry {
        SymbolTableEntry {
            link_name_offset,
            object_header_address,
            cache_type: CACHE_TYPE_NONE,
            scratch: [0; 16],
        }
    }

    /// An entry for a symbol-table group (cache type 1), caching its B-tree
    /// and local heap addresses in the scratch pad as libhdf5 does.
    pub fn group(
        link_name_offset: u64,
        object_header_address: u64,
        btree_address: u64,
        local_heap_address: u64,
        sizes: Sizes,
    ) -> SymbolTableEntry {
        let mut pad = Vec::with_capacity(16);
        put_address(&mut pad, sizes, btree_address);
        put_address(&mut pad, sizes, local_heap_address);
        let mut scratch = [0u8; 16];
        for (dst, src) in scratch.iter_mut().zip(&pad) {
            *dst = *src;
        }
        SymbolTableEntry {
            link_name_offset,
            object_header_address,
            cache_type: CACHE_TYPE_GROUP,
            scratch,
        }
    }

    /// A soft link entry (cache type 2): the object header address is
    /// undefined and the scratch pad holds the heap offset of the link value.
    pub fn soft_link(link_name_offset: u64, value_offset: u32) -> SymbolTableEntry {
        let mut scratch = [0u8; 16];
        scratch[..4].copy_from_slice(&value_offset.to_le_bytes());
        SymbolTableEntry {
            link_name_offset,
            object_header_address: crate::format::UNDEFINED,
            cache_type: CACHE_TYPE_SOFT_LINK,
            scratch,
        }
    }

    /// Encodes the entry ([`SymbolTableEntry::size`] bytes: 40 for 8-byte sizes).
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::size(sizes));
        self.encode_into(&mut out, sizes);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>, sizes: Sizes) {
        put_length(out, sizes, self.link_name_offset);
        put_address(out, sizes, self.object_header_address);
        out.extend_from_slice(&self.cache_type.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // reserved
        out.extend_from_slice(&self.scratch);
    }

    /// For cache type 1: the cached (B-tree address, local heap address) of a
    /// child group, decoded with `sizes`.
    pub fn cached_group(&self, sizes: Sizes) -> Option<(u64, u64)> {
        if self.cache_type != CACHE_TYPE_GROUP {
            return None;
        }
        let mut c = Cursor::new(&self.scratch, 0, "symbol table entry scratch pad");
        let btree = c.address(sizes).ok()?;
        let heap = c.address(sizes).ok()?;
        Some((btree, heap))
    }

    /// For cache type 2: the offset of a soft link's value in the local heap.
    pub fn cached_soft_link_offset(&self) -> Option<u32> {
        if self.cache_type != CACHE_TYPE_SOFT_LINK {
            return None;
        }
        let mut c = Cursor::new(&self.scratch, 0, "symbol table entry scratch pad");
        c.u32().ok()
    }
}

/// Size of a symbol table node for `sizes` and group leaf node K: libhdf5
/// always allocates (and reads) room for 2K entries, used or not
/// (328 bytes for K = 4 and 8-byte sizes).
pub fn node_len(sizes: Sizes, group_leaf_k: u16) -> u64 {
    NODE_PREFIX_LEN + 2 * u64::from(group_leaf_k) * SymbolTableEntry::size(sizes) as u64
}

/// Encodes a symbol table node holding `entries`, which must be sorted by
/// link name (byte order, as libhdf5 compares them), padded with zeros to the
/// full [`node_len`].
///
/// # Panics
///
/// When `entries` holds more than 2K entries.
pub fn encode_node(sizes: Sizes, entries: &[SymbolTableEntry], group_leaf_k: u16) -> Vec<u8> {
    let capacity = 2 * usize::from(group_leaf_k);
    assert!(
        entries.len() <= capacity,
        "symbol table node: {} entries exceed the capacity of {capacity} (2K)",
        entries.len()
    );
    let len = node_len(sizes, group_leaf_k) as usize;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(SIGNATURE);
    out.push(VERSION);
    out.push(0); // reserved
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes()); // number of symbols
    for e in entries {
        e.encode_into(&mut out, sizes);
    }
    out.resize(len, 0);
    out
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
    if version != VERSION {
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
    let body_addr = address.saturating_add(NODE_PREFIX_LEN);
    let body = read_block(r, body_addr, body_len, limits, &what)?;
    let mut c = Cursor::new(&body, body_addr, "symbol table node");
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

    #[test]
    fn encode_node_matches_libhdf5() {
        // The root group's node libhdf5 2.0 wrote at 0x5e0 (h5py, libver
        // "earliest", one child group): one entry, then 7 zeroed slots.
        let used: [u8; 48] = [
            b'S', b'N', b'O', b'D', 1, 0, 1, 0, // signature, version 1, reserved, 1 symbol
            8, 0, 0, 0, 0, 0, 0, 0, // link name offset 8 ("child")
            0x20, 0x03, 0, 0, 0, 0, 0, 0, // object header 0x320
            1, 0, 0, 0, 0, 0, 0, 0, // cache type 1, reserved
            0x48, 0x03, 0, 0, 0, 0, 0, 0, // scratch: B-tree 0x348
            0x68, 0x05, 0, 0, 0, 0, 0, 0, // scratch: local heap 0x568
        ];
        let e = SymbolTableEntry::group(8, 0x320, 0x348, 0x568, S8);
        let b = encode_node(S8, &[e], 4);
        assert_eq!(b.len(), 328);
        assert_eq!(node_len(S8, 4), 328);
        assert_eq!(b[..48], used);
        assert!(b[48..].iter().all(|&x| x == 0));
        assert_eq!(e.encode(S8), used[8..]);
        assert_eq!(e.encode(S8).len(), SymbolTableEntry::size(S8));
    }

    #[test]
    fn encode_round_trips() {
        let entries = [
            SymbolTableEntry::group(8, 0x320, 0x348, 0x568, S8),
            SymbolTableEntry::plain(16, 0x900),
            SymbolTableEntry::soft_link(24, 40),
        ];
        let f = encode_node(S8, &entries, 4);
        let got = read_symbol_table_node(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(got, entries);
        assert_eq!(got[0].cached_group(S8), Some((0x348, 0x568)));
        assert_eq!(got[1].cached_group(S8), None);
        assert_eq!(got[2].cached_soft_link_offset(), Some(40));
        assert_eq!(got[2].object_header_address, crate::format::UNDEFINED);

        let s4 = Sizes {
            offset: 4,
            length: 4,
        };
        let e = SymbolTableEntry::group(8, 0x320, 0x348, 0x568, s4);
        let f = encode_node(s4, &[e; 8], 4);
        assert_eq!(f.len() as u64, node_len(s4, 4));
        assert_eq!(f.len(), 8 + 8 * 32);
        let got = read_symbol_table_node(&f, s4, 0, &Limits::default()).unwrap();
        assert_eq!(got.len(), 8);
        assert_eq!(got[7].cached_group(s4), Some((0x348, 0x568)));
        // An empty node is still allocated whole.
        let empty = encode_node(S8, &[], 4);
        assert_eq!(empty.len(), 328);
        assert!(read_symbol_table_node(&empty, S8, 0, &Limits::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    #[should_panic(expected = "capacity")]
    fn encode_node_rejects_overfull() {
        let e = SymbolTableEntry::plain(8, 0x320);
        let _ = encode_node(S8, &[e; 9], 4);
    }
}
