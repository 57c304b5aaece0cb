terraform {
  # 1.11: ephemeral variables and write-only attributes (git_credentials).
  required_version = ">= 1.11.0"

  required_providers {
    # 3.x takes the cluster as a `kubernetes = { … }` attribute; the tests run 3.2.0.
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
    # Applies the Flux objects without needing their CRDs at plan time (docs/decisions/0001). Every 2.x behaves
    # the same here as long as the provider gets a configuration (2.3 and later refuse an empty one at plan; the
    # root always gives one); the tests run 2.2.0.
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.1"
    }
    # Writes the Git credentials Secret through the write-only `data_wo` (2.37 and later); the tests run 3.2.1.
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = ">= 2.37, < 4.0"
    }
  }
}
