//! Fixed arrays (`FAHD`, `FADB`): the chunk index of layout v4 datasets whose
//! maximum dimensions are all fixed.
//!
//! Spec Appendix C "Fixed Array Index". The header gives the number of entries
//! (one per chunk of the grid of maximum dimensions) and points to one data
//! block. When there are more entries than `2^page_bits`, the data block is
//! paged: its header carries a bitmap of initialized pages, and the pages,
//! each with its own checksum, follow the data block header.

use crate::error::{Error, Result};
use crate::format::checksum::verify;
use crate::format::chunk_index::ChunkElement;
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

/// Signature of the header.
pub const HEADER_SIGNATURE: &[u8; 4] = b"FAHD";
/// Signature of the data block.
pub const DATA_BLOCK_SIGNATURE: &[u8; 4] = b"FADB";

/// The decoded fixed array header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedArrayHeader {
    /// File address of the header.
    pub address: u64,
    /// 0: unfiltered chunks (address only); 1: filtered chunks (address,
    /// size, filter mask).
    pub client_id: u8,
    /// Size in bytes of one entry.
    pub entry_size: u8,
    /// log2 of the number of entries per data block page.
    pub page_bits: u8,
    /// Number of entries.
    pub entries: u64,
    /// Address of the data block, undefined when no chunk was ever written.
    pub data_block_address: u64,
}

impl FixedArrayHeader {
    /// Encoded size for `sizes`.
    pub fn size(sizes: Sizes) -> u64 {
        // signature, version, client id, entry size, page bits, entries,
        // data block address, checksum
        4 + 1 + 1 + 1 + 1 + u64::from(sizes.length) + u64::from(sizes.offset) + 4
    }

    /// Decodes a header (checksum verified) from `bytes` at file offset `address`.
    pub fn decode(bytes: &[u8], address: u64, sizes: Sizes) -> Result<Self> {
        let what = "fixed array header";
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
        let entry_size = c.u8()?;
        let page_bits = c.u8()?;
        if page_bits >= 64 {
            return Err(c.error(format_args!("page bits {page_bits} is 64 or more")));
        }
        let entries = c.length(sizes)?;
        let data_block_address = c.address(sizes)?;
        Ok(FixedArrayHeader {
            address,
            client_id,
            entry_size,
            page_bits,
            entries,
            data_block_address,
        })
    }
}

/// Decodes one chunk-index element (fixed or extensible array) of
/// `element_size` bytes: an address, then for filtered chunks the stored size
/// (`element_size - offset size - 4` bytes) and the filter mask.
pub fn decode_element(
    c: &mut Cursor,
    sizes: Sizes,
    filtered: bool,
    element_size: usize,
) -> Result<ChunkElement> {
    let address = c.address(sizes)?;
    if !filtered {
        return Ok(ChunkElement {
            address,
            filtered_size: None,
            filter_mask: 0,
        });
    }
    let size_width = element_size
        .checked_sub(usize::from(sizes.offset) + 4)
        .filter(|w| (1..=8).contains(w))
        .ok_or_else(|| {
            c.error(format_args!(
                "filtered chunk element of {element_size} bytes leaves no room for a 1- to 8-byte chunk size"
            ))
        })?;
    let size = c.uint(size_width)?;
    let filter_mask = c.u32()?;
    Ok(ChunkElement {
        address,
        filtered_size: Some(size),
        filter_mask,
    })
}

/// Checks that an element of `element_size` bytes is what `client_id`
/// implies for `sizes`.
pub(crate) fn check_element_size(
    client_id: u8,
    element_size: u8,
    sizes: Sizes,
    at: u64,
    what: &str,
) -> Result<()> {
    let o = usize::from(sizes.offset);
    let e = usize::from(element_size);
    let ok = match client_id {
        0 => e == o,
        _ => e > o + 4 && e <= o + 12,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::malformed(
            at,
            format!("{what}: element size {element_size} does not fit client ID {client_id} with {o}-byte addresses"),
        ))
    }
}

/// Reads the fixed array at `address`: its header and, for every entry that
/// holds a chunk address, its index and value. Entries holding the undefined
/// address, or on pages never initialized, are left out.
pub fn read_fixed_array<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<(FixedArrayHeader, Vec<(u64, ChunkElement)>)> {
    let hbytes = read_block(
        r,
        address,
        FixedArrayHeader::size(sizes),
        limits,
        "fixed array header",
    )?;
    let header = FixedArrayHeader::decode(&hbytes, address, sizes)?;
    check_element_size(
        header.client_id,
        header.entry_size,
        sizes,
        address,
        "fixed array header",
    )?;
    if header.entries == 0 || is_undefined(header.data_block_address) {
        return Ok((header, Vec::new()));
    }
    // libhdf5 allocates the data block with all its pages at once, so every
    // entry has its place in the file.
    check_fits(r, &header, limits)?;
    let elements = read_data_block(r, sizes, &header, limits)?;
    Ok((header, elements))
}

