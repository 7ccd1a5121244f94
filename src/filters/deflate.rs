//! Filter 1, deflate: a zlib stream (RFC 1950 header, RFC 1951 data, Adler-32
//! trailer), as libhdf5's `H5Z_filter_deflate` writes it.
//!
//! Like libhdf5, decoding stops at the end of the zlib stream and ignores any
//! bytes after it; a stream that ends early or fails its checks is an error.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

/// Output grows by at least this much when the expected size was too small.
const MIN_GROWTH: usize = 64 * 1024;

/// Inflates `input` into a buffer first sized for `expected_bytes` (the usual
/// output size), failing if the output would exceed `max_bytes`.
pub(crate) fn decode(input: &[u8], expected_bytes: usize, max_bytes: usize) -> Result<Vec<u8>> {
    inflate(input, expected_bytes.min(max_bytes), max_bytes)
}

/// The next output capacity when `current` bytes were not enough. It may
/// reach one byte past `max_bytes`, so that an inflater that wants room
/// before reporting the end of a stream of exactly `max_bytes` gets it; a
/// stream that really produces that byte is rejected when it ends.
fn grow(current: usize, max_bytes: usize) -> Result<usize> {
    if current > max_bytes {
        return Err(over_limit(max_bytes));
    }
    Ok(current
        .saturating_add((current / 2).max(MIN_GROWTH))
        .min(max_bytes.saturating_add(1)))
}

fn over_limit(max_bytes: usize) -> Error {
    Error::limit(format!(
        "deflate: decompressed data exceeds the limit of {max_bytes} bytes"
    ))
}

fn truncated() -> Error {
    Error::new(
        ErrorKind::Malformed,
        "deflate: expected a complete zlib stream, found the data ends before the stream does",
    )
}

#[cfg(feature = "std")]
fn inflate(input: &[u8], initial: usize, max_bytes: usize) -> Result<Vec<u8>> {
    use flate2::{Decompress, FlushDecompress, Status};
    use std::cell::RefCell;

    // One inflater per thread, reset between chunks, so its state and window
    // are allocated once rather than per chunk.
    std::thread_local! {
        static INFLATER: RefCell<Option<Decompress>> = const { RefCell::new(None) };
    }

    INFLATER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let inflater = slot.get_or_insert_with(|| Decompress::new(true));
        inflater.reset(true);
        let mut output = super::buffers::take();
        output.clear();
        output.reserve_exact(initial);
        loop {
            // `total_in` counts bytes taken from `input`, so it never exceeds
            // its length.
            let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
            let rest = input.get(consumed..).unwrap_or(&[]);
            let produced = output.len();
            let status = inflater
                .decompress_vec(rest, &mut output, FlushDecompress::Finish)
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Malformed,
                        format!("deflate: invalid zlib stream ({e})"),
                    )
                })?;
            match status {
                Status::StreamEnd if output.len() > max_bytes => return Err(over_limit(max_bytes)),
                Status::StreamEnd => return Ok(output),
                Status::Ok | Status::BufError => {
                    if output.len() == output.capacity() {
                        let new_capacity = grow(output.capacity(), max_bytes)?;
                        output.reserve_exact(new_capacity - output.len());
                        continue;
                    }
                    // Room left in the output, yet the stream did not end:
                    // the input ran out (or, defensively, nothing moved).
                    let now = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
                    if now >= input.len() || (now == consumed && output.len() == produced) {
                        return Err(truncated());
                    }
                }
            }
        }
    })
}

#[cfg(not(feature = "std"))]
fn inflate(input: &[u8], initial: usize, max_bytes: usize) -> Result<Vec<u8>> {
    use alloc::boxed::Box;
    use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;

    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut state = Box::<DecompressorOxide>::default();
    let mut output = alloc::vec![0u8; initial];
    let mut in_pos = 0usize;
    let mut out_pos = 0usize;
    loop {
        let rest = input.get(in_pos..).unwrap_or(&[]);
        let (status, consumed, produced) =
            decompress(&mut state, rest, &mut output, out_pos, flags);
        in_pos = in_pos.saturating_add(consumed);
        out_pos = out_pos.saturating_add(produced);
        match status {
            TINFLStatus::Done if out_pos > max_bytes => return Err(over_limit(max_bytes)),
            TINFLStatus::Done => {
                output.truncate(out_pos);
                return Ok(output);
            }
            TINFLStatus::HasMoreOutput => {
                let new_len = grow(output.len(), max_bytes)?;
                output.resize(new_len, 0);
            }
            TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
                return Err(truncated())
            }
            TINFLStatus::Adler32Mismatch => return Err(Error::new(
                ErrorKind::Malformed,
                "deflate: Adler-32 checksum of the decompressed data does not match the stream's",
            )),
            other => {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!("deflate: invalid zlib stream ({other:?})"),
                ))
            }
        }
    }
}

