# Value checks shared by both inputs. Each *_issue(value) is undefined when the value is fine and otherwise an
# object {problem, fix}; the caller says where the value came from. They mirror the action's input validation.
package flux.lib

import rego.v1

# --- FLUX001: Git URL scheme -------------------------------------------------------------------------------------

# https:// or ssh:// with a host, nothing else (Flux itself also takes http://, which sends credentials in clear).
url_ok(url) if regex.match(`^(https|ssh)://[^/\s]+(/\S*)?$`, url)

url_issue(url) := issue if {
	not url_ok(url)
	issue := url_problem(url)
} else := {
	"problem": "carries a password, which would be stored in the cluster and shown in plans",
	"fix": "remove it from the URL and put the credentials in the Secret the GitRepository references (flux.git.secret_name)",
} if {
	regex.match(`^[a-z]+://[^/@]*:[^/@]*@`, url)
}

url_problem(url) := {"problem": "is missing or not a string", "fix": `set it to an https:// or ssh:// URL`} if {
	not is_string(url)
} else := {"problem": "is empty", "fix": `set it to an https:// or ssh:// URL`} if {
	url == ""
} else := {
	"problem": "is in the scp form (user@host:path), which Flux does not accept",
	"fix": sprintf("write it as %s", [json.marshal(scp_to_ssh(url))]),
} if {
	scp_form(url)
} else := {
	"problem": "uses http://, which sends credentials and content in clear",
	"fix": sprintf("use https:// instead: %s", [json.marshal(redact_url(concat("", ["https://", substring(url, 7, -1)])))]),
} if {
	startswith(lower(url), "http://")
} else := {
	"problem": sprintf("uses the scheme %s://, which is not accepted", [url_scheme(url)]),
	"fix": "use an https:// or ssh:// URL (lower case)",
} if {
	url_scheme(url)
} else := {"problem": "has no host", "fix": "write the full URL, e.g. https://github.com/org/repo"} if {
	regex.match(`^(https|ssh)://(/.*)?$`, url)
} else := {"problem": "is not an https:// or ssh:// URL", "fix": "write the full URL, e.g. https://github.com/org/repo"}

url_scheme(url) := parts[1] if {
	parts := regex.find_all_string_submatch_n(`^([A-Za-z][A-Za-z0-9+.-]*)://`, url, 1)[0]
}

# scp form: [user@]host:path with no scheme. The host must look like a host (a user or a dot) so that strings such
# as "https:foo" are not mistaken for it.
scp_re := `^(?:([^@/\s:]+)@)?([A-Za-z0-9][A-Za-z0-9.-]*):([^/].*|/.*)$`

scp_form(url) if {
	not contains(url, "://")
	m := regex.find_all_string_submatch_n(scp_re, url, 1)[0]
	scp_host_like(m[1], m[2])
}

scp_host_like(user, _) if user != ""

scp_host_like(_, host) if contains(host, ".")

scp_to_ssh(url) := sprintf("ssh://%s%s/%s", [user_at, m[2], trim_left(m[3], "/")]) if {
	m := regex.find_all_string_submatch_n(scp_re, url, 1)[0]
	user_at := scp_user_at(m[1])
}

scp_user_at(user) := "" if user == ""

else := concat("", [user, "@"])

# redact_url hides credentials in a URL before it is shown: the password always, and the whole user part for
# non-SSH schemes, where a token is often passed as the user name.
redact_url(url) := url if not is_string(url)

else := sprintf("%s***@%s", [m[1], m[3]]) if {
	m := regex.find_all_string_submatch_n(`^([A-Za-z][A-Za-z0-9+.-]*://)([^/@\s]*)@(.*)$`, url, 1)[0]
	not startswith(lower(m[1]), "ssh://")
} else := sprintf("%s%s:***@%s", [m[1], m[2], m[4]]) if {
	m := regex.find_all_string_submatch_n(`^(ssh://)([^/@:\s]*):([^/@\s]*)@(.*)$`, url, 1)[0]
} else := url

