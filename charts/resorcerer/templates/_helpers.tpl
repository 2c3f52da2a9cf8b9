{{/* Names */}}
{{- define "resorcerer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "resorcerer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "resorcerer.webhook.fullname" -}}{{ include "resorcerer.fullname" . | trunc 55 | trimSuffix "-" }}-webhook{{- end -}}
{{- define "resorcerer.profiler.fullname" -}}{{ include "resorcerer.fullname" . | trunc 54 | trimSuffix "-" }}-profiler{{- end -}}
{{- define "resorcerer.updater.fullname" -}}{{ include "resorcerer.fullname" . | trunc 55 | trimSuffix "-" }}-updater{{- end -}}
{{- define "resorcerer.redis.fullname" -}}{{ include "resorcerer.fullname" . | trunc 57 | trimSuffix "-" }}-redis{{- end -}}
{{- define "resorcerer.tls.secretName" -}}
{{- if eq .Values.tls.mode "secret" -}}{{ .Values.tls.secret.name }}{{- else -}}{{ include "resorcerer.webhook.fullname" . }}-tls{{- end -}}
{{- end -}}

{{/* Labels */}}
{{- define "resorcerer.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "resorcerer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "resorcerer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "resorcerer.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Images */}}
{{- define "resorcerer.image" -}}
{{ .image.repository }}:{{ .image.tag | default .root.Chart.AppVersion }}
{{- end -}}

{{/* Redis: the address, the password Secret, and the StackExchange.Redis configuration (password from $(REDIS_PASSWORD)). */}}
{{- define "resorcerer.redis.address" -}}
{{- if .Values.redis.builtin -}}{{ include "resorcerer.redis.fullname" . }}.{{ .Release.Namespace }}.svc:6379{{- else -}}{{ required "redis.host is required when redis.builtin is false" .Values.redis.host }}{{- end -}}
{{- end -}}

{{- define "resorcerer.redis.secretName" -}}
{{- if .Values.redis.auth.existingSecret -}}{{ .Values.redis.auth.existingSecret }}{{- else -}}{{ include "resorcerer.redis.fullname" . }}{{- end -}}
{{- end -}}

{{- define "resorcerer.redis.hasPassword" -}}
{{- if or .Values.redis.builtin .Values.redis.auth.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "resorcerer.redis.env" -}}
{{- if include "resorcerer.redis.hasPassword" . }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "resorcerer.redis.secretName" . }}
      key: {{ .Values.redis.auth.existingSecretKey }}
{{- end }}
- name: RESORCERER_REDIS
  value: {{ include "resorcerer.redis.configuration" . | quote }}
{{- end -}}

{{/* The StackExchange.Redis configuration string: address(es), Sentinel service, ACL user, password, TLS and its files. */}}
{{- define "resorcerer.redis.configuration" -}}
{{- $r := .Values.redis -}}
{{- include "resorcerer.redis.address" . -}}
{{- if and (not $r.builtin) $r.sentinel.masterName }},serviceName={{ $r.sentinel.masterName }}{{ end -}}
{{- if $r.auth.username }},user={{ $r.auth.username }}{{ end -}}
{{- if include "resorcerer.redis.hasPassword" . }},password=$(REDIS_PASSWORD){{ end -}}
{{- if and (not $r.builtin) $r.tls.enabled -}}
,ssl=true
{{- if $r.tls.serverName }},sslHost={{ $r.tls.serverName }}{{ end -}}
{{- if $r.tls.caSecret }},sslCaFile=/var/run/secrets/resorcerer/redis-ca/ca.crt{{ end -}}
{{- if $r.tls.clientSecret }},sslCertFile=/var/run/secrets/resorcerer/redis-client/tls.crt,sslKeyFile=/var/run/secrets/resorcerer/redis-client/tls.key{{ end -}}
{{- end -}}
{{- end -}}

