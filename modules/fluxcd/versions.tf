terraform {
  required_version = ">= 1.9.0"

  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
    # Applies the Flux objects without needing their CRDs at plan time (docs/decisions/0001).
    kubectl = {
      source  = "alekc/kubectl"
      version = "~> 2.1"
    }
  }
}
