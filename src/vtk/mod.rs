//! The VTKHDF data model on top of the HDF5 API: what VTK's `vtkHDFReader`
//! and `vtkHDFWriter` read and write (VTKHDF specification up to 2.8).
//!
//! Every file has a `/VTKHDF` group whose `Version` attribute holds the
//! format version and whose `Type` attribute names the data type. Writers
//! here emit what every VTK since the type's introduction reads: `Type` as a
//! fixed-length ASCII string of exactly its length, groups with link creation
//! order tracked, `Version` as two 64-bit integers.
//!
//! | module | what |
//! |---|---|
//! | [`array`](mod@array) | typed point/cell/field/row arrays ([`array::Values`], [`array::Array`]) and how they are stored ([`array::StoreOptions`]) |
//! | [`image`] | ImageData: whole arrays, slices and sub-boxes; [`image::ImageWriter`] writes slice by slice; temporal steps |
//! | [`rectilinear`], [`structured`] | RectilinearGrid and StructuredGrid (2.7) |
//! | [`unstructured`], [`polydata`] | UnstructuredGrid (with polyhedra) and PolyData: partitions, temporal data, step writers that commit after each step |
//! | [`amr`] | OverlappingAMR written level by level or block by block, read by level or block; temporal (2.2 and 2.3 names) |
//! | [`htg`] | HyperTreeGrid (2.4): partitions, masks, temporal |
//! | [`table`] | Table (2.8) |
//! | [`composite`] | PartitionedDataSetCollection and MultiBlockDataSet: blocks and the assembly tree |
//! | [`data`] | any type: [`data::Data`], [`data::read_file`], [`data::write_file`] |
//! | [`temporal`] | the `Steps` group shared by the temporal readers and writers |
//! | [`validate`] | every rule of the specification and every known trap of VTK's reader |
//! | [`summary`] | the text of `vtkhdf info` |
//! | [`demo`] | `vtkhdf demo`: a verified sample file of every kind |
//!
//! The layouts, with the specification's sections, are described in
//! `format-spec/vtkhdf.md`.

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{File, Group};

pub mod amr;
pub mod array;
pub mod composite;
pub mod data;
pub mod demo;
mod grid;
pub mod htg;
pub mod image;
pub mod polydata;
pub mod rectilinear;
pub mod structured;
pub mod summary;
pub mod table;
pub mod temporal;
pub mod unstructured;
pub mod validate;

/// The root group of VTKHDF data.
pub const ROOT: &str = "/VTKHDF";

/// The data types of the VTKHDF specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataType {
    /// `vtkImageData`.
    ImageData,
    /// `vtkRectilinearGrid`.
    RectilinearGrid,
    /// `vtkStructuredGrid`.
    StructuredGrid,
    /// `vtkUnstructuredGrid`.
    UnstructuredGrid,
    /// `vtkPolyData`.
    PolyData,
    /// `vtkOverlappingAMR`.
    OverlappingAmr,
    /// `vtkHyperTreeGrid`.
    HyperTreeGrid,
    /// `vtkTable`.
    Table,
    /// `vtkPartitionedDataSetCollection`.
    PartitionedDataSetCollection,
    /// `vtkMultiBlockDataSet`.
    MultiBlockDataSet,
}

