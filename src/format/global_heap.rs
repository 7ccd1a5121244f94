//! Global heap collections (`GCOL`): where variable-length data lives.
//!
//! Spec III.E "Disk Format: Level 1E - Global Heap". A collection is a header
//! followed by objects, each a 16-byte object header and data padded to a
//! multiple of 8 bytes. Object index 0 marks the free space at the end.
//! A variable-length element in a dataset or attribute refers to one object by
//! (collection address, object index).

use crate::error::{Error, Result};
use crate::format::{read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// Signature of a global heap collection.
pub const SIGNATURE: &[u8; 4] = b"GCOL";

/// Size of an object's header inside a collection: index, reference count,
/// reserved, and a "size of lengths" object size (8 bytes in every layout
/// libhdf5 writes; we honour `Sizes::length`).
fn object_header_size(sizes: Sizes) -> usize {
    8 + usize::from(sizes.length)
}

/// One decoded collection: its bytes and where each object sits in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalHeapCollection {
    /// File address of the collection.
    pub address: u64,
    data: Vec<u8>,
    /// Object index -> (start, length) in `data`.
    objects: BTreeMap<u32, (usize, usize)>,
}

impl GlobalHeapCollection {
    /// The data of object `index`, or `None` when the collection has no such object.
    pub fn object(&self, index: u32) -> Option<&[u8]> {
        let &(start, len) = self.objects.get(&index)?;
        self.data.get(start..start.checked_add(len)?)
    }

    /// Number of objects stored (free space not counted).
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when the collection holds no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The indices of the stored objects, ascending.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.objects.keys().copied()
    }

    /// Decodes a whole collection from `bytes` (header included), which start at
    /// file offset `address`.
    pub fn decode(bytes: Vec<u8>, address: u64, sizes: Sizes) -> Result<GlobalHeapCollection> {
        let objects = index_objects(&bytes, address, sizes)?;
        Ok(GlobalHeapCollection {
            address,
            data: bytes,
            objects,
        })
    }
}

fn collection_header_size(sizes: Sizes) -> usize {
    // signature + version + 3 reserved + collection size
    8 + usize::from(sizes.length)
}

fn index_objects(
    bytes: &[u8],
    address: u64,
    sizes: Sizes,
) -> Result<BTreeMap<u32, (usize, usize)>> {
    let mut c = Cursor::new(bytes, address, "global heap collection");
    c.signature(SIGNATURE)?;
    let version = c.u8()?;
    if version != 1 {
        return Err(c.unsupported(format_args!("expected version 1, found {version}")));
    }
    c.skip(3)?;
    let _declared_size = c.length(sizes)?;
    let mut objects = BTreeMap::new();
    // Objects follow until the free-space object (index 0) or until too few
    // bytes remain for another object header. A collection written without a
    // free-space object (possible when the objects fill it exactly) simply ends.
    while c.remaining() >= object_header_size(sizes) {
        let at = c.offset();
        let index = c.u16()?;
        let _reference_count = c.u16()?;
        c.skip(4)?;
        let size = c.length(sizes)?;
        if index == 0 {
            break;
        }
        let padded = size
            .checked_add(7)
            .map(|s| s & !7)
            .and_then(|s| usize::try_from(s).ok());
        let start = c.pos();
        let len = usize::try_from(size).ok().filter(|&l| l <= c.remaining());
        let (Some(len), Some(padded)) = (len, padded) else {
            return Err(Error::malformed(
                at,
                format!(
                    "global heap collection: object {index} claims {size} bytes, but only {} remain in the collection",
                    c.remaining()
                ),
            ));
        };
        if objects.insert(u32::from(index), (start, len)).is_some() {
            return Err(Error::malformed(
                at,
                format!("global heap collection: object index {index} appears twice"),
            ));
        }
        // The last object's padding may be cut off by the collection end.
        c.skip(padded.min(c.remaining()))?;
    }
    Ok(objects)
}

/// Reads the global heap collection at `address`.
pub fn read_collection<R: ReadAt + ?Sized>(
    r: &R,
    sizes: Sizes,
    address: u64,
    limits: &Limits,
) -> Result<GlobalHeapCollection> {
    let header_len = collection_header_size(sizes);
    let header = read_block(
        r,
        address,
        header_len as u64,
        limits,
        "global heap collection",
    )?;
    let mut c = Cursor::new(&header, address, "global heap collection");
    c.signature(SIGNATURE)?;
    c.skip(4)?;
    let size = c.length(sizes)?;
    if size < header_len as u64 {
        return Err(Error::malformed(
            address,
            format!(
                "global heap collection: size {size} is smaller than its own header ({header_len} bytes)"
            ),
        ));
    }
    let bytes = read_block(r, address, size, limits, "global heap collection")?;
    GlobalHeapCollection::decode(bytes, address, sizes)
}

