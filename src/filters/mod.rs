//! The filter pipeline: the transformations a chunked dataset's chunks go
//! through between memory and disk (HDF5 spec, "Filter Pipeline Message",
//! IV.A.2.l).
//!
//! A dataset's pipeline lists filters in the order the writer applied them;
//! reading undoes them in reverse. Each stored chunk carries a filter mask:
//! bit `i` set means filter `i` was skipped when that chunk was written
//! (an optional filter that failed, typically a compressor that could not
//! shrink the chunk).
//!
//! | id    | filter      | decode | encode |
//! |-------|-------------|--------|--------|
//! | 1     | deflate     | yes    | yes    |
//! | 2     | shuffle     | yes    | yes    |
//! | 3     | fletcher32  | yes    | yes    |
//! | 5     | nbit        | yes    | no     |
//! | 6     | scaleoffset | yes    | no     |
//! | 32000 | lzf         | yes    | yes    |
//! | 32004 | lz4         | yes    | yes    |
//! | 32008 | bitshuffle  | yes (none or lz4) | yes (none or lz4) |
//!
//! Everything here uses only `core` and `alloc`. With the `std` feature,
//! deflate goes through flate2's zlib-rs backend; without it, through
//! miniz_oxide.
//!
//! Filters do not know where in the file a chunk lives: their errors carry no
//! offset, and the caller attaches one with [`Error::at`].

mod bitshuffle;
mod buffers;
mod deflate;
mod fletcher32;
mod lz4;
mod lzf;
mod nbit;
mod scaleoffset;
mod shuffle;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

pub use fletcher32::checksum as fletcher32_checksum;

/// HDF5 filter identifiers, with names as the canonical dump prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterId {
    /// 1: zlib deflate.
    Deflate,
    /// 2: byte shuffle.
    Shuffle,
    /// 3: Fletcher-32 checksum.
    Fletcher32,
    /// 4: szip (not implemented).
    Szip,
    /// 5: n-bit packing (decoding only).
    Nbit,
    /// 6: scale-offset (decoding only).
    ScaleOffset,
    /// 32000: LZF, as h5py registers it.
    Lzf,
    /// 32004: LZ4, as the HDF Group's plugin frames it.
    Lz4,
    /// 32008: bitshuffle, optionally with LZ4.
    Bitshuffle,
    /// Any other identifier, carried as is.
    Other(u16),
}

impl FilterId {
    /// The filter with identifier `id`.
    pub fn from_u16(id: u16) -> Self {
        match id {
            1 => FilterId::Deflate,
            2 => FilterId::Shuffle,
            3 => FilterId::Fletcher32,
            4 => FilterId::Szip,
            5 => FilterId::Nbit,
            6 => FilterId::ScaleOffset,
            32000 => FilterId::Lzf,
            32004 => FilterId::Lz4,
            32008 => FilterId::Bitshuffle,
            other => FilterId::Other(other),
        }
    }

    /// The identifier as stored in the filter pipeline message.
    pub fn to_u16(self) -> u16 {
        match self {
            FilterId::Deflate => 1,
            FilterId::Shuffle => 2,
            FilterId::Fletcher32 => 3,
            FilterId::Szip => 4,
            FilterId::Nbit => 5,
            FilterId::ScaleOffset => 6,
            FilterId::Lzf => 32000,
            FilterId::Lz4 => 32004,
            FilterId::Bitshuffle => 32008,
            FilterId::Other(id) => id,
        }
    }

    /// The name the canonical dump prints: the seven filters the dump
    /// specification names, and `filter-N` for every other id (LZ4 and
    /// bitshuffle included).
    pub fn name(self) -> String {
        match self {
            FilterId::Deflate => String::from("deflate"),
            FilterId::Shuffle => String::from("shuffle"),
            FilterId::Fletcher32 => String::from("fletcher32"),
            FilterId::Szip => String::from("szip"),
            FilterId::Nbit => String::from("nbit"),
            FilterId::ScaleOffset => String::from("scaleoffset"),
            FilterId::Lzf => String::from("lzf"),
            other => format!("filter-{}", other.to_u16()),
        }
    }
}

/// Bit 0 of a filter's flags: the filter is optional, so a writer that could
/// not apply it may skip it for a chunk (and set the chunk's mask bit).
pub const FLAG_OPTIONAL: u16 = 0x0001;

/// The most filters a pipeline can hold: the chunk filter mask has 32 bits.
pub const MAX_FILTERS: usize = 32;

/// One filter of a pipeline, as the filter pipeline message stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterStep<'a> {
    /// The filter identifier (see [`FilterId`]).
    pub id: u16,
    /// The filter flags; bit 0 ([`FLAG_OPTIONAL`]) marks an optional filter.
    pub flags: u16,
    /// The filter's client data values.
    pub client_data: &'a [u32],
}

impl FilterStep<'_> {
    /// Whether the filter is optional (flags bit 0).
    pub fn is_optional(&self) -> bool {
        self.flags & FLAG_OPTIONAL != 0
    }

    /// The filter identifier as an enum.
    pub fn filter_id(&self) -> FilterId {
        FilterId::from_u16(self.id)
    }
}

