//! Chunk indexes: how a chunked dataset finds its chunks.
//!
//! Layout message v3 always uses a v1 B-tree (type 1); v4 adds single chunk,
//! implicit, fixed array, extensible array and v2 B-tree (types 10/11).

/// Which index a chunked layout uses, with its parameters from the layout message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkIndex {
    /// Layout v1-v3: a v1 B-tree of node type 1.
    BTreeV1 {
        /// Address of the root node.
        address: u64,
    },
    /// One chunk that covers the whole dataset.
    SingleChunk {
        /// Address of the chunk.
        address: u64,
        /// Size after filters, when the dataset is filtered.
        filtered_size: Option<u64>,
        /// Filter mask, when the dataset is filtered.
        filter_mask: u32,
    },
    /// Chunks stored in order at one address, never filtered.
    Implicit {
        /// Address of the first chunk.
        address: u64,
    },
    /// Fixed array (`FAHD`), for datasets with fixed maximum dimensions.
    FixedArray {
        /// Address of the header.
        address: u64,
        /// log2 of the number of entries per data block page.
        page_bits: u8,
    },
    /// Extensible array (`EAHD`), for one unlimited dimension.
    ExtensibleArray {
        /// Address of the header.
        address: u64,
        /// Bits needed to store the maximum number of elements.
        max_bits: u8,
        /// Elements stored in the index block.
        index_elements: u8,
        /// Minimum number of data block pointers in a secondary block.
        min_pointers: u8,
        /// Minimum number of elements in a data block.
        min_elements: u8,
        /// log2 of the number of elements per data block page.
        page_bits: u8,
    },
    /// v2 B-tree (records of type 10, or 11 when filtered).
    BTreeV2 {
        /// Address of the header.
        address: u64,
        /// Node size in bytes.
        node_size: u32,
        /// Split percent.
        split_percent: u8,
        /// Merge percent.
        merge_percent: u8,
    },
}

/// One stored chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Element coordinates of the chunk's first element, one per dataset dimension.
    pub offsets: alloc::vec::Vec<u64>,
    /// File address of the stored chunk.
    pub address: u64,
    /// Stored size in bytes (after filters).
    pub size: u64,
    /// Bit `i` set: filter `i` of the pipeline was not applied to this chunk.
    pub filter_mask: u32,
}

use crate::error::{Error, Result};
use crate::format::btree_v1::read_chunk_btree;
use crate::format::btree_v2::read_btree_v2;
use crate::format::extensible_array::read_extensible_array;
use crate::format::fixed_array::read_fixed_array;
use crate::format::{is_undefined, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::format;
use alloc::vec::Vec;

/// "Unlimited" in a maximum dimension.
pub const UNLIMITED: u64 = u64::MAX;

/// One element of a fixed or extensible array chunk index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkElement {
    /// Address of the chunk, undefined when the chunk was never written.
    pub address: u64,
    /// Stored size, for filtered chunks.
    pub filtered_size: Option<u64>,
    /// Filter mask, for filtered chunks (0 otherwise).
    pub filter_mask: u32,
}

/// Width in bytes of the stored chunk size of filtered chunks in layout v4
/// indexes (v2 B-tree type 11, fixed and extensible arrays): one more byte
/// than `chunk_size_bytes` needs, at most 8.
pub fn chunk_size_width(chunk_size_bytes: u64) -> usize {
    let log2 = 63usize.saturating_sub(chunk_size_bytes.leading_zeros() as usize);
    (1 + (log2 + 8) / 8).min(8)
}

/// The chunk grid: chunks per dimension covering `extent`, checked.
fn grid(extent: &[u64], chunk_dims: &[u64]) -> Result<Vec<u64>> {
    extent
        .iter()
        .zip(chunk_dims)
        .map(|(&e, &c)| {
            if c == 0 {
                return Err(Error::malformed(
                    0,
                    "chunked layout: a chunk dimension is 0",
                ));
            }
            Ok(e.div_ceil(c))
        })
        .collect()
}

/// Product of `dims`, or an error when it overflows.
fn product(dims: &[u64], what: &str) -> Result<u64> {
    dims.iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::malformed(0, format!("{what}: number of chunks overflows")))
}

/// Chunk grid coordinates of linear index `i` in row-major order over `grid`.
fn unlinearize(mut i: u64, grid: &[u64], out: &mut [u64]) {
    for (d, o) in grid.iter().zip(out.iter_mut()).rev() {
        if *d == 0 {
            *o = 0;
            continue;
        }
        *o = i % d;
        i /= d;
    }
}

