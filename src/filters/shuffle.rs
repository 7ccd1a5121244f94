//! Filter 2, shuffle: regroups the bytes of fixed-size elements so that byte
//! 0 of every element comes first, then byte 1 of every element, and so on
//! (libhdf5 `H5Z_filter_shuffle`). Bytes after the last whole element stay
//! where they are; an element size of 0 or 1 leaves the data unchanged.
//!
//! Both directions are on the hot read/write path, so the common element
//! sizes get loops over fixed-size blocks that the compiler can unroll and
//! vectorise without bounds checks.

use alloc::vec::Vec;

use super::buffers;

/// Elements handled per block in the specialised loops.
const BLOCK_ELEMENTS: usize = 64;

/// Shuffles `data`, whose elements are `element_size` bytes each.
pub(crate) fn shuffle(data: Vec<u8>, element_size: usize) -> Vec<u8> {
    if element_size <= 1 || data.len() < element_size {
        return data;
    }
    let out = transform(&data, element_size, Direction::Shuffle);
    buffers::give(data);
    out
}

/// Shuffles a borrowed chunk into a new (pooled) buffer.
pub(crate) fn shuffle_slice(data: &[u8], element_size: usize) -> Vec<u8> {
    if element_size <= 1 || data.len() < element_size {
        return data.to_vec();
    }
    transform(data, element_size, Direction::Shuffle)
}

/// Undoes [`shuffle`].
pub(crate) fn unshuffle(data: Vec<u8>, element_size: usize) -> Vec<u8> {
    if element_size <= 1 || data.len() < element_size {
        return data;
    }
    let out = transform(&data, element_size, Direction::Unshuffle);
    buffers::give(data);
    out
}

#[derive(Clone, Copy)]
enum Direction {
    /// Interleaved elements to byte planes.
    Shuffle,
    /// Byte planes to interleaved elements.
    Unshuffle,
}

/// Writes the transformed `data` into a pooled buffer.
fn transform(data: &[u8], element_size: usize, direction: Direction) -> Vec<u8> {
    let mut out = buffers::take();
    // Every byte is overwritten below: only growth needs filling.
    out.resize(data.len(), 0);
    let n_elements = data.len() / element_size;
    let body = n_elements * element_size;
    let (out_body, out_tail) = out.split_at_mut(body);
    let (in_body, in_tail) = data.split_at(body);
    out_tail.copy_from_slice(in_tail);
    match (element_size, direction) {
        (2, Direction::Unshuffle) => unshuffle_fixed::<2>(in_body, out_body, n_elements),
        (4, Direction::Unshuffle) => unshuffle_fixed::<4>(in_body, out_body, n_elements),
        (8, Direction::Unshuffle) => unshuffle8(in_body, out_body, n_elements),
        (2, Direction::Shuffle) => shuffle_fixed::<2>(in_body, out_body, n_elements),
        (4, Direction::Shuffle) => shuffle_fixed::<4>(in_body, out_body, n_elements),
        (8, Direction::Shuffle) => shuffle8(in_body, out_body, n_elements),
        (_, Direction::Unshuffle) => unshuffle_any(in_body, out_body, element_size, n_elements),
        (_, Direction::Shuffle) => shuffle_any(in_body, out_body, element_size, n_elements),
    }
    out
}

/// Transposes the 8×8 byte matrix held in `w` (row `i` = word `i`, byte `j`
/// of a word = column `j`, little-endian): afterwards word `j` holds byte
/// `j` of every input word, in order.
#[inline(always)]
fn transpose8x8(w: &mut [u64; 8]) {
    const M1: u64 = 0x00FF_00FF_00FF_00FF;
    const M2: u64 = 0x0000_FFFF_0000_FFFF;
    const M4: u64 = 0x0000_0000_FFFF_FFFF;
    for i in [0, 2, 4, 6] {
        let t = ((w[i] >> 8) ^ w[i + 1]) & M1;
        w[i + 1] ^= t;
        w[i] ^= t << 8;
    }
    for i in [0, 1, 4, 5] {
        let t = ((w[i] >> 16) ^ w[i + 2]) & M2;
        w[i + 2] ^= t;
        w[i] ^= t << 16;
    }
    for i in [0, 1, 2, 3] {
        let t = ((w[i] >> 32) ^ w[i + 4]) & M4;
        w[i + 4] ^= t;
        w[i] ^= t << 32;
    }
}

