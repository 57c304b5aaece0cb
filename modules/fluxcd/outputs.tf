output "namespace" {
  description = "Namespace Flux runs in."
  value       = helm_release.flux.namespace
}

output "git_repository_name" {
  description = "Name of the Flux GitRepository."
  value       = var.git_repository_name
  depends_on  = [kubectl_manifest.git_repository]
}

output "git_secret_name" {
  description = "Name of the Secret the GitRepository reads credentials from (null for a public repository), whether the module writes it or not."
  value       = local.git_secret_name
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

output "manifests" {
  description = "The GitRepository and Kustomization objects as applied, for reports and health checks."
  value = {
    git_repository = local.git_repository
    kustomization  = local.kustomization
  }
  depends_on = [kubectl_manifest.git_repository, kubectl_manifest.kustomization]
}

output "chart_settings" {
  description = "Chart keys set from the module's variables (controllers, multi-tenancy, CRD keep policy), by key."
  value       = { for s in local.managed_settings : s.name => s.value }
}
