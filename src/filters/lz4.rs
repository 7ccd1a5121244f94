//! Filter 32004, LZ4, framed as the HDF Group's plugin (`H5Zlz4.c`) frames
//! it, and the LZ4 block format decoder that bitshuffle shares.
//!
//! Chunk layout (all integers big-endian):
//!
//! | bytes | field |
//! |-------|-------|
//! | 8     | uncompressed size of the chunk |
//! | 4     | block size (uncompressed bytes per block; the last may be shorter) |
//! | per block: 4 | compressed size of the block; equal to the block's uncompressed size when it is stored as is |
//! | per block: n | the LZ4 block, or the raw bytes |
//!
//! An LZ4 block is a sequence of commands: a token byte whose high nibble is
//! the literal count and low nibble the match length minus 4 (each extended
//! by following bytes while they are 255 when the nibble is 15), the
//! literals, then a little-endian 16-bit match distance. The last command
//! has literals only.
//!
//! The encoder follows the block format's end rules, which liblz4's
//! decoders rely on: the last 5 bytes are literals, and no match starts in
//! the last 12 bytes. The plugin's decoder treats a block whose compressed
//! size equals its size as stored, so the encoder stores a block raw
//! whenever LZ4 does not make it smaller.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

use super::{copy_back_reference, declared_size, read_u32_be, read_u64_be};

/// Bytes before the first block: the total and block sizes.
const HEADER_BYTES: usize = 12;

/// The shortest LZ4 match.
const MIN_MATCH: usize = 4;
/// The farthest match: the distance field has 16 bits.
const MAX_DISTANCE: usize = 0xffff;
/// A block ends with at least this many literals (`LASTLITERALS`).
const LAST_LITERALS: usize = 5;
/// No match starts in the last this many bytes of a block (`MFLIMIT`).
const MATCH_FIND_LIMIT: usize = 12;
/// Bits of the match finder's hash of 4 bytes.
const HASH_BITS: u32 = 13;
/// The plugin's block size when client data 0 is 0 or absent (1 GiB).
const DEFAULT_BLOCK_BYTES: u32 = 1 << 30;

/// Encodes a chunk as the HDF5 LZ4 filter does, cutting it into blocks of
/// `block_bytes` (client data 0; 0 means the plugin's default of 1 GiB).
///
/// Only input longer than 16 EiB could fail; the result is `Ok` otherwise.
pub(crate) fn encode_hdf5(input: &[u8], block_bytes: u32) -> Result<Vec<u8>> {
    let total = u64::try_from(input.len())
        .map_err(|_| Error::wrong_use("lz4: chunk larger than 2^64 bytes"))?;
    let block_bytes = if block_bytes == 0 {
        DEFAULT_BLOCK_BYTES
    } else {
        block_bytes
    };
    // As the plugin does, a block size larger than the data means one block
    // of exactly the data (which fits in the `u32`).
    let block_bytes = usize::try_from(block_bytes)
        .unwrap_or(usize::MAX)
        .min(input.len());
    let mut out = Vec::with_capacity(HEADER_BYTES + input.len() + input.len() / 64 + 16);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&(block_bytes as u32).to_be_bytes());
    let mut encoder = BlockEncoder::new();
    for block in input.chunks(block_bytes.max(1)) {
        let size_at = out.len();
        out.extend_from_slice(&[0; 4]);
        encoder.encode(block, &mut out);
        let mut compressed = out.len() - size_at - 4;
        if compressed >= block.len() {
            out.truncate(size_at + 4);
            out.extend_from_slice(block);
            compressed = block.len();
        }
        // `compressed <= block.len() <= block_bytes`, which came from a `u32`.
        if let Some(field) = out.get_mut(size_at..size_at + 4) {
            field.copy_from_slice(&(compressed as u32).to_be_bytes());
        }
    }
    Ok(out)
}

/// A greedy LZ4 block compressor; its hash table is reused across blocks.
pub(crate) struct BlockEncoder {
    /// Positions in the current block plus one; 0 is an empty slot.
    table: Vec<u32>,
}

impl BlockEncoder {
    pub(crate) fn new() -> Self {
        BlockEncoder {
            table: alloc::vec![0; 1 << HASH_BITS],
        }
    }

