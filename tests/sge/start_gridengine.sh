#!/usr/bin/env bash
# Installs (only what is missing) and starts a one-host Son of Grid Engine on this machine,
# set up for minimr's SGE tests: root may submit, scheduling every second, a queue all.q of
# 8 slots with a parallel environment smp. Idempotent and unattended: a second run with
# everything up takes a second or two; a run after the daemons died brings them back.
# Prints "gridengine: ready on <host> (...)" and exits 0, or says what failed and exits 1.
# Afterwards, a caller sets up its environment with:
#   source /var/lib/gridengine/default/common/settings.sh
# See /work/shared/notes/sge-on-localhost.md for the pitfalls that the steps below avoid.
set -euo pipefail

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
readonly common=$SGE_ROOT/$SGE_CELL/common
readonly master_pidfile=/var/spool/gridengine/qmaster/qmaster.pid
readonly deadline_s=60

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
host="" # this host as Grid Engine names it; known once the packages are in
restart_master=false
restart_execd=false

fail() {
  echo "start_gridengine: $*" >&2
  exit 1
}

# Runs a command quietly; on failure prints the command and its output, and stops.
run() {
  local out
  out=$("$@" 2>&1) || fail "failed: $*"$'\n'"$out"
}

# Runs a command and prints its output; on failure as run.
run_show() {
  local out
  out=$("$@" 2>&1) || fail "failed: $*"$'\n'"$out"
  printf '%s\n' "$out"
}

install_packages() {
  local missing=() package
  for package in gridengine-master gridengine-exec gridengine-client; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "start_gridengine: installing ${missing[*]}"
    local answers=$work/debconf name
    name=$(hostname)
    for package in gridengine-common gridengine-client gridengine-master; do
      printf '%s shared/gridenginemaster string %s\n' "$package" "$name"
      printf '%s shared/gridenginecell string %s\n' "$package" "$SGE_CELL"
      printf '%s shared/gridengineconfig boolean true\n' "$package"
    done >"$answers"
    run debconf-set-selections "$answers"
    run apt-get -q update
    run env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
      "${missing[@]}"
  fi
  # The cell is made only on a first install with gridengineconfig true.
  [ -r "$common/settings.sh" ] ||
    fail "$common/settings.sh is missing: the packages were installed without a cell;" \
      "purge them (apt-get purge gridengine-common) and run this again"
}

# Writes text to a file unless it holds it already; returns 1 when nothing changed.
write_if_changed() {
  [ "$(cat "$2" 2>/dev/null)" != "$1" ] || return 1
  printf '%s\n' "$1" >"$2"
}

# Pitfall 1: a client on 127.0.0.1 resolves to "localhost", which the qmaster refuses as
# not being this host; an alias makes the two one host.
fix_host_names() {
  write_if_changed "$host localhost" "$common/host_aliases" && restart_master=true
  write_if_changed "$host" "$common/act_qmaster" && restart_master=true
  return 0
}

# Succeeds when the pid file names a live process with the given command name. A killed
# daemon can linger as a zombie (this machine's pid 1 reaps late), which counts as dead.
running() {
  local pid comm state
  pid=$(cat "$1" 2>/dev/null) && read -r _ comm state _ 2>/dev/null <"/proc/$pid/stat" &&
    [ "$comm" = "($2)" ] && [ "$state" != Z ]
}

# Stops the daemon of a pid file and waits until it is gone (a qmaster takes ~5 s).
stop_daemon() {
  local pid deadline=$((SECONDS + deadline_s))
  pid=$(cat "$1")
  echo "start_gridengine: stopping $2"
  kill "$pid"
  while running "$1" "$2"; do
    ((SECONDS < deadline)) || fail "$2 (pid $pid) did not stop within $deadline_s s"
    sleep 0.2
  done
}

start_qmaster() {
  if running "$master_pidfile" sge_qmaster; then
    $restart_master || return 0
    stop_daemon "$master_pidfile" sge_qmaster
  fi
  echo "start_gridengine: starting sge_qmaster"
  run /usr/sbin/sge_qmaster
  local deadline=$((SECONDS + deadline_s))
  until qconf -sh >/dev/null 2>&1; do
    ((SECONDS < deadline)) ||
      fail "sge_qmaster does not answer after $deadline_s s:"$'\n'"$(
        qconf -sh 2>&1; tail -5 /var/spool/gridengine/qmaster/messages 2>&1)"
    sleep 0.2
  done
}

# The qmaster's host is an admin host from the start; it must be a submit host too.
add_submit_host() {
  qconf -ss 2>/dev/null | grep -qx "$host" || run qconf -as "$host"
}

# Collapses blanks so that a file compares equal to qconf's aligned listing of it.
squeeze() {
  sed -e 's/[[:space:]]\+/ /g' -e 's/ $//'
}

