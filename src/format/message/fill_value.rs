//! The fill value messages: old (0x0004, spec IV.A.2.e) and new (0x0005,
//! spec IV.A.2.f, versions 1-3).

use crate::error::Result;
use crate::format::Cursor;
use alloc::vec::Vec;

/// Space allocation time: early (at dataset creation).
pub const ALLOC_TIME_EARLY: u8 = 1;
/// Space allocation time: late (when first written).
pub const ALLOC_TIME_LATE: u8 = 2;
/// Space allocation time: incremental (chunk by chunk).
pub const ALLOC_TIME_INCREMENTAL: u8 = 3;

/// Fill value write time: always, on allocation.
pub const FILL_TIME_ON_ALLOC: u8 = 0;
/// Fill value write time: never.
pub const FILL_TIME_NEVER: u8 = 1;
/// Fill value write time: only if the user set a fill value.
pub const FILL_TIME_IF_SET: u8 = 2;

/// The version written: what libhdf5 writes with libver "earliest" (and VTK).
const VERSION_WRITTEN: u8 = 2;

/// Version 3 flag bit: fill value explicitly undefined.
const FLAG_UNDEFINED: u8 = 0x10;
/// Version 3 flag bit: fill value defined (size and value follow).
const FLAG_DEFINED: u8 = 0x20;

/// A decoded fill value message (0x0005).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillValue {
    /// Message version (1, 2 or 3).
    pub version: u8,
    /// Space allocation time (`ALLOC_TIME_*`).
    pub alloc_time: u8,
    /// Fill value write time (`FILL_TIME_*`).
    pub fill_time: u8,
    /// The "fill value defined" field (version 3: flag bit 5).
    pub defined: bool,
    /// The stored value, when one is stored with a size above zero.
    pub value: Option<Vec<u8>>,
}

impl FillValue {
    /// Encodes the message as version 2, whatever `self.version` says:
    /// allocation time, fill write time, the "defined" byte, then, when
    /// defined, the value's size and bytes (size 0 when `value` is `None`,
    /// which is how libhdf5 stores the default fill value). A `value` with
    /// `defined` false is written as defined: version 2 cannot carry a value
    /// otherwise.
    ///
    /// # Panics
    ///
    /// If the value is longer than `i32::MAX` bytes (libhdf5 stores the size
    /// as a signed 32-bit integer).
    pub fn encode(&self) -> Vec<u8> {
        let defined = self.defined || self.value.is_some();
        let value = self.value.as_deref().unwrap_or(&[]);
        let mut out = Vec::with_capacity(8 + value.len());
        out.extend_from_slice(&[
            VERSION_WRITTEN,
            self.alloc_time,
            self.fill_time,
            u8::from(defined),
        ]);
        if defined {
            let size = i32::try_from(value.len()).expect("fill value over 2 GiB");
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(value);
        }
        out
    }
}

/// Reads a 4-byte size and that many bytes; a size of zero, or a negative one
/// (libhdf5 stores the size as a signed integer in versions 1 and 2), gives `None`.
fn size_and_value(c: &mut Cursor) -> Result<Option<Vec<u8>>> {
    let size = c.u32()?;
    if size == 0 || size > i32::MAX as u32 {
        return Ok(None);
    }
    Ok(Some(c.bytes(size as usize)?.to_vec()))
}

