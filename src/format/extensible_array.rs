//! Extensible arrays (`EAHD`, `EAIB`, `EASB`, `EADB`): the chunk index of
//! layout v4 datasets with exactly one unlimited dimension.
//!
//! Spec Appendix C "Extensible Array Index". Elements `0..index block
//! elements` sit in the index block. The rest are grouped into "super
//! blocks" `s = 0, 1, 2, ...`: super block `s` has `2^(s/2)` data blocks of
//! `2^((s+1)/2) * data block min elements` elements each. The data blocks of
//! the first `2 * log2(secondary block min pointers)` super blocks are listed
//! in the index block itself; each later super block is a secondary block
//! listing its data blocks. Data blocks larger than a page
//! (`2^page bits` elements) are paged: each page has its own checksum and the
//! secondary block has a bitmap of initialized pages.

use crate::error::{Error, Result};
use crate::format::checksum::verify;
use crate::format::chunk_index::ChunkElement;
use crate::format::fixed_array::{check_element_size, decode_element, page_initialized};
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes, UNDEFINED};
use crate::io::ReadAt;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::vec::Vec;

/// Signature of the header.
pub const HEADER_SIGNATURE: &[u8; 4] = b"EAHD";
/// Signature of the index block.
pub const INDEX_BLOCK_SIGNATURE: &[u8; 4] = b"EAIB";
/// Signature of secondary blocks.
pub const SECONDARY_BLOCK_SIGNATURE: &[u8; 4] = b"EASB";
/// Signature of data blocks.
pub const DATA_BLOCK_SIGNATURE: &[u8; 4] = b"EADB";

/// The decoded extensible array header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensibleArrayHeader {
    /// File address of the header.
    pub address: u64,
    /// 0: unfiltered chunks; 1: filtered chunks.
    pub client_id: u8,
    /// Size in bytes of one element.
    pub element_size: u8,
    /// Bits needed to store the maximum number of elements.
    pub max_elements_bits: u8,
    /// Elements stored in the index block.
    pub index_block_elements: u8,
    /// Minimum number of elements per data block (a power of two).
    pub data_block_min_elements: u8,
    /// Minimum number of data block pointers per secondary block (a power of two).
    pub secondary_block_min_pointers: u8,
    /// log2 of the number of elements per data block page.
    pub page_bits: u8,
    /// Number of secondary blocks created.
    pub secondary_blocks: u64,
    /// Total size of the secondary blocks.
    pub secondary_blocks_size: u64,
    /// Number of data blocks created.
    pub data_blocks: u64,
    /// Total size of the data blocks.
    pub data_blocks_size: u64,
    /// One more than the largest index ever set.
    pub max_index_set: u64,
    /// Number of elements realized.
    pub realized_elements: u64,
    /// Address of the index block, undefined when empty.
    pub index_block_address: u64,
}

/// Layout of one super block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SuperBlock {
    data_blocks: u64,
    elements_per_data_block: u64,
    /// First element index, counted after the index block's own elements.
    start: u64,
}

impl ExtensibleArrayHeader {
    /// Encoded size for `sizes`.
    pub fn size(sizes: Sizes) -> u64 {
        // signature, version, client id, element size, max bits, index block
        // elements, data block min, secondary min pointers, page bits,
        // six lengths, index block address, checksum
        4 + 1
            + 1
            + 1
            + 1
            + 1
            + 1
            + 1
            + 1
            + 6 * u64::from(sizes.length)
            + u64::from(sizes.offset)
            + 4
    }

