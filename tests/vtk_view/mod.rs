//! Running VTK's `vtkHDFReader` on files (`tests/vtk_dump.py`) and what it
//! should show for an array written by the crate: the VTK array class, the
//! JSON values and the digest. Shared by the VTKHDF type tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

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

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("VTKHDF_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = crate_dir().join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!("VTKHDF_PYTHON is unset and .venv/bin/python does not exist: a Python with vtk and h5py is needed");
}

pub fn corpus(sub: &str) -> PathBuf {
    let base = std::env::var_os("VTKHDF_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../shared/corpus"));
    let p = base.join("vtkhdf").join(sub);
    assert!(p.exists(), "corpus file {} is missing", p.display());
    p
}

/// A fresh temporary directory `vtkhdf-<test>-<pid>-<name>`.
pub fn temp_dir(name: &str) -> PathBuf {
    let test = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().to_string()))
        .unwrap_or_default();
    let d = std::env::temp_dir().join(format!("vtkhdf-{test}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// VTK's view of each file (`tests/vtk_dump.py --full`), in one Python
/// process; `Err` with the message when VTK cannot read a file.
pub fn vtk_dumps(files: &[PathBuf]) -> Vec<Result<Value, String>> {
    let script = r#"
import sys, io, json, runpy, contextlib
dump = sys.argv[1]
for f in sys.argv[2:]:
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            sys.argv = [dump, f, "--full"]
            runpy.run_path(dump, run_name="__main__")
        out = buf.getvalue().strip().splitlines()
        print(json.dumps({"ok": json.loads(out[-1]) if out else None}))
    except BaseException as e:
        print(json.dumps({"err": repr(e) + " " + buf.getvalue()[-300:]}))
    sys.stdout.flush()
"#;
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(crate_dir().join("tests/vtk_dump.py"))
        .args(files)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), files.len(), "dump output: {text}");
    lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match v.get("ok") {
                Some(Value::Null) | None => Err(v["err"].to_string()),
                Some(d) => {
                    if d.get("error").is_some() {
                        Err(d.to_string())
                    } else {
                        Ok(d.clone())
                    }
                }
            }
        })
        .collect()
}

pub fn vtk_dump(file: &Path) -> Result<Value, String> {
    vtk_dumps(&[file.to_path_buf()]).remove(0)
}
