//! Hyperslab selections and the copy of a stored block's selected part into
//! the caller's buffer.

use crate::error::{Error, Result};

/// A regular hyperslab: per dimension a start, a count of elements and a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperslab {
    /// First selected index per dimension.
    pub start: Vec<u64>,
    /// Number of selected indices per dimension.
    pub count: Vec<u64>,
    /// Distance between selected indices per dimension (>= 1).
    pub step: Vec<u64>,
}

impl Hyperslab {
    /// Selects everything of `shape`.
    pub fn all(shape: &[u64]) -> Self {
        Hyperslab {
            start: vec![0; shape.len()],
            count: shape.to_vec(),
            step: vec![1; shape.len()],
        }
    }

    /// A hyperslab from start, count and step (all the same length).
    pub fn new(start: &[u64], count: &[u64], step: &[u64]) -> Self {
        Hyperslab {
            start: start.to_vec(),
            count: count.to_vec(),
            step: step.to_vec(),
        }
    }

    /// Number of selected elements (the product of counts).
    pub fn n_elements(&self) -> Option<u64> {
        self.count.iter().try_fold(1u64, |a, &c| a.checked_mul(c))
    }

    /// Checks the selection against a dataset shape.
    pub fn check(&self, shape: &[u64]) -> Result<()> {
        let rank = shape.len();
        if self.start.len() != rank || self.count.len() != rank || self.step.len() != rank {
            return Err(Error::wrong_use(format!(
                "selection has rank {}/{}/{} (start/count/step), the dataset has rank {rank}",
                self.start.len(),
                self.count.len(),
                self.step.len()
            )));
        }
        #[allow(clippy::needless_range_loop)]
        for d in 0..rank {
            if self.step[d] == 0 {
                return Err(Error::wrong_use(format!(
                    "selection step of dimension {d} is 0"
                )));
            }
            if self.count[d] == 0 {
                continue;
            }
            let last = (self.count[d] - 1)
                .checked_mul(self.step[d])
                .and_then(|v| v.checked_add(self.start[d]));
            if last.is_none_or(|l| l >= shape[d]) {
                return Err(Error::wrong_use(format!(
                    "selection of dimension {d} (start {}, count {}, step {}) goes past its size {}",
                    self.start[d], self.count[d], self.step[d], shape[d]
                )));
            }
        }
        Ok(())
    }
}

/// Range of selection indices `k` (as `lo..hi`) whose coordinate
/// `start + k*step` falls in `[origin, origin + len)`.
pub(crate) fn k_range(start: u64, count: u64, step: u64, origin: u64, len: u64) -> (u64, u64) {
    let end = origin.saturating_add(len); // exclusive
    if count == 0 || end <= start {
        return (0, 0);
    }
    let lo = if origin <= start {
        0
    } else {
        (origin - start).div_ceil(step)
    };
    let hi = ((end - 1 - start) / step + 1).min(count);
    if lo >= hi {
        (0, 0)
    } else {
        (lo, hi)
    }
}

