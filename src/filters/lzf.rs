//! Filter 32000, LZF, as h5py's `lzf_filter.c` uses it: the chunk is a bare
//! liblzf stream, with no header. Client data is `[filter revision, liblzf
//! version, chunk size in bytes]`; decoding needs none of it.
//!
//! h5py registers the filter as optional and gives up compressing a chunk
//! when the output would not be smaller, so such chunks are stored raw with
//! their mask bit set and never reach this decoder. [`encode`] cannot set a
//! mask bit, so it never gives up: data that does not shrink is written as
//! literal runs only, a valid stream one byte in 32 longer than the data.
//! h5py's decoder accepts any valid stream (it grows its output buffer
//! until the stream fits).
//!
//! The stream is a sequence of commands, each starting with a control byte:
//! - `000LLLLL`: a literal run of `L + 1` bytes follows;
//! - `LLLOOOOO [EEEEEEEE] OOOOOOOO`: a back reference of length `L + 2`
//!   (when `L == 7`, plus the extension byte `E`) at distance
//!   `(O_high << 8 | O_low) + 1` before the current output position.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

use super::copy_back_reference;

/// The longest literal run one control byte can announce.
const MAX_LITERAL_RUN: usize = 32;
/// The shortest back reference.
const MIN_MATCH: usize = 3;
/// The longest back reference: `7 + 255` in the length fields, plus 2.
const MAX_MATCH: usize = 7 + 255 + 2;
/// The farthest back reference: 13 bits of distance, plus 1.
const MAX_DISTANCE: usize = 1 << 13;
/// Bits of the match finder's hash of 3 bytes.
const HASH_BITS: u32 = 14;

/// Compresses `input` into an LZF stream that [`decode`] (and liblzf's
/// `lzf_decompress`) turns back into `input`.
///
/// A greedy matcher: a hash table remembers the last position of each
/// 3-byte prefix, and a match there is taken as long as it goes. Never
/// longer than the literal-only stream, [`literal_only_len`] bytes.
pub(crate) fn encode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(literal_only_len(input.len()));
    // Positions plus one; 0 is an empty slot.
    let mut table = alloc::vec![0usize; 1 << HASH_BITS];
    let mut literal_start = 0usize;
    let mut pos = 0usize;
    while let Some(prefix) = input.get(pos..pos + MIN_MATCH) {
        let slot = table
            .get_mut(hash3(prefix))
            .map(|slot| core::mem::replace(slot, pos + 1));
        // Slots only hold earlier positions.
        let candidate = match slot.and_then(|c| c.checked_sub(1)) {
            Some(c) if c < pos && pos - c <= MAX_DISTANCE => c,
            _ => {
                pos += 1;
                continue;
            }
        };
        let len = match_len(input, candidate, pos, MAX_MATCH);
        if len < MIN_MATCH {
            pos += 1;
            continue;
        }
        push_literals(&mut out, input.get(literal_start..pos).unwrap_or(&[]));
        push_back_reference(&mut out, pos - candidate, len);
        // Remember the match's last position too, so runs chain on.
        let last = pos + len - 1;
        if let Some(prefix) = input.get(last..last + MIN_MATCH) {
            if let Some(slot) = table.get_mut(hash3(prefix)) {
                *slot = last + 1;
            }
        }
        pos += len;
        literal_start = pos;
    }
    push_literals(&mut out, input.get(literal_start..).unwrap_or(&[]));
    debug_assert!(out.len() <= literal_only_len(input.len()));
    if out.len() > literal_only_len(input.len()) {
        // Cannot happen (a reference is never longer than the bytes it
        // replaces plus the control byte it saves), but cheap to guarantee.
        out.clear();
        push_literals(&mut out, input);
    }
    out
}

/// The length of the stream that stores `n` bytes as literal runs only.
pub(crate) fn literal_only_len(n: usize) -> usize {
    n + n.div_ceil(MAX_LITERAL_RUN)
}

