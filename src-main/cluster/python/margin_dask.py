#!/usr/bin/env python3
"""Margin's Dask client: runs a list of shard commands as Dask tasks and reports each completion.

Margin (Node) starts this script and talks to it over pipes; the work itself stays in Margin's
engine: each task runs one `node bin/margin.js extract-shard|exact-shard ...` command on a Dask
worker, which writes the shard's result into a folder on storage shared with the workstation and
prints nothing the client needs but its exit status.

    python3 margin_dask.py --scheduler local:2|tcp://host:8786 --tasks tasks.json [--retries 3]
    python3 margin_dask.py --serve-local 2     (a LocalCluster for several runs; see below)

tasks.json: {"tasks": [{"id": 3, "key": "margin-<job>-3", "argv": [...], "result": "/shared/.../shard-000003"}]}
A task succeeds when its command exits 0 and its result path exists; it returns that path.

stdout: one JSON object per line: {"event": "ready", "workers": N, "scheduler": ...},
{"event": "done", "id": 3, "result": path, "worker": addr, "seconds": s},
{"event": "failed", "id": 3, "error": "..."}, then {"event": "finished"}.
stdin: closing it (or the line "cancel") cancels the remaining tasks and shuts a local cluster down.
--serve-local N starts a LocalCluster of N single-threaded worker processes, prints
{"event": "serving", "scheduler": "tcp://127.0.0.1:...", "workers": N} and keeps it until its stdin
closes (Margin's session for a command that makes several runs; also when Margin dies, as the pipe
closes); each run then uses --scheduler with that address.
Only the standard library and Debian's python3-distributed are used.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def run_shard(argv, result, env_extra):
    """Runs on a Dask worker: one shard command. Margin's own engine does the work."""
    import os as _os
    import socket as _socket
    import subprocess as _subprocess
    import time as _time

    t0 = _time.time()
    env = dict(_os.environ)
    env.update(env_extra or {})
    if _os.path.isfile(result) or (_os.path.isdir(result) and _os.path.exists(_os.path.join(result, "manifest.json"))):
        # Already computed (a retry after the result was written, or a second delivery).
        return {"result": result, "seconds": 0.0, "host": _socket.gethostname(), "reused": True}
    p = _subprocess.run(argv, env=env, stdout=_subprocess.DEVNULL, stderr=_subprocess.PIPE)
    if p.returncode != 0:
        tail = p.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError("shard command exited with %s: %s" % (p.returncode, tail.strip()))
    if not _os.path.exists(result):
        raise RuntimeError("shard command succeeded but left no result at %s" % result)
    return {"result": result, "seconds": _time.time() - t0, "host": _socket.gethostname(), "reused": False}


def serve_local(n):
    import logging
    from distributed import LocalCluster
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    emit({"event": "serving", "scheduler": cluster.scheduler_address, "workers": n})
    try:
        sys.stdin.read()
    finally:
        cluster.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheduler", help="local:N (a LocalCluster of N worker processes) or a scheduler address")
    ap.add_argument("--tasks", help="the JSON file listing the shard commands")
    ap.add_argument("--retries", type=int, default=3)
    ap.add_argument("--serve-local", type=int, metavar="N",
                    help="instead: start a LocalCluster of N workers, print its address, keep it until stdin closes")
    args = ap.parse_args()
    if args.serve_local:
        return serve_local(args.serve_local)
    if not args.scheduler or not args.tasks:
        ap.error("--scheduler and --tasks are required")

    with open(args.tasks) as f:
        spec = json.load(f)
    tasks = spec["tasks"]
    env_extra = spec.get("env") or {}

    import logging
    logging.getLogger("distributed").setLevel(logging.ERROR)
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if args.scheduler.startswith("local:"):
        n = int(args.scheduler.split(":", 1)[1])
        if n < 1:
            raise SystemExit("--scheduler local:N needs N >= 1")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    else:
        client = Client(args.scheduler, timeout="30s")
    workers = len(client.scheduler_info().get("workers", {}))
    emit({"event": "ready", "workers": workers, "scheduler": client.scheduler.address})

    stop = threading.Event()

    def watch_stdin():
        for line in sys.stdin:
            if line.strip() == "cancel":
                break
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    futures = {}
    for t in tasks:
        fut = client.submit(run_shard, t["argv"], t["result"], env_extra, key=t["key"], retries=args.retries, pure=False)
        futures[fut] = t["id"]

    pending = set(futures)
    ac = as_completed(list(futures), with_results=False)
    try:
        while pending and not stop.is_set():
            # Poll so that a cancel (stdin closed) is seen within a fraction of a second.
            batch = ac.next_batch(block=False)
            if not batch:
                time.sleep(0.1)
                continue
            for fut in batch:
                pending.discard(fut)
                tid = futures[fut]
                if fut.status == "finished":
                    r = fut.result()
                    who = client.who_has(fut).get(fut.key) or []
                    emit({"event": "done", "id": tid, "result": r["result"], "seconds": r["seconds"],
                          "host": r["host"], "reused": r["reused"], "worker": who[0] if who else None})
                else:
                    try:
                        err = fut.exception()
                    except Exception as e:  # cancelled
                        err = e
                    emit({"event": "failed", "id": tid, "error": str(err)})
        if stop.is_set():
            emit({"event": "cancelled", "remaining": len(pending)})
        else:
            emit({"event": "finished"})
    finally:
        try:
            client.cancel(list(pending), force=True)
        except Exception:
            pass
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
