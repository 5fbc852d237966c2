#!/bin/sh
# Workload objects as kubectl builds them (client-side dry run: no cluster needed), the `object` of the
# AdmissionReview requests in src/server/gate-api.test.ts. Regenerate with: sh generate.sh (kubectl v1.32 made these).
set -eu
cd "$(dirname "$0")"
kubectl create deployment web --image=127.0.0.1:5000/app:vuln --dry-run=client -o json -n apps > deployment-vuln.json
kubectl create job migrate --image=127.0.0.1:5000/app:clean --dry-run=client -o json -n apps > job-clean.json
kubectl create cronjob nightly --image=nginx:1.25 --schedule='0 1 * * *' --dry-run=client -o json -n apps > cronjob-unknown.json
kubectl create deployment sidecars --image=127.0.0.1:5000/app:clean --image=127.0.0.1:5000/app@sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd --dry-run=client -o json -n apps > deployment-two-images.json