    /// Appends `input` as one LZ4 block to `out`. Blocks of 4 GiB or more
    /// are stored as literals only.
    pub(crate) fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.table.fill(0);
        let mut literal_start = 0usize;
        let mut pos = 0usize;
        // Matches end before the last literals and start before the limit.
        let match_end_limit = input.len().saturating_sub(LAST_LITERALS);
        let search_end = if u32::try_from(input.len()).is_ok() {
            input.len().saturating_sub(MATCH_FIND_LIMIT - 1)
        } else {
            0
        };
        while pos < search_end {
            let Some(prefix) = input.get(pos..pos + MIN_MATCH) else {
                break;
            };
            // `pos < 2^32 - 1`, checked with `search_end`.
            let slot = self
                .table
                .get_mut(hash4(prefix))
                .map(|slot| core::mem::replace(slot, pos as u32 + 1));
            let candidate = match slot.and_then(|c| (c as usize).checked_sub(1)) {
                Some(c) if c < pos && pos - c <= MAX_DISTANCE => c,
                _ => {
                    pos += 1;
                    continue;
                }
            };
            let len = match_len(input, candidate, pos, match_end_limit - pos);
            if len < MIN_MATCH {
                pos += 1;
                continue;
            }
            let literals = input.get(literal_start..pos).unwrap_or(&[]);
            push_sequence(out, literals, Some((pos - candidate, len)));
            pos += len;
            literal_start = pos;
        }
        push_sequence(out, input.get(literal_start..).unwrap_or(&[]), None);
    }
}

fn hash4(prefix: &[u8]) -> usize {
    let mut value = 0u32;
    for &byte in prefix {
        value = value << 8 | u32::from(byte);
    }
    (value.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)) as usize
}

/// How many bytes from `pos` on equal those from `candidate` on, at most
/// `max_len` (`candidate < pos`; the two ranges may overlap).
fn match_len(input: &[u8], candidate: usize, pos: usize, max_len: usize) -> usize {
    match (input.get(candidate..), input.get(pos..)) {
        (Some(earlier), Some(here)) => earlier
            .iter()
            .zip(here)
            .take(max_len)
            .take_while(|(a, b)| a == b)
            .count(),
        _ => 0,
    }
}

/// Appends one command: the literals, then the match `(distance, length)`
/// unless this is the last command.
fn push_sequence(out: &mut Vec<u8>, literals: &[u8], matched: Option<(usize, usize)>) {
    let match_code = matched.map_or(0, |(_, len)| len - MIN_MATCH);
    let token = (literals.len().min(15) as u8) << 4 | match_code.min(15) as u8;
    out.push(token);
    push_length_extension(out, literals.len());
    out.extend_from_slice(literals);
    if let Some((distance, _)) = matched {
        // `distance <= MAX_DISTANCE`, 16 bits.
        out.extend_from_slice(&(distance as u16).to_le_bytes());
        push_length_extension(out, match_code);
    }
}

/// The bytes after a length nibble of 15: `len - 15` as 255s and a rest.
fn push_length_extension(out: &mut Vec<u8>, len: usize) {
    let Some(mut rest) = len.checked_sub(15) else {
        return;
    };
    while rest >= 255 {
        out.push(255);
        rest -= 255;
    }
    out.push(rest as u8);
}

/// Decodes a chunk written by the HDF5 LZ4 filter.
pub(crate) fn decode_hdf5(input: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let (Some(total), Some(block_size)) = (read_u64_be(input, 0), read_u32_be(input, 8)) else {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "lz4: expected a {HEADER_BYTES}-byte header, found {} bytes of data",
                input.len()
            ),
        ));
    };
    let total = declared_size("lz4", total, max_bytes)?;
    // As the plugin does, a block size larger than the data means one block.
    let block_size = (block_size as usize).min(total);
    if block_size == 0 && total > 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!("lz4: block size 0 for {total} bytes of data"),
        ));
    }
    let mut out = Vec::with_capacity(total);
    let mut pos = HEADER_BYTES;
    while out.len() < total {
        let this_block = block_size.min(total - out.len());
        let compressed = read_u32_be(input, pos).ok_or_else(|| {
            Error::new(
                ErrorKind::Malformed,
                format!(
                    "lz4: expected a block size at input byte {pos}, found the end of the data ({} of {total} bytes decoded)",
                    out.len()
                ),
            )
        })? as usize;
        pos += 4;
        let block = pos
            .checked_add(compressed)
            .and_then(|end| input.get(pos..end))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "lz4: block at input byte {pos} declares {compressed} bytes, only {} remain",
                        input.len().saturating_sub(pos)
                    ),
                )
            })?;
        pos += compressed;
        if compressed == this_block {
            out.extend_from_slice(block);
        } else {
            decode_block(block, &mut out, this_block)?;
        }
    }
    Ok(out)
}