/// Undoes a dataset's pipeline for one chunk.
///
/// Filters are undone in reverse order; filter `i` is skipped when bit `i` of
/// `filter_mask` is set. `element_size` is the datatype size in bytes (used by
/// shuffle when its client data does not say). `chunk_bytes` is the exact
/// unfiltered size of a full chunk: the result must be exactly that long.
/// `max_bytes` bounds every intermediate output (and so `chunk_bytes` too), so
/// a decompression bomb fails with [`ErrorKind::LimitExceeded`] instead of
/// allocating.
///
/// Errors carry no file offset; attach the chunk address with [`Error::at`].
pub fn decode_chunk(
    steps: &[FilterStep],
    filter_mask: u32,
    data: Vec<u8>,
    element_size: usize,
    chunk_bytes: usize,
    max_bytes: usize,
) -> Result<Vec<u8>> {
    if steps.len() > MAX_FILTERS {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "filter pipeline: expected at most {MAX_FILTERS} filters, found {}",
                steps.len()
            ),
        ));
    }
    if chunk_bytes > max_bytes {
        return Err(Error::limit(format!(
            "chunk of {chunk_bytes} bytes exceeds the limit of {max_bytes} bytes"
        )));
    }
    let mut data = data;
    for (index, step) in steps.iter().enumerate().rev() {
        if filter_mask & (1u32 << index) != 0 {
            continue;
        }
        let ctx = DecodeContext {
            element_size,
            chunk_bytes,
            max_bytes,
        };
        data = decode_step(step, data, &ctx)?;
    }
    if data.len() != chunk_bytes {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "filtered chunk: expected {chunk_bytes} bytes after undoing the filters, found {}",
                data.len()
            ),
        ));
    }
    Ok(data)
}

/// Applies a pipeline forward, as a writer does: filter 0 first.
///
/// Deflate (client data 0 is the level, 0-9; 6 when absent), shuffle,
/// fletcher32, lzf, lz4 (client data 0 is the block size in bytes, 0 or
/// absent for the plugin's 1 GiB) and bitshuffle (client data
/// `[_, _, element size, block size, compression]`, compression 0 or 2 for
/// LZ4; the element size falls back to `element_size`) are supported; any
/// other filter is an [`ErrorKind::Unsupported`] error. Every filter is
/// applied (filter mask 0): where h5py's LZF would give up on a chunk that
/// does not shrink and store it raw, this writes a literal-only LZF stream.
pub fn encode_chunk(steps: &[FilterStep], data: Vec<u8>, element_size: usize) -> Result<Vec<u8>> {
    check_encode_steps(steps)?;
    let mut data = data;
    for step in steps {
        data = encode_step(step, data, element_size)?;
    }
    Ok(data)
}

/// Like [`encode_chunk`] on a borrowed chunk: the first filter reads
/// `data` in place (no copy of the chunk is made unless the pipeline is
/// empty or its first filter needs an owned buffer).
pub fn encode_chunk_slice(
    steps: &[FilterStep],
    data: &[u8],
    element_size: usize,
) -> Result<Vec<u8>> {
    check_encode_steps(steps)?;
    let Some((first, rest)) = steps.split_first() else {
        return Ok(data.to_vec());
    };
    let mut out = match first.filter_id() {
        FilterId::Deflate => deflate::encode(data, deflate_level(first)?)?,
        FilterId::Shuffle => {
            shuffle::shuffle_slice(data, shuffle_element_size(first, element_size))
        }
        _ => encode_step(first, data.to_vec(), element_size)?,
    };
    for step in rest {
        out = encode_step(step, out, element_size)?;
    }
    Ok(out)
}

fn check_encode_steps(steps: &[FilterStep]) -> Result<()> {
    if steps.len() > MAX_FILTERS {
        return Err(Error::wrong_use(format!(
            "filter pipeline: at most {MAX_FILTERS} filters, got {}",
            steps.len()
        )));
    }
    Ok(())
}

/// The deflate level of a deflate step (6 when absent), checked to be 0-9.
fn deflate_level(step: &FilterStep) -> Result<u8> {
    let level = step.client_data.first().copied().unwrap_or(6);
    if level > 9 {
        return Err(Error::wrong_use(format!(
            "deflate: expected a level from 0 to 9, got {level}"
        )));
    }
    // `level <= 9` was checked just above.
    Ok(level as u8)
}

/// Applies one filter forward, taking ownership of the input buffer.
fn encode_step(step: &FilterStep, data: Vec<u8>, element_size: usize) -> Result<Vec<u8>> {
    Ok(match step.filter_id() {
        FilterId::Deflate => {
            let packed = deflate::encode(&data, deflate_level(step)?)?;
            buffers::give(data);
            packed
        }
        FilterId::Shuffle => {
            let size = shuffle_element_size(step, element_size);
            shuffle::shuffle(data, size)
        }
        FilterId::Fletcher32 => fletcher32::append(data),
        FilterId::Lzf => {
            let packed = lzf::encode(&data);
            buffers::give(data);
            packed
        }
        FilterId::Lz4 => {
            let block_bytes = step.client_data.first().copied().unwrap_or(0);
            let packed = lz4::encode_hdf5(&data, block_bytes)?;
            buffers::give(data);
            packed
        }
        FilterId::Bitshuffle => {
            let packed = bitshuffle::encode(&data, step.client_data, element_size)?;
            buffers::give(data);
            packed
        }
        other => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{} (id {}): encoding is not implemented",
                    other.name(),
                    step.id
                ),
            ))
        }
    })
}

