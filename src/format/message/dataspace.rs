//! The dataspace message (0x0001, spec IV.A.2.b), versions 1 and 2.

use super::check_count;
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// Maximum size value meaning "unlimited" (all ones at any length width).
pub const UNLIMITED: u64 = u64::MAX;

/// Largest rank libhdf5 creates (`H5S_MAX_RANK`).
const MAX_RANK: u8 = 32;

/// Shape class of a dataspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataspaceKind {
    /// One element, no dimensions.
    Scalar,
    /// An array with one or more dimensions.
    Simple,
    /// No elements at all.
    Null,
}

/// A decoded dataspace message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataspace {
    /// Scalar, simple or null.
    pub kind: DataspaceKind,
    /// Current size of each dimension, slowest-changing first.
    pub dims: Vec<u64>,
    /// Maximum sizes ([`UNLIMITED`] for unlimited), `None` when not stored
    /// (then they equal `dims`).
    pub max_dims: Option<Vec<u64>>,
}

impl Dataspace {
    /// Number of elements: 1 for scalar, 0 for null, the product of the
    /// dimensions otherwise; `None` on overflow.
    pub fn num_elements(&self) -> Option<u64> {
        match self.kind {
            DataspaceKind::Scalar => Some(1),
            DataspaceKind::Null => Some(0),
            DataspaceKind::Simple => self
                .dims
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d)),
        }
    }
}

/// Reads `rank` sizes of "size of lengths" bytes; all ones reads as [`UNLIMITED`].
fn read_sizes(c: &mut Cursor, sizes: Sizes, rank: u8) -> Result<Vec<u64>> {
    let width = sizes.length as usize;
    check_count(c, u64::from(rank), width as u64, "dimension sizes")?;
    let mut out = Vec::with_capacity(usize::from(rank));
    for _ in 0..rank {
        let v = c.length(sizes)?;
        let all_ones = width < 8 && v == (1u64 << (8 * width)) - 1;
        out.push(if all_ones { UNLIMITED } else { v });
    }
    Ok(out)
}

