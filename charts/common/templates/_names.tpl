{{/*
Names, labels and the image reference every Drone Delivery chart uses. The component name
is the chart's name (gateway, delivery, ...): NetworkPolicies select peers by it, so it stays
the same when a second release of a service runs beside the first.
*/}}

{{- define "common.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{/* One release per service and namespace: the objects are named after the service
(delivery, gateway, ...), so service URLs are stable. A side-by-side release sets
fullnameOverride (e.g. delivery-v2). */}}
{{- define "common.fullname" -}}
{{- default .Chart.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "common.version" -}}
{{- default (default .Chart.AppVersion .Values.image.tag) .Values.versionLabel | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "common.labels" -}}
{{ include "common.selectorLabels" . }}
app.kubernetes.io/version: {{ include "common.version" . | quote }}
app.kubernetes.io/part-of: dronedelivery
app.kubernetes.io/component: {{ .Values.component | default "backend" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* Labels of another Drone Delivery component's pods, whichever release runs them. */}}
{{- define "common.peerLabels" -}}
app.kubernetes.io/name: {{ . }}
app.kubernetes.io/part-of: dronedelivery
{{- end -}}

{{- define "common.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "common.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository@digest when a digest is given (what a pipeline deploys), else :tag.
The registry is always named (the chart's, else the global one), so no image is looked up on
a registry nobody chose. */}}
{{- define "common.image" -}}
{{- $registry := default .Values.global.imageRegistry .Values.image.registry -}}
{{- $repository := printf "%s/%s" (required "image.registry or global.imageRegistry: the registry the images come from" $registry) .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* An environment value as a string; whole numbers without Go's exponent notation (604800, not 6.048e+05). */}}
{{- define "common.envValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq . (floor .) -}}{{- . | int64 | toString -}}{{- else -}}{{- . | toString -}}{{- end -}}
{{- else if kindIs "slice" . -}}
{{- join "," . -}}
{{- else -}}
{{- . | toString -}}
{{- end -}}
{{- end -}}

{{/* Seconds the kit may take to shut down: its hard timeout, rounded up. */}}
{{- define "common.shutdownSeconds" -}}
{{- $hardMs := 25000 -}}
{{- if hasKey .Values.config "SHUTDOWN_HARD_TIMEOUT_MS" -}}{{- $hardMs = int64 .Values.config.SHUTDOWN_HARD_TIMEOUT_MS -}}{{- end -}}
{{- div (add $hardMs 999) 1000 -}}
{{- end -}}

{{- define "common.imagePullPolicy" -}}
{{- .Values.image.pullPolicy | default (ternary "IfNotPresent" "Always" (not (empty .Values.image.digest))) -}}
{{- end -}}
