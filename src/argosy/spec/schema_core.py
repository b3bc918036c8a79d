"""The Kubernetes types Argo embeds (core/v1, meta/v1, policy/v1), in ``argosy.spec.schema``'s notation.

Containers, volumes and their sources, claim templates and object metadata are checked
field by field. Affinity is only checked to be a mapping (it is passed to the scheduler
as written); Kubernetes' ``HTTPHeader`` (probes) is named ``HTTPGetHeader`` here, as Argo
has an ``HTTPHeader`` of its own.
"""

TYPES = """
ObjectMeta annotations:{str} creationTimestamp:str deletionGracePeriodSeconds:int deletionTimestamp:str
    finalizers:[str] generateName:str generation:int labels:{str} managedFields:[ManagedFieldsEntry]
    name:str namespace:str ownerReferences:[OwnerReference] resourceVersion:str selfLink:str uid:str
ManagedFieldsEntry apiVersion:str fieldsType:str fieldsV1:any manager:str operation:str subresource:str
    time:str
OwnerReference apiVersion:str blockOwnerDeletion:bool controller:bool kind:str name:str uid:str
PodDNSConfig nameservers:[str] options:[PodDNSConfigOption] searches:[str]
HostAlias hostnames:[str] ip:str
LocalObjectReference name:str
PodDisruptionBudgetSpec maxUnavailable:intstr minAvailable:intstr selector:LabelSelector
    unhealthyPodEvictionPolicy:str
ResourceRequirements claims:[ResourceClaim] limits:{quantity} requests:{quantity}
PodResourceClaim name:str resourceClaimName:str resourceClaimTemplateName:str
PodSecurityContext appArmorProfile:AppArmorProfile fsGroup:int fsGroupChangePolicy:str runAsGroup:int
    runAsNonRoot:bool runAsUser:int seLinuxChangePolicy:str seLinuxOptions:SELinuxOptions
    seccompProfile:SeccompProfile supplementalGroups:[int] supplementalGroupsPolicy:str sysctls:[Sysctl]
    windowsOptions:WindowsSecurityContextOptions
Toleration effect:str key:str operator:str tolerationSeconds:int value:str
PersistentVolumeClaim apiVersion:str kind:str metadata:ObjectMeta spec:PersistentVolumeClaimSpec
    status:any
Volume awsElasticBlockStore:AWSElasticBlockStoreVolumeSource azureDisk:AzureDiskVolumeSource
    azureFile:AzureFileVolumeSource cephfs:CephFSVolumeSource cinder:CinderVolumeSource
    configMap:ConfigMapVolumeSource csi:CSIVolumeSource downwardAPI:DownwardAPIVolumeSource
    emptyDir:EmptyDirVolumeSource ephemeral:EphemeralVolumeSource fc:FCVolumeSource
    flexVolume:FlexVolumeSource flocker:FlockerVolumeSource
    gcePersistentDisk:GCEPersistentDiskVolumeSource gitRepo:GitRepoVolumeSource
    glusterfs:GlusterfsVolumeSource hostPath:HostPathVolumeSource image:ImageVolumeSource
    iscsi:ISCSIVolumeSource name:str nfs:NFSVolumeSource
    persistentVolumeClaim:PersistentVolumeClaimVolumeSource
    photonPersistentDisk:PhotonPersistentDiskVolumeSource portworxVolume:PortworxVolumeSource
    projected:ProjectedVolumeSource quobyte:QuobyteVolumeSource rbd:RBDVolumeSource
    scaleIO:ScaleIOVolumeSource secret:SecretVolumeSource storageos:StorageOSVolumeSource
    vsphereVolume:VsphereVirtualDiskVolumeSource
Container args:[str] command:[str] env:[EnvVar] envFrom:[EnvFromSource] image:str imagePullPolicy:str
    lifecycle:Lifecycle livenessProbe:Probe name:str ports:[ContainerPort] readinessProbe:Probe
    resizePolicy:[ContainerResizePolicy] resources:ResourceRequirements restartPolicy:str
    restartPolicyRules:[ContainerRestartRule] securityContext:SecurityContext startupProbe:Probe
    stdin:bool stdinOnce:bool terminationMessagePath:str terminationMessagePolicy:str tty:bool
    volumeDevices:[VolumeDevice] volumeMounts:[VolumeMount] workingDir:str
PodDNSConfigOption name:str value:str
LabelSelector matchExpressions:[LabelSelectorRequirement] matchLabels:{str}
ResourceClaim name:str request:str
AppArmorProfile localhostProfile:str type:str
SELinuxOptions level:str role:str type:str user:str
SeccompProfile localhostProfile:str type:str
Sysctl name:str value:str
WindowsSecurityContextOptions gmsaCredentialSpec:str gmsaCredentialSpecName:str hostProcess:bool
    runAsUserName:str
PersistentVolumeClaimSpec accessModes:[str] dataSource:TypedLocalObjectReference
    dataSourceRef:TypedObjectReference resources:VolumeResourceRequirements selector:LabelSelector
    storageClassName:str volumeAttributesClassName:str volumeMode:str volumeName:str
AWSElasticBlockStoreVolumeSource fsType:str partition:int readOnly:bool volumeID:str
AzureDiskVolumeSource cachingMode:str diskName:str diskURI:str fsType:str kind:str readOnly:bool
AzureFileVolumeSource readOnly:bool secretName:str shareName:str
CephFSVolumeSource monitors:[str] path:str readOnly:bool secretFile:str secretRef:LocalObjectReference
    user:str
CinderVolumeSource fsType:str readOnly:bool secretRef:LocalObjectReference volumeID:str
ConfigMapVolumeSource defaultMode:int items:[KeyToPath] name:str optional:bool
CSIVolumeSource driver:str fsType:str nodePublishSecretRef:LocalObjectReference readOnly:bool
    volumeAttributes:{str}
DownwardAPIVolumeSource defaultMode:int items:[DownwardAPIVolumeFile]
EmptyDirVolumeSource medium:str sizeLimit:quantity
EphemeralVolumeSource volumeClaimTemplate:PersistentVolumeClaimTemplate
FCVolumeSource fsType:str lun:int readOnly:bool targetWWNs:[str] wwids:[str]
FlexVolumeSource driver:str fsType:str options:{str} readOnly:bool secretRef:LocalObjectReference
FlockerVolumeSource datasetName:str datasetUUID:str
GCEPersistentDiskVolumeSource fsType:str partition:int pdName:str readOnly:bool
GitRepoVolumeSource directory:str repository:str revision:str
GlusterfsVolumeSource endpoints:str path:str readOnly:bool
HostPathVolumeSource path:str type:str
ImageVolumeSource pullPolicy:str reference:str
ISCSIVolumeSource chapAuthDiscovery:bool chapAuthSession:bool fsType:str initiatorName:str iqn:str
    iscsiInterface:str lun:int portals:[str] readOnly:bool secretRef:LocalObjectReference
    targetPortal:str
NFSVolumeSource path:str readOnly:bool server:str
PersistentVolumeClaimVolumeSource claimName:str readOnly:bool
PhotonPersistentDiskVolumeSource fsType:str pdID:str
PortworxVolumeSource fsType:str readOnly:bool volumeID:str
ProjectedVolumeSource defaultMode:int sources:[VolumeProjection]
QuobyteVolumeSource group:str readOnly:bool registry:str tenant:str user:str volume:str
RBDVolumeSource fsType:str image:str keyring:str monitors:[str] pool:str readOnly:bool
    secretRef:LocalObjectReference user:str
ScaleIOVolumeSource fsType:str gateway:str protectionDomain:str readOnly:bool
    secretRef:LocalObjectReference sslEnabled:bool storageMode:str storagePool:str system:str
    volumeName:str
SecretVolumeSource defaultMode:int items:[KeyToPath] optional:bool secretName:str
StorageOSVolumeSource fsType:str readOnly:bool secretRef:LocalObjectReference volumeName:str
    volumeNamespace:str
VsphereVirtualDiskVolumeSource fsType:str storagePolicyID:str storagePolicyName:str volumePath:str
EnvVar name:str value:str valueFrom:EnvVarSource
EnvFromSource configMapRef:ConfigMapEnvSource prefix:str secretRef:SecretEnvSource
Lifecycle postStart:LifecycleHandler preStop:LifecycleHandler stopSignal:str
Probe exec:ExecAction failureThreshold:int grpc:GRPCAction httpGet:HTTPGetAction initialDelaySeconds:int
    periodSeconds:int successThreshold:int tcpSocket:TCPSocketAction terminationGracePeriodSeconds:int
    timeoutSeconds:int
ContainerPort containerPort:int hostIP:str hostPort:int name:str protocol:str
ContainerResizePolicy resourceName:str restartPolicy:str
ContainerRestartRule action:str exitCodes:ContainerRestartRuleOnExitCodes
SecurityContext allowPrivilegeEscalation:bool appArmorProfile:AppArmorProfile capabilities:Capabilities
    privileged:bool procMount:str readOnlyRootFilesystem:bool runAsGroup:int runAsNonRoot:bool
    runAsUser:int seLinuxOptions:SELinuxOptions seccompProfile:SeccompProfile
    windowsOptions:WindowsSecurityContextOptions
VolumeDevice devicePath:str name:str
VolumeMount mountPath:str mountPropagation:str name:str readOnly:bool recursiveReadOnly:str subPath:str
    subPathExpr:str
LabelSelectorRequirement key:str operator:str values:[str]
ConfigMapKeySelector key:str name:str optional:bool
TypedLocalObjectReference apiGroup:str kind:str name:str
TypedObjectReference apiGroup:str kind:str name:str namespace:str
VolumeResourceRequirements limits:{quantity} requests:{quantity}
KeyToPath key:str mode:int path:str
DownwardAPIVolumeFile fieldRef:ObjectFieldSelector mode:int path:str
    resourceFieldRef:ResourceFieldSelector
PersistentVolumeClaimTemplate metadata:ObjectMeta spec:PersistentVolumeClaimSpec
VolumeProjection clusterTrustBundle:ClusterTrustBundleProjection configMap:ConfigMapProjection
    downwardAPI:DownwardAPIProjection podCertificate:PodCertificateProjection secret:SecretProjection
    serviceAccountToken:ServiceAccountTokenProjection
SecretKeySelector key:str name:str optional:bool
EnvVarSource configMapKeyRef:ConfigMapKeySelector fieldRef:ObjectFieldSelector
    fileKeyRef:FileKeySelector resourceFieldRef:ResourceFieldSelector secretKeyRef:SecretKeySelector
ConfigMapEnvSource name:str optional:bool
SecretEnvSource name:str optional:bool
LifecycleHandler exec:ExecAction httpGet:HTTPGetAction sleep:SleepAction tcpSocket:TCPSocketAction
ExecAction command:[str]
GRPCAction port:int service:str
HTTPGetAction host:str httpHeaders:[HTTPGetHeader] path:str port:intstr scheme:str
TCPSocketAction host:str port:intstr
ContainerRestartRuleOnExitCodes operator:str values:[int]
Capabilities add:[str] drop:[str]
ObjectFieldSelector apiVersion:str fieldPath:str
ResourceFieldSelector containerName:str divisor:quantity resource:str
ClusterTrustBundleProjection labelSelector:LabelSelector name:str optional:bool path:str signerName:str
ConfigMapProjection items:[KeyToPath] name:str optional:bool
DownwardAPIProjection items:[DownwardAPIVolumeFile]
PodCertificateProjection certificateChainPath:str credentialBundlePath:str keyPath:str keyType:str
    maxExpirationSeconds:int signerName:str userAnnotations:{str}
SecretProjection items:[KeyToPath] name:str optional:bool
ServiceAccountTokenProjection audience:str expirationSeconds:int path:str
FileKeySelector key:str optional:bool path:str volumeName:str
SleepAction seconds:int
HTTPGetHeader name:str value:str
"""