show_url(url) := show(redact_url(url))

# --- FLUX002: interval format --------------------------------------------------------------------------------------

interval_re := `^[1-9][0-9]*(s|m)$`

# Any duration Go (and so Flux) would parse; used to explain what is wrong and to suggest a compliant value.
go_duration_re := `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

interval_ok(value) if {
	is_string(value)
	regex.match(interval_re, value)
}

interval_issue(value) := issue if {
	not interval_ok(value)
	issue := interval_problem(value)
}

interval_problem(value) := {"problem": "is missing or not a string", "fix": `set a whole number of seconds or minutes, e.g. "1m"`} if {
	not is_string(value)
} else := {"problem": "is zero, so Flux would never reconcile", "fix": `set a positive interval, e.g. "1m"`} if {
	regex.match(go_duration_re, value)
	time.parse_duration_ns(value) == 0
} else := {
	"problem": sprintf("%s; only whole seconds or minutes are accepted", [duration_shape(value)]),
	"fix": sprintf("write %s", [json.marshal(suggest_interval(time.parse_duration_ns(value)))]),
} if {
	regex.match(go_duration_re, value)
} else := {
	"problem": "is not a duration in whole seconds or minutes",
	"fix": `write a number followed by s or m, e.g. "30s" or "5m"`,
}

duration_shape(value) := "is a compound duration" if {
	count(regex.find_n(`[0-9.]+[a-zµ]+`, value, -1)) > 1
} else := "uses hours" if {
	endswith(value, "h")
} else := "uses a sub-second unit" if {
	regex.match(`(ns|us|µs|ms)$`, value)
} else := "has a fraction" if {
	contains(value, ".")
} else := "has a leading zero"

# suggest_interval turns a positive duration into the accepted form, rounding up to whole seconds.
suggest_interval(ns) := sprintf("%dm", [ns / 60000000000]) if {
	ns % 60000000000 == 0
} else := sprintf("%ds", [ceil(ns / 1000000000)])

# Seconds of an accepted interval, for the bounds option.
interval_seconds(value) := to_number(trim_right(value, "s")) if endswith(value, "s")

interval_seconds(value) := to_number(trim_right(value, "m")) * 60 if endswith(value, "m")

# --- FLUX003: prune ------------------------------------------------------------------------------------------------

prune_issue(value) := {"problem": "is not set", "fix": "set prune to true"} if {
	value == null
} else := {
	"problem": "is false, so objects deleted from Git would stay in the cluster",
	"fix": "set prune to true",
} if {
	value == false
} else := {"problem": "is not a boolean", "fix": "set prune to true (a boolean)"} if {
	value != true
}

# --- FLUX006: relative path ----------------------------------------------------------------------------------------

path_issue(value) := {"problem": "is not a string", "fix": `set a path relative to the repository root, e.g. "./clusters/dev"`} if {
	not is_string(value)
} else := {
	"problem": sprintf("has a `..` segment, which climbs out of the repository path%s", [absolute_note(value)]),
	"fix": `point at a directory inside the repository without "..", e.g. "./clusters/dev"`,
} if {
	some segment in regex.split(`[/\\]`, value)
	segment == ".."
} else := {
	"problem": "is absolute",
	"fix": sprintf("make it relative to the repository root: %s", [json.marshal(concat("", ["./", trim_left(value, "/\\")]))]),
} if {
	absolute(value)
}

absolute(value) if regex.match(`^[/\\]`, value)

absolute_note(value) := ", and is absolute" if absolute(value)

else := ""

# --- FLUX008: interval bounds (option) -----------------------------------------------------------------------------

# Both bounds are optional Go durations (`30s`, `10m`, `1h`); the rule is off when neither is set.
interval_bounds := {"min": option(["interval", "min"], null), "max": option(["interval", "max"], null)}

interval_bound_seconds(name) := time.parse_duration_ns(bound) / 1000000000 if {
	bound := interval_bounds[name]
	is_string(bound)
	regex.match(go_duration_re, bound)
}

interval_bound_issue(value) := {
	"problem": sprintf("is shorter than the organisation's minimum %s", [interval_bounds.min]),
	"fix": sprintf("set it to %s or longer", [interval_bounds.min]),
} if {
	interval_ok(value)
	interval_seconds(value) < interval_bound_seconds("min")
} else := {
	"problem": sprintf("is longer than the organisation's maximum %s", [interval_bounds.max]),
	"fix": sprintf("set it to %s or shorter", [interval_bounds.max]),
} if {
	interval_ok(value)
	interval_seconds(value) > interval_bound_seconds("max")
}

# --- FLUX009: multi-tenancy lockdown (option) ----------------------------------------------------------------------

multitenancy_required if option(["multitenancy", "required"], false) == true

multitenancy_issue(value) := {
	"problem": "does not enable multi-tenancy lockdown (--no-cross-namespace-refs), which this organisation requires",
	"fix": "enable it (tfvars: flux.multitenancy = true; chart: multitenancy.enabled = true)",
} if {
	multitenancy_required
	not helm_true(value)
}

# Helm `set` entries carry strings; "true" means true there.
helm_true(value) if value == true

helm_true(value) if value == "true"

# --- FLUX010: chart repository ------------------------------------------------------------------------------------

# Where the flux2 chart may come from: an https:// Helm repository or an oci:// registry, with a host and no
# credentials (the module's own validation of flux.helm.repository). Helm appends the chart name.
chart_repository_ok(url) if {
	is_string(url)
	regex.match(`^(https|oci)://[^/?#@\s]+(/[^?#\s]*)?$`, url)
}

