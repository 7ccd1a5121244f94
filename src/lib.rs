//! Pure-Rust HDF5, the part VTKHDF files use, with VTK's VTKHDF data model on top.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod error;
pub mod filters;
pub mod format;
pub mod io;

pub use error::{Error, ErrorKind, Result};
pub use format::Limits;
pub use io::ReadAt;
