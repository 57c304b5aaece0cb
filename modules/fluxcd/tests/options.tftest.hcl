# The optional controllers, multi-tenancy lockdown and the CRD keep policy.

mock_provider "helm" {}
mock_provider "kubectl" {}
mock_provider "kubernetes" {}

variables {
  git_url = "https://github.com/example/fleet"
}

run "optional_controllers_can_be_left_out" {
  command = plan

  variables {
    notification_controller     = false
    image_reflector_controller  = false
    image_automation_controller = false
  }

  assert {
    condition = length(setintersection(
      toset([for s in helm_release.flux.set : "${s.name}=${s.value}"]),
      toset(["notificationController.create=false", "imageReflectionController.create=false", "imageAutomationController.create=false"]),
    )) == 3
    error_message = "each controller toggle must set its chart key to false"
  }
}

run "multitenancy_lockdown" {
  command = plan

  variables {
    multitenancy = true
  }

  assert {
    condition     = contains([for s in helm_release.flux.set : "${s.name}=${s.value}"], "multitenancy.enabled=true")
    error_message = "multitenancy must enable the chart's lockdown (--no-cross-namespace-refs)"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.serviceAccountName == "kustomize-controller"
    error_message = "under lockdown the root Kustomization must keep the controller's own service account"
  }
}

run "no_service_account_without_lockdown" {
  command = plan

  assert {
    condition     = !contains(keys(yamldecode(kubectl_manifest.kustomization.yaml_body).spec), "serviceAccountName")
    error_message = "without lockdown the Kustomization needs no service account"
  }
}

run "crds_can_be_released_on_uninstall" {
  command = plan

  variables {
    keep_crds_on_uninstall = false
  }

  assert {
    condition     = length([for s in helm_release.flux.set : s if startswith(s.name, "crds.annotations")]) == 0
    error_message = "opting out must drop the keep annotation"
  }
}

# --- chart_repository: a mirror or an OCI registry instead of the public repository -------------------------------

run "chart_from_a_helm_repository_mirror" {
  command = plan

  variables {
    chart_repository = "https://charts.example.internal/flux"
  }

  assert {
    condition     = helm_release.flux.repository == "https://charts.example.internal/flux" && helm_release.flux.chart == "flux2"
    error_message = "the release must take the chart flux2 from the given repository, got ${helm_release.flux.chart} from ${helm_release.flux.repository}"
  }
}

run "chart_from_an_oci_registry" {
  command = plan

  variables {
    chart_repository = "oci://registry.example.internal/charts"
  }

  assert {
    condition     = helm_release.flux.repository == "oci://registry.example.internal/charts" && helm_release.flux.chart == "flux2"
    error_message = "an OCI registry path must be passed as the repository, with the chart name beneath it"
  }
}