    /// Decodes a header (checksum verified) from `bytes` at file offset `address`.
    pub fn decode(bytes: &[u8], address: u64, sizes: Sizes) -> Result<Self> {
        let what = "extensible array header";
        let mut c = Cursor::new(bytes, address, what);
        c.signature(HEADER_SIGNATURE)?;
        verify(bytes, address, what)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        let client_id = c.u8()?;
        if client_id > 1 {
            return Err(c.unsupported(format_args!(
                "expected client ID 0 (chunks) or 1 (filtered chunks), found {client_id}"
            )));
        }
        let params_at = c.offset();
        let h = ExtensibleArrayHeader {
            address,
            client_id,
            element_size: c.u8()?,
            max_elements_bits: c.u8()?,
            index_block_elements: c.u8()?,
            data_block_min_elements: c.u8()?,
            secondary_block_min_pointers: c.u8()?,
            page_bits: c.u8()?,
            secondary_blocks: c.length(sizes)?,
            secondary_blocks_size: c.length(sizes)?,
            data_blocks: c.length(sizes)?,
            data_blocks_size: c.length(sizes)?,
            max_index_set: c.length(sizes)?,
            realized_elements: c.length(sizes)?,
            index_block_address: c.address(sizes)?,
        };
        let pow2 = |v: u8| v != 0 && v.is_power_of_two();
        if !pow2(h.data_block_min_elements) || !pow2(h.secondary_block_min_pointers) {
            return Err(Error::malformed(
                params_at,
                format!(
                    "{what}: expected powers of two for data block min elements and secondary block min pointers, found {} and {}",
                    h.data_block_min_elements, h.secondary_block_min_pointers
                ),
            ));
        }
        if h.max_elements_bits > 64
            || u32::from(h.max_elements_bits) < h.data_block_min_elements.trailing_zeros()
            || h.page_bits >= 64
        {
            return Err(Error::malformed(
                params_at,
                format!(
                    "{what}: max elements bits {} or page bits {} out of range",
                    h.max_elements_bits, h.page_bits
                ),
            ));
        }
        check_element_size(h.client_id, h.element_size, sizes, address, what)?;
        Ok(h)
    }

    /// Bytes of the "block offset" field of secondary and data blocks.
    fn block_offset_size(&self) -> usize {
        usize::from(self.max_elements_bits).div_ceil(8)
    }

    fn super_blocks(&self) -> Vec<SuperBlock> {
        let count =
            1 + u32::from(self.max_elements_bits) - self.data_block_min_elements.trailing_zeros();
        let mut start = 0u64;
        let mut out = Vec::with_capacity(count as usize);
        for s in 0..count {
            let data_blocks = 1u64 << (s / 2);
            let elements_per_data_block = u64::from(self.data_block_min_elements)
                .checked_shl(s.div_ceil(2))
                .unwrap_or(u64::MAX);
            out.push(SuperBlock {
                data_blocks,
                elements_per_data_block,
                start,
            });
            start = start.saturating_add(data_blocks.saturating_mul(elements_per_data_block));
        }
        out
    }

    /// Super blocks whose data blocks the index block lists directly.
    fn index_block_super_blocks(&self) -> u32 {
        2 * self.secondary_block_min_pointers.trailing_zeros()
    }
}

/// Walk state: what has been read, against the limits.
struct Walk<'a, R: ?Sized> {
    r: &'a R,
    sizes: Sizes,
    header: ExtensibleArrayHeader,
    limits: &'a Limits,
    visited: BTreeSet<u64>,
    /// Index of the next element.
    next: u64,
    out: Vec<(u64, ChunkElement)>,
}

