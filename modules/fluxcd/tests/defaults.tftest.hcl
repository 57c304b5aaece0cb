# What the module plans with nothing but a Git URL, and the outputs it reports. Plan-only with mock providers:
# the first-install plan is computed from configuration alone, with no cluster and no Flux CRDs.

mock_provider "helm" {}
mock_provider "kubectl" {}
mock_provider "kubernetes" {}

variables {
  git_url = "https://github.com/example/fleet"
}

run "installs_the_pinned_flux2_chart" {
  command = plan

  assert {
    condition     = helm_release.flux.chart == "flux2" && helm_release.flux.repository == "https://fluxcd-community.github.io/helm-charts"
    error_message = "expected the flux2 chart from the fluxcd-community repository, got ${helm_release.flux.chart} from ${helm_release.flux.repository}"
  }
  assert {
    condition     = helm_release.flux.version == "2.18.3"
    error_message = "expected the default chart version 2.18.3, got ${helm_release.flux.version}"
  }
  assert {
    condition     = helm_release.flux.namespace == "flux-system" && helm_release.flux.create_namespace
    error_message = "expected the release in flux-system, creating the namespace"
  }
  assert {
    condition     = helm_release.flux.atomic && helm_release.flux.wait
    error_message = "expected an atomic, waiting release so a failed install leaves nothing half-done"
  }
  assert {
    condition     = helm_release.flux.values == tolist([yamlencode({})])
    error_message = "expected one empty values document when no values are given"
  }
}

run "chart_defaults_for_controllers_and_keeps_crds" {
  command = plan

  assert {
    condition = toset([for s in helm_release.flux.set : "${s.name}=${s.value}"]) == toset([
      "notificationController.create=true",
      "imageReflectionController.create=true",
      "imageAutomationController.create=true",
      "multitenancy.enabled=false",
      "crds.annotations.helm\\.sh/resource-policy=keep",
    ])
    error_message = "unexpected managed chart settings: ${jsonencode([for s in helm_release.flux.set : "${s.name}=${s.value}"])}"
  }
}

run "declares_the_git_repository" {
  command = plan

  assert {
    condition = kubectl_manifest.git_repository.yaml_body == yamlencode({
      apiVersion = "source.toolkit.fluxcd.io/v1"
      kind       = "GitRepository"
      metadata   = { name = "flux-system", namespace = "flux-system" }
      spec = {
        interval = "1m"
        url      = "https://github.com/example/fleet"
        ref      = { branch = "main" }
      }
    })
    error_message = "unexpected GitRepository manifest"
  }
  assert {
    condition     = kubectl_manifest.git_repository.server_side_apply && kubectl_manifest.git_repository.wait
    error_message = "expected server-side apply and waiting for the finalizer on delete"
  }
}

run "declares_the_kustomization_from_that_repository" {
  command = plan

  assert {
    condition = kubectl_manifest.kustomization.yaml_body == yamlencode({
      apiVersion = "kustomize.toolkit.fluxcd.io/v1"
      kind       = "Kustomization"
      metadata   = { name = "flux-system", namespace = "flux-system" }
      spec = {
        interval       = "1m"
        path           = "./"
        prune          = true
        deletionPolicy = "Orphan"
        sourceRef      = { kind = "GitRepository", name = "flux-system" }
      }
    })
    error_message = "unexpected Kustomization manifest"
  }
  assert {
    condition     = !strcontains(kubectl_manifest.kustomization.yaml_body, "suspend")
    error_message = "the Kustomization must not carry a suspend field"
  }
}

run "reports_its_outputs" {
  command = plan

  assert {
    condition     = output.namespace == "flux-system"
    error_message = "namespace output: ${output.namespace}"
  }
  assert {
    condition     = output.git_repository_name == "flux-system" && output.kustomization_name == "flux-system"
    error_message = "object name outputs: ${output.git_repository_name}, ${output.kustomization_name}"
  }
  assert {
    condition     = output.chart_version == "2.18.3"
    error_message = "chart_version output: ${output.chart_version}"
  }
}

run "outputs_follow_custom_names" {
  command = plan

  variables {
    namespace           = "gitops"
    chart_version       = "2.17.0"
    git_repository_name = "fleet"
    kustomization_name  = "fleet-apps"
    git_branch          = "release/1.2"
    git_path            = "./clusters/dev"
    git_interval        = "30s"
    git_secret_name     = "fleet-deploy-key"
  }

  assert {
    condition     = output.namespace == "gitops" && output.chart_version == "2.17.0"
    error_message = "expected the namespace and chart version given"
  }
  assert {
    condition     = output.git_repository_name == "fleet" && output.kustomization_name == "fleet-apps"
    error_message = "expected the object names given"
  }
  assert {
    condition = yamldecode(kubectl_manifest.git_repository.yaml_body).spec == {
      interval  = "30s"
      url       = "https://github.com/example/fleet"
      ref       = { branch = "release/1.2" }
      secretRef = { name = "fleet-deploy-key" }
    }
    error_message = "GitRepository spec does not carry the branch, interval and secret given"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.sourceRef == { kind = "GitRepository", name = "fleet" } && yamldecode(kubectl_manifest.kustomization.yaml_body).spec.path == "./clusters/dev"
    error_message = "the Kustomization must reference the GitRepository by its name and use the path given"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).metadata.namespace == "gitops" && yamldecode(kubectl_manifest.git_repository.yaml_body).metadata.namespace == "gitops"
    error_message = "both Flux objects belong in the Flux namespace"
  }
}
