//! The shared object header message table (`SMTB`, spec section III.E):
//! where a file with shared messages (HDF5 1.8 "SOHM") keeps the indexes
//! of messages stored once and referenced from many object headers.
//!
//! The superblock extension's shared message table message points here.
//! Each index covers some message types and has a fractal heap holding
//! the shared message bodies; a shared message in an object header names
//! its body by fractal heap ID.

use crate::error::{Error, Result};
use crate::format::{checksum, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::vec::Vec;

/// Message type flag bits of an index (which message types it holds): as
/// libhdf5 writes them, bit `n` stands for message type `n`.
pub mod flags {
    /// Dataspace messages (type 0x0001).
    pub const DATASPACE: u16 = 1 << 0x0001;
    /// Datatype messages (type 0x0003).
    pub const DATATYPE: u16 = 1 << 0x0003;
    /// Fill value messages (type 0x0005).
    pub const FILL_VALUE: u16 = 1 << 0x0005;
    /// Filter pipeline messages (type 0x000B).
    pub const FILTER_PIPELINE: u16 = 1 << 0x000B;
    /// Attribute messages (type 0x000C).
    pub const ATTRIBUTE: u16 = 1 << 0x000C;
}

/// The flag bit for an object header message type code, if it can be shared.
pub fn flag_for_message(kind: u16) -> Option<u16> {
    Some(match kind {
        0x0001 => flags::DATASPACE,
        0x0003 => flags::DATATYPE,
        0x0005 => flags::FILL_VALUE,
        0x000B => flags::FILTER_PIPELINE,
        0x000C => flags::ATTRIBUTE,
        _ => return None,
    })
}

/// One index of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SohmIndex {
    /// 0: list, 1: v2 B-tree.
    pub index_type: u8,
    /// Message types held (see [`flags`]).
    pub message_types: u16,
    /// Number of messages in the index.
    pub num_messages: u16,
    /// Address of the list or B-tree.
    pub index_address: u64,
    /// Address of the fractal heap with the message bodies.
    pub heap_address: u64,
}

/// Bytes of one index entry.
fn entry_size(sizes: Sizes) -> u64 {
    // version, type, flags(2), min size(4), list cutoff(2), B-tree cutoff(2),
    // number of messages(2), index address, heap address
    1 + 1 + 2 + 4 + 2 + 2 + 2 + 2 * u64::from(sizes.offset)
}

/// Reads the table at `address` holding `num_indices` indexes.
pub fn read_table<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    num_indices: u8,
    limits: &Limits,
) -> Result<Vec<SohmIndex>> {
    let len = 4 + u64::from(num_indices) * entry_size(sizes) + 4;
    let block = read_block(r, address, len, limits, "shared message table")?;
    checksum::verify(&block, address, "shared message table")?;
    let mut c = Cursor::new(&block, address, "shared message table");
    c.signature(b"SMTB")?;
    let mut out = Vec::with_capacity(usize::from(num_indices));
    for _ in 0..num_indices {
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("index version {version} (expected 0)")));
        }
        let index_type = c.u8()?;
        let message_types = c.u16()?;
        let _min_size = c.u32()?;
        let _list_cutoff = c.u16()?;
        let _btree_cutoff = c.u16()?;
        let num_messages = c.u16()?;
        let index_address = c.address(sizes)?;
        let heap_address = c.address(sizes)?;
        out.push(SohmIndex {
            index_type,
            message_types,
            num_messages,
            index_address,
            heap_address,
        });
    }
    Ok(out)
}

/// The index that holds messages of type `kind`.
pub fn index_for(indexes: &[SohmIndex], kind: u16, at: u64) -> Result<&SohmIndex> {
    let flag = flag_for_message(kind).ok_or_else(|| {
        Error::malformed(
            at,
            alloc::format!("message type {kind:#06x} cannot be shared"),
        )
    })?;
    indexes
        .iter()
        .find(|i| i.message_types & flag != 0)
        .ok_or_else(|| {
            Error::malformed(
                at,
                alloc::format!("no shared message index holds messages of type {kind:#06x}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_table_and_finds_the_index() {
        let mut b = Vec::new();
        b.extend_from_slice(b"SMTB");
        b.extend_from_slice(&[0, 1]); // version 0, B-tree index
        b.extend_from_slice(&(flags::DATATYPE | flags::ATTRIBUTE).to_le_bytes()); // types
        b.extend_from_slice(&40u32.to_le_bytes()); // minimum message size
        b.extend_from_slice(&50u16.to_le_bytes()); // list cutoff
        b.extend_from_slice(&40u16.to_le_bytes()); // B-tree cutoff
        b.extend_from_slice(&3u16.to_le_bytes()); // number of messages
        b.extend_from_slice(&1000u64.to_le_bytes()); // index address
        b.extend_from_slice(&2000u64.to_le_bytes()); // heap address
        let sum = checksum::checksum(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        let t = read_table(&b[..], Sizes::default(), 0, 1, &Limits::default()).unwrap();
        assert_eq!(t[0].heap_address, 2000);
        assert_eq!(index_for(&t, 0x0003, 0).unwrap().num_messages, 3);
        assert!(index_for(&t, 0x0001, 0).is_err());
        assert!(index_for(&t, 0x0011, 0).is_err());
        let mut bad = b.clone();
        bad[10] ^= 1;
        assert!(read_table(&bad[..], Sizes::default(), 0, 1, &Limits::default()).is_err());
    }
}
