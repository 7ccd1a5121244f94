//! Filter 6, Scale-Offset: stores each value as its difference from the
//! chunk's minimum, in as few bits as the chunk's range needs; floating-point
//! values are first scaled by a power of ten and rounded (lossy) (libhdf5
//! `H5Zscaleoffset.c`; HDF5 spec, "Filter Pipeline Message", IV.A.2.l, and the
//! user guide's "Using the Scale-Offset Filter").
//!
//! Client data, as the writer's "set local" callback fills it (20 values):
//!
//! | index | value |
//! |-------|-------|
//! | 0     | scale type: 0 float D-scale, 1 float E-scale (never implemented), 2 integer |
//! | 1     | scale factor: decimal digits kept (D-scale, may be negative) or the bits per integer (0: computed per chunk) |
//! | 2     | number of elements in a chunk |
//! | 3     | class: 0 integer, 1 float |
//! | 4     | datatype size in bytes |
//! | 5     | sign: 0 unsigned, 1 two's complement |
//! | 6     | byte order: 0 little, 1 big endian |
//! | 7     | 1 when the dataset has a fill value |
//! | 8..   | the fill value, little-endian, four bytes per value |
//!
//! A filtered chunk starts with a 21-byte header: the bits per value
//! (`u32`, little-endian), the size in bytes of the minimum that follows
//! (libhdf5 writes 8), the minimum (little-endian, up to 8 bytes kept), then
//! zero padding up to byte 21. Then come the values, each as its `minbits` low
//! bits, most significant bit first, with no padding between values. A value
//! of all ones stands for the fill value when the dataset has one.
//!
//! When `minbits` is the full width of the type, the values follow the header
//! unpacked, in the writer's memory byte order (assumed little-endian here,
//! as on every platform libhdf5 is commonly built for).

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

use super::buffers;
use super::nbit::PackedBits;

/// Scale types (client data 0).
const SCALE_FLOAT_DECIMAL: u32 = 0;
const SCALE_FLOAT_EXPONENT: u32 = 1;
const SCALE_INTEGER: u32 = 2;

/// Classes (client data 3).
const CLASS_INTEGER: u32 = 0;
const CLASS_FLOAT: u32 = 1;

/// Byte orders (client data 6).
const ORDER_LITTLE_ENDIAN: u32 = 0;
const ORDER_BIG_ENDIAN: u32 = 1;

/// Client data 7 when the dataset has a fill value.
const FILL_DEFINED: u32 = 1;

/// Index of the first client data value holding the fill value.
const FILL_START: usize = 8;

/// Bytes before the packed values.
const HEADER_BYTES: usize = 21;

/// The type of the values, as the client data describes it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ValueKind {
    /// An integer of 1, 2, 4 or 8 bytes; signedness does not change the
    /// arithmetic, which wraps at the type's width.
    Integer,
    /// A 4-byte float; `scale` is 10^(decimal digits kept).
    Float32 { scale: f32 },
    /// An 8-byte float; `scale` is 10^(decimal digits kept).
    Float64 { scale: f64 },
}

