#!/usr/bin/env python3
"""A logout on one client-api replica reaches the others: each replica caches access-token
answers, and account-sync's CredentialsChanged (over Redis) empties those caches. The token is
warmed on every replica, logged out on the first, and must be refused by every replica within
a bound.

    logout_check.py CLUSTER_DIR
"""
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

cluster_dir = sys.argv[1]
names = [n.strip() for n in open(f"{cluster_dir}/processes") if n.strip().startswith("clientapi-")]
ports = [int(open(f"{cluster_dir}/ports/{n}.client").read()) for n in names]


def call(port, method, path, token=None, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


name = "logout" + uuid.uuid4().hex[:6]
status, reg = call(ports[0], "POST", "/_matrix/client/v3/register",
                   body={"username": name, "password": "pw-" + name,
                         "auth": {"type": "m.login.dummy"}})
assert status == 200, reg
token = reg["access_token"]
for p in ports:  # every replica answers (and caches) the token
    status, who = call(p, "GET", "/_matrix/client/v3/account/whoami", token)
    assert status == 200 and who["user_id"] == reg["user_id"], (p, status, who)
status, _ = call(ports[0], "POST", "/_matrix/client/v3/logout", token, {})
assert status == 200, status
start = time.monotonic()
failures = 0
for n, p in zip(names, ports):
    refused = None
    while time.monotonic() - start < 5:
        status, body = call(p, "GET", "/_matrix/client/v3/account/whoami", token)
        if status == 401 and body.get("errcode") == "M_UNKNOWN_TOKEN":
            refused = (time.monotonic() - start) * 1000
            break
        time.sleep(0.005)
    if refused is None:
        print(f"FAIL  {n} still accepts a logged-out token after 5 s", flush=True)
        failures += 1
    else:
        print(f"PASS  {n} refuses the logged-out token ({refused:.0f} ms after the logout)",
              flush=True)
sys.exit(1 if failures else 0)
