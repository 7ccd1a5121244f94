//! `vtkhdf repack`: copy every group, dataset, attribute and link of a file
//! into a new file written by this crate, keeping each dataset's layout,
//! chunk shape and filters unless told otherwise.

use crate::error::{Error, Result};
use crate::format::message::datatype::{Datatype, DatatypeClass};
use crate::format::message::filter_pipeline::FilterDescription;
use crate::format::message::link::LinkTarget;
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{Attribute, Dataset, File, Group, LayoutKind, Object};
use crate::read::selection::Hyperslab;
use std::collections::HashMap;
use std::path::Path;

/// How datasets are stored in the output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ChunkChoice {
    /// As in the input.
    #[default]
    Keep,
    /// Chunked with an automatic chunk shape.
    Auto,
    /// Not chunked (contiguous), filters dropped.
    None,
    /// Chunked with this shape (datasets of another rank keep theirs).
    Shape(Vec<u64>),
}

/// Repack options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepackOptions {
    /// Deflate level for every chunked dataset (replaces the input's filters).
    pub deflate: Option<u32>,
    /// Shuffle before deflate.
    pub shuffle: bool,
    /// Chunking.
    pub chunks: ChunkChoice,
    /// Drop all filters.
    pub no_filters: bool,
}

/// Progress callback: (bytes copied, total bytes).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Copies `input` into a new file at `output`.
pub fn repack(
    input: &Path,
    output: &Path,
    options: &RepackOptions,
    progress: Progress<'_>,
) -> Result<()> {
    let src = File::open(input)?;
    let root = src.root()?;
    let total = total_bytes(&root, &mut HashMap::new())?;
    let out = FileWriter::create(output)?;
    let mut copier = Copier {
        options,
        copied: 0,
        total,
        progress,
        seen: HashMap::new(),
    };
    copier.copy_group(&root, &out.root())?;
    out.close()
}

fn total_bytes(g: &Group, seen: &mut HashMap<u64, ()>) -> Result<u64> {
    let mut t = 0;
    for l in g.links()? {
        if let LinkTarget::Hard { address } = l.target {
            if seen.insert(address, ()).is_some() {
                continue;
            }
            match g.file().object_at(address, &l.name)? {
                Object::Group(sub) => t += total_bytes(&sub, seen)?,
                Object::Dataset(d) => t += d.len() * u64::from(d.dtype().size),
                Object::Datatype(_) => {}
            }
        }
    }
    Ok(t)
}

struct Copier<'a, 'p> {
    options: &'a RepackOptions,
    copied: u64,
    total: u64,
    progress: Progress<'p>,
    /// Object header address in the input -> path in the output.
    seen: HashMap<u64, String>,
}

fn copy_attrs(attrs: Vec<Result<Attribute>>, set: &dyn Fn(&Attribute) -> Result<()>) -> Result<()> {
    for a in attrs {
        set(&a?)?;
    }
    Ok(())
}

fn set_group_attr(g: &GroupWriter, a: &Attribute) -> Result<()> {
    if is_vlen_string(a.dtype()) {
        let v = a.read_strings()?;
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        return g.set_attr_vlen_strs(a.name(), &refs);
    }
    check_copyable(a.dtype(), a.name())?;
    g.set_attr_raw(
        a.name(),
        a.dtype().clone(),
        a.shape().map(<[u64]>::to_vec),
        a.raw_bytes().to_vec(),
    )
}

fn is_vlen_string(t: &Datatype) -> bool {
    matches!(
        t.class,
        DatatypeClass::VarLen {
            string: Some(_),
            ..
        }
    )
}

fn check_copyable(t: &Datatype, what: &str) -> Result<()> {
    match &t.class {
        DatatypeClass::Reference { .. } | DatatypeClass::VarLen { .. } => Err(Error::unsupported(
            0,
            format!("{what}: references and variable-length sequences cannot be repacked yet"),
        )),
        DatatypeClass::Compound { members } => members
            .iter()
            .try_for_each(|m| check_copyable(&m.datatype, what)),
        DatatypeClass::Array { base, .. } | DatatypeClass::Enum { base, .. } => {
            check_copyable(base, what)
        }
        _ => Ok(()),
    }
}

