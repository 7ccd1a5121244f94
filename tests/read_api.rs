//! The read API on the golden files: hyperslabs agree with whole reads,
//! numeric conversion agrees with the stored bytes, strings and attributes
//! read as h5py shows them.

use proptest::prelude::*;
use std::path::PathBuf;
use vtkhdf::{File, Hyperslab};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/files")
        .join(name)
}

/// Datasets of every layout and chunk index, at two format versions.
const DATASETS: &[(&str, &str)] = &[
    ("layouts_v200.h5", "/chunk_index/btree_v2"),
    ("layouts_v200.h5", "/chunk_index/extensible_array_filtered"),
    ("layouts_v200.h5", "/chunk_index/fixed_array_filtered"),
    ("layouts_v200.h5", "/chunk_index/fixed_array_paged"),
    ("layouts_v200.h5", "/chunk_index/implicit"),
    ("layouts_v200.h5", "/chunk_index/single"),
    ("layouts_v200.h5", "/compact_f8"),
    ("layouts_v200.h5", "/contiguous_be_f4"),
    ("layouts_v200.h5", "/fill/partial_chunked"),
    ("layouts_v200.h5", "/ndim/d3_deflate"),
    ("layouts_v200.h5", "/ndim/d4_shuffle"),
    ("layouts_earliest.h5", "/ndim/d3_be_u2"),
    ("layouts_earliest.h5", "/filters/shuffle_deflate_fletcher32"),
    ("layouts_earliest.h5", "/fill/partial_deflate"),
];

/// Index of element `idx` (per dimension) in a C-order array of `shape`.
fn linear(idx: &[u64], shape: &[u64]) -> usize {
    idx.iter()
        .zip(shape)
        .fold(0u64, |acc, (&i, &n)| acc * n + i) as usize
}

fn expected_slice(full: &[f64], shape: &[u64], sel: &Hyperslab) -> Vec<f64> {
    let n: u64 = sel.count.iter().product();
    let mut out = Vec::with_capacity(n as usize);
    let rank = shape.len();
    let mut k = vec![0u64; rank];
    for _ in 0..n {
        let idx: Vec<u64> = (0..rank)
            .map(|d| sel.start[d] + k[d] * sel.step[d])
            .collect();
        out.push(full[linear(&idx, shape)]);
        for d in (0..rank).rev() {
            k[d] += 1;
            if k[d] < sel.count[d] {
                break;
            }
            k[d] = 0;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn hyperslab_equals_slice_of_whole_read(which in 0..DATASETS.len(), seeds in proptest::collection::vec((0u64..1000, 0u64..1000, 1u64..4), 4)) {
        let (file, path) = DATASETS[which];
        let ds = File::open(golden(file)).unwrap().dataset(path).unwrap();
        let shape = ds.shape().to_vec();
        let full: Vec<f64> = ds.read().unwrap();
        let mut sel = Hyperslab::all(&shape);
        for (d, &n) in shape.iter().enumerate() {
            let (a, b, step) = seeds[d];
            if n == 0 { continue; }
            let start = a % n;
            let max_count = (n - start).div_ceil(step);
            sel.start[d] = start;
            sel.step[d] = step;
            sel.count[d] = 1 + b % max_count;
        }
        let got: Vec<f64> = ds.read_slice(&sel).unwrap();
        prop_assert_eq!(got, expected_slice(&full, &shape, &sel));
    }
}

#[test]
fn conversion_follows_the_stored_bytes() {
    let f = File::open(golden("layouts_v200.h5")).unwrap();
    let ds = f.dataset("/contiguous_be_f4").unwrap();
    assert_eq!(vtkhdf::dtype_name(ds.dtype()), ">f4");
    let raw = ds.read_raw().unwrap();
    let expected: Vec<f64> = raw
        .chunks_exact(4)
        .map(|b| f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    assert_eq!(ds.read::<f64>().unwrap(), expected);
    let as_f32: Vec<f32> = ds.read().unwrap();
    assert_eq!(
        as_f32.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        expected
    );

    let ds = f.dataset("/contiguous_i4").unwrap();
    let ints: Vec<i32> = ds.read().unwrap();
    let wide: Vec<i64> = ds.read().unwrap();
    let floats: Vec<f64> = ds.read().unwrap();
    assert_eq!(ints.iter().map(|&x| i64::from(x)).collect::<Vec<_>>(), wide);
    assert_eq!(
        ints.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(),
        floats
    );
    let raw = ds.read_raw().unwrap();
    let from_raw: Vec<i32> = raw
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(ints, from_raw);
}

#[test]
fn metadata_of_a_chunked_dataset() {
    let f = File::open(golden("layouts_v200.h5")).unwrap();
    let ds = f.dataset("/filters/shuffle_deflate_fletcher32").unwrap();
    assert_eq!(ds.layout(), vtkhdf::LayoutKind::Chunked);
    let names: Vec<String> = ds
        .filters()
        .iter()
        .map(|x| vtkhdf::filters::FilterId::from_u16(x.id).name())
        .collect();
    assert_eq!(names, ["shuffle", "deflate", "fletcher32"]);
    assert!(ds.chunks().is_some());
    let resized = f.dataset("/resized/empty_unlimited").unwrap();
    assert_eq!(resized.shape(), &[0, 3]);
    assert_eq!(resized.maxshape()[0], None);
    assert!(resized.read::<f32>().unwrap().is_empty());
}

#[test]
fn unwritten_chunks_read_as_the_fill_value() {
    let f = File::open(golden("layouts_v200.h5")).unwrap();
    let ds = f.dataset("/fill/never_written_fill").unwrap();
    let fill = ds
        .fill_value_bytes()
        .expect("a fill value is defined")
        .to_vec();
    let fill = f32::from_le_bytes([fill[0], fill[1], fill[2], fill[3]]);
    let v: Vec<f32> = ds.read().unwrap();
    assert!(v.iter().all(|&x| x == fill), "{v:?} vs fill {fill}");
}

#[test]
fn strings_and_attributes() {
    let f = File::open(golden("layouts_v200.h5")).unwrap();
    let s = f.dataset("/compact_str").unwrap().read_strings().unwrap();
    assert_eq!(s.len(), 3);
    let root = f.root().unwrap();
    let names = root.member_names().unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(root.get("no/such/thing").is_err());
    let e = f.dataset("/fill").unwrap_err();
    assert_eq!(e.kind(), vtkhdf::ErrorKind::WrongUse);
}

#[cfg(feature = "ndarray")]
#[test]
fn ndarray_read_has_the_dataset_shape() {
    let f = File::open(golden("layouts_v200.h5")).unwrap();
    let ds = f.dataset("/ndim/d4_shuffle").unwrap();
    let a = ds.read_array::<f64>().unwrap();
    assert_eq!(a.shape(), &[3, 4, 5, 6]);
    let flat: Vec<f64> = ds.read().unwrap();
    assert_eq!(a.iter().copied().collect::<Vec<_>>(), flat);
}

#[test]
fn same_data_from_a_byte_slice_and_a_file() {
    let path = golden("layouts_earliest.h5");
    let bytes = std::fs::read(&path).unwrap();
    let a = File::open(&path).unwrap();
    let b = File::from_bytes(bytes).unwrap();
    for p in [
        "/ndim/d3_deflate",
        "/filters/shuffle_deflate_fletcher32",
        "/compact_f8",
    ] {
        let x: Vec<f64> = a.dataset(p).unwrap().read().unwrap();
        let y: Vec<f64> = b.dataset(p).unwrap().read().unwrap();
        assert_eq!(x, y, "{p}");
    }
}
