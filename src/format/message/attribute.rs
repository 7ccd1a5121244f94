//! The attribute message (0x000C, spec IV.A.2.m), versions 1-3.
//!
//! Stored in an object header (compact storage) or as a record in the
//! object's attribute fractal heap (dense storage).

use super::dataspace::{self, Dataspace};
use super::datatype::{self, CharacterSet, Datatype};
use super::lossy_until_nul;
use super::shared::{self, SharedMessage};
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::string::String;
use alloc::vec::Vec;

/// Version 2/3 flag bit 0: the datatype is a shared message.
const FLAG_DATATYPE_SHARED: u8 = 0x01;
/// Version 2/3 flag bit 1: the dataspace is a shared message.
const FLAG_DATASPACE_SHARED: u8 = 0x02;

/// A message stored inline, or a reference to where it is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaybeShared<T> {
    /// The decoded message.
    Inline(T),
    /// Where the message is stored (a committed datatype, or the SOHM heap).
    Shared(SharedMessage),
}

/// A decoded attribute message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name (lossy UTF-8).
    pub name: String,
    /// Character set of the name (ASCII before version 3).
    pub charset: CharacterSet,
    /// Element type.
    pub datatype: MaybeShared<Datatype>,
    /// Shape.
    pub dataspace: MaybeShared<Dataspace>,
    /// Raw data. When datatype and dataspace are both inline this is exactly
    /// elements x element size bytes. When either is shared its size cannot be
    /// known here, so this is everything left in the message body (possibly
    /// with trailing padding): the reader resolves the shared message and cuts.
    pub data: Vec<u8>,
}

/// Rounds `n` up to a multiple of 8.
fn padded8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

/// Takes a `size`-byte field, then its padding to 8 bytes when `padded`.
fn field<'a>(
    c: &mut Cursor<'a>,
    size: usize,
    padded: bool,
    what: &'static str,
) -> Result<Cursor<'a>> {
    let sub = c.sub(size, what)?;
    if padded {
        // The data after the dataspace may be empty, and its padding with it.
        let pad = padded8(size) - size;
        c.skip(pad.min(c.remaining()))?;
    }
    Ok(sub)
}

