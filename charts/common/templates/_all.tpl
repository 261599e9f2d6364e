{{/* Everything a Drone Delivery service needs; a service chart's template is
  {{ include "common.all" . }} */}}
{{- define "common.all" -}}
{{- include "common.render" (list . "common.objects") -}}
{{- end -}}

{{- define "common.objects" -}}
{{- $objects := list "common.serviceaccount" "common.configmap" "common.secretproviderclass" "common.deployment" "common.service" "common.hpa" "common.pdb" "common.networkpolicy" "common.servicemonitor" -}}
{{- range $objects }}
{{- $rendered := include . $ | trim }}
{{- if $rendered }}
---
{{ $rendered }}
{{- end }}
{{- end }}
{{- end -}}
