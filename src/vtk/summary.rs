//! A human-readable summary of a VTKHDF data set: what `vtkhdf info`
//! prints (type, version, extents or counts, arrays with types and ranges,
//! steps, partitions, blocks).

use core::fmt::Write;

use super::array::Array;
use super::composite::Node;
use super::data::Data;
use super::Header;

/// The summary of `data` read from a file whose `/VTKHDF` says `header`.
pub fn summary(header: &Header, data: &Data) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "VTKHDF {} version {}.{}",
        header.data_type.name(),
        header.version.0,
        header.version.1
    );
    describe(&mut out, data, "  ");
    out
}

fn range_text(a: &Array) -> String {
    match a.values.range() {
        Some((lo, hi)) => format!(" range [{lo}, {hi}]"),
        None => String::new(),
    }
}

fn arrays_text(out: &mut String, ind: &str, data: &Data) {
    let mut last = "";
    for (kind, a) in data.arrays() {
        if kind != last {
            let title = match kind {
                "point" => "PointData",
                "cell" => "CellData",
                "field" => "FieldData",
                _ => "RowData",
            };
            let _ = writeln!(out, "{ind}{title}:");
            last = kind;
        }
        let marker = a
            .attribute
            .as_deref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{ind}  {} {} x{} {} tuples{}{marker}",
            a.name,
            a.values.type_name(),
            a.components,
            a.tuples(),
            range_text(a)
        );
    }
}

fn steps_text(out: &mut String, ind: &str, data: &Data) {
    if let Some(t) = data.times() {
        let span = match (t.first(), t.last()) {
            (Some(a), Some(b)) => format!(" from {a} to {b}"),
            _ => String::new(),
        };
        let _ = writeln!(out, "{ind}Steps: {}{span}", t.len());
    }
    if let Some(parts) = data.parts() {
        let first = parts.first().copied().unwrap_or(0);
        if parts.iter().all(|&p| p == first) {
            let _ = writeln!(out, "{ind}Parts: {first}");
        } else {
            let _ = writeln!(out, "{ind}Parts per step: {parts:?}");
        }
    }
}

fn describe(out: &mut String, data: &Data, ind: &str) {
    steps_text(out, ind, data);
    match data {
        Data::Image(s) => {
            if let Some(d) = s.steps.first() {
                let _ = writeln!(out, "{ind}WholeExtent: {:?}", d.extent);
                let _ = writeln!(out, "{ind}Origin: {:?}", d.origin);
                let _ = writeln!(out, "{ind}Spacing: {:?}", d.spacing);
                let _ = writeln!(out, "{ind}Direction: {:?}", d.direction);
            }
        }
        Data::Rectilinear(s) => {
            if let Some(d) = s.steps.first() {
                let _ = writeln!(out, "{ind}Extent: {:?}", d.extent);
                let _ = writeln!(
                    out,
                    "{ind}Coordinates: {} x {} x {}",
                    d.x.len(),
                    d.y.len(),
                    d.z.len()
                );
            }
        }
        Data::Structured(s) => {
            if let Some(d) = s.steps.first() {
                let _ = writeln!(out, "{ind}Extent: {:?}", d.extent);
                let _ = writeln!(out, "{ind}Points: {}", d.points.tuples());
            }
        }
        Data::Unstructured(s) => {
            if let Some(parts) = s.steps.first() {
                let points: usize = parts.iter().map(|p| p.points.tuples()).sum();
                let cells: usize = parts.iter().map(|p| p.types.len()).sum();
                let conn: usize = parts.iter().map(|p| p.connectivity.len()).sum();
                let _ = writeln!(
                    out,
                    "{ind}Points: {points}, Cells: {cells}, ConnectivityIds: {conn}"
                );
                if parts.iter().any(|p| p.polyhedra.is_some()) {
                    let _ = writeln!(out, "{ind}Polyhedra: yes");
                }
            }
        }
        Data::Poly(s) => {
            if let Some(parts) = s.steps.first() {
                let points: usize = parts.iter().map(|p| p.points.tuples()).sum();
                let n = |f: fn(&super::polydata::PolyData) -> usize| -> usize {
                    parts.iter().map(f).sum()
                };
                let _ = writeln!(
                    out,
                    "{ind}Points: {points}, Vertices: {}, Lines: {}, Polygons: {}, Strips: {}",
                    n(|p| p.verts.len()),
                    n(|p| p.lines.len()),
                    n(|p| p.polys.len()),
                    n(|p| p.strips.len())
                );
            }
        }
        Data::Amr(s) => {
            if let Some(a) = s.steps.first() {
                let _ = writeln!(out, "{ind}Origin: {:?}", a.origin);
                for (l, level) in a.levels.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "{ind}Level{l}: spacing {:?}, {} block(s)",
                        level.spacing,
                        level.blocks.len()
                    );
                }
            }
        }
        Data::HyperTree(s) => {
            if let Some(parts) = s.steps.first() {
                if let Some(g) = parts.first() {
                    let _ = writeln!(
                        out,
                        "{ind}Dimensions: {:?}, BranchFactor: {}",
                        g.dimensions, g.branch_factor
                    );
                }
                let trees: usize = parts.iter().map(|p| p.trees.len()).sum();
                let cells: u64 = parts.iter().map(|p| p.cells()).sum();
                let _ = writeln!(out, "{ind}Trees: {trees}, Cells: {cells}");
            }
        }
        Data::Table(s) => {
            if let Some(t) = s.steps.first() {
                let _ = writeln!(out, "{ind}Rows: {}", t.rows);
            }
        }
        Data::Composite(c) => {
            let _ = writeln!(out, "{ind}Blocks: {}", c.blocks.len());
            for b in &c.blocks {
                let what = match &b.data {
                    Some(d) => d.data_type().name().to_string(),
                    None => "(empty)".to_string(),
                };
                let ext = b
                    .external
                    .as_deref()
                    .map(|f| format!(" (external: {f})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "{ind}- {}: {what}{ext}", b.name);
                if let Some(d) = &b.data {
                    describe(out, d, &format!("{ind}    "));
                }
            }
            if !c.assembly.is_empty() {
                let _ = writeln!(out, "{ind}Assembly:");
                nodes(out, &c.assembly, &c.blocks, &format!("{ind}  "));
            }
            return;
        }
    }
    arrays_text(out, ind, data);
}

fn nodes<D>(out: &mut String, ns: &[Node], blocks: &[super::composite::Block<D>], ind: &str) {
    for n in ns {
        match n {
            Node::Group { name, children } => {
                let _ = writeln!(out, "{ind}{name}/");
                nodes(out, children, blocks, &format!("{ind}  "));
            }
            Node::Ref { name, block } => {
                let target = blocks.get(*block).map(|b| b.name.as_str()).unwrap_or("?");
                let _ = writeln!(out, "{ind}{name} -> {target}");
            }
        }
    }
}
