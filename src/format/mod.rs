//! On-disk structures of HDF5, one module per structure, as the HDF5 File
//! Format Specification 4.0 names them.
//!
//! Everything here is `core` + `alloc` only: decoders take bytes (or a
//! [`ReadAt`] for structures that point to further blocks) and return plain
//! data. Every size a structure declares is checked against the bytes present
//! and the [`Limits`] before anything is allocated.

use crate::error::{Error, Result};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

pub mod checksum;
pub mod cursor;

pub use cursor::Cursor;

/// The "undefined address": all bits set, at any offset width.
pub const UNDEFINED: u64 = u64::MAX;

/// True when `addr` is the undefined address.
pub fn is_undefined(addr: u64) -> bool {
    addr == UNDEFINED
}

/// Widths of addresses ("size of offsets") and lengths ("size of lengths")
/// in bytes, from the superblock. Travels with every decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Size of offsets: 2, 4 or 8 (libhdf5 also allows 16, which we reject).
    pub offset: u8,
    /// Size of lengths: 2, 4 or 8.
    pub length: u8,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            offset: 8,
            length: 8,
        }
    }
}

/// Bounds on what a file may make the reader do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single metadata or chunk allocation, in bytes.
    pub max_alloc_bytes: u64,
    /// Deepest nesting of B-trees, heaps, datatypes and groups.
    pub max_depth: u32,
    /// Most B-tree nodes, heap blocks or continuation blocks visited in one walk.
    pub max_nodes: u64,
    /// Most links or attributes listed for one object.
    pub max_links: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alloc_bytes: 1 << 34,
            max_depth: 64,
            max_nodes: 1 << 24,
            max_links: 1 << 24,
        }
    }
}

/// Reads `len` bytes at `addr` after checking `len` against the file length
/// and `limits`; `what` names the structure for errors.
pub fn read_block<R: ReadAt + ?Sized>(
    r: &R,
    addr: u64,
    len: u64,
    limits: &Limits,
    what: &str,
) -> Result<Vec<u8>> {
    if is_undefined(addr) {
        return Err(Error::malformed(
            addr,
            format!("{what}: address is undefined"),
        ));
    }
    let file_len = r.len()?;
    let end = addr.checked_add(len);
    if end.is_none_or(|e| e > file_len) {
        return Err(Error::malformed(
            addr,
            format!(
                "{what}: {len} bytes at offset {addr} run past the end of the file ({file_len} bytes)"
            ),
        ));
    }
    if len > limits.max_alloc_bytes {
        return Err(Error::limit(format!(
            "{what}: block of {len} bytes exceeds the allocation limit of {} bytes",
            limits.max_alloc_bytes
        ))
        .at(addr));
    }
    let mut buf = alloc::vec![0u8; len as usize];
    r.read_exact_at(addr, &mut buf)?;
    Ok(buf)
}

/// Reads up to `len` bytes at `addr`, fewer when the file ends first.
/// For structures whose true size is only known after their header is read.
pub fn read_prefix<R: ReadAt + ?Sized>(r: &R, addr: u64, len: u64) -> Result<Vec<u8>> {
    let file_len = r.len()?;
    if is_undefined(addr) || addr >= file_len {
        return Err(Error::malformed(
            addr,
            format!("address {addr} is outside the file ({file_len} bytes)"),
        ));
    }
    let n = len.min(file_len - addr);
    let mut buf = alloc::vec![0u8; n as usize];
    r.read_exact_at(addr, &mut buf)?;
    Ok(buf)
}

pub mod btree_v1;
pub mod btree_v2;
pub mod chunk_index;
pub mod extensible_array;
pub mod fixed_array;
pub mod fractal_heap;
pub mod global_heap;
pub mod local_heap;
pub mod message;
pub mod object_header;
pub mod sohm_table;
pub mod superblock;
pub mod symbol_table_node;
pub mod virtual_layout;
