package main

// Reads digitalocean_kubernetes_cluster the way the real data source does: list the clusters, pick the one whose
// name matches, fetch fresh credentials for it, and set every attribute from the two answers, with the
// provider's own encodings (CA certificate base64 of the PEM, times as Go's UTC String(), tags without the
// k8s/terraform ones the service adds).

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"gopkg.in/yaml.v3"
)

const defaultNodePoolTag = "terraform:default-node-pool"

// readCluster returns the data source's attributes as plain Go values, for toValue to type by the schema.
// config holds the configuration's attribute values (name, tags, kubeconfig_expire_seconds, ...).
func readCluster(ctx context.Context, c *apiClient, config map[string]tftypes.Value) (map[string]any, error) {
	name := stringAttr(config, "name")
	clusters, err := c.listClusters(ctx)
	if err != nil {
		return nil, fmt.Errorf("Error listing Kubernetes clusters: %w", err)
	}
	var cluster *doCluster
	for i := range clusters {
		if clusters[i].Name == name {
			cluster = &clusters[i]
			break
		}
	}
	if cluster == nil {
		return nil, fmt.Errorf("Unable to find cluster with name: %s", name)
	}
	creds, err := c.credentials(ctx, cluster.ID)
	if err != nil {
		return nil, fmt.Errorf("Unable to fetch Kubernetes credentials: %w", err)
	}
	kubeConfig, err := flattenCredentials(cluster, creds)
	if err != nil {
		return nil, err
	}

	out := map[string]any{}
	for k, v := range config { // optional arguments keep what the configuration said
		out[k] = v
	}
	for k, v := range map[string]any{
		"id": cluster.ID, "name": cluster.Name, "region": cluster.Region, "version": cluster.Version,
		"surge_upgrade": cluster.SurgeUpgrade, "ha": cluster.HA, "auto_upgrade": cluster.AutoUpgrade,
		"cluster_subnet": cluster.ClusterSubnet, "service_subnet": cluster.ServiceSubnet,
		"ipv4_address": cluster.IPv4, "endpoint": cluster.Endpoint, "vpc_uuid": cluster.VPCUUID,
		"tags": stringsToAny(userTags(cluster.Tags)), "status": cluster.Status.State,
		"created_at": cluster.CreatedAt.UTC().String(), "updated_at": cluster.UpdatedAt.UTC().String(),
		"urn": "do:kubernetes:" + cluster.ID, "kube_config": []any{kubeConfig},
		"maintenance_policy": []any{}, "control_plane_firewall": []any{}, "node_pool": []any{},
	} {
		out[k] = v
	}
	if p := cluster.MaintenancePolicy; p != nil {
		out["maintenance_policy"] = []any{map[string]any{"day": p.Day, "duration": p.Duration, "start_time": p.StartTime}}
	}
	if f := cluster.ControlPlaneFirewall; f != nil {
		out["control_plane_firewall"] = []any{map[string]any{"enabled": f.Enabled, "allowed_addresses": stringsToAny(f.AllowedAddresses)}}
	}
	// Only the pool tagged as the default one is reported, as the real provider does.
	for _, p := range cluster.NodePools {
		if slices.Contains(p.Tags, defaultNodePoolTag) {
			out["node_pool"] = []any{flattenNodePool(p, cluster.Tags)}
			break
		}
	}
	return out, nil
}

func flattenNodePool(p doNodePool, clusterTags []string) map[string]any {
	var tags []string
	for _, t := range p.Tags { // the pool's own tags, without the cluster's and the default-pool marker
		if t != defaultNodePoolTag && !slices.Contains(clusterTags, t) {
			tags = append(tags, t)
		}
	}
	labels := map[string]any{}
	for k, v := range p.Labels {
		labels[k] = v
	}
	taints := []any{}
	for _, t := range p.Taints {
		taints = append(taints, map[string]any{"key": t.Key, "value": t.Value, "effect": t.Effect})
	}
	nodes := []any{}
	for _, n := range p.Nodes {
		nodes = append(nodes, map[string]any{
			"id": n.ID, "name": n.Name, "status": n.Status.State, "droplet_id": n.DropletID,
			"created_at": n.CreatedAt.UTC().String(), "updated_at": n.UpdatedAt.UTC().String(),
		})
	}
	return map[string]any{
		"id": p.ID, "name": p.Name, "size": p.Size, "node_count": p.Count, "actual_node_count": int64(len(p.Nodes)),
		"auto_scale": p.AutoScale, "min_nodes": p.MinNodes, "max_nodes": p.MaxNodes,
		"tags": stringsToAny(tags), "labels": labels, "taint": taints, "nodes": nodes,
	}
}

// flattenCredentials builds kube_config[0]: host and token as the API gave them, the CA certificate base64 of
// the PEM (callers base64decode it), expires_at in RFC 3339, and a kubeconfig YAML named do-<region>-<name>.
func flattenCredentials(cluster *doCluster, creds *doCredentials) (map[string]any, error) {
	ca := base64.StdEncoding.EncodeToString(creds.CertificateAuthorityData)
	out := map[string]any{
		"host": creds.Server, "token": creds.Token, "cluster_ca_certificate": ca,
		"expires_at": creds.ExpiresAt.Format(time.RFC3339), "client_key": nil, "client_certificate": nil,
	}
	user := map[string]any{"token": creds.Token}
	if creds.ClientKeyData != nil {
		out["client_key"] = string(creds.ClientKeyData)
		user["client-key-data"] = base64.StdEncoding.EncodeToString(creds.ClientKeyData)
	}
	if creds.ClientCertificateData != nil {
		out["client_certificate"] = string(creds.ClientCertificateData)
		user["client-certificate-data"] = base64.StdEncoding.EncodeToString(creds.ClientCertificateData)
	}
	clusterName := fmt.Sprintf("do-%s-%s", cluster.Region, cluster.Name)
	userName := clusterName + "-admin"
	raw, err := yaml.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{
			"name":    clusterName,
			"cluster": map[string]any{"certificate-authority-data": ca, "server": creds.Server},
		}},
		"contexts":        []any{map[string]any{"name": clusterName, "context": map[string]any{"cluster": clusterName, "user": userName}}},
		"current-context": clusterName,
		"users":           []any{map[string]any{"name": userName, "user": user}},
	})
	if err != nil {
		return nil, err
	}
	out["raw_config"] = string(raw)
	return out, nil
}

// userTags drops the tags DigitalOcean adds to every cluster (k8s, k8s:<id>, terraform:...).
func userTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t != "k8s" && !strings.HasPrefix(t, "k8s:") && !strings.HasPrefix(t, "terraform:") {
			out = append(out, t)
		}
	}
	return out
}

func stringsToAny(in []string) []any {
	out := make([]any, 0, len(in))
	for _, s := range in {
		out = append(out, s)
	}
	return out
}
