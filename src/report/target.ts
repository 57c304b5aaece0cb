// Pure: what one PR comment is for. Two runs with the same target share one comment; a matrix over clusters needs
// one target per cluster, so the default names the configuration and the cluster it reaches.
import { parse as parseYaml } from 'yaml';

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

export function commentTarget(
  explicit: string | undefined,
  configurationLabel: string,
  cluster: { doksName?: string; kubeconfig?: string },
): string {
  if (explicit) return explicit;
  const where = cluster.doksName ?? (cluster.kubeconfig ? kubeconfigServerHost(cluster.kubeconfig) : undefined);
  return where ? `${configurationLabel}@${where}` : configurationLabel;
}
