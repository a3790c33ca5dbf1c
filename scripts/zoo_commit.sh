#!/usr/bin/env bash
# zoo_commit.sh commits the finished members of a zoo directory (default
# zoo/; ZOO_DIR=zoo/cifar10 for CIFAR-10): the directories that zoo.json lists
# and zoo.json itself, as one consistent snapshot even while `make zoo` keeps
# training (zoo.json is read once, and only the members it lists are added).
#
#   scripts/zoo_commit.sh            finished members only (safe at any time)
#   scripts/zoo_commit.sh --partial  also the state of members in training
#                                    (zoo/.partial), so that the next working
#                                    session resumes them; training must be
#                                    stopped first (kill -TERM its process:
#                                    it saves the state and exits)
#
# It commits nothing else: it refuses to run when other changes are staged.
set -euo pipefail

partial=0
case "${1:-}" in
	--partial) partial=1 ;;
	"") ;;
	*) echo "usage: $0 [--partial]" >&2; exit 2 ;;
esac

cd "$(git rev-parse --show-toplevel)"
dir=${ZOO_DIR:-zoo}
manifest=$dir/zoo.json
die() { printf 'zoo_commit: %s\n' "$*" >&2; exit 1; }

git diff --cached --quiet || die "other changes are staged; commit or unstage them first"
if [ "$partial" = 1 ] && [ -e "$dir/.lock" ] && ! flock -n "$dir/.lock" true; then
	die "$dir is being trained (its lock is held): stop the training first (kill -TERM PID), then run again"
fi
[ -f "$manifest" ] || { [ "$partial" = 1 ] || die "no $manifest: no member has finished yet"; }

names=()
if [ -f "$manifest" ]; then
	snapshot=$(mktemp)
	trap 'rm -f "$snapshot"' EXIT
	cp "$manifest" "$snapshot"
	mapfile -t names < <(python3 -c 'import json,sys; print("\n".join(sorted(json.load(open(sys.argv[1]))["members"])))' "$snapshot")
	for n in "${names[@]}"; do
		[ -n "$n" ] || continue
		[ -d "$dir/$n" ] || die "$manifest lists $n but $dir/$n is missing"
		git add -A -- "$dir/$n"
		# The member's training state is gone once it is finished.
		if git ls-files --error-unmatch "$dir/.partial/$n" >/dev/null 2>&1 || [ -e "$dir/.partial/$n" ]; then
			git add -A -- "$dir/.partial/$n" 2>/dev/null || true
		fi
	done
	blob=$(git hash-object -w "$snapshot")
	git update-index --add --cacheinfo "100644,$blob,$manifest"
fi
if [ "$partial" = 1 ] && { [ -d "$dir/.partial" ] || git ls-files --error-unmatch "$dir/.partial" >/dev/null 2>&1; }; then
	git add -A -- "$dir/.partial"
fi
if git diff --cached --quiet; then
	echo "zoo_commit: nothing new to commit"
	exit 0
fi
msg="zoo: ${#names[@]} finished members in $dir"
[ "$partial" = 1 ] && msg="$msg, with the state of members in training"
git commit -q -m "$msg" && git log --oneline -1
du -sh --exclude=.partial "$dir" | sed 's/^/zoo_commit: size without .partial: /'
