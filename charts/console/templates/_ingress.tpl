{{/*
The console's own Ingress: path / on the gateway's host, beside the gateway's Ingress that
takes /api and /docs (NGINX routes the longest matching prefix), so the browser sees one
origin. TLS from the same Secret as the gateway's Ingress: the certificate the gateway's
Ingress has cert-manager issue for the host covers this one too (a second issuer annotation
here would make a second Certificate for the same Secret).
*/}}
{{- define "console.ingress.tlsEnabled" -}}
{{- if .Values.ingress.tls.secretName -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{- define "console.ingress" -}}
{{- if .Values.ingress.enabled -}}
{{- $fullname := include "common.fullname" . -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullname }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: {{ .Values.ingress.proxyBodySize | quote }}
    nginx.ingress.kubernetes.io/ssl-redirect: {{ include "console.ingress.tlsEnabled" . | quote }}
    {{- with .Values.ingress.annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  ingressClassName: {{ .Values.ingress.className }}
  {{- if eq (include "console.ingress.tlsEnabled" .) "true" }}
  tls:
    - hosts: [{{ .Values.ingress.host | quote }}]
      secretName: {{ .Values.ingress.tls.secretName }}
  {{- end }}
  rules:
    - host: {{ .Values.ingress.host | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ $fullname }}
                port:
                  name: http
{{- end -}}
{{- end -}}
