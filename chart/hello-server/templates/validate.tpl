{{/*
Checks values.schema.json cannot express (they relate several keys). Each failure names the key to fix.
Included once from deployment.yaml, so `helm template` and `helm install` stop before anything is created.
*/}}
{{- define "hello-server.validate" -}}
{{- $v := .Values }}
{{- if not $v.image.repository }}
{{- fail "image.repository is required (e.g. REGION-docker.pkg.dev/PROJECT/REPO/hello-server)" }}
{{- end }}
{{- if $v.cloudSqlProxy.enabled }}
  {{- if not $v.cloudSqlProxy.instanceConnectionName }}
  {{- fail "cloudSqlProxy.instanceConnectionName is required when cloudSqlProxy.enabled is true (PROJECT:REGION:INSTANCE)" }}
  {{- end }}
  {{- if and $v.serviceAccount.create (not $v.serviceAccount.gcpServiceAccount) }}
  {{- fail "serviceAccount.gcpServiceAccount is required when cloudSqlProxy.enabled is true: the proxy authenticates as that Google service account through Workload Identity" }}
  {{- end }}
  {{- $appPorts := list (int $v.app.port) (int $v.app.metricsPort) }}
  {{- if has (int $v.cloudSqlProxy.httpPort) $appPorts }}
  {{- fail (printf "cloudSqlProxy.httpPort (%d) clashes with app.port/app.metricsPort in the same pod" (int $v.cloudSqlProxy.httpPort)) }}
  {{- end }}
  {{- if has (int $v.cloudSqlProxy.port) $appPorts }}
  {{- fail (printf "cloudSqlProxy.port (%d) clashes with app.port/app.metricsPort in the same pod" (int $v.cloudSqlProxy.port)) }}
  {{- end }}
{{- else }}
  {{- if eq $v.database.auth.mode "iam" }}
  {{- fail "database.auth.mode=iam needs cloudSqlProxy.enabled=true (the proxy performs the IAM login); use database.auth.mode=password to reach a database directly" }}
  {{- end }}
  {{- if not $v.database.host }}
  {{- fail "database.host is required when cloudSqlProxy.enabled is false" }}
  {{- end }}
{{- end }}
{{- if eq (int $v.app.port) (int $v.app.metricsPort) }}
{{- fail (printf "app.metricsPort must differ from app.port (%d): metrics are never served on the public port" (int $v.app.port)) }}
{{- end }}
{{- if eq $v.database.auth.mode "password" }}
  {{- if and $v.database.auth.existingSecret.name $v.database.auth.password }}
  {{- fail "database.auth.existingSecret.name and database.auth.password are both set: keep only existingSecret" }}
  {{- end }}
  {{- if not (or $v.database.auth.existingSecret.name $v.database.auth.password) }}
  {{- fail "database.auth.mode=password needs database.auth.existingSecret.name (preferred) or database.auth.password" }}
  {{- end }}
{{- end }}
{{- if not (include "hello-server.databaseUser" .) }}
{{- fail "database.user is required (in iam mode it defaults to serviceAccount.gcpServiceAccount without .gserviceaccount.com)" }}
{{- end }}
{{- if gt (int $v.database.pool.minIdle) (int $v.database.pool.maxSize) }}
{{- fail (printf "database.pool.minIdle (%d) exceeds database.pool.maxSize (%d)" (int $v.database.pool.minIdle) (int $v.database.pool.maxSize)) }}
{{- end }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling.minReplicas (%d) exceeds autoscaling.maxReplicas (%d)" (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- end }}
{{- /* Every pod may hold a full pool, including the surge pod of a rolling update at the replica maximum. */}}
{{- $replicas := include "hello-server.maxPods" . | int }}
{{- $surge := include "hello-server.surgePods" . | int }}
{{- $budget := mul (int $v.database.pool.maxSize) (add $replicas $surge) }}
{{- if gt $budget (int $v.database.maxConnections) }}
{{- fail (printf "connection budget exceeded: database.pool.maxSize (%d) x (%s (%d) + %d surge %s) = %d connections > database.maxConnections (%d); lower the pool size, the replica maximum or strategy.rollingUpdate.maxSurge, or raise database.maxConnections" (int $v.database.pool.maxSize) (ternary "autoscaling.maxReplicas" "replicaCount" $v.autoscaling.enabled) $replicas $surge (ternary "pod" "pods" (eq $surge 1)) $budget (int $v.database.maxConnections)) }}
{{- end }}
{{- $rolling := $v.strategy.rollingUpdate | default dict }}
{{- if and (eq $v.strategy.type "RollingUpdate") (eq (toString $rolling.maxSurge) "0") (eq (toString $rolling.maxUnavailable) "0") }}
{{- fail "strategy.rollingUpdate.maxSurge and strategy.rollingUpdate.maxUnavailable are both 0: the rollout could never replace a pod" }}
{{- end }}
{{- include "hello-server.validateProbes" . }}
{{- include "hello-server.validateGateway" . }}
{{- include "hello-server.validateUnique" . }}
{{- end }}

{{/* Probe deadlines against the app's own: a readiness probe must outlast the database ping behind /readyz. */}}
{{- define "hello-server.validateProbes" -}}
{{- $v := .Values }}
{{- $readiness := int ($v.app.probes.readiness.timeoutSeconds | default 1) }}{{/* Kubernetes' default */}}
{{- if le (mul $readiness 1000) (int $v.app.readinessTimeoutMs) }}
{{- fail (printf "app.probes.readiness.timeoutSeconds (%d s) must exceed app.readinessTimeoutMs (%d ms): a slow database must show as the app's 503, not a probe timeout" $readiness (int $v.app.readinessTimeoutMs)) }}
{{- end }}
{{- end }}

{{- define "hello-server.validateGateway" -}}
{{- $g := .Values.gateway }}
{{- if $g.enabled }}
  {{- if $g.create }}
    {{- if not $g.certificateMap }}
    {{- fail "gateway.certificateMap is required when gateway.create is true (Certificate Manager certificate map name)" }}
    {{- end }}
    {{- if $g.parentRefs }}
    {{- fail "gateway.parentRefs attaches the route to existing Gateways: set gateway.create=false to use it, or empty it to create one" }}
    {{- end }}
  {{- else if not $g.parentRefs }}
  {{- fail "gateway.parentRefs is required when gateway.create is false: name the existing Gateway (name, namespace, sectionName)" }}
  {{- end }}
  {{- $policy := $g.backendPolicy }}
  {{- if $policy.enabled }}
    {{- $timeout := include "hello-server.backendTimeoutSeconds" . | int }}
    {{- if le (mul $timeout 1000) (int .Values.app.requestTimeoutMs) }}
    {{- fail (printf "gateway.backendPolicy.timeoutSec (%d s) must exceed app.requestTimeoutMs (%d ms): the load balancer would cut requests the app is still answering (502)" $timeout (int .Values.app.requestTimeoutMs)) }}
    {{- end }}
    {{- if and $policy.iap.enabled (not (and $policy.iap.clientID $policy.iap.oauth2ClientSecretName)) }}
    {{- fail "gateway.backendPolicy.iap.enabled needs gateway.backendPolicy.iap.clientID and gateway.backendPolicy.iap.oauth2ClientSecretName" }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
Names the pod's lists are merged by. Server-side apply (Helm 4's default) rejects two entries with the same merge
key, and Kubernetes rejects clashing containers, volumes, mount paths and ports anyway: fail here with the key to
change, before anything is applied.
*/}}
{{- define "hello-server.validateUnique" -}}
{{- $v := .Values }}
{{- $passwordMode := eq $v.database.auth.mode "password" }}
{{- /* Environment variables of the app container. */}}
{{- $seen := dict }}
{{- if $passwordMode }}{{ $_ := set $seen "DB_PASSWORD_FILE" "the chart (password mode)" }}{{ end }}
{{- range $v.app.extraEnv }}
  {{- if hasKey $seen .name }}
  {{- fail (printf "app.extraEnv: %s is already set by %s; each name may appear once (server-side apply rejects duplicates)" .name (get $seen .name)) }}
  {{- end }}
  {{- $_ := set $seen .name "app.extraEnv" }}
{{- end }}
{{- /* Containers (init and regular share one namespace of names). */}}
{{- $seen = dict "hello-server" "the chart" }}
{{- if $v.cloudSqlProxy.enabled }}{{ $_ := set $seen "cloud-sql-proxy" "the chart" }}{{ end }}
{{- range $key := list "extraInitContainers" "extraContainers" }}
  {{- range (get $v $key | default list) }}
    {{- if hasKey $seen .name }}
    {{- fail (printf "%s: container name %q is already used by %s" $key .name (get $seen .name)) }}
    {{- end }}
    {{- $_ := set $seen .name $key }}
  {{- end }}
{{- end }}
{{- /* Volumes, and the volumes the app's extra mounts refer to. */}}
{{- $seen = dict "tmp" "the chart" }}
{{- if $passwordMode }}{{ $_ := set $seen "db-password" "the chart (password mode)" }}{{ end }}
{{- range $v.extraVolumes }}
  {{- if hasKey $seen .name }}
  {{- fail (printf "extraVolumes: volume name %q is already used by %s" .name (get $seen .name)) }}
  {{- end }}
  {{- $_ := set $seen .name "extraVolumes" }}
{{- end }}
{{- $volumes := $seen }}
{{- $seen = dict "/tmp" "the chart" }}
{{- if $passwordMode }}{{ $_ := set $seen "/var/run/secrets/hello-server/db" "the chart (password mode)" }}{{ end }}
{{- range $v.app.extraVolumeMounts }}
  {{- if not (hasKey $volumes .name) }}
  {{- fail (printf "app.extraVolumeMounts: volume %q is not defined; add it to extraVolumes" .name) }}
  {{- end }}
  {{- if hasKey $seen .mountPath }}
  {{- fail (printf "app.extraVolumeMounts: mountPath %s is already used by %s" .mountPath (get $seen .mountPath)) }}
  {{- end }}
  {{- $_ := set $seen .mountPath "app.extraVolumeMounts" }}
{{- end }}
{{- range $key := list "extraInitContainers" "extraContainers" }}
  {{- range $container := (get $v $key | default list) }}
    {{- range $container.volumeMounts }}
      {{- if not (hasKey $volumes .name) }}
      {{- fail (printf "%s: container %q mounts volume %q, which is not defined; add it to extraVolumes" $key $container.name .name) }}
      {{- end }}
    {{- end }}
  {{- end }}
{{- end }}
{{- /* Container ports share the pod's network namespace. */}}
{{- $seen = dict (toString $v.app.port) "app.port" (toString $v.app.metricsPort) "app.metricsPort" }}
{{- if $v.cloudSqlProxy.enabled }}
{{- $_ := set $seen (toString $v.cloudSqlProxy.httpPort) "cloudSqlProxy.httpPort" }}
{{- $_ := set $seen (toString $v.cloudSqlProxy.port) "cloudSqlProxy.port" }}
{{- end }}
{{- range $key := list "extraInitContainers" "extraContainers" }}
  {{- range $container := (get $v $key | default list) }}
    {{- range $container.ports }}
      {{- $port := toString (int .containerPort) }}
      {{- if hasKey $seen $port }}
      {{- fail (printf "%s: container %q port %s clashes with %s in the same pod" $key $container.name $port (get $seen $port)) }}
      {{- end }}
      {{- $_ := set $seen $port (printf "%s (%s)" $key $container.name) }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
