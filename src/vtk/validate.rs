//! Checks a file against the VTKHDF specification (up to 2.8) and against
//! what VTK 9.7.2's `vtkHDFReader` actually accepts.
//!
//! [`validate`] opens a file and returns a [`Report`]: a list of
//! [`Finding`]s, each with a [`Severity`], the HDF5 object it concerns, what
//! was expected and found (quoting VTK's own error where VTK fails) and a
//! one-line fix. An [`Severity::Error`] means VTK 9.7.2 cannot read the file
//! (or reads it wrongly) or the file breaks a rule of the specification; a
//! [`Severity::Warning`] means VTK 9.7.2 reads it but older VTK releases or
//! other readers do not.
//!
//! Every read is bounded: datasets are read whole only below
//! [`MAX_CHECKED_ELEMENTS`] elements; larger ones get structural checks only.
//! The list of rules is in `format-spec/validate.md`.

use crate::error::Result;
use crate::format::message::datatype::{CharacterSet, Datatype, DatatypeClass, StringPadding};
use crate::format::message::link::LinkTarget;
use crate::hl::{is_h5py_bool, Dataset, File, Group, Object};
use crate::vtk::DataType;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::Path;

/// Datasets with more elements than this are not read for value checks.
pub const MAX_CHECKED_ELEMENTS: u64 = 1 << 24;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// VTK 9.7.2 cannot read the file (or reads it wrongly), or the file
    /// breaks the specification.
    Error,
    /// VTK 9.7.2 reads it, older VTK releases or other readers do not.
    Warning,
}

impl Severity {
    /// "ERROR" or "WARNING".
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The HDF5 object concerned, e.g. `/VTKHDF/Types`.
    pub path: String,
    /// What was expected and what was found.
    pub message: String,
    /// A one-line fix.
    pub fix: String,
}

/// The result of [`validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Every finding, in the order the checks ran.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when there is no [`Severity::Error`] finding.
    pub fn passed(&self) -> bool {
        self.errors().next().is_none()
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warning findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }

    /// The report as text: each finding as `ERROR path: message` followed by
    /// an indented `fix:` line, then a summary line.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for f in &self.findings {
            let _ = writeln!(s, "{} {}: {}", f.severity.label(), f.path, f.message);
            let _ = writeln!(s, "  fix: {}", f.fix);
        }
        let _ = writeln!(s, "{}", self.summary());
        s
    }

    /// One line: passed or failed, with the counts.
    pub fn summary(&self) -> String {
        let e = self.errors().count();
        let w = self.warnings().count();
        format!(
            "{}: {e} error(s), {w} warning(s)",
            if e == 0 { "passed" } else { "failed" }
        )
    }

    /// The report as one JSON object:
    /// `{"passed": bool, "errors": n, "warnings": n, "findings": [{"severity", "path", "message", "fix"}]}`.
    pub fn to_json(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{{\"passed\":{},\"errors\":{},\"warnings\":{},\"findings\":[",
            self.passed(),
            self.errors().count(),
            self.warnings().count()
        );
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "{{\"severity\":{},\"path\":{},\"message\":{},\"fix\":{}}}",
                json_str(match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                }),
                json_str(&f.path),
                json_str(&f.message),
                json_str(&f.fix)
            );
        }
        s.push_str("]}");
        s
    }
}

fn json_str(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Opens `path` and checks it. An `Err` only when the file cannot be opened
/// as HDF5 at all; every VTKHDF problem is a [`Finding`].
pub fn validate(path: &Path) -> Result<Report> {
    let file = File::open(path)?;
    Ok(validate_file(&file))
}

/// Checks an open file.
pub fn validate_file(file: &File) -> Report {
    let mut c = Checker::default();
    c.check_file(file);
    Report {
        findings: c.findings,
    }
}

// ---------------------------------------------------------------------------
// Constants from the specification and the reader
// ---------------------------------------------------------------------------

/// Filters every VTK build's bundled HDF5 has.
const BUILTIN_FILTERS: [u16; 6] = [1, 2, 3, 4, 5, 6];

fn filter_name(id: u16, stored: Option<&str>) -> String {
    let known = match id {
        1 => "deflate",
        2 => "shuffle",
        3 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        307 => "bzip2",
        32000 => "lzf",
        32001 => "blosc",
        32004 => "lz4",
        32008 => "bitshuffle",
        32013 => "zfp",
        32015 => "zstd",
        32017 => "sz",
        32026 => "blosc2",
        _ => "",
    };
    if !known.is_empty() {
        known.to_string()
    } else if let Some(n) = stored.filter(|n| !n.is_empty()) {
        n.to_string()
    } else {
        format!("filter {id}")
    }
}

/// The case-insensitive values of the 2.6 `Attribute` array attribute.
const ATTRIBUTE_VALUES: [&str; 12] = [
    "scalars",
    "vectors",
    "normals",
    "tcoords",
    "tensors",
    "globalids",
    "pedigreeids",
    "edgeflag",
    "tangents",
    "rationalweights",
    "higherorderdegrees",
    "processids",
];

/// The format version that introduced each type.
fn introduced(t: DataType) -> (i64, i64) {
    match t {
        DataType::ImageData | DataType::UnstructuredGrid | DataType::OverlappingAmr => (1, 0),
        DataType::PolyData => (2, 0),
        DataType::PartitionedDataSetCollection | DataType::MultiBlockDataSet => (2, 1),
        DataType::HyperTreeGrid => (2, 4),
        DataType::RectilinearGrid | DataType::StructuredGrid => (2, 7),
        DataType::Table => (2, 8),
    }
}

/// The VTK release whose reader first reads each type.
fn first_vtk(t: DataType) -> &'static str {
    match t {
        DataType::ImageData | DataType::UnstructuredGrid => "9.1",
        DataType::OverlappingAmr => "9.2",
        DataType::PolyData => "9.3",
        DataType::PartitionedDataSetCollection | DataType::MultiBlockDataSet => "9.4",
        DataType::HyperTreeGrid => "9.5",
        DataType::RectilinearGrid | DataType::StructuredGrid | DataType::Table => "9.7",
    }
}

/// Number of points of the fixed-size VTK cell types.
fn cell_size(t: u8) -> Option<i64> {
    Some(match t {
        0 => 0,
        1 => 1,
        3 => 2,
        5 => 3,
        8..=10 => 4,
        11 | 12 => 8,
        13 => 6,
        14 => 5,
        15 => 10,
        16 => 12,
        21 => 3,
        22 => 6,
        23 => 8,
        24 => 10,
        25 => 20,
        26 => 15,
        27 => 13,
        _ => return None,
    })
}

fn is_cell_type(t: u8) -> bool {
    matches!(t, 0..=16 | 21..=37 | 41 | 42 | 51 | 60..=81)
}

const POLYDATA_TOPOLOGIES: [&str; 4] = ["Vertices", "Lines", "Polygons", "Strips"];

/// Which attribute group an array lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayKind {
    Point,
    Cell,
    Field,
    Row,
}

impl ArrayKind {
    fn group(self) -> &'static str {
        match self {
            ArrayKind::Point => "PointData",
            ArrayKind::Cell => "CellData",
            ArrayKind::Field => "FieldData",
            ArrayKind::Row => "RowData",
        }
    }
}

fn join(base: &str, name: &str) -> String {
    if base.ends_with('/') {
        format!("{base}{name}")
    } else {
        format!("{base}/{name}")
    }
}

fn list(v: &[i64]) -> String {
    if v.len() <= 8 {
        format!("{v:?}")
    } else {
        format!("[{}, {}, {}, ... ({} values)]", v[0], v[1], v[2], v.len())
    }
}

/// Largest magnitude kept for values read from the file (2^38).
const VALUE_BOUND: i64 = 1 << 38;

fn clamp(v: i64) -> i64 {
    v.clamp(-VALUE_BOUND, VALUE_BOUND)
}

fn clamp_f(v: f64) -> i64 {
    clamp(v as i64)
}

fn is_int(t: &Datatype) -> bool {
    matches!(t.class, DatatypeClass::FixedPoint { .. })
}

fn is_number(t: &Datatype) -> bool {
    matches!(
        t.class,
        DatatypeClass::FixedPoint { .. } | DatatypeClass::FloatingPoint { .. }
    )
}

/// A short description of a datatype for messages.
fn describe(t: &Datatype) -> String {
    match &t.class {
        DatatypeClass::FixedPoint { signed, .. } => {
            format!("{}{}", if *signed { "int" } else { "uint" }, t.size * 8)
        }
        DatatypeClass::FloatingPoint { .. } => format!("float{}", t.size * 8),
        DatatypeClass::String { charset, .. } => format!(
            "fixed-length {}-byte {} string",
            t.size,
            charset_name(*charset)
        ),
        DatatypeClass::VarLen {
            string: Some((_, cs)),
            ..
        } => format!("variable-length {} string", charset_name(*cs)),
        DatatypeClass::VarLen { string: None, .. } => "variable-length sequence".into(),
        DatatypeClass::Enum { .. } if is_h5py_bool(t) => "bool (an HDF5 enum)".into(),
        DatatypeClass::Enum { .. } => "enum".into(),
        DatatypeClass::Compound { .. } => "compound".into(),
        DatatypeClass::Array { .. } => "array datatype".into(),
        DatatypeClass::Opaque { .. } => "opaque".into(),
        DatatypeClass::Bitfield { .. } => "bitfield".into(),
        DatatypeClass::Reference { .. } => "reference".into(),
        DatatypeClass::Time { .. } => "time".into(),
        DatatypeClass::Complex { .. } => "complex".into(),
    }
}

fn charset_name(c: CharacterSet) -> &'static str {
    match c {
        CharacterSet::Ascii => "ASCII",
        CharacterSet::Utf8 => "UTF-8",
        CharacterSet::Unknown(_) => "unknown-charset",
    }
}

// ---------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------

/// What a block's checks found out that its composite parent needs.
#[derive(Debug, Clone, Copy, Default)]
struct BlockInfo {
    /// NSteps when the block is temporal.
    steps: Option<i64>,
}

/// Geometry placement of one time step (all zero for static data).
#[derive(Debug, Clone, Copy, Default)]
struct Step {
    /// First row of the `NumberOf*` datasets.
    base: i64,
    /// Number of parts.
    parts: i64,
    /// `PointOffsets[s]`.
    points: i64,
    /// `CellOffsets[s]` (per topology for PolyData).
    cells: [i64; 4],
    /// `ConnectivityIdOffsets[s]` (per topology for PolyData).
    conn: [i64; 4],
}

#[derive(Default)]
struct Checker {
    findings: Vec<Finding>,
    /// Datasets that already have a value finding (one per dataset).
    reported: HashSet<String>,
    /// External-link depth.
    depth: u32,
}

impl Checker {
    fn push(&mut self, severity: Severity, path: &str, message: String, fix: &str) {
        self.findings.push(Finding {
            severity,
            path: path.to_string(),
            message,
            fix: fix.to_string(),
        });
    }

    fn error(&mut self, path: &str, message: impl Into<String>, fix: &str) {
        self.push(Severity::Error, path, message.into(), fix);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, fix: &str) {
        self.push(Severity::Warning, path, message.into(), fix);
    }

    /// An error reported once per dataset (value checks stop at the first).
    fn error_once(&mut self, path: &str, message: impl Into<String>, fix: &str) {
        if self.reported.insert(path.to_string()) {
            self.error(path, message, fix);
        }
    }

    // -- reading helpers ----------------------------------------------------

    /// A dataset member of `g`, or a finding when `required`.
    fn dataset(&mut self, g: &Group, gpath: &str, name: &str, required: bool) -> Option<Dataset> {
        let path = join(gpath, name);
        match g.get(name) {
            Ok(Object::Dataset(d)) => Some(*d),
            Ok(_) => {
                self.error(
                    &path,
                    format!("{name} must be a dataset, found a group or named datatype"),
                    &format!("write {name} as a dataset"),
                );
                None
            }
            Err(e) => {
                if required {
                    let g_rel = gpath.rsplit('/').next().unwrap_or("");
                    let shown = if matches!(g_rel, "Vertices" | "Lines" | "Polygons" | "Strips") {
                        format!("{g_rel}/{name}")
                    } else {
                        name.to_string()
                    };
                    if e.kind() == crate::ErrorKind::NotFound {
                        self.error(
                            &path,
                            format!(
                                "required dataset {name} is missing (VTK: \"Cannot open {shown}\")"
                            ),
                            &format!("write the {name} dataset"),
                        );
                    } else {
                        self.error(
                            &path,
                            format!("required dataset {name} cannot be read: {e}"),
                            &format!("rewrite the {name} dataset"),
                        );
                    }
                }
                None
            }
        }
    }

    fn subgroup(&mut self, g: &Group, gpath: &str, name: &str, required: bool) -> Option<Group> {
        let path = join(gpath, name);
        match g.get(name) {
            Ok(Object::Group(sub)) => Some(sub),
            Ok(_) => {
                self.error(
                    &path,
                    format!("{name} must be a group"),
                    &format!("write {name} as a group"),
                );
                None
            }
            Err(e) => {
                if required {
                    self.error(
                        &path,
                        format!("required group {name} is missing ({e})"),
                        &format!("create the group {name}"),
                    );
                }
                None
            }
        }
    }

    /// The whole dataset as integers, when small enough. Reports a finding
    /// when the type is not numeric or the data cannot be read.
    fn ints(&mut self, d: &Dataset, path: &str) -> Option<Vec<i64>> {
        if !is_number(d.dtype()) {
            self.error(
                path,
                format!("must hold integers, found {} values", describe(d.dtype())),
                "store it as int64",
            );
            return None;
        }
        if d.len() > MAX_CHECKED_ELEMENTS {
            return None;
        }
        match d.read::<i64>() {
            // Clamped so that sums of up to MAX_CHECKED_ELEMENTS values
            // cannot overflow; no real count or offset comes near.
            Ok(v) => Some(v.into_iter().map(clamp).collect()),
            Err(e) => {
                self.error_once(
                    path,
                    format!("cannot be read: {e}"),
                    "rewrite the dataset with builtin filters only",
                );
                None
            }
        }
    }

