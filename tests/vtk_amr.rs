//! `vtkhdf::vtk::amr`: OverlappingAMR written by the crate (static and
//! temporal, level by level or block by block) read back by the crate and
//! by VTK's `vtkHDFReader` (through `tests/vtk_dump.py`), and the h5py
//! corpus files (PythonAMRHDF style, 2.2 and 2.3 temporal names) read by the
//! crate, written back and read by VTK again with identical results.

mod vtk_view;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use vtk_view::{check_array, corpus, python, temp_dir, vtk_dump, vtk_dumps};
use vtkhdf::vtk::amr::{
    self, AmrBlock, AmrLevel, AmrReader, AmrStepWriter, AmrWriter, OverlappingAmr,
};
use vtkhdf::vtk::array::{Array, StoreOptions, Values};
use vtkhdf::vtk::Series;
use vtkhdf::{File, FileWriter};

// ---------------------------------------------------------------------------
// Running VTK and comparing its view
// ---------------------------------------------------------------------------

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn f64s(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap()
}

/// Checks VTK's view of one AMR data set against what was written: origin,
/// per level the spacing and per block the box, the block's origin,
/// spacing and extent, and every point and cell array (VTK adds
/// `vtkGhostType` to the cell data).
fn check_amr(ctx: &str, got: &Value, a: &OverlappingAmr) {
    assert_eq!(got["class"], "vtkOverlappingAMR", "{ctx}");
    // The top-level origin is checked through every block's origin
    // (vtk_dump.py's `origin` of a vtkOverlappingAMR is not a number list).
    let levels = got["levels"].as_array().unwrap();
    assert_eq!(levels.len(), a.levels.len(), "{ctx}: levels");
    for (l, (gl, al)) in levels.iter().zip(&a.levels).enumerate() {
        let ctx = format!("{ctx} level {l}");
        assert_eq!(f64s(&gl["spacing"]), al.spacing.to_vec(), "{ctx}: spacing");
        let blocks = gl["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), al.blocks.len(), "{ctx}: blocks");
        for (b, (gb, ab)) in blocks.iter().zip(&al.blocks).enumerate() {
            let ctx = format!("{ctx} block {b}");
            let bx = ab.amr_box;
            let want_box = vec![bx[0], bx[2], bx[4], bx[1], bx[3], bx[5]];
            let got_box: Vec<i32> = serde_json::from_value(gb["box"].clone()).unwrap();
            assert_eq!(got_box, want_box, "{ctx}: box");
            let d = &gb["data"];
            let org = f64s(&d["origin"]);
            for i in 0..3 {
                let want = a.origin[i] + f64::from(bx[2 * i]) * al.spacing[i];
                assert!(close(org[i], want), "{ctx}: block origin {org:?}");
            }
            assert_eq!(
                f64s(&d["spacing"]),
                al.spacing.to_vec(),
                "{ctx}: block spacing"
            );
            let ext: Vec<i64> = serde_json::from_value(d["extent"].clone()).unwrap();
            let cells = amr::box_cells(&bx).unwrap();
            assert_eq!(
                ext,
                vec![0, cells[0] as i64, 0, cells[1] as i64, 0, cells[2] as i64],
                "{ctx}: extent"
            );
            let pd = d["point_data"].as_object().unwrap();
            assert_eq!(pd.len(), ab.point_data.len(), "{ctx}: point arrays {pd:?}");
            for arr in &ab.point_data {
                check_array(&format!("{ctx} point {}", arr.name), &pd[&arr.name], arr);
            }
            let cd = d["cell_data"].as_object().unwrap();
            let extra = usize::from(!ab.cell_data.iter().any(|c| c.name == "vtkGhostType"));
            assert_eq!(
                cd.len(),
                ab.cell_data.len() + extra,
                "{ctx}: cell arrays {cd:?}"
            );
            assert!(
                cd.contains_key("vtkGhostType"),
                "{ctx}: VTK adds vtkGhostType"
            );
            for arr in &ab.cell_data {
                if arr.name != "vtkGhostType" {
                    check_array(&format!("{ctx} cell {}", arr.name), &cd[&arr.name], arr);
                }
            }
        }
    }
}

fn check_series(got: &Value, s: &Series<OverlappingAmr>) {
    match &s.times {
        None => {
            assert_eq!(got["times"], Value::Null);
            check_amr("static", &got["data"], &s.steps[0]);
        }
        Some(times) => {
            let t = f64s(&got["times"]);
            assert_eq!(t.len(), times.len());
            for (a, b) in t.iter().zip(times) {
                assert!(close(*a, *b), "times {t:?} {times:?}");
            }
            let steps = got["steps"].as_array().unwrap();
            assert_eq!(steps.len(), s.steps.len());
            for (i, (g, a)) in steps.iter().zip(&s.steps).enumerate() {
                check_amr(&format!("step {i}"), &g["data"], a);
            }
        }
    }
}

fn read(path: &Path) -> Series<OverlappingAmr> {
    amr::read_file(&File::open(path).unwrap()).unwrap()
}

fn write(path: &Path, s: &Series<OverlappingAmr>) {
    let f = FileWriter::create(path).unwrap();
    amr::write_file(&f, s, &StoreOptions::default()).unwrap();
    f.close().unwrap();
}

fn root_attr_i64(path: &Path, group: &str, name: &str) -> Vec<i64> {
    File::open(path)
        .unwrap()
        .group(group)
        .unwrap()
        .attr(name)
        .unwrap()
        .read()
        .unwrap()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Random values of type number `kind` (0..10).
fn random_values(r: &mut Rng, kind: u64, n: usize) -> Values {
    let mut ints = |lo: i64, hi: i64| (0..n).map(|_| r.range(lo, hi)).collect::<Vec<i64>>();
    match kind {
        0 => Values::I8(ints(-128, 127).into_iter().map(|x| x as i8).collect()),
        1 => Values::U8(ints(0, 255).into_iter().map(|x| x as u8).collect()),
        2 => Values::I16(ints(-32768, 32767).into_iter().map(|x| x as i16).collect()),
        3 => Values::U16(ints(0, 65535).into_iter().map(|x| x as u16).collect()),
        4 => Values::I32(
            ints(i32::MIN as i64, i32::MAX as i64)
                .into_iter()
                .map(|x| x as i32)
                .collect(),
        ),
        5 => Values::U32(
            ints(0, u32::MAX as i64)
                .into_iter()
                .map(|x| x as u32)
                .collect(),
        ),
        6 => Values::I64((0..n).map(|_| r.next() as i64).collect()),
        7 => Values::U64((0..n).map(|_| r.next()).collect()),
        8 => Values::F32((0..n).map(|_| (r.unit() * 200.0 - 100.0) as f32).collect()),
        _ => Values::F64((0..n).map(|_| r.unit() * 2e6 - 1e6).collect()),
    }
}

/// (name, type, components) of a level's arrays.
type Sig = Vec<(String, u64, usize)>;

fn random_sig(r: &mut Rng, prefix: &str) -> Sig {
    (0..r.below(3))
        .map(|i| (format!("{prefix}{i}"), r.below(10), 1 + r.below(3) as usize))
        .collect()
}

fn random_block(r: &mut Rng, extent: i64, point: &Sig, cell: &Sig, marker: bool) -> AmrBlock {
    let mut bx = [0i32; 6];
    for a in 0..3 {
        let size = r.range(1, 4);
        let lo = r.range(-2, extent - size);
        bx[2 * a] = lo as i32;
        bx[2 * a + 1] = (lo + size - 1) as i32;
    }
    let mut b = AmrBlock::new(bx);
    let (np, nc) = amr::box_sizes(&bx).unwrap();
    let mk = |r: &mut Rng, sig: &Sig, n: u64| -> Vec<Array> {
        sig.iter()
            .map(|(name, kind, comp)| {
                let mut a = Array::new(
                    name.clone(),
                    *comp,
                    random_values(r, *kind, n as usize * comp),
                );
                if marker && *comp == 1 {
                    a.attribute = Some("Scalars".into());
                }
                a
            })
            .collect()
    };
    b.point_data = mk(r, point, np);
    b.cell_data = mk(r, cell, nc);
    b
}

struct LevelPlan {
    spacing: [f64; 3],
    extent: i64,
    point: Sig,
    cell: Sig,
    marker: bool,
}

fn random_plan(r: &mut Rng) -> ([f64; 3], Vec<LevelPlan>) {
    let origin = [
        r.range(-8, 8) as f64 * 0.25,
        r.range(-8, 8) as f64 * 0.5,
        r.range(-4, 4) as f64,
    ];
    let base = [0.5, 1.0, 0.25].map(|s| s * (1 + r.below(2)) as f64);
    let marker = r.below(4) == 0;
    // Every level has the same arrays: VTK reads on every level only the
    // arrays of Level0 (see `vtk_shows_level0_arrays_only`).
    let point = random_sig(r, "p");
    let cell = random_sig(r, "c");
    let plans = (0..1 + r.below(3) as usize)
        .map(|l| LevelPlan {
            spacing: base.map(|s| s / f64::from(1u32 << l)),
            extent: 6i64 << l,
            point: point.clone(),
            cell: cell.clone(),
            marker,
        })
        .collect();
    (origin, plans)
}

fn random_step(r: &mut Rng, origin: [f64; 3], plans: &[LevelPlan]) -> OverlappingAmr {
    OverlappingAmr {
        origin,
        levels: plans
            .iter()
            .enumerate()
            .map(|(l, p)| AmrLevel {
                spacing: p.spacing,
                refinement_ratio: (l > 0 || r.below(2) == 0).then_some(2),
                blocks: (0..1 + r.below(3))
                    .map(|_| random_block(r, p.extent, &p.point, &p.cell, p.marker))
                    .collect(),
                field_data: Vec::new(),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Corpus (h5py-written files; VTK's writer does not write AMR)
// ---------------------------------------------------------------------------

const CORPUS_OK: [&str; 4] = [
    "amr_static.vtkhdf",
    "amr_pythonamrhdf_style_v1_0.vtkhdf",
    "amr_temporal_v2_2_names.vtkhdf",
    "amr_temporal_v2_3_names.vtkhdf",
];

#[test]
fn corpus_round_trip() {
    let dir = temp_dir("corpus");
    let mut files = Vec::new();
    for name in CORPUS_OK {
        let src = corpus(&format!("h5py/{name}"));
        let dst = dir.join(name);
        let s = read(&src);
        write(&dst, &s);
        assert_eq!(read(&dst), s, "{name}: crate copy differs");
        if s.is_temporal() {
            assert_eq!(root_attr_i64(&dst, "/VTKHDF", "Version"), vec![2, 3]);
            // 2.3 names, exactly NSteps entries.
            let f = File::open(&dst).unwrap();
            for l in 0..s.steps[0].levels.len() {
                for d in [
                    "NumberOfAMRBoxes",
                    "AMRBoxOffsets",
                    "PointDataOffsets/phi",
                    "CellDataOffsets/rho",
                ] {
                    let ds = f.dataset(&format!("/VTKHDF/Steps/Level{l}/{d}")).unwrap();
                    assert_eq!(ds.shape(), &[s.steps.len() as u64], "{name} {d}");
                }
            }
        } else {
            assert_eq!(root_attr_i64(&dst, "/VTKHDF", "Version"), vec![2, 0]);
        }
        files.push(src);
        files.push(dst);
    }
    let dumps = vtk_dumps(&files);
    for (k, pair) in dumps.chunks(2).enumerate() {
        let a = pair[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", CORPUS_OK[k]));
        let b = pair[1]
            .as_ref()
            .unwrap_or_else(|e| panic!("copy of {}: {e}", CORPUS_OK[k]));
        assert_eq!(
            a, b,
            "{}: VTK sees the crate copy differently",
            CORPUS_OK[k]
        );
        check_series(a, &read(&files[2 * k]));
    }
}

#[test]
fn corpus_contents() {
    let s = read(&corpus("h5py/amr_static.vtkhdf"));
    let a = &s.steps[0];
    assert_eq!(a.origin, [0.0; 3]);
    assert_eq!(a.levels.len(), 2);
    assert_eq!(a.levels[1].spacing, [0.5; 3]);
    assert_eq!(a.levels[1].blocks.len(), 2);
    let b = &a.levels[1].blocks[1];
    assert_eq!(b.point_data[0].name, "phi");
    assert!(matches!(b.point_data[0].values, Values::F32(_)));
    assert_eq!(b.point_data[0].tuples() as u64, b.n_points().unwrap());
    let p = read(&corpus("h5py/amr_pythonamrhdf_style_v1_0.vtkhdf"));
    let l = &p.steps[0].levels;
    assert_eq!(p.steps[0].origin, [-2.0, -2.0, 0.0]);
    assert_eq!(l[0].refinement_ratio, Some(2));
    assert_eq!(l[1].spacing, [0.25; 3]);
    let names: Vec<&str> = l[1].blocks[0]
        .cell_data
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["Centroid", "Gaussian-Pulse", "vtkGhostType"]);
    assert_eq!(l[1].blocks[0].cell_data[0].components, 3);
    // 2.2 and 2.3 names give the same data, whatever the Version says.
    let t22 = read(&corpus("h5py/amr_temporal_v2_2_names.vtkhdf"));
    let t23 = read(&corpus("h5py/amr_temporal_v2_3_names.vtkhdf"));
    let t22b = read(&corpus("h5py/amr_temporal_v2_2_names_but_v2_3.vtkhdf"));
    assert_eq!(t22, t23);
    assert_eq!(t22b, t23);
    assert_eq!(t23.times, Some(vec![0.0, 2.0]));
    assert_eq!(t23.steps[1].levels[1].blocks[0].amr_box, [0, 3, 0, 3, 0, 3]);
    assert_eq!(
        t23.steps[1].levels[1].blocks[0].cell_data[0]
            .values
            .to_f64()[0],
        1128.0
    );
}

#[test]
fn corpus_2_2_names_with_version_2_3_made_readable() {
    // VTK refuses 2.2 names under Version 2.3; the crate reads them and
    // writes 2.3 names, which VTK reads as the 2.3-named original.
    let dir = temp_dir("v22");
    let bad = corpus("h5py/amr_temporal_v2_2_names_but_v2_3.vtkhdf");
    let good = corpus("h5py/amr_temporal_v2_3_names.vtkhdf");
    let dst = dir.join("fixed.vtkhdf");
    write(&dst, &read(&bad));
    let d = vtk_dumps(&[bad, good, dst]);
    let failed = match &d[0] {
        Err(_) => true,
        Ok(v) => v["steps"][0]["data"]["levels"][0]["blocks"]
            .as_array()
            .is_none_or(|b| b.is_empty()),
    };
    assert!(
        failed,
        "VTK now reads 2.2 names under Version 2.3: {:?}",
        d[0]
    );
    assert_eq!(d[1].as_ref().unwrap(), d[2].as_ref().unwrap());
}

// ---------------------------------------------------------------------------
// Written by the crate
// ---------------------------------------------------------------------------

fn two_levels() -> OverlappingAmr {
    let block = |bx: [i32; 6], seed: f64| {
        let mut b = AmrBlock::new(bx);
        let (np, nc) = amr::box_sizes(&bx).unwrap();
        b.point_data = vec![Array::new(
            "phi",
            1,
            Values::F32((0..np).map(|i| i as f32 + seed as f32).collect()),
        )];
        b.cell_data = vec![
            Array::new(
                "rho",
                1,
                Values::F64((0..nc).map(|i| i as f64 * seed).collect()),
            ),
            Array::new(
                "vel",
                3,
                Values::I16((0..nc * 3).map(|i| i as i16 - 7).collect()),
            ),
        ];
        b
    };
    OverlappingAmr {
        origin: [1.0, -2.0, 0.5],
        levels: vec![
            AmrLevel {
                spacing: [1.0, 1.0, 2.0],
                refinement_ratio: Some(2),
                blocks: vec![block([0, 3, 0, 3, 0, 1], 1.0)],
                field_data: vec![Array::new("level_info", 1, Values::I32(vec![7, 8]))],
            },
            AmrLevel {
                spacing: [0.5, 0.5, 1.0],
                refinement_ratio: Some(2),
                blocks: vec![
                    block([0, 1, 0, 3, 0, 1], 2.0),
                    block([4, 7, 2, 5, 1, 3], 3.0),
                ],
                field_data: Vec::new(),
            },
        ],
    }
}

#[test]
fn static_level_by_level_and_block_by_block() {
    let dir = temp_dir("static");
    let a = two_levels();
    // Whole levels.
    let p1 = dir.join("levels.vtkhdf");
    write(&p1, &Series::single(a.clone()));
    // Block by block.
    let p2 = dir.join("blocks.vtkhdf");
    {
        let f = FileWriter::create(&p2).unwrap();
        let mut w = AmrWriter::create_file(&f, a.origin, &StoreOptions::deflate(3, true)).unwrap();
        for l in &a.levels {
            let mut lw = w.level(l.spacing, l.refinement_ratio).unwrap();
            for b in &l.blocks {
                lw.add_block(b).unwrap();
            }
            lw.set_field_data(&l.field_data).unwrap();
            lw.finish().unwrap();
        }
        f.close().unwrap();
    }
    for p in [&p1, &p2] {
        assert_eq!(read(p), Series::single(a.clone()));
        // What PythonAMRHDF users expect to find.
        assert_eq!(root_attr_i64(p, "/VTKHDF", "Version"), vec![2, 0]);
        assert_eq!(
            root_attr_i64(p, "/VTKHDF/Level1", "RefinementRatio"),
            vec![2]
        );
        let f = File::open(p).unwrap();
        let o: Vec<f64> = f
            .group("/VTKHDF")
            .unwrap()
            .attr("Origin")
            .unwrap()
            .read()
            .unwrap();
        assert_eq!(o, vec![1.0, -2.0, 0.5]);
        let bx = f.dataset("/VTKHDF/Level1/AMRBox").unwrap();
        assert_eq!(bx.shape(), &[2, 6]);
        assert_eq!(vtkhdf::dtype_name(bx.dtype()), "<i4");
        assert_eq!(
            f.dataset("/VTKHDF/Level1/CellData/vel").unwrap().shape(),
            &[16 + 48, 3]
        );
        // Blocks and levels read alone.
        let g = f.group("/VTKHDF").unwrap();
        for (li, l) in a.levels.iter().enumerate() {
            assert_eq!(amr::read_level(&g, li).unwrap(), *l);
            for (bi, b) in l.blocks.iter().enumerate() {
                assert_eq!(amr::read_block(&g, li, bi).unwrap(), *b);
            }
            assert!(amr::read_block(&g, li, l.blocks.len()).is_err());
        }
        assert!(amr::read_level(&g, 2).is_err());
    }
    let d = vtk_dumps(&[p1, p2]);
    check_series(d[0].as_ref().unwrap(), &Series::single(a.clone()));
    assert_eq!(d[0].as_ref().unwrap(), d[1].as_ref().unwrap());
}

#[test]
fn random_static_hierarchies_match_vtk() {
    let dir = temp_dir("random-static");
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let mut files = Vec::new();
    let mut data = Vec::new();
    for k in 0..10 {
        let (origin, plans) = random_plan(&mut r);
        let a = random_step(&mut r, origin, &plans);
        let p = dir.join(format!("amr_{k}.vtkhdf"));
        if k % 2 == 0 {
            write(&p, &Series::single(a.clone()));
        } else {
            let f = FileWriter::create(&p).unwrap();
            let mut w = AmrWriter::create_file(&f, origin, &StoreOptions::default()).unwrap();
            for l in &a.levels {
                let mut lw = w.level(l.spacing, l.refinement_ratio).unwrap();
                for b in &l.blocks {
                    lw.add_block(b).unwrap();
                }
                lw.finish().unwrap();
            }
            f.close().unwrap();
        }
        let s = Series::single(a);
        assert_eq!(read(&p), s, "hierarchy {k}");
        let marked = s.steps[0].levels.iter().any(|l| {
            l.blocks.iter().any(|b| {
                b.point_data
                    .iter()
                    .chain(&b.cell_data)
                    .any(|a| a.attribute.is_some())
            })
        });
        assert_eq!(
            root_attr_i64(&p, "/VTKHDF", "Version"),
            if marked { vec![2, 6] } else { vec![2, 0] }
        );
        files.push(p);
        data.push(s);
    }
    for (k, (d, s)) in vtk_dumps(&files).iter().zip(&data).enumerate() {
        let d = d.as_ref().unwrap_or_else(|e| panic!("hierarchy {k}: {e}"));
        check_series(d, s);
    }
}

#[test]
fn random_temporal_hierarchies_match_vtk() {
    let dir = temp_dir("random-temporal");
    let mut r = Rng(0x7e3a_9b21_0042_77f1);
    let mut files = Vec::new();
    let mut data = Vec::new();
    for k in 0..6 {
        let (origin, plans) = random_plan(&mut r);
        let mut steps: Vec<(f64, OverlappingAmr)> = Vec::new();
        for s in 0..2 + r.below(2) as usize {
            let a = match steps.last() {
                Some((_, prev)) if r.below(3) == 0 => prev.clone(),
                Some((_, prev)) if r.below(2) == 0 => {
                    // Same boxes, new values on one level.
                    let mut a = prev.clone();
                    let fresh = random_step(&mut r, origin, &plans);
                    let l = r.below(a.levels.len() as u64) as usize;
                    a.levels[l] = fresh.levels[l].clone();
                    a
                }
                _ => random_step(&mut r, origin, &plans),
            };
            // Ratios are per level, not per step.
            let mut a = a;
            for l in a.levels.iter_mut() {
                l.refinement_ratio = Some(2);
            }
            steps.push((s as f64 * 0.5 + 1.0, a));
        }
        let p = dir.join(format!("amr_t{k}.vtkhdf"));
        let f = FileWriter::create(&p).unwrap();
        let levels: Vec<([f64; 3], Option<i64>)> =
            plans.iter().map(|p| (p.spacing, Some(2))).collect();
        let mut w =
            AmrStepWriter::create_file(&f, origin, &levels, &StoreOptions::default()).unwrap();
        for (i, (t, a)) in steps.iter().enumerate() {
            w.add_step(*t, a).unwrap();
            f.flush().unwrap();
            // Readable after each flush, with exactly NSteps offsets.
            let now = read(&p);
            assert_eq!(now.steps.len(), i + 1);
            assert_eq!(now.steps[i], *a);
            let rf = File::open(&p).unwrap();
            let n = rf.dataset("/VTKHDF/Steps/Level0/AMRBoxOffsets").unwrap();
            assert_eq!(n.shape(), &[i as u64 + 1]);
        }
        f.close().unwrap();
        let s = Series::temporal(steps);
        assert_eq!(read(&p), s, "series {k}");
        let v = root_attr_i64(&p, "/VTKHDF", "Version");
        assert!(v == vec![2, 3] || v == vec![2, 6], "{v:?}");
        // Single blocks of later steps read alone.
        let rf = File::open(&p).unwrap();
        let rd = AmrReader::open(&rf.group("/VTKHDF").unwrap()).unwrap();
        assert_eq!(rd.n_steps(), s.steps.len());
        let last = s.steps.len() - 1;
        for (li, l) in s.steps[last].levels.iter().enumerate() {
            for (bi, b) in l.blocks.iter().enumerate() {
                assert_eq!(rd.block(last, li, bi).unwrap(), *b);
            }
        }
        files.push(p);
        data.push(s);
    }
    for (k, (d, s)) in vtk_dumps(&files).iter().zip(&data).enumerate() {
        let d = d.as_ref().unwrap_or_else(|e| panic!("series {k}: {e}"));
        check_series(d, s);
    }
}

#[test]
fn unchanged_boxes_are_stored_once() {
    let dir = temp_dir("repeat");
    let p = dir.join("t.vtkhdf");
    let a = two_levels();
    let mut b = a.clone();
    b.levels[1].blocks[0].cell_data[0].values = Values::F64(vec![5.0; 16]);
    let mut a0 = a.clone();
    a0.levels[0].field_data.clear();
    b.levels[0].field_data.clear();
    let s = Series::temporal([(0.0, a0.clone()), (1.0, a0.clone()), (2.0, b.clone())]);
    write(&p, &s);
    assert_eq!(read(&p), s);
    let f = File::open(&p).unwrap();
    let off = |d: &str| -> Vec<i64> {
        f.dataset(&format!("/VTKHDF/Steps/{d}"))
            .unwrap()
            .read()
            .unwrap()
    };
    assert_eq!(off("Level1/AMRBoxOffsets"), vec![0, 0, 0]);
    assert_eq!(off("Level1/NumberOfAMRBoxes"), vec![2, 2, 2]);
    // Array data are written every step.
    assert_eq!(
        off("Level1/PointDataOffsets/phi"),
        vec![0, 45 + 100, 2 * (45 + 100)]
    );
    assert_eq!(off("Level1/CellDataOffsets/rho"), vec![0, 64, 128]);
    assert_eq!(f.dataset("/VTKHDF/Level1/AMRBox").unwrap().shape(), &[2, 6]);
    check_series(&vtk_dump(&p).unwrap(), &s);
}

#[test]
fn levels_without_blocks_at_some_steps() {
    let dir = temp_dir("empty");
    let p = dir.join("t.vtkhdf");
    let a = two_levels();
    let mut none = a.clone();
    none.levels[1].blocks.clear();
    for l in none.levels.iter_mut().chain(&mut a.clone().levels) {
        l.field_data.clear();
    }
    let mut a = a;
    a.levels[0].field_data.clear();
    none.levels[0].field_data.clear();
    // Level 1 has no blocks at the first step: its offsets start with 0.
    let s = Series::temporal([(0.0, none.clone()), (1.0, a.clone()), (2.0, none.clone())]);
    write(&p, &s);
    assert_eq!(read(&p), s);
    let f = File::open(&p).unwrap();
    let off: Vec<i64> = f
        .dataset("/VTKHDF/Steps/Level1/CellDataOffsets/rho")
        .unwrap()
        .read()
        .unwrap();
    assert_eq!(off, vec![0, 0, 64]);
    check_series(&vtk_dump(&p).unwrap(), &s);
}

#[test]
fn bad_input_is_refused() {
    let dir = temp_dir("bad");
    let f = FileWriter::create(dir.join("w.vtkhdf")).unwrap();
    let g = f.root().create_group_tracked("A").unwrap();
    let mut w = AmrWriter::create(&g, [0.0; 3], &StoreOptions::default()).unwrap();
    // Inverted box.
    assert!(w
        .add_level([1.0; 3], None, &[AmrBlock::new([0, -1, 0, 1, 0, 1])])
        .is_err());
    // Wrong tuple count.
    let mut b = AmrBlock::new([0, 1, 0, 1, 0, 1]);
    b.cell_data
        .push(Array::new("c", 1, Values::F64(vec![1.0; 7])));
    assert!(w.add_level([1.0; 3], None, &[b.clone()]).is_err());
    // Different arrays in one level.
    b.cell_data[0].values = Values::F64(vec![1.0; 8]);
    let mut other = b.clone();
    other.cell_data[0].name = "d".into();
    let mut lw = w.level([1.0; 3], None).unwrap();
    lw.add_block(&b).unwrap();
    assert!(lw.add_block(&other).is_err());
    // Strings are not AMR arrays.
    let mut s = AmrBlock::new([0, 0, 0, 0, 0, 0]);
    s.cell_data
        .push(Array::new("s", 1, Values::Str(vec!["x".into()])));
    assert!(lw.add_block(&s).is_err());
    lw.finish().unwrap();
    // Temporal: spacing or level count changing.
    let a = two_levels();
    let tg = f.root().create_group_tracked("T").unwrap();
    let mut tw = AmrStepWriter::create(
        &tg,
        a.origin,
        &[([1.0, 1.0, 2.0], Some(2))],
        &StoreOptions::default(),
    )
    .unwrap();
    assert!(tw.add_step(0.0, &a).is_err());
    drop(f);

    // Malformed files: wrong AMRBox shape, boxes past the data, short
    // offsets, missing Origin.
    let p = dir.join("lies.vtkhdf");
    let out = Command::new(python())
        .args([
            "-c",
            r#"
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], "w")
def amr(name, box, n=8, origin=True):
    g = f.create_group(name); g.attrs["Version"] = (2, 3); g.attrs["Type"] = np.bytes_("OverlappingAMR")
    if origin: g.attrs["Origin"] = np.zeros(3)
    l = g.create_group("Level0"); l.attrs["Spacing"] = np.ones(3)
    l["AMRBox"] = np.array(box, dtype="i8")
    l["CellData/c"] = np.arange(float(n))
    return g
amr("shape", [[0, 1, 0, 1, 0]])
amr("short", [[0, 1, 0, 1, 0, 1], [0, 1000000, 0, 1000000, 0, 1000000]])
amr("noorigin", [[0, 1, 0, 1, 0, 1]], origin=False)
g = amr("steps", [[0, 1, 0, 1, 0, 1]])
s = g.create_group("Steps"); s.attrs["NSteps"] = 3; s["Values"] = np.arange(3.0)
s["Level0/NumberOfAMRBoxes"] = np.array([1, 1], dtype="i4")
s["Level0/AMRBoxOffsets"] = np.array([0, 0, 5], dtype="i4")
"#,
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = File::open(&p).unwrap();
    let err = |g: &str| amr::read(&r.group(g).unwrap()).unwrap_err().to_string();
    assert!(err("/shape").contains("AMRBox"), "{}", err("/shape"));
    let e = err("/short");
    assert!(e.contains("CellData/c"), "{e}");
    assert!(err("/noorigin").contains("Origin"));
    let rd = AmrReader::open(&r.group("/steps").unwrap()).unwrap();
    assert_eq!(
        rd.block(0, 0, 0).unwrap().cell_data[0].values,
        Values::F64((0..8).map(f64::from).collect())
    );
    let e = rd.level(2, 0).unwrap_err().to_string();
    assert!(e.contains("NumberOfAMRBoxes"), "{e}");
    assert!(rd.level(3, 0).is_err());
}

#[test]
fn vtk_shows_level0_arrays_only() {
    // Measured with vtk 9.7.2: the reader's array selection comes from
    // Level0, so an array only finer levels have is not shown. The crate
    // reads every level's arrays.
    let dir = temp_dir("level0");
    let p = dir.join("t.vtkhdf");
    let mut a = two_levels();
    a.levels[0].field_data.clear();
    for b in a.levels[1].blocks.iter_mut() {
        let n = b.n_cells().unwrap() as usize;
        // Arrays are listed by name, as read.
        b.cell_data
            .insert(0, Array::new("fine_only", 1, Values::U8(vec![1; n])));
    }
    let s = Series::single(a.clone());
    write(&p, &s);
    assert_eq!(read(&p), s);
    let d = vtk_dump(&p).unwrap();
    let cd = d["data"]["levels"][1]["blocks"][0]["data"]["cell_data"]
        .as_object()
        .unwrap();
    assert!(cd.contains_key("rho"));
    assert!(
        !cd.contains_key("fine_only"),
        "VTK now reads arrays Level0 lacks"
    );
}
