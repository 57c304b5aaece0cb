// The command lines of the test cluster's control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, kwok), its kubeconfigs and its fake node. All on 127.0.0.1; the certificates are those
// test/cluster/helpers/cmd/cluster-pki writes into `pki`.
import path from 'node:path';

/** `{ 'bind-address': '127.0.0.1' }` → `['--bind-address=127.0.0.1']` */
export function flags(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).map(([name, value]) => `--${name}=${value}`);
}

export interface Layout {
  dir: string;
  pki: string;
  ports: Record<'etcd' | 'peer' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok', number>;
}

export const etcdUrl = (l: Layout) => `http://127.0.0.1:${l.ports.etcd}`;
export const apiserverUrl = (l: Layout) => `https://127.0.0.1:${l.ports.apiserver}`;
const pem = (l: Layout, name: string) => path.join(l.pki, name);

export function etcdArgs(l: Layout): string[] {
  const peer = `http://127.0.0.1:${l.ports.peer}`;
  return flags({
    name: 'test',
    'data-dir': path.join(l.dir, 'etcd'),
    'listen-client-urls': etcdUrl(l),
    'advertise-client-urls': etcdUrl(l),
    'listen-peer-urls': peer,
    'initial-advertise-peer-urls': peer,
    'initial-cluster': `test=${peer}`,
    'log-level': 'warn',
    // Throwaway data: durability costs seconds of fsync under the build load these machines carry.
    'unsafe-no-fsync': true,
  });
}

export function apiserverArgs(l: Layout): string[] {
  return flags({
    'etcd-servers': etcdUrl(l),
    'bind-address': '127.0.0.1',
    'advertise-address': '127.0.0.1',
    'secure-port': l.ports.apiserver,
    'cert-dir': path.join(l.dir, 'apiserver-certs'),
    'tls-cert-file': pem(l, 'apiserver.crt'),
    'tls-private-key-file': pem(l, 'apiserver.key'),
    'client-ca-file': pem(l, 'ca.crt'),
    'authorization-mode': 'Node,RBAC',
    'allow-privileged': true,
    'service-cluster-ip-range': '10.0.0.0/24',
    'service-account-issuer': 'https://kubernetes.default.svc.cluster.local',
    'service-account-key-file': pem(l, 'sa.pub'),
    'service-account-signing-key-file': pem(l, 'sa.key'),
    // The endpoint reconciler would publish 127.0.0.1 as the kubernetes Service's endpoint, which is invalid.
    'endpoint-reconciler-type': 'none',
    // The aggregation layer's request-header CA: without it controller-manager waits for a missing CA bundle.
    'requestheader-client-ca-file': pem(l, 'front-proxy-ca.crt'),
    'requestheader-allowed-names': 'front-proxy-client',
    'requestheader-username-headers': 'X-Remote-User',
    'requestheader-group-headers': 'X-Remote-Group',
    'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
    'proxy-client-cert-file': pem(l, 'front-proxy-client.crt'),
    'proxy-client-key-file': pem(l, 'front-proxy-client.key'),
    profiling: false,
  });
}

/** Flags controller-manager and scheduler share: identity, delegated authn/authz, loopback serving. */
function componentArgs(l: Layout, name: 'controller-manager' | 'scheduler', port: number): string[] {
  const kubeconfig = path.join(l.dir, `${name}.kubeconfig`);
  return flags({
    kubeconfig,
    'authentication-kubeconfig': kubeconfig,
    'authorization-kubeconfig': kubeconfig,
    'bind-address': '127.0.0.1',
    'secure-port': port,
    'cert-dir': path.join(l.dir, `${name}-certs`),
    'leader-elect': false,
  });
}

export function controllerManagerArgs(l: Layout): string[] {
  return [
    ...componentArgs(l, 'controller-manager', l.ports.controllerManager),
    ...flags({
      // Each controller acts as its own ServiceAccount, the identities the bootstrap RBAC policy grants rights to.
      'use-service-account-credentials': true,
      'service-account-private-key-file': pem(l, 'sa.key'),
      'root-ca-file': pem(l, 'ca.crt'),
      'cluster-signing-cert-file': pem(l, 'ca.crt'),
      'cluster-signing-key-file': pem(l, 'ca.key'),
      // The node lifecycle controller lifts the new node's not-ready taint on its next pass: 1 s, not 5 s, away.
      'node-monitor-period': '1s',
    }),
  ];
}

export const schedulerArgs = (l: Layout) => componentArgs(l, 'scheduler', l.ports.scheduler);

export function kwokArgs(l: Layout, stages: string): string[] {
  return flags({
    kubeconfig: path.join(l.dir, 'admin.kubeconfig'),
    config: stages,
    'manage-all-nodes': false,
    'manage-nodes-with-annotation-selector': 'kwok.x-k8s.io/node=fake',
    cidr: '10.244.0.0/16',
    'node-ip': '127.0.0.1',
    'server-address': `127.0.0.1:${l.ports.kwok}`,
    // With leases kwok renews, the node lifecycle controller never sees the node go silent and taint it.
    'node-lease-duration-seconds': 40,
  });
}

/** A kubeconfig with everything inline, so it can be copied anywhere. */
export function kubeconfig(server: string, ca: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64(ca) } }],
    users: [{ name: 'test', user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    'current-context': 'test',
  });
}

/**
 * The node kwok fakes. kwok's own example node carries the taint kwok.x-k8s.io/node=fake:NoSchedule, which charts'
 * pods do not tolerate: this one has none, so they schedule like on a real node.
 */
export function nodeManifest(name: string): object {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
    },
    spec: {},
    status: { allocatable: capacity, capacity },
  };
}
