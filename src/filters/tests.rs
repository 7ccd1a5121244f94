//! Tests of the whole pipeline: filter order, the filter mask, sizes and
//! limits. Each filter's own tests sit at the bottom of its file.

use super::*;
use alloc::vec;
use proptest::prelude::*;

const DEFLATE_6: FilterStep<'static> = FilterStep {
    id: 1,
    flags: FLAG_OPTIONAL,
    client_data: &[6],
};
const SHUFFLE_8: FilterStep<'static> = FilterStep {
    id: 2,
    flags: FLAG_OPTIONAL,
    client_data: &[8],
};
const FLETCHER: FilterStep<'static> = FilterStep {
    id: 3,
    flags: 0,
    client_data: &[],
};

/// Corpus file test_byteshuffle_compressed_datasets_earliest.hdf5, dataset
/// /float/float64, chunk 0: chunk shape [3, 4] of `<f8`, pipeline shuffle
/// (client data [8]) then deflate (level 9). Values 0, 1, 2, 3, 5, 6, 7, 8,
/// 10, 11, 12, 13.
const CORPUS_SHUFFLE_DEFLATE: [u8; 27] = [
    0x78, 0xda, // zlib header, level 9
    0x63, 0x60, 0xa0, 0x12, 0xf8, 0xc0, 0xc0, 0x21, 0x22, 0x21, 0xa3, 0xa0, 0xa2, 0xa6, 0xa1, 0xc5,
    0x60, 0xef, 0x00, 0x07, 0x00, // deflate data
    0x37, 0x49, 0x04, 0xbc, // Adler-32
];

fn corpus_float64_values() -> Vec<u8> {
    [
        0.0f64, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 10.0, 11.0, 12.0, 13.0,
    ]
    .iter()
    .flat_map(|v| v.to_le_bytes())
    .collect()
}

#[test]
fn filter_ids_and_names() {
    let expected = [
        (1, FilterId::Deflate, "deflate"),
        (2, FilterId::Shuffle, "shuffle"),
        (3, FilterId::Fletcher32, "fletcher32"),
        (4, FilterId::Szip, "szip"),
        (5, FilterId::Nbit, "nbit"),
        (6, FilterId::ScaleOffset, "scaleoffset"),
        (32000, FilterId::Lzf, "lzf"),
        (32004, FilterId::Lz4, "filter-32004"),
        (32008, FilterId::Bitshuffle, "filter-32008"),
        (307, FilterId::Other(307), "filter-307"),
    ];
    for (id, filter, name) in expected {
        assert_eq!(FilterId::from_u16(id), filter);
        assert_eq!(filter.to_u16(), id);
        assert_eq!(filter.name(), name);
    }
}

#[test]
fn decodes_corpus_shuffle_deflate_chunk() {
    let steps = [
        SHUFFLE_8,
        FilterStep {
            client_data: &[9],
            ..DEFLATE_6
        },
    ];
    let out = decode_chunk(&steps, 0, CORPUS_SHUFFLE_DEFLATE.to_vec(), 8, 96, 1 << 20).unwrap();
    assert_eq!(out, corpus_float64_values());
}

#[test]
fn masked_filter_is_skipped() {
    // Corpus file test_compressed_chunked_datasets_earliest.hdf5,
    // /float/float32lzf chunk 0: h5py's LZF could not shrink 8 bytes, so the
    // chunk is stored raw with mask bit 0 set.
    let raw = vec![0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x40]; // 0.0f32, 5.0f32
    let lzf = FilterStep {
        id: 32000,
        flags: FLAG_OPTIONAL,
        client_data: &[4, 261, 8],
    };
    assert_eq!(
        decode_chunk(&[lzf], 1, raw.clone(), 4, 8, 1024).unwrap(),
        raw
    );
    // An unknown filter whose mask bit is set is never needed.
    let szip = FilterStep {
        id: 4,
        flags: FLAG_OPTIONAL,
        client_data: &[],
    };
    assert_eq!(
        decode_chunk(&[szip], 1, raw.clone(), 4, 8, 1024).unwrap(),
        raw
    );
}

#[test]
fn unknown_filter_is_unsupported() {
    for (id, name) in [(4u16, "szip"), (307, "filter-307")] {
        for flags in [0, FLAG_OPTIONAL] {
            let step = FilterStep {
                id,
                flags,
                client_data: &[],
            };
            let err = decode_chunk(&[step], 0, vec![0; 8], 4, 8, 1024).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported);
            assert!(err.message().contains(name), "{err}");
            let err = encode_chunk(&[step], vec![0; 8], 4).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported);
        }
    }
}

