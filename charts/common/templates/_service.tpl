{{- define "common.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "common.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{- define "common.serviceaccount" -}}
{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "common.serviceAccountName" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
  {{- if or .Values.serviceAccount.workloadIdentity.enabled .Values.serviceAccount.annotations }}
  annotations:
    {{- if .Values.serviceAccount.workloadIdentity.enabled }}
    azure.workload.identity/client-id: {{ required "serviceAccount.workloadIdentity.clientId is required when workload identity is enabled" .Values.serviceAccount.workloadIdentity.clientId | quote }}
    {{- with .Values.serviceAccount.workloadIdentity.tenantId }}
    azure.workload.identity/tenant-id: {{ . | quote }}
    {{- end }}
    {{- end }}
    {{- with .Values.serviceAccount.annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
{{- end -}}
