//! The group info message (0x000A, spec IV.A.2.k), version 0.

use crate::error::Result;
use crate::format::Cursor;
use alloc::vec::Vec;

/// The only version of the message.
const VERSION: u8 = 0;
/// libhdf5's default "max compact" link count (`H5G_CRT_GINFO_MAX_COMPACT`).
const DEFAULT_MAX_COMPACT: u16 = 8;
/// libhdf5's default "min dense" link count (`H5G_CRT_GINFO_MIN_DENSE`).
const DEFAULT_MIN_DENSE: u16 = 6;
/// libhdf5's default estimated number of entries (`H5G_CRT_GINFO_EST_NUM_ENTRIES`).
const DEFAULT_ESTIMATED_ENTRIES: u16 = 4;
/// libhdf5's default estimated link name length (`H5G_CRT_GINFO_EST_NAME_LEN`).
const DEFAULT_ESTIMATED_NAME_LENGTH: u16 = 8;

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

impl GroupInfo {
    /// Encodes the message (version 0). A pair is stored when either of its
    /// fields is `Some`; a `None` beside it is written as libhdf5's default.
    /// All `None` gives the 2 bytes libhdf5 writes for default groups.
    pub fn encode(&self) -> Vec<u8> {
        let phase_change = self.max_compact.is_some() || self.min_dense.is_some();
        let estimates = self.estimated_entries.is_some() || self.estimated_name_length.is_some();
        let mut flags = 0;
        if phase_change {
            flags |= FLAG_PHASE_CHANGE;
        }
        if estimates {
            flags |= FLAG_ESTIMATES;
        }
        let mut out = Vec::with_capacity(10);
        out.push(VERSION);
        out.push(flags);
        if phase_change {
            let max_compact = self.max_compact.unwrap_or(DEFAULT_MAX_COMPACT);
            let min_dense = self.min_dense.unwrap_or(DEFAULT_MIN_DENSE);
            out.extend_from_slice(&max_compact.to_le_bytes());
            out.extend_from_slice(&min_dense.to_le_bytes());
        }
        if estimates {
            let entries = self.estimated_entries.unwrap_or(DEFAULT_ESTIMATED_ENTRIES);
            let name_length = self
                .estimated_name_length
                .unwrap_or(DEFAULT_ESTIMATED_NAME_LENGTH);
            out.extend_from_slice(&entries.to_le_bytes());
            out.extend_from_slice(&name_length.to_le_bytes());
        }
        out
    }
}

/// Decodes a group info message.
pub fn decode(c: &mut Cursor) -> Result<GroupInfo> {
    let version = c.u8()?;
    if version != VERSION {
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
    fn encode_matches_libhdf5_and_round_trips() {
        // /work/shared/corpus/vtkhdf/vtk/image2d.vtkhdf (VTK 9.7.2), group
        // /VTKHDF (the message is 8 bytes there: 6 of them object header padding).
        let vtk = [
            0, // version
            0, // flags: nothing stored, defaults apply
        ];
        let defaults = GroupInfo {
            max_compact: None,
            min_dense: None,
            estimated_entries: None,
            estimated_name_length: None,
        };
        assert_eq!(defaults.encode(), vtk);
        let all = GroupInfo {
            max_compact: Some(16),
            min_dense: Some(12),
            estimated_entries: Some(100),
            estimated_name_length: Some(20),
        };
        let only_estimates = GroupInfo {
            estimated_entries: Some(7),
            estimated_name_length: Some(3),
            ..defaults.clone()
        };
        for g in [defaults, all, only_estimates] {
            let enc = g.encode();
            let mut c = Cursor::new(&enc, 0, "group info");
            assert_eq!(decode(&mut c).unwrap(), g);
            assert_eq!(c.remaining(), 0);
        }
        // Half a pair is completed with libhdf5's default.
        let half = GroupInfo {
            max_compact: Some(32),
            min_dense: None,
            estimated_entries: None,
            estimated_name_length: None,
        };
        assert_eq!(half.encode(), [0, 1, 32, 0, 6, 0]);
    }

    #[test]
    fn errors() {
        let e = decode(&mut Cursor::new(&[1, 0], 0, "group info")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(decode(&mut Cursor::new(&[0, 8], 0, "group info")).is_err());
        assert!(decode(&mut Cursor::new(&[0, 1, 16, 0], 0, "group info")).is_err());
    }
}
