//! The link message (0x0006, spec IV.A.2.g), version 1.
//!
//! Stored in a group's object header (compact storage) or as a record in the
//! group's fractal heap (dense storage).

use super::datatype::CharacterSet;
use super::shared::{put_address, put_uint};
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::string::String;
use alloc::vec::Vec;

/// The only version of the message.
const VERSION: u8 = 1;
/// Link type code of a hard link (the default, not stored).
const TYPE_HARD: u8 = 0;
/// Link type code of a soft link.
const TYPE_SOFT: u8 = 1;
/// First user-defined link type code.
const TYPE_FIRST_USER_DEFINED: u8 = 65;
/// Version of an external link value (its first byte's high 4 bits).
const EXTERNAL_VERSION: u8 = 0;
/// Link type code of an external link.
const TYPE_EXTERNAL: u8 = 64;

/// Flag bits.
const FLAG_NAME_WIDTH: u8 = 0x03;
const FLAG_CREATION_ORDER: u8 = 0x04;
const FLAG_LINK_TYPE: u8 = 0x08;
const FLAG_CHARSET: u8 = 0x10;

/// What a link points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// An object header in this file.
    Hard {
        /// Object header address.
        address: u64,
    },
    /// A path in this file, resolved when followed.
    Soft {
        /// The path, as stored.
        path: String,
    },
    /// An object in another file.
    External {
        /// File name, as stored.
        file: String,
        /// Object path in that file.
        path: String,
    },
    /// A user-defined link type (65-255), carried as read.
    UserDefined {
        /// Link type code.
        link_type: u8,
        /// The link's data.
        data: Vec<u8>,
    },
}

/// A decoded link message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Link name (lossy UTF-8).
    pub name: String,
    /// Creation order index, when the group tracks it.
    pub creation_order: Option<u64>,
    /// Character set of the name.
    pub charset: CharacterSet,
    /// Target.
    pub target: LinkTarget,
}

impl Link {
    /// Encodes the message (version 1) as libhdf5 does: the link type only
    /// when not hard, the creation order when `Some`, the character set only
    /// when not ASCII, and the name length in the fewest of 1, 2, 4 or 8 bytes.
    ///
    /// # Panics
    ///
    /// If a soft link path, an external link's file and path (with their
    /// NULs and a leading byte) or user-defined data exceed 65535 bytes
    /// (their length is a 2-byte field), or a user-defined link type is
    /// below 65. An empty name is written but does not read back.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let name = self.name.as_bytes();
        let (width_code, width) = match name.len() as u64 {
            n if n <= 0xff => (0u8, 1u8),
            n if n <= 0xffff => (1, 2),
            n if n <= 0xffff_ffff => (2, 4),
            _ => (3, 8),
        };
        let link_type = match &self.target {
            LinkTarget::Hard { .. } => TYPE_HARD,
            LinkTarget::Soft { .. } => TYPE_SOFT,
            LinkTarget::External { .. } => TYPE_EXTERNAL,
            LinkTarget::UserDefined { link_type, .. } => {
                assert!(
                    *link_type >= TYPE_FIRST_USER_DEFINED,
                    "user-defined link type {link_type} (expected 65-255)"
                );
                *link_type
            }
        };
        let mut flags = width_code;
        if self.creation_order.is_some() {
            flags |= FLAG_CREATION_ORDER;
        }
        if link_type != TYPE_HARD {
            flags |= FLAG_LINK_TYPE;
        }
        if self.charset != CharacterSet::Ascii {
            flags |= FLAG_CHARSET;
        }
        let mut out = Vec::with_capacity(20 + name.len());
        out.push(VERSION);
        out.push(flags);
        if link_type != TYPE_HARD {
            out.push(link_type);
        }
        if let Some(order) = self.creation_order {
            out.extend_from_slice(&order.to_le_bytes());
        }
        if self.charset != CharacterSet::Ascii {
            out.push(self.charset.to_u8());
        }
        put_uint(&mut out, name.len() as u64, width);
        out.extend_from_slice(name);
        let put_value = |out: &mut Vec<u8>, value: &[u8]| {
            let len = u16::try_from(value.len()).expect("link value over 65535 bytes");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(value);
        };
        match &self.target {
            LinkTarget::Hard { address } => put_address(&mut out, sizes, *address),
            LinkTarget::Soft { path } => put_value(&mut out, path.as_bytes()),
            LinkTarget::External { file, path } => {
                let mut value = Vec::with_capacity(3 + file.len() + path.len());
                value.push(EXTERNAL_VERSION << 4); // no flags
                value.extend_from_slice(file.as_bytes());
                value.push(0);
                value.extend_from_slice(path.as_bytes());
                value.push(0);
                put_value(&mut out, &value);
            }
            LinkTarget::UserDefined { data, .. } => put_value(&mut out, data),
        }
        out
    }
}

