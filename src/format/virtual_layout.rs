//! The virtual dataset (VDS) global heap block and the dataspace selection
//! encoding its mappings use.
//!
//! Spec III.F "Disk Format: Level 1F - Global Heap Block for Virtual
//! Dataset": a version byte, a "size of lengths" entry count, one mapping per
//! entry (source file name, source dataset name, source selection, virtual
//! selection) and a checksum. Version 1 (HDF5 2.0) adds a flags byte per entry
//! so that names can refer to an earlier entry's name instead of repeating it.
//!
//! The selections use the serialization of Appendix D "Dataspace Selection"
//! (`H5S_select_serialize` in libhdf5): a 4-byte selection type followed by
//! type-specific info. A serialized selection carries no extent; "all" means
//! the whole extent of whichever dataspace it is applied to.

use crate::error::Result;
use crate::format::{checksum, Cursor, Limits, Sizes};
use alloc::string::String;
use alloc::vec::Vec;

/// A count or block size of "unlimited" in a regular hyperslab
/// (`H5S_UNLIMITED`).
pub const UNLIMITED: u64 = u64::MAX;

/// Most dimensions a dataspace may have (`H5S_MAX_RANK`).
pub const MAX_RANK: u32 = 32;

/// Selection type codes (Appendix D, "Selection Type").
mod sel_type {
    pub const NONE: u32 = 0;
    pub const POINTS: u32 = 1;
    pub const HYPERSLABS: u32 = 2;
    pub const ALL: u32 = 3;
}

/// Hyperslab selection info flag: the selection is one regular hyperslab.
const HYPER_FLAG_REGULAR: u8 = 0x01;

/// Version 1 block entry flags.
const ENTRY_SHARED_FILE_NAME: u8 = 0x01;
const ENTRY_SHARED_DATASET_NAME: u8 = 0x02;
const ENTRY_SAME_FILE: u8 = 0x04;
const ENTRY_KNOWN_FLAGS: u8 = ENTRY_SHARED_FILE_NAME | ENTRY_SHARED_DATASET_NAME | ENTRY_SAME_FILE;

/// One dimension of a regular hyperslab: `count` blocks of `block` elements,
/// the first at `start`, each `stride` after the previous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegularDim {
    /// First selected index.
    pub start: u64,
    /// Distance between the starts of consecutive blocks.
    pub stride: u64,
    /// Number of blocks, or [`UNLIMITED`].
    pub count: u64,
    /// Elements per block, or [`UNLIMITED`].
    pub block: u64,
}

impl RegularDim {
    /// True when the count or the block is unlimited.
    pub fn is_unlimited(&self) -> bool {
        self.count == UNLIMITED || self.block == UNLIMITED
    }
}

/// A decoded dataspace selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Nothing selected.
    None,
    /// The whole extent selected.
    All,
    /// A list of points, in selection order.
    Points {
        /// Number of dimensions.
        rank: u32,
        /// `rank` coordinates per point, point after point.
        coords: Vec<u64>,
    },
    /// One regular hyperslab, one entry per dimension.
    Regular(Vec<RegularDim>),
    /// A union of blocks (an "irregular" hyperslab).
    Blocks {
        /// Number of dimensions.
        rank: u32,
        /// Per block: `rank` start coordinates then `rank` end coordinates
        /// (inclusive), block after block.
        corners: Vec<u64>,
    },
}

impl Selection {
    /// Number of dimensions the selection itself states (`None` for "all"
    /// and "none", which fit any extent).
    pub fn rank(&self) -> Option<usize> {
        match self {
            Selection::None | Selection::All => None,
            Selection::Points { rank, .. } | Selection::Blocks { rank, .. } => Some(*rank as usize),
            Selection::Regular(dims) => Some(dims.len()),
        }
    }

    /// The dimension whose count or block is unlimited, if any.
    pub fn unlimited_dim(&self) -> Option<usize> {
        match self {
            Selection::Regular(dims) => dims.iter().position(RegularDim::is_unlimited),
            _ => None,
        }
    }
}

