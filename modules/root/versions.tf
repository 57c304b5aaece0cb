# Exact versions, so that a pull request's plan and its merge's apply run the same providers (the action installs
# them fresh on every runner and the shipped root has no lock file of its own: see README.md, "Provider versions").
# The Flux module itself admits ranges (../fluxcd/versions.tf) for callers with their own root and lock file.
terraform {
  # 1.11: the ephemeral git_credentials variable and the module's write-only Secret.
  required_version = ">= 1.11.0"

  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "3.2.0"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = "2.2.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "3.2.1"
    }
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "2.68.0"
    }
  }
}
