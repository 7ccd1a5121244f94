//! Object header messages (spec IV.A.2), one module per message.
//!
//! Each module decodes one message body from a [`Cursor`] over exactly that
//! body; the object header layer finds the bodies and their types.

use crate::error::Result;
use crate::format::Cursor;
use alloc::string::String;

pub mod attribute;
pub mod attribute_info;
pub mod continuation;
pub mod dataspace;
pub mod datatype;
pub mod fill_value;
pub mod filter_pipeline;
pub mod group_info;
pub mod layout;
pub mod link;
pub mod link_info;
pub mod shared;
pub mod shared_message_table;
pub mod symbol_table;

pub use continuation::Continuation;
pub use shared_message_table::SharedMessageTableInfo;

/// Header message type codes (spec IV.A.2.a-w), with the raw value kept for
/// codes this crate does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// 0x0000: ignored padding.
    Nil,
    /// 0x0001: rank and dimensions.
    Dataspace,
    /// 0x0002: state of a new-style group's links.
    LinkInfo,
    /// 0x0003: element type.
    Datatype,
    /// 0x0004: fill value, pre-1.6 form.
    FillValueOld,
    /// 0x0005: fill value.
    FillValue,
    /// 0x0006: one link of a new-style group.
    Link,
    /// 0x0007: raw data in external files.
    ExternalFileList,
    /// 0x0008: where the raw data is stored.
    Layout,
    /// 0x0009: testing only.
    Bogus,
    /// 0x000A: constants of a new-style group.
    GroupInfo,
    /// 0x000B: filters applied to chunks.
    FilterPipeline,
    /// 0x000C: one attribute.
    Attribute,
    /// 0x000D: object comment.
    Comment,
    /// 0x000E: modification time, pre-1.6 form.
    ModificationTimeOld,
    /// 0x000F: shared message table (superblock extension only).
    SharedMessageTable,
    /// 0x0010: further header messages elsewhere.
    Continuation,
    /// 0x0011: old-style group B-tree and heap.
    SymbolTable,
    /// 0x0012: modification time.
    ModificationTime,
    /// 0x0013: B-tree K values (superblock extension only).
    BTreeK,
    /// 0x0014: file driver info (superblock extension only).
    DriverInfo,
    /// 0x0015: dense attribute storage.
    AttributeInfo,
    /// 0x0016: object reference count.
    RefCount,
    /// Any other code (e.g. 0x0017 file space info), carried as read.
    Unknown(u16),
}

impl MessageType {
    /// The type for an on-disk code.
    pub fn from_u16(code: u16) -> Self {
        match code {
            0x0000 => Self::Nil,
            0x0001 => Self::Dataspace,
            0x0002 => Self::LinkInfo,
            0x0003 => Self::Datatype,
            0x0004 => Self::FillValueOld,
            0x0005 => Self::FillValue,
            0x0006 => Self::Link,
            0x0007 => Self::ExternalFileList,
            0x0008 => Self::Layout,
            0x0009 => Self::Bogus,
            0x000A => Self::GroupInfo,
            0x000B => Self::FilterPipeline,
            0x000C => Self::Attribute,
            0x000D => Self::Comment,
            0x000E => Self::ModificationTimeOld,
            0x000F => Self::SharedMessageTable,
            0x0010 => Self::Continuation,
            0x0011 => Self::SymbolTable,
            0x0012 => Self::ModificationTime,
            0x0013 => Self::BTreeK,
            0x0014 => Self::DriverInfo,
            0x0015 => Self::AttributeInfo,
            0x0016 => Self::RefCount,
            other => Self::Unknown(other),
        }
    }

