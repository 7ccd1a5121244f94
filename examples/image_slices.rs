//! Writes a 64³ f64 ImageData slice by slice with deflate, so only one z
//! slice is in memory at a time, then reads one slice back.
//!
//! cargo run --release --example image_slices [OUT.vtkhdf]

use vtkhdf::vtk::image::{read_image, read_point_slice, ImageData, ImageWriter};
use vtkhdf::{File, FileWriter};

fn main() -> vtkhdf::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "image_slices.vtkhdf".to_string());
    let n = 64u64;
    let image = ImageData::new([n, n, n], [-1.0; 3], [2.0 / (n - 1) as f64; 3]);
    let field = |x: u64, y: u64, z: u64| {
        let p = |i: u64| -1.0 + 2.0 * i as f64 / (n - 1) as f64;
        let (x, y, z) = (p(x), p(y), p(z));
        (x * x + y * y + z * z).sqrt() + (6.0 * x).sin() * (4.0 * y).cos() * z
    };

    let file = FileWriter::create(&path)?;
    let writer = ImageWriter::create(&file, &image)?;
    let array = writer.add_point_array::<f64>("Field", 1, Some(4))?;
    let mut slice = Vec::with_capacity((n * n) as usize);
    for z in 0..n {
        slice.clear();
        for y in 0..n {
            for x in 0..n {
                slice.push(field(x, y, z));
            }
        }
        array.write_slice(z, &slice)?;
    }
    file.close()?;

    let file = File::open(&path)?;
    let (image, point_arrays, _) = read_image(&file)?;
    let z = n / 2;
    let back: Vec<f64> = read_point_slice(&file, "Field", z)?;
    assert_eq!(back.len() as u64, n * n);
    assert_eq!(back[(3 * n + 5) as usize], field(5, 3, z));
    println!(
        "{path}: extent {:?}, point arrays {point_arrays:?}; slice z={z}: {} values, min {:.4}, max {:.4}",
        image.extent,
        back.len(),
        back.iter().copied().fold(f64::INFINITY, f64::min),
        back.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    Ok(())
}
