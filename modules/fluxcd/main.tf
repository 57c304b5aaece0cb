locals {
  # Chart keys the module's own variables decide. They go in `set`, which Helm applies after every values
  # file and helm_values, so the variables (and the outputs and policies that read them) always tell the truth.
  managed_settings = concat(
    [
      { name = "notificationController.create", value = tostring(var.notification_controller) },
      { name = "imageReflectionController.create", value = tostring(var.image_reflector_controller) },
      { name = "imageAutomationController.create", value = tostring(var.image_automation_controller) },
      { name = "multitenancy.enabled", value = tostring(var.multitenancy) },
    ],
    # The CRDs are chart templates: without this, uninstalling the release deletes every Flux object.
    var.keep_crds_on_uninstall ? [{ name = "crds.annotations.helm\\.sh/resource-policy", value = "keep" }] : [],
  )

  git_repository = {
    apiVersion = "source.toolkit.fluxcd.io/v1"
    kind       = "GitRepository"
    metadata = {
      name      = var.git_repository_name
      namespace = var.namespace
    }
    spec = merge(
      {
        interval = var.git_interval
        url      = var.git_url
        ref      = { branch = var.git_branch }
      },
      var.git_secret_name == null ? {} : { secretRef = { name = var.git_secret_name } },
    )
  }

  # No `suspend` key on purpose: this module cannot create a suspended Kustomization.
  kustomization = {
    apiVersion = "kustomize.toolkit.fluxcd.io/v1"
    kind       = "Kustomization"
    metadata = {
      name      = var.kustomization_name
      namespace = var.namespace
    }
    spec = merge(
      {
        interval       = var.git_interval
        path           = var.git_path
        prune          = var.prune
        deletionPolicy = var.kustomization_deletion_policy
        sourceRef = {
          kind = "GitRepository"
          name = var.git_repository_name
        }
      },
      # Under lockdown an unnamed service account means the namespace's powerless `default`; the cluster's own
      # root Kustomization keeps the controller's account, which the chart binds to cluster-admin.
      var.multitenancy ? { serviceAccountName = "kustomize-controller" } : {},
    )
  }
}

resource "helm_release" "flux" {
  name             = "flux2"
  repository       = var.chart_repository
  chart            = "flux2"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  cleanup_on_fail  = true
  wait             = true

  # Later entries win (Helm deep-merges maps, replaces lists and scalars): files in order, then helm_values.
  values = concat(
    [for f in var.helm_values_files : file(f)],
    [yamlencode(var.helm_values)],
  )
  set = local.managed_settings
}

# The Flux objects are applied by kubectl_manifest, which resolves their kinds at apply time, after the chart
# has installed the CRDs: the plan of a first install needs no CRD in the cluster (docs/decisions/0001).
resource "kubectl_manifest" "git_repository" {
  yaml_body         = yamlencode(local.git_repository)
  server_side_apply = true
  # Wait on delete for the finalizer, while the controllers still run (they are uninstalled after this).
  wait = true

  depends_on = [helm_release.flux]
}

resource "kubectl_manifest" "kustomization" {
  yaml_body         = yamlencode(local.kustomization)
  server_side_apply = true
  wait              = true

  depends_on = [helm_release.flux, kubectl_manifest.git_repository]
}