/// Decodes an attribute message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Attribute> {
    let version = c.u8()?;
    if !(1..=3).contains(&version) {
        return Err(c.unsupported(format_args!(
            "attribute message version {version} (expected 1, 2 or 3)"
        )));
    }
    // Version 1: reserved byte. Versions 2 and 3: flags.
    let flags = c.u8()?;
    let flags = if version == 1 { 0 } else { flags };
    if flags & !(FLAG_DATATYPE_SHARED | FLAG_DATASPACE_SHARED) != 0 {
        return Err(c.error(format_args!(
            "attribute flags {flags:#04x} set reserved bits 2-7"
        )));
    }
    let name_size = usize::from(c.u16()?);
    let datatype_size = usize::from(c.u16()?);
    let dataspace_size = usize::from(c.u16()?);
    let charset = if version == 3 {
        CharacterSet::from_u8(c.u8()?)
    } else {
        CharacterSet::Ascii
    };
    if name_size == 0 {
        return Err(c.error("attribute name of size 0 (expected at least its NUL)"));
    }

    // Version 1 pads name, datatype and dataspace to multiples of 8 bytes.
    let padded = version == 1;
    let name = lossy_until_nul(field(c, name_size, padded, "attribute name")?.data());

    let mut dt = field(c, datatype_size, padded, "attribute datatype")?;
    let datatype = if flags & FLAG_DATATYPE_SHARED != 0 {
        MaybeShared::Shared(shared::decode(&mut dt, sizes)?)
    } else {
        MaybeShared::Inline(datatype::decode(&mut dt)?)
    };

    let mut ds = field(c, dataspace_size, padded, "attribute dataspace")?;
    let dataspace = if flags & FLAG_DATASPACE_SHARED != 0 {
        MaybeShared::Shared(shared::decode(&mut ds, sizes)?)
    } else {
        MaybeShared::Inline(dataspace::decode(&mut ds, sizes)?)
    };

    let data_len = match (&datatype, &dataspace) {
        (MaybeShared::Inline(t), MaybeShared::Inline(s)) => {
            let n = s.num_elements();
            let len = n.and_then(|n| n.checked_mul(u64::from(t.size)));
            match len {
                Some(len) if len <= c.remaining() as u64 => len as usize,
                _ => {
                    return Err(c.error(format_args!(
                        "attribute {name:?} data of {} elements x {} bytes does not fit \
                         in the {} bytes left",
                        n.map_or_else(|| String::from("too many"), |n| alloc::format!("{n}")),
                        t.size,
                        c.remaining()
                    )))
                }
            }
        }
        _ => c.remaining(),
    };
    let data = c.bytes(data_len)?.to_vec();
    Ok(Attribute {
        name,
        charset,
        datatype,
        dataspace,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::format::message::dataspace::DataspaceKind;
    use crate::format::message::datatype::{ByteOrder, DatatypeClass};
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn i16_le() -> Datatype {
        Datatype {
            size: 2,
            class: DatatypeClass::FixedPoint {
                order: ByteOrder::Little,
                signed: true,
                bit_offset: 0,
                precision: 16,
            },
        }
    }

    #[test]
    fn version_1_padded_fields() {
        // As written by libhdf5 (libver "earliest") for attrs['temp'] = int16 [0, 1, 2].
        let bytes = [
            1, // version
            0, // reserved
            5, 0, // name size 5
            12, 0, // datatype size 12
            24, 0, // dataspace size 24
            b't', b'e', b'm', b'p', 0, 0, 0, 0, // name, padded to 8
            0x10, 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // datatype <i2
            0, 0, 0, 0, // datatype padding to 16
            1, 1, 1, 0, 0, 0, 0, 0, // dataspace v1, rank 1, max dims present
            3, 0, 0, 0, 0, 0, 0, 0, // dim 3
            3, 0, 0, 0, 0, 0, 0, 0, // max dim 3
            0, 0, 1, 0, 2, 0, // data
            0, 0, // message padding (not data)
        ];
        let mut c = Cursor::new(&bytes, 0, "attribute");
        let a = decode(&mut c, S8).unwrap();
        assert_eq!(a.name, "temp");
        assert_eq!(a.charset, CharacterSet::Ascii);
        assert_eq!(a.datatype, MaybeShared::Inline(i16_le()));
        let MaybeShared::Inline(ds) = &a.dataspace else {
            panic!()
        };
        assert_eq!(ds.dims, vec![3]);
        assert_eq!(a.data, vec![0, 0, 1, 0, 2, 0]);
        assert_eq!(c.remaining(), 2);
    }

    #[test]
    fn version_3_unpadded_with_charset() {
        // As written by libhdf5 (libver v108) for attrs['a'] = int16 [0, 1, 2].
        let bytes = [
            3, // version
            0, // flags
            2, 0, // name size 2
            12, 0, // datatype size 12
            20, 0, // dataspace size 20
            0, // charset ASCII
            b'a', 0, // name
            0x10, 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // datatype <i2
            2, 1, 1, 1, // dataspace v2, rank 1, max dims, simple
            3, 0, 0, 0, 0, 0, 0, 0, // dim 3
            3, 0, 0, 0, 0, 0, 0, 0, // max dim 3
            0, 0, 1, 0, 2, 0, // data
        ];
        let mut c = Cursor::new(&bytes, 0, "attribute");
        let a = decode(&mut c, S8).unwrap();
        assert_eq!(a.name, "a");
        assert_eq!(a.datatype, MaybeShared::Inline(i16_le()));
        assert_eq!(a.data, vec![0, 0, 1, 0, 2, 0]);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_2_shared_datatype_takes_the_rest() {
        let bytes = [
            2, // version
            1, // flags: datatype shared
            2, 0, // name size 2
            10, 0, // datatype size 10
            4, 0, // dataspace size 4
            b'x', 0, // name
            2, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0, // shared message v2 -> 0x2000
            2, 0, 0, 0, // dataspace v2 scalar
            1, 2, 3, 4, 5, // data: all the rest
        ];
        let mut c = Cursor::new(&bytes, 0, "attribute");
        let a = decode(&mut c, S8).unwrap();
        assert_eq!(
            a.datatype,
            MaybeShared::Shared(SharedMessage::ObjectHeader { address: 0x2000 })
        );
        let MaybeShared::Inline(ds) = &a.dataspace else {
            panic!()
        };
        assert_eq!(ds.kind, DataspaceKind::Scalar);
        assert_eq!(a.data, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn version_3_shared_dataspace_in_heap() {
        let bytes = [
            3, // version
            2, // flags: dataspace shared
            2, 0, // name size 2
            8, 0, // datatype size 8
            10, 0, // dataspace size 10
            1, // charset UTF-8
            b'y', 0, // name
            0x13, 0, 0, 0, 1, 0, 0, 0, // datatype: 1-byte string
            3, 1, 1, 2, 3, 4, 5, 6, 7, 8,    // shared message v3 in the SOHM heap
            b'z', // data
        ];
        let a = decode(&mut Cursor::new(&bytes, 0, "attribute"), S8).unwrap();
        assert_eq!(a.charset, CharacterSet::Utf8);
        assert_eq!(
            a.dataspace,
            MaybeShared::Shared(SharedMessage::Heap {
                heap_id: [1, 2, 3, 4, 5, 6, 7, 8]
            })
        );
        assert_eq!(a.data, b"z".to_vec());
    }

    #[test]
    fn errors() {
        // Bad version.
        let e = decode(&mut Cursor::new(&[4, 0, 0, 0], 0, "attribute"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // Reserved flags.
        assert!(decode(
            &mut Cursor::new(&[2, 4, 1, 0, 0, 0, 0, 0], 0, "attribute"),
            S8
        )
        .is_err());
        // Name size past the end.
        let bytes = [2, 0, 0xff, 0, 0, 0, 0, 0, b'a', 0];
        assert!(decode(&mut Cursor::new(&bytes, 0, "attribute"), S8).is_err());
        // Data shorter than elements x size.
        let bytes = [
            2, 0, 2, 0, 12, 0, 12, 0, // version 2, sizes
            b'a', 0, // name
            0x10, 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // <i2
            2, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, // simple, dim 3
            0, 0, 1, 0, // only 4 of 6 data bytes
        ];
        let e = decode(&mut Cursor::new(&bytes, 0, "attribute"), S8).unwrap_err();
        assert!(e.message().contains("does not fit"), "{}", e.message());
        // Datatype size too small for the datatype.
        let bytes = [
            2, 0, 2, 0, 4, 0, 4, 0, // version 2, datatype size 4
            b'a', 0, // name
            0x10, 0x08, 0, 0, 2, 0, 0, 0, 0, 0, 16, 0, // <i2 (12 bytes)
        ];
        assert!(decode(&mut Cursor::new(&bytes, 0, "attribute"), S8).is_err());
    }
}
