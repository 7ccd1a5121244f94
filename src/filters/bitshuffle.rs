//! Filter 32008, bitshuffle (github.com/kiyo-masui/bitshuffle,
//! `bshuf_h5filter.c`), without compression or with LZ4.
//!
//! Client data: `[filter major version, minor version, element size in
//! bytes, block size in elements (0: the default), compression (0: none, 2:
//! LZ4, 3: zstd)]`.
//!
//! The data is cut into blocks of `block size` elements (a multiple of 8);
//! after the full blocks comes one shorter block of the remaining elements
//! rounded down to a multiple of 8, and the last `n % 8` elements are stored
//! as is. Within a block of `m` elements of `s` bytes, the bits are stored as
//! `8 * s` rows of `m / 8` bytes: row `8 * j + k` holds bit `k` of byte `j` of
//! every element, element `8 * i + b` at bit `b` of the row's byte `i`.
//!
//! With LZ4 the chunk starts with a big-endian 8-byte uncompressed size and
//! 4-byte block size in bytes; each shuffled block is then stored as a
//! big-endian 4-byte compressed size and an LZ4 block; the trailing elements
//! follow uncompressed.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

use super::lz4;
use super::{declared_size, read_u32_be, read_u64_be};

/// Block sizes are multiples of this many elements.
const BLOCK_MULTIPLE: usize = 8;
/// The default block aims at this many bytes (`BSHUF_TARGET_BLOCK_SIZE_B`).
const TARGET_BLOCK_BYTES: usize = 8192;
/// The default block has at least this many elements (`BSHUF_MIN_RECOMMEND_BLOCK`).
const MIN_DEFAULT_BLOCK: usize = 128;

const COMPRESSION_NONE: u32 = 0;
const COMPRESSION_LZ4: u32 = 2;
const COMPRESSION_ZSTD: u32 = 3;

/// Bytes before the first LZ4 block.
const LZ4_HEADER_BYTES: usize = 12;

/// Decodes a chunk written by the bitshuffle filter with `client_data`.
pub(crate) fn decode(input: &[u8], client_data: &[u32], max_bytes: usize) -> Result<Vec<u8>> {
    let [_, _, element_size, ..] = *client_data else {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "bitshuffle: expected at least 3 client data values, found {}",
                client_data.len()
            ),
        ));
    };
    let element_size = element_size as usize;
    if element_size == 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            "bitshuffle: element size 0 in the client data",
        ));
    }
    let block_elements = client_data.get(3).map_or(0, |&b| b as usize);
    match client_data.get(4).copied().unwrap_or(COMPRESSION_NONE) {
        COMPRESSION_NONE => {
            let n_elements = whole_elements(input.len(), element_size)?;
            let block_elements = checked_block_size(block_elements, element_size)?;
            let mut out = Vec::with_capacity(input.len());
            let mut pos = 0usize;
            for block in block_lengths(n_elements, block_elements) {
                let bytes = block * element_size;
                let shuffled = input.get(pos..pos + bytes).ok_or_else(|| short(pos))?;
                unshuffle_block(shuffled, element_size, &mut out);
                pos += bytes;
            }
            out.extend_from_slice(input.get(pos..).unwrap_or(&[]));
            Ok(out)
        }
        COMPRESSION_LZ4 => decode_lz4(input, element_size, max_bytes),
        COMPRESSION_ZSTD => Err(Error::new(
            ErrorKind::Unsupported,
            "bitshuffle: zstd compression (client data 4 = 3) is not implemented",
        )),
        other => Err(Error::new(
            ErrorKind::Malformed,
            format!("bitshuffle: expected compression 0 (none) or 2 (lz4), found {other}"),
        )),
    }
}

