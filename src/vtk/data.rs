//! Any VTKHDF data set: one enum over every type, read from a file or a
//! composite block by its `Type` attribute and written back. This is what
//! `vtkhdf convert` and `vtkhdf info` work through.

use crate::error::{Error, Result};
use crate::hl::write::{FileWriter, GroupWriter};
use crate::hl::{File, Group};

use super::amr::{self, OverlappingAmr};
use super::array::{Array, StoreOptions};
use super::composite::{self, Composite, CompositeKind};
use super::htg::{self, HyperTreeGrid};
use super::image::{self, ImageData};
use super::polydata::{self, PolyData};
use super::rectilinear::{self, RectilinearGrid};
use super::structured::{self, StructuredGrid};
use super::table::{self, Table};
use super::unstructured::{self, UnstructuredGrid};
use super::{group_header, DataType, Series, ROOT};

/// A VTKHDF data set of any type, with its time steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// `vtkImageData`.
    Image(Series<ImageData>),
    /// `vtkRectilinearGrid`.
    Rectilinear(Series<RectilinearGrid>),
    /// `vtkStructuredGrid`.
    Structured(Series<StructuredGrid>),
    /// `vtkUnstructuredGrid`, one entry per partition.
    Unstructured(Series<Vec<UnstructuredGrid>>),
    /// `vtkPolyData`, one entry per partition.
    Poly(Series<Vec<PolyData>>),
    /// `vtkOverlappingAMR`.
    Amr(Series<OverlappingAmr>),
    /// `vtkHyperTreeGrid`, one entry per partition.
    HyperTree(Series<Vec<HyperTreeGrid>>),
    /// `vtkTable`.
    Table(Series<Table>),
    /// `vtkPartitionedDataSetCollection` or `vtkMultiBlockDataSet`.
    Composite(Composite<Data>),
}

impl Data {
    /// The VTKHDF type.
    pub fn data_type(&self) -> DataType {
        match self {
            Data::Image(_) => DataType::ImageData,
            Data::Rectilinear(_) => DataType::RectilinearGrid,
            Data::Structured(_) => DataType::StructuredGrid,
            Data::Unstructured(_) => DataType::UnstructuredGrid,
            Data::Poly(_) => DataType::PolyData,
            Data::Amr(_) => DataType::OverlappingAmr,
            Data::HyperTree(_) => DataType::HyperTreeGrid,
            Data::Table(_) => DataType::Table,
            Data::Composite(c) => c.kind.data_type(),
        }
    }

    /// The time values, when the data (or, for a composite, its blocks) is
    /// temporal.
    pub fn times(&self) -> Option<&[f64]> {
        match self {
            Data::Image(s) => s.times.as_deref(),
            Data::Rectilinear(s) => s.times.as_deref(),
            Data::Structured(s) => s.times.as_deref(),
            Data::Unstructured(s) => s.times.as_deref(),
            Data::Poly(s) => s.times.as_deref(),
            Data::Amr(s) => s.times.as_deref(),
            Data::HyperTree(s) => s.times.as_deref(),
            Data::Table(s) => s.times.as_deref(),
            Data::Composite(c) => c
                .blocks
                .iter()
                .find_map(|b| b.data.as_ref().and_then(|d| d.times())),
        }
    }

    /// Number of time steps (1 for static data).
    pub fn n_steps(&self) -> usize {
        self.times().map_or(1, <[f64]>::len)
    }

    /// Number of partitions per step, for the partitioned types.
    pub fn parts(&self) -> Option<Vec<usize>> {
        match self {
            Data::Unstructured(s) => Some(s.steps.iter().map(Vec::len).collect()),
            Data::Poly(s) => Some(s.steps.iter().map(Vec::len).collect()),
            Data::HyperTree(s) => Some(s.steps.iter().map(Vec::len).collect()),
            _ => None,
        }
    }