/// Deflates `input` into a zlib stream at `level` (0-9).
///
/// One compressor per thread and level, reset between chunks: its state,
/// window and hash tables are allocated once rather than per chunk.
#[cfg(feature = "std")]
pub(crate) fn encode(input: &[u8], level: u8) -> Result<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    use std::cell::RefCell;

    std::thread_local! {
        static DEFLATER: RefCell<Option<(u8, Compress)>> = const { RefCell::new(None) };
    }

    DEFLATER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let deflater = match &mut *slot {
            Some((l, d)) if *l == level => {
                d.reset();
                d
            }
            other => {
                let fresh = Compress::new(Compression::new(u32::from(level)), true);
                &mut other.insert((level, fresh)).1
            }
        };
        // zlib's bound for one-shot compression: never needs to grow in
        // practice.
        let bound = input
            .len()
            .saturating_add(input.len() >> 12)
            .saturating_add(input.len() >> 14)
            .saturating_add(input.len() >> 25)
            .saturating_add(64);
        let mut output = super::buffers::take_shared();
        output.clear();
        output.reserve_exact(bound);
        let result = loop {
            let consumed = usize::try_from(deflater.total_in()).unwrap_or(usize::MAX);
            let rest = input.get(consumed..).unwrap_or(&[]);
            let status = match deflater.compress_vec(rest, &mut output, FlushCompress::Finish) {
                Ok(s) => s,
                Err(e) => {
                    break Err(Error::new(
                        ErrorKind::Io,
                        format!("deflate: compression failed ({e})"),
                    ))
                }
            };
            match status {
                Status::StreamEnd => break Ok(output),
                Status::Ok | Status::BufError => {
                    let extra = (output.capacity() / 2).max(MIN_GROWTH);
                    output.reserve(extra);
                }
            }
        };
        if result.is_err() {
            // Do not reuse a compressor left in an unknown state.
            *slot = None;
        }
        result
    })
}

/// Deflates `input` into a zlib stream at `level` (0-9).
#[cfg(not(feature = "std"))]
pub(crate) fn encode(input: &[u8], level: u8) -> Result<Vec<u8>> {
    Ok(miniz_oxide::deflate::compress_to_vec_zlib(input, level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// `zlib.compress(b"hello hello hello hello")` (Python, level 6).
    const HELLO_ZLIB: [u8; 16] = [
        0x78, 0x9c, // CMF/FLG: deflate, 32 KiB window, default level
        0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x27, 0x01, // fixed-Huffman block
        0x68, 0x03, 0x08, 0xb1, // Adler-32 of the 23 decompressed bytes, big-endian
    ];
    const HELLO: &[u8] = b"hello hello hello hello";

    fn hello_zlib() -> Vec<u8> {
        HELLO_ZLIB.to_vec()
    }

    #[test]
    fn decodes_python_zlib_output() {
        assert_eq!(decode(&HELLO_ZLIB, HELLO.len(), 1024).unwrap(), HELLO);
    }

    #[test]
    fn round_trip_all_levels() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for level in 0..=9 {
            let packed = encode(&data, level).unwrap();
            assert_eq!(
                packed[0] & 0x0f,
                8,
                "zlib header: deflate method at level {level}"
            );
            assert_eq!(decode(&packed, data.len(), 1 << 20).unwrap(), data);
        }
    }

    #[test]
    fn decodes_when_expected_size_is_wrong() {
        let data = vec![7u8; 300_000];
        let packed = encode(&data, 9).unwrap();
        // Too small a guess grows; too large a guess shrinks to fit.
        assert_eq!(decode(&packed, 10, 1 << 20).unwrap(), data);
        assert_eq!(decode(&packed, 1 << 20, 1 << 20).unwrap(), data);
        assert_eq!(decode(&packed, 0, 1 << 20).unwrap(), data);
    }

    #[test]
    fn empty_input_round_trip() {
        let packed = encode(&[], 6).unwrap();
        assert!(decode(&packed, 0, 16).unwrap().is_empty());
    }

    #[test]
    fn trailing_bytes_after_stream_are_ignored() {
        let mut packed = hello_zlib();
        packed.extend_from_slice(&[0xde, 0xad]);
        assert_eq!(decode(&packed, 23, 1024).unwrap(), HELLO);
    }

    #[test]
    fn truncated_stream_is_malformed() {
        let packed = hello_zlib();
        for cut in 0..packed.len() {
            let err = decode(&packed[..cut], 23, 1024).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "cut at {cut}: {err}");
        }
    }

    #[test]
    fn corrupt_stream_is_malformed() {
        // A raw deflate stream without the zlib header.
        let err = decode(&HELLO_ZLIB[2..], 23, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        // A wrong Adler-32 trailer.
        let mut packed = hello_zlib();
        let last = packed.len() - 1;
        packed[last] ^= 0xff;
        let err = decode(&packed, 23, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }

    #[test]
    fn decompression_bomb_hits_the_limit() {
        let bomb = encode(&vec![0u8; 10 << 20], 9).unwrap();
        assert!(bomb.len() < 20_000);
        let err = decode(&bomb, 4096, 1 << 20).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        // Exactly at the limit is fine, whatever the first guess; one byte
        // over is not.
        for guess in [0, 4096, 10 << 20] {
            assert_eq!(decode(&bomb, guess, 10 << 20).unwrap().len(), 10 << 20);
            let err = decode(&bomb, guess, (10 << 20) - 1).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        }
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..5000), level in 0u8..=9, guess in 0usize..10_000) {
            let packed = encode(&data, level).unwrap();
            prop_assert_eq!(decode(&packed, guess, 10_000).unwrap(), data);
        }
    }
}
