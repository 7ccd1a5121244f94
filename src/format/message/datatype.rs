//! The datatype message (0x0003, spec IV.A.2.d), versions 1-5, classes 0-11.
//!
//! A datatype is also embedded in compound, enum, array, variable-length and
//! complex datatypes and in attribute messages, so [`decode`] consumes exactly
//! the datatype's own bytes and leaves the cursor after them.

use super::{check_count, lossy_until_nul, padded_cstr};
use crate::error::Result;
use crate::format::Cursor;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// Deepest nesting of datatypes [`decode`] follows before giving up.
pub const MAX_DEPTH: u32 = 32;

/// Largest array rank (`H5S_MAX_RANK`).
const MAX_ARRAY_RANK: u8 = 32;

/// Bytes of the class-and-version byte, the 3 bit-field bytes and the size.
const HEADER_BYTES: u64 = 8;

/// Byte order of a numeric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

/// How a string is padded to its full size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringPadding {
    /// A NUL ends the string; the rest is NULs.
    NullTerminate,
    /// Padded with NULs, no terminator required.
    NullPad,
    /// Padded with spaces (Fortran style).
    SpacePad,
    /// A reserved value, carried as read.
    Unknown(u8),
}

impl StringPadding {
    fn from_bits(v: u8) -> Self {
        match v {
            0 => Self::NullTerminate,
            1 => Self::NullPad,
            2 => Self::SpacePad,
            other => Self::Unknown(other),
        }
    }
}

/// Character set of a string or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharacterSet {
    /// US-ASCII.
    Ascii,
    /// UTF-8.
    Utf8,
    /// A reserved value, carried as read.
    Unknown(u8),
}

impl CharacterSet {
    /// The character set for an on-disk code (0 ASCII, 1 UTF-8).
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Ascii,
            1 => Self::Utf8,
            other => Self::Unknown(other),
        }
    }
}

/// What a reference points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// Object reference (`H5R_OBJECT1`): an object header address.
    Object,
    /// Dataset region reference (`H5R_DATASET_REGION1`): a global heap ID.
    Region,
    /// Any other type code, e.g. the revised references (2-4) of version 4.
    Other(u8),
}

/// A decoded datatype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datatype {
    /// Size of one element in bytes.
    pub size: u32,
    /// Class and its properties.
    pub class: DatatypeClass,
}

/// Datatype class with its class-specific properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatatypeClass {
    /// Class 0: integers.
    FixedPoint {
        /// Byte order.
        order: ByteOrder,
        /// Two's complement when true.
        signed: bool,
        /// Bits below the value.
        bit_offset: u16,
        /// Bits of the value.
        precision: u16,
    },
    /// Class 1: floating point.
    FloatingPoint {
        /// Byte order (VAX order is rejected as unsupported).
        order: ByteOrder,
        /// Bit position of the sign bit.
        sign_location: u8,
        /// Bits below the value.
        bit_offset: u16,
        /// Bits of the value.
        precision: u16,
        /// Bit position of the exponent.
        exponent_location: u8,
        /// Exponent width in bits.
        exponent_size: u8,
        /// Bit position of the mantissa.
        mantissa_location: u8,
        /// Mantissa width in bits.
        mantissa_size: u8,
        /// Exponent bias.
        exponent_bias: u32,
    },
    /// Class 2: time.
    Time {
        /// Byte order.
        order: ByteOrder,
        /// Bits of the value.
        precision: u16,
    },
    /// Class 3: fixed-length string.
    String {
        /// Padding.
        padding: StringPadding,
        /// Character set.
        charset: CharacterSet,
    },
    /// Class 4: bit field.
    Bitfield {
        /// Byte order.
        order: ByteOrder,
        /// Bits below the value.
        bit_offset: u16,
        /// Bits of the value.
        precision: u16,
    },
    /// Class 5: opaque bytes with a tag.
    Opaque {
        /// The tag, without its NUL padding.
        tag: String,
    },
    /// Class 6: compound (struct).
    Compound {
        /// Members, in stored order.
        members: Vec<CompoundMember>,
    },
    /// Class 7: reference.
    Reference {
        /// What the reference points to.
        kind: ReferenceKind,
    },
    /// Class 8: enumeration.
    Enum {
        /// Integer type of the values.
        base: Box<Datatype>,
        /// Name/value pairs.
        members: Vec<EnumMember>,
    },
    /// Class 9: variable-length sequence or string.
    VarLen {
        /// Padding and character set for a variable-length string; `None`
        /// for a sequence.
        string: Option<(StringPadding, CharacterSet)>,
        /// Element type (an unsigned byte for strings).
        base: Box<Datatype>,
    },
    /// Class 10: fixed-size array.
    Array {
        /// Array dimensions, slowest-changing first.
        dims: Vec<u64>,
        /// Element type.
        base: Box<Datatype>,
    },
    /// Class 11 (HDF5 2.0): homogeneous rectangular complex number.
    Complex {
        /// Floating-point type of the real and imaginary parts.
        base: Box<Datatype>,
    },
}