/// Element offsets of the chunk at grid coordinates `scaled`, or `None` when
/// it lies outside `dims` (holds no element of the current extent).
fn element_offsets(scaled: &[u64], chunk_dims: &[u64], dims: &[u64]) -> Option<Vec<u64>> {
    scaled
        .iter()
        .zip(chunk_dims)
        .zip(dims)
        .map(|((&s, &c), &d)| s.checked_mul(c).filter(|&o| o < d))
        .collect()
}

/// Every stored chunk of a chunked dataset, with element-coordinate offsets.
///
/// - `dataset_dims`: current dimensions; `max_dims`: maximum dimensions
///   ([`UNLIMITED`] for unlimited; pass `dataset_dims` when the dataspace has
///   none); `chunk_dims`: chunk dimensions without the element-size dimension.
/// - `chunk_size_bytes`: bytes of one full unfiltered chunk; `filtered`: the
///   dataset has a filter pipeline.
///
/// Chunks never written (undefined address) are left out. For the implicit,
/// fixed array and extensible array indexes, which address chunks by position,
/// chunks that lie entirely outside `dataset_dims` are left out too.
///
/// Index positions follow libhdf5 (`H5Dnone.c`, `H5Dfarray.c`, `H5Dearray.c`):
/// the implicit index and the fixed array number chunks row-major over the
/// grid of the *maximum* dimensions; the extensible array does the same after
/// moving the unlimited dimension to the front (slowest varying).
#[allow(clippy::too_many_arguments)]
pub fn read_chunk_records<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    index: &ChunkIndex,
    dataset_dims: &[u64],
    max_dims: &[u64],
    chunk_dims: &[u64],
    chunk_size_bytes: u64,
    filtered: bool,
    limits: &Limits,
) -> Result<Vec<ChunkRecord>> {
    let rank = dataset_dims.len();
    if max_dims.len() != rank || chunk_dims.len() != rank {
        return Err(Error::wrong_use(format!(
            "chunk index: {rank} dataset dimensions, {} maximum dimensions and {} chunk dimensions",
            max_dims.len(),
            chunk_dims.len()
        )));
    }
    // The fixed grid: maximum dimensions, or current ones where unlimited.
    let fixed_extent: Vec<u64> = max_dims
        .iter()
        .zip(dataset_dims)
        .map(|(&m, &d)| if m == UNLIMITED { d } else { m })
        .collect();
    match *index {
        ChunkIndex::BTreeV1 { address } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            read_chunk_btree(r, sizes, address, rank, limits)
        }
        ChunkIndex::SingleChunk {
            address,
            filtered_size,
            filter_mask,
        } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            Ok(alloc::vec![ChunkRecord {
                offsets: alloc::vec![0; rank],
                address,
                size: filtered_size.unwrap_or(chunk_size_bytes),
                filter_mask,
            }])
        }
        ChunkIndex::Implicit { address } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            if chunk_size_bytes == 0 {
                return Err(Error::malformed(
                    address,
                    "implicit chunk index: chunk size is 0 bytes",
                ));
            }
            let max_grid = grid(&fixed_extent, chunk_dims)?;
            let count = product(&max_grid, "implicit chunk index")?;
            let end = count
                .checked_mul(chunk_size_bytes)
                .and_then(|b| b.checked_add(address));
            let file_len = r.len()?;
            if end.is_none_or(|e| e > file_len) {
                return Err(Error::malformed(
                    address,
                    format!(
                        "implicit chunk index: {count} chunks of {chunk_size_bytes} bytes at {address} run past the end of the file ({file_len} bytes)"
                    ),
                ));
            }
            let elements = (0..count).map(|i| {
                let e = ChunkElement {
                    address: address + i * chunk_size_bytes,
                    filtered_size: None,
                    filter_mask: 0,
                };
                (i, e)
            });
            by_position(
                elements,
                &max_grid,
                None,
                chunk_dims,
                dataset_dims,
                chunk_size_bytes,
            )
        }
        ChunkIndex::FixedArray { address, .. } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            let max_grid = grid(&fixed_extent, chunk_dims)?;
            let count = product(&max_grid, "fixed array chunk index")?;
            let (header, elements) = read_fixed_array(r, sizes, address, limits)?;
            check_client(header.client_id, filtered, address, "fixed array")?;
            if header.entries != count {
                return Err(Error::malformed(
                    address,
                    format!(
                        "fixed array chunk index: expected {count} entries for the chunk grid {max_grid:?}, found {}",
                        header.entries
                    ),
                ));
            }
            by_position(
                elements.into_iter(),
                &max_grid,
                None,
                chunk_dims,
                dataset_dims,
                chunk_size_bytes,
            )
        }
        ChunkIndex::ExtensibleArray { address, .. } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            let unlimited: Vec<usize> = (0..rank).filter(|&i| max_dims[i] == UNLIMITED).collect();
            let &[unlim] = unlimited.as_slice() else {
                return Err(Error::malformed(
                    address,
                    format!(
                        "extensible array chunk index: expected exactly one unlimited dimension, found {}",
                        unlimited.len()
                    ),
                ));
            };
            let (header, elements) = read_extensible_array(r, sizes, address, limits)?;
            check_client(header.client_id, filtered, address, "extensible array")?;
            // Swizzle: the unlimited dimension becomes the slowest varying.
            let order: Vec<usize> = core::iter::once(unlim)
                .chain((0..rank).filter(|&i| i != unlim))
                .collect();
            let mut swizzled_grid = grid(&fixed_extent, chunk_dims)?;
            swizzled_grid[unlim] = u64::MAX; // never used as a divisor: slowest dimension
            let swizzled: Vec<u64> = order.iter().map(|&i| swizzled_grid[i]).collect();
            by_position(
                elements.into_iter(),
                &swizzled,
                Some(&order),
                chunk_dims,
                dataset_dims,
                chunk_size_bytes,
            )
        }
        ChunkIndex::BTreeV2 { address, .. } => {
            if is_undefined(address) {
                return Ok(Vec::new());
            }
            read_chunk_btree_v2(
                r,
                sizes,
                address,
                chunk_dims,
                chunk_size_bytes,
                filtered,
                limits,
            )
        }
    }
}

