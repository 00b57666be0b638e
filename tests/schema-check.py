#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate memtopo's JSON against its JSON Schemas (doc/schema/*.json,
draft 2020-12), with python3-jsonschema.

As a module (the hook the test scripts call where memtopo's JSON comes
back; mtlib.run calls it for every memtopo run):

    check_output(argv, stdout)   raise SchemaViolation when argv is a
                                 memtopo command line that asks for JSON
                                 (-J, --json, check --format json) and
                                 stdout is not valid against its schema
    check_document(doc[, name])  the same for a parsed document whose
                                 command line is unknown (the QEMU guests'
                                 blobs): the schema is the one its shape
                                 says (name_of)
    schema_for(argv)             "list", "check", "show", "hotplug",
                                 "monitor-event" or None (the agent's
                                 state file is a file, not output:
                                 check_document(doc, "agent-state"))
    validate(doc, name)          a list of problems, [] when valid

As a command:

    schema-check.py NAME FILE|- ...     validate documents (monitor-event:
                                        one per line); exit 1 on a problem
    schema-check.py --self-test         every schema is a valid 2020-12
                                        schema, closed (additionalProperties
                                        false everywhere), and rejects an
                                        unknown field, a wrong type and a
                                        value outside a closed list; and
                                        every field of doc/cli.md's JSON
                                        tables is in its schema, with the
                                        same types

