//! Filter 32000, LZF, as h5py's `lzf_filter.c` uses it: the chunk is a bare
//! liblzf stream, with no header. Client data is `[filter revision, liblzf
//! version, chunk size in bytes]`; decoding needs none of it.
//!
//! h5py registers the filter as optional and gives up compressing a chunk
//! when the output would not be smaller, so such chunks are stored raw with
//! their mask bit set and never reach this decoder.
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
