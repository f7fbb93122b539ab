// The wizard's API (issue 17), typed by hand from the contract until the generated client
// (schema.d.ts) describes it: after the backend lands, `make api-client` and these types can
// become aliases of `Schemas[...]`. Calls go through `request` (same CSRF header, error shape
// and 401 handling as every other call).
import { useQuery } from '@tanstack/react-query';
import { request } from './client';
import type { VersionDiff } from './queries';

/** A parameter schema: a JSON Schema object (the subset the catalog uses). */
export type JsonSchema = Record<string, unknown>;

/** Answers per component, per parameter. */
export type Answers = Record<string, Record<string, unknown>>;

export interface CatalogItem {
  id: string;
  title: string;
  description: string;
  category: string;
  icon: string;
  /** newest first */
  versions: string[];
  default_version: string;
}

export interface Catalog {
  catalog_digest: string;
  items: CatalogItem[];
}

export interface Capability {
  capability: string;
  version: string;
}

export interface Requirement {
  capability: string;
  range: string;
  optional: boolean;
  reason: string;
}

export interface Conflict {
  component: string;
  reason: string;
}

export interface ComponentVersion {
  version: string;
  images: string[];
  parameters: JsonSchema;
  provides: Capability[];
  requires: Requirement[];
  conflicts: Conflict[];
  claims: string[];
  deploy: Record<string, unknown> | null;
}

export interface ComponentDetail {
  catalog_digest: string;
  id: string;
  title: string;
  description: string;
  category: string;
  icon: string;
  versions: ComponentVersion[];
}

export interface SelectionItem {
  component: string;
  version?: string;
}

export interface ResolvedComponent {
  component: string;
  version: string;
  added_because: string | null;
}

export interface Violation {
  rule: string;
  components: string[];
  message: string;
  fix: string;
}

export interface Suggestion {
  capability: string;
  providers: string[];
  default: string;
  message: string;
}

export interface Variable {
  name: string;
  value: string | null;
  secret: boolean;
}

export interface Resolution {
  components: ResolvedComponent[];
  violations: Violation[];
  suggestions: Suggestion[];
  compose: string;
  variables: Variable[];
  catalog_digest: string;
}

export interface ResolveRequest {
  selection: SelectionItem[];
  answers: Answers;
}

export interface CreateRequest extends ResolveRequest {
  name: string;
  comment?: string;
}

export interface Created {
  stack_id: string;
  version: number;
}

export interface PathMessage {
  path: string;
  message: string;
}

export interface ReRenderRequest {
  selection?: SelectionItem[];
  answers?: Answers;
  upgrade?: boolean;
  parent?: number;
  comment?: string;
}

export interface ReRendered extends Created {
  /** against the parent: the same shape as the versions' diff endpoint */
  diff: VersionDiff;
  overwritten_edits: PathMessage[];
}

export interface Upgrade {
  component: string;
  from: string;
  to: string;
}

export interface Provenance {
  catalog_digest: string;
  /** the catalog now (differs from catalog_digest once the catalog changed) */
  current_catalog_digest?: string;
  /** the newest version the wizard made */
  version?: number;
  components?: ResolvedComponent[];
  upgrade_available?: boolean;
  selection: SelectionItem[];
  /** secret answers masked */
  answers: Answers;
  upgrades: Upgrade[];
  hand_edits: PathMessage[];
}

const enc = encodeURIComponent;

export function getCatalog(filters: { category?: string; text?: string } = {}): Promise<Catalog> {
  const query = new URLSearchParams();
  if (filters.category) query.set('category', filters.category);
  if (filters.text) query.set('text', filters.text);
  const suffix = query.size ? `?${query.toString()}` : '';
  return request<Catalog>('GET', `/api/v1/catalog${suffix}`);
}

export function getComponent(id: string): Promise<ComponentDetail> {
  return request<ComponentDetail>('GET', `/api/v1/catalog/${enc(id)}`);
}

export function resolve(body: ResolveRequest): Promise<Resolution> {
  return request<Resolution>('POST', '/api/v1/wizard/resolve', body);
}

export function createStack(body: CreateRequest): Promise<Created> {
  return request<Created>('POST', '/api/v1/wizard/stacks', body);
}

export function reRender(stackId: string, body: ReRenderRequest): Promise<ReRendered> {
  return request<ReRendered>('POST', `/api/v1/stacks/${enc(stackId)}/wizard`, body);
}

export function getProvenance(stackId: string): Promise<Provenance> {
  return request<Provenance>('GET', `/api/v1/stacks/${enc(stackId)}/wizard`);
}

export const wizardKeys = {
  catalog: ['catalog'] as const,
  component: (id: string) => ['catalog', id] as const,
  // under ['stack', …] so the event stream's invalidation of a stack refreshes it too
  provenance: (name: string) => ['stack', name, 'wizard'] as const,
};

/** The whole catalog (filtering is done in the page: it is small, and typing stays instant). */
export function useCatalog() {
  return useQuery({ queryKey: wizardKeys.catalog, queryFn: () => getCatalog(), staleTime: 60_000 });
}

export function useComponent(id: string) {
  return useQuery({ queryKey: wizardKeys.component(id), queryFn: () => getComponent(id), staleTime: 60_000 });
}

/** What the wizard recorded for a stack; an ApiError 404 when the wizard did not make it. */
export function useProvenance(name: string, stackId: string, enabled = true) {
  return useQuery({
    queryKey: wizardKeys.provenance(name),
    enabled,
    retry: false,
    queryFn: () => getProvenance(stackId),
  });
}