    /// Every array of the first step (first partition, first AMR block),
    /// as (association, array); association is "point", "cell", "field"
    /// or "row".
    pub fn arrays(&self) -> Vec<(&'static str, &Array)> {
        fn push<'a>(out: &mut Vec<(&'static str, &'a Array)>, kind: &'static str, a: &'a [Array]) {
            out.extend(a.iter().map(|x| (kind, x)));
        }
        let mut out = Vec::new();
        let o = &mut out;
        match self {
            Data::Image(s) => {
                if let Some(d) = s.steps.first() {
                    push(o, "point", &d.point_data);
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::Rectilinear(s) => {
                if let Some(d) = s.steps.first() {
                    push(o, "point", &d.point_data);
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::Structured(s) => {
                if let Some(d) = s.steps.first() {
                    push(o, "point", &d.point_data);
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::Unstructured(s) => {
                if let Some(d) = s.steps.first().and_then(|p| p.first()) {
                    push(o, "point", &d.point_data);
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::Poly(s) => {
                if let Some(d) = s.steps.first().and_then(|p| p.first()) {
                    push(o, "point", &d.point_data);
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::HyperTree(s) => {
                if let Some(d) = s.steps.first().and_then(|p| p.first()) {
                    push(o, "cell", &d.cell_data);
                    push(o, "field", &d.field_data);
                }
            }
            Data::Table(s) => {
                if let Some(d) = s.steps.first() {
                    push(o, "row", &d.columns);
                }
            }
            Data::Amr(s) => {
                if let Some(b) = s
                    .steps
                    .first()
                    .and_then(|a| a.levels.first())
                    .and_then(|l| l.blocks.first())
                {
                    push(o, "point", &b.point_data);
                    push(o, "cell", &b.cell_data);
                }
            }
            Data::Composite(_) => {}
        }
        out
    }
}

/// Reads the data set held by `group` (`/VTKHDF` or a composite block),
/// dispatching on its `Type`.
pub fn read_group(group: &Group) -> Result<Data> {
    let header = group_header(group)?;
    read_group_as(group, header.data_type)
}

fn read_group_as(group: &Group, t: DataType) -> Result<Data> {
    Ok(match t {
        DataType::ImageData => Data::Image(image::read(group)?),
        DataType::RectilinearGrid => Data::Rectilinear(rectilinear::read(group)?),
        DataType::StructuredGrid => Data::Structured(structured::read(group)?),
        DataType::UnstructuredGrid => Data::Unstructured(unstructured::read(group)?),
        DataType::PolyData => Data::Poly(polydata::read(group)?),
        DataType::OverlappingAmr => Data::Amr(amr::read(group)?),
        DataType::HyperTreeGrid => Data::HyperTree(htg::read(group)?),
        DataType::Table => Data::Table(table::read(group)?),
        DataType::PartitionedDataSetCollection | DataType::MultiBlockDataSet => {
            let kind = if t == DataType::MultiBlockDataSet {
                CompositeKind::MultiBlock
            } else {
                CompositeKind::Collection
            };
            Data::Composite(composite::read(group, kind, |g| {
                let d = read_group(g)?;
                if matches!(d, Data::Composite(_)) {
                    return Err(Error::malformed(
                        0,
                        format!("{}: a composite block cannot itself be composite", g.path()),
                    ));
                }
                Ok(d)
            })?)
        }
    })
}

/// Reads the data set of a VTKHDF file.
pub fn read_file(file: &File) -> Result<Data> {
    let root = file.group(ROOT).map_err(|e| {
        Error::new(
            e.kind(),
            format!("not a VTKHDF file: no {ROOT} group ({})", e.message()),
        )
    })?;
    read_group(&root)
}

/// Writes `data` into `group` (an empty group with creation order
/// tracked), setting its `Type` and `Version`.
pub fn write_group(group: &GroupWriter, data: &Data, opts: &StoreOptions) -> Result<()> {
    match data {
        Data::Image(s) => image::write(group, s, opts),
        Data::Rectilinear(s) => rectilinear::write(group, s, opts),
        Data::Structured(s) => structured::write(group, s, opts),
        Data::Unstructured(s) => unstructured::write(group, s, opts),
        Data::Poly(s) => polydata::write(group, s, opts),
        Data::Amr(s) => amr::write(group, s, opts),
        Data::HyperTree(s) => htg::write(group, s, opts),
        Data::Table(s) => table::write(group, s, opts),
        Data::Composite(c) => composite::write(
            group,
            c,
            |d| d.times().is_some(),
            |g, d| {
                if matches!(d, Data::Composite(_)) {
                    return Err(Error::wrong_use(
                        "a composite block cannot itself be composite",
                    ));
                }
                write_group(g, d, opts)
            },
        ),
    }
}

/// Writes `data` as the `/VTKHDF` group of a new file.
pub fn write_file(file: &FileWriter, data: &Data, opts: &StoreOptions) -> Result<()> {
    let root = file.root().create_group_tracked("VTKHDF")?;
    write_group(&root, data, opts)
}
