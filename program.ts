// Builds every layer from a validated configuration and returns the stack outputs.
// index.ts runs it under `pulumi up`; tools/plan.ts and the tests run it under mocks.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config";
import { Cluster } from "./aws/cluster";
import { Database } from "./aws/database";
import { DataLake } from "./aws/datalake";
import { Network } from "./aws/network";
import { Airflow } from "./platform/airflow";
import type { PlatformContext } from "./platform/context";
import { Elastic } from "./platform/elastic";
import { NAMESPACE, NAMESPACES } from "./platform/k8s/objects";
import { Observability } from "./platform/observability";
import { scrapePorts, scrapeTargets } from "./platform/observability/monitors";
import { ES_EXPORTER_USER } from "./platform/observability/exporter";
import { MONITORING_NAMESPACE } from "./platform/observability/values";
import { SPARK_JOB_NAMESPACES } from "./platform/spark-operator/values";
import { STREAMING_APP } from "./pipelines/realtime/values";
import { Namespaces } from "./platform/namespaces";
import { NetworkPolicies } from "./platform/network-policies";
import { urlPort } from "./platform/network-policies/specs";
import { Trino } from "./platform/trino";
import { Superset } from "./platform/superset";
import { Kafka } from "./platform/kafka";
import { Karpenter } from "./platform/karpenter";
import { KARPENTER_NAMESPACE } from "./platform/karpenter/iam";
import { systemGroupOf } from "./config";
import { karpenterAmi } from "./versions";
import { LoadBalancerController } from "./platform/load-balancer-controller";
import { SparkOperator } from "./platform/spark-operator";
import { SparkHistoryServer } from "./platform/spark-history";
import { ContainerLogs } from "./aws/container-logs";
import { retentionDays } from "./aws/container-logs/policy";
import { BatchPipeline } from "./pipelines/batch";
import { RealtimePipeline } from "./pipelines/realtime";
import { ES_SINK, KIBANA_DATA_VIEW_USER } from "./platform/elastic/values";
import { baseTags, prefix, stackNames } from "./lib/naming";
import { batchDagFiles } from "./pipelines/batch/specs";
import { LAKE_BUCKET_VARIABLE, userDagFiles, userJobFiles } from "./pipelines/user";
import { UserJobs } from "./pipelines/user-jobs";
import { ConfigError } from "./lib/validate";
import { LakeMaintenance } from "./pipelines/maintenance";
import { maintenanceDagFiles, writtenNamespaces } from "./pipelines/maintenance/specs";
import { mergeKafkaNeeds } from "./platform/kafka/needs";
import { realtimeKafkaNeeds } from "./pipelines/realtime/needs";
import { NO_BATCH_NEEDS, batchNeeds } from "./pipelines/batch/needs";
import { ApiProducer } from "./pipelines/api";
import { API_CHECKPOINT_KEY, API_TOPIC, apiDagFiles, apiKafkaNeeds } from "./pipelines/api/specs";

