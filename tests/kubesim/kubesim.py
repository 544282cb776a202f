#!/usr/bin/python3
"""kubesim - a small in-memory Kubernetes API server for tests driven by the real kubectl.

Standard library only (PyYAML is used when importable, for YAML request bodies).
Listens on 127.0.0.1 only, plain HTTP, or HTTPS with bearer tokens checked (--tls-cert,
--tls-key, --tokens).  See README.md next to this file.

    kubesim.py [--port N] [--port-file FILE] [--server-version 1.31]
               [--tls-cert CRT --tls-key KEY] [--tokens FILE]

The control API for tests lives under /_sim/ on the same port (see README.md).
"""

import argparse
import copy
import datetime
import json
import os
import random
import re
import select
import signal
import socket
import string
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

try:  # python3-yaml; only needed for YAML request bodies
    import yaml  # type: ignore
except ImportError:  # pragma: no cover
    yaml = None

LISTEN_HOST = "127.0.0.1"
MAX_BODY = 16 * 1024 * 1024
MAX_LOG = 10000
MAX_EVENTS = 2000


class _DryRun(threading.local):
    on = False  # this request has dryRun=All


DRY_RUN = _DryRun()


# ---------------------------------------------------------------------------
# Resource registry
# ---------------------------------------------------------------------------

class Res:
    def __init__(self, group, version, plural, kind, namespaced=True, short=(),
                 generation=False, status=False, categories=()):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.singular = kind.lower()
        self.namespaced = namespaced
        self.short = list(short)
        self.generation = generation
        self.status = status  # has a /status subresource
        self.categories = list(categories)

    @property
    def api_version(self):
        return self.group + "/" + self.version if self.group else self.version

    @property
    def qualified_resource(self):  # "statefulsets.apps", "configmaps"
        return self.plural + "." + self.group if self.group else self.plural

    @property
    def qualified_kind(self):  # "StatefulSet.apps", "ConfigMap"
        return self.kind + "." + self.group if self.group else self.kind

    @property
    def key(self):
        return (self.group, self.plural)


RESOURCES = [
    Res("", "v1", "namespaces", "Namespace", namespaced=False, short=["ns"], status=True),
    Res("", "v1", "configmaps", "ConfigMap", short=["cm"]),
    Res("", "v1", "services", "Service", short=["svc"], status=True, categories=["all"]),
    Res("", "v1", "serviceaccounts", "ServiceAccount", short=["sa"]),
    Res("", "v1", "pods", "Pod", short=["po"], status=True, categories=["all"]),
    Res("apps", "v1", "statefulsets", "StatefulSet", short=["sts"], generation=True,
        status=True, categories=["all"]),
    Res("security.istio.io", "v1", "authorizationpolicies", "AuthorizationPolicy",
        short=["ap"], generation=True, status=True,
        categories=["istio-io", "security-istio-io"]),
]
GROUPS = {}  # group -> [versions]
for _r in RESOURCES:
    GROUPS.setdefault(_r.group, [])
    if _r.version not in GROUPS[_r.group]:
        GROUPS[_r.group].append(_r.version)


def find_res(group, version, plural):
    for r in RESOURCES:
        if r.group == group and r.version == version and r.plural == plural:
            return r
    return None


def res_by_name(word):
    """Resource by plural, singular, kind, short name or plural.group (for the control API)."""
    w = word.lower()
    for r in RESOURCES:
        names = {r.plural, r.singular, r.kind.lower(), r.qualified_resource,
                 r.singular + "." + r.group if r.group else r.singular} | set(r.short)
        if w in names:
            return r
    return None


def res_by_kind(api_version, kind):
    for r in RESOURCES:
        if r.kind == kind and (api_version is None or r.api_version == api_version):
            return r
    return None


# ---------------------------------------------------------------------------
# Errors and Status objects
# ---------------------------------------------------------------------------

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
           415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests",
           500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


class ApiError(Exception):
    def __init__(self, code, message, reason=None, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason if reason is not None else REASONS.get(code, "")
        self.details = details

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            st["details"] = self.details
        if not st["reason"]:
            del st["reason"]
        return st


def _details(res, name):
    d = {}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d["kind"] = res.plural
    return d


def not_found(res, name):
    return ApiError(404, '%s "%s" not found' % (res.qualified_resource, name), "NotFound",
                    _details(res, name))


def already_exists(res, name):
    return ApiError(409, '%s "%s" already exists' % (res.qualified_resource, name),
                    "AlreadyExists", _details(res, name))


def conflict(res, name):
    return ApiError(409, 'Operation cannot be fulfilled on %s "%s": the object has been '
                    'modified; please apply your changes to the latest version and try again'
                    % (res.qualified_resource, name), "Conflict", _details(res, name))


def bad_request(msg):
    return ApiError(400, msg, "BadRequest")


def ns_not_found(ns):
    return ApiError(404, 'namespaces "%s" not found' % ns, "NotFound",
                    {"name": ns, "kind": "namespaces"})


def go_repr(v):
    """Roughly how Go's %#v / %q prints a value inside a field error."""
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
        return "map[string]string{%s}" % ", ".join(
            "%s:%s" % (json.dumps(k), json.dumps(x)) for k, x in sorted(v.items()))
    return json.dumps(v, sort_keys=True)


class FieldErrors:
    def __init__(self):
        self.errs = []  # (reason, field, message)

    def invalid(self, field, value, detail):
        self.errs.append(("FieldValueInvalid", field,
                          "Invalid value: %s: %s" % (go_repr(value), detail)))

    def required(self, field, detail):
        self.errs.append(("FieldValueRequired", field, "Required value: " + detail))

    def forbidden(self, field, detail):
        self.errs.append(("FieldValueForbidden", field, "Forbidden: " + detail))

    def raise_if_any(self, res, name):
        if not self.errs:
            return
        parts = ["%s: %s" % (f, m) for (_, f, m) in self.errs]
        agg = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
        details = {"name": name, "kind": res.kind,
                   "causes": [{"reason": r, "message": m, "field": f} for (r, f, m) in self.errs]}
        if res.group:
            details["group"] = res.group
        raise ApiError(422, '%s "%s" is invalid: %s' % (res.qualified_kind, name, agg),
                       "Invalid", details)


# ---------------------------------------------------------------------------
# Validation (names, labels)
# ---------------------------------------------------------------------------

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN = DNS1123_LABEL + r"(\." + DNS1123_LABEL + r")*"
DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
QNAME = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = r"(" + QNAME + r")?"
CONFIG_KEY = r"[-._a-zA-Z0-9]+"

MSG_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is '%s')" % DNS1123_SUBDOMAIN)
MSG_LABEL1123 = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                 "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
                 "  or '123-abc', regex used for validation is '%s')" % DNS1123_LABEL)
MSG_1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. "
            "'my-name',  or 'abc-123', regex used for validation is '%s')" % DNS1035_LABEL)
MSG_QNAME_PART = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                  "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                  "or '123-abc', regex used for validation is '%s')" % QNAME)
MSG_QNAME = ("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
             "or '123-abc', regex used for validation is '%s') with an optional DNS subdomain "
             "prefix and '/' (e.g. 'example.com/MyName')" % QNAME)
MSG_LABEL_VALUE = ("a valid label must be an empty string or consist of alphanumeric characters, "
                   "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'MyValue',  or 'my_value',  or '12345', regex used for validation is '%s')"
                   % LABEL_VALUE)


def full(rx, s):
    return re.fullmatch(rx, s) is not None


def name_errors(name, kind):
    """kind: subdomain | label | 1035"""
    if kind == "1035":
        errs = [] if full(DNS1035_LABEL, name) else [MSG_1035]
        if len(name) > 63:
            errs.insert(0, "must be no more than 63 characters")
        return errs
    if kind == "label":
        errs = [] if full(DNS1123_LABEL, name) else [MSG_LABEL1123]
        if len(name) > 63:
            errs.insert(0, "must be no more than 63 characters")
        return errs
    errs = [] if full(DNS1123_SUBDOMAIN, name) else [MSG_SUBDOMAIN]
    if len(name) > 253:
        errs.insert(0, "must be no more than 253 characters")
    return errs


def qualified_name_errors(key):
    parts = key.split("/")
    if len(parts) == 1:
        prefix, nm = "", parts[0]
    elif len(parts) == 2:
        prefix, nm = parts
        if prefix == "":
            return ["prefix part must be non-empty"]
    else:
        return [MSG_QNAME]
    errs = []
    if nm == "":
        errs.append("name part must be non-empty")
    elif len(nm) > 63:
        errs.append("name part must be no more than 63 characters")
    if nm and not full(QNAME, nm):
        errs.append(MSG_QNAME_PART)
    if prefix:
        for e in name_errors(prefix, "subdomain"):
            errs.append("prefix part " + e)
    return errs


def validate_labels(fe, labels, field):
    if labels is None:
        return
    if not isinstance(labels, dict):
        raise bad_request("%s: expected a map of strings" % field)
    for k, v in labels.items():
        if not isinstance(v, str):
            raise bad_request("json: cannot unmarshal %s into Go struct field of type string "
                              "(%s[%s])" % (type(v).__name__, field, json.dumps(k)))
        for e in qualified_name_errors(k):
            fe.invalid(field, k, e)
        if len(v) > 63:
            fe.invalid(field, v, "must be no more than 63 characters")
        if not full(LABEL_VALUE, v):
            fe.invalid(field, v, MSG_LABEL_VALUE)


# ---------------------------------------------------------------------------
# Istio's validating admission webhook, for AuthorizationPolicy
# ---------------------------------------------------------------------------

ISTIO_PATH_LITERAL = re.compile(r"^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$")


