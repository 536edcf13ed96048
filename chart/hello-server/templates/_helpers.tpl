{{/* Chart name, overridable. */}}
{{- define "hello-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "hello-server.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hello-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hello-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The helm test pod's own labels, distinct from the app's selector. */}}
{{- define "hello-server.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "hello-server.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{- define "hello-server.chartLabel" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The chart's own labels on every object (selector labels included). */}}
{{- define "hello-server.chartLabels" -}}
{{ include "hello-server.chartLabel" . }}
{{ include "hello-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hello-server
{{- end }}

{{/*
Labels of an object: the chart's labels, then the object's own (`labels`), then `commonLabels`; on a repeated key
the earlier wins, so `commonLabels` never changes a selector label and no key appears twice (a duplicate key is a
YAML error). Args: dict context, [labels], [chartLabels] (replaces the chart's labels, for the test pod).
*/}}
{{- define "hello-server.labelsWith" -}}
{{- $ctx := .context }}
{{- $chart := .chartLabels | default (include "hello-server.chartLabels" $ctx | fromYaml) }}
{{- toYaml (merge (dict) $chart (.labels | default dict) ($ctx.Values.commonLabels | default dict)) }}
{{- end }}

{{/*
metadata of every object the chart creates: name, namespace, labels (see labelsWith) and annotations (the
object's own, then `commonAnnotations`). Args: dict context, name, [namespace], [labels], [annotations],
[chartLabels].
*/}}
{{- define "hello-server.metadata" -}}
{{- $ctx := .context -}}
name: {{ .name }}
namespace: {{ .namespace | default $ctx.Release.Namespace }}
labels:
  {{- include "hello-server.labelsWith" . | nindent 2 }}
{{- with merge (dict) (.annotations | default dict) ($ctx.Values.commonAnnotations | default dict) }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Pod template labels: selector labels, the version, `podLabels`, then `commonLabels` (earlier wins). */}}
{{- define "hello-server.podLabels" -}}
{{- $own := include "hello-server.selectorLabels" . | fromYaml }}
{{- $_ := set $own "app.kubernetes.io/version" .Chart.AppVersion }}
{{- toYaml (merge $own (.Values.podLabels | default dict) (.Values.commonLabels | default dict)) }}
{{- end }}

{{/* Pull secrets of every pod: `global.imagePullSecrets` then `imagePullSecrets`, each name once. */}}
{{- define "hello-server.imagePullSecrets" -}}
{{- $global := .Values.global | default dict }}
{{- $names := dict }}
{{- $secrets := list }}
{{- range concat ($global.imagePullSecrets | default list) (.Values.imagePullSecrets | default list) }}
{{- if not (hasKey $names .name) }}
{{- $_ := set $names .name true }}
{{- $secrets = append $secrets (dict "name" .name) }}
{{- end }}
{{- end }}
{{- with $secrets }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* repository@digest when a digest is given, else repository:tag. Args: dict image, defaultTag. */}}
{{- define "hello-server.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .defaultTag .image.tag) }}
{{- end }}
{{- end }}

{{- define "hello-server.image" -}}
{{- include "hello-server.imageRef" (dict "image" .Values.image "defaultTag" .Chart.AppVersion) }}
{{- end }}

{{- define "hello-server.serviceAccountName" -}}
{{- .Values.serviceAccount.name }}
{{- end }}

{{/* Seconds the app needs after SIGTERM: drain + in-flight timeout. */}}
{{- define "hello-server.shutdownSeconds" -}}
{{- add .Values.app.shutdown.drainSeconds .Values.app.shutdown.timeoutSeconds }}
{{- end }}

{{/* Grace period covering the app's drain + timeout plus a margin, so the kubelet never kills it mid-drain. */}}
{{- define "hello-server.terminationGracePeriodSeconds" -}}
{{- add (include "hello-server.shutdownSeconds" . | int) .Values.app.shutdown.marginSeconds }}
{{- end }}

{{/* Most pods that can run at once: the HPA maximum, or the fixed replica count. */}}
{{- define "hello-server.maxPods" -}}
{{- if .Values.autoscaling.enabled }}{{ .Values.autoscaling.maxReplicas }}{{ else }}{{ .Values.replicaCount }}{{ end }}
{{- end }}

{{/*
Pods an update may add on top of the replica count: `strategy.rollingUpdate.maxSurge` as a number, or as a
percentage of the largest replica count rounded up (Kubernetes rounds a surge up); Kubernetes' default 25 % when
unset; none with `Recreate`.
*/}}
{{- define "hello-server.surgePods" -}}
{{- $strategy := .Values.strategy | default dict }}
{{- if eq ($strategy.type | default "RollingUpdate") "Recreate" }}0
{{- else }}
{{- $surge := ($strategy.rollingUpdate | default dict).maxSurge }}
{{- if kindIs "invalid" $surge }}{{ $surge = "25%" }}{{ end }}
{{- if kindIs "string" $surge }}
{{- $percent := trimSuffix "%" $surge | int }}
{{- ceil (divf (mul $percent (include "hello-server.maxPods" . | int)) 100) | int }}
{{- else }}
{{- $surge | int }}
{{- end }}
{{- end }}
{{- end }}

{{/* Whole seconds strictly above a duration in milliseconds: ceil(ms / 1000) + 1. */}}
{{- define "hello-server.secondsAbove" -}}
{{- add (ceil (divf . 1000) | int) 1 }}
{{- end }}

{{/* Backend timeout of the load balancer: set, or just above the app's own request deadline. */}}
{{- define "hello-server.backendTimeoutSeconds" -}}
{{- $policy := .Values.gateway.backendPolicy }}
{{- if kindIs "invalid" $policy.timeoutSec }}
{{- include "hello-server.secondsAbove" .Values.app.requestTimeoutMs }}
{{- else }}
{{- $policy.timeoutSec | int }}
{{- end }}
{{- end }}

{{/* Database user: explicit, or in IAM mode the Google service account's IAM user (email minus domain suffix). */}}
{{- define "hello-server.databaseUser" -}}
{{- if .Values.database.user }}
{{- .Values.database.user }}
{{- else if eq .Values.database.auth.mode "iam" }}
{{- trimSuffix ".gserviceaccount.com" .Values.serviceAccount.gcpServiceAccount }}
{{- end }}
{{- end }}

{{/* Secret name holding the database password in password mode. */}}
{{- define "hello-server.passwordSecretName" -}}
{{- default (printf "%s-db" (include "hello-server.fullname" .)) .Values.database.auth.existingSecret.name }}
{{- end }}

{{- define "hello-server.passwordSecretKey" -}}
{{- if .Values.database.auth.existingSecret.name }}{{ .Values.database.auth.existingSecret.key }}{{ else }}password{{ end }}
{{- end }}

{{/*
Prometheus rule groups from files/alerts (a symlink to the repository's alerts/), with the SLO objectives and
the latency threshold substituted from values. The rule files state each of these exactly once, as the tokens
`vector(0.999)`, `vector(0.99)` and `le="0.1"`. Placeholders first, so a new value that equals another token
(e.g. a latency objective of 0.999) is never substituted twice. A whole-number threshold matches both `le="1"`
(Prometheus 2) and `le="1.0"` (Prometheus 3 normalises bucket labels).
*/}}
{{- define "hello-server.ruleGroups" -}}
{{- $slo := .Values.slo }}
{{- $le := printf "le=%q" (toString $slo.latency.thresholdSeconds) }}
{{- if eq (float64 $slo.latency.thresholdSeconds) (floor $slo.latency.thresholdSeconds) }}
{{- $le = printf "le=~\"%v|%v.0\"" $slo.latency.thresholdSeconds $slo.latency.thresholdSeconds }}
{{- end }}
{{- $groups := list }}
{{- range $path, $_ := .Files.Glob "files/alerts/*.yaml" }}
{{- if or $.Values.monitoring.kubernetesAlerts (ne (base $path) "kubernetes.yaml") }}
{{- $text := $.Files.Get $path | replace "vector(0.999)" "@SLO_AVAILABILITY@" | replace "vector(0.99)" "@SLO_LATENCY@" | replace "le=\"0.1\"" "@SLO_LE@" }}
{{- $text = $text | replace "@SLO_AVAILABILITY@" (printf "vector(%v)" $slo.availability.objective) | replace "@SLO_LATENCY@" (printf "vector(%v)" $slo.latency.objective) | replace "@SLO_LE@" $le }}
{{- $file := fromYaml $text }}
{{- if hasKey $file "Error" }}
{{- fail (printf "%s: not a Prometheus rule file: %s" $path $file.Error) }}
{{- end }}
{{- $groups = concat $groups ($file.groups | default list) }}
{{- end }}
{{- end }}
{{- toYaml (dict "groups" $groups) }}
{{- end }}
