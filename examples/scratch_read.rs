fn main() {
    let a: Vec<String> = std::env::args().collect();
    let f = vtkhdf::File::open(&a[1]).unwrap();
    let d = f.dataset(&a[2]).unwrap();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let v: Vec<f64> = d.read().unwrap();
        println!("{:.3} {}", t.elapsed().as_secs_f64(), v[v.len() / 3]);
    }
}
