# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Coldplug and the other agents. A 256M DIMM hot-added on node 1 while no
# agent runs stays offline; `memtopo agent --once --dry-run` only says what
# it would do; `memtopo agent --once` onlines it (the defaults: auto-movable,
# ratio 301). A second 256M DIMM (node 0) added while the agent is stopped is
# onlined when the long-running agent starts (coldplug before READY). With
# auto_online_blocks = online the agent refuses to start (exit 1, one line);
# with takeover = yes it runs, and the blocks of a third DIMM, onlined by
# the kernel, are reported `already` with the kernel's zone. Host side:
# agent-coldplug.py.

# agent_wait_lines FILE PATTERN COUNT SECS: until FILE has COUNT lines
# matching PATTERN (grep -E).
agent_wait_lines() {
	_tries=$(($4 * 20))
	while [ "$(grep -c -E "$2" "$1")" -lt "$3" ]; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# 1. Added while no agent runs: offline until --once.
before=$(vm_blocks)
vm_req hotadd 256M 1 dimm1 || vm_fail "hotadd 256M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 2 10 || vm_fail "hot-add: no new memory blocks within 10 s"
cold1=$VM_NEW
vm_value cold1_blocks "$cold1"
vm_snapshot added1
vm_memtopo dry_run agent --once --dry-run
vm_sysfs_dump dry_run.sysfs
[ -e /run/memtopo/agent.json ] && vm_fail "--dry-run wrote /run/memtopo/agent.json"
vm_memtopo once agent --once
vm_blob state_once /run/memtopo/agent.json 0
vm_snapshot once

# 2. Added while the agent is stopped: onlined at its start.
before=$(vm_blocks)
vm_req hotadd 256M 0 dimm2 || vm_fail "hotadd 256M to node 0: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 2 10 || vm_fail "hot-add: no new memory blocks within 10 s"
cold2=$VM_NEW
vm_value cold2_blocks "$cold2"
vm_snapshot added2
: >/tmp/agent1.err
memtopo agent 2>/tmp/agent1.err &
agent=$!
agent_wait_lines /tmp/agent1.err 'listening to' 1 20 ||
	vm_fail "agent not listening after 20 s: $(cat /tmp/agent1.err)"
vm_snapshot started
kill -TERM "$agent"
vm_wait_pid "$agent" 20
vm_blob agent1.err /tmp/agent1.err "$VM_RC"
vm_blob state_start /run/memtopo/agent.json 0

# 3. The kernel onlines hot-added memory: the agent refuses to start.
echo online >"$SYS_MEM/auto_online_blocks" || vm_fail "cannot write auto_online_blocks"
: >/tmp/refuse.err
memtopo agent 2>/tmp/refuse.err &
agent=$!
vm_wait_pid "$agent" 20
vm_blob refuse.err /tmp/refuse.err "$VM_RC"

# 4. takeover = yes: it runs beside the kernel, reporting `already`.
cat >/tmp/agent.conf <<'CONF'
# agent-coldplug: run beside the kernel's auto-online.
[agent]
takeover = yes
CONF
: >/tmp/agent2.err
memtopo agent --config /tmp/agent.conf 2>/tmp/agent2.err &
agent=$!
agent_wait_lines /tmp/agent2.err 'listening to' 1 20 ||
	vm_fail "takeover agent not listening after 20 s: $(cat /tmp/agent2.err)"
before=$(vm_blocks)
vm_req hotadd 256M 1 dimm3 || vm_fail "hotadd 256M to node 1: host replied: $VM_REPLY"
vm_wait_new_blocks "$before" 2 10 || vm_fail "hot-add: no new memory blocks within 10 s"
taken=$VM_NEW
vm_value taken_blocks "$taken"
agent_wait_lines /tmp/agent2.err '^memtopo agent: batch of' 2 10
vm_snapshot takeover
kill -TERM "$agent"
vm_wait_pid "$agent" 20
vm_blob agent2.err /tmp/agent2.err "$VM_RC"
vm_blob state_takeover /run/memtopo/agent.json 0
