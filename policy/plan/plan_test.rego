# conftest verify: every plan rule passes on a compliant plan and fails on each violation, for each way a
# configuration can declare the Flux objects (kubectl_manifest, kubernetes_manifest, a flux2-sync release).
package flux.plan_test

import data.flux.plan
import rego.v1

# --- Inline plan builders (shaped like `tofu show -json`) ------------------------------------------------------------

git_repository := {
	"apiVersion": "source.toolkit.fluxcd.io/v1",
	"kind": "GitRepository",
	"metadata": {"name": "flux-system", "namespace": "flux-system"},
	"spec": {"url": "https://github.com/acme/fleet", "interval": "1m", "ref": {"branch": "main"}},
}

kustomization := {
	"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
	"kind": "Kustomization",
	"metadata": {"name": "flux-system", "namespace": "flux-system"},
	"spec": {
		"interval": "1m",
		"path": "./clusters/dev",
		"prune": true,
		"sourceRef": {"kind": "GitRepository", "name": "flux-system"},
	},
}

change(address, type, actions, after) := {
	"address": address,
	"mode": "managed",
	"type": type,
	"name": "x",
	"change": {"actions": actions, "after": after, "after_unknown": {}},
}

flux2_release := change("module.flux.helm_release.flux2", "helm_release", ["create"], {
	"chart": "flux2",
	"name": "flux2",
	"namespace": "flux-system",
	"values": ["installCRDs: true\n"],
})

kubectl(name, doc) := change(sprintf("module.flux.kubectl_manifest.%s", [name]), "kubectl_manifest", ["create"], {"yaml_body": yaml.marshal(doc)})

manifest(name, doc) := change(sprintf("module.flux.kubernetes_manifest.%s", [name]), "kubernetes_manifest", ["create"], {"manifest": doc})

plan_of(changes) := {
	"format_version": "1.2",
	"terraform_version": "1.12.6",
	"planned_values": {"root_module": {}},
	"resource_changes": changes,
}

patch(doc, spec) := object.union(doc, {"spec": spec})

# The module's shape: flux2 release plus the two objects as kubectl_manifest.
kubectl_plan(git, ks) := plan_of([flux2_release, kubectl("git_repository", git), kubectl("kustomization", ks)])

rules_of(results) := {r.rule_id | some r in results}

denied(doc) := ids if {
	results := plan.deny with input as doc
	ids := rules_of(results)
}

warned(doc) := ids if {
	results := plan.warn with input as doc
	ids := rules_of(results)
}

messages(doc) := {r.msg | some r in results} if {
	results := plan.deny with input as doc
}

# --- Compliant plans, each declaration style -----------------------------------------------------------------------

test_compliant_kubectl_plan_passes if {
	count(plan.deny) == 0 with input as kubectl_plan(git_repository, kustomization)
	count(plan.warn) == 0 with input as kubectl_plan(git_repository, kustomization)
}

test_compliant_kubernetes_manifest_plan_passes if {
	doc := plan_of([flux2_release, manifest("git", git_repository), manifest("ks", kustomization)])
	count(plan.deny) == 0 with input as doc
}

test_compliant_multi_document_yaml_passes if {
	both := change("kubectl_manifest.sync", "kubectl_manifest", ["create"], {"yaml_body": concat("---\n", [yaml.marshal(git_repository), yaml.marshal(kustomization)])})
	count(plan.deny) == 0 with input as plan_of([flux2_release, both])
}

sync_release(values, set) := change("helm_release.sync", "helm_release", ["create"], {
	"chart": "flux2-sync",
	"name": "flux-system",
	"namespace": "flux-system",
	"values": [yaml.marshal(v) | some v in values],
	"set": set,
})

sync_values := {"gitRepository": {"spec": {"url": "ssh://git@github.com/acme/fleet", "interval": "1m"}}, "kustomization": {"spec": {"path": "./clusters/dev"}}}

test_compliant_flux2_sync_plan_passes if {
	count(plan.deny) == 0 with input as plan_of([flux2_release, sync_release([sync_values], [])])
}

test_planned_values_without_resource_changes_are_read if {
	doc := {
		"format_version": "1.2",
		"planned_values": {"root_module": {"child_modules": [{"resources": [
			{"address": "module.flux.helm_release.flux2", "mode": "managed", "type": "helm_release", "values": {"chart": "flux2"}},
			{"address": "module.flux.kubectl_manifest.ks", "mode": "managed", "type": "kubectl_manifest", "values": {"yaml_body": yaml.marshal(patch(kustomization, {"prune": false}))}},
		]}]}},
	}
	denied(doc) == {"FLUX003", "FLUX004", "FLUX007"}
}