fn check_client(client_id: u8, filtered: bool, address: u64, what: &str) -> Result<()> {
    if (client_id == 1) != filtered {
        return Err(Error::malformed(
            address,
            format!(
                "{what} chunk index: client ID {client_id} does not match a dataset that is {}filtered",
                if filtered { "" } else { "not " }
            ),
        ));
    }
    Ok(())
}

/// Turns array elements (index, value), numbered row-major over `grid` (whose
/// dimension `k` is dataset dimension `order[k]`, or `k` without `order`),
/// into records.
fn by_position(
    elements: impl Iterator<Item = (u64, ChunkElement)>,
    grid: &[u64],
    order: Option<&[usize]>,
    chunk_dims: &[u64],
    dims: &[u64],
    chunk_size_bytes: u64,
) -> Result<Vec<ChunkRecord>> {
    let rank = grid.len();
    let mut coords = alloc::vec![0u64; rank];
    let mut scaled = alloc::vec![0u64; rank];
    let mut out = Vec::new();
    for (i, e) in elements {
        if is_undefined(e.address) {
            continue;
        }
        unlinearize(i, grid, &mut coords);
        match order {
            Some(order) => {
                for (k, &d) in order.iter().enumerate() {
                    if let (Some(s), Some(&c)) = (scaled.get_mut(d), coords.get(k)) {
                        *s = c;
                    }
                }
            }
            None => scaled.copy_from_slice(&coords),
        }
        let Some(offsets) = element_offsets(&scaled, chunk_dims, dims) else {
            continue;
        };
        out.push(ChunkRecord {
            offsets,
            address: e.address,
            size: e.filtered_size.unwrap_or(chunk_size_bytes),
            filter_mask: e.filter_mask,
        });
    }
    Ok(out)
}

