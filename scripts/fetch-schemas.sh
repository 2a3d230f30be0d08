#!/usr/bin/env bash
# Downloads the pinned upstream CRD and Helm values schemas the tests validate against, for users
# without ../shared/schemas. Usage: scripts/fetch-schemas.sh [dir]  (default .schemas), then
# export BDOK_SCHEMAS_DIR=<dir> if it is not .schemas. Commits and versions match versions.ts.
set -euo pipefail
dest="${1:-.schemas}"
gh="https://raw.githubusercontent.com"
strimzi="$gh/strimzi/strimzi-kafka-operator/6c7b43c4af0db547c10463ba09d1dfa6f5e156a0"
spark="$gh/kubeflow/spark-operator/43afb8bbd32463037d8fb6e414e252c69081882b"
eck="$gh/elastic/cloud-on-k8s/386c7b14f2d1bbb7f2af1e7da997e64875f16e47"
airflow="$gh/apache/airflow/5dc0143e7df3d7d0985aaffdfd96df9905432150/chart"
trino="$gh/trinodb/charts/a7d40019b135814570731912e12c1ab2fd932f08/charts/trino"
karpenter="$gh/aws/karpenter-provider-aws/bde00654cd316fddb3dccfba3f5ac07039865429/pkg/apis/crds"

# get <file> <url> [fallback-url]: upstream renamed some files between releases.
get() {
  mkdir -p "$(dirname "$dest/$1")"
  curl -fsSL "$2" -o "$dest/$1" || { [ -n "${3:-}" ] && curl -fsSL "$3" -o "$dest/$1"; }
  echo "  $1"
}

echo "fetching schemas into $dest"
co="$strimzi/packaging/install/cluster-operator"
for crd in kafka:040-Crd-kafka kafkaconnect:041-Crd-kafkaconnect kafkatopic:043-Crd-kafkatopic \
           kafkauser:044-Crd-kafkauser kafkaconnector:047-Crd-kafkaconnector; do
  get "strimzi/${crd%%:*}.crd.yaml" "$co/${crd#*:}.yaml"
done
get strimzi/kafkanodepool.crd.yaml "$co/045-Crd-kafkanodepool.yaml" "$co/04A-Crd-kafkanodepool.yaml"
get strimzi/values.yaml "$strimzi/helm-charts/helm3/strimzi-kafka-operator/values.yaml"
for k in sparkapplications scheduledsparkapplications sparkconnects; do
  get "spark-operator/sparkoperator.k8s.io_$k.crd.yaml" "$spark/charts/spark-operator-chart/crds/sparkoperator.k8s.io_$k.yaml"
done
get spark-operator/values.yaml "$spark/charts/spark-operator-chart/values.yaml"
get eck/all-crds.yaml "$eck/config/crds/v1/all-crds.yaml"
get eck/values.yaml "$eck/deploy/eck-operator/values.yaml"
get airflow/values.schema.json "$airflow/values.schema.json"
get airflow/values.yaml "$airflow/values.yaml"
get trino/values.yaml "$trino/values.yaml"
for crd in karpenter.sh:nodepools karpenter.sh:nodeclaims karpenter.sh:nodeoverlays karpenter.k8s.aws:ec2nodeclasses autoscaling.x-k8s.io:capacitybuffers; do
  get "karpenter/${crd#*:}.${crd%%:*}.crd.yaml" "$karpenter/${crd%%:*}_${crd#*:}.yaml"
done
echo "VERSIONS: see versions.ts" > "$dest/VERSIONS.md"
