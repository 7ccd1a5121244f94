//! Writes an N³ f64 ImageData point array slice by slice with deflate, so
//! only one z slice is in memory at a time, then reads a slice and a box
//! back and prints the process's peak memory (Linux `VmHWM`).
//!
//! cargo run --release --example image_slices [OUT.vtkhdf] [N]
//!
//! N defaults to 64; with N = 512 the array is 1 GiB while the peak memory
//! stays a few slices (2 MiB each) above the program's baseline.

use vtkhdf::vtk::image::{ImageData, ImageReader, ImageWriter};
use vtkhdf::{File, FileWriter};

/// Peak resident memory of this process in KiB (`VmHWM`), if known.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() -> vtkhdf::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "image_slices.vtkhdf".to_string());
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let image = ImageData::new([n, n, n], [-1.0; 3], [2.0 / (n - 1) as f64; 3]);
    let field = |x: u64, y: u64, z: u64| {
        let p = |i: u64| -1.0 + 2.0 * i as f64 / (n - 1) as f64;
        let (x, y, z) = (p(x), p(y), p(z));
        (x * x + y * y + z * z).sqrt() + (6.0 * x).sin() * (4.0 * y).cos() * z
    };
    let before = peak_kib();

    let file = FileWriter::create(&path)?;
    let writer = ImageWriter::create(&file, &image)?;
    // C order: the slice is indexed [y][x], x fastest.
    let array = writer.add_point_array::<f64>("Field", 1, Some(4))?;
    let mut slice = Vec::with_capacity((n * n) as usize);
    for z in 0..array.n_slices() {
        slice.clear();
        for y in 0..n {
            for x in 0..n {
                slice.push(field(x, y, z));
            }
        }
        array.write_slice(z, &slice)?;
    }
    drop(slice);
    file.close()?;
    let after_write = peak_kib();

    let file = File::open(&path)?;
    let reader = ImageReader::open_file(&file)?;
    let z = n / 2;
    let back: Vec<f64> = reader.read_point_slice_as("Field", z)?;
    assert_eq!(back.len() as u64, n * n);
    assert_eq!(back[(3 * n + 5) as usize], field(5, 3, z));
    // A 4×3×2 box in extent coordinates [x0, x1, y0, y1, z0, z1].
    let b: Vec<f64> = reader.read_point_box_as("Field", [5, 8, 3, 5, 1, 2])?;
    assert_eq!(b[0], field(5, 3, 1));
    assert_eq!(b[23], field(8, 5, 2));
    println!(
        "{path}: {n}^3 points, array {:?}; slice z={z}: {} values, min {:.4}, max {:.4}",
        reader.point_arrays(),
        back.len(),
        back.iter().copied().fold(f64::INFINITY, f64::min),
        back.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let mib = |k: Option<u64>| k.map_or("?".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!(
        "peak memory: {} MiB before writing, {} MiB after writing {} MiB of f64 slice by slice \
         (one slice = {:.1} MiB)",
        mib(before),
        mib(after_write),
        n * n * n * 8 / (1 << 20),
        (n * n * 8) as f64 / (1 << 20) as f64,
    );
    Ok(())
}
