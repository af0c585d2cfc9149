#!/usr/bin/env python3
"""Runs `plexus sim` on the two 1,000-node reference graphs (shared/research/graphs) and checks
issue 6's routing targets: delivery >= 99.9 % on a static graph and >= 99 % with 5 % of the
nodes leaving or joining per minute, median stretch <= 1.3, <= 100 routing entries per node,
idle control traffic <= 10 bytes/s per link, a joining node reachable from every other node
within 5 s, and a newcomer that tops a tree's rank disturbing delivery for under 5 s.

usage: sim_check.py PLEXUS_BINARY [GRAPH_DIR]
The simulator is deterministic: the same build gives the figures in docs/overlay-results.md.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

TARGETS = [
    # key, comparison, bound
    ("delivery_ratio", ">=", 0.999),
    ("churn_delivery_ratio", ">=", 0.99),
    ("median_stretch", "<=", 1.3),
    ("max_routing_entries", "<=", 100),
    ("control_bytes_per_link_per_second", "<=", 10.0),
    ("join_convergence_seconds", "<=", 5.0),
    ("newcomer_disrupted_seconds", "<", 5),
]
REQUIRED = ["delivery_ratio", "median_stretch", "p99_stretch", "max_routing_entries",
            "mean_routing_entries", "control_bytes_per_link_per_second",
            "join_convergence_seconds"]


def main():
    plexus = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    graphs = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "..", "shared",
                                                                 "research", "graphs")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        # The same graphs come from the generators when the files are not beside the repository
        # (the simulator's unit tests check that they are byte for byte the same edges).
        for name, generated in (("ba-1000-m2-s7.txt", ["--topology", "ba"]),
                                ("rgg-1000-r0.065-s7.txt", ["--topology", "rgg", "--radius", "0.065"])):
            path = os.path.join(graphs, name)
            graph = (["--graph", path] if os.path.exists(path)
                     else ["--nodes", "1000", "--seed", "7"] + generated)
            out = os.path.join(tmp, name + ".json")
            started = time.monotonic()
            subprocess.run([plexus, "sim", *graph, "--churn", "5", "--quiet", "--json", out],
                           check=True, timeout=600)
            with open(out) as f:
                result = json.load(f)
            print(f"{name}: {time.monotonic() - started:.0f} s of wall time")
            for key in REQUIRED:
                if key not in result:
                    print(f"FAIL {name}: key {key} missing")
                    failures += 1
            for key, op, bound in TARGETS:
                value = result.get(key)
                ok = value is not None and {"<=": value <= bound if value is not None else False,
                                            ">=": value >= bound if value is not None else False,
                                            "<": value < bound if value is not None else False}[op]
                print(f"  {'ok  ' if ok else 'FAIL'} {key} = {value} (target {op} {bound})")
                failures += 0 if ok else 1
    if failures:
        print(f"{failures} check(s) failed")
        return 1
    print("all overlay routing targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
