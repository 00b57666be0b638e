# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# SIGTERM to `memtopo agent` in the middle of onlining a 2G DIMM (16
# blocks): as soon as the first new block is online the guest sends
# SIGTERM. The agent finishes the write in flight, writes no further block
# (logged `ignored`), writes its state file and exits 0. Host side:
# agent-sigterm.py (log, state file and sysfs agree block by block).
cat >/tmp/agent.conf <<'CONF'
# agent-sigterm: every hot-added block into Movable.
[policy]
zone = movable
CONF
: >/tmp/agent.err
memtopo agent --config /tmp/agent.conf 2>/tmp/agent.err &
agent=$!
n=0
until grep -q 'listening to' /tmp/agent.err; do
	n=$((n + 1))
	[ $n -lt 400 ] || vm_fail "agent not listening after 20 s: $(cat /tmp/agent.err)"
	sleep 0.05
done
before=$(vm_blocks)
vm_snapshot before
vm_req hotadd 2G 1 dimm1 || vm_fail "hotadd 2G to node 1: host replied: $VM_REPLY"
# The first new block online: SIGTERM at once (read and case are builtins).
sent=
n=0
while [ -z "$sent" ] && [ $n -lt 20000 ]; do
	for d in "$SYS_MEM"/memory[0-9]*; do
		b=${d##*/memory}
		case " $before " in *" $b "*) continue ;; esac
		read -r st <"$d/state" 2>/dev/null || continue
		if [ "$st" = online ]; then
			kill -TERM "$agent"
			sent=$b
			break
		fi
	done
	n=$((n + 1))
done
vm_value sigterm_after "$sent"
vm_wait_pid "$agent" 60
vm_blob agent.err /tmp/agent.err "$VM_RC"
vm_blob state /run/memtopo/agent.json 0
vm_wait_new_blocks "$before" 16 10 || vm_fail "2G hot-add: not 16 new blocks within 10 s"
vm_value new_blocks "$VM_NEW"
vm_snapshot after