{{/* The Secrets an external Redis over TLS needs, mounted read-only. */}}
{{- define "resorcerer.redis.volumeMounts" -}}
{{- if and (not .Values.redis.builtin) .Values.redis.tls.enabled }}
{{- if .Values.redis.tls.caSecret }}
- name: redis-ca
  mountPath: /var/run/secrets/resorcerer/redis-ca
  readOnly: true
{{- end }}
{{- if .Values.redis.tls.clientSecret }}
- name: redis-client
  mountPath: /var/run/secrets/resorcerer/redis-client
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "resorcerer.redis.volumes" -}}
{{- if and (not .Values.redis.builtin) .Values.redis.tls.enabled }}
{{- if .Values.redis.tls.caSecret }}
- name: redis-ca
  secret:
    secretName: {{ .Values.redis.tls.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- if .Values.redis.tls.clientSecret }}
- name: redis-client
  secret:
    secretName: {{ .Values.redis.tls.clientSecret }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Security contexts shared by every resorcerer container. */}}
{{- define "resorcerer.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1654
runAsGroup: 1654
fsGroup: 1654
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "resorcerer.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* How a program reaches Prometheus: its settings as RESORCERER_* variables (the profiler and the updater share them). */}}
{{- define "resorcerer.prometheus.env" -}}
- name: RESORCERER_PROMETHEUS_URL
  value: {{ required "prometheus.url is required" .Values.prometheus.url | quote }}
- name: RESORCERER_PROMETHEUS_TIMEOUT
  value: {{ .Values.prometheus.timeout | quote }}
{{- if .Values.prometheus.bearerToken.secretName }}
- name: RESORCERER_PROMETHEUS_BEARER_TOKEN_FILE
  value: /var/run/secrets/resorcerer/prometheus-token/{{ .Values.prometheus.bearerToken.secretKey }}
{{- end }}
{{- if .Values.prometheus.basicAuth.username }}
- name: RESORCERER_PROMETHEUS_USERNAME
  value: {{ .Values.prometheus.basicAuth.username | quote }}
- name: RESORCERER_PROMETHEUS_PASSWORD_FILE
  value: /var/run/secrets/resorcerer/prometheus-password/{{ .Values.prometheus.basicAuth.passwordSecretKey }}
{{- end }}
{{- if or .Values.prometheus.ca.configMapName .Values.prometheus.ca.secretName }}
- name: RESORCERER_PROMETHEUS_CA_FILE
  value: /var/run/secrets/resorcerer/prometheus-ca/{{ .Values.prometheus.ca.key }}
{{- end }}
{{- range $i, $header := .Values.prometheus.headers }}
{{- /* One variable per header: a header's value may hold commas. */}}
- name: RESORCERER_PROMETHEUS_HEADER_{{ $i }}
  value: {{ $header | quote }}
{{- end }}
{{- end -}}

{{/* The Prometheus credentials and CA, mounted where the variables above point. */}}
{{- define "resorcerer.prometheus.volumeMounts" -}}
{{- if .Values.prometheus.bearerToken.secretName }}
- name: prometheus-token
  mountPath: /var/run/secrets/resorcerer/prometheus-token
  readOnly: true
{{- end }}
{{- if .Values.prometheus.basicAuth.username }}
- name: prometheus-password
  mountPath: /var/run/secrets/resorcerer/prometheus-password
  readOnly: true
{{- end }}
{{- if or .Values.prometheus.ca.configMapName .Values.prometheus.ca.secretName }}
- name: prometheus-ca
  mountPath: /var/run/secrets/resorcerer/prometheus-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "resorcerer.prometheus.volumes" -}}
{{- if .Values.prometheus.bearerToken.secretName }}
- name: prometheus-token
  secret:
    secretName: {{ .Values.prometheus.bearerToken.secretName }}
{{- end }}
{{- if .Values.prometheus.basicAuth.username }}
- name: prometheus-password
  secret:
    secretName: {{ required "prometheus.basicAuth.passwordSecretName is required with a username" .Values.prometheus.basicAuth.passwordSecretName }}
{{- end }}
{{- if .Values.prometheus.ca.secretName }}
- name: prometheus-ca
  secret:
    secretName: {{ .Values.prometheus.ca.secretName }}
{{- else if .Values.prometheus.ca.configMapName }}
- name: prometheus-ca
  configMap:
    name: {{ .Values.prometheus.ca.configMapName }}
{{- end }}
{{- end -}}