    /// A 1-D count or offsets dataset read whole (any integer or float type).
    fn int_dataset(
        &mut self,
        g: &Group,
        gpath: &str,
        name: &str,
        required: bool,
    ) -> Option<Vec<i64>> {
        let d = self.dataset(g, gpath, name, required)?;
        let path = join(gpath, name);
        if d.shape().len() != 1 {
            self.error(
                &path,
                format!(
                    "{name} must be one-dimensional, found shape {:?}",
                    d.shape()
                ),
                &format!("write {name} with shape (n,)"),
            );
            return None;
        }
        self.ints(&d, &path)
    }

    /// An integer-valued attribute with `n` elements (rank 0 or 1).
    fn num_attr(
        &mut self,
        g: &Group,
        gpath: &str,
        name: &str,
        n: usize,
        required: bool,
        vtk_missing: &str,
    ) -> Option<Vec<f64>> {
        let a = match g.attr(name) {
            Ok(a) => a,
            Err(_) => {
                if required {
                    self.error(
                        gpath,
                        format!("attribute {name} is missing{vtk_missing}"),
                        &format!("add the {name} attribute ({n} numbers)"),
                    );
                }
                return None;
            }
        };
        if !is_number(a.dtype()) {
            self.error(
                gpath,
                format!(
                    "attribute {name} must hold {n} numbers, found {}",
                    describe(a.dtype())
                ),
                &format!("write {name} as {n} numbers"),
            );
            return None;
        }
        let rank = a.shape().map(<[u64]>::len).unwrap_or(0);
        let v: Vec<f64> = match a.read::<f64>() {
            Ok(v) => v,
            Err(e) => {
                self.error(
                    gpath,
                    format!("attribute {name} cannot be read: {e}"),
                    &format!("rewrite {name}"),
                );
                return None;
            }
        };
        if rank > 1 || v.len() != n {
            self.error(
                gpath,
                format!(
                    "attribute {name} must hold exactly {n} value(s) in a scalar or 1-D attribute, found {} value(s) with shape {:?} (VTK: \"{name} attribute should have {n} dimensions\")",
                    v.len(),
                    a.shape().unwrap_or(&[])
                ),
                &format!("write {name} with shape ({n},)"),
            );
            return None;
        }
        Some(v)
    }

    // -- file and header ----------------------------------------------------

    fn check_file(&mut self, file: &File) {
        let root = match file.root() {
            Ok(r) => r,
            Err(e) => {
                self.error(
                    "/",
                    format!("the root group cannot be read: {e}"),
                    "rewrite the file",
                );
                return;
            }
        };
        let vtk = match root.get("VTKHDF") {
            Ok(Object::Group(g)) => g,
            Ok(_) => {
                self.error(
                    "/VTKHDF",
                    "/VTKHDF must be a group, found a dataset or datatype (VTK's CanReadFile returns 0)",
                    "put the VTKHDF layout under a group named /VTKHDF",
                );
                return;
            }
            Err(e) => {
                self.error(
                    "/VTKHDF",
                    format!(
                        "no /VTKHDF group, so this is not a VTKHDF file (VTK's CanReadFile returns 0): {}",
                        e.message()
                    ),
                    "put the VTKHDF layout under a group named /VTKHDF",
                );
                return;
            }
        };
        self.check_block(&vtk, "/VTKHDF", true);
    }

