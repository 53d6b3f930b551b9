"""kazoo (the Python client) against zk-server: the client, watches, transactions and a few
recipes. Run by tests/kazoo.rs with the connect string as the only argument."""

import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NotEmptyError

WAIT = 20  # seconds: a bound on a hang, not a performance claim


def main(hosts):
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=WAIT)

    # Data and Stat.
    zk.ensure_path("/kazoo/app")
    zk.create("/kazoo/app/node", b"one")
    data, stat = zk.get("/kazoo/app/node")
    assert (data, stat.version) == (b"one", 0), (data, stat)
    stat = zk.set("/kazoo/app/node", b"two", version=0)
    assert stat.version == 1, stat
    try:
        zk.set("/kazoo/app/node", b"three", version=0)
        raise AssertionError("a stale version must fail")
    except BadVersionError:
        pass
    try:
        zk.delete("/kazoo/app")
        raise AssertionError("a parent with children must not be deleted")
    except NotEmptyError:
        pass
    seq = zk.create("/kazoo/app/seq-", b"", sequence=True)
    assert seq == "/kazoo/app/seq-0000000001", seq
    assert sorted(zk.get_children("/kazoo/app")) == ["node", "seq-0000000001"]

    # Watches: a data watch fires on change, a children watch on a new child.
    changed = threading.Event()
    seen = []

    @zk.DataWatch("/kazoo/app/node")
    def on_data(data, stat):
        seen.append(data)
        if data == b"four":
            changed.set()

    kids = threading.Event()

    @zk.ChildrenWatch("/kazoo/app")
    def on_children(children):
        if "late" in children:
            kids.set()

    zk.set("/kazoo/app/node", b"four")
    zk.create("/kazoo/app/late", b"")
    assert changed.wait(WAIT), seen
    assert kids.wait(WAIT)

    # A transaction, all or nothing.
    tx = zk.transaction()
    tx.create("/kazoo/app/tx", b"")
    tx.check("/kazoo/app/node", 99)
    results = tx.commit()
    assert isinstance(results[1], BadVersionError), results
    assert zk.exists("/kazoo/app/tx") is None

    # Ephemerals go with their session.
    other = KazooClient(hosts=hosts, timeout=10)
    other.start(timeout=WAIT)
    other.create("/kazoo/app/eph", b"", ephemeral=True)
    gone = threading.Event()

    def on_gone(event):
        gone.set()

    assert zk.exists("/kazoo/app/eph", watch=on_gone) is not None
    other.stop()
    other.close()
    assert gone.wait(WAIT)
    try:
        zk.get("/kazoo/app/eph")
        raise AssertionError("the ephemeral must be gone")
    except NoNodeError:
        pass

    # Recipes: a lock, a counter.
    lock = zk.Lock("/kazoo/lock", "me")
    assert lock.acquire(timeout=WAIT)
    assert len(lock.contenders()) == 1
    lock.release()
    counter = zk.Counter("/kazoo/counter")
    counter += 5
    counter -= 2
    assert counter.value == 3, counter.value

    zk.stop()
    zk.close()
    print("kazoo: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