The schemas are strict: a field memtopo prints that its schema does not
name fails, so a field added without its schema fails the suite.
Exit: 0 pass, 1 fail, 2 usage.
"""

import json
import os
import sys

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(os.path.dirname(TESTS_DIR), "doc", "schema")
NAMES = ("list", "check", "show", "hotplug", "monitor-event", "agent-state")
COMMANDS = ("list", "check", "show", "online", "offline", "monitor", "help")

_validators = {}


class SchemaViolation(AssertionError):
    pass


def _validator(name):
    if name not in _validators:
        # Debian's python3-jsonschema (tools/dev.sh installs it): no
        # fallback, a suite without it would prove nothing.
        import jsonschema
        with open(os.path.join(SCHEMA_DIR, name + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        _validators[name] = jsonschema.Draft202012Validator(schema)
    return _validators[name]


def validate(doc, name):
    out = []
    for e in sorted(_validator(name).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append("%s: %s" % (path, e.message))
    return out


def schema_for(argv):
    """The schema of what this memtopo command line prints, or None when
    it prints no JSON (or only help)."""
    args = [a.decode() if isinstance(a, bytes) else str(a) for a in argv[1:]]
    command, json_asked, fmt = None, False, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a in ("-h", "--help", "-V", "--version"):
            return None
        if a in ("--json",) or (a.startswith("-") and not a.startswith("--") and "J" in a):
            json_asked = True
        elif a == "--sysroot" or a == "--format":
            if a == "--format" and i + 1 < len(args):
                fmt = args[i + 1]
            i += 1
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
        elif command is None and not a.startswith("-") and a in COMMANDS:
            command = a
        i += 1
    command = command or "list"
    if command == "help":
        return None
    if command == "check" and fmt == "json":
        json_asked = True
    if not json_asked:
        return None
    return {"list": "list", "check": "check", "show": "show", "online": "hotplug",
            "offline": "hotplug", "monitor": "monitor-event"}[command]


def check_output(argv, stdout):
    """The hook: validate stdout if argv asks memtopo for JSON. A run that
    printed nothing (a failure before the document) has nothing to check."""
    if not argv or os.path.basename(str(argv[0])) != "memtopo":
        return
    name = schema_for(argv)
    if name is None or not stdout:
        return
    text = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else stdout
    docs = text.splitlines() if name == "monitor-event" else [text]
    for n, d in enumerate(docs, 1):
        if not d.strip():
            continue
        try:
            doc = json.loads(d)
        except ValueError:
            # Not JSON (a crash, a timeout, a usage error) is the script's
            # own business: it asserts what it expects, and reports a crash
            # as one. Only parsed JSON is held to the schema.
            continue
        problems = validate(doc, name)
        if problems:
            raise SchemaViolation("%s: output%s does not match doc/schema/%s.json: %s" % (
                " ".join(map(str, argv)), " line %d" % n if len(docs) > 1 else "",
                name, "; ".join(problems[:5])))


def name_of(doc):
    """The schema of a parsed document whose command line is not known
    (the QEMU guests send outputs without it), from its shape."""
    if not isinstance(doc, dict):
        return None
    if "seqnum" in doc:
        return "monitor-event"
    if "counters" in doc and "pid" in doc:
        return "agent-state"
    if "action" in doc and "dry_run" in doc:
        return "hotplug"
    if "findings" in doc and "status" in doc:
        return "check"
    if "links" in doc and "block" in doc:
        return "show"
    if "block_size" in doc:
        return "list"
    return None


def check_document(doc, name=None):
    """The hook for a parsed document: raise SchemaViolation unless it
    matches its schema (name, or the one its shape says)."""
    name = name or name_of(doc)
    if name is None:
        raise SchemaViolation("a memtopo JSON document of no known kind: keys %r"
                              % sorted(doc)[:10] if isinstance(doc, dict) else type(doc))
    problems = validate(doc, name)
    if problems:
        raise SchemaViolation("does not match doc/schema/%s.json: %s"
                              % (name, "; ".join(problems[:5])))


# ---------------------------------------------------------- self-test

def _closed(schema, path, out):
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            if schema.get("additionalProperties") is not False:
                out.append("%s: object without additionalProperties false" % path)
        for k, v in schema.items():
            _closed(v, path + "/" + k, out)
    elif isinstance(schema, list):
        for i, v in enumerate(schema):
            _closed(v, "%s/%d" % (path, i), out)


SAMPLES = {
    "list": {"memtopo": {"version": "0.1.0", "schema": 1}, "block_size": 134217728,
             "memory": [{"range": "0x0000000000000000-0x0000000007ffffff", "start": 0,
                         "end": 134217727, "size": 134217728, "state": "online",
                         "first_block": 0, "last_block": 0, "blocks": 1, "node": 0,
                         "zones": ["none"]}],
             "summary": {"online_bytes": 134217728, "offline_bytes": 0, "blocks": 1,
                         "auto_online_blocks": "offline", "online_policy": None}},
    "check": {"memtopo": {"version": "0.1.0", "schema": 1},
              "findings": [{"id": "shares-pmem", "severity": "error", "blocks": [96],
                            "nodes": [0], "message": "m", "hint": None}],
              "summary": {"error": 1, "warning": 0, "info": 0, "blocks_checked": 104},
              "status": "error", "reason": None},
    "hotplug": {"memtopo": {"version": "0.1.0", "schema": 1}, "action": "offline",
                "dry_run": False, "requested_bytes": 1, "done_bytes": 0,
                "blocks": [{"block": 40, "from": "online", "to": "offline",
                            "result": "failed", "attempts": 4, "errno": "EBUSY",
                            "elapsed_ms": 790, "write": "offline", "zone": "Normal",
                            "reason": "r", "offline_verdict": "unlikely"}],
                "rolled_back": [], "status": "partial", "refusal": None},
    "monitor-event": {"time": "2026-11-21T06:45:37.245Z", "action": "add", "block": 40,
                      "node": 1, "state": "offline", "seqnum": 747, "source": "kernel"},
    "show": {"memtopo": {"version": "0.1.0", "schema": 1}, "block": 3, "start": 0,
             "end": 1, "size": 2, "state": "online", "state_raw": "online", "online": True,
             "zones": ["Normal"], "phys_index": 3, "node": 0,
             "links": {"forward": [0], "back": [0]}, "resources": [],
             "resource_source": "none", "zone_spans": [], "offline_verdict": "likely",
             "census": None, "findings": []},
    "agent-state": {
        "memtopo": {"version": "0.1.0", "schema": 1}, "pid": 812,
        "started": "2026-12-05T13:11:00.043Z", "updated": "2026-12-05T13:11:00.332Z",
        "policy": {"takeover": False, "zone": "auto-movable", "ratio": 301, "numa_aware": True,
                   "timeout": 30, "retries": 3, "matches": [{"name": "dax", "zone": "movable"}],
                   "files": ["etc/memtopo/agent.conf"]},
        "counters": {"onlined_bytes": [{"node": 1, "zone": "Movable", "source": "acpi-dimm",
                                        "bytes": 536870912}],
                     "refusals": {"unsafe": 0, "zone": 0, "conflict": 0, "state": 0, "failed": 0},
                     "results": {"onlined": 4, "already": 0, "refused": 0, "failed": 0,
                                 "ignored": 0, "removed": 1}},
        "blocks": [{"block": 40, "node": 1, "source": "acpi-dimm", "device": "PNP0C80:00",
                    "zone": "Movable", "result": "removed", "reason": "removed (hot-remove)",
                    "time": "2026-12-05T13:11:00.309Z"}]},
}
# (schema, path to an object, field, a value of the wrong type, a closed-list value)
MUTATIONS = {
    "list": (["memory", 0], "state", 5, "sleeping"),
    "check": ([], "status", 2, "fine"),
    "hotplug": (["blocks", 0], "result", True, "maybe"),
    "monitor-event": ([], "source", 1, "netlink"),
    "show": ([], "resource_source", [], "acpi"),
    "agent-state": (["blocks", 0], "result", 1, "offlined"),
}


DOC_SECTIONS = {"list": "### JSON (`list -J`)", "check": "### JSON (`check -J`",
                "show": "### JSON (`show -J`)", "hotplug": "### JSON (`online -J`",
                "monitor-event": "### JSON (`monitor -J`)", "agent-state": "### State file"}


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    for alt in node.get("oneOf", []):
        if alt.get("type") != "null":
            return _resolve(schema, alt)
    return node


def _types(schema, node):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if "enum" in node:
        return {"null" if v is None else "string" for v in node["enum"]}
    if "const" in node:
        return {"integer"}
    if "oneOf" in node:
        return {t for alt in node["oneOf"] for t in _types(schema, alt)}
    t = node.get("type")
    return set(t if isinstance(t, list) else [t])


def docs_agree():
    """Every field of the JSON tables of doc/cli.md is in its schema, with
    the same JSON types ("integer or null", "array of ...")."""
    import re
    problems = []
    with open(os.path.join(os.path.dirname(SCHEMA_DIR), "cli.md"), encoding="utf-8") as f:
        md = f.read()
    for name, head in DOC_SECTIONS.items():
        with open(os.path.join(SCHEMA_DIR, name + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        start = md.index(head)
        end = md.find("\n#", start + len(head))
        rows = 0
        for line in md[start:end if end > 0 else len(md)].splitlines():
            m = re.match(r"^\| `([a-z_.\[\]]+)` \| ([^|]+) \|", line)
            if not m:
                continue
            rows += 1
            path, typ = m.group(1), m.group(2).split(":")[0]
            node = schema
            for part in path.split("."):
                props = _resolve(schema, node).get("properties", {})
                if part.rstrip("[]") not in props:
                    problems.append("%s: doc/cli.md field %s is not in the schema" % (name, path))
                    node = None
                    break
                node = props[part.rstrip("[]")]
                if part.endswith("[]"):
                    node = _resolve(schema, node)["items"]
            if node is None:
                continue
            want = {t for t in ("string", "integer", "boolean", "array", "object", "null")
                    if re.search(r"\b%s\b" % t, typ)}
            have = _types(schema, node)
            if want != have:
                problems.append("%s: %s is %s in doc/cli.md, %s in the schema"
                                % (name, path, sorted(want), sorted(have)))
        if rows < 5:
            problems.append("%s: only %d field rows found in doc/cli.md" % (name, rows))
    return problems


def self_test():
    import copy
    problems = []
    files = sorted(f[:-5] for f in os.listdir(SCHEMA_DIR) if f.endswith(".json"))
    if files != sorted(NAMES):
        problems.append("doc/schema holds %r, want %r" % (files, sorted(NAMES)))
    for name in NAMES:
        with open(os.path.join(SCHEMA_DIR, name + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("%s: $schema is not draft 2020-12" % name)
        _closed(schema, name, problems)
        good = SAMPLES[name]
        if validate(good, name):
            problems.append("%s: the sample is rejected: %r" % (name, validate(good, name)))
        where, field, wrong_type, wrong_value = MUTATIONS[name]
        for what, mutate in (
                ("an unknown field", lambda o: o.__setitem__("new_field", 1)),
                ("a wrong type", lambda o: o.__setitem__(field, wrong_type)),
                ("a value outside the closed list", lambda o: o.__setitem__(field, wrong_value)),
                ("a missing field", lambda o: o.pop(field))):
            doc = copy.deepcopy(good)
            obj = doc
            for k in where:
                obj = obj[k]
            mutate(obj)
            if not validate(doc, name):
                problems.append("%s: %s at %r is accepted" % (name, what, where))
    for name, doc in SAMPLES.items():
        if name_of(doc) != name:
            problems.append("name_of(the %s sample) = %r" % (name, name_of(doc)))
    problems += docs_agree()
    want = {("list", "-J"): "list", ("check", "--format", "json"): "check",
            ("check", "--format", "prometheus"): None, ("--sysroot", "/x", "-J"): "list",
            ("-J", "offline", "1G"): "hotplug", ("show", "3", "-J"): "show",
            ("monitor", "-J"): "monitor-event", ("help", "check"): None,
            ("check", "-J", "--help"): None, ("list",): None}
    for args, name in want.items():
        if schema_for(["memtopo"] + list(args)) != name:
            problems.append("schema_for(%r) = %r, want %r"
                            % (args, schema_for(["memtopo"] + list(args)), name))
    return problems


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    if argv[0] == "--self-test":
        problems = self_test()
        for p in problems:
            print("FAIL " + p)
        print("schema-check self-test: %d problem(s)" % len(problems))
        return 1 if problems else 0
    name, paths = argv[0], argv[1:]
    if name not in NAMES or not paths:
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    for path in paths:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        docs = text.splitlines() if name == "monitor-event" else [text]
        for n, d in enumerate(docs, 1):
            if not d.strip():
                continue
            problems = validate(json.loads(d), name)
            for p in problems:
                print("%s:%d: %s" % (path, n, p))
            failed += bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