/// Decodes the reference a variable-length element stores: sequence length
/// (u32), collection address, object index (u32).
pub fn decode_vlen_reference(c: &mut Cursor, sizes: Sizes) -> Result<(u32, u64, u32)> {
    let length = c.u32()?;
    let address = c.address(sizes)?;
    let index = c.u32()?;
    Ok((length, address, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const S8: Sizes = Sizes {
        offset: 8,
        length: 8,
    };

    fn object(index: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&index.to_le_bytes()); // object index
        v.extend_from_slice(&1u16.to_le_bytes()); // reference count
        v.extend_from_slice(&[0; 4]); // reserved
        v.extend_from_slice(&(data.len() as u64).to_le_bytes()); // object size
        v.extend_from_slice(data);
        while v.len() % 8 != 0 {
            v.push(0); // padding to 8
        }
        v
    }

    /// A collection at offset 0 with objects 1 ("hello") and 2 ("vlen!!!!!").
    fn collection(with_free_space: bool) -> Vec<u8> {
        let mut objs = Vec::new();
        objs.extend(object(1, b"hello"));
        objs.extend(object(2, b"vlen!!!!!"));
        if with_free_space {
            objs.extend_from_slice(&0u16.to_le_bytes()); // index 0: free space
            objs.extend_from_slice(&[0; 6]); // reference count + reserved
            objs.extend_from_slice(&32u64.to_le_bytes()); // free space size
            objs.extend_from_slice(&[0; 16]);
        }
        let mut f = Vec::new();
        f.extend_from_slice(b"GCOL"); // signature
        f.push(1); // version
        f.extend_from_slice(&[0; 3]); // reserved
        f.extend_from_slice(&((16 + objs.len()) as u64).to_le_bytes()); // collection size
        f.extend(objs);
        f
    }

    #[test]
    fn reads_objects() {
        for free in [true, false] {
            let f = collection(free);
            let col = read_collection(&f, S8, 0, &Limits::default()).unwrap();
            assert_eq!(col.object(1).unwrap(), b"hello");
            assert_eq!(col.object(2).unwrap(), b"vlen!!!!!");
            assert_eq!(col.object(0), None);
            assert_eq!(col.object(3), None);
            assert_eq!(col.len(), 2);
        }
    }

    #[test]
    fn object_past_collection_end_is_an_error() {
        let mut f = collection(false);
        // Declared collection size cuts object 2 short.
        f[8..16].copy_from_slice(&(16u64 + 24 + 16 + 4).to_le_bytes());
        let e = read_collection(&f, S8, 0, &Limits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert!(e.message().contains("object 2"), "{e}");
        assert_eq!(e.offset(), Some(40));
    }

    #[test]
    fn huge_object_size_is_an_error() {
        let mut f = collection(false);
        f[16 + 8..16 + 16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read_collection(&f, S8, 0, &Limits::default()).is_err());
    }

    #[test]
    fn bad_header() {
        let mut f = collection(true);
        f[3] = b'X';
        assert!(read_collection(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("GCOL"));
        let mut f = collection(true);
        f[4] = 2;
        assert_eq!(
            read_collection(&f, S8, 0, &Limits::default())
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        let mut f = collection(true);
        f[8..16].copy_from_slice(&4u64.to_le_bytes()); // smaller than the header
        assert!(read_collection(&f, S8, 0, &Limits::default()).is_err());
        let mut f = collection(true);
        f[8..16].copy_from_slice(&10_000u64.to_le_bytes()); // past end of file
        assert!(read_collection(&f, S8, 0, &Limits::default()).is_err());
    }

    #[test]
    fn duplicate_index_is_an_error() {
        let mut f = collection(false);
        f[16 + 24] = 1; // object 2 renumbered to 1
        assert!(read_collection(&f, S8, 0, &Limits::default())
            .unwrap_err()
            .message()
            .contains("twice"));
    }

    #[test]
    fn vlen_reference() {
        let bytes = [
            3, 0, 0, 0, // sequence length
            0x10, 0, 0, 0, 0, 0, 0, 0, // collection address
            7, 0, 0, 0, // object index
        ];
        let mut c = Cursor::new(&bytes, 0, "vlen");
        assert_eq!(decode_vlen_reference(&mut c, S8).unwrap(), (3, 0x10, 7));
        let mut c = Cursor::new(&bytes[..10], 0, "vlen");
        assert!(decode_vlen_reference(&mut c, S8).is_err());
    }
}