/// Decodes a link message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Link> {
    let version = c.u8()?;
    if version != VERSION {
        return Err(c.unsupported(format_args!("link message version {version} (expected 1)")));
    }
    let flags = c.u8()?;
    if flags & 0xe0 != 0 {
        return Err(c.error(format_args!(
            "link message flags {flags:#04x} set reserved bits 5-7"
        )));
    }
    let link_type = if flags & FLAG_LINK_TYPE != 0 {
        c.u8()?
    } else {
        TYPE_HARD
    };
    let creation_order = if flags & FLAG_CREATION_ORDER != 0 {
        Some(c.u64()?)
    } else {
        None
    };
    let charset = if flags & FLAG_CHARSET != 0 {
        CharacterSet::from_u8(c.u8()?)
    } else {
        CharacterSet::Ascii
    };
    let name_len = c.uint(1 << (flags & FLAG_NAME_WIDTH))?;
    if name_len == 0 {
        return Err(c.error("link name of length 0"));
    }
    let name_len = usize::try_from(name_len)
        .ok()
        .filter(|&n| n <= c.remaining())
        .ok_or_else(|| {
            c.error(format_args!(
                "link name of {name_len} bytes, only {} left",
                c.remaining()
            ))
        })?;
    let name = String::from_utf8_lossy(c.bytes(name_len)?).into_owned();
    let target = match link_type {
        TYPE_HARD => LinkTarget::Hard {
            address: c.address(sizes)?,
        },
        TYPE_SOFT => {
            let len = c.u16()?;
            LinkTarget::Soft {
                path: String::from_utf8_lossy(c.bytes(usize::from(len))?).into_owned(),
            }
        }
        TYPE_EXTERNAL => {
            let len = c.u16()?;
            let mut value = c.sub(usize::from(len), "external link value")?;
            let version_and_flags = value.u8()?;
            let ext_version = version_and_flags >> 4;
            if ext_version != EXTERNAL_VERSION {
                return Err(value.unsupported(format_args!(
                    "external link version {ext_version} (expected 0)"
                )));
            }
            let file = String::from_utf8_lossy(value.cstr()?).into_owned();
            let path = String::from_utf8_lossy(value.cstr()?).into_owned();
            LinkTarget::External { file, path }
        }
        t if t >= TYPE_FIRST_USER_DEFINED => {
            let len = c.u16()?;
            LinkTarget::UserDefined {
                link_type: t,
                data: c.bytes(usize::from(len))?.to_vec(),
            }
        }
        other => {
            return Err(c.error(format_args!(
                "link type {other} is reserved (expected 0, 1, 64 or 65-255)"
            )))
        }
    };
    Ok(Link {
        name,
        creation_order,
        charset,
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn link(bytes: &[u8]) -> Result<Link> {
        let mut c = Cursor::new(bytes, 0, "link");
        let l = decode(&mut c, S8)?;
        assert_eq!(c.remaining(), 0, "link left bytes unread");
        Ok(l)
    }

    #[test]
    fn hard_link_minimal() {
        let bytes = [
            1, // version
            0, // flags: 1-byte name length, hard link
            4, // name length
            b'd', b'a', b't', b'a', // name
            0x20, 0x03, 0, 0, 0, 0, 0, 0, // address 0x320
        ];
        assert_eq!(
            link(&bytes).unwrap(),
            Link {
                name: String::from("data"),
                creation_order: None,
                charset: CharacterSet::Ascii,
                target: LinkTarget::Hard { address: 0x320 }
            }
        );
    }

    #[test]
    fn soft_link_with_creation_order_and_utf8() {
        let bytes = [
            1,    // version
            0x1d, // flags: 2-byte name length, creation order, link type, charset
            1,    // link type: soft
            5, 0, 0, 0, 0, 0, 0, 0, // creation order 5
            1, // charset: UTF-8
            2, 0, // name length 2
            0xc3, 0xa9, // name "é"
            4, 0, // value length 4
            b'/', b'a', b'/', b'b', // "/a/b"
        ];
        let l = link(&bytes).unwrap();
        assert_eq!(l.name, "é");
        assert_eq!(l.creation_order, Some(5));
        assert_eq!(l.charset, CharacterSet::Utf8);
        assert_eq!(
            l.target,
            LinkTarget::Soft {
                path: String::from("/a/b")
            }
        );
    }

    #[test]
    fn external_and_user_defined() {
        let bytes = [
            1,    // version
            0x08, // flags: link type present
            64,   // link type: external
            1,    // name length
            b'x', // name
            10, 0, // value length 10
            0, // version 0, flags 0
            b'f', b'.', b'h', b'5', 0, // file "f.h5"
            b'/', b'g', b'/', 0, // path "/g/"
        ];
        assert_eq!(
            link(&bytes).unwrap().target,
            LinkTarget::External {
                file: String::from("f.h5"),
                path: String::from("/g/")
            }
        );
        let user = [
            1,    // version
            0x08, // flags: link type present
            200,  // link type: user-defined
            1,    // name length
            b'u', // name
            3, 0, // data length 3
            9, 8, 7, // data
        ];
        assert_eq!(
            link(&user).unwrap().target,
            LinkTarget::UserDefined {
                link_type: 200,
                data: vec![9, 8, 7]
            }
        );
    }

    fn round_trip(l: &Link) {
        for sizes in [
            S8,
            Sizes {
                offset: 4,
                length: 4,
            },
        ] {
            let bytes = l.encode(sizes);
            let mut c = Cursor::new(&bytes, 0, "link");
            assert_eq!(&decode(&mut c, sizes).unwrap(), l);
            assert_eq!(c.remaining(), 0);
        }
    }

    #[test]
    fn encode_matches_vtk() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2): the
        // link /VTKHDF/PointData in a group that tracks creation order.
        let vtk = [
            1,    // version
            0x04, // flags: 1-byte name length, creation order present
            0, 0, 0, 0, 0, 0, 0, 0, // creation order 0
            9, // name length
            b'P', b'o', b'i', b'n', b't', b'D', b'a', b't', b'a', // name
            0x10, 0x07, 0, 0, 0, 0, 0, 0, // address 0x710
        ];
        let l = Link {
            name: String::from("PointData"),
            creation_order: Some(0),
            charset: CharacterSet::Ascii,
            target: LinkTarget::Hard { address: 0x710 },
        };
        assert_eq!(l.encode(S8), vtk);
        round_trip(&l);
    }

    #[test]
    fn encode_soft_utf8_and_the_other_examples() {
        // The decoder examples above, encoded back (the soft link with the
        // 1-byte name length libhdf5 picks for a 2-byte name).
        let soft = [
            1,    // version
            0x1c, // flags: 1-byte name length, creation order, link type, charset
            1,    // link type: soft
            5, 0, 0, 0, 0, 0, 0, 0, // creation order 5
            1, // charset: UTF-8
            2, // name length 2
            0xc3, 0xa9, // name "é"
            4, 0, // value length 4
            b'/', b'a', b'/', b'b', // "/a/b"
        ];
        let l = link(&soft).unwrap();
        assert_eq!(l.encode(S8), soft);
        let external = [
            1,    // version
            0x08, // flags: link type present
            64,   // link type: external
            1,    // name length
            b'x', // name
            10, 0, // value length 10
            0, // version 0, flags 0
            b'f', b'.', b'h', b'5', 0, // file "f.h5"
            b'/', b'g', b'/', 0, // path "/g/"
        ];
        let l = link(&external).unwrap();
        assert_eq!(l.encode(S8), external);
        round_trip(&l);
        round_trip(&Link {
            name: String::from("u"),
            creation_order: None,
            charset: CharacterSet::Ascii,
            target: LinkTarget::UserDefined {
                link_type: 200,
                data: vec![9, 8, 7],
            },
        });
    }

    #[test]
    fn encode_name_length_widths() {
        for (len, flags) in [(255, 0), (256, 1), (65535, 1), (65536, 2)] {
            let l = Link {
                name: "n".repeat(len),
                creation_order: None,
                charset: CharacterSet::Ascii,
                target: LinkTarget::Hard { address: 8 },
            };
            let bytes = l.encode(S8);
            assert_eq!(bytes[1], flags, "name of {len} bytes");
            round_trip(&l);
        }
    }

    proptest::proptest! {
        #[test]
        fn encode_decode_property(
            name in "\\PC{1,40}",
            order in proptest::option::of(proptest::num::u64::ANY),
            utf8 in proptest::bool::ANY,
            kind in 0u8..4,
            text in "[a-z/._]{0,30}",
            address in proptest::num::u64::ANY,
        ) {
            let target = match kind {
                0 => LinkTarget::Hard { address },
                1 => LinkTarget::Soft { path: text },
                2 => LinkTarget::External { file: text.clone(), path: text },
                _ => LinkTarget::UserDefined { link_type: 65 + (address % 191) as u8, data: text.into_bytes() },
            };
            let l = Link {
                name,
                creation_order: order,
                charset: if utf8 { CharacterSet::Utf8 } else { CharacterSet::Ascii },
                target,
            };
            let bytes = l.encode(S8);
            let mut c = Cursor::new(&bytes, 0, "link");
            proptest::prop_assert_eq!(decode(&mut c, S8).unwrap(), l);
            proptest::prop_assert_eq!(c.remaining(), 0);
        }
    }

    #[test]
    fn errors() {
        // Bad version.
        assert_eq!(
            link(&[2, 0, 1, b'a', 0, 0, 0, 0, 0, 0, 0, 0])
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        // Reserved flags.
        assert!(link(&[1, 0x20, 1, b'a']).is_err());
        // Reserved link type.
        assert!(link(&[1, 0x08, 5, 1, b'a', 0, 0]).is_err());
        // Name length 0 and past the end (8-byte length field).
        assert!(link(&[1, 0, 0]).is_err());
        let e = link(&[1, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, b'a']).unwrap_err();
        assert!(e.message().contains("link name"), "{}", e.message());
        // Truncated address.
        assert!(link(&[1, 0, 1, b'a', 0, 0, 0]).is_err());
        // External value without a second NUL, and with version 1.
        assert!(link(&[1, 8, 64, 1, b'x', 3, 0, 0, b'f', 0]).is_err());
        assert_eq!(
            link(&[1, 8, 64, 1, b'x', 5, 0, 0x10, b'f', 0, b'/', 0])
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
    }
}
