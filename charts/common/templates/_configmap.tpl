{{/* The service's non-secret settings, as the environment variables its config schema reads. */}}
{{- define "common.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
data:
  PORT: {{ .Values.containerPort | toString | quote }}
  OTEL_SERVICE_NAME: {{ include "common.name" . | quote }}
  {{- range $name, $value := .Values.config }}
  {{- /* "" (or null) leaves a variable unset, so the service's default applies. */}}
  {{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
  {{ $name }}: {{ include "common.envValue" $value | quote }}
  {{- end }}
  {{- end }}
{{- end -}}
