# The rules below match the action's input rules (src/inputs/rules.ts) and the Conftest policies (policy/), so a
# value refused here is refused there with the same reason. Each message shows the value and what is accepted.

variable "namespace" {
  description = "Namespace Flux is installed into and where the GitRepository and Kustomization live; created if absent."
  type        = string
  default     = "flux-system"
  nullable    = false

  validation {
    condition     = length(var.namespace) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace))
    error_message = "namespace \"${var.namespace}\" is not accepted: expected a DNS label (lowercase letters, digits and \"-\", starting and ending alphanumeric, at most 63 characters), such as flux-system."
  }
}

variable "chart_repository" {
  description = "Where the flux2 chart comes from: a Helm repository (https://…, serving index.yaml) or an OCI registry path (oci://host/path, the chart `flux2` beneath it). Defaults to the fluxcd-community repository; point it at a mirror on runners that cannot reach it."
  type        = string
  default     = "https://fluxcd-community.github.io/helm-charts"
  nullable    = false

  validation {
    condition     = can(regex("^(https|oci)://[^/?#@\\s]+(/[^?#\\s]*)?$", var.chart_repository))
    error_message = "chart_repository \"${replace(var.chart_repository, "/\\/\\/[^/@]*@/", "//***@")}\" is not accepted: expected an https:// Helm repository or an oci:// registry path with a host and no credentials, such as https://fluxcd-community.github.io/helm-charts or oci://ghcr.io/fluxcd-community/charts."
  }
}

variable "chart_version" {
  description = "Exact version of the flux2 Helm chart to install. The default is the version the project's tests install for real (Flux 2.8.5)."
  type        = string
  default     = "2.18.3"
  nullable    = false

  validation {
    condition     = can(regex("^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$", var.chart_version))
    error_message = "chart_version \"${var.chart_version}\" is not accepted: expected an exact chart version such as 2.18.4 (no ranges, no leading v)."
  }
}

variable "helm_values" {
  description = "Values for the flux2 chart, as a map. Wins over helm_values_files on the same key (deep merge by Helm)."
  type        = any
  default     = {}
  nullable    = false

  validation {
    condition     = can(keys(var.helm_values))
    error_message = "helm_values is not accepted: expected a map of chart values, such as { logLevel = \"debug\" }."
  }
}

variable "helm_values_files" {
  description = "Paths of YAML values files for the flux2 chart, applied in order before helm_values. Relative paths resolve against the directory tofu runs in."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for f in var.helm_values_files : try(fileexists(f), false)])
    error_message = "helm_values_files: no readable file at ${jsonencode([for f in var.helm_values_files : f if !try(fileexists(f), false)])}; expected paths of existing YAML files."
  }

  # Helm takes a mapping, an empty file, or one holding only comments.
  validation {
    condition = alltrue([
      for f in var.helm_values_files :
      !try(fileexists(f), false) || can(keys(yamldecode(file(f)))) || trimspace(replace(file(f), "/(?m)^\\s*#.*$/", "")) == ""
    ])
    error_message = "helm_values_files: ${jsonencode([
      for f in var.helm_values_files : f
      if !(!try(fileexists(f), false) || can(keys(yamldecode(file(f)))) || trimspace(replace(file(f), "/(?m)^\\s*#.*$/", "")) == "")
    ])} is not a YAML mapping of chart values; expected a file like \"logLevel: debug\"."
  }
}

variable "git_url" {
  description = "URL of the Git repository Flux reconciles: https:// or ssh:// (write git@host:org/repo as ssh://git@host/org/repo)."
  type        = string
  nullable    = false

  # Flux rejects the scp form; say how to write it instead.
  validation {
    condition     = !can(regex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:", var.git_url)) || startswith(try(split(":", var.git_url)[1], ""), "//")
    error_message = "git_url \"${var.git_url}\" uses the scp form, which Flux does not accept; write it as ${replace(var.git_url, "/^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):/", "ssh://$1@$2/")}."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]", var.git_url)) || can(regex("^(https|ssh)://[^/?#\\s]+(/\\S*)?$", var.git_url))
    error_message = "git_url \"${var.git_url}\" is not accepted: expected an https:// or ssh:// URL with a host, such as https://github.com/org/fleet or ssh://git@github.com/org/fleet."
  }

  validation {
    condition     = !can(regex("^[a-z]+://[^/@]*:[^/@]*@", var.git_url))
    error_message = "git_url is not accepted: it carries a password; put credentials in the Secret named by git_secret_name instead."
  }
}

variable "git_branch" {
  description = "Branch of the Git repository to reconcile."
  type        = string
  default     = "main"
  nullable    = false

  # git check-ref-format, as the action checks it.
  validation {
    condition = alltrue([
      length(var.git_branch) > 0 && length(var.git_branch) <= 255,
      !startswith(var.git_branch, "-") && !startswith(var.git_branch, "/") && !endswith(var.git_branch, "/"),
      !endswith(var.git_branch, ".") && !endswith(var.git_branch, ".lock") && var.git_branch != "@",
      !strcontains(var.git_branch, "..") && !strcontains(var.git_branch, "//") && !strcontains(var.git_branch, "@{"),
      !can(regex("[[:space:][:cntrl:]~^:?*\\[\\\\]", var.git_branch)),
      alltrue([for part in split("/", var.git_branch) : !startswith(part, ".")]),
    ])
    error_message = "git_branch \"${var.git_branch}\" is not accepted: expected a valid Git branch name (git check-ref-format), such as main or release/1.2."
  }
}

