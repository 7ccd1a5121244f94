//! The filter pipeline message (0x000B, spec IV.A.2.l), versions 1 and 2.

use super::{check_count, lossy_until_nul};
use crate::error::Result;
use crate::format::Cursor;
use alloc::string::String;
use alloc::vec::Vec;

/// Most filters a pipeline may hold (spec: "The maximum possible number of
/// filters in a message is 32").
const MAX_FILTERS: u8 = 32;

/// Filter flag bit 0: the filter is optional (may be skipped on failure).
pub const FLAG_OPTIONAL: u16 = 0x0001;

/// Version 1: names and client data padded; what libhdf5 writes with libver
/// "earliest" (and VTK).
const VERSION_1: u8 = 1;
/// Version 2: no names for the predefined filters, no padding.
const VERSION_2: u8 = 2;
/// Filter ids from here on are not predefined, and keep their name in version 2.
const FIRST_UNRESERVED_ID: u16 = 256;

/// The name libhdf5 (or, for lzf, h5py) registers for a filter id, which it
/// writes in version 1 messages when the pipeline entry has no name of its own.
fn registered_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "deflate",
        2 => "shuffle",
        3 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        32000 => "lzf",
        _ => return None,
    })
}

/// The filters applied, in order, to each chunk on write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPipeline {
    /// Filters in application order (reverse them to decode).
    pub filters: Vec<FilterDescription>,
}

/// One filter of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterDescription {
    /// Filter identifier (1 deflate, 2 shuffle, 3 fletcher32, 4 szip, ...).
    pub id: u16,
    /// Optional name (never stored for ids below 256 in version 2).
    pub name: Option<String>,
    /// Flags; bit 0 ([`FLAG_OPTIONAL`]) marks an optional filter.
    pub flags: u16,
    /// Client data values passed to the filter.
    pub client_data: Vec<u32>,
}

impl FilterPipeline {
    /// Encodes the message as version 1, what libhdf5 with libver "earliest"
    /// and VTK write: each filter's name NUL-terminated and padded to 8 bytes
    /// (the registered name, e.g. "deflate", when `name` is `None`; no name
    /// for an unknown id), and its client data padded to an even count.
    ///
    /// # Panics
    ///
    /// With more than 32 filters, more than 65535 client data values, or a
    /// name over 65528 bytes: a pipeline libhdf5 itself cannot make.
    pub fn encode(&self) -> Vec<u8> {
        assert!(
            self.filters.len() <= usize::from(MAX_FILTERS),
            "{} filters in a pipeline (at most {MAX_FILTERS})",
            self.filters.len()
        );
        let mut out = Vec::new();
        out.push(VERSION_1);
        out.push(self.filters.len() as u8);
        out.extend_from_slice(&[0; 6]); // reserved
        for f in &self.filters {
            let name = f.name.as_deref().or_else(|| registered_name(f.id));
            // The stored length counts the NUL and the padding.
            let name_len = name.map_or(0, |n| (n.len() + 1).div_ceil(8) * 8);
            let name_len = u16::try_from(name_len).expect("filter name over 65528 bytes");
            let n_values =
                u16::try_from(f.client_data.len()).expect("over 65535 filter client data values");
            out.extend_from_slice(&f.id.to_le_bytes());
            out.extend_from_slice(&name_len.to_le_bytes());
            out.extend_from_slice(&f.flags.to_le_bytes());
            out.extend_from_slice(&n_values.to_le_bytes());
            if let Some(name) = name {
                let start = out.len();
                out.extend_from_slice(name.as_bytes());
                out.resize(start + usize::from(name_len), 0);
            }
            for v in &f.client_data {
                out.extend_from_slice(&v.to_le_bytes());
            }
            if n_values % 2 == 1 {
                out.extend_from_slice(&[0; 4]);
            }
        }
        out
    }
}