#[test]
fn pipeline_order_and_mask_bits() {
    let data: Vec<u8> = (0..4000u32)
        .flat_map(|i| (f64::from(i) * 0.5).to_le_bytes())
        .collect();
    let steps = [SHUFFLE_8, DEFLATE_6, FLETCHER];
    let encoded = encode_chunk(&steps, data.clone(), 8).unwrap();
    assert!(encoded.len() < data.len() / 4);
    let len = data.len();
    assert_eq!(
        decode_chunk(&steps, 0, encoded.clone(), 8, len, len).unwrap(),
        data
    );

    // The same chunk written with shuffle skipped (mask bit 0).
    let without_shuffle = encode_chunk(&[DEFLATE_6, FLETCHER], data.clone(), 8).unwrap();
    assert_eq!(
        decode_chunk(&steps, 0b001, without_shuffle, 8, len, len).unwrap(),
        data
    );

    // Every filter skipped: the stored bytes are the data.
    assert_eq!(
        decode_chunk(&steps, 0b111, data.clone(), 8, len, len).unwrap(),
        data
    );

    // Shuffle undone without having been applied: wrong data, right size.
    let only_deflate = encode_chunk(&[DEFLATE_6], data.clone(), 8).unwrap();
    let wrong = decode_chunk(&[SHUFFLE_8, DEFLATE_6], 0, only_deflate, 8, len, len).unwrap();
    assert_ne!(wrong, data);
}

#[test]
fn wrong_final_size_is_malformed() {
    let steps = [SHUFFLE_8, DEFLATE_6];
    let encoded = encode_chunk(&steps, vec![1; 800], 8).unwrap();
    for chunk_bytes in [792, 808] {
        let err = decode_chunk(&steps, 0, encoded.clone(), 8, chunk_bytes, 1 << 20).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        assert!(
            err.message()
                .contains(&format!("expected {chunk_bytes} bytes")),
            "{err}"
        );
    }
}

#[test]
fn limits_bound_every_stage() {
    // 64 MiB of zeros deflate to a few KiB.
    let bomb = encode_chunk(&[DEFLATE_6], vec![0; 64 << 20], 1).unwrap();
    let err = decode_chunk(&[DEFLATE_6], 0, bomb, 1, 4096, 1 << 20).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    // A chunk larger than the limit is refused before any work.
    let err = decode_chunk(&[], 0, vec![0; 16], 1, 16, 8).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
}

#[test]
fn errors_carry_no_offset_until_the_caller_adds_one() {
    let err = decode_chunk(&[FLETCHER], 0, vec![1; 8], 1, 4, 1024).unwrap_err();
    assert_eq!(err.offset(), None);
    assert_eq!(err.at(4096).offset(), Some(4096));
}

#[test]
fn too_many_filters() {
    let steps = vec![FLETCHER; 33];
    assert!(decode_chunk(&steps, 0, vec![0; 8], 1, 8, 1024).is_err());
    assert!(encode_chunk(&steps, vec![0; 8], 1).is_err());
}

#[test]
fn deflate_level_out_of_range() {
    let step = FilterStep {
        client_data: &[10],
        ..DEFLATE_6
    };
    let err = encode_chunk(&[step], vec![0; 8], 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongUse);
    // No client data: the default level.
    let step = FilterStep {
        client_data: &[],
        ..DEFLATE_6
    };
    let encoded = encode_chunk(&[step], vec![3; 100], 1).unwrap();
    assert_eq!(
        decode_chunk(&[step], 0, encoded, 1, 100, 100).unwrap(),
        vec![3; 100]
    );
}

#[test]
fn lzf_lz4_bitshuffle_encode() {
    let data: Vec<u8> = (0..3000u32)
        .flat_map(|i| ((i % 97) as f32 * 0.25).to_le_bytes())
        .collect();
    let len = data.len();
    let steps = [
        FilterStep {
            id: 32008,
            flags: 0,
            client_data: &[0, 4, 4, 0, 2],
        },
        FilterStep {
            id: 32004,
            flags: 0,
            client_data: &[0],
        },
        FilterStep {
            id: 32000,
            flags: FLAG_OPTIONAL,
            client_data: &[4, 261, 12000],
        },
    ];
    for step in steps {
        let encoded = encode_chunk(&[step], data.clone(), 4).unwrap();
        assert!(encoded.len() < len / 2, "{}: {}", step.id, encoded.len());
        assert_eq!(
            decode_chunk(&[step], 0, encoded, 4, len, len).unwrap(),
            data
        );
    }
}

fn any_step() -> impl Strategy<Value = (u16, u32)> {
    prop_oneof![
        (Just(1u16), 0u32..=9),
        (Just(2u16), 0u32..=9),
        Just((3u16, 0u32)),
        Just((32000u16, 0u32)),
        // Tiny lz4 blocks cost 4 bytes each: stacked, they would outgrow
        // the decode limit below.
        (Just(32004u16), prop_oneof![Just(0u32), 64u32..1000]),
    ]
}

proptest! {
    #[test]
    fn encode_decode_round_trip(
        data in proptest::collection::vec(any::<u8>(), 0..4000),
        element_size in 1usize..=16,
        pipeline in proptest::collection::vec(any_step(), 0..4),
    ) {
        let client: Vec<[u32; 1]> = pipeline.iter().map(|&(_, c)| [c]).collect();
        let steps: Vec<FilterStep> = pipeline
            .iter()
            .zip(&client)
            .map(|(&(id, _), client_data)| FilterStep { id, flags: 0, client_data })
            .collect();
        let encoded = encode_chunk(&steps, data.clone(), element_size).unwrap();
        let len = data.len();
        // Stacked deflates of random bytes grow each layer a little.
        let decoded = decode_chunk(&steps, 0, encoded, element_size, len, 2 * len + 1024).unwrap();
        prop_assert_eq!(decoded, data);
    }
}