/// One member of a compound datatype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompoundMember {
    /// Member name.
    pub name: String,
    /// Byte offset of the member in the compound element.
    pub offset: u32,
    /// Member type (an array type for version 1 members with dimensions).
    pub datatype: Datatype,
}

/// One name/value pair of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumMember {
    /// Name.
    pub name: String,
    /// Value, `base.size` bytes in the base type's byte order.
    pub value: Vec<u8>,
}

impl Datatype {
    /// True for a variable-length string.
    pub fn is_vlen_string(&self) -> bool {
        matches!(
            self.class,
            DatatypeClass::VarLen {
                string: Some(_),
                ..
            }
        )
    }
}

/// Decodes a datatype message, nested types included (up to [`MAX_DEPTH`]).
pub fn decode(c: &mut Cursor) -> Result<Datatype> {
    decode_nested(c, MAX_DEPTH)
}

fn byte_order(bits: u32) -> ByteOrder {
    if bits & 1 == 0 {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    }
}

/// Width of a version 3 compound member offset: the fewest bytes that hold
/// the compound's size.
fn member_offset_width(size: u32) -> usize {
    let bits = 32 - size.leading_zeros() as usize;
    // floor(log2(size)) / 8 + 1, and 1 for size 0.
    bits.saturating_sub(1) / 8 + 1
}