export function createBdok(cfg: StackConfig): Record<string, pulumi.Input<unknown>> {
    const pre = prefix(cfg.stack);
    const tags = baseTags(cfg.stack);
    const names = stackNames(pre);
    const clusterName = names.clusterName;

    // ---- AWS layer ----
    const network = new Network("network", {
        prefix: pre,
        cidr: cfg.vpcCidr,
        azCount: cfg.azCount,
        natGateways: cfg.natGateways,
        clusterName,
        tags,
    });

    // The Iceberg namespaces the pipelines that are on write: each has a Glue database, and is maintained.
    const written = writtenNamespaces(cfg.pipelines);
    const lake = new DataLake("datalake", {
        prefix: pre,
        protect: cfg.protectStatefulResources,
        extraBuckets: ["airflow-logs"],
        icebergNamespaces: written,
        tags,
    });

    const cluster = new Cluster("cluster", {
        prefix: pre,
        clusterName,
        kubernetesVersion: cfg.kubernetesVersion,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        nodeGroups: cfg.nodeGroups,
        endpointPublicAccessCidrs: cfg.endpointPublicAccessCidrs,
        adminRoleArns: cfg.adminRoleArns,
        viewerRoleArns: cfg.viewerRoleArns,
        retainVolumes: cfg.protectStatefulResources,
        tags,
    });

    // Container logs outlive their pods: the add-on's Fluent Bit runs once the nodes and the Pod Identity agent do.
    const containerLogs = cfg.containerLogs.enabled
        ? new ContainerLogs(
              "container-logs",
              {
                  prefix: pre,
                  clusterName,
                  cluster: cluster.name,
                  retentionDays: retentionDays(cfg.containerLogs.retentionDays, cfg.ha),
                  podIdentityAgent: cluster.podIdentityAgent,
                  tags,
              },
              { dependsOn: cluster.nodeGroups },
          )
        : undefined;

    const db = new Database("database", {
        prefix: pre,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clientSecurityGroupId: cluster.clusterSecurityGroupId,
        ...cfg.database,
        protect: cfg.protectStatefulResources,
        passwordRotation: cfg.passwordRotation,
        tags,
    });

    // ---- Platform layer ----
    // Kubernetes children inherit the cluster's provider through `providers`.
    const onCluster = { providers: { kubernetes: cluster.provider } };
    // Superset's namespace exists only with Superset on (bdok:superset.enabled).
    const namespaces = new Namespaces("namespaces", { names: NAMESPACES.filter((n) => n !== NAMESPACE.superset || cfg.superset.enabled) }, onCluster);
    // Everything that runs pods waits behind the cluster's readiness barrier (nodes, add-ons,
    // storage class), so no await starts its clock before a node exists, and on destroy the
    // barrier outlives every pod and volume.
    const onNodes = { ...onCluster, dependsOn: cluster.ready };
    // Operators that call no AWS API and mount no volume need only the nodes: they install while the
    // Pod Identity and EBS CSI add-ons do; what of theirs has volumes waits for `cluster.ready`.
    const onNodeGroups = { ...onCluster, dependsOn: cluster.nodeGroups };
    const systemGroup = systemGroupOf(cfg.nodeGroups);
    const karpenter = new Karpenter(
        "karpenter",
        {
            prefix: pre,
            clusterName,
            cluster: cluster.name,
            region: cfg.region,
            nodeSecurityGroupId: cluster.clusterSecurityGroupId,
            podIdentityAgent: cluster.podIdentityAgent,
            systemNodeGroups: cluster.nodeGroups,
            network,
            nodeAddons: cluster.ready,
            pools: cfg.karpenter.pools,
            replicas: cfg.karpenter.controllerReplicas as 1 | 2,
            // A small cluster's controller watches a few nodes: half of upstream's 1 CPU / 1Gi.
            ...(cfg.ha ? {} : { resources: { cpu: "500m", memory: "512Mi" } }),
            systemNodes: Math.max(1, cfg.nodeGroups[systemGroup].desiredSize),
            systemNodeLabel: { "bdok/node-group": systemGroup },
            ami: karpenterAmi,
            rootVolumeGiB: cfg.karpenter.rootVolumeGiB,
            tags,
        },
        onCluster,
    );
    // What runs pods on Karpenter's pools also waits for the controller and the pools, so on
    // destroy it goes (and its pods with it) while Karpenter still runs to remove the nodes.
    const onPools = { ...onCluster, dependsOn: [...cluster.ready, ...karpenter.ready] };
    const lbc = new LoadBalancerController(
        "load-balancer-controller",
        {
            prefix: pre,
            clusterName: cluster.name,
            region: cfg.region,
            vpcId: network.vpcId,
            ha: cfg.ha,
            podIdentityAgent: cluster.podIdentityAgent,
            tags,
        },
        onNodes,
    );
    const platform: PlatformContext = {
        config: cfg,
        prefix: pre,
        tags,
        clusterName: cluster.name,
        podIdentityAgent: cluster.podIdentityAgent,
        storageClass: cluster.defaultStorageClass,
        loadBalancerController: lbc.release,
    };
    // What the pipelines that are on ask of the platform; a pipeline that is off asks for nothing.
    const batchAsks = cfg.pipelines.batch ? batchNeeds() : NO_BATCH_NEEDS;
    // The lake's maintenance runs whenever a pipeline writes it: an Airflow DAG submitting a Spark job.
    const maintained = written.length > 0;
    const writtenDatabases = Object.values(lake.icebergDatabaseNames);
    const spark = new SparkOperator(
        "spark-operator",
        {
            platform,
            namespace: namespaces.byName["spark-operator"],
            jobNamespaces: { airflow: namespaces.byName.airflow, kafka: namespaces.byName.kafka },
            lakeBucketArn: lake.lake.arn,
            // airflow: the IMDB jobs and the maintenance job (every written namespace); kafka: the stream's table.
            icebergDatabases: {
                airflow: writtenDatabases,
                kafka: lake.icebergDatabaseNames.realtime ? [lake.icebergDatabaseNames.realtime] : [],
            },
            lakeAccess: { airflow: { reads: batchAsks.sparkReads } },
            airflowSubmits: batchAsks.airflowSubmitsSpark || maintained,
        },
        onNodeGroups,
    );
    // On the system group, beside the operators; its Service may be a load balancer (exposure).
    const sparkHistory = cfg.sparkHistoryServer
        ? new SparkHistoryServer(
              "spark-history",
              { platform, namespace: namespaces.byName["spark-operator"], lakeBucket: lake.lake.name, lakeBucketArn: lake.lake.arn, systemGroup },
              onNodes,
          )
        : undefined;
    const kafka = new Kafka(
        "kafka",
        {
            platform,
            namespace: namespaces.byName.kafka,
            namespaces: namespaces.byName,
            // Each pipeline states what it needs of Kafka; a pipeline that is off asks for nothing.
            needs: mergeKafkaNeeds([...(cfg.pipelines.realtime ? [realtimeKafkaNeeds()] : []), ...(cfg.pipelines.api ? [apiKafkaNeeds()] : [])]),
            pools: karpenter.ready,
            storage: cluster.ready,
            metrics: cfg.observability.enabled,
        },
        onNodeGroups,
    );
    // The DAG folder (the batch pipeline's and the maintenance's) is Airflow's input, so it is built
    // before Airflow. Database names come from the CatalogDatabase outputs, so Airflow (which
    // submits the jobs writing their tables) is deleted before them.
    const dagFiles = maintained
        ? pulumi.all([lake.lake.name, pulumi.all(lake.icebergDatabaseNames)]).apply(([bucket, databases]) => ({
              ...(databases.imdb ? batchDagFiles({ lake: { bucket, databases: { imdb: databases.imdb } }, config: cfg }) : {}),
              ...maintenanceDagFiles({ lake: { bucket, databases }, config: cfg }),
              ...(cfg.pipelines.api ? apiDagFiles(cfg.pipelines.apiUrl) : {}),
          }))
        : undefined;
    // Users' own DAGs (bdok:airflow.userDags), under user/ in the DAG folder: no clash with ours.
    const user = userDagFiles(cfg.airflow.userDags);
    if (user.issues.length) throw new ConfigError(user.issues);
    const userDags = user.files;
    // Users' Spark job files (bdok:airflow.userJobs) in the lake's spark-jobs/user/; their templates
    // name the bucket through an Airflow Variable set from the environment.
    const userJobUploads = userJobFiles(cfg.airflow.userJobs);
    if (userJobUploads.issues.length) throw new ConfigError(userJobUploads.issues);
    const userJobs = userJobUploads.uploads.length
        ? new UserJobs("user-jobs", { lakeBucket: lake.lake.name, uploads: userJobUploads.uploads, tags }, onCluster)
        : undefined;
    const forUsers = Object.keys(userDags).length || userJobs ? { [`AIRFLOW_VAR_${LAKE_BUCKET_VARIABLE.toUpperCase()}`]: lake.lake.name } : {};
    // The jobs Airflow submits (their code, the lake ConfigMap their pods mount) outlive it on
    // destroy: a scheduler still running never submits into a half-deleted pipeline. It starts after
    // the Spark operator: the maintenance DAG submits as soon as it exists, and the driver pod needs
    // the operator's webhook (failurePolicy Fail) for its volumes. No finalizer orders the destroy.
    const batch = cfg.pipelines.batch
        ? new BatchPipeline("batch-pipeline", { lakeBucket: lake.lake.name, databases: names.icebergDatabases, tags }, onCluster)
        : undefined;
    const maintenance = maintained
        ? new LakeMaintenance("lake-maintenance", { lakeBucket: lake.lake.name, tags, namespace: namespaces.byName.airflow }, onCluster)
        : undefined;
    const airflow = new Airflow(
        "airflow",
        {
            platform,
            namespace: namespaces.byName.airflow,
            bootstrapNamespace: namespaces.byName["db-bootstrap"],
            database: db,
            lake,
            env: { ...(cfg.pipelines.batch ? { BDOK_LAKE_BUCKET: lake.lake.name, AWS_DEFAULT_REGION: cfg.region } : {}), ...forUsers },
            ...(dagFiles || Object.keys(userDags).length ? { dagFiles: pulumi.output(dagFiles ?? {}).apply((ours) => ({ ...ours, ...userDags })) } : {}),
            workerLakeGrants: batchAsks.airflowWorkerLake,
        },
        {
            ...onPools,
            dependsOn: [...onPools.dependsOn, spark.release, ...(batch ? [batch] : []), ...(maintenance ? [maintenance] : []), ...(userJobs ? [userJobs] : [])],
        },
    );
    const trino = new Trino("trino", { platform, namespace: namespaces.byName.trino, lake }, onPools);
    // Dashboards on the lake through Trino (bdok:superset.enabled); its pods run on the system group.
    const superset = cfg.superset.enabled
        ? new Superset(
              "superset",
              {
                  platform,
                  namespace: namespaces.byName.superset,
                  bootstrapNamespace: namespaces.byName["db-bootstrap"],
                  trinoNamespace: namespaces.byName.trino,
                  database: db,
                  lake,
                  ...(trino.password ? { trinoPassword: trino.password } : {}),
                  trino,
                  pools: karpenter.ready,
              },
              // The operator installs beside the others; what runs pods waits for what it needs (pools, the DB, Trino).
              onNodeGroups,
          )
        : undefined;
    const elastic = new Elastic(
        "elastic",
        {
            platform,
            namespace: namespaces.byName.elastic,
            // The realtime pipeline's sink and Kibana Job, and the Elasticsearch exporter, log in as their
            // own file-realm users (their Secrets: pipelines/realtime/index.ts, platform/observability/index.ts).
            auth: {
                fileRealmSecrets: [
                    ...(cfg.pipelines.realtime ? [ES_SINK.userSecret, KIBANA_DATA_VIEW_USER.userSecret] : []),
                    ...(cfg.observability.enabled ? [ES_EXPORTER_USER.userSecret] : []),
                ],
                roleSecrets: [
                    ...(cfg.pipelines.realtime ? [ES_SINK.rolesSecret, KIBANA_DATA_VIEW_USER.rolesSecret] : []),
                    ...(cfg.observability.enabled ? [ES_EXPORTER_USER.rolesSecret] : []),
                ],
            },
            pools: karpenter.ready,
            storage: cluster.ready,
        },
        onNodeGroups,
    );
    // Metrics, dashboards and alerts of every part (bdok:observability.enabled).
    const scrape = { karpenterNamespace: KARPENTER_NAMESPACE, sparkJobNamespaces: SPARK_JOB_NAMESPACES };
    const observability = cfg.observability.enabled
        ? new Observability(
              "observability",
              {
                  platform,
                  elasticNamespace: namespaces.byName.elastic,
                  targets: scrape,
                  alerts: cfg.pipelines.realtime ? { streaming: { namespace: NAMESPACE.kafka, application: STREAMING_APP } } : {},
                  storage: cluster.ready,
                  elasticsearch: elastic.elasticsearch,
              },
              onNodeGroups,
          )
        : undefined;
    // Ingress isolation of every namespace the platform owns (default deny, then the needed flows).
    new NetworkPolicies(
        "network-policies",
        {
            config: cfg,
            namespaces: {
                ...namespaces.byName,
                [KARPENTER_NAMESPACE]: karpenter.namespace,
                ...(observability ? { [MONITORING_NAMESPACE]: observability.namespace } : {}),
            },
            connectToElasticsearch: cfg.pipelines.realtime,
            superset: cfg.superset.enabled,
            apiProducer: cfg.pipelines.api ? { url: cfg.pipelines.apiUrl } : undefined,
            ...(observability
                ? {
                      prometheus: {
                          namespace: MONITORING_NAMESPACE,
                          ports: scrapePorts(scrapeTargets(scrape)),
                          ...(cfg.alerting.receiver !== "none" ? { alertReceiverPort: urlPort(cfg.alertingUrl) } : {}),
                      },
                  }
                : {}),
        },
        onCluster,
    );

    // ---- Pipelines ----
    const pipelineOutputs: Record<string, pulumi.Input<unknown>> = {};
    if (batch) {
        Object.assign(pipelineOutputs, {
            batchDagId: batch.dagId,
            batchJobUris: batch.jobUris,
            batchTriggerCommand: batch.triggerCommand,
            batchTrinoQuery: batch.trinoQuery,
        });
    }
    if (maintenance) Object.assign(pipelineOutputs, { lakeMaintenanceDagId: maintenance.dagId, lakeMaintenanceJobUri: maintenance.jobUri });
    const realtime = cfg.pipelines.realtime
        ? new RealtimePipeline(
              "realtime-pipeline",
              {
                  platform,
                  kafkaNamespace: namespaces.byName.kafka,
                  elasticNamespace: namespaces.byName.elastic,
                  bootstrapNamespace: namespaces.byName["db-bootstrap"],
                  lakeBucket: lake.lake.name,
                  lakeDatabase: lake.icebergDatabases.realtime!,
                  database: { address: db.address, port: db.port, masterUsername: db.masterUsername, masterPassword: db.masterPassword },
                  connectorDependencies: kafka.connectorDependencies,
                  kafkaUserDependencies: [kafka.release, kafka.cluster],
                  topics: Object.values(kafka.topicResources),
                  topicGeneration: kafka.topicGeneration!,
                  sparkOperator: spark,
                  elasticsearch: elastic.elasticsearch,
                  kibana: elastic.kibana,
                  ...(cfg.pipelines.api ? { api: { topic: API_TOPIC, checkpointKey: API_CHECKPOINT_KEY } } : {}),
              },
              onPools,
          )
        : undefined;
    if (realtime) {
        Object.assign(pipelineOutputs, {
            realtimeSourceConnector: realtime.sourceConnector,
            realtimeSinkConnector: realtime.sinkConnector,
            realtimeStreamingApplication: realtime.streamingApplication,
            realtimeStreamingJobUri: realtime.streamingJobUri,
            realtimeDataView: realtime.dataView,
            realtimeTrinoQuery: realtime.trinoQuery,
            realtimeChecks: realtime.checks,
        });
    }

    // The API producer: its KafkaUser and the certificate copy for its task pod (the DAG is in the folder above).
    if (cfg.pipelines.api) {
        const api = new ApiProducer(
            "api-producer",
            {
                platform,
                kafkaNamespace: namespaces.byName.kafka,
                airflowNamespace: namespaces.byName.airflow,
                kafkaUserDependencies: [kafka.release, kafka.cluster],
                topic: kafka.topicResources.api,
                lakeDatabase: lake.icebergDatabases.realtime!.name,
            },
            onCluster,
        );
        Object.assign(pipelineOutputs, {
            apiDagId: api.dagId,
            apiTopic: api.topic,
            apiKafkaUser: api.user,
            apiTable: api.table,
            apiTrinoQuery: api.trinoQuery,
        });
    }

    return {
        region: cfg.region,
        vpcId: network.vpcId,
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        lakeBucket: lake.lake.name,
        airflowLogsBucket: lake.buckets["airflow-logs"].name,
        glueDatabase: lake.databaseName,
        icebergDatabases: lake.icebergDatabaseNames,
        rdsEndpoint: db.endpoint,
        rdsMasterUser: db.masterUsername,
        rdsMasterPassword: db.masterPassword,
        rdsChangesApply: db.changesApply,
        kubernetesVersion: cfg.kubernetesVersion,
        sparkJobNamespaces: spark.jobNamespaces,
        sparkServiceAccount: spark.serviceAccountName,
        kafkaBootstrapServers: kafka.bootstrapServers,
        ...(kafka.connectImage ? { kafkaConnectImage: kafka.connectImage } : {}),
        airflowPortForward: airflow.portForwardCommand,
        airflowApiService: airflow.apiServiceName,
        airflowAdminUser: airflow.adminUser,
        airflowAdminPassword: airflow.adminPassword,
        trinoService: trino.serviceName,
        trinoPortForward: trino.portForwardCommand,
        trinoCatalog: trino.catalog,
        ...(trino.user ? { trinoUser: trino.user, trinoPassword: trino.password, trinoCaCommand: trino.caCommand } : {}),
        elasticsearchUrl: elastic.elasticsearchUrl,
        kibanaUrl: elastic.kibanaUrl,
        kibanaPortForward: elastic.kibanaPortForwardCommand,
        elasticPasswordCommand: elastic.elasticPasswordCommand,
        ...(containerLogs ? { containerLogGroup: containerLogs.logGroupNames.application } : {}),
        ...(sparkHistory ? { sparkHistoryService: sparkHistory.serviceName, sparkHistoryPortForward: sparkHistory.portForwardCommand } : {}),
        ...(observability
            ? {
                  grafanaPortForward: observability.grafanaPortForward,
                  ...(observability.grafanaUrlCommand ? { grafanaUrlCommand: observability.grafanaUrlCommand } : {}),
                  grafanaAdminUser: observability.grafanaAdminUser,
                  grafanaAdminPassword: observability.grafanaAdminPassword,
              }
            : {}),
        ...(superset
            ? {
                  supersetPortForward: superset.portForwardCommand,
                  supersetService: superset.serviceName,
                  supersetAdminUser: superset.adminUser,
                  supersetAdminPassword: superset.adminPassword,
                  supersetImage: superset.image,
              }
            : {}),
        ...pipelineOutputs,
    };
}
