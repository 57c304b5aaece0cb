output "flux_namespace" {
  description = "Namespace Flux runs in; null when flux.install is false."
  value       = one(module.flux[*].namespace)
}

output "git_repository_name" {
  description = "Name of the Flux GitRepository; null when flux.install is false."
  value       = one(module.flux[*].git_repository_name)
}

output "kustomization_name" {
  description = "Name of the Flux Kustomization; null when flux.install is false."
  value       = one(module.flux[*].kustomization_name)
}
