//! Writing: an in-memory model of the file's objects, data appended to the
//! end of the file as it comes, and metadata laid out at commit points.
//!
//! A commit appends every object header, B-tree and heap after the data,
//! syncs, and only then rewrites the superblock to point at them; until that
//! last small write the previous commit stays intact. `flush` and `close`
//! commit; dropping a writer commits too.

pub mod commit;
pub mod load;
pub mod model;

use crate::error::{Error, Result};
use crate::filters::{self, FilterStep};
use crate::format::message::datatype::Datatype;
use crate::format::{Sizes, UNDEFINED};
use crate::io::WriteAt;
use crate::read::selection::{for_each_run, Hyperslab};
use model::{ChunkLoc, DatasetNode, Model, NodeId, NodeKind, PendingChunk, Storage};
use std::collections::BTreeMap;

/// The state of a file open for writing.
pub struct State {
    target: Box<dyn WriteAt + Send + Sync>,
    /// Address widths (8/8).
    pub sizes: Sizes,
    /// The objects.
    pub model: Model,
    /// End of the file: where the next data or metadata goes.
    pub eof: u64,
    /// Where the superblock sits (after a userblock, if any).
    pub superblock_offset: u64,
    /// Superblock version written at commits: 0, or 2 for files opened for
    /// writing that had a version 2 or 3 superblock.
    pub superblock_version: u8,
    /// Commit on writes once this much time has passed since the last commit.
    pub auto_commit: Option<std::time::Duration>,
    last_commit: std::time::Instant,
}

/// Most bytes of partly written chunks held in memory per dataset.
pub const PENDING_LIMIT_BYTES: usize = 256 << 20;

fn element_count(dims: &[u64]) -> Result<u64> {
    dims.iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::wrong_use("dataset size overflows"))
}

impl State {
    /// A new, empty file on `target` (truncated), committed at once so that
    /// the file is valid HDF5 from the start.
    pub fn create(
        target: Box<dyn WriteAt + Send + Sync>,
        model: Model,
        userblock: u64,
    ) -> Result<Self> {
        if userblock != 0 && (userblock < 512 || !userblock.is_power_of_two()) {
            return Err(Error::wrong_use(format!(
                "userblock of {userblock} bytes: it must be 0 or a power of two of at least 512"
            )));
        }
        let sizes = Sizes::default();
        let mut s = State {
            target,
            sizes,
            model,
            eof: crate::format::superblock::encoded_len_v0(sizes),
            superblock_offset: userblock,
            superblock_version: 0,
            auto_commit: None,
            last_commit: std::time::Instant::now(),
        };
        // Only a target that holds bytes is cut: on Linux ext4, truncating
        // a file to 0 (even an empty one) makes its close start writing
        // back everything written since, which costs the writer time.
        if s.target.len()? != 0 {
            s.target.set_len(0)?;
        }
        s.commit()?;
        Ok(s)
    }

    /// An existing file's state: `model` loaded from it, new data and
    /// metadata going after its current end.
    pub fn open_existing(
        target: Box<dyn WriteAt + Send + Sync>,
        model: Model,
        superblock: &crate::format::superblock::Superblock,
    ) -> Result<Self> {
        if superblock.sizes != Sizes::default() {
            return Err(Error::unsupported(
                superblock.offset,
                format!(
                    "writing to a file with {}-byte offsets and {}-byte lengths (only 8/8 is written)",
                    superblock.sizes.offset, superblock.sizes.length
                ),
            ));
        }
        let len = target.len()?;
        Ok(State {
            target,
            sizes: superblock.sizes,
            model,
            eof: len.saturating_sub(superblock.offset),
            superblock_offset: superblock.offset,
            superblock_version: if superblock.version >= 2 { 2 } else { 0 },
            auto_commit: None,
            last_commit: std::time::Instant::now(),
        })
    }

    /// Access to the target (for reading back stored chunks).
    pub fn target(&self) -> &(dyn WriteAt + Send + Sync) {
        &*self.target
    }

    /// Takes the target back (in-memory files).
    pub fn into_target(self) -> Box<dyn WriteAt + Send + Sync> {
        self.target
    }

    fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        let addr = self.eof.div_ceil(8) * 8;
        // Addresses are relative to the superblock (base address).
        self.target
            .write_all_at(self.superblock_offset + addr, bytes)?;
        self.eof = addr + bytes.len() as u64;
        Ok(addr)
    }

    fn dataset(&self, id: NodeId) -> Result<&DatasetNode> {
        match &self.model.nodes.get(id).map(|n| &n.kind) {
            Some(NodeKind::Dataset(d)) => Ok(d),
            _ => Err(Error::wrong_use("not a dataset")),
        }
    }

    fn dataset_mut(&mut self, id: NodeId) -> Result<&mut DatasetNode> {
        match self.model.nodes.get_mut(id).map(|n| &mut n.kind) {
            Some(NodeKind::Dataset(d)) => Ok(d),
            _ => Err(Error::wrong_use("not a dataset")),
        }
    }

    /// Writes `data` (file byte layout, row-major over `sel.count`) into the
    /// selected part of dataset `id`.
    pub fn write_raw(&mut self, id: NodeId, sel: &Hyperslab, data: &[u8]) -> Result<()> {
        self.write_raw_now(id, sel, data)?;
        if let Some(every) = self.auto_commit {
            if self.last_commit.elapsed() >= every {
                self.commit()?;
            }
        }
        Ok(())
    }

    fn write_raw_now(&mut self, id: NodeId, sel: &Hyperslab, data: &[u8]) -> Result<()> {
        let d = self.dataset(id)?;
        if d.vlen.is_some() {
            return Err(Error::wrong_use(
                "variable-length string datasets are written whole with write_strings",
            ));
        }
        if d.null_space {
            return Err(Error::wrong_use(
                "a dataset with a null dataspace holds no elements",
            ));
        }
        sel.check(&d.dims)?;
        let esize = u64::from(d.datatype.size);
        let n = element_count(&sel.count)?;
        if data.len() as u64 != n * esize {
            return Err(Error::wrong_use(format!(
                "data holds {} bytes, the selection needs {} ({n} elements of {esize} bytes)",
                data.len(),
                n * esize
            )));
        }
        if n == 0 {
            return Ok(());
        }
        let dims = d.dims.clone();
        let origin = vec![0u64; dims.len()];
        match &d.storage {
            Storage::Compact(_) => {
                let d = self.dataset_mut(id)?;
                let Storage::Compact(buf) = &mut d.storage else {
                    unreachable_storage()?
                };
                for_each_run(sel, &origin, &dims, esize, |dst, src, len| {
                    let (dst, src, len) = (dst as usize, src as usize, len as usize);
                    buf[dst..dst + len].copy_from_slice(&data[src..src + len]);
                    Ok(())
                })
            }
            Storage::Contiguous { address, size } => {
                let (mut address, size) = (*address, *size);
                if address == UNDEFINED {
                    address = self.allocate_contiguous(id, size)?;
                }
                let base = self.superblock_offset + address;
                let target = &mut self.target;
                for_each_run(sel, &origin, &dims, esize, |dst, src, len| {
                    let (src, len) = (src as usize, len as usize);
                    target.write_all_at(base + dst, &data[src..src + len])
                })
            }
            Storage::Chunked { .. } => self.write_chunked(id, sel, data),
        }
    }

    fn allocate_contiguous(&mut self, id: NodeId, size: u64) -> Result<u64> {
        let fill = self.dataset(id)?.fill.clone();
        let addr = self.eof.div_ceil(8) * 8;
        // Unwritten parts must read as the fill value: zeros come free (the
        // file is extended), any other value is written out.
        match fill {
            Some(f) if f.iter().any(|&b| b != 0) => {
                const BLOCK: u64 = 1 << 22;
                let per = (BLOCK / f.len() as u64).max(1) * f.len() as u64;
                let block: Vec<u8> = f.iter().copied().cycle().take(per as usize).collect();
                let mut off = 0;
                while off < size {
                    let n = per.min(size - off);
                    self.target
                        .write_all_at(self.superblock_offset + addr + off, &block[..n as usize])?;
                    off += n;
                }
            }
            _ => {
                if size > 0 {
                    self.target
                        .write_all_at(self.superblock_offset + addr + size - 1, &[0])?;
                }
            }
        }
        self.eof = addr + size;
        if let Storage::Contiguous { address, .. } = &mut self.dataset_mut(id)?.storage {
            *address = addr;
        }
        Ok(addr)
    }

    fn write_chunked(&mut self, id: NodeId, sel: &Hyperslab, data: &[u8]) -> Result<()> {
        let d = self.dataset(id)?;
        let Storage::Chunked { chunk_dims, .. } = &d.storage else {
            return unreachable_storage();
        };
        let chunk_dims = chunk_dims.clone();
        let dims = d.dims.clone();
        let esize = u64::from(d.datatype.size);
        let rank = dims.len();
        let chunk_bytes = element_count(&chunk_dims)? * esize;
        // Chunk grid range each dimension's selection touches.
        let mut lo = vec![0u64; rank];
        let mut hi = vec![0u64; rank];
        for k in 0..rank {
            let last = sel.start[k] + (sel.count[k] - 1) * sel.step[k];
            lo[k] = sel.start[k] / chunk_dims[k];
            hi[k] = last / chunk_dims[k];
        }
        // Chunks the selection covers whole, as one run of `data`, are
        // stored straight from `data`; the others go through chunk buffers.
        let dense = sel
            .step
            .iter()
            .zip(&sel.count)
            .all(|(&s, &c)| s == 1 || c == 1);
        let mut sel_stride = vec![1u64; rank];
        for k in (0..rank.saturating_sub(1)).rev() {
            sel_stride[k] = sel_stride[k + 1] * sel.count[k + 1];
        }
        let mut coords = lo.clone();
        let mut ready: Vec<(Vec<u64>, Ready<'_>)> = Vec::new();
        loop {
            let origin: Vec<u64> = coords
                .iter()
                .zip(&chunk_dims)
                .map(|(c, cd)| c * cd)
                .collect();
            let whole = if dense {
                whole_chunk_run(sel, &origin, &chunk_dims, &sel_stride)
            } else {
                None
            };
            if let Some(first) = whole {
                // The whole chunk is replaced: a buffer held for it is stale.
                if let Storage::Chunked { pending, .. } = &mut self.dataset_mut(id)?.storage {
                    pending.remove(&coords);
                }
                let at = (first * esize) as usize;
                let bytes = data.get(at..at + chunk_bytes as usize).ok_or_else(|| {
                    Error::wrong_use("selection outside the data (internal error)")
                })?;
                ready.push((coords.clone(), Ready::Borrowed(bytes, at)));
            } else {
                let mut chunk = self.take_pending(id, &coords)?;
                let mut copied = 0u64;
                for_each_run(sel, &origin, &chunk_dims, esize, |dst, src, len| {
                    let (dst, src, l) = (dst as usize, src as usize, len as usize);
                    chunk.data[dst..dst + l].copy_from_slice(&data[src..src + l]);
                    copied += len / esize;
                    Ok(())
                })?;
                if copied > 0 {
                    chunk.written += copied;
                    chunk.dirty = true;
                }
                let valid: u64 = (0..rank)
                    .map(|k| chunk_dims[k].min(dims[k].saturating_sub(origin[k])))
                    .product();
                if chunk.written >= valid {
                    ready.push((coords.clone(), Ready::Owned(chunk)));
                } else if let Storage::Chunked { pending, .. } = &mut self.dataset_mut(id)?.storage
                {
                    pending.insert(coords.clone(), chunk);
                }
            }
            // Next chunk (odometer, last dimension fastest).
            let mut k = rank;
            loop {
                if k == 0 {
                    self.store_chunks_from(id, ready, false, data)?;
                    return self.spill_pending(id);
                }
                k -= 1;
                coords[k] += 1;
                if coords[k] <= hi[k] {
                    break;
                }
                coords[k] = lo[k];
            }
        }
    }

    /// The chunk buffer for `coords`: pending, read back from the file, or
    /// new and filled with the fill value.
    fn take_pending(&mut self, id: NodeId, coords: &[u64]) -> Result<PendingChunk> {
        if let Storage::Chunked { pending, .. } = &mut self.dataset_mut(id)?.storage {
            if let Some(c) = pending.remove(coords) {
                return Ok(c);
            }
        }
        let d = self.dataset(id)?;
        let Storage::Chunked {
            chunk_dims, chunks, ..
        } = &d.storage
        else {
            return unreachable_storage();
        };
        let esize = u64::from(d.datatype.size);
        let chunk_bytes = element_count(chunk_dims)? * esize;
        if let Some(loc) = chunks.get(coords) {
            let raw = crate::format::read_block(
                &Based(self.target(), self.superblock_offset),
                loc.address,
                loc.size,
                &crate::Limits::default(),
                "chunk",
            )?;
            let steps: Vec<FilterStep> = d
                .filters
                .iter()
                .map(|f| FilterStep {
                    id: f.id,
                    flags: f.flags,
                    client_data: &f.client_data,
                })
                .collect();
            let data = if steps.is_empty() {
                raw
            } else {
                filters::decode_chunk(
                    &steps,
                    loc.filter_mask,
                    raw,
                    esize as usize,
                    chunk_bytes as usize,
                    chunk_bytes as usize * 2 + 1024,
                )?
            };
            // How much of it was written before is not known: it stays
            // pending until this write completes it or the next commit.
            return Ok(PendingChunk {
                data,
                written: 0,
                dirty: false,
            });
        }
        let data = match &d.fill {
            Some(f) if f.iter().any(|&b| b != 0) => f
                .iter()
                .copied()
                .cycle()
                .take(chunk_bytes as usize)
                .collect(),
            _ => vec![0u8; chunk_bytes as usize],
        };
        Ok(PendingChunk {
            data,
            written: 0,
            dirty: false,
        })
    }

    /// Filters (in parallel) and appends chunks, in order.
    /// `keep`: the chunks are only partly written; keep their buffers for
    /// further writes.
    fn store_chunks(
        &mut self,
        id: NodeId,
        chunks: Vec<(Vec<u64>, Ready<'_>)>,
        keep: bool,
    ) -> Result<()> {
        self.store_chunks_from(id, chunks, keep, &[])
    }

    /// [`Self::store_chunks`], where borrowed chunks are parts of `data`:
    /// unfiltered chunks that follow each other in `data` (and need no
    /// alignment padding between them) are written with one positioned
    /// write, at the addresses separate appends would give them.
    fn store_chunks_from(
        &mut self,
        id: NodeId,
        chunks: Vec<(Vec<u64>, Ready<'_>)>,
        keep: bool,
        data: &[u8],
    ) -> Result<()> {
        if chunks.is_empty() {
            return Ok(());
        }
        let d = self.dataset(id)?;
        let esize = d.datatype.size as usize;
        let filters = d.filters.clone();
        let steps: Vec<FilterStep> = filters
            .iter()
            .map(|f| FilterStep {
                id: f.id,
                flags: f.flags,
                client_data: &f.client_data,
            })
            .collect();
        let mut locs = Vec::with_capacity(chunks.len());
        if steps.is_empty() {
            // Unfiltered: each chunk is written from where it is; a run of
            // chunks adjacent in `data` goes out as one write.
            let mut i = 0;
            while i < chunks.len() {
                let mut end = i + 1;
                if let Ready::Borrowed(b, at) = &chunks[i].1 {
                    let mut next = at + b.len();
                    while b.len() % 8 == 0 && end < chunks.len() {
                        match &chunks[end].1 {
                            Ready::Borrowed(b2, at2) if *at2 == next && b2.len() % 8 == 0 => {
                                next += b2.len();
                                end += 1;
                            }
                            _ => break,
                        }
                    }
                    if end > i + 1 {
                        let run = data.get(*at..next).ok_or_else(|| {
                            Error::wrong_use("chunk run outside the data (internal error)")
                        })?;
                        let base = self.append(run)?;
                        for (_, c) in &chunks[i..end] {
                            if let Ready::Borrowed(b, a) = c {
                                locs.push(ChunkLoc {
                                    address: base + (a - at) as u64,
                                    size: b.len() as u64,
                                    filter_mask: 0,
                                });
                            }
                        }
                        i = end;
                        continue;
                    }
                }
                let bytes = chunks[i].1.bytes();
                let address = self.append(bytes)?;
                locs.push(ChunkLoc {
                    address,
                    size: bytes.len() as u64,
                    filter_mask: 0,
                });
                i += 1;
            }
        } else {
            locs = self.encode_and_append(&steps, &chunks, esize)?;
        }
        if let Storage::Chunked {
            chunks: stored,
            pending,
            ..
        } = &mut self.dataset_mut(id)?.storage
        {
            for ((coords, chunk), loc) in chunks.into_iter().zip(locs) {
                if keep {
                    if let Ready::Owned(mut chunk) = chunk {
                        chunk.dirty = false;
                        pending.insert(coords.clone(), chunk);
                    }
                }
                stored.insert(coords, loc);
            }
        }
        Ok(())
    }

    /// Filters `chunks` and appends them in order, batch by batch, so that
    /// the filtered copies held at once stay bounded whatever the size of
    /// the write.
    fn append_batched(
        &mut self,
        steps: &[FilterStep],
        chunks: &[(Vec<u64>, Ready<'_>)],
        esize: usize,
    ) -> Result<Vec<ChunkLoc>> {
        let mut locs = Vec::with_capacity(chunks.len());
        let mut start = 0;
        while start < chunks.len() {
            let mut end = start;
            let mut raw = 0usize;
            while end < chunks.len() && (end == start || raw < ENCODE_BATCH_BYTES) {
                raw += chunks[end].1.bytes().len();
                end += 1;
            }
            for bytes in encode_all(steps, &chunks[start..end], esize)? {
                locs.push(self.append_chunk(bytes)?);
            }
            start = end;
        }
        Ok(locs)
    }

    /// Appends one filtered chunk and hands its buffer back for reuse.
    fn append_chunk(&mut self, bytes: Vec<u8>) -> Result<ChunkLoc> {
        let address = self.append(&bytes)?;
        let loc = ChunkLoc {
            address,
            size: bytes.len() as u64,
            filter_mask: 0,
        };
        filters::recycle_encoded(bytes);
        Ok(loc)
    }

    /// Filters `chunks` on the thread pool and appends each one, in order,
    /// as soon as it and those before it are done: the writes overlap the
    /// filtering and at most a window of filtered chunks is held.
    #[cfg(feature = "parallel")]
    fn encode_and_append(
        &mut self,
        steps: &[FilterStep],
        chunks: &[(Vec<u64>, Ready<'_>)],
        esize: usize,
    ) -> Result<Vec<ChunkLoc>> {
        // On a pool thread, waiting for results could starve the pool.
        if chunks.len() <= 1 || rayon::current_thread_index().is_some() {
            return self.append_batched(steps, chunks, esize);
        }
        let window = 4 * rayon::current_num_threads().max(1);
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Vec<u8>>)>();
        rayon::in_place_scope(|scope| {
            let spawn = |i: usize| {
                let tx = tx.clone();
                let data = chunks[i].1.bytes();
                scope.spawn(move |_| {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        filters::encode_chunk_slice(steps, data, esize)
                    }))
                    .unwrap_or_else(|_| Err(Error::wrong_use("a filter panicked")));
                    let _ = tx.send((i, r));
                });
            };
            let mut next = 0;
            while next < chunks.len().min(window) {
                spawn(next);
                next += 1;
            }
            let mut locs = Vec::with_capacity(chunks.len());
            let mut done: BTreeMap<usize, Result<Vec<u8>>> = BTreeMap::new();
            while locs.len() < chunks.len() {
                let (i, r) = rx
                    .recv()
                    .map_err(|_| Error::wrong_use("chunk filtering stopped (internal error)"))?;
                done.insert(i, r);
                while let Some(r) = done.remove(&locs.len()) {
                    locs.push(self.append_chunk(r?)?);
                    if next < chunks.len() {
                        spawn(next);
                        next += 1;
                    }
                }
            }
            Ok(locs)
        })
    }

    #[cfg(not(feature = "parallel"))]
    fn encode_and_append(
        &mut self,
        steps: &[FilterStep],
        chunks: &[(Vec<u64>, Ready<'_>)],
        esize: usize,
    ) -> Result<Vec<ChunkLoc>> {
        self.append_batched(steps, chunks, esize)
    }

    /// Bounds the memory held by partly written chunks: past
    /// [`PENDING_LIMIT_BYTES`] they are stored as they are and dropped from
    /// memory (a later write to one reads it back).
    fn spill_pending(&mut self, id: NodeId) -> Result<()> {
        let spill: Vec<(Vec<u64>, Ready<'static>)> = match &mut self.dataset_mut(id)?.storage {
            Storage::Chunked { pending, .. } => {
                let held: usize = pending.values().map(|c| c.data.len()).sum();
                if held <= PENDING_LIMIT_BYTES {
                    return Ok(());
                }
                pending
                    .drain()
                    .filter(|(_, c)| c.dirty)
                    .map(|(k, c)| (k, Ready::Owned(c)))
                    .collect()
            }
            _ => return Ok(()),
        };
        self.store_chunks(id, spill, false)
    }

    /// Changes the shape of a chunked dataset within its maximum shape.
    pub fn resize(&mut self, id: NodeId, new_dims: &[u64]) -> Result<()> {
        let d = self.dataset_mut(id)?;
        if new_dims.len() != d.dims.len() {
            return Err(Error::wrong_use(format!(
                "resize to rank {}, the dataset has rank {}",
                new_dims.len(),
                d.dims.len()
            )));
        }
        let max = d.max_dims.clone().unwrap_or_else(|| d.dims.clone());
        for (k, (&n, &m)) in new_dims.iter().zip(&max).enumerate() {
            if n > m {
                return Err(Error::wrong_use(format!(
                    "resize: dimension {k} to {n} exceeds its maximum {m}"
                )));
            }
        }
        let Storage::Chunked {
            chunk_dims,
            chunks,
            pending,
        } = &mut d.storage
        else {
            if new_dims == d.dims.as_slice() {
                return Ok(());
            }
            return Err(Error::wrong_use(
                "only chunked datasets can be resized (create it with chunks and a maximum shape)",
            ));
        };
        // Chunks wholly outside the new shape are dropped, as libhdf5 does.
        let inside = |c: &Vec<u64>| {
            c.iter()
                .zip(chunk_dims.iter())
                .zip(new_dims)
                .all(|((c, cd), n)| c * cd < *n)
        };
        chunks.retain(|c, _| inside(c));
        pending.retain(|c, _| inside(c));
        // Chunks the new edge cuts through keep only their inside part: the
        // rest must read as the fill value if the dataset grows again.
        let chunk_dims = chunk_dims.clone();
        let cut: Vec<Vec<u64>> = chunks
            .keys()
            .chain(pending.keys())
            .filter(|c| {
                c.iter()
                    .zip(&chunk_dims)
                    .zip(new_dims)
                    .any(|((c, cd), n)| (c + 1) * cd > *n)
            })
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let shrinks = new_dims.iter().zip(&d.dims).any(|(n, o)| n < o);
        d.dims = new_dims.to_vec();
        if !shrinks {
            return Ok(());
        }
        let esize = d.datatype.size as usize;
        let fill = d.fill.clone().unwrap_or_else(|| vec![0; esize]);
        for coords in cut {
            let mut chunk = self.take_pending(id, &coords)?;
            let rank = chunk_dims.len();
            let origin: Vec<u64> = coords
                .iter()
                .zip(&chunk_dims)
                .map(|(c, cd)| c * cd)
                .collect();
            let n: u64 = chunk_dims.iter().product();
            let mut idx = vec![0u64; rank];
            for e in 0..n as usize {
                if (0..rank).any(|k| origin[k] + idx[k] >= new_dims[k]) {
                    chunk.data[e * esize..(e + 1) * esize].copy_from_slice(&fill);
                }
                for k in (0..rank).rev() {
                    idx[k] += 1;
                    if idx[k] < chunk_dims[k] {
                        break;
                    }
                    idx[k] = 0;
                }
            }
            chunk.dirty = true;
            if let Storage::Chunked { pending, .. } = &mut self.dataset_mut(id)?.storage {
                pending.insert(coords, chunk);
            }
        }
        Ok(())
    }

    /// Stores every partly written chunk, then lays out the metadata after
    /// the data and switches the superblock to it.
    pub fn commit(&mut self) -> Result<()> {
        for id in 0..self.model.nodes.len() {
            let dirty: Vec<(Vec<u64>, Ready<'static>)> = match &mut self.model.nodes[id].kind {
                NodeKind::Dataset(d) => match &mut d.storage {
                    Storage::Chunked { pending, .. } => {
                        let keys: Vec<Vec<u64>> = pending
                            .iter()
                            .filter(|(_, c)| c.dirty)
                            .map(|(k, _)| k.clone())
                            .collect();
                        keys.into_iter()
                            .filter_map(|k| pending.remove(&k).map(|c| (k, Ready::Owned(c))))
                            .collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            if !dirty.is_empty() {
                self.store_chunks(id, dirty, true)?;
            }
        }
        let image = commit::build(&self.model, self.sizes, self.eof, self.superblock_version)?;
        self.target
            .write_all_at(self.superblock_offset + image.start, &image.bytes)?;
        self.target.sync()?;
        self.target
            .write_all_at(self.superblock_offset, &image.superblock)?;
        self.target.sync()?;
        self.eof = image.eof;
        self.last_commit = std::time::Instant::now();
        Ok(())
    }

    /// The datatype of dataset `id`.
    pub fn dataset_type(&self, id: NodeId) -> Result<Datatype> {
        Ok(self.dataset(id)?.datatype.clone())
    }

    /// The shape of dataset `id`.
    pub fn dataset_dims(&self, id: NodeId) -> Result<Vec<u64>> {
        Ok(self.dataset(id)?.dims.clone())
    }
}

fn unreachable_storage<T>() -> Result<T> {
    Err(Error::wrong_use(
        "dataset storage changed during a write (internal error)",
    ))
}

/// A view of the target with addresses relative to the superblock.
struct Based<'a>(&'a (dyn WriteAt + Send + Sync), u64);

impl crate::io::ReadAt for Based<'_> {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.0.read_exact_at(offset + self.1, buf)
    }
    fn len(&self) -> Result<u64> {
        Ok(self.0.len()?.saturating_sub(self.1))
    }
}

/// Raw chunk bytes filtered per batch (in parallel) before they are written.
const ENCODE_BATCH_BYTES: usize = 64 << 20;

/// A chunk ready to be stored: a run of the caller's data covering it
/// whole, or a chunk buffer.
enum Ready<'a> {
    /// A chunk that is one run of the caller's data, and where it starts
    /// there (bytes).
    Borrowed(&'a [u8], usize),
    Owned(PendingChunk),
}

impl Ready<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Ready::Borrowed(b, _) => b,
            Ready::Owned(c) => &c.data,
        }
    }
}

/// When the selection covers the whole chunk at `origin` (dimensions `cd`)
/// and the chunk's elements are one run of the selection's buffer (every
/// dimension before the first one the chunk spans partly has chunk extent
/// 1): the index of the chunk's first element in that buffer. `sel` must
/// have step 1 wherever its count exceeds 1.
fn whole_chunk_run(sel: &Hyperslab, origin: &[u64], cd: &[u64], sel_stride: &[u64]) -> Option<u64> {
    let rank = cd.len();
    let mut first = 0u64;
    for k in 0..rank {
        if origin[k] < sel.start[k] || origin[k] + cd[k] > sel.start[k] + sel.count[k] {
            return None;
        }
        first += (origin[k] - sel.start[k]) * sel_stride[k];
    }
    if let Some(k) = (0..rank).rev().find(|&k| cd[k] != sel.count[k]) {
        if cd[..k].iter().any(|&c| c != 1) {
            return None;
        }
    }
    Some(first)
}

#[cfg(feature = "parallel")]
fn encode_all(
    steps: &[FilterStep],
    chunks: &[(Vec<u64>, Ready<'_>)],
    esize: usize,
) -> Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    chunks
        .par_iter()
        .map(|(_, c)| filters::encode_chunk_slice(steps, c.bytes(), esize))
        .collect()
}

#[cfg(not(feature = "parallel"))]
fn encode_all(
    steps: &[FilterStep],
    chunks: &[(Vec<u64>, Ready<'_>)],
    esize: usize,
) -> Result<Vec<Vec<u8>>> {
    chunks
        .iter()
        .map(|(_, c)| filters::encode_chunk_slice(steps, c.bytes(), esize))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::hl::write::FileWriter;
    use crate::read::selection::Hyperslab;

    /// Writes `writes` (start, count) of a (rows, cols) i64 dataset with
    /// chunks `chunks` and the given filters, then checks every element
    /// against the same writes applied to a plain array.
    fn check(
        rows: u64,
        cols: u64,
        chunks: [u64; 2],
        filtered: bool,
        writes: &[([u64; 2], [u64; 2])],
    ) {
        let file = FileWriter::in_memory().unwrap();
        let mut b = file
            .root()
            .new_dataset::<i64>("d", &[rows, cols])
            .chunks(&chunks);
        if filtered {
            b = b.shuffle().deflate(4);
        }
        let ds = b.create().unwrap();
        let mut want = vec![0i64; (rows * cols) as usize];
        for (w, (start, count)) in writes.iter().enumerate() {
            let mut data = Vec::new();
            for r in 0..count[0] {
                for c in 0..count[1] {
                    let v =
                        (w as i64 + 1) * 1_000_000 + ((start[0] + r) * cols + start[1] + c) as i64;
                    want[((start[0] + r) * cols + start[1] + c) as usize] = v;
                    data.push(v);
                }
            }
            ds.write_slice(&Hyperslab::new(start, count, &[1, 1]), &data)
                .unwrap();
        }
        let bytes = file.into_bytes().unwrap();
        let back = crate::File::from_bytes(bytes).unwrap();
        let got: Vec<i64> = back.dataset("/d").unwrap().read().unwrap();
        assert_eq!(
            got, want,
            "chunks {chunks:?}, filtered {filtered}, writes {writes:?}"
        );
    }

    #[test]
    fn whole_and_partial_chunk_writes() {
        for filtered in [false, true] {
            // Whole rows: every chunk but the last is taken from the data.
            check(1000, 3, [64, 3], filtered, &[([0, 0], [1000, 3])]);
            // Chunks narrower than the selection: not one run, buffered.
            check(40, 12, [8, 4], filtered, &[([0, 0], [40, 12])]);
            // Single-row chunks across full rows: one run each.
            check(
                20,
                7,
                [1, 7],
                filtered,
                &[([3, 0], [10, 7]), ([0, 0], [20, 7])],
            );
            // Partial writes, then a whole-chunk overwrite of a pending chunk.
            check(
                64,
                4,
                [16, 4],
                filtered,
                &[
                    ([0, 0], [5, 4]),
                    ([0, 0], [32, 4]),
                    ([40, 1], [20, 2]),
                    ([32, 0], [32, 4]),
                ],
            );
            // A stored chunk partly rewritten later (read back, merged).
            check(
                32,
                2,
                [8, 2],
                filtered,
                &[([0, 0], [32, 2]), ([3, 1], [9, 1])],
            );
        }
    }

    /// Whole unfiltered chunks adjacent in the data go out as one write
    /// only when no alignment padding would separate them (3-byte chunks
    /// are placed one by one, 8-byte aligned; 8-byte ones in one run):
    /// either way every chunk reads back.
    #[test]
    fn runs_of_whole_chunks_keep_their_placement() {
        for cols in [3u64, 8] {
            let file = FileWriter::in_memory().unwrap();
            let ds = file
                .root()
                .new_dataset::<u8>("d", &[10, cols])
                .chunks(&[1, cols])
                .create()
                .unwrap();
            let data: Vec<u8> = (0..10 * cols).map(|v| (v * 7 % 251) as u8).collect();
            ds.write(&data).unwrap();
            let back = crate::File::from_bytes(file.into_bytes().unwrap()).unwrap();
            let d = back.dataset("/d").unwrap();
            assert_eq!(d.read::<u8>().unwrap(), data, "{cols} columns");
        }
    }
}