/// Encodes a chunk as the bitshuffle filter does with `client_data` (see the
/// module docs). Client data 2, the element size, falls back to
/// `element_size` when absent or 0, as the filter's "set local" callback
/// would fill it in; a reader needs it stored in the pipeline.
pub(crate) fn encode(input: &[u8], client_data: &[u32], element_size: usize) -> Result<Vec<u8>> {
    let element_size = match client_data.get(2) {
        Some(&size) if size > 0 => size as usize,
        _ => element_size,
    };
    if element_size == 0 {
        return Err(Error::wrong_use("bitshuffle: element size 0"));
    }
    let n_elements = input.len() / element_size;
    if n_elements * element_size != input.len() {
        return Err(Error::wrong_use(format!(
            "bitshuffle: expected a whole number of {element_size}-byte elements, got {} bytes",
            input.len()
        )));
    }
    let block_elements = client_data.get(3).map_or(0, |&b| b as usize);
    let block_elements = checked_block_size(block_elements, element_size)
        .map_err(|err| Error::wrong_use(String::from(err.message())))?;
    match client_data.get(4).copied().unwrap_or(COMPRESSION_NONE) {
        COMPRESSION_NONE => {
            let mut out = Vec::with_capacity(input.len());
            let mut blocks = input.chunks_exact(element_size * BLOCK_MULTIPLE);
            for block in block_lengths(n_elements, block_elements) {
                let elements = blocks.by_ref().take(block / BLOCK_MULTIPLE);
                shuffle_block(elements, element_size, block, &mut out);
            }
            out.extend_from_slice(blocks.remainder());
            Ok(out)
        }
        COMPRESSION_LZ4 => {
            let block_bytes = block_elements
                .checked_mul(element_size)
                .and_then(|b| u32::try_from(b).ok())
                .ok_or_else(|| {
                    Error::wrong_use(format!(
                        "bitshuffle: block of {block_elements} elements of {element_size} bytes exceeds 4 GiB"
                    ))
                })?;
            let total = u64::try_from(input.len())
                .map_err(|_| Error::wrong_use("bitshuffle: chunk larger than 2^64 bytes"))?;
            let mut out = Vec::with_capacity(LZ4_HEADER_BYTES + input.len() + input.len() / 64);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&block_bytes.to_be_bytes());
            let mut encoder = lz4::BlockEncoder::new();
            let mut shuffled = Vec::new();
            let mut blocks = input.chunks_exact(element_size * BLOCK_MULTIPLE);
            for block in block_lengths(n_elements, block_elements) {
                shuffled.clear();
                let elements = blocks.by_ref().take(block / BLOCK_MULTIPLE);
                shuffle_block(elements, element_size, block, &mut shuffled);
                // Unlike the HDF5 LZ4 filter, bitshuffle never stores a
                // block raw: its decoder always runs LZ4.
                let size_at = out.len();
                out.extend_from_slice(&[0; 4]);
                encoder.encode(&shuffled, &mut out);
                let compressed = u32::try_from(out.len() - size_at - 4).map_err(|_| {
                    Error::wrong_use("bitshuffle: compressed block exceeds 4 GiB")
                })?;
                if let Some(field) = out.get_mut(size_at..size_at + 4) {
                    field.copy_from_slice(&compressed.to_be_bytes());
                }
            }
            out.extend_from_slice(blocks.remainder());
            Ok(out)
        }
        other => Err(Error::new(
            ErrorKind::Unsupported,
            format!("bitshuffle: encoding with compression {other} is not implemented (0: none, 2: lz4)"),
        )),
    }
}

/// Bit-transposes one block of `n_elements` elements, given as groups of 8
/// elements, appending `n_elements * element_size` bytes to `out`: the
/// inverse of [`unshuffle_block`].
fn shuffle_block<'a>(
    groups: impl Iterator<Item = &'a [u8]>,
    element_size: usize,
    n_elements: usize,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    let row_bytes = n_elements / BLOCK_MULTIPLE;
    out.resize(start + n_elements * element_size, 0);
    let Some(block_out) = out.get_mut(start..) else {
        return;
    };
    for (group_index, group) in groups.enumerate() {
        for byte_index in 0..element_size {
            // Byte k of `bytes`: byte `byte_index` of element k of the group.
            let mut bytes = [0u8; 8];
            for (dst, &src) in bytes
                .iter_mut()
                .zip(group.iter().skip(byte_index).step_by(element_size))
            {
                *dst = src;
            }
            // Byte k of the transpose: bit k of those bytes, element e at
            // bit e, which goes to row `8 * byte_index + k`.
            let bits = transpose_8x8(u64::from_le_bytes(bytes)).to_le_bytes();
            let rows = block_out
                .iter_mut()
                .skip(8 * byte_index * row_bytes + group_index)
                .step_by(row_bytes.max(1));
            for (dst, &byte) in rows.zip(bits.iter()) {
                *dst = byte;
            }
        }
    }
}

