"""Argo's own types (``argoproj.io/v1alpha1``) in the notation of ``argosy.spec.schema``.

Field names and types follow Argo's API (4.x), with the spellings Argo still reads: the
3.x singular ``schedule``, ``mutex`` and ``semaphore``. Parameter ``value``, ``default`` and
``enum`` entries are ``anystr``: Argo's AnyString reads numbers and booleans as strings.
Template ``priority`` and WorkflowSpec ``podPriority`` (3.5) are still read. ``status`` is
not checked: a status copied from ``argo get -o yaml`` may carry anything.
"""

TYPES = """
Workflow apiVersion:str kind:str metadata:ObjectMeta spec:WorkflowSpec status:any
WorkflowTemplate apiVersion:str kind:str metadata:ObjectMeta spec:WorkflowSpec
ClusterWorkflowTemplate apiVersion:str kind:str metadata:ObjectMeta spec:WorkflowSpec
CronWorkflow apiVersion:str kind:str metadata:ObjectMeta spec:CronWorkflowSpec status:any
WorkflowEventBinding apiVersion:str kind:str metadata:ObjectMeta spec:WorkflowEventBindingSpec
WorkflowStep arguments:Arguments continueOn:ContinueOn hooks:{LifecycleHook} inline:Template name:str
    onExit:str template:str templateRef:TemplateRef when:str withItems:[any] withParam:str
    withSequence:Sequence
WorkflowSpec activeDeadlineSeconds:int affinity:map archiveLogs:bool arguments:Arguments
    artifactGC:WorkflowLevelArtifactGC artifactRepositoryRef:ArtifactRepositoryRef
    automountServiceAccountToken:bool dnsConfig:PodDNSConfig dnsPolicy:str entrypoint:str
    executor:ExecutorConfig executorPlugins:[ExecutorPlugin] hooks:{LifecycleHook}
    hostAliases:[HostAlias] hostNetwork:bool imagePullSecrets:[LocalObjectReference] metrics:Metrics
    nodeSelector:{str} onExit:str parallelism:int podDisruptionBudget:PodDisruptionBudgetSpec
    podGC:PodGC podMetadata:Metadata podPriority:int podPriorityClassName:str
    podResources:ResourceRequirements
    podSpecPatch:str priority:int resourceClaims:[PodResourceClaim] retryStrategy:RetryStrategy
    schedulerName:str securityContext:PodSecurityContext serviceAccountName:str shutdown:str
    suspend:bool synchronization:Synchronization templateDefaults:Template templates:[Template]
    tolerations:[Toleration] ttlStrategy:TTLStrategy volumeClaimGC:VolumeClaimGC
    volumeClaimTemplates:[PersistentVolumeClaim] volumes:[Volume] workflowMetadata:WorkflowMetadata
    workflowTemplateRef:WorkflowTemplateRef
CronWorkflowSpec concurrencyPolicy:str failedJobsHistoryLimit:int schedule:str schedules:[str]
    startingDeadlineSeconds:int stopStrategy:StopStrategy successfulJobsHistoryLimit:int suspend:bool
    timezone:str when:str workflowMetadata:ObjectMeta workflowSpec:WorkflowSpec
WorkflowEventBindingSpec event:Event submit:Submit
Arguments artifacts:[Artifact] parameters:[Parameter]
ContinueOn error:bool failed:bool
LifecycleHook arguments:Arguments expression:str template:str templateRef:TemplateRef
Template activeDeadlineSeconds:intstr affinity:map annotations:{str} archiveLocation:ArtifactLocation
    automountServiceAccountToken:bool container:Container containerSet:ContainerSetTemplate daemon:bool
    dag:DAGTemplate data:Data executor:ExecutorConfig failFast:bool hostAliases:[HostAlias] http:HTTP
    initContainers:[UserContainer] inputs:Inputs memoize:Memoize metadata:Metadata metrics:Metrics
    name:str nodeSelector:{str} outputs:Outputs parallelism:int pendingTimeout:str plugin:map
    podResources:ResourceRequirements podSpecPatch:str priority:int priorityClassName:str
    resource:ResourceTemplate
    resourceClaims:[PodResourceClaim] retryStrategy:RetryStrategy schedulerName:str
    script:ScriptTemplate securityContext:PodSecurityContext serviceAccountName:str
    sidecars:[UserContainer] steps:[ParallelSteps] suspend:SuspendTemplate
    synchronization:Synchronization timeout:str tolerations:[Toleration] volumes:[Volume]
TemplateRef clusterScope:bool name:str template:str
Sequence count:intstr end:intstr format:str start:intstr
WorkflowLevelArtifactGC forceFinalizerRemoval:bool podMetadata:Metadata podSpecPatch:str
    serviceAccountName:str strategy:str
ArtifactRepositoryRef configMap:str key:str
ExecutorConfig serviceAccountName:str
ExecutorPlugin metadata:ObjectMeta spec:ExecutorPluginSpec
Metrics prometheus:[Prometheus]
PodGC deleteDelayDuration:str labelSelector:LabelSelector strategy:str
Metadata annotations:{str} labels:{str}
RetryStrategy affinity:RetryAffinity backoff:Backoff expression:str limit:intstr retryPolicy:str
Synchronization mutex:Mutex mutexes:[Mutex] semaphore:SemaphoreRef semaphores:[SemaphoreRef]
TTLStrategy secondsAfterCompletion:int secondsAfterFailure:int secondsAfterSuccess:int
VolumeClaimGC strategy:str
WorkflowMetadata annotations:{str} labels:{str} labelsFrom:{LabelValueFrom}
WorkflowTemplateRef clusterScope:bool name:str
StopStrategy expression:str
Event selector:str
Submit arguments:Arguments metadata:ObjectMeta workflowTemplateRef:WorkflowTemplateRef
Artifact archive:ArchiveStrategy archiveLogs:bool artifactGC:ArtifactGC artifactory:ArtifactoryArtifact
    azure:AzureArtifact deleted:bool from:str fromExpression:str gcs:GCSArtifact git:GitArtifact
    globalName:str hdfs:HDFSArtifact http:HTTPArtifact mode:int name:str optional:bool oss:OSSArtifact
    path:str plugin:PluginArtifact raw:RawArtifact recurseMode:bool s3:S3Artifact subPath:str
Parameter default:anystr description:str enum:[anystr] globalName:str name:str value:anystr
    valueFrom:ValueFrom
ArtifactLocation archiveLogs:bool artifactory:ArtifactoryArtifact azure:AzureArtifact gcs:GCSArtifact
    git:GitArtifact hdfs:HDFSArtifact http:HTTPArtifact oss:OSSArtifact plugin:PluginArtifact
    raw:RawArtifact s3:S3Artifact
ContainerSetTemplate containers:[ContainerNode] retryStrategy:ContainerSetRetryStrategy
    volumeMounts:[VolumeMount]
DAGTemplate failFast:bool target:str tasks:[DAGTask]
Data source:DataSource transformation:[TransformationStep]
HTTP body:str bodyFrom:HTTPBodySource headers:[HTTPHeader] insecureSkipVerify:bool method:str
    successCondition:str timeoutSeconds:int url:str
UserContainer args:[str] command:[str] env:[EnvVar] envFrom:[EnvFromSource] image:str
    imagePullPolicy:str lifecycle:Lifecycle livenessProbe:Probe mirrorVolumeMounts:bool name:str
    ports:[ContainerPort] readinessProbe:Probe resizePolicy:[ContainerResizePolicy]
    resources:ResourceRequirements restartPolicy:str restartPolicyRules:[ContainerRestartRule]
    securityContext:SecurityContext startupProbe:Probe stdin:bool stdinOnce:bool
    terminationMessagePath:str terminationMessagePolicy:str tty:bool volumeDevices:[VolumeDevice]
    volumeMounts:[VolumeMount] workingDir:str
Inputs artifacts:[Artifact] parameters:[Parameter]
Memoize cache:Cache key:str maxAge:str
Outputs artifacts:[Artifact] exitCode:str parameters:[Parameter] result:str
ResourceTemplate action:str failureCondition:str flags:[str] manifest:str manifestFrom:ManifestFrom
    mergeStrategy:str setOwnerReference:bool successCondition:str
ScriptTemplate args:[str] command:[str] env:[EnvVar] envFrom:[EnvFromSource] image:str
    imagePullPolicy:str lifecycle:Lifecycle livenessProbe:Probe name:str ports:[ContainerPort]
    readinessProbe:Probe resizePolicy:[ContainerResizePolicy] resources:ResourceRequirements
    restartPolicy:str restartPolicyRules:[ContainerRestartRule] securityContext:SecurityContext
    source:str startupProbe:Probe stdin:bool stdinOnce:bool terminationMessagePath:str
    terminationMessagePolicy:str tty:bool volumeDevices:[VolumeDevice] volumeMounts:[VolumeMount]
    workingDir:str
SuspendTemplate duration:str
ExecutorPluginSpec sidecar:ExecutorPluginSidecar
Prometheus counter:Counter gauge:Gauge help:str histogram:Histogram labels:[MetricLabel] name:str
    when:str
RetryAffinity nodeAntiAffinity:map
Backoff cap:str duration:str factor:intstr maxDuration:str
Mutex database:bool name:str namespace:str
SemaphoreRef configMapKeyRef:ConfigMapKeySelector database:SyncDatabaseRef namespace:str
LabelValueFrom expression:str
ArchiveStrategy none:map tar:TarStrategy zip:map
ArtifactGC podMetadata:Metadata serviceAccountName:str strategy:str
ArtifactoryArtifact passwordSecret:SecretKeySelector url:str usernameSecret:SecretKeySelector
AzureArtifact accountKeySecret:SecretKeySelector blob:str container:str endpoint:str useSDKCreds:bool
GCSArtifact bucket:str key:str serviceAccountKeySecret:SecretKeySelector
GitArtifact branch:str depth:int disableSubmodules:bool fetch:[str] insecureIgnoreHostKey:bool
    insecureSkipTLS:bool passwordSecret:SecretKeySelector repo:str revision:str singleBranch:bool
    sshPrivateKeySecret:SecretKeySelector usernameSecret:SecretKeySelector
HDFSArtifact addresses:[str] dataTransferProtection:str force:bool hdfsUser:str
    krbCCacheSecret:SecretKeySelector krbConfigConfigMap:ConfigMapKeySelector
    krbKeytabSecret:SecretKeySelector krbRealm:str krbServicePrincipalName:str krbUsername:str path:str
HTTPArtifact auth:HTTPAuth headers:[Header] saveStreamViaFile:bool url:str
OSSArtifact accessKeySecret:SecretKeySelector bucket:str createBucketIfNotPresent:bool endpoint:str
    key:str lifecycleRule:OSSLifecycleRule secretKeySecret:SecretKeySelector securityToken:str
    useSDKCreds:bool
PluginArtifact configuration:str connectionTimeoutSeconds:int key:str name:str
RawArtifact data:str
S3Artifact accessKeySecret:SecretKeySelector addressingStyle:str bucket:str caSecret:SecretKeySelector
    createBucketIfNotPresent:CreateS3BucketOptions encryptionOptions:S3EncryptionOptions endpoint:str
    insecure:bool key:str region:str roleARN:str secretKeySecret:SecretKeySelector
    sessionTokenSecret:SecretKeySelector useSDKCreds:bool
ValueFrom configMapKeyRef:ConfigMapKeySelector default:anystr event:str expression:str jqFilter:str
    jsonPath:str parameter:str path:str supplied:map
ContainerNode args:[str] command:[str] dependencies:[str] env:[EnvVar] envFrom:[EnvFromSource] image:str
    imagePullPolicy:str lifecycle:Lifecycle livenessProbe:Probe name:str ports:[ContainerPort]
    readinessProbe:Probe resizePolicy:[ContainerResizePolicy] resources:ResourceRequirements
    restartPolicy:str restartPolicyRules:[ContainerRestartRule] securityContext:SecurityContext
    startupProbe:Probe stdin:bool stdinOnce:bool terminationMessagePath:str terminationMessagePolicy:str
    tty:bool volumeDevices:[VolumeDevice] volumeMounts:[VolumeMount] workingDir:str
ContainerSetRetryStrategy duration:str retries:intstr
DAGTask arguments:Arguments continueOn:ContinueOn dependencies:[str] depends:str hooks:{LifecycleHook}
    inline:Template name:str onExit:str template:str templateRef:TemplateRef when:str withItems:[any]
    withParam:str withSequence:Sequence
DataSource artifactPaths:ArtifactPaths
TransformationStep expression:str
HTTPBodySource bytes:str
HTTPHeader name:str value:str valueFrom:HTTPHeaderSource
Cache configMap:LocalObjectReference
ManifestFrom artifact:Artifact
ExecutorPluginSidecar automountServiceAccountToken:bool container:Container
Counter value:str
Gauge operation:str realtime:bool value:str
Histogram buckets:[num] value:str
MetricLabel key:str value:str
SyncDatabaseRef key:str
TarStrategy compressionLevel:int
HTTPAuth basicAuth:BasicAuth clientCert:ClientCertAuth oauth2:OAuth2Auth
Header name:str value:str
OSSLifecycleRule markDeletionAfterDays:int markInfrequentAccessAfterDays:int
CreateS3BucketOptions objectLocking:bool
S3EncryptionOptions enableEncryption:bool kmsEncryptionContext:str kmsKeyId:str
    serverSideCustomerKeySecret:SecretKeySelector
ArtifactPaths archive:ArchiveStrategy archiveLogs:bool artifactGC:ArtifactGC
    artifactory:ArtifactoryArtifact azure:AzureArtifact deleted:bool from:str fromExpression:str
    gcs:GCSArtifact git:GitArtifact globalName:str hdfs:HDFSArtifact http:HTTPArtifact mode:int name:str
    optional:bool oss:OSSArtifact path:str plugin:PluginArtifact raw:RawArtifact recurseMode:bool
    s3:S3Artifact subPath:str
HTTPHeaderSource secretKeyRef:SecretKeySelector
BasicAuth passwordSecret:SecretKeySelector usernameSecret:SecretKeySelector
ClientCertAuth clientCertSecret:SecretKeySelector clientKeySecret:SecretKeySelector
OAuth2Auth clientIDSecret:SecretKeySelector clientSecretSecret:SecretKeySelector
    endpointParams:[OAuth2EndpointParam] scopes:[str] tokenURLSecret:SecretKeySelector
OAuth2EndpointParam key:str value:str
"""
