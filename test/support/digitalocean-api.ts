// A DigitalOcean API stand-in: a real HTTP server on 127.0.0.1 serving the Kubernetes calls the DigitalOcean
// provider makes for the digitalocean_kubernetes_cluster data source, so tests reach it through
// DIGITALOCEAN_API_URL instead of someone else's cloud. Paths, JSON shapes, pagination (page/per_page, links,
// meta) and error bodies follow the public API; it authenticates one Bearer token and records every request.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DigitalOceanCluster {
  name: string;
  /** The Kubernetes API server URL, reported as `endpoint` and as the credentials' `server`. */
  endpoint: string;
  /** The cluster CA certificate (PEM); the API sends it base64-encoded as certificate_authority_data. */
  caPem: string;
  /** The bearer token the credentials call hands out for the cluster. */
  clusterToken: string;
  id?: string;
  region?: string;
  version?: string;
  tags?: string[];
}

export interface DigitalOceanApiOptions {
  /** The API token every request must carry as `Authorization: Bearer <token>`. */
  token: string;
  clusters: DigitalOceanCluster[];
}

export interface DigitalOceanApi {
  /** Base URL, for DIGITALOCEAN_API_URL or the provider's api_endpoint. */
  url: string;
  /** Every request in order; path includes the query string as sent. */
  requests: { method: string; path: string }[];
  stop(): Promise<void>;
}

// DigitalOcean's documented page size defaults and limit.
const defaultPerPage = 20;
const maxPerPage = 200;
const credentialSeconds = 7 * 24 * 3600;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const requestId = randomUUID();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId });
  const payload = status >= 400 ? { ...(body as object), request_id: requestId } : (body as Record<string, unknown>);
  res.end(JSON.stringify(payload));
}

function clusterObject(c: Required<DigitalOceanCluster>, created: string) {
  return {
    id: c.id,
    name: c.name,
    region: c.region,
    version: c.version,
    cluster_subnet: '10.244.0.0/16',
    service_subnet: '10.245.0.0/16',
    vpc_uuid: '',
    ipv4: '',
    endpoint: c.endpoint,
    // The service adds these to every cluster; the provider leaves them out of `tags`.
    tags: ['k8s', `k8s:${c.id}`, ...c.tags],
    node_pools: [],
    maintenance_policy: { start_time: '00:00', duration: '4h0m0s', day: 'any' },
    auto_upgrade: false,
    surge_upgrade: true,
    ha: false,
    status: { state: 'running' },
    created_at: created,
    updated_at: created,
  };
}

export function startDigitalOceanApi(options: DigitalOceanApiOptions): Promise<DigitalOceanApi> {
  const created = new Date().toISOString();
  const clusters = options.clusters.map((c) => ({
    id: randomUUID(),
    region: 'fra1',
    version: '1.33.1-do.0',
    tags: [],
    ...c,
  }));
  const requests: { method: string; path: string }[] = [];

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    requests.push({ method, path: target });
    const url = new URL(target, 'http://127.0.0.1');
    if (req.headers.authorization !== `Bearer ${options.token}` || options.token === '') {
      send(res, 401, { id: 'Unauthorized', message: 'Unable to authenticate you' });
      return;
    }
    if (method !== 'GET') {
      send(res, 405, { id: 'method_not_allowed', message: `${method} is not served by this API stand-in` });
      return;
    }
    if (url.pathname === '/v2/kubernetes/clusters') {
      const perPage = Math.min(Number(url.searchParams.get('per_page')) || defaultPerPage, maxPerPage);
      const page = Math.max(Number(url.searchParams.get('page')) || 1, 1);
      const last = Math.max(Math.ceil(clusters.length / perPage), 1);
      const pageLink = (n: number) => `http://${req.headers.host}${url.pathname}?page=${n}&per_page=${perPage}`;
      const pages: Record<string, string> = {};
      if (page > 1) Object.assign(pages, { first: pageLink(1), prev: pageLink(page - 1) });
      if (page < last) Object.assign(pages, { next: pageLink(page + 1), last: pageLink(last) });
      send(res, 200, {
        kubernetes_clusters: clusters.slice((page - 1) * perPage, page * perPage).map((c) => clusterObject(c, created)),
        links: { pages },
        meta: { total: clusters.length },
      });
      return;
    }
    const match = /^\/v2\/kubernetes\/clusters\/([^/]+)(\/credentials)?$/.exec(url.pathname);
    const cluster = match && clusters.find((c) => c.id === match[1]);
    if (!cluster) {
      send(res, 404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
      return;
    }
    if (!match[2]) {
      send(res, 200, { kubernetes_cluster: clusterObject(cluster, created) });
      return;
    }
    const seconds = Number(url.searchParams.get('expiry_seconds')) || credentialSeconds;
    send(res, 200, {
      server: cluster.endpoint,
      certificate_authority_data: Buffer.from(cluster.caPem).toString('base64'),
      client_certificate_data: null,
      client_key_data: null,
      token: cluster.clusterToken,
      expires_at: new Date(Date.now() + seconds * 1000).toISOString(),
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        stop: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((err) => (err ? fail(err) : done()));
          }),
      });
    });
  });
}