/// Decodes one LZ4 block, appending exactly `expected_bytes` to `out`
/// (earlier bytes of `out` are not referenced).
pub(crate) fn decode_block(input: &[u8], out: &mut Vec<u8>, expected_bytes: usize) -> Result<()> {
    let start = out.len();
    let end = start
        .checked_add(expected_bytes)
        .ok_or_else(|| overflow(expected_bytes))?;
    out.reserve(expected_bytes);
    let mut pos = 0usize;
    loop {
        let token = *input.get(pos).ok_or_else(|| {
            Error::new(
                ErrorKind::Malformed,
                format!(
                    "lz4: expected a token at block byte {pos}, found the end of the block ({} of {expected_bytes} bytes decoded)",
                    out.len() - start
                ),
            )
        })?;
        pos += 1;

        let literal_len = read_length(input, &mut pos, usize::from(token >> 4))?;
        let literals = pos
            .checked_add(literal_len)
            .and_then(|literal_end| input.get(pos..literal_end))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "lz4: literal run of {literal_len} bytes at block byte {pos} runs past the end of the block"
                    ),
                )
            })?;
        if literal_len > end - out.len() {
            return Err(too_long(expected_bytes));
        }
        out.extend_from_slice(literals);
        pos += literal_len;

        if pos == input.len() {
            // The last command carries literals only.
            break;
        }

        let distance = input
            .get(pos..pos + 2)
            .map(|d| usize::from(u16::from_le_bytes([d[0], d[1]])))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Malformed,
                    format!("lz4: expected a match distance at block byte {pos}, found the end of the block"),
                )
            })?;
        pos += 2;
        let produced = out.len() - start;
        if distance == 0 || distance > produced {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "lz4: match distance {distance} at output byte {produced} points outside the block's output"
                ),
            ));
        }
        let match_len = read_length(input, &mut pos, usize::from(token & 0x0f))?
            .checked_add(MIN_MATCH)
            .ok_or_else(|| overflow(expected_bytes))?;
        if match_len > end - out.len() {
            return Err(too_long(expected_bytes));
        }
        copy_back_reference(out, distance, match_len);
    }
    if out.len() != end {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "lz4: expected a block of {expected_bytes} bytes, decoded {}",
                out.len() - start
            ),
        ));
    }
    Ok(())
}

/// Reads a 4-bit length and, when it is 15, its extension bytes.
fn read_length(input: &[u8], pos: &mut usize, nibble: usize) -> Result<usize> {
    let mut len = nibble;
    if nibble == 15 {
        loop {
            let byte = *input.get(*pos).ok_or_else(|| {
                Error::new(
                    ErrorKind::Malformed,
                    format!("lz4: expected a length byte at block byte {pos}, found the end of the block"),
                )
            })?;
            *pos += 1;
            len = len
                .checked_add(usize::from(byte))
                .ok_or_else(|| overflow(len))?;
            if byte != 255 {
                break;
            }
        }
    }
    Ok(len)
}

fn too_long(expected_bytes: usize) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!("lz4: block decodes to more than the expected {expected_bytes} bytes"),
    )
}

