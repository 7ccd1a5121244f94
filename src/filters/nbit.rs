//! Filter 5, N-Bit: packs only the significant bits of each value (libhdf5
//! `H5Znbit.c`; HDF5 spec, "Filter Pipeline Message", IV.A.2.l, and the
//! user guide's "Using the N-bit Filter").
//!
//! The writer's "set local" callback describes the dataset's datatype in the
//! client data, so the decoder needs nothing else:
//!
//! | index | value |
//! |-------|-------|
//! | 0     | number of client data values |
//! | 1     | 1 when every value is full precision: the chunk is stored as is |
//! | 2     | number of elements in a chunk |
//! | 3..   | the datatype, as below |
//!
//! A datatype is its class then its size in bytes, followed by:
//! - atomic (1, integer or float): byte order (0 little, 1 big endian),
//!   precision and bit offset;
//! - array (2): the base datatype;
//! - compound (3): the number of members, then for each member its byte
//!   offset and its datatype;
//! - no-op (4, any other class): nothing; its bytes are copied whole.
//!
//! The packed chunk is one bit stream, most significant bit first, with no
//! padding between values: for each element in order, its atomic parts in
//! datatype order, each as its `precision` significant bits from the most
//! significant down. Decoding places those bits back at `offset` and leaves
//! every other bit zero, as libhdf5 does; sign extension and the like are
//! the datatype conversion's business, not the filter's.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};

use super::buffers;

/// Datatype class codes in the client data.
const CLASS_ATOMIC: u32 = 1;
const CLASS_ARRAY: u32 = 2;
const CLASS_COMPOUND: u32 = 3;
const CLASS_NO_OP: u32 = 4;

/// Byte order codes in the client data.
const ORDER_LITTLE_ENDIAN: u32 = 0;
const ORDER_BIG_ENDIAN: u32 = 1;

/// Index of the first datatype value in the client data.
const DATATYPE_START: usize = 3;

/// How deeply arrays and compounds may nest in a datatype description.
/// libhdf5 caps the description at 4096 values; real datatypes nest a few
/// levels at most.
const MAX_NESTING: usize = 64;

/// Undoes N-Bit packing. `data` comes back unchanged when the client data
/// says the writer stored the chunk as is; otherwise its buffer goes back to
/// the pool. An output of more than `max_bytes` is a limit error.
pub(crate) fn decode(data: Vec<u8>, client_data: &[u32], max_bytes: usize) -> Result<Vec<u8>> {
    let params = Params(client_data);
    let declared = params.get(0)?;
    if usize::try_from(declared).ok() != Some(client_data.len()) {
        return Err(malformed(format!(
            "client data declares {declared} values, found {}",
            client_data.len()
        )));
    }
    if params.get(1)? != 0 {
        return Ok(data);
    }
    let n_elements = params.get(2)?;
    let class = params.get(DATATYPE_START)?;
    let element_size = params.get(DATATYPE_START + 1)?;
    if element_size == 0 {
        return Err(malformed("datatype size of 0 bytes"));
    }
    let out_len = u64::from(n_elements) * u64::from(element_size);
    let out_len = match usize::try_from(out_len) {
        Ok(len) if len <= max_bytes => len,
        _ => {
            return Err(Error::limit(format!(
                "nbit: {n_elements} elements of {element_size} bytes exceed the limit of {max_bytes} bytes"
            )))
        }
    };
    let mut out = buffers::take();
    out.clear();
    out.resize(out_len, 0);
    let mut unpacker = Unpacker {
        params,
        bits: PackedBits::new("nbit", &data),
        out: &mut out,
    };
    let element_size = element_size as usize;
    match class {
        CLASS_ATOMIC => {
            let atomic = params.atomic(DATATYPE_START + 1)?;
            for i in 0..n_elements as usize {
                unpacker.atomic(i * element_size, atomic)?;
            }
        }
        CLASS_ARRAY | CLASS_COMPOUND => {
            for i in 0..n_elements as usize {
                let mut index = DATATYPE_START + 1;
                if class == CLASS_ARRAY {
                    unpacker.array(i * element_size, &mut index, 0)?;
                } else {
                    unpacker.compound(i * element_size, &mut index, 0)?;
                }
            }
        }
        other => {
            return Err(malformed(format!(
                "expected datatype class 1, 2 or 3 for the dataset, found {other}"
            )))
        }
    }
    buffers::give(data);
    Ok(out)
}

