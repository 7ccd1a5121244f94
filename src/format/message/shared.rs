//! The shared message encoding (spec IV.A.2, "Shared Message", versions 1-3).
//!
//! Used in place of a message body when the message flags say "shared", and
//! for the datatype/dataspace of an attribute whose flags say so.

use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// Where the real message lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedMessage {
    /// In another object's header (a committed message, e.g. a named datatype).
    ObjectHeader {
        /// Address of that object header.
        address: u64,
    },
    /// In the file's shared object header message heap (a fractal heap).
    Heap {
        /// Fractal heap ID of the message.
        heap_id: [u8; 8],
    },
}

/// Shared message location type "in the SOHM heap" (version 3).
const TYPE_HEAP: u8 = 1;
/// Shared message location type "in another object header" (version 3).
const TYPE_COMMITTED: u8 = 2;

/// Shared message version written for a committed message: libhdf5 never
/// writes version 1 any more, and version 2 is what every 1.8+ reader takes.
const VERSION_COMMITTED: u8 = 2;
/// Shared message version written for a message in the SOHM heap (version 3
/// is the only one that can say so).
const VERSION_HEAP: u8 = 3;

/// Appends the low `width` bytes of `value`, little-endian. All ones
/// ([`UNDEFINED`](crate::format::UNDEFINED), `UNLIMITED`) stays all ones at
/// any width. Used by every message encoder for addresses and lengths.
pub(crate) fn put_uint(out: &mut Vec<u8>, value: u64, width: u8) {
    let bytes = value.to_le_bytes();
    let width = usize::from(width).min(bytes.len());
    debug_assert!(
        value == u64::MAX || width == 8 || value >> (8 * width) == 0,
        "{value:#x} does not fit in {width} bytes"
    );
    out.extend_from_slice(bytes.get(..width).unwrap_or(&bytes));
}

/// Appends an address of "size of offsets" bytes.
pub(crate) fn put_address(out: &mut Vec<u8>, sizes: Sizes, address: u64) {
    put_uint(out, address, sizes.offset);
}

/// Appends a length of "size of lengths" bytes.
pub(crate) fn put_length(out: &mut Vec<u8>, sizes: Sizes, length: u64) {
    put_uint(out, length, sizes.length);
}

impl SharedMessage {
    /// Encodes the shared message as libhdf5 1.8+ writes it: version 2
    /// (type byte 2, "committed") for a message in another object header,
    /// version 3 (type 1) for one in the SOHM heap.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + 8);
        match self {
            SharedMessage::ObjectHeader { address } => {
                out.push(VERSION_COMMITTED);
                // Versions 1 and 2 have one meaning for this byte, but
                // libhdf5 writes the version 3 code there.
                out.push(TYPE_COMMITTED);
                put_address(&mut out, sizes, *address);
            }
            SharedMessage::Heap { heap_id } => {
                out.push(VERSION_HEAP);
                out.push(TYPE_HEAP);
                out.extend_from_slice(heap_id);
            }
        }
        out
    }
}

