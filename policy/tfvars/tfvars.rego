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

# The root module's chart repository when flux.helm.repository is absent or null.
default_chart_repository := "https://fluxcd-community.github.io/helm-charts"

helm := flux.helm if is_object(flux.helm)

else := {}

chart_repository := url if {
	url := lib.present(helm, "repository")
} else := default_chart_repository

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

deny contains lib.result("FLUX010", "flux.helm.repository", lib.show_url(url), issue) if {
	installs
	url := lib.present(helm, "repository")
	issue := lib.chart_repository_issue(url)
}

# Options: a warning unless the organisation sets enforcement to "deny".
optional contains lib.result("FLUX008", "flux.git.interval", lib.show(git.interval), issue) if {
	installs
	issue := lib.interval_bound_issue(git.interval)
}

# The root passes flux.multitenancy to the chart as a `set` entry, which wins over helm.values and values files,
# so it alone decides (default false).
optional contains lib.result("FLUX009", "flux.multitenancy", lib.show(enabled), issue) if {
	installs
	enabled := object.get(flux, "multitenancy", false)
	issue := lib.multitenancy_issue(enabled)
}

# Only a repository that passes the format check above is compared with the allowed ones.
optional contains lib.result("FLUX010", "flux.helm.repository", lib.show_url(chart_repository), default_note(issue)) if {
	installs
	not lib.chart_repository_issue(chart_repository)
	issue := lib.chart_repository_allow_issue(chart_repository)
}

default_note(issue) := object.union(issue, {"problem": concat("", [
	issue.problem,
	" (it is the root module's default, used when flux.helm.repository is not set)",
])}) if {
	not lib.present(helm, "repository")
} else := issue

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