    /// `Version` and `Type` of a top-level root or composite block. Returns
    /// the type, or `None` when it cannot be determined (findings made) or
    /// the block is null (`Type` missing and `allow_null`).
    fn check_header(
        &mut self,
        g: &Group,
        gpath: &str,
        top: bool,
    ) -> Option<(DataType, Option<(i64, i64)>)> {
        // Version.
        let version = match g.attr("Version") {
            Err(_) => {
                if top {
                    self.error(
                        gpath,
                        "attribute Version is missing (VTK: \"Version attribute not found\"; CanReadFile returns 0)",
                        "add Version = [2, 8] as two int64",
                    );
                } else {
                    self.warn(
                        gpath,
                        "block has no Version attribute (the VTK writer writes one on every block)",
                        "add Version = [2, 8] as two int64",
                    );
                }
                None
            }
            Ok(a) => {
                let rank = a.shape().map(<[u64]>::len).unwrap_or(0);
                let ok_type = is_int(a.dtype());
                let v = a.read::<i64>().ok();
                match (ok_type, rank, v.as_deref()) {
                    (true, 1, Some(&[major, minor])) => {
                        if major > 2 {
                            self.warn(
                                gpath,
                                format!("Version {major}.{minor} is newer than VTK 9.7.2's 2.8 (VTK only warns and reads on)"),
                                "write Version = [2, 8] unless the file needs a newer format",
                            );
                        } else if major < 1 {
                            self.error(
                                gpath,
                                format!(
                                    "Version {major}.{minor} is not a VTKHDF version (1.0 to 2.8)"
                                ),
                                "write Version = [2, 8]",
                            );
                        }
                        Some((major, minor))
                    }
                    _ => {
                        self.error(
                            gpath,
                            format!(
                                "attribute Version must be 2 integers (major, minor) in a 1-D attribute, found {} with shape {:?}{} (VTK fails when the count is not 2: \"Version attribute should have 2 dimensions\")",
                                describe(a.dtype()),
                                a.shape().unwrap_or(&[]),
                                v.map(|v| format!(" = {v:?}")).unwrap_or_default()
                            ),
                            "write Version = [2, 8] as two int64",
                        );
                        None
                    }
                }
            }
        };
        // Type.
        let a = match g.attr("Type") {
            Ok(a) => a,
            Err(_) => {
                if top {
                    self.error(
                        gpath,
                        "attribute Type is missing: VTK since 9.2 needs it to know the data type (VTK: \"HDF dataset type unknown: -1\")",
                        "add Type as a fixed-length ASCII string, e.g. \"UnstructuredGrid\"",
                    );
                }
                return None;
            }
        };
        let t = a.dtype().clone();
        let name = match &t.class {
            DatatypeClass::String { padding, charset } => {
                let raw = a.raw_bytes();
                let bytes = &raw[..raw.len().min(t.size as usize)];
                // VTK 9.5+ keeps everything before the first NUL; spaces stay.
                let cut = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                let text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
                if *padding == StringPadding::SpacePad && text.ends_with(' ') {
                    self.error(
                        &join(gpath, "Type"),
                        format!(
                            "Type is a space-padded string {text:?}: VTK keeps the spaces (VTK: \"Unknown data set type: {text}\")"
                        ),
                        "write Type as a fixed-length ASCII string of exactly its length (NULLTERM or NULLPAD)",
                    );
                    return None;
                }
                if cut < bytes.len() {
                    self.warn(
                        &join(gpath, "Type"),
                        format!(
                            "Type is a {}-byte string holding {} characters and padding: VTK 9.2 to 9.4 compare all {} bytes and do not recognise it",
                            t.size,
                            cut,
                            t.size
                        ),
                        "write Type as a fixed-length string of exactly its length",
                    );
                }
                if *charset != CharacterSet::Ascii {
                    self.warn(
                        &join(gpath, "Type"),
                        "Type is a UTF-8 string: VTK before 9.5 reads only ASCII Type attributes",
                        "write Type with the ASCII character set",
                    );
                }
                text
            }
            DatatypeClass::VarLen {
                string: Some((_, charset)),
                ..
            } => {
                let text = match a.read_string() {
                    Ok(s) => s,
                    Err(e) => {
                        self.error(
                            &join(gpath, "Type"),
                            format!("Type cannot be read: {e}"),
                            "write Type as a fixed-length ASCII string",
                        );
                        return None;
                    }
                };
                let text = match text.find('\0') {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                self.warn(
                    &join(gpath, "Type"),
                    format!(
                        "Type is a variable-length {} string: VTK before 9.4 cannot read it, 9.4 only when the name is 16 characters long{}",
                        charset_name(*charset),
                        if *charset == CharacterSet::Ascii {
                            ""
                        } else {
                            ", and VTK before 9.5 reads only ASCII"
                        }
                    ),
                    "write Type as a fixed-length ASCII string of exactly its length",
                );
                text
            }
            _ => {
                self.error(
                    &join(gpath, "Type"),
                    format!("Type must be a string, found {}", describe(&t)),
                    "write Type as a fixed-length ASCII string",
                );
                return None;
            }
        };
        if let Some(shape) = a.shape() {
            if shape.iter().product::<u64>() != 1 {
                self.error(
                    &join(gpath, "Type"),
                    format!("Type must be one string (scalar), found shape {shape:?}"),
                    "write Type as a scalar string",
                );
                return None;
            }
        }
        let Some(dt) = DataType::from_name(&name) else {
            self.error(
                &join(gpath, "Type"),
                format!(
                    "Type {name:?} is not a VTKHDF data type (VTK: \"Unknown data set type: {name}\")"
                ),
                "use one of ImageData, RectilinearGrid, StructuredGrid, UnstructuredGrid, PolyData, OverlappingAMR, HyperTreeGrid, Table, PartitionedDataSetCollection, MultiBlockDataSet",
            );
            return None;
        };
        if let Some(v) = version {
            let intro = introduced(dt);
            if v < intro && v.0 >= 1 {
                self.warn(
                    gpath,
                    format!(
                        "Version {}.{} predates {} (format {}.{}, VTK {}): VTK ignores the minor version, other readers may refuse",
                        v.0,
                        v.1,
                        dt.name(),
                        intro.0,
                        intro.1,
                        first_vtk(dt)
                    ),
                    &format!("write Version = [{}, {}] or newer", intro.0, intro.1),
                );
            }
        }
        Some((dt, version))
    }

    /// Checks one VTKHDF layout rooted at `g` (the file's `/VTKHDF` or a
    /// composite block).
    fn check_block(&mut self, g: &Group, gpath: &str, top: bool) -> BlockInfo {
        let Some((dt, version)) = self.check_header(g, gpath, top) else {
            return BlockInfo::default();
        };
        if !matches!(
            dt,
            DataType::PartitionedDataSetCollection | DataType::MultiBlockDataSet
        ) {
            self.check_filters(g, gpath);
        }
        match dt {
            DataType::ImageData => self.check_image(g, gpath),
            DataType::RectilinearGrid => self.check_rectilinear(g, gpath),
            DataType::StructuredGrid => self.check_structured(g, gpath),
            DataType::UnstructuredGrid => self.check_unstructured(g, gpath, false),
            DataType::PolyData => self.check_unstructured(g, gpath, true),
            DataType::OverlappingAmr => self.check_amr(g, gpath, version),
            DataType::HyperTreeGrid => self.check_htg(g, gpath),
            DataType::Table => self.check_table(g, gpath),
            DataType::PartitionedDataSetCollection | DataType::MultiBlockDataSet => {
                if top {
                    self.check_composite(g, gpath, dt);
                } else {
                    self.error(
                        gpath,
                        format!(
                            "a composite block cannot itself be a {}: blocks are simple types",
                            dt.name()
                        ),
                        "flatten the blocks into the top-level composite",
                    );
                }
                BlockInfo::default()
            }
        }
    }

    // -- filters ------------------------------------------------------------

    /// Every dataset reachable through hard links under `g` uses only the
    /// filters VTK's HDF5 has built in.
    fn check_filters(&mut self, g: &Group, gpath: &str) {
        let mut seen = HashSet::new();
        self.walk_filters(g, gpath, &mut seen, 0);
    }

    fn walk_filters(&mut self, g: &Group, gpath: &str, seen: &mut HashSet<u64>, depth: u32) {
        if depth > 32 || !seen.insert(g.address()) {
            return;
        }
        let Ok(links) = g.links() else { return };
        for l in links {
            let LinkTarget::Hard { address } = l.target else {
                continue;
            };
            let path = join(gpath, &l.name);
            match g.file().object_at(address, &path) {
                Ok(Object::Group(sub)) => self.walk_filters(&sub, &path, seen, depth + 1),
                Ok(Object::Dataset(d)) => {
                    if !seen.insert(address) {
                        continue;
                    }
                    for f in d.filters() {
                        if !BUILTIN_FILTERS.contains(&f.id) {
                            let name = filter_name(f.id, f.name.as_deref());
                            self.error(
                                &path,
                                format!(
                                    "dataset uses the {name} filter (id {}), which VTK's HDF5 does not have (only deflate, shuffle, fletcher32, szip, nbit, scaleoffset): VTK fails with \"Error H5Dread\" (HDF5: \"required filter '{name}' is not registered\")",
                                    f.id
                                ),
                                "rewrite the dataset with deflate instead (vtkhdf repack IN OUT --deflate 4)",
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // -- arrays -------------------------------------------------------------

    /// The array datasets of `g/<kind>` in name order, each with its checks
    /// of name, type and `Attribute` done. Subgroups are ignored, as VTK does.
    fn arrays(&mut self, g: &Group, gpath: &str, kind: ArrayKind) -> Vec<(String, Dataset)> {
        let gname = kind.group();
        let Some(ag) = self.subgroup(g, gpath, gname, false) else {
            return Vec::new();
        };
        let apath = join(gpath, gname);
        let links = match ag.links() {
            Ok(l) => l,
            Err(e) => {
                self.error(
                    &apath,
                    format!("the links of {gname} cannot be read: {e}"),
                    "rewrite the group",
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for l in links {
            let path = join(&apath, &l.name);
            let d = match ag.get(&l.name) {
                Ok(Object::Dataset(d)) => *d,
                Ok(_) => continue,
                Err(e) => {
                    self.error(
                        &path,
                        format!("array cannot be opened: {e}"),
                        "rewrite or remove the link",
                    );
                    continue;
                }
            };
            if l.name.contains('.') || l.name.contains('/') {
                self.warn(
                    &path,
                    format!(
                        "array name {:?} contains '/' or '.', which the specification forbids for field names (the VTK writer replaces them with '_')",
                        l.name
                    ),
                    "rename the array, replacing '/' and '.' with '_'",
                );
            }
            if self.check_array_type(&d, &path, kind) {
                self.check_array_attribute(&d, &path);
                out.push((l.name, d));
            }
        }
        out
    }

    /// The element type is one VTK maps to an array type. False (with a
    /// finding) when the array must not be looked at further.
    fn check_array_type(&mut self, d: &Dataset, path: &str, kind: ArrayKind) -> bool {
        let t = d.dtype();
        let bad = match &t.class {
            DatatypeClass::FixedPoint { .. } => {
                if matches!(t.size, 1 | 2 | 4 | 8) {
                    return true;
                }
                format!("{}-byte integers", t.size)
            }
            DatatypeClass::FloatingPoint { .. } => {
                if matches!(t.size, 4 | 8) && crate::read::convert::is_ieee_float(t) {
                    return true;
                }
                if t.size == 2 {
                    "float16 values".to_string()
                } else {
                    format!("{}-byte floating point values", t.size)
                }
            }
            DatatypeClass::VarLen {
                string: Some((_, cs)),
                ..
            } => {
                if kind == ArrayKind::Field {
                    if *cs == CharacterSet::Ascii {
                        return true;
                    }
                    self.error(
                        path,
                        "FieldData string array is a variable-length UTF-8 string (h5py's default for str): VTK 9.7.2 crashes (segmentation fault) reading it (VTK: \"Error H5Dread\", HDF5: \"no appropriate function for conversion path\")",
                        "write FieldData strings as variable-length ASCII strings (h5py.string_dtype('ascii'))",
                    );
                    return false;
                }
                self.string_array_error(path, kind, t);
                return false;
            }
            DatatypeClass::String { .. } => {
                if kind == ArrayKind::Field {
                    self.error(
                        path,
                        format!(
                            "FieldData string array is a {}: VTK 9.7.2 crashes (segmentation fault) reading it; only variable-length ASCII strings work",
                            describe(t)
                        ),
                        "write FieldData strings as variable-length ASCII strings (h5py.string_dtype('ascii'))",
                    );
                    return false;
                }
                self.string_array_error(path, kind, t);
                return false;
            }
            _ => describe(t),
        };
        self.error(
            path,
            format!(
                "array holds {bad}, which VTK cannot map to a data array (VTK: \"Unknown native datatype\"); VTK reads 8/16/32/64-bit integers and 32/64-bit floats only"
            ),
            "convert the array to a supported type (e.g. uint8 for bool, float32 for float16, one array per compound member)",
        );
        false
    }

    fn string_array_error(&mut self, path: &str, kind: ArrayKind, t: &Datatype) {
        let (what, fix) = if kind == ArrayKind::Row {
            (
                "Table (RowData) string column",
                "remove the string column or encode it as numbers; VTK reads strings only in FieldData",
            )
        } else {
            (
                "string array outside FieldData",
                "store strings only in FieldData, as variable-length ASCII",
            )
        };
        self.error(
            path,
            format!(
                "{what} ({}): VTK fails (VTK: \"Unknown native datatype\", \"Cannot read the array from file\")",
                describe(t)
            ),
            fix,
        );
    }

    /// The 2.6 `Attribute` string attribute holds an allowed value.
    fn check_array_attribute(&mut self, d: &Dataset, path: &str) {
        let Ok(a) = d.attr("Attribute") else { return };
        let value = match a.read_string() {
            Ok(s) => s,
            Err(_) => {
                self.error(
                    path,
                    format!(
                        "attribute Attribute must be one string, found {}",
                        describe(a.dtype())
                    ),
                    "write Attribute as a scalar ASCII string such as \"Scalars\"",
                );
                return;
            }
        };
        let v = value.trim_end_matches('\0').to_ascii_lowercase();
        if !ATTRIBUTE_VALUES.contains(&v.as_str()) {
            self.error(
                path,
                format!(
                    "attribute Attribute = {value:?} is not one of Scalars, Vectors, Normals, TCoords, Tensors, GlobalIds, PedigreeIds, EdgeFlag, Tangents, RationalWeights, HigherOrderDegrees, ProcessIds (spec 2.6; VTK: \"Could not find matching attribute type\")"
                ),
                "use one of the listed names or remove the attribute",
            );
        }
    }

    /// FieldData arrays: type checks and at most 2 dimensions.
    fn check_field_data(&mut self, g: &Group, gpath: &str) {
        for (name, d) in self.arrays(g, gpath, ArrayKind::Field) {
            let path = join(&join(gpath, "FieldData"), &name);
            if d.shape().len() > 2 {
                self.error(
                    &path,
                    format!(
                        "FieldData arrays have at most 2 dimensions (tuples, components), found shape {:?}",
                        d.shape()
                    ),
                    "reshape the array to (tuples, components)",
                );
            }
        }
    }

    /// Tuples of a flat (UG, PolyData, Table, HTG, AMR) array: its first
    /// dimension, with at most one component dimension.
    fn flat_tuples(&mut self, d: &Dataset, path: &str) -> Option<i64> {
        let shape = d.shape();
        match shape.len() {
            1 | 2 => Some(shape[0] as i64),
            _ => {
                self.error(
                    path,
                    format!(
                        "array must have shape (tuples,) or (tuples, components), found {shape:?} (VTK: one dimension more than expected is an error)"
                    ),
                    "reshape the array to (tuples, components)",
                );
                None
            }
        }
    }

    /// Reports a flat array whose tuple count does not match what VTK reads.
    /// `need` is the first row past the last one read, `exact` the count
    /// expected for static data (`None` for temporal data).
    fn tuples_cover(
        &mut self,
        path: &str,
        rows: i64,
        need: i64,
        what: &str,
        exact: Option<i64>,
        fix: &str,
    ) {
        if rows < need {
            self.error_once(
                path,
                format!(
                    "array has {rows} tuples but {what}, so VTK reads past its end (VTK: \"selection + offset not within extent\", \"Cannot read the array from file\")"
                ),
                fix,
            );
        } else if let Some(n) = exact {
            if rows > n {
                self.warn(
                    path,
                    format!(
                        "array has {rows} tuples, more than the {n} {what}; VTK ignores the rest"
                    ),
                    fix,
                );
            }
        }
    }

    // -- temporal -----------------------------------------------------------

    /// `Steps`: NSteps and Values. `None` when the data is static.
    fn check_steps(&mut self, g: &Group, gpath: &str) -> Option<(Group, String, i64)> {
        let steps = self.subgroup(g, gpath, "Steps", false)?;
        let spath = join(gpath, "Steps");
        let n = match steps.attr("NSteps") {
            Err(_) => {
                self.warn(
                    &spath,
                    "Steps has no NSteps attribute: VTK then assumes a single step",
                    "add NSteps (int64 scalar) to Steps",
                );
                1
            }
            Ok(a) => {
                let v = if is_number(a.dtype()) {
                    a.read::<i64>().ok()
                } else {
                    None
                };
                match v.as_deref() {
                    Some(&[n]) if n >= 0 => n,
                    _ => {
                        self.error(
                            &spath,
                            format!(
                                "NSteps must be one non-negative integer, found {}{}",
                                describe(a.dtype()),
                                v.map(|v| format!(" {v:?}")).unwrap_or_default()
                            ),
                            "write NSteps as an int64 scalar",
                        );
                        return None;
                    }
                }
            }
        };
        match steps.get("Values") {
            Ok(Object::Dataset(d)) => {
                let vpath = join(&spath, "Values");
                if !is_number(d.dtype()) || d.shape().len() != 1 {
                    self.error(
                        &vpath,
                        format!(
                            "Values must be a 1-D numeric dataset, found {} {:?}",
                            describe(d.dtype()),
                            d.shape()
                        ),
                        "write Values as float64 with shape (NSteps,)",
                    );
                } else if (d.len() as i64) < n {
                    self.error(
                        &vpath,
                        format!(
                            "Values has {} entries for NSteps = {n}: VTK has no time value for the last steps (VTK: \"Expected TIME_STEPS key for temporal data\")",
                            d.len()
                        ),
                        "write one time value per step",
                    );
                } else if d.len() <= MAX_CHECKED_ELEMENTS {
                    if let Ok(v) = d.read::<f64>() {
                        if v.windows(2).any(|w| w[1] < w[0]) {
                            self.warn(
                                &vpath,
                                "Values are not sorted: VTK picks steps with a binary search over sorted times",
                                "write the steps in increasing time order",
                            );
                        }
                    }
                }
            }
            _ => {
                if n > 1 {
                    self.error(
                        &join(&spath, "Values"),
                        format!(
                            "Steps/Values is missing for NSteps = {n} (VTK: \"Expected TIME_STEPS key for temporal data\")"
                        ),
                        "write Values (float64, one time per step)",
                    );
                }
            }
        }
        Some((steps, spath, n))
    }

    /// A per-step offsets dataset with at least `nsteps` rows of `width`
    /// values (width 1: shape (n,) ; width 4: (n, 4)).
    fn step_offsets(
        &mut self,
        steps: &Group,
        spath: &str,
        name: &str,
        nsteps: i64,
        width: usize,
        required: bool,
    ) -> Option<Vec<i64>> {
        let path = join(spath, name);
        let d = match steps.get(name) {
            Ok(Object::Dataset(d)) => *d,
            Ok(_) => {
                self.error(
                    &path,
                    format!("{name} must be a dataset"),
                    "write it as a dataset",
                );
                return None;
            }
            Err(_) => {
                if required {
                    self.error(
                        &path,
                        format!("Steps/{name} is missing (VTK: \"Cannot open Steps/{name}\")"),
                        &format!("write Steps/{name} (int64, one entry per step)"),
                    );
                }
                return None;
            }
        };
        let shape = d.shape().to_vec();
        let ok_shape = if width == 1 {
            shape.len() == 1 || (shape.len() == 2 && shape[1] == 1)
        } else {
            shape.len() == 2 && shape[1] == width as u64
        };
        if !ok_shape {
            self.error(
                &path,
                format!(
                    "Steps/{name} must have shape (NSteps{}), found {shape:?}",
                    if width == 1 {
                        String::new()
                    } else {
                        format!(", {width}")
                    }
                ),
                &format!(
                    "write {name} with one {} per step",
                    if width == 1 { "value" } else { "row" }
                ),
            );
            return None;
        }
        let rows = shape.first().copied().unwrap_or(0) as i64;
        if rows < nsteps {
            self.error(
                &path,
                format!(
                    "Steps/{name} has {rows} entries for NSteps = {nsteps}: VTK reads entry s for step s and fails on the last steps"
                ),
                &format!("write {nsteps} entries (one per step)"),
            );
            return None;
        }
        let v = self.ints(&d, &path)?;
        if let Some(bad) = v.iter().find(|&&x| x < 0) {
            self.error(
                &path,
                format!("Steps/{name} holds a negative offset {bad}"),
                "offsets count rows from 0",
            );
            return None;
        }
        Some(v)
    }

    /// The per-array offsets of `Steps/<group>` (e.g. PointDataOffsets).
    fn array_step_offsets(
        &mut self,
        steps: &Group,
        spath: &str,
        group: &str,
        array: &str,
        nsteps: i64,
    ) -> Option<Vec<i64>> {
        let g = match steps.get(group) {
            Ok(Object::Group(g)) => g,
            _ => return None,
        };
        let gpath = join(spath, group);
        if g.link(array).is_err() {
            return None;
        }
        let v = self.step_offsets(&g, &gpath, array, nsteps, 1, false)?;
        Some(v)
    }

    // -- UnstructuredGrid and PolyData ---------------------------------------

    fn check_unstructured(&mut self, g: &Group, gpath: &str, poly: bool) -> BlockInfo {
        let n_points = self.int_dataset(g, gpath, "NumberOfPoints", true);
        let points = self.dataset(g, gpath, "Points", true);
        let points_path = join(gpath, "Points");
        let mut point_rows = None;
        if let Some(p) = &points {
            let s = p.shape();
            if !is_number(p.dtype()) {
                self.error(
                    &points_path,
                    format!("Points must be numeric, found {}", describe(p.dtype())),
                    "write Points as float32 or float64 (n, 3)",
                );
            } else if s.len() != 2 || s[1] != 3 {
                self.error(
                    &points_path,
                    format!(
                        "Points must have shape (n, 3), found {s:?} (VTK: \"Number of components is different...can't set data\")"
                    ),
                    "write Points with 3 components per point (pad 2-D points with z = 0)",
                );
            } else {
                point_rows = Some(s[0] as i64);
            }
        }

        // Topologies: one for UG, four for PolyData.
        let topo_names: Vec<&str> = if poly {
            POLYDATA_TOPOLOGIES.to_vec()
        } else {
            vec![""]
        };
        let mut topos: Vec<Topology> = Vec::new();
        for t in &topo_names {
            let (tg, tpath) = if t.is_empty() {
                (Some(g.clone()), gpath.to_string())
            } else {
                let tpath = join(gpath, t);
                match g.get(t) {
                    Ok(Object::Group(tg)) => (Some(tg), tpath),
                    _ => {
                        self.error(
                            &tpath,
                            format!(
                                "PolyData needs all four topology groups Vertices, Lines, Polygons, Strips; {t} is missing (VTK: \"Cannot open {t}/NumberOfCells\")"
                            ),
                            &format!(
                                "write {t} with NumberOfCells = [0], NumberOfConnectivityIds = [0], Offsets = [0], Connectivity = [] per part"
                            ),
                        );
                        (None, tpath)
                    }
                }
            };
            let Some(tg) = tg else {
                topos.push(Topology::missing(t, tpath));
                continue;
            };
            let n_cells = self.int_dataset(&tg, &tpath, "NumberOfCells", true);
            let n_conn = self.int_dataset(&tg, &tpath, "NumberOfConnectivityIds", true);
            let offsets = self.dataset(&tg, &tpath, "Offsets", true);
            let conn = self.dataset(&tg, &tpath, "Connectivity", true);
            topos.push(Topology {
                name: t.to_string(),
                path: tpath,
                n_cells,
                n_conn,
                offsets,
                conn,
            });
        }
        let types = if poly {
            None
        } else {
            let d = self.dataset(g, gpath, "Types", true);
            if let Some(d) = &d {
                let t = d.dtype();
                let u8_ok = matches!(t.class, DatatypeClass::FixedPoint { signed: false, .. })
                    && t.size == 1;
                if !u8_ok {
                    self.error(
                        &join(gpath, "Types"),
                        format!(
                            "Types must be uint8, found {} (VTK: \"Error: The Types array element is not unsigned char.\")",
                            describe(t)
                        ),
                        "write Types as uint8",
                    );
                }
                if u8_ok && d.shape().len() != 1 {
                    self.error(
                        &join(gpath, "Types"),
                        format!("Types must be 1-D, found shape {:?}", d.shape()),
                        "write Types with shape (cells,)",
                    );
                }
                if u8_ok && d.shape().len() == 1 {
                    d.clone().into()
                } else {
                    None
                }
            } else {
                None
            }
        };

        // Counts must line up.
        let Some(n_points) = n_points else {
            return self.unstructured_arrays_only(g, gpath);
        };
        let parts_rows = n_points.len();
        let mut counts_ok = true;
        if let Some(bad) = n_points.iter().find(|&&x| x < 0) {
            self.error(
                &join(gpath, "NumberOfPoints"),
                format!("negative count {bad}"),
                "counts are >= 0",
            );
            counts_ok = false;
        }
        for t in &topos {
            for (name, v) in [
                ("NumberOfCells", &t.n_cells),
                ("NumberOfConnectivityIds", &t.n_conn),
            ] {
                let Some(v) = v else {
                    counts_ok = false;
                    continue;
                };
                let path = join(&t.path, name);
                if v.len() != parts_rows {
                    self.error(
                        &path,
                        format!(
                            "{name} has {} entries but NumberOfPoints has {parts_rows}: one entry per part is needed in each",
                            v.len()
                        ),
                        "write one count per part in every NumberOf* dataset",
                    );
                    counts_ok = false;
                }
                if let Some(bad) = v.iter().find(|&&x| x < 0) {
                    self.error(&path, format!("negative count {bad}"), "counts are >= 0");
                    counts_ok = false;
                }
            }
        }

        // Steps.
        let temporal = self.check_steps(g, gpath);
        let mut info = BlockInfo::default();
        let steps: Vec<Step> = match &temporal {
            None => vec![Step {
                base: 0,
                parts: parts_rows as i64,
                ..Step::default()
            }],
            Some((sg, spath, nsteps)) => {
                info.steps = Some(*nsteps);
                match self.geometry_steps(sg, spath, *nsteps, parts_rows as i64, poly, gpath) {
                    Some(s) => s,
                    None => return info,
                }
            }
        };
        if !counts_ok {
            return info;
        }

        // Per step and part: ranges of every geometry dataset.
        let mut done: HashSet<(i64, i64, [i64; 4], [i64; 4])> = HashSet::new();
        let mut t_arrays: Vec<Option<Vec<i64>>> = Vec::new();
        for t in &topos {
            let off = t.offsets.as_ref().and_then(|d| {
                let p = join(&t.path, "Offsets");
                if d.shape().len() != 1 {
                    self.error(
                        &p,
                        format!("Offsets must be 1-D, found shape {:?}", d.shape()),
                        "write Offsets with shape (n,)",
                    );
                    None
                } else {
                    self.ints(d, &p)
                }
            });
            t_arrays.push(off);
        }
        let mut conn_arrays: Vec<Option<Vec<i64>>> = Vec::new();
        for t in &topos {
            let c = t.conn.as_ref().and_then(|d| {
                let p = join(&t.path, "Connectivity");
                if d.shape().len() != 1 {
                    self.error(
                        &p,
                        format!("Connectivity must be 1-D, found shape {:?}", d.shape()),
                        "write Connectivity with shape (n,)",
                    );
                    None
                } else {
                    self.ints(d, &p)
                }
            });
            conn_arrays.push(c);
        }
        let types_v: Option<Vec<i64>> = types
            .as_ref()
            .and_then(|d| self.ints(d, &join(gpath, "Types")));
        let poly_faces = if poly {
            None
        } else {
            self.polyhedra(g, gpath, parts_rows, &temporal)
        };
        let mut has_polyhedron = false;
        let mut verts_appear_warned = false;

        for (s, st) in steps.iter().enumerate() {
            if !done.insert((st.base, st.points, st.cells, st.conn)) {
                continue;
            }
            if st.base < 0 || st.parts < 0 || st.base + st.parts > parts_rows as i64 {
                self.error(
                    &join(gpath, "NumberOfPoints"),
                    format!(
                        "step {s} uses part rows [{}, {}) but NumberOfPoints has {parts_rows} entries",
                        st.base,
                        st.base + st.parts
                    ),
                    "write one NumberOf* entry per part of every stored geometry",
                );
                continue;
            }
            let rows = st.base as usize..(st.base + st.parts) as usize;
            let np: Vec<i64> = n_points[rows.clone()].to_vec();
            let total_points: i64 = np.iter().sum();
            if let Some(pr) = point_rows {
                if st.points + total_points > pr {
                    self.error_once(
                        &points_path,
                        format!(
                            "Points has {pr} rows but {}the parts need rows [{}, {}) (NumberOfPoints = {})",
                            if temporal.is_some() { format!("step {s}: ") } else { String::new() },
                            st.points,
                            st.points + total_points,
                            list(&np)
                        ),
                        "make NumberOfPoints sum to the number of Points rows of each geometry",
                    );
                } else if temporal.is_none() && pr > total_points {
                    self.warn(
                        &points_path,
                        format!(
                            "Points has {pr} rows, more than the {total_points} points of NumberOfPoints; VTK ignores the rest"
                        ),
                        "make NumberOfPoints sum to the number of Points rows",
                    );
                }
            }
            for (ti, t) in topos.iter().enumerate() {
                let (Some(nc), Some(nk)) = (&t.n_cells, &t.n_conn) else {
                    continue;
                };
                let nc = &nc[rows.clone()];
                let nk = &nk[rows.clone()];
                if poly && temporal.is_some() && !verts_appear_warned {
                    let earlier_empty = (0..st.base as usize).any(|r| {
                        t.n_cells
                            .as_ref()
                            .is_some_and(|v| v.get(r).copied() == Some(0))
                    });
                    if earlier_empty && nc.iter().any(|&c| c > 0) && st.base > 0 {
                        verts_appear_warned = true;
                        self.warn(
                            &join(&t.path, "Offsets"),
                            format!(
                                "step {s} has {} cells after an earlier geometry with none: VTK 9.7.2 locates these Offsets one entry too early (reader bug) and builds wrong cells",
                                t.name
                            ),
                            "keep every topology non-empty in all geometries, or store the geometry once per step",
                        );
                    }
                }
                let mut off_at = st.cells[ti] + st.base;
                let mut conn_at = st.conn[ti];
                let mut type_at = st.cells[ti];
                for p in 0..nc.len() {
                    let (c, k, pts) = (nc[p], nk[p], np[p]);
                    self.check_part_cells(
                        t,
                        &t_arrays[ti],
                        &conn_arrays[ti],
                        off_at,
                        conn_at,
                        c,
                        k,
                        pts,
                        p,
                    );
                    if !poly {
                        if let Some(tv) = &types_v {
                            let tp = join(gpath, "Types");
                            if type_at + c > tv.len() as i64 {
                                self.error_once(
                                    &tp,
                                    format!(
                                        "Types has {} entries but part {p} needs [{}, {}) (NumberOfCells)",
                                        tv.len(),
                                        type_at,
                                        type_at + c
                                    ),
                                    "write one type per cell",
                                );
                            } else if let Some(off) = &t_arrays[ti] {
                                let tslice = &tv[type_at as usize..(type_at + c) as usize];
                                has_polyhedron |= tslice.contains(&42);
                                self.check_types(&tp, tslice, off, off_at, p);
                            }
                        }
                    }
                    off_at += c + 1;
                    conn_at += k;
                    type_at += c;
                }
            }
            if let Some(f) = &poly_faces {
                self.check_polyhedra_step(gpath, f, s, st, &topos[0], rows.clone(), &np);
            }
        }
        if has_polyhedron && poly_faces.is_none() {
            self.error(
                &join(gpath, "Types"),
                "cells of type 42 (polyhedron) need FaceConnectivity, FaceOffsets, PolyhedronToFaces, PolyhedronOffsets and NumberOfFaces, NumberOfFaceConnectivityIds, NumberOfPolyhedronToFaceIds (spec 2.5)",
                "write the polyhedron face datasets",
            );
        }

        // Arrays.
        let cell_counts: Vec<i64> = (0..parts_rows)
            .map(|r| {
                topos
                    .iter()
                    .filter_map(|t| t.n_cells.as_ref().and_then(|v| v.get(r).copied()))
                    .sum()
            })
            .collect();
        self.check_flat_arrays(
            g,
            gpath,
            ArrayKind::Point,
            &n_points,
            &steps,
            &temporal,
            "PointOffsets",
        );
        self.check_flat_arrays(
            g,
            gpath,
            ArrayKind::Cell,
            &cell_counts,
            &steps,
            &temporal,
            "CellOffsets",
        );
        self.check_field_data(g, gpath);
        if let Some((sg, spath, n)) = &temporal {
            self.check_field_steps(g, gpath, sg, spath, *n);
        }
        info
    }

    /// When the counts cannot be read: the array checks that need no counts.
    fn unstructured_arrays_only(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        let _ = self.arrays(g, gpath, ArrayKind::Point);
        let _ = self.arrays(g, gpath, ArrayKind::Cell);
        self.check_field_data(g, gpath);
        BlockInfo::default()
    }

    /// Offsets and connectivity of one part of one topology.
    #[allow(clippy::too_many_arguments)]
    fn check_part_cells(
        &mut self,
        t: &Topology,
        offsets: &Option<Vec<i64>>,
        conn: &Option<Vec<i64>>,
        off_at: i64,
        conn_at: i64,
        cells: i64,
        conn_ids: i64,
        points: i64,
        part: usize,
    ) {
        let opath = join(&t.path, "Offsets");
        let cpath = join(&t.path, "Connectivity");
        let topo = if t.name.is_empty() {
            String::new()
        } else {
            format!(" for {}", t.name)
        };
        if let Some(off) = offsets {
            if off_at + cells + 1 > off.len() as i64 {
                let vtk = if off.is_empty() {
                    format!(
                        " (VTK: \"Cannot read the Offsets array{topo}\": an empty topology still needs Offsets = [0])"
                    )
                } else {
                    format!(" (VTK: \"Cannot read the Offsets array{topo}\")")
                };
                self.error_once(
                    &opath,
                    format!(
                        "Offsets has {} entries but part {part} needs entries [{}, {}): each part stores NumberOfCells + 1 offsets{vtk}",
                        off.len(),
                        off_at,
                        off_at + cells + 1
                    ),
                    "write NumberOfCells + 1 offsets per part, starting at 0 (an empty part stores [0])",
                );
                return;
            }
            let o = &off[off_at as usize..(off_at + cells + 1) as usize];
            if o[0] != 0 {
                self.error_once(
                    &opath,
                    format!(
                        "part {part}: Offsets start at {} instead of 0 (offsets are local to each part)",
                        o[0]
                    ),
                    "start each part's offsets at 0",
                );
                return;
            }
            if let Some(i) = o.windows(2).position(|w| w[1] < w[0]) {
                self.error_once(
                    &opath,
                    format!(
                        "part {part}: Offsets decrease at cell {i} ({} then {})",
                        o[i],
                        o[i + 1]
                    ),
                    "offsets must be non-decreasing",
                );
                return;
            }
            let last = o[o.len() - 1];
            if last != conn_ids {
                self.error_once(
                    &opath,
                    format!(
                        "part {part}: the last offset is {last} but NumberOfConnectivityIds is {conn_ids}"
                    ),
                    "make the last offset of each part equal its NumberOfConnectivityIds",
                );
            }
        }
        if let Some(c) = conn {
            if conn_at + conn_ids > c.len() as i64 {
                self.error_once(
                    &cpath,
                    format!(
                        "Connectivity has {} entries but part {part} needs [{}, {}) (NumberOfConnectivityIds)",
                        c.len(),
                        conn_at,
                        conn_at + conn_ids
                    ),
                    "make NumberOfConnectivityIds sum to the Connectivity length",
                );
                return;
            }
            let ids = &c[conn_at as usize..(conn_at + conn_ids) as usize];
            if let Some(bad) = ids.iter().find(|&&i| i < 0 || i >= points) {
                self.error_once(
                    &cpath,
                    format!(
                        "part {part}: point id {bad} is out of range [0, {points}) (connectivity is local to each part)"
                    ),
                    "use point ids local to the part, 0 <= id < NumberOfPoints",
                );
            }
        }
    }

    /// Cell type values and the point count of fixed-size cells.
    fn check_types(&mut self, path: &str, types: &[i64], off: &[i64], off_at: i64, part: usize) {
        for (i, &t) in types.iter().enumerate() {
            let Ok(t8) = u8::try_from(t) else { continue };
            if !is_cell_type(t8) {
                self.error_once(
                    path,
                    format!("part {part}, cell {i}: {t} is not a VTK cell type"),
                    "use the VTK cell type ids (vtkCellType.h)",
                );
                return;
            }
            let Some(n) = cell_size(t8) else { continue };
            let at = off_at as usize + i;
            if let (Some(a), Some(b)) = (off.get(at), off.get(at + 1)) {
                if b - a != n {
                    self.error_once(
                        path,
                        format!(
                            "part {part}, cell {i}: type {t} has {n} points but its offsets give {}",
                            b - a
                        ),
                        "give each cell the number of points of its type",
                    );
                    return;
                }
            }
        }
    }

    /// `Steps` placement of each step's geometry (UG and PolyData).
    fn geometry_steps(
        &mut self,
        sg: &Group,
        spath: &str,
        nsteps: i64,
        parts_rows: i64,
        poly: bool,
        gpath: &str,
    ) -> Option<Vec<Step>> {
        let width = if poly { 4 } else { 1 };
        let part_off = self.step_offsets(sg, spath, "PartOffsets", nsteps, 1, true);
        let point_off = self.step_offsets(sg, spath, "PointOffsets", nsteps, 1, true);
        let cell_off = self.step_offsets(sg, spath, "CellOffsets", nsteps, width, true);
        let conn_off = self.step_offsets(sg, spath, "ConnectivityIdOffsets", nsteps, width, true);
        let n_parts = match sg.link("NumberOfParts") {
            Ok(_) => Some(self.step_offsets(sg, spath, "NumberOfParts", nsteps, 1, false)?),
            Err(_) => None,
        };
        let (part_off, point_off, cell_off, conn_off) =
            (part_off?, point_off?, cell_off?, conn_off?);
        let n = nsteps.max(0) as usize;
        let parts: Vec<i64> = match n_parts {
            Some(v) => v[..n].to_vec(),
            None => {
                let guess = if nsteps > 0 { parts_rows / nsteps } else { 0 };
                let exact = nsteps > 0 && parts_rows % nsteps == 0;
                let per_step = (0..n).all(|s| part_off[s] == s as i64 * guess);
                if guess == 0 || !exact || !per_step {
                    self.error(
                        &join(spath, "NumberOfParts"),
                        format!(
                            "Steps/NumberOfParts is missing, so VTK takes the parts per step as len(NumberOfPoints) / NSteps = {parts_rows} / {nsteps} = {guess}{}; this is wrong when the geometry is not stored once per step (PartOffsets = {}) and VTK reads {} (VTK fails: the reader returns an error with no data)",
                            if exact { "" } else { " (not a whole number)" },
                            list(&part_off[..n]),
                            if guess == 0 { "no part at all" } else { "the wrong parts" }
                        ),
                        "write Steps/NumberOfParts (int64, parts of each step)",
                    );
                    return None;
                }
                vec![guess; n]
            }
        };
        let mut out = Vec::with_capacity(n);
        for s in 0..n {
            let mut cells = [0; 4];
            let mut conn = [0; 4];
            for t in 0..width {
                cells[t] = cell_off[s * width + t];
                conn[t] = conn_off[s * width + t];
            }
            out.push(Step {
                base: part_off[s],
                parts: parts[s],
                points: point_off[s],
                cells,
                conn,
            });
        }
        let _ = gpath;
        Some(out)
    }

    /// Point or cell arrays of UG/PolyData against the counts per part.
    #[allow(clippy::too_many_arguments)]
    fn check_flat_arrays(
        &mut self,
        g: &Group,
        gpath: &str,
        kind: ArrayKind,
        counts: &[i64],
        steps: &[Step],
        temporal: &Option<(Group, String, i64)>,
        geometry_offsets: &str,
    ) {
        let what = if kind == ArrayKind::Point {
            "points"
        } else {
            "cells"
        };
        let apath = join(gpath, kind.group());
        for (name, d) in self.arrays(g, gpath, kind) {
            let path = join(&apath, &name);
            let Some(rows) = self.flat_tuples(&d, &path) else {
                continue;
            };
            match temporal {
                None => {
                    let st = steps.first().copied().unwrap_or_default();
                    let end = (st.base + st.parts).clamp(0, counts.len() as i64) as usize;
                    let c = &counts[..end];
                    let total: i64 = c.iter().sum();
                    let mut need_what = format!("the parts hold {total} {what}");
                    if c.len() > 1 && rows < total {
                        let mut start = 0;
                        for (p, n) in c.iter().enumerate() {
                            if start + n > rows {
                                need_what = format!(
                                    "the {} parts hold {total} {what} ({}); VTK reads part {p} at rows [{start}, {}). An array must cover every part",
                                    c.len(),
                                    list(c),
                                    start + n
                                );
                                break;
                            }
                            start += n;
                        }
                    }
                    self.tuples_cover(
                        &path,
                        rows,
                        total,
                        &need_what,
                        Some(total),
                        &format!(
                            "write one tuple per {} of every part",
                            &what[..what.len() - 1]
                        ),
                    );
                }
                Some((sg, spath, n)) => {
                    let group = format!("{}Offsets", kind.group());
                    let own = self.array_step_offsets(sg, spath, &group, &name, *n);
                    for (s, st) in steps.iter().enumerate() {
                        let lo = st.base.clamp(0, counts.len() as i64) as usize;
                        let hi = (st.base + st.parts).clamp(0, counts.len() as i64) as usize;
                        let total: i64 = counts.get(lo..hi).map(|c| c.iter().sum()).unwrap_or(0);
                        let start = match &own {
                            Some(o) => o[s],
                            None if kind == ArrayKind::Point => st.points,
                            None => st.cells.iter().sum(),
                        };
                        if start + total > rows {
                            self.tuples_cover(
                                &path,
                                rows,
                                start + total,
                                &format!(
                                    "step {s} reads rows [{start}, {}) ({} or Steps/{group}/{name})",
                                    start + total,
                                    geometry_offsets
                                ),
                                None,
                                &format!("write the array for every step and part, and Steps/{group}/{name}"),
                            );
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Temporal FieldData: offsets and sizes.
    fn check_field_steps(&mut self, g: &Group, gpath: &str, sg: &Group, spath: &str, n: i64) {
        let Ok(Object::Group(fg)) = g.get("FieldData") else {
            return;
        };
        let Ok(links) = fg.links() else { return };
        for l in links {
            let Ok(Object::Dataset(d)) = fg.get(&l.name) else {
                continue;
            };
            let rows = d.shape().first().copied().unwrap_or(1) as i64;
            let path = join(&join(gpath, "FieldData"), &l.name);
            if let Some(off) = self.array_step_offsets(sg, spath, "FieldDataOffsets", &l.name, n) {
                if let Some((s, o)) = off
                    .iter()
                    .take(n as usize)
                    .enumerate()
                    .find(|(_, &o)| o > rows)
                {
                    self.error_once(
                        &path,
                        format!(
                            "Steps/FieldDataOffsets/{} gives row {o} for step {s}, past the array's {rows} rows",
                            l.name
                        ),
                        "make the FieldData offsets point inside the array",
                    );
                }
            }
            if let Ok(Object::Group(sizes)) = sg.get("FieldDataSizes") {
                if let Ok(Object::Dataset(sd)) = sizes.get(&l.name) {
                    let sp = join(&join(spath, "FieldDataSizes"), &l.name);
                    let s = sd.shape();
                    if s.len() != 2 || s[1] != 2 || (s[0] as i64) < n {
                        self.error(
                            &sp,
                            format!(
                                "FieldDataSizes/{} must have shape (NSteps, 2) = ({n}, 2) holding [components, tuples], found {s:?}",
                                l.name
                            ),
                            "write one [components, tuples] row per step",
                        );
                    }
                }
            }
        }
    }

    // -- polyhedra ----------------------------------------------------------

    fn polyhedra(
        &mut self,
        g: &Group,
        gpath: &str,
        parts_rows: usize,
        temporal: &Option<(Group, String, i64)>,
    ) -> Option<Faces> {
        let arrays = [
            "FaceConnectivity",
            "FaceOffsets",
            "PolyhedronToFaces",
            "PolyhedronOffsets",
        ];
        let counts = [
            "NumberOfFaces",
            "NumberOfFaceConnectivityIds",
            "NumberOfPolyhedronToFaceIds",
        ];
        let present: Vec<&str> = arrays
            .iter()
            .chain(counts.iter())
            .copied()
            .filter(|n| g.link(n).is_ok())
            .collect();
        if present.is_empty() {
            return None;
        }
        if present.len() != arrays.len() + counts.len() {
            let missing: Vec<&str> = arrays
                .iter()
                .chain(counts.iter())
                .copied()
                .filter(|n| !present.contains(n))
                .collect();
            self.error(
                gpath,
                format!(
                    "polyhedron datasets are incomplete: {} present, {} missing (spec 2.5: all seven go together)",
                    present.join(", "),
                    missing.join(", ")
                ),
                "write all of FaceConnectivity, FaceOffsets, PolyhedronToFaces, PolyhedronOffsets, NumberOfFaces, NumberOfFaceConnectivityIds, NumberOfPolyhedronToFaceIds",
            );
            return None;
        }
        let mut v = Vec::new();
        for n in counts {
            let c = self.int_dataset(g, gpath, n, true)?;
            if let Some(bad) = c.iter().find(|&&x| x < 0) {
                self.error(
                    &join(gpath, n),
                    format!("negative count {bad}"),
                    "counts are >= 0",
                );
                return None;
            }
            if c.len() != parts_rows {
                self.error(
                    &join(gpath, n),
                    format!(
                        "{n} has {} entries but NumberOfPoints has {parts_rows}",
                        c.len()
                    ),
                    "write one count per part",
                );
                return None;
            }
            v.push(c);
        }
        let mut a = Vec::new();
        for n in arrays {
            a.push(self.int_dataset(g, gpath, n, true)?);
        }
        let mut step_offs = [None, None, None];
        if let Some((sg, spath, ns)) = temporal {
            let names = [
                "FaceConnectivityOffsets",
                "FaceOffsetsOffsets",
                "PolyhedronToFaceIdOffsets",
            ];
            let here: Vec<bool> = names.iter().map(|n| sg.link(n).is_ok()).collect();
            if here.iter().any(|&h| h) && !here.iter().all(|&h| h) {
                self.error(
                    spath,
                    "Steps/FaceConnectivityOffsets, FaceOffsetsOffsets and PolyhedronToFaceIdOffsets must all be present or all absent (VTK refuses the file otherwise)",
                    "write all three polyhedron step offsets",
                );
            } else if here[0] {
                for (i, n) in names.iter().enumerate() {
                    step_offs[i] = self.step_offsets(sg, spath, n, *ns, 1, true);
                }
            }
        }
        let mut it = a.into_iter();
        let mut ct = v.into_iter();
        Some(Faces {
            face_conn: it.next()?,
            face_offsets: it.next()?,
            poly_to_faces: it.next()?,
            poly_offsets: it.next()?,
            n_faces: ct.next()?,
            n_face_conn: ct.next()?,
            n_poly_faces: ct.next()?,
            step_offs,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn check_polyhedra_step(
        &mut self,
        gpath: &str,
        f: &Faces,
        s: usize,
        st: &Step,
        topo: &Topology,
        rows: std::ops::Range<usize>,
        np: &[i64],
    ) {
        let Some(nc) = &topo.n_cells else { return };
        let at = |i: usize| {
            f.step_offs[i]
                .as_ref()
                .and_then(|v| v.get(s).copied())
                .unwrap_or(0)
        };
        let mut po_at = st.cells[0] + st.base;
        let mut fc_at = at(0);
        let mut fo_at = at(1) + st.base;
        let mut pf_at = at(2);
        for (p, r) in rows.enumerate() {
            let (c, nf, nfc, npf) = (nc[r], f.n_faces[r], f.n_face_conn[r], f.n_poly_faces[r]);
            let checks: [(&str, &Vec<i64>, i64, i64); 4] = [
                ("PolyhedronOffsets", &f.poly_offsets, po_at, c + 1),
                ("FaceOffsets", &f.face_offsets, fo_at, nf + 1),
                ("FaceConnectivity", &f.face_conn, fc_at, nfc),
                ("PolyhedronToFaces", &f.poly_to_faces, pf_at, npf),
            ];
            for (name, v, at, count) in checks {
                if at + count > v.len() as i64 {
                    self.error_once(
                        &join(gpath, name),
                        format!(
                            "{name} has {} entries but part {p} needs [{at}, {})",
                            v.len(),
                            at + count
                        ),
                        "write the polyhedron datasets with one run per part",
                    );
                    return;
                }
            }
            let fo = &f.face_offsets[fo_at as usize..(fo_at + nf + 1) as usize];
            if fo.last().copied() != Some(nfc) || fo.first().copied() != Some(0) {
                self.error_once(
                    &join(gpath, "FaceOffsets"),
                    format!(
                        "part {p}: FaceOffsets must run from 0 to NumberOfFaceConnectivityIds = {nfc}, found {}",
                        list(fo)
                    ),
                    "write local face offsets per part",
                );
            }
            let fc = &f.face_conn[fc_at as usize..(fc_at + nfc) as usize];
            if let Some(bad) = fc.iter().find(|&&i| i < 0 || i >= np[p]) {
                self.error_once(
                    &join(gpath, "FaceConnectivity"),
                    format!("part {p}: point id {bad} is out of range [0, {})", np[p]),
                    "use point ids local to the part",
                );
            }
            let pf = &f.poly_to_faces[pf_at as usize..(pf_at + npf) as usize];
            if let Some(bad) = pf.iter().find(|&&i| i < 0 || i >= nf) {
                self.error_once(
                    &join(gpath, "PolyhedronToFaces"),
                    format!("part {p}: face id {bad} is out of range [0, {nf})"),
                    "use face ids local to the part",
                );
            }
            po_at += c + 1;
            fo_at += nf + 1;
            fc_at += nfc;
            pf_at += npf;
        }
    }

    // -- ImageData, RectilinearGrid, StructuredGrid --------------------------

    fn check_image(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        let ext = self.num_attr(
            g,
            gpath,
            "WholeExtent",
            6,
            true,
            " (VTK: \"WholeExtent attribute not found\")",
        );
        self.num_attr(
            g,
            gpath,
            "Origin",
            3,
            true,
            " (VTK: \"Origin attribute not found\")",
        );
        if let Some(sp) = self.num_attr(
            g,
            gpath,
            "Spacing",
            3,
            true,
            " (VTK: \"Spacing attribute not found\")",
        ) {
            if sp.iter().any(|&x| x <= 0.0) {
                self.warn(
                    gpath,
                    format!("Spacing {sp:?} has a value <= 0"),
                    "use positive spacing and the Direction matrix for orientation",
                );
            }
        }
        self.num_attr(
            g,
            gpath,
            "Direction",
            9,
            true,
            " (VTK: \"Direction attribute not found\"; VTK requires it)",
        );
        let dims = ext.and_then(|e| self.extent_dims(gpath, &e));
        self.structured_arrays(g, gpath, dims)
    }

    /// Points per axis from a WholeExtent.
    fn extent_dims(&mut self, gpath: &str, e: &[f64]) -> Option<[i64; 3]> {
        let e: Vec<i64> = e.iter().map(|&x| clamp_f(x)).collect();
        let mut dims = [0i64; 3];
        for a in 0..3 {
            if e[2 * a + 1] < e[2 * a] {
                self.error(
                    gpath,
                    format!("WholeExtent {e:?}: axis {a} ends before it starts"),
                    "write WholeExtent as [x0, x1, y0, y1, z0, z1] with x0 <= x1 ...",
                );
                return None;
            }
            dims[a] = e[2 * a + 1] - e[2 * a] + 1;
        }
        if e[0] != 0 || e[2] != 0 || e[4] != 0 {
            self.warn(
                gpath,
                format!(
                    "WholeExtent {e:?} does not start at 0: VTK before 9.7.2 reads the arrays at the wrong place (it uses the extent as the HDF5 offset)"
                ),
                "shift the extent to start at 0 and move the origin instead",
            );
        }
        Some(dims)
    }

    /// Point/cell arrays of a structured type (dims = points per axis x, y, z).
    fn structured_arrays(&mut self, g: &Group, gpath: &str, dims: Option<[i64; 3]>) -> BlockInfo {
        let temporal = self.check_steps(g, gpath);
        let mut info = BlockInfo::default();
        if let Some((_, _, n)) = &temporal {
            info.steps = Some(*n);
        }
        for kind in [ArrayKind::Point, ArrayKind::Cell] {
            let arrays = self.arrays(g, gpath, kind);
            let Some(dims) = dims else { continue };
            let apath = join(gpath, kind.group());
            let axis = |n: i64| {
                if kind == ArrayKind::Point {
                    n
                } else {
                    (n - 1).max(1)
                }
            };
            // C order: z, y, x.
            let full = [axis(dims[2]), axis(dims[1]), axis(dims[0])];
            let flat = [dims[2] == 1, dims[1] == 1, dims[0] == 1];
            for (name, d) in arrays {
                let path = join(&apath, &name);
                let mut shape: Vec<i64> = d.shape().iter().map(|&x| x as i64).collect();
                let mut t_rows = None;
                if temporal.is_some() {
                    if shape.is_empty() {
                        self.error(
                            &path,
                            "temporal array needs a leading time dimension",
                            "write shape (T, nz, ny, nx[, c])",
                        );
                        continue;
                    }
                    t_rows = Some(shape.remove(0));
                }
                match match_grid_shape(&shape, full, flat) {
                    Some(dropped) => {
                        let old_ok = dropped == [false, false, false]
                            || dropped == [true, false, false]
                            || dropped == [true, true, false];
                        if !old_ok {
                            self.warn(
                                &path,
                                format!(
                                    "array shape {:?} drops a flat axis that older readers keep: VTK 9.7.2 reads it, VTK up to 9.7.0 expects the z axis (then y) to be dropped first",
                                    d.shape()
                                ),
                                "write the flat axes with size 1 (shape (nz, ny, nx[, c]))",
                            );
                        }
                    }
                    None => {
                        self.error(
                            &path,
                            format!(
                                "array shape {:?} does not match the grid: expected {}(nz, ny, nx) = {:?}{} with optional components, flat axes may be dropped",
                                d.shape(),
                                if temporal.is_some() { "(T, ...) + " } else { "" },
                                full,
                                if kind == ArrayKind::Cell { " cells" } else { " points" }
                            ),
                            "write the array with the grid's shape (C order, x fastest)",
                        );
                        continue;
                    }
                }
                if let (Some(t), Some((sg, spath, n))) = (t_rows, &temporal) {
                    let group = format!("{}Offsets", kind.group());
                    let offs = self.array_step_offsets(sg, spath, &group, &name, *n);
                    let max_needed = match &offs {
                        Some(o) => o.iter().take(*n as usize).copied().max().unwrap_or(0) + 1,
                        None => *n,
                    };
                    if max_needed > t {
                        self.error(
                            &path,
                            format!(
                                "array has {t} time slices but the steps read slice {} ({})",
                                max_needed - 1,
                                if offs.is_some() {
                                    format!("Steps/{group}/{name}")
                                } else {
                                    "step index, no offsets dataset".into()
                                }
                            ),
                            "write one time slice per step or point the offsets inside the array",
                        );
                    }
                }
            }
        }
        self.check_field_data(g, gpath);
        info
    }

    fn check_rectilinear(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        let dims = self.grid_dimensions(g, gpath);
        let temporal = {
            // Peek NSteps without reporting (structured_arrays reports).
            g.group("Steps")
                .ok()
                .and_then(|s| s.attr("NSteps").ok())
                .and_then(|a| a.read::<i64>().ok())
                .and_then(|v| v.first().copied())
        };
        for (i, name) in ["XCoordinates", "YCoordinates", "ZCoordinates"]
            .iter()
            .enumerate()
        {
            let Some(d) = self.dataset(g, gpath, name, true) else {
                continue;
            };
            let path = join(gpath, name);
            if !is_number(d.dtype()) || d.shape().len() != 1 {
                self.error(
                    &path,
                    format!(
                        "{name} must be a 1-D numeric dataset, found {} {:?}",
                        describe(d.dtype()),
                        d.shape()
                    ),
                    "write the coordinates as float64 (n,)",
                );
                continue;
            }
            let Some(dims) = dims else { continue };
            let len = d.len() as i64;
            match temporal {
                None => {
                    if len < dims[i] {
                        self.error(
                            &path,
                            format!("{name} has {len} values but Dimensions[{i}] = {}", dims[i]),
                            "write one coordinate per point along the axis",
                        );
                    } else if len > dims[i] {
                        self.warn(
                            &path,
                            format!(
                                "{name} has {len} values, more than Dimensions[{i}] = {}",
                                dims[i]
                            ),
                            "write one coordinate per point along the axis",
                        );
                    }
                }
                Some(n) => {
                    let sname = format!("{name}Offsets");
                    let offs = g.group("Steps").ok().and_then(|sg| {
                        if sg.link(&sname).is_ok() {
                            self.step_offsets(&sg, &join(gpath, "Steps"), &sname, n, 1, false)
                        } else {
                            None
                        }
                    });
                    let start = offs
                        .map(|o| o.iter().take(n as usize).copied().max().unwrap_or(0))
                        .unwrap_or(0);
                    if start + dims[i] > len {
                        self.error(
                            &path,
                            format!(
                                "{name} has {len} values but a step reads [{start}, {})",
                                start + dims[i]
                            ),
                            &format!("write Dimensions[{i}] coordinates per stored step"),
                        );
                    }
                }
            }
        }
        self.structured_arrays(g, gpath, dims)
    }

    fn grid_dimensions(&mut self, g: &Group, gpath: &str) -> Option<[i64; 3]> {
        let d = self.num_attr(
            g,
            gpath,
            "Dimensions",
            3,
            true,
            " (VTK: \"Dimensions attribute not found\")",
        )?;
        let d = [clamp_f(d[0]), clamp_f(d[1]), clamp_f(d[2])];
        if d.iter().any(|&x| x < 1) {
            self.error(
                gpath,
                format!("Dimensions {d:?} must be point counts >= 1"),
                "write the number of points along x, y, z",
            );
            return None;
        }
        Some(d)
    }

    fn check_structured(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        let dims = self.grid_dimensions(g, gpath);
        let temporal = g.link("Steps").is_ok();
        if let Some(p) = self.dataset(g, gpath, "Points", true) {
            let path = join(gpath, "Points");
            let s: Vec<i64> = p.shape().iter().map(|&x| x as i64).collect();
            let want = if temporal { 5 } else { 4 };
            if !is_number(p.dtype()) {
                self.error(
                    &path,
                    format!("Points must be numeric, found {}", describe(p.dtype())),
                    "write Points as float64",
                );
            } else if s.len() != want || s[want - 1] != 3 {
                self.error(
                    &path,
                    format!(
                        "Points must have shape {}(nz, ny, nx, 3), found {s:?} (VTK always reads 4-D points plus the time axis)",
                        if temporal { "(T, ...) + " } else { "" }
                    ),
                    "write Points as (nz, ny, nx, 3), keeping flat axes with size 1",
                );
            } else if let Some(d) = dims {
                let sp = &s[want - 4..want - 1];
                if sp != [d[2], d[1], d[0]] {
                    self.error(
                        &path,
                        format!(
                            "Points spatial shape {sp:?} does not match Dimensions {d:?} (expected [{}, {}, {}])",
                            d[2], d[1], d[0]
                        ),
                        "write Points as (nz, ny, nx, 3)",
                    );
                }
            }
        }
        self.structured_arrays(g, gpath, dims)
    }

    // -- Table --------------------------------------------------------------

    fn check_table(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        let rows = self.int_dataset(g, gpath, "NumberOfRows", true);
        let temporal = self.check_steps(g, gpath);
        let mut info = BlockInfo::default();
        if let Some((_, _, n)) = &temporal {
            info.steps = Some(*n);
        }
        let columns = self.arrays(g, gpath, ArrayKind::Row);
        self.check_field_data(g, gpath);
        let Some(rows) = rows else { return info };
        let rpath = join(gpath, "NumberOfRows");
        if let Some(bad) = rows.iter().find(|&&r| r < 0) {
            self.error(
                &rpath,
                format!("negative row count {bad}"),
                "counts are >= 0",
            );
            return info;
        }
        let n = temporal.as_ref().map(|t| t.2).unwrap_or(1);
        if (rows.len() as i64) < n.max(1) {
            self.error(
                &rpath,
                format!(
                    "NumberOfRows has {} entries, one per step is needed ({})",
                    rows.len(),
                    n.max(1)
                ),
                "write one row count per step",
            );
            return info;
        }
        for (name, d) in columns {
            let path = join(&join(gpath, "RowData"), &name);
            let Some(len) = self.flat_tuples(&d, &path) else {
                continue;
            };
            match &temporal {
                None => self.tuples_cover(
                    &path,
                    len,
                    rows[0],
                    &format!("NumberOfRows is {}", rows[0]),
                    Some(rows[0]),
                    "write NumberOfRows rows in every column",
                ),
                Some((sg, spath, n)) => {
                    let offs = self.array_step_offsets(sg, spath, "RowDataOffsets", &name, *n);
                    if let Some(o) = offs {
                        for s in 0..*n as usize {
                            if o[s] + rows[s] > len {
                                self.tuples_cover(
                                    &path,
                                    len,
                                    o[s] + rows[s],
                                    &format!("step {s} reads rows [{}, {})", o[s], o[s] + rows[s]),
                                    None,
                                    "write the rows of every step",
                                );
                                break;
                            }
                        }
                    }
                }
            }
        }
        info
    }

    // -- HyperTreeGrid ------------------------------------------------------

    fn check_htg(&mut self, g: &Group, gpath: &str) -> BlockInfo {
        if let Some(bf) = self.num_attr(
            g,
            gpath,
            "BranchFactor",
            1,
            true,
            " (VTK: \"BranchFactor attribute not found\")",
        ) {
            if bf[0] < 2.0 {
                self.error(
                    gpath,
                    format!("BranchFactor {} must be at least 2", bf[0]),
                    "write BranchFactor 2 or 3",
                );
            }
        }
        let dims = self.grid_dimensions(g, gpath);
        let names = [
            "XCoordinates",
            "YCoordinates",
            "ZCoordinates",
            "Descriptors",
            "DescriptorsSize",
            "TreeIds",
            "DepthPerTree",
            "NumberOfCellsPerTreeDepth",
            "NumberOfTrees",
            "NumberOfDepths",
            "NumberOfCells",
        ];
        let mut v: Vec<Option<Vec<i64>>> = Vec::new();
        for n in names {
            if n.ends_with("Coordinates") {
                let d = self.dataset(g, gpath, n, true);
                v.push(d.map(|d| vec![d.len() as i64]));
            } else {
                v.push(self.int_dataset(g, gpath, n, true));
            }
        }
        let temporal = self.check_steps(g, gpath);
        let mut info = BlockInfo::default();
        if let Some((sg, spath, n)) = &temporal {
            info.steps = Some(*n);
            for name in [
                "TreeIdsOffsets",
                "DepthPerTreeOffsets",
                "NumberOfCellsPerTreeDepthOffsets",
                "DescriptorsOffsets",
                "MaskOffsets",
                "XCoordinatesOffsets",
                "YCoordinatesOffsets",
                "ZCoordinatesOffsets",
                "PartOffsets",
            ] {
                let path = join(spath, name);
                if sg.link(name).is_err() {
                    self.error(
                        &path,
                        format!(
                            "temporal HyperTreeGrid needs Steps/{name}: VTK requires all nine HTG step offsets (TreeIds, DepthPerTree, NumberOfCellsPerTreeDepth, Descriptors, Mask, X/Y/ZCoordinates, Part) once there are several steps (VTK: \"Cannot open Steps/{name}\")"
                        ),
                        &format!("write Steps/{name} (int64, one entry per step)"),
                    );
                } else {
                    self.step_offsets(sg, spath, name, *n, 1, true);
                }
            }
        }
        let cells_per_part = v[10].clone();
        let [_, _, _, desc, desc_size, tree_ids, depth_per_tree, cells_per_depth, n_trees, n_depths, n_cells] =
            <[Option<Vec<i64>>; 11]>::try_from(v).unwrap_or_default();
        if temporal.is_none() {
            if let (Some(nt), Some(nd), Some(nc), Some(ti), Some(dpt), Some(cpd)) = (
                &n_trees,
                &n_depths,
                &n_cells,
                &tree_ids,
                &depth_per_tree,
                &cells_per_depth,
            ) {
                self.check_htg_static(gpath, dims, nt, nd, nc, ti, dpt, cpd, &desc, &desc_size);
            }
        }
        // Cell data.
        let total: Option<i64> = cells_per_part.as_ref().map(|c| c.iter().sum());
        for (name, d) in self.arrays(g, gpath, ArrayKind::Cell) {
            let path = join(&join(gpath, "CellData"), &name);
            let Some(rows) = self.flat_tuples(&d, &path) else {
                continue;
            };
            if temporal.is_none() {
                if let Some(t) = total {
                    self.tuples_cover(
                        &path,
                        rows,
                        t,
                        &format!("NumberOfCells sums to {t}"),
                        Some(t),
                        "write one tuple per tree cell",
                    );
                }
            }
        }
        if g.link("PointData").is_ok() {
            self.warn(
                &join(gpath, "PointData"),
                "a HyperTreeGrid has no point data; VTK ignores this group",
                "remove PointData",
            );
        }
        self.check_field_data(g, gpath);
        info
    }

    #[allow(clippy::too_many_arguments)]
    fn check_htg_static(
        &mut self,
        gpath: &str,
        dims: Option<[i64; 3]>,
        n_trees: &[i64],
        n_depths: &[i64],
        n_cells: &[i64],
        tree_ids: &[i64],
        depth_per_tree: &[i64],
        cells_per_depth: &[i64],
        desc: &Option<Vec<i64>>,
        desc_size: &Option<Vec<i64>>,
    ) {
        let parts = n_trees.len();
        for (name, v) in [("NumberOfDepths", n_depths), ("NumberOfCells", n_cells)] {
            if v.len() != parts {
                self.error(
                    &join(gpath, name),
                    format!(
                        "{name} has {} entries but NumberOfTrees has {parts}",
                        v.len()
                    ),
                    "write one entry per part",
                );
                return;
            }
        }
        let st: i64 = n_trees.iter().sum();
        if tree_ids.len() as i64 != st || depth_per_tree.len() as i64 != st {
            self.error(
                &join(gpath, "TreeIds"),
                format!(
                    "TreeIds ({}) and DepthPerTree ({}) need one entry per tree: NumberOfTrees sums to {st}",
                    tree_ids.len(),
                    depth_per_tree.len()
                ),
                "write one TreeIds and DepthPerTree entry per non-empty tree",
            );
            return;
        }
        if let Some(d) = dims {
            let max_trees: i64 = d
                .iter()
                .fold(1i64, |acc, &n| acc.saturating_mul((n - 1).max(1)));
            if let Some(bad) = tree_ids.iter().find(|&&t| t < 0 || t >= max_trees) {
                self.error(
                    &join(gpath, "TreeIds"),
                    format!(
                        "tree id {bad} is out of range: Dimensions {d:?} give {max_trees} trees"
                    ),
                    "use tree indices below the number of root cells",
                );
            }
        }
        let sd: i64 = n_depths.iter().sum();
        if cells_per_depth.len() as i64 != sd {
            self.error(
                &join(gpath, "NumberOfCellsPerTreeDepth"),
                format!(
                    "NumberOfCellsPerTreeDepth has {} entries but NumberOfDepths sums to {sd}",
                    cells_per_depth.len()
                ),
                "write one cell count per depth of each tree",
            );
            return;
        }
        let mut t_at = 0usize;
        let mut d_at = 0usize;
        for p in 0..parts {
            let nt = n_trees[p].max(0) as usize;
            let (Some(dpt), Some(_)) = (
                depth_per_tree.get(t_at..t_at + nt),
                n_trees.get(p).filter(|&&x| x >= 0),
            ) else {
                self.error(
                    &join(gpath, "NumberOfTrees"),
                    format!(
                        "part {p}: NumberOfTrees {} does not fit DepthPerTree",
                        n_trees[p]
                    ),
                    "write non-negative tree counts that sum to the TreeIds length",
                );
                return;
            };
            let depths: i64 = dpt.iter().sum();
            if depths != n_depths[p] {
                self.error_once(
                    &join(gpath, "NumberOfDepths"),
                    format!(
                        "part {p}: NumberOfDepths is {} but DepthPerTree sums to {depths}",
                        n_depths[p]
                    ),
                    "NumberOfDepths is the sum of the part's DepthPerTree",
                );
                return;
            }
            let nd = n_depths[p].max(0) as usize;
            let Some(cpd) = cells_per_depth.get(d_at..d_at + nd) else {
                self.error(
                    &join(gpath, "NumberOfDepths"),
                    format!(
                        "part {p}: NumberOfDepths {} does not fit NumberOfCellsPerTreeDepth",
                        n_depths[p]
                    ),
                    "write non-negative depth counts",
                );
                return;
            };
            let cells: i64 = cpd.iter().sum();
            if cells != n_cells[p] {
                self.error_once(
                    &join(gpath, "NumberOfCells"),
                    format!(
                        "part {p}: NumberOfCells is {} but NumberOfCellsPerTreeDepth sums to {cells}",
                        n_cells[p]
                    ),
                    "NumberOfCells is the sum of the part's NumberOfCellsPerTreeDepth",
                );
                return;
            }
            t_at += nt;
            d_at += nd;
        }
        if let (Some(desc), Some(ds)) = (desc, desc_size) {
            if ds.len() == parts {
                let bytes: i64 = ds.iter().map(|&b| (b.max(0) + 7) / 8).sum();
                if (desc.len() as i64) < bytes {
                    self.error(
                        &join(gpath, "Descriptors"),
                        format!(
                            "Descriptors has {} bytes but DescriptorsSize ({}) needs {bytes} (each part starts on a new byte)",
                            desc.len(),
                            list(ds)
                        ),
                        "write ceil(DescriptorsSize / 8) bytes per part",
                    );
                }
            } else {
                self.error(
                    &join(gpath, "DescriptorsSize"),
                    format!(
                        "DescriptorsSize has {} entries but NumberOfTrees has {parts}",
                        ds.len()
                    ),
                    "write one descriptor bit count per part",
                );
            }
        }
    }

    // -- OverlappingAMR -----------------------------------------------------

    fn check_amr(&mut self, g: &Group, gpath: &str, version: Option<(i64, i64)>) -> BlockInfo {
        self.num_attr(
            g,
            gpath,
            "Origin",
            3,
            true,
            " (VTK: \"Origin attribute not found\")",
        );
        let temporal = self.check_steps(g, gpath);
        let mut info = BlockInfo::default();
        let mut level = 0usize;
        loop {
            let name = format!("Level{level}");
            let Ok(Object::Group(lg)) = g.get(&name) else {
                break;
            };
            let lpath = join(gpath, &name);
            self.check_amr_level(&lg, &lpath, level, &temporal, version);
            level += 1;
        }
        if level == 0 {
            self.error(
                &join(gpath, "Level0"),
                "OverlappingAMR has no Level0 group: VTK counts levels from Level0 and reads nothing",
                "write the coarsest level as Level0",
            );
        }
        if let Some((_, _, n)) = &temporal {
            info.steps = Some(*n);
        }
        info
    }

    fn check_amr_level(
        &mut self,
        lg: &Group,
        lpath: &str,
        level: usize,
        temporal: &Option<(Group, String, i64)>,
        version: Option<(i64, i64)>,
    ) {
        match lg.attr("Spacing") {
            Err(_) => self.error(
                lpath,
                "attribute Spacing is missing (VTK reads 3 doubles per level)",
                "add Spacing (3 float64) to the level",
            ),
            Ok(a) => {
                let n = a.read::<f64>().map(|v| v.len()).unwrap_or(0);
                if n != 3 || !is_number(a.dtype()) {
                    self.error(
                        lpath,
                        format!(
                            "attribute Spacing must hold exactly 3 numbers, found {n} {} (VTK reads 3 doubles with no size check)",
                            describe(a.dtype())
                        ),
                        "write Spacing as 3 float64",
                    );
                }
            }
        }
        let Some(bd) = self.dataset(lg, lpath, "AMRBox", true) else {
            return;
        };
        let bpath = join(lpath, "AMRBox");
        let s = bd.shape().to_vec();
        if !is_int(bd.dtype()) || s.len() != 2 || s[1] != 6 {
            self.error(
                &bpath,
                format!(
                    "AMRBox must be integers of shape (boxes, 6) = [ilo, ihi, jlo, jhi, klo, khi] per box, found {} {s:?} (VTK requires the second dimension to be 6: \"Wrong AMRBox dimension, expected 6, got: {}\")",
                    describe(bd.dtype()),
                    s.get(1).copied().unwrap_or(0)
                ),
                "write AMRBox as int32 (boxes, 6)",
            );
            return;
        }
        let Some(boxes) = self.ints(&bd, &bpath) else {
            return;
        };
        let mut pts = Vec::new();
        let mut cells = Vec::new();
        for (i, b) in boxes.chunks_exact(6).enumerate() {
            if b[1] < b[0] || b[3] < b[2] || b[5] < b[4] {
                self.error_once(
                    &bpath,
                    format!("box {i} {b:?} has an upper bound below its lower bound"),
                    "write inclusive cell bounds lo <= hi",
                );
                return;
            }
            let n = [b[1] - b[0] + 1, b[3] - b[2] + 1, b[5] - b[4] + 1];
            cells.push(n[0].saturating_mul(n[1]).saturating_mul(n[2]));
            pts.push((n[0] + 1).saturating_mul(n[1] + 1).saturating_mul(n[2] + 1));
        }
        // Temporal layout of this level.
        let mut lsteps: Option<LevelSteps> = None;
        if let Some((sg, spath, n)) = temporal {
            let name = format!("Level{level}");
            let lspath = join(spath, &name);
            let Ok(Object::Group(lsg)) = sg.get(&name) else {
                self.error(
                    &lspath,
                    format!("temporal OverlappingAMR needs Steps/{name}"),
                    &format!("write Steps/{name} with NumberOfAMRBoxes and AMRBoxOffsets"),
                );
                return;
            };
            let old = version == Some((2, 2));
            let (nb_name, bo_name, pd_name, cd_name) = if old {
                (
                    "NumberOfAMRBox",
                    "AMRBoxOffset",
                    "PointDataOffset",
                    "CellDataOffset",
                )
            } else {
                (
                    "NumberOfAMRBoxes",
                    "AMRBoxOffsets",
                    "PointDataOffsets",
                    "CellDataOffsets",
                )
            };
            let (other_nb, other_v) = if old {
                ("NumberOfAMRBoxes", "2.3 or later")
            } else {
                ("NumberOfAMRBox", "exactly 2.2")
            };
            if lsg.link(nb_name).is_err() {
                let vtxt = version
                    .map(|v| format!("{}.{}", v.0, v.1))
                    .unwrap_or_else(|| "unknown".into());
                let why = if lsg.link(other_nb).is_ok() {
                    format!(
                        "the file uses the names of Version {other_v} ({other_nb}) but Version is {vtxt}: VTK uses NumberOfAMRBox/AMRBoxOffset/PointDataOffset/CellDataOffset if and only if Version is [2, 2]"
                    )
                } else {
                    "it is missing".to_string()
                };
                self.error(
                    &join(&lspath, nb_name),
                    format!(
                        "Steps/{name}/{nb_name} not found: {why} (VTK: \"No {nb_name} dataset at Steps/{name}\")"
                    ),
                    if lsg.link(other_nb).is_ok() && !old {
                        "set Version to [2, 2] to match the 2.2 names, or rename them to NumberOfAMRBoxes, AMRBoxOffsets, PointDataOffsets, CellDataOffsets"
                    } else if lsg.link(other_nb).is_ok() {
                        "rename to the 2.2 names (NumberOfAMRBox, AMRBoxOffset, PointDataOffset, CellDataOffset) or set Version to [2, 3]"
                    } else {
                        "write NumberOfAMRBoxes and AMRBoxOffsets per level (int64, NSteps entries)"
                    },
                );
                return;
            }
            let nb = self.amr_step_dataset(&lsg, &lspath, nb_name, *n);
            let bo = self.amr_step_dataset(&lsg, &lspath, bo_name, *n);
            let (Some(nb), Some(bo)) = (nb, bo) else {
                return;
            };
            for s in 0..*n as usize {
                if bo[s] < 0 || nb[s] < 0 || bo[s] + nb[s] > (boxes.len() / 6) as i64 {
                    self.error(
                        &bpath,
                        format!(
                            "step {s} reads boxes [{}, {}) but AMRBox has {} rows",
                            bo[s],
                            bo[s] + nb[s],
                            boxes.len() / 6
                        ),
                        "make AMRBoxOffsets + NumberOfAMRBoxes stay within AMRBox",
                    );
                    return;
                }
            }
            lsteps = Some((nb, bo, lsg, lspath, *n));
            let _ = (pd_name, cd_name);
        }
        for (kind, per_box) in [(ArrayKind::Point, &pts), (ArrayKind::Cell, &cells)] {
            let apath = join(lpath, kind.group());
            for (name, d) in self.arrays(lg, lpath, kind) {
                let path = join(&apath, &name);
                let Some(rows) = self.flat_tuples(&d, &path) else {
                    continue;
                };
                match &lsteps {
                    None => {
                        let total: i64 = per_box.iter().fold(0i64, |a, &b| a.saturating_add(b));
                        self.tuples_cover(
                            &path,
                            rows,
                            total,
                            &format!(
                                "the level's boxes hold {total} {}",
                                if kind == ArrayKind::Point {
                                    "points"
                                } else {
                                    "cells"
                                }
                            ),
                            Some(total),
                            "write the arrays of all boxes of the level, in AMRBox order",
                        );
                    }
                    Some((nb, bo, lsg, lspath, n)) => {
                        let old = version == Some((2, 2));
                        let gname = match (kind, old) {
                            (ArrayKind::Point, true) => "PointDataOffset",
                            (ArrayKind::Point, false) => "PointDataOffsets",
                            (_, true) => "CellDataOffset",
                            (_, false) => "CellDataOffsets",
                        };
                        let opath = join(&join(lspath, gname), &name);
                        let og = match lsg.get(gname) {
                            Ok(Object::Group(og)) => og,
                            _ => {
                                self.error(
                                    &opath,
                                    format!(
                                        "temporal AMR array {name} has no Steps/Level{level}/{gname}/{name} (VTK: \"Can't open {gname} group at Steps/Level{level}\")"
                                    ),
                                    &format!("write Steps/Level{level}/{gname}/{name} (int64, NSteps entries)"),
                                );
                                continue;
                            }
                        };
                        let Some(o) = self.amr_step_dataset(&og, &join(lspath, gname), &name, *n)
                        else {
                            continue;
                        };
                        for s in 0..*n as usize {
                            let lo = bo[s].max(0) as usize;
                            let hi = (bo[s] + nb[s]).max(0) as usize;
                            let need: i64 = per_box
                                .get(lo..hi)
                                .map(|v| v.iter().fold(0i64, |a, &b| a.saturating_add(b)))
                                .unwrap_or(0);
                            if o[s].saturating_add(need) > rows {
                                self.tuples_cover(
                                    &path,
                                    rows,
                                    o[s].saturating_add(need),
                                    &format!("step {s} reads [{}, {})", o[s], o[s].saturating_add(need)),
                                    None,
                                    "write the arrays for every step and point the offsets inside them",
                                );
                                break;
                            }
                        }
                    }
                }
            }
        }
        self.check_field_data(lg, lpath);
    }

    /// A temporal-AMR step dataset: read whole into NSteps values by VTK, so
    /// exactly NSteps entries.
    fn amr_step_dataset(&mut self, g: &Group, gpath: &str, name: &str, n: i64) -> Option<Vec<i64>> {
        let path = join(gpath, name);
        let d = match g.get(name) {
            Ok(Object::Dataset(d)) => *d,
            _ => {
                let level = gpath.rsplit('/').next().unwrap_or("");
                self.error(
                    &path,
                    format!("{name} is missing (VTK: \"No {name} dataset at Steps/{level}\")"),
                    &format!("write {name} (int64, NSteps entries)"),
                );
                return None;
            }
        };
        if d.shape().len() != 1 || d.len() as i64 != n {
            self.error(
                &path,
                format!(
                    "{name} must have exactly NSteps = {n} entries, found shape {:?}: VTK reads it whole into an NSteps buffer",
                    d.shape()
                ),
                "write one entry per step",
            );
            return None;
        }
        self.ints(&d, &path)
    }

    // -- composites ---------------------------------------------------------

    fn check_composite(&mut self, g: &Group, gpath: &str, dt: DataType) {
        let pdc = dt == DataType::PartitionedDataSetCollection;
        let (sev, consequence) = if pdc {
            (
                Severity::Error,
                "VTK 9.7.2 aborts the process (SIGABRT) reading a PartitionedDataSetCollection whose groups do not track it",
            )
        } else {
            (
                Severity::Warning,
                "VTK 9.7.2 reads an empty multiblock (HDF5: \"no creation order index to query\")",
            )
        };
        let tracked = g.tracks_creation_order().unwrap_or(false);
        if !tracked {
            self.push(
                sev,
                gpath,
                format!(
                    "{} does not track link creation order: VTK iterates blocks by creation order; {consequence}",
                    gpath
                ),
                "create the group with link creation order tracked (h5py: track_order=True)",
            );
        }
        let links = if tracked {
            g.links_in_creation_order()
        } else {
            g.links()
        };
        let links = match links {
            Ok(l) => l,
            Err(e) => {
                self.error(
                    gpath,
                    format!("links cannot be read: {e}"),
                    "rewrite the group",
                );
                return;
            }
        };
        let assembly_path = join(gpath, "Assembly");
        let assembly = match g.get("Assembly") {
            Ok(Object::Group(a)) => Some(a),
            _ => {
                self.error(
                    &assembly_path,
                    format!(
                        "{} needs an Assembly group describing the tree (the reader counts the other children as blocks)",
                        dt.name()
                    ),
                    "write /VTKHDF/Assembly with soft links to the blocks",
                );
                None
            }
        };
        // Blocks in creation order.
        let mut blocks: Vec<(String, Option<BlockInfo>)> = Vec::new();
        let mut indices: Vec<(String, i64)> = Vec::new();
        for l in &links {
            if l.name == "Assembly" {
                continue;
            }
            let bpath = join(gpath, &l.name);
            let bg = match g.get(&l.name) {
                Ok(Object::Group(bg)) => bg,
                Ok(_) => {
                    self.warn(
                        &bpath,
                        "not a group: composite children of /VTKHDF are block groups; VTK skips or fails on other objects",
                        "move datasets into a block group",
                    );
                    continue;
                }
                Err(e) => {
                    self.error(
                        &bpath,
                        format!(
                            "block cannot be opened{}: {e}",
                            if matches!(l.target, LinkTarget::External { .. }) {
                                " (external link, resolved relative to this file's directory)"
                            } else {
                                ""
                            }
                        ),
                        "make the link point to an existing VTKHDF group",
                    );
                    continue;
                }
            };
            let has_type = bg.attr("Type").is_ok();
            if pdc {
                match bg.attr("Index") {
                    Err(_) => self.error(
                        &bpath,
                        "block has no Index attribute: VTK places PartitionedDataSetCollection blocks by their Index (VTK: \"Index attribute not found\")",
                        "add Index (int64 scalar, the block's position 0..n-1)",
                    ),
                    Ok(a) => match a.read::<i64>().ok().as_deref() {
                        Some(&[i]) if is_int(a.dtype()) => indices.push((bpath.clone(), i)),
                        _ => self.error(
                            &bpath,
                            format!(
                                "Index must be one integer, found {}",
                                describe(a.dtype())
                            ),
                            "write Index as an int64 scalar",
                        ),
                    },
                }
                if !has_type {
                    self.error(
                        &bpath,
                        "block group has no Type (a null block): VTK 9.7.2 fails reading the collection (the reader returns failure with no message; later VTK skips such blocks)",
                        "remove the empty block and its assembly link, or give it a complete layout with Type",
                    );
                    blocks.push((bpath, None));
                    continue;
                }
            } else if !has_type {
                // MB null block: read as nullptr.
                blocks.push((bpath, None));
                continue;
            }
            if self.depth > 8 {
                continue;
            }
            self.depth += 1;
            let info = self.check_block(&bg, &bpath, false);
            self.depth -= 1;
            blocks.push((bpath, Some(info)));
        }
        if pdc {
            let n = blocks.len() as i64;
            let mut seen = BTreeSet::new();
            for (p, i) in &indices {
                if *i < 0 || *i >= n {
                    self.error(
                        p,
                        format!("Index {i} is outside [0, {n}) for {n} blocks"),
                        "number the blocks 0..n-1",
                    );
                } else if !seen.insert(*i) {
                    self.error(
                        p,
                        format!("Index {i} is used by another block"),
                        "give every block a distinct Index",
                    );
                }
            }
        }
        // Temporal consistency.
        let infos: Vec<(&String, BlockInfo)> = blocks
            .iter()
            .filter_map(|(p, i)| i.map(|i| (p, i)))
            .collect();
        let temporal: Vec<&(&String, BlockInfo)> =
            infos.iter().filter(|(_, i)| i.steps.is_some()).collect();
        if !temporal.is_empty() && temporal.len() != infos.len() {
            let statics: Vec<&str> = infos
                .iter()
                .filter(|(_, i)| i.steps.is_none())
                .map(|(p, _)| p.as_str())
                .collect();
            let last_static = infos.last().is_some_and(|(_, i)| i.steps.is_none());
            let vtk = if last_static {
                "VTK: \"Expected TIME_STEPS key for temporal data\""
            } else {
                "VTK: \"Cannot open Steps/PartOffsets\" for the static block"
            };
            self.error(
                gpath,
                format!(
                    "composite mixes temporal and static blocks (static: {}); VTK 9.7.2 fails ({vtk})",
                    statics.join(", ")
                ),
                "make every block temporal (a static block gets a Steps group whose offsets repeat 0)",
            );
        }
        let nsteps: BTreeSet<i64> = temporal.iter().filter_map(|(_, i)| i.steps).collect();
        if nsteps.len() > 1 {
            self.error(
                gpath,
                format!(
                    "temporal blocks have different NSteps {:?}: VTK requires the same number of steps in every block",
                    nsteps
                ),
                "give every block the same steps",
            );
        }
        if let Some(a) = assembly {
            let block_paths: HashSet<String> = blocks.iter().map(|(p, _)| p.clone()).collect();
            self.check_assembly(&a, &assembly_path, gpath, &block_paths, sev, consequence, 0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_assembly(
        &mut self,
        a: &Group,
        apath: &str,
        root: &str,
        blocks: &HashSet<String>,
        sev: Severity,
        consequence: &str,
        depth: u32,
    ) {
        if depth > 64 {
            return;
        }
        let tracked = a.tracks_creation_order().unwrap_or(false);
        if !tracked {
            self.push(
                sev,
                apath,
                format!("assembly group does not track link creation order: {consequence}"),
                "create assembly groups with link creation order tracked (h5py: track_order=True)",
            );
        }
        let links = match a.links() {
            Ok(l) => l,
            Err(_) => return,
        };
        for l in links {
            let lpath = join(apath, &l.name);
            match &l.target {
                LinkTarget::Soft { path } => {
                    let target = if path.starts_with('/') {
                        path.trim_end_matches('/').to_string()
                    } else {
                        join(apath, path)
                    };
                    if !blocks.contains(&target) {
                        match a.get(&l.name) {
                            Ok(Object::Group(_)) => self.warn(
                                &lpath,
                                format!(
                                    "soft link to {path}, which is not a block directly under {root}"
                                ),
                                "point assembly links at the block groups under /VTKHDF",
                            ),
                            _ => self.error(
                                &lpath,
                                format!("soft link to {path}, which does not exist"),
                                "point assembly links at existing block groups",
                            ),
                        }
                    }
                }
                LinkTarget::Hard { .. } => match a.get(&l.name) {
                    Ok(Object::Group(sub)) => self.check_assembly(
                        &sub,
                        &lpath,
                        root,
                        blocks,
                        sev,
                        consequence,
                        depth + 1,
                    ),
                    _ => self.warn(
                        &lpath,
                        "assembly members are groups (nodes) or soft links (blocks); this object is ignored",
                        "remove it",
                    ),
                },
                _ => self.warn(
                    &lpath,
                    "assembly members are groups or soft links; external and user-defined links are not read",
                    "use a soft link to the block under /VTKHDF",
                ),
            }
        }
    }
}

/// Matches an array shape (without the time axis) to a grid's (z, y, x)
/// sizes with optional trailing components, where flat axes (size 1) may
/// be dropped. Returns which flat axes were dropped (z, y, x).
fn match_grid_shape(shape: &[i64], full: [i64; 3], flat: [bool; 3]) -> Option<[bool; 3]> {
    // Try every subset of dropped flat axes, fewest drops first.
    let mut best: Option<[bool; 3]> = None;
    for mask in 0u8..8 {
        let dropped = [mask & 1 != 0, mask & 2 != 0, mask & 4 != 0];
        if (0..3).any(|a| dropped[a] && !flat[a]) {
            continue;
        }
        let spatial: Vec<i64> = (0..3).filter(|&a| !dropped[a]).map(|a| full[a]).collect();
        let ok = shape == spatial.as_slice()
            || (shape.len() == spatial.len() + 1 && shape[..spatial.len()] == spatial[..]);
        if ok {
            let count = dropped.iter().filter(|&&d| d).count();
            let better = match best {
                None => true,
                Some(b) => count < b.iter().filter(|&&d| d).count(),
            };
            if better {
                best = Some(dropped);
            }
        }
    }
    // Prefer the drop pattern older readers understand when several fit.
    if let Some(b) = best {
        let alts = [[true, false, false], [true, true, false]];
        let n = b.iter().filter(|&&d| d).count();
        for alt in alts {
            if alt.iter().filter(|&&d| d).count() == n && alt != b {
                let spatial: Vec<i64> = (0..3).filter(|&a| !alt[a]).map(|a| full[a]).collect();
                if (0..3).all(|a| !alt[a] || flat[a])
                    && (shape == spatial.as_slice()
                        || (shape.len() == spatial.len() + 1
                            && shape[..spatial.len()] == spatial[..]))
                {
                    return Some(alt);
                }
            }
        }
    }
    best
}

/// Boxes per step, box offsets per step, the level's Steps group, its
/// path and NSteps.
type LevelSteps = (Vec<i64>, Vec<i64>, Group, String, i64);

/// One topology (UG: the grid itself; PolyData: Vertices, Lines, ...).
struct Topology {
    name: String,
    path: String,
    n_cells: Option<Vec<i64>>,
    n_conn: Option<Vec<i64>>,
    offsets: Option<Dataset>,
    conn: Option<Dataset>,
}

impl Topology {
    fn missing(name: &str, path: String) -> Self {
        Topology {
            name: name.to_string(),
            path,
            n_cells: None,
            n_conn: None,
            offsets: None,
            conn: None,
        }
    }
}

/// The polyhedron datasets of an UnstructuredGrid, read whole.
struct Faces {
    face_conn: Vec<i64>,
    face_offsets: Vec<i64>,
    poly_to_faces: Vec<i64>,
    poly_offsets: Vec<i64>,
    n_faces: Vec<i64>,
    n_face_conn: Vec<i64>,
    n_poly_faces: Vec<i64>,
    step_offs: [Option<Vec<i64>>; 3],
}
