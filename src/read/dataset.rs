//! Datasets: their metadata (type, shape, layout, filters, fill value) and
//! reading a hyperslab of their elements in the file's own byte layout.

use super::selection::{for_each_run, Hyperslab};
use super::{msg, FileCtx};
use crate::error::{Error, Result};
use crate::filters::{self, FilterStep};
use crate::format::chunk_index::{self, ChunkIndex, ChunkRecord};
use crate::format::is_undefined;
use crate::format::message::dataspace::{self, Dataspace, DataspaceKind};
use crate::format::message::datatype::Datatype;
use crate::format::message::fill_value;
use crate::format::message::filter_pipeline::{self, FilterDescription};
use crate::format::message::layout::{self, Layout};
use crate::format::object_header::ObjectHeader;
use std::sync::{Arc, OnceLock};

/// Everything needed to read a dataset.
#[derive(Debug, Clone)]
pub struct DatasetInfo {
    /// Object header address.
    pub address: u64,
    /// Element type.
    pub datatype: Datatype,
    /// Shape and maximum shape.
    pub dataspace: Dataspace,
    /// Storage layout.
    pub layout: Layout,
    /// Filter pipeline (empty when none).
    pub filters: Vec<FilterDescription>,
    /// One element of fill value in file layout; `None` means zeros.
    pub fill: Option<Vec<u8>>,
    /// The dataset keeps its data in external files.
    pub external_storage: bool,
    chunks: Arc<OnceLock<std::result::Result<Arc<Vec<ChunkRecord>>, Error>>>,
}

impl DatasetInfo {
    /// Dimensions (empty for scalar and null dataspaces).
    pub fn shape(&self) -> &[u64] {
        &self.dataspace.dims
    }

    /// Element size in bytes.
    pub fn element_size(&self) -> u64 {
        u64::from(self.datatype.size)
    }

    /// Number of elements (0 for a null dataspace).
    pub fn n_elements(&self) -> u64 {
        self.dataspace.num_elements().unwrap_or(0)
    }

    /// Chunk dimensions when chunked.
    pub fn chunk_dims(&self) -> Option<&[u64]> {
        match &self.layout {
            Layout::Chunked { dims, .. } => Some(dims),
            _ => None,
        }
    }
}

/// Decodes the messages of a dataset's object header.
pub fn dataset_info(ctx: &FileCtx, header: &ObjectHeader) -> Result<DatasetInfo> {
    let at = header.address;
    let datatype = ctx
        .datatype_of(header)?
        .ok_or_else(|| Error::malformed(at, "dataset has no datatype message"))?;
    let ds_msg = header
        .first(msg::DATASPACE)
        .ok_or_else(|| Error::malformed(at, "dataset has no dataspace message"))?;
    let body = ctx.message_body(ds_msg)?;
    let dataspace = dataspace::decode(
        &mut crate::format::Cursor::new(&body, ds_msg.offset, "dataspace message"),
        ctx.sizes,
    )?;
    let lay_msg = header
        .first(msg::LAYOUT)
        .ok_or_else(|| Error::malformed(at, "dataset has no data layout message"))?;
    let layout = layout::decode(&mut lay_msg.cursor("data layout message"), ctx.sizes)?;
    let filters = match header.first(msg::FILTER_PIPELINE) {
        Some(m) => {
            let body = ctx.message_body(m)?;
            filter_pipeline::decode(&mut crate::format::Cursor::new(
                &body,
                m.offset,
                "filter pipeline message",
            ))?
            .filters
        }
        None => Vec::new(),
    };
    // The new fill value message takes precedence over the old one.
    let mut fill = None;
    if let Some(m) = header.first(msg::FILL_VALUE) {
        let body = ctx.message_body(m)?;
        let fv = fill_value::decode(&mut crate::format::Cursor::new(
            &body,
            m.offset,
            "fill value message",
        ))?;
        // With write time "never" libhdf5 leaves unwritten data alone, and
        // readers see zeros, whatever value is defined.
        if fv.defined && fv.fill_time != fill_value::FILL_TIME_NEVER {
            fill = fv.value;
        }
    } else if let Some(m) = header.first(msg::FILL_VALUE_OLD) {
        let v = fill_value::decode_old(&mut m.cursor("old fill value message"))?;
        if !v.is_empty() {
            fill = Some(v);
        }
    }
    if let Some(f) = &fill {
        if f.len() as u64 != u64::from(datatype.size) {
            // A fill value of another size cannot be used element by element;
            // libhdf5 converts it, we refuse rather than guess.
            if f.iter().all(|&b| b == 0) {
                fill = None;
            } else {
                return Err(Error::unsupported(
                    at,
                    format!(
                        "fill value of {} bytes for a datatype of {} bytes",
                        f.len(),
                        datatype.size
                    ),
                ));
            }
        }
    }
    if matches!(fill.as_deref(), Some(f) if f.iter().all(|&b| b == 0)) {
        fill = None;
    }
    let mut info = DatasetInfo {
        address: at,
        datatype,
        dataspace,
        layout,
        filters,
        fill,
        external_storage: header.first(msg::EXTERNAL_FILES).is_some(),
        chunks: Arc::new(OnceLock::new()),
    };
    // A virtual dataset with unlimited mappings takes its current shape from
    // its sources (libhdf5's default "last available" view).
    if matches!(info.layout, Layout::Virtual { .. }) {
        info.dataspace.dims = super::virtual_dataset::view_shape(ctx, &info)?;
    }
    Ok(info)
}