impl Copier<'_, '_> {
    fn copy_group(&mut self, src: &Group, dst: &GroupWriter) -> Result<()> {
        copy_attrs(src.attrs()?, &|a| set_group_attr(dst, a))?;
        let links = if src.tracks_creation_order()? {
            src.links_in_creation_order()?
        } else {
            src.links()?
        };
        for l in links {
            let path = if src.path() == "/" {
                format!("/{}", l.name)
            } else {
                format!("{}/{}", src.path(), l.name)
            };
            match l.target {
                LinkTarget::Soft { path: t } => dst.link_soft(&l.name, &t)?,
                LinkTarget::External { file, path: t } => dst.link_external(&l.name, &file, &t)?,
                LinkTarget::UserDefined { link_type, data } => {
                    dst.link_user_defined(&l.name, link_type, &data)?
                }
                LinkTarget::Hard { address } => {
                    if let Some(first) = self.seen.get(&address) {
                        dst.link_hard(&l.name, first)?;
                        continue;
                    }
                    self.seen.insert(address, path.clone());
                    match src.file().object_at(address, &path)? {
                        Object::Group(g) => {
                            let sub = if g.tracks_creation_order()? {
                                dst.create_group_tracked(&l.name)?
                            } else {
                                dst.create_group(&l.name)?
                            };
                            self.copy_group(&g, &sub)?;
                        }
                        Object::Dataset(d) => self
                            .copy_dataset(&d, dst, &l.name)
                            .map_err(|e| e.in_object(&path))?,
                        Object::Datatype(t) => dst.commit_datatype(&l.name, t.datatype)?,
                    }
                }
            }
        }
        Ok(())
    }

    fn filters_for(&self, d: &Dataset) -> Vec<FilterDescription> {
        if self.options.no_filters || self.options.chunks == ChunkChoice::None {
            return Vec::new();
        }
        if self.options.deflate.is_some() || self.options.shuffle {
            let mut f = Vec::new();
            if self.options.shuffle {
                f.push(FilterDescription {
                    id: 2,
                    name: None,
                    flags: 0,
                    client_data: vec![d.dtype().size],
                });
            }
            if let Some(level) = self.options.deflate {
                f.push(FilterDescription {
                    id: 1,
                    name: None,
                    flags: 0,
                    client_data: vec![level],
                });
            }
            return f;
        }
        d.filters().to_vec()
    }

    fn copy_dataset(&mut self, d: &Dataset, parent: &GroupWriter, name: &str) -> Result<()> {
        let t = d.dtype().clone();
        if d.is_null() {
            let w = parent
                .new_dataset_typed(name, t.clone(), &[])
                .null_space()
                .create()?;
            copy_attrs(d.attrs()?, &|a| set_dataset_attr(&w, a))?;
            return Ok(());
        }
        if is_vlen_string(&t) {
            let v = d.read_strings()?;
            let refs: Vec<&str> = v.iter().map(String::as_str).collect();
            let w = parent.write_vlen_strings(name, &refs)?;
            copy_attrs(d.attrs()?, &|a| set_dataset_attr(&w, a))?;
            return Ok(());
        }
        check_copyable(&t, d.path())?;
        let shape = d.shape().to_vec();
        let mut b = parent.new_dataset_typed(name, t.clone(), &shape);
        let maxshape = d.maxshape();
        let has_max = maxshape.iter().zip(&shape).any(|(m, &s)| *m != Some(s));
        let filters = self.filters_for(d);
        let wants_filters = !filters.is_empty();
        match (&self.options.chunks, d.layout()) {
            (ChunkChoice::None, _) if has_max => {
                return Err(Error::wrong_use(format!(
                    "{}: --chunks none, but the dataset is resizable",
                    d.path()
                )));
            }
            (ChunkChoice::None, _) => {}
            (ChunkChoice::Auto, _) if !shape.is_empty() => b = b.chunks_auto(),
            (ChunkChoice::Shape(c), _) if c.len() == shape.len() => b = b.chunks(c),
            (_, LayoutKind::Chunked) => {
                if let Some(c) = d.chunks() {
                    b = b.chunks(&c);
                }
            }
            (_, LayoutKind::Compact) if !wants_filters => b = b.compact(),
            (_, _) if wants_filters && !shape.is_empty() => b = b.chunks_auto(),
            _ => {}
        }
        if has_max {
            b = b.maxshape(&maxshape);
        }
        if wants_filters && !shape.is_empty() {
            b = b.filters(filters);
        }
        if let Some(f) = d.fill_value_bytes() {
            b = b.fill_value_raw(f.to_vec());
        }
        let w = b.create()?;
        copy_attrs(d.attrs()?, &|a| set_dataset_attr(&w, a))?;
        // Copy block by block: stored chunks one by one (unwritten ones stay
        // unwritten and read as the fill value), other layouts in blocks of
        // about 64 MiB; storage never allocated is not copied at all.
        for sel in copy_blocks(d, &shape, u64::from(t.size).max(1))? {
            let raw = d.read_raw_slice(&sel)?;
            w.write_raw_slice(&sel, &raw)?;
            self.copied += raw.len() as u64;
            (self.progress)(self.copied, self.total);
        }
        Ok(())
    }
}

