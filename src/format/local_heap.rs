//! Local heap (`HEAP`): the names of an old-style group's links.
//!
//! Spec III.D "Disk Format: Level 1D - Local Heaps". The heap header points to
//! one contiguous data segment; symbol table entries and type-0 B-tree keys
//! hold offsets of NUL-terminated names inside that segment.

use crate::error::{Error, Result};
use crate::format::message::shared::{put_address, put_length};
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

/// Signature of a local heap header.
pub const SIGNATURE: &[u8; 4] = b"HEAP";
/// Local heap version (the only one defined).
const VERSION: u8 = 0;
/// Objects in the data segment start at multiples of this.
const ALIGN: u64 = 8;
/// "No free block", both as the header's free list head and as the last free
/// block's "next" offset: libhdf5 writes 1 (`H5HL_FREE_NULL`, never a real
/// offset since blocks are 8-aligned) and rejects any other value that is
/// not inside the data segment ("bad heap free list"), all ones included.
const FREE_LIST_END: u64 = 1;

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
        if version != VERSION {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        c.skip(3)?;
        let data_size = c.length(sizes)?;
        let free_list_raw = c.length(sizes)?;
        let free_list_offset =
            if free_list_raw == FREE_LIST_END || is_all_ones(free_list_raw, sizes.length) {
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

/// Size of a local heap header for `sizes` (32 bytes for 8-byte sizes); the
/// data segment is a separate block.
pub fn encoded_len(sizes: Sizes) -> u64 {
    LocalHeap::header_size(sizes)
}

/// Encodes a local heap header. `free_list_offset` is the offset of the first
/// free block in the data segment, or [`UNDEFINED`](crate::format::UNDEFINED)
/// when there is none, written as libhdf5 requires: 1, not all ones.
pub fn encode(
    sizes: Sizes,
    data_segment_size: u64,
    free_list_offset: u64,
    data_segment_address: u64,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_len(sizes) as usize);
    out.extend_from_slice(SIGNATURE);
    out.push(VERSION);
    out.extend_from_slice(&[0; 3]); // reserved
    put_length(&mut out, sizes, data_segment_size);
    let free_list_offset = if free_list_offset == crate::format::UNDEFINED {
        FREE_LIST_END
    } else {
        free_list_offset
    };
    put_length(&mut out, sizes, free_list_offset);
    put_address(&mut out, sizes, data_segment_address);
    out
}

/// Builds the data segment of a group's local heap the way libhdf5 fills it:
/// the empty string at offset 0, then each name NUL-terminated and padded to
/// a multiple of 8 bytes, then free space recorded as one free block.
///
/// ```
/// use vtkhdf::format::local_heap::LocalHeapBuilder;
/// let mut heap = LocalHeapBuilder::new();
/// assert_eq!(heap.add(b"child"), 8);
/// assert_eq!(heap.add(b"other"), 16);
/// let data = heap.finish();
/// assert_eq!(data.len(), 88); // libhdf5's size for a new group's heap
/// assert_eq!(heap.free_list_offset(), 24);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalHeapBuilder {
    sizes: Sizes,
    data: Vec<u8>,
    min_size: u64,
}

impl Default for LocalHeapBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalHeapBuilder {
    /// A builder for 8-byte sizes holding only the empty string at offset 0.
    pub fn new() -> LocalHeapBuilder {
        Self::with_sizes(Sizes::default())
    }

    /// A builder for `sizes` (the free block's fields are lengths).
    pub fn with_sizes(sizes: Sizes) -> LocalHeapBuilder {
        LocalHeapBuilder {
            sizes,
            // "" at offset 0, padded to the alignment.
            data: alloc::vec![0; ALIGN as usize],
            min_size: Self::default_min_size(sizes),
        }
    }

    /// The data segment size libhdf5 gives a new group's heap: the empty
    /// string, a free block header, and room for 4 names of up to 15 bytes
    /// (88 bytes for 8-byte sizes).
    pub fn default_min_size(sizes: Sizes) -> u64 {
        ALIGN + free_block_len(sizes) + 4 * 16
    }

