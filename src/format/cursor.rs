//! A cursor over a structure's bytes that cannot panic.
//!
//! Every read returns a [`Result`]; running off the end is a malformed-file
//! error naming the structure and the absolute file offset.

use crate::error::{Error, Result};
use crate::format::Sizes;
use alloc::format;
use nom::number::complete as num;
use nom::IResult;

/// Reads little-endian fields from a byte slice that sits at `base` in the file.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    what: &'static str,
}

fn run<'a, T>(
    c: &mut Cursor<'a>,
    n: usize,
    parser: fn(&'a [u8]) -> IResult<&'a [u8], T>,
) -> Result<T> {
    let rest = c.rest_slice();
    match parser(rest) {
        Ok((_, v)) => {
            c.pos += n;
            Ok(v)
        }
        Err(_) => Err(c.short(n)),
    }
}

impl<'a> Cursor<'a> {
    /// A cursor over `data`, whose first byte is at file offset `base`;
    /// `what` names the structure in error messages.
    pub fn new(data: &'a [u8], base: u64, what: &'static str) -> Self {
        Cursor {
            data,
            pos: 0,
            base,
            what,
        }
    }

    /// The structure name used in errors.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// Position relative to the start of the slice.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Absolute file offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base.wrapping_add(self.pos as u64)
    }

    /// File offset of the slice's first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// The whole underlying slice.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    fn rest_slice(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    fn short(&self, n: usize) -> Error {
        Error::malformed(
            self.offset(),
            format!(
                "{}: expected {n} more bytes, found {}",
                self.what,
                self.remaining()
            ),
        )
    }

    /// An error at the current offset, prefixed with the structure name.
    pub fn error(&self, message: impl core::fmt::Display) -> Error {
        Error::malformed(self.offset(), format!("{}: {message}", self.what))
    }

    /// An unsupported-feature error at the current offset.
    pub fn unsupported(&self, message: impl core::fmt::Display) -> Error {
        Error::unsupported(self.offset(), format!("{}: {message}", self.what))
    }

    /// Moves to `pos` (relative to the slice start).
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(self.error(format_args!(
                "position {pos} is past the end of the structure ({} bytes)",
                self.data.len()
            )));
        }
        self.pos = pos;
        Ok(())
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        if n > self.remaining() {
            return Err(self.short(n));
        }
        self.pos += n;
        Ok(())
    }

    /// Takes the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.short(n));
        }
        let s = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or_else(|| self.short(n))?;
        self.pos += n;
        Ok(s)
    }

    /// Takes the next `n` bytes as a sub-cursor.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Cursor<'a>> {
        let base = self.offset();
        let s = self.bytes(n)?;
        Ok(Cursor::new(s, base, what))
    }

    /// Expects the 4-byte signature `sig`.
    pub fn signature(&mut self, sig: &[u8; 4]) -> Result<()> {
        let at = self.offset();
        let got = self.bytes(4)?;
        if got != sig {
            return Err(Error::malformed(
                at,
                format!(
                    "{}: expected signature {:?}, found {:?}",
                    self.what,
                    core::str::from_utf8(sig).unwrap_or("?"),
                    alloc::string::String::from_utf8_lossy(got)
                ),
            ));
        }
        Ok(())
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        run(self, 1, num::le_u8)
    }
    /// Little-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        run(self, 2, num::le_u16)
    }
    /// Little-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        run(self, 4, num::le_u32)
    }
    /// Little-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        run(self, 8, num::le_u64)
    }

    /// Little-endian unsigned integer of `n` bytes (0..=8).
    pub fn uint(&mut self, n: usize) -> Result<u64> {
        if n > 8 {
            return Err(self.error(format_args!("integer field of {n} bytes is wider than 8")));
        }
        let b = self.bytes(n)?;
        Ok(le_uint(b))
    }

    /// An address ("size of offsets" bytes). Returns [`UNDEFINED`] for all ones.
    ///
    /// [`UNDEFINED`]: crate::format::UNDEFINED
    pub fn address(&mut self, sizes: Sizes) -> Result<u64> {
        let n = sizes.offset as usize;
        let v = self.uint(n)?;
        Ok(if is_all_ones(v, n) {
            crate::format::UNDEFINED
        } else {
            v
        })
    }

    /// A length ("size of lengths" bytes).
    pub fn length(&mut self, sizes: Sizes) -> Result<u64> {
        self.uint(sizes.length as usize)
    }

    /// A NUL-terminated string; consumes the NUL.
    pub fn cstr(&mut self) -> Result<&'a [u8]> {
        let rest = self.rest_slice();
        match rest.iter().position(|&b| b == 0) {
            Some(n) => {
                let s = self.bytes(n)?;
                self.pos += 1;
                Ok(s)
            }
            None => Err(self.error("string without a terminating NUL")),
        }
    }

    /// Skips to the next multiple of `align` relative to the slice start.
    pub fn align(&mut self, align: usize) -> Result<()> {
        let rem = self.pos % align;
        if rem != 0 {
            let pad = (align - rem).min(self.remaining());
            self.pos += pad;
        }
        Ok(())
    }
}

/// Little-endian unsigned integer from up to 8 bytes.
pub fn le_uint(b: &[u8]) -> u64 {
    b.iter()
        .rev()
        .take(8)
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn is_all_ones(v: u64, n: usize) -> bool {
    if n == 0 {
        return false;
    }
    if n >= 8 {
        v == u64::MAX
    } else {
        v == (1u64 << (8 * n)) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_reports_short_input() {
        let bytes = [1u8, 2, 0, 3, 0, 0, 0, 0xff, 0xff];
        let mut c = Cursor::new(&bytes, 100, "test");
        assert_eq!(c.u8().unwrap(), 1);
        assert_eq!(c.u16().unwrap(), 2);
        assert_eq!(c.u32().unwrap(), 3);
        let s = Sizes {
            offset: 2,
            length: 2,
        };
        assert_eq!(c.address(s).unwrap(), crate::format::UNDEFINED);
        let e = c.u8().unwrap_err();
        assert_eq!(e.offset(), Some(109));
        assert!(e.message().contains("expected 1 more bytes"));
    }

    #[test]
    fn signature_mismatch_names_both() {
        let mut c = Cursor::new(b"TREX", 8, "v1 B-tree node");
        let e = c.signature(b"TREE").unwrap_err();
        assert!(e.message().contains("TREE") && e.message().contains("TREX"));
        assert_eq!(e.offset(), Some(8));
    }
}