fn decode_lz4(input: &[u8], element_size: usize, max_bytes: usize) -> Result<Vec<u8>> {
    let (Some(total), Some(block_bytes)) = (read_u64_be(input, 0), read_u32_be(input, 8)) else {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "bitshuffle: expected a {LZ4_HEADER_BYTES}-byte lz4 header, found {} bytes of data",
                input.len()
            ),
        ));
    };
    let total = declared_size("bitshuffle", total, max_bytes)?;
    let n_elements = whole_elements(total, element_size)?;
    // The header's block size overrides the client data's.
    let block_elements = checked_block_size(block_bytes as usize / element_size, element_size)?;
    let mut out = Vec::with_capacity(total);
    let mut shuffled = Vec::new();
    let mut pos = LZ4_HEADER_BYTES;
    for block in block_lengths(n_elements, block_elements) {
        let compressed = read_u32_be(input, pos).ok_or_else(|| short(pos))? as usize;
        pos += 4;
        let lz4_block = pos
            .checked_add(compressed)
            .and_then(|end| input.get(pos..end))
            .ok_or_else(|| short(pos))?;
        pos += compressed;
        shuffled.clear();
        lz4::decode_block(lz4_block, &mut shuffled, block * element_size)?;
        unshuffle_block(&shuffled, element_size, &mut out);
    }
    let tail = total - out.len();
    let raw = input.get(pos..pos + tail).ok_or_else(|| short(pos))?;
    out.extend_from_slice(raw);
    Ok(out)
}

/// `bshuf_default_block_size`: must never change, or old data breaks.
fn default_block_size(element_size: usize) -> usize {
    let block = TARGET_BLOCK_BYTES / element_size / BLOCK_MULTIPLE * BLOCK_MULTIPLE;
    block.max(MIN_DEFAULT_BLOCK)
}

fn checked_block_size(block_elements: usize, element_size: usize) -> Result<usize> {
    let block_elements = if block_elements == 0 {
        default_block_size(element_size)
    } else {
        block_elements
    };
    if block_elements % BLOCK_MULTIPLE != 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "bitshuffle: expected a block size that is a multiple of {BLOCK_MULTIPLE} elements, found {block_elements}"
            ),
        ));
    }
    Ok(block_elements)
}

fn whole_elements(bytes: usize, element_size: usize) -> Result<usize> {
    if bytes % element_size != 0 {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "bitshuffle: expected a whole number of {element_size}-byte elements, found {bytes} bytes"
            ),
        ));
    }
    Ok(bytes / element_size)
}

/// The element count of each shuffled block: the full blocks, then the rest
/// rounded down to a multiple of 8 (if any).
fn block_lengths(n_elements: usize, block_elements: usize) -> impl Iterator<Item = usize> {
    let full = n_elements / block_elements;
    let last = n_elements % block_elements / BLOCK_MULTIPLE * BLOCK_MULTIPLE;
    core::iter::repeat_n(block_elements, full).chain((last > 0).then_some(last))
}

fn short(pos: usize) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!("bitshuffle: data ends at byte {pos}, before the last block"),
    )
}

/// Undoes the bit transposition of one block (`shuffled.len()` is a multiple
/// of `8 * element_size`), appending the elements to `out`.
fn unshuffle_block(shuffled: &[u8], element_size: usize, out: &mut Vec<u8>) {
    let start = out.len();
    let row_bytes = shuffled.len() / element_size / BLOCK_MULTIPLE;
    out.resize(start + shuffled.len(), 0);
    let Some(block_out) = out.get_mut(start..) else {
        return;
    };
    // Rows 8j..8j+8 hold the bits of byte j of every element.
    for (byte_index, rows) in shuffled.chunks_exact(8 * row_bytes.max(1)).enumerate() {
        for group in 0..row_bytes {
            // Byte k of `bits`: bit k of byte `byte_index` of elements
            // 8*group .. 8*group + 8, one element per bit.
            let mut bits = 0u64;
            for (k, row) in rows.chunks_exact(row_bytes).enumerate() {
                bits |= u64::from(row.get(group).copied().unwrap_or(0)) << (8 * k);
            }
            let bytes = transpose_8x8(bits).to_le_bytes();
            let elements = block_out
                .iter_mut()
                .skip(8 * group * element_size + byte_index)
                .step_by(element_size);
            for (dst, &byte) in elements.zip(bytes.iter()) {
                *dst = byte;
            }
        }
    }
}

