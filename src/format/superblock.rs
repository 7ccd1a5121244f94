//! The superblock: the file's entry point (spec section II.A).
//!
//! Versions 0 and 1 (HDF5 1.0-1.6 style, what VTK and h5py `earliest` write)
//! hold the root group's symbol table entry; versions 2 and 3 (1.8+ and
//! 1.10+) hold the root object header address and a checksum. The signature
//! sits at 0, 512, 1024, 2048, ... (the bytes before it are the userblock).

use crate::error::{Error, Result};
use crate::format::message::shared::put_address;
use crate::format::symbol_table_node::{SymbolTableEntry, CACHE_TYPE_GROUP};
use crate::format::{checksum, Cursor, Sizes, UNDEFINED};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

/// The 8-byte format signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// Consistency flag bit: the file is open for writing (v0/v1 bit 0, v3 bit 0).
pub const FLAG_WRITE_ACCESS: u32 = 0x01;
/// Consistency flag bit: opened by a single-writer/multiple-reader writer (v3).
pub const FLAG_SWMR_WRITE: u32 = 0x04;

/// The decoded superblock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    /// Superblock version, 0 to 3.
    pub version: u8,
    /// File offset of the signature (size of the userblock).
    pub offset: u64,
    /// Address widths.
    pub sizes: Sizes,
    /// Group leaf node K (v0/v1; 4 by default).
    pub group_leaf_k: u16,
    /// Group internal node K (v0/v1; 16 by default).
    pub group_internal_k: u16,
    /// Indexed storage internal node K (v1 only; 32 otherwise).
    pub chunk_btree_k: u16,
    /// File consistency flags.
    pub flags: u32,
    /// Absolute file offset that addresses are relative to.
    pub base_address: u64,
    /// Address of the superblock extension object header (v2/v3), or undefined.
    pub extension_address: u64,
    /// End-of-file address (relative to the base address).
    pub eof_address: u64,
    /// Address of the root group's object header.
    pub root_object_header: u64,
    /// v0/v1: the root entry's cached symbol table (B-tree, local heap), if any.
    pub root_symbol_table_cache: Option<(u64, u64)>,
    /// Bytes the superblock occupies.
    pub encoded_len: u64,
}

