// The deploy API of issue 16 (artifacts, deploy targets, deployments), typed from the
// backend's OpenAPI schema (`make api-client`). Calls follow the generated client's rules (same
// origin, session cookie, X-CSRF-Token on writes, problem+json errors as ApiError); the upload
// uses XMLHttpRequest because fetch reports no upload progress.
import { ApiError, readCookie, reportUnauthorized, request, type Schemas } from './client';
import type { CommandAccepted } from './queries';

export type ArtifactKind = 'static' | 'war' | 'ear';
export type TargetKind = 'nginx' | 'tomcat' | 'wildfly';
export type DeploymentStatus = 'DEPLOYING' | 'DEPLOYED' | 'FAILED' | 'ROLLED_BACK' | 'SUPERSEDED';

type DeploySchemas = Schemas; // generated from the OpenAPI schema

export type Artifact = DeploySchemas['ArtifactOut'];
export type Deployment = DeploySchemas['DeploymentOut'];
export type DeployTarget = DeploySchemas['DeployTargetOut'];
export type DeployRequest = DeploySchemas['DeployRequest'];
export type RedeployRequest = DeploySchemas['RedeployRequest'];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Which artifact kinds a target takes (the server's `ACCEPTS`; it refuses the rest too). */
export const ACCEPTS: Record<TargetKind, readonly ArtifactKind[]> = {
  nginx: ['static'],
  tomcat: ['war'],
  wildfly: ['war', 'ear'],
};

/** The file names the upload takes (the server decides the kind from them). */
export const ARTIFACT_EXTENSIONS = ['.war', '.ear', '.tar.gz', '.tgz', '.zip'] as const;

const stackPath = (stack: string) => `/api/v1/stacks/${encodeURIComponent(stack)}`;

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function listArtifacts(params: { limit?: number; offset?: number; kind?: ArtifactKind } = {}) {
  return request<Page<Artifact>>('GET', `/api/v1/artifacts${query({ limit: 200, ...params })}`);
}

export function deleteArtifact(sha256: string) {
  return request<void>('DELETE', `/api/v1/artifacts/${encodeURIComponent(sha256)}`);
}

export function listDeployTargets(stack: string) {
  return request<DeployTarget[]>('GET', `${stackPath(stack)}/deploy-targets`);
}

export interface DeploymentFilters {
  service?: string;
  path?: string;
  limit?: number;
  offset?: number;
}

export function listDeployments(stack: string, filters: DeploymentFilters = {}) {
  return request<Page<Deployment>>('GET', `${stackPath(stack)}/deployments${query({ limit: 50, ...filters })}`);
}

/** Enqueue a DEPLOY; `key` is the user action's Idempotency-Key (see idempotency.ts). */
export function deploy(stack: string, body: DeployRequest, key: string) {
  return request<CommandAccepted>('POST', `${stackPath(stack)}/deploy`, body, { 'Idempotency-Key': key });
}

/** Deploy an earlier deployment's artifact again, to the same service and path (a rollback). */
export function redeploy(stack: string, deploymentId: string, body: RedeployRequest, key: string) {
  const path = `${stackPath(stack)}/deployments/${encodeURIComponent(deploymentId)}/redeploy`;
  return request<CommandAccepted>('POST', path, body, { 'Idempotency-Key': key });
}

export interface Uploaded {
  artifact: Artifact;
  /** false: that content was stored already (200 with the existing record). */
  created: boolean;
}

export interface UploadOptions {
  kind?: ArtifactKind;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

function parseBody(text: string, status: number): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { title: `HTTP ${status}`, detail: text.slice(0, 300) };
  }
}

/** Upload an artifact (multipart `file`, optional `kind`), reporting progress from 0 to 1. */
export function uploadArtifact(file: File, { kind, onProgress, signal }: UploadOptions = {}): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/artifacts');
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    const token = readCookie('coremon_csrf');
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      const body = parseBody(xhr.responseText, xhr.status);
      if (xhr.status === 200 || xhr.status === 201) {
        onProgress?.(1);
        resolve({ artifact: body as Artifact, created: xhr.status === 201 });
        return;
      }
      if (xhr.status === 401) reportUnauthorized();
      const retry = xhr.getResponseHeader('Retry-After');
      reject(new ApiError(xhr.status, body, retry ? Number(retry) : null));
    };
    // No answer at all, as fetch would say it (a TypeError).
    xhr.onerror = () => reject(new TypeError('The upload failed: no answer from the server'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file, file.name);
    if (kind) form.append('kind', kind);
    xhr.send(form);
  });
}

/** The first characters of a sha256, as people quote it. */
export const shortSha = (sha256: string) => sha256.slice(0, 12);

/** The path the server picks when none is given: a WAR/EAR's context is "/" + its file stem
 * (Tomcat's convention: ROOT.war → "/"); a static site goes to the "default" site. */
export function defaultPath(artifact: Pick<Artifact, 'kind' | 'filename'>): string {
  if (artifact.kind === 'static') return 'default';
  const stem = artifact.filename.replace(/^.*[\\/]/, '').replace(/\.(war|ear)$/i, '');
  return stem === 'ROOT' ? '/' : `/${stem}`;
}
