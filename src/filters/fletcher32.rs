//! Filter 3, Fletcher-32: a checksum of the chunk appended as its last four
//! bytes (libhdf5 `H5Z_filter_fletcher32`, checksum `H5_checksum_fletcher32`).
//!
//! libhdf5's variant sums 16-bit words read big-endian (first byte high),
//! starts both sums at 0 rather than 0xffff, treats an odd trailing byte as a
//! word whose low byte is 0, and stores the result as a little-endian `u32`.
//! Before libhdf5 1.6.3 the two bytes of each 16-bit half came out swapped on
//! little-endian machines; like libhdf5, reading accepts that form too.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

/// Bytes the checksum adds to the chunk.
const CHECKSUM_BYTES: usize = 4;

/// Words summed before the running sums must be folded to avoid overflowing
/// `u32` (the same bound libhdf5 uses).
const WORDS_PER_FOLD: usize = 360;

/// The Fletcher-32 checksum of `data`, as libhdf5 computes it.
pub fn checksum(data: &[u8]) -> u32 {
    let mut sum1: u32 = 0;
    let mut sum2: u32 = 0;
    let mut rounds = data.chunks_exact(2 * WORDS_PER_FOLD);
    for round in &mut rounds {
        for word in round.chunks_exact(2) {
            sum1 += u32::from(word[0]) << 8 | u32::from(word[1]);
            sum2 += sum1;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    let rest = rounds.remainder();
    let mut words = rest.chunks_exact(2);
    if words.len() > 0 {
        for word in &mut words {
            sum1 += u32::from(word[0]) << 8 | u32::from(word[1]);
            sum2 += sum1;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    if let [odd] = words.remainder() {
        sum1 += u32::from(*odd) << 8;
        sum2 += sum1;
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    sum1 = fold(sum1);
    sum2 = fold(sum2);
    sum2 << 16 | sum1
}

fn fold(sum: u32) -> u32 {
    (sum & 0xffff) + (sum >> 16)
}

/// Checks the trailing checksum of `data` and removes it.
pub(crate) fn verify_and_strip(mut data: Vec<u8>) -> Result<Vec<u8>> {
    let Some(body_len) = data.len().checked_sub(CHECKSUM_BYTES) else {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "fletcher32: expected at least {CHECKSUM_BYTES} bytes (the checksum), found {}",
                data.len()
            ),
        ));
    };
    #[cfg(not(fuzzing))]
    {
        let (body, stored) = data.split_at(body_len);
        let mut raw = [0u8; CHECKSUM_BYTES];
        raw.copy_from_slice(stored);
        let stored = u32::from_le_bytes(raw);
        let computed = checksum(body);
        // The pre-1.6.3 form: the bytes of each 16-bit half swapped.
        let legacy = (computed & 0x00ff_00ff) << 8 | (computed >> 8) & 0x00ff_00ff;
        if stored != computed && stored != legacy {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "fletcher32: checksum mismatch, stored {stored:#010x}, computed {computed:#010x}"
                ),
            ));
        }
    }
    data.truncate(body_len);
    Ok(data)
}

/// Appends the checksum of `data` to it.
pub(crate) fn append(mut data: Vec<u8>) -> Vec<u8> {
    let sum = checksum(&data);
    data.extend_from_slice(&sum.to_le_bytes());
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// libhdf5's algorithm written as plainly as possible: one word at a
    /// time, folding after every word (equivalent, since folding preserves
    /// the value modulo 65535).
    fn reference(data: &[u8]) -> u32 {
        let (mut a, mut b) = (0u64, 0u64);
        let words: Vec<u64> = data
            .chunks(2)
            .map(|w| (u64::from(w[0]) << 8) | u64::from(*w.get(1).unwrap_or(&0)))
            .collect();
        for w in words {
            a += w;
            b += a;
        }
        // Fold to 16 bits the way libhdf5 does (end-around carry), which may
        // leave 0xffff where a true modulus would give 0.
        let fold64 = |mut x: u64| {
            while x > 0xffff {
                x = (x & 0xffff) + (x >> 16);
            }
            x
        };
        ((fold64(b) << 16) | fold64(a)) as u32
    }

    #[test]
    fn known_values() {
        assert_eq!(checksum(&[]), 0);
        // One word 0x0102: sum1 = 0x0102, sum2 = 0x0102.
        assert_eq!(checksum(&[1, 2]), 0x0102_0102);
        // Odd byte 0x03 counts as the word 0x0300.
        assert_eq!(checksum(&[1, 2, 3]), 0x0504_0402);
    }

    /// Corpus file fletcher32_datasets_earliest.hdf5, dataset
    /// /float/float32, chunk 0 (chunk shape [2, 1] of `<f4`).
    const CORPUS_FLOAT32_CHUNK: [u8; 12] = [
        0x00, 0x00, 0x00, 0x00, // 0.0f32, little-endian
        0x00, 0x00, 0xa0, 0x40, // 5.0f32
        0x40, 0xa0, 0x40, 0xa0, // checksum, little-endian u32 0xa040a040
    ];

    /// Same file, dataset /int/int8, chunk 0 (chunk shape [5, 3] of `i1`):
    /// an odd number of bytes, so the last byte is summed as a half word.
    const CORPUS_INT8_CHUNK: [u8; 19] = [
        0x00, 0x01, 0x02, 0x05, 0x06, 0x07, 0x0a, 0x0b, // elements 0..8
        0x0c, 0x0f, 0x10, 0x11, 0x14, 0x15, 0x16, // elements 8..15
        0x4d, 0x58, 0x26, 0x03, // checksum, little-endian u32 0x0326584d
    ];

    #[test]
    fn verifies_corpus_chunks() {
        let body = verify_and_strip(CORPUS_FLOAT32_CHUNK.to_vec()).unwrap();
        assert_eq!(body, CORPUS_FLOAT32_CHUNK[..8]);
        let body = verify_and_strip(CORPUS_INT8_CHUNK.to_vec()).unwrap();
        assert_eq!(body, CORPUS_INT8_CHUNK[..15]);
        assert_eq!(append(body), CORPUS_INT8_CHUNK);
    }

    #[test]
    fn accepts_pre_1_6_3_byte_order() {
        let body = [1u8, 2, 3, 4, 5];
        let sum = checksum(&body);
        let legacy = (sum & 0x00ff_00ff) << 8 | (sum >> 8) & 0x00ff_00ff;
        let mut data = body.to_vec();
        data.extend_from_slice(&legacy.to_le_bytes());
        assert_eq!(verify_and_strip(data).unwrap(), body);
    }

    #[test]
    fn rejects_bad_checksum() {
        let mut data = append(vec![9u8; 100]);
        data[10] ^= 1;
        let err = verify_and_strip(data).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.message().contains("fletcher32"), "{err}");
    }

    #[test]
    fn rejects_chunk_shorter_than_checksum() {
        let err = verify_and_strip(vec![1, 2, 3]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert_eq!(verify_and_strip(vec![0; 4]).unwrap(), Vec::<u8>::new());
    }

    proptest! {
        #[test]
        fn matches_reference(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            prop_assert_eq!(checksum(&data), reference(&data));
        }

        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let with_sum = append(data.clone());
            prop_assert_eq!(with_sum.len(), data.len() + 4);
            prop_assert_eq!(verify_and_strip(with_sum).unwrap(), data);
        }
    }
}