/// Decodes a filter pipeline message.
pub fn decode(c: &mut Cursor) -> Result<FilterPipeline> {
    let version = c.u8()?;
    if version != VERSION_1 && version != VERSION_2 {
        return Err(c.unsupported(format_args!(
            "filter pipeline message version {version} (expected 1 or 2)"
        )));
    }
    let count = c.u8()?;
    if count > MAX_FILTERS {
        return Err(c.error(format_args!(
            "{count} filters in a pipeline (at most {MAX_FILTERS})"
        )));
    }
    if version == VERSION_1 {
        c.skip(6)?; // reserved
    }
    // Every filter description has at least id, flags and client data count.
    check_count(c, u64::from(count), 6, "filter descriptions")?;
    let mut filters = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let id = c.u16()?;
        // Version 2 stores no name (length) for the predefined filters.
        let name_len = if version == VERSION_1 || id >= FIRST_UNRESERVED_ID {
            c.u16()?
        } else {
            0
        };
        let flags = c.u16()?;
        let n_values = c.u16()?;
        let name = if name_len > 0 {
            // In version 1 the length already includes padding to 8 bytes.
            Some(lossy_until_nul(c.bytes(usize::from(name_len))?))
        } else {
            None
        };
        check_count(c, u64::from(n_values), 4, "filter client data values")?;
        let mut client_data = Vec::with_capacity(usize::from(n_values));
        for _ in 0..n_values {
            client_data.push(c.u32()?);
        }
        if version == VERSION_1 && n_values % 2 == 1 {
            c.skip(4)?; // padding to an even number of values
        }
        filters.push(FilterDescription {
            id,
            name,
            flags,
            client_data,
        });
    }
    Ok(FilterPipeline { filters })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    #[test]
    fn version_1_shuffle_and_deflate() {
        let bytes = [
            1, // version
            2, // 2 filters
            0, 0, 0, 0, 0, 0, // reserved
            // shuffle
            2, 0, // id 2
            8, 0, // name length 8
            1, 0, // flags: optional
            1, 0, // 1 client value
            b's', b'h', b'u', b'f', b'f', b'l', b'e', 0, // name
            4, 0, 0, 0, // client data: element size 4
            0, 0, 0, 0, // padding (odd count)
            // deflate
            1, 0, // id 1
            0, 0, // no name
            0, 0, // flags
            2, 0, // 2 client values
            6, 0, 0, 0, // level 6
            7, 0, 0, 0, // (extra value, even count: no padding)
        ];
        let mut c = Cursor::new(&bytes, 0, "filter pipeline");
        let p = decode(&mut c).unwrap();
        assert_eq!(
            p.filters,
            vec![
                FilterDescription {
                    id: 2,
                    name: Some(String::from("shuffle")),
                    flags: FLAG_OPTIONAL,
                    client_data: vec![4],
                },
                FilterDescription {
                    id: 1,
                    name: None,
                    flags: 0,
                    client_data: vec![6, 7],
                },
            ]
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_2_names_only_for_ids_from_256() {
        let bytes = [
            2, // version
            2, // 2 filters
            // deflate: no name length field
            1, 0, // id 1
            0, 0, // flags
            1, 0, // 1 client value
            4, 0, 0, 0, // level 4 (no padding in version 2)
            // a third-party filter (id 32001, blosc) with a name
            0x01, 0x7d, // id 32001
            6, 0, // name length 6 (unpadded)
            1, 0, // flags: optional
            0, 0, // no client values
            b'b', b'l', b'o', b's', b'c', 0, // name
        ];
        let mut c = Cursor::new(&bytes, 0, "filter pipeline");
        let p = decode(&mut c).unwrap();
        assert_eq!(p.filters[0].id, 1);
        assert_eq!(p.filters[0].name, None);
        assert_eq!(p.filters[0].client_data, vec![4]);
        assert_eq!(p.filters[1].id, 32001);
        assert_eq!(p.filters[1].name.as_deref(), Some("blosc"));
        assert_eq!(c.remaining(), 0);
    }

    fn filter(id: u16, name: Option<&str>, flags: u16, client_data: &[u32]) -> FilterDescription {
        FilterDescription {
            id,
            name: name.map(String::from),
            flags,
            client_data: client_data.to_vec(),
        }
    }

    #[test]
    fn encode_matches_vtk_and_h5py_earliest() {
        // /work/shared/corpus/vtkhdf/vtk/unstructured_deflate4.vtkhdf (VTK 9.7.2).
        let vtk_deflate = [
            1, // version
            1, // 1 filter
            0, 0, 0, 0, 0, 0, // reserved
            1, 0, // id 1
            8, 0, // name length 8
            1, 0, // flags: optional
            1, 0, // 1 client value
            b'd', b'e', b'f', b'l', b'a', b't', b'e', 0, // name
            4, 0, 0, 0, // level 4
            0, 0, 0, 0, // padding (odd count)
        ];
        let p = FilterPipeline {
            filters: vec![filter(1, None, FLAG_OPTIONAL, &[4])],
        };
        assert_eq!(p.encode(), vtk_deflate);
        // tests/golden/files/layouts_earliest.h5 (h5py, libver "earliest").
        let fletcher32 = [
            1, // version
            1, // 1 filter
            0, 0, 0, 0, 0, 0, // reserved
            3, 0, // id 3
            16, 0, // name length 16
            0, 0, // flags: mandatory
            0, 0, // no client values
            b'f', b'l', b'e', b't', b'c', b'h', b'e', b'r', // name ...
            b'3', b'2', 0, 0, 0, 0, 0, 0, // ... NUL, padded to 16
        ];
        let p = FilterPipeline {
            filters: vec![filter(3, None, 0, &[])],
        };
        assert_eq!(p.encode(), fletcher32);
        let shuffle = [
            1, // version
            1, // 1 filter
            0, 0, 0, 0, 0, 0, // reserved
            2, 0, // id 2
            8, 0, // name length 8
            1, 0, // flags: optional
            1, 0, // 1 client value
            b's', b'h', b'u', b'f', b'f', b'l', b'e', 0, // name
            8, 0, 0, 0, // element size 8
            0, 0, 0, 0, // padding
        ];
        let p = FilterPipeline {
            filters: vec![filter(2, Some("shuffle"), FLAG_OPTIONAL, &[8])],
        };
        assert_eq!(p.encode(), shuffle);
    }

    #[test]
    fn encode_round_trips() {
        let p = FilterPipeline {
            filters: vec![
                filter(2, Some("shuffle"), FLAG_OPTIONAL, &[4]),
                filter(32000, Some("lzf"), FLAG_OPTIONAL, &[4, 5, 400]),
                filter(1, Some("deflate"), FLAG_OPTIONAL, &[6, 7]),
                filter(32001, None, 0, &[]),
                filter(300, Some("a name of 16 chr"), 0, &[1]),
            ],
        };
        let bytes = p.encode();
        let mut c = Cursor::new(&bytes, 0, "filter pipeline");
        assert_eq!(decode(&mut c).unwrap(), p);
        assert_eq!(c.remaining(), 0);
        // lzf gets its registered name; an unregistered id none.
        let p = FilterPipeline {
            filters: vec![filter(32000, None, 0, &[])],
        };
        assert_eq!(p.encode()[10..12], [8, 0]);
        assert_eq!(p.encode()[16..20], *b"lzf\0");
        let p = FilterPipeline { filters: vec![] };
        assert_eq!(p.encode(), [1, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn errors() {
        // Bad version.
        let e = decode(&mut Cursor::new(&[3, 0], 0, "filter pipeline")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // Too many filters.
        assert!(decode(&mut Cursor::new(&[2, 33], 0, "filter pipeline")).is_err());
        // Filter count past the end.
        assert!(decode(&mut Cursor::new(&[2, 3, 1, 0, 0, 0], 0, "filter pipeline")).is_err());
        // Client data count past the end.
        let bytes = [
            2, 1, // version 2, 1 filter
            1, 0, // id 1
            0, 0, // flags
            0xff, 0xff, // 65535 client values
            1, 0, 0, 0, // only one present
        ];
        let e = decode(&mut Cursor::new(&bytes, 0, "filter pipeline")).unwrap_err();
        assert!(e.message().contains("65535"), "{}", e.message());
        // Missing version 1 padding.
        let bytes = [
            1, 1, 0, 0, 0, 0, 0, 0, // version 1, 1 filter, reserved
            2, 0, 0, 0, 0, 0, 1, 0, // shuffle, no name, 1 value
            4, 0, 0, 0, // value, padding missing
        ];
        assert!(decode(&mut Cursor::new(&bytes, 0, "filter pipeline")).is_err());
    }
}
