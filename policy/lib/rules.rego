# Rule catalogue, options and the result shape shared by the flux.tfvars and flux.plan packages.
# Every result is an object: conftest prints `msg` and keeps the other keys as metadata in -o json.
package flux.lib

import rego.v1

# Stable ids: never renumber, only append. The slug is the README heading's anchor.
rules := {
	"FLUX000": "input-kind",
	"FLUX001": "git-url-scheme",
	"FLUX002": "interval-format",
	"FLUX003": "prune-enabled",
	"FLUX004": "source-ref",
	"FLUX005": "not-suspended",
	"FLUX006": "relative-path",
	"FLUX007": "flux-objects-present",
	"FLUX008": "interval-bounds",
	"FLUX009": "multitenancy-lockdown",
	"FLUX010": "chart-repository",
	"FLUX011": "policy-options",
}

# Options come from a Conftest data document (`--data file.yaml`) with a top-level `flux_policy` key, so an
# organisation tightens the rules without editing them. Absent means the defaults below.
options := data.flux_policy if is_object(data.flux_policy)

else := {}

option(path, fallback) := object.get(options, path, fallback)

# Base of the links in messages; an action can point it at its own copy, e.g. a GitHub blob URL.
docs_base := option("docs_base", "policy/README.md")

doc_link(id) := sprintf("%s#%s-%s", [docs_base, lower(id), rules[id]])

# result builds the one shape every rule emits: id, offending location and value, the problem, the fix, the link.
result(id, where, shown, issue) := {
	"msg": sprintf("%s %s: %s = %s %s. Fix: %s. See %s", [id, rules[id], where, shown, issue.problem, issue.fix, doc_link(id)]),
	"rule_id": id,
	"title": rules[id],
	"resource": where,
	"docs": doc_link(id),
}

# object_result is result for a Flux object found in a plan; its resource is the address that declares it.
object_result(id, obj, field, shown, issue) := object.union(
	result(id, sprintf("%s %s/%s (%s) %s", [obj.kind, obj.namespace, obj.name, obj.address, field]), shown, issue),
	{"resource": obj.address},
)

# show renders a value for a message: JSON, so strings are quoted and a missing value reads `null`.
show(value) := json.marshal(value)

# present(obj, key) is the value at key unless it is absent or null: Kubernetes and OpenTofu both treat a null
# optional field as unset.
present(obj, key) := obj[key] if obj[key] != null
