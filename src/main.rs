//! The `vtkhdf` command-line tool.

use std::io::Write;
use std::process::ExitCode;
use vtkhdf::{dtype_name, File, Object};

const USAGE: &str = "\
vtkhdf: inspect HDF5 and VTKHDF files (pure Rust, no libhdf5)

usage:
  vtkhdf ls FILE            list every object (like h5ls -r): path, kind, dtype, shape
  vtkhdf dump --json FILE   print the canonical JSON dump, one object per line
  vtkhdf demo DIR           write a sample VTKHDF file of each kind into DIR (a wavelet
                            image written slice by slice, an AMR hierarchy, a mixed-cell
                            unstructured grid, a temporal polydata, a composite) and
                            verify each by reading it back
  vtkhdf info FILE          VTKHDF summary: type, version, extents or counts, steps,
                            parts, blocks, arrays with types and ranges
  vtkhdf convert IN OUT [--deflate N] [--shuffle] [--chunk-size ROWS]
                            rewrite a VTKHDF file through the data model
  vtkhdf validate FILE [--json]
                            check FILE against the VTKHDF specification and what VTK's
                            reader accepts; exit 0 when it passes (warnings allowed),
                            1 on any error, 2 when FILE is not readable as HDF5
  vtkhdf repack IN OUT [--deflate N] [--shuffle] [--chunks auto|none|D1,D2,...] [--no-filters]
                            copy every object of IN into a new file OUT; without options
                            each dataset keeps its layout, chunk shape and filters
  vtkhdf --help             this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["ls", file] => ls(file),
        ["dump", "--json", file] | ["dump", file, "--json"] => dump(file),
        ["repack", rest @ ..] => repack(rest),
        ["info", file] => info(file),
        ["convert", rest @ ..] => convert(rest),
        ["validate", file] => return validate(file, false),
        ["validate", "--json", file] | ["validate", file, "--json"] => return validate(file, true),
        ["demo", dir] => demo(dir),
        ["--help"] | ["-h"] | ["help"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vtkhdf: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open(path: &str) -> Result<File, String> {
    File::open(path).map_err(|e| format!("{path}: {e}"))
}

fn dump(path: &str) -> Result<(), String> {
    let file = open(path)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let errors =
        vtkhdf::dump::dump_json_report(&file, &mut out).map_err(|e| format!("{path}: {e}"))?;
    out.flush().map_err(|e| format!("{path}: {e}"))?;
    for e in &errors {
        eprintln!("vtkhdf: {path}: {e}");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path}: {} object(s) could not be read completely (their lines carry \"error\")",
            errors.len()
        ))
    }
}

