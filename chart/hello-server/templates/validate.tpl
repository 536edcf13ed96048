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
{{- fail (printf "connection budget exceeded: database.pool.maxSize (%d) x (%s (%d) + %d surge pod) = %d connections > database.maxConnections (%d); lower the pool size or the replica maximum, or raise database.maxConnections" (int $v.database.pool.maxSize) (ternary "autoscaling.maxReplicas" "replicaCount" $v.autoscaling.enabled) $replicas $surge $budget (int $v.database.maxConnections)) }}
{{- end }}
{{- if and $v.gateway.enabled (not $v.gateway.certificateMap) }}
{{- fail "gateway.certificateMap is required when gateway.enabled is true (Certificate Manager certificate map name)" }}
{{- end }}
{{- end }}
