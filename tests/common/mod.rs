//! Helpers shared by the integration tests: running the canonical dump and
//! comparing it with a reference dump object by object.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Dumps `path` with the library, returning the lines, or the error text.
pub fn dump_file(path: &Path) -> Result<String, String> {
    let file = vtkhdf::File::open(path).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    vtkhdf::dump::dump_json(&file, &mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Parses JSON lines into a map from path to object.
pub fn parse_lines(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let mut map = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let path = v
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("line {} has no path", i + 1))?
            .to_string();
        map.insert(path, v);
    }
    Ok(map)
}

/// JSON equality with numbers compared by value.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                return i == j;
            }
            if let (Some(i), Some(j)) = (x.as_u64(), y.as_u64()) {
                return i == j;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(i), Some(j)) => i == j,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Compares our dump with the reference; returns one message per difference.
/// Reference lines carrying `error` (objects libhdf5 cannot read) are skipped.
pub fn compare(ours: &str, reference: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let ours = match parse_lines(ours) {
        Ok(m) => m,
        Err(e) => return vec![format!("our dump is not valid JSON lines: {e}")],
    };
    let theirs = match parse_lines(reference) {
        Ok(m) => m,
        Err(e) => return vec![format!("reference dump is not valid JSON lines: {e}")],
    };
    for (path, r) in &theirs {
        if r.get("error").is_some() {
            continue;
        }
        match ours.get(path) {
            None => diffs.push(format!("{path}: missing from our dump")),
            Some(o) => {
                if !same(o, r) {
                    diffs.push(describe(path, o, r));
                }
            }
        }
    }
    for path in ours.keys() {
        if !theirs.contains_key(path) {
            diffs.push(format!("{path}: in our dump only"));
        }
    }
    diffs
}

fn describe(path: &str, o: &Value, r: &Value) -> String {
    let mut parts = Vec::new();
    if let (Value::Object(a), Value::Object(b)) = (o, r) {
        for (k, v) in b {
            match a.get(k) {
                Some(w) if same(v, w) => {}
                Some(Value::Object(wa)) if k == "attrs" && v.is_object() => {
                    let va = v.as_object().expect("checked");
                    for (name, rv) in va {
                        match wa.get(name) {
                            Some(ov) if same(ov, rv) => {}
                            Some(ov) => parts.push(format!(
                                "attr {name:?}: ours {} / reference {}",
                                short(ov),
                                short(rv)
                            )),
                            None => parts.push(format!("attr {name:?}: missing")),
                        }
                    }
                    for name in wa.keys() {
                        if !va.contains_key(name) {
                            parts.push(format!("attr {name:?}: ours only"));
                        }
                    }
                }
                Some(w) => parts.push(format!("{k}: ours {} / reference {}", short(w), short(v))),
                None => parts.push(format!("{k}: missing (reference {})", short(v))),
            }
        }
        for (k, w) in a {
            if !b.contains_key(k) {
                parts.push(format!("{k}: ours only ({})", short(w)));
            }
        }
    }
    format!("{path}: {}", parts.join("; "))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!("{}...", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

/// The corpus folder from `VTKHDF_CORPUS`; `None` when the variable is unset.
/// Panics when it is set but the folder is missing.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VTKHDF_CORPUS")?;
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "VTKHDF_CORPUS names {}, which is not a folder",
        dir.display()
    );
    Some(dir)
}

/// All files under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}
