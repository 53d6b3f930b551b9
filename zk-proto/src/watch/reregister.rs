//! Re-registering watches after a reconnect to the same session: SetWatches (101) or
//! SetWatches2 (105) in batches (ZOOKEEPER-706; `docs/protocol.md#setwatches-and-setwatches2`).

use super::{WatchKind, WatchRegistry};
use crate::opcode::OpCode;
use crate::path::Chroot;
use crate::records::{SetWatches, SetWatches2};
use crate::wire::Body;

/// The most path bytes one batch carries. The server's frame limit is about 1 MiB; the Java
/// client keeps each batch near 128 KiB, and so do we (strictly below it, counting the 4-byte
/// length of every string).
pub(crate) const SET_WATCHES_BATCH_BYTES: usize = 128 * 1024;

/// The SetWatches requests that re-register every watch in `registry`, each carrying
/// `relative_zxid` so the server can report changes the client missed.
///
/// A batch without persistent watches is sent as SetWatches (101), which servers older than 3.6
/// understand; one with persistent watches needs SetWatches2 (105).
pub(crate) fn set_watches_batches(
    registry: &WatchRegistry,
    chroot: &Chroot,
    relative_zxid: i64,
) -> Vec<(OpCode, Body)> {
    let mut batches = Vec::new();
    let mut lists: [Vec<String>; 5] = Default::default();
    let mut bytes = 0;
    for kind in WatchKind::ALL {
        for path in registry.paths(kind) {
            let server_path = chroot.to_server(path).into_owned();
            let cost = 4 + server_path.len();
            if bytes > 0 && bytes + cost > SET_WATCHES_BATCH_BYTES {
                batches.push(batch(std::mem::take(&mut lists), relative_zxid));
                bytes = 0;
            }
            bytes += cost;
            lists[kind.index()].push(server_path);
        }
    }
    if bytes > 0 {
        batches.push(batch(lists, relative_zxid));
    }
    batches
}

fn batch(lists: [Vec<String>; 5], relative_zxid: i64) -> (OpCode, Body) {
    let [data, exist, child, persistent, recursive] = lists;
    if persistent.is_empty() && recursive.is_empty() {
        (
            OpCode::SetWatches,
            Body::SetWatches(SetWatches {
                relative_zxid,
                data_watches: data,
                exist_watches: exist,
                child_watches: child,
            }),
        )
    } else {
        (
            OpCode::SetWatches2,
            Body::SetWatches2(SetWatches2 {
                relative_zxid,
                data_watches: data,
                exist_watches: exist,
                child_watches: child,
                persistent_watches: persistent,
                persistent_recursive_watches: recursive,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jute::Record;
    use crate::watch::WatchId;

    #[test]
    fn one_shot_only_uses_set_watches_with_chrooted_paths() {
        let mut r = WatchRegistry::default();
        r.add(WatchId(1), WatchKind::Data, "/");
        r.add(WatchId(2), WatchKind::Exist, "/x");
        let batches = set_watches_batches(&r, &Chroot::new("/app").unwrap(), 7);
        assert_eq!(batches.len(), 1);
        let (op, Body::SetWatches(sw)) = &batches[0] else {
            panic!("{batches:?}")
        };
        assert_eq!(*op, OpCode::SetWatches);
        assert_eq!(sw.relative_zxid, 7);
        assert_eq!(sw.data_watches, ["/app"]);
        assert_eq!(sw.exist_watches, ["/app/x"]);
    }

    #[test]
    fn many_watches_are_split_below_the_batch_limit() {
        let mut r = WatchRegistry::default();
        for i in 0..20_000u64 {
            r.add(
                WatchId(i),
                WatchKind::Child,
                &format!("/some/longer/path/{i:08}"),
            );
        }
        r.add(WatchId(99_999), WatchKind::PersistentRecursive, "/rec");
        let batches = set_watches_batches(&r, &Chroot::none(), 1);
        assert!(batches.len() > 1);
        let mut total = 0;
        for (op, body) in &batches {
            let len = body.encoded_len();
            assert!(len < SET_WATCHES_BATCH_BYTES + 64, "batch of {len} bytes");
            match body {
                Body::SetWatches(sw) => {
                    assert_eq!(*op, OpCode::SetWatches);
                    total += sw.child_watches.len();
                }
                Body::SetWatches2(sw) => {
                    assert_eq!(*op, OpCode::SetWatches2);
                    total += sw.child_watches.len() + sw.persistent_recursive_watches.len();
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(total, 20_001);
        // Only the batch holding the recursive watch needs SetWatches2.
        assert_eq!(
            batches
                .iter()
                .filter(|(op, _)| *op == OpCode::SetWatches2)
                .count(),
            1
        );
        let _ = SetWatches::default().encoded_len();
    }
}
