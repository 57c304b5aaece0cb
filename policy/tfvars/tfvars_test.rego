# conftest verify: every tfvars rule passes on a compliant document and fails on each violation.
package flux.tfvars_test

import data.flux.tfvars
import rego.v1

compliant := {"flux": {
	"install": true,
	"namespace": "flux-system",
	"git": {
		"url": "https://github.com/acme/fleet",
		"branch": "main",
		"path": "./clusters/dev",
		"secret_name": null,
		"interval": "1m",
		"prune": true,
	},
	"helm": {"chart_version": null, "values": {}, "values_files": []},
	"cluster": {"kubeconfig_path": "/tmp/kubeconfig", "doks_cluster_name": null},
}}

with_git(patch) := object.union(compliant, {"flux": {"git": patch}})

rules_of(results) := {r.rule_id | some r in results}

denied(doc) := ids if {
	results := tfvars.deny with input as doc
	ids := rules_of(results)
}

warned(doc) := ids if {
	results := tfvars.warn with input as doc
	ids := rules_of(results)
}

messages(doc) := {r.msg | some r in results} if {
	results := tfvars.deny with input as doc
}

test_compliant_passes if {
	count(tfvars.deny) == 0 with input as compliant
	count(tfvars.warn) == 0 with input as compliant
}

# The module's defaults apply to what is missing or null, as OpenTofu's optional() does.
test_minimal_document_passes if {
	count(tfvars.deny) == 0 with input as {"flux": {"git": {"url": "ssh://git@github.com/acme/fleet"}}}
}

test_null_attributes_take_defaults if {
	count(tfvars.deny) == 0 with input as with_git({"interval": null, "prune": null, "path": null})
}

test_install_false_skips_git_rules if {
	count(tfvars.deny) == 0 with input as {"flux": {"install": false, "git": {"url": "http://x", "prune": false}}}
}

# --- FLUX000 -------------------------------------------------------------------------------------------------------

test_unrecognised_input_denied if {
	denied({"something": "else"}) == {"FLUX000"}
}

test_plan_input_is_not_judged_here if {
	count(tfvars.deny) == 0 with input as {"format_version": "1.2", "planned_values": {"root_module": {}}}
}

# --- FLUX001 -------------------------------------------------------------------------------------------------------

test_url_https_and_ssh_pass if {
	every url in ["https://github.com/acme/fleet.git", "ssh://git@github.com/acme/fleet.git", "ssh://git@host:2222/x"] {
		count(tfvars.deny) == 0 with input as with_git({"url": url})
	}
}

test_url_denied_forms if {
	every url in ["http://github.com/acme/fleet", "file:///srv/git/fleet", "git://github.com/acme/fleet", "git@github.com:acme/fleet.git", "github.com/acme/fleet", "HTTPS://github.com/acme/fleet", "https://", ""] {
		denied(with_git({"url": url})) == {"FLUX001"}
	}
}

test_url_missing_denied if {
	denied({"flux": {"git": {"branch": "main"}}}) == {"FLUX001"}
	denied({"flux": {}}) == {"FLUX001"}
}

test_scp_form_shows_ssh_form if {
	some msg in messages(with_git({"url": "git@github.com:acme/fleet.git"}))
	contains(msg, `"ssh://git@github.com/acme/fleet.git"`)
	contains(msg, "policy/README.md#flux001-git-url-scheme")
}

test_url_password_denied if {
	denied(with_git({"url": "https://bot:ghp_secret123@github.com/acme/fleet"})) == {"FLUX001"}
	some msg in messages(with_git({"url": "https://bot:ghp_secret123@github.com/acme/fleet"}))
	contains(msg, "carries a password")
	not contains(msg, "ghp_secret123")
}

test_url_credentials_are_not_shown if {
	some msg in messages(with_git({"url": "http://ghp_secret123@github.com/acme/fleet"}))
	not contains(msg, "ghp_secret123")
	contains(msg, `"https://***@github.com/acme/fleet"`)
}

# --- FLUX002 -------------------------------------------------------------------------------------------------------

test_interval_seconds_and_minutes_pass if {
	every interval in ["1s", "30s", "1m", "90m"] {
		count(tfvars.deny) == 0 with input as with_git({"interval": interval})
	}
}

test_interval_denied_forms if {
	every interval in ["1h", "1m30s", "0s", "0m", "500ms", "1.5m", "01m", "5", "", "soon", 60] {
		denied(with_git({"interval": interval})) == {"FLUX002"}
	}
}

