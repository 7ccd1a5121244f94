//! Output buffers for large reads.
//!
//! Reading into fresh memory costs one page fault per 4 KiB page, and on a
//! 1 GiB read those faults (and the kernel zeroing each page) take longer
//! than copying the data: measured 0.5 s against 0.17 s for numpy, which
//! asks Linux for transparent huge pages on large arrays. Where the system
//! leaves huge pages to `madvise` (the common default), a buffer of a few
//! MiB or more is advised the same way before its first touch.
//!
//! This is the crate's only `unsafe` code: one `madvise` call on memory the
//! buffer owns. It changes no contents and no validity, only how the kernel
//! backs the pages; a failure is ignored, as the call is a hint.

/// Buffers at least this large are advised (smaller ones gain nothing).
#[cfg(all(target_os = "linux", feature = "std", not(miri)))]
const ADVISE_FROM_BYTES: usize = 4 << 20;

/// A zero-initialised vector of `n` elements, backed by huge pages where
/// the system supports asking for them.
pub fn zeroed<T: bytemuck::Pod + Default>(n: usize) -> Vec<T> {
    // `vec![0; n]` of plain numbers comes from the allocator's zeroed
    // memory: for large sizes, fresh untouched pages, which is when the
    // advice can still take effect.
    let mut v = vec![T::default(); n];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut v);
    advise_huge_pages(bytes);
    v
}

#[cfg(all(target_os = "linux", feature = "std", not(miri)))]
#[allow(unsafe_code)]
fn advise_huge_pages(buf: &mut [u8]) {
    const HUGE: usize = 2 << 20;
    if buf.len() < ADVISE_FROM_BYTES {
        return;
    }
    let start = buf.as_mut_ptr() as usize;
    let aligned = start.next_multiple_of(HUGE);
    let end = start + buf.len();
    if aligned >= end {
        return;
    }
    let len = (end - aligned) / HUGE * HUGE;
    if len == 0 {
        return;
    }
    // SAFETY: [aligned, aligned + len) lies inside `buf`, which this
    // function borrows mutably for the duration of the call, and it is
    // page aligned as madvise requires. MADV_HUGEPAGE only changes how the
    // kernel backs the range; it neither frees nor alters the memory.
    let _ = unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
}

#[cfg(not(all(target_os = "linux", feature = "std", not(miri))))]
fn advise_huge_pages(_buf: &mut [u8]) {}

#[cfg(test)]
mod tests {
    #[test]
    fn zeroed_buffers_are_zero_and_sized() {
        let v: Vec<f64> = super::zeroed(3 << 20);
        assert_eq!(v.len(), 3 << 20);
        assert!(v.iter().all(|&x| x == 0.0));
        let small: Vec<u8> = super::zeroed(10);
        assert_eq!(small, vec![0; 10]);
    }
}