fn decode_nested(c: &mut Cursor, depth: u32) -> Result<Datatype> {
    if depth == 0 {
        return Err(c.error(format_args!(
            "datatypes nested more than {MAX_DEPTH} levels deep"
        )));
    }
    let class_and_version = c.u8()?;
    let version = class_and_version >> 4;
    let class_code = class_and_version & 0x0f;
    let b0 = c.u8()?;
    let b1 = c.u8()?;
    let b2 = c.u8()?;
    let bits = u32::from(b0) | (u32::from(b1) << 8) | (u32::from(b2) << 16);
    let size = c.u32()?;
    if version == 0 || version > 5 {
        return Err(c.unsupported(format_args!(
            "datatype message version {version} (expected 1 to 5)"
        )));
    }
    let class = match class_code {
        0 => {
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            DatatypeClass::FixedPoint {
                order: byte_order(bits),
                signed: bits & 0x08 != 0,
                bit_offset,
                precision,
            }
        }
        1 => {
            // Byte order is bit 0 with bit 6: 00 little, 01 big, 11 VAX.
            let order = match ((bits >> 6) & 1, bits & 1) {
                (0, 0) => ByteOrder::Little,
                (0, _) => ByteOrder::Big,
                (_, 1) => return Err(c.unsupported("VAX byte order for a floating-point type")),
                _ => {
                    return Err(c.error(format_args!(
                        "reserved floating-point byte order (bit field {bits:#08x})"
                    )))
                }
            };
            let sign_location = b1;
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            let exponent_location = c.u8()?;
            let exponent_size = c.u8()?;
            let mantissa_location = c.u8()?;
            let mantissa_size = c.u8()?;
            let exponent_bias = c.u32()?;
            DatatypeClass::FloatingPoint {
                order,
                sign_location,
                bit_offset,
                precision,
                exponent_location,
                exponent_size,
                mantissa_location,
                mantissa_size,
                exponent_bias,
            }
        }
        2 => DatatypeClass::Time {
            order: byte_order(bits),
            precision: c.u16()?,
        },
        3 => DatatypeClass::String {
            padding: StringPadding::from_bits(b0 & 0x0f),
            charset: CharacterSet::from_u8(b0 >> 4),
        },
        4 => {
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            DatatypeClass::Bitfield {
                order: byte_order(bits),
                bit_offset,
                precision,
            }
        }
        5 => {
            // The tag length (bits 0-7) already includes the NUL padding.
            let tag = c.bytes(usize::from(b0))?;
            DatatypeClass::Opaque {
                tag: lossy_until_nul(tag),
            }
        }
        6 => decode_compound(c, version, bits & 0xffff, size, depth)?,
        7 => DatatypeClass::Reference {
            kind: match b0 & 0x0f {
                0 => ReferenceKind::Object,
                1 => ReferenceKind::Region,
                other => ReferenceKind::Other(other),
            },
        },
        8 => decode_enum(c, version, bits & 0xffff, depth)?,
        9 => {
            let string = match b0 & 0x0f {
                0 => None,
                1 => Some((
                    StringPadding::from_bits(b0 >> 4),
                    CharacterSet::from_u8(b1 & 0x0f),
                )),
                other => {
                    return Err(c.unsupported(format_args!(
                        "variable-length type {other} (expected 0 sequence or 1 string)"
                    )))
                }
            };
            let base = Box::new(decode_nested(c, depth - 1)?);
            DatatypeClass::VarLen { string, base }
        }
        10 => {
            let rank = c.u8()?;
            if rank == 0 || rank > MAX_ARRAY_RANK {
                return Err(c.error(format_args!(
                    "array datatype rank {rank} (expected 1 to {MAX_ARRAY_RANK})"
                )));
            }
            if version < 3 {
                c.skip(3)?; // reserved
            }
            // Dimensions (and, before version 3, as many permutation indices).
            let per_dim = if version < 3 { 8 } else { 4 };
            check_count(c, u64::from(rank), per_dim, "array dimensions")?;
            let mut dims = Vec::with_capacity(usize::from(rank));
            for _ in 0..rank {
                dims.push(u64::from(c.u32()?));
            }
            if version < 3 {
                c.skip(usize::from(rank) * 4)?; // permutation, never implemented
            }
            let base = Box::new(decode_nested(c, depth - 1)?);
            DatatypeClass::Array { dims, base }
        }
        11 => {
            if bits & 1 == 0 {
                return Err(c.unsupported("heterogeneous complex number datatype"));
            }
            let form = (bits >> 1) & 0x3;
            if form != 0 {
                return Err(c.unsupported(format_args!(
                    "complex number form {form} (only 0, rectangular, is supported)"
                )));
            }
            DatatypeClass::Complex {
                base: Box::new(decode_nested(c, depth - 1)?),
            }
        }
        other => {
            return Err(c.unsupported(format_args!("datatype class {other} (expected 0 to 11)")))
        }
    };
    Ok(Datatype { size, class })
}

fn decode_compound(
    c: &mut Cursor,
    version: u8,
    count: u32,
    size: u32,
    depth: u32,
) -> Result<DatatypeClass> {
    // Smallest possible member: a 1-byte name (padded to 8 before version 3),
    // its offset, then a datatype header.
    let min_member = match version {
        1 => 8 + 28 + HEADER_BYTES,
        2 => 8 + 4 + HEADER_BYTES,
        _ => 1 + member_offset_width(size) as u64 + HEADER_BYTES,
    };
    check_count(c, u64::from(count), min_member, "compound members")?;
    let mut members = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (name, offset) = if version < 3 {
            let name = padded_cstr(c)?;
            (name, c.u32()?)
        } else {
            let name = String::from_utf8_lossy(c.cstr()?).into_owned();
            let offset = c.uint(member_offset_width(size))?;
            // The width is derived from a u32 size, so the value fits.
            (name, u32::try_from(offset).unwrap_or(u32::MAX))
        };
        let datatype = if version == 1 {
            // Version 1 members carry up to 4 array dimensions of their own.
            let rank = c.u8()?;
            c.skip(3)?; // reserved
            c.skip(4)?; // dimension permutation
            c.skip(4)?; // reserved
            let mut all_dims = [0u64; 4];
            for d in all_dims.iter_mut() {
                *d = u64::from(c.u32()?);
            }
            let base = decode_nested(c, depth - 1)?;
            if rank == 0 {
                base
            } else {
                let dims = all_dims.get(..usize::from(rank)).ok_or_else(|| {
                    c.error(format_args!(
                        "compound member {name:?} has {rank} array dimensions (at most 4)"
                    ))
                })?;
                let n: u64 = dims
                    .iter()
                    .try_fold(1u64, |a, &d| a.checked_mul(d))
                    .unwrap_or(u64::MAX);
                let array_size = n
                    .checked_mul(u64::from(base.size))
                    .and_then(|s| u32::try_from(s).ok())
                    .ok_or_else(|| {
                        c.error(format_args!(
                            "compound member {name:?}: array of {n} elements is too large"
                        ))
                    })?;
                Datatype {
                    size: array_size,
                    class: DatatypeClass::Array {
                        dims: dims.to_vec(),
                        base: Box::new(base),
                    },
                }
            }
        } else {
            decode_nested(c, depth - 1)?
        };
        members.push(CompoundMember {
            name,
            offset,
            datatype,
        });
    }
    Ok(DatatypeClass::Compound { members })
}

