//! The fuzz targets' inputs, replayed in a normal `cargo test`: every file of
//! `fuzz/regressions/<target>/` (inputs that once crashed a target) and of the committed seed
//! corpus `fuzz/corpus/<target>/` goes through the very function the cargo-fuzz target calls,
//! `fuzz/bodies/<target>.rs`, included here with `#[path]`. A crash copied into
//! `fuzz/regressions/` therefore fails this test until the bug is fixed.
//!
//! `seed_corpus_matches_the_vectors` keeps the committed corpus equal to what
//! `fuzz/seed_corpus.rs` builds from `tests/vectors.rs`; with `ZK_FUZZ_WRITE_CORPUS=1` it
//! rewrites the corpus instead.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/bodies/frame_decoder.rs"]
mod frame_decoder;
#[path = "../../fuzz/bodies/reply_decode.rs"]
mod reply_decode;
#[path = "../../fuzz/seed_corpus.rs"]
mod seed_corpus;
#[path = "../../fuzz/bodies/session_handle_data.rs"]
mod session_handle_data;

fn fuzz_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    dir.canonicalize().unwrap_or(dir)
}

/// The inputs in `dir` (sorted; dot files such as `.gitkeep` are not inputs).
fn inputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .filter(|path| !path.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Runs every regression input and seed of `target` through `run`, and fails naming each input
/// that panicked (the panic message itself is printed by the panic hook as it happens).
fn replay(target: &str, run: fn(&[u8])) {
    let fuzz = fuzz_dir();
    let regressions = inputs(&fuzz.join("regressions").join(target));
    let seeds = inputs(&fuzz.join("corpus").join(target));
    assert!(!seeds.is_empty(), "no seed corpus for {target}");
    let mut failed = Vec::new();
    for (path, bytes) in regressions.iter().chain(&seeds) {
        if catch_unwind(AssertUnwindSafe(|| run(bytes))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{target} panics on {} of {} inputs: {failed:#?}",
        failed.len(),
        regressions.len() + seeds.len()
    );
}

#[test]
fn replay_frame_decoder() {
    replay("frame_decoder", frame_decoder::run);
}

#[test]
fn replay_reply_decode() {
    replay("reply_decode", reply_decode::run);
}

#[test]
fn replay_session_handle_data() {
    replay("session_handle_data", session_handle_data::run);
}

#[test]
fn seed_corpus_matches_the_vectors() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors.rs"))
            .expect("tests/vectors.rs");
    let corpus = seed_corpus::seeds(&seed_corpus::vectors(&source));
    let root = fuzz_dir().join("corpus");
    let write = std::env::var_os("ZK_FUZZ_WRITE_CORPUS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (target, seeds) in &corpus {
        let dir = root.join(target);
        let committed: BTreeMap<String, Vec<u8>> = inputs(&dir)
            .into_iter()
            .map(|(path, bytes)| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, bytes)
            })
            .collect();
        if write {
            std::fs::create_dir_all(&dir).expect("corpus directory");
            for name in committed.keys().filter(|name| !seeds.contains_key(*name)) {
                std::fs::remove_file(dir.join(name)).expect("remove an old seed");
            }
            for (name, bytes) in seeds {
                std::fs::write(dir.join(name), bytes).expect("write a seed");
            }
        } else if &committed != seeds {
            stale.push(*target);
        }
    }
    assert!(
        stale.is_empty(),
        "fuzz/corpus/ for {stale:?} is not what fuzz/seed_corpus.rs makes from tests/vectors.rs; \
         regenerate it: ZK_FUZZ_WRITE_CORPUS=1 cargo test -p zk-proto --test fuzz_regressions"
    );
}
