//! The canonical JSON dump (`vtkhdf dump --json`): one line per object, the
//! whole link tree in bytewise name order, every object's metadata and a
//! SHA-256 digest of every dataset's values. The same format is produced
//! from h5py by `tests/refdump.py`, so the two can be compared object by
//! object.

use crate::error::{Error, Result};
use crate::format::message::datatype::{Datatype, DatatypeClass, StringPadding};
use crate::format::message::link::LinkTarget;
use crate::hl::{dtype_name, is_h5py_bool, Attribute, Dataset, File, Group, Object};
use crate::read::convert::{self, Number};
use crate::read::selection::Hyperslab;
use crate::read::FileCtx;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

/// A JSON value, just what the dump needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float (NaN and infinities become strings).
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Json>),
    /// An object with keys in the given order.
    Object(Vec<(String, Json)>),
}

impl Json {
    fn obj(mut pairs: Vec<(&str, Json)>) -> Json {
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        Json::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// Appends the compact JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Json::Float(f) => {
                if f.is_nan() {
                    out.push_str("\"NaN\"");
                } else if f.is_infinite() {
                    out.push_str(if *f > 0.0 {
                        "\"Infinity\""
                    } else {
                        "\"-Infinity\""
                    });
                } else {
                    let _ = write!(out, "{f:?}");
                }
            }
            Json::Str(s) => write_str(s, out),
            Json::List(v) => {
                out.push('[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write(out);
                }
                out.push(']');
            }
            Json::Object(kv) => {
                out.push('{');
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_str(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn shape_json(shape: Option<&[u64]>) -> Json {
    match shape {
        None => Json::Null,
        Some(s) => Json::List(s.iter().map(|&d| Json::Int(i128::from(d))).collect()),
    }
}

/// Writes the canonical dump of `file` to `out`, one JSON object per line.
pub fn dump_json(file: &File, out: &mut dyn Write) -> Result<()> {
    dump_json_report(file, out).map(|_| ())
}

/// Like [`dump_json`], and returns one `"path: message"` entry per object
/// (or dataset value) that could not be read; those objects appear in the
/// dump as lines with an `error` key.
pub fn dump_json_report(file: &File, out: &mut dyn Write) -> Result<Vec<String>> {
    let root = file.root()?;
    let mut seen = HashMap::new();
    seen.insert(root.address(), "/".to_string());
    let mut sink = Sink {
        out,
        errors: Vec::new(),
    };
    sink.emit(&group_line(&root))?;
    walk(file, &root, &mut seen, &mut sink, 0)?;
    Ok(sink.errors)
}

/// Where dump lines go; remembers the lines that report errors.
struct Sink<'a> {
    out: &'a mut dyn Write,
    errors: Vec<String>,
}

impl Sink<'_> {
    fn emit(&mut self, j: &Json) -> Result<()> {
        if let Json::Object(pairs) = j {
            let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v);
            if let Some(Json::Str(e)) = get("error") {
                let path = match get("path") {
                    Some(Json::Str(p)) => p.as_str(),
                    _ => "?",
                };
                self.errors.push(format!("{path}: {e}"));
            }
        }
        let mut s = String::new();
        j.write(&mut s);
        s.push('\n');
        self.out.write_all(s.as_bytes())?;
        Ok(())
    }
}

fn error_line(path: &str, kind: &str, e: &Error) -> Json {
    Json::obj(vec![
        ("path", Json::Str(path.into())),
        ("kind", Json::Str(kind.into())),
        ("error", Json::Str(e.to_string())),
    ])
}

