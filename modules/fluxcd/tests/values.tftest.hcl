# How chart values reach the release. Helm merges the `values` documents in order, later ones winning on the
# same key (maps merge deeply, lists and scalars are replaced), and applies `set` after all of them:
#   values files, in the order given  <  helm_values  <  settings the module's variables own.
# test/modules-apply.test.ts checks the merged result on a real release.

mock_provider "helm" {}
mock_provider "kubectl" {}
mock_provider "kubernetes" {}

variables {
  git_url = "https://github.com/example/fleet"
}

run "files_in_order_then_the_map" {
  command = plan

  variables {
    helm_values_files = ["tests/fixtures/values-base.yaml", "tests/fixtures/values-override.yaml"]
    helm_values       = { sourceController = { resources = { requests = { memory = "512Mi" } } } }
  }

  assert {
    condition = helm_release.flux.values == tolist([
      file("tests/fixtures/values-base.yaml"),
      file("tests/fixtures/values-override.yaml"),
      yamlencode({ sourceController = { resources = { requests = { memory = "512Mi" } } } }),
    ])
    error_message = "expected the files in the order given, then helm_values last so it wins on the same key"
  }
}

run "map_alone_is_one_document" {
  command = plan

  variables {
    helm_values = { logLevel = "debug", watchAllNamespaces = false }
  }

  assert {
    condition     = yamldecode(one(helm_release.flux.values)) == { logLevel = "debug", watchAllNamespaces = false }
    error_message = "helm_values should be passed as one YAML document with its types kept"
  }
}

run "module_settings_win_over_values" {
  command = plan

  variables {
    helm_values             = { notificationController = { create = true } }
    notification_controller = false
  }

  assert {
    condition     = contains([for s in helm_release.flux.set : "${s.name}=${s.value}"], "notificationController.create=false")
    error_message = "the notification_controller variable must reach the chart through set, which Helm applies last"
  }
}