    /// Sets the smallest data segment [`finish`](Self::finish) produces
    /// (rounded up to a multiple of 8); extra room is recorded as free space
    /// that a later writer (libhdf5 in read-write mode) can fill.
    pub fn min_size(&mut self, min_size: u64) -> &mut Self {
        self.min_size = min_size.next_multiple_of(ALIGN);
        self
    }

    /// Appends `name` (without a NUL; it must not contain one) and returns
    /// its offset in the data segment.
    pub fn add(&mut self, name: &[u8]) -> u64 {
        debug_assert!(!name.contains(&0), "local heap names cannot hold NUL");
        let offset = self.data.len() as u64;
        self.data.extend_from_slice(name);
        self.data.push(0);
        let padded = self.data.len().next_multiple_of(ALIGN as usize);
        self.data.resize(padded, 0);
        offset
    }

    /// Bytes used by the strings so far.
    pub fn used_len(&self) -> u64 {
        self.data.len() as u64
    }

    /// Size of the data segment [`finish`](Self::finish) returns: the
    /// strings, or the minimum size when that is larger.
    pub fn segment_len(&self) -> u64 {
        self.used_len().max(self.min_size)
    }

    /// Offset of the free block at the end of the data segment, or
    /// [`UNDEFINED`](crate::format::UNDEFINED) when the room left is too
    /// small for a free block (libhdf5 then keeps no free list either);
    /// pass it to [`encode`].
    pub fn free_list_offset(&self) -> u64 {
        let free = self.segment_len() - self.used_len();
        if free >= free_block_len(self.sizes) {
            self.used_len()
        } else {
            crate::format::UNDEFINED
        }
    }

    /// The data segment: the strings, then the free space, whose first bytes
    /// are a free block (next = 1 meaning "last", size) when it is large enough.
    pub fn finish(&self) -> Vec<u8> {
        let len = self.segment_len() as usize;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&self.data);
        let free_offset = self.free_list_offset();
        if free_offset != crate::format::UNDEFINED {
            put_length(&mut out, self.sizes, FREE_LIST_END);
            put_length(&mut out, self.sizes, self.segment_len() - free_offset);
        }
        out.resize(len, 0);
        out
    }

    /// The heap header for this data segment placed at `data_segment_address`.
    pub fn encode_header(&self, data_segment_address: u64) -> Vec<u8> {
        encode(
            self.sizes,
            self.segment_len(),
            self.free_list_offset(),
            data_segment_address,
        )
    }
}

