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

# --- Option enforcement --------------------------------------------------------------------------------------------

# Optional rules warn unless their `enforcement` is "deny"; anything else is a configuration error, reported as a
# deny so that a typo never silently turns a guard rail off.
enforcement(name) := option([name, "enforcement"], "warn")

option_of := {"FLUX008": "interval", "FLUX009": "multitenancy"}

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
