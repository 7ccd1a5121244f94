//! # vtkhdf
//!
//! A pure-Rust implementation of HDF5 — the part of it that VTKHDF files
//! use — with VTK's VTKHDF data model on top. No libhdf5, no C compiler:
//! it builds as a static binary, for WebAssembly, and (its format core)
//! for `no_std` targets.
//!
//! | feature | default | what it gives |
//! |---|---|---|
//! | `std` | yes | files; the read API ([`File`], [`Group`], [`Dataset`], [`Attribute`]); the writer ([`FileWriter`], [`GroupWriter`], [`DatasetWriter`]) with crash-safe commits; [`vtk`] (VTKHDF); the canonical dump; repack |
//! | `parallel` | yes | chunks decoded on all cores (rayon) |
//! | `ndarray` | yes | `read_array` into `ndarray::ArrayD` |
//! | `cli` | yes | the `vtkhdf` command-line tool |
//!
//! Without default features only [`format`](mod@format) (the on-disk structures) and
//! [`filters`] (deflate, shuffle, fletcher32, lzf, ... decoders) are built,
//! on `core` + `alloc`.
//!
//! ```
//! # fn main() -> vtkhdf::Result<()> {
//! let file = vtkhdf::File::open("tests/golden/files/layouts_earliest.h5")?;
//! for link in file.root()?.links()? {
//!     println!("{}", link.name);
//! }
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
// One audited module may use `unsafe`: src/read/memory.rs (a madvise hint).
#![deny(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod error;
pub mod filters;
pub mod format;
pub mod io;

#[cfg(feature = "std")]
pub mod dump;
#[cfg(feature = "std")]
pub mod hl;
#[cfg(feature = "std")]
pub mod read;
#[cfg(feature = "std")]
pub mod repack;
#[cfg(feature = "std")]
pub mod vtk;
#[cfg(feature = "std")]
pub mod write;

pub use error::{Error, ErrorKind, Result};
pub use format::Limits;
pub use io::ReadAt;

#[cfg(feature = "std")]
pub use hl::write::{DatasetBuilder, DatasetWriter, FileWriter, GroupWriter};
#[cfg(feature = "std")]
pub use hl::{dtype_name, Attribute, Dataset, File, Group, LayoutKind, Link, Object};
#[cfg(feature = "std")]
pub use read::convert::H5Type;
#[cfg(feature = "std")]
pub use read::selection::Hyperslab;

/// The README's examples, compiled as doc tests.
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
