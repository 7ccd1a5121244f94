//! Object headers (spec section IV.A): version 1 and version 2 (`OHDR`),
//! with their continuation blocks (`OCHK` for v2).
//!
//! Decoding yields the raw messages in header order; the message modules in
//! [`crate::format::message`] decode their bodies.

use crate::error::{Error, Result};
use crate::format::{checksum, read_block, read_prefix, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::vec::Vec;

/// Message type code of a header continuation.
pub const CONTINUATION: u16 = 0x0010;
/// The highest message type code the format defines (file space info is
/// 0x0017, the last one).
pub const LAST_KNOWN_MESSAGE: u16 = 0x0017;
/// Message type code of the object reference count (v2 headers only).
pub const REFERENCE_COUNT: u16 = 0x0016;
/// Message type code of a NIL (padding) message.
pub const NIL: u16 = 0x0000;

/// Message flag: the message is shared (stored elsewhere).
pub const MSG_FLAG_SHARED: u8 = 0x02;
/// Message flag: fail to open the object if the message type is unknown.
pub const MSG_FLAG_FAIL_IF_UNKNOWN: u8 = 0x80;

/// One message of an object header, body not yet decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// Message type code.
    pub kind: u16,
    /// Message flags.
    pub flags: u8,
    /// Creation order (v2 headers that track it).
    pub creation_order: Option<u16>,
    /// File offset of the body, for error messages.
    pub offset: u64,
    /// The body.
    pub data: Vec<u8>,
}

impl RawMessage {
    /// True when the body is a shared-message reference.
    pub fn is_shared(&self) -> bool {
        self.flags & MSG_FLAG_SHARED != 0
    }

    /// A cursor over the body.
    pub fn cursor(&self, what: &'static str) -> Cursor<'_> {
        Cursor::new(&self.data, self.offset, what)
    }
}

/// A decoded object header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHeader {
    /// Header version, 1 or 2.
    pub version: u8,
    /// File address of the header.
    pub address: u64,
    /// v2 flags (0 for v1).
    pub flags: u8,
    /// Modification time (seconds since the epoch), when the v2 header stores times.
    pub modification_time: Option<u32>,
    /// Attribute phase change values (max compact, min dense), when stored.
    pub attribute_phase_change: Option<(u16, u16)>,
    /// All messages, continuation messages included, in header order.
    pub messages: Vec<RawMessage>,
}

impl ObjectHeader {
    /// The messages of type `kind`.
    pub fn messages_of(&self, kind: u16) -> impl Iterator<Item = &RawMessage> {
        self.messages.iter().filter(move |m| m.kind == kind)
    }

    /// The first message of type `kind`.
    pub fn first(&self, kind: u16) -> Option<&RawMessage> {
        self.messages_of(kind).next()
    }
}

const V2_FLAG_TRACK_CREATION_ORDER: u8 = 0x04;
const V2_FLAG_PHASE_CHANGE: u8 = 0x10;
const V2_FLAG_TIMES: u8 = 0x20;

/// Reads the object header at `address`, following continuation blocks.
pub fn read<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<ObjectHeader> {
    let head = read_prefix(r, address, 64)?;
    if head.get(0..4) == Some(b"OHDR") {
        read_v2(r, sizes, address, &head, limits)
    } else {
        read_v1(r, sizes, address, &head, limits)
    }
}

struct Pending {
    address: u64,
    length: u64,
}

fn read_v1<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    head: &[u8],
    limits: &Limits,
) -> Result<ObjectHeader> {
    let mut c = Cursor::new(head, address, "object header v1");
    let version = c.u8()?;
    if version != 1 {
        return Err(Error::unsupported(
            address,
            format!(
                "object header version {version} (expected 1, or the signature OHDR of version 2)"
            ),
        ));
    }
    c.skip(1)?;
    let _num_messages = c.u16()?;
    let _ref_count = c.u32()?;
    let header_size = c.u32()?;
    // The prefix is 12 bytes, padded to 16 so that messages stay 8-aligned.
    let first = Pending {
        address: address + 16,
        length: u64::from(header_size),
    };
    let mut header = ObjectHeader {
        version: 1,
        address,
        flags: 0,
        modification_time: None,
        attribute_phase_change: None,
        messages: Vec::new(),
    };
    walk_chunks(r, sizes, first, limits, &mut header, |block, base| {
        Ok(Cursor::new(block, base, "object header v1 messages"))
    })?;
    Ok(header)
}