test_interval_hours_suggests_minutes if {
	some msg in messages(with_git({"interval": "2h"}))
	contains(msg, `uses hours`)
	contains(msg, `write "120m"`)
}

test_interval_compound_suggests_seconds if {
	some msg in messages(with_git({"interval": "1m30s"}))
	contains(msg, `write "90s"`)
}

# --- FLUX003 -------------------------------------------------------------------------------------------------------

test_prune_false_denied if {
	denied(with_git({"prune": false})) == {"FLUX003"}
}

test_prune_not_boolean_denied if {
	denied(with_git({"prune": "yes"})) == {"FLUX003"}
}

# --- FLUX006 -------------------------------------------------------------------------------------------------------

test_relative_paths_pass if {
	every path in ["./", ".", "", "clusters/dev", "./clusters/dev", "./a..b/c"] {
		count(tfvars.deny) == 0 with input as with_git({"path": path})
	}
}

test_path_denied_forms if {
	every path in ["/clusters/dev", "../other", "./clusters/../../etc", "clusters/..", "\\abs", "a\\..\\b"] {
		denied(with_git({"path": path})) == {"FLUX006"}
	}
}

test_absolute_path_suggests_relative if {
	some msg in messages(with_git({"path": "/clusters/dev"}))
	contains(msg, `"./clusters/dev"`)
}

# --- FLUX008 (option) ----------------------------------------------------------------------------------------------

bounds := {"interval": {"min": "30s", "max": "10m"}}

test_bounds_off_by_default if {
	count(tfvars.warn) == 0 with input as with_git({"interval": "90m"})
}

test_bounds_warn_by_default_when_set if {
	warned(with_git({"interval": "90m"})) == {"FLUX008"} with data.flux_policy as bounds
	warned(with_git({"interval": "10s"})) == {"FLUX008"} with data.flux_policy as bounds
	count(tfvars.deny) == 0 with input as with_git({"interval": "90m"}) with data.flux_policy as bounds
}

test_bounds_within_pass if {
	every interval in ["30s", "5m", "10m"] {
		count(tfvars.warn) == 0 with input as with_git({"interval": interval}) with data.flux_policy as bounds
	}
}

test_bounds_deny_when_enforced if {
	policy := {"interval": {"max": "1h", "enforcement": "deny"}}
	denied(with_git({"interval": "61m"})) == {"FLUX008"} with data.flux_policy as policy
	count(tfvars.deny) == 0 with input as with_git({"interval": "60m"}) with data.flux_policy as policy
}

test_bad_bound_option_fails_closed if {
	denied(compliant) == {"FLUX008"} with data.flux_policy as {"interval": {"max": "ten minutes"}}
	denied(compliant) == {"FLUX008"} with data.flux_policy as {"interval": {"enforcement": "block"}}
}

test_unknown_or_malformed_option_fails_closed if {
	denied(compliant) == {"FLUX008"} with data.flux_policy as {"interval": {"maximum": "10m"}}
	denied(compliant) == {"FLUX008"} with data.flux_policy as {"interval": "10m"}
	denied(compliant) == {"FLUX009"} with data.flux_policy as {"multitenancy": {"requried": true}}
	denied(compliant) == {"FLUX009"} with data.flux_policy as {"multitenancy": true}
	some msg in messages(compliant) with data.flux_policy as {"interval": {"maximum": "10m"}}
	contains(msg, `data.flux_policy.interval.maximum = "10m" is not a known option, so it would be ignored. Fix: use enforcement or max or min`)
}

test_unknown_top_level_option_fails_closed if {
	denied(compliant) == {"FLUX011"} with data.flux_policy as {"multitenacy": {"required": true}}
	denied(compliant) == {"FLUX011"} with data.flux_policy as ["interval"]
	denied(compliant) == {"FLUX011"} with data.flux_policy as false
	count(tfvars.deny) == 0 with input as compliant with data.flux_policy as {"docs_base": "https://example.com/p.md"}
	some msg in messages(compliant) with data.flux_policy as {"multitenacy": {"required": true}}
	contains(msg, `FLUX011 policy-options: data.flux_policy.multitenacy = {"required":true} is not a known option, so it would be ignored. Fix: use chart_repository, docs_base, interval, multitenancy`)
}

# --- FLUX009 (option) ----------------------------------------------------------------------------------------------

lockdown := {"multitenancy": {"required": true}}

test_multitenancy_off_by_default if {
	count(tfvars.warn) == 0 with input as compliant
}

test_multitenancy_required_warns if {
	warned(compliant) == {"FLUX009"} with data.flux_policy as lockdown
	warned(object.union(compliant, {"flux": {"multitenancy": false}})) == {"FLUX009"} with data.flux_policy as lockdown
}