fn walk(
    file: &File,
    group: &Group,
    seen: &mut HashMap<u64, String>,
    out: &mut Sink<'_>,
    depth: u32,
) -> Result<()> {
    let links = match group.links() {
        Ok(l) => l,
        Err(e) => {
            // The group line is out already; report the failure under it.
            out.emit(&error_line(group.path(), "group", &e))?;
            return Ok(());
        }
    };
    for link in links {
        let path = if group.path() == "/" {
            format!("/{}", link.name)
        } else {
            format!("{}/{}", group.path(), link.name)
        };
        match link.target {
            LinkTarget::Soft { path: target } => out.emit(&Json::obj(vec![
                ("path", Json::Str(path)),
                ("kind", Json::Str("soft".into())),
                ("target", Json::Str(target)),
            ]))?,
            LinkTarget::External {
                file: f,
                path: target,
            } => out.emit(&Json::obj(vec![
                ("path", Json::Str(path)),
                ("kind", Json::Str("external".into())),
                ("file", Json::Str(f)),
                ("target", Json::Str(target)),
            ]))?,
            LinkTarget::UserDefined { link_type, .. } => out.emit(&error_line(
                &path,
                "unknown",
                &Error::unsupported(0, format!("user-defined link type {link_type}")),
            ))?,
            LinkTarget::Hard { address } => {
                if let Some(first) = seen.get(&address) {
                    let kind = match file
                        .ctx()
                        .object_header(address)
                        .and_then(|h| crate::read::object_kind(&h))
                    {
                        Ok(crate::read::ObjectKind::Dataset) => "dataset",
                        Ok(crate::read::ObjectKind::Datatype) => "datatype",
                        _ => "group",
                    };
                    out.emit(&Json::obj(vec![
                        ("path", Json::Str(path)),
                        ("kind", Json::Str(kind.into())),
                        ("same_as", Json::Str(first.clone())),
                    ]))?;
                    continue;
                }
                seen.insert(address, path.clone());
                match file.object_at(address, &path) {
                    Err(e) => out.emit(&error_line(&path, "unknown", &e))?,
                    Ok(Object::Group(g)) => {
                        out.emit(&group_line(&g))?;
                        if depth + 1 > file.ctx().limits.max_depth {
                            out.emit(&error_line(
                                &path,
                                "group",
                                &Error::limit("groups nested too deeply"),
                            ))?;
                        } else {
                            walk(file, &g, seen, out, depth + 1)?;
                        }
                    }
                    Ok(Object::Dataset(d)) => out.emit(&dataset_line(&d))?,
                    Ok(Object::Datatype(_)) => out.emit(&Json::obj(vec![
                        ("path", Json::Str(path)),
                        ("kind", Json::Str("datatype".into())),
                    ]))?,
                }
            }
        }
    }
    Ok(())
}

