//! The shared message table message (0x000F, spec IV.A.2.p), version 0.
//! Found only in the superblock extension.

use crate::error::Result;
use crate::format::{Cursor, Sizes};

/// Where the shared object header message (SOHM) master table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedMessageTableInfo {
    /// Message version (0).
    pub version: u8,
    /// Address of the master table (`SMTB`).
    pub table_address: u64,
    /// Number of indexes in the master table.
    pub num_indices: u8,
}

/// Decodes a shared message table message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<SharedMessageTableInfo> {
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!(
            "shared message table message version {version} (expected 0)"
        )));
    }
    Ok(SharedMessageTableInfo {
        version,
        table_address: c.address(sizes)?,
        num_indices: c.u8()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn decodes_and_rejects_bad_input() {
        let bytes = [
            0, // version
            0x30, 0x01, 0, 0, 0, 0, 0, 0, // table address 0x130
            2, // 2 indices
        ];
        let mut c = Cursor::new(&bytes, 0, "shared message table");
        assert_eq!(
            decode(&mut c, Sizes::default()).unwrap(),
            SharedMessageTableInfo {
                version: 0,
                table_address: 0x130,
                num_indices: 2
            }
        );
        assert_eq!(c.remaining(), 0);
        let e = decode(&mut Cursor::new(&[1], 0, "t"), Sizes::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(decode(&mut Cursor::new(&bytes[..9], 0, "t"), Sizes::default()).is_err());
    }
}
