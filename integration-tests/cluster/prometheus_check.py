#!/usr/bin/env python3
"""The local cluster's Prometheus scrapes every Plexus process: each target is up, and for each
process a Plexus series (its own metrics, not only `up`) can be queried.

    prometheus_check.py PROMETHEUS_PORT CLUSTER_DIR
"""
import json
import sys
import time
import urllib.parse
import urllib.request

port, cluster_dir = int(sys.argv[1]), sys.argv[2]
names = [n.strip() for n in open(f"{cluster_dir}/processes") if n.strip()]
failures = 0


def query(expr):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())["data"]["result"]


# Which series each kind of process must export.
EXPECTED = {
    "clientapi": 'plexus_http_requests_total{{instance_name="{n}",listener="client"}}',
    "roomserver": 'plexus_grpc_server_handled_total{{instance_name="{n}"}}',
    "accountsync": 'plexus_grpc_server_handled_total{{instance_name="{n}"}}',
    "syncapi": 'plexus_db_pool_size{{instance_name="{n}"}}',
    "keyserver": 'plexus_db_pool_size{{instance_name="{n}"}}',
    "media": 'plexus_db_pool_size{{instance_name="{n}"}}',
}

deadline = time.monotonic() + 60
pending = set(names)
while pending and time.monotonic() < deadline:
    for n in sorted(pending):
        kind = n.rsplit("-", 1)[0] if n[-1].isdigit() else n
        expr = EXPECTED.get(kind, 'up{{instance_name="{n}"}}').format(n=n)
        try:
            up = query(f'up{{instance_name="{n}"}}')
            series = query(expr)
        except OSError:
            continue
        if up and up[0]["value"][1] == "1" and series:
            print(f"PASS  prometheus scrapes {n}: {expr} has {len(series)} series", flush=True)
            pending.discard(n)
    if pending:
        time.sleep(1)
for n in sorted(pending):
    print(f"FAIL  prometheus scrapes {n}: target down or no plexus series", flush=True)
    failures += 1
sys.exit(1 if failures else 0)
