#!/usr/bin/env bash
# TEMPLATE: applies the sharded send, waits for every shard, then runs the merge step and prints the
# merged report. Needs kubectl access to a cluster where the ConfigMap, Secrets and PVC below exist.
set -euo pipefail
cd "$(dirname "$0")"
NS=${NS:-default}

kubectl -n "$NS" create configmap notify-sender-config \
  --from-file=notify-sender.config.json --from-file=payload.json --dry-run=client -o yaml | kubectl -n "$NS" apply -f -

# The send Job and the merge Job are one file; the merge Job must only start after the send Job.
kubectl -n "$NS" delete job notify-send notify-merge --ignore-not-found
kubectl -n "$NS" apply -f <(awk '/^---/{exit} {print}' job.yaml)
kubectl -n "$NS" wait --for=condition=complete job/notify-send --timeout=6h || {
  echo "the send Job did not complete; failed indexes:" >&2
  kubectl -n "$NS" get job notify-send -o jsonpath='{.status.failedIndexes}' >&2; echo >&2
}
kubectl -n "$NS" apply -f <(awk 'f{print} /^---/{f=1}' job.yaml)
kubectl -n "$NS" wait --for=condition=complete job/notify-merge --timeout=10m || true
kubectl -n "$NS" logs job/notify-merge
