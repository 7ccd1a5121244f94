//! The data layout message (0x0008, spec IV.A.2.i), versions 1-5.
//!
//! Version 5 (HDF5 2.0, written for filtered chunked datasets) encodes the
//! message exactly like version 4; it differs only inside the fixed array,
//! extensible array and v2 B-tree indexes, whose filtered-chunk size fields
//! are then "size of lengths" wide. The index readers take that width from
//! the entry/record size in the index header, so it is not carried here.

use super::check_count;
use super::shared::{put_address, put_length};
use crate::error::{Error, Result};
use crate::format::chunk_index::ChunkIndex;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// Layout v4 chunk flag bit 0: partial edge chunks are not filtered.
pub const FLAG_DONT_FILTER_PARTIAL_EDGE_CHUNKS: u8 = 0x01;
/// Layout v4 chunk flag bit 1: the single chunk is filtered (its filtered
/// size and filter mask are stored).
pub const FLAG_SINGLE_INDEX_WITH_FILTER: u8 = 0x02;

/// Most dimensions a chunked layout may have: dataspace rank 32 plus the
/// element-size dimension (`H5O_LAYOUT_NDIMS`).
const MAX_LAYOUT_DIMS: u8 = 33;

/// The version written: what libhdf5 writes with libver "earliest" (and VTK).
const VERSION_WRITTEN: u8 = 3;

/// Layout classes.
const CLASS_COMPACT: u8 = 0;
const CLASS_CONTIGUOUS: u8 = 1;
const CLASS_CHUNKED: u8 = 2;
const CLASS_VIRTUAL: u8 = 3;

/// Where and how a dataset's raw data is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Raw data inside the object header.
    Compact {
        /// The raw data.
        data: Vec<u8>,
    },
    /// Raw data in one block of the file.
    Contiguous {
        /// Address of the block ([`UNDEFINED`](crate::format::UNDEFINED)
        /// when not allocated).
        address: u64,
        /// Size of the block; `None` for versions 1 and 2, where the reader
        /// computes it from the dataspace and the element size.
        size: Option<u64>,
    },
    /// Raw data in chunks found through an index.
    Chunked {
        /// Chunk dimensions in elements, one per dataspace dimension (the
        /// stored trailing element-size dimension removed).
        dims: Vec<u64>,
        /// The stored trailing dimension: the element size in bytes.
        element_size: Option<u32>,
        /// The chunk index and its parameters.
        index: ChunkIndex,
        /// Version 4 flags ([`FLAG_DONT_FILTER_PARTIAL_EDGE_CHUNKS`],
        /// [`FLAG_SINGLE_INDEX_WITH_FILTER`]); 0 before version 4.
        flags: u8,
    },
    /// Virtual dataset: mappings stored in the global heap.
    Virtual {
        /// Address of the global heap collection.
        heap_address: u64,
        /// Index of the mapping object in that collection.
        index: u32,
    },
}

