//! The datatype message (0x0003, spec IV.A.2.d), versions 1-5, classes 0-11.
//!
//! A datatype is also embedded in compound, enum, array, variable-length and
//! complex datatypes and in attribute messages, so [`decode`] consumes exactly
//! the datatype's own bytes and leaves the cursor after them.

use super::{check_count, lossy_until_nul, padded_cstr};
use crate::error::{Error, Result};
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

/// Encoding versions. 1: everything but arrays; 2: adds the array class (and
/// compounds, enums and arrays holding one); 3: unpadded names, shorter
/// compound offsets and arrays without permutations; 4: revised references;
/// 5: complex numbers (HDF5 2.0).
const VERSION_1: u8 = 1;
const VERSION_ARRAY: u8 = 2;
const VERSION_PACKED: u8 = 3;
const VERSION_REVISED_REFERENCE: u8 = 4;
const VERSION_COMPLEX: u8 = 5;

/// Class codes (the low 4 bits of the first byte).
const CLASS_FIXED_POINT: u8 = 0;
const CLASS_FLOATING_POINT: u8 = 1;
const CLASS_TIME: u8 = 2;
const CLASS_STRING: u8 = 3;
const CLASS_BITFIELD: u8 = 4;
const CLASS_OPAQUE: u8 = 5;
const CLASS_COMPOUND: u8 = 6;
const CLASS_REFERENCE: u8 = 7;
const CLASS_ENUM: u8 = 8;
const CLASS_VARLEN: u8 = 9;
const CLASS_ARRAY: u8 = 10;
const CLASS_COMPLEX: u8 = 11;

