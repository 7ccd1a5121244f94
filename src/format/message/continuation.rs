//! The object header continuation message (0x0010, spec IV.A.2.q).

use crate::error::Result;
use crate::format::{Cursor, Sizes};

/// A further block of header messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// Address of the continuation block.
    pub offset: u64,
    /// Length of the block in bytes.
    pub length: u64,
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
}