impl Layout {
    /// Encodes the message as version 3, what libhdf5 with libver
    /// "earliest" and VTK write: `Compact { data }` (at most 65535 bytes),
    /// `Contiguous { address, size: Some(size) }`, and `Chunked` with a
    /// [`ChunkIndex::BTreeV1`] index, `element_size: Some(..)` and flags 0;
    /// the chunk dimensions are stored as rank + 1 32-bit values, the
    /// element size last.
    ///
    /// # Errors
    ///
    /// [`WrongUse`](crate::ErrorKind::WrongUse) for anything version 3
    /// cannot hold: virtual layouts, other chunk indexes, version 4 flags,
    /// a missing contiguous size or element size, compact data over 65535
    /// bytes, chunk dimensions over 32 bits, or more than 32 of them.
    pub fn encode(&self, sizes: Sizes) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        out.push(VERSION_WRITTEN);
        match self {
            Layout::Compact { data } => {
                let size = u16::try_from(data.len()).map_err(|_| {
                    Error::wrong_use(alloc::format!(
                        "compact layout of {} bytes (at most 65535)",
                        data.len()
                    ))
                })?;
                out.push(CLASS_COMPACT);
                out.extend_from_slice(&size.to_le_bytes());
                out.extend_from_slice(data);
            }
            Layout::Contiguous { address, size } => {
                let size = size.ok_or_else(|| {
                    Error::wrong_use("contiguous layout without a size (version 3 stores it)")
                })?;
                out.push(CLASS_CONTIGUOUS);
                put_address(&mut out, sizes, *address);
                put_length(&mut out, sizes, size);
            }
            Layout::Chunked {
                dims,
                element_size,
                index,
                flags,
            } => {
                let ChunkIndex::BTreeV1 { address } = index else {
                    return Err(Error::wrong_use(alloc::format!(
                        "chunk index {index:?} needs layout version 4 (only a v1 B-tree is written)"
                    )));
                };
                if *flags != 0 {
                    return Err(Error::wrong_use(alloc::format!(
                        "chunked layout flags {flags:#04x} need layout version 4"
                    )));
                }
                let element_size = element_size
                    .ok_or_else(|| Error::wrong_use("chunked layout without an element size"))?;
                let ndims = u8::try_from(dims.len() + 1)
                    .ok()
                    .filter(|&n| n <= MAX_LAYOUT_DIMS)
                    .ok_or_else(|| {
                        Error::wrong_use(alloc::format!(
                            "chunked layout of rank {} (at most {})",
                            dims.len(),
                            MAX_LAYOUT_DIMS - 1
                        ))
                    })?;
                out.push(CLASS_CHUNKED);
                out.push(ndims);
                put_address(&mut out, sizes, *address);
                for &d in dims {
                    let d = u32::try_from(d).map_err(|_| {
                        Error::wrong_use(alloc::format!(
                            "chunk dimension {d} does not fit in 32 bits"
                        ))
                    })?;
                    out.extend_from_slice(&d.to_le_bytes());
                }
                out.extend_from_slice(&element_size.to_le_bytes());
            }
            Layout::Virtual { .. } => {
                return Err(Error::wrong_use(
                    "virtual layout needs layout version 4 (not written)",
                ))
            }
        }
        Ok(out)
    }
}

/// Splits stored chunk dimensions into (dataspace dims, element size).
fn split_element_size(c: &Cursor, mut dims: Vec<u64>) -> Result<(Vec<u64>, Option<u32>)> {
    let last = dims
        .pop()
        .ok_or_else(|| c.error("chunked layout with no dimensions"))?;
    let element_size = u32::try_from(last).map_err(|_| {
        c.error(format_args!(
            "chunked layout element size {last} does not fit in 32 bits"
        ))
    })?;
    Ok((dims, Some(element_size)))
}

fn check_ndims(c: &Cursor, ndims: u8) -> Result<()> {
    if ndims == 0 || ndims > MAX_LAYOUT_DIMS {
        return Err(c.error(format_args!(
            "chunked layout with {ndims} dimensions (expected 1 to {MAX_LAYOUT_DIMS})"
        )));
    }
    Ok(())
}

/// Reads `n` 4-byte dimension sizes.
fn read_u32_dims(c: &mut Cursor, n: u8) -> Result<Vec<u64>> {
    check_count(c, u64::from(n), 4, "layout dimensions")?;
    let mut dims = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        dims.push(u64::from(c.u32()?));
    }
    Ok(dims)
}

/// Decodes a data layout message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Layout> {
    let version = c.u8()?;
    match version {
        1 | 2 => decode_v1_v2(c, sizes),
        3..=5 => decode_v3_to_v5(c, sizes, version),
        other => Err(c.unsupported(format_args!(
            "data layout message version {other} (expected 1 to 5)"
        ))),
    }
}

fn decode_v1_v2(c: &mut Cursor, sizes: Sizes) -> Result<Layout> {
    let ndims = c.u8()?;
    let class = c.u8()?;
    c.skip(5)?; // reserved
    match class {
        CLASS_COMPACT => {
            // Dimensions repeat the dataspace; the reader uses the dataspace.
            check_count(c, u64::from(ndims), 4, "layout dimensions")?;
            c.skip(usize::from(ndims) * 4)?;
            let size = c.u32()?;
            Ok(Layout::Compact {
                data: c.bytes(size as usize)?.to_vec(),
            })
        }
        CLASS_CONTIGUOUS => {
            let address = c.address(sizes)?;
            // The dimensions may be truncated to 32 bits; the reader computes
            // the size from the dataspace instead.
            check_count(c, u64::from(ndims), 4, "layout dimensions")?;
            c.skip(usize::from(ndims) * 4)?;
            Ok(Layout::Contiguous {
                address,
                size: None,
            })
        }
        CLASS_CHUNKED => {
            check_ndims(c, ndims)?;
            let address = c.address(sizes)?;
            let raw_dims = read_u32_dims(c, ndims)?;
            let (dims, element_size) = split_element_size(c, raw_dims)?;
            Ok(Layout::Chunked {
                dims,
                element_size,
                index: ChunkIndex::BTreeV1 { address },
                flags: 0,
            })
        }
        other => Err(c.unsupported(format_args!(
            "layout class {other} in a version 1/2 layout message (expected 0 to 2)"
        ))),
    }
}

