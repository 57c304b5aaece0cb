# Where the cluster credentials come from: a kubeconfig file, or a DOKS cluster read through the DigitalOcean API
# (token from DIGITALOCEAN_TOKEN, never a variable). Exactly one when installing; never both; the same source
# when removing (install = false), since state still holds what was installed.

mock_provider "helm" {
  alias = "flux"
}
mock_provider "kubectl" {
  alias = "flux"
}
mock_provider "kubernetes" {
  alias = "flux"
}
mock_provider "digitalocean" {
  mock_data "digitalocean_kubernetes_cluster" {
    defaults = {
      endpoint = "https://0f3c-dev.k8s.ondigitalocean.com"
      kube_config = [{
        raw_config             = ""
        host                   = "https://0f3c-dev.k8s.ondigitalocean.com"
        cluster_ca_certificate = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCnN0YW5kLWluCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K"
        client_key             = ""
        client_certificate     = ""
        token                  = "dop_v1_fixture-cluster-token"
        expires_at             = "2030-01-01T00:00:00Z"
      }]
    }
  }
}

run "kubeconfig_file" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" }
    }
  }

  assert {
    condition     = length(data.digitalocean_kubernetes_cluster.flux) == 0
    error_message = "a kubeconfig run must not call the DigitalOcean API"
  }
  assert {
    condition     = local.kubernetes.config_path == "tests/fixtures/kubeconfig" && local.kubernetes.host == null && local.kubernetes.token == null
    error_message = "the providers must use the kubeconfig file and nothing else"
  }
  assert {
    condition     = output.flux_namespace == "flux-system"
    error_message = "Flux should be planned against the kubeconfig's cluster"
  }
}

run "doks_cluster" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      cluster = { doks_cluster_name = "dev" }
    }
  }

  assert {
    condition     = length(data.digitalocean_kubernetes_cluster.flux) == 1 && data.digitalocean_kubernetes_cluster.flux[0].name == "dev"
    error_message = "the DOKS cluster should be looked up by the name given"
  }
  assert {
    condition     = local.kubernetes.host == "https://0f3c-dev.k8s.ondigitalocean.com" && local.kubernetes.token == "dop_v1_fixture-cluster-token"
    error_message = "the providers must use the cluster's endpoint and token"
  }
  assert {
    condition     = local.kubernetes.cluster_ca_certificate == "-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n"
    error_message = "the cluster CA certificate must be base64-decoded for the providers"
  }
  assert {
    condition     = local.kubernetes.config_path == null
    error_message = "a DOKS run must not read a kubeconfig file"
  }
}

run "neither_source_is_refused" {
  command = plan

  variables {
    flux = { git = { url = "https://github.com/example/fleet" } }
  }

  expect_failures = [var.flux]
}

run "both_sources_are_refused" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      cluster = { kubeconfig_path = "tests/fixtures/kubeconfig", doks_cluster_name = "dev" }
    }
  }

  expect_failures = [var.flux]
}

run "missing_kubeconfig_file_is_refused" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      cluster = { kubeconfig_path = "tests/fixtures/no-such-kubeconfig" }
    }
  }

  expect_failures = [var.flux]
}

run "empty_doks_cluster_name_is_refused" {
  command = plan

  variables {
    flux = {
      git     = { url = "https://github.com/example/fleet" }
      cluster = { doks_cluster_name = " " }
    }
  }

  expect_failures = [var.flux]
}

run "not_installing_with_no_source_plans_nothing" {
  command = plan

  variables {
    flux = { install = false }
  }

  assert {
    condition     = length(module.flux) == 0 && length(data.digitalocean_kubernetes_cluster.flux) == 0
    error_message = "with install = false and no source nothing is planned and no API is called"
  }
  assert {
    condition     = local.kubernetes.host == local.no_cluster && local.kubernetes.config_path == null
    error_message = "without a source the providers must get the unresolvable placeholder, never an ambient kubeconfig"
  }
  assert {
    condition     = output.flux_namespace == null && output.git_repository_name == null && output.kustomization_name == null
    error_message = "with install = false the outputs are null"
  }
}

run "removal_with_a_kubeconfig_uses_it" {
  command = plan

  variables {
    flux = { install = false, cluster = { kubeconfig_path = "tests/fixtures/kubeconfig" } }
  }

  assert {
    condition     = local.kubernetes.config_path == "tests/fixtures/kubeconfig" && length(module.flux) == 0
    error_message = "removing Flux must reach the cluster through the kubeconfig given"
  }
}

run "removal_with_doks_reads_the_credentials" {
  command = plan

  variables {
    flux = { install = false, cluster = { doks_cluster_name = "dev" } }
  }

  assert {
    condition     = length(data.digitalocean_kubernetes_cluster.flux) == 1 && local.kubernetes.token == "dop_v1_fixture-cluster-token"
    error_message = "removing Flux from a DOKS cluster needs its credentials: state still holds the release and the Flux objects"
  }
}
