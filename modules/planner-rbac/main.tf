# The read-only planner identity (README, "A read-only plan identity") as text, for the Flux namespace you use:
# `tofu output -raw planner_rbac | kubectl apply -f -`, or a kubectl_manifest per document in your own configuration.
# No provider and no resource: creating RBAC needs the cluster-admin rights the planner exists to keep out of pull
# requests, so it is applied by whoever holds them, once.
terraform {
  required_version = ">= 1.9.0"
}

variable "namespace" {
  description = "Namespace Flux runs in (the action's `flux-namespace`); the planner's ServiceAccount lives there too."
  type        = string
  default     = "flux-system"
  nullable    = false

  validation {
    condition     = length(var.namespace) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.namespace))
    error_message = "namespace \"${var.namespace}\" is not accepted: expected a DNS label, such as flux-system."
  }
}

output "manifest" {
  description = "The planner's Namespace, ServiceAccount, token Secret, ClusterRole, Role and bindings, as YAML."
  value       = templatefile("${path.module}/planner-rbac.yaml.tftpl", { namespace = var.namespace })
}
