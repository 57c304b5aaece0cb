# Every validation rule: values it refuses (expect_failures), and the nearest value it accepts, checked to reach
# the plan unchanged. The messages themselves are checked by test/modules.test.ts.

mock_provider "helm" {}
mock_provider "kubectl" {}
mock_provider "kubernetes" {}

variables {
  git_url = "https://github.com/example/fleet"
}

# --- git_url -----------------------------------------------------------------------------------------------------

run "git_url_scp_form_is_refused" {
  command = plan
  variables { git_url = "git@github.com:example/fleet.git" }
  expect_failures = [var.git_url]
}

run "git_url_ssh_form_is_accepted" {
  command = plan
  variables { git_url = "ssh://git@github.com/example/fleet.git" }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.url == "ssh://git@github.com/example/fleet.git"
    error_message = "the ssh:// URL should reach the GitRepository unchanged"
  }
}

run "git_url_http_is_refused" {
  command = plan
  variables { git_url = "http://github.com/example/fleet" }
  expect_failures = [var.git_url]
}

run "git_url_without_host_is_refused" {
  command = plan
  variables { git_url = "https:///example/fleet" }
  expect_failures = [var.git_url]
}

run "git_url_with_password_is_refused" {
  command = plan
  variables { git_url = "https://bot:hunter2@github.com/example/fleet" }
  expect_failures = [var.git_url]
}

run "git_url_with_port_and_user_is_accepted" {
  command = plan
  variables { git_url = "ssh://git@git.example.com:2222/example/fleet" }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.url == "ssh://git@git.example.com:2222/example/fleet"
    error_message = "an ssh:// URL with user and port is valid"
  }
}

# --- git_interval ------------------------------------------------------------------------------------------------

run "interval_in_hours_is_refused" {
  command = plan
  variables { git_interval = "1h" }
  expect_failures = [var.git_interval]
}

run "interval_zero_is_refused" {
  command = plan
  variables { git_interval = "0s" }
  expect_failures = [var.git_interval]
}

run "interval_compound_is_refused" {
  command = plan
  variables { git_interval = "1m30s" }
  expect_failures = [var.git_interval]
}

run "interval_without_unit_is_refused" {
  command = plan
  variables { git_interval = "90" }
  expect_failures = [var.git_interval]
}

run "interval_in_seconds_is_accepted" {
  command = plan
  variables { git_interval = "90s" }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.interval == "90s" && yamldecode(kubectl_manifest.kustomization.yaml_body).spec.interval == "90s"
    error_message = "90s should reach both Flux objects"
  }
}

run "interval_in_minutes_is_accepted" {
  command = plan
  variables { git_interval = "15m" }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.interval == "15m"
    error_message = "15m should reach the Kustomization"
  }
}

# --- prune -------------------------------------------------------------------------------------------------------

run "prune_disabled_is_refused" {
  command = plan
  variables { prune = false }
  expect_failures = [var.prune]
}

run "prune_enabled_is_accepted" {
  command = plan
  variables { prune = true }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.prune == true
    error_message = "prune should be true in the Kustomization"
  }
}

# --- git_path ----------------------------------------------------------------------------------------------------

run "absolute_path_is_refused" {
  command = plan
  variables { git_path = "/clusters/dev" }
  expect_failures = [var.git_path]
}

run "path_climbing_out_is_refused" {
  command = plan
  variables { git_path = "./clusters/../../etc" }
  expect_failures = [var.git_path]
}

run "path_with_backslashes_is_refused" {
  command = plan
  variables { git_path = "clusters\\dev" }
  expect_failures = [var.git_path]
}

run "relative_path_with_dots_in_names_is_accepted" {
  command = plan
  variables { git_path = "./clusters/dev..blue/.config" }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.path == "./clusters/dev..blue/.config"
    error_message = "a relative path whose names contain dots is still inside the repository"
  }
}

# --- git_branch --------------------------------------------------------------------------------------------------

run "branch_with_double_dot_is_refused" {
  command = plan
  variables { git_branch = "release..1" }
  expect_failures = [var.git_branch]
}

run "branch_with_space_is_refused" {
  command = plan
  variables { git_branch = "my branch" }
  expect_failures = [var.git_branch]
}

run "branch_ending_in_lock_is_refused" {
  command = plan
  variables { git_branch = "main.lock" }
  expect_failures = [var.git_branch]
}

run "branch_with_reflog_syntax_is_refused" {
  command = plan
  variables { git_branch = "main@{1}" }
  expect_failures = [var.git_branch]
}

run "branch_component_starting_with_dot_is_refused" {
  command = plan
  variables { git_branch = "feature/.hidden" }
  expect_failures = [var.git_branch]
}

run "empty_branch_is_refused" {
  command = plan
  variables { git_branch = "" }
  expect_failures = [var.git_branch]
}

run "branch_with_slashes_is_accepted" {
  command = plan
  variables { git_branch = "release/1.2" }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.ref.branch == "release/1.2"
    error_message = "release/1.2 should reach spec.ref.branch"
  }
}

# --- namespace and names -----------------------------------------------------------------------------------------

run "namespace_with_uppercase_is_refused" {
  command = plan
  variables { namespace = "Flux-System" }
  expect_failures = [var.namespace]
}

run "namespace_with_dot_is_refused" {
  command = plan
  variables { namespace = "flux.system" }
  expect_failures = [var.namespace]
}