chart_repository_issue(url) := issue if {
	not chart_repository_ok(url)
	issue := chart_repository_problem(url)
}

chart_repository_fix := "use an https:// Helm repository or an oci:// registry, or leave it out for the default"

chart_repository_problem(url) := {"problem": "is not a string", "fix": chart_repository_fix} if {
	not is_string(url)
} else := {"problem": "is empty", "fix": chart_repository_fix} if {
	url == ""
} else := {
	"problem": "uses http://, but https is required: the chart that installs the Flux controllers would be downloaded in clear",
	"fix": sprintf("use https:// instead: %s", [json.marshal(redact_url(concat("", ["https://", substring(url, 7, -1)])))]),
} if {
	startswith(lower(url), "http://")
} else := {
	"problem": sprintf("uses the scheme %s://, which is not accepted", [scheme]),
	"fix": "use an https:// Helm repository or an oci:// registry (lower case)",
} if {
	scheme := url_scheme(url)
	not scheme in {"https", "oci"}
} else := {
	"problem": "carries credentials, which would be stored in the state and shown in plans",
	"fix": "remove the user name and password from the URL",
} if {
	regex.match(`^[a-z]+://[^/?#\s]*@`, url)
} else := {"problem": "has no host", "fix": "write the full URL, e.g. https://charts.example.com/flux"} if {
	regex.match(`^[a-z]+://([/?#].*)?$`, url)
} else := {
	"problem": "has a query or fragment, which a chart repository URL does not take",
	"fix": sprintf("remove it: %s", [json.marshal(redact_url(regex.replace(url, `[?#].*$`, "")))]),
} if {
	regex.match(`^[a-z]+://[^/?#@\s]+(/[^?#\s]*)?[?#]\S*$`, url)
} else := {"problem": "is not an https:// or oci:// URL", "fix": "write the full URL, e.g. https://charts.example.com/flux"}

# The option: a list of allowed repositories. A URL is allowed when it equals one of them or lies below one (the
# entry followed by "/"); trailing slashes do not count. A `.` or `..` segment (also percent-encoded) is never
# allowed, as a server may resolve it to a path outside the entry. Off when `allowed` is absent or null.
chart_repository_option := option("chart_repository", {})

