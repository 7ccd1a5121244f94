#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vtkhdf_fuzz::superblock(data);
});
