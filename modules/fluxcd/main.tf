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

  # The Secret the GitRepository reads: the caller's, or the one written from git_credentials, named like the
  # GitRepository unless told otherwise (as `flux bootstrap` names it).
  manage_git_secret = var.git_credentials_revision != null
  git_secret_name   = var.git_secret_name != null ? var.git_secret_name : (local.manage_git_secret ? var.git_repository_name : null)

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
      local.git_secret_name == null ? {} : { secretRef = { name = local.git_secret_name } },
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
# The Git credentials, written through the write-only `data_wo`: state and plan files record only the revision,
# never the data. The Secret lives in the namespace the release creates, so it comes after the release.
resource "kubernetes_secret_v1" "git_credentials" {
  count = local.manage_git_secret ? 1 : 0

  metadata {
    name      = local.git_secret_name
    namespace = var.namespace
    labels    = { "app.kubernetes.io/managed-by" = "opentofu" }
  }
  data_wo          = var.git_credentials
  data_wo_revision = var.git_credentials_revision

  lifecycle {
    precondition {
      condition     = var.git_credentials != null && try(length(var.git_credentials) > 0, false)
      error_message = "git_credentials_revision is set but git_credentials is empty: give the credentials (again, for tofu apply of a saved plan), or set git_credentials_revision = null to manage the Secret yourself."
    }
  }

  depends_on = [helm_release.flux]
}

resource "kubectl_manifest" "git_repository" {
  yaml_body         = yamlencode(local.git_repository)
  server_side_apply = true
  # Wait on delete for the finalizer, while the controllers still run (they are uninstalled after this).
  wait = true

  depends_on = [helm_release.flux, kubernetes_secret_v1.git_credentials]
}

resource "kubectl_manifest" "kustomization" {
  yaml_body         = yamlencode(local.kustomization)
  server_side_apply = true
  wait              = true

  depends_on = [helm_release.flux, kubectl_manifest.git_repository]
}