chart_repository_allowed_option := object.get(chart_repository_option, "allowed", null) if {
	is_object(chart_repository_option)
} else := null

chart_repository_restricted if is_array(chart_repository_allowed_option)

chart_repository_entry_ok(entry) if {
	is_string(entry)
	regex.match(`^(https|oci)://[^/?#\s]+(/[^?#\s]*)?$`, entry)
}

chart_repository_entries := [entry |
	some entry in chart_repository_allowed_option
	chart_repository_entry_ok(entry)
]

chart_repository_shown := [redact_url(entry) | some entry in chart_repository_entries]

chart_repository_allowed(url) if {
	is_string(url)
	value := trim_right(url, "/")
	some entry in chart_repository_entries
	prefix := trim_right(entry, "/")
	below_or_equal(value, prefix)
}

below_or_equal(value, prefix) if value == prefix

below_or_equal(value, prefix) if startswith(value, concat("", [prefix, "/"]))

dot_segment(url) if {
	decoded := replace(replace(replace(lower(url), "%2e", "."), "%2f", "/"), "%5c", "/")
	some segment in regex.split(`[/\\]`, decoded)
	segment in {".", ".."}
}

chart_repository_allow_fix := "take the flux2 chart from one of them or from a path below one (tfvars: flux.helm.repository)"

# chart_repository_allow_issue(url) is undefined when the option is off or the URL is allowed. A dot segment is
# refused before the prefixes are compared, whatever they say.
chart_repository_allow_issue(url) := {
	"problem": sprintf("is not set, so the chart comes from a local path or a Helm repository alias, neither of which is among the allowed repositories %v", [chart_repository_shown]),
	"fix": chart_repository_allow_fix,
} if {
	chart_repository_restricted
	url == null
} else := {
	"problem": sprintf("has a `.` or `..` path segment, which could leave the allowed repositories %v", [chart_repository_shown]),
	"fix": chart_repository_allow_fix,
} if {
	chart_repository_restricted
	dot_segment(url)
} else := {
	"problem": sprintf("is not among the allowed repositories %v", [chart_repository_shown]),
	"fix": chart_repository_allow_fix,
} if {
	chart_repository_restricted
	not chart_repository_allowed(url)
}

chart_repository_unknown_issue := {
	"problem": sprintf("is unknown until apply, so it cannot be checked against the allowed repositories %v", [chart_repository_shown]),
	"fix": "make the repository known at plan time (a literal or an input variable)",
} if {
	chart_repository_restricted
}

# --- Option enforcement --------------------------------------------------------------------------------------------

# Optional rules warn unless their `enforcement` is "deny"; anything else is a configuration error, reported as a
# deny so that a typo never silently turns a guard rail off.
enforcement(name) := option([name, "enforcement"], "warn")

option_of := {"FLUX008": "interval", "FLUX009": "multitenancy", "FLUX010": "chart_repository"}

level(id) := "deny" if enforcement(option_of[id]) == "deny"

else := "warn"

option_errors contains result("FLUX008", "data.flux_policy.interval.enforcement", show(enforcement("interval")), {
	"problem": "is not a valid enforcement",
	"fix": `use "warn" or "deny"`,
}) if {
	not enforcement("interval") in {"warn", "deny"}
}

option_errors contains result("FLUX008", sprintf("data.flux_policy.interval.%s", [name]), show(bound), {
	"problem": "is not a duration",
	"fix": `use a Go duration such as "30s", "10m" or "1h"`,
}) if {
	some name in ["min", "max"]
	bound := interval_bounds[name]
	bound != null
	not interval_bound_seconds(name)
}

# The keys each option knows, so that a misspelt one (`maximum`, `requried`) is a failure, not a silent no-op.
option_keys := {
	"interval": {"min", "max", "enforcement"},
	"multitenancy": {"required", "enforcement"},
	"chart_repository": {"allowed", "enforcement"},
}

