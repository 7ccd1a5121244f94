//! Fractal heaps (`FRHP`, `FHIB`, `FHDB`): dense link and attribute storage.
//!
//! Spec III.G "Disk Format: Level 1G - Fractal Heap". A heap ID names one of
//! three kinds of object:
//!
//! - managed: an (offset, length) pair in the heap's address space, which is
//!   laid out by a doubling table: rows of `table width` blocks, the first two
//!   rows of the starting block size, each later row twice the previous one.
//!   Rows up to the maximum direct block size are direct blocks (`FHDB`, the
//!   objects themselves); larger rows are nested indirect blocks (`FHIB`).
//!   The root is a direct block when the root indirect block has 0 rows.
//! - tiny: the data sits inside the ID itself.
//! - huge: stored on its own, found through the ID (address + length) or,
//!   when the ID is too short for that, a v2 B-tree of record type 1 or 2.
//!
//! Filtered heaps (an I/O filter pipeline in the header) are reported as
//! unsupported when a filtered block or object must be read; the filter
//! pipeline bytes are kept in [`FractalHeap::filter_info`].

use crate::error::{Error, Result};
use crate::format::btree_v2::{find_record, read_btree_v2_header, HugeObjectRecord};
use crate::format::checksum::{checksum, verify};
use crate::format::{is_undefined, read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// Signature of the heap header.
pub const HEADER_SIGNATURE: &[u8; 4] = b"FRHP";
/// Signature of indirect blocks.
pub const INDIRECT_SIGNATURE: &[u8; 4] = b"FHIB";
/// Signature of direct blocks.
pub const DIRECT_SIGNATURE: &[u8; 4] = b"FHDB";

/// Header flag: huge object IDs have wrapped around.
pub const FLAG_HUGE_IDS_WRAPPED: u8 = 0x01;
/// Header flag: direct blocks carry a checksum.
pub const FLAG_DIRECT_BLOCKS_CHECKSUMMED: u8 = 0x02;

/// Heap ID type field values (bits 4-5 of the first byte).
const ID_MANAGED: u8 = 0;
const ID_HUGE: u8 = 1;
const ID_TINY: u8 = 2;

/// The decoded heap header, with the doubling-table values derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FractalHeap {
    /// File address of the header.
    pub address: u64,
    /// Length in bytes of heap IDs.
    pub id_length: u16,
    /// Length in bytes of the encoded I/O filter pipeline (0: not filtered).
    pub filter_info_length: u16,
    /// Header flags ([`FLAG_HUGE_IDS_WRAPPED`], [`FLAG_DIRECT_BLOCKS_CHECKSUMMED`]).
    pub flags: u8,
    /// Largest object stored as a managed object.
    pub max_managed_object_size: u32,
    /// Next huge object ID.
    pub next_huge_id: u64,
    /// Address of the v2 B-tree indexing huge objects, or undefined.
    pub huge_btree_address: u64,
    /// Free space in managed blocks.
    pub managed_free_space: u64,
    /// Address of the free-space manager of managed blocks.
    pub free_space_manager_address: u64,
    /// Managed space in the heap.
    pub managed_space: u64,
    /// Allocated managed space in the heap.
    pub allocated_managed_space: u64,
    /// Offset of the direct block allocation iterator.
    pub direct_block_iterator_offset: u64,
    /// Number of managed objects.
    pub managed_objects: u64,
    /// Total size of huge objects.
    pub huge_objects_size: u64,
    /// Number of huge objects.
    pub huge_objects: u64,
    /// Total size of tiny objects.
    pub tiny_objects_size: u64,
    /// Number of tiny objects.
    pub tiny_objects: u64,
    /// Doubling table width (blocks per row).
    pub table_width: u16,
    /// Size of the blocks of rows 0 and 1.
    pub starting_block_size: u64,
    /// Largest direct block size.
    pub max_direct_block_size: u64,
    /// log2 of the heap's address space size: the width in bits of managed offsets.
    pub max_heap_size_bits: u16,
    /// Rows of the root indirect block when first created.
    pub starting_root_rows: u16,
    /// Address of the root block (direct or indirect), or undefined when empty.
    pub root_block_address: u64,
    /// Rows of the root indirect block; 0 when the root is a direct block.
    pub current_root_rows: u16,
    /// Filtered size of a direct root block (filtered heaps only).
    pub filtered_root_size: Option<u64>,
    /// Filter mask of a direct root block (filtered heaps only).
    pub root_filter_mask: u32,
    /// The encoded filter pipeline message (filtered heaps only).
    pub filter_info: Vec<u8>,
}

fn log2_floor(n: u64) -> u32 {
    63u32.saturating_sub(n.leading_zeros())
}

impl FractalHeap {
    /// The length in bytes of this heap's IDs.
    pub fn heap_id_length(&self) -> u16 {
        self.id_length
    }

    /// True when blocks and huge objects pass through I/O filters.
    pub fn is_filtered(&self) -> bool {
        self.filter_info_length > 0
    }

    /// Bytes of a managed object's offset in a heap ID (and of block offsets).
    pub fn offset_size(&self) -> usize {
        usize::from(self.max_heap_size_bits).div_ceil(8)
    }

    /// Bytes of a managed object's length in a heap ID.
    pub fn length_size(&self) -> usize {
        let direct_bits = log2_floor(self.max_direct_block_size) as usize;
        let by_block = direct_bits.div_ceil(8);
        let by_object = log2_floor(u64::from(self.max_managed_object_size)) as usize / 8 + 1;
        by_block.min(by_object)
    }

