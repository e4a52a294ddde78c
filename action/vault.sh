#!/usr/bin/env bash
# Carry files a run must not lose (rotated OAuth tokens, the SQLite state) from one
# GitHub Actions job to the next, encrypted, in a folder the workflow commits.
#
#   vault.sh open VAULT FILE...   decrypt VAULT/<name>.gpg to each FILE that has one
#   vault.sh seal VAULT FILE...   encrypt each FILE that exists to VAULT/<name>.gpg
#
# <name> is the file's path with / replaced by %. The passphrase comes from the
# environment variable TAHSEEL_VAULT_KEY, never from the command line. gpg (present on
# GitHub's runners) encrypts with AES-256 and an integrity check, so a wrong key or a
# damaged file stops the job instead of handing Tahseel a broken token.
set -euo pipefail

usage() { echo "usage: vault.sh open|seal VAULT FILE..." >&2; exit 2; }
[ $# -ge 3 ] || usage
action=$1 vault=$2
shift 2
if [ -z "${TAHSEEL_VAULT_KEY:-}" ]; then
  echo "vault.sh: TAHSEEL_VAULT_KEY is empty; set it from a repository secret" >&2
  exit 2
fi
umask 077
GNUPGHOME=$(mktemp -d)
export GNUPGHOME
# The strongest key stretching gpg offers, fixed: the agent then skips timing this
# machine to choose one, which costs seconds on a busy runner.
echo "s2k-count 65011712" >"$GNUPGHOME/gpg-agent.conf"
# gpg starts an agent for this home; stop it with the job's files, leaving nothing behind.
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME"' EXIT

gpg_key() {
  gpg --batch --yes --quiet --pinentry-mode loopback --passphrase-fd 3 "$@" \
    3<<<"$TAHSEEL_VAULT_KEY"
}

sealed_name() { printf '%s/%s.gpg' "$vault" "${1//\//%}"; }

case $action in
  open)
    for file in "$@"; do
      sealed=$(sealed_name "$file")
      if [ ! -f "$sealed" ]; then
        echo "vault: $file: nothing sealed yet ($sealed)"
        continue
      fi
      mkdir -p "$(dirname "$file")"
      if ! gpg_key --decrypt --output "$file.vault-new" "$sealed"; then
        rm -f "$file.vault-new"
        echo "vault.sh: cannot decrypt $sealed: wrong TAHSEEL_VAULT_KEY or a damaged file" >&2
        exit 1
      fi
      mv "$file.vault-new" "$file"
      echo "vault: opened $file"
    done
    ;;
  seal)
    mkdir -p "$vault"
    for file in "$@"; do
      if [ ! -f "$file" ]; then
        echo "vault: $file: not there, nothing to seal"
        continue
      fi
      if [ -f "$file-wal" ]; then
        # An SQLite database keeps recent writes in its write-ahead log until a
        # checkpoint: fold them into the file so the sealed copy is whole.
        python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);
c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$file"
      fi
      sealed=$(sealed_name "$file")
      gpg_key --symmetric --cipher-algo AES256 --output "$sealed.new" "$file"
      mv "$sealed.new" "$sealed"
      echo "vault: sealed $file"
    done
    ;;
  *) usage ;;
esac
