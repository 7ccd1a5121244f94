//! What VTK's `vtkHDFReader` should show for an array written by the crate,
//! in the terms of `tests/vtk_dump.py`: the VTK array class, the JSON values
//! and the digest. Shared by the VTKHDF type tests.

#![allow(dead_code)]

use serde_json::{json, Value};
use vtkhdf::vtk::array::{Array, Values};

pub fn vtk_class(v: &Values) -> &'static str {
    match v {
        Values::I8(_) => "vtkSignedCharArray",
        Values::U8(_) => "vtkUnsignedCharArray",
        Values::I16(_) => "vtkShortArray",
        Values::U16(_) => "vtkUnsignedShortArray",
        Values::I32(_) => "vtkIntArray",
        Values::U32(_) => "vtkUnsignedIntArray",
        Values::I64(_) => "vtkLongArray",
        Values::U64(_) => "vtkUnsignedLongArray",
        Values::F32(_) => "vtkFloatArray",
        Values::F64(_) => "vtkDoubleArray",
        Values::Str(_) => "vtkStringArray",
    }
}

pub fn json_values(v: &Values) -> Value {
    match v {
        Values::I8(x) => json!(x),
        Values::U8(x) => json!(x),
        Values::I16(x) => json!(x),
        Values::U16(x) => json!(x),
        Values::I32(x) => json!(x),
        Values::U32(x) => json!(x),
        Values::I64(x) => json!(x),
        Values::U64(x) => json!(x),
        Values::F32(x) => json!(x.iter().map(|&f| f as f64).collect::<Vec<_>>()),
        Values::F64(x) => json!(x),
        Values::Str(x) => json!(x),
    }
}

/// `vtk_dump.py`'s digest: SHA-256 of the little-endian bytes, 24 hex digits.
pub fn sha(v: &Values) -> String {
    use sha2::{Digest, Sha256};
    let bytes: Vec<u8> = match v {
        Values::I8(x) => bytemuck::cast_slice(x).to_vec(),
        Values::U8(x) => x.clone(),
        Values::I16(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::U16(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::I32(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::U32(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::I64(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::U64(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::F32(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::F64(x) => x.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Values::Str(_) => Vec::new(),
    };
    format!("{:x}", Sha256::digest(&bytes))[..24].to_string()
}

/// Checks VTK's view of one array against the array written: class,
/// components, tuples, the digest of the values, and the listed values
/// (integers exactly; floats through JSON, so the digest is the exact check).
pub fn check_array(ctx: &str, got: &Value, a: &Array) {
    assert_eq!(got["class"], vtk_class(&a.values), "{ctx}: class");
    assert_eq!(got["components"], a.components, "{ctx}: components");
    assert_eq!(got["tuples"], a.tuples(), "{ctx}: tuples");
    assert_eq!(got["sha"], sha(&a.values), "{ctx}: values digest");
    let want = json_values(&a.values);
    let (g, w) = (got["values"].as_array().unwrap(), want.as_array().unwrap());
    assert_eq!(g.len(), w.len(), "{ctx}: value count");
    for (x, y) in g.iter().zip(w) {
        match (x.as_f64(), y.as_f64(), x.is_f64() || y.is_f64()) {
            (Some(p), Some(q), true) => {
                assert!(
                    (p - q).abs() <= 1e-9 * q.abs().max(1.0),
                    "{ctx}: {p} != {q}"
                )
            }
            _ => assert_eq!(x, y, "{ctx}: values"),
        }
    }
}