def istio_authorization_policy_errors(spec):
    """The errors Istio's ValidateAuthorizationPolicy reports for spec
    (istio/istio pkg/config/validation/validation.go and
    pkg/config/security/security.go), in its order and words. JSON empty
    lists and nulls count as absent, as protobuf reads them."""
    errs = []
    spec = spec if isinstance(spec, dict) else {}

    def lst(d, k):
        v = d.get(k) if isinstance(d, dict) else None
        return v if isinstance(v, list) else []

    def empty_values(field, values):
        if any(v == "" for v in values):
            errs.append("empty value not allowed, found in %s" % field)

    def path_templates(field, paths):
        for path in paths:
            if not isinstance(path, str):
                continue
            templ = "{*}" in path or "{**}" in path
            any_seen = False
            path = path.strip("/")
            for glob in path.split("/"):
                if glob == "{*}" and not any_seen:
                    continue
                if glob == "{**}" and not any_seen:
                    any_seen = True
                    continue
                if glob in ("{*}", "{**}") and any_seen:
                    errs.append("invalid or unsupported path %s, found in %s. {**} is not the last "
                                "operator" % (path, field))
                    return
                if "{" in glob or "}" in glob:
                    errs.append("invalid or unsupported path %s, found in %s. Contains '{' or '}' "
                                "beyond a supported path template" % (path, field))
                    return
                if templ and not ISTIO_PATH_LITERAL.match(glob):
                    errs.append("invalid or unsupported path %s, found in %s. Contains segment %s "
                                "with invalid string literal" % (path, field, glob))
                    return

    sel = spec.get("selector")
    refs = lst(spec, "targetRefs")
    if isinstance(sel, dict) and refs:
        errs.append("only one of targetRefs or workloadSelector can be set")
    if isinstance(sel, dict):
        for k, v in (sel.get("matchLabels") or {}).items():
            if k == "":
                errs.append('empty key is not supported in selector: "%s=%s"' % (k, v))
            if "*" in k or "*" in str(v):
                errs.append('wildcard is not supported in selector: "%s=%s"' % (k, v))
    allowed = {("", "Service"), ("networking.istio.io", "ServiceEntry"),
               ("gateway.networking.k8s.io", "Gateway"), ("gateway.networking.k8s.io", "GatewayClass")}
    for r in refs:
        r = r if isinstance(r, dict) else {}
        if not r.get("name"):
            errs.append("targetRef name must be set")
        if r.get("namespace"):
            errs.append("targetRef namespace must not be set; cross namespace referencing is not supported")
        if (r.get("group") or "", r.get("kind") or "") not in allowed:
            errs.append("targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry "
                        "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] "
                        "but was %s/%s" % (r.get("group") or "", r.get("kind") or ""))
    action = spec.get("action") or "ALLOW"
    if action == "DENY" and spec.get("rules") is None:
        errs.append("DENY action without `rules` is meaningless as it will never be triggered, "
                    "add an empty rule `{}` if you want it be triggered for every request")
    for i, rule in enumerate(lst(spec, "rules")):
        if not isinstance(rule, dict):
            errs.append("`rule` must not be nil, found at rule %d" % i)
            continue
        for frm in lst(rule, "from"):
            src = frm.get("source") if isinstance(frm, dict) else None
            if not isinstance(src, dict):
                errs.append("`from.source` must not be nil, found at rule %d" % i)
                continue
            keys = ("principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks",
                    "notPrincipals", "notRequestPrincipals", "notNamespaces", "notIpBlocks",
                    "notRemoteIpBlocks", "serviceAccounts", "notServiceAccounts", "trustDomains",
                    "notTrustDomains")
            if not any(lst(src, k) for k in keys):
                errs.append("`from.source` must not be empty, found at rule %d" % i)
            for k, f in (("principals", "Principals"), ("requestPrincipals", "RequestPrincipals"),
                         ("namespaces", "Namespaces"), ("notPrincipals", "NotPrincipals"),
                         ("notNamespaces", "NotNamespaces")):
                empty_values(f, lst(src, k))
        for to in lst(rule, "to"):
            op = to.get("operation") if isinstance(to, dict) else None
            if not isinstance(op, dict):
                errs.append("`to.operation` must not be nil, found at rule %d" % i)
                continue
            keys = ("ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts")
            if not any(lst(op, k) for k in keys):
                errs.append("`to.operation` must not be empty, found at rule %d" % i)
            for k in ("ports", "notPorts"):
                for port in lst(op, k):
                    ok = isinstance(port, str) and port.isdigit() and port.isascii()
                    if not ok or int(port) > 65535:
                        errs.append("bad port (%s): %s" % (port, "<nil>" if ok and int(port) <= 0xFFFFFFFF
                                                           else "invalid syntax"))
            for k, f in (("ports", "Ports"), ("methods", "Methods"), ("paths", "Paths"), ("hosts", "Hosts"),
                         ("notPorts", "NotPorts"), ("notMethods", "NotMethods"), ("notPaths", "NotPaths"),
                         ("notHosts", "NotHosts")):
                empty_values(f, lst(op, k))
            path_templates("Paths", lst(op, "paths"))
            path_templates("NotPaths", lst(op, "notPaths"))
    return errs


def istio_admission(obj):
    """Raise what the API server answers when Istio's webhook
    (validation.istio.io) denies obj: the webhook sends only a message; the
    API server's ToStatusErr makes it code 400, status Failure, no reason,
    "admission webhook ... denied the request: " + the message, where the
    message is "configuration is invalid: " + go-multierror's text of
    the errors, each prefixed "invalid policy NAME.NAMESPACE:"."""
    errs = istio_authorization_policy_errors(obj.get("spec"))
    if not errs:
        return
    md = obj.get("metadata") or {}
    prefix = "invalid policy %s.%s: " % (md.get("name", ""), md.get("namespace", ""))
    if len(errs) == 1:
        text = prefix + errs[0]
    else:
        text = "%d errors occurred:\n\t%s\n\n" % (len(errs), "\n\t".join("* " + prefix + e for e in errs))
    raise ApiError(400, 'admission webhook "validation.istio.io" denied the request: '
                   "configuration is invalid: " + text, "")



def validate_annotations(fe, ann, field):
    if ann is None:
        return
    if not isinstance(ann, dict):
        raise bad_request("%s: expected a map of strings" % field)
    for k, v in ann.items():
        if not isinstance(v, str):
            raise bad_request("json: cannot unmarshal %s into Go struct field of type string "
                              "(%s[%s])" % (type(v).__name__, field, json.dumps(k)))
        for e in qualified_name_errors(k.lower()):
            fe.invalid(field, k, e)


# ---------------------------------------------------------------------------
# Label and field selectors
# ---------------------------------------------------------------------------

def _split_top(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def parse_label_selector(sel):
    """Returns a list of (key, op, values).  op: = != exists !exists in notin gt lt"""
    reqs = []
    if not sel or not sel.strip():
        return reqs
    for term in _split_top(sel):
        t = term.strip()
        if not t:
            raise bad_request("unable to parse requirement: found '', expected: identifier")
        m = re.fullmatch(r"(\S+?)\s+(in|notin)\s*\(([^()]*)\)", t)
        if m:
            vals = [v.strip() for v in m.group(3).split(",") if v.strip() != ""]
            reqs.append((m.group(1), m.group(2), vals))
            continue
        m = re.fullmatch(r"!\s*([^\s=!<>(),]+)", t)
        if m:
            reqs.append((m.group(1), "!exists", []))
            continue
        m = re.fullmatch(r"([^\s=!<>(),]+)\s*(==|=|!=|>|<)\s*([^\s=!<>(),]*)", t)
        if m:
            op = {"==": "=", "=": "=", "!=": "!=", ">": "gt", "<": "lt"}[m.group(2)]
            reqs.append((m.group(1), op, [m.group(3)]))
            continue
        m = re.fullmatch(r"([^\s=!<>(),]+)", t)
        if m:
            reqs.append((m.group(1), "exists", []))
            continue
        raise bad_request("unable to parse requirement: invalid label selector %s" % json.dumps(t))
    for (k, _, vals) in reqs:
        if qualified_name_errors(k):
            raise bad_request("unable to parse requirement: invalid label key %s: %s"
                              % (json.dumps(k), "; ".join(qualified_name_errors(k))))
    return reqs


def label_match(reqs, labels):
    labels = labels or {}
    for (k, op, vals) in reqs:
        has = k in labels
        v = labels.get(k)
        if op == "=" and not (has and v == vals[0]):
            return False
        if op == "!=" and has and v == vals[0]:
            return False
        if op == "exists" and not has:
            return False
        if op == "!exists" and has:
            return False
        if op == "in" and not (has and v in vals):
            return False
        if op == "notin" and has and v in vals:
            return False
        if op in ("gt", "lt"):
            try:
                a, b = int(v), int(vals[0])
            except (TypeError, ValueError):
                return False
            if (op == "gt" and not a > b) or (op == "lt" and not a < b):
                return False
    return True


def parse_field_selector(sel):
    reqs = []
    if not sel:
        return reqs
    for t in sel.split(","):
        t = t.strip()
        if not t:
            continue
        m = re.fullmatch(r"([^=!]+?)\s*(==|=|!=)\s*(.*)", t)
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (sel, t))
        f = m.group(1)
        if f not in ("metadata.name", "metadata.namespace"):
            raise bad_request('"%s" is not a known field selector: only "metadata.name", '
                              '"metadata.namespace"' % f)
        reqs.append((f, m.group(2) != "!=", m.group(3)))
    return reqs


def field_match(reqs, obj):
    md = obj.get("metadata", {})
    for (f, eq, v) in reqs:
        actual = md.get("name" if f == "metadata.name" else "namespace", "")
        if (actual == v) != eq:
            return False
    return True


