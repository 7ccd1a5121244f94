//! The crate's one error type.
//!
//! Every error carries a stable [`ErrorKind`], a message saying what was
//! expected and what was found, and where possible the byte offset in the file
//! and the path of the HDF5 object involved.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

/// The result type used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// What went wrong, broadly. Stable: match on it rather than on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file's bytes do not follow the HDF5 format.
    Malformed,
    /// The file uses a feature this crate does not implement.
    Unsupported,
    /// Reading or writing the underlying storage failed.
    Io,
    /// A size declared by the file exceeds the configured [`crate::Limits`].
    LimitExceeded,
    /// The API was used in a way that cannot work (wrong type, bad selection...).
    WrongUse,
    /// A named object, link or attribute does not exist.
    NotFound,
}

/// An error, with its kind, a message, and where in the file it happened.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    offset: Option<u64>,
    path: Option<String>,
}

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                offset: None,
                path: None,
            }),
        }
    }

    /// A malformed-file error at byte `offset`.
    pub fn malformed(offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed, message).at(offset)
    }

    /// An unsupported-feature error at byte `offset`.
    pub fn unsupported(offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message).at(offset)
    }

    /// A limit-exceeded error.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, message)
    }

    /// A wrong-use error.
    pub fn wrong_use(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::WrongUse, message)
    }

    /// A not-found error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Sets the byte offset, unless one is already recorded.
    pub fn at(mut self, offset: u64) -> Self {
        if self.inner.offset.is_none() {
            self.inner.offset = Some(offset);
        }
        self
    }

    /// Sets the object path, unless one is already recorded.
    pub fn in_object(mut self, path: &str) -> Self {
        if self.inner.path.is_none() {
            self.inner.path = Some(String::from(path));
        }
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without location.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The byte offset in the file, when known.
    pub fn offset(&self) -> Option<u64> {
        self.inner.offset
    }

    /// The HDF5 object path, when known.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.kind {
            ErrorKind::Malformed => "malformed file",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Io => "I/O error",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::WrongUse => "wrong use",
            ErrorKind::NotFound => "not found",
        };
        write!(f, "{kind}: {}", self.inner.message)?;
        if let Some(path) = &self.inner.path {
            write!(f, " (object {path})")?;
        }
        if let Some(offset) = self.inner.offset {
            write!(f, " (at byte offset {offset})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(feature = "std")]
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, alloc::format!("{e}"))
    }
}
