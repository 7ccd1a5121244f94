//! Element type conversion at the edge: from the file's datatype (any
//! integer width and byte order, f16/f32/f64 either order, enums, bitfields)
//! to the caller's Rust type, and strings to `String`.

use super::FileCtx;
use crate::error::{Error, Result};
use crate::format::global_heap;
use crate::format::message::datatype::{
    ByteOrder, CharacterSet, Datatype, DatatypeClass, StringPadding,
};
use crate::format::Cursor;

/// A Rust element type that numeric datasets and attributes can be read as.
pub trait H5Type: Copy + Default + Send + Sync + bytemuck::Pod + 'static {
    /// The datatype this Rust type has in memory on this machine (little-endian).
    fn native() -> Native;
    /// From an integer value, saturating.
    fn from_i128(v: i128) -> Self;
    /// From a float value (`as` semantics: saturating, NaN to 0 for integers).
    fn from_f64(v: f64) -> Self;
}

/// Native numeric kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Native {
    /// Signed integer of the given size in bytes.
    Int(u32),
    /// Unsigned integer of the given size in bytes.
    UInt(u32),
    /// IEEE float of the given size in bytes.
    Float(u32),
}

macro_rules! int_type {
    ($t:ty, $native:expr) => {
        impl H5Type for $t {
            fn native() -> Native {
                $native
            }
            fn from_i128(v: i128) -> Self {
                v.clamp(<$t>::MIN as i128, <$t>::MAX as i128) as $t
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    };
}
int_type!(i8, Native::Int(1));
int_type!(i16, Native::Int(2));
int_type!(i32, Native::Int(4));
int_type!(i64, Native::Int(8));
int_type!(u8, Native::UInt(1));
int_type!(u16, Native::UInt(2));
int_type!(u32, Native::UInt(4));
int_type!(u64, Native::UInt(8));

impl H5Type for f32 {
    fn native() -> Native {
        Native::Float(4)
    }
    fn from_i128(v: i128) -> Self {
        v as f32
    }
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl H5Type for f64 {
    fn native() -> Native {
        Native::Float(8)
    }
    fn from_i128(v: i128) -> Self {
        v as f64
    }
    fn from_f64(v: f64) -> Self {
        v
    }
}

/// The numeric kind a stored datatype decodes to, without conversion.
pub fn stored_native(t: &Datatype) -> Option<(Native, ByteOrder)> {
    match &t.class {
        DatatypeClass::FixedPoint {
            order,
            signed,
            bit_offset: 0,
            precision,
        } if u32::from(*precision) == 8 * t.size && matches!(t.size, 1 | 2 | 4 | 8) => Some((
            if *signed {
                Native::Int(t.size)
            } else {
                Native::UInt(t.size)
            },
            *order,
        )),
        DatatypeClass::FloatingPoint { order, .. } if is_ieee(t) => {
            Some((Native::Float(t.size), *order))
        }
        _ => None,
    }
}

fn is_ieee(t: &Datatype) -> bool {
    match &t.class {
        DatatypeClass::FloatingPoint {
            exponent_size,
            mantissa_size,
            mantissa_location,
            exponent_location,
            ..
        } => matches!(
            (
                t.size,
                *exponent_size,
                *mantissa_size,
                *mantissa_location,
                *exponent_location
            ),
            (2, 5, 10, 0, 10) | (4, 8, 23, 0, 23) | (8, 11, 52, 0, 52)
        ),
        _ => false,
    }
}

fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let man = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * man * 2f64.powi(-24),
        31 => {
            if man == 0.0 {
                sign * f64::INFINITY
            } else {
                f64::NAN
            }
        }
        e => sign * (1.0 + man / 1024.0) * 2f64.powi(e - 15),
    }
}

/// One element decoded as a number: integers as `i128`, floats as `f64`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer value.
    Int(i128),
    /// A floating point value.
    Float(f64),
}

fn ordered128(bytes: &[u8], order: ByteOrder) -> u128 {
    match order {
        ByteOrder::Little => bytes
            .iter()
            .rev()
            .fold(0u128, |a, &b| (a << 8) | u128::from(b)),
        ByteOrder::Big => bytes.iter().fold(0u128, |a, &b| (a << 8) | u128::from(b)),
    }
}

fn bits(v: u128, at: u32, n: u32) -> u128 {
    if n == 0 || at >= 128 {
        return 0;
    }
    let shifted = v >> at;
    if n >= 128 {
        shifted
    } else {
        shifted & ((1u128 << n) - 1)
    }
}

