# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# A udev-like agent races `memtopo online --to movable`: the agent, running
# before the hot-add, onlines every new block with a plain `echo online >
# state` as soon as it sees it, one block per 0.1 s (a rule's latency): it
# always wins the first block before memtopo starts, the later ones are a
# real race. memtopo is started on the four new blocks as soon as they all
# exist. Each block is onlined by
# exactly one of them; memtopo reports the ones it lost as `already` with
# the zone they landed in. Leaves the DIMM (kernel zone blocks cannot be
# removed reliably; its boot ends with it). Host side: udev-race.py.
before=$(vm_blocks)
rm -f /tmp/agent.stop /tmp/agent.log
: >/tmp/agent.log
# Builtins only in the polling loop (a fork costs ~10 ms under TCG).
(
	seen=
	while [ ! -e /tmp/agent.stop ]; do
		for d in "$SYS_MEM"/memory[0-9]*; do
			b=${d##*/memory}
			case " $before $seen " in
			*" $b "*) continue ;;
			esac
			seen="$seen $b"
			if echo online >"$d/state" 2>/tmp/agent.err; then
				echo "$b ok $(vm_uptime)" >>/tmp/agent.log
			else
				echo "$b failed $(vm_uptime) $(cat /tmp/agent.err)" >>/tmp/agent.log
			fi
			# One block per round, then a rule's latency.
			sleep 0.1
			continue 2
		done
	done
) &
agent=$!
vm_req hotadd 512M 1 dimm5 || vm_fail "hotadd 512M to node 1: host replied: $VM_REPLY"
# As soon as the four blocks exist (no settling delay: this is the race).
tries=200
while :; do
	new=
	n=0
	for d in "$SYS_MEM"/memory[0-9]*; do
		b=${d##*/memory}
		case " $before " in
		*" $b "*) continue ;;
		esac
		new="$new $b"
		n=$((n + 1))
	done
	[ "$n" -ge 4 ] && break
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || vm_fail "hot-add: only$new of 4 new blocks after 10 s"
	sleep 0.05
done
new=$(vm_csv "$new")
vm_value t_start "$(vm_uptime)"
vm_memtopo online online --to movable --blocks "$new" -J
vm_value t_end "$(vm_uptime)"
vm_value new_blocks "$(echo "$new" | tr ',' ' ')"
# Let the agent try every new block (it fails where memtopo won), then stop it.
tries=100
while [ "$(wc -l </tmp/agent.log)" -lt 4 ] && [ "$tries" -gt 0 ]; do
	tries=$((tries - 1))
	sleep 0.05
done
: >/tmp/agent.stop
vm_wait_pid "$agent" 10 || vm_fail "the agent did not stop"
vm_blob agent /tmp/agent.log 0
vm_snapshot after