    fn first_row_bits(&self) -> u32 {
        log2_floor(self.starting_block_size) + log2_floor(u64::from(self.table_width))
    }

    /// Rows of direct blocks in any indirect block.
    fn max_direct_rows(&self) -> u32 {
        log2_floor(self.max_direct_block_size) - log2_floor(self.starting_block_size) + 2
    }

    /// Size of each block in `row`.
    fn row_block_size(&self, row: u32) -> Option<u64> {
        if row == 0 {
            Some(self.starting_block_size)
        } else {
            self.starting_block_size
                .checked_shl(row - 1)
                .filter(|&s| s >> (row - 1) == self.starting_block_size)
        }
    }

    /// Offset, within its indirect block, of the first block of `row`.
    fn row_offset(&self, row: u32) -> Option<u64> {
        if row == 0 {
            return Some(0);
        }
        let first_row = self
            .starting_block_size
            .checked_mul(u64::from(self.table_width))?;
        first_row
            .checked_shl(row - 1)
            .filter(|&s| s >> (row - 1) == first_row)
    }

    /// (row, column) of the block holding `offset`, relative to its indirect block.
    fn lookup(&self, offset: u64) -> Option<(u32, u64)> {
        let first_row = self
            .starting_block_size
            .checked_mul(u64::from(self.table_width))?;
        if offset < first_row {
            return Some((0, offset / self.starting_block_size));
        }
        let high = log2_floor(offset);
        let row = high.checked_sub(self.first_row_bits())? + 1;
        let col = (offset - (1u64 << high)) / self.row_block_size(row)?;
        Some((row, col))
    }

    /// Size in bytes of a direct block's header (checksum included when present).
    fn direct_header_size(&self, sizes: Sizes) -> u64 {
        let checksum = if self.flags & FLAG_DIRECT_BLOCKS_CHECKSUMMED != 0 {
            4
        } else {
            0
        };
        5 + u64::from(sizes.offset) + self.offset_size() as u64 + checksum
    }