/// One integer or floating-point part of the datatype.
#[derive(Debug, Clone, Copy)]
struct Atomic {
    size_bytes: usize,
    big_endian: bool,
    precision_bits: usize,
    offset_bits: usize,
}

/// The client data, read with bounds checks.
#[derive(Clone, Copy)]
struct Params<'a>(&'a [u32]);

impl Params<'_> {
    fn get(self, index: usize) -> Result<u32> {
        self.0.get(index).copied().ok_or_else(|| {
            malformed(format!(
                "the datatype description needs client data value {index}, but there are only {}",
                self.0.len()
            ))
        })
    }

    /// The four values size, order, precision, offset from `index` on.
    fn atomic(self, index: usize) -> Result<Atomic> {
        let size = self.get(index)?;
        let order = self.get(index + 1)?;
        let precision = self.get(index + 2)?;
        let offset = self.get(index + 3)?;
        let big_endian = match order {
            ORDER_LITTLE_ENDIAN => false,
            ORDER_BIG_ENDIAN => true,
            other => {
                return Err(malformed(format!(
                    "expected byte order 0 or 1, found {other} (client data value {})",
                    index + 1
                )))
            }
        };
        let size_bits = u64::from(size) * 8;
        if u64::from(precision) + u64::from(offset) > size_bits {
            return Err(malformed(format!(
                "precision {precision} at bit offset {offset} does not fit in {size} bytes"
            )));
        }
        Ok(Atomic {
            size_bytes: size as usize,
            big_endian,
            precision_bits: precision as usize,
            offset_bits: offset as usize,
        })
    }
}

/// Walks the datatype description as libhdf5's decompressor does, unpacking
/// each part into `out`. The walk is libhdf5's to the letter, quirks included
/// (after an array of arrays or of compounds, the walk resumes at the start of
/// the base type's description, not after it): libhdf5's packer walks the
/// same way, so that is where the bits are.
struct Unpacker<'a> {
    params: Params<'a>,
    bits: PackedBits<'a>,
    out: &'a mut [u8],
}

impl Unpacker<'_> {
    /// The output bytes of a part that starts at `start`.
    fn part(&mut self, start: usize, size_bytes: usize) -> Result<&mut [u8]> {
        out_part(self.out, start, size_bytes)
    }

    fn atomic(&mut self, start: usize, atomic: Atomic) -> Result<()> {
        let Atomic {
            size_bytes,
            big_endian,
            precision_bits,
            offset_bits,
        } = atomic;
        // Checked even for precision 0: it bounds the loops that call this.
        self.part(start, size_bytes)?;
        if precision_bits == 0 {
            return Ok(());
        }
        let end_bit = offset_bits + precision_bits;
        // Significance order: from the byte holding the top bit down.
        for significance in (offset_bits / 8..=(end_bit - 1) / 8).rev() {
            let low = offset_bits.max(significance * 8);
            let high = end_bit.min(significance * 8 + 8);
            let value = self.bits.read((high - low) as u32)?;
            let index = if big_endian {
                size_bytes - 1 - significance
            } else {
                significance
            };
            // In range: `part` checked the element and `significance` is
            // below `size_bytes`.
            if let Some(byte) = self.out.get_mut(start + index) {
                *byte = value << (low - significance * 8);
            }
        }
        Ok(())
    }

    fn no_op(&mut self, start: usize, size_bytes: usize) -> Result<()> {
        for byte in out_part(self.out, start, size_bytes)? {
            *byte = self.bits.read(8)?;
        }
        Ok(())
    }

    /// An array whose description (size, base class, ...) starts at `index`.
    fn array(&mut self, start: usize, index: &mut usize, depth: usize) -> Result<()> {
        check_depth(depth)?;
        let total_bytes = self.params.get(*index)? as usize;
        let base_class = self.params.get(*index + 1)?;
        *index += 2;
        // libhdf5 does not check this, but every datatype it describes
        // passes, and it bounds the work a crafted description can ask for.
        self.part(start, total_bytes)?;
        match base_class {
            CLASS_ATOMIC => {
                let atomic = self.params.atomic(*index)?;
                *index += 4;
                if atomic.size_bytes == 0 {
                    return Err(malformed("array base datatype of 0 bytes"));
                }
                for i in 0..total_bytes / atomic.size_bytes {
                    self.atomic(start + i * atomic.size_bytes, atomic)?;
                }
            }
            CLASS_ARRAY | CLASS_COMPOUND => {
                let base_bytes = self.params.get(*index)? as usize;
                if base_bytes == 0 {
                    return Err(malformed("array base datatype of 0 bytes"));
                }
                let base_index = *index;
                for i in 0..total_bytes / base_bytes {
                    let element_start = start + i * base_bytes;
                    if base_class == CLASS_ARRAY {
                        self.array(element_start, index, depth + 1)?;
                    } else {
                        self.compound(element_start, index, depth + 1)?;
                    }
                    *index = base_index;
                }
            }
            CLASS_NO_OP => {
                self.params.get(*index)?;
                *index += 1;
                self.no_op(start, total_bytes)?;
            }
            other => return Err(unknown_class(other, *index - 1)),
        }
        Ok(())
    }

    /// A compound whose description (size, member count, ...) starts at
    /// `index`.
    fn compound(&mut self, start: usize, index: &mut usize, depth: usize) -> Result<()> {
        check_depth(depth)?;
        let size_bytes = self.params.get(*index)?;
        let n_members = self.params.get(*index + 1)?;
        *index += 2;
        self.part(start, size_bytes as usize)?;
        let mut used_bytes = 0u64;
        for _ in 0..n_members {
            let member_offset = self.params.get(*index)?;
            let member_class = self.params.get(*index + 1)?;
            *index += 2;
            let member_bytes = self.params.get(*index)?;
            used_bytes += u64::from(member_bytes);
            if member_bytes == 0
                || used_bytes > u64::from(size_bytes)
                || u64::from(member_offset) + u64::from(member_bytes) > u64::from(size_bytes)
            {
                return Err(malformed(format!(
                    "compound member of {member_bytes} bytes at byte {member_offset} does not fit in the {size_bytes}-byte compound"
                )));
            }
            let member_start = start + member_offset as usize;
            match member_class {
                CLASS_ATOMIC => {
                    let atomic = self.params.atomic(*index)?;
                    *index += 4;
                    self.atomic(member_start, atomic)?;
                }
                CLASS_ARRAY => self.array(member_start, index, depth + 1)?,
                CLASS_COMPOUND => self.compound(member_start, index, depth + 1)?,
                CLASS_NO_OP => {
                    *index += 1;
                    self.no_op(member_start, member_bytes as usize)?;
                }
                other => return Err(unknown_class(other, *index - 1)),
            }
        }
        Ok(())
    }
}