fn set_dataset_attr(w: &crate::hl::write::DatasetWriter, a: &Attribute) -> Result<()> {
    if is_vlen_string(a.dtype()) {
        let v = a.read_strings()?;
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        return w.set_attr_vlen_strs(a.name(), &refs);
    }
    check_copyable(a.dtype(), a.name())?;
    w.set_attr_raw(
        a.name(),
        a.dtype().clone(),
        a.shape().map(<[u64]>::to_vec),
        a.raw_bytes().to_vec(),
    )
}

/// The hyperslabs to copy a dataset with.
fn copy_blocks(d: &Dataset, shape: &[u64], esize: u64) -> Result<Vec<Hyperslab>> {
    use crate::format::message::layout::Layout;
    if shape.is_empty() {
        return Ok(vec![Hyperslab::all(shape)]);
    }
    if shape.contains(&0) {
        return Ok(Vec::new());
    }
    match &d.info().layout {
        Layout::Contiguous { address, .. } if crate::format::is_undefined(*address) => {
            Ok(Vec::new())
        }
        Layout::Chunked { dims, .. } => {
            let records = crate::read::dataset::chunk_records(d.file().ctx(), d.info())?;
            let mut out = Vec::with_capacity(records.len());
            for r in records.iter() {
                if r.offsets.len() != shape.len()
                    || r.offsets.iter().zip(shape).any(|(o, n)| o >= n)
                {
                    continue;
                }
                let count: Vec<u64> = r
                    .offsets
                    .iter()
                    .zip(dims)
                    .zip(shape)
                    .map(|((o, c), n)| (*c).min(n - o))
                    .collect();
                out.push(Hyperslab::new(&r.offsets, &count, &vec![1; shape.len()]));
            }
            Ok(out)
        }
        _ => Ok(slabs(shape, esize, 64 << 20)),
    }
}

/// Row-major blocks of at most about `target` bytes covering `shape`.
fn slabs(shape: &[u64], esize: u64, target: u64) -> Vec<Hyperslab> {
    let rank = shape.len();
    let mut block = shape.to_vec();
    for k in 0..rank {
        let inner: u64 = block[k + 1..].iter().product::<u64>().saturating_mul(esize);
        if inner.saturating_mul(block[k]) <= target {
            break;
        }
        block[k] = (target / inner.max(1)).clamp(1, shape[k]);
        if inner.saturating_mul(block[k]) <= target {
            break;
        }
    }
    let mut out = Vec::new();
    let mut start = vec![0u64; rank];
    loop {
        let count: Vec<u64> = (0..rank)
            .map(|k| block[k].min(shape[k] - start[k]))
            .collect();
        out.push(Hyperslab::new(&start, &count, &vec![1; rank]));
        let mut k = rank;
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            start[k] += block[k];
            if start[k] < shape[k] {
                break;
            }
            start[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slabs_cover_the_shape_in_bounded_blocks() {
        let s = super::slabs(&[10, 1000, 1000], 8, 16 << 20);
        let total: u64 = s.iter().map(|h| h.count.iter().product::<u64>()).sum();
        assert_eq!(total, 10 * 1000 * 1000);
        assert!(s
            .iter()
            .all(|h| h.count.iter().product::<u64>() * 8 <= 16 << 20));
        let s = super::slabs(&[3, 4], 8, 1 << 20);
        assert_eq!(s.len(), 1);
    }
}