fn checked_bytes(info: &DatasetInfo, n: u64) -> Result<usize> {
    n.checked_mul(info.element_size())
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| Error::limit("selection size overflows").at(info.address))
}

/// Fills `out` with the fill value (or zeros).
fn fill_buffer(info: &DatasetInfo, out: &mut [u8]) {
    match &info.fill {
        None => out.fill(0),
        Some(f) => {
            for chunk in out.chunks_exact_mut(f.len()) {
                chunk.copy_from_slice(f);
            }
        }
    }
}

/// Reads the selected elements into `out` (row-major over `sel.count`), in
/// the file's byte layout. `out` must be exactly the selection's size.
pub fn read_raw_into(
    ctx: &FileCtx,
    info: &DatasetInfo,
    sel: &Hyperslab,
    out: &mut [u8],
) -> Result<()> {
    if info.dataspace.kind == DataspaceKind::Null {
        return Ok(());
    }
    let shape = info.shape().to_vec();
    sel.check(&shape)?;
    let n = sel
        .n_elements()
        .ok_or_else(|| Error::limit("selection size overflows"))?;
    let want = checked_bytes(info, n)?;
    if out.len() != want {
        return Err(Error::wrong_use(format!(
            "output buffer holds {} bytes, the selection needs {want}",
            out.len()
        )));
    }
    if n == 0 {
        return Ok(());
    }
    if info.external_storage {
        return Err(Error::unsupported(
            info.address,
            "dataset stored in external files (external file list message)",
        ));
    }
    let esize = info.element_size();
    let full_bytes = info
        .n_elements()
        .checked_mul(esize)
        .ok_or_else(|| Error::limit("dataset size overflows").at(info.address))?;
    let block_dims: Vec<u64> = if shape.is_empty() {
        vec![]
    } else {
        shape.clone()
    };
    match &info.layout {
        Layout::Compact { data } => {
            if (data.len() as u64) < full_bytes {
                return Err(Error::malformed(
                    info.address,
                    format!(
                        "compact dataset holds {} bytes, its shape and type need {full_bytes}",
                        data.len()
                    ),
                ));
            }
            copy_runs(sel, &vec![0; shape.len()], &block_dims, esize, data, out)
        }
        Layout::Contiguous { address, size } => {
            if is_undefined(*address) {
                fill_buffer(info, out);
                return Ok(());
            }
            let size = size.unwrap_or(full_bytes);
            if size < full_bytes {
                return Err(Error::malformed(
                    *address,
                    format!(
                        "contiguous storage of {size} bytes is smaller than the {full_bytes} bytes the shape and type need"
                    ),
                ));
            }
            let file_len = ctx.reader().len()?;
            if address.checked_add(full_bytes).is_none_or(|e| e > file_len) {
                return Err(Error::malformed(
                    *address,
                    format!(
                        "contiguous storage of {full_bytes} bytes at {address} runs past the end of the file ({file_len} bytes)"
                    ),
                ));
            }
            let r = ctx.reader();
            for_each_run(
                sel,
                &vec![0; shape.len()],
                &block_dims,
                esize,
                |src, dst, len| {
                    let dst = dst as usize;
                    let slice = out.get_mut(dst..dst + len as usize).ok_or_else(|| {
                        Error::malformed(*address, "selection run outside the buffer")
                    })?;
                    read_large(r, address + src, slice)
                },
            )
        }
        Layout::Chunked {
            dims: chunk_dims,
            index,
            flags,
            ..
        } => read_chunked(ctx, info, sel, chunk_dims, index, *flags, out),
        Layout::Virtual { .. } => super::virtual_dataset::read_into(ctx, info, sel, out),
    }
}

