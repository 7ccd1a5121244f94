//! Writes a two-level OverlappingAMR hierarchy level by level, then reads
//! one block back.
//!
//! ```text
//! cargo run --release --example amr [OUT.vtkhdf]
//! ```
//!
//! Level 0 is one 4×4×4-cell block; level 1 (spacing halved) has two
//! blocks, added one at a time so only one block is in memory. The file
//! opens in ParaView or with VTK's `vtkHDFReader`.

use vtkhdf::vtk::amr::{self, AmrBlock, AmrWriter};
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::{File, FileWriter};

/// A block with a cell array `density` and a point array `phi`.
fn block(amr_box: [i32; 6], base: f64) -> vtkhdf::Result<AmrBlock> {
    let mut b = AmrBlock::new(amr_box);
    let cells = b.n_cells()? as usize;
    let points = b.n_points()? as usize;
    b.cell_data = vec![Array::new(
        "density",
        1,
        Values::F64((0..cells).map(|i| base + i as f64).collect()),
    )];
    b.point_data = vec![Array::new(
        "phi",
        1,
        Values::F32((0..points).map(|i| i as f32 * 0.5).collect()),
    )];
    Ok(b)
}

fn main() -> vtkhdf::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "amr_example.vtkhdf".into());

    let file = FileWriter::create(&path)?;
    let mut w = AmrWriter::create_file(&file, [0.0, 0.0, 0.0], &StoreOptions::default())?;
    // Level 0: a whole level at once. Boxes are inclusive cell index bounds
    // [ilo, ihi, jlo, jhi, klo, khi].
    w.add_level([1.0; 3], Some(2), &[block([0, 3, 0, 3, 0, 3], 0.0)?])?;
    // Level 1: blocks one at a time.
    let mut level = w.level([0.5; 3], Some(2))?;
    level.add_block(&block([0, 3, 0, 3, 0, 3], 100.0)?)?;
    level.add_block(&block([4, 7, 4, 7, 4, 7], 200.0)?)?;
    level.finish()?;
    file.close()?;

    // Read back only the second block of level 1.
    let f = File::open(&path)?;
    let b = amr::read_block(&f.group("/VTKHDF")?, 1, 1)?;
    println!("{path}: level 1 block 1 box {:?}", b.amr_box);
    for a in b.cell_data.iter().chain(&b.point_data) {
        println!(
            "  {} ({}, {} tuples): first {:?}",
            a.name,
            a.values.type_name(),
            a.tuples(),
            a.values.slice(0, 3)
        );
    }
    Ok(())
}