/// One mapping of a virtual dataset: which source elements fill which
/// virtual elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Source file name; `"."` is the file holding the virtual dataset.
    /// May contain `%b` (block number) and `%%` substitutions.
    pub source_file: String,
    /// Path of the source dataset in the source file (same substitutions).
    pub source_dataset: String,
    /// Selection in the source dataset.
    pub source_select: Selection,
    /// Selection in the virtual dataset.
    pub virtual_select: Selection,
}

/// A decoded virtual dataset global heap block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualLayout {
    /// Block encoding version (0 or 1).
    pub version: u8,
    /// The mappings, in stored order.
    pub mappings: Vec<Mapping>,
}

/// Decodes a VDS global heap block from the global heap object's bytes,
/// which start at file offset `base`.
pub fn decode(bytes: &[u8], base: u64, sizes: Sizes, limits: &Limits) -> Result<VirtualLayout> {
    let mut c = Cursor::new(bytes, base, "virtual dataset global heap block");
    let version = c.u8()?;
    if version > 1 {
        return Err(c.unsupported(format_args!("version {version} (expected 0 or 1)")));
    }
    let n_entries = c.length(sizes)?;
    // Every entry takes at least two bytes of names and two 15-byte
    // selections (an empty version 2 point list), so the count is bounded
    // by the bytes present.
    if n_entries > (c.remaining() / 32) as u64 || n_entries > limits.max_links {
        return Err(c.error(format_args!(
            "{n_entries} mappings do not fit in {} bytes (or exceed the limit of {})",
            c.remaining(),
            limits.max_links
        )));
    }
    let mut mappings: Vec<Mapping> = Vec::with_capacity(n_entries as usize);
    for i in 0..n_entries as usize {
        let flags = if version >= 1 { c.u8()? } else { 0 };
        if flags & !ENTRY_KNOWN_FLAGS != 0 {
            return Err(c.error(format_args!("mapping {i}: unknown flags {flags:#04x}")));
        }
        let source_file = if flags & ENTRY_SAME_FILE != 0 {
            String::from(".")
        } else if flags & ENTRY_SHARED_FILE_NAME != 0 {
            let j = shared_index(&mut c, sizes, i, "source file name")?;
            mappings[j].source_file.clone()
        } else {
            name(&mut c)?
        };
        let source_dataset = if flags & ENTRY_SHARED_DATASET_NAME != 0 {
            let j = shared_index(&mut c, sizes, i, "source dataset name")?;
            mappings[j].source_dataset.clone()
        } else {
            name(&mut c)?
        };
        let source_select = decode_selection(&mut c)?;
        let virtual_select = decode_selection(&mut c)?;
        mappings.push(Mapping {
            source_file,
            source_dataset,
            source_select,
            virtual_select,
        });
    }
    let covered = c.pos();
    c.u32()?;
    let block = bytes
        .get(..covered + 4)
        .ok_or_else(|| c.error("block shorter than its checksum"))?;
    checksum::verify(block, base, "virtual dataset global heap block")?;
    Ok(VirtualLayout { version, mappings })
}

/// A version 1 shared-name reference: the index of an earlier entry.
fn shared_index(c: &mut Cursor, sizes: Sizes, i: usize, what: &str) -> Result<usize> {
    let j = c.length(sizes)?;
    if j >= i as u64 {
        return Err(c.error(format_args!(
            "mapping {i}: {what} refers to mapping {j}, which is not an earlier one"
        )));
    }
    Ok(j as usize)
}

fn name(c: &mut Cursor) -> Result<String> {
    let s = c.cstr()?;
    Ok(String::from_utf8_lossy(s).into_owned())
}