fn decode_v3_to_v5(c: &mut Cursor, sizes: Sizes, version: u8) -> Result<Layout> {
    let class = c.u8()?;
    match class {
        CLASS_COMPACT => {
            let size = c.u16()?;
            Ok(Layout::Compact {
                data: c.bytes(usize::from(size))?.to_vec(),
            })
        }
        CLASS_CONTIGUOUS => Ok(Layout::Contiguous {
            address: c.address(sizes)?,
            size: Some(c.length(sizes)?),
        }),
        CLASS_CHUNKED if version == 3 => {
            let ndims = c.u8()?;
            check_ndims(c, ndims)?;
            let address = c.address(sizes)?;
            let raw_dims = read_u32_dims(c, ndims)?;
            let (dims, element_size) = split_element_size(c, raw_dims)?;
            Ok(Layout::Chunked {
                dims,
                element_size,
                index: ChunkIndex::BTreeV1 { address },
                flags: 0,
            })
        }
        CLASS_CHUNKED => decode_v4_v5_chunked(c, sizes),
        CLASS_VIRTUAL if version >= 4 => Ok(Layout::Virtual {
            heap_address: c.address(sizes)?,
            index: c.u32()?,
        }),
        other => Err(c.unsupported(format_args!(
            "layout class {other} in a version {version} layout message"
        ))),
    }
}

