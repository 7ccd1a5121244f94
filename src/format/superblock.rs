//! The superblock: the file's entry point (spec section II.A).
//!
//! Versions 0 and 1 (HDF5 1.0-1.6 style, what VTK and h5py `earliest` write)
//! hold the root group's symbol table entry; versions 2 and 3 (1.8+ and
//! 1.10+) hold the root object header address and a checksum. The signature
//! sits at 0, 512, 1024, 2048, ... (the bytes before it are the userblock).

use crate::error::{Error, Result};
use crate::format::{checksum, Cursor, Sizes, UNDEFINED};
use crate::io::ReadAt;
use alloc::format;

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
    let root_symbol_table_cache = if cache_type == 1 {
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
}