fn hash3(prefix: &[u8]) -> usize {
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

fn push_literals(out: &mut Vec<u8>, literals: &[u8]) {
    for run in literals.chunks(MAX_LITERAL_RUN) {
        // `run.len()` is 1 to 32.
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// `distance` is 1 to [`MAX_DISTANCE`], `len` is [`MIN_MATCH`] to
/// [`MAX_MATCH`].
fn push_back_reference(out: &mut Vec<u8>, distance: usize, len: usize) {
    let offset = distance - 1;
    let high = (offset >> 8) as u8 & 0x1f;
    let low = offset as u8;
    let len_code = len - 2;
    if len_code < 7 {
        out.extend_from_slice(&[(len_code as u8) << 5 | high, low]);
    } else {
        out.extend_from_slice(&[0xe0 | high, (len_code - 7) as u8, low]);
    }
}

/// Decompresses an LZF stream, first reserving `expected_bytes`; more than
/// `max_bytes` of output is an error.
pub(crate) fn decode(input: &[u8], expected_bytes: usize, max_bytes: usize) -> Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(expected_bytes.min(max_bytes));
    let mut pos = 0usize;
    while let Some(&control) = input.get(pos) {
        pos += 1;
        if control < 0x20 {
            let len = usize::from(control) + 1;
            let literal = input
                .get(pos..pos + len)
                .ok_or_else(|| truncated(pos, "a literal run"))?;
            check_room(out.len(), len, max_bytes)?;
            out.extend_from_slice(literal);
            pos += len;
        } else {
            let mut len = usize::from(control >> 5);
            if len == 7 {
                let extension = *input
                    .get(pos)
                    .ok_or_else(|| truncated(pos, "a back-reference length"))?;
                len += usize::from(extension);
                pos += 1;
            }
            let low = *input
                .get(pos)
                .ok_or_else(|| truncated(pos, "a back-reference distance"))?;
            pos += 1;
            let distance = (usize::from(control & 0x1f) << 8 | usize::from(low)) + 1;
            let len = len + 2;
            if distance > out.len() {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "lzf: back reference {distance} bytes back at output position {}, before the start of the output",
                        out.len()
                    ),
                ));
            }
            check_room(out.len(), len, max_bytes)?;
            copy_back_reference(&mut out, distance, len);
        }
    }
    Ok(out)
}

fn truncated(pos: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!("lzf: expected {what} at input byte {pos}, found the end of the data"),
    )
}