    /// Decodes a header from `bytes` (the whole header, checksum included),
    /// which start at file offset `address`.
    pub fn decode(bytes: &[u8], address: u64, sizes: Sizes) -> Result<FractalHeap> {
        let what = "fractal heap header";
        let mut c = Cursor::new(bytes, address, what);
        c.signature(HEADER_SIGNATURE)?;
        verify(bytes, address, what)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.unsupported(format_args!("expected version 0, found {version}")));
        }
        let id_length = c.u16()?;
        let filter_info_length = c.u16()?;
        let flags = c.u8()?;
        let max_managed_object_size = c.u32()?;
        let next_huge_id = c.length(sizes)?;
        let huge_btree_address = c.address(sizes)?;
        let managed_free_space = c.length(sizes)?;
        let free_space_manager_address = c.address(sizes)?;
        let managed_space = c.length(sizes)?;
        let allocated_managed_space = c.length(sizes)?;
        let direct_block_iterator_offset = c.length(sizes)?;
        let managed_objects = c.length(sizes)?;
        let huge_objects_size = c.length(sizes)?;
        let huge_objects = c.length(sizes)?;
        let tiny_objects_size = c.length(sizes)?;
        let tiny_objects = c.length(sizes)?;
        let table_at = c.offset();
        let table_width = c.u16()?;
        let starting_block_size = c.length(sizes)?;
        let max_direct_block_size = c.length(sizes)?;
        let max_heap_size_bits = c.u16()?;
        let starting_root_rows = c.u16()?;
        let root_block_address = c.address(sizes)?;
        let current_root_rows = c.u16()?;
        let (filtered_root_size, root_filter_mask, filter_info) = if filter_info_length > 0 {
            let size = c.length(sizes)?;
            let mask = c.u32()?;
            let info = c.bytes(usize::from(filter_info_length))?.to_vec();
            (Some(size), mask, info)
        } else {
            (None, 0, Vec::new())
        };
        let heap = FractalHeap {
            address,
            id_length,
            filter_info_length,
            flags,
            max_managed_object_size,
            next_huge_id,
            huge_btree_address,
            managed_free_space,
            free_space_manager_address,
            managed_space,
            allocated_managed_space,
            direct_block_iterator_offset,
            managed_objects,
            huge_objects_size,
            huge_objects,
            tiny_objects_size,
            tiny_objects,
            table_width,
            starting_block_size,
            max_direct_block_size,
            max_heap_size_bits,
            starting_root_rows,
            root_block_address,
            current_root_rows,
            filtered_root_size,
            root_filter_mask,
            filter_info,
        };
        heap.check_table(table_at)?;
        Ok(heap)
    }

    fn check_table(&self, at: u64) -> Result<()> {
        let pow2 = |v: u64| v != 0 && v.is_power_of_two();
        let bad = |msg: alloc::string::String| {
            Err(Error::malformed(at, format!("fractal heap header: {msg}")))
        };
        if !pow2(u64::from(self.table_width)) {
            return bad(format!(
                "expected a table width that is a power of two, found {}",
                self.table_width
            ));
        }
        if !pow2(self.starting_block_size) || !pow2(self.max_direct_block_size) {
            return bad(format!(
                "expected power-of-two block sizes, found starting {} and maximum direct {}",
                self.starting_block_size, self.max_direct_block_size
            ));
        }
        if self.max_direct_block_size < self.starting_block_size {
            return bad(format!(
                "maximum direct block size {} is below the starting block size {}",
                self.max_direct_block_size, self.starting_block_size
            ));
        }
        if self.max_heap_size_bits == 0 || self.max_heap_size_bits > 64 {
            return bad(format!(
                "expected a maximum heap size of 1 to 64 bits, found {}",
                self.max_heap_size_bits
            ));
        }
        if u32::from(self.max_heap_size_bits) < self.first_row_bits() {
            return bad(format!(
                "maximum heap size of {} bits is smaller than one row of blocks",
                self.max_heap_size_bits
            ));
        }
        if u32::from(self.current_root_rows) > u32::from(self.max_heap_size_bits) {
            return bad(format!(
                "root indirect block claims {} rows, more than the heap can have",
                self.current_root_rows
            ));
        }
        Ok(())
    }

    /// Reads the object named by `heap_id`.
    pub fn get<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        heap_id: &[u8],
        limits: &Limits,
    ) -> Result<Vec<u8>> {
        self.get_cached(r, sizes, heap_id, limits, &mut BlockCache::default())
    }

    /// Reads several objects, reading each heap block at most once (up to a
    /// cache budget).
    pub fn get_many<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        heap_ids: &[&[u8]],
        limits: &Limits,
    ) -> Result<Vec<Vec<u8>>> {
        let mut cache = BlockCache::default();
        heap_ids
            .iter()
            .map(|id| self.get_cached(r, sizes, id, limits, &mut cache))
            .collect()
    }

    fn id_error(&self, msg: impl core::fmt::Display) -> Error {
        Error::malformed(self.address, format!("fractal heap ID: {msg}"))
    }

    fn get_cached<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        heap_id: &[u8],
        limits: &Limits,
        cache: &mut BlockCache,
    ) -> Result<Vec<u8>> {
        let first = *heap_id
            .first()
            .ok_or_else(|| self.id_error("empty heap ID"))?;
        let version = first >> 6;
        if version != 0 {
            return Err(self.id_error(format_args!("expected version 0, found {version}")));
        }
        match (first >> 4) & 0x03 {
            ID_MANAGED => self.get_managed(r, sizes, heap_id, limits, cache),
            ID_HUGE => self.get_huge(r, sizes, heap_id, limits),
            ID_TINY => self.get_tiny(heap_id),
            t => Err(self.id_error(format_args!("expected type 0, 1 or 2, found {t}"))),
        }
    }

    fn get_tiny(&self, id: &[u8]) -> Result<Vec<u8>> {
        // libhdf5 (H5HF__tiny_init) uses a second length byte when the ID is
        // longer than 18 bytes.
        let extended = id.len() > 18;
        let first = u64::from(id.first().copied().unwrap_or(0) & 0x0f);
        let (len, start) = if extended {
            let second = u64::from(id.get(1).copied().unwrap_or(0));
            (((first << 8) | second) + 1, 2usize)
        } else {
            (first + 1, 1usize)
        };
        let end = start as u64 + len;
        id.get(start..end as usize)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                self.id_error(format_args!(
                    "tiny object of {len} bytes does not fit in a {}-byte ID",
                    id.len()
                ))
            })
    }

    fn get_huge<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        id: &[u8],
        limits: &Limits,
    ) -> Result<Vec<u8>> {
        let o = usize::from(sizes.offset);
        let l = usize::from(sizes.length);
        let room = id.len().saturating_sub(1);
        let mut c = Cursor::new(id.get(1..).unwrap_or(&[]), 0, "fractal heap huge object ID");
        // Which encoding libhdf5 picks depends only on the ID length (H5HF__huge_init).
        if self.is_filtered() {
            return Err(Error::unsupported(
                self.address,
                "fractal heap: huge objects of a filtered heap are not supported",
            ));
        }
        let (address, length) = if room >= o + l {
            (c.address(sizes)?, c.length(sizes)?)
        } else {
            let want = c.uint(room.min(8))?;
            if is_undefined(self.huge_btree_address) {
                return Err(Error::malformed(
                    self.address,
                    format!("fractal heap: huge object {want} requested, but the heap has no huge object B-tree"),
                ));
            }
            let header = read_btree_v2_header(r, sizes, self.huge_btree_address, limits)?;
            if header.record_type != 1 {
                return Err(Error::malformed(
                    self.huge_btree_address,
                    format!(
                        "fractal heap: expected a huge object B-tree of record type 1, found {}",
                        header.record_type
                    ),
                ));
            }
            let rec = find_record(r, sizes, &header, limits, &mut |rec| {
                let h = HugeObjectRecord::decode(rec, 1, sizes)?;
                Ok(want.cmp(&h.id.unwrap_or(0)))
            })?
            .ok_or_else(|| {
                Error::malformed(
                    self.huge_btree_address,
                    format!("fractal heap: huge object {want} is not in the huge object B-tree"),
                )
            })?;
            let h = HugeObjectRecord::decode(&rec, 1, sizes)?;
            (h.address, h.length)
        };
        read_block(r, address, length, limits, "fractal heap huge object")
    }

    fn get_managed<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        id: &[u8],
        limits: &Limits,
        cache: &mut BlockCache,
    ) -> Result<Vec<u8>> {
        let mut c = Cursor::new(
            id.get(1..).unwrap_or(&[]),
            0,
            "fractal heap managed object ID",
        );
        let offset = c.uint(self.offset_size())?;
        let length = c.uint(self.length_size())?;
        let block = self.locate(r, sizes, offset, limits, cache)?;
        let bytes = cache.direct(self, r, sizes, &block, limits)?;
        let start = offset - block.offset;
        let header = self.direct_header_size(sizes);
        let end = start.checked_add(length);
        match end {
            Some(end) if start >= header && end <= bytes.len() as u64 => {
                Ok(bytes.get(start as usize..end as usize).unwrap_or(&[]).to_vec())
            }
            _ => Err(Error::malformed(
                block.address,
                format!(
                    "fractal heap: managed object at heap offset {offset} ({length} bytes) lies outside its direct block ({} bytes at heap offset {})",
                    bytes.len(),
                    block.offset
                ),
            )),
        }
    }

    /// Finds the direct block that holds heap offset `offset`.
    fn locate<R: ReadAt + ?Sized>(
        &self,
        r: &R,
        sizes: Sizes,
        offset: u64,
        limits: &Limits,
        cache: &mut BlockCache,
    ) -> Result<DirectBlock> {
        if is_undefined(self.root_block_address) {
            return Err(Error::malformed(
                self.address,
                format!("fractal heap: managed object at offset {offset}, but the heap is empty"),
            ));
        }
        if self.current_root_rows == 0 {
            return Ok(DirectBlock {
                address: self.root_block_address,
                offset: 0,
                size: self.starting_block_size,
                filtered: self.filtered_root_size.map(|s| (s, self.root_filter_mask)),
            });
        }
        let mut iblock_address = self.root_block_address;
        let mut iblock_offset = 0u64;
        let mut rows = u32::from(self.current_root_rows);
        for _depth in 0..=limits.max_depth {
            let entries =
                cache.indirect(self, r, sizes, iblock_address, iblock_offset, rows, limits)?;
            let relative = offset - iblock_offset;
            let (row, col) = self
                .lookup(relative)
                .filter(|&(row, col)| row < rows && col < u64::from(self.table_width))
                .ok_or_else(|| {
                    Error::malformed(
                        iblock_address,
                        format!(
                            "fractal heap: offset {offset} is outside the indirect block's {rows} rows"
                        ),
                    )
                })?;
            let entry = entries
                .get((u64::from(row) * u64::from(self.table_width) + col) as usize)
                .copied()
                .ok_or_else(|| {
                    Error::malformed(iblock_address, "fractal heap: entry out of range")
                })?;
            let block_size = self.row_block_size(row).unwrap_or(0);
            let block_offset = self
                .row_offset(row)
                .and_then(|o| o.checked_add(col * block_size))
                .and_then(|o| o.checked_add(iblock_offset))
                .ok_or_else(|| {
                    Error::malformed(iblock_address, "fractal heap: block offset overflows")
                })?;
            if is_undefined(entry.address) {
                return Err(Error::malformed(
                    iblock_address,
                    format!("fractal heap: object at offset {offset} is in a block that was never allocated"),
                ));
            }
            if row < self.max_direct_rows() {
                return Ok(DirectBlock {
                    address: entry.address,
                    offset: block_offset,
                    size: block_size,
                    filtered: entry.filtered,
                });
            }
            // A nested indirect block of `block_size` bytes of heap space.
            iblock_address = entry.address;
            iblock_offset = block_offset;
            rows = log2_floor(block_size) - self.first_row_bits() + 1;
        }
        Err(Error::limit(format!(
            "fractal heap: indirect blocks nest deeper than {} levels",
            limits.max_depth
        ))
        .at(iblock_address))
    }
}