/// Undoes Scale-Offset. `data` comes back unchanged when the client data says
/// the writer kept every bit of every value (an integer dataset whose fixed
/// bit count is the type's width); otherwise its buffer goes back to the
/// pool. An output of more than `max_bytes` is a limit error.
pub(crate) fn decode(data: Vec<u8>, client_data: &[u32], max_bytes: usize) -> Result<Vec<u8>> {
    let param = |index: usize| {
        client_data.get(index).copied().ok_or_else(|| {
            malformed(format!(
                "expected client data value {index}, but there are only {}",
                client_data.len()
            ))
        })
    };
    let scale_type = param(0)?;
    // The scale factor is a C `int` stored in an unsigned slot.
    let scale_factor = param(1)? as i32;
    let n_elements = param(2)?;
    let class = param(3)?;
    let size_bytes = param(4)?;
    let order = param(6)?;
    let fill_defined = param(7)? == FILL_DEFINED;

    let kind = match (class, scale_type) {
        (CLASS_INTEGER, SCALE_INTEGER) => {
            // libhdf5 reads a negative bit count as 0 (computed per chunk).
            let fixed_bits = scale_factor.max(0).unsigned_abs();
            let width_bits = u64::from(size_bytes) * 8;
            if u64::from(fixed_bits) > width_bits {
                return Err(malformed(format!(
                    "{fixed_bits} bits per value exceed the {size_bytes}-byte type"
                )));
            }
            if u64::from(fixed_bits) == width_bits {
                // The writer stored the chunk as is, with no header.
                return Ok(data);
            }
            if !matches!(size_bytes, 1 | 2 | 4 | 8) {
                return Err(unsupported(format!(
                    "integers of {size_bytes} bytes are not supported (1, 2, 4 or 8)"
                )));
            }
            ValueKind::Integer
        }
        (CLASS_FLOAT, SCALE_FLOAT_DECIMAL) => match size_bytes {
            4 => ValueKind::Float32 {
                scale: power_of_ten_f32(scale_factor),
            },
            8 => ValueKind::Float64 {
                scale: power_of_ten(scale_factor),
            },
            other => {
                return Err(unsupported(format!(
                    "floats of {other} bytes are not supported (4 or 8)"
                )))
            }
        },
        (CLASS_FLOAT, SCALE_FLOAT_EXPONENT) => {
            return Err(unsupported(
                "the E-scale method (scale type 1), which libhdf5 never implemented",
            ))
        }
        (CLASS_INTEGER | CLASS_FLOAT, other) => {
            return Err(malformed(format!(
                "scale type {other} does not apply to datatype class {class}"
            )))
        }
        (other, _) => {
            return Err(malformed(format!(
                "expected datatype class 0 (integer) or 1 (float), found {other}"
            )))
        }
    };
    let big_endian = match order {
        ORDER_LITTLE_ENDIAN => false,
        ORDER_BIG_ENDIAN => true,
        other => {
            return Err(malformed(format!(
                "expected byte order 0 or 1, found {other}"
            )))
        }
    };
    // `size_bytes` is 1, 2, 4 or 8 from here on.
    let size = size_bytes as usize;
    let width_bits = size_bytes * 8;

    let fill = if fill_defined {
        // Four bytes per client data value, least significant first.
        let mut raw = [0u8; 8];
        for (word, bytes) in raw.chunks_exact_mut(4).take(size.div_ceil(4)).enumerate() {
            bytes.copy_from_slice(&param(FILL_START + word)?.to_le_bytes());
        }
        Some(u64::from_le_bytes(raw) & width_mask(width_bits))
    } else {
        None
    };

    let header = data.get(..HEADER_BYTES).ok_or_else(|| {
        malformed(format!(
            "expected a {HEADER_BYTES}-byte header, found {} bytes",
            data.len()
        ))
    })?;
    let minbits = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let minimum_bytes = usize::from(header[4]).min(8);
    let mut raw_minimum = [0u8; 8];
    raw_minimum[..minimum_bytes].copy_from_slice(&header[5..5 + minimum_bytes]);
    let minimum = u64::from_le_bytes(raw_minimum);
    if minbits > width_bits {
        return Err(malformed(format!(
            "{minbits} bits per value exceed the {size_bytes}-byte type"
        )));
    }

    let out_len = match usize::try_from(u64::from(n_elements) * u64::from(size_bytes)) {
        Ok(len) if len <= max_bytes => len,
        _ => {
            return Err(Error::limit(format!(
                "scaleoffset: {n_elements} elements of {size_bytes} bytes exceed the limit of {max_bytes} bytes"
            )))
        }
    };
    let body = data.get(HEADER_BYTES..).unwrap_or_default();
    let mut out = buffers::take();
    out.clear();

    if minbits == width_bits {
        // Stored unpacked, in the writer's (little-endian) memory order.
        let values = body.get(..out_len).ok_or_else(|| {
            malformed(format!(
                "expected {out_len} bytes of unpacked values, found {}",
                body.len()
            ))
        })?;
        out.extend_from_slice(values);
        if big_endian {
            for value in out.chunks_exact_mut(size) {
                value.reverse();
            }
        }
    } else {
        let n_bits = u64::from(n_elements) * u64::from(minbits);
        if n_bits.div_ceil(8) > body.len() as u64 {
            return Err(malformed(format!(
                "{n_elements} values of {minbits} bits need {} bytes, found {}",
                n_bits.div_ceil(8),
                body.len()
            )));
        }
        out.reserve(out_len);
        // All ones in `minbits` bits marks the fill value; `minbits` is
        // below 64 here.
        let fill_code = (1u64 << minbits) - 1;
        let mut bits = PackedBits::new("scaleoffset", body);
        for _ in 0..n_elements {
            let packed = bits.read_u64(minbits)?;
            let value = match fill {
                Some(fill) if packed == fill_code => fill,
                _ => match kind {
                    ValueKind::Integer => packed.wrapping_add(minimum),
                    // libhdf5 reads the packed bits as a C `int` (the
                    // minimum's bits as a float), computes in `float`.
                    ValueKind::Float32 { scale } => {
                        let minimum = f32::from_bits(minimum as u32);
                        u64::from(((packed as i32) as f32 / scale + minimum).to_bits())
                    }
                    // ... and as a C `long` in `double`.
                    ValueKind::Float64 { scale } => {
                        let minimum = f64::from_bits(minimum);
                        ((packed as i64) as f64 / scale + minimum).to_bits()
                    }
                },
            };
            let bytes = value.to_le_bytes();
            let bytes = &bytes[..size];
            if big_endian {
                out.extend(bytes.iter().rev());
            } else {
                out.extend_from_slice(bytes);
            }
        }
    }
    buffers::give(data);
    Ok(out)
}

