//! Reading: object resolution, link walking, attributes, chunk lookup and
//! data reads, over any [`ReadAt`] source.
//!
//! This layer turns the format layer's structures into objects; the public
//! h5py-like handles in [`crate::hl`] sit on top of it.

use crate::error::{Error, Result};
use crate::format::global_heap::{self, GlobalHeapCollection};
use crate::format::message::datatype::Datatype;
use crate::format::message::shared::SharedMessage;
use crate::format::object_header::RawMessage;
use crate::format::object_header::{self, ObjectHeader};
use crate::format::sohm_table::{self, SohmIndex};
use crate::format::superblock::{self, Superblock};
use crate::format::{Limits, Sizes};
use crate::io::ReadAt;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub mod attribute;
pub mod convert;
pub mod dataset;
pub mod group;
pub mod memory;
pub mod selection;
pub mod virtual_dataset;

/// A source whose addresses count from `base` (the superblock's base address).
struct Based {
    source: Box<dyn ReadAt + Send + Sync>,
    base: u64,
}

impl ReadAt for Based {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let abs = offset
            .checked_add(self.base)
            .ok_or_else(|| Error::malformed(offset, "address overflows"))?;
        self.source
            .read_exact_at(abs, buf)
            .map_err(|e| e.at(offset))
    }
    fn len(&self) -> Result<u64> {
        Ok(self.source.len()?.saturating_sub(self.base))
    }
}

/// Message type codes used by the reader (spec section IV.A.2).
pub(crate) mod msg {
    pub const DATASPACE: u16 = 0x0001;
    pub const LINK_INFO: u16 = 0x0002;
    pub const DATATYPE: u16 = 0x0003;
    pub const FILL_VALUE_OLD: u16 = 0x0004;
    pub const FILL_VALUE: u16 = 0x0005;
    pub const LINK: u16 = 0x0006;
    pub const EXTERNAL_FILES: u16 = 0x0007;
    pub const LAYOUT: u16 = 0x0008;
    pub const GROUP_INFO: u16 = 0x000A;
    pub const FILTER_PIPELINE: u16 = 0x000B;
    pub const ATTRIBUTE: u16 = 0x000C;
    pub const SYMBOL_TABLE: u16 = 0x0011;
    pub const ATTRIBUTE_INFO: u16 = 0x0015;
}

/// An open file's shared state: the source, the superblock and caches.
pub struct FileCtx {
    source: Based,
    /// The decoded superblock.
    pub superblock: Superblock,
    /// Address widths.
    pub sizes: Sizes,
    /// Bounds on what the file may make the reader do.
    pub limits: Limits,
    /// Directory of the file, for resolving external links and storage.
    pub path: Option<std::path::PathBuf>,
    headers: Mutex<HashMap<u64, Arc<ObjectHeader>>>,
    sohm: std::sync::OnceLock<std::result::Result<Vec<SohmIndex>, Error>>,
    global_heaps: Mutex<HashMap<u64, Arc<GlobalHeapCollection>>>,
}

impl FileCtx {
    /// Opens a source: finds and decodes the superblock.
    pub fn open(
        source: Box<dyn ReadAt + Send + Sync>,
        limits: Limits,
        path: Option<std::path::PathBuf>,
    ) -> Result<Self> {
        let superblock = superblock::find_and_read(&*source)?;
        // Like libhdf5, refuse a file shorter than its superblock says: it
        // was cut (a copy that did not finish, a full disk).
        let file_len = source.len()?;
        // libhdf5 stores it as the file's length, userblock included.
        let eof = superblock.eof_address;
        if !crate::format::is_undefined(superblock.eof_address) && eof > file_len {
            return Err(Error::malformed(
                superblock.offset,
                format!(
                    "truncated file: the superblock says it ends at byte {eof}, it has {file_len} bytes"
                ),
            ));
        }
        let sizes = superblock.sizes;
        let source = Based {
            source,
            base: superblock.base_address,
        };
        Ok(FileCtx {
            source,
            superblock,
            sizes,
            limits,
            path,
            headers: Mutex::new(HashMap::new()),
            sohm: std::sync::OnceLock::new(),
            global_heaps: Mutex::new(HashMap::new()),
        })
    }

    /// The byte source (addresses relative to the base address).
    pub fn reader(&self) -> &(dyn ReadAt + Send + Sync) {
        &self.source
    }

    /// Address of the root group's object header.
    pub fn root_address(&self) -> u64 {
        self.superblock.root_object_header
    }

    /// The object header at `address`, cached.
    pub fn object_header(&self, address: u64) -> Result<Arc<ObjectHeader>> {
        if let Some(h) = self
            .headers
            .lock()
            .ok()
            .and_then(|m| m.get(&address).cloned())
        {
            return Ok(h);
        }
        let h = Arc::new(object_header::read(
            &self.source,
            self.sizes,
            address,
            &self.limits,
        )?);
        if let Ok(mut m) = self.headers.lock() {
            if m.len() > 4096 {
                m.clear();
            }
            m.insert(address, h.clone());
        }
        Ok(h)
    }

