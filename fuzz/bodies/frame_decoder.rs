//! Fuzzes `FrameDecoder`: the input (after a 2-byte header choosing the frame limit and the
//! chunking) is pushed in chunks and drained after every chunk. Besides never panicking, the
//! frames and the error must not depend on the chunking: they are compared with a decoder fed
//! the whole stream at once.
//!
//! Shared with `#[path]`: the cargo-fuzz target `fuzz_targets/frame_decoder.rs` calls
//! [`run`], and so does zk-proto's `tests/fuzz_regressions.rs` on every file of
//! `fuzz/regressions/frame_decoder/` and of the seed corpus.

use zk_proto::frame::{DEFAULT_MAX_FRAME, FrameDecoder, FrameError};

const LIMITS: [usize; 8] = [0, 1, 4, 16, 64, 255, 4096, DEFAULT_MAX_FRAME];

/// Every frame, then the error if the stream turned out invalid.
fn drain(dec: &mut FrameDecoder, frames: &mut Vec<Vec<u8>>) -> Option<FrameError> {
    loop {
        match dec.next_frame() {
            Ok(Some(frame)) => frames.push(frame.to_vec()),
            Ok(None) => return None,
            Err(err) => return Some(err),
        }
    }
}

/// One fuzz input: panics on a bug (the fuzz target and the replay test both call this).
pub(crate) fn run(data: &[u8]) {
    let [limit_sel, chunk_sel, stream @ ..] = data else {
        return;
    };
    let limit = LIMITS[usize::from(limit_sel & 7)];
    // Chunk sizes from a xorshift seeded by the header, in 0..=max (0-byte pushes included).
    let max_chunk = match chunk_sel >> 6 {
        0 => 1,
        1 => 7,
        2 => 64,
        _ => 4096,
    };
    let mut seed = u32::from(*chunk_sel) | (u32::from(*limit_sel) << 8) | 0x9e37_0000;

    let mut chunked = FrameDecoder::new(limit);
    let mut frames = Vec::new();
    let mut error = None;
    let mut rest = stream;
    while !rest.is_empty() {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed as usize % (max_chunk + 1)).min(rest.len());
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        chunked.push(chunk);
        if let Some(err) = drain(&mut chunked, &mut frames) {
            // A poisoned decoder keeps failing and buffers nothing more.
            chunked.push(rest);
            assert_eq!(chunked.buffered(), 0);
            assert_eq!(chunked.next_frame(), Err(err));
            error = Some(err);
            break;
        }
    }
    for frame in &frames {
        assert!(frame.len() <= limit, "frame over the limit");
    }

    let mut whole = FrameDecoder::new(limit);
    whole.push(stream);
    let mut expected = Vec::new();
    let expected_error = drain(&mut whole, &mut expected);
    assert_eq!(frames, expected, "frames depend on the chunking");
    assert_eq!(error, expected_error, "error depends on the chunking");
    if error.is_none() {
        let consumed: usize = frames.iter().map(|f| f.len() + 4).sum();
        assert_eq!(consumed + chunked.buffered(), stream.len());
    }

    // reset() makes the decoder usable again.
    chunked.reset();
    assert_eq!(chunked.buffered(), 0);
    assert_eq!(chunked.next_frame(), Ok(None));
}