/// All ones in the low `width_bits` bits (at most 64).
fn width_mask(width_bits: u32) -> u64 {
    u64::MAX >> (64 - width_bits.clamp(1, 64))
}

/// 10^`exponent`, correctly rounded, as libhdf5's `pow(10.0, D)` gives it.
fn power_of_ten(exponent: i32) -> f64 {
    // Parsing is correctly rounded and needs only `core`.
    format!("1e{exponent}").parse().unwrap_or(f64::NAN)
}

/// 10^`exponent` in single precision, as libhdf5's `powf(10.0f, D)` gives it.
fn power_of_ten_f32(exponent: i32) -> f32 {
    format!("1e{exponent}").parse().unwrap_or(f32::NAN)
}

fn malformed(message: impl core::fmt::Display) -> Error {
    Error::new(ErrorKind::Malformed, format!("scaleoffset: {message}"))
}

fn unsupported(message: impl core::fmt::Display) -> Error {
    Error::new(ErrorKind::Unsupported, format!("scaleoffset: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    // Fixtures written by h5py 3.16 / HDF5 2.0.0 with
    // `set_filter(FILTER_SCALEOFFSET, 0, (scale type, scale factor))`;
    // `packed` is `read_direct_chunk` of chunk 0, `decoded` what libhdf5
    // reads with the file datatype as memory type, that is the filter's own
    // output.

    /// `<i4`, bits computed per chunk, fill value -7; values 100, 105, -7,
    /// 100, 103, 110, -1, 100.
    const I32_FILL_PARAMS: [u32; 20] = [
        2, 0, // integer, bits computed per chunk
        8, // elements per chunk
        0, 4, 1, 0, // integer, 4 bytes, signed, little-endian
        1, 4294967289, 0, // fill value defined: -7 (0xffff_fff9)
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // unused
    ];
    const I32_FILL_PACKED: [u8; 29] = [
        0x07, 0x00, 0x00, 0x00, // 7 bits per value
        0x08, // 8-byte minimum
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // minimum -1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        // 101, 106, 127 (fill), 101, 104, 111, 0, 101 in 7 bits each.
        0xcb, 0xab, 0xfe, 0x5d, 0x1b, 0xc0, 0x65, 0x00,
    ];
    const I32_FILL_DECODED: [i32; 8] = [100, 105, -7, 100, 103, 110, -1, 100];

    /// `|u1`, default fill value 0, all values 9: one bit per value.
    const U8_SAME_PARAMS: [u32; 20] = [2, 0, 4, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const U8_SAME_PACKED: [u8; 22] = [
        0x01, 0x00, 0x00, 0x00, // 1 bit per value
        0x08, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // minimum 9
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x00, // four 0 bits
    ];

    /// `>i2` spanning the whole range: stored unpacked, little-endian.
    const I16_BE_RAW_PARAMS: [u32; 20] =
        [2, 0, 4, 0, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const I16_BE_RAW_PACKED: [u8; 29] = [
        0x10, 0x00, 0x00, 0x00, // 16 bits per value: full width
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // minimum (unused)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x00, 0x80, 0xff, 0x7f, 0x00, 0x00, 0x01, 0x00, // -32768, 32767, 0, 1 (LE)
    ];
    const I16_BE_RAW_DECODED: [u8; 8] = [0x80, 0x00, 0x7f, 0xff, 0x00, 0x00, 0x00, 0x01];

    /// `<f4`, 2 decimal digits, default fill 0.0; values 1.25, -3.5, 0.01,
    /// 2.999, 100.0.
    const F32_PARAMS: [u32; 20] = [
        0, 2, // D-scale, 2 digits
        5, 1, 4, 0, 0, // 5 elements, float, 4 bytes, (sign), little-endian
        1, 0, // fill value defined: 0.0
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // unused
    ];
    const F32_PACKED: [u8; 30] = [
        0x0e, 0x00, 0x00, 0x00, // 14 bits per value
        0x08, 0x00, 0x00, 0x60, 0xc0, 0x00, 0x00, 0x00, 0x00, // minimum -3.5f32
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x07, 0x6c, 0x00, 0x00, 0x57, 0xc2, 0x8a, 0xa1, 0xb8,
    ];
    const F32_DECODED: [f32; 5] = [1.25, -3.5, 0.00999999, 3.0, 100.0];

    /// `>f8`, 3 decimal digits, fill value 9.0; values 1.5, -2.25, 9.0,
    /// 0.1234.
    const F64_BE_FILL_PARAMS: [u32; 20] = [
        0, 3, // D-scale, 3 digits
        4, 1, 8, 0, 1, // 4 elements, float, 8 bytes, (sign), big-endian
        1, 0, 1075970048, // fill value 9.0 (0x4022_0000_0000_0000)
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // unused
    ];
    const F64_BE_FILL_PACKED: [u8; 28] = [
        0x0c, 0x00, 0x00, 0x00, // 12 bits per value
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc0, // minimum -2.25
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0xea, 0x60, 0x00, 0xff, 0xf9, 0x45, 0x00,
    ];
    const F64_BE_FILL_DECODED: [f64; 4] = [1.5, -2.25, 9.0, 0.12300000000000022];

    /// `<i8` with a fixed 4 bits per value; values 1000, 1003, 1015, 1001.
    /// 1015 - 1000 is all ones in 4 bits, the fill value's code, so libhdf5
    /// reads it back as the fill value 0.
    const I64_BITS_PARAMS: [u32; 20] = [2, 4, 4, 0, 8, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const I64_BITS_PACKED: [u8; 24] = [
        0x04, 0x00, 0x00, 0x00, // 4 bits per value
        0x08, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // minimum 1000
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // padding
        0x03, 0xf1, 0x00, // 0, 3, 15, 1
    ];
    const I64_BITS_DECODED: [i64; 4] = [1000, 1003, 0, 1001];

    fn decode_slice(packed: &[u8], params: &[u32]) -> Result<Vec<u8>> {
        decode(packed.to_vec(), params, 1 << 20)
    }

    #[test]
    fn decodes_libhdf5_integer_fixtures() {
        let want: Vec<u8> = I32_FILL_DECODED
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            decode_slice(&I32_FILL_PACKED, &I32_FILL_PARAMS).unwrap(),
            want
        );
        assert_eq!(
            decode_slice(&U8_SAME_PACKED, &U8_SAME_PARAMS).unwrap(),
            [9, 9, 9, 9]
        );
        assert_eq!(
            decode_slice(&I16_BE_RAW_PACKED, &I16_BE_RAW_PARAMS).unwrap(),
            I16_BE_RAW_DECODED
        );
        let want: Vec<u8> = I64_BITS_DECODED
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            decode_slice(&I64_BITS_PACKED, &I64_BITS_PARAMS).unwrap(),
            want
        );
    }

    #[test]
    fn decodes_libhdf5_float_fixtures() {
        let want: Vec<u8> = F32_DECODED.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(decode_slice(&F32_PACKED, &F32_PARAMS).unwrap(), want);
        let want: Vec<u8> = F64_BE_FILL_DECODED
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(
            decode_slice(&F64_BE_FILL_PACKED, &F64_BE_FILL_PARAMS).unwrap(),
            want
        );
    }

    #[test]
    fn decodes_through_the_pipeline() {
        let step = super::super::FilterStep {
            id: 6,
            flags: 0,
            client_data: &F32_PARAMS,
        };
        let decoded =
            super::super::decode_chunk(&[step], 0, F32_PACKED.to_vec(), 4, 20, 1024).unwrap();
        let want: Vec<u8> = F32_DECODED.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(decoded, want);
    }

    #[test]
    fn zero_bits_without_fill_gives_the_minimum() {
        // libhdf5 writes 0 bits per value when all values are equal and the
        // dataset has no fill value.
        let params = [2, 0, 3, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut packed = vec![0u8; HEADER_BYTES];
        packed[4] = 8;
        packed[5..13].copy_from_slice(&(-5i64).to_le_bytes());
        let want: Vec<u8> = [-5i32; 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(decode(packed, &params, 1024).unwrap(), want);
    }

    #[test]
    fn full_width_fixed_bits_pass_through() {
        // A `<i4` with 32 fixed bits: the chunk is stored as is, no header.
        let params = [2, 32, 2, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let raw = vec![1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(decode(raw.clone(), &params, 1024).unwrap(), raw);
    }

    #[test]
    fn truncated_data_is_malformed() {
        for len in [0, 4, 20] {
            let err = decode_slice(&I32_FILL_PACKED[..len], &I32_FILL_PARAMS).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
            assert!(err.message().contains("header"), "{err}");
        }
        // 8 values of 7 bits need 7 bytes after the header.
        assert!(decode_slice(&I32_FILL_PACKED[..28], &I32_FILL_PARAMS).is_ok());
        let err = decode_slice(&I32_FILL_PACKED[..27], &I32_FILL_PARAMS).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        let err = decode_slice(&I16_BE_RAW_PACKED[..28], &I16_BE_RAW_PARAMS).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        let with = |index: usize, value: u32| {
            let mut params = I32_FILL_PARAMS;
            params[index] = value;
            params
        };
        let malformed_cases = [
            with(0, 0),  // float scale type for an integer
            with(0, 5),  // unknown scale type
            with(3, 2),  // unknown class
            with(6, 2),  // byte order 2
            with(1, 33), // 33 fixed bits in 4 bytes
        ];
        for params in malformed_cases {
            let err = decode_slice(&I32_FILL_PACKED, &params).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{params:?}: {err}");
            assert!(err.message().starts_with("scaleoffset: "), "{err}");
        }
        for params in [with(4, 3), with(4, 16)] {
            let err = decode_slice(&I32_FILL_PACKED, &params).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{params:?}: {err}");
        }
        let mut e_scale = F32_PARAMS;
        e_scale[0] = SCALE_FLOAT_EXPONENT;
        let err = decode_slice(&F32_PACKED, &e_scale).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        let mut f16 = F32_PARAMS;
        f16[4] = 2;
        let err = decode_slice(&F32_PACKED, &f16).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        // Too few client data values, with and without the fill value.
        for len in [0, 7, 8] {
            let err = decode_slice(&I32_FILL_PACKED, &I32_FILL_PARAMS[..len]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{len}: {err}");
        }
        // More bits per value than the type has.
        let mut packed = I32_FILL_PACKED;
        packed[0] = 33;
        let err = decode_slice(&packed, &I32_FILL_PARAMS).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
    }

    #[test]
    fn output_over_the_limit_is_refused() {
        let mut params = I32_FILL_PARAMS;
        params[2] = u32::MAX;
        let err = decode_slice(&I32_FILL_PACKED, &params).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn powers_of_ten_are_correctly_rounded() {
        assert_eq!(power_of_ten(0), 1.0);
        assert_eq!(power_of_ten(3), 1000.0);
        assert_eq!(power_of_ten(-1), 0.1);
        assert_eq!(power_of_ten(22), 1e22);
        assert_eq!(power_of_ten(-300), 1e-300);
        assert_eq!(power_of_ten(400), f64::INFINITY);
        assert_eq!(power_of_ten_f32(-2), 0.01f32);
        assert_eq!(power_of_ten_f32(39), f32::INFINITY);
    }

    /// Packs integer offsets from the minimum as libhdf5's compressor does.
    fn pack(offsets: &[u64], minbits: u32, minimum: u64) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_BYTES];
        out[..4].copy_from_slice(&minbits.to_le_bytes());
        out[4] = 8;
        out[5..13].copy_from_slice(&minimum.to_le_bytes());
        let mut bits = Vec::new();
        for &offset in offsets {
            for bit in (0..minbits).rev() {
                bits.push((offset >> bit) & 1 == 1);
            }
        }
        let mut body = vec![0u8; bits.len() / 8 + 1];
        for (i, bit) in bits.iter().enumerate() {
            if *bit {
                body[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out.extend(body);
        out
    }

    proptest! {
        #[test]
        fn integer_round_trip(
            size in prop::sample::select(vec![1u32, 2, 4, 8]),
            big_endian: bool,
            minbits_seed: u32,
            minimum: u64,
            offsets in prop::collection::vec(any::<u64>(), 1..40),
        ) {
            let minbits = minbits_seed % (size * 8);
            let offsets: Vec<u64> = offsets
                .iter()
                .map(|v| if minbits == 0 { 0 } else { v & ((1u64 << minbits) - 1) })
                .collect();
            let params = [
                2, 0, offsets.len() as u32, 0, size, 1, u32::from(big_endian), 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ];
            let decoded = decode(pack(&offsets, minbits, minimum), &params, 1 << 20).unwrap();
            let mut want = Vec::new();
            for offset in offsets {
                let bytes = offset.wrapping_add(minimum).to_le_bytes();
                let bytes = &bytes[..size as usize];
                if big_endian {
                    want.extend(bytes.iter().rev());
                } else {
                    want.extend_from_slice(bytes);
                }
            }
            prop_assert_eq!(decoded, want);
        }

        #[test]
        fn arbitrary_input_never_panics(
            params in prop::collection::vec(0u32..40, 0..24),
            data in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let _ = decode(data, &params, 4096);
        }
    }
}