/// The entries must fit in the file and the allocation limit.
fn check_fits<R: ReadAt + ?Sized>(r: &R, h: &FixedArrayHeader, limits: &Limits) -> Result<()> {
    let bytes = h.entries.checked_mul(u64::from(h.entry_size));
    let file_len = r.len()?;
    match bytes {
        Some(b) if b <= file_len && b <= limits.max_alloc_bytes => Ok(()),
        _ => Err(Error::malformed(
            h.address,
            format!(
                "fixed array header: {} entries of {} bytes do not fit in the file ({file_len} bytes) or the allocation limit",
                h.entries, h.entry_size
            ),
        )),
    }
}

fn read_data_block<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    header: &FixedArrayHeader,
    limits: &Limits,
) -> Result<Vec<(u64, ChunkElement)>> {
    let what = "fixed array data block";
    let n = header.entries;
    let esize = u64::from(header.entry_size);
    let filtered = header.client_id == 1;
    let page_entries = 1u64 << header.page_bits;
    let pages = if n > page_entries {
        n.div_ceil(page_entries)
    } else {
        0
    };
    let bitmap_len = pages.div_ceil(8);
    let prefix = 4 + 1 + 1 + u64::from(sizes.offset) + bitmap_len;
    let block_len = if pages == 0 {
        prefix + n * esize + 4
    } else {
        prefix + 4
    };
    let addr = header.data_block_address;
    let bytes = read_block(r, addr, block_len, limits, what)?;
    let mut c = Cursor::new(&bytes, addr, what);
    c.signature(DATA_BLOCK_SIGNATURE)?;
    verify(&bytes, addr, what)?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!("expected version 0, found {version}")));
    }
    let client_id = c.u8()?;
    if client_id != header.client_id {
        return Err(c.error(format_args!(
            "expected client ID {} (from the header), found {client_id}",
            header.client_id
        )));
    }
    let header_address = c.address(sizes)?;
    if header_address != header.address {
        return Err(c.error(format_args!(
            "expected header address {}, found {header_address}",
            header.address
        )));
    }
    let mut elements = Vec::new();
    let mut push = |i: u64, e: ChunkElement| {
        if !is_undefined(e.address) {
            elements.push((i, e));
        }
    };
    let esize_usize = usize::from(header.entry_size);
    if pages == 0 {
        for i in 0..n {
            push(i, decode_element(&mut c, sizes, filtered, esize_usize)?);
        }
        return Ok(elements);
    }
    let bitmap = c.bytes(bitmap_len as usize)?;
    let mut page_addr = addr + prefix + 4;
    for page in 0..pages {
        let in_page = page_entries.min(n - page * page_entries);
        let page_len = in_page * esize + 4;
        // Pages are allocated at full size except the last (H5FA__dblock_alloc).
        if page_initialized(bitmap, page) {
            let pbytes = read_block(
                r,
                page_addr,
                page_len,
                limits,
                "fixed array data block page",
            )?;
            verify(&pbytes, page_addr, "fixed array data block page")?;
            let mut pc = Cursor::new(&pbytes, page_addr, "fixed array data block page");
            for k in 0..in_page {
                push(
                    page * page_entries + k,
                    decode_element(&mut pc, sizes, filtered, esize_usize)?,
                );
            }
        }
        page_addr = page_addr.saturating_add(page_entries * esize + 4);
    }
    Ok(elements)
}