/// One entry of an indirect block.
#[derive(Debug, Clone, Copy)]
struct Entry {
    address: u64,
    /// (filtered size, filter mask) of a direct block in a filtered heap.
    filtered: Option<(u64, u32)>,
}

/// Where a direct block is and what heap space it covers.
#[derive(Debug, Clone, Copy)]
struct DirectBlock {
    address: u64,
    offset: u64,
    size: u64,
    filtered: Option<(u64, u32)>,
}

/// Blocks already read during one call, so that a batch of gets reads each
/// block once.
#[derive(Default)]
struct BlockCache {
    indirect: BTreeMap<u64, Vec<Entry>>,
    direct: BTreeMap<u64, Vec<u8>>,
    direct_bytes: u64,
    blocks_read: u64,
}

/// Direct blocks kept per batch before the cache is emptied.
const CACHE_BUDGET_BYTES: u64 = 64 << 20;

impl BlockCache {
    fn count(&mut self, address: u64, limits: &Limits) -> Result<()> {
        self.blocks_read += 1;
        if self.blocks_read > limits.max_nodes {
            return Err(Error::limit(format!(
                "fractal heap: more than {} blocks read",
                limits.max_nodes
            ))
            .at(address));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn indirect<R: ReadAt + ?Sized>(
        &mut self,
        heap: &FractalHeap,
        r: &R,
        sizes: Sizes,
        address: u64,
        block_offset: u64,
        rows: u32,
        limits: &Limits,
    ) -> Result<Vec<Entry>> {
        if let Some(e) = self.indirect.get(&address) {
            return Ok(e.clone());
        }
        self.count(address, limits)?;
        let entries = read_indirect_block(heap, r, sizes, address, block_offset, rows, limits)?;
        self.indirect.insert(address, entries.clone());
        Ok(entries)
    }

    fn direct<'c, R: ReadAt + ?Sized>(
        &'c mut self,
        heap: &FractalHeap,
        r: &R,
        sizes: Sizes,
        block: &DirectBlock,
        limits: &Limits,
    ) -> Result<&'c [u8]> {
        if !self.direct.contains_key(&block.address) {
            self.count(block.address, limits)?;
            let bytes = read_direct_block(heap, r, sizes, block, limits)?;
            if self.direct_bytes + bytes.len() as u64 > CACHE_BUDGET_BYTES {
                self.direct.clear();
                self.direct_bytes = 0;
            }
            self.direct_bytes += bytes.len() as u64;
            self.direct.insert(block.address, bytes);
        }
        self.direct
            .get(&block.address)
            .map(Vec::as_slice)
            .ok_or_else(|| Error::malformed(block.address, "fractal heap: block cache miss"))
    }
}