/// Reads a stream of values packed most significant bit first, as both
/// N-Bit and Scale-Offset store them.
pub(super) struct PackedBits<'a> {
    /// The filter's name, for error messages.
    filter: &'static str,
    bytes: &'a [u8],
    /// Bits consumed so far.
    position: usize,
}

impl<'a> PackedBits<'a> {
    pub(super) fn new(filter: &'static str, bytes: &'a [u8]) -> Self {
        PackedBits {
            filter,
            bytes,
            position: 0,
        }
    }

    /// The next `count` bits (at most 8) as the low bits of a byte.
    pub(super) fn read(&mut self, count: u32) -> Result<u8> {
        debug_assert!(count <= 8);
        let value = self.read_u64(count.min(8))?;
        // At most 8 bits were read.
        Ok(value as u8)
    }

    /// The next `count` bits (at most 64) as the low bits of a `u64`.
    pub(super) fn read_u64(&mut self, count: u32) -> Result<u64> {
        let count = count.min(64) as usize;
        let end = self
            .position
            .checked_add(count)
            .filter(|&end| end.div_ceil(8) <= self.bytes.len())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "{}: expected {count} more bits at bit {}, but the data holds {} bytes",
                        self.filter,
                        self.position,
                        self.bytes.len()
                    ),
                )
            })?;
        let mut value = 0u64;
        let mut position = self.position;
        while position < end {
            let bit_in_byte = position % 8;
            let take = (8 - bit_in_byte).min(end - position);
            let byte = self.bytes.get(position / 8).copied().unwrap_or(0);
            let bits = (byte >> (8 - bit_in_byte - take)) & (0xff >> (8 - take));
            // `take <= 8` and the result holds at most 64 bits.
            value = (value << take) | u64::from(bits);
            position += take;
        }
        self.position = end;
        Ok(value)
    }
}

/// The `size_bytes` output bytes from `start`.
fn out_part(out: &mut [u8], start: usize, size_bytes: usize) -> Result<&mut [u8]> {
    let out_len = out.len();
    start
        .checked_add(size_bytes)
        .and_then(|end| out.get_mut(start..end))
        .ok_or_else(|| {
            malformed(format!(
                "the datatype description places {size_bytes} bytes at byte {start} of a {out_len}-byte chunk"
            ))
        })
}

