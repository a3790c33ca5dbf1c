#!/usr/bin/env bash
# zoo_train.sh trains the zoo's missing members one at a time, resuming an
# interrupted one, and commits each as soon as it finishes
# (scripts/zoo_commit.sh), so that finished members survive the working
# tree. Meant to run in the background for hours (docs/zoo.md):
#
#   mkdir -p runs
#   nohup scripts/zoo_train.sh > runs/zoo-train.log 2>&1 &
#   echo $! > runs/zoo-train.pid
#
# SIGTERM or SIGINT is passed on to the training, which saves the state of
# the member in training and exits; then commit that state with
# scripts/zoo_commit.sh --partial. DATASET=cifar10 trains the CIFAR-10 zoo
# (into zoo/cifar10, as make zoo, unless ZOO_DIR says otherwise);
# ZOO_MEMBERS=a,b restricts the members; ZOO_STEPS=N trains each for only N
# steps (to try the machinery, into a scratch ZOO_DIR). A member trained
# with another spec than the list declares (stale: repgeo zoo --list) stops
# it before anything trains; it prints the repgeo zoo --remove command that
# removes such members, after which it retrains them.
set -uo pipefail
cd "$(git rev-parse --show-toplevel)"
dataset=${DATASET:-fashion-mnist}
# The default directories are those of make zoo and repgeo zoo.
default_dir=zoo
[ "$dataset" = cifar10 ] && default_dir=zoo/cifar10
export ZOO_DIR=${ZOO_DIR:-$default_dir}
flags=(--dataset="$dataset" --dir="$ZOO_DIR")
[ -n "${ZOO_MEMBERS:-}" ] && flags+=(--members="$ZOO_MEMBERS")
make -s bin/repgeo || exit 1

child=
stop() {
	echo "zoo_train: stopping: the member in training saves its state"
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
	exit 143
}
trap stop TERM INT

list=$(./bin/repgeo zoo --list "${flags[@]}" ${ZOO_STEPS:+--steps="$ZOO_STEPS"}) ||
	{ echo "zoo_train: repgeo zoo --list failed (exit $?)"; exit 1; }
# The members' rows (first field a member name, MODEL-wWIDTH-sSEED; not the
# header lines or the summary line at the end): member ... state (6th).
rows='NR > 2 && $1 ~ /^[a-z0-9]+-w[0-9.]+-s[0-9]+$/'
mapfile -t stale < <(awk "$rows"' && $6 == "stale" { print $1 }' <<<"$list")
if [ ${#stale[@]} -gt 0 ]; then
	echo "zoo_train: ${#stale[@]} members were trained with another spec than the list declares: ${stale[*]}"
	echo "zoo_train: nothing trained. To retrain them, remove them (repgeo zoo --verify --dataset=$dataset --dir=$ZOO_DIR says how each differs):"
	echo "zoo_train:   ./bin/repgeo zoo --remove --dataset=$dataset --dir=$ZOO_DIR --members=$(IFS=,; echo "${stale[*]}")"
	echo "zoo_train: then run this again."
	exit 1
fi
mapfile -t missing < <(awk "$rows"' && $6 != "finished" { print $1 }' <<<"$list")
echo "zoo_train: ${#missing[@]} members to train: ${missing[*]}"
for m in "${missing[@]}"; do
	./bin/repgeo zoo --dataset="$dataset" --dir="$ZOO_DIR" --members="$m" ${ZOO_STEPS:+--steps="$ZOO_STEPS"} &
	child=$!
	wait "$child"
	rc=$?
	child=
	[ "$rc" -eq 0 ] || { echo "zoo_train: $m failed (exit $rc)"; exit "$rc"; }
	scripts/zoo_commit.sh || echo "zoo_train: commit of $m failed; commit it later with scripts/zoo_commit.sh"
done
echo "zoo_train: every member is trained"
