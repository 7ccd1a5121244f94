//! The dataspace message (0x0001, spec IV.A.2.b), versions 1 and 2.

use super::check_count;
use super::shared::put_length;
use crate::error::Result;
use crate::format::{Cursor, Sizes};
use alloc::vec::Vec;

/// Maximum size value meaning "unlimited" (all ones at any length width).
pub const UNLIMITED: u64 = u64::MAX;

/// Largest rank libhdf5 creates (`H5S_MAX_RANK`).
const MAX_RANK: u8 = 32;

/// Version 1: scalar (rank 0) and simple; what libhdf5 writes at "earliest".
const VERSION_1: u8 = 1;
/// Version 2: adds the type byte, the only way to say "null".
const VERSION_2: u8 = 2;

/// Flag bit 0: maximum sizes are stored.
const FLAG_MAX_DIMS: u8 = 0x01;
/// Flag bit 1 (version 1 only): permutation indices are stored.
const FLAG_PERMUTATION: u8 = 0x02;

/// Version 2 type codes.
const TYPE_SCALAR: u8 = 0;
const TYPE_SIMPLE: u8 = 1;
const TYPE_NULL: u8 = 2;

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

impl Dataspace {
    /// Encodes the message as libhdf5 with libver "earliest" (and VTK) writes
    /// it: version 1 for scalar and simple dataspaces, version 2 for null
    /// ones, which version 1 cannot express. Maximum sizes are stored when
    /// `max_dims` is `Some`, even when equal to `dims`: libhdf5 always stores
    /// them for a simple dataspace, so pass `Some(dims)` to match its bytes.
    /// [`UNLIMITED`] is written as all ones at the length width.
    ///
    /// A simple dataspace with no dimensions, which version 1 would read back
    /// as scalar, is written as version 2.
    ///
    /// # Panics
    ///
    /// If the rank exceeds 32 (`H5S_MAX_RANK`), if `max_dims` has another
    /// length than `dims`, or if a scalar or null dataspace has dimensions:
    /// the caller builds the dataspace, and none of these can be stored.
    pub fn encode(&self, sizes: Sizes) -> Vec<u8> {
        let rank = self.dims.len();
        assert!(
            rank <= usize::from(MAX_RANK),
            "dataspace rank {rank} exceeds {MAX_RANK}"
        );
        if let Some(max) = &self.max_dims {
            assert_eq!(
                max.len(),
                rank,
                "dataspace max_dims and dims differ in rank"
            );
        }
        assert!(
            self.kind == DataspaceKind::Simple || rank == 0,
            "{:?} dataspace with dimensions",
            self.kind
        );
        let flags = if self.max_dims.is_some() && rank > 0 {
            FLAG_MAX_DIMS
        } else {
            0
        };
        let width = usize::from(sizes.length);
        let mut out = Vec::with_capacity(8 + 2 * rank * width);
        let version_2_type = match self.kind {
            DataspaceKind::Null => Some(TYPE_NULL),
            DataspaceKind::Simple if rank == 0 => Some(TYPE_SIMPLE),
            _ => None,
        };
        match version_2_type {
            Some(kind) => out.extend_from_slice(&[VERSION_2, rank as u8, flags, kind]),
            // Version, rank, flags, then 1 + 4 reserved bytes.
            None => out.extend_from_slice(&[VERSION_1, rank as u8, flags, 0, 0, 0, 0, 0]),
        }
        for &d in &self.dims {
            put_length(&mut out, sizes, d);
        }
        if flags & FLAG_MAX_DIMS != 0 {
            for &m in self.max_dims.iter().flatten() {
                put_length(&mut out, sizes, m);
            }
        }
        out
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
    if version != VERSION_1 && version != VERSION_2 {
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
    let kind = if version == VERSION_1 {
        // Reserved byte and 4 reserved bytes; version 1 has no null dataspace.
        c.skip(5)?;
        if rank == 0 {
            DataspaceKind::Scalar
        } else {
            DataspaceKind::Simple
        }
    } else {
        match c.u8()? {
            TYPE_SCALAR => DataspaceKind::Scalar,
            TYPE_SIMPLE => DataspaceKind::Simple,
            TYPE_NULL => DataspaceKind::Null,
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
    let max_dims = if flags & FLAG_MAX_DIMS != 0 {
        Some(read_sizes(c, sizes, rank)?)
    } else {
        None
    };
    if version == VERSION_1 && flags & FLAG_PERMUTATION != 0 {
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

    fn round_trip(ds: &Dataspace, sizes: Sizes) {
        let bytes = ds.encode(sizes);
        let mut c = Cursor::new(&bytes, 0, "dataspace");
        assert_eq!(&decode(&mut c, sizes).unwrap(), ds);
        assert_eq!(c.remaining(), 0);
    }

    #[test]
    fn encode_matches_vtk() {
        // /work/shared/corpus/vtkhdf/vtk/temporal_ug.vtkhdf (VTK 9.7.2),
        // dataset /VTKHDF/Points: 20x3, extendible in dimension 0.
        let vtk = [
            1, // version
            2, // rank
            1, // flags: max dims present
            0, // reserved
            0, 0, 0, 0, // reserved
            0x14, 0, 0, 0, 0, 0, 0, 0, // dim 0 = 20
            3, 0, 0, 0, 0, 0, 0, 0, // dim 1 = 3
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // max 0 unlimited
            3, 0, 0, 0, 0, 0, 0, 0, // max 1 = 3
        ];
        let ds = Dataspace {
            kind: DataspaceKind::Simple,
            dims: vec![20, 3],
            max_dims: Some(vec![UNLIMITED, 3]),
        };
        assert_eq!(ds.encode(S8), vtk);
        // The same file, the scalar dataspace of attribute "Type" of /VTKHDF.
        let scalar = [
            1, // version
            0, // rank 0: scalar
            0, // flags
            0, // reserved
            0, 0, 0, 0, // reserved
        ];
        let ds = Dataspace {
            kind: DataspaceKind::Scalar,
            dims: vec![],
            max_dims: None,
        };
        assert_eq!(ds.encode(S8), scalar);
    }

    #[test]
    fn encode_null_as_h5py_earliest() {
        // tests/golden/files/attrs_earliest.h5, attribute "null_f4" (h5py.Empty).
        let null = [
            2, // version
            0, // rank
            0, // flags
            2, // type: null
        ];
        let ds = Dataspace {
            kind: DataspaceKind::Null,
            dims: vec![],
            max_dims: None,
        };
        assert_eq!(ds.encode(S8), null);
        round_trip(&ds, S8);
    }

    #[test]
    fn encode_round_trips() {
        let sizes4 = Sizes {
            offset: 4,
            length: 4,
        };
        let cases = [
            Dataspace {
                kind: DataspaceKind::Simple,
                dims: vec![6, 10],
                max_dims: None,
            },
            Dataspace {
                kind: DataspaceKind::Simple,
                dims: vec![0],
                max_dims: Some(vec![UNLIMITED]),
            },
            Dataspace {
                kind: DataspaceKind::Simple,
                dims: vec![],
                max_dims: None,
            },
            Dataspace {
                kind: DataspaceKind::Scalar,
                dims: vec![],
                max_dims: None,
            },
        ];
        for ds in &cases {
            round_trip(ds, S8);
            round_trip(ds, sizes4);
        }
        // Unlimited at width 4 is all ones at width 4.
        let bytes = cases[1].encode(sizes4);
        assert_eq!(bytes[12..], [0xff; 4]);
    }

    #[test]
    #[should_panic(expected = "rank")]
    fn encode_rank_over_32_panics() {
        let ds = Dataspace {
            kind: DataspaceKind::Simple,
            dims: vec![1; 33],
            max_dims: None,
        };
        ds.encode(S8);
    }

    proptest::proptest! {
        #[test]
        fn encode_decode_property(
            dims in proptest::collection::vec(0u64..1 << 40, 0..=32usize),
            unlimited in proptest::collection::vec(proptest::bool::ANY, 32),
            with_max in proptest::bool::ANY,
            kind in 0u8..3,
        ) {
            let kind = match kind {
                0 => DataspaceKind::Simple,
                1 => DataspaceKind::Scalar,
                _ => DataspaceKind::Null,
            };
            let dims = if kind == DataspaceKind::Simple { dims } else { vec![] };
            let max_dims = with_max.then(|| {
                dims.iter()
                    .zip(&unlimited)
                    .map(|(&d, &u)| if u { UNLIMITED } else { d })
                    .collect::<Vec<_>>()
            });
            // Max dims of a rank-0 dataspace are not stored.
            let max_dims = max_dims.filter(|m| !m.is_empty());
            let ds = Dataspace { kind, dims, max_dims };
            let bytes = ds.encode(S8);
            let mut c = Cursor::new(&bytes, 0, "dataspace");
            proptest::prop_assert_eq!(decode(&mut c, S8).unwrap(), ds);
            proptest::prop_assert_eq!(c.remaining(), 0);
        }
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