fn ls(path: &str) -> Result<(), String> {
    let file = open(path)?;
    let root = file.root().map_err(|e| format!("{path}: {e}"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut seen = std::collections::HashSet::new();
    seen.insert(root.address());
    let _ = writeln!(out, "/ group");
    let mut failed = false;
    ls_group(&root, &mut seen, &mut out, &mut failed, 0);
    out.flush().map_err(|e| e.to_string())?;
    if failed {
        Err(format!(
            "{path}: some objects could not be read (see above)"
        ))
    } else {
        Ok(())
    }
}

fn shape_text(shape: Option<&[u64]>) -> String {
    match shape {
        None => "null".into(),
        Some([]) => "scalar".into(),
        Some(s) => format!(
            "{{{}}}",
            s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn ls_group(
    g: &vtkhdf::Group,
    seen: &mut std::collections::HashSet<u64>,
    out: &mut dyn Write,
    failed: &mut bool,
    depth: u32,
) {
    let links = match g.links() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("vtkhdf: {}: {e}", g.path());
            *failed = true;
            return;
        }
    };
    for link in links {
        let path = if g.path() == "/" {
            format!("/{}", link.name)
        } else {
            format!("{}/{}", g.path(), link.name)
        };
        use vtkhdf::format::message::link::LinkTarget;
        match &link.target {
            LinkTarget::Soft { path: t } => {
                let _ = writeln!(out, "{path} soft link -> {t}");
            }
            LinkTarget::External { file, path: t } => {
                let _ = writeln!(out, "{path} external link -> {file}:{t}");
            }
            LinkTarget::UserDefined { link_type, .. } => {
                let _ = writeln!(out, "{path} user-defined link (type {link_type})");
            }
            LinkTarget::Hard { address } => {
                if !seen.insert(*address) {
                    let _ = writeln!(out, "{path} hard link to an object already listed");
                    continue;
                }
                match g.file().object_at(*address, &path) {
                    Ok(Object::Group(sub)) => {
                        let _ = writeln!(out, "{path} group");
                        if depth < 64 {
                            ls_group(&sub, seen, out, failed, depth + 1);
                        }
                    }
                    Ok(Object::Dataset(d)) => {
                        let _ = writeln!(
                            out,
                            "{path} dataset {} {}",
                            dtype_name(d.dtype()),
                            shape_text(d.shape_opt())
                        );
                    }
                    Ok(Object::Datatype(t)) => {
                        let _ = writeln!(out, "{path} datatype {}", dtype_name(&t.datatype));
                    }
                    Err(e) => {
                        eprintln!("vtkhdf: {path}: {e}");
                        *failed = true;
                    }
                }
            }
        }
    }
}

fn repack(args: &[&str]) -> Result<(), String> {
    use vtkhdf::repack::{ChunkChoice, RepackOptions};
    let mut options = RepackOptions::default();
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "--deflate" => {
                let v = it.next().ok_or("--deflate needs a level 0-9")?;
                let level: u32 = v
                    .parse()
                    .map_err(|_| format!("--deflate: {v:?} is not a level 0-9"))?;
                if level > 9 {
                    return Err(format!("--deflate: {level} is not a level 0-9"));
                }
                options.deflate = Some(level);
            }
            "--shuffle" => options.shuffle = true,
            "--no-filters" => options.no_filters = true,
            "--chunks" => {
                let v = *it.next().ok_or("--chunks needs auto, none or D1,D2,...")?;
                options.chunks = match v {
                    "auto" => ChunkChoice::Auto,
                    "none" => ChunkChoice::None,
                    dims => ChunkChoice::Shape(
                        dims.split(',')
                            .map(|d| d.trim().parse::<u64>().ok().filter(|&n| n > 0))
                            .collect::<Option<Vec<u64>>>()
                            .ok_or_else(|| {
                                format!("--chunks: {dims:?} is not auto, none or D1,D2,...")
                            })?,
                    ),
                };
            }
            f if !f.starts_with("--") => files.push(f),
            other => return Err(format!("repack: unknown option {other}")),
        }
    }
    let [input, output] = files.as_slice() else {
        return Err("repack needs IN and OUT".into());
    };
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let mut last = std::time::Instant::now();
    let mut progress = |done: u64, total: u64| {
        if tty && last.elapsed().as_millis() > 200 {
            last = std::time::Instant::now();
            let pct = if total == 0 {
                100.0
            } else {
                done as f64 * 100.0 / total as f64
            };
            eprint!(
                "\rrepack: {pct:5.1}% ({} of {} MiB)",
                done >> 20,
                total >> 20
            );
        }
    };
    let r = vtkhdf::repack::repack(
        std::path::Path::new(input),
        std::path::Path::new(output),
        &options,
        &mut progress,
    );
    if tty {
        eprint!("\r\x1b[K");
    }
    r.map_err(|e| format!("{input}: {e}"))
}

fn info(path: &str) -> Result<(), String> {
    let file = open(path)?;
    let err = |e: vtkhdf::Error| format!("{path}: {e}");
    let (_, header) = vtkhdf::vtk::read_header(&file).map_err(err)?;
    let data = vtkhdf::vtk::data::read_file(&file).map_err(err)?;
    print!("{path}: {}", vtkhdf::vtk::summary::summary(&header, &data));
    Ok(())
}

/// `vtkhdf convert IN OUT [--deflate N] [--shuffle] [--chunk-size ROWS]`:
/// reads IN into the data model and writes it to OUT. OUT is written under
/// a temporary name and renamed when complete, so a failed conversion
/// leaves no partial file.
fn convert(args: &[&str]) -> Result<(), String> {
    let mut paths = Vec::new();
    let mut opts = vtkhdf::vtk::array::StoreOptions::default();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match a {
            "--deflate" => {
                let v = it.next().ok_or("--deflate needs a level 1-9")?;
                let level: u32 = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=9).contains(l))
                    .ok_or_else(|| format!("--deflate: expected a level 1-9, found {v:?}"))?;
                opts.deflate = Some(level);
            }
            "--shuffle" => opts.shuffle = true,
            "--chunk-size" => {
                let v = it.next().ok_or("--chunk-size needs a number of rows")?;
                let rows: u64 = v
                    .parse()
                    .ok()
                    .filter(|&r| r > 0)
                    .ok_or_else(|| format!("--chunk-size: expected rows > 0, found {v:?}"))?;
                opts.chunk_rows = Some(rows);
            }
            s if s.starts_with("--") => return Err(format!("convert: unknown option {s}")),
            p => paths.push(p),
        }
    }
    let [input, output] = paths.as_slice() else {
        return Err("convert: expected IN and OUT".into());
    };
    if opts.shuffle && opts.deflate.is_none() {
        return Err("convert: --shuffle needs --deflate".into());
    }
    let file = open(input)?;
    let data = vtkhdf::vtk::data::read_file(&file).map_err(|e| format!("{input}: {e}"))?;
    let out = std::path::Path::new(output);
    let tmp = out.with_file_name(format!(
        ".{}.part",
        out.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let write = || -> vtkhdf::Result<()> {
        let w = vtkhdf::FileWriter::create(&tmp)?;
        vtkhdf::vtk::data::write_file(&w, &data, &opts)?;
        w.close()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("{output}: {e}"));
    }
    std::fs::rename(&tmp, out).map_err(|e| format!("{output}: {e}"))?;
    println!("{output}: {} written from {input}", data.data_type().name());
    Ok(())
}

fn validate(path: &str, json: bool) -> ExitCode {
    let report = match vtkhdf::vtk::validate::validate(std::path::Path::new(path)) {
        Ok(r) => r,
        Err(e) => {
            if json {
                println!(
                    "{{\"passed\":false,\"unreadable\":{:?}}}",
                    format!("{path}: {e}")
                );
            }
            eprintln!("vtkhdf: {path}: not readable as HDF5: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.to_text());
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn demo(dir: &str) -> Result<(), String> {
    let files =
        vtkhdf::vtk::demo::run_demo(std::path::Path::new(dir)).map_err(|e| format!("demo: {e}"))?;
    for f in &files {
        println!(
            "{}: {} ({})",
            f.path.display(),
            f.what,
            if f.verified {
                "verified by reading it back"
            } else {
                "NOT verified"
            }
        );
    }
    if files.iter().all(|f| f.verified) {
        Ok(())
    } else {
        Err("demo: some files did not read back as written".into())
    }
}
