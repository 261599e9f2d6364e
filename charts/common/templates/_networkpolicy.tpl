{{/*
Only the flows the architecture names: in from networkPolicy.ingressFrom (other Drone
Delivery components), for the gateway the ingress controller, and the monitoring agents'
pods; out to networkPolicy.egressTo components, the datastore's ports, DNS, and whatever
networkPolicy.extraEgress adds (e.g. the telemetry endpoint). Everything else is denied.
*/}}

{{/* One peer: the pods with these labels in that namespace (one entry, so both must match). */}}
{{- define "common.podsInNamespace" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  podSelector:
    matchLabels:
      {{- toYaml .podLabels | nindent 6 }}
{{- end -}}

{{- define "common.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled -}}
{{- $np := .Values.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- range $np.ingressFrom }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "common.peerLabels" . | nindent 14 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- with $np.ingressController }}
    {{- if .enabled }}
    - from:
        {{- include "common.podsInNamespace" . | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- end }}
    {{- with $np.monitoringAgents }}
    # The monitoring agents scrape /metrics on the http port, which serves the API as well:
    # only the agents' own pods are admitted, not the rest of their namespaces.
    - from:
        {{- range . }}
        {{- if not .podLabels }}
        {{- fail "networkPolicy.monitoringAgents[].podLabels: name the monitoring agent's pod labels; a rule for its whole namespace would let every pod there call the API" }}
        {{- end }}
        {{- include "common.podsInNamespace" . | nindent 8 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- range $np.egressTo }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "common.peerLabels" . | nindent 14 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if $np.datastore.ports }}
    # The datastore: managed Azure services have no fixed address, so by default any
    # destination on its ports; narrow it with networkPolicy.datastore.to.
    - ports:
        {{- range $np.datastore.ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
      {{- with $np.datastore.to }}
      to:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
{{- end -}}