/// Size of a free block's header: next free block offset and block size.
fn free_block_len(sizes: Sizes) -> u64 {
    2 * u64::from(sizes.length)
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

    /// The root group's heap libhdf5 2.0 wrote at 0x2a8 (h5py, libver
    /// "earliest", one child group "child"): header, then the data segment.
    const LIBHDF5_HEAP: [u8; 32 + 88] = {
        let mut b = [0u8; 120];
        let head: [u8; 32] = [
            b'H', b'E', b'A', b'P', 0, 0, 0, 0, // signature, version 0, reserved
            88, 0, 0, 0, 0, 0, 0, 0, // data segment size
            16, 0, 0, 0, 0, 0, 0, 0, // first free block at 16
            0xc8, 0x02, 0, 0, 0, 0, 0, 0, // data segment at 0x2c8
        ];
        let data: [u8; 32] = [
            0, 0, 0, 0, 0, 0, 0, 0, // "" at 0, padded
            b'c', b'h', b'i', b'l', b'd', 0, 0, 0, // "child" at 8
            1, 0, 0, 0, 0, 0, 0, 0, // free block: next = 1 (last)
            72, 0, 0, 0, 0, 0, 0, 0, // free block size, up to the end
        ];
        let mut i = 0;
        while i < 32 {
            b[i] = head[i];
            b[32 + i] = data[i];
            i += 1;
        }
        b // the remaining 56 bytes of free space are zeros
    };

    #[test]
    fn builder_matches_libhdf5() {
        let mut heap = LocalHeapBuilder::new();
        assert_eq!(heap.add(b"child"), 8);
        let mut got = heap.encode_header(0x2c8);
        got.extend_from_slice(&heap.finish());
        assert_eq!(got, LIBHDF5_HEAP);
        assert_eq!(encoded_len(S8), 32);
        // An empty group's heap: "" and one free block of 80 bytes.
        let empty = LocalHeapBuilder::new();
        let data = empty.finish();
        assert_eq!(data.len(), 88);
        assert_eq!(empty.free_list_offset(), 8);
        assert_eq!(
            data[8..24],
            [1, 0, 0, 0, 0, 0, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn encode_round_trips() {
        let mut heap = LocalHeapBuilder::new();
        let names: [&[u8]; 4] = [b"a", b"exactly8", b"a longer name of 27 letters", b""];
        let offsets: Vec<u64> = names.iter().map(|n| heap.add(n)).collect();
        assert_eq!(offsets, [8, 16, 32, 64]);
        let data = heap.finish();
        let mut f = heap.encode_header(40);
        f.resize(40, 0);
        f.extend_from_slice(&data);
        let (got, seg) = read_local_heap(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(got.data_address, 40);
        assert_eq!(got.data_size, 88);
        assert_eq!(got.free_list_offset, 72);
        for (name, off) in names.iter().zip(&offsets) {
            assert_eq!(string_at(&seg, *off).unwrap(), *name);
        }
        assert_eq!(string_at(&seg, 0).unwrap(), b"");
    }

    #[test]
    fn full_heap_has_no_free_list() {
        let mut heap = LocalHeapBuilder::new();
        for i in 0..11u8 {
            heap.add(&[b'a' + i; 7]); // 8 bytes each
        }
        // 8 + 88 bytes used: more than the default minimum, nothing free.
        assert_eq!(heap.segment_len(), 96);
        assert_eq!(heap.free_list_offset(), crate::format::UNDEFINED);
        let f = encode(S8, 96, heap.free_list_offset(), 32);
        // "No free block" is 1 for libhdf5, which rejects all ones.
        assert_eq!(f[16..24], [1, 0, 0, 0, 0, 0, 0, 0]);
        let mut file = f.clone();
        file.extend_from_slice(&heap.finish());
        let (h, seg) = read_local_heap(&file, S8, 0, &Limits::default()).unwrap();
        assert_eq!(h.free_list_offset, crate::format::UNDEFINED);
        assert_eq!(string_at(&seg, 88).unwrap(), b"kkkkkkk");
        // Less than a free block's header left: no free list either.
        let mut heap = LocalHeapBuilder::new();
        heap.min_size(24);
        heap.add(b"x");
        assert_eq!(heap.segment_len(), 24);
        assert_eq!(heap.free_list_offset(), crate::format::UNDEFINED);
        heap.min_size(32);
        assert_eq!(heap.free_list_offset(), 16);
        assert_eq!(
            heap.finish()[16..],
            [1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn small_sizes_round_trip() {
        let s4 = Sizes {
            offset: 4,
            length: 4,
        };
        let mut heap = LocalHeapBuilder::with_sizes(s4);
        let off = heap.add(b"name");
        assert_eq!(heap.segment_len(), 80);
        let mut f = heap.encode_header(20);
        assert_eq!(f.len() as u64, encoded_len(s4));
        f.resize(20, 0);
        f.extend_from_slice(&heap.finish());
        let (h, seg) = read_local_heap(&f, s4, 0, &Limits::default()).unwrap();
        assert_eq!(h.free_list_offset, 16);
        assert_eq!(string_at(&seg, off).unwrap(), b"name");
        // No free list: 1 on disk, UNDEFINED decoded; all ones (as other
        // writers may put it) decodes the same.
        let mut hdr = encode(s4, 16, crate::format::UNDEFINED, 20);
        assert_eq!(hdr[12..16], [1, 0, 0, 0]);
        assert_eq!(
            LocalHeap::decode(&hdr, 0, s4).unwrap().free_list_offset,
            crate::format::UNDEFINED
        );
        hdr[12..16].copy_from_slice(&[0xff; 4]);
        assert_eq!(
            LocalHeap::decode(&hdr, 0, s4).unwrap().free_list_offset,
            crate::format::UNDEFINED
        );
    }
}
