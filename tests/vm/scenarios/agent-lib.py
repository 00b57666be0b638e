# SPDX-License-Identifier: GPL-2.0-or-later
"""Host-side helpers of the agent-* scenarios (not a scenario: no guest
script). The agent's journal lines (its stderr in the guest) and its
state file, judged against the guest's own sysfs dumps.

A block line: `memtopo agent: memoryN: RESULT node=N zone=Z source=S
[device=D]: REASON` (doc/cli.md, agent)."""
import re

LINE = re.compile(r"^memtopo agent: memory(\d+): (would be )?(onlined|already|refused|failed|"
                  r"ignored|removed) node=(\S+)(?: zone=(\S+))? source=(\S+)"
                  r"(?: device=(.+?))?(?:: (.*))?$")
BATCH = re.compile(r"^memtopo agent: batch of (\d+) blocks?: (\d+) onlined, (\d+) already, "
                   r"(\d+) refused, (\d+) failed, (\d+) ignored")


class Line:
    def __init__(self, m):
        self.block = int(m.group(1))
        self.dry = bool(m.group(2))
        self.result = m.group(3)
        self.node = None if m.group(4) == "-" else int(m.group(4))
        self.zone = None if m.group(5) in (None, "-") else m.group(5)
        self.source = m.group(6)
        self.device = m.group(7)
        self.reason = m.group(8) or ""

    def key(self):
        return [self.result, self.node, self.zone, self.source]


def block_lines(text):
    """Every block line of the agent's log, in order."""
    out = []
    for line in (text or "").splitlines():
        m = LINE.match(line)
        if m:
            out.append(Line(m))
    return out


def batches(text):
    return [[int(x) for x in m.groups()] for m in
            (BATCH.match(line) for line in (text or "").splitlines()) if m]


def of(lines, block):
    return [ln for ln in lines if ln.block == block]


def check_one_each(s, lines, blocks, key, label, reason=None):
    """Exactly one log line for each of BLOCKS, with [result, node, zone,
    source] KEY and (a regex) its reason."""
    s.eq({b: [ln.key() for ln in of(lines, b)] for b in blocks}, {b: [key] for b in blocks},
         "%s: exactly one log line per block, [result, node, zone, source]" % label)
    if reason:
        bad = {b: ln.reason for b in blocks for ln in of(lines, b)
               if not re.search(reason, ln.reason)}
        s.eq(bad, {}, "%s: each line's reason matches /%s/" % (label, reason))


def check_log_vs_sysfs(s, lines, dump, blocks, label):
    """No block in a state its log does not state: a block whose last line
    says onlined/already is online in the zone the line names; one without
    a line, or whose last line says ignored/refused/failed, is offline."""
    got, want = {}, {}
    for b in blocks:
        mine = of(lines, b)
        last = mine[-1] if mine else None
        zones = dump.zones(b) if b in dump.ids() else None
        got[b] = [dump.state(b) if b in dump.ids() else "gone",
                  zones[0] if zones and dump.state(b) == "online" else None]
        if last and last.result in ("onlined", "already"):
            want[b] = ["online", last.zone]
        else:
            want[b] = ["offline", None]
    s.eq(got, want, "%s: sysfs [state, zone] of every block is what its last log line "
         "says (none: offline)" % label)


def state_doc(s, blob):
    """The state file sent as BLOB, parsed and held to its schema
    (vmlib's json_blob: doc/schema/agent-state.json, by its shape)."""
    doc = s.json_blob(blob)
    s.expect(doc is not None, "%s: the agent's state file was sent and is JSON" % blob)
    return doc


def entries(doc, block):
    return [e for e in (doc or {}).get("blocks", []) if e.get("block") == block]


def check_state_vs_log(s, doc, lines, label):
    """The state file's entries are the log's block lines, one for one."""
    if not doc:
        return
    s.eq([[e.get("block"), e.get("result"), e.get("node"), e.get("zone"), e.get("source")]
          for e in doc.get("blocks", [])],
         [[ln.block] + ln.key() for ln in lines if not ln.dry],
         "%s: state file entries = the log's block lines, [block, result, node, zone, "
         "source]" % label)