/// Decodes a float of any HDF5 bit layout (IEEE, bfloat16, x87 extended...)
/// to the nearest `f64`.
pub fn decode_float(t: &Datatype, bytes: &[u8]) -> Result<f64> {
    let DatatypeClass::FloatingPoint {
        order,
        sign_location,
        exponent_location,
        exponent_size,
        mantissa_location,
        mantissa_size,
        exponent_bias,
        ..
    } = &t.class
    else {
        return Err(unsupported_conversion(t));
    };
    if bytes.len() > 16 || *exponent_size == 0 || *exponent_size > 32 || *mantissa_size > 112 {
        return Err(unsupported_conversion(t));
    }
    let raw = ordered128(bytes, *order);
    let sign = if bits(raw, u32::from(*sign_location), 1) == 1 {
        -1.0
    } else {
        1.0
    };
    let esize = u32::from(*exponent_size);
    let msize = u32::from(*mantissa_size);
    let exp = bits(raw, u32::from(*exponent_location), esize) as i64;
    let man = bits(raw, u32::from(*mantissa_location), msize);
    let exp_max = (1i64 << esize) - 1;
    // x87 extended stores the integer bit explicitly (64-bit mantissa with a
    // 15-bit exponent); IEEE layouts imply it.
    let explicit = msize == 64 && esize == 15;
    let frac_bits = if explicit { msize - 1 } else { msize };
    let frac_mask = if frac_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << frac_bits) - 1
    };
    let frac = man & frac_mask;
    if exp == exp_max {
        return Ok(if frac == 0 {
            sign * f64::INFINITY
        } else {
            f64::NAN
        });
    }
    let scale = |e: i64| -> f64 { 2f64.powi(e.clamp(-2000, 2000) as i32) };
    let frac_f = frac as f64 / scale(i64::from(frac_bits));
    let bias = i64::from(*exponent_bias);
    let v = if exp == 0 {
        frac_f * scale(1 - bias)
    } else {
        (1.0 + frac_f) * scale(exp - bias)
    };
    Ok(sign * v)
}

/// Decodes one numeric element (integer, float, enum, bitfield), applying
/// the integer's precision and bit offset as libhdf5 does.
pub fn decode_number(t: &Datatype, bytes: &[u8]) -> Result<Number> {
    match &t.class {
        DatatypeClass::FixedPoint {
            order,
            signed,
            bit_offset,
            precision,
        } => {
            if bytes.len() > 16 || bytes.is_empty() {
                return Err(unsupported_conversion(t));
            }
            let raw = ordered128(bytes, *order);
            let width = 8 * bytes.len() as u32;
            let prec = if *precision == 0 {
                width
            } else {
                u32::from(*precision).min(width)
            };
            let v = bits(raw, u32::from(*bit_offset), prec);
            let value = if *signed && prec < 128 && (v >> (prec - 1)) & 1 == 1 {
                (v as i128).wrapping_sub(1i128.wrapping_shl(prec))
            } else {
                v as i128
            };
            Ok(Number::Int(value))
        }
        DatatypeClass::Bitfield { order, .. } => {
            if bytes.len() > 16 {
                return Err(unsupported_conversion(t));
            }
            Ok(Number::Int(ordered128(bytes, *order) as i128))
        }
        DatatypeClass::FloatingPoint { order, .. } => {
            if is_ieee(t) {
                let raw = ordered128(bytes, *order) as u64;
                Ok(Number::Float(match t.size {
                    2 => f16_to_f64(raw as u16),
                    4 => f64::from(f32::from_bits(raw as u32)),
                    _ => f64::from_bits(raw),
                }))
            } else {
                decode_float(t, bytes).map(Number::Float)
            }
        }
        DatatypeClass::Enum { base, .. } => decode_number(base, bytes),
        _ => Err(unsupported_conversion(t)),
    }
}

/// True when an IEEE float layout of its size (f16, f32, f64).
pub fn is_ieee_float(t: &Datatype) -> bool {
    is_ieee(t)
}

fn unsupported_conversion(t: &Datatype) -> Error {
    Error::wrong_use(format!(
        "cannot convert elements of datatype {} to a number",
        crate::dtype_name(t)
    ))
}