/// Chunks of a v2 B-tree index (record type 10, or 11 when filtered).
fn read_chunk_btree_v2<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    chunk_dims: &[u64],
    chunk_size_bytes: u64,
    filtered: bool,
    limits: &Limits,
) -> Result<Vec<ChunkRecord>> {
    let rank = chunk_dims.len();
    let (header, records) = read_btree_v2(r, sizes, address, limits)?;
    let expected_type = if filtered { 11 } else { 10 };
    if header.record_type != expected_type {
        return Err(Error::malformed(
            address,
            format!(
                "v2 B-tree chunk index: expected record type {expected_type}, found {}",
                header.record_type
            ),
        ));
    }
    // The filtered chunk size field is as wide as the chunk size needs
    // (layout v4), or "size of lengths" wide (layout v5, HDF5 2.0): the
    // header's record size tells which.
    let base_size = usize::from(sizes.offset) + 8 * rank;
    let record_size = usize::from(header.record_size);
    let size_width = if filtered {
        record_size.saturating_sub(base_size + 4)
    } else {
        0
    };
    let valid = if filtered {
        size_width == chunk_size_width(chunk_size_bytes) || size_width == usize::from(sizes.length)
    } else {
        record_size == base_size
    };
    if !valid || size_width > 8 {
        let expected_size = if filtered {
            base_size + 4 + chunk_size_width(chunk_size_bytes)
        } else {
            base_size
        };
        return Err(Error::malformed(
            address,
            format!(
                "v2 B-tree chunk index: expected records of {expected_size} bytes for rank {rank}, found {}",
                header.record_size
            ),
        ));
    }
    let mut out = Vec::with_capacity(records.len());
    for rec in &records {
        let mut c = Cursor::new(rec, address, "v2 B-tree chunk record");
        let chunk_address = c.address(sizes)?;
        let (size, filter_mask) = if filtered {
            (c.uint(size_width)?, c.u32()?)
        } else {
            (chunk_size_bytes, 0)
        };
        let mut offsets = Vec::with_capacity(rank);
        for &cd in chunk_dims {
            let scaled = c.u64()?;
            offsets.push(
                scaled
                    .checked_mul(cd)
                    .ok_or_else(|| c.error(format_args!("scaled offset {scaled} overflows")))?,
            );
        }
        if is_undefined(chunk_address) {
            continue;
        }
        out.push(ChunkRecord {
            offsets,
            address: chunk_address,
            size,
            filter_mask,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::checksum::checksum;
    use crate::format::UNDEFINED;
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn with_checksum(mut v: Vec<u8>) -> Vec<u8> {
        let c = checksum(&v);
        v.extend_from_slice(&c.to_le_bytes()); // checksum
        v
    }

    fn offsets(recs: &[ChunkRecord]) -> Vec<(Vec<u64>, u64)> {
        recs.iter()
            .map(|r| (r.offsets.clone(), r.address))
            .collect()
    }

    #[test]
    fn size_width() {
        assert_eq!(chunk_size_width(1), 1 + 1);
        assert_eq!(chunk_size_width(255), 2);
        assert_eq!(chunk_size_width(256), 3);
        assert_eq!(chunk_size_width(4000), 3);
        assert_eq!(chunk_size_width(u64::MAX), 8);
    }

    #[test]
    fn single_chunk() {
        let f = vec![0u8; 16];
        let idx = ChunkIndex::SingleChunk {
            address: 8,
            filtered_size: Some(5),
            filter_mask: 1,
        };
        let recs = read_chunk_records(
            &f,
            S8,
            &idx,
            &[3, 4],
            &[3, 4],
            &[3, 4],
            96,
            true,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            recs,
            [ChunkRecord {
                offsets: vec![0, 0],
                address: 8,
                size: 5,
                filter_mask: 1
            }]
        );
        let idx = ChunkIndex::SingleChunk {
            address: UNDEFINED,
            filtered_size: None,
            filter_mask: 0,
        };
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[3],
            &[3],
            &[3],
            12,
            false,
            &Limits::default()
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn implicit_uses_max_dims_grid() {
        // dims 3x3, max dims 4x4, chunks 2x2 of 16 bytes: grid 2x2 of the max
        // dims; all four chunks hold elements of the current extent.
        let f = vec![0u8; 200];
        let idx = ChunkIndex::Implicit { address: 100 };
        let recs = read_chunk_records(
            &f,
            S8,
            &idx,
            &[3, 3],
            &[4, 4],
            &[2, 2],
            16,
            false,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            offsets(&recs),
            [
                (vec![0, 0], 100),
                (vec![0, 2], 116),
                (vec![2, 0], 132),
                (vec![2, 2], 148)
            ]
        );
        // dims 1x3 of max 4x4: only the first chunk row is inside the extent.
        let recs = read_chunk_records(
            &f,
            S8,
            &idx,
            &[1, 3],
            &[4, 4],
            &[2, 2],
            16,
            false,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(offsets(&recs), [(vec![0, 0], 100), (vec![0, 2], 116)]);
        // Past the end of the file.
        let idx = ChunkIndex::Implicit { address: 190 };
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[3, 3],
            &[4, 4],
            &[2, 2],
            16,
            false,
            &Limits::default()
        )
        .is_err());
    }

    #[test]
    fn fixed_array_positions() {
        let mut f = Vec::new();
        let mut h = Vec::new();
        h.extend_from_slice(b"FAHD"); // signature
        h.push(0); // version
        h.push(0); // client ID
        h.push(8); // entry size
        h.push(10); // page bits
        h.extend_from_slice(&6u64.to_le_bytes()); // entries
        h.extend_from_slice(&50u64.to_le_bytes()); // data block address
        f.extend(with_checksum(h));
        f.resize(50, 0);
        let mut d = Vec::new();
        d.extend_from_slice(b"FADB"); // signature
        d.push(0); // version
        d.push(0); // client ID
        d.extend_from_slice(&0u64.to_le_bytes()); // header address
        for a in [1000u64, 1001, UNDEFINED, 1003, 1004, 1005] {
            d.extend_from_slice(&a.to_le_bytes()); // chunk addresses
        }
        f.extend(with_checksum(d));
        let idx = ChunkIndex::FixedArray {
            address: 0,
            page_bits: 10,
        };
        // dims 4x5 (max 4x6), chunks 2x2: grid 2x3 over the max dims.
        let recs = read_chunk_records(
            &f,
            S8,
            &idx,
            &[4, 5],
            &[4, 6],
            &[2, 2],
            32,
            false,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            offsets(&recs),
            [
                (vec![0, 0], 1000),
                (vec![0, 2], 1001),
                (vec![2, 0], 1003),
                (vec![2, 2], 1004),
                (vec![2, 4], 1005)
            ]
        );
        // Grid mismatch.
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[4, 4],
            &[4, 4],
            &[2, 2],
            32,
            false,
            &Limits::default()
        )
        .is_err());
        // Filtered dataset, unfiltered index.
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[4, 5],
            &[4, 6],
            &[2, 2],
            32,
            true,
            &Limits::default()
        )
        .is_err());
    }

    #[test]
    fn extensible_array_swizzles_unlimited_dimension() {
        // 2-D, dimension 1 unlimited: grid (swizzled) is [unlim, rows].
        let sw = [u64::MAX, 2];
        let els = (0..6).map(|i| {
            (
                i,
                ChunkElement {
                    address: 100 + i,
                    filtered_size: None,
                    filter_mask: 0,
                },
            )
        });
        let recs = by_position(els, &sw, Some(&[1, 0]), &[2, 3], &[4, 9], 48).unwrap();
        // Element i -> (unlim = i / 2, row = i % 2).
        assert_eq!(
            offsets(&recs),
            [
                (vec![0, 0], 100),
                (vec![2, 0], 101),
                (vec![0, 3], 102),
                (vec![2, 3], 103),
                (vec![0, 6], 104),
                (vec![2, 6], 105)
            ]
        );
    }

    #[test]
    fn btree_v2_filtered_records() {
        use crate::format::btree_v2::tests::{header, leaf};
        // Rank 1, chunk 10 elements of 4 bytes = 40 bytes -> size width 2.
        let rec = |addr: u64, size: u16, mask: u32, scaled: u64| {
            let mut v = addr.to_le_bytes().to_vec(); // chunk address
            v.extend_from_slice(&size.to_le_bytes()); // chunk size (2 bytes)
            v.extend_from_slice(&mask.to_le_bytes()); // filter mask
            v.extend_from_slice(&scaled.to_le_bytes()); // scaled offset, dim 0
            v
        };
        let mut f = header(11, 512, 22, 0, 100, 2, 2);
        f.resize(100, 0);
        f.extend(leaf(11, &[rec(5000, 33, 0, 0), rec(6000, 35, 1, 3)]));
        let idx = ChunkIndex::BTreeV2 {
            address: 0,
            node_size: 512,
            split_percent: 100,
            merge_percent: 40,
        };
        let recs = read_chunk_records(
            &f,
            S8,
            &idx,
            &[40],
            &[UNLIMITED],
            &[10],
            40,
            true,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(
            recs,
            [
                ChunkRecord {
                    offsets: vec![0],
                    address: 5000,
                    size: 33,
                    filter_mask: 0
                },
                ChunkRecord {
                    offsets: vec![30],
                    address: 6000,
                    size: 35,
                    filter_mask: 1
                }
            ]
        );
        // Unfiltered dataset: expects type 10.
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[40],
            &[UNLIMITED],
            &[10],
            40,
            false,
            &Limits::default()
        )
        .unwrap_err()
        .message()
        .contains("record type 10"));
        // Record size that does not match the rank.
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[40, 1],
            &[UNLIMITED, 1],
            &[10, 1],
            40,
            true,
            &Limits::default()
        )
        .is_err());
    }

    #[test]
    fn rank_mismatch_is_wrong_use() {
        let f = vec![0u8; 8];
        let idx = ChunkIndex::Implicit { address: 0 };
        assert!(read_chunk_records(
            &f,
            S8,
            &idx,
            &[1, 2],
            &[1],
            &[1, 2],
            4,
            false,
            &Limits::default()
        )
        .is_err());
    }
}