run "namespace_dns_label_is_accepted" {
  command = plan
  variables { namespace = "flux-2" }
  assert {
    condition     = helm_release.flux.namespace == "flux-2" && yamldecode(kubectl_manifest.kustomization.yaml_body).metadata.namespace == "flux-2"
    error_message = "flux-2 should be used for the release and the Flux objects"
  }
}

run "git_repository_name_too_long_is_refused" {
  command = plan
  variables { git_repository_name = "a${join("", [for i in range(63) : "b"])}" }
  expect_failures = [var.git_repository_name]
}

run "git_repository_name_with_underscore_is_refused" {
  command = plan
  variables { git_repository_name = "fleet_repo" }
  expect_failures = [var.git_repository_name]
}

run "kustomization_name_with_uppercase_is_refused" {
  command = plan
  variables { kustomization_name = "Apps" }
  expect_failures = [var.kustomization_name]
}

run "names_at_the_limit_are_accepted" {
  command = plan
  variables {
    git_repository_name = "fleet.${join("", [for i in range(57) : "a"])}"
    kustomization_name  = "apps-1"
  }
  assert {
    condition     = length(yamldecode(kubectl_manifest.git_repository.yaml_body).metadata.name) == 63 && yamldecode(kubectl_manifest.kustomization.yaml_body).spec.sourceRef.name == yamldecode(kubectl_manifest.git_repository.yaml_body).metadata.name
    error_message = "a 63-character dotted name is valid and the Kustomization must point at it"
  }
}

# --- git_secret_name ---------------------------------------------------------------------------------------------

run "secret_name_with_uppercase_is_refused" {
  command = plan
  variables { git_secret_name = "Deploy-Key" }
  expect_failures = [var.git_secret_name]
}

run "secret_name_empty_is_refused" {
  command = plan
  variables { git_secret_name = "" }
  expect_failures = [var.git_secret_name]
}

run "secret_name_subdomain_is_accepted" {
  command = plan
  variables { git_secret_name = "fleet.deploy-key" }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.secretRef.name == "fleet.deploy-key"
    error_message = "the secret name should reach spec.secretRef"
  }
}

run "no_secret_means_no_secret_ref" {
  command = plan
  variables { git_secret_name = null }
  assert {
    condition     = !contains(keys(yamldecode(kubectl_manifest.git_repository.yaml_body).spec), "secretRef")
    error_message = "a public repository needs no secretRef"
  }
}

# --- chart_repository --------------------------------------------------------------------------------------------

run "chart_repository_over_http_is_refused" {
  command = plan
  variables { chart_repository = "http://charts.example.internal/flux" }
  expect_failures = [var.chart_repository]
}

run "chart_repository_with_credentials_is_refused" {
  command = plan
  variables { chart_repository = "https://user:secret@charts.example.internal/flux" }
  expect_failures = [var.chart_repository]
}

run "chart_repository_without_host_is_refused" {
  command = plan
  variables { chart_repository = "oci:///charts" }
  expect_failures = [var.chart_repository]
}

# --- chart_version -----------------------------------------------------------------------------------------------

run "chart_version_range_is_refused" {
  command = plan
  variables { chart_version = "~> 2.18" }
  expect_failures = [var.chart_version]
}

run "chart_version_with_v_prefix_is_refused" {
  command = plan
  variables { chart_version = "v2.18.4" }
  expect_failures = [var.chart_version]
}

run "chart_version_partial_is_refused" {
  command = plan
  variables { chart_version = "2.18" }
  expect_failures = [var.chart_version]
}

run "chart_version_prerelease_is_accepted" {
  command = plan
  variables { chart_version = "2.19.0-rc.1" }
  assert {
    condition     = helm_release.flux.version == "2.19.0-rc.1"
    error_message = "an exact pre-release version is a valid pin"
  }
}

# --- kustomization_deletion_policy -------------------------------------------------------------------------------

run "deletion_policy_unknown_is_refused" {
  command = plan
  variables { kustomization_deletion_policy = "Keep" }
  expect_failures = [var.kustomization_deletion_policy]
}

run "deletion_policy_mirror_prune_is_accepted" {
  command = plan
  variables { kustomization_deletion_policy = "MirrorPrune" }
  assert {
    condition     = yamldecode(kubectl_manifest.kustomization.yaml_body).spec.deletionPolicy == "MirrorPrune"
    error_message = "MirrorPrune should reach spec.deletionPolicy"
  }
}

# --- helm values ---------------------------------------------------------------------------------------------------

run "helm_values_not_a_map_is_refused" {
  command = plan
  variables { helm_values = ["logLevel=debug"] }
  expect_failures = [var.helm_values]
}

run "helm_values_missing_file_is_refused" {
  command = plan
  variables { helm_values_files = ["tests/fixtures/values-base.yaml", "tests/fixtures/does-not-exist.yaml"] }
  expect_failures = [var.helm_values_files]
}

run "helm_values_file_not_a_mapping_is_refused" {
  command = plan
  variables { helm_values_files = ["tests/fixtures/values-list.yaml"] }
  expect_failures = [var.helm_values_files]
}

run "helm_values_file_invalid_yaml_is_refused" {
  command = plan
  variables { helm_values_files = ["tests/fixtures/values-broken.txt"] }
  expect_failures = [var.helm_values_files]
}

run "helm_values_empty_file_is_accepted" {
  command = plan
  variables { helm_values_files = ["tests/fixtures/values-empty.yaml"] }
  assert {
    condition     = length(helm_release.flux.values) == 2
    error_message = "an empty values file is harmless and still passed on"
  }
}