fn decode_v4_v5_chunked(c: &mut Cursor, sizes: Sizes) -> Result<Layout> {
    let flags = c.u8()?;
    if flags & !(FLAG_DONT_FILTER_PARTIAL_EDGE_CHUNKS | FLAG_SINGLE_INDEX_WITH_FILTER) != 0 {
        return Err(c.error(format_args!(
            "chunked layout flags {flags:#04x} set reserved bits"
        )));
    }
    let ndims = c.u8()?;
    check_ndims(c, ndims)?;
    let width = c.u8()?;
    if width == 0 || width > 8 {
        return Err(c.error(format_args!(
            "dimension size encoded length {width} (expected 1 to 8)"
        )));
    }
    check_count(c, u64::from(ndims), u64::from(width), "layout dimensions")?;
    let mut raw_dims = Vec::with_capacity(usize::from(ndims));
    for _ in 0..ndims {
        raw_dims.push(c.uint(usize::from(width))?);
    }
    let (dims, element_size) = split_element_size(c, raw_dims)?;
    let index_type = c.u8()?;
    let index = match index_type {
        1 => {
            let (filtered_size, filter_mask) = if flags & FLAG_SINGLE_INDEX_WITH_FILTER != 0 {
                (Some(c.length(sizes)?), c.u32()?)
            } else {
                (None, 0)
            };
            ChunkIndex::SingleChunk {
                address: c.address(sizes)?,
                filtered_size,
                filter_mask,
            }
        }
        2 => ChunkIndex::Implicit {
            address: c.address(sizes)?,
        },
        3 => {
            let page_bits = c.u8()?;
            ChunkIndex::FixedArray {
                address: c.address(sizes)?,
                page_bits,
            }
        }
        4 => {
            let max_bits = c.u8()?;
            let index_elements = c.u8()?;
            let min_pointers = c.u8()?;
            let min_elements = c.u8()?;
            let page_bits = c.u8()?;
            ChunkIndex::ExtensibleArray {
                address: c.address(sizes)?,
                max_bits,
                index_elements,
                min_pointers,
                min_elements,
                page_bits,
            }
        }
        5 => {
            let node_size = c.u32()?;
            let split_percent = c.u8()?;
            let merge_percent = c.u8()?;
            ChunkIndex::BTreeV2 {
                address: c.address(sizes)?,
                node_size,
                split_percent,
                merge_percent,
            }
        }
        other => {
            return Err(c.unsupported(format_args!("chunk index type {other} (expected 1 to 5)")))
        }
    };
    Ok(Layout::Chunked {
        dims,
        element_size,
        index,
        flags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::format::UNDEFINED;
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn layout(bytes: &[u8]) -> Result<Layout> {
        let mut c = Cursor::new(bytes, 0, "layout");
        let l = decode(&mut c, S8)?;
        assert_eq!(c.remaining(), 0, "layout left bytes unread");
        Ok(l)
    }

    #[test]
    fn version_1_contiguous_compact_chunked() {
        let contiguous = [
            1, // version
            2, // ndims
            1, // class: contiguous
            0, 0, 0, 0, 0, // reserved
            0x00, 0x08, 0, 0, 0, 0, 0, 0, // address 0x800
            6, 0, 0, 0, // dim 0
            10, 0, 0, 0, // dim 1
        ];
        assert_eq!(
            layout(&contiguous).unwrap(),
            Layout::Contiguous {
                address: 0x800,
                size: None
            }
        );
        let compact = [
            2, // version
            1, // ndims
            0, // class: compact
            0, 0, 0, 0, 0, // reserved
            3, 0, 0, 0, // dim 0 (no address for compact)
            3, 0, 0, 0, // compact data size 3
            7, 8, 9, // data
        ];
        assert_eq!(
            layout(&compact).unwrap(),
            Layout::Compact {
                data: vec![7, 8, 9]
            }
        );
        let chunked = [
            2, // version
            3, // ndims: rank 2 + element size
            2, // class: chunked
            0, 0, 0, 0, 0, // reserved
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // B-tree: undefined
            3, 0, 0, 0, // chunk dim 0
            5, 0, 0, 0, // chunk dim 1
            4, 0, 0, 0, // element size
        ];
        assert_eq!(
            layout(&chunked).unwrap(),
            Layout::Chunked {
                dims: vec![3, 5],
                element_size: Some(4),
                index: ChunkIndex::BTreeV1 { address: UNDEFINED },
                flags: 0
            }
        );
    }

    #[test]
    fn version_3_classes() {
        // As written by libhdf5 (libver "earliest") for 6x10 int32, chunks 3x5.
        let chunked = [
            3, // version
            2, // class: chunked
            3, // ndims
            0x78, 0x05, 0, 0, 0, 0, 0, 0, // B-tree address 0x578
            3, 0, 0, 0, // chunk dim 0
            5, 0, 0, 0, // chunk dim 1
            4, 0, 0, 0, // element size
        ];
        assert_eq!(
            layout(&chunked).unwrap(),
            Layout::Chunked {
                dims: vec![3, 5],
                element_size: Some(4),
                index: ChunkIndex::BTreeV1 { address: 0x578 },
                flags: 0
            }
        );
        let contiguous = [
            3, // version
            1, // class: contiguous
            0x00, 0x10, 0, 0, 0, 0, 0, 0, // address 0x1000
            0xf0, 0, 0, 0, 0, 0, 0, 0, // size 240
        ];
        assert_eq!(
            layout(&contiguous).unwrap(),
            Layout::Contiguous {
                address: 0x1000,
                size: Some(240)
            }
        );
        let compact = [
            3, // version
            0, // class: compact
            2, 0, // size 2
            0xab, 0xcd, // data
        ];
        assert_eq!(
            layout(&compact).unwrap(),
            Layout::Compact {
                data: vec![0xab, 0xcd]
            }
        );
    }

    #[test]
    fn version_4_extensible_array() {
        // As written by libhdf5 (libver "latest"), maxshape (None, 10).
        let bytes = [
            4, // version
            2, // class: chunked
            0, // flags
            3, // ndims
            1, // dimension size encoded length
            3, 5, 4, // chunk dims 3, 5 and element size 4
            4, // index: extensible array
            0x20, 4, 4, 0x10,
            0x0a, // max bits, index elements, min pointers, min elements, page bits
            0xbf, 0x01, 0, 0, 0, 0, 0, 0, // address 0x1bf
        ];
        assert_eq!(
            layout(&bytes).unwrap(),
            Layout::Chunked {
                dims: vec![3, 5],
                element_size: Some(4),
                index: ChunkIndex::ExtensibleArray {
                    address: 0x1bf,
                    max_bits: 32,
                    index_elements: 4,
                    min_pointers: 4,
                    min_elements: 16,
                    page_bits: 10
                },
                flags: 0
            }
        );
    }

    #[test]
    fn version_5_and_4_single_chunk_filtered_and_not() {
        // As written by libhdf5 2.0 (libver "latest") for one gzip chunk of
        // 6x10 int32: version 5, encoded like version 4.
        let filtered = [
            5, // version
            2, // class: chunked
            2, // flags: single index with filter
            3, // ndims
            1, // dimension size encoded length
            6, 10, 4, // chunk dims 6, 10, element size 4
            1, // index: single chunk
            0x5f, 0, 0, 0, 0, 0, 0, 0, // filtered size 95
            0, 0, 0, 0, // filter mask
            0xf0, 0x08, 0, 0, 0, 0, 0, 0, // address 0x8f0
        ];
        assert_eq!(
            layout(&filtered).unwrap(),
            Layout::Chunked {
                dims: vec![6, 10],
                element_size: Some(4),
                index: ChunkIndex::SingleChunk {
                    address: 0x8f0,
                    filtered_size: Some(95),
                    filter_mask: 0
                },
                flags: FLAG_SINGLE_INDEX_WITH_FILTER
            }
        );
        let plain = [
            4, // version
            2, // class: chunked
            0, // flags
            2, // ndims
            2, // dimension size encoded length
            0x00, 0x01, 8, 0, // chunk dim 256, element size 8
            1, // index: single chunk
            0x00, 0x20, 0, 0, 0, 0, 0, 0, // address 0x2000
        ];
        assert_eq!(
            layout(&plain).unwrap(),
            Layout::Chunked {
                dims: vec![256],
                element_size: Some(8),
                index: ChunkIndex::SingleChunk {
                    address: 0x2000,
                    filtered_size: None,
                    filter_mask: 0
                },
                flags: 0
            }
        );
    }

    #[test]
    fn version_4_other_indexes_and_virtual() {
        let implicit = [
            4, 2, 1, 2, 1, // v4, chunked, flags 1, ndims 2, width 1
            4, 1, // chunk dim 4, element size 1
            2, // index: implicit
            0x00, 0x30, 0, 0, 0, 0, 0, 0, // address
        ];
        assert_eq!(
            layout(&implicit).unwrap(),
            Layout::Chunked {
                dims: vec![4],
                element_size: Some(1),
                index: ChunkIndex::Implicit { address: 0x3000 },
                flags: FLAG_DONT_FILTER_PARTIAL_EDGE_CHUNKS
            }
        );
        let fixed = [
            4, 2, 0, 2, 1, // v4, chunked, flags 0, ndims 2, width 1
            4, 1,  // chunk dim 4, element size 1
            3,  // index: fixed array
            10, // page bits
            0x00, 0x30, 0, 0, 0, 0, 0, 0, // address
        ];
        assert!(matches!(
            layout(&fixed).unwrap(),
            Layout::Chunked {
                index: ChunkIndex::FixedArray {
                    address: 0x3000,
                    page_bits: 10
                },
                ..
            }
        ));
        let btree = [
            4, 2, 0, 2, 1, // v4, chunked, flags 0, ndims 2, width 1
            4, 1, // chunk dim 4, element size 1
            5, // index: v2 B-tree
            0x00, 0x02, 0, 0, // node size 512
            100, 40, // split, merge percent
            0x00, 0x30, 0, 0, 0, 0, 0, 0, // address
        ];
        assert!(matches!(
            layout(&btree).unwrap(),
            Layout::Chunked {
                index: ChunkIndex::BTreeV2 {
                    address: 0x3000,
                    node_size: 512,
                    split_percent: 100,
                    merge_percent: 40
                },
                ..
            }
        ));
        let virt = [
            4, // version
            3, // class: virtual
            0x00, 0x40, 0, 0, 0, 0, 0, 0, // global heap collection
            1, 0, 0, 0, // index 1
        ];
        assert_eq!(
            layout(&virt).unwrap(),
            Layout::Virtual {
                heap_address: 0x4000,
                index: 1
            }
        );
    }

    fn round_trip(l: &Layout) {
        let bytes = l.encode(S8).unwrap();
        assert_eq!(&layout(&bytes).unwrap(), l);
    }

    #[test]
    fn encode_matches_vtk() {
        // /work/shared/corpus/vtkhdf/vtk/temporal_ug.vtkhdf (VTK 9.7.2),
        // dataset /VTKHDF/Points: chunks of 1x3 f64.
        let chunked = [
            3, // version
            2, // class: chunked
            3, // ndims: rank 2 + element size
            0x50, 0x5b, 0, 0, 0, 0, 0, 0, // B-tree address 0x5b50
            1, 0, 0, 0, // chunk dim 0
            3, 0, 0, 0, // chunk dim 1
            8, 0, 0, 0, // element size
        ];
        let l = Layout::Chunked {
            dims: vec![1, 3],
            element_size: Some(8),
            index: ChunkIndex::BTreeV1 { address: 0x5b50 },
            flags: 0,
        };
        assert_eq!(l.encode(S8).unwrap(), chunked);
        // image2d.vtkhdf, dataset /VTKHDF/PointData/pd: contiguous 4x5 f64.
        let contiguous = [
            3, // version
            1, // class: contiguous
            0x80, 0x0c, 0, 0, 0, 0, 0, 0, // address 0xc80
            0xa0, 0, 0, 0, 0, 0, 0, 0, // size 160
        ];
        let l = Layout::Contiguous {
            address: 0xc80,
            size: Some(160),
        };
        assert_eq!(l.encode(S8).unwrap(), contiguous);
    }

    #[test]
    fn encode_compact_as_h5py_earliest() {
        // tests/golden/files/layouts_earliest.h5: a compact dataset of
        // three int16 nines.
        let compact = [
            3, // version
            0, // class: compact
            6, 0, // size 6
            9, 0, 9, 0, 9, 0, // data
        ];
        let l = Layout::Compact {
            data: vec![9, 0, 9, 0, 9, 0],
        };
        assert_eq!(l.encode(S8).unwrap(), compact);
    }

    #[test]
    fn encode_round_trips() {
        round_trip(&Layout::Compact { data: vec![] });
        round_trip(&Layout::Contiguous {
            address: UNDEFINED,
            size: Some(0),
        });
        round_trip(&Layout::Chunked {
            dims: vec![u64::from(u32::MAX); 32],
            element_size: Some(u32::MAX),
            index: ChunkIndex::BTreeV1 { address: UNDEFINED },
            flags: 0,
        });
        let sizes4 = Sizes {
            offset: 4,
            length: 4,
        };
        let l = Layout::Contiguous {
            address: 0x800,
            size: Some(240),
        };
        let bytes = l.encode(sizes4).unwrap();
        assert_eq!(bytes.len(), 10);
        assert_eq!(
            decode(&mut Cursor::new(&bytes, 0, "layout"), sizes4).unwrap(),
            l
        );
    }

    #[test]
    fn encode_errors() {
        let wrong = |l: Layout| {
            assert_eq!(
                l.encode(S8).unwrap_err().kind(),
                ErrorKind::WrongUse,
                "{l:?}"
            );
        };
        wrong(Layout::Compact {
            data: vec![0; 65536],
        });
        wrong(Layout::Contiguous {
            address: 0,
            size: None,
        });
        let chunked = |dims: Vec<u64>, element_size, index, flags| Layout::Chunked {
            dims,
            element_size,
            index,
            flags,
        };
        let btree = ChunkIndex::BTreeV1 { address: 0 };
        wrong(chunked(vec![1], None, btree.clone(), 0));
        wrong(chunked(vec![1], Some(4), btree.clone(), 1));
        wrong(chunked(vec![1 << 32], Some(4), btree.clone(), 0));
        wrong(chunked(vec![1; 33], Some(4), btree, 0));
        wrong(chunked(
            vec![1],
            Some(4),
            ChunkIndex::Implicit { address: 0 },
            0,
        ));
        wrong(Layout::Virtual {
            heap_address: 0,
            index: 0,
        });
    }

    #[test]
    fn errors() {
        // Versions 0 and 6.
        assert_eq!(layout(&[0, 1]).unwrap_err().kind(), ErrorKind::Unsupported);
        assert_eq!(layout(&[6, 1]).unwrap_err().kind(), ErrorKind::Unsupported);
        // Unknown class.
        assert_eq!(layout(&[3, 4]).unwrap_err().kind(), ErrorKind::Unsupported);
        // Virtual in version 3.
        assert!(layout(&[3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        // Chunked with 0 dimensions.
        assert!(layout(&[3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        // Chunked with 200 dimensions and few bytes.
        let e = layout(&[4, 2, 0, 200, 1, 1, 2, 3]).unwrap_err();
        assert!(e.message().contains("200"), "{}", e.message());
        // Dimensions past the end.
        assert!(layout(&[4, 2, 0, 3, 8, 1, 0, 0, 0, 0, 0, 0, 0]).is_err());
        // Bad encoded length, reserved flags, unknown index type.
        assert!(layout(&[4, 2, 0, 2, 9, 0]).is_err());
        assert!(layout(&[4, 2, 4, 2, 1, 1, 1, 1]).is_err());
        assert_eq!(
            layout(&[4, 2, 0, 2, 1, 1, 1, 6]).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        // Element size over 32 bits.
        assert!(
            layout(&[4, 2, 0, 2, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]).is_err()
        );
        // Compact data shorter than its size.
        assert!(layout(&[3, 0, 4, 0, 1, 2]).is_err());
    }
}
