# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# The agent's benchmark (tests/bench/bench-agent.py; not a test: no
# meson registration). Parameters from the kernel command line
# (run-vm.py --append): memtopo_bench_runs=N (default 5),
# memtopo_bench_cycles=N (default 100).
#
# 1. Latency, N runs of each, in turn: a 2G DIMM hot-added on node 1
#    and onlined (a) by the kernel, auto_online_blocks = online_movable
#    (what memhp_default_state=online_movable sets at boot), (b) by a
#    shell loop that writes online_movable to every offline block the
#    moment it sees one (what a udev rule does, without udevd's own cost:
#    the floor of any agent in userspace), (c) by `memtopo agent`
#    (auto_online_blocks = offline, [policy] zone = movable). The guest polls the new blocks' state (builtins only) and
#    sends `NOTE bench-online MODE RUN` the moment all 16 are online; the
#    host's ctl log timestamps that line and the REP of the hot-add (sent
#    when QMP device_add returned). Each run's DIMM is offlined and
#    removed before the next.
# 2. RSS: the agent through CYCLES hot-add/remove cycles of a 256M DIMM
#    (it onlines, the guest offlines and removes), VmRSS/VmHWM sampled.
RUNS=5
CYCLES=100
# shellcheck disable=SC2013 # words, not lines: the kernel command line
for w in $(cat /proc/cmdline); do
	case "$w" in
	memtopo_bench_runs=*) RUNS=${w#*=} ;;
	memtopo_bench_cycles=*) CYCLES=${w#*=} ;;
	esac
done
vm_log "bench: $RUNS runs per mode, $CYCLES RSS cycles"

cat >/tmp/agent.conf <<'CONF'
# agent-bench: every hot-added block into Movable, like online_movable.
[policy]
zone = movable
CONF

agent_start() {
	memtopo agent --config /tmp/agent.conf 2>>/tmp/agent.log &
	AGENT=$!
	_n=0
	until grep -q 'listening to' /tmp/agent.log 2>/dev/null &&
		[ "$(grep -c 'listening to' /tmp/agent.log)" -ge "$1" ]; do
		_n=$((_n + 1))
		[ $_n -lt 400 ] || vm_fail "agent not listening after 20 s"
		sleep 0.05
	done
}

agent_stop() {
	kill -TERM "$AGENT"
	vm_wait_pid "$AGENT" 30
	[ "$VM_RC" = 0 ] || vm_fail "agent exit status $VM_RC after SIGTERM"
}

# bench_wait_online "BEFORE" COUNT: until COUNT blocks not in BEFORE are
# online; then NEW holds them. Builtins only (glob, case, read).
bench_wait_online() {
	_n=0
	while :; do
		_on=0
		NEW=
		for _d in "$SYS_MEM"/memory[0-9]*; do
			_b=${_d##*/memory}
			case " $1 " in *" $_b "*) continue ;; esac
			NEW="$NEW $_b"
			read -r _s <"$_d/state" 2>/dev/null || continue
			[ "$_s" = online ] && _on=$((_on + 1))
		done
		[ "$_on" -ge "$2" ] && return 0
		_n=$((_n + 1))
		[ $_n -lt 200000 ] || return 1
	done
}

# agent_wait_batches N: until the agent's log has N batch lines (its
# writes verified, its state file written).
agent_wait_batches() {
	_n=0
	while [ "$(grep -c '^memtopo agent: batch of' /tmp/agent.log)" -lt "$1" ]; do
		_n=$((_n + 1))
		[ $_n -lt 400 ] || vm_fail "agent: no batch $1 after 20 s"
		sleep 0.05
	done
}

# The userspace floor: every offline block onlined the moment it is seen
# (builtins only; a 1 ms pause when there is none, as udevd waits for an
# event).
shell_agent() {
	while :; do
		for _d in "$SYS_MEM"/memory[0-9]*; do
			read -r _s <"$_d/state" 2>/dev/null || continue
			[ "$_s" = offline ] && echo online_movable >"$_d/state" 2>/dev/null
		done
		usleep 1000
	done
}

# bench_remove ID: offline the new blocks, remove the DIMM.
bench_remove() {
	for _b in $NEW; do
		vm_state "$_b" offline || vm_fail "offline memory$_b: $VM_ERR"
	done
	vm_req remove "$1" 20 || vm_fail "remove $1: $VM_REPLY"
	vm_wait_gone "$NEW" 20 || vm_fail "$1 removed, blocks remain: $VM_ERR"
}

: >/tmp/agent.log
i=1
starts=0
while [ $i -le "$RUNS" ]; do
	for mode in kernel shell agent; do
		if [ $mode = kernel ]; then
			echo online_movable >"$SYS_MEM/auto_online_blocks"
		elif [ $mode = shell ]; then
			echo offline >"$SYS_MEM/auto_online_blocks"
			shell_agent &
			SHELL_AGENT=$!
		else
			echo offline >"$SYS_MEM/auto_online_blocks"
			starts=$((starts + 1))
			agent_start $starts
		fi
		before=$(vm_blocks)
		vm_req hotadd 2G 1 "b$mode$i" || vm_fail "hotadd 2G: $VM_REPLY"
		bench_wait_online "$before" 16 || vm_fail "$mode run $i: 16 blocks not online"
		vm_send "NOTE bench-online $mode $i"
		vm_value "zones_${mode}_$i" "$(for b in $NEW; do
			cat "$SYS_MEM/memory$b/valid_zones"
		done | sort | uniq -c | tr '\n' ' ')"
		if [ $mode = agent ]; then
			agent_wait_batches $((2 * starts))
			agent_stop
		elif [ $mode = shell ]; then
			kill "$SHELL_AGENT"
			wait "$SHELL_AGENT"
		fi
		bench_remove "b$mode$i"
	done
	i=$((i + 1))
done
echo offline >"$SYS_MEM/auto_online_blocks"
vm_blob latency_agent.err /tmp/agent.log 0

# RSS over CYCLES hot-add/remove cycles of a 256M DIMM.
: >/tmp/agent.log
agent_start 1
rss() {
	printf '%s %s\n' "$1" "$(awk '/^Vm(RSS|HWM):/ { printf "%s=%s ", $1, $2 }' \
		"/proc/$AGENT/status")" >>/tmp/rss
}
: >/tmp/rss
rss 0
c=1
while [ $c -le "$CYCLES" ]; do
	before=$(vm_blocks)
	vm_req hotadd 256M 1 cyc || vm_fail "cycle $c: hotadd: $VM_REPLY"
	bench_wait_online "$before" 2 || vm_fail "cycle $c: not online"
	agent_wait_batches $((c + 1))
	bench_remove cyc
	case $c in 1 | 10 | 25 | 50 | 75 | 100 | "$CYCLES") rss "$c" ;; esac
	c=$((c + 1))
done
vm_blob rss /tmp/rss 0
agent_stop
vm_blob rss_agent.err /tmp/agent.log 0
vm_blob state /run/memtopo/agent.json 0