/// Calls `f(src_byte_offset, dst_byte_offset, n_bytes)` for each run of the
/// selection that falls inside a block at `origin` with dimensions `bdims`
/// (row-major, element size `esize`). Adjacent runs are merged. `dst` offsets
/// index the selection's output buffer (row-major over `sel.count`).
pub fn for_each_run(
    sel: &Hyperslab,
    origin: &[u64],
    bdims: &[u64],
    esize: u64,
    mut f: impl FnMut(u64, u64, u64) -> Result<()>,
) -> Result<()> {
    let rank = sel.count.len();
    if rank == 0 {
        return f(0, 0, esize);
    }
    let mut lo = vec![0u64; rank];
    let mut hi = vec![0u64; rank];
    for d in 0..rank {
        let (l, h) = k_range(sel.start[d], sel.count[d], sel.step[d], origin[d], bdims[d]);
        if l >= h {
            return Ok(());
        }
        lo[d] = l;
        hi[d] = h;
    }
    // Row-major strides (in elements) of the block and of the output.
    let mut bstride = vec![1u64; rank];
    let mut ostride = vec![1u64; rank];
    for d in (0..rank - 1).rev() {
        bstride[d] = bstride[d + 1] * bdims[d + 1];
        ostride[d] = ostride[d + 1] * sel.count[d + 1];
    }
    let last = rank - 1;
    let mut k = lo.clone();
    let mut pending: Option<(u64, u64, u64)> = None;
    let mut emit = |src: u64,
                    dst: u64,
                    len: u64,
                    f: &mut dyn FnMut(u64, u64, u64) -> Result<()>|
     -> Result<()> {
        if let Some((ps, pd, pl)) = pending {
            if ps + pl == src && pd + pl == dst {
                pending = Some((ps, pd, pl + len));
                return Ok(());
            }
            f(ps, pd, pl)?;
        }
        pending = Some((src, dst, len));
        Ok(())
    };
    loop {
        // Offsets of the row start (all dims but the last at k[d]).
        let mut src = 0u64;
        let mut dst = 0u64;
        for d in 0..last {
            let coord = sel.start[d] + k[d] * sel.step[d] - origin[d];
            src += coord * bstride[d];
            dst += k[d] * ostride[d];
        }
        let step = sel.step[last];
        let first_coord = sel.start[last] + lo[last] * step - origin[last];
        if step == 1 {
            let n = hi[last] - lo[last];
            emit(
                (src + first_coord) * esize,
                (dst + lo[last]) * esize,
                n * esize,
                &mut f,
            )?;
        } else {
            for kk in lo[last]..hi[last] {
                let coord = sel.start[last] + kk * step - origin[last];
                emit((src + coord) * esize, (dst + kk) * esize, esize, &mut f)?;
            }
        }
        // Odometer over dims 0..last.
        let mut d = last;
        loop {
            if d == 0 {
                if let Some((ps, pd, pl)) = pending {
                    f(ps, pd, pl)?;
                }
                return Ok(());
            }
            d -= 1;
            k[d] += 1;
            if k[d] < hi[d] {
                break;
            }
            k[d] = lo[d];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(sel: &Hyperslab, origin: &[u64], bdims: &[u64]) -> Vec<(u64, u64, u64)> {
        let mut v = Vec::new();
        for_each_run(sel, origin, bdims, 1, |s, d, n| {
            v.push((s, d, n));
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn whole_block_is_one_run() {
        let sel = Hyperslab::all(&[4, 5]);
        assert_eq!(collect(&sel, &[0, 0], &[4, 5]), vec![(0, 0, 20)]);
    }

    #[test]
    fn block_in_the_middle() {
        // Dataset 4x4, chunk 2x2 at (2, 2), whole selection.
        let sel = Hyperslab::all(&[4, 4]);
        assert_eq!(
            collect(&sel, &[2, 2], &[2, 2]),
            vec![(0, 10, 2), (2, 14, 2)]
        );
    }

    #[test]
    fn strided_selection() {
        // Dataset 1-D of 10, select 1, 4, 7 from a block [3, 8).
        let sel = Hyperslab::new(&[1], &[3], &[3]);
        assert_eq!(collect(&sel, &[3], &[5]), vec![(1, 1, 1), (4, 2, 1)]);
        assert_eq!(k_range(1, 3, 3, 3, 5), (1, 3));
    }

    #[test]
    fn check_rejects_out_of_bounds() {
        assert!(Hyperslab::new(&[8], &[3], &[1]).check(&[10]).is_err());
        assert!(Hyperslab::new(&[0], &[3], &[0]).check(&[10]).is_err());
        assert!(Hyperslab::new(&[0], &[3], &[1]).check(&[10, 2]).is_err());
        assert!(Hyperslab::new(&[7], &[3], &[1]).check(&[10]).is_ok());
    }
}
