{{/*
Secret settings never live in values: they come from a Secret created outside Helm
(secrets.source: existingSecret) or from Azure Key Vault through the Secrets Store CSI
driver and workload identity (secrets.source: keyVault), which syncs them into a Secret.
secrets.variables maps each environment variable to its key there; an empty key leaves
the variable out (how an override drops one the chart's defaults list).
*/}}

{{- define "common.secretVariables" -}}
{{- $variables := dict -}}
{{- range $variable, $key := .Values.secrets.variables -}}
{{- if $key -}}{{- $_ := set $variables $variable $key -}}{{- end -}}
{{- end -}}
{{- toYaml $variables -}}
{{- end -}}

{{- define "common.secretName" -}}
{{- if eq .Values.secrets.source "keyVault" -}}
{{- printf "%s-keyvault" (include "common.fullname" .) -}}
{{- else -}}
{{- required "secrets.existingSecret: name the Secret that holds this service's secret settings" .Values.secrets.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "common.secretEnv" -}}
{{- if and (ne .Values.secrets.source "none") (include "common.secretVariables" . | fromYaml) }}
{{- $secretName := include "common.secretName" . }}
{{- range $variable, $key := include "common.secretVariables" . | fromYaml }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "common.secretproviderclass" -}}
{{- if and (eq .Values.secrets.source "keyVault") (include "common.secretVariables" . | fromYaml) -}}
{{- $kv := .Values.secrets.keyVault -}}
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  provider: azure
  parameters:
    usePodIdentity: "false"
    clientID: {{ required "serviceAccount.workloadIdentity.clientId: Key Vault access needs the workload identity's client id" .Values.serviceAccount.workloadIdentity.clientId | quote }}
    keyvaultName: {{ required "secrets.keyVault.name is required when secrets.source is keyVault" $kv.name | quote }}
    tenantId: {{ required "secrets.keyVault.tenantId is required when secrets.source is keyVault" $kv.tenantId | quote }}
    objects: |
      array:
      {{- range $variable, $key := include "common.secretVariables" . | fromYaml }}
        - |
          objectName: {{ $key }}
          objectType: secret
      {{- end }}
  secretObjects:
    - secretName: {{ include "common.secretName" . }}
      type: Opaque
      labels:
        {{- include "common.labels" . | nindent 8 }}
      data:
        {{- range $variable, $key := include "common.secretVariables" . | fromYaml }}
        - objectName: {{ $key }}
          key: {{ $key }}
        {{- end }}
{{- end -}}
{{- end -}}
