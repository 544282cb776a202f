#!/usr/bin/python3
"""beacon_policies.py - an independent oracle for the AuthorizationPolicies
istio-beacon-k8s writes for a list of MeshPolicy dicts.

Written from canonical/service-mesh (canonical_service_mesh/utils/_labels.py
charm_kubernetes_label, k8s/resource_manager/_resource_manager.py
create_charm_default_labels, utils/istio/_policy_builder.py) and the
Python library's MeshPolicy/Endpoint fields (canonical/charmlibs
interfaces/service_mesh), re-implemented here without reading svcmesh-hook's
sources. Needs pydantic 2 (object names hash str(MeshPolicy)).

    beacon_policies.py APP MODEL < policies.json    # prints a v1 List (JSON)
"""
import hashlib
import json
import sys
from enum import Enum

import pydantic


class Method(str, Enum):
    connect = "CONNECT"
    delete = "DELETE"
    get = "GET"
    head = "HEAD"
    options = "OPTIONS"
    patch = "PATCH"
    post = "POST"
    put = "PUT"
    trace = "TRACE"


class PolicyTargetType(str, Enum):
    app = "app"
    unit = "unit"


class Endpoint(pydantic.BaseModel):
    hosts: list[str] | None = None
    ports: list[int] | None = None
    methods: list[Method] | None = None
    paths: list[str] | None = None


class MeshPolicy(pydantic.BaseModel):
    source_namespace: str
    source_app_name: str
    target_namespace: str
    target_app_name: str | None = None
    target_selector_labels: dict[str, str] | None = None
    target_service: str | None = None
    target_type: PolicyTargetType = PolicyTargetType.app
    endpoints: list[Endpoint] = pydantic.Field(default_factory=list)


def k8s_label(model, app, suffix="", max_length=63, sep="."):
    label = model + sep + app + suffix
    if len(label) <= max_length:
        return label
    fixed = len(suffix) + 6 + 2
    digest = hashlib.sha1((model + sep + app).encode()).hexdigest()[:6]
    room = max_length - fixed
    mlen = max(1, int(room * len(model) / (len(model) + len(app))))
    alen = max(1, room - mlen)
    return model[:mlen] + sep + app[:alen] + sep + digest + suffix


def object_name(app, model, p):
    target = p.target_app_name or p.target_service or "custom-selector"
    h = hashlib.sha256(str(p).encode()).hexdigest()[:8]
    parts = [app, model, "policy", p.source_app_name, p.source_namespace, target, h]
    name = "-".join(parts)
    if len(name) > 253:
        parts[3], parts[4], parts[5] = parts[3][:30], parts[4][:30], parts[5][:30]
        name = "-".join(parts)
    return name


def operation(e, unit):
    # model_dump(exclude_unset, exclude_none): the fields the builder set
    op = {}
    if not unit and e.hosts is not None:
        op["hosts"] = e.hosts
    op["ports"] = [str(x) for x in e.ports] if e.ports else []
    if not unit and e.methods is not None:
        op["methods"] = [m.value for m in e.methods]
    if not unit and e.paths is not None:
        op["paths"] = e.paths
    return {"operation": op}


def build(app, model, p):
    unit = p.target_type == PolicyTargetType.unit
    if unit and any(e.methods or e.paths or e.hosts for e in p.endpoints):
        return None
    spec = {}
    if unit:
        sel = None
        if p.target_app_name:
            sel = {"app.kubernetes.io/name": p.target_app_name}
        if p.target_selector_labels:
            sel = p.target_selector_labels
        if sel is not None:
            spec["selector"] = {"matchLabels": sel}
    else:
        spec["targetRefs"] = [{"group": "", "kind": "Service",
                               "name": p.target_service or p.target_app_name}]
    spec["rules"] = [{
        "from": [{"source": {"principals": ["cluster.local/ns/%s/sa/%s" % (p.source_namespace,
                                                                          p.source_app_name)]}}],
        "to": [operation(e, unit) for e in p.endpoints],
    }]
    return {
        "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
        "metadata": {"name": object_name(app, model, p), "namespace": p.target_namespace,
                     "labels": {"app.kubernetes.io/instance": k8s_label(model, app, sep="-"),
                                "kubernetes-resource-handler-scope": "istio-authorization-policy"}},
        "spec": spec,
    }


def main():
    app, model = sys.argv[1], sys.argv[2]
    items = [build(app, model, MeshPolicy.model_validate(d)) for d in json.load(sys.stdin)]
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [i for i in items if i]}))


if __name__ == "__main__":
    main()