fn read_v2<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    head: &[u8],
    limits: &Limits,
) -> Result<ObjectHeader> {
    let mut c = Cursor::new(head, address, "object header v2");
    c.signature(b"OHDR")?;
    let version = c.u8()?;
    if version != 2 {
        return Err(c.unsupported(format_args!("version {version} (expected 2)")));
    }
    let flags = c.u8()?;
    let mut modification_time = None;
    if flags & V2_FLAG_TIMES != 0 {
        let _access = c.u32()?;
        modification_time = Some(c.u32()?);
        let _change = c.u32()?;
        let _birth = c.u32()?;
    }
    let mut attribute_phase_change = None;
    if flags & V2_FLAG_PHASE_CHANGE != 0 {
        let max_compact = c.u16()?;
        let min_dense = c.u16()?;
        attribute_phase_change = Some((max_compact, min_dense));
    }
    let size_width = 1usize << (flags & 0x03);
    let chunk0_size = c.uint(size_width)?;
    let prefix_len = c.pos() as u64;
    let mut header = ObjectHeader {
        version: 2,
        address,
        flags,
        modification_time,
        attribute_phase_change,
        messages: Vec::new(),
    };
    // Chunk 0 spans the prefix, the messages and the checksum.
    let total = prefix_len
        .checked_add(chunk0_size)
        .and_then(|v| v.checked_add(4))
        .ok_or_else(|| Error::malformed(address, "object header v2: chunk size overflows"))?;
    let first = Pending {
        address,
        length: total,
    };
    let track = flags & V2_FLAG_TRACK_CREATION_ORDER != 0;
    let mut first_block = true;
    walk_chunks_v2(
        r,
        sizes,
        first,
        limits,
        &mut header,
        track,
        |block, base| {
            checksum::verify(block, base, "object header v2")?;
            let body_end = block.len().saturating_sub(4);
            let skip = if first_block {
                first_block = false;
                prefix_len as usize
            } else {
                4
            };
            let mut c = Cursor::new(
                block.get(..body_end).unwrap_or(&[]),
                base,
                "object header v2 chunk",
            );
            if skip == 4 {
                c.signature(b"OCHK")?;
            } else {
                c.seek(skip)?;
            }
            Ok(c)
        },
    )?;
    Ok(header)
}

/// Walks the v1 chunk chain: messages are (type u16, size u16, flags u8, 3
/// reserved), 8-byte aligned.
fn walk_chunks<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    first: Pending,
    limits: &Limits,
    header: &mut ObjectHeader,
    mut open: impl FnMut(&[u8], u64) -> Result<Cursor<'_>>,
) -> Result<()> {
    let mut queue = alloc::vec![first];
    let mut seen = BTreeSet::new();
    while let Some(chunk) = queue.pop() {
        visit(&mut seen, &chunk, limits)?;
        let block = read_block(
            r,
            chunk.address,
            chunk.length,
            limits,
            "object header chunk",
        )?;
        let mut c = open(&block, chunk.address)?;
        let mut found = Vec::new();
        while c.remaining() >= 8 {
            let kind = c.u16()?;
            let size = c.u16()?;
            let flags = c.u8()?;
            c.skip(3)?;
            let offset = c.offset();
            if usize::from(size) > c.remaining() {
                // Old files may declare more messages than fit; a message
                // that overruns its chunk is malformed.
                return Err(c.error(format_args!(
                    "message of type {kind:#06x} declares {size} bytes, only {} remain in the chunk",
                    c.remaining()
                )));
            }
            if kind == REFERENCE_COUNT {
                // libhdf5 refuses this message in a version 1 header.
                return Err(Error::malformed(
                    offset,
                    "object header v1 holds a reference count message, which only version 2 headers may carry",
                ));
            }
            let data = c.bytes(usize::from(size))?.to_vec();
            c.align(8)?;
            push_message(
                header, sizes, &mut found, kind, flags, None, offset, data, limits,
            )?;
        }
        // Continuations are visited in the order they appear.
        queue.extend(found.into_iter().rev());
    }
    Ok(())
}

