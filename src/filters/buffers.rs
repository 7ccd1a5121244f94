//! A small per-thread pool of chunk-sized buffers.
//!
//! Decoding a chunk produces a new buffer at almost every stage. Fresh large
//! allocations come from the operating system as untouched pages, and the
//! page faults on first write can cost as much as the unshuffle itself; so
//! each stage hands its input buffer back here and the next stage (or the
//! next chunk) reuses its memory. With `std` the pool is thread-local;
//! without it, there is no pool and buffers are simply allocated.

use alloc::vec::Vec;

/// Buffers kept per thread.
#[cfg(feature = "std")]
const POOL_SIZE: usize = 2;

/// Buffers smaller than this are not worth keeping.
#[cfg(feature = "std")]
const MIN_KEPT_BYTES: usize = 64 * 1024;

/// Buffers larger than this are released rather than kept.
#[cfg(feature = "std")]
const MAX_KEPT_BYTES: usize = 256 * 1024 * 1024;

#[cfg(feature = "std")]
std::thread_local! {
    static POOL: core::cell::RefCell<Vec<Vec<u8>>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// A buffer to write into: the largest kept one, or a new empty one. Its
/// length and contents are left over from its previous use.
#[cfg(feature = "std")]
pub(crate) fn take() -> Vec<u8> {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let largest = pool
            .iter()
            .enumerate()
            .max_by_key(|(_, buffer)| buffer.capacity())
            .map(|(index, _)| index);
        match largest {
            Some(index) => pool.swap_remove(index),
            None => Vec::new(),
        }
    })
}

/// Keeps `buffer` for reuse if it is worth it.
#[cfg(feature = "std")]
pub(crate) fn give(buffer: Vec<u8>) {
    let capacity = buffer.capacity();
    if !(MIN_KEPT_BYTES..=MAX_KEPT_BYTES).contains(&capacity) {
        return;
    }
    // A thread being torn down has no pool left: the buffer is just dropped.
    let _ = POOL.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL_SIZE {
            pool.push(buffer);
        } else if let Some(smallest) = pool.iter_mut().min_by_key(|kept| kept.capacity()) {
            if smallest.capacity() < capacity {
                *smallest = buffer;
            }
        }
    });
}

/// Buffers kept in the pool shared between threads.
#[cfg(feature = "std")]
const SHARED_POOL_SIZE: usize = 8;

/// Buffers that cross threads: a chunk filtered on one thread is written
/// and handed back on another.
#[cfg(feature = "std")]
static SHARED: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::new(Vec::new());

/// A buffer from the shared pool (the last one handed back), or a new one.
/// Its length and contents are left over from its previous use.
#[cfg(feature = "std")]
pub(crate) fn take_shared() -> Vec<u8> {
    SHARED
        .lock()
        .ok()
        .and_then(|mut pool| pool.pop())
        .unwrap_or_default()
}

/// Keeps `buffer` in the shared pool if it is worth it and there is room.
#[cfg(feature = "std")]
pub(crate) fn give_shared(buffer: Vec<u8>) {
    if !(MIN_KEPT_BYTES..=MAX_KEPT_BYTES).contains(&buffer.capacity()) {
        return;
    }
    if let Ok(mut pool) = SHARED.lock() {
        if pool.len() < SHARED_POOL_SIZE {
            pool.push(buffer);
        }
    }
}

/// A new empty buffer (no pool without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn take_shared() -> Vec<u8> {
    Vec::new()
}

/// Drops `buffer` (no pool without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn give_shared(buffer: Vec<u8>) {
    drop(buffer);
}

/// A new empty buffer (no pool without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn take() -> Vec<u8> {
    Vec::new()
}

/// Drops `buffer` (no pool without `std`).
#[cfg(not(feature = "std"))]
pub(crate) fn give(buffer: Vec<u8>) {
    drop(buffer);
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest_buffers() {
        // Start from an empty pool on this test's thread.
        while take().capacity() > 0 {}
        give(Vec::with_capacity(100)); // too small to keep
        give(Vec::with_capacity(MIN_KEPT_BYTES));
        give(Vec::with_capacity(2 * MIN_KEPT_BYTES));
        give(Vec::with_capacity(3 * MIN_KEPT_BYTES)); // replaces the smallest
        assert_eq!(take().capacity(), 3 * MIN_KEPT_BYTES);
        assert_eq!(take().capacity(), 2 * MIN_KEPT_BYTES);
        assert_eq!(take().capacity(), 0);
    }
}
