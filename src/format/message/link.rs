//! The link message (0x0006, spec IV.A.2.g), version 1.
//!
//! Stored in a group's object header (compact storage) or as a record in the
//! group's fractal heap (dense storage).

use super::datatype::CharacterSet;
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::string::String;
use alloc::vec::Vec;

/// Link type code of a soft link.
const TYPE_SOFT: u8 = 1;
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

/// Decodes a link message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Link> {
    let version = c.u8()?;
    if version != 1 {
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
        0
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
        0 => LinkTarget::Hard {
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
            if ext_version != 0 {
                return Err(value.unsupported(format_args!(
                    "external link version {ext_version} (expected 0)"
                )));
            }
            let file = String::from_utf8_lossy(value.cstr()?).into_owned();
            let path = String::from_utf8_lossy(value.cstr()?).into_owned();
            LinkTarget::External { file, path }
        }
        t if t >= 65 => {
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