    /// The on-disk code.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::Nil => 0x0000,
            Self::Dataspace => 0x0001,
            Self::LinkInfo => 0x0002,
            Self::Datatype => 0x0003,
            Self::FillValueOld => 0x0004,
            Self::FillValue => 0x0005,
            Self::Link => 0x0006,
            Self::ExternalFileList => 0x0007,
            Self::Layout => 0x0008,
            Self::Bogus => 0x0009,
            Self::GroupInfo => 0x000A,
            Self::FilterPipeline => 0x000B,
            Self::Attribute => 0x000C,
            Self::Comment => 0x000D,
            Self::ModificationTimeOld => 0x000E,
            Self::SharedMessageTable => 0x000F,
            Self::Continuation => 0x0010,
            Self::SymbolTable => 0x0011,
            Self::ModificationTime => 0x0012,
            Self::BTreeK => 0x0013,
            Self::DriverInfo => 0x0014,
            Self::AttributeInfo => 0x0015,
            Self::RefCount => 0x0016,
            Self::Unknown(code) => code,
        }
    }
}

/// Fails unless `count` items of at least `min_item_bytes` each can still fit
/// in the cursor, so a bogus count cannot drive an allocation.
pub(crate) fn check_count(c: &Cursor, count: u64, min_item_bytes: u64, what: &str) -> Result<()> {
    let needed = count.checked_mul(min_item_bytes);
    match needed {
        Some(n) if n <= c.remaining() as u64 => Ok(()),
        _ => Err(c.error(format_args!(
            "{count} {what} need at least {} bytes, found {}",
            needed.map_or_else(|| String::from("more than 2^64"), |n| alloc::format!("{n}")),
            c.remaining()
        ))),
    }
}

/// Bytes up to the first NUL (or all of them), as lossy UTF-8.
pub(crate) fn lossy_until_nul(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or(bytes)).into_owned()
}

/// A NUL-terminated string padded with NULs to a multiple of 8 bytes counted
/// from its first byte (names in datatype v1/v2 compounds and enums).
pub(crate) fn padded_cstr(c: &mut Cursor) -> Result<String> {
    let start = c.pos();
    let raw = c.cstr()?;
    let name = String::from_utf8_lossy(raw).into_owned();
    let used = c.pos() - start;
    let pad = (8 - used % 8) % 8;
    c.skip(pad)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_type_codes_round_trip() {
        for code in 0u16..0x20 {
            assert_eq!(MessageType::from_u16(code).to_u16(), code);
        }
        assert_eq!(MessageType::from_u16(0x0008), MessageType::Layout);
        assert_eq!(MessageType::from_u16(0x0016), MessageType::RefCount);
        assert_eq!(MessageType::from_u16(0x0017), MessageType::Unknown(0x17));
        assert_eq!(MessageType::from_u16(0xffff).to_u16(), 0xffff);
    }

    #[test]
    fn check_count_rejects_counts_past_the_end() {
        let bytes = [0u8; 10];
        let c = Cursor::new(&bytes, 0, "test");
        assert!(check_count(&c, 1, 10, "items").is_ok());
        let e = check_count(&c, 200, 8, "dimensions").unwrap_err();
        assert!(e.message().contains("200 dimensions"), "{}", e.message());
        assert!(check_count(&c, u64::MAX, 2, "items").is_err());
    }

    #[test]
    fn padded_names_skip_to_the_next_multiple_of_eight() {
        // "abc\0" + 4 pad bytes, then "12345678\0" + 7 pad bytes, then 0xAA.
        let mut bytes = alloc::vec::Vec::new();
        bytes.extend_from_slice(b"abc\0\0\0\0\0");
        bytes.extend_from_slice(b"12345678\0\0\0\0\0\0\0\0");
        bytes.push(0xAA);
        let mut c = Cursor::new(&bytes, 0, "test");
        assert_eq!(padded_cstr(&mut c).unwrap(), "abc");
        assert_eq!(padded_cstr(&mut c).unwrap(), "12345678");
        assert_eq!(c.u8().unwrap(), 0xAA);
        // Padding missing at the end is an error.
        let mut c = Cursor::new(b"ab\0", 0, "test");
        assert!(padded_cstr(&mut c).is_err());
    }

    #[test]
    fn lossy_stops_at_nul() {
        assert_eq!(lossy_until_nul(b"ab\0cd"), "ab");
        assert_eq!(lossy_until_nul(b"abc"), "abc");
    }
}
