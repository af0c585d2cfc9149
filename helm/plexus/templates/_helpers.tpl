{{/*
Named templates shared by every manifest of the chart: names, labels, the rendered plexus.yaml,
and the pod template pieces (volumes, environment, probes) that all services have in common.
*/}}

{{- define "plexus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "plexus.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "plexus.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "plexus.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "plexus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The object name of one service: <fullname>-<service> (e.g. plexus-roomserver). */}}
{{- define "plexus.componentName" -}}
{{- printf "%s-%s" (include "plexus.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "plexus.labels" -}}
helm.sh/chart: {{ include "plexus.chart" . }}
{{ include "plexus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "plexus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "plexus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one service; call with (dict "root" $ "component" "roomserver"). */}}
{{- define "plexus.componentLabels" -}}
{{ include "plexus.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "plexus.componentSelectorLabels" -}}
{{ include "plexus.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "plexus.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "plexus.signingKeySecret" -}}
{{- default (printf "%s-signing-key" (include "plexus.fullname" .)) .Values.signingKey.existingSecret }}
{{- end }}

{{/* gRPC target of pod <i> of a sharded service (or of a sync-api replica): <sts>-<i>.<headless service>.<ns>.svc:<port>. */}}
{{- define "plexus.shardTargets" -}}
{{- $name := include "plexus.componentName" . }}
{{- $targets := list }}
{{- range $i := until (int .count) }}
{{- $targets = append $targets (printf "%s-%d.%s.%s.svc:%d" $name $i $name $.root.Release.Namespace (int $.root.Values.ports.grpc)) }}
{{- end }}
{{- toJson $targets }}
{{- end }}

{{- define "plexus.serviceTarget" -}}
{{- printf "%s:%d" (include "plexus.componentName" .) (int .root.Values.ports.grpc) }}
{{- end }}

{{/* The DSN written into plexus.yaml: the host form without password (libpq reads PGPASSWORD
from the environment); empty when the whole DSN comes from a Secret (PLEXUS_DATABASE_DSN). */}}
{{- define "plexus.postgresDsn" -}}
{{- $pg := .Values.postgresql }}
{{- if not (or $pg.dsn $pg.existingDsnSecret.name) }}
{{- printf "host=%s port=%d user=%s dbname=%s sslmode=%s" (required "postgresql.host is required" $pg.host) (int $pg.port) $pg.user $pg.database $pg.sslmode }}
{{- end }}
{{- end }}

{{- define "plexus.redisUrl" -}}
{{- $r := .Values.redis }}
{{- if $r.url }}
{{- $r.url }}
{{- else }}
{{- printf "redis://%s:%d/%d" (required "redis.host is required" $r.host) (int $r.port) (int $r.db) }}
{{- end }}
{{- end }}

{{/* plexus.yaml: the settings the chart owns, with .Values.extraConfig merged over them. */}}
{{- define "plexus.config" -}}
{{- $v := .Values }}
{{- $rs := dict "root" . "component" "roomserver" "count" $v.roomserver.shards }}
{{- $fs := dict "root" . "component" "federationsender" "count" $v.federationsender.shards }}
{{- $ss := dict "root" . "component" "syncapi" "count" $v.syncapi.replicas }}
{{- $federation := dict "listen" (printf "0.0.0.0:%d" (int $v.ports.federation)) }}
{{- if $v.federation.tls.existingSecret }}
{{- $_ := set $federation "tls_cert" "/etc/plexus/tls/tls.crt" }}
{{- $_ := set $federation "tls_key" "/etc/plexus/tls/tls.key" }}
{{- end }}
{{- $config := dict
  "global" (dict "server_name" (required "serverName is required (the Matrix server name, e.g. example.org)" $v.serverName) "data_dir" "/var/lib/plexus" "signing_key_path" "/etc/plexus/keys/signing.key")
  "database" (dict "postgres_dsn" (include "plexus.postgresDsn" .) "postgres_pool_size" (int $v.postgresql.poolSize))
  "client_api" (dict "listen" (printf "0.0.0.0:%d" (int $v.ports.client)) "registration_enabled" $v.registration.enabled)
  "federation" $federation
  "metrics" (dict "listen" (printf "0.0.0.0:%d" (int $v.ports.metrics)))
  "media" (dict "media_dir" "/var/lib/plexus/media")
  "logging" (dict "level" $v.logLevel)
  "cluster" (dict
    "grpc_listen" (printf "0.0.0.0:%d" (int $v.ports.grpc))
    "redis_url" (include "plexus.redisUrl" .)
    "roomserver" (include "plexus.shardTargets" $rs | fromJsonArray)
    "federationsender" (include "plexus.shardTargets" $fs | fromJsonArray)
    "syncapi" (include "plexus.shardTargets" $ss | fromJsonArray)
    "keyserver" (include "plexus.serviceTarget" (dict "root" . "component" "keyserver"))
    "accountsync" (include "plexus.serviceTarget" (dict "root" . "component" "accountsync"))
    "media" (include "plexus.serviceTarget" (dict "root" . "component" "media")))
}}
{{- toYaml (mergeOverwrite $config (deepCopy $v.extraConfig)) }}
{{- end }}

{{/* Environment of every container: secrets that must not sit in the ConfigMap. */}}
{{- define "plexus.env" -}}
{{- $pg := .Values.postgresql }}
{{- if or $pg.dsn $pg.existingDsnSecret.name }}
- name: PLEXUS_DATABASE_DSN
  valueFrom:
    secretKeyRef:
      name: {{ default (printf "%s-database" (include "plexus.fullname" .)) $pg.existingDsnSecret.name }}
      key: {{ $pg.existingDsnSecret.key }}
{{- else if $pg.passwordSecret.name }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $pg.passwordSecret.name }}
      key: {{ $pg.passwordSecret.key }}
{{- end }}
{{- if and .Values.redis.passwordSecret.name (not .Values.redis.url) }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.passwordSecret.name }}
      key: {{ .Values.redis.passwordSecret.key }}
- name: PLEXUS_REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:%d/%d" .Values.redis.host (int .Values.redis.port) (int .Values.redis.db) | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Container ports; clientapi and federationapi add their HTTP listener. */}}
{{- define "plexus.ports" -}}
{{- if eq .component "clientapi" }}
- name: http
  containerPort: {{ .root.Values.ports.client }}
  protocol: TCP
{{- end }}
{{- if eq .component "federationapi" }}
- name: federation
  containerPort: {{ .root.Values.ports.federation }}
  protocol: TCP
{{- end }}
- name: grpc
  containerPort: {{ .root.Values.ports.grpc }}
  protocol: TCP
- name: metrics
  containerPort: {{ .root.Values.ports.metrics }}
  protocol: TCP
{{- end }}

{{- define "plexus.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: metrics
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: metrics
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* The pod spec of one service; call with (dict "root" $ "component" NAME "svc" VALUES
"args" LIST) plus optionally "command" (replaces the entrypoint) and "dataVolume" (the volume
source of /var/lib/plexus; default an emptyDir). */}}
{{- define "plexus.podSpec" -}}
{{- $root := .root }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $root.Values.serviceAccount.name }}
serviceAccountName: {{ $root.Values.serviceAccount.name }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
containers:
  - name: {{ .component }}
    image: {{ include "plexus.image" $root | quote }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    {{- if .command }}
    command:
      {{- toYaml .command | nindent 6 }}
    {{- else }}
    args:
      {{- toYaml .args | nindent 6 }}
    {{- end }}
    {{- $env := include "plexus.env" $root | trim }}
    {{- if $env }}
    env:
      {{- $env | nindent 6 }}
    {{- end }}
    ports:
      {{- include "plexus.ports" . | trim | nindent 6 }}
    {{- include "plexus.probes" $root | nindent 4 }}
    resources:
      {{- toYaml .svc.resources | nindent 6 }}
    securityContext:
      {{- toYaml $root.Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: config
        mountPath: /etc/plexus/plexus.yaml
        subPath: plexus.yaml
        readOnly: true
      - name: signing-key
        mountPath: /etc/plexus/keys
        readOnly: true
      {{- if $root.Values.federation.tls.existingSecret }}
      - name: tls
        mountPath: /etc/plexus/tls
        readOnly: true
      {{- end }}
      - name: data
        mountPath: /var/lib/plexus
      - name: tmp
        mountPath: /tmp
volumes:
  - name: config
    configMap:
      name: {{ include "plexus.fullname" $root }}-config
  - name: signing-key
    secret:
      secretName: {{ include "plexus.signingKeySecret" $root }}
      defaultMode: 0440
      items:
        - key: {{ $root.Values.signingKey.secretKey }}
          path: signing.key
  {{- if $root.Values.federation.tls.existingSecret }}
  - name: tls
    secret:
      secretName: {{ $root.Values.federation.tls.existingSecret }}
      defaultMode: 0440
  {{- end }}
  - name: data
    {{- toYaml (default (dict "emptyDir" (dict)) .dataVolume) | nindent 4 }}
  - name: tmp
    emptyDir: {}
{{- with .svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