/// Decodes a fill value message (0x0005).
pub fn decode(c: &mut Cursor) -> Result<FillValue> {
    let version = c.u8()?;
    match version {
        1 | 2 => {
            let alloc_time = c.u8()?;
            let fill_time = c.u8()?;
            let defined = c.u8()? != 0;
            // Version 1 always stores the size; version 2 only when defined.
            let value = if version == 1 || defined {
                size_and_value(c)?
            } else {
                None
            };
            Ok(FillValue {
                version,
                alloc_time,
                fill_time,
                defined,
                value,
            })
        }
        3 => {
            let flags = c.u8()?;
            if flags & 0xc0 != 0 {
                return Err(c.error(format_args!(
                    "fill value flags {flags:#04x} set reserved bits 6-7"
                )));
            }
            if flags & FLAG_UNDEFINED != 0 && flags & FLAG_DEFINED != 0 {
                return Err(c.error(format_args!(
                    "fill value flags {flags:#04x} say both undefined and defined"
                )));
            }
            let defined = flags & FLAG_DEFINED != 0;
            let value = if defined { size_and_value(c)? } else { None };
            Ok(FillValue {
                version,
                alloc_time: flags & 0x03,
                fill_time: (flags >> 2) & 0x03,
                defined,
                value,
            })
        }
        other => Err(c.unsupported(format_args!(
            "fill value message version {other} (expected 1, 2 or 3)"
        ))),
    }
}