def selector_matches(sel, labels):
    """LabelSelector object (matchLabels/matchExpressions) against labels."""
    if not isinstance(sel, dict):
        return False
    reqs = [(k, "=", [v]) for k, v in (sel.get("matchLabels") or {}).items()]
    for e in sel.get("matchExpressions") or []:
        op = {"In": "in", "NotIn": "notin", "Exists": "exists",
              "DoesNotExist": "!exists"}.get(e.get("operator"))
        if op is None:
            return False
        reqs.append((e.get("key"), op, e.get("values") or []))
    return label_match(reqs, labels)


# ---------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------

def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


SMP_MERGE_KEYS = {"containers": "name", "initContainers": "name",
                  "ephemeralContainers": "name", "volumes": "name", "env": "name",
                  "volumeMounts": "mountPath", "imagePullSecrets": "name"}


def _strip_directives(v):
    if isinstance(v, dict):
        return {k: _strip_directives(x) for k, x in v.items() if not k.startswith("$")}
    if isinstance(v, list):
        return [_strip_directives(x) for x in v]
    return v


def _smp_list(key, old, new):
    mk = SMP_MERGE_KEYS.get(key)
    if key == "ports" and new and all(isinstance(x, dict) for x in new):
        mk = "containerPort" if any("containerPort" in x for x in new) else "port"
    if (mk is None or not isinstance(old, list)
            or not all(isinstance(x, dict) for x in old + new)):
        return _strip_directives(new)
    result = copy.deepcopy(old)
    for item in new:
        idx = next((i for i, o in enumerate(result) if o.get(mk) == item.get(mk)), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del result[idx]
        elif idx is None:
            result.append(_strip_directives(item))
        else:
            result[idx] = strategic_merge(result[idx], item)
    return result


def strategic_merge(target, patch):
    """A simplified strategic merge patch: maps merged recursively (null deletes), a few
    well-known lists (containers, env, volumes, ports, ...) merged by key, other lists replaced.
    Directives: $patch: replace|delete, $retainKeys; $setElementOrder/... ignored."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return _strip_directives(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            result.pop(k, None)
        elif isinstance(v, dict):
            if v.get("$patch") == "delete":
                result.pop(k, None)
            else:
                result[k] = strategic_merge(result.get(k), v)
        elif isinstance(v, list):
            result[k] = _smp_list(k, result.get(k), v)
        else:
            result[k] = v
    return result


class PatchError(Exception):
    pass


def json_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


def _pointer(p):
    if not isinstance(p, str):
        raise PatchError("path must be a string")
    if p == "":
        return []
    if not p.startswith("/"):
        raise PatchError("JSON pointer must be empty or start with /: %s" % json.dumps(p))
    return [t.replace("~1", "/").replace("~0", "~") for t in p[1:].split("/")]


def _index(tok, n, allow_end):
    if allow_end and tok == "-":
        return n
    if not re.fullmatch(r"0|[1-9][0-9]*", tok):
        raise PatchError("invalid array index %s" % json.dumps(tok))
    i = int(tok)
    if i > n or (i == n and not allow_end):
        raise PatchError("array index out of bounds: %d" % i)
    return i


def _walk(doc, toks, path):
    cur = doc
    for t in toks:
        if isinstance(cur, dict):
            if t not in cur:
                raise PatchError("doc is missing path: %s: missing value" % json.dumps(path))
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(t, len(cur), False)]
        else:
            raise PatchError("doc is missing path: %s: missing value" % json.dumps(path))
    return cur


def _jp_add(doc, toks, value, path):
    if not toks:
        return value
    parent = _walk(doc, toks[:-1], path)
    last = toks[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), True), value)
    else:
        raise PatchError("add operation does not apply: doc is missing path: %s"
                         % json.dumps(path))
    return doc


def _jp_remove(doc, toks, path, op="remove"):
    if not toks:
        raise PatchError("%s operation does not apply: cannot remove the whole document" % op)
    parent = _walk(doc, toks[:-1], path)
    last = toks[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError("%s operation does not apply: doc is missing key: %s: missing "
                             "value" % (op, json.dumps(path)))
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(last, len(parent), False))
    raise PatchError("%s operation does not apply: doc is missing path: %s"
                     % (op, json.dumps(path)))


def json_patch(doc, ops):
    """RFC 6902.  Raises PatchError (apply) or ValueError (malformed patch)."""
    if not isinstance(ops, list):
        raise ValueError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise ValueError("invalid JSON patch operation: %s" % json.dumps(op))
        kind = op["op"]
        path = op.get("path")
        toks = _pointer(path)
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError("%s operation does not apply: missing value" % kind)
        if kind == "add":
            doc = _jp_add(doc, toks, copy.deepcopy(op["value"]), path)
        elif kind == "remove":
            _jp_remove(doc, toks, path)
        elif kind == "replace":
            if not toks:
                doc = copy.deepcopy(op["value"])
                continue
            _jp_remove(doc, toks, path, "replace")
            doc = _jp_add(doc, toks, copy.deepcopy(op["value"]), path)
        elif kind == "move":
            ftoks = _pointer(op.get("from"))
            if toks[:len(ftoks)] == ftoks and len(toks) > len(ftoks):
                raise PatchError("move operation does not apply: from is a prefix of path")
            val = _jp_remove(doc, ftoks, op.get("from"), "move")
            doc = _jp_add(doc, toks, val, path)
        elif kind == "copy":
            val = copy.deepcopy(_walk(doc, _pointer(op.get("from")), op.get("from")))
            doc = _jp_add(doc, toks, val, path)
        elif kind == "test":
            try:
                cur = _walk(doc, toks, path)
            except PatchError:
                cur = None
                if op["value"] is not None:
                    raise PatchError("testing value %s failed: test failed" % path)
            if not json_equal(cur, op["value"]):
                raise PatchError("testing value %s failed: test failed" % path)
        else:
            raise ValueError("Unexpected kind: %s" % kind)
    return doc


def leaf_paths(obj, prefix=()):
    """Field paths of an applied configuration: map keys down to leaves; lists are atomic."""
    out = set()
    for k, v in obj.items():
        p = prefix + (k,)
        if isinstance(v, dict) and v:
            out |= leaf_paths(v, p)
        else:
            out.add(p)
    return out


def ssa_merge(target, applied):
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in applied.items():
        if v is None:
            result.pop(k, None)
        elif isinstance(v, dict) and isinstance(result.get(k), dict):
            result[k] = ssa_merge(result[k], v)
        else:
            result[k] = copy.deepcopy(v)
    return result


def remove_path(obj, path):
    """Removes obj[path...]; prunes maps left empty below the top-level field."""
    chain = [obj]
    cur = obj
    for k in path[:-1]:
        if not isinstance(cur, dict) or not isinstance(cur.get(k), dict):
            return
        cur = cur[k]
        chain.append(cur)
    if not isinstance(cur, dict) or path[-1] not in cur:
        return
    del cur[path[-1]]
    for depth in range(len(path) - 1, 1, -1):
        parent = chain[depth - 1]
        if chain[depth] == {}:
            parent.pop(path[depth - 1], None)
        else:
            break


# ---------------------------------------------------------------------------
# Kubernetes protobuf request bodies (kubectl >= 1.32 typed clients: `kubectl create
# configmap|namespace|serviceaccount` POST application/vnd.kubernetes.protobuf and do not
# fall back to JSON).  Only these simple kinds are decoded; others get 415.
# ---------------------------------------------------------------------------

class ProtoError(ValueError):
    pass


def _pb_varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ProtoError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def pb_fields(buf):
    """[(field number, wire type, value)]; value is int for varints, bytes otherwise."""
    out = []
    i = 0
    while i < len(buf):
        key, i = _pb_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _pb_varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        elif wt == 2:
            n, i = _pb_varint(buf, i)
            if i + n > len(buf):
                raise ProtoError("truncated field %d" % num)
            v, i = buf[i:i + n], i + n
        else:
            raise ProtoError("unsupported wire type %d" % wt)
        out.append((num, wt, v))
    return out


def _pb_str(v):
    return v.decode("utf-8")


def _pb_map(v, binary=False):
    k = val = None
    for n, _, x in pb_fields(v):
        if n == 1:
            k = _pb_str(x)
        elif n == 2:
            val = x
    import base64
    if binary:
        return k or "", base64.b64encode(val or b"").decode()
    return k or "", _pb_str(val or b"")


# message schemas: field number -> (json name, kind); kinds: str, int, bool, map, bmap,
# strs (repeated string), a nested schema (dict), or [schema] (repeated message)
PB_OWNERREF = {1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"),
               5: ("apiVersion", "str"), 6: ("controller", "bool"),
               7: ("blockOwnerDeletion", "bool")}
PB_OBJECTMETA = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"),
                 5: ("uid", "str"), 6: ("resourceVersion", "str"), 7: ("generation", "int"),
                 11: ("labels", "map"), 12: ("annotations", "map"),
                 13: ("ownerReferences", [PB_OWNERREF]), 14: ("finalizers", "strs")}
PB_OBJREF = {1: ("kind", "str"), 2: ("namespace", "str"), 3: ("name", "str"),
             4: ("uid", "str"), 5: ("apiVersion", "str"), 6: ("resourceVersion", "str"),
             7: ("fieldPath", "str")}
PB_KINDS = {
    "ConfigMap": {1: ("metadata", PB_OBJECTMETA), 2: ("data", "map"),
                  3: ("binaryData", "bmap"), 4: ("immutable", "bool")},
    "Namespace": {1: ("metadata", PB_OBJECTMETA),
                  2: ("spec", {1: ("finalizers", "strs")}), 3: ("status", {1: ("phase", "str")})},
    "ServiceAccount": {1: ("metadata", PB_OBJECTMETA), 2: ("secrets", [PB_OBJREF]),
                       3: ("imagePullSecrets", [{1: ("name", "str")}]),
                       4: ("automountServiceAccountToken", "bool")},
}


def pb_decode(buf, schema):
    obj = {}
    for num, wt, v in pb_fields(buf):
        if num not in schema:
            continue
        name, kind = schema[num]
        if kind == "str":  # gogo-protobuf writes non-pointer strings even when empty
            if v:
                obj[name] = _pb_str(v)
        elif kind == "int":
            if v:
                obj[name] = v if v < (1 << 63) else v - (1 << 64)
        elif kind == "bool":
            obj[name] = bool(v)
        elif kind in ("map", "bmap"):
            k, val = _pb_map(v, kind == "bmap")
            obj.setdefault(name, {})[k] = val
        elif kind == "strs":
            obj.setdefault(name, []).append(_pb_str(v))
        elif isinstance(kind, list):
            obj.setdefault(name, []).append(pb_decode(v, kind[0]))
        else:
            obj[name] = pb_decode(v, kind)
    return obj


def decode_k8s_protobuf(raw):
    """Envelope: b"k8s\x00" + runtime.Unknown{typeMeta{apiVersion=1, kind=2}=1, raw=2}."""
    if raw[:4] != b"k8s\x00":
        raise ProtoError("missing k8s protobuf magic")
    tm, inner = {}, b""
    for n, _, v in pb_fields(raw[4:]):
        if n == 1:
            tm = pb_decode(v, {1: ("apiVersion", "str"), 2: ("kind", "str")})
        elif n == 2:
            inner = v
    kind = tm.get("kind")
    if kind not in PB_KINDS:
        raise ProtoError("protobuf bodies of kind %s are not supported by kubesim" % kind)
    obj = {"apiVersion": tm.get("apiVersion", "v1"), "kind": kind}
    obj.update(pb_decode(inner, PB_KINDS[kind]))
    return obj


def parse_body(raw, allow_yaml=True):
    text = raw.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError as e:
        if not allow_yaml or yaml is None:
            raise ValueError("invalid JSON: %s" % e)
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as ye:
            raise ValueError("error converting YAML to JSON: %s" % str(ye).replace("\n", " "))


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------

def now_ts():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]
STS_MUTABLE_SPEC = {"replicas", "ordinals", "template", "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.reset()

    def reset(self):
        with self.lock:
            self.objects = {}  # (group, plural, ns, name) -> obj
            self.applied = {}  # (group, plural, ns, name) -> {manager: set(paths)}
            self.rv = 100
            self.events = deque(maxlen=MAX_EVENTS)  # (rv, res_key, ns, type, obj)
            self.requests = []
            self.faults = []
            self.next_ip = 10
            nsres = res_by_name("namespaces")
            for ns in SYSTEM_NAMESPACES:
                self._store(nsres, "", self._prepare_new(nsres, "", {
                    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}), None)
            self.cond.notify_all()

    # -- helpers ------------------------------------------------------------
    def get(self, res, ns, name):
        o = self.objects.get((res.group, res.plural, ns if res.namespaced else "", name))
        return copy.deepcopy(o) if o is not None else None

    def list(self, res, ns, lsel, fsel):
        out = []
        for (g, p, ons, _), o in sorted(self.objects.items(), key=lambda kv: kv[0]):
            if (g, p) != res.key or (ns and ons != ns):
                continue
            if label_match(lsel, o["metadata"].get("labels")) and field_match(fsel, o):
                out.append(copy.deepcopy(o))
        return out

    def _bump(self):
        self.rv += 1
        return str(self.rv)

    def _event(self, res, ns, etype, obj):
        self.events.append((int(obj["metadata"]["resourceVersion"]), res.key, ns, etype,
                            copy.deepcopy(obj)))
        self.cond.notify_all()

    def _store(self, res, ns, obj, old):
        if DRY_RUN.on:  # dryRun=All: everything but the write
            obj["metadata"]["resourceVersion"] = str(self.rv + 1)
            return copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = self._bump()
        self.objects[(res.group, res.plural, ns, obj["metadata"]["name"])] = obj
        self._event(res, ns, "MODIFIED" if old is not None else "ADDED", obj)
        return copy.deepcopy(obj)

    def require_namespace(self, res, ns):
        if res.namespaced and ("", "namespaces", "", ns) not in self.objects:
            raise ns_not_found(ns)

    # -- object preparation -------------------------------------------------
    def _check_shape(self, res, obj, ns, url_name=None):
        if not isinstance(obj, dict):
            raise bad_request("the body of the request was in an unknown format - accepted "
                              "media types include: application/json, application/yaml")
        kind = obj.get("kind")
        av = obj.get("apiVersion")
        if kind is not None and kind != res.kind:
            raise bad_request("the kind in the data (%s) does not match the expected kind (%s)"
                              % (kind, res.kind))
        if av is not None and av != res.api_version:
            raise bad_request("the API version in the data (%s) does not match the expected "
                              "API version (%s)" % (av, res.api_version))
        obj["apiVersion"] = res.api_version
        obj["kind"] = res.kind
        md = obj.get("metadata")
        if md is None:
            md = obj["metadata"] = {}
        if not isinstance(md, dict):
            raise bad_request("metadata must be an object")
        if res.namespaced:
            if md.get("namespace") in (None, ""):
                md["namespace"] = ns
            elif md["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
        else:
            md.pop("namespace", None)
        if url_name is not None and md.get("name") not in (None, url_name):
            raise bad_request("the name of the object (%s) does not match the name on the URL "
                              "(%s)" % (md.get("name"), url_name))
        if url_name is not None:
            md["name"] = url_name
        for k in ("labels", "annotations"):
            if k in md and md[k] is None:
                del md[k]
        md.pop("managedFields", None)
        return md

    def _defaults(self, res, obj, old):
        spec = obj.get("spec")
        if res.plural == "services":
            spec = obj.setdefault("spec", {})
            if isinstance(spec, dict):
                spec.setdefault("type", "ClusterIP")
                spec.setdefault("sessionAffinity", "None")
                if old is not None and "clusterIP" not in spec:
                    oldspec = old.get("spec") or {}
                    for k in ("clusterIP", "clusterIPs"):
                        if k in oldspec:
                            spec[k] = copy.deepcopy(oldspec[k])
                if "clusterIP" not in spec and spec.get("type") != "ExternalName":
                    self.next_ip += 1
                    spec["clusterIP"] = "10.152.%d.%d" % (183 + self.next_ip // 250,
                                                        self.next_ip % 250)
                if spec.get("clusterIP") and "clusterIPs" not in spec:
                    spec["clusterIPs"] = [spec["clusterIP"]]
                for p in spec.get("ports") or []:
                    if isinstance(p, dict):
                        p.setdefault("protocol", "TCP")
                        if "port" in p:
                            p.setdefault("targetPort", p["port"])
            obj.setdefault("status", {"loadBalancer": {}})
        elif res.plural == "statefulsets":
            if isinstance(spec, dict):
                spec.setdefault("replicas", 1)
            obj.setdefault("status", {"replicas": 0, "availableReplicas": 0})
        elif res.plural == "namespaces":
            obj["metadata"].setdefault("labels", {})
            if isinstance(obj["metadata"]["labels"], dict):
                obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})

    def _validate(self, res, obj, old):
        md = obj["metadata"]
        name = md.get("name") or ""
        fe = FieldErrors()
        if not isinstance(name, str) or not name:
            fe.required("metadata.name", "name or generateName is required")
            fe.raise_if_any(res, "")
        kind = "label" if res.plural == "namespaces" else (
            "1035" if res.plural == "services" else "subdomain")
        for e in name_errors(name, kind):
            fe.invalid("metadata.name", name, e)
        validate_labels(fe, md.get("labels"), "metadata.labels")
        validate_annotations(fe, md.get("annotations"), "metadata.annotations")
        spec = obj.get("spec")
        if res.plural == "statefulsets":
            if not isinstance(spec, dict):
                fe.required("spec", "")
            else:
                tmd = ((spec.get("template") or {}).get("metadata") or {})
                tl = tmd.get("labels")
                validate_labels(fe, tl, "spec.template.metadata.labels")
                validate_annotations(fe, tmd.get("annotations"),
                                     "spec.template.metadata.annotations")
                sel = spec.get("selector")
                if not isinstance(sel, dict) or not (sel.get("matchLabels")
                                                     or sel.get("matchExpressions")):
                    fe.invalid("spec.selector", sel, "empty selector is invalid for statefulset")
                else:
                    validate_labels(fe, sel.get("matchLabels"), "spec.selector.matchLabels")
                    if not selector_matches(sel, tl or {}):
                        fe.invalid("spec.template.metadata.labels", tl or {},
                                   "`selector` does not match template `labels`")
                if old is not None and isinstance(old.get("spec"), dict):
                    a = {k: v for k, v in spec.items() if k not in STS_MUTABLE_SPEC}
                    b = {k: v for k, v in old["spec"].items() if k not in STS_MUTABLE_SPEC}
                    if not json_equal(a, b):
                        fe.forbidden("spec", "updates to statefulset spec for fields other "
                                     "than 'replicas', 'ordinals', 'template', "
                                     "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
                                     "and 'minReadySeconds' are forbidden")
        elif res.plural == "configmaps":
            for fld in ("data", "binaryData"):
                d = obj.get(fld)
                if d is None:
                    continue
                if not isinstance(d, dict):
                    raise bad_request("%s: expected a map of strings" % fld)
                for k, v in d.items():
                    if not isinstance(v, str):
                        raise bad_request("json: cannot unmarshal %s into Go struct field "
                                          "ConfigMap.%s of type string" % (type(v).__name__, fld))
                    if not full(CONFIG_KEY, k) or len(k) > 253:
                        fe.invalid(fld + "[" + k + "]", k, "a valid config key must consist of "
                                   "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',"
                                   "  or 'KEY_NAME',  or 'key-name', regex used for validation"
                                   " is '[-._a-zA-Z0-9]+')")
        elif res.plural == "services" and isinstance(spec, dict):
            validate_labels(fe, spec.get("selector"), "spec.selector")
        elif res.plural == "authorizationpolicies" and isinstance(spec, dict):
            sel = spec.get("selector")
            if isinstance(sel, dict):
                validate_labels(fe, sel.get("matchLabels"), "spec.selector.matchLabels")
        fe.raise_if_any(res, name)
        if res.plural == "authorizationpolicies":
            istio_admission(obj)

    def _prepare_new(self, res, ns, obj):
        md = obj["metadata"]
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + "".join(
                random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now_ts()
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            md.pop(k, None)
        if res.generation:
            md["generation"] = 1
        else:
            md.pop("generation", None)
        self._defaults(res, obj, None)
        return obj

    # -- writes ---------------------------------------------------------------
    def create(self, res, ns, obj, validate=True):
        with self.lock:
            md = self._check_shape(res, obj, ns)
            if md.get("resourceVersion"):
                raise bad_request("resourceVersion should not be set on objects to be created")
            self._prepare_new(res, ns, obj)
            if validate:
                self._validate(res, obj, None)
            self.require_namespace(res, ns)
            name = md["name"]
            if self.get(res, ns, name) is not None:
                raise already_exists(res, name)
            return self._store(res, ns if res.namespaced else "", obj, None)

    def update(self, res, ns, name, new, old, subresource=None, check_rv=True):
        """Commits `new` in place of `old` (both full objects). Returns (obj, changed)."""
        md = self._check_shape(res, new, ns, name)
        omd = old["metadata"]
        rv = md.get("resourceVersion")
        if check_rv and rv not in (None, "") and rv != omd["resourceVersion"]:
            raise conflict(res, name)
        for k in ("uid", "creationTimestamp", "generation", "resourceVersion"):
            if k in omd:
                md[k] = omd[k]
            else:
                md.pop(k, None)
        if subresource == "status":
            new = dict(copy.deepcopy(old), status=new.get("status"))
            if new["status"] is None:
                del new["status"]
        elif res.status:
            if "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            else:
                new.pop("status", None)
        self._defaults(res, new, old)
        self._validate(res, new, old)
        if json_equal(new, old):
            return old, False
        if res.generation and not json_equal(new.get("spec"), old.get("spec")):
            new["metadata"]["generation"] = int(omd.get("generation", 0)) + 1
        return self._store(res, ns if res.namespaced else "", new, old), True

    def delete(self, res, ns, name):
        with self.lock:
            ns = ns if res.namespaced else ""
            key = (res.group, res.plural, ns, name)
            obj = self.objects.get(key)
            if obj is None:
                raise not_found(res, name)
            if DRY_RUN.on:
                return copy.deepcopy(obj)
            del self.objects[key]
            self.applied.pop(key, None)
            obj["metadata"]["resourceVersion"] = self._bump()
            self._event(res, ns, "DELETED", obj)
            if res.plural == "namespaces":
                for k in [k for k in self.objects if k[2] == name]:
                    o = self.objects.pop(k)
                    self.applied.pop(k, None)
                    o["metadata"]["resourceVersion"] = self._bump()
                    self._event(find_res_key(k[0], k[1]), name, "DELETED", o)
            return obj

    def seed(self, obj):
        """Control API: create or replace without validation; creates the namespace."""
        if not isinstance(obj, dict):
            raise bad_request("object must be a JSON object")
        if obj.get("kind") in ("List",) or (isinstance(obj.get("kind"), str)
                                            and obj["kind"].endswith("List")
                                            and "items" in obj):
            return [self.seed(i) for i in obj.get("items") or []]
        res = res_by_kind(obj.get("apiVersion"), obj.get("kind"))
        if res is None:
            raise bad_request("unknown kind %s %s" % (obj.get("apiVersion"), obj.get("kind")))
        md = obj.get("metadata") or {}
        ns = md.get("namespace") or ("default" if res.namespaced else "")
        with self.lock:
            if res.namespaced and self.get(res_by_name("namespaces"), "", ns) is None:
                self.create(res_by_name("namespaces"), "", {
                    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            old = self.get(res, ns, md.get("name"))
            obj = copy.deepcopy(obj)
            if old is None:
                obj.get("metadata", {}).pop("resourceVersion", None)
                return self.create(res, ns, obj, validate=False)
            self._check_shape(res, obj, ns, old["metadata"]["name"])
            for k in ("uid", "creationTimestamp"):
                obj["metadata"][k] = old["metadata"][k]
            if res.generation:
                gen = old["metadata"].get("generation", 1)
                if not json_equal(obj.get("spec"), old.get("spec")):
                    gen += 1
                obj["metadata"]["generation"] = gen
            self._defaults(res, obj, old)
            return self._store(res, ns if res.namespaced else "", obj, old)


def find_res_key(group, plural):
    for r in RESOURCES:
        if r.key == (group, plural):
            return r
    return None


STORE = Store()
SERVER_VERSION = {"major": "1", "minor": "31"}


# ---------------------------------------------------------------------------
# Discovery and OpenAPI
# ---------------------------------------------------------------------------

def api_resource_list(group, version):
    rl = []
    for r in RESOURCES:
        if r.group != group or r.version != version:
            continue
        ent = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
               "kind": r.kind, "verbs": ["create", "delete", "deletecollection", "get", "list",
                                          "patch", "update", "watch"]}
        if r.short:
            ent["shortNames"] = r.short
        if r.categories:
            ent["categories"] = r.categories
        ent["storageVersionHash"] = "kubesim" + r.kind[:5]
        rl.append(ent)
        if r.status:
            rl.append({"name": r.plural + "/status", "singularName": "",
                       "namespaced": r.namespaced, "kind": r.kind,
                       "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": group + "/" + version if group else version, "resources": rl}


def api_group(group):
    versions = [{"groupVersion": group + "/" + v, "version": v} for v in GROUPS[group]]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": versions,
            "preferredVersion": versions[0]}


def api_group_list():
    groups = []
    for g in GROUPS:
        if g:
            grp = api_group(g)
            del grp["kind"], grp["apiVersion"]
            groups.append(grp)
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def gv_path(group, version):
    return "apis/%s/%s" % (group, version) if group else "api/" + version


def openapi_v3_root():
    paths = {}
    for g, vs in GROUPS.items():
        for v in vs:
            p = gv_path(g, v)
            paths[p] = {"serverRelativeURL": "/openapi/v3/%s?hash=KUBESIM%s" % (p, len(p))}
    return {"paths": paths}


def openapi_v3_gv(group, version):
    """Paths with PATCH operations carrying x-kubernetes-group-version-kind and the
    fieldValidation query parameter: that is what kubectl checks before sending
    fieldValidation=Strict (server-side field validation) instead of validating itself."""
    params = [{"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
              for n in ("dryRun", "fieldManager", "fieldValidation", "force", "pretty")]
    paths = {}
    schemas = {}
    prefix = "/" + gv_path(group, version)
    for r in RESOURCES:
        if r.group != group or r.version != version:
            continue
        gvk = {"group": r.group, "version": r.version, "kind": r.kind}
        item = prefix + ("/namespaces/{namespace}/" if r.namespaced else "/") + r.plural \
            + "/{name}"
        schema_name = "kubesim.%s.%s.%s" % (r.group or "core", r.version, r.kind)
        ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/" + schema_name}}}}}
        op = lambda verb: {"operationId": verb + r.kind, "responses": ok,  # noqa: E731
                           "x-kubernetes-action": verb,
                           "x-kubernetes-group-version-kind": gvk}
        pi = {"get": op("get"), "put": op("put"), "delete": op("delete"), "patch": op("patch")}
        pi["patch"]["parameters"] = params
        pi["put"]["parameters"] = params
        pi["parameters"] = [{"name": "name", "in": "path", "required": True,
                             "schema": {"type": "string", "uniqueItems": True}}]
        if r.namespaced:
            pi["parameters"].append({"name": "namespace", "in": "path", "required": True,
                                     "schema": {"type": "string", "uniqueItems": True}})
        paths[item] = pi
        schemas[schema_name] = {
            "type": "object", "description": r.kind + " (kubesim: schema not modelled)",
            "x-kubernetes-group-version-kind": [gvk],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "metadata": {"type": "object"}, "spec": {"type": "object"},
                           "status": {"type": "object"}}}
    return {"openapi": "3.0.0",
            "info": {"title": "Kubernetes", "version": "v%s.%s.0" % (
                SERVER_VERSION["major"], SERVER_VERSION["minor"])},
            "paths": paths, "components": {"schemas": schemas}}


def _pb_bytes(field, data):
    n = len(data)
    varint = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            varint += bytes([b | 0x80])
        else:
            varint += bytes([b])
            break
    return bytes([(field << 3) | 2]) + varint + data


def openapi_v2_protobuf():
    """A minimal gnostic openapi_v2.Document: swagger "2.0", info, empty paths.
    kubectl only falls back to client-side validation (for a v1 List) with it; a type that
    the document does not describe is not validated client-side."""
    info = _pb_bytes(1, b"Kubernetes") + _pb_bytes(2, ("v%s.%s.0" % (
        SERVER_VERSION["major"], SERVER_VERSION["minor"])).encode())
    return _pb_bytes(1, b"2.0") + _pb_bytes(2, info) + _pb_bytes(8, b"")


def openapi_v2_json():
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v%s.%s.0" % (
        SERVER_VERSION["major"], SERVER_VERSION["minor"])}, "paths": {}, "definitions": {}}


# ---------------------------------------------------------------------------
# HTTP handler
# ---------------------------------------------------------------------------

def jdump(o):
    return json.dumps(o, separators=(",", ":"))


def field(obj, path):
    """One field of obj, as the tests compare it: PATH like .metadata.generation,
    .items.0.kind, .metadata.labels["example.com/key"], .items|length; a string as
    it is, anything else as json.dumps with sorted keys."""
    n = path.endswith("|length")
    if n:
        path = path[:-7]
    for m in re.finditer(r"\.([^.\[]+)|\[\"([^\"]+)\"\]", path):
        if obj is None:
            break
        k = m.group(1) if m.group(1) is not None else m.group(2)
        obj = obj[int(k)] if isinstance(obj, list) else obj.get(k)
    obj = len(obj) if n else obj
    return obj if isinstance(obj, str) else json.dumps(obj, sort_keys=True)


def cli_text(code, out, shape="json", path=None):
    """A control answer as kubesimctl prints it (out=cli): the error line on
    failure; the field PATH of an object; a count; nothing for an
    acknowledgement (shape "none" or {"ok": true}); a list one JSON record a
    line (shape "lines": the request log); else indented JSON, sorted keys."""
    if code >= 300:
        msg = out.get("message") if isinstance(out, dict) else out
        return "kubesimctl: server answered %d: %s\n" % (code, msg)
    if path is not None:
        return field(out, path) + "\n"
    if isinstance(out, dict) and set(out) == {"count"}:
        return "%d\n" % out["count"]
    if shape == "none" or out == {"ok": True}:
        return ""
    if shape == "lines":
        return "".join(json.dumps(r, sort_keys=True) + "\n" for r in out)
    return json.dumps(out, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# Authentication (bearer tokens) and authorization (RBAC-like rules)
# ---------------------------------------------------------------------------

class Auth:
    """Bearer-token authentication and RBAC-style authorization, on when the server is
    started with --tokens FILE.  FILE (re-read when it changes) is JSON:

        {"TOKEN": {"user": "system:serviceaccount:NS:NAME",
                   "rules": [{"verbs": ["get"], "apiGroups": ["apps"],
                              "resources": ["statefulsets"], "namespaces": ["NS"]}]}}

    A rule matches when each of its lists contains the request's value or "*"; a rule
    without "namespaces" applies everywhere (a ClusterRole bound by a ClusterRoleBinding),
    one with it only to namespaced requests in those namespaces (RoleBindings).
    Non-resource paths (discovery, /version, /openapi, health) are open to every
    authenticated user, as the system:discovery and system:public-info-viewer roles make
    them on a real cluster.  A missing, malformed or unknown token is 401 (a cluster with
    anonymous authentication off); a request no rule allows is 403 with the API server's
    message."""

    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.tokens = {}
        self.lock = threading.Lock()

    def _load(self):
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        key = (st.st_mtime_ns, st.st_size) if st else None
        if key == self.mtime:
            return
        tokens = {}
        if st:
            try:
                with open(self.path, encoding="utf-8") as f:
                    tokens = json.load(f)
            except (OSError, ValueError) as e:
                sys.stderr.write("kubesim: cannot read tokens file %s: %s\n" % (self.path, e))
                tokens = {}
        self.tokens, self.mtime = tokens if isinstance(tokens, dict) else {}, key

    def reset(self):
        """Only the kubeconfig's admin token stays (the tokens file is
        rewritten) and the pod's service account (DIR/serviceaccount, beside
        the file) is gone: `kubesimctl reset --tokens`."""
        with self.lock:
            self.mtime = None
            self._load()
            keep = {t: v for t, v in self.tokens.items()
                    if isinstance(v, dict) and v.get("user") == "kubesim-admin"}
            tmp = "%s.tmp.%d" % (self.path, os.getpid())
            with open(tmp, "w") as f:
                f.write(json.dumps(keep, indent=1, sort_keys=True))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            self.mtime = None
        import shutil
        shutil.rmtree(os.path.join(os.path.dirname(self.path), "serviceaccount"),
                      ignore_errors=True)

    def authenticate(self, header):
        """The token's entry, or None (401)."""
        if not header or not header.startswith("Bearer "):
            return None
        token = header[len("Bearer "):].strip()
        with self.lock:
            self._load()
            entry = self.tokens.get(token)
        return entry if isinstance(entry, dict) and entry.get("user") else None

    @staticmethod
    def allows(entry, verb, group, resource, ns):
        def has(lst, v):
            return isinstance(lst, list) and ("*" in lst or v in lst)
        for r in entry.get("rules") or []:
            if not (has(r.get("verbs"), verb) and has(r.get("apiGroups"), group)
                    and has(r.get("resources"), resource)):
                continue
            if "namespaces" in r and not (ns and has(r.get("namespaces"), ns)):
                continue
            return True
        return False


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(user, verb, res, resource, ns, name):
    """The API server's 403 (apiserver responsewriters.Forbidden + apierrors.NewForbidden)."""
    if ns:
        why = 'User "%s" cannot %s resource "%s" in API group "%s" in the namespace "%s"' % (
            user, verb, resource, res.group, ns)
    else:
        why = 'User "%s" cannot %s resource "%s" in API group "%s" at the cluster scope' % (
            user, verb, resource, res.group)
    if name:
        msg = '%s "%s" is forbidden: %s' % (res.qualified_resource, name, why)
    else:
        msg = '%s is forbidden: %s' % (res.qualified_resource, why)
    return ApiError(403, msg, "Forbidden", _details(res, name))