/// Decodes a shared message, versions 1, 2 and 3.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<SharedMessage> {
    let version = c.u8()?;
    match version {
        1 => {
            // Type (always "committed"), 2 + 4 reserved bytes, then the
            // object's location as libhdf5 1.4-1.6 encoded it: the
            // symbol-table-entry form, a link name offset (size of lengths)
            // before the object header address.
            c.skip(7)?;
            c.skip(usize::from(sizes.length))?;
            Ok(SharedMessage::ObjectHeader {
                address: c.address(sizes)?,
            })
        }
        VERSION_COMMITTED => {
            // Before version 3 the type byte has only one meaning: committed.
            c.skip(1)?;
            Ok(SharedMessage::ObjectHeader {
                address: c.address(sizes)?,
            })
        }
        VERSION_HEAP => match c.u8()? {
            TYPE_HEAP => {
                let raw = c.bytes(8)?;
                let mut heap_id = [0u8; 8];
                heap_id.copy_from_slice(raw);
                Ok(SharedMessage::Heap { heap_id })
            }
            TYPE_COMMITTED => Ok(SharedMessage::ObjectHeader {
                address: c.address(sizes)?,
            }),
            other => Err(c.error(format_args!(
                "shared message type {other} is not a shared location (expected 1 or 2)"
            ))),
        },
        other => Err(c.unsupported(format_args!(
            "shared message version {other} (expected 1, 2 or 3)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    #[test]
    fn version_1_address() {
        let bytes = [
            1, // version
            0, // type
            0, 0, // reserved
            0, 0, 0, 0, // reserved
            16, 0, 0, 0, 0, 0, 0, 0, // link name offset (unused)
            0x20, 0x01, 0, 0, 0, 0, 0, 0, // object header address 0x120
        ];
        let mut c = Cursor::new(&bytes, 0, "shared");
        assert_eq!(
            decode(&mut c, S8).unwrap(),
            SharedMessage::ObjectHeader { address: 0x120 }
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_2_address_with_4_byte_offsets() {
        let bytes = [
            2, // version
            0, // type
            0x40, 0, 0, 0, // address 0x40 (size of offsets 4)
        ];
        let mut c = Cursor::new(&bytes, 0, "shared");
        let sizes = Sizes {
            offset: 4,
            length: 4,
        };
        assert_eq!(
            decode(&mut c, sizes).unwrap(),
            SharedMessage::ObjectHeader { address: 0x40 }
        );
    }

    #[test]
    fn version_3_heap_and_committed() {
        let heap = [
            3, // version
            1, // type: SOHM heap
            1, 2, 3, 4, 5, 6, 7, 8, // heap ID
        ];
        let mut c = Cursor::new(&heap, 0, "shared");
        assert_eq!(
            decode(&mut c, S8).unwrap(),
            SharedMessage::Heap {
                heap_id: [1, 2, 3, 4, 5, 6, 7, 8]
            }
        );
        let committed = [
            3, // version
            2, // type: committed
            0x10, 0, 0, 0, 0, 0, 0, 0, // address
        ];
        let mut c = Cursor::new(&committed, 0, "shared");
        assert_eq!(
            decode(&mut c, S8).unwrap(),
            SharedMessage::ObjectHeader { address: 0x10 }
        );
    }

    #[test]
    fn encode_committed_as_libhdf5_writes_it() {
        // tests/golden/files/groups_earliest.h5 (h5py, libver "earliest"):
        // the datatype message of a dataset using a committed datatype.
        let bytes = [
            2, // version
            2, // type: committed
            0x8b, 0x22, 0x01, 0, 0, 0, 0, 0, // object header address 0x1228b
        ];
        let m = SharedMessage::ObjectHeader { address: 0x1228b };
        assert_eq!(m.encode(S8), bytes);
        let mut c = Cursor::new(&bytes, 0, "shared");
        assert_eq!(decode(&mut c, S8).unwrap(), m);
    }

    #[test]
    fn encode_round_trips() {
        let sizes4 = Sizes {
            offset: 4,
            length: 4,
        };
        for sizes in [S8, sizes4] {
            for m in [
                SharedMessage::ObjectHeader { address: 0x40 },
                SharedMessage::ObjectHeader {
                    address: crate::format::UNDEFINED,
                },
                SharedMessage::Heap {
                    heap_id: [1, 2, 3, 4, 5, 6, 7, 8],
                },
            ] {
                let bytes = m.encode(sizes);
                let mut c = Cursor::new(&bytes, 0, "shared");
                assert_eq!(decode(&mut c, sizes).unwrap(), m);
                assert_eq!(c.remaining(), 0);
            }
        }
        assert_eq!(
            SharedMessage::Heap { heap_id: [9; 8] }.encode(S8),
            [3, 1, 9, 9, 9, 9, 9, 9, 9, 9]
        );
    }

    #[test]
    fn put_uint_widths() {
        let mut v = Vec::new();
        put_uint(&mut v, 0x0102, 2);
        put_uint(&mut v, u64::MAX, 4);
        put_uint(&mut v, 7, 8);
        assert_eq!(v, [2, 1, 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn errors() {
        // Unknown version.
        let mut c = Cursor::new(&[4, 2, 0, 0], 0, "shared");
        assert_eq!(
            decode(&mut c, S8).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        // Version 3 type 0 means "not shared".
        let mut c = Cursor::new(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "shared");
        assert_eq!(decode(&mut c, S8).unwrap_err().kind(), ErrorKind::Malformed);
        // Truncated heap ID.
        let mut c = Cursor::new(&[3, 1, 1, 2, 3], 0, "shared");
        assert!(decode(&mut c, S8).is_err());
        // Truncated address.
        let mut c = Cursor::new(&[2, 0, 1, 2, 3], 0, "shared");
        assert!(decode(&mut c, S8).is_err());
    }
}
