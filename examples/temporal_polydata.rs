//! Writes a temporal PolyData while "computing": a wave on a fixed grid of
//! quads, one step per iteration, committed after each step so that the
//! file is complete (VTK opens it) whenever the program stops.
//!
//! Run: `cargo run --release --example temporal_polydata -- OUT.vtkhdf [STEPS]`

use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::polydata::{Cells, PolyData, PolyDataStepWriter};
use vtkhdf::vtk::unstructured::points_array;
use vtkhdf::FileWriter;

fn main() -> vtkhdf::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "wave.vtkhdf".into());
    let steps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let n = 32usize;
    let mut pts = Vec::with_capacity(n * n * 3);
    for j in 0..n {
        for i in 0..n {
            pts.extend([i as f64 / (n - 1) as f64, j as f64 / (n - 1) as f64, 0.0]);
        }
    }
    let mut offsets = vec![0];
    let mut conn = Vec::new();
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let p = (j * n + i) as i64;
            conn.extend([p, p + 1, p + n as i64 + 1, p + n as i64]);
            offsets.push(conn.len() as i64);
        }
    }
    let surface = PolyData {
        points: points_array(Values::F64(pts.clone())),
        polys: Cells {
            offsets,
            connectivity: conn,
        },
        ..PolyData::default()
    };
    let file = FileWriter::create(&out)?;
    let mut writer = PolyDataStepWriter::new(file, StoreOptions::deflate(4, true))?;
    for k in 0..steps {
        let t = k as f64 * 0.1;
        let height: Vec<f64> = pts
            .chunks(3)
            .map(|p| (6.0 * (p[0] + p[1]) - 3.0 * t).sin())
            .collect();
        let mut step = surface.clone();
        step.point_data = vec![Array::new("Height", 1, Values::F64(height))];
        step.field_data = vec![Array::new("Iteration", 1, Values::I64(vec![k as i64]))];
        // The geometry equals the previous step's: it is stored once.
        writer.append_step(t, &[step])?;
        println!("step {k} at t = {t:.1} committed");
    }
    writer.close()?;
    println!("{out}: {steps} steps");
    Ok(())
}
