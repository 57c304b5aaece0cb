// A real S3 endpoint on 127.0.0.1: versitygw (scripts/test-servers.sh builds it) over a posix directory, with root
// credentials, plain HTTP. OpenTofu's s3 backend reaches it with path-style requests (see s3BackendConfig). The
// helper methods speak S3 itself, signed with SigV4 (a few lines of node:crypto instead of an SDK dependency), so an
// assertion made through them is an assertion about what the server serves.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, request, serverEnv, startProcess, type HttpResponse } from './server-process.js';

export interface S3Server {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  pid: number;
  /** The posix backend's root: one directory per bucket, one file per object. */
  dataDir: string;
  createBucket(name: string): Promise<void>;
  /** Object keys in the bucket (ListObjectsV2, every page), optionally under a prefix. */
  listObjects(bucket: string, prefix?: string): Promise<string[]>;
  /** The object's body as UTF-8; rejects when it does not exist. */
  getObject(bucket: string, key: string): Promise<string>;
  /** A raw PutObject with extra headers (e.g. If-None-Match), answering the status instead of throwing. */
  putObject(bucket: string, key: string, body: string, headers?: Record<string, string>): Promise<HttpResponse>;
  stop(): Promise<void>;
}

/** Settings of a `backend "s3"` block for this server (HCL attribute name -> value). */
export function s3BackendConfig(s3: S3Server, bucket: string, key: string): Record<string, unknown> {
  return {
    bucket,
    key,
    region: s3.region,
    endpoints: { s3: s3.endpoint },
    access_key: s3.accessKey,
    secret_key: s3.secretKey,
    // Bucket in the path: the virtual-host form would need DNS for <bucket>.127.0.0.1.
    use_path_style: true,
    // There is no STS, IAM or instance metadata here: without these the backend would call AWS's real endpoints.
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
  };
}

export async function startS3Server(opts: { region?: string } = {}): Promise<S3Server> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flux-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKey = `test${randomBytes(6).toString('hex')}`;
  const secretKey = randomBytes(24).toString('base64url');
  const region = opts.region ?? 'us-east-1';
  const client = new S3Client(endpoint, accessKey, secretKey, region);

  const server = await startProcess(
    serverEnv('VERSITYGW_BIN'),
    ['--port', `127.0.0.1:${port}`, '--access', accessKey, '--secret', secretKey, '--region', region, 'posix', dataDir],
    {
      name: 'versitygw',
      // The root credentials go on the command line above; keep the machine's AWS settings away from the gateway.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir },
      // Any S3 answer (ListBuckets with our keys) means it serves.
      ready: async () => (await client.send('GET', '/')).status === 200,
    },
  );

  const check = (res: HttpResponse, what: string): HttpResponse => {
    if (res.status >= 300) throw new Error(`S3 ${what}: HTTP ${res.status} ${res.body.toString('utf8')}`);
    return res;
  };
  return {
    endpoint,
    accessKey,
    secretKey,
    region,
    pid: server.pid,
    dataDir,
    async createBucket(name) {
      check(await client.send('PUT', `/${name}`), `CreateBucket ${name}`);
    },
    async listObjects(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const query: Record<string, string> = { 'list-type': '2' };
        if (prefix) query.prefix = prefix;
        if (token) query['continuation-token'] = token;
        const xml = check(await client.send('GET', `/${bucket}`, query), `ListObjectsV2 ${bucket}`).body.toString();
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(xmlText(m[1]!));
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
          ? xmlText(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '')
          : undefined;
      } while (token);
      return keys;
    },
    async getObject(bucket, key) {
      return check(await client.send('GET', `/${bucket}/${key}`), `GetObject ${bucket}/${key}`).body.toString('utf8');
    },
    putObject(bucket, key, body, headers = {}) {
      return client.send('PUT', `/${bucket}/${key}`, {}, Buffer.from(body), headers);
    },
    async stop() {
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

function xmlText(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, ent: string) => {
    if (ent.startsWith('#x') || ent.startsWith('#X')) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(Number(ent.slice(1)));
    return named[ent] ?? whole;
  });
}

// RFC 3986 unreserved characters stay; everything else is percent-encoded (SigV4's rule; '/' kept in paths).
function uriEncode(s: string, keepSlash: boolean): string {
  const encoded = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** AWS Signature Version 4 for path-style S3 requests, with the payload hash signed. */
class S3Client {
  constructor(
    private readonly endpoint: string,
    private readonly accessKey: string,
    private readonly secretKey: string,
    private readonly region: string,
  ) {}

  send(
    method: string,
    rawPath: string,
    query: Record<string, string> = {},
    body: Buffer = Buffer.alloc(0),
    extra: Record<string, string> = {},
  ): Promise<HttpResponse> {
    const url = new URL(this.endpoint);
    const amzDate = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const canonicalPath = uriEncode(rawPath, true);
    const canonicalQuery = Object.keys(query)
      .sort()
      .map((k) => `${uriEncode(k, false)}=${uriEncode(query[k]!, false)}`)
      .join('&');
    const headers: Record<string, string> = {
      host: url.host,
      'x-amz-content-sha256': sha256(body),
      'x-amz-date': amzDate,
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k.toLowerCase(), v])),
    };
    const names = Object.keys(headers).sort();
    const canonicalRequest = [
      method,
      canonicalPath,
      canonicalQuery,
      ...names.map((n) => `${n}:${headers[n]!.trim()}`),
      '',
      names.join(';'),
      headers['x-amz-content-sha256'],
    ].join('\n');
    const scope = `${day}/${this.region}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
    let key = hmac(`AWS4${this.secretKey}`, day);
    for (const part of [this.region, 's3', 'aws4_request']) key = hmac(key, part);
    const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${this.accessKey}/${scope}, ` +
      `SignedHeaders=${names.join(';')}, Signature=${signature}`;
    if (method !== 'GET') headers['content-length'] = String(body.length);
    const target = `${this.endpoint}${canonicalPath}${canonicalQuery ? `?${canonicalQuery}` : ''}`;
    return request(target, { method, headers, body });
  }
}
