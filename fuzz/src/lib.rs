//! The fuzz targets' entry points, one function per target.
//!
//! The binaries in `fuzz_targets/` call these, and the crate's
//! `tests/fuzz_regressions.rs` includes this file (`#[path]`) to run every
//! saved crash through exactly the same code under plain `cargo test`.
//! Every function ignores the result: a target only looks for panics,
//! hangs and runaway allocations, so any `Err` is a success.

use vtkhdf::filters::{self, FilterStep};
use vtkhdf::format::message::{
    attribute, attribute_info, continuation, dataspace, datatype, fill_value, filter_pipeline,
    group_info, layout, link, link_info, shared, shared_message_table, symbol_table,
};
use vtkhdf::format::{object_header, superblock, Cursor, Limits, Sizes};

/// Limits for an input of `len` bytes: generous for metadata, far below
/// what a crafted size field could ask for.
pub fn limits_for(len: usize) -> Limits {
    Limits {
        max_alloc_bytes: (len as u64).saturating_mul(64).max(1 << 20),
        max_depth: 32,
        max_nodes: 100_000,
        max_links: 100_000,
    }
}

/// `open_dump`: the input is a whole file; open it from memory and write
/// the canonical dump (which reads every dataset and attribute).
pub fn open_dump(data: &[u8]) {
    let limits = limits_for(data.len());
    if let Ok(file) = vtkhdf::File::from_reader(data.to_vec(), limits) {
        let mut sink = Vec::new();
        let _ = vtkhdf::dump::dump_json(&file, &mut sink);
    }
}

/// `superblock`: the input starts at a superblock signature.
pub fn superblock(data: &[u8]) {
    let _ = superblock::decode(data, 0);
}

/// `object_header`: the input is a file with an object header at address 0
/// (8-byte offsets and lengths); every message found is then decoded.
pub fn object_header(data: &[u8]) {
    let sizes = Sizes::default();
    let limits = limits_for(data.len());
    if let Ok(header) = object_header::read(&data, sizes, 0, &limits) {
        for message in &header.messages {
            decode_message(message.kind, &message.data, sizes);
        }
    }
}

/// `messages`: byte 0 picks a message decoder (low nibble) and the sizes of
/// offsets (bits 4-5) and lengths (bits 6-7); the rest is the message body.
pub fn messages(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    const WIDTHS: [u8; 4] = [2, 4, 8, 8];
    let sizes = Sizes {
        offset: WIDTHS[usize::from((selector >> 4) & 3)],
        length: WIDTHS[usize::from(selector >> 6)],
    };
    let kind = match selector & 0x0f {
        0 => 0x0003,  // datatype
        1 => 0x0001,  // dataspace
        2 => 0x0008,  // layout
        3 => 0x000B,  // filter pipeline
        4 => 0x0005,  // fill value
        5 => 0x0004,  // fill value, old form
        6 => 0x0006,  // link
        7 => 0x000C,  // attribute
        8 => 0x0002,  // link info
        9 => 0x0015,  // attribute info
        10 => 0x000A, // group info
        11 => 0x0011, // symbol table
        12 => 0x0010, // continuation
        13 => 0x000F, // shared message table
        _ => SHARED,
    };
    decode_message(kind, body, sizes);
}

/// Not a message type: selects the shared-message reference decoder.
const SHARED: u16 = 0xffff;

/// Runs the decoder for message type `kind` on `body`.
fn decode_message(kind: u16, body: &[u8], sizes: Sizes) {
    let mut c = Cursor::new(body, 0, "fuzzed message");
    match kind {
        0x0001 => {
            if let Ok(space) = dataspace::decode(&mut c, sizes) {
                let _ = space.num_elements();
            }
        }
        0x0002 => {
            let _ = link_info::decode(&mut c, sizes);
        }
        0x0003 => {
            let _ = datatype::decode(&mut c);
        }
        0x0004 => {
            let _ = fill_value::decode_old(&mut c);
        }
        0x0005 => {
            let _ = fill_value::decode(&mut c);
        }
        0x0006 => {
            let _ = link::decode(&mut c, sizes);
        }
        0x0008 => {
            let _ = layout::decode(&mut c, sizes);
        }
        0x000A => {
            let _ = group_info::decode(&mut c);
        }
        0x000B => {
            let _ = filter_pipeline::decode(&mut c);
        }
        0x000C => {
            let _ = attribute::decode(&mut c, sizes);
        }
        0x000F => {
            let _ = shared_message_table::decode(&mut c, sizes);
        }
        0x0010 => {
            let _ = continuation::decode(&mut c, sizes);
        }
        0x0011 => {
            let _ = symbol_table::decode(&mut c, sizes);
        }
        0x0015 => {
            let _ = attribute_info::decode(&mut c, sizes);
        }
        SHARED => {
            let _ = shared::decode(&mut c, sizes);
        }
        _ => {}
    }
}

/// Filter ids the `filters` target picks from; the last ones are not
/// implemented and must fail cleanly.
const FILTER_IDS: [u16; 10] = [1, 2, 3, 32000, 32004, 32008, 4, 5, 6, 307];

/// Largest chunk the `filters` target decodes to.
const MAX_CHUNK_BYTES: usize = 1 << 20;

/// `filters`: a pipeline and a chunk.
///
/// Byte 0: number of filters (1 to 3); byte 1: filter mask. Then per filter:
/// one byte picking the id from [`FILTER_IDS`], one byte giving the number
/// of client data values (0 to 4), and the values (u32 LE). Then the element
/// size (u16 LE) and the unfiltered chunk size (u32 LE, taken modulo 1 MiB
/// + 1). The rest is the stored chunk.
pub fn filters(data: &[u8]) {
    let mut rest = data;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let Some(&[n_filters, mask]) = take(2) else {
        return;
    };
    let mut specs = Vec::new();
    for _ in 0..1 + n_filters % 3 {
        let Some(&[pick, n_values]) = take(2) else {
            return;
        };
        let Some(raw) = take(usize::from(n_values % 5) * 4) else {
            return;
        };
        let values: Vec<u32> = raw
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        specs.push((FILTER_IDS[usize::from(pick) % FILTER_IDS.len()], values));
    }
    let Some(&[e0, e1, c0, c1, c2, c3]) = take(6) else {
        return;
    };
    let element_size = usize::from(u16::from_le_bytes([e0, e1]));
    let chunk_bytes = u32::from_le_bytes([c0, c1, c2, c3]) as usize % (MAX_CHUNK_BYTES + 1);
    let steps: Vec<FilterStep> = specs
        .iter()
        .map(|(id, values)| FilterStep {
            id: *id,
            flags: 0,
            client_data: values,
        })
        .collect();
    let _ = filters::decode_chunk(
        &steps,
        u32::from(mask),
        rest.to_vec(),
        element_size,
        chunk_bytes,
        MAX_CHUNK_BYTES,
    );
}