/// Bit `i` of a libhdf5 bitmap, most significant bit first (`H5VM_bit_get`).
pub(crate) fn page_initialized(bitmap: &[u8], i: u64) -> bool {
    let byte = usize::try_from(i / 8).ok().and_then(|b| bitmap.get(b));
    byte.is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
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

    fn header(client: u8, entry_size: u8, page_bits: u8, n: u64, dblk: u64) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"FAHD"); // signature
        v.push(0); // version
        v.push(client); // client ID
        v.push(entry_size); // entry size
        v.push(page_bits); // page bits
        v.extend_from_slice(&n.to_le_bytes()); // max number of entries
        v.extend_from_slice(&dblk.to_le_bytes()); // data block address
        with_checksum(v)
    }

    fn place(file: &mut Vec<u8>, at: usize, bytes: &[u8]) {
        if file.len() < at + bytes.len() {
            file.resize(at + bytes.len(), 0);
        }
        file[at..at + bytes.len()].copy_from_slice(bytes);
    }

    #[test]
    fn unpaged_unfiltered() {
        let mut f = Vec::new();
        place(&mut f, 0, &header(0, 8, 10, 3, 100));
        let mut db = Vec::new();
        db.extend_from_slice(b"FADB"); // signature
        db.push(0); // version
        db.push(0); // client ID
        db.extend_from_slice(&0u64.to_le_bytes()); // header address
        for a in [1000u64, u64::MAX, 3000] {
            db.extend_from_slice(&a.to_le_bytes()); // chunk address
        }
        place(&mut f, 100, &with_checksum(db));
        let (h, els) = read_fixed_array(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(h.entries, 3);
        let addrs: Vec<(u64, u64)> = els.iter().map(|(i, e)| (*i, e.address)).collect();
        assert_eq!(addrs, [(0, 1000), (2, 3000)]);

        f[120] ^= 1;
        assert!(read_fixed_array(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("checksum"));
    }

    /// Filtered entries (8 + 3-byte size + 4 = 15 bytes), paged with 2 entries
    /// per page: 5 entries -> 3 pages, page 1 never initialized.
    #[test]
    fn paged_filtered() {
        let mut f = Vec::new();
        place(&mut f, 0, &header(1, 15, 1, 5, 100));
        let mut db = Vec::new();
        db.extend_from_slice(b"FADB"); // signature
        db.push(0); // version
        db.push(1); // client ID
        db.extend_from_slice(&0u64.to_le_bytes()); // header address
        db.push(0b1010_0000); // page bitmap: pages 0 and 2 initialized
        let db = with_checksum(db);
        assert_eq!(db.len(), 19);
        place(&mut f, 100, &db);
        let entry = |addr: u64, size: u32, mask: u32| {
            let mut v = addr.to_le_bytes().to_vec(); // chunk address
            v.extend_from_slice(&size.to_le_bytes()[..3]); // chunk size (3 bytes)
            v.extend_from_slice(&mask.to_le_bytes()); // filter mask
            v
        };
        let page = |es: &[Vec<u8>]| with_checksum(es.concat());
        place(
            &mut f,
            119,
            &page(&[entry(5000, 70, 0), entry(5100, 80, 2)]),
        ); // page 0
           // page 1 at 119 + 34 = 153: left as zeros (not initialized)
        place(&mut f, 187, &page(&[entry(5200, 90, 0)])); // page 2, 1 entry
        let (_, els) = read_fixed_array(&f, S8, 0, &Limits::default()).unwrap();
        let got: Vec<_> = els
            .iter()
            .map(|(i, e)| (*i, e.address, e.filtered_size, e.filter_mask))
            .collect();
        assert_eq!(
            got,
            [
                (0, 5000, Some(70), 0),
                (1, 5100, Some(80), 2),
                (4, 5200, Some(90), 0)
            ]
        );
        // A corrupt page.
        f[190] ^= 1;
        assert!(read_fixed_array(&f, S8, 0, &Limits::default()).is_err());
    }

    #[test]
    fn header_errors() {
        let mut f = header(0, 8, 10, 3, 100);
        f[0] = b'X';
        assert!(read_fixed_array(&f, S8, 0, &Limits::default()).is_err());
        let f = header(2, 8, 10, 3, 100);
        assert_eq!(
            read_fixed_array(&f, S8, 0, &Limits::default())
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        let f = header(0, 9, 10, 3, 100); // wrong entry size for client 0
        assert!(read_fixed_array(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("element size"));
        let f = header(0, 8, 10, u64::MAX / 4, 100); // absurd entry count
        assert!(read_fixed_array(&f, S8, 0, &Limits::default()).is_err());
        let f = header(0, 8, 10, 1 << 60, u64::MAX); // nothing allocated yet
        let (_, els) = read_fixed_array(&f, S8, 0, &Limits::default()).unwrap();
        assert!(els.is_empty());
    }

    #[test]
    fn bitmap_is_msb_first() {
        assert!(page_initialized(&[0x80], 0));
        assert!(!page_initialized(&[0x80], 1));
        assert!(page_initialized(&[0x00, 0x01], 15));
        assert!(!page_initialized(&[0xff], 8));
    }
}
