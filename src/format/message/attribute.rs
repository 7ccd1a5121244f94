//! The attribute message (0x000C, spec IV.A.2.m), versions 1-3.
//!
//! Stored in an object header (compact storage) or as a record in the
//! object's attribute fractal heap (dense storage).

use super::dataspace::{self, Dataspace};
use super::datatype::{self, CharacterSet, Datatype};
use super::lossy_until_nul;
use super::shared::{self, SharedMessage};
use crate::error::{Error, Result};
use crate::format::{Cursor, Sizes};
use alloc::string::String;
use alloc::vec::Vec;

/// Version 1: name, datatype and dataspace padded to 8 bytes; ASCII names,
/// nothing shared. What libhdf5 writes with libver "earliest".
const VERSION_1: u8 = 1;
/// Version 2: no padding, flags for shared datatype/dataspace.
const VERSION_2: u8 = 2;
/// Version 3: adds the name's character set.
const VERSION_3: u8 = 3;

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

impl Attribute {
    /// Encodes the message in the version libhdf5 picks (`H5A__set_version`
    /// at libver "earliest"): 3 when the name's character set is not ASCII
    /// (VTK flags its names UTF-8, and gets version 3), else 2 when the
    /// datatype or dataspace is shared, else 1 with its 8-byte padding of
    /// name, datatype and dataspace. Shared parts are written as shared
    /// messages ([`SharedMessage::encode`]).
    ///
    /// # Errors
    ///
    /// [`WrongUse`](crate::ErrorKind::WrongUse) when the name contains a NUL,
    /// when the name, datatype or dataspace encoding exceeds 65535 bytes,
    /// when the datatype cannot be encoded, or when, both being inline, the
    /// data is not exactly elements x element size bytes.
    ///
    /// # Panics
    ///
    /// As [`Dataspace::encode`], for a dataspace no file can hold.
    pub fn encode(&self, sizes: Sizes) -> Result<Vec<u8>> {
        let name = self.name.as_bytes();
        if name.contains(&0) {
            return Err(Error::wrong_use(alloc::format!(
                "attribute name {:?} contains a NUL byte",
                self.name
            )));
        }
        let mut flags = 0;
        let datatype = match &self.datatype {
            MaybeShared::Inline(t) => t.encode()?,
            MaybeShared::Shared(s) => {
                flags |= FLAG_DATATYPE_SHARED;
                s.encode(sizes)
            }
        };
        let dataspace = match &self.dataspace {
            MaybeShared::Inline(s) => s.encode(sizes),
            MaybeShared::Shared(s) => {
                flags |= FLAG_DATASPACE_SHARED;
                s.encode(sizes)
            }
        };
        if let (MaybeShared::Inline(t), MaybeShared::Inline(s)) = (&self.datatype, &self.dataspace)
        {
            let expected = s
                .num_elements()
                .and_then(|n| n.checked_mul(u64::from(t.size)));
            if expected != Some(self.data.len() as u64) {
                return Err(Error::wrong_use(alloc::format!(
                    "attribute {:?} has {} data bytes, its {} elements of {} bytes need {}",
                    self.name,
                    self.data.len(),
                    s.num_elements()
                        .map_or_else(|| String::from("too many"), |n| alloc::format!("{n}")),
                    t.size,
                    expected
                        .map_or_else(|| String::from("more than 2^64"), |n| alloc::format!("{n}"))
                )));
            }
        }
        let version = if self.charset != CharacterSet::Ascii {
            VERSION_3
        } else if flags != 0 {
            VERSION_2
        } else {
            VERSION_1
        };
        let field_size = |len: usize, what: &str| {
            u16::try_from(len).map_err(|_| {
                Error::wrong_use(alloc::format!(
                    "attribute {:?}: {what} of {len} bytes (at most 65535)",
                    self.name
                ))
            })
        };
        // The sizes count the name's NUL but not the version 1 padding.
        let name_size = field_size(name.len() + 1, "name")?;
        let datatype_size = field_size(datatype.len(), "datatype")?;
        let dataspace_size = field_size(dataspace.len(), "dataspace")?;
        let padded = version == VERSION_1;
        let field_len = |n: usize| if padded { padded8(n) } else { n };
        let mut out = Vec::with_capacity(
            9 + field_len(name.len() + 1)
                + field_len(datatype.len())
                + field_len(dataspace.len())
                + self.data.len(),
        );
        out.push(version);
        out.push(flags); // reserved (0) in version 1
        out.extend_from_slice(&name_size.to_le_bytes());
        out.extend_from_slice(&datatype_size.to_le_bytes());
        out.extend_from_slice(&dataspace_size.to_le_bytes());
        if version == VERSION_3 {
            out.push(self.charset.to_u8());
        }
        let put_field = |out: &mut Vec<u8>, bytes: &[u8], nul: bool| {
            let start = out.len();
            out.extend_from_slice(bytes);
            if nul {
                out.push(0);
            }
            let len = out.len() - start;
            out.resize(start + field_len(len), 0);
        };
        put_field(&mut out, name, true);
        put_field(&mut out, &datatype, false);
        put_field(&mut out, &dataspace, false);
        out.extend_from_slice(&self.data);
        Ok(out)
    }
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
    if !(VERSION_1..=VERSION_3).contains(&version) {
        return Err(c.unsupported(format_args!(
            "attribute message version {version} (expected 1, 2 or 3)"
        )));
    }
    // Version 1: reserved byte. Versions 2 and 3: flags.
    let flags = c.u8()?;
    let flags = if version == VERSION_1 { 0 } else { flags };
    if flags & !(FLAG_DATATYPE_SHARED | FLAG_DATASPACE_SHARED) != 0 {
        return Err(c.error(format_args!(
            "attribute flags {flags:#04x} set reserved bits 2-7"
        )));
    }
    let name_size = usize::from(c.u16()?);
    let datatype_size = usize::from(c.u16()?);
    let dataspace_size = usize::from(c.u16()?);
    let charset = if version == VERSION_3 {
        CharacterSet::from_u8(c.u8()?)
    } else {
        CharacterSet::Ascii
    };
    if name_size == 0 {
        return Err(c.error("attribute name of size 0 (expected at least its NUL)"));
    }

