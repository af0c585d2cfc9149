"""What the cluster's Python checks share: PASS/FAIL lines with a failure count, and a
Client-Server API call against one base URL."""
import json
import urllib.request


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, ok, label, detail=""):
        print(("PASS  " if ok else "FAIL  ") + label + (f"  ({detail})" if detail else ""),
              flush=True)
        if not ok:
            self.failures += 1


def client(base):
    """call(method, path, body=None, token=None, timeout=30) -> the JSON answer (raises
    urllib.error.HTTPError on an error status)."""
    def call(method, path, body=None, token=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")
    return call
