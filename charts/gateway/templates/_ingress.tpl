{{/*
The system's only entry point: NGINX ingress in front of the gateway. A second gateway
release (fullnameOverride: gateway-v2) with ingress.canary.enabled takes canary.weight
percent of the traffic for the same host, or the requests carrying canary.header: always. TLS from a Secret or
issued by cert-manager; body size and timeouts match the gateway's own limits. Optionally a
second Ingress serves the original Fabrikam paths (/v0.1.0/api/...) by rewriting them.
*/}}
{{- define "gateway.ingress.annotations" -}}
nginx.ingress.kubernetes.io/proxy-body-size: {{ .Values.ingress.proxyBodySize | quote }}
nginx.ingress.kubernetes.io/proxy-read-timeout: {{ .Values.ingress.proxyReadTimeoutSeconds | quote }}
nginx.ingress.kubernetes.io/proxy-send-timeout: {{ .Values.ingress.proxySendTimeoutSeconds | quote }}
nginx.ingress.kubernetes.io/ssl-redirect: {{ include "gateway.ingress.tlsEnabled" . | quote }}
{{- with .Values.ingress.tls.certManagerClusterIssuer }}
cert-manager.io/cluster-issuer: {{ . | quote }}
{{- end }}
{{- with .Values.ingress.annotations }}
{{ toYaml . }}
{{- end }}
{{- if .Values.ingress.canary.enabled }}
nginx.ingress.kubernetes.io/canary: "true"
nginx.ingress.kubernetes.io/canary-weight: {{ .Values.ingress.canary.weight | quote }}
{{- with .Values.ingress.canary.header }}
nginx.ingress.kubernetes.io/canary-by-header: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "gateway.ingress.tlsEnabled" -}}
{{- if or .Values.ingress.tls.secretName .Values.ingress.tls.certManagerClusterIssuer -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* cert-manager writes the certificate into the named Secret, so a name is needed either way. */}}
{{- define "gateway.ingress.tls" -}}
{{- if eq (include "gateway.ingress.tlsEnabled" .) "true" -}}
tls:
  - hosts: [{{ .Values.ingress.host | quote }}]
    secretName: {{ default (printf "%s-tls" (include "common.fullname" .)) .Values.ingress.tls.secretName }}
{{- end -}}
{{- end -}}

{{- define "gateway.ingress" -}}
{{- if .Values.ingress.enabled -}}
{{- $fullname := include "common.fullname" . -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
  annotations:
    {{- include "gateway.ingress.annotations" . | nindent 4 }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  {{- include "gateway.ingress.tls" . | nindent 2 }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend:
              service:
                name: {{ $fullname }}
                port:
                  name: http
          - path: /docs
            pathType: Prefix
            backend:
              service:
                name: {{ $fullname }}
                port:
                  name: http
{{- if .Values.ingress.versionedPrefix.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullname }}-versioned
  labels:
    {{- include "common.labels" . | nindent 4 }}
  annotations:
    {{- include "gateway.ingress.annotations" . | nindent 4 }}
    nginx.ingress.kubernetes.io/use-regex: "true"
    nginx.ingress.kubernetes.io/rewrite-target: /api/$1
spec:
  ingressClassName: {{ .Values.ingress.className }}
  {{- include "gateway.ingress.tls" . | nindent 2 }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: {{ printf "/%s/api/(.*)" (.Values.ingress.versionedPrefix.prefix | replace "." "\\.") | quote }}
            pathType: ImplementationSpecific
            backend:
              service:
                name: {{ $fullname }}
                port:
                  name: http
{{- end }}
{{- end -}}
{{- end -}}