test_multitenancy_enabled_passes if {
	count(tfvars.warn) == 0 with input as object.union(compliant, {"flux": {"multitenancy": true}}) with data.flux_policy as lockdown
}

# The root sets multitenancy.enabled from flux.multitenancy with a Helm `set`, which wins over helm.values.
test_multitenancy_helm_values_do_not_count if {
	doc := object.union(compliant, {"flux": {"helm": {"values": {"multitenancy": {"enabled": true}}}}})
	warned(doc) == {"FLUX009"} with data.flux_policy as lockdown
}

test_multitenancy_deny_when_enforced if {
	policy := {"multitenancy": {"required": true, "enforcement": "deny"}}
	denied(compliant) == {"FLUX009"} with data.flux_policy as policy
}

test_bad_multitenancy_option_fails_closed if {
	denied(compliant) == {"FLUX009"} with data.flux_policy as {"multitenancy": {"required": "yes"}}
}

# --- FLUX010 -------------------------------------------------------------------------------------------------------

with_repository(url) := object.union(compliant, {"flux": {"helm": {"repository": url}}})

test_repository_https_and_oci_pass if {
	every url in ["https://charts.example.internal/flux", "https://charts.example.internal:8443/", "oci://registry.example.internal/charts", "oci://ghcr.io/fluxcd-community/charts"] {
		count(tfvars.deny) == 0 with input as with_repository(url)
	}
}

test_repository_absent_or_null_takes_default if {
	count(tfvars.deny) == 0 with input as with_repository(null)
	count(tfvars.deny) == 0 with input as {"flux": {"git": {"url": "https://github.com/acme/fleet"}, "helm": null}}
}

test_repository_denied_forms if {
	every url in ["http://charts.example.internal/flux", "file:///charts", "ftp://charts.example.internal", "HTTPS://charts.example.internal", "OCI://registry.example.internal/charts", "charts.example.internal/flux", "https://", "oci:///charts", "https://charts example/x", "https://charts.example.internal/flux?token=x", "oci://registry.example.internal/charts#x", "", 42] {
		denied(with_repository(url)) == {"FLUX010"}
	}
}

test_repository_http_says_https_is_required if {
	some msg in messages(with_repository("http://charts.example.internal/flux"))
	contains(msg, "https is required")
	contains(msg, `use https:// instead: "https://charts.example.internal/flux"`)
	contains(msg, "policy/README.md#flux010-chart-repository")
}

test_repository_credentials_denied_and_hidden if {
	every url in ["https://bot:s3cr3t@charts.example.internal/flux", "oci://s3cr3t@registry.example.internal/charts"] {
		denied(with_repository(url)) == {"FLUX010"}
		some msg in messages(with_repository(url))
		contains(msg, "carries credentials")
		not contains(msg, "s3cr3t")
	}
}

test_repository_query_is_removed_in_the_fix if {
	some msg in messages(with_repository("https://charts.example.internal/flux?ref=x"))
	contains(msg, "has a query or fragment")
	contains(msg, `remove it: "https://charts.example.internal/flux"`)
}

test_repository_install_false_skips if {
	count(tfvars.deny) == 0 with input as {"flux": {"install": false, "helm": {"repository": "http://x"}}}
}

# --- FLUX010 (option) ----------------------------------------------------------------------------------------------

internal := {"chart_repository": {"allowed": ["https://charts.example.internal/flux", "oci://registry.example.internal/charts/"]}}

test_repository_allow_list_off_by_default if {
	count(tfvars.warn) == 0 with input as with_repository("https://elsewhere.example/charts")
}

test_repository_allowed_equal_or_below if {
	every url in ["https://charts.example.internal/flux", "https://charts.example.internal/flux/", "https://charts.example.internal/flux/stable", "oci://registry.example.internal/charts", "oci://registry.example.internal/charts/mirror"] {
		count(tfvars.warn) == 0 with input as with_repository(url) with data.flux_policy as internal
		count(tfvars.deny) == 0 with input as with_repository(url) with data.flux_policy as internal
	}
}

test_repository_not_allowed_warns if {
	every url in ["https://charts.example.internal/flux-evil", "https://charts.example.internal/fluxx", "https://charts.example.internal", "https://charts.example.internal.evil.test/flux", "oci://registry.example.internal/chartsmirror", "https://registry.example.internal/charts", "oci://charts.example.internal/flux"] {
		warned(with_repository(url)) == {"FLUX010"} with data.flux_policy as internal
	}
}

