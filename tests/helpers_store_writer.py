"""Writer process for tests/test_durability.py. Usage: python helpers_store_writer.py STORE_PATH [server]

With ``server`` the store runs as under the server: group commit (each write acknowledged only after
``store.sync()``) and compaction folded in the background.

It writes until it is killed. Each op is one transaction that also updates a counter doc
("counter", 1) = {"inserted": I, "deleted": D}, so a reopened store can show whether any
transaction was only half applied. "ready" is printed once the store is open; after that, a line
reaches stdout only after the store call has returned:
    ok ins <id> <n>    the vm <id> with payload n is stored
    try del <id>       a delete is starting (it may or may not commit if we are killed now)
    ok del <id>        the delete is committed
The newest vm is never deleted. So ids are never reused, and the max id always equals I.
"""

import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from abiquo_mock.mockserver.store import Store


class EagerStore(Store):
    # Compact far more often than the real store does, so that the kills also land inside compaction.
    def _compaction_due(self) -> bool:
        return self._journal_records >= 40


def main(path: str, mode: str = "") -> None:
    store = EagerStore(path)  # fsync on, as in production
    if mode == "server":
        store.defer_sync()
        store.fold_in_background()
    rng = random.Random()
    counter = dict(store.get("counter", 1) or {"inserted": 0, "deleted": 0})
    alive = [doc["id"] for doc in store.all("vms")]
    print("ready", flush=True)
    while True:
        if len(alive) > 3 and rng.random() < 0.2:
            victim = alive.pop(rng.randrange(len(alive) - 1))  # anything but the newest
            print(f"try del {victim}", flush=True)
            with store.transaction():
                store.delete("vms", victim)
                counter["deleted"] += 1
                store.put("counter", 1, counter)
            store.sync()
            print(f"ok del {victim}", flush=True)
        n = counter["inserted"] + 1
        with store.transaction():
            vm_id = store.insert("vms", {"n": n, "pad": "x" * rng.randrange(400)})
            counter["inserted"] = n
            store.put("counter", 1, counter)
        store.sync()
        alive.append(vm_id)
        print(f"ok ins {vm_id} {n}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
