//! The object header continuation message (0x0010, spec IV.A.2.q).

use super::shared::{put_address, put_length};
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// A further block of header messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// Address of the continuation block.
    pub offset: u64,
    /// Length of the block in bytes.
    pub length: u64,
}

impl Continuation {
    /// Encodes the message: the block's address, then its length.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::from(sizes.offset) + usize::from(sizes.length));
        put_address(&mut out, sizes, self.offset);
        put_length(&mut out, sizes, self.length);
        out
    }
}

/// Decodes a continuation message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Continuation> {
    Ok(Continuation {
        offset: c.address(sizes)?,
        length: c.length(sizes)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_and_length() {
        let bytes = [
            0x00, 0x10, 0, 0, // offset 0x1000 (4-byte offsets)
            0x00, 0x02, // length 0x200 (2-byte lengths)
        ];
        let sizes = Sizes {
            offset: 4,
            length: 2,
        };
        let mut c = Cursor::new(&bytes, 0, "continuation");
        assert_eq!(
            decode(&mut c, sizes).unwrap(),
            Continuation {
                offset: 0x1000,
                length: 0x200
            }
        );
        assert!(decode(&mut Cursor::new(&bytes[..5], 0, "continuation"), sizes).is_err());
    }

    #[test]
    fn encode_matches_libhdf5_and_round_trips() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2), the
        // first continuation message of group /VTKHDF.
        let bytes = [
            0xd0, 0x09, 0, 0, 0, 0, 0, 0, // offset 0x9d0
            0x58, 0, 0, 0, 0, 0, 0, 0, // length 88
        ];
        let m = Continuation {
            offset: 0x9d0,
            length: 88,
        };
        assert_eq!(m.encode(Sizes::default()), bytes);
        let sizes = Sizes {
            offset: 4,
            length: 2,
        };
        let short = Continuation {
            offset: 0x1000,
            length: 0x200,
        };
        let enc = short.encode(sizes);
        assert_eq!(enc, [0x00, 0x10, 0, 0, 0x00, 0x02]);
        let mut c = Cursor::new(&enc, 0, "continuation");
        assert_eq!(decode(&mut c, sizes).unwrap(), short);
        assert_eq!(c.remaining(), 0);
    }
}