AUTH = None   # an Auth when started with --tokens


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubesim/0.1"
    _cli = None               # (shape, field) of an out=cli control request
    # TCP_NODELAY, as Go's net/http server sets it: a response goes out in two
    # writes (headers, body), and without it the second waits for the client's
    # delayed ACK, 40 ms on every request after the first on a kept-alive
    # connection (kubectl's discovery, svcmesh-hook's get-then-patch)
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet; the request log is the record
        if os.environ.get("KUBESIM_VERBOSE"):
            sys.stderr.write("kubesim: " + (fmt % args) + "\n")

    # -- plumbing -------------------------------------------------------------
    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline(65537)
                if len(data) > MAX_BODY:
                    raise ApiError(413, "request entity too large", "RequestEntityTooLarge")
            return data
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            raise ApiError(413, "request entity too large", "RequestEntityTooLarge")
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, code, body, ctype="application/json"):
        if self._cli is not None:
            body, ctype = cli_text(code, body, *self._cli), "text/plain; charset=utf-8"
        if isinstance(body, (dict, list)):
            body = jdump(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
        if self._log_entry is not None:
            self._log_entry["status"] = code

    def _handle(self):
        self._log_entry = None
        self._cli = None
        u = urlsplit(self.path)
        path = u.path
        try:
            body = self._read_body()
        except ApiError as e:
            self._send(e.code, e.status())
            return
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, ApiError(400, "could not read the request body").status())
            return
        query = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        if self.server.control_only and not (path.startswith("/_sim/") or path == "/_sim"):
            self._send(404, ApiError(404, "the control port serves /_sim/ only").status())
            return
        try:
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if body and ctype == "application/vnd.kubernetes.protobuf":
                try:
                    body = json.dumps(decode_k8s_protobuf(body)).encode()
                except (ProtoError, UnicodeDecodeError, IndexError) as e:
                    self._send(415, ApiError(415, "kubesim cannot decode this protobuf body "
                                             "(%s); send application/json" % e,
                                             "UnsupportedMediaType").status())
                    return
            elif body and ctype in ("application/cbor", "application/apply-patch+cbor"):
                self._send(415, ApiError(415, "the body of the request was in an unknown "
                                         "format - accepted media types include: "
                                         "application/json, application/yaml",
                                         "UnsupportedMediaType").status())
                return
            if path.startswith("/_sim/") or path == "/_sim":
                self._control(path, query, body)
                return
            entry = {"method": self.command, "path": path, "query": u.query,
                     "content_type": self.headers.get("Content-Type", ""),
                     "accept": self.headers.get("Accept", ""),
                     "user_agent": self.headers.get("User-Agent", ""),
                     "body": body[:65536].decode("utf-8", "replace"), "time": time.time(),
                     "status": None}
            with STORE.lock:
                STORE.requests.append(entry)
                if len(STORE.requests) > MAX_LOG:
                    del STORE.requests[:len(STORE.requests) - MAX_LOG]
                fault = self._match_fault(path, u.query)
            self._log_entry = entry
            self._user = None
            if AUTH is not None:
                self._user = AUTH.authenticate(self.headers.get("Authorization", ""))
                if self._user is None:
                    raise unauthorized()
                entry["user"] = self._user["user"]
            DRY_RUN.on = query.get("dryRun") == "All"
            if fault is not None:
                if fault.get("delay"):
                    time.sleep(float(fault["delay"]))
                if fault.get("status"):
                    code = int(fault["status"])
                    e = ApiError(code, fault.get("message") or "injected fault",
                                 fault.get("reason"))
                    self._send(code, e.status())
                    return
            self._api(path, query, body)
        except ApiError as e:
            self._send(e.code, e.status())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never let a request kill the server
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self._send(500, ApiError(500, "kubesim internal error: %s: %s"
                                     % (type(e).__name__, e)).status())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def _match_fault(self, path, query):
        for f in STORE.faults:
            m = f.get("method")
            if m and m != "*" and m.upper() != self.command:
                continue
            p = f.get("path")
            if p:
                hit = p in path
                if not hit:
                    try:
                        hit = re.search(p, path) is not None
                    except re.error:
                        hit = False
                if not hit:
                    continue
            q = f.get("query")
            if q and q not in query:
                continue
            times = f.get("times", 1)
            if times is not None and times >= 0:
                if times == 0:
                    continue
                f["times"] = times - 1
            f["hits"] = f.get("hits", 0) + 1
            return dict(f)
        return None

    # -- control API ------------------------------------------------------------
    def _control(self, path, query, body):
        """The /_sim/ endpoints (README.md). With out=cli every answer of this
        request, errors too, is the text kubesimctl prints for the command
        (_send formats it: cli_text), so a shell can drive the server without
        starting kubesimctl (kubesim.bash)."""
        m = self.command
        parts = path.strip("/").split("/")[1:]
        what = parts[0] if parts else ""
        if query.get("out") == "cli":
            self._cli = ("lines" if (what, m) == ("requests", "GET") else
                         "none" if (what, m) == ("faults", "POST") else "json",
                         query.get("field"))

        def load():
            try:
                return parse_body(body) if body.strip() else None
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_request("bad request body: %s" % e)

        if what == "health":
            self._send(200, {"ok": True, "port": self.server.server_address[1]})
        elif what == "reset" and m == "POST":
            if AUTH is not None:
                if query.get("tokens") == "1":
                    AUTH.reset()
                AUTH.mtime = None     # read the tokens file again
            STORE.reset()
            self._send(200, {"ok": True})
        elif what == "objects" and m == "POST":
            obj = load()
            if query.get("reset") == "1":
                STORE.reset()
            self._send(201, STORE.seed(obj))
        elif what == "objects" and m in ("GET", "DELETE"):
            kind = query.get("kind") or query.get("resource")
            if not kind:
                with STORE.lock:
                    items = [copy.deepcopy(o) for _, o in sorted(STORE.objects.items())]
                self._send(200, {"kind": "List", "apiVersion": "v1", "items": items})
                return
            res = res_by_name(kind)
            if res is None:
                raise bad_request("unknown kind %s" % kind)
            ns = query.get("namespace", "") if res.namespaced else ""
            name = query.get("name")
            if m == "DELETE":
                self._send(200, STORE.delete(res, ns, name))
                return
            with STORE.lock:
                if name:
                    o = STORE.get(res, ns, name)
                    if o is None:
                        raise not_found(res, name)
                    self._send(200, o)
                else:
                    self._send(200, {"kind": "List", "apiVersion": "v1",
                                     "items": STORE.list(res, ns, [], [])})
        elif what == "requests" and m == "GET":
            with STORE.lock:
                reqs = list(STORE.requests)
            if query.get("writes") not in (None, "", "0", "false"):
                reqs = [r for r in reqs if r["method"] in ("POST", "PUT", "PATCH", "DELETE")]
            if query.get("method"):
                reqs = [r for r in reqs if r["method"] == query["method"].upper()]
            if query.get("path"):
                reqs = [r for r in reqs if query["path"] in r["path"]]
            if query.get("count") not in (None, "", "0", "false"):
                self._send(200, {"count": len(reqs)})
            else:
                self._send(200, reqs)
        elif what == "requests" and m in ("DELETE", "POST"):
            with STORE.lock:
                STORE.requests = []
            self._send(200, {"ok": True})
        elif what == "faults" and m == "POST":
            f = load()
            if not isinstance(f, dict):
                raise bad_request("a fault is a JSON object")
            if not f.get("status") and not f.get("delay"):
                raise bad_request("a fault needs status and/or delay")
            try:
                if f.get("status") is not None:
                    f["status"] = int(f["status"])
                    if not 100 <= f["status"] <= 599:
                        raise ValueError
                if f.get("delay") is not None:
                    f["delay"] = float(f["delay"])
                if f.get("times") is not None:
                    f["times"] = int(f["times"])
                else:
                    f["times"] = 1
            except (TypeError, ValueError):
                raise bad_request("bad fault: status must be an HTTP code, delay a number of "
                                  "seconds, times an integer (-1: forever)")
            with STORE.lock:
                STORE.faults.append(f)
            self._send(201, f)
        elif what == "faults" and m == "GET":
            with STORE.lock:
                self._send(200, list(STORE.faults))
        elif what == "faults" and m == "DELETE":
            with STORE.lock:
                STORE.faults = []
            self._send(200, {"ok": True})
        else:
            raise ApiError(404, "unknown control endpoint %s %s" % (m, path))

    # -- Kubernetes API ---------------------------------------------------------
    def _api(self, path, query, body):
        parts = [p for p in path.split("/") if p]
        accept = self.headers.get("Accept", "")
        if path in ("/healthz", "/readyz", "/livez"):
            self._send(200, "ok", "text/plain")
            return
        if path == "/version":
            v = dict(SERVER_VERSION, gitVersion="v%s.%s.0-kubesim" % (
                SERVER_VERSION["major"], SERVER_VERSION["minor"]),
                gitCommit="0000000000000000000000000000000000000000", gitTreeState="clean",
                buildDate="2024-01-01T00:00:00Z", goVersion="go1.22.0", compiler="gc",
                platform="linux/amd64")
            self._send(200, v)
            return
        if path == "/openapi/v2" or path == "/swagger-2.0.0.pb-v1":
            if "protobuf" in accept:
                self._send(200, openapi_v2_protobuf(),
                           "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
            else:
                self._send(200, openapi_v2_json())
            return
        if parts[:2] == ["openapi", "v3"]:
            rest = parts[2:]
            if not rest:
                self._send(200, openapi_v3_root())
                return
            if rest[0] == "api" and len(rest) == 2 and rest[1] in GROUPS.get("", []):
                self._send(200, openapi_v3_gv("", rest[1]))
                return
            if rest[0] == "apis" and len(rest) == 3 and rest[2] in GROUPS.get(rest[1], []):
                self._send(200, openapi_v3_gv(rest[1], rest[2]))
                return
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if not parts or parts[0] not in ("api", "apis"):
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        # Discovery. Aggregated discovery (apidiscovery.k8s.io) is not implemented: answering
        # with plain application/json makes every kubectl fall back to the legacy documents.
        if parts == ["api"]:
            self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                             "serverAddressByClientCIDRs": [{
                                 "clientCIDR": "0.0.0.0/0",
                                 "serverAddress": "%s:%d" % self.server.server_address[:2]}]})
            return
        if parts == ["apis"]:
            self._send(200, api_group_list())
            return
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            if len(parts) == 2:
                if parts[1] in GROUPS and parts[1]:
                    self._send(200, api_group(parts[1]))
                    return
                raise ApiError(404, "the server could not find the requested resource",
                               "NotFound")
            group, version, rest = parts[1], parts[2], parts[3:]
        if version not in GROUPS.get(group, []):
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if not rest:
            if self.command != "GET":
                raise ApiError(405, "the server does not allow this method on the requested "
                               "resource", "MethodNotAllowed")
            self._send(200, api_resource_list(group, version))
            return
        ns, plural, name, sub = "", None, None, None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (
                len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns = rest[1]
            rest = rest[2:]
            plural = rest[0]
            res = find_res(group, version, plural)
            if res is None or not res.namespaced:
                raise ApiError(404, "the server could not find the requested resource",
                               "NotFound")
        else:
            plural = rest[0]
            res = find_res(group, version, plural)
            if res is None:
                raise ApiError(404, "the server could not find the requested resource",
                               "NotFound")
        if len(rest) > 3:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if sub is not None and (sub != "status" or not res.status):
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        if res.namespaced and name is not None and not ns:
            raise ApiError(404, "the server could not find the requested resource", "NotFound")
        self._authorize(self._verb(name, query), res, sub,
                        name if res.plural == "namespaces" and name else ns, name)
        if name is None:
            self._collection(res, ns, query, body)
        else:
            self._item(res, ns, name, sub, query, body)

    def _verb(self, name, query):
        """The authorization verb of this request, as the API server's RequestInfo says."""
        m = self.command
        if m in ("GET", "HEAD"):
            if name is None and query.get("watch") in ("1", "true", "True"):
                return "watch"
            return "get" if name is not None else "list"
        if m == "DELETE":
            return "delete" if name is not None else "deletecollection"
        return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(m, m.lower())

    def _authorize(self, verb, res, sub, ns, name):
        if AUTH is None or self._user is None:
            return
        resource = res.plural + ("/" + sub if sub else "")
        if not Auth.allows(self._user, verb, res.group, resource, ns):
            raise forbidden(self._user["user"], verb, res, resource, ns, name)

    def _collection(self, res, ns, query, body):
        m = self.command
        if m in ("GET", "HEAD"):
            lsel = parse_label_selector(query.get("labelSelector", ""))
            fsel = parse_field_selector(query.get("fieldSelector", ""))
            if query.get("watch") in ("1", "true", "True"):
                self._watch(res, ns, lsel, fsel, query)
                return
            with STORE.lock:
                items = STORE.list(res, ns, lsel, fsel)
                rv = str(STORE.rv)
            self._send(200, {"kind": res.kind + "List", "apiVersion": res.api_version,
                             "metadata": {"resourceVersion": rv}, "items": items})
        elif m == "POST":
            if res.namespaced and not ns:
                raise ApiError(405, "the server does not allow this method on the requested "
                               "resource", "MethodNotAllowed")
            obj = self._object_body(body)
            self._send(201, STORE.create(res, ns, obj))
        elif m == "DELETE":
            lsel = parse_label_selector(query.get("labelSelector", ""))
            fsel = parse_field_selector(query.get("fieldSelector", ""))
            with STORE.lock:
                items = STORE.list(res, ns, lsel, fsel)
                deleted = [STORE.delete(res, o["metadata"].get("namespace", ""),
                                        o["metadata"]["name"]) for o in items]
            self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                             "status": "Success", "details": {"kind": res.plural,
                                                              "group": res.group},
                             "message": "deleted %d" % len(deleted)})
        else:
            raise ApiError(405, "the server does not allow this method on the requested "
                           "resource", "MethodNotAllowed")

    def _object_body(self, body, allow_yaml=True):
        try:
            obj = parse_body(body, allow_yaml)
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_request("the body of the request could not be decoded: %s" % e)
        if not isinstance(obj, dict):
            raise bad_request("the body of the request must be a JSON object")
        return obj

    def _item(self, res, ns, name, sub, query, body):
        m = self.command
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if m in ("GET", "HEAD"):
            with STORE.lock:
                o = STORE.get(res, ns, name)
            if o is None:
                raise not_found(res, name)
            self._send(200, o)
        elif m == "DELETE":
            if body.strip():
                try:
                    opts = parse_body(body)
                except (ValueError, UnicodeDecodeError) as e:
                    raise bad_request("the body of the request could not be decoded: %s" % e)
                if isinstance(opts, dict) and "All" in (opts.get("dryRun") or []):
                    DRY_RUN.on = True
                pre = (opts or {}).get("preconditions") if isinstance(opts, dict) else None
                if isinstance(pre, dict):
                    with STORE.lock:
                        cur = STORE.get(res, ns, name)
                    if cur is not None and (
                            (pre.get("uid") and pre["uid"] != cur["metadata"]["uid"]) or
                            (pre.get("resourceVersion") and
                             pre["resourceVersion"] != cur["metadata"]["resourceVersion"])):
                        raise conflict(res, name)
            o = STORE.delete(res, ns, name)
            if res.plural in ("pods", "namespaces"):
                self._send(200, o)
            else:
                self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                 "status": "Success",
                                 "details": dict(_details(res, name),
                                                 uid=o["metadata"]["uid"])})
        elif m == "PUT":
            new = self._object_body(body)
            with STORE.lock:
                old = STORE.get(res, ns, name)
                if old is None:
                    raise not_found(res, name)
                obj, _ = STORE.update(res, ns, name, new, old, sub)
            self._send(200, obj)
        elif m == "PATCH":
            self._patch(res, ns, name, sub, query, body, ctype)
        else:
            raise ApiError(405, "the server does not allow this method on the requested "
                           "resource", "MethodNotAllowed")

    def _patch(self, res, ns, name, sub, query, body, ctype):
        kinds = {"application/merge-patch+json": "merge",
                 "application/json-patch+json": "json",
                 "application/strategic-merge-patch+json": "strategic",
                 "application/apply-patch+yaml": "apply",
                 "application/apply-patch+cbor": None}
        kind = kinds.get(ctype)
        if kind is None:
            raise ApiError(415, "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml, "
                           "application/strategic-merge-patch+json", "UnsupportedMediaType")
        if kind == "strategic" and res.group == "security.istio.io":
            raise ApiError(415, "the body of the request was in an unknown format - accepted "
                           "media types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml",
                           "UnsupportedMediaType")
        try:
            patch = parse_body(body, allow_yaml=(kind == "apply"))
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_request("error decoding patch: %s" % e)
        if kind == "apply":
            self._apply(res, ns, name, sub, query, patch)
            return
        with STORE.lock:
            old = STORE.get(res, ns, name)
            if old is None:
                raise not_found(res, name)
            if kind == "json":
                try:
                    new = json_patch(old, patch)
                except ValueError as e:
                    raise bad_request(str(e))
                except PatchError as e:
                    raise ApiError(422, "the server rejected our request due to an error in our"
                                   " request", "Invalid", {"causes": [{
                                       "reason": "UnexpectedServerResponse",
                                       "message": str(e)}]})
            else:
                if not isinstance(patch, dict):
                    raise bad_request("patch must be a JSON object")
                new = (merge_patch if kind == "merge" else strategic_merge)(old, patch)
            if not isinstance(new, dict):
                raise bad_request("the patched object is not a JSON object")
            obj, _ = STORE.update(res, ns, name, new, old, sub)
        self._send(200, obj)

    def _apply(self, res, ns, name, sub, query, applied):
        """Server-side apply, simplified: create when missing, else merge the applied
        configuration into the live object (maps recursively, lists replaced), and remove the
        fields this field manager applied last time but no longer applies (unless another
        manager's last apply still sets them).  No conflict detection."""
        manager = query.get("fieldManager")
        if not manager:
            raise bad_request("PATCH requests with apply-patch content type must have a "
                              "fieldManager")
        if not isinstance(applied, dict):
            raise bad_request("error decoding YAML: apply configuration must be an object")
        if not applied.get("kind") or not applied.get("apiVersion"):
            raise bad_request("invalid object type: apply configuration needs apiVersion and "
                              "kind")
        with STORE.lock:
            applied = copy.deepcopy(applied)
            md = STORE._check_shape(res, applied, ns, name)
            paths = leaf_paths({k: v for k, v in applied.items()
                                if k not in ("apiVersion", "kind", "status")
                                or (sub == "status" and k == "status")})
            paths = {p for p in paths if p not in (("metadata", "name"),
                                                   ("metadata", "namespace"),
                                                   ("metadata", "resourceVersion"))}
            key = (res.group, res.plural, ns if res.namespaced else "", name)
            old = STORE.get(res, ns, name)
            if old is None:
                if sub:
                    raise not_found(res, name)
                # a patch that creates is also authorized as a create
                self._authorize("create", res, sub, ns, name)
                md.pop("resourceVersion", None)
                obj = STORE.create(res, ns, applied)
                if not DRY_RUN.on:
                    STORE.applied[key] = {manager: paths}
                self._send(201, obj)
                return
            owners = STORE.applied.setdefault(key, {})
            prev = owners.get(manager, set())
            others = set()
            for mgr, ps in owners.items():
                if mgr != manager:
                    others |= ps
            new = ssa_merge(old, applied)
            for p in sorted(prev - paths, key=len, reverse=True):
                if p in others or any(o[:len(p)] == p or p[:len(o)] == o for o in others):
                    continue
                remove_path(new, p)
            obj, _ = STORE.update(res, ns, name, new, old, sub)
            if not DRY_RUN.on:
                owners[manager] = paths
        self._send(200, obj)

    # -- watch ------------------------------------------------------------------
    def _client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if r:
                return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True
        return False

    def _chunk(self, obj):
        data = (jdump(obj) + "\n").encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, res, ns, lsel, fsel, query):
        try:
            timeout = float(query.get("timeoutSeconds") or 1800)
        except ValueError:
            raise bad_request("invalid timeoutSeconds")
        rv_q = query.get("resourceVersion", "")
        with STORE.lock:
            if rv_q in ("", "0"):
                initial = STORE.list(res, ns, lsel, fsel)
                last = STORE.rv
            else:
                try:
                    last = int(rv_q)
                except ValueError:
                    raise bad_request("invalid resourceVersion %s" % json.dumps(rv_q))
                initial = []
                oldest = STORE.events[0][0] if STORE.events else STORE.rv
                if last < oldest - 1:
                    raise ApiError(410, "too old resource version: %d (%d)" % (last, oldest),
                                   "Expired")
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self._log_entry is not None:
            self._log_entry["status"] = 200
        deadline = time.time() + timeout
        try:
            for o in initial:
                self._chunk({"type": "ADDED", "object": o})
            while time.time() < deadline and not self._client_gone():
                with STORE.cond:
                    evs = [e for e in STORE.events if e[0] > last]
                    if not evs:
                        STORE.cond.wait(min(1.0, max(0.0, deadline - time.time())))
                        continue
                for (rv, rkey, ens, etype, obj) in evs:
                    last = max(last, rv)
                    if rkey != res.key or (ns and ens != ns):
                        continue
                    ok = label_match(lsel, obj["metadata"].get("labels")) and \
                        field_match(fsel, obj)
                    if ok:
                        self._chunk({"type": etype, "object": obj})
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    control_only = False


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="kubesim: in-memory Kubernetes API for tests")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free)")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--control-port-file",
                    help="also serve the control API (/_sim/ only) over plain HTTP on "
                         "127.0.0.1, on a port written here (before --port-file): a shell "
                         "drives it through bash's /dev/tcp, also when the API is HTTPS")
    ap.add_argument("--server-version", default="1.31", help="reported by /version")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM, chain)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    ap.add_argument("--tokens", help="JSON file of bearer tokens and their rules (see Auth)")
    ap.add_argument("--owner", type=int, default=0,
                    help="stop when the process with this pid ends (a bats file's server)")
    args = ap.parse_args(argv)
    global AUTH
    if args.tokens:
        AUTH = Auth(args.tokens)
    major, _, minor = args.server_version.partition(".")
    SERVER_VERSION["major"], SERVER_VERSION["minor"] = major or "1", minor or "31"
    httpd = Server((LISTEN_HOST, args.port), Handler)
    scheme = "http"
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # the handshake happens in the request's thread, on its first read
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True,
                                       do_handshake_on_connect=False)
        scheme = "https"
    port = httpd.server_address[1]
    servers = [httpd]
    if args.control_port_file:
        ctl = Server((LISTEN_HOST, 0), Handler)
        ctl.control_only = True
        servers.append(ctl)
        threading.Thread(target=ctl.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()
        write_port(args.control_port_file, ctl.server_address[1])
    if args.port_file:
        write_port(args.port_file, port)

    def shutdown():
        for srv in servers:
            srv.shutdown()

    def stop(signum, frame):
        threading.Thread(target=shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.owner > 0:
        try:
            pidfd = os.pidfd_open(args.owner)
        except OSError:
            return 0                      # the owner is gone already

        def watch():
            import select
            select.select([pidfd], [], [])
            shutdown()
        threading.Thread(target=watch, daemon=True).start()
    sys.stderr.write("kubesim: listening on %s://%s:%d\n" % (scheme, LISTEN_HOST, port))
    sys.stderr.flush()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
