# Git credentials the module writes: a Secret named like the GitRepository (or git_secret_name), whose data goes
# through the write-only data_wo, so the plan holds only the revision; without a revision the Secret is the
# caller's. Plan-only with mock providers.

mock_provider "helm" {}
mock_provider "kubectl" {}
mock_provider "kubernetes" {}

variables {
  git_url = "https://git.example.com/wildside/fleet"
}

run "public_repository_has_no_secret" {
  command = plan

  assert {
    condition     = length(kubernetes_secret_v1.git_credentials) == 0
    error_message = "a public repository needs no Secret"
  }
  assert {
    condition     = !contains(keys(yamldecode(kubectl_manifest.git_repository.yaml_body).spec), "secretRef")
    error_message = "a public repository's GitRepository names no Secret"
  }
}

run "credentials_are_written_to_a_secret_named_like_the_git_repository" {
  command = plan

  variables {
    git_credentials          = { username = "git", password = "s3cr3t-token" }
    git_credentials_revision = 1
  }

  assert {
    condition     = kubernetes_secret_v1.git_credentials[0].metadata[0].name == "flux-system" && kubernetes_secret_v1.git_credentials[0].metadata[0].namespace == "flux-system"
    error_message = "the Secret must be flux-system in the Flux namespace, as flux bootstrap names it"
  }
  assert {
    condition     = kubernetes_secret_v1.git_credentials[0].data_wo_revision == 1
    error_message = "the plan must carry the revision"
  }
  assert {
    condition     = kubernetes_secret_v1.git_credentials[0].data_wo == null
    error_message = "a write-only attribute is null in the plan"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.git_repository.yaml_body).spec.secretRef.name == "flux-system"
    error_message = "the GitRepository must read the Secret the module writes"
  }
  assert {
    condition     = output.git_secret_name == "flux-system"
    error_message = "the output names the Secret"
  }
}

run "a_given_secret_name_is_the_one_written" {
  command = plan

  variables {
    git_secret_name          = "fleet-auth"
    git_credentials          = { username = "git", password = "s3cr3t-token" }
    git_credentials_revision = 2
  }

  assert {
    condition     = kubernetes_secret_v1.git_credentials[0].metadata[0].name == "fleet-auth" && yamldecode(kubectl_manifest.git_repository.yaml_body).spec.secretRef.name == "fleet-auth"
    error_message = "git_secret_name names the Secret written and read"
  }
}

run "a_secret_of_the_callers_own_is_only_referenced" {
  command = plan

  variables {
    git_secret_name = "made-by-hand"
  }

  assert {
    condition     = length(kubernetes_secret_v1.git_credentials) == 0 && yamldecode(kubectl_manifest.git_repository.yaml_body).spec.secretRef.name == "made-by-hand"
    error_message = "without a revision the module must only reference the caller's Secret"
  }
}

run "a_revision_without_credentials_is_refused" {
  command = plan

  variables {
    git_credentials_revision = 1
  }

  expect_failures = [kubernetes_secret_v1.git_credentials]
}

run "a_revision_below_one_is_refused" {
  command = plan

  variables {
    git_credentials          = { password = "x" }
    git_credentials_revision = 0
  }

  expect_failures = [var.git_credentials_revision]
}