/// Finds the superblock signature at 0, 512, 1024, ... and decodes it.
pub fn find_and_read<R: ReadAt + ?Sized>(r: &R) -> Result<Superblock> {
    let file_len = r.len()?;
    let mut offset = 0u64;
    loop {
        if offset.saturating_add(8) > file_len {
            return Err(Error::malformed(
                0,
                format!(
                    "no HDF5 signature found at offset 0, 512, 1024, ... ({file_len} bytes searched)"
                ),
            ));
        }
        let mut sig = [0u8; 8];
        r.read_exact_at(offset, &mut sig)?;
        if sig == SIGNATURE {
            let len = (file_len - offset).min(256);
            let mut buf = alloc::vec![0u8; len as usize];
            r.read_exact_at(offset, &mut buf)?;
            return decode(&buf, offset);
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
}

fn check_size(c: &Cursor, what: &str, v: u8) -> Result<u8> {
    match v {
        2 | 4 | 8 => Ok(v),
        _ => Err(c.unsupported(format_args!("{what} of {v} bytes (expected 2, 4 or 8)"))),
    }
}

/// Decodes a superblock from `bytes`, which start at its signature at file
/// offset `offset`.
pub fn decode(bytes: &[u8], offset: u64) -> Result<Superblock> {
    let mut c = Cursor::new(bytes, offset, "superblock");
    let sig = c.bytes(8)?;
    if sig != SIGNATURE {
        return Err(Error::malformed(offset, "superblock: bad format signature"));
    }
    let version = c.u8()?;
    match version {
        0 | 1 => decode_v0_v1(c, version, offset),
        2 | 3 => decode_v2_v3(c, version, offset),
        v => Err(Error::unsupported(
            offset + 8,
            format!("superblock version {v} (this reader knows 0 to 3)"),
        )),
    }
}

fn decode_v0_v1(mut c: Cursor, version: u8, offset: u64) -> Result<Superblock> {
    let _free_space_version = c.u8()?;
    let _root_symtab_version = c.u8()?;
    c.skip(1)?;
    let _shared_header_version = c.u8()?;
    let so = c.u8()?;
    let so = check_size(&c, "size of offsets", so)?;
    let sl = c.u8()?;
    let sl = check_size(&c, "size of lengths", sl)?;
    c.skip(1)?;
    let sizes = Sizes {
        offset: so,
        length: sl,
    };
    let group_leaf_k = c.u16()?;
    let group_internal_k = c.u16()?;
    let flags = c.u32()?;
    let mut chunk_btree_k = 32;
    if version == 1 {
        chunk_btree_k = c.u16()?;
        c.skip(2)?;
    }
    let base_address = c.address(sizes)?;
    let _free_space_address = c.address(sizes)?;
    let eof_address = c.address(sizes)?;
    let _driver_info_address = c.address(sizes)?;
    // Root group symbol table entry (its name offset is "size of lengths" wide).
    let _name_offset = c.length(sizes)?;
    let root_object_header = c.address(sizes)?;
    let cache_type = c.u32()?;
    c.skip(4)?;
    let scratch = c.sub(16, "root symbol table entry scratch pad")?;
    let root_symbol_table_cache = if cache_type == CACHE_TYPE_GROUP {
        let mut s = scratch;
        let btree = s.address(sizes)?;
        let heap = s.address(sizes)?;
        Some((btree, heap))
    } else {
        None
    };
    if root_object_header == UNDEFINED {
        return Err(Error::malformed(
            offset,
            "superblock: root group object header address is undefined",
        ));
    }
    // libhdf5 counts addresses from where it found the signature whenever
    // the stored base address says otherwise (files given a userblock
    // after they were written keep a base address of 0).
    let _ = base_address;
    let base_address = offset;
    Ok(Superblock {
        version,
        offset,
        sizes,
        group_leaf_k,
        group_internal_k,
        chunk_btree_k,
        flags,
        base_address,
        extension_address: UNDEFINED,
        eof_address,
        root_object_header,
        root_symbol_table_cache,
        encoded_len: c.pos() as u64,
    })
}

fn decode_v2_v3(mut c: Cursor, version: u8, offset: u64) -> Result<Superblock> {
    let so = c.u8()?;
    let so = check_size(&c, "size of offsets", so)?;
    let sl = c.u8()?;
    let sl = check_size(&c, "size of lengths", sl)?;
    let sizes = Sizes {
        offset: so,
        length: sl,
    };
    let flags = u32::from(c.u8()?);
    let base_address = c.address(sizes)?;
    let extension_address = c.address(sizes)?;
    let eof_address = c.address(sizes)?;
    let root_object_header = c.address(sizes)?;
    let end = c.pos();
    let _ = c.u32()?;
    let body = c.data().get(..end + 4).unwrap_or(&[]);
    checksum::verify(body, offset, "superblock")?;
    if root_object_header == UNDEFINED {
        return Err(Error::malformed(
            offset,
            "superblock: root group object header address is undefined",
        ));
    }
    // libhdf5 counts addresses from where it found the signature whenever
    // the stored base address says otherwise (files given a userblock
    // after they were written keep a base address of 0).
    let _ = base_address;
    let base_address = offset;
    Ok(Superblock {
        version,
        offset,
        sizes,
        group_leaf_k: 4,
        group_internal_k: 16,
        chunk_btree_k: 32,
        flags,
        base_address,
        extension_address,
        eof_address,
        root_object_header,
        root_symbol_table_cache: None,
        encoded_len: c.pos() as u64,
    })
}

/// Group leaf node K written by [`encode_v0`]: symbol table nodes hold up to
/// 2K = 8 entries (libhdf5's default).
pub const DEFAULT_GROUP_LEAF_K: u16 = 4;
/// Group internal node K written by [`encode_v0`]: group B-tree nodes hold up
/// to 2K = 32 children (libhdf5's default).
pub const DEFAULT_GROUP_INTERNAL_K: u16 = 16;
/// Indexed storage (chunk B-tree) K that a v0 superblock implies.
pub const DEFAULT_CHUNK_BTREE_K: u16 = 32;

/// Bytes of the fixed part of a v0 superblock before the addresses: signature,
/// four version bytes, sizes, reserved, both K values and the flags.
const V0_FIXED_LEN: u64 = 24;
/// Bytes of a v2/v3 superblock before the addresses.
const V2_FIXED_LEN: u64 = 12;

/// Size of a version 0 superblock for `sizes` (96 bytes for 8-byte sizes).
pub fn encoded_len_v0(sizes: Sizes) -> u64 {
    V0_FIXED_LEN + 4 * u64::from(sizes.offset) + SymbolTableEntry::size(sizes) as u64
}

/// Size of a version 2 or 3 superblock for `sizes` (48 bytes for 8-byte
/// offsets), checksum included.
pub fn encoded_len_v2(sizes: Sizes) -> u64 {
    V2_FIXED_LEN + 4 * u64::from(sizes.offset) + 4
}

/// Encodes a version 0 superblock at offset 0 (no userblock, base address 0)
/// as libhdf5 writes it for a root group that is a symbol-table group: group
/// K values 4 and 16, no free-space info, no driver info, and a root symbol
/// table entry of cache type 1 holding the root group's B-tree and local
/// heap addresses (the same two addresses as its symbol table message).
pub fn encode_v0(
    sizes: Sizes,
    eof_address: u64,
    root_object_header: u64,
    root_btree: u64,
    root_local_heap: u64,
) -> Vec<u8> {
    let root = SymbolTableEntry::group(0, root_object_header, root_btree, root_local_heap, sizes);
    encode_v0_with_root(sizes, eof_address, &root)
}

/// Encodes a version 0 superblock whose root group keeps its links as link
/// messages (cache type 0, empty scratch pad); otherwise as [`encode_v0`].
pub fn encode_v0_plain_root(sizes: Sizes, eof_address: u64, root_object_header: u64) -> Vec<u8> {
    let root = SymbolTableEntry::plain(0, root_object_header);
    encode_v0_with_root(sizes, eof_address, &root)
}

fn encode_v0_with_root(sizes: Sizes, eof_address: u64, root: &SymbolTableEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len_v0(sizes) as usize);
    out.extend_from_slice(&SIGNATURE);
    out.push(0); // superblock version
    out.push(0); // free-space storage version
    out.push(0); // root group symbol table entry version
    out.push(0); // reserved
    out.push(0); // shared header message format version
    out.push(sizes.offset);
    out.push(sizes.length);
    out.push(0); // reserved
    out.extend_from_slice(&DEFAULT_GROUP_LEAF_K.to_le_bytes());
    out.extend_from_slice(&DEFAULT_GROUP_INTERNAL_K.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // file consistency flags
    put_address(&mut out, sizes, 0); // base address
    put_address(&mut out, sizes, UNDEFINED); // free-space info address
    put_address(&mut out, sizes, eof_address);
    put_address(&mut out, sizes, UNDEFINED); // driver information block
    out.extend_from_slice(&root.encode(sizes));
    debug_assert_eq!(out.len() as u64, encoded_len_v0(sizes));
    out
}

/// Encodes a version 2 or 3 superblock at offset 0 (base address 0) with its
/// lookup3 checksum. `extension_address` is the superblock extension's
/// object header, or [`UNDEFINED`]. Version 2 has no flags; for version 3,
/// libhdf5 leaves `flags` 0 in a closed file.
pub fn encode_v2(
    sizes: Sizes,
    version: u8,
    flags: u8,
    eof_address: u64,
    root_object_header: u64,
    extension_address: u64,
) -> Vec<u8> {
    debug_assert!(version == 2 || version == 3, "superblock version {version}");
    let mut out = Vec::with_capacity(encoded_len_v2(sizes) as usize);
    out.extend_from_slice(&SIGNATURE);
    out.push(version);
    out.push(sizes.offset);
    out.push(sizes.length);
    out.push(flags);
    put_address(&mut out, sizes, 0); // base address
    put_address(&mut out, sizes, extension_address);
    put_address(&mut out, sizes, eof_address);
    put_address(&mut out, sizes, root_object_header);
    let sum = checksum::checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn v0_bytes() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&SIGNATURE);
        b.extend_from_slice(&[0, 0, 0, 0]); // versions: superblock, free space, root symtab, reserved
        b.extend_from_slice(&[0, 8, 8, 0]); // shared header version, size of offsets, size of lengths, reserved
        b.extend_from_slice(&4u16.to_le_bytes()); // group leaf node K
        b.extend_from_slice(&16u16.to_le_bytes()); // group internal node K
        b.extend_from_slice(&0u32.to_le_bytes()); // consistency flags
        b.extend_from_slice(&0u64.to_le_bytes()); // base address
        b.extend_from_slice(&u64::MAX.to_le_bytes()); // free-space info address (undefined)
        b.extend_from_slice(&800u64.to_le_bytes()); // end of file address
        b.extend_from_slice(&u64::MAX.to_le_bytes()); // driver info block (undefined)
        b.extend_from_slice(&0u64.to_le_bytes()); // root entry: link name offset
        b.extend_from_slice(&96u64.to_le_bytes()); // root entry: object header address
        b.extend_from_slice(&1u32.to_le_bytes()); // root entry: cache type 1 (symbol table)
        b.extend_from_slice(&0u32.to_le_bytes()); // reserved
        b.extend_from_slice(&136u64.to_le_bytes()); // scratch: B-tree address
        b.extend_from_slice(&680u64.to_le_bytes()); // scratch: local heap address
        b
    }

    #[test]
    fn decodes_v0() {
        let sb = decode(&v0_bytes(), 0).unwrap();
        assert_eq!(sb.version, 0);
        assert_eq!(sb.root_object_header, 96);
        assert_eq!(sb.root_symbol_table_cache, Some((136, 680)));
        assert_eq!(sb.eof_address, 800);
        assert_eq!(sb.encoded_len, 96);
    }

    #[test]
    fn finds_signature_after_userblock() {
        let mut file = alloc::vec![0u8; 512];
        let mut sb = v0_bytes();
        // With a userblock the base address is the superblock's own offset.
        sb[24..32].copy_from_slice(&512u64.to_le_bytes());
        file.extend_from_slice(&sb);
        let got = find_and_read(&file[..]).unwrap();
        assert_eq!(got.offset, 512);
        assert_eq!(got.base_address, 512);
    }

    #[test]
    fn base_address_follows_the_signature() {
        // A userblock added in front of a file written without one: the
        // stored base address is still 0.
        let mut file = alloc::vec![0u8; 512];
        file.extend_from_slice(&v0_bytes());
        let got = find_and_read(&file[..]).unwrap();
        assert_eq!(got.base_address, 512);
    }

    #[test]
    fn v2_checksum_is_checked() {
        let mut b = Vec::new();
        b.extend_from_slice(&SIGNATURE);
        b.extend_from_slice(&[2, 8, 8, 0]); // version 2, offsets, lengths, flags
        b.extend_from_slice(&0u64.to_le_bytes()); // base address
        b.extend_from_slice(&u64::MAX.to_le_bytes()); // extension address
        b.extend_from_slice(&2048u64.to_le_bytes()); // end of file
        b.extend_from_slice(&48u64.to_le_bytes()); // root object header
        let sum = checksum::checksum(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        let sb = decode(&b, 0).unwrap();
        assert_eq!(sb.root_object_header, 48);
        assert_eq!(sb.encoded_len, 48);
        b[30] ^= 0xff;
        let err = decode(&b, 0).unwrap_err();
        assert!(err.message().contains("checksum"));
    }

    #[test]
    fn rejects_unknown_version_and_sizes() {
        let mut b = v0_bytes();
        b[8] = 9;
        assert!(decode(&b, 0).unwrap_err().message().contains("version 9"));
        let mut b = v0_bytes();
        b[13] = 3;
        assert!(decode(&b, 0)
            .unwrap_err()
            .message()
            .contains("size of offsets"));
        assert!(decode(&v0_bytes()[..40], 0).is_err());
        assert!(find_and_read(&[0u8; 100][..]).is_err());
    }

    /// The superblock libhdf5 2.0 (h5py `libver="earliest"`) wrote for a file
    /// holding one empty group "child" (1832 bytes).
    pub(super) const LIBHDF5_V0: [u8; 96] = [
        0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n', // signature
        0, 0, 0, 0, // versions: superblock, free space, root entry; reserved
        0, 8, 8, 0, // shared header version, size of offsets, size of lengths, reserved
        4, 0, 16, 0, // group leaf K 4, group internal K 16
        0, 0, 0, 0, // consistency flags
        0, 0, 0, 0, 0, 0, 0, 0, // base address
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // free-space info: undefined
        0x28, 0x07, 0, 0, 0, 0, 0, 0, // end of file 0x728
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // driver info: undefined
        0, 0, 0, 0, 0, 0, 0, 0, // root entry: name offset 0
        0x60, 0, 0, 0, 0, 0, 0, 0, // root entry: object header 0x60
        1, 0, 0, 0, 0, 0, 0, 0, // cache type 1, reserved
        0x88, 0, 0, 0, 0, 0, 0, 0, // scratch: B-tree 0x88
        0xa8, 0x02, 0, 0, 0, 0, 0, 0, // scratch: local heap 0x2a8
    ];

    #[test]
    fn encode_v0_matches_libhdf5() {
        let s8 = Sizes::default();
        let b = encode_v0(s8, 0x728, 0x60, 0x88, 0x2a8);
        assert_eq!(b, LIBHDF5_V0);
        assert_eq!(encoded_len_v0(s8), 96);
        let sb = decode(&b, 0).unwrap();
        assert_eq!(sb.version, 0);
        assert_eq!(sb.eof_address, 0x728);
        assert_eq!(sb.root_object_header, 0x60);
        assert_eq!(sb.root_symbol_table_cache, Some((0x88, 0x2a8)));
        assert_eq!((sb.group_leaf_k, sb.group_internal_k), (4, 16));
        assert_eq!(sb.encoded_len, 96);
    }

    #[test]
    fn encode_v0_plain_root_round_trips() {
        let s8 = Sizes::default();
        let b = encode_v0_plain_root(s8, 4000, 96);
        assert_eq!(b.len(), 96);
        let sb = decode(&b, 0).unwrap();
        assert_eq!(sb.root_object_header, 96);
        assert_eq!(sb.root_symbol_table_cache, None);
        assert_eq!(sb.eof_address, 4000);
        // Only the cache type and the scratch pad differ from encode_v0.
        let with_cache = encode_v0(s8, 4000, 96, 1, 2);
        assert_eq!(b[..72], with_cache[..72]);
        assert_eq!(b[72..], [0; 24]);
    }

    #[test]
    fn encode_v0_small_sizes_round_trip() {
        let s4 = Sizes {
            offset: 4,
            length: 4,
        };
        let b = encode_v0(s4, 0x1000, 0x40, 0x80, 0x300);
        assert_eq!(b.len() as u64, encoded_len_v0(s4));
        assert_eq!(b.len(), 24 + 16 + 32);
        let sb = decode(&b, 0).unwrap();
        assert_eq!(sb.sizes, s4);
        assert_eq!(sb.eof_address, 0x1000);
        assert_eq!(sb.root_object_header, 0x40);
        assert_eq!(sb.root_symbol_table_cache, Some((0x80, 0x300)));
        // The undefined free-space address is all ones at 4 bytes.
        assert_eq!(b[28..32], [0xff; 4]);
    }

    #[test]
    fn encode_v2_matches_libhdf5() {
        // tests/golden/files/groups_v108.h5 (v2) and groups_v110.h5 (v3),
        // written by libhdf5 through h5py.
        let v2: [u8; 48] = [
            0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n', // signature
            2, 8, 8, 0, // version 2, size of offsets, size of lengths, flags
            0, 0, 0, 0, 0, 0, 0, 0, // base address
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // extension: undefined
            0x51, 0x6f, 0, 0, 0, 0, 0, 0, // end of file 28497
            0x30, 0, 0, 0, 0, 0, 0, 0, // root object header 48
            0xa6, 0x03, 0x38, 0xd0, // lookup3 checksum
        ];
        let s8 = Sizes::default();
        assert_eq!(encode_v2(s8, 2, 0, 28497, 48, UNDEFINED), v2);
        let v3 = encode_v2(s8, 3, 0, 28497, 48, UNDEFINED);
        assert_eq!(v3[44..], [0xae, 0x69, 0xd5, 0x2b]);
        assert_eq!(encoded_len_v2(s8), 48);
        let sb = decode(&v3, 0).unwrap();
        assert_eq!((sb.version, sb.root_object_header), (3, 48));
        let b = encode_v2(s8, 3, 1, 9000, 48, 2000);
        let sb = decode(&b, 0).unwrap();
        assert_eq!(sb.flags, 1);
        assert_eq!(sb.extension_address, 2000);
        assert_eq!(sb.eof_address, 9000);
    }
}

/// A whole file built with the encoders of this folder, opened by the reader.
#[cfg(all(test, feature = "std"))]
mod file_tests {
    use crate::format::btree_v1;
    use crate::format::local_heap::{self, LocalHeapBuilder};
    use crate::format::object_header::{self, MessageToWrite};
    use crate::format::symbol_table_node::{self, SymbolTableEntry};
    use crate::format::{superblock, Sizes, UNDEFINED};
    use alloc::vec::Vec;

    const GROUP_LEAF_K: u16 = 4;
    const GROUP_INTERNAL_K: u16 = 16;
    const SYMBOL_TABLE_MESSAGE: u16 = 0x0011;

    fn symbol_table_message(btree: u64, heap: u64) -> MessageToWrite {
        let mut data = Vec::new();
        data.extend_from_slice(&btree.to_le_bytes()); // v1 B-tree address
        data.extend_from_slice(&heap.to_le_bytes()); // local heap address
        MessageToWrite {
            kind: SYMBOL_TABLE_MESSAGE,
            flags: 0,
            data,
        }
    }

    fn put(file: &mut Vec<u8>, at: u64, bytes: &[u8]) {
        let at = at as usize;
        assert_eq!(file.len(), at, "structures are laid out back to back");
        file.extend_from_slice(bytes);
    }

    /// The file libhdf5 writes for `f.create_group("child")` with
    /// `libver="earliest"`, in the same order: superblock, root header, root
    /// B-tree, root heap, child header, child B-tree, child heap, root SNOD.
    pub(crate) fn one_child_group_file() -> Vec<u8> {
        let s8 = Sizes::default();
        // Lay out first.
        let root_msgs = [symbol_table_message(0, 0)];
        let mut root_heap = LocalHeapBuilder::new();
        let child_name = root_heap.add(b"child");
        let child_heap = LocalHeapBuilder::new();
        let btree_len = btree_v1::node_len(s8, btree_v1::NODE_TYPE_GROUP, GROUP_INTERNAL_K, 0);
        let mut at = 0;
        let mut take = |len: u64| {
            let addr = at;
            at += len;
            addr
        };
        let _superblock = take(superblock::encoded_len_v0(s8));
        let root_header = take(object_header::encoded_len_v1(&root_msgs));
        let root_btree = take(btree_len);
        let root_heap_header = take(local_heap::encoded_len(s8));
        let root_heap_data = take(root_heap.segment_len());
        let child_header = take(object_header::encoded_len_v1(&root_msgs));
        let child_btree = take(btree_len);
        let child_heap_header = take(local_heap::encoded_len(s8));
        let child_heap_data = take(child_heap.segment_len());
        let root_snod = take(symbol_table_node::node_len(s8, GROUP_LEAF_K));
        let eof = take(0);

        // Then encode.
        let mut f = Vec::new();
        let sb = superblock::encode_v0(s8, eof, root_header, root_btree, root_heap_header);
        put(&mut f, 0, &sb);
        let root_oh =
            object_header::encode_v1(&[symbol_table_message(root_btree, root_heap_header)], 1)
                .unwrap();
        put(&mut f, root_header, &root_oh);
        // One symbol table node; the leaf's keys are "" and the largest name.
        let plan = btree_v1::plan(1, GROUP_INTERNAL_K);
        assert_eq!(plan.nodes.len(), 1);
        let node = btree_v1::encode_group_node(
            s8,
            0,
            UNDEFINED,
            UNDEFINED,
            &[0, child_name],
            &[root_snod],
            GROUP_INTERNAL_K,
        );
        put(&mut f, root_btree, &node);
        put(
            &mut f,
            root_heap_header,
            &root_heap.encode_header(root_heap_data),
        );
        put(&mut f, root_heap_data, &root_heap.finish());
        let child_oh =
            object_header::encode_v1(&[symbol_table_message(child_btree, child_heap_header)], 1)
                .unwrap();
        put(&mut f, child_header, &child_oh);
        // An empty group: one empty leaf with only key 0 and no symbol table node.
        let empty =
            btree_v1::encode_group_node(s8, 0, UNDEFINED, UNDEFINED, &[0], &[], GROUP_INTERNAL_K);
        put(&mut f, child_btree, &empty);
        put(
            &mut f,
            child_heap_header,
            &child_heap.encode_header(child_heap_data),
        );
        put(&mut f, child_heap_data, &child_heap.finish());
        let entry =
            SymbolTableEntry::group(child_name, child_header, child_btree, child_heap_header, s8);
        let snod = symbol_table_node::encode_node(s8, &[entry], GROUP_LEAF_K);
        put(&mut f, root_snod, &snod);
        assert_eq!(f.len() as u64, eof);
        f
    }

    #[test]
    fn built_file_opens_and_lists_the_child() {
        let bytes = one_child_group_file();
        // Same size and places as the file libhdf5 writes for this content.
        assert_eq!(bytes.len(), 0x728);
        assert_eq!(bytes[..96], super::tests::LIBHDF5_V0);
        let file = crate::hl::File::from_bytes(bytes).unwrap();
        assert_eq!(file.superblock().version, 0);
        let root = file.root().unwrap();
        assert_eq!(root.member_names().unwrap(), ["child"]);
        let child = file.group("/child").unwrap();
        assert!(child.member_names().unwrap().is_empty());
    }
}
