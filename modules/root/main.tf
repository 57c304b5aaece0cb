module "flux" {
  source = "../fluxcd"
  count  = var.flux.install ? 1 : 0

  providers = {
    helm       = helm.flux
    kubectl    = kubectl.flux
    kubernetes = kubernetes.flux
  }

  namespace = var.flux.namespace

  git_url         = var.flux.git.url
  git_branch      = var.flux.git.branch
  git_path        = var.flux.git.path
  git_secret_name = var.flux.git.secret_name
  # Write-only in the module: only the revision is recorded.
  git_credentials          = var.git_credentials
  git_credentials_revision = var.flux.git.credentials_revision
  git_interval             = var.flux.git.interval
  prune                    = var.flux.git.prune

  # null keeps the module's defaults (nullable = false there).
  chart_repository       = var.flux.helm.repository
  chart_version          = var.flux.helm.chart_version
  helm_values            = var.flux.helm.values
  helm_values_files      = var.flux.helm.values_files
  keep_crds_on_uninstall = var.flux.helm.keep_crds_on_uninstall

  notification_controller     = var.flux.controllers.notification
  image_reflector_controller  = var.flux.controllers.image_reflector
  image_automation_controller = var.flux.controllers.image_automation
  multitenancy                = var.flux.multitenancy
}
