//! Global heap collections (`GCOL`): where variable-length data lives.
//!
//! Spec III.E "Disk Format: Level 1E - Global Heap". A collection is a header
//! followed by objects, each a 16-byte object header and data padded to a
//! multiple of 8 bytes. Object index 0 marks the free space at the end.
//! A variable-length element in a dataset or attribute refers to one object by
//! (collection address, object index).

use crate::error::{Error, Result};
use crate::format::message::shared::{put_address, put_length};
use crate::format::{read_block, Cursor, Limits, Sizes};
use crate::io::ReadAt;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;

/// Signature of a global heap collection.
pub const SIGNATURE: &[u8; 4] = b"GCOL";
/// Global heap collection version (the only one defined).
const VERSION: u8 = 1;
/// Object data is padded to a multiple of this.
const ALIGN: u64 = 8;
/// The smallest collection libhdf5 writes (`H5HG_MINSIZE`); it reads that
/// much before it knows a collection's size, so smaller ones are not safe.
pub const MIN_COLLECTION_SIZE: u64 = 4096;
/// Objects one collection can hold (indices 1 to 65535; 0 is free space).
pub const MAX_OBJECTS: usize = u16::MAX as usize;

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
    if version != VERSION {
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

/// Bytes of the collection header plus every object (header and padded data).
fn used_len(sizes: Sizes, objects: &[&[u8]]) -> u64 {
    let header = object_header_size(sizes) as u64;
    collection_header_size(sizes) as u64
        + objects
            .iter()
            .map(|o| header + (<[u8]>::len(o) as u64).next_multiple_of(ALIGN))
            .sum::<u64>()
}

/// Size of the collection [`encode_collection`] writes for `objects`: all of
/// them, at least [`MIN_COLLECTION_SIZE`], and never leaving free space too
/// small for the free-space object's header.
pub fn collection_len(sizes: Sizes, objects: &[&[u8]]) -> u64 {
    let used = used_len(sizes, objects);
    let size = used.max(MIN_COLLECTION_SIZE);
    let free = size - used;
    let header = object_header_size(sizes) as u64;
    if free > 0 && free < header {
        // libhdf5 would never leave such a gap; make room for an empty
        // free-space object instead.
        used + header
    } else {
        size
    }
}

/// Encodes a global heap collection holding `objects` as objects 1, 2, ...
/// (in order), each with reference count 0 as libhdf5 writes vlen data, its
/// data padded with zeros to a multiple of 8; the rest of the
/// [`collection_len`] bytes is the free-space object (index 0, its size
/// counting its own header).
///
/// # Panics
///
/// When there are more than [`MAX_OBJECTS`] objects.
pub fn encode_collection(sizes: Sizes, objects: &[&[u8]]) -> Vec<u8> {
    assert!(
        objects.len() <= MAX_OBJECTS,
        "global heap collection: {} objects exceed the {MAX_OBJECTS} a collection can number",
        objects.len()
    );
    let len = collection_len(sizes, objects);
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(SIGNATURE);
    out.push(VERSION);
    out.extend_from_slice(&[0; 3]); // reserved
    put_length(&mut out, sizes, len);
    for (i, data) in objects.iter().enumerate() {
        put_object_header(&mut out, sizes, i as u16 + 1, <[u8]>::len(data) as u64);
        out.extend_from_slice(data);
        let padded = out.len().next_multiple_of(ALIGN as usize);
        out.resize(padded, 0);
    }
    let free = len - out.len() as u64;
    if free > 0 {
        put_object_header(&mut out, sizes, 0, free);
    }
    out.resize(len as usize, 0);
    out
}

/// Object index, reference count (always 0: libhdf5 does not count
/// references to vlen data), reserved, size.
fn put_object_header(out: &mut Vec<u8>, sizes: Sizes, index: u16, size: u64) {
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // reference count
    out.extend_from_slice(&[0; 4]); // reserved
    put_length(out, sizes, size);
}

/// Encodes the element a variable-length dataset or attribute stores for one
/// value: its length (characters for a string, elements for a sequence),
/// the collection address and the object index (16 bytes for 8-byte
/// offsets). An empty value is length 0, address 0, index 0, as libhdf5
/// writes it.
pub fn encode_vlen_reference(
    sizes: Sizes,
    length: u32,
    collection_address: u64,
    index: u32,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + usize::from(sizes.offset));
    out.extend_from_slice(&length.to_le_bytes());
    put_address(&mut out, sizes, collection_address);
    out.extend_from_slice(&index.to_le_bytes());
    out
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

    #[test]
    fn encode_collection_round_trips() {
        let objects: [&[u8]; 4] = [b"hello", b"", b"exactly8", b"a bit longer than that"];
        let b = encode_collection(S8, &objects);
        assert_eq!(b.len(), 4096);
        assert_eq!(collection_len(S8, &objects), 4096);
        let col = read_collection(&b, S8, 0, &Limits::default()).unwrap();
        assert_eq!(col.len(), 4);
        for (i, o) in objects.iter().enumerate() {
            assert_eq!(col.object(i as u32 + 1).unwrap(), *o);
        }
        // The free-space object: index 0, size = rest of the collection.
        let used = 16 + (16 + 8) + 16 + (16 + 8) + (16 + 24);
        assert_eq!(b[used..used + 2], [0, 0]);
        assert_eq!(b[used + 8..used + 16], (4096 - used as u64).to_le_bytes());
    }

    #[test]
    fn large_and_exact_collections() {
        // Larger than the minimum: exactly the objects, no free space.
        let big = alloc::vec![7u8; 5000];
        let objects: [&[u8]; 1] = [&big];
        let len = collection_len(S8, &objects);
        assert_eq!(len, 16 + 16 + 5000);
        let b = encode_collection(S8, &objects);
        assert_eq!(b.len() as u64, len);
        let col = read_collection(&b, S8, 0, &Limits::default()).unwrap();
        assert_eq!(col.object(1).unwrap(), &big[..]);
        // 8 bytes short of the minimum: room is made for the free-space
        // object's header rather than leaving a gap no reader expects.
        let fill = alloc::vec![1u8; 4096 - 16 - 16 - 8];
        let objects: [&[u8]; 1] = [&fill];
        assert_eq!(collection_len(S8, &objects), 4096 + 8);
        let b = encode_collection(S8, &objects);
        let col = read_collection(&b, S8, 0, &Limits::default()).unwrap();
        assert_eq!(col.len(), 1);
        assert_eq!(b[4088..4090], [0, 0]); // free-space object
        assert_eq!(b[4096..4104], 16u64.to_le_bytes()); // just its header
                                                        // No objects at all.
        let b = encode_collection(S8, &[]);
        assert_eq!(b.len(), 4096);
        assert!(read_collection(&b, S8, 0, &Limits::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn reencoding_libhdf5_collection_gives_the_same_bytes() {
        // The collection libhdf5 wrote (h5py, libver "earliest") for the vlen
        // strings of tests/golden/files/attrs_earliest.h5, at 0xf00.
        let file = include_bytes!("../../tests/golden/files/attrs_earliest.h5");
        let original = &file[0xf00..0xf00 + 4096];
        let col = read_collection(&file[..], S8, 0xf00, &Limits::default()).unwrap();
        assert_eq!(col.len(), 31);
        assert_eq!(
            col.indices().collect::<Vec<_>>(),
            (1..=31).collect::<Vec<_>>()
        );
        let objects: Vec<&[u8]> = col.indices().filter_map(|i| col.object(i)).collect();
        assert_eq!(encode_collection(S8, &objects), original);
    }

    #[test]
    fn vlen_reference_round_trips() {
        let b = encode_vlen_reference(S8, 17, 0xf00, 1);
        assert_eq!(
            b,
            [
                17, 0, 0, 0, // length
                0, 0x0f, 0, 0, 0, 0, 0, 0, // collection address
                1, 0, 0, 0, // object index
            ]
        );
        let mut c = Cursor::new(&b, 0, "vlen");
        assert_eq!(decode_vlen_reference(&mut c, S8).unwrap(), (17, 0xf00, 1));
        let s4 = Sizes {
            offset: 4,
            length: 4,
        };
        let b = encode_vlen_reference(s4, 3, 0x1234, 9);
        assert_eq!(b.len(), 12);
        let mut c = Cursor::new(&b, 0, "vlen");
        assert_eq!(decode_vlen_reference(&mut c, s4).unwrap(), (3, 0x1234, 9));
    }
}
