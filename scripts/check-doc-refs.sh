#!/usr/bin/env bash
# Checks that the repository points only at notes it contains. Usage: scripts/check-doc-refs.sh
#
# 1. No file cites the design notes that lived outside the repository (their names are in
#    `absent` below): the protocol and recipe notes are docs/protocol.md and docs/recipes.md,
#    the design is ARCHITECTURE.md, the benchmarks BENCHMARKS.md.
# 2. No bare section sign: a `§` that is not part of an RFC reference (`RFC 4752 §3.1`) was a
#    section of those notes.
# 3. Every `docs/<file>.md#<anchor>` pointer, and every relative `](file.md#anchor)` link inside
#    docs/, names an existing file and one of its headings, with GitHub's anchors (lowercase,
#    spaces to hyphens, punctuation other than `-` and `_` dropped, `-1`, `-2` for repeats).
#
# Files are those git tracks or would track (so target/ and other ignored output are skipped);
# outside a git checkout, every file but .git/ and target/. Prints each offender as
# path:line: text and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

self=scripts/check-doc-refs.sh
# Written as patterns so that this file does not cite them itself.
absent='(PROTOCOL|KAZOO|DESIGN|CONTRACT|PEERS|REVIEW)[.]md'

files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -d '' listed < <(git ls-files -z --cached --others --exclude-standard)
else
    mapfile -d '' listed < <(find . \( -name .git -o -name target \) -prune -o -type f -print0 |
        sed -z 's|^\./||')
fi
for f in "${listed[@]}"; do
    [[ -f $f && $f != "$self" ]] && files+=("$f")
done

failed=0

# grep exits 1 when nothing matches, which is the good case here.
search() { grep -nIH "$@" -- "${files[@]}" || true; }

hits=$(search -E "$absent")
if [[ -n $hits ]]; then
    echo "Citations of notes that are not in the repository (point at docs/protocol.md,"
    echo "docs/recipes.md, ARCHITECTURE.md or BENCHMARKS.md instead):"
    echo "$hits"
    failed=1
fi

hits=$(search '§' | while IFS= read -r line; do
    text=${line#*:*:}
    text=$(sed -E 's/RFC ?[0-9]+ ?§ ?[0-9]+(\.[0-9]+)*//g' <<<"$text")
    if [[ $text == *§* ]]; then echo "$line"; fi
done)
if [[ -n $hits ]]; then
    echo "Section numbers of notes that are not in the repository (name the docs/ anchor):"
    echo "$hits"
    failed=1
fi

# The anchors of a markdown file's headings, one per line, as GitHub makes them.
anchors() {
    awk '
        /^(```|~~~)/ { fenced = !fenced; next }
        fenced || !/^#+ / { next }
        {
            h = $0
            sub(/^#+ +/, "", h); sub(/ +#* *$/, "", h)
            h = tolower(h)
            gsub(/[^a-z0-9 _-]/, "", h)
            gsub(/ /, "-", h)
            if (seen[h]++) print h "-" (seen[h] - 1); else print h
        }
    ' "$1"
}

# Checks one pointer: $1 where it was found, $2 the target file (relative to the repository),
# $3 the anchor.
declare -A cache
check_pointer() {
    local where=$1 target=$2 anchor=$3
    if [[ ! -f $target ]]; then
        echo "$where: $target does not exist"
        return 1
    fi
    if [[ -z ${cache[$target]+set} ]]; then
        cache[$target]=$'\n'$(anchors "$target")$'\n'
    fi
    if [[ ${cache[$target]} != *$'\n'"$anchor"$'\n'* ]]; then
        echo "$where: $target has no heading with the anchor #$anchor"
        return 1
    fi
}

bad=$(
    status=0
    while IFS= read -r hit; do
        [[ -n $hit ]] || continue
        where=${hit%%:docs/*}
        pointer=${hit#"$where":}
        check_pointer "$where" "${pointer%%#*}" "${pointer#*#}" || status=1
    done < <(search -oE 'docs/[A-Za-z0-9_./-]+[.]md#[A-Za-z0-9_-]+')
    # Relative links inside docs/: `](other.md#anchor)` or `](#anchor)`.
    while IFS= read -r hit; do
        [[ -n $hit ]] || continue
        file=${hit%%:*}
        rest=${hit#*:}
        where="$file:${rest%%:*}"
        link=${rest#*:}
        link=${link#\]\(}
        link=${link%\)}
        target=${link%%#*}
        if [[ -z $target ]]; then
            target=$file
        else
            target="$(dirname "$file")/$target"
        fi
        check_pointer "$where" "$target" "${link#*#}" || status=1
    done < <(for f in "${files[@]}"; do
        if [[ $f == docs/*.md ]]; then
            grep -noHE '\]\(([A-Za-z0-9_.-]+[.]md)?#[A-Za-z0-9_-]+\)' -- "$f" || true
        fi
    done)
    exit $status
) || true
if [[ -n $bad ]]; then
    echo "Pointers into docs/ that do not resolve:"
    echo "$bad"
    failed=1
fi

if [[ $failed == 0 ]]; then
    echo "doc references: ok"
fi
exit $failed
