//! The writer half of the crash-consistency test (`tests/kill_test.rs`),
//! runnable by hand: it creates FILE, then applies step after step of a
//! deterministic history (groups, attributes, appended chunked datasets),
//! commits after each and prints `committed N`. Kill it at any time; the
//! file then holds commit N (or N + 1).
//!
//! Run: `cargo run --release --example kill_writer -- FILE SEED`

#[allow(dead_code, unused_imports)]
#[path = "../tests/kill_test.rs"]
mod kill_test;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(file), seed) = (args.next(), args.next()) else {
        eprintln!("usage: kill_writer FILE [SEED]");
        std::process::exit(2);
    };
    let seed = seed
        .and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0);
    kill_test::child_main(std::path::Path::new(&file), seed);
}