/// Reads and checks an indirect block with `rows` rows that covers heap space
/// from `block_offset`.
fn read_indirect_block<R: ReadAt + ?Sized>(
    heap: &FractalHeap,
    r: &R,
    sizes: Sizes,
    address: u64,
    block_offset: u64,
    rows: u32,
    limits: &Limits,
) -> Result<Vec<Entry>> {
    let what = "fractal heap indirect block";
    let o = u64::from(sizes.offset);
    let width = u64::from(heap.table_width);
    let direct_rows = u64::from(rows.min(heap.max_direct_rows()));
    let indirect_rows = u64::from(rows) - direct_rows;
    let direct_entry = if heap.is_filtered() {
        o + u64::from(sizes.length) + 4
    } else {
        o
    };
    let size = (direct_rows * width)
        .checked_mul(direct_entry)
        .and_then(|d| d.checked_add(indirect_rows.checked_mul(width)?.checked_mul(o)?))
        .and_then(|d| d.checked_add(5 + o + heap.offset_size() as u64 + 4))
        .ok_or_else(|| Error::malformed(address, format!("{what}: size overflows")))?;
    let bytes = read_block(r, address, size, limits, what)?;
    let mut c = Cursor::new(&bytes, address, what);
    c.signature(INDIRECT_SIGNATURE)?;
    verify(&bytes, address, what)?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!("expected version 0, found {version}")));
    }
    let header_address = c.address(sizes)?;
    if header_address != heap.address {
        return Err(c.error(format_args!(
            "expected heap header address {}, found {header_address}",
            heap.address
        )));
    }
    let found_offset = c.uint(heap.offset_size())?;
    if found_offset != block_offset {
        return Err(c.error(format_args!(
            "expected block offset {block_offset}, found {found_offset}"
        )));
    }
    let mut entries = Vec::with_capacity(((direct_rows + indirect_rows) * width) as usize);
    for _ in 0..direct_rows * width {
        let address = c.address(sizes)?;
        let filtered = if heap.is_filtered() {
            Some((c.length(sizes)?, c.u32()?))
        } else {
            None
        };
        entries.push(Entry { address, filtered });
    }
    for _ in 0..indirect_rows * width {
        entries.push(Entry {
            address: c.address(sizes)?,
            filtered: None,
        });
    }
    Ok(entries)
}

/// Reads and checks a direct block; returns the whole block (header included,
/// since object offsets count from the block start).
fn read_direct_block<R: ReadAt + ?Sized>(
    heap: &FractalHeap,
    r: &R,
    sizes: Sizes,
    block: &DirectBlock,
    limits: &Limits,
) -> Result<Vec<u8>> {
    let what = "fractal heap direct block";
    if block.filtered.is_some() {
        return Err(Error::unsupported(
            block.address,
            format!("{what}: filtered direct blocks are not supported"),
        ));
    }
    let mut bytes = read_block(r, block.address, block.size, limits, what)?;
    let mut c = Cursor::new(&bytes, block.address, what);
    c.signature(DIRECT_SIGNATURE)?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!("expected version 0, found {version}")));
    }
    let header_address = c.address(sizes)?;
    if header_address != heap.address {
        return Err(c.error(format_args!(
            "expected heap header address {}, found {header_address}",
            heap.address
        )));
    }
    let found_offset = c.uint(heap.offset_size())?;
    if found_offset != block.offset {
        return Err(c.error(format_args!(
            "expected block offset {}, found {found_offset}",
            block.offset
        )));
    }
    if heap.flags & FLAG_DIRECT_BLOCKS_CHECKSUMMED != 0 {
        // The checksum covers the whole block with the checksum field zeroed.
        let at = c.pos();
        let stored = c.u32()?;
        if let Some(field) = bytes.get_mut(at..at + 4) {
            field.fill(0);
        }
        let computed = checksum(&bytes);
        if stored != computed && !cfg!(fuzzing) {
            return Err(Error::malformed(
                block.address + at as u64,
                format!(
                    "{what}: checksum mismatch, stored {stored:#010x}, computed {computed:#010x}"
                ),
            ));
        }
    }
    Ok(bytes)
}