/// Walks the v2 chunk chain: messages are (type u8, size u16, flags u8,
/// [creation order u16]); a gap shorter than a message header may end a chunk.
fn walk_chunks_v2<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    first: Pending,
    limits: &Limits,
    header: &mut ObjectHeader,
    track_order: bool,
    mut open: impl FnMut(&[u8], u64) -> Result<Cursor<'_>>,
) -> Result<()> {
    let mut queue = alloc::vec![first];
    let mut seen = BTreeSet::new();
    let msg_header = if track_order { 6 } else { 4 };
    while let Some(chunk) = queue.pop() {
        visit(&mut seen, &chunk, limits)?;
        let block = read_block(
            r,
            chunk.address,
            chunk.length,
            limits,
            "object header chunk",
        )?;
        let mut c = open(&block, chunk.address)?;
        let mut found = Vec::new();
        while c.remaining() >= msg_header {
            let kind = u16::from(c.u8()?);
            let size = c.u16()?;
            let flags = c.u8()?;
            let creation_order = if track_order { Some(c.u16()?) } else { None };
            let offset = c.offset();
            if usize::from(size) > c.remaining() {
                return Err(c.error(format_args!(
                    "message of type {kind:#06x} declares {size} bytes, only {} remain in the chunk",
                    c.remaining()
                )));
            }
            let data = c.bytes(usize::from(size))?.to_vec();
            push_message(
                header,
                sizes,
                &mut found,
                kind,
                flags,
                creation_order,
                offset,
                data,
                limits,
            )?;
        }
        queue.extend(found.into_iter().rev());
    }
    Ok(())
}