/// Decodes one serialized dataspace selection (Appendix D).
pub fn decode_selection(c: &mut Cursor) -> Result<Selection> {
    let kind = c.u32()?;
    let version = c.u32()?;
    match kind {
        sel_type::NONE | sel_type::ALL => {
            if version != 1 {
                return Err(c.unsupported(format_args!(
                    "selection type {kind}: version {version} (expected 1)"
                )));
            }
            // Reserved word and a length word, both zero in practice.
            c.skip(8)?;
            Ok(if kind == sel_type::ALL {
                Selection::All
            } else {
                Selection::None
            })
        }
        sel_type::POINTS => decode_points(c, version),
        sel_type::HYPERSLABS => decode_hyperslab(c, version),
        other => Err(c.error(format_args!(
            "unknown selection type {other} (expected 0 to 3)"
        ))),
    }
}

fn decode_points(c: &mut Cursor, version: u32) -> Result<Selection> {
    let enc_size = match version {
        1 => {
            // Reserved word and length.
            c.skip(8)?;
            4
        }
        2 => enc_size(c)?,
        v => {
            return Err(c.unsupported(format_args!(
                "point selection version {v} (expected 1 or 2)"
            )))
        }
    };
    let rank = rank(c)?;
    let n_points = c.uint(enc_size)?;
    let coords = read_values(c, n_points, u64::from(rank), enc_size, "point coordinates")?;
    Ok(Selection::Points { rank, coords })
}

fn decode_hyperslab(c: &mut Cursor, version: u32) -> Result<Selection> {
    let (flags, enc_size) = match version {
        1 => {
            c.skip(8)?;
            (0, 4)
        }
        2 => {
            let flags = c.u8()?;
            // Length of the rest; the fields below determine it.
            c.skip(4)?;
            (flags, 8)
        }
        3 => {
            let flags = c.u8()?;
            (flags, enc_size(c)?)
        }
        v => {
            return Err(c.unsupported(format_args!(
                "hyperslab selection version {v} (expected 1 to 3)"
            )))
        }
    };
    if flags & !HYPER_FLAG_REGULAR != 0 {
        return Err(c.error(format_args!(
            "hyperslab selection: unknown flags {flags:#04x}"
        )));
    }
    let rank = rank(c)?;
    if flags & HYPER_FLAG_REGULAR != 0 {
        let mut dims = Vec::with_capacity(rank as usize);
        for _ in 0..rank {
            let start = c.uint(enc_size)?;
            let stride = c.uint(enc_size)?;
            let count = unlimited_or(c.uint(enc_size)?, enc_size);
            let block = unlimited_or(c.uint(enc_size)?, enc_size);
            if stride == 0 {
                return Err(c.error("regular hyperslab with a stride of 0"));
            }
            dims.push(RegularDim {
                start,
                stride,
                count,
                block,
            });
        }
        if dims.iter().filter(|d| d.is_unlimited()).count() > 1 {
            return Err(c.error("regular hyperslab unlimited in more than one dimension"));
        }
        return Ok(Selection::Regular(dims));
    }
    let n_blocks = c.uint(enc_size)?;
    let corners = read_values(
        c,
        n_blocks,
        2 * u64::from(rank),
        enc_size,
        "hyperslab blocks",
    )?;
    for (b, block) in corners.chunks_exact(2 * rank as usize).enumerate() {
        let (start, end) = block.split_at(rank as usize);
        if start.iter().zip(end).any(|(s, e)| s > e) {
            return Err(c.error(format_args!("hyperslab block {b} ends before it starts")));
        }
    }
    Ok(Selection::Blocks { rank, corners })
}

fn enc_size(c: &mut Cursor) -> Result<usize> {
    let n = c.u8()?;
    match n {
        2 | 4 | 8 => Ok(usize::from(n)),
        other => Err(c.error(format_args!(
            "selection encode size {other} (expected 2, 4 or 8)"
        ))),
    }
}

fn rank(c: &mut Cursor) -> Result<u32> {
    let rank = c.u32()?;
    if rank == 0 || rank > MAX_RANK {
        return Err(c.error(format_args!(
            "selection rank {rank} (expected 1 to {MAX_RANK})"
        )));
    }
    Ok(rank)
}

