"""kazoo's client and recipes against a ZooKeeper server, printing what it sees.

Run by tests/tests/kazoo.rs against real ZooKeeper and against the embedded zk-server: both
runs must succeed and print the same lines. Only what does not depend on timing or on zxids
is printed (versions, counts, names, error types), so the two outputs are comparable.
"""

import os
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import (BadVersionError, NoNodeError, NodeExistsError,
                              NotEmptyError)
from kazoo.protocol.states import EventType


def say(*args):
    print(*args, flush=True)


zk = KazooClient(hosts=os.environ["ZK_CONNECT"], timeout=10)
zk.start(timeout=15)

# Create, read, update, delete, with versions and errors.
zk.create("/a", b"one")
data, stat = zk.get("/a")
say("get", data.decode(), stat.version, stat.dataLength, stat.numChildren)
stat = zk.set("/a", b"two", version=0)
say("set", stat.version)
for attempt in (lambda: zk.set("/a", b"x", version=0),
                lambda: zk.create("/a"),
                lambda: zk.get("/missing"),
                lambda: zk.delete("/missing")):
    try:
        attempt()
        say("no error")
    except (BadVersionError, NodeExistsError, NoNodeError) as err:
        say("error", type(err).__name__)
zk.create("/a/child", b"")
try:
    zk.delete("/a")
except NotEmptyError as err:
    say("error", type(err).__name__)

# Modes: sequential names from the parent's cversion, ephemerals, makepath.
zk.ensure_path("/seq")
names = [zk.create("/seq/n-", b"", sequence=True) for _ in range(3)]
say("sequential", *[name.rsplit("/", 1)[1] for name in names])
zk.create("/deep/er/still", b"x", makepath=True)
say("children", *sorted(zk.get_children("/deep/er")))
zk.create("/eph", b"", ephemeral=True)
say("ephemeral owner set", zk.exists("/eph").ephemeralOwner != 0)
_, stat = zk.get("/seq")
say("parent", stat.cversion, stat.numChildren)

# A one-shot watch, fired by our own write.
fired = threading.Event()
seen = []


def on_change(event):
    seen.append(event.type)
    fired.set()


zk.get("/a", watch=on_change)
zk.set("/a", b"three")
fired.wait(10)
say("watch", *seen)

# Recipes' watchers: DataWatch and ChildrenWatch call back with the state now and after changes.
versions = []
data_seen = threading.Event()


@zk.DataWatch("/a")
def watch_data(data, stat):
    if stat is not None:
        versions.append(stat.version)
        if len(versions) == 2:
            data_seen.set()


zk.set("/a", b"four")
data_seen.wait(10)
say("datawatch", *versions)

children_seen = threading.Event()
listings = []


@zk.ChildrenWatch("/seq")
def watch_children(children):
    listings.append(len(children))
    if len(listings) == 2:
        children_seen.set()


zk.delete(names[0])
children_seen.wait(10)
say("childrenwatch", *listings)

# A transaction: all or nothing.
tx = zk.transaction()
tx.check("/a", 99)
tx.create("/never")
results = tx.commit()
say("failed transaction", *[type(r).__name__ for r in results], zk.exists("/never") is None)
tx = zk.transaction()
tx.check("/a", 3)
tx.create("/tx", b"")
tx.set_data("/a", b"five")
results = tx.commit()
say("transaction", results[0], results[1], results[2].version)

# Recipes on the server: lock, counter, queue, party, election.
lock = zk.Lock("/lock", "me")
with lock:
    say("lock contenders", *lock.contenders())
counter = zk.Counter("/counter")
counter += 5
counter -= 2
say("counter", counter.value)
queue = zk.Queue("/queue")
for item in (b"b", b"a"):
    queue.put(item)
queue.put(b"urgent", priority=10)
say("queue", *[queue.get().decode() for _ in range(3)], queue.get())
party = zk.Party("/party", "me")
party.join()
say("party", *list(party))
election = zk.Election("/election", "me")
said = []
election.run(lambda: said.append("leading"))
say("election", *said)

zk.delete("/a", recursive=True)
zk.stop()
zk.close()
say("ok")
sys.exit(0)