/// Decodes an old fill value message (0x0004): a 4-byte size, then the value.
pub fn decode_old(c: &mut Cursor) -> Result<Vec<u8>> {
    let size = c.u32()?;
    Ok(c.bytes(size as usize)?.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    #[test]
    fn version_2_defined() {
        // As written by libhdf5 with libver "earliest" for fillvalue=7.5 (f64).
        let bytes = [
            2, // version
            3, // alloc time: incremental
            2, // fill time: if set
            1, // defined
            8, 0, 0, 0, // size 8
            0, 0, 0, 0, 0, 0, 0x1e, 0x40, // 7.5
        ];
        let mut c = Cursor::new(&bytes, 0, "fill value");
        let f = decode(&mut c).unwrap();
        assert_eq!(
            f,
            FillValue {
                version: 2,
                alloc_time: ALLOC_TIME_INCREMENTAL,
                fill_time: FILL_TIME_IF_SET,
                defined: true,
                value: Some(7.5f64.to_le_bytes().to_vec()),
            }
        );
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_2_undefined_has_no_size() {
        let bytes = [
            2, // version
            2, // alloc time: late
            0, // fill time: on alloc
            0, // not defined: nothing follows
        ];
        let f = decode(&mut Cursor::new(&bytes, 0, "fill value")).unwrap();
        assert!(!f.defined);
        assert_eq!(f.value, None);
    }

    #[test]
    fn version_1_always_has_a_size() {
        let bytes = [
            1, // version
            1, // alloc time: early
            1, // fill time: never
            0, // not defined
            0, 0, 0, 0, // size 0
        ];
        let mut c = Cursor::new(&bytes, 0, "fill value");
        let f = decode(&mut c).unwrap();
        assert_eq!(f.value, None);
        assert_eq!(c.remaining(), 0);
        let negative = [
            1, 1, 1, 0, // version 1, early, never, undefined
            0xff, 0xff, 0xff, 0xff, // size -1
        ];
        let f = decode(&mut Cursor::new(&negative, 0, "fill value")).unwrap();
        assert_eq!(f.value, None);
    }

    #[test]
    fn version_3() {
        // As written by libhdf5 with libver "latest" for fillvalue=7.5 (f64).
        let bytes = [
            3,    // version
            0x2a, // flags: alloc late (2), fill time if set (2 << 2), defined (bit 5)
            8, 0, 0, 0, // size 8
            0, 0, 0, 0, 0, 0, 0x1e, 0x40, // 7.5
        ];
        let mut c = Cursor::new(&bytes, 0, "fill value");
        let f = decode(&mut c).unwrap();
        assert_eq!(f.alloc_time, ALLOC_TIME_LATE);
        assert_eq!(f.fill_time, FILL_TIME_IF_SET);
        assert!(f.defined);
        assert_eq!(f.value, Some(vec![0, 0, 0, 0, 0, 0, 0x1e, 0x40]));
        assert_eq!(c.remaining(), 0);

        let default = [
            3,    // version
            0x05, // flags: alloc early (1), fill time never (1 << 2)
        ];
        let f = decode(&mut Cursor::new(&default, 0, "fill value")).unwrap();
        assert_eq!(f.alloc_time, ALLOC_TIME_EARLY);
        assert_eq!(f.fill_time, FILL_TIME_NEVER);
        assert!(!f.defined);
        assert_eq!(f.value, None);
    }

    #[test]
    fn encode_matches_vtk_and_h5py() {
        // /work/shared/corpus/vtkhdf/vtk/temporal_ug.vtkhdf (VTK 9.7.2),
        // dataset /VTKHDF/Points (chunked): the default fill value.
        let vtk = [
            2, // version
            3, // alloc time: incremental
            2, // fill time: if set
            1, // defined (the default value)
            0, 0, 0, 0, // size 0: the default, zeros
        ];
        let f = FillValue {
            version: 2,
            alloc_time: ALLOC_TIME_INCREMENTAL,
            fill_time: FILL_TIME_IF_SET,
            defined: true,
            value: None,
        };
        assert_eq!(f.encode(), vtk);
        let mut c = Cursor::new(&vtk, 0, "fill value");
        assert_eq!(decode(&mut c).unwrap(), f);
        // The version 2 example above (libhdf5 "earliest", fillvalue=7.5).
        let bytes = [
            2, // version
            3, // alloc time: incremental
            2, // fill time: if set
            1, // defined
            8, 0, 0, 0, // size 8
            0, 0, 0, 0, 0, 0, 0x1e, 0x40, // 7.5
        ];
        let f = FillValue {
            value: Some(7.5f64.to_le_bytes().to_vec()),
            ..f
        };
        assert_eq!(f.encode(), bytes);
    }

    #[test]
    fn encode_round_trips_and_writes_version_2() {
        let undefined = FillValue {
            version: 2,
            alloc_time: ALLOC_TIME_LATE,
            fill_time: FILL_TIME_NEVER,
            defined: false,
            value: None,
        };
        assert_eq!(undefined.encode(), [2, 2, 1, 0]);
        let early = FillValue {
            alloc_time: ALLOC_TIME_EARLY,
            fill_time: FILL_TIME_ON_ALLOC,
            defined: true,
            value: Some(vec![1, 2, 3]),
            ..undefined.clone()
        };
        for f in [undefined, early] {
            let bytes = f.encode();
            let mut c = Cursor::new(&bytes, 0, "fill value");
            assert_eq!(decode(&mut c).unwrap(), f);
            assert_eq!(c.remaining(), 0);
        }
        // A version 3 message is written as version 2; a value forces "defined".
        let v3 = FillValue {
            version: 3,
            alloc_time: ALLOC_TIME_LATE,
            fill_time: FILL_TIME_IF_SET,
            defined: false,
            value: Some(vec![9]),
        };
        assert_eq!(v3.encode(), [2, 2, 2, 1, 1, 0, 0, 0, 9]);
    }

    #[test]
    fn errors() {
        // Bad version.
        let e = decode(&mut Cursor::new(&[4, 0], 0, "fill value")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // Reserved flag bits, and both undefined and defined.
        assert!(decode(&mut Cursor::new(&[3, 0x40], 0, "fill value")).is_err());
        assert!(decode(&mut Cursor::new(&[3, 0x30, 0, 0, 0, 0], 0, "fill value")).is_err());
        // Value shorter than its size.
        let bytes = [3, 0x20, 8, 0, 0, 0, 1, 2];
        assert!(decode(&mut Cursor::new(&bytes, 0, "fill value")).is_err());
        // Truncated version 2 header.
        assert!(decode(&mut Cursor::new(&[2, 1], 0, "fill value")).is_err());
    }

    #[test]
    fn old_message() {
        let bytes = [
            4, 0, 0, 0, // size 4
            1, 2, 3, 4, // value
        ];
        let mut c = Cursor::new(&bytes, 0, "fill value (old)");
        assert_eq!(decode_old(&mut c).unwrap(), vec![1, 2, 3, 4]);
        let short = [8, 0, 0, 0, 1, 2];
        assert!(decode_old(&mut Cursor::new(&short, 0, "fill value (old)")).is_err());
    }
}
