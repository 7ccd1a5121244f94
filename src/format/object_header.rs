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

/// One message for [`encode_v1`]: type code, flags and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageToWrite {
    /// Message type code.
    pub kind: u16,
    /// Message flags (e.g. [`MSG_FLAG_SHARED`], bit 0 "constant").
    pub flags: u8,
    /// The body, unpadded.
    pub data: Vec<u8>,
}

/// Version 1 prefix: version, reserved, message count, reference count,
/// header size; 12 bytes padded to 16 so that messages stay 8-aligned.
const V1_PREFIX_LEN: u64 = 16;
/// Version 1 message header: type, size, flags, 3 reserved.
const V1_MESSAGE_HEADER_LEN: u64 = 8;
/// Version 1 messages (bodies included) are 8-byte aligned.
const V1_ALIGN: u64 = 8;
/// The largest v1 message body: the size field is a u16 holding the padded size.
pub const V1_MAX_MESSAGE_BODY: usize = (u16::MAX as usize) & !(V1_ALIGN as usize - 1);

fn v1_padded(len: usize) -> u64 {
    (len as u64).next_multiple_of(V1_ALIGN)
}

/// Bytes of the single chunk that [`encode_v1`] writes (messages only).
fn v1_chunk_len(messages: &[MessageToWrite]) -> u64 {
    messages
        .iter()
        .map(|m| V1_MESSAGE_HEADER_LEN + v1_padded(m.data.len()))
        .sum()
}

/// Size of the version 1 object header [`encode_v1`] writes for `messages`:
/// the 16-byte prefix plus, per message, an 8-byte header and the body
/// padded to a multiple of 8.
pub fn encoded_len_v1(messages: &[MessageToWrite]) -> u64 {
    V1_PREFIX_LEN + v1_chunk_len(messages)
}

/// Encodes a version 1 object header holding `messages` in one chunk, as
/// libhdf5 "earliest" writes it: each body padded with zeros to a multiple of
/// 8 and its size field giving the padded size.
///
/// Errors (WrongUse) when a body is larger than a v1 message can hold
/// ([`V1_MAX_MESSAGE_BODY`]: an attribute too large for a v1 header) or
/// the chunk exceeds 4 GiB.
pub fn encode_v1(messages: &[MessageToWrite], ref_count: u32) -> Result<Vec<u8>> {
    encode_v1_with_min_size(messages, ref_count, 0)
}

/// As [`encode_v1`], but the chunk is at least `min_chunk` bytes (rounded up
/// to 8): the room left is one NIL message, which libhdf5 reuses when it
/// later adds messages in place (several NIL messages when the room exceeds
/// what one can hold). The length is then `16 + max(chunk, min_chunk)`, or
/// 8 bytes more when the room left would be smaller than a message header.
pub fn encode_v1_with_min_size(
    messages: &[MessageToWrite],
    ref_count: u32,
    min_chunk: u32,
) -> Result<Vec<u8>> {
    for m in messages {
        if m.data.len() > V1_MAX_MESSAGE_BODY {
            return Err(Error::wrong_use(format!(
                "object header message of type {:#06x} has {} bytes; a version 1 object header holds at most {V1_MAX_MESSAGE_BODY} bytes per message",
                m.kind,
                m.data.len()
            )));
        }
    }
    let chunk = v1_chunk_len(messages);
    let nil_bodies = v1_nil_padding(chunk, min_chunk);
    let total_chunk = chunk
        + nil_bodies
            .iter()
            .map(|b| V1_MESSAGE_HEADER_LEN + b)
            .sum::<u64>();
    let chunk_size = u32::try_from(total_chunk).map_err(|_| {
        Error::wrong_use(format!(
            "object header of {total_chunk} bytes exceeds the 4 GiB of a version 1 header chunk"
        ))
    })?;
    // libhdf5 counts every message of every chunk, NIL messages included.
    let count = messages.len() + nil_bodies.len();
    let count = u16::try_from(count).map_err(|_| {
        Error::wrong_use(format!(
            "{count} messages exceed the 65535 of a version 1 object header"
        ))
    })?;
    let mut out = Vec::with_capacity((V1_PREFIX_LEN + total_chunk) as usize);
    out.push(1); // version
    out.push(0); // reserved
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&ref_count.to_le_bytes());
    out.extend_from_slice(&chunk_size.to_le_bytes());
    out.resize(V1_PREFIX_LEN as usize, 0); // padding to 16
    for m in messages {
        put_v1_message(&mut out, m.kind, m.flags, &m.data, v1_padded(m.data.len()));
    }
    for body in nil_bodies {
        put_v1_message(&mut out, NIL, 0, &[], body);
    }
    debug_assert_eq!(out.len() as u64, V1_PREFIX_LEN + total_chunk);
    Ok(out)
}