/// Reads the fractal heap header at `address`.
pub fn read_fractal_heap<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<FractalHeap> {
    let o = u64::from(sizes.offset);
    let l = u64::from(sizes.length);
    // Everything up to and including "current rows in root indirect block";
    // the filter fields and the checksum follow.
    let fixed = 4 + 1 + 2 + 2 + 1 + 4 // signature .. max managed object size
        + l + o + l + o // next huge id, huge B-tree, free space, free-space manager
        + 8 * l // managed space .. tiny objects
        + 2 + l + l + 2 + 2 + o + 2; // doubling table
    let head = read_block(r, address, fixed + 4, limits, "fractal heap header")?;
    let mut c = Cursor::new(&head, address, "fractal heap header");
    c.signature(HEADER_SIGNATURE)?;
    c.skip(3)?;
    let filter_len = u64::from(c.u16()?);
    let total = if filter_len > 0 {
        fixed + l + 4 + filter_len + 4
    } else {
        fixed + 4
    };
    let bytes = if total == head.len() as u64 {
        head
    } else {
        read_block(r, address, total, limits, "fractal heap header")?
    };
    FractalHeap::decode(&bytes, address, sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

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

    /// A heap header: width 2, starting block 64, max direct block 128,
    /// 16-bit heap offsets, 8-byte IDs, direct blocks checksummed.
    fn header(root: u64, root_rows: u16, huge_btree: u64) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"FRHP"); // signature
        v.push(0); // version
        v.extend_from_slice(&8u16.to_le_bytes()); // heap ID length
        v.extend_from_slice(&0u16.to_le_bytes()); // I/O filters' encoded length
        v.push(FLAG_DIRECT_BLOCKS_CHECKSUMMED); // flags
        v.extend_from_slice(&100u32.to_le_bytes()); // max size of managed objects
        v.extend_from_slice(&2u64.to_le_bytes()); // next huge object ID
        v.extend_from_slice(&huge_btree.to_le_bytes()); // huge object B-tree address
        v.extend_from_slice(&0u64.to_le_bytes()); // free space in managed blocks
        v.extend_from_slice(&u64::MAX.to_le_bytes()); // free-space manager address
        v.extend_from_slice(&0u64.to_le_bytes()); // managed space
        v.extend_from_slice(&0u64.to_le_bytes()); // allocated managed space
        v.extend_from_slice(&0u64.to_le_bytes()); // direct block iterator offset
        v.extend_from_slice(&2u64.to_le_bytes()); // managed objects
        v.extend_from_slice(&0u64.to_le_bytes()); // huge objects size
        v.extend_from_slice(&0u64.to_le_bytes()); // huge objects count
        v.extend_from_slice(&0u64.to_le_bytes()); // tiny objects size
        v.extend_from_slice(&0u64.to_le_bytes()); // tiny objects count
        v.extend_from_slice(&2u16.to_le_bytes()); // table width
        v.extend_from_slice(&64u64.to_le_bytes()); // starting block size
        v.extend_from_slice(&128u64.to_le_bytes()); // max direct block size
        v.extend_from_slice(&16u16.to_le_bytes()); // max heap size (bits)
        v.extend_from_slice(&1u16.to_le_bytes()); // starting rows in root
        v.extend_from_slice(&root.to_le_bytes()); // root block address
        v.extend_from_slice(&root_rows.to_le_bytes()); // current rows in root
        with_checksum(v)
    }

    /// A checksummed direct block of `size` bytes at heap offset `offset`,
    /// with `objects` placed at their block-relative positions.
    fn direct(size: usize, offset: u16, objects: &[(usize, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(b"FHDB"); // signature
        v.push(0); // version
        v.extend_from_slice(&0u64.to_le_bytes()); // heap header address
        v.extend_from_slice(&offset.to_le_bytes()); // block offset (2 bytes)
        v.extend_from_slice(&[0; 4]); // checksum, filled below
        v.resize(size, 0);
        for &(at, data) in objects {
            v[at..at + data.len()].copy_from_slice(data);
        }
        let c = checksum(&v);
        v[15..19].copy_from_slice(&c.to_le_bytes());
        v
    }

    /// Managed heap ID: type 0, 2-byte offset, 1-byte length
    /// (min(ceil(7/8), 100 -> 1 byte) = 1).
    fn managed_id(offset: u16, len: u8) -> Vec<u8> {
        let mut v = vec![0x00]; // version 0, type managed
        v.extend_from_slice(&offset.to_le_bytes()); // offset
        v.push(len); // length
        v.resize(8, 0);
        v
    }

    use alloc::vec;

    #[test]
    fn header_derived_sizes() {
        let h = FractalHeap::decode(&header(0, 0, u64::MAX), 0, S8).unwrap();
        assert_eq!(h.offset_size(), 2);
        assert_eq!(h.length_size(), 1);
        assert_eq!(h.max_direct_rows(), 3); // rows of 64, 64, 128
        assert_eq!(h.lookup(0), Some((0, 0)));
        assert_eq!(h.lookup(70), Some((0, 1)));
        assert_eq!(h.lookup(128), Some((1, 0)));
        assert_eq!(h.lookup(200), Some((1, 1)));
        assert_eq!(h.lookup(256), Some((2, 0)));
        assert_eq!(h.lookup(400), Some((2, 1)));
        assert_eq!(h.lookup(512), Some((3, 0)));
        assert_eq!(h.row_offset(3), Some(512));
    }

    #[test]
    fn root_direct_block() {
        let mut f = Vec::new();
        place(&mut f, 0, &header(200, 0, u64::MAX));
        place(
            &mut f,
            200,
            &direct(64, 0, &[(19, b"hello"), (24, b"world!")]),
        );
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        assert_eq!(heap.heap_id_length(), 8);
        assert_eq!(
            heap.get(&f, S8, &managed_id(19, 5), &Limits::default())
                .unwrap(),
            b"hello"
        );
        let both = heap
            .get_many(
                &f,
                S8,
                &[&managed_id(24, 6), &managed_id(19, 5)],
                &Limits::default(),
            )
            .unwrap();
        assert_eq!(both, [b"world!".to_vec(), b"hello".to_vec()]);
        // Out of the block, or inside its header.
        assert!(heap
            .get(&f, S8, &managed_id(60, 5), &Limits::default())
            .is_err());
        assert!(heap
            .get(&f, S8, &managed_id(2, 5), &Limits::default())
            .is_err());
        // Corrupt data: checksum mismatch.
        f[220] ^= 0xff;
        let e = heap
            .get(&f, S8, &managed_id(19, 5), &Limits::default())
            .unwrap_err();
        assert!(e.message().contains("checksum"), "{e}");
    }

    /// Root indirect block at 300 with 4 rows: rows 0-2 direct (64, 64, 128),
    /// row 3 indirect (blocks of 256 = one nested block of 2 rows).
    fn indirect_file() -> Vec<u8> {
        let mut f = Vec::new();
        place(&mut f, 0, &header(300, 4, u64::MAX));
        let mut ib = Vec::new();
        ib.extend_from_slice(b"FHIB"); // signature
        ib.push(0); // version
        ib.extend_from_slice(&0u64.to_le_bytes()); // heap header address
        ib.extend_from_slice(&0u16.to_le_bytes()); // block offset
        for a in [1000u64, u64::MAX, 1100, u64::MAX, u64::MAX, u64::MAX] {
            ib.extend_from_slice(&a.to_le_bytes()); // direct block addresses, rows 0-2
        }
        for a in [u64::MAX, 600u64] {
            ib.extend_from_slice(&a.to_le_bytes()); // indirect block addresses, row 3
        }
        place(&mut f, 300, &with_checksum(ib));
        // Nested block at heap offset 512 + 256 = 768, 2 rows of 64-byte blocks.
        let mut nb = Vec::new();
        nb.extend_from_slice(b"FHIB"); // signature
        nb.push(0); // version
        nb.extend_from_slice(&0u64.to_le_bytes()); // heap header address
        nb.extend_from_slice(&768u16.to_le_bytes()); // block offset
        for a in [u64::MAX, u64::MAX, u64::MAX, 1300u64] {
            nb.extend_from_slice(&a.to_le_bytes()); // direct block addresses, rows 0-1
        }
        place(&mut f, 600, &with_checksum(nb));
        place(&mut f, 1000, &direct(64, 0, &[(20, b"first")]));
        place(&mut f, 1100, &direct(64, 128, &[(30, b"row1")]));
        // Nested row 1 col 1 = 768 + 128 + 64 = 960.
        place(&mut f, 1300, &direct(64, 960, &[(40, b"deep")]));
        f
    }

    #[test]
    fn nested_indirect_blocks() {
        let f = indirect_file();
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        let l = Limits::default();
        assert_eq!(heap.get(&f, S8, &managed_id(20, 5), &l).unwrap(), b"first");
        assert_eq!(heap.get(&f, S8, &managed_id(158, 4), &l).unwrap(), b"row1");
        assert_eq!(heap.get(&f, S8, &managed_id(1000, 4), &l).unwrap(), b"deep");
        // A block that was never allocated.
        let e = heap.get(&f, S8, &managed_id(80, 4), &l).unwrap_err();
        assert!(e.message().contains("never allocated"), "{e}");
        // Offset beyond the root's rows.
        assert!(heap.get(&f, S8, &managed_id(2000, 4), &l).is_err());
    }

    #[test]
    fn indirect_block_errors() {
        let mut f = indirect_file();
        f[600 + 14] = 0; // nested block offset no longer 768; checksum also wrong
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        let e = heap
            .get(&f, S8, &managed_id(1000, 4), &Limits::default())
            .unwrap_err();
        assert!(e.message().contains("checksum"), "{e}");

        let mut f = indirect_file();
        f[1300 + 13] = 0; // direct block offset wrong, checksum recomputed
        let mut blk = f[1300..1364].to_vec();
        blk[15..19].fill(0);
        let c = checksum(&blk);
        f[1315..1319].copy_from_slice(&c.to_le_bytes());
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        let e = heap
            .get(&f, S8, &managed_id(1000, 4), &Limits::default())
            .unwrap_err();
        assert!(e.message().contains("block offset"), "{e}");

        let f = indirect_file();
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        let limits = Limits {
            max_nodes: 1,
            ..Limits::default()
        };
        assert_eq!(
            heap.get(&f, S8, &managed_id(1000, 4), &limits)
                .unwrap_err()
                .kind(),
            ErrorKind::LimitExceeded
        );
    }

    #[test]
    fn tiny_objects() {
        let f = header(u64::MAX, 0, u64::MAX);
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        let id = [0x20 | 2, b'a', b'b', b'c', 0, 0, 0, 0]; // tiny, length 3
        assert_eq!(heap.get(&f, S8, &id, &Limits::default()).unwrap(), b"abc");
        let id = [0x20 | 9, 0, 0, 0, 0, 0, 0, 0]; // tiny, length 10 > 7
        assert!(heap.get(&f, S8, &id, &Limits::default()).is_err());
        // Extended tiny: 20-byte ID, 12-bit length.
        let mut id = vec![0x20, 1]; // tiny, length (0 << 8 | 1) + 1 = 2
        id.extend_from_slice(b"xy");
        id.resize(20, 0);
        assert_eq!(heap.get(&f, S8, &id, &Limits::default()).unwrap(), b"xy");
        // Bad version / type.
        assert!(heap.get(&f, S8, &[0x40, 0, 0], &Limits::default()).is_err());
        assert!(heap.get(&f, S8, &[0x30, 0, 0], &Limits::default()).is_err());
        assert!(heap.get(&f, S8, &[], &Limits::default()).is_err());
        // A managed ID in an empty heap.
        assert!(heap
            .get(&f, S8, &managed_id(20, 1), &Limits::default())
            .is_err());
    }

    #[test]
    fn huge_objects_through_btree() {
        use crate::format::btree_v2::tests as bt;
        let mut f = Vec::new();
        place(&mut f, 0, &header(u64::MAX, 0, 400));
        // Type-1 records: address, length, id (24 bytes).
        let rec = |addr: u64, len: u64, id: u64| {
            let mut v = addr.to_le_bytes().to_vec(); // huge object address
            v.extend_from_slice(&len.to_le_bytes()); // huge object length
            v.extend_from_slice(&id.to_le_bytes()); // huge object id
            v
        };
        place(&mut f, 400, &bt::header(1, 512, 24, 0, 500, 2, 2));
        place(&mut f, 500, &bt::leaf(1, &[rec(800, 3, 1), rec(810, 4, 2)]));
        place(&mut f, 800, b"abc");
        place(&mut f, 810, b"defg");
        let heap = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap();
        // 8-byte IDs are too short for address + length: indirect, 7-byte id.
        let id = |n: u8| [0x10, n, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            heap.get(&f, S8, &id(2), &Limits::default()).unwrap(),
            b"defg"
        );
        assert_eq!(
            heap.get(&f, S8, &id(1), &Limits::default()).unwrap(),
            b"abc"
        );
        let e = heap.get(&f, S8, &id(3), &Limits::default()).unwrap_err();
        assert!(e.message().contains("not in the huge object B-tree"), "{e}");
    }

    #[test]
    fn huge_objects_directly_addressed() {
        // With 2-byte offsets and lengths, an 8-byte ID holds address + length.
        let s2 = Sizes {
            offset: 2,
            length: 2,
        };
        let mut h = Vec::new();
        h.extend_from_slice(b"FRHP"); // signature
        h.push(0); // version
        h.extend_from_slice(&8u16.to_le_bytes()); // heap ID length
        h.extend_from_slice(&0u16.to_le_bytes()); // filter info length
        h.push(0); // flags
        h.extend_from_slice(&100u32.to_le_bytes()); // max managed object size
        h.extend_from_slice(&[0, 0]); // next huge id
        h.extend_from_slice(&[0xff, 0xff]); // huge B-tree address
        h.extend_from_slice(&[0, 0]); // free space
        h.extend_from_slice(&[0xff, 0xff]); // free-space manager
        h.extend_from_slice(&[0; 16]); // managed space .. tiny objects count (8 x 2 bytes)
        h.extend_from_slice(&4u16.to_le_bytes()); // table width
        h.extend_from_slice(&512u16.to_le_bytes()); // starting block size
        h.extend_from_slice(&4096u16.to_le_bytes()); // max direct block size
        h.extend_from_slice(&16u16.to_le_bytes()); // max heap size bits
        h.extend_from_slice(&1u16.to_le_bytes()); // starting root rows
        h.extend_from_slice(&[0xff, 0xff]); // root block address
        h.extend_from_slice(&0u16.to_le_bytes()); // current root rows
        let mut f = with_checksum(h);
        place(&mut f, 100, b"HUGE!");
        let heap = read_fractal_heap(&f, s2, 0, &Limits::default()).unwrap();
        let id = [0x10, 100, 0, 5, 0, 0, 0, 0]; // huge, address 100, length 5
        assert_eq!(heap.get(&f, s2, &id, &Limits::default()).unwrap(), b"HUGE!");
        let id = [0x10, 100, 0, 50, 0, 0, 0, 0]; // runs past the end of the file
        assert!(heap.get(&f, s2, &id, &Limits::default()).is_err());
    }

    #[test]
    fn header_errors() {
        let mut f = header(200, 0, u64::MAX);
        f[10] ^= 1;
        assert!(read_fractal_heap(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("checksum"));
        let f = header(200, 0, u64::MAX);
        assert!(read_fractal_heap(&f[..50], S8, 0, &Limits::default()).is_err());
        let mut f = header(200, 0, u64::MAX);
        f[0] = b'X';
        assert!(read_fractal_heap(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("FRHP"));
        // Table width 3 is not a power of two.
        let mut v = header(200, 0, u64::MAX);
        v.truncate(v.len() - 4);
        let width_at = 4 + 1 + 2 + 2 + 1 + 4 + 8 * 12;
        v[width_at] = 3;
        let f = with_checksum(v);
        let e = read_fractal_heap(&f, S8, 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("table width"), "{e}");
    }
}