variable "git_path" {
  description = "Path inside the Git repository that the Kustomization applies, relative to the repository root."
  type        = string
  default     = "./"
  nullable    = false

  validation {
    condition = alltrue([
      !startswith(var.git_path, "/"),
      !strcontains(var.git_path, "\\"),
      !contains(split("/", var.git_path), ".."),
      !can(regex("[[:cntrl:]]", var.git_path)),
    ])
    error_message = "git_path \"${var.git_path}\" is not accepted: expected a path relative to the repository root with forward slashes and no \"..\" segment, such as ./ or ./clusters/dev."
  }
}

variable "git_secret_name" {
  description = "Name of the Secret in the Flux namespace with credentials for a private repository: one that exists, or the one the module writes from git_credentials (default then: git_repository_name). null for a public repository."
  type        = string
  default     = null

  validation {
    condition     = var.git_secret_name == null || try(length(var.git_secret_name) <= 253 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.git_secret_name)), false)
    error_message = "git_secret_name \"${var.git_secret_name == null ? "" : var.git_secret_name}\" is not accepted: expected a Kubernetes object name (lowercase letters, digits, \"-\" and \".\", at most 253 characters)."
  }
}

variable "git_credentials" {
  description = "Credentials Flux reads git_url with, under the keys of a Flux Git secret: `username` and `password` (HTTPS basic auth; an access token goes in `password`), `bearerToken` (HTTPS), `identity` and `known_hosts` (SSH), `ca.crt` (the CA of a private HTTPS server). Written to the Secret git_secret_name through a write-only attribute, so they never reach state or plan files; being ephemeral, they must be given again to `tofu apply` of a saved plan. Used only when git_credentials_revision is set."
  type        = map(string)
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "git_credentials_revision" {
  description = "Set (1, 2, …) to have the module write the Secret git_secret_name from git_credentials; increase it to write new credentials, since OpenTofu cannot see a change in a write-only value. null leaves the Secret to you."
  type        = number
  default     = null

  validation {
    condition     = var.git_credentials_revision == null || try(var.git_credentials_revision >= 1 && floor(var.git_credentials_revision) == var.git_credentials_revision, false)
    error_message = "git_credentials_revision ${var.git_credentials_revision == null ? "" : var.git_credentials_revision} is not accepted: expected a whole number of at least 1, increased to rotate the credentials."
  }
}

variable "git_interval" {
  description = "How often Flux fetches the repository and reconciles the Kustomization: whole seconds or minutes."
  type        = string
  default     = "1m"
  nullable    = false

  validation {
    condition     = can(regex("^[1-9][0-9]*(s|m)$", var.git_interval))
    error_message = "git_interval \"${var.git_interval}\" is not accepted: expected whole seconds or minutes greater than zero, such as 30s, 1m or 15m (no hours, no compound durations)."
  }
}

variable "prune" {
  description = "Whether Flux deletes objects removed from Git. Must stay true: turning it off leaves drift behind."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = var.prune
    error_message = "prune = false is not accepted: pruning must stay enabled so objects removed from Git are removed from the cluster."
  }
}

variable "git_repository_name" {
  description = "Name of the Flux GitRepository object."
  type        = string
  default     = "flux-system"
  nullable    = false

  validation {
    condition     = length(var.git_repository_name) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.git_repository_name))
    error_message = "git_repository_name \"${var.git_repository_name}\" is not accepted: expected a Kubernetes object name of at most 63 characters (lowercase letters, digits, \"-\" and \".\"; Flux copies it into label values)."
  }
}

variable "kustomization_name" {
  description = "Name of the Flux Kustomization object."
  type        = string
  default     = "flux-system"
  nullable    = false

  validation {
    condition     = length(var.kustomization_name) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", var.kustomization_name))
    error_message = "kustomization_name \"${var.kustomization_name}\" is not accepted: expected a Kubernetes object name of at most 63 characters (lowercase letters, digits, \"-\" and \".\"; Flux copies it into label values)."
  }
}

variable "kustomization_deletion_policy" {
  description = "What Flux does with the objects it applied when the Kustomization is deleted (e.g. by tofu destroy): Orphan keeps them running; MirrorPrune, Delete and WaitForTermination remove them."
  type        = string
  default     = "Orphan"
  nullable    = false

  validation {
    condition     = contains(["Orphan", "MirrorPrune", "Delete", "WaitForTermination"], var.kustomization_deletion_policy)
    error_message = "kustomization_deletion_policy \"${var.kustomization_deletion_policy}\" is not accepted: expected one of Orphan, MirrorPrune, Delete, WaitForTermination."
  }
}

variable "keep_crds_on_uninstall" {
  description = "Annotate the Flux CRDs with helm.sh/resource-policy: keep, so uninstalling the chart does not delete every Flux object in the cluster. Set false to let an uninstall remove them."
  type        = bool
  default     = true
  nullable    = false
}

variable "notification_controller" {
  description = "Install the notification-controller (chart default: true)."
  type        = bool
  default     = true
  nullable    = false
}

variable "image_reflector_controller" {
  description = "Install the image-reflector-controller (chart default: true)."
  type        = bool
  default     = true
  nullable    = false
}

variable "image_automation_controller" {
  description = "Install the image-automation-controller (chart default: true)."
  type        = bool
  default     = true
  nullable    = false
}

variable "multitenancy" {
  description = "Multi-tenancy lockdown: controllers run with --no-cross-namespace-refs and impersonate a tenant service account (chart default: false)."
  type        = bool
  default     = false
  nullable    = false
}
