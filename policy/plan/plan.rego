# Rules on the plan JSON (`tofu show -json <planfile>`): what will actually be applied, whatever code produced it.
# The Flux objects are found however they are declared (see flux.lib inputs.rego); a plan that installs Flux
# without them fails closed.
#
#   conftest test --policy policy --namespace flux.plan plan.json
package flux.plan

import data.flux.lib
import rego.v1

deny contains lib.unrecognised_input

deny contains r if {
	lib.is_plan
	some r in lib.option_errors
}

# --- FLUX001 -------------------------------------------------------------------------------------------------------

deny contains lib.object_result("FLUX001", repo, "spec.url", lib.show_url(url), issue) if {
	some repo in lib.git_repositories
	url := object.get(repo.spec, "url", null)
	issue := lib.url_issue(url)
}

# --- FLUX002 -------------------------------------------------------------------------------------------------------

deny contains lib.object_result("FLUX002", obj, "spec.interval", lib.show(interval), issue) if {
	some obj in lib.flux_objects
	interval := object.get(obj.spec, "interval", null)
	issue := lib.interval_issue(interval)
}

# --- FLUX003 -------------------------------------------------------------------------------------------------------

deny contains lib.object_result("FLUX003", ks, "spec.prune", lib.show(prune), issue) if {
	some ks in lib.kustomizations
	prune := object.get(ks.spec, "prune", null)
	issue := lib.prune_issue(prune)
}

# --- FLUX004 -------------------------------------------------------------------------------------------------------

declared_repositories := sort([sprintf("%s/%s", [repo.namespace, repo.name]) | some repo in lib.git_repositories])

deny contains lib.object_result("FLUX004", ks, "spec.sourceRef", lib.show(ref), issue) if {
	some ks in lib.kustomizations
	ref := object.get(ks.spec, "sourceRef", null)
	issue := source_ref_issue(ks, ref)
}

source_ref_issue(ks, ref) := {
	"problem": "is missing",
	"fix": sprintf("set sourceRef to the GitRepository this configuration declares %v", [declared_repositories]),
} if {
	not is_object(ref)
} else := {
	"problem": sprintf("is a %v, not a GitRepository", [object.get(ref, "kind", null)]),
	"fix": sprintf("set sourceRef.kind to GitRepository and name the one this configuration declares %v", [declared_repositories]),
} if {
	object.get(ref, "kind", null) != "GitRepository"
} else := {
	"problem": sprintf("points to GitRepository %s, which this configuration does not declare (it declares %v)", [target, declared_repositories]),
	"fix": "point sourceRef at a declared GitRepository, or declare that one in the same configuration",
} if {
	target := sprintf("%s/%s", [ref_namespace(ks, ref), object.get(ref, "name", "")])
	not target in {sprintf("%s/%s", [repo.namespace, repo.name]) | some repo in lib.git_repositories}
}

# An omitted sourceRef.namespace means the Kustomization's own.
ref_namespace(ks, ref) := ref.namespace if {
	is_string(ref.namespace)
	ref.namespace != ""
} else := ks.namespace

# --- FLUX005 -------------------------------------------------------------------------------------------------------

deny contains lib.object_result("FLUX005", obj, "spec.suspend", "true", {
	"problem": "suspends reconciliation, so the cluster would stop following Git",
	"fix": "remove spec.suspend or set it to false",
}) if {
	some obj in lib.flux_objects
	obj.spec.suspend == true
}

# --- FLUX006 -------------------------------------------------------------------------------------------------------

# An omitted path means the repository root, which is fine.
deny contains lib.object_result("FLUX006", ks, "spec.path", lib.show(path), issue) if {
	some ks in lib.kustomizations
	path := lib.present(ks.spec, "path")
	issue := lib.path_issue(path)
}

# --- FLUX007: fail closed --------------------------------------------------------------------------------------------

releases := sort([r.address | some r in lib.flux2_releases])

# Manifests whose content is only known after apply cannot be judged; name them so the fix is obvious.
unknown_manifests := sort([r.address |
	some r in lib.plan_resources
	some attr in ["yaml_body", "manifest", "values"]
	r.after_unknown[attr] == true
])

deny contains lib.result("FLUX007", "plan", lib.show(releases), {
	"problem": sprintf("installs Flux (chart flux2) but declares no %s%s", [kind, unknown_hint]),
	"fix": sprintf("declare the %s in the same configuration (kubectl_manifest, kubernetes_manifest or a flux2-sync release) with values known at plan time", [kind]),
}) if {
	lib.installs_flux
	some kind in ["GitRepository", "Kustomization"]
	count({obj | some obj in lib.flux_objects; obj.kind == kind}) == 0
}

unknown_hint := sprintf(" that the policy can read; these manifests are unknown until apply: %v", [unknown_manifests]) if {
	count(unknown_manifests) > 0
} else := ""

# --- Options: a warning unless the organisation sets enforcement to "deny" ----------------------------------------

optional contains lib.object_result("FLUX008", obj, "spec.interval", lib.show(obj.spec.interval), issue) if {
	some obj in lib.flux_objects
	issue := lib.interval_bound_issue(obj.spec.interval)
}

optional contains object.union(
	lib.result("FLUX009", sprintf("helm_release %s values multitenancy.enabled", [r.address]), lib.show(enabled), issue),
	{"resource": r.address},
) if {
	some r in lib.flux2_releases
	enabled := lib.helm_value(r.after, lib.helm_values(r.after, {}), "multitenancy.enabled", null)
	issue := lib.multitenancy_issue(enabled)
}

# Where each flux2 release takes its chart from: its repository, else a chart given as a full oci:// (or other
# URL) reference, else nowhere the policy can check (a local path or a Helm repository alias such as repo/flux2).
optional contains object.union(
	lib.result("FLUX010", sprintf("helm_release %s %s", [r.address, source.field]), source.shown, issue),
	{"resource": r.address},
) if {
	some r in lib.flux2_releases
	source := chart_source(r)
	issue := chart_source_issue(source)
}

chart_source(r) := {"field": "repository", "shown": "(known after apply)", "unknown": true} if {
	r.after_unknown.repository == true
} else := {"field": "repository", "shown": lib.show_url(url), "url": url} if {
	url := r.after.repository
	is_string(url)
	url != ""
} else := {"field": "chart", "shown": lib.show_url(r.after.chart), "url": trim_suffix(r.after.chart, "/flux2")} if {
	contains(r.after.chart, "://")
} else := {"field": "repository", "shown": lib.show(object.get(r.after, "repository", null)), "url": null}

chart_source_issue(source) := lib.chart_repository_unknown_issue if source.unknown

else := lib.chart_repository_allow_issue(source.url)

deny contains r if {
	some r in optional
	lib.level(r.rule_id) == "deny"
}

warn contains r if {
	some r in optional
	lib.level(r.rule_id) == "warn"
}