option_errors contains result(id, sprintf("data.flux_policy.%s", [name]), show(value), {
	"problem": "is not an object",
	"fix": sprintf("give its settings as keys: %s", [concat(", ", sort(option_keys[name]))]),
}) if {
	some id in ["FLUX008", "FLUX009"]
	name := option_of[id]
	value := option(name, {})
	not is_object(value)
}

option_errors contains result(id, sprintf("data.flux_policy.%s.%s", [name, key]), show(value), {
	"problem": "is not a known option, so it would be ignored",
	"fix": sprintf("use %s", [concat(" or ", sort(option_keys[name]))]),
}) if {
	some id, name in option_of
	settings := option(name, {})
	is_object(settings)
	some key, value in settings
	not key in option_keys[name]
}

option_errors contains result("FLUX009", "data.flux_policy.multitenancy.enforcement", show(enforcement("multitenancy")), {
	"problem": "is not a valid enforcement",
	"fix": `use "warn" or "deny"`,
}) if {
	not enforcement("multitenancy") in {"warn", "deny"}
}

option_errors contains result("FLUX009", "data.flux_policy.multitenancy.required", show(value), {
	"problem": "is not a boolean",
	"fix": "use true or false",
}) if {
	value := option(["multitenancy", "required"], false)
	not is_boolean(value)
}

option_errors contains result("FLUX010", "data.flux_policy.chart_repository", show(chart_repository_option), {
	"problem": "is not an object",
	"fix": "give allowed (a list of repository URLs) and, optionally, enforcement",
}) if {
	not is_object(chart_repository_option)
	chart_repository_option != null
}

option_errors contains result("FLUX010", "data.flux_policy.chart_repository.enforcement", show(enforcement("chart_repository")), {
	"problem": "is not a valid enforcement",
	"fix": `use "warn" or "deny"`,
}) if {
	not enforcement("chart_repository") in {"warn", "deny"}
}

option_errors contains result("FLUX010", "data.flux_policy.chart_repository.allowed", show(value), {
	"problem": "is not a list",
	"fix": `list the allowed repositories, e.g. ["https://charts.example.com/flux", "oci://registry.example.com/charts"]`,
}) if {
	value := chart_repository_allowed_option
	value != null
	not is_array(value)
}

option_errors contains result("FLUX010", "data.flux_policy.chart_repository.allowed", "[]", {
	"problem": "is empty, so no chart repository would be allowed",
	"fix": "list the allowed repositories, or remove allowed to switch the rule off",
}) if {
	chart_repository_allowed_option == []
}

option_errors contains result("FLUX010", sprintf("data.flux_policy.chart_repository.allowed[%d]", [i]), show_url(entry), {
	"problem": "is not an https:// or oci:// URL with a host",
	"fix": "write the full URL of a Helm repository or an OCI registry path, e.g. oci://registry.example.com/charts",
}) if {
	some i, entry in chart_repository_allowed_option
	chart_repository_restricted
	not chart_repository_entry_ok(entry)
}

# --- FLUX011: the options document itself --------------------------------------------------------------------------

# A misspelt option name (`multitenacy`) or a flux_policy that is not a map would leave every rule it meant to
# tighten at its default, silently: both fail instead.
known_options := {name | some name, _ in option_keys} | {"docs_base"}

option_errors contains result("FLUX011", sprintf("data.flux_policy.%s", [key]), show(value), {
	"problem": "is not a known option, so it would be ignored",
	"fix": sprintf("use %s", [concat(", ", sort(known_options))]),
}) if {
	some key, value in options
	not key in known_options
}

option_errors contains result("FLUX011", "data.flux_policy", show(value), {
	"problem": "is not a map of options, so every option would be off",
	"fix": sprintf("give the options as keys: %s", [concat(", ", sort(known_options))]),
}) if {
	value := data.flux_policy
	not is_object(value)
}
