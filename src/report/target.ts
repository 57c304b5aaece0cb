// Pure: what one PR comment is for. Two runs with the same target share one comment; a matrix over clusters needs
// one target per cluster, so the default names the configuration and the cluster it reaches.
import { parse as parseYaml } from 'yaml';
import { inlineCode } from './comment-markdown.js';

interface KubeconfigShape {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

/** The API server host of the kubeconfig's current context: not secret, and distinct per cluster. */
export function kubeconfigServerHost(kubeconfig: string): string | undefined {
  try {
    const doc = parseYaml(kubeconfig) as KubeconfigShape;
    const context = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
    const cluster = doc.clusters?.find((c) => c.name === context?.cluster) ?? doc.clusters?.[0];
    return cluster?.cluster?.server ? new URL(cluster.cluster.server).host : undefined;
  } catch {
    return undefined;
  }
}

/** Where a plan was made: the DOKS cluster's name, or the API server host of the kubeconfig's current context. */
export interface ClusterLocation {
  doksName?: string;
  apiServer?: string;
}

export function clusterLocation(cluster: { doksName?: string; kubeconfig?: string }): ClusterLocation | undefined {
  if (cluster.doksName) return { doksName: cluster.doksName };
  const apiServer = cluster.kubeconfig ? kubeconfigServerHost(cluster.kubeconfig) : undefined;
  return apiServer ? { apiServer } : undefined;
}

/** "DigitalOcean Kubernetes cluster `dev-ams3`" or "API server `dev.k8s.example:6443` (…)", for the comment. */
export function describeLocation(location: ClusterLocation): string {
  if (location.doksName) return `DigitalOcean Kubernetes cluster ${inlineCode(location.doksName)}`;
  return `API server ${inlineCode(location.apiServer ?? '')} (the kubeconfig’s current context)`;
}

export function commentTarget(
  explicit: string | undefined,
  configurationLabel: string,
  cluster: { doksName?: string; kubeconfig?: string },
): string {
  if (explicit) return explicit;
  const location = clusterLocation(cluster);
  const where = location?.doksName ?? location?.apiServer;
  return where ? `${configurationLabel}@${where}` : configurationLabel;
}
