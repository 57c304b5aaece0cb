# Cluster credentials come from exactly one source (enforced in variables.tf):
#   - flux.cluster.kubeconfig_path: a kubeconfig file;
#   - flux.cluster.doks_cluster_name: a DigitalOcean Kubernetes cluster, whose endpoint, token and CA certificate
#     are read through the DigitalOcean API. The API token is read by the provider from DIGITALOCEAN_TOKEN and is
#     never a variable, so it cannot land in tfvars, plans or state.
# The source is used whether or not flux.install is true: removing Flux (install = false) needs the same
# credentials as installing it, since state still holds the release and the Flux objects.
locals {
  use_doks = var.flux.cluster.doks_cluster_name != null
  doks     = one(data.digitalocean_kubernetes_cluster.flux[*])

  # No source at all is valid only while nothing is installed (install = false on an empty state). The providers
  # still get a configuration, because alekc/kubectl >= 2.3 refuses an empty one at plan even when no resource
  # needs it; the .invalid name (RFC 6761) never resolves, so any call fails instead of reaching some ambient
  # cluster. The action refuses earlier, naming the inputs, when state holds Flux and no source is given.
  no_cluster = "https://no-cluster-credentials-given.invalid"

  kubernetes = (
    local.use_doks ? {
      config_path            = null
      host                   = local.doks.endpoint
      token                  = local.doks.kube_config[0].token
      cluster_ca_certificate = base64decode(local.doks.kube_config[0].cluster_ca_certificate)
    } :
    var.flux.cluster.kubeconfig_path != null ? {
      config_path            = pathexpand(var.flux.cluster.kubeconfig_path)
      host                   = null
      token                  = null
      cluster_ca_certificate = null
    } :
    {
      config_path            = null
      host                   = local.no_cluster
      token                  = null
      cluster_ca_certificate = null
    }
  )
}

provider "digitalocean" {}

# Read only when DOKS is the source, so a kubeconfig run needs no DigitalOcean token. Each read mints a
# cluster token (valid 7 days).
data "digitalocean_kubernetes_cluster" "flux" {
  count = local.use_doks ? 1 : 0
  name  = var.flux.cluster.doks_cluster_name
}

provider "helm" {
  alias      = "flux"
  kubernetes = local.kubernetes
}

provider "kubectl" {
  alias = "flux"
  # Never fall back to ~/.kube/config or KUBECONFIG: only the configured source may be used.
  load_config_file       = local.kubernetes.config_path != null
  config_path            = local.kubernetes.config_path
  host                   = local.kubernetes.host
  token                  = local.kubernetes.token
  cluster_ca_certificate = local.kubernetes.cluster_ca_certificate
}

# Writes only the Git credentials Secret, through the same single source as the other two.
provider "kubernetes" {
  alias                  = "flux"
  config_path            = local.kubernetes.config_path
  host                   = local.kubernetes.host
  token                  = local.kubernetes.token
  cluster_ca_certificate = local.kubernetes.cluster_ca_certificate
}
