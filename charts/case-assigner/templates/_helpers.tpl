{{/* Chart name, truncated to the 63-character DNS label limit. */}}
{{- define "case-assigner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<name>, or the release name alone when it already contains the name. */}}
{{- define "case-assigner.fullname" -}}
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

{{/* A component's resource name: <fullname>-<component>, kept within 52 characters so a CronJob's Job and Pod
names (suffixes of 11 and 6 characters) still fit in 63. */}}
{{- define "case-assigner.componentName" -}}
{{- printf "%s-%s" (include "case-assigner.fullname" .root | trunc (int (sub 51 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{- define "case-assigner.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels (helm create), plus part-of and the user's commonLabels. */}}
{{- define "case-assigner.labels" -}}
helm.sh/chart: {{ include "case-assigner.chart" . }}
{{ include "case-assigner.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: case-assigner
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels: name and instance only, so they never change across upgrades. */}}
{{- define "case-assigner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "case-assigner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component: call with (dict "root" $ "component" "api"). */}}
{{- define "case-assigner.componentLabels" -}}
{{ include "case-assigner.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "case-assigner.componentSelectorLabels" -}}
{{ include "case-assigner.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "case-assigner.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "case-assigner.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "case-assigner.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "case-assigner.configMapName" -}}
{{- printf "%s-settings" (include "case-assigner.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret the pods read: the existing one, or the development Secret this chart renders. Fails closed. */}}
{{- define "case-assigner.secretName" -}}
{{- if and .Values.secret.existingSecret .Values.secret.create }}
{{- fail "secret.existingSecret and secret.create are mutually exclusive: use existingSecret (production) or create (development only)" }}
{{- else if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else if .Values.secret.create }}
{{- if not .Values.secret.devValues.DATABASE_URL }}
{{- fail "secret.create is true but secret.devValues.DATABASE_URL is empty: give the development database URL" }}
{{- end }}
{{- printf "%s-dev" (include "case-assigner.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- fail "no Secret for DATABASE_URL and the API tokens: set secret.existingSecret to a Secret created outside git (production), or secret.create=true with secret.devValues (development only)" }}
{{- end }}
{{- end }}

{{/* Rollout triggers: a pod template changes (and pods restart) when the settings or the dev Secret change. */}}
{{- define "case-assigner.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if .Values.secret.create }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/* Environment shared by every role: settings path, log level, Secret-backed variables, extras. */}}
{{- define "case-assigner.env" -}}
- name: CASE_ASSIGNER_SETTINGS
  value: /app/config/settings.yaml
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- $secretName := include "case-assigner.secretName" . }}
{{- /* A token variable the settings reference is required, whatever `optional` says: a missing key then stops the
pod at creation (CreateContainerConfigError, with an event naming the key) instead of failing each cycle. */}}
{{- $referenced := list }}
{{- range $api := list .Values.settings.queue .Values.settings.assignmentApi }}
{{- if and (kindIs "map" $api) (kindIs "map" $api.auth) $api.auth.tokenEnv }}
{{- $referenced = append $referenced $api.auth.tokenEnv }}
{{- end }}
{{- end }}
{{- range $name, $ref := .Values.secret.env }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ $ref.key }}
      optional: {{ and $ref.optional (not (has $name $referenced)) }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Writable /tmp on a read-only root filesystem, plus the settings volume. */}}
{{- define "case-assigner.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: settings
  configMap:
    name: {{ include "case-assigner.configMapName" . }}
{{- end }}

{{- define "case-assigner.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: settings
  mountPath: /app/config
  readOnly: true
{{- end }}

{{/* Hooks run before the release's ServiceAccount exists (pre-install, Argo CD PreSync): they use the namespace's
default ServiceAccount unless an existing one is named. */}}
{{- define "case-assigner.hookServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}default{{ else }}{{ include "case-assigner.serviceAccountName" . }}{{ end }}
{{- end }}

{{/* Pod-level fields shared by every role: call with (dict "root" $ "hook" true|false). */}}
{{- define "case-assigner.podCommon" -}}
{{- with .root -}}
serviceAccountName: {{ ternary (include "case-assigner.hookServiceAccountName" .) (include "case-assigner.serviceAccountName" .) (default false $.hook) }}
automountServiceAccountToken: {{ .Values.serviceAccount.automount }}
enableServiceLinks: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}

{{/* Authentication of the public routes (docs/chart.md, "Authentication"). An Ingress with mode none is refused
unless auth.allowAnonymous (values.schema.json says the same; this message names the fix). */}}
{{- define "case-assigner.authMode" -}}
{{- $mode := .Values.auth.mode }}
{{- if and .Values.ingress.enabled (eq $mode "none") (not .Values.auth.allowAnonymous) }}
{{- fail "ingress.enabled is true with auth.mode none: anyone reaching the host would use the API and dashboard; set auth.mode forward-auth (Entra ID sign-in) or bearer, or auth.allowAnonymous=true to publish it without authentication" }}
{{- end }}
{{- $own := dig "api" "auth" "mode" "" (.Values.settings | default dict) }}
{{- if and $own (ne $own $mode) }}
{{- fail (printf "settings.api.auth.mode is %q but auth.mode is %q: set auth.mode only (the chart writes it into the settings)" $own $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/* Whether the chart runs oauth2-proxy and the Traefik middleware: forward-auth behind an Ingress. */}}
{{- define "case-assigner.oauth2ProxyEnabled" -}}
{{- if and .Values.ingress.enabled (eq (include "case-assigner.authMode" .) "forward-auth") }}true{{ end }}
{{- end }}

{{/* The tool's settings as rendered into settings.yaml: the values' settings with api.auth following auth.mode. */}}
{{- define "case-assigner.settings" -}}
{{- $settings := deepCopy (.Values.settings | default dict) }}
{{- $api := get $settings "api" | default dict }}
{{- $auth := get $api "auth" | default dict }}
{{- $_ := set $auth "mode" (include "case-assigner.authMode" .) }}
{{- if eq $auth.mode "forward-auth" }}
{{- $_ := set $auth "userHeader" .Values.auth.userHeader }}
{{- end }}
{{- $_ := set $api "auth" $auth }}
{{- $_ := set $settings "api" $api }}
{{- toYaml $settings }}
{{- end }}

{{/* Selector labels of the oauth2-proxy pods (component oauth2-proxy: the tool's Service, PDB and NetworkPolicy
never select them). */}}
{{- define "case-assigner.oauth2ProxySelectorLabels" -}}
{{ include "case-assigner.componentSelectorLabels" (dict "root" . "component" "oauth2-proxy") }}
{{- end }}

{{- define "case-assigner.oauth2ProxyName" -}}
{{ include "case-assigner.componentName" (dict "root" . "component" "oauth2-proxy") }}
{{- end }}

{{/* Traefik Middleware (forwardAuth to the proxy) and its reference in the Ingress annotation: <namespace>-<name>@kubernetescrd. */}}
{{- define "case-assigner.authMiddlewareName" -}}
{{ include "case-assigner.componentName" (dict "root" . "component" "auth") }}
{{- end }}