impl<R: ReadAt + ?Sized> Walk<'_, R> {
    fn enter(&mut self, address: u64, what: &str) -> Result<()> {
        if !self.visited.insert(address) {
            return Err(Error::malformed(
                address,
                format!("{what}: block at {address} is referenced twice"),
            ));
        }
        if self.visited.len() as u64 > self.limits.max_nodes {
            return Err(Error::limit(format!(
                "extensible array: more than {} blocks read",
                self.limits.max_nodes
            ))
            .at(address));
        }
        Ok(())
    }

    /// Skips `n` elements that were never stored.
    fn skip_elements(&mut self, n: u64) {
        self.next = self.next.saturating_add(n);
    }

    fn decode_elements(&mut self, c: &mut Cursor, n: u64) -> Result<()> {
        let filtered = self.header.client_id == 1;
        let size = usize::from(self.header.element_size);
        for _ in 0..n {
            let e = decode_element(c, self.sizes, filtered, size)?;
            if !is_undefined(e.address) {
                self.out.push((self.next, e));
            }
            self.next += 1;
        }
        Ok(())
    }

    /// Checks the common block prefix: signature, version, client ID, header address.
    fn prefix(&self, c: &mut Cursor, signature: &[u8; 4]) -> Result<()> {
        c.signature(signature)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        let client_id = c.u8()?;
        if client_id != self.header.client_id {
            return Err(c.error(format_args!(
                "expected client ID {} (from the header), found {client_id}",
                self.header.client_id
            )));
        }
        let header_address = c.address(self.sizes)?;
        if header_address != self.header.address {
            return Err(c.error(format_args!(
                "expected header address {}, found {header_address}",
                self.header.address
            )));
        }
        Ok(())
    }

    /// Reads `take` elements (of `elements` in the block) of the data block at
    /// `address`. `page_bitmap` (bitmap, first bit) says which pages exist when
    /// the block is paged and listed by a secondary block.
    fn data_block(
        &mut self,
        address: u64,
        elements: u64,
        take: u64,
        page_bitmap: Option<(&[u8], u64)>,
    ) -> Result<()> {
        let what = "extensible array data block";
        if is_undefined(address) {
            self.skip_elements(take);
            return Ok(());
        }
        self.enter(address, what)?;
        let o = u64::from(self.sizes.offset);
        let esize = u64::from(self.header.element_size);
        let page_elements = 1u64 << self.header.page_bits;
        let paged = elements > page_elements;
        let prefix = 4 + 1 + 1 + o + self.header.block_offset_size() as u64;
        let len = if paged {
            prefix + 4
        } else {
            prefix + elements * esize + 4
        };
        let bytes = read_block(self.r, address, len, self.limits, what)?;
        let mut c = Cursor::new(&bytes, address, what);
        self.prefix(&mut c, DATA_BLOCK_SIGNATURE)?;
        verify(&bytes, address, what)?;
        // The block offset is not checked: libhdf5 writes, for data blocks
        // listed in the index block, `super block start + (index of the data
        // block among all index block data blocks) * elements per block`
        // (H5EA__lookup_elmt), which is not the position of the block's first
        // element; other writers may differ. The structure does not need it.
        let _block_offset = c.uint(self.header.block_offset_size())?;
        if !paged {
            return self.decode_elements(&mut c, take);
        }
        let pages = elements / page_elements;
        let page_len = page_elements * esize + 4;
        let mut left = take;
        for page in 0..pages {
            if left == 0 {
                break;
            }
            let n = left.min(page_elements);
            let page_addr = address + prefix + 4 + page * page_len;
            let initialized = match page_bitmap {
                Some((bitmap, first_bit)) => page_initialized(bitmap, first_bit + page),
                None => true,
            };
            if initialized {
                let pwhat = "extensible array data block page";
                let pbytes = read_block(self.r, page_addr, page_len, self.limits, pwhat)?;
                verify(&pbytes, page_addr, pwhat)?;
                let mut pc = Cursor::new(&pbytes, page_addr, pwhat);
                self.decode_elements(&mut pc, n)?;
            } else {
                self.skip_elements(n);
            }
            left -= n;
        }
        Ok(())
    }

    /// Reads the secondary block for super block `sb` and `take` of its elements.
    fn secondary_block(&mut self, address: u64, sb: SuperBlock, take: u64) -> Result<()> {
        let what = "extensible array secondary block";
        if is_undefined(address) {
            self.skip_elements(take);
            return Ok(());
        }
        self.enter(address, what)?;
        let o = u64::from(self.sizes.offset);
        let page_elements = 1u64 << self.header.page_bits;
        let pages_per_block = if sb.elements_per_data_block > page_elements {
            sb.elements_per_data_block / page_elements
        } else {
            0
        };
        // libhdf5 sizes the bitmap as whole bytes per data block
        // (`H5EA_SBLOCK_SIZE`) but numbers the bits contiguously, data block
        // `i` page `p` at bit `i * pages + p` (`H5EA__lookup_elmt`).
        let bitmap_len = sb.data_blocks * pages_per_block.div_ceil(8);
        let len = 4
            + 1
            + 1
            + o
            + self.header.block_offset_size() as u64
            + bitmap_len
            + sb.data_blocks * o
            + 4;
        let bytes = read_block(self.r, address, len, self.limits, what)?;
        let mut c = Cursor::new(&bytes, address, what);
        self.prefix(&mut c, SECONDARY_BLOCK_SIGNATURE)?;
        verify(&bytes, address, what)?;
        // Not checked, like the data block offsets (see `data_block`).
        let _block_offset = c.uint(self.header.block_offset_size())?;
        let bitmap = c.bytes(bitmap_len as usize)?;
        let mut addresses = Vec::with_capacity(sb.data_blocks as usize);
        for _ in 0..sb.data_blocks {
            addresses.push(c.address(self.sizes)?);
        }
        let mut left = take;
        for (i, &dblk) in addresses.iter().enumerate() {
            if left == 0 {
                break;
            }
            let n = left.min(sb.elements_per_data_block);
            let i = i as u64;
            let pages = (bitmap, i * pages_per_block);
            self.data_block(dblk, sb.elements_per_data_block, n, Some(pages))?;
            left -= n;
        }
        Ok(())
    }
}

