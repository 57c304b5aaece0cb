# The root configuration of the local example. It takes the same `flux` object as modules/root but records it in
# the built-in terraform_data instead of installing Flux, so `npm run local` plans for real with no cluster and no
# provider downloads. Point `working-directory` at your own configuration (or drop it for the shipped modules/root)
# to plan a real cluster.
terraform {
  backend "local" {}
}

variable "flux" {
  type = any
}

resource "terraform_data" "git_repository" {
  input = {
    namespace = var.flux.namespace
    url       = var.flux.git.url
    branch    = var.flux.git.branch
  }
}

resource "terraform_data" "kustomization" {
  input = {
    path     = var.flux.git.path
    interval = var.flux.git.interval
    prune    = var.flux.git.prune
  }
}

output "flux_namespace" {
  value = var.flux.namespace
}

output "git_repository_name" {
  value = "flux-system"
}

output "kustomization_name" {
  value = "flux-system"
}
