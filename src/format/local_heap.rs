//! Local heap (`HEAP`): the names of an old-style group's links.
//!
//! Spec III.D "Disk Format: Level 1D - Local Heaps". The heap header points to
//! one contiguous data segment; symbol table entries and type-0 B-tree keys
//! hold offsets of NUL-terminated names inside that segment.

use crate::error::{Error, Result};
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

/// Signature of a local heap header.
pub const SIGNATURE: &[u8; 4] = b"HEAP";

/// The decoded local heap header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHeap {
    /// File address of the data segment.
    pub data_address: u64,
    /// Size of the data segment in bytes.
    pub data_size: u64,
    /// Offset of the first free block in the data segment, or
    /// [`UNDEFINED`](crate::format::UNDEFINED) when there is none.
    pub free_list_offset: u64,
}

impl LocalHeap {
    /// Size in bytes of the header for `sizes`.
    pub fn header_size(sizes: Sizes) -> u64 {
        // signature + version + 3 reserved + data size + free list + address
        8 + 2 * u64::from(sizes.length) + u64::from(sizes.offset)
    }

    /// Decodes a header from `bytes`, which start at file offset `base`.
    pub fn decode(bytes: &[u8], base: u64, sizes: Sizes) -> Result<LocalHeap> {
        let mut c = Cursor::new(bytes, base, "local heap");
        c.signature(SIGNATURE)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        c.skip(3)?;
        let data_size = c.length(sizes)?;
        let free_list_raw = c.length(sizes)?;
        let free_list_offset = if is_all_ones(free_list_raw, sizes.length) {
            crate::format::UNDEFINED
        } else {
            free_list_raw
        };
        let data_address = c.address(sizes)?;
        Ok(LocalHeap {
            data_address,
            data_size,
            free_list_offset,
        })
    }
}

fn is_all_ones(v: u64, width: u8) -> bool {
    match width {
        0 => false,
        8.. => v == u64::MAX,
        w => v == (1u64 << (8 * u32::from(w))) - 1,
    }
}

/// Reads the local heap header at `address` and its data segment.
pub fn read_local_heap<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<(LocalHeap, Vec<u8>)> {
    let header_bytes = read_block(
        r,
        address,
        LocalHeap::header_size(sizes),
        limits,
        "local heap",
    )?;
    let heap = LocalHeap::decode(&header_bytes, address, sizes)?;
    if heap.data_size == 0 {
        return Ok((heap, Vec::new()));
    }
    if is_undefined(heap.data_address) {
        return Err(Error::malformed(
            address,
            format!(
                "local heap: data segment of {} bytes has an undefined address",
                heap.data_size
            ),
        ));
    }
    let data = read_block(
        r,
        heap.data_address,
        heap.data_size,
        limits,
        "local heap data segment",
    )?;
    Ok((heap, data))
}

/// The NUL-terminated string at `offset` in a heap data segment, without the NUL.
pub fn string_at(data: &[u8], offset: u64) -> Result<&[u8]> {
    let start = usize::try_from(offset)
        .ok()
        .filter(|&s| s < data.len())
        .ok_or_else(|| {
            Error::malformed(
                offset,
                format!(
                    "local heap: name offset {offset} is outside the data segment ({} bytes)",
                    data.len()
                ),
            )
        })?;
    let rest = data.get(start..).unwrap_or(&[]);
    match rest.iter().position(|&b| b == 0) {
        Some(n) => Ok(rest.get(..n).unwrap_or(&[])),
        None => Err(Error::malformed(
            offset,
            format!("local heap: name at offset {offset} has no terminating NUL"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    /// A file with a local heap header at 0 and its 16-byte data segment at 40.
    fn file() -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(b"HEAP"); // signature
        f.push(0); // version
        f.extend_from_slice(&[0, 0, 0]); // reserved
        f.extend_from_slice(&16u64.to_le_bytes()); // data segment size
        f.extend_from_slice(&u64::MAX.to_le_bytes()); // free list: none
        f.extend_from_slice(&40u64.to_le_bytes()); // data segment address
        assert_eq!(f.len(), 32);
        f.extend_from_slice(&[0; 8]); // padding up to 40
        f.extend_from_slice(b"\0abc\0defgh\0\0\0\0\0\0"); // "", "abc", "defgh"
        f
    }

    #[test]
    fn reads_header_and_names() {
        let f = file();
        let (heap, data) = read_local_heap(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(heap.data_address, 40);
        assert_eq!(heap.data_size, 16);
        assert_eq!(heap.free_list_offset, crate::format::UNDEFINED);
        assert_eq!(string_at(&data, 0).unwrap(), b"");
        assert_eq!(string_at(&data, 1).unwrap(), b"abc");
        assert_eq!(string_at(&data, 5).unwrap(), b"defgh");
    }

    #[test]
    fn string_errors() {
        let data = b"abc";
        assert!(string_at(data, 0).unwrap_err().message().contains("NUL"));
        assert!(string_at(data, 3)
            .unwrap_err()
            .message()
            .contains("outside"));
        assert!(string_at(data, u64::MAX).is_err());
    }

    #[test]
    fn bad_signature_version_and_truncation() {
        let mut f = file();
        f[0] = b'X';
        let e = read_local_heap(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("HEAP"));

        let mut f = file();
        f[4] = 1; // version
        let e = read_local_heap(&f, S8, 0, &Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);

        let mut f = file();
        f[8] = 100; // data segment runs past the end of the file
        let e = read_local_heap(&f, S8, 0, &Limits::default()).unwrap_err();
        assert_eq!(e.offset(), Some(40));

        let f = vec![b'H', b'E', b'A', b'P', 0];
        assert!(read_local_heap(&f, S8, 0, &Limits::default()).is_err());
    }

    #[test]
    fn respects_allocation_limit() {
        let f = file();
        let limits = Limits {
            max_alloc_bytes: 8,
            ..Limits::default()
        };
        let e = read_local_heap(&f, S8, 0, &limits).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    }
}
