{{/*
Chart name, cut to the 63 characters a label value may hold.
*/}}
{{- define "karpenter-config.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Chart name and version as used by the helm.sh/chart label; "+" is not allowed in labels.
*/}}
{{- define "karpenter-config.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Standard labels on every object, so `kubectl get -l app.kubernetes.io/instance=<release>`
finds what one release owns.
*/}}
{{- define "karpenter-config.labels" -}}
app.kubernetes.io/name: {{ include "karpenter-config.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ include "karpenter-config.chart" . }}
{{- end }}

{{/*
Selector term shared by subnets and security groups when a node class lists no ids: the
discovery tag the program puts on the cluster's node subnets and security group.
*/}}
{{- define "karpenter-config.discoveryTerms" -}}
- tags:
    karpenter.sh/discovery: {{ required "clusterName is required when nodeClasses is not empty" .Values.clusterName | quote }}
{{- end }}

{{/*
The EBS settings of a node class's volume: size and type, the performance asked for, always
encrypted (with the account's EBS key unless a KMS key is named), deleted with the node.
*/}}
{{- define "karpenter-config.ebs" -}}
volumeSize: {{ .size | quote }}
volumeType: {{ .type | quote }}
{{- with .iops }}
iops: {{ . | int }}
{{- end }}
{{- with .throughput }}
throughput: {{ . | int }}
{{- end }}
encrypted: {{ .encrypted }}
{{- with .kmsKeyID }}
kmsKeyID: {{ . | quote }}
{{- end }}
deleteOnTermination: true
{{- end }}