test_plan_without_flux_passes if {
	count(plan.deny) == 0 with input as plan_of([change("null_resource.x", "null_resource", ["create"], {})])
}

# --- FLUX000 -------------------------------------------------------------------------------------------------------

test_unrecognised_input_denied if {
	denied({"values": {"root_module": {}}, "format_version": "1.0"}) == {"FLUX000"}
}

test_tfvars_input_is_not_judged_here if {
	count(plan.deny) == 0 with input as {"flux": {"git": {"url": "git@github.com:a/b"}}}
}

# --- FLUX001 -------------------------------------------------------------------------------------------------------

test_url_scp_denied_with_ssh_form if {
	doc := kubectl_plan(patch(git_repository, {"url": "git@github.com:acme/fleet.git"}), kustomization)
	denied(doc) == {"FLUX001"}
	some msg in messages(doc)
	contains(msg, `"ssh://git@github.com/acme/fleet.git"`)
	contains(msg, "module.flux.kubectl_manifest.git_repository")
}

test_url_http_denied_in_manifest if {
	doc := plan_of([flux2_release, manifest("git", patch(git_repository, {"url": "http://github.com/acme/fleet"})), manifest("ks", kustomization)])
	denied(doc) == {"FLUX001"}
}

test_url_denied_in_flux2_sync_set if {
	doc := plan_of([flux2_release, sync_release([sync_values], [{"name": "gitRepository.spec.url", "value": "file:///srv/fleet"}])])
	denied(doc) == {"FLUX001"}
}

# --- FLUX002 -------------------------------------------------------------------------------------------------------

test_interval_hours_on_kustomization_denied if {
	denied(kubectl_plan(git_repository, patch(kustomization, {"interval": "1h"}))) == {"FLUX002"}
}

test_interval_compound_on_git_repository_denied if {
	denied(kubectl_plan(patch(git_repository, {"interval": "10m0s"}), kustomization)) == {"FLUX002"}
}

test_interval_missing_denied if {
	denied(kubectl_plan(git_repository, json.remove(kustomization, ["spec/interval"]))) == {"FLUX002"}
}

test_flux2_sync_chart_default_interval_passes if {
	values := {"gitRepository": {"spec": {"url": "https://github.com/acme/fleet"}}}
	count(plan.deny) == 0 with input as plan_of([flux2_release, sync_release([values], [])])
}

# --- FLUX003 -------------------------------------------------------------------------------------------------------

test_prune_false_denied if {
	denied(kubectl_plan(git_repository, patch(kustomization, {"prune": false}))) == {"FLUX003"}
}

test_prune_missing_denied if {
	denied(kubectl_plan(git_repository, json.remove(kustomization, ["spec/prune"]))) == {"FLUX003"}
}

test_prune_false_in_flux2_sync_set_denied if {
	doc := plan_of([flux2_release, sync_release([sync_values], [{"name": "kustomization.spec.prune", "value": "false"}])])
	denied(doc) == {"FLUX003"}
}

# --- FLUX004 -------------------------------------------------------------------------------------------------------

test_source_ref_other_kind_denied if {
	ks := patch(kustomization, {"sourceRef": {"kind": "OCIRepository", "name": "flux-system"}})
	denied(kubectl_plan(git_repository, ks)) == {"FLUX004"}
}

test_source_ref_undeclared_name_denied if {
	ks := patch(kustomization, {"sourceRef": {"kind": "GitRepository", "name": "elsewhere"}})
	doc := kubectl_plan(git_repository, ks)
	denied(doc) == {"FLUX004"}
	some msg in messages(doc)
	contains(msg, `flux-system/elsewhere`)
}

