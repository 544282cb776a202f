#!/usr/bin/python3
"""python_consumer.py - an independent oracle for the consumer's `policies` value.

Written from /work/shared/reference/service-mesh-protocol.md ("Building the
policies (consumer)" and "Cross-model"), without calling svcmesh-hook and
without reading its sources: the hook-level tests compare the exact bytes
svcmesh-hook writes with what this script prints.

Input: one JSON document (a file named on the command line, or stdin):

    {
      "app": "consumer",                       # own application
      "model": "test-model",                   # own model (= namespace)
      "relations": {                           # per endpoint, its relations:
        "data": [[10, "a10"], [2, "a2"]],      #   [id, remote app] pairs, put in
                                               #   relation-ids order ("data:10" < "data:2")
        "metrics": ["prom"]                    #   or bare remote app names, taken as given
      },
      "cmr_data": {"alias": "<raw cmr_data text or null>"},
      "policies": [                            # as the Python classes' fields:
        {"type": "app", "relation": "data", "service": null,
         "endpoints": [{"ports": [8080], "methods": ["GET"]}]},
        {"type": "unit", "relation": "metrics", "ports": [9090]},
        {"type": "policy", ...}                # deprecated Policy = AppPolicy
      ]
    }

Output: json.dumps(list_of_mesh_policies) and a newline, which is exactly the
relation-data value the Python library writes (default json.dumps options).
"""

import json
import sys

ENDPOINT_FIELDS = ("hosts", "ports", "methods", "paths")
HTTP_METHODS = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def endpoint(raw):
    """Endpoint(...).model_dump(): every field present, omitted ones None."""
    out = {}
    for field in ENDPOINT_FIELDS:
        value = raw.get(field)
        if value is not None:
            value = list(value)
        if field == "methods" and value is not None:
            for m in value:
                if m not in HTTP_METHODS:
                    raise SystemExit(f"python_consumer: {m!r} is not an HTTP method")
        out[field] = value
    return out


def parse_cmr(text):
    """CMRData from a cmr_data value, or None when missing / not valid JSON /
    not that shape (the app is then treated as in-model)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    app, model = value.get("app_name"), value.get("juju_model_name")
    if not isinstance(app, str) or not isinstance(model, str):
        return None
    return {"app_name": app, "juju_model_name": model}


def relation_apps(endpoint_name, entries):
    """Remote app names of an endpoint's relations, in relation-ids order."""
    if all(isinstance(e, str) for e in entries):
        return list(entries)
    pairs = [(f"{endpoint_name}:{rid}", app) for rid, app in entries]
    pairs.sort(key=lambda p: p[0])  # relation-ids sorts "endpoint:id" as strings
    return [app for _, app in pairs]


def mesh_policy(src_ns, src_app, tgt_ns, tgt_app, service, target_type, endpoints):
    # keys in the MeshPolicy field order
    return {
        "source_namespace": src_ns,
        "source_app_name": src_app,
        "target_namespace": tgt_ns,
        "target_app_name": tgt_app,
        "target_selector_labels": None,
        "target_service": service,
        "target_type": target_type,
        "endpoints": endpoints,
    }


def build(model):
    app, ns = model["app"], model["model"]
    relations = model.get("relations", {})
    cmr = {}
    for alias, text in model.get("cmr_data", {}).items():
        parsed = parse_cmr(text)
        if parsed is not None:
            cmr[alias] = parsed
    out = []
    for policy in model.get("policies", []):
        kind = policy.get("type", "app")
        for remote in relation_apps(policy["relation"], relations.get(policy["relation"], [])):
            if remote in cmr:
                src_app, src_ns = cmr[remote]["app_name"], cmr[remote]["juju_model_name"]
            else:
                src_app, src_ns = remote, ns
            if kind in ("app", "policy"):
                eps = [endpoint(e) for e in policy["endpoints"]]
                out.append(mesh_policy(src_ns, src_app, ns, app, policy.get("service"), "app", eps))
            elif kind == "unit":
                ports = policy.get("ports")
                # UnitPolicy: [Endpoint(ports=ports)] when ports were given (truthy), else []
                eps = [{"hosts": None, "ports": list(ports), "methods": None, "paths": None}] if ports else []
                out.append(mesh_policy(src_ns, src_app, ns, app, None, "unit", eps))
            else:
                raise SystemExit(f"python_consumer: unknown policy type {kind!r}")
    return out


def main():
    if len(sys.argv) > 2:
        raise SystemExit("usage: python_consumer.py [MODEL.json]")
    if len(sys.argv) == 2 and sys.argv[1] != "-":
        with open(sys.argv[1], encoding="utf-8") as f:
            model = json.load(f)
    else:
        model = json.load(sys.stdin)
    print(json.dumps(build(model)))


if __name__ == "__main__":
    main()