fn visit(seen: &mut BTreeSet<u64>, chunk: &Pending, limits: &Limits) -> Result<()> {
    if !seen.insert(chunk.address) {
        return Err(Error::malformed(
            chunk.address,
            "object header: continuation chain visits this block twice (cycle)",
        ));
    }
    if seen.len() as u64 > limits.max_nodes.min(1 << 20) {
        return Err(Error::limit("object header: too many continuation blocks").at(chunk.address));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn push_message(
    header: &mut ObjectHeader,
    sizes: Sizes,
    found: &mut Vec<Pending>,
    kind: u16,
    flags: u8,
    creation_order: Option<u16>,
    offset: u64,
    data: Vec<u8>,
    limits: &Limits,
) -> Result<()> {
    if kind == CONTINUATION {
        let mut c = Cursor::new(&data, offset, "continuation message");
        let address = c.address(sizes)?;
        let length = c.length(sizes)?;
        found.push(Pending { address, length });
        return Ok(());
    }
    if kind == NIL {
        return Ok(());
    }
    if kind > LAST_KNOWN_MESSAGE && flags & MSG_FLAG_FAIL_IF_UNKNOWN != 0 {
        return Err(Error::unsupported(
            offset,
            format!(
                "object header message type {kind:#06x} is unknown to this reader and marked \"fail if unknown\""
            ),
        ));
    }
    if header.messages.len() as u64 >= limits.max_links.saturating_mul(4) {
        return Err(Error::limit("object header: too many messages").at(offset));
    }
    header.messages.push(RawMessage {
        kind,
        flags,
        creation_order,
        offset,
        data,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_header_with_continuation() -> Vec<u8> {
        let mut f = alloc::vec![0u8; 64];
        // Object header v1 at 64.
        f.extend_from_slice(&[1, 0]); // version 1, reserved
        f.extend_from_slice(&2u16.to_le_bytes()); // number of messages
        f.extend_from_slice(&1u32.to_le_bytes()); // reference count
        f.extend_from_slice(&40u32.to_le_bytes()); // header size
        f.extend_from_slice(&[0; 4]); // padding to 16
                                      // Message: dataspace-like type 0x0001, 8 bytes.
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&8u16.to_le_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        // Continuation message to 144, length 16.
        f.extend_from_slice(&0x10u16.to_le_bytes());
        f.extend_from_slice(&16u16.to_le_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(&144u64.to_le_bytes());
        f.extend_from_slice(&16u64.to_le_bytes());
        assert_eq!(f.len(), 120);
        f.resize(144, 0);
        // Continuation block: one message of type 0x000C with 8 bytes.
        f.extend_from_slice(&0x0Cu16.to_le_bytes());
        f.extend_from_slice(&8u16.to_le_bytes());
        f.extend_from_slice(&[0, 0, 0, 0]);
        f.extend_from_slice(&[9; 8]);
        f
    }

    #[test]
    fn v1_follows_continuations() {
        let f = v1_header_with_continuation();
        let h = read(&f[..], Sizes::default(), 64, &Limits::default()).unwrap();
        assert_eq!(h.version, 1);
        let kinds: Vec<u16> = h.messages.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, [0x0001, 0x000C]);
        assert_eq!(h.messages[0].offset, 64 + 16 + 8);
        assert_eq!(h.messages[1].data, [9; 8]);
    }

    #[test]
    fn v1_continuation_cycle_is_an_error() {
        let mut f = v1_header_with_continuation();
        // Point the continuation back at the first chunk (address 80).
        f[104..112].copy_from_slice(&80u64.to_le_bytes());
        f[112..120].copy_from_slice(&40u64.to_le_bytes());
        let e = read(&f[..], Sizes::default(), 64, &Limits::default()).unwrap_err();
        assert!(e.message().contains("cycle"), "{e}");
    }

    #[test]
    fn v1_overrunning_message_is_an_error() {
        let mut f = v1_header_with_continuation();
        f[82..84].copy_from_slice(&200u16.to_le_bytes());
        assert!(read(&f[..], Sizes::default(), 64, &Limits::default()).is_err());
    }

    fn v2_header() -> Vec<u8> {
        let mut h = Vec::new();
        h.extend_from_slice(b"OHDR");
        h.extend_from_slice(&[2, 0x04]); // version 2, flags: creation order tracked, 1-byte chunk size
        h.push(16); // chunk 0 size
                    // Message type 0x03, 6 bytes, flags 0, creation order 7.
        h.extend_from_slice(&[0x03, 6, 0, 0, 7, 0]);
        h.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        h.extend_from_slice(&[0, 0, 0, 0]); // gap shorter than a message header
        let sum = checksum::checksum(&h);
        h.extend_from_slice(&sum.to_le_bytes());
        h
    }

    #[test]
    fn v2_decodes_and_checks_checksum() {
        let h = v2_header();
        let oh = read(&h[..], Sizes::default(), 0, &Limits::default()).unwrap();
        assert_eq!(oh.version, 2);
        assert_eq!(oh.messages.len(), 1);
        assert_eq!(oh.messages[0].kind, 3);
        assert_eq!(oh.messages[0].creation_order, Some(7));
        let mut bad = h.clone();
        bad[12] ^= 1;
        let e = read(&bad[..], Sizes::default(), 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("checksum"));
    }

    #[test]
    fn unknown_message_marked_fail_if_unknown_is_an_error() {
        let mut h = Vec::new();
        h.extend_from_slice(b"OHDR");
        h.extend_from_slice(&[2, 0]); // version 2, flags: no creation order, 1-byte chunk size
        h.push(6); // chunk 0 size
        h.extend_from_slice(&[0x40, 2, 0, 0x80]); // type 0x40, 2 bytes, flags: fail if unknown
        h.extend_from_slice(&[0, 0]);
        let sum = checksum::checksum(&h);
        h.extend_from_slice(&sum.to_le_bytes());
        let e = read(&h[..], Sizes::default(), 0, &Limits::default()).unwrap_err();
        assert!(e.message().contains("fail if unknown"), "{e}");
        // Without the flag the message is kept for the caller to skip.
        h[10] = 0;
        let len = h.len();
        let sum = checksum::checksum(&h[..len - 4]);
        h[len - 4..].copy_from_slice(&sum.to_le_bytes());
        let oh = read(&h[..], Sizes::default(), 0, &Limits::default()).unwrap();
        assert_eq!(oh.messages[0].kind, 0x40);
    }

    #[test]
    fn truncated_header_is_an_error() {
        let h = v2_header();
        assert!(read(&h[..10], Sizes::default(), 0, &Limits::default()).is_err());
        assert!(read(&h[..], Sizes::default(), 500, &Limits::default()).is_err());
    }
}