/// Decodes a dataspace message.
pub fn decode(c: &mut Cursor, sizes: Sizes) -> Result<Dataspace> {
    let version = c.u8()?;
    if version != 1 && version != 2 {
        return Err(c.unsupported(format_args!(
            "dataspace message version {version} (expected 1 or 2)"
        )));
    }
    let rank = c.u8()?;
    if rank > MAX_RANK {
        return Err(c.error(format_args!(
            "dataspace rank {rank} exceeds the maximum of {MAX_RANK}"
        )));
    }
    let flags = c.u8()?;
    let kind = if version == 1 {
        // Reserved byte and 4 reserved bytes; version 1 has no null dataspace.
        c.skip(5)?;
        if rank == 0 {
            DataspaceKind::Scalar
        } else {
            DataspaceKind::Simple
        }
    } else {
        match c.u8()? {
            0 => DataspaceKind::Scalar,
            1 => DataspaceKind::Simple,
            2 => DataspaceKind::Null,
            other => {
                return Err(c.error(format_args!(
                    "dataspace type {other} (expected 0 scalar, 1 simple or 2 null)"
                )))
            }
        }
    };
    if kind != DataspaceKind::Simple && rank != 0 {
        return Err(c.error(format_args!(
            "{kind:?} dataspace with rank {rank} (expected 0)"
        )));
    }
    let dims = read_sizes(c, sizes, rank)?;
    let max_dims = if flags & 0x01 != 0 {
        Some(read_sizes(c, sizes, rank)?)
    } else {
        None
    };
    if version == 1 && flags & 0x02 != 0 {
        // Permutation indices: never implemented by libhdf5, skipped.
        let width = u64::from(sizes.length);
        check_count(c, u64::from(rank), width, "permutation indices")?;
        c.skip(usize::from(rank) * usize::from(sizes.length))?;
    }
    Ok(Dataspace {
        kind,
        dims,
        max_dims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use alloc::vec;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    #[test]
    fn version_1_simple_with_max_dims() {
        let bytes = [
            1, // version
            2, // rank
            1, // flags: max dims present
            0, // reserved
            0, 0, 0, 0, // reserved
            6, 0, 0, 0, 0, 0, 0, 0, // dim 0 = 6
            10, 0, 0, 0, 0, 0, 0, 0, // dim 1 = 10
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // max 0 unlimited
            10, 0, 0, 0, 0, 0, 0, 0, // max 1 = 10
        ];
        let mut c = Cursor::new(&bytes, 0, "dataspace");
        let ds = decode(&mut c, S8).unwrap();
        assert_eq!(ds.kind, DataspaceKind::Simple);
        assert_eq!(ds.dims, vec![6, 10]);
        assert_eq!(ds.max_dims, Some(vec![UNLIMITED, 10]));
        assert_eq!(ds.num_elements(), Some(60));
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_1_rank_0_is_scalar() {
        let bytes = [
            1, // version
            0, // rank
            0, // flags
            0, // reserved
            0, 0, 0, 0, // reserved
        ];
        let mut c = Cursor::new(&bytes, 0, "dataspace");
        let ds = decode(&mut c, S8).unwrap();
        assert_eq!(ds.kind, DataspaceKind::Scalar);
        assert_eq!(ds.num_elements(), Some(1));
    }

    #[test]
    fn version_1_permutation_skipped_with_4_byte_lengths() {
        let bytes = [
            1, // version
            1, // rank
            2, // flags: permutation present
            0, // reserved
            0, 0, 0, 0, // reserved
            0xff, 0xff, 0xff, 0xff, // dim 0 (all ones at width 4)
            0, 0, 0, 0, // permutation index 0
        ];
        let mut c = Cursor::new(&bytes, 0, "dataspace");
        let sizes = Sizes {
            offset: 4,
            length: 4,
        };
        let ds = decode(&mut c, sizes).unwrap();
        assert_eq!(ds.dims, vec![UNLIMITED]);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn version_2_scalar_simple_null() {
        let scalar = [
            2, // version
            0, // rank
            0, // flags
            0, // type: scalar
        ];
        let ds = decode(&mut Cursor::new(&scalar, 0, "dataspace"), S8).unwrap();
        assert_eq!(ds.kind, DataspaceKind::Scalar);
        assert!(ds.dims.is_empty());

        let null = [
            2, // version
            0, // rank
            0, // flags
            2, // type: null
        ];
        let ds = decode(&mut Cursor::new(&null, 0, "dataspace"), S8).unwrap();
        assert_eq!(ds.kind, DataspaceKind::Null);
        assert_eq!(ds.num_elements(), Some(0));

        let simple = [
            2, // version
            1, // rank
            0, // flags
            1, // type: simple
            3, 0, 0, 0, 0, 0, 0, 0, // dim 0 = 3
        ];
        let ds = decode(&mut Cursor::new(&simple, 0, "dataspace"), S8).unwrap();
        assert_eq!(ds.dims, vec![3]);
        assert_eq!(ds.max_dims, None);
    }

    #[test]
    fn overflowing_element_count_is_none() {
        let ds = Dataspace {
            kind: DataspaceKind::Simple,
            dims: vec![u64::MAX, 2],
            max_dims: None,
        };
        assert_eq!(ds.num_elements(), None);
    }

    #[test]
    fn errors() {
        // Bad version.
        let e = decode(&mut Cursor::new(&[3, 0, 0, 0], 0, "dataspace"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        // Rank 200 with a few bytes left: an error, not an allocation.
        let e = decode(&mut Cursor::new(&[2, 32, 0, 1, 0, 0], 0, "dataspace"), S8).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        let e = decode(&mut Cursor::new(&[2, 200, 0, 1], 0, "dataspace"), S8).unwrap_err();
        assert!(e.message().contains("rank 200"), "{}", e.message());
        // Bad type.
        let e = decode(&mut Cursor::new(&[2, 0, 0, 7], 0, "dataspace"), S8).unwrap_err();
        assert!(e.message().contains("type 7"));
        // Scalar with a rank.
        let bytes = [2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        assert!(decode(&mut Cursor::new(&bytes, 0, "dataspace"), S8).is_err());
        // Truncated max dims.
        let bytes = [2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1];
        assert!(decode(&mut Cursor::new(&bytes, 0, "dataspace"), S8).is_err());
        // Truncated header.
        assert!(decode(&mut Cursor::new(&[1, 0, 0], 0, "dataspace"), S8).is_err());
    }
}
