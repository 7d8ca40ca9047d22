//! Property tests for what the wire can throw at the engine: arbitrary bytes never panic the
//! frame decoder or the record parser, a frame is only ever reported good when its checksum
//! really matched, and whatever is encoded decodes to the same thing.

use fias::frame::{encode_frame, lrc, Decoder, Token, ETX, STX};
use fias::{FieldId, Message, Record, RecordId};
use proptest::prelude::*;

/// Decodes `bytes` fed in the given chunk sizes.
fn decode(bytes: &[u8], chunks: &[usize]) -> Vec<Token> {
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        d.feed(&rest[..n], &mut out);
        rest = &rest[n..];
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Bytes a record may carry: printable, no '|', no control bytes.
fn data_text() -> impl Strategy<Value = String> {
    "[ -{}~\\u{a0}-\\u{24f}\\u{4e00}-\\u{4e2f}]{0,30}"
}

fn field_id() -> impl Strategy<Value = FieldId> {
    "[A-Z#][A-Z#]".prop_map(|s| FieldId::parse(&s).unwrap())
}

/// A line: good frames, frames with a byte flipped, cut frames and plain noise, in any order.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let frame = proptest::collection::vec(0x20u8..0x7f, 1..40).prop_map(|d| encode_frame(&d));
    let piece = prop_oneof![
        frame.clone(),
        (frame.clone(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut f, i, b)| {
            let i = i.index(f.len());
            f[i] ^= b.max(1);
            f
        }),
        (frame, any::<prop::sample::Index>()).prop_map(|(f, i)| f[..i.index(f.len())].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    proptest::collection::vec(piece, 0..20).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Line noise and damaged frames: never a panic, and a frame said to be good is one that was
    /// really sent whole.
    #[test]
    fn arbitrary_bytes_never_yield_a_frame_with_a_bad_lrc(
        bytes in line(),
        chunks in proptest::collection::vec(1usize..64, 1..8),
    ) {
        for t in decode(&bytes, &chunks) {
            if let Token::Frame { data, lrc_ok: true } = t {
                prop_assert!(contains(&bytes, &encode_frame(&data)), "a good frame that was never sent: {data:?}");
            }
        }
    }

    /// How bytes arrive (one by one or in bursts) does not change what is decoded.
    #[test]
    fn chunking_does_not_change_the_frames(
        bytes in proptest::collection::vec(prop_oneof![any::<u8>(), Just(STX), Just(ETX), Just(0x06u8)], 0..400),
        chunks in proptest::collection::vec(1usize..40, 1..8),
    ) {
        let frames = |tokens: Vec<Token>| -> Vec<Token> {
            tokens.into_iter().filter(|t| !matches!(t, Token::Noise(_))).collect()
        };
        prop_assert_eq!(frames(decode(&bytes, &[bytes.len().max(1)])), frames(decode(&bytes, &chunks)));
    }

    /// A framed record among noise comes out whole and good.
    #[test]
    fn a_frame_round_trips_through_noise(
        text in data_text(),
        before in proptest::collection::vec(any::<u8>().prop_filter("no framing bytes", |b| *b != STX), 0..50),
        chunks in proptest::collection::vec(1usize..16, 1..4),
    ) {
        let data = format!("GI|RN{text}|").into_bytes();
        let mut wire = before.clone();
        wire.extend(encode_frame(&data));
        let tokens = decode(&wire, &chunks);
        prop_assert!(
            tokens.contains(&Token::Frame { data: data.clone(), lrc_ok: true }),
            "{tokens:?} (lrc {})", lrc(&data)
        );
    }

    /// Any bytes between STX and ETX: parsed or refused with a reason, never a panic; what
    /// parses encodes back to a record that parses the same.
    #[test]
    fn the_record_parser_takes_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(rec) = Record::parse(&data) {
            let again = Record::parse(&rec.encode().expect("a parsed record encodes")).expect("and parses again");
            prop_assert_eq!(&again, &rec);
            // Typed messages: decoded or refused, and a decoded one survives its own record.
            if let Ok(msg) = Message::from_record(&rec) {
                prop_assert_eq!(Message::from_record(&msg.to_record()), Ok(msg));
            }
        }
    }

    /// Records built from valid parts encode and decode to themselves.
    #[test]
    fn records_round_trip(
        id in "[A-Z]{2}",
        fields in proptest::collection::vec((field_id(), data_text()), 0..12),
    ) {
        let mut rec = Record::new(RecordId::parse(&id).unwrap());
        for (k, v) in fields {
            rec = rec.with(k, v);
        }
        match rec.encode() {
            Ok(bytes) => prop_assert_eq!(Record::parse(&bytes), Ok(rec)),
            Err(e) => prop_assert!(matches!(e, fias::RecordError::TooLong(_)), "{e}"),
        }
    }
}
