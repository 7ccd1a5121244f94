//! The group info message (0x000A, spec IV.A.2.k), version 0.

use crate::error::Result;
use crate::format::Cursor;

/// Flag bit 0: link phase change values are stored.
const FLAG_PHASE_CHANGE: u8 = 0x01;
/// Flag bit 1: estimated entry information is stored.
const FLAG_ESTIMATES: u8 = 0x02;

/// Constants of a new-style group; `None` fields take libhdf5's defaults
/// (max compact 8, min dense 6, 4 entries, name length 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// Most links stored compactly before switching to dense storage.
    pub max_compact: Option<u16>,
    /// Fewest links stored densely before switching back to compact.
    pub min_dense: Option<u16>,
    /// Estimated number of entries.
    pub estimated_entries: Option<u16>,
    /// Estimated length of link names.
    pub estimated_name_length: Option<u16>,
}

/// Decodes a group info message.
pub fn decode(c: &mut Cursor) -> Result<GroupInfo> {
    let version = c.u8()?;
    if version != 0 {
        return Err(c.unsupported(format_args!(
            "group info message version {version} (expected 0)"
        )));
    }
    let flags = c.u8()?;
    if flags & !(FLAG_PHASE_CHANGE | FLAG_ESTIMATES) != 0 {
        return Err(c.error(format_args!(
            "group info flags {flags:#04x} set reserved bits 2-7"
        )));
    }
    let (max_compact, min_dense) = if flags & FLAG_PHASE_CHANGE != 0 {
        (Some(c.u16()?), Some(c.u16()?))
    } else {
        (None, None)
    };
    let (estimated_entries, estimated_name_length) = if flags & FLAG_ESTIMATES != 0 {
        (Some(c.u16()?), Some(c.u16()?))
    } else {
        (None, None)
    };
    Ok(GroupInfo {
        max_compact,
        min_dense,
        estimated_entries,
        estimated_name_length,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn defaults_and_all_fields() {
        let none = [
            0, // version
            0, // flags
        ];
        let g = decode(&mut Cursor::new(&none, 0, "group info")).unwrap();
        assert_eq!(
            g,
            GroupInfo {
                max_compact: None,
                min_dense: None,
                estimated_entries: None,
                estimated_name_length: None
            }
        );
        let all = [
            0, // version
            3, // flags: phase change and estimates
            16, 0, // max compact 16
            12, 0, // min dense 12
            100, 0, // estimated entries 100
            20, 0, // estimated name length 20
        ];
        let mut c = Cursor::new(&all, 0, "group info");
        let g = decode(&mut c).unwrap();
        assert_eq!(g.max_compact, Some(16));
        assert_eq!(g.min_dense, Some(12));
        assert_eq!(g.estimated_entries, Some(100));
        assert_eq!(g.estimated_name_length, Some(20));
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn errors() {
        let e = decode(&mut Cursor::new(&[1, 0], 0, "group info")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(decode(&mut Cursor::new(&[0, 8], 0, "group info")).is_err());
        assert!(decode(&mut Cursor::new(&[0, 1, 16, 0], 0, "group info")).is_err());
    }
}