fn overflow(value: usize) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!("lz4: length overflows after {value} bytes"),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec;

    /// Encodes `data` as one LZ4 block of literals only (valid, if useless).
    pub(crate) fn literal_block(data: &[u8]) -> Vec<u8> {
        let mut block = Vec::new();
        if data.len() < 15 {
            block.push((data.len() as u8) << 4);
        } else {
            block.push(0xf0);
            let mut rest = data.len() - 15;
            while rest >= 255 {
                block.push(255);
                rest -= 255;
            }
            block.push(rest as u8);
        }
        block.extend_from_slice(data);
        block
    }

    /// Corpus file lz4_datasets.hdf5, dataset /float64_bs0:
    /// `np.arange(20, dtype='<f8')` in one chunk, one compressed block.
    const CORPUS_FLOAT64_CHUNK: [u8; 100] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, // total size: 160 bytes
        0x00, 0x00, 0x00, 0xa0, // block size: 160 bytes (one block)
        0x00, 0x00, 0x00, 0x54, // compressed block size: 84 bytes
        // The LZ4 block.
        0x19, 0x00, 0x01, 0x00, 0x23, 0xf0, 0x3f, 0x0f, 0x00, 0x12, 0x40, 0x08, //
        0x00, 0x13, 0x08, 0x08, 0x00, 0x13, 0x10, 0x08, 0x00, 0x13, 0x14, 0x08, //
        0x00, 0x13, 0x18, 0x08, 0x00, 0x13, 0x1c, 0x08, 0x00, 0x13, 0x20, 0x08, //
        0x00, 0x13, 0x22, 0x08, 0x00, 0x13, 0x24, 0x08, 0x00, 0x13, 0x26, 0x08, //
        0x00, 0x13, 0x28, 0x08, 0x00, 0x13, 0x2a, 0x08, 0x00, 0x13, 0x2c, 0x08, //
        0x00, 0x13, 0x2e, 0x08, 0x00, 0x13, 0x30, 0x08, 0x00, 0x13, 0x31, 0x08, //
        0x00, 0xa0, 0x32, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x33, 0x40, //
    ];

    fn encode_block(data: &[u8]) -> Vec<u8> {
        let mut block = Vec::new();
        BlockEncoder::new().encode(data, &mut block);
        block
    }

    /// Checks the end rules liblz4's decoders rely on, walking the block.
    fn check_end_rules(block: &[u8], n: usize) {
        let mut pos = 0;
        let mut produced = 0;
        loop {
            let token = block[pos];
            pos += 1;
            let literals = read_length(block, &mut pos, usize::from(token >> 4)).unwrap();
            pos += literals;
            produced += literals;
            if pos == block.len() {
                break;
            }
            assert!(produced + MATCH_FIND_LIMIT <= n, "match starts too late");
            pos += 2;
            let len = read_length(block, &mut pos, usize::from(token & 15)).unwrap() + MIN_MATCH;
            produced += len;
            assert!(produced + LAST_LITERALS <= n, "match ends too late");
        }
        assert_eq!(produced, n);
    }

    fn round_trip(data: &[u8]) {
        let block = encode_block(data);
        check_end_rules(&block, data.len());
        let mut out = vec![0xaa];
        decode_block(&block, &mut out, data.len()).unwrap();
        assert_eq!(out[1..], data[..]);
        for block_bytes in [0, 1, 7, 64, 1000] {
            let chunk = encode_hdf5(data, block_bytes).unwrap();
            assert_eq!(decode_hdf5(&chunk, data.len()).unwrap(), data);
        }
    }

    #[test]
    fn encodes_small_inputs() {
        assert_eq!(encode_block(&[]), [0x00]);
        assert_eq!(encode_block(&[9]), [0x10, 9]);
        // Too short for any match under the end rules.
        assert_eq!(encode_block(&[0; 12]), literal_block(&[0; 12]));
        for n in 0..40 {
            round_trip(&vec![3u8; n]);
        }
        // The framing of an empty chunk: sizes 0, no blocks.
        assert_eq!(encode_hdf5(&[], 0).unwrap(), [0; 12]);
        assert_eq!(decode_hdf5(&[0; 12], 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn encodes_corpus_values() {
        let data: Vec<u8> = (0..20).flat_map(|i| f64::from(i).to_le_bytes()).collect();
        let chunk = encode_hdf5(&data, 0).unwrap();
        assert_eq!(chunk[..12], CORPUS_FLOAT64_CHUNK[..12]);
        assert!(chunk.len() < data.len());
        assert_eq!(decode_hdf5(&chunk, 1024).unwrap(), data);
    }

    #[test]
    fn incompressible_blocks_are_stored() {
        let data: Vec<u8> = (0..=255u8).collect();
        let chunk = encode_hdf5(&data, 100).unwrap();
        // Header, then 100 + 100 + 56 raw bytes, each with its size.
        assert_eq!(chunk.len(), 12 + 3 * 4 + 256);
        assert_eq!(chunk[8..16], [0, 0, 0, 100, 0, 0, 0, 100]);
        assert_eq!(decode_hdf5(&chunk, 256).unwrap(), data);
    }

    #[test]
    fn long_matches_and_far_distances() {
        round_trip(&vec![0u8; 100_000]);
        let mut far: Vec<u8> = (0..MAX_DISTANCE + 10)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        far.extend_from_within(..1000);
        far.extend_from_within(20..2000);
        round_trip(&far);
    }

    proptest::proptest! {
        #[test]
        fn random_data_round_trips(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..5000)) {
            round_trip(&data);
        }

        #[test]
        fn compressible_data_round_trips(
            alphabet in 1u8..5,
            lengths in proptest::collection::vec(1usize..400, 0..60),
        ) {
            let data: Vec<u8> = lengths
                .iter()
                .enumerate()
                .flat_map(|(i, &n)| core::iter::repeat_n(i as u8 % alphabet, n))
                .collect();
            round_trip(&data);
        }
    }

    #[test]
    fn decodes_corpus_chunk() {
        let out = decode_hdf5(&CORPUS_FLOAT64_CHUNK, 1024).unwrap();
        let expected: Vec<u8> = (0..20).flat_map(|i| f64::from(i).to_le_bytes()).collect();
        assert_eq!(out, expected);
        // The block decodes to exactly 160 bytes, not one fewer or more.
        let block = &CORPUS_FLOAT64_CHUNK[16..];
        assert!(decode_block(block, &mut Vec::new(), 159).is_err());
        assert!(decode_block(block, &mut Vec::new(), 161).is_err());
    }

    #[test]
    fn literal_only_block() {
        for len in [0usize, 1, 14, 15, 16, 269, 270, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut out = vec![0xaa];
            decode_block(&literal_block(&data), &mut out, len).unwrap();
            assert_eq!(out[1..], data[..], "length {len}");
        }
    }

    #[test]
    fn overlapping_match() {
        // Token: 1 literal, match length 4 + 15 + 3 = 22; literal 'a';
        // distance 1; extension 3; then a final token with 2 literals.
        let block = [0x1f, b'a', 0x01, 0x00, 0x03, 0x20, b'x', b'y'];
        let mut out = Vec::new();
        decode_block(&block, &mut out, 25).unwrap();
        assert_eq!(out, b"aaaaaaaaaaaaaaaaaaaaaaaxy");
    }

    #[test]
    fn block_errors() {
        let mut out = Vec::new();
        // Empty block.
        assert!(decode_block(&[], &mut out, 0).is_err());
        // Literal run past the end.
        assert!(decode_block(&[0x30, 1, 2], &mut out, 3).is_err());
        // Distance 0 and distance past the start.
        assert!(decode_block(&[0x10, 1, 0, 0, 0x00], &mut out, 5).is_err());
        assert!(decode_block(&[0x10, 1, 2, 0, 0x00], &mut out, 5).is_err());
        // Missing half of the distance.
        assert!(decode_block(&[0x10, 1, 1], &mut out, 5).is_err());
        // More output than expected, and less.
        assert!(decode_block(&[0x10, 1, 1, 0, 0x00], &mut out, 4).is_err());
        assert!(decode_block(&[0x10, 1, 1, 0, 0x00], &mut out, 9).is_err());
        // Length extension missing.
        assert!(decode_block(&[0xf0], &mut out, 20).is_err());
    }

    #[test]
    fn hdf5_framing_stored_and_compressed_blocks() {
        let data: Vec<u8> = (0..20u8).collect();
        let mut chunk = Vec::new();
        chunk.extend_from_slice(&20u64.to_be_bytes());
        chunk.extend_from_slice(&8u32.to_be_bytes());
        // Block 1: stored (compressed size == block size).
        chunk.extend_from_slice(&8u32.to_be_bytes());
        chunk.extend_from_slice(&data[..8]);
        // Block 2: an LZ4 block of literals.
        let block = literal_block(&data[8..16]);
        chunk.extend_from_slice(&(block.len() as u32).to_be_bytes());
        chunk.extend_from_slice(&block);
        // Block 3: the last, shorter block, stored.
        chunk.extend_from_slice(&4u32.to_be_bytes());
        chunk.extend_from_slice(&data[16..]);
        assert_eq!(decode_hdf5(&chunk, 1024).unwrap(), data);

        // Truncated anywhere: an error, never a panic.
        for cut in 0..chunk.len() {
            let err = decode_hdf5(&chunk[..cut], 1024).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "cut at {cut}: {err}");
        }
        // Declared size beyond the limit.
        let err = decode_hdf5(&chunk, 19).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        // Block size 0.
        let mut zero_block = chunk.clone();
        zero_block[8..12].copy_from_slice(&[0; 4]);
        assert!(decode_hdf5(&zero_block, 1024).is_err());
    }
}
