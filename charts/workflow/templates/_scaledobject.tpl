{{/*
KEDA scaling on queue depth: BullMQ keeps waiting messages in the Redis list
{<QUEUE_PREFIX>}:<QUEUE_NAME>:wait (the braces are a hash tag: one cluster slot). With
config.REDIS_CLUSTER "true" the trigger is KEDA's redis-cluster scaler. KEDA then owns the HPA (with the same behaviour) and a CPU
trigger keeps replicas coming when busy workers, not waiting messages, are the bottleneck.
*/}}
{{- define "workflow.scaledobject" -}}
{{- if .Values.keda.enabled -}}
{{- $fullname := include "common.fullname" . -}}
{{- $prefix := default "dronedelivery" .Values.config.QUEUE_PREFIX -}}
{{- $queue := default "delivery-requests" .Values.config.QUEUE_NAME -}}
{{- $password := hasKey .Values.secrets.variables "REDIS_PASSWORD" -}}
{{- if and $password (ne .Values.secrets.source "none") }}
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: {{ $fullname }}-queue
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  secretTargetRef:
    - parameter: password
      name: {{ include "common.secretName" . }}
      key: {{ .Values.secrets.variables.REDIS_PASSWORD }}
---
{{- end }}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ $fullname }}
  minReplicaCount: {{ .Values.autoscaling.minReplicas }}
  maxReplicaCount: {{ .Values.autoscaling.maxReplicas }}
  pollingInterval: {{ .Values.keda.pollingIntervalSeconds }}
  cooldownPeriod: {{ .Values.keda.cooldownSeconds }}
  advanced:
    horizontalPodAutoscalerConfig:
      behavior:
        {{- toYaml .Values.autoscaling.behavior | nindent 8 }}
  triggers:
    {{- if eq (toString (default "false" .Values.config.REDIS_CLUSTER)) "true" }}
    - type: redis-cluster
      metadata:
        addresses: {{ .Values.keda.redisAddress | quote }}
    {{- else }}
    - type: redis
      metadata:
        address: {{ .Values.keda.redisAddress | quote }}
    {{- end }}
        listName: {{ printf "{%s}:%s:wait" $prefix $queue | quote }}
        listLength: {{ .Values.keda.listLength | quote }}
        enableTLS: {{ .Values.keda.enableTLS | quote }}
      {{- if and $password (ne .Values.secrets.source "none") }}
      authenticationRef:
        name: {{ $fullname }}-queue
      {{- end }}
    - type: cpu
      metricType: Utilization
      metadata:
        value: {{ .Values.keda.cpuUtilizationPercentage | quote }}
{{- end -}}
{{- end -}}