/// Reads the extensible array at `address`: its header and, for every
/// element `0..max_index_set` that holds a chunk address, its index and value.
/// Elements in blocks never allocated, or holding the undefined address, are
/// left out, so the result grows with what is stored, not with the indices.
pub fn read_extensible_array<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<(ExtensibleArrayHeader, Vec<(u64, ChunkElement)>)> {
    let hbytes = read_block(
        r,
        address,
        ExtensibleArrayHeader::size(sizes),
        limits,
        "extensible array header",
    )?;
    let header = ExtensibleArrayHeader::decode(&hbytes, address, sizes)?;
    let total = header.max_index_set;
    let esize = u64::from(header.element_size);
    let mut walk = Walk {
        r,
        sizes,
        header,
        limits,
        visited: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    if total == 0 || is_undefined(header.index_block_address) {
        return Ok((header, walk.out));
    }

    // Index block.
    let what = "extensible array index block";
    let o = u64::from(sizes.offset);
    let super_blocks = header.super_blocks();
    let iblock_super_blocks = header.index_block_super_blocks();
    let iblock_data_blocks = 2 * (u64::from(header.secondary_block_min_pointers) - 1);
    let secondary_count = (super_blocks.len() as u64)
        .checked_sub(u64::from(iblock_super_blocks))
        .ok_or_else(|| {
            Error::malformed(
                address,
                format!("{what}: more super blocks in the index block than the array has"),
            )
        })?;
    let iblock_elements = u64::from(header.index_block_elements);
    let len =
        4 + 1 + 1 + o + iblock_elements * esize + (iblock_data_blocks + secondary_count) * o + 4;
    let ib_addr = header.index_block_address;
    walk.enter(ib_addr, what)?;
    let bytes = read_block(r, ib_addr, len, limits, what)?;
    let mut c = Cursor::new(&bytes, ib_addr, what);
    walk.prefix(&mut c, INDEX_BLOCK_SIGNATURE)?;
    verify(&bytes, ib_addr, what)?;
    let direct = total.min(iblock_elements);
    walk.decode_elements(&mut c, direct)?;
    c.skip(((iblock_elements - direct) * esize) as usize)?;
    let mut data_blocks = Vec::with_capacity(iblock_data_blocks as usize);
    for _ in 0..iblock_data_blocks {
        data_blocks.push(c.address(sizes)?);
    }
    let mut secondary = Vec::with_capacity(secondary_count as usize);
    for _ in 0..secondary_count {
        secondary.push(c.address(sizes)?);
    }

    let mut left = total - direct;
    let mut data_block_addrs = data_blocks.iter();
    for (s, sb) in super_blocks.iter().enumerate() {
        if left == 0 {
            break;
        }
        let in_super = sb.data_blocks.saturating_mul(sb.elements_per_data_block);
        let take = left.min(in_super);
        if (s as u32) < iblock_super_blocks {
            let mut rest = take;
            for _ in 0..sb.data_blocks {
                let Some(&dblk) = data_block_addrs.next() else {
                    return Err(Error::malformed(
                        ib_addr,
                        format!("{what}: fewer data block addresses than its super blocks need"),
                    ));
                };
                if rest == 0 {
                    continue;
                }
                let n = rest.min(sb.elements_per_data_block);
                walk.data_block(dblk, sb.elements_per_data_block, n, None)?;
                rest -= n;
            }
        } else {
            let addr = secondary
                .get(s - iblock_super_blocks as usize)
                .copied()
                .unwrap_or(UNDEFINED);
            walk.secondary_block(addr, *sb, take)?;
        }
        left -= take;
    }
    if left > 0 {
        return Err(Error::malformed(
            address,
            format!(
                "extensible array header: {total} elements set, more than the array can address"
            ),
        ));
    }
    Ok((header, walk.out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::format::checksum::checksum;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn with_checksum(mut v: Vec<u8>) -> Vec<u8> {
        let c = checksum(&v);
        v.extend_from_slice(&c.to_le_bytes()); // checksum
        v
    }

    fn place(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Header: unfiltered 8-byte elements, max 8 bits (block offsets 1 byte),
    /// 2 elements in the index block, data blocks of min 2 elements,
    /// secondary blocks of min 2 pointers, pages of 2 elements.
    fn header(max_index_set: u64, iblock: u64) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"EAHD"); // signature
        v.push(0); // version
        v.push(0); // client ID
        v.push(8); // element size
        v.push(8); // max nelmts bits
        v.push(2); // index block elements
        v.push(2); // data block min elements
        v.push(2); // secondary block min data pointers
        v.push(1); // max data block page nelmts bits
        for n in [0u64, 0, 0, 0] {
            v.extend_from_slice(&n.to_le_bytes()); // secondary/data block counts and sizes
        }
        v.extend_from_slice(&max_index_set.to_le_bytes()); // max index set
        v.extend_from_slice(&max_index_set.to_le_bytes()); // number of elements
        v.extend_from_slice(&iblock.to_le_bytes()); // index block address
        with_checksum(v)
    }

    fn block_start(sig: &[u8; 4]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(sig); // signature
        v.push(0); // version
        v.push(0); // client ID
        v.extend_from_slice(&0u64.to_le_bytes()); // header address
        v
    }

    fn addrs(v: &mut Vec<u8>, a: &[u64]) {
        for x in a {
            v.extend_from_slice(&x.to_le_bytes());
        }
    }

    /// Super blocks with dblk min 2: s0: 1 x 2, s1: 1 x 4, s2: 2 x 4, s3: 2 x 8.
    /// Index block holds data blocks of s0 and s1 (2 * log2(2) = 2 super blocks,
    /// 2 * (2 - 1) = 2 addresses) and secondary block addresses for s2..s7.
    fn file(total: u64) -> Vec<u8> {
        let mut f = Vec::new();
        place(&mut f, 0, &header(total, 100));
        let mut ib = block_start(b"EAIB");
        addrs(&mut ib, &[10, 11]); // index block elements 0, 1
        addrs(&mut ib, &[300, 400]); // data blocks of super blocks 0 and 1
        addrs(
            &mut ib,
            &[500, u64::MAX, u64::MAX, u64::MAX, u64::MAX, u64::MAX],
        ); // secondary blocks s2..s7
        place(&mut f, 100, &with_checksum(ib));
        // s0 data block: 2 elements (not paged), block offset 0
        let mut d0 = block_start(b"EADB");
        d0.push(0); // block offset
        addrs(&mut d0, &[20, 21]);
        place(&mut f, 300, &with_checksum(d0));
        // s1 data block: 4 elements, paged (2 pages of 2), block offset 2
        let mut d1 = block_start(b"EADB");
        d1.push(2); // block offset
        let d1 = with_checksum(d1);
        assert_eq!(d1.len(), 19);
        place(&mut f, 400, &d1);
        let mut p0 = Vec::new();
        addrs(&mut p0, &[30, 31]);
        place(&mut f, 419, &with_checksum(p0)); // page 0
        let mut p1 = Vec::new();
        addrs(&mut p1, &[32, u64::MAX]);
        place(&mut f, 439, &with_checksum(p1)); // page 1
                                                // s2 secondary block: 2 data blocks of 4 (2 pages each), offset 6,
                                                // bitmap 4 pages: data block 0 pages 0,1 set; data block 1 unset.
        let mut sb = block_start(b"EASB");
        sb.push(6); // block offset
        sb.push(0b1100_0000); // page bitmap, bits numbered contiguously:
        sb.push(0); // data block 0 pages 0, 1 set; data block 1 unset; padding byte
        addrs(&mut sb, &[600, u64::MAX]); // data block addresses
        place(&mut f, 500, &with_checksum(sb));
        let mut d2 = block_start(b"EADB");
        d2.push(6); // block offset
        place(&mut f, 600, &with_checksum(d2));
        let mut q0 = Vec::new();
        addrs(&mut q0, &[40, 41]);
        place(&mut f, 619, &with_checksum(q0));
        let mut q1 = Vec::new();
        addrs(&mut q1, &[42, 43]);
        place(&mut f, 639, &with_checksum(q1));
        f
    }

    #[test]
    fn walks_all_block_kinds() {
        let f = file(14);
        let (h, els) = read_extensible_array(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(h.max_index_set, 14);
        let a: Vec<(u64, u64)> = els.iter().map(|(i, e)| (*i, e.address)).collect();
        assert_eq!(
            a,
            [
                (0, 10),
                (1, 11),
                (2, 20),
                (3, 21),
                (4, 30),
                (5, 31),
                (6, 32),
                (8, 40),
                (9, 41),
                (10, 42),
                (11, 43)
            ]
        );
        // Fewer elements set: stop early.
        let f = file(5);
        let (_, els) = read_extensible_array(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(els.len(), 5);
        assert_eq!(
            els[4],
            (
                4,
                ChunkElement {
                    address: 30,
                    filtered_size: None,
                    filter_mask: 0
                }
            )
        );
        // A huge index set over unallocated blocks costs nothing.
        let mut f = file(14);
        let h = header(250, 100);
        f[..h.len()].copy_from_slice(&h);
        let (_, els) = read_extensible_array(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(els.len(), 11);
        // More than the array can address (2 + 510 elements: 8 super blocks).
        let h = header(600, 100);
        f[..h.len()].copy_from_slice(&h);
        assert!(read_extensible_array(&f, S8, 0, &Limits::default()).is_err());
    }

    #[test]
    fn super_block_layout() {
        let h = ExtensibleArrayHeader::decode(&header(0, 100), 0, S8).unwrap();
        let sbs = h.super_blocks();
        assert_eq!(sbs.len(), 8); // 1 + 8 - log2(2)
        let got: Vec<_> = sbs
            .iter()
            .take(4)
            .map(|s| (s.data_blocks, s.elements_per_data_block, s.start))
            .collect();
        assert_eq!(got, [(1, 2, 0), (1, 4, 2), (2, 4, 6), (2, 8, 14)]);
        assert_eq!(h.index_block_super_blocks(), 2);
    }

    #[test]
    fn errors() {
        let mut f = file(14);
        f[625] ^= 1; // corrupt a page
        assert!(read_extensible_array(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("checksum"));

        let mut f = file(14);
        // Secondary block points to the s0 data block again.
        let mut sb = block_start(b"EASB");
        sb.push(6);
        sb.extend_from_slice(&[0b1100_0000, 0]);
        addrs(&mut sb, &[300, u64::MAX]);
        place(&mut f, 500, &with_checksum(sb));
        assert!(read_extensible_array(&f, S8, 0, &Limits::default()).is_err());

        let mut f = file(14);
        f[100] = b'X'; // index block signature
        assert!(read_extensible_array(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("EAIB"));

        let mut v = header(2, 100);
        v.truncate(v.len() - 4);
        v[9] = 3; // data block min elements not a power of two
        let f = with_checksum(v);
        assert!(read_extensible_array(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("powers of two"));

        let f = file(14);
        let limits = Limits {
            max_nodes: 3,
            ..Limits::default()
        };
        assert_eq!(
            read_extensible_array(&f, S8, 0, &limits)
                .unwrap_err()
                .kind(),
            ErrorKind::LimitExceeded
        );
    }
}