/// Reads a long run in pieces on all cores: the page faults of a fresh
/// output buffer and the copy out of the page cache then run in parallel.
#[cfg(feature = "parallel")]
fn read_large(
    r: &(dyn crate::io::ReadAt + Send + Sync),
    offset: u64,
    buf: &mut [u8],
) -> Result<()> {
    use rayon::prelude::*;
    const PIECE: usize = 8 << 20;
    if buf.len() < 2 * PIECE {
        return r.read_exact_at(offset, buf);
    }
    buf.par_chunks_mut(PIECE)
        .enumerate()
        .try_for_each(|(i, piece)| r.read_exact_at(offset + (i * PIECE) as u64, piece))
}

#[cfg(not(feature = "parallel"))]
fn read_large(
    r: &(dyn crate::io::ReadAt + Send + Sync),
    offset: u64,
    buf: &mut [u8],
) -> Result<()> {
    r.read_exact_at(offset, buf)
}

fn copy_runs(
    sel: &Hyperslab,
    origin: &[u64],
    bdims: &[u64],
    esize: u64,
    src: &[u8],
    out: &mut [u8],
) -> Result<()> {
    for_each_run(sel, origin, bdims, esize, |s, d, n| {
        let (s, d, n) = (s as usize, d as usize, n as usize);
        let from = src
            .get(s..s + n)
            .ok_or_else(|| Error::malformed(0, "block is shorter than its dimensions"))?;
        let to = out
            .get_mut(d..d + n)
            .ok_or_else(|| Error::malformed(0, "selection run outside the buffer"))?;
        to.copy_from_slice(from);
        Ok(())
    })
}

/// The chunk records of a chunked dataset (cached on the info).
pub fn chunk_records(ctx: &FileCtx, info: &DatasetInfo) -> Result<Arc<Vec<ChunkRecord>>> {
    let Layout::Chunked { dims, index, .. } = &info.layout else {
        return Err(Error::wrong_use("dataset is not chunked"));
    };
    let got = info.chunks.get_or_init(|| {
        let chunk_bytes = dims
            .iter()
            .try_fold(info.element_size(), |a, &d| a.checked_mul(d))
            .ok_or_else(|| Error::malformed(info.address, "chunk size overflows"))?;
        let max_dims = info
            .dataspace
            .max_dims
            .clone()
            .unwrap_or_else(|| info.dataspace.dims.clone());
        chunk_index::read_chunk_records(
            ctx.reader(),
            ctx.sizes,
            index,
            info.shape(),
            &max_dims,
            dims,
            chunk_bytes,
            !info.filters.is_empty(),
            &ctx.limits,
        )
        .map(Arc::new)
    });
    got.clone().map_err(|e| e.at(info.address))
}