fn decode_enum(c: &mut Cursor, version: u8, count: u32, depth: u32) -> Result<DatatypeClass> {
    let base = decode_nested(c, depth - 1)?;
    // Each member has a name of at least 1 byte (8 when padded) and a value.
    let min_name = if version < 3 { 8 } else { 1 };
    let min_member = min_name + u64::from(base.size);
    check_count(c, u64::from(count), min_member, "enumeration members")?;
    let mut names = Vec::with_capacity(count as usize);
    for _ in 0..count {
        names.push(if version < 3 {
            padded_cstr(c)?
        } else {
            String::from_utf8_lossy(c.cstr()?).into_owned()
        });
    }
    check_count(
        c,
        u64::from(count),
        u64::from(base.size),
        "enumeration values",
    )?;
    let mut members = Vec::with_capacity(names.len());
    for name in names {
        let value = c.bytes(base.size as usize)?.to_vec();
        members.push(EnumMember { name, value });
    }
    Ok(DatatypeClass::Enum {
        base: Box::new(base),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    fn dt(bytes: &[u8]) -> Result<Datatype> {
        let mut c = Cursor::new(bytes, 0, "datatype");
        let t = decode(&mut c)?;
        assert_eq!(c.remaining(), 0, "datatype left bytes unread");
        Ok(t)
    }

    /// `<i4` as version 1 fixed point.
    const I32: [u8; 12] = [
        0x10, // version 1, class 0
        0x08, 0, 0, // signed, little endian
        4, 0, 0, 0, // size 4
        0, 0, // bit offset
        32, 0, // precision
    ];

    /// `<f8` as version 1 floating point.
    const F64: [u8; 20] = [
        0x11, // version 1, class 1
        0x20, 63, 0, // mantissa normalization 2, sign at bit 63
        8, 0, 0, 0, // size 8
        0, 0, // bit offset
        64, 0, // precision
        52, 11, // exponent location, size
        0, 52, // mantissa location, size
        0xff, 0x03, 0, 0, // exponent bias 1023
    ];

    #[test]
    fn fixed_point() {
        let t = dt(&I32).unwrap();
        assert_eq!(
            t,
            Datatype {
                size: 4,
                class: DatatypeClass::FixedPoint {
                    order: ByteOrder::Little,
                    signed: true,
                    bit_offset: 0,
                    precision: 32
                }
            }
        );
        let be_u16 = [
            0x10, // version 1, class 0
            0x01, 0, 0, // unsigned, big endian
            2, 0, 0, 0, // size 2
            0, 0, // bit offset
            16, 0, // precision
        ];
        match dt(&be_u16).unwrap().class {
            DatatypeClass::FixedPoint { order, signed, .. } => {
                assert_eq!(order, ByteOrder::Big);
                assert!(!signed);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn floating_point() {
        let t = dt(&F64).unwrap();
        assert_eq!(
            t.class,
            DatatypeClass::FloatingPoint {
                order: ByteOrder::Little,
                sign_location: 63,
                bit_offset: 0,
                precision: 64,
                exponent_location: 52,
                exponent_size: 11,
                mantissa_location: 0,
                mantissa_size: 52,
                exponent_bias: 1023,
            }
        );
        // VAX order (bits 0 and 6 set) is unsupported; bit 6 alone is reserved.
        let mut vax = F64;
        vax[1] = 0x41;
        assert_eq!(dt(&vax).unwrap_err().kind(), ErrorKind::Unsupported);
        let mut reserved = F64;
        reserved[1] = 0x40;
        assert_eq!(dt(&reserved).unwrap_err().kind(), ErrorKind::Malformed);
    }

    #[test]
    fn time_bitfield_opaque_reference() {
        let time = [
            0x12, // version 1, class 2
            0x01, 0, 0, // big endian
            8, 0, 0, 0, // size 8
            64, 0, // precision
        ];
        assert_eq!(
            dt(&time).unwrap().class,
            DatatypeClass::Time {
                order: ByteOrder::Big,
                precision: 64
            }
        );
        let bitfield = [
            0x14, // version 1, class 4
            0, 0, 0, // little endian
            1, 0, 0, 0, // size 1
            0, 0, // bit offset
            8, 0, // precision
        ];
        assert_eq!(
            dt(&bitfield).unwrap().class,
            DatatypeClass::Bitfield {
                order: ByteOrder::Little,
                bit_offset: 0,
                precision: 8
            }
        );
        let opaque = [
            0x15, // version 1, class 5
            8, 0, 0, // tag length 8
            16, 0, 0, 0, // size 16
            b'b', b'l', b'o', b'b', 0, 0, 0, 0, // tag "blob", NUL padded to 8
        ];
        assert_eq!(
            dt(&opaque).unwrap(),
            Datatype {
                size: 16,
                class: DatatypeClass::Opaque {
                    tag: String::from("blob")
                }
            }
        );
        let reference = [
            0x17, // version 1, class 7
            0, 0, 0, // object reference
            8, 0, 0, 0, // size 8
        ];
        assert_eq!(
            dt(&reference).unwrap().class,
            DatatypeClass::Reference {
                kind: ReferenceKind::Object
            }
        );
        let region = [
            0x17, // version 1, class 7
            1, 0, 0, // region reference
            12, 0, 0, 0, // size 12
        ];
        assert_eq!(
            dt(&region).unwrap().class,
            DatatypeClass::Reference {
                kind: ReferenceKind::Region
            }
        );
    }

    #[test]
    fn fixed_string() {
        let bytes = [
            0x13, // version 1, class 3
            0x11, 0, 0, // null pad, UTF-8
            5, 0, 0, 0, // size 5
        ];
        let t = dt(&bytes).unwrap();
        assert_eq!(
            t.class,
            DatatypeClass::String {
                padding: StringPadding::NullPad,
                charset: CharacterSet::Utf8
            }
        );
        assert!(!t.is_vlen_string());
    }

    #[test]
    fn vlen_string_and_sequence() {
        let vlen_str = [
            0x19, // version 1, class 9
            0x01, 0x01, 0, // string, null terminated, UTF-8
            16, 0, 0, 0, // size 16
            // base: unsigned char
            0x10, // version 1, class 0
            0, 0, 0, // unsigned little endian
            1, 0, 0, 0, // size 1
            0, 0, // bit offset
            8, 0, // precision
        ];
        let t = dt(&vlen_str).unwrap();
        assert!(t.is_vlen_string());
        match &t.class {
            DatatypeClass::VarLen { string, base } => {
                assert_eq!(
                    *string,
                    Some((StringPadding::NullTerminate, CharacterSet::Utf8))
                );
                assert_eq!(base.size, 1);
            }
            other => panic!("{other:?}"),
        }
        let mut seq = vec![
            0x19, // version 1, class 9
            0x00, 0, 0, // sequence
            16, 0, 0, 0, // size 16
        ];
        seq.extend_from_slice(&I32);
        let t = dt(&seq).unwrap();
        assert!(!t.is_vlen_string());
        assert!(matches!(
            t.class,
            DatatypeClass::VarLen { string: None, .. }
        ));
        // Unknown vlen type.
        seq[1] = 2;
        assert_eq!(dt(&seq).unwrap_err().kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn compound_version_1_with_array_member() {
        let mut bytes = vec![
            0x16, // version 1, class 6
            2, 0, 0, // 2 members
            20, 0, 0, 0, // size 20
            // member "a"
            b'a', 0, 0, 0, 0, 0, 0, 0, // name, NUL padded to 8
            0, 0, 0, 0, // offset 0
            0, 0, 0, 0, // dimensionality 0, reserved
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 4 dims
        ];
        bytes.extend_from_slice(&I32);
        bytes.extend_from_slice(&[
            // member "vec"
            b'v', b'e', b'c', 0, 0, 0, 0, 0, // name, NUL padded to 8
            4, 0, 0, 0, // offset 4
            2, 0, 0, 0, // dimensionality 2, reserved
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            2, 0, 0, 0, // dim 0 = 2
            2, 0, 0, 0, // dim 1 = 2
            0, 0, 0, 0, 0, 0, 0, 0, // unused dims
        ]);
        bytes.extend_from_slice(&I32);
        let t = dt(&bytes).unwrap();
        let DatatypeClass::Compound { members } = t.class else {
            panic!("not a compound")
        };
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].name, "a");
        assert_eq!(members[0].offset, 0);
        assert_eq!(members[0].datatype, dt(&I32).unwrap());
        assert_eq!(members[1].name, "vec");
        assert_eq!(members[1].offset, 4);
        assert_eq!(members[1].datatype.size, 16);
        match &members[1].datatype.class {
            DatatypeClass::Array { dims, base } => {
                assert_eq!(dims, &vec![2, 2]);
                assert_eq!(base.size, 4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn compound_version_1_rank_over_4_is_an_error() {
        let mut bytes = vec![
            0x16, // version 1, class 6
            1, 0, 0, // 1 member
            4, 0, 0, 0, // size 4
            b'a', 0, 0, 0, 0, 0, 0, 0, // name
            0, 0, 0, 0, // offset
            5, 0, 0, 0, // dimensionality 5
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, // 4 dims
        ];
        bytes.extend_from_slice(&I32);
        assert!(dt(&bytes).is_err());
    }

    #[test]
    fn compound_version_2_and_3() {
        let mut v2 = vec![
            0x26, // version 2, class 6
            1, 0, 0, // 1 member
            8, 0, 0, 0, // size 8
            b'x', b'y', b'z', b'_', b'1', b'2', b'3', b'4', // name "xyz_1234"
            0, 0, 0, 0, 0, 0, 0, 0, // NUL, padded to 16
            0, 0, 0, 0, // offset 0
        ];
        v2.extend_from_slice(&F64);
        let t = dt(&v2).unwrap();
        let DatatypeClass::Compound { members } = t.class else {
            panic!()
        };
        assert_eq!(members[0].name, "xyz_1234");

        // Version 3, size 300 -> 2-byte member offsets, names unpadded.
        let mut v3 = vec![
            0x36, // version 3, class 6
            2, 0, 0, // 2 members
            0x2c, 0x01, 0, 0, // size 300
            b'a', 0, // name "a"
            0, 0, // offset 0 (2 bytes)
        ];
        v3.extend_from_slice(&I32);
        v3.extend_from_slice(&[
            b'b', b'b', 0, // name "bb"
            0x24, 0x01, // offset 292
        ]);
        v3.extend_from_slice(&F64);
        let t = dt(&v3).unwrap();
        let DatatypeClass::Compound { members } = t.class else {
            panic!()
        };
        assert_eq!(members[1].name, "bb");
        assert_eq!(members[1].offset, 292);
    }

    #[test]
    fn member_offset_widths() {
        assert_eq!(member_offset_width(0), 1);
        assert_eq!(member_offset_width(1), 1);
        assert_eq!(member_offset_width(255), 1);
        assert_eq!(member_offset_width(256), 2);
        assert_eq!(member_offset_width(65535), 2);
        assert_eq!(member_offset_width(65536), 3);
        assert_eq!(member_offset_width(u32::MAX), 4);
    }

    #[test]
    fn compound_count_past_the_end_is_an_error() {
        let bytes = [
            0x36, // version 3, class 6
            0xff, 0xff, 0, // 65535 members
            8, 0, 0, 0, // size 8
            b'a', 0, 0, // one short member's worth of bytes
        ];
        let e = dt(&bytes).unwrap_err();
        assert!(
            e.message().contains("65535 compound members"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn enum_versions() {
        // h5py's bool: int8 enum {FALSE: 0, TRUE: 1}, version 1 (names padded).
        let mut v1 = vec![
            0x18, // version 1, class 8
            2, 0, 0, // 2 members
            1, 0, 0, 0, // size 1
            0x10, 0x08, 0, 0, // base: version 1 fixed point, signed
            1, 0, 0, 0, // size 1
            0, 0, 8, 0, // bit offset 0, precision 8
        ];
        v1.extend_from_slice(b"FALSE\0\0\0"); // name padded to 8
        v1.extend_from_slice(b"TRUE\0\0\0\0"); // name padded to 8
        v1.extend_from_slice(&[0, 1]); // values
        let t = dt(&v1).unwrap();
        let DatatypeClass::Enum { base, members } = t.class else {
            panic!()
        };
        assert_eq!(base.size, 1);
        assert_eq!(
            members,
            vec![
                EnumMember {
                    name: String::from("FALSE"),
                    value: vec![0]
                },
                EnumMember {
                    name: String::from("TRUE"),
                    value: vec![1]
                }
            ]
        );
        let mut v3 = vec![
            0x38, // version 3, class 8
            1, 0, 0, // 1 member
            2, 0, 0, 0, // size 2
            0x10, 0, 0, 0, // base: version 1 fixed point, unsigned
            2, 0, 0, 0, // size 2
            0, 0, 16, 0, // bit offset 0, precision 16
        ];
        v3.extend_from_slice(b"RED\0"); // unpadded name
        v3.extend_from_slice(&[7, 0]); // value 7
        let t = dt(&v3).unwrap();
        let DatatypeClass::Enum { members, .. } = t.class else {
            panic!()
        };
        assert_eq!(members[0].name, "RED");
        assert_eq!(members[0].value, vec![7, 0]);
        // Missing value bytes.
        let short = &v3[..v3.len() - 1];
        assert!(dt(short).is_err());
    }

    #[test]
    fn array_versions() {
        let mut v2 = vec![
            0x2a, // version 2, class 10
            0, 0, 0, // no bits
            24, 0, 0, 0, // size 24
            2, 0, 0, 0, // rank 2, reserved
            2, 0, 0, 0, // dim 0 = 2
            3, 0, 0, 0, // dim 1 = 3
            0, 0, 0, 0, // permutation 0
            1, 0, 0, 0, // permutation 1
        ];
        v2.extend_from_slice(&I32);
        let t = dt(&v2).unwrap();
        assert_eq!(t.size, 24);
        let DatatypeClass::Array { dims, base } = t.class else {
            panic!()
        };
        assert_eq!(dims, vec![2, 3]);
        assert_eq!(*base, dt(&I32).unwrap());

        let mut v3 = vec![
            0x3a, // version 3, class 10
            0, 0, 0, // no bits
            12, 0, 0, 0, // size 12
            1, // rank 1
            3, 0, 0, 0, // dim 0 = 3
        ];
        v3.extend_from_slice(&I32);
        let DatatypeClass::Array { dims, .. } = dt(&v3).unwrap().class else {
            panic!()
        };
        assert_eq!(dims, vec![3]);

        // Rank 0 and rank 33 are errors.
        let mut bad = v3.clone();
        bad[8] = 0;
        assert!(dt(&bad).is_err());
        bad[8] = 33;
        assert!(dt(&bad).is_err());
    }

    #[test]
    fn complex() {
        let mut bytes = vec![
            0x5b, // version 5, class 11
            0x01, 0, 0, // homogeneous, rectangular
            16, 0, 0, 0, // size 16
        ];
        bytes.extend_from_slice(&F64);
        let DatatypeClass::Complex { base } = dt(&bytes).unwrap().class else {
            panic!()
        };
        assert_eq!(base.size, 8);
        bytes[1] = 0x00; // heterogeneous
        assert_eq!(dt(&bytes).unwrap_err().kind(), ErrorKind::Unsupported);
        bytes[1] = 0x03; // polar
        assert_eq!(dt(&bytes).unwrap_err().kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn version_and_class_errors() {
        let mut bytes = I32;
        bytes[0] = 0x00; // version 0
        assert_eq!(dt(&bytes).unwrap_err().kind(), ErrorKind::Unsupported);
        bytes[0] = 0x60; // version 6
        assert_eq!(dt(&bytes).unwrap_err().kind(), ErrorKind::Unsupported);
        bytes[0] = 0x1c; // class 12
        assert_eq!(dt(&bytes).unwrap_err().kind(), ErrorKind::Unsupported);
        // Truncated header and properties.
        assert!(dt(&I32[..6]).is_err());
        assert!(dt(&I32[..10]).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // 40 nested vlen sequences around an int.
        let mut bytes = Vec::new();
        for _ in 0..40 {
            bytes.extend_from_slice(&[0x19, 0, 0, 0, 16, 0, 0, 0]);
        }
        bytes.extend_from_slice(&I32);
        let e = dt(&bytes).unwrap_err();
        assert!(e.message().contains("nested"), "{}", e.message());
        // 31 levels are fine.
        let mut ok = Vec::new();
        for _ in 0..31 {
            ok.extend_from_slice(&[0x19, 0, 0, 0, 16, 0, 0, 0]);
        }
        ok.extend_from_slice(&I32);
        assert!(dt(&ok).is_ok());
    }
}