/// The `attrs` object, and the first error met listing or decoding them
/// (an attribute that cannot be decoded has no name or type to print).
fn attrs_json(list: Result<Vec<Result<Attribute>>>) -> (Json, Option<String>) {
    let mut pairs = Vec::new();
    let mut error = None;
    match list {
        Err(e) => error = Some(format!("attributes: {e}")),
        Ok(list) => {
            for a in list {
                let a = match a {
                    Ok(a) => a,
                    Err(e) => {
                        error.get_or_insert_with(|| format!("attribute: {e}"));
                        continue;
                    }
                };
                let value = attr_value(&a).unwrap_or(Json::Null);
                pairs.push((
                    a.name().to_string(),
                    Json::obj(vec![
                        ("dtype", Json::Str(dtype_name(a.dtype()))),
                        ("shape", shape_json(a.shape())),
                        ("value", value),
                    ]),
                ));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    (Json::Object(pairs), error)
}

fn group_line(g: &Group) -> Json {
    let (attrs, error) = attrs_json(g.attrs());
    let mut pairs = vec![
        ("path", Json::Str(g.path().into())),
        ("kind", Json::Str("group".into())),
        ("attrs", attrs),
    ];
    if let Some(e) = error {
        pairs.push(("error", Json::Str(e)));
    }
    Json::obj(pairs)
}

fn dataset_line(d: &Dataset) -> Json {
    let maxshape = if d.is_null() {
        Json::Null
    } else {
        Json::List(
            d.maxshape()
                .into_iter()
                .map(|m| m.map_or(Json::Null, |v| Json::Int(i128::from(v))))
                .collect(),
        )
    };
    let chunks = d.chunks().map_or(Json::Null, |c| {
        Json::List(c.iter().map(|&x| Json::Int(i128::from(x))).collect())
    });
    let filters = Json::List(
        d.filters()
            .iter()
            .map(|f| Json::Str(crate::filters::FilterId::from_u16(f.id).name()))
            .collect(),
    );
    let mut pairs = vec![
        ("path", Json::Str(d.path().into())),
        ("kind", Json::Str("dataset".into())),
        ("dtype", Json::Str(dtype_name(d.dtype()))),
        ("shape", shape_json(d.shape_opt())),
        ("maxshape", maxshape),
        ("layout", Json::Str(d.layout().name().into())),
        ("chunks", chunks),
        ("filters", filters),
    ];
    let (attrs, attr_error) = attrs_json(d.attrs());
    pairs.push(("attrs", attrs));
    let digest_error = match digest(d) {
        Ok(v) => {
            pairs.push(("digest", v));
            None
        }
        Err(e) => Some(e.to_string()),
    };
    if let Some(e) = digest_error.or(attr_error) {
        pairs.push(("error", Json::Str(e)));
    }
    Json::obj(pairs)
}

/// True when values of `t` cannot be digested (references, vlen sequences).
fn has_references(t: &Datatype) -> bool {
    match &t.class {
        DatatypeClass::Reference { .. } => true,
        DatatypeClass::VarLen { string: None, .. } => true,
        DatatypeClass::Compound { members } => members.iter().any(|m| has_references(&m.datatype)),
        DatatypeClass::Array { base, .. } | DatatypeClass::Enum { base, .. } => {
            has_references(base)
        }
        _ => false,
    }
}

/// The dataset's digest: `"sha256:" + hex` of its canonical bytes.
pub fn digest(d: &Dataset) -> Result<Json> {
    let t = d.dtype();
    if d.is_null() || has_references(t) {
        return Ok(Json::Null);
    }
    let ctx = d.file().ctx();
    let mut hasher = Sha256::new();
    let shape = d.shape().to_vec();
    let esize = u64::from(t.size).max(1);
    let total = shape
        .iter()
        .try_fold(esize, |a, &d| a.checked_mul(d))
        .filter(|&t| t <= ctx.limits.max_alloc_bytes);
    if total.is_none() {
        return Err(Error::limit(format!(
            "dataset of shape {shape:?} and {esize}-byte elements is larger than the read limit of {} bytes",
            ctx.limits.max_alloc_bytes
        )));
    }
    let mut canon = Vec::new();
    if shape.is_empty() || shape.iter().product::<u64>() == 0 {
        if shape.is_empty() {
            let raw = d.read_raw()?;
            canonical(ctx, t, &raw, &mut canon)?;
            hasher.update(&canon);
        }
    } else {
        // Stream slabs along the first dimension, about 64 MiB at a time.
        let row: u64 = shape[1..]
            .iter()
            .product::<u64>()
            .saturating_mul(esize)
            .max(1);
        let rows_per = ((64u64 << 20) / row).max(1);
        let mut start = 0;
        while start < shape[0] {
            let n = rows_per.min(shape[0] - start);
            let mut sel = Hyperslab::all(&shape);
            sel.start[0] = start;
            sel.count[0] = n;
            let raw = d.read_raw_slice(&sel)?;
            canon.clear();
            canonical(ctx, t, &raw, &mut canon)?;
            hasher.update(&canon);
            start += n;
        }
    }
    let sum = hasher.finalize();
    let mut hex = String::with_capacity(71);
    hex.push_str("sha256:");
    for b in sum {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(Json::Str(hex))
}

/// True when values of `t` hold variable-length strings anywhere.
fn has_vlen_string(t: &Datatype) -> bool {
    match &t.class {
        DatatypeClass::VarLen {
            string: Some(_), ..
        } => true,
        DatatypeClass::Compound { members } => members.iter().any(|m| has_vlen_string(&m.datatype)),
        DatatypeClass::Array { base, .. } | DatatypeClass::Enum { base, .. } => {
            has_vlen_string(base)
        }
        _ => false,
    }
}

/// Appends the canonical bytes of elements `raw` of type `t`.
fn canonical(ctx: &FileCtx, t: &Datatype, raw: &[u8], out: &mut Vec<u8>) -> Result<()> {
    // h5py hashes types holding variable-length strings element by element,
    // and on that path a fixed-length string member of a compound loses its
    // trailing NULs (it is a numpy bytes scalar). The reference dumps carry
    // that behaviour, so the canonical bytes do too.
    let slow = has_vlen_string(t);
    canonical_in(ctx, t, raw, out, slow)
}

fn fixed_string_canonical(e: &[u8], padding: StringPadding, out: &mut Vec<u8>, strip: bool) {
    let size = e.len();
    let start = out.len();
    match padding {
        StringPadding::NullTerminate => {
            let end = e.iter().position(|&b| b == 0).unwrap_or(size);
            out.extend_from_slice(&e[..end]);
            out.resize(start + size, 0);
        }
        StringPadding::SpacePad => {
            let end = e.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
            out.extend_from_slice(&e[..end]);
            out.resize(start + size, 0);
        }
        _ => out.extend_from_slice(e),
    }
    if strip {
        let keep = out[start..]
            .iter()
            .rposition(|&b| b != 0)
            .map_or(0, |p| p + 1);
        out.truncate(start + keep);
    }
}

fn float_canonical(t: &Datatype, e: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let DatatypeClass::FloatingPoint {
        order,
        exponent_size,
        mantissa_size,
        ..
    } = &t.class
    else {
        return Err(Error::wrong_use("not a float"));
    };
    if convert::is_ieee_float(t) {
        match order {
            crate::format::message::datatype::ByteOrder::Little => out.extend_from_slice(e),
            crate::format::message::datatype::ByteOrder::Big => out.extend(e.iter().rev()),
        }
        return Ok(());
    }
    match crate::hl::numpy_float_size(t) {
        4 => out.extend_from_slice(&(convert::decode_float(t, e)? as f32).to_le_bytes()),
        8 => out.extend_from_slice(&convert::decode_float(t, e)?.to_le_bytes()),
        _ => {
            // numpy's longdouble on x86-64 is x87 extended precision in 16
            // bytes. libhdf5 copies an x87 value with its padding bytes as
            // stored; other layouts are converted and padded with zeros.
            if *exponent_size == 15 && *mantissa_size == 64 {
                let start = out.len();
                match order {
                    crate::format::message::datatype::ByteOrder::Little => out.extend_from_slice(e),
                    crate::format::message::datatype::ByteOrder::Big => out.extend(e.iter().rev()),
                }
                out.resize(start + 16, 0);
                return Ok(());
            }
            let x87 = to_x87(t, e, *order, *exponent_size, *mantissa_size).ok_or_else(|| {
                Error::unsupported(
                    0,
                    format!(
                        "digest of a {}-byte float that does not convert to x87 extended precision",
                        t.size
                    ),
                )
            })?;
            out.extend_from_slice(&x87);
            out.extend_from_slice(&[0u8; 6]);
        }
    }
    Ok(())
}

/// Encodes a float with a 15-bit exponent (x87 extended or IEEE quad) as
/// the 10 bytes of x87 extended precision, rounding the mantissa to nearest
/// as libhdf5's conversion does.
fn to_x87(
    t: &Datatype,
    e: &[u8],
    order: crate::format::message::datatype::ByteOrder,
    exponent_size: u8,
    mantissa_size: u8,
) -> Option<[u8; 10]> {
    let DatatypeClass::FloatingPoint {
        sign_location,
        exponent_location,
        mantissa_location,
        exponent_bias,
        ..
    } = &t.class
    else {
        return None;
    };
    if exponent_size != 15 || *exponent_bias != 16383 || e.len() > 16 {
        return None;
    }
    let raw = match order {
        crate::format::message::datatype::ByteOrder::Little => {
            e.iter().rev().fold(0u128, |a, &b| (a << 8) | u128::from(b))
        }
        crate::format::message::datatype::ByteOrder::Big => {
            e.iter().fold(0u128, |a, &b| (a << 8) | u128::from(b))
        }
    };
    let field = |at: u8, n: u32| -> u128 {
        let v = raw >> at;
        if n >= 128 {
            v
        } else {
            v & ((1u128 << n) - 1)
        }
    };
    let sign = field(*sign_location, 1) as u16;
    let mut exp = field(*exponent_location, 15) as u16;
    let msize = u32::from(mantissa_size);
    let man = field(*mantissa_location, msize);
    let mantissa: u64 = if msize == 64 {
        man as u64 // already x87: explicit integer bit
    } else if exp == 0x7fff {
        if man == 0 {
            1 << 63
        } else {
            0xC000_0000_0000_0000
        }
    } else {
        // Implied integer bit: 63 fraction bits in x87.
        let (mut frac, carry) = if msize > 63 {
            let drop = msize - 63;
            let kept = man >> drop;
            let half = 1u128 << (drop - 1);
            let rest = man & ((1u128 << drop) - 1);
            let rounded = kept + u128::from(rest >= half);
            (rounded & ((1u128 << 63) - 1), rounded >> 63)
        } else {
            (man << (63 - msize), 0)
        };
        if carry != 0 {
            exp += 1;
            frac = 0;
        }
        let int_bit: u128 = if exp == 0 { 0 } else { 1 << 63 };
        (int_bit | frac) as u64
    };
    let mut out = [0u8; 10];
    out[..8].copy_from_slice(&mantissa.to_le_bytes());
    out[8..].copy_from_slice(&((sign << 15) | exp).to_le_bytes());
    Some(out)
}

fn canonical_in(
    ctx: &FileCtx,
    t: &Datatype,
    raw: &[u8],
    out: &mut Vec<u8>,
    slow: bool,
) -> Result<()> {
    let size = t.size as usize;
    if size == 0 {
        return Ok(());
    }
    match &t.class {
        DatatypeClass::FixedPoint {
            order,
            precision,
            bit_offset,
            ..
        } => {
            let full = u32::from(*precision) == 8 * t.size && *bit_offset == 0;
            if full
                && (matches!(order, crate::format::message::datatype::ByteOrder::Little)
                    || size == 1)
            {
                out.extend_from_slice(raw);
            } else if full {
                for e in raw.chunks_exact(size) {
                    out.extend(e.iter().rev());
                }
            } else {
                // libhdf5 converts partial-precision integers to full ones.
                for e in raw.chunks_exact(size) {
                    if let Number::Int(v) = convert::decode_number(t, e)? {
                        out.extend_from_slice(&v.to_le_bytes()[..size]);
                    }
                }
            }
        }
        DatatypeClass::Bitfield { order, .. } => {
            if matches!(order, crate::format::message::datatype::ByteOrder::Little) || size == 1 {
                out.extend_from_slice(raw);
            } else {
                for e in raw.chunks_exact(size) {
                    out.extend(e.iter().rev());
                }
            }
        }
        DatatypeClass::FloatingPoint { .. } => {
            for e in raw.chunks_exact(size) {
                float_canonical(t, e, out)?;
            }
        }
        DatatypeClass::Enum { base, .. } => canonical_in(ctx, base, raw, out, false)?,
        DatatypeClass::String { padding, .. } => {
            for e in raw.chunks_exact(size) {
                fixed_string_canonical(e, *padding, out, false);
            }
        }
        DatatypeClass::VarLen {
            string: Some(_), ..
        } => {
            for e in raw.chunks_exact(size) {
                let b = convert::vlen_bytes(ctx, e, 1)?;
                let end = b.iter().position(|&x| x == 0).unwrap_or(b.len());
                out.extend_from_slice(&b[..end]);
                out.push(0);
            }
        }
        DatatypeClass::Array { base, .. } => {
            let slow = slow && has_vlen_string(base);
            canonical_in(ctx, base, raw, out, slow)?
        }
        DatatypeClass::Compound { members } => {
            for e in raw.chunks_exact(size) {
                for m in members {
                    let off = m.offset as usize;
                    let msize = m.datatype.size as usize;
                    let part = e.get(off..off + msize).ok_or_else(|| {
                        Error::malformed(
                            0,
                            format!("compound member {:?} lies outside its element", m.name),
                        )
                    })?;
                    match (&m.datatype.class, slow) {
                        (DatatypeClass::String { padding, .. }, true) => {
                            fixed_string_canonical(part, *padding, out, true)
                        }
                        _ => canonical_in(ctx, &m.datatype, part, out, slow)?,
                    }
                }
            }
        }
        DatatypeClass::Complex { base } => {
            // h5py leaves complex types as they are stored: each part
            // little-endian at its stored size, no conversion.
            let part = base.size as usize;
            let big = matches!(
                &base.class,
                DatatypeClass::FloatingPoint {
                    order: crate::format::message::datatype::ByteOrder::Big,
                    ..
                }
            );
            if part == 0 || !big {
                out.extend_from_slice(raw);
            } else {
                for e in raw.chunks_exact(part) {
                    out.extend(e.iter().rev());
                }
            }
        }
        DatatypeClass::Opaque { .. } | DatatypeClass::Time { .. } => out.extend_from_slice(raw),
        DatatypeClass::Reference { .. } | DatatypeClass::VarLen { string: None, .. } => {
            return Err(Error::unsupported(0, "digest of references or sequences"))
        }
    }
    Ok(())
}

/// An attribute's value as the dump prints it.
fn attr_value(a: &Attribute) -> Result<Json> {
    let Some(shape) = a.shape() else {
        return Ok(Json::Null);
    };
    let t = a.dtype();
    let flat: Vec<Json> = match &t.class {
        DatatypeClass::FixedPoint { .. } | DatatypeClass::FloatingPoint { .. } => a
            .raw_bytes()
            .chunks_exact(t.size.max(1) as usize)
            .map(|e| {
                Ok(match convert::decode_number(t, e)? {
                    Number::Int(i) => Json::Int(i),
                    Number::Float(f) => Json::Float(f),
                })
            })
            .collect::<Result<_>>()?,
        DatatypeClass::Enum { .. } => {
            let bool_type = is_h5py_bool(t);
            a.raw_bytes()
                .chunks_exact(t.size.max(1) as usize)
                .map(|e| {
                    Ok(match convert::decode_number(t, e)? {
                        Number::Int(i) if bool_type => Json::Bool(i != 0),
                        Number::Int(i) => Json::Int(i),
                        Number::Float(f) => Json::Float(f),
                    })
                })
                .collect::<Result<_>>()?
        }
        DatatypeClass::String { .. }
        | DatatypeClass::VarLen {
            string: Some(_), ..
        } => a.read_strings()?.into_iter().map(Json::Str).collect(),
        _ => return Ok(Json::Null),
    };
    if shape.is_empty() {
        return Ok(flat.into_iter().next().unwrap_or(Json::Null));
    }
    // The nested lists have as many nodes as the running products of the
    // leading dimensions: bound them (a zero-size shape like [2, 2^50, 0]
    // has no values but would still ask for 2^51 empty lists).
    let mut nodes = 0u64;
    let mut level = 1u64;
    for &n in &shape[..shape.len() - 1] {
        level = level
            .checked_mul(n)
            .ok_or_else(|| Error::limit("attribute shape overflows"))?;
        nodes = nodes.saturating_add(level);
    }
    if nodes > (flat.len() as u64).saturating_add(1 << 16) {
        return Err(Error::limit(format!(
            "attribute shape {shape:?} needs {nodes} nested lists for {} values",
            flat.len()
        )));
    }
    Ok(nest(&flat, shape))
}

fn nest(flat: &[Json], shape: &[u64]) -> Json {
    match shape {
        [] => flat.first().cloned().unwrap_or(Json::Null),
        [_] => Json::List(flat.to_vec()),
        [n, rest @ ..] => {
            let inner: u64 = rest.iter().product();
            let n = *n as usize;
            let inner = inner as usize;
            Json::List(
                (0..n)
                    .map(|i| nest(flat.get(i * inner..(i + 1) * inner).unwrap_or(&[]), rest))
                    .collect(),
            )
        }
    }
}