/// Transposes the 8x8 bit matrix whose row `r` is byte `r` (bit `c` of the
/// byte is column `c`): bit `8r + c` moves to `8c + r`. Three rounds of
/// swapping off-diagonal 1x1, 2x2 and 4x4 blocks.
fn transpose_8x8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00aa_00aa_00aa_00aa;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_cccc_0000_cccc;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_f0f0_f0f0;
    x ^= t ^ (t << 28);
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// Bitshuffle forward, straight from the definition, one block.
    fn shuffle_block_reference(elements: &[u8], element_size: usize) -> Vec<u8> {
        let m = elements.len() / element_size;
        let row_bytes = m / 8;
        let mut out = vec![0u8; elements.len()];
        for e in 0..m {
            for j in 0..element_size {
                for k in 0..8 {
                    let bit = (elements[e * element_size + j] >> k) & 1;
                    let row = 8 * j + k;
                    out[row * row_bytes + e / 8] |= bit << (e % 8);
                }
            }
        }
        out
    }

    fn shuffle_reference(data: &[u8], element_size: usize, block_elements: usize) -> Vec<u8> {
        let n = data.len() / element_size;
        let mut out = Vec::new();
        let mut pos = 0;
        for block in block_lengths(n, block_elements) {
            let bytes = block * element_size;
            out.extend(shuffle_block_reference(
                &data[pos..pos + bytes],
                element_size,
            ));
            pos += bytes;
        }
        out.extend_from_slice(&data[pos..]);
        out
    }

    /// Corpus file bitshuffle_datasets.hdf5, dataset /float32_bs8_comp0
    /// (client data [0, 4, 4, 8, 0]): `np.arange(20, dtype='<f4')`, blocks
    /// of 8 elements.
    const CORPUS_FLOAT32_BS8: [u8; 80] = [
        // Block 1, elements 0..8: 32 rows of 1 byte.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0xc8, 0xf2, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
        0xfc, 0x00, // Block 2, elements 8..16.
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xcc, 0xf0, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xff, 0x00, // Elements 16..20, stored as is.
        0x00, 0x00, 0x80, 0x41, 0x00, 0x00, 0x88, 0x41, 0x00, 0x00, 0x90, 0x41, 0x00, 0x00, 0x98,
        0x41,
    ];

    /// Same file, /float32_bs8_comp2 (client data [0, 4, 4, 8, 2]).
    const CORPUS_FLOAT32_BS8_LZ4: [u8; 71] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, // total: 80 bytes
        0x00, 0x00, 0x00, 0x20, // block: 32 bytes = 8 elements
        0x00, 0x00, 0x00, 0x11, // block 1: 17 bytes of LZ4
        0x1f, 0x00, 0x01, 0x00, 0x01, 0xb0, 0xa0, 0xc8, 0xf2, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
        0xfc, 0x00, //
        0x00, 0x00, 0x00, 0x12, // block 2: 18 bytes of LZ4
        0x1f, 0x00, 0x01, 0x00, 0x00, 0xc0, 0xaa, 0xcc, 0xf0, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xff, 0x00, //
        // Elements 16..20, stored as is.
        0x00, 0x00, 0x80, 0x41, 0x00, 0x00, 0x88, 0x41, 0x00, 0x00, 0x90, 0x41, 0x00, 0x00, 0x98,
        0x41,
    ];

    fn arange_f32() -> Vec<u8> {
        (0..20u16)
            .flat_map(|i| f32::from(i).to_le_bytes())
            .collect()
    }

    #[test]
    fn transpose_matches_definition() {
        let x = 0x0123_4567_89ab_cdefu64;
        let t = transpose_8x8(x);
        for r in 0..8 {
            for c in 0..8 {
                assert_eq!((x >> (8 * r + c)) & 1, (t >> (8 * c + r)) & 1);
            }
        }
        assert_eq!(transpose_8x8(t), x);
    }

    #[test]
    fn decodes_corpus_chunks() {
        let out = decode(&CORPUS_FLOAT32_BS8, &[0, 4, 4, 8, 0], 1024).unwrap();
        assert_eq!(out, arange_f32());
        let out = decode(&CORPUS_FLOAT32_BS8_LZ4, &[0, 4, 4, 8, 2], 1024).unwrap();
        assert_eq!(out, arange_f32());
        assert_eq!(shuffle_reference(&arange_f32(), 4, 8), CORPUS_FLOAT32_BS8);
    }

    #[test]
    fn default_block_sizes() {
        assert_eq!(default_block_size(1), 8192);
        assert_eq!(default_block_size(4), 2048);
        assert_eq!(default_block_size(3), 2728);
        assert_eq!(default_block_size(128), 128);
    }

    #[test]
    fn errors() {
        let data = CORPUS_FLOAT32_BS8;
        // Too little client data, zero element size, odd block size.
        assert!(decode(&data, &[0, 4], 1024).is_err());
        assert!(decode(&data, &[0, 4, 0, 8, 0], 1024).is_err());
        assert!(decode(&data, &[0, 4, 4, 12, 0], 1024).is_err());
        // Not a whole number of elements.
        assert!(decode(&data[..79], &[0, 4, 4, 8, 0], 1024).is_err());
        // Unknown and unsupported compression.
        let err = decode(&data, &[0, 4, 4, 8, 3], 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(decode(&data, &[0, 4, 4, 8, 7], 1024).is_err());
        // LZ4: truncated anywhere, and a total beyond the limit.
        let lz4 = CORPUS_FLOAT32_BS8_LZ4;
        for cut in 0..lz4.len() {
            let err = decode(&lz4[..cut], &[0, 4, 4, 8, 2], 1024).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "cut at {cut}: {err}");
        }
        let err = decode(&lz4, &[0, 4, 4, 8, 2], 79).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn encodes_corpus_chunks() {
        let values = arange_f32();
        let plain = encode(&values, &[0, 4, 4, 8, 0], 4).unwrap();
        assert_eq!(plain, CORPUS_FLOAT32_BS8);
        let lz4 = encode(&values, &[0, 4, 4, 8, 2], 4).unwrap();
        // Same header and tail; the LZ4 blocks may differ from liblz4's.
        assert_eq!(lz4[..12], CORPUS_FLOAT32_BS8_LZ4[..12]);
        assert_eq!(lz4[lz4.len() - 16..], CORPUS_FLOAT32_BS8_LZ4[55..]);
        assert_eq!(decode(&lz4, &[0, 4, 4, 8, 2], 1024).unwrap(), values);
    }

    #[test]
    fn encodes_small_and_empty_chunks() {
        for client in [[0, 4, 0, 0, 0], [0, 4, 0, 0, 2], [0, 4, 0, 16, 2]] {
            for n in [0usize, 1, 7, 8, 9, 17] {
                let data: Vec<u8> = (0..n as u8 * 2).collect();
                let encoded = encode(&data, &client, 2).unwrap();
                let mut stored = client;
                stored[2] = 2;
                assert_eq!(
                    decode(&encoded, &stored, 1024).unwrap(),
                    data,
                    "{client:?}, {n}"
                );
            }
        }
        // One byte, element size 1: stored as is after the header.
        assert_eq!(encode(&[5], &[0, 4, 1, 0, 0], 1).unwrap(), [5]);
        let lz4 = encode(&[5], &[0, 4, 1, 0, 2], 1).unwrap();
        assert_eq!(lz4[..8], 1u64.to_be_bytes());
        assert_eq!(lz4[12..], [5]);
    }

    #[test]
    fn encode_errors() {
        let err = encode(&[0; 7], &[0, 4, 4, 0, 0], 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WrongUse);
        let err = encode(&[0; 8], &[0, 4, 4, 12, 0], 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WrongUse);
        let err = encode(&[0; 8], &[0, 4, 4, 0, 3], 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(encode(&[0; 8], &[0, 4, 0, 0, 0], 0).is_err());
    }

    proptest! {
        #[test]
        fn encode_round_trips(
            element_size in 1usize..10,
            n in 0usize..600,
            block_eighths in 0usize..6,
            lz4 in any::<bool>(),
            compressible in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let data: Vec<u8> = (0..n * element_size)
                .map(|i| if compressible {
                    (i / element_size / 3) as u8
                } else {
                    (seed.wrapping_mul(i as u64 + 1) >> 13) as u8
                })
                .collect();
            let client_block = block_eighths * 8;
            let client = [0, 4, element_size as u32, client_block as u32, if lz4 { 2 } else { 0 }];
            let encoded = encode(&data, &client, element_size).unwrap();
            if !lz4 {
                let block = checked_block_size(client_block, element_size).unwrap();
                prop_assert_eq!(&encoded, &shuffle_reference(&data, element_size, block));
            }
            prop_assert_eq!(decode(&encoded, &client, 1 << 20).unwrap(), data);
        }

        #[test]
        fn unshuffle_inverts_reference(
            element_size in 1usize..10,
            n in 0usize..300,
            block_eighths in 0usize..6,
            seed in any::<u64>(),
        ) {
            let data: Vec<u8> = (0..n * element_size)
                .map(|i| (seed.wrapping_mul(i as u64 + 1) >> 13) as u8)
                .collect();
            let client_block = block_eighths * 8;
            let block = checked_block_size(client_block, element_size).unwrap();
            let shuffled = shuffle_reference(&data, element_size, block);
            let client = [0, 4, element_size as u32, client_block as u32, 0];
            prop_assert_eq!(decode(&shuffled, &client, 1 << 20).unwrap(), data);
        }
    }
}
