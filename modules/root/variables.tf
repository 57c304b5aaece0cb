# The one input: the `flux` object the action writes as JSON tfvars (README.md documents its shape). The rules
# repeat the Flux module's so that a refusal names the attribute a caller wrote (flux.git.url, not git_url), and
# add the rules only the root can check: what installing needs, and where the cluster credentials come from.

variable "flux" {
  description = "Flux installation: install toggle, Git source, Helm settings and cluster credentials source."
  type = object({
    install   = optional(bool, true)
    namespace = optional(string, "flux-system")
    git = optional(object({
      url         = optional(string)
      branch      = optional(string, "main")
      path        = optional(string, "./")
      secret_name = optional(string)
      # Set when git_credentials holds the credentials the module writes into that Secret: see below.
      credentials_revision = optional(number)
      interval             = optional(string, "1m")
      prune                = optional(bool, true)
    }), {})
    helm = optional(object({
      repository             = optional(string)
      chart_version          = optional(string)
      values                 = optional(any, {})
      values_files           = optional(list(string), [])
      keep_crds_on_uninstall = optional(bool, true)
    }), {})
    cluster = optional(object({
      kubeconfig_path   = optional(string)
      doks_cluster_name = optional(string)
    }), {})
    controllers = optional(object({
      notification     = optional(bool, true)
      image_reflector  = optional(bool, true)
      image_automation = optional(bool, true)
    }), {})
    multitenancy = optional(bool, false)
  })
  default  = {}
  nullable = false

  # --- what installing needs -------------------------------------------------------------------------------------

  validation {
    condition     = !var.flux.install || var.flux.git.url != null
    error_message = "flux.git.url is required when flux.install is true: give the https:// or ssh:// URL of the repository Flux reconciles."
  }

  validation {
    condition     = var.flux.cluster.kubeconfig_path == null || var.flux.cluster.doks_cluster_name == null
    error_message = "flux.cluster: both kubeconfig_path (\"${coalesce(var.flux.cluster.kubeconfig_path, "-")}\") and doks_cluster_name (\"${coalesce(var.flux.cluster.doks_cluster_name, "-")}\") are given; give exactly one source of cluster credentials."
  }

  validation {
    condition     = !var.flux.install || var.flux.cluster.kubeconfig_path != null || var.flux.cluster.doks_cluster_name != null
    error_message = "flux.cluster: installing Flux needs a cluster; give kubeconfig_path (a kubeconfig file) or doks_cluster_name (a DigitalOcean Kubernetes cluster, with DIGITALOCEAN_TOKEN in the environment)."
  }

  validation {
    condition     = var.flux.cluster.kubeconfig_path == null || try(fileexists(pathexpand(var.flux.cluster.kubeconfig_path)), false)
    error_message = "flux.cluster.kubeconfig_path: no readable file at \"${var.flux.cluster.kubeconfig_path == null ? "" : var.flux.cluster.kubeconfig_path}\"; expected the path of an existing kubeconfig file."
  }

  validation {
    condition     = var.flux.cluster.doks_cluster_name == null || try(length(trimspace(var.flux.cluster.doks_cluster_name)) > 0, false)
    error_message = "flux.cluster.doks_cluster_name is empty; expected the name of a DigitalOcean Kubernetes cluster."
  }

  # --- the Flux module's rules, under the caller's names -----------------------------------------------------------

  validation {
    condition     = length(var.flux.namespace) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.flux.namespace))
    error_message = "flux.namespace \"${var.flux.namespace}\" is not accepted: expected a DNS label (lowercase letters, digits and \"-\", starting and ending alphanumeric, at most 63 characters), such as flux-system."
  }

  validation {
    condition     = var.flux.git.url == null || !can(regex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:", var.flux.git.url)) || startswith(try(split(":", var.flux.git.url)[1], ""), "//")
    error_message = "flux.git.url \"${coalesce(var.flux.git.url, "-")}\" uses the scp form, which Flux does not accept; write it as ${replace(coalesce(var.flux.git.url, "-"), "/^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):/", "ssh://$1@$2/")}."
  }

  validation {
    condition     = var.flux.git.url == null || can(regex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]", var.flux.git.url)) || can(regex("^(https|ssh)://[^/?#\\s]+(/\\S*)?$", var.flux.git.url))
    error_message = "flux.git.url \"${coalesce(var.flux.git.url, "-")}\" is not accepted: expected an https:// or ssh:// URL with a host, such as https://github.com/org/fleet or ssh://git@github.com/org/fleet."
  }

  validation {
    condition     = var.flux.git.url == null || !can(regex("^[a-z]+://[^/@]*:[^/@]*@", var.flux.git.url))
    error_message = "flux.git.url is not accepted: it carries a password; put credentials in the Secret named by flux.git.secret_name instead."
  }

  validation {
    condition = alltrue([
      length(var.flux.git.branch) > 0 && length(var.flux.git.branch) <= 255,
      !startswith(var.flux.git.branch, "-") && !startswith(var.flux.git.branch, "/") && !endswith(var.flux.git.branch, "/"),
      !endswith(var.flux.git.branch, ".") && !endswith(var.flux.git.branch, ".lock") && var.flux.git.branch != "@",
      !strcontains(var.flux.git.branch, "..") && !strcontains(var.flux.git.branch, "//") && !strcontains(var.flux.git.branch, "@{"),
      !can(regex("[[:space:][:cntrl:]~^:?*\\[\\\\]", var.flux.git.branch)),
      alltrue([for part in split("/", var.flux.git.branch) : !startswith(part, ".")]),
    ])
    error_message = "flux.git.branch \"${var.flux.git.branch}\" is not accepted: expected a valid Git branch name (git check-ref-format), such as main or release/1.2."
  }

  validation {
    condition = alltrue([
      !startswith(var.flux.git.path, "/"),
      !strcontains(var.flux.git.path, "\\"),
      !contains(split("/", var.flux.git.path), ".."),
      !can(regex("[[:cntrl:]]", var.flux.git.path)),
    ])
    error_message = "flux.git.path \"${var.flux.git.path}\" is not accepted: expected a path relative to the repository root with forward slashes and no \"..\" segment, such as ./ or ./clusters/dev."
  }

  validation {
    condition     = var.flux.git.secret_name == null || try(length(var.flux.git.secret_name) <= 253 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.flux.git.secret_name)), false)
    error_message = "flux.git.secret_name \"${var.flux.git.secret_name == null ? "" : var.flux.git.secret_name}\" is not accepted: expected a Kubernetes object name (lowercase letters, digits, \"-\" and \".\", at most 253 characters)."
  }

  validation {
    condition     = can(regex("^[1-9][0-9]*(s|m)$", var.flux.git.interval))
    error_message = "flux.git.interval \"${var.flux.git.interval}\" is not accepted: expected whole seconds or minutes greater than zero, such as 30s, 1m or 15m (no hours, no compound durations)."
  }

  validation {
    condition     = var.flux.git.prune
    error_message = "flux.git.prune = false is not accepted: pruning must stay enabled so objects removed from Git are removed from the cluster."
  }

  validation {
    condition     = var.flux.helm.repository == null || can(regex("^(https|oci)://[^/?#@\\s]+(/[^?#\\s]*)?$", var.flux.helm.repository))
    error_message = "flux.helm.repository \"${replace(coalesce(var.flux.helm.repository, "-"), "/\\/\\/[^/@]*@/", "//***@")}\" is not accepted: expected an https:// Helm repository or an oci:// registry path with a host and no credentials, such as https://fluxcd-community.github.io/helm-charts or oci://ghcr.io/fluxcd-community/charts, or null for the fluxcd-community repository."
  }

  validation {
    condition     = var.flux.helm.chart_version == null || can(regex("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", var.flux.helm.chart_version))
    error_message = "flux.helm.chart_version \"${coalesce(var.flux.helm.chart_version, "-")}\" is not accepted: expected an exact chart version such as 2.18.4 (no ranges, no leading v), or null for the module default."
  }

  validation {
    condition     = can(keys(var.flux.helm.values))
    error_message = "flux.helm.values is not accepted: expected a mapping of chart values, such as {\"logLevel\": \"debug\"}."
  }

  validation {
    condition     = alltrue([for f in var.flux.helm.values_files : try(fileexists(f), false)])
    error_message = "flux.helm.values_files: no readable file at ${jsonencode([for f in var.flux.helm.values_files : f if !try(fileexists(f), false)])}; expected paths of existing YAML files."
  }
}

# Not part of `flux`, so that it can be ephemeral: the action passes it in the environment (TF_VAR_git_credentials)
# of `tofu plan` and `tofu apply` only, and it never reaches tfvars, plan files or state.
variable "git_credentials" {
  description = "Credentials Flux reads flux.git.url with (keys of a Flux Git secret: username, password, bearerToken, identity, known_hosts, ca.crt), written to the Secret flux.git.secret_name when flux.git.credentials_revision is set."
  type        = map(string)
  default     = null
  sensitive   = true
  ephemeral   = true
}