/// An all-ones count or block of the field's width means unlimited.
fn unlimited_or(v: u64, enc_size: usize) -> u64 {
    let all_ones = if enc_size >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * enc_size)) - 1
    };
    if v == all_ones {
        UNLIMITED
    } else {
        v
    }
}

/// Reads `n * per_item` integers of `enc_size` bytes after checking that
/// they are present.
fn read_values(
    c: &mut Cursor,
    n: u64,
    per_item: u64,
    enc_size: usize,
    what: &str,
) -> Result<Vec<u64>> {
    let total = n
        .checked_mul(per_item)
        .filter(|&t| {
            t.checked_mul(enc_size as u64)
                .is_some_and(|b| b <= c.remaining() as u64)
        })
        .ok_or_else(|| {
            c.error(format_args!(
                "{what}: {n} items of {per_item} values do not fit in {} bytes",
                c.remaining()
            ))
        })?;
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..total {
        out.push(c.uint(enc_size)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    fn sel(bytes: &[u8]) -> Result<Selection> {
        decode_selection(&mut Cursor::new(bytes, 0, "test"))
    }

    const ALL: [u8; 16] = [
        3, 0, 0, 0, // type: all
        1, 0, 0, 0, // version 1
        0, 0, 0, 0, // reserved
        0, 0, 0, 0, // length
    ];

    #[test]
    fn all_and_none() {
        assert_eq!(sel(&ALL).unwrap(), Selection::All);
        let mut none = ALL;
        none[0] = 0;
        assert_eq!(sel(&none).unwrap(), Selection::None);
        // Version 2 of "all" does not exist.
        let mut bad = ALL;
        bad[4] = 2;
        assert_eq!(sel(&bad).unwrap_err().kind(), ErrorKind::Unsupported);
        // Unknown selection type.
        let mut bad = ALL;
        bad[0] = 4;
        assert_eq!(sel(&bad).unwrap_err().kind(), ErrorKind::Malformed);
        // Truncated.
        assert!(sel(&ALL[..12]).is_err());
    }

    #[test]
    fn hyperslab_v2_regular_unlimited() {
        let mut b = vec![
            2, 0, 0, 0, // type: hyperslab
            2, 0, 0, 0, // version 2
            1, // flags: regular
            0x24, 0, 0, 0, // length: 4 + 32
            1, 0, 0, 0, // rank 1
        ];
        b.extend_from_slice(&3u64.to_le_bytes()); // start
        b.extend_from_slice(&4u64.to_le_bytes()); // stride
        b.extend_from_slice(&u64::MAX.to_le_bytes()); // count: unlimited
        b.extend_from_slice(&1u64.to_le_bytes()); // block
        let s = sel(&b).unwrap();
        assert_eq!(
            s,
            Selection::Regular(vec![RegularDim {
                start: 3,
                stride: 4,
                count: UNLIMITED,
                block: 1
            }])
        );
        assert_eq!(s.unlimited_dim(), Some(0));
        assert_eq!(s.rank(), Some(1));
        // Unknown flag bit.
        b[8] = 3;
        assert_eq!(sel(&b).unwrap_err().kind(), ErrorKind::Malformed);
    }

    #[test]
    fn hyperslab_v3_regular_narrow_fields() {
        let b = [
            2, 0, 0, 0, // type: hyperslab
            3, 0, 0, 0, // version 3
            1, // flags: regular
            2, // encode size: 2 bytes
            2, 0, 0, 0, // rank 2
            5, 0, 1, 0, 2, 0, 3, 0, // dim 0: start 5, stride 1, count 2, block 3
            0, 0, 7, 0, 0xff, 0xff, 1,
            0, // dim 1: start 0, stride 7, count unlimited, block 1
        ];
        let s = sel(&b).unwrap();
        let Selection::Regular(d) = &s else {
            panic!("not regular: {s:?}")
        };
        assert_eq!(
            d[0],
            RegularDim {
                start: 5,
                stride: 1,
                count: 2,
                block: 3
            }
        );
        assert_eq!(d[1].count, UNLIMITED);
        assert_eq!(s.unlimited_dim(), Some(1));
        // Encode size 3 is not allowed.
        let mut bad = b;
        bad[9] = 3;
        assert!(sel(&bad).unwrap_err().message().contains("encode size 3"));
        // A stride of 0 is not.
        let mut bad = b;
        bad[16] = 0;
        assert!(sel(&bad).unwrap_err().message().contains("stride of 0"));
        // Two unlimited dimensions are not.
        let mut bad = b;
        bad[18] = 0xff;
        bad[19] = 0xff;
        assert!(sel(&bad).unwrap_err().message().contains("more than one"));
    }

    #[test]
    fn hyperslab_v1_blocks() {
        let b = [
            2, 0, 0, 0, // type: hyperslab
            1, 0, 0, 0, // version 1
            0, 0, 0, 0, // reserved
            40, 0, 0, 0, // length: 8 + 2 blocks * 2 corners * 2 dims * 4
            2, 0, 0, 0, // rank 2
            2, 0, 0, 0, // 2 blocks
            0, 0, 0, 0, 1, 0, 0, 0, // block 0 start (0, 1)
            2, 0, 0, 0, 3, 0, 0, 0, // block 0 end (2, 3)
            4, 0, 0, 0, 0, 0, 0, 0, // block 1 start (4, 0)
            4, 0, 0, 0, 0, 0, 0, 0, // block 1 end (4, 0)
        ];
        assert_eq!(
            sel(&b).unwrap(),
            Selection::Blocks {
                rank: 2,
                corners: vec![0, 1, 2, 3, 4, 0, 4, 0]
            }
        );
        // Block 0 starting at row 9, after its end at row 2.
        let mut bad = b;
        bad[24] = 9;
        assert!(sel(&bad).unwrap_err().message().contains("ends before"));
        // More blocks than bytes.
        let mut bad = b;
        bad[20] = 0xff;
        assert!(sel(&bad).unwrap_err().message().contains("do not fit"));
        // Rank 0 and rank 33 are refused.
        let mut bad = b;
        bad[16] = 0;
        assert!(sel(&bad).unwrap_err().message().contains("rank 0"));
        bad[16] = 33;
        assert!(sel(&bad).unwrap_err().message().contains("rank 33"));
    }

    #[test]
    fn hyperslab_v3_irregular() {
        let b = [
            2, 0, 0, 0, // type: hyperslab
            3, 0, 0, 0, // version 3
            0, // flags: irregular
            4, // encode size 4
            1, 0, 0, 0, // rank 1
            1, 0, 0, 0, // 1 block
            2, 0, 0, 0, // start 2
            6, 0, 0, 0, // end 6
        ];
        assert_eq!(
            sel(&b).unwrap(),
            Selection::Blocks {
                rank: 1,
                corners: vec![2, 6]
            }
        );
        // Version 4 does not exist.
        let mut bad = b;
        bad[4] = 4;
        assert_eq!(sel(&bad).unwrap_err().kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn points_v1_and_v2() {
        let v1 = [
            1, 0, 0, 0, // type: points
            1, 0, 0, 0, // version 1
            0, 0, 0, 0, // reserved
            24, 0, 0, 0, // length
            2, 0, 0, 0, // rank 2
            2, 0, 0, 0, // 2 points
            7, 0, 0, 0, 1, 0, 0, 0, // (7, 1)
            0, 0, 0, 0, 3, 0, 0, 0, // (0, 3)
        ];
        assert_eq!(
            sel(&v1).unwrap(),
            Selection::Points {
                rank: 2,
                coords: vec![7, 1, 0, 3]
            }
        );
        let v2 = [
            1, 0, 0, 0, // type: points
            2, 0, 0, 0, // version 2
            2, // encode size 2
            1, 0, 0, 0, // rank 1
            2, 0, // 2 points
            9, 0, 4, 0, // (9), (4)
        ];
        assert_eq!(
            sel(&v2).unwrap(),
            Selection::Points {
                rank: 1,
                coords: vec![9, 4]
            }
        );
        assert!(sel(&v2[..v2.len() - 1]).is_err());
        let mut bad = v2;
        bad[4] = 3;
        assert_eq!(sel(&bad).unwrap_err().kind(), ErrorKind::Unsupported);
    }

    /// A version 0 block with one mapping `"a.h5" "/d"`, all -> all.
    fn block_v0() -> Vec<u8> {
        let mut b = vec![0u8]; // version 0
        b.extend_from_slice(&1u64.to_le_bytes()); // one entry
        b.extend_from_slice(b"a.h5\0"); // source file
        b.extend_from_slice(b"/d\0"); // source dataset
        b.extend_from_slice(&ALL); // source selection
        b.extend_from_slice(&ALL); // virtual selection
        let c = checksum::checksum(&b);
        b.extend_from_slice(&c.to_le_bytes());
        b
    }

    #[test]
    fn block_version_0() {
        let b = block_v0();
        let l = decode(&b, 0, Sizes::default(), &Limits::default()).unwrap();
        assert_eq!(l.version, 0);
        assert_eq!(l.mappings.len(), 1);
        assert_eq!(l.mappings[0].source_file, "a.h5");
        assert_eq!(l.mappings[0].source_dataset, "/d");
        assert_eq!(l.mappings[0].source_select, Selection::All);
        // A flipped bit fails the checksum.
        let mut bad = b.clone();
        bad[10] ^= 1;
        assert!(decode(&bad, 0, Sizes::default(), &Limits::default())
            .unwrap_err()
            .message()
            .contains("checksum"));
        // Version 2 is unknown.
        let mut bad = b.clone();
        bad[0] = 2;
        assert_eq!(
            decode(&bad, 0, Sizes::default(), &Limits::default())
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        // An entry count larger than the bytes could hold.
        let mut bad = b;
        bad[1] = 200;
        assert!(decode(&bad, 0, Sizes::default(), &Limits::default()).is_err());
    }

    #[test]
    fn block_version_1_shared_names() {
        let mut b = vec![1u8]; // version 1
        b.extend_from_slice(&2u64.to_le_bytes()); // two entries
        b.push(ENTRY_SAME_FILE); // entry 0: same file, own dataset name
        b.extend_from_slice(b"/src\0");
        b.extend_from_slice(&ALL);
        b.extend_from_slice(&ALL);
        b.push(ENTRY_SHARED_FILE_NAME | ENTRY_SHARED_DATASET_NAME); // entry 1: both shared
        b.extend_from_slice(&0u64.to_le_bytes()); // file name of entry 0
        b.extend_from_slice(&0u64.to_le_bytes()); // dataset name of entry 0
        b.extend_from_slice(&ALL);
        b.extend_from_slice(&ALL);
        let mut good = b.clone();
        let c = checksum::checksum(&good);
        good.extend_from_slice(&c.to_le_bytes());
        let l = decode(&good, 0, Sizes::default(), &Limits::default()).unwrap();
        assert_eq!(l.mappings[0].source_file, ".");
        assert_eq!(l.mappings[1].source_file, ".");
        assert_eq!(l.mappings[1].source_dataset, "/src");
        // A shared name pointing forward is refused.
        let at = 1 + 8 + 1 + 5 + 32 + 1;
        let mut bad = b.clone();
        bad[at] = 1;
        let c = checksum::checksum(&bad);
        bad.extend_from_slice(&c.to_le_bytes());
        assert!(decode(&bad, 0, Sizes::default(), &Limits::default())
            .unwrap_err()
            .message()
            .contains("not an earlier one"));
        // Reserved flag bits are refused.
        let mut bad = b;
        bad[9] = 0x80;
        assert!(decode(&bad, 0, Sizes::default(), &Limits::default())
            .unwrap_err()
            .message()
            .contains("unknown flags"));
    }
}
