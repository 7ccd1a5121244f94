//! Positional I/O: read bytes at an absolute offset.
//!
//! Nothing in the crate shares a seek cursor: readers ask for `len` bytes at
//! `offset`, so byte slices, files and other sources are interchangeable and
//! chunks can be read in parallel.

use crate::error::{Error, ErrorKind, Result};

/// A source of bytes addressed by absolute offset.
pub trait ReadAt {
    /// Fills `buf` with the bytes starting at `offset`. Reading past the end
    /// is an error.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;

    /// The total length in bytes.
    fn len(&self) -> Result<u64>;

    /// True when the source holds no bytes.
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

fn past_end(offset: u64, want: usize, have: u64) -> Error {
    Error::new(
        ErrorKind::Malformed,
        alloc::format!(
            "read of {want} bytes at offset {offset} goes past the end of the data ({have} bytes); the file may be truncated"
        ),
    )
    .at(offset)
}

impl ReadAt for [u8] {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let total = self.len() as u64;
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&e| e <= total)
            .ok_or_else(|| past_end(offset, buf.len(), total))?;
        let src = self
            .get(offset as usize..end as usize)
            .ok_or_else(|| past_end(offset, buf.len(), total))?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn len(&self) -> Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }
}

impl ReadAt for alloc::vec::Vec<u8> {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.as_slice().read_exact_at(offset, buf)
    }
    fn len(&self) -> Result<u64> {
        Ok(self.as_slice().len() as u64)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn len(&self) -> Result<u64> {
        (**self).len()
    }
}

impl<T: ReadAt + ?Sized> ReadAt for alloc::boxed::Box<T> {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn len(&self) -> Result<u64> {
        (**self).len()
    }
}

impl<T: ReadAt + ?Sized> ReadAt for alloc::sync::Arc<T> {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }
    fn len(&self) -> Result<u64> {
        (**self).len()
    }
}

#[cfg(feature = "std")]
impl ReadAt for std::fs::File {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let total = self.metadata()?.len();
        if offset
            .checked_add(buf.len() as u64)
            .is_none_or(|e| e > total)
        {
            return Err(past_end(offset, buf.len(), total));
        }
        file_read_at(self, offset, buf)
    }
    fn len(&self) -> Result<u64> {
        Ok(self.metadata()?.len())
    }
}

#[cfg(all(feature = "std", unix))]
fn file_read_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> Result<()> {
    use std::os::unix::fs::FileExt;
    FileExt::read_exact_at(file, buf, offset).map_err(|e| Error::from(e).at(offset))
}

#[cfg(all(feature = "std", windows))]
fn file_read_at(file: &std::fs::File, mut offset: u64, mut buf: &mut [u8]) -> Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_read(buf, offset)?;
        if n == 0 {
            return Err(past_end(offset, buf.len(), 0));
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(all(feature = "std", not(unix), not(windows)))]
fn file_read_at(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> Result<()> {
    // Targets without positional file I/O (wasm32 with std): clone the handle
    // so the shared cursor of `file` is left alone.
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)?;
    Ok(())
}

/// A destination for positional writes: a file or a growable buffer.
pub trait WriteAt: ReadAt {
    /// Writes all of `buf` at `offset`, growing the destination as needed.
    fn write_all_at(&mut self, offset: u64, buf: &[u8]) -> Result<()>;

    /// Makes written bytes durable (a no-op for memory).
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    /// Cuts or extends the destination to `len` bytes.
    fn set_len(&mut self, len: u64) -> Result<()>;
}

impl WriteAt for alloc::vec::Vec<u8> {
    fn write_all_at(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        let start = usize::try_from(offset)
            .map_err(|_| Error::new(ErrorKind::LimitExceeded, "offset beyond memory"))?;
        let end = start
            .checked_add(buf.len())
            .ok_or_else(|| Error::new(ErrorKind::LimitExceeded, "offset beyond memory"))?;
        if self.len() < end {
            self.resize(end, 0);
        }
        self[start..end].copy_from_slice(buf);
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> Result<()> {
        let len = usize::try_from(len)
            .map_err(|_| Error::new(ErrorKind::LimitExceeded, "length beyond memory"))?;
        self.resize(len, 0);
        Ok(())
    }
}

#[cfg(feature = "std")]
impl WriteAt for std::fs::File {
    fn write_all_at(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        file_write_at(self, offset, buf)
    }

    fn sync(&mut self) -> Result<()> {
        self.sync_data().map_err(Error::from)
    }

    fn set_len(&mut self, len: u64) -> Result<()> {
        std::fs::File::set_len(self, len).map_err(Error::from)
    }
}

#[cfg(all(feature = "std", unix))]
fn file_write_at(file: &std::fs::File, offset: u64, buf: &[u8]) -> Result<()> {
    use std::os::unix::fs::FileExt;
    FileExt::write_all_at(file, buf, offset).map_err(|e| Error::from(e).at(offset))
}

#[cfg(all(feature = "std", not(unix)))]
fn file_write_at(file: &std::fs::File, offset: u64, buf: &[u8]) -> Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(buf)?;
    Ok(())
}
