#!/usr/bin/env python3
"""Client-Server API coverage: which endpoints of the spec's checklist the client-api serves.

Reads /work/shared/spec/cs-endpoints.txt (or --endpoints FILE; one "METHOD PATH" a line) and the
route registrations in services/clientapi/impl/*.cc, then prints a Markdown table grouped by
area with each endpoint's status and the implemented percentage.

A registration is found as a method literal followed by a path literal, e.g.
    addAuthedRoute(router, deps, "GET", "/_matrix/client/{version}/devices", ...)
or as a comment `// coverage: GET /_matrix/client/v3/...` for routes added in a loop.
`{version}` stands for r0/v3; path parameters match whatever their names.

Usage: scripts/client-api-coverage.py > docs/client-api-coverage.md
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINTS = pathlib.Path("/work/shared/spec/cs-endpoints.txt")
DEFAULT_DEPRECATED = pathlib.Path("/work/shared/spec/cs-endpoints-deprecated.txt")

METHODS = "GET|PUT|POST|DELETE|PATCH|HEAD"
REGISTRATION = re.compile(r'"(' + METHODS + r')"\s*,\s*"(/[^"]*)"')
COMMENT = re.compile(r"//\s*coverage:\s*(" + METHODS + r")\s+(/\S*)")

# Out of scope for this server (issue 3 allows exactly this): third-party identifiers bound
# through identity servers. Everything else counts.
OUT_OF_SCOPE = [
    (re.compile(r"/3pid(/|$)|/requestToken$"), "3PID / identity server"),
]

# Registered, but answering only a refusal the spec does not define for the endpoint: counted
# as not implemented ("not supported").
NOT_SUPPORTED = {
    "GET /_matrix/client/v3/login/sso/redirect":
        "no SSO: 404 M_UNRECOGNIZED (the spec defines no refusal; GET /login offers no m.login.sso)",
}

# Endpoints served with a deliberate simplification worth knowing about.
NOTES = {
    "GET /_matrix/client/v3/keys/changes": "answers a superset (users sharing a room)",
    "GET /_matrix/client/v1/register/m.login.registration_token/validity": "no tokens: always invalid",
    "POST /_matrix/client/v3/user/{userId}/openid/request_token": "token not yet checkable over federation",
    "GET /_matrix/client/v3/thirdparty/protocols": "no bridges: {}",
    "PUT /_matrix/client/v3/profile/{userId}/{keyName}": "displayname and avatar_url only",
    # The spec's own answer for a server without the feature configured.
    "GET /.well-known/matrix/support": "no support contact configured: 404 (spec)",
    "GET /.well-known/matrix/policy_server": "no policy server: 404 (spec)",
    "GET /_matrix/client/v1/auth_metadata": "no OAuth 2.0: 404 M_UNRECOGNIZED (spec)",
    "GET /_matrix/client/v3/login/sso/redirect/{idpId}": "no identity providers: 404 (spec)",
    "PUT /_matrix/client/v3/directory/list/appservice/{networkId}/{roomId}":
        "no application services registered: 403 M_FORBIDDEN for every caller (spec)",
    "POST /_matrix/client/v1/appservice/{appserviceId}/ping":
        "no application services registered: 403 M_FORBIDDEN for every caller (spec)",
    "POST /_matrix/client/v1/login/get_token": "single use, 2 min, stored hashed",
    "GET /_matrix/client/v1/rooms/{roomId}/hierarchy": "local rooms only (no federation yet)",
    "GET /_matrix/client/v3/events": "deprecated; on top of /sync",
    "GET /_matrix/client/v3/initialSync": "deprecated; on top of /sync",
    "GET /_matrix/client/v3/rooms/{roomId}/initialSync": "deprecated; on top of /messages",
}

AREAS = [
    ("Discovery and capabilities", r"^/\.well-known|/versions$|/capabilities$|/auth_metadata$"),
    ("Registration and login", r"/register|/login|/logout|/refresh$"),
    ("Account", r"/account/|/admin/|/users/\{userId\}/report"),
    ("Devices", r"/devices|/delete_devices$"),
    ("Profile and user directory", r"/profile/|/user_directory/"),
    ("Account data, tags, filters", r"/account_data/|/tags|/filter"),
    ("Sync, to-device, presence", r"/sync$|/sendToDevice/|/presence/|/events(/|$)|/initialSync$"),
    ("End-to-end keys and backup", r"/keys/|/room_keys/"),
    ("Push", r"/push|/notifications$"),
    ("Media", r"/media/"),
    ("Room directory and aliases", r"/directory/|/publicRooms$|/room_summary/"),
    ("Rooms", r"/rooms/|/createRoom$|/join/|/knock/|/joined_rooms$|/search$|/mutual_rooms$"),
    ("Other", r"."),
]


def normalize(path):
    """Path with every parameter written {} and {version} as v3."""
    for api in ("client", "media"):
        path = path.replace(f"/_matrix/{api}/{{version}}/", f"/_matrix/{api}/v3/", 1)
    return re.sub(r"\{[^}]*\}", "{}", path)


def registrations(impl_dir):
    found = set()
    for source in sorted(impl_dir.glob("*.cc")):
        text = source.read_text(encoding="utf-8")
        for method, path in REGISTRATION.findall(text) + COMMENT.findall(text):
            found.add((method, normalize(path)))
    return found


def read_endpoints(path):
    endpoints = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        method, _, target = line.partition(" ")
        endpoints.append((method, target.strip()))
    return endpoints


def status_of(method, path, served):
    scope = next((why for pattern, why in OUT_OF_SCOPE if pattern.search(path)), None)
    registered = (method, normalize(path)) in served
    if registered and scope:
        return "out of scope (refused)", scope, False
    if registered and f"{method} {path}" in NOT_SUPPORTED:
        return "not supported", NOT_SUPPORTED[f"{method} {path}"], False
    if registered:
        return "implemented", NOTES.get(f"{method} {path}", ""), True
    if scope:
        return "out of scope", scope, False
    return "missing", "", False


def area_of(path):
    for name, pattern in AREAS:
        if re.search(pattern, path):
            return name
    return "Other"


def table(endpoints, served):
    rows = {}
    counts = {"implemented": 0, "out of scope": 0, "out of scope (refused)": 0, "not supported": 0,
              "missing": 0}
    for method, path in endpoints:
        status, note, _ = status_of(method, path, served)
        counts[status] += 1
        rows.setdefault(area_of(path), []).append((method, path, status, note))
    return rows, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=pathlib.Path, default=DEFAULT_ENDPOINTS)
    parser.add_argument("--deprecated", type=pathlib.Path, default=DEFAULT_DEPRECATED)
    parser.add_argument("--impl", type=pathlib.Path, default=ROOT / "services/clientapi/impl")
    args = parser.parse_args()

    served = registrations(args.impl)
    endpoints = read_endpoints(args.endpoints)
    rows, counts = table(endpoints, served)
    in_scope = len(endpoints) - counts["out of scope"] - counts["out of scope (refused)"]
    percent = 100.0 * counts["implemented"] / in_scope if in_scope else 0.0

    out = sys.stdout
    out.write("# Client-Server API coverage\n\n")
    out.write("Generated by `scripts/client-api-coverage.py` from the spec's endpoint list "
              "(`cs-endpoints.txt`) and the route registrations in `services/clientapi/impl/*.cc`; "
              "do not edit by hand, re-run the script.\n\n")
    out.write(f"**{counts['implemented']} of {in_scope} in-scope endpoints implemented "
              f"({percent:.1f}%)**; {counts['missing']} missing; "
              f"{counts['not supported']} registered but not supported; "
              f"{counts['out of scope'] + counts['out of scope (refused)']} out of scope "
              f"({counts['out of scope (refused)']} of them answer with a refusal such as "
              "M_THREEPID_DENIED). Every `/_matrix/client/v3` route is also served under `r0`.\n\n")
    out.write("Out of scope (as issue 3 allows): third-party identifiers (3PIDs) bound through "
              "identity servers. Endpoints whose feature is not configured on this server (support "
              "contact, policy server, OAuth 2.0, identity providers, application services) count "
              "as implemented when they give the answer the spec defines for that case.\n")
    for name, _ in AREAS:
        if name not in rows:
            continue
        out.write(f"\n## {name}\n\n| Method | Endpoint | Status | Note |\n|---|---|---|---|\n")
        for method, path, status, note in rows[name]:
            out.write(f"| {method} | `{path}` | {status} | {note} |\n")

    if args.deprecated.exists():
        deprecated = read_endpoints(args.deprecated)
        out.write("\n## Deprecated endpoints (not counted above)\n\n"
                  "| Method | Endpoint | Status | Note |\n|---|---|---|---|\n")
        for method, path in deprecated:
            status, note, _ = status_of(method, path, served)
            out.write(f"| {method} | `{path}` | {status} | {note} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