/// Shuffle of 8-byte elements: 8 elements at a time as an 8×8 byte
/// transpose in registers, 8 bytes stored per plane.
fn shuffle8(elements: &[u8], out: &mut [u8], n_elements: usize) {
    let groups = n_elements / 8;
    let mut in_groups = elements.chunks_exact(64);
    for (g, group) in (0..groups).zip(&mut in_groups) {
        let mut w: [u64; 8] = core::array::from_fn(|i| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&group[8 * i..8 * i + 8]);
            u64::from_le_bytes(b)
        });
        transpose8x8(&mut w);
        for (plane, word) in w.iter().enumerate() {
            let at = plane * n_elements + 8 * g;
            if let Some(dst) = out.get_mut(at..at + 8) {
                dst.copy_from_slice(&word.to_le_bytes());
            }
        }
    }
    for (i, element) in in_groups.remainder().chunks_exact(8).enumerate() {
        let index = groups * 8 + i;
        for (plane, &byte) in element.iter().enumerate() {
            if let Some(dst) = out.get_mut(plane * n_elements + index) {
                *dst = byte;
            }
        }
    }
}

/// Unshuffle of 8-byte elements: 8 bytes from each plane, transposed.
fn unshuffle8(planes: &[u8], out: &mut [u8], n_elements: usize) {
    let groups = n_elements / 8;
    let mut out_groups = out.chunks_exact_mut(64);
    for (g, group) in (0..groups).zip(&mut out_groups) {
        let mut w = [0u64; 8];
        for (plane, word) in w.iter_mut().enumerate() {
            let at = plane * n_elements + 8 * g;
            if let Some(src) = planes.get(at..at + 8) {
                let mut b = [0u8; 8];
                b.copy_from_slice(src);
                *word = u64::from_le_bytes(b);
            }
        }
        transpose8x8(&mut w);
        for (dst, word) in group.chunks_exact_mut(8).zip(w) {
            dst.copy_from_slice(&word.to_le_bytes());
        }
    }
    for (i, element) in out_groups.into_remainder().chunks_exact_mut(8).enumerate() {
        let index = groups * 8 + i;
        for (plane, byte) in element.iter_mut().enumerate() {
            *byte = planes.get(plane * n_elements + index).copied().unwrap_or(0);
        }
    }
}

/// Byte planes (`planes.len() == N * n_elements`) to interleaved elements.
fn unshuffle_fixed<const N: usize>(planes: &[u8], out: &mut [u8], n_elements: usize) {
    let full_blocks = n_elements / BLOCK_ELEMENTS;
    let mut out_blocks = out.chunks_exact_mut(N * BLOCK_ELEMENTS);
    for (block, out_block) in (0..full_blocks).zip(&mut out_blocks) {
        let start = block * BLOCK_ELEMENTS;
        // One fixed-size slice per plane: the inner loop needs no checks.
        let Some(inputs) = plane_blocks::<N>(planes, n_elements, start) else {
            return;
        };
        for (i, element) in out_block.chunks_exact_mut(N).enumerate() {
            let i = i % BLOCK_ELEMENTS;
            let bytes: [u8; N] = core::array::from_fn(|plane| inputs[plane][i]);
            element.copy_from_slice(&bytes);
        }
    }
    // The last partial block.
    for (i, element) in out_blocks.into_remainder().chunks_exact_mut(N).enumerate() {
        let index = full_blocks * BLOCK_ELEMENTS + i;
        for (plane, byte) in element.iter_mut().enumerate() {
            *byte = planes.get(plane * n_elements + index).copied().unwrap_or(0);
        }
    }
}

/// Interleaved elements to byte planes (`out.len() == N * n_elements`).
fn shuffle_fixed<const N: usize>(elements: &[u8], out: &mut [u8], n_elements: usize) {
    let full_blocks = n_elements / BLOCK_ELEMENTS;
    let mut in_blocks = elements.chunks_exact(N * BLOCK_ELEMENTS);
    for (block, in_block) in (0..full_blocks).zip(&mut in_blocks) {
        let mut gathered = [[0u8; BLOCK_ELEMENTS]; N];
        for (i, element) in in_block.chunks_exact(N).enumerate() {
            let i = i % BLOCK_ELEMENTS;
            for (plane, &byte) in gathered.iter_mut().zip(element) {
                plane[i] = byte;
            }
        }
        let start = block * BLOCK_ELEMENTS;
        for (plane, bytes) in gathered.iter().enumerate() {
            if let Some(dst) = out.get_mut(plane * n_elements + start..) {
                if let Some(dst) = dst.first_chunk_mut::<BLOCK_ELEMENTS>() {
                    dst.copy_from_slice(bytes);
                }
            }
        }
    }
    for (i, element) in in_blocks.remainder().chunks_exact(N).enumerate() {
        let index = full_blocks * BLOCK_ELEMENTS + i;
        for (plane, &byte) in element.iter().enumerate() {
            if let Some(dst) = out.get_mut(plane * n_elements + index) {
                *dst = byte;
            }
        }
    }
}