fn check_room(current: usize, extra: usize, max_bytes: usize) -> Result<()> {
    if current.saturating_add(extra) > max_bytes {
        return Err(Error::limit(format!(
            "lzf: decompressed data exceeds the limit of {max_bytes} bytes"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Corpus file test_compressed_chunked_datasets_earliest.hdf5, dataset
    /// /int/int8lzf, chunk 3 (chunk shape [5, 3] of `i1`, at the edge, so
    /// only the first values are in the dataset).
    const CORPUS_INT8_CHUNK: [u8; 12] = [
        0x05, 0x1c, 0x1d, 0x00, 0x21, 0x22, 0x00, // literal run of 6 bytes
        0xa0, 0x00, // back reference: length 5 + 2, distance 0 + 1
        0x01, 0x00, 0x00, // literal run of 2 bytes
    ];
    const CORPUS_INT8_DECODED: [u8; 15] = [
        0x1c, 0x1d, 0x00, 0x21, 0x22, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    /// Same file, /float/float64lzf chunk 5 (chunk shape [3, 4] of `<f8`).
    const CORPUS_FLOAT64_CHUNK: [u8; 16] = [
        0x01, 0x00, 0x00, // literal run of 2 bytes
        0x40, 0x00, // back reference: length 2 + 2, distance 1
        0x01, 0x41, 0x40, // literal run of 2 bytes: 34.0f64 ends here
        0x40, 0x05, // back reference: length 2 + 2, distance 6
        0xe0, 0x49, 0x00, // back reference: length 7 + 73 + 2, distance 1
        0x01, 0x00, 0x00, // literal run of 2 bytes
    ];

    fn round_trip(data: &[u8]) -> Vec<u8> {
        let encoded = encode(data);
        assert!(encoded.len() <= literal_only_len(data.len()));
        let decoded = decode(&encoded, data.len(), data.len()).unwrap();
        assert_eq!(decoded, data);
        encoded
    }

    #[test]
    fn encodes_small_inputs() {
        assert_eq!(round_trip(&[]), Vec::<u8>::new());
        assert_eq!(round_trip(&[7]), [0x00, 7]);
        assert_eq!(round_trip(&[7, 7]), [0x01, 7, 7]);
        // One literal, then a 3-byte reference at distance 1.
        assert_eq!(round_trip(&[7, 7, 7, 7]), [0x00, 7, 0x20, 0x00]);
    }

    #[test]
    fn encodes_corpus_values() {
        // Whatever the matcher picks, the corpus values come back.
        let encoded = round_trip(&CORPUS_INT8_DECODED);
        assert!(encoded.len() < CORPUS_INT8_DECODED.len());
    }

    #[test]
    fn long_runs_and_far_references() {
        // Runs longer than one reference, and references at the largest
        // distance.
        let zeros = vec![0u8; 10_000];
        assert!(round_trip(&zeros).len() < 200);
        let mut far: Vec<u8> = (0..MAX_DISTANCE).map(|i| (i * 7 % 251) as u8).collect();
        far.extend_from_within(..1000);
        round_trip(&far);
    }

    #[test]
    fn incompressible_data_is_literal_runs() {
        // Bytes with no repeated 3-byte window.
        let data: Vec<u8> = (0..=255u8).collect();
        let encoded = round_trip(&data);
        assert_eq!(encoded.len(), literal_only_len(256));
        assert_eq!(encoded[0], 31);
        assert_eq!(encoded[33], 31);
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
            // Runs of a few symbols: long matches, overlapping references.
            let data: Vec<u8> = lengths
                .iter()
                .enumerate()
                .flat_map(|(i, &n)| core::iter::repeat_n(i as u8 % alphabet, n))
                .collect();
            round_trip(&data);
        }
    }

    #[test]
    fn decodes_corpus_chunks() {
        assert_eq!(
            decode(&CORPUS_INT8_CHUNK, 15, 1024).unwrap(),
            CORPUS_INT8_DECODED
        );
        let floats = decode(&CORPUS_FLOAT64_CHUNK, 96, 1024).unwrap();
        assert_eq!(floats.len(), 96);
        assert_eq!(floats[..8], 34.0f64.to_le_bytes());
        assert!(floats[8..].iter().all(|&b| b == 0));
    }

    #[test]
    fn expected_size_is_only_a_hint() {
        assert_eq!(
            decode(&CORPUS_INT8_CHUNK, 0, 1024).unwrap(),
            CORPUS_INT8_DECODED
        );
        assert_eq!(decode(&[], 10, 1024).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn truncated_stream_is_malformed() {
        for cut in [1, 6, 8, 10] {
            let err = decode(&CORPUS_INT8_CHUNK[..cut], 15, 1024).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "cut at {cut}: {err}");
        }
        // Extended length byte missing.
        let err = decode(&[0x00, 0x41, 0xe0], 15, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
    }

    #[test]
    fn reference_before_start_is_malformed() {
        // One literal byte, then a reference 2 bytes back.
        let err = decode(&[0x00, 0x41, 0x20, 0x01], 15, 1024).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.message().contains("before the start"), "{err}");
    }

    #[test]
    fn output_bounded_by_limit() {
        // One literal byte, then 100 references of 264 bytes each.
        let mut bomb = vec![0x00, 0x41];
        for _ in 0..100 {
            bomb.extend_from_slice(&[0xe0, 0xff, 0x00]);
        }
        assert_eq!(decode(&bomb, 0, 1 << 20).unwrap().len(), 1 + 100 * 264);
        let err = decode(&bomb, 0, 10_000).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        let err = decode(&[0x03, 1, 2, 3, 4], 0, 3).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    }
}