    // Version 1 pads name, datatype and dataspace to multiples of 8 bytes.
    let padded = version == VERSION_1;
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
    use crate::format::message::datatype::{ByteOrder, DatatypeClass, StringPadding};
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

    fn scalar() -> Dataspace {
        Dataspace {
            kind: DataspaceKind::Scalar,
            dims: vec![],
            max_dims: None,
        }
    }

    fn round_trip(a: &Attribute) {
        let bytes = a.encode(S8).unwrap();
        let mut c = Cursor::new(&bytes, 0, "attribute");
        assert_eq!(&decode(&mut c, S8).unwrap(), a);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn encode_version_1_as_h5py_earliest() {
        // The version 1 example above (h5py, libver "earliest"), without the
        // object header's padding of the message.
        let a = Attribute {
            name: String::from("temp"),
            charset: CharacterSet::Ascii,
            datatype: MaybeShared::Inline(i16_le()),
            dataspace: MaybeShared::Inline(Dataspace {
                kind: DataspaceKind::Simple,
                dims: vec![3],
                max_dims: Some(vec![3]),
            }),
            data: vec![0, 0, 1, 0, 2, 0],
        };
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
        ];
        assert_eq!(a.encode(S8).unwrap(), bytes);
        round_trip(&a);
    }

    #[test]
    fn encode_matches_vtk() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2), group
        // /VTKHDF: attribute "Type" (UTF-8 name: version 3, unpadded) ...
        let type_attr = [
            3, // version
            0, // flags
            5, 0, // name size 5
            8, 0, // datatype size 8
            8, 0, // dataspace size 8
            1, // charset: UTF-8
            b'T', b'y', b'p', b'e', 0, // name
            0x13, 0, 0, 0, 9, 0, 0, 0, // datatype: 9-byte null-terminated ASCII string
            1, 0, 0, 0, 0, 0, 0, 0, // dataspace v1 scalar
            b'I', b'm', b'a', b'g', b'e', b'D', b'a', b't', b'a', // data
        ];
        let a = Attribute {
            name: String::from("Type"),
            charset: CharacterSet::Utf8,
            datatype: MaybeShared::Inline(Datatype {
                size: 9,
                class: DatatypeClass::String {
                    padding: StringPadding::NullTerminate,
                    charset: CharacterSet::Ascii,
                },
            }),
            dataspace: MaybeShared::Inline(scalar()),
            data: b"ImageData".to_vec(),
        };
        assert_eq!(a.encode(S8).unwrap(), type_attr);
        round_trip(&a);
        // ... and attribute "Version" (ASCII name: version 1, padded).
        let version_attr = [
            1, // version
            0, // reserved
            8, 0, // name size 8
            12, 0, // datatype size 12
            24, 0, // dataspace size 24
            b'V', b'e', b'r', b's', b'i', b'o', b'n', 0, // name (8, no padding)
            0x10, 0x08, 0, 0, 8, 0, 0, 0, 0, 0, 64, 0, // datatype <i8
            0, 0, 0, 0, // datatype padding to 16
            1, 1, 1, 0, 0, 0, 0, 0, // dataspace v1, rank 1, max dims present
            2, 0, 0, 0, 0, 0, 0, 0, // dim 2
            2, 0, 0, 0, 0, 0, 0, 0, // max dim 2
            2, 0, 0, 0, 0, 0, 0, 0, // data: 2
            8, 0, 0, 0, 0, 0, 0, 0, // data: 8
        ];
        let a = Attribute {
            name: String::from("Version"),
            charset: CharacterSet::Ascii,
            datatype: MaybeShared::Inline(Datatype {
                size: 8,
                class: DatatypeClass::FixedPoint {
                    order: ByteOrder::Little,
                    signed: true,
                    bit_offset: 0,
                    precision: 64,
                },
            }),
            dataspace: MaybeShared::Inline(Dataspace {
                kind: DataspaceKind::Simple,
                dims: vec![2],
                max_dims: Some(vec![2]),
            }),
            data: [2u64.to_le_bytes(), 8u64.to_le_bytes()].concat(),
        };
        assert_eq!(a.encode(S8).unwrap(), version_attr);
        round_trip(&a);
    }

    #[test]
    fn encode_shared_parts() {
        // Shared datatype, ASCII name: version 2, as libhdf5 picks.
        let a = Attribute {
            name: String::from("x"),
            charset: CharacterSet::Ascii,
            datatype: MaybeShared::Shared(SharedMessage::ObjectHeader { address: 0x2000 }),
            dataspace: MaybeShared::Inline(scalar()),
            data: vec![1, 2, 3, 4],
        };
        let bytes = [
            2, // version
            1, // flags: datatype shared
            2, 0, // name size 2
            10, 0, // datatype size 10
            8, 0, // dataspace size 8
            b'x', 0, // name
            2, 2, 0x00, 0x20, 0, 0, 0, 0, 0, 0, // shared message v2 -> 0x2000
            1, 0, 0, 0, 0, 0, 0, 0, // dataspace v1 scalar
            1, 2, 3, 4, // data, taken as is
        ];
        assert_eq!(a.encode(S8).unwrap(), bytes);
        round_trip(&a);
        // Shared dataspace, UTF-8 name: version 3.
        let a = Attribute {
            name: String::from("ÿ"),
            charset: CharacterSet::Utf8,
            datatype: MaybeShared::Inline(i16_le()),
            dataspace: MaybeShared::Shared(SharedMessage::Heap { heap_id: [7; 8] }),
            data: vec![5, 6],
        };
        let bytes = a.encode(S8).unwrap();
        assert_eq!(bytes[..2], [3, FLAG_DATASPACE_SHARED]);
        round_trip(&a);
    }

    #[test]
    fn encode_null_and_empty() {
        // attrs_earliest.h5 "null_f4": a null dataspace (version 2) in a
        // version 1 attribute, padded like the rest, no data.
        let a = Attribute {
            name: String::from("null_f4"),
            charset: CharacterSet::Ascii,
            datatype: MaybeShared::Inline(i16_le()),
            dataspace: MaybeShared::Inline(Dataspace {
                kind: DataspaceKind::Null,
                dims: vec![],
                max_dims: None,
            }),
            data: vec![],
        };
        let bytes = a.encode(S8).unwrap();
        assert_eq!(bytes[4..8], [12, 0, 4, 0]);
        assert_eq!(bytes[32..], [2, 0, 0, 2, 0, 0, 0, 0]);
        round_trip(&a);
    }

    #[test]
    fn encode_errors() {
        let good = Attribute {
            name: String::from("a"),
            charset: CharacterSet::Ascii,
            datatype: MaybeShared::Inline(i16_le()),
            dataspace: MaybeShared::Inline(scalar()),
            data: vec![1, 0],
        };
        assert!(good.encode(S8).is_ok());
        let wrong = |a: Attribute| {
            let e = a.encode(S8).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::WrongUse);
            e
        };
        let e = wrong(Attribute {
            data: vec![1, 0, 0],
            ..good.clone()
        });
        assert!(e.message().contains("need 2"), "{}", e.message());
        wrong(Attribute {
            name: String::from("a\0b"),
            ..good.clone()
        });
        wrong(Attribute {
            name: "n".repeat(65535),
            ..good.clone()
        });
        wrong(Attribute {
            datatype: MaybeShared::Inline(Datatype {
                size: 2,
                class: DatatypeClass::Array {
                    dims: vec![],
                    base: alloc::boxed::Box::new(i16_le()),
                },
            }),
            ..good
        });
    }

    proptest::proptest! {
        #[test]
        fn encode_decode_property(
            name in "\\PC{1,30}",
            utf8 in proptest::bool::ANY,
            dims in proptest::collection::vec(0u64..4, 0..3),
            size in 1u32..9,
            shared in 0u8..4,
        ) {
            let n: u64 = dims.iter().product();
            let datatype = Datatype {
                size,
                class: DatatypeClass::String {
                    padding: StringPadding::NullPad,
                    charset: CharacterSet::Ascii,
                },
            };
            let dataspace = Dataspace {
                kind: if dims.is_empty() { DataspaceKind::Scalar } else { DataspaceKind::Simple },
                max_dims: (!dims.is_empty()).then(|| dims.clone()),
                dims,
            };
            let a = Attribute {
                name,
                charset: if utf8 { CharacterSet::Utf8 } else { CharacterSet::Ascii },
                datatype: if shared & 1 != 0 {
                    MaybeShared::Shared(SharedMessage::ObjectHeader { address: 0x800 })
                } else {
                    MaybeShared::Inline(datatype)
                },
                dataspace: if shared & 2 != 0 {
                    MaybeShared::Shared(SharedMessage::Heap { heap_id: [3; 8] })
                } else {
                    MaybeShared::Inline(dataspace)
                },
                data: (0..n * u64::from(size)).map(|i| i as u8).collect(),
            };
            let bytes = a.encode(S8).unwrap();
            let mut c = Cursor::new(&bytes, 0, "attribute");
            proptest::prop_assert_eq!(decode(&mut c, S8).unwrap(), a);
            proptest::prop_assert_eq!(c.remaining(), 0);
        }
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
