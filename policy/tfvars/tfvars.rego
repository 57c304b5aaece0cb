# Rules on the `flux` tfvars the action writes, before any plan: fast feedback, no cluster needed.
# Missing or null attributes take the root module's defaults, as OpenTofu's optional() does.
#
#   conftest test --policy policy --namespace flux.tfvars flux.auto.tfvars.json
package flux.tfvars

import data.flux.lib
import rego.v1

flux := input.flux

# With install = false the module creates nothing, so there is nothing to judge.
installs if {
	lib.is_tfvars
	not flux.install == false
}

default_git := {"branch": "main", "path": "./", "interval": "1m", "prune": true}

git := object.union(default_git, {k: v | some k, v in flux.git; v != null}) if is_object(flux.git)

else := default_git

helm_values := flux.helm.values if is_object(flux.helm.values)

else := {}

helm_values_files := flux.helm.values_files if is_array(flux.helm.values_files)

else := []

deny contains lib.unrecognised_input

deny contains lib.result("FLUX001", "flux.git.url", lib.show_url(url), issue) if {
	installs
	url := object.get(git, "url", null)
	issue := lib.url_issue(url)
}

deny contains lib.result("FLUX002", "flux.git.interval", lib.show(git.interval), issue) if {
	installs
	issue := lib.interval_issue(git.interval)
}

deny contains lib.result("FLUX003", "flux.git.prune", lib.show(git.prune), issue) if {
	installs
	issue := lib.prune_issue(git.prune)
}

deny contains lib.result("FLUX006", "flux.git.path", lib.show(git.path), issue) if {
	installs
	issue := lib.path_issue(git.path)
}

# Options: a warning unless the organisation sets enforcement to "deny".
optional contains lib.result("FLUX008", "flux.git.interval", lib.show(git.interval), issue) if {
	installs
	issue := lib.interval_bound_issue(git.interval)
}

# values wins over values_files on the same key; when only files could set it, the plan check decides.
optional contains lib.result("FLUX009", "flux.helm.values.multitenancy.enabled", lib.show(enabled), issue) if {
	installs
	enabled := object.get(helm_values, ["multitenancy", "enabled"], null)
	decided_here(enabled)
	issue := lib.multitenancy_issue(enabled)
}

decided_here(enabled) if enabled != null

decided_here(_) if count(helm_values_files) == 0

deny contains r if {
	lib.is_tfvars
	some r in lib.option_errors
}

deny contains r if {
	some r in optional
	lib.level(r.rule_id) == "deny"
}

warn contains r if {
	some r in optional
	lib.level(r.rule_id) == "warn"
}
