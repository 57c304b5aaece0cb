output "namespace" {
  description = "Namespace Flux runs in."
  value       = helm_release.flux.namespace
}

output "git_repository_name" {
  description = "Name of the Flux GitRepository."
  value       = var.git_repository_name
  depends_on  = [kubectl_manifest.git_repository]
}

output "kustomization_name" {
  description = "Name of the Flux Kustomization."
  value       = var.kustomization_name
  depends_on  = [kubectl_manifest.kustomization]
}

output "chart_version" {
  description = "Version of the flux2 chart installed."
  value       = helm_release.flux.version
}
