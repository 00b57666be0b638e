# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# `memtopo agent` running in the foreground with a configuration, one
# process through the whole scenario: a 512M DIMM hot-added on node 1 is
# onlined by its [match dimm] (Movable); virtio-mem vmem0 resized to 384M
# is onlined by [match vmem] (Movable), then offlined by plain writes and
# resized to 0: the agent records the three blocks `removed`. SIGHUP with
# a configuration of plain auto-movable at ratio 100: a 256M DIMM on node 1
# (node 1 already holds 512M of Movable, as much as its 512M of boot
# memory allows) goes wholly into a kernel zone, logged with the figures.
# SIGTERM: exit 0. Host side: agent-hotadd.py.

# agent_wait_lines PATTERN COUNT SECS: until the agent's log has COUNT
# lines matching PATTERN (grep -E).
agent_wait_lines() {
	_tries=$(($3 * 20))
	while [ "$(grep -c -E "$1" /tmp/agent.err)" -lt "$2" ]; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# agent_wait_online "IDS" SECS T0: until every block of IDS is online
# (read is a builtin: no fork per poll). AGENT_DT: seconds from T0 (an
# uptime) to then.
agent_wait_online() {
	_tries=$(($2 * 100))
	while :; do
		_off=0
		for _b in $1; do
			read -r _s <"$SYS_MEM/memory$_b/state" || _s=gone
			[ "$_s" = online ] || _off=1
		done
		[ "$_off" = 0 ] && break
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.01
	done
	AGENT_DT=$(awk -v a="$3" -v b="$(vm_uptime)" 'BEGIN { printf "%.2f", b - a }')
	return 0
}

cat >/tmp/agent.conf <<'CONF'
# agent-hotadd: DIMMs on node 1 and virtio-mem memory into Movable.
[agent]
timeout = 30
[policy]
zone = auto-movable
[match dimm]
source = acpi-dimm
node = 1
zone = movable
[match vmem]
source = virtio-mem
zone = movable
CONF
vm_blob config /tmp/agent.conf 0
vm_memtopo check_config agent --config /tmp/agent.conf --check-config
vm_load_virtio_mem || vm_fail "loading virtio-mem: $VM_ERR"
vm_wait_path '/sys/bus/virtio/drivers/virtio_mem/virtio*' 10 ||
	vm_fail "virtio_mem loaded but bound to no device within 10 s"
before=$(vm_blocks)
vm_snapshot before

: >/tmp/agent.err
memtopo agent --config /tmp/agent.conf 2>/tmp/agent.err &
agent=$!
vm_wait_uevent_listener "$agent" 20 || vm_fail "memtopo agent: $VM_ERR: $(cat /tmp/agent.err)"
agent_wait_lines 'listening to' 1 20 || vm_fail "agent not listening after 20 s: $(cat /tmp/agent.err)"

# 1. A 512M DIMM on node 1: [match dimm], Movable, within 10 s.
vm_req hotadd 512M 1 dimm1 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
t0=$(vm_uptime)
vm_wait_new_blocks "$before" 4 10 || vm_fail "hot-add: no new memory blocks within 10 s"
dimm=$VM_NEW
vm_value dimm_blocks "$dimm"
if agent_wait_online "$dimm" 10 "$t0"; then
	vm_value dimm_online_s "$AGENT_DT"
else
	vm_value dimm_online_s "timeout"
fi
agent_wait_lines '^memtopo agent: batch of' 2 10
vm_snapshot dimm

# 2. virtio-mem up to 384M: [match vmem], Movable; down to 0: removed.
before=$(vm_blocks)
vm_req vmem 384M 30 || vm_fail "resize vmem0 to 384M: host replied: $VM_REPLY"
t0=$(vm_uptime)
vm_wait_new_blocks "$before" 3 10 || vm_fail "virtio-mem resize: no new memory blocks within 10 s"
vmem=$VM_NEW
vm_value vmem_blocks "$vmem"
if agent_wait_online "$vmem" 10 "$t0"; then
	vm_value vmem_online_s "$AGENT_DT"
else
	vm_value vmem_online_s "timeout"
fi
agent_wait_lines '^memtopo agent: batch of' 3 10
vm_snapshot vmem_up
for b in $vmem; do
	vm_state "$b" offline || vm_fail "offline memory$b: $VM_ERR"
done
vm_req vmem 0 30 || vm_fail "resize vmem0 to 0: host replied: $VM_REPLY"
vm_wait_gone "$vmem" 10 || vm_fail "virtio-mem size 0 but blocks remain after 10 s: $VM_ERR"
agent_wait_lines ': removed ' 3 10
# The state file is rewritten after the removals are logged.
sleep 0.3
vm_blob state_vmem /run/memtopo/agent.json 0
vm_snapshot vmem_down

# 3. SIGHUP: plain auto-movable at ratio 100 for every block.
cat >/tmp/agent.conf <<'CONF'
# agent-hotadd after SIGHUP: the kernel's auto-movable at ratio 100.
[policy]
zone = auto-movable
ratio = 100
numa-aware = yes
CONF
vm_blob config_ratio /tmp/agent.conf 0
kill -HUP "$agent"
agent_wait_lines 'configuration reloaded' 1 10 || vm_fail "SIGHUP: no reload logged in 10 s"
before=$(vm_blocks)
vm_req hotadd 256M 1 dimm2 || vm_fail "hotadd 256M to node 1: host replied: $VM_REPLY"
t0=$(vm_uptime)
vm_wait_new_blocks "$before" 2 10 || vm_fail "hot-add: no new memory blocks within 10 s"
ratio=$VM_NEW
vm_value ratio_blocks "$ratio"
agent_wait_online "$ratio" 10 "$t0"
agent_wait_lines '^memtopo agent: batch of' 4 10
vm_snapshot ratio

# 4. SIGTERM while idle: exit 0, the state file written.
kill -TERM "$agent"
vm_wait_pid "$agent" 20
vm_blob agent.err /tmp/agent.err "$VM_RC"
vm_blob state /run/memtopo/agent.json 0
