# The `flux` object the action writes: its defaults, how each attribute reaches the Flux module, and the rules
# that refuse a bad attribute under the caller's own name (flux.git.url ...). Each refused value has an accepted
# neighbour. The messages themselves are checked by test/modules.test.ts.

mock_provider "helm" {
  alias = "flux"
}
mock_provider "kubectl" {
  alias = "flux"
}
mock_provider "kubernetes" {
  alias = "flux"
}
mock_provider "digitalocean" {}

variables {
  flux = {
    git     = { url = "https://github.com/example/fleet" }
    cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" }
  }
}

run "defaults_of_the_contract" {
  command = plan

  # Assertions see the test's raw variable values, so the defaults are checked through what they produce.
  assert {
    condition     = length(module.flux) == 1 && output.flux_namespace == "flux-system"
    error_message = "install defaults to true and the namespace to flux-system"
  }
  assert {
    condition = module.flux[0].manifests.git_repository.spec == {
      interval = "1m"
      url      = "https://github.com/example/fleet"
      ref      = { branch = "main" }
    }
    error_message = "git defaults: branch main, interval 1m, no secret"
  }
  assert {
    condition     = module.flux[0].chart_version == "2.18.3"
    error_message = "a null chart_version must fall back to the module's default, got ${module.flux[0].chart_version}"
  }
  assert {
    condition = module.flux[0].manifests.kustomization.spec == {
      interval       = "1m"
      path           = "./"
      prune          = true
      deletionPolicy = "Orphan"
      sourceRef      = { kind = "GitRepository", name = "flux-system" }
    }
    error_message = "the default Kustomization reconciles ./ every minute with pruning"
  }
  assert {
    condition     = module.flux[0].chart_settings["crds.annotations.helm\\.sh/resource-policy"] == "keep" && module.flux[0].chart_settings["multitenancy.enabled"] == "false"
    error_message = "CRDs are kept on uninstall and multi-tenancy is off by default"
  }
}

run "every_attribute_reaches_the_module" {
  command = plan

  variables {
    flux = {
      namespace = "gitops"
      git = {
        url         = "ssh://git@github.com/example/fleet"
        branch      = "release/2.0"
        path        = "./clusters/dev"
        secret_name = "fleet-ssh"
        interval    = "5m"
        prune       = true
      }
      helm = {
        chart_version          = "2.17.1"
        values                 = { logLevel = "debug" }
        values_files           = []
        keep_crds_on_uninstall = false
      }
      cluster      = { kubeconfig_path = "tests/fixtures/kubeconfig" }
      controllers  = { notification = false, image_reflector = false, image_automation = true }
      multitenancy = true
    }
  }

  assert {
    condition     = output.flux_namespace == "gitops" && module.flux[0].chart_version == "2.17.1"
    error_message = "namespace and chart version must reach the module"
  }
  assert {
    condition = module.flux[0].manifests.git_repository.spec == {
      interval  = "5m"
      url       = "ssh://git@github.com/example/fleet"
      ref       = { branch = "release/2.0" }
      secretRef = { name = "fleet-ssh" }
    }
    error_message = "git url, branch, interval and secret must reach the GitRepository"
  }
  assert {
    condition     = module.flux[0].manifests.kustomization.spec.path == "./clusters/dev" && module.flux[0].manifests.kustomization.spec.serviceAccountName == "kustomize-controller"
    error_message = "git path and multitenancy must reach the Kustomization"
  }
  assert {
    condition = module.flux[0].chart_settings == {
      "notificationController.create"    = "false"
      "imageReflectionController.create" = "false"
      "imageAutomationController.create" = "true"
      "multitenancy.enabled"             = "true"
    }
    error_message = "controller toggles, multitenancy and the CRD opt-out must reach the chart settings"
  }
}

run "values_files_reach_the_module" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      helm    = { values_files = ["tests/fixtures/values.yaml"] }
      cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" }
    }
  }

  assert {
    condition     = output.flux_namespace == "flux-system"
    error_message = "an existing values file is accepted"
  }
}

run "install_without_url_is_refused" {
  command = plan
  variables {
    flux = { cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "scp_url_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "git@github.com:example/fleet.git" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "http_url_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "http://github.com/example/fleet" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "url_with_password_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://bot:hunter2@github.com/example/fleet" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "ssh_url_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "ssh://git@github.com/example/fleet.git" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.git_repository.spec.url == "ssh://git@github.com/example/fleet.git"
    error_message = "the ssh:// form of the same repository is accepted"
  }
}

run "interval_in_hours_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", interval = "1h" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "interval_in_minutes_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", interval = "60m" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.git_repository.spec.interval == "60m"
    error_message = "60m is the same hour, written in minutes"
  }
}

run "prune_disabled_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", prune = false }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "prune_null_means_enabled" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", prune = null }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.kustomization.spec.prune == true
    error_message = "an explicit null takes the default, true"
  }
}

run "absolute_path_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", path = "/clusters/dev" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "path_climbing_out_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", path = "clusters/../.." }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "relative_path_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", path = "clusters/dev" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.kustomization.spec.path == "clusters/dev"
    error_message = "a relative path without ./ is accepted"
  }
}

run "bad_branch_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", branch = "feature/x..y" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "branch_with_dots_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", branch = "release/v1.2.3" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.git_repository.spec.ref.branch == "release/v1.2.3"
    error_message = "release/v1.2.3 is a valid branch"
  }
}

run "bad_secret_name_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", secret_name = "Fleet_Key" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "secret_name_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet", secret_name = "fleet-key" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].manifests.git_repository.spec.secretRef.name == "fleet-key"
    error_message = "fleet-key is a valid secret name"
  }
}

run "bad_namespace_is_refused" {
  command = plan
  variables {
    flux = { namespace = "flux_system", git = { url = "https://github.com/example/fleet" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "namespace_is_accepted" {
  command = plan
  variables {
    flux = { namespace = "flux-system-2", git = { url = "https://github.com/example/fleet" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = output.flux_namespace == "flux-system-2"
    error_message = "flux-system-2 is a valid namespace"
  }
}

run "chart_version_range_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet" }, helm = { chart_version = ">= 2.0" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "chart_version_exact_is_accepted" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet" }, helm = { chart_version = "2.18.0" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  assert {
    condition     = module.flux[0].chart_version == "2.18.0"
    error_message = "an exact version is a valid pin"
  }
}

run "values_not_a_mapping_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet" }, helm = { values = "logLevel: debug" }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}

run "missing_values_file_is_refused" {
  command = plan
  variables {
    flux = { git = { url = "https://github.com/example/fleet" }, helm = { values_files = ["tests/fixtures/absent.yaml"] }, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }
  expect_failures = [var.flux]
}