test_repository_dot_segments_never_allowed if {
	every url in ["https://charts.example.internal/flux/../other", "https://charts.example.internal/flux/%2E%2E/other", "https://charts.example.internal/flux/..%2fother", "oci://registry.example.internal/charts/./x"] {
		warned(with_repository(url)) == {"FLUX010"} with data.flux_policy as internal
		some r in tfvars.warn with input as with_repository(url) with data.flux_policy as internal
		contains(r.msg, "has a `.` or `..` path segment, which could leave the allowed repositories")
	}
}

test_repository_not_allowed_message_lists_allowed if {
	results := tfvars.warn with input as with_repository("https://elsewhere.example/charts") with data.flux_policy as internal
	some r in results
	contains(r.msg, `flux.helm.repository = "https://elsewhere.example/charts" is not among the allowed repositories ["https://charts.example.internal/flux", "oci://registry.example.internal/charts/"]`)
	r.resource == "flux.helm.repository"
}

test_repository_default_is_judged_and_named if {
	results := tfvars.warn with input as compliant with data.flux_policy as internal
	some r in results
	contains(r.msg, `flux.helm.repository = "https://fluxcd-community.github.io/helm-charts" is not among`)
	contains(r.msg, "the root module's default")
	count(tfvars.warn) == 0 with input as compliant with data.flux_policy as {"chart_repository": {"allowed": ["https://fluxcd-community.github.io"]}}
}

test_repository_allow_list_redacts_credentials if {
	policy := {"chart_repository": {"allowed": ["https://reader:s3cr3t@charts.example.internal/flux"]}}
	results := tfvars.warn with input as with_repository("https://elsewhere.example/charts") with data.flux_policy as policy
	some r in results
	contains(r.msg, `["https://***@charts.example.internal/flux"]`)
	not contains(r.msg, "s3cr3t")
}

# A repository the format check denies is not compared with the allowed ones as well.
test_repository_bad_format_is_one_finding if {
	doc := with_repository("http://charts.example.internal/flux")
	count(tfvars.deny) == 1 with input as doc with data.flux_policy as internal
	count(tfvars.warn) == 0 with input as doc with data.flux_policy as internal
}

test_repository_deny_when_enforced if {
	policy := {"chart_repository": {"allowed": ["oci://registry.example.internal/charts"], "enforcement": "deny"}}
	denied(compliant) == {"FLUX010"} with data.flux_policy as policy
	count(tfvars.deny) == 0 with input as with_repository("oci://registry.example.internal/charts") with data.flux_policy as policy
}

test_repository_install_false_skips_allow_list if {
	count(tfvars.warn) == 0 with input as {"flux": {"install": false}} with data.flux_policy as internal
}

test_bad_chart_repository_option_fails_closed if {
	every policy in [
		{"chart_repository": {"allowed": "https://charts.example.internal/flux"}},
		{"chart_repository": {"allowed": []}},
		{"chart_repository": {"allowed": ["http://charts.example.internal/flux"]}},
		{"chart_repository": {"allowed": ["https://"]}},
		{"chart_repository": {"allowed": [42]}},
		{"chart_repository": {"allowed": ["https://charts.example.internal/flux"], "enforcement": "block"}},
		{"chart_repository": {"allow": ["https://charts.example.internal/flux"]}},
		{"chart_repository": ["https://charts.example.internal/flux"]},
	] {
		denied(with_repository("https://charts.example.internal/flux")) == {"FLUX010"} with data.flux_policy as policy
	}
}

test_bad_chart_repository_entry_is_named if {
	policy := {"chart_repository": {"allowed": ["https://charts.example.internal/flux", "charts.example.internal"]}}
	some msg in messages(with_repository("https://charts.example.internal/flux")) with data.flux_policy as policy
	contains(msg, `data.flux_policy.chart_repository.allowed[1] = "charts.example.internal" is not an https:// or oci:// URL`)
}

test_chart_repository_null_options_are_off if {
	every policy in [{"chart_repository": null}, {"chart_repository": {"allowed": null}}, {"chart_repository": {}}] {
		count(tfvars.deny) == 0 with input as with_repository("https://elsewhere.example/charts") with data.flux_policy as policy
		count(tfvars.warn) == 0 with input as with_repository("https://elsewhere.example/charts") with data.flux_policy as policy
	}
}

test_docs_base_option_changes_links if {
	some msg in messages(with_git({"prune": false})) with data.flux_policy as {"docs_base": "https://example.test/README.md"}
	contains(msg, "https://example.test/README.md#flux003-prune-enabled")
}