/// Class bit 0 of numbers: big-endian.
const BIT_BIG_ENDIAN: u32 = 0x01;
/// Fixed-point class bit 3: signed (two's complement).
const BIT_SIGNED: u32 = 0x08;
/// Floating-point class bits 4-5 = 2: the mantissa's leading 1 is implied,
/// as in every IEEE 754 format (the only normalization libhdf5 writes for them).
const BITS_MANTISSA_IMPLIED: u32 = 2 << 4;
/// Floating-point class bit 6: with bit 0, VAX order.
const BIT_FLOAT_ORDER_HIGH: u32 = 0x40;
/// Variable-length class bits 0-3: sequence or string.
const VARLEN_SEQUENCE: u8 = 0;
const VARLEN_STRING: u8 = 1;
/// Complex class bit 0: both parts of the same type.
const BIT_COMPLEX_HOMOGENEOUS: u32 = 0x01;
/// Reference class bits 4-7 for revised references: their encoding version.
const REVISED_REFERENCE_ENCODING: u8 = 1 << 4;
/// Reference type codes.
const REFERENCE_OBJECT: u8 = 0;
const REFERENCE_REGION: u8 = 1;
/// Largest opaque tag libhdf5 stores, padding included (`H5T_OPAQUE_TAG_MAX`
/// minus one: the length lives in one byte).
const MAX_OPAQUE_TAG_BYTES: usize = 255;

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

    fn to_bits(self) -> u8 {
        match self {
            Self::NullTerminate => 0,
            Self::NullPad => 1,
            Self::SpacePad => 2,
            Self::Unknown(other) => other & 0x0f,
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

    /// The on-disk code (0 ASCII, 1 UTF-8).
    pub fn to_u8(self) -> u8 {
        match self {
            Self::Ascii => 0,
            Self::Utf8 => 1,
            Self::Unknown(other) => other,
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

impl Datatype {
    /// Encodes the datatype message in the lowest version that expresses it,
    /// as libhdf5 with libver "earliest" writes it: version 1 for numbers,
    /// strings, opaque, bit field, reference, enum, variable-length and
    /// compound types; version 2 for arrays and for compounds, enums and
    /// arrays that contain one (libhdf5 raises a container and everything
    /// of those three classes inside it, `H5T__upgrade_version`; a
    /// variable-length type takes its base type's version; numbers keep
    /// version 1); version 4 for revised references (type codes 2-4) and 5
    /// for complex numbers, with the same raising.
    ///
    /// Floating-point types are written with the "implied leading 1"
    /// mantissa normalization of IEEE 754 and no padding bits, which the
    /// decoded form does not carry.
    ///
    /// # Errors
    ///
    /// [`WrongUse`](crate::ErrorKind::WrongUse) for what cannot be stored:
    /// nesting deeper than [`MAX_DEPTH`], more than 65535 compound or enum
    /// members, names containing NUL, enum values of another size than the
    /// base type, an array of rank 0 or above 32 or with a dimension over
    /// 32 bits, an opaque tag over 248 bytes or with a NUL, or a reference
    /// type code over 15.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        encode_nested(self, VERSION_1, &mut out)?;
        Ok(out)
    }
}

/// The version libhdf5 gives `t` on its own, before a container raises it.
fn own_version(t: &Datatype, depth: u32) -> Result<u8> {
    if depth == 0 {
        return Err(Error::wrong_use(alloc::format!(
            "datatype nested more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(match &t.class {
        DatatypeClass::Reference {
            kind: ReferenceKind::Other(code),
        } if *code > REFERENCE_REGION => VERSION_REVISED_REFERENCE,
        DatatypeClass::Compound { members } => {
            let mut v = VERSION_1;
            for m in members {
                v = v.max(own_version(&m.datatype, depth - 1)?);
            }
            v
        }
        DatatypeClass::Enum { base, .. } | DatatypeClass::VarLen { base, .. } => {
            own_version(base, depth - 1)?.max(VERSION_1)
        }
        DatatypeClass::Array { base, .. } => own_version(base, depth - 1)?.max(VERSION_ARRAY),
        DatatypeClass::Complex { base } => own_version(base, depth - 1)?.max(VERSION_COMPLEX),
        _ => VERSION_1,
    })
}

/// The version `t` is written with inside a container of version `floor`:
/// compounds, enums and arrays are raised to it; a variable-length type
/// follows its (raised) base type; the others keep their own version.
fn written_version(t: &Datatype, floor: u8) -> Result<u8> {
    let own = own_version(t, MAX_DEPTH)?;
    Ok(match &t.class {
        DatatypeClass::Compound { .. }
        | DatatypeClass::Enum { .. }
        | DatatypeClass::Array { .. }
        | DatatypeClass::Complex { .. } => own.max(floor),
        DatatypeClass::VarLen { base, .. } => written_version(base, floor)?.max(own),
        _ => own,
    })
}

fn wrong_use(message: impl Into<String>) -> Error {
    Error::wrong_use(message)
}

/// Appends `name`, its NUL, and (when `padded`) NULs up to a multiple of 8
/// bytes, as [`padded_cstr`] reads it back.
fn put_name(out: &mut Vec<u8>, name: &str, padded: bool, what: &str) -> Result<()> {
    if name.as_bytes().contains(&0) {
        return Err(wrong_use(alloc::format!(
            "{what} name {name:?} contains a NUL byte"
        )));
    }
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    if padded {
        let used = name.len() + 1;
        out.resize(out.len() + (8 - used % 8) % 8, 0);
    }
    Ok(())
}

fn member_count(n: usize, what: &str) -> Result<u32> {
    u16::try_from(n)
        .map(u32::from)
        .map_err(|_| wrong_use(alloc::format!("{n} {what} members (at most 65535)")))
}

fn order_bit(order: ByteOrder) -> u32 {
    match order {
        ByteOrder::Little => 0,
        ByteOrder::Big => BIT_BIG_ENDIAN,
    }
}

/// Writes `t` and everything inside it, `floor` being the version of the
/// container it sits in (1 at the top).
fn encode_nested(t: &Datatype, floor: u8, out: &mut Vec<u8>) -> Result<()> {
    let version = written_version(t, floor)?;
    // Class bits are patched in once known; properties follow the header.
    let header_at = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&t.size.to_le_bytes());
    let (class, bits) = match &t.class {
        DatatypeClass::FixedPoint {
            order,
            signed,
            bit_offset,
            precision,
        } => {
            out.extend_from_slice(&bit_offset.to_le_bytes());
            out.extend_from_slice(&precision.to_le_bytes());
            let signed = if *signed { BIT_SIGNED } else { 0 };
            (CLASS_FIXED_POINT, order_bit(*order) | signed)
        }
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
        } => {
            out.extend_from_slice(&bit_offset.to_le_bytes());
            out.extend_from_slice(&precision.to_le_bytes());
            out.extend_from_slice(&[
                *exponent_location,
                *exponent_size,
                *mantissa_location,
                *mantissa_size,
            ]);
            out.extend_from_slice(&exponent_bias.to_le_bytes());
            // x87 extended precision (15-bit exponent, 64-bit mantissa)
            // stores its integer bit: libhdf5 describes the native long
            // double with normalization "none" (0); IEEE layouts imply it.
            let norm = if *exponent_size == 15 && *mantissa_size == 64 {
                0
            } else {
                BITS_MANTISSA_IMPLIED
            };
            let bits = order_bit(*order) | norm | (u32::from(*sign_location) << 8);
            (CLASS_FLOATING_POINT, bits)
        }
        DatatypeClass::Time { order, precision } => {
            out.extend_from_slice(&precision.to_le_bytes());
            (CLASS_TIME, order_bit(*order))
        }
        DatatypeClass::String { padding, charset } => {
            let bits = padding.to_bits() | (charset.to_u8() << 4);
            (CLASS_STRING, u32::from(bits))
        }
        DatatypeClass::Bitfield {
            order,
            bit_offset,
            precision,
        } => {
            out.extend_from_slice(&bit_offset.to_le_bytes());
            out.extend_from_slice(&precision.to_le_bytes());
            (CLASS_BITFIELD, order_bit(*order))
        }
        DatatypeClass::Opaque { tag } => {
            // libhdf5 pads the tag with NULs to a multiple of 8 and stores
            // that length; a tag already a multiple of 8 gets no NUL.
            let padded = tag.len().div_ceil(8) * 8;
            if padded > MAX_OPAQUE_TAG_BYTES || tag.as_bytes().contains(&0) {
                return Err(wrong_use(alloc::format!(
                    "opaque tag {tag:?}: at most 248 bytes, no NUL"
                )));
            }
            out.extend_from_slice(tag.as_bytes());
            out.resize(out.len() + padded - tag.len(), 0);
            (CLASS_OPAQUE, padded as u32)
        }
        DatatypeClass::Compound { members } => {
            let count = member_count(members.len(), "compound")?;
            let offset_width = member_offset_width(t.size);
            for m in members {
                if version < VERSION_PACKED {
                    put_name(out, &m.name, true, "compound member")?;
                    out.extend_from_slice(&m.offset.to_le_bytes());
                    if version == VERSION_1 {
                        // Dimensionality 0, 3 reserved, permutation,
                        // reserved, 4 dimension sizes: array members are
                        // written as array types (version 2) instead.
                        out.extend_from_slice(&[0; 28]);
                    }
                } else {
                    put_name(out, &m.name, false, "compound member")?;
                    if u64::from(m.offset) >> (8 * offset_width) != 0 {
                        return Err(wrong_use(alloc::format!(
                            "compound member {:?} at offset {} past the compound's {} bytes",
                            m.name,
                            m.offset,
                            t.size
                        )));
                    }
                    let offset = m.offset.to_le_bytes();
                    out.extend_from_slice(offset.get(..offset_width).unwrap_or(&offset));
                }
                encode_nested(&m.datatype, version, out)?;
            }
            (CLASS_COMPOUND, count)
        }
        DatatypeClass::Reference { kind } => {
            let bits = match kind {
                ReferenceKind::Object => REFERENCE_OBJECT,
                ReferenceKind::Region => REFERENCE_REGION,
                ReferenceKind::Other(code) if *code <= REFERENCE_REGION => *code,
                ReferenceKind::Other(code) if *code <= 0x0f => code | REVISED_REFERENCE_ENCODING,
                ReferenceKind::Other(code) => {
                    return Err(wrong_use(alloc::format!(
                        "reference type {code} (at most 15)"
                    )))
                }
            };
            (CLASS_REFERENCE, u32::from(bits))
        }
        DatatypeClass::Enum { base, members } => {
            let count = member_count(members.len(), "enumeration")?;
            encode_nested(base, version, out)?;
            for m in members {
                put_name(out, &m.name, version < VERSION_PACKED, "enumeration")?;
            }
            for m in members {
                if m.value.len() != base.size as usize {
                    return Err(wrong_use(alloc::format!(
                        "enumeration member {:?} has a {}-byte value, the base type {} bytes",
                        m.name,
                        m.value.len(),
                        base.size
                    )));
                }
                out.extend_from_slice(&m.value);
            }
            (CLASS_ENUM, count)
        }
        DatatypeClass::VarLen { string, base } => {
            let bits = match string {
                None => u32::from(VARLEN_SEQUENCE),
                Some((padding, charset)) => {
                    u32::from(VARLEN_STRING | (padding.to_bits() << 4))
                        | (u32::from(charset.to_u8() & 0x0f) << 8)
                }
            };
            encode_nested(base, floor, out)?;
            (CLASS_VARLEN, bits)
        }
        DatatypeClass::Array { dims, base } => {
            let rank = u8::try_from(dims.len())
                .ok()
                .filter(|r| (1..=MAX_ARRAY_RANK).contains(r))
                .ok_or_else(|| {
                    wrong_use(alloc::format!(
                        "array datatype rank {} (expected 1 to {MAX_ARRAY_RANK})",
                        dims.len()
                    ))
                })?;
            out.push(rank);
            if version < VERSION_PACKED {
                out.extend_from_slice(&[0; 3]); // reserved
            }
            for &d in dims {
                let d = u32::try_from(d).map_err(|_| {
                    wrong_use(alloc::format!(
                        "array dimension {d} does not fit in 32 bits"
                    ))
                })?;
                out.extend_from_slice(&d.to_le_bytes());
            }
            if version < VERSION_PACKED {
                // Permutation indices: libhdf5 writes the identity.
                for i in 0..u32::from(rank) {
                    out.extend_from_slice(&i.to_le_bytes());
                }
            }
            encode_nested(base, version, out)?;
            (CLASS_ARRAY, 0)
        }
        DatatypeClass::Complex { base } => {
            encode_nested(base, version, out)?;
            // Homogeneous, rectangular form (0 in bits 1-2).
            (CLASS_COMPLEX, BIT_COMPLEX_HOMOGENEOUS)
        }
    };
    let header = [
        (version << 4) | class,
        bits as u8,
        (bits >> 8) as u8,
        (bits >> 16) as u8,
    ];
    if let Some(slot) = out.get_mut(header_at..header_at + 4) {
        slot.copy_from_slice(&header);
    }
    Ok(())
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
    if version == 0 || version > VERSION_COMPLEX {
        return Err(c.unsupported(format_args!(
            "datatype message version {version} (expected 1 to 5)"
        )));
    }
    let class = match class_code {
        CLASS_FIXED_POINT => {
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            DatatypeClass::FixedPoint {
                order: byte_order(bits),
                signed: bits & BIT_SIGNED != 0,
                bit_offset,
                precision,
            }
        }
        CLASS_FLOATING_POINT => {
            // Byte order is bit 0 with bit 6: 00 little, 01 big, 11 VAX.
            let order = match (bits & BIT_FLOAT_ORDER_HIGH != 0, bits & BIT_BIG_ENDIAN) {
                (false, 0) => ByteOrder::Little,
                (false, _) => ByteOrder::Big,
                (true, 1) => return Err(c.unsupported("VAX byte order for a floating-point type")),
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
        CLASS_TIME => DatatypeClass::Time {
            order: byte_order(bits),
            precision: c.u16()?,
        },
        CLASS_STRING => DatatypeClass::String {
            padding: StringPadding::from_bits(b0 & 0x0f),
            charset: CharacterSet::from_u8(b0 >> 4),
        },
        CLASS_BITFIELD => {
            let bit_offset = c.u16()?;
            let precision = c.u16()?;
            DatatypeClass::Bitfield {
                order: byte_order(bits),
                bit_offset,
                precision,
            }
        }
        CLASS_OPAQUE => {
            // The tag length (bits 0-7) already includes the NUL padding.
            let tag = c.bytes(usize::from(b0))?;
            DatatypeClass::Opaque {
                tag: lossy_until_nul(tag),
            }
        }
        CLASS_COMPOUND => decode_compound(c, version, bits & 0xffff, size, depth)?,
        CLASS_REFERENCE => DatatypeClass::Reference {
            kind: match b0 & 0x0f {
                REFERENCE_OBJECT => ReferenceKind::Object,
                REFERENCE_REGION => ReferenceKind::Region,
                other => ReferenceKind::Other(other),
            },
        },
        CLASS_ENUM => decode_enum(c, version, bits & 0xffff, depth)?,
        CLASS_VARLEN => {
            let string = match b0 & 0x0f {
                VARLEN_SEQUENCE => None,
                VARLEN_STRING => Some((
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
        CLASS_ARRAY => {
            let rank = c.u8()?;
            if rank == 0 || rank > MAX_ARRAY_RANK {
                return Err(c.error(format_args!(
                    "array datatype rank {rank} (expected 1 to {MAX_ARRAY_RANK})"
                )));
            }
            if version < VERSION_PACKED {
                c.skip(3)?; // reserved
            }
            // Dimensions (and, before version 3, as many permutation indices).
            let per_dim = if version < VERSION_PACKED { 8 } else { 4 };
            check_count(c, u64::from(rank), per_dim, "array dimensions")?;
            let mut dims = Vec::with_capacity(usize::from(rank));
            for _ in 0..rank {
                dims.push(u64::from(c.u32()?));
            }
            if version < VERSION_PACKED {
                c.skip(usize::from(rank) * 4)?; // permutation, never implemented
            }
            let base = Box::new(decode_nested(c, depth - 1)?);
            DatatypeClass::Array { dims, base }
        }
        CLASS_COMPLEX => {
            if bits & BIT_COMPLEX_HOMOGENEOUS == 0 {
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
        VERSION_1 => 8 + 28 + HEADER_BYTES,
        VERSION_ARRAY => 8 + 4 + HEADER_BYTES,
        _ => 1 + member_offset_width(size) as u64 + HEADER_BYTES,
    };
    check_count(c, u64::from(count), min_member, "compound members")?;
    let mut members = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (name, offset) = if version < VERSION_PACKED {
            let name = padded_cstr(c)?;
            (name, c.u32()?)
        } else {
            let name = String::from_utf8_lossy(c.cstr()?).into_owned();
            let offset = c.uint(member_offset_width(size))?;
            // The width is derived from a u32 size, so the value fits.
            (name, u32::try_from(offset).unwrap_or(u32::MAX))
        };
        let datatype = if version == VERSION_1 {
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
    let min_name = if version < VERSION_PACKED { 8 } else { 1 };
    let min_member = min_name + u64::from(base.size);
    check_count(c, u64::from(count), min_member, "enumeration members")?;
    let mut names = Vec::with_capacity(count as usize);
    for _ in 0..count {
        names.push(if version < VERSION_PACKED {
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

    /// Decodes `bytes` (which must be exactly one datatype), encodes the
    /// result and checks the bytes come back unchanged.
    fn assert_reencodes(bytes: &[u8]) -> Datatype {
        let t = dt(bytes).unwrap();
        assert_eq!(t.encode().unwrap(), bytes, "re-encoding {t:?}");
        t
    }

    fn round_trip(t: &Datatype) {
        let bytes = t.encode().unwrap();
        assert_eq!(&dt(&bytes).unwrap(), t);
    }

    fn i32_le() -> Datatype {
        dt(&I32).unwrap()
    }

    #[test]
    fn encode_numbers_as_vtk() {
        // /work/shared/corpus/vtkhdf/vtk/temporal_ug.vtkhdf (VTK 9.7.2):
        // the datatype messages of /VTKHDF/Points and /VTKHDF/NumberOfPoints.
        assert_reencodes(&F64);
        let i64_le = [
            0x10, // version 1, class 0
            0x08, 0, 0, // signed, little endian
            8, 0, 0, 0, // size 8
            0, 0, // bit offset
            64, 0, // precision
        ];
        assert_reencodes(&i64_le);
        let f32_le = [
            0x11, // version 1, class 1
            0x20, 31, 0, // mantissa implied, little endian, sign at bit 31
            4, 0, 0, 0, // size 4
            0, 0, // bit offset
            32, 0, // precision
            23, 8, // exponent location, size
            0, 23, // mantissa location, size
            0x7f, 0, 0, 0, // exponent bias 127
        ];
        assert_reencodes(&f32_le);
    }

    #[test]
    fn encode_atoms_as_h5py_earliest() {
        // tests/golden/files/types_earliest.h5 and attrs_earliest.h5 (h5py,
        // libver "earliest").
        let be_f16 = [
            0x11, // version 1, class 1
            0x21, 15, 0, // mantissa implied, big endian, sign at bit 15
            2, 0, 0, 0, // size 2
            0, 0, // bit offset
            16, 0, // precision
            10, 5, // exponent location, size
            0, 10, // mantissa location, size
            15, 0, 0, 0, // exponent bias 15
        ];
        assert_reencodes(&be_f16);
        let be_bitfield32 = [
            0x14, // version 1, class 4
            0x01, 0, 0, // big endian
            4, 0, 0, 0, // size 4
            0, 0, // bit offset
            32, 0, // precision
        ];
        assert_reencodes(&be_bitfield32);
        let fixed_nullpad = [
            0x13, // version 1, class 3
            0x01, 0, 0, // null padded, ASCII
            6, 0, 0, 0, // size 6
        ];
        assert_reencodes(&fixed_nullpad);
        let fixed_utf8_spacepad = [
            0x13, // version 1, class 3
            0x12, 0, 0, // space padded, UTF-8
            8, 0, 0, 0, // size 8
        ];
        assert_reencodes(&fixed_utf8_spacepad);
        let opaque_untagged = [
            0x15, // version 1, class 5
            0, 0, 0, // tag length 0
            3, 0, 0, 0, // size 3
        ];
        assert_reencodes(&opaque_untagged);
        let object_reference = [
            0x17, // version 1, class 7
            0, 0, 0, // object reference
            8, 0, 0, 0, // size 8
        ];
        assert_reencodes(&object_reference);
        let vlen_utf8 = [
            0x19, // version 1, class 9
            0x01, 0x01, 0, // string, null terminated, UTF-8
            16, 0, 0, 0, // size 16
            0x10, 0, 0, 0, // base: version 1 fixed point, unsigned
            1, 0, 0, 0, // size 1
            0, 0, 8, 0, // bit offset 0, precision 8
        ];
        assert_reencodes(&vlen_utf8);
        let mut vlen_i32 = vec![
            0x19, // version 1, class 9
            0, 0, 0, // sequence
            16, 0, 0, 0, // size 16
        ];
        vlen_i32.extend_from_slice(&I32);
        assert_reencodes(&vlen_i32);
    }

    #[test]
    fn encode_enums_as_h5py_earliest() {
        // h5py's bool (types_earliest.h5): version 1, names padded to 8.
        let mut bool_enum = vec![
            0x18, // version 1, class 8
            2, 0, 0, // 2 members
            1, 0, 0, 0, // size 1
            0x10, 0x08, 0, 0, // base: version 1 fixed point, signed
            1, 0, 0, 0, // size 1
            0, 0, 8, 0, // bit offset 0, precision 8
        ];
        bool_enum.extend_from_slice(b"FALSE\0\0\0"); // name padded to 8
        bool_enum.extend_from_slice(b"TRUE\0\0\0\0"); // name padded to 8
        bool_enum.extend_from_slice(&[0, 1]); // values
        assert_reencodes(&bool_enum);
        let mut u32_enum = vec![
            0x18, // version 1, class 8
            2, 0, 0, // 2 members
            4, 0, 0, 0, // size 4
            0x10, 0x01, 0, 0, // base: version 1 fixed point, unsigned, big endian
            4, 0, 0, 0, // size 4
            0, 0, 32, 0, // bit offset 0, precision 32
        ];
        u32_enum.extend_from_slice(b"X\0\0\0\0\0\0\0"); // name padded to 8
        u32_enum.extend_from_slice(b"Y\0\0\0\0\0\0\0"); // name padded to 8
        u32_enum.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 9]); // values 7, 9 big endian
        assert_reencodes(&u32_enum);
    }

    #[test]
    fn encode_arrays_as_h5py_earliest() {
        // types_earliest.h5: an array of 2x3 <i4, version 2.
        let mut array_2x3 = vec![
            0x2a, // version 2, class 10
            0, 0, 0, // no bits
            24, 0, 0, 0, // size 24
            2, 0, 0, 0, // rank 2, reserved
            2, 0, 0, 0, // dim 0 = 2
            3, 0, 0, 0, // dim 1 = 3
            0, 0, 0, 0, // permutation 0
            1, 0, 0, 0, // permutation 1
        ];
        array_2x3.extend_from_slice(&I32);
        let t = assert_reencodes(&array_2x3);
        assert_eq!(t.size, 24);
    }

    #[test]
    fn encode_compounds_as_h5py_earliest() {
        // types_earliest.h5: {a: i1, b: f8, c: >u2} packed, version 1.
        let mut v1 = vec![
            0x16, // version 1, class 6
            3, 0, 0, // 3 members
            11, 0, 0, 0, // size 11
            b'a', 0, 0, 0, 0, 0, 0, 0, // name, padded to 8
            0, 0, 0, 0, // offset 0
            0, 0, 0, 0, // dimensionality 0, reserved
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 4 dims
            0x10, 0x08, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0, // i1
            b'b', 0, 0, 0, 0, 0, 0, 0, // name, padded to 8
            1, 0, 0, 0, // offset 1
            0, 0, 0, 0, // dimensionality 0, reserved
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 4 dims
        ];
        v1.extend_from_slice(&F64);
        v1.extend_from_slice(&[
            b'c', 0, 0, 0, 0, 0, 0, 0, // name, padded to 8
            9, 0, 0, 0, // offset 9
            0, 0, 0, 0, // dimensionality 0, reserved
            0, 0, 0, 0, // permutation
            0, 0, 0, 0, // reserved
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 4 dims
            0x10, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // >u2
        ]);
        assert_reencodes(&v1);

        // types_earliest.h5: {id: u8, pos: {x: f4, y: f4}, tags: S3,
        // vec: (2,) >i2} -- the array member raises the compound, and the
        // nested compound with it, to version 2; numbers and strings stay 1.
        let f4 = [
            0x11, 0x20, 0x1f, 0, // version 1 float, sign at bit 31
            4, 0, 0, 0, // size 4
            0, 0, 32, 0, // bit offset 0, precision 32
            23, 8, 0, 23, // exponent at 23 (8 bits), mantissa at 0 (23 bits)
            0x7f, 0, 0, 0, // bias 127
        ];
        let mut v2 = vec![
            0x26, // version 2, class 6
            4, 0, 0, // 4 members
            0x1b, 0, 0, 0, // size 27
            b'i', b'd', 0, 0, 0, 0, 0, 0, // name, padded to 8
            0, 0, 0, 0, // offset 0
            0x10, 0, 0, 0, 8, 0, 0, 0, 0, 0, 64, 0, // u8
            b'p', b'o', b's', 0, 0, 0, 0, 0, // name, padded to 8
            8, 0, 0, 0, // offset 8
            0x26, 2, 0, 0, // version 2 compound, 2 members
            8, 0, 0, 0, // size 8
            b'x', 0, 0, 0, 0, 0, 0, 0, // name, padded to 8
            0, 0, 0, 0, // offset 0
        ];
        v2.extend_from_slice(&f4);
        v2.extend_from_slice(&[
            b'y', 0, 0, 0, 0, 0, 0, 0, // name, padded to 8
            4, 0, 0, 0, // offset 4
        ]);
        v2.extend_from_slice(&f4);
        v2.extend_from_slice(&[
            b't', b'a', b'g', b's', 0, 0, 0, 0, // name, padded to 8
            16, 0, 0, 0, // offset 16
            0x13, 1, 0, 0, 3, 0, 0, 0, // version 1 string, null padded, size 3
            b'v', b'e', b'c', 0, 0, 0, 0, 0, // name, padded to 8
            19, 0, 0, 0, // offset 19
            0x2a, 0, 0, 0, // version 2 array
            8, 0, 0, 0, // size 8
            2, 0, 0, 0, // rank 2, reserved
            2, 0, 0, 0, // dim 0 = 2
            2, 0, 0, 0, // dim 1 = 2
            0, 0, 0, 0, // permutation 0
            1, 0, 0, 0, // permutation 1
            0x10, 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // <i2
        ]);
        assert_reencodes(&v2);
    }

    #[test]
    fn versions_follow_libhdf5_raising() {
        let arr = Datatype {
            size: 12,
            class: DatatypeClass::Array {
                dims: vec![3],
                base: Box::new(i32_le()),
            },
        };
        let enum_t = dt(&[
            0x18, 1, 0, 0, 1, 0, 0, 0, // version 1 enum, 1 member, size 1
            0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0, // base u1
            b'A', 0, 0, 0, 0, 0, 0, 0, // name
            5, // value
        ])
        .unwrap();
        let vlen_of = |base: Datatype| Datatype {
            size: 16,
            class: DatatypeClass::VarLen {
                string: None,
                base: Box::new(base),
            },
        };
        let member = |name: &str, offset, datatype| CompoundMember {
            name: String::from(name),
            offset,
            datatype,
        };
        let compound = Datatype {
            size: 49,
            class: DatatypeClass::Compound {
                members: vec![
                    member("e", 0, enum_t.clone()),
                    member("v", 1, vlen_of(i32_le())),
                    member("a", 17, arr.clone()),
                    member("w", 29, vlen_of(arr.clone())),
                ],
            },
        };
        let bytes = compound.encode().unwrap();
        assert_eq!(bytes[0], 0x26, "compound raised to version 2");
        // The enum member is raised with it (name "e" padded, offset 0).
        assert_eq!(bytes[8..20], *b"e\0\0\0\0\0\0\0\0\0\0\0");
        assert_eq!(bytes[20], 0x28, "enum member raised to version 2");
        round_trip(&compound);
        // A vlen of an array takes the array's version; of an int, stays 1.
        assert_eq!(vlen_of(arr.clone()).encode().unwrap()[0], 0x29);
        assert_eq!(vlen_of(i32_le()).encode().unwrap()[0], 0x19);
        // Alone, the enum stays version 1.
        assert_eq!(enum_t.encode().unwrap()[0], 0x18);
    }

    #[test]
    fn encode_versions_3_to_5() {
        // A complex number needs version 5, and raises its container.
        let c64 = Datatype {
            size: 16,
            class: DatatypeClass::Complex {
                base: Box::new(dt(&F64).unwrap()),
            },
        };
        let mut expected = vec![
            0x5b, // version 5, class 11
            0x01, 0, 0, // homogeneous, rectangular
            16, 0, 0, 0, // size 16
        ];
        expected.extend_from_slice(&F64);
        assert_eq!(c64.encode().unwrap(), expected);
        let compound = Datatype {
            size: 300,
            class: DatatypeClass::Compound {
                members: vec![
                    CompoundMember {
                        name: String::from("a"),
                        offset: 0,
                        datatype: i32_le(),
                    },
                    CompoundMember {
                        name: String::from("z"),
                        offset: 284,
                        datatype: c64.clone(),
                    },
                ],
            },
        };
        let bytes = compound.encode().unwrap();
        // Version 5: unpadded names and 2-byte offsets for size 300.
        assert_eq!(bytes[..12], [0x56, 2, 0, 0, 0x2c, 1, 0, 0, b'a', 0, 0, 0]);
        round_trip(&compound);
        // Revised references are version 4, with the encoding version in bits 4-7.
        let attr_ref = Datatype {
            size: 64,
            class: DatatypeClass::Reference {
                kind: ReferenceKind::Other(4),
            },
        };
        assert_eq!(attr_ref.encode().unwrap(), [0x47, 0x14, 0, 0, 64, 0, 0, 0]);
        round_trip(&attr_ref);
        let array_of_refs = Datatype {
            size: 128,
            class: DatatypeClass::Array {
                dims: vec![2],
                base: Box::new(attr_ref),
            },
        };
        // Version 4 arrays have no reserved bytes or permutation.
        assert_eq!(
            array_of_refs.encode().unwrap()[..13],
            [0x4a, 0, 0, 0, 128, 0, 0, 0, 1, 2, 0, 0, 0]
        );
        round_trip(&array_of_refs);
    }

    #[test]
    fn encode_opaque_tags() {
        let t = |tag: &str| Datatype {
            size: 4,
            class: DatatypeClass::Opaque {
                tag: String::from(tag),
            },
        };
        // "blob" is padded to 8; an 8-byte tag gets no NUL, as in libhdf5.
        assert_eq!(
            t("blob").encode().unwrap(),
            [0x15, 8, 0, 0, 4, 0, 0, 0, b'b', b'l', b'o', b'b', 0, 0, 0, 0]
        );
        assert_eq!(t("12345678").encode().unwrap()[1], 8);
        round_trip(&t("12345678"));
        round_trip(&t(""));
        round_trip(&t(&"x".repeat(248)));
        assert!(t(&"x".repeat(249)).encode().is_err());
        assert!(t("a\0b").encode().is_err());
    }

    #[test]
    fn encode_errors() {
        let wrong = |t: Datatype| {
            let e = t.encode().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WrongUse, "{}", e.message());
            e
        };
        let array = |dims: Vec<u64>| Datatype {
            size: 4,
            class: DatatypeClass::Array {
                dims,
                base: Box::new(i32_le()),
            },
        };
        wrong(array(vec![]));
        wrong(array(vec![1; 33]));
        wrong(array(vec![1 << 32]));
        let e = wrong(Datatype {
            size: 2,
            class: DatatypeClass::Enum {
                base: Box::new(i32_le()),
                members: vec![EnumMember {
                    name: String::from("A"),
                    value: vec![1, 2],
                }],
            },
        });
        assert!(e.message().contains("2-byte value"), "{}", e.message());
        wrong(Datatype {
            size: 4,
            class: DatatypeClass::Compound {
                members: vec![
                    CompoundMember {
                        name: String::from("a\0"),
                        offset: 0,
                        datatype: i32_le(),
                    };
                    1
                ],
            },
        });
        wrong(Datatype {
            size: 4,
            class: DatatypeClass::Compound {
                members: vec![
                    CompoundMember {
                        name: String::from("a"),
                        offset: 0,
                        datatype: i32_le(),
                    };
                    65536
                ],
            },
        });
        wrong(Datatype {
            size: 8,
            class: DatatypeClass::Reference {
                kind: ReferenceKind::Other(16),
            },
        });
        // A version 5 compound member offset must fit the compound's size.
        wrong(Datatype {
            size: 16,
            class: DatatypeClass::Compound {
                members: vec![CompoundMember {
                    name: String::from("c"),
                    offset: 256,
                    datatype: Datatype {
                        size: 16,
                        class: DatatypeClass::Complex {
                            base: Box::new(dt(&F64).unwrap()),
                        },
                    },
                }],
            },
        });
        // Too deep: 33 nested vlens around an int; 32 levels are fine.
        let mut t = i32_le();
        for _ in 0..31 {
            t = Datatype {
                size: 16,
                class: DatatypeClass::VarLen {
                    string: None,
                    base: Box::new(t),
                },
            };
        }
        round_trip(&t);
        let t = Datatype {
            size: 16,
            class: DatatypeClass::VarLen {
                string: None,
                base: Box::new(t),
            },
        };
        let e = wrong(t);
        assert!(e.message().contains("nested"), "{}", e.message());
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        fn order() -> impl Strategy<Value = ByteOrder> {
            prop_oneof![Just(ByteOrder::Little), Just(ByteOrder::Big)]
        }

        fn integer() -> impl Strategy<Value = Datatype> {
            (order(), any::<bool>(), 0u32..4).prop_map(|(order, signed, log)| {
                let size = 1u32 << log;
                Datatype {
                    size,
                    class: DatatypeClass::FixedPoint {
                        order,
                        signed,
                        bit_offset: 0,
                        precision: (8 * size) as u16,
                    },
                }
            })
        }

        fn name() -> impl Strategy<Value = String> {
            "[a-zA-Z_][a-zA-Z0-9_ ]{0,12}"
        }

        fn leaf() -> impl Strategy<Value = Datatype> {
            prop_oneof![
                integer(),
                (order(), any::<bool>()).prop_map(|(order, double)| {
                    let mut bytes = if double {
                        F64.to_vec()
                    } else {
                        vec![
                            0x11, 0x20, 31, 0, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0,
                        ]
                    };
                    if order == ByteOrder::Big {
                        bytes[1] |= 1;
                    }
                    dt(&bytes).unwrap()
                }),
                (0u8..3, 0u8..2, 1u32..40).prop_map(|(pad, cset, size)| Datatype {
                    size,
                    class: DatatypeClass::String {
                        padding: StringPadding::from_bits(pad),
                        charset: CharacterSet::from_u8(cset),
                    },
                }),
                (order(), 0u16..8, 1u32..9).prop_map(|(order, bit_offset, size)| Datatype {
                    size,
                    class: DatatypeClass::Bitfield {
                        order,
                        bit_offset,
                        precision: (8 * size) as u16 - bit_offset,
                    },
                }),
                ("[a-z0-9]{0,20}", 1u32..32).prop_map(|(tag, size)| Datatype {
                    size,
                    class: DatatypeClass::Opaque { tag },
                }),
                (order(), prop_oneof![Just(32u16), Just(64u16)]).prop_map(|(order, precision)| {
                    Datatype {
                        size: u32::from(precision / 8),
                        class: DatatypeClass::Time { order, precision },
                    }
                }),
                prop_oneof![
                    Just(ReferenceKind::Object),
                    Just(ReferenceKind::Region),
                    (2u8..5).prop_map(ReferenceKind::Other),
                ]
                .prop_map(|kind| Datatype {
                    size: 8,
                    class: DatatypeClass::Reference { kind },
                }),
                (
                    integer(),
                    prop::collection::vec((name(), any::<u64>()), 1..5)
                )
                    .prop_map(|(base, members)| {
                        let n = base.size as usize;
                        let members = members
                            .into_iter()
                            .map(|(name, v)| EnumMember {
                                name,
                                value: v.to_le_bytes()[..n].to_vec(),
                            })
                            .collect();
                        Datatype {
                            size: base.size,
                            class: DatatypeClass::Enum {
                                base: Box::new(base),
                                members,
                            },
                        }
                    }),
                (0u8..3, 0u8..2).prop_map(|(pad, cset)| Datatype {
                    size: 16,
                    class: DatatypeClass::VarLen {
                        string: Some((StringPadding::from_bits(pad), CharacterSet::from_u8(cset))),
                        base: Box::new(dt(&[0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0]).unwrap()),
                    },
                }),
            ]
        }

        fn datatype() -> impl Strategy<Value = Datatype> {
            leaf().prop_recursive(4, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec((name(), inner.clone()), 1..4).prop_map(|fields| {
                        let mut offset = 0u32;
                        let members = fields
                            .into_iter()
                            .map(|(name, datatype)| {
                                let m = CompoundMember {
                                    name,
                                    offset,
                                    datatype,
                                };
                                offset += m.datatype.size;
                                m
                            })
                            .collect();
                        Datatype {
                            size: offset,
                            class: DatatypeClass::Compound { members },
                        }
                    }),
                    (prop::collection::vec(1u64..5, 1..4), inner.clone()).prop_map(
                        |(dims, base)| Datatype {
                            size: dims.iter().product::<u64>() as u32 * base.size,
                            class: DatatypeClass::Array {
                                dims,
                                base: Box::new(base),
                            },
                        }
                    ),
                    inner.clone().prop_map(|base| Datatype {
                        size: 16,
                        class: DatatypeClass::VarLen {
                            string: None,
                            base: Box::new(base),
                        },
                    }),
                    any::<bool>().prop_map(|double| {
                        let base = if double {
                            dt(&F64).unwrap()
                        } else {
                            dt(&[
                                0x11, 0x20, 31, 0, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0,
                                0, 0,
                            ])
                            .unwrap()
                        };
                        Datatype {
                            size: 2 * base.size,
                            class: DatatypeClass::Complex {
                                base: Box::new(base),
                            },
                        }
                    }),
                ]
            })
        }

        proptest! {
            #[test]
            fn encode_then_decode_gives_the_type_back(t in datatype()) {
                let bytes = t.encode().unwrap();
                let mut c = Cursor::new(&bytes, 0, "datatype");
                prop_assert_eq!(decode(&mut c).unwrap(), t);
                prop_assert_eq!(c.remaining(), 0);
            }
        }
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
