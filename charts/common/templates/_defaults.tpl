{{/*
Defaults shared by every Drone Delivery chart. A service chart's values.yaml holds only what
is particular to it (image, settings, peers, datastore); these fill in everything else, and
anything set in values wins, false and 0 included. Every key here is described in the
chart's values.schema.json, which rejects unknown keys and wrong types at install time.
*/}}
{{- define "common.defaults" -}}
global:
  # The registry images come from unless a chart's image.registry names another. Always a
  # registry host, never a bare name that a container runtime would resolve on Docker Hub:
  # by default a registry on the cluster's own nodes (kind, k3d and minikube's registry
  # add-on serve one on localhost:5000), for a quick test on a local cluster. On AKS set your
  # registry (global.imageRegistry=<name>.azurecr.io); values-production.yaml names its ACR.
  imageRegistry: localhost:5000
image:
  registry: ""     # default: global.imageRegistry
  tag: ""          # default: the chart's appVersion
  digest: ""       # sha256:...; when set, the image is pulled by digest and the tag is ignored
  # Default: IfNotPresent for a digest (it names one image for ever), Always for a tag (a tag
  # can be moved, and a node would otherwise keep running what it pulled first).
  pullPolicy: ""
imagePullSecrets: []
fullnameOverride: ""
versionLabel: ""   # app.kubernetes.io/version; default: the image tag
component: backend
replicaCount: 2    # used only when autoscaling is off
containerPort: 8080
service:
  port: 80
# Environment variables for the service, by the names its config schema reads (see the
# service's README, services/<name>/README.md or gateway/README.md). Merged with the chart's own settings.
config:
  LOG_LEVEL: info
  SHUTDOWN_DELAY_MS: 0
secrets:
  source: none     # none | existingSecret | keyVault
  existingSecret: ""
  variables: {}    # environment variable -> key in the Secret (or Key Vault secret name)
  keyVault:
    name: ""
    tenantId: ""
serviceAccount:
  create: true
  name: ""
  annotations: {}
  workloadIdentity:
    enabled: false
    clientId: ""
    tenantId: ""
podLabels: {}
podAnnotations: {}
priorityClassName: ""
# The images are Linux images: on a cluster with a Windows node pool (AKS allows one beside
# Linux pools) a pod scheduled there would never start. Keys set in values are added to this.
nodeSelector:
  kubernetes.io/os: linux
tolerations: []
affinity: {}
# As its image runs it (compiled, telemetry on, info logs), a service idles at 127-156 MiB
# and reached 180-390 MiB after 30 s at full speed with no memory limit (`pnpm bench`,
# loadtest/results/bench.md); run `pnpm capacity` for yours.
# Ephemeral storage is /tmp (an emptyDir of at most 64 Mi) and the container's log files, which
# the kubelet rotates (containerLogMaxSizeMB x containerLogMaxFiles in the node pool's kubelet
# configuration); a pod over its limit is evicted instead of filling the node's disk.
resources:
  requests:
    cpu: 100m
    memory: 192Mi
    ephemeral-storage: 128Mi
  limits:
    cpu: "1"
    memory: 512Mi
    ephemeral-storage: 512Mi
probes:
  # The kit answers /healthz/startup once the service has reached its stores; a process is
  # usually ready in about a second, but a datastore may take longer after a cold start.
  startup:
    periodSeconds: 2
    timeoutSeconds: 2
    failureThreshold: 30
  # Not ready = dependencies unreachable or draining: taken out of the Service, not restarted.
  readiness:
    periodSeconds: 5
    timeoutSeconds: 2
    failureThreshold: 2
  # Not live = wedged: restarted. Deliberately slower than readiness.
  liveness:
    periodSeconds: 10
    timeoutSeconds: 3
    failureThreshold: 3
shutdown:
  # Time for endpoint and ingress updates to spread before SIGTERM; the kit's own delay
  # (config.SHUTDOWN_DELAY_MS) is 0 in the cluster because this sleep does its job.
  preStopSeconds: 5
rollingUpdate:
  maxSurge: 1
  maxUnavailable: 0
autoscaling:
  enabled: true
  minReplicas: 2
  maxReplicas: 6
  targetCPUUtilizationPercentage: 70
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      selectPolicy: Max
      policies:
        - type: Percent
          value: 100
          periodSeconds: 30
        - type: Pods
          value: 2
          periodSeconds: 30
    scaleDown:
      stabilizationWindowSeconds: 300
      selectPolicy: Min
      policies:
        - type: Percent
          value: 25
          periodSeconds: 60
podDisruptionBudget:
  enabled: true
  maxUnavailable: 1
topologySpread:
  enabled: true
  whenUnsatisfiable: ScheduleAnyway
networkPolicy:
  enabled: true
  ingressFrom: []
  ingressController:
    enabled: false
    namespace: ingress-nginx
    # The controller's pods only (the ingress-nginx chart's labels), not its admission webhook's.
    podLabels:
      app.kubernetes.io/name: ingress-nginx
      app.kubernetes.io/component: controller
  # The monitoring agents that scrape /metrics (the ServiceMonitor's targets), each as its
  # namespace and its pods' labels: [{ namespace, podLabels }]. None: nothing may scrape.
  # A list, so that a values file replaces the agents of another instead of merging labels.
  monitoringAgents: []
  egressTo: []
  datastore:
    ports: []
    to: []
  extraEgress: []
serviceMonitor:
  enabled: false
  apiVersion: monitoring.coreos.com/v1
  interval: 30s
  scrapeTimeout: 10s
  labels: {}
{{- end -}}

{{/* Copies into dst every key of src that dst lacks, recursing into maps both have. */}}
{{- define "common.fillDefaults" -}}
{{- $dst := .dst -}}
{{- range $key, $default := .src -}}
{{- if not (hasKey $dst $key) -}}
{{- $_ := set $dst $key (deepCopy $default) -}}
{{- else if and (kindIs "map" $default) (kindIs "map" (index $dst $key)) -}}
{{- include "common.fillDefaults" (dict "dst" (index $dst $key) "src" $default) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Renders the named template with the chart's values completed by the defaults:
  {{ include "common.render" (list . "gateway.ingress") }}
*/}}
{{- define "common.render" -}}
{{- $top := index . 0 -}}
{{- $values := $top.Values | toYaml | fromYaml -}}
{{- include "common.fillDefaults" (dict "dst" $values "src" (include "common.defaults" $top | fromYaml)) -}}
{{- $context := dict "Values" $values "Chart" $top.Chart "Release" $top.Release "Capabilities" $top.Capabilities "Template" $top.Template -}}
{{- include (index . 1) $context -}}
{{- end -}}