# Succeeds when `qconf -s<kind> [name]` shows exactly the attributes of $work/<name or kind>.
same() {
  local current
  current=$(qconf "-s$1" ${2:+"$2"} 2>/dev/null) &&
    [ "$(squeeze <<<"$current")" = "$(squeeze <"$work/${2:-$1}")" ]
}

# Adds (-A<kind>) or replaces (-M<kind>) an object from $work/<name or kind>, then checks
# that qconf shows it as written, so that the next run finds nothing to change.
apply() {
  local file=$work/${2:-$1} flag=-M$1
  qconf "-s$1" ${2:+"$2"} >/dev/null 2>&1 || flag=-A$1
  echo "start_gridengine: qconf $flag ${2:-$1}"
  run qconf "$flag" "$file"
  same "$@" && return 0
  fail "qconf $flag $file did not take; the file, then what qconf shows:"$'\n'"$(
    cat "$file"; qconf "-s$1" ${2:+"$2"} 2>&1)"
}

# Jobs run as root in CI, below the default minimum uid/gid of 1000. qconf -Mconf wants the
# file named after the configuration.
configure_global() {
  run_show qconf -sconf global | sed -e 's/^\(min_uid\|min_gid\)\([[:space:]]*\).*/\1\20/' \
    >"$work/global"
  if ! same conf global; then
    apply conf global
    restart_execd=true # pitfall 3: the execd caches the global configuration
  fi
}

# The default 15 s scheduling interval would make every test job wait. Nor may the scheduler
# count each started job as load for minutes (job_load_adjustments): on 2 cores, a handful of
# workers started together would leave the rest pending as "overloaded".
configure_scheduler() {
  run_show qconf -ssconf | sed -e 's/^\(schedule_interval[[:space:]]*\).*/\10:0:1/' \
    -e 's/^\(flush_submit_sec[[:space:]]*\).*/\11/' \
    -e 's/^\(flush_finish_sec[[:space:]]*\).*/\11/' \
    -e 's/^\(job_load_adjustments[[:space:]]*\).*/\1NONE/' \
    -e 's/^\(load_adjustment_decay_time[[:space:]]*\).*/\10:0:0/' >"$work/sconf"
  same sconf || apply sconf
}

add_host_group() {
  printf 'group_name @allhosts\nhostlist %s\n' "$host" >"$work/@allhosts"
  same hgrp @allhosts || apply hgrp @allhosts
}

# qconf rejects a parallel environment file that lacks any attribute (pitfall 4).
add_parallel_environment() {
  cat >"$work/smp" <<'EOF'
pe_name            smp
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $pe_slots
control_slaves     TRUE
job_is_first_task  FALSE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  same p smp || apply p smp
}

# Every attribute of SGE 8.1.9's queue template, with hostlist, pe_list, slots and shell set.
add_queue() {
  cat >"$work/all.q" <<'EOF'
qname                 all.q
hostlist              @allhosts
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp
rerun                 FALSE
slots                 8
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      posix_compliant
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
  same q all.q || apply q all.q
}

# Prints the pid file of the running execd. The execd names its spool directory after the
# name it resolves for itself ("localhost" on loopback, not the host name): search, not guess.
running_execd_pidfile() {
  local pidfile
  for pidfile in /var/spool/gridengine/execd/*/execd.pid; do
    running "$pidfile" sge_execd && echo "$pidfile" && return 0
  done
  return 1
}

# Started only once the configuration is final (pitfall 3).
start_execd() {
  local pidfile
  if pidfile=$(running_execd_pidfile); then
    $restart_execd || return 0
    stop_daemon "$pidfile" sge_execd
  fi
  echo "start_gridengine: starting sge_execd"
  run /usr/sbin/sge_execd
}

# Waits until qstat -f shows the queue instance with no state letters; clears an error state.
wait_until_ready() {
  local queue=all.q@$host deadline=$((SECONDS + deadline_s)) states
  while :; do
    # Columns: queuename qtype resv/used/tot load_avg arch [states]
    if states=$(qstat -f -q "$queue" 2>/dev/null | awk -v q="$queue" '$1 == q { print $6 "." }') &&
      [ "$states" = "." ]; then
      return 0
    fi
    if [[ $states == *E* ]]; then
      echo "start_gridengine: clearing the error state of $queue"
      run qmod -c "$queue"
    fi
    ((SECONDS < deadline)) ||
      fail "$queue is not ready after $deadline_s s; qstat -f shows:"$'\n'"$(qstat -f 2>&1)"
    sleep 0.5
  done
}

main() {
  install_packages
  host=$(run_show /usr/lib/gridengine/gethostname -name)
  fix_host_names
  start_qmaster
  add_submit_host
  configure_global
  configure_scheduler
  add_host_group
  add_parallel_environment
  add_queue
  start_execd
  wait_until_ready
  echo "gridengine: ready on $host (SGE_ROOT=$SGE_ROOT, SGE_CELL=$SGE_CELL)"
}

main "$@"