    /// The global heap collection at `address`, cached.
    pub fn global_heap(&self, address: u64) -> Result<Arc<GlobalHeapCollection>> {
        if let Some(h) = self
            .global_heaps
            .lock()
            .ok()
            .and_then(|m| m.get(&address).cloned())
        {
            return Ok(h);
        }
        let h = Arc::new(global_heap::read_collection(
            &self.source,
            self.sizes,
            address,
            &self.limits,
        )?);
        if let Ok(mut m) = self.global_heaps.lock() {
            if m.len() > 1024 {
                m.clear();
            }
            m.insert(address, h.clone());
        }
        Ok(h)
    }

    /// The indexes of the shared object header message table (SOHM), read
    /// once from the superblock extension.
    fn sohm_indexes(&self) -> Result<&[SohmIndex]> {
        let got = self.sohm.get_or_init(|| {
            let ext = self.superblock.extension_address;
            if crate::format::is_undefined(ext) {
                return Err(Error::malformed(
                    0,
                    "a message is shared through the shared message heap, but the file has no superblock extension",
                ));
            }
            let h = self.object_header(ext)?;
            let m = h.first(0x000F).ok_or_else(|| {
                Error::malformed(ext, "superblock extension has no shared message table message")
            })?;
            let info = crate::format::message::shared_message_table::decode(
                &mut m.cursor("shared message table message"),
                self.sizes,
            )?;
            sohm_table::read_table(
                &self.source,
                self.sizes,
                info.table_address,
                info.num_indices,
                &self.limits,
            )
        });
        match got {
            Ok(v) => Ok(v),
            Err(e) => Err(e.clone()),
        }
    }

    /// The body of a shared message of type `kind`: from the object header it
    /// lives in (committed datatypes) or from the shared message heap.
    pub fn shared_body(&self, kind: u16, shared: &SharedMessage, at: u64) -> Result<Vec<u8>> {
        match shared {
            SharedMessage::ObjectHeader { address } => {
                let h = self.object_header(*address)?;
                let m = h.first(kind).ok_or_else(|| {
                    Error::malformed(
                        *address,
                        format!("shared message: the object header it points to has no message of type {kind:#06x}"),
                    )
                })?;
                if m.is_shared() {
                    return Err(Error::malformed(
                        m.offset,
                        "shared message: points to another shared message",
                    ));
                }
                Ok(m.data.clone())
            }
            SharedMessage::Heap { heap_id } => {
                let indexes = self.sohm_indexes()?;
                let index = sohm_table::index_for(indexes, kind, at)?;
                let heap = crate::format::fractal_heap::read_fractal_heap(
                    &self.source,
                    self.sizes,
                    index.heap_address,
                    &self.limits,
                )?;
                heap.get(&self.source, self.sizes, heap_id, &self.limits)
            }
        }
    }

    /// The body of a message, resolving sharing.
    pub fn message_body<'m>(&self, m: &'m RawMessage) -> Result<Cow<'m, [u8]>> {
        if !m.is_shared() {
            return Ok(Cow::Borrowed(&m.data));
        }
        let s =
            crate::format::message::shared::decode(&mut m.cursor("shared message"), self.sizes)?;
        self.shared_body(m.kind, &s, m.offset).map(Cow::Owned)
    }

    /// Resolves a datatype that may be shared (a committed datatype or the
    /// shared message heap).
    pub fn resolve_shared_datatype(&self, shared: &SharedMessage) -> Result<Datatype> {
        let body = self.shared_body(msg::DATATYPE, shared, 0)?;
        crate::format::message::datatype::decode(&mut crate::format::Cursor::new(
            &body,
            0,
            "shared datatype message",
        ))
    }

    /// Decodes the datatype message of a header, resolving sharing.
    pub fn datatype_of(&self, header: &ObjectHeader) -> Result<Option<Datatype>> {
        let Some(m) = header.first(msg::DATATYPE) else {
            return Ok(None);
        };
        if m.is_shared() {
            let s = crate::format::message::shared::decode(
                &mut m.cursor("shared datatype message"),
                self.sizes,
            )?;
            return self.resolve_shared_datatype(&s).map(Some);
        }
        crate::format::message::datatype::decode(&mut m.cursor("datatype message")).map(Some)
    }
}

/// What kind of object an object header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A committed (named) datatype.
    Datatype,
}

/// Classifies an object header by its messages, as libhdf5 does.
pub fn object_kind(header: &ObjectHeader) -> Result<ObjectKind> {
    let has = |k| header.first(k).is_some();
    if has(msg::LAYOUT) || (has(msg::DATASPACE) && has(msg::DATATYPE)) {
        Ok(ObjectKind::Dataset)
    } else if has(msg::SYMBOL_TABLE)
        || has(msg::LINK_INFO)
        || has(msg::LINK)
        || has(msg::GROUP_INFO)
    {
        Ok(ObjectKind::Group)
    } else if has(msg::DATATYPE) {
        Ok(ObjectKind::Datatype)
    } else {
        Err(Error::malformed(
            header.address,
            "object header has neither group, dataset nor datatype messages",
        ))
    }
}