fn check_depth(depth: usize) -> Result<()> {
    if depth >= MAX_NESTING {
        return Err(malformed(format!(
            "datatype description nests more than {MAX_NESTING} levels"
        )));
    }
    Ok(())
}

fn unknown_class(class: u32, index: usize) -> Error {
    malformed(format!(
        "expected datatype class 1 to 4, found {class} (client data value {index})"
    ))
}

fn malformed(message: impl core::fmt::Display) -> Error {
    Error::new(ErrorKind::Malformed, format!("nbit: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    // Fixtures written by h5py 3.16 / HDF5 2.0.0 with `set_filter(FILTER_NBIT)`;
    // `packed` is `read_direct_chunk` of chunk 0, `decoded` what libhdf5
    // reads with the file datatype as memory type (no conversion), that is
    // the filter's own output.

    /// `<i4` with precision 12 at bit offset 2; values 0, 1, -1, 2047, -2048,
    /// 100, -100, 5.
    const I32_PARAMS: [u32; 8] = [
        8, // number of client data values
        0, // packed (not full precision)
        8, // elements per chunk
        1, 4, 0, 12, 2, // atomic, 4 bytes, little-endian, precision 12, offset 2
    ];
    const I32_PACKED: [u8; 13] = [
        0x00, 0x00, 0x01, 0xff, 0xf7, 0xff, 0x80, 0x00, 0x64, 0xf9, 0xc0, 0x05, 0x00,
    ];
    const I32_DECODED: [u8; 32] = [
        0x00, 0x00, 0x00, 0x00, // 0
        0x04, 0x00, 0x00, 0x00, // 1 << 2
        0xfc, 0x3f, 0x00, 0x00, // 0xfff << 2 (-1)
        0xfc, 0x1f, 0x00, 0x00, // 0x7ff << 2 (2047)
        0x00, 0x20, 0x00, 0x00, // 0x800 << 2 (-2048)
        0x90, 0x01, 0x00, 0x00, // 100 << 2
        0x70, 0x3e, 0x00, 0x00, // 0xf9c << 2 (-100)
        0x14, 0x00, 0x00, 0x00, // 5 << 2
    ];

    /// `>u2` with precision 10 at bit offset 3; values 0, 1, 1023, 512, 7.
    const U16_BE_PARAMS: [u32; 8] = [
        8, 0, 5, // 8 values, packed, 5 elements
        1, 2, 1, 10, 3, // atomic, 2 bytes, big-endian, precision 10, offset 3
    ];
    const U16_BE_PACKED: [u8; 7] = [0x00, 0x00, 0x1f, 0xfe, 0x00, 0x01, 0xc0];
    const U16_BE_DECODED: [u8; 10] = [
        0x00, 0x00, // 0
        0x00, 0x08, // 1 << 3
        0x1f, 0xf8, // 1023 << 3
        0x10, 0x00, // 512 << 3
        0x00, 0x38, // 7 << 3
    ];

    /// A 10-byte compound: `a` `<i4` precision 12 offset 2 at byte 0, `b`
    /// an array of two `>u2` precision 10 offset 3 at byte 4, `c` a 2-byte
    /// string (no-op: copied whole) at byte 8. Values (-3, [1, 1023], "h"),
    /// (2047, [5, 6], "x"), (0, [0, 0], "").
    const COMPOUND_PARAMS: [u32; 23] = [
        23, 0, 3, // 23 values, packed, 3 elements
        3, 10, 3, // compound, 10 bytes, 3 members
        0, 1, 4, 0, 12, 2, // a: byte 0, atomic, 4 bytes, LE, precision 12, offset 2
        4, 2, 4, // b: byte 4, array of 4 bytes of
        1, 2, 1, 10, 3, //    atomic, 2 bytes, BE, precision 10, offset 3
        8, 4, 2, // c: byte 8, no-op, 2 bytes
    ];
    const COMPOUND_PACKED: [u8; 19] = [
        0xff, 0xd0, 0x07, 0xff, 0x68, 0x00, 0x7f, 0xf0, 0x14, 0x06, 0x78, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    ];
    const COMPOUND_DECODED: [u8; 30] = [
        0xf4, 0x3f, 0x00, 0x00, 0x00, 0x08, 0x1f, 0xf8, b'h', 0x00, // element 0
        0xfc, 0x1f, 0x00, 0x00, 0x00, 0x28, 0x00, 0x30, b'x', 0x00, // element 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // element 2
    ];

    /// A 12-byte compound: `a` a 2-array of 2-arrays of `<i2` precision 10
    /// offset 1 at byte 0, `b` `<i4` precision 12 offset 2 at byte 8. After
    /// an array of arrays libhdf5's walk restarts at the inner array's
    /// description, so it reads `b` as "byte 4, atomic, 2 bytes, LE,
    /// precision 10, offset 1": `a[1][0]` is packed twice and `b` never
    /// (h5py reads it back as 0). Values ([[1, 2], [3, -4]], 5) and
    /// ([[-1, 511], [-512, 0]], -6).
    const QUIRK_PARAMS: [u32; 22] = [
        22, 0, 2, // 22 values, packed, 2 elements
        3, 12, 2, // compound, 12 bytes, 2 members
        0, 2, 8, // a: byte 0, array of 8 bytes of
        2, 4, //    array of 4 bytes of
        1, 2, 0, 10, 1, //       atomic, 2 bytes, LE, precision 10, offset 1
        8, 1, 4, 0, 12, 2, // b: byte 8, atomic, 4 bytes, LE, precision 12, offset 2
    ];
    const QUIRK_PACKED: [u8; 13] = [
        0x00, 0x40, 0x20, 0x0f, 0xfc, 0x00, 0xff, 0xf7, 0xfe, 0x00, 0x00, 0x20, 0x00,
    ];
    const QUIRK_DECODED: [u8; 24] = [
        0x02, 0x00, 0x04, 0x00, 0x06, 0x00, 0xf8, 0x07, 0x00, 0x00, 0x00, 0x00, // element 0
        0xfe, 0x07, 0xfe, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // element 1
    ];

    fn decode_slice(packed: &[u8], params: &[u32]) -> Result<Vec<u8>> {
        decode(packed.to_vec(), params, 1 << 20)
    }

    #[test]
    fn decodes_libhdf5_fixtures() {
        assert_eq!(decode_slice(&I32_PACKED, &I32_PARAMS).unwrap(), I32_DECODED);
        assert_eq!(
            decode_slice(&U16_BE_PACKED, &U16_BE_PARAMS).unwrap(),
            U16_BE_DECODED
        );
        assert_eq!(
            decode_slice(&COMPOUND_PACKED, &COMPOUND_PARAMS).unwrap(),
            COMPOUND_DECODED
        );
        assert_eq!(
            decode_slice(&QUIRK_PACKED, &QUIRK_PARAMS).unwrap(),
            QUIRK_DECODED
        );
    }

    #[test]
    fn decodes_through_the_pipeline() {
        let step = super::super::FilterStep {
            id: 5,
            flags: 1,
            client_data: &I32_PARAMS,
        };
        let decoded =
            super::super::decode_chunk(&[step], 0, I32_PACKED.to_vec(), 4, 32, 1024).unwrap();
        assert_eq!(decoded, I32_DECODED);
    }

    #[test]
    fn full_precision_chunks_pass_through() {
        // h5stat_filters.h5 /all: a full-precision `<i4` is stored as is.
        let params = [8, 1, 50, 1, 4, 0, 32, 0];
        let raw: Vec<u8> = (0..200).map(|i| i as u8).collect();
        assert_eq!(decode(raw.clone(), &params, 1024).unwrap(), raw);
    }

    #[test]
    fn truncated_data_is_malformed() {
        for len in [0, 1, 11] {
            let err = decode_slice(&I32_PACKED[..len], &I32_PARAMS).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        }
        let err = decode_slice(&COMPOUND_PACKED[..10], &COMPOUND_PARAMS).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        // The last 2 bits of I32_PACKED are padding: 96 of 104 bits are used.
        assert!(decode_slice(&I32_PACKED[..12], &I32_PARAMS).is_ok());
    }

    #[test]
    fn bad_parameters_are_malformed() {
        let cases: [&[u32]; 10] = [
            &[],                              // nothing
            &[3, 0, 8],                       // no datatype
            &[9, 0, 8, 1, 4, 0, 12, 2],       // count says 9
            &[8, 0, 8, 1, 4, 2, 12, 2],       // byte order 2
            &[8, 0, 8, 1, 4, 0, 31, 2],       // 31 + 2 bits in 4 bytes
            &[8, 0, 8, 1, 0, 0, 0, 0],        // size 0
            &[8, 0, 8, 7, 4, 0, 12, 2],       // class 7
            &[8, 0, 8, 4, 4, 0, 12, 2],       // no-op at the top
            &[5, 0, 8, 1, 4],                 // atomic cut short
            &[9, 0, 1, 3, 4, 1, 0, 1, 8][..], // compound member cut short
        ];
        for params in cases {
            let err = decode_slice(&I32_PACKED, params).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{params:?}: {err}");
            assert!(err.message().starts_with("nbit: "), "{err}");
        }
    }

    #[test]
    fn descriptions_that_do_not_fit_are_malformed() {
        let cases: [&[u32]; 5] = [
            // Member of 4 bytes at byte 2 of a 4-byte compound.
            &[12, 0, 1, 3, 4, 1, 2, 1, 4, 0, 32, 0],
            // Member of 0 bytes.
            &[12, 0, 1, 3, 4, 1, 0, 1, 0, 0, 0, 0],
            // Array of 8 bytes in a 4-byte element.
            &[11, 0, 1, 2, 4, 1, 4, 0, 8, 0][..],
            // Array whose atomic base has size 0.
            &[11, 0, 1, 2, 4, 1, 0, 0, 0, 0, 0],
            // Array of arrays of 0 bytes.
            &[7, 0, 1, 2, 4, 2, 0],
        ];
        for params in cases {
            let params: Vec<u32> = params.to_vec();
            let err = decode_slice(&[0xff; 16], &params).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{params:?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        // An array of an array of ... 100 levels deep, all 4 bytes.
        let mut params = vec![0, 0, 1]; // count (set below), packed, 1 element
        for _ in 0..100 {
            params.extend_from_slice(&[CLASS_ARRAY, 4]);
        }
        params.extend_from_slice(&[CLASS_ATOMIC, 4, 0, 32, 0]);
        params[0] = params.len() as u32;
        let err = decode_slice(&[0; 4], &params).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.message().contains("nests"), "{err}");
    }

    #[test]
    fn output_over_the_limit_is_refused() {
        let params = [8, 0, u32::MAX, 1, 8, 0, 12, 2];
        let err = decode(I32_PACKED.to_vec(), &params, 1 << 20).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    }

    #[test]
    fn packed_bits_read_across_bytes() {
        let mut bits = PackedBits::new("nbit", &[0b1011_0011, 0b1100_0000]);
        assert_eq!(bits.read(3).unwrap(), 0b101);
        assert_eq!(bits.read(0).unwrap(), 0);
        assert_eq!(bits.read(7).unwrap(), 0b100_1111);
        assert_eq!(bits.read_u64(6).unwrap(), 0);
        assert!(bits.read(1).is_err());
    }

    /// Packs values as libhdf5's N-Bit compressor does for an atomic type:
    /// each value's `precision` bits from `offset`, most significant first.
    fn pack(values: &[u64], precision: usize, offset: usize) -> Vec<u8> {
        let mut bits = Vec::new();
        for &value in values {
            for bit in (offset..offset + precision).rev() {
                bits.push((value >> bit) & 1 == 1);
            }
        }
        let mut out = vec![0u8; bits.len() / 8 + 1];
        for (i, bit) in bits.iter().enumerate() {
            if *bit {
                out[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn atomic_round_trip(
            size in prop::sample::select(vec![1usize, 2, 4, 8]),
            big_endian: bool,
            precision_seed: usize,
            offset_seed: usize,
            values in prop::collection::vec(any::<u64>(), 1..40),
        ) {
            let width = size * 8;
            let precision = 1 + precision_seed % width;
            let offset = offset_seed % (width - precision + 1);
            let field_mask = if precision == 64 { u64::MAX } else { (1u64 << precision) - 1 };
            let expected: Vec<u64> = values.iter().map(|v| (v & field_mask) << offset).collect();
            let params = [
                8,
                0,
                values.len() as u32,
                1,
                size as u32,
                u32::from(big_endian),
                precision as u32,
                offset as u32,
            ];
            let decoded = decode(pack(&expected, precision, offset), &params, 1 << 20).unwrap();
            let mut want = Vec::new();
            for value in expected {
                let bytes = value.to_le_bytes();
                if big_endian {
                    want.extend(bytes[..size].iter().rev());
                } else {
                    want.extend_from_slice(&bytes[..size]);
                }
            }
            prop_assert_eq!(decoded, want);
        }

        #[test]
        fn arbitrary_input_never_panics(
            params in prop::collection::vec(0u32..12, 0..40),
            data in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            // A matching count, so the walk gets past the first check.
            let mut params = params;
            let len = params.len() as u32;
            if let Some(first) = params.first_mut() {
                *first = len;
            }
            let _ = decode(data, &params, 4096);
        }
    }
}