fn read_chunked(
    ctx: &FileCtx,
    info: &DatasetInfo,
    sel: &Hyperslab,
    chunk_dims: &[u64],
    index: &ChunkIndex,
    layout_flags: u8,
    out: &mut [u8],
) -> Result<()> {
    let _ = index;
    // Layout v4 flag bit 0: partial edge chunks are stored without filters.
    let unfiltered_edges = layout_flags & 0x01 != 0;
    let shape = info.shape();
    let rank = shape.len();
    let is_edge =
        |r: &ChunkRecord| (0..rank).any(|d| r.offsets[d].saturating_add(chunk_dims[d]) > shape[d]);
    let rank = info.shape().len();
    if chunk_dims.len() != rank {
        return Err(Error::malformed(
            info.address,
            format!(
                "chunk has {} dimensions, the dataspace has {rank}",
                chunk_dims.len()
            ),
        ));
    }
    if chunk_dims.contains(&0) {
        return Err(Error::malformed(info.address, "chunk dimension of size 0"));
    }
    let esize = info.element_size();
    let chunk_bytes = chunk_dims
        .iter()
        .try_fold(esize, |a, &d| a.checked_mul(d))
        .filter(|&b| b <= ctx.limits.max_alloc_bytes)
        .ok_or_else(|| Error::limit("chunk size exceeds the allocation limit").at(info.address))?;
    let records = chunk_records(ctx, info)?;
    // Chunks that the selection touches.
    let touched: Vec<&ChunkRecord> = records
        .iter()
        .filter(|r| {
            r.offsets.len() == rank
                && (0..rank).all(|d| {
                    let (lo, hi) = k_range_public(sel, d, r.offsets[d], chunk_dims[d]);
                    lo < hi
                })
        })
        .collect();
    // Unwritten parts read as the fill value. Skip the fill when the
    // touched chunks cover the whole selection.
    let covered: u64 = touched
        .iter()
        .map(|r| {
            (0..rank)
                .map(|d| {
                    let (lo, hi) = k_range_public(sel, d, r.offsets[d], chunk_dims[d]);
                    hi - lo
                })
                .product::<u64>()
        })
        .sum();
    if Some(covered) != sel.n_elements() {
        fill_buffer(info, out);
    }
    let steps: Vec<FilterStep> = info
        .filters
        .iter()
        .map(|f| FilterStep {
            id: f.id,
            flags: f.flags,
            client_data: &f.client_data,
        })
        .collect();
    let decode = |r: &ChunkRecord| -> Result<Vec<u8>> {
        let steps: &[FilterStep] = if unfiltered_edges && is_edge(r) {
            &[]
        } else {
            &steps
        };
        let stored = if steps.is_empty() {
            chunk_bytes
        } else {
            r.size
        };
        let raw = crate::format::read_block(ctx.reader(), r.address, stored, &ctx.limits, "chunk")
            .map_err(|e| e.in_object("chunk"))?;
        if steps.is_empty() {
            return Ok(raw);
        }
        filters::decode_chunk(
            steps,
            r.filter_mask,
            raw,
            esize as usize,
            chunk_bytes as usize,
            ctx.limits.max_alloc_bytes.min(usize::MAX as u64) as usize,
        )
        .map_err(|e| e.at(r.address))
    };
    // Each worker decodes a chunk and copies its part into the output under
    // a lock (the copy is short next to the decompression), then hands the
    // buffer back to its thread's pool for the next chunk.
    let out = std::sync::Mutex::new(out);
    let work = |r: &&ChunkRecord| -> Result<()> {
        let data = decode(r)?;
        {
            let mut guard = out
                .lock()
                .map_err(|_| Error::wrong_use("a chunk decoder panicked"))?;
            copy_runs(sel, &r.offsets, chunk_dims, esize, &data, &mut guard)?;
        }
        filters::recycle_buffer(data);
        Ok(())
    };
    for_each_chunk(&touched, work)
}

#[cfg(feature = "parallel")]
fn for_each_chunk<F>(touched: &[&ChunkRecord], work: F) -> Result<()>
where
    F: Fn(&&ChunkRecord) -> Result<()> + Sync + Send,
{
    use rayon::prelude::*;
    if touched.len() <= 1 {
        return touched.iter().try_for_each(work);
    }
    touched.par_iter().try_for_each(work)
}

#[cfg(not(feature = "parallel"))]
fn for_each_chunk<F>(touched: &[&ChunkRecord], work: F) -> Result<()>
where
    F: Fn(&&ChunkRecord) -> Result<()>,
{
    touched.iter().try_for_each(work)
}

/// The selection indices of dimension `d` that fall in `[origin, origin + len)`.
fn k_range_public(sel: &Hyperslab, d: usize, origin: u64, len: u64) -> (u64, u64) {
    super::selection::k_range(sel.start[d], sel.count[d], sel.step[d], origin, len)
}

/// Reads the selection into a new buffer, in the file's byte layout.
pub fn read_raw(ctx: &FileCtx, info: &DatasetInfo, sel: &Hyperslab) -> Result<Vec<u8>> {
    let n = sel
        .n_elements()
        .ok_or_else(|| Error::limit("selection size overflows"))?;
    let bytes = checked_bytes(info, n)?;
    if bytes as u64 > ctx.limits.max_alloc_bytes {
        return Err(Error::limit(format!(
            "reading {bytes} bytes exceeds the allocation limit of {} bytes",
            ctx.limits.max_alloc_bytes
        ))
        .at(info.address));
    }
    let mut out = super::memory::zeroed::<u8>(bytes);
    read_raw_into(ctx, info, sel, &mut out)?;
    Ok(out)
}