/// Hands back a buffer that [`encode_chunk`] or [`encode_chunk_slice`]
/// returned, once it has been written out. Later encodes on any thread
/// reuse its memory rather than fresh pages from the operating system.
/// Optional; without `std` the buffer is dropped.
pub fn recycle_encoded(buffer: Vec<u8>) {
    buffers::give_shared(buffer);
}

/// Hands back a buffer that [`decode_chunk`] returned, once its contents
/// have been copied out. Later decodes on the same thread reuse its memory
/// rather than fresh pages from the operating system, which matters when
/// chunks are large and many. Optional; without `std` the buffer is dropped.
pub fn recycle_buffer(buffer: Vec<u8>) {
    buffers::give(buffer);
}

/// What every decoder may need to know about the chunk.
struct DecodeContext {
    element_size: usize,
    chunk_bytes: usize,
    max_bytes: usize,
}

fn decode_step(step: &FilterStep, data: Vec<u8>, ctx: &DecodeContext) -> Result<Vec<u8>> {
    let decoded = match step.filter_id() {
        FilterId::Shuffle => {
            let size = shuffle_element_size(step, ctx.element_size);
            return Ok(shuffle::unshuffle(data, size));
        }
        FilterId::Fletcher32 => return fletcher32::verify_and_strip(data),
        FilterId::Nbit => return nbit::decode(data, step.client_data, ctx.max_bytes),
        FilterId::ScaleOffset => return scaleoffset::decode(data, step.client_data, ctx.max_bytes),
        FilterId::Deflate => deflate::decode(&data, ctx.chunk_bytes, ctx.max_bytes)?,
        FilterId::Lzf => lzf::decode(&data, ctx.chunk_bytes, ctx.max_bytes)?,
        FilterId::Lz4 => lz4::decode_hdf5(&data, ctx.max_bytes)?,
        FilterId::Bitshuffle => bitshuffle::decode(&data, step.client_data, ctx.max_bytes)?,
        other => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                    "{} (id {}): decoding is not implemented{}",
                    other.name(),
                    step.id,
                    if step.is_optional() {
                        " (the filter is optional, but this chunk's mask says it was applied)"
                    } else {
                        ""
                    }
                ),
            ))
        }
    };
    buffers::give(data);
    Ok(decoded)
}

/// libhdf5's shuffle stores the element size as client data 0 (its
/// "set local" callback); fall back to the datatype size.
fn shuffle_element_size(step: &FilterStep, element_size: usize) -> usize {
    match step.client_data.first() {
        Some(&size) if size > 0 => size as usize,
        _ => element_size,
    }
}

/// Reads a big-endian `u32` at `pos`, or `None` past the end.
fn read_u32_be(bytes: &[u8], pos: usize) -> Option<u32> {
    let field = bytes.get(pos..pos.checked_add(4)?)?;
    let mut raw = [0u8; 4];
    raw.copy_from_slice(field);
    Some(u32::from_be_bytes(raw))
}

/// Reads a big-endian `u64` at `pos`, or `None` past the end.
fn read_u64_be(bytes: &[u8], pos: usize) -> Option<u64> {
    let field = bytes.get(pos..pos.checked_add(8)?)?;
    let mut raw = [0u8; 8];
    raw.copy_from_slice(field);
    Some(u64::from_be_bytes(raw))
}

/// Appends `len` bytes copied from `distance` bytes before the end of `out`
/// (LZ77 back reference; the source may overlap the bytes being appended).
/// The caller checks `1 <= distance <= out.len()`.
fn copy_back_reference(out: &mut Vec<u8>, distance: usize, len: usize) {
    let Some(start) = out.len().checked_sub(distance) else {
        return;
    };
    if distance == 0 {
        return;
    }
    let mut remaining = len;
    // Each copy can take everything from `start` to the current end: the
    // output is periodic with period `distance` from `start` on.
    while remaining > 0 {
        let n = remaining.min(out.len() - start);
        out.extend_from_within(start..start + n);
        remaining -= n;
    }
}

/// Checks a size declared by compressed data against `max_bytes`.
fn declared_size(filter: &str, size: u64, max_bytes: usize) -> Result<usize> {
    match usize::try_from(size) {
        Ok(size) if size <= max_bytes => Ok(size),
        _ => Err(Error::limit(format!(
            "{filter}: declared uncompressed size of {size} bytes exceeds the limit of {max_bytes} bytes"
        ))),
    }
}

#[cfg(test)]
mod tests;
