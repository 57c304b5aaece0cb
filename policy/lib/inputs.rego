# Input kinds and the Flux objects a plan declares, however it declares them.
package flux.lib

import rego.v1

# --- Input kinds: each package only judges its own kind, so --all-namespaces never false-fails ----------------------

# The action's tfvars: {"flux": {...}}.
is_tfvars if is_object(input.flux)

# `tofu show -json <planfile>`: a state (`values`) or anything else is not a plan.
is_plan if {
	is_string(input.format_version)
	is_object(input.planned_values)
}

unrecognised_input := result("FLUX000", "input", show(object.keys(input_object)), {
	"problem": "has none of the expected top-level keys: it is neither the action's tfvars nor a plan",
	"fix": `pass the tfvars JSON ({"flux": {...}}) or the output of "tofu show -json <planfile>" (a plan, not a state)`,
}) if {
	not is_tfvars
	not is_plan
}

input_object := input if is_object(input)

else := {}

# --- Resources a plan will leave in place --------------------------------------------------------------------------

live_actions := {"create", "update", "no-op"}

# One entry per managed resource instance the plan keeps or creates, with its planned values (`after`).
plan_resources contains {
	"address": rc.address,
	"type": rc.type,
	"after": object.get(rc.change, "after", null),
	"after_unknown": object.get(rc.change, "after_unknown", {}),
} if {
	some rc in input.resource_changes
	rc.mode == "managed"
	some action in rc.change.actions
	action in live_actions
}

# A plan without resource_changes (nothing to change) still has planned_values: every resource in it stays.
plan_resources contains {"address": r.address, "type": r.type, "after": r.values, "after_unknown": {}} if {
	not input.resource_changes
	walk(input.planned_values, [_, r])
	is_string(r.address)
	r.mode == "managed"
	is_object(r.values)
}

# --- Flux objects --------------------------------------------------------------------------------------------------

flux_kinds := {
	"GitRepository": "source.toolkit.fluxcd.io/",
	"Kustomization": "kustomize.toolkit.fluxcd.io/",
}

is_flux_object(doc) if {
	is_object(doc)
	prefix := flux_kinds[doc.kind]
	startswith(doc.apiVersion, prefix)
}

# Objects anywhere in a resource's planned values: `kubernetes_manifest.manifest` (an object), a YAML string such
# as `kubectl_manifest.yaml_body`, or any other attribute that carries a manifest (e.g. `terraform_data.input`).
manifests_in(after) := object_manifests(after) | yaml_manifests(after)

object_manifests(after) := {doc |
	walk(after, [_, doc])
	is_flux_object(doc)
}

yaml_manifests(after) := {doc |
	walk(after, [_, text])
	is_string(text)
	contains(text, "toolkit.fluxcd.io/")
	some part in regex.split(`(?m)^---[ \t]*$`, text)
	doc := yaml.unmarshal(part)
	is_flux_object(doc)
}

flux_objects contains {
	"kind": doc.kind,
	"name": object.get(doc, ["metadata", "name"], ""),
	"namespace": object_namespace(doc, r),
	"spec": object.get(doc, "spec", {}),
	"address": r.address,
} if {
	some r in plan_resources
	some doc in manifests_in(r.after)
}

# kubectl_manifest's override_namespace wins over the manifest; Kubernetes' default namespace is "default".
object_namespace(doc, r) := r.after.override_namespace if {
	r.type == "kubectl_manifest"
	is_string(r.after.override_namespace)
	r.after.override_namespace != ""
} else := ns if {
	ns := doc.metadata.namespace
	is_string(ns)
	ns != ""
} else := "default"

flux_objects contains flux2_sync_git(r, flux2_sync_values(r)) if {
	some r in plan_resources
	chart_is(r, "flux2-sync")
}

flux_objects contains flux2_sync_kustomization(r, flux2_sync_values(r)) if {
	some r in plan_resources
	chart_is(r, "flux2-sync")
}

git_repositories contains obj if {
	some obj in flux_objects
	obj.kind == "GitRepository"
}

kustomizations contains obj if {
	some obj in flux_objects
	obj.kind == "Kustomization"
}

# --- Helm releases -------------------------------------------------------------------------------------------------

chart_is(r, name) if {
	r.type == "helm_release"
	regex.match(sprintf(`(^|/)%s$`, [name]), r.after.chart)
}

flux2_releases contains r if {
	some r in plan_resources
	chart_is(r, "flux2")
}

installs_flux if count(flux2_releases) > 0

# helm_values(after, defaults) merges a release's values documents in order (later wins, as Helm does).
helm_values(after, defaults) := object.union_n(array.concat([defaults], [v |
	some text in object.get(after, "values", [])
	v := yaml.unmarshal(text)
	is_object(v)
]))

# helm_value reads a dotted key: a `set`/`set_sensitive` entry wins over the values documents.
helm_value(after, values, key, fallback) := entry.value if {
	some attr in ["set", "set_sensitive"]
	some entry in object.get(after, attr, [])
	entry.name == key
} else := object.get(values, split(key, "."), fallback)

# --- flux2-sync: the chart renders one GitRepository and one Kustomization named after the release ----------------

flux2_sync_defaults := {
	"gitRepository": {"spec": {"interval": "5m"}},
	"kustomization": {"spec": {"interval": "5m", "prune": true}},
}

flux2_sync_values(r) := helm_values(r.after, flux2_sync_defaults)

flux2_sync_git(r, values) := {
	"kind": "GitRepository",
	"name": flux2_sync_git_name(r, values),
	"namespace": object.get(r.after, "namespace", "default"),
	"spec": {
		"url": helm_value(r.after, values, "gitRepository.spec.url", null),
		"interval": helm_value(r.after, values, "gitRepository.spec.interval", null),
		"suspend": helm_scalar(helm_value(r.after, values, "gitRepository.spec.suspend", null)),
	},
	"address": r.address,
}

# The chart renders the Kustomization only when `kustomization` is set (it is by default).
flux2_sync_kustomization(r, values) := {
	"kind": "Kustomization",
	"name": helm_value(r.after, values, "kustomization.name", r.after.name),
	"namespace": object.get(r.after, "namespace", "default"),
	"spec": {
		"interval": helm_value(r.after, values, "kustomization.spec.interval", null),
		"path": helm_value(r.after, values, "kustomization.spec.path", null),
		"prune": helm_scalar(helm_value(r.after, values, "kustomization.spec.prune", null)),
		"suspend": helm_scalar(helm_value(r.after, values, "kustomization.spec.suspend", null)),
		"sourceRef": {"kind": "GitRepository", "name": flux2_sync_git_name(r, values)},
	},
	"address": r.address,
} if {
	is_object(values.kustomization)
}

flux2_sync_git_name(r, values) := helm_value(r.after, values, "gitRepository.name", r.after.name)

# Helm parses "true"/"false" in `set` entries as booleans.
helm_scalar(value) if value == "true"

else := false if value == "false"

else := value