/// Converts raw elements of datatype `t` (file layout) to `Vec<T>`.
pub fn convert<T: H5Type>(t: &Datatype, raw: &[u8]) -> Result<Vec<T>> {
    let size = t.size as usize;
    if size == 0 {
        return Err(Error::wrong_use("datatype of size 0"));
    }
    // Fast path: same type, little-endian (this crate assumes a little-endian
    // host only here, where bytemuck reinterprets the bytes).
    if cfg!(target_endian = "little") {
        if let Some((native, ByteOrder::Little)) = stored_native(t) {
            if native == T::native() {
                let n = raw.len() / size;
                let mut out = vec![T::default(); n];
                bytemuck::cast_slice_mut::<T, u8>(&mut out).copy_from_slice(&raw[..n * size]);
                return Ok(out);
            }
        }
    }
    raw.chunks_exact(size)
        .map(|e| {
            Ok(match decode_number(t, e)? {
                Number::Int(v) => T::from_i128(v),
                Number::Float(v) => T::from_f64(v),
            })
        })
        .collect()
}

/// Converts elements in place from stored little/big-endian `t` to `T` when
/// `raw` already has `T`'s size: used to avoid a second buffer.
pub fn needs_conversion<T: H5Type>(t: &Datatype) -> bool {
    !(cfg!(target_endian = "little")
        && matches!(stored_native(t), Some((n, ByteOrder::Little)) if n == T::native()))
}

/// Decodes a fixed-length string element according to its padding: cut at
/// the first NUL (null-terminated), trailing NULs removed (null-padded),
/// trailing spaces removed (space-padded).
pub fn fixed_string(bytes: &[u8], padding: StringPadding) -> String {
    let cut = match padding {
        StringPadding::NullTerminate => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            &bytes[..end]
        }
        StringPadding::NullPad | StringPadding::Unknown(_) => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
            &bytes[..end]
        }
        StringPadding::SpacePad => {
            // libhdf5 turns the trailing spaces into NULs when it converts to
            // a NUL-padded string, and the padding NULs then go too.
            let end = bytes
                .iter()
                .rposition(|&b| b != b' ' && b != 0)
                .map_or(0, |p| p + 1);
            &bytes[..end]
        }
    };
    String::from_utf8_lossy(cut).into_owned()
}

/// Reads the bytes of one variable-length element (string or sequence)
/// stored as (length u32, global heap collection address, object index).
/// For sequences the length counts base elements; `unit` is the base size.
pub fn vlen_bytes(ctx: &FileCtx, element: &[u8], unit: u64) -> Result<Vec<u8>> {
    let mut c = Cursor::new(element, 0, "variable-length element");
    let (len, address, index) = global_heap::decode_vlen_reference(&mut c, ctx.sizes)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    if crate::format::is_undefined(address) || address == 0 {
        return Ok(Vec::new());
    }
    let heap = ctx.global_heap(address)?;
    let obj = heap.object(index).ok_or_else(|| {
        Error::malformed(
            address,
            format!("global heap collection has no object {index}"),
        )
    })?;
    let want = u64::from(len).saturating_mul(unit) as usize;
    Ok(obj[..want.min(obj.len())].to_vec())
}

/// Decodes string elements (fixed or variable length) of datatype `t`.
pub fn strings(ctx: &FileCtx, t: &Datatype, raw: &[u8]) -> Result<Vec<String>> {
    let size = t.size as usize;
    if size == 0 {
        return Ok(Vec::new());
    }
    match &t.class {
        DatatypeClass::String { padding, .. } => Ok(raw
            .chunks_exact(size)
            .map(|e| fixed_string(e, *padding))
            .collect()),
        DatatypeClass::VarLen {
            string: Some((padding, _)),
            ..
        } => raw
            .chunks_exact(size)
            .map(|e| {
                let b = vlen_bytes(ctx, e, 1)?;
                Ok(fixed_string(&b, *padding))
            })
            .collect(),
        _ => Err(Error::wrong_use(format!(
            "cannot read elements of datatype {} as strings",
            crate::dtype_name(t)
        ))),
    }
}

/// The character set of a string datatype.
pub fn charset(t: &Datatype) -> Option<CharacterSet> {
    match &t.class {
        DatatypeClass::String { charset, .. } => Some(*charset),
        DatatypeClass::VarLen {
            string: Some((_, cs)),
            ..
        } => Some(*cs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_values() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
    }

    #[test]
    fn fixed_string_padding() {
        assert_eq!(fixed_string(b"ab\0cd", StringPadding::NullTerminate), "ab");
        assert_eq!(
            fixed_string(b"ab\0cd\0\0", StringPadding::NullPad),
            "ab\0cd"
        );
        assert_eq!(fixed_string(b"ab  ", StringPadding::SpacePad), "ab");
        assert_eq!(fixed_string(b"a b\0  ", StringPadding::SpacePad), "a b");
    }
}