/// Byte planes to elements, for any element size: one plane at a time.
fn unshuffle_any(planes: &[u8], out: &mut [u8], element_size: usize, n_elements: usize) {
    for (plane_index, plane) in planes.chunks_exact(n_elements).enumerate() {
        let column = out.iter_mut().skip(plane_index).step_by(element_size);
        for (dst, &src) in column.zip(plane) {
            *dst = src;
        }
    }
}

/// Elements to byte planes, for any element size: one plane at a time.
fn shuffle_any(elements: &[u8], out: &mut [u8], element_size: usize, n_elements: usize) {
    for (plane_index, plane) in out.chunks_exact_mut(n_elements).enumerate() {
        let column = elements.iter().skip(plane_index).step_by(element_size);
        for (dst, &src) in plane.iter_mut().zip(column) {
            *dst = src;
        }
    }
}

/// The block of `BLOCK_ELEMENTS` bytes at element `start` of each of the `N`
/// planes of `n_elements` bytes.
fn plane_blocks<const N: usize>(
    planes: &[u8],
    n_elements: usize,
    start: usize,
) -> Option<[&[u8; BLOCK_ELEMENTS]; N]> {
    static PLACEHOLDER: [u8; BLOCK_ELEMENTS] = [0; BLOCK_ELEMENTS];
    let mut blocks = [&PLACEHOLDER; N];
    for (plane, block) in blocks.iter_mut().enumerate() {
        *block = planes
            .get(plane * n_elements + start..)?
            .first_chunk::<BLOCK_ELEMENTS>()?;
    }
    Some(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Straight from the definition: byte `b` of element `e` goes to
    /// `b * n + e`.
    fn shuffle_reference(data: &[u8], size: usize) -> Vec<u8> {
        let mut out = data.to_vec();
        if size <= 1 {
            return out;
        }
        let n = data.len() / size;
        for e in 0..n {
            for b in 0..size {
                out[b * n + e] = data[e * size + b];
            }
        }
        out
    }

    #[test]
    fn four_byte_elements() {
        // Three little-endian u32: 0x04030201, 0x08070605, 0x0c0b0a09, and
        // two trailing bytes that are not a whole element.
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xee, 0xff];
        let planes = [
            1, 5, 9, // byte 0 of each element
            2, 6, 10, // byte 1
            3, 7, 11, // byte 2
            4, 8, 12, // byte 3
            0xee, 0xff, // trailing bytes, untouched
        ];
        assert_eq!(shuffle(data.to_vec(), 4), planes);
        assert_eq!(unshuffle(planes.to_vec(), 4), data);
    }

    #[test]
    fn trivial_sizes_copy() {
        let data = [1u8, 2, 3];
        assert_eq!(shuffle(data.to_vec(), 0), data);
        assert_eq!(shuffle(data.to_vec(), 1), data);
        assert_eq!(unshuffle(data.to_vec(), 1), data);
        // Fewer bytes than one element: nothing to shuffle.
        assert_eq!(unshuffle(data.to_vec(), 8), data);
        assert!(unshuffle(Vec::new(), 4).is_empty());
    }

    #[test]
    fn matches_reference_across_block_boundaries() {
        for size in [2usize, 3, 4, 5, 8, 12, 16] {
            for n in [1usize, 63, 64, 65, 200, 1000] {
                let data: Vec<u8> = (0..n * size + size / 2)
                    .map(|i| (i * 7 + 3) as u8)
                    .collect();
                let expected = shuffle_reference(&data, size);
                assert_eq!(shuffle(data.clone(), size), expected, "size {size}, n {n}");
                assert_eq!(unshuffle(expected, size), data, "size {size}, n {n}");
            }
        }
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..3000), size in 0usize..20) {
            let shuffled = shuffle(data.clone(), size);
            prop_assert_eq!(&shuffled, &shuffle_reference(&data, size));
            prop_assert_eq!(unshuffle(shuffled, size), data);
        }
    }
}
