{{/*
The service's Deployment. Probes map to the service kit's endpoints, each with its own
meaning: startup (the process finished starting; its stores were reached once), readiness
(dependencies reachable and not draining: take traffic), liveness (not wedged: restart me).
Shutdown: the preStop sleep lets endpoints and the ingress stop sending traffic before the
kit sees SIGTERM; the grace period covers that sleep plus the kit's hard shutdown timeout.
*/}}
{{- define "common.deployment" -}}
{{- $preStop := int .Values.shutdown.preStopSeconds -}}
{{- $keyVault := and (eq .Values.secrets.source "keyVault") (include "common.secretVariables" . | fromYaml) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.fullname" . }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: {{ .Values.rollingUpdate.maxSurge }}
      maxUnavailable: {{ .Values.rollingUpdate.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "common.labels" . | nindent 8 }}
        {{- if .Values.serviceAccount.workloadIdentity.enabled }}
        azure.workload.identity/use: "true"
        {{- end }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "common.configmap" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "common.serviceAccountName" . }}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ add $preStop (include "common.shutdownSeconds" .) 5 }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      {{- if .Values.topologySpread.enabled }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: {{ .Values.topologySpread.whenUnsatisfiable }}
          # Only nodes the pod may run on count: a tainted pool (AKS's CriticalAddonsOnly system
          # pool, spot nodes) would otherwise count as a node with zero pods and skew the spread.
          nodeTaintsPolicy: Honor
          nodeAffinityPolicy: Honor
          labelSelector:
            matchLabels:
              {{- include "common.selectorLabels" . | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: {{ .Values.topologySpread.whenUnsatisfiable }}
          # Only nodes the pod may run on count: a tainted pool (AKS's CriticalAddonsOnly system
          # pool, spot nodes) would otherwise count as a node with zero pods and skew the spread.
          nodeTaintsPolicy: Honor
          nodeAffinityPolicy: Honor
          labelSelector:
            matchLabels:
              {{- include "common.selectorLabels" . | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ include "common.name" . }}
          image: {{ include "common.image" . | quote }}
          imagePullPolicy: {{ include "common.imagePullPolicy" . }}
          ports:
            - name: http
              containerPort: {{ .Values.containerPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "common.fullname" . }}
          {{- $secretEnv := include "common.secretEnv" . | trim }}
          {{- if $secretEnv }}
          env:
            {{- $secretEnv | nindent 12 }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /healthz/startup
              port: http
            periodSeconds: {{ .Values.probes.startup.periodSeconds }}
            timeoutSeconds: {{ .Values.probes.startup.timeoutSeconds }}
            failureThreshold: {{ .Values.probes.startup.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /healthz/ready
              port: http
            periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ .Values.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
            successThreshold: 1
          livenessProbe:
            httpGet:
              path: /healthz/live
              port: http
            periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ .Values.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $preStop }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 10001
            runAsGroup: 10001
            capabilities:
              drop: [ALL]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $keyVault }}
            - name: secrets-store
              mountPath: /mnt/secrets-store
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if $keyVault }}
        # Mounting the CSI volume is what makes the driver fetch the Key Vault secrets and
        # sync them into the Secret the environment reads.
        - name: secrets-store
          csi:
            driver: secrets-store.csi.k8s.io
            readOnly: true
            volumeAttributes:
              secretProviderClass: {{ include "common.fullname" . }}
        {{- end }}
{{- end -}}
