//! Jenkins' lookup3 hash (`hashlittle`), the checksum of HDF5 metadata.
//!
//! HDF5 uses it with an initial value of 0 for object header v2 chunks,
//! B-tree v2 nodes, fractal heap blocks, chunk index blocks and superblock
//! v2/v3, and for hashing link and attribute names in dense storage.

use crate::error::{Error, Result};

#[inline]
fn rot(x: u32, k: u32) -> u32 {
    x.rotate_left(k)
}

#[inline]
fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= rot(*c, 4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= rot(*a, 6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= rot(*b, 8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= rot(*c, 16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= rot(*a, 19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= rot(*b, 4);
    *b = b.wrapping_add(*a);
}

#[inline]
fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(rot(*b, 14));
    *a ^= *c;
    *a = a.wrapping_sub(rot(*c, 11));
    *b ^= *a;
    *b = b.wrapping_sub(rot(*a, 25));
    *c ^= *b;
    *c = c.wrapping_sub(rot(*b, 16));
    *a ^= *c;
    *a = a.wrapping_sub(rot(*c, 4));
    *b ^= *a;
    *b = b.wrapping_sub(rot(*a, 14));
    *c ^= *b;
    *c = c.wrapping_sub(rot(*b, 24));
}

fn word(b: &[u8]) -> u32 {
    // Little-endian assembly of up to 4 bytes; missing bytes count as zero.
    b.iter()
        .take(4)
        .enumerate()
        .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (8 * i)))
}

/// lookup3 `hashlittle(data, initval)`.
pub fn lookup3(data: &[u8], initval: u32) -> u32 {
    let len = data.len();
    let mut a = 0xdead_beefu32
        .wrapping_add(len as u32)
        .wrapping_add(initval);
    let mut b = a;
    let mut c = a;
    let mut rest = data;
    while rest.len() > 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        return c;
    }
    a = a.wrapping_add(word(rest.get(0..).unwrap_or(&[])));
    b = b.wrapping_add(word(rest.get(4..).unwrap_or(&[])));
    c = c.wrapping_add(word(rest.get(8..).unwrap_or(&[])));
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// The HDF5 metadata checksum: lookup3 with initial value 0.
pub fn checksum(data: &[u8]) -> u32 {
    lookup3(data, 0)
}

/// Verifies that the last 4 bytes of `block` are the checksum of the rest.
/// `base` is the block's file offset; `what` names the structure.
///
/// Under `cfg(fuzzing)` the check always passes so that fuzzers reach the
/// decoders behind it.
pub fn verify(block: &[u8], base: u64, what: &str) -> Result<()> {
    if block.len() < 4 {
        return Err(Error::malformed(
            base,
            alloc::format!(
                "{what}: block of {} bytes has no room for a checksum",
                block.len()
            ),
        ));
    }
    let (body, tail) = block.split_at(block.len() - 4);
    let stored = word(tail);
    let computed = checksum(body);
    if cfg!(fuzzing) || stored == computed {
        Ok(())
    } else {
        Err(Error::malformed(
            base + body.len() as u64,
            alloc::format!(
                "{what}: checksum mismatch, stored {stored:#010x}, computed {computed:#010x}"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values from lookup3.c's driver5 self-test.
        assert_eq!(lookup3(b"", 0), 0xdeadbeef);
        assert_eq!(lookup3(b"", 0xdeadbeef), 0xbd5b7dde);
        assert_eq!(lookup3(b"Four score and seven years ago", 0), 0x17770551);
        assert_eq!(lookup3(b"Four score and seven years ago", 1), 0xcd628161);
    }

    #[test]
    fn verify_detects_corruption() {
        let mut block = alloc::vec::Vec::from(&b"hello world!"[..]);
        let c = checksum(&block);
        block.extend_from_slice(&c.to_le_bytes());
        assert!(verify(&block, 0, "t").is_ok());
        block[0] ^= 1;
        assert!(verify(&block, 0, "t").is_err());
    }
}