test_source_ref_other_namespace_denied if {
	ks := patch(kustomization, {"sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "team-a"}})
	denied(kubectl_plan(git_repository, ks)) == {"FLUX004"}
}

test_source_ref_explicit_same_namespace_passes if {
	ks := patch(kustomization, {"sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}})
	count(plan.deny) == 0 with input as kubectl_plan(git_repository, ks)
}

test_source_ref_missing_denied if {
	denied(kubectl_plan(git_repository, json.remove(kustomization, ["spec/sourceRef"]))) == {"FLUX004"}
}

# kubectl_manifest.override_namespace moves the object, so a sourceRef into the old namespace no longer matches.
test_override_namespace_is_honoured if {
	git := change("kubectl_manifest.git", "kubectl_manifest", ["create"], {"yaml_body": yaml.marshal(git_repository), "override_namespace": "elsewhere"})
	doc := plan_of([flux2_release, git, kubectl("kustomization", kustomization)])
	denied(doc) == {"FLUX004"}
}

# A GitRepository the plan deletes is not declared any more.
test_deleted_git_repository_is_not_declared if {
	git := change("kubectl_manifest.git", "kubectl_manifest", ["delete"], {"yaml_body": yaml.marshal(git_repository)})
	denied(plan_of([flux2_release, git, kubectl("kustomization", kustomization)])) == {"FLUX004", "FLUX007"}
}

test_replaced_objects_are_checked if {
	git := change("kubectl_manifest.git", "kubectl_manifest", ["delete", "create"], {"yaml_body": yaml.marshal(patch(git_repository, {"url": "http://x.test/r"}))})
	denied(plan_of([flux2_release, git, kubectl("kustomization", kustomization)])) == {"FLUX001"}
}

# --- FLUX005 -------------------------------------------------------------------------------------------------------

test_suspended_kustomization_denied if {
	denied(kubectl_plan(git_repository, patch(kustomization, {"suspend": true}))) == {"FLUX005"}
}

test_suspended_git_repository_denied if {
	denied(kubectl_plan(patch(git_repository, {"suspend": true}), kustomization)) == {"FLUX005"}
}

test_suspend_false_passes if {
	count(plan.deny) == 0 with input as kubectl_plan(git_repository, patch(kustomization, {"suspend": false}))
}

test_suspended_via_flux2_sync_set_denied if {
	doc := plan_of([flux2_release, sync_release([sync_values], [{"name": "kustomization.spec.suspend", "value": "true"}])])
	denied(doc) == {"FLUX005"}
}

# --- FLUX006 -------------------------------------------------------------------------------------------------------

test_absolute_path_denied if {
	denied(kubectl_plan(git_repository, patch(kustomization, {"path": "/clusters/dev"}))) == {"FLUX006"}
}

test_climbing_path_denied if {
	denied(kubectl_plan(git_repository, patch(kustomization, {"path": "./clusters/../../secrets"}))) == {"FLUX006"}
}

test_omitted_path_passes if {
	count(plan.deny) == 0 with input as kubectl_plan(git_repository, json.remove(kustomization, ["spec/path"]))
}

# --- FLUX007 -------------------------------------------------------------------------------------------------------

test_flux_without_sync_objects_fails_closed if {
	doc := plan_of([flux2_release])
	denied(doc) == {"FLUX007"}
	count(plan.deny) == 2 with input as doc
}

test_flux_without_kustomization_fails_closed if {
	doc := plan_of([flux2_release, kubectl("git_repository", git_repository)])
	denied(doc) == {"FLUX007"}
	some msg in messages(doc)
	contains(msg, "declares no Kustomization")
}

test_unknown_manifest_is_named if {
	unknown := {
		"address": "module.flux.kubectl_manifest.kustomization",
		"mode": "managed",
		"type": "kubectl_manifest",
		"change": {"actions": ["create"], "after": {}, "after_unknown": {"yaml_body": true}},
	}
	doc := plan_of([flux2_release, kubectl("git_repository", git_repository), unknown])
	some msg in messages(doc)
	contains(msg, "unknown until apply")
	contains(msg, "module.flux.kubectl_manifest.kustomization")
}

test_flux2_release_being_deleted_needs_no_objects if {
	release := change("helm_release.flux2", "helm_release", ["delete"], {"chart": "flux2"})
	count(plan.deny) == 0 with input as plan_of([release])
}

test_oci_chart_reference_counts_as_flux2 if {
	release := change("helm_release.flux2", "helm_release", ["no-op"], {"chart": "oci://ghcr.io/fluxcd-community/charts/flux2"})
	denied(plan_of([release])) == {"FLUX007"}
}

# --- FLUX008 (option) ----------------------------------------------------------------------------------------------

test_bounds_warn_on_each_object if {
	doc := kubectl_plan(patch(git_repository, {"interval": "30m"}), kustomization)
	warned(doc) == {"FLUX008"} with data.flux_policy as {"interval": {"max": "10m"}}
	count(plan.deny) == 0 with input as doc with data.flux_policy as {"interval": {"max": "10m"}}
	count(plan.warn) == 0 with input as doc
}

test_bounds_deny_when_enforced if {
	doc := kubectl_plan(git_repository, patch(kustomization, {"interval": "20s"}))
	denied(doc) == {"FLUX008"} with data.flux_policy as {"interval": {"min": "30s", "enforcement": "deny"}}
}

# --- FLUX009 (option) ----------------------------------------------------------------------------------------------

release_with(values, set) := change("module.flux.helm_release.flux2", "helm_release", ["create"], {
	"chart": "flux2",
	"values": [yaml.marshal(v) | some v in values],
	"set": set,
})

lockdown := {"multitenancy": {"required": true}}

test_multitenancy_warns_when_required if {
	doc := plan_of([release_with([{"multitenancy": {"enabled": false}}], []), kubectl("g", git_repository), kubectl("k", kustomization)])
	warned(doc) == {"FLUX009"} with data.flux_policy as lockdown
	count(plan.warn) == 0 with input as doc
}

# Later values documents win, as in Helm (values_files first, then values).
test_multitenancy_later_values_win if {
	docs := [{"multitenancy": {"enabled": false}}, {"multitenancy": {"enabled": true}}]
	doc := plan_of([release_with(docs, []), kubectl("g", git_repository), kubectl("k", kustomization)])
	count(plan.warn) == 0 with input as doc with data.flux_policy as lockdown
	reversed := plan_of([release_with([docs[1], docs[0]], []), kubectl("g", git_repository), kubectl("k", kustomization)])
	warned(reversed) == {"FLUX009"} with data.flux_policy as lockdown
}

test_multitenancy_set_entry_wins if {
	doc := plan_of([release_with([], [{"name": "multitenancy.enabled", "value": "true"}]), kubectl("g", git_repository), kubectl("k", kustomization)])
	count(plan.warn) == 0 with input as doc with data.flux_policy as lockdown
}

test_multitenancy_deny_when_enforced if {
	doc := plan_of([release_with([], []), kubectl("g", git_repository), kubectl("k", kustomization)])
	denied(doc) == {"FLUX009"} with data.flux_policy as {"multitenancy": {"required": true, "enforcement": "deny"}}
}

# --- FLUX010 (option) ----------------------------------------------------------------------------------------------

internal := {"chart_repository": {"allowed": ["https://charts.example.internal/flux", "oci://registry.example.internal/charts"]}}

release_from(actions, after) := change("module.flux.helm_release.flux", "helm_release", actions, object.union({"chart": "flux2", "name": "flux2"}, after))

with_release(release) := plan_of([release, kubectl("g", git_repository), kubectl("k", kustomization)])

test_repository_off_by_default if {
	count(plan.warn) == 0 with input as with_release(release_from(["create"], {"repository": "https://elsewhere.example/charts"}))
}

test_repository_allowed_passes if {
	every url in ["https://charts.example.internal/flux", "https://charts.example.internal/flux/stable/", "oci://registry.example.internal/charts"] {
		count(plan.warn) == 0 with input as with_release(release_from(["create"], {"repository": url})) with data.flux_policy as internal
	}
}

test_repository_not_allowed_warns_on_the_release if {
	doc := with_release(release_from(["update"], {"repository": "https://fluxcd-community.github.io/helm-charts"}))
	warned(doc) == {"FLUX010"} with data.flux_policy as internal
	results := plan.warn with input as doc with data.flux_policy as internal
	some r in results
	r.resource == "module.flux.helm_release.flux"
	contains(r.msg, `helm_release module.flux.helm_release.flux repository = "https://fluxcd-community.github.io/helm-charts" is not among the allowed repositories ["https://charts.example.internal/flux", "oci://registry.example.internal/charts"]`)
}

# The plan has no format check (that is the tfvars' and the module's job), so tricks only meet the allow-list.
test_repository_tricks_are_not_allowed if {
	every url in ["https://charts.example.internal@evil.test/flux", "https://charts.example.internal/flux-evil", "https://charts.example.internal/flux/../../other", "http://charts.example.internal/flux"] {
		warned(with_release(release_from(["create"], {"repository": url}))) == {"FLUX010"} with data.flux_policy as internal
	}
}

test_repository_credentials_are_not_shown if {
	doc := with_release(release_from(["create"], {"repository": "https://bot:s3cr3t@elsewhere.example/charts"}))
	results := plan.warn with input as doc with data.flux_policy as internal
	some r in results
	contains(r.msg, `"https://***@elsewhere.example/charts"`)
	not contains(r.msg, "s3cr3t")
}

test_repository_kept_release_is_judged if {
	warned(with_release(release_from(["no-op"], {"repository": "https://elsewhere.example/charts"}))) == {"FLUX010"} with data.flux_policy as internal
}

test_repository_replaced_release_is_judged if {
	warned(with_release(release_from(["delete", "create"], {"repository": "https://elsewhere.example/charts"}))) == {"FLUX010"} with data.flux_policy as internal
}

test_repository_destroyed_release_is_not_judged if {
	release := release_from(["delete"], {"repository": "https://elsewhere.example/charts"})
	count(plan.warn) == 0 with input as plan_of([release]) with data.flux_policy as internal
	count(plan.deny) == 0 with input as plan_of([release]) with data.flux_policy as {"chart_repository": object.union(internal.chart_repository, {"enforcement": "deny"})}
}

# A chart given as a full oci:// reference, with no repository, comes from the reference's registry path.
test_repository_from_oci_chart_reference if {
	allowed := with_release(release_from(["create"], {"chart": "oci://registry.example.internal/charts/flux2"}))
	count(plan.warn) == 0 with input as allowed with data.flux_policy as internal
	other := with_release(release_from(["create"], {"chart": "oci://ghcr.io/fluxcd-community/charts/flux2", "repository": null}))
	warned(other) == {"FLUX010"} with data.flux_policy as internal
	some r in plan.warn with input as other with data.flux_policy as internal
	contains(r.msg, `chart = "oci://ghcr.io/fluxcd-community/charts/flux2" is not among`)
}

# Without a repository, `flux2` or `repo/flux2` is a local chart or a repository alias: fail closed.
test_repository_missing_is_not_allowed if {
	every after in [{}, {"repository": ""}, {"chart": "charts/flux2"}] {
		doc := with_release(release_from(["create"], after))
		warned(doc) == {"FLUX010"} with data.flux_policy as internal
		some r in plan.warn with input as doc with data.flux_policy as internal
		contains(r.msg, "is not set, so the chart comes from a local path or a Helm repository alias")
	}
}

test_repository_unknown_until_apply_is_named if {
	release := object.union(release_from(["create"], {}), {"change": {"after_unknown": {"repository": true}}})
	doc := with_release(release)
	warned(doc) == {"FLUX010"} with data.flux_policy as internal
	some r in plan.warn with input as doc with data.flux_policy as internal
	contains(r.msg, "repository = (known after apply) is unknown until apply")
	count(plan.warn) == 0 with input as doc
}

test_repository_deny_when_enforced if {
	policy := {"chart_repository": object.union(internal.chart_repository, {"enforcement": "deny"})}
	doc := with_release(release_from(["create"], {"repository": "https://elsewhere.example/charts"}))
	denied(doc) == {"FLUX010"} with data.flux_policy as policy
	count(plan.warn) == 0 with input as doc with data.flux_policy as policy
}

test_repository_planned_values_are_read if {
	doc := {
		"format_version": "1.2",
		"planned_values": {"root_module": {"resources": [
			{"address": "helm_release.flux", "mode": "managed", "type": "helm_release", "values": {"chart": "flux2", "repository": "https://elsewhere.example/charts"}},
			{"address": "kubectl_manifest.g", "mode": "managed", "type": "kubectl_manifest", "values": {"yaml_body": yaml.marshal(git_repository)}},
			{"address": "kubectl_manifest.k", "mode": "managed", "type": "kubectl_manifest", "values": {"yaml_body": yaml.marshal(kustomization)}},
		]}},
	}
	warned(doc) == {"FLUX010"} with data.flux_policy as internal
}

test_bad_chart_repository_option_fails_the_plan if {
	doc := with_release(release_from(["create"], {"repository": "https://charts.example.internal/flux"}))
	denied(doc) == {"FLUX010"} with data.flux_policy as {"chart_repository": {"allowed": ["ftp://charts.example.internal"]}}
	count(plan.deny) == 0 with input as {"flux": {}} with data.flux_policy as {"chart_repository": {"allowed": 1}}
}