impl DataType {
    /// The `Type` attribute's text.
    pub fn name(self) -> &'static str {
        match self {
            DataType::ImageData => "ImageData",
            DataType::RectilinearGrid => "RectilinearGrid",
            DataType::StructuredGrid => "StructuredGrid",
            DataType::UnstructuredGrid => "UnstructuredGrid",
            DataType::PolyData => "PolyData",
            DataType::OverlappingAmr => "OverlappingAMR",
            DataType::HyperTreeGrid => "HyperTreeGrid",
            DataType::Table => "Table",
            DataType::PartitionedDataSetCollection => "PartitionedDataSetCollection",
            DataType::MultiBlockDataSet => "MultiBlockDataSet",
        }
    }

    /// The type named by a `Type` attribute's text.
    pub fn from_name(name: &str) -> Option<Self> {
        use DataType::*;
        [
            ImageData,
            RectilinearGrid,
            StructuredGrid,
            UnstructuredGrid,
            PolyData,
            OverlappingAmr,
            HyperTreeGrid,
            Table,
            PartitionedDataSetCollection,
            MultiBlockDataSet,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

/// A data set over time: one entry of `steps` per time step, with the time
/// values in `times`; static data has `times == None` and one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<T> {
    /// `Steps/Values`, or `None` for static data.
    pub times: Option<Vec<f64>>,
    /// The data of each step.
    pub steps: Vec<T>,
}

impl<T> Series<T> {
    /// Static data.
    pub fn single(data: T) -> Self {
        Series {
            times: None,
            steps: vec![data],
        }
    }

    /// Temporal data: `(time, data)` per step.
    pub fn temporal(steps: impl IntoIterator<Item = (f64, T)>) -> Self {
        let (times, steps): (Vec<f64>, Vec<T>) = steps.into_iter().unzip();
        Series {
            times: Some(times),
            steps,
        }
    }

    /// True when the data has a `Steps` group.
    pub fn is_temporal(&self) -> bool {
        self.times.is_some()
    }
}

/// What a file's `/VTKHDF` group says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The data type.
    pub data_type: DataType,
    /// `Version` (major, minor); (1, 0) when absent.
    pub version: (i64, i64),
}

/// Reads the `Type` and `Version` attributes of `/VTKHDF` as any producer
/// writes them: `Type` fixed or variable length, ASCII or UTF-8, padded or
/// not; `Version` of any integer width. A missing `Type` means ImageData when
/// `WholeExtent` is present, UnstructuredGrid otherwise (VTK 9.1's rule).
pub fn read_header(file: &File) -> Result<(Group, Header)> {
    let root = file.group(ROOT).map_err(|e| {
        Error::new(
            e.kind(),
            format!("not a VTKHDF file: no {ROOT} group ({})", e.message()),
        )
    })?;
    let header = group_header(&root)?;
    Ok((root, header))
}

/// Reads `Type` and `Version` of a group holding a VTKHDF layout (`/VTKHDF`
/// or a composite's block), with the same tolerance as [`read_header`].
pub fn group_header(root: &Group) -> Result<Header> {
    let version = match root.attr("Version") {
        Ok(a) => {
            let v: Vec<i64> = a.read().map_err(|e| {
                Error::new(
                    e.kind(),
                    format!("{}: Version: {}", root.path(), e.message()),
                )
            })?;
            match v.as_slice() {
                [major, minor, ..] => (*major, *minor),
                [major] => (*major, 0),
                [] => (1, 0),
            }
        }
        Err(_) => (1, 0),
    };
    let data_type = match root.attr("Type") {
        Ok(a) => {
            let name = a.read_string().map_err(|e| {
                Error::new(e.kind(), format!("{}: Type: {}", root.path(), e.message()))
            })?;
            let name = name.trim_end_matches(['\0', ' ']);
            DataType::from_name(name).ok_or_else(|| {
                Error::unsupported(
                    0,
                    format!(
                        "{}: VTKHDF Type {name:?} is not a known data type",
                        root.path()
                    ),
                )
            })?
        }
        Err(_) => {
            if root.attr("WholeExtent").is_ok() {
                DataType::ImageData
            } else {
                DataType::UnstructuredGrid
            }
        }
    };
    Ok(Header { data_type, version })
}

/// Creates `/VTKHDF` with `Version` and `Type` as VTK writes them.
pub fn create_root(
    file: &FileWriter,
    data_type: DataType,
    version: (i64, i64),
) -> Result<GroupWriter> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    root.set_attr("Version", &[version.0, version.1])?;
    root.set_attr_str("Type", data_type.name())?;
    Ok(root)
}