/// Body sizes of the NIL messages that pad a `chunk`-byte chunk to
/// `min_chunk` (several when the room exceeds what one message can hold).
fn v1_nil_padding(chunk: u64, min_chunk: u32) -> Vec<u64> {
    let min_chunk = u64::from(min_chunk).next_multiple_of(V1_ALIGN);
    let mut room = min_chunk.saturating_sub(chunk);
    let mut bodies = Vec::new();
    while room > 0 {
        // A message needs its 8-byte header; when only 8 bytes are left the
        // NIL message gets an 8-byte body and the chunk grows by 8.
        let body = room
            .saturating_sub(V1_MESSAGE_HEADER_LEN)
            .clamp(V1_ALIGN, V1_MAX_MESSAGE_BODY as u64);
        bodies.push(body);
        room = room.saturating_sub(V1_MESSAGE_HEADER_LEN + body);
    }
    bodies
}

fn put_v1_message(out: &mut Vec<u8>, kind: u16, flags: u8, data: &[u8], padded: u64) {
    out.extend_from_slice(&kind.to_le_bytes());
    // `padded` was checked against V1_MAX_MESSAGE_BODY or is the NIL's.
    out.extend_from_slice(&(padded.min(u64::from(u16::MAX)) as u16).to_le_bytes());
    out.push(flags);
    out.extend_from_slice(&[0; 3]); // reserved
    let start = out.len();
    out.extend_from_slice(data);
    out.resize(start + padded as usize, 0);
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

    fn msg(kind: u16, flags: u8, data: &[u8]) -> MessageToWrite {
        MessageToWrite {
            kind,
            flags,
            data: data.to_vec(),
        }
    }

    #[test]
    fn encode_v1_matches_libhdf5() {
        // The root group header libhdf5 2.0 wrote at 0x60 (h5py, libver
        // "earliest", one child group): a symbol table message only.
        let expected: [u8; 40] = [
            1, 0, // version 1, reserved
            1, 0, // 1 message
            1, 0, 0, 0, // reference count 1
            24, 0, 0, 0, // header size 24
            0, 0, 0, 0, // padding to 16
            0x11, 0, 16, 0, 0, 0, 0, 0, // symbol table message, 16 bytes, flags 0
            0x88, 0, 0, 0, 0, 0, 0, 0, // v1 B-tree address
            0xa8, 0x02, 0, 0, 0, 0, 0, 0, // local heap address
        ];
        let mut body = Vec::new();
        body.extend_from_slice(&0x88u64.to_le_bytes());
        body.extend_from_slice(&0x2a8u64.to_le_bytes());
        let msgs = [msg(0x0011, 0, &body)];
        assert_eq!(encode_v1(&msgs, 1).unwrap(), expected);
        assert_eq!(encoded_len_v1(&msgs), 40);
    }

    #[test]
    fn encode_v1_round_trips() {
        let msgs = [
            msg(0x0001, 0, &[1, 2, 3, 4, 5]),
            msg(0x0003, 1, &[7; 8]),
            msg(0x000C, 0, &[]),
            msg(0x0008, 0, &[9; 13]),
        ];
        let mut f = alloc::vec![0xAAu8; 24]; // header at a nonzero address
        let bytes = encode_v1(&msgs, 3).unwrap();
        assert_eq!(bytes.len() as u64, encoded_len_v1(&msgs));
        assert_eq!(bytes.len(), 16 + (8 + 8) + (8 + 8) + 8 + (8 + 16));
        assert_eq!(bytes[2..4], 4u16.to_le_bytes()); // message count
        assert_eq!(bytes[4..8], 3u32.to_le_bytes()); // reference count
        f.extend_from_slice(&bytes);
        let h = read(&f[..], Sizes::default(), 24, &Limits::default()).unwrap();
        assert_eq!(h.version, 1);
        assert_eq!(h.messages.len(), msgs.len());
        for (got, want) in h.messages.iter().zip(&msgs) {
            assert_eq!((got.kind, got.flags), (want.kind, want.flags));
            // The size field holds the padded size; the padding is zeros.
            assert_eq!(got.data.len() % 8, 0);
            assert_eq!(got.data[..want.data.len()], want.data[..]);
            assert!(got.data[want.data.len()..].iter().all(|&b| b == 0));
        }
        assert_eq!(h.messages[0].offset, 24 + 16 + 8);
    }

    #[test]
    fn encode_v1_min_size_pads_with_nil() {
        let msgs = [msg(0x0001, 0, &[1; 16])]; // chunk of 24 bytes
        let b = encode_v1_with_min_size(&msgs, 1, 256).unwrap();
        assert_eq!(b.len(), 16 + 256);
        assert_eq!(b[2..4], 2u16.to_le_bytes()); // the NIL message counts
        assert_eq!(b[8..12], 256u32.to_le_bytes());
        assert_eq!(b[40..42], NIL.to_le_bytes());
        assert_eq!(b[42..44], (256u16 - 24 - 8).to_le_bytes());
        let h = read(&b[..], Sizes::default(), 0, &Limits::default()).unwrap();
        assert_eq!(h.messages.len(), 1);
        // Room for less than a message header: the NIL gets 8 bytes anyway.
        let b = encode_v1_with_min_size(&msgs, 1, 32).unwrap();
        assert_eq!(b.len(), 16 + 24 + 16);
        assert_eq!(
            read(&b[..], Sizes::default(), 0, &Limits::default())
                .unwrap()
                .messages
                .len(),
            1
        );
        // More room than one message holds: several NIL messages.
        let b = encode_v1_with_min_size(&msgs, 1, 200_000).unwrap();
        assert_eq!(b.len(), 16 + 200_000);
        assert_eq!(b[2..4], 5u16.to_le_bytes()); // 1 + 4 NIL messages
        let h = read(&b[..], Sizes::default(), 0, &Limits::default()).unwrap();
        assert_eq!(h.messages.len(), 1);
        // Already large enough: no NIL.
        assert_eq!(
            encode_v1_with_min_size(&msgs, 1, 20).unwrap(),
            encode_v1(&msgs, 1).unwrap()
        );
    }

    #[test]
    fn encode_v1_rejects_oversized_message() {
        let big = msg(0x000C, 0, &alloc::vec![0; V1_MAX_MESSAGE_BODY + 1]);
        let e = encode_v1(&[big], 1).unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::WrongUse);
        assert!(e.message().contains("0x000c"), "{e}");
        let largest = msg(0x000C, 0, &alloc::vec![5; V1_MAX_MESSAGE_BODY]);
        let b = encode_v1(&[largest], 1).unwrap();
        assert_eq!(b[18..20], 65528u16.to_le_bytes());
        let h = read(&b[..], Sizes::default(), 0, &Limits::default()).unwrap();
        assert_eq!(h.messages[0].data.len(), V1_MAX_MESSAGE_BODY);
    }
}
